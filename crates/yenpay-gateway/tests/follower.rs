//! The chain follower on real node JSON: every kind of invoice event, a page
//! applied twice, a crash between applying and committing, the outbox written
//! with the change, paging over HTTP from a node-shaped server, and the
//! reconciliation report. Every test runs on each database backend.

use crate::common::*;
use axum::Router;
use axum::extract::Query;
use axum::routing::get;
use serde_json::{Value, json};
use sqlx::Row;
use std::collections::HashMap;
use std::sync::Arc;
use yenpay_gateway::chain::{Ledger, LedgerHead, NodeLedger};
use yenpay_gateway::follower::{self, Applied, Finish};
use yenpay_gateway::store::payments::{self, PaymentStatus, RefundStatus};

pub(crate) const YAKITORI: &str =
    "0x3d565ecc27eafa6e4a84db9d3f9c67581f93062cb35de2b2a98d2235685d3cab";
const COUNTER: &str = "0x29c6fa7bdcf9f4401891dbb8fa2abca02ce5b2f13c12419f310e6bffbf65e613";
const REFUNDER: &str = "0xb2ebb14df16db15217b093f43f772c4c4d4516da4470b9a39d845c2490062593";
pub(crate) const PAYER_7: &str =
    "0x7ff276a6ffc8b35173affa20fc88998544613aaa754baf636a68e143c510e02f";

/// The recorded page, with two of the client crate's recorded transactions
/// of another package in front (one of them failed), renumbered to precede
/// it, and the versions in between filled from the follower's start (3,900).
pub(crate) fn page() -> Vec<Value> {
    let mut foreign = vec![
        client_fixture("transfer_aborted_by_hook"),
        client_fixture("transfer_with_hooks"),
    ];
    for (i, t) in foreign.iter_mut().enumerate() {
        t["version"] = json!((3950 + i).to_string());
    }
    foreign.extend(node_page());
    contiguous(3_900, foreign)
}

pub(crate) fn head() -> LedgerHead {
    LedgerHead {
        version: 5_000,
        timestamp_us: 1_796_092_600_000_000,
        chain_id: CHAIN_ID,
        oldest_version: 0,
    }
}

pub(crate) async fn gateway(db: &TestDb) -> TestGateway {
    let mut config = config();
    config.follower_start_version = 3_900;
    TestGateway::with_config(db, config).await
}

pub(crate) async fn snapshot(gw: &TestGateway) -> Vec<String> {
    let mut rows = Vec::new();
    for table in ["payments", "refunds", "chain_events", "webhook_outbox"] {
        let order = match table {
            "payments" => "code_id",
            "refunds" => "refund_id",
            "chain_events" => "version, event_index",
            _ => "delivery_id",
        };
        let count: i64 = sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table}"))
            .fetch_one(&gw.state.db.pool)
            .await
            .unwrap()
            .get("n");
        rows.push(format!("{table}: {count}"));
        if table == "payments" {
            for p in sqlx::query(&format!(
                "SELECT code_id, status, refunded, fee_refunded FROM {table} ORDER BY {order}"
            ))
            .fetch_all(&gw.state.db.pool)
            .await
            .unwrap()
            {
                rows.push(format!(
                    "{} {} {} {}",
                    p.get::<String, _>("code_id"),
                    p.get::<String, _>("status"),
                    p.get::<i64, _>("refunded"),
                    p.get::<i64, _>("fee_refunded")
                ));
            }
        }
    }
    rows
}

#[tokio::test]
async fn a_page_of_real_transactions_becomes_payment_states() {
    for db in backends().await {
        let gw = gateway(&db).await;
        let applied = follower::apply_page(&gw.state, &page(), head(), Finish::Commit)
            .await
            .unwrap();
        assert_eq!(applied.transactions, 389, "{}", db.name);
        assert_eq!(
            applied.events, 11,
            "every invoice event (registry events are recorded, not counted)"
        );
        assert_eq!(applied.duplicates, 0);
        let cursor = follower::cursor(&gw.state.db.pool).await.unwrap().unwrap();
        assert_eq!(cursor.next_version, 4_289);

        let pool = &gw.state.db.pool;
        let get = |merchant: &'static str, id: &'static str| async move {
            payments::by_merchant_payment_id(pool, merchant, id)
                .await
                .unwrap()
                .unwrap()
        };
        // A short code whose expiry the chain's clock passed within the page:
        // no later transaction can pay it, so it is stored EXPIRED.
        let short = get(YAKITORI, "INV-7-SHORT").await;
        assert_eq!(
            (short.status.as_str(), short.amount, short.origin.as_str()),
            ("EXPIRED", 700, "chain")
        );
        assert_eq!(applied.expired, 1);
        let paid = get(YAKITORI, "INV-7-0001").await;
        assert_eq!(paid.status, PaymentStatus::Paid);
        assert_eq!(
            (paid.amount, paid.fee, paid.net),
            (1000, Some(10), Some(990))
        );
        assert_eq!(paid.payer.as_deref(), Some(PAYER_7));
        assert_eq!(paid.pay_version, Some(4044));
        assert_eq!(
            paid.pay_tx.as_deref(),
            Some("0xc29955a6d2053e10a664fa7b8bb38c6aff6e114eac9ae9d7ab5959085e22d6af")
        );
        assert_eq!(
            get(YAKITORI, "INV-7-CANCEL").await.status,
            PaymentStatus::Canceled
        );
        let fixed = get(COUNTER, "static-4170-3").await;
        assert_eq!(
            (fixed.kind.as_str(), fixed.status.as_str()),
            ("static", "COMPLETED")
        );
        assert_eq!(
            (fixed.amount, fixed.fee, fixed.reference.as_deref()),
            (1234, Some(37), Some("COUNTER-3"))
        );
        let refunded = get(REFUNDER, "INV-11-0001").await;
        assert_eq!(refunded.status, PaymentStatus::Refunded);
        assert_eq!((refunded.refunded, refunded.fee_refunded), (10_000, 250));
        let refunds = payments::refunds_of(pool, &refunded.code_id).await.unwrap();
        assert_eq!(
            refunds.iter().map(|r| r.amount).collect::<Vec<_>>(),
            vec![3000, 3333, 3667]
        );
        assert!(
            refunds
                .iter()
                .all(|r| r.status == RefundStatus::Completed && r.tx_hash.is_some())
        );
        // Registry events are recorded for the audit trail.
        let registered: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM chain_events WHERE event_type = 'MerchantRegistered'",
        )
        .fetch_one(pool)
        .await
        .unwrap()
        .get("n");
        assert_eq!(registered, 3);
    }
}

