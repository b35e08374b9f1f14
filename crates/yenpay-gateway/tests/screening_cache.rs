//! Floods (issue 28, phase 2): the screening service's verdicts are
//! remembered, so a flood of sponsor requests from one address asks it
//! once; a deny is remembered longer than an allow; a provider that fails
//! is asked again each time; the cache is bounded.

use crate::common::*;
use crate::compliance::service;
use crate::sponsor::{Tx, operator, post};
use aptos_sdk::account::Ed25519Account;
use aptos_sdk::types::AccountAddress;
use axum::http::StatusCode;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use yenpay_gateway::compliance::cache::CachedScreener;
use yenpay_gateway::compliance::{Decision, ScreenError, Screener, Subject, Verdict};
use yenpay_gateway::config::VerdictCachePolicy;

#[tokio::test]
async fn a_flood_from_one_address_asks_the_service_once_and_a_deny_is_kept_longer() {
    let db = backends().await.remove(0);
    let service = service().await;
    let mut config = config();
    config.compliance.http_url = Some(service.url.clone());
    config.compliance.http_timeout = Duration::from_millis(200);
    config.compliance.http_retries = 1;
    config.compliance.verdict_cache = VerdictCachePolicy {
        capacity: 100,
        allow: Duration::from_secs(60),
        review: Duration::from_secs(60),
        deny: Duration::from_secs(3600),
    };
    let gw = TestGateway::with_config(&db, config).await;
    let m = gw.merchant("SHOP").await;
    let (good, bad) = (Ed25519Account::generate(), Ed25519Account::generate());
    gw.create_code(&m, "C-1", 1000).await;
    gw.create_code(&m, "C-2", 1000).await;

    // An allowed payer: 30 requests, one question; the first is sponsored,
    // the rest find the code taken.
    let body = Tx::pay(&gw, m.address, "C-1", 1000)
        .await
        .body(&good, operator(&gw));
    for i in 0..30 {
        let answer = post(&gw, body.clone()).await;
        let want = if i == 0 {
            "SUCCESS"
        } else {
            "SPONSOR_CODE_ALREADY_SPONSORED"
        };
        assert_eq!(answer.code(), want, "{}", answer.text);
    }
    assert_eq!(service.hits.load(Ordering::SeqCst), 1);

    // A denied payer: 30 refusals, one question.
    *service.answer.lock().unwrap() = (
        Duration::ZERO,
        json!({"verdict": "DENY", "reasonCode": "SANCTIONS_HIT"}),
    );
    let body = Tx::pay(&gw, m.address, "C-2", 1000)
        .await
        .body(&bad, operator(&gw));
    for _ in 0..30 {
        let answer = post(&gw, body.clone()).await;
        assert_eq!(
            (answer.status, answer.code()),
            (StatusCode::FORBIDDEN, "SCREENING_DENIED"),
            "{}",
            answer.text
        );
    }
    assert_eq!(service.hits.load(Ordering::SeqCst), 2);
    assert!(
        gw.ledger.signed.lock().unwrap().len() == 1,
        "only the allowed payment"
    );

    // The deny is remembered though the service would now allow.
    *service.answer.lock().unwrap() = (
        Duration::ZERO,
        json!({"verdict": "ALLOW", "reasonCode": "CLEAR"}),
    );
    assert_eq!(post(&gw, body.clone()).await.code(), "SCREENING_DENIED");
    assert_eq!(service.hits.load(Ordering::SeqCst), 2);

    // A service that hangs is asked again each time (two attempts each):
    // its failures are not remembered.
    *service.answer.lock().unwrap() = (
        Duration::from_secs(5),
        json!({"verdict": "ALLOW", "reasonCode": "CLEAR"}),
    );
    let third = Ed25519Account::generate();
    gw.create_code(&m, "C-4", 1000).await;
    let body = Tx::pay(&gw, m.address, "C-4", 1000)
        .await
        .body(&third, operator(&gw));
    for _ in 0..2 {
        assert_eq!(
            post(&gw, body.clone()).await.code(),
            "SCREENING_UNAVAILABLE"
        );
    }
    assert_eq!(service.hits.load(Ordering::SeqCst), 2 + 4);
}

/// A provider that counts its questions and denies addresses of 9s, allows the rest.
#[derive(Debug, Default)]
struct Counting(AtomicUsize);

#[async_trait::async_trait]
impl Screener for Counting {
    fn name(&self) -> &'static str {
        "http"
    }
    async fn screen(&self, subject: &Subject<'_>) -> Result<Verdict, ScreenError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(Verdict {
            decision: if subject.address == AccountAddress::new([9; 32]) {
                Decision::Deny
            } else {
                Decision::Allow
            },
            reason_code: "CLEAR".to_owned(),
            detail: None,
            provider: "http".to_owned(),
        })
    }
}

