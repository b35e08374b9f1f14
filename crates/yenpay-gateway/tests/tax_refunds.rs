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
        // The same attestation is the confirmation recorded and paid above.
        assert_eq!(again.body["data"]["claims"][0]["result"], "PAID");
        assert_eq!(
            again.body["data"]["claims"][0]["confirmationId"],
            answer.body["data"]["claims"][0]["confirmationId"]
        );
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
        // The confirmation stays recorded, with the chain's reason.
        let stored = confirmations(&gw, "RECORDED").await;
        assert_eq!(stored.len(), 1, "{}", db.name);
        assert_eq!(stored[0]["lastError"], "EINSUFFICIENT_FLOAT");
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

/// The stored confirmations with `status`.
async fn wallet_list(gw: &TestGateway, address: &str) -> Answer {
    gw.send(
        Request::builder()
            .method("POST")
            .uri("/wallet/api/tax-refunds")
            .header("content-type", "application/json")
            .body(Body::from(json!({ "address": address }).to_string()))
            .unwrap(),
    )
    .await
}

async fn confirmations(gw: &TestGateway, status: &str) -> Vec<Value> {
    let list = gw
        .admin(
            "GET",
            &format!("/admin/tax-refunds/confirmations?status={status}"),
            None,
        )
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    list.body["data"]["confirmations"]
        .as_array()
        .unwrap()
        .clone()
}

async fn record_confirmations(gw: &TestGateway, body: Value) -> Answer {
    gw.admin("POST", "/admin/tax-refunds/confirmations", Some(body))
        .await
}

async fn pay_batch(gw: &TestGateway, body: Value) -> Answer {
    gw.admin("POST", "/admin/tax-refunds/payments", Some(body))
        .await
}

