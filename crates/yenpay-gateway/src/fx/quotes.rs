//! Quotes: the desk's signed offer to take a code's yen in USDC at a rate,
//! for at most `fx.quote_ttl` (60 s at most, as the chain allows, and never
//! past the code's own expiry), on this chain and deployment.
//!
//! A quote is for a code this gateway issued, open and unexpired, for its
//! exact yen amount. One live quote per code: asking again while it lives
//! answers the same quote (no new row, no new signature), so a retried or
//! replayed request is harmless; once it expired, asking again signs a new
//! one at the rate of the moment. Two replicas answering the first request
//! at once may each sign one: both bind the same code, which pays once.
//!
//! Before signing, the checks the chain would make with what the gateway
//! knows: the quote key is the on-chain quote signer's; the provider's
//! reading is recent (a failed or stale provider makes no quote, never a
//! bad one); the rate is within the band of the on-chain reference, which
//! is fresh under the market-hours policy in force ([`super::check_band`]);
//! the amount is within the desk's per-quote limit and inventory. The
//! chain's clock decides (the node's head, which may lag ours): a quote
//! never lives more than 60 s of chain time. Each
//! refusal is named (`FX_...`), never an abort the wallet meets on chain.
use super::keys::{self, Role};
use crate::AppState;
use crate::chain::FxDeskState;
use crate::error::{ApiError, chain_error};
use crate::store::payments::{self, PaymentStatus};
use crate::store::rate_limits;
use axum::http::StatusCode;
use serde::Serialize;
use sqlx::{AnyPool, Row};
use utoipa::ToSchema;
use yenpay_client::address::from_sdk;
use yenpay_types::fx::FxQuote;
use yenpay_types::limits::OrderRef;

/// How long a read of the desk's state serves quotes before it is read
/// again: the reference changes at most every keeper interval, and the
/// inventory check is a courtesy (the chain checks it).
const DESK_CACHE_SECS: i64 = 3;

/// A signed quote, as `POST /v2/quotes` answers it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Quote {
    /// The quote's id.
    pub quote_id: String,
    /// The code's merchant (owner address).
    pub merchant: String,
    /// The code's order reference.
    pub merchant_payment_id: String,
    /// Yen the merchant is paid (the code's amount).
    pub yen_amount: u64,
    /// What the customer pays, in USDC units (6 decimals).
    pub usdc_amount: u64,
    /// The same as a decimal, `13.333334`.
    pub usdc_amount_text: String,
    /// Yen per USDC × 10^6.
    pub rate: u64,
    /// The same as a decimal, `148.500000`.
    pub rate_text: String,
    /// Usable strictly before this time (Unix seconds).
    pub expires_at: u64,
    /// Seconds left when answered.
    pub expires_in: u64,
    /// Chain id the quote is bound to.
    pub chain_id: u8,
    /// The package (deployment) it is bound to.
    pub package: String,
    /// The USDC asset's metadata object.
    pub usdc: String,
    /// The quote signer's Ed25519 public key, `0x`-hex (`quote_public_key`).
    pub public_key: String,
    /// The signature, `0x`-hex (`quote_signature`).
    pub signature: String,
}

/// A stored quote's row.
struct StoredQuote {
    quote_id: String,
    yen_amount: i64,
    usdc_amount: i64,
    rate: i64,
    usdc: String,
    expires_at: i64,
    public_key: String,
    signature: String,
}

fn refuse(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(status, code, message)
}

fn unavailable(code: &'static str, message: impl Into<String>) -> ApiError {
    refuse(StatusCode::SERVICE_UNAVAILABLE, code, message).retry_after(5)
}

/// The desk's state, read at most every [`DESK_CACHE_SECS`].
pub async fn desk_state(state: &AppState) -> Result<FxDeskState, ApiError> {
    let now = state.clock.now();
    if let Some((at, desk)) = *state.fx_desk.lock().expect("not poisoned")
        && now - at < DESK_CACHE_SECS
    {
        return Ok(desk);
    }
    let desk = state.ledger.fx_desk().await.map_err(chain_error)?;
    *state.fx_desk.lock().expect("not poisoned") = Some((now, desk));
    Ok(desk)
}

/// The provider's last reading as stored (rate, observed at, fetched at).
///
/// # Errors
/// A database error.
pub async fn reading(pool: &AnyPool) -> Result<Option<(u64, u64, i64)>, sqlx::Error> {
    let row = sqlx::query("SELECT rate, observed_at, fetched_at FROM fx_rates WHERE id = 1")
        .fetch_optional(pool)
        .await?;
    row.map(|row| {
        Ok((
            row.try_get::<i64, _>("rate")?.max(0) as u64,
            row.try_get::<i64, _>("observed_at")?.max(0) as u64,
            row.try_get("fetched_at")?,
        ))
    })
    .transpose()
}

