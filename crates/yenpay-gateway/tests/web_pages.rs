//! The POS and wallet pages in a real headless browser (chromium through
//! chromedriver, see tests/browser), against a gateway on a loopback port.
//! The chain is the recording double of tests/common; payments reach the
//! POS through the real follower applying a recorded node transaction. The
//! same pages against a node: e2e_node.rs.
//!
//! Screenshots go to target/screenshots/.

use crate::browser::{Browser, read_qr, unnamed_for_screen_readers, y4m_showing};
use crate::common::*;
use std::time::Duration;

/// A gateway on a loopback port whose clock starts at the real time (the
/// page counts down against the browser's clock).
/// The database is returned too: dropping it deletes it.
async fn serve() -> (TestDb, TestGateway, String) {
    let db = backends().await.remove(0);
    let gw = TestGateway::new(&db).await;
    gw.clock.set(yenpay_types::time::unix_now() as i64);
    let base = gw.serve().await;
    (db, gw, base)
}

async fn alert_text(browser: &Browser) -> String {
    browser.wait("[role=alert]").await;
    let started = std::time::Instant::now();
    loop {
        let texts = browser
            .client
            .find_all(fantoccini::Locator::Css("[role=alert]"))
            .await
            .unwrap();
        let mut joined = String::new();
        for element in texts {
            joined.push_str(&element.text().await.unwrap_or_default());
        }
        if !joined.trim().is_empty() || started.elapsed() > Duration::from_secs(10) {
            return joined;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Logs in on the POS page with a POS credential.
async fn pos_login(browser: &Browser, base: &str, login: &PosLogin) {
    browser
        .open(&format!("{base}/pos"), "#pos-login-form")
        .await;
    browser
        .fill("#pos-credential-id", &login.credential_id)
        .await;
    browser.fill("#pos-secret", &login.secret).await;
    browser.click("#pos-login-form button[type=submit]").await;
    browser.wait_shown("#pos-amount").await;
}

/// Saves a screenshot of a state and checks it reads: every control
/// labelled, and named in the accessibility tree a screen reader reads
/// (saved beside the screenshot as `<name>.a11y.txt`), every text at WCAG
/// AA contrast.
async fn snapshot(browser: &Browser, name: &str) {
    let png = browser.save_screenshot(name).await;
    let tree = browser.accessibility_tree().await;
    let outline: String = tree
        .iter()
        .map(|(role, name)| format!("{role}: {name}\n"))
        .collect();
    std::fs::write(png.with_extension("a11y.txt"), outline).expect("writing the outline");
    assert_eq!(
        unnamed_for_screen_readers(&tree),
        Vec::<String>::new(),
        "{name}"
    );
    assert_eq!(
        browser.unlabelled_controls().await,
        Vec::<String>::new(),
        "{name}"
    );
    assert_eq!(
        browser.low_contrast_text().await,
        Vec::<String>::new(),
        "{name}"
    );
}

/// Refunds `amount` of `order` from the POS page's recent list.
async fn refund(browser: &Browser, order: &str, amount: &str) {
    browser
        .click(&format!(
            "button.pos-refund[data-merchant-payment-id='{order}']"
        ))
        .await;
    browser.fill("#pos-refund-amount", amount).await;
    browser.click("#pos-refund-confirm").await;
}

#[tokio::test]
async fn pos_page_makes_a_code_shows_it_and_follows_the_payment() {
    let Some(browser) =
        Browser::start("pos_page_makes_a_code_shows_it_and_follows_the_payment").await
    else {
        return;
    };
    let (_db, gw, base) = serve().await;
    let m = gw.merchant("YENPAY CAFE").await;
    // A manager: this test refunds.
    let manager = gw.pos_credential(&m, "manager").await;

    // A wrong secret is refused with the gateway's message; nothing else opens.
    browser
        .open(&format!("{base}/pos"), "#pos-login-form")
        .await;
    assert_eq!(
        browser.lang().await.as_deref(),
        Some("ja"),
        "the POS page is Japanese first"
    );
    assert_eq!(browser.unlabelled_controls().await, Vec::<String>::new());
    browser
        .fill("#pos-credential-id", &manager.credential_id)
        .await;
    browser.fill("#pos-secret", "wrong").await;
    browser.click("#pos-login-form button[type=submit]").await;
    assert!(alert_text(&browser).await.contains("INVALID_CREDENTIALS"));
    // The merchant's API key does not log in either.
    browser.fill("#pos-credential-id", &m.key_id).await;
    browser.fill("#pos-secret", &m.secret).await;
    browser.click("#pos-login-form button[type=submit]").await;
    assert!(alert_text(&browser).await.contains("INVALID_CREDENTIALS"));
    pos_login(&browser, &base, &manager).await;
    browser.wait_text("#pos-role", "店長").await;

    assert_eq!(browser.unlabelled_controls().await, Vec::<String>::new());
    assert_eq!(browser.low_contrast_text().await, Vec::<String>::new());
    // Client-side validation: no request reaches the chain.
    let calls = gw.ledger.calls().len();
    for bad in ["abc", "0", "10000000", "12.5"] {
        browser.fill("#pos-amount", bad).await;
        browser.click("#pos-create").await;
        browser
            .wait_attr(
                "#pos-amount",
                "aria-invalid",
                "true",
                Duration::from_secs(5),
            )
            .await;
    }
    browser.fill("#pos-amount", "1000").await;
    browser.fill("#pos-order", "注文-1").await;
    browser.click("#pos-create").await;
    browser
        .wait_attr("#pos-order", "aria-invalid", "true", Duration::from_secs(5))
        .await;
    assert_eq!(
        gw.ledger.calls().len(),
        calls,
        "invalid input made no invoice"
    );

    // A code: the QR on screen reads back as the payload the gateway returned.
    browser.fill("#pos-order", "ORDER-1").await;
    browser.click("#pos-create").await;
    let qr = browser.wait("#pos-qr").await;
    browser.pos_status("CREATED", Duration::from_secs(10)).await;
    let shown = read_qr(&qr.screenshot().await.unwrap());
    // The payload text sits in a collapsed <details>: read its content, not its rendering.
    let payload = browser
        .wait("#pos-payload")
        .await
        .prop("textContent")
        .await
        .unwrap()
        .unwrap_or_default();
    let stored = gw.call(&m, "GET", "/v2/codes/payments/ORDER-1", None).await;
    assert_eq!(stored.body["data"]["amount"]["amount"], 1000);
    let decoded = yenpay_qr::mpm::YenpayPayment::decode(&shown).expect("a yenpay code");
    assert!(
        matches!(
            &decoded.request,
            yenpay_qr::mpm::PaymentRequest::Signed { order_ref, amount: 1000, .. } if order_ref == "ORDER-1"
        ),
        "{decoded:?}"
    );
    // The picture carries the code the terminal signed: a wallet pays it as it is.
    assert_eq!(
        decoded.signed_offer().ok(),
        issued_offer(&gw, m.address, "ORDER-1").await
    );
    assert_eq!(yenpay_client::address::to_sdk(decoded.merchant), m.address);
    assert_eq!(
        shown,
        payload.trim(),
        "the QR is the payload the page shows"
    );
    let countdown = browser.wait("#pos-countdown").await.text().await.unwrap();
    assert!(
        countdown.contains(':'),
        "a mm:ss countdown, got {countdown:?}"
    );
    snapshot(&browser, "pos-code").await;

    // The follower applies the payment; the page flips to paid without polling.
    pay(&gw, &m, "ORDER-1", 9_000).await;
    let flip = browser
        .pos_status("COMPLETED", Duration::from_secs(5))
        .await;
    eprintln!("POS flipped to paid {flip:?} after the follower's commit (no node)");
    assert!(browser.wait_text("#pos-fee", "10").await.contains("10"));
    assert!(browser.wait_text("#pos-net", "990").await.contains("990"));
    snapshot(&browser, "pos-paid").await;

    // Refund from the recent list; the gateway holds no payout key yet, and says so.
    browser.click("#pos-new").await;
    refund(&browser, "ORDER-1", "300").await;
    assert!(alert_text(&browser).await.contains("PAYOUT_KEY_NOT_HELD"));
    // The merchant makes the gateway's terminal its payout: the refund goes through.
    gw.ledger
        .payouts
        .lock()
        .unwrap()
        .insert(m.address, m.terminal);
    browser.open(&format!("{base}/pos"), "#pos-amount").await;
    refund(&browser, "ORDER-1", "300").await;
    let refunded = async {
        for _ in 0..100 {
            let answer = gw.call(&m, "GET", "/v2/codes/payments/ORDER-1", None).await;
            if answer.body["data"]["refundedAmount"] == 300 {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        false
    };
    assert!(refunded.await, "the refund of 300 was recorded");

    // Cancelled and expired codes.
    // From the keyboard alone: Enter in the order field submits.
    browser.fill("#pos-amount", "500").await;
    browser.fill("#pos-order", "ORDER-2").await;
    browser.press_enter("#pos-order").await;
    browser.pos_status("CREATED", Duration::from_secs(10)).await;
    browser.click("#pos-cancel").await;
    browser
        .pos_status("CANCELED", Duration::from_secs(10))
        .await;
    browser.click("#pos-new").await;
    browser.fill("#pos-amount", "700").await;
    browser.fill("#pos-order", "ORDER-3").await;
    browser.click("#pos-create").await;
    browser.pos_status("CREATED", Duration::from_secs(10)).await;
    gw.clock.advance(3600);
    gw.state.signal_payments_changed();
    browser.pos_status("EXPIRED", Duration::from_secs(10)).await;
    snapshot(&browser, "pos-expired").await;

    // English on request, remembered: the words come from the English file.
    browser.wait_text("#pos-status", "期限切れ").await;
    browser.click("#pos-lang").await;
    browser
        .wait_attr("html", "lang", "en", Duration::from_secs(5))
        .await;
    browser.wait_text("#pos-status", "Expired").await;
    browser.open(&format!("{base}/pos"), "#pos-amount").await;
    browser
        .wait_attr("html", "lang", "en", Duration::from_secs(5))
        .await;
    browser.wait_text("#pos-mode-cpm", "Customer code").await;
    browser.wait_text("#pos-lang", "日本語").await;

    // Customer-presented mode: a bad scan gets the gateway's message.
    browser.click("#pos-mode-cpm").await;
    browser.fill("#pos-cpm-code", "not a customer code").await;
    browser.click("#pos-cpm-submit").await;
    let message = alert_text(&browser).await;
    assert!(message.contains("INVALID"), "got {message:?}");
    // A real customer code settles a new order, and the page shows it paid.
    let customer = Customer {
        key: ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]),
    };
    // The gateway's clock: moved an hour on above, past the last code's expiry.
    let now = yenpay_gateway::Clock::now(gw.clock.as_ref()) as u64;
    browser
        .fill(
            "#pos-cpm-code",
            &customer.code(&m, 800, now - 10, now + 300),
        )
        .await;
    browser.fill("#pos-cpm-amount", "800").await;
    browser.click("#pos-cpm-submit").await;
    browser
        .pos_status("COMPLETED", Duration::from_secs(10))
        .await;
    let payer = browser.wait("#pos-payer").await;
    assert_eq!(
        payer.attr("title").await.unwrap().as_deref(),
        Some(customer.address().as_str()),
        "the payer's full address, shortened on screen"
    );
    snapshot(&browser, "pos-cpm-paid").await;
    browser.close().await;
}

#[tokio::test]
async fn wallet_page_shows_what_is_left_and_asks_who_pays_above_the_threshold() {
    let Some(browser) =
        Browser::start("wallet_page_shows_what_is_left_and_asks_who_pays_above_the_threshold")
            .await
    else {
        return;
    };
    let db = backends().await.remove(0);
    let mut config = config();
    config.compliance.travel_rule.unhosted_threshold = Some(2_000);
    let gw = TestGateway::with_config(&db, config).await;
    gw.clock.set(yenpay_types::time::unix_now() as i64);
    let base = gw.serve().await;
    let m = gw.merchant("YENPAY CAFE").await;
    let code = gw.create_code(&m, "T-1", 2_500).await;
    let payload = code.body["data"]["qrPayload"].as_str().unwrap().to_owned();

    // An unverified customer's limits (the defaults), all left.
    browser
        .open(
            &format!("{base}/wallet?payload={}", urlencoding::encode(&payload)),
            "#wallet-payload",
        )
        .await;
    browser.wait_text("#wallet-limit-now", "50,000").await;
    browser.wait_text("#wallet-limit-day", "100,000").await;
    browser.wait_text("#wallet-limit-month", "300,000").await;
    browser.wait_text("#wallet-amount", "2,500").await;

    // Above the threshold the page asks; paying without an answer is refused here.
    browser.wait_shown("#wallet-declaration").await;
    assert_eq!(browser.unlabelled_controls().await, Vec::<String>::new());
    browser.click("#wallet-pay").await;
    assert!(alert_text(&browser).await.contains("Latin letters"));
    assert!(gw.ledger.signed.lock().unwrap().is_empty());
    browser.fill("#wallet-decl-name", "Suzuki Hanako").await;
    browser.fill("#wallet-decl-line", "1-2-3 Chiyoda").await;
    browser.fill("#wallet-decl-town", "Tokyo").await;
    browser.click("#wallet-pay").await;
    browser.wait_text("#wallet-receipt", "2,500").await;
    assert_eq!(gw.ledger.signed.lock().unwrap().len(), 1);
    // The limits follow the payment.
    browser.wait_text("#wallet-limit-day", "97,500").await;
    snapshot(&browser, "wallet-limits").await;
    browser.close().await;
}

/// A compliance review (issue 28): the payment is answered with a hold code
/// for the same order; the page reads it on its own, says what a hold means,
/// and only the customer's second tap signs the hold (nothing is signed at
/// the first).
#[tokio::test]
async fn wallet_page_holds_a_payment_under_review_instead_of_paying_it() {
    let Some(browser) =
        Browser::start("wallet_page_holds_a_payment_under_review_instead_of_paying_it").await
    else {
        return;
    };
    let db = backends().await.remove(0);
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("screening.txt");
    std::fs::write(&list, "# nobody under review yet\n").unwrap();
    let mut config = config();
    config.compliance.list_file = Some(list.clone());
    let gw = TestGateway::with_config(&db, config).await;
    gw.clock.set(yenpay_types::time::unix_now() as i64);
    let base = gw.serve().await;
    let m = gw.merchant("YENPAY CAFE").await;
    let code = gw.create_code(&m, "R-1", 3_000).await;
    let payload = code.body["data"]["qrPayload"].as_str().unwrap().to_owned();

    browser
        .open(
            &format!("{base}/wallet?payload={}", urlencoding::encode(&payload)),
            "#wallet-payload",
        )
        .await;
    browser.wait_text("#wallet-amount", "3,000").await;
    let address = browser.wait_text("#wallet-address", "0x").await;
    // The page's own key is now on the list, for review.
    std::fs::write(&list, format!("{} review # PEP\n", address.trim())).unwrap();

    browser.click("#wallet-pay").await;
    browser.wait_shown("#wallet-review-note").await;
    browser
        .wait_text("#wallet-review-note", "compliance check")
        .await;
    browser.wait_text("#wallet-pay", "Hold").await;
    browser.wait_text("#wallet-order", "R-1").await;
    let read = browser
        .eval("return document.getElementById('wallet-payload').value")
        .await;
    assert!(
        read.as_str().unwrap().starts_with("yenpay:") && read.as_str().unwrap().contains("hold="),
        "the page read the review's hold code: {read}"
    );
    assert!(
        gw.ledger.signed.lock().unwrap().is_empty(),
        "nothing is signed before the customer agrees to the hold"
    );
    assert_eq!(browser.unlabelled_controls().await, Vec::<String>::new());
    snapshot(&browser, "wallet-review").await;

    browser.click("#wallet-pay").await;
    browser.wait_text("#wallet-receipt-title", "Held").await;
    browser.wait_text("#wallet-receipt-amount", "3,000").await;
    browser
        .wait_text("#wallet-receipt-hold-note", "compliance check")
        .await;
    let signed = gw.ledger.signed.lock().unwrap().clone();
    assert_eq!(signed.len(), 1);
    assert_eq!(signed[0].raw_txn.sender.to_hex(), address.trim());
    match &signed[0].raw_txn.payload {
        // The review's code names the gateway as reviewer: only it can capture.
        aptos_sdk::transaction::TransactionPayload::EntryFunction(call) => {
            assert_eq!(call.function, "authorize_reviewed_hold")
        }
        other => panic!("not an entry function: {other:?}"),
    }
    // The analyst sees the review of this payer, open.
    let open = gw.admin("GET", "/admin/reviews", None).await;
    assert_eq!(open.status, axum::http::StatusCode::OK, "{}", open.text);
    assert!(open.text.contains(address.trim()), "{}", open.text);
    assert!(open.text.contains("\"OPEN\""), "{}", open.text);
    snapshot(&browser, "wallet-held").await;
    browser.close().await;
}

#[tokio::test]
async fn wallet_page_reads_a_code_and_pays_it_with_its_own_key() {
    let Some(browser) =
        Browser::start("wallet_page_reads_a_code_and_pays_it_with_its_own_key").await
    else {
        return;
    };
    let (_db, gw, base) = serve().await;
    let m = gw.merchant("YENPAY CAFE").await;
    let code = gw.create_code(&m, "W-1", 1500).await;
    let payload = code.body["data"]["qrPayload"].as_str().unwrap().to_owned();

    browser
        .open(&format!("{base}/wallet"), "#wallet-payload")
        .await;
    assert_eq!(
        browser.lang().await.as_deref(),
        Some("en"),
        "the wallet page is English first"
    );
    let address = browser.wait_text("#wallet-address", "0x").await;
    assert_eq!(browser.unlabelled_controls().await, Vec::<String>::new());

    // Bad input: a clear message, no payment.
    browser.fill("#wallet-payload", "hello").await;
    browser.click("#wallet-read").await;
    assert!(alert_text(&browser).await.contains("INVALID_PAYLOAD"));

    // A deep link reads the code; the page pays it with its key, the gateway sponsors.
    let link = format!("{base}/wallet?payload={}", urlencoding::encode(&payload));
    browser.open(&link, "#wallet-payload").await;
    browser.wait_text("#wallet-merchant", "YENPAY CAFE").await;
    browser.wait_text("#wallet-order", "W-1").await;
    browser.wait_text("#wallet-amount", "1,500").await;
    let same_address = browser.wait_text("#wallet-address", "0x").await;
    assert_eq!(
        address.trim(),
        same_address.trim(),
        "the key survives a reload"
    );
    browser.click("#wallet-pay").await;
    let tx = browser.wait_text("#wallet-tx", "0x").await;
    browser.wait_text("#wallet-receipt", "1,500").await;
    snapshot(&browser, "wallet-receipt").await;
    // Japanese on request, the receipt re-worded in place; then English again.
    browser.click("#wallet-lang").await;
    browser
        .wait_attr("html", "lang", "ja", Duration::from_secs(5))
        .await;
    browser
        .wait_text("#wallet-receipt-title", "お支払い完了")
        .await;
    browser.wait_text("#wallet-lang", "English").await;
    browser.click("#wallet-lang").await;
    browser.wait_text("#wallet-receipt-title", "Paid").await;

    // What reached the chain: the page's own signature, over a payment from its address.
    let signed = gw.ledger.signed.lock().unwrap().clone();
    assert_eq!(signed.len(), 1);
    assert_eq!(signed[0].raw_txn.sender.to_hex(), address.trim());
    assert!(tx.contains("0x"));
    // The checks themselves catch what they look for.
    browser
        .client
        .execute(
            "const p = document.createElement('p'); p.textContent = 'faint'; p.style.color = '#bbbbbb';
             p.style.background = '#ffffff'; document.body.append(p);
             document.body.append(document.createElement('input'));",
            Vec::new(),
        )
        .await
        .unwrap();
    assert_eq!(browser.low_contrast_text().await.len(), 1);
    assert_eq!(browser.unlabelled_controls().await.len(), 1);
    assert_eq!(
        unnamed_for_screen_readers(&browser.accessibility_tree().await),
        ["textbox"]
    );
    browser.close().await;
}

#[tokio::test]
async fn wallet_page_scans_a_code_with_the_camera() {
    let test = "wallet_page_scans_a_code_with_the_camera";
    let (_db, gw, base) = serve().await;
    let m = gw.merchant("YAMADA SHOTEN").await;
    let code = gw.create_code(&m, "CAM-1", 2400).await;
    let payload = code.body["data"]["qrPayload"].as_str().unwrap().to_owned();
    // The camera films the code as the gateway draws it for the POS.
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("code.y4m");
    let png = yenpay_qr::render::png(&payload, 1).unwrap();
    y4m_showing(Some(&png), &clip);
    let Some(browser) = Browser::start_with_camera(test, &clip).await else {
        return;
    };

    browser
        .open(&format!("{base}/wallet"), "#wallet-scan")
        .await;
    browser.wait_text("#wallet-address", "0x").await;
    browser.click("#wallet-scan").await;
    browser.wait_text("#wallet-merchant", "YAMADA SHOTEN").await;
    browser.wait_text("#wallet-order", "CAM-1").await;
    browser.wait_text("#wallet-amount", "2,400").await;
    // The text read is the payload itself, and the camera is off again.
    assert_eq!(
        browser
            .eval("return document.getElementById('wallet-payload').value")
            .await,
        payload
    );
    assert_eq!(
        browser
            .eval("return document.getElementById('wallet-scan-dialog').open")
            .await,
        false
    );
    assert_eq!(
        browser
            .eval("return document.getElementById('wallet-video').srcObject")
            .await,
        serde_json::Value::Null
    );
    // This Chromium has no BarcodeDetector for QR codes: the embedded reader did it.
    assert_eq!(browser.eval("return typeof window.jsQR").await, "function");
    snapshot(&browser, "wallet-scanned").await;
    browser.click("#wallet-pay").await;
    browser.wait_text("#wallet-receipt", "2,400").await;
    assert_eq!(gw.ledger.signed.lock().unwrap().len(), 1);
    browser.close().await;
}

#[tokio::test]
async fn wallet_camera_stops_on_request_and_says_why_it_cannot_start() {
    let test = "wallet_camera_stops_on_request_and_says_why_it_cannot_start";
    let (_db, _gw, base) = serve().await;
    let dir = tempfile::tempdir().unwrap();
    let blank = dir.path().join("blank.y4m");
    y4m_showing(None, &blank);

    // A camera that sees no code: the dialog stays until the customer stops it.
    let Some(browser) = Browser::start_with_camera(test, &blank).await else {
        return;
    };
    browser
        .open(&format!("{base}/wallet"), "#wallet-scan")
        .await;
    // Starts scanning and keeps the camera's stream, to see it end.
    let start_scanning = async || {
        browser.click("#wallet-scan").await;
        let open = "return document.getElementById('wallet-scan-dialog').open";
        browser.wait_eval(open, true, Duration::from_secs(10)).await;
        let stream = "window.__stream = document.getElementById('wallet-video').srcObject;
                      return window.__stream.getVideoTracks()[0].readyState";
        assert_eq!(browser.eval(stream).await, "live");
    };
    let track = "return window.__stream.getVideoTracks()[0].readyState";
    start_scanning().await;
    snapshot(&browser, "wallet-scanning").await;
    browser.click("#wallet-scan-stop").await;
    assert_eq!(
        browser.eval(track).await,
        "ended",
        "Stop turns the camera off"
    );
    assert_eq!(
        browser.eval("return document.activeElement.id").await,
        "wallet-scan"
    );
    // The same with Esc, the keyboard's way out of a dialog.
    start_scanning().await;
    browser
        .wait("#wallet-scan-stop")
        .await
        .send_keys(&char::from(fantoccini::key::Key::Escape).to_string())
        .await
        .unwrap();
    // The dialog's close event comes as a task of its own: wait for it.
    browser
        .wait_eval(track, "ended", Duration::from_secs(5))
        .await;
    browser.close().await;

    // No camera at all: a message that says so and what to do instead; pasting still works.
    let Some(browser) = Browser::start(test).await else {
        return;
    };
    browser
        .open(&format!("{base}/wallet"), "#wallet-scan")
        .await;
    browser.click("#wallet-scan").await;
    let said = alert_text(&browser).await;
    assert!(said.contains("Paste the code's text"), "{said}");
    assert_eq!(
        browser
            .eval("return document.getElementById('wallet-scan-dialog').open")
            .await,
        false
    );
    browser.close().await;
}

#[tokio::test]
async fn pos_page_scans_a_customer_code_with_the_camera() {
    let test = "pos_page_scans_a_customer_code_with_the_camera";
    let (_db, gw, base) = serve().await;
    let m = gw.merchant("YENPAY CAFE").await;
    let cashier = gw.pos_credential(&m, "cashier").await;
    let customer = Customer {
        key: ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]),
    };
    let now = yenpay_gateway::Clock::now(gw.clock.as_ref()) as u64;
    let code = customer.code(&m, 650, now - 10, now + 300);
    // The till's camera films the customer's phone showing its code.
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("customer.y4m");
    y4m_showing(Some(&yenpay_qr::render::png(&code, 1).unwrap()), &clip);
    let Some(browser) = Browser::start_with_camera(test, &clip).await else {
        return;
    };
    pos_login(&browser, &base, &cashier).await;
    browser.click("#pos-mode-cpm").await;
    browser.click("#pos-cpm-scan").await;
    let value = "return document.getElementById('pos-cpm-code').value";
    browser
        .wait_eval(value, code.as_str(), Duration::from_secs(10))
        .await;
    // Off again, and the cashier is at the amount.
    assert_eq!(
        browser
            .eval("return document.getElementById('pos-scan-dialog').open")
            .await,
        false
    );
    assert_eq!(
        browser.eval("return document.activeElement.id").await,
        "pos-cpm-amount"
    );
    browser.fill("#pos-cpm-amount", "650").await;
    browser.press_enter("#pos-cpm-amount").await;
    browser
        .pos_status("COMPLETED", Duration::from_secs(10))
        .await;
    let payer = browser.wait("#pos-payer").await;
    assert_eq!(
        payer.attr("title").await.unwrap().as_deref(),
        Some(customer.address().as_str())
    );
    snapshot(&browser, "pos-cpm-scanned-paid").await;
    browser.close().await;
}

#[tokio::test]
async fn pages_fit_a_phone_and_a_till_tablet() {
    let Some(browser) = Browser::start("pages_fit_a_phone_and_a_till_tablet").await else {
        return;
    };
    let (_db, gw, base) = serve().await;
    let m = gw.merchant("YENPAY CAFE").await;
    let cashier = gw.pos_credential(&m, "cashier").await;
    let code = gw.create_code(&m, "FIT-1", 980).await;
    let payload = code.body["data"]["qrPayload"].as_str().unwrap().to_owned();
    // A small phone, then a tablet standing upright at a till.
    for (width, height, device) in [(360, 740, "phone"), (768, 1024, "tablet")] {
        assert_eq!(browser.resize(width, height).await, u64::from(width));

        let link = format!("{base}/wallet?payload={}", urlencoding::encode(&payload));
        browser.open(&link, "#wallet-payload").await;
        browser.wait_text("#wallet-amount", "980").await;
        assert_eq!(
            browser.layout_problems().await,
            Vec::<String>::new(),
            "wallet, {device}"
        );
        browser
            .save_screenshot(&format!("{device}-wallet-quote"))
            .await;

        pos_login(&browser, &base, &cashier).await;
        assert_eq!(
            browser.layout_problems().await,
            Vec::<String>::new(),
            "POS, {device}"
        );
        browser.fill("#pos-amount", "1500").await;
        browser.click("#pos-create").await;
        browser.pos_status("CREATED", Duration::from_secs(10)).await;
        assert_eq!(
            browser.layout_problems().await,
            Vec::<String>::new(),
            "POS code, {device}"
        );
        browser.save_screenshot(&format!("{device}-pos-code")).await;
        // The code stays whole and large enough to scan from across the counter.
        let qr = "const r = document.getElementById('pos-qr').getBoundingClientRect();
                  return [Math.round(r.left), Math.round(r.right), Math.round(r.width)]";
        let [left, right, size]: [i64; 3] = serde_json::from_value(browser.eval(qr).await).unwrap();
        assert!(
            left >= 0 && right <= i64::from(width),
            "{device}: the QR spans {left}..{right}"
        );
        // 320 px where the screen has room; on a phone, all but 60 px of frames.
        let room: i64 = serde_json::from_value(
            browser
                .eval("return document.documentElement.clientWidth")
                .await,
        )
        .unwrap();
        assert!(
            size >= 320.min(room - 60),
            "{device}: the QR is {size} px of {room}"
        );
        browser.click("#pos-cancel").await;
        browser
            .pos_status("CANCELED", Duration::from_secs(10))
            .await;
        browser.click("#pos-logout").await;
        browser.wait_shown("#pos-login-form").await;
    }
    browser.close().await;
}

#[tokio::test]
async fn pos_page_shows_the_role_and_says_when_logins_are_throttled() {
    let Some(browser) =
        Browser::start("pos_page_shows_the_role_and_says_when_logins_are_throttled").await
    else {
        return;
    };
    let (_db, gw, base) = serve().await;
    let m = gw.merchant("YENPAY CAFE").await;
    let cashier = gw.pos_credential(&m, "cashier").await;
    gw.create_code(&m, "PAID-1", 1000).await;
    pay(&gw, &m, "PAID-1", 9_100).await;

    // A cashier sees the payment, no refund button, and why.
    pos_login(&browser, &base, &cashier).await;
    browser.wait_text("#pos-role", "レジ担当").await;
    browser.wait_text("#pos-recent", "PAID-1").await;
    browser.wait_shown("#pos-refund-note").await;
    assert_eq!(
        browser
            .eval("return document.querySelectorAll('button.pos-refund').length")
            .await,
        0
    );
    snapshot(&browser, "pos-cashier").await;
    browser.click("#pos-logout").await;
    browser.wait_shown("#pos-login-form").await;

    // Guessing: after the client's limit the page says to wait, in its language.
    let limit = gw.state.config.web.login_failures_per_client;
    for n in 0..=limit {
        browser
            .fill("#pos-credential-id", &cashier.credential_id)
            .await;
        browser.fill("#pos-secret", &format!("guess-{n}")).await;
        browser.click("#pos-login-form button[type=submit]").await;
        let said = alert_text(&browser).await;
        let expected = if n < limit {
            "INVALID_CREDENTIALS"
        } else {
            "POS_LOGIN_THROTTLED"
        };
        assert!(said.contains(expected), "attempt {n}: {said}");
        if n == limit {
            assert!(said.contains("しばらくログインできません"), "{said}");
        }
        // The alert is cleared before the next attempt, so each is read afresh.
        browser
            .client
            .execute(
                "document.getElementById('pos-error').textContent = ''",
                Vec::new(),
            )
            .await
            .unwrap();
    }
    // Even the right secret waits for the window.
    browser
        .fill("#pos-credential-id", &cashier.credential_id)
        .await;
    browser.fill("#pos-secret", &cashier.secret).await;
    browser.click("#pos-login-form button[type=submit]").await;
    assert!(alert_text(&browser).await.contains("POS_LOGIN_THROTTLED"));
    snapshot(&browser, "pos-login-throttled").await;
    browser.close().await;
}

/// A hold on the POS page (issue 27): a cashier shows a hold code for a
/// table, the customer's authorization arrives through the follower, the
/// cashier captures the bill with a tip as the final capture; then another
/// hold is voided.
#[tokio::test]
async fn pos_page_takes_a_hold_and_captures_the_bill_with_a_tip() {
    use crate::holds::{apply, authorized, captured, hold_tx};
    let Some(browser) =
        Browser::start("pos_page_takes_a_hold_and_captures_the_bill_with_a_tip").await
    else {
        return;
    };
    let (_db, gw, base) = serve().await;
    let m = gw.merchant("YENPAY BISTRO").await;
    let cashier = gw.pos_credential(&m, "cashier").await;
    pos_login(&browser, &base, &cashier).await;
    browser.click("#pos-mode-hold").await;
    browser.wait_shown("#pos-hold-amount").await;
    // Amount and tip limit over the cap together: refused on the page.
    browser.fill("#pos-hold-amount", "999999").await;
    browser.fill("#pos-hold-tip-limit", "2").await;
    browser.click("#pos-hold-create").await;
    browser
        .wait_attr(
            "#pos-hold-tip-limit",
            "aria-invalid",
            "true",
            Duration::from_secs(5),
        )
        .await;
    browser.fill("#pos-hold-amount", "5000").await;
    browser.fill("#pos-hold-tip-limit", "1000").await;
    browser.fill("#pos-hold-order", "TABLE-9").await;
    browser.click("#pos-hold-create").await;
    let qr = browser.wait("#pos-hold-qr").await;
    browser
        .wait_attr(
            "#pos-hold-status",
            "data-status",
            "CREATED",
            Duration::from_secs(10),
        )
        .await;
    // The picture is the hold code the terminal signed: a wallet takes it as it is.
    let shown = read_qr(&qr.screenshot().await.unwrap());
    let code = yenpay_qr::hold::decode(&shown).expect("a hold code");
    assert_eq!(
        (code.signed.message.amount, code.signed.message.tip_limit),
        (5_000, 1_000)
    );
    assert_eq!(code.signed.message.hold_ref.as_str(), "TABLE-9");
    snapshot(&browser, "pos-hold-code").await;

    // The customer takes it (seen by the follower): the page shows the hold and the capture form.
    let now = yenpay_gateway::Clock::now(gw.clock.as_ref());
    let capture_before = code.signed.message.capture_before as i64;
    apply(
        &gw,
        hold_tx(
            6_000,
            now,
            None,
            vec![authorized(&m, "TABLE-9", 5_000, 1_000, capture_before)],
        ),
        now,
    )
    .await;
    browser
        .wait_attr(
            "#pos-hold-status",
            "data-status",
            "AUTHORIZED",
            Duration::from_secs(10),
        )
        .await;
    browser.wait_shown("#pos-hold-final").await;
    // More than authorized is refused on the page, before any transaction.
    browser.fill("#pos-hold-final", "5001").await;
    browser.click("#pos-hold-capture").await;
    browser
        .wait_attr(
            "#pos-hold-final",
            "aria-invalid",
            "true",
            Duration::from_secs(5),
        )
        .await;
    assert!(gw.ledger.calls().is_empty());
    browser.fill("#pos-hold-final", "4200").await;
    browser.fill("#pos-hold-tip", "800").await;
    snapshot(&browser, "pos-hold-authorized").await;
    browser.click("#pos-hold-capture").await;
    let started = std::time::Instant::now();
    while gw.ledger.calls().is_empty() && started.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        gw.ledger.calls(),
        [Call::CaptureHold {
            merchant: m.address,
            hold_ref: "TABLE-9".to_owned(),
            amount: 4_200,
            tip: 800,
            release_rest: true,
            signer: m.terminal,
        }]
    );
    let state = gw.call(&m, "GET", "/v2/holds/TABLE-9", None).await;
    let hash = state.body["data"]["operations"][0]["transactionHash"]
        .as_str()
        .unwrap()
        .to_owned();
    apply(
        &gw,
        hold_tx(
            6_001,
            now + 1,
            Some(&hash),
            vec![captured(&m, "TABLE-9", 4_200, 800, 1_000, 0)],
        ),
        now + 1,
    )
    .await;
    browser
        .wait_attr(
            "#pos-hold-status",
            "data-status",
            "CAPTURED",
            Duration::from_secs(10),
        )
        .await;
    browser.wait_text("#pos-hold-tipped", "800").await;
    snapshot(&browser, "pos-hold-captured").await;

    // The next hold is voided in full: everything back to the customer.
    browser.click("#pos-hold-new").await;
    browser.wait_shown("#pos-hold-amount").await;
    browser.fill("#pos-hold-amount", "3000").await;
    browser.fill("#pos-hold-order", "PUMP-3").await;
    browser.click("#pos-hold-create").await;
    browser
        .wait_attr(
            "#pos-hold-status",
            "data-status",
            "CREATED",
            Duration::from_secs(10),
        )
        .await;
    let row = gw.call(&m, "GET", "/v2/holds/PUMP-3", None).await;
    let capture_before = row.body["data"]["authorizationExpiry"].as_i64().unwrap();
    apply(
        &gw,
        hold_tx(
            6_002,
            now + 2,
            None,
            vec![authorized(&m, "PUMP-3", 3_000, 0, capture_before)],
        ),
        now + 2,
    )
    .await;
    browser
        .wait_attr(
            "#pos-hold-status",
            "data-status",
            "AUTHORIZED",
            Duration::from_secs(10),
        )
        .await;
    browser.click("#pos-hold-void").await;
    let started = std::time::Instant::now();
    while gw.ledger.calls().len() < 2 && started.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        gw.ledger.calls()[1],
        Call::VoidHold {
            merchant: m.address,
            hold_ref: "PUMP-3".to_owned(),
            amount: 3_000,
            signer: m.terminal,
        }
    );
    browser.close().await;
}
