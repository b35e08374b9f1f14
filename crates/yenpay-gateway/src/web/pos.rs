//! The POS page's side of the gateway.
//!
//! A cashier logs in once with a POS credential the operator issued (`POST
//! /pos/api/session`), never with the merchant's API key; the browser then
//! holds only an HttpOnly, `SameSite=Strict` cookie. The session records the
//! credential's role: behind it the page calls the merchant API's own
//! handlers under `/pos/api/v2/...` ([`crate::api::merchant_routes`]), so a
//! code made at the till is the same code the API makes, but only the routes
//! of [`PERMISSIONS`] and only with the role each names: a cashier makes and
//! cancels codes, takes customer-presented payments and reads payments; a
//! refund needs a manager. Every request that changes something must carry
//! `X-Yenpay-Pos: 1`, which a cross-site form cannot send. Failed logins are
//! throttled per client and per merchant ([`super::throttle`]).
//!
//! `GET /pos/api/codes/{merchantPaymentId}/events` streams the payment
//! (server-sent events): once at connect, then at every change the
//! follower applies, until a final state.
use crate::api::codes::{PaymentView, view};
use crate::api::{PathParam, json_body, ok};
use crate::auth::{AuthedMerchant, act_as};
use crate::crypto::{constant_time_eq, random_hex, sha256_hex};
use crate::error::{ApiError, ApiResult};
use crate::store::pos::PosRole;
use crate::store::{merchants, payments};
use crate::web::throttle::{self, Attempt};
use crate::{AppState, api, idempotency};
use axum::body::Bytes;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

/// The session cookie.
pub const COOKIE: &str = "yenpay_pos";
/// The header every changing request must carry.
pub const CSRF_HEADER: &str = "x-yenpay-pos";
/// Payments the recent list shows.
pub const RECENT_LIMIT: i64 = 10;
/// Statuses after which a payment stream ends.
pub const FINAL_STATUSES: &[&str] = &["COMPLETED", "CANCELED", "EXPIRED", "REFUNDED"];

/// The POS routes.
pub fn router(state: AppState) -> Router<AppState> {
    let authed = api::merchant_routes()
        .route("/codes/{merchantPaymentId}/events", get(payment_events))
        .route("/payments/recent", get(recent))
        .route("/session", get(current).delete(logout))
        .route_layer(from_fn_with_state(state.clone(), idempotency::idempotency))
        .route_layer(axum::middleware::from_fn(role_guard))
        .route_layer(from_fn_with_state(state.clone(), session_auth));
    let login = Router::new().route("/session", axum::routing::post(login));
    Router::new().nest(
        "/pos/api",
        authed
            .merge(login)
            .route_layer(axum::middleware::from_fn(csrf_guard)),
    )
}

/// What each POS role may call, by method and route (under `/pos/api`),
/// with the least role it takes. A merchant-API route missing here is not
/// served to the POS page at all (`POS_NOT_PERMITTED`): webhook endpoints
/// and deliveries are an integration's, managed with its API key.
pub const PERMISSIONS: &[(&str, &str, PosRole)] = &[
    ("GET", "/session", PosRole::Cashier),
    ("DELETE", "/session", PosRole::Cashier),
    ("POST", "/v2/codes", PosRole::Cashier),
    ("DELETE", "/v2/codes/{codeId}", PosRole::Cashier),
    (
        "GET",
        "/v2/codes/payments/{merchantPaymentId}",
        PosRole::Cashier,
    ),
    ("GET", "/codes/{merchantPaymentId}/events", PosRole::Cashier),
    ("GET", "/payments/recent", PosRole::Cashier),
    ("POST", "/v2/payments/cpm", PosRole::Cashier),
    ("GET", "/v2/refunds/{merchantRefundId}", PosRole::Cashier),
    // Money goes back to a customer: a manager's decision.
    ("POST", "/v2/refunds", PosRole::Manager),
    ("GET", "/v2/reports/reconciliation", PosRole::Manager),
];

/// The least role `method` on `route` (a template under `/pos/api`) takes;
/// `None`: no POS session may call it.
pub fn required_role(method: &str, route: &str) -> Option<PosRole> {
    // HEAD is answered by the GET route.
    let method = if method == "HEAD" { "GET" } else { method };
    PERMISSIONS
        .iter()
        .find(|(m, r, _)| *m == method && *r == route)
        .map(|(_, _, role)| *role)
}

