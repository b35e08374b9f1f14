//! The web pages' side of the gateway, over HTTP without a browser: the
//! embedded files and their headers, the POS session and its guards, the
//! payment stream, and the wallet's quote / prepare / pay. Every test runs
//! on each database backend.

use crate::common::*;
use aptos_sdk::transaction::{FeePayerRawTransaction, RawTransaction, TransactionPayload};
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use ed25519_dalek::{Signer, SigningKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::Duration;
use yenpay_gateway::web::{
    ASSETS_PATH, CONTENT_SECURITY_POLICY, JSQR_PATH, PAGES, PERMISSIONS_POLICY,
};

fn get(path: &str) -> Request<Body> {
    Request::builder().uri(path).body(Body::empty()).unwrap()
}

/// A POS request: the session cookie, and the guard header unless `guard` is false.
fn pos(method: &str, path: &str, cookie: &str, body: Option<Value>, guard: bool) -> Request<Body> {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header("cookie", cookie)
        .header("content-type", "application/json");
    if guard {
        request = request.header("x-yenpay-pos", "1");
    }
    request
        .body(body.map(|b| Body::from(b.to_string())).unwrap_or_default())
        .unwrap()
}

/// Logs in with `credential`; returns the `name=value` cookie pair.
async fn login_with(gw: &TestGateway, credential: &PosLogin) -> String {
    let answer = gw
        .send(pos(
            "POST",
            "/pos/api/session",
            "",
            Some(credential.body()),
            true,
        ))
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let set_cookie = answer.headers["set-cookie"].to_str().unwrap().to_owned();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/pos"] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    set_cookie.split(';').next().unwrap().to_owned()
}

/// Logs in as `merchant`'s `role` with a new credential; returns the cookie pair.
async fn login_as(gw: &TestGateway, merchant: &TestMerchant, role: &str) -> String {
    let credential = gw.pos_credential(merchant, role).await;
    login_with(gw, &credential).await
}

/// Logs in as a cashier of `merchant`.
async fn login(gw: &TestGateway, merchant: &TestMerchant) -> String {
    login_as(gw, merchant, "cashier").await
}

/// Every file the gateway serves: (where, the file under web/). The pages
/// are `web::PAGES`; every file under web/assets/ is served below
/// `/assets/`, but for the vendored reader's licence.
fn served_files() -> Vec<(String, PathBuf)> {
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
    let mut files: Vec<(String, PathBuf)> = PAGES
        .iter()
        .map(|(path, file)| ((*path).to_owned(), web.join(file)))
        .collect();
    let mut dirs = vec![web.join("assets")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if !path.ends_with("vendor/jsQR.LICENSE") {
                let below = path.strip_prefix(web.join("assets")).unwrap();
                files.push((format!("{ASSETS_PATH}/{}", below.display()), path));
            }
        }
    }
    files.sort();
    files
}

/// The media type each kind of file is served with.
fn expected_type(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        other => panic!("a file of a kind the test does not know: {other:?}"),
    }
}

