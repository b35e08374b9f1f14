//! Module events decoded from the node's JSON into Rust types.
//!
//! The node's REST API gives a module event as `{"type": "<address>::<module>::<Name>",
//! "data": {...}}`, with `u64`/`u128` as decimal strings, `vector<u8>` as
//! 0x-hex, `String` as text, `Option` as `{"vec": [...]}`, an enum as
//! `{"__variant__": "Name", fields...}`, an `Object<T>` as `{"inner": "0x…"}`
//! and addresses in short form (leading zeros dropped). Views return their
//! values in the same encodings. This module holds that decoding core; the
//! event structs live next to their domain ([`crate::authorization`],
//! [`crate::controls`], [`crate::stablecoin`], [`crate::issuance`],
//! [`crate::merchant`], [`crate::fee_treasury`],
//! [`crate::invoice`], [`crate::upgrade`]).
//!
//! Event structs reject unknown fields, so a field added on the Move side is
//! a decoding error here rather than silently dropped (the drift tests also
//! decode one sample of every `#[event]` struct in `move/sources`).
use crate::abort::Module;
use crate::authorization::AuthorizationEvent;
use crate::controls::ControlsEvent;
use crate::fee_treasury::FeeTreasuryEvent;
use crate::fx::FxEvent;
use crate::hold::HoldEvent;
use crate::invoice::InvoiceEvent;
use crate::issuance::IssuanceEvent;
use crate::merchant::MerchantEvent;
use crate::stablecoin::StablecoinEvent;
use crate::tax_refund::TaxRefundEvent;
use crate::upgrade::UpgradeEvent;
use aptos_sdk::types::AccountAddress;
use serde_json::Value;

/// An event that could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum EventDecodeError {
    /// The event JSON lacks `type` or `data`.
    #[error("event JSON has no `{0}`")]
    Missing(&'static str),
    /// The type tag is not `<address>::<module>::<Name>`.
    #[error("malformed event type `{0}`")]
    MalformedType(String),
    /// An event of one of our modules that this client does not know: the
    /// package and the client have drifted apart.
    #[error("unknown event `{module}::{name}` of the yenpay package")]
    Unknown {
        /// The module.
        module: Module,
        /// The struct name.
        name: String,
    },
    /// The event's fields do not match its Rust struct.
    #[error("event `{type_tag}` does not decode: {source}")]
    Fields {
        /// The full type tag.
        type_tag: String,
        /// What serde found.
        source: serde_json::Error,
    },
}

/// An event of the yenpay package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum YenpayEvent {
    /// From `yenpay::authorization`.
    Authorization(AuthorizationEvent),
    /// From `yenpay::controls`.
    Controls(ControlsEvent),
    /// From `yenpay::stablecoin`.
    Stablecoin(StablecoinEvent),
    /// From `yenpay::issuance`.
    Issuance(IssuanceEvent),
    /// From `yenpay::merchant_registry`.
    MerchantRegistry(MerchantEvent),
    /// From `yenpay::fee_treasury`.
    FeeTreasury(FeeTreasuryEvent),
    /// From `yenpay::invoice`.
    Invoice(InvoiceEvent),
    /// From `yenpay::hold`.
    Hold(HoldEvent),
    /// From `yenpay::fx`.
    Fx(FxEvent),
    /// From `yenpay::tax_refund`.
    TaxRefund(TaxRefundEvent),
    /// From `yenpay::upgrade`.
    Upgrade(UpgradeEvent),
}

/// One event of a transaction: ours, decoded, or anyone else's (the
/// framework's `Withdraw`, `Deposit`, `FeeStatement`, ...) as the node gave it.
#[derive(Debug, Clone, PartialEq)]
pub enum TxEvent {
    /// An event of the yenpay package.
    Yenpay(YenpayEvent),
    /// Any other event.
    Other {
        /// The full type tag, such as `0x1::fungible_asset::Deposit`.
        type_tag: String,
        /// The event's fields as JSON.
        data: Value,
    },
    /// An event of the package that this client cannot decode (the package
    /// and the client have drifted apart). A committed transaction is never
    /// reported as failed because of it.
    Undecodable {
        /// The full type tag, if the event had one.
        type_tag: String,
        /// The event's fields as JSON.
        data: Value,
        /// Why it did not decode.
        error: String,
    },
}

impl TxEvent {
    /// The yenpay event, if this is one.
    pub fn yenpay(&self) -> Option<&YenpayEvent> {
        match self {
            TxEvent::Yenpay(event) => Some(event),
            TxEvent::Other { .. } | TxEvent::Undecodable { .. } => None,
        }
    }

    /// Decodes one event of a committed transaction; an event of the package
    /// that does not decode becomes [`TxEvent::Undecodable`] instead of an error.
    pub fn from_node(package: AccountAddress, event: &Value) -> Self {
        decode_event(package, event).unwrap_or_else(|error| {
            tracing::warn!(%error, "an event of the yenpay package does not decode");
            TxEvent::Undecodable {
                type_tag: event
                    .get("type")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                data: event.get("data").cloned().unwrap_or(Value::Null),
                error: error.to_string(),
            }
        })
    }
}

