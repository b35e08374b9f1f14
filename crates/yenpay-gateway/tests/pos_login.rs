//! The POS page's logins (issue 30, item 7): credentials the operator
//! issues per role instead of the merchant's API key, what a cashier and a
//! manager may do, and the throttling of failed logins per client and per
//! merchant, shared through the database. Every test runs on each backend.

use crate::common::*;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use sqlx::Row;
use std::net::SocketAddr;
use std::sync::Arc;
use yenpay_gateway::crypto::Kek;

/// A POS request from `client` (the peer address the server loop records).
fn pos_from(
    client: &str,
    method: &str,
    path: &str,
    cookie: &str,
    body: Option<Value>,
) -> Request<Body> {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header("cookie", cookie)
        .header("content-type", "application/json")
        .header("x-yenpay-pos", "1")
        .body(body.map(|b| Body::from(b.to_string())).unwrap_or_default())
        .unwrap();
    let peer: SocketAddr = client.parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(peer));
    request
}

/// A login from `client` with `body`.
async fn login_from(gw: &TestGateway, client: &str, body: Value) -> Answer {
    gw.send(pos_from(client, "POST", "/pos/api/session", "", Some(body)))
        .await
}

fn cookie_of(answer: &Answer) -> String {
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let set_cookie = answer.headers["set-cookie"].to_str().unwrap();
    set_cookie.split(';').next().unwrap().to_owned()
}

fn wrong(login: &PosLogin) -> Value {
    json!({"credentialId": login.credential_id, "secret": "yps_not-the-secret"})
}

#[tokio::test]
async fn the_operator_issues_lists_and_revokes_pos_credentials() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        let m = gw.merchant("YENPAY CAFE").await;
        let path = format!("/admin/merchants/{}/pos-credentials", m.id);
        let issued = gw
            .admin(
                "POST",
                &path,
                Some(json!({"role": "cashier", "label": "レジ1"})),
            )
            .await;
        assert_eq!(issued.status, StatusCode::CREATED, "{}", issued.text);
        let data = &issued.body["data"];
        let id = data["credentialId"].as_str().unwrap().to_owned();
        let secret = data["secret"].as_str().unwrap().to_owned();
        assert!(id.starts_with("posc_"), "{id}");
        // 32 random bytes.
        let hex = secret.strip_prefix("yps_").unwrap();
        assert_eq!(const_hex::decode(hex).unwrap().len(), 32);
        assert_eq!(
            (data["role"].as_str(), data["label"].as_str()),
            (Some("cashier"), Some("レジ1"))
        );
        let manager = gw.pos_credential(&m, "manager").await;

        // Only the SHA-256 of the secret is stored.
        let stored: String =
            sqlx::query("SELECT secret_hash FROM pos_credentials WHERE credential_id = $1")
                .bind(&id)
                .fetch_one(&gw.state.db.pool)
                .await
                .unwrap()
                .get("secret_hash");
        assert_eq!(
            stored,
            yenpay_gateway::crypto::sha256_hex(secret.as_bytes())
        );

        let listed = gw.admin("GET", &path, None).await;
        assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
        let list = listed.body["data"].as_array().unwrap();
        let find = |list: &[Value], wanted: &str| {
            list.iter()
                .find(|c| c["credentialId"] == wanted)
                .cloned()
                .unwrap()
        };
        assert_eq!(list.len(), 2);
        assert_eq!(find(list, &id)["role"], "cashier");
        assert_eq!(find(list, &manager.credential_id)["role"], "manager");
        assert!(!listed.text.contains(&secret) && !listed.text.contains(&stored));
        assert!(list.iter().all(|c| c.get("secret").is_none()));

        // Refusals: a role that is not one, a bad label, another merchant.
        for (body, code) in [
            (json!({"role": "owner", "label": "x"}), "INVALID_PARAMS"),
            (json!({"role": "cashier", "label": ""}), "INVALID_PARAMS"),
            (
                json!({"role": "cashier", "label": "a\nb"}),
                "INVALID_PARAMS",
            ),
            (
                json!({"role": "cashier", "label": "x".repeat(65)}),
                "INVALID_PARAMS",
            ),
            (json!({"role": "cashier"}), "INVALID_PARAMS"),
        ] {
            let refused = gw.admin("POST", &path, Some(body.clone())).await;
            assert_eq!(
                (refused.status, refused.code()),
                (StatusCode::BAD_REQUEST, code),
                "{body}"
            );
        }
        let nobody = gw
            .admin(
                "POST",
                "/admin/merchants/mer_nobody/pos-credentials",
                Some(json!({"role": "cashier", "label": "x"})),
            )
            .await;
        assert_eq!(nobody.status, StatusCode::NOT_FOUND);
        let other = gw.merchant("OTHER SHOP").await;
        let foreign = gw
            .admin(
                "DELETE",
                &format!("/admin/merchants/{}/pos-credentials/{id}", other.id),
                None,
            )
            .await;
        assert_eq!(
            (foreign.status, foreign.code()),
            (StatusCode::NOT_FOUND, "POS_CREDENTIAL_NOT_FOUND")
        );

        let revoked = gw.admin("DELETE", &format!("{path}/{id}"), None).await;
        assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text);
        let twice = gw.admin("DELETE", &format!("{path}/{id}"), None).await;
        assert_eq!(twice.status, StatusCode::NOT_FOUND);
        let listed = gw.admin("GET", &path, None).await;
        let list = listed.body["data"].as_array().unwrap();
        assert!(find(list, &id)["revokedAt"].is_i64(), "{}", listed.text);
        assert!(
            find(list, &manager.credential_id)
                .get("revokedAt")
                .is_none()
        );
    }
}

