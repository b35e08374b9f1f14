//! The POS page's session: what stands between a cashier's browser and the
//! routes of `api::pos`.
//!
//! A cashier logs in once with a POS credential the operator issued, never
//! with the merchant's API key ([`log_in`]); the browser then holds only an
//! HttpOnly, `SameSite=Strict` cookie ([`cookie`]). The session records the
//! credential's role: behind it ([`authenticate`]) the page calls the
//! merchant API's own handlers, but only the routes of [`PERMISSIONS`] and
//! only with the role each names ([`role_guard`]): a cashier makes and
//! cancels codes, takes customer-presented payments and reads payments; a
//! refund needs a manager. Every request that changes something must carry
//! `X-Yenpay-Pos: 1`, which a cross-site form cannot send ([`csrf_guard`]).
//! Failed logins are throttled per client and per merchant ([`super::throttle`]).
use super::throttle::{self, Attempt};
use crate::AppState;
use crate::auth::act_as;
use crate::crypto::{constant_time_eq, random_hex, sha256_hex};
use crate::error::{ApiError, ApiResult};
use crate::store::merchants::{self, Merchant};
use crate::store::pos::{self, PosCredential, PosRole};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use sqlx::Row;

/// The session cookie.
pub const COOKIE: &str = "yenpay_pos";
/// The header every changing request must carry.
pub const CSRF_HEADER: &str = "x-yenpay-pos";
/// Where the POS page's API is served; [`PERMISSIONS`] names routes under it.
pub const PREFIX: &str = "/pos/api";

/// What each POS role may call, by method and route (under [`PREFIX`]),
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
    // Holds: a pump or a table takes one, captures the final amount (with a tip) or gives it back.
    ("POST", "/v2/holds/codes", PosRole::Cashier),
    ("POST", "/v2/holds/capture", PosRole::Cashier),
    ("POST", "/v2/holds/revert", PosRole::Cashier),
    ("GET", "/v2/holds/{merchantPaymentId}", PosRole::Cashier),
    // Money goes back to a customer: a manager's decision.
    ("POST", "/v2/refunds", PosRole::Manager),
    ("GET", "/v2/reports/reconciliation", PosRole::Manager),
];

/// The least role `method` on `route` (a template under [`PREFIX`]) takes;
/// `None`: no POS session may call it.
pub fn required_role(method: &str, route: &str) -> Option<PosRole> {
    // HEAD is answered by the GET route.
    let method = if method == "HEAD" { "GET" } else { method };
    PERMISSIONS
        .iter()
        .find(|(m, r, _)| *m == method && *r == route)
        .map(|(_, _, role)| *role)
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

/// Middleware: a request that changes something carries `X-Yenpay-Pos: 1`,
/// else 403 `POS_HEADER_REQUIRED`.
pub async fn csrf_guard(request: Request, next: Next) -> Result<Response, ApiError> {
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

fn token(headers: &HeaderMap) -> Option<&str> {
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

/// Middleware: the session cookie names a live session of an unrevoked
/// credential; the request then acts as its merchant, with its [`PosSession`].
pub async fn authenticate(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let token = token(request.headers()).ok_or_else(login_required)?;
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

/// Middleware inside [`authenticate`]: the session's role may call this
/// route ([`PERMISSIONS`]); a cashier asking for a manager's route gets 403
/// `POS_MANAGER_REQUIRED`, any session a route not for the POS 403
/// `POS_NOT_PERMITTED`.
pub async fn role_guard(request: Request, next: Next) -> Result<Response, ApiError> {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned())
        .unwrap_or_default();
    let route = route.strip_prefix(PREFIX).unwrap_or(&route);
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

/// The `Set-Cookie` value carrying session `value` for `max_age` seconds
/// (`Secure` when configured or behind a TLS proxy).
pub fn cookie(state: &AppState, headers: &HeaderMap, value: &str, max_age: u64) -> String {
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

/// `response` setting `cookie`, never cached.
pub fn with_cookie(response: ApiResult, cookie: String) -> ApiResult {
    let mut response = response?;
    let value = HeaderValue::from_str(&cookie).map_err(ApiError::internal)?;
    response.headers_mut().insert(header::SET_COOKIE, value);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// A session just opened.
#[derive(Debug)]
pub struct LoggedIn {
    /// The cookie's value (only its hash is stored).
    pub token: String,
    /// Whose till it is.
    pub merchant: Merchant,
    /// The credential it was opened with.
    pub credential: PosCredential,
}

/// Opens a session for a POS credential and its secret, from `client`
/// ([`throttle::client_bucket`]). Throttled before the secret is looked
/// at: failures per client and per merchant.
///
/// # Errors
/// 429 `POS_LOGIN_THROTTLED`, 401 `INVALID_CREDENTIALS`, or a database failure.
pub async fn log_in(
    state: &AppState,
    client: &str,
    credential_id: &str,
    secret: &str,
) -> Result<LoggedIn, ApiError> {
    let credential = pos::by_id(&state.db.pool, credential_id.trim()).await?;
    let web = &state.config.web;
    let mut buckets = vec![(client.to_owned(), web.login_failures_per_client)];
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
    let attempt = match Attempt::begin(state, &buckets).await? {
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
    let given = sha256_hex(secret.trim().as_bytes());
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
    attempt.succeeded(state).await?;
    let token = random_hex(32);
    let now = state.clock.now();
    sqlx::query(
        "INSERT INTO pos_sessions (token_hash, merchant_id, credential_id, role, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(sha256_hex(token.as_bytes()))
    .bind(&merchant.id)
    .bind(&credential.credential_id)
    .bind(credential.role.as_str())
    .bind(now)
    .bind(now + web.session_ttl.as_secs() as i64)
    .execute(&state.db.pool)
    .await?;
    tracing::info!(merchant = %merchant.id, credential = %credential.credential_id,
        role = %credential.role, %client, "POS session opened");
    Ok(LoggedIn {
        token,
        merchant,
        credential,
    })
}

/// Ends the session the request's cookie names, if any.
///
/// # Errors
/// When the database fails.
pub async fn log_out(state: &AppState, headers: &HeaderMap) -> Result<(), sqlx::Error> {
    if let Some(token) = token(headers) {
        sqlx::query("DELETE FROM pos_sessions WHERE token_hash = $1")
            .bind(sha256_hex(token.as_bytes()))
            .execute(&state.db.pool)
            .await?;
    }
    Ok(())
}

/// Deletes expired sessions.
///
/// # Errors
/// When the database fails.
pub async fn purge(pool: &sqlx::AnyPool, now: i64) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM pos_sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected(),
    )
}
