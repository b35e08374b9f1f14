//! Holds through the gateway (issue 27): pre-auth codes, captures with
//! tips, reverts, and the follower's hold state and webhooks from the hold
//! events. Every test runs on each database backend.

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use serde_json::{Value, json};
use yenpay_gateway::chain::LedgerHead;
use yenpay_gateway::follower::{self, Finish};

/// The customer of the constructed events.
pub(crate) const CUSTOMER: &str =
    "0x00000000000000000000000000000000000000000000000000000000000c0571";

async fn gateway(db: &TestDb) -> TestGateway {
    let mut config = config();
    config.follower_start_version = 3_900;
    TestGateway::with_config(db, config).await
}

fn yen(amount: u64) -> Value {
    json!({"amount": amount, "currency": "JPY"})
}

/// A head at chain time `secs`.
fn head_at(version: u64, secs: i64) -> LedgerHead {
    LedgerHead {
        version,
        timestamp_us: secs as u64 * 1_000_000,
        chain_id: CHAIN_ID,
        oldest_version: 0,
    }
}

/// A committed transaction at `version` (chain time `secs`) emitting the
/// hold `events` (`(name, data)`), as the node's REST API shows it.
pub(crate) fn hold_tx(
    version: u64,
    secs: i64,
    hash: Option<&str>,
    events: Vec<(&str, Value)>,
) -> Value {
    let events: Vec<Value> = events
        .into_iter()
        .enumerate()
        .map(|(i, (name, data))| {
            json!({
                "guid": {"creation_number": "0", "account_address": "0x0"},
                "sequence_number": "0",
                "type": format!("{PACKAGE}::hold::{name}"),
                "data": data,
                "index": i,
            })
        })
        .collect();
    json!({
        "type": "user_transaction",
        "version": version.to_string(),
        "hash": hash.map_or_else(|| format!("0x{version:064x}"), str::to_owned),
        "timestamp": (secs as u64 * 1_000_000).to_string(),
        "success": true,
        "events": events,
    })
}

/// Applies one transaction at its version through the real follower, the
/// chain's clock at `secs`.
pub(crate) async fn apply(gw: &TestGateway, tx: Value, secs: i64) -> follower::Applied {
    let version: u64 = tx["version"].as_str().unwrap().parse().unwrap();
    seek(gw, version).await;
    follower::apply_page(&gw.state, &[tx], head_at(version + 1, secs), Finish::Commit)
        .await
        .unwrap()
}

pub(crate) fn authorized(
    m: &TestMerchant,
    hold_ref: &str,
    amount: u64,
    tip_limit: u64,
    capture_before: i64,
) -> (&'static str, Value) {
    (
        "HoldAuthorized",
        json!({
            "merchant": m.address.to_hex(),
            "hold_ref": hold_ref,
            "customer": CUSTOMER,
            "amount": amount.to_string(),
            "tip_limit": tip_limit.to_string(),
            "capture_before": capture_before.to_string(),
            "created_by": CUSTOMER,
        }),
    )
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn captured(
    m: &TestMerchant,
    hold_ref: &str,
    amount: u64,
    tip: u64,
    released: u64,
    held: u64,
) -> (&'static str, Value) {
    let fee = (amount + tip) / 100;
    (
        "HoldCaptured",
        json!({
            "merchant": m.address.to_hex(),
            "hold_ref": hold_ref,
            "customer": CUSTOMER,
            "amount": amount.to_string(),
            "tip": tip.to_string(),
            "fee": fee.to_string(),
            "net": (amount + tip - fee).to_string(),
            "released": released.to_string(),
            "held": held.to_string(),
            "captured_by": m.terminal.to_hex(),
        }),
    )
}

async fn create_hold(
    gw: &TestGateway,
    m: &TestMerchant,
    id: &str,
    amount: u64,
    tip_limit: u64,
) -> Answer {
    gw.call(
        m,
        "POST",
        "/v2/holds/codes",
        Some(json!({
            "merchantPaymentId": id,
            "amount": yen(amount),
            "tipLimit": yen(tip_limit),
            "authorizationExpiry": NOW + 3_600,
        })),
    )
    .await
}

async fn outbox(gw: &TestGateway) -> Vec<(String, i64, Value)> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT event_type, body FROM webhook_outbox ORDER BY created_at, event_id")
            .fetch_all(&gw.state.db.pool)
            .await
            .unwrap();
    let mut events: Vec<(String, i64, Value)> = rows
        .into_iter()
        .map(|(event, body)| {
            let body: Value = serde_json::from_str(&body).unwrap();
            (
                event,
                body["sequence"].as_i64().unwrap(),
                body["data"].clone(),
            )
        })
        .collect();
    // One poll queues several events at the same time: a receiver orders a hold's by sequence.
    events.sort_by_key(|(_, sequence, _)| *sequence);
    events
}

async fn with_webhook(gw: &TestGateway, m: &TestMerchant) {
    let hook = gw
        .admin(
            "POST",
            &format!("/admin/merchants/{}/webhooks", m.id),
            Some(json!({"url": "http://127.0.0.1:9/hook"})),
        )
        .await;
    assert_eq!(hook.status, StatusCode::CREATED, "{}", hook.text);
}

