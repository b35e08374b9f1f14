//! Health, readiness and metrics: what the operator's probes and scrapers call.
use crate::sponsor::fee_payer_balance;
use crate::{AppState, follower, metrics};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes: `/healthz` and `/readyz` documented, `/metrics` (Prometheus' text) not.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .route("/metrics", get(metrics::serve))
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
        None => follower::recorded_halt(&state.db.pool).await.ok().flatten(),
    };
    if let Some((_, reason)) = &stopped {
        problems.push(format!("follower stopped: {reason}"));
    }
    let follower = match state.follower_status.get() {
        Some(status) => Some(status),
        None => follower::cursor(&state.db.pool).await.ok().flatten(),
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
    let fee_payer = match fee_payer_balance(&state).await {
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
