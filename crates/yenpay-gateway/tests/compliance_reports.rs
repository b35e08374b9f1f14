//! The operator's reports (issue 28, phase 2): the daily reconciliation per
//! merchant, summed from chain events of two merchants over three Japan
//! days with events on both sides of midnight in Tokyo (15:00 UTC), through
//! the admin route and the binary's flag; and the suspicious-activity
//! export of denies, reviews, limit refusals and payments from an address
//! denied later.

use crate::common::*;
use aptos_sdk::account::Ed25519Account;
use axum::http::StatusCode;
use serde_json::{Value, json};
use yenpay_gateway::compliance::reports;
use yenpay_gateway::store::compliance::{self as rows, NewScreening, Outcome};

/// 2026-12-01 00:00:00 in Tokyo, Unix seconds (2026-11-30T15:00:00Z).
const DEC_1_JST: i64 = 1_796_050_800;

/// One chain event the test inserts: merchant, type, amount, fee (or fee
/// returned), block time.
type Event = (&'static str, &'static str, i64, i64, i64);

async fn insert_events(gw: &TestGateway, events: &[Event]) {
    for (i, (merchant, kind, amount, fee, at)) in events.iter().enumerate() {
        let data = match *kind {
            "InvoiceRefunded" => {
                json!({"amount": amount.to_string(), "fee_returned": fee.to_string(), "order_ref": format!("O-{i}")})
            }
            "HoldAuthorized" => json!({"amount": amount.to_string()}),
            _ => {
                json!({"amount": amount.to_string(), "fee": fee.to_string(), "order_ref": format!("O-{i}")})
            }
        };
        sqlx::query(
            "INSERT INTO chain_events (version, event_index, tx_hash, event_type, merchant_address, data, tx_timestamp) \
             VALUES ($1, 0, $2, $3, $4, $5, $6)",
        )
        .bind(100 + i as i64)
        .bind(format!("0x{i:064x}"))
        .bind(*kind)
        .bind(*merchant)
        .bind(data.to_string())
        .bind(at * 1_000_000)
        .execute(&gw.state.db.pool)
        .await
        .unwrap();
    }
}

/// The report's line of `merchant` for the Japan day starting at `start`,
/// computed from `events` independently of the gateway's code.
fn expected(events: &[Event], merchant: &str, start: i64) -> Option<Vec<String>> {
    let day: Vec<&Event> = events
        .iter()
        .filter(|e| e.0 == merchant && e.4 >= start && e.4 < start + 86_400)
        .collect();
    if day.is_empty() {
        return None;
    }
    let sum = |kind: &str, f: fn(&Event) -> i64| -> i64 {
        day.iter().filter(|e| e.1 == kind).map(|e| f(e)).sum()
    };
    let count = |kind: &str| day.iter().filter(|e| e.1 == kind).count() as i64;
    let payments = count("InvoicePaid") + count("MerchantPaid");
    let gross = sum("InvoicePaid", |e| e.2) + sum("MerchantPaid", |e| e.2);
    let fees = sum("InvoicePaid", |e| e.3) + sum("MerchantPaid", |e| e.3);
    let refunded = sum("InvoiceRefunded", |e| e.2);
    let returned = sum("InvoiceRefunded", |e| e.3);
    Some(
        [
            payments,
            gross,
            fees,
            count("InvoiceRefunded"),
            refunded,
            returned,
            count("HoldAuthorized"),
            gross - fees - (refunded - returned),
        ]
        .iter()
        .map(i64::to_string)
        .collect(),
    )
}

