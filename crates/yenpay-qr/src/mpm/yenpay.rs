//! yenpay's templates in a Merchant-Presented Mode code.
//!
//! An EMVCo template holds at most 99 characters, and two Aptos addresses in
//! hex (66 characters each with `0x`) do not fit in one. So yenpay uses two
//! templates, both with GUID `jp.yenpay` in sub-tag 00:
//!
//! | where | sub-tag | value |
//! |---|---|---|
//! | merchant account information, ID 40 (any free ID in 26-51 is read) | 00 | `jp.yenpay` |
//! | | 01 | chain id, decimal (`1` mainnet, `2` testnet, `4` local) |
//! | | 02 | merchant address (the merchant's owner account) |
//! | unreserved template, ID 80 (any free ID in 80-99 is read) | 00 | `jp.yenpay` |
//! | | 01 | address of the `YenPay` package |
//!
//! A code the terminal signed (`invoice::pay_signed_invoice`, nothing on
//! chain before the payment) adds the rest of the signed invoice to further
//! unreserved templates with the same GUID. The sub-tags are numbered across
//! yenpay's unreserved templates, so which template holds one is a matter of
//! fitting 99 characters, and each appears once:
//!
//! | sub-tag | value | written in |
//! |---|---|---|
//! | 02 | expiry, Unix seconds, decimal | the package's template |
//! | 03 | terminal address; absent when it is the legacy Ed25519 address of the key (a terminal that never rotated its key, as the gateway's) | a template of its own |
//! | 04 | the terminal's Ed25519 public key, 32 bytes, base64url without padding | a template with 05 |
//! | 05 | the signature's first 24 bytes, base64url | with 04 |
//! | 06 | the signature's last 40 bytes, base64url | a template of its own |
//!
//! The signature is split because 64 bytes in base64url (86 characters) and
//! the GUID do not fit one template; base64url rather than hex because the
//! whole payload must stay within EMVCo's 512 characters: a signed code with
//! a 25-character name and order reference and a 13-digit amount is 507
//! characters. A terminal that rotated its key (03 written) makes the code
//! about 75 characters longer, which may not fit: the wallet URI carries it.
//!
//! Addresses are `0x` and 64 hex digits, or AIP-40's short form for special
//! addresses (`0x1`..`0xf`). A dynamic code carries the invoice's amount
//! (54, whole yen) and order reference as the bill number (62/01); EMVCo
//! limits the bill number to 25 characters of printable ASCII while the
//! invoice module allows 64 bytes, so a longer order reference is refused
//! with [`MpmError::OrderRefTooLong`] (the wallet URI carries any length). A
//! static code carries no amount and, optionally, a reference for the
//! payment as the reference label (62/05).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Serialize, Serializer};
use yenpay_types::Address;
use yenpay_types::authorization::ed25519_authentication_key;
use yenpay_types::limits::OrderRef;
use yenpay_types::offer::{InvoiceOffer, SignedInvoiceOffer};

use super::{
    AdditionalData, DataObject, LanguageTemplate, MerchantPresented, MpmError, PointOfInitiation,
};

/// The globally unique identifier of yenpay's templates (sub-tag 00).
pub const YENPAY_GUID: &str = "jp.yenpay";
/// The merchant account information ID yenpay writes (26-51 are read).
pub const YENPAY_ACCOUNT_ID: u8 = 40;
/// The unreserved template ID yenpay writes (80-99 are read).
pub const YENPAY_DEPLOYMENT_ID: u8 = 80;
/// EMVCo's limit on the bill number (62/01), in characters.
pub const BILL_NUMBER_MAX: usize = 25;
/// The largest amount an EMVCo amount (54, 13 characters) holds.
pub const MAX_MPM_AMOUNT: u64 = 9_999_999_999_999;
/// ISO 4217 numeric code of the Japanese yen.
pub const JPY_NUMERIC: &str = "392";

const CHAIN_ID: u8 = 1;
const MERCHANT: u8 = 2;
const PACKAGE: u8 = 1;
const EXPIRES_AT: u8 = 2;
const TERMINAL: u8 = 3;
const PUBLIC_KEY: u8 = 4;
const SIGNATURE_HEAD: u8 = 5;
const SIGNATURE_TAIL: u8 = 6;
/// Bytes of the signature in sub-tag 05; the rest are in 06.
const SIGNATURE_SPLIT: usize = 24;

