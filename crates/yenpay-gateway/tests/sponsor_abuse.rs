//! Sponsoring cannot be turned against the operator (issue 30, item 1):
//! only a confirmed code the gateway issued, once; nothing that would abort;
//! the gateway's gas price; a budget with a breaker; new accounts capped;
//! limits counted atomically and only for proven requests; invalid requests
//! leave nothing behind; the fee payer's low-balance alarm.

use crate::common::*;
use crate::sponsor::{Tx, WithExpiry, body_of, operator, post, stranger_offer};
use aptos_sdk::account::{Ed25519Account, Ed25519SingleKeyAccount};
use aptos_sdk::transaction::FeePayerRawTransaction;
use aptos_sdk::transaction::authenticator::{AccountAuthenticator, TransactionAuthenticator};
use aptos_sdk::transaction::sponsored::PartiallySigned;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use std::sync::atomic::Ordering;
use yenpay_gateway::chain::AccountState;
use yenpay_gateway::sponsor::budget;

/// The sponsored transactions the gateway's fake chain received.
fn signed(gw: &TestGateway) -> usize {
    gw.ledger.signed.lock().unwrap().len()
}

async fn codes(gw: &TestGateway, m: &TestMerchant, orders: &[&str]) {
    for order in orders {
        let created = gw.create_code(m, order, 1500).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    }
}

#[tokio::test]
async fn only_a_live_code_this_gateway_issued_is_paid_and_only_once() {
    for db in backends().await {
        let first = TestGateway::new(&db).await;
        let second = TestGateway::new(&db).await;
        let m = first.merchant("SHOP").await;
        let customer = Ed25519Account::generate();
        let pay = async |gw: &TestGateway, order: &str| {
            Tx::pay(gw, m.address, order, 1500)
                .await
                .body(&customer, operator(gw))
        };

        // A code cancelled on chain is not paid; nor is a code signed for a
        // live order by a key the gateway never held.
        codes(&first, &m, &["P-1", "P-2"]).await;
        let cancelled = yenpay_gateway::store::payments::code_id(&m.address.to_hex(), "P-1");
        let answer = first
            .call(&m, "DELETE", &format!("/v2/codes/{cancelled}"), None)
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        let refused = post(&first, pay(&first, "P-1").await).await;
        assert_eq!(
            (refused.status, refused.code()),
            (StatusCode::FORBIDDEN, "SPONSOR_NO_LIVE_INVOICE"),
            "{}",
            refused.text
        );
        let forged = post(
            &second,
            Tx::pay_code(&stranger_offer(m.address, "P-2", 1500), 1500)
                .body(&customer, operator(&second)),
        )
        .await;
        assert_eq!(
            (forged.status, forged.code()),
            (StatusCode::FORBIDDEN, "SPONSOR_NOT_ISSUED_CODE"),
            "{}",
            forged.text
        );

        // An invoice the follower found on chain, which this gateway did not issue.
        {
            use yenpay_gateway::store::payments::{At, Tx as ChainTx, chain_created};
            let merchant = m.address.to_hex();
            let mut conn = first.state.db.pool.acquire().await.unwrap();
            let foreign = chain_created(
                &mut conn,
                At {
                    merchant: &merchant,
                    order_ref: "F-1",
                    tx: ChainTx {
                        hash: "0xf1",
                        version: 9_001,
                    },
                    block_secs: NOW,
                },
                1500,
                NOW as u64 + 300,
            )
            .await
            .unwrap();
            assert_eq!(
                foreign.origin,
                yenpay_gateway::store::payments::Origin::Chain
            );
        }
        assert_eq!(
            post(&first, pay(&first, "F-1").await).await.code(),
            "SPONSOR_NO_LIVE_INVOICE"
        );
        assert_eq!(signed(&first), 0, "nothing co-signed");

        // Paid once; the same request again, or another payer, is refused by name.
        codes(&first, &m, &["S-1", "S-2", "S-3", "S-4"]).await;
        let paid = post(&first, pay(&first, "S-1").await).await;
        assert_eq!(paid.status, StatusCode::CREATED, "{}", paid.text);
        let hash = paid.body["data"]["transactionHash"].as_str().unwrap();
        for (gw, who) in [(&first, &customer), (&second, &Ed25519Account::generate())] {
            let again = post(
                gw,
                Tx::pay(gw, m.address, "S-1", 1500)
                    .await
                    .body(who, operator(gw)),
            )
            .await;
            assert_eq!(
                (again.status, again.code()),
                (StatusCode::CONFLICT, "SPONSOR_CODE_ALREADY_SPONSORED"),
                "{}",
                again.text
            );
            assert!(again.text.contains(hash), "{}", again.text);
        }
        assert_eq!(signed(&first) + signed(&second), 1);

        // Two replicas asked at once while the first submission is in flight: one claims it.
        first.ledger.submit_delay_ms.store(300, Ordering::SeqCst);
        second.ledger.submit_delay_ms.store(300, Ordering::SeqCst);
        let (a, b) = tokio::join!(
            post(&first, pay(&first, "S-2").await),
            post(&second, pay(&second, "S-2").await)
        );
        let mut outcomes = [
            (a.status, a.code().to_owned()),
            (b.status, b.code().to_owned()),
        ];
        outcomes.sort();
        assert_eq!(
            outcomes,
            [
                (StatusCode::CREATED, "SUCCESS".to_owned()),
                (StatusCode::CONFLICT, "SPONSOR_CODE_IN_FLIGHT".to_owned())
            ],
            "{} / {}",
            a.text,
            b.text
        );
        first.ledger.submit_delay_ms.store(0, Ordering::SeqCst);
        second.ledger.submit_delay_ms.store(0, Ordering::SeqCst);

        // The node refused the submission: nothing happened, so the claim is released.
        *first.ledger.submit_next.lock().unwrap() =
            Some(Next::Reject("SUBMISSION_REFUSED".to_owned()));
        assert_eq!(
            post(&first, pay(&first, "S-3").await).await.code(),
            "CHAIN_REJECTED"
        );
        *first.ledger.submit_next.lock().unwrap() = None;
        assert_eq!(
            post(&first, pay(&first, "S-3").await).await.status,
            StatusCode::CREATED
        );

        // The node did not answer: the payment may yet commit, so the code
        // stays claimed until its transaction expired, then may be paid again.
        *first.ledger.submit_next.lock().unwrap() = Some(Next::Unavailable);
        assert_eq!(
            post(&first, pay(&first, "S-4").await).await.code(),
            "CHAIN_UNAVAILABLE"
        );
        *first.ledger.submit_next.lock().unwrap() = None;
        let other = Ed25519Account::generate();
        let retry = async |gw: &TestGateway, expiry: u64| {
            Tx::pay(gw, m.address, "S-4", 1500)
                .await
                .with_expiry(expiry)
                .body(&other, operator(gw))
        };
        assert_eq!(
            post(&second, retry(&second, NOW as u64 + 60).await)
                .await
                .code(),
            "SPONSOR_CODE_IN_FLIGHT"
        );
        second.clock.advance(60 + 31);
        let taken_over = post(&second, retry(&second, NOW as u64 + 150).await).await;
        assert_eq!(
            taken_over.status,
            StatusCode::CREATED,
            "{}",
            taken_over.text
        );
    }
}

