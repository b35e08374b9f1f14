//! Compliance rows: screening verdicts (`screening_verdicts`), customer
//! tiers (`customer_tiers`) and what customers' sponsored payments took per
//! Japan day and month (`customer_usage`). The decisions are made in
//! `crate::compliance`; this module only reads and writes.
use crate::store::Db;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};
use utoipa::ToSchema;

/// A screening to record.
#[derive(Debug, Clone)]
pub struct NewScreening<'a> {
    /// `SPONSOR`, `PAYMENT`, `REFUND` or `HOLD` (a capture or void).
    pub context: &'a str,
    /// The code id (sponsoring), the chain event's id (a payment), or
    /// `<merchant address>:<merchantRefundId>` (a refund).
    pub reference: &'a str,
    /// The address screened.
    pub subject: &'a str,
    /// The merchant concerned.
    pub merchant_address: &'a str,
    /// The payment's order reference, when known.
    pub order_ref: Option<&'a str>,
    /// Yen.
    pub amount: i64,
    /// The merchant's category code (`""` when the merchant is not onboarded).
    pub mcc: &'a str,
}

/// A verdict's outcome, as stored.
#[derive(Debug, Clone)]
pub struct Outcome<'a> {
    /// `ALLOW`, `DENY` or `REVIEW`.
    pub verdict: &'a str,
    /// Why: `LIST_MATCH`, `PROVIDER_UNAVAILABLE`, the HTTP provider's code, ...
    pub reason_code: &'a str,
    /// The list line's comment or the provider's explanation.
    pub detail: Option<&'a str>,
    /// `list`, `http`, or both joined by `+`.
    pub provider: &'a str,
}

/// A verdict row.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    /// `scr_...`.
    pub verdict_id: String,
    /// `SPONSOR`, `PAYMENT`, `REFUND` or `HOLD`.
    pub context: String,
    /// What was screened for (code id, event id, refund).
    pub reference: String,
    /// The address screened.
    pub subject: String,
    /// The merchant concerned.
    pub merchant_address: String,
    /// The payment's order reference.
    pub order_ref: Option<String>,
    /// Yen.
    pub amount: i64,
    /// The merchant's category code.
    pub mcc: String,
    /// `PENDING` (a payment not screened yet) or `DONE`.
    pub state: String,
    /// `ALLOW`, `DENY`, `REVIEW`.
    pub verdict: Option<String>,
    /// Why.
    pub reason_code: Option<String>,
    /// More.
    pub detail: Option<String>,
    /// Which providers answered.
    pub provider: Option<String>,
    /// How many times this screening ran (repeats of one request count here).
    pub screened_count: i64,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub screened_at: Option<i64>,
}

const COLUMNS: &str = "verdict_id, context, reference, subject, merchant_address, order_ref, amount, mcc, \
    state, verdict, reason_code, detail, provider, screened_count, created_at, screened_at";

fn verdict(row: &AnyRow) -> Result<Verdict, sqlx::Error> {
    Ok(Verdict {
        verdict_id: row.try_get("verdict_id")?,
        context: row.try_get("context")?,
        reference: row.try_get("reference")?,
        subject: row.try_get("subject")?,
        merchant_address: row.try_get("merchant_address")?,
        order_ref: row.try_get("order_ref")?,
        amount: row.try_get("amount")?,
        mcc: row.try_get("mcc")?,
        state: row.try_get("state")?,
        verdict: row.try_get("verdict")?,
        reason_code: row.try_get("reason_code")?,
        detail: row.try_get("detail")?,
        provider: row.try_get("provider")?,
        screened_count: row.try_get("screened_count")?,
        created_at: row.try_get("created_at")?,
        screened_at: row.try_get("screened_at")?,
    })
}

