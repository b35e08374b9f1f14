//! Sponsoring: a wallet posts its signed fee-payer transaction and the
//! gateway co-signs it as fee payer (the operator's account), so customers
//! need no APT. It co-signs only what it should pay for, after Aptos' gas
//! station rules:
//!
//! - a fee-payer transaction for this chain, naming the operator as fee payer
//!   (the sender signed over that), with no secondary signers;
//! - an entry function of our package that pays an invoice
//!   (`invoice::pay_invoice`), whose arguments match a live invoice the
//!   gateway knows (open, unexpired, same amount);
//! - `max_gas_amount` and `gas_unit_price` under caps, an expiration in the
//!   future and at most `max_expiration` ahead;
//! - per sender and per merchant rate limits (per minute).
//!
//! Every refusal is a 4xx with its own code, and counted in the metrics.
use crate::AppState;
use crate::api::{created, json_body, ok};
use crate::chain::TxOutcome;
use crate::error::{ApiError, ApiResult};
use crate::store::payments;
use aptos_sdk::account::Ed25519Account;
use aptos_sdk::transaction::authenticator::AccountAuthenticator;
use aptos_sdk::transaction::sponsored::PartiallySigned;
use aptos_sdk::transaction::{FeePayerRawTransaction, RawTransaction, TransactionPayload};
use aptos_sdk::types::AccountAddress;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The payment functions the gateway sponsors.
pub const SPONSORED_FUNCTIONS: &[(&str, &str)] = &[("invoice", "pay_invoice")];

/// Sliding-window rate limits, per sender and per merchant (one window of
/// 60 s), kept in the database so that every replica counts against the
/// same limit. Two replicas taking the last slot at the same instant may
/// both get it: the limit can be passed by at most one per replica, which is
/// enough against a script draining the operator's APT.
pub mod limits {
    use crate::config::SponsorPolicy;
    use sqlx::AnyPool;

    /// The window.
    pub const WINDOW_SECS: i64 = 60;

    async fn used(pool: &AnyPool, bucket: &str, now: i64) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar("SELECT COUNT(*) FROM sponsor_uses WHERE bucket = $1 AND used_at > $2")
            .bind(bucket)
            .bind(now - WINDOW_SECS)
            .fetch_one(pool)
            .await
    }

    /// Takes one slot for `sender` and one for `merchant` at `now`, or names
    /// the limit reached (`Ok(Err(code))`); a refused request takes none.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn take(
        pool: &AnyPool,
        policy: &SponsorPolicy,
        sender: &str,
        merchant: &str,
        now: i64,
    ) -> Result<Result<(), &'static str>, sqlx::Error> {
        let sender = format!("sender:{sender}");
        let merchant = format!("merchant:{merchant}");
        if used(pool, &sender, now).await? >= i64::from(policy.per_sender_per_minute) {
            return Ok(Err("SPONSOR_SENDER_RATE_LIMITED"));
        }
        if used(pool, &merchant, now).await? >= i64::from(policy.per_merchant_per_minute) {
            return Ok(Err("SPONSOR_MERCHANT_RATE_LIMITED"));
        }
        let mut tx = pool.begin().await?;
        for bucket in [&sender, &merchant] {
            sqlx::query("INSERT INTO sponsor_uses (bucket, used_at) VALUES ($1, $2)")
                .bind(bucket)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// Forgets uses older than the window.
    pub async fn purge(pool: &AnyPool, now: i64) -> Result<u64, sqlx::Error> {
        Ok(sqlx::query("DELETE FROM sponsor_uses WHERE used_at <= $1")
            .bind(now - WINDOW_SECS)
            .execute(pool)
            .await?
            .rows_affected())
    }
}

/// `POST /v2/sponsor` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SponsorRequest {
    /// `0x`-hex BCS of the `RawTransaction` (the sender signed it as a
    /// fee-payer transaction naming the operator, see `GET /v2/sponsor/info`).
    pub raw_transaction: String,
    /// `0x`-hex BCS of the sender's `AccountAuthenticator` over that.
    pub sender_authenticator: String,
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

