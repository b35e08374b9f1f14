//! EMVCo Merchant-Presented Mode (MPM), the code a shop shows; JPQR is built
//! on it.
//!
//! Three layers:
//! - [`Payload`]: the general TLV codec. Any EMVCo payload parses, ours or
//!   not; unknown data objects are kept in order and written back byte for
//!   byte; the CRC and every EMVCo rule are checked.
//! - [`MerchantPresented`]: the typed fields. Its encoder writes canonical
//!   payloads: data objects in ascending ID order, the CRC last.
//! - [`YenpayPayment`]: yenpay's merchant account template and deployment
//!   template, next to whatever other networks' templates the code carries.

mod error;
mod tlv;
pub(crate) mod yenpay;

pub(crate) use yenpay::{parse_address, parse_chain_id};

use serde::Serialize;
use serde::ser::{SerializeStruct, Serializer};

pub use error::MpmError;
pub use tlv::{DataObject, MAX_PAYLOAD_CHARS, MAX_VALUE_CHARS, Payload, Value};
pub use yenpay::{
    BILL_NUMBER_MAX, CodeSignature, JPY_NUMERIC, MAX_MPM_AMOUNT, MerchantDetails, NotSignedInvoice,
    PaymentRequest, YENPAY_ACCOUNT_ID, YENPAY_DEPLOYMENT_ID, YENPAY_GUID, YenpayPayment,
    legacy_address,
};

/// Point of initiation method (data object 01).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PointOfInitiation {
    /// `11`: the same code for every payment (a sticker).
    Static,
    /// `12`: a code for one payment (a screen).
    Dynamic,
}

impl PointOfInitiation {
    /// The value EMVCo writes.
    pub fn code(self) -> &'static str {
        match self {
            PointOfInitiation::Static => "11",
            PointOfInitiation::Dynamic => "12",
        }
    }
}

/// Tip or convenience indicator (55) with the fee it calls for (56 or 57).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum Tip {
    /// `01`: the app asks the customer for a tip.
    Prompt,
    /// `02`: a fixed convenience fee (56), in the transaction currency.
    FixedFee(String),
    /// `03`: a percentage convenience fee (57).
    PercentageFee(String),
}

/// Additional data field template (62).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct AdditionalData {
    /// 01: bill number (invoice number), at most 25 characters.
    pub bill_number: Option<String>,
    /// 02: mobile number.
    pub mobile_number: Option<String>,
    /// 03: store label.
    pub store_label: Option<String>,
    /// 04: loyalty number.
    pub loyalty_number: Option<String>,
    /// 05: reference label.
    pub reference_label: Option<String>,
    /// 06: customer label.
    pub customer_label: Option<String>,
    /// 07: terminal label.
    pub terminal_label: Option<String>,
    /// 08: purpose of transaction.
    pub purpose: Option<String>,
    /// 09: additional consumer data request (`A`, `M`, `E`).
    pub consumer_data_request: Option<String>,
    /// 10: merchant tax ID.
    pub merchant_tax_id: Option<String>,
    /// 11: merchant channel.
    pub merchant_channel: Option<String>,
    /// Other data objects (RFU 12-49, payment system templates 50-99), in
    /// payload order.
    pub other: Vec<DataObject>,
}

impl AdditionalData {
    fn fields(&self) -> [(u8, &Option<String>); 11] {
        [
            (1, &self.bill_number),
            (2, &self.mobile_number),
            (3, &self.store_label),
            (4, &self.loyalty_number),
            (5, &self.reference_label),
            (6, &self.customer_label),
            (7, &self.terminal_label),
            (8, &self.purpose),
            (9, &self.consumer_data_request),
            (10, &self.merchant_tax_id),
            (11, &self.merchant_channel),
        ]
    }

