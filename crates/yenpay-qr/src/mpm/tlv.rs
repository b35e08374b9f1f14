//! The general EMVCo Merchant-Presented Mode TLV codec.
//!
//! A payload is a string of data objects `ID LL VALUE`: a two-digit ID, a
//! two-digit length counted in characters (not bytes: a Japanese merchant
//! name in UTF-8 counts one per character), and the value. Some IDs hold
//! templates, whose value is again a string of data objects. The last object
//! is the CRC (63), computed over the payload's UTF-8 bytes up to and
//! including `6304`.
//!
//! [`Payload::parse`] accepts any payload that follows EMVCo, whoever made
//! it, and keeps every data object in its order, including the ones it does
//! not know: [`Payload`]'s `Display` gives back the same payload byte for
//! byte. It refuses, with a [`MpmError`] naming the tag and the position,
//! what EMVCo forbids.

use std::fmt;

use serde_json::{Value as Json, json};

use super::error::MpmError;
use super::yenpay::YENPAY_GUID;
use crate::crc;

/// EMVCo's limit on a whole payload, in characters.
pub const MAX_PAYLOAD_CHARS: usize = 512;
/// The largest value a two-digit length can announce.
pub const MAX_VALUE_CHARS: usize = 99;

/// One data object: an ID (0-99) and its value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DataObject {
    /// The two-digit ID as a number (`59` for the merchant name).
    pub id: u8,
    /// The value: text, or nested data objects for a template.
    pub value: Value,
}

/// The value of a data object.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    /// A primitive value.
    Text(String),
    /// A template's data objects, in payload order.
    Template(Vec<DataObject>),
}

impl DataObject {
    /// A primitive data object.
    pub fn text(id: u8, value: impl Into<String>) -> Self {
        Self {
            id,
            value: Value::Text(value.into()),
        }
    }

    /// A template data object.
    pub fn template(id: u8, children: Vec<DataObject>) -> Self {
        Self {
            id,
            value: Value::Template(children),
        }
    }

    /// The text of a primitive data object.
    pub fn as_text(&self) -> Option<&str> {
        match &self.value {
            Value::Text(t) => Some(t),
            Value::Template(_) => None,
        }
    }

    /// The data objects of a template.
    pub fn children(&self) -> Option<&[DataObject]> {
        match &self.value {
            Value::Text(_) => None,
            Value::Template(c) => Some(c),
        }
    }

    /// The first data object `id` inside this template.
    pub fn child(&self, id: u8) -> Option<&DataObject> {
        self.children()?.iter().find(|c| c.id == id)
    }

    /// The text of data object `id` inside this template.
    pub fn child_text(&self, id: u8) -> Option<&str> {
        self.child(id)?.as_text()
    }

    /// Length of the value in characters, as the length field counts it.
    pub fn value_chars(&self) -> usize {
        match &self.value {
            Value::Text(t) => t.chars().count(),
            Value::Template(c) => c.iter().map(|o| 4 + o.value_chars()).sum(),
        }
    }

    fn write(&self, out: &mut String) {
        use fmt::Write;
        // Infallible: writing to a String.
        let _ = write!(out, "{:02}{:02}", self.id, self.value_chars());
        match &self.value {
            Value::Text(t) => out.push_str(t),
            Value::Template(children) => children.iter().for_each(|c| c.write(out)),
        }
    }
}

/// Where a data object sits; decides which IDs are templates and which
/// rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Root,
    /// 26-51: a payment network's merchant account template.
    MerchantAccount,
    /// 62.
    AdditionalData,
    /// 62/50-99: payment system specific templates.
    AdditionalScheme,
    /// 64.
    Language,
    /// 80-99.
    Unreserved,
}

impl Level {
    /// The level of child `id` if it is a template, `None` if primitive.
    fn child_template(self, id: u8) -> Option<Level> {
        match (self, id) {
            (Level::Root, 26..=51) => Some(Level::MerchantAccount),
            (Level::Root, 62) => Some(Level::AdditionalData),
            (Level::Root, 64) => Some(Level::Language),
            (Level::Root, 80..=99) => Some(Level::Unreserved),
            (Level::AdditionalData, 50..=99) => Some(Level::AdditionalScheme),
            _ => None,
        }
    }
}

