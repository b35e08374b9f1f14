//! Review turns the payment into a hold (issue 28, `compliance::review`):
//! a reviewed payer's payment is answered with a hold code for the same
//! merchant, amount and order; the payer's taking of it is sponsored; an
//! analyst releases (capture) or rejects (void) through `/admin/reviews`,
//! once; the gateway voids at the deadline, once across concurrent
//! workers; the merchant can neither capture nor revert it; every decision
//! is in the audit log with its analyst and without secrets. Every test
//! runs on each database backend.

use crate::common::*;
use crate::sponsor::{Tx, operator, post};
use aptos_sdk::account::Ed25519Account;
use aptos_sdk::types::AccountAddress;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use serde_json::{Value, json};
use yenpay_gateway::compliance::review;
use yenpay_gateway::follower::{self, Finish};
use yenpay_gateway::store::audit_log;

const DAY: i64 = 86_400;

/// A gateway whose screening list puts `reviewed` under review, with a
/// merchant that has a webhook endpoint.
async fn gateway(
    db: &TestDb,
    dir: &tempfile::TempDir,
    reviewed: &Ed25519Account,
) -> (TestGateway, TestMerchant) {
    let list = dir.path().join("screening.txt");
    std::fs::write(
        &list,
        format!(
            "# reviews of the tests\n{} review # PEP\n",
            reviewed.address().to_hex()
        ),
    )
    .unwrap();
    let mut config = config();
    config.compliance.list_file = Some(list);
    config.follower_start_version = 3_900;
    let gw = TestGateway::with_config(db, config).await;
    let m = gw.merchant("SHOP").await;
    let hook = gw
        .admin(
            "POST",
            &format!("/admin/merchants/{}/webhooks", m.id),
            Some(json!({"url": "http://127.0.0.1:9/hook"})),
        )
        .await;
    assert_eq!(hook.status, StatusCode::CREATED, "{}", hook.text);
    (gw, m)
}

/// The reviewed payer pays code `order`: answered `409 PAYMENT_UNDER_REVIEW`
/// with the hold code; returns its `data`.
async fn pay_under_review(
    gw: &TestGateway,
    m: &TestMerchant,
    payer: &Ed25519Account,
    order: &str,
    amount: u64,
) -> Value {
    let answer = post(
        gw,
        Tx::pay(gw, m.address, order, amount)
            .await
            .body(payer, operator(gw)),
    )
    .await;
    assert_eq!(
        (answer.status, answer.code()),
        (StatusCode::CONFLICT, "PAYMENT_UNDER_REVIEW"),
        "{}",
        answer.text
    );
    answer.body["data"].clone()
}

/// The hold code of a `PAYMENT_UNDER_REVIEW` answer, as the wallet decodes it.
fn hold_code(data: &Value) -> yenpay_client::types::hold::SignedHoldOffer {
    let url = data["url"].as_str().unwrap();
    yenpay_qr::hold::decode(url).unwrap().signed
}

/// The payer's `authorize_signed_hold` of the review's hold code.
fn take(signed: &yenpay_client::types::hold::SignedHoldOffer) -> Tx {
    let call = yenpay_client::hold::Calls::new(package())
        .authorize_offer(signed)
        .unwrap();
    Tx::of(aptos_sdk::transaction::TransactionPayload::EntryFunction(
        call,
    ))
}

/// The follower applies the payer's `HoldAuthorized` at `version`.
async fn taken_on_chain(
    gw: &TestGateway,
    m: &TestMerchant,
    payer: &Ed25519Account,
    data: &Value,
    version: u64,
) {
    let event = (
        "HoldAuthorized",
        json!({
            "merchant": m.address.to_hex(),
            "hold_ref": data["merchantPaymentId"],
            "customer": payer.address().to_hex(),
            "amount": data["amount"]["amount"].to_string(),
            "tip_limit": "0",
            "capture_before": data["reviewDeadline"].to_string(),
            "created_by": payer.address().to_hex(),
        }),
    );
    let tx = crate::holds::hold_tx(version, NOW + 5, None, vec![event]);
    seek(gw, version).await;
    let head = yenpay_gateway::chain::LedgerHead {
        version: version + 1,
        timestamp_us: (NOW as u64 + 5) * 1_000_000,
        chain_id: CHAIN_ID,
        oldest_version: 0,
    };
    let applied = follower::apply_page(&gw.state, &[tx], head, Finish::Commit)
        .await
        .unwrap();
    assert_eq!(applied.events, 1);
}

