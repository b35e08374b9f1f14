//! Serde helpers for the node's JSON encoding of Move values: `u64`/`u128`
//! as decimal strings, `vector<u8>` as 0x-hex, `Option` as `{"vec": [...]}`,
//! an `Object<T>` as `{"inner": "0x…"}`, addresses in short form. Events
//! and views both arrive in these encodings.
use aptos_sdk::types::AccountAddress;
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// Unsigned integers that the node sends as decimal strings (`u64`,
/// `u128`); plain JSON numbers are accepted too.
pub fn number<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr + TryFrom<u64>,
    <T as FromStr>::Err: std::fmt::Display,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Text(String),
        Number(u64),
    }
    match Raw::deserialize(deserializer)? {
        Raw::Text(text) => text.parse().map_err(de::Error::custom),
        Raw::Number(number) => {
            T::try_from(number).map_err(|_| de::Error::custom("number out of range"))
        }
    }
}

/// `vector<u8>` as 0x-hex.
pub fn bytes<'de, D>(deserializer: D) -> Result<Vec<u8>, D::Error>
where
    D: Deserializer<'de>,
{
    let text = String::deserialize(deserializer)?;
    let digits = text
        .strip_prefix("0x")
        .ok_or_else(|| de::Error::custom(format!("bytes without 0x prefix: {text:?}")))?;
    const_hex::decode(digits).map_err(de::Error::custom)
}

/// A 32-byte `vector<u8>` (an authorization nonce) as 0x-hex.
pub fn bytes32<'de, D>(deserializer: D) -> Result<[u8; 32], D::Error>
where
    D: Deserializer<'de>,
{
    let bytes = bytes(deserializer)?;
    let length = bytes.len();
    bytes
        .try_into()
        .map_err(|_| de::Error::custom(format!("expected 32 bytes, got {length}")))
}

/// A Move `Option<T>`: `{"vec": []}` or `{"vec": [value]}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct MoveOption<T> {
    /// Zero or one element.
    pub vec: Vec<T>,
}

impl<T> MoveOption<T> {
    /// The value, if any.
    pub fn into_option(self) -> Option<T> {
        self.vec.into_iter().next()
    }
}

/// `Option<address>` as `{"vec": [...]}`.
pub fn option_address<'de, D>(deserializer: D) -> Result<Option<AccountAddress>, D::Error>
where
    D: Deserializer<'de>,
{
    let option = MoveOption::<AccountAddress>::deserialize(deserializer)?;
    if option.vec.len() > 1 {
        return Err(de::Error::custom("an Option with more than one element"));
    }
    Ok(option.into_option())
}

/// An unsigned integer (`u64`, `u128`) as the node encodes it, for view
/// results and nested values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Number<T>(pub T);

impl<'de, T> Deserialize<'de> for Number<T>
where
    T: FromStr + TryFrom<u64>,
    <T as FromStr>::Err: std::fmt::Display,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        number(deserializer).map(Number)
    }
}

/// A `vector<u8>` a view returns, as the node encodes it: 0x-hex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HexBytes(pub Vec<u8>);

impl<'de> Deserialize<'de> for HexBytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        bytes(deserializer).map(HexBytes)
    }
}

/// An `Object<T>` as the node encodes it: `{"inner": "0x…"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectRef(pub AccountAddress);

impl<'de> Deserialize<'de> for ObjectRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        object(deserializer).map(ObjectRef)
    }
}

/// An `Object<T>`: `{"inner": "0x…"}`.
pub fn object<'de, D>(deserializer: D) -> Result<AccountAddress, D::Error>
where
    D: Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Object {
        inner: AccountAddress,
    }
    Ok(Object::deserialize(deserializer)?.inner)
}
