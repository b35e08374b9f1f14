//! Tax refunds at departure (issue 29, part 2): the refund agent's recorded
//! confirmations (`tax_refund_confirmations`) and the follower's copy of the
//! tax-free purchases (`tax_free_purchases`). The one owner of both tables.
//!
//! A confirmation moves `RECORDED` → `SUBMITTED` (a batch claimed it, one
//! row at a time with a conditional update, so of two replicas paying at
//! once each row goes to one) → `PAID` or `REFUSED`; or back to `RECORDED`
//! when the chain definitely did not take the batch. A claim whose outcome
//! is unknown stays `SUBMITTED` until its transaction can no longer commit
//! (`claimed_until`); the next batch then takes it over and reads the
//! purchase on chain before sending anything (`api::tax_refunds`).
use sqlx::{AnyConnection, AnyPool, Executor};

stored_enum!(
    /// Where a recorded confirmation is.
    ConfirmationStatus, "tax refund confirmation status" {
        /// Recorded, waiting for a batch.
        Recorded = "RECORDED",
        /// Claimed by a batch (until `claimed_until`), possibly sent.
        Submitted = "SUBMITTED",
        /// The chain paid the tax back.
        Paid = "PAID",
        /// The chain would not pay it (`reason`).
        Refused = "REFUSED",
    }
);

/// How long a batch holds the confirmations it claimed before another may
/// take them over: the transaction's lifetime (the client's 120 s) and a
/// margin for the node's clock. An unknown outcome extends it to the
/// transaction's own expiration plus [`TAKEOVER_MARGIN_SECS`].
pub const CLAIM_LEASE_SECS: i64 = 180;

/// Past a transaction's expiration, how long before its claims may be taken over.
pub const TAKEOVER_MARGIN_SECS: i64 = 30;

/// A confirmation as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Confirmation {
    /// `trc_` and 24 hex digits.
    pub confirmation_id: String,
    /// The merchant's owner address, `0x`-hex.
    pub merchant_address: String,
    /// The purchase's order reference.
    pub order_ref: String,
    /// When the purchase was paid (chain seconds): which purchase of the key.
    pub purchase_paid_at: i64,
    /// The traveller's wallet.
    pub traveller: String,
    /// The agent's public key, hex.
    pub agent_public_key: String,
    /// The agent's signature of the attestation, hex.
    pub signature: String,
    /// Where it is.
    #[sqlx(try_from = "String")]
    pub status: ConfirmationStatus,
    /// Why it was refused.
    pub reason: Option<String>,
    /// Yen: expected when recorded, paid once paid.
    pub amount: Option<i64>,
    /// The batch that holds it.
    pub claim_token: Option<String>,
    /// Until when.
    pub claimed_until: Option<i64>,
    /// The paying (or in-flight) transaction.
    pub tx_hash: Option<String>,
    /// Its version, once committed.
    pub version: Option<i64>,
    /// When the tax was paid back, chain seconds.
    pub paid_at: Option<i64>,
    /// The last batch's failure, when it went back to `RECORDED`.
    pub last_error: Option<String>,
    /// Recorded at, Unix seconds.
    pub created_at: i64,
    /// Last change, Unix seconds.
    pub updated_at: i64,
}

const COLUMNS: &str = "confirmation_id, merchant_address, order_ref, purchase_paid_at, traveller, \
    agent_public_key, signature, status, reason, amount, claim_token, claimed_until, tx_hash, version, \
    paid_at, last_error, created_at, updated_at";

/// A confirmation to record.
#[derive(Debug, Clone)]
pub struct NewConfirmation<'a> {
    /// Merchant, `0x`-hex.
    pub merchant_address: &'a str,
    /// Order reference.
    pub order_ref: &'a str,
    /// The purchase's time, chain seconds.
    pub purchase_paid_at: i64,
    /// Traveller, `0x`-hex.
    pub traveller: &'a str,
    /// Hex.
    pub agent_public_key: &'a str,
    /// Hex.
    pub signature: &'a str,
    /// What a claim would pay now.
    pub amount: i64,
}

