//! Payments (invoices and static payments) and refunds: the one owner of
//! their rows. Handlers, the follower and the reconciler change them only
//! through the typed transitions here; `cargo xtask test` fails on SQL
//! naming these tables anywhere else in the gateway's sources.
//!
//! A payment is one on-chain invoice. The chain lets an order reference be
//! used again once `invoice::purge_invoices` deleted its record, so a
//! merchant's order reference may have several rows: `generation` counts
//! them (0 for the first), `merchantPaymentId` names the newest, and an
//! event of the chain belongs to the invoice created last at or before its
//! version (`invoice_version`).
use sqlx::{AnyConnection, Executor};

use super::Db;
pub use super::UnknownValue;

stored_enum!(
    /// Where a payment is. The stored names predate the enum (`COMPLETED` is
    /// paid); the API's names come from [`PaymentStatus::api_name`].
    PaymentStatus, "payment status" {
        /// The gateway wrote the row and is submitting its transaction.
        Pending = "PENDING",
        /// A transaction of the gateway's for it (the invoice's creation, or
        /// a customer-presented payment) was submitted with an unknown
        /// outcome; the reconciler looks it up (`pending_tx`).
        Submitted = "SUBMITTED",
        /// The invoice is open on chain.
        Created = "CREATED",
        /// Paid.
        Paid = "COMPLETED",
        /// Cancelled on chain.
        Canceled = "CANCELED",
        /// The chain's clock passed its expiry unpaid.
        Expired = "EXPIRED",
        /// Refunded in full.
        Refunded = "REFUNDED",
        /// Never created: the chain refused it, or it was never committed
        /// (`failure` says why). Its order reference is free again.
        Failed = "FAILED",
    }
);

impl PaymentStatus {
    /// The status as the API shows it (PayPay's names): a code whose
    /// creation is under way or unknown reads as `CREATED`.
    pub fn api_name(self) -> &'static str {
        match self {
            PaymentStatus::Pending | PaymentStatus::Submitted | PaymentStatus::Created => "CREATED",
            other => other.as_str(),
        }
    }
}

stored_enum!(
    /// What kind of payment.
    PaymentKind, "payment kind" {
        /// A dynamic code (an invoice).
        Dynamic = "dynamic",
        /// A payment to the shop's static code (no invoice).
        Static = "static",
        /// A customer-presented code settled against an invoice.
        Cpm = "cpm",
    }
);

stored_enum!(
    /// Who made the payment's invoice.
    Origin, "origin" {
        /// Created through the API.
        Gateway = "gateway",
        /// Seen by the follower only.
        Chain = "chain",
    }
);

stored_enum!(
    /// Where a refund is.
    RefundStatus, "refund status" {
        /// Written, its transaction being submitted.
        Pending = "PENDING",
        /// Submitted with an unknown outcome; the reconciler looks `tx_hash` up.
        Submitted = "SUBMITTED",
        /// Committed.
        Completed = "COMPLETED",
        /// Refused or never committed (`failure` says why); it does not
        /// count against what is left to refund.
        Failed = "FAILED",
    }
);

impl RefundStatus {
    /// The status as the API shows it: one under way reads as `CREATED`.
    pub fn api_name(self) -> &'static str {
        match self {
            RefundStatus::Pending | RefundStatus::Submitted => "CREATED",
            other => other.as_str(),
        }
    }
}

/// A payment as stored. [`Payment::status_at`] adds `EXPIRED`, which is a
/// matter of time, not of a transaction.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Payment {
    /// Gateway id of the code ([`code_id`]).
    pub code_id: String,
    /// Merchant owner address.
    pub merchant_address: String,
    /// The merchant's id for it: the invoice's order reference, or for a
    /// static payment `static-<version>-<event index>`.
    pub merchant_payment_id: String,
    /// Which invoice of this order reference (0 for the first).
    pub generation: i64,
    /// Dynamic, static or customer-presented.
    #[sqlx(try_from = "String")]
    pub kind: PaymentKind,
    /// Who created it.
    #[sqlx(try_from = "String")]
    pub origin: Origin,
    /// Where it is.
    #[sqlx(try_from = "String")]
    pub status: PaymentStatus,
    /// Yen.
    pub amount: i64,
    /// Payable before, Unix seconds.
    pub expires_at: i64,
    /// Creation, Unix seconds.
    pub created_at: i64,
    /// Creation transaction.
    pub create_tx: Option<String>,
    /// Its version.
    pub create_version: Option<i64>,
    /// The version the gateway knows the on-chain invoice from: its
    /// creation, or the first event seen of one created before the follower
    /// started. `None` until the chain confirmed it.
    pub invoice_version: Option<i64>,
    /// Who paid.
    pub payer: Option<String>,
    /// Operator's fee.
    pub fee: Option<i64>,
    /// To the merchant.
    pub net: Option<i64>,
    /// When, Unix seconds.
    pub paid_at: Option<i64>,
    /// Payment transaction.
    pub pay_tx: Option<String>,
    /// Its version.
    pub pay_version: Option<i64>,
    /// Refunded so far.
    pub refunded: i64,
    /// Of which fee returned.
    pub fee_refunded: i64,
    /// A static payment's reference.
    pub reference: Option<String>,
    /// When the chain deleted the invoice's record (its reference is free again).
    pub purged_version: Option<i64>,
    /// A submitted transaction whose outcome is unknown ([`PaymentStatus::Submitted`]).
    pub pending_tx: Option<String>,
    /// Its expiration, Unix seconds (0: already passed).
    pub pending_expires_at: Option<i64>,
    /// Why it failed (the abort or VM status).
    pub failure: Option<String>,
}

