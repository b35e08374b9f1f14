//! Paying in USDC (issue 29): `POST /v2/quotes`, the desk's signed quote for
//! a code ([`crate::fx::quotes`] has the rules), and the operator's
//! `/admin/fx` routes for the desk's role keys.
//!
//! `/v2/quotes` is for wallets, unauthenticated like `/v2/sponsor`, and has
//! no idempotency layer for the same reason (a key would leave a row per
//! anonymous request): it is idempotent by itself, answering a code's live
//! quote again until it expires, and rate limited per code and merchant.
use super::extract::ApiJson;
use super::views::Money;
use crate::AppState;
use crate::error::{ApiError, ApiResult, created, ok};
use crate::fx::keys::{self, Role};
use crate::fx::quotes::{self, Quote};
use aptos_sdk::types::AccountAddress;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use zeroize::Zeroizing;

/// The public routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(quote))
}

/// The operator's routes (admin listener).
pub fn admin_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(set_key))
        .routes(routes!(status))
}

/// `POST /v2/quotes` body: the code, as its QR carries it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QuoteRequest {
    /// The code's merchant (owner address).
    pub merchant: String,
    /// The code's order reference.
    pub merchant_payment_id: String,
    /// The code's amount, in yen.
    pub amount: Money,
    /// What the customer pays in: `USDC`.
    pub pay_currency: String,
}

/// The desk's quote for a code, in USDC.
#[utoipa::path(post, path = "/v2/quotes", tag = "fx", request_body = QuoteRequest,
    responses((status = 200, description = "the code's live quote, or a new one", body = Quote),
              (status = 400, body = crate::error::ErrorBody),
              (status = 403, description = "over the desk's per-quote limit", body = crate::error::ErrorBody),
              (status = 404, description = "no code this gateway issued", body = crate::error::ErrorBody),
              (status = 409, description = "the code is paid, not live, or of another amount", body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody),
              (status = 429, body = crate::error::ErrorBody),
              (status = 503, description = "no quote now: no key, no fresh rate, reference out of band or stale, inventory", body = crate::error::ErrorBody)))]
pub async fn quote(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<QuoteRequest>,
) -> ApiResult {
    if request.pay_currency != "USDC" {
        return Err(ApiError::invalid("payCurrency: only USDC"));
    }
    let amount = request.amount.checked("amount")?;
    let merchant = AccountAddress::from_hex(&request.merchant)
        .map_err(|_| ApiError::invalid("merchant: an account address"))?;
    if request.merchant_payment_id.is_empty() || request.merchant_payment_id.len() > 64 {
        return Err(ApiError::invalid("merchantPaymentId: 1 to 64 bytes"));
    }
    ok(quotes::quote(
        &state,
        &merchant.to_hex(),
        &request.merchant_payment_id,
        amount,
    )
    .await?)
}

/// `POST /admin/fx/keys` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SetKeyRequest {
    /// `quote_signer` or `rate_keeper`.
    pub role: String,
    /// An existing Ed25519 private key to take (64 hex digits, `0x` optional); none: the gateway makes one.
    /// Sealed at once; never shown again.
    #[serde(default)]
    pub private_key: Option<String>,
}

/// A role key's public side.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FxKeyView {
    /// `quote_signer` or `rate_keeper`.
    pub role: String,
    /// The account to propose for the on-chain role.
    pub address: String,
    /// Its Ed25519 public key.
    pub public_key: String,
}

/// Sets a desk role's key (made here, or given), sealed under the key-encryption key.
#[utoipa::path(post, path = "/admin/fx/keys", tag = "fx", request_body = SetKeyRequest,
    security(("admin" = [])),
    responses((status = 201, body = FxKeyView), (status = 400, body = crate::error::ErrorBody),
              (status = 401, body = crate::error::ErrorBody)))]
pub async fn set_key(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<SetKeyRequest>,
) -> ApiResult {
    let role = Role::parse(&request.role)
        .ok_or_else(|| ApiError::invalid("role: quote_signer or rate_keeper"))?;
    let now = state.clock.now();
    let public = match request.private_key {
        Some(text) => {
            let text = Zeroizing::new(text);
            let hex = text.trim().trim_start_matches("0x");
            let mut key = Zeroizing::new([0u8; 32]);
            const_hex::decode_to_slice(hex, key.as_mut())
                .map_err(|_| ApiError::invalid("privateKey: 64 hex digits"))?;
            keys::store(&state.db.pool, &state.kek, role, key.as_ref(), now).await
        }
        None => keys::generate(&state.db.pool, &state.kek, role, now).await,
    }
    .map_err(|error| match error {
        keys::KeyError::NotAKey(_) => ApiError::invalid("privateKey: not an Ed25519 key"),
        other => ApiError::internal(other),
    })?;
    tracing::info!(role = role.as_str(), address = %public.address, "set the desk's role key");
    created(FxKeyView {
        role: role.as_str().to_owned(),
        address: public.address,
        public_key: public.public_key,
    })
}

/// The desk as the gateway sees it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FxStatus {
    /// The role keys the gateway holds.
    pub keys: Vec<FxKeyView>,
    /// The provider's last reading: rate (yen per USDC × 10^6).
    pub provider_rate: Option<u64>,
    /// Its observation time.
    pub provider_observed_at: Option<u64>,
    /// When it was read.
    pub provider_fetched_at: Option<i64>,
}

/// The desk's keys and the provider's last reading.
#[utoipa::path(get, path = "/admin/fx", tag = "fx", security(("admin" = [])),
    responses((status = 200, body = FxStatus), (status = 401, body = crate::error::ErrorBody)))]
pub async fn status(State(state): State<AppState>) -> ApiResult {
    let mut views = Vec::new();
    for role in [Role::QuoteSigner, Role::RateKeeper] {
        if let Some(public) = keys::public_side(&state.db.pool, role).await? {
            views.push(FxKeyView {
                role: role.as_str().to_owned(),
                address: public.address,
                public_key: public.public_key,
            });
        }
    }
    let reading = quotes::reading(&state.db.pool).await?;
    ok(FxStatus {
        keys: views,
        provider_rate: reading.map(|r| r.0),
        provider_observed_at: reading.map(|r| r.1),
        provider_fetched_at: reading.map(|r| r.2),
    })
}