#[tokio::test]
async fn the_cache_is_bounded_and_keyed_by_address_purpose_and_category() {
    let counting = Arc::new(Counting::default());
    let cached = CachedScreener::wrap(
        counting.clone(),
        &VerdictCachePolicy {
            capacity: 2,
            ..VerdictCachePolicy::default()
        },
    );
    let subject = |n: u8, context: &'static str, mcc: &'static str| Subject {
        address: AccountAddress::new([n; 32]),
        context,
        mcc,
        amount: 1000,
    };
    let ask = |s: Subject<'static>| {
        let cached = cached.clone();
        async move { cached.screen(&s).await.unwrap() }
    };
    ask(subject(1, "SPONSOR", "5812")).await;
    ask(subject(1, "SPONSOR", "5812")).await;
    assert_eq!(counting.0.load(Ordering::SeqCst), 1);
    // Another purpose or category is another question.
    ask(subject(1, "REFUND", "5812")).await;
    ask(subject(1, "SPONSOR", "5411")).await;
    assert_eq!(counting.0.load(Ordering::SeqCst), 3);
    // Two entries at most: the least recently used (SPONSOR/5812) is gone.
    ask(subject(1, "SPONSOR", "5812")).await;
    assert_eq!(counting.0.load(Ordering::SeqCst), 4);
    // Capacity 0: no cache at all.
    let plain = Arc::new(Counting::default());
    let uncached = CachedScreener::wrap(
        plain.clone(),
        &VerdictCachePolicy {
            capacity: 0,
            ..VerdictCachePolicy::default()
        },
    );
    for _ in 0..3 {
        uncached
            .screen(&subject(2, "SPONSOR", "5812"))
            .await
            .unwrap();
    }
    assert_eq!(plain.0.load(Ordering::SeqCst), 3);
}

#[tokio::test(start_paused = true)]
async fn each_verdict_is_remembered_for_its_own_time() {
    let counting = Arc::new(Counting::default());
    let cached = CachedScreener::wrap(
        counting.clone(),
        &VerdictCachePolicy {
            capacity: 10,
            allow: Duration::from_secs(60),
            review: Duration::from_secs(300),
            deny: Duration::from_secs(3600),
        },
    );
    let ask = |n: u8| {
        let cached = cached.clone();
        async move {
            let s = Subject {
                address: AccountAddress::new([n; 32]),
                context: "SPONSOR",
                mcc: "5812",
                amount: 1000,
            };
            cached.screen(&s).await.unwrap().decision
        }
    };
    assert_eq!(ask(1).await, Decision::Allow);
    assert_eq!(ask(9).await, Decision::Deny);
    assert_eq!(counting.0.load(Ordering::SeqCst), 2);
    // One second before the allow's minute: both remembered.
    tokio::time::advance(Duration::from_secs(59)).await;
    ask(1).await;
    ask(9).await;
    assert_eq!(counting.0.load(Ordering::SeqCst), 2);
    // At the minute the allow is asked again, the deny is not.
    tokio::time::advance(Duration::from_secs(1)).await;
    ask(1).await;
    ask(9).await;
    assert_eq!(counting.0.load(Ordering::SeqCst), 3);
    // At the hour the deny is asked again.
    tokio::time::advance(Duration::from_secs(3540)).await;
    ask(9).await;
    assert_eq!(counting.0.load(Ordering::SeqCst), 4);
}

/// A measurement, not a test (ignored; prints, asserts no timing): 200
/// sponsor requests from one denied address, one after another, against a
/// loopback screening service that answers after 20 ms, with the cache off
/// and on. `cargo test -p yenpay-gateway --test gateway -- --ignored
/// --nocapture screening_cache::flood_benchmark` (docs/figures.md).
#[tokio::test]
#[ignore = "a measurement: cargo test -- --ignored --nocapture screening_cache::flood_benchmark"]
async fn flood_benchmark() {
    const REQUESTS: usize = 200;
    for capacity in [0, 10_000] {
        let db = backends().await.remove(0);
        let service = service().await;
        *service.answer.lock().unwrap() = (
            Duration::from_millis(20),
            json!({"verdict": "DENY", "reasonCode": "SANCTIONS_HIT"}),
        );
        let mut config = config();
        config.compliance.http_url = Some(service.url.clone());
        config.compliance.verdict_cache.capacity = capacity;
        let gw = TestGateway::with_config(&db, config).await;
        let m = gw.merchant("SHOP").await;
        gw.create_code(&m, "B-1", 1000).await;
        let body = Tx::pay(&gw, m.address, "B-1", 1000)
            .await
            .body(&Ed25519Account::generate(), operator(&gw));
        let started = std::time::Instant::now();
        for _ in 0..REQUESTS {
            assert_eq!(post(&gw, body.clone()).await.code(), "SCREENING_DENIED");
        }
        let elapsed = started.elapsed();
        println!(
            "flood of {REQUESTS} denied sponsor requests, cache capacity {capacity}: {:.0} ms in all, {:.1} ms a request, {} questions to the service",
            elapsed.as_secs_f64() * 1000.0,
            elapsed.as_secs_f64() * 1000.0 / REQUESTS as f64,
            service.hits.load(Ordering::SeqCst)
        );
    }
}
