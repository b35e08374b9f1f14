//! Which key-encryption keys the stored secrets are sealed under.
//!
//! The database records the check value ([`crate::crypto::Kek::check_value`])
//! of every key it holds secrets under. A gateway refuses to start unless it
//! holds each of them ([`verify`]): started with a new key by mistake (the
//! documented start line once generated one inline), it would otherwise
//! report ready and answer 500 to every call that opens a sealed secret.
//! [`reseal`] moves every secret to the primary key and forgets the others:
//! the last step of a rotation.
use super::Db;
use crate::crypto::Keyring;
use sqlx::Row;

/// Every column holding a sealed secret: table, key column, sealed column,
/// and the context the secret is sealed under (`<prefix>:<key>`).
const SEALED: &[(&str, &str, &str, &str)] = &[
    ("merchants", "id", "terminal_key_enc", "terminal"),
    ("api_keys", "key_id", "signing_key_enc", "apikey"),
    ("webhook_endpoints", "endpoint_id", "secret_enc", "webhook"),
    (
        "webhook_endpoints",
        "endpoint_id",
        "previous_secret_enc",
        "webhook",
    ),
    ("fx_keys", "role", "key_enc", "fxkey"),
];

/// Why the gateway will not use this database with these keys.
#[derive(Debug, thiserror::Error)]
pub enum KekError {
    /// The database holds secrets sealed under a key the gateway was not given.
    #[error(
        "this database holds secrets sealed under a key-encryption key (check value {recorded}...) that the gateway \
         was not given (its key's check value is {given}...). Start it with the key this database was set up with; \
         while rotating, give the old key as YENPAY_KEK_PREVIOUS_FILE (docs/gateway.md, \"Key-encryption key\")"
    )]
    UnknownKey {
        /// The first 12 hex digits of the recorded check value.
        recorded: String,
        /// The first 12 hex digits of the given primary key's.
        given: String,
    },
    /// A database from before check values holds a secret that no key given opens.
    #[error(
        "a secret stored in {table} ({key}) does not open with the key-encryption key given: \
         start the gateway with the key this database was set up with"
    )]
    DoesNotOpen {
        /// The table.
        table: &'static str,
        /// The row's key.
        key: String,
    },
    /// The database failed.
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
}

fn short(check: &str) -> String {
    check.chars().take(12).collect()
}

/// Checks that `keyring` holds every key the database's secrets are sealed
/// under, and records its primary key. A database from before check values
/// is checked by opening one of its secrets.
///
/// # Errors
/// [`KekError::UnknownKey`], [`KekError::DoesNotOpen`], or a database error.
pub async fn verify(db: &Db, keyring: &Keyring, now: i64) -> Result<(), KekError> {
    let held = keyring.check_values();
    let recorded: Vec<String> = sqlx::query("SELECT check_value FROM kek_checks")
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|row| row.try_get("check_value"))
        .collect::<Result<_, _>>()?;
    if let Some(unknown) = recorded.iter().find(|check| !held.contains(check)) {
        return Err(KekError::UnknownKey {
            recorded: short(unknown),
            given: short(&held[0]),
        });
    }
    if recorded.is_empty() {
        for (table, key_column, sealed_column, prefix) in SEALED {
            let row = sqlx::query(&format!(
                "SELECT {key_column} AS k, {sealed_column} AS s FROM {table} WHERE {sealed_column} IS NOT NULL LIMIT 1"
            ))
            .fetch_optional(&db.pool)
            .await?;
            if let Some(row) = row {
                let key: String = row.try_get("k")?;
                let sealed: String = row.try_get("s")?;
                if keyring.open(&format!("{prefix}:{key}"), &sealed).is_err() {
                    return Err(KekError::DoesNotOpen { table, key });
                }
            }
        }
    }
    record(&db.pool, &held[0], now).await?;
    Ok(())
}

async fn record<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    executor: E,
    check: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO kek_checks (check_value, recorded_at) VALUES ($1, $2) ON CONFLICT (check_value) DO NOTHING",
    )
    .bind(check)
    .bind(now)
    .execute(executor)
    .await?;
    Ok(())
}

/// Seals every stored secret again under the primary key and forgets the
/// other keys, in one database transaction; returns how many secrets moved.
/// Nothing changes if any secret does not open.
///
/// # Errors
/// [`KekError::DoesNotOpen`] or a database error.
pub async fn reseal(db: &Db, keyring: &Keyring, now: i64) -> Result<usize, KekError> {
    let mut tx = db.begin().await?;
    let mut moved = 0;
    for (table, key_column, sealed_column, prefix) in SEALED {
        let rows = sqlx::query(&format!(
            "SELECT {key_column} AS k, {sealed_column} AS s FROM {table} WHERE {sealed_column} IS NOT NULL"
        ))
        .fetch_all(&mut *tx)
        .await?;
        for row in rows {
            let key: String = row.try_get("k")?;
            let sealed: String = row.try_get("s")?;
            let context = format!("{prefix}:{key}");
            let plain = keyring
                .open(&context, &sealed)
                .map_err(|_| KekError::DoesNotOpen {
                    table,
                    key: key.clone(),
                })?;
            sqlx::query(&format!(
                "UPDATE {table} SET {sealed_column} = $1 WHERE {key_column} = $2"
            ))
            .bind(keyring.seal(&context, &plain))
            .bind(&key)
            .execute(&mut *tx)
            .await?;
            moved += 1;
        }
    }
    // Saved idempotent answers are sealed to their caller, key and request.
    let saved = sqlx::query(
        "SELECT scope, idem_key, fingerprint, response FROM idempotency_keys WHERE response IS NOT NULL",
    )
    .fetch_all(&mut *tx)
    .await?;
    for row in saved {
        let (scope, key, fingerprint, sealed): (String, String, String, String) = (
            row.try_get("scope")?,
            row.try_get("idem_key")?,
            row.try_get("fingerprint")?,
            row.try_get("response")?,
        );
        let context = crate::idempotency::seal_context(&scope, &key, &fingerprint);
        let plain = keyring
            .open(&context, &sealed)
            .map_err(|_| KekError::DoesNotOpen {
                table: "idempotency_keys",
                key: format!("{scope}:{key}"),
            })?;
        sqlx::query("UPDATE idempotency_keys SET response = $1 WHERE scope = $2 AND idem_key = $3")
            .bind(keyring.seal(&context, &plain))
            .bind(&scope)
            .bind(&key)
            .execute(&mut *tx)
            .await?;
        moved += 1;
    }
    let primary = keyring.primary().check_value();
    sqlx::query("DELETE FROM kek_checks WHERE check_value <> $1")
        .bind(&primary)
        .execute(&mut *tx)
        .await?;
    record(&mut *tx, &primary, now).await?;
    tx.commit().await?;
    Ok(moved)
}
