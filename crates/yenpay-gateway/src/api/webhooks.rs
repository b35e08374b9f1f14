//! `/v2/webhooks`: the merchant's webhook endpoints (list, delete) and
//! deliveries, and redelivery (of a dead-lettered or already delivered
//! event). The operator adds endpoints (`/admin`); the merchant can stop
//! one, e.g. a receiver it closed, without waiting out a day of retries.
use super::extract::{ApiJson, Path, Query};
use crate::AppState;
use crate::auth::AuthedMerchant;
use crate::error::{ApiError, ApiResult, ok};
use crate::outbox::{self, Delivery};
use crate::store::merchants::{self, EndpointSummary};
use axum::Extension;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes, as `#[utoipa::path]` declares them.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(endpoints))
        .routes(routes!(delete_endpoint))
        .routes(routes!(pause_endpoint))
        .routes(routes!(resume_endpoint))
        .routes(routes!(rotate_secret))
        .routes(routes!(list))
        .routes(routes!(redeliver))
}

/// Filter.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DeliveryQuery {
    /// `PENDING`, `DELIVERED`, `DEAD` or `CANCELED`.
    #[serde(default)]
    pub status: Option<String>,
}

/// A delivery as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryView {
    /// Id of this delivery (event and endpoint).
    pub delivery_id: String,
    /// The event's id (what receivers de-duplicate on).
    pub event_id: String,
    /// Event type.
    pub event_type: String,
    /// Endpoint.
    pub endpoint_id: String,
    /// `PENDING`, `DELIVERED`, `DEAD`, or `CANCELED` (its endpoint was deleted).
    pub status: String,
    /// Attempts so far.
    pub attempts: i64,
    /// Next attempt, Unix seconds (pending only).
    pub next_attempt_at: Option<i64>,
    /// Last failure.
    pub last_error: Option<String>,
    /// Event time, Unix seconds.
    pub created_at: i64,
    /// Delivered, Unix seconds.
    pub delivered_at: Option<i64>,
}

impl From<Delivery> for DeliveryView {
    fn from(d: Delivery) -> Self {
        let pending = d.status == "PENDING";
        Self {
            delivery_id: d.delivery_id,
            event_id: d.event_id,
            event_type: d.event_type,
            endpoint_id: d.endpoint_id,
            status: d.status,
            attempts: d.attempts,
            next_attempt_at: pending.then_some(d.next_attempt_at),
            last_error: d.last_error,
            created_at: d.created_at,
            delivered_at: d.delivered_at,
        }
    }
}

/// The merchant's latest deliveries (100), newest first.
#[utoipa::path(get, path = "/v2/webhooks/deliveries", tag = "webhooks", params(DeliveryQuery),
    security(("opa_auth" = [])),
    responses((status = 200, body = [DeliveryView]), (status = 400, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(AuthedMerchant(merchant)): Extension<AuthedMerchant>,
    Query(query): Query<DeliveryQuery>,
) -> ApiResult {
    if let Some(status) = &query.status
        && !matches!(
            status.as_str(),
            "PENDING" | "DELIVERED" | "DEAD" | "CANCELED"
        )
    {
        return Err(ApiError::invalid(
            "status: PENDING, DELIVERED, DEAD or CANCELED",
        ));
    }
    let deliveries =
        outbox::deliveries_of(&state.db.pool, &merchant.id, query.status.as_deref()).await?;
    ok(deliveries
        .into_iter()
        .map(DeliveryView::from)
        .collect::<Vec<_>>())
}

/// Queues a delivery again, now (same event id and body).
#[utoipa::path(post, path = "/v2/webhooks/deliveries/{deliveryId}/redeliver", tag = "webhooks",
    security(("opa_auth" = [])),
    params(("deliveryId" = String, Path, description = "the delivery")),
    responses((status = 200, body = DeliveryView), (status = 404, body = crate::error::ErrorBody),
              (status = 409, description = "its endpoint was deleted", body = crate::error::ErrorBody)))]
pub async fn redeliver(
    State(state): State<AppState>,
    Extension(AuthedMerchant(merchant)): Extension<AuthedMerchant>,
    Path(delivery_id): Path<String>,
) -> ApiResult {
    let pool = &state.db.pool;
    if let Some(delivery) =
        outbox::redeliver(pool, &merchant.id, &delivery_id, state.clock.now()).await?
    {
        return ok(DeliveryView::from(delivery));
    }
    match outbox::by_id(pool, &delivery_id).await? {
        Some(delivery) if delivery.merchant_id == merchant.id => Err(ApiError::conflict(
            "ENDPOINT_DELETED",
            "the endpoint of this delivery was deleted",
        )),
        _ => Err(ApiError::not_found(
            "DELIVERY_NOT_FOUND",
            "no delivery with this id",
        )),
    }
}

