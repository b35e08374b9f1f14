//! `/v2/sponsor`: wallets post a signed fee-payer payment and the gateway
//! co-signs it ([`crate::sponsor`] has the rules). No idempotency layer:
//! anyone may call these, and a key would leave a row per anonymous
//! request; a repeated payment is refused by its code's claim instead
//! (`SPONSOR_CODE_IN_FLIGHT`, `SPONSOR_CODE_ALREADY_SPONSORED`).
use super::extract::ApiJson;
use crate::AppState;
use crate::error::{ApiError, ApiResult, created, ok};
use crate::sponsor::{
    DecodeError, SPONSORED_FUNCTIONS, SenderError, Sponsored, cosign, decode_authenticator,
    operator, refuse,
};
use aptos_sdk::transaction::RawTransaction;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes, as `#[utoipa::path]` declares them.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sponsor))
        .routes(routes!(info))
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
    /// The customer's self-declaration (the travel rule), needed above the
    /// operator's threshold from a wallet no registered provider hosts.
    pub declaration: Option<crate::compliance::travel_rule::DeclarationInput>,
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
    /// The `max_gas_amount` to set, exactly.
    pub max_gas_amount: u64,
    /// The `gas_unit_price` to set, exactly (octas).
    pub gas_unit_price: u64,
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
        gas_unit_price: policy.gas_unit_price,
        max_expiration_secs: policy.max_expiration.as_secs(),
        functions: SPONSORED_FUNCTIONS
            .iter()
            .map(|(m, f)| format!("{m}::{f}"))
            .collect(),
    })
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
              (status = 409, description = "the code's payment is in flight or committed", body = crate::error::ErrorBody),
              (status = 429, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody),
              (status = 503, description = "no fee payer, the budget is spent, or the node does not answer", body = crate::error::ErrorBody)))]
pub async fn sponsor(
    State(state): State<AppState>,
    // Read after the fee payer: without one the answer is 503 whatever the body.
    request: Result<ApiJson<SponsorRequest>, ApiError>,
) -> ApiResult {
    operator(&state)?;
    let ApiJson(request) = request?;
    let raw: RawTransaction =
        aptos_bcs::from_bytes(&hex_bytes(&request.raw_transaction, "rawTransaction")?).map_err(
            |e| ApiError::invalid(format!("rawTransaction: not a BCS RawTransaction: {e}")),
        )?;
    let authenticator = decode_authenticator(&hex_bytes(
        &request.sender_authenticator,
        "senderAuthenticator",
    )?)
    .map_err(|error| match error {
        DecodeError::Unsupported => refuse(
            &state,
            StatusCode::FORBIDDEN,
            SenderError::Unsupported.code(),
            SenderError::Unsupported.to_string(),
        ),
        DecodeError::Malformed(detail) => ApiError::invalid(format!(
            "senderAuthenticator: not a BCS AccountAuthenticator: {detail}"
        )),
    })?;
    let (sponsored, _) = cosign(&state, raw, authenticator, request.declaration.as_ref()).await?;
    created(sponsored)
}
