//! The OpenAPI document and the service's lifecycle: it serves on a real
//! socket, runs its background tasks, and shuts down when told.

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use std::sync::Arc;
use std::time::Duration;

#[tokio::test]
async fn the_openapi_document_names_every_route() {
    let db = backends().await.remove(0);
    let gw = TestGateway::new(&db).await;
    let doc = gw
        .send(Request::get("/openapi.json").body(Body::empty()).unwrap())
        .await;
    assert_eq!(doc.status, StatusCode::OK);
    assert_eq!(doc.body["openapi"], "3.1.0");
    let paths = doc.body["paths"].as_object().unwrap();
    for (path, method) in [
        ("/v2/codes", "post"),
        ("/v2/codes/{codeId}", "delete"),
        ("/v2/codes/payments/{merchantPaymentId}", "get"),
        ("/v2/refunds", "post"),
        ("/v2/refunds/{merchantRefundId}", "get"),
        ("/v2/payments/cpm", "post"),
        ("/v2/reports/reconciliation", "get"),
        ("/v2/webhooks", "get"),
        ("/v2/webhooks/{endpointId}", "delete"),
        ("/v2/webhooks/{endpointId}/pause", "post"),
        ("/v2/webhooks/{endpointId}/resume", "post"),
        ("/v2/webhooks/{endpointId}/rotate-secret", "post"),
        ("/v2/webhooks/deliveries", "get"),
        ("/v2/webhooks/deliveries/{deliveryId}/redeliver", "post"),
        ("/v2/sponsor", "post"),
        ("/v2/sponsor/info", "get"),
        ("/admin/merchants", "post"),
        ("/admin/merchants/{merchantId}", "get"),
        ("/admin/merchants/{merchantId}/keys", "post"),
        ("/admin/merchants/{merchantId}/keys/{keyId}", "delete"),
        ("/admin/merchants/{merchantId}/pos-credentials", "post"),
        ("/admin/merchants/{merchantId}/pos-credentials", "get"),
        (
            "/admin/merchants/{merchantId}/pos-credentials/{credentialId}",
            "delete",
        ),
        ("/admin/merchants/{merchantId}/webhooks", "post"),
        ("/admin/customers/{address}", "get"),
        ("/admin/customers/{address}/tier", "put"),
        ("/admin/screening/verdicts", "get"),
        ("/admin/audit-log", "get"),
        ("/admin/travel-rule/vasp-addresses", "get"),
        ("/admin/travel-rule/vasp-addresses/{address}", "put"),
        ("/admin/travel-rule/vasp-addresses/{address}", "delete"),
        ("/admin/travel-rule/records", "get"),
        ("/admin/travel-rule/records/{recordId}", "get"),
        ("/admin/travel-rule/receipt-key", "get"),
        ("/admin/reports/reconciliation", "get"),
        ("/admin/reports/suspicious", "get"),
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/v2/holds/codes", "post"),
        ("/v2/holds/capture", "post"),
        ("/v2/holds/revert", "post"),
        ("/v2/holds/{merchantPaymentId}", "get"),
        ("/admin/reviews", "get"),
        ("/admin/reviews/{reviewId}", "get"),
        ("/admin/reviews/{reviewId}/release", "post"),
        ("/admin/reviews/{reviewId}/reject", "post"),
        ("/v2/quotes", "post"),
        ("/admin/fx/keys", "post"),
        ("/admin/fx", "get"),
        ("/admin/tax-refunds/claims", "post"),
        ("/admin/tax-refunds/confirmations", "post"),
        ("/admin/tax-refunds/confirmations", "get"),
        ("/admin/tax-refunds/payments", "post"),
        ("/admin/reports/tax-refunds", "get"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} missing"
        );
    }
    // The document comes from the routers: nothing else is in it.
    assert_eq!(paths.len(), 51, "{:?}", paths.keys().collect::<Vec<_>>());
    // Query parameters are documented where they are read.
    for (path, method, name) in [
        ("/v2/codes", "post", "format"),
        ("/v2/holds/codes", "post", "format"),
        ("/v2/reports/reconciliation", "get", "date"),
        ("/v2/webhooks/deliveries", "get", "status"),
        ("/admin/reviews", "get", "status"),
        ("/admin/reports/tax-refunds", "get", "date"),
        ("/admin/tax-refunds/confirmations", "get", "status"),
    ] {
        let parameters = paths[path][method]["parameters"].as_array().unwrap();
        let parameter = parameters.iter().find(|p| p["name"] == name).unwrap();
        assert_eq!(parameter["in"], "query", "{method} {path} {name}");
    }
    let schemes = &doc.body["components"]["securitySchemes"];
    assert!(schemes.get("opa_auth").is_some() && schemes.get("admin").is_some());
    assert!(
        doc.body["components"]["schemas"]
            .get("CreateCode")
            .is_some()
    );
}

#[tokio::test]
async fn it_serves_and_stops_gracefully() {
    let db = backends().await.remove(0);
    let gw = TestGateway::new(&db).await;
    let Running {
        address,
        stop,
        task: server,
        ..
    } = gw.run(true).await;
    let client = reqwest::Client::new();
    let health = client
        .get(format!("http://{address}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    // The follower runs in the background against the chain double.
    tokio::time::timeout(Duration::from_secs(5), async {
        while gw.state.follower_status.get().is_none() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the follower polled");
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("shut down in time")
        .unwrap()
        .unwrap();
    assert!(
        client
            .get(format!("http://{address}/healthz"))
            .send()
            .await
            .is_err(),
        "no longer listening"
    );
    let _ = Arc::strong_count(&gw.state);
}
