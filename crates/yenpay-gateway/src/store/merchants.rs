//! Merchants, their API keys and webhook endpoints; the merchant's terminal
//! key is sealed and opened here only.
use crate::crypto::{CryptoError, Keyring};
use aptos_sdk::account::Ed25519Account;
use aptos_sdk::types::AccountAddress;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

/// An onboarded merchant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merchant {
    /// Gateway id (`mer_...`).
    pub id: String,
    /// On-chain owner address, `0x` and 64 hex digits.
    pub address: String,
    /// Name for the EMVCo code (printable ASCII, at most 25).
    pub name: String,
    /// City for the EMVCo code.
    pub city: String,
    /// ISO 18245 category code.
    pub mcc: String,
    /// The gateway-held account the merchant adds on chain as a terminal.
    pub terminal_address: String,
    /// Its private key, sealed under the key-encryption key.
    pub terminal_key_enc: String,
    /// Onboarding time, Unix seconds.
    pub created_at: i64,
}

/// Why a merchant's terminal account cannot be had.
#[derive(Debug, thiserror::Error)]
pub enum TerminalKeyError {
    /// Sealed under a key-encryption key this gateway does not hold, or damaged.
    #[error("the terminal key of merchant {merchant}: {source}")]
    Sealed {
        /// The merchant.
        merchant: String,
        /// Why it did not open.
        source: CryptoError,
    },
    /// It opened, but is no Ed25519 private key.
    #[error("the terminal key of merchant {merchant} is not an Ed25519 private key")]
    NotAKey {
        /// The merchant.
        merchant: String,
    },
}

/// What a terminal key is sealed under: bound to its merchant, so a sealed
/// key copied to another merchant's row does not open (`kek::SEALED` names
/// the same prefix for a rotation).
fn terminal_context(merchant_id: &str) -> String {
    format!("terminal:{merchant_id}")
}

/// Seals merchant `merchant_id`'s new terminal key, for [`Merchant::terminal_key_enc`].
pub fn seal_terminal_key(kek: &Keyring, merchant_id: &str, key: &[u8]) -> String {
    kek.seal(&terminal_context(merchant_id), key)
}

impl Merchant {
    /// The on-chain owner account.
    ///
    /// # Errors
    /// When the stored address is not one (never written so by [`insert`]'s callers).
    pub fn owner(&self) -> Result<AccountAddress, aptos_sdk::error::AptosError> {
        AccountAddress::from_hex(&self.address)
    }

    /// Opens the terminal account, which signs the merchant's invoices and refunds.
    ///
    /// # Errors
    /// [`TerminalKeyError`].
    pub fn terminal_account(&self, kek: &Keyring) -> Result<Ed25519Account, TerminalKeyError> {
        let key = kek
            .open(&terminal_context(&self.id), &self.terminal_key_enc)
            .map_err(|source| TerminalKeyError::Sealed {
                merchant: self.id.clone(),
                source,
            })?;
        Ed25519Account::from_private_key_bytes(&key).map_err(|_| TerminalKeyError::NotAKey {
            merchant: self.id.clone(),
        })
    }

    /// The terminal's key as the signer of its codes (`InvoiceOffer`s),
    /// opened with the KEK; it lives no longer than the caller keeps it
    /// (ed25519-dalek zeroes it on drop).
    ///
    /// # Errors
    /// When it cannot be opened or is not a key.
    pub fn terminal_signing_key(
        &self,
        kek: &Keyring,
    ) -> Result<ed25519_dalek::SigningKey, TerminalKeyError> {
        let key = kek
            .open(&terminal_context(&self.id), &self.terminal_key_enc)
            .map_err(|source| TerminalKeyError::Sealed {
                merchant: self.id.clone(),
                source,
            })?;
        let bytes: &[u8; 32] =
            key.as_slice()
                .try_into()
                .map_err(|_| TerminalKeyError::NotAKey {
                    merchant: self.id.clone(),
                })?;
        Ok(ed25519_dalek::SigningKey::from_bytes(bytes))
    }
}

fn merchant(row: &AnyRow) -> Result<Merchant, sqlx::Error> {
    Ok(Merchant {
        id: row.try_get("id")?,
        address: row.try_get("address")?,
        name: row.try_get("name")?,
        city: row.try_get("city")?,
        mcc: row.try_get("mcc")?,
        terminal_address: row.try_get("terminal_address")?,
        terminal_key_enc: row.try_get("terminal_key_enc")?,
        created_at: row.try_get("created_at")?,
    })
}

