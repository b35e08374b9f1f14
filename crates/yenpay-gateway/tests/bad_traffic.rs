//! Bounded under bad traffic (issue 30, item 6): slow or idle clients are
//! cut off, connections are capped, requests are answered within a deadline,
//! and a shutdown ends within its deadline even with such clients connected.

use crate::common::*;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use yenpay_gateway::config::ServerPolicy;

fn gateway_config(policy: ServerPolicy) -> yenpay_gateway::config::Config {
    let mut config = config();
    config.server = policy;
    config
}

fn tight() -> ServerPolicy {
    ServerPolicy {
        header_read_timeout: Duration::from_millis(500),
        request_timeout: Duration::from_millis(700),
        max_connections: 8,
        shutdown_deadline: Duration::from_secs(1),
    }
}

/// Reads until the server closes the connection (or `within` passes); true if it closed.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buffer = [0u8; 1024];
    tokio::time::timeout(within, async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await
    .is_ok()
}

#[tokio::test]
async fn slow_headers_and_idle_connections_are_cut_off() {
    let db = backends().await.remove(0);
    let gw = TestGateway::with_config(&db, gateway_config(tight())).await;
    let running = gw.run(false).await;
    // Slowloris: a header that never ends.
    let mut slow = Vec::new();
    for _ in 0..6 {
        let mut stream = TcpStream::connect(running.address).await.unwrap();
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\nx-slow: ")
            .await
            .unwrap();
        slow.push(stream);
    }
    // An idle keep-alive connection after one answered request.
    let mut idle = TcpStream::connect(running.address).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    for stream in &mut slow {
        assert!(
            closed_within(stream, Duration::from_secs(3)).await,
            "a slow header kept its connection"
        );
    }
    assert!(
        closed_within(&mut idle, Duration::from_secs(3)).await,
        "an idle connection stayed"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    // The server still answers.
    let health = reqwest::get(format!("http://{}/healthz", running.address))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let _ = running.stop.send(());
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_and_are_served_when_one_ends() {
    let db = backends().await.remove(0);
    let mut policy = tight();
    policy.max_connections = 3;
    policy.header_read_timeout = Duration::from_secs(30);
    let gw = TestGateway::with_config(&db, gateway_config(policy)).await;
    let running = gw.run(false).await;
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut stream = TcpStream::connect(running.address).await.unwrap();
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\nx-slow: ")
            .await
            .unwrap();
        held.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(600))
        .build()
        .unwrap();
    let url = format!("http://{}/healthz", running.address);
    assert!(
        client.get(&url).send().await.is_err(),
        "a fourth connection was served past the cap of three"
    );
    drop(held.pop());
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    assert_eq!(client.get(&url).send().await.unwrap().status(), 200);
    let _ = running.stop.send(());
}

#[tokio::test]
async fn a_request_is_answered_within_the_request_timeout() {
    let db = backends().await.remove(0);
    let gw = TestGateway::with_config(&db, gateway_config(tight())).await;
    let merchant = gw.merchant("Slow Udon").await;
    // A code is signed at once; its cancellation waits for the chain.
    let made = gw.create_code(&merchant, "late-1", 500).await;
    let path = format!(
        "/v2/codes/{}",
        made.body["data"]["codeId"].as_str().unwrap()
    );
    gw.ledger
        .create_delay_ms
        .store(5_000, std::sync::atomic::Ordering::SeqCst);
    let running = gw.run(false).await;
    let request = gw.signed_request(&merchant, "DELETE", &path, None);
    let client = reqwest::Client::new();
    let mut call = client.delete(format!("http://{}{path}", running.address));
    for (name, value) in request.body(()).unwrap().headers() {
        call = call.header(name, value);
    }
    let started = Instant::now();
    let answer = call.send().await.unwrap();
    assert_eq!(answer.status(), 408);
    assert!(started.elapsed() < Duration::from_secs(3));
    let _ = running.stop.send(());
}

#[tokio::test]
async fn a_shutdown_ends_within_its_deadline_with_slow_clients_connected() {
    let db = backends().await.remove(0);
    let mut policy = tight();
    // Slow clients that would outlive the deadline on their own.
    policy.header_read_timeout = Duration::from_secs(60);
    let gw = TestGateway::with_config(&db, gateway_config(policy)).await;
    let running = gw.run(true).await;
    let mut slow = Vec::new();
    for _ in 0..5 {
        let mut stream = TcpStream::connect(running.address).await.unwrap();
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nx-slow: ")
            .await
            .unwrap();
        slow.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    running.stop.send(()).unwrap();
    let finished = tokio::time::timeout(Duration::from_secs(5), running.task)
        .await
        .expect("the gateway stopped within twice its deadline");
    finished.unwrap().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(*gw.state.stopping.borrow());
}

/// A free loopback port.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn the_binary_starts_and_serves_reads_while_the_node_is_down() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let kek = dir.path().join("kek");
    std::fs::write(&kek, "33".repeat(32)).unwrap();
    let admin = dir.path().join("admin");
    let token = "3f9a1c7e5b2d8f0a6c4e1b9d7f3a5c8e2b0d6f4a9c1e7b3d5f8a2c0e6b4d9f1a";
    std::fs::write(&admin, token).unwrap();
    let port = free_port();
    let admin_port = free_port();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_yenpay-gateway"))
        .env_clear()
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("gw.db").display()),
        )
        .env("YENPAY_KEK_FILE", &kek)
        .env("YENPAY_ADMIN_TOKEN_FILE", &admin)
        // Nothing listens on port 9 of loopback: the node is down.
        .env("APTOS_NODE_URL", "http://127.0.0.1:9")
        .env("YENPAY_PACKAGE", PACKAGE)
        .env("YENPAY_METADATA", METADATA)
        .env("YENPAY_CHAIN_ID", "4")
        .env("YENPAY_FOLLOWER_START", "1")
        .env("YENPAY_GATEWAY_LISTEN", format!("127.0.0.1:{port}"))
        .env("YENPAY_ADMIN_LISTEN", format!("127.0.0.1:{admin_port}"))
        .kill_on_drop(true)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut health = None;
    for _ in 0..100 {
        if let Ok(answer) = client.get(format!("{base}/healthz")).send().await {
            health = Some(answer.status());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        health,
        Some(reqwest::StatusCode::OK),
        "the gateway did not start without its node"
    );
    let ready = client.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    let ready = ready.text().await.unwrap();
    assert!(
        !ready.contains("127.0.0.1:9"),
        "readyz shows the node URL: {ready}"
    );
    // Reads of the gateway's own data work: the admin API onboards and reads a merchant.
    let onboarded = client
        .post(format!("http://127.0.0.1:{admin_port}/admin/merchants"))
        .bearer_auth(token)
        .json(&serde_json::json!({"ownerAddress": format!("0x{}", "ab".repeat(32)), "name": "NODELESS"}))
        .send()
        .await
        .unwrap();
    assert_eq!(onboarded.status(), 201);
    // The admin API is not on the public listener.
    let public_admin = client
        .post(format!("{base}/admin/merchants"))
        .bearer_auth(token)
        .json(&serde_json::json!({"ownerAddress": format!("0x{}", "cd".repeat(32)), "name": "PUBLIC"}))
        .send()
        .await
        .unwrap();
    assert_eq!(public_admin.status(), 404);
    child.kill().await.unwrap();
}