#[tokio::test]
async fn the_same_page_twice_changes_nothing() {
    for db in backends().await {
        let gw = gateway(&db).await;
        follower::apply_page(&gw.state, &page(), head(), Finish::Commit)
            .await
            .unwrap();
        let once = snapshot(&gw).await;
        // Behind the cursor: skipped.
        let again = follower::apply_page(&gw.state, &page(), head(), Finish::Commit)
            .await
            .unwrap();
        assert_eq!(again, Applied::default());
        // Even with the cursor moved back (a restored backup, two followers), nothing doubles.
        sqlx::query("UPDATE follower_cursor SET next_version = 3900")
            .execute(&gw.state.db.pool)
            .await
            .unwrap();
        let replayed = follower::apply_page(&gw.state, &page(), head(), Finish::Commit)
            .await
            .unwrap();
        assert_eq!(
            (replayed.events, replayed.duplicates),
            (0, 11),
            "{}",
            db.name
        );
        assert_eq!(snapshot(&gw).await, once);
    }
}

#[tokio::test]
async fn a_crash_before_commit_loses_and_doubles_nothing() {
    for db in backends().await {
        let gw = gateway(&db).await;
        let refunder = onboard_with_webhook(&gw, REFUNDER).await;
        let pages = page();
        // Split at version 4,140: invoices before, the static payment and refunds after.
        let (first, second) = pages.split_at(240);
        follower::apply_page(&gw.state, first, head(), Finish::Commit)
            .await
            .unwrap();
        let before = snapshot(&gw).await;
        let cursor = follower::cursor(&gw.state.db.pool).await.unwrap();
        // The second page is applied, then the process dies before COMMIT.
        let crashed = follower::apply_page(&gw.state, second, head(), Finish::Crash)
            .await
            .unwrap();
        assert!(
            crashed.events > 0 && crashed.webhooks > 0,
            "the crashed page did work"
        );
        assert_eq!(
            snapshot(&gw).await,
            before,
            "{}: nothing of it stayed",
            db.name
        );
        assert_eq!(follower::cursor(&gw.state.db.pool).await.unwrap(), cursor);
        // After the restart the page is read again from the same cursor.
        follower::apply_page(&gw.state, second, head(), Finish::Commit)
            .await
            .unwrap();
        let after_restart = snapshot(&gw).await;
        let fresh_db = db_like(&db).await;
        let fresh = gateway(&fresh_db).await;
        onboard_with_webhook(&fresh, REFUNDER).await;
        follower::apply_page(&fresh.state, &pages, head(), Finish::Commit)
            .await
            .unwrap();
        // Same payments and events as a run without a crash (ids of deliveries name the endpoint, which differs).
        assert_eq!(
            after_restart[..after_restart.len() - 1],
            snapshot(&fresh).await[..after_restart.len() - 1]
        );
        // One webhook per event: the payment and three refunds.
        let outbox = yenpay_gateway::outbox::deliveries_of(&gw.state.db.pool, &refunder, None)
            .await
            .unwrap();
        let mut types: Vec<_> = outbox.iter().map(|d| d.event_type.as_str()).collect();
        types.sort();
        assert_eq!(
            types,
            vec![
                "PAYMENT_COMPLETED",
                "REFUND_COMPLETED",
                "REFUND_COMPLETED",
                "REFUND_COMPLETED"
            ]
        );
        // Numbered per payment in the chain's order, so a receiver can order them
        // whatever order the deliveries arrive in (the crashed page's numbers were rolled back).
        let mut numbered: Vec<((u64, u64), String, i64)> = outbox
            .iter()
            .map(|d| {
                let body: Value = serde_json::from_str(&d.body).unwrap();
                let mut at = d.event_id.trim_start_matches("evt_").split('_');
                let version = at.next().unwrap().parse().unwrap();
                let index = at.next().unwrap().parse().unwrap();
                (
                    (version, index),
                    d.event_type.clone(),
                    body["sequence"].as_i64().unwrap(),
                )
            })
            .collect();
        numbered.sort();
        assert_eq!(numbered[0].1, "PAYMENT_COMPLETED", "{}", db.name);
        assert_eq!(
            numbered.iter().map(|(_, _, n)| *n).collect::<Vec<_>>(),
            [1, 2, 3, 4],
            "{}",
            db.name
        );
    }
}

/// A fresh database of the same backend.
pub(crate) async fn db_like(db: &TestDb) -> TestDb {
    backends()
        .await
        .into_iter()
        .find(|d| d.name == db.name)
        .unwrap()
}

pub(crate) async fn onboard_with_webhook(gw: &TestGateway, owner: &str) -> String {
    let onboarded = gw
        .admin(
            "POST",
            "/admin/merchants",
            Some(json!({"ownerAddress": owner, "name": "YAKITORI"})),
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
            Some(json!({"url": "http://127.0.0.1:9/hook"})),
        )
        .await;
    assert_eq!(
        hook.status,
        axum::http::StatusCode::CREATED,
        "{}",
        hook.text
    );
    id
}

