//! POS credentials (the POS page's logins, issued by the operator) and the
//! login attempts that throttle guessing.
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};
use std::fmt;
use std::str::FromStr;

/// What a POS login may do (web::session has the table of routes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PosRole {
    /// Codes (create, cancel), customer-presented payments, reading payments.
    Cashier,
    /// A cashier's rights, and refunds and the reconciliation report.
    Manager,
}

impl PosRole {
    /// As stored and as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cashier => "cashier",
            Self::Manager => "manager",
        }
    }
}

impl fmt::Display for PosRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role name that is neither `cashier` nor `manager`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("role must be `cashier` or `manager`, not {0:?}")]
pub struct UnknownRole(pub String);

impl FromStr for PosRole {
    type Err = UnknownRole;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value {
            "cashier" => Ok(Self::Cashier),
            "manager" => Ok(Self::Manager),
            other => Err(UnknownRole(other.to_owned())),
        }
    }
}

/// A POS credential as stored: no secret, only its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PosCredential {
    /// Public id (`posc_...`), typed at the till with the secret.
    pub credential_id: String,
    /// Owner.
    pub merchant_id: String,
    /// What its sessions may do.
    pub role: PosRole,
    /// The operator's name for it ("register 1", "store manager").
    pub label: String,
    /// Hex SHA-256 of the secret.
    pub secret_hash: String,
    /// Issued, Unix seconds.
    pub created_at: i64,
    /// Revoked, Unix seconds: it logs in no more and its sessions ended.
    pub revoked_at: Option<i64>,
}

fn credential(row: &AnyRow) -> Result<PosCredential, sqlx::Error> {
    let role: String = row.try_get("role")?;
    Ok(PosCredential {
        credential_id: row.try_get("credential_id")?,
        merchant_id: row.try_get("merchant_id")?,
        role: role.parse().map_err(|e| sqlx::Error::ColumnDecode {
            index: "role".to_owned(),
            source: Box::new(e),
        })?,
        label: row.try_get("label")?,
        secret_hash: row.try_get("secret_hash")?,
        created_at: row.try_get("created_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

const COLUMNS: &str =
    "credential_id, merchant_id, role, label, secret_hash, created_at, revoked_at";

/// Stores a new credential.
pub async fn insert(pool: &AnyPool, c: &PosCredential) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO pos_credentials (credential_id, merchant_id, role, label, secret_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&c.credential_id)
    .bind(&c.merchant_id)
    .bind(c.role.as_str())
    .bind(&c.label)
    .bind(&c.secret_hash)
    .bind(c.created_at)
    .execute(pool)
    .await?;
    Ok(())
}

/// The credential `credential_id`, revoked or not.
pub async fn by_id(
    pool: &AnyPool,
    credential_id: &str,
) -> Result<Option<PosCredential>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM pos_credentials WHERE credential_id = $1"
    ))
    .bind(credential_id)
    .fetch_optional(pool)
    .await?
    .as_ref()
    .map(credential)
    .transpose()
}

/// Every credential of `merchant_id`, revoked ones too, oldest first.
pub async fn of_merchant(
    pool: &AnyPool,
    merchant_id: &str,
) -> Result<Vec<PosCredential>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM pos_credentials WHERE merchant_id = $1 ORDER BY created_at, credential_id"
    ))
    .bind(merchant_id)
    .fetch_all(pool)
    .await?
    .iter()
    .map(credential)
    .collect()
}

/// Revokes `credential_id` of `merchant_id` and ends its sessions, in one
/// transaction; `None` when the merchant has no such active credential,
/// else the number of sessions ended.
pub async fn revoke(
    db: &super::Db,
    merchant_id: &str,
    credential_id: &str,
    now: i64,
) -> Result<Option<u64>, sqlx::Error> {
    let mut tx = db.begin().await?;
    let revoked = sqlx::query(
        "UPDATE pos_credentials SET revoked_at = $1 \
         WHERE credential_id = $2 AND merchant_id = $3 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(credential_id)
    .bind(merchant_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if revoked == 0 {
        tx.rollback().await?;
        return Ok(None);
    }
    let ended = sqlx::query("DELETE FROM pos_sessions WHERE credential_id = $1")
        .bind(credential_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    Ok(Some(ended))
}

/// Records one login attempt `attempt_id` in each of `buckets` at `now`.
pub async fn record_attempt(
    db: &super::Db,
    buckets: &[String],
    attempt_id: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    for bucket in buckets {
        sqlx::query(
            "INSERT INTO pos_login_attempts (bucket, attempt_id, attempted_at) VALUES ($1, $2, $3)",
        )
        .bind(bucket)
        .bind(attempt_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// Forgets attempt `attempt_id` (it succeeded, or was refused unchecked).
pub async fn forget_attempt(pool: &AnyPool, attempt_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM pos_login_attempts WHERE attempt_id = $1")
        .bind(attempt_id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Attempts in `bucket` after `since`.
pub async fn attempts_since(pool: &AnyPool, bucket: &str, since: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM pos_login_attempts WHERE bucket = $1 AND attempted_at > $2",
    )
    .bind(bucket)
    .bind(since)
    .fetch_one(pool)
    .await
}

/// The time of the `nth` newest attempt (1: the newest) in `bucket` after `since`.
pub async fn nth_newest_attempt(
    pool: &AnyPool,
    bucket: &str,
    since: i64,
    nth: u32,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT attempted_at FROM pos_login_attempts WHERE bucket = $1 AND attempted_at > $2 \
         ORDER BY attempted_at DESC LIMIT 1 OFFSET $3",
    )
    .bind(bucket)
    .bind(since)
    .bind(i64::from(nth.saturating_sub(1)))
    .fetch_optional(pool)
    .await
}

/// Deletes attempts at or before `before`.
pub async fn purge_attempts(pool: &AnyPool, before: i64) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM pos_login_attempts WHERE attempted_at <= $1")
            .bind(before)
            .execute(pool)
            .await?
            .rows_affected(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_order_by_rights() {
        for role in [PosRole::Cashier, PosRole::Manager] {
            assert_eq!(role.as_str().parse::<PosRole>(), Ok(role));
        }
        assert!(PosRole::Cashier < PosRole::Manager);
        assert_eq!(
            "admin".parse::<PosRole>(),
            Err(UnknownRole("admin".to_owned()))
        );
    }
}
