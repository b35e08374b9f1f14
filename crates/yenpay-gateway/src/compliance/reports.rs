//! The operator's reports: the daily reconciliation per merchant (a Japan
//! day of payments, refunds, fees, holds and net, as the chain recorded
//! them) and the suspicious-activity export (screening denies and reviews,
//! limit refusals, payments from addresses denied later). Both as CSV and
//! JSON, from the admin routes (`api::compliance`) and the binary's
//! `--report-reconciliation` and `--report-suspicious`.
use crate::store::compliance as rows;
use serde::Serialize;
use serde_json::Value;
use sqlx::AnyPool;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Japan Standard Time: the report's day boundary (midnight in Tokyo is
/// 15:00 UTC).
pub const JST_OFFSET_SECS: i64 = 9 * 3600;

/// `YYYY-MM-DD` as the Japan day's `[start, end)` in Unix seconds.
pub fn jst_day(date: &str) -> Option<(i64, i64)> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let day = time::Date::parse(date, &format).ok()?;
    let start = day.midnight().assume_utc().unix_timestamp() - JST_OFFSET_SECS;
    Some((start, start + 86_400))
}

/// A CSV field (RFC 4180): quoted when it holds a comma, a quote or a line
/// break, quotes doubled; a leading `=`, `+`, `-` or `@` is prefixed with `'`
/// so that a spreadsheet does not run it as a formula, unless it is a plain
/// integer (a negative net stays a number).
pub fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@']) && value.parse::<i64>().is_err() {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// A header line and one line per row, each field through [`csv_field`].
pub fn csv(header: &[&str], lines: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut out = header.join(",");
    out.push('\n');
    for line in lines {
        let fields: Vec<String> = line.iter().map(|f| csv_field(f)).collect();
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

/// One merchant's Japan day.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MerchantDay {
    /// The merchant's owner address.
    pub merchant_address: String,
    /// Payments (signed codes, customer-presented, static).
    pub payments: i64,
    /// Their yen.
    pub gross: i64,
    /// Their fees.
    pub fees: i64,
    /// Refunds.
    pub refunds: i64,
    /// Their yen.
    pub refunded: i64,
    /// Fees the treasury returned with them.
    pub fees_returned: i64,
    /// Holds authorized (0 until the follower records hold events).
    pub holds: i64,
    /// What the payout account kept: gross - fees - (refunded - fees_returned).
    pub net: i64,
}

fn number(data: &Value, field: &str) -> i64 {
    data.get(field)
        .and_then(|v| {
            v.as_str()
                .and_then(|s| s.parse().ok())
                .or_else(|| v.as_i64())
        })
        .unwrap_or(0)
}

/// Every merchant with activity on the Japan day `[start, end)`, by address.
///
/// # Errors
/// When the database fails.
pub async fn reconciliation(
    pool: &AnyPool,
    start: i64,
    end: i64,
) -> Result<Vec<MerchantDay>, sqlx::Error> {
    let mut days: BTreeMap<String, MerchantDay> = BTreeMap::new();
    for event in rows::day_events(pool, start, end).await? {
        let data: Value = serde_json::from_str(&event.data).unwrap_or(Value::Null);
        let day = days
            .entry(event.merchant_address.clone())
            .or_insert_with(|| MerchantDay {
                merchant_address: event.merchant_address.clone(),
                ..MerchantDay::default()
            });
        let amount = number(&data, "amount");
        match event.event_type.as_str() {
            "InvoiceRefunded" => {
                day.refunds += 1;
                day.refunded += amount;
                day.fees_returned += number(&data, "fee_returned");
            }
            "HoldAuthorized" => day.holds += 1,
            _ => {
                day.payments += 1;
                day.gross += amount;
                day.fees += number(&data, "fee");
            }
        }
    }
    Ok(days
        .into_values()
        .map(|mut d| {
            d.net = d.gross - d.fees - (d.refunded - d.fees_returned);
            d
        })
        .collect())
}

/// The reconciliation's CSV columns.
pub const RECONCILIATION_HEADER: &[&str] = &[
    "date",
    "merchant_address",
    "payments",
    "gross",
    "fees",
    "refunds",
    "refunded",
    "fees_returned",
    "holds",
    "net",
];

/// The reconciliation of `date` as CSV.
pub fn reconciliation_csv(date: &str, days: &[MerchantDay]) -> String {
    csv(
        RECONCILIATION_HEADER,
        days.iter().map(|d| {
            vec![
                date.to_owned(),
                d.merchant_address.clone(),
                d.payments.to_string(),
                d.gross.to_string(),
                d.fees.to_string(),
                d.refunds.to_string(),
                d.refunded.to_string(),
                d.fees_returned.to_string(),
                d.holds.to_string(),
                d.net.to_string(),
            ]
        }),
    )
}

/// One line of the suspicious-activity export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Suspicious {
    /// `SCREENING_DENY`, `SCREENING_REVIEW`, `LIMIT_REFUSAL`,
    /// `PAYMENT_FROM_DENIED_ADDRESS`.
    pub kind: String,
    /// When (Unix seconds): the screening, the last refusal, or the deny
    /// that made an earlier payment suspicious.
    pub at: i64,
    /// The address.
    pub subject: String,
    /// The merchant.
    pub merchant_address: String,
    /// `SPONSOR`, `PAYMENT`, `REFUND` (screenings and payments), `SPONSOR` (limits).
    pub context: String,
    /// The code id, chain event id or refund concerned.
    pub reference: String,
    /// Yen.
    pub amount: i64,
    /// The reason code, or the limit's refusal code.
    pub code: String,
    /// The verdict's id (`scr_...`), the payment's verdict for a payment
    /// from an address denied later.
    pub verdict_id: Option<String>,
    /// How many times (limit refusals; 1 otherwise).
    pub count: i64,
}

