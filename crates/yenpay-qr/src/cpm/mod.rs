//! EMVCo Consumer-Presented Mode (CPM): the code a customer's wallet shows
//! and the merchant's terminal scans, carrying the customer's signed
//! collection authorization (`authorization::CollectionAuthorization`): only
//! `invoice::collect_with_authorization`, called by the merchant or its
//! terminals, can use it, so whoever else sees the code cannot cash it.
//!
//! Framing follows EMVCo CPM: BER-TLV, base64 (standard alphabet, padded)
//! in the QR code. The payload format indicator (85) `CPV01` comes first,
//! then an application template (61) whose ADF name (4F) is yenpay's
//! application identifier `F0 59 45 4E 50 41 59` (`F0` = proprietary,
//! unregistered under ISO/IEC 7816-5, then `YENPAY`), then the authorization
//! in private-class data objects:
//!
//! | tag | field | bytes |
//! |---|---|---|
//! | C1 | Ed25519 public key | 32 |
//! | C2 | Ed25519 signature | 64 |
//! | C3 | amount (yen) | 1-8, unsigned big-endian, minimal |
//! | C4 | valid_after (Unix s) | 1-8, as C3 |
//! | C5 | valid_before (Unix s) | 1-8, as C3 |
//! | C7 | `from`, only when it is not the key's own address | 32 |
//! | C8 | nonce (`u64`) | 1-8, as C3 |
//!
//! A QR code of version 10 at error correction M holds 213 bytes, so the
//! code leaves out what the terminal already knows (chain id and metadata
//! address: its deployment; `to`: the merchant it collects for) and what it
//! can derive: `from` is the address of the public key (sha3-256 of the key
//! and the Ed25519 scheme byte 0) unless the account rotated its key. The
//! nonce is the wallet's own `u64` (a [`yenpay_types::authorization::NonceCounter`]
//! counts them up, so the chain's nonce bitmap grows by one slot per 256
//! codes). The decoder takes the terminal's [`TerminalContext`] and gives
//! back the full [`SignedAuthorization`].
//!
//! Tag C6 carried a salt from which both sides derived a 32-byte nonce while
//! nonces were 32 bytes; codes of that format no longer verify on chain, and
//! the decoder refuses C6 as an unexpected tag.
//!
//! Other applications' templates (61 with another ADF name) and the common
//! data template (62) may be present and are skipped.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::VerifyingKey;
use serde_json::{Value as Json, json};
use thiserror::Error;
use yenpay_types::Address;

use yenpay_types::authorization::{
    AuthorizationKind, SignedAuthorization, TransferAuthorization, ed25519_authentication_key,
};

/// The payload format indicator value (85).
pub const PAYLOAD_FORMAT_INDICATOR: &[u8] = b"CPV01";
/// yenpay's application identifier (ADF name, 4F).
pub const YENPAY_AID: [u8; 7] = [0xF0, b'Y', b'E', b'N', b'P', b'A', b'Y'];
/// Longest text the decoder looks at: the byte capacity of the largest QR
/// code (version 40, level L).
pub const MAX_PAYLOAD_CHARS: usize = 2953;

const TAG_PAYLOAD_FORMAT: u32 = 0x85;
const TAG_APPLICATION: u32 = 0x61;
const TAG_COMMON_DATA: u32 = 0x62;
const TAG_ADF_NAME: u32 = 0x4F;
const TAG_PUBLIC_KEY: u32 = 0xC1;
const TAG_SIGNATURE: u32 = 0xC2;
const TAG_AMOUNT: u32 = 0xC3;
const TAG_VALID_AFTER: u32 = 0xC4;
const TAG_VALID_BEFORE: u32 = 0xC5;
/// Retired: the salt of 32-byte nonces (see the module docs).
const TAG_RETIRED_SALT: u32 = 0xC6;
const TAG_FROM: u32 = 0xC7;
const TAG_NONCE: u32 = 0xC8;

