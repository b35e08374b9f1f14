//! Exit codes, so scripts can tell a refusal from an outage from a typo.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | done |
//! | 1 | any other failure (a local file, an unexpected answer), or an alarm of a `--check` read (`fx show`, `tax-refund show`) |
//! | 2 | bad input: a usage error, an argument the contract would refuse, a missing key, profile or deployment record; nothing was signed |
//! | 3 | refused by the chain: the transaction (or its simulation) aborted, the abort's name is printed; or the node refused it before execution; or the deployment failed a check of `package verify` |
//! | 4 | network: no node reachable, or the outcome of a submitted transaction is unknown (its hash is printed: look it up) |
//! | 5 | not confirmed: a mainnet action without `--assume-yes` and without a terminal to ask, or the answer was not yes; nothing was signed |
use std::fmt;

use aptos_sdk::AptosError;
use yenpay_client::abort::MoveAbort;
use yenpay_client::client::Error as ClientError;

/// Any other failure.
pub const FAILURE: u8 = 1;
/// Bad input; nothing was signed.
pub const BAD_INPUT: u8 = 2;
/// Refused by the chain.
pub const REFUSED: u8 = 3;
/// No node, or an unknown outcome.
pub const NETWORK: u8 = 4;
/// A mainnet action was not confirmed.
pub const NOT_CONFIRMED: u8 = 5;

/// An input the console refuses, with the reason.
#[derive(Debug)]
pub struct BadInput(pub String);

impl fmt::Display for BadInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

/// A mainnet action that was not confirmed.
#[derive(Debug)]
pub struct NotConfirmed(pub String);

impl fmt::Display for NotConfirmed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NotConfirmed {}

/// A simulation that shows the transaction would abort (the report was printed).
#[derive(Debug)]
pub struct WouldFail(pub String);

impl fmt::Display for WouldFail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for WouldFail {}

/// A failure already reported on standard output (an alarm of a `--check`
/// read, in the document it printed): exit 1, and no second JSON document.
#[derive(Debug)]
pub struct Reported(pub String);

impl fmt::Display for Reported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Reported {}

/// A [`BadInput`] error.
pub fn bad_input(message: impl Into<String>) -> anyhow::Error {
    BadInput(message.into()).into()
}

fn aptos_code(error: &AptosError) -> u8 {
    match error {
        AptosError::Http(_) | AptosError::TransactionTimeout { .. } => NETWORK,
        AptosError::Api { status_code, .. } if *status_code >= 500 => NETWORK,
        // The node answered and refused: validation, a bad sequence number,
        // too little APT for the gas.
        AptosError::Api { .. } => REFUSED,
        AptosError::ExecutionFailed { .. } | AptosError::SimulationFailed(_) => REFUSED,
        _ => FAILURE,
    }
}

fn client_code(error: &ClientError) -> u8 {
    match error {
        ClientError::Validation(_) | ClientError::Authorization(_) => BAD_INPUT,
        ClientError::Aborted { .. } | ClientError::Failed { .. } => REFUSED,
        ClientError::Timeout { .. } | ClientError::Unknown { .. } => NETWORK,
        ClientError::Aptos(error) => aptos_code(error),
        _ => FAILURE,
    }
}

/// The exit code for `error`: the first cause in its chain that says.
pub fn code(error: &anyhow::Error) -> u8 {
    for cause in error.chain() {
        if cause.is::<BadInput>()
            || cause.is::<yenpay_client::types::limits::ValidationError>()
            || cause.is::<yenpay_deploy::keys::KeyError>()
            || cause.is::<yenpay_deploy::deployment::DeploymentError>()
            || cause.is::<yenpay_deploy::publish::PublishError>()
        {
            return BAD_INPUT;
        }
        if cause.is::<NotConfirmed>() {
            return NOT_CONFIRMED;
        }
        if cause.is::<WouldFail>() {
            return REFUSED;
        }
        if let Some(yenpay_deploy::operate::CheckError::Read { source, .. }) = cause.downcast_ref()
        {
            return client_code(source);
        }
        if cause.is::<yenpay_deploy::operate::CheckError>() {
            return REFUSED;
        }
        if let Some(error) = cause.downcast_ref::<ClientError>() {
            return client_code(error);
        }
        if let Some(error) = cause.downcast_ref::<AptosError>() {
            return aptos_code(error);
        }
    }
    FAILURE
}

