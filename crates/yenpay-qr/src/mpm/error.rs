//! Errors of the Merchant-Presented Mode codec.

use thiserror::Error;

/// Why a Merchant-Presented Mode payload was refused.
///
/// `tag` names the data object as EMVCo numbers it, nested templates joined
/// by `/` (`62/01` is the bill number inside the additional data template).
/// `position` counts characters (not bytes) from the start of the payload to
/// the first character of the data object's ID, the same unit EMVCo lengths
/// use. For a payload being encoded, it is the position in the payload the
/// encoder was producing.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MpmError {
    /// The payload is empty.
    #[error("empty payload")]
    Empty,
    /// The payload is longer than EMVCo allows.
    #[error("payload is {length} characters; EMVCo allows at most {max}")]
    PayloadTooLong {
        /// Characters in the payload.
        length: usize,
        /// The limit.
        max: usize,
    },
    /// A data object's ID is not two decimal digits.
    #[error("ID {found:?} at character {position} (inside {parent}) is not two digits")]
    BadId {
        /// The enclosing template (`root` for the top level).
        parent: String,
        /// Position of the ID.
        position: usize,
        /// What stood there (at most two characters).
        found: String,
    },
    /// A data object's length is not two decimal digits.
    #[error("tag {tag} at character {position}: length {found:?} is not two digits")]
    BadLength {
        /// The data object.
        tag: String,
        /// Position of the data object.
        position: usize,
        /// What stood there (at most two characters).
        found: String,
    },
    /// A data object declares more characters than remain.
    #[error(
        "tag {tag} at character {position}: length {declared} but only {available} characters remain"
    )]
    Truncated {
        /// The data object.
        tag: String,
        /// Position of the data object.
        position: usize,
        /// The declared length.
        declared: usize,
        /// Characters left in the enclosing payload or template.
        available: usize,
    },
    /// A data object with length 00: EMVCo leaves absent objects out instead.
    #[error("tag {tag} at character {position}: empty value (length 00)")]
    EmptyValue {
        /// The data object.
        tag: String,
        /// Position of the data object.
        position: usize,
    },
    /// A value longer than its data object allows (for the two-digit length
    /// field, 99).
    #[error("tag {tag} at character {position}: {length} characters, at most {max} allowed")]
    ValueTooLong {
        /// The data object.
        tag: String,
        /// Position of the data object.
        position: usize,
        /// Characters in the value.
        length: usize,
        /// The limit.
        max: usize,
    },
    /// The same ID twice in one template.
    #[error("tag {tag} at character {position}: present twice")]
    Duplicate {
        /// The data object.
        tag: String,
        /// Position of the second occurrence.
        position: usize,
    },
    /// The payload does not start with the payload format indicator (00).
    #[error("tag {found} at character 0: the payload must start with tag 00")]
    FormatIndicatorNotFirst {
        /// The tag that came first.
        found: String,
    },
    /// The CRC (63) is not the last data object.
    #[error("tag 63 at character {position}: the CRC must be the last data object")]
    CrcNotLast {
        /// Position of the CRC data object.
        position: usize,
    },
    /// A mandatory data object is missing.
    #[error("tag {tag}: mandatory data object missing{}", in_at(.position))]
    Missing {
        /// The missing data object (for a merchant account, `02-51`).
        tag: String,
        /// Position of the enclosing template, if the object is nested.
        position: Option<usize>,
    },
    /// The CRC in the payload does not match the payload.
    #[error(
        "tag 63 at character {position}: CRC {found} does not match the payload's CRC {computed}"
    )]
    CrcMismatch {
        /// Position of the CRC data object.
        position: usize,
        /// The CRC written in the payload.
        found: String,
        /// The CRC of the payload, four upper-case hex digits.
        computed: String,
    },
    /// A character that the data object's format does not allow.
    #[error("tag {tag} at character {position}: character {character:?} not allowed ({allowed})")]
    BadCharacter {
        /// The data object.
        tag: String,
        /// Position of the data object (not of the character).
        position: usize,
        /// The offending character.
        character: char,
        /// What the format allows.
        allowed: &'static str,
    },
    /// A value that breaks its data object's rule (fixed values, digits,
    /// amount format, ...).
    #[error("tag {tag} at character {position}: {value:?} is not valid: {expected}")]
    BadValue {
        /// The data object.
        tag: String,
        /// Position of the data object.
        position: usize,
        /// The value.
        value: String,
        /// What the rule expects.
        expected: &'static str,
    },
    /// Data objects that contradict each other (e.g. a fixed convenience
    /// fee without the tip indicator that calls for it).
    #[error("tag {tag} at character {position}: {reason}")]
    Conflict {
        /// The data object.
        tag: String,
        /// Position of the data object.
        position: usize,
        /// What contradicts it.
        reason: &'static str,
    },
    /// The payload carries no yenpay merchant account template.
    #[error(
        "no yenpay merchant account template (a template in 26-51 whose tag 00 is \"jp.yenpay\")"
    )]
    NotYenpay,
    /// A yenpay data object is missing.
    #[error("tag {tag}: missing, yenpay needs it ({reason})")]
    YenpayMissing {
        /// The missing data object.
        tag: String,
        /// Why yenpay needs it.
        reason: &'static str,
    },
    /// A yenpay data object holds a value yenpay cannot use.
    #[error("tag {tag}: {value:?} is not usable by yenpay: {reason}")]
    YenpayInvalid {
        /// The data object.
        tag: String,
        /// The value.
        value: String,
        /// Why.
        reason: &'static str,
    },
    /// The order reference does not fit the EMVCo bill number.
    #[error(
        "order reference is {length} characters but tag 62/01 (bill number) holds at most {max}: \
         use a shorter order reference for EMVCo codes, or the wallet URI"
    )]
    OrderRefTooLong {
        /// Characters in the order reference.
        length: usize,
        /// The bill number's limit (25).
        max: usize,
    },
}

fn in_at(position: &Option<usize>) -> String {
    match position {
        Some(p) => format!(" (template at character {p})"),
        None => String::new(),
    }
}