impl Payment {
    /// The status the API shows at `now`: an open invoice past its expiry
    /// is `EXPIRED`.
    pub fn status_at(&self, now: i64) -> &'static str {
        match self.status {
            PaymentStatus::Pending | PaymentStatus::Submitted | PaymentStatus::Created
                if now >= self.expires_at =>
            {
                "EXPIRED"
            }
            other => other.api_name(),
        }
    }

    /// Whether it may be paid at `now`: an invoice open (or being created)
    /// and unexpired.
    pub fn is_open_at(&self, now: i64) -> bool {
        matches!(
            self.status,
            PaymentStatus::Pending | PaymentStatus::Submitted | PaymentStatus::Created
        ) && self.expires_at > now
    }

    /// Whether its order reference may name a new invoice: this one was
    /// never created, or the chain deleted its record, or it is a signed
    /// code that expired with no record on chain (nobody paid or cancelled
    /// it, and the chain takes it no more).
    pub fn frees_reference(&self) -> bool {
        self.status == PaymentStatus::Failed
            || self.purged_version.is_some()
            || (self.status == PaymentStatus::Expired && self.invoice_version.is_none())
    }

    /// Whether this is a code the gateway signed (`InvoiceOffer`) that has
    /// no record on chain yet: payable with `pay_signed_invoice` until its
    /// expiry, cancelled with `cancel_signed_invoice`.
    pub fn is_signed_code(&self) -> bool {
        self.origin == Origin::Gateway
            && self.kind == PaymentKind::Dynamic
            && self.invoice_version.is_none()
            && self.create_tx.is_none()
    }
}

/// The code id of a merchant's order reference's `generation`th invoice:
/// the same whether the gateway created the invoice or the follower found it.
pub fn code_id_of(merchant_address: &str, merchant_payment_id: &str, generation: i64) -> String {
    let text = if generation == 0 {
        format!("{merchant_address}\n{merchant_payment_id}")
    } else {
        format!("{merchant_address}\n{merchant_payment_id}\n{generation}")
    };
    let digest = crate::crypto::sha256_hex(text.as_bytes());
    format!("c_{}", &digest[..24])
}

/// The code id of the first invoice of a merchant's order reference.
pub fn code_id(merchant_address: &str, merchant_payment_id: &str) -> String {
    code_id_of(merchant_address, merchant_payment_id, 0)
}

const COLUMNS: &str = "code_id, merchant_address, merchant_payment_id, generation, kind, origin, status, \
    amount, expires_at, created_at, create_tx, create_version, invoice_version, payer, fee, net, paid_at, \
    pay_tx, pay_version, refunded, fee_refunded, reference, purged_version, pending_tx, pending_expires_at, \
    failure";

async fn insert(conn: &mut AnyConnection, p: &Payment) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(&format!(
        "INSERT INTO payments ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
         $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26) ON CONFLICT DO NOTHING"
    ))
    .bind(&p.code_id)
    .bind(&p.merchant_address)
    .bind(&p.merchant_payment_id)
    .bind(p.generation)
    .bind(p.kind.as_str())
    .bind(p.origin.as_str())
    .bind(p.status.as_str())
    .bind(p.amount)
    .bind(p.expires_at)
    .bind(p.created_at)
    .bind(&p.create_tx)
    .bind(p.create_version)
    .bind(p.invoice_version)
    .bind(&p.payer)
    .bind(p.fee)
    .bind(p.net)
    .bind(p.paid_at)
    .bind(&p.pay_tx)
    .bind(p.pay_version)
    .bind(p.refunded)
    .bind(p.fee_refunded)
    .bind(&p.reference)
    .bind(p.purged_version)
    .bind(&p.pending_tx)
    .bind(p.pending_expires_at)
    .bind(&p.failure)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The newest payment of (merchant, merchant_payment_id).
pub async fn by_merchant_payment_id<'e, E: Executor<'e, Database = sqlx::Any>>(
    executor: E,
    merchant_address: &str,
    merchant_payment_id: &str,
) -> Result<Option<Payment>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM payments WHERE merchant_address = $1 AND merchant_payment_id = $2 \
         ORDER BY generation DESC LIMIT 1"
    ))
    .bind(merchant_address)
    .bind(merchant_payment_id)
    .fetch_optional(executor)
    .await
}

/// Every payment of (merchant, merchant_payment_id), oldest first.
pub async fn all_of_reference<'e, E: Executor<'e, Database = sqlx::Any>>(
    executor: E,
    merchant_address: &str,
    merchant_payment_id: &str,
) -> Result<Vec<Payment>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM payments WHERE merchant_address = $1 AND merchant_payment_id = $2 \
         ORDER BY generation"
    ))
    .bind(merchant_address)
    .bind(merchant_payment_id)
    .fetch_all(executor)
    .await
}

/// The payment with code id `code_id`.
pub async fn by_code_id<'e, E: Executor<'e, Database = sqlx::Any>>(
    executor: E,
    code_id: &str,
) -> Result<Option<Payment>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM payments WHERE code_id = $1"
    ))
    .bind(code_id)
    .fetch_optional(executor)
    .await
}

/// Every payment the database holds as paid (its payment transaction
/// known), in version order: the chain audit's database side.
pub async fn all_paid(pool: &sqlx::AnyPool) -> Result<Vec<Payment>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM payments WHERE pay_version IS NOT NULL ORDER BY pay_version"
    ))
    .fetch_all(pool)
    .await
}

/// Payments of a merchant paid in `[from, to)` (Unix seconds).
pub async fn paid_between(
    pool: &sqlx::AnyPool,
    merchant_address: &str,
    from: i64,
    to: i64,
) -> Result<Vec<Payment>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM payments WHERE merchant_address = $1 AND paid_at >= $2 AND paid_at < $3 \
         ORDER BY pay_version"
    ))
    .bind(merchant_address)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await
}

/// A merchant's `limit` most recently paid payments, newest first (the POS
/// page's refund list; the `payments_paid_at` index serves it).
pub async fn recently_paid(
    pool: &sqlx::AnyPool,
    merchant_address: &str,
    limit: i64,
) -> Result<Vec<Payment>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM payments WHERE merchant_address = $1 AND paid_at IS NOT NULL \
         ORDER BY paid_at DESC, pay_version DESC LIMIT $2"
    ))
    .bind(merchant_address)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// A new payment the API is about to submit.