/// What the operator can do about an abort of the FX desk or the tax
/// refunds, beyond the constant's own doc comment (which says what went
/// wrong, not which command puts it right).
pub fn hint(abort: &MoveAbort) -> Option<&'static str> {
    let name = abort.name.as_deref()?;
    Some(match (abort.module_name.as_str(), name) {
        ("fx", "ENOT_OPERATOR") => {
            "sign with the registry's operator (`yenpay roles` names it), or propose it with --multisig"
        }
        ("fx", "ENOT_QUOTE_SIGNER") => {
            "the quote signer or the operator proposes and cancels; `yenpay fx show` names the holder"
        }
        ("fx", "ENOT_RATE_KEEPER") => {
            "only the rate keeper sets the rate (the operator may propose a new keeper); `yenpay fx show` names it"
        }
        ("fx", "ENOT_PENDING_QUOTE_SIGNER" | "ENOT_PENDING_RATE_KEEPER") => {
            "only the proposed account accepts; `yenpay fx show` names it"
        }
        ("fx", "ENO_PENDING") => "nothing is proposed: there is nothing to cancel",
        ("fx", "EUSDC_ALREADY_SET") => {
            "the desk's USDC is set once; `yenpay fx show` names the one it takes"
        }
        ("fx", "EUSDC_NOT_SET") => "configure the desk's USDC first: `yenpay fx configure-usdc`",
        ("fx", "EWRONG_DECIMALS") => {
            "that asset does not have USDC's 6 decimals: check the address"
        }
        ("fx", "EINSUFFICIENT_INVENTORY") => {
            "the desk holds less than that: `yenpay fx show`, and `yenpay fx fund` to add yen"
        }
        ("fx", "EINVALID_OBSERVATION_TIME") => {
            "--observed-at must be later than the current reference's and not after the chain's time;              leave it out to use the chain's time"
        }
        ("fx", "EINVALID_LIMITS") => "the per-quote limit must not be above the daily limit",
        ("fx", "EINVALID_POLICY") => {
            "deviations at most 2000 bps, ages 1 s to a week, the closed policy at least as wide as the open one"
        }
        ("fx", "EREFERENCE_STALE" | "ENO_REFERENCE_RATE") => {
            "set a fresh reference: the rate keeper's feed (the gateway), or `yenpay fx set-rate` by hand"
        }
        ("tax_refund", "ENOT_REFUND_AGENT") => {
            "only the refund agent withdraws the float (the operator may propose a new agent);              `yenpay tax-refund show` names it"
        }
        ("tax_refund", "ENOT_PENDING_REFUND_AGENT") => {
            "only the proposed agent accepts; `yenpay tax-refund show` names it"
        }
        ("tax_refund", "EINSUFFICIENT_FLOAT") => {
            "the float holds less than that: `yenpay tax-refund show`, and `yenpay tax-refund float fund`"
        }
        ("tax_refund", "ENOT_HOUSEKEEPER") => {
            "sign with the operator or the housekeeper (`yenpay invoices housekeeper show`)"
        }
        ("tax_refund", "ECLAIM_WINDOW_OPEN") => {
            "a purchase of the batch is still within its 90-day claim window: purge with --only-due"
        }
        ("tax_refund", "EPURCHASE_NOT_FOUND") => {
            "a purchase of the batch has no record (never paid tax-free, or purged already): purge with --only-due"
        }
        _ => return None,
    })
}

