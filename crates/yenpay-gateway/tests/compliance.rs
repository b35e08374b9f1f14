//! Compliance (issue 28, phase 1): screening before the gateway co-signs or
//! refunds, and after the follower applies a payment; customer limits at
//! their exact boundaries; the audit log's hash chain. Abuse as well as
//! features: a flood of refused requests costs nothing, a provider that
//! hangs fails closed (or open where the operator says so), a list edited
//! while the gateway runs takes effect at once.

use crate::common::*;
use crate::sponsor::{Tx, operator, post};
use aptos_sdk::account::Ed25519Account;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use yenpay_gateway::compliance;
use yenpay_gateway::config::{Config, Limits};
use yenpay_gateway::store::{audit_log, compliance as rows};

/// A config whose list provider reads `list`.
fn with_list(list: &std::path::Path) -> Config {
    let mut config = config();
    config.compliance.list_file = Some(list.to_owned());
    config
}

/// Verdict rows of `subject`.
async fn verdicts_of(gw: &TestGateway, subject: &str) -> Vec<rows::Verdict> {
    rows::latest(&gw.state.db.pool, Some(subject), 100)
        .await
        .unwrap()
}

/// The payer of the recorded `InvoicePaid` that [`pay`] applies.
pub(crate) fn recorded_payer() -> String {
    let paid = node_page()
        .into_iter()
        .find(|t| t["version"] == "4044")
        .unwrap();
    paid["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| {
            e["type"]
                .as_str()
                .unwrap()
                .ends_with("::invoice::InvoicePaid")
        })
        .map(|e| e["data"]["payer"].as_str().unwrap().to_owned())
        .unwrap()
}

#[tokio::test]
async fn a_listed_payer_is_refused_before_anything_is_signed_and_a_flood_costs_nothing() {
    for db in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let list = dir.path().join("sanctions.txt");
        let denied = Ed25519Account::generate();
        let reviewed = Ed25519Account::generate();
        std::fs::write(
            &list,
            format!(
                "# screening list of the tests\n{} # OFAC SDN test entry\n{} review # PEP\n",
                denied.address().to_hex(),
                reviewed.address().to_hex()
            ),
        )
        .unwrap();
        let gw = TestGateway::with_config(&db, with_list(&list)).await;
        let m = gw.merchant("SHOP").await;
        gw.create_code(&m, "L-1", 1500).await;

        let before = row_counts(&gw.state.db).await;
        let body = Tx::pay(&gw, m.address, "L-1", 1500)
            .await
            .body(&denied, operator(&gw));
        for _ in 0..60 {
            let answer = post(&gw, body.clone()).await;
            assert_eq!(
                (answer.status, answer.code()),
                (StatusCode::FORBIDDEN, "SCREENING_DENIED"),
                "{}: {}",
                db.name,
                answer.text
            );
        }
        let answer = post(
            &gw,
            Tx::pay(&gw, m.address, "L-1", 1500)
                .await
                .body(&reviewed, operator(&gw)),
        )
        .await;
        // A review is not signed either: the answer is a hold code for the
        // same payment (tests/reviews.rs follows it through).
        assert_eq!(
            (answer.status, answer.code()),
            (StatusCode::CONFLICT, "PAYMENT_UNDER_REVIEW"),
            "{}",
            answer.text
        );
        // Nothing signed, simulated or asked of the node; no claim, use, budget or limit row.
        assert!(gw.ledger.signed.lock().unwrap().is_empty());
        let after = row_counts(&gw.state.db).await;
        let mut grown: Vec<(String, i64)> = after
            .iter()
            .filter(|(table, count)| before.get(*table) != Some(count))
            .map(|(table, count)| (table.clone(), count - before.get(table).unwrap_or(&0)))
            .collect();
        grown.sort();
        assert_eq!(
            grown,
            vec![
                ("audit_log".to_owned(), 3),
                ("compliance_reviews".to_owned(), 1),
                ("holds".to_owned(), 1),
                ("screening_verdicts".to_owned(), 2)
            ],
            "{}: only the two verdicts (one per sender and code) and their audit entries, and the review's hold code and its entry",
            db.name
        );
        let rows = verdicts_of(&gw, &denied.address().to_hex()).await;
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].verdict.as_deref(), Some("DENY"));
        assert_eq!(rows[0].reason_code.as_deref(), Some("LIST_MATCH"));
        assert_eq!(rows[0].detail.as_deref(), Some("OFAC SDN test entry"));
        assert_eq!(rows[0].screened_count, 60);
        assert_eq!(rows[0].context, "SPONSOR");
        let metrics = gw.state.metrics.render();
        assert!(
            metrics.contains(r#"sponsor_refusals_total{code="SCREENING_DENIED"} 60"#),
            "{metrics}"
        );

        // A payer not on the list is co-signed as before.
        let clean = Ed25519Account::generate();
        let answer = post(
            &gw,
            Tx::pay(&gw, m.address, "L-1", 1500)
                .await
                .body(&clean, operator(&gw)),
        )
        .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
        let rows = verdicts_of(&gw, &clean.address().to_hex()).await;
        assert_eq!(rows[0].verdict.as_deref(), Some("ALLOW"));
    }
}