/// What the customer's wallet needs to pay: which deployment, which
/// merchant, and for a dynamic code which invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct YenpayPayment {
    /// Chain id of the network.
    pub chain_id: u8,
    /// Address of the `YenPay` package.
    pub package: Address,
    /// The merchant (its owner account, the key of the merchant registry).
    pub merchant: Address,
    /// Static or dynamic, with its fields.
    pub request: PaymentRequest,
}

/// A static code (the customer types the amount) or a dynamic code (one
/// invoice).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum PaymentRequest {
    /// Pay the merchant any amount (`invoice::pay_merchant`).
    Static {
        /// A reference for the payment, shown to and sent by the wallet
        /// (62/05, at most 25 characters in an EMVCo code).
        reference: Option<String>,
    },
    /// Pay one invoice created on chain (`invoice::pay_invoice`).
    Dynamic {
        /// The invoice's order reference (62/01, at most 25 characters in an
        /// EMVCo code).
        order_ref: String,
        /// The amount in yen (54).
        amount: u64,
    },
    /// Pay an invoice the terminal signed off chain
    /// (`invoice::pay_signed_invoice`): the code is the invoice.
    Signed {
        /// The invoice's order reference (62/01, at most 25 characters in an
        /// EMVCo code).
        order_ref: String,
        /// The amount in yen (54).
        amount: u64,
        /// The rest of the signed invoice.
        signature: CodeSignature,
    },
}

/// What a terminal-signed code carries besides merchant, order reference
/// and amount: with them and the deployment it is the
/// [`SignedInvoiceOffer`] that `invoice::pay_signed_invoice` takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeSignature {
    /// The account whose key signed: a terminal of the merchant.
    pub terminal: Address,
    /// Payable strictly before, Unix seconds.
    pub expires_at: u64,
    /// The terminal's Ed25519 public key.
    #[serde(serialize_with = "base64url")]
    pub public_key: [u8; 32],
    /// The Ed25519 signature over the offer.
    #[serde(serialize_with = "base64url")]
    pub signature: [u8; 64],
}

fn base64url<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&URL_SAFE_NO_PAD.encode(bytes))
}

/// Decodes base64url without padding into exactly `N` bytes, canonically
/// (the encoding of the bytes read is the text).
pub(crate) fn parse_base64url<const N: usize>(text: &str) -> Option<[u8; N]> {
    if text.len() != (N * 4).div_ceil(3) {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
    let array: [u8; N] = bytes.try_into().ok()?;
    (URL_SAFE_NO_PAD.encode(array) == text).then_some(array)
}

/// The base64url text of `bytes`, without padding.
pub(crate) fn to_base64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The legacy Ed25519 address of `public_key`: the terminal a code omits.
pub fn legacy_address(public_key: &[u8; 32]) -> Address {
    Address::new(ed25519_authentication_key(public_key))
}

/// Why a payment is not a signed invoice for this deployment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotSignedInvoice {
    /// A static code or an invoice created on chain.
    #[error("the code is not a terminal-signed invoice")]
    NotSigned,
    /// The order reference is not one the invoice module takes.
    #[error("order reference: {0}")]
    OrderRef(String),
}

/// The merchant's EMVCo fields for a code yenpay builds alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MerchantDetails {
    /// 59: name in printable ASCII (romaji), at most 25 characters.
    pub name: String,
    /// 60: city in printable ASCII, at most 15 characters.
    pub city: String,
    /// 52: ISO 18245 merchant category code.
    pub category_code: String,
    /// 61: postal code.
    pub postal_code: Option<String>,
    /// 64: name and city in Japanese (or another language).
    pub language: Option<LanguageTemplate>,
}

pub(crate) fn parse_chain_id(value: &str) -> Option<u8> {
    let canonical = !value.is_empty()
        && value.bytes().all(|b| b.is_ascii_digit())
        && (value == "0" || !value.starts_with('0'));
    canonical.then(|| value.parse().ok()).flatten()
}

pub(crate) fn parse_address(value: &str) -> Option<Address> {
    let hex = value.strip_prefix("0x")?;
    let ok = (1..=64).contains(&hex.len()) && hex.bytes().all(|b| b.is_ascii_hexdigit());
    ok.then(|| Address::from_hex(hex).ok()).flatten()
}

fn yenpay_template(
    objects: &[DataObject],
    range: std::ops::RangeInclusive<u8>,
) -> Option<&DataObject> {
    objects
        .iter()
        .find(|o| range.contains(&o.id) && o.child_text(0) == Some(YENPAY_GUID))
}

