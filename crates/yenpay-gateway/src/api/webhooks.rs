//! `/v2/webhooks/deliveries`: the merchant's webhook deliveries, and
//! redelivery (of a dead-lettered or already delivered event).
use super::{PathParam, QueryParams, ok};
use crate::AppState;
use crate::auth::AuthedMerchant;
use crate::error::{ApiError, ApiResult};
use crate::outbox::{self, Delivery};
use axum::Extension;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Filter.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DeliveryQuery {
    /// `PENDING`, `DELIVERED` or `DEAD`.
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
    /// `PENDING`, `DELIVERED` or `DEAD`.
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
    QueryParams(query): QueryParams<DeliveryQuery>,
) -> ApiResult {
    if let Some(status) = &query.status
        && !matches!(status.as_str(), "PENDING" | "DELIVERED" | "DEAD")
    {
        return Err(ApiError::invalid("status: PENDING, DELIVERED or DEAD"));
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
    responses((status = 200, body = DeliveryView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn redeliver(
    State(state): State<AppState>,
    Extension(AuthedMerchant(merchant)): Extension<AuthedMerchant>,
    PathParam(delivery_id): PathParam,
) -> ApiResult {
    let delivery = outbox::redeliver(
        &state.db.pool,
        &merchant.id,
        &delivery_id,
        state.clock.now(),
    )
    .await?
    .ok_or_else(|| ApiError::not_found("DELIVERY_NOT_FOUND", "no delivery with this id"))?;
    ok(DeliveryView::from(delivery))
}