#[tokio::test]
async fn the_list_is_read_again_when_the_file_changes() {
    for db in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let list = dir.path().join("sanctions.txt");
        std::fs::write(&list, "# nobody yet\n").unwrap();
        let gw = TestGateway::with_config(&db, with_list(&list)).await;
        let m = gw.merchant("SHOP").await;
        let customer = Ed25519Account::generate();
        gw.create_code(&m, "R-1", 1000).await;
        let first = post(
            &gw,
            Tx::pay(&gw, m.address, "R-1", 1000)
                .await
                .body(&customer, operator(&gw)),
        )
        .await;
        assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);

        // Listed while the gateway runs: refused at the next request.
        std::fs::write(
            &list,
            format!(
                "# listed today\n{}   # added while running\n",
                customer.address().to_hex()
            ),
        )
        .unwrap();
        gw.create_code(&m, "R-2", 1000).await;
        let second = post(
            &gw,
            Tx::pay(&gw, m.address, "R-2", 1000)
                .await
                .body(&customer, operator(&gw)),
        )
        .await;
        assert_eq!(
            (second.status, second.code()),
            (StatusCode::FORBIDDEN, "SCREENING_DENIED"),
            "{}: {}",
            db.name,
            second.text
        );

        // Taken off again: co-signed again.
        std::fs::write(&list, "# delisted after review, nobody on the list\n").unwrap();
        let third = post(
            &gw,
            Tx::pay(&gw, m.address, "R-2", 1000)
                .await
                .body(&customer, operator(&gw)),
        )
        .await;
        assert_eq!(third.status, StatusCode::CREATED, "{}", third.text);
        // The same (code, sender) screening changed its verdict: one row, counted twice.
        let rows = verdicts_of(&gw, &customer.address().to_hex()).await;
        assert_eq!(rows.len(), 2, "{rows:?}");
        let r2 = rows
            .iter()
            .find(|r| r.order_ref.as_deref() == Some("R-2"))
            .unwrap();
        assert_eq!(
            (r2.screened_count, r2.verdict.as_deref()),
            (2, Some("ALLOW"))
        );
    }
}

/// A screening service on loopback: answers `verdict`, or waits `delay` first.
pub(crate) struct Service {
    pub url: String,
    pub hits: Arc<AtomicUsize>,
    pub answer: Arc<Mutex<(Duration, Value)>>,
}

