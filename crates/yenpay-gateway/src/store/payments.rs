//! Payments (invoices and static payments) and refunds.
use sqlx::Row;
use sqlx::any::AnyRow;

/// A payment as stored. `status` is the stored one; [`Payment::status_at`]
/// adds `EXPIRED`, which is a matter of time, not of a transaction.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Payment {
    /// Gateway id of the code (`c_` and 24 hex digits of SHA-256 of merchant and order).
    pub code_id: String,
    /// Merchant owner address.
    pub merchant_address: String,
    /// The merchant's id for it: the invoice's order reference, or for a
    /// static payment `static-<version>-<event index>`.
    pub merchant_payment_id: String,
    /// `dynamic`, `static` or `cpm`.
    pub kind: String,
    /// `gateway` (created through the API) or `chain` (seen by the follower only).
    pub origin: String,
    /// PENDING, CREATED, COMPLETED, CANCELED, REFUNDED.
    pub status: String,
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
}

impl Payment {
    /// The status at `now`: a CREATED invoice past its expiry is EXPIRED; a
    /// PENDING one (its creation not yet confirmed) reads as CREATED.
    pub fn status_at(&self, now: i64) -> &str {
        match self.status.as_str() {
            "CREATED" | "PENDING" if now >= self.expires_at => "EXPIRED",
            "PENDING" => "CREATED",
            other => other,
        }
    }
}

/// The code id of a merchant's order reference: the same whether the
/// gateway created the invoice or the follower found it.
pub fn code_id(merchant_address: &str, merchant_payment_id: &str) -> String {
    let digest =
        crate::crypto::sha256_hex(format!("{merchant_address}\n{merchant_payment_id}").as_bytes());
    format!("c_{}", &digest[..24])
}

const COLUMNS: &str = "code_id, merchant_address, merchant_payment_id, kind, origin, status, amount, \
    expires_at, created_at, create_tx, create_version, payer, fee, net, paid_at, pay_tx, pay_version, \
    refunded, fee_refunded, reference";

fn payment(row: &AnyRow) -> Result<Payment, sqlx::Error> {
    Ok(Payment {
        code_id: row.try_get("code_id")?,
        merchant_address: row.try_get("merchant_address")?,
        merchant_payment_id: row.try_get("merchant_payment_id")?,
        kind: row.try_get("kind")?,
        origin: row.try_get("origin")?,
        status: row.try_get("status")?,
        amount: row.try_get("amount")?,
        expires_at: row.try_get("expires_at")?,
        created_at: row.try_get("created_at")?,
        create_tx: row.try_get("create_tx")?,
        create_version: row.try_get("create_version")?,
        payer: row.try_get("payer")?,
        fee: row.try_get("fee")?,
        net: row.try_get("net")?,
        paid_at: row.try_get("paid_at")?,
        pay_tx: row.try_get("pay_tx")?,
        pay_version: row.try_get("pay_version")?,
        refunded: row.try_get("refunded")?,
        fee_refunded: row.try_get("fee_refunded")?,
        reference: row.try_get("reference")?,
    })
}

/// Inserts a payment; `false` when (merchant, merchant_payment_id) exists.
pub async fn insert<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    executor: E,
    p: &Payment,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(&format!(
        "INSERT INTO payments ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
         $13, $14, $15, $16, $17, $18, $19, $20) ON CONFLICT DO NOTHING"
    ))
    .bind(&p.code_id)
    .bind(&p.merchant_address)
    .bind(&p.merchant_payment_id)
    .bind(&p.kind)
    .bind(&p.origin)
    .bind(&p.status)
    .bind(p.amount)
    .bind(p.expires_at)
    .bind(p.created_at)
    .bind(&p.create_tx)
    .bind(p.create_version)
    .bind(&p.payer)
    .bind(p.fee)
    .bind(p.net)
    .bind(p.paid_at)
    .bind(&p.pay_tx)
    .bind(p.pay_version)
    .bind(p.refunded)
    .bind(p.fee_refunded)
    .bind(&p.reference)
    .execute(executor)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The payment (merchant, merchant_payment_id).
pub async fn by_merchant_payment_id<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    executor: E,
    merchant_address: &str,
    merchant_payment_id: &str,
) -> Result<Option<Payment>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM payments WHERE merchant_address = $1 AND merchant_payment_id = $2"
    ))
    .bind(merchant_address)
    .bind(merchant_payment_id)
    .fetch_optional(executor)
    .await?
    .as_ref()
    .map(payment)
    .transpose()
}

