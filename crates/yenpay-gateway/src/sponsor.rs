//! Sponsoring: a wallet posts its signed fee-payer transaction and the
//! gateway co-signs it as fee payer (the operator's account), so customers
//! need no APT. Anyone may call it, so it co-signs only what it should pay
//! for (after Aptos' gas station rules), in this order:
//!
//! 1. on the bytes alone: a fee-payer transaction for this chain, naming the
//!    operator as fee payer, with no secondary signers; our package's
//!    `invoice::pay_signed_invoice`, or `hold::authorize_signed_hold` (a
//!    customer taking a hold code, issue 27) or `hold::increase_authorization`
//!    (its customer raising a hold it took so); exactly the gateway's gas unit price and
//!    `max_gas_amount`; an expiration in the future and at most
//!    `max_expiration` ahead; an Ed25519 or SingleKey Ed25519 sender whose
//!    signature verifies and whose key is the sender's;
//! 2. a code this gateway issued and knows payable (its row: signed, not
//!    paid, cancelled or expired; for a hold code, not yet taken), for its
//!    exact amount (and a hold's tip limit and authorization expiry),
//!    carrying exactly the terminal, expiry, key and signature the gateway
//!    signed for that row (signatures are deterministic: it signs again and
//!    compares); for an increase, a hold taken from such a code, open and
//!    unexpired, whose customer is the sender; the payer screened
//!    (`compliance`: a deny is refused, the verdict recorded; a review
//!    turns a code's payment into a hold code, `409 PAYMENT_UNDER_REVIEW`,
//!    whose taking by that payer is then sponsored: `compliance::review`),
//!    above the operator's threshold an unhosted payer's self-declaration
//!    (the travel rule) and within its tier's per-transaction limit (a hold
//!    counts as what leaves the customer: amount plus tip limit, or the
//!    increase);
//! 3. the code's claim (one sponsored payment per code at a time, across
//!    replicas): nothing before this point writes to the database but the
//!    screening's verdict; then the payer's daily and monthly limits (Japan
//!    time), reserved and returned if the payment does not happen;
//! 4. the rate limits (per sender and merchant per minute, new accounts per
//!    merchant per day), counted atomically;
//! 5. the node's simulation: what would abort is not signed;
//! 6. the operator's budget per hour and per day, reserved atomically at
//!    the simulated cost and corrected to the cost charged.
//!
//! Every refusal is a 4xx or 503 with its own code, and counted in the
//! metrics. The HTTP side, `/v2/sponsor` and the wallet page's payment,
//! is in `api::sponsor` and `api::wallet`.
use crate::AppState;
use crate::chain::{ChainError, TxOutcome};
use crate::compliance::travel_rule::{self, DeclarationError, DeclarationInput};
use crate::compliance::{self, limits as customer_limits};
use crate::error::{ApiError, chain_error};
use crate::store::compliance::NewScreening;
use crate::store::{holds, merchants, payments};
use aptos_sdk::account::Ed25519Account;
use aptos_sdk::transaction::authenticator::{AccountAuthenticator, TransactionAuthenticator};
use aptos_sdk::transaction::sponsored::PartiallySigned;
use aptos_sdk::transaction::{
    FeePayerRawTransaction, RawTransaction, SignedTransaction, TransactionPayload,
};
use aptos_sdk::types::AccountAddress;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

/// The payment functions the gateway sponsors: the customer's payment of a
/// code the gateway signed, and its taking of a hold code the gateway
/// signed. (`pay_invoice`, the payment of an invoice created on chain, is
/// no longer sponsored: the gateway creates none.)
pub const SPONSORED_FUNCTIONS: &[(&str, &str)] = &[
    ("invoice", "pay_signed_invoice"),
    ("hold", "authorize_signed_hold"),
    ("hold", "authorize_reviewed_hold"),
    ("hold", "increase_authorization"),
];

/// `increase_authorization`'s arguments.
struct Increase {
    merchant: AccountAddress,
    hold_ref: String,
    amount: u64,
}

impl Increase {
    fn decode(args: &[Vec<u8>]) -> Option<Self> {
        let [merchant, hold_ref, amount, capture_before] = args else {
            return None;
        };
        let _: u64 = aptos_bcs::from_bytes(capture_before).ok()?;
        Some(Self {
            merchant: aptos_bcs::from_bytes(merchant).ok()?,
            hold_ref: aptos_bcs::from_bytes(hold_ref).ok()?,
            amount: aptos_bcs::from_bytes(amount).ok()?,
        })
    }
}

/// `authorize_signed_hold`'s arguments, or `authorize_reviewed_hold`'s
/// (with the reviewer after the terminal).
struct SignedHold {
    merchant: AccountAddress,
    terminal: AccountAddress,
    reviewer: Option<AccountAddress>,
    hold_ref: String,
    amount: u64,
    tip_limit: u64,
    capture_before: u64,
    expires_at: u64,
    public_key: Vec<u8>,
    signature: Vec<u8>,
}

impl SignedHold {
    fn decode(args: &[Vec<u8>], reviewed: bool) -> Option<Self> {
        let (reviewer, args) = if reviewed {
            let (first, rest) = args.split_first_chunk::<3>()?;
            let reviewer: AccountAddress = aptos_bcs::from_bytes(&first[2]).ok()?;
            (Some(reviewer), [&first[..2], rest].concat())
        } else {
            (None, args.to_vec())
        };
        let [
            merchant,
            terminal,
            hold_ref,
            amount,
            tip_limit,
            capture_before,
            expires_at,
            public_key,
            signature,
        ] = args.as_slice()
        else {
            return None;
        };
        Some(Self {
            merchant: aptos_bcs::from_bytes(merchant).ok()?,
            terminal: aptos_bcs::from_bytes(terminal).ok()?,
            reviewer,
            hold_ref: aptos_bcs::from_bytes(hold_ref).ok()?,
            amount: aptos_bcs::from_bytes(amount).ok()?,
            tip_limit: aptos_bcs::from_bytes(tip_limit).ok()?,
            capture_before: aptos_bcs::from_bytes(capture_before).ok()?,
            expires_at: aptos_bcs::from_bytes(expires_at).ok()?,
            public_key: aptos_bcs::from_bytes(public_key).ok()?,
            signature: aptos_bcs::from_bytes(signature).ok()?,
        })
    }
}

