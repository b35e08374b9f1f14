//! The desk's role keys: the quote signer's (signs every quote) and the rate
//! keeper's (signs `fx::set_reference_rate`). Each is sealed under the
//! key-encryption key with the context `fxkey:<role>` (so a sealed key
//! copied to the other role's row does not open) and is opened only for
//! the moment it signs; `store::kek` reseals them in a rotation. Neither is
//! ever returned by the API nor logged: the admin route answers the
//! account's address and public key, which the operator then proposes for
//! the on-chain role (two steps, `fx::propose_quote_signer`).
use crate::crypto::{CryptoError, Keyring};
use aptos_sdk::account::Ed25519Account;
use sqlx::{AnyPool, Row};
use zeroize::Zeroizing;

/// A role of the desk whose key the gateway holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Signs quotes.
    QuoteSigner,
    /// Keeps the reference rate.
    RateKeeper,
}

impl Role {
    /// The stored name, also the API's.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::QuoteSigner => "quote_signer",
            Role::RateKeeper => "rate_keeper",
        }
    }

    /// From its name.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "quote_signer" => Some(Role::QuoteSigner),
            "rate_keeper" => Some(Role::RateKeeper),
            _ => None,
        }
    }

    fn context(self) -> String {
        format!("fxkey:{}", self.as_str())
    }
}

/// Why a role key cannot be had.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// Sealed under a key-encryption key this gateway does not hold, or damaged.
    #[error("the {role} key: {source}")]
    Sealed {
        /// The role.
        role: &'static str,
        /// Why.
        source: CryptoError,
    },
    /// It opened, but is no Ed25519 private key.
    #[error("the {0} key is not an Ed25519 private key")]
    NotAKey(&'static str),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// A role key's public side, as the admin API shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicSide {
    /// The account's address (its authentication key, never rotated).
    pub address: String,
    /// The Ed25519 public key, `0x`-hex.
    pub public_key: String,
}

/// Stores `key` (32 bytes) as `role`'s key, sealed, replacing any earlier
/// one; returns its public side.
///
/// # Errors
/// [`KeyError::NotAKey`] or a database error.
pub async fn store(
    pool: &AnyPool,
    kek: &Keyring,
    role: Role,
    key: &[u8],
    now: i64,
) -> Result<PublicSide, KeyError> {
    let account = Ed25519Account::from_private_key_bytes(key)
        .map_err(|_| KeyError::NotAKey(role.as_str()))?;
    let public = PublicSide {
        address: account.address().to_hex(),
        public_key: format!("0x{}", const_hex::encode(account.public_key().to_bytes())),
    };
    let sealed = kek.seal(&role.context(), key);
    sqlx::query(
        "INSERT INTO fx_keys (role, address, public_key, key_enc, created_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (role) DO UPDATE SET address = excluded.address, public_key = excluded.public_key, \
         key_enc = excluded.key_enc, created_at = excluded.created_at",
    )
    .bind(role.as_str())
    .bind(&public.address)
    .bind(&public.public_key)
    .bind(&sealed)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(public)
}

/// A fresh random key for `role`, stored sealed; returns its public side.
///
/// # Errors
/// A database error.
pub async fn generate(
    pool: &AnyPool,
    kek: &Keyring,
    role: Role,
    now: i64,
) -> Result<PublicSide, KeyError> {
    let mut key = Zeroizing::new([0u8; 32]);
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, key.as_mut());
    store(pool, kek, role, key.as_ref(), now).await
}

/// `role`'s public side, if the gateway holds its key.
///
/// # Errors
/// A database error.
pub async fn public_side(pool: &AnyPool, role: Role) -> Result<Option<PublicSide>, sqlx::Error> {
    let row = sqlx::query("SELECT address, public_key FROM fx_keys WHERE role = $1")
        .bind(role.as_str())
        .fetch_optional(pool)
        .await?;
    row.map(|row| {
        Ok(PublicSide {
            address: row.try_get("address")?,
            public_key: row.try_get("public_key")?,
        })
    })
    .transpose()
}

/// `role`'s key as an account, opened with the KEK (`None`: the gateway
/// holds none); it lives no longer than the caller keeps it.
///
/// # Errors
/// [`KeyError`].
pub async fn account(
    pool: &AnyPool,
    kek: &Keyring,
    role: Role,
) -> Result<Option<Ed25519Account>, KeyError> {
    let sealed: Option<String> = sqlx::query_scalar("SELECT key_enc FROM fx_keys WHERE role = $1")
        .bind(role.as_str())
        .fetch_optional(pool)
        .await?;
    let Some(sealed) = sealed else {
        return Ok(None);
    };
    let key = kek
        .open(&role.context(), &sealed)
        .map_err(|source| KeyError::Sealed {
            role: role.as_str(),
            source,
        })?;
    Ed25519Account::from_private_key_bytes(&key)
        .map(Some)
        .map_err(|_| KeyError::NotAKey(role.as_str()))
}

/// `role`'s key as an Ed25519 signing key (zeroed on drop).
///
/// # Errors
/// [`KeyError`].
pub async fn signing_key(
    pool: &AnyPool,
    kek: &Keyring,
    role: Role,
) -> Result<Option<ed25519_dalek::SigningKey>, KeyError> {
    let sealed: Option<String> = sqlx::query_scalar("SELECT key_enc FROM fx_keys WHERE role = $1")
        .bind(role.as_str())
        .fetch_optional(pool)
        .await?;
    let Some(sealed) = sealed else {
        return Ok(None);
    };
    let key = kek
        .open(&role.context(), &sealed)
        .map_err(|source| KeyError::Sealed {
            role: role.as_str(),
            source,
        })?;
    let bytes: [u8; 32] = key
        .as_slice()
        .try_into()
        .map_err(|_| KeyError::NotAKey(role.as_str()))?;
    Ok(Some(ed25519_dalek::SigningKey::from_bytes(&bytes)))
}
