//! No usable secret at rest or in the log (issue 30, item 2): every admin
//! and merchant flow the API offers runs, with and without
//! `Idempotency-Key`, then the whole database (every table and column as
//! text, and the raw files) and every log line printed meanwhile are
//! searched for every secret the test saw, in plain text, hex and base64.
//!
//! SQLite only: the dump reads SQLite's catalogue and files; the storage
//! code is the same on PostgreSQL.

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sqlx::Row;
use yenpay_gateway::store::merchants;

/// The ways a secret could be written down: as given, and its bytes (and,
/// for `prefix_<hex>` secrets, the random bytes behind the hex) in hex and
/// base64.
fn forms(secret: &[u8]) -> Vec<String> {
    let mut byte_strings = vec![secret.to_vec()];
    if let Ok(text) = std::str::from_utf8(secret) {
        let tail = text.rsplit('_').next().unwrap_or(text);
        if let Ok(random) = const_hex::decode(tail) {
            byte_strings.push(random);
        }
    }
    let mut out = Vec::new();
    for bytes in byte_strings {
        if let Ok(text) = std::str::from_utf8(&bytes) {
            out.push(text.to_owned());
        }
        let hex = const_hex::encode(&bytes);
        out.push(hex.to_uppercase());
        out.push(hex);
        for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
            out.push(engine.encode(&bytes));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Every value of every column of every table, as SQLite quotes it.
async fn dump(pool: &sqlx::AnyPool) -> (Vec<String>, usize) {
    let tables: Vec<String> = sqlx::query("SELECT name FROM sqlite_master WHERE type = 'table'")
        .fetch_all(pool)
        .await
        .unwrap()
        .iter()
        .map(|row| row.get("name"))
        .collect();
    let mut values = Vec::new();
    let mut rows = 0;
    for table in &tables {
        let columns: Vec<String> = sqlx::query(&format!("PRAGMA table_info(\"{table}\")"))
            .fetch_all(pool)
            .await
            .unwrap()
            .iter()
            .map(|row| row.get("name"))
            .collect();
        let select = columns
            .iter()
            .map(|c| format!("quote(\"{c}\")"))
            .collect::<Vec<_>>()
            .join(" || '|' || ");
        for row in sqlx::query(&format!("SELECT {select} AS v FROM \"{table}\""))
            .fetch_all(pool)
            .await
            .unwrap()
        {
            rows += 1;
            values.push(format!("{table}: {}", row.get::<String, _>("v")));
        }
    }
    (values, rows)
}

fn pos_request(
    method: &str,
    path: &str,
    cookie: Option<&str>,
    body: Option<Value>,
) -> Request<Body> {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json")
        .header("x-yenpay-pos", "1");
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    request
        .body(body.map(|b| Body::from(b.to_string())).unwrap_or_default())
        .unwrap()
}

#[tokio::test]
async fn no_secret_is_stored_or_logged_in_the_clear() {
    let capture = Capture::install();

    let db = backends().await.remove(0);
    assert_eq!(db.name, "sqlite");
    let gw = TestGateway::new(&db).await;
    let mut secrets: Vec<(String, Vec<u8>)> = vec![("admin token".into(), ADMIN_TOKEN.into())];
    let operator = gw.state.operator.as_ref().unwrap().private_key().to_bytes();
    secrets.push(("operator key".into(), operator.to_vec()));

    // Onboarding, with and without Idempotency-Key (and its replay).
    let mut merchant_ids = Vec::new();
    for (n, idem) in [(1, Some("onboard-1")), (2, None)] {
        let owner = aptos_sdk::account::Ed25519Account::generate().address();
        let body = json!({"ownerAddress": owner.to_hex(), "name": format!("SHOP {n}")});
        let request = |body: &Value| {
            let mut r = Request::post("/admin/merchants")
                .header("authorization", format!("Bearer {ADMIN_TOKEN}"))
                .header("content-type", "application/json");
            if let Some(idem) = idem {
                r = r.header("idempotency-key", idem);
            }
            r.body(Body::from(body.to_string())).unwrap()
        };
        let first = gw.send_admin(request(&body)).await;
        assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
        if idem.is_some() {
            let replay = gw.send_admin(request(&body)).await;
            assert_eq!(replay.text, first.text);
            assert_eq!(replay.headers["idempotent-replayed"], "true");
        }
        merchant_ids.push(
            first.body["data"]["merchantId"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }

    // API keys: issued with and without Idempotency-Key; a replay gives the
    // same key and secret back (sealed at rest, so a lost answer is not lost).
    let mut keys = Vec::new();
    for (i, id) in merchant_ids.iter().enumerate() {
        for idem in [Some(format!("issue-{i}")), None] {
            let request = || {
                let mut r = Request::post(format!("/admin/merchants/{id}/keys"))
                    .header("authorization", format!("Bearer {ADMIN_TOKEN}"));
                if let Some(idem) = &idem {
                    r = r.header("idempotency-key", idem);
                }
                r.body(Body::empty()).unwrap()
            };
            let issued = gw.send_admin(request()).await;
            assert_eq!(issued.status, StatusCode::CREATED, "{}", issued.text);
            if idem.is_some() {
                let replay = gw.send_admin(request()).await;
                assert_eq!(replay.status, StatusCode::CREATED);
                assert_eq!(
                    replay.text, issued.text,
                    "the same secret, from the sealed answer"
                );
                assert_eq!(replay.headers["idempotent-replayed"], "true");
            }
            let key_id = issued.body["data"]["keyId"].as_str().unwrap().to_owned();
            let secret = issued.body["data"]["secret"].as_str().unwrap().to_owned();
            secrets.push((format!("API secret {key_id}"), secret.clone().into()));
            // The HMAC key requests are signed with is as good as the secret.
            secrets.push((
                format!("HMAC key of {key_id}"),
                Sha256::digest(secret.as_bytes()).to_vec(),
            ));
            keys.push(TestMerchant {
                id: id.clone(),
                address: aptos_sdk::types::AccountAddress::ZERO,
                terminal: aptos_sdk::types::AccountAddress::ZERO,
                key_id,
                secret,
            });
        }
    }
    // Rotation: the first key of each merchant is revoked, the second stays.
    for old in [&keys[0], &keys[2]] {
        let revoked = gw
            .admin(
                "DELETE",
                &format!("/admin/merchants/{}/keys/{}", old.id, old.key_id),
                None,
            )
            .await;
        assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text);
    }

    // Webhook endpoints, with and without Idempotency-Key.
    for (i, id) in merchant_ids.iter().enumerate() {
        for idem in [Some(format!("hook-{i}")), None] {
            let request = || {
                let mut r = Request::post(format!("/admin/merchants/{id}/webhooks"))
                    .header("authorization", format!("Bearer {ADMIN_TOKEN}"))
                    .header("content-type", "application/json");
                if let Some(idem) = &idem {
                    r = r.header("idempotency-key", idem);
                }
                r.body(Body::from(
                    json!({"url": "http://127.0.0.1:9/hook"}).to_string(),
                ))
                .unwrap()
            };
            let added = gw.send_admin(request()).await;
            assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
            if idem.is_some() {
                let replay = gw.send_admin(request()).await;
                assert_eq!(replay.text, added.text);
            }
            let secret = added.body["data"]["secret"].as_str().unwrap().to_owned();
            secrets.push(("webhook secret".into(), secret.into()));
        }
    }

    // The terminal keys the gateway holds for each merchant.
    for id in &merchant_ids {
        let merchant = merchants::by_id(&gw.state.db.pool, id)
            .await
            .unwrap()
            .unwrap();
        let terminal = merchant.terminal_account(&gw.state.kek).unwrap();
        secrets.push((
            format!("terminal key of {id}"),
            terminal.private_key().to_bytes().to_vec(),
        ));
    }

    // Merchant API with the live keys: codes with and without Idempotency-Key,
    // a replay, a read, a cancel, a refund refused (payout key not held).
    for (n, m) in [&keys[1], &keys[3]].into_iter().enumerate() {
        let body = json!({"merchantPaymentId": format!("SEC-{n}"), "amount": {"amount": 500, "currency": "JPY"}});
        let first = gw
            .call_idem(m, "POST", "/v2/codes", body.clone(), "code-1")
            .await;
        assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
        let replay = gw.call_idem(m, "POST", "/v2/codes", body, "code-1").await;
        assert_eq!(replay.text, first.text);
        let plain = gw.create_code(m, &format!("SEC-{n}-B"), 600).await;
        assert_eq!(plain.status, StatusCode::CREATED, "{}", plain.text);
        let read = gw
            .call(m, "GET", &format!("/v2/codes/payments/SEC-{n}"), None)
            .await;
        assert_eq!(read.status, StatusCode::OK);
        let code_id = plain.body["data"]["codeId"].as_str().unwrap();
        let cancel = gw
            .call(m, "DELETE", &format!("/v2/codes/{code_id}"), None)
            .await;
        assert_eq!(cancel.status, StatusCode::OK, "{}", cancel.text);
        let refund = gw
            .call_idem(
                m,
                "POST",
                "/v2/refunds",
                json!({"merchantRefundId": "R-1", "merchantPaymentId": format!("SEC-{n}"), "amount": {"amount": 1, "currency": "JPY"}}),
                "refund-1",
            )
            .await;
        assert!(refund.status.is_client_error(), "{}", refund.text);
        let deliveries = gw.call(m, "GET", "/v2/webhooks/deliveries", None).await;
        assert_eq!(deliveries.status, StatusCode::OK);
    }
    // A revoked key is refused (and its secret is in no log either).
    let refused = gw.create_code(&keys[0], "SEC-REVOKED", 1).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);

    // POS: login (an Idempotency-Key on it changes nothing), a code made at
    // the till with and without one, a wrong secret, logout.
    let m = &keys[1];
    // POS credentials, issued with and without Idempotency-Key (a replay
    // gives the same secret back, sealed at rest like the keys'), one revoked.
    let mut pos_logins = Vec::new();
    for (role, idem) in [("manager", Some("pos-1")), ("cashier", None)] {
        let request = || {
            let mut r = Request::post(format!("/admin/merchants/{}/pos-credentials", m.id))
                .header("authorization", format!("Bearer {ADMIN_TOKEN}"))
                .header("content-type", "application/json");
            if let Some(idem) = idem {
                r = r.header("idempotency-key", idem);
            }
            r.body(Body::from(
                json!({"role": role, "label": "till"}).to_string(),
            ))
            .unwrap()
        };
        let issued = gw.send_admin(request()).await;
        assert_eq!(issued.status, StatusCode::CREATED, "{}", issued.text);
        if idem.is_some() {
            let replay = gw.send_admin(request()).await;
            assert_eq!(replay.text, issued.text);
        }
        let secret = issued.body["data"]["secret"].as_str().unwrap().to_owned();
        secrets.push((format!("POS {role} secret"), secret.clone().into()));
        pos_logins.push(PosLogin {
            credential_id: issued.body["data"]["credentialId"]
                .as_str()
                .unwrap()
                .to_owned(),
            secret,
        });
    }
    let revoked = gw
        .admin(
            "DELETE",
            &format!(
                "/admin/merchants/{}/pos-credentials/{}",
                m.id, pos_logins[1].credential_id
            ),
            None,
        )
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text);
    let login_body = pos_logins[0].body();
    let mut login = pos_request("POST", "/pos/api/session", None, Some(login_body.clone()));
    login
        .headers_mut()
        .insert("idempotency-key", "login-1".parse().unwrap());
    let logged_in = gw.send(login).await;
    assert_eq!(logged_in.status, StatusCode::OK, "{}", logged_in.text);
    let cookie = logged_in.headers["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let token = cookie.split_once('=').unwrap().1.to_owned();
    secrets.push(("POS session token".into(), token.into()));
    let second = gw
        .send(pos_request(
            "POST",
            "/pos/api/session",
            None,
            Some(login_body),
        ))
        .await;
    assert_eq!(second.status, StatusCode::OK);
    let second_token = second.headers["set-cookie"].to_str().unwrap();
    let second_token = second_token
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1;
    secrets.push(("second POS session token".into(), second_token.into()));
    let wrong = gw
        .send(pos_request(
            "POST",
            "/pos/api/session",
            None,
            Some(json!({"credentialId": pos_logins[0].credential_id, "secret": "yps_not-the-secret"})),
        ))
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    // The secret typed into the id field: refused, and not logged as an id.
    let swapped = gw
        .send(pos_request(
            "POST",
            "/pos/api/session",
            None,
            Some(json!({"credentialId": pos_logins[0].secret, "secret": "x"})),
        ))
        .await;
    assert_eq!(swapped.status, StatusCode::UNAUTHORIZED);
    let till_body =
        json!({"merchantPaymentId": "TILL-1", "amount": {"amount": 800, "currency": "JPY"}});
    for idem in [Some("till-1"), Some("till-1"), None] {
        let mut request = pos_request(
            "POST",
            "/pos/api/v2/codes",
            Some(&cookie),
            Some(till_body.clone()),
        );
        if let Some(idem) = idem {
            request
                .headers_mut()
                .insert("idempotency-key", idem.parse().unwrap());
        }
        let answer = gw.send(request).await;
        assert!(
            answer.status.is_success() || answer.status == StatusCode::CONFLICT,
            "{}",
            answer.text
        );
    }
    let logout = gw
        .send(pos_request(
            "DELETE",
            "/pos/api/session",
            Some(&cookie),
            None,
        ))
        .await;
    assert_eq!(logout.status, StatusCode::OK);

    // Sponsoring's public info, and the operations routes.
    for path in ["/v2/sponsor/info", "/readyz", "/metrics"] {
        let answer = gw
            .send(Request::get(path).body(Body::empty()).unwrap())
            .await;
        assert!(answer.status.as_u16() < 500 || path == "/readyz", "{path}");
    }

    // Idempotent answers were saved (so the search below covers them).
    let saved: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM idempotency_keys WHERE response IS NOT NULL")
            .fetch_one(&gw.state.db.pool)
            .await
            .unwrap()
            .get("n");
    assert!(saved >= 8, "{saved} saved answers");

    let (values, rows) = dump(&gw.state.db.pool).await;
    assert!(rows > 30, "the dump read the data ({rows} rows)");
    let file = db.url.strip_prefix("sqlite://").unwrap().to_owned();
    let mut raw = Vec::new();
    for suffix in ["", "-wal"] {
        if let Ok(bytes) = std::fs::read(format!("{file}{suffix}")) {
            raw.push((suffix, bytes));
        }
    }
    let logs = capture.text();
    assert!(logs.contains("API key issued"), "the log was captured");
    assert!(secrets.len() >= 15);
    let mut found = Vec::new();
    for (what, secret) in &secrets {
        for form in forms(secret) {
            for value in &values {
                if value.contains(&form) {
                    found.push(format!("{what} as {form} in the database: {value}"));
                }
            }
            for (suffix, bytes) in &raw {
                if bytes.windows(form.len()).any(|w| w == form.as_bytes()) {
                    found.push(format!("{what} as {form} in the database file{suffix}"));
                }
            }
            for line in logs.lines().filter(|line| line.contains(&form)) {
                found.push(format!("{what} as {form} in the log: {line}"));
            }
        }
    }
    assert!(
        found.is_empty(),
        "secrets in the clear:\n{}",
        found.join("\n")
    );
}