/// Records a screening done now, inside the caller's transaction: a new
/// row, or the existing row of the same (context, reference, subject)
/// updated and counted. Returns the row's id and whether the verdict is new
/// or changed (what the audit log records; a plain repeat is only counted).
///
/// # Errors
/// When the database fails.
pub async fn record_screened(
    conn: &mut AnyConnection,
    new: &NewScreening<'_>,
    outcome: &Outcome<'_>,
    now: i64,
) -> Result<(String, bool), sqlx::Error> {
    let id = format!("scr_{}", crate::crypto::random_hex(12));
    let inserted = sqlx::query(&format!(
        "INSERT INTO screening_verdicts ({COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'DONE', $9, $10, $11, $12, 1, $13, $13) \
         ON CONFLICT (context, reference, subject) DO NOTHING"
    ))
    .bind(&id)
    .bind(new.context)
    .bind(new.reference)
    .bind(new.subject)
    .bind(new.merchant_address)
    .bind(new.order_ref)
    .bind(new.amount)
    .bind(new.mcc)
    .bind(outcome.verdict)
    .bind(outcome.reason_code)
    .bind(outcome.detail)
    .bind(outcome.provider)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if inserted == 1 {
        return Ok((id, true));
    }
    let row = sqlx::query(
        "SELECT verdict_id, verdict, reason_code FROM screening_verdicts \
         WHERE context = $1 AND reference = $2 AND subject = $3",
    )
    .bind(new.context)
    .bind(new.reference)
    .bind(new.subject)
    .fetch_one(&mut *conn)
    .await?;
    let id: String = row.try_get("verdict_id")?;
    let before: (Option<String>, Option<String>) =
        (row.try_get("verdict")?, row.try_get("reason_code")?);
    let changed = before.0.as_deref() != Some(outcome.verdict)
        || before.1.as_deref() != Some(outcome.reason_code);
    sqlx::query(
        "UPDATE screening_verdicts SET state = 'DONE', verdict = $1, reason_code = $2, detail = $3, \
         provider = $4, screened_count = screened_count + 1, screened_at = $5 WHERE verdict_id = $6",
    )
    .bind(outcome.verdict)
    .bind(outcome.reason_code)
    .bind(outcome.detail)
    .bind(outcome.provider)
    .bind(now)
    .bind(&id)
    .execute(&mut *conn)
    .await?;
    Ok((id, changed))
}

/// Queues a payment's screening (state `PENDING`), inside the follower's
/// transaction; a page applied twice queues it once.
///
/// # Errors
/// When the database fails.
pub async fn queue(
    conn: &mut AnyConnection,
    new: &NewScreening<'_>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "INSERT INTO screening_verdicts ({COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'PENDING', NULL, NULL, NULL, NULL, 0, $9, NULL) \
         ON CONFLICT (context, reference, subject) DO NOTHING"
    ))
    .bind(format!("scr_{}", crate::crypto::random_hex(12)))
    .bind(new.context)
    .bind(new.reference)
    .bind(new.subject)
    .bind(new.merchant_address)
    .bind(new.order_ref)
    .bind(new.amount)
    .bind(new.mcc)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Pending screenings, oldest first.
///
/// # Errors
/// When the database fails.
pub async fn pending(pool: &AnyPool, limit: i64) -> Result<Vec<Verdict>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM screening_verdicts WHERE state = 'PENDING' \
         ORDER BY created_at, verdict_id LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(pool)
    .await?
    .iter()
    .map(verdict)
    .collect()
}

/// Fills in a pending screening's verdict (and its merchant's category), inside the caller's transaction;
/// `false` when it was no longer pending (another worker did it).
///
/// # Errors
/// When the database fails.
pub async fn complete(
    conn: &mut AnyConnection,
    verdict_id: &str,
    mcc: &str,
    outcome: &Outcome<'_>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE screening_verdicts SET state = 'DONE', verdict = $1, reason_code = $2, detail = $3, \
         provider = $4, screened_count = screened_count + 1, screened_at = $5, mcc = $7 \
         WHERE verdict_id = $6 AND state = 'PENDING'",
    )
    .bind(outcome.verdict)
    .bind(outcome.reason_code)
    .bind(outcome.detail)
    .bind(outcome.provider)
    .bind(now)
    .bind(verdict_id)
    .bind(mcc)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1)
}

