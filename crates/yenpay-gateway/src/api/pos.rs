//! The POS page's API, under `/pos/api`, behind the page's session
//! ([`crate::web::session`]: cookie, role, `X-Yenpay-Pos` header).
//!
//! Behind the session the page calls the merchant API's own handlers under
//! `/pos/api/v2/...` ([`super::merchant_routes`]), so a code made at the
//! till is the same code the API makes, but only the routes the session's
//! role may call ([`session::PERMISSIONS`]). Besides them: logging in and
//! out, the recent payments, and
//! `GET /pos/api/codes/{merchantPaymentId}/events`, which streams the
//! payment (server-sent events): once at connect, then at every change the
//! follower applies, until a final state.
use super::extract::{ApiJson, Path};
use super::views::{PaymentView, payment_of, view};
use crate::auth::AuthedMerchant;
use crate::error::{ApiError, ApiResult, ok};
use crate::store::{merchants, payments};
use crate::web::session::{self, PosSession};
use crate::web::throttle;
use crate::{AppState, idempotency};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use serde::{Deserialize, Serialize};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

/// Payments the recent list shows.
pub const RECENT_LIMIT: i64 = 10;
/// Statuses after which a payment stream ends.
pub const FINAL_STATUSES: &[&str] = &["COMPLETED", "CANCELED", "EXPIRED", "REFUNDED"];

/// The POS routes: the merchant API's and the page's own behind a session,
/// and the login, each behind the CSRF header.
pub fn router(state: &AppState) -> Router<AppState> {
    let (merchant, _) = super::merchant_routes().split_for_parts();
    let authed = merchant
        .route("/codes/{merchantPaymentId}/events", get(payment_events))
        .route("/payments/recent", get(recent))
        .route("/session", get(current).delete(logout))
        .route_layer(from_fn_with_state(state.clone(), idempotency::idempotency))
        .route_layer(from_fn(session::role_guard))
        .route_layer(from_fn_with_state(state.clone(), session::authenticate));
    let login = Router::new().route("/session", post(login));
    Router::new().nest(
        session::PREFIX,
        authed
            .merge(login)
            .route_layer(from_fn(session::csrf_guard)),
    )
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

/// `POST /pos/api/session`: logs in with a POS credential
/// ([`session::log_in`]), throttled per client address (the TCP peer the
/// server loop records as [`ConnectInfo`]) and per merchant.
pub async fn login(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<Login>,
) -> ApiResult {
    let client = throttle::client_bucket(peer.map(|Extension(ConnectInfo(peer))| peer.ip()));
    let opened = session::log_in(&state, &client, &request.credential_id, &request.secret).await?;
    let ttl = state.config.web.session_ttl.as_secs();
    let cookie = session::cookie(&state, &headers, &opened.token, ttl);
    session::with_cookie(
        ok(SessionView {
            merchant: MerchantView::from(&opened.merchant),
            role: opened.credential.role.as_str(),
            label: opened.credential.label,
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
    session::log_out(&state, &headers).await?;
    let cookie = session::cookie(&state, &headers, "", 0);
    session::with_cookie(ok(serde_json::json!({})), cookie)
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
    Path(merchant_payment_id): Path<String>,
) -> Result<Response, ApiError> {
    // Answer a missing payment with a plain 404, before the stream starts.
    payment_of(&state, &merchant, &merchant_payment_id).await?;
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
