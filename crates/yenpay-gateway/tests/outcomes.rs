//! One owner of a payment's state (issue 30, item 4) and truthful outcomes
//! (item 5): an order reference reused on chain after a purge is a new
//! payment, whose amounts the API and the webhook both show; a refusal at
//! submission fails the code and frees its reference; an unknown outcome
//! waits for the reconciler, which settles it as committed or failed; a
//! failed refund does not count against what is left. Every test runs on
//! each database backend.

use crate::common::*;
use axum::http::StatusCode;
use serde_json::{Value, json};
use yenpay_gateway::chain::ChainError;
use yenpay_gateway::follower::{self, Finish};
use yenpay_gateway::reconcile;
use yenpay_gateway::store::payments::{self, NewPayment, PaymentKind, PaymentStatus};

const PAYER: &str = "0x7ff276a6ffc8b35173affa20fc88998544613aaa754baf636a68e143c510e02f";

fn event(name: &str, data: Value) -> Value {
    json!({
        "guid": {"creation_number": "0", "account_address": "0x0"},
        "sequence_number": "0",
        "type": format!("{PACKAGE}::invoice::{name}"),
        "data": data,
    })
}

fn created(m: &TestMerchant, order: &str, amount: u64) -> Value {
    event(
        "InvoiceCreated",
        json!({"merchant": m.address.to_hex(), "order_ref": order, "amount": amount.to_string(),
               "expires_at": (NOW + 300).to_string(), "created_by": m.terminal.to_hex()}),
    )
}

fn paid(m: &TestMerchant, order: &str, amount: u64) -> Value {
    let fee = amount / 100;
    event(
        "InvoicePaid",
        json!({"merchant": m.address.to_hex(), "order_ref": order, "payer": PAYER,
               "amount": amount.to_string(), "fee": fee.to_string(), "net": (amount - fee).to_string(),
               "paid_at": NOW.to_string()}),
    )
}

fn purged(m: &TestMerchant, order: &str) -> Value {
    event(
        "InvoicePurged",
        json!({"merchant": m.address.to_hex(), "order_ref": order}),
    )
}

/// A committed transaction at `version` emitting `events`.
fn transaction(version: u64, events: Vec<Value>) -> Value {
    json!({
        "type": "user_transaction",
        "version": version.to_string(),
        "hash": format!("0x{version:064x}"),
        "timestamp": (NOW as u64 * 1_000_000).to_string(),
        "success": true,
        "events": events,
    })
}

/// Applies `page` through the follower, from its first version.
async fn follow(gw: &TestGateway, page: Vec<Value>) {
    let first: u64 = page[0]["version"].as_str().unwrap().parse().unwrap();
    let last = first + page.len() as u64 - 1;
    seek(gw, first).await;
    let head = yenpay_gateway::chain::LedgerHead {
        version: last,
        timestamp_us: NOW as u64 * 1_000_000,
        chain_id: CHAIN_ID,
        oldest_version: 0,
    };
    follower::apply_page(&gw.state, &page, head, Finish::Commit)
        .await
        .unwrap();
}

/// The PAYMENT_COMPLETED webhook of the payment paid at `version`.
async fn completed_webhook(gw: &TestGateway, m: &TestMerchant, version: u64) -> Value {
    let deliveries = yenpay_gateway::outbox::deliveries_of(&gw.state.db.pool, &m.id, None)
        .await
        .unwrap();
    let delivery = deliveries
        .iter()
        .find(|d| d.event_id == format!("evt_{version}_0"))
        .expect("a webhook for the payment");
    assert_eq!(delivery.event_type, "PAYMENT_COMPLETED");
    serde_json::from_str::<Value>(&delivery.body).unwrap()["data"].clone()
}