/// The quote for the code (`merchant`, `order`) of `amount` yen: its live
/// quote, or a new one (module docs).
///
/// # Errors
/// A 4xx or 503 naming why there is no quote, or a database or node failure.
pub async fn quote(
    state: &AppState,
    merchant: &str,
    order: &str,
    amount: u64,
) -> Result<Quote, ApiError> {
    let now = state.clock.now();
    let policy = &state.config.fx;
    let pool = &state.db.pool;
    // The code: this gateway's, open, unexpired, for this amount.
    let Some(code) = payments::by_merchant_payment_id(pool, merchant, order).await? else {
        return Err(ApiError::not_found(
            "FX_UNKNOWN_CODE",
            "no code this gateway issued has this merchant and order reference",
        ));
    };
    if matches!(code.status, PaymentStatus::Paid | PaymentStatus::Refunded) {
        return Err(ApiError::conflict(
            "FX_CODE_ALREADY_PAID",
            "the code is paid",
        ));
    }
    if !(code.status == PaymentStatus::Created && code.is_signed_code() && code.expires_at > now) {
        return Err(ApiError::conflict(
            "FX_CODE_NOT_LIVE",
            "the code is not open (cancelled, expired, or not a code this gateway signed)",
        ));
    }
    if u64::try_from(code.amount).ok() != Some(amount) {
        return Err(ApiError::conflict(
            "FX_AMOUNT_MISMATCH",
            "the amount is not the code's",
        ));
    }
    // Counted before anything costs the node a read or the key a signature.
    let buckets = [
        rate_limits::Bucket {
            name: format!("quote-code:{}", code.code_id),
            limit: policy.quotes_per_code_per_minute,
            window: 60,
            code: "FX_QUOTES_RATE_LIMITED",
        },
        rate_limits::Bucket {
            name: format!("quote-merchant:{merchant}"),
            limit: policy.quotes_per_merchant_per_minute,
            window: 60,
            code: "FX_QUOTES_RATE_LIMITED",
        },
    ];
    if let Err(code) = rate_limits::take(&state.db, &buckets, now).await? {
        return Err(refuse(
            StatusCode::TOO_MANY_REQUESTS,
            code,
            "too many quote requests; try again in a minute",
        )
        .retry_after(60));
    }
    if let Some(live) = live_quote(pool, &code.code_id, now).await? {
        return Ok(view(state, merchant, order, live, now));
    }

    let Some(key) = keys::signing_key(pool, &state.kek, Role::QuoteSigner)
        .await
        .map_err(ApiError::internal)?
    else {
        return Err(unavailable(
            "FX_DISABLED",
            "this gateway holds no quote key: paying in USDC is off",
        ));
    };
    let desk = desk_state(state).await?;
    let Some(usdc) = desk.usdc else {
        return Err(unavailable(
            "FX_DISABLED",
            "the desk has no USDC asset configured",
        ));
    };
    let signer =
        aptos_sdk::types::AccountAddress::new(aptos_sdk::crypto::derive_authentication_key(
            &key.verifying_key().to_bytes(),
            aptos_sdk::crypto::ED25519_SCHEME,
        ));
    if signer != desk.quote_signer {
        return Err(unavailable(
            "FX_QUOTE_KEY_NOT_SIGNER",
            "the gateway's quote key is not the desk's quote signer on chain (a rotation under way?)",
        ));
    }
    // The chain judges expiry, staleness and market hours by its own clock,
    // which may run behind ours (a quiet node's last block).
    let head = state.ledger.head().await.map_err(chain_error)?;
    let chain_now = head.timestamp_us / 1_000_000;
    // The provider's reading: recent, and not older than the policy in force accepts.
    let Some((provided, observed_at, fetched_at)) = reading(pool).await? else {
        return Err(unavailable(
            "FX_RATE_UNAVAILABLE",
            "no reference rate read from the provider yet",
        ));
    };
    let (_, staleness) = if super::market_closed_at(chain_now) {
        desk.closed_policy
    } else {
        desk.open_policy
    };
    if now - fetched_at > policy.provider_max_age.as_secs() as i64
        || chain_now.saturating_sub(observed_at) > staleness
    {
        return Err(unavailable(
            "FX_RATE_UNAVAILABLE",
            "the rate provider's last reading is too old: no quote until it answers again",
        ));
    }
    let rate = super::desk_rate(provided, policy.spread_bps);
    if let Err(error) = super::check_band(&desk, rate, chain_now) {
        return Err(unavailable(error.code(), error.to_string()));
    }
    if amount > desk.limits.0 {
        return Err(refuse(
            StatusCode::FORBIDDEN,
            "FX_OVER_QUOTE_LIMIT",
            format!("the desk quotes at most {} yen per payment", desk.limits.0),
        ));
    }
    if amount > desk.yen_inventory {
        return Err(unavailable(
            "FX_INSUFFICIENT_INVENTORY",
            "the desk's yen inventory cannot pay this code now",
        ));
    }
    let ttl = policy
        .quote_ttl
        .as_secs()
        .clamp(1, yenpay_types::fx::MAX_QUOTE_TTL_SECS) as i64;
    let chain_limit =
        i64::try_from(chain_now + yenpay_types::fx::MAX_QUOTE_TTL_SECS).unwrap_or(i64::MAX);
    let expires_at = (now + ttl).min(code.expires_at).min(chain_limit);
    if expires_at <= now {
        return Err(unavailable(
            "FX_CHAIN_BEHIND",
            "the node's clock is too far behind to quote: try again shortly",
        ));
    }
    let order_ref =
        OrderRef::new(order).map_err(|_| ApiError::internal("stored order reference"))?;
    let merchant_address = aptos_sdk::types::AccountAddress::from_hex(merchant)
        .map_err(|_| ApiError::internal("stored merchant address"))?;
    let package = from_sdk(state.config.package);
    let signed = FxQuote::new(
        state.config.chain_id,
        package,
        from_sdk(usdc),
        from_sdk(merchant_address),
        order_ref,
        amount,
        rate,
        expires_at as u64,
    )
    .map_err(|error| unavailable("FX_RATE_UNAVAILABLE", error.to_string()))?
    .sign(package, &key)
    .map_err(ApiError::internal)?;
    let row = StoredQuote {
        quote_id: format!("fxq_{}", crate::crypto::random_hex(12)),
        yen_amount: code.amount,
        usdc_amount: signed.quote.usdc_amount as i64,
        rate: rate as i64,
        usdc: usdc.to_hex(),
        expires_at,
        public_key: format!("0x{}", const_hex::encode(signed.public_key)),
        signature: format!("0x{}", const_hex::encode(signed.signature)),
    };
    sqlx::query(
        "INSERT INTO fx_quotes (quote_id, code_id, merchant_address, order_ref, yen_amount, usdc_amount, rate, \
         reference_rate, usdc, expires_at, public_key, signature, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(&row.quote_id)
    .bind(&code.code_id)
    .bind(merchant)
    .bind(order)
    .bind(row.yen_amount)
    .bind(row.usdc_amount)
    .bind(row.rate)
    .bind(desk.reference_rate as i64)
    .bind(&row.usdc)
    .bind(row.expires_at)
    .bind(&row.public_key)
    .bind(&row.signature)
    .bind(now)
    .execute(pool)
    .await?;
    state.metrics.fx_quotes.inc();
    tracing::info!(quote = %row.quote_id, code = %code.code_id, rate, usdc_units = row.usdc_amount, "signed a quote");
    Ok(view(state, merchant, order, row, now))
}

/// The code's quote that is still live at `now`, if any (the newest).
async fn live_quote(
    pool: &AnyPool,
    code_id: &str,
    now: i64,
) -> Result<Option<StoredQuote>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT quote_id, yen_amount, usdc_amount, rate, usdc, expires_at, public_key, signature \
         FROM fx_quotes WHERE code_id = $1 AND expires_at > $2 ORDER BY expires_at DESC LIMIT 1",
    )
    .bind(code_id)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    row.map(|row| {
        Ok(StoredQuote {
            quote_id: row.try_get("quote_id")?,
            yen_amount: row.try_get("yen_amount")?,
            usdc_amount: row.try_get("usdc_amount")?,
            rate: row.try_get("rate")?,
            usdc: row.try_get("usdc")?,
            expires_at: row.try_get("expires_at")?,
            public_key: row.try_get("public_key")?,
            signature: row.try_get("signature")?,
        })
    })
    .transpose()
}

