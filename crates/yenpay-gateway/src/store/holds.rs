//! Holds (issue 27: authorize now, capture later) and the captures and voids
//! merchants ask for: the one owner of the `holds` and `hold_operations`
//! rows. The API writes a hold's row when the terminal signs its code
//! ([`reserve`]) and an operation's when it submits one
//! ([`reserve_operation`]); from then on the amounts change only through the
//! follower's transitions (`chain_*`), from the hold events, in the page's
//! transaction, so the database never counts a capture the chain did not make.
//!
//! The gateway never reuses a hold reference (`merchantPaymentId`), so
//! (merchant, reference) names one row; a hold taken outside the gateway is
//! recorded by the follower as `origin = chain`.
use sqlx::{AnyConnection, Executor};

use super::Db;
use super::payments::{CodeQuota, Origin, Tx};

stored_enum!(
    /// Where a hold is. A hold is open while `AUTHORIZED` (capturable) or
    /// `EXPIRED` with something still held (reclaimable, voidable); the
    /// other states after `CREATED` are closed, named after what closed it.
    HoldStatus, "hold status" {
        /// The code is signed; no customer has taken it yet.
        Created = "CREATED",
        /// The customer's yen are in escrow; capturable before `capture_before`.
        Authorized = "AUTHORIZED",
        /// The code lapsed untaken, or the authorization lapsed with yen
        /// still held (the customer, or anyone, may reclaim them).
        Expired = "EXPIRED",
        /// Closed with something captured.
        Captured = "CAPTURED",
        /// Closed by a void, nothing captured.
        Voided = "VOIDED",
        /// Closed by the reclaim after expiry.
        Reclaimed = "RECLAIMED",
        /// Closed by the admin's seizure (a denylisted customer).
        Seized = "SEIZED",
    }
);

stored_enum!(
    /// What a merchant asked of a hold.
    OperationKind, "hold operation" {
        /// `hold::capture`.
        Capture = "CAPTURE",
        /// `hold::void`.
        Void = "VOID",
    }
);

stored_enum!(
    /// Where an operation is.
    OperationStatus, "hold operation status" {
        /// Written, its transaction being submitted.
        Pending = "PENDING",
        /// Submitted with an unknown outcome; the follower completes it when
        /// its transaction commits.
        Submitted = "SUBMITTED",
        /// Committed.
        Completed = "COMPLETED",
        /// Refused, or never committed (`failure` says why).
        Failed = "FAILED",
    }
);

/// A hold as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Hold {
    /// Gateway id ([`hold_id`]).
    pub hold_id: String,
    /// Merchant owner address.
    pub merchant_address: String,
    /// The merchant's id for it: the hold reference on chain.
    pub merchant_payment_id: String,
    /// Who signed its code: the gateway, or someone else (seen on chain only).
    #[sqlx(try_from = "String")]
    pub origin: Origin,
    /// Where it is.
    #[sqlx(try_from = "String")]
    pub status: HoldStatus,
    /// Yen the code offers to hold (before increases).
    pub amount: i64,
    /// Yen held besides for a tip.
    pub tip_limit: i64,
    /// Capturable strictly before, Unix seconds.
    pub capture_before: i64,
    /// The code can be taken strictly before, Unix seconds.
    pub expires_at: i64,
    /// Written, Unix seconds.
    pub created_at: i64,
    /// Whose yen are held (`0x`-hex), once authorized.
    pub customer: Option<String>,
    /// Authorized for capture, increases included (0 before authorization).
    pub authorized: i64,
    /// Captured, tips excluded.
    pub captured: i64,
    /// Tips captured.
    pub tipped: i64,
    /// Back to the customer (voids, reclaim, a final capture's rest) or seized.
    pub released: i64,
    /// Fees on the captures.
    pub fee: i64,
    /// What reached the payout address.
    pub net: i64,
    /// Refunded of what was captured.
    pub refunded: i64,
    /// The authorization's transaction.
    pub authorized_tx: Option<String>,
    /// Its version.
    pub authorized_version: Option<i64>,
    /// The last event's version applied.
    pub last_version: Option<i64>,
    /// When the chain deleted the record (`HoldPurged`).
    pub purged_version: Option<i64>,
    /// Webhook events sent so far (their sequence numbers).
    pub event_sequence: i64,
}

