//! What a newcomer and a second replica hit on first run (issue 32): the
//! key-encryption key checked against the database, sequence numbers shared
//! by replicas signing for one account, and requests the client abandons.

use crate::common::*;
use axum::http::Request;
use serde_json::json;
use std::collections::BTreeSet;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use yenpay_client::sequence::SequenceNumbers;
use yenpay_gateway::crypto::{Kek, Keyring};
use yenpay_gateway::store::Db;
use yenpay_gateway::store::kek::{self, KekError};
use yenpay_gateway::store::sequences::DbSequenceNumbers;

/// A database with one merchant onboarded (a sealed terminal key, API key and
/// webhook secret) under `kek`.
async fn database_with_secrets(db: &TestDb, kek: Kek) -> TestMerchant {
    let gw = TestGateway::with_kek(db, kek).await;
    let merchant = gw.merchant("Kek Soba").await;
    let hook = gw
        .admin(
            "POST",
            &format!("/admin/merchants/{}/webhooks", merchant.id),
            Some(json!({"url": "https://127.0.0.1:9/hook"})),
        )
        .await;
    assert!(hook.status.is_success(), "{}", hook.text);
    // A saved idempotent answer, sealed too.
    let saved = gw
        .call_idem(
            &merchant,
            "POST",
            "/v2/codes",
            json!({"merchantPaymentId": "kek-1", "amount": {"amount": 100, "currency": "JPY"}}),
            "kek-idem-1",
        )
        .await;
    assert!(saved.status.is_success(), "{}", saved.text);
    merchant
}