const MERCHANT_COLUMNS: &str =
    "id, address, name, city, mcc, terminal_address, terminal_key_enc, created_at";

/// Inserts a merchant; `false` when its address is already onboarded.
pub async fn insert(pool: &AnyPool, m: &Merchant) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO merchants (id, address, name, city, mcc, terminal_address, terminal_key_enc, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (address) DO NOTHING",
    )
    .bind(&m.id)
    .bind(&m.address)
    .bind(&m.name)
    .bind(&m.city)
    .bind(&m.mcc)
    .bind(&m.terminal_address)
    .bind(&m.terminal_key_enc)
    .bind(m.created_at)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The merchant with gateway id `id`.
pub async fn by_id(pool: &AnyPool, id: &str) -> Result<Option<Merchant>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {MERCHANT_COLUMNS} FROM merchants WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?
    .as_ref()
    .map(merchant)
    .transpose()
}

/// The merchant whose on-chain owner is `address`.
pub async fn by_address(pool: &AnyPool, address: &str) -> Result<Option<Merchant>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {MERCHANT_COLUMNS} FROM merchants WHERE address = $1"
    ))
    .bind(address)
    .fetch_optional(pool)
    .await?
    .as_ref()
    .map(merchant)
    .transpose()
}

/// An API key as stored.
#[derive(Debug, Clone)]
pub struct ApiKey {
    /// Public id (`key_...`).
    pub key_id: String,
    /// Owner.
    pub merchant_id: String,
    /// `SHA-256(secret)`, the HMAC key, sealed.
    pub signing_key_enc: String,
    /// Revoked keys authenticate nothing.
    pub revoked: bool,
}

/// Stores a new API key.
pub async fn insert_key(
    pool: &AnyPool,
    key_id: &str,
    merchant_id: &str,
    signing_key_enc: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO api_keys (key_id, merchant_id, signing_key_enc, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(key_id)
    .bind(merchant_id)
    .bind(signing_key_enc)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

/// The API key `key_id`.
pub async fn key(pool: &AnyPool, key_id: &str) -> Result<Option<ApiKey>, sqlx::Error> {
    let Some(row) = sqlx::query(
        "SELECT key_id, merchant_id, signing_key_enc, revoked_at FROM api_keys WHERE key_id = $1",
    )
    .bind(key_id)
    .fetch_optional(pool)
    .await?
    else {
        return Ok(None);
    };
    Ok(Some(ApiKey {
        key_id: row.try_get("key_id")?,
        merchant_id: row.try_get("merchant_id")?,
        signing_key_enc: row.try_get("signing_key_enc")?,
        revoked: row.try_get::<Option<i64>, _>("revoked_at")?.is_some(),
    }))
}

/// Revokes `key_id` of `merchant_id`; `false` if there is no such key.
pub async fn revoke_key(
    pool: &AnyPool,
    merchant_id: &str,
    key_id: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE api_keys SET revoked_at = $1 WHERE key_id = $2 AND merchant_id = $3 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(key_id)
    .bind(merchant_id)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A webhook endpoint.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// Id (`whe_...`).
    pub endpoint_id: String,
    /// Owner.
    pub merchant_id: String,
    /// Where events are POSTed.
    pub url: String,
    /// Signing secret, sealed.
    pub secret_enc: String,
    /// The secret before the last rotation, sealed, while it still signs too.
    pub previous_secret_enc: Option<String>,
    /// Until when (Unix seconds) the previous secret signs.
    pub previous_secret_until: Option<i64>,
}

/// Stores a webhook endpoint.
pub async fn insert_endpoint(pool: &AnyPool, e: &Endpoint, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO webhook_endpoints (endpoint_id, merchant_id, url, secret_enc, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&e.endpoint_id)
    .bind(&e.merchant_id)
    .bind(&e.url)
    .bind(&e.secret_enc)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

fn endpoint(row: &AnyRow) -> Result<Endpoint, sqlx::Error> {
    Ok(Endpoint {
        endpoint_id: row.try_get("endpoint_id")?,
        merchant_id: row.try_get("merchant_id")?,
        url: row.try_get("url")?,
        secret_enc: row.try_get("secret_enc")?,
        previous_secret_enc: row.try_get("previous_secret_enc")?,
        previous_secret_until: row.try_get("previous_secret_until")?,
    })
}

/// The columns [`endpoint`] reads.
const ENDPOINT_COLUMNS: &str = "e.endpoint_id, e.merchant_id, e.url, e.secret_enc, e.previous_secret_enc, e.previous_secret_until";

/// The active endpoint `endpoint_id` (a deleted one is `None`, so the
/// dispatcher never posts to it).
pub async fn endpoint_by_id<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    executor: E,
    endpoint_id: &str,
) -> Result<Option<Endpoint>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints e \
         WHERE e.endpoint_id = $1 AND e.disabled_at IS NULL"
    ))
    .bind(endpoint_id)
    .fetch_optional(executor)
    .await?
    .as_ref()
    .map(endpoint)
    .transpose()
}