/// What a sponsored transaction pays for, once step 2 found it issued.
struct Issued {
    /// The claim's key: the code's id, or the hold's.
    claim: String,
    /// The merchant's owner.
    merchant: AccountAddress,
    /// Its order or hold reference.
    reference: String,
    /// What leaves the customer.
    amount: u64,
    /// The merchant's category (screening's fail policy).
    mcc: String,
}

/// `pay_signed_invoice`'s arguments.
struct SignedPayment {
    merchant: AccountAddress,
    terminal: AccountAddress,
    order: String,
    amount: u64,
    expires_at: u64,
    public_key: Vec<u8>,
    signature: Vec<u8>,
}

impl SignedPayment {
    fn decode(args: &[Vec<u8>]) -> Option<Self> {
        let [
            merchant,
            terminal,
            order,
            amount,
            expires_at,
            public_key,
            signature,
        ] = args
        else {
            return None;
        };
        Some(Self {
            merchant: aptos_bcs::from_bytes(merchant).ok()?,
            terminal: aptos_bcs::from_bytes(terminal).ok()?,
            order: aptos_bcs::from_bytes(order).ok()?,
            amount: aptos_bcs::from_bytes(amount).ok()?,
            expires_at: aptos_bcs::from_bytes(expires_at).ok()?,
            public_key: aptos_bcs::from_bytes(public_key).ok()?,
            signature: aptos_bcs::from_bytes(signature).ok()?,
        })
    }
}

/// Sliding-window rate limits kept in the database, so that every replica
/// counts against the same limit. A use is counted and taken in one
/// transaction that first writes each bucket's row (sorted, so two requests
/// never wait on each other in a cycle): on PostgreSQL that row lock makes
/// concurrent requests on one bucket take turns, on SQLite the write lock
/// does. So a limit of 10 passes at most 10, whatever the replicas.
pub mod limits {
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
            sqlx::query(
                "INSERT INTO sponsor_uses (bucket, used_at, expires_at) VALUES ($1, $2, $3)",
            )
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
}

/// One sponsored payment per code at a time, claimed in the database (a
/// primary key: of two replicas claiming at once, one inserts).
pub mod claims {
    use sqlx::{AnyPool, Row};

    /// How long after its transaction's expiration an unfinished claim may
    /// be taken over: past the expiration the node no longer commits it,
    /// and this covers the node's clock being behind ours.
    pub const TAKEOVER_MARGIN_SECS: i64 = 30;

    /// The outcome of claiming a code.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum Claim {
        /// Ours, under this token.
        Taken(String),
        /// Another request's transaction for it is in flight.
        InFlight,
        /// A sponsored payment of it committed (its hash).
        Committed(Option<String>),
    }

    /// Claims `code_id` for a transaction of `sender` that expires at `tx_expires_at`.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn take(
        pool: &AnyPool,
        code_id: &str,
        sender: &str,
        tx_expires_at: i64,
        now: i64,
    ) -> Result<Claim, sqlx::Error> {
        let token = crate::crypto::random_hex(16);
        let inserted = sqlx::query(
            "INSERT INTO sponsor_claims (code_id, state, token, sender, tx_hash, tx_expires_at, claimed_at) \
             VALUES ($1, 'IN_FLIGHT', $2, $3, NULL, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(code_id)
        .bind(&token)
        .bind(sender)
        .bind(tx_expires_at)
        .bind(now)
        .execute(pool)
        .await?
        .rows_affected();
        if inserted == 1 {
            return Ok(Claim::Taken(token));
        }
        // An abandoned claim: its transaction can no longer commit (if it
        // did, the invoice is paid and the node's simulation refuses another).
        let taken_over = sqlx::query(
            "UPDATE sponsor_claims SET token = $1, sender = $2, tx_expires_at = $3, claimed_at = $4 \
             WHERE code_id = $5 AND state = 'IN_FLIGHT' AND tx_expires_at < $6",
        )
        .bind(&token)
        .bind(sender)
        .bind(tx_expires_at)
        .bind(now)
        .bind(code_id)
        .bind(now - TAKEOVER_MARGIN_SECS)
        .execute(pool)
        .await?
        .rows_affected();
        if taken_over == 1 {
            return Ok(Claim::Taken(token));
        }
        let row = sqlx::query("SELECT state, tx_hash FROM sponsor_claims WHERE code_id = $1")
            .bind(code_id)
            .fetch_optional(pool)
            .await?;
        Ok(match row {
            Some(row) if row.try_get::<String, _>("state")? == "COMMITTED" => {
                Claim::Committed(row.try_get("tx_hash")?)
            }
            Some(_) => Claim::InFlight,
            // Released between our insert and select: one more try is fair.
            None => Claim::InFlight,
        })
    }

    /// Gives the claim up (the submission definitely failed).
    ///
    /// # Errors
    /// When the database fails.
    pub async fn release(pool: &AnyPool, code_id: &str, token: &str) -> Result<(), sqlx::Error> {
        sqlx::query(
            "DELETE FROM sponsor_claims WHERE code_id = $1 AND token = $2 AND state = 'IN_FLIGHT'",
        )
        .bind(code_id)
        .bind(token)
        .execute(pool)
        .await?;
        Ok(())
    }

    /// Marks the claim's payment committed, for good.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn commit(
        pool: &AnyPool,
        code_id: &str,
        token: &str,
        tx_hash: &str,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE sponsor_claims SET state = 'COMMITTED', tx_hash = $1 WHERE code_id = $2 AND token = $3",
        )
        .bind(tx_hash)
        .bind(code_id)
        .bind(token)
        .execute(pool)
        .await?;
        Ok(())
    }

    /// Forgets claims older than two days (a code lives at most one).
    ///
    /// # Errors
    /// When the database fails.
    pub async fn purge(pool: &AnyPool, now: i64) -> Result<u64, sqlx::Error> {
        Ok(
            sqlx::query("DELETE FROM sponsor_claims WHERE claimed_at < $1")
                .bind(now - 2 * 24 * 3600)
                .execute(pool)
                .await?
                .rows_affected(),
        )
    }
}

