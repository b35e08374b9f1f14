//! The transactional outbox: webhook deliveries are rows written in the same
//! DB transaction as the state change they announce, so an event is
//! delivered if and only if its change committed, also across a crash. One
//! row per (event, endpoint); the dispatcher ([`crate::webhook`]) works the
//! rows off.
use crate::AppState;
use crate::store::{Db, merchants};
use serde_json::{Value, json};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};

/// A delivery row.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// `<event id>:<endpoint id>`.
    pub delivery_id: String,
    /// The event's id, the same for every endpoint.
    pub event_id: String,
    /// Where to.
    pub endpoint_id: String,
    /// Whose.
    pub merchant_id: String,
    /// `PAYMENT_COMPLETED`, ...
    pub event_type: String,
    /// The JSON body, exactly as signed and sent.
    pub body: String,
    /// `PENDING`, `DELIVERED`, `DEAD`, or `CANCELED` (its endpoint was deleted).
    pub status: String,
    /// Attempts made.
    pub attempts: i64,
    /// Due at, Unix seconds.
    pub next_attempt_at: i64,
    /// Last failure.
    pub last_error: Option<String>,
    /// Event time, Unix seconds.
    pub created_at: i64,
    /// When delivered.
    pub delivered_at: Option<i64>,
}

const COLUMNS: &str = "delivery_id, event_id, endpoint_id, merchant_id, event_type, body, status, attempts, \
    next_attempt_at, last_error, created_at, delivered_at";

fn delivery(row: &AnyRow) -> Result<Delivery, sqlx::Error> {
    Ok(Delivery {
        delivery_id: row.try_get("delivery_id")?,
        event_id: row.try_get("event_id")?,
        endpoint_id: row.try_get("endpoint_id")?,
        merchant_id: row.try_get("merchant_id")?,
        event_type: row.try_get("event_type")?,
        body: row.try_get("body")?,
        status: row.try_get("status")?,
        attempts: row.try_get("attempts")?,
        next_attempt_at: row.try_get("next_attempt_at")?,
        last_error: row.try_get("last_error")?,
        created_at: row.try_get("created_at")?,
        delivered_at: row.try_get("delivered_at")?,
    })
}

/// Writes the event `event_id` for every active endpoint of the merchant
/// whose owner is `merchant_address`, inside the caller's transaction.
/// `sequence` is the event's place among its payment's events (1, 2, ...):
/// deliveries may arrive out of order (retries), and a receiver orders by it.
/// Returns how many deliveries were queued (0 for a merchant that is not
/// onboarded or has no endpoint).
pub async fn enqueue(
    conn: &mut AnyConnection,
    merchant_address: &str,
    event_id: &str,
    event_type: &str,
    sequence: i64,
    data: Value,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let endpoints = merchants::endpoints_of_address(&mut *conn, merchant_address).await?;
    let body = json!({
        "id": event_id,
        "type": event_type,
        "sequence": sequence,
        "createdAt": now,
        "data": data,
    })
    .to_string();
    let mut queued = 0;
    for endpoint in endpoints {
        queued += sqlx::query(&format!(
            "INSERT INTO webhook_outbox ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, 'PENDING', 0, $7, NULL, $8, NULL) \
             ON CONFLICT DO NOTHING"
        ))
        .bind(format!("{event_id}:{}", endpoint.endpoint_id))
        .bind(event_id)
        .bind(&endpoint.endpoint_id)
        .bind(&endpoint.merchant_id)
        .bind(event_type)
        .bind(&body)
        .bind(now)
        .bind(now)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    }
    Ok(queued)
}

/// Pending deliveries due at `now`, oldest first.
pub async fn due(pool: &AnyPool, now: i64, limit: i64) -> Result<Vec<Delivery>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM webhook_outbox WHERE status = 'PENDING' AND next_attempt_at <= $1 \
         AND endpoint_id NOT IN (SELECT endpoint_id FROM webhook_endpoints WHERE paused_at IS NOT NULL) \
         ORDER BY next_attempt_at, delivery_id LIMIT $2"
    ))
    .bind(now)
    .bind(limit)
    .fetch_all(pool)
    .await?
    .iter()
    .map(delivery)
    .collect()
}

/// Takes a due delivery for `lease_secs` (so that another replica does not
/// send it at the same time): `false` if someone else took it first.
pub async fn claim(
    pool: &AnyPool,
    d: &Delivery,
    now: i64,
    lease_secs: i64,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE webhook_outbox SET next_attempt_at = $1 \
         WHERE delivery_id = $2 AND status = 'PENDING' AND next_attempt_at = $3",
    )
    .bind(now + lease_secs)
    .bind(&d.delivery_id)
    .bind(d.next_attempt_at)
    .execute(pool)
    .await?
    .rows_affected()
        == 1)
}

/// Records a successful attempt.
pub async fn delivered(pool: &AnyPool, delivery_id: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE webhook_outbox SET status = 'DELIVERED', attempts = attempts + 1, delivered_at = $1, last_error = NULL \
         WHERE delivery_id = $2",
    )
    .bind(now)
    .bind(delivery_id)
    .execute(pool)
    .await?;
    Ok(())
}

/// Why a delivery was cancelled.
pub const ENDPOINT_DELETED: &str = "endpoint deleted";