/// The active endpoints of the merchant whose owner is `address`.
pub async fn endpoints_of_address<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    executor: E,
    address: &str,
) -> Result<Vec<Endpoint>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints e \
         JOIN merchants m ON m.id = e.merchant_id WHERE m.address = $1 AND e.disabled_at IS NULL \
         ORDER BY e.endpoint_id"
    ))
    .bind(address)
    .fetch_all(executor)
    .await?
    .iter()
    .map(endpoint)
    .collect()
}

/// A webhook endpoint as its merchant may see it: no secret, not even sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointSummary {
    /// Id (`whe_...`).
    pub endpoint_id: String,
    /// Where events are POSTed.
    pub url: String,
    /// Added, Unix seconds.
    pub created_at: i64,
    /// Paused since (Unix seconds): deliveries wait.
    pub paused_at: Option<i64>,
    /// Until when the secret before the last rotation still signs.
    pub previous_secret_until: Option<i64>,
}

/// The active endpoints of merchant `merchant_id`, oldest first.
pub async fn endpoints_of_merchant(
    pool: &AnyPool,
    merchant_id: &str,
) -> Result<Vec<EndpointSummary>, sqlx::Error> {
    // The sealed secret is not selected: the list has no use for it.
    sqlx::query(
        "SELECT endpoint_id, url, created_at, paused_at, previous_secret_until FROM webhook_endpoints \
         WHERE merchant_id = $1 AND disabled_at IS NULL ORDER BY created_at, endpoint_id",
    )
    .bind(merchant_id)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|row| {
        Ok(EndpointSummary {
            endpoint_id: row.try_get("endpoint_id")?,
            url: row.try_get("url")?,
            created_at: row.try_get("created_at")?,
            paused_at: row.try_get("paused_at")?,
            previous_secret_until: row.try_get("previous_secret_until")?,
        })
    })
    .collect()
}

/// Pauses (`paused`) or resumes merchant `merchant_id`'s active endpoint
/// `endpoint_id`; false when the merchant has no such active endpoint.
pub async fn set_endpoint_paused(
    pool: &AnyPool,
    merchant_id: &str,
    endpoint_id: &str,
    paused: bool,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query(
        "UPDATE webhook_endpoints SET paused_at = $1 \
         WHERE endpoint_id = $2 AND merchant_id = $3 AND disabled_at IS NULL",
    )
    .bind(paused.then_some(now))
    .bind(endpoint_id)
    .bind(merchant_id)
    .execute(pool)
    .await?
    .rows_affected();
    Ok(changed == 1)
}

/// Replaces the endpoint's secret with `secret_enc`, keeping the current one
/// as the previous secret until `overlap_until`; false when the merchant has
/// no such active endpoint.
pub async fn rotate_endpoint_secret(
    pool: &AnyPool,
    merchant_id: &str,
    endpoint_id: &str,
    secret_enc: &str,
    overlap_until: i64,
) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query(
        "UPDATE webhook_endpoints SET previous_secret_enc = secret_enc, previous_secret_until = $1, secret_enc = $2 \
         WHERE endpoint_id = $3 AND merchant_id = $4 AND disabled_at IS NULL",
    )
    .bind(overlap_until)
    .bind(secret_enc)
    .bind(endpoint_id)
    .bind(merchant_id)
    .execute(pool)
    .await?
    .rows_affected();
    Ok(changed == 1)
}

/// Disables merchant `merchant_id`'s active endpoint `endpoint_id` in the
/// caller's transaction: no event is queued for it any more. The row stays
/// because the outbox's history names it. `false` when the merchant has no
/// such active endpoint.
pub async fn disable_endpoint(
    conn: &mut sqlx::AnyConnection,
    merchant_id: &str,
    endpoint_id: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let disabled = sqlx::query(
        "UPDATE webhook_endpoints SET disabled_at = $1 \
         WHERE endpoint_id = $2 AND merchant_id = $3 AND disabled_at IS NULL",
    )
    .bind(now)
    .bind(endpoint_id)
    .bind(merchant_id)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(disabled == 1)
}