fn get_with(path: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut request = Request::get(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.body(Body::empty()).unwrap()
}

/// The answer as it comes, headers and raw bytes (`TestGateway::send`
/// would read a compressed body as text).
async fn raw(gw: &TestGateway, request: Request<Body>) -> (StatusCode, HeaderMap, Vec<u8>) {
    let response = tower::ServiceExt::oneshot(gw.router.clone(), request)
        .await
        .unwrap();
    let (parts, body) = response.into_parts();
    let bytes = http_body_util::BodyExt::collect(body)
        .await
        .unwrap()
        .to_bytes();
    (parts.status, parts.headers, bytes.to_vec())
}

/// The security headers every page, asset and page API answer carries.
fn assert_security_headers(headers: &HeaderMap, what: &str) {
    assert_eq!(
        headers["content-security-policy"], CONTENT_SECURITY_POLICY,
        "{what}"
    );
    assert_eq!(headers["permissions-policy"], PERMISSIONS_POLICY, "{what}");
    assert_eq!(headers["x-content-type-options"], "nosniff", "{what}");
    assert_eq!(headers["x-frame-options"], "DENY", "{what}");
    assert_eq!(headers["referrer-policy"], "no-referrer", "{what}");
}

/// Caches must keep each coding apart.
fn assert_varies_by_encoding(headers: &HeaderMap, what: &str) {
    let vary = headers["vary"].to_str().unwrap();
    assert!(
        vary.eq_ignore_ascii_case("accept-encoding"),
        "{what}: {vary}"
    );
}

#[tokio::test]
async fn pages_and_assets_are_embedded_with_a_strict_policy() {
    let db = &backends().await[0];
    let gw = TestGateway::new(db).await;
    let files = served_files();
    for expected in [
        "/",
        "/pos",
        "/wallet",
        "/assets/yenpay.css",
        "/assets/common.js",
        "/assets/pos.js",
        "/assets/wallet.js",
        "/assets/camera.js",
        "/assets/i18n/ja.json",
        "/assets/i18n/en.json",
        JSQR_PATH,
    ] {
        assert!(
            files.iter().any(|(path, _)| path == expected),
            "{expected} is not among {files:?}"
        );
    }
    for (path, file) in &files {
        let (status, headers, body) = raw(&gw, get(path)).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(headers["content-type"], expected_type(file), "{path}");
        assert_security_headers(&headers, path);
        assert_eq!(headers["cache-control"], "no-cache", "{path}");
        assert!(!headers.contains_key("content-encoding"), "{path}");
        let etag = headers["etag"].to_str().unwrap();
        assert!(
            etag.len() > 2 && etag.starts_with('"') && etag.ends_with('"'),
            "{path}: a strong ETag, quoted: {etag}"
        );
        // The file itself, byte for byte.
        assert_eq!(body, std::fs::read(file).unwrap(), "{path}");
        if path == JSQR_PATH {
            // Exactly what npm publishes as jsqr 1.4.0 (dist/jsQR.js), unchanged.
            assert_eq!(
                const_hex::encode(Sha256::digest(&body)),
                "bc40c8a15196236b2314db0856f72ca0b49980cd5413b8c852a7349f5fee0859"
            );
            continue;
        }
        // Nothing may come from another origin: shops' networks are often offline.
        let text = String::from_utf8(body).unwrap();
        for external in ["http://", "https://", "//cdn"] {
            assert!(!text.contains(external), "{path} names {external}");
        }
    }
    // Only these: no other path, no file by its own name, not the licence.
    for unknown in [
        "/assets/nothing.js",
        "/assets/vendor/jsQR.LICENSE",
        "/assets/i18n/fr.json",
        "/assets/",
        "/pos.html",
        "/index.html",
        "/assets/../pos.html",
    ] {
        let (status, _, _) = raw(&gw, get(unknown)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{unknown}");
    }
}

#[tokio::test]
async fn files_come_precompressed_with_an_etag_and_the_apis_do_not() {
    use std::io::Read;
    let db = &backends().await[0];
    let gw = TestGateway::new(db).await;
    for (path, file) in served_files() {
        let original = std::fs::read(&file).unwrap();
        let (_, plain, _) = raw(&gw, get(&path)).await;
        let etag = plain["etag"].to_str().unwrap().to_owned();
        assert_varies_by_encoding(&plain, &path);

        // gzip, for a client that takes only gzip.
        let (status, headers, body) =
            raw(&gw, get_with(&path, &[("accept-encoding", "gzip")])).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_varies_by_encoding(&headers, &path);
        assert_eq!(headers["etag"], etag.as_str(), "{path}");
        assert_eq!(headers["content-type"], expected_type(&file), "{path}");
        assert_security_headers(&headers, &path);
        let gzipped = headers.get("content-encoding").is_some();
        if gzipped {
            assert_eq!(headers["content-encoding"], "gzip", "{path}");
            let mut unpacked = Vec::new();
            flate2::read::GzDecoder::new(&body[..])
                .read_to_end(&mut unpacked)
                .unwrap();
            assert_eq!(unpacked, original, "{path}: the same file, byte for byte");
            assert!(body.len() < original.len(), "{path}");
        } else {
            // Kept as it is only where compressing saved too little to matter.
            assert_eq!(body, original, "{path}");
            assert!(
                original.len() < 1024,
                "{path}: {} bytes sent whole",
                original.len()
            );
        }

        // zstd where the client takes it, as Chromium does (and prefers it).
        let chromium = [("accept-encoding", "gzip, deflate, br, zstd")];
        let (_, headers, body) = raw(&gw, get_with(&path, &chromium)).await;
        if gzipped {
            assert_eq!(headers["content-encoding"], "zstd", "{path}");
            assert_eq!(
                zstd::decode_all(&body[..]).unwrap(),
                original,
                "{path}: the same file, byte for byte"
            );
        }
        assert_eq!(headers["etag"], etag.as_str(), "{path}");

        // Without Accept-Encoding, or refusing every coding but identity: as it is.
        for refusing in [vec![], vec![("accept-encoding", "identity")]] {
            let (_, headers, body) = raw(&gw, get_with(&path, &refusing)).await;
            assert!(!headers.contains_key("content-encoding"), "{path}");
            assert_eq!(body, original, "{path}");
        }

        // Asked again with the ETag it has: 304, no body, the same headers.
        let (status, headers, body) = raw(
            &gw,
            get_with(
                &path,
                &[("if-none-match", &etag), ("accept-encoding", "gzip")],
            ),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_MODIFIED, "{path}");
        assert!(body.is_empty(), "{path}");
        assert_eq!(headers["etag"], etag.as_str(), "{path}");
        assert_eq!(headers["cache-control"], "no-cache", "{path}");
        assert_security_headers(&headers, &path);
        // Another version's ETag: the file.
        let (status, _, body) = raw(
            &gw,
            get_with(&path, &[("if-none-match", "\"0000000000000000\"")]),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(body, original, "{path}");
    }
    // The reader is the file that matters most on a shop's Wi-Fi.
    let (_, headers, body) = raw(&gw, get_with(JSQR_PATH, &[("accept-encoding", "gzip")])).await;
    assert_eq!(headers["content-encoding"], "gzip");
    let original =
        std::fs::metadata(Path::new(env!("CARGO_MANIFEST_DIR")).join("web/assets/vendor/jsQR.js"))
            .unwrap()
            .len();
    assert!(
        (body.len() as u64) * 3 < original,
        "{} bytes for {original}",
        body.len()
    );
    // Every file's ETag is its own.
    let mut etags = std::collections::HashSet::new();
    for (path, _) in served_files() {
        let (_, headers, _) = raw(&gw, get(&path)).await;
        assert!(etags.insert(headers["etag"].clone()), "{path}");
    }
    // The page APIs are not compressed (the payment stream must flush at once).
    let session = gw
        .send(get_with(
            "/pos/api/session",
            &[("accept-encoding", "gzip, br, zstd")],
        ))
        .await;
    assert!(!session.headers.contains_key("content-encoding"));
    assert_security_headers(&session.headers, "/pos/api/session");
}

#[tokio::test]
async fn pages_can_be_turned_off() {
    let db = &backends().await[0];
    let mut config = config();
    config.web.enabled = false;
    let gw = TestGateway::with_config(db, config).await;
    assert_eq!(gw.send(get("/pos")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        gw.send(get("/pos/api/session")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn pos_session_logs_in_guards_and_ends() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        let m = gw.merchant("YENPAY CAFE").await;

        // No session: every POS API answers 401 with a code the page shows.
        let anonymous = gw.send(get("/pos/api/session")).await;
        assert_eq!(
            (anonymous.status, anonymous.code()),
            (StatusCode::UNAUTHORIZED, "POS_LOGIN_REQUIRED")
        );
        let cashier = gw.pos_credential(&m, "cashier").await;
        let wrong = gw
            .send(pos(
                "POST",
                "/pos/api/session",
                "",
                Some(json!({"credentialId": cashier.credential_id, "secret": "not-the-secret"})),
                true,
            ))
            .await;
        assert_eq!(
            (wrong.status, wrong.code()),
            (StatusCode::UNAUTHORIZED, "INVALID_CREDENTIALS")
        );
        assert!(wrong.headers.get("set-cookie").is_none());
        let unguarded_login = gw
            .send(pos(
                "POST",
                "/pos/api/session",
                "",
                Some(cashier.body()),
                false,
            ))
            .await;
        assert_eq!(
            (unguarded_login.status, unguarded_login.code()),
            (StatusCode::FORBIDDEN, "POS_HEADER_REQUIRED")
        );

        let cookie = login_with(&gw, &cashier).await;
        let me = gw
            .send(pos("GET", "/pos/api/session", &cookie, None, true))
            .await;
        assert_eq!(me.status, StatusCode::OK, "{}", me.text);
        assert_eq!(me.body["data"]["merchant"]["name"], "YENPAY CAFE");
        assert_eq!(me.body["data"]["role"], "cashier");
        assert_eq!(me.body["data"]["label"], "cashier of the tests");
        assert_eq!(me.body["data"]["merchant"]["address"], m.address.to_hex());

        // The merchant API's own handler, behind the session.
        let body =
            json!({"merchantPaymentId": "POS-1", "amount": {"amount": 1000, "currency": "JPY"}});
        let unguarded = gw
            .send(pos(
                "POST",
                "/pos/api/v2/codes",
                &cookie,
                Some(body.clone()),
                false,
            ))
            .await;
        assert_eq!(
            (unguarded.status, unguarded.code()),
            (StatusCode::FORBIDDEN, "POS_HEADER_REQUIRED")
        );
        let made = gw
            .send(pos(
                "POST",
                "/pos/api/v2/codes?format=svg",
                &cookie,
                Some(body),
                true,
            ))
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
        assert!(
            made.body["data"]["qrSvg"]
                .as_str()
                .unwrap()
                .contains("<svg")
        );
        let through_api = gw.call(&m, "GET", "/v2/codes/payments/POS-1", None).await;
        assert_eq!(through_api.body["data"]["status"], "CREATED");

        // Another merchant's session sees none of it.
        let other = gw.merchant("OTHER SHOP").await;
        let other_credential = gw.pos_credential(&other, "manager").await;
        let other_cookie = login_with(&gw, &other_credential).await;
        let hidden = gw
            .send(pos(
                "GET",
                "/pos/api/v2/codes/payments/POS-1",
                &other_cookie,
                None,
                true,
            ))
            .await;
        assert_eq!(hidden.status, StatusCode::NOT_FOUND);

        // Revoking the credential ends its sessions at once, and it logs in no more.
        let second_cookie = login_with(&gw, &other_credential).await;
        let revoked = gw
            .admin(
                "DELETE",
                &format!(
                    "/admin/merchants/{}/pos-credentials/{}",
                    other.id, other_credential.credential_id
                ),
                None,
            )
            .await;
        assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text);
        assert_eq!(revoked.body["data"]["sessionsEnded"], 2);
        for ended in [&other_cookie, &second_cookie] {
            let after = gw
                .send(pos("GET", "/pos/api/session", ended, None, true))
                .await;
            assert_eq!(after.status, StatusCode::UNAUTHORIZED);
        }
        let again = gw
            .send(pos(
                "POST",
                "/pos/api/session",
                "",
                Some(other_credential.body()),
                true,
            ))
            .await;
        assert_eq!(
            (again.status, again.code()),
            (StatusCode::UNAUTHORIZED, "INVALID_CREDENTIALS")
        );
        // The merchant's API key was never involved, and still signs.
        let still = gw.create_code(&other, "API-1", 100).await;
        assert_eq!(still.status, StatusCode::CREATED, "{}", still.text);

        // A session lasts its TTL.
        gw.clock
            .advance(gw.state.config.web.session_ttl.as_secs() as i64);
        let expired = gw
            .send(pos("GET", "/pos/api/session", &cookie, None, true))
            .await;
        assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            yenpay_gateway::web::session::purge(
                &gw.state.db.pool,
                yenpay_gateway::Clock::now(gw.clock.as_ref())
            )
            .await
            .unwrap(),
            1,
            "the one session left is past its TTL"
        );

        // Logout clears the cookie and the session.
        let fresh = login(&gw, &m).await;
        let out = gw
            .send(pos("DELETE", "/pos/api/session", &fresh, None, true))
            .await;
        assert_eq!(out.status, StatusCode::OK);
        assert!(
            out.headers["set-cookie"]
                .to_str()
                .unwrap()
                .contains("Max-Age=0")
        );
        let gone = gw
            .send(pos("GET", "/pos/api/session", &fresh, None, true))
            .await;
        assert_eq!(gone.status, StatusCode::UNAUTHORIZED);
    }
}

/// Reads server-sent events from `response` until `count` `payment` events
/// arrived or the stream ended; returns their data.
async fn payment_events(body: Body, count: usize) -> Vec<Value> {
    use http_body_util::BodyExt;
    let mut body = body;
    let mut text = String::new();
    let mut events = Vec::new();
    while events.len() < count {
        let frame = tokio::time::timeout(Duration::from_secs(10), body.frame())
            .await
            .expect("an event within 10 s");
        let Some(frame) = frame else { break };
        if let Ok(data) = frame.unwrap().into_data() {
            text.push_str(std::str::from_utf8(&data).unwrap());
        }
        while let Some(end) = text.find("\n\n") {
            let block: String = text.drain(..end + 2).collect();
            if block.contains("event: payment") {
                let data = block
                    .lines()
                    .find_map(|line| line.strip_prefix("data: "))
                    .unwrap();
                events.push(serde_json::from_str(data).unwrap());
            }
        }
    }
    events
}

#[tokio::test]
async fn payment_stream_sends_the_state_then_the_follower_s_change_then_ends() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        let m = gw.merchant("YENPAY CAFE").await;
        let cookie = login(&gw, &m).await;
        gw.create_code(&m, "STREAM-1", 1000).await;
        let missing = gw
            .send(pos(
                "GET",
                "/pos/api/codes/NOPE/events",
                &cookie,
                None,
                true,
            ))
            .await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);

        use tower::ServiceExt;
        let response = gw
            .router
            .clone()
            .oneshot(pos(
                "GET",
                "/pos/api/codes/STREAM-1/events",
                &cookie,
                None,
                true,
            ))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        let reader = tokio::spawn(payment_events(response.into_body(), 3));
        tokio::time::sleep(Duration::from_millis(200)).await;
        // The real follower applies the recorded payment; the stream wakes on its signal.
        pay(&gw, &m, "STREAM-1", 7_000).await;
        let events = reader.await.unwrap();
        let statuses: Vec<&str> = events
            .iter()
            .map(|e| e["status"].as_str().unwrap())
            .collect();
        assert_eq!(statuses, ["CREATED", "COMPLETED"], "then the stream ended");
        assert_eq!(events[1]["fee"], 10);
        assert_eq!(events[1]["net"], 990);
        assert!(events[1]["payer"].as_str().unwrap().starts_with("0x"));

        // Expiry ends an unpaid code's stream too.
        gw.create_code(&m, "STREAM-2", 1000).await;
        let response = gw
            .router
            .clone()
            .oneshot(pos(
                "GET",
                "/pos/api/codes/STREAM-2/events",
                &cookie,
                None,
                true,
            ))
            .await
            .unwrap();
        let reader = tokio::spawn(payment_events(response.into_body(), 3));
        tokio::time::sleep(Duration::from_millis(200)).await;
        gw.clock.advance(3600);
        gw.state.signal_payments_changed();
        let statuses: Vec<String> = reader
            .await
            .unwrap()
            .iter()
            .map(|e| e["status"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(statuses, ["CREATED", "EXPIRED"]);
    }
}

#[tokio::test]
async fn recent_lists_paid_payments_newest_first() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        let m = gw.merchant("YENPAY CAFE").await;
        let cookie = login(&gw, &m).await;
        for (order, version) in [("A", 8_000), ("B", 8_001)] {
            gw.create_code(&m, order, 1000).await;
            pay(&gw, &m, order, version).await;
        }
        gw.create_code(&m, "UNPAID", 1000).await;
        let recent = gw
            .send(pos("GET", "/pos/api/payments/recent", &cookie, None, true))
            .await;
        assert_eq!(recent.status, StatusCode::OK, "{}", recent.text);
        let orders: Vec<&str> = recent.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["merchantPaymentId"].as_str().unwrap())
            .collect();
        assert_eq!(orders, ["B", "A"]);
    }
}

