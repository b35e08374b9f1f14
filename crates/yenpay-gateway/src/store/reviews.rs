//! Compliance reviews (`compliance::review`): the one owner of the
//! `compliance_reviews` rows. A review is written with its hold code's row
//! and leaves `OPEN` once, by [`decide`]'s conditional update, so two
//! analysts (or an analyst and the deadline) on two replicas cannot both
//! act on one hold.
use sqlx::{AnyConnection, Executor};

stored_enum!(
    /// Where a review is.
    ReviewStatus, "review status" {
        /// Waiting for an analyst (or the deadline).
        Open = "OPEN",
        /// An analyst released it: the whole hold captured for the merchant.
        Released = "RELEASED",
        /// An analyst rejected it: the hold voided back to the customer.
        Rejected = "REJECTED",
        /// The deadline passed: the gateway voided the hold.
        Voided = "VOIDED",
        /// The deadline passed with nothing held: the code never taken, or
        /// the hold closed without the gateway.
        Lapsed = "LAPSED",
    }
);

/// A review as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Review {
    /// `rv_` and 24 hex digits of its hold's id.
    pub review_id: String,
    /// The hold the payment became.
    pub hold_id: String,
    /// Merchant owner address.
    pub merchant_address: String,
    /// The code's order reference (also the hold's reference).
    pub order_ref: String,
    /// The screened payer, `0x`-hex.
    pub payer: String,
    /// Yen.
    pub amount: i64,
    /// Screening's reason code.
    pub reason_code: String,
    /// Where it is.
    #[sqlx(try_from = "String")]
    pub status: ReviewStatus,
    /// The hold's `capture_before`: the gateway voids it from then on.
    pub deadline: i64,
    /// Written, Unix seconds.
    pub created_at: i64,
    /// `analyst:<id>` or `gateway` (the deadline).
    pub decided_by: Option<String>,
    /// Unix seconds.
    pub decided_at: Option<i64>,
    /// The capture's or void's transaction.
    pub tx_hash: Option<String>,
    /// Why the last attempt failed (the review stays open).
    pub failure: Option<String>,
    /// The account the hold code names as its reviewer, `0x`-hex: the one
    /// that captures it on chain (the gateway's operator when it began).
    pub reviewer: Option<String>,
}

const COLUMNS: &str = "review_id, hold_id, merchant_address, order_ref, payer, amount, reason_code, \
    status, deadline, created_at, decided_by, decided_at, tx_hash, failure, reviewer";

/// The review id of a hold.
pub fn review_id(hold_id: &str) -> String {
    format!("rv_{}", hold_id.trim_start_matches("h_"))
}

/// Writes an open review (nothing if the hold has one).
pub async fn insert(conn: &mut AnyConnection, r: &Review) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(&format!(
        "INSERT INTO compliance_reviews ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, \
         NULL, NULL, NULL, NULL, $11) ON CONFLICT DO NOTHING"
    ))
    .bind(&r.review_id)
    .bind(&r.hold_id)
    .bind(&r.merchant_address)
    .bind(&r.order_ref)
    .bind(&r.payer)
    .bind(r.amount)
    .bind(&r.reason_code)
    .bind(r.status.as_str())
    .bind(r.deadline)
    .bind(r.created_at)
    .bind(&r.reviewer)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A review by its id.
pub async fn by_id<'e, E: Executor<'e, Database = sqlx::Any>>(
    executor: E,
    review_id: &str,
) -> Result<Option<Review>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM compliance_reviews WHERE review_id = $1"
    ))
    .bind(review_id)
    .fetch_optional(executor)
    .await
}

/// The review of a hold, if it is one.
pub async fn by_hold<'e, E: Executor<'e, Database = sqlx::Any>>(
    executor: E,
    hold_id: &str,
) -> Result<Option<Review>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM compliance_reviews WHERE hold_id = $1"
    ))
    .bind(hold_id)
    .fetch_optional(executor)
    .await
}

/// Reviews in `status` (all when `None`), oldest first.
pub async fn list<'e, E: Executor<'e, Database = sqlx::Any>>(
    executor: E,
    status: Option<ReviewStatus>,
    limit: i64,
) -> Result<Vec<Review>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM compliance_reviews WHERE ($1 = '' OR status = $1) \
         ORDER BY created_at, review_id LIMIT $2"
    ))
    .bind(status.map_or("", ReviewStatus::as_str))
    .bind(limit)
    .fetch_all(executor)
    .await
}

/// Open reviews whose deadline is at or before `now`.
pub async fn due<'e, E: Executor<'e, Database = sqlx::Any>>(
    executor: E,
    now: i64,
    limit: i64,
) -> Result<Vec<Review>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM compliance_reviews WHERE status = 'OPEN' AND deadline <= $1 \
         ORDER BY deadline LIMIT $2"
    ))
    .bind(now)
    .bind(limit)
    .fetch_all(executor)
    .await
}

/// Moves an open review to `to`, by `by` at `now`; false when it was not
/// open (someone decided first).
pub async fn decide(
    conn: &mut AnyConnection,
    review_id: &str,
    to: ReviewStatus,
    by: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE compliance_reviews SET status = $1, decided_by = $2, decided_at = $3, failure = NULL \
         WHERE review_id = $4 AND status = 'OPEN'",
    )
    .bind(to.as_str())
    .bind(by)
    .bind(now)
    .bind(review_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records the decision's transaction.
pub async fn decided_in<'e, E: Executor<'e, Database = sqlx::Any>>(
    executor: E,
    review_id: &str,
    tx_hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE compliance_reviews SET tx_hash = $1 WHERE review_id = $2")
        .bind(tx_hash)
        .bind(review_id)
        .execute(executor)
        .await?;
    Ok(())
}

/// Opens a review again after its decision's transaction definitely did
/// not happen, saying why.
pub async fn reopen<'e, E: Executor<'e, Database = sqlx::Any>>(
    executor: E,
    review_id: &str,
    failure: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE compliance_reviews SET status = 'OPEN', decided_by = NULL, decided_at = NULL, \
         failure = $1 WHERE review_id = $2",
    )
    .bind(failure)
    .bind(review_id)
    .execute(executor)
    .await?;
    Ok(())
}