/// The audit log's actions, in order.
async fn audit_actions(gw: &TestGateway) -> Vec<String> {
    yenpay_gateway::store::audit_log::page(&gw.state.db.pool, 0, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .filter(|a| a.starts_with("TAX_REFUND"))
        .collect()
}

fn claimed_orders(gw: &TestGateway) -> Vec<String> {
    tax_calls(gw)
        .into_iter()
        .flat_map(|call| match call {
            Call::ClaimTaxRefunds { claims, .. } => claims.into_iter().map(|(_, o, _)| o),
            _ => unreachable!(),
        })
        .collect()
}

#[tokio::test]
async fn confirmations_are_recorded_once_then_paid_in_a_batch() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        record(&gw, "TAX-1", claimable());
        record(&gw, "TAX-2", claimable());
        let body = claims(vec![
            claim("TAX-1", TRAVELLER, &agent()),
            claim("TAX-2", TRAVELLER, &agent()),
            claim("TAX-3", TRAVELLER, &agent()),
        ]);
        let first = record_confirmations(&gw, body.clone()).await;
        assert_eq!(first.status, StatusCode::OK, "{}", first.text);
        let results = first.body["data"]["claims"].as_array().unwrap().clone();
        assert_eq!(
            results
                .iter()
                .map(|r| (r["result"].clone(), r.get("reason").cloned()))
                .collect::<Vec<_>>(),
            vec![
                (json!("RECORDED"), None),
                (json!("RECORDED"), None),
                (json!("REFUSED"), Some(json!("PURCHASE_NOT_FOUND"))),
            ]
        );
        assert_eq!(results[0]["amount"], 1_000);
        assert!(tax_calls(&gw).is_empty(), "recording sends nothing");
        // The same attestations again: the same records.
        let again = record_confirmations(&gw, body).await;
        for (i, first) in results.iter().take(2).enumerate() {
            assert_eq!(
                again.body["data"]["claims"][i]["confirmationId"],
                first["confirmationId"]
            );
        }
        assert_eq!(confirmations(&gw, "RECORDED").await.len(), 2);
        // Another attestation for TAX-1 (another key), another wallet, a
        // forged signature: refused by name, nothing stored.
        let other_key = SigningKey::from_bytes(&[7; 32]);
        let mut rotated = claims(vec![claim("TAX-1", TRAVELLER, &other_key)]);
        rotated["agentPublicKey"] = json!(const_hex::encode(other_key.verifying_key().to_bytes()));
        let conflict = record_confirmations(&gw, rotated).await;
        assert_eq!(
            conflict.body["data"]["claims"][0]["reason"], "CONFLICTING_ATTESTATION",
            "{}",
            conflict.text
        );
        assert_eq!(
            conflict.body["data"]["claims"][0]["confirmationId"],
            results[0]["confirmationId"]
        );
        let refused = record_confirmations(
            &gw,
            claims(vec![
                claim("TAX-2", STRANGER, &agent()),
                claim("TAX-2", TRAVELLER, &other_key),
            ]),
        )
        .await;
        assert_eq!(refused.body["data"]["claims"][0]["reason"], "NOT_PAYER");
        assert_eq!(
            refused.body["data"]["claims"][1]["reason"],
            "INVALID_SIGNATURE"
        );
        assert_eq!(confirmations(&gw, "RECORDED").await.len(), 2);
        // Paying: every pending one, in one transaction.
        let paid = pay_batch(&gw, json!({"allPending": true})).await;
        assert_eq!(paid.status, StatusCode::OK, "{}", paid.text);
        let paid_list = paid.body["data"]["confirmations"].as_array().unwrap();
        assert_eq!(paid_list.len(), 2);
        assert!(
            paid_list
                .iter()
                .all(|c| c["status"] == "PAID" && c["amount"] == 1_000)
        );
        assert!(paid.body["data"]["transaction"]["hash"].is_string());
        let mut sent = claimed_orders(&gw);
        sent.sort();
        assert_eq!(sent, vec!["TAX-1", "TAX-2"]);
        // Again: nothing pending; by id: already paid, nothing sent.
        let none = pay_batch(&gw, json!({"allPending": true})).await;
        assert_eq!(none.body["data"]["confirmations"], json!([]));
        let by_id = pay_batch(
            &gw,
            json!({"confirmationIds": [results[0]["confirmationId"], "trc_000000000000000000000000"]}),
        )
        .await;
        assert_eq!(by_id.status, StatusCode::OK, "{}", by_id.text);
        assert_eq!(by_id.body["data"]["confirmations"][0]["status"], "PAID");
        assert_eq!(
            by_id.body["data"]["confirmations"][1]["status"],
            "NOT_FOUND"
        );
        assert_eq!(tax_calls(&gw).len(), 1, "paid once");
        let stored = confirmations(&gw, "PAID").await;
        assert_eq!(stored.len(), 2);
        assert!(stored.iter().all(|c| c["transactionHash"].is_string()));
        assert_eq!(
            audit_actions(&gw).await,
            vec![
                "TAX_REFUND_CONFIRMATION_RECORDED",
                "TAX_REFUND_CONFIRMATION_RECORDED",
                "TAX_REFUNDS_PAID"
            ],
            "{}",
            db.name
        );
    }
}

#[tokio::test]
async fn a_payment_batch_is_bounded_and_admin_only() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        for body in [
            json!({}),
            json!({"confirmationIds": []}),
            json!({"confirmationIds": ["trc_1"], "allPending": true}),
            json!({"confirmationIds": vec!["trc_1"; MAX + 1]}),
        ] {
            let answer = pay_batch(&gw, body.clone()).await;
            assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{body}");
        }
        let flood = record_confirmations(
            &gw,
            claims(vec![claim("TAX-1", TRAVELLER, &agent()); MAX + 1]),
        )
        .await;
        assert_eq!(flood.status, StatusCode::BAD_REQUEST);
        for (method, path, body) in [
            (
                "POST",
                "/admin/tax-refunds/payments",
                json!({"allPending": true}),
            ),
            (
                "POST",
                "/admin/tax-refunds/confirmations",
                claims(vec![claim("TAX-1", TRAVELLER, &agent())]),
            ),
            ("GET", "/admin/tax-refunds/confirmations", Value::Null),
        ] {
            let request = || {
                Request::builder()
                    .method(method)
                    .uri(path)
                    .header("content-type", "application/json")
                    .body(if body.is_null() {
                        Body::empty()
                    } else {
                        Body::from(body.to_string())
                    })
                    .unwrap()
            };
            let anonymous = gw.send_admin(request()).await;
            assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{path}");
            let public = gw.send(request()).await;
            assert_eq!(public.status, StatusCode::NOT_FOUND, "{path}");
        }
        assert!(tax_calls(&gw).is_empty());
    }
}