fn wallet(path: &str, body: Value) -> Request<Body> {
    Request::builder()
        .method("POST")
        .uri(path)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

#[tokio::test]
async fn wallet_quotes_prepares_and_pays_a_code_with_a_browser_held_key() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        let m = gw.merchant("YENPAY CAFE").await;
        let code = gw.create_code(&m, "W-1", 1500).await;
        let payload = code.body["data"]["qrPayload"].as_str().unwrap().to_owned();
        let uri = code.body["data"]["url"].as_str().unwrap().to_owned();

        for text in [&payload, &uri] {
            let quote = gw
                .send(wallet("/wallet/api/quote", json!({"payload": text})))
                .await;
            assert_eq!(quote.status, StatusCode::OK, "{}", quote.text);
            let data = &quote.body["data"];
            assert_eq!(data["merchant"]["name"], "YENPAY CAFE");
            assert_eq!(data["merchantPaymentId"], "W-1");
            assert_eq!(data["amount"]["amount"], 1500);
            assert_eq!(data["payable"], true);
        }

        // The browser's key: the gateway derives its address and builds the transaction.
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let public = const_hex::encode(key.verifying_key().to_bytes());
        let account = gw
            .send(wallet("/wallet/api/account", json!({"publicKey": public})))
            .await;
        assert_eq!(account.status, StatusCode::OK, "{}", account.text);
        let address = account.body["data"]["address"].as_str().unwrap().to_owned();
        let expected =
            aptos_sdk::crypto::Ed25519PublicKey::from_bytes(&key.verifying_key().to_bytes())
                .unwrap()
                .to_address();
        assert_eq!(address, expected.to_hex());
        assert_eq!(account.body["data"]["exists"], false);

        let prepared = gw
            .send(wallet(
                "/wallet/api/prepare",
                json!({"payload": payload, "publicKey": public}),
            ))
            .await;
        assert_eq!(prepared.status, StatusCode::OK, "{}", prepared.text);
        let data = &prepared.body["data"];
        let raw_hex = data["rawTransaction"].as_str().unwrap();
        let raw: RawTransaction =
            aptos_bcs::from_bytes(&const_hex::decode(raw_hex).unwrap()).unwrap();
        assert_eq!(raw.sender, expected);
        // The sponsor's gas terms, which it requires exactly.
        let policy = &gw.state.config.sponsor;
        assert_eq!(
            (raw.max_gas_amount, raw.gas_unit_price),
            (policy.max_gas_amount, policy.gas_unit_price)
        );
        let TransactionPayload::EntryFunction(call) = &raw.payload else {
            panic!("an entry function")
        };
        assert_eq!(
            (call.module.name.as_str(), call.function.as_str()),
            ("invoice", "pay_signed_invoice")
        );
        let operator = gw.state.operator.as_ref().unwrap().address();
        assert_eq!(data["feePayer"], operator.to_hex());
        // The bytes to sign are exactly the fee-payer signing message naming the operator.
        let message = const_hex::decode(data["signingMessage"].as_str().unwrap()).unwrap();
        assert_eq!(
            message,
            FeePayerRawTransaction::new(raw.clone(), Vec::new(), operator)
                .signing_message()
                .unwrap()
        );

        // A signature over anything else is refused before the chain sees it.
        let forged = key.sign(b"something else");
        let refused = gw
            .send(wallet(
                "/wallet/api/pay",
                json!({"rawTransaction": raw_hex, "publicKey": public, "signature": const_hex::encode(forged.to_bytes())}),
            ))
            .await;
        assert_eq!(
            (refused.status, refused.code()),
            (StatusCode::FORBIDDEN, "SPONSOR_BAD_SIGNATURE")
        );
        let other_key = const_hex::encode(
            SigningKey::from_bytes(&[8u8; 32])
                .verifying_key()
                .to_bytes(),
        );
        let wrong_key = gw
            .send(wallet(
                "/wallet/api/pay",
                json!({"rawTransaction": raw_hex, "publicKey": other_key, "signature": const_hex::encode(forged.to_bytes())}),
            ))
            .await;
        assert_eq!(wrong_key.status, StatusCode::BAD_REQUEST);
        assert!(gw.ledger.signed.lock().unwrap().is_empty());

        let signature = key.sign(&message);
        let paid = gw
            .send(wallet(
                "/wallet/api/pay",
                json!({"rawTransaction": raw_hex, "publicKey": public, "signature": const_hex::encode(signature.to_bytes())}),
            ))
            .await;
        assert_eq!(paid.status, StatusCode::CREATED, "{}", paid.text);
        let receipt = &paid.body["data"]["receipt"];
        assert_eq!(receipt["merchant"]["name"], "YENPAY CAFE");
        assert_eq!(receipt["merchantPaymentId"], "W-1");
        assert_eq!(receipt["amount"]["amount"], 1500);
        assert_eq!(receipt["fee"], 15);
        assert_eq!(receipt["net"], 1485);
        let submitted = gw.ledger.signed.lock().unwrap().clone();
        assert_eq!(submitted.len(), 1);
        assert_eq!(submitted[0].raw_txn.sender, expected);
    }
}