#[tokio::test]
async fn a_payment_that_would_abort_is_not_signed() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        let m = gw.merchant("SHOP").await;
        codes(&gw, &m, &["A-1"]).await;
        let customer = Ed25519Account::generate();
        let body = Tx::pay(&gw, m.address, "A-1", 1500)
            .await
            .body(&customer, operator(&gw));
        *gw.ledger.simulate_abort.lock().unwrap() = Some("EINSUFFICIENT_BALANCE".to_owned());
        let refused = post(&gw, body.clone()).await;
        assert_eq!(
            (refused.status, refused.code()),
            (StatusCode::UNPROCESSABLE_ENTITY, "SPONSOR_WOULD_ABORT"),
            "{}",
            refused.text
        );
        let message = refused.body["resultInfo"]["message"].as_str().unwrap();
        assert!(message.contains("EINSUFFICIENT_BALANCE"), "{message}");
        assert_eq!(signed(&gw), 0, "an abort is never co-signed");
        // What was simulated is the request's transaction with the gateway as
        // fee payer, the fee payer's signature left out.
        let simulated = gw.ledger.simulated.lock().unwrap().clone();
        assert_eq!(simulated.len(), 1);
        assert_eq!(simulated[0].raw_txn.sender, customer.address());
        match &simulated[0].authenticator {
            TransactionAuthenticator::FeePayer {
                fee_payer_address,
                fee_payer_signer,
                ..
            } => {
                assert_eq!(*fee_payer_address, operator(&gw));
                assert_eq!(
                    *fee_payer_signer,
                    AccountAuthenticator::NoAccountAuthenticator
                );
            }
            other => panic!("not a fee-payer transaction: {other:?}"),
        }
        let (hour, day) = budget::spent(&gw.state.db.pool, &gw.state.config.sponsor, NOW)
            .await
            .unwrap();
        assert_eq!((hour, day), (0, 0), "an abort refused costs nothing");

        // The refusal released the code: once the payer can pay, it goes through.
        *gw.ledger.simulate_abort.lock().unwrap() = None;
        let paid = post(&gw, body).await;
        assert_eq!(paid.status, StatusCode::CREATED, "{}", paid.text);
        assert_eq!(signed(&gw), 1);
    }
}