#[derive(Debug, Clone)]
pub struct NewPayment {
    /// Merchant owner address.
    pub merchant_address: String,
    /// The order reference.
    pub merchant_payment_id: String,
    /// Dynamic or customer-presented.
    pub kind: PaymentKind,
    /// `PENDING` for a payment whose transaction the gateway submits next;
    /// `CREATED` for a code the gateway signed, payable as it is written.
    pub status: PaymentStatus,
    /// Yen.
    pub amount: i64,
    /// Payable before, Unix seconds (the chain's creation event corrects it).
    pub expires_at: i64,
    /// Now, Unix seconds.
    pub created_at: i64,
}

/// How many of a merchant's codes the gateway creates: every invoice's
/// storage deposit is the operator's until it is purged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeQuota {
    /// Codes open (not yet paid, cancelled, failed or expired) at once.
    pub max_open: i64,
    /// Codes created in the last minute.
    pub per_minute: i64,
}

/// What [`reserve`] did.
#[derive(Debug, Clone)]
pub enum Reservation {
    /// The new `PENDING` payment (boxed: the refusals carry nothing).
    Reserved(Box<Payment>),
    /// The order reference's newest invoice still holds it.
    ReferenceTaken,
    /// The merchant has `max_open` open codes.
    TooManyOpen,
    /// The merchant created `per_minute` codes in the last minute.
    TooFast,
}

/// Writes a new payment of the gateway's (`PENDING`, or `CREATED` for a signed code), unless
/// the order reference's newest invoice still holds it (it is free only
/// when that one failed or was purged on chain), or the merchant is at its
/// [`CodeQuota`]. Two requests racing for one reference take the same
/// generation: one of them gets [`Reservation::ReferenceTaken`]. The
/// merchant's row is locked first, so replicas count its quota in turn.
pub async fn reserve(
    db: &Db,
    new: &NewPayment,
    quota: CodeQuota,
) -> Result<Reservation, sqlx::Error> {
    let mut tx = db.begin().await?;
    // A write to the merchant's row: PostgreSQL locks it until commit (SQLite's write lock covers all).
    sqlx::query("UPDATE merchants SET address = address WHERE address = $1")
        .bind(&new.merchant_address)
        .execute(&mut *tx)
        .await?;
    let newest =
        by_merchant_payment_id(&mut *tx, &new.merchant_address, &new.merchant_payment_id).await?;
    if newest.as_ref().is_some_and(|p| !p.frees_reference()) {
        return Ok(Reservation::ReferenceTaken);
    }
    let (open, recent): (i64, i64) = sqlx::query_as(
        "SELECT \
           CAST(COALESCE(SUM(CASE WHEN status IN ('PENDING', 'SUBMITTED', 'CREATED') AND expires_at > $2 THEN 1 ELSE 0 END), 0) AS BIGINT), \
           CAST(COALESCE(SUM(CASE WHEN created_at > $3 THEN 1 ELSE 0 END), 0) AS BIGINT) \
         FROM payments WHERE merchant_address = $1 AND origin = 'gateway'",
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
    let generation = newest.map_or(0, |p| p.generation + 1);
    let row = Payment {
        code_id: code_id_of(&new.merchant_address, &new.merchant_payment_id, generation),
        merchant_address: new.merchant_address.clone(),
        merchant_payment_id: new.merchant_payment_id.clone(),
        generation,
        kind: new.kind,
        origin: Origin::Gateway,
        status: new.status,
        amount: new.amount,
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

fn blank() -> Payment {
    Payment {
        code_id: String::new(),
        merchant_address: String::new(),
        merchant_payment_id: String::new(),
        generation: 0,
        kind: PaymentKind::Dynamic,
        origin: Origin::Chain,
        status: PaymentStatus::Created,
        amount: 0,
        expires_at: 0,
        created_at: 0,
        create_tx: None,
        create_version: None,
        invoice_version: None,
        payer: None,
        fee: None,
        net: None,
        paid_at: None,
        pay_tx: None,
        pay_version: None,
        refunded: 0,
        fee_refunded: 0,
        reference: None,
        purged_version: None,
        pending_tx: None,
        pending_expires_at: None,
        failure: None,
    }
}

/// A committed transaction: its hash and version.
#[derive(Debug, Clone, Copy)]
pub struct Tx<'a> {
    /// Hash, `0x`-hex.
    pub hash: &'a str,
    /// Ledger version.
    pub version: u64,
}

/// Its `submitted` transaction's outcome is unknown: `PENDING` (or an open
/// invoice whose payment was submitted) becomes `SUBMITTED`, to be looked up.
pub async fn mark_submitted<'e, E: Executor<'e, Database = sqlx::Any>>(
    executor: E,
    code_id: &str,
    hash: &str,
    expires_at: u64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE payments SET status = 'SUBMITTED', pending_tx = $1, pending_expires_at = $2 \
         WHERE code_id = $3 AND status IN ('PENDING', 'CREATED')",
    )
    .bind(hash)
    .bind(expires_at as i64)
    .bind(code_id)
    .execute(executor)
    .await?;
    Ok(())
}

/// The invoice was created on chain in `created`: `PENDING` or `SUBMITTED`
/// becomes `CREATED`, with the chain's expiry and amount. A row already
/// tied to another invoice is left alone.
pub async fn confirm_created<'e, E: Executor<'e, Database = sqlx::Any>>(
    executor: E,
    code_id: &str,
    created: Tx<'_>,
    amount: u64,
    expires_at: u64,
) -> Result<bool, sqlx::Error> {
    // The creation settles a submitted creation (no invoice yet), not a
    // submitted payment of an existing invoice.
    let done = sqlx::query(
        "UPDATE payments SET \
         status = CASE WHEN status IN ('PENDING', 'SUBMITTED') AND invoice_version IS NULL THEN 'CREATED' ELSE status END, \
         pending_tx = CASE WHEN invoice_version IS NULL THEN NULL ELSE pending_tx END, \
         pending_expires_at = CASE WHEN invoice_version IS NULL THEN NULL ELSE pending_expires_at END, \
         create_tx = COALESCE(create_tx, $1), create_version = COALESCE(create_version, $2), \
         invoice_version = COALESCE(invoice_version, $2), amount = $3, expires_at = $4 \
         WHERE code_id = $5 AND status <> 'FAILED' AND (invoice_version IS NULL OR invoice_version = $2)",
    )
    .bind(created.hash)
    .bind(created.version as i64)
    .bind(amount as i64)
    .bind(expires_at as i64)
    .bind(code_id)
    .execute(executor)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// How a refused or never-committed transaction is recorded: the abort
/// or VM status, and the node's message.
pub fn failure_reason(code: &str, message: &str) -> String {
    format!("{code}: {message}")
}

/// Its submitted transaction definitely did not happen (`reason`: the
/// abort or VM status): a creation becomes `FAILED` (the order reference is
/// free again); a payment of an open invoice returns to `CREATED`.
pub async fn settle_failure(
    conn: &mut AnyConnection,
    code_id: &str,
    reason: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE payments SET status = 'FAILED', failure = $1, pending_tx = NULL, pending_expires_at = NULL \
         WHERE code_id = $2 AND status IN ('PENDING', 'SUBMITTED') AND invoice_version IS NULL",
    )
    .bind(reason)
    .bind(code_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE payments SET status = 'CREATED', failure = $1, pending_tx = NULL, pending_expires_at = NULL \
         WHERE code_id = $2 AND status = 'SUBMITTED' AND invoice_version IS NOT NULL",
    )
    .bind(reason)
    .bind(code_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A signed code was cancelled on chain by `cancelled` (its
/// `cancel_signed_invoice`, which wrote the order's record): `CANCELED`,
/// tied to that record so that the follower's event finds it and the purge
/// returns its deposit.
pub async fn cancel_signed<'e, E: Executor<'e, Database = sqlx::Any>>(
    executor: E,
    code_id: &str,
    cancelled: Tx<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE payments SET status = CASE WHEN status IN ('PENDING', 'SUBMITTED', 'CREATED', 'EXPIRED')          THEN 'CANCELED' ELSE status END, pending_tx = NULL, pending_expires_at = NULL,          invoice_version = COALESCE(invoice_version, $1) WHERE code_id = $2 AND invoice_version IS NULL",
    )
    .bind(cancelled.version as i64)
    .bind(code_id)
    .execute(executor)
    .await?;
    Ok(())
}

/// The invoice was cancelled on chain.
pub async fn cancel<'e, E: Executor<'e, Database = sqlx::Any>>(
    executor: E,
    code_id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE payments SET status = 'CANCELED', pending_tx = NULL, pending_expires_at = NULL \
         WHERE code_id = $1 AND status IN ('PENDING', 'SUBMITTED', 'CREATED')",
    )
    .bind(code_id)
    .execute(executor)
    .await?;
    Ok(())
}

/// A payment's details, from its `InvoicePaid` or `MerchantPaid` event.
#[derive(Debug, Clone)]
pub struct Paid<'a> {
    /// Who paid, `0x`-hex.
    pub payer: String,
    /// Yen.
    pub amount: u64,
    /// The operator's fee.
    pub fee: u64,
    /// To the merchant.
    pub net: u64,
    /// Chain time, Unix seconds.
    pub paid_at: u64,
    /// The transaction.
    pub tx: Tx<'a>,
}

/// The invoice was paid (an expired one too: the chain's word is final).
pub async fn mark_paid<'e, E: Executor<'e, Database = sqlx::Any>>(
    executor: E,
    code_id: &str,
    paid: &Paid<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE payments SET \
         status = CASE WHEN status IN ('PENDING', 'SUBMITTED', 'CREATED', 'EXPIRED') THEN 'COMPLETED' ELSE status END, \
         pending_tx = NULL, pending_expires_at = NULL, \
         payer = $1, fee = $2, net = $3, paid_at = $4, pay_tx = $5, pay_version = $6 WHERE code_id = $7",
    )
    .bind(&paid.payer)
    .bind(paid.fee as i64)
    .bind(paid.net as i64)
    .bind(paid.paid_at as i64)
    .bind(paid.tx.hash)
    .bind(paid.tx.version as i64)
    .bind(code_id)
    .execute(executor)
    .await?;
    Ok(())
}