#[tokio::test]
async fn webhooks_carry_the_payment() {
    for db in backends().await {
        let gw = gateway(&db).await;
        let merchant_id = onboard_with_webhook(&gw, YAKITORI).await;
        let applied = follower::apply_page(&gw.state, &page(), head(), Finish::Commit)
            .await
            .unwrap();
        assert_eq!(
            applied.webhooks, 3,
            "paid, cancelled and expired; the other merchants have no endpoint"
        );
        let deliveries =
            yenpay_gateway::outbox::deliveries_of(&gw.state.db.pool, &merchant_id, None)
                .await
                .unwrap();
        let paid = deliveries
            .iter()
            .find(|d| d.event_type == "PAYMENT_COMPLETED")
            .unwrap();
        assert_eq!(paid.event_id, "evt_4044_3");
        let body: Value = serde_json::from_str(&paid.body).unwrap();
        assert_eq!(body["id"], "evt_4044_3");
        assert_eq!(body["data"]["merchantPaymentId"], "INV-7-0001");
        assert_eq!(body["data"]["status"], "COMPLETED");
        assert_eq!(
            (body["data"]["fee"].clone(), body["data"]["net"].clone()),
            (json!(10), json!(990))
        );
        assert_eq!(body["data"]["payer"], PAYER_7);
        assert_eq!(body["data"]["version"], 4044);
        let expired = deliveries
            .iter()
            .find(|d| d.event_type == "PAYMENT_EXPIRED")
            .unwrap();
        let body: Value = serde_json::from_str(&expired.body).unwrap();
        assert_eq!(body["data"]["merchantPaymentId"], "INV-7-SHORT");
        assert_eq!(body["data"]["status"], "EXPIRED");
        // The same page again queues nothing more.
        let again = follower::apply_page(&gw.state, &page(), head(), Finish::Commit)
            .await
            .unwrap();
        assert_eq!((again.webhooks, again.expired), (0, 0));
    }
}

#[tokio::test]
async fn a_gateway_code_is_completed_by_the_follower() {
    for db in backends().await {
        let gw = gateway(&db).await;
        let m = gw.merchant("SHOP").await;
        gw.admin(
            "POST",
            &format!("/admin/merchants/{}/webhooks", m.id),
            Some(json!({"url": "http://127.0.0.1:9/hook"})),
        )
        .await;
        let created = gw.create_code(&m, "ORDER-9", 1000).await;
        assert_eq!(created.status, axum::http::StatusCode::CREATED);
        // The signed code appears on chain with its payment: InvoiceCreated
        // and InvoicePaid in the customer's pay_signed_invoice.
        let paid = signed_payment_tx(&gw, &m, "ORDER-9", 6_000).await;
        seek(&gw, 6_000).await;
        follower::apply_page(&gw.state, &[paid], head(), Finish::Commit)
            .await
            .unwrap();
        let status = gw.call(&m, "GET", "/v2/codes/payments/ORDER-9", None).await;
        let data = &status.body["data"];
        assert_eq!(data["status"], "COMPLETED", "{}", status.text);
        assert_eq!(
            (
                data["fee"].clone(),
                data["net"].clone(),
                data["version"].clone()
            ),
            (json!(10), json!(990), json!(6000))
        );
        assert_eq!(data["payer"], PAYER_7);
        assert_eq!(data["origin"], "gateway");
        assert_eq!(data["codeId"], created.body["data"]["codeId"]);
        // One row for the order: the code's own, now tied to its record on chain.
        let rows = yenpay_gateway::store::payments::all_of_reference(
            &gw.state.db.pool,
            &m.address.to_hex(),
            "ORDER-9",
        )
        .await
        .unwrap();
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0].invoice_version, Some(6_000));
        assert_eq!(
            rows[0].expires_at,
            created.body["data"]["expiryDate"].as_i64().unwrap()
        );
        // The webhook, as today.
        assert_eq!(outbox_events(&gw).await, ["PAYMENT_COMPLETED"]);
    }
}

/// Someone who saw the gateway's pending `collect_signed_invoice` submits the
/// same pair first: the gateway's own transaction aborts
/// (`EINVOICE_ALREADY_PAID`) and its answer is 422, but the follower records
/// the payment from the events, so the order reads completed and the
/// webhook goes out.
#[tokio::test]
async fn a_front_run_customer_presented_payment_is_completed_by_the_follower() {
    for db in backends().await {
        let gw = gateway(&db).await;
        let m = gw.merchant("SHOP").await;
        gw.admin(
            "POST",
            &format!("/admin/merchants/{}/webhooks", m.id),
            Some(json!({"url": "http://127.0.0.1:9/hook"})),
        )
        .await;
        let customer = Customer {
            key: ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]),
        };
        let code = customer.code(&m, 1000, NOW as u64 - 10, NOW as u64 + 300);
        gw.ledger
            .set_next(Next::Reject("EINVOICE_ALREADY_PAID".to_owned()));
        let refused = gw
            .call(
                &m,
                "POST",
                "/v2/payments/cpm",
                Some(json!({"merchantPaymentId": "CPM-FR", "customerCode": code})),
            )
            .await;
        assert_eq!(refused.code(), "CHAIN_REJECTED", "{}", refused.text);
        let failed = gw.call(&m, "GET", "/v2/codes/payments/CPM-FR", None).await;
        assert_eq!(failed.body["data"]["status"], "FAILED", "{}", failed.text);
        // The front-runner's transaction: the same events as the gateway's would have.
        let paid = signed_payment_tx(&gw, &m, "CPM-FR", 6_000).await;
        seek(&gw, 6_000).await;
        follower::apply_page(&gw.state, &[paid], head(), Finish::Commit)
            .await
            .unwrap();
        let status = gw.call(&m, "GET", "/v2/codes/payments/CPM-FR", None).await;
        let data = &status.body["data"];
        assert_eq!(data["status"], "COMPLETED", "{}: {}", db.name, status.text);
        assert_eq!(data["payer"], PAYER_7);
        assert_eq!(data["version"], 6_000);
        assert_eq!(outbox_events(&gw).await, ["PAYMENT_COMPLETED"]);
    }
}

