//! Move aborts decoded into typed errors: module, constant name, code and
//! the constant's doc comment.
//!
//! A failed transaction comes back from the node with a `vm_status` such as
//! `Move abort in 0x…::controls: EPAUSED(0x30008): The asset is paused: …`
//! (the node names the constant from the published package's error map) or,
//! without an error map, `Move abort in 0x…::controls: 0x30008`. Both decode
//! into a [`MoveAbort`]; for the yenpay modules it also carries the typed
//! [`KnownAbort`] (for example [`ControlsAbort::Paused`]) so integrators can
//! `match` on it. Abort codes follow `std::error`: `code = category << 16 |
//! reason`, where the reason is the constant's value.
//!
//! The tables are generated from the Move sources (`cargo xtask codegen`
//! writes each module's `interface.rs`, `cargo xtask test` fails when they
//! disagree): every `const E…: u64` of a module becomes a documented variant
//! of its enum, so a change to a constant shows up in review as a change to
//! the client's API.
use aptos_sdk::types::AccountAddress;
use std::fmt;

/// The `std::error` category of an abort code (its upper bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AbortCategory {
    /// No category: the code is a bare reason (`abort 1`).
    None,
    /// `INVALID_ARGUMENT` (0x1).
    InvalidArgument,
    /// `OUT_OF_RANGE` (0x2).
    OutOfRange,
    /// `INVALID_STATE` (0x3).
    InvalidState,
    /// `UNAUTHENTICATED` (0x4).
    Unauthenticated,
    /// `PERMISSION_DENIED` (0x5).
    PermissionDenied,
    /// `NOT_FOUND` (0x6).
    NotFound,
    /// `ABORTED` (0x7).
    Aborted,
    /// `ALREADY_EXISTS` (0x8).
    AlreadyExists,
    /// `RESOURCE_EXHAUSTED` (0x9).
    ResourceExhausted,
    /// `CANCELLED` (0xA).
    Cancelled,
    /// `INTERNAL` (0xB).
    Internal,
    /// `NOT_IMPLEMENTED` (0xC).
    NotImplemented,
    /// `UNAVAILABLE` (0xD).
    Unavailable,
    /// A category `std::error` does not define.
    Other(u64),
}

impl AbortCategory {
    /// The category of `code`: `code >> 16`.
    pub fn of(code: u64) -> Self {
        match code >> 16 {
            0x0 => Self::None,
            0x1 => Self::InvalidArgument,
            0x2 => Self::OutOfRange,
            0x3 => Self::InvalidState,
            0x4 => Self::Unauthenticated,
            0x5 => Self::PermissionDenied,
            0x6 => Self::NotFound,
            0x7 => Self::Aborted,
            0x8 => Self::AlreadyExists,
            0x9 => Self::ResourceExhausted,
            0xA => Self::Cancelled,
            0xB => Self::Internal,
            0xC => Self::NotImplemented,
            0xD => Self::Unavailable,
            other => Self::Other(other),
        }
    }

    /// The `std::error` constant name (`INVALID_STATE`), or `NONE`/`OTHER`.
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "NONE",
            Self::InvalidArgument => "INVALID_ARGUMENT",
            Self::OutOfRange => "OUT_OF_RANGE",
            Self::InvalidState => "INVALID_STATE",
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::PermissionDenied => "PERMISSION_DENIED",
            Self::NotFound => "NOT_FOUND",
            Self::Aborted => "ABORTED",
            Self::AlreadyExists => "ALREADY_EXISTS",
            Self::ResourceExhausted => "RESOURCE_EXHAUSTED",
            Self::Cancelled => "CANCELLED",
            Self::Internal => "INTERNAL",
            Self::NotImplemented => "NOT_IMPLEMENTED",
            Self::Unavailable => "UNAVAILABLE",
            Self::Other(_) => "OTHER",
        }
    }
}

/// The reason of an abort code (its lower 16 bits): the constant's value.
pub fn reason_of(code: u64) -> u64 {
    code & 0xFFFF
}

pub use crate::module::Module;

pub use crate::authorization::interface::AuthorizationAbort;
pub use crate::controls::interface::ControlsAbort;
pub use crate::fee_treasury::interface::FeeTreasuryAbort;
pub use crate::fx::interface::FxAbort;
pub use crate::hold::interface::HoldAbort;
pub use crate::invoice::interface::InvoiceAbort;
pub use crate::issuance::interface::IssuanceAbort;
pub use crate::merchant::interface::MerchantRegistryAbort;
pub use crate::stablecoin::interface::StablecoinAbort;
pub use crate::tax_refund::interface::TaxRefundAbort;
pub use crate::upgrade::interface::UpgradeAbort;