/// The operator's sponsoring budget: octas per UTC hour and per UTC day,
/// in the database so that replicas share it. A transaction reserves its
/// simulated cost in both before it is signed (one conditional `UPDATE`
/// each: of two replicas taking the last octas, one gets them), and the
/// reservation is corrected to the cost charged once it committed, or
/// returned when it definitely was not executed.
pub mod budget {
    use crate::config::SponsorPolicy;
    use crate::store::Db;
    use sqlx::AnyPool;

    const HOUR: i64 = 3600;
    const DAY: i64 = 24 * 3600;

    /// The periods, their start at `now` and their budget.
    fn periods(policy: &SponsorPolicy, now: i64) -> [(&'static str, i64, u64); 2] {
        [
            (
                "hour",
                now - now.rem_euclid(HOUR),
                policy.budget_per_hour_octas,
            ),
            (
                "day",
                now - now.rem_euclid(DAY),
                policy.budget_per_day_octas,
            ),
        ]
    }

    /// Reserves `octas` in the hour and the day of `now`, or names the
    /// period whose budget they would pass (`Ok(Err(period))`, nothing reserved).
    ///
    /// # Errors
    /// When the database fails.
    pub async fn reserve(
        db: &Db,
        policy: &SponsorPolicy,
        octas: u64,
        now: i64,
    ) -> Result<Result<(), &'static str>, sqlx::Error> {
        let octas = i64::try_from(octas).unwrap_or(i64::MAX);
        let mut tx = db.begin().await?;
        for (period, start, limit) in periods(policy, now) {
            sqlx::query(
                "INSERT INTO sponsor_spend (period, period_start, octas) VALUES ($1, $2, 0) ON CONFLICT DO NOTHING",
            )
            .bind(period)
            .bind(start)
            .execute(&mut *tx)
            .await?;
            let reserved = sqlx::query(
                "UPDATE sponsor_spend SET octas = octas + $1 \
                 WHERE period = $2 AND period_start = $3 AND octas + $1 <= $4",
            )
            .bind(octas)
            .bind(period)
            .bind(start)
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if reserved == 0 {
                tx.rollback().await?;
                return Ok(Err(period));
            }
        }
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// Adds `delta` octas (negative: returns them) to the periods a
    /// reservation made at `reserved_at` went into.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn adjust(
        pool: &AnyPool,
        policy: &SponsorPolicy,
        delta: i64,
        reserved_at: i64,
    ) -> Result<(), sqlx::Error> {
        if delta == 0 {
            return Ok(());
        }
        for (period, start, _) in periods(policy, reserved_at) {
            sqlx::query(
                "UPDATE sponsor_spend SET octas = octas + $1 WHERE period = $2 AND period_start = $3",
            )
            .bind(delta)
            .bind(period)
            .bind(start)
            .execute(pool)
            .await?;
        }
        Ok(())
    }

    /// Octas spent (and reserved) in the hour and the day of `now`.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn spent(
        pool: &AnyPool,
        policy: &SponsorPolicy,
        now: i64,
    ) -> Result<(i64, i64), sqlx::Error> {
        let mut out = [0i64; 2];
        for (slot, (period, start, _)) in out.iter_mut().zip(periods(policy, now)) {
            *slot = sqlx::query_scalar(
                "SELECT octas FROM sponsor_spend WHERE period = $1 AND period_start = $2",
            )
            .bind(period)
            .bind(start)
            .fetch_optional(pool)
            .await?
            .unwrap_or(0);
        }
        Ok((out[0], out[1]))
    }

    /// Forgets periods that ended over two days ago.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn purge(pool: &AnyPool, now: i64) -> Result<u64, sqlx::Error> {
        Ok(
            sqlx::query("DELETE FROM sponsor_spend WHERE period_start < $1")
                .bind(now - 3 * DAY)
                .execute(pool)
                .await?
                .rows_affected(),
        )
    }
}

/// A sponsored, committed transaction.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Sponsored {
    /// Hash.
    pub transaction_hash: String,
    /// Ledger version.
    pub version: u64,
    /// The fee payer.
    pub fee_payer: String,
}

/// A refusal with `code`, counted in the metrics by its code.
pub fn refuse(
    state: &AppState,
    status: StatusCode,
    code: &'static str,
    message: impl Into<String>,
) -> ApiError {
    state
        .metrics
        .sponsor_refusals
        .with_label_values(&[code])
        .inc();
    ApiError::new(status, code, message)
}

/// Why a sender authenticator's bytes are not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// A well-formed kind the sponsor does not take (multi-key, other curves, none).
    #[error("only Ed25519 and SingleKey Ed25519 senders are sponsored")]
    Unsupported,
    /// Not an account authenticator.
    #[error("{0}")]
    Malformed(String),
}