#[tokio::test]
async fn the_daily_reconciliation_sums_each_merchants_japan_day() {
    let a = "0x00000000000000000000000000000000000000000000000000000000000000aa";
    let b = "0x00000000000000000000000000000000000000000000000000000000000000bb";
    let (dec1, dec2) = (DEC_1_JST, DEC_1_JST + 86_400);
    let events: Vec<Event> = vec![
        // The last second of 30 November in Tokyo: not in 1 December.
        (a, "InvoicePaid", 9_999, 99, dec1 - 1),
        // The first second of 1 December in Tokyo (15:00:00 UTC on 30 November).
        (a, "InvoicePaid", 1_000, 10, dec1),
        (a, "MerchantPaid", 2_500, 25, dec1 + 3_600),
        (a, "InvoiceRefunded", 300, 3, dec1 + 7_200),
        (a, "HoldAuthorized", 5_000, 0, dec1 + 7_300),
        (b, "InvoicePaid", 700, 7, dec1 + 10),
        // The last second of 1 December in Tokyo.
        (b, "InvoicePaid", 40_000, 400, dec2 - 1),
        (b, "InvoiceRefunded", 700, 7, dec2 - 1),
        // The first second of 2 December.
        (b, "InvoicePaid", 123, 1, dec2),
        (a, "InvoiceRefunded", 500, 5, dec2 + 60),
    ];
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        insert_events(&gw, &events).await;
        for (date, start) in [
            ("2026-11-30", dec1 - 86_400),
            ("2026-12-01", dec1),
            ("2026-12-02", dec2),
        ] {
            let answer = gw
                .admin(
                    "GET",
                    &format!("/admin/reports/reconciliation?date={date}"),
                    None,
                )
                .await;
            assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
            assert!(
                answer.headers[axum::http::header::CONTENT_TYPE]
                    .to_str()
                    .unwrap()
                    .starts_with("text/csv")
            );
            let mut want = vec![reports::RECONCILIATION_HEADER.join(",")];
            for merchant in [a, b] {
                if let Some(line) = expected(&events, merchant, start) {
                    want.push(format!("{date},{merchant},{}", line.join(",")));
                }
            }
            let got: Vec<&str> = answer.text.lines().collect();
            assert_eq!(got, want, "{} {date}", db.name);

            // The binary's flag prints the same, from the database alone.
            let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_yenpay-gateway"))
                .env_clear()
                .env("DATABASE_URL", &db.url)
                .args(["--report-reconciliation", date])
                .output()
                .await
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(String::from_utf8(out.stdout).unwrap(), answer.text);
        }
        // 1 December in numbers, so that the sums above are not only self-consistent.
        let json = gw
            .admin(
                "GET",
                "/admin/reports/reconciliation?date=2026-12-01&format=json",
                None,
            )
            .await;
        let m = &json.body["data"]["merchants"];
        assert_eq!(
            (
                &m[0]["payments"],
                &m[0]["gross"],
                &m[0]["holds"],
                &m[0]["net"]
            ),
            (&json!(2), &json!(3_500), &json!(1), &json!(3_168))
        );
        assert_eq!(
            (&m[1]["refunds"], &m[1]["net"]),
            (&json!(1), &json!(39_600))
        );
        let bad = gw
            .admin("GET", "/admin/reports/reconciliation?date=1.12.2026", None)
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    }
}