/// `POST /pos/api/session` body: a POS credential, never an API key.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Login {
    /// POS credential id (`posc_...`).
    pub credential_id: String,
    /// Its secret.
    pub secret: String,
}

/// The POS session a request came with (a request extension).
#[derive(Debug, Clone)]
pub struct PosSession {
    /// The credential it was opened with.
    pub credential_id: String,
    /// Its role.
    pub role: PosRole,
    /// The credential's label.
    pub label: String,
}

/// Who the session is.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    /// The merchant.
    pub merchant: MerchantView,
    /// `cashier` or `manager`.
    pub role: &'static str,
    /// The credential's label.
    pub label: String,
}

/// A merchant as the pages show it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MerchantView {
    /// Gateway id.
    pub id: String,
    /// Shop name.
    pub name: String,
    /// City.
    pub city: String,
    /// Owner address on chain.
    pub address: String,
}

impl From<&merchants::Merchant> for MerchantView {
    fn from(m: &merchants::Merchant) -> Self {
        Self {
            id: m.id.clone(),
            name: m.name.clone(),
            city: m.city.clone(),
            address: m.address.clone(),
        }
    }
}

async fn csrf_guard(request: Request, next: Next) -> Result<Response, ApiError> {
    let safe = matches!(*request.method(), Method::GET | Method::HEAD);
    if !safe
        && request
            .headers()
            .get(CSRF_HEADER)
            .map(HeaderValue::as_bytes)
            != Some(b"1")
    {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "POS_HEADER_REQUIRED",
            "requests that change something must carry `X-Yenpay-Pos: 1`",
        ));
    }
    Ok(next.run(request).await)
}

fn session_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(COOKIE)?.strip_prefix('='))
        .filter(|token| !token.is_empty())
}

fn login_required() -> ApiError {
    ApiError::unauthorized("POS_LOGIN_REQUIRED", "log in with a POS credential")
}

/// Middleware: the session cookie names a live session of an unrevoked credential.
async fn session_auth(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let token = session_token(request.headers()).ok_or_else(login_required)?;
    let row = sqlx::query(
        "SELECT s.merchant_id, s.credential_id, s.role, c.label FROM pos_sessions s \
         JOIN pos_credentials c ON c.credential_id = s.credential_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND c.revoked_at IS NULL",
    )
    .bind(sha256_hex(token.as_bytes()))
    .bind(state.clock.now())
    .fetch_optional(&state.db.pool)
    .await?
    .ok_or_else(login_required)?;
    let merchant_id: String = row.try_get("merchant_id")?;
    let role: String = row.try_get("role")?;
    let session = PosSession {
        credential_id: row.try_get("credential_id")?,
        role: role.parse().map_err(ApiError::internal)?,
        label: row.try_get("label")?,
    };
    let merchant = merchants::by_id(&state.db.pool, &merchant_id)
        .await?
        .ok_or_else(login_required)?;
    act_as(&mut request, merchant);
    request.extensions_mut().insert(session);
    Ok(next.run(request).await)
}

/// Middleware inside [`session_auth`]: the session's role may call this
/// route ([`PERMISSIONS`]); a cashier asking for a manager's route gets 403
/// `POS_MANAGER_REQUIRED`, any session a route not for the POS 403
/// `POS_NOT_PERMITTED`.
async fn role_guard(request: Request, next: Next) -> Result<Response, ApiError> {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned())
        .unwrap_or_default();
    let route = route.strip_prefix("/pos/api").unwrap_or(&route);
    let role = request
        .extensions()
        .get::<PosSession>()
        .map(|session| session.role)
        .ok_or_else(login_required)?;
    match required_role(request.method().as_str(), route) {
        Some(needed) if role >= needed => Ok(next.run(request).await),
        Some(_) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "POS_MANAGER_REQUIRED",
            "a refund (or this report) needs a manager's POS login",
        )),
        None => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "POS_NOT_PERMITTED",
            "the POS page does not offer this; use the merchant API with an API key",
        )),
    }
}

fn cookie(state: &AppState, headers: &HeaderMap, value: &str, max_age: u64) -> String {
    let behind_tls = headers
        .get("x-forwarded-proto")
        .is_some_and(|proto| proto.as_bytes().eq_ignore_ascii_case(b"https"));
    let secure = if state.config.web.secure_cookies || behind_tls {
        "; Secure"
    } else {
        ""
    };
    format!("{COOKIE}={value}; Path=/pos; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}")
}

