//! The POS page's side of the gateway.
//!
//! A cashier logs in once with the merchant's API key (`POST
//! /pos/api/session`); the browser then holds only an HttpOnly,
//! `SameSite=Strict` cookie, never the key. Behind that session the page
//! calls the merchant API's own handlers under `/pos/api/v2/...`
//! ([`crate::api::merchant_routes`]), so a code made at the till is the same
//! code the API makes. Every request that changes something must carry
//! `X-Yenpay-Pos: 1`, which a cross-site form cannot send.
//!
//! `GET /pos/api/codes/{merchantPaymentId}/events` streams the payment
//! (server-sent events): once at connect, then at every change the
//! follower applies, until a final state.
use crate::api::codes::{PaymentView, view};
use crate::api::{PathParam, json_body, ok};
use crate::auth::{AuthedMerchant, act_as, signing_key};
use crate::crypto::{constant_time_eq, random_hex, sha256_hex};
use crate::error::{ApiError, ApiResult};
use crate::store::{merchants, payments};
use crate::{AppState, api, idempotency};
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use serde::{Deserialize, Serialize};
use std::convert::Infallible;
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
        .route_layer(from_fn_with_state(state.clone(), session_auth));
    let login = Router::new().route("/session", axum::routing::post(login));
    Router::new().nest(
        "/pos/api",
        authed
            .merge(login)
            .route_layer(axum::middleware::from_fn(csrf_guard)),
    )
}

/// `POST /pos/api/session` body: the merchant's API key.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Login {
    /// API key id.
    pub key_id: String,
    /// Its secret.
    pub secret: String,
}

/// Who the session is.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    /// The merchant.
    pub merchant: MerchantView,
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
    ApiError::unauthorized("POS_LOGIN_REQUIRED", "log in with the shop's API key")
}

/// Middleware: the session cookie names a live session of an unrevoked key.
async fn session_auth(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let token = session_token(request.headers()).ok_or_else(login_required)?;
    let merchant_id: Option<String> = sqlx::query_scalar(
        "SELECT s.merchant_id FROM pos_sessions s JOIN api_keys k ON k.key_id = s.key_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND k.revoked_at IS NULL",
    )
    .bind(sha256_hex(token.as_bytes()))
    .bind(state.clock.now())
    .fetch_optional(&state.db.pool)
    .await?;
    let merchant_id = merchant_id.ok_or_else(login_required)?;
    let merchant = merchants::by_id(&state.db.pool, &merchant_id)
        .await?
        .ok_or_else(login_required)?;
    act_as(&mut request, merchant);
    Ok(next.run(request).await)
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

/// `POST /pos/api/session`: logs in with an API key.
pub async fn login(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> ApiResult {
    let request: Login = json_body(&body)?;
    let invalid =
        || ApiError::unauthorized("INVALID_CREDENTIALS", "unknown API key or wrong secret");
    let key = merchants::key(&state.db.pool, request.key_id.trim())
        .await?
        .filter(|key| !key.revoked)
        .ok_or_else(invalid)?;
    let stored = state
        .kek
        .open(&format!("apikey:{}", key.key_id), &key.signing_key_enc)
        .map_err(ApiError::internal)?;
    if !constant_time_eq(&stored, &signing_key(request.secret.trim())) {
        tracing::info!(key = %key.key_id, "POS login refused");
        return Err(invalid());
    }
    let merchant = merchants::by_id(&state.db.pool, &key.merchant_id)
        .await?
        .ok_or_else(invalid)?;
    let token = random_hex(32);
    let now = state.clock.now();
    let ttl = state.config.web.session_ttl.as_secs();
    sqlx::query(
        "INSERT INTO pos_sessions (token_hash, merchant_id, key_id, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(sha256_hex(token.as_bytes()))
    .bind(&merchant.id)
    .bind(&key.key_id)
    .bind(now)
    .bind(now + ttl as i64)
    .execute(&state.db.pool)
    .await?;
    tracing::info!(merchant = %merchant.id, key = %key.key_id, "POS session opened");
    let cookie = cookie(&state, &headers, &token, ttl);
    with_cookie(
        ok(SessionView {
            merchant: MerchantView::from(&merchant),
        }),
        cookie,
    )
}

/// `GET /pos/api/session`: who is logged in.
pub async fn current(Extension(AuthedMerchant(merchant)): Extension<AuthedMerchant>) -> ApiResult {
    ok(SessionView {
        merchant: MerchantView::from(&merchant),
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
