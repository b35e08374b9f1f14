//! The merchant and admin API: auth, validation, idempotency, codes,
//! refunds, customer-presented payments, isolation between merchants. Every
//! test runs on each database backend.

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use serde_json::json;
use yenpay_qr::mpm::{PaymentRequest, YenpayPayment};

#[tokio::test]
async fn health_and_routes_answer_json() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        let ok = gw
            .send(Request::get("/healthz").body(Body::empty()).unwrap())
            .await;
        assert_eq!(ok.status, StatusCode::OK);
        let missing = gw
            .send(Request::get("/v2/nothing").body(Body::empty()).unwrap())
            .await;
        assert_eq!(
            (missing.status, missing.code()),
            (StatusCode::NOT_FOUND, "NOT_FOUND")
        );
        let wrong_method = gw
            .send(Request::put("/healthz").body(Body::empty()).unwrap())
            .await;
        assert_eq!(
            wrong_method.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{}",
            db.name
        );
        assert_eq!(wrong_method.code(), "METHOD_NOT_ALLOWED");
    }
}

#[tokio::test]
async fn readiness_follows_the_follower() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        let before = gw
            .send(Request::get("/readyz").body(Body::empty()).unwrap())
            .await;
        assert_eq!(
            before.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "no poll yet"
        );
        gw.ledger
            .head_version
            .store(0, std::sync::atomic::Ordering::SeqCst);
        gw.ledger
            .page
            .lock()
            .unwrap()
            .push(filler(0, NOW as u64 * 1_000_000));
        yenpay_gateway::follower::poll_once(&gw.state)
            .await
            .unwrap();
        let after = gw
            .send(Request::get("/readyz").body(Body::empty()).unwrap())
            .await;
        assert_eq!(after.status, StatusCode::OK, "{}", after.text);
        assert_eq!(after.body["followerLagVersions"], 0);
    }
}

#[tokio::test]
async fn admin_needs_the_token() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        let body = json!({"ownerAddress": "0xabc", "name": "SHOP"}).to_string();
        for auth in [None, Some("Bearer wrong"), Some("Basic xyz")] {
            let mut request = Request::post("/admin/merchants");
            if let Some(auth) = auth {
                request = request.header("authorization", auth);
            }
            let answer = gw
                .send_admin(request.body(Body::from(body.clone())).unwrap())
                .await;
            assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{auth:?}");
        }
        // The admin API is not on the public listener at all.
        let public = gw
            .send(
                Request::post("/admin/merchants")
                    .header("authorization", format!("Bearer {ADMIN_TOKEN}"))
                    .body(Body::from(body.clone()))
                    .unwrap(),
            )
            .await;
        assert_eq!(public.status, StatusCode::NOT_FOUND);
        let answer = gw
            .admin(
                "POST",
                "/admin/merchants",
                Some(json!({"ownerAddress": "0xabc", "name": "SHOP"})),
            )
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
        let again = gw
            .admin(
                "POST",
                "/admin/merchants",
                Some(json!({"ownerAddress": "0xabc", "name": "SHOP"})),
            )
            .await;
        assert_eq!(
            (again.status, again.code()),
            (StatusCode::CONFLICT, "MERCHANT_EXISTS")
        );
    }
}