/// The webhook events queued, in order.
async fn outbox(gw: &TestGateway) -> Vec<(String, Value)> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT event_type, body FROM webhook_outbox ORDER BY created_at, event_id")
            .fetch_all(&gw.state.db.pool)
            .await
            .unwrap();
    let mut events: Vec<(i64, String, Value)> = rows
        .into_iter()
        .map(|(event, body)| {
            let body: Value = serde_json::from_str(&body).unwrap();
            (
                body["sequence"].as_i64().unwrap(),
                event,
                body["data"].clone(),
            )
        })
        .collect();
    events.sort_by_key(|(sequence, _, _)| *sequence);
    events.into_iter().map(|(_, e, d)| (e, d)).collect()
}

/// The audit log's entries, in order.
async fn audit(gw: &TestGateway) -> Vec<audit_log::Entry> {
    audit_log::page(&gw.state.db.pool, 0, 10_000).await.unwrap()
}

fn decide(analyst: &str) -> Option<Value> {
    Some(json!({"analyst": analyst}))
}

#[tokio::test]
async fn a_reviewed_payment_becomes_a_hold_that_an_analyst_releases_once() {
    for db in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let payer = Ed25519Account::generate();
        let (gw, m) = gateway(&db, &dir, &payer).await;
        gw.create_code(&m, "RV-1", 1500).await;

        // The payment is not signed: the answer is a hold code for the same
        // merchant, amount and order, capturable until the review's deadline.
        let data = pay_under_review(&gw, &m, &payer, "RV-1", 1500).await;
        assert!(gw.ledger.signed.lock().unwrap().is_empty(), "{}", db.name);
        let deadline = NOW + 3 * DAY;
        assert_eq!(data["merchantPaymentId"], "RV-1");
        assert_eq!(data["amount"], json!({"amount": 1500, "currency": "JPY"}));
        assert_eq!(data["reviewDeadline"], deadline);
        assert_eq!(data["offer"]["amount"], 1500);
        assert_eq!(data["offer"]["tipLimit"], 0);
        assert_eq!(data["offer"]["captureBefore"], deadline);
        assert_eq!(data["offer"]["merchant"], m.address.to_standard_string());
        let signed = hold_code(&data);
        assert_eq!(signed.message.hold_ref.as_str(), "RV-1");
        // The code names the gateway's operator as its reviewer: on chain only
        // it captures the hold, not the merchant's own keys.
        let reviewer = operator(&gw);
        assert_eq!(
            signed.message.reviewer.map(yenpay_client::address::to_sdk),
            Some(reviewer)
        );
        assert_eq!(data["offer"]["reviewer"], reviewer.to_standard_string());
        signed
            .check(
                yenpay_client::address::from_sdk(package()),
                CHAIN_ID,
                NOW as u64,
            )
            .unwrap();
        let review_id = data["reviewId"].as_str().unwrap().to_owned();
        // Asked again: the same code, one review.
        let again = pay_under_review(&gw, &m, &payer, "RV-1", 1500).await;
        assert_eq!(again["offer"]["signature"], data["offer"]["signature"]);
        let open = gw.admin("GET", "/admin/reviews", None).await;
        assert_eq!(
            open.body["data"].as_array().unwrap().len(),
            1,
            "{}",
            open.text
        );
        assert_eq!(open.body["data"][0]["holdStatus"], "CREATED");

        // Nobody else takes the reviewed payer's hold on the operator's gas.
        let other = post(
            &gw,
            take(&signed).body(&Ed25519Account::generate(), operator(&gw)),
        )
        .await;
        assert_eq!(
            (other.status, other.code()),
            (StatusCode::FORBIDDEN, "SPONSOR_NOT_REVIEWED_PAYER"),
            "{}",
            other.text
        );
        // Nothing is released before the yen are held.
        let early = gw
            .admin(
                "POST",
                &format!("/admin/reviews/{review_id}/release"),
                decide("alice"),
            )
            .await;
        assert_eq!(
            (early.status, early.code()),
            (StatusCode::CONFLICT, "HOLD_NOT_AUTHORIZED")
        );
        // The same code taken as an ordinary hold (no reviewer): not what
        // the gateway issued, not sponsored (and the chain refuses its signature).
        let mut ordinary = signed.clone();
        ordinary.message.reviewer = None;
        let refused = post(&gw, take(&ordinary).body(&payer, operator(&gw))).await;
        assert_eq!(
            (refused.status, refused.code()),
            (StatusCode::FORBIDDEN, "SPONSOR_NOT_ISSUED_CODE"),
            "{}",
            refused.text
        );
        // The reviewed payer takes it: sponsored, though under review.
        let taken = post(&gw, take(&signed).body(&payer, operator(&gw))).await;
        assert_eq!(taken.status, StatusCode::CREATED, "{}", taken.text);
        assert_eq!(gw.ledger.signed.lock().unwrap().len(), 1);
        taken_on_chain(&gw, &m, &payer, &data, 6_000).await;
        let kinds: Vec<String> = outbox(&gw).await.into_iter().map(|(e, _)| e).collect();
        assert_eq!(kinds, ["HOLD_AUTHORIZED", "PAYMENT_UNDER_REVIEW"]);

        // The merchant can neither capture nor revert it.
        for (path, body) in [
            (
                "/v2/holds/capture",
                json!({"merchantPaymentId": "RV-1", "merchantCaptureId": "C-1", "amount": {"amount": 1500, "currency": "JPY"}}),
            ),
            (
                "/v2/holds/revert",
                json!({"merchantPaymentId": "RV-1", "merchantRevertId": "V-1"}),
            ),
        ] {
            let refused = gw.call(&m, "POST", path, Some(body)).await;
            assert_eq!(
                (refused.status, refused.code()),
                (StatusCode::CONFLICT, "HOLD_UNDER_REVIEW"),
                "{path}: {}",
                refused.text
            );
        }
        // Not without the admin's token, nor from the merchants' listener.
        let anonymous = gw
            .send_admin(
                Request::builder()
                    .method("POST")
                    .uri(format!("/admin/reviews/{review_id}/release"))
                    .header("content-type", "application/json")
                    .body(Body::from(json!({"analyst": "mallory"}).to_string()))
                    .unwrap(),
            )
            .await;
        assert_eq!(
            anonymous.status,
            StatusCode::UNAUTHORIZED,
            "{}",
            anonymous.text
        );
        let merchant = gw
            .call(
                &m,
                "POST",
                &format!("/admin/reviews/{review_id}/release"),
                decide("mallory"),
            )
            .await;
        assert_eq!(merchant.status, StatusCode::NOT_FOUND, "{}", merchant.text);
        let bad = gw
            .admin(
                "POST",
                &format!("/admin/reviews/{review_id}/release"),
                decide("alice smith"),
            )
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(
            gw.ledger
                .calls
                .lock()
                .unwrap()
                .iter()
                .all(|c| !matches!(c, Call::CaptureHold { .. } | Call::VoidHold { .. }))
        );

        // Released: the whole hold captured for the merchant, once.
        let released = gw
            .admin(
                "POST",
                &format!("/admin/reviews/{review_id}/release"),
                decide("alice"),
            )
            .await;
        assert_eq!(released.status, StatusCode::OK, "{}", released.text);
        assert_eq!(released.body["data"]["status"], "RELEASED");
        assert_eq!(released.body["data"]["decidedBy"], "analyst:alice");
        assert!(released.body["data"]["transactionHash"].is_string());
        let captures: Vec<(u64, bool, AccountAddress)> = gw
            .ledger
            .calls
            .lock()
            .unwrap()
            .iter()
            .filter_map(|c| match c {
                Call::CaptureHold {
                    amount,
                    release_rest,
                    hold_ref,
                    signer,
                    ..
                } if hold_ref == "RV-1" => Some((*amount, *release_rest, *signer)),
                _ => None,
            })
            .collect();
        // Signed by the reviewer, the one account the chain lets capture it.
        assert_eq!(captures, [(1500, true, reviewer)]);
        for path in ["release", "reject"] {
            let twice = gw
                .admin(
                    "POST",
                    &format!("/admin/reviews/{review_id}/{path}"),
                    decide("bob"),
                )
                .await;
            assert_eq!(
                (twice.status, twice.code()),
                (StatusCode::CONFLICT, "REVIEW_DECIDED"),
                "{}",
                twice.text
            );
        }
        assert_eq!(
            gw.ledger
                .calls
                .lock()
                .unwrap()
                .iter()
                .filter(|c| matches!(c, Call::CaptureHold { .. } | Call::VoidHold { .. }))
                .count(),
            1
        );
        let events = outbox(&gw).await;
        let (kind, announced) = events.last().unwrap();
        assert_eq!(kind, "PAYMENT_REVIEW_RELEASED");
        assert_eq!(announced["decidedBy"], "analyst:alice");
        assert_eq!(announced["reviewId"], review_id.as_str());

        // The audit log: the gateway's hold, the analyst's release, chained,
        // no generic admin entry for the self-audited routes, no secret.
        let entries = audit(&gw).await;
        let reviews: Vec<(String, String)> = entries
            .iter()
            .filter(|e| e.action.starts_with("REVIEW_") || e.subject.contains("/admin/reviews"))
            .map(|e| (e.actor.clone(), e.action.clone()))
            .collect();
        assert_eq!(
            reviews,
            [
                ("gateway".to_owned(), "REVIEW_HOLD_ISSUED".to_owned()),
                ("analyst:alice".to_owned(), "REVIEW_RELEASED".to_owned()),
            ]
        );
        let released_entry = entries
            .iter()
            .find(|e| e.action == "REVIEW_RELEASED")
            .unwrap();
        assert_eq!(released_entry.subject, payer.address().to_hex());
        let details: Value = serde_json::from_str(&released_entry.details).unwrap();
        assert_eq!(details["reviewId"], review_id.as_str());
        assert_eq!(details["held"], 1500);
        let text = serde_json::to_string(&entries).unwrap();
        let signature = data_signature(&data);
        for secret in [ADMIN_TOKEN, signature.as_str(), "whsec_"] {
            assert!(
                !text.contains(secret),
                "{}: {secret} in the audit log",
                db.name
            );
        }
        assert!(
            audit_log::verify(&gw.state.db.pool)
                .await
                .unwrap()
                .first_bad
                .is_none(),
            "{}",
            db.name
        );
    }
}