#[tokio::test]
async fn an_order_reference_reused_after_a_purge_is_a_new_payment() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        let m = gw.merchant("SHOP").await;
        let hook = gw
            .admin(
                "POST",
                &format!("/admin/merchants/{}/webhooks", m.id),
                Some(json!({"url": "http://127.0.0.1:9/hook"})),
            )
            .await;
        assert_eq!(hook.status, StatusCode::CREATED, "{}", hook.text);

        // Invoice A: ref R, 50000 yen, created through the API at 5000, paid and purged.
        gw.ledger.set_version(5_000);
        let a = gw.create_code(&m, "R", 50_000).await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
        let a_code = a.body["data"]["codeId"].as_str().unwrap().to_owned();
        follow(
            &gw,
            vec![
                transaction(5_000, vec![created(&m, "R", 50_000)]),
                transaction(5_001, vec![paid(&m, "R", 50_000)]),
            ],
        )
        .await;
        // While A's record is on chain, R is taken.
        let taken = gw.create_code(&m, "R", 1_000).await;
        assert_eq!(
            (taken.status, taken.code()),
            (StatusCode::CONFLICT, "DUPLICATE_DYNAMIC_QR_REQUEST"),
            "{}",
            db.name
        );
        follow(&gw, vec![transaction(5_002, vec![purged(&m, "R")])]).await;

        // Invoice B: the same ref, 1000 yen, created at 5003 and paid at 5004.
        gw.ledger.set_version(5_003);
        let b = gw.create_code(&m, "R", 1_000).await;
        assert_eq!(b.status, StatusCode::CREATED, "{}: {}", db.name, b.text);
        let b_code = b.body["data"]["codeId"].as_str().unwrap().to_owned();
        assert_ne!(b_code, a_code, "a new payment, with its own code id");
        follow(
            &gw,
            vec![
                transaction(5_003, vec![created(&m, "R", 1_000)]),
                transaction(5_004, vec![paid(&m, "R", 1_000)]),
            ],
        )
        .await;

        // The API and the webhook both show B.
        let api = gw.call(&m, "GET", "/v2/codes/payments/R", None).await;
        let api = &api.body["data"];
        assert_eq!(
            (
                api["codeId"].as_str().unwrap(),
                api["status"].as_str().unwrap(),
                &api["amount"]["amount"],
                &api["fee"],
                &api["net"]
            ),
            (
                b_code.as_str(),
                "COMPLETED",
                &json!(1000),
                &json!(10),
                &json!(990)
            ),
            "{}",
            db.name
        );
        let webhook = completed_webhook(&gw, &m, 5_004).await;
        for field in ["codeId", "amount", "fee", "net", "status"] {
            assert_eq!(webhook[field], api[field], "{field}");
        }

        // A's row stays, with A's amounts, and A's webhook said A's.
        let rows = payments::all_of_reference(&gw.state.db.pool, &m.address.to_hex(), "R")
            .await
            .unwrap();
        assert_eq!(rows.len(), 2);
        let (first, second) = (&rows[0], &rows[1]);
        assert_eq!(first.code_id, a_code);
        assert_eq!(
            (first.status, first.amount, first.fee, first.net),
            (PaymentStatus::Paid, 50_000, Some(500), Some(49_500))
        );
        assert_eq!(
            (first.invoice_version, first.purged_version),
            (Some(5_000), Some(5_002))
        );
        assert_eq!(
            (
                second.code_id.as_str(),
                second.amount,
                second.fee,
                second.net
            ),
            (b_code.as_str(), 1_000, Some(10), Some(990))
        );
        assert_eq!(second.invoice_version, Some(5_003));
        let webhook_a = completed_webhook(&gw, &m, 5_001).await;
        assert_eq!(
            (
                &webhook_a["codeId"],
                &webhook_a["amount"]["amount"],
                &webhook_a["fee"]
            ),
            (&json!(a_code), &json!(50_000), &json!(500))
        );
    }
}

#[tokio::test]
async fn a_refusal_at_submission_fails_the_code_and_frees_its_reference() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        let m = gw.merchant("SHOP").await;
        // What the node's 400 at submission becomes (chain.rs maps the
        // client's error), for a customer-presented payment: its invoice is
        // created on chain (a dynamic code is signed, never submitted).
        gw.ledger.set_next(Next::Reject(
            "INSUFFICIENT_BALANCE_FOR_TRANSACTION_FEE".to_owned(),
        ));
        let customer = Customer {
            key: ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]),
        };
        let refused = gw
            .call(
                &m,
                "POST",
                "/v2/payments/cpm",
                Some(json!({"merchantPaymentId": "F-1", "customerCode": customer.code(&m, 700, NOW as u64 - 10, NOW as u64 + 300)})),
            )
            .await;
        assert_eq!(
            (refused.status, refused.code()),
            (StatusCode::UNPROCESSABLE_ENTITY, "CHAIN_REJECTED")
        );
        let shown = gw.call(&m, "GET", "/v2/codes/payments/F-1", None).await;
        assert_eq!(shown.body["data"]["status"], "FAILED", "{}", db.name);
        assert!(
            shown.body["data"]["failureReason"]
                .as_str()
                .unwrap()
                .starts_with("INSUFFICIENT_BALANCE_FOR_TRANSACTION_FEE"),
            "{}",
            shown.text
        );
        // The reference is free again: the next code with it is created.
        gw.ledger.set_next(Next::Succeed);
        let again = gw.create_code(&m, "F-1", 700).await;
        assert_eq!(again.status, StatusCode::CREATED, "{}", again.text);
        let shown = gw.call(&m, "GET", "/v2/codes/payments/F-1", None).await;
        assert_eq!(shown.body["data"]["status"], "CREATED");
        assert_eq!(shown.body["data"]["codeId"], again.body["data"]["codeId"]);
        assert!(shown.body["data"].get("failureReason").is_none());
    }
}