/// Decodes one event as the node's REST API gives it (an element of a
/// transaction's `events`), for the package published at `package`.
///
/// # Errors
/// [`EventDecodeError`] when the JSON is not an event, or when an event of
/// the package does not decode into its Rust type.
pub fn decode_event(package: AccountAddress, event: &Value) -> Result<TxEvent, EventDecodeError> {
    let type_tag = event
        .get("type")
        .and_then(Value::as_str)
        .ok_or(EventDecodeError::Missing("type"))?;
    let data = event.get("data").ok_or(EventDecodeError::Missing("data"))?;
    decode_typed(package, type_tag, data)
}

/// Decodes the fields `data` of an event whose full type is `type_tag`.
///
/// # Errors
/// As [`decode_event`].
pub fn decode_typed(
    package: AccountAddress,
    type_tag: &str,
    data: &Value,
) -> Result<TxEvent, EventDecodeError> {
    let other = || TxEvent::Other {
        type_tag: type_tag.to_owned(),
        data: data.clone(),
    };
    let mut parts = type_tag.splitn(3, "::");
    let (Some(address), Some(module), Some(name)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(EventDecodeError::MalformedType(type_tag.to_owned()));
    };
    let address = AccountAddress::from_hex(address)
        .map_err(|_| EventDecodeError::MalformedType(type_tag.to_owned()))?;
    if address != package {
        return Ok(other());
    }
    let Some(module) = Module::from_name(module) else {
        return Ok(other());
    };
    let fields = |source| EventDecodeError::Fields {
        type_tag: type_tag.to_owned(),
        source,
    };
    let decoded =
        match module {
            Module::Authorization => AuthorizationEvent::decode(name, data)
                .map(|event| event.map(YenpayEvent::Authorization)),
            Module::FeeTreasury => FeeTreasuryEvent::decode(name, data)
                .map(|event| event.map(YenpayEvent::FeeTreasury)),
            Module::Controls => {
                ControlsEvent::decode(name, data).map(|event| event.map(YenpayEvent::Controls))
            }
            Module::Stablecoin => {
                StablecoinEvent::decode(name, data).map(|event| event.map(YenpayEvent::Stablecoin))
            }
            Module::Issuance => {
                IssuanceEvent::decode(name, data).map(|event| event.map(YenpayEvent::Issuance))
            }
            Module::MerchantRegistry => MerchantEvent::decode(name, data)
                .map(|event| event.map(YenpayEvent::MerchantRegistry)),
            Module::Invoice => {
                InvoiceEvent::decode(name, data).map(|event| event.map(YenpayEvent::Invoice))
            }
            Module::Hold => HoldEvent::decode(name, data).map(|event| event.map(YenpayEvent::Hold)),
            Module::Fx => FxEvent::decode(name, data).map(|event| event.map(YenpayEvent::Fx)),
            Module::TaxRefund => {
                TaxRefundEvent::decode(name, data).map(|event| event.map(YenpayEvent::TaxRefund))
            }
            Module::Upgrade => {
                UpgradeEvent::decode(name, data).map(|event| event.map(YenpayEvent::Upgrade))
            }
        }
        .map_err(fields)?;
    decoded
        .map(TxEvent::Yenpay)
        .ok_or_else(|| EventDecodeError::Unknown {
            module,
            name: name.to_owned(),
        })
}

/// Declares one module's event enum over its event structs, decoded by name.
macro_rules! module_events {
    (
        $(#[$meta:meta])*
        pub enum $Enum:ident { $( $Variant:ident ),* $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum $Enum {
            $(
                #[doc = concat!("`", stringify!($Variant), "`")]
                $Variant($Variant),
            )*
        }

        impl $Enum {
            /// The Move struct names of the module's events.
            pub const NAMES: &'static [&'static str] = &[$(stringify!($Variant)),*];

            /// Decodes the fields `data` of the event struct `name`; `Ok(None)`
            /// when the module has no event of that name.
            ///
            /// # Errors
            /// When the fields do not match the struct.
            pub fn decode(
                name: &str,
                data: &serde_json::Value,
            ) -> Result<Option<Self>, serde_json::Error> {
                Ok(Some(match name {
                    $( stringify!($Variant) => Self::$Variant(
                        <$Variant as serde::Deserialize>::deserialize(data)?,
                    ), )*
                    _ => return Ok(None),
                }))
            }

            /// The Move struct name of this event.
            pub fn name(&self) -> &'static str {
                match self { $( Self::$Variant(_) => stringify!($Variant), )* }
            }
        }
    };
}
pub(crate) use module_events;

/// Serde helpers for the node's JSON encoding of Move values.
pub mod json {
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
}

#[cfg(test)]
mod tests {
    use super::json;
    use super::*;
    use serde::Deserialize;

