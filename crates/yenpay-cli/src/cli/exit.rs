//! Exit codes, so scripts can tell a refusal from an outage from a typo.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | done |
//! | 1 | any other failure (a local file, an unexpected answer) |
//! | 2 | bad input: a usage error, an argument the contract would refuse, a missing key, profile or deployment record; nothing was signed |
//! | 3 | refused by the chain: the transaction (or its simulation) aborted, the abort's name is printed; or the node refused it before execution; or the deployment failed a check of `package verify` |
//! | 4 | network: no node reachable, or the outcome of a submitted transaction is unknown (its hash is printed: look it up) |
//! | 5 | not confirmed: a mainnet action without `--assume-yes` and without a terminal to ask, or the answer was not yes; nothing was signed |
use std::fmt;

use aptos_sdk::AptosError;
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

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

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
