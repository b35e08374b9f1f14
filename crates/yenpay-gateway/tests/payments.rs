//! Refunds and customer-presented payments through the API. Every test runs
//! on each database backend.

use crate::common::*;
use axum::http::StatusCode;
use ed25519_dalek::SigningKey;
use serde_json::json;

fn refund(id: &str, payment: &str, amount: u64) -> serde_json::Value {
    json!({"merchantRefundId": id, "merchantPaymentId": payment, "amount": {"amount": amount, "currency": "JPY"}, "reason": "returned goods"})
}

/// The refund's amount is a Money object, as docs/gateway.md shows it: a
/// bare number is refused before anything reaches the chain.
#[tokio::test]
async fn a_refund_amount_is_a_money_object() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        let m = gw.merchant("SHOP").await;
        gw.create_code(&m, "R-1", 1000).await;
        pay(&gw, &m, "R-1", 6_000).await;
        let bare = gw
            .call(
                &m,
                "POST",
                "/v2/refunds",
                Some(
                    json!({"merchantRefundId": "RF-1", "merchantPaymentId": "R-1", "amount": 500}),
                ),
            )
            .await;
        assert_eq!(
            (bare.status, bare.code()),
            (StatusCode::BAD_REQUEST, "INVALID_PARAMS"),
            "{} {}",
            db.name,
            bare.text
        );
        assert!(
            !gw.ledger
                .calls()
                .iter()
                .any(|c| matches!(c, Call::Refund { .. }))
        );
    }
}

#[tokio::test]
async fn partial_refunds_up_to_the_paid_amount() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        let m = gw.merchant("SHOP").await;
        gw.create_code(&m, "R-1", 1000).await;
        let unpaid = gw
            .call(&m, "POST", "/v2/refunds", Some(refund("RF-0", "R-1", 100)))
            .await;
        assert_eq!(
            (unpaid.status, unpaid.code()),
            (StatusCode::CONFLICT, "PAYMENT_NOT_REFUNDABLE")
        );
        pay(&gw, &m, "R-1", 6_000).await;
        // The gateway does not hold the payout key yet.
        let not_held = gw
            .call(&m, "POST", "/v2/refunds", Some(refund("RF-1", "R-1", 300)))
            .await;
        assert_eq!(
            (not_held.status, not_held.code()),
            (StatusCode::CONFLICT, "PAYOUT_KEY_NOT_HELD"),
            "{}",
            db.name
        );
        // The merchant makes the gateway's terminal account its payout address.
        gw.ledger
            .payouts
            .lock()
            .unwrap()
            .insert(m.address, m.terminal);
        let first = gw
            .call(&m, "POST", "/v2/refunds", Some(refund("RF-1", "R-1", 300)))
            .await;
        assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
        assert_eq!(first.body["data"]["status"], "COMPLETED");
        assert_eq!(first.body["data"]["feeReturned"], 3);
        assert!(
            matches!(gw.ledger.calls().last(), Some(Call::Refund { amount: 300, signer, .. }) if *signer == m.terminal)
        );
        // The same refund id again: the same refund, not a second one.
        let again = gw
            .call(&m, "POST", "/v2/refunds", Some(refund("RF-1", "R-1", 300)))
            .await;
        assert_eq!(again.status, StatusCode::OK);
        assert_eq!(
            again.body["data"]["transactionHash"],
            first.body["data"]["transactionHash"]
        );
        let reused = gw
            .call(&m, "POST", "/v2/refunds", Some(refund("RF-1", "R-1", 301)))
            .await;
        assert_eq!(
            (reused.status, reused.code()),
            (StatusCode::CONFLICT, "DUPLICATE_REFUND_ID")
        );
        let too_much = gw
            .call(&m, "POST", "/v2/refunds", Some(refund("RF-2", "R-1", 701)))
            .await;
        assert_eq!(
            (too_much.status, too_much.code()),
            (StatusCode::CONFLICT, "REFUND_AMOUNT_EXCEEDED")
        );
        let rest = gw
            .call(&m, "POST", "/v2/refunds", Some(refund("RF-2", "R-1", 700)))
            .await;
        assert_eq!(rest.status, StatusCode::CREATED, "{}", rest.text);
        let details = gw.call(&m, "GET", "/v2/codes/payments/R-1", None).await;
        assert_eq!(details.body["data"]["status"], "REFUNDED");
        assert_eq!(details.body["data"]["refundedAmount"], 1000);
        assert_eq!(details.body["data"]["refunds"].as_array().unwrap().len(), 2);
        let got = gw.call(&m, "GET", "/v2/refunds/RF-2", None).await;
        assert_eq!(
            (got.status, got.body["data"]["amount"]["amount"].clone()),
            (StatusCode::OK, json!(700))
        );
        assert_eq!(got.body["data"]["merchantPaymentId"], "R-1");
        let missing = gw.call(&m, "GET", "/v2/refunds/RF-9", None).await;
        assert_eq!(
            (missing.status, missing.code()),
            (StatusCode::NOT_FOUND, "NO_SUCH_REFUND_ORDER")
        );
        // Another merchant sees none of it.
        let other = gw.merchant("OTHER").await;
        assert_eq!(
            gw.call(&other, "GET", "/v2/refunds/RF-1", None)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn refund_input_and_chain_failures() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        let m = gw.merchant("SHOP").await;
        gw.create_code(&m, "R-2", 1000).await;
        pay(&gw, &m, "R-2", 6_001).await;
        gw.ledger
            .payouts
            .lock()
            .unwrap()
            .insert(m.address, m.terminal);
        for bad in [
            refund("", "R-2", 1),
            refund("has space", "R-2", 1),
            refund(&"x".repeat(65), "R-2", 1),
            refund("RF", "R-2", 0),
            json!({"merchantRefundId": "RF", "merchantPaymentId": "R-2", "amount": {"amount": 1, "currency": "EUR"}}),
            json!({"merchantRefundId": "RF", "merchantPaymentId": "R-2"}),
            json!({"merchantRefundId": "RF", "merchantPaymentId": "R-2", "amount": {"amount": 1, "currency": "JPY"}, "reason": "r".repeat(256)}),
        ] {
            let answer = gw.call(&m, "POST", "/v2/refunds", Some(bad.clone())).await;
            assert_eq!(
                (answer.status, answer.code()),
                (StatusCode::BAD_REQUEST, "INVALID_PARAMS"),
                "{bad}"
            );
        }
        let unknown = gw
            .call(&m, "POST", "/v2/refunds", Some(refund("RF", "NOPE", 1)))
            .await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        gw.ledger
            .set_next(Next::Reject("EREFUND_EXCEEDS_PAID".to_owned()));
        let refused = gw
            .call(&m, "POST", "/v2/refunds", Some(refund("RF-X", "R-2", 10)))
            .await;
        assert_eq!(
            (refused.status, refused.code()),
            (StatusCode::UNPROCESSABLE_ENTITY, "CHAIN_REJECTED")
        );
        let failed = gw.call(&m, "GET", "/v2/refunds/RF-X", None).await;
        assert_eq!(failed.body["data"]["status"], "FAILED");
        // A failed refund does not count against the amount left.
        gw.ledger.set_next(Next::Succeed);
        let full = gw
            .call(&m, "POST", "/v2/refunds", Some(refund("RF-Y", "R-2", 1000)))
            .await;
        assert_eq!(full.status, StatusCode::CREATED, "{}", full.text);
    }
}