/// What the operator should look at from `[from, to)`: verdicts that
/// denied or sent to review, limit refusals, and payments the follower saw
/// from an address before a deny of it in the window. Oldest first.
///
/// # Errors
/// When the database fails.
pub async fn suspicious(
    pool: &AnyPool,
    from: i64,
    to: i64,
) -> Result<Vec<Suspicious>, sqlx::Error> {
    let mut out = Vec::new();
    let flagged = rows::screened_between(pool, from, to, &["DENY", "REVIEW"]).await?;
    let mut first_deny: BTreeMap<String, i64> = BTreeMap::new();
    for v in &flagged {
        let at = v.screened_at.unwrap_or(v.created_at);
        let verdict = v.verdict.as_deref().unwrap_or_default();
        if verdict == "DENY" {
            first_deny.entry(v.subject.clone()).or_insert(at);
        }
        out.push(Suspicious {
            kind: format!("SCREENING_{verdict}"),
            at,
            subject: v.subject.clone(),
            merchant_address: v.merchant_address.clone(),
            context: v.context.clone(),
            reference: v.reference.clone(),
            amount: v.amount,
            code: v.reason_code.clone().unwrap_or_default(),
            verdict_id: Some(v.verdict_id.clone()),
            count: v.screened_count,
        });
    }
    for r in rows::limit_refusals(pool, from, to).await? {
        out.push(Suspicious {
            kind: "LIMIT_REFUSAL".to_owned(),
            at: r.last_at,
            subject: r.address,
            merchant_address: r.merchant_address,
            context: "SPONSOR".to_owned(),
            reference: r.code_id,
            amount: r.amount,
            code: r.code,
            verdict_id: None,
            count: r.refused_count,
        });
    }
    for (subject, denied_at) in first_deny {
        for p in rows::payments_from(pool, &subject, denied_at).await? {
            if p.verdict.as_deref() == Some("DENY") {
                continue; // already listed as a deny
            }
            out.push(Suspicious {
                kind: "PAYMENT_FROM_DENIED_ADDRESS".to_owned(),
                at: denied_at,
                subject: p.subject,
                merchant_address: p.merchant_address,
                context: p.context,
                reference: p.reference,
                amount: p.amount,
                code: "DENIED_LATER".to_owned(),
                verdict_id: Some(p.verdict_id),
                count: 1,
            });
        }
    }
    out.sort_by(|a, b| (a.at, &a.kind, &a.reference).cmp(&(b.at, &b.kind, &b.reference)));
    Ok(out)
}

/// The suspicious-activity export's CSV columns.
pub const SUSPICIOUS_HEADER: &[&str] = &[
    "kind",
    "at",
    "subject",
    "merchant_address",
    "context",
    "reference",
    "amount",
    "code",
    "verdict_id",
    "count",
];

/// The export as CSV.
pub fn suspicious_csv(lines: &[Suspicious]) -> String {
    csv(
        SUSPICIOUS_HEADER,
        lines.iter().map(|s| {
            vec![
                s.kind.clone(),
                s.at.to_string(),
                s.subject.clone(),
                s.merchant_address.clone(),
                s.context.clone(),
                s.reference.clone(),
                s.amount.to_string(),
                s.code.clone(),
                s.verdict_id.clone().unwrap_or_default(),
                s.count.to_string(),
            ]
        }),
    )
}