/// What recording did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// A new record (or a refused one replaced by a new attestation).
    New(Confirmation),
    /// The same attestation was recorded before: that record.
    Existing(Confirmation),
    /// Another attestation is recorded for this purchase (and not refused).
    Conflict(Confirmation),
}

/// The confirmation of one purchase.
///
/// # Errors
/// A database error.
pub async fn of_purchase<'e, E: Executor<'e, Database = sqlx::Any>>(
    executor: E,
    merchant: &str,
    order_ref: &str,
    purchase_paid_at: i64,
) -> Result<Option<Confirmation>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM tax_refund_confirmations \
         WHERE merchant_address = $1 AND order_ref = $2 AND purchase_paid_at = $3"
    ))
    .bind(merchant)
    .bind(order_ref)
    .bind(purchase_paid_at)
    .fetch_optional(executor)
    .await
}

/// One confirmation by id.
///
/// # Errors
/// A database error.
pub async fn by_id<'e, E: Executor<'e, Database = sqlx::Any>>(
    executor: E,
    confirmation_id: &str,
) -> Result<Option<Confirmation>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM tax_refund_confirmations WHERE confirmation_id = $1"
    ))
    .bind(confirmation_id)
    .fetch_optional(executor)
    .await
}

/// Records `new` inside the caller's transaction: once per purchase. The
/// same attestation again answers the existing record; a different one is
/// a [`Recorded::Conflict`] unless the recorded one was refused (a rotated
/// agent key, say), which it then replaces.
///
/// # Errors
/// A database error.
pub async fn record(
    conn: &mut AnyConnection,
    new: &NewConfirmation<'_>,
    now: i64,
) -> Result<Recorded, sqlx::Error> {
    let id = format!("trc_{}", crate::crypto::random_hex(12));
    let inserted = sqlx::query(
        "INSERT INTO tax_refund_confirmations (confirmation_id, merchant_address, order_ref, purchase_paid_at, \
         traveller, agent_public_key, signature, status, amount, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'RECORDED', $8, $9, $9) ON CONFLICT DO NOTHING",
    )
    .bind(&id)
    .bind(new.merchant_address)
    .bind(new.order_ref)
    .bind(new.purchase_paid_at)
    .bind(new.traveller)
    .bind(new.agent_public_key)
    .bind(new.signature)
    .bind(new.amount)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let existing = of_purchase(
        &mut *conn,
        new.merchant_address,
        new.order_ref,
        new.purchase_paid_at,
    )
    .await?
    .ok_or(sqlx::Error::RowNotFound)?;
    if inserted == 1 {
        return Ok(Recorded::New(existing));
    }
    let same = existing.traveller == new.traveller
        && existing.agent_public_key == new.agent_public_key
        && existing.signature == new.signature;
    if same {
        return Ok(Recorded::Existing(existing));
    }
    if existing.status != ConfirmationStatus::Refused {
        return Ok(Recorded::Conflict(existing));
    }
    sqlx::query(
        "UPDATE tax_refund_confirmations SET traveller = $1, agent_public_key = $2, signature = $3, \
         status = 'RECORDED', reason = NULL, amount = $4, claim_token = NULL, claimed_until = NULL, \
         tx_hash = NULL, last_error = NULL, updated_at = $5 WHERE confirmation_id = $6 AND status = 'REFUSED'",
    )
    .bind(new.traveller)
    .bind(new.agent_public_key)
    .bind(new.signature)
    .bind(new.amount)
    .bind(now)
    .bind(&existing.confirmation_id)
    .execute(&mut *conn)
    .await?;
    Ok(Recorded::New(
        by_id(&mut *conn, &existing.confirmation_id)
            .await?
            .ok_or(sqlx::Error::RowNotFound)?,
    ))
}

/// Confirmations a batch may take now, oldest first: recorded ones, and
/// submitted ones whose claim lapsed.
///
/// # Errors
/// A database error.
pub async fn pending(pool: &AnyPool, now: i64, limit: i64) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT confirmation_id FROM tax_refund_confirmations \
         WHERE status = 'RECORDED' OR (status = 'SUBMITTED' AND claimed_until < $1) \
         ORDER BY created_at, confirmation_id LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Claims `confirmation_id` for the batch `token` until `until`: true if it