#[tokio::test]
async fn a_gateway_refuses_a_key_other_than_the_databases() {
    for db in backends().await {
        let (first, other) = (Kek::generate(), Kek::generate());
        database_with_secrets(&db, first.clone()).await;
        let database = Db::connect(&db.url).await.unwrap();
        // A database from before check values: checked by opening a secret.
        match kek::verify(&database, &Keyring::from(other.clone()), NOW).await {
            Err(KekError::DoesNotOpen { .. }) => {}
            other => panic!("{}: a key that opens nothing was taken: {other:?}", db.name),
        }
        kek::verify(&database, &Keyring::from(first.clone()), NOW)
            .await
            .unwrap();
        // Now the check value is recorded: another key is refused, naming the fix.
        let refused = kek::verify(&database, &Keyring::from(other.clone()), NOW)
            .await
            .unwrap_err();
        assert!(
            matches!(refused, KekError::UnknownKey { .. }),
            "{refused:?}"
        );
        assert!(refused.to_string().contains("YENPAY_KEK_PREVIOUS_FILE"));
        assert!(!refused.to_string().contains(&first.check_value()));
        // The same key starts again.
        kek::verify(&database, &Keyring::from(first.clone()), NOW)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_rotation_reseals_every_secret_under_the_new_key() {
    for db in backends().await {
        let (old, new) = (Kek::generate(), Kek::generate());
        let onboarded = database_with_secrets(&db, old.clone()).await;
        let database = Db::connect(&db.url).await.unwrap();
        kek::verify(&database, &Keyring::from(old.clone()), NOW)
            .await
            .unwrap();
        // Step 1: the new key seals, the old one still opens: both accepted.
        let rotating = Keyring::new(new.clone(), vec![old.clone()]);
        kek::verify(&database, &rotating, NOW).await.unwrap();
        // The old key alone is now refused: the new one may have sealed something.
        assert!(
            kek::verify(&database, &Keyring::from(old.clone()), NOW)
                .await
                .is_err()
        );
        // Step 2: reseal; a terminal key, an API key, a webhook secret and a saved answer move.
        assert_eq!(kek::reseal(&database, &rotating, NOW).await.unwrap(), 4);
        // Step 3: the new key alone opens everything and is accepted; the old is refused.
        kek::verify(&database, &Keyring::from(new.clone()), NOW)
            .await
            .unwrap();
        assert!(matches!(
            kek::verify(&database, &Keyring::from(old.clone()), NOW).await,
            Err(KekError::UnknownKey { .. })
        ));
        // A gateway on the new key alone still signs as the merchant's terminal.
        let gateway = yenpay_gateway::Gateway::new(
            database.clone(),
            config(),
            new.clone(),
            Arc::new(FakeLedger::default()),
        );
        let merchant = yenpay_gateway::store::merchants::by_id(&gateway.db.pool, &onboarded.id)
            .await
            .unwrap()
            .unwrap();
        merchant.terminal_account(&gateway.kek).unwrap();
    }
}

#[tokio::test]
async fn a_reseal_that_cannot_open_a_secret_changes_nothing() {
    let db = backends().await.remove(0);
    let (first, stranger) = (Kek::generate(), Kek::generate());
    database_with_secrets(&db, first.clone()).await;
    let database = Db::connect(&db.url).await.unwrap();
    let wrong = Keyring::new(stranger, vec![]);
    assert!(matches!(
        kek::reseal(&database, &wrong, NOW).await,
        Err(KekError::DoesNotOpen { .. })
    ));
    kek::verify(&database, &Keyring::from(first), NOW)
        .await
        .unwrap();
}

fn gateway_binary(
    db_url: &str,
    kek: &Kek,
    previous: Option<&Kek>,
    extra: &[&str],
) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("kek");
    std::fs::write(&key_file, kek_hex(kek)).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_yenpay-gateway"));
    command
        .env_clear()
        .env("DATABASE_URL", db_url)
        .env("YENPAY_KEK_FILE", &key_file)
        // Nothing listens here: a gateway that got past the key check fails on the node.
        .env("APTOS_NODE_URL", "http://127.0.0.1:9")
        .env("YENPAY_PACKAGE", PACKAGE)
        .env("YENPAY_METADATA", METADATA)
        .env("RUST_LOG", "info")
        .args(extra);
    if let Some(previous) = previous {
        let previous_file = dir.path().join("kek.previous");
        std::fs::write(&previous_file, kek_hex(previous)).unwrap();
        command.env("YENPAY_KEK_PREVIOUS_FILE", previous_file);
    }
    command.output().unwrap()
}

/// Test keys are made from known bytes so the binary can be given them.
fn kek_hex(kek: &Kek) -> String {
    KEYS.with(|keys| {
        keys.borrow()
            .iter()
            .find(|(k, _)| k.check_value() == kek.check_value())
            .map(|(_, hex)| hex.clone())
            .expect("a key made by known_kek")
    })
}

thread_local! {
    static KEYS: std::cell::RefCell<Vec<(Kek, String)>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn known_kek(byte: u8) -> Kek {
    let hex = format!("{byte:02x}").repeat(32);
    let kek = Kek::from_hex(&hex).unwrap();
    KEYS.with(|keys| keys.borrow_mut().push((kek.clone(), hex)));
    kek
}

#[tokio::test]
async fn the_binary_exits_with_a_clear_message_on_another_key() {
    let db = backends().await.remove(0);
    let (first, second) = (known_kek(0x11), known_kek(0x22));
    database_with_secrets(&db, first.clone()).await;
    // --reseal checks the key, seals again under it and exits without the node.
    let recorded = gateway_binary(&db.url, &first, None, &["--reseal"]);
    assert!(
        recorded.status.success(),
        "{}",
        String::from_utf8_lossy(&recorded.stderr)
    );
    let refused = gateway_binary(&db.url, &second, None, &[]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("key-encryption key") && stderr.contains("YENPAY_KEK_PREVIOUS_FILE"),
        "{stderr}"
    );
    // Neither key is printed.
    assert!(!stderr.contains(&"11".repeat(32)) && !stderr.contains(&"22".repeat(32)));
    // The rotation through the binary: new key with the old as previous, reseal, then the new alone.
    let rotated = gateway_binary(&db.url, &second, Some(&first), &["--reseal"]);
    assert!(
        rotated.status.success(),
        "{}",
        String::from_utf8_lossy(&rotated.stderr)
    );
    let old_refused = gateway_binary(&db.url, &first, None, &["--reseal"]);
    assert!(!old_refused.status.success());
    let new_accepted = gateway_binary(&db.url, &second, None, &[]);
    // Past the key check it needs the node, which is not there.
    let stderr = String::from_utf8_lossy(&new_accepted.stderr);
    assert!(
        !new_accepted.status.success() && stderr.contains("reaching the node"),
        "{stderr}"
    );
}

#[tokio::test]
async fn two_replicas_never_hand_out_the_same_sequence_number() {
    for db in backends().await {
        let replicas = [
            Arc::new(DbSequenceNumbers::new(
                Db::connect(&db.url).await.unwrap().pool,
            )),
            Arc::new(DbSequenceNumbers::new(
                Db::connect(&db.url).await.unwrap().pool,
            )),
        ];
        let terminal = package();
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..40 {
            let numbers = replicas[i % 2].clone();
            tasks.spawn(async move {
                match numbers.take(terminal).await.unwrap() {
                    Some(number) => number,
                    // Both may read the chain first: the store keeps the higher count.
                    None => numbers.take_from(terminal, 100).await.unwrap(),
                }
            });
        }
        let mut taken = Vec::new();
        while let Some(number) = tasks.join_next().await {
            taken.push(number.unwrap());
        }
        let distinct: BTreeSet<u64> = taken.iter().copied().collect();
        assert_eq!(
            distinct.len(),
            40,
            "{}: a number was handed out twice: {taken:?}",
            db.name
        );
        assert_eq!(distinct, (100..140).collect(), "{}", db.name);
        // A chain that moved past the store wins; a stale chain read does not go back.
        assert_eq!(replicas[0].take_from(terminal, 500).await.unwrap(), 500);
        assert_eq!(replicas[1].take_from(terminal, 3).await.unwrap(), 501);
        // After a refusal the number is read from the chain again, on every replica.
        replicas[0].forget(terminal).await.unwrap();
        assert_eq!(replicas[1].take(terminal).await.unwrap(), None);
    }
}

#[tokio::test]
async fn an_abandoned_request_is_logged_and_counted() {
    let db = backends().await.remove(0);
    let gw = TestGateway::new(&db).await;
    let merchant = gw.merchant("Slow Ramen").await;
    // A code is signed at once; its cancellation waits for the chain.
    let made = gw.create_code(&merchant, "gone-1", 500).await;
    let path = format!(
        "/v2/codes/{}",
        made.body["data"]["codeId"].as_str().unwrap()
    );
    gw.ledger
        .create_delay_ms
        .store(2_000, std::sync::atomic::Ordering::SeqCst);
    let running = gw.run(false).await;
    let request = gw
        .signed_request(&merchant, "DELETE", &path, None)
        .body(())
        .unwrap();
    let mut raw = format!("DELETE {path} HTTP/1.1\r\nhost: {}\r\n", running.address);
    for (name, value) in request.headers() {
        raw.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap()));
    }
    raw.push_str("content-length: 0\r\n\r\n");
    let mut stream = tokio::net::TcpStream::connect(running.address)
        .await
        .unwrap();
    stream.write_all(raw.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(stream);
    let metrics = format!("http://{}/metrics", running.address);
    let line = r#"yenpay_gateway_http_requests_abandoned_total{method="DELETE",route="/v2/codes/{codeId}"} 1"#;
    let mut seen = String::new();
    for _ in 0..50 {
        seen = reqwest::get(&metrics).await.unwrap().text().await.unwrap();
        if seen.contains(line) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(seen.contains(line), "no abandoned request counted:\n{seen}");
    // A request answered in full is not counted.
    let answered = gw
        .send(
            Request::get("/healthz")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert!(answered.status.is_success());
    assert!(!gw.state.metrics.render().contains(r#"route="/healthz"} 1"#));
    let _ = running.stop.send(());
}
