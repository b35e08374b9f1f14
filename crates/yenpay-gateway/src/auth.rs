//! Who is calling.
//!
//! **Merchants** sign every request with their API key, in the shape of
//! PayPay's `OPA-Auth` header:
//!
//! ```text
//! Authorization: hmac OPA-Auth:<keyId>:<mac>:<nonce>:<epoch>:<bodyHash>
//! bodyHash = hex(SHA-256(body))                  (of the empty string for no body)
//! mac      = base64(HMAC-SHA256(SHA-256(secret), METHOD "\n" PATH?QUERY "\n" epoch "\n" nonce "\n" bodyHash))
//! ```
//!
//! The epoch must be within the replay window (2 minutes) of the gateway's
//! clock, and each nonce is accepted once per key (nonces are kept for twice
//! the window). A request authenticates as one merchant, which sees only its
//! own resources: another merchant's ids are answered 404, as if they did not
//! exist.
//!
//! **Operators** call `/admin` with `Authorization: Bearer <admin token>`.
use crate::AppState;
use crate::crypto::{self, constant_time_eq};
use crate::error::ApiError;
use crate::store::merchants::{self, Merchant};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

/// Largest request body the API reads.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The merchant a request authenticated as (a request extension).
#[derive(Debug, Clone)]
pub struct AuthedMerchant(pub Merchant);

/// Who a request is, for idempotency scopes (a request extension).
#[derive(Debug, Clone)]
pub struct Principal(pub String);

/// Reads the whole body (at most [`MAX_BODY_BYTES`]) and gives back a request with it.
pub async fn buffer(request: Request) -> Result<(Request, Bytes), ApiError> {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                format!("the body is over {MAX_BODY_BYTES} bytes"),
            )
        })?;
    Ok((Request::from_parts(parts, Body::from(bytes.clone())), bytes))
}

/// The parsed `OPA-Auth` header.
#[derive(Debug, PartialEq, Eq)]
pub struct AuthHeader<'a> {
    /// API key id.
    pub key_id: &'a str,
    /// base64 HMAC.
    pub mac: &'a str,
    /// Caller's nonce.
    pub nonce: &'a str,
    /// Unix seconds.
    pub epoch: i64,
    /// Hex SHA-256 of the body.
    pub body_hash: &'a str,
}

/// Parses `hmac OPA-Auth:<keyId>:<mac>:<nonce>:<epoch>:<bodyHash>`.
pub fn parse_header(value: &str) -> Option<AuthHeader<'_>> {
    let rest = value.strip_prefix("hmac OPA-Auth:")?;
    let mut parts = rest.split(':');
    let header = AuthHeader {
        key_id: parts.next()?,
        mac: parts.next()?,
        nonce: parts.next()?,
        epoch: parts.next()?.parse().ok()?,
        body_hash: parts.next()?,
    };
    let nonce_ok = (8..=64).contains(&header.nonce.len())
        && header
            .nonce
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    (parts.next().is_none() && nonce_ok && !header.key_id.is_empty()).then_some(header)
}

/// The text a request's MAC covers.
pub fn string_to_sign(
    method: &str,
    path_and_query: &str,
    epoch: i64,
    nonce: &str,
    body_hash: &str,
) -> String {
    format!("{method}\n{path_and_query}\n{epoch}\n{nonce}\n{body_hash}")
}

/// The HMAC key of an API secret: `SHA-256(secret)`.
pub fn signing_key(secret: &str) -> [u8; 32] {
    crypto::sha256(secret.as_bytes())
}

/// Signs a request as a merchant would (clients, tests, docs): the value of
/// the `Authorization` header.
pub fn sign_request(
    key_id: &str,
    secret: &str,
    method: &str,
    path_and_query: &str,
    body: &[u8],
    nonce: &str,
    epoch: i64,
) -> String {
    let body_hash = crypto::sha256_hex(body);
    let text = string_to_sign(method, path_and_query, epoch, nonce, &body_hash);
    let mac = BASE64.encode(crypto::hmac_sha256(&signing_key(secret), text.as_bytes()));
    format!("hmac OPA-Auth:{key_id}:{mac}:{nonce}:{epoch}:{body_hash}")
}

fn authorization(headers: &HeaderMap) -> Result<&str, ApiError> {
    headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthorized("UNAUTHORIZED", "no Authorization header"))?
        .to_str()
        .map_err(|_| ApiError::unauthorized("UNAUTHORIZED", "Authorization is not ASCII"))
}