/// was recorded, or submitted under a claim that lapsed before `now`. One
/// conditional update, so of two batches claiming it at once one wins.
///
/// # Errors
/// A database error.
pub async fn claim(
    pool: &AnyPool,
    confirmation_id: &str,
    token: &str,
    now: i64,
    until: i64,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE tax_refund_confirmations SET status = 'SUBMITTED', claim_token = $1, claimed_until = $2, \
         updated_at = $3 WHERE confirmation_id = $4 \
         AND (status = 'RECORDED' OR (status = 'SUBMITTED' AND claimed_until < $3))",
    )
    .bind(token)
    .bind(until)
    .bind(now)
    .bind(confirmation_id)
    .execute(pool)
    .await?
    .rows_affected()
        == 1)
}

/// The chain paid it: `PAID` with the transaction (if the batch `token`
/// still holds it; the follower may have marked it first, with the event's
/// figures, which stand).
///
/// # Errors
/// A database error.
pub async fn paid(
    conn: &mut AnyConnection,
    confirmation_id: &str,
    token: &str,
    amount: i64,
    tx: Option<(&str, i64)>,
    paid_at: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE tax_refund_confirmations SET status = 'PAID', amount = $1, tx_hash = COALESCE($2, tx_hash), \
         version = COALESCE($3, version), paid_at = $4, claim_token = NULL, claimed_until = NULL, \
         last_error = NULL, updated_at = $5 \
         WHERE confirmation_id = $6 AND claim_token = $7 AND status = 'SUBMITTED'",
    )
    .bind(amount)
    .bind(tx.map(|(hash, _)| hash))
    .bind(tx.map(|(_, version)| version))
    .bind(paid_at)
    .bind(now)
    .bind(confirmation_id)
    .bind(token)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// The chain would not pay it: `REFUSED` with `reason`.
///
/// # Errors
/// A database error.
pub async fn refused(
    conn: &mut AnyConnection,
    confirmation_id: &str,
    token: &str,
    reason: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE tax_refund_confirmations SET status = 'REFUSED', reason = $1, claim_token = NULL, \
         claimed_until = NULL, updated_at = $2 \
         WHERE confirmation_id = $3 AND claim_token = $4 AND status = 'SUBMITTED'",
    )
    .bind(reason)
    .bind(now)
    .bind(confirmation_id)
    .bind(token)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// Nothing was sent, or the chain definitely refused the batch: the batch
/// `token`'s confirmations are `RECORDED` again, with `error`.
///
/// # Errors
/// A database error.
pub async fn release(
    pool: &AnyPool,
    token: &str,
    error: &str,
    now: i64,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE tax_refund_confirmations SET status = 'RECORDED', claim_token = NULL, claimed_until = NULL, \
         tx_hash = NULL, last_error = $1, updated_at = $2 WHERE claim_token = $3 AND status = 'SUBMITTED'",
    )
    .bind(error)
    .bind(now)
    .bind(token)
    .execute(pool)
    .await?
    .rows_affected())
}

/// Gives one confirmation the batch `token` claimed back, unsent (it is
/// for another batch: one transaction takes one agent key).
///
/// # Errors
/// A database error.
pub async fn unclaim(
    pool: &AnyPool,
    confirmation_id: &str,
    token: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE tax_refund_confirmations SET status = 'RECORDED', claim_token = NULL, claimed_until = NULL, \
         updated_at = $1 WHERE confirmation_id = $2 AND claim_token = $3 AND status = 'SUBMITTED'",
    )
    .bind(now)
    .bind(confirmation_id)
    .bind(token)
    .execute(pool)
    .await?;
    Ok(())
}