/// A free ID for a yenpay template: `preferred` unless another network's
/// template holds it, else the lowest free one in `range`.
fn free_id(
    objects: &[DataObject],
    preferred: u8,
    range: std::ops::RangeInclusive<u8>,
) -> Option<u8> {
    let used = |id: u8| objects.iter().any(|o| o.id == id);
    if !used(preferred) {
        return Some(preferred);
    }
    range.into_iter().find(|&id| !used(id))
}

impl YenpayPayment {
    /// Reads yenpay's templates and the payment fields of a decoded code.
    pub fn from_merchant_presented(code: &MerchantPresented) -> Result<Self, MpmError> {
        let account =
            yenpay_template(&code.merchant_accounts, 26..=51).ok_or(MpmError::NotYenpay)?;
        let tag = |id: u8, sub: u8| format!("{id:02}/{sub:02}");
        fn field<'t>(
            template: &'t DataObject,
            sub: u8,
            reason: &'static str,
        ) -> Result<&'t str, MpmError> {
            template
                .child_text(sub)
                .ok_or_else(|| MpmError::YenpayMissing {
                    tag: format!("{:02}/{sub:02}", template.id),
                    reason,
                })
        }
        let invalid = |tag: String, value: &str, reason: &'static str| MpmError::YenpayInvalid {
            tag,
            value: value.to_owned(),
            reason,
        };

        let chain_text = field(account, CHAIN_ID, "the chain to pay on")?;
        let chain_id = parse_chain_id(chain_text).ok_or_else(|| {
            invalid(
                tag(account.id, CHAIN_ID),
                chain_text,
                "a chain id is a decimal number 0-255 without leading zeros",
            )
        })?;
        let merchant_text = field(account, MERCHANT, "the merchant to pay")?;
        let merchant = parse_address(merchant_text).ok_or_else(|| {
            invalid(
                tag(account.id, MERCHANT),
                merchant_text,
                "an address is 0x and 1-64 hex digits",
            )
        })?;
        let deployment = Deployment::read(&code.unreserved)?;
        let package_text = deployment.field(PACKAGE, "the package to call")?;
        let package = parse_address(package_text).ok_or_else(|| {
            invalid(
                deployment.tag(PACKAGE),
                package_text,
                "an address is 0x and 1-64 hex digits",
            )
        })?;
        if code.transaction_currency != JPY_NUMERIC {
            return Err(invalid(
                "53".into(),
                &code.transaction_currency,
                "yenpay pays in yen: currency 392",
            ));
        }
        let additional = code.additional_data.as_ref();
        let request = match code.point_of_initiation {
            None => {
                return Err(MpmError::YenpayMissing {
                    tag: "01".into(),
                    reason: "static (11) or dynamic (12) decides what the wallet calls",
                });
            }
            Some(PointOfInitiation::Static) => {
                if let Some(amount) = &code.transaction_amount {
                    return Err(invalid(
                        "54".into(),
                        amount,
                        "a static code carries no amount: the customer types it",
                    ));
                }
                PaymentRequest::Static {
                    reference: additional.and_then(|a| a.reference_label.clone()),
                }
            }
            Some(PointOfInitiation::Dynamic) => {
                let amount_text =
                    code.transaction_amount
                        .as_deref()
                        .ok_or(MpmError::YenpayMissing {
                            tag: "54".into(),
                            reason: "a dynamic code carries the invoice amount",
                        })?;
                let amount = amount_text
                    .bytes()
                    .all(|b| b.is_ascii_digit())
                    .then(|| amount_text.parse::<u64>().ok())
                    .flatten()
                    .ok_or_else(|| {
                        invalid(
                            "54".into(),
                            amount_text,
                            "JPY has no minor unit: a whole number of yen that fits u64",
                        )
                    })?;
                let order_ref = additional.and_then(|a| a.bill_number.clone()).ok_or(
                    MpmError::YenpayMissing {
                        tag: "62/01".into(),
                        reason: "a dynamic code carries the invoice's order reference",
                    },
                )?;
                match deployment.signature()? {
                    Some(signature) => PaymentRequest::Signed {
                        order_ref,
                        amount,
                        signature,
                    },
                    None => PaymentRequest::Dynamic { order_ref, amount },
                }
            }
        };
        if !matches!(request, PaymentRequest::Signed { .. }) && deployment.has_signature_fields() {
            return Err(invalid(
                "80-99".into(),
                "",
                "the fields of a signed invoice belong to a dynamic code",
            ));
        }
        Ok(Self {
            chain_id,
            package,
            merchant,
            request,
        })
    }

    /// Decodes a payload and reads its yenpay payment.
    pub fn decode(payload: &str) -> Result<Self, MpmError> {
        Self::from_merchant_presented(&MerchantPresented::decode(payload)?)
    }

    /// A new code carrying this payment and nothing of other networks.
    pub fn to_merchant_presented(
        &self,
        merchant: &MerchantDetails,
    ) -> Result<MerchantPresented, MpmError> {
        let mut code = MerchantPresented {
            point_of_initiation: None,
            merchant_accounts: Vec::new(),
            merchant_category_code: merchant.category_code.clone(),
            transaction_currency: JPY_NUMERIC.into(),
            transaction_amount: None,
            tip: None,
            country_code: "JP".into(),
            merchant_name: merchant.name.clone(),
            merchant_city: merchant.city.clone(),
            postal_code: merchant.postal_code.clone(),
            additional_data: None,
            language: merchant.language.clone(),
            unreserved: Vec::new(),
            rfu: Vec::new(),
        };
        self.apply_to(&mut code)?;
        Ok(code)
    }

    /// The canonical payload of a new code carrying this payment.
    pub fn encode(&self, merchant: &MerchantDetails) -> Result<String, MpmError> {
        self.to_merchant_presented(merchant)?.encode()
    }

    /// Puts this payment into an existing code (e.g. a shop's JPQR code),
    /// next to the other networks' templates: yenpay's templates replace
    /// earlier yenpay templates, or take ID 40 and 80 (the lowest free IDs
    /// in 26-51 and 80-99 if others hold those); the point of initiation,
    /// amount and bill number or reference label are set for this payment.
    pub fn apply_to(&self, code: &mut MerchantPresented) -> Result<(), MpmError> {
        if code.transaction_currency != JPY_NUMERIC {
            return Err(MpmError::YenpayInvalid {
                tag: "53".into(),
                value: code.transaction_currency.clone(),
                reason: "yenpay pays in yen: currency 392",
            });
        }
        if let PaymentRequest::Dynamic { order_ref, amount }
        | PaymentRequest::Signed {
            order_ref, amount, ..
        } = &self.request
        {
            if !(1..=MAX_MPM_AMOUNT).contains(amount) {
                return Err(MpmError::YenpayInvalid {
                    tag: "54".into(),
                    value: amount.to_string(),
                    reason: "an EMVCo amount is 1 to 9999999999999 (13 digits)",
                });
            }
            let length = order_ref.chars().count();
            if length > BILL_NUMBER_MAX {
                return Err(MpmError::OrderRefTooLong {
                    length,
                    max: BILL_NUMBER_MAX,
                });
            }
        }
        let is_ours = |o: &DataObject| o.child_text(0) == Some(YENPAY_GUID);
        code.merchant_accounts.retain(|o| !is_ours(o));
        code.unreserved.retain(|o| !is_ours(o));
        let all: Vec<DataObject> = code.to_objects();
        let account_id =
            free_id(&all, YENPAY_ACCOUNT_ID, 26..=51).ok_or(MpmError::YenpayInvalid {
                tag: "26-51".into(),
                value: String::new(),
                reason: "every merchant account template ID is taken",
            })?;
        code.merchant_accounts.push(DataObject::template(
            account_id,
            vec![
                DataObject::text(0, YENPAY_GUID),
                DataObject::text(CHAIN_ID, self.chain_id.to_string()),
                DataObject::text(MERCHANT, self.merchant.to_standard_string()),
            ],
        ));
        code.merchant_accounts.sort_by_key(|o| o.id);
        for fields in self.deployment_templates() {
            let all: Vec<DataObject> = code.to_objects();
            let id =
                free_id(&all, YENPAY_DEPLOYMENT_ID, 80..=99).ok_or(MpmError::YenpayInvalid {
                    tag: "80-99".into(),
                    value: String::new(),
                    reason: "every unreserved template ID is taken",
                })?;
            let mut children = vec![DataObject::text(0, YENPAY_GUID)];
            children.extend(fields);
            code.unreserved.push(DataObject::template(id, children));
            code.unreserved.sort_by_key(|o| o.id);
        }
        let additional = code
            .additional_data
            .get_or_insert_with(AdditionalData::default);
        match &self.request {
            PaymentRequest::Static { reference } => {
                code.point_of_initiation = Some(PointOfInitiation::Static);
                code.transaction_amount = None;
                additional.bill_number = None;
                additional.reference_label = reference.clone();
            }
            PaymentRequest::Dynamic { order_ref, amount }
            | PaymentRequest::Signed {
                order_ref, amount, ..
            } => {
                code.point_of_initiation = Some(PointOfInitiation::Dynamic);
                code.transaction_amount = Some(amount.to_string());
                additional.bill_number = Some(order_ref.clone());
            }
        }
        if additional == &AdditionalData::default() {
            code.additional_data = None;
        }
        Ok(())
    }
}

