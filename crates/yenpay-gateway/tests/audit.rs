//! The chain audit (`--audit-chain`) on the recorded page of real node
//! transactions: a followed chain and its database agree; each kind of
//! tampering is named; what the follower has not read yet is not a
//! difference; the command exits 1 on a difference and writes its report.
//! Every test runs on each database backend.

use crate::common::*;
use crate::follower::{YAKITORI, fake_node_at, gateway, head, page, serve};
use yenpay_gateway::audit::{self, AuditError, Difference, Report};
use yenpay_gateway::follower::{self, Finish};

async fn audit_of(gw: &TestGateway) -> Report {
    audit::run(&gw.state.db, gw.ledger.as_ref(), package(), 3_900, |_| {})
        .await
        .unwrap()
}

/// A gateway that followed the whole recorded page, the chain double serving it.
async fn followed(db: &TestDb) -> TestGateway {
    let gw = gateway(db).await;
    follower::apply_page(&gw.state, &page(), head(), Finish::Commit)
        .await
        .unwrap();
    serve(&gw, page());
    gw
}

async fn execute(gw: &TestGateway, sql: &str) {
    let done = sqlx::query(sql).execute(&gw.state.db.pool).await.unwrap();
    assert_eq!(done.rows_affected(), 1, "{sql}");
}

#[tokio::test]
async fn a_followed_chain_and_its_database_agree() {
    for db in backends().await {
        let gw = followed(&db).await;
        let report = audit_of(&gw).await;
        assert!(report.is_clean(), "{}: {report}", db.name);
        // Two invoices paid, one static payment; three partial refunds.
        assert_eq!(
            (report.chain_payments, report.database_payments),
            (3, 3),
            "{}",
            db.name
        );
        assert_eq!((report.chain_refunds, report.database_refunds), (3, 3));
        assert_eq!(report.transactions, 389);
        assert_eq!((report.from_version, report.cursor), (3_900, 4_289));
        assert_eq!(report.not_yet_followed, 0);
    }
}

#[tokio::test]
async fn every_kind_of_tampering_is_named() {
    for db in backends().await {
        let gw = followed(&db).await;
        // A fee changed, a refund lost, a cancelled invoice claimed as paid.
        execute(
            &gw,
            &format!(
                "UPDATE payments SET fee = 11 WHERE merchant_address = '{YAKITORI}' AND merchant_payment_id = 'INV-7-0001'"
            ),
        )
        .await;
        execute(&gw, "DELETE FROM refunds WHERE amount = 3333").await;
        // A second row for the refund of 3,000: counted twice.
        execute(
            &gw,
            "INSERT INTO refunds (refund_id, merchant_address, merchant_refund_id, code_id, amount, status, \
             reason, fee_returned, tx_hash, tx_version, created_at, completed_at, failure, pending_expires_at) \
             SELECT 'r_twin', merchant_address, 'twin', code_id, amount, status, reason, fee_returned, tx_hash, \
             tx_version, created_at, completed_at, failure, pending_expires_at FROM refunds WHERE amount = 3000",
        )
        .await;
        execute(
            &gw,
            &format!(
                "UPDATE payments SET status = 'COMPLETED', pay_version = 4100, fee = 1, net = 1 \
                 WHERE merchant_address = '{YAKITORI}' AND merchant_payment_id = 'INV-7-CANCEL'"
            ),
        )
        .await;
        let report = audit_of(&gw).await;
        let mut kinds: Vec<String> = report
            .differences
            .iter()
            .map(|d| match d {
                Difference::PaymentField {
                    field,
                    chain,
                    database,
                    ..
                } => format!("{field}: chain {chain}, database {database}"),
                Difference::RefundMissing { chain } => format!("refund missing: {}", chain.amount),
                Difference::RefundDuplicated { refunds, .. } => {
                    format!("refund rows twice: {}", refunds.len())
                }
                Difference::PaymentNotOnChain {
                    merchant_payment_id,
                    version,
                    ..
                } => format!("not on chain: {merchant_payment_id} at {version}"),
                other => format!("{other:?}"),
            })
            .collect();
        kinds.sort();
        assert_eq!(
            kinds,
            vec![
                "fee: chain 10, database 11".to_owned(),
                "not on chain: INV-7-CANCEL at 4100".to_owned(),
                "refund missing: 3333".to_owned(),
                "refund rows twice: 2".to_owned(),
            ],
            "{}: {report}",
            db.name
        );
    }
}