/// What wallets need to build a sponsored transaction.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SponsorInfo {
    /// The operator's address, to put as fee payer.
    pub fee_payer: Option<String>,
    /// Chain id.
    pub chain_id: u8,
    /// The package.
    pub package: String,
    /// Cap on `max_gas_amount`.
    pub max_gas_amount: u64,
    /// Cap on `gas_unit_price`.
    pub max_gas_unit_price: u64,
    /// Furthest expiration, seconds from now.
    pub max_expiration_secs: u64,
    /// `module::function` names sponsored.
    pub functions: Vec<String>,
}

/// The sponsoring terms.
#[utoipa::path(get, path = "/v2/sponsor/info", tag = "sponsor", responses((status = 200, body = SponsorInfo)))]
pub async fn info(State(state): State<AppState>) -> ApiResult {
    let policy = &state.config.sponsor;
    ok(SponsorInfo {
        fee_payer: state.operator.as_ref().map(|o| o.address().to_hex()),
        chain_id: state.config.chain_id,
        package: state.config.package.to_hex(),
        max_gas_amount: policy.max_gas_amount,
        max_gas_unit_price: policy.max_gas_unit_price,
        max_expiration_secs: policy.max_expiration.as_secs(),
        functions: SPONSORED_FUNCTIONS
            .iter()
            .map(|(m, f)| format!("{m}::{f}"))
            .collect(),
    })
}

fn refuse(
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

/// Bytes from `0x`-hex (the prefix optional), or a 400 naming `field`.
pub fn hex_bytes(value: &str, field: &str) -> Result<Vec<u8>, ApiError> {
    let hex = value.strip_prefix("0x").unwrap_or(value);
    const_hex::decode(hex).map_err(|_| ApiError::invalid(format!("{field}: 0x-hex")))
}

/// Co-signs a wallet's payment as fee payer and submits it.
#[utoipa::path(post, path = "/v2/sponsor", tag = "sponsor", request_body = SponsorRequest,
    responses((status = 201, body = Sponsored), (status = 400, body = crate::error::ErrorBody),
              (status = 403, description = "refused by the sponsoring rules", body = crate::error::ErrorBody),
              (status = 429, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody),
              (status = 503, body = crate::error::ErrorBody)))]