#[tokio::test]
async fn a_pre_auth_code_is_the_terminal_s_signed_hold_offer() {
    for db in backends().await {
        let gw = gateway(&db).await;
        let m = gw.merchant("PUMP").await;
        let created = create_hold(&gw, &m, "PUMP-1", 10_000, 0).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
        let data = &created.body["data"];
        assert_eq!(data["status"], "CREATED");
        assert_eq!(data["held"], 0);
        assert_eq!(data["authorizationExpiry"], NOW + 3_600);
        // The offer verifies under the merchant's terminal key, for this chain and deployment.
        let offer = &data["offer"];
        let key: [u8; 32] = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(offer["publicKey"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        let signature: [u8; 64] = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(offer["signature"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        let address = |field: &str| {
            yenpay_client::address::from_sdk(
                aptos_sdk::types::AccountAddress::from_hex(offer[field].as_str().unwrap()).unwrap(),
            )
        };
        assert_eq!(
            address("terminal"),
            yenpay_client::address::from_sdk(m.terminal)
        );
        let signed = yenpay_client::types::hold::SignedHoldOffer {
            message: yenpay_client::types::hold::HoldOffer::new(
                CHAIN_ID,
                yenpay_client::address::from_sdk(package()),
                address("merchant"),
                address("terminal"),
                yenpay_client::types::limits::OrderRef::new("PUMP-1").unwrap(),
                10_000,
                0,
                (NOW + 3_600) as u64,
                offer["expiresAt"].as_u64().unwrap(),
            ),
            public_key: key,
            signature,
        };
        signed
            .check(
                yenpay_client::address::from_sdk(package()),
                CHAIN_ID,
                NOW as u64,
            )
            .unwrap();
        // The URI a wallet scans carries exactly that offer.
        let scanned = yenpay_qr::hold::decode(data["url"].as_str().unwrap()).unwrap();
        assert_eq!(scanned.signed, signed);
        // Nothing went on chain.
        assert!(gw.ledger.calls().is_empty(), "{:?}", gw.ledger.calls());
        // A reference is a hold's once, ever.
        let again = create_hold(&gw, &m, "PUMP-1", 5_000, 0).await;
        assert_eq!(
            (again.status, again.code()),
            (StatusCode::CONFLICT, "DUPLICATE_DYNAMIC_QR_REQUEST")
        );
        // Its state, to its merchant only.
        let state = gw.call(&m, "GET", "/v2/holds/PUMP-1", None).await;
        assert_eq!(state.status, StatusCode::OK, "{}", state.text);
        assert_eq!(state.body["data"]["status"], "CREATED");
        let other = gw.merchant("OTHER").await;
        let foreign = gw.call(&other, "GET", "/v2/holds/PUMP-1", None).await;
        assert_eq!(
            (foreign.status, foreign.code()),
            (StatusCode::NOT_FOUND, "HOLD_NOT_FOUND")
        );
    }
}

#[tokio::test]
async fn a_pre_auth_code_is_refused_outside_its_bounds() {
    for db in backends().await {
        let gw = gateway(&db).await;
        let m = gw.merchant("PUMP").await;
        for (body, why) in [
            (
                json!({"merchantPaymentId": "H-1", "amount": yen(999_999), "tipLimit": yen(2)}),
                "over the cap",
            ),
            (
                json!({"merchantPaymentId": "H-2", "amount": yen(100), "authorizationExpiry": NOW + 60}),
                "authorization before the code's expiry",
            ),
            (
                json!({"merchantPaymentId": "H-3", "amount": yen(100), "authorizationExpiry": NOW + 40 * 86_400}),
                "authorization over 31 days",
            ),
            (
                json!({"merchantPaymentId": "", "amount": yen(100)}),
                "empty reference",
            ),
            (
                json!({"merchantPaymentId": "H-4", "amount": yen(0)}),
                "nothing to hold",
            ),
        ] {
            let refused = gw.call(&m, "POST", "/v2/holds/codes", Some(body)).await;
            assert_eq!(
                refused.status,
                StatusCode::BAD_REQUEST,
                "{why}: {}",
                refused.text
            );
        }
    }
}

#[tokio::test]
async fn hold_routes_need_a_signed_request() {
    for db in backends().await {
        let gw = gateway(&db).await;
        let m = gw.merchant("PUMP").await;
        create_hold(&gw, &m, "PUMP-1", 10_000, 0).await;
        for (method, path, body) in [
            (
                "POST",
                "/v2/holds/codes",
                json!({"merchantPaymentId": "X", "amount": yen(1)}),
            ),
            (
                "POST",
                "/v2/holds/capture",
                json!({"merchantPaymentId": "PUMP-1", "merchantCaptureId": "C", "amount": yen(1)}),
            ),
            (
                "POST",
                "/v2/holds/revert",
                json!({"merchantPaymentId": "PUMP-1", "merchantRevertId": "R"}),
            ),
            ("GET", "/v2/holds/PUMP-1", Value::Null),
        ] {
            let request = Request::builder()
                .method(method)
                .uri(path)
                .header("content-type", "application/json")
                .body(if body.is_null() {
                    Body::empty()
                } else {
                    Body::from(body.to_string())
                })
                .unwrap();
            let refused = gw.send(request).await;
            assert_eq!(
                (refused.status, refused.code()),
                (StatusCode::UNAUTHORIZED, "UNAUTHORIZED"),
                "{method} {path}"
            );
        }
        assert!(gw.ledger.calls().is_empty());
    }
}

/// The fuel pump: ¥10,000 authorized, ¥6,380 captured as the final capture,
/// the rest back to the customer; every step's webhook in order.
#[tokio::test]
async fn the_fuel_pump_captures_the_final_amount_and_releases_the_rest() {
    for db in backends().await {
        let gw = gateway(&db).await;
        let m = gw.merchant("PUMP").await;
        with_webhook(&gw, &m).await;
        create_hold(&gw, &m, "PUMP-7", 10_000, 0).await;

        // Before a customer takes the code there is nothing to capture.
        let early = gw
            .call(&m, "POST", "/v2/holds/capture", Some(json!({"merchantPaymentId": "PUMP-7", "merchantCaptureId": "CAP-0", "amount": yen(6_380)})))
            .await;
        assert_eq!(
            (early.status, early.code()),
            (StatusCode::CONFLICT, "HOLD_NOT_AUTHORIZED")
        );

        // The customer's authorize_signed_hold, seen by the follower.
        let applied = apply(
            &gw,
            hold_tx(
                6_000,
                NOW + 5,
                None,
                vec![authorized(&m, "PUMP-7", 10_000, 0, NOW + 3_600)],
            ),
            NOW + 5,
        )
        .await;
        assert_eq!((applied.events, applied.webhooks), (1, 1));
        let state = gw.call(&m, "GET", "/v2/holds/PUMP-7", None).await;
        let data = &state.body["data"];
        assert_eq!(
            (
                data["status"].clone(),
                data["authorized"].clone(),
                data["held"].clone()
            ),
            (json!("AUTHORIZED"), json!(10_000), json!(10_000)),
            "{}",
            state.text
        );
        assert_eq!(data["customer"], CUSTOMER);

        // Refusals the gateway answers without a transaction.
        for (body, status, code) in [
            (
                json!({"merchantPaymentId": "PUMP-7", "merchantCaptureId": "CAP-X", "amount": yen(10_001)}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "CAPTURE_EXCEEDS_AUTHORIZED",
            ),
            (
                json!({"merchantPaymentId": "PUMP-7", "merchantCaptureId": "CAP-Y", "amount": yen(100), "tip": yen(1)}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "TIP_OVER_LIMIT",
            ),
            (
                json!({"merchantPaymentId": "PUMP-8", "merchantCaptureId": "CAP-Z", "amount": yen(100)}),
                StatusCode::NOT_FOUND,
                "HOLD_NOT_FOUND",
            ),
        ] {
            let refused = gw.call(&m, "POST", "/v2/holds/capture", Some(body)).await;
            assert_eq!(
                (refused.status, refused.code()),
                (status, code),
                "{}",
                refused.text
            );
        }
        // Another merchant cannot capture it.
        let other = gw.merchant("OTHER").await;
        let foreign = gw
            .call(&other, "POST", "/v2/holds/capture", Some(json!({"merchantPaymentId": "PUMP-7", "merchantCaptureId": "CAP-1", "amount": yen(6_380)})))
            .await;
        assert_eq!(
            (foreign.status, foreign.code()),
            (StatusCode::NOT_FOUND, "HOLD_NOT_FOUND")
        );
        assert!(gw.ledger.calls().is_empty(), "{:?}", gw.ledger.calls());

        // The final capture: the terminal signs hold::capture with release_rest.
        gw.ledger
            .hold_left
            .store(3_620, std::sync::atomic::Ordering::SeqCst);
        let body = json!({"merchantPaymentId": "PUMP-7", "merchantCaptureId": "CAP-1", "amount": yen(6_380), "final": true});
        let capture = gw
            .call_idem(&m, "POST", "/v2/holds/capture", body.clone(), "idem-cap-1")
            .await;
        assert_eq!(capture.status, StatusCode::OK, "{}", capture.text);
        let result = &capture.body["data"];
        assert_eq!(
            (
                result["status"].clone(),
                result["fee"].clone(),
                result["net"].clone(),
                result["released"].clone(),
                result["held"].clone()
            ),
            (
                json!("COMPLETED"),
                json!(63),
                json!(6_317),
                json!(3_620),
                json!(0)
            ),
            "{}",
            capture.text
        );
        assert_eq!(
            gw.ledger.calls(),
            [Call::CaptureHold {
                merchant: m.address,
                hold_ref: "PUMP-7".to_owned(),
                amount: 6_380,
                tip: 0,
                release_rest: true,
                signer: m.terminal,
            }]
        );
        // The same key replays the answer; with another body it is refused; a new key cannot capture twice.
        let replayed = gw
            .call_idem(&m, "POST", "/v2/holds/capture", body, "idem-cap-1")
            .await;
        assert_eq!(replayed.status, StatusCode::OK);
        assert_eq!(replayed.headers.get("idempotent-replayed").unwrap(), "true");
        let reused = gw
            .call_idem(&m, "POST", "/v2/holds/capture", json!({"merchantPaymentId": "PUMP-7", "merchantCaptureId": "CAP-1", "amount": yen(1)}), "idem-cap-1")
            .await;
        assert_eq!(
            (reused.status, reused.code()),
            (StatusCode::CONFLICT, "IDEMPOTENCY_KEY_REUSED")
        );
        let twice = gw
            .call_idem(&m, "POST", "/v2/holds/capture", json!({"merchantPaymentId": "PUMP-7", "merchantCaptureId": "CAP-1", "amount": yen(1)}), "idem-cap-2")
            .await;
        assert_eq!(
            (twice.status, twice.code()),
            (StatusCode::CONFLICT, "DUPLICATE_CAPTURE")
        );
        assert_eq!(gw.ledger.calls().len(), 1);

        // The follower sees the capture: the hold closes, the operation is the chain's.
        let hash = result["transactionHash"].as_str().unwrap().to_owned();
        apply(
            &gw,
            hold_tx(
                6_001,
                NOW + 30,
                Some(&hash),
                vec![captured(&m, "PUMP-7", 6_380, 0, 3_620, 0)],
            ),
            NOW + 30,
        )
        .await;
        let state = gw.call(&m, "GET", "/v2/holds/PUMP-7", None).await;
        let data = &state.body["data"];
        assert_eq!(
            (
                data["status"].clone(),
                data["captured"].clone(),
                data["released"].clone(),
                data["held"].clone(),
                data["fee"].clone(),
                data["net"].clone()
            ),
            (
                json!("CAPTURED"),
                json!(6_380),
                json!(3_620),
                json!(0),
                json!(63),
                json!(6_317)
            ),
            "{}",
            state.text
        );
        assert_eq!(data["operations"][0]["status"], "COMPLETED");
        assert_eq!(data["operations"][0]["merchantOperationId"], "CAP-1");
        // Captured + released = authorized: nothing left to void.
        let void = gw
            .call(
                &m,
                "POST",
                "/v2/holds/revert",
                Some(json!({"merchantPaymentId": "PUMP-7", "merchantRevertId": "REV-1"})),
            )
            .await;
        assert_eq!(
            (void.status, void.code()),
            (StatusCode::CONFLICT, "HOLD_CLOSED")
        );

        let events = outbox(&gw).await;
        let kinds: Vec<(&str, i64)> = events.iter().map(|(e, s, _)| (e.as_str(), *s)).collect();
        assert_eq!(kinds, [("HOLD_AUTHORIZED", 1), ("HOLD_CAPTURED", 2)]);
        let webhook = &events[1].2;
        assert_eq!(
            (
                webhook["status"].clone(),
                webhook["released"].clone(),
                webhook["event"]["amount"].clone()
            ),
            (json!("CAPTURED"), json!(3_620), json!(6_380))
        );
        assert_eq!(webhook["transactionHash"], hash);
        // A page read twice changes nothing.
        let again = apply(
            &gw,
            hold_tx(
                6_001,
                NOW + 30,
                Some(&hash),
                vec![captured(&m, "PUMP-7", 6_380, 0, 3_620, 0)],
            ),
            NOW + 30,
        )
        .await;
        assert_eq!((again.events, again.duplicates, again.webhooks), (0, 1, 0));
    }
}

/// A restaurant's tip, a partial capture and a partial void; the chain's
/// refusal recorded on the operation.
#[tokio::test]
async fn a_tip_partial_capture_and_partial_void() {
    for db in backends().await {
        let gw = gateway(&db).await;
        let m = gw.merchant("BISTRO").await;
        create_hold(&gw, &m, "TABLE-4", 5_000, 1_000).await;
        apply(
            &gw,
            hold_tx(
                6_000,
                NOW + 5,
                None,
                vec![authorized(&m, "TABLE-4", 5_000, 1_000, NOW + 3_600)],
            ),
            NOW + 5,
        )
        .await;
        gw.ledger
            .hold_left
            .store(1_000, std::sync::atomic::Ordering::SeqCst);
        let capture = gw
            .call(&m, "POST", "/v2/holds/capture", Some(json!({"merchantPaymentId": "TABLE-4", "merchantCaptureId": "BILL-1", "amount": yen(4_200), "tip": yen(800)})))
            .await;
        assert_eq!(capture.status, StatusCode::OK, "{}", capture.text);
        assert_eq!(
            (
                capture.body["data"]["tip"].clone(),
                capture.body["data"]["fee"].clone()
            ),
            (json!(800), json!(50))
        );
        let hash = capture.body["data"]["transactionHash"]
            .as_str()
            .unwrap()
            .to_owned();
        apply(
            &gw,
            hold_tx(
                6_001,
                NOW + 30,
                Some(&hash),
                vec![captured(&m, "TABLE-4", 4_200, 800, 0, 1_000)],
            ),
            NOW + 30,
        )
        .await;
        let state = gw.call(&m, "GET", "/v2/holds/TABLE-4", None).await;
        let data = &state.body["data"];
        assert_eq!(
            (
                data["status"].clone(),
                data["tipped"].clone(),
                data["held"].clone()
            ),
            (json!("AUTHORIZED"), json!(800), json!(1_000)),
            "{}",
            state.text
        );
        // The tip limit is spent down: 200 more at most.
        let tip = gw
            .call(&m, "POST", "/v2/holds/capture", Some(json!({"merchantPaymentId": "TABLE-4", "merchantCaptureId": "BILL-2", "amount": yen(100), "tip": yen(201)})))
            .await;
        assert_eq!(
            (tip.status, tip.code()),
            (StatusCode::UNPROCESSABLE_ENTITY, "TIP_OVER_LIMIT")
        );
        // Operations list by request time.
        gw.clock.advance(10);
        // More than is held cannot be voided; part of it can.
        let over = gw
            .call(&m, "POST", "/v2/holds/revert", Some(json!({"merchantPaymentId": "TABLE-4", "merchantRevertId": "REV-1", "amount": yen(1_001)})))
            .await;
        assert_eq!(
            (over.status, over.code()),
            (StatusCode::UNPROCESSABLE_ENTITY, "VOID_EXCEEDS_HELD")
        );
        // The chain refuses (say the customer was denylisted meanwhile): the operation fails, nothing counts.
        gw.ledger.set_next(Next::Reject("EDENYLISTED".to_owned()));
        let refused = gw
            .call(&m, "POST", "/v2/holds/revert", Some(json!({"merchantPaymentId": "TABLE-4", "merchantRevertId": "REV-2", "amount": yen(400)})))
            .await;
        assert_eq!(
            (refused.status, refused.code()),
            (StatusCode::UNPROCESSABLE_ENTITY, "CHAIN_REJECTED")
        );
        gw.ledger.set_next(Next::Succeed);
        gw.clock.advance(10);
        gw.ledger
            .hold_left
            .store(600, std::sync::atomic::Ordering::SeqCst);
        let void = gw
            .call(&m, "POST", "/v2/holds/revert", Some(json!({"merchantPaymentId": "TABLE-4", "merchantRevertId": "REV-3", "amount": yen(400)})))
            .await;
        assert_eq!(void.status, StatusCode::OK, "{}", void.text);
        assert_eq!(
            (
                void.body["data"]["released"].clone(),
                void.body["data"]["held"].clone()
            ),
            (json!(400), json!(600))
        );
        let state = gw.call(&m, "GET", "/v2/holds/TABLE-4", None).await;
        let operations = &state.body["data"]["operations"];
        let statuses: Vec<(&str, &str)> = operations
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                (
                    o["merchantOperationId"].as_str().unwrap(),
                    o["status"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            statuses,
            [
                ("BILL-1", "COMPLETED"),
                ("REV-2", "FAILED"),
                ("REV-3", "COMPLETED")
            ]
        );
        assert!(
            operations[1]["failureReason"]
                .as_str()
                .unwrap()
                .contains("EDENYLISTED")
        );
    }
}

/// No capture after expiry: the gateway refuses it, the follower marks the
/// hold expired by the chain's clock and says so; a void (or the reclaim)
/// still gives the yen back.
#[tokio::test]
async fn no_capture_after_the_authorization_expired() {
    for db in backends().await {
        let gw = gateway(&db).await;
        let m = gw.merchant("HOTEL").await;
        with_webhook(&gw, &m).await;
        create_hold(&gw, &m, "ROOM-101", 30_000, 0).await;
        apply(
            &gw,
            hold_tx(
                6_000,
                NOW + 5,
                None,
                vec![authorized(&m, "ROOM-101", 30_000, 0, NOW + 3_600)],
            ),
            NOW + 5,
        )
        .await;
        gw.clock.set(NOW + 3_600);
        let late = gw
            .call(&m, "POST", "/v2/holds/capture", Some(json!({"merchantPaymentId": "ROOM-101", "merchantCaptureId": "CAP-1", "amount": yen(20_000)})))
            .await;
        assert_eq!(
            (late.status, late.code()),
            (StatusCode::CONFLICT, "AUTHORIZATION_EXPIRED")
        );
        assert!(gw.ledger.calls().is_empty());
        // The chain's clock passes capture_before: EXPIRED, once.
        let applied = apply(
            &gw,
            filler(6_001, (NOW as u64 + 3_600) * 1_000_000),
            NOW + 3_600,
        )
        .await;
        assert_eq!((applied.expired, applied.webhooks), (1, 1));
        let state = gw.call(&m, "GET", "/v2/holds/ROOM-101", None).await;
        assert_eq!(
            (
                state.body["data"]["status"].clone(),
                state.body["data"]["held"].clone()
            ),
            (json!("EXPIRED"), json!(30_000))
        );
        let again = apply(
            &gw,
            filler(6_002, (NOW as u64 + 3_601) * 1_000_000),
            NOW + 3_601,
        )
        .await;
        assert_eq!(again.expired, 0);
        // The customer reclaims (anyone may submit it): RECLAIMED, the yen back.
        apply(
            &gw,
            hold_tx(6_003, NOW + 3_700, None, vec![("HoldReclaimed", json!({
                "merchant": m.address.to_hex(), "hold_ref": "ROOM-101", "customer": CUSTOMER,
                "amount": "30000", "reclaimed_by": CUSTOMER,
            }))]),
            NOW + 3_700,
        )
        .await;
        let state = gw.call(&m, "GET", "/v2/holds/ROOM-101", None).await;
        assert_eq!(
            (
                state.body["data"]["status"].clone(),
                state.body["data"]["released"].clone(),
                state.body["data"]["held"].clone()
            ),
            (json!("RECLAIMED"), json!(30_000), json!(0))
        );
        let kinds: Vec<String> = outbox(&gw).await.into_iter().map(|(e, _, _)| e).collect();
        assert_eq!(kinds, ["HOLD_AUTHORIZED", "HOLD_EXPIRED", "HOLD_RECLAIMED"]);
    }
}

/// An increase (the customer's transaction) raises what can be captured;
/// a full void closes the hold as VOIDED.
#[tokio::test]
async fn an_increase_then_a_full_void() {
    for db in backends().await {
        let gw = gateway(&db).await;
        let m = gw.merchant("EV").await;
        with_webhook(&gw, &m).await;
        create_hold(&gw, &m, "CHARGE-3", 2_000, 0).await;
        apply(
            &gw,
            hold_tx(
                6_000,
                NOW + 5,
                None,
                vec![authorized(&m, "CHARGE-3", 2_000, 0, NOW + 3_600)],
            ),
            NOW + 5,
        )
        .await;
        apply(
            &gw,
            hold_tx(
                6_001,
                NOW + 60,
                None,
                vec![(
                    "HoldIncreased",
                    json!({
                        "merchant": m.address.to_hex(), "hold_ref": "CHARGE-3", "amount": "1500",
                        "authorized": "3500", "capture_before": (NOW + 7_200).to_string(),
                    }),
                )],
            ),
            NOW + 60,
        )
        .await;
        let state = gw.call(&m, "GET", "/v2/holds/CHARGE-3", None).await;
        let data = &state.body["data"];
        assert_eq!(
            (
                data["authorized"].clone(),
                data["held"].clone(),
                data["authorizationExpiry"].clone()
            ),
            (json!(3_500), json!(3_500), json!(NOW + 7_200))
        );
        // A full revert: all that is held, by the terminal.
        let void = gw
            .call(&m, "POST", "/v2/holds/revert", Some(json!({"merchantPaymentId": "CHARGE-3", "merchantRevertId": "REV-1", "reason": "charger fault"})))
            .await;
        assert_eq!(void.status, StatusCode::OK, "{}", void.text);
        assert_eq!(
            gw.ledger.calls(),
            [Call::VoidHold {
                merchant: m.address,
                hold_ref: "CHARGE-3".to_owned(),
                amount: 3_500,
                signer: m.terminal
            }]
        );
        let hash = void.body["data"]["transactionHash"]
            .as_str()
            .unwrap()
            .to_owned();
        apply(
            &gw,
            hold_tx(6_002, NOW + 90, Some(&hash), vec![("HoldVoided", json!({
                "merchant": m.address.to_hex(), "hold_ref": "CHARGE-3", "customer": CUSTOMER,
                "amount": "3500", "held": "0", "voided_by": m.terminal.to_hex(),
            }))]),
            NOW + 90,
        )
        .await;
        let state = gw.call(&m, "GET", "/v2/holds/CHARGE-3", None).await;
        assert_eq!(
            (
                state.body["data"]["status"].clone(),
                state.body["data"]["held"].clone()
            ),
            (json!("VOIDED"), json!(0))
        );
        let events = outbox(&gw).await;
        let kinds: Vec<(&str, i64)> = events.iter().map(|(e, s, _)| (e.as_str(), *s)).collect();
        assert_eq!(
            kinds,
            [
                ("HOLD_AUTHORIZED", 1),
                ("HOLD_AUTHORIZED", 2),
                ("HOLD_VOIDED", 3)
            ]
        );
        assert_eq!(events[1].2["event"]["increasedBy"], 1_500);
    }
}

/// A hold taken from a code the gateway did not sign is recorded from the
/// chain, and a code nobody took expires with a webhook.
#[tokio::test]
async fn holds_from_the_chain_and_untaken_codes() {
    for db in backends().await {
        let gw = gateway(&db).await;
        let m = gw.merchant("SHOP").await;
        with_webhook(&gw, &m).await;
        apply(
            &gw,
            hold_tx(
                6_000,
                NOW + 5,
                None,
                vec![authorized(&m, "ELSEWHERE-1", 700, 0, NOW + 3_600)],
            ),
            NOW + 5,
        )
        .await;
        let state = gw.call(&m, "GET", "/v2/holds/ELSEWHERE-1", None).await;
        assert_eq!(
            (
                state.body["data"]["status"].clone(),
                state.body["data"]["authorized"].clone()
            ),
            (json!("AUTHORIZED"), json!(700)),
            "{}",
            state.text
        );
        let code = create_hold(&gw, &m, "UNTAKEN-1", 700, 0).await;
        let expiry = code.body["data"]["expiryDate"].as_i64().unwrap();
        let applied = apply(&gw, filler(6_001, expiry as u64 * 1_000_000), expiry).await;
        assert_eq!(applied.expired, 1);
        let state = gw.call(&m, "GET", "/v2/holds/UNTAKEN-1", None).await;
        assert_eq!(state.body["data"]["status"], "EXPIRED");
        let revert = gw
            .call(
                &m,
                "POST",
                "/v2/holds/revert",
                Some(json!({"merchantPaymentId": "UNTAKEN-1", "merchantRevertId": "REV-1"})),
            )
            .await;
        assert_eq!(
            (revert.status, revert.code()),
            (StatusCode::CONFLICT, "HOLD_NOT_AUTHORIZED")
        );
        let kinds: Vec<String> = outbox(&gw).await.into_iter().map(|(e, _, _)| e).collect();
        assert_eq!(kinds, ["HOLD_AUTHORIZED", "HOLD_EXPIRED"]);
    }
}

/// The customer's `authorize_signed_hold` of `signed`, as a wallet sends it.
fn take_hold(signed: &yenpay_client::types::hold::SignedHoldOffer) -> crate::sponsor::Tx {
    let call = yenpay_client::hold::Calls::new(package())
        .authorize_offer(signed)
        .unwrap();
    crate::sponsor::Tx::of(aptos_sdk::transaction::TransactionPayload::EntryFunction(
        call,
    ))
}

async fn issued_hold(
    gw: &TestGateway,
    m: &TestMerchant,
    id: &str,
) -> yenpay_client::types::hold::SignedHoldOffer {
    let pool = &gw.state.db.pool;
    let hold = yenpay_gateway::store::holds::by_reference(pool, &m.address.to_hex(), id)
        .await
        .unwrap()
        .unwrap();
    let shop = yenpay_gateway::store::merchants::by_address(pool, &m.address.to_hex())
        .await
        .unwrap()
        .unwrap();
    yenpay_gateway::offer::of_hold(&gw.state.config, &gw.state.kek, &shop, &hold, None).unwrap()
}

/// Sponsoring takes a hold code only as the gateway issued it, untaken and
/// unexpired, once.
#[tokio::test]
async fn a_hold_code_is_sponsored_only_as_issued() {
    use aptos_sdk::account::Ed25519Account;
    use yenpay_client::types::hold::HoldMessage;
    for db in backends().await {
        let gw = gateway(&db).await;
        let m = gw.merchant("PUMP").await;
        let operator = crate::sponsor::operator(&gw);
        create_hold(&gw, &m, "PUMP-9", 10_000, 0).await;
        let signed = issued_hold(&gw, &m, "PUMP-9").await;
        let customer = Ed25519Account::generate();

        // Another amount, or the same terms signed by a key the gateway never held: refused.
        let mut more = signed.clone();
        more.message.amount = 20_000;
        let refused = crate::sponsor::post(&gw, take_hold(&more).body(&customer, operator)).await;
        assert_eq!(
            (refused.status, refused.code()),
            (StatusCode::FORBIDDEN, "SPONSOR_AMOUNT_MISMATCH"),
            "{}",
            refused.text
        );
        let stranger = ed25519_dalek::SigningKey::from_bytes(&[0x5a; 32]);
        let forged = signed
            .message
            .clone()
            .sign(yenpay_client::address::from_sdk(package()), &stranger)
            .unwrap();
        let refused = crate::sponsor::post(&gw, take_hold(&forged).body(&customer, operator)).await;
        assert_eq!(
            (refused.status, refused.code()),
            (StatusCode::FORBIDDEN, "SPONSOR_NOT_ISSUED_CODE"),
            "{}",
            refused.text
        );
        assert!(gw.ledger.signed.lock().unwrap().is_empty());

        // As issued: co-signed and submitted.
        let taken = crate::sponsor::post(&gw, take_hold(&signed).body(&customer, operator)).await;
        assert_eq!(taken.status, StatusCode::CREATED, "{}", taken.text);
        let submitted = gw.ledger.signed.lock().unwrap().clone();
        assert_eq!(submitted.len(), 1);
        assert_eq!(submitted[0].raw_txn.sender, customer.address());
        // Once: a second customer cannot take the same code on the operator's gas.
        let again = crate::sponsor::post(
            &gw,
            take_hold(&signed).body(&Ed25519Account::generate(), operator),
        )
        .await;
        assert_eq!(
            (again.status, again.code()),
            (StatusCode::CONFLICT, "SPONSOR_CODE_ALREADY_SPONSORED"),
            "{}",
            again.text
        );

        // An expired code is not sponsored.
        create_hold(&gw, &m, "PUMP-10", 10_000, 0).await;
        let late = issued_hold(&gw, &m, "PUMP-10").await;
        gw.clock.set(late.message.expires_at as i64);
        let mut tx = take_hold(&late);
        tx.expiration = late.message.expires_at + 60;
        let refused = crate::sponsor::post(&gw, tx.body(&customer, operator)).await;
        assert_eq!(
            (refused.status, refused.code()),
            (StatusCode::FORBIDDEN, "SPONSOR_NO_LIVE_INVOICE"),
            "{}",
            refused.text
        );
    }
}

/// The customer's increase of a hold it took from the gateway's code is
/// sponsored; nobody else's, and not after expiry.
#[tokio::test]
async fn an_increase_by_the_hold_s_customer_is_sponsored() {
    use aptos_sdk::account::Ed25519Account;
    for db in backends().await {
        let gw = gateway(&db).await;
        let m = gw.merchant("HOTEL").await;
        let operator = crate::sponsor::operator(&gw);
        let customer = Ed25519Account::generate();
        create_hold(&gw, &m, "ROOM-7", 20_000, 0).await;
        let (name, mut data) = authorized(&m, "ROOM-7", 20_000, 0, NOW + 3_600);
        data["customer"] = json!(customer.address().to_hex());
        apply(
            &gw,
            hold_tx(6_000, NOW + 5, None, vec![(name, data)]),
            NOW + 5,
        )
        .await;
        let increase = |amount: u64| {
            let call = yenpay_client::hold::Calls::new(package())
                .increase_authorization(
                    m.address,
                    &yenpay_client::types::limits::OrderRef::new("ROOM-7").unwrap(),
                    amount,
                    (NOW + 7_200) as u64,
                )
                .unwrap();
            crate::sponsor::Tx::of(aptos_sdk::transaction::TransactionPayload::EntryFunction(
                call,
            ))
        };
        let stranger = Ed25519Account::generate();
        let refused = crate::sponsor::post(&gw, increase(5_000).body(&stranger, operator)).await;
        assert_eq!(
            (refused.status, refused.code()),
            (StatusCode::FORBIDDEN, "SPONSOR_NOT_HOLDS_CUSTOMER"),
            "{}",
            refused.text
        );
        let raised = crate::sponsor::post(&gw, increase(5_000).body(&customer, operator)).await;
        assert_eq!(raised.status, StatusCode::CREATED, "{}", raised.text);
        let submitted = gw.ledger.signed.lock().unwrap().clone();
        assert_eq!(submitted.len(), 1);
        assert_eq!(submitted[0].raw_txn.sender, customer.address());
        // The same increase again waits for the follower (one claim per hold and total).
        let again = crate::sponsor::post(&gw, increase(5_000).body(&customer, operator)).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
        // After the authorization expired: nothing to raise.
        gw.clock.set(NOW + 3_600);
        let mut late = increase(1_000);
        late.expiration = (NOW + 3_660) as u64;
        let refused = crate::sponsor::post(&gw, late.body(&customer, operator)).await;
        assert_eq!(
            (refused.status, refused.code()),
            (StatusCode::FORBIDDEN, "SPONSOR_NO_LIVE_INVOICE"),
            "{}",
            refused.text
        );
    }
}

/// A capture or void whose outcome the gateway did not learn is settled by
/// the reconciler as refunds are: committed (the follower alone applies its
/// amounts), or failed once its transaction can no longer commit; one whose
/// request died before it learnt the hash is completed by the follower
/// from its event, and failed only if nothing like it committed.
#[tokio::test]
async fn the_reconciler_settles_hold_operations_with_unknown_outcomes() {
    use yenpay_gateway::reconcile;
    use yenpay_gateway::store::holds::{self, NewOperation, OperationKind, OperationStatus};
    for db in backends().await {
        let gw = gateway(&db).await;
        let m = gw.merchant("PUMP").await;
        let merchant = m.address.to_hex();
        create_hold(&gw, &m, "PUMP-9", 10_000, 0).await;
        apply(
            &gw,
            hold_tx(
                6_000,
                NOW + 5,
                None,
                vec![authorized(&m, "PUMP-9", 10_000, 0, NOW + 3_600)],
            ),
            NOW + 5,
        )
        .await;
        let pool = &gw.state.db.pool;
        let merchant_ref = merchant.as_str();
        let operation = |id: &'static str| async move {
            holds::operation_by_merchant_id(pool, merchant_ref, id)
                .await
                .unwrap()
                .unwrap()
        };

        // A capture and a void submitted with unknown outcomes.
        gw.ledger.set_next(Next::Unavailable);
        let capture = gw
            .call(&m, "POST", "/v2/holds/capture", Some(json!({"merchantPaymentId": "PUMP-9", "merchantCaptureId": "CAP-U", "amount": yen(6_380)})))
            .await;
        assert_eq!(
            capture.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{}",
            capture.text
        );
        let revert = gw
            .call(&m, "POST", "/v2/holds/revert", Some(json!({"merchantPaymentId": "PUMP-9", "merchantRevertId": "REV-U", "amount": yen(1_000)})))
            .await;
        assert_eq!(
            revert.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{}",
            revert.text
        );
        gw.ledger.set_next(Next::Succeed);
        let captured_op = operation("CAP-U").await;
        let reverted_op = operation("REV-U").await;
        assert_eq!(
            (captured_op.status, reverted_op.status),
            (OperationStatus::Submitted, OperationStatus::Submitted),
            "{}",
            db.name
        );
        let capture_hash = captured_op.tx_hash.clone().expect("the hash to look up");
        // Two requests that died after writing their rows: a void that
        // committed and a capture that never did.
        let hold = holds::by_reference(pool, &merchant, "PUMP-9")
            .await
            .unwrap()
            .unwrap();
        for (id, kind, amount) in [
            ("REV-DIED", OperationKind::Void, 500),
            ("CAP-DIED", OperationKind::Capture, 200),
        ] {
            let new = NewOperation {
                merchant_address: &merchant,
                merchant_operation_id: id,
                hold_id: &hold.hold_id,
                kind,
                amount,
                tip: 0,
                final_capture: false,
                requested_at: NOW,
            };
            holds::reserve_operation(&gw.state.db, &new)
                .await
                .unwrap()
                .unwrap();
        }

        // Neither submitted transaction committed nor expired yet: they wait
        // (the died ones are not looked at before a lifetime passed).
        let waiting = reconcile::run_once(&gw.state).await.unwrap();
        assert_eq!(
            (
                waiting.waiting,
                waiting.operations_committed,
                waiting.operations_failed
            ),
            (2, 0, 0)
        );
        // The node later shows the capture committed: completed, with its hash.
        gw.ledger.commit(&capture_hash);
        let settled = reconcile::run_once(&gw.state).await.unwrap();
        assert_eq!((settled.operations_committed, settled.waiting), (1, 1));
        let done = operation("CAP-U").await;
        assert_eq!(done.status, OperationStatus::Completed);
        assert_eq!(done.tx_hash.as_deref(), Some(capture_hash.as_str()));
        // The reconciler counted nothing on the hold: the follower does, once.
        let hold = holds::by_reference(pool, &merchant, "PUMP-9")
            .await
            .unwrap()
            .unwrap();
        assert_eq!((hold.captured, hold.released), (0, 0));
        apply(
            &gw,
            hold_tx(
                6_001,
                NOW + 10,
                Some(&capture_hash),
                vec![captured(&m, "PUMP-9", 6_380, 0, 0, 3_620)],
            ),
            NOW + 10,
        )
        .await;
        // The died void committed (its hash never stored): the follower
        // completes it from its event.
        apply(
            &gw,
            hold_tx(
                6_002,
                NOW + 11,
                None,
                vec![(
                    "HoldVoided",
                    json!({
                        "merchant": merchant, "hold_ref": "PUMP-9", "customer": CUSTOMER,
                        "amount": "500", "held": "3120", "voided_by": m.terminal.to_hex(),
                    }),
                )],
            ),
            NOW + 11,
        )
        .await;
        let hold = holds::by_reference(pool, &merchant, "PUMP-9")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (hold.captured, hold.released, hold.held()),
            (6_380, 500, 3_120)
        );
        let died_void = operation("REV-DIED").await;
        assert_eq!(died_void.status, OperationStatus::Completed, "{}", db.name);
        assert_eq!(
            died_void.tx_hash.as_deref(),
            Some(format!("0x{:064x}", 6_002).as_str())
        );

        // Past the latest the other two could expire (signed at the end of
        // their request, a lifetime before expiring) and followed past it:
        // neither can commit any more, failed.
        let lifetime = gw.state.config.submission_lifetime.as_secs() as i64;
        let request = gw.state.config.server.request_timeout.as_secs() as i64;
        let lost_at = NOW + lifetime + request;
        gw.clock.set(lost_at + 1);
        gw.ledger.set_head_time(lost_at);
        sqlx::query("UPDATE follower_cursor SET applied_timestamp_us = $1")
            .bind(lost_at * 1_000_000)
            .execute(pool)
            .await
            .unwrap();
        let early = reconcile::run_once(&gw.state).await.unwrap();
        assert_eq!(
            (early.waiting, early.operations_failed),
            (2, 0),
            "not past it yet"
        );
        gw.ledger.set_head_time(lost_at + 1);
        sqlx::query("UPDATE follower_cursor SET applied_timestamp_us = $1")
            .bind((lost_at + 1) * 1_000_000)
            .execute(pool)
            .await
            .unwrap();
        let settled = reconcile::run_once(&gw.state).await.unwrap();
        assert_eq!((settled.operations_failed, settled.waiting), (2, 0));
        for id in ["REV-U", "CAP-DIED"] {
            let failed = operation(id).await;
            assert_eq!(failed.status, OperationStatus::Failed, "{id}");
            assert!(
                failed
                    .failure
                    .as_deref()
                    .unwrap()
                    .starts_with("NOT_COMMITTED"),
                "{id}: {:?}",
                failed.failure
            );
        }
        // The API shows them so; nothing is left unsettled.
        let shown = gw.call(&m, "GET", "/v2/holds/PUMP-9", None).await;
        assert_eq!(shown.body["data"]["held"], 3_120, "{}", shown.text);
        assert_eq!(
            reconcile::run_once(&gw.state).await.unwrap(),
            reconcile::Settled::default()
        );
    }
}

/// A customer listed after the hold was taken: the merchant's capture and
/// its void are refused by screening before anything is signed (the yen
/// stay in escrow for the operator to seize), with one verdict row for the
/// hold however often it is asked; once delisted, the capture goes through.
#[tokio::test]
async fn a_customer_listed_after_taking_a_hold_is_neither_captured_nor_voided_back() {
    for db in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let list = dir.path().join("sanctions.txt");
        std::fs::write(&list, "# nobody yet\n").unwrap();
        let mut config = config();
        config.follower_start_version = 3_900;
        config.compliance.list_file = Some(list.clone());
        let gw = TestGateway::with_config(&db, config).await;
        let m = gw.merchant("HOTEL").await;
        create_hold(&gw, &m, "ROOM-7", 20_000, 0).await;
        apply(
            &gw,
            hold_tx(
                6_000,
                NOW + 5,
                None,
                vec![authorized(&m, "ROOM-7", 20_000, 0, NOW + 3_600)],
            ),
            NOW + 5,
        )
        .await;
        std::fs::write(&list, format!("{CUSTOMER} # listed since the check-in\n")).unwrap();

        for attempt in 0..3 {
            let capture = gw
                .call(&m, "POST", "/v2/holds/capture", Some(json!({"merchantPaymentId": "ROOM-7", "merchantCaptureId": format!("CAP-{attempt}"), "amount": yen(15_000)})))
                .await;
            assert_eq!(
                (capture.status, capture.code()),
                (StatusCode::FORBIDDEN, "SCREENING_DENIED"),
                "{}: {}",
                db.name,
                capture.text
            );
        }
        let void = gw
            .call(
                &m,
                "POST",
                "/v2/holds/revert",
                Some(json!({"merchantPaymentId": "ROOM-7", "merchantRevertId": "VOID-1"})),
            )
            .await;
        assert_eq!(
            (void.status, void.code()),
            (StatusCode::FORBIDDEN, "SCREENING_DENIED"),
            "{}",
            void.text
        );
        // Nothing signed, no operation reserved, the hold as it was.
        assert!(gw.ledger.calls().is_empty());
        let operations: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM hold_operations")
            .fetch_one(&gw.state.db.pool)
            .await
            .unwrap();
        assert_eq!(operations, 0);
        let state = gw.call(&m, "GET", "/v2/holds/ROOM-7", None).await;
        assert_eq!(
            (
                state.body["data"]["status"].clone(),
                state.body["data"]["held"].clone()
            ),
            (json!("AUTHORIZED"), json!(20_000))
        );
        let verdicts =
            yenpay_gateway::store::compliance::latest(&gw.state.db.pool, Some(CUSTOMER), 10)
                .await
                .unwrap();
        assert_eq!(verdicts.len(), 1, "one row for the hold: {verdicts:?}");
        assert_eq!(
            (verdicts[0].context.as_str(), verdicts[0].verdict.as_deref()),
            ("HOLD", Some("DENY"))
        );

        std::fs::write(&list, "# delisted after review\n").unwrap();
        let capture = gw
            .call(&m, "POST", "/v2/holds/capture", Some(json!({"merchantPaymentId": "ROOM-7", "merchantCaptureId": "CAP-9", "amount": yen(15_000)})))
            .await;
        assert_eq!(capture.status, StatusCode::OK, "{}", capture.text);
        assert_eq!(gw.ledger.calls().len(), 1, "{:?}", gw.ledger.calls());
    }
}