#[tokio::test]
async fn what_the_follower_has_not_read_is_not_a_difference() {
    for db in backends().await {
        let gw = gateway(&db).await;
        // The follower read the first hundred versions, before any payment.
        let page = page();
        follower::apply_page(&gw.state, &page[..100], head(), Finish::Commit)
            .await
            .unwrap();
        serve(&gw, page);
        let report = audit_of(&gw).await;
        assert!(report.is_clean(), "{}: {report}", db.name);
        assert_eq!(report.cursor, 4_000);
        assert_eq!(report.not_yet_followed, 6, "three payments, three refunds");
    }
}

#[tokio::test]
async fn a_page_that_does_not_start_where_asked_stops_the_audit() {
    let db = backends().await.remove(0);
    let gw = followed(&db).await;
    // The node skips version 3,900.
    let mut page = page();
    page.remove(0);
    serve(&gw, page);
    let error = audit::run(&gw.state.db, gw.ledger.as_ref(), package(), 3_900, |_| {})
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            AuditError::Page {
                expected: 3_900,
                found: 3_901
            }
        ),
        "{error}"
    );
}

/// Runs the binary while this test's runtime serves the node double.
async fn audit_command(
    db_url: &str,
    node_url: &str,
    report: &std::path::Path,
) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let kek = dir.path().join("kek");
    std::fs::write(&kek, "5a".repeat(32)).unwrap();
    tokio::process::Command::new(env!("CARGO_BIN_EXE_yenpay-gateway"))
        .env_clear()
        .env("DATABASE_URL", db_url)
        .env("YENPAY_KEK_FILE", &kek)
        .env("APTOS_NODE_URL", node_url)
        .env("YENPAY_PACKAGE", PACKAGE)
        .env("YENPAY_METADATA", METADATA)
        .args([
            "--follower-start",
            "3900",
            "--audit-chain",
            "--audit-report",
        ])
        .arg(report)
        .output()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_command_reports_and_exits_1_on_a_difference() {
    for db in backends().await {
        let gw = followed(&db).await;
        let node = fake_node_at(page(), 4_288).await;
        let dir = tempfile::tempdir().unwrap();
        let report = dir.path().join("audit.json");

        let clean = audit_command(&db.url, &node, &report).await;
        let stdout = String::from_utf8_lossy(&clean.stdout);
        assert!(
            clean.status.success(),
            "{}: {stdout}{}",
            db.name,
            String::from_utf8_lossy(&clean.stderr)
        );
        assert!(stdout.contains("differences: 0"), "{stdout}");
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
        assert_eq!(json["chain_payments"], 3);
        assert_eq!(json["differences"], serde_json::json!([]));

        execute(
            &gw,
            &format!(
                "UPDATE payments SET net = 989 WHERE merchant_address = '{YAKITORI}' AND merchant_payment_id = 'INV-7-0001'"
            ),
        )
        .await;
        let tampered = audit_command(&db.url, &node, &report).await;
        assert_eq!(tampered.status.code(), Some(1), "{}", db.name);
        let stdout = String::from_utf8_lossy(&tampered.stdout);
        assert!(stdout.contains("differences: 1"), "{stdout}");
        assert!(
            String::from_utf8_lossy(&tampered.stderr).contains("disagree in 1 places"),
            "{}",
            String::from_utf8_lossy(&tampered.stderr)
        );
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
        assert_eq!(json["differences"][0]["field"], "net");
        assert_eq!(json["differences"][0]["chain"], "990");
    }
}