const MAX: usize = yenpay_gateway::api::tax_refunds::MAX_CLAIMS;

#[tokio::test]
async fn a_batch_in_doubt_is_reconciled_from_the_chain_never_paid_twice() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        record(&gw, "TAX-1", claimable());
        record(&gw, "TAX-2", claimable());
        let recorded = record_confirmations(
            &gw,
            claims(vec![
                claim("TAX-1", TRAVELLER, &agent()),
                claim("TAX-2", TRAVELLER, &agent()),
            ]),
        )
        .await;
        assert_eq!(recorded.status, StatusCode::OK, "{}", recorded.text);
        // The node takes the batch and never answers.
        gw.ledger.set_next(Next::Unavailable);
        let lost = pay_batch(&gw, json!({"allPending": true})).await;
        assert_eq!(
            lost.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{}",
            lost.text
        );
        gw.ledger.set_next(Next::Succeed);
        let in_doubt = confirmations(&gw, "SUBMITTED").await;
        assert_eq!(in_doubt.len(), 2);
        assert!(in_doubt.iter().all(|c| c["transactionHash"].is_string()));
        // While the transaction may still commit, no batch takes them.
        let held = pay_batch(&gw, json!({"allPending": true})).await;
        assert_eq!(held.body["data"]["confirmations"], json!([]));
        let by_id = pay_batch(
            &gw,
            json!({"confirmationIds": [in_doubt[0]["confirmationId"]]}),
        )
        .await;
        assert_eq!(
            by_id.body["data"]["confirmations"][0]["status"],
            "SUBMITTED"
        );
        assert_eq!(tax_calls(&gw).len(), 1);
        // It committed for TAX-1 only (as far as this test's chain goes:
        // the chain's own answer is what counts), then expired.
        {
            let mut purchases = gw.ledger.tax_refunds.lock().unwrap();
            let (purchase, status) = purchases
                .get_mut(&(address(MERCHANT), "TAX-1".to_owned()))
                .unwrap();
            purchase.tax_refunded = 1_000;
            purchase.refunded_at = NOW as u64 + 5;
            *status = RefundStatus::Refunded {
                amount: 1_000,
                refunded_at: NOW as u64 + 5,
            };
        }
        gw.clock.advance(TX_LIFETIME as i64 + 200);
        let settled = pay_batch(&gw, json!({"allPending": true})).await;
        assert_eq!(settled.status, StatusCode::OK, "{}", settled.text);
        let list = settled.body["data"]["confirmations"].as_array().unwrap();
        let of = |order: &str| {
            let id = &recorded.body["data"]["claims"][if order == "TAX-1" { 0 } else { 1 }]["confirmationId"];
            list.iter()
                .find(|c| &c["confirmationId"] == id)
                .unwrap()
                .clone()
        };
        assert_eq!(of("TAX-1")["status"], "PAID");
        assert_eq!(of("TAX-1")["reconciled"], true);
        assert_eq!(of("TAX-2")["status"], "PAID");
        assert!(of("TAX-2").get("reconciled").is_none());
        // TAX-1 was not sent again: the second batch had TAX-2 alone.
        let calls = tax_calls(&gw);
        assert_eq!(calls.len(), 2);
        assert!(
            matches!(&calls[1], Call::ClaimTaxRefunds { claims, .. }
                if claims.iter().map(|(_, o, _)| o.as_str()).collect::<Vec<_>>() == ["TAX-2"]),
            "{calls:?}"
        );
        let actions = audit_actions(&gw).await;
        for action in [
            "TAX_REFUNDS_IN_DOUBT",
            "TAX_REFUND_RECONCILED",
            "TAX_REFUNDS_PAID",
        ] {
            assert!(
                actions.contains(&action.to_owned()),
                "{action}: {actions:?}"
            );
        }
    }
}