#[tokio::test]
async fn admin_validates_onboarding() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        for bad in [
            json!({"ownerAddress": "abc", "name": "SHOP"}),
            json!({"ownerAddress": "0xzz", "name": "SHOP"}),
            json!({"ownerAddress": "0xabc", "name": ""}),
            json!({"ownerAddress": "0xabc", "name": "やきとり"}),
            json!({"ownerAddress": "0xabc", "name": "A".repeat(26)}),
            json!({"ownerAddress": "0xabc", "name": "SHOP", "mcc": "58"}),
            json!({"ownerAddress": "0xabc", "name": "SHOP", "city": "C".repeat(16)}),
            json!({"ownerAddress": "0xabc", "name": "SHOP", "extra": 1}),
            json!({"name": "SHOP"}),
            json!([1, 2]),
        ] {
            let answer = gw
                .admin("POST", "/admin/merchants", Some(bad.clone()))
                .await;
            assert_eq!(
                (answer.status, answer.code()),
                (StatusCode::BAD_REQUEST, "INVALID_PARAMS"),
                "{bad}"
            );
        }
        let missing = gw.admin("GET", "/admin/merchants/mer_nope", None).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        let webhook = gw
            .admin(
                "POST",
                "/admin/merchants/mer_nope/webhooks",
                Some(json!({"url": "http://x"})),
            )
            .await;
        assert_eq!(webhook.status, StatusCode::NOT_FOUND);
        let m = gw.merchant("SHOP").await;
        for url in ["ftp://x/", "not a url", "/relative"] {
            let answer = gw
                .admin(
                    "POST",
                    &format!("/admin/merchants/{}/webhooks", m.id),
                    Some(json!({"url": url})),
                )
                .await;
            assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{url}");
        }
    }
}

#[tokio::test]
async fn signatures_are_checked() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        let m = gw.merchant("SHOP").await;
        let path = "/v2/codes/payments/none";
        // A correct signature passes auth (the payment does not exist: 404).
        let good = gw.call(&m, "GET", path, None).await;
        assert_eq!(
            (good.status, good.code()),
            (StatusCode::NOT_FOUND, "DYNAMIC_QR_PAYMENT_NOT_FOUND")
        );

        let send = |authorization: String, body: &'static str| {
            Request::get(path)
                .header("authorization", authorization)
                .body(Body::from(body))
                .unwrap()
        };
        let now = NOW;
        let sign = |secret: &str, nonce: &str, epoch: i64, body: &[u8]| {
            yenpay_gateway::auth::sign_request(&m.key_id, secret, "GET", path, body, nonce, epoch)
        };
        let cases = [
            (String::new(), "", "UNAUTHORIZED"),
            ("hmac OPA-Auth:broken".to_owned(), "", "UNAUTHORIZED"),
            (
                sign("ysk_wrong", "nonce-aaaa01", now, b""),
                "",
                "INVALID_SIGNATURE",
            ),
            (
                sign(&m.secret, "nonce-aaaa02", now - 121, b""),
                "",
                "REQUEST_EXPIRED",
            ),
            (
                sign(&m.secret, "nonce-aaaa03", now + 121, b""),
                "",
                "REQUEST_EXPIRED",
            ),
            (
                sign(&m.secret, "nonce-aaaa04", now, b""),
                "tampered",
                "BODY_HASH_MISMATCH",
            ),
            (
                yenpay_gateway::auth::sign_request(
                    "key_unknown",
                    &m.secret,
                    "GET",
                    path,
                    b"",
                    "nonce-aaaa05",
                    now,
                ),
                "",
                "INVALID_SIGNATURE",
            ),
            (
                yenpay_gateway::auth::sign_request(
                    &m.key_id,
                    &m.secret,
                    "GET",
                    "/v2/other",
                    b"",
                    "nonce-aaaa06",
                    now,
                ),
                "",
                "INVALID_SIGNATURE",
            ),
        ];
        for (authorization, body, code) in cases {
            let answer = gw.send(send(authorization.clone(), body)).await;
            assert_eq!(
                (answer.status, answer.code()),
                (StatusCode::UNAUTHORIZED, code),
                "{authorization}"
            );
        }
        // Inside the window on either side.
        let edge = gw
            .send(send(sign(&m.secret, "nonce-edge-1", now - 120, b""), ""))
            .await;
        assert_eq!(edge.status, StatusCode::NOT_FOUND);
        // A nonce is good once.
        let first = gw
            .send(send(sign(&m.secret, "nonce-once-1", now, b""), ""))
            .await;
        assert_eq!(first.status, StatusCode::NOT_FOUND);
        let replay = gw
            .send(send(sign(&m.secret, "nonce-once-1", now, b""), ""))
            .await;
        assert_eq!(
            (replay.status, replay.code()),
            (StatusCode::UNAUTHORIZED, "NONCE_REUSED")
        );
        // A revoked key authenticates nothing.
        let revoked = gw
            .admin(
                "DELETE",
                &format!("/admin/merchants/{}/keys/{}", m.id, m.key_id),
                None,
            )
            .await;
        assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text);
        let after = gw.call(&m, "GET", path, None).await;
        assert_eq!(
            (after.status, after.code()),
            (StatusCode::UNAUTHORIZED, "INVALID_SIGNATURE")
        );
    }
}