/// A webhook endpoint as the merchant sees it (its secret was shown once, to the operator).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EndpointView {
    /// Id (`whe_...`).
    pub endpoint_id: String,
    /// Where events are POSTed.
    pub url: String,
    /// Added, Unix seconds.
    pub created_at: i64,
    /// Paused since (Unix seconds): its deliveries wait, none is attempted. Absent when active.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paused_at: Option<i64>,
    /// Until when the secret before the last rotation still signs too (Unix seconds). Absent when never rotated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_secret_valid_until: Option<i64>,
}

impl From<EndpointSummary> for EndpointView {
    fn from(e: EndpointSummary) -> Self {
        Self {
            endpoint_id: e.endpoint_id,
            url: e.url,
            created_at: e.created_at,
            paused_at: e.paused_at,
            previous_secret_valid_until: e.previous_secret_until,
        }
    }
}

/// The merchant's webhook endpoints (deleted ones are not listed), oldest first; never their secrets.
#[utoipa::path(get, path = "/v2/webhooks", tag = "webhooks", security(("opa_auth" = [])),
    responses((status = 200, body = [EndpointView])))]
pub async fn endpoints(
    State(state): State<AppState>,
    Extension(AuthedMerchant(merchant)): Extension<AuthedMerchant>,
) -> ApiResult {
    let endpoints = merchants::endpoints_of_merchant(&state.db.pool, &merchant.id).await?;
    ok(endpoints
        .into_iter()
        .map(EndpointView::from)
        .collect::<Vec<_>>())
}

/// What deleting an endpoint did.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeletedEndpoint {
    /// The endpoint.
    pub endpoint_id: String,
    /// Always `true`.
    pub deleted: bool,
    /// Pending deliveries to it, now `CANCELED` (never retried).
    pub cancelled_deliveries: u64,
}

/// Deletes a webhook endpoint: no event is queued for it any more, and its
/// pending deliveries are cancelled, not retried.
#[utoipa::path(delete, path = "/v2/webhooks/{endpointId}", tag = "webhooks", security(("opa_auth" = [])),
    params(("endpointId" = String, Path, description = "the endpoint")),
    responses((status = 200, body = DeletedEndpoint), (status = 404, body = crate::error::ErrorBody)))]
pub async fn delete_endpoint(
    State(state): State<AppState>,
    Extension(AuthedMerchant(merchant)): Extension<AuthedMerchant>,
    Path(endpoint_id): Path<String>,
) -> ApiResult {
    let cancelled =
        outbox::delete_endpoint(&state.db, &merchant.id, &endpoint_id, state.clock.now())
            .await?
            .ok_or_else(|| {
                ApiError::not_found("ENDPOINT_NOT_FOUND", "no webhook endpoint with this id")
            })?;
    tracing::info!(merchant = %merchant.id, endpoint = %endpoint_id, cancelled, "webhook endpoint deleted");
    ok(DeletedEndpoint {
        endpoint_id,
        deleted: true,
        cancelled_deliveries: cancelled,
    })
}

/// What pausing or resuming did.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PausedEndpoint {
    /// The endpoint.
    pub endpoint_id: String,
    /// Whether it is paused now.
    pub paused: bool,
}

async fn set_paused(
    state: &AppState,
    merchant_id: &str,
    endpoint_id: String,
    paused: bool,
) -> ApiResult {
    if !merchants::set_endpoint_paused(
        &state.db.pool,
        merchant_id,
        &endpoint_id,
        paused,
        state.clock.now(),
    )
    .await?
    {
        return Err(ApiError::not_found(
            "ENDPOINT_NOT_FOUND",
            "no webhook endpoint with this id",
        ));
    }
    tracing::info!(merchant = %merchant_id, endpoint = %endpoint_id, paused, "webhook endpoint paused or resumed");
    if !paused {
        // Its waiting deliveries are due now.
        state.outbox_ready.notify_one();
    }
    ok(PausedEndpoint {
        endpoint_id,
        paused,
    })
}