/// An abort constant of one of the yenpay modules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KnownAbort {
    /// Raised by `yenpay::authorization`.
    Authorization(AuthorizationAbort),
    /// Raised by `yenpay::controls`.
    Controls(ControlsAbort),
    /// Raised by `yenpay::stablecoin`.
    Stablecoin(StablecoinAbort),
    /// Raised by `yenpay::issuance`.
    Issuance(IssuanceAbort),
    /// Raised by `yenpay::merchant_registry`.
    MerchantRegistry(MerchantRegistryAbort),
    /// Raised by `yenpay::fee_treasury`.
    FeeTreasury(FeeTreasuryAbort),
    /// Raised by `yenpay::invoice`.
    Invoice(InvoiceAbort),
    /// Raised by `yenpay::hold`.
    Hold(HoldAbort),
    /// Raised by `yenpay::fx`.
    Fx(FxAbort),
    /// Raised by `yenpay::tax_refund`.
    TaxRefund(TaxRefundAbort),
    /// Raised by `yenpay::upgrade`.
    Upgrade(UpgradeAbort),
}

/// `$body` applied to the typed constant inside any [`KnownAbort`].
macro_rules! each_known {
    ($value:expr, $known:ident => $body:expr) => {
        match $value {
            KnownAbort::Authorization($known) => $body,
            KnownAbort::Controls($known) => $body,
            KnownAbort::Stablecoin($known) => $body,
            KnownAbort::Issuance($known) => $body,
            KnownAbort::MerchantRegistry($known) => $body,
            KnownAbort::FeeTreasury($known) => $body,
            KnownAbort::Invoice($known) => $body,
            KnownAbort::Hold($known) => $body,
            KnownAbort::Fx($known) => $body,
            KnownAbort::TaxRefund($known) => $body,
            KnownAbort::Upgrade($known) => $body,
        }
    };
}

impl KnownAbort {
    /// The constant of `module` whose value is the reason part of `code`.
    pub fn lookup(module: Module, code: u64) -> Option<Self> {
        let reason = reason_of(code);
        match module {
            Module::Authorization => {
                AuthorizationAbort::from_reason(reason).map(Self::Authorization)
            }
            Module::Controls => ControlsAbort::from_reason(reason).map(Self::Controls),
            Module::Stablecoin => StablecoinAbort::from_reason(reason).map(Self::Stablecoin),
            Module::Issuance => IssuanceAbort::from_reason(reason).map(Self::Issuance),
            Module::MerchantRegistry => {
                MerchantRegistryAbort::from_reason(reason).map(Self::MerchantRegistry)
            }
            Module::FeeTreasury => FeeTreasuryAbort::from_reason(reason).map(Self::FeeTreasury),
            Module::Invoice => InvoiceAbort::from_reason(reason).map(Self::Invoice),
            Module::Hold => HoldAbort::from_reason(reason).map(Self::Hold),
            Module::Fx => FxAbort::from_reason(reason).map(Self::Fx),
            Module::TaxRefund => TaxRefundAbort::from_reason(reason).map(Self::TaxRefund),
            Module::Upgrade => UpgradeAbort::from_reason(reason).map(Self::Upgrade),
        }
    }

    /// The module that declares the constant.
    pub fn module(self) -> Module {
        match self {
            Self::Authorization(_) => Module::Authorization,
            Self::Controls(_) => Module::Controls,
            Self::Stablecoin(_) => Module::Stablecoin,
            Self::Issuance(_) => Module::Issuance,
            Self::MerchantRegistry(_) => Module::MerchantRegistry,
            Self::FeeTreasury(_) => Module::FeeTreasury,
            Self::Invoice(_) => Module::Invoice,
            Self::Hold(_) => Module::Hold,
            Self::Fx(_) => Module::Fx,
            Self::TaxRefund(_) => Module::TaxRefund,
            Self::Upgrade(_) => Module::Upgrade,
        }
    }

    /// The Move constant name.
    pub fn name(self) -> &'static str {
        each_known!(self, known => known.name())
    }

    /// The constant's value.
    pub fn reason(self) -> u64 {
        each_known!(self, known => known.reason())
    }

    /// The constant's doc comment.
    pub fn doc(self) -> &'static str {
        each_known!(self, known => known.doc())
    }
}

/// A Move abort, decoded: where it happened, the code, and (when known) the
/// constant's name and doc comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoveAbort {
    /// Address of the module that aborted.
    pub module_address: AccountAddress,
    /// Name of the module that aborted.
    pub module_name: String,
    /// The full abort code (`category << 16 | reason`).
    pub code: u64,
    /// The constant's name, from the node's error map or our table.
    pub name: Option<String>,
    /// The constant's doc comment, from the node's error map or our table.
    pub description: Option<String>,
    /// The typed constant, when the abort comes from this package's modules.
    pub known: Option<KnownAbort>,
}

