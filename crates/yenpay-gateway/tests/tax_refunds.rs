//! Consumption-tax refunds at departure (issue 29) through the gateway: the
//! refund agent's batch on the admin listener sends only the claims the
//! chain would pay, and the wallet reads a purchase's refundable tax. Every
//! test runs on each database backend.

use crate::common::*;
use aptos_sdk::types::AccountAddress;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use ed25519_dalek::SigningKey;
use serde_json::{Value, json};
use yenpay_client::address::from_sdk;
use yenpay_client::tax_refund::{Purchase, RefundStatus};
use yenpay_client::types::limits::OrderRef;
use yenpay_client::types::tax_refund::{CLAIM_WINDOW_SECS, ExportAttestation};

const MERCHANT: &str = "0x00000000000000000000000000000000000000000000000000000000000b0b01";
const TRAVELLER: &str = "0x0000000000000000000000000000000000000000000000000000000000007001";
const STRANGER: &str = "0x0000000000000000000000000000000000000000000000000000000000005701";

fn address(hex: &str) -> AccountAddress {
    AccountAddress::from_hex(hex).unwrap()
}

fn agent() -> SigningKey {
    SigningKey::from_bytes(&[42; 32])
}

/// A ¥11,000 purchase with ¥1,000 of tax paid by the traveller at `NOW`.
fn purchase() -> Purchase {
    Purchase {
        payer: address(TRAVELLER),
        paid_at: NOW as u64,
        amount: 11_000,
        standard_tax: 1_000,
        reduced_tax: 0,
        tax_free: true,
        tax_refunded: 0,
        refunded_at: 0,
    }
}

fn claimable() -> RefundStatus {
    RefundStatus::Claimable {
        amount: 1_000,
        claim_before: NOW as u64 + CLAIM_WINDOW_SECS,
    }
}

/// Puts the purchase `order` on the chain double with `status`.
fn record(gw: &TestGateway, order: &str, status: RefundStatus) {
    gw.ledger
        .tax_refunds
        .lock()
        .unwrap()
        .insert((address(MERCHANT), order.to_owned()), (purchase(), status));
}

/// The agent's attestation of `traveller`'s export of `order`, signed by
/// `key`, as a claim of the request.
fn claim(order: &str, traveller: &str, key: &SigningKey) -> Value {
    let signed = ExportAttestation::new(
        CHAIN_ID,
        from_sdk(package()),
        from_sdk(address(MERCHANT)),
        OrderRef::new(order).unwrap(),
        from_sdk(address(traveller)),
    )
    .sign(from_sdk(package()), key)
    .unwrap();
    json!({
        "merchant": MERCHANT,
        "merchantPaymentId": order,
        "traveller": traveller,
        "signature": const_hex::encode(signed.signature),
    })
}

fn claims(claims: Vec<Value>) -> Value {
    json!({
        "agentPublicKey": const_hex::encode(agent().verifying_key().to_bytes()),
        "claims": claims,
    })
}

fn wallet_read(order: &str) -> Request<Body> {
    Request::builder()
        .method("POST")
        .uri("/wallet/api/tax-refund")
        .header("content-type", "application/json")
        .body(Body::from(
            json!({"merchant": MERCHANT, "merchantPaymentId": order}).to_string(),
        ))
        .unwrap()
}

fn tax_calls(gw: &TestGateway) -> Vec<Call> {
    gw.ledger
        .calls()
        .into_iter()
        .filter(|call| matches!(call, Call::ClaimTaxRefunds { .. }))
        .collect()
}