impl YenpayPayment {
    /// The fields of yenpay's unreserved templates, template by template
    /// (module docs).
    fn deployment_templates(&self) -> Vec<Vec<DataObject>> {
        let mut first = vec![DataObject::text(PACKAGE, self.package.to_standard_string())];
        let PaymentRequest::Signed { signature, .. } = &self.request else {
            return vec![first];
        };
        first.push(DataObject::text(
            EXPIRES_AT,
            signature.expires_at.to_string(),
        ));
        let mut templates = vec![first];
        if signature.terminal != legacy_address(&signature.public_key) {
            templates.push(vec![DataObject::text(
                TERMINAL,
                signature.terminal.to_standard_string(),
            )]);
        }
        let (head, tail) = signature.signature.split_at(SIGNATURE_SPLIT);
        templates.push(vec![
            DataObject::text(PUBLIC_KEY, to_base64url(&signature.public_key)),
            DataObject::text(SIGNATURE_HEAD, to_base64url(head)),
        ]);
        templates.push(vec![DataObject::text(SIGNATURE_TAIL, to_base64url(tail))]);
        templates
    }

    /// A signed code's payment: the offer's merchant, order reference,
    /// amount and signature, on `package`'s deployment.
    pub fn from_signed_offer(package: Address, signed: &SignedInvoiceOffer) -> Self {
        let offer = &signed.offer;
        Self {
            chain_id: offer.chain_id,
            package,
            merchant: offer.merchant,
            request: PaymentRequest::Signed {
                order_ref: offer.order_ref.as_str().to_owned(),
                amount: offer.amount,
                signature: CodeSignature {
                    terminal: offer.terminal,
                    expires_at: offer.expires_at,
                    public_key: signed.public_key,
                    signature: signed.signature,
                },
            },
        }
    }