#[tokio::test]
async fn wallet_refuses_bad_codes_with_a_clear_code() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        let m = gw.merchant("YENPAY CAFE").await;
        let code = gw.create_code(&m, "W-2", 1000).await;
        let payload = code.body["data"]["qrPayload"].as_str().unwrap().to_owned();
        let mut broken_crc = payload.clone();
        broken_crc.replace_range(payload.len() - 4.., "0000");
        let other_amount = payload.replace("54041000", "54041001");

        let quote = |text: String| {
            let gw = &gw;
            async move {
                gw.send(wallet("/wallet/api/quote", json!({"payload": text})))
                    .await
            }
        };
        for (text, status, code) in [
            (String::new(), StatusCode::BAD_REQUEST, "INVALID_PAYLOAD"),
            (
                "hello".to_owned(),
                StatusCode::BAD_REQUEST,
                "INVALID_PAYLOAD",
            ),
            (broken_crc, StatusCode::BAD_REQUEST, "INVALID_PAYLOAD"),
            (
                "yenpay:nothing".to_owned(),
                StatusCode::BAD_REQUEST,
                "INVALID_PAYLOAD",
            ),
        ] {
            let answer = quote(text.clone()).await;
            assert_eq!(
                (answer.status, answer.code()),
                (status, code),
                "{text:?}: {}",
                answer.text
            );
            assert!(
                !answer.body["resultInfo"]["message"]
                    .as_str()
                    .unwrap()
                    .is_empty()
            );
        }
        // Re-signing a code with another amount is caught against the order.
        assert_ne!(other_amount, payload, "the payload carries 54 04 1000");
        let answer = quote(reseal(&other_amount)).await;
        assert_eq!(
            (answer.status, answer.code()),
            (StatusCode::CONFLICT, "AMOUNT_MISMATCH"),
            "{}",
            answer.text
        );
        // Expired: quoted as such, and not prepared.
        gw.clock.advance(3600);
        let late = quote(payload.clone()).await;
        assert_eq!(late.body["data"]["status"], "EXPIRED");
        assert_eq!(late.body["data"]["payable"], false);
        let public = const_hex::encode(
            SigningKey::from_bytes(&[9u8; 32])
                .verifying_key()
                .to_bytes(),
        );
        let prepared = gw
            .send(wallet(
                "/wallet/api/prepare",
                json!({"payload": payload, "publicKey": public}),
            ))
            .await;
        assert_eq!(
            (prepared.status, prepared.code()),
            (StatusCode::CONFLICT, "CODE_NOT_PAYABLE")
        );
        let bad_key = gw
            .send(wallet("/wallet/api/account", json!({"publicKey": "00"})))
            .await;
        assert_eq!(bad_key.status, StatusCode::BAD_REQUEST);
    }
}