/// Why a Consumer-Presented Mode code was refused. `offset` counts bytes
/// into the base64-decoded data.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CpmError {
    /// The text is longer than any QR code holds.
    #[error("payload is {length} characters; a QR code holds at most {max}")]
    TooLong {
        /// Characters in the text.
        length: usize,
        /// The limit.
        max: usize,
    },
    /// The text is not standard padded base64.
    #[error("not base64 (standard alphabet, padded): {0}")]
    Base64(String),
    /// The data ends inside a data object.
    #[error("byte {offset}: data ends inside a data object")]
    Truncated {
        /// Where the cut object starts.
        offset: usize,
    },
    /// A length that is indefinite, over two bytes or not minimal.
    #[error(
        "byte {offset}: length encoding not allowed (indefinite, over 2 bytes, or not minimal)"
    )]
    BadLength {
        /// Where the length starts.
        offset: usize,
    },
    /// A tag longer than three bytes.
    #[error("byte {offset}: tag longer than three bytes")]
    BadTag {
        /// Where the tag starts.
        offset: usize,
    },
    /// The data does not start with payload format indicator 85 `CPV01`.
    #[error("the code must start with payload format indicator 85 \"CPV01\" (found {found})")]
    BadFormatIndicator {
        /// What came first, in hex.
        found: String,
    },
    /// A tag that does not belong where it stands.
    #[error("byte {offset}: tag {tag} not expected {place}")]
    UnexpectedTag {
        /// The tag, in hex.
        tag: String,
        /// Where it stands.
        offset: usize,
        /// `at the top level` or `in the yenpay application template`.
        place: &'static str,
    },
    /// No application template with yenpay's ADF name.
    #[error("no yenpay application template (61 with ADF name 4F = F059454E504159)")]
    NotYenpay,
    /// A transfer authorization put in a code: a code carries only collection
    /// authorizations, which nobody but the merchant can use.
    #[error("a customer-presented code carries a collection authorization, not a transfer")]
    NotACollection,
    /// A data object present twice.
    #[error("byte {offset}: tag {tag} present twice")]
    Duplicate {
        /// The tag, in hex.
        tag: String,
        /// Where the second one starts.
        offset: usize,
    },
    /// A mandatory data object is missing.
    #[error("tag {tag} ({name}) missing")]
    Missing {
        /// The tag, in hex.
        tag: String,
        /// The field it carries.
        name: &'static str,
    },
    /// A data object of the wrong length.
    #[error("tag {tag} ({name}): {length} bytes, expected {expected}")]
    BadFieldLength {
        /// The tag, in hex.
        tag: String,
        /// The field.
        name: &'static str,
        /// Its length.
        length: usize,
        /// The allowed length.
        expected: &'static str,
    },
    /// An integer with a leading zero byte.
    #[error("tag {tag} ({name}): integer not in minimal big-endian form")]
    NonMinimalInteger {
        /// The tag, in hex.
        tag: String,
        /// The field.
        name: &'static str,
    },
    /// The public key is not an Ed25519 point.
    #[error("tag C1: not a valid Ed25519 public key")]
    InvalidPublicKey,
    /// No moment lies strictly between valid_after and valid_before.
    #[error(
        "empty validity window: valid_after {valid_after} is not before valid_before {valid_before}"
    )]
    EmptyWindow {
        /// valid_after.
        valid_after: u64,
        /// valid_before.
        valid_before: u64,
    },
    /// `from` (C7) is present although it is the public key's own address.
    #[error("tag C7: from is the public key's own address and must be left out")]
    RedundantFrom,
}

fn tag_hex(tag: u32) -> String {
    match tag {
        0..=0xFF => format!("{tag:02X}"),
        0x100..=0xFFFF => format!("{tag:04X}"),
        _ => format!("{tag:06X}"),
    }
}

/// One BER-TLV data object.
struct Tlv<'a> {
    tag: u32,
    offset: usize,
    value: &'a [u8],
    value_offset: usize,
}

/// Parses consecutive BER-TLV data objects (definite lengths up to two
/// bytes, minimal; tags up to three bytes). `base` is the offset of `data`.
fn parse_ber(data: &[u8], base: usize) -> Result<Vec<Tlv<'_>>, CpmError> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < data.len() {
        let offset = base + i;
        let truncated = CpmError::Truncated { offset };
        let first = data[i];
        let mut tag = u32::from(first);
        i += 1;
        if first & 0x1F == 0x1F {
            loop {
                let b = *data.get(i).ok_or(truncated.clone())?;
                i += 1;
                tag = (tag << 8) | u32::from(b);
                if tag > 0xFF_FFFF {
                    return Err(CpmError::BadTag { offset });
                }
                if b & 0x80 == 0 {
                    break;
                }
            }
        }
        let length_offset = base + i;
        let l0 = *data.get(i).ok_or(truncated.clone())?;
        i += 1;
        let length = match l0 {
            0..=0x7F => usize::from(l0),
            0x81 => {
                let l = usize::from(*data.get(i).ok_or(truncated.clone())?);
                i += 1;
                if l < 0x80 {
                    return Err(CpmError::BadLength {
                        offset: length_offset,
                    });
                }
                l
            }
            0x82 => {
                let bytes = data.get(i..i + 2).ok_or(truncated.clone())?;
                i += 2;
                let l = usize::from(u16::from_be_bytes([bytes[0], bytes[1]]));
                if l < 0x100 {
                    return Err(CpmError::BadLength {
                        offset: length_offset,
                    });
                }
                l
            }
            _ => {
                return Err(CpmError::BadLength {
                    offset: length_offset,
                });
            }
        };
        let value = data.get(i..i + length).ok_or(truncated)?;
        out.push(Tlv {
            tag,
            offset,
            value,
            value_offset: base + i,
        });
        i += length;
    }
    Ok(out)
}