/// The batch `token`'s transaction `hash` has an unknown outcome: its
/// confirmations stay `SUBMITTED` until it can no longer commit.
///
/// # Errors
/// A database error.
pub async fn in_doubt(
    pool: &AnyPool,
    token: &str,
    hash: &str,
    until: i64,
    error: &str,
    now: i64,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE tax_refund_confirmations SET tx_hash = $1, claimed_until = $2, last_error = $3, updated_at = $4 \
         WHERE claim_token = $5 AND status = 'SUBMITTED'",
    )
    .bind(hash)
    .bind(until)
    .bind(error)
    .bind(now)
    .bind(token)
    .execute(pool)
    .await?
    .rows_affected())
}

/// Confirmations with `status` (all when `None`), newest first, at most `limit`.
///
/// # Errors
/// A database error.
pub async fn list(
    pool: &AnyPool,
    status: Option<ConfirmationStatus>,
    limit: i64,
) -> Result<Vec<Confirmation>, sqlx::Error> {
    let order = "ORDER BY created_at DESC, confirmation_id";
    match status {
        Some(status) => {
            sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM tax_refund_confirmations WHERE status = $1 {order} LIMIT $2"
            ))
            .bind(status.as_str())
            .bind(limit)
            .fetch_all(pool)
            .await
        }
        None => {
            sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM tax_refund_confirmations {order} LIMIT $1"
            ))
            .bind(limit)
            .fetch_all(pool)
            .await
        }
    }
}

/// A tax-free purchase as the follower recorded it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredPurchase {
    /// Merchant, `0x`-hex.
    pub merchant_address: String,
    /// Order reference.
    pub order_ref: String,
    /// Who paid.
    pub payer: String,
    /// Yen, tax included.
    pub amount: i64,
    /// Tax at 10%.
    pub standard_tax: i64,
    /// Tax at 8%.
    pub reduced_tax: i64,
    /// 1 when eligible.
    pub tax_free: i64,
    /// Chain seconds.
    pub paid_at: i64,
    /// The recording transaction's version.
    pub version: i64,
    /// Yen paid back (`TaxRefunded`).
    pub refunded_amount: Option<i64>,
    /// When, chain seconds.
    pub refunded_at: Option<i64>,
    /// The merchant's refunds before it.
    pub merchant_refunded: Option<i64>,
    /// The refund's transaction.
    pub refund_tx: Option<String>,
    /// Its version.
    pub refund_version: Option<i64>,
    /// When its record was purged on chain.
    pub purged_version: Option<i64>,
}

const PURCHASE_COLUMNS: &str = "merchant_address, order_ref, payer, amount, standard_tax, reduced_tax, \
    tax_free, paid_at, version, refunded_amount, refunded_at, merchant_refunded, refund_tx, refund_version, \
    purged_version";

/// `TaxFreePurchaseRecorded`: a newer generation of the key replaces an older one.
///
/// # Errors
/// A database error.
pub async fn chain_purchase(
    conn: &mut AnyConnection,
    purchase: &StoredPurchase,
) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "INSERT INTO tax_free_purchases ({PURCHASE_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, NULL, NULL, NULL, NULL, NULL) \
         ON CONFLICT (merchant_address, order_ref) DO UPDATE SET payer = excluded.payer, amount = excluded.amount, \
         standard_tax = excluded.standard_tax, reduced_tax = excluded.reduced_tax, tax_free = excluded.tax_free, \
         paid_at = excluded.paid_at, version = excluded.version, refunded_amount = NULL, refunded_at = NULL, \
         merchant_refunded = NULL, refund_tx = NULL, refund_version = NULL, purged_version = NULL \
         WHERE tax_free_purchases.version < excluded.version"
    ))
    .bind(&purchase.merchant_address)
    .bind(&purchase.order_ref)
    .bind(&purchase.payer)
    .bind(purchase.amount)
    .bind(purchase.standard_tax)
    .bind(purchase.reduced_tax)
    .bind(purchase.tax_free)
    .bind(purchase.paid_at)
    .bind(purchase.version)
    .execute(conn)
    .await?;
    Ok(())
}