impl Hold {
    /// What is still held in escrow (0 before authorization).
    pub fn held(&self) -> i64 {
        if self.authorized == 0 {
            return 0;
        }
        (self.authorized + self.tip_limit - self.captured - self.tipped - self.released).max(0)
    }

    /// Whether the chain could still take a capture, as far as the gateway
    /// knows at `now` (the chain decides).
    pub fn is_capturable_at(&self, now: i64) -> bool {
        self.status == HoldStatus::Authorized && now < self.capture_before && self.held() > 0
    }
}

/// The id of a merchant's hold reference.
pub fn hold_id(merchant_address: &str, merchant_payment_id: &str) -> String {
    let digest = crate::crypto::sha256_hex(
        format!("hold\n{merchant_address}\n{merchant_payment_id}").as_bytes(),
    );
    format!("h_{}", &digest[..24])
}

const COLUMNS: &str = "hold_id, merchant_address, merchant_payment_id, origin, status, amount, tip_limit, \
    capture_before, expires_at, created_at, customer, authorized, captured, tipped, released, fee, net, refunded, \
    authorized_tx, authorized_version, last_version, purged_version, event_sequence";

async fn insert(conn: &mut AnyConnection, h: &Hold) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(&format!(
        "INSERT INTO holds ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
         $15, $16, $17, $18, $19, $20, $21, $22, $23) ON CONFLICT DO NOTHING"
    ))
    .bind(&h.hold_id)
    .bind(&h.merchant_address)
    .bind(&h.merchant_payment_id)
    .bind(h.origin.as_str())
    .bind(h.status.as_str())
    .bind(h.amount)
    .bind(h.tip_limit)
    .bind(h.capture_before)
    .bind(h.expires_at)
    .bind(h.created_at)
    .bind(&h.customer)
    .bind(h.authorized)
    .bind(h.captured)
    .bind(h.tipped)
    .bind(h.released)
    .bind(h.fee)
    .bind(h.net)
    .bind(h.refunded)
    .bind(&h.authorized_tx)
    .bind(h.authorized_version)
    .bind(h.last_version)
    .bind(h.purged_version)
    .bind(h.event_sequence)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The hold of (merchant, merchant_payment_id).
pub async fn by_reference<'e, E: Executor<'e, Database = sqlx::Any>>(
    executor: E,
    merchant_address: &str,
    merchant_payment_id: &str,
) -> Result<Option<Hold>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM holds WHERE merchant_address = $1 AND merchant_payment_id = $2"
    ))
    .bind(merchant_address)
    .bind(merchant_payment_id)
    .fetch_optional(executor)
    .await
}

/// A hold by its id.
pub async fn by_id<'e, E: Executor<'e, Database = sqlx::Any>>(
    executor: E,
    hold_id: &str,
) -> Result<Option<Hold>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM holds WHERE hold_id = $1"))
        .bind(hold_id)
        .fetch_optional(executor)
        .await
}

/// A hold code the gateway is about to hand out.
#[derive(Debug, Clone)]
pub struct NewHold {
    /// Merchant owner address.
    pub merchant_address: String,
    /// The hold reference.
    pub merchant_payment_id: String,
    /// Yen to hold.
    pub amount: i64,
    /// Yen for a tip.
    pub tip_limit: i64,
    /// Capturable before, Unix seconds.
    pub capture_before: i64,
    /// The code's expiry, Unix seconds.
    pub expires_at: i64,
    /// Now.
    pub created_at: i64,
}

/// What [`reserve`] did.
#[derive(Debug)]
pub enum Reservation {
    /// The row, `CREATED`.
    Reserved(Box<Hold>),
    /// The merchant used this reference already (holds are never reused).
    ReferenceTaken,
    /// The merchant has `max_open` untaken hold codes.
    TooManyOpen,
    /// The merchant made `per_minute` hold codes in the last minute.
    TooFast,
}