/// The latest verdicts, newest first, of one address or of all.
///
/// # Errors
/// When the database fails.
pub async fn latest(
    pool: &AnyPool,
    subject: Option<&str>,
    limit: i64,
) -> Result<Vec<Verdict>, sqlx::Error> {
    let rows = match subject {
        Some(subject) => {
            sqlx::query(&format!(
                "SELECT {COLUMNS} FROM screening_verdicts WHERE subject = $1 \
                 ORDER BY created_at DESC, verdict_id LIMIT $2"
            ))
            .bind(subject)
            .bind(limit)
            .fetch_all(pool)
            .await?
        }
        None => sqlx::query(&format!(
            "SELECT {COLUMNS} FROM screening_verdicts ORDER BY created_at DESC, verdict_id LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(pool)
        .await?,
    };
    rows.iter().map(verdict).collect()
}

/// A customer's tier, `None` when the operator never set one.
///
/// # Errors
/// When the database fails.
pub async fn tier(pool: &AnyPool, address: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT tier FROM customer_tiers WHERE address = $1")
        .bind(address)
        .fetch_optional(pool)
        .await
}

/// Sets a customer's tier inside the caller's transaction; returns the
/// tier it had (`None`: never set).
///
/// # Errors
/// When the database fails.
pub async fn set_tier(
    conn: &mut AnyConnection,
    address: &str,
    tier: &str,
    now: i64,
) -> Result<Option<String>, sqlx::Error> {
    let before: Option<String> =
        sqlx::query_scalar("SELECT tier FROM customer_tiers WHERE address = $1")
            .bind(address)
            .fetch_optional(&mut *conn)
            .await?;
    sqlx::query(
        "INSERT INTO customer_tiers (address, tier, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (address) DO UPDATE SET tier = excluded.tier, updated_at = excluded.updated_at",
    )
    .bind(address)
    .bind(tier)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(before)
}

/// One period a customer's payments count against.
#[derive(Debug, Clone)]
pub struct Period<'a> {
    /// `day` or `month`.
    pub period: &'static str,
    /// The Japan date (`2026-12-01`) or month (`2026-12`).
    pub key: &'a str,
    /// Yen allowed in it.
    pub limit: u64,
}

/// Reserves `yen` in every period, or none and names the first period whose
/// limit it would pass (`Ok(Err(period))`). One conditional `UPDATE` per
/// period in one transaction: of two replicas taking the last yen, one gets it.
///
/// # Errors
/// When the database fails.
pub async fn reserve_usage(
    db: &Db,
    address: &str,
    yen: u64,
    periods: &[Period<'_>],
) -> Result<Result<(), &'static str>, sqlx::Error> {
    let yen = i64::try_from(yen).unwrap_or(i64::MAX);
    let mut tx = db.begin().await?;
    for period in periods {
        sqlx::query(
            "INSERT INTO customer_usage (address, period, period_key, yen) VALUES ($1, $2, $3, 0) \
             ON CONFLICT DO NOTHING",
        )
        .bind(address)
        .bind(period.period)
        .bind(period.key)
        .execute(&mut *tx)
        .await?;
        let reserved = sqlx::query(
            "UPDATE customer_usage SET yen = yen + $1 \
             WHERE address = $2 AND period = $3 AND period_key = $4 AND yen + $1 <= $5",
        )
        .bind(yen)
        .bind(address)
        .bind(period.period)
        .bind(period.key)
        .bind(i64::try_from(period.limit).unwrap_or(i64::MAX))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if reserved == 0 {
            tx.rollback().await?;
            return Ok(Err(period.period));
        }
    }
    tx.commit().await?;
    Ok(Ok(()))
}

/// Returns `yen` reserved in `periods` (the payment did not happen).
///
/// # Errors
/// When the database fails.
pub async fn release_usage(
    pool: &AnyPool,
    address: &str,
    yen: u64,
    periods: &[Period<'_>],
) -> Result<(), sqlx::Error> {
    let yen = i64::try_from(yen).unwrap_or(i64::MAX);
    for period in periods {
        sqlx::query(
            "UPDATE customer_usage SET yen = yen - $1 WHERE address = $2 AND period = $3 AND period_key = $4",
        )
        .bind(yen)
        .bind(address)
        .bind(period.period)
        .bind(period.key)
        .execute(pool)
        .await?;
    }
    Ok(())
}

/// Yen used in a period (0 when nothing was).
///
/// # Errors
/// When the database fails.
pub async fn used(
    pool: &AnyPool,
    address: &str,
    period: &str,
    key: &str,
) -> Result<i64, sqlx::Error> {
    Ok(sqlx::query_scalar(
        "SELECT yen FROM customer_usage WHERE address = $1 AND period = $2 AND period_key = $3",
    )
    .bind(address)
    .bind(period)
    .bind(key)
    .fetch_optional(pool)
    .await?
    .unwrap_or(0))
}

/// Forgets days before `day_key` and months before `month_key`.
///
/// # Errors
/// When the database fails.
pub async fn purge_usage(
    pool: &AnyPool,
    day_key: &str,
    month_key: &str,
) -> Result<u64, sqlx::Error> {
    let days = sqlx::query("DELETE FROM customer_usage WHERE period = 'day' AND period_key < $1")
        .bind(day_key)
        .execute(pool)
        .await?
        .rows_affected();
    let months =
        sqlx::query("DELETE FROM customer_usage WHERE period = 'month' AND period_key < $1")
            .bind(month_key)
            .execute(pool)
            .await?
            .rows_affected();
    Ok(days + months)
}

/// Records a payment refused for `address`'s limits (`code`, such as
/// `CUSTOMER_LIMIT_DAILY`): a new row, or the same payer, code and limit
/// counted again.
///
/// # Errors
/// When the database fails.
pub async fn record_limit_refusal(
    pool: &AnyPool,
    address: &str,
    code_id: &str,
    code: &str,
    merchant_address: &str,
    amount: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO limit_refusals (address, code_id, code, merchant_address, amount, refused_count, first_at, last_at) \
         VALUES ($1, $2, $3, $4, $5, 1, $6, $6) \
         ON CONFLICT (address, code_id, code) DO UPDATE SET \
         refused_count = limit_refusals.refused_count + 1, last_at = excluded.last_at",
    )
    .bind(address)
    .bind(code_id)
    .bind(code)
    .bind(merchant_address)
    .bind(amount)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

/// A limit refusal row.
#[derive(Debug, Clone)]
pub struct LimitRefusal {
    /// The payer.
    pub address: String,
    /// The code it tried to pay.
    pub code_id: String,
    /// `CUSTOMER_LIMIT_PER_TRANSACTION`, `_DAILY`, `_MONTHLY`.
    pub code: String,
    /// The merchant.
    pub merchant_address: String,
    /// Yen.
    pub amount: i64,
    /// How often.
    pub refused_count: i64,
    /// Unix seconds.
    pub first_at: i64,
    /// Unix seconds.
    pub last_at: i64,
}

/// Limit refusals last seen in `[from, to)`, oldest first.
///
/// # Errors
/// When the database fails.
pub async fn limit_refusals(
    pool: &AnyPool,
    from: i64,
    to: i64,
) -> Result<Vec<LimitRefusal>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT address, code_id, code, merchant_address, amount, refused_count, first_at, last_at \
         FROM limit_refusals WHERE last_at >= $1 AND last_at < $2 ORDER BY last_at, address, code_id",
    )
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(LimitRefusal {
                address: r.try_get("address")?,
                code_id: r.try_get("code_id")?,
                code: r.try_get("code")?,
                merchant_address: r.try_get("merchant_address")?,
                amount: r.try_get("amount")?,
                refused_count: r.try_get("refused_count")?,
                first_at: r.try_get("first_at")?,
                last_at: r.try_get("last_at")?,
            })
        })
        .collect()
}