#[tokio::test]
async fn the_budget_stops_sponsoring_before_it_is_spent() {
    for db in backends().await {
        let mut config = config();
        // 1,000 gas units at 100 octas: 100,000 octas a payment.
        config.sponsor.budget_per_hour_octas = 250_000;
        config.sponsor.budget_per_day_octas = 350_000;
        let first = TestGateway::with_config(&db, config.clone()).await;
        let second = TestGateway::with_config(&db, config).await;
        for gw in [&first, &second] {
            gw.ledger.simulated_gas.store(1_000, Ordering::SeqCst);
            gw.ledger.charged_gas.store(1_000, Ordering::SeqCst);
        }
        // The chain charged less than simulated for this one: the spend follows the charge.
        second.ledger.charged_gas.store(600, Ordering::SeqCst);
        let m = first.merchant("SHOP").await;
        codes(&first, &m, &["B-1", "B-2", "B-3"]).await;
        let pay = async |gw: &TestGateway, order: &str| {
            let now = yenpay_gateway::Clock::now(gw.clock.as_ref()) as u64;
            Tx::pay(gw, m.address, order, 1500)
                .await
                .with_expiry(now + 60)
                .body(&Ed25519Account::generate(), operator(gw))
        };
        let paid = post(&first, pay(&first, "B-1").await).await;
        assert_eq!(paid.status, StatusCode::CREATED, "{}", paid.text);
        assert_eq!(
            post(&second, pay(&second, "B-2").await).await.status,
            StatusCode::CREATED
        );
        let pool = &first.state.db.pool;
        let policy = &first.state.config.sponsor;
        assert_eq!(
            budget::spent(pool, policy, NOW).await.unwrap(),
            (160_000, 160_000),
            "replicas share the spend, counted at the gas charged × price"
        );
        // Another 100,000 would take the hour to 260,000: refused before signing.
        let refused = post(&first, pay(&first, "B-3").await).await;
        assert_eq!(
            (refused.status, refused.code()),
            (StatusCode::SERVICE_UNAVAILABLE, "SPONSOR_BUDGET_EXHAUSTED"),
            "{}",
            refused.text
        );
        assert!(refused.text.contains("hour"), "{}", refused.text);
        assert_eq!(signed(&first) + signed(&second), 2);
        assert_eq!(budget::spent(pool, policy, NOW).await.unwrap().0, 160_000);
        let metrics = first
            .send(Request::get("/metrics").body(Body::empty()).unwrap())
            .await;
        for line in [
            "yenpay_gateway_sponsor_budget_exhausted_total{period=\"hour\"} 1",
            "yenpay_gateway_sponsor_refusals_total{code=\"SPONSOR_BUDGET_EXHAUSTED\"} 1",
            "yenpay_gateway_sponsor_spent_octas_total 100000",
        ] {
            assert!(metrics.text.contains(line), "{line}: {}", metrics.text);
        }

        // The next hour has its budget again, until the day's is spent.
        for gw in [&first, &second] {
            gw.clock.advance(3600);
        }
        codes(&first, &m, &["B-4", "B-5"]).await;
        assert_eq!(
            post(&first, pay(&first, "B-4").await).await.status,
            StatusCode::CREATED
        );
        // 360,000 would pass the day's 350,000, though the hour has room.
        let day = post(&second, pay(&second, "B-5").await).await;
        assert_eq!(day.code(), "SPONSOR_BUDGET_EXHAUSTED", "{}", day.text);
        assert!(day.text.contains("day"), "{}", day.text);
        assert_eq!(
            budget::spent(pool, policy, NOW + 3600).await.unwrap(),
            (100_000, 260_000)
        );
    }
}