/// Pauses an endpoint: its deliveries wait (they are neither attempted nor
/// dead-lettered while paused) until it is resumed.
#[utoipa::path(post, path = "/v2/webhooks/{endpointId}/pause", tag = "webhooks", security(("opa_auth" = [])),
    params(("endpointId" = String, Path, description = "the endpoint")),
    responses((status = 200, body = PausedEndpoint), (status = 404, body = crate::error::ErrorBody)))]
pub async fn pause_endpoint(
    State(state): State<AppState>,
    Extension(AuthedMerchant(merchant)): Extension<AuthedMerchant>,
    Path(endpoint_id): Path<String>,
) -> ApiResult {
    set_paused(&state, &merchant.id, endpoint_id, true).await
}

/// Resumes a paused endpoint: its waiting deliveries go out.
#[utoipa::path(post, path = "/v2/webhooks/{endpointId}/resume", tag = "webhooks", security(("opa_auth" = [])),
    params(("endpointId" = String, Path, description = "the endpoint")),
    responses((status = 200, body = PausedEndpoint), (status = 404, body = crate::error::ErrorBody)))]
pub async fn resume_endpoint(
    State(state): State<AppState>,
    Extension(AuthedMerchant(merchant)): Extension<AuthedMerchant>,
    Path(endpoint_id): Path<String>,
) -> ApiResult {
    set_paused(&state, &merchant.id, endpoint_id, false).await
}

/// Longest overlap of a secret rotation: a week.
const MAX_OVERLAP_SECS: i64 = 7 * 24 * 3600;
/// Overlap when none is asked for: a day.
const DEFAULT_OVERLAP_SECS: i64 = 24 * 3600;

/// A rotation request.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RotateSecret {
    /// Seconds during which the old secret still signs too (0 to a week; default a day).
    pub overlap_seconds: Option<i64>,
}

/// A new secret, shown once.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RotatedSecret {
    /// The endpoint.
    pub endpoint_id: String,
    /// The new signing secret (`whsec_...`), shown once.
    pub secret: String,
    /// Until when deliveries also carry a signature with the old secret (Unix seconds).
    pub previous_secret_valid_until: i64,
}

/// Rotates an endpoint's signing secret. Until `previousSecretValidUntil`
/// every delivery carries two `v1` signatures (new and old secret), so the
/// receiver can switch to the new secret at any moment in between.
#[utoipa::path(post, path = "/v2/webhooks/{endpointId}/rotate-secret", tag = "webhooks",
    security(("opa_auth" = [])), request_body = RotateSecret,
    params(("endpointId" = String, Path, description = "the endpoint")),
    responses((status = 200, body = RotatedSecret), (status = 400, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody)))]
pub async fn rotate_secret(
    State(state): State<AppState>,
    Extension(AuthedMerchant(merchant)): Extension<AuthedMerchant>,
    Path(endpoint_id): Path<String>,
    request: Option<ApiJson<RotateSecret>>,
) -> ApiResult {
    let request = request.map_or_else(RotateSecret::default, |ApiJson(request)| request);
    let overlap = request.overlap_seconds.unwrap_or(DEFAULT_OVERLAP_SECS);
    if !(0..=MAX_OVERLAP_SECS).contains(&overlap) {
        return Err(ApiError::invalid("overlapSeconds: 0 to 604800 (a week)"));
    }
    let secret = format!("whsec_{}", crate::crypto::random_hex(32));
    let sealed = state
        .kek
        .seal(&format!("webhook:{endpoint_id}"), secret.as_bytes());
    let until = state.clock.now() + overlap;
    if !merchants::rotate_endpoint_secret(
        &state.db.pool,
        &merchant.id,
        &endpoint_id,
        &sealed,
        until,
    )
    .await?
    {
        return Err(ApiError::not_found(
            "ENDPOINT_NOT_FOUND",
            "no webhook endpoint with this id",
        ));
    }
    tracing::info!(merchant = %merchant.id, endpoint = %endpoint_id, overlap, "webhook secret rotated");
    crate::compliance::audit::record(
        &state,
        &crate::store::audit_log::NewEntry {
            actor: &format!("merchant:{}", merchant.id),
            action: "WEBHOOK_SECRET_ROTATED",
            subject: &endpoint_id,
            details: serde_json::json!({"endpointId": endpoint_id, "previousSecretValidUntil": until}),
        },
    )
    .await;
    ok(RotatedSecret {
        endpoint_id,
        secret,
        previous_secret_valid_until: until,
    })
}