/// Verdicts screened in `[from, to)` with one of `verdicts` (`DENY`,
/// `REVIEW`, `ALLOW`), oldest first.
///
/// # Errors
/// When the database fails.
pub async fn screened_between(
    pool: &AnyPool,
    from: i64,
    to: i64,
    verdicts: &[&str],
) -> Result<Vec<Verdict>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM screening_verdicts WHERE state = 'DONE' \
         AND screened_at >= $1 AND screened_at < $2 ORDER BY screened_at, verdict_id"
    ))
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .iter()
        .map(verdict)
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .filter(|v| v.verdict.as_deref().is_some_and(|d| verdicts.contains(&d)))
        .collect())
}

/// The payments the follower saw from `subject` (context `PAYMENT`)
/// before `before` (Unix seconds), oldest first.
///
/// # Errors
/// When the database fails.
pub async fn payments_from(
    pool: &AnyPool,
    subject: &str,
    before: i64,
) -> Result<Vec<Verdict>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM screening_verdicts WHERE context = 'PAYMENT' AND subject = $1 \
         AND created_at < $2 ORDER BY created_at, verdict_id"
    ))
    .bind(subject)
    .bind(before)
    .fetch_all(pool)
    .await?;
    rows.iter().map(verdict).collect()
}

/// One settled event of a day's reconciliation.
#[derive(Debug, Clone)]
pub struct DayEvent {
    /// `InvoicePaid`, `MerchantPaid`, `InvoiceRefunded`, `HoldAuthorized`.
    pub event_type: String,
    /// The merchant.
    pub merchant_address: String,
    /// The event's data, JSON.
    pub data: String,
}