/// docs/integration.md: the MAC covers the request target as sent, its
/// percent-escapes untouched, and not the decoded path.
#[tokio::test]
async fn the_signature_covers_the_path_as_sent() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        let m = gw.merchant("SHOP").await;
        assert_eq!(
            gw.create_code(&m, "INV 7/1", 1000).await.status,
            StatusCode::CREATED
        );
        // The query is signed too (this handler ignores it).
        let sent = "/v2/codes/payments/INV%207%2F1?format=svg";
        let attempt = |signed: &str, nonce: &str| {
            let authorization = yenpay_gateway::auth::sign_request(
                &m.key_id, &m.secret, "GET", signed, b"", nonce, NOW,
            );
            Request::get(sent)
                .header("authorization", authorization)
                .body(Body::empty())
                .unwrap()
        };
        let read = gw.send(attempt(sent, "nonce-path-01")).await;
        assert_eq!(read.status, StatusCode::OK, "{} {}", db.name, read.text);
        assert_eq!(read.body["data"]["merchantPaymentId"], "INV 7/1");
        for (signed, nonce) in [
            ("/v2/codes/payments/INV 7/1?format=svg", "nonce-path-02"),
            ("/v2/codes/payments/INV%207%2f1?format=svg", "nonce-path-03"),
            ("/v2/codes/payments/INV%207%2F1", "nonce-path-04"),
        ] {
            let refused = gw.send(attempt(signed, nonce)).await;
            assert_eq!(
                (refused.status, refused.code()),
                (StatusCode::UNAUTHORIZED, "INVALID_SIGNATURE"),
                "signed {signed:?}, sent {sent:?}"
            );
        }
    }
}