pub(crate) async fn service() -> Service {
    let hits = Arc::new(AtomicUsize::new(0));
    let answer = Arc::new(Mutex::new((
        Duration::ZERO,
        json!({"verdict": "ALLOW", "reasonCode": "CLEAR"}),
    )));
    let (h, a) = (hits.clone(), answer.clone());
    let app = axum::Router::new().route(
        "/screen",
        axum::routing::post(move |axum::Json(request): axum::Json<Value>| {
            let (h, a) = (h.clone(), a.clone());
            async move {
                assert!(request["address"].as_str().unwrap().starts_with("0x"));
                assert_eq!(request["merchantCategoryCode"], "5812");
                h.fetch_add(1, Ordering::SeqCst);
                let (delay, verdict) = a.lock().unwrap().clone();
                tokio::time::sleep(delay).await;
                axum::Json(verdict)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Service {
        url: format!("http://{address}/screen"),
        hits,
        answer,
    }
}

fn with_service(service: &Service, fail_open: &[&str]) -> Config {
    let mut config = config();
    config.compliance.http_url = Some(service.url.clone());
    config.compliance.http_timeout = Duration::from_millis(200);
    config.compliance.http_retries = 1;
    config.compliance.fail_open_mccs = fail_open.iter().map(|m| (*m).to_owned()).collect();
    // The provider itself, asked every time (`screening_cache` tests the cache).
    config.compliance.verdict_cache.capacity = 0;
    config
}

#[tokio::test]
async fn the_http_provider_decides_and_a_hanging_one_fails_closed_or_open_per_category() {
    for db in backends().await {
        let service = service().await;
        // Fail closed (the default): the test merchants are restaurants (MCC 5812).
        let gw = TestGateway::with_config(&db, with_service(&service, &[])).await;
        let m = gw.merchant("SHOP").await;
        let customer = Ed25519Account::generate();
        gw.create_code(&m, "H-1", 1000).await;

        *service.answer.lock().unwrap() = (
            Duration::ZERO,
            json!({"verdict": "deny", "reasonCode": "SANCTIONS_HIT", "detail": "test"}),
        );
        let denied = post(
            &gw,
            Tx::pay(&gw, m.address, "H-1", 1000)
                .await
                .body(&customer, operator(&gw)),
        )
        .await;
        assert_eq!(
            (denied.status, denied.code()),
            (StatusCode::FORBIDDEN, "SCREENING_DENIED"),
            "{}",
            denied.text
        );
        assert_eq!(service.hits.load(Ordering::SeqCst), 1);

        // The service hangs: two attempts (one retry), then refused, nothing signed.
        *service.answer.lock().unwrap() = (
            Duration::from_secs(5),
            json!({"verdict": "ALLOW", "reasonCode": "CLEAR"}),
        );
        let started = std::time::Instant::now();
        let closed = post(
            &gw,
            Tx::pay(&gw, m.address, "H-1", 1000)
                .await
                .body(&customer, operator(&gw)),
        )
        .await;
        assert_eq!(
            (closed.status, closed.code()),
            (StatusCode::SERVICE_UNAVAILABLE, "SCREENING_UNAVAILABLE"),
            "{}: {}",
            db.name,
            closed.text
        );
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "the timeout holds"
        );
        assert_eq!(service.hits.load(Ordering::SeqCst), 3);
        assert!(gw.ledger.signed.lock().unwrap().is_empty());
        let row = &verdicts_of(&gw, &customer.address().to_hex()).await[0];
        assert_eq!(
            (row.verdict.as_deref(), row.reason_code.as_deref()),
            (Some("DENY"), Some("PROVIDER_UNAVAILABLE"))
        );
        assert!(
            !closed.text.contains(&service.url),
            "the URL is never shown"
        );

        // The operator opened restaurants: the same hang lets the payment through, recorded as such.
        let open = TestGateway::with_config(&db, with_service(&service, &["5812"])).await;
        let m2 = open.merchant("SHOP2").await;
        open.create_code(&m2, "H-2", 1000).await;
        let passed = post(
            &open,
            Tx::pay(&open, m2.address, "H-2", 1000)
                .await
                .body(&customer, operator(&open)),
        )
        .await;
        assert_eq!(passed.status, StatusCode::CREATED, "{}", passed.text);
        let rows = verdicts_of(&open, &customer.address().to_hex()).await;
        let row = rows
            .iter()
            .find(|r| r.order_ref.as_deref() == Some("H-2"))
            .unwrap();
        assert_eq!(
            (row.verdict.as_deref(), row.reason_code.as_deref()),
            (Some("ALLOW"), Some("PROVIDER_UNAVAILABLE_FAIL_OPEN"))
        );
        assert!(
            open.state
                .metrics
                .render()
                .contains("screening_provider_failures_total 1")
        );
    }
}

#[tokio::test]
async fn a_payment_on_chain_from_a_denied_payer_is_announced_to_the_merchant() {
    for db in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let list = dir.path().join("sanctions.txt");
        std::fs::write(&list, format!("{} # court order 42\n", recorded_payer())).unwrap();
        let gw = TestGateway::with_config(&db, with_list(&list)).await;
        let m = gw.merchant("SHOP").await;
        let hook = gw
            .admin(
                "POST",
                &format!("/admin/merchants/{}/webhooks", m.id),
                Some(json!({"url": "http://127.0.0.1:9/hook"})),
            )
            .await;
        assert_eq!(hook.status, StatusCode::CREATED, "{}", hook.text);
        gw.create_code(&m, "F-1", 1000).await;
        let log = Capture::install();
        pay(&gw, &m, "F-1", 6_000).await;

        // Queued durably with the payment, screened by the worker.
        let pending = rows::pending(&gw.state.db.pool, 10).await.unwrap();
        assert_eq!(pending.len(), 1, "{}", db.name);
        assert!(pending[0].reference.starts_with("evt_6000_"), "{pending:?}");
        assert_eq!(
            compliance::worker::screen_pending(&gw.state).await.unwrap(),
            1
        );
        assert_eq!(
            compliance::worker::screen_pending(&gw.state).await.unwrap(),
            0
        );
        let row = &verdicts_of(&gw, &recorded_payer()).await[0];
        assert_eq!(
            (
                row.context.as_str(),
                row.state.as_str(),
                row.verdict.as_deref()
            ),
            ("PAYMENT", "DONE", Some("DENY"))
        );
        assert_eq!(row.mcc, "5812");

        let deliveries = gw.call(&m, "GET", "/v2/webhooks/deliveries", None).await;
        let events: Vec<&str> = deliveries.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["eventType"].as_str().unwrap())
            .collect();
        assert!(
            events.contains(&"PAYMENT_SCREENING_DENIED") && events.contains(&"PAYMENT_COMPLETED"),
            "{events:?}"
        );
        let outbox = yenpay_gateway::outbox::deliveries_of(&gw.state.db.pool, &m.id, None)
            .await
            .unwrap();
        let denied = outbox
            .iter()
            .find(|d| d.event_type == "PAYMENT_SCREENING_DENIED")
            .unwrap();
        let body: Value = serde_json::from_str(&denied.body).unwrap();
        assert_eq!(body["data"]["merchantPaymentId"], "F-1");
        assert_eq!(body["data"]["reasonCode"], "LIST_MATCH");
        assert_eq!(body["data"]["payer"], recorded_payer());
        assert_eq!(body["sequence"], 2, "after PAYMENT_COMPLETED");
        assert!(
            gw.state
                .metrics
                .render()
                .contains("screening_denied_payments_total 1")
        );
        assert!(
            log.text().contains("PAYMENT_SCREENING_DENIED"),
            "the operator's log line"
        );

        // A refund to that payer is refused before anything is signed.
        gw.ledger
            .payouts
            .lock()
            .unwrap()
            .insert(m.address, m.terminal);
        let refund = gw
            .call(
                &m,
                "POST",
                "/v2/refunds",
                Some(json!({"merchantRefundId": "F-1-R", "merchantPaymentId": "F-1", "amount": {"amount": 100, "currency": "JPY"}})),
            )
            .await;
        assert_eq!(
            (refund.status, refund.code()),
            (StatusCode::FORBIDDEN, "SCREENING_DENIED"),
            "{}",
            refund.text
        );
        assert!(
            !gw.ledger
                .calls()
                .iter()
                .any(|c| matches!(c, Call::Refund { .. }))
        );
        let missing = gw.call(&m, "GET", "/v2/refunds/F-1-R", None).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND, "no refund row");
    }
}