#[tokio::test]
async fn the_reconciler_settles_unknown_outcomes_as_committed_or_failed() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        let m = gw.merchant("SHOP").await;
        let pool = &gw.state.db.pool;

        // A customer-presented payment whose collection times out.
        let customer = Customer {
            key: ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]),
        };
        let code = customer.code(&m, 1500, NOW as u64 - 10, NOW as u64 + 300);
        // One transaction (`collect_signed_invoice`), whose outcome is unknown.
        gw.ledger.queue.lock().unwrap().push_back(Next::Unavailable);
        let unknown = gw
            .call(
                &m,
                "POST",
                "/v2/payments/cpm",
                Some(json!({"merchantPaymentId": "CPM-T", "customerCode": code})),
            )
            .await;
        assert_eq!(
            (unknown.status, unknown.code()),
            (StatusCode::SERVICE_UNAVAILABLE, "CHAIN_UNAVAILABLE"),
            "{}",
            unknown.text
        );
        let row = payments::by_merchant_payment_id(pool, &m.address.to_hex(), "CPM-T")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.status, PaymentStatus::Submitted, "{}", db.name);
        let hash = row.pending_tx.clone().expect("the hash to look up");
        // Not committed yet, not expired: it waits.
        let waiting = reconcile::run_once(&gw.state).await.unwrap();
        assert_eq!((waiting.waiting, waiting.committed), (1, 0));
        // The node later shows it committed: paid.
        gw.ledger.commit(&hash);
        let settled = reconcile::run_once(&gw.state).await.unwrap();
        assert_eq!(settled.committed, 1);
        let shown = gw.call(&m, "GET", "/v2/codes/payments/CPM-T", None).await;
        assert_eq!(shown.body["data"]["status"], "COMPLETED", "{}", shown.text);
        assert_eq!(shown.body["data"]["payer"], customer.address());
        assert_eq!(shown.body["data"]["fee"], 15);

        // A customer-presented payment whose collection times out and never commits.
        gw.ledger.set_next(Next::Unavailable);
        let lost = gw
            .call(
                &m,
                "POST",
                "/v2/payments/cpm",
                Some(json!({"merchantPaymentId": "LOST-1", "customerCode": customer.code(&m, 900, NOW as u64 - 10, NOW as u64 + 300)})),
            )
            .await;
        assert_eq!(
            lost.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{}",
            lost.text
        );
        let shown = gw.call(&m, "GET", "/v2/codes/payments/LOST-1", None).await;
        assert_eq!(
            shown.body["data"]["status"], "CREATED",
            "unknown reads as created"
        );
        assert_eq!(reconcile::run_once(&gw.state).await.unwrap().waiting, 1);
        // The chain's time passes its expiration: it can never commit.
        gw.ledger.set_head_time(NOW + TX_LIFETIME as i64 + 1);
        let settled = reconcile::run_once(&gw.state).await.unwrap();
        assert_eq!(settled.failed, 1);
        let shown = gw.call(&m, "GET", "/v2/codes/payments/LOST-1", None).await;
        assert_eq!(shown.body["data"]["status"], "FAILED");
        assert!(
            shown.body["data"]["failureReason"]
                .as_str()
                .unwrap()
                .starts_with("NOT_COMMITTED")
        );
        gw.ledger.set_next(Next::Succeed);
        assert_eq!(
            gw.create_code(&m, "LOST-1", 900).await.status,
            StatusCode::CREATED,
            "the reference is free again"
        );
        assert_eq!(
            reconcile::run_once(&gw.state).await.unwrap(),
            reconcile::Settled::default(),
            "nothing is left unsettled"
        );
    }
}