#[tokio::test]
async fn new_accounts_are_capped_per_merchant_per_day() {
    for db in backends().await {
        let mut config = config();
        config.sponsor.new_accounts_per_merchant_per_day = 2;
        let gw = TestGateway::with_config(&db, config).await;
        let m = gw.merchant("SHOP").await;
        let other_shop = gw.merchant("OTHER").await;
        codes(&gw, &m, &["N-1", "N-2", "N-3", "N-4"]).await;
        codes(&gw, &other_shop, &["O-1"]).await;
        let op = operator(&gw);
        for order in ["N-1", "N-2"] {
            let new = Tx::pay(&gw, m.address, order, 1500)
                .await
                .body(&Ed25519Account::generate(), op);
            assert_eq!(post(&gw, new).await.status, StatusCode::CREATED);
        }
        let third = post(
            &gw,
            Tx::pay(&gw, m.address, "N-3", 1500)
                .await
                .body(&Ed25519Account::generate(), op),
        )
        .await;
        assert_eq!(
            (third.status, third.code()),
            (
                StatusCode::TOO_MANY_REQUESTS,
                "SPONSOR_NEW_ACCOUNTS_LIMITED"
            ),
            "{}",
            third.text
        );
        // A payer whose account exists costs no storage: not counted.
        let existing = Ed25519Account::generate();
        gw.ledger.accounts.lock().unwrap().insert(
            existing.address(),
            AccountState {
                exists: true,
                sequence_number: 4,
                balance: 10_000,
            },
        );
        assert_eq!(
            post(
                &gw,
                Tx::pay(&gw, m.address, "N-3", 1500)
                    .await
                    .body(&existing, op)
            )
            .await
            .status,
            StatusCode::CREATED
        );
        // Another merchant has its own count.
        assert_eq!(
            post(
                &gw,
                Tx::pay(&gw, other_shop.address, "O-1", 1500)
                    .await
                    .body(&Ed25519Account::generate(), op)
            )
            .await
            .status,
            StatusCode::CREATED
        );
        // A day later the window has moved on.
        gw.clock.advance(24 * 3600);
        codes(&gw, &m, &["N-5"]).await;
        assert_eq!(
            post(
                &gw,
                Tx::pay(&gw, m.address, "N-5", 1500)
                    .await
                    .with_expiry(NOW as u64 + 24 * 3600 + 60)
                    .body(&Ed25519Account::generate(), op)
            )
            .await
            .status,
            StatusCode::CREATED
        );
    }
}

