//! Webhook delivery against a local receiver: signatures, event ids,
//! failures and retries with backoff (on an injected clock, so nothing
//! sleeps), dead-lettering after a day, redelivery through the API; the
//! merchant listing and deleting its endpoints.

use crate::common::*;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use yenpay_gateway::chain::LedgerHead;
use yenpay_gateway::follower::{self, Finish};
use yenpay_gateway::webhook::{self, Pass};

const YAKITORI: &str = "0x3d565ecc27eafa6e4a84db9d3f9c67581f93062cb35de2b2a98d2235685d3cab";

/// What the receiver got.
#[derive(Default)]
struct Receiver {
    /// Answer 500 to this many requests first.
    fail_first: AtomicU32,
    received: Mutex<Vec<(HeaderMap, String)>>,
}

async fn receive(
    State(receiver): State<Arc<Receiver>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let body = String::from_utf8(body.to_vec()).unwrap();
    receiver.received.lock().unwrap().push((headers, body));
    let failing = receiver
        .fail_first
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if failing {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::OK
    }
}

async fn receiver() -> (Arc<Receiver>, String) {
    let receiver = Arc::new(Receiver::default());
    let app = Router::new()
        .route("/hook", post(receive))
        .with_state(receiver.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (receiver, format!("http://{address}/hook"))
}

struct Setup {
    gw: TestGateway,
    merchant: TestMerchant,
    secret: String,
    endpoint_id: String,
}

/// A gateway whose merchant YAKITORI has an endpoint at `url`, and the
/// recorded page applied (one paid and one cancelled invoice: two events).
async fn setup(db: &TestDb, url: &str) -> Setup {
    let mut config = config();
    config.follower_start_version = 3_900;
    let gw = TestGateway::with_config(db, config).await;
    let onboarded = gw
        .admin(
            "POST",
            "/admin/merchants",
            Some(json!({"ownerAddress": YAKITORI, "name": "YAKITORI"})),
        )
        .await;
    let id = onboarded.body["data"]["merchantId"]
        .as_str()
        .unwrap()
        .to_owned();
    let hook = gw
        .admin(
            "POST",
            &format!("/admin/merchants/{id}/webhooks"),
            Some(json!({"url": url})),
        )
        .await;
    let secret = hook.body["data"]["secret"].as_str().unwrap().to_owned();
    let endpoint_id = hook.body["data"]["endpointId"].as_str().unwrap().to_owned();
    let key = gw
        .admin("POST", &format!("/admin/merchants/{id}/keys"), None)
        .await;
    let merchant = TestMerchant {
        id,
        address: aptos_sdk::types::AccountAddress::from_hex(YAKITORI).unwrap(),
        terminal: aptos_sdk::types::AccountAddress::ZERO,
        key_id: key.body["data"]["keyId"].as_str().unwrap().to_owned(),
        secret: key.body["data"]["secret"].as_str().unwrap().to_owned(),
    };
    let head = LedgerHead {
        version: 5_000,
        timestamp_us: NOW as u64 * 1_000_000,
        chain_id: CHAIN_ID,
        oldest_version: 0,
    };
    seek(&gw, 3_957).await;
    let applied = follower::apply_page(
        &gw.state,
        &contiguous(3_957, node_page()),
        head,
        Finish::Commit,
    )
    .await
    .unwrap();
    // Paid, cancelled, and the short code the page's chain time expired.
    assert_eq!(applied.webhooks, 3);
    Setup {
        gw,
        merchant,
        secret,
        endpoint_id,
    }
}

#[tokio::test]
async fn events_arrive_signed_with_their_ids() {
    for db in backends().await {
        let (receiver, url) = receiver().await;
        let s = setup(&db, &url).await;
        let pass = webhook::dispatch_once(&s.gw.state).await.unwrap();
        assert_eq!(
            pass,
            Pass {
                delivered: 3,
                retrying: 0,
                dead: 0
            },
            "{}",
            db.name
        );
        let received = receiver.received.lock().unwrap().clone();
        assert_eq!(received.len(), 3);
        let mut ids = Vec::new();
        for (headers, body) in &received {
            let signature = headers["yenpay-signature"].to_str().unwrap();
            assert!(
                webhook::verify(&s.secret, signature, body, NOW, 300),
                "{signature}"
            );
            assert!(!webhook::verify("whsec_other", signature, body, NOW, 300));
            let event: Value = serde_json::from_str(body).unwrap();
            assert_eq!(headers["yenpay-event-id"].to_str().unwrap(), event["id"]);
            assert_eq!(headers["content-type"], "application/json");
            ids.push(event["id"].as_str().unwrap().to_owned());
        }
        ids.sort();
        let expired = format!(
            "exp_{}",
            yenpay_gateway::store::payments::code_id(YAKITORI, "INV-7-SHORT")
        );
        assert_eq!(ids, vec!["evt_4044_3", "evt_4075_0", expired.as_str()]);
        // Nothing left to send.
        assert_eq!(
            webhook::dispatch_once(&s.gw.state).await.unwrap(),
            Pass::default()
        );
        let delivered =
            s.gw.call(
                &s.merchant,
                "GET",
                "/v2/webhooks/deliveries?status=DELIVERED",
                None,
            )
            .await;
        assert_eq!(
            delivered.body["data"].as_array().unwrap().len(),
            3,
            "{}",
            delivered.text
        );
    }
}

#[tokio::test]
async fn failures_are_retried_with_backoff() {
    for db in backends().await {
        let (receiver, url) = receiver().await;
        receiver.fail_first.store(6, Ordering::SeqCst);
        let s = setup(&db, &url).await;
        // Three events, all fail.
        let first = webhook::dispatch_once(&s.gw.state).await.unwrap();
        assert_eq!(
            first,
            Pass {
                delivered: 0,
                retrying: 3,
                dead: 0
            }
        );
        // Not due yet: the next attempt is 5-10 s away (base 10 s, equal jitter).
        s.gw.clock.advance(4);
        assert_eq!(
            webhook::dispatch_once(&s.gw.state).await.unwrap(),
            Pass::default()
        );
        s.gw.clock.advance(6);
        assert_eq!(
            webhook::dispatch_once(&s.gw.state).await.unwrap().retrying,
            3
        );
        // Second failure: 10-20 s.
        s.gw.clock.advance(20);
        let third = webhook::dispatch_once(&s.gw.state).await.unwrap();
        assert_eq!(
            third,
            Pass {
                delivered: 3,
                retrying: 0,
                dead: 0
            },
            "{}",
            db.name
        );
        assert_eq!(receiver.received.lock().unwrap().len(), 9);
        let deliveries =
            s.gw.call(&s.merchant, "GET", "/v2/webhooks/deliveries", None)
                .await;
        for d in deliveries.body["data"].as_array().unwrap() {
            assert_eq!(
                (d["status"].clone(), d["attempts"].clone()),
                (json!("DELIVERED"), json!(3))
            );
        }
        assert_eq!(s.gw.state.metrics.webhook_failures.get(), 6);
    }
}

#[tokio::test]
async fn a_day_of_failures_dead_letters_then_redelivery_works() {
    for db in backends().await {
        let (receiver, url) = receiver().await;
        receiver.fail_first.store(u32::MAX, Ordering::SeqCst);
        let s = setup(&db, &url).await;
        let mut attempts = 0;
        let mut dead = 0;
        while dead < 3 {
            let pass = webhook::dispatch_once(&s.gw.state).await.unwrap();
            attempts += pass.retrying + pass.dead;
            dead += pass.dead;
            s.gw.clock.advance(600);
            assert!(s.gw.clock_now() - NOW < 2 * 86_400, "gave up in time");
        }
        let elapsed = s.gw.clock_now() - NOW;
        assert!(
            (86_400 - 3_600..=86_400 + 3_600).contains(&elapsed),
            "dead after about a day: {elapsed} s"
        );
        assert!(
            (60..=180).contains(&attempts),
            "backoff, not a retry storm: {attempts} attempts"
        );
        let listed =
            s.gw.call(
                &s.merchant,
                "GET",
                "/v2/webhooks/deliveries?status=DEAD",
                None,
            )
            .await;
        let listed = listed.body["data"].as_array().unwrap().clone();
        assert_eq!(listed.len(), 3);
        assert!(listed[0]["lastError"].as_str().unwrap().contains("500"));
        // The receiver is fixed; the merchant asks for one event again.
        receiver.fail_first.store(0, Ordering::SeqCst);
        let id = listed[0]["deliveryId"].as_str().unwrap();
        let again =
            s.gw.call(
                &s.merchant,
                "POST",
                &format!("/v2/webhooks/deliveries/{id}/redeliver"),
                None,
            )
            .await;
        assert_eq!(again.status, StatusCode::OK, "{}", again.text);
        assert_eq!(again.body["data"]["status"], "PENDING");
        let before = receiver.received.lock().unwrap().len();
        assert_eq!(
            webhook::dispatch_once(&s.gw.state).await.unwrap().delivered,
            1
        );
        let (_, body) = receiver.received.lock().unwrap()[before].clone();
        let event: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            event["id"], listed[0]["eventId"],
            "same event id, so the receiver can de-duplicate"
        );
        // Another merchant cannot redeliver it; an unknown id is a 404.
        let other = s.gw.merchant("OTHER").await;
        let theirs =
            s.gw.call(
                &other,
                "POST",
                &format!("/v2/webhooks/deliveries/{id}/redeliver"),
                None,
            )
            .await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND);
        let unknown =
            s.gw.call(
                &s.merchant,
                "POST",
                "/v2/webhooks/deliveries/nope/redeliver",
                None,
            )
            .await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        let bad =
            s.gw.call(
                &s.merchant,
                "GET",
                "/v2/webhooks/deliveries?status=LOST",
                None,
            )
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn an_unreachable_endpoint_is_a_failed_attempt() {
    for db in backends().await {
        // A port nobody listens on.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let s = setup(&db, &format!("http://127.0.0.1:{port}/hook")).await;
        let pass = webhook::dispatch_once(&s.gw.state).await.unwrap();
        assert_eq!(pass.retrying, 3);
        yenpay_gateway::outbox::refresh_gauges(&s.gw.state).await;
        assert_eq!(s.gw.state.metrics.outbox_depth.get(), 3);
        let metrics =
            s.gw.send(
                axum::http::Request::get("/metrics")
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await;
        for name in [
            "yenpay_gateway_outbox_depth 3",
            "yenpay_gateway_webhook_failures_total 3",
            "yenpay_gateway_follower_lag_versions",
            "yenpay_gateway_follower_lag_seconds",
            "yenpay_gateway_http_request_duration_seconds_bucket",
        ] {
            assert!(
                metrics.text.contains(name),
                "{name} missing from\n{}",
                metrics.text
            );
        }
    }
}

/// How many outbox rows have `status`.
async fn outbox_rows(gw: &TestGateway, status: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM webhook_outbox WHERE status = $1")
        .bind(status)
        .fetch_one(&gw.state.db.pool)
        .await
        .unwrap()
}

/// Nonces spent (a signed request that passed its checks spends one).
async fn nonce_rows(gw: &TestGateway) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM request_nonces")
        .fetch_one(&gw.state.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_merchant_lists_its_endpoints_without_secrets() {
    for db in backends().await {
        let (_receiver, url) = receiver().await;
        let s = setup(&db, &url).await;
        let listed = s.gw.call(&s.merchant, "GET", "/v2/webhooks", None).await;
        assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
        assert_eq!(
            listed.body["data"],
            json!([{"endpointId": s.endpoint_id, "url": url, "createdAt": NOW}]),
            "{}",
            db.name
        );
        assert!(
            !listed.text.contains(&s.secret) && !listed.text.contains("secret"),
            "{}",
            listed.text
        );
    }
}

#[tokio::test]
async fn deleting_an_endpoint_stops_its_retries() {
    for db in backends().await {
        let (receiver, url) = receiver().await;
        receiver.fail_first.store(u32::MAX, Ordering::SeqCst);
        let s = setup(&db, &url).await;
        assert_eq!(
            webhook::dispatch_once(&s.gw.state).await.unwrap().retrying,
            3
        );
        assert_eq!(receiver.received.lock().unwrap().len(), 3);

        let path = format!("/v2/webhooks/{}", s.endpoint_id);
        let deleted = s.gw.call(&s.merchant, "DELETE", &path, None).await;
        assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.text);
        assert_eq!(
            deleted.body["data"],
            json!({"endpointId": s.endpoint_id, "deleted": true, "cancelledDeliveries": 3})
        );
        assert_eq!(outbox_rows(&s.gw, "PENDING").await, 0, "{}", db.name);
        assert_eq!(outbox_rows(&s.gw, "CANCELED").await, 3);

        // Well past every retry's due time: nothing is sent again.
        s.gw.clock.advance(7_200);
        assert_eq!(
            webhook::dispatch_once(&s.gw.state).await.unwrap(),
            Pass::default()
        );
        assert_eq!(receiver.received.lock().unwrap().len(), 3);

        // A delivery the follower queued just before the delete (it read the
        // endpoint first) is cancelled by the dispatcher, not posted.
        sqlx::query(
            "UPDATE webhook_outbox SET status = 'PENDING', next_attempt_at = $1 \
             WHERE delivery_id = (SELECT MIN(delivery_id) FROM webhook_outbox)",
        )
        .bind(NOW)
        .execute(&s.gw.state.db.pool)
        .await
        .unwrap();
        assert_eq!(
            webhook::dispatch_once(&s.gw.state).await.unwrap(),
            Pass::default()
        );
        assert_eq!(receiver.received.lock().unwrap().len(), 3);
        assert_eq!(outbox_rows(&s.gw, "CANCELED").await, 3);

        // New events queue nothing for it.
        pay(&s.gw, &s.merchant, "AFTER-DELETE", 6_000).await;
        assert_eq!(outbox_rows(&s.gw, "PENDING").await, 0);

        // The merchant sees what happened, cannot revive it, and it is gone from the list.
        let cancelled =
            s.gw.call(
                &s.merchant,
                "GET",
                "/v2/webhooks/deliveries?status=CANCELED",
                None,
            )
            .await;
        let cancelled = cancelled.body["data"].as_array().unwrap().clone();
        assert_eq!(cancelled.len(), 3);
        assert_eq!(cancelled[0]["lastError"], "endpoint deleted");
        let id = cancelled[0]["deliveryId"].as_str().unwrap();
        let revived =
            s.gw.call(
                &s.merchant,
                "POST",
                &format!("/v2/webhooks/deliveries/{id}/redeliver"),
                None,
            )
            .await;
        assert_eq!(revived.status, StatusCode::CONFLICT, "{}", revived.text);
        assert_eq!(revived.code(), "ENDPOINT_DELETED");
        assert_eq!(outbox_rows(&s.gw, "PENDING").await, 0);
        let listed = s.gw.call(&s.merchant, "GET", "/v2/webhooks", None).await;
        assert_eq!(listed.body["data"], json!([]));
        let again = s.gw.call(&s.merchant, "DELETE", &path, None).await;
        assert_eq!(again.status, StatusCode::NOT_FOUND);
        assert_eq!(again.code(), "ENDPOINT_NOT_FOUND");
    }
}

#[tokio::test]
async fn another_merchant_can_neither_list_nor_delete_an_endpoint() {
    for db in backends().await {
        let (_receiver, url) = receiver().await;
        let s = setup(&db, &url).await;
        let other = s.gw.merchant("OTHER").await;
        let listed = s.gw.call(&other, "GET", "/v2/webhooks", None).await;
        assert_eq!(listed.status, StatusCode::OK);
        assert_eq!(listed.body["data"], json!([]), "{}", db.name);
        let path = format!("/v2/webhooks/{}", s.endpoint_id);
        let deleted = s.gw.call(&other, "DELETE", &path, None).await;
        assert_eq!(deleted.status, StatusCode::NOT_FOUND, "{}", deleted.text);
        assert_eq!(deleted.code(), "ENDPOINT_NOT_FOUND");
        // Untouched: still the owner's, its deliveries still pending.
        let owners = s.gw.call(&s.merchant, "GET", "/v2/webhooks", None).await;
        assert_eq!(owners.body["data"][0]["endpointId"], s.endpoint_id);
        assert_eq!(outbox_rows(&s.gw, "PENDING").await, 3);
    }
}

#[tokio::test]
async fn unsigned_endpoint_requests_are_refused_and_change_nothing() {
    for db in backends().await {
        let (_receiver, url) = receiver().await;
        let s = setup(&db, &url).await;
        let path = format!("/v2/webhooks/{}", s.endpoint_id);
        let before = nonce_rows(&s.gw).await;
        for (method, uri) in [("GET", "/v2/webhooks"), ("DELETE", path.as_str())] {
            let unsigned =
                s.gw.send(
                    axum::http::Request::builder()
                        .method(method)
                        .uri(uri)
                        .body(axum::body::Body::empty())
                        .unwrap(),
                )
                .await;
            assert_eq!(unsigned.status, StatusCode::UNAUTHORIZED, "{method} {uri}");
            assert_eq!(unsigned.code(), "UNAUTHORIZED");
        }
        // Signed with a wrong secret.
        let forged = TestMerchant {
            secret: "ysk_not_the_secret".to_owned(),
            ..s.merchant.clone()
        };
        let refused = s.gw.call(&forged, "DELETE", &path, None).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", db.name);
        assert_eq!(refused.code(), "INVALID_SIGNATURE");
        // The endpoint is active, its deliveries pending, no nonce spent.
        assert_eq!(nonce_rows(&s.gw).await, before);
        assert_eq!(outbox_rows(&s.gw, "PENDING").await, 3);
        assert_eq!(outbox_rows(&s.gw, "CANCELED").await, 0);
        let active: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM webhook_endpoints WHERE endpoint_id = $1 AND disabled_at IS NULL",
        )
        .bind(&s.endpoint_id)
        .fetch_one(&s.gw.state.db.pool)
        .await
        .unwrap();
        assert_eq!(active, 1);
    }
}

trait ClockNow {
    fn clock_now(&self) -> i64;
}

impl ClockNow for TestGateway {
    fn clock_now(&self) -> i64 {
        yenpay_gateway::Clock::now(self.clock.as_ref())
    }
}

#[tokio::test]
async fn webhooks_go_to_public_https_destinations_only() {
    let db = backends().await.remove(0);
    let mut strict = config();
    strict.webhooks.allow_local_destinations = false;
    let gw = TestGateway::with_config(&db, strict).await;
    let merchant = gw.merchant("Strict Sushi").await;
    for url in [
        "http://hooks.invalid/yenpay",
        "https://127.0.0.1/yenpay",
        "https://localhost:8443/yenpay",
        "https://[::1]/yenpay",
        "https://0.0.0.0/yenpay",
    ] {
        let refused = gw
            .admin(
                "POST",
                &format!("/admin/merchants/{}/webhooks", merchant.id),
                Some(serde_json::json!({"url": url})),
            )
            .await;
        assert_eq!(
            refused.status,
            axum::http::StatusCode::BAD_REQUEST,
            "{url}: {}",
            refused.text
        );
    }
}

#[tokio::test]
async fn a_delivery_to_a_local_address_is_refused_even_if_it_was_registered() {
    // Registered while local destinations were allowed (a development run), then the
    // gateway runs without the flag: the delivery is refused, the receiver sees nothing.
    let db = backends().await.remove(0);
    let (receiver, url) = receiver().await;
    let permissive = setup(&db, &url).await;
    let mut strict = config();
    strict.webhooks.allow_local_destinations = false;
    let gw = TestGateway::with_config(&db, strict).await;
    let pass = webhook::dispatch_once(&gw.state).await.unwrap();
    assert_eq!(pass.delivered, 0, "{pass:?}");
    assert_eq!(pass.retrying, 3, "{pass:?}");
    assert!(
        receiver.received.lock().unwrap().is_empty(),
        "a local receiver was contacted"
    );
    // The same deliveries go out where local destinations are allowed.
    drop(permissive);
}

/// The merchant's only endpoint in `setup`.
async fn endpoint_id(s: &Setup) -> String {
    let list = s.gw.call(&s.merchant, "GET", "/v2/webhooks", None).await;
    list.body["data"][0]["endpointId"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_paused_endpoint_gets_nothing_until_it_is_resumed() {
    for db in backends().await {
        let (receiver, url) = receiver().await;
        let s = setup(&db, &url).await;
        let id = endpoint_id(&s).await;
        let paused =
            s.gw.call(
                &s.merchant,
                "POST",
                &format!("/v2/webhooks/{id}/pause"),
                None,
            )
            .await;
        assert_eq!(paused.status, axum::http::StatusCode::OK, "{}", paused.text);
        let list = s.gw.call(&s.merchant, "GET", "/v2/webhooks", None).await;
        assert_eq!(list.body["data"][0]["pausedAt"], NOW);
        // Hours pass: nothing is attempted, nothing is dead-lettered.
        for _ in 0..3 {
            s.gw.clock.advance(3_600);
            assert_eq!(
                webhook::dispatch_once(&s.gw.state).await.unwrap(),
                Pass::default()
            );
        }
        assert!(receiver.received.lock().unwrap().is_empty());
        let pending =
            s.gw.call(
                &s.merchant,
                "GET",
                "/v2/webhooks/deliveries?status=PENDING",
                None,
            )
            .await;
        let pending = pending.body["data"].as_array().unwrap().clone();
        assert_eq!(pending.len(), 3);
        assert!(pending.iter().all(|d| d["attempts"] == 0));
        // Another merchant cannot resume it.
        let other = s.gw.merchant("Other Ramen").await;
        let refused =
            s.gw.call(&other, "POST", &format!("/v2/webhooks/{id}/resume"), None)
                .await;
        assert_eq!(
            refused.status,
            axum::http::StatusCode::NOT_FOUND,
            "{}",
            db.name
        );
        let resumed =
            s.gw.call(
                &s.merchant,
                "POST",
                &format!("/v2/webhooks/{id}/resume"),
                None,
            )
            .await;
        assert_eq!(resumed.status, axum::http::StatusCode::OK);
        assert_eq!(
            webhook::dispatch_once(&s.gw.state).await.unwrap().delivered,
            3
        );
        assert_eq!(receiver.received.lock().unwrap().len(), 3);
    }
}

#[tokio::test]
async fn a_rotated_secret_signs_beside_the_old_one_during_the_overlap() {
    for db in backends().await {
        let (receiver, url) = receiver().await;
        let s = setup(&db, &url).await;
        let id = endpoint_id(&s).await;
        let rotated =
            s.gw.call(
                &s.merchant,
                "POST",
                &format!("/v2/webhooks/{id}/rotate-secret"),
                Some(json!({"overlapSeconds": 600})),
            )
            .await;
        assert_eq!(
            rotated.status,
            axum::http::StatusCode::OK,
            "{}",
            rotated.text
        );
        let new_secret = rotated.body["data"]["secret"].as_str().unwrap().to_owned();
        assert_ne!(new_secret, s.secret);
        assert_eq!(rotated.body["data"]["previousSecretValidUntil"], NOW + 600);
        // Within the overlap: both secrets verify every delivery.
        assert_eq!(
            webhook::dispatch_once(&s.gw.state).await.unwrap().delivered,
            3
        );
        for (headers, body) in receiver.received.lock().unwrap().iter() {
            let signature = headers["yenpay-signature"].to_str().unwrap();
            assert_eq!(signature.matches("v1=").count(), 2, "{signature}");
            assert!(webhook::verify(&new_secret, signature, body, NOW, 300));
            assert!(webhook::verify(&s.secret, signature, body, NOW, 300));
        }
        // After it: only the new secret signs.
        s.gw.clock.advance(601);
        let delivery =
            s.gw.call(
                &s.merchant,
                "GET",
                "/v2/webhooks/deliveries?status=DELIVERED",
                None,
            )
            .await;
        let delivery_id = delivery.body["data"][0]["deliveryId"]
            .as_str()
            .unwrap()
            .to_owned();
        let again =
            s.gw.call(
                &s.merchant,
                "POST",
                &format!("/v2/webhooks/deliveries/{delivery_id}/redeliver"),
                None,
            )
            .await;
        assert_eq!(again.status, axum::http::StatusCode::OK, "{}", again.text);
        assert_eq!(
            webhook::dispatch_once(&s.gw.state).await.unwrap().delivered,
            1
        );
        let received = receiver.received.lock().unwrap().clone();
        let (headers, body) = received.last().unwrap();
        let signature = headers["yenpay-signature"].to_str().unwrap();
        let now = NOW + 601;
        assert_eq!(signature.matches("v1=").count(), 1, "{signature}");
        assert!(webhook::verify(&new_secret, signature, body, now, 300));
        assert!(!webhook::verify(&s.secret, signature, body, now, 300));
        // Out-of-range overlaps are refused; the list never shows a secret.
        let refused =
            s.gw.call(
                &s.merchant,
                "POST",
                &format!("/v2/webhooks/{id}/rotate-secret"),
                Some(json!({"overlapSeconds": 700_000})),
            )
            .await;
        assert_eq!(refused.status, axum::http::StatusCode::BAD_REQUEST);
        let list = s.gw.call(&s.merchant, "GET", "/v2/webhooks", None).await;
        assert!(!list.text.contains(&new_secret) && !list.text.contains("whsec_"));
    }
}