/// Reads a sender's `AccountAuthenticator` as the chain encodes it (BCS).
/// aptos-sdk 0.8 decodes only its own Ed25519 form (its SingleKey decoder
/// expects length prefixes the chain's encoding does not have), so the
/// SingleKey Ed25519 form is read here: variant 2, then `AnyPublicKey::Ed25519`
/// (0, 32, key) and `AnySignature::Ed25519` (0, 64, signature).
///
/// # Errors
/// [`DecodeError`].
pub fn decode_authenticator(bytes: &[u8]) -> Result<AccountAuthenticator, DecodeError> {
    const ED25519: u8 = 0;
    const SINGLE_KEY: u8 = 2;
    match bytes.split_first() {
        Some((&ED25519, _)) => {
            aptos_bcs::from_bytes(bytes).map_err(|e| DecodeError::Malformed(e.to_string()))
        }
        Some((&SINGLE_KEY, rest)) if rest.first() == Some(&ED25519) => {
            let (public_key, signature) = rest.split_at_checked(34).ok_or_else(|| {
                DecodeError::Malformed("a SingleKey Ed25519 key is 0, 32 and 32 bytes".to_owned())
            })?;
            if public_key[1] != 32 || !matches!(signature, [ED25519, 64, s @ ..] if s.len() == 64) {
                return Err(DecodeError::Malformed(
                    "a SingleKey Ed25519 authenticator is 0, 32, the key, 0, 64, the signature"
                        .to_owned(),
                ));
            }
            Ok(AccountAuthenticator::SingleKey {
                public_key: public_key.to_vec(),
                signature: signature.to_vec(),
            })
        }
        // A SingleKey of another curve, MultiEd25519, MultiKey, NoAccountAuthenticator.
        Some((&(SINGLE_KEY | 1 | 3 | 4), _)) => Err(DecodeError::Unsupported),
        _ => Err(DecodeError::Malformed("unknown variant".to_owned())),
    }
}

/// The fee payer, or a 503 when this gateway has none.
pub fn operator(state: &AppState) -> Result<std::sync::Arc<Ed25519Account>, ApiError> {
    state.operator.clone().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "SPONSOR_DISABLED",
            "this gateway has no fee-payer key",
        )
    })
}

/// Why a sender's authenticator is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SenderError {
    /// Not an Ed25519 key, plain or as a SingleKey.
    #[error("only Ed25519 and SingleKey Ed25519 senders are sponsored")]
    Unsupported,
    /// The signature is not over this fee-payer transaction (or malformed).
    #[error("the sender's signature is not over this transaction with the gateway as fee payer")]
    BadSignature,
    /// The key does not derive the sender's address.
    #[error("the signing key is not the sender's (accounts with a rotated key are not sponsored)")]
    NotSendersKey,
}

impl SenderError {
    /// The refusal's code.
    pub fn code(&self) -> &'static str {
        match self {
            SenderError::Unsupported => "SPONSOR_UNSUPPORTED_AUTHENTICATOR",
            SenderError::BadSignature => "SPONSOR_BAD_SIGNATURE",
            SenderError::NotSendersKey => "SPONSOR_NOT_SENDERS_KEY",
        }
    }
}

/// Checks that `authenticator` signed `message` with the key of `sender`:
/// an Ed25519 key, as the legacy Ed25519 scheme or as a SingleKey
/// (`AnyPublicKey::Ed25519`); strict verification (no malleable signatures).
///
/// # Errors
/// [`SenderError`].
pub fn verify_sender(
    authenticator: &AccountAuthenticator,
    message: &[u8],
    sender: AccountAddress,
) -> Result<(), SenderError> {
    use aptos_sdk::crypto::{ED25519_SCHEME, SINGLE_KEY_SCHEME, derive_authentication_key};
    let (public_key, signature, authentication_key) = match authenticator {
        AccountAuthenticator::Ed25519 {
            public_key,
            signature,
        } => (
            public_key.0,
            signature.0,
            derive_authentication_key(&public_key.0, ED25519_SCHEME),
        ),
        AccountAuthenticator::SingleKey {
            public_key,
            signature,
        } => {
            // BCS of AnyPublicKey::Ed25519 and AnySignature::Ed25519: variant 0, length, bytes.
            let (Some((0, key)), Some((0, sig))) =
                (public_key.split_first(), signature.split_first())
            else {
                return Err(SenderError::Unsupported);
            };
            let key: [u8; 32] = key
                .strip_prefix(&[32])
                .and_then(|k| k.try_into().ok())
                .ok_or(SenderError::BadSignature)?;
            let sig: [u8; 64] = sig
                .strip_prefix(&[64])
                .and_then(|s| s.try_into().ok())
                .ok_or(SenderError::BadSignature)?;
            (
                key,
                sig,
                derive_authentication_key(public_key, SINGLE_KEY_SCHEME),
            )
        }
        _ => return Err(SenderError::Unsupported),
    };
    ed25519_dalek::VerifyingKey::from_bytes(&public_key)
        .and_then(|key| {
            key.verify_strict(message, &ed25519_dalek::Signature::from_bytes(&signature))
        })
        .map_err(|_| SenderError::BadSignature)?;
    // Someone else's key must not spend the sender's quota (nor sign for it).
    if AccountAddress::new(authentication_key) != sender {
        return Err(SenderError::NotSendersKey);
    }
    Ok(())
}