fn tight_limits() -> Config {
    let mut config = config();
    config.compliance.tiers.unverified = Limits {
        per_transaction: 1_500,
        daily: 3_000,
        monthly: 4_500,
    };
    config
}

#[tokio::test]
async fn customer_limits_hold_at_their_exact_boundaries_and_the_day_rolls_over_in_japan() {
    for db in backends().await {
        let gw = TestGateway::with_config(&db, tight_limits()).await;
        let m = gw.merchant("SHOP").await;
        let customer = Ed25519Account::generate();
        let mut n = 0;
        let mut code = |amount: u64| {
            n += 1;
            (format!("LIM-{n}"), amount)
        };
        let refused = |answer: &Answer, code: &str| {
            assert_eq!(
                (answer.status, answer.code()),
                (StatusCode::FORBIDDEN, code),
                "{}",
                answer.text
            );
        };
        // Per transaction: 1,500 passes, 1,501 does not.
        refused(
            &pay_as(&gw, &m, &customer, code(1_501)).await,
            "CUSTOMER_LIMIT_PER_TRANSACTION",
        );
        assert_eq!(
            pay_as(&gw, &m, &customer, code(1_500)).await.status,
            StatusCode::CREATED
        );
        // The day: 3,000 in all passes, one yen more does not.
        assert_eq!(
            pay_as(&gw, &m, &customer, code(1_500)).await.status,
            StatusCode::CREATED
        );
        refused(
            &pay_as(&gw, &m, &customer, code(1)).await,
            "CUSTOMER_LIMIT_DAILY",
        );
        let left = gw
            .admin(
                "GET",
                &format!("/admin/customers/{}", customer.address().to_hex()),
                None,
            )
            .await;
        assert_eq!(left.body["data"]["limits"]["dailyLeft"], 0, "{}", left.text);
        assert_eq!(left.body["data"]["limits"]["monthlyLeft"], 1_500);
        assert_eq!(left.body["data"]["limits"]["jstDate"], "2026-12-01");

        // Japan's midnight is 15:00 UTC: one second before it, still the 1st.
        gw.clock.set(1_796_137_199);
        refused(
            &pay_as(&gw, &m, &customer, code(1)).await,
            "CUSTOMER_LIMIT_DAILY",
        );
        gw.clock.set(1_796_137_200);
        // A new day, the same month: 1,500 left in the month.
        assert_eq!(
            pay_as(&gw, &m, &customer, code(1_500)).await.status,
            StatusCode::CREATED
        );
        refused(
            &pay_as(&gw, &m, &customer, code(1)).await,
            "CUSTOMER_LIMIT_MONTHLY",
        );

        // Verified by the operator: the verified tier's limits apply at once.
        let set = gw
            .admin(
                "PUT",
                &format!("/admin/customers/{}/tier", customer.address().to_hex()),
                Some(json!({"tier": "verified"})),
            )
            .await;
        assert_eq!(set.status, StatusCode::OK, "{}", set.text);
        assert_eq!(set.body["data"]["limits"]["tier"], "verified");
        assert_eq!(
            pay_as(&gw, &m, &customer, code(20_000)).await.status,
            StatusCode::CREATED
        );
        let bad = gw
            .admin(
                "PUT",
                &format!("/admin/customers/{}/tier", customer.address().to_hex()),
                Some(json!({"tier": "gold"})),
            )
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);

        // A refused payment reserved nothing: a failed one gives its yen back.
        let (_, before) = gw_used(&gw, &customer).await;
        let (order, amount) = code(1_000);
        gw.create_code(&m, &order, amount).await;
        gw.ledger
            .set_next(Next::Reject("EINSUFFICIENT_BALANCE".to_owned()));
        let failed = sponsor_as(&gw, &m, &customer, &order, amount).await;
        assert_ne!(failed.status, StatusCode::CREATED);
        gw.ledger.set_next(Next::Succeed);
        assert_eq!(gw_used(&gw, &customer).await.1, before);

        // The wallet page's account answer shows what is left.
        let key = Ed25519Account::generate();
        let answer = gw
            .send(
                Request::post("/wallet/api/account")
                    .header("content-type", "application/json")
                    .body(Body::from(
                        json!({"publicKey": const_hex::encode(key.public_key().to_bytes())})
                            .to_string(),
                    ))
                    .unwrap(),
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        let limits = &answer.body["data"]["limits"];
        assert_eq!(limits["tier"], "unverified");
        assert_eq!(limits["perTransaction"], 1_500);
        assert_eq!(limits["dailyLeft"], 3_000);
        assert_eq!(limits["monthlyLeft"], 4_500);
        assert_eq!(limits["payableNow"], 1_500);
    }
}