#[tokio::test]
async fn a_customer_presented_code_settles_an_order() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        let m = gw.merchant("SHOP").await;
        let customer = Customer {
            key: SigningKey::from_bytes(&[7u8; 32]),
        };
        let code = customer.code(&m, 1500, NOW as u64 - 10, NOW as u64 + 300);
        let paid = gw
            .call(&m, "POST", "/v2/payments/cpm", Some(json!({"merchantPaymentId": "CPM-1", "customerCode": code, "amount": {"amount": 1500, "currency": "JPY"}})))
            .await;
        assert_eq!(
            paid.status,
            StatusCode::CREATED,
            "{}: {}",
            db.name,
            paid.text
        );
        assert_eq!(paid.body["data"]["status"], "COMPLETED");
        assert_eq!(paid.body["data"]["kind"], "cpm");
        assert_eq!(paid.body["data"]["payer"], customer.address());
        // One transaction: the terminal's request and the customer's code,
        // no invoice created beforehand.
        let calls = gw.ledger.calls();
        assert_eq!(calls.len(), 1, "{calls:?}");
        assert!(
            matches!(&calls[0], Call::Collect { amount: 1500, from, terminal, order, expires_at } if *terminal == m.terminal && order == "CPM-1" && *from == customer.address() && *expires_at == NOW as u64 + 120)
        );
        let shown = gw.call(&m, "GET", "/v2/codes/payments/CPM-1", None).await;
        assert_eq!(shown.body["data"]["status"], "COMPLETED", "{}", shown.text);
        // The same order id again is a duplicate.
        let again = gw
            .call(
                &m,
                "POST",
                "/v2/payments/cpm",
                Some(json!({"merchantPaymentId": "CPM-1", "customerCode": code})),
            )
            .await;
        assert_eq!(again.code(), "DUPLICATE_DYNAMIC_QR_REQUEST");
    }
}

#[tokio::test]
async fn bad_customer_codes_are_refused_before_the_chain() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        let m = gw.merchant("SHOP").await;
        let other = gw.merchant("OTHER").await;
        let customer = Customer {
            key: SigningKey::from_bytes(&[7u8; 32]),
        };
        let good = customer.code(&m, 1500, NOW as u64 - 10, NOW as u64 + 300);
        let mut tampered = good.clone().into_bytes();
        let middle = tampered.len() / 2;
        tampered[middle] = if tampered[middle] == b'A' { b'B' } else { b'A' };
        let cases = [
            ("garbage", "not a code".to_owned(), None),
            ("tampered", String::from_utf8(tampered).unwrap(), None),
            (
                "expired",
                customer.code(&m, 1500, NOW as u64 - 600, NOW as u64 - 1),
                None,
            ),
            (
                "not yet valid",
                customer.code(&m, 1500, NOW as u64 + 60, NOW as u64 + 600),
                None,
            ),
            (
                "for another merchant",
                customer.code(&other, 1500, NOW as u64 - 10, NOW as u64 + 300),
                None,
            ),
            ("other amount", good.clone(), Some(1400)),
        ];
        for (what, code, amount) in cases {
            let mut body = json!({"merchantPaymentId": "CPM-2", "customerCode": code});
            if let Some(amount) = amount {
                body["amount"] = json!({"amount": amount, "currency": "JPY"});
            }
            let answer = gw.call(&m, "POST", "/v2/payments/cpm", Some(body)).await;
            assert_eq!(
                (answer.status, answer.code()),
                (StatusCode::BAD_REQUEST, "INVALID_PARAMS"),
                "{what}: {}",
                answer.text
            );
        }
        let empty_id = gw
            .call(
                &m,
                "POST",
                "/v2/payments/cpm",
                Some(json!({"merchantPaymentId": "", "customerCode": good})),
            )
            .await;
        assert_eq!(empty_id.status, StatusCode::BAD_REQUEST);
        assert!(gw.ledger.calls().is_empty(), "nothing reached the chain");
    }
}