#[tokio::test]
async fn the_binary_refuses_a_weak_admin_token() {
    let dir = tempfile::tempdir().unwrap();
    let kek = dir.path().join("kek");
    std::fs::write(&kek, "44".repeat(32)).unwrap();
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_yenpay-gateway"))
        .env_clear()
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("gw.db").display()),
        )
        .env("YENPAY_KEK_FILE", &kek)
        .env("YENPAY_ADMIN_TOKEN", "secret-admin")
        .env("APTOS_NODE_URL", "http://127.0.0.1:9")
        .env("YENPAY_PACKAGE", PACKAGE)
        .env("YENPAY_METADATA", METADATA)
        .env("YENPAY_CHAIN_ID", "4")
        .env("YENPAY_FOLLOWER_START", "1")
        .env(
            "YENPAY_GATEWAY_LISTEN",
            format!("127.0.0.1:{}", free_port()),
        )
        .env("YENPAY_ADMIN_LISTEN", format!("127.0.0.1:{}", free_port()))
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("admin token is too weak"), "{stderr}");
    assert!(
        !stderr.contains("secret-admin"),
        "the token was printed: {stderr}"
    );
}

#[tokio::test]
async fn a_held_write_lock_answers_503_at_once_and_readyz_says_so() {
    use sqlx::Connection;
    let db = backends().await.remove(0);
    assert_eq!(db.name, "sqlite");
    let gw = TestGateway::new(&db).await;
    let merchant = gw.merchant("Locked Out").await;
    // Another writer (an operator's shell, a stuck process) holds the write lock.
    let mut other = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut other)
        .await
        .unwrap();
    let started = Instant::now();
    let read = gw
        .call(&merchant, "GET", "/v2/codes/payments/NO-SUCH-ORDER", None)
        .await;
    assert_eq!(
        read.status,
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        read.text
    );
    assert_eq!(read.code(), "DATABASE_BUSY");
    assert_eq!(read.headers["retry-after"], "1");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let ready = gw
        .send(
            axum::http::Request::get("/readyz")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(ready.status, axum::http::StatusCode::SERVICE_UNAVAILABLE);
    assert!(ready.text.contains("write lock"), "{}", ready.text);
    // Released: the same read is answered.
    sqlx::query("ROLLBACK").execute(&mut other).await.unwrap();
    let read = gw
        .call(&merchant, "GET", "/v2/codes/payments/NO-SUCH-ORDER", None)
        .await;
    assert_eq!(
        read.status,
        axum::http::StatusCode::NOT_FOUND,
        "{}",
        read.text
    );
}

#[tokio::test]
async fn a_flood_of_readiness_checks_probes_the_write_lock_once_a_second() {
    use sqlx::Connection;
    let db = backends().await.remove(0);
    let gw = TestGateway::new(&db).await;
    assert!(gw.state.db.can_write().await);
    let mut other = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut other)
        .await
        .unwrap();
    // Within the second the last answer is reused: no new lock taker, no 2 s wait.
    let started = Instant::now();
    for _ in 0..50 {
        assert!(gw.state.db.can_write().await);
    }
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    assert!(
        !gw.state.db.can_write().await,
        "a held lock is seen once the answer is stale"
    );
    sqlx::query("ROLLBACK").execute(&mut other).await.unwrap();
}