    /// The signed invoice a signed code carries, as
    /// `invoice::pay_signed_invoice` takes it. Nothing is verified here:
    /// [`SignedInvoiceOffer::check`] does that.
    ///
    /// # Errors
    /// [`NotSignedInvoice`]: another kind of code, or an order reference
    /// the invoice module refuses.
    pub fn signed_offer(&self) -> Result<SignedInvoiceOffer, NotSignedInvoice> {
        let PaymentRequest::Signed {
            order_ref,
            amount,
            signature,
        } = &self.request
        else {
            return Err(NotSignedInvoice::NotSigned);
        };
        let order_ref =
            OrderRef::new(order_ref).map_err(|e| NotSignedInvoice::OrderRef(e.to_string()))?;
        Ok(SignedInvoiceOffer {
            offer: InvoiceOffer::new(
                self.chain_id,
                self.package,
                self.merchant,
                signature.terminal,
                order_ref,
                *amount,
                signature.expires_at,
            ),
            public_key: signature.public_key,
            signature: signature.signature,
        })
    }
}

/// yenpay's unreserved templates (80-99 with its GUID) of a code, read as
/// one set of sub-tags.
struct Deployment<'c> {
    templates: Vec<&'c DataObject>,
}

impl<'c> Deployment<'c> {
    fn read(unreserved: &'c [DataObject]) -> Result<Self, MpmError> {
        let templates: Vec<&DataObject> = unreserved
            .iter()
            .filter(|o| (80..=99).contains(&o.id) && o.child_text(0) == Some(YENPAY_GUID))
            .collect();
        if templates.is_empty() {
            return Err(MpmError::YenpayMissing {
                tag: "80-99".into(),
                reason: "the unreserved template with GUID jp.yenpay names the package",
            });
        }
        Ok(Self { templates })
    }