fn tag_of(path: &str, id: u8) -> String {
    if path.is_empty() {
        format!("{id:02}")
    } else {
        format!("{path}/{id:02}")
    }
}

/// A parsed data object that remembers where it stood.
struct Node<'a> {
    id: u8,
    position: usize,
    value: NodeValue<'a>,
}

enum NodeValue<'a> {
    Text(&'a str),
    Template(Vec<Node<'a>>),
}

impl Node<'_> {
    fn to_object(&self) -> DataObject {
        DataObject {
            id: self.id,
            value: match &self.value {
                NodeValue::Text(t) => Value::Text((*t).to_owned()),
                NodeValue::Template(c) => Value::Template(c.iter().map(Node::to_object).collect()),
            },
        }
    }

    fn text(&self) -> Option<&str> {
        match self.value {
            NodeValue::Text(t) => Some(t),
            NodeValue::Template(_) => None,
        }
    }
}

/// Two ASCII digits at the start of `s`, as a number.
fn two_digits(s: &str) -> Option<u8> {
    match s.as_bytes() {
        [a, b, ..] if a.is_ascii_digit() && b.is_ascii_digit() => {
            Some((a - b'0') * 10 + (b - b'0'))
        }
        _ => None,
    }
}

fn first_chars(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// Parses the data objects of `s`, whose first character is at `start`
/// characters into the payload.
fn parse_nodes<'a>(
    s: &'a str,
    start: usize,
    level: Level,
    path: &str,
) -> Result<Vec<Node<'a>>, MpmError> {
    let mut nodes = Vec::new();
    let mut rest = s;
    let mut position = start;
    while !rest.is_empty() {
        let id = two_digits(rest).ok_or_else(|| MpmError::BadId {
            parent: if path.is_empty() {
                "root".into()
            } else {
                format!("tag {path}")
            },
            position,
            found: first_chars(rest, 2),
        })?;
        let tag = tag_of(path, id);
        // The two ID bytes are ASCII, so index 2 is a character boundary.
        let declared = usize::from(two_digits(&rest[2..]).ok_or_else(|| MpmError::BadLength {
            tag: tag.clone(),
            position,
            found: first_chars(&rest[2..], 2),
        })?);
        if declared == 0 {
            return Err(MpmError::EmptyValue { tag, position });
        }
        let body = &rest[4..];
        let end = match body.char_indices().nth(declared) {
            Some((byte, _)) => byte,
            None => {
                let available = body.chars().count();
                if available < declared {
                    return Err(MpmError::Truncated {
                        tag,
                        position,
                        declared,
                        available,
                    });
                }
                body.len()
            }
        };
        let text = &body[..end];
        let value = match level.child_template(id) {
            Some(child_level) => {
                NodeValue::Template(parse_nodes(text, position + 4, child_level, &tag)?)
            }
            None => NodeValue::Text(text),
        };
        nodes.push(Node {
            id,
            position,
            value,
        });
        position += 4 + declared;
        rest = &body[end..];
    }
    Ok(nodes)
}

const ANS: &str = "printable ASCII, EMVCo's common character set";
const NO_CONTROL: &str = "any character but control characters";
const DIGITS: &str = "digits 0-9";

struct Check<'a> {
    tag: &'a str,
    position: usize,
    value: &'a str,
}