#[tokio::test]
async fn a_code_carries_the_invoice() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        let m = gw.merchant("YAKITORI DAIKICHI").await;
        let answer = gw
            .call(
                &m,
                "POST",
                "/v2/codes?format=png",
                Some(json!({
                    "merchantPaymentId": "INV-0001",
                    "amount": {"amount": 1500, "currency": "JPY"},
                    "codeType": "ORDER_QR",
                    "expiryDate": NOW + 600,
                })),
            )
            .await;
        assert_eq!(
            answer.status,
            StatusCode::CREATED,
            "{}: {}",
            db.name,
            answer.text
        );
        let data = &answer.body["data"];
        assert_eq!(answer.code(), "SUCCESS");
        let payload = data["qrPayload"].as_str().unwrap();
        let decoded = YenpayPayment::decode(payload).unwrap();
        assert_eq!(decoded.chain_id, CHAIN_ID);
        assert_eq!(decoded.merchant.to_hex(), m.address.to_hex());
        assert_eq!(decoded.package.to_hex(), package().to_hex());
        let PaymentRequest::Signed {
            order_ref,
            amount,
            signature,
        } = &decoded.request
        else {
            panic!("not a signed code: {decoded:?}");
        };
        assert_eq!((order_ref.as_str(), *amount), ("INV-0001", 1500));
        // The code is the invoice the merchant's terminal signed, payable as it is.
        assert_eq!(signature.terminal.to_hex(), m.terminal.to_hex());
        assert_eq!(signature.expires_at, (NOW + 600) as u64);
        assert_eq!(data["terminalAddress"], m.terminal.to_standard_string());
        let offer = decoded.signed_offer().unwrap();
        offer
            .check(
                yenpay_client::address::from_sdk(package()),
                CHAIN_ID,
                NOW as u64,
            )
            .unwrap();
        assert_eq!(Some(offer), issued_offer(&gw, m.address, "INV-0001").await);
        assert_eq!(
            yenpay_qr::uri::decode(data["url"].as_str().unwrap()).unwrap(),
            decoded
        );
        // Only the picture asked for.
        assert!(data.get("qrSvg").is_none(), "{data}");
        let png = data["qrPng"]
            .as_str()
            .unwrap()
            .strip_prefix("data:image/png;base64,")
            .unwrap();
        let png = base64::engine::general_purpose::STANDARD
            .decode(png)
            .unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(data["expiryDate"], NOW + 600);
        assert!(data.get("transactionHash").is_none(), "{data}");
        // Nothing went on chain.
        assert_eq!(gw.ledger.calls(), vec![]);
        let svg = gw
            .call(
                &m,
                "POST",
                "/v2/codes?format=svg",
                Some(json!({"merchantPaymentId": "INV-0002", "amount": {"amount": 1, "currency": "JPY"}})),
            )
            .await;
        assert!(svg.body["data"]["qrSvg"].as_str().unwrap().contains("<svg"));
        assert!(svg.body["data"].get("qrPng").is_none());
        let plain = gw.create_code(&m, "INV-0003", 1).await;
        assert!(plain.body["data"].get("qrSvg").is_none(), "{}", plain.text);
        assert!(plain.body["data"]["qrPayload"].as_str().is_some());
        let status = gw
            .call(&m, "GET", "/v2/codes/payments/INV-0001", None)
            .await;
        assert_eq!(status.status, StatusCode::OK);
        assert_eq!(status.body["data"]["status"], "CREATED");
        assert_eq!(status.body["data"]["codeId"], data["codeId"]);
        gw.clock.advance(600);
        let expired = gw
            .call(&m, "GET", "/v2/codes/payments/INV-0001", None)
            .await;
        assert_eq!(expired.body["data"]["status"], "EXPIRED");
    }
}

#[tokio::test]
async fn bad_code_requests_are_400_never_500() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        let m = gw.merchant("SHOP").await;
        let amount = |a: serde_json::Value| json!({"merchantPaymentId": "A-1", "amount": a});
        let cases = vec![
            amount(json!({"amount": 0, "currency": "JPY"})),
            amount(json!({"amount": -5, "currency": "JPY"})),
            amount(json!({"amount": 1.5, "currency": "JPY"})),
            amount(json!({"amount": 10_000_000_000_000u64, "currency": "JPY"})),
            amount(json!({"amount": 100, "currency": "USD"})),
            amount(json!({"amount": "100", "currency": "JPY"})),
            json!({"merchantPaymentId": "", "amount": {"amount": 1, "currency": "JPY"}}),
            json!({"merchantPaymentId": "X".repeat(26), "amount": {"amount": 1, "currency": "JPY"}}),
            json!({"merchantPaymentId": "注文-1", "amount": {"amount": 1, "currency": "JPY"}}),
            json!({"merchantPaymentId": "A-1", "amount": {"amount": 1, "currency": "JPY"}, "expiryDate": NOW + 10}),
            json!({"merchantPaymentId": "A-1", "amount": {"amount": 1, "currency": "JPY"}, "expiryDate": NOW + 90_000}),
            json!({"merchantPaymentId": "A-1", "amount": {"amount": 1, "currency": "JPY"}, "expiryDate": NOW - 10}),
            json!({"merchantPaymentId": "A-1", "amount": {"amount": 1, "currency": "JPY"}, "codeType": "WALLET_QR"}),
            json!({"merchantPaymentId": "A-1", "amount": {"amount": 1, "currency": "JPY"}, "surprise": true}),
            json!({"merchantPaymentId": "A-1"}),
            json!("just a string"),
        ];
        for body in cases {
            let answer = gw.call(&m, "POST", "/v2/codes", Some(body.clone())).await;
            assert_eq!(
                (answer.status, answer.code()),
                (StatusCode::BAD_REQUEST, "INVALID_PARAMS"),
                "{body}: {}",
                answer.text
            );
        }
        for raw in ["", "{", "null", "{\"merchantPaymentId\": 5}"] {
            let request = gw.signed_request(&m, "POST", "/v2/codes", None);
            // Signed over the raw body.
            let request = {
                let nonce = format!("raw-{}", yenpay_gateway::crypto::random_hex(6));
                let auth = yenpay_gateway::auth::sign_request(
                    &m.key_id,
                    &m.secret,
                    "POST",
                    "/v2/codes",
                    raw.as_bytes(),
                    &nonce,
                    NOW,
                );
                let mut r = request.body(Body::from(raw)).unwrap();
                r.headers_mut()
                    .insert("authorization", auth.parse().unwrap());
                r
            };
            let answer = gw.send(request).await;
            assert_eq!(
                answer.status,
                StatusCode::BAD_REQUEST,
                "{raw:?}: {}",
                answer.text
            );
        }
        let bad_format = gw
            .call(
                &m,
                "POST",
                "/v2/codes?format=gif",
                Some(
                    json!({"merchantPaymentId": "A-1", "amount": {"amount": 1, "currency": "JPY"}}),
                ),
            )
            .await;
        assert_eq!(bad_format.status, StatusCode::BAD_REQUEST);
        assert!(gw.ledger.calls().is_empty(), "nothing reaches the chain");
    }
}