/// Checks a wallet's signed payment against the sponsoring rules (module
/// docs), co-signs it as fee payer, submits it and waits for it. Both
/// `/v2/sponsor` and the wallet page come through here.
///
/// # Errors
/// A 4xx naming the rule a transaction breaks, a 503 when the budget is
/// spent, or the chain's answer.
pub async fn cosign(
    state: &AppState,
    raw: RawTransaction,
    authenticator: AccountAuthenticator,
    declaration: Option<&DeclarationInput>,
) -> Result<(Sponsored, TxOutcome), ApiError> {
    let operator = operator(state)?;
    let forbidden = |code, message: String| refuse(state, StatusCode::FORBIDDEN, code, message);
    let policy = &state.config.sponsor;

    // 1. The transaction's bytes alone: nothing is read or written before they pass.
    if raw.chain_id.id() != state.config.chain_id {
        return Err(forbidden(
            "SPONSOR_WRONG_CHAIN",
            format!(
                "chain id {} is not {}",
                raw.chain_id.id(),
                state.config.chain_id
            ),
        ));
    }
    let TransactionPayload::EntryFunction(call) = &raw.payload else {
        return Err(forbidden(
            "SPONSOR_NOT_ENTRY_FUNCTION",
            "only an entry function call (with a sequence number) is sponsored".to_owned(),
        ));
    };
    let allowed = call.module.address == state.config.package
        && SPONSORED_FUNCTIONS
            .iter()
            .any(|(m, f)| call.module.name.as_str() == *m && call.function == *f)
        && call.type_args.is_empty();
    if !allowed {
        return Err(forbidden(
            "SPONSOR_FUNCTION_NOT_ALLOWED",
            format!(
                "{}::{}::{} is not a payment function of the package",
                call.module.address.to_hex(),
                call.module.name.as_str(),
                call.function
            ),
        ));
    }
    let function = (call.module.name.as_str().to_owned(), call.function.clone());
    let args = call.args.clone();
    // The gateway pays, so it sets the price: a sender's 10x price or larger
    // gas limit would only cost the operator more.
    if raw.max_gas_amount != policy.max_gas_amount {
        return Err(forbidden(
            "SPONSOR_MAX_GAS_MISMATCH",
            format!(
                "max_gas_amount must be {} (GET /v2/sponsor/info)",
                policy.max_gas_amount
            ),
        ));
    }
    if raw.gas_unit_price != policy.gas_unit_price {
        return Err(forbidden(
            "SPONSOR_GAS_PRICE_MISMATCH",
            format!(
                "gas_unit_price must be {} (GET /v2/sponsor/info)",
                policy.gas_unit_price
            ),
        ));
    }
    let now = state.clock.now();
    let expiration = raw.expiration_timestamp_secs as i64;
    if expiration <= now || expiration > now + policy.max_expiration.as_secs() as i64 {
        return Err(forbidden(
            "SPONSOR_BAD_EXPIRATION",
            format!(
                "the expiration must be in the next {} seconds",
                policy.max_expiration.as_secs()
            ),
        ));
    }
    let sender = raw.sender;
    let fee_payer_txn = FeePayerRawTransaction::new(raw, Vec::new(), operator.address());
    let message = fee_payer_txn
        .signing_message()
        .map_err(ApiError::internal)?;
    verify_sender(&authenticator, &message, sender)
        .map_err(|error| forbidden(error.code(), error.to_string()))?;

    // 2. A code this gateway issued and knows to be payable, for its amount.
    let issued = match (function.0.as_str(), function.1.as_str()) {
        ("hold", "authorize_signed_hold") => issued_hold(state, &args, false, now).await?,
        ("hold", "authorize_reviewed_hold") => issued_hold(state, &args, true, now).await?,
        ("hold", _) => issued_increase(state, &args, sender, now).await?,
        _ => issued_invoice(state, &args, now).await?,
    };
    let Issued {
        claim,
        merchant,
        reference: order,
        amount,
        mcc,
    } = issued;
    // 2c. Compliance: the payer is screened (one verdict row per code and
    // sender, however often it asks) and the payment must fit the payer's
    // tier's per-transaction limit; nothing else is written or counted yet.
    let sender_hex = sender.to_hex();
    let merchant_hex = merchant.to_hex();
    let amount_i64 = i64::try_from(amount).unwrap_or(i64::MAX);
    let screening = NewScreening {
        context: "SPONSOR",
        reference: &claim,
        subject: &sender_hex,
        merchant_address: &merchant_hex,
        order_ref: Some(&order),
        amount: amount_i64,
        mcc: &mcc,
    };
    if let Some(verdict) = compliance::screen_now(state, &screening).await? {
        // A review turns a code's payment into a hold the analyst decides
        // (`compliance::review`), and lets the payer take that hold's code.
        let reviewed = verdict.decision == compliance::Decision::Review;
        match function.1.as_str() {
            "pay_signed_invoice" if reviewed => {
                return Err(compliance::review::hold_for_review(
                    state,
                    &merchant_hex,
                    &order,
                    amount,
                    &sender_hex,
                    &verdict,
                )
                .await?);
            }
            "authorize_signed_hold" | "authorize_reviewed_hold" => {
                match compliance::review::admits(state, &claim, &sender_hex).await? {
                    Some(true) if verdict.decision != compliance::Decision::Deny => {}
                    Some(false) => {
                        return Err(forbidden(
                            "SPONSOR_NOT_REVIEWED_PAYER",
                            "this hold code stands for another payer's payment under review, or a review decided"
                                .to_owned(),
                        ));
                    }
                    _ => {
                        if let Some((status, code, message)) = compliance::refusal(&verdict) {
                            return Err(refuse(state, status, code, message));
                        }
                    }
                }
            }
            _ => {
                if let Some((status, code, message)) = compliance::refusal(&verdict) {
                    return Err(refuse(state, status, code, message));
                }
            }
        }
    }
    // 2d. The travel rule: above the operator's threshold, an unhosted
    // payer has declared who they are (stored for the payment's record).
    if let Err(error) =
        travel_rule::require_declaration(state, &claim, &sender_hex, amount_i64, declaration).await
    {
        return Err(match error {
            DeclarationError::Required { .. } => refuse(
                state,
                StatusCode::FORBIDDEN,
                "SELF_DECLARATION_REQUIRED",
                error.to_string(),
            ),
            DeclarationError::Invalid(_) => refuse(
                state,
                StatusCode::BAD_REQUEST,
                "SELF_DECLARATION_INVALID",
                error.to_string(),
            ),
            DeclarationError::Db(error) => error.into(),
        });
    }
    let tier = match customer_limits::check_per_transaction(state, &sender_hex, amount).await? {
        Ok(tier) => tier,
        Err(exceeded) => {
            customer_limits::record_refusal(
                state,
                &sender_hex,
                &claim,
                &merchant_hex,
                amount_i64,
                exceeded,
            )
            .await?;
            return Err(limit_refusal(state, exceeded));
        }
    };
    // A sender without an account yet costs the operator the account's storage.
    let sender_exists = state
        .ledger
        .account(sender)
        .await
        .map_err(chain_error)?
        .exists;

    // 3. The code's claim: the first write, once everything above passed.
    let token =
        match claims::take(&state.db.pool, &claim, &sender.to_hex(), expiration, now).await? {
            claims::Claim::Taken(token) => token,
            claims::Claim::InFlight => {
                return Err(refuse(
                    state,
                    StatusCode::CONFLICT,
                    "SPONSOR_CODE_IN_FLIGHT",
                    "a sponsored payment of this code is in flight",
                ));
            }
            claims::Claim::Committed(hash) => {
                return Err(refuse(
                    state,
                    StatusCode::CONFLICT,
                    "SPONSOR_CODE_ALREADY_SPONSORED",
                    format!(
                        "a sponsored payment of this code committed (transaction {})",
                        hash.unwrap_or_default()
                    ),
                ));
            }
        };
    // 3b. The payer's Japan day and month: reserved now, returned if the
    // payment definitely does not happen.
    let reservation = match customer_limits::reserve(state, &sender_hex, tier, amount, now).await {
        Ok(Ok(reservation)) => reservation,
        Ok(Err(exceeded)) => {
            claims::release(&state.db.pool, &claim, &token).await?;
            customer_limits::record_refusal(
                state,
                &sender_hex,
                &claim,
                &merchant_hex,
                amount_i64,
                exceeded,
            )
            .await?;
            return Err(limit_refusal(state, exceeded));
        }
        Err(error) => {
            claims::release(&state.db.pool, &claim, &token).await?;
            return Err(error.into());
        }
    };
    let claimed = Claimed {
        state,
        operator: &operator,
        merchant,
        sender_exists,
        now,
    };
    match claimed.submit(fee_payer_txn, authenticator).await {
        Ok((sponsored, outcome)) => {
            claims::commit(&state.db.pool, &claim, &token, &sponsored.transaction_hash).await?;
            Ok((sponsored, outcome))
        }
        Err(Failure {
            error,
            keep_claim: false,
        }) => {
            claims::release(&state.db.pool, &claim, &token).await?;
            reservation.release(state).await?;
            Err(error)
        }
        Err(Failure { error, .. }) => Err(error),
    }
}

