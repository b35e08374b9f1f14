//! Leases in the database: who holds a role among replicas (`leadership.rs`).
use sqlx::AnyPool;

/// Takes or renews the lease `name` for `holder` until `now + ttl_secs`:
/// true if `holder` holds it now (it was free, expired, or already its own).
///
/// # Errors
/// When the database fails.
pub async fn acquire(
    pool: &AnyPool,
    name: &str,
    holder: &str,
    now: i64,
    ttl_secs: i64,
) -> Result<bool, sqlx::Error> {
    let taken = sqlx::query(
        "INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at \
         WHERE leases.holder = excluded.holder OR leases.expires_at < $4",
    )
    .bind(name)
    .bind(holder)
    .bind(now + ttl_secs)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(taken.rows_affected() == 1)
}

/// Gives the lease up, if `holder` holds it, so another replica need not wait for it to expire.
///
/// # Errors
/// When the database fails.
pub async fn release(pool: &AnyPool, name: &str, holder: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM leases WHERE name = $1 AND holder = $2")
        .bind(name)
        .bind(holder)
        .execute(pool)
        .await?;
    Ok(())
}