fn with_cookie(response: ApiResult, cookie: String) -> ApiResult {
    let mut response = response?;
    let value = HeaderValue::from_str(&cookie).map_err(ApiError::internal)?;
    response.headers_mut().insert(header::SET_COOKIE, value);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `POST /pos/api/session`: logs in with a POS credential. Throttled
/// before the secret is looked at ([`throttle`]): failures per client
/// address (the TCP peer the server loop records as [`ConnectInfo`]) and
/// per merchant.
pub async fn login(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let request: Login = json_body(&body)?;
    let client = throttle::client_bucket(peer.map(|Extension(ConnectInfo(peer))| peer.ip()));
    let credential = crate::store::pos::by_id(&state.db.pool, request.credential_id.trim()).await?;
    let web = &state.config.web;
    let mut buckets = vec![(client.clone(), web.login_failures_per_client)];
    if let Some(credential) = &credential {
        buckets.push((
            throttle::merchant_bucket(&credential.merchant_id),
            web.login_failures_per_merchant,
        ));
    }
    // Only a known id is logged: a secret typed into the id field must not reach the log.
    let known_id = credential
        .as_ref()
        .map_or("<unknown>", |c| c.credential_id.as_str())
        .to_owned();
    let attempt = match Attempt::begin(&state, &buckets).await? {
        Ok(attempt) => attempt,
        Err(throttled) => {
            tracing::warn!(%client, credential = %known_id, "POS login throttled");
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "POS_LOGIN_THROTTLED",
                format!(
                    "too many failed logins; try again in {} s",
                    throttled.retry_after
                ),
            )
            .retry_after(throttled.retry_after));
        }
    };
    let invalid = || {
        ApiError::unauthorized(
            "INVALID_CREDENTIALS",
            "unknown POS credential or wrong secret",
        )
    };
    // Hashed whether or not the id exists, so both take the same time.
    let given = sha256_hex(request.secret.trim().as_bytes());
    let Some(credential) = credential.filter(|c| {
        c.revoked_at.is_none() && constant_time_eq(c.secret_hash.as_bytes(), given.as_bytes())
    }) else {
        // The attempt stays counted: a failure.
        tracing::info!(%client, credential = %known_id, "POS login refused");
        return Err(invalid());
    };
    let merchant = merchants::by_id(&state.db.pool, &credential.merchant_id)
        .await?
        .ok_or_else(invalid)?;
    attempt.succeeded(&state).await?;
    let token = random_hex(32);
    let now = state.clock.now();
    let ttl = web.session_ttl.as_secs();
    sqlx::query(
        "INSERT INTO pos_sessions (token_hash, merchant_id, credential_id, role, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(sha256_hex(token.as_bytes()))
    .bind(&merchant.id)
    .bind(&credential.credential_id)
    .bind(credential.role.as_str())
    .bind(now)
    .bind(now + ttl as i64)
    .execute(&state.db.pool)
    .await?;
    tracing::info!(merchant = %merchant.id, credential = %credential.credential_id,
        role = %credential.role, %client, "POS session opened");
    let cookie = cookie(&state, &headers, &token, ttl);
    with_cookie(
        ok(SessionView {
            merchant: MerchantView::from(&merchant),
            role: credential.role.as_str(),
            label: credential.label,
        }),
        cookie,
    )
}

/// `GET /pos/api/session`: who is logged in, and as what.
pub async fn current(
    Extension(AuthedMerchant(merchant)): Extension<AuthedMerchant>,
    Extension(session): Extension<PosSession>,
) -> ApiResult {
    ok(SessionView {
        merchant: MerchantView::from(&merchant),
        role: session.role.as_str(),
        label: session.label,
    })
}

/// `DELETE /pos/api/session`: logs out (the session row goes, the cookie is cleared).
pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> ApiResult {
    if let Some(token) = session_token(&headers) {
        sqlx::query("DELETE FROM pos_sessions WHERE token_hash = $1")
            .bind(sha256_hex(token.as_bytes()))
            .execute(&state.db.pool)
            .await?;
    }
    let cookie = cookie(&state, &headers, "", 0);
    with_cookie(ok(serde_json::json!({})), cookie)
}

/// Deletes expired sessions.
pub async fn purge_sessions(pool: &sqlx::AnyPool, now: i64) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM pos_sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected(),
    )
}