/// The chain's running refund total of the payment is at least
/// `refunded_total` (absolute, so the API and the follower agree in any order).
pub async fn note_refunded_total<'e, E: Executor<'e, Database = sqlx::Any>>(
    executor: E,
    code_id: &str,
    refunded_total: u64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE payments SET refunded = CASE WHEN refunded < $1 THEN $1 ELSE refunded END, \
         status = CASE WHEN $1 >= amount THEN 'REFUNDED' ELSE status END WHERE code_id = $2",
    )
    .bind(refunded_total as i64)
    .bind(code_id)
    .execute(executor)
    .await?;
    Ok(())
}

/// Payments whose outcome is not settled: `SUBMITTED`, and `PENDING` ones
/// written before `written_before` (their request may have died before it
/// learnt the outcome), oldest first.
pub async fn unsettled(
    pool: &sqlx::AnyPool,
    written_before: i64,
    limit: i64,
) -> Result<Vec<Payment>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM payments WHERE status = 'SUBMITTED' \
         OR (status = 'PENDING' AND created_at < $1) ORDER BY created_at LIMIT $2"
    ))
    .bind(written_before)
    .bind(limit)
    .fetch_all(pool)
    .await
}

// The follower's transitions: one DB transaction per page.

/// An invoice event's place: the merchant, the order reference and the
/// transaction.
#[derive(Debug, Clone, Copy)]
pub struct At<'a> {
    /// Merchant owner address.
    pub merchant: &'a str,
    /// Order reference.
    pub order_ref: &'a str,
    /// The transaction.
    pub tx: Tx<'a>,
    /// Its chain time, Unix seconds.
    pub block_secs: i64,
}

/// The invoice an event at `version` belongs to: the one of the reference
/// created last at or before it.
async fn invoice_at(conn: &mut AnyConnection, at: At<'_>) -> Result<Option<Payment>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM payments WHERE merchant_address = $1 AND merchant_payment_id = $2 \
         AND invoice_version IS NOT NULL AND invoice_version <= $3 ORDER BY invoice_version DESC LIMIT 1"
    ))
    .bind(at.merchant)
    .bind(at.order_ref)
    .bind(at.tx.version as i64)
    .fetch_optional(conn)
    .await
}