impl Check<'_> {
    fn bad_value(&self, expected: &'static str) -> MpmError {
        MpmError::BadValue {
            tag: self.tag.to_owned(),
            position: self.position,
            value: self.value.to_owned(),
            expected,
        }
    }

    fn chars(&self, allowed: &'static str, ok: impl Fn(char) -> bool) -> Result<(), MpmError> {
        match self.value.chars().find(|&c| !ok(c)) {
            Some(character) => Err(MpmError::BadCharacter {
                tag: self.tag.to_owned(),
                position: self.position,
                character,
                allowed,
            }),
            None => Ok(()),
        }
    }

    fn max(&self, max: usize) -> Result<(), MpmError> {
        let length = self.value.chars().count();
        if length > max {
            return Err(MpmError::ValueTooLong {
                tag: self.tag.to_owned(),
                position: self.position,
                length,
                max,
            });
        }
        Ok(())
    }

    fn ans(&self, max: usize) -> Result<(), MpmError> {
        self.max(max)?;
        self.chars(ANS, |c| (' '..='~').contains(&c))
    }

    fn string(&self, max: usize) -> Result<(), MpmError> {
        self.max(max)?;
        self.chars(NO_CONTROL, |c| !c.is_control())
    }

    fn digits(&self, n: usize, expected: &'static str) -> Result<(), MpmError> {
        self.chars(DIGITS, |c| c.is_ascii_digit())?;
        if self.value.len() != n {
            return Err(self.bad_value(expected));
        }
        Ok(())
    }

    fn one_of(&self, allowed: &[&str], expected: &'static str) -> Result<(), MpmError> {
        if allowed.contains(&self.value) {
            Ok(())
        } else {
            Err(self.bad_value(expected))
        }
    }

    /// EMVCo amount: digits with at most one `.` as the decimal mark (which
    /// may end the value), not zero.
    fn amount(&self, max: usize) -> Result<(), MpmError> {
        self.max(max)?;
        self.chars("digits 0-9 and one '.'", |c| c.is_ascii_digit() || c == '.')?;
        let (int, frac) = self.value.split_once('.').unwrap_or((self.value, ""));
        if int.is_empty() || frac.contains('.') {
            return Err(
                self.bad_value("an amount: digits with at most one '.' after at least one digit")
            );
        }
        if !self.value.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
            return Err(self.bad_value("an amount different from zero"));
        }
        Ok(())
    }

    fn percentage(&self) -> Result<(), MpmError> {
        self.amount(5)?;
        let (int, frac) = self.value.split_once('.').unwrap_or((self.value, ""));
        if int.len() > 2 || frac.len() > 2 {
            return Err(self.bad_value("a percentage from 00.01 to 99.99"));
        }
        Ok(())
    }
}

/// The rule of primitive data object `id` at `level`.
fn check_text(level: Level, id: u8, c: &Check<'_>) -> Result<(), MpmError> {
    match (level, id) {
        (Level::Root, 0) => c.one_of(&["01"], "\"01\""),
        (Level::Root, 1) => c.one_of(&["11", "12"], "\"11\" (static) or \"12\" (dynamic)"),
        (Level::Root, 2..=25) => c.ans(MAX_VALUE_CHARS),
        (Level::Root, 52) => c.digits(4, "four digits (ISO 18245 merchant category code)"),
        (Level::Root, 53) => c.digits(3, "three digits (ISO 4217 numeric currency code)"),
        (Level::Root, 54 | 56) => c.amount(13),
        (Level::Root, 55) => c.one_of(
            &["01", "02", "03"],
            "\"01\" (prompt), \"02\" (fixed fee) or \"03\" (percentage fee)",
        ),
        (Level::Root, 57) => c.percentage(),
        (Level::Root, 58) => {
            c.chars("upper-case letters A-Z", |ch| ch.is_ascii_uppercase())?;
            if c.value.len() != 2 {
                return Err(c.bad_value("two letters (ISO 3166-1 alpha-2 country code)"));
            }
            Ok(())
        }
        (Level::Root, 59) => c.ans(25),
        (Level::Root, 60) => c.ans(15),
        (Level::Root, 61) => c.ans(10),
        (Level::Root, 63) => {
            c.chars("hex digits", |ch| ch.is_ascii_hexdigit())?;
            if c.value.len() != 4 {
                return Err(c.bad_value("four hex digits"));
            }
            Ok(())
        }
        (Level::MerchantAccount | Level::AdditionalScheme | Level::Unreserved, 0) => c.ans(32),
        (Level::AdditionalData, 1..=8) => c.ans(25),
        (Level::AdditionalData, 9) => {
            c.max(3)?;
            c.chars("'A' (address), 'M' (mobile), 'E' (e-mail)", |ch| {
                matches!(ch, 'A' | 'M' | 'E')
            })?;
            let b = c.value.as_bytes();
            if (1..b.len()).any(|i| b[..i].contains(&b[i])) {
                return Err(c.bad_value("each of 'A', 'M', 'E' at most once"));
            }
            Ok(())
        }
        (Level::AdditionalData, 10) => c.ans(20),
        (Level::AdditionalData, 11) => {
            c.ans(3)?;
            if c.value.len() != 3 {
                return Err(c.bad_value("three characters (merchant channel)"));
            }
            Ok(())
        }
        (Level::Language, 0) => {
            c.chars("letters A-Z, a-z", |ch| ch.is_ascii_alphabetic())?;
            if c.value.len() != 2 {
                return Err(c.bad_value("two letters (ISO 639-1 language code)"));
            }
            Ok(())
        }
        (Level::Language, 1) => c.string(25),
        (Level::Language, 2) => c.string(15),
        // Other networks' data, RFU and context-specific values: any text.
        _ => c.string(MAX_VALUE_CHARS),
    }
}