#[tokio::test]
async fn api_keys_no_longer_log_in_to_the_pos_page() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        let m = gw.merchant("YENPAY CAFE").await;
        // The API key where a credential goes: no such credential.
        let as_credential = login_from(
            &gw,
            "192.0.2.1:50000",
            json!({"credentialId": m.key_id, "secret": m.secret}),
        )
        .await;
        assert_eq!(
            (as_credential.status, as_credential.code()),
            (StatusCode::UNAUTHORIZED, "INVALID_CREDENTIALS")
        );
        assert!(as_credential.headers.get("set-cookie").is_none());
        // The old login body is not understood at all.
        let old_body = login_from(
            &gw,
            "192.0.2.1:50000",
            json!({"keyId": m.key_id, "secret": m.secret}),
        )
        .await;
        assert_eq!(
            old_body.status,
            StatusCode::BAD_REQUEST,
            "{}",
            old_body.text
        );
        assert!(old_body.headers.get("set-cookie").is_none());
        let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pos_sessions")
            .fetch_one(&gw.state.db.pool)
            .await
            .unwrap();
        assert_eq!(sessions, 0);
    }
}

#[tokio::test]
async fn a_cashier_takes_payments_and_only_a_manager_refunds() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        let m = gw.merchant("YENPAY CAFE").await;
        // The gateway holds the payout key, so a refund can go through.
        gw.ledger
            .payouts
            .lock()
            .unwrap()
            .insert(m.address, m.terminal);
        let client = "192.0.2.10:40000";
        let cashier = cookie_of(
            &login_from(&gw, client, gw.pos_credential(&m, "cashier").await.body()).await,
        );
        let manager = cookie_of(
            &login_from(&gw, client, gw.pos_credential(&m, "manager").await.body()).await,
        );
        let send = |cookie: &str, method: &str, path: &str, body: Option<Value>| {
            gw.send(pos_from(client, method, path, cookie, body))
        };

        // A cashier makes, reads and cancels codes, and takes a customer's code.
        let code = |id: &str| json!({"merchantPaymentId": id, "amount": {"amount": 1000, "currency": "JPY"}});
        let made = send(&cashier, "POST", "/pos/api/v2/codes", Some(code("C-1"))).await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
        let read = send(&cashier, "GET", "/pos/api/v2/codes/payments/C-1", None).await;
        assert_eq!(read.status, StatusCode::OK, "{}", read.text);
        let code_id = made.body["data"]["codeId"].as_str().unwrap();
        let cancelled = send(
            &cashier,
            "DELETE",
            &format!("/pos/api/v2/codes/{code_id}"),
            None,
        )
        .await;
        assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.text);
        let customer = Customer {
            key: ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]),
        };
        let presented = customer.code(&m, 1000, NOW as u64 - 10, NOW as u64 + 300);
        let collected = send(
            &cashier,
            "POST",
            "/pos/api/v2/payments/cpm",
            Some(json!({"merchantPaymentId": "C-2", "customerCode": presented})),
        )
        .await;
        assert_eq!(collected.status, StatusCode::CREATED, "{}", collected.text);
        assert_eq!(collected.body["data"]["status"], "COMPLETED");
        let recent = send(&cashier, "GET", "/pos/api/payments/recent", None).await;
        assert_eq!(recent.status, StatusCode::OK, "{}", recent.text);
        assert_eq!(recent.body["data"][0]["merchantPaymentId"], "C-2");

        // A refund moves money back: a cashier is refused before the chain sees it.
        let refund = json!({"merchantRefundId": "R-1", "merchantPaymentId": "C-2", "amount": {"amount": 300, "currency": "JPY"}});
        let chain_calls = gw.ledger.calls().len();
        let refused = send(
            &cashier,
            "POST",
            "/pos/api/v2/refunds",
            Some(refund.clone()),
        )
        .await;
        assert_eq!(
            (refused.status, refused.code()),
            (StatusCode::FORBIDDEN, "POS_MANAGER_REQUIRED"),
            "{}",
            refused.text
        );
        assert_eq!(gw.ledger.calls().len(), chain_calls, "no refund was signed");
        let report = send(
            &cashier,
            "GET",
            "/pos/api/v2/reports/reconciliation?from=0&to=1",
            None,
        )
        .await;
        assert_eq!(report.code(), "POS_MANAGER_REQUIRED");
        // Webhook endpoints are an integration's, for no POS login.
        for cookie in [&cashier, &manager] {
            let hooks = send(cookie, "GET", "/pos/api/v2/webhooks", None).await;
            assert_eq!(
                (hooks.status, hooks.code()),
                (StatusCode::FORBIDDEN, "POS_NOT_PERMITTED")
            );
        }

        // A manager refunds; the cashier reads the refund.
        let refunded = send(&manager, "POST", "/pos/api/v2/refunds", Some(refund)).await;
        assert_eq!(refunded.status, StatusCode::CREATED, "{}", refunded.text);
        assert!(matches!(
            gw.ledger.calls().last(),
            Some(Call::Refund { amount: 300, .. })
        ));
        let seen = send(&cashier, "GET", "/pos/api/v2/refunds/R-1", None).await;
        assert_eq!(seen.status, StatusCode::OK, "{}", seen.text);
        let me = send(&manager, "GET", "/pos/api/session", None).await;
        assert_eq!(me.body["data"]["role"], "manager");
    }
}