#[tokio::test]
async fn chain_outcomes_map_to_clear_answers() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        let m = gw.merchant("SHOP").await;
        // A code is signed, not submitted: whatever the node says, it is payable at once.
        gw.ledger.set_next(Next::Unavailable);
        let made = gw.create_code(&m, "A-1", 100).await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
        assert!(gw.ledger.calls().is_empty(), "nothing went on chain");
        let duplicate = gw.create_code(&m, "A-1", 100).await;
        assert_eq!(
            (duplicate.status, duplicate.code()),
            (StatusCode::CONFLICT, "DUPLICATE_DYNAMIC_QR_REQUEST")
        );
        // Its cancellation is a transaction: the node not answering is a 503
        // naming it, and the code stays payable as far as the gateway knows.
        let code_id = made.body["data"]["codeId"].as_str().unwrap().to_owned();
        let unknown = gw
            .call(&m, "DELETE", &format!("/v2/codes/{code_id}"), None)
            .await;
        assert_eq!(
            (unknown.status, unknown.code()),
            (StatusCode::SERVICE_UNAVAILABLE, "CHAIN_UNAVAILABLE")
        );
        let still = gw.call(&m, "GET", "/v2/codes/payments/A-1", None).await;
        assert_eq!(still.body["data"]["status"], "CREATED");
        // A refusal (the terminal was removed) names the abort.
        gw.ledger
            .set_next(Next::Reject("ENOT_MERCHANT_OR_TERMINAL".to_owned()));
        let refused = gw
            .call(&m, "DELETE", &format!("/v2/codes/{code_id}"), None)
            .await;
        assert_eq!(
            (refused.status, refused.code()),
            (StatusCode::UNPROCESSABLE_ENTITY, "CHAIN_REJECTED")
        );
        assert!(refused.text.contains("ENOT_MERCHANT_OR_TERMINAL"));
        gw.ledger.set_next(Next::Succeed);
        let cancelled = gw
            .call(&m, "DELETE", &format!("/v2/codes/{code_id}"), None)
            .await;
        assert_eq!(
            cancelled.body["data"]["status"], "CANCELED",
            "{}",
            cancelled.text
        );
        // An expired code needs no cancellation: the chain takes it no more.
        let short = gw
            .call(
                &m,
                "POST",
                "/v2/codes",
                Some(json!({"merchantPaymentId": "B-1", "amount": {"amount": 1, "currency": "JPY"}, "expiryDate": NOW + 30})),
            )
            .await;
        let short_id = short.body["data"]["codeId"].as_str().unwrap().to_owned();
        gw.clock.advance(30);
        let calls = gw.ledger.calls().len();
        let late = gw
            .call(&m, "DELETE", &format!("/v2/codes/{short_id}"), None)
            .await;
        assert_eq!(
            (late.status, late.code()),
            (StatusCode::CONFLICT, "CODE_NOT_OPEN")
        );
        assert_eq!(gw.ledger.calls().len(), calls, "no transaction for it");
    }
}

