//! The limits the Move package enforces, in one place, and the validated
//! argument types built on them.
//!
//! Every value here mirrors a constant in `move/sources` (the contract drift
//! tests compare them), so a bad argument is refused before anything is
//! signed, with a [`ValidationError`] naming the field, instead of costing gas
//! for an abort.
//!
//! ```
//! use yenpay_types::limits::{FeeBps, Mcc, OrderRef, Ttl};
//!
//! let order = OrderRef::new("INV-2026-0001")?;
//! let mcc = Mcc::new("5812")?; // restaurants
//! let fee = FeeBps::new(250)?; // 2.5 %
//! let ttl = Ttl::from_secs(300)?;
//! assert_eq!(order.as_str(), "INV-2026-0001");
//! assert_eq!(mcc.as_str(), "5812");
//! assert_eq!((fee.get(), ttl.secs()), (250, 300));
//!
//! let error = Mcc::new("58a2").unwrap_err();
//! assert_eq!(error.field, "mcc");
//! # Ok::<(), yenpay_types::limits::ValidationError>(())
//! ```
use std::fmt;

/// Longest order reference (`invoice::MAX_ORDER_REF_BYTES`), in bytes of UTF-8.
pub const MAX_ORDER_REF_BYTES: usize = 64;
/// Longest static-payment reference (`invoice::MAX_REFERENCE_BYTES`), in bytes.
pub const MAX_REFERENCE_BYTES: usize = 64;
/// Shortest invoice lifetime (`invoice::MIN_TTL_SECS`).
pub const MIN_TTL_SECS: u64 = 30;
/// Longest invoice lifetime (`invoice::MAX_TTL_SECS`), also of a hold's signed code (`hold::MAX_CODE_TTL_SECS`).
pub const MAX_TTL_SECS: u64 = 86_400;
/// Longest authorization of a hold, from its authorization or its last extension (`hold::MAX_HOLD_SECS`): 31 days.
pub const MAX_HOLD_SECS: u64 = 2_678_400;
/// Refund window at publish (`invoice::DEFAULT_REFUND_WINDOW_SECS`): 180 days.
pub const DEFAULT_REFUND_WINDOW_SECS: u64 = 15_552_000;
/// Shortest refund window the operator may set (`invoice::MIN_REFUND_WINDOW_SECS`): 10 s, for test networks.
pub const MIN_REFUND_WINDOW_SECS: u64 = 10;
/// Longest refund window the operator may set (`invoice::MAX_REFUND_WINDOW_SECS`): 366 days.
pub const MAX_REFUND_WINDOW_SECS: u64 = 31_622_400;
/// Longest merchant display name (`merchant_registry::MAX_NAME_BYTES`), in bytes.
pub const MAX_NAME_BYTES: usize = 64;
/// Highest fee an operator may charge (`merchant_registry::MAX_FEE_BPS`): 10 %.
pub const MAX_FEE_BPS: u64 = 1_000;
/// Basis points in one whole (`merchant_registry::BPS_DENOMINATOR`).
pub const BPS_DENOMINATOR: u64 = 10_000;
/// Most terminals per merchant (`merchant_registry::MAX_TERMINALS`).
pub const MAX_TERMINALS: u64 = 32;
/// Length of a merchant category code (ISO 18245).
pub const MCC_LENGTH: usize = 4;
/// Longest legal order reference in a seizure (`stablecoin::MAX_LEGAL_ORDER_LENGTH`).
pub const MAX_LEGAL_ORDER_BYTES: usize = 64;
/// Per-transfer cap the stablecoin starts with (`controls::INITIAL_TRANSFER_CAP`),
/// in yen. The admin can change it; read the live value with the `transfer_cap` view.
pub const INITIAL_TRANSFER_CAP: u64 = 1_000_000;
/// Longest icon or project URI of the coin's metadata (the framework's
/// `fungible_asset::MAX_URI_LENGTH`), in bytes.
pub const MAX_URI_BYTES: usize = 512;

/// An argument that the contract would refuse, named by the Move parameter it
/// is for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid `{field}`: {problem}")]
pub struct ValidationError {
    /// The Move parameter name (`order_ref`, `amount`, `mcc`, ...).
    pub field: &'static str,
    /// What is wrong with it.
    pub problem: Problem,
}