fn view(state: &AppState, merchant: &str, order: &str, row: StoredQuote, now: i64) -> Quote {
    let usdc_amount = row.usdc_amount.max(0) as u64;
    let rate = row.rate.max(0) as u64;
    Quote {
        quote_id: row.quote_id,
        merchant: merchant.to_owned(),
        merchant_payment_id: order.to_owned(),
        yen_amount: row.yen_amount.max(0) as u64,
        usdc_amount,
        usdc_amount_text: super::usdc_text(usdc_amount),
        rate,
        rate_text: super::rate_text(rate),
        expires_at: row.expires_at.max(0) as u64,
        expires_in: (row.expires_at - now).max(0) as u64,
        chain_id: state.config.chain_id,
        package: state.config.package.to_hex(),
        usdc: row.usdc,
        public_key: row.public_key,
        signature: row.signature,
    }
}

/// Whether the gateway signed this quote for the code `code_id`, exactly
/// (amounts, rate, expiry, key and signature), and it is still live at
/// `now`: what sponsoring pays for. `Err` names why not.
///
/// # Errors
/// A database error.
#[allow(clippy::too_many_arguments)]
pub async fn issued(
    pool: &AnyPool,
    code_id: &str,
    usdc_amount: u64,
    rate: u64,
    expires_at: u64,
    public_key: &[u8],
    signature: &[u8],
    now: i64,
) -> Result<Result<(), &'static str>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT expires_at FROM fx_quotes WHERE code_id = $1 AND usdc_amount = $2 AND rate = $3 \
         AND expires_at = $4 AND public_key = $5 AND signature = $6",
    )
    .bind(code_id)
    .bind(i64::try_from(usdc_amount).unwrap_or(-1))
    .bind(i64::try_from(rate).unwrap_or(-1))
    .bind(i64::try_from(expires_at).unwrap_or(-1))
    .bind(format!("0x{}", const_hex::encode(public_key)))
    .bind(format!("0x{}", const_hex::encode(signature)))
    .fetch_optional(pool)
    .await?;
    Ok(match row {
        None => Err("SPONSOR_NOT_ISSUED_QUOTE"),
        Some(row) if row.try_get::<i64, _>("expires_at")? <= now => Err("SPONSOR_QUOTE_EXPIRED"),
        Some(_) => Ok(()),
    })
}