/// A row for an invoice the gateway did not create (or whose creation it
/// did not see), as the reference's next generation.
async fn insert_chain_invoice(
    conn: &mut AnyConnection,
    at: At<'_>,
    kind: PaymentKind,
    status: PaymentStatus,
    amount: u64,
    expires_at: i64,
    created: bool,
) -> Result<Payment, sqlx::Error> {
    let newest = by_merchant_payment_id(&mut *conn, at.merchant, at.order_ref).await?;
    let generation = newest.map_or(0, |p| p.generation + 1);
    let row = Payment {
        code_id: code_id_of(at.merchant, at.order_ref, generation),
        merchant_address: at.merchant.to_owned(),
        merchant_payment_id: at.order_ref.to_owned(),
        generation,
        kind,
        origin: Origin::Chain,
        status,
        amount: amount as i64,
        expires_at,
        created_at: at.block_secs,
        create_tx: created.then(|| at.tx.hash.to_owned()),
        create_version: created.then_some(at.tx.version as i64),
        invoice_version: Some(at.tx.version as i64),
        ..blank()
    };
    // A conflict (another writer took the generation) fails the page, which
    // is applied again: it then finds that row.
    if !insert(conn, &row).await? {
        return Err(sqlx::Error::Protocol(format!(
            "payment {} was written meanwhile",
            row.code_id
        )));
    }
    Ok(row)
}

/// `InvoiceCreated`: ties the invoice to the gateway's row waiting for it
/// (the API's `PENDING` or `SUBMITTED` one of this reference), or records
/// an invoice created outside the gateway as the reference's next payment.
pub async fn chain_created(
    conn: &mut AnyConnection,
    at: At<'_>,
    amount: u64,
    expires_at: u64,
) -> Result<Payment, sqlx::Error> {
    let known: Option<Payment> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM payments WHERE merchant_address = $1 AND merchant_payment_id = $2 \
         AND invoice_version = $3"
    ))
    .bind(at.merchant)
    .bind(at.order_ref)
    .bind(at.tx.version as i64)
    .fetch_optional(&mut *conn)
    .await?;
    let waiting = match known {
        Some(row) => Some(row),
        None => by_merchant_payment_id(&mut *conn, at.merchant, at.order_ref)
            .await?
            .filter(|p| {
                let creating =
                    matches!(p.status, PaymentStatus::Pending | PaymentStatus::Submitted)
                        && p.invoice_version.is_none()
                        && p.pending_tx
                            .as_deref()
                            .is_none_or(|hash| hash == at.tx.hash);
                // A code the gateway signed appears on chain with its payment
                // (`pay_signed_invoice` emits InvoiceCreated and InvoicePaid):
                // the same merchant, order reference and amount.
                let signed = p.is_signed_code()
                    && matches!(p.status, PaymentStatus::Created | PaymentStatus::Expired)
                    && p.amount as u64 == amount;
                creating || signed
            }),
    };
    if let Some(row) = waiting {
        confirm_created(&mut *conn, &row.code_id, at.tx, amount, expires_at).await?;
        return Ok(by_code_id(&mut *conn, &row.code_id).await?.unwrap_or(row));
    }
    insert_chain_invoice(
        conn,
        at,
        PaymentKind::Dynamic,
        PaymentStatus::Created,
        amount,
        expires_at as i64,
        true,
    )
    .await
}

/// `InvoicePaid`: the invoice is paid (recorded now if the follower
/// started after its creation).
pub async fn chain_paid(
    conn: &mut AnyConnection,
    at: At<'_>,
    paid: &Paid<'_>,
) -> Result<Payment, sqlx::Error> {
    let code_id = match invoice_at(&mut *conn, at).await? {
        Some(row) => row.code_id,
        None => {
            insert_chain_invoice(
                &mut *conn,
                at,
                PaymentKind::Dynamic,
                PaymentStatus::Created,
                paid.amount,
                paid.paid_at as i64,
                false,
            )
            .await?
            .code_id
        }
    };
    mark_paid(&mut *conn, &code_id, paid).await?;
    by_code_id(&mut *conn, &code_id)
        .await?
        .ok_or(sqlx::Error::RowNotFound)
}

/// `InvoiceCancelled`.
pub async fn chain_cancelled(
    conn: &mut AnyConnection,
    at: At<'_>,
) -> Result<Option<Payment>, sqlx::Error> {
    let row = match invoice_at(&mut *conn, at).await? {
        Some(row) => row,
        // A signed code's cancellation writes its first record on chain.
        None => match by_merchant_payment_id(&mut *conn, at.merchant, at.order_ref)
            .await?
            .filter(|p| {
                p.is_signed_code()
                    && matches!(
                        p.status,
                        PaymentStatus::Created | PaymentStatus::Canceled | PaymentStatus::Expired
                    )
            }) {
            Some(row) => {
                cancel_signed(&mut *conn, &row.code_id, at.tx).await?;
                row
            }
            None => return Ok(None),
        },
    };
    cancel(&mut *conn, &row.code_id).await?;
    by_code_id(&mut *conn, &row.code_id).await
}