#[tokio::test]
async fn idempotency_keys_replay_and_refuse_reuse() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        let m = gw.merchant("SHOP").await;
        let body =
            json!({"merchantPaymentId": "IDEM-1", "amount": {"amount": 700, "currency": "JPY"}});
        let first = gw
            .call_idem(&m, "POST", "/v2/codes", body.clone(), "key-1")
            .await;
        assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
        let replay = gw
            .call_idem(&m, "POST", "/v2/codes", body.clone(), "key-1")
            .await;
        assert_eq!(replay.status, StatusCode::CREATED);
        assert_eq!(replay.text, first.text, "the saved response, byte for byte");
        assert_eq!(replay.headers["idempotent-replayed"], "true");
        assert!(
            gw.ledger.calls().is_empty(),
            "a code is signed, not submitted"
        );
        assert_eq!(
            yenpay_gateway::store::payments::all_of_reference(
                &gw.state.db.pool,
                &m.address.to_hex(),
                "IDEM-1"
            )
            .await
            .unwrap()
            .len(),
            1,
            "one code"
        );
        let other =
            json!({"merchantPaymentId": "IDEM-1", "amount": {"amount": 701, "currency": "JPY"}});
        let reuse = gw.call_idem(&m, "POST", "/v2/codes", other, "key-1").await;
        assert_eq!(
            (reuse.status, reuse.code()),
            (StatusCode::CONFLICT, "IDEMPOTENCY_KEY_REUSED")
        );
        // Another key, same order id: the order id is itself unique.
        let second = gw
            .call_idem(&m, "POST", "/v2/codes", body.clone(), "key-2")
            .await;
        assert_eq!(second.code(), "DUPLICATE_DYNAMIC_QR_REQUEST");
        // Keys are per merchant: another merchant's key-1 is its own.
        let n = gw.merchant("OTHER").await;
        let theirs = gw
            .call_idem(&n, "POST", "/v2/codes", body.clone(), "key-1")
            .await;
        assert_eq!(theirs.status, StatusCode::CREATED);
        // A 5xx is not saved: the retry runs again (a refund, since codes no longer reach the chain).
        gw.create_code(&m, "IDEM-3", 1000).await;
        pay(&gw, &m, "IDEM-3", 9_000).await;
        gw.ledger
            .payouts
            .lock()
            .unwrap()
            .insert(m.address, m.terminal);
        gw.ledger.set_next(Next::Unavailable);
        let body3 = json!({"merchantRefundId": "IDEM-R3", "merchantPaymentId": "IDEM-3", "amount": {"amount": 1, "currency": "JPY"}});
        let failed = gw
            .call_idem(&m, "POST", "/v2/refunds", body3.clone(), "key-3")
            .await;
        assert_eq!(
            failed.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{}",
            failed.text
        );
        gw.ledger.set_next(Next::Succeed);
        let retried = gw
            .call_idem(&m, "POST", "/v2/refunds", body3, "key-3")
            .await;
        assert_ne!(
            retried
                .headers
                .get("idempotent-replayed")
                .map(|v| v.to_str().unwrap()),
            Some("true")
        );
        let bad_key = gw
            .call_idem(&m, "POST", "/v2/codes", body, "has space")
            .await;
        assert_eq!(bad_key.status, StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn cancel_and_merchant_isolation() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        let a = gw.merchant("SHOP A").await;
        let b = gw.merchant("SHOP B").await;
        let created = gw.create_code(&a, "A-1", 1000).await;
        let code_id = created.body["data"]["codeId"].as_str().unwrap().to_owned();
        // B sees none of A's resources, and cannot act on them.
        let peek = gw.call(&b, "GET", "/v2/codes/payments/A-1", None).await;
        assert_eq!(peek.status, StatusCode::NOT_FOUND);
        let cancel = gw
            .call(&b, "DELETE", &format!("/v2/codes/{code_id}"), None)
            .await;
        assert_eq!(cancel.status, StatusCode::NOT_FOUND);
        let refund = gw
            .call(&b, "POST", "/v2/refunds", Some(json!({"merchantRefundId": "R-1", "merchantPaymentId": "A-1", "amount": {"amount": 1, "currency": "JPY"}})))
            .await;
        assert_eq!(refund.status, StatusCode::NOT_FOUND);
        // B may use the same order id for its own code.
        assert_eq!(
            gw.create_code(&b, "A-1", 5).await.status,
            StatusCode::CREATED
        );
        // A cancels its code.
        let cancelled = gw
            .call(&a, "DELETE", &format!("/v2/codes/{code_id}"), None)
            .await;
        assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.text);
        assert_eq!(cancelled.body["data"]["status"], "CANCELED");
        // The signed code's cancellation: the terminal's transaction, kept until the code's expiry.
        assert_eq!(
            gw.ledger.calls(),
            vec![Call::CancelSigned {
                merchant: a.address,
                order: "A-1".to_owned(),
                expires_at: created.body["data"]["expiryDate"].as_u64().unwrap(),
                signer: a.terminal,
            }]
        );
        let again = gw
            .call(&a, "DELETE", &format!("/v2/codes/{code_id}"), None)
            .await;
        assert_eq!(
            again.body["data"]["status"], "CANCELED",
            "cancelling twice is harmless"
        );
        let unknown = gw.call(&a, "DELETE", "/v2/codes/c_nope", None).await;
        assert_eq!(
            (unknown.status, unknown.code()),
            (StatusCode::NOT_FOUND, "DYNAMIC_QR_NOT_FOUND")
        );
        // And B's copy of A-1 is untouched.
        let bs = gw.call(&b, "GET", "/v2/codes/payments/A-1", None).await;
        assert_eq!(bs.body["data"]["status"], "CREATED");
        assert_eq!(bs.body["data"]["amount"]["amount"], 5);
    }
}

