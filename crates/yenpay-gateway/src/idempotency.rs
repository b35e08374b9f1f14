//! `Idempotency-Key` on every POST.
//!
//! The first request with a key runs and its response (status and body) is
//! saved under (caller, key) with a fingerprint of method, path, query and
//! body. A later request with the same key gets the saved response again,
//! marked `Idempotent-Replayed: true`; with another fingerprint it is a 409
//! `IDEMPOTENCY_KEY_REUSED`; while the first is still running, a 409
//! `IDEMPOTENCY_IN_PROGRESS`. A 5xx is not saved (the caller may retry), and
//! keys are kept for 24 hours.
//!
//! Saved answers are sealed under the key-encryption key, bound to (caller,
//! key, fingerprint): some carry secrets shown once (an API key's secret, a
//! webhook endpoint's), and nothing in the database may hold a usable secret.
//! Sealing every answer, not only those routes', keeps a future route that
//! returns a secret from leaking it by default. A saved answer that no longer
//! opens (the key-encryption key was replaced) is answered `409
//! IDEMPOTENCY_RESPONSE_UNAVAILABLE`, never run a second time.
use crate::AppState;
use crate::auth::{Principal, buffer};
use crate::crypto::sha256_hex;
use crate::error::ApiError;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sqlx::Row;

/// The request header.
pub const HEADER: &str = "idempotency-key";
/// How long keys are kept, seconds.
pub const RETENTION_SECS: i64 = 24 * 3600;
/// How long an unfinished first request may still be running, seconds: it
/// is answered within the request timeout, but a transaction it submitted may
/// commit until the end of its submission lifetime. Only after both (and a
/// margin) is it taken over, so a retry never runs a handler beside a live
/// first run, or beside a transaction that may still commit.
pub fn stale_after_secs(state: &AppState) -> i64 {
    (state.config.server.request_timeout + state.config.submission_lifetime).as_secs() as i64 + 30
}

/// Middleware: wrap every POST that carries an `Idempotency-Key`.
pub async fn idempotency(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    if request.method() != Method::POST {
        return Ok(next.run(request).await);
    }
    let Some(key) = request.headers().get(HEADER) else {
        return Ok(next.run(request).await);
    };
    let key = key
        .to_str()
        .ok()
        .filter(|k| (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| {
            ApiError::invalid("Idempotency-Key must be 1-255 printable ASCII characters")
        })?
        .to_owned();
    let scope = request
        .extensions()
        .get::<Principal>()
        .map(|p| p.0.clone())
        .unwrap_or_else(|| "public".to_owned());
    let (request, body) = buffer(request).await?;
    let target = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let mut fingerprinted = format!("{}\n{target}\n", request.method()).into_bytes();
    fingerprinted.extend_from_slice(&body);
    let fingerprint = sha256_hex(&fingerprinted);
    let now = state.clock.now();
    let pool = &state.db.pool;

    // The claim's time is its fencing token: only the run that holds it saves the answer.
    let mut token = now;
    let claimed = claim(pool, &scope, &key, &fingerprint, now).await?;
    if !claimed {
        let row = sqlx::query(
            "SELECT fingerprint, status, response, created_at FROM idempotency_keys WHERE scope = $1 AND idem_key = $2",
        )
        .bind(&scope)
        .bind(&key)
        .fetch_optional(pool)
        .await?;
        let Some(row) = row else {
            // Purged between our insert and select: run as a first request.
            return Box::pin(idempotency(State(state.clone()), request, next)).await;
        };
        let saved_fingerprint: String = row.try_get("fingerprint")?;
        if saved_fingerprint != fingerprint {
            return Err(ApiError::conflict(
                "IDEMPOTENCY_KEY_REUSED",
                "this Idempotency-Key was used with another request",
            ));
        }
        let status: Option<i64> = row.try_get("status")?;
        let response: Option<String> = row.try_get("response")?;
        match (status, response) {
            (Some(status), Some(sealed)) => {
                let status = StatusCode::from_u16(status as u16).map_err(ApiError::internal)?;
                let body = state
                    .kek
                    .open(&seal_context(&scope, &key, &fingerprint), &sealed)
                    .map_err(|_| {
                        ApiError::conflict(
                            "IDEMPOTENCY_RESPONSE_UNAVAILABLE",
                            "the answer saved under this Idempotency-Key cannot be read any more",
                        )
                    })?
                    .to_vec();
                let mut response = (
                    status,
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    body,
                )
                    .into_response();
                response
                    .headers_mut()
                    .insert("idempotent-replayed", HeaderValue::from_static("true"));
                return Ok(response);
            }
            _ => {
                let created_at: i64 = row.try_get("created_at")?;
                let in_progress = || {
                    ApiError::conflict(
                        "IDEMPOTENCY_IN_PROGRESS",
                        "a request with this Idempotency-Key is still running",
                    )
                };
                if now - created_at < stale_after_secs(&state) {
                    return Err(in_progress());
                }
                // Taken over only if nobody else took it over meanwhile (compare and set).
                let taken = sqlx::query(
                    "UPDATE idempotency_keys SET created_at = $1 \
                     WHERE scope = $2 AND idem_key = $3 AND created_at = $4 AND status IS NULL",
                )
                .bind(now)
                .bind(&scope)
                .bind(&key)
                .bind(created_at)
                .execute(pool)
                .await?
                .rows_affected();
                if taken != 1 {
                    return Err(in_progress());
                }
                token = now;
            }
        }
    }

    let response = next.run(request).await;
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .map_err(ApiError::internal)?;
    if parts.status.is_server_error() {
        sqlx::query(
            "DELETE FROM idempotency_keys WHERE scope = $1 AND idem_key = $2 AND created_at = $3 AND status IS NULL",
        )
        .bind(&scope)
        .bind(&key)
        .bind(token)
        .execute(pool)
        .await?;
    } else {
        let sealed = state
            .kek
            .seal(&seal_context(&scope, &key, &fingerprint), &bytes);
        // A run that was taken over (it outlived the stale time) saves nothing.
        sqlx::query(
            "UPDATE idempotency_keys SET status = $1, response = $2 \
             WHERE scope = $3 AND idem_key = $4 AND created_at = $5 AND status IS NULL",
        )
        .bind(i64::from(parts.status.as_u16()))
        .bind(sealed)
        .bind(&scope)
        .bind(&key)
        .bind(token)
        .execute(pool)
        .await?;
    }
    Ok(Response::from_parts(parts, Body::from(bytes)))
}

/// What a saved answer is sealed to: a sealed answer copied to another
/// caller's or key's row does not open there.
pub(crate) fn seal_context(scope: &str, key: &str, fingerprint: &str) -> String {
    format!("idempotency:{fingerprint}:{scope}:{key}")
}

async fn claim(
    pool: &sqlx::AnyPool,
    scope: &str,
    key: &str,
    fingerprint: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "INSERT INTO idempotency_keys (scope, idem_key, fingerprint, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT DO NOTHING",
    )
    .bind(scope)
    .bind(key)
    .bind(fingerprint)
    .bind(now)
    .execute(pool)
    .await?
    .rows_affected()
        == 1)
}

/// Purges keys older than [`RETENTION_SECS`].
pub async fn purge(pool: &sqlx::AnyPool, now: i64) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
            .bind(now - RETENTION_SECS)
            .execute(pool)
            .await?
            .rows_affected(),
    )
}