/// Middleware of the merchant API: verifies the signature, the window and the
/// nonce, then hands the request on with [`AuthedMerchant`] and [`Principal`].
pub async fn merchant_auth(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let (mut request, body) = buffer(request).await?;
    let value = authorization(request.headers())?;
    let auth = parse_header(value).ok_or_else(|| {
        ApiError::unauthorized(
            "UNAUTHORIZED",
            "Authorization must be `hmac OPA-Auth:<keyId>:<mac>:<nonce>:<epoch>:<bodyHash>` with a nonce of 8-64 [A-Za-z0-9_-]",
        )
    })?;
    let now = state.clock.now();
    let window = state.config.replay_window.as_secs() as i64;
    if (now - auth.epoch).abs() > window {
        return Err(ApiError::unauthorized(
            "REQUEST_EXPIRED",
            format!(
                "epoch {} is more than {window} s from the gateway's clock ({now})",
                auth.epoch
            ),
        ));
    }
    if crypto::sha256_hex(&body) != auth.body_hash.to_ascii_lowercase() {
        return Err(ApiError::unauthorized(
            "BODY_HASH_MISMATCH",
            "bodyHash is not the hex SHA-256 of the body",
        ));
    }
    let unknown =
        || ApiError::unauthorized("INVALID_SIGNATURE", "unknown API key or bad signature");
    let key = merchants::key(&state.db.pool, auth.key_id)
        .await?
        .filter(|key| !key.revoked)
        .ok_or_else(unknown)?;
    let signing_key = state
        .kek
        .open(&format!("apikey:{}", key.key_id), &key.signing_key_enc)
        .map_err(ApiError::internal)?;
    let path = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| request.uri().path().to_owned());
    let text = string_to_sign(
        request.method().as_str(),
        &path,
        auth.epoch,
        auth.nonce,
        &auth.body_hash.to_ascii_lowercase(),
    );
    let mac = BASE64.decode(auth.mac).map_err(|_| unknown())?;
    if !crypto::hmac_sha256_verify(&signing_key, text.as_bytes(), &mac) {
        return Err(unknown());
    }
    // Only a correctly signed request may spend a nonce, so nobody can fill the table.
    // Spending it is a write: while another writer holds SQLite's lock, a read
    // would otherwise wait out the busy timeout and fail with a 500; it answers
    // 503 with Retry-After at once instead (`store::WRITE_WAIT`).
    let spend = sqlx::query(
        "INSERT INTO request_nonces (key_id, nonce, seen_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(&key.key_id)
    .bind(auth.nonce)
    .bind(now)
    .execute(&state.db.pool);
    let fresh = tokio::time::timeout(crate::store::WRITE_WAIT, spend)
        .await
        .map_err(|_| ApiError::database_busy())??
        .rows_affected()
        == 1;
    if !fresh {
        return Err(ApiError::unauthorized(
            "NONCE_REUSED",
            "this nonce was already used with this key",
        ));
    }
    let merchant = merchants::by_id(&state.db.pool, &key.merchant_id)
        .await?
        .ok_or_else(unknown)?;
    act_as(&mut request, merchant);
    Ok(next.run(request).await)
}

/// Hands `request` on as `merchant`'s: [`AuthedMerchant`] for the handlers,
/// [`Principal`] for idempotency (the merchant API's signature and the POS
/// page's session both end here).
pub fn act_as(request: &mut Request, merchant: Merchant) {
    request
        .extensions_mut()
        .insert(Principal(format!("merchant:{}", merchant.id)));
    request.extensions_mut().insert(AuthedMerchant(merchant));
}

/// Middleware of `/admin`: `Authorization: Bearer <admin token>`.
pub async fn admin_auth(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let Some(expected) = state.admin_token.as_ref() else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "ADMIN_DISABLED",
            "no admin token is configured",
        ));
    };
    let given = authorization(request.headers())?
        .strip_prefix("Bearer ")
        .ok_or_else(|| ApiError::unauthorized("UNAUTHORIZED", "expected `Bearer <admin token>`"))?;
    if !constant_time_eq(given.as_bytes(), expected.as_bytes()) {
        return Err(ApiError::unauthorized("UNAUTHORIZED", "wrong admin token"));
    }
    request
        .extensions_mut()
        .insert(Principal("admin".to_owned()));
    Ok(next.run(request).await)
}

/// Why an admin token is refused at start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the admin token is too weak: use at least 32 random bytes as hex or base64 (for example `openssl rand -hex 32`)"
)]
pub struct WeakAdminToken;

