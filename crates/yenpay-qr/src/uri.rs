//! The wallet URI: the payment fields of a yenpay code for wallets that do
//! not read EMVCo.
//!
//! ```text
//! yenpay:<merchant>?chain=<chain id>&package=<package>[&amount=<yen>&order=<order ref>[&expires=<unix secs>&terminal=<address>&key=<public key>&sig=<signature>]][&reference=<text>]
//! ```
//!
//! - `<merchant>` and `package`: `0x` and 64 hex digits (AIP-40 short form
//!   `0x1`..`0xf` for special addresses).
//! - `chain`: decimal chain id.
//! - A dynamic code (one invoice) has `amount` (whole yen, decimal) and
//!   `order` (the invoice's order reference, 1-64 bytes of UTF-8,
//!   percent-encoded); a static code has neither, and may have `reference`
//!   (0-64 bytes), the reference `invoice::pay_merchant` records.
//! - A code the terminal signed (`invoice::pay_signed_invoice`) adds to
//!   `amount` and `order` the rest of the signed invoice: `expires` (Unix
//!   seconds, decimal), `terminal` (the signing account, always written),
//!   `key` (its Ed25519 public key, 32 bytes) and `sig` (the signature, 64
//!   bytes), both base64url without padding; all four or none.
//! - Parameters appear in the order above; unknown or repeated parameters
//!   and fragments are refused, so a URI means exactly one payment.
//!
//! Unlike the EMVCo bill number (25 characters), `order` carries any order
//! reference the invoice module accepts.

use thiserror::Error;
use url::Url;
use url::form_urlencoded;
use yenpay_types::Address;

use super::mpm::yenpay::{parse_base64url, to_base64url};
use super::mpm::{CodeSignature, PaymentRequest, YenpayPayment, parse_address, parse_chain_id};

/// The URI scheme.
pub const SCHEME: &str = "yenpay";
/// Longest order reference, in bytes (the invoice module's limit).
pub const ORDER_REF_MAX_BYTES: usize = 64;
/// Longest static payment reference, in bytes (the invoice module's limit).
pub const REFERENCE_MAX_BYTES: usize = 64;
/// Longest URI the decoder looks at: the byte capacity of the largest QR
/// code (version 40, level L).
pub const MAX_URI_CHARS: usize = 2953;

/// Why a wallet URI was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UriError {
    /// Longer than any QR code holds.
    #[error("URI is {length} characters; a QR code holds at most {max}")]
    TooLong {
        /// Characters in the URI.
        length: usize,
        /// The limit.
        max: usize,
    },
    /// Not a URI at all.
    #[error("not a URI: {0}")]
    Syntax(String),
    /// Another scheme.
    #[error("scheme {found:?} is not \"yenpay\"")]
    WrongScheme {
        /// The scheme found.
        found: String,
    },
    /// The merchant (the URI's path) is not an address.
    #[error("merchant {value:?} is not an address (0x and 1-64 hex digits)")]
    BadMerchant {
        /// The path.
        value: String,
    },
    /// A part a yenpay URI does not have (`//authority`, `#fragment`).
    #[error("a yenpay URI has no {part}")]
    Unexpected {
        /// Which part.
        part: &'static str,
    },
    /// A required parameter is missing.
    #[error("parameter {name} missing")]
    MissingParam {
        /// The parameter.
        name: &'static str,
    },
    /// A parameter yenpay does not define.
    #[error("unknown parameter {name:?}")]
    UnknownParam {
        /// The parameter.
        name: String,
    },
    /// A parameter given twice.
    #[error("parameter {name} given twice")]
    DuplicateParam {
        /// The parameter.
        name: &'static str,
    },
    /// A parameter with a value it cannot have.
    #[error("parameter {name}={value:?}: {expected}")]
    BadParam {
        /// The parameter.
        name: &'static str,
        /// The value.
        value: String,
        /// What it must be.
        expected: &'static str,
    },
    /// Parameters that do not make one payment together.
    #[error("{0}")]
    Conflict(&'static str),
}

const PARAMS: [&str; 9] = [
    "chain",
    "package",
    "amount",
    "order",
    "expires",
    "terminal",
    "key",
    "sig",
    "reference",
];

