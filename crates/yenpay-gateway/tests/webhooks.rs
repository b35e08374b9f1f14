//! Webhook delivery against a local receiver: signatures, event ids,
//! failures and retries with backoff (on an injected clock, so nothing
//! sleeps), dead-lettering after a day, redelivery through the API.

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

trait ClockNow {
    fn clock_now(&self) -> i64;
}

impl ClockNow for TestGateway {
    fn clock_now(&self) -> i64 {
        yenpay_gateway::Clock::now(self.clock.as_ref())
    }
}