/// Writes a new hold code's row (`CREATED`), unless the reference is taken
/// or the merchant is at its quota (the codes' quota, counted on hold codes).
/// The merchant's row is locked first, so replicas count the quota in turn.
pub async fn reserve(db: &Db, new: &NewHold, quota: CodeQuota) -> Result<Reservation, sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE merchants SET address = address WHERE address = $1")
        .bind(&new.merchant_address)
        .execute(&mut *tx)
        .await?;
    if by_reference(&mut *tx, &new.merchant_address, &new.merchant_payment_id)
        .await?
        .is_some()
    {
        return Ok(Reservation::ReferenceTaken);
    }
    let (open, recent): (i64, i64) = sqlx::query_as(
        "SELECT \
           CAST(COALESCE(SUM(CASE WHEN status = 'CREATED' AND expires_at > $2 THEN 1 ELSE 0 END), 0) AS BIGINT), \
           CAST(COALESCE(SUM(CASE WHEN created_at > $3 THEN 1 ELSE 0 END), 0) AS BIGINT) \
         FROM holds WHERE merchant_address = $1 AND origin = 'gateway'",
    )
    .bind(&new.merchant_address)
    .bind(new.created_at)
    .bind(new.created_at - 60)
    .fetch_one(&mut *tx)
    .await?;
    if open >= quota.max_open {
        return Ok(Reservation::TooManyOpen);
    }
    if recent >= quota.per_minute {
        return Ok(Reservation::TooFast);
    }
    let row = Hold {
        hold_id: hold_id(&new.merchant_address, &new.merchant_payment_id),
        merchant_address: new.merchant_address.clone(),
        merchant_payment_id: new.merchant_payment_id.clone(),
        origin: Origin::Gateway,
        status: HoldStatus::Created,
        amount: new.amount,
        tip_limit: new.tip_limit,
        capture_before: new.capture_before,
        expires_at: new.expires_at,
        created_at: new.created_at,
        ..blank()
    };
    if !insert(&mut tx, &row).await? {
        return Ok(Reservation::ReferenceTaken);
    }
    tx.commit().await?;
    Ok(Reservation::Reserved(Box::new(row)))
}

fn blank() -> Hold {
    Hold {
        hold_id: String::new(),
        merchant_address: String::new(),
        merchant_payment_id: String::new(),
        origin: Origin::Chain,
        status: HoldStatus::Created,
        amount: 0,
        tip_limit: 0,
        capture_before: 0,
        expires_at: 0,
        created_at: 0,
        customer: None,
        authorized: 0,
        captured: 0,
        tipped: 0,
        released: 0,
        fee: 0,
        net: 0,
        refunded: 0,
        authorized_tx: None,
        authorized_version: None,
        last_version: None,
        purged_version: None,
        event_sequence: 0,
    }
}

//
// Operations
//

/// A capture or void the merchant asked for.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Operation {
    /// Gateway id.
    pub operation_id: String,
    /// Merchant owner address.
    pub merchant_address: String,
    /// The merchant's id for it (merchantCaptureId, merchantRevertId).
    pub merchant_operation_id: String,
    /// The hold.
    pub hold_id: String,
    /// Capture or void.
    #[sqlx(try_from = "String")]
    pub kind: OperationKind,
    /// Yen captured (tip excluded) or voided.
    pub amount: i64,
    /// Tip captured.
    pub tip: i64,
    /// A final capture (the rest goes back to the customer): 1, else 0.
    pub final_capture: i64,
    /// Where it is.
    #[sqlx(try_from = "String")]
    pub status: OperationStatus,
    /// Its transaction.
    pub tx_hash: Option<String>,
    /// Its version.
    pub version: Option<i64>,
    /// Why it failed.
    pub failure: Option<String>,
    /// Requested, Unix seconds.
    pub requested_at: i64,
}

const OPERATION_COLUMNS: &str = "operation_id, merchant_address, merchant_operation_id, hold_id, kind, amount, tip, \
    final_capture, status, tx_hash, version, failure, requested_at";

/// An operation about to be submitted.
#[derive(Debug, Clone)]
pub struct NewOperation<'a> {
    /// Merchant owner address.
    pub merchant_address: &'a str,
    /// The merchant's id for it.
    pub merchant_operation_id: &'a str,
    /// The hold.
    pub hold_id: &'a str,
    /// Capture or void.
    pub kind: OperationKind,
    /// Yen.
    pub amount: i64,
    /// Tip (captures).
    pub tip: i64,
    /// A final capture.
    pub final_capture: bool,
    /// Now.
    pub requested_at: i64,
}

/// The merchant's operation by its own id.
pub async fn operation_by_merchant_id<'e, E: Executor<'e, Database = sqlx::Any>>(
    executor: E,
    merchant_address: &str,
    merchant_operation_id: &str,
) -> Result<Option<Operation>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {OPERATION_COLUMNS} FROM hold_operations WHERE merchant_address = $1 AND merchant_operation_id = $2"
    ))
    .bind(merchant_address)
    .bind(merchant_operation_id)
    .fetch_optional(executor)
    .await
}