fn data_signature(data: &Value) -> String {
    let signature = data["offer"]["signature"].as_str().unwrap().to_owned();
    // The same bytes as hex, as another encoding could carry them.
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(&signature)
        .unwrap();
    assert_eq!(bytes.len(), 64);
    signature
}

#[tokio::test]
async fn an_analyst_rejects_and_the_deadline_voids_once() {
    for db in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let payer = Ed25519Account::generate();
        let (gw, m) = gateway(&db, &dir, &payer).await;
        let mut ids = Vec::new();
        for (i, order) in ["RV-2", "RV-3", "RV-4"].into_iter().enumerate() {
            gw.create_code(&m, order, 2000).await;
            let data = pay_under_review(&gw, &m, &payer, order, 2000).await;
            if order != "RV-4" {
                let taken = post(&gw, take(&hold_code(&data)).body(&payer, operator(&gw))).await;
                assert_eq!(taken.status, StatusCode::CREATED, "{}", taken.text);
                taken_on_chain(&gw, &m, &payer, &data, 6_000 + i as u64).await;
            }
            ids.push(data["reviewId"].as_str().unwrap().to_owned());
        }

        // Rejected: everything held goes back to the payer.
        let rejected = gw
            .admin(
                "POST",
                &format!("/admin/reviews/{}/reject", ids[0]),
                decide("bob"),
            )
            .await;
        assert_eq!(rejected.status, StatusCode::OK, "{}", rejected.text);
        assert_eq!(rejected.body["data"]["status"], "REJECTED");
        let voids = || -> Vec<(String, u64)> {
            gw.ledger
                .calls
                .lock()
                .unwrap()
                .iter()
                .filter_map(|c| match c {
                    Call::VoidHold {
                        hold_ref, amount, ..
                    } => Some((hold_ref.clone(), *amount)),
                    _ => None,
                })
                .collect()
        };
        assert_eq!(voids(), [("RV-2".to_owned(), 2000)]);
        assert!(
            outbox(&gw)
                .await
                .iter()
                .any(|(e, d)| e == "PAYMENT_REVIEW_REJECTED" && d["decidedBy"] == "analyst:bob")
        );

        // Before the deadline the worker leaves the rest alone.
        assert_eq!(review::void_due(&gw.state).await.unwrap(), 0);
        // At the deadline: two workers at once (as two replicas would race
        // without the lease) void the taken one once and close the untaken one.
        gw.clock.advance(3 * DAY);
        let (a, b) = tokio::join!(review::void_due(&gw.state), review::void_due(&gw.state));
        assert!(a.unwrap() + b.unwrap() >= 2);
        assert_eq!(
            voids(),
            [("RV-2".to_owned(), 2000), ("RV-3".to_owned(), 2000)]
        );
        assert_eq!(review::void_due(&gw.state).await.unwrap(), 0);
        let all = gw.admin("GET", "/admin/reviews?status=ALL", None).await;
        let statuses: Vec<(String, String)> = all.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["merchantPaymentId"].as_str().unwrap().to_owned(),
                    r["status"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let mut statuses = statuses;
        statuses.sort();
        assert_eq!(
            statuses,
            [
                ("RV-2".to_owned(), "REJECTED".to_owned()),
                ("RV-3".to_owned(), "VOIDED".to_owned()),
                ("RV-4".to_owned(), "LAPSED".to_owned()),
            ],
            "{}",
            all.text
        );
        // Too late to release.
        let late = gw
            .admin(
                "POST",
                &format!("/admin/reviews/{}/release", ids[1]),
                decide("alice"),
            )
            .await;
        assert_eq!(
            (late.status, late.code()),
            (StatusCode::CONFLICT, "REVIEW_DECIDED")
        );
        let mut actions: Vec<(String, String)> = audit(&gw)
            .await
            .into_iter()
            .filter(|e| e.action.starts_with("REVIEW_") && e.action != "REVIEW_HOLD_ISSUED")
            .map(|e| (e.actor, e.action))
            .collect();
        // The analyst's first; the deadline's two in either order.
        actions[1..].sort();
        assert_eq!(
            actions,
            [
                ("analyst:bob".to_owned(), "REVIEW_REJECTED".to_owned()),
                ("gateway".to_owned(), "REVIEW_LAPSED".to_owned()),
                ("gateway".to_owned(), "REVIEW_VOIDED_AT_DEADLINE".to_owned()),
            ],
            "{}",
            db.name
        );
        assert!(
            outbox(&gw)
                .await
                .iter()
                .any(|(e, d)| e == "PAYMENT_REVIEW_VOIDED" && d["decidedBy"] == "gateway")
        );
    }
}