/// Two gateways on one database, each with two requests paying at once (by
/// id in either order, and all pending), on several threads: each
/// confirmation is sent exactly once. (Checked to fail when the claim's
/// condition is loosened to re-take a claimed row.)
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_paying_at_once_send_each_confirmation_once() {
    for db in backends().await {
        let first = std::sync::Arc::new(TestGateway::new(&db).await);
        let second = std::sync::Arc::new(TestGateway::new(&db).await);
        let orders: Vec<String> = (0..24).map(|i| format!("TAX-{i}")).collect();
        for order in &orders {
            record(&first, order, claimable());
            record(&second, order, claimable());
        }
        let mut ids: Vec<Value> = Vec::new();
        for chunk in orders.chunks(MAX) {
            let recorded = record_confirmations(
                &first,
                claims(
                    chunk
                        .iter()
                        .map(|o| claim(o, TRAVELLER, &agent()))
                        .collect(),
                ),
            )
            .await;
            assert_eq!(recorded.status, StatusCode::OK, "{}", recorded.text);
            ids.extend(
                recorded.body["data"]["claims"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c["confirmationId"].clone()),
            );
        }
        let reversed: Vec<Value> = ids.iter().rev().cloned().collect();
        let requests = [
            (first.clone(), json!({"confirmationIds": ids})),
            (first.clone(), json!({"confirmationIds": reversed})),
            (second.clone(), json!({"confirmationIds": ids})),
            (second.clone(), json!({"allPending": true})),
        ];
        let tasks: Vec<_> = requests
            .into_iter()
            .map(|(gw, body)| {
                tokio::spawn(async move {
                    let mut statuses = Vec::new();
                    for _ in 0..3 {
                        statuses.push(pay_batch(&gw, body.clone()).await.status);
                    }
                    statuses
                })
            })
            .collect();
        for task in tasks {
            for status in task.await.unwrap() {
                assert_eq!(status, StatusCode::OK);
            }
        }
        let mut sent = claimed_orders(&first);
        sent.extend(claimed_orders(&second));
        sent.sort();
        let mut expected = orders.clone();
        expected.sort();
        assert_eq!(sent, expected, "each sent exactly once ({})", db.name);
        assert_eq!(confirmations(&first, "PAID").await.len(), orders.len());
    }
}

#[tokio::test]
async fn a_batch_under_a_rotated_agent_key_is_refused_and_replaced() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        record(&gw, "TAX-1", claimable());
        record_confirmations(&gw, claims(vec![claim("TAX-1", TRAVELLER, &agent())])).await;
        // The chain's agent is another key now.
        gw.ledger
            .set_next(Next::Reject("EPUBLIC_KEY_MISMATCH".to_owned()));
        let refused = pay_batch(&gw, json!({"allPending": true})).await;
        assert_eq!(refused.status, StatusCode::OK, "{}", refused.text);
        assert_eq!(
            refused.body["data"]["confirmations"][0]["reason"],
            "EPUBLIC_KEY_MISMATCH"
        );
        gw.ledger.set_next(Next::Succeed);
        // Not pending any more; the new key's attestation takes its place.
        let none = pay_batch(&gw, json!({"allPending": true})).await;
        assert_eq!(none.body["data"]["confirmations"], json!([]));
        let new_key = SigningKey::from_bytes(&[8; 32]);
        let mut body = claims(vec![claim("TAX-1", TRAVELLER, &new_key)]);
        body["agentPublicKey"] = json!(const_hex::encode(new_key.verifying_key().to_bytes()));
        let replaced = record_confirmations(&gw, body).await;
        assert_eq!(replaced.body["data"]["claims"][0]["result"], "RECORDED");
        assert_eq!(
            replaced.body["data"]["claims"][0]["confirmationId"],
            refused.body["data"]["confirmations"][0]["confirmationId"],
            "one record per purchase"
        );
        let paid = pay_batch(&gw, json!({"allPending": true})).await;
        assert_eq!(paid.body["data"]["confirmations"][0]["status"], "PAID");
    }
}