/// The operations of a hold, oldest first.
pub async fn operations_of<'e, E: Executor<'e, Database = sqlx::Any>>(
    executor: E,
    hold_id: &str,
) -> Result<Vec<Operation>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {OPERATION_COLUMNS} FROM hold_operations WHERE hold_id = $1 ORDER BY requested_at, operation_id"
    ))
    .bind(hold_id)
    .fetch_all(executor)
    .await
}

/// Writes an operation (`PENDING`); `None` when the merchant used its id already.
pub async fn reserve_operation(
    db: &Db,
    new: &NewOperation<'_>,
) -> Result<Option<Operation>, sqlx::Error> {
    let row = Operation {
        operation_id: format!("hop_{}", crate::crypto::random_hex(12)),
        merchant_address: new.merchant_address.to_owned(),
        merchant_operation_id: new.merchant_operation_id.to_owned(),
        hold_id: new.hold_id.to_owned(),
        kind: new.kind,
        amount: new.amount,
        tip: new.tip,
        final_capture: i64::from(new.final_capture),
        status: OperationStatus::Pending,
        tx_hash: None,
        version: None,
        failure: None,
        requested_at: new.requested_at,
    };
    let done = sqlx::query(&format!(
        "INSERT INTO hold_operations ({OPERATION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
         $12, $13) ON CONFLICT DO NOTHING"
    ))
    .bind(&row.operation_id)
    .bind(&row.merchant_address)
    .bind(&row.merchant_operation_id)
    .bind(&row.hold_id)
    .bind(row.kind.as_str())
    .bind(row.amount)
    .bind(row.tip)
    .bind(row.final_capture)
    .bind(row.status.as_str())
    .bind(&row.tx_hash)
    .bind(row.version)
    .bind(&row.failure)
    .bind(row.requested_at)
    .execute(&db.pool)
    .await?;
    Ok((done.rows_affected() == 1).then_some(row))
}

/// The operation's transaction committed (the API saw it, or the follower
/// did first: either may come second, and changes nothing then).
pub async fn complete_operation<'e, E: Executor<'e, Database = sqlx::Any>>(
    executor: E,
    operation_id: &str,
    tx: Tx<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE hold_operations SET status = 'COMPLETED', tx_hash = $1, version = $2, failure = NULL \
         WHERE operation_id = $3 AND status <> 'COMPLETED'",
    )
    .bind(tx.hash)
    .bind(tx.version as i64)
    .bind(operation_id)
    .execute(executor)
    .await?;
    Ok(())
}

/// The operation's transaction was submitted with an unknown outcome.
pub async fn operation_submitted<'e, E: Executor<'e, Database = sqlx::Any>>(
    executor: E,
    operation_id: &str,
    hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE hold_operations SET status = 'SUBMITTED', tx_hash = $1 WHERE operation_id = $2 AND status = 'PENDING'",
    )
    .bind(hash)
    .bind(operation_id)
    .execute(executor)
    .await?;
    Ok(())
}

/// The chain refused the operation, it was never submitted, or (the
/// reconciler) its transaction can no longer commit. A row the follower
/// completed stays completed.
pub async fn fail_operation<'e, E: Executor<'e, Database = sqlx::Any>>(
    executor: E,
    operation_id: &str,
    reason: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE hold_operations SET status = 'FAILED', failure = $1 \
         WHERE operation_id = $2 AND status IN ('PENDING', 'SUBMITTED')",
    )
    .bind(reason)
    .bind(operation_id)
    .execute(executor)
    .await?;
    Ok(())
}

/// The operations whose outcome the gateway has not learnt, for the
/// reconciler: every `SUBMITTED` one, and the `PENDING` ones written before
/// `written_before` (their request died before it learnt anything), oldest first.
pub async fn unsettled_operations(
    pool: &sqlx::AnyPool,
    written_before: i64,
    limit: i64,
) -> Result<Vec<Operation>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {OPERATION_COLUMNS} FROM hold_operations WHERE status = 'SUBMITTED' \
         OR (status = 'PENDING' AND requested_at < $1) ORDER BY requested_at, operation_id LIMIT $2"
    ))
    .bind(written_before)
    .bind(limit)
    .fetch_all(pool)
    .await
}