/// Accepts an admin token only if it can hold 32 random bytes: 64 or more
/// hex digits, or 43 or more base64 characters, not made of a few repeated
/// characters. The token guards every merchant's keys; a short or chosen
/// one can be guessed.
///
/// # Errors
/// [`WeakAdminToken`].
pub fn check_admin_token(token: &str) -> Result<(), WeakAdminToken> {
    use base64::Engine;
    let token = token.trim();
    let bytes = if token.len().is_multiple_of(2) && token.bytes().all(|b| b.is_ascii_hexdigit()) {
        token.len() / 2
    } else {
        let unpadded = token.trim_end_matches('=');
        base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(unpadded)
            .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(unpadded))
            .map(|decoded| decoded.len())
            .unwrap_or(0)
    };
    // 32 random bytes in hex use about 16 distinct digits; a repeated pattern far fewer.
    let distinct = token
        .bytes()
        .collect::<std::collections::BTreeSet<u8>>()
        .len();
    if bytes >= 32 && distinct >= 10 {
        Ok(())
    } else {
        Err(WeakAdminToken)
    }
}

/// Purges nonces older than twice the window.
pub async fn purge_nonces(pool: &sqlx::AnyPool, now: i64, window: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM request_nonces WHERE seen_at < $1")
        .bind(now - 2 * window)
        .execute(pool)
        .await?
        .rows_affected())
}

#[cfg(test)]
mod tests {
    #[test]
    fn weak_admin_tokens_are_refused() {
        use super::check_admin_token;
        for weak in [
            "",
            "secret-admin",
            "admin-token-for-tests",
            &"a".repeat(64),
            &"ab".repeat(32),
            &"0123456789abcdef".repeat(3),
        ] {
            assert!(check_admin_token(weak).is_err(), "{weak:?} was taken");
        }
        for strong in [
            "3f9a1c7e5b2d8f0a6c4e1b9d7f3a5c8e2b0d6f4a9c1e7b3d5f8a2c0e6b4d9f1a",
            "jzqRwn5b0E9ho8nit9jwoWxOG51_OlyOKw1vSpweez0",
            "jzqRwn5b0E9ho8nit9jwoWxOG51/OlyOKw1vSpweez0=",
        ] {
            assert!(check_admin_token(strong).is_ok(), "{strong:?} was refused");
        }
    }

    use super::*;

    #[test]
    fn header_round_trips_and_refuses_malformed() {
        let value = sign_request(
            "key_1",
            "ysk_secret",
            "POST",
            "/v2/codes",
            b"{}",
            "nonce-123",
            1_700_000_000,
        );
        let parsed = parse_header(&value).unwrap();
        assert_eq!(parsed.key_id, "key_1");
        assert_eq!(parsed.nonce, "nonce-123");
        assert_eq!(parsed.epoch, 1_700_000_000);
        assert_eq!(parsed.body_hash, crypto::sha256_hex(b"{}"));
        for bad in [
            "",
            "Bearer x",
            "hmac OPA-Auth:k:m:short:1:h",
            "hmac OPA-Auth:k:m:nonce-123:notanumber:h",
            "hmac OPA-Auth:k:m:nonce-123:1:h:extra",
            "hmac OPA-Auth::m:nonce-123:1:h",
            "hmac OPA-Auth:k:m:nonce/with/slash:1:h",
        ] {
            assert!(parse_header(bad).is_none(), "{bad}");
        }
    }

    /// The worked example of docs/gateway.md (computed independently with
    /// Python's hashlib/hmac).
    #[test]
    fn worked_example_of_the_docs() {
        let secret = "ysk_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        let body = br#"{"merchantPaymentId":"INV-1","amount":{"amount":1500,"currency":"JPY"}}"#;
        assert_eq!(
            crypto::sha256_hex(body),
            "fbd443074428a5ac1ea497fb2b1e7ce14ccb5cade257a4f18172634f23d4595f"
        );
        assert_eq!(
            const_hex::encode(signing_key(secret)),
            "bab04eabcd1e212833f85a2d2c5143457dbc156a5241154ce2800bb544e429e5"
        );
        assert_eq!(
            sign_request(
                "key_demo",
                secret,
                "POST",
                "/v2/codes",
                body,
                "n0nce-0001",
                1_796_000_000
            ),
            "hmac OPA-Auth:key_demo:TJHFPutIbc4cRGeaqE1e+e03os68wNQ0LKOuuCdiGfE=:n0nce-0001:1796000000:\
             fbd443074428a5ac1ea497fb2b1e7ce14ccb5cade257a4f18172634f23d4595f"
        );
    }
}
