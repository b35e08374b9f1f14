//! A page of committed transactions as the follower needs it: each
//! transaction's version, time and outcome, and only the events that may be
//! the package's.
//!
//! Following a busy chain means reading every transaction on it, and ours
//! are a small share: the node's JSON is decoded into borrowed structs that
//! skip what the follower never reads (payloads, write sets, signatures)
//! without building a tree of it, and an event's data is decoded only when
//! the address in its type is the package's (or it has no readable type:
//! fail closed, it might be ours). Other packages' events are not ours to
//! judge, so nothing of theirs can stop the follower.
use aptos_sdk::types::AccountAddress;
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;
use std::borrow::Cow;

/// A page of committed transactions, in the order the source gave them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    /// Its transactions.
    pub transactions: Vec<Transaction>,
    /// The chain ids the source stated for it (a stream states one per
    /// response; the REST source none: the follower reads the node's with
    /// the head). The follower checks each against its chain.
    pub chain_ids: Vec<u64>,
    /// `Some` when the source was asked to filter: the versions it states
    /// it looked at, in order (inclusive ranges), and `transactions` are
    /// only those that matched. `None`: every version, consecutive.
    pub ranges: Option<Vec<(u64, u64)>>,
}

/// One committed transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct Transaction {
    /// Its version.
    pub version: u64,
    /// Its block's time, microseconds (0 when the source gave none).
    pub timestamp_us: u64,
    /// Whether it was executed successfully (a failed one emits no events of ours).
    pub success: bool,
    /// Its hash; kept only when it has events of the package.
    pub hash: String,
    /// Its events that may be the package's.
    pub events: Vec<PackageEvent>,
}

/// An event that may be the package's.
#[derive(Debug, Clone, PartialEq)]
pub struct PackageEvent {
    /// Its index among all the transaction's events.
    pub index: u64,
    /// Its full type (`None`: none readable).
    pub type_tag: Option<String>,
    /// Its fields (`None`: none given).
    pub data: Option<Value>,
}

/// Why a page does not decode.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// Not a JSON array of transactions, or a transaction without a version.
    #[error("the page is not the node's transactions: {0}")]
    Json(#[from] serde_json::Error),
    /// A version that is not a number.
    #[error("a transaction's version is not a number: {0}")]
    Version(String),
}

/// The package's address, and how the node writes it in a type.
#[derive(Debug, Clone)]
pub struct PackageFilter {
    package: AccountAddress,
    /// `0x` and its 64 digits.
    long: String,
}

impl PackageFilter {
    /// Events of `package`.
    pub fn new(package: AccountAddress) -> Self {
        Self {
            package,
            long: package.to_long_string(),
        }
    }

    /// The package's address.
    pub fn address(&self) -> AccountAddress {
        self.package
    }

    /// Whether an event of type `type_tag` may be the package's: the address
    /// before its first `::` is the package's.
    pub fn matches(&self, type_tag: &str) -> bool {
        let address = type_tag.split("::").next().unwrap_or_default();
        // The node writes a package address in full (`0x` and 64 digits):
        // compared as text, the common case needs no parsing.
        if address.len() == 66 && address.starts_with("0x") {
            return address.eq_ignore_ascii_case(&self.long);
        }
        AccountAddress::from_hex(address).is_ok_and(|address| address == self.package)
    }
}

#[derive(Deserialize)]
struct RawTransaction<'a> {
    #[serde(borrow)]
    version: Cow<'a, str>,
    #[serde(default, borrow)]
    hash: Option<&'a RawValue>,
    #[serde(default, borrow)]
    timestamp: Option<&'a RawValue>,
    #[serde(default, borrow)]
    success: Option<&'a RawValue>,
    #[serde(default, borrow)]
    events: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct RawEvent<'a> {
    #[serde(rename = "type", default, borrow)]
    type_tag: Option<&'a RawValue>,
    #[serde(default, borrow)]
    data: Option<&'a RawValue>,
}

/// A JSON string's text; `None` for anything else.
fn text(raw: Option<&RawValue>) -> Option<Cow<'_, str>> {
    let raw = raw?.get();
    if !raw.starts_with('"') {
        return None;
    }
    serde_json::from_str::<Cow<'_, str>>(raw).ok()
}

impl Page {
    /// Whether it holds no transaction and states no range looked at.
    pub fn is_empty(&self) -> bool {
        self.transactions.is_empty() && self.ranges.as_ref().is_none_or(Vec::is_empty)
    }

    /// Decodes a page of the node's REST API (`GET /v1/transactions`), keeping
    /// the events `filter` matches.
    ///
    /// # Errors
    /// [`PageError`] when it is not an array of transactions with versions.
    pub fn from_json(json: &[u8], filter: &PackageFilter) -> Result<Self, PageError> {
        let raw: Vec<RawTransaction<'_>> = serde_json::from_slice(json)?;
        let mut transactions = Vec::with_capacity(raw.len());
        for transaction in raw {
            transactions.push(Transaction::from_raw(transaction, filter)?);
        }
        Ok(Self {
            transactions,
            ..Self::default()
        })
    }

    /// [`Page::from_json`] of transactions already parsed (tests, the audit).
    ///
    /// # Errors
    /// As [`Page::from_json`].
    pub fn from_values(values: &[Value], filter: &PackageFilter) -> Result<Self, PageError> {
        let json = serde_json::to_vec(values)?;
        Self::from_json(&json, filter)
    }

    /// The versions of its transactions, in order.
    pub fn versions(&self) -> impl Iterator<Item = u64> + '_ {
        self.transactions.iter().map(|t| t.version)
    }
}