//
// The follower's transitions
//

/// Where a hold event happened.
#[derive(Debug, Clone, Copy)]
pub struct At<'a> {
    /// Merchant owner address.
    pub merchant: &'a str,
    /// Hold reference.
    pub hold_ref: &'a str,
    /// The transaction.
    pub tx: Tx<'a>,
    /// Its chain time, Unix seconds.
    pub block_secs: i64,
}

/// `HoldAuthorized`, as the follower applies it.
#[derive(Debug, Clone)]
pub struct Authorized<'a> {
    /// The customer, `0x`-hex.
    pub customer: &'a str,
    /// Yen authorized.
    pub amount: u64,
    /// Yen for a tip.
    pub tip_limit: u64,
    /// Capturable before, Unix seconds.
    pub capture_before: u64,
}

/// `HoldCaptured`, as the follower applies it.
#[derive(Debug, Clone, Copy)]
pub struct Captured {
    /// Yen captured, tip excluded.
    pub amount: u64,
    /// Tip.
    pub tip: u64,
    /// Fee.
    pub fee: u64,
    /// To the payout address.
    pub net: u64,
    /// Back to the customer with it.
    pub released: u64,
    /// Still held after it.
    pub held: u64,
}

async fn touch(conn: &mut AnyConnection, hold_id: &str, version: u64) -> Result<Hold, sqlx::Error> {
    sqlx::query("UPDATE holds SET last_version = $1 WHERE hold_id = $2")
        .bind(version as i64)
        .bind(hold_id)
        .execute(&mut *conn)
        .await?;
    by_id(&mut *conn, hold_id)
        .await?
        .ok_or(sqlx::Error::RowNotFound)
}

/// The open hold an event of (merchant, reference) belongs to: not purged.
async fn live(conn: &mut AnyConnection, at: At<'_>) -> Result<Option<Hold>, sqlx::Error> {
    Ok(by_reference(&mut *conn, at.merchant, at.hold_ref)
        .await?
        .filter(|h| h.purged_version.is_none()))
}

/// `HoldAuthorized`: the gateway's `CREATED` row is taken; a hold of a code
/// the gateway did not sign is recorded (origin `chain`). A reference the
/// chain freed with a purge and someone used again starts over on its row.
pub async fn chain_authorized(
    conn: &mut AnyConnection,
    at: At<'_>,
    e: &Authorized<'_>,
) -> Result<Hold, sqlx::Error> {
    let id = match by_reference(&mut *conn, at.merchant, at.hold_ref).await? {
        Some(row) => row.hold_id,
        None => {
            let row = Hold {
                hold_id: hold_id(at.merchant, at.hold_ref),
                merchant_address: at.merchant.to_owned(),
                merchant_payment_id: at.hold_ref.to_owned(),
                amount: e.amount as i64,
                tip_limit: e.tip_limit as i64,
                capture_before: e.capture_before as i64,
                expires_at: at.block_secs,
                created_at: at.block_secs,
                ..blank()
            };
            if !insert(conn, &row).await? {
                // Another writer took it meanwhile: the page is applied again and finds it.
                return Err(sqlx::Error::Protocol(format!(
                    "hold {} was written meanwhile",
                    row.hold_id
                )));
            }
            row.hold_id
        }
    };
    sqlx::query(
        "UPDATE holds SET status = 'AUTHORIZED', customer = $1, authorized = $2, tip_limit = $3, capture_before = $4, \
         captured = 0, tipped = 0, released = 0, fee = 0, net = 0, refunded = 0, authorized_tx = $5, \
         authorized_version = $6, purged_version = NULL WHERE hold_id = $7",
    )
    .bind(e.customer)
    .bind(e.amount as i64)
    .bind(e.tip_limit as i64)
    .bind(e.capture_before as i64)
    .bind(at.tx.hash)
    .bind(at.tx.version as i64)
    .bind(&id)
    .execute(&mut *conn)
    .await?;
    touch(conn, &id, at.tx.version).await
}