#[tokio::test]
async fn the_follower_marks_the_refund_paid_and_tells_the_merchant() {
    for db in backends().await {
        let mut config = config();
        config.follower_start_version = 3_900;
        let gw = TestGateway::with_config(&db, config).await;
        let m = gw.merchant("TAX FREE SHOP").await;
        let hook = gw
            .admin(
                "POST",
                &format!("/admin/merchants/{}/webhooks", m.id),
                Some(json!({"url": "http://127.0.0.1:9/hook"})),
            )
            .await;
        assert_eq!(hook.status, StatusCode::CREATED, "{}", hook.text);
        let merchant = m.address.to_hex();
        let purchase_of = |order: &str| ((m.address, order.to_owned()), (purchase(), claimable()));
        gw.ledger
            .tax_refunds
            .lock()
            .unwrap()
            .extend([purchase_of("TAX-1"), purchase_of("TAX-2")]);
        follow(
            &gw,
            tax_tx(
                4_000,
                NOW,
                vec![
                    recorded(&merchant, "TAX-1", 11_000, 1_000, true),
                    recorded(&merchant, "TAX-2", 11_000, 1_000, true),
                ],
            ),
            4_000,
            NOW,
        )
        .await;
        let statuses = |answer: &Answer| -> Vec<(String, String, u64)> {
            answer.body["data"]["purchases"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| {
                    (
                        p["merchantPaymentId"].as_str().unwrap().to_owned(),
                        p["status"].as_str().unwrap().to_owned(),
                        p["refundable"].as_u64().unwrap(),
                    )
                })
                .collect()
        };
        let before = wallet_list(&gw, TRAVELLER).await;
        assert_eq!(before.status, StatusCode::OK, "{}", before.text);
        assert_eq!(
            statuses(&before),
            vec![
                ("TAX-1".into(), "NOT_CONFIRMED".into(), 1_000),
                ("TAX-2".into(), "NOT_CONFIRMED".into(), 1_000)
            ]
        );
        assert_eq!(
            before.body["data"]["purchases"][0]["merchantName"],
            "TAX FREE SHOP"
        );
        assert_eq!(
            before.body["data"]["purchases"][0]["claimBefore"],
            NOW as u64 + CLAIM_WINDOW_SECS
        );
        // The agent records TAX-1's export; the batch's answer is lost.
        let mut body = claims(vec![claim("TAX-1", TRAVELLER, &agent())]);
        body["claims"][0]["merchant"] = json!(merchant);
        let signed = ExportAttestation::new(
            CHAIN_ID,
            from_sdk(package()),
            from_sdk(m.address),
            OrderRef::new("TAX-1").unwrap(),
            from_sdk(address(TRAVELLER)),
        )
        .sign(from_sdk(package()), &agent())
        .unwrap();
        body["claims"][0]["signature"] = json!(const_hex::encode(signed.signature));
        let recorded_answer = record_confirmations(&gw, body).await;
        assert_eq!(
            recorded_answer.body["data"]["claims"][0]["result"], "RECORDED",
            "{}",
            recorded_answer.text
        );
        let id = recorded_answer.body["data"]["claims"][0]["confirmationId"].clone();
        assert_eq!(
            statuses(&wallet_list(&gw, TRAVELLER).await)[0],
            ("TAX-1".into(), "CONFIRMED".into(), 1_000)
        );
        gw.ledger.set_next(Next::Unavailable);
        pay_batch(&gw, json!({"allPending": true})).await;
        gw.ledger.set_next(Next::Succeed);
        // The follower reads the refund: PAID, the webhook queued, once.
        let refund = tax_tx(
            4_001,
            NOW + 60,
            vec![refunded(&merchant, "TAX-1", 1_000, 1_000)],
        );
        follow(&gw, refund.clone(), 4_001, NOW + 60).await;
        follow(&gw, refund, 4_001, NOW + 60).await;
        let paid = confirmations(&gw, "PAID").await;
        assert_eq!(paid.len(), 1, "{}", db.name);
        assert_eq!(paid[0]["confirmationId"], id);
        assert_eq!(paid[0]["transactionHash"], format!("0x{:064x}", 4_001));
        let after = wallet_list(&gw, TRAVELLER).await;
        assert_eq!(
            statuses(&after),
            vec![
                ("TAX-1".into(), "REFUNDED".into(), 1_000),
                ("TAX-2".into(), "NOT_CONFIRMED".into(), 1_000)
            ]
        );
        assert_eq!(after.body["data"]["purchases"][0]["refundedAt"], NOW + 60);
        let hooks: Vec<(String, String)> = sqlx::query_as(
            "SELECT event_type, body FROM webhook_outbox WHERE event_type = 'TAX_REFUND_PAID'",
        )
        .fetch_all(&gw.state.db.pool)
        .await
        .unwrap();
        assert_eq!(hooks.len(), 1, "one delivery per event");
        let hook: Value = serde_json::from_str(&hooks[0].1).unwrap();
        assert_eq!(hook["id"], "evt_4001_0");
        assert_eq!(hook["data"]["amount"]["amount"], 1_000);
        assert_eq!(hook["data"]["traveller"], TRAVELLER);
        assert_eq!(hook["data"]["confirmationId"], id);
        assert_eq!(hook["data"]["merchantPaymentId"], "TAX-1");
    }
}