impl MoveAbort {
    /// Decodes a raw abort `code` raised by `module_address::module_name`,
    /// naming it from the table when that module is one of the package's
    /// (published at `package`).
    pub fn from_code(
        package: AccountAddress,
        module_address: AccountAddress,
        module_name: &str,
        code: u64,
    ) -> Self {
        let known = (module_address == package)
            .then(|| Module::from_name(module_name))
            .flatten()
            .and_then(|module| KnownAbort::lookup(module, code));
        Self {
            module_address,
            module_name: module_name.to_owned(),
            code,
            name: known.map(|known| known.name().to_owned()),
            description: known.map(|known| known.doc().to_owned()),
            known,
        }
    }

    /// Decodes the node's `vm_status` text of a Move abort in a module:
    /// `Move abort in <address>::<module>: <NAME>(<code>): <doc>` or
    /// `Move abort in <address>::<module>: <code>`. Returns `None` for any
    /// other status (success, out of gas, a script abort, ...).
    pub fn from_vm_status(package: AccountAddress, vm_status: &str) -> Option<Self> {
        let rest = vm_status.strip_prefix("Move abort in ")?;
        let (location, detail) = rest.split_once(": ").unwrap_or((rest, ""));
        let (address, module_name) = location.split_once("::")?;
        let module_address = AccountAddress::from_hex(address).ok()?;
        let detail_trimmed = detail.trim();
        if let Some(code) = parse_hex_code(detail_trimmed) {
            return Some(Self::from_code(package, module_address, module_name, code));
        }
        // `NAME(0xCODE): description`, where NAME is an identifier.
        let (name, after_name) = detail.split_once('(')?;
        let (code_text, after_code) = after_name.split_once(')')?;
        let code = parse_hex_code(code_text)?;
        let description = after_code
            .strip_prefix(':')
            .unwrap_or(after_code)
            .trim()
            .to_owned();
        let mut abort = Self::from_code(package, module_address, module_name, code);
        // The node's error map is the published package's own; trust its name,
        // and keep the typed constant only if it agrees with our table.
        if abort.known.is_some_and(|known| known.name() != name) {
            abort.known = None;
        }
        abort.name = Some(name.to_owned());
        abort.description = Some(description);
        Some(abort)
    }

    /// The `std::error` category of the code.
    pub fn category(&self) -> AbortCategory {
        AbortCategory::of(self.code)
    }

    /// The reason part of the code: the constant's value.
    pub fn reason(&self) -> u64 {
        reason_of(self.code)
    }
}

impl fmt::Display for MoveAbort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}::{}",
            self.module_address.to_short_string(),
            self.module_name
        )?;
        match &self.name {
            Some(name) => write!(f, "::{name}")?,
            None => write!(f, "::<reason {}>", self.reason())?,
        }
        write!(f, " ({}, code {:#x})", self.category().name(), self.code)?;
        match self.description.as_deref() {
            Some(description) if !description.is_empty() => write!(f, ": {description}"),
            _ => Ok(()),
        }
    }
}

impl std::error::Error for MoveAbort {}

