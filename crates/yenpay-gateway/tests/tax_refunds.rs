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

/// A committed transaction at `version` (chain time `secs`) emitting the
/// `tax_refund` `events` (`(name, data)`), as the node's REST API shows it.
fn tax_tx(version: u64, secs: i64, events: Vec<(&str, Value)>) -> Value {
    let events: Vec<Value> = events
        .into_iter()
        .enumerate()
        .map(|(i, (name, data))| {
            json!({
                "guid": {"creation_number": "0", "account_address": "0x0"},
                "sequence_number": "0",
                "type": format!("{PACKAGE}::tax_refund::{name}"),
                "data": data,
                "index": i,
            })
        })
        .collect();
    json!({
        "type": "user_transaction",
        "version": version.to_string(),
        "hash": format!("0x{version:064x}"),
        "timestamp": (secs as u64 * 1_000_000).to_string(),
        "success": true,
        "events": events,
    })
}

fn recorded(
    merchant: &str,
    order: &str,
    amount: u64,
    tax: u64,
    tax_free: bool,
) -> (&'static str, Value) {
    (
        "TaxFreePurchaseRecorded",
        json!({
            "merchant": merchant, "order_ref": order, "payer": TRAVELLER,
            "amount": amount.to_string(), "standard_tax": tax.to_string(), "reduced_tax": "0",
            "tax_free": tax_free,
        }),
    )
}

fn refunded(merchant: &str, order: &str, amount: u64, tax: u64) -> (&'static str, Value) {
    (
        "TaxRefunded",
        json!({
            "merchant": merchant, "order_ref": order, "traveller": TRAVELLER,
            "amount": amount.to_string(), "tax": tax.to_string(), "merchant_refunded": "0",
        }),
    )
}

/// Applies `tx` (at `version`, chain time `secs`) as the follower would.
async fn follow(gw: &TestGateway, tx: Value, version: u64, secs: i64) {
    seek(gw, version).await;
    let head = yenpay_gateway::chain::LedgerHead {
        version: version + 1,
        timestamp_us: secs as u64 * 1_000_000,
        chain_id: CHAIN_ID,
        oldest_version: 0,
    };
    yenpay_gateway::follower::apply_page(
        &gw.state,
        &[tx],
        head,
        yenpay_gateway::follower::Finish::Commit,
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn the_report_sums_each_merchant_s_day_once() {
    const OTHER: &str = "0x00000000000000000000000000000000000000000000000000000000000b0b02";
    for db in backends().await {
        let mut config = config();
        config.follower_start_version = 3_900;
        let gw = TestGateway::with_config(&db, config).await;
        // 2026-12-01 in Japan: two purchases at MERCHANT (one refunded the
        // same day, half of its tax after a merchant refund), one not
        // eligible at OTHER; the next day's refund counts on the next day.
        let day = NOW;
        let page = tax_tx(
            4_000,
            day,
            vec![
                recorded(MERCHANT, "TAX-1", 11_000, 1_000, true),
                recorded(MERCHANT, "TAX-2", 5_500, 500, true),
                recorded(OTHER, "TAX-3", 2_200, 200, false),
            ],
        );
        follow(&gw, page.clone(), 4_000, day).await;
        follow(
            &gw,
            tax_tx(
                4_001,
                day + 60,
                vec![refunded(MERCHANT, "TAX-1", 500, 1_000)],
            ),
            4_001,
            day + 60,
        )
        .await;
        // The same page read again changes nothing.
        follow(&gw, page, 4_000, day + 60).await;
        follow(
            &gw,
            tax_tx(
                4_002,
                day + 86_400,
                vec![refunded(MERCHANT, "TAX-2", 500, 500)],
            ),
            4_002,
            day + 86_400,
        )
        .await;
        let report = gw
            .admin("GET", "/admin/reports/tax-refunds?date=2026-12-01", None)
            .await;
        assert_eq!(report.status, StatusCode::OK, "{}", report.text);
        let data = &report.body["data"];
        assert_eq!(data["timeZone"], "Asia/Tokyo");
        assert_eq!(data["complete"], true, "the follower is past the day");
        assert_eq!(
            data["merchants"],
            json!([
                {"merchantAddress": MERCHANT, "purchases": 2, "eligible": 2, "sales": 16_500,
                 "standardTax": 1_500, "reducedTax": 0, "refunds": 1, "refunded": 500, "refundsTax": 1_000},
                {"merchantAddress": OTHER, "purchases": 1, "eligible": 0, "sales": 2_200,
                 "standardTax": 200, "reducedTax": 0, "refunds": 0, "refunded": 0, "refundsTax": 0},
            ]),
            "{}",
            db.name
        );
        let next = gw
            .admin("GET", "/admin/reports/tax-refunds?date=2026-12-02", None)
            .await;
        assert_eq!(next.body["data"]["complete"], false);
        assert_eq!(next.body["data"]["merchants"][0]["refunded"], 500);
        assert_eq!(next.body["data"]["merchants"][0]["purchases"], 0);
        let bad = gw
            .admin("GET", "/admin/reports/tax-refunds?date=2026-13-01", None)
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    }
}