/// What is wrong with a refused argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A text or byte string outside its length bounds.
    Length {
        /// Smallest allowed length in bytes.
        min: usize,
        /// Largest allowed length in bytes.
        max: usize,
        /// The length given.
        actual: usize,
    },
    /// Zero where the contract requires more than zero.
    Zero,
    /// A number above its maximum.
    TooHigh {
        /// The largest allowed value.
        max: u64,
        /// The value given.
        actual: u64,
    },
    /// A number outside its range.
    OutOfRange {
        /// The smallest allowed value.
        min: u64,
        /// The largest allowed value.
        max: u64,
        /// The value given.
        actual: u64,
    },
    /// Not exactly four ASCII digits.
    NotFourDigits,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Length { min, max, actual } => {
                write!(f, "must be {min} to {max} bytes long, got {actual}")
            }
            Problem::Zero => f.write_str("must be greater than zero"),
            Problem::TooHigh { max, actual } => write!(f, "must be at most {max}, got {actual}"),
            Problem::OutOfRange { min, max, actual } => {
                write!(f, "must be between {min} and {max}, got {actual}")
            }
            Problem::NotFourDigits => f.write_str("must be exactly four ASCII digits"),
        }
    }
}

impl ValidationError {
    fn new(field: &'static str, problem: Problem) -> Self {
        Self { field, problem }
    }
}

/// Checks that an amount (of yen) is greater than zero, as every moving
/// function of the package requires.
///
/// # Errors
/// [`Problem::Zero`] for `field` when `amount` is zero.
pub fn require_amount(field: &'static str, amount: u64) -> Result<u64, ValidationError> {
    if amount == 0 {
        return Err(ValidationError::new(field, Problem::Zero));
    }
    Ok(amount)
}

/// Checks a metadata URI's length (at most [`MAX_URI_BYTES`]).
///
/// # Errors
/// [`Problem::Length`] for `field` when `uri` is longer.
pub fn require_uri<'a>(field: &'static str, uri: &'a str) -> Result<&'a str, ValidationError> {
    check_length(field, uri.len(), 0, MAX_URI_BYTES)?;
    Ok(uri)
}

fn check_length(
    field: &'static str,
    actual: usize,
    min: usize,
    max: usize,
) -> Result<(), ValidationError> {
    if actual < min || actual > max {
        return Err(ValidationError::new(
            field,
            Problem::Length { min, max, actual },
        ));
    }
    Ok(())
}

/// A merchant's order reference (its own bill number): 1 to
/// [`MAX_ORDER_REF_BYTES`] bytes of UTF-8, unique per merchant on chain.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrderRef(String);

impl OrderRef {
    /// Validates an order reference.
    ///
    /// # Errors
    /// [`Problem::Length`] for `order_ref` when empty or over 64 bytes.
    pub fn new(value: impl Into<String>) -> Result<Self, ValidationError> {
        let value = value.into();
        check_length("order_ref", value.len(), 1, MAX_ORDER_REF_BYTES)?;
        Ok(Self(value))
    }

    /// The reference text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OrderRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The payer's free-text reference on a static-QR payment: at most
/// [`MAX_REFERENCE_BYTES`] bytes, may be empty.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Reference(String);

impl Reference {
    /// Validates a static payment reference.
    ///
    /// # Errors
    /// [`Problem::Length`] for `reference` when over 64 bytes.
    pub fn new(value: impl Into<String>) -> Result<Self, ValidationError> {
        let value = value.into();
        check_length("reference", value.len(), 0, MAX_REFERENCE_BYTES)?;
        Ok(Self(value))
    }