/// Step 2 for `pay_signed_invoice`: the code's row, open, for this amount,
/// exactly as the gateway signed it.
async fn issued_invoice(state: &AppState, args: &[Vec<u8>], now: i64) -> Result<Issued, ApiError> {
    let forbidden = |code, message: String| refuse(state, StatusCode::FORBIDDEN, code, message);
    let Some(payment) = SignedPayment::decode(args) else {
        return Err(forbidden(
            "SPONSOR_BAD_ARGUMENTS",
            "pay_signed_invoice takes (merchant: address, terminal: address, order_ref: String, amount: u64, expires_at: u64, public_key: vector<u8>, signature: vector<u8>)".to_owned(),
        ));
    };
    let invoice = payments::by_merchant_payment_id(
        &state.db.pool,
        &payment.merchant.to_hex(),
        &payment.order,
    )
    .await?;
    let Some(invoice) = invoice.filter(|p| {
        // Signed and not yet seen on chain: paid, cancelled or expired codes are not payable.
        p.status == payments::PaymentStatus::Created && p.is_signed_code() && p.expires_at > now
    }) else {
        return Err(forbidden(
            "SPONSOR_NO_LIVE_INVOICE",
            "no code this gateway issued with this merchant and order reference is open and unexpired".to_owned(),
        ));
    };
    if invoice.amount as u64 != payment.amount {
        return Err(forbidden(
            "SPONSOR_AMOUNT_MISMATCH",
            "the amount is not the invoice's".to_owned(),
        ));
    }
    // Exactly the code the gateway issued for that row.
    let shop = merchants::by_address(&state.db.pool, &invoice.merchant_address)
        .await?
        .ok_or_else(|| ApiError::internal("a code's merchant vanished"))?;
    let issued = crate::offer::of_payment(&state.config, &state.kek, &shop, &invoice)
        .map_err(ApiError::internal)?;
    let same_code = issued.offer.terminal.as_ref() == payment.terminal.as_ref()
        && issued.offer.expires_at == payment.expires_at
        && issued.public_key.as_slice() == payment.public_key.as_slice()
        && issued.signature.as_slice() == payment.signature.as_slice();
    if !same_code {
        return Err(forbidden(
            "SPONSOR_NOT_ISSUED_CODE",
            "the terminal, expiry, key or signature is not the code's this gateway issued"
                .to_owned(),
        ));
    }
    Ok(Issued {
        claim: invoice.code_id,
        merchant: payment.merchant,
        reference: payment.order,
        amount: payment.amount,
        mcc: shop.mcc,
    })
}

