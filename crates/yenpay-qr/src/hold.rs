//! The hold code's URI (issue 27): a terminal's signed
//! `authorization::HoldOffer`, which the customer's wallet submits with
//! `hold::authorize_signed_hold`.
//!
//! ```text
//! yenpay:<merchant>?chain=<chain id>&package=<package>&hold=<hold ref>&amount=<yen>&tip=<yen>&capture=<unix secs>&expires=<unix secs>&terminal=<address>[&reviewer=<address>]&key=<public key>&sig=<signature>
//! ```
//!
//! Every parameter but `reviewer` is required, and each appears once (in
//! this order when encoded); `reviewer` is there only for a hold a
//! compliance review made of a payment (signed as
//! `authorization::ReviewHoldOffer`, taken with `hold::authorize_reviewed_hold`):
//! left out, the signature does not verify, and the other way round; numbers are decimal without leading zeros; `hold` is the hold
//! reference (1-64 bytes of UTF-8, percent-encoded), `tip` the tip limit,
//! `capture` the authorization's expiry (capturable strictly before), and
//! `expires` the code's. `hold` is not a parameter of a payment's URI
//! ([`crate::uri`]), so a wallet that knows only payments refuses a hold
//! code rather than paying it.

use url::form_urlencoded;
use yenpay_types::Address;
use yenpay_types::hold::{HoldOffer, SignedHoldOffer};
use yenpay_types::limits::OrderRef;

use super::mpm::yenpay::{parse_base64url, to_base64url};
use super::mpm::{parse_address, parse_chain_id};
use super::uri::{SCHEME, UriError, canonical_u64, parts};

const PARAMS: [&str; 11] = [
    "chain", "package", "hold", "amount", "tip", "capture", "expires", "terminal", "key", "sig",
    "reviewer",
];

/// A hold code: the package it is for and the terminal's signed offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldCode {
    /// The package's address (the offer's domain names its metadata).
    pub package: Address,
    /// The signed offer.
    pub signed: SignedHoldOffer,
}

/// The URI of a hold code.
pub fn encode(code: &HoldCode) -> String {
    let offer = &code.signed.message;
    let mut query = form_urlencoded::Serializer::new(String::new());
    query
        .append_pair("chain", &offer.chain_id.to_string())
        .append_pair("package", &code.package.to_standard_string())
        .append_pair("hold", offer.hold_ref.as_str())
        .append_pair("amount", &offer.amount.to_string())
        .append_pair("tip", &offer.tip_limit.to_string())
        .append_pair("capture", &offer.capture_before.to_string())
        .append_pair("expires", &offer.expires_at.to_string())
        .append_pair("terminal", &offer.terminal.to_standard_string());
    if let Some(reviewer) = offer.reviewer {
        query.append_pair("reviewer", &reviewer.to_standard_string());
    }
    query
        .append_pair("key", &to_base64url(&code.signed.public_key))
        .append_pair("sig", &to_base64url(&code.signed.signature));
    format!(
        "{SCHEME}:{}?{}",
        offer.merchant.to_standard_string(),
        query.finish()
    )
}

fn number(name: &'static str, value: &str) -> Result<u64, UriError> {
    canonical_u64(value).ok_or(UriError::BadParam {
        name,
        value: value.to_owned(),
        expected: "decimal digits without leading zeros, fitting u64",
    })
}

fn address(name: &'static str, value: &str) -> Result<Address, UriError> {
    parse_address(value).ok_or(UriError::BadParam {
        name,
        value: value.to_owned(),
        expected: "an address: 0x and 1-64 hex digits",
    })
}

