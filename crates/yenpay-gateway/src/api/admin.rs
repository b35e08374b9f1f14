//! `/admin`: the operator onboards merchants (after KYC, and after
//! registering them on chain), issues their API keys, POS credentials and
//! webhook endpoints.
//! Secrets are shown once, in the response that creates them.
use super::extract::{ApiJson, Path};
use crate::AppState;
use crate::crypto::{random_hex, sha256, sha256_hex};
use crate::error::{ApiError, ApiResult, created, ok};
use crate::store::merchants::{self, Endpoint, Merchant};
use crate::store::pos;
use aptos_sdk::account::Ed25519Account;
use aptos_sdk::types::AccountAddress;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes, as `#[utoipa::path]` declares them; the admin listener
/// puts the admin token and idempotency in front of them.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(onboard))
        .routes(routes!(merchant))
        .routes(routes!(issue_key))
        .routes(routes!(revoke_key))
        .routes(routes!(issue_pos_credential, list_pos_credentials))
        .routes(routes!(revoke_pos_credential))
        .routes(routes!(add_webhook))
}

/// `POST /admin/merchants` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OnboardRequest {
    /// The merchant's on-chain owner account (registered by the operator in `merchant_registry`).
    pub owner_address: String,
    /// Name on the EMVCo code: printable ASCII, 1-25 characters.
    pub name: String,
    /// City on the EMVCo code: printable ASCII, 1-15 characters (default `TOKYO`).
    #[serde(default)]
    pub city: Option<String>,
    /// ISO 18245 merchant category code, four digits (default `5999`).
    #[serde(default)]
    pub mcc: Option<String>,
}

/// A merchant as the operator sees it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MerchantView {
    /// Gateway id.
    pub merchant_id: String,
    /// On-chain owner.
    pub owner_address: String,
    /// EMVCo name.
    pub name: String,
    /// EMVCo city.
    pub city: String,
    /// Category code.
    pub mcc: String,
    /// The gateway-held account: the merchant adds it with
    /// `merchant_registry::add_terminal`; setting it as payout address also
    /// lets the gateway sign refunds.
    pub terminal_address: String,
    /// Onboarding time, Unix seconds.
    pub created_at: i64,
}

impl From<&Merchant> for MerchantView {
    fn from(m: &Merchant) -> Self {
        Self {
            merchant_id: m.id.clone(),
            owner_address: m.address.clone(),
            name: m.name.clone(),
            city: m.city.clone(),
            mcc: m.mcc.clone(),
            terminal_address: m.terminal_address.clone(),
            created_at: m.created_at,
        }
    }
}

fn printable(value: &str, field: &str, max: usize) -> Result<String, ApiError> {
    let ok = (1..=max).contains(&value.len()) && value.bytes().all(|b| (0x20..0x7f).contains(&b));
    if ok {
        Ok(value.to_owned())
    } else {
        Err(ApiError::invalid(format!(
            "{field}: 1-{max} printable ASCII characters (EMVCo)"
        )))
    }
}

/// Parses `0x` and 1-64 hex digits into the long form.
pub fn parse_address(value: &str, field: &str) -> Result<AccountAddress, ApiError> {
    let hex = value.strip_prefix("0x").unwrap_or_default();
    if hex.is_empty() || hex.len() > 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::invalid(format!(
            "{field}: `0x` and 1-64 hex digits"
        )));
    }
    AccountAddress::from_hex(value).map_err(|e| ApiError::invalid(format!("{field}: {e}")))
}

/// Onboards a merchant: generates and seals its terminal key.
#[utoipa::path(post, path = "/admin/merchants", tag = "admin", request_body = OnboardRequest,
    security(("admin" = [])),
    responses((status = 201, description = "onboarded", body = MerchantView),
              (status = 400, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn onboard(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<OnboardRequest>,
) -> ApiResult {
    let owner = parse_address(&request.owner_address, "ownerAddress")?;
    let name = printable(&request.name, "name", 25)?;
    let city = printable(request.city.as_deref().unwrap_or("TOKYO"), "city", 15)?;
    let mcc = request.mcc.unwrap_or_else(|| "5999".to_owned());
    if mcc.len() != 4 || !mcc.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::invalid("mcc: four digits (ISO 18245)"));
    }
    let id = format!("mer_{}", random_hex(12));
    let terminal = Ed25519Account::generate();
    let sealed = merchants::seal_terminal_key(&state.kek, &id, &terminal.private_key().to_bytes());
    let merchant = Merchant {
        id,
        address: owner.to_hex(),
        name,
        city,
        mcc,
        terminal_address: terminal.address().to_hex(),
        terminal_key_enc: sealed,
        created_at: state.clock.now(),
    };
    if !merchants::insert(&state.db.pool, &merchant).await? {
        return Err(ApiError::conflict(
            "MERCHANT_EXISTS",
            "a merchant with this owner address is already onboarded",
        ));
    }
    tracing::info!(merchant = %merchant.id, owner = %merchant.address, "merchant onboarded");
    created(MerchantView::from(&merchant))
}