/// Creates the code `order` and pays it sponsored as `customer`.
async fn pay_as(
    gw: &TestGateway,
    m: &TestMerchant,
    customer: &Ed25519Account,
    (order, amount): (String, u64),
) -> Answer {
    let created = gw.create_code(m, &order, amount).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    sponsor_as(gw, m, customer, &order, amount).await
}

/// Pays the code `order` sponsored as `customer`, expiring a minute from the clock's now.
async fn sponsor_as(
    gw: &TestGateway,
    m: &TestMerchant,
    customer: &Ed25519Account,
    order: &str,
    amount: u64,
) -> Answer {
    let mut tx = Tx::pay(gw, m.address, order, amount).await;
    tx.expiration = yenpay_gateway::Clock::now(gw.clock.as_ref()) as u64 + 60;
    post(gw, tx.body(customer, operator(gw))).await
}

/// Yen the customer used today and this month.
async fn gw_used(gw: &TestGateway, customer: &Ed25519Account) -> (i64, i64) {
    let left = gw
        .admin(
            "GET",
            &format!("/admin/customers/{}", customer.address().to_hex()),
            None,
        )
        .await;
    let l = &left.body["data"]["limits"];
    (
        l["dailyLimit"].as_i64().unwrap() - l["dailyLeft"].as_i64().unwrap(),
        l["monthlyLimit"].as_i64().unwrap() - l["monthlyLeft"].as_i64().unwrap(),
    )
}