#[tokio::test]
async fn senders_are_ed25519_or_single_key_ed25519_and_sign_with_their_own_key() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        let m = gw.merchant("SHOP").await;
        codes(&gw, &m, &["K-1", "K-2"]).await;
        let op = operator(&gw);
        let tx = Tx::pay(&gw, m.address, "K-1", 1500).await;

        // A SingleKey Ed25519 account (what current SDKs make by default) pays.
        let single = Ed25519SingleKeyAccount::generate();
        let paid = post(&gw, tx.body(&single, op)).await;
        assert_eq!(paid.status, StatusCode::CREATED, "{}", paid.text);
        match &gw.ledger.signed.lock().unwrap()[0].authenticator {
            TransactionAuthenticator::FeePayer { sender, .. } => {
                assert!(matches!(sender, AccountAuthenticator::SingleKey { .. }))
            }
            other => panic!("not a fee-payer transaction: {other:?}"),
        }

        let tx = Tx::pay(&gw, m.address, "K-2", 1500).await;
        let victim = Ed25519Account::generate();
        let raw = tx.raw(victim.address());
        let message = FeePayerRawTransaction::new(raw.clone(), Vec::new(), op)
            .signing_message()
            .unwrap();
        let attacker = Ed25519Account::generate();
        let attacker_single = Ed25519SingleKeyAccount::generate();
        let single_signed = {
            let mut partial =
                PartiallySigned::new(FeePayerRawTransaction::new(raw.clone(), Vec::new(), op));
            partial.sign_as_sender(&attacker_single).unwrap();
            partial.sender_auth.unwrap()
        };
        let AccountAuthenticator::SingleKey {
            public_key: single_key,
            signature: single_signature,
        } = single_signed.clone()
        else {
            panic!("a SingleKey authenticator")
        };
        let mut bad_single_signature = single_signature.clone();
        bad_single_signature[10] ^= 1;
        let mut secp_key = single_key.clone();
        secp_key[0] = 1;
        let cases: Vec<(&str, AccountAuthenticator, &str)> = vec![
            (
                "another Ed25519 key, validly signed",
                AccountAuthenticator::ed25519(
                    attacker.public_key().to_bytes().to_vec(),
                    attacker.sign_message(&message).to_bytes().to_vec(),
                ),
                "SPONSOR_NOT_SENDERS_KEY",
            ),
            (
                "another SingleKey key, validly signed",
                single_signed,
                "SPONSOR_NOT_SENDERS_KEY",
            ),
            (
                "a SingleKey signature that does not verify",
                AccountAuthenticator::single_key(single_key.clone(), bad_single_signature),
                "SPONSOR_BAD_SIGNATURE",
            ),
            (
                "a SingleKey key that is not Ed25519",
                AccountAuthenticator::single_key(secp_key, single_signature),
                "SPONSOR_UNSUPPORTED_AUTHENTICATOR",
            ),
            (
                "MultiEd25519",
                AccountAuthenticator::MultiEd25519 {
                    public_key: vec![7; 65],
                    signature: vec![7; 68],
                },
                "SPONSOR_UNSUPPORTED_AUTHENTICATOR",
            ),
            (
                "MultiKey",
                AccountAuthenticator::MultiKey {
                    public_key: vec![1, 0, 32],
                    signature: vec![1, 0],
                },
                "SPONSOR_UNSUPPORTED_AUTHENTICATOR",
            ),
            (
                "no authenticator",
                AccountAuthenticator::NoAccountAuthenticator,
                "SPONSOR_UNSUPPORTED_AUTHENTICATOR",
            ),
        ];
        for (what, authenticator, code) in cases {
            let answer = post(&gw, body_of(&raw, &authenticator)).await;
            assert_eq!(
                (answer.status, answer.code()),
                (StatusCode::FORBIDDEN, code),
                "{what}: {}",
                answer.text
            );
        }
        assert_eq!(signed(&gw), 1, "only the SingleKey payer's payment");
        // The victim's own signature still pays the code: nothing was claimed or counted.
        assert_eq!(
            post(&gw, tx.body(&victim, op)).await.status,
            StatusCode::CREATED
        );
    }
}

#[tokio::test]
async fn forty_concurrent_requests_from_one_sender_on_two_replicas_pass_at_most_ten() {
    for db in backends().await {
        let mut config = config();
        config.sponsor.per_sender_per_minute = 10;
        let first = TestGateway::with_config(&db, config.clone()).await;
        let second = TestGateway::with_config(&db, config).await;
        let m = first.merchant("SHOP").await;
        let orders: Vec<String> = (0..40).map(|i| format!("C-{i}")).collect();
        for order in &orders {
            first.create_code(&m, order, 1500).await;
        }
        let customer = Ed25519Account::generate();
        let (m, customer) = (&m, &customer);
        let requests = orders.iter().enumerate().map(|(i, order)| {
            let gw = if i % 2 == 0 { &first } else { &second };
            async move {
                let body = Tx::pay(gw, m.address, order, 1500)
                    .await
                    .body(customer, operator(gw));
                post(gw, body).await
            }
        });
        let answers = futures_util::future::join_all(requests).await;
        let passed = answers
            .iter()
            .filter(|a| a.status == StatusCode::CREATED)
            .count();
        for answer in answers.iter().filter(|a| a.status != StatusCode::CREATED) {
            assert_eq!(
                (answer.status, answer.code()),
                (StatusCode::TOO_MANY_REQUESTS, "SPONSOR_SENDER_RATE_LIMITED"),
                "{}: {}",
                db.name,
                answer.text
            );
        }
        assert!(
            (1..=10).contains(&passed),
            "{}: {passed} of 40 passed a limit of 10",
            db.name
        );
        assert_eq!(signed(&first) + signed(&second), passed);
    }
}