/// The quote `quote_id` of the code `code_id` as the chain takes it, while
/// it lives (the wallet page's payment in USDC).
///
/// # Errors
/// `404 FX_UNKNOWN_QUOTE`, `409 FX_QUOTE_EXPIRED`, or a database error.
pub async fn signed(
    state: &AppState,
    quote_id: &str,
    code_id: &str,
) -> Result<yenpay_types::fx::SignedFxQuote, ApiError> {
    let row = sqlx::query(
        "SELECT merchant_address, order_ref, yen_amount, usdc_amount, rate, usdc, expires_at, public_key, signature \
         FROM fx_quotes WHERE quote_id = $1 AND code_id = $2",
    )
    .bind(quote_id)
    .bind(code_id)
    .fetch_optional(&state.db.pool)
    .await?
    .ok_or_else(|| ApiError::not_found("FX_UNKNOWN_QUOTE", "no such quote for this code"))?;
    let expires_at: i64 = row.try_get("expires_at")?;
    if expires_at <= state.clock.now() {
        return Err(ApiError::conflict(
            "FX_QUOTE_EXPIRED",
            "the quote expired: ask for a new one",
        ));
    }
    let stored = |what| ApiError::internal(format!("a stored quote's {what}"));
    let address = |column: &str| -> Result<yenpay_types::Address, ApiError> {
        let text: String = row.try_get(column)?;
        Ok(from_sdk(
            aptos_sdk::types::AccountAddress::from_hex(&text).map_err(|_| stored("address"))?,
        ))
    };
    let number = |column: &str| -> Result<u64, ApiError> {
        let value: i64 = row.try_get(column)?;
        u64::try_from(value).map_err(|_| stored("amount"))
    };
    let bytes = |column: &str| -> Result<Vec<u8>, ApiError> {
        let text: String = row.try_get(column)?;
        const_hex::decode(text.trim_start_matches("0x")).map_err(|_| stored("key or signature"))
    };
    let package = from_sdk(state.config.package);
    Ok(yenpay_types::fx::SignedFxQuote {
        quote: FxQuote {
            chain_id: state.config.chain_id,
            metadata: yenpay_types::objects::metadata_address(package),
            usdc: address("usdc")?,
            merchant: address("merchant_address")?,
            order_ref: OrderRef::new(row.try_get::<String, _>("order_ref")?)
                .map_err(|_| stored("order reference"))?,
            yen_amount: number("yen_amount")?,
            usdc_amount: number("usdc_amount")?,
            rate: number("rate")?,
            expires_at: number("expires_at")?,
        },
        public_key: bytes("public_key")?.try_into().map_err(|_| stored("key"))?,
        signature: bytes("signature")?
            .try_into()
            .map_err(|_| stored("signature"))?,
    })
}

/// Forgets quotes expired over two days ago (a code lives at most one).
///
/// # Errors
/// A database error.
pub async fn purge(pool: &AnyPool, now: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM fx_quotes WHERE expires_at < $1")
        .bind(now - 2 * 24 * 3600)
        .execute(pool)
        .await?
        .rows_affected())
}