/// One refund transaction is one refund row, whichever writer comes first:
/// the gateway's own outcome (its hash spelt otherwise), or the follower
/// while the gateway's row looked failed. The 600 s soak once found a
/// second row for one refund; the audit now names that.
#[tokio::test]
async fn one_refund_transaction_is_one_row_in_either_order() {
    use yenpay_gateway::store::payments::{
        self, At, NewRefund, RefundReservation, RefundStatus, Refunded, Tx,
    };
    for db in backends().await {
        let gw = followed(&db).await;
        let pool = &gw.state.db.pool;
        let paid = payments::by_merchant_payment_id(pool, YAKITORI, "INV-7-0001")
            .await
            .unwrap()
            .unwrap();
        for (round, follower_first) in [(0u64, false), (1, true)] {
            let RefundReservation::New(refund) = payments::reserve_refund(
                &gw.state.db,
                &paid,
                &NewRefund {
                    refund_id: format!("r_mine_{round}"),
                    merchant_refund_id: format!("MINE-{round}"),
                    reason: None,
                    amount: 100,
                    created_at: NOW,
                },
            )
            .await
            .unwrap() else {
                panic!("a new refund")
            };
            let version = 5_000 + round;
            let hash = format!("0x{:064x}", 0xabc0 + round);
            let upper = hash.to_uppercase().replace("0X", "0x");
            let refunded = |hash: &'static str| Refunded {
                amount: 100,
                fee_returned: 1,
                refunded_total: 100 * (round + 1),
                tx: Tx { hash, version },
                at_secs: NOW,
            };
            let (hash, upper): (&'static str, &'static str) = (
                Box::leak(hash.into_boxed_str()),
                Box::leak(upper.into_boxed_str()),
            );
            let at = At {
                merchant: YAKITORI,
                order_ref: "INV-7-0001",
                tx: Tx { hash, version },
                block_secs: NOW,
            };
            let mut conn = pool.acquire().await.unwrap();
            if follower_first {
                // The gateway's row was settled as failed; the follower records a stand-in.
                payments::fail_refund(pool, &refund.refund_id, "NOT_COMMITTED: test")
                    .await
                    .unwrap();
                payments::chain_refunded(&mut conn, at, 0, &refunded(hash))
                    .await
                    .unwrap();
                payments::complete_refund(&gw.state.db, &refund.refund_id, &refunded(hash))
                    .await
                    .unwrap();
            } else {
                // The gateway learnt the outcome first, its hash spelt in capitals.
                payments::complete_refund(&gw.state.db, &refund.refund_id, &refunded(upper))
                    .await
                    .unwrap();
                payments::chain_refunded(&mut conn, at, 0, &refunded(hash))
                    .await
                    .unwrap();
            }
            let rows: Vec<_> = payments::refunds_of(pool, &paid.code_id)
                .await
                .unwrap()
                .into_iter()
                .filter(|r| r.tx_version == Some(version as i64))
                .collect();
            assert_eq!(rows.len(), 1, "{}: {rows:?}", db.name);
            assert_eq!(rows[0].refund_id, refund.refund_id);
            assert_eq!(rows[0].status, RefundStatus::Completed);
        }
    }
}

/// The race the 600 s soak found after the two fixes above: the follower
/// has recorded a stand-in for the refund in its page's transaction, not
/// yet committed, while the gateway learns the same outcome. The gateway's
/// write waits for the follower's (both take the payment's row first), then
/// removes the stand-in: one row. On PostgreSQL the gateway's write used to
/// go through without seeing the uncommitted stand-in, and both stayed.
#[tokio::test]
async fn a_refund_completed_while_the_follower_commits_its_stand_in_is_one_row() {
    use yenpay_gateway::store::payments::{
        self, At, NewRefund, RefundReservation, RefundStatus, Refunded, Tx,
    };
    for db in backends().await {
        let gw = followed(&db).await;
        let pool = gw.state.db.pool.clone();
        let paid = payments::by_merchant_payment_id(&pool, YAKITORI, "INV-7-0001")
            .await
            .unwrap()
            .unwrap();
        let RefundReservation::New(refund) = payments::reserve_refund(
            &gw.state.db,
            &paid,
            &NewRefund {
                refund_id: "r_race".to_owned(),
                merchant_refund_id: "RACE-1".to_owned(),
                reason: None,
                amount: 100,
                created_at: NOW,
            },
        )
        .await
        .unwrap() else {
            panic!("a new refund")
        };
        let hash = "0x00000000000000000000000000000000000000000000000000000000000ace01";
        let refunded = Refunded {
            amount: 100,
            fee_returned: 1,
            refunded_total: 100,
            tx: Tx {
                hash,
                version: 6_000,
            },
            at_secs: NOW,
        };
        // The gateway's row looks failed when the follower reads it.
        payments::fail_refund(&pool, &refund.refund_id, "NOT_COMMITTED: test")
            .await
            .unwrap();
        let mut page = gw.state.db.begin().await.unwrap();
        let at = At {
            merchant: YAKITORI,
            order_ref: "INV-7-0001",
            tx: Tx {
                hash,
                version: 6_000,
            },
            block_secs: NOW,
        };
        payments::chain_refunded(&mut page, at, 0, &refunded)
            .await
            .unwrap();
        // Meanwhile the gateway learns the outcome.
        let state = gw.state.clone();
        let refund_id = refund.refund_id.clone();
        let gateway = tokio::spawn(async move {
            let refunded = Refunded {
                amount: 100,
                fee_returned: 1,
                refunded_total: 100,
                tx: Tx {
                    hash: "0x00000000000000000000000000000000000000000000000000000000000ace01",
                    version: 6_000,
                },
                at_secs: NOW,
            };
            payments::complete_refund(&state.db, &refund_id, &refunded).await
        });
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        page.commit().await.unwrap();
        gateway.await.unwrap().unwrap();
        let rows: Vec<_> = payments::refunds_of(&pool, &paid.code_id)
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.tx_version == Some(6_000))
            .collect();
        assert_eq!(rows.len(), 1, "{}: {rows:?}", db.name);
        assert_eq!(rows[0].refund_id, refund.refund_id);
        assert_eq!(rows[0].status, RefundStatus::Completed);
    }
}