/// `GET /pos/api/payments/recent`: the last paid payments, newest first.
pub async fn recent(
    State(state): State<AppState>,
    Extension(AuthedMerchant(merchant)): Extension<AuthedMerchant>,
) -> ApiResult {
    let paid = payments::recently_paid(&state.db.pool, &merchant.address, RECENT_LIMIT).await?;
    let mut views = Vec::with_capacity(paid.len());
    for payment in &paid {
        let refunds = payments::refunds_of(&state.db.pool, &payment.code_id).await?;
        views.push(view(&state, payment, refunds));
    }
    ok(views)
}

/// What a stream last sent: a new event goes out only when this changes.
type Seen = (String, i64, Option<i64>, usize);

fn seen(view: &PaymentView) -> Seen {
    (
        view.status.clone(),
        view.refunded_amount,
        view.version,
        view.refunds.len(),
    )
}

/// `GET /pos/api/codes/{merchantPaymentId}/events`: the payment as
/// server-sent events named `payment` (data: the payment's JSON), sent at
/// connect and at every change, ending after a final status. Changes are
/// signalled by the follower; the stream also re-reads every
/// `stream_recheck` (another replica's follower, expiry) and ends when the
/// gateway shuts down.
pub async fn payment_events(
    State(state): State<AppState>,
    Extension(AuthedMerchant(merchant)): Extension<AuthedMerchant>,
    PathParam(merchant_payment_id): PathParam,
) -> Result<Response, ApiError> {
    // Answer a missing payment with a plain 404, before the stream starts.
    crate::api::codes::payment_of(&state, &merchant, &merchant_payment_id).await?;
    let changes = state.payments_changed.subscribe();
    let stopping = state.stopping.subscribe();
    let start = Stream {
        state,
        merchant_address: merchant.address,
        merchant_payment_id,
        changes,
        stopping,
        last: None,
        done: false,
    };
    let events = futures_util::stream::unfold(start, |mut stream| async move {
        let event = stream.next().await?;
        Some((Ok::<Event, Infallible>(event), stream))
    });
    let mut response = Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response();
    // Proxies must not buffer the stream.
    response
        .headers_mut()
        .insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(response)
}

struct Stream {
    state: AppState,
    merchant_address: String,
    merchant_payment_id: String,
    changes: tokio::sync::watch::Receiver<u64>,
    stopping: tokio::sync::watch::Receiver<bool>,
    last: Option<Seen>,
    done: bool,
}

impl Stream {
    /// The next event, or `None` when the stream is over.
    async fn next(&mut self) -> Option<Event> {
        if self.done {
            return None;
        }
        loop {
            if *self.stopping.borrow() {
                return None;
            }
            self.changes.mark_unchanged();
            let read = async {
                let pool = &self.state.db.pool;
                let Some(payment) = payments::by_merchant_payment_id(
                    pool,
                    &self.merchant_address,
                    &self.merchant_payment_id,
                )
                .await?
                else {
                    return Ok(None);
                };
                let refunds = payments::refunds_of(pool, &payment.code_id).await?;
                Ok::<_, sqlx::Error>(Some((payment, refunds)))
            };
            let (payment, refunds) = match read.await {
                Ok(Some(found)) => found,
                Ok(None) => return None,
                Err(error) => {
                    tracing::warn!(%error, "payment stream: reading the payment");
                    self.done = true;
                    return Some(error_event(
                        "the gateway could not read the payment; reload",
                    ));
                }
            };
            let current = view(&self.state, &payment, refunds);
            let key = seen(&current);
            if self.last.as_ref() != Some(&key) {
                self.done = FINAL_STATUSES.contains(&current.status.as_str());
                self.last = Some(key);
                return Some(
                    Event::default()
                        .event("payment")
                        .json_data(&current)
                        .unwrap_or_else(|_| error_event("unencodable payment")),
                );
            }
            // Wake at the next change, at expiry, or at the recheck interval.
            let mut wait = self.state.config.web.stream_recheck;
            let until_expiry = payment.expires_at - self.state.clock.now();
            if current.status == "CREATED" && until_expiry >= 0 {
                wait =
                    wait.min(Duration::from_secs(until_expiry as u64) + Duration::from_millis(50));
            }
            tokio::select! {
                _ = self.changes.changed() => {}
                _ = self.stopping.changed() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }
}

fn error_event(message: &str) -> Event {
    Event::default()
        .event("error")
        .data(serde_json::json!({"message": message}).to_string())
}