/// `HoldIncreased`: the customer added to the hold; a later `capture_before`
/// makes an `EXPIRED` record capturable again only on chain's say, which
/// the increase is (it is refused after expiry).
pub async fn chain_increased(
    conn: &mut AnyConnection,
    at: At<'_>,
    authorized: u64,
    capture_before: u64,
) -> Result<Option<Hold>, sqlx::Error> {
    let Some(row) = live(&mut *conn, at).await? else {
        return Ok(None);
    };
    sqlx::query(
        "UPDATE holds SET authorized = $1, capture_before = $2, status = 'AUTHORIZED' WHERE hold_id = $3",
    )
    .bind(authorized as i64)
    .bind(capture_before as i64)
    .bind(&row.hold_id)
    .execute(&mut *conn)
    .await?;
    touch(conn, &row.hold_id, at.tx.version).await.map(Some)
}

/// The status once `held` is what the hold still holds: open as it was, or
/// closed as `closed`.
fn after(row: &Hold, held: u64, closed: HoldStatus) -> HoldStatus {
    if held > 0 { row.status } else { closed }
}

/// What an operation's event says it did, to find the operation without its hash.
#[derive(Debug, Clone, Copy)]
struct Did {
    kind: OperationKind,
    amount: u64,
    tip: u64,
}

/// Completes the operation whose transaction this was: the one carrying its
/// hash, else the oldest `PENDING` one of the hold without a hash that did
/// the same (its request died before it learnt the hash; without this the
/// reconciler would later fail an operation that committed).
async fn complete_by_tx(
    conn: &mut AnyConnection,
    hold_id: &str,
    tx: Tx<'_>,
    did: Did,
) -> Result<(), sqlx::Error> {
    let by_hash: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM hold_operations WHERE hold_id = $1 AND tx_hash = $2",
    )
    .bind(hold_id)
    .bind(tx.hash)
    .fetch_one(&mut *conn)
    .await?;
    if by_hash > 0 {
        sqlx::query(
            "UPDATE hold_operations SET status = 'COMPLETED', version = $1, failure = NULL \
             WHERE hold_id = $2 AND tx_hash = $3 AND status <> 'COMPLETED'",
        )
        .bind(tx.version as i64)
        .bind(hold_id)
        .bind(tx.hash)
        .execute(&mut *conn)
        .await?;
        return Ok(());
    }
    let lost: Option<String> = sqlx::query_scalar(
        "SELECT operation_id FROM hold_operations WHERE hold_id = $1 AND status = 'PENDING' \
         AND tx_hash IS NULL AND kind = $2 AND amount = $3 AND tip = $4 \
         ORDER BY requested_at, operation_id LIMIT 1",
    )
    .bind(hold_id)
    .bind(did.kind.as_str())
    .bind(did.amount as i64)
    .bind(did.tip as i64)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(operation_id) = lost {
        complete_operation(&mut *conn, &operation_id, tx).await?;
    }
    Ok(())
}

/// `HoldCaptured`.
pub async fn chain_captured(
    conn: &mut AnyConnection,
    at: At<'_>,
    e: &Captured,
) -> Result<Option<Hold>, sqlx::Error> {
    let Some(row) = live(&mut *conn, at).await? else {
        return Ok(None);
    };
    let status = after(&row, e.held, HoldStatus::Captured);
    sqlx::query(
        "UPDATE holds SET captured = captured + $1, tipped = tipped + $2, fee = fee + $3, net = net + $4, \
         released = released + $5, status = $6 WHERE hold_id = $7",
    )
    .bind(e.amount as i64)
    .bind(e.tip as i64)
    .bind(e.fee as i64)
    .bind(e.net as i64)
    .bind(e.released as i64)
    .bind(status.as_str())
    .bind(&row.hold_id)
    .execute(&mut *conn)
    .await?;
    let did = Did {
        kind: OperationKind::Capture,
        amount: e.amount,
        tip: e.tip,
    };
    complete_by_tx(conn, &row.hold_id, at.tx, did).await?;
    touch(conn, &row.hold_id, at.tx.version).await.map(Some)
}

/// `HoldVoided`: `amount` back to the customer; closed when `held` is 0
/// (`CAPTURED` if something was captured before, else `VOIDED`).
pub async fn chain_voided(
    conn: &mut AnyConnection,
    at: At<'_>,
    amount: u64,
    held: u64,
) -> Result<Option<Hold>, sqlx::Error> {
    let Some(row) = live(&mut *conn, at).await? else {
        return Ok(None);
    };
    let closed = if row.captured + row.tipped > 0 {
        HoldStatus::Captured
    } else {
        HoldStatus::Voided
    };
    let status = after(&row, held, closed);
    release(conn, &row, amount, status).await?;
    let did = Did {
        kind: OperationKind::Void,
        amount,
        tip: 0,
    };
    complete_by_tx(conn, &row.hold_id, at.tx, did).await?;
    touch(conn, &row.hold_id, at.tx.version).await.map(Some)
}