    fn fixture(name: &str) -> Value {
        let path = format!("{}/tests/data/node/{name}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    /// The probe event of the fixture, with one field of each kind.
    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Sampled {
        #[serde(deserialize_with = "json::number")]
        amount: u64,
        #[serde(deserialize_with = "json::number")]
        big: u128,
        #[serde(deserialize_with = "json::bytes")]
        bytes: Vec<u8>,
        flag: bool,
        maybe: json::MoveOption<Num>,
        #[serde(deserialize_with = "json::object")]
        meta: AccountAddress,
        status: Status,
        text: String,
        who: AccountAddress,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(transparent)]
    struct Num(#[serde(deserialize_with = "json::number")] u64);

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(tag = "__variant__")]
    enum Status {
        Active,
        Suspended { reason: u8 },
    }

    #[test]
    fn every_field_kind_of_the_node_fixture_decodes() {
        let transaction = fixture("event_of_every_field_kind.json");
        let event = &transaction["events"][0];
        let sampled = Sampled::deserialize(&event["data"]).unwrap();
        assert_eq!(sampled.amount, u64::MAX);
        assert_eq!(sampled.big, u128::MAX);
        assert_eq!(sampled.bytes, vec![0x00, 0x01, 0xff]);
        assert!(sampled.flag);
        assert_eq!(sampled.maybe.into_option(), Some(Num(7)));
        // 63 hex digits on the wire: a short-form address.
        assert_eq!(
            sampled.meta,
            AccountAddress::from_hex(
                "0x069b7e85274680d529b346254e803be74702ded70fad965a6d42ebcd119d4a49"
            )
            .unwrap()
        );
        assert_eq!(sampled.status, Status::Suspended { reason: 2 });
        assert_eq!(sampled.text, "円で支払う");
        assert_eq!(
            sampled.who,
            AccountAddress::from_hex(
                "0xc59419fd2cae9f99ba8cb860037890de1f7bd023cfe45b0681a4e7699c992c25"
            )
            .unwrap()
        );
    }

    #[test]
    fn every_value_kind_of_the_view_fixture_decodes() {
        let values = fixture("view_of_every_field_kind.json");
        let values = values.as_array().unwrap();
        let number = |value: &Value| json::number::<_, u128>(value).unwrap();
        assert_eq!(number(&values[0]), u128::from(u64::MAX));
        assert_eq!(number(&values[1]), u128::MAX);
        assert_eq!(json::bytes(&values[2]).unwrap(), vec![0x00, 0xff]);
        assert_eq!(values[3].as_str(), Some("ヨン"));
        assert_eq!(json::option_address(&values[4]).unwrap(), None);
        assert_eq!(Status::deserialize(&values[5]).unwrap(), Status::Active);
        assert!(json::object(&values[6]).is_ok());
    }

    #[test]
    fn events_of_other_packages_pass_through() {
        let transaction = fixture("event_of_every_field_kind.json");
        let ours = AccountAddress::from_hex("0xcafe").unwrap();
        let decoded = decode_event(ours, &transaction["events"][0]).unwrap();
        match decoded {
            TxEvent::Other { type_tag, data } => {
                assert!(type_tag.ends_with("::coins::Sampled"), "{type_tag}");
                assert_eq!(data["flag"], Value::Bool(true));
            }
            other => panic!("decoded as ours: {other:?}"),
        }
    }

    #[test]
    fn unknown_events_of_our_modules_are_errors() {
        let ours = AccountAddress::from_hex("0xcafe").unwrap();
        let error = decode_typed(
            ours,
            "0xcafe::stablecoin::Teleported",
            &serde_json::json!({}),
        )
        .unwrap_err();
        assert!(
            matches!(&error, EventDecodeError::Unknown { module: Module::Stablecoin, name } if name == "Teleported"),
            "{error}"
        );
        // A known event with a field too many.
        let error = decode_typed(
            ours,
            "0xcafe::controls::Paused",
            &serde_json::json!({"pauser": "0x1", "extra": "1"}),
        )
        .unwrap_err();
        assert!(matches!(error, EventDecodeError::Fields { .. }), "{error}");
        assert!(matches!(
            decode_typed(ours, "0xcafe::stablecoin", &serde_json::json!({})),
            Err(EventDecodeError::MalformedType(_))
        ));
    }

    #[test]
    fn malformed_values_are_errors_not_panics() {
        assert!(json::number::<_, u64>(&serde_json::json!("-1")).is_err());
        assert!(json::number::<_, u64>(&serde_json::json!("18446744073709551616")).is_err());
        assert!(json::bytes(&serde_json::json!("00ff")).is_err());
        assert!(json::bytes(&serde_json::json!("0xzz")).is_err());
        assert!(json::bytes32(&serde_json::json!("0x00ff")).is_err());
        assert!(json::option_address(&serde_json::json!({"vec": ["0x1", "0x2"]})).is_err());
        assert!(json::object(&serde_json::json!("0x1")).is_err());
    }
}