    fn from_object(template: &DataObject) -> Self {
        let mut data = Self::default();
        for child in template.children().unwrap_or_default() {
            let text = child.as_text().map(str::to_owned);
            let slot = match child.id {
                1 => &mut data.bill_number,
                2 => &mut data.mobile_number,
                3 => &mut data.store_label,
                4 => &mut data.loyalty_number,
                5 => &mut data.reference_label,
                6 => &mut data.customer_label,
                7 => &mut data.terminal_label,
                8 => &mut data.purpose,
                9 => &mut data.consumer_data_request,
                10 => &mut data.merchant_tax_id,
                11 => &mut data.merchant_channel,
                _ => {
                    data.other.push(child.clone());
                    continue;
                }
            };
            *slot = text;
        }
        data
    }

    /// The template, or `None` when it would be empty (EMVCo then leaves it out).
    fn to_object(&self) -> Option<DataObject> {
        let mut children: Vec<DataObject> = self
            .fields()
            .into_iter()
            .filter_map(|(id, v)| v.as_ref().map(|v| DataObject::text(id, v.clone())))
            .chain(self.other.iter().cloned())
            .collect();
        children.sort_by_key(|c| c.id);
        (!children.is_empty()).then(|| DataObject::template(62, children))
    }
}

/// Merchant information in an alternate language (64), e.g. the Japanese
/// name of a shop whose tag 59 is in Latin letters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct LanguageTemplate {
    /// 00: ISO 639-1 language code (`ja`; JPQR writes `JA`).
    pub language: String,
    /// 01: merchant name in that language, at most 25 characters.
    pub merchant_name: String,
    /// 02: merchant city in that language, at most 15 characters.
    pub merchant_city: Option<String>,
    /// Other data objects (RFU 03-99), in payload order.
    pub other: Vec<DataObject>,
}

impl LanguageTemplate {
    fn from_object(template: &DataObject) -> Self {
        Self {
            language: template.child_text(0).unwrap_or_default().to_owned(),
            merchant_name: template.child_text(1).unwrap_or_default().to_owned(),
            merchant_city: template.child_text(2).map(str::to_owned),
            other: template
                .children()
                .unwrap_or_default()
                .iter()
                .filter(|c| c.id > 2)
                .cloned()
                .collect(),
        }
    }

    fn to_object(&self) -> DataObject {
        let mut children = vec![
            DataObject::text(0, self.language.clone()),
            DataObject::text(1, self.merchant_name.clone()),
        ];
        if let Some(city) = &self.merchant_city {
            children.push(DataObject::text(2, city.clone()));
        }
        children.extend(self.other.iter().cloned());
        children.sort_by_key(|c| c.id);
        DataObject::template(64, children)
    }
}

/// The typed fields of a Merchant-Presented Mode code.
///
/// Decoding keeps every data object: the ones without a field of their own
/// are in `merchant_accounts`, `unreserved`, `rfu` and the templates'
/// `other` lists. Encoding writes them back in ascending ID order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct MerchantPresented {
    /// 01: static or dynamic (optional in EMVCo).
    pub point_of_initiation: Option<PointOfInitiation>,
    /// 02-51: merchant account information of every network, in payload
    /// order (26-51 are templates with a GUID in 00).
    pub merchant_accounts: Vec<DataObject>,
    /// 52: ISO 18245 merchant category code.
    pub merchant_category_code: String,
    /// 53: ISO 4217 numeric currency (`392` for JPY).
    pub transaction_currency: String,
    /// 54: amount as written (JPY has no minor unit: whole yen).
    pub transaction_amount: Option<String>,
    /// 55-57: tip or convenience fee.
    pub tip: Option<Tip>,
    /// 58: ISO 3166-1 alpha-2 country code.
    pub country_code: String,
    /// 59: merchant name.
    pub merchant_name: String,
    /// 60: merchant city.
    pub merchant_city: String,
    /// 61: postal code.
    pub postal_code: Option<String>,
    /// 62: additional data field template.
    pub additional_data: Option<AdditionalData>,
    /// 64: merchant information in an alternate language.
    pub language: Option<LanguageTemplate>,
    /// 80-99: unreserved templates, in payload order.
    pub unreserved: Vec<DataObject>,
    /// 65-79: data objects reserved for future EMVCo use, kept as they were.
    pub rfu: Vec<DataObject>,
}

