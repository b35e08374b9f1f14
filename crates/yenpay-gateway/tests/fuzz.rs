//! The OpenAPI-driven fuzz: schemathesis (PyPI) generates requests for
//! every operation in `/openapi.json` and checks that none is answered with
//! a 5xx. Requests go through a signing proxy (merchant routes get a valid
//! `OPA-Auth` signature over the exact bytes, `/admin` the bearer token), so
//! the fuzz reaches the handlers, not only the auth layer; the chain is the
//! recording double.
//!
//! Runs when `schemathesis` is on PATH or named by `YENPAY_SCHEMATHESIS`
//! (`python3 -m venv target/fuzz-venv && target/fuzz-venv/bin/pip install schemathesis`);
//! otherwise it says loudly that it was skipped.

use crate::common::*;
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::response::Response;
use http_body_util::BodyExt;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use tower::ServiceExt;

fn schemathesis() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("YENPAY_SCHEMATHESIS") {
        return Some(PathBuf::from(path));
    }
    let local =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/fuzz-venv/bin/schemathesis");
    if local.is_file() {
        return Some(local);
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join("schemathesis"))
        .find(|p| p.is_file())
}

struct Proxy {
    router: Router,
    merchant: TestMerchant,
}

async fn forward(State(proxy): State<Arc<Proxy>>, request: Request) -> Response {
    let (mut parts, body) = request.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let authorization = if path.starts_with("/admin") {
        format!("Bearer {ADMIN_TOKEN}")
    } else {
        let nonce = format!("fuzz-{}", yenpay_gateway::crypto::random_hex(8));
        yenpay_gateway::auth::sign_request(
            &proxy.merchant.key_id,
            &proxy.merchant.secret,
            parts.method.as_str(),
            &path,
            &bytes,
            &nonce,
            NOW,
        )
    };
    if let Ok(value) = HeaderValue::from_str(&authorization) {
        parts.headers.insert("authorization", value);
    }
    let request = Request::from_parts(parts, Body::from(bytes));
    proxy.router.clone().oneshot(request).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_operation_answers_5xx() {
    let Some(program) = schemathesis() else {
        let _ = writeln!(
            std::io::stderr(),
            "\n*** yenpay-gateway fuzz SKIPPED: schemathesis is not installed (see tests/fuzz.rs) ***\n"
        );
        return;
    };
    let db = backends().await.remove(0);
    let gw = TestGateway::new(&db).await;
    let merchant = gw.merchant("FUZZ SHOP").await;
    gw.create_code(&merchant, "FUZZ-1", 1000).await;
    // Ready (its 503 before the first follower poll is by design, not a failure).
    gw.ledger
        .head_version
        .store(0, std::sync::atomic::Ordering::SeqCst);
    gw.ledger
        .page
        .lock()
        .unwrap()
        .push(filler(0, NOW as u64 * 1_000_000));
    yenpay_gateway::follower::poll_once(&gw.state)
        .await
        .unwrap();
    let proxy = Arc::new(Proxy {
        router: gw.router.clone(),
        merchant,
    });
    let app = Router::new().fallback(forward).with_state(proxy);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let examples = std::env::var("YENPAY_FUZZ_EXAMPLES").unwrap_or_else(|_| "40".to_owned());
    // Its own folder for the cache schemathesis writes beside itself, so nothing lands in the tree.
    let scratch = tempfile::tempdir().unwrap();
    let output = tokio::process::Command::new(&program)
        .current_dir(scratch.path())
        .args([
            "run",
            &format!("http://{address}/openapi.json"),
            "--checks",
            "not_a_server_error",
            "--max-examples",
            &examples,
            "--workers",
            "1",
            "--seed",
            "20261201",
            "--generation-with-security-parameters",
            "false",
            "--generation-database",
            "none",
            "--no-color",
        ])
        .output()
        .await
        .expect("schemathesis runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let _ = writeln!(std::io::stderr(), "{stdout}");
    assert!(
        output.status.success(),
        "schemathesis found a failure:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