/// Runs `yenpay-gateway --verify-audit-log` on `db_url`.
async fn verify_command(db_url: &str) -> std::process::Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_yenpay-gateway"))
        .env_clear()
        .env("DATABASE_URL", db_url)
        .arg("--verify-audit-log")
        .output()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_audit_log_chains_every_action_holds_no_secret_and_finds_an_edited_entry() {
    for db in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let list = dir.path().join("sanctions.txt");
        let denied = Ed25519Account::generate();
        std::fs::write(&list, format!("{}\n", denied.address().to_hex())).unwrap();
        let gw = TestGateway::with_config(&db, with_list(&list)).await;
        let m = gw.merchant("SHOP").await;
        let pos = gw.pos_credential(&m, "manager").await;
        let hook = gw
            .admin(
                "POST",
                &format!("/admin/merchants/{}/webhooks", m.id),
                Some(json!({"url": "http://127.0.0.1:9/hook"})),
            )
            .await;
        let endpoint = hook.body["data"]["endpointId"].as_str().unwrap().to_owned();
        let hook_secret = hook.body["data"]["secret"].as_str().unwrap().to_owned();
        let rotated = gw
            .call(
                &m,
                "POST",
                &format!("/v2/webhooks/{endpoint}/rotate-secret"),
                Some(json!({"overlapSeconds": 60})),
            )
            .await;
        assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.text);
        let rotated_secret = rotated.body["data"]["secret"].as_str().unwrap().to_owned();
        let revoked = gw
            .admin(
                "DELETE",
                &format!(
                    "/admin/merchants/{}/pos-credentials/{}",
                    m.id, pos.credential_id
                ),
                None,
            )
            .await;
        assert!(revoked.status.is_success(), "{}", revoked.text);
        gw.admin(
            "PUT",
            &format!("/admin/customers/{}/tier", denied.address().to_hex()),
            Some(json!({"tier": "business"})),
        )
        .await;
        gw.create_code(&m, "A-1", 1000).await;
        post(
            &gw,
            Tx::pay(&gw, m.address, "A-1", 1000)
                .await
                .body(&denied, operator(&gw)),
        )
        .await;

        let json_export = gw.admin("GET", "/admin/audit-log", None).await;
        assert_eq!(json_export.status, StatusCode::OK, "{}", json_export.text);
        let actions: Vec<&str> = json_export.body["data"]["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            actions,
            [
                "MERCHANT_ONBOARDED",
                "API_KEY_ISSUED",
                "POS_CREDENTIAL_ISSUED",
                "WEBHOOK_SECRET_ISSUED",
                "WEBHOOK_SECRET_ROTATED",
                "POS_CREDENTIAL_REVOKED",
                "CUSTOMER_TIER_SET",
                "SCREENING_VERDICT",
            ],
            "{}",
            db.name
        );
        let issued = &json_export.body["data"]["entries"][1];
        assert_eq!(
            serde_json::from_str::<Value>(issued["details"].as_str().unwrap()).unwrap(),
            json!({"ids": {"keyId": m.key_id, "merchantId": m.id}, "status": 201})
        );
        let csv = gw.admin("GET", "/admin/audit-log?format=csv", None).await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(
            csv.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );
        assert_eq!(csv.text.lines().count(), 9, "{}", csv.text);
        assert!(
            csv.text
                .starts_with("seq,at,actor,action,subject,details,prev_hash,hash\n")
        );

        // Not one secret the test knows, in any form, anywhere in the log or its exports.
        let mut stored = String::new();
        for entry in audit_log::page(&gw.state.db.pool, 0, 1000).await.unwrap() {
            stored.push_str(&format!("{entry:?}\n"));
        }
        for secret in [
            m.secret.as_str(),
            pos.secret.as_str(),
            hook_secret.as_str(),
            rotated_secret.as_str(),
            ADMIN_TOKEN,
        ] {
            let forms = [
                secret.to_owned(),
                yenpay_gateway::crypto::sha256_hex(secret.as_bytes()),
                secret.split('_').next_back().unwrap().to_owned(),
            ];
            for form in forms {
                for (what, text) in [
                    ("the table", &stored),
                    ("the JSON export", &json_export.text),
                    ("the CSV export", &csv.text),
                ] {
                    assert!(!text.contains(&form), "{}: a secret in {what}", db.name);
                }
            }
        }

        // Whole: the command says so and exits 0.
        let whole = verify_command(&db.url).await;
        assert!(
            whole.status.success(),
            "{}: {}",
            String::from_utf8_lossy(&whole.stdout),
            String::from_utf8_lossy(&whole.stderr)
        );
        assert!(String::from_utf8_lossy(&whole.stdout).contains("8 entries"));

        // Someone edits entry 3 in the database: found, and named.
        sqlx::query("UPDATE audit_log SET subject = $1 WHERE seq = 3")
            .bind("/admin/merchants/mer_someone_else/pos-credentials")
            .execute(&gw.state.db.pool)
            .await
            .unwrap();
        let found = audit_log::verify(&gw.state.db.pool).await.unwrap();
        assert_eq!(found.first_bad, Some(3), "{found:?}");
        let broken = verify_command(&db.url).await;
        assert_eq!(broken.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&broken.stderr);
        assert!(stderr.contains("entry 3 does not hold"), "{stderr}");

        // An entry deleted (and the rest left alone) is found too.
        sqlx::query("UPDATE audit_log SET subject = $1 WHERE seq = 3")
            .bind(format!("/admin/merchants/{}/pos-credentials", m.id))
            .execute(&gw.state.db.pool)
            .await
            .unwrap();
        assert_eq!(
            audit_log::verify(&gw.state.db.pool)
                .await
                .unwrap()
                .first_bad,
            None
        );
        sqlx::query("DELETE FROM audit_log WHERE seq = 5")
            .execute(&gw.state.db.pool)
            .await
            .unwrap();
        assert_eq!(
            audit_log::verify(&gw.state.db.pool)
                .await
                .unwrap()
                .first_bad,
            Some(5)
        );
    }
}

#[tokio::test]
async fn two_replicas_appending_at_once_do_not_fork_the_chain() {
    for db in backends().await {
        let one = TestGateway::new(&db).await;
        let two = TestGateway::new(&db).await;
        let mut tasks = Vec::new();
        for (i, gw) in [one.state.clone(), two.state.clone()]
            .into_iter()
            .cycle()
            .take(40)
            .enumerate()
        {
            tasks.push(tokio::spawn(async move {
                audit_log::append(
                    &gw.db,
                    &audit_log::NewEntry {
                        actor: "admin",
                        action: "TEST",
                        subject: &format!("entry {i}"),
                        details: json!({}),
                    },
                    NOW,
                )
                .await
                .unwrap()
            }));
        }
        let mut seqs = Vec::new();
        for task in tasks {
            seqs.push(task.await.unwrap());
        }
        seqs.sort_unstable();
        assert_eq!(seqs, (1..=40).collect::<Vec<i64>>(), "{}", db.name);
        let found = audit_log::verify(&one.state.db.pool).await.unwrap();
        assert_eq!((found.entries, found.first_bad), (40, None), "{found:?}");
    }
}