#[tokio::test]
async fn a_signed_code_that_expired_unpaid_frees_its_reference() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        let m = gw.merchant("SHOP").await;
        let first = gw.create_code(&m, "EXP-1", 500).await;
        assert_eq!(first.status, StatusCode::CREATED);
        // Open: the reference is held.
        assert_eq!(
            gw.create_code(&m, "EXP-1", 500).await.code(),
            "DUPLICATE_DYNAMIC_QR_REQUEST"
        );
        // The chain's clock passes the expiry (the follower expires it): no
        // record was ever written on chain, and none can be now.
        let mut conn = gw.state.db.pool.acquire().await.unwrap();
        let expired = payments::expire_due(&mut conn, NOW + 300).await.unwrap();
        assert_eq!(expired.len(), 1);
        drop(conn);
        let again = gw.create_code(&m, "EXP-1", 600).await;
        assert_eq!(again.status, StatusCode::CREATED, "{}", again.text);
        assert_ne!(again.body["data"]["codeId"], first.body["data"]["codeId"]);
        // Cancelled instead, its record stays on chain until the purge: held.
        gw.create_code(&m, "CAN-1", 500).await;
        let id = payments::code_id(&m.address.to_hex(), "CAN-1");
        gw.call(&m, "DELETE", &format!("/v2/codes/{id}"), None)
            .await;
        let mut conn = gw.state.db.pool.acquire().await.unwrap();
        payments::expire_due(&mut conn, NOW + 300).await.unwrap();
        drop(conn);
        assert_eq!(
            gw.create_code(&m, "CAN-1", 500).await.code(),
            "DUPLICATE_DYNAMIC_QR_REQUEST"
        );
        // ... and is what the housekeeping purges (the expired one has nothing to purge).
        let due = payments::purge_candidates(&gw.state.db.pool, NOW + 400, 10)
            .await
            .unwrap();
        assert_eq!(due, [(m.address.to_hex(), "CAN-1".to_owned())]);
    }
}

#[tokio::test]
async fn a_failed_refund_does_not_reduce_what_is_left() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        let m = gw.merchant("SHOP").await;
        gw.create_code(&m, "RF", 1000).await;
        pay(&gw, &m, "RF", 6_000).await;
        gw.ledger
            .payouts
            .lock()
            .unwrap()
            .insert(m.address, m.terminal);
        let refund = |id: &str, amount: u64| json!({"merchantRefundId": id, "merchantPaymentId": "RF", "amount": {"amount": amount, "currency": "JPY"}});
        // The refund's outcome is unknown: under way, it counts.
        gw.ledger.set_next(Next::Unavailable);
        let unknown = gw
            .call(&m, "POST", "/v2/refunds", Some(refund("RF-1", 600)))
            .await;
        assert_eq!(unknown.status, StatusCode::SERVICE_UNAVAILABLE);
        let shown = gw.call(&m, "GET", "/v2/refunds/RF-1", None).await;
        assert_eq!(shown.body["data"]["status"], "CREATED", "{}", db.name);
        gw.ledger.set_next(Next::Succeed);
        let too_much = gw
            .call(&m, "POST", "/v2/refunds", Some(refund("RF-2", 401)))
            .await;
        assert_eq!(
            (too_much.status, too_much.code()),
            (StatusCode::CONFLICT, "REFUND_AMOUNT_EXCEEDED")
        );
        // It never commits: failed, and it no longer counts.
        gw.ledger.set_head_time(NOW + TX_LIFETIME as i64 + 1);
        let settled = reconcile::run_once(&gw.state).await.unwrap();
        assert_eq!(settled.refunds_failed, 1);
        let shown = gw.call(&m, "GET", "/v2/refunds/RF-1", None).await;
        assert_eq!(shown.body["data"]["status"], "FAILED");
        assert!(
            shown.body["data"]["failureReason"]
                .as_str()
                .unwrap()
                .starts_with("NOT_COMMITTED")
        );
        let full = gw
            .call(&m, "POST", "/v2/refunds", Some(refund("RF-3", 1000)))
            .await;
        assert_eq!(full.status, StatusCode::CREATED, "{}", full.text);
        let payment = gw.call(&m, "GET", "/v2/codes/payments/RF", None).await;
        assert_eq!(payment.body["data"]["status"], "REFUNDED");
        assert_eq!(payment.body["data"]["refundedAmount"], 1000);
    }
}