#[tokio::test]
async fn the_wallet_sees_eligibility_and_expiry_of_its_own_purchases() {
    for db in backends().await {
        let mut config = config();
        config.follower_start_version = 3_900;
        let gw = TestGateway::with_config(&db, config).await;
        follow(
            &gw,
            tax_tx(
                4_000,
                NOW,
                vec![
                    recorded(MERCHANT, "TAX-1", 11_000, 1_000, true),
                    recorded(MERCHANT, "TAX-2", 2_200, 200, false),
                ],
            ),
            4_000,
            NOW,
        )
        .await;
        let read = || {
            gw.send(
                Request::builder()
                    .method("POST")
                    .uri("/wallet/api/tax-refunds")
                    .header("content-type", "application/json")
                    .body(Body::from(json!({"address": TRAVELLER}).to_string()))
                    .unwrap(),
            )
        };
        let now = read().await;
        assert_eq!(now.body["data"]["purchases"][1]["status"], "NOT_ELIGIBLE");
        gw.clock.advance(CLAIM_WINDOW_SECS as i64);
        let later = read().await;
        assert_eq!(later.body["data"]["purchases"][0]["status"], "EXPIRED");
        assert_eq!(later.body["data"]["purchases"][0]["refundable"], 0);
        // Nobody else's purchases, and a bad address is refused.
        let other = gw
            .send(
                Request::builder()
                    .method("POST")
                    .uri("/wallet/api/tax-refunds")
                    .header("content-type", "application/json")
                    .body(Body::from(json!({"address": STRANGER}).to_string()))
                    .unwrap(),
            )
            .await;
        assert_eq!(other.body["data"]["purchases"], json!([]));
        let bad = gw
            .send(
                Request::builder()
                    .method("POST")
                    .uri("/wallet/api/tax-refunds")
                    .header("content-type", "application/json")
                    .body(Body::from(json!({"address": "0xZZ"}).to_string()))
                    .unwrap(),
            )
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    }
}