/// The test policy's limits, checked here rather than assumed.
fn limits(gw: &TestGateway) -> (usize, usize, i64) {
    let web = &gw.state.config.web;
    assert_eq!(
        (
            web.login_failures_per_client,
            web.login_failures_per_merchant,
            web.login_window.as_secs()
        ),
        (5, 20, 300),
        "the documented defaults"
    );
    (5, 20, 300)
}

#[tokio::test]
async fn brute_force_from_one_client_is_cut_off_until_the_window_passes() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        let (per_client, _, window) = limits(&gw);
        let m = gw.merchant("YENPAY CAFE").await;
        let target = gw.pos_credential(&m, "manager").await;
        let attacker = "203.0.113.5:41000";
        for n in 0..per_client {
            let answer = login_from(&gw, attacker, wrong(&target)).await;
            assert_eq!(answer.code(), "INVALID_CREDENTIALS", "failure {n}");
        }
        // Past the limit: 429 with Retry-After, even with the right secret.
        for body in [wrong(&target), target.body()] {
            let throttled = login_from(&gw, attacker, body).await;
            assert_eq!(
                (throttled.status, throttled.code()),
                (StatusCode::TOO_MANY_REQUESTS, "POS_LOGIN_THROTTLED"),
                "{}",
                throttled.text
            );
            assert_eq!(throttled.headers["retry-after"], window.to_string());
            assert!(throttled.headers.get("set-cookie").is_none());
        }
        // The same address on another port is the same client.
        let other_port = login_from(&gw, "203.0.113.5:41001", target.body()).await;
        assert_eq!(other_port.status, StatusCode::TOO_MANY_REQUESTS);

        // Another client logs in; that clears nothing of the attacker's.
        cookie_of(&login_from(&gw, "198.51.100.7:52000", target.body()).await);
        let still = login_from(&gw, attacker, target.body()).await;
        assert_eq!(still.status, StatusCode::TOO_MANY_REQUESTS);

        // Retry-After counts down with the clock, and the window passes.
        gw.clock.advance(window - 60);
        let later = login_from(&gw, attacker, target.body()).await;
        assert_eq!(later.headers["retry-after"], "60");
        gw.clock.advance(60);
        cookie_of(&login_from(&gw, attacker, target.body()).await);
    }
}

