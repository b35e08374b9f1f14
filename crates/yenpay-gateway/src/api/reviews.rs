//! `/admin/reviews`: the analysts' side of compliance reviews
//! (`compliance::review`). A reviewed payment is a hold in the package's
//! escrow; an analyst lists the reviews, then releases one (the whole hold
//! captured for the merchant) or rejects it (voided back to the payer).
//! Each decision names its analyst and is appended to the audit log in the
//! transaction that takes the review out of `OPEN`
//! (`compliance::audit::SELF_AUDITED`).
use super::extract::{ApiJson, Path, Query};
use crate::AppState;
use crate::compliance::review::{self, Decision, ReviewView};
use crate::error::{ApiError, ApiResult, ok};
use crate::store::holds;
use crate::store::reviews::{self, ReviewStatus};
use axum::extract::State;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes, as `#[utoipa::path]` declares them.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(details))
        .routes(routes!(release))
        .routes(routes!(reject))
}

/// Which reviews.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReviewQuery {
    /// `OPEN` (default), `RELEASED`, `REJECTED`, `VOIDED`, `LAPSED` or `ALL`.
    pub status: Option<String>,
    /// At most this many (default 100, at most 1000).
    pub limit: Option<i64>,
}

/// The reviews, oldest first: by default those waiting for an analyst.
#[utoipa::path(get, path = "/admin/reviews", tag = "compliance", security(("admin" = [])),
    params(ReviewQuery),
    responses((status = 200, body = Vec<ReviewView>), (status = 400, body = crate::error::ErrorBody)))]
pub async fn list(State(state): State<AppState>, Query(query): Query<ReviewQuery>) -> ApiResult {
    let status = match query.status.as_deref().unwrap_or("OPEN") {
        "ALL" => None,
        other => Some(ReviewStatus::try_from(other.to_owned()).map_err(|_| {
            ApiError::invalid("status: OPEN, RELEASED, REJECTED, VOIDED, LAPSED or ALL")
        })?),
    };
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    let mut views = Vec::new();
    for review in reviews::list(&state.db.pool, status, limit).await? {
        let hold = holds::by_id(&state.db.pool, &review.hold_id).await?;
        views.push(review::view(&review, hold.as_ref()));
    }
    ok(views)
}

/// One review, with its hold's state.
#[utoipa::path(get, path = "/admin/reviews/{reviewId}", tag = "compliance", security(("admin" = [])),
    params(("reviewId" = String, Path, description = "the review's id")),
    responses((status = 200, body = ReviewView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn details(State(state): State<AppState>, Path(review_id): Path<String>) -> ApiResult {
    let review = reviews::by_id(&state.db.pool, &review_id)
        .await?
        .ok_or_else(|| ApiError::not_found("REVIEW_NOT_FOUND", "no review with this id"))?;
    let hold = holds::by_id(&state.db.pool, &review.hold_id).await?;
    ok(review::view(&review, hold.as_ref()))
}

/// An analyst's decision.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Decide {
    /// Who decides: the analyst's id in the operator's staff directory,
    /// 1-64 characters of letters, digits and `._@-` (in the audit log).
    pub analyst: String,
}

fn analyst(request: &Decide) -> Result<String, ApiError> {
    let id = &request.analyst;
    let fine = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._@-".contains(&b));
    if !fine {
        return Err(ApiError::invalid(
            "analyst: 1-64 characters of letters, digits and ._@-",
        ));
    }
    Ok(format!("analyst:{id}"))
}

/// Releases a reviewed payment: the whole hold is captured for the merchant
/// (the merchant's terminal signs `hold::capture`, the operator pays).
#[utoipa::path(post, path = "/admin/reviews/{reviewId}/release", tag = "compliance", security(("admin" = [])),
    params(("reviewId" = String, Path, description = "the review's id")),
    request_body = Decide,
    responses((status = 200, body = ReviewView), (status = 400, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody),
              (status = 409, description = "decided already, nothing held yet, or past the deadline", body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody), (status = 503, body = crate::error::ErrorBody)))]
pub async fn release(
    State(state): State<AppState>,
    Path(review_id): Path<String>,
    ApiJson(request): ApiJson<Decide>,
) -> ApiResult {
    let actor = analyst(&request)?;
    ok(review::decide(&state, &review_id, Decision::Release, &actor).await?)
}

/// Rejects a reviewed payment: everything held goes back to the payer (the
/// merchant's terminal signs `hold::void`, the operator pays).
#[utoipa::path(post, path = "/admin/reviews/{reviewId}/reject", tag = "compliance", security(("admin" = [])),
    params(("reviewId" = String, Path, description = "the review's id")),
    request_body = Decide,
    responses((status = 200, body = ReviewView), (status = 400, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody),
              (status = 409, description = "decided already, or nothing held", body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody), (status = 503, body = crate::error::ErrorBody)))]
pub async fn reject(
    State(state): State<AppState>,
    Path(review_id): Path<String>,
    ApiJson(request): ApiJson<Decide>,
) -> ApiResult {
    let actor = analyst(&request)?;
    ok(review::decide(&state, &review_id, Decision::Reject, &actor).await?)
}