/// The hold code of a URI. The signature is not checked here: the wallet
/// checks the offer (`SignedHoldOffer::check`) before it signs anything.
pub fn decode(uri: &str) -> Result<HoldCode, UriError> {
    let (merchant, mut values) = parts(uri, &PARAMS)?;
    let mut take = |i: usize| {
        values[i]
            .take()
            .ok_or(UriError::MissingParam { name: PARAMS[i] })
    };
    let chain = take(0)?;
    let chain_id = parse_chain_id(&chain).ok_or(UriError::BadParam {
        name: "chain",
        value: chain.clone(),
        expected: "a decimal chain id 0-255 without leading zeros",
    })?;
    let package = address("package", &take(1)?)?;
    let hold = take(2)?;
    let hold_ref = OrderRef::new(&hold).map_err(|_| UriError::BadParam {
        name: "hold",
        value: hold.clone(),
        expected: "a hold reference of 1 to 64 bytes",
    })?;
    let amount = number("amount", &take(3)?)?;
    let tip_limit = number("tip", &take(4)?)?;
    let capture_before = number("capture", &take(5)?)?;
    let expires_at = number("expires", &take(6)?)?;
    let terminal = address("terminal", &take(7)?)?;
    let key = take(8)?;
    let public_key = parse_base64url::<32>(&key).ok_or(UriError::BadParam {
        name: "key",
        value: key.clone(),
        expected: "an Ed25519 public key: 32 bytes in base64url without padding",
    })?;
    let sig = take(9)?;
    let signature = parse_base64url::<64>(&sig).ok_or(UriError::BadParam {
        name: "sig",
        value: sig.clone(),
        expected: "an Ed25519 signature: 64 bytes in base64url without padding",
    })?;
    let reviewer = values[10]
        .take()
        .map(|value| address("reviewer", &value))
        .transpose()?;
    let mut message = HoldOffer::new(
        chain_id,
        package,
        merchant,
        terminal,
        hold_ref,
        amount,
        tip_limit,
        capture_before,
        expires_at,
    );
    message.reviewer = reviewer;
    Ok(HoldCode {
        package,
        signed: SignedHoldOffer {
            message,
            public_key,
            signature,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::SigningKey;
    use yenpay_types::hold::HoldMessage;

    fn code() -> HoldCode {
        let key = SigningKey::from_bytes(&[7; 32]);
        let package = Address::from_hex("0xcafe").unwrap();
        let terminal = crate::mpm::legacy_address(&key.verifying_key().to_bytes());
        let offer = HoldOffer::new(
            4,
            package,
            Address::from_hex("0xbeef").unwrap(),
            terminal,
            OrderRef::new("給油 #7/A&B").unwrap(),
            10_000,
            500,
            1_796_100_000,
            1_796_092_800,
        );
        HoldCode {
            package,
            signed: offer.sign(package, &key).unwrap(),
        }
    }

    #[test]
    fn a_hold_code_round_trips_and_still_verifies() {
        let code = code();
        let uri = encode(&code);
        assert!(uri.starts_with("yenpay:0x000000000000000000000000000000000000000000000000000000000000beef?chain=4&package="), "{uri}");
        assert!(uri.contains("&hold=%E7%B5%A6%E6%B2%B9+%237%2FA%26B&amount=10000&tip=500&capture=1796100000&expires=1796092800&terminal="), "{uri}");
        let decoded = decode(&uri).unwrap();
        assert_eq!(decoded, code);
        decoded
            .signed
            .check(code.package, 4, 1_796_092_500)
            .unwrap();
    }

    #[test]
    fn a_reviewed_hold_code_round_trips_and_loses_no_reviewer() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let plain = code();
        let reviewer = Address::from_hex("0x4e71e3").unwrap();
        let reviewed = HoldCode {
            package: plain.package,
            signed: plain
                .signed
                .message
                .clone()
                .reviewed_by(reviewer)
                .sign(plain.package, &key)
                .unwrap(),
        };
        let uri = encode(&reviewed);
        assert!(
            uri.contains(
                "&reviewer=0x00000000000000000000000000000000000000000000000000000000004e71e3&key="
            ),
            "{uri}"
        );
        let decoded = decode(&uri).unwrap();
        assert_eq!(decoded, reviewed);
        decoded
            .signed
            .check(plain.package, 4, 1_796_092_500)
            .unwrap();
        // Dropping the reviewer from the URI leaves a code whose signature fails.
        let start = uri.find("&reviewer=").unwrap();
        let end = uri[start + 1..].find('&').unwrap() + start + 1;
        let stripped = format!("{}{}", &uri[..start], &uri[end..]);
        let as_ordinary = decode(&stripped).unwrap();
        assert_eq!(as_ordinary.signed.message.reviewer, None);
        assert!(
            as_ordinary
                .signed
                .check(plain.package, 4, 1_796_092_500)
                .is_err()
        );
        assert!(!encode(&plain).contains("reviewer"));
    }

    #[test]
    fn a_payment_decoder_refuses_a_hold_code_and_back() {
        let uri = encode(&code());
        assert!(matches!(
            crate::uri::decode(&uri),
            Err(UriError::UnknownParam { name }) if name == "hold"
        ));
        let payment = "yenpay:0xbeef?chain=4&package=0xcafe&amount=100&order=A";
        assert!(decode(payment).is_err());
    }

    proptest::proptest! {
        /// Arbitrary text, and a valid code with one byte changed, never
        /// panic the decoder; what it accepts re-encodes to the same code.
        #[test]
        fn the_decoder_never_panics(text in ".{0,400}", at in 0usize..600, byte in 0x20u8..0x7f) {
            for candidate in [text.clone(), {
                let mut uri = encode(&code()).into_bytes();
                let at = at % uri.len();
                uri[at] = byte;
                String::from_utf8(uri).unwrap()
            }] {
                if let Ok(decoded) = decode(&candidate) {
                    proptest::prop_assert_eq!(decode(&encode(&decoded)).unwrap(), decoded);
                }
            }
        }
    }

    #[test]
    fn every_parameter_is_required_once_and_canonical() {
        let uri = encode(&code());
        // `reviewer`, the one optional parameter, is tested above.
        for name in PARAMS.into_iter().filter(|name| *name != "reviewer") {
            let without: Vec<&str> = uri
                .split(['?', '&'])
                .skip(1)
                .filter(|pair| !pair.starts_with(&format!("{name}=")))
                .collect();
            let head = uri.split('?').next().unwrap();
            let cut = format!("{head}?{}", without.join("&"));
            assert_eq!(decode(&cut), Err(UriError::MissingParam { name }), "{cut}");
        }
        assert_eq!(
            decode(&format!("{uri}&tip=1")),
            Err(UriError::DuplicateParam { name: "tip" })
        );
        assert!(matches!(
            decode(&uri.replace("&tip=500", "&tip=0500")),
            Err(UriError::BadParam { name: "tip", .. })
        ));
        assert_eq!(
            decode(&format!("{uri}&reviewer=0x1&reviewer=0x2")),
            Err(UriError::DuplicateParam { name: "reviewer" })
        );
        assert!(matches!(
            decode(&format!("{uri}&reviewer=nobody")),
            Err(UriError::BadParam {
                name: "reviewer",
                ..
            })
        ));
        assert!(matches!(
            decode(&format!("{uri}&order=x")),
            Err(UriError::UnknownParam { .. })
        ));
        assert!(matches!(
            decode(&format!("{uri}#x")),
            Err(UriError::Unexpected { .. })
        ));
    }
}