/// A `TaxRefunded` event, as the follower applies it.
#[derive(Debug, Clone)]
pub struct ChainRefund<'a> {
    /// Merchant, `0x`-hex.
    pub merchant: &'a str,
    /// Order reference.
    pub order_ref: &'a str,
    /// Yen paid back.
    pub amount: i64,
    /// The merchant's refunds before it.
    pub merchant_refunded: i64,
    /// Its transaction.
    pub hash: &'a str,
    /// Its version.
    pub version: i64,
    /// The block's time, seconds.
    pub block_secs: i64,
}

/// `TaxRefunded`: the purchase's refund, and its confirmation (if the agent
/// recorded one) `PAID` with the event's figures whatever state it was in (a
/// batch in doubt, or a claim the traveller sent). The purchase it concerns
/// is the live one: its claim window is still open at the block's time.
/// Returns the confirmation's id.
///
/// # Errors
/// A database error.
pub async fn chain_refunded(
    conn: &mut AnyConnection,
    refund: &ChainRefund<'_>,
    now: i64,
) -> Result<Option<String>, sqlx::Error> {
    let window = yenpay_types::tax_refund::CLAIM_WINDOW_SECS as i64;
    sqlx::query(
        "UPDATE tax_free_purchases SET refunded_amount = $1, refunded_at = $2, merchant_refunded = $3, \
         refund_tx = $4, refund_version = $5 WHERE merchant_address = $6 AND order_ref = $7 AND paid_at > $8",
    )
    .bind(refund.amount)
    .bind(refund.block_secs)
    .bind(refund.merchant_refunded)
    .bind(refund.hash)
    .bind(refund.version)
    .bind(refund.merchant)
    .bind(refund.order_ref)
    .bind(refund.block_secs - window)
    .execute(&mut *conn)
    .await?;
    let id: Option<String> = sqlx::query_scalar(
        "SELECT confirmation_id FROM tax_refund_confirmations \
         WHERE merchant_address = $1 AND order_ref = $2 AND purchase_paid_at > $3",
    )
    .bind(refund.merchant)
    .bind(refund.order_ref)
    .bind(refund.block_secs - window)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(id) = &id {
        sqlx::query(
            "UPDATE tax_refund_confirmations SET status = 'PAID', reason = NULL, amount = $1, tx_hash = $2, \
             version = $3, paid_at = $4, claim_token = NULL, claimed_until = NULL, updated_at = $5 \
             WHERE confirmation_id = $6",
        )
        .bind(refund.amount)
        .bind(refund.hash)
        .bind(refund.version)
        .bind(refund.block_secs)
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(id)
}

/// `PurchasePurged`: the record is gone on chain (its window closed).
///
/// # Errors
/// A database error.
pub async fn chain_purged(
    conn: &mut AnyConnection,
    merchant: &str,
    order_ref: &str,
    version: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE tax_free_purchases SET purged_version = $1 \
         WHERE merchant_address = $2 AND order_ref = $3 AND version < $1",
    )
    .bind(version)
    .bind(merchant)
    .bind(order_ref)
    .execute(conn)
    .await?;
    Ok(())
}

/// The tax-free purchases `payer` paid, newest first, at most `limit`.
///
/// # Errors
/// A database error.
pub async fn of_payer(
    pool: &AnyPool,
    payer: &str,
    limit: i64,
) -> Result<Vec<StoredPurchase>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {PURCHASE_COLUMNS} FROM tax_free_purchases WHERE payer = $1 \
         ORDER BY paid_at DESC, order_ref LIMIT $2"
    ))
    .bind(payer)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// The purchase recorded by the transaction at `version` (a tax-free code's
/// payment: `InvoicePaid` and `TaxFreePurchaseRecorded` are one transaction).
///
/// # Errors
/// A database error.
pub async fn purchase_at(
    pool: &AnyPool,
    merchant: &str,
    order_ref: &str,
    version: i64,
) -> Result<Option<StoredPurchase>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {PURCHASE_COLUMNS} FROM tax_free_purchases \
         WHERE merchant_address = $1 AND order_ref = $2 AND version = $3"
    ))
    .bind(merchant)
    .bind(order_ref)
    .bind(version)
    .fetch_optional(pool)
    .await
}