/// A shop's hold code (issue 27) in the wallet: quoted as a hold with its
/// tip limit and capture deadline, prepared as `authorize_signed_hold`, and
/// refused by name when altered, another gateway's, or for another chain.
#[tokio::test]
async fn wallet_takes_a_shops_hold_code_and_refuses_an_altered_one() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        let m = gw.merchant("YENPAY CAFE").await;
        let created = gw
            .call(
                &m,
                "POST",
                "/v2/holds/codes",
                Some(json!({
                    "merchantPaymentId": "PUMP-7",
                    "amount": {"amount": 10_000, "currency": "JPY"},
                    "tipLimit": {"amount": 500, "currency": "JPY"},
                    "authorizationExpiry": NOW + 3_600,
                })),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
        let url = created.body["data"]["url"].as_str().unwrap().to_owned();

        let quote = gw
            .send(wallet("/wallet/api/quote", json!({"payload": url})))
            .await;
        assert_eq!(quote.status, StatusCode::OK, "{}", quote.text);
        let q = &quote.body["data"];
        assert_eq!(q["kind"], "hold");
        assert_eq!(q["status"], "CREATED");
        assert_eq!(q["payable"], true);
        assert_eq!(q["amount"]["amount"], 10_000);
        assert_eq!(q["tipLimit"]["amount"], 500);
        assert_eq!(q["captureBefore"], NOW + 3_600);
        assert_eq!(q["merchantPaymentId"], "PUMP-7");
        assert!(q.get("reviewDeadline").is_none(), "{q}");

        let public = const_hex::encode(
            SigningKey::from_bytes(&[7u8; 32])
                .verifying_key()
                .to_bytes(),
        );
        let prepared = gw
            .send(wallet(
                "/wallet/api/prepare",
                json!({"payload": url, "publicKey": public}),
            ))
            .await;
        assert_eq!(prepared.status, StatusCode::OK, "{}", prepared.text);
        let raw: RawTransaction = aptos_bcs::from_bytes(
            &const_hex::decode(prepared.body["data"]["rawTransaction"].as_str().unwrap()).unwrap(),
        )
        .unwrap();
        match raw.payload {
            TransactionPayload::EntryFunction(call) => {
                assert_eq!(call.module.name.as_str(), "hold");
                assert_eq!(call.function, "authorize_signed_hold");
            }
            other => panic!("not an entry function: {other:?}"),
        }

        // Altered: another amount (its signature no longer matters: the
        // gateway's hold says otherwise), another reference, another chain.
        for (text, status, code) in [
            (
                url.replace("amount=10000", "amount=1000"),
                StatusCode::CONFLICT,
                "AMOUNT_MISMATCH",
            ),
            (
                url.replace("tip=500", "tip=5000"),
                StatusCode::CONFLICT,
                "AMOUNT_MISMATCH",
            ),
            (
                url.replace("hold=PUMP-7", "hold=PUMP-8"),
                StatusCode::NOT_FOUND,
                "HOLD_NOT_FOUND",
            ),
            (
                url.replace("chain=4", "chain=1"),
                StatusCode::BAD_REQUEST,
                "INVALID_PAYLOAD",
            ),
        ] {
            assert_ne!(text, url);
            let answer = gw
                .send(wallet("/wallet/api/quote", json!({"payload": text})))
                .await;
            assert_eq!(
                (answer.status, answer.code()),
                (status, code),
                "{text}: {}",
                answer.text
            );
        }

        // Past the code's expiry: quoted as such and not prepared.
        gw.clock.advance(3_600);
        let late = gw
            .send(wallet("/wallet/api/quote", json!({"payload": url})))
            .await;
        assert_eq!(late.body["data"]["status"], "EXPIRED", "{}", late.text);
        assert_eq!(late.body["data"]["payable"], false);
        let prepared = gw
            .send(wallet(
                "/wallet/api/prepare",
                json!({"payload": url, "publicKey": public}),
            ))
            .await;
        assert_eq!(
            (prepared.status, prepared.code()),
            (StatusCode::CONFLICT, "CODE_NOT_PAYABLE"),
            "{}",
            prepared.text
        );
    }
}

