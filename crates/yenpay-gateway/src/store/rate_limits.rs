//! Sliding-window rate limits kept in the database, so that every replica
//! counts against the same limit. A use is counted and taken in one
//! transaction that first writes each bucket's row (sorted, so two requests
//! never wait on each other in a cycle): on PostgreSQL that row lock makes
//! concurrent requests on one bucket take turns, on SQLite the write lock
//! does. So a limit of 10 passes at most 10, whatever the replicas.
//!
//! Shared by the sponsor (`/v2/sponsor`) and the quotes (`/v2/quotes`).
use crate::store::Db;

/// One limit a request counts against.
#[derive(Debug, Clone)]
pub struct Bucket {
    /// `sender:<address>`, `merchant:<address>`, `new-account:<merchant address>`.
    pub name: String,
    /// Uses allowed in the window.
    pub limit: u32,
    /// The window, seconds.
    pub window: i64,
    /// The refusal's code when the limit is reached.
    pub code: &'static str,
}

/// Takes one use of every bucket at `now`, or none and names the first
/// limit reached (`Ok(Err(code))`); a refused request leaves no row.
///
/// # Errors
/// When the database fails.
pub async fn take(
    db: &Db,
    buckets: &[Bucket],
    now: i64,
) -> Result<Result<(), &'static str>, sqlx::Error> {
    let mut names: Vec<&str> = buckets.iter().map(|b| b.name.as_str()).collect();
    names.sort_unstable();
    let mut tx = db.begin().await?;
    for name in names {
        sqlx::query(
            "INSERT INTO sponsor_buckets (bucket, touched_at) VALUES ($1, $2) \
             ON CONFLICT (bucket) DO UPDATE SET touched_at = excluded.touched_at",
        )
        .bind(name)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    for bucket in buckets {
        let used: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sponsor_uses WHERE bucket = $1 AND used_at > $2",
        )
        .bind(&bucket.name)
        .bind(now - bucket.window)
        .fetch_one(&mut *tx)
        .await?;
        if used >= i64::from(bucket.limit) {
            tx.rollback().await?;
            return Ok(Err(bucket.code));
        }
    }
    for bucket in buckets {
        sqlx::query("INSERT INTO sponsor_uses (bucket, used_at, expires_at) VALUES ($1, $2, $3)")
            .bind(&bucket.name)
            .bind(now)
            .bind(now + bucket.window)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(Ok(()))
}

/// Forgets uses past their window (and buckets untouched for a day);
/// returns the uses forgotten.
///
/// # Errors
/// When the database fails.
pub async fn purge(pool: &sqlx::AnyPool, now: i64) -> Result<u64, sqlx::Error> {
    let uses = sqlx::query("DELETE FROM sponsor_uses WHERE expires_at <= $1")
        .bind(now)
        .execute(pool)
        .await?
        .rows_affected();
    sqlx::query("DELETE FROM sponsor_buckets WHERE touched_at <= $1")
        .bind(now - 24 * 3600)
        .execute(pool)
        .await?;
    Ok(uses)
}