/// The webhook events queued, oldest first.
async fn outbox_events(gw: &TestGateway) -> Vec<String> {
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT event_type FROM webhook_outbox ORDER BY created_at, event_id")
            .fetch_all(&gw.state.db.pool)
            .await
            .unwrap();
    rows.into_iter().map(|(event,)| event).collect()
}

#[tokio::test]
async fn a_signed_code_paid_for_another_amount_is_not_the_gateway_s() {
    for db in backends().await {
        let gw = gateway(&db).await;
        let m = gw.merchant("SHOP").await;
        // The gateway signed 1200 yen; the chain shows a payment of 1000 for the
        // same order (a code the merchant's owner signed outside the gateway).
        gw.create_code(&m, "ORDER-10", 1200).await;
        let paid = signed_payment_tx(&gw, &m, "ORDER-10", 6_000).await;
        seek(&gw, 6_000).await;
        follower::apply_page(&gw.state, &[paid], head(), Finish::Commit)
            .await
            .unwrap();
        let rows = yenpay_gateway::store::payments::all_of_reference(
            &gw.state.db.pool,
            &m.address.to_hex(),
            "ORDER-10",
        )
        .await
        .unwrap();
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert_eq!(
            rows[0].status,
            yenpay_gateway::store::payments::PaymentStatus::Created,
            "the gateway's code is not completed by another's payment"
        );
        assert_eq!(
            rows[1].origin,
            yenpay_gateway::store::payments::Origin::Chain
        );
        assert_eq!(
            rows[1].status,
            yenpay_gateway::store::payments::PaymentStatus::Paid
        );
    }
}

#[tokio::test]
async fn a_signed_code_cancelled_on_chain_is_tied_to_its_record_and_announced() {
    for db in backends().await {
        let gw = gateway(&db).await;
        let m = gw.merchant("SHOP").await;
        gw.admin(
            "POST",
            &format!("/admin/merchants/{}/webhooks", m.id),
            Some(json!({"url": "http://127.0.0.1:9/hook"})),
        )
        .await;
        let created = gw.create_code(&m, "ORDER-11", 1000).await;
        // Cancelled by the terminal outside the gateway: the follower sees the event first.
        let mut cancel = node_page()
            .into_iter()
            .find(|t| t["version"] == "4044")
            .unwrap();
        cancel["version"] = json!("6000");
        cancel["events"] = json!([{
            "type": format!("{PACKAGE}::invoice::InvoiceCancelled"),
            "guid": {"creation_number": "0", "account_address": "0x0"},
            "sequence_number": "0",
            "data": {"merchant": m.address.to_hex(), "order_ref": "ORDER-11", "cancelled_by": m.terminal.to_hex()},
        }]);
        seek(&gw, 6_000).await;
        follower::apply_page(&gw.state, &[cancel], head(), Finish::Commit)
            .await
            .unwrap();
        let status = gw
            .call(&m, "GET", "/v2/codes/payments/ORDER-11", None)
            .await;
        assert_eq!(status.body["data"]["status"], "CANCELED", "{}", status.text);
        assert_eq!(
            status.body["data"]["codeId"],
            created.body["data"]["codeId"]
        );
        let row = yenpay_gateway::store::payments::by_merchant_payment_id(
            &gw.state.db.pool,
            &m.address.to_hex(),
            "ORDER-11",
        )
        .await
        .unwrap()
        .unwrap();
        // Its record is on chain until the code's expiry: the purge will return its deposit.
        assert_eq!(row.invoice_version, Some(6_000));
        assert_eq!(outbox_events(&gw).await, ["PAYMENT_CANCELED"]);
    }
}

/// A node-shaped HTTP server: `/v1` (ledger info) and `/v1/transactions`.
/// Its head is ten versions past the last transaction it serves.
async fn fake_node(transactions: Vec<Value>) -> String {
    let head = transactions.last().unwrap()["version"]
        .as_str()
        .unwrap()
        .parse::<u64>()
        .unwrap()
        + 10;
    fake_node_at(transactions, head).await
}