#[tokio::test]
async fn a_merchant_is_held_to_its_quota_of_open_codes_and_of_codes_per_minute() {
    for db in backends().await {
        let mut config = config();
        config.code_quota = yenpay_gateway::store::payments::CodeQuota {
            max_open: 3,
            per_minute: 4,
        };
        let gw = TestGateway::with_config(&db, config).await;
        let shop = gw.merchant("Busy Izakaya").await;
        let other = gw.merchant("Quiet Kissa").await;
        for i in 0..3 {
            let made = gw.create_code(&shop, &format!("Q-{i}"), 100).await;
            assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
        }
        let refused = gw.create_code(&shop, "Q-3", 100).await;
        assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS, "{}", db.name);
        assert_eq!(refused.code(), "TOO_MANY_OPEN_CODES");
        assert_eq!(refused.headers["retry-after"], "60");
        // Nothing was sent to the chain, and another merchant is not held back.
        assert!(gw.ledger.calls().is_empty());
        assert_eq!(
            gw.create_code(&other, "Q-0", 100).await.status,
            StatusCode::CREATED
        );
        // A cancelled code is no longer open; the minute's count still holds.
        let code_id = yenpay_gateway::store::payments::code_id(&shop.address.to_hex(), "Q-0");
        let cancelled = gw
            .call(&shop, "DELETE", &format!("/v2/codes/{code_id}"), None)
            .await;
        assert!(cancelled.status.is_success(), "{}", cancelled.text);
        assert_eq!(
            gw.create_code(&shop, "Q-4", 100).await.status,
            StatusCode::CREATED
        );
        let cancelled_too = gw
            .call(
                &shop,
                "DELETE",
                &format!(
                    "/v2/codes/{}",
                    yenpay_gateway::store::payments::code_id(&shop.address.to_hex(), "Q-1")
                ),
                None,
            )
            .await;
        assert!(cancelled_too.status.is_success());
        let too_fast = gw.create_code(&shop, "Q-5", 100).await;
        assert_eq!(
            too_fast.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            too_fast.text
        );
        assert_eq!(too_fast.code(), "CODE_RATE_LIMITED");
        // A minute later both limits have room again.
        gw.clock.advance(61);
        assert_eq!(
            gw.create_code(&shop, "Q-6", 100).await.status,
            StatusCode::CREATED
        );
    }
}