/// The payment with code id `code_id`.
pub async fn by_code_id<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    executor: E,
    code_id: &str,
) -> Result<Option<Payment>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM payments WHERE code_id = $1"
    ))
    .bind(code_id)
    .fetch_optional(executor)
    .await?
    .as_ref()
    .map(payment)
    .transpose()
}

/// Payments of a merchant paid in `[from, to)` (Unix seconds).
pub async fn paid_between(
    pool: &sqlx::AnyPool,
    merchant_address: &str,
    from: i64,
    to: i64,
) -> Result<Vec<Payment>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM payments WHERE merchant_address = $1 AND paid_at >= $2 AND paid_at < $3 \
         ORDER BY pay_version"
    ))
    .bind(merchant_address)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?
    .iter()
    .map(payment)
    .collect()
}

/// A merchant's `limit` most recently paid payments, newest first (the POS
/// page's refund list; the `payments_paid_at` index serves it).
pub async fn recently_paid(
    pool: &sqlx::AnyPool,
    merchant_address: &str,
    limit: i64,
) -> Result<Vec<Payment>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM payments WHERE merchant_address = $1 AND paid_at IS NOT NULL \
         ORDER BY paid_at DESC, pay_version DESC LIMIT $2"
    ))
    .bind(merchant_address)
    .bind(limit)
    .fetch_all(pool)
    .await?
    .iter()
    .map(payment)
    .collect()
}

/// A refund as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// PENDING, COMPLETED, FAILED.
    pub status: String,
    /// The merchant's reason.
    pub reason: Option<String>,
    /// Fee returned from the treasury.
    pub fee_returned: Option<i64>,
    /// Transaction.
    pub tx_hash: Option<String>,
    /// Its version.
    pub tx_version: Option<i64>,
    /// Requested, Unix seconds.
    pub created_at: i64,
    /// Committed, Unix seconds.
    pub completed_at: Option<i64>,
}

const REFUND_COLUMNS: &str = "refund_id, merchant_address, merchant_refund_id, code_id, amount, status, \
    reason, fee_returned, tx_hash, tx_version, created_at, completed_at";

fn refund(row: &AnyRow) -> Result<Refund, sqlx::Error> {
    Ok(Refund {
        refund_id: row.try_get("refund_id")?,
        merchant_address: row.try_get("merchant_address")?,
        merchant_refund_id: row.try_get("merchant_refund_id")?,
        code_id: row.try_get("code_id")?,
        amount: row.try_get("amount")?,
        status: row.try_get("status")?,
        reason: row.try_get("reason")?,
        fee_returned: row.try_get("fee_returned")?,
        tx_hash: row.try_get("tx_hash")?,
        tx_version: row.try_get("tx_version")?,
        created_at: row.try_get("created_at")?,
        completed_at: row.try_get("completed_at")?,
    })
}

/// Inserts a refund; `false` when (merchant, merchant_refund_id) exists.
pub async fn insert_refund<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    executor: E,
    r: &Refund,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(&format!(
        "INSERT INTO refunds ({REFUND_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT DO NOTHING"
    ))
    .bind(&r.refund_id)
    .bind(&r.merchant_address)
    .bind(&r.merchant_refund_id)
    .bind(&r.code_id)
    .bind(r.amount)
    .bind(&r.status)
    .bind(&r.reason)
    .bind(r.fee_returned)
    .bind(&r.tx_hash)
    .bind(r.tx_version)
    .bind(r.created_at)
    .bind(r.completed_at)
    .execute(executor)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The refund (merchant, merchant_refund_id).
pub async fn refund_by_merchant_id<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    executor: E,
    merchant_address: &str,
    merchant_refund_id: &str,
) -> Result<Option<Refund>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {REFUND_COLUMNS} FROM refunds WHERE merchant_address = $1 AND merchant_refund_id = $2"
    ))
    .bind(merchant_address)
    .bind(merchant_refund_id)
    .fetch_optional(executor)
    .await?
    .as_ref()
    .map(refund)
    .transpose()
}

/// Refunds of a payment, oldest first.
pub async fn refunds_of<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    executor: E,
    code_id: &str,
) -> Result<Vec<Refund>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {REFUND_COLUMNS} FROM refunds WHERE code_id = $1 ORDER BY created_at, refund_id"
    ))
    .bind(code_id)
    .fetch_all(executor)
    .await?
    .iter()
    .map(refund)
    .collect()
}