/// The wallet page lists the tax-free purchases its address paid: the tax,
/// the deadline and where each refund stands, in English and Japanese.
#[tokio::test]
async fn wallet_page_shows_each_purchase_s_refundable_tax_and_its_status() {
    let Some(browser) = crate::browser::Browser::start(
        "wallet_page_shows_each_purchase_s_refundable_tax_and_its_status",
    )
    .await
    else {
        return;
    };
    let db = backends().await.remove(0);
    let mut config = config();
    config.follower_start_version = 3_900;
    let gw = TestGateway::with_config(&db, config).await;
    let base = gw.serve().await;
    let m = gw.merchant("TAX FREE SHOP").await;
    let merchant = m.address.to_hex();
    browser
        .open(&format!("{base}/wallet"), "#wallet-payload")
        .await;
    let wallet = browser.wait_text("#wallet-address", "0x").await;
    let wallet = wallet.trim().to_owned();
    assert_eq!(
        browser
            .eval("return document.getElementById('wallet-tax').hidden")
            .await,
        json!(true),
        "no tax-free purchase, no section"
    );
    // Three purchases paid by this wallet: one waiting for customs, one
    // confirmed by the agent, one refunded; and one not eligible.
    let bought = |order: &str, tax: u64, tax_free: bool| {
        let (name, mut data) = recorded(&merchant, order, tax * 11, tax, tax_free);
        data["payer"] = json!(wallet);
        (name, data)
    };
    follow(
        &gw,
        tax_tx(
            4_000,
            NOW,
            vec![
                bought("TF-1", 1_000, true),
                bought("TF-2", 500, true),
                bought("TF-3", 300, true),
                bought("TF-4", 200, false),
            ],
        ),
        4_000,
        NOW,
    )
    .await;
    let mut tx = gw.state.db.begin().await.unwrap();
    yenpay_gateway::store::tax_refunds::record(
        &mut tx,
        &yenpay_gateway::store::tax_refunds::NewConfirmation {
            merchant_address: &merchant,
            order_ref: "TF-2",
            purchase_paid_at: NOW,
            traveller: &wallet,
            agent_public_key: &"00".repeat(32),
            signature: &"00".repeat(64),
            amount: 500,
        },
        NOW,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let (name, mut data) = refunded(&merchant, "TF-3", 300, 300);
    data["traveller"] = json!(wallet);
    follow(
        &gw,
        tax_tx(4_001, NOW + 3_600, vec![(name, data)]),
        4_001,
        NOW + 3_600,
    )
    .await;
    browser.click("#wallet-refresh").await;
    browser.wait_shown("#wallet-tax").await;
    let status = |order: &str| {
        format!(
            "return document.querySelector('#wallet-tax-list li[data-order=\"{order}\"] .tax-status')?.textContent ?? ''"
        )
    };
    browser
        .wait_eval(
            &status("TF-1"),
            "Not yet confirmed: show the goods and your passport at customs when you leave",
            std::time::Duration::from_secs(5),
        )
        .await;
    assert_eq!(
        browser.eval(&status("TF-2")).await,
        json!("Export confirmed: ¥500 is on its way")
    );
    let refunded_text = browser.eval(&status("TF-3")).await;
    assert!(
        refunded_text
            .as_str()
            .unwrap()
            .starts_with("Refunded ¥300 on "),
        "{refunded_text}"
    );
    assert_eq!(browser.eval(&status("TF-4")).await, json!("Not tax-free"));
    let first = browser
        .eval(
            "return document.querySelector('#wallet-tax-list li[data-order=\"TF-1\"]').textContent",
        )
        .await;
    let first = first.as_str().unwrap();
    assert!(first.contains("TAX FREE SHOP"), "{first}");
    assert!(first.contains("Tax to refund: ¥1,000"), "{first}");
    assert!(first.contains("Export to be confirmed before"), "{first}");
    assert_eq!(browser.unlabelled_controls().await, Vec::<String>::new());
    // In Japanese.
    browser.click("#wallet-lang").await;
    browser
        .wait_eval(
            &status("TF-4"),
            "免税対象外",
            std::time::Duration::from_secs(5),
        )
        .await;
    browser
        .eval("document.getElementById('wallet-tax').scrollIntoView(); return true")
        .await;
    browser.save_screenshot("wallet-tax-refunds").await;
    browser.close().await;
}

#[tokio::test]
async fn the_wallet_sees_a_merchant_refund_reduce_the_tax_refund() {
    for db in backends().await {
        let mut config = config();
        config.follower_start_version = 3_900;
        let gw = TestGateway::with_config(&db, config).await;
        let m = gw.merchant("TAX FREE SHOP").await;
        let merchant = m.address.to_hex();
        // A ¥1,000 tax-free code with ¥90 of tax, paid (by the fixture's
        // payer): the payment and the purchase in one transaction.
        let mut paid = signed_payment_tx(&gw, &m, "TAX-R", 4_000).await;
        let events = paid["events"].as_array_mut().unwrap();
        let payer = events
            .iter()
            .find(|e| e["type"].as_str().unwrap().ends_with("::InvoicePaid"))
            .unwrap()["data"]["payer"]
            .as_str()
            .unwrap()
            .to_owned();
        let (name, mut data) = recorded(&merchant, "TAX-R", 1_000, 90, true);
        data["payer"] = json!(payer);
        let mut event = events[0].clone();
        event["type"] = json!(format!("{PACKAGE}::tax_refund::{name}"));
        event["data"] = data;
        events.push(event);
        follow(&gw, paid, 4_000, NOW).await;
        let refunded_by_merchant = |yen: i64| {
            sqlx::query("UPDATE payments SET refunded = $1 WHERE merchant_payment_id = 'TAX-R'")
                .bind(yen)
                .execute(&gw.state.db.pool)
        };
        let first = |answer: &Answer| answer.body["data"]["purchases"][0].clone();
        let whole = first(&wallet_list(&gw, &payer).await);
        assert_eq!(
            (
                whole["status"].clone(),
                whole["refundable"].clone(),
                whole["reducedByMerchantRefund"].clone()
            ),
            (json!("NOT_CONFIRMED"), json!(90), json!(false)),
            "{}",
            db.name
        );
        // Half refunded by the shop: half the tax, floored.
        refunded_by_merchant(500).await.unwrap();
        let half = first(&wallet_list(&gw, &payer).await);
        assert_eq!(
            (
                half["status"].clone(),
                half["refundable"].clone(),
                half["reducedByMerchantRefund"].clone()
            ),
            (json!("NOT_CONFIRMED"), json!(45), json!(true))
        );
        // The merchant's receipt of the payment carries the same.
        let receipt = gw.call(&m, "GET", "/v2/codes/payments/TAX-R", None).await;
        assert_eq!(receipt.status, StatusCode::OK, "{}", receipt.text);
        assert_eq!(receipt.body["data"]["taxRefund"], half, "{}", receipt.text);
        refunded_by_merchant(1_000).await.unwrap();
        let none = first(&wallet_list(&gw, &payer).await);
        assert_eq!(
            (none["status"].clone(), none["refundable"].clone()),
            (json!("REFUNDED_BY_MERCHANT"), json!(0))
        );
    }
}

#[tokio::test]
async fn an_attestation_by_a_key_that_is_not_the_agent_s_is_not_recorded() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        record(&gw, "TAX-1", claimable());
        *gw.ledger.refund_agent_key.lock().unwrap() = Some(agent().verifying_key().to_bytes());
        // Validly signed, by a key that is not the role's.
        let other_key = SigningKey::from_bytes(&[7; 32]);
        let mut body = claims(vec![claim("TAX-1", TRAVELLER, &other_key)]);
        body["agentPublicKey"] = json!(const_hex::encode(other_key.verifying_key().to_bytes()));
        for path in [
            "/admin/tax-refunds/confirmations",
            "/admin/tax-refunds/claims",
        ] {
            let answer = gw.admin("POST", path, Some(body.clone())).await;
            assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
            assert_eq!(
                answer.body["data"]["claims"][0]["reason"], "NOT_REFUND_AGENT_KEY",
                "{path}"
            );
        }
        let all = gw
            .admin("GET", "/admin/tax-refunds/confirmations", None)
            .await;
        assert_eq!(all.body["data"]["confirmations"], json!([]));
        assert!(tax_calls(&gw).is_empty());
        // The agent's own key is recorded.
        let good =
            record_confirmations(&gw, claims(vec![claim("TAX-1", TRAVELLER, &agent())])).await;
        assert_eq!(good.body["data"]["claims"][0]["result"], "RECORDED");
    }
}