impl Transaction {
    /// The events of a transaction that may be the package's, from their
    /// types and JSON data (a stream's, already split), as [`Page::from_json`]
    /// keeps them: only a successful transaction's, only those `filter`
    /// matches or without a type.
    ///
    /// # Errors
    /// [`PageError::Json`] when a kept event's data is not JSON.
    pub fn package_events<'a>(
        success: bool,
        events: impl IntoIterator<Item = (Option<&'a str>, Option<&'a str>)>,
        filter: &PackageFilter,
    ) -> Result<Vec<PackageEvent>, PageError> {
        let mut kept = Vec::new();
        if !success {
            return Ok(kept);
        }
        for (index, (type_tag, data)) in events.into_iter().enumerate() {
            if type_tag.is_some_and(|t| !filter.matches(t)) {
                continue;
            }
            let data = data.map(serde_json::from_str).transpose()?;
            kept.push(PackageEvent {
                index: index as u64,
                type_tag: type_tag.map(str::to_owned),
                data,
            });
        }
        Ok(kept)
    }

    fn from_raw(raw: RawTransaction<'_>, filter: &PackageFilter) -> Result<Self, PageError> {
        let version = raw
            .version
            .parse()
            .map_err(|_| PageError::Version(raw.version.chars().take(40).collect()))?;
        let timestamp_us = text(raw.timestamp)
            .and_then(|t| t.parse().ok())
            .unwrap_or(0);
        let success = raw.success.is_some_and(|s| s.get() == "true");
        let mut events = Vec::new();
        // A failed transaction's events (its fee) are never ours to apply.
        if success && let Some(list) = raw.events {
            // Not an array: no events, as the node never sends.
            let list: Vec<RawEvent<'_>> = serde_json::from_str(list.get()).unwrap_or_default();
            for (index, event) in list.into_iter().enumerate() {
                let type_tag = text(event.type_tag);
                if type_tag.as_deref().is_some_and(|t| !filter.matches(t)) {
                    continue;
                }
                let data = event
                    .data
                    .map(|raw| serde_json::from_str(raw.get()))
                    .transpose()?;
                events.push(PackageEvent {
                    index: index as u64,
                    type_tag: type_tag.map(Cow::into_owned),
                    data,
                });
            }
        }
        let hash = if events.is_empty() {
            String::new()
        } else {
            text(raw.hash).map(Cow::into_owned).unwrap_or_default()
        };
        Ok(Self {
            version,
            timestamp_us,
            success,
            hash,
            events,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PACKAGE: &str = "0x9777e26669fcafad3ed4354d0a4172a2fc109899615aa0d326495859e55aefdf";

    fn filter() -> PackageFilter {
        PackageFilter::new(AccountAddress::from_hex(PACKAGE).unwrap())
    }

    #[test]
    fn keeps_the_package_events_and_their_index_only() {
        let page = json!([{
            "version": "7", "hash": "0xab", "timestamp": "1000", "success": true,
            "payload": {"function": format!("{PACKAGE}::invoice::pay")},
            "changes": [{"type": "write_resource", "data": {"deep": [1, 2, {"x": "y"}]}}],
            "events": [
                {"type": "0x1::fungible_asset::Withdraw", "data": {"amount": "1"}},
                {"type": format!("{}::invoice::InvoicePaid", PACKAGE.to_uppercase().replace("0X", "0x")), "data": {"amount": "5"}},
                {"data": {"no": "type"}},
                {"type": 17, "data": {}},
                {"type": "0x2::other::Event", "data": "not an object"},
                {"type": format!("{PACKAGE}::invoice::Other")},
            ],
        }, {
            "version": "8", "hash": "0xcd", "timestamp": "2000", "success": false,
            "events": [{"type": format!("{PACKAGE}::invoice::InvoicePaid"), "data": {}}],
        }]);
        let page = Page::from_json(page.to_string().as_bytes(), &filter()).unwrap();
        let [paid, failed] = &page.transactions[..] else {
            panic!("two transactions: {page:?}");
        };
        assert_eq!(
            (paid.version, paid.timestamp_us, paid.success),
            (7, 1000, true)
        );
        assert_eq!(paid.hash, "0xab");
        let kept: Vec<(u64, bool, bool)> = paid
            .events
            .iter()
            .map(|e| (e.index, e.type_tag.is_some(), e.data.is_some()))
            .collect();
        // The package's (any case), the typeless and the unreadable type
        // (they might be ours), and the package's without data; not 0x1's or 0x2's.
        assert_eq!(
            kept,
            [
                (1, true, true),
                (2, false, true),
                (3, false, true),
                (5, true, false)
            ]
        );
        assert_eq!(paid.events[0].data, Some(json!({"amount": "5"})));
        assert_eq!((failed.version, failed.success), (8, false));
        assert!(failed.events.is_empty() && failed.hash.is_empty());
    }

    #[test]
    fn a_short_or_odd_address_is_compared_as_an_address() {
        let f = filter();
        assert!(f.matches(&format!("{PACKAGE}::invoice::InvoicePaid")));
        assert!(f.matches(&format!(
            "{}::m::E",
            PACKAGE.replace("0x9", "0x09").replacen("0x0", "0x", 1)
        )));
        assert!(!f.matches("0x1::coin::Deposit"));
        assert!(!f.matches("vector<u8>"));
        let one = PackageFilter::new(AccountAddress::ONE);
        assert!(one.matches("0x1::coin::Deposit"));
        assert!(one.matches(&format!("0x{:064x}::coin::Deposit", 1)));
    }

    #[test]
    fn a_page_without_versions_does_not_decode() {
        for bad in [
            json!({"version": "1"}),
            json!([{"hash": "0x1"}]),
            json!([{"version": "x1"}]),
        ] {
            assert!(
                Page::from_json(bad.to_string().as_bytes(), &filter()).is_err(),
                "{bad}"
            );
        }
    }
}
