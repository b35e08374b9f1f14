//! docs/examples/integrate.py, the Python walk-through of
//! docs/integration.md, run against the gateway on a loopback port (the
//! chain stubbed as in the other API tests): what the docs tell an
//! integrator in another language works, and the gateway holds what the
//! script says it made.

use crate::common::*;
use axum::http::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

const SCRIPT: &str = "docs/examples/integrate.py";

#[tokio::test]
async fn the_python_example_runs_against_a_gateway() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        // The script signs with its own clock, so the gateway must keep the real time.
        gw.clock.set(yenpay_types::time::unix_now() as i64);
        let merchant = gw.merchant("PYTHON SHOP").await;
        // The endpoint's URL: a loopback port held open; no event is sent to it here.
        let hook = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let hook_url = format!("http://{}/yenpay", hook.local_addr().unwrap());
        let running = gw.run(false).await;

        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
        let child = tokio::process::Command::new("python3")
            .arg(SCRIPT)
            .current_dir(root)
            .env("YENPAY_BASE_URL", format!("http://{}", running.address))
            .env("YENPAY_KEY_ID", &merchant.key_id)
            .env("YENPAY_SECRET", &merchant.secret)
            .env("YENPAY_ADMIN_TOKEN", ADMIN_TOKEN)
            .env(
                "YENPAY_ADMIN_URL",
                format!("http://{}", running.admin_address),
            )
            .env("YENPAY_MERCHANT_ID", &merchant.id)
            .env("YENPAY_WEBHOOK_URL", &hook_url)
            .kill_on_drop(true)
            .output();
        let output = match tokio::time::timeout(Duration::from_secs(120), child).await {
            Ok(Ok(output)) => output,
            Ok(Err(error)) if error.kind() == std::io::ErrorKind::NotFound => panic!(
                "python3 is not installed: this test runs {SCRIPT} with Python 3 (standard library only); \
                 install python3 (CI has it)"
            ),
            Ok(Err(error)) => panic!("python3 {SCRIPT} could not start: {error}"),
            Err(_) => panic!("python3 {SCRIPT} did not finish within 120 s"),
        };
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "{SCRIPT} failed on {} ({}):\n{stdout}\n{stderr}",
            db.name,
            output.status
        );

        // The script's last line says what it made; the gateway must hold exactly that.
        let made: Value = serde_json::from_str(stdout.lines().last().unwrap_or_default())
            .unwrap_or_else(|e| panic!("no summary line ({e}):\n{stdout}"));
        let order = made["merchantPaymentId"].as_str().unwrap();
        assert!(
            order.contains(' '),
            "the read-back path is percent-encoded: {order:?}"
        );
        let payment = gw
            .call(
                &merchant,
                "GET",
                &format!("/v2/codes/payments/{}", urlencoding::encode(order)),
                None,
            )
            .await;
        assert_eq!(payment.status, StatusCode::OK, "{}", payment.text);
        assert_eq!(payment.body["data"]["codeId"], made["codeId"]);
        assert_eq!(payment.body["data"]["status"], "CREATED");
        assert_eq!(
            payment.body["data"]["amount"],
            json!({"amount": 1500, "currency": "JPY"})
        );
        // Signed by the merchant's terminal key; nothing on the (stubbed) chain until it is paid.
        assert_eq!(gw.ledger.calls(), vec![]);
        assert_eq!(
            issued_offer(&gw, merchant.address, order)
                .await
                .map(|o| o.offer.terminal.to_hex()),
            Some(merchant.terminal.to_hex())
        );
        let endpoints = gw.call(&merchant, "GET", "/v2/webhooks", None).await;
        assert_eq!(
            endpoints.body["data"],
            json!([{"endpointId": made["endpointId"], "url": hook_url, "createdAt": gw_now(&gw)}]),
            "{}",
            endpoints.text
        );

        running.stop.send(()).unwrap();
        running.task.await.unwrap().unwrap();
    }
}

fn gw_now(gw: &TestGateway) -> i64 {
    yenpay_gateway::Clock::now(gw.clock.as_ref())
}
