//! The HTTP API, every JSON route of the gateway: one module per resource,
//! each with its own `router()`.
//!
//! A documented route is declared once, by its handler's `#[utoipa::path]`;
//! `routes!` (utoipa-axum) puts it on the router and in the OpenAPI
//! document alike. Handlers read their input through [`extract`], whose
//! rejections are the API's error shape.
//!
//! - the merchant API (`/v2`, signed): [`codes`], [`holds`], [`refunds`],
//!   [`payments`], [`reports`], [`webhooks`];
//! - the operator's ([`admin`], [`compliance`] and the refund agent's batch
//!   in [`tax_refunds`], its own listener), the wallets' ([`sponsor`])
//!   and the probes' ([`operations`]); paying in USDC ([`fx`]: the desk's
//!   quotes for wallets, its role keys for the operator);
//! - the pages' APIs: [`pos`] (the merchant API again, behind the POS
//!   page's session) and [`wallet`] (with a purchase's tax refund from
//!   [`tax_refunds`]).
//!
//! [`views`] is what several of them show; [`invoicing`] what codes and
//! customer-presented payments share.
pub mod admin;
pub mod codes;
pub mod compliance;
mod doc;
pub mod extract;
pub mod fx;
pub mod holds;
pub mod invoicing;
pub mod operations;
pub mod payments;
pub mod pos;
pub mod refunds;
pub mod reports;
pub mod reviews;
pub mod sponsor;
pub mod tax_refunds;
pub mod views;
pub mod wallet;
pub mod webhooks;

use crate::error::ApiError;
use crate::{AppState, auth, idempotency};
use axum::Router;
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::sync::LazyLock;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

/// The merchant API's routes, without authentication: `/v2` has each
/// request signed ([`auth::merchant_auth`]); the POS page reaches the same
/// handlers under `/pos/api` with its session, each only with the role
/// `web::session::PERMISSIONS` names ([`pos`]).
pub fn merchant_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(codes::router())
        .merge(holds::router())
        .merge(refunds::router())
        .merge(payments::router())
        .merge(reports::router())
        .merge(webhooks::router())
}

/// The public listener's API: the merchant API, signed and idempotent;
/// sponsoring; the probes; the OpenAPI document.
pub fn router(state: &AppState) -> Router<AppState> {
    let merchant = merchant_routes()
        .route_layer(from_fn_with_state(state.clone(), idempotency::idempotency))
        .route_layer(from_fn_with_state(state.clone(), auth::merchant_auth));
    let (router, _) = merchant
        .merge(sponsor::router())
        .merge(fx::router())
        .merge(operations::router())
        .split_for_parts();
    router.route("/openapi.json", get(serve_openapi))
}

/// The operator's admin API (`/admin/...`), served on its own listener
/// (`--admin-listen`, loopback by default), never on the public one: a
/// stolen or guessed token is then useless from outside the operator's
/// network. `/healthz` answers there too, without the token.
pub fn admin_router(state: &AppState) -> Router<AppState> {
    let (router, _) = admin::router()
        .merge(compliance::router())
        .merge(reviews::router())
        .merge(fx::admin_router())
        .merge(tax_refunds::admin_router())
        // Innermost: an action the handler ran, not an answer replayed.
        .route_layer(from_fn_with_state(
            state.clone(),
            crate::compliance::audit::record_admin,
        ))
        .route_layer(from_fn_with_state(state.clone(), idempotency::idempotency))
        .route_layer(from_fn_with_state(state.clone(), auth::admin_auth))
        .split_for_parts();
    router.route("/healthz", get(operations::healthz))
}

/// The OpenAPI document of both listeners, gathered from the same routers
/// that serve them, so a route cannot be served undocumented or documented
/// unserved.
pub fn openapi() -> utoipa::openapi::OpenApi {
    OpenApiRouter::<AppState>::with_openapi(doc::ApiDoc::openapi())
        .merge(merchant_routes())
        .merge(sponsor::router())
        .merge(fx::router())
        .merge(operations::router())
        .merge(admin::router())
        .merge(fx::admin_router())
        .merge(compliance::router())
        .merge(reviews::router())
        .merge(tax_refunds::admin_router())
        .into_openapi()
}

/// `GET /openapi.json`.
async fn serve_openapi() -> Response {
    // Built once: it depends on the code alone.
    static DOCUMENT: LazyLock<utoipa::openapi::OpenApi> = LazyLock::new(openapi);
    axum::Json(&*DOCUMENT).into_response()
}

/// What either listener answers for a route it does not have.
pub async fn not_found() -> ApiError {
    ApiError::not_found("NOT_FOUND", "no such route")
}

/// What either listener answers for a method a route does not take.
pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        "this route does not take this method",
    )
}