impl MerchantPresented {
    /// Parses and checks a payload (see [`Payload::parse`]).
    pub fn decode(payload: &str) -> Result<Self, MpmError> {
        Payload::parse(payload).map(|p| Self::from_payload(&p))
    }

    /// The typed view of a checked payload.
    pub fn from_payload(payload: &Payload) -> Self {
        let text = |id: u8| {
            payload
                .get(id)
                .and_then(DataObject::as_text)
                .map(str::to_owned)
        };
        let tip = match text(55).as_deref() {
            Some("01") => Some(Tip::Prompt),
            Some("02") => Some(Tip::FixedFee(text(56).unwrap_or_default())),
            Some("03") => Some(Tip::PercentageFee(text(57).unwrap_or_default())),
            _ => None,
        };
        let pick = |range: std::ops::RangeInclusive<u8>| {
            payload
                .objects()
                .iter()
                .filter(|o| range.contains(&o.id))
                .cloned()
                .collect::<Vec<_>>()
        };
        Self {
            point_of_initiation: match text(1).as_deref() {
                Some("11") => Some(PointOfInitiation::Static),
                Some("12") => Some(PointOfInitiation::Dynamic),
                _ => None,
            },
            merchant_accounts: pick(2..=51),
            merchant_category_code: text(52).unwrap_or_default(),
            transaction_currency: text(53).unwrap_or_default(),
            transaction_amount: text(54),
            tip,
            country_code: text(58).unwrap_or_default(),
            merchant_name: text(59).unwrap_or_default(),
            merchant_city: text(60).unwrap_or_default(),
            postal_code: text(61),
            additional_data: payload.get(62).map(AdditionalData::from_object),
            language: payload.get(64).map(LanguageTemplate::from_object),
            unreserved: pick(80..=99),
            rfu: pick(65..=79),
        }
    }

    /// The data objects in canonical order: ascending IDs (the CRC is added
    /// last by [`Payload::from_objects`]).
    pub fn to_objects(&self) -> Vec<DataObject> {
        let mut objects = vec![DataObject::text(0, "01")];
        let mut text = |id: u8, v: &str| objects.push(DataObject::text(id, v));
        if let Some(poi) = self.point_of_initiation {
            text(1, poi.code());
        }
        text(52, &self.merchant_category_code);
        text(53, &self.transaction_currency);
        if let Some(amount) = &self.transaction_amount {
            text(54, amount);
        }
        match &self.tip {
            None => {}
            Some(Tip::Prompt) => text(55, "01"),
            Some(Tip::FixedFee(fee)) => {
                text(55, "02");
                text(56, fee);
            }
            Some(Tip::PercentageFee(fee)) => {
                text(55, "03");
                text(57, fee);
            }
        }
        text(58, &self.country_code);
        text(59, &self.merchant_name);
        text(60, &self.merchant_city);
        if let Some(postal) = &self.postal_code {
            text(61, postal);
        }
        objects.extend(
            self.additional_data
                .as_ref()
                .and_then(AdditionalData::to_object),
        );
        objects.extend(self.language.as_ref().map(LanguageTemplate::to_object));
        objects.extend(self.merchant_accounts.iter().cloned());
        objects.extend(self.unreserved.iter().cloned());
        objects.extend(self.rfu.iter().cloned());
        // Stable: equal IDs (an error the check reports) keep their order.
        objects.sort_by_key(|o| o.id);
        objects
    }

    /// Builds and checks the canonical payload.
    pub fn to_payload(&self) -> Result<Payload, MpmError> {
        Payload::from_objects(&self.to_objects())
    }

    /// The canonical payload text.
    pub fn encode(&self) -> Result<String, MpmError> {
        self.to_payload().map(|p| p.to_string())
    }
}

impl Serialize for DataObject {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("DataObject", 2)?;
        s.serialize_field("id", &format!("{:02}", self.id))?;
        match &self.value {
            Value::Text(t) => s.serialize_field("value", t)?,
            Value::Template(c) => s.serialize_field("template", c)?,
        }
        s.end()
    }
}

#[cfg(test)]
mod tests;