/// `InvoicePurged`: the chain deleted the invoice's record, so its order
/// reference may name a new invoice.
pub async fn chain_purged(conn: &mut AnyConnection, at: At<'_>) -> Result<(), sqlx::Error> {
    if let Some(row) = invoice_at(&mut *conn, at).await? {
        sqlx::query("UPDATE payments SET purged_version = $1 WHERE code_id = $2")
            .bind(at.tx.version as i64)
            .bind(&row.code_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// A static-code payment (`MerchantPaid`): its own row, `static-<version>-<index>`.
pub async fn chain_static_payment(
    conn: &mut AnyConnection,
    at: At<'_>,
    paid: &Paid<'_>,
    reference: &str,
) -> Result<Payment, sqlx::Error> {
    let row = Payment {
        code_id: code_id(at.merchant, at.order_ref),
        merchant_address: at.merchant.to_owned(),
        merchant_payment_id: at.order_ref.to_owned(),
        kind: PaymentKind::Static,
        origin: Origin::Chain,
        status: PaymentStatus::Paid,
        amount: paid.amount as i64,
        expires_at: paid.paid_at as i64,
        created_at: at.block_secs,
        invoice_version: Some(at.tx.version as i64),
        payer: Some(paid.payer.clone()),
        fee: Some(paid.fee as i64),
        net: Some(paid.net as i64),
        paid_at: Some(paid.paid_at as i64),
        pay_tx: Some(paid.tx.hash.to_owned()),
        pay_version: Some(paid.tx.version as i64),
        reference: Some(reference.to_owned()),
        ..blank()
    };
    insert(conn, &row).await?;
    Ok(row)
}

/// Open invoices expired per call at most (the rest go with the next page).
const EXPIRE_BATCH: i64 = 500;

/// Marks open invoices whose expiry the chain's clock (`chain_secs`) has
/// reached as `EXPIRED`, and returns them. The package takes a payment only
/// while `now_seconds() < expires_at`, and later transactions have later
/// timestamps, so the state is final. A creation not yet confirmed is the
/// reconciler's: it may still commit, with a later expiry.
pub async fn expire_due(
    conn: &mut AnyConnection,
    chain_secs: i64,
) -> Result<Vec<Payment>, sqlx::Error> {
    let due: Vec<Payment> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM payments WHERE (status = 'CREATED' \
         OR (status = 'SUBMITTED' AND invoice_version IS NOT NULL)) AND expires_at <= $1 \
         ORDER BY expires_at LIMIT $2"
    ))
    .bind(chain_secs)
    .bind(EXPIRE_BATCH)
    .fetch_all(&mut *conn)
    .await?;
    let mut expired = Vec::with_capacity(due.len());
    for row in due {
        sqlx::query(
            "UPDATE payments SET status = 'EXPIRED', pending_tx = NULL, pending_expires_at = NULL \
             WHERE code_id = $1",
        )
        .bind(&row.code_id)
        .execute(&mut *conn)
        .await?;
        expired.push(Payment {
            status: PaymentStatus::Expired,
            pending_tx: None,
            pending_expires_at: None,
            ..row
        });
    }
    Ok(expired)
}

/// A refund as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Refund {
    /// Gateway id (`r_...`).
    pub refund_id: String,
    /// Merchant owner address.
    pub merchant_address: String,
    /// The merchant's id for it (or `chain-<version>-<index>` for one made outside the gateway).
    pub merchant_refund_id: String,
    /// The refunded payment.
    pub code_id: String,
    /// Yen.
    pub amount: i64,
    /// Where it is.
    #[sqlx(try_from = "String")]
    pub status: RefundStatus,
    /// The merchant's reason.
    pub reason: Option<String>,
    /// Fee returned from the treasury.
    pub fee_returned: Option<i64>,
    /// Transaction (submitted, or committed).
    pub tx_hash: Option<String>,
    /// Its version.
    pub tx_version: Option<i64>,
    /// Requested, Unix seconds.
    pub created_at: i64,
    /// Committed, Unix seconds.
    pub completed_at: Option<i64>,
    /// Why it failed.
    pub failure: Option<String>,
    /// A submitted transaction's expiration while its outcome is unknown.
    pub pending_expires_at: Option<i64>,
}

const REFUND_COLUMNS: &str = "refund_id, merchant_address, merchant_refund_id, code_id, amount, status, \
    reason, fee_returned, tx_hash, tx_version, created_at, completed_at, failure, pending_expires_at";

async fn insert_refund(conn: &mut AnyConnection, r: &Refund) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(&format!(
        "INSERT INTO refunds ({REFUND_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
         $13, $14) ON CONFLICT DO NOTHING"
    ))
    .bind(&r.refund_id)
    .bind(&r.merchant_address)
    .bind(&r.merchant_refund_id)
    .bind(&r.code_id)
    .bind(r.amount)
    .bind(r.status.as_str())
    .bind(&r.reason)
    .bind(r.fee_returned)
    .bind(&r.tx_hash)
    .bind(r.tx_version)
    .bind(r.created_at)
    .bind(r.completed_at)
    .bind(&r.failure)
    .bind(r.pending_expires_at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Every refund the database holds as completed, in version order: the
/// chain audit's database side.
pub async fn all_completed_refunds(pool: &sqlx::AnyPool) -> Result<Vec<Refund>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {REFUND_COLUMNS} FROM refunds WHERE status = $1 ORDER BY tx_version"
    ))
    .bind(RefundStatus::Completed.as_str())
    .fetch_all(pool)
    .await
}

/// The refund (merchant, merchant_refund_id).
pub async fn refund_by_merchant_id<'e, E: Executor<'e, Database = sqlx::Any>>(
    executor: E,
    merchant_address: &str,
    merchant_refund_id: &str,
) -> Result<Option<Refund>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {REFUND_COLUMNS} FROM refunds WHERE merchant_address = $1 AND merchant_refund_id = $2"
    ))
    .bind(merchant_address)
    .bind(merchant_refund_id)
    .fetch_optional(executor)
    .await
}

/// The refund with id `refund_id`.
pub async fn refund_by_id<'e, E: Executor<'e, Database = sqlx::Any>>(
    executor: E,
    refund_id: &str,
) -> Result<Option<Refund>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {REFUND_COLUMNS} FROM refunds WHERE refund_id = $1"
    ))
    .bind(refund_id)
    .fetch_optional(executor)
    .await
}

/// Refunds of a payment, oldest first.
pub async fn refunds_of<'e, E: Executor<'e, Database = sqlx::Any>>(
    executor: E,
    code_id: &str,
) -> Result<Vec<Refund>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {REFUND_COLUMNS} FROM refunds WHERE code_id = $1 ORDER BY created_at, refund_id"
    ))
    .bind(code_id)
    .fetch_all(executor)
    .await
}