fn write_ber(out: &mut Vec<u8>, tag: u32, value: &[u8]) {
    let tag_bytes = tag.to_be_bytes();
    let skip = tag_bytes.iter().take_while(|&&b| b == 0).count().min(3);
    out.extend_from_slice(&tag_bytes[skip..]);
    match value.len() {
        n @ 0..=0x7F => out.push(n as u8),
        n @ 0x80..=0xFF => out.extend_from_slice(&[0x81, n as u8]),
        n => {
            // Every value we write is far below 64 KiB.
            let n = u16::try_from(n).unwrap_or(u16::MAX);
            out.push(0x82);
            out.extend_from_slice(&n.to_be_bytes());
        }
    }
    out.extend_from_slice(value);
}

fn minimal_be(n: u64) -> Vec<u8> {
    let bytes = n.to_be_bytes();
    let skip = bytes.iter().take_while(|&&b| b == 0).count().min(7);
    bytes[skip..].to_vec()
}

/// What the terminal knows and the code leaves out: its deployment and the
/// merchant it collects for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TerminalContext {
    /// Chain id of the network.
    pub chain_id: u8,
    /// Address of the stablecoin's metadata object.
    pub metadata: Address,
    /// The receiver: the merchant's owner address.
    pub merchant: Address,
}

/// The account address of an Ed25519 public key (authentication key with
/// scheme byte 0), refusing bytes that are not a curve point.
pub fn address_of_key(public_key: &[u8; 32]) -> Result<Address, CpmError> {
    VerifyingKey::from_bytes(public_key).map_err(|_| CpmError::InvalidPublicKey)?;
    Ok(Address::new(ed25519_authentication_key(public_key)))
}

/// The collection authorization a wallet signs for a QR code: the merchant
/// (`to`) and the domain from the terminal's context, the wallet's next
/// `nonce`. `from` is the key's own (legacy Ed25519) address unless the
/// account rotated its key or is a SingleKey account: then pass it.
pub fn authorization_to_sign(
    context: &TerminalContext,
    public_key: &[u8; 32],
    from: Option<Address>,
    amount: u64,
    valid_after: u64,
    valid_before: u64,
    nonce: u64,
) -> Result<TransferAuthorization, CpmError> {
    let from = match from {
        Some(from) => from,
        None => address_of_key(public_key)?,
    };
    Ok(TransferAuthorization {
        kind: AuthorizationKind::Collection,
        chain_id: context.chain_id,
        metadata: context.metadata,
        from,
        to: context.merchant,
        amount,
        valid_after,
        valid_before,
        nonce,
    })
}

/// The fields a Consumer-Presented Mode code carries.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CustomerPresented {
    /// Ed25519 public key of the holder.
    pub public_key: [u8; 32],
    /// Ed25519 signature over the authorization.
    pub signature: [u8; 64],
    /// Amount in yen.
    pub amount: u64,
    /// Valid strictly after (Unix seconds).
    pub valid_after: u64,
    /// Valid strictly before (Unix seconds).
    pub valid_before: u64,
    /// The wallet's nonce: spent once, whichever authorization carried it.
    pub nonce: u64,
    /// `from`, only when it is not the public key's own address (the account
    /// rotated its key).
    pub from: Option<Address>,
}

impl CustomerPresented {
    /// The code for a signed collection authorization.
    pub fn from_signed(signed: &SignedAuthorization) -> Result<Self, CpmError> {
        let a = &signed.authorization;
        if a.kind != AuthorizationKind::Collection {
            return Err(CpmError::NotACollection);
        }
        let own = address_of_key(&signed.public_key)?;
        let code = Self {
            public_key: signed.public_key,
            signature: signed.signature,
            amount: a.amount,
            valid_after: a.valid_after,
            valid_before: a.valid_before,
            nonce: a.nonce,
            from: (a.from != own).then_some(a.from),
        };
        code.check()?;
        Ok(code)
    }

    fn check(&self) -> Result<(), CpmError> {
        if self.valid_after >= self.valid_before {
            return Err(CpmError::EmptyWindow {
                valid_after: self.valid_after,
                valid_before: self.valid_before,
            });
        }
        let own = address_of_key(&self.public_key)?;
        if self.from == Some(own) {
            return Err(CpmError::RedundantFrom);
        }
        Ok(())
    }

