//! A bounded load benchmark on loopback (ignored by default; it measures,
//! it does not assert timings):
//! `cargo test --release -p yenpay-gateway --test gateway -- --ignored --nocapture load::`
//! (add `YENPAY_TEST_DATABASE_URL` for PostgreSQL too).
//!
//! Signed `POST /v2/codes` (a code the terminal signs, no picture) and
//! `GET /v2/codes/payments/{id}` from 16 concurrent clients for 3 s each
//! (codes for one merchant, then for 16), with p50 and p99 latency, through a real socket, with the chain
//! double answering at once (so this is the gateway and its database, not
//! the node); then the time from the follower's commit of a payment to its
//! webhook arriving at a local receiver.

use crate::common::*;
use axum::Router;
use axum::routing::post;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use yenpay_gateway::chain::LedgerHead;
use yenpay_gateway::follower::{self, Finish};

const CLIENTS: usize = 16;
const PHASE: Duration = Duration::from_secs(3);

/// Requests answered 2xx, failed, and the latencies of the 2xx, sorted.
async fn phase(base: &str, merchants: &[TestMerchant], create: bool) -> (u64, u64, Vec<Duration>) {
    let ok = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let latencies = Arc::new(std::sync::Mutex::new(Vec::new()));
    let deadline = Instant::now() + PHASE;
    let mut tasks = Vec::new();
    for client in 0..CLIENTS {
        let (ok, failed, base, m, latencies) = (
            ok.clone(),
            failed.clone(),
            base.to_owned(),
            merchants[client % merchants.len()].clone(),
            latencies.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut i = 0u64;
            while Instant::now() < deadline {
                i += 1;
                let (method, path, body) = if create {
                    let id = format!("L{client}-{i}-{}", yenpay_gateway::crypto::random_hex(3));
                    ("POST", "/v2/codes".to_owned(), json!({"merchantPaymentId": id, "amount": {"amount": 100, "currency": "JPY"}}).to_string())
                } else {
                    ("GET", "/v2/codes/payments/LOAD-0".to_owned(), String::new())
                };
                let nonce = yenpay_gateway::crypto::random_hex(12);
                let auth = yenpay_gateway::auth::sign_request(&m.key_id, &m.secret, method, &path, body.as_bytes(), &nonce, NOW);
                let sent = Instant::now();
                let response = http
                    .request(method.parse().unwrap(), format!("{base}{path}"))
                    .header("authorization", auth)
                    .body(body)
                    .send()
                    .await;
                match response {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        latencies.lock().unwrap().push(sent.elapsed());
                        ok.fetch_add(1, Ordering::Relaxed)
                    }
                    _ => failed.fetch_add(1, Ordering::Relaxed),
                };
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let mut latencies = std::mem::take(&mut *latencies.lock().unwrap());
    latencies.sort();
    (
        ok.load(Ordering::Relaxed),
        failed.load(Ordering::Relaxed),
        latencies,
    )
}

/// The `q` quantile of sorted latencies, in milliseconds.
fn quantile_ms(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index].as_secs_f64() * 1000.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: cargo test --release -p yenpay-gateway --test gateway -- --ignored --nocapture load::"]
async fn requests_per_second_and_webhook_latency() {
    for db in backends().await {
        // One busy merchant: its quota of open codes must not be what is measured.
        let mut config = config();
        config.code_quota = yenpay_gateway::store::payments::CodeQuota {
            max_open: i64::MAX,
            per_minute: i64::MAX,
        };
        let gw = TestGateway::with_config(&db, config).await;
        let m = gw.merchant("LOAD SHOP").await;
        gw.create_code(&m, "LOAD-0", 100).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let router = gw.router.clone();
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        let one = std::slice::from_ref(&m);
        let (created, create_failed, create_latency) = phase(&base, one, true).await;
        let (got, get_failed, get_latency) = phase(&base, one, false).await;
        println!(
            "{}: POST /v2/codes {:.0} req/s ({create_failed} failed; p50 {:.1} ms, p99 {:.1} ms); \
             GET /v2/codes/payments {:.0} req/s ({get_failed} failed; p50 {:.1} ms, p99 {:.1} ms); {CLIENTS} clients, loopback",
            db.name,
            created as f64 / PHASE.as_secs_f64(),
            quantile_ms(&create_latency, 0.5),
            quantile_ms(&create_latency, 0.99),
            got as f64 / PHASE.as_secs_f64(),
            quantile_ms(&get_latency, 0.5),
            quantile_ms(&get_latency, 0.99),
        );
        assert!(created > 0 && got > 0);
        // The same load over 16 merchants, each within the default quotas
        // (600 codes a minute, 1,000 open): one merchant's row lock no longer
        // serializes every request, as in a gateway serving many shops.
        let mut shops = Vec::new();
        for n in 0..CLIENTS {
            shops.push(gw.merchant(&format!("SHOP {n}")).await);
        }
        let (spread, spread_failed, spread_latency) = phase(&base, &shops, true).await;
        println!(
            "{}: POST /v2/codes over {} merchants {:.0} req/s ({spread_failed} failed; p50 {:.1} ms, p99 {:.1} ms)",
            db.name,
            shops.len(),
            spread as f64 / PHASE.as_secs_f64(),
            quantile_ms(&spread_latency, 0.5),
            quantile_ms(&spread_latency, 0.99),
        );

        // Webhook latency from the follower's commit to the receiver.
        let arrived = Arc::new(tokio::sync::Notify::new());
        let notify = arrived.clone();
        let app = Router::new().route(
            "/hook",
            post(move || {
                let notify = notify.clone();
                async move {
                    notify.notify_one();
                    "ok"
                }
            }),
        );
        let hook_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let hook_url = format!("http://{}/hook", hook_listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(hook_listener, app).await.unwrap() });
        gw.admin(
            "POST",
            &format!("/admin/merchants/{}/webhooks", m.id),
            Some(json!({"url": hook_url})),
        )
        .await;
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let dispatcher = tokio::spawn(yenpay_gateway::webhook::run(gw.state.clone(), stop_rx));
        let mut latencies = Vec::new();
        for n in 0..5u64 {
            let mut paid = node_page()
                .into_iter()
                .find(|t| t["version"] == "4044")
                .unwrap();
            paid["version"] = json!((7_000 + n).to_string());
            for event in paid["events"].as_array_mut().unwrap() {
                if event["type"]
                    .as_str()
                    .unwrap()
                    .ends_with("::invoice::InvoicePaid")
                {
                    event["data"]["merchant"] = json!(m.address.to_hex());
                    event["data"]["order_ref"] = json!(format!("HOOK-{n}"));
                }
            }
            let head = LedgerHead {
                version: 7_000 + n,
                timestamp_us: NOW as u64 * 1_000_000,
                chain_id: CHAIN_ID,
                oldest_version: 0,
            };
            seek(&gw, 7_000 + n).await;
            let committed = Instant::now();
            follower::apply_page(&gw.state, &[paid], head, Finish::Commit)
                .await
                .unwrap();
            tokio::time::timeout(Duration::from_secs(5), arrived.notified())
                .await
                .expect("webhook arrived");
            latencies.push(committed.elapsed().as_millis());
        }
        let _ = stop_tx.send(true);
        dispatcher.await.unwrap();
        println!(
            "{}: webhook latency from commit (ms; the follower wakes the dispatcher): {latencies:?}",
            db.name
        );
    }
}