/// `payload` with its CRC recomputed.
fn reseal(payload: &str) -> String {
    let body = &payload[..payload.len() - 4];
    format!("{body}{}", yenpay_qr::crc::checksum_hex(body.as_bytes()))
}

#[tokio::test]
async fn shutdown_ends_open_payment_streams() {
    let db = backends().await.remove(0);
    let gw = TestGateway::new(&db).await;
    let m = gw.merchant("YENPAY CAFE").await;
    let cookie = login(&gw, &m).await;
    gw.create_code(&m, "OPEN-1", 1000).await;
    let Running {
        address,
        stop,
        task: server,
        ..
    } = gw.run(false).await;
    let mut stream = reqwest::Client::new()
        .get(format!("http://{address}/pos/api/codes/OPEN-1/events"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    let first = stream.chunk().await.unwrap().expect("the first event");
    assert!(String::from_utf8_lossy(&first).contains("event: payment"));

    // The code is open for minutes; a graceful stop must not wait for it.
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the gateway stopped with a payment stream open")
        .unwrap()
        .unwrap();
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        while stream.chunk().await.unwrap_or(None).is_some() {}
    })
    .await;
    assert!(ended.is_ok(), "the stream ended at shutdown");
}

/// Mutations of real codes (bytes flipped, cut, spliced) and plain noise:
/// the wallet's reader answers each with a 4xx and a code, never a 5xx.
#[tokio::test]
async fn the_wallet_reader_never_fails_on_mangled_codes() {
    use rand::{Rng, SeedableRng};
    let db = backends().await.remove(0);
    let gw = TestGateway::new(&db).await;
    let m = gw.merchant("YENPAY CAFE").await;
    let code = gw.create_code(&m, "FUZZ-1", 1234).await;
    let seeds = [
        code.body["data"]["qrPayload"].as_str().unwrap().to_owned(),
        code.body["data"]["url"].as_str().unwrap().to_owned(),
    ];
    let mut rng = rand::rngs::StdRng::seed_from_u64(19);
    let mut statuses = std::collections::BTreeMap::new();
    for round in 0..600 {
        let seed = seeds[round % 2].as_bytes();
        let mut bytes = seed.to_vec();
        match round % 4 {
            0 => {
                for _ in 0..rng.gen_range(1..4) {
                    let at = rng.gen_range(0..bytes.len());
                    bytes[at] = rng.gen_range(0x20..0x7f);
                }
            }
            1 => bytes.truncate(rng.gen_range(0..bytes.len())),
            2 => {
                let at = rng.gen_range(0..bytes.len());
                let other = seeds[(round + 1) % 2].as_bytes();
                bytes.splice(
                    at..at,
                    other[..rng.gen_range(0..other.len())].iter().copied(),
                );
            }
            _ => {
                bytes = (0..rng.gen_range(0..300))
                    .map(|_| rng.r#gen::<u8>())
                    .collect();
            }
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let answer = gw
            .send(wallet("/wallet/api/quote", json!({"payload": text})))
            .await;
        assert!(
            answer.status.is_client_error() || answer.status == StatusCode::OK,
            "{text:?}: {} {}",
            answer.status,
            answer.text
        );
        assert!(
            !answer.code().is_empty() && answer.code() != "<none>",
            "{}",
            answer.text
        );
        *statuses.entry(answer.code().to_owned()).or_insert(0) += 1;
    }
    eprintln!("wallet reader answers over 600 mangled codes: {statuses:?}");
    // Most mutations break the CRC or the format; the reader said so.
    assert!(
        statuses.get("INVALID_PAYLOAD").copied().unwrap_or(0) > 300,
        "{statuses:?}"
    );
}