/// [`hint`] for the abort in `error`'s chain, if any.
pub fn hint_of(error: &anyhow::Error) -> Option<&'static str> {
    error.chain().find_map(|cause| {
        cause
            .downcast_ref::<ClientError>()
            .and_then(ClientError::abort)
            .and_then(hint)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    fn aborted(module: yenpay_client::abort::Module, code: u64) -> anyhow::Error {
        let package = aptos_sdk::types::AccountAddress::from_hex("0xcafe").unwrap();
        anyhow::Error::from(ClientError::Aborted {
            hash: aptos_sdk::types::HashValue::ZERO,
            version: 1,
            gas_used: 7,
            abort: Box::new(MoveAbort::from_code(package, package, module.name(), code)),
        })
        .context("set the FX desk's limits as the operator 0xb0b on local")
    }

    #[test]
    fn the_desk_s_and_the_agent_s_aborts_are_named_and_explained() {
        use yenpay_client::abort::{FxAbort, Module, TaxRefundAbort};
        // (module, code as std::error raises it, the constant, words of its hint)
        let cases = [
            (Module::Fx, 0x50001, "ENOT_OPERATOR", "operator"),
            (Module::Fx, 0x50002, "ENOT_QUOTE_SIGNER", "fx show"),
            (Module::Fx, 0x50004, "ENOT_RATE_KEEPER", "rate keeper"),
            (Module::Fx, 0x50003, "ENOT_PENDING_QUOTE_SIGNER", "proposed"),
            (Module::Fx, 0x50005, "ENOT_PENDING_RATE_KEEPER", "proposed"),
            (Module::Fx, 0x30006, "ENO_PENDING", "nothing to cancel"),
            (Module::Fx, 0x80008, "EUSDC_ALREADY_SET", "set once"),
            (Module::Fx, 0x30007, "EUSDC_NOT_SET", "configure-usdc"),
            (Module::Fx, 0x10009, "EWRONG_DECIMALS", "6 decimals"),
            (Module::Fx, 0x30016, "EINSUFFICIENT_INVENTORY", "fx fund"),
            (
                Module::Fx,
                0x10017,
                "EINVALID_OBSERVATION_TIME",
                "--observed-at",
            ),
            (Module::Fx, 0x10014, "EINVALID_LIMITS", "daily limit"),
            (Module::Fx, 0x10013, "EINVALID_POLICY", "2000 bps"),
            (Module::Fx, 0x30010, "EREFERENCE_STALE", "set-rate"),
            (
                Module::TaxRefund,
                0x50001,
                "ENOT_REFUND_AGENT",
                "tax-refund show",
            ),
            (
                Module::TaxRefund,
                0x50002,
                "ENOT_PENDING_REFUND_AGENT",
                "proposed",
            ),
            (
                Module::TaxRefund,
                0x30013,
                "EINSUFFICIENT_FLOAT",
                "float fund",
            ),
            (
                Module::TaxRefund,
                0x50011,
                "ENOT_HOUSEKEEPER",
                "housekeeper",
            ),
            (
                Module::TaxRefund,
                0x3000f,
                "ECLAIM_WINDOW_OPEN",
                "--only-due",
            ),
            (
                Module::TaxRefund,
                0x60004,
                "EPURCHASE_NOT_FOUND",
                "--only-due",
            ),
        ];
        for (module, code, name, words) in cases {
            let error = aborted(module, code);
            assert_eq!(code_of(&error), REFUSED, "{name}");
            let message = format!("{error:#}");
            assert!(message.contains(name), "{name}: {message}");
            let hint = hint_of(&error).unwrap_or_else(|| panic!("{name} has no hint"));
            assert!(hint.contains(words), "{name}: {hint}");
        }
        // The constant's doc comment is the message; the typed tables agree.
        let message = format!("{:#}", aborted(Module::Fx, 0x80008));
        assert!(message.contains(FxAbort::UsdcAlreadySet.doc()), "{message}");
        let message = format!("{:#}", aborted(Module::TaxRefund, 0x30013));
        assert!(
            message.contains(TaxRefundAbort::InsufficientFloat.doc()),
            "{message}"
        );
        // Another module's abort of the same name has no desk hint.
        assert_eq!(hint_of(&aborted(Module::MerchantRegistry, 0x50001)), None);
        assert_eq!(hint_of(&anyhow::anyhow!("disk full")), None);
    }

    fn code_of(error: &anyhow::Error) -> u8 {
        code(error)
    }

    #[test]
    fn the_first_telling_cause_decides() {
        let input = Err::<(), _>(bad_input("`x` is not an account address"))
            .context("planning")
            .unwrap_err();
        assert_eq!(code(&input), BAD_INPUT);
        let refused = anyhow::Error::from(ClientError::Aptos(AptosError::api(
            400,
            "INSUFFICIENT_BALANCE",
        )))
        .context("submitting");
        assert_eq!(code(&refused), REFUSED);
        let down = anyhow::Error::from(ClientError::Aptos(AptosError::api(503, "busy")));
        assert_eq!(code(&down), NETWORK);
        let unknown = anyhow::Error::from(ClientError::Unknown {
            hash: aptos_sdk::types::HashValue::ZERO,
            expires_at: 1,
            detail: "connection reset".to_owned(),
        });
        assert_eq!(code(&unknown), NETWORK);
        assert_eq!(code(&NotConfirmed("mainnet".into()).into()), NOT_CONFIRMED);
        assert_eq!(code(&anyhow::anyhow!("disk full")), FAILURE);
    }
}