    /// The reference text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A merchant's display name: 1 to [`MAX_NAME_BYTES`] bytes of UTF-8.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MerchantName(String);

impl MerchantName {
    /// Validates a merchant name.
    ///
    /// # Errors
    /// [`Problem::Length`] for `name` when empty or over 64 bytes.
    pub fn new(value: impl Into<String>) -> Result<Self, ValidationError> {
        let value = value.into();
        check_length("name", value.len(), 1, MAX_NAME_BYTES)?;
        Ok(Self(value))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A merchant category code (ISO 18245): exactly four ASCII digits, such as
/// `5812` (restaurants).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Mcc([u8; MCC_LENGTH]);

impl Mcc {
    /// Validates a merchant category code.
    ///
    /// # Errors
    /// [`Problem::NotFourDigits`] for `mcc` unless exactly four ASCII digits.
    pub fn new(value: &str) -> Result<Self, ValidationError> {
        let bytes: [u8; MCC_LENGTH] = value
            .as_bytes()
            .try_into()
            .map_err(|_| ValidationError::new("mcc", Problem::NotFourDigits))?;
        if !bytes.iter().all(u8::is_ascii_digit) {
            return Err(ValidationError::new("mcc", Problem::NotFourDigits));
        }
        Ok(Self(bytes))
    }

    /// The four digits.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits get in through `new`.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Display for Mcc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An operator fee in basis points, at most [`MAX_FEE_BPS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FeeBps(u64);

impl FeeBps {
    /// No fee.
    pub const ZERO: FeeBps = FeeBps(0);
    /// The highest fee the contract accepts.
    pub const MAX: FeeBps = FeeBps(MAX_FEE_BPS);

    /// Validates a fee.
    ///
    /// # Errors
    /// [`Problem::TooHigh`] for `fee_bps` above 1000.
    pub fn new(bps: u64) -> Result<Self, ValidationError> {
        if bps > MAX_FEE_BPS {
            return Err(ValidationError::new(
                "fee_bps",
                Problem::TooHigh {
                    max: MAX_FEE_BPS,
                    actual: bps,
                },
            ));
        }
        Ok(Self(bps))
    }

    /// The fee in basis points.
    pub fn get(self) -> u64 {
        self.0
    }
}

/// How long an invoice stays payable: [`MIN_TTL_SECS`] to [`MAX_TTL_SECS`] seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ttl(u64);

impl Ttl {
    /// Validates a lifetime in seconds.
    ///
    /// # Errors
    /// [`Problem::OutOfRange`] for `ttl_secs` outside 30..=86400.
    pub fn from_secs(secs: u64) -> Result<Self, ValidationError> {
        if !(MIN_TTL_SECS..=MAX_TTL_SECS).contains(&secs) {
            return Err(ValidationError::new(
                "ttl_secs",
                Problem::OutOfRange {
                    min: MIN_TTL_SECS,
                    max: MAX_TTL_SECS,
                    actual: secs,
                },
            ));
        }
        Ok(Self(secs))
    }

    /// The lifetime in seconds.
    pub fn secs(self) -> u64 {
        self.0
    }
}

/// How long after its payment an invoice can be refunded, and so how long its
/// record is kept: [`MIN_REFUND_WINDOW_SECS`] to [`MAX_REFUND_WINDOW_SECS`]
/// seconds. The operator sets it (`invoice::set_refund_window`); each invoice
/// keeps the value it was created with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RefundWindow(u64);

impl RefundWindow {
    /// The window at publish: 180 days.
    pub const DEFAULT: Self = Self(DEFAULT_REFUND_WINDOW_SECS);

    /// Validates a window in seconds.
    ///
    /// # Errors
    /// [`Problem::OutOfRange`] for `secs` outside 10..=31_622_400.
    pub fn from_secs(secs: u64) -> Result<Self, ValidationError> {
        if !(MIN_REFUND_WINDOW_SECS..=MAX_REFUND_WINDOW_SECS).contains(&secs) {
            return Err(ValidationError::new(
                "refund_window_secs",
                Problem::OutOfRange {
                    min: MIN_REFUND_WINDOW_SECS,
                    max: MAX_REFUND_WINDOW_SECS,
                    actual: secs,
                },
            ));
        }
        Ok(Self(secs))
    }

    /// The window in seconds.
    pub fn secs(self) -> u64 {
        self.0
    }
}

/// The reference of the legal order behind a seizure: 1 to
/// [`MAX_LEGAL_ORDER_BYTES`] bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LegalOrder(Vec<u8>);

impl LegalOrder {
    /// Validates a legal order reference.
    ///
    /// # Errors
    /// [`Problem::Length`] for `legal_order` when empty or over 64 bytes.
    pub fn new(value: impl Into<Vec<u8>>) -> Result<Self, ValidationError> {
        let value = value.into();
        check_length("legal_order", value.len(), 1, MAX_LEGAL_ORDER_BYTES)?;
        Ok(Self(value))
    }

    /// The reference bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_ref_bounds_name_the_field() {
        assert!(OrderRef::new("a").is_ok());
        assert!(OrderRef::new("x".repeat(64)).is_ok());
        let empty = OrderRef::new("").unwrap_err();
        assert_eq!(empty.field, "order_ref");
        assert_eq!(
            empty.problem,
            Problem::Length {
                min: 1,
                max: 64,
                actual: 0
            }
        );
        // 22 three-byte characters are 66 bytes: bytes count, not characters.
        let long = OrderRef::new("円".repeat(22)).unwrap_err();
        assert_eq!(
            long.problem,
            Problem::Length {
                min: 1,
                max: 64,
                actual: 66
            }
        );
        assert_eq!(
            long.to_string(),
            "invalid `order_ref`: must be 1 to 64 bytes long, got 66"
        );
    }

    #[test]
    fn reference_may_be_empty_but_not_long() {
        assert_eq!(Reference::new("").unwrap().as_str(), "");
        let error = Reference::new("r".repeat(65)).unwrap_err();
        assert_eq!(error.field, "reference");
    }

    #[test]
    fn merchant_name_bounds() {
        assert_eq!(MerchantName::new("").unwrap_err().field, "name");
        assert_eq!(
            MerchantName::new("ラーメン一番").unwrap().as_str(),
            "ラーメン一番"
        );
        assert!(MerchantName::new("n".repeat(65)).is_err());
    }

    #[test]
    fn mcc_is_four_ascii_digits() {
        assert_eq!(Mcc::new("0742").unwrap().to_string(), "0742");
        for bad in ["", "581", "58123", "58a2", "５８１２", " 581"] {
            let error = Mcc::new(bad).unwrap_err();
            assert_eq!(error.field, "mcc", "{bad:?}");
            assert_eq!(error.problem, Problem::NotFourDigits, "{bad:?}");
        }
    }

    #[test]
    fn fee_bps_cap() {
        assert_eq!(FeeBps::new(1000).unwrap(), FeeBps::MAX);
        let error = FeeBps::new(1001).unwrap_err();
        assert_eq!(error.field, "fee_bps");
        assert_eq!(
            error.problem,
            Problem::TooHigh {
                max: 1000,
                actual: 1001
            }
        );
    }

    #[test]
    fn ttl_bounds() {
        assert!(Ttl::from_secs(29).is_err());
        assert_eq!(Ttl::from_secs(30).unwrap().secs(), 30);
        assert_eq!(Ttl::from_secs(86_400).unwrap().secs(), 86_400);
        let error = Ttl::from_secs(86_401).unwrap_err();
        assert_eq!(error.field, "ttl_secs");
    }

    #[test]
    fn refund_window_bounds() {
        assert!(RefundWindow::from_secs(9).is_err());
        assert_eq!(RefundWindow::from_secs(10).unwrap().secs(), 10);
        assert_eq!(
            RefundWindow::from_secs(31_622_400).unwrap().secs(),
            31_622_400
        );
        let error = RefundWindow::from_secs(31_622_401).unwrap_err();
        assert_eq!(error.field, "refund_window_secs");
        assert_eq!(RefundWindow::DEFAULT.secs(), 180 * 86_400);
    }

    #[test]
    fn legal_order_bounds() {
        assert_eq!(
            LegalOrder::new(Vec::new()).unwrap_err().field,
            "legal_order"
        );
        assert!(LegalOrder::new(vec![b'x'; 64]).is_ok());
        assert!(LegalOrder::new(vec![b'x'; 65]).is_err());
    }

    #[test]
    fn zero_amount_is_refused() {
        assert_eq!(require_amount("amount", 1).unwrap(), 1);
        let error = require_amount("amount", 0).unwrap_err();
        assert_eq!(error.field, "amount");
        assert_eq!(error.problem, Problem::Zero);
    }
}