#[tokio::test]
async fn a_submission_whose_request_died_is_failed_once_it_cannot_commit() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        let m = gw.merchant("SHOP").await;
        // A row written, then the process died before it learnt anything.
        let row = payments::reserve(
            &gw.state.db,
            &NewPayment {
                merchant_address: m.address.to_hex(),
                merchant_payment_id: "DIED-1".to_owned(),
                kind: PaymentKind::Dynamic,
                status: payments::PaymentStatus::Pending,
                amount: 100,
                expires_at: NOW + 300,
                created_at: NOW,
            },
            gw.state.config.code_quota,
        )
        .await
        .unwrap();
        let payments::Reservation::Reserved(row) = row else {
            panic!("not reserved: {row:?}")
        };
        let row = *row;
        let lifetime = gw.state.config.submission_lifetime.as_secs() as i64;
        gw.clock.advance(lifetime + 1);
        // The follower has not passed the time it could commit by: wait.
        seek(&gw, 7_000).await;
        assert_eq!(reconcile::run_once(&gw.state).await.unwrap().waiting, 1);
        let followed_to = |secs: i64| {
            sqlx::query("UPDATE follower_cursor SET applied_timestamp_us = $1")
                .bind(secs * 1_000_000)
                .execute(&gw.state.db.pool)
        };
        // Past the lifetime from the row's start, but a request still alive
        // could have signed late: its transaction could still commit.
        followed_to(NOW + lifetime + 1).await.unwrap();
        assert_eq!(reconcile::run_once(&gw.state).await.unwrap().waiting, 1);
        let request = gw.state.config.server.request_timeout.as_secs() as i64;
        gw.clock.advance(request);
        followed_to(NOW + lifetime + request + 1).await.unwrap();
        assert_eq!(reconcile::run_once(&gw.state).await.unwrap().failed, 1);
        let stored = payments::by_code_id(&gw.state.db.pool, &row.code_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.status, PaymentStatus::Failed, "{}", db.name);
    }
}

/// Unknown outcomes are not answered as refusals: the API says 503, never 422.
#[test]
fn an_unknown_outcome_is_its_own_kind() {
    let unknown = ChainError::Unknown {
        hash: "0x01".to_owned(),
        expires_at: 1,
        detail: "reset".to_owned(),
    };
    let answer = yenpay_gateway::error::chain_error(unknown);
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(answer.message.contains("0x01"));
}

#[tokio::test]
async fn the_housekeeping_job_purges_closed_invoices_with_the_operators_key() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        let m = gw.merchant("Tidy Soba").await;
        for order in ["H-OPEN", "H-CANCELLED", "H-PAID-LATELY"] {
            let made = gw.create_code(&m, order, 300).await;
            assert_eq!(
                made.status,
                axum::http::StatusCode::CREATED,
                "{}",
                made.text
            );
        }
        let cancelled = gw
            .call(
                &m,
                "DELETE",
                &format!(
                    "/v2/codes/{}",
                    payments::code_id(&m.address.to_hex(), "H-CANCELLED")
                ),
                None,
            )
            .await;
        assert!(cancelled.status.is_success(), "{}", cancelled.text);
        pay(&gw, &m, "H-PAID-LATELY", 7_000).await;
        // The chain still holds the paid one's refund window open.
        gw.ledger
            .not_purgeable
            .lock()
            .unwrap()
            .insert("H-PAID-LATELY".to_owned());
        // Before the cancelled code's expiry nothing is a candidate.
        let early = yenpay_gateway::housekeeping::purge_once(&gw.state)
            .await
            .unwrap();
        assert_eq!(early.purged, 0, "{}", db.name);
        gw.clock.advance(301);
        let pass = yenpay_gateway::housekeeping::purge_once(&gw.state)
            .await
            .unwrap();
        assert_eq!(pass.purged, 1, "{}: {pass:?}", db.name);
        let operator = gw.state.operator.as_ref().unwrap().address();
        let purges: Vec<_> = gw
            .ledger
            .calls()
            .into_iter()
            .filter_map(|call| match call {
                Call::Purge { invoices, signer } => Some((invoices, signer)),
                _ => None,
            })
            .collect();
        assert_eq!(
            purges,
            [(vec![(m.address, "H-CANCELLED".to_owned())], operator)],
            "{}: only the closed, purgeable invoice, signed by the operator",
            db.name
        );
    }
}