fn validate(
    nodes: &[Node<'_>],
    level: Level,
    path: &str,
    at: Option<usize>,
) -> Result<(), MpmError> {
    for (k, node) in nodes.iter().enumerate() {
        let tag = tag_of(path, node.id);
        if nodes[..k].iter().any(|m| m.id == node.id) {
            return Err(MpmError::Duplicate {
                tag,
                position: node.position,
            });
        }
        match &node.value {
            NodeValue::Text(value) => check_text(
                level,
                node.id,
                &Check {
                    tag: &tag,
                    position: node.position,
                    value,
                },
            )?,
            NodeValue::Template(children) => {
                let child_level = level.child_template(node.id).unwrap_or(Level::Unreserved);
                validate(children, child_level, &tag, Some(node.position))?;
            }
        }
    }
    let has = |id: u8| nodes.iter().any(|n| n.id == id);
    let missing = |id: u8| MpmError::Missing {
        tag: tag_of(path, id),
        position: at,
    };
    let mandatory: &[u8] = match level {
        Level::Root => &[0, 52, 53, 58, 59, 60, 63],
        Level::MerchantAccount | Level::AdditionalScheme | Level::Unreserved => &[0],
        Level::Language => &[0, 1],
        Level::AdditionalData => &[],
    };
    if let Some(&id) = mandatory.iter().find(|&&id| !has(id)) {
        return Err(missing(id));
    }
    if level == Level::Root {
        if !nodes.iter().any(|n| (2..=51).contains(&n.id)) {
            return Err(MpmError::Missing {
                tag: "02-51 (merchant account information)".into(),
                position: None,
            });
        }
        let tip = nodes.iter().find(|n| n.id == 55).and_then(Node::text);
        for (fee_id, wanted, reason_missing, reason_stray) in [
            (
                56u8,
                "02",
                "tip indicator 02 (fixed convenience fee) needs tag 56",
                "a fixed convenience fee needs tip indicator 02 in tag 55",
            ),
            (
                57u8,
                "03",
                "tip indicator 03 (percentage convenience fee) needs tag 57",
                "a percentage convenience fee needs tip indicator 03 in tag 55",
            ),
        ] {
            let fee = nodes.iter().find(|n| n.id == fee_id);
            match (tip == Some(wanted), fee) {
                (true, None) => {
                    let tip_node = nodes.iter().find(|n| n.id == 55);
                    return Err(MpmError::Conflict {
                        tag: "55".into(),
                        position: tip_node.map_or(0, |n| n.position),
                        reason: reason_missing,
                    });
                }
                (false, Some(fee)) => {
                    return Err(MpmError::Conflict {
                        tag: tag_of("", fee_id),
                        position: fee.position,
                        reason: reason_stray,
                    });
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// A Merchant-Presented Mode payload: every data object in payload order,
/// the CRC (63) last.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Payload {
    objects: Vec<DataObject>,
}

impl Payload {
    /// Parses and checks a payload: structure, CRC, then every EMVCo rule.
    pub fn parse(payload: &str) -> Result<Self, MpmError> {
        if payload.is_empty() {
            return Err(MpmError::Empty);
        }
        let length = payload.chars().count();
        if length > MAX_PAYLOAD_CHARS {
            return Err(MpmError::PayloadTooLong {
                length,
                max: MAX_PAYLOAD_CHARS,
            });
        }
        let nodes = parse_nodes(payload, 0, Level::Root, "")?;
        // Non-empty input parsed without error has at least one node.
        if let Some(first) = nodes.first().filter(|n| n.id != 0) {
            return Err(MpmError::FormatIndicatorNotFirst {
                found: tag_of("", first.id),
            });
        }
        let crc_index = nodes
            .iter()
            .position(|n| n.id == 63)
            .ok_or(MpmError::Missing {
                tag: "63".into(),
                position: None,
            })?;
        let crc_node = &nodes[crc_index];
        if crc_index != nodes.len() - 1 {
            return Err(MpmError::CrcNotLast {
                position: crc_node.position,
            });
        }
        let found = crc_node.text().unwrap_or_default();
        check_text(
            Level::Root,
            63,
            &Check {
                tag: "63",
                position: crc_node.position,
                value: found,
            },
        )?;
        // The CRC value is the last four (ASCII) characters of the payload.
        let covered = &payload.as_bytes()[..payload.len() - 4];
        let computed = crc::checksum(covered);
        if u16::from_str_radix(found, 16).ok() != Some(computed) {
            return Err(MpmError::CrcMismatch {
                position: crc_node.position,
                found: found.to_owned(),
                computed: format!("{computed:04X}"),
            });
        }
        validate(&nodes, Level::Root, "", None)?;
        Ok(Self {
            objects: nodes.iter().map(Node::to_object).collect(),
        })
    }

    /// Builds a payload from data objects in the given order (a CRC object
    /// among them is dropped), appends the CRC, and checks the result as
    /// [`Payload::parse`] does: positions in errors are in the payload being
    /// built.
    pub fn from_objects(objects: &[DataObject]) -> Result<Self, MpmError> {
        let mut out = String::new();
        let mut position = 0;
        for object in objects.iter().filter(|o| o.id != 63) {
            check_lengths(object, "", position)?;
            object.write(&mut out);
            position += 4 + object.value_chars();
        }
        out.push_str("6304");
        let crc = crc::checksum_hex(out.as_bytes());
        out.push_str(&crc);
        Self::parse(&out)
    }

    /// The data objects, in payload order, the CRC last.
    pub fn objects(&self) -> &[DataObject] {
        &self.objects
    }

    /// The first data object `id` at the top level.
    pub fn get(&self, id: u8) -> Option<&DataObject> {
        self.objects.iter().find(|o| o.id == id)
    }

    /// The CRC as written in the payload.
    pub fn crc(&self) -> &str {
        self.get(63)
            .and_then(DataObject::as_text)
            .unwrap_or_default()
    }

    /// Every data object with its EMVCo name, nested templates and unknown
    /// tags included, as JSON (what `yenpay qr decode` prints).
    pub fn describe(&self) -> Json {
        describe_level(&self.objects, Level::Root, None)
    }
}

/// Checks that every value fits its two-digit length before writing it.
fn check_lengths(object: &DataObject, path: &str, position: usize) -> Result<(), MpmError> {
    let tag = tag_of(path, object.id);
    if object.id > 99 {
        return Err(MpmError::BadId {
            parent: if path.is_empty() {
                "root".into()
            } else {
                format!("tag {path}")
            },
            position,
            found: object.id.to_string(),
        });
    }
    let length = object.value_chars();
    if length > MAX_VALUE_CHARS {
        return Err(MpmError::ValueTooLong {
            tag,
            position,
            length,
            max: MAX_VALUE_CHARS,
        });
    }
    if let Value::Template(children) = &object.value {
        let mut child_position = position + 4;
        for child in children {
            check_lengths(child, &tag, child_position)?;
            child_position += 4 + child.value_chars();
        }
    }
    Ok(())
}

impl fmt::Display for Payload {
    /// The payload exactly as parsed (or built): same objects, same order.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        self.objects.iter().for_each(|o| o.write(&mut out));
        f.write_str(&out)
    }
}

fn name(level: Level, id: u8, guid: Option<&str>) -> &'static str {
    let yenpay = guid == Some(YENPAY_GUID);
    match (level, id) {
        (Level::Root, 0) => "Payload Format Indicator",
        (Level::Root, 1) => "Point of Initiation Method",
        (Level::Root, 2..=3) => "Merchant Account Information (Visa)",
        (Level::Root, 4..=5) => "Merchant Account Information (Mastercard)",
        (Level::Root, 6..=8) => "Merchant Account Information (EMVCo)",
        (Level::Root, 9..=10) => "Merchant Account Information (Discover)",
        (Level::Root, 11..=12) => "Merchant Account Information (Amex)",
        (Level::Root, 13..=14) => "Merchant Account Information (JCB)",
        (Level::Root, 15..=16) => "Merchant Account Information (UnionPay)",
        (Level::Root, 17..=25) => "Merchant Account Information (reserved by EMVCo)",
        (Level::Root, 26..=51) if yenpay => "Merchant Account Information (yenpay)",
        (Level::Root, 26..=51) => "Merchant Account Information (template)",
        (Level::Root, 52) => "Merchant Category Code",
        (Level::Root, 53) => "Transaction Currency",
        (Level::Root, 54) => "Transaction Amount",
        (Level::Root, 55) => "Tip or Convenience Indicator",
        (Level::Root, 56) => "Value of Convenience Fee Fixed",
        (Level::Root, 57) => "Value of Convenience Fee Percentage",
        (Level::Root, 58) => "Country Code",
        (Level::Root, 59) => "Merchant Name",
        (Level::Root, 60) => "Merchant City",
        (Level::Root, 61) => "Postal Code",
        (Level::Root, 62) => "Additional Data Field Template",
        (Level::Root, 63) => "CRC",
        (Level::Root, 64) => "Merchant Information - Language Template",
        (Level::Root, 80..=99) if yenpay => "Unreserved Template (yenpay deployment)",
        (Level::Root, 80..=99) => "Unreserved Template",
        (Level::Root, _) => "RFU for EMVCo",
        (Level::MerchantAccount | Level::AdditionalScheme | Level::Unreserved, 0) => {
            "Globally Unique Identifier"
        }
        (Level::MerchantAccount, 1) if yenpay => "yenpay Chain ID",
        (Level::MerchantAccount, 2) if yenpay => "yenpay Merchant Address",
        (Level::Unreserved, 1) if yenpay => "yenpay Package Address",
        (Level::MerchantAccount | Level::AdditionalScheme, _) => "Payment network specific",
        (Level::Unreserved, _) => "Context specific",
        (Level::AdditionalData, 1) => "Bill Number",
        (Level::AdditionalData, 2) => "Mobile Number",
        (Level::AdditionalData, 3) => "Store Label",
        (Level::AdditionalData, 4) => "Loyalty Number",
        (Level::AdditionalData, 5) => "Reference Label",
        (Level::AdditionalData, 6) => "Customer Label",
        (Level::AdditionalData, 7) => "Terminal Label",
        (Level::AdditionalData, 8) => "Purpose of Transaction",
        (Level::AdditionalData, 9) => "Additional Consumer Data Request",
        (Level::AdditionalData, 10) => "Merchant Tax ID",
        (Level::AdditionalData, 11) => "Merchant Channel",
        (Level::AdditionalData, 50..=99) => "Payment System specific template",
        (Level::AdditionalData, _) => "RFU for EMVCo",
        (Level::Language, 0) => "Language Preference",
        (Level::Language, 1) => "Merchant Name - Alternate Language",
        (Level::Language, 2) => "Merchant City - Alternate Language",
        (Level::Language, _) => "RFU for EMVCo",
    }
}

fn describe_level(objects: &[DataObject], level: Level, guid: Option<&str>) -> Json {
    Json::Array(
        objects
            .iter()
            .map(|o| {
                let id = format!("{:02}", o.id);
                match &o.value {
                    Value::Text(t) => json!({
                        "id": id,
                        "name": name(level, o.id, guid),
                        "length": o.value_chars(),
                        "value": t,
                    }),
                    Value::Template(children) => {
                        let child_level = level.child_template(o.id).unwrap_or(Level::Unreserved);
                        let child_guid = o.child_text(0);
                        json!({
                            "id": id,
                            "name": name(level, o.id, child_guid),
                            "length": o.value_chars(),
                            "template": describe_level(children, child_level, child_guid),
                        })
                    }
                }
            })
            .collect(),
    )
}