/// A refund the API is about to submit.
#[derive(Debug, Clone)]
pub struct NewRefund {
    /// Gateway id.
    pub refund_id: String,
    /// The merchant's id for it.
    pub merchant_refund_id: String,
    /// The merchant's reason.
    pub reason: Option<String>,
    /// Yen.
    pub amount: i64,
    /// Now, Unix seconds.
    pub created_at: i64,
}

/// What [`reserve_refund`] did.
#[derive(Debug, Clone)]
pub enum RefundReservation {
    /// A new `PENDING` refund.
    New(Refund),
    /// The merchant's refund id is taken (by this refund, or another).
    Exists(Refund),
    /// More than is left: at most `left` yen.
    Exceeds {
        /// Yen left to refund.
        left: i64,
    },
}

/// Writes a `PENDING` refund of `payment` if the amount is left to refund:
/// the paid amount less the larger of the chain's refunded total and the
/// refunds made or under way (failed ones do not count), in one DB
/// transaction so that two refunds cannot both take the last yen.
pub async fn reserve_refund(
    db: &Db,
    payment: &Payment,
    new: &NewRefund,
) -> Result<RefundReservation, sqlx::Error> {
    let mut tx = db.begin().await?;
    if let Some(existing) =
        refund_by_merchant_id(&mut *tx, &payment.merchant_address, &new.merchant_refund_id).await?
    {
        return Ok(RefundReservation::Exists(existing));
    }
    let current = by_code_id(&mut *tx, &payment.code_id)
        .await?
        .unwrap_or_else(|| payment.clone());
    let recorded: i64 = refunds_of(&mut *tx, &payment.code_id)
        .await?
        .iter()
        .filter(|r| r.status != RefundStatus::Failed)
        .map(|r| r.amount)
        .sum();
    let left = current.amount - current.refunded.max(recorded);
    if new.amount > left {
        return Ok(RefundReservation::Exceeds { left: left.max(0) });
    }
    let refund = Refund {
        refund_id: new.refund_id.clone(),
        merchant_address: payment.merchant_address.clone(),
        merchant_refund_id: new.merchant_refund_id.clone(),
        code_id: payment.code_id.clone(),
        amount: new.amount,
        status: RefundStatus::Pending,
        reason: new.reason.clone(),
        fee_returned: None,
        tx_hash: None,
        tx_version: None,
        created_at: new.created_at,
        completed_at: None,
        failure: None,
        pending_expires_at: None,
    };
    if !insert_refund(&mut tx, &refund).await? {
        let existing =
            refund_by_merchant_id(&mut *tx, &payment.merchant_address, &new.merchant_refund_id)
                .await?;
        return Ok(match existing {
            Some(existing) => RefundReservation::Exists(existing),
            None => RefundReservation::Exceeds { left },
        });
    }
    tx.commit().await?;
    Ok(RefundReservation::New(refund))
}

/// A committed refund's details, from its `InvoiceRefunded` event.
#[derive(Debug, Clone, Copy)]
pub struct Refunded<'a> {
    /// Yen.
    pub amount: u64,
    /// Returned from the treasury.
    pub fee_returned: u64,
    /// The chain's running total after it.
    pub refunded_total: u64,
    /// The transaction.
    pub tx: Tx<'a>,
    /// Chain time, Unix seconds.
    pub at_secs: i64,
}

/// The refund was committed: `COMPLETED`, and the payment's refunded total.
///
/// One database transaction that takes the payment's row first, as the
/// follower's [`chain_refunded`] does: the two never interleave, so the
/// stand-in the follower may have recorded for this transaction is always
/// seen here and removed (the 600 s soak found a second row when the
/// follower's insert was still uncommitted while this ran).
pub async fn complete_refund(
    db: &Db,
    refund_id: &str,
    refunded: &Refunded<'_>,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE payments SET refunded = refunded WHERE code_id = \
         (SELECT code_id FROM refunds WHERE refund_id = $1)",
    )
    .bind(refund_id)
    .execute(&mut *tx)
    .await?;
    // The follower may have recorded this transaction first, as a refund
    // made outside the gateway (`chain-<version>-<index>`), when this row
    // did not look like it (settled as failed meanwhile): one transaction
    // is one refund, so that stand-in goes.
    sqlx::query(
        "DELETE FROM refunds WHERE tx_version = $1 AND refund_id <> $2 AND merchant_refund_id LIKE 'chain-%' \
         AND code_id = (SELECT code_id FROM refunds WHERE refund_id = $2)",
    )
    .bind(refunded.tx.version as i64)
    .bind(refund_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE refunds SET status = 'COMPLETED', tx_hash = $1, tx_version = $2, \
         fee_returned = COALESCE(fee_returned, $3), completed_at = COALESCE(completed_at, $4), \
         pending_expires_at = NULL WHERE refund_id = $5",
    )
    .bind(refunded.tx.hash)
    .bind(refunded.tx.version as i64)
    .bind(refunded.fee_returned as i64)
    .bind(refunded.at_secs)
    .bind(refund_id)
    .execute(&mut *tx)
    .await?;
    if let Some(refund) = refund_by_id(&mut *tx, refund_id).await? {
        note_refunded_total(&mut *tx, &refund.code_id, refunded.refunded_total).await?;
    }
    tx.commit().await
}

/// The refund's transaction definitely did not happen (`reason`): `FAILED`,
/// and it no longer counts against what is left to refund.
pub async fn fail_refund<'e, E: Executor<'e, Database = sqlx::Any>>(
    executor: E,
    refund_id: &str,
    reason: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE refunds SET status = 'FAILED', failure = $1, pending_expires_at = NULL \
         WHERE refund_id = $2 AND status IN ('PENDING', 'SUBMITTED')",
    )
    .bind(reason)
    .bind(refund_id)
    .execute(executor)
    .await?;
    Ok(())
}

/// The refund's transaction `hash` was submitted with an unknown outcome.
pub async fn refund_submitted<'e, E: Executor<'e, Database = sqlx::Any>>(
    executor: E,
    refund_id: &str,
    hash: &str,
    expires_at: u64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE refunds SET status = 'SUBMITTED', tx_hash = $1, pending_expires_at = $2 \
         WHERE refund_id = $3 AND status = 'PENDING'",
    )
    .bind(hash)
    .bind(expires_at as i64)
    .bind(refund_id)
    .execute(executor)
    .await?;
    Ok(())
}