/// A node-shaped HTTP server whose head is `head`.
pub(crate) async fn fake_node_at(transactions: Vec<Value>, head: u64) -> String {
    let transactions = Arc::new(transactions);
    let app = Router::new()
        .route(
            "/v1",
            get(move || async move {
                axum::Json(json!({"chain_id": CHAIN_ID, "ledger_version": head.to_string(), "oldest_ledger_version": "0", "ledger_timestamp": "1796092600000000"}))
            }),
        )
        .route(
            "/v1/transactions/by_version/0",
            get(|| async { axum::Json(json!({"version": "0", "hash": GENESIS})) }),
        )
        .route(
            "/v1/transactions",
            get(move |Query(q): Query<HashMap<String, u64>>| {
                let transactions = transactions.clone();
                async move {
                    let (start, limit) = (q["start"], q["limit"] as usize);
                    let page: Vec<Value> = transactions
                        .iter()
                        .filter(|t| t["version"].as_str().unwrap().parse::<u64>().unwrap() >= start)
                        .take(limit)
                        .cloned()
                        .collect();
                    axum::Json(Value::Array(page))
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{address}")
}

#[tokio::test]
async fn the_follower_pages_a_node_over_http() {
    for db in backends().await {
        let url = fake_node(page()).await;
        let node = NodeLedger::new(&url, package()).unwrap();
        assert_eq!(node.head().await.unwrap().chain_id, CHAIN_ID);
        assert_eq!(node.genesis_hash().await.unwrap().as_deref(), Some(GENESIS));
        let direct = gateway(&db).await;
        follower::apply_page(&direct.state, &page(), head(), Finish::Commit)
            .await
            .unwrap();
        // Page by page, and ten pages read at once and applied in one DB transaction.
        for (batch, expected_polls) in [(1, 9), (10, 2)] {
            let mut config = config();
            config.follower_start_version = 3_900;
            config.follower_page_size = 50;
            config.follower_batch_pages = batch;
            let other = db_like(&db).await;
            let database = yenpay_gateway::store::Db::connect(&other.url)
                .await
                .unwrap();
            let gateway = Arc::new(yenpay_gateway::Gateway::new(
                database,
                config,
                yenpay_gateway::crypto::Kek::generate(),
                Arc::new(NodeLedger::new(&url, package()).unwrap()),
            ));
            let mut polls = 0;
            loop {
                polls += 1;
                let applied = follower::poll_once(&gateway).await.unwrap();
                if applied.transactions == 0 {
                    break;
                }
                assert!(polls < 20);
            }
            assert_eq!(
                polls, expected_polls,
                "389 transactions in pages of 50, {batch} a poll, then an empty poll"
            );
            let cursor = follower::cursor(&gateway.state_pool())
                .await
                .unwrap()
                .unwrap();
            assert_eq!(cursor.next_version, 4_289);
            let paid = payments::by_merchant_payment_id(&gateway.db.pool, REFUNDER, "INV-11-0001")
                .await
                .unwrap()
                .unwrap();
            let expected =
                payments::by_merchant_payment_id(&direct.state.db.pool, REFUNDER, "INV-11-0001")
                    .await
                    .unwrap()
                    .unwrap();
            assert_eq!(paid, expected);
            assert_eq!(gateway.metrics.follower_lag_versions.get(), 10);
        }
        let _ = db.name;
    }
}

#[tokio::test]
async fn a_batch_read_ahead_is_checked_whole_before_any_of_it_is_applied() {
    for db in backends().await {
        // The node skips a version at a page boundary (4,100, where the
        // fifth page of 50 starts) and another inside a later page (4,222).
        for (missing, halt) in [
            (
                4_100,
                follower::Halt::PageStart {
                    expected: 4_100,
                    found: 4_101,
                },
            ),
            (
                4_222,
                follower::Halt::Gap {
                    previous: 4_221,
                    found: 4_223,
                },
            ),
        ] {
            let missing = missing.to_string();
            let served: Vec<Value> = page()
                .into_iter()
                .filter(|t| t["version"] != missing.as_str())
                .collect();
            let url = fake_node_at(served, 4_298).await;
            let mut config = config();
            config.follower_start_version = 3_900;
            config.follower_page_size = 50;
            config.follower_batch_pages = 10;
            let other = db_like(&db).await;
            let database = yenpay_gateway::store::Db::connect(&other.url)
                .await
                .unwrap();
            let gateway = Arc::new(yenpay_gateway::Gateway::new(
                database,
                config,
                yenpay_gateway::crypto::Kek::generate(),
                Arc::new(NodeLedger::new(&url, package()).unwrap()),
            ));
            let polled = follower::poll_once(&gateway).await;
            assert!(
                matches!(&polled, Err(follower::FollowerError::Halt(h)) if *h == halt),
                "{missing}: {polled:?}"
            );
            // Nothing of the batch was applied, not even the pages before the gap.
            assert_eq!(follower::cursor(&gateway.state_pool()).await.unwrap(), None);
            let recorded: i64 = sqlx::query("SELECT COUNT(*) AS n FROM chain_events")
                .fetch_one(&gateway.db.pool)
                .await
                .unwrap()
                .get("n");
            assert_eq!(recorded, 0, "{}", db.name);
            assert_eq!(gateway.follower_status.halted(), Some(halt));
        }
    }
}

trait StatePool {
    fn state_pool(&self) -> sqlx::AnyPool;
}

impl StatePool for Arc<yenpay_gateway::Gateway> {
    fn state_pool(&self) -> sqlx::AnyPool {
        self.db.pool.clone()
    }
}

#[tokio::test]
async fn the_day_reconciles() {
    for db in backends().await {
        let gw = gateway(&db).await;
        let m = onboard_key_for(&gw, REFUNDER).await;
        follower::apply_page(&gw.state, &page(), head(), Finish::Commit)
            .await
            .unwrap();
        let report = gw
            .call(
                &m,
                "GET",
                "/v2/reports/reconciliation?date=2026-12-01",
                None,
            )
            .await;
        assert_eq!(report.status, axum::http::StatusCode::OK, "{}", report.text);
        let totals = &report.body["data"]["totals"];
        assert_eq!(totals["paymentCount"], 1);
        assert_eq!(
            (
                totals["gross"].clone(),
                totals["fees"].clone(),
                totals["net"].clone()
            ),
            (json!(10000), json!(250), json!(9750))
        );
        assert_eq!(
            (
                totals["refundCount"].clone(),
                totals["refunded"].clone(),
                totals["feesReturned"].clone()
            ),
            (json!(3), json!(10000), json!(250))
        );
        assert_eq!(
            totals["settled"], 0,
            "fully refunded: the payout account kept nothing"
        );
        assert_eq!(report.body["data"]["lines"].as_array().unwrap().len(), 4);
        assert_eq!(
            report.body["data"]["complete"], false,
            "the follower has not passed the day's end"
        );
        let other_day = gw
            .call(
                &m,
                "GET",
                "/v2/reports/reconciliation?date=2026-11-30",
                None,
            )
            .await;
        assert_eq!(other_day.body["data"]["totals"]["paymentCount"], 0);
        for bad in ["2026-13-01", "yesterday", ""] {
            let answer = gw
                .call(
                    &m,
                    "GET",
                    &format!("/v2/reports/reconciliation?date={bad}"),
                    None,
                )
                .await;
            assert_eq!(answer.status, axum::http::StatusCode::BAD_REQUEST, "{bad}");
        }
        let missing = gw.call(&m, "GET", "/v2/reports/reconciliation", None).await;
        assert_eq!(missing.status, axum::http::StatusCode::BAD_REQUEST);
    }
}

/// Onboards `owner` and returns a merchant with a key.
async fn onboard_key_for(gw: &TestGateway, owner: &str) -> TestMerchant {
    let onboarded = gw
        .admin(
            "POST",
            "/admin/merchants",
            Some(json!({"ownerAddress": owner, "name": "YAKITORI"})),
        )
        .await;
    let id = onboarded.body["data"]["merchantId"]
        .as_str()
        .unwrap()
        .to_owned();
    let key = gw
        .admin("POST", &format!("/admin/merchants/{id}/keys"), None)
        .await;
    TestMerchant {
        id,
        address: aptos_sdk::types::AccountAddress::from_hex(owner).unwrap(),
        terminal: aptos_sdk::types::AccountAddress::from_hex(
            onboarded.body["data"]["terminalAddress"].as_str().unwrap(),
        )
        .unwrap(),
        key_id: key.body["data"]["keyId"].as_str().unwrap().to_owned(),
        secret: key.body["data"]["secret"].as_str().unwrap().to_owned(),
    }
}

/// A committed transaction of someone else's at `version`, at chain time `secs`.
fn tick(version: u64, secs: i64) -> Value {
    json!({
        "version": version.to_string(),
        "hash": format!("0x{version:064x}"),
        "timestamp": (secs * 1_000_000).to_string(),
        "success": true,
        "events": [],
    })
}

#[tokio::test]
async fn open_codes_expire_by_the_chain_s_clock_not_the_gateway_s() {
    for db in backends().await {
        let gw = gateway(&db).await;
        let m = gw.merchant("SHOP").await;
        let hook = gw
            .admin(
                "POST",
                &format!("/admin/merchants/{}/webhooks", m.id),
                Some(json!({"url": "http://127.0.0.1:9/hook"})),
            )
            .await;
        assert_eq!(hook.status, axum::http::StatusCode::CREATED);
        gw.create_code(&m, "EXP-1", 1000).await;
        let expires = NOW + 300;

        // The gateway's clock is past the expiry, the chain's is not: the chain
        // could still take a payment, so the stored state stays open.
        gw.clock.advance(1_000);
        seek(&gw, 7_000).await;
        let early = follower::apply_page(
            &gw.state,
            &[tick(7_000, expires - 1)],
            head(),
            Finish::Commit,
        )
        .await
        .unwrap();
        assert_eq!(early.expired, 0);
        let stored =
            payments::by_merchant_payment_id(&gw.state.db.pool, &m.address.to_hex(), "EXP-1")
                .await
                .unwrap()
                .unwrap();
        assert_eq!(stored.status, PaymentStatus::Created);

        // The chain's clock reaches it: final, announced once.
        let late = follower::apply_page(&gw.state, &[tick(7_001, expires)], head(), Finish::Commit)
            .await
            .unwrap();
        assert_eq!((late.expired, late.webhooks), (1, 1), "{}", db.name);
        let stored =
            payments::by_merchant_payment_id(&gw.state.db.pool, &m.address.to_hex(), "EXP-1")
                .await
                .unwrap()
                .unwrap();
        assert_eq!(stored.status, PaymentStatus::Expired);
        let deliveries = yenpay_gateway::outbox::deliveries_of(&gw.state.db.pool, &m.id, None)
            .await
            .unwrap();
        assert_eq!(
            deliveries
                .iter()
                .map(|d| d.event_type.as_str())
                .collect::<Vec<_>>(),
            ["PAYMENT_EXPIRED"]
        );
        let again = follower::apply_page(
            &gw.state,
            &[tick(7_002, expires + 60)],
            head(),
            Finish::Commit,
        )
        .await
        .unwrap();
        assert_eq!((again.expired, again.webhooks), (0, 0));
    }
}

// The follower trusts only the chain it was set up on, page by page
// (issue 30, item 3): it stops, says why in /readyz, the log and a metric,
// and applies nothing it cannot trust.

/// Fillers at `versions`, at chain time `secs`.
fn fillers(versions: std::ops::RangeInclusive<u64>, secs: i64) -> Vec<Value> {
    versions
        .map(|v| filler(v, secs as u64 * 1_000_000))
        .collect()
}

/// A gateway whose follower starts at 100 and polls and checks quickly.
async fn quick(db: &TestDb) -> TestGateway {
    let mut config = config();
    config.follower_start_version = 100;
    config.follower_poll_interval = std::time::Duration::from_millis(5);
    config.follower_check_interval = std::time::Duration::from_millis(30);
    TestGateway::with_config(db, config).await
}

/// The chain double serves `page`, its head at the page's end.
pub(crate) fn serve(gw: &TestGateway, page: Vec<Value>) {
    let last = page.last().unwrap()["version"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    gw.ledger
        .head_version
        .store(last, std::sync::atomic::Ordering::SeqCst);
    *gw.ledger.page.lock().unwrap() = page;
}

/// The follower loop, running.
pub(crate) struct Following {
    _stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

pub(crate) fn follow(gw: &TestGateway) -> Following {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    Following {
        _stop: stop,
        task: tokio::spawn(follower::run(gw.state.clone(), stopped)),
    }
}

pub(crate) async fn next_version(gw: &TestGateway) -> Option<u64> {
    follower::cursor(&gw.state.db.pool)
        .await
        .unwrap()
        .map(|c| c.next_version)
}

/// Waits until the cursor is at `next`.
pub(crate) async fn reaches(gw: &TestGateway, next: u64) {
    tokio::time::timeout(std::time::Duration::from_secs(10), async {
        while next_version(gw).await != Some(next) {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("the cursor reached {next}"));
}

/// Waits until the loop has returned, and gives the reason it stopped.
pub(crate) async fn stops(gw: &TestGateway, following: Following) -> follower::Halt {
    tokio::time::timeout(std::time::Duration::from_secs(10), following.task)
        .await
        .expect("the follower stopped by itself")
        .unwrap();
    gw.state
        .follower_status
        .halted()
        .expect("it says why it stopped")
}

async fn fetch(gw: &TestGateway, path: &str) -> Answer {
    gw.send(
        axum::http::Request::get(path)
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await
}

/// /readyz fails naming `code` and `words`, and the alarm metric is raised.
async fn not_ready_because(gw: &TestGateway, code: &str, words: &str) {
    let ready = fetch(gw, "/readyz").await;
    assert_eq!(
        ready.status,
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        ready.text
    );
    assert_eq!(
        ready.body["followerStopped"]["code"], code,
        "{}",
        ready.text
    );
    let problems = ready.body["problems"].to_string();
    assert!(problems.contains(words), "{words:?} in {problems}");
    let metrics = fetch(gw, "/metrics").await.text;
    assert!(
        metrics.contains(&format!(
            "yenpay_gateway_follower_halted{{reason=\"{code}\"}} 1"
        )),
        "{metrics}"
    );
}

#[tokio::test]
async fn the_follower_follows_only_the_chain_it_recorded() {
    for db in backends().await {
        // First run: the chain is recorded, pages are applied, ready.
        let gw = quick(&db).await;
        serve(&gw, fillers(100..=104, NOW));
        let following = follow(&gw);
        reaches(&gw, 105).await;
        let recorded = sqlx::query("SELECT chain_id, genesis_hash FROM follower_chain")
            .fetch_one(&gw.state.db.pool)
            .await
            .unwrap();
        assert_eq!(recorded.get::<i64, _>("chain_id"), i64::from(CHAIN_ID));
        assert_eq!(recorded.get::<String, _>("genesis_hash"), GENESIS);
        let ready = fetch(&gw, "/readyz").await;
        assert_eq!(ready.status, axum::http::StatusCode::OK, "{}", ready.text);
        assert_eq!(
            (
                ready.body["followerLagVersions"].clone(),
                ready.body["followerLagSeconds"].clone()
            ),
            (json!(0), json!(0))
        );
        // The node behind the URL is now another chain: the next poll stops.
        gw.ledger
            .chain_id
            .store(CHAIN_ID + 1, std::sync::atomic::Ordering::SeqCst);
        serve(&gw, fillers(100..=110, NOW));
        let halt = stops(&gw, following).await;
        assert_eq!(
            halt,
            follower::Halt::ChainId {
                recorded: CHAIN_ID,
                found: CHAIN_ID + 1
            }
        );
        assert_eq!(
            next_version(&gw).await,
            Some(105),
            "{}: nothing more applied",
            db.name
        );
        not_ready_because(&gw, "chain_id", "chain 5").await;

        // A restart on the same database against a node of the same chain
        // id but another genesis (a reset local network): stops at start.
        let again = quick(&db).await;
        serve(&again, fillers(100..=110, NOW));
        *again.ledger.genesis.lock().unwrap() = Some(format!("0x{}", "ee".repeat(32)));
        let halt = stops(&again, follow(&again)).await;
        assert!(
            matches!(halt, follower::Halt::Genesis { ref recorded, .. } if recorded == GENESIS)
        );
        assert_eq!(next_version(&again).await, Some(105));
        not_ready_because(&again, "genesis", "genesis").await;

        // The right node again: the check passes, the halt is cleared, it follows on.
        let fixed = quick(&db).await;
        serve(&fixed, fillers(100..=110, NOW));
        let following = follow(&fixed);
        reaches(&fixed, 111).await;
        let ready = fetch(&fixed, "/readyz").await;
        assert_eq!(ready.status, axum::http::StatusCode::OK, "{}", ready.text);
        // The genesis is checked periodically too, not only at start.
        *fixed.ledger.genesis.lock().unwrap() = Some(format!("0x{}", "dd".repeat(32)));
        let halt = stops(&fixed, following).await;
        assert_eq!(halt.code(), "genesis");
        not_ready_because(&fixed, "genesis", "genesis").await;
    }
}

#[tokio::test]
async fn gaps_pruned_nodes_and_a_head_behind_stop_the_follower() {
    for db in backends().await {
        // A page that starts past the cursor (100).
        let gw = quick(&db).await;
        serve(&gw, fillers(103..=110, NOW));
        let halt = stops(&gw, follow(&gw)).await;
        assert_eq!(
            halt,
            follower::Halt::PageStart {
                expected: 100,
                found: 103
            },
            "{}",
            db.name
        );
        assert_eq!(next_version(&gw).await, None, "nothing applied");
        not_ready_because(&gw, "gap", "past the cursor at 100").await;

        // A page with a version missing: none of it is applied.
        let fresh0 = db_like(&db).await;
        let gw = quick(&fresh0).await;
        let mut page = fillers(100..=102, NOW);
        page.extend(fillers(104..=105, NOW));
        serve(&gw, page);
        let halt = stops(&gw, follow(&gw)).await;
        assert_eq!(
            halt,
            follower::Halt::Gap {
                previous: 102,
                found: 104
            }
        );
        assert_eq!(next_version(&gw).await, None);
        not_ready_because(&gw, "gap", "version 104 follows version 102").await;

        // A node that has pruned the cursor's version.
        let fresh1 = db_like(&db).await;
        let gw = quick(&fresh1).await;
        serve(&gw, fillers(150..=160, NOW));
        gw.ledger
            .oldest_version
            .store(150, std::sync::atomic::Ordering::SeqCst);
        let halt = stops(&gw, follow(&gw)).await;
        assert_eq!(
            halt,
            follower::Halt::Pruned {
                oldest: 150,
                cursor: 100
            }
        );
        not_ready_because(&gw, "pruned", "pruned").await;

        // A node whose head is behind what was applied (a node restored from
        // an old snapshot, or another chain).
        let fresh2 = db_like(&db).await;
        let gw = quick(&fresh2).await;
        serve(&gw, fillers(100..=110, NOW));
        let following = follow(&gw);
        reaches(&gw, 111).await;
        gw.ledger
            .head_version
            .store(50, std::sync::atomic::Ordering::SeqCst);
        let halt = stops(&gw, following).await;
        assert_eq!(
            halt,
            follower::Halt::HeadBehind {
                head: 50,
                cursor: 111
            }
        );
        assert_eq!(next_version(&gw).await, Some(111));
        not_ready_because(&gw, "head_behind", "behind the cursor at 111").await;
    }
}

/// An event as the node shows it.
fn with_event(mut transaction: Value, type_tag: &str, data: Value) -> Value {
    transaction["events"] = json!([{
        "guid": {"creation_number": "0", "account_address": "0x0"},
        "sequence_number": "0",
        "type": type_tag,
        "data": data,
    }]);
    transaction
}

#[tokio::test]
async fn an_undecodable_event_of_the_package_stops_the_follower_others_pass() {
    for db in backends().await {
        let logs = Capture::install();
        let gw = quick(&db).await;
        // Other packages' events, however odd, are passed over quietly.
        let mut page = fillers(100..=104, NOW);
        page[1] = with_event(
            page[1].clone(),
            "0xbeef::invoice::InvoicePaid",
            json!({"nonsense": true}),
        );
        page[2] = with_event(page[2].clone(), "u64", json!("7"));
        serve(&gw, page.clone());
        let following = follow(&gw);
        reaches(&gw, 105).await;
        assert!(gw.state.follower_status.halted().is_none());

        // One of ours that does not decode: it stops before the cursor passes it.
        page.extend(fillers(105..=107, NOW));
        page[6] = with_event(
            page[6].clone(),
            &format!("{PACKAGE}::invoice::InvoicePaid"),
            json!({"merchant": "0x1", "order_ref": "X", "amount": "not a number"}),
        );
        serve(&gw, page);
        let halt = stops(&gw, following).await;
        assert!(
            matches!(
                halt,
                follower::Halt::UndecodableEvent {
                    version: 106,
                    index: 0,
                    ..
                }
            ),
            "{halt:?}"
        );
        assert_eq!(next_version(&gw).await, Some(105), "{}", db.name);
        let recorded: i64 = sqlx::query("SELECT COUNT(*) AS n FROM chain_events")
            .fetch_one(&gw.state.db.pool)
            .await
            .unwrap()
            .get("n");
        assert_eq!(recorded, 0);
        not_ready_because(&gw, "undecodable_event", "version 106").await;
        let logged = logs.text();
        assert!(
            logged.lines().any(|l| l.contains("ERROR")
                && l.contains("the follower stopped")
                && l.contains("106")),
            "{logged}"
        );
    }
}

#[tokio::test]
async fn readiness_bounds_the_lag_and_never_names_the_node() {
    for db in backends().await {
        let mut config = config();
        config.follower_start_version = 100;
        config.ready_max_lag_versions = 10;
        config.ready_max_lag = std::time::Duration::from_secs(20);
        let gw = TestGateway::with_config(&db, config).await;
        // Caught up: the last applied transaction is 30 s older than the head, but nothing is pending.
        serve(&gw, fillers(100..=104, NOW - 30));
        follower::poll_once(&gw.state).await.unwrap();
        let ready = fetch(&gw, "/readyz").await;
        assert_eq!(ready.status, axum::http::StatusCode::OK, "{}", ready.text);
        // Two versions behind, 30 s: past the bound in seconds only.
        gw.ledger
            .head_version
            .store(106, std::sync::atomic::Ordering::SeqCst);
        let ready = fetch(&gw, "/readyz").await;
        assert_eq!(ready.status, axum::http::StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            (
                ready.body["followerLagVersions"].clone(),
                ready.body["followerLagSeconds"].clone()
            ),
            (json!(2), json!(30)),
            "{}",
            db.name
        );
        assert_eq!(
            ready.body["problems"],
            json!(["follower is 30 s behind (at most 20 allowed)"])
        );
        // Sixteen versions behind: both.
        gw.ledger
            .head_version
            .store(120, std::sync::atomic::Ordering::SeqCst);
        let ready = fetch(&gw, "/readyz").await;
        assert_eq!(
            ready.body["problems"],
            json!([
                "follower is 16 versions behind (at most 10 allowed)",
                "follower is 30 s behind (at most 20 allowed)"
            ])
        );
    }

    // A node that does not answer, at a URL with credentials and a private path.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let url = format!("http://operator:hunter2@127.0.0.1:{port}/private-gw/v1");
    let node = NodeLedger::new(&url, package()).unwrap();
    let db = backends().await.remove(0);
    let mut gw = TestGateway::new(&db).await;
    let mut gateway = yenpay_gateway::Gateway::new(
        gw.state.db.clone(),
        config(),
        yenpay_gateway::crypto::Kek::generate(),
        Arc::new(node),
    );
    gateway.admin_token = Some(zeroize::Zeroizing::new(ADMIN_TOKEN.to_owned()));
    gateway.clock = gw.clock.clone();
    gw.state = Arc::new(gateway);
    gw.router = yenpay_gateway::router(gw.state.clone());
    let m = gw.merchant("SHOP").await;
    let ready = fetch(&gw, "/readyz").await;
    let made = gw.create_code(&m, "NODE-DOWN", 100).await;
    assert_eq!(ready.status, axum::http::StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.body["node"]["reachable"], false);
    // A code is signed, not submitted: the shop goes on selling while the node is down.
    assert_eq!(
        made.status,
        axum::http::StatusCode::CREATED,
        "{}",
        made.text
    );
    // Its cancellation is a transaction, refused without naming the node.
    let code = gw
        .call(
            &m,
            "DELETE",
            &format!(
                "/v2/codes/{}",
                made.body["data"]["codeId"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(
        code.status,
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        code.text
    );
    for body in [&ready.text, &code.text] {
        for leak in [
            "hunter2",
            "operator",
            "127.0.0.1",
            &port.to_string(),
            "private-gw",
            "http",
        ] {
            assert!(!body.contains(leak), "{leak:?} in {body}");
        }
    }
}