    /// The BER-TLV bytes (before base64).
    pub fn to_ber(&self) -> Result<Vec<u8>, CpmError> {
        self.check()?;
        let mut app = Vec::with_capacity(192);
        write_ber(&mut app, TAG_ADF_NAME, &YENPAY_AID);
        write_ber(&mut app, TAG_PUBLIC_KEY, &self.public_key);
        write_ber(&mut app, TAG_SIGNATURE, &self.signature);
        write_ber(&mut app, TAG_AMOUNT, &minimal_be(self.amount));
        write_ber(&mut app, TAG_VALID_AFTER, &minimal_be(self.valid_after));
        write_ber(&mut app, TAG_VALID_BEFORE, &minimal_be(self.valid_before));
        if let Some(from) = &self.from {
            write_ber(&mut app, TAG_FROM, from.as_bytes());
        }
        write_ber(&mut app, TAG_NONCE, &minimal_be(self.nonce));
        let mut out = Vec::with_capacity(app.len() + 10);
        write_ber(&mut out, TAG_PAYLOAD_FORMAT, PAYLOAD_FORMAT_INDICATOR);
        write_ber(&mut out, TAG_APPLICATION, &app);
        Ok(out)
    }

    /// The QR text: base64 of [`CustomerPresented::to_ber`].
    pub fn encode(&self) -> Result<String, CpmError> {
        Ok(STANDARD.encode(self.to_ber()?))
    }

    /// Parses and checks a code's text.
    pub fn decode(payload: &str) -> Result<Self, CpmError> {
        if payload.len() > MAX_PAYLOAD_CHARS {
            return Err(CpmError::TooLong {
                length: payload.chars().count(),
                max: MAX_PAYLOAD_CHARS,
            });
        }
        let data = STANDARD
            .decode(payload)
            .map_err(|e| CpmError::Base64(e.to_string()))?;
        Self::from_ber(&data)
    }

