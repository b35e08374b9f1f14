//! A Move `address`: 32 bytes, written as AIP-40 says.
//!
//! The same value and text forms as `aptos_sdk::types::AccountAddress`, kept
//! here so that this crate and the QR codecs need no SDK; the client converts
//! with `From<[u8; 32]>` on both sides.
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Length of an address in bytes.
pub const ADDRESS_LENGTH: usize = 32;

/// A Move address.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Address([u8; ADDRESS_LENGTH]);

/// Why text is not an address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    /// Nothing after the optional `0x`.
    #[error("an address needs at least one hex digit")]
    Empty,
    /// More than 64 hex digits.
    #[error("an address has at most 64 hex digits, got {0}")]
    TooLong(usize),
    /// A character that is not a hex digit.
    #[error("an address is hex: {0}")]
    NotHex(String),
    /// Bytes that are not 32.
    #[error("an address is 32 bytes, got {0}")]
    WrongLength(usize),
}

impl Address {
    /// `0x0`.
    pub const ZERO: Self = Self([0; ADDRESS_LENGTH]);
    /// `0x1`, the framework.
    pub const ONE: Self = {
        let mut bytes = [0; ADDRESS_LENGTH];
        bytes[ADDRESS_LENGTH - 1] = 1;
        Self(bytes)
    };

    /// The address of these bytes.
    pub const fn new(bytes: [u8; ADDRESS_LENGTH]) -> Self {
        Self(bytes)
    }

    /// Parses `0x`-prefixed or bare hex, short forms zero-padded on the left
    /// (`0x1` is `0x00…01`).
    ///
    /// # Errors
    /// [`AddressError`] naming what is wrong.
    pub fn from_hex(text: impl AsRef<str>) -> Result<Self, AddressError> {
        let text = text.as_ref();
        let digits = text
            .strip_prefix("0x")
            .or_else(|| text.strip_prefix("0X"))
            .unwrap_or(text);
        if digits.is_empty() {
            return Err(AddressError::Empty);
        }
        if digits.len() > ADDRESS_LENGTH * 2 {
            return Err(AddressError::TooLong(digits.len()));
        }
        let padded = format!("{digits:0>64}");
        let mut bytes = [0u8; ADDRESS_LENGTH];
        const_hex::decode_to_slice(&padded, &mut bytes)
            .map_err(|error| AddressError::NotHex(error.to_string()))?;
        Ok(Self(bytes))
    }

    /// The address of exactly 32 bytes.
    ///
    /// # Errors
    /// [`AddressError::WrongLength`] for any other length.
    pub fn from_bytes(bytes: impl AsRef<[u8]>) -> Result<Self, AddressError> {
        let bytes = bytes.as_ref();
        <[u8; ADDRESS_LENGTH]>::try_from(bytes)
            .map(Self)
            .map_err(|_| AddressError::WrongLength(bytes.len()))
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The bytes, copied.
    pub fn to_bytes(&self) -> [u8; ADDRESS_LENGTH] {
        self.0
    }

    /// `0x` and all 64 hex digits.
    pub fn to_hex(&self) -> String {
        const_hex::encode_prefixed(self.0)
    }

    /// AIP-40: `0x0`…`0xf` short, every other address with all 64 digits.
    pub fn to_standard_string(&self) -> String {
        if self.is_special() {
            format!("{:#x}", self.0[ADDRESS_LENGTH - 1])
        } else {
            self.to_hex()
        }
    }

    /// One of `0x0`…`0xf`.
    pub fn is_special(&self) -> bool {
        self.0[..ADDRESS_LENGTH - 1].iter().all(|&b| b == 0) && self.0[ADDRESS_LENGTH - 1] < 16
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_standard_string())
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Address({})", self.to_standard_string())
    }
}

impl FromStr for Address {
    type Err = AddressError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::from_hex(text)
    }
}

impl From<[u8; ADDRESS_LENGTH]> for Address {
    fn from(bytes: [u8; ADDRESS_LENGTH]) -> Self {
        Self(bytes)
    }
}

impl From<Address> for [u8; ADDRESS_LENGTH] {
    fn from(address: Address) -> Self {
        address.0
    }
}

impl AsRef<[u8]> for Address {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

// Hex text for people (JSON), 32 bare bytes for BCS, as Move lays out an address.
impl Serialize for Address {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.serialize_str(&self.to_hex())
        } else {
            self.0.serialize(serializer)
        }
    }
}

impl<'de> Deserialize<'de> for Address {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if deserializer.is_human_readable() {
            let text = String::deserialize(deserializer)?;
            Self::from_hex(&text).map_err(serde::de::Error::custom)
        } else {
            <[u8; ADDRESS_LENGTH]>::deserialize(deserializer).map(Self)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_forms_follow_aip_40() {
        let one = Address::from_hex("0x1").unwrap();
        assert_eq!(one.to_standard_string(), "0x1");
        assert_eq!(one.to_string(), "0x1");
        assert_eq!(one.to_hex(), format!("0x{}1", "0".repeat(63)));
        let cafe = Address::from_hex("cafe").unwrap();
        assert_eq!(cafe.to_string(), format!("0x{}cafe", "0".repeat(60)));
        assert_eq!(Address::from_hex(cafe.to_hex()).unwrap(), cafe);
        assert_eq!("0xCAFE".parse::<Address>().unwrap(), cafe);
    }

    #[test]
    fn bad_text_is_named() {
        assert_eq!(Address::from_hex("0x"), Err(AddressError::Empty));
        assert_eq!(
            Address::from_hex("1".repeat(65)),
            Err(AddressError::TooLong(65))
        );
        assert!(matches!(
            Address::from_hex("0xzz"),
            Err(AddressError::NotHex(_))
        ));
    }

    #[test]
    fn bcs_is_32_bare_bytes_and_json_is_hex() {
        let address = Address::from_hex("0xb0b").unwrap();
        let bcs = aptos_bcs::to_bytes(&address).unwrap();
        assert_eq!(bcs, address.to_bytes());
        assert_eq!(aptos_bcs::from_bytes::<Address>(&bcs).unwrap(), address);
        let json = serde_json::to_string(&address).unwrap();
        assert_eq!(json, format!("\"{}\"", address.to_hex()));
        assert_eq!(serde_json::from_str::<Address>(&json).unwrap(), address);
    }
}