/// Refunds whose outcome is not settled: `SUBMITTED`, and `PENDING` ones
/// written before `written_before`, oldest first.
pub async fn unsettled_refunds(
    pool: &sqlx::AnyPool,
    written_before: i64,
    limit: i64,
) -> Result<Vec<Refund>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {REFUND_COLUMNS} FROM refunds WHERE status = 'SUBMITTED' \
         OR (status = 'PENDING' AND created_at < $1) ORDER BY created_at LIMIT $2"
    ))
    .bind(written_before)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// `InvoiceRefunded`, applied by the follower: the payment's totals, and
/// the gateway refund it completes (the one carrying its hash, else the
/// oldest under way of the payment with this amount), or a new one for a
/// refund made outside the gateway (`chain-<version>-<index>`). Returns the
/// refund and the payment.
pub async fn chain_refunded(
    conn: &mut AnyConnection,
    at: At<'_>,
    index: u64,
    refunded: &Refunded<'_>,
) -> Result<(Refund, Option<Payment>), sqlx::Error> {
    let payment = invoice_at(&mut *conn, at).await?;
    let code_id = payment
        .as_ref()
        .map_or_else(|| code_id(at.merchant, at.order_ref), |p| p.code_id.clone());
    sqlx::query(
        "UPDATE payments SET refunded = $1, fee_refunded = fee_refunded + $2, \
         status = CASE WHEN $1 >= amount THEN 'REFUNDED' ELSE status END WHERE code_id = $3",
    )
    .bind(refunded.refunded_total as i64)
    .bind(refunded.fee_returned as i64)
    .bind(&code_id)
    .execute(&mut *conn)
    .await?;
    // The row that already names this transaction, by hash or by version
    // (the version is a number: no spelling of a hash can hide it).
    let by_hash: Option<Refund> = sqlx::query_as(&format!(
        "SELECT {REFUND_COLUMNS} FROM refunds WHERE code_id = $1 AND (tx_hash = $2 OR tx_version = $3) \
         ORDER BY merchant_refund_id LIKE 'chain-%', refund_id LIMIT 1"
    ))
    .bind(&code_id)
    .bind(refunded.tx.hash)
    .bind(refunded.tx.version as i64)
    .fetch_optional(&mut *conn)
    .await?;
    let matched = match by_hash {
        Some(refund) => Some(refund),
        None => {
            sqlx::query_as(&format!(
                "SELECT {REFUND_COLUMNS} FROM refunds WHERE code_id = $1 \
                 AND status IN ('PENDING', 'SUBMITTED') AND amount = $2 \
                 ORDER BY created_at, refund_id LIMIT 1"
            ))
            .bind(&code_id)
            .bind(refunded.amount as i64)
            .fetch_optional(&mut *conn)
            .await?
        }
    };
    let refund_id = match matched {
        Some(refund) => {
            sqlx::query(
                "UPDATE refunds SET status = 'COMPLETED', tx_hash = $1, tx_version = $2, fee_returned = $3, \
                 completed_at = $4, failure = NULL, pending_expires_at = NULL WHERE refund_id = $5",
            )
            .bind(refunded.tx.hash)
            .bind(refunded.tx.version as i64)
            .bind(refunded.fee_returned as i64)
            .bind(refunded.at_secs)
            .bind(&refund.refund_id)
            .execute(&mut *conn)
            .await?;
            refund.refund_id
        }
        None => {
            let version = refunded.tx.version;
            let refund = Refund {
                refund_id: format!("r_chain_{version}_{index}"),
                merchant_address: at.merchant.to_owned(),
                merchant_refund_id: format!("chain-{version}-{index}"),
                code_id: code_id.clone(),
                amount: refunded.amount as i64,
                status: RefundStatus::Completed,
                reason: None,
                fee_returned: Some(refunded.fee_returned as i64),
                tx_hash: Some(refunded.tx.hash.to_owned()),
                tx_version: Some(version as i64),
                created_at: refunded.at_secs,
                completed_at: Some(refunded.at_secs),
                failure: None,
                pending_expires_at: None,
            };
            insert_refund(&mut *conn, &refund).await?;
            refund.refund_id
        }
    };
    let refund = refund_by_id(&mut *conn, &refund_id)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    let payment = by_code_id(&mut *conn, &code_id).await?;
    Ok((refund, payment))
}

/// The next sequence number of payment `code_id`'s webhook events (1 for its
/// first), taken in the caller's transaction, so that events queued together
/// with a state change are numbered in the order they were applied; 0 when
/// the gateway has no row for the payment (a refund of an invoice it never
/// recorded).
pub async fn next_event_sequence(
    conn: &mut AnyConnection,
    code_id: &str,
) -> Result<i64, sqlx::Error> {
    let next: Option<i64> = sqlx::query_scalar(
        "UPDATE payments SET event_sequence = event_sequence + 1 WHERE code_id = $1 RETURNING event_sequence",
    )
    .bind(code_id)
    .fetch_optional(conn)
    .await?;
    Ok(next.unwrap_or(0))
}

/// Invoices whose records the housekeeping job may purge soon, oldest first:
/// on chain, not purged yet, and closed (expired, cancelled, or paid, at
/// least the shortest refund window ago). The chain decides (`is_purgeable`):
/// each invoice keeps its own refund window. `(merchant, order reference)`.
pub async fn purge_candidates(
    pool: &sqlx::AnyPool,
    now: i64,
    limit: i64,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT merchant_address, merchant_payment_id FROM payments \
         WHERE purged_version IS NULL AND invoice_version IS NOT NULL AND kind IN ('dynamic', 'cpm') \
           AND ((status IN ('EXPIRED', 'CANCELED') AND expires_at <= $1) \
             OR (status IN ('COMPLETED', 'REFUNDED') AND paid_at <= $1 - 10)) \
         ORDER BY COALESCE(paid_at, expires_at), code_id LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(pool)
    .await
}