/// Deletes merchant `merchant_id`'s active endpoint `endpoint_id` and cancels
/// its pending deliveries, in one transaction, so that no retry follows a
/// delete. Returns the number of deliveries cancelled, or `None` when the
/// merchant has no such active endpoint.
///
/// # Errors
/// When the database fails; nothing changes then.
pub async fn delete_endpoint(
    db: &Db,
    merchant_id: &str,
    endpoint_id: &str,
    now: i64,
) -> Result<Option<u64>, sqlx::Error> {
    let mut tx = db.begin().await?;
    if !merchants::disable_endpoint(&mut tx, merchant_id, endpoint_id, now).await? {
        tx.rollback().await?;
        return Ok(None);
    }
    let cancelled = cancel_for_endpoint(&mut tx, endpoint_id).await?;
    tx.commit().await?;
    Ok(Some(cancelled))
}

/// Cancels the pending deliveries to `endpoint_id` (deleted in the caller's
/// transaction): they are kept, as `CANCELED`, for the merchant's history.
async fn cancel_for_endpoint(
    conn: &mut AnyConnection,
    endpoint_id: &str,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE webhook_outbox SET status = 'CANCELED', last_error = $1 \
         WHERE endpoint_id = $2 AND status = 'PENDING'",
    )
    .bind(ENDPOINT_DELETED)
    .bind(endpoint_id)
    .execute(conn)
    .await?
    .rows_affected())
}

/// Cancels one pending delivery whose endpoint is gone (the dispatcher found
/// it so: queued by a follower that read the endpoint just before its deletion).
pub async fn cancelled(pool: &AnyPool, delivery_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE webhook_outbox SET status = 'CANCELED', last_error = $1 \
         WHERE delivery_id = $2 AND status = 'PENDING'",
    )
    .bind(ENDPOINT_DELETED)
    .bind(delivery_id)
    .execute(pool)
    .await?;
    Ok(())
}

/// Records a failed attempt: retry at `next_attempt_at`, or dead-letter when `None`.
/// Only a pending row changes: one cancelled while its attempt was in flight stays cancelled.
pub async fn failed(
    pool: &AnyPool,
    delivery_id: &str,
    error: &str,
    next_attempt_at: Option<i64>,
) -> Result<(), sqlx::Error> {
    let status = if next_attempt_at.is_some() {
        "PENDING"
    } else {
        "DEAD"
    };
    sqlx::query(
        "UPDATE webhook_outbox SET status = $1, attempts = attempts + 1, last_error = $2, \
         next_attempt_at = COALESCE($3, next_attempt_at) WHERE delivery_id = $4 AND status = 'PENDING'",
    )
    .bind(status)
    .bind(error)
    .bind(next_attempt_at)
    .bind(delivery_id)
    .execute(pool)
    .await?;
    Ok(())
}

/// A merchant's deliveries, newest first.
pub async fn deliveries_of(
    pool: &AnyPool,
    merchant_id: &str,
    status: Option<&str>,
) -> Result<Vec<Delivery>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM webhook_outbox WHERE merchant_id = $1 AND ($2 = '' OR status = $2) \
         ORDER BY created_at DESC, delivery_id DESC LIMIT 100"
    ))
    .bind(merchant_id)
    .bind(status.unwrap_or_default())
    .fetch_all(pool)
    .await?
    .iter()
    .map(delivery)
    .collect()
}

/// One delivery.
pub async fn by_id(pool: &AnyPool, delivery_id: &str) -> Result<Option<Delivery>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM webhook_outbox WHERE delivery_id = $1"
    ))
    .bind(delivery_id)
    .fetch_optional(pool)
    .await?
    .as_ref()
    .map(delivery)
    .transpose()
}

/// Queues a merchant's delivery again, due now; `None` if it is not theirs
/// or its endpoint was deleted (it could only fail until it died).
pub async fn redeliver(
    pool: &AnyPool,
    merchant_id: &str,
    delivery_id: &str,
    now: i64,
) -> Result<Option<Delivery>, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE webhook_outbox SET status = 'PENDING', next_attempt_at = $1, created_at = $1 \
         WHERE delivery_id = $2 AND merchant_id = $3 AND endpoint_id IN \
         (SELECT endpoint_id FROM webhook_endpoints WHERE disabled_at IS NULL)",
    )
    .bind(now)
    .bind(delivery_id)
    .bind(merchant_id)
    .execute(pool)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(None);
    }
    by_id(pool, delivery_id).await
}

/// Deliveries by status, for the chain audit's report.
pub async fn counts_by_status(
    pool: &AnyPool,
) -> Result<std::collections::BTreeMap<String, i64>, sqlx::Error> {
    let rows = sqlx::query("SELECT status, COUNT(*) AS n FROM webhook_outbox GROUP BY status")
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("status")?, row.try_get("n")?)))
        .collect()
}

/// Updates the outbox gauges.
pub async fn refresh_gauges(state: &AppState) {
    let counts = sqlx::query(
        "SELECT status, COUNT(*) AS n FROM webhook_outbox WHERE status IN ('PENDING', 'DEAD') GROUP BY status",
    )
    .fetch_all(&state.db.pool)
    .await;
    match counts {
        Ok(rows) => {
            let (mut pending, mut dead) = (0, 0);
            for row in rows {
                let status: String = row.try_get("status").unwrap_or_default();
                let n: i64 = row.try_get("n").unwrap_or_default();
                match status.as_str() {
                    "PENDING" => pending = n,
                    _ => dead = n,
                }
            }
            state.metrics.outbox_depth.set(pending);
            state.metrics.outbox_dead.set(dead);
        }
        Err(error) => tracing::warn!(%error, "counting the outbox"),
    }
}