#[tokio::test]
async fn the_agent_s_batch_sends_only_what_the_chain_would_pay() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        record(&gw, "TAX-1", claimable());
        record(&gw, "TAX-2", claimable());
        record(
            &gw,
            "TAX-3",
            RefundStatus::Refunded {
                amount: 1_000,
                refunded_at: NOW as u64,
            },
        );
        record(&gw, "TAX-4", RefundStatus::RefundedByMerchant);
        record(&gw, "TAX-5", RefundStatus::Expired);
        let forger = SigningKey::from_bytes(&[9; 32]);
        let answer = gw
            .admin(
                "POST",
                "/admin/tax-refunds/claims",
                Some(claims(vec![
                    claim("TAX-1", TRAVELLER, &agent()),
                    claim("TAX-1", TRAVELLER, &agent()),
                    claim("TAX-2", STRANGER, &agent()),
                    claim("TAX-2", TRAVELLER, &forger),
                    claim("TAX-3", TRAVELLER, &agent()),
                    claim("TAX-4", TRAVELLER, &agent()),
                    claim("TAX-5", TRAVELLER, &agent()),
                    claim("TAX-6", TRAVELLER, &agent()),
                ])),
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        let results: Vec<(String, String, Value)> = answer.body["data"]["claims"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["merchantPaymentId"].as_str().unwrap().to_owned(),
                    c["result"].as_str().unwrap().to_owned(),
                    c.get("reason").cloned().unwrap_or(c["amount"].clone()),
                )
            })
            .collect();
        let expected = [
            ("TAX-1", "PAID", json!(1_000)),
            ("TAX-1", "REFUSED", json!("DUPLICATE")),
            ("TAX-2", "REFUSED", json!("NOT_PAYER")),
            ("TAX-2", "REFUSED", json!("INVALID_SIGNATURE")),
            ("TAX-3", "REFUSED", json!("REFUNDED")),
            ("TAX-4", "REFUSED", json!("REFUNDED_BY_MERCHANT")),
            ("TAX-5", "REFUSED", json!("EXPIRED")),
            ("TAX-6", "REFUSED", json!("PURCHASE_NOT_FOUND")),
        ]
        .map(|(o, r, v)| (o.to_owned(), r.to_owned(), v));
        assert_eq!(results, expected, "{}", db.name);
        assert!(answer.body["data"]["transaction"]["hash"].is_string());
        // One transaction, the paid claim only, submitted by the operator.
        assert_eq!(
            tax_calls(&gw),
            vec![Call::ClaimTaxRefunds {
                claims: vec![(address(MERCHANT), "TAX-1".to_owned(), address(TRAVELLER))],
                signer: gw.state.operator.as_ref().unwrap().address(),
            }]
        );
        // The wallet sees it refunded; the same batch again sends nothing.
        let read = gw.send(wallet_read("TAX-1")).await;
        assert_eq!(read.status, StatusCode::OK, "{}", read.text);
        assert_eq!(read.body["data"]["status"], "REFUNDED");
        let again = gw
            .admin(
                "POST",
                "/admin/tax-refunds/claims",
                Some(claims(vec![claim("TAX-1", TRAVELLER, &agent())])),
            )
            .await;
        assert_eq!(again.status, StatusCode::OK, "{}", again.text);
        assert_eq!(again.body["data"]["claims"][0]["reason"], "REFUNDED");
        assert!(again.body["data"].get("transaction").is_none());
        assert_eq!(tax_calls(&gw).len(), 1, "nothing more sent");
    }
}

#[tokio::test]
async fn an_attestation_for_another_chain_or_deployment_is_not_sent() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        record(&gw, "TAX-1", claimable());
        for (chain_id, deployment) in [(CHAIN_ID + 1, package()), (CHAIN_ID, address("0x1234"))] {
            let signed = ExportAttestation::new(
                chain_id,
                from_sdk(deployment),
                from_sdk(address(MERCHANT)),
                OrderRef::new("TAX-1").unwrap(),
                from_sdk(address(TRAVELLER)),
            )
            .sign(from_sdk(deployment), &agent())
            .unwrap();
            let body = claims(vec![json!({
                "merchant": MERCHANT,
                "merchantPaymentId": "TAX-1",
                "traveller": TRAVELLER,
                "signature": const_hex::encode(signed.signature),
            })]);
            let answer = gw
                .admin("POST", "/admin/tax-refunds/claims", Some(body))
                .await;
            assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
            assert_eq!(
                answer.body["data"]["claims"][0]["reason"], "INVALID_SIGNATURE",
                "chain {chain_id} deployment {deployment}"
            );
        }
        assert!(tax_calls(&gw).is_empty());
    }
}