async fn record(
    gw: &TestGateway,
    context: &str,
    reference: &str,
    subject: &str,
    outcome: Outcome<'_>,
    at: i64,
) {
    let mut tx = gw.state.db.begin().await.unwrap();
    rows::record_screened(
        &mut tx,
        &NewScreening {
            context,
            reference,
            subject,
            merchant_address: "0x00000000000000000000000000000000000000000000000000000000000000aa",
            order_ref: None,
            amount: 1_000,
            mcc: "5812",
        },
        &outcome,
        at,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

fn outcome<'a>(verdict: &'a str, reason: &'a str) -> Outcome<'a> {
    Outcome {
        verdict,
        reason_code: reason,
        detail: None,
        provider: "list",
    }
}

#[tokio::test]
async fn the_suspicious_activity_export_lists_denies_reviews_refusals_and_earlier_payments() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        let pool = &gw.state.db.pool;
        let shop = "0x00000000000000000000000000000000000000000000000000000000000000aa";
        let bad = Ed25519Account::generate().address().to_hex();
        let pep = Ed25519Account::generate().address().to_hex();
        let fine = Ed25519Account::generate().address().to_hex();
        let t = DEC_1_JST;
        // Two payments from `bad` while it was allowed, then a deny on 1 December.
        record(
            &gw,
            "PAYMENT",
            "evt_1_0",
            &bad,
            outcome("ALLOW", "NO_MATCH"),
            t - 86_400,
        )
        .await;
        record(
            &gw,
            "PAYMENT",
            "evt_2_0",
            &bad,
            outcome("ALLOW", "NO_MATCH"),
            t + 60,
        )
        .await;
        record(
            &gw,
            "SPONSOR",
            "code_9",
            &bad,
            outcome("DENY", "LIST_MATCH"),
            t + 120,
        )
        .await;
        // A payment after the deny is a deny itself, not an "earlier payment".
        record(
            &gw,
            "PAYMENT",
            "evt_3_0",
            &bad,
            outcome("DENY", "LIST_MATCH"),
            t + 180,
        )
        .await;
        record(
            &gw,
            "SPONSOR",
            "code_7",
            &pep,
            outcome("REVIEW", "PEP"),
            t + 240,
        )
        .await;
        record(
            &gw,
            "PAYMENT",
            "evt_4_0",
            &fine,
            outcome("ALLOW", "NO_MATCH"),
            t + 300,
        )
        .await;
        // A limit refusal, asked three times.
        for at in [t + 400, t + 500, t + 600] {
            rows::record_limit_refusal(
                pool,
                &fine,
                "code_5",
                "CUSTOMER_LIMIT_DAILY",
                shop,
                90_000,
                at,
            )
            .await
            .unwrap();
        }
        // Outside the day: a deny on 2 December.
        record(
            &gw,
            "SPONSOR",
            "code_8",
            &fine,
            outcome("DENY", "LIST_MATCH"),
            t + 86_400,
        )
        .await;

        let answer = gw
            .admin(
                "GET",
                "/admin/reports/suspicious?from=2026-12-01&format=json",
                None,
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        let lines: Vec<(String, String, String)> = answer.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l: &Value| {
                (
                    l["kind"].as_str().unwrap().to_owned(),
                    l["reference"].as_str().unwrap().to_owned(),
                    l["subject"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let line = |kind: &str, reference: &str, subject: &str| {
            (kind.to_owned(), reference.to_owned(), subject.to_owned())
        };
        assert_eq!(
            lines,
            vec![
                line("PAYMENT_FROM_DENIED_ADDRESS", "evt_1_0", &bad),
                line("PAYMENT_FROM_DENIED_ADDRESS", "evt_2_0", &bad),
                line("SCREENING_DENY", "code_9", &bad),
                line("SCREENING_DENY", "evt_3_0", &bad),
                line("SCREENING_REVIEW", "code_7", &pep),
                line("LIMIT_REFUSAL", "code_5", &fine),
            ],
            "{}",
            db.name
        );
        let refusal = &answer.body["data"][5];
        assert_eq!(
            (&refusal["count"], &refusal["code"], &refusal["amount"]),
            (&json!(3), &json!("CUSTOMER_LIMIT_DAILY"), &json!(90_000))
        );
        // Both days: the 2 December deny joins, and `fine`'s payment before it.
        let two = gw
            .admin(
                "GET",
                "/admin/reports/suspicious?from=2026-12-01&to=2026-12-02",
                None,
            )
            .await;
        let csv: Vec<&str> = two.text.lines().collect();
        assert_eq!(csv[0], reports::SUSPICIOUS_HEADER.join(","));
        assert_eq!(csv.len(), 1 + 6 + 2, "{}", two.text);
        assert!(
            csv.iter()
                .any(|l| l.starts_with("PAYMENT_FROM_DENIED_ADDRESS") && l.contains("evt_4_0"))
        );

        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_yenpay-gateway"))
            .env_clear()
            .env("DATABASE_URL", &db.url)
            .args(["--report-suspicious", "2026-12-01"])
            .output()
            .await
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let printed = String::from_utf8(out.stdout).unwrap();
        assert_eq!(printed.lines().count(), 1 + 6, "{printed}");
    }
}

#[tokio::test]
async fn a_limit_refusal_at_the_sponsor_is_recorded_once_and_counted() {
    for db in backends().await {
        let mut config = config();
        config.compliance.tiers.unverified = yenpay_gateway::config::Limits {
            per_transaction: 1_500,
            daily: 3_000,
            monthly: 4_500,
        };
        let gw = TestGateway::with_config(&db, config).await;
        let m = gw.merchant("SHOP").await;
        let customer = Ed25519Account::generate();
        gw.create_code(&m, "R-1", 1_501).await;
        let mut tx = crate::sponsor::Tx::pay(&gw, m.address, "R-1", 1_501).await;
        tx.expiration = yenpay_gateway::Clock::now(gw.clock.as_ref()) as u64 + 60;
        let body = tx.body(&customer, crate::sponsor::operator(&gw));
        for _ in 0..5 {
            let answer = crate::sponsor::post(&gw, body.clone()).await;
            assert_eq!(
                answer.code(),
                "CUSTOMER_LIMIT_PER_TRANSACTION",
                "{}",
                answer.text
            );
        }
        let now = yenpay_gateway::Clock::now(gw.clock.as_ref());
        let found = rows::limit_refusals(&gw.state.db.pool, 0, now + 1)
            .await
            .unwrap();
        assert_eq!(found.len(), 1, "{}", db.name);
        assert_eq!(
            (
                found[0].address.as_str(),
                found[0].refused_count,
                found[0].amount
            ),
            (customer.address().to_hex().as_str(), 5, 1_501)
        );
    }
}