    /// Parses and checks BER-TLV bytes.
    pub fn from_ber(data: &[u8]) -> Result<Self, CpmError> {
        let top = parse_ber(data, 0)?;
        match top.first() {
            Some(t) if t.tag == TAG_PAYLOAD_FORMAT && t.value == PAYLOAD_FORMAT_INDICATOR => {}
            Some(t) => {
                return Err(CpmError::BadFormatIndicator {
                    found: format!("{} {}", tag_hex(t.tag), const_hex::encode_upper(t.value)),
                });
            }
            None => {
                return Err(CpmError::BadFormatIndicator {
                    found: "nothing".into(),
                });
            }
        }
        let mut ours = None;
        for t in &top[1..] {
            match t.tag {
                TAG_APPLICATION => {
                    let children = parse_ber(t.value, t.value_offset)?;
                    let is_ours = children
                        .iter()
                        .any(|c| c.tag == TAG_ADF_NAME && c.value == YENPAY_AID);
                    if is_ours {
                        if ours.is_some() {
                            return Err(CpmError::Duplicate {
                                tag: tag_hex(TAG_APPLICATION),
                                offset: t.offset,
                            });
                        }
                        ours = Some(children);
                    }
                }
                TAG_COMMON_DATA => {}
                tag => {
                    return Err(CpmError::UnexpectedTag {
                        tag: tag_hex(tag),
                        offset: t.offset,
                        place: "at the top level",
                    });
                }
            }
        }
        let children = ours.ok_or(CpmError::NotYenpay)?;
        let mut fields: [Option<&Tlv<'_>>; 8] = [None; 8];
        for c in &children {
            let slot = match c.tag {
                TAG_ADF_NAME => continue,
                TAG_RETIRED_SALT => {
                    return Err(CpmError::UnexpectedTag {
                        tag: tag_hex(c.tag),
                        offset: c.offset,
                        place: "in the yenpay application template (C6 was the salt of 32-byte nonces)",
                    });
                }
                TAG_PUBLIC_KEY..=TAG_NONCE => (c.tag - TAG_PUBLIC_KEY) as usize,
                tag => {
                    return Err(CpmError::UnexpectedTag {
                        tag: tag_hex(tag),
                        offset: c.offset,
                        place: "in the yenpay application template",
                    });
                }
            };
            if fields[slot].is_some() {
                return Err(CpmError::Duplicate {
                    tag: tag_hex(c.tag),
                    offset: c.offset,
                });
            }
            fields[slot] = Some(c);
        }
        let field = |tag: u32, name: &'static str| {
            fields[(tag - TAG_PUBLIC_KEY) as usize].ok_or(CpmError::Missing {
                tag: tag_hex(tag),
                name,
            })
        };
        let fixed = |tag: u32, name: &'static str, expected: &'static str, t: &Tlv<'_>, n| {
            if t.value.len() == n {
                Ok(())
            } else {
                Err(CpmError::BadFieldLength {
                    tag: tag_hex(tag),
                    name,
                    length: t.value.len(),
                    expected,
                })
            }
        };
        let integer = |tag: u32, name: &'static str| -> Result<u64, CpmError> {
            let t = field(tag, name)?;
            let v = t.value;
            if v.is_empty() || v.len() > 8 {
                return Err(CpmError::BadFieldLength {
                    tag: tag_hex(tag),
                    name,
                    length: v.len(),
                    expected: "1 to 8",
                });
            }
            if v.len() > 1 && v[0] == 0 {
                return Err(CpmError::NonMinimalInteger {
                    tag: tag_hex(tag),
                    name,
                });
            }
            Ok(v.iter().fold(0u64, |n, &b| (n << 8) | u64::from(b)))
        };

        let pk = field(TAG_PUBLIC_KEY, "public key")?;
        fixed(TAG_PUBLIC_KEY, "public key", "32", pk, 32)?;
        let sig = field(TAG_SIGNATURE, "signature")?;
        fixed(TAG_SIGNATURE, "signature", "64", sig, 64)?;
        let amount = integer(TAG_AMOUNT, "amount")?;
        let valid_after = integer(TAG_VALID_AFTER, "valid_after")?;
        let valid_before = integer(TAG_VALID_BEFORE, "valid_before")?;
        let nonce = integer(TAG_NONCE, "nonce")?;
        let from = match fields[(TAG_FROM - TAG_PUBLIC_KEY) as usize] {
            None => None,
            Some(t) => {
                fixed(TAG_FROM, "from", "32", t, 32)?;
                Some(
                    Address::from_bytes(t.value).map_err(|_| CpmError::BadFieldLength {
                        tag: tag_hex(TAG_FROM),
                        name: "from",
                        length: t.value.len(),
                        expected: "32",
                    })?,
                )
            }
        };
        let mut public_key = [0u8; 32];
        public_key.copy_from_slice(pk.value);
        let mut signature = [0u8; 64];
        signature.copy_from_slice(sig.value);
        let code = Self {
            public_key,
            signature,
            amount,
            valid_after,
            valid_before,
            nonce,
            from,
        };
        code.check()?;
        Ok(code)
    }

    /// `from`: carried, or the public key's own address.
    pub fn from_address(&self) -> Result<Address, CpmError> {
        match self.from {
            Some(from) => Ok(from),
            None => address_of_key(&self.public_key),
        }
    }

    /// The full signed authorization, completed with what the terminal knows.
    pub fn to_signed(&self, context: &TerminalContext) -> Result<SignedAuthorization, CpmError> {
        Ok(SignedAuthorization {
            authorization: TransferAuthorization {
                kind: AuthorizationKind::Collection,
                chain_id: context.chain_id,
                metadata: context.metadata,
                from: self.from_address()?,
                to: context.merchant,
                amount: self.amount,
                valid_after: self.valid_after,
                valid_before: self.valid_before,
                nonce: self.nonce,
            },
            public_key: self.public_key,
            signature: self.signature,
        })
    }

    /// Every field as JSON (what `yenpay qr decode` prints).
    pub fn describe(&self) -> Json {
        let from = self.from_address().map(|a| a.to_hex()).ok();
        json!({
            "payload_format_indicator": "CPV01",
            "application": const_hex::encode_upper(YENPAY_AID),
            "public_key": format!("0x{}", const_hex::encode(self.public_key)),
            "signature": format!("0x{}", const_hex::encode(self.signature)),
            "amount": self.amount,
            "valid_after": self.valid_after,
            "valid_before": self.valid_before,
            "from": from,
            "from_source": if self.from.is_some() { "carried (tag C7)" } else { "derived from the public key" },
            "nonce": self.nonce,
        })
    }
}

/// Encodes a signed collection authorization (wallet side).
pub fn encode(signed: &SignedAuthorization) -> Result<String, CpmError> {
    CustomerPresented::from_signed(signed)?.encode()
}

/// Decodes a code into the full signed authorization (terminal side).
pub fn decode(payload: &str, context: &TerminalContext) -> Result<SignedAuthorization, CpmError> {
    CustomerPresented::decode(payload)?.to_signed(context)
}

#[cfg(test)]
mod tests;
