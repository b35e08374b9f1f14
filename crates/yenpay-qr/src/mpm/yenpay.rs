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
//! Addresses are `0x` and 64 hex digits, or AIP-40's short form for special
//! addresses (`0x1`..`0xf`). A dynamic code carries the invoice's amount
//! (54, whole yen) and order reference as the bill number (62/01); EMVCo
//! limits the bill number to 25 characters of printable ASCII while the
//! invoice module allows 64 bytes, so a longer order reference is refused
//! with [`MpmError::OrderRefTooLong`] (the wallet URI carries any length). A
//! static code carries no amount and, optionally, a reference for the
//! payment as the reference label (62/05).

use serde::Serialize;
use yenpay_types::Address;

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
    /// Pay one invoice (`invoice::pay_invoice`).
    Dynamic {
        /// The invoice's order reference (62/01, at most 25 characters in an
        /// EMVCo code).
        order_ref: String,
        /// The amount in yen (54).
        amount: u64,
    },
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
        let deployment =
            yenpay_template(&code.unreserved, 80..=99).ok_or(MpmError::YenpayMissing {
                tag: "80-99".into(),
                reason: "the unreserved template with GUID jp.yenpay names the package",
            })?;
        let package_text = field(deployment, PACKAGE, "the package to call")?;
        let package = parse_address(package_text).ok_or_else(|| {
            invalid(
                tag(deployment.id, PACKAGE),
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
                PaymentRequest::Dynamic { order_ref, amount }
            }
        };
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
        if let PaymentRequest::Dynamic { order_ref, amount } = &self.request {
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
        let deployment_id =
            free_id(&all, YENPAY_DEPLOYMENT_ID, 80..=99).ok_or(MpmError::YenpayInvalid {
                tag: "80-99".into(),
                value: String::new(),
                reason: "every unreserved template ID is taken",
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
        code.unreserved.push(DataObject::template(
            deployment_id,
            vec![
                DataObject::text(0, YENPAY_GUID),
                DataObject::text(PACKAGE, self.package.to_standard_string()),
            ],
        ));
        code.unreserved.sort_by_key(|o| o.id);
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
            PaymentRequest::Dynamic { order_ref, amount } => {
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

impl MerchantPresented {
    /// The yenpay payment this code carries.
    pub fn yenpay(&self) -> Result<YenpayPayment, MpmError> {
        YenpayPayment::from_merchant_presented(self)
    }
}