/// `HoldReclaimed`: all that was held back to the customer; closed.
pub async fn chain_reclaimed(
    conn: &mut AnyConnection,
    at: At<'_>,
    amount: u64,
) -> Result<Option<Hold>, sqlx::Error> {
    let Some(row) = live(&mut *conn, at).await? else {
        return Ok(None);
    };
    release(conn, &row, amount, HoldStatus::Reclaimed).await?;
    touch(conn, &row.hold_id, at.tx.version).await.map(Some)
}

/// `HoldSeized`: all that was held went out under a legal order; closed.
pub async fn chain_seized(
    conn: &mut AnyConnection,
    at: At<'_>,
    amount: u64,
) -> Result<Option<Hold>, sqlx::Error> {
    let Some(row) = live(&mut *conn, at).await? else {
        return Ok(None);
    };
    release(conn, &row, amount, HoldStatus::Seized).await?;
    touch(conn, &row.hold_id, at.tx.version).await.map(Some)
}

async fn release(
    conn: &mut AnyConnection,
    row: &Hold,
    amount: u64,
    status: HoldStatus,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE holds SET released = released + $1, status = $2 WHERE hold_id = $3")
        .bind(amount as i64)
        .bind(status.as_str())
        .bind(&row.hold_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// `HoldRefunded`: the running total refunded of what was captured.
pub async fn chain_refunded(
    conn: &mut AnyConnection,
    at: At<'_>,
    refunded_total: u64,
) -> Result<Option<Hold>, sqlx::Error> {
    let Some(row) = live(&mut *conn, at).await? else {
        return Ok(None);
    };
    sqlx::query("UPDATE holds SET refunded = $1 WHERE hold_id = $2")
        .bind(refunded_total as i64)
        .bind(&row.hold_id)
        .execute(&mut *conn)
        .await?;
    touch(conn, &row.hold_id, at.tx.version).await.map(Some)
}

/// `HoldPurged`: the chain deleted the record.
pub async fn chain_purged(conn: &mut AnyConnection, at: At<'_>) -> Result<(), sqlx::Error> {
    if let Some(row) = live(&mut *conn, at).await? {
        sqlx::query("UPDATE holds SET purged_version = $1 WHERE hold_id = $2")
            .bind(at.tx.version as i64)
            .bind(&row.hold_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

const EXPIRE_BATCH: i64 = 500;

/// Marks as `EXPIRED`, and returns, the hold codes the chain's clock
/// (`chain_secs`) passed untaken and the authorizations it passed with yen
/// still held. Both are final: the chain takes a code only while
/// `now < expires_at` and captures only while `now < capture_before`, and
/// later transactions have later timestamps (an increase, refused after
/// expiry, cannot revive one).
pub async fn expire_due(
    conn: &mut AnyConnection,
    chain_secs: i64,
) -> Result<Vec<Hold>, sqlx::Error> {
    let due: Vec<Hold> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM holds WHERE (status = 'CREATED' AND expires_at <= $1) \
         OR (status = 'AUTHORIZED' AND capture_before <= $1) ORDER BY capture_before LIMIT $2"
    ))
    .bind(chain_secs)
    .bind(EXPIRE_BATCH)
    .fetch_all(&mut *conn)
    .await?;
    let mut expired = Vec::with_capacity(due.len());
    for row in due {
        sqlx::query("UPDATE holds SET status = 'EXPIRED' WHERE hold_id = $1")
            .bind(&row.hold_id)
            .execute(&mut *conn)
            .await?;
        expired.push(Hold {
            status: HoldStatus::Expired,
            ..row
        });
    }
    Ok(expired)
}

/// The next webhook sequence number of a hold (1, 2, ...).
pub async fn next_event_sequence(
    conn: &mut AnyConnection,
    hold_id: &str,
) -> Result<i64, sqlx::Error> {
    let next: Option<i64> = sqlx::query_scalar(
        "UPDATE holds SET event_sequence = event_sequence + 1 WHERE hold_id = $1 RETURNING event_sequence",
    )
    .bind(hold_id)
    .fetch_optional(conn)
    .await?;
    Ok(next.unwrap_or(0))
}
