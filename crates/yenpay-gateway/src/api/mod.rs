//! The HTTP API: routes, the JSON conventions and the extractors that turn
//! every malformed input into a 4xx with a code.
pub mod admin;
pub mod codes;
pub mod payments;
pub mod refunds;
pub mod reports;
pub mod webhooks;

use crate::error::{ApiError, ApiResult, success};
use crate::{AppState, auth, idempotency, metrics, openapi, sponsor};
use axum::Router;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde::de::DeserializeOwned;
use serde_json::json;

/// The whole API.
pub fn router(state: AppState) -> Router {
    let merchant = merchant_routes()
        .route_layer(from_fn_with_state(state.clone(), idempotency::idempotency))
        .route_layer(from_fn_with_state(state.clone(), auth::merchant_auth));
    // No idempotency layer: anyone may call these, and a key would leave a
    // row per anonymous request; a repeated payment is refused by its code's
    // claim instead (SPONSOR_CODE_IN_FLIGHT, SPONSOR_CODE_ALREADY_SPONSORED).
    let wallet = Router::new()
        .route("/v2/sponsor", post(sponsor::sponsor))
        .route("/v2/sponsor/info", get(sponsor::info));
    let operations = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics::serve))
        .route("/openapi.json", get(openapi::serve));
    Router::new()
        .merge(merchant)
        .merge(wallet)
        .merge(operations)
        .merge(if state.config.web.enabled {
            crate::web::router(state.clone())
        } else {
            Router::new()
        })
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn_with_state(state.clone(), metrics::track))
        .with_state(state)
}

/// The operator's admin API (`/admin/...`), served on its own listener
/// (`--admin-listen`, loopback by default), never on the public one: a
/// stolen or guessed token is then useless from outside the operator's
/// network. `/healthz` answers there too.
pub fn admin_router(state: AppState) -> Router {
    Router::new()
        .route("/admin/merchants", post(admin::onboard))
        .route("/admin/merchants/{merchantId}", get(admin::merchant))
        .route("/admin/merchants/{merchantId}/keys", post(admin::issue_key))
        .route(
            "/admin/merchants/{merchantId}/keys/{keyId}",
            delete(admin::revoke_key),
        )
        .route(
            "/admin/merchants/{merchantId}/pos-credentials",
            post(admin::issue_pos_credential).get(admin::list_pos_credentials),
        )
        .route(
            "/admin/merchants/{merchantId}/pos-credentials/{credentialId}",
            delete(admin::revoke_pos_credential),
        )
        .route(
            "/admin/merchants/{merchantId}/webhooks",
            post(admin::add_webhook),
        )
        .route_layer(from_fn_with_state(state.clone(), idempotency::idempotency))
        .route_layer(from_fn_with_state(state.clone(), auth::admin_auth))
        .route("/healthz", get(healthz))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn_with_state(state.clone(), metrics::track))
        .with_state(state)
}

/// The merchant API's routes, without authentication: `/v2` has each
/// request signed ([`auth::merchant_auth`]); the POS page reaches the same
/// handlers under `/pos/api` with its session, each only with the role
/// `web::pos::PERMISSIONS` names ([`crate::web::pos`]).
pub fn merchant_routes() -> Router<AppState> {
    Router::new()
        .route("/v2/codes", post(codes::create))
        .route("/v2/codes/{codeId}", delete(codes::cancel))
        .route(
            "/v2/codes/payments/{merchantPaymentId}",
            get(codes::details),
        )
        .route("/v2/refunds", post(refunds::create))
        .route("/v2/refunds/{merchantRefundId}", get(refunds::details))
        .route("/v2/payments/cpm", post(payments::cpm))
        .route("/v2/reports/reconciliation", get(reports::reconciliation))
        .route("/v2/webhooks", get(webhooks::endpoints))
        .route(
            "/v2/webhooks/{endpointId}",
            delete(webhooks::delete_endpoint),
        )
        .route(
            "/v2/webhooks/{endpointId}/pause",
            post(webhooks::pause_endpoint),
        )
        .route(
            "/v2/webhooks/{endpointId}/resume",
            post(webhooks::resume_endpoint),
        )
        .route(
            "/v2/webhooks/{endpointId}/rotate-secret",
            post(webhooks::rotate_secret),
        )
        .route("/v2/webhooks/deliveries", get(webhooks::list))
        .route(
            "/v2/webhooks/deliveries/{deliveryId}/redeliver",
            post(webhooks::redeliver),
        )
}

async fn not_found() -> ApiError {
    ApiError::not_found("NOT_FOUND", "no such route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        "this route does not take this method",
    )
}

/// `GET /healthz`: the process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "alive")))]
pub async fn healthz() -> Response {
    axum::Json(json!({"status": "ok"})).into_response()
}

/// `GET /readyz`: the database answers, the node is reachable, the
/// follower has not stopped, and it is within `ready_max_lag_versions`
/// versions and `ready_max_lag` seconds of the head. The body never names
/// the node's URL: it may carry credentials.
#[utoipa::path(get, path = "/readyz", tag = "operations", responses(
    (status = 200, description = "ready"), (status = 503, description = "not ready, with the reasons")))]