pub async fn sponsor(State(state): State<AppState>, body: Bytes) -> ApiResult {
    operator(&state)?;
    let request: SponsorRequest = json_body(&body)?;
    let raw: RawTransaction =
        aptos_bcs::from_bytes(&hex_bytes(&request.raw_transaction, "rawTransaction")?).map_err(
            |e| ApiError::invalid(format!("rawTransaction: not a BCS RawTransaction: {e}")),
        )?;
    let authenticator: AccountAuthenticator = aptos_bcs::from_bytes(&hex_bytes(
        &request.sender_authenticator,
        "senderAuthenticator",
    )?)
    .map_err(|e| {
        ApiError::invalid(format!(
            "senderAuthenticator: not a BCS AccountAuthenticator: {e}"
        ))
    })?;
    let (sponsored, _) = cosign(&state, raw, authenticator).await?;
    created(sponsored)
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

/// Checks a wallet's signed payment against the sponsoring rules (module
/// docs), co-signs it as fee payer, submits it and waits for it. Both
/// `/v2/sponsor` and the wallet page come through here.
///
/// # Errors
/// A 4xx naming the rule a transaction breaks, or the chain's answer.
pub async fn cosign(
    state: &AppState,
    raw: RawTransaction,
    authenticator: AccountAuthenticator,
) -> Result<(Sponsored, TxOutcome), ApiError> {
    let operator = operator(state)?;
    let forbidden = |code, message: String| refuse(state, StatusCode::FORBIDDEN, code, message);

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
    let arguments = (|| -> Option<(AccountAddress, String, u64)> {
        let [merchant, order, amount] = call.args.as_slice() else {
            return None;
        };
        Some((
            aptos_bcs::from_bytes(merchant).ok()?,
            aptos_bcs::from_bytes(order).ok()?,
            aptos_bcs::from_bytes(amount).ok()?,
        ))
    })();
    let Some((merchant, order, amount)) = arguments else {
        return Err(forbidden(
            "SPONSOR_BAD_ARGUMENTS",
            "pay_invoice takes (merchant: address, order_ref: String, amount: u64)".to_owned(),
        ));
    };
    let now = state.clock.now();
    let invoice =
        payments::by_merchant_payment_id(&state.db.pool, &merchant.to_hex(), &order).await?;
    let live = invoice.as_ref().is_some_and(|p| p.is_open_at(now));
    if !live {
        return Err(forbidden(
            "SPONSOR_NO_LIVE_INVOICE",
            "no open, unexpired invoice with this merchant and order reference".to_owned(),
        ));
    }
    if invoice.is_some_and(|p| p.amount as u64 != amount) {
        return Err(forbidden(
            "SPONSOR_AMOUNT_MISMATCH",
            "the amount is not the invoice's".to_owned(),
        ));
    }
    let policy = &state.config.sponsor;
    if raw.max_gas_amount > policy.max_gas_amount {
        return Err(forbidden(
            "SPONSOR_GAS_TOO_HIGH",
            format!("max_gas_amount is capped at {}", policy.max_gas_amount),
        ));
    }
    if raw.gas_unit_price > policy.max_gas_unit_price {
        return Err(forbidden(
            "SPONSOR_GAS_PRICE_TOO_HIGH",
            format!("gas_unit_price is capped at {}", policy.max_gas_unit_price),
        ));
    }
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
    let fee_payer_txn = FeePayerRawTransaction::new(raw, Vec::new(), operator.address());
    // An Ed25519 sender's signature is checked here, so that a transaction
    // signed for another fee payer (or not at all) never reaches the node
    // under our name; other key kinds are left to the node.
    if let AccountAuthenticator::Ed25519 {
        public_key,
        signature,
    } = &authenticator
    {
        let message = fee_payer_txn
            .signing_message()
            .map_err(ApiError::internal)?;
        let verified = ed25519_dalek::VerifyingKey::from_bytes(&public_key.0).and_then(|key| {
            key.verify_strict(
                &message,
                &ed25519_dalek::Signature::from_bytes(&signature.0),
            )
        });
        if verified.is_err() {
            return Err(forbidden(
                "SPONSOR_BAD_SIGNATURE",
                "the sender's signature is not over this transaction with the gateway as fee payer"
                    .to_owned(),
            ));
        }
    }
    if let Err(code) = limits::take(
        &state.db.pool,
        &state.config.sponsor,
        &fee_payer_txn.raw_txn.sender.to_hex(),
        &merchant.to_hex(),
        now,
    )
    .await?
    {
        return Err(refuse(
            state,
            StatusCode::TOO_MANY_REQUESTS,
            code,
            "too many sponsored transactions; try again in a minute",
        ));
    }
    let mut partial = PartiallySigned::new(fee_payer_txn);
    partial.sender_auth = Some(authenticator);
    partial
        .sign_as_fee_payer(operator.as_ref())
        .map_err(ApiError::internal)?;
    let signed = partial.finalize().map_err(ApiError::internal)?;
    let outcome = state
        .ledger
        .submit_signed(signed)
        .await
        .map_err(crate::api::codes::chain_error)?;
    tracing::info!(tx = %outcome.hash, merchant = %merchant.to_hex(), "sponsored a payment");
    let sponsored = Sponsored {
        transaction_hash: outcome.hash.clone(),
        version: outcome.version,
        fee_payer: operator.address().to_hex(),
    };
    Ok((sponsored, outcome))
}