fn parse_hex_code(text: &str) -> Option<u64> {
    let digits = text.strip_prefix("0x")?;
    u64::from_str_radix(digits, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package() -> AccountAddress {
        AccountAddress::from_hex("0xcafe").unwrap()
    }

    #[test]
    fn raw_codes_split_into_category_and_reason() {
        // error::invalid_state(EPAUSED) = 3 << 16 | 8
        let abort = MoveAbort::from_code(package(), package(), "controls", 0x3_0008);
        assert_eq!(abort.category(), AbortCategory::InvalidState);
        assert_eq!(abort.reason(), 8);
        assert_eq!(
            abort.known,
            Some(KnownAbort::Controls(ControlsAbort::Paused))
        );
        assert_eq!(abort.name.as_deref(), Some("EPAUSED"));
        assert_eq!(
            abort.description.as_deref(),
            Some("The asset is paused: no transfer, mint, burn or seizure.")
        );
        let invoice = MoveAbort::from_code(package(), package(), "invoice", 0x1_000A);
        assert_eq!(
            invoice.known,
            Some(KnownAbort::Invoice(InvoiceAbort::AmountMismatch))
        );
        assert_eq!(invoice.category(), AbortCategory::InvalidArgument);
        let registry = MoveAbort::from_code(package(), package(), "merchant_registry", 0x5_0001);
        assert_eq!(
            registry.known,
            Some(KnownAbort::MerchantRegistry(
                MerchantRegistryAbort::NotOperator
            ))
        );
        assert_eq!(registry.category(), AbortCategory::PermissionDenied);
        // The codes that moved to their own modules kept their numbers there.
        let used = MoveAbort::from_code(package(), package(), "authorization", 0x3_001B);
        assert_eq!(
            used.known,
            Some(KnownAbort::Authorization(
                AuthorizationAbort::AuthorizationUsed
            ))
        );
        assert_eq!(used.name.as_deref(), Some("EAUTHORIZATION_USED"));
        let short = MoveAbort::from_code(package(), package(), "fee_treasury", 0x1_0014);
        assert_eq!(
            short.known,
            Some(KnownAbort::FeeTreasury(
                FeeTreasuryAbort::InsufficientTreasury
            ))
        );
        let minter = MoveAbort::from_code(package(), package(), "issuance", 0x5_0005);
        assert_eq!(
            minter.known,
            Some(KnownAbort::Issuance(IssuanceAbort::NotMinter))
        );
        let seizure = MoveAbort::from_code(package(), package(), "stablecoin", 0x3_0013);
        assert_eq!(
            seizure.known,
            Some(KnownAbort::Stablecoin(
                StablecoinAbort::SeizureNotDenylisted
            ))
        );
        // ...and are gone from the module that raised them before.
        assert_eq!(
            MoveAbort::from_code(package(), package(), "stablecoin", 0x3_001B).known,
            None
        );
        assert_eq!(
            MoveAbort::from_code(package(), package(), "stablecoin", 0x3_0008).known,
            None
        );
        assert_eq!(
            MoveAbort::from_code(package(), package(), "stablecoin", 0x5_0005).known,
            None
        );
    }

    #[test]
    fn every_module_has_a_table_and_every_constant_names_its_module() {
        for module in Module::ALL {
            assert_eq!(Module::from_name(module.name()), Some(module));
        }
        let all: Vec<KnownAbort> = AuthorizationAbort::ALL
            .iter()
            .map(|&k| KnownAbort::Authorization(k))
            .chain(ControlsAbort::ALL.iter().map(|&k| KnownAbort::Controls(k)))
            .chain(
                StablecoinAbort::ALL
                    .iter()
                    .map(|&k| KnownAbort::Stablecoin(k)),
            )
            .chain(IssuanceAbort::ALL.iter().map(|&k| KnownAbort::Issuance(k)))
            .chain(
                MerchantRegistryAbort::ALL
                    .iter()
                    .map(|&k| KnownAbort::MerchantRegistry(k)),
            )
            .chain(
                FeeTreasuryAbort::ALL
                    .iter()
                    .map(|&k| KnownAbort::FeeTreasury(k)),
            )
            .chain(InvoiceAbort::ALL.iter().map(|&k| KnownAbort::Invoice(k)))
            .chain(HoldAbort::ALL.iter().map(|&k| KnownAbort::Hold(k)))
            .chain(FxAbort::ALL.iter().map(|&k| KnownAbort::Fx(k)))
            .chain(
                TaxRefundAbort::ALL
                    .iter()
                    .map(|&k| KnownAbort::TaxRefund(k)),
            )
            .chain(UpgradeAbort::ALL.iter().map(|&k| KnownAbort::Upgrade(k)))
            .collect();
        let modules: std::collections::BTreeSet<Module> = all.iter().map(|k| k.module()).collect();
        assert_eq!(modules.len(), Module::ALL.len());
        for known in all {
            assert_eq!(
                KnownAbort::lookup(known.module(), known.reason()),
                Some(known)
            );
        }
    }

    #[test]
    fn other_addresses_and_unknown_reasons_stay_unnamed() {
        let elsewhere = AccountAddress::from_hex("0x1").unwrap();
        let abort = MoveAbort::from_code(package(), elsewhere, "controls", 0x3_0008);
        assert_eq!(abort.known, None);
        assert_eq!(abort.name, None);
        let unknown = MoveAbort::from_code(package(), package(), "invoice", 0x3_0FFF);
        assert_eq!(unknown.known, None);
        assert_eq!(unknown.reason(), 0xFFF);
        assert_eq!(
            unknown.to_string(),
            "0xcafe::invoice::<reason 4095> (INVALID_STATE, code 0x30fff)"
        );
    }

    #[test]
    fn node_fixture_vm_status_decodes() {
        // Verbatim from a real node (tests/data/node/transfer_aborted_by_hook.json).
        let fixture: serde_json::Value = serde_json::from_str(include_str!(
            "../tests/data/node/transfer_aborted_by_hook.json"
        ))
        .unwrap();
        let vm_status = fixture["vm_status"].as_str().unwrap();
        let abort = MoveAbort::from_vm_status(package(), vm_status).unwrap();
        assert_eq!(
            abort.module_address,
            AccountAddress::from_hex(
                "0xc59419fd2cae9f99ba8cb860037890de1f7bd023cfe45b0681a4e7699c992c25"
            )
            .unwrap()
        );
        assert_eq!(abort.module_name, "coins");
        assert_eq!(abort.name.as_deref(), Some("EPAUSED"));
        assert_eq!(abort.code, 1);
        assert_eq!(abort.category(), AbortCategory::None);
        assert_eq!(abort.description.as_deref(), Some(""));
        // Not our package, so no typed constant.
        assert_eq!(abort.known, None);
    }

    #[test]
    fn vm_status_of_our_package_decodes_to_the_typed_constant() {
        let status =
            "Move abort in 0xcafe::invoice: EINVOICE_EXPIRED(0x30009): The invoice has expired.";
        let abort = MoveAbort::from_vm_status(package(), status).unwrap();
        assert_eq!(
            abort.known,
            Some(KnownAbort::Invoice(InvoiceAbort::InvoiceExpired))
        );
        assert_eq!(
            abort.description.as_deref(),
            Some("The invoice has expired.")
        );
        assert_eq!(
            abort.to_string(),
            "0xcafe::invoice::EINVOICE_EXPIRED (INVALID_STATE, code 0x30009): The invoice has expired."
        );
        // Long-form address and a code without an error map.
        let long = format!(
            "Move abort in {}::controls: 0x50001",
            package().to_long_string()
        );
        let abort = MoveAbort::from_vm_status(package(), &long).unwrap();
        assert_eq!(
            abort.known,
            Some(KnownAbort::Controls(ControlsAbort::NotAdmin))
        );
        assert_eq!(abort.name.as_deref(), Some("ENOT_ADMIN"));
        assert_eq!(
            abort.description.as_deref(),
            Some("The signer is not the admin.")
        );
    }

    #[test]
    fn a_name_that_disagrees_with_the_table_is_not_typed() {
        // A package published from other sources: the node's name wins, no typed constant.
        let status = "Move abort in 0xcafe::controls: ESOMETHING_ELSE(0x30008): other";
        let abort = MoveAbort::from_vm_status(package(), status).unwrap();
        assert_eq!(abort.known, None);
        assert_eq!(abort.name.as_deref(), Some("ESOMETHING_ELSE"));
    }

    #[test]
    fn other_statuses_are_not_aborts() {
        for status in [
            "Executed successfully",
            "Out of gas",
            "Move abort: code 0x1",
            "Move abort in nowhere: 0x1",
            "Execution failed in 0x1::coin::transfer at code offset 3",
        ] {
            assert_eq!(
                MoveAbort::from_vm_status(package(), status),
                None,
                "{status}"
            );
        }
    }

    #[test]
    fn tables_have_unique_reasons_and_names() {
        fn check<T: Copy>(all: &[T], reason: fn(T) -> u64, name: fn(T) -> &'static str) {
            let mut reasons: Vec<u64> = all.iter().map(|&k| reason(k)).collect();
            let mut names: Vec<&str> = all.iter().map(|&k| name(k)).collect();
            reasons.sort_unstable();
            reasons.dedup();
            names.sort_unstable();
            names.dedup();
            assert_eq!(reasons.len(), all.len());
            assert_eq!(names.len(), all.len());
        }
        check(
            ControlsAbort::ALL,
            ControlsAbort::reason,
            ControlsAbort::name,
        );
        check(
            StablecoinAbort::ALL,
            StablecoinAbort::reason,
            StablecoinAbort::name,
        );
        check(
            IssuanceAbort::ALL,
            IssuanceAbort::reason,
            IssuanceAbort::name,
        );
        check(
            MerchantRegistryAbort::ALL,
            MerchantRegistryAbort::reason,
            MerchantRegistryAbort::name,
        );
        check(InvoiceAbort::ALL, InvoiceAbort::reason, InvoiceAbort::name);
        check(
            AuthorizationAbort::ALL,
            AuthorizationAbort::reason,
            AuthorizationAbort::name,
        );
        check(
            FeeTreasuryAbort::ALL,
            FeeTreasuryAbort::reason,
            FeeTreasuryAbort::name,
        );
        check(UpgradeAbort::ALL, UpgradeAbort::reason, UpgradeAbort::name);
    }
}