/// A replica that claimed confirmations and died before sending them: they
/// wait out the claim, then the next batch pays them (once).
#[tokio::test]
async fn a_batch_that_died_before_sending_is_taken_over_after_its_claim() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        record(&gw, "TAX-1", claimable());
        let recorded =
            record_confirmations(&gw, claims(vec![claim("TAX-1", TRAVELLER, &agent())])).await;
        let id = recorded.body["data"]["claims"][0]["confirmationId"]
            .as_str()
            .unwrap()
            .to_owned();
        // The dead replica's claim, as its batch wrote it.
        use yenpay_gateway::store::tax_refunds as store;
        assert!(
            store::claim(
                &gw.state.db.pool,
                &id,
                "dead-replica",
                NOW,
                NOW + store::CLAIM_LEASE_SECS
            )
            .await
            .unwrap()
        );
        let held = pay_batch(&gw, json!({"allPending": true})).await;
        assert_eq!(held.body["data"]["confirmations"], json!([]));
        gw.clock.advance(store::CLAIM_LEASE_SECS + 1);
        let paid = pay_batch(&gw, json!({"allPending": true})).await;
        assert_eq!(paid.status, StatusCode::OK, "{}", paid.text);
        assert_eq!(paid.body["data"]["confirmations"][0]["status"], "PAID");
        assert_eq!(tax_calls(&gw).len(), 1, "{}", db.name);
        // The dead replica's late writes change nothing: they carry its token.
        let mut tx = gw.state.db.begin().await.unwrap();
        assert!(
            !store::refused(&mut tx, &id, "dead-replica", "EXPIRED", NOW)
                .await
                .unwrap()
        );
        tx.commit().await.unwrap();
        assert_eq!(confirmations(&gw, "PAID").await.len(), 1);
    }
}