/// Step 2 for `authorize_signed_hold` (or, `reviewed`,
/// `authorize_reviewed_hold`): the hold code's row, not taken yet and
/// unexpired, for this amount, tip limit and authorization expiry, exactly
/// as the gateway signed it (a review's hold naming its reviewer, and only
/// such a hold).
async fn issued_hold(
    state: &AppState,
    args: &[Vec<u8>],
    reviewed: bool,
    now: i64,
) -> Result<Issued, ApiError> {
    let forbidden = |code, message: String| refuse(state, StatusCode::FORBIDDEN, code, message);
    let Some(taken) = SignedHold::decode(args, reviewed) else {
        return Err(forbidden(
            "SPONSOR_BAD_ARGUMENTS",
            if reviewed {
                "authorize_reviewed_hold takes (merchant: address, terminal: address, reviewer: address, hold_ref: String, amount: u64, tip_limit: u64, capture_before: u64, expires_at: u64, public_key: vector<u8>, signature: vector<u8>)"
            } else {
                "authorize_signed_hold takes (merchant: address, terminal: address, hold_ref: String, amount: u64, tip_limit: u64, capture_before: u64, expires_at: u64, public_key: vector<u8>, signature: vector<u8>)"
            }
            .to_owned(),
        ));
    };
    let hold =
        holds::by_reference(&state.db.pool, &taken.merchant.to_hex(), &taken.hold_ref).await?;
    let Some(hold) = hold.filter(|h| {
        h.status == holds::HoldStatus::Created
            && h.origin == payments::Origin::Gateway
            && h.expires_at > now
    }) else {
        return Err(forbidden(
            "SPONSOR_NO_LIVE_INVOICE",
            "no hold code this gateway issued with this merchant and reference is untaken and unexpired".to_owned(),
        ));
    };
    if hold.amount as u64 != taken.amount
        || hold.tip_limit as u64 != taken.tip_limit
        || hold.capture_before as u64 != taken.capture_before
    {
        return Err(forbidden(
            "SPONSOR_AMOUNT_MISMATCH",
            "the amount, tip limit or authorization expiry is not the hold code's".to_owned(),
        ));
    }
    let shop = merchants::by_address(&state.db.pool, &hold.merchant_address)
        .await?
        .ok_or_else(|| ApiError::internal("a hold's merchant vanished"))?;
    let reviewer = compliance::review::reviewer_for_hold(state, &hold.hold_id).await?;
    let issued = crate::offer::of_hold(&state.config, &state.kek, &shop, &hold, reviewer)
        .map_err(ApiError::internal)?;
    let same_code = issued.message.terminal.as_ref() == taken.terminal.as_ref()
        && issued.message.reviewer.map(yenpay_client::address::to_sdk) == taken.reviewer
        && issued.message.expires_at == taken.expires_at
        && issued.public_key.as_slice() == taken.public_key.as_slice()
        && issued.signature.as_slice() == taken.signature.as_slice();
    if !same_code {
        return Err(forbidden(
            "SPONSOR_NOT_ISSUED_CODE",
            "the terminal, expiry, key or signature is not the hold code's this gateway issued"
                .to_owned(),
        ));
    }
    Ok(Issued {
        claim: hold.hold_id,
        merchant: taken.merchant,
        reference: taken.hold_ref,
        // What leaves the customer's store into escrow.
        amount: taken.amount.saturating_add(taken.tip_limit),
        mcc: shop.mcc,
    })
}

/// Step 2 for `increase_authorization`: a hold taken from a code this
/// gateway issued, open and unexpired by the gateway's knowledge, whose
/// customer is the sender. The claim is per hold and authorized total, so
/// each increase is sponsored once and a second one waits until the
/// follower has applied the first.
async fn issued_increase(
    state: &AppState,
    args: &[Vec<u8>],
    sender: AccountAddress,
    now: i64,
) -> Result<Issued, ApiError> {
    let forbidden = |code, message: String| refuse(state, StatusCode::FORBIDDEN, code, message);
    let Some(increase) = Increase::decode(args) else {
        return Err(forbidden(
            "SPONSOR_BAD_ARGUMENTS",
            "increase_authorization takes (merchant: address, hold_ref: String, amount: u64, capture_before: u64)"
                .to_owned(),
        ));
    };
    let hold = holds::by_reference(
        &state.db.pool,
        &increase.merchant.to_hex(),
        &increase.hold_ref,
    )
    .await?;
    let Some(hold) = hold.filter(|h| {
        h.status == holds::HoldStatus::Authorized
            && h.origin == payments::Origin::Gateway
            && h.capture_before > now
    }) else {
        return Err(forbidden(
            "SPONSOR_NO_LIVE_INVOICE",
            "no hold taken from a code this gateway issued with this merchant and reference is open and unexpired"
                .to_owned(),
        ));
    };
    if hold.customer.as_deref() != Some(sender.to_hex().as_str()) {
        return Err(forbidden(
            "SPONSOR_NOT_HOLDS_CUSTOMER",
            "only the hold's customer raises it".to_owned(),
        ));
    }
    let shop = merchants::by_address(&state.db.pool, &hold.merchant_address)
        .await?
        .ok_or_else(|| ApiError::internal("a hold's merchant vanished"))?;
    Ok(Issued {
        claim: format!(
            "{}:increase:{}",
            hold.hold_id,
            (hold.authorized as u64).saturating_add(increase.amount)
        ),
        merchant: increase.merchant,
        reference: increase.hold_ref,
        amount: increase.amount,
        mcc: shop.mcc,
    })
}

/// The refusal of a payment past its payer's limit.
fn limit_refusal(state: &AppState, exceeded: customer_limits::Exceeded) -> ApiError {
    let which = match exceeded {
        customer_limits::Exceeded::PerTransaction => "the most one payment may be",
        customer_limits::Exceeded::Daily => "what is left of today's limit (Japan time)",
        customer_limits::Exceeded::Monthly => "what is left of this month's limit (Japan time)",
    };
    refuse(
        state,
        StatusCode::FORBIDDEN,
        exceeded.code(),
        format!("the payment is more than {which} for this customer's tier"),
    )
}

/// A refusal or failure after the code was claimed.
struct Failure {
    error: ApiError,
    /// The outcome is unknown (the transaction may yet commit): the claim
    /// stays until the transaction expires.
    keep_claim: bool,
}

impl From<ApiError> for Failure {
    fn from(error: ApiError) -> Self {
        Self {
            error,
            keep_claim: false,
        }
    }
}

impl From<sqlx::Error> for Failure {
    fn from(error: sqlx::Error) -> Self {
        ApiError::from(error).into()
    }
}

/// A request whose code is claimed.
struct Claimed<'a> {
    state: &'a AppState,
    operator: &'a Ed25519Account,
    merchant: AccountAddress,
    sender_exists: bool,
    now: i64,
}