pub async fn readyz(State(state): State<AppState>) -> Response {
    let mut problems = Vec::new();
    let database = state.db.ping().await;
    if !database {
        problems.push("database does not answer".to_owned());
    } else if !state.db.can_write().await {
        problems.push("database: another writer has held the write lock for over 2 s".to_owned());
    }
    let head = state.ledger.head().await;
    let node = match &head {
        Ok(head) => json!({"reachable": true, "version": head.version, "chainId": head.chain_id}),
        Err(error) => {
            // The detail (which may name the node) goes to the log only.
            tracing::debug!(%error, "readiness: node unreachable");
            problems.push("node does not answer".to_owned());
            json!({"reachable": false})
        }
    };
    // This replica's follower, or (with --no-follower) the one that writes the shared database.
    let stopped = match state.follower_status.halted() {
        Some(halt) => Some((halt.code().to_owned(), halt.to_string())),
        None => crate::follower::recorded_halt(&state.db.pool)
            .await
            .ok()
            .flatten(),
    };
    if let Some((_, reason)) = &stopped {
        problems.push(format!("follower stopped: {reason}"));
    }
    let follower = match state.follower_status.get() {
        Some(status) => Some(status),
        None => crate::follower::cursor(&state.db.pool).await.ok().flatten(),
    };
    // Versions committed and not yet applied, and how much older (chain
    // time) the last applied one is than the head.
    let lag = match (&head, &follower) {
        (Ok(head), Some(status)) => {
            let versions = (head.version + 1).saturating_sub(status.next_version);
            let seconds = if versions == 0 {
                0
            } else {
                head.timestamp_us
                    .saturating_sub(status.applied_timestamp_us)
                    / 1_000_000
            };
            Some((versions, seconds))
        }
        _ => None,
    };
    let (max_versions, max_seconds) = (
        state.config.ready_max_lag_versions,
        state.config.ready_max_lag.as_secs(),
    );
    match lag {
        Some((versions, seconds)) => {
            if versions > max_versions {
                problems.push(format!(
                    "follower is {versions} versions behind (at most {max_versions} allowed)"
                ));
            }
            if seconds > max_seconds {
                problems.push(format!(
                    "follower is {seconds} s behind (at most {max_seconds} allowed)"
                ));
            }
        }
        None if follower.is_none() => problems.push("follower has not completed a poll".to_owned()),
        None => {}
    }
    // An alarm, not a reason to stop serving: the merchant API needs no APT of its own.
    let fee_payer = match crate::sponsor::fee_payer_balance(&state).await {
        Some(Ok(octas)) => json!({
            "balanceOctas": octas,
            "low": octas < state.config.sponsor.low_balance_octas,
        }),
        Some(Err(error)) => json!({"error": error.to_string()}),
        None => serde_json::Value::Null,
    };
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        axum::Json(json!({
            "ready": problems.is_empty(),
            "database": database,
            "node": node,
            "followerLagVersions": lag.map(|(versions, _)| versions),
            "followerLagSeconds": lag.map(|(_, seconds)| seconds),
            "followerStopped": stopped.map(|(code, reason)| json!({"code": code, "reason": reason})),
            "feePayer": fee_payer,
            "problems": problems,
        })),
    )
        .into_response()
}

/// Parses a JSON body into `T`, or a 400 naming what is wrong.
pub fn json_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if body.is_empty() {
        return Err(ApiError::invalid("a JSON body is required"));
    }
    serde_json::from_slice(body).map_err(|error| ApiError::invalid(format!("body: {error}")))
}

/// One path parameter, decoded, or a 400.
#[derive(Debug)]
pub struct PathParam(pub String);

impl<S: Send + Sync> FromRequestParts<S> for PathParam {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(value) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|e| ApiError::invalid(format!("path: {e}")))?;
        Ok(Self(value))
    }
}

/// Two path parameters.
#[derive(Debug)]
pub struct PathParams2(pub String, pub String);

impl<S: Send + Sync> FromRequestParts<S> for PathParams2 {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path((a, b)) =
            axum::extract::Path::<(String, String)>::from_request_parts(parts, state)
                .await
                .map_err(|e| ApiError::invalid(format!("path: {e}")))?;
        Ok(Self(a, b))
    }
}

/// Query parameters into `T`, or a 400.
#[derive(Debug)]
pub struct QueryParams<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Query(value) =
            axum::extract::Query::<T>::from_request_parts(parts, state)
                .await
                .map_err(|e| ApiError::invalid(format!("query: {}", e.body_text())))?;
        Ok(Self(value))
    }
}

/// A 201/200 with `data`.
pub fn ok<T: serde::Serialize>(data: T) -> ApiResult {
    Ok(success(StatusCode::OK, data))
}

/// A 201 with `data`.
pub fn created<T: serde::Serialize>(data: T) -> ApiResult {
    Ok(success(StatusCode::CREATED, data))
}