/// A merchant.
#[utoipa::path(get, path = "/admin/merchants/{merchantId}", tag = "admin", security(("admin" = [])),
    params(("merchantId" = String, Path, description = "gateway merchant id")),
    responses((status = 200, body = MerchantView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn merchant(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let merchant = find(&state, &id).await?;
    ok(MerchantView::from(&merchant))
}

async fn find(state: &AppState, id: &str) -> Result<Merchant, ApiError> {
    merchants::by_id(&state.db.pool, id)
        .await?
        .ok_or_else(|| ApiError::not_found("MERCHANT_NOT_FOUND", "no merchant with this id"))
}

/// A new API key: the secret is shown here only.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IssuedKey {
    /// Public key id, first field of the `OPA-Auth` header.
    pub key_id: String,
    /// The secret (shown once): requests are signed with `SHA-256(secret)`.
    pub secret: String,
    /// Owner.
    pub merchant_id: String,
}

/// Issues an API key.
#[utoipa::path(post, path = "/admin/merchants/{merchantId}/keys", tag = "admin", security(("admin" = [])),
    params(("merchantId" = String, Path, description = "gateway merchant id")),
    responses((status = 201, body = IssuedKey), (status = 404, body = crate::error::ErrorBody)))]
pub async fn issue_key(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let merchant = find(&state, &id).await?;
    let key_id = format!("key_{}", random_hex(12));
    let secret = format!("ysk_{}", random_hex(32));
    let sealed = state
        .kek
        .seal(&format!("apikey:{key_id}"), &sha256(secret.as_bytes()));
    merchants::insert_key(
        &state.db.pool,
        &key_id,
        &merchant.id,
        &sealed,
        state.clock.now(),
    )
    .await?;
    tracing::info!(merchant = %merchant.id, key = %key_id, "API key issued");
    created(IssuedKey {
        key_id,
        secret,
        merchant_id: merchant.id,
    })
}

/// Revokes an API key.
#[utoipa::path(delete, path = "/admin/merchants/{merchantId}/keys/{keyId}", tag = "admin", security(("admin" = [])),
    params(("merchantId" = String, Path, description = "merchant"), ("keyId" = String, Path, description = "key")),
    responses((status = 200, description = "revoked"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn revoke_key(
    State(state): State<AppState>,
    Path((id, key_id)): Path<(String, String)>,
) -> ApiResult {
    if !merchants::revoke_key(&state.db.pool, &id, &key_id, state.clock.now()).await? {
        return Err(ApiError::not_found(
            "KEY_NOT_FOUND",
            "no active key with this id for this merchant",
        ));
    }
    ok(serde_json::json!({"keyId": key_id, "revoked": true}))
}

/// `POST /admin/merchants/{merchantId}/webhooks` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebhookRequest {
    /// `http://` or `https://` URL events are POSTed to.
    pub url: String,
}

/// A new webhook endpoint: the secret is shown here only.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IssuedEndpoint {
    /// Id.
    pub endpoint_id: String,
    /// URL.
    pub url: String,
    /// Signing secret of `Yenpay-Signature` (shown once).
    pub secret: String,
}

/// Adds a webhook endpoint.
#[utoipa::path(post, path = "/admin/merchants/{merchantId}/webhooks", tag = "admin", security(("admin" = [])),
    params(("merchantId" = String, Path, description = "merchant")), request_body = WebhookRequest,
    responses((status = 201, body = IssuedEndpoint), (status = 400, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody)))]
pub async fn add_webhook(
    State(state): State<AppState>,
    Path(id): Path<String>,
    // Read after the merchant: an unknown one is a 404 whatever the body.
    request: Result<ApiJson<WebhookRequest>, ApiError>,
) -> ApiResult {
    let merchant = find(&state, &id).await?;
    let ApiJson(request) = request?;
    let url = crate::webhook_destination::check(
        &request.url,
        state.config.webhooks.allow_local_destinations,
    )
    .await
    .map_err(|error| ApiError::invalid(error.to_string()))?;
    let endpoint_id = format!("whe_{}", random_hex(12));
    let secret = format!("whsec_{}", random_hex(32));
    let endpoint = Endpoint {
        secret_enc: state
            .kek
            .seal(&format!("webhook:{endpoint_id}"), secret.as_bytes()),
        endpoint_id,
        merchant_id: merchant.id,
        url: url.to_string(),
        previous_secret_enc: None,
        previous_secret_until: None,
    };
    merchants::insert_endpoint(&state.db.pool, &endpoint, state.clock.now()).await?;
    created(IssuedEndpoint {
        endpoint_id: endpoint.endpoint_id,
        url: endpoint.url,
        secret,
    })
}