#[tokio::test]
async fn an_unfinished_request_is_taken_over_only_after_it_can_no_longer_be_running() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        let merchant = gw.merchant("Patient Udon").await;
        let body = json!({"merchantPaymentId": "IDEM-STUCK", "amount": {"amount": 500, "currency": "JPY"}});
        // A first run that died mid-flight: its row claimed, no answer saved.
        let mut fingerprinted = b"POST\n/v2/codes\n".to_vec();
        fingerprinted.extend_from_slice(body.to_string().as_bytes());
        let fingerprint = yenpay_gateway::crypto::sha256_hex(&fingerprinted);
        let stale = yenpay_gateway::idempotency::stale_after_secs(&gw.state);
        assert!(
            stale > 135 + 60,
            "the takeover must outlast a submission and the request timeout"
        );
        sqlx::query(
            "INSERT INTO idempotency_keys (scope, idem_key, fingerprint, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(format!("merchant:{}", merchant.id))
        .bind("stuck-1")
        .bind(&fingerprint)
        .bind(NOW - 150)
        .execute(&gw.state.db.pool)
        .await
        .unwrap();
        // 150 s later its transaction may still commit: no second run.
        let retry = gw
            .call_idem(&merchant, "POST", "/v2/codes", body.clone(), "stuck-1")
            .await;
        assert_eq!(
            retry.status,
            StatusCode::CONFLICT,
            "{}: {}",
            db.name,
            retry.text
        );
        assert_eq!(retry.code(), "IDEMPOTENCY_IN_PROGRESS");
        let rows = async || {
            yenpay_gateway::store::payments::all_of_reference(
                &gw.state.db.pool,
                &merchant.address.to_hex(),
                "IDEM-STUCK",
            )
            .await
            .unwrap()
            .len()
        };
        assert_eq!(rows().await, 0, "the handler ran twice");
        // Past the stale time, one retry takes over; one at the same instant does not.
        gw.clock.advance(stale);
        let (a, b) = tokio::join!(
            gw.call_idem(&merchant, "POST", "/v2/codes", body.clone(), "stuck-1"),
            gw.call_idem(&merchant, "POST", "/v2/codes", body.clone(), "stuck-1"),
        );
        // One of them runs; the other is refused as in progress, or (when the
        // first has already finished) gets its saved answer replayed.
        let replayed = |answer: &Answer| {
            answer
                .headers
                .get("idempotent-replayed")
                .is_some_and(|v| v == "true")
        };
        let ran = [&a, &b]
            .into_iter()
            .filter(|answer| answer.status == StatusCode::CREATED && !replayed(answer))
            .count();
        assert_eq!(ran, 1, "{}: {} / {}", db.name, a.text, b.text);
        for answer in [&a, &b] {
            assert!(
                answer.status == StatusCode::CREATED || answer.status == StatusCode::CONFLICT,
                "{}: {} {}",
                db.name,
                answer.status,
                answer.text
            );
        }
        assert!(
            a.status == StatusCode::CONFLICT
                || b.status == StatusCode::CONFLICT
                || replayed(&a)
                || replayed(&b),
            "{}: neither was refused nor replayed",
            db.name
        );
        assert_eq!(rows().await, 1, "exactly one run");
    }
}