    /// The template holding `sub`, and its text; a sub-tag in two of
    /// yenpay's templates is refused.
    fn find(&self, sub: u8) -> Result<Option<(u8, &'c str)>, MpmError> {
        let mut found = None;
        for template in &self.templates {
            let Some(child) = template.child(sub) else {
                continue;
            };
            let text = child.as_text().ok_or_else(|| MpmError::YenpayInvalid {
                tag: format!("{:02}/{sub:02}", template.id),
                value: String::new(),
                reason: "a yenpay field is text, not a template",
            })?;
            if found.is_some() {
                return Err(MpmError::YenpayInvalid {
                    tag: format!("{:02}/{sub:02}", template.id),
                    value: text.to_owned(),
                    reason: "each yenpay sub-tag appears in one of its templates only",
                });
            }
            found = Some((template.id, text));
        }
        Ok(found)
    }

    fn tag(&self, sub: u8) -> String {
        let id = self
            .find(sub)
            .ok()
            .flatten()
            .map_or(self.templates[0].id, |(id, _)| id);
        format!("{id:02}/{sub:02}")
    }

    fn field(&self, sub: u8, reason: &'static str) -> Result<&'c str, MpmError> {
        self.find(sub)?
            .map(|(_, text)| text)
            .ok_or_else(|| MpmError::YenpayMissing {
                tag: format!("{:02}/{sub:02}", self.templates[0].id),
                reason,
            })
    }

    fn has_signature_fields(&self) -> bool {
        [
            EXPIRES_AT,
            TERMINAL,
            PUBLIC_KEY,
            SIGNATURE_HEAD,
            SIGNATURE_TAIL,
        ]
        .iter()
        .any(|&sub| self.templates.iter().any(|t| t.child(sub).is_some()))
    }

    /// The signed invoice's fields, when the code has any.
    fn signature(&self) -> Result<Option<CodeSignature>, MpmError> {
        if !self.has_signature_fields() {
            return Ok(None);
        }
        let invalid = |sub: u8, value: &str, reason: &'static str| MpmError::YenpayInvalid {
            tag: self.tag(sub),
            value: value.to_owned(),
            reason,
        };
        let expiry_text = self.field(EXPIRES_AT, "a signed code's expiry")?;
        let expires_at = (!expiry_text.is_empty()
            && expiry_text.bytes().all(|b| b.is_ascii_digit())
            && (expiry_text == "0" || !expiry_text.starts_with('0')))
        .then(|| expiry_text.parse::<u64>().ok())
        .flatten()
        .ok_or_else(|| {
            invalid(
                EXPIRES_AT,
                expiry_text,
                "Unix seconds: decimal digits without leading zeros, fitting u64",
            )
        })?;
        let key_text = self.field(PUBLIC_KEY, "the terminal's public key")?;
        let public_key: [u8; 32] = parse_base64url(key_text).ok_or_else(|| {
            invalid(
                PUBLIC_KEY,
                key_text,
                "an Ed25519 public key: 32 bytes in base64url without padding",
            )
        })?;
        let head_text = self.field(SIGNATURE_HEAD, "the signature's first bytes")?;
        let head: [u8; SIGNATURE_SPLIT] = parse_base64url(head_text).ok_or_else(|| {
            invalid(
                SIGNATURE_HEAD,
                head_text,
                "the signature's first 24 bytes in base64url without padding",
            )
        })?;
        let tail_text = self.field(SIGNATURE_TAIL, "the signature's last bytes")?;
        let tail: [u8; 64 - SIGNATURE_SPLIT] = parse_base64url(tail_text).ok_or_else(|| {
            invalid(
                SIGNATURE_TAIL,
                tail_text,
                "the signature's last 40 bytes in base64url without padding",
            )
        })?;
        let mut signature = [0u8; 64];
        signature[..SIGNATURE_SPLIT].copy_from_slice(&head);
        signature[SIGNATURE_SPLIT..].copy_from_slice(&tail);
        let terminal = match self.find(TERMINAL)? {
            None => legacy_address(&public_key),
            Some((_, text)) => parse_address(text)
                .ok_or_else(|| invalid(TERMINAL, text, "an address is 0x and 1-64 hex digits"))?,
        };
        Ok(Some(CodeSignature {
            terminal,
            expires_at,
            public_key,
            signature,
        }))
    }
}

impl MerchantPresented {
    /// The yenpay payment this code carries.
    pub fn yenpay(&self) -> Result<YenpayPayment, MpmError> {
        YenpayPayment::from_merchant_presented(self)
    }
}