#[tokio::test]
async fn a_guess_spread_over_clients_stops_at_the_merchant_limit() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        let (per_client, per_merchant, _) = limits(&gw);
        let m = gw.merchant("YENPAY CAFE").await;
        let target = gw.pos_credential(&m, "cashier").await;
        let colleague = gw.pos_credential(&m, "manager").await;
        let neighbour = gw.merchant("NEIGHBOUR").await;
        let neighbour_login = gw.pos_credential(&neighbour, "cashier").await;
        // Each client stays under its own limit.
        let clients = per_merchant / (per_client - 1);
        for c in 0..clients {
            let client = format!("203.0.113.{}:40000", 10 + c);
            for _ in 0..per_client - 1 {
                assert_eq!(
                    login_from(&gw, &client, wrong(&target)).await.code(),
                    "INVALID_CREDENTIALS"
                );
            }
        }
        // A fresh client with the right secret of any of the merchant's credentials: throttled.
        let fresh = "198.51.100.20:40000";
        for login in [&target, &colleague] {
            let throttled = login_from(&gw, fresh, login.body()).await;
            assert_eq!(
                (throttled.status, throttled.code()),
                (StatusCode::TOO_MANY_REQUESTS, "POS_LOGIN_THROTTLED")
            );
            assert!(throttled.headers.contains_key("retry-after"));
        }
        // Another merchant's till from that client is not affected.
        cookie_of(&login_from(&gw, fresh, neighbour_login.body()).await);
        // Unknown credential ids count against the client only.
        let unknown = json!({"credentialId": "posc_nobody", "secret": "x"});
        assert_eq!(
            login_from(&gw, "198.51.100.21:1", unknown).await.code(),
            "INVALID_CREDENTIALS"
        );
    }
}

#[tokio::test]
async fn two_gateways_on_one_database_share_the_counts() {
    for db in backends().await {
        let kek = Kek::generate();
        let first = TestGateway::with_config_and_kek(&db, config(), kek.clone()).await;
        let second = TestGateway::with_config_and_kek(&db, config(), kek).await;
        let (per_client, _, _) = limits(&first);
        let m = first.merchant("YENPAY CAFE").await;
        let target = first.pos_credential(&m, "cashier").await;
        let attacker = "203.0.113.99:40000";
        // Failures alternate between the replicas (a load balancer's round robin).
        for n in 0..per_client {
            let gw = if n % 2 == 0 { &first } else { &second };
            assert_eq!(
                login_from(gw, attacker, wrong(&target)).await.code(),
                "INVALID_CREDENTIALS"
            );
        }
        for gw in [&first, &second] {
            let throttled = login_from(gw, attacker, target.body()).await;
            assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
        }
        // A session opened on one replica is good on the other.
        let cookie = cookie_of(&login_from(&first, "198.51.100.1:1", target.body()).await);
        let me = second
            .send(pos_from(
                "198.51.100.1:1",
                "GET",
                "/pos/api/session",
                &cookie,
                None,
            ))
            .await;
        assert_eq!(me.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn a_burst_of_concurrent_guesses_gets_no_more_than_the_limit() {
    for db in backends().await {
        let gw = Arc::new(TestGateway::new(&db).await);
        let (per_client, _, _) = limits(&gw);
        let m = gw.merchant("YENPAY CAFE").await;
        let target = gw.pos_credential(&m, "cashier").await;
        let guesses: Vec<_> = (0..4 * per_client)
            .map(|_| {
                let (gw, body) = (gw.clone(), wrong(&target));
                tokio::spawn(async move { login_from(&gw, "203.0.113.77:1", body).await })
            })
            .collect();
        let mut checked = 0;
        for guess in guesses {
            let answer = guess.await.unwrap();
            match answer.status {
                StatusCode::UNAUTHORIZED => checked += 1,
                StatusCode::TOO_MANY_REQUESTS => {}
                other => panic!("{other}: {}", answer.text),
            }
        }
        // Attempts racing at the limit may all be refused, never all let through.
        assert!(checked <= per_client, "{checked} guesses were checked");
    }
}

/// Over a real socket, the server loop gives the login its peer: failures
/// are counted for 127.0.0.1.
#[tokio::test]
async fn the_server_loop_counts_failures_by_the_peer_address() {
    let db = backends().await.remove(0);
    let gw = TestGateway::new(&db).await;
    let (per_client, _, _) = limits(&gw);
    let m = gw.merchant("YENPAY CAFE").await;
    let target = gw.pos_credential(&m, "cashier").await;
    let running = gw.run(false).await;
    let http = reqwest::Client::new();
    let login = |body: Value| {
        http.post(format!("http://{}/pos/api/session", running.address))
            .header("x-yenpay-pos", "1")
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
    };
    for _ in 0..per_client {
        assert_eq!(login(wrong(&target)).await.unwrap().status(), 401);
    }
    let throttled = login(target.body()).await.unwrap();
    assert_eq!(throttled.status(), 429);
    assert!(throttled.headers().contains_key("retry-after"));
    let counted: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM pos_login_attempts WHERE bucket = $1")
            .bind("client:127.0.0.1")
            .fetch_one(&gw.state.db.pool)
            .await
            .unwrap();
    assert_eq!(counted, per_client as i64);
    running.stop.send(()).unwrap();
    running.task.await.unwrap().unwrap();
}