impl Claimed<'_> {
    /// Steps 4 to 6 of the module docs, then signs, submits and accounts for the cost.
    async fn submit(
        &self,
        fee_payer_txn: FeePayerRawTransaction,
        authenticator: AccountAuthenticator,
    ) -> Result<(Sponsored, TxOutcome), Failure> {
        let state = self.state;
        let policy = &state.config.sponsor;
        let sender = fee_payer_txn.raw_txn.sender;
        let merchant = self.merchant.to_hex();

        // 4. Rate limits, counted only now that the request is proven.
        let mut buckets = vec![
            limits::Bucket {
                name: format!("sender:{}", sender.to_hex()),
                limit: policy.per_sender_per_minute,
                window: 60,
                code: "SPONSOR_SENDER_RATE_LIMITED",
            },
            limits::Bucket {
                name: format!("merchant:{merchant}"),
                limit: policy.per_merchant_per_minute,
                window: 60,
                code: "SPONSOR_MERCHANT_RATE_LIMITED",
            },
        ];
        if !self.sender_exists {
            buckets.push(limits::Bucket {
                name: format!("new-account:{merchant}"),
                limit: policy.new_accounts_per_merchant_per_day,
                window: 24 * 3600,
                code: "SPONSOR_NEW_ACCOUNTS_LIMITED",
            });
        }
        if let Err(code) = limits::take(&state.db, &buckets, self.now).await? {
            let message = if code == "SPONSOR_NEW_ACCOUNTS_LIMITED" {
                "this merchant's sponsored payments from new accounts are used up for today; pay from an existing account"
            } else {
                "too many sponsored transactions; try again in a minute"
            };
            return Err(refuse(state, StatusCode::TOO_MANY_REQUESTS, code, message).into());
        }

        // 5. What the node would do with it: an abort would still cost the fee payer gas.
        let simulation = SignedTransaction::new(
            fee_payer_txn.raw_txn.clone(),
            TransactionAuthenticator::fee_payer(
                authenticator.clone(),
                Vec::new(),
                Vec::new(),
                self.operator.address(),
                AccountAuthenticator::no_account_authenticator(),
            ),
        );
        let simulated = match state.ledger.simulate(&simulation).await {
            Ok(simulated) => simulated,
            Err(ChainError::Rejected { code, message }) => {
                return Err(refuse(
                    state,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "SPONSOR_WOULD_ABORT",
                    format!("the node's simulation says it would fail: {code} ({message})"),
                )
                .into());
            }
            Err(error) => return Err(chain_error(error).into()),
        };
        let price = fee_payer_txn.raw_txn.gas_unit_price;
        let reserved = simulated.gas_used.saturating_mul(price);

        // 6. The operator's budget, before anything is signed.
        if let Err(period) = budget::reserve(&state.db, policy, reserved, self.now).await? {
            state
                .metrics
                .sponsor_budget_exhausted
                .with_label_values(&[period])
                .inc();
            let limit = if period == "hour" {
                policy.budget_per_hour_octas
            } else {
                policy.budget_per_day_octas
            };
            tracing::warn!(
                period,
                budget_octas = limit,
                cost_octas = reserved,
                "sponsoring budget exhausted: refusing sponsored payments until the period ends"
            );
            return Err(refuse(
                state,
                StatusCode::SERVICE_UNAVAILABLE,
                "SPONSOR_BUDGET_EXHAUSTED",
                format!("the operator's sponsoring budget for this {period} is spent; pay later or with your own APT"),
            )
            .into());
        }

        let mut partial = PartiallySigned::new(fee_payer_txn);
        partial.sender_auth = Some(authenticator);
        partial
            .sign_as_fee_payer(self.operator)
            .map_err(ApiError::internal)?;
        let signed = partial.finalize().map_err(ApiError::internal)?;
        let pool = &state.db.pool;
        match state.ledger.submit_signed(signed).await {
            Ok(outcome) => {
                let charged = outcome.gas_used.saturating_mul(price);
                budget::adjust(pool, policy, charged as i64 - reserved as i64, self.now).await?;
                state.metrics.sponsor_spent_octas.inc_by(charged);
                tracing::info!(tx = %outcome.hash, merchant, octas = charged, "sponsored a payment");
                let sponsored = Sponsored {
                    transaction_hash: outcome.hash.clone(),
                    version: outcome.version,
                    fee_payer: self.operator.address().to_hex(),
                };
                Ok((sponsored, outcome))
            }
            Err(error @ ChainError::Rejected { .. }) => {
                // Refused before execution costs nothing; a committed abort
                // was charged about what the simulation said.
                if matches!(&error, ChainError::Rejected { code, .. } if code == "SUBMISSION_REFUSED")
                {
                    budget::adjust(pool, policy, -(reserved as i64), self.now).await?;
                } else {
                    state.metrics.sponsor_spent_octas.inc_by(reserved);
                }
                Err(chain_error(error).into())
            }
            Err(error) => Err(Failure {
                error: chain_error(error),
                keep_claim: true,
            }),
        }
    }
}

/// Reads the fee payer's APT balance and sets its gauges; logs a warning
/// when it is below `low_balance_octas`. `None` without a fee payer.
pub async fn fee_payer_balance(state: &AppState) -> Option<Result<u64, ChainError>> {
    let operator = state.operator.as_ref()?;
    let balance = state.ledger.apt_balance(operator.address()).await;
    if let Ok(octas) = &balance {
        let low = *octas < state.config.sponsor.low_balance_octas;
        state
            .metrics
            .fee_payer_balance_octas
            .set(i64::try_from(*octas).unwrap_or(i64::MAX));
        state.metrics.fee_payer_balance_low.set(i64::from(low));
        if low {
            tracing::warn!(
                fee_payer = %operator.address(),
                balance_octas = octas,
                alarm_below_octas = state.config.sponsor.low_balance_octas,
                "the fee payer's APT balance is low: top it up"
            );
        }
    }
    Some(balance)
}