#[tokio::test]
async fn the_chain_refusing_the_batch_is_the_api_s_refusal() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        record(&gw, "TAX-1", claimable());
        // The float cannot cover it: the chain aborts the whole batch.
        gw.ledger
            .set_next(Next::Reject("EINSUFFICIENT_FLOAT".to_owned()));
        let answer = gw
            .admin(
                "POST",
                "/admin/tax-refunds/claims",
                Some(claims(vec![claim("TAX-1", TRAVELLER, &agent())])),
            )
            .await;
        assert_eq!(
            (answer.status, answer.code()),
            (StatusCode::UNPROCESSABLE_ENTITY, "CHAIN_REJECTED"),
            "{}",
            answer.text
        );
        gw.ledger.set_next(Next::Succeed);
        let read = gw.send(wallet_read("TAX-1")).await;
        assert_eq!(read.body["data"]["status"], "CLAIMABLE");
    }
}

#[tokio::test]
async fn the_agent_s_batch_is_bounded_and_needs_the_admin_token() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        let empty = gw
            .admin("POST", "/admin/tax-refunds/claims", Some(claims(vec![])))
            .await;
        assert_eq!(empty.status, StatusCode::BAD_REQUEST, "{}", empty.text);
        let flood = gw
            .admin(
                "POST",
                "/admin/tax-refunds/claims",
                Some(claims(vec![claim("TAX-1", TRAVELLER, &agent()); 51])),
            )
            .await;
        assert_eq!(flood.status, StatusCode::BAD_REQUEST, "{}", flood.text);
        let short_key = gw
            .admin(
                "POST",
                "/admin/tax-refunds/claims",
                Some(json!({"agentPublicKey": "00", "claims": [claim("TAX-1", TRAVELLER, &agent())]})),
            )
            .await;
        assert_eq!(short_key.status, StatusCode::BAD_REQUEST);
        let body = claims(vec![claim("TAX-1", TRAVELLER, &agent())]).to_string();
        let anonymous = gw
            .send_admin(
                Request::builder()
                    .method("POST")
                    .uri("/admin/tax-refunds/claims")
                    .header("content-type", "application/json")
                    .body(Body::from(body.clone()))
                    .unwrap(),
            )
            .await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
        // Never on the public listener.
        let public = gw
            .send(
                Request::builder()
                    .method("POST")
                    .uri("/admin/tax-refunds/claims")
                    .header("content-type", "application/json")
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await;
        assert_eq!(public.status, StatusCode::NOT_FOUND);
        assert!(tax_calls(&gw).is_empty());
    }
}

#[tokio::test]
async fn the_wallet_reads_a_purchase_s_refundable_tax() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        record(&gw, "TAX-1", claimable());
        let read = gw.send(wallet_read("TAX-1")).await;
        assert_eq!(read.status, StatusCode::OK, "{}", read.text);
        assert_eq!(
            read.body["data"],
            json!({
                "payer": TRAVELLER,
                "amount": 11_000,
                "standardTax": 1_000,
                "reducedTax": 0,
                "taxFree": true,
                "status": "CLAIMABLE",
                "refundable": 1_000,
                "claimBefore": NOW as u64 + CLAIM_WINDOW_SECS,
                "refundedAt": 0,
            })
        );
        let unknown = gw.send(wallet_read("TAX-9")).await;
        assert_eq!(
            (unknown.status, unknown.code()),
            (StatusCode::NOT_FOUND, "PURCHASE_NOT_FOUND")
        );
    }
}