#[tokio::test]
async fn invalid_requests_leave_nothing_and_use_no_ones_quota() {
    for db in backends().await {
        let mut config = config();
        // One each, so a single use taken by an invalid request would show.
        config.sponsor.per_sender_per_minute = 1;
        config.sponsor.per_merchant_per_minute = 1;
        config.sponsor.new_accounts_per_merchant_per_day = 1;
        let gw = TestGateway::with_config(&db, config).await;
        let m = gw.merchant("SHOP").await;
        codes(&gw, &m, &["V-1"]).await;
        let op = operator(&gw);
        let victim = Ed25519Account::generate();
        let tx = Tx::pay(&gw, m.address, "V-1", 1500).await;
        let raw = tx.raw(victim.address());
        let message = FeePayerRawTransaction::new(raw.clone(), Vec::new(), op)
            .signing_message()
            .unwrap();
        let attacker = Ed25519Account::generate();
        let before = row_counts(&gw.state.db).await;

        let mut bodies: Vec<String> = Vec::new();
        for i in 0..200u32 {
            let body: Value = match i % 8 {
                0 => json!({}),
                1 => json!({"rawTransaction": "0xzz", "senderAuthenticator": "0x00"}),
                // Unsigned: a zero signature with the victim's key.
                2 => body_of(
                    &raw,
                    &AccountAuthenticator::ed25519(
                        victim.public_key().to_bytes().to_vec(),
                        vec![0; 64],
                    ),
                ),
                // Signed by someone else, for the victim as sender.
                3 => body_of(
                    &raw,
                    &AccountAuthenticator::ed25519(
                        attacker.public_key().to_bytes().to_vec(),
                        attacker.sign_message(&message).to_bytes().to_vec(),
                    ),
                ),
                4 => body_of(&raw, &AccountAuthenticator::NoAccountAuthenticator),
                5 => Tx {
                    price: 1_000,
                    ..Tx::pay(&gw, m.address, "V-1", 1500).await
                }
                .body(&attacker, op),
                6 => Tx::pay(&gw, m.address, "V-1", 1499)
                    .await
                    .body(&attacker, op),
                _ => Tx::pay(&gw, m.address, &format!("NONE-{i}"), 1500)
                    .await
                    .body(&attacker, op),
            };
            bodies.push(body.to_string());
        }
        bodies.push("not json".to_owned());
        for (i, body) in bodies.into_iter().enumerate() {
            let answer = gw
                .send(
                    Request::post("/v2/sponsor")
                        .header("content-type", "application/json")
                        .header("idempotency-key", format!("anonymous-{i}"))
                        .body(Body::from(body))
                        .unwrap(),
                )
                .await;
            assert!(
                answer.status.is_client_error(),
                "{i}: {} {}",
                answer.status,
                answer.text
            );
        }
        let after = row_counts(&gw.state.db).await;
        assert_eq!(before, after, "{}: rows in every table", db.name);
        assert_eq!(signed(&gw), 0);
        assert!(
            gw.ledger.simulated.lock().unwrap().is_empty(),
            "the node was not asked"
        );

        // The victim's sender and merchant quota (one each) are intact.
        let paid = post(&gw, tx.body(&victim, op)).await;
        assert_eq!(paid.status, StatusCode::CREATED, "{}", paid.text);
    }
}

#[tokio::test]
async fn a_low_fee_payer_balance_raises_the_alarm() {
    let db = backends().await.remove(0);
    let gw = TestGateway::new(&db).await;
    let readyz = || async {
        gw.send(Request::get("/readyz").body(Body::empty()).unwrap())
            .await
    };
    let metrics = || async {
        gw.send(Request::get("/metrics").body(Body::empty()).unwrap())
            .await
            .text
    };
    let fee_payer = operator(&gw);
    // 5 APT, under the default alarm of 10 APT.
    gw.ledger
        .apt_balances
        .lock()
        .unwrap()
        .insert(fee_payer, 500_000_000);
    let low = readyz().await;
    assert_eq!(
        low.body["feePayer"],
        json!({"balanceOctas": 500_000_000u64, "low": true}),
        "{}",
        low.text
    );
    let text = metrics().await;
    assert!(
        text.contains("yenpay_gateway_fee_payer_balance_low 1"),
        "{text}"
    );
    assert!(
        text.contains("yenpay_gateway_fee_payer_balance_octas 500000000"),
        "{text}"
    );
    gw.ledger
        .apt_balances
        .lock()
        .unwrap()
        .insert(fee_payer, 5_000_000_000);
    let topped_up = readyz().await;
    assert_eq!(topped_up.body["feePayer"]["low"], false);
    assert!(
        metrics()
            .await
            .contains("yenpay_gateway_fee_payer_balance_low 0")
    );
}