/// The events of every merchant in `[start, end)` (Unix seconds, block
/// time) that the reconciliation report sums.
///
/// # Errors
/// When the database fails.
pub async fn day_events(
    pool: &AnyPool,
    start: i64,
    end: i64,
) -> Result<Vec<DayEvent>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT event_type, merchant_address, data FROM chain_events \
         WHERE merchant_address IS NOT NULL AND tx_timestamp >= $1 AND tx_timestamp < $2 \
         AND event_type IN ('InvoicePaid', 'MerchantPaid', 'InvoiceRefunded', 'HoldAuthorized') \
         ORDER BY version, event_index",
    )
    .bind(start * 1_000_000)
    .bind(end * 1_000_000)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(DayEvent {
                event_type: r.try_get("event_type")?,
                merchant_address: r.try_get("merchant_address")?,
                data: r.try_get("data")?,
            })
        })
        .collect()
}

/// Deletes up to `limit` screening verdicts made before `cutoff` (Unix
/// seconds), oldest first, never one still `PENDING` (a payment not yet
/// screened); returns how many.
///
/// # Errors
/// When the database fails.
pub async fn purge_verdicts_before(
    pool: &AnyPool,
    cutoff: i64,
    limit: i64,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "DELETE FROM screening_verdicts WHERE verdict_id IN \
         (SELECT verdict_id FROM screening_verdicts WHERE created_at < $1 AND state <> 'PENDING' \
          ORDER BY created_at LIMIT $2)",
    )
    .bind(cutoff)
    .bind(limit)
    .execute(pool)
    .await?
    .rows_affected())
}

/// Deletes up to `limit` limit refusals last counted before `cutoff`,
/// oldest first; returns how many.
///
/// # Errors
/// When the database fails.
pub async fn purge_limit_refusals_before(
    pool: &AnyPool,
    cutoff: i64,
    limit: i64,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "DELETE FROM limit_refusals WHERE (address, code_id, code) IN \
         (SELECT address, code_id, code FROM limit_refusals WHERE last_at < $1 \
          ORDER BY last_at LIMIT $2)",
    )
    .bind(cutoff)
    .bind(limit)
    .execute(pool)
    .await?
    .rows_affected())
}