/// `POST /admin/merchants/{merchantId}/pos-credentials` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PosCredentialRequest {
    /// `cashier` (codes, customer-presented payments, reading payments) or
    /// `manager` (also refunds and the reconciliation report).
    pub role: String,
    /// Who or what it is for ("register 1", "store manager"): 1-64 characters, no control characters.
    pub label: String,
}

/// A POS credential as the operator sees it: never its secret.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PosCredentialView {
    /// Id, typed at the till with the secret.
    pub credential_id: String,
    /// Owner.
    pub merchant_id: String,
    /// `cashier` or `manager`.
    pub role: String,
    /// The operator's label.
    pub label: String,
    /// Issued, Unix seconds.
    pub created_at: i64,
    /// Revoked, Unix seconds (absent while active).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<i64>,
}

impl From<&pos::PosCredential> for PosCredentialView {
    fn from(c: &pos::PosCredential) -> Self {
        Self {
            credential_id: c.credential_id.clone(),
            merchant_id: c.merchant_id.clone(),
            role: c.role.as_str().to_owned(),
            label: c.label.clone(),
            created_at: c.created_at,
            revoked_at: c.revoked_at,
        }
    }
}

/// A new POS credential: the secret is shown here only.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IssuedPosCredential {
    /// The credential.
    #[serde(flatten)]
    pub credential: PosCredentialView,
    /// The secret (shown once; the gateway keeps only its SHA-256).
    pub secret: String,
}

/// Issues a POS credential: the POS page's login for a cashier or a manager.
#[utoipa::path(post, path = "/admin/merchants/{merchantId}/pos-credentials", tag = "admin",
    security(("admin" = [])), request_body = PosCredentialRequest,
    params(("merchantId" = String, Path, description = "gateway merchant id")),
    responses((status = 201, body = IssuedPosCredential), (status = 400, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody)))]
pub async fn issue_pos_credential(
    State(state): State<AppState>,
    Path(id): Path<String>,
    // Read after the merchant: an unknown one is a 404 whatever the body.
    request: Result<ApiJson<PosCredentialRequest>, ApiError>,
) -> ApiResult {
    let merchant = find(&state, &id).await?;
    let ApiJson(request) = request?;
    let role: pos::PosRole = request
        .role
        .parse()
        .map_err(|e: pos::UnknownRole| ApiError::invalid(format!("role: {e}")))?;
    let label = request.label.trim();
    if !(1..=64).contains(&label.chars().count()) || label.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            "label: 1-64 characters, no control characters",
        ));
    }
    // 32 random bytes: a plain SHA-256 is enough to store them (nothing to guess from it).
    let secret = format!("yps_{}", random_hex(32));
    let credential = pos::PosCredential {
        credential_id: format!("posc_{}", random_hex(12)),
        merchant_id: merchant.id,
        role,
        label: label.to_owned(),
        secret_hash: sha256_hex(secret.as_bytes()),
        created_at: state.clock.now(),
        revoked_at: None,
    };
    pos::insert(&state.db.pool, &credential).await?;
    tracing::info!(merchant = %credential.merchant_id, credential = %credential.credential_id,
        role = %role, "POS credential issued");
    created(IssuedPosCredential {
        credential: PosCredentialView::from(&credential),
        secret,
    })
}

/// Lists a merchant's POS credentials, revoked ones too, without secrets.
#[utoipa::path(get, path = "/admin/merchants/{merchantId}/pos-credentials", tag = "admin",
    security(("admin" = [])), params(("merchantId" = String, Path, description = "gateway merchant id")),
    responses((status = 200, body = [PosCredentialView]), (status = 404, body = crate::error::ErrorBody)))]
pub async fn list_pos_credentials(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult {
    let merchant = find(&state, &id).await?;
    let credentials = pos::of_merchant(&state.db.pool, &merchant.id).await?;
    ok(credentials
        .iter()
        .map(PosCredentialView::from)
        .collect::<Vec<_>>())
}

/// Revokes a POS credential: it logs in no more, and its open sessions end at once.
#[utoipa::path(delete, path = "/admin/merchants/{merchantId}/pos-credentials/{credentialId}", tag = "admin",
    security(("admin" = [])),
    params(("merchantId" = String, Path, description = "merchant"), ("credentialId" = String, Path, description = "credential")),
    responses((status = 200, description = "revoked, with the number of sessions ended"),
              (status = 404, body = crate::error::ErrorBody)))]
pub async fn revoke_pos_credential(
    State(state): State<AppState>,
    Path((id, credential_id)): Path<(String, String)>,
) -> ApiResult {
    let Some(ended) = pos::revoke(&state.db, &id, &credential_id, state.clock.now()).await? else {
        return Err(ApiError::not_found(
            "POS_CREDENTIAL_NOT_FOUND",
            "no active POS credential with this id for this merchant",
        ));
    };
    tracing::info!(merchant = %id, credential = %credential_id, sessions_ended = ended, "POS credential revoked");
    ok(serde_json::json!({"credentialId": credential_id, "revoked": true, "sessionsEnded": ended}))
}