fn check_request(request: &PaymentRequest) -> Result<(), UriError> {
    match request {
        PaymentRequest::Dynamic { order_ref, .. } | PaymentRequest::Signed { order_ref, .. } => {
            if order_ref.is_empty() || order_ref.len() > ORDER_REF_MAX_BYTES {
                return Err(UriError::BadParam {
                    name: "order",
                    value: order_ref.clone(),
                    expected: "an order reference of 1 to 64 bytes",
                });
            }
        }
        PaymentRequest::Static {
            reference: Some(reference),
        } if reference.len() > REFERENCE_MAX_BYTES => {
            return Err(UriError::BadParam {
                name: "reference",
                value: reference.clone(),
                expected: "a reference of at most 64 bytes",
            });
        }
        PaymentRequest::Static { .. } => {}
    }
    Ok(())
}

/// The URI of a payment.
pub fn encode(payment: &YenpayPayment) -> Result<String, UriError> {
    check_request(&payment.request)?;
    let mut query = form_urlencoded::Serializer::new(String::new());
    query
        .append_pair("chain", &payment.chain_id.to_string())
        .append_pair("package", &payment.package.to_standard_string());
    match &payment.request {
        PaymentRequest::Dynamic { order_ref, amount } => {
            query
                .append_pair("amount", &amount.to_string())
                .append_pair("order", order_ref);
        }
        PaymentRequest::Signed {
            order_ref,
            amount,
            signature,
        } => {
            query
                .append_pair("amount", &amount.to_string())
                .append_pair("order", order_ref)
                .append_pair("expires", &signature.expires_at.to_string())
                .append_pair("terminal", &signature.terminal.to_standard_string())
                .append_pair("key", &to_base64url(&signature.public_key))
                .append_pair("sig", &to_base64url(&signature.signature));
        }
        PaymentRequest::Static { reference } => {
            if let Some(reference) = reference {
                query.append_pair("reference", reference);
            }
        }
    }
    Ok(format!(
        "{SCHEME}:{}?{}",
        payment.merchant.to_standard_string(),
        query.finish()
    ))
}

/// The merchant (the URI's path) and the query's values in the order of
/// `params`, each at most once: what every `yenpay:` URI shares. Anything
/// else (an authority, a fragment, another scheme or parameter) is refused.
pub(crate) fn parts<const N: usize>(
    uri: &str,
    params: &[&'static str; N],
) -> Result<(Address, [Option<String>; N]), UriError> {
    if uri.len() > MAX_URI_CHARS {
        return Err(UriError::TooLong {
            length: uri.chars().count(),
            max: MAX_URI_CHARS,
        });
    }
    let url = Url::parse(uri).map_err(|e| UriError::Syntax(e.to_string()))?;
    if url.scheme() != SCHEME {
        return Err(UriError::WrongScheme {
            found: url.scheme().to_owned(),
        });
    }
    if !url.cannot_be_a_base() {
        return Err(UriError::Unexpected {
            part: "//authority",
        });
    }
    if url.fragment().is_some() {
        return Err(UriError::Unexpected { part: "#fragment" });
    }
    let merchant = parse_address(url.path()).ok_or_else(|| UriError::BadMerchant {
        value: url.path().to_owned(),
    })?;
    let mut values: [Option<String>; N] = std::array::from_fn(|_| None);
    for (name, value) in url.query_pairs() {
        let index =
            params
                .iter()
                .position(|p| *p == name)
                .ok_or_else(|| UriError::UnknownParam {
                    name: name.clone().into_owned(),
                })?;
        if values[index].is_some() {
            return Err(UriError::DuplicateParam {
                name: params[index],
            });
        }
        values[index] = Some(value.into_owned());
    }
    Ok((merchant, values))
}

/// A number as the URIs write them: decimal digits without leading zeros,
/// fitting u64.
pub(crate) fn canonical_u64(value: &str) -> Option<u64> {
    let canonical = !value.is_empty()
        && value.bytes().all(|b| b.is_ascii_digit())
        && (value == "0" || !value.starts_with('0'));
    canonical.then(|| value.parse().ok()).flatten()
}

/// The payment of a URI.
pub fn decode(uri: &str) -> Result<YenpayPayment, UriError> {
    let (merchant, values) = parts(uri, &PARAMS)?;
    let [
        chain,
        package,
        amount,
        order,
        expires,
        terminal,
        key,
        sig,
        reference,
    ] = values;
    let chain = chain.ok_or(UriError::MissingParam { name: "chain" })?;
    let chain_id = parse_chain_id(&chain).ok_or(UriError::BadParam {
        name: "chain",
        value: chain.clone(),
        expected: "a decimal chain id 0-255 without leading zeros",
    })?;
    let package_text = package.ok_or(UriError::MissingParam { name: "package" })?;
    let package = parse_address(&package_text).ok_or(UriError::BadParam {
        name: "package",
        value: package_text.clone(),
        expected: "an address: 0x and 1-64 hex digits",
    })?;
    let request = match (amount, order, reference) {
        (Some(amount), Some(order_ref), None) => {
            let value = canonical_u64(&amount).ok_or(UriError::BadParam {
                name: "amount",
                value: amount.clone(),
                expected: "whole yen: decimal digits without leading zeros, fitting u64",
            })?;
            match signature_of(expires, terminal, key, sig)? {
                Some(signature) => PaymentRequest::Signed {
                    order_ref,
                    amount: value,
                    signature,
                },
                None => PaymentRequest::Dynamic {
                    order_ref,
                    amount: value,
                },
            }
        }
        (None, None, reference) => {
            if signature_of(expires, terminal, key, sig)?.is_some() {
                return Err(UriError::Conflict(
                    "expires, terminal, key and sig belong to an invoice payment (amount and order)",
                ));
            }
            PaymentRequest::Static { reference }
        }
        (Some(_), None, _) => return Err(UriError::MissingParam { name: "order" }),
        (None, Some(_), _) => return Err(UriError::MissingParam { name: "amount" }),
        (Some(_), Some(_), Some(_)) => {
            return Err(UriError::Conflict(
                "reference is for static payments; an invoice payment has order and amount",
            ));
        }
    };
    check_request(&request)?;
    Ok(YenpayPayment {
        chain_id,
        package,
        merchant,
        request,
    })
}

/// The signed invoice's parameters: all four or none.
fn signature_of(
    expires: Option<String>,
    terminal: Option<String>,
    key: Option<String>,
    sig: Option<String>,
) -> Result<Option<CodeSignature>, UriError> {
    let (expires, terminal, key, sig) = match (expires, terminal, key, sig) {
        (None, None, None, None) => return Ok(None),
        (Some(e), Some(t), Some(k), Some(s)) => (e, t, k, s),
        (e, t, k, _) => {
            let name = if e.is_none() {
                "expires"
            } else if t.is_none() {
                "terminal"
            } else if k.is_none() {
                "key"
            } else {
                "sig"
            };
            return Err(UriError::MissingParam { name });
        }
    };
    let expires_at = canonical_u64(&expires).ok_or(UriError::BadParam {
        name: "expires",
        value: expires.clone(),
        expected: "Unix seconds: decimal digits without leading zeros, fitting u64",
    })?;
    let terminal = parse_address(&terminal).ok_or(UriError::BadParam {
        name: "terminal",
        value: terminal.clone(),
        expected: "an address: 0x and 1-64 hex digits",
    })?;
    let public_key = parse_base64url::<32>(&key).ok_or(UriError::BadParam {
        name: "key",
        value: key.clone(),
        expected: "an Ed25519 public key: 32 bytes in base64url without padding",
    })?;
    let signature = parse_base64url::<64>(&sig).ok_or(UriError::BadParam {
        name: "sig",
        value: sig.clone(),
        expected: "an Ed25519 signature: 64 bytes in base64url without padding",
    })?;
    Ok(Some(CodeSignature {
        terminal,
        expires_at,
        public_key,
        signature,
    }))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use yenpay_types::Address;

    use super::*;

    const MERCHANT: &str = "0x9f2c3a1be4d5f60718293a4b5c6d7e8f9a0b1c2d3e4f5061728394a5b6c7d8e9";

    fn payment(request: PaymentRequest) -> YenpayPayment {
        YenpayPayment {
            chain_id: 2,
            package: Address::from_hex("0xcafe").unwrap(),
            merchant: Address::from_hex(MERCHANT).unwrap(),
            request,
        }
    }

    #[test]
    fn dynamic_uri_text_and_round_trip() {
        let p = payment(PaymentRequest::Dynamic {
            order_ref: "注文 #42/A&B".into(),
            amount: 1_280,
        });
        let uri = encode(&p).unwrap();
        assert_eq!(
            uri,
            format!(
                "yenpay:{MERCHANT}?chain=2&package=0x000000000000000000000000000000000000000000000000000000000000cafe\
                 &amount=1280&order=%E6%B3%A8%E6%96%87+%2342%2FA%26B"
            )
        );
        assert_eq!(decode(&uri).unwrap(), p);
    }

    #[test]
    fn static_uri_with_and_without_reference() {
        for reference in [None, Some(String::new()), Some("テーブル 7".to_owned())] {
            let p = payment(PaymentRequest::Static { reference });
            let uri = encode(&p).unwrap();
            assert_eq!(decode(&uri).unwrap(), p, "{uri}");
        }
    }

    #[test]
    fn order_refs_longer_than_a_bill_number_fit() {
        let p = payment(PaymentRequest::Dynamic {
            order_ref: "R".repeat(64),
            amount: 1,
        });
        assert_eq!(decode(&encode(&p).unwrap()).unwrap(), p);
        let too_long = payment(PaymentRequest::Dynamic {
            order_ref: "R".repeat(65),
            amount: 1,
        });
        assert!(matches!(
            encode(&too_long),
            Err(UriError::BadParam { name: "order", .. })
        ));
        let empty = payment(PaymentRequest::Dynamic {
            order_ref: String::new(),
            amount: 1,
        });
        assert!(matches!(
            encode(&empty),
            Err(UriError::BadParam { name: "order", .. })
        ));
        let long_reference = payment(PaymentRequest::Static {
            reference: Some("あ".repeat(22)), // 66 bytes
        });
        assert!(matches!(
            encode(&long_reference),
            Err(UriError::BadParam {
                name: "reference",
                ..
            })
        ));
    }

    #[test]
    fn every_error_variant() {
        let base = format!("yenpay:{MERCHANT}?chain=2&package=0xcafe");
        type Expect = fn(&UriError) -> bool;
        let cases: Vec<(String, Expect)> = vec![
            ("x".repeat(MAX_URI_CHARS + 1), |e| {
                matches!(e, UriError::TooLong { .. })
            }),
            ("not a uri".into(), |e| matches!(e, UriError::Syntax(_))),
            (
                base.replace("yenpay:", "bitcoin:"),
                |e| matches!(e, UriError::WrongScheme { found } if found == "bitcoin"),
            ),
            (base.replace("yenpay:", "yenpay://"), |e| {
                matches!(
                    e,
                    UriError::Unexpected {
                        part: "//authority"
                    }
                )
            }),
            (format!("{base}#x"), |e| {
                matches!(e, UriError::Unexpected { part: "#fragment" })
            }),
            (base.replace(MERCHANT, "merchant"), |e| {
                matches!(e, UriError::BadMerchant { .. })
            }),
            (base.replace(MERCHANT, &MERCHANT[2..]), |e| {
                matches!(e, UriError::BadMerchant { .. })
            }),
            (base.replace("chain=2&", ""), |e| {
                matches!(e, UriError::MissingParam { name: "chain" })
            }),
            (base.replace("&package=0xcafe", ""), |e| {
                matches!(e, UriError::MissingParam { name: "package" })
            }),
            (format!("{base}&amount=5"), |e| {
                matches!(e, UriError::MissingParam { name: "order" })
            }),
            (format!("{base}&order=A"), |e| {
                matches!(e, UriError::MissingParam { name: "amount" })
            }),
            (
                format!("{base}&utm=1"),
                |e| matches!(e, UriError::UnknownParam { name } if name == "utm"),
            ),
            (format!("{base}&chain=3"), |e| {
                matches!(e, UriError::DuplicateParam { name: "chain" })
            }),
            (base.replace("chain=2", "chain=256"), |e| {
                matches!(e, UriError::BadParam { name: "chain", .. })
            }),
            (base.replace("chain=2", "chain=02"), |e| {
                matches!(e, UriError::BadParam { name: "chain", .. })
            }),
            (base.replace("0xcafe", "cafe"), |e| {
                matches!(
                    e,
                    UriError::BadParam {
                        name: "package",
                        ..
                    }
                )
            }),
            (format!("{base}&amount=1.5&order=A"), |e| {
                matches!(e, UriError::BadParam { name: "amount", .. })
            }),
            (format!("{base}&amount=007&order=A"), |e| {
                matches!(e, UriError::BadParam { name: "amount", .. })
            }),
            (format!("{base}&amount=18446744073709551616&order=A"), |e| {
                matches!(e, UriError::BadParam { name: "amount", .. })
            }),
            (format!("{base}&amount=1&order="), |e| {
                matches!(e, UriError::BadParam { name: "order", .. })
            }),
            (format!("{base}&amount=1&order=A&reference=B"), |e| {
                matches!(e, UriError::Conflict(_))
            }),
        ];
        for (uri, expected) in cases {
            let err = decode(&uri).unwrap_err();
            assert!(expected(&err), "{uri}: {err:?}");
        }
        // The base itself is a valid static payment.
        assert!(decode(&base).is_ok());
    }

    fn signed() -> YenpayPayment {
        payment(PaymentRequest::Signed {
            order_ref: "注文 #42".into(),
            amount: 1_280,
            signature: CodeSignature {
                terminal: Address::from_hex("0x7e1").unwrap(),
                expires_at: 1_767_225_600,
                public_key: [3; 32],
                signature: [0xfb; 64],
            },
        })
    }

    #[test]
    fn signed_uri_text_and_round_trip() {
        let p = signed();
        let uri = encode(&p).unwrap();
        assert!(
            uri.contains(&format!(
                "&amount=1280&order=%E6%B3%A8%E6%96%87+%2342&expires=1767225600&terminal=0x{}7e1&key={}&sig={}",
                "0".repeat(61),
                "AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwM",
                to_base64url(&[0xfb; 64])
            )),
            "{uri}"
        );
        assert_eq!(decode(&uri).unwrap(), p);
        assert_eq!(encode(&decode(&uri).unwrap()).unwrap(), uri);
    }

    #[test]
    fn signed_uri_errors() {
        let uri = encode(&signed()).unwrap();
        let without = |name: &str| {
            let start = uri.find(&format!("&{name}=")).unwrap();
            let end = uri[start + 1..]
                .find('&')
                .map_or(uri.len(), |i| start + 1 + i);
            format!("{}{}", &uri[..start], &uri[end..])
        };
        for name in ["expires", "terminal", "key", "sig"] {
            assert_eq!(
                decode(&without(name)),
                Err(UriError::MissingParam {
                    name: PARAMS.iter().find(|p| **p == name).unwrap()
                }),
                "{name}"
            );
        }
        let replace = |name: &str, value: &str| {
            let start = uri.find(&format!("&{name}=")).unwrap() + name.len() + 2;
            let end = uri[start..].find('&').map_or(uri.len(), |i| start + i);
            format!("{}{value}{}", &uri[..start], &uri[end..])
        };
        for (name, value) in [
            ("expires", "0123"),
            ("expires", "99999999999999999999"),
            ("terminal", "0xzz"),
            ("key", "AAAA"),
            ("key", "AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwN"),
            ("sig", "AwMD"),
        ] {
            assert!(
                matches!(decode(&replace(name, value)), Err(UriError::BadParam { name: n, .. }) if n == name),
                "{name}={value}"
            );
        }
        // The signed invoice's fields on a static code.
        let static_uri = encode(&payment(PaymentRequest::Static { reference: None })).unwrap();
        let tail = &uri[uri.find("&expires=").unwrap()..];
        assert!(matches!(
            decode(&format!("{static_uri}{tail}")),
            Err(UriError::Conflict(_))
        ));
        // Out of order or twice is refused as everywhere.
        assert!(decode(&format!("{uri}&sig=AA")).is_err());
    }

    proptest! {
        #[test]
        fn round_trip(
            chain_id in any::<u8>(),
            merchant in any::<[u8; 32]>(),
            package in any::<[u8; 32]>(),
            dynamic in any::<bool>(),
            signed in any::<bool>(),
            amount in any::<u64>(),
            text in "\\PC{1,16}",
            expires_at in any::<u64>(),
            terminal in any::<[u8; 32]>(),
            public_key in any::<[u8; 32]>(),
            signature in proptest::collection::vec(any::<u8>(), 64),
        ) {
            let request = if dynamic && signed {
                PaymentRequest::Signed {
                    order_ref: text,
                    amount,
                    signature: CodeSignature {
                        terminal: Address::new(terminal),
                        expires_at,
                        public_key,
                        signature: signature.try_into().unwrap(),
                    },
                }
            } else if dynamic {
                PaymentRequest::Dynamic { order_ref: text, amount }
            } else {
                PaymentRequest::Static { reference: Some(text) }
            };
            let p = YenpayPayment {
                chain_id,
                package: Address::new(package),
                merchant: Address::new(merchant),
                request,
            };
            let uri = encode(&p).unwrap();
            prop_assert_eq!(decode(&uri).unwrap(), p);
            prop_assert_eq!(encode(&decode(&uri).unwrap()).unwrap(), uri);
        }

        #[test]
        fn decode_never_panics(s in "\\PC{0,200}") {
            let _ = decode(&s);
            let _ = decode(&format!("yenpay:{s}"));
            let _ = decode(&format!("yenpay:{MERCHANT}?{s}"));
        }
    }
}
