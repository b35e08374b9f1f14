//! Paying in USDC (issue 29): the desk's quotes (`POST /v2/quotes`), its
//! sealed role keys, the rate keeper against a provider on loopback,
//! sponsoring of `fx::pay_signed_invoice_in_usdc` only for a quote the
//! gateway issued, and the follower's record of `fx::PaidInUsdc`. Abuse
//! first: another code or amount, expired, replayed, forged, flooded.
use crate::common::*;
use crate::sponsor::Tx;
use aptos_sdk::account::Ed25519Account;
use aptos_sdk::transaction::TransactionPayload;
use aptos_sdk::types::AccountAddress;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use yenpay_client::address::from_sdk;
use yenpay_client::types::fx::{FxQuote, SignedFxQuote, usdc_for_yen};
use yenpay_client::types::limits::OrderRef;
use yenpay_gateway::chain::FxDeskState;
use yenpay_gateway::fx::keeper;
use yenpay_gateway::fx::keys::{self, Role};

/// The local test asset's metadata object, as a deployment names it.
const USDC: &str = "0x0000000000000000000000000000000000000000000000000000000000005dc0";
/// ¥150.00 per USDC.
const REFERENCE: u64 = 150_000_000;
/// The gateway's default spread (30 bps) below it.
const DESK_RATE: u64 = 149_550_000;

fn usdc() -> AccountAddress {
    AccountAddress::from_hex(USDC).unwrap()
}

/// A desk on chain whose quote signer is `signer` and rate keeper `keeper`,
/// with a fresh reference of ¥150.
fn desk(signer: AccountAddress, keeper: AccountAddress) -> FxDeskState {
    FxDeskState {
        usdc: Some(usdc()),
        quote_signer: signer,
        rate_keeper: keeper,
        reference_rate: REFERENCE,
        observed_at: NOW as u64 - 10,
        open_policy: (150, 300),
        closed_policy: (300, 259_200),
        limits: (100_000, 1_000_000),
        yen_inventory: 5_000_000,
        usdc_balance: 20_000_000,
    }
}

/// A gateway holding a quote key that is the desk's signer, with a fresh
/// provider reading of ¥150; returns the key's address.
async fn desk_gateway(db: &TestDb) -> (TestGateway, AccountAddress) {
    desk_gateway_with(db, config()).await
}

/// [`desk_gateway`] with `config`.
async fn desk_gateway_with(
    db: &TestDb,
    config: yenpay_gateway::config::Config,
) -> (TestGateway, AccountAddress) {
    let gw = TestGateway::with_config(db, config).await;
    let set = gw
        .admin(
            "POST",
            "/admin/fx/keys",
            Some(json!({"role": "quote_signer"})),
        )
        .await;
    assert_eq!(set.status, StatusCode::CREATED, "{}", set.text);
    let signer = AccountAddress::from_hex(set.body["data"]["address"].as_str().unwrap()).unwrap();
    *gw.ledger.fx.lock().unwrap() = Some(desk(signer, AccountAddress::ONE));
    keeper::store_reading(&gw.state.db.pool, REFERENCE, NOW as u64 - 10, NOW)
        .await
        .unwrap();
    (gw, signer)
}

async fn ask(gw: &TestGateway, merchant: AccountAddress, order: &str, amount: u64) -> Answer {
    let body = json!({
        "merchant": merchant.to_hex(),
        "merchantPaymentId": order,
        "amount": {"amount": amount, "currency": "JPY"},
        "payCurrency": "USDC",
    });
    gw.send(
        Request::builder()
            .method("POST")
            .uri("/v2/quotes")
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
    )
    .await
}

/// The signed quote an answer carries.
fn signed_quote(answer: &Answer, merchant: AccountAddress, order: &str) -> SignedFxQuote {
    let data = &answer.body["data"];
    let number = |field: &str| data[field].as_u64().unwrap();
    let hex = |field: &str| const_hex::decode(data[field].as_str().unwrap()).unwrap();
    SignedFxQuote {
        quote: FxQuote {
            chain_id: data["chainId"].as_u64().unwrap() as u8,
            metadata: yenpay_client::types::objects::metadata_address(from_sdk(package())),
            usdc: from_sdk(AccountAddress::from_hex(data["usdc"].as_str().unwrap()).unwrap()),
            merchant: from_sdk(merchant),
            order_ref: OrderRef::new(order).unwrap(),
            yen_amount: number("yenAmount"),
            usdc_amount: number("usdcAmount"),
            rate: number("rate"),
            expires_at: number("expiresAt"),
        },
        public_key: hex("publicKey").try_into().unwrap(),
        signature: hex("signature").try_into().unwrap(),
    }
}

#[tokio::test]
async fn a_quote_is_signed_for_a_live_code_and_answered_again_until_it_expires() {
    for db in backends().await {
        let (gw, signer) = desk_gateway(&db).await;
        let shop = gw.merchant("Ramen Tourist").await;
        assert_eq!(
            gw.create_code(&shop, "T-1980", 1_980).await.status,
            StatusCode::CREATED
        );

        let first = ask(&gw, shop.address, "T-1980", 1_980).await;
        assert_eq!(first.status, StatusCode::OK, "{}: {}", db.name, first.text);
        let data = &first.body["data"];
        assert_eq!(data["yenAmount"], 1_980);
        assert_eq!(data["rate"], DESK_RATE);
        assert_eq!(data["rateText"], "149.550000");
        let expected = usdc_for_yen(1_980, DESK_RATE).unwrap();
        assert_eq!(data["usdcAmount"], expected);
        assert_eq!(data["expiresAt"], NOW + 60);
        assert_eq!(data["expiresIn"], 60);
        assert_eq!(data["chainId"], CHAIN_ID);
        // What the chain checks, with the key the desk's signer holds.
        let signed = signed_quote(&first, shop.address, "T-1980");
        let package = from_sdk(package());
        signed.check(package, CHAIN_ID, NOW as u64).unwrap();
        assert_eq!(
            AccountAddress::new(aptos_sdk::crypto::derive_authentication_key(
                &signed.public_key,
                aptos_sdk::crypto::ED25519_SCHEME
            )),
            signer
        );
        // Bound to this chain and deployment: elsewhere it does not check.
        assert!(signed.check(package, CHAIN_ID + 1, NOW as u64).is_err());
        assert!(
            signed
                .check(from_sdk(AccountAddress::ONE), CHAIN_ID, NOW as u64)
                .is_err()
        );

        // Asked again (a retry, a replay) while it lives: the same quote, no new row.
        gw.clock.advance(30);
        let again = ask(&gw, shop.address, "T-1980", 1_980).await;
        assert_eq!(
            again.body["data"]["quoteId"], data["quoteId"],
            "{}",
            db.name
        );
        assert_eq!(again.body["data"]["signature"], data["signature"]);
        assert_eq!(again.body["data"]["expiresIn"], 30);
        // Once expired, a new one.
        gw.clock.advance(30);
        gw.ledger.set_head_time(NOW + 60);
        let renewed = ask(&gw, shop.address, "T-1980", 1_980).await;
        assert_eq!(renewed.status, StatusCode::OK, "{}", renewed.text);
        assert_ne!(renewed.body["data"]["quoteId"], data["quoteId"]);
        assert_eq!(renewed.body["data"]["expiresAt"], NOW + 120);
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM fx_quotes")
            .fetch_one(&gw.state.db.pool)
            .await
            .unwrap();
        assert_eq!(rows, 2, "{}", db.name);
    }
}

#[tokio::test]
async fn a_shorter_ttl_and_the_code_s_expiry_bound_the_quote() {
    for db in backends().await {
        let mut config = config();
        config.fx.quote_ttl = Duration::from_secs(20);
        let gw = TestGateway::with_config(&db, config).await;
        let set = gw
            .admin(
                "POST",
                "/admin/fx/keys",
                Some(json!({"role": "quote_signer"})),
            )
            .await;
        let signer =
            AccountAddress::from_hex(set.body["data"]["address"].as_str().unwrap()).unwrap();
        *gw.ledger.fx.lock().unwrap() = Some(desk(signer, AccountAddress::ONE));
        keeper::store_reading(&gw.state.db.pool, REFERENCE, NOW as u64 - 10, NOW)
            .await
            .unwrap();
        let shop = gw.merchant("Short").await;
        gw.create_code(&shop, "S-1", 500).await;
        let quote = ask(&gw, shop.address, "S-1", 500).await;
        assert_eq!(quote.body["data"]["expiresAt"], NOW + 20, "{}", quote.text);
        // The code lives 300 s: 10 s before its end, the quote ends with it.
        gw.clock.advance(290);
        gw.ledger.set_head_time(NOW + 290);
        keeper::store_reading(&gw.state.db.pool, REFERENCE, NOW as u64 + 280, NOW + 290)
            .await
            .unwrap();
        gw.ledger.fx.lock().unwrap().as_mut().unwrap().observed_at = NOW as u64 + 280;
        let late = ask(&gw, shop.address, "S-1", 500).await;
        assert_eq!(late.body["data"]["expiresAt"], NOW + 300, "{}", late.text);
        // The chain's clock bounds the quote: 60 s of chain time at most.
        gw.create_code(&shop, "S-2", 500).await;
        gw.ledger.set_head_time(NOW + 240);
        let lagging = ask(&gw, shop.address, "S-2", 500).await;
        assert_eq!(
            lagging.body["data"]["expiresAt"],
            NOW + 240 + 60,
            "{}",
            lagging.text
        );
        gw.ledger.set_head_time(NOW + 200);
        let behind = ask(&gw, shop.address, "S-2", 500).await;
        assert_eq!(
            behind.body["data"]["quoteId"],
            lagging.body["data"]["quoteId"]
        );
        gw.clock.advance(21);
        let behind = ask(&gw, shop.address, "S-2", 500).await;
        assert_eq!(behind.code(), "FX_CHAIN_BEHIND", "{}", behind.text);
    }
}

#[tokio::test]
async fn quotes_are_refused_by_name() {
    for db in backends().await {
        let (gw, _) = desk_gateway(&db).await;
        let shop = gw.merchant("Refusals").await;
        let other = gw.merchant("Other shop").await;
        gw.create_code(&shop, "R-1", 1_980).await;
        let refused = |answer: &Answer, status: StatusCode, code: &str| {
            assert_eq!(
                (answer.status, answer.code()),
                (status, code),
                "{}: {}",
                db.name,
                answer.text
            );
        };
        // Another amount, another merchant's code, a code never issued.
        refused(
            &ask(&gw, shop.address, "R-1", 1_000).await,
            StatusCode::CONFLICT,
            "FX_AMOUNT_MISMATCH",
        );
        refused(
            &ask(&gw, other.address, "R-1", 1_980).await,
            StatusCode::NOT_FOUND,
            "FX_UNKNOWN_CODE",
        );
        refused(
            &ask(&gw, shop.address, "NEVER", 1_980).await,
            StatusCode::NOT_FOUND,
            "FX_UNKNOWN_CODE",
        );
        // Malformed requests are 400s.
        let euro = gw
            .send(
                Request::builder()
                    .method("POST")
                    .uri("/v2/quotes")
                    .header("content-type", "application/json")
                    .body(Body::from(
                        json!({"merchant": shop.address.to_hex(), "merchantPaymentId": "R-1",
                               "amount": {"amount": 1980, "currency": "JPY"}, "payCurrency": "EUR"})
                        .to_string(),
                    ))
                    .unwrap(),
            )
            .await;
        assert_eq!(euro.status, StatusCode::BAD_REQUEST);

        // What the chain would refuse, refused first.
        let set_desk = |change: fn(&mut FxDeskState)| {
            let mut fx = gw.ledger.fx.lock().unwrap();
            change(fx.as_mut().unwrap());
        };
        let forget = || *gw.state.fx_desk.lock().unwrap() = None;
        set_desk(|d| d.limits.0 = 1_000);
        forget();
        refused(
            &ask(&gw, shop.address, "R-1", 1_980).await,
            StatusCode::FORBIDDEN,
            "FX_OVER_QUOTE_LIMIT",
        );
        set_desk(|d| {
            d.limits.0 = 100_000;
            d.yen_inventory = 1_000;
        });
        forget();
        refused(
            &ask(&gw, shop.address, "R-1", 1_980).await,
            StatusCode::SERVICE_UNAVAILABLE,
            "FX_INSUFFICIENT_INVENTORY",
        );
        set_desk(|d| {
            d.yen_inventory = 5_000_000;
            d.observed_at = NOW as u64 - 301;
        });
        forget();
        refused(
            &ask(&gw, shop.address, "R-1", 1_980).await,
            StatusCode::SERVICE_UNAVAILABLE,
            "FX_REFERENCE_STALE",
        );
        set_desk(|d| {
            d.observed_at = NOW as u64 - 10;
            d.reference_rate = 160_000_000;
        });
        forget();
        refused(
            &ask(&gw, shop.address, "R-1", 1_980).await,
            StatusCode::SERVICE_UNAVAILABLE,
            "FX_RATE_OUT_OF_BAND",
        );
        set_desk(|d| d.reference_rate = 0);
        forget();
        refused(
            &ask(&gw, shop.address, "R-1", 1_980).await,
            StatusCode::SERVICE_UNAVAILABLE,
            "FX_NO_REFERENCE_RATE",
        );
        set_desk(|d| d.reference_rate = REFERENCE);
        // The quote key is no longer the desk's signer (rotated on chain).
        set_desk(|d| d.quote_signer = AccountAddress::ONE);
        forget();
        refused(
            &ask(&gw, shop.address, "R-1", 1_980).await,
            StatusCode::SERVICE_UNAVAILABLE,
            "FX_QUOTE_KEY_NOT_SIGNER",
        );
        // The provider went quiet: its last reading is older than two minutes.
        let (_, signer) = (
            0,
            keys::public_side(&gw.state.db.pool, Role::QuoteSigner)
                .await
                .unwrap()
                .unwrap(),
        );
        let signer = AccountAddress::from_hex(&signer.address).unwrap();
        gw.ledger.fx.lock().unwrap().as_mut().unwrap().quote_signer = signer;
        forget();
        keeper::store_reading(&gw.state.db.pool, REFERENCE, NOW as u64 - 10, NOW - 121)
            .await
            .unwrap();
        refused(
            &ask(&gw, shop.address, "R-1", 1_980).await,
            StatusCode::SERVICE_UNAVAILABLE,
            "FX_RATE_UNAVAILABLE",
        );
        keeper::store_reading(&gw.state.db.pool, REFERENCE, NOW as u64 - 10, NOW)
            .await
            .unwrap();
        // No quote was signed by any of these.
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM fx_quotes")
            .fetch_one(&gw.state.db.pool)
            .await
            .unwrap();
        assert_eq!(rows, 0, "{}", db.name);
        assert_eq!(
            ask(&gw, shop.address, "R-1", 1_980).await.status,
            StatusCode::OK
        );

        // A paid code, and an expired one.
        gw.create_code(&shop, "PAID", 1_000).await;
        pay(&gw, &shop, "PAID", 7_000).await;
        refused(
            &ask(&gw, shop.address, "PAID", 1_000).await,
            StatusCode::CONFLICT,
            "FX_CODE_ALREADY_PAID",
        );
        gw.clock.advance(301);
        refused(
            &ask(&gw, shop.address, "R-1", 1_980).await,
            StatusCode::CONFLICT,
            "FX_CODE_NOT_LIVE",
        );
    }
}

#[tokio::test]
async fn without_a_quote_key_paying_in_usdc_is_off() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        let shop = gw.merchant("No key").await;
        let code = gw.create_code(&shop, "N-1", 1_980).await;
        // The wallet page is told not to offer it.
        let read = post(
            &gw,
            "/wallet/api/quote",
            json!({"payload": code.body["data"]["qrPayload"]}),
        )
        .await;
        assert_eq!(read.body["data"]["payable"], true, "{}", read.text);
        assert_eq!(read.body["data"]["payableInUsdc"], false, "{}", read.text);
        let answer = ask(&gw, shop.address, "N-1", 1_980).await;
        assert_eq!(
            (answer.status, answer.code()),
            (StatusCode::SERVICE_UNAVAILABLE, "FX_DISABLED"),
            "{}",
            answer.text
        );
    }
}

#[tokio::test]
async fn a_flood_of_quote_requests_is_rate_limited() {
    for db in backends().await {
        let (gw, _) = desk_gateway(&db).await;
        let shop = gw.merchant("Flood").await;
        gw.create_code(&shop, "F-1", 1_980).await;
        let mut statuses = Vec::new();
        for _ in 0..25 {
            statuses.push(ask(&gw, shop.address, "F-1", 1_980).await.status);
        }
        let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
        assert_eq!(ok, 20, "{}: {statuses:?}", db.name);
        let limited = ask(&gw, shop.address, "F-1", 1_980).await;
        assert_eq!(limited.code(), "FX_QUOTES_RATE_LIMITED");
        assert_eq!(limited.headers["retry-after"], "60");
        // Twenty answers, one quote signed.
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM fx_quotes")
            .fetch_one(&gw.state.db.pool)
            .await
            .unwrap();
        assert_eq!(rows, 1);
        // A minute on, the code is served again.
        gw.clock.advance(61);
        gw.ledger.set_head_time(NOW + 61);
        assert_eq!(
            ask(&gw, shop.address, "F-1", 1_980).await.status,
            StatusCode::OK
        );
    }
}

#[tokio::test]
async fn the_quote_key_is_sealed_and_never_shown_nor_logged() {
    let log = Capture::install();
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        let secret = "6b6579206f66207468652071756f7465207369676e657220666f722074657374";
        let expected = Ed25519Account::from_private_key_hex(secret)
            .unwrap()
            .address();
        let set = gw
            .admin(
                "POST",
                "/admin/fx/keys",
                Some(json!({"role": "quote_signer", "privateKey": secret})),
            )
            .await;
        assert_eq!(set.status, StatusCode::CREATED, "{}", set.text);
        assert_eq!(set.body["data"]["address"], expected.to_hex());
        assert!(!set.text.contains(secret));
        let status = gw.admin("GET", "/admin/fx", None).await;
        assert_eq!(status.body["data"]["keys"][0]["address"], expected.to_hex());
        assert!(!status.text.contains(secret));
        // At rest: sealed, bound to its role.
        let sealed: String =
            sqlx::query_scalar("SELECT key_enc FROM fx_keys WHERE role = 'quote_signer'")
                .fetch_one(&gw.state.db.pool)
                .await
                .unwrap();
        assert!(!sealed.contains(secret) && sealed.starts_with("v1."));
        let opened = keys::account(&gw.state.db.pool, &gw.state.kek, Role::QuoteSigner)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(opened.address(), expected);
        sqlx::query("INSERT INTO fx_keys (role, address, public_key, key_enc, created_at) VALUES ('rate_keeper', 'x', 'x', $1, 0)")
            .bind(&sealed)
            .execute(&gw.state.db.pool)
            .await
            .unwrap();
        assert!(matches!(
            keys::account(&gw.state.db.pool, &gw.state.kek, Role::RateKeeper).await,
            Err(keys::KeyError::Sealed { .. })
        ));
        let other = yenpay_gateway::crypto::Keyring::from(yenpay_gateway::crypto::Kek::generate());
        assert!(
            keys::account(&gw.state.db.pool, &other, Role::QuoteSigner)
                .await
                .is_err()
        );
        // Not a key, not a role.
        let bad = gw
            .admin(
                "POST",
                "/admin/fx/keys",
                Some(json!({"role": "quote_signer", "privateKey": "0x12"})),
            )
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        let bad = gw
            .admin("POST", "/admin/fx/keys", Some(json!({"role": "treasurer"})))
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    }
    assert!(!log.text().contains("6b6579206f66207468652071756f7465"));
}

/// The USDC payment transaction of `merchant`'s `order` with `quote`.
async fn pay_in_usdc(
    gw: &TestGateway,
    merchant: AccountAddress,
    order: &str,
    quote: &SignedFxQuote,
) -> Tx {
    let code = issued_offer(gw, merchant, order).await.unwrap();
    let call = yenpay_client::fx::Calls::new(package())
        .pay_in_usdc(&code, quote)
        .unwrap();
    let mut tx = Tx::of(TransactionPayload::EntryFunction(call));
    tx.expiration = yenpay_gateway::Clock::now(gw.clock.as_ref()) as u64 + 60;
    tx
}

async fn sponsor(gw: &TestGateway, tourist: &Ed25519Account, tx: &Tx) -> Answer {
    let operator = gw.state.operator.as_ref().unwrap().address();
    let body = tx.body(tourist, operator);
    gw.send(
        Request::builder()
            .method("POST")
            .uri("/v2/sponsor")
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn sponsoring_pays_only_a_quote_the_gateway_issued_exactly_once() {
    for db in backends().await {
        let (gw, _) = desk_gateway(&db).await;
        let shop = gw.merchant("Sponsored FX").await;
        gw.create_code(&shop, "U-1", 1_980).await;
        gw.create_code(&shop, "U-2", 1_980).await;
        let tourist = Ed25519Account::generate();
        let answer = ask(&gw, shop.address, "U-1", 1_980).await;
        let quote = signed_quote(&answer, shop.address, "U-1");
        let refused = |answer: &Answer, code: &str| {
            assert_eq!(answer.code(), code, "{}: {}", db.name, answer.text);
        };

        // Forged: the same terms signed with another key.
        let forger = ed25519_dalek::SigningKey::from_bytes(&[0x42; 32]);
        let forged = quote
            .quote
            .clone()
            .sign(from_sdk(package()), &forger)
            .unwrap();
        refused(
            &sponsor(
                &gw,
                &tourist,
                &pay_in_usdc(&gw, shop.address, "U-1", &forged).await,
            )
            .await,
            "SPONSOR_NOT_ISSUED_QUOTE",
        );
        // Another rate (and the amount it gives), under the real key: never issued.
        let key = keys::signing_key(&gw.state.db.pool, &gw.state.kek, Role::QuoteSigner)
            .await
            .unwrap()
            .unwrap();
        let mut better = quote.quote.clone();
        better.rate = REFERENCE;
        better.usdc_amount = usdc_for_yen(1_980, REFERENCE).unwrap();
        let better = better.sign(from_sdk(package()), &key).unwrap();
        refused(
            &sponsor(
                &gw,
                &tourist,
                &pay_in_usdc(&gw, shop.address, "U-1", &better).await,
            )
            .await,
            "SPONSOR_NOT_ISSUED_QUOTE",
        );
        // U-1's quote on U-2's code.
        let mut moved = quote.clone();
        moved.quote.order_ref = OrderRef::new("U-2").unwrap();
        refused(
            &sponsor(
                &gw,
                &tourist,
                &pay_in_usdc(&gw, shop.address, "U-2", &moved).await,
            )
            .await,
            "SPONSOR_NOT_ISSUED_QUOTE",
        );
        assert!(gw.ledger.signed.lock().unwrap().is_empty());

        // The quote as issued: sponsored, once.
        let tx = pay_in_usdc(&gw, shop.address, "U-1", &quote).await;
        let paid = sponsor(&gw, &tourist, &tx).await;
        assert_eq!(
            paid.status,
            StatusCode::CREATED,
            "{}: {}",
            db.name,
            paid.text
        );
        let signed = gw.ledger.signed.lock().unwrap().clone();
        assert_eq!(signed.len(), 1);
        let TransactionPayload::EntryFunction(call) = &signed[0].raw_txn.payload else {
            panic!("an entry function");
        };
        assert_eq!(
            (call.module.name.as_str(), call.function.as_str()),
            ("fx", "pay_signed_invoice_in_usdc")
        );
        let replayed = sponsor(&gw, &tourist, &tx).await;
        assert_eq!(replayed.status, StatusCode::CONFLICT, "{}", replayed.text);
        refused(&replayed, "SPONSOR_CODE_ALREADY_SPONSORED");

        // Expired: U-2's quote, presented after its minute.
        let answer = ask(&gw, shop.address, "U-2", 1_980).await;
        let late = signed_quote(&answer, shop.address, "U-2");
        gw.clock.advance(60);
        refused(
            &sponsor(
                &gw,
                &tourist,
                &pay_in_usdc(&gw, shop.address, "U-2", &late).await,
            )
            .await,
            "SPONSOR_QUOTE_EXPIRED",
        );
        assert_eq!(gw.ledger.signed.lock().unwrap().len(), 1, "{}", db.name);
    }
}

#[tokio::test]
async fn a_usdc_payment_is_screened_and_limited_as_a_yen_payment_is() {
    for db in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let list = dir.path().join("sanctions.txt");
        let denied = Ed25519Account::generate();
        let reviewed = Ed25519Account::generate();
        std::fs::write(
            &list,
            format!(
                "{} # OFAC SDN test entry\n{} review # PEP\n",
                denied.address().to_hex(),
                reviewed.address().to_hex()
            ),
        )
        .unwrap();
        let mut config = config();
        config.compliance.list_file = Some(list);
        // Counted in yen: ¥1,500 a payment for an unverified payer.
        config.compliance.tiers.unverified = yenpay_gateway::config::Limits {
            per_transaction: 1_500,
            daily: 3_000,
            monthly: 4_500,
        };
        let (gw, _) = desk_gateway_with(&db, config).await;
        let shop = gw.merchant("Screened FX").await;
        gw.create_code(&shop, "S-1000", 1_000).await;
        gw.create_code(&shop, "S-1980", 1_980).await;
        let small = signed_quote(
            &ask(&gw, shop.address, "S-1000", 1_000).await,
            shop.address,
            "S-1000",
        );
        let large = signed_quote(
            &ask(&gw, shop.address, "S-1980", 1_980).await,
            shop.address,
            "S-1980",
        );
        let small_tx = pay_in_usdc(&gw, shop.address, "S-1000", &small).await;
        let large_tx = pay_in_usdc(&gw, shop.address, "S-1980", &large).await;
        let refused = |answer: &Answer, code: &str| {
            assert_eq!(
                (answer.status, answer.code()),
                (StatusCode::FORBIDDEN, code),
                "{}: {}",
                db.name,
                answer.text
            );
        };
        refused(&sponsor(&gw, &denied, &small_tx).await, "SCREENING_DENIED");
        // A review cannot turn a USDC payment into a yen hold: refused.
        refused(
            &sponsor(&gw, &reviewed, &small_tx).await,
            "SCREENING_REVIEW",
        );
        let holds: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM holds")
            .fetch_one(&gw.state.db.pool)
            .await
            .unwrap();
        assert_eq!(holds, 0, "{}", db.name);
        // ¥1,980 (13.2 USDC) is over the payer's ¥1,500.
        let tourist = Ed25519Account::generate();
        refused(
            &sponsor(&gw, &tourist, &large_tx).await,
            "CUSTOMER_LIMIT_PER_TRANSACTION",
        );
        assert!(gw.ledger.signed.lock().unwrap().is_empty(), "{}", db.name);
        // Within it: sponsored.
        let paid = sponsor(&gw, &tourist, &small_tx).await;
        assert_eq!(
            paid.status,
            StatusCode::CREATED,
            "{}: {}",
            db.name,
            paid.text
        );
        assert_eq!(gw.ledger.signed.lock().unwrap().len(), 1);
    }
}

/// A provider on loopback answering what the test sets (`None`: 500), after `delay`.
struct Provider {
    url: String,
    answer: Arc<Mutex<Option<Value>>>,
    delay: Arc<Mutex<Duration>>,
}

async fn provider() -> Provider {
    let answer = Arc::new(Mutex::new(None::<Value>));
    let delay = Arc::new(Mutex::new(Duration::ZERO));
    let (a, d) = (answer.clone(), delay.clone());
    let app = axum::Router::new().route(
        "/usdjpy",
        axum::routing::get(move || {
            let (a, d) = (a.clone(), d.clone());
            async move {
                let wait = *d.lock().unwrap();
                tokio::time::sleep(wait).await;
                match a.lock().unwrap().clone() {
                    Some(body) => (StatusCode::OK, body.to_string()),
                    None => (StatusCode::INTERNAL_SERVER_ERROR, String::new()),
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/usdjpy", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Provider { url, answer, delay }
}

#[tokio::test]
async fn the_rate_keeper_updates_the_reference_when_it_moves_or_ages_and_never_from_a_failed_provider()
 {
    for db in backends().await {
        let source = provider().await;
        let mut config = config();
        config.fx.provider_url = Some(source.url.clone());
        config.fx.provider_timeout = Duration::from_millis(300);
        let gw = TestGateway::with_config(&db, config).await;
        let set = gw
            .admin(
                "POST",
                "/admin/fx/keys",
                Some(json!({"role": "rate_keeper"})),
            )
            .await;
        let keeper_address =
            AccountAddress::from_hex(set.body["data"]["address"].as_str().unwrap()).unwrap();
        let mut start = desk(AccountAddress::ONE, keeper_address);
        start.observed_at = NOW as u64 - 60;
        *gw.ledger.fx.lock().unwrap() = Some(start);
        let http = reqwest::Client::new();
        let updates = || {
            gw.ledger
                .calls()
                .into_iter()
                .filter(|c| matches!(c, Call::SetReferenceRate { .. }))
                .collect::<Vec<_>>()
        };

        // Moved by 0.66%: updated, signed by the keeper's key.
        *source.answer.lock().unwrap() = Some(json!({"rate": "151.00", "observedAt": NOW - 5}));
        let pass = keeper::pass(&gw.state, &http).await.unwrap();
        assert_eq!(
            pass.reading,
            Some((151_000_000, NOW as u64 - 5)),
            "{}",
            db.name
        );
        assert!(pass.updated.is_some());
        assert_eq!(
            updates(),
            vec![Call::SetReferenceRate {
                rate: 151_000_000,
                observed_at: NOW as u64 - 5,
                signer: keeper_address
            }]
        );
        // The same reading again: nothing to do.
        assert!(
            keeper::pass(&gw.state, &http)
                .await
                .unwrap()
                .updated
                .is_none()
        );
        // Moved by less than 10 bps and young: not updated.
        *source.answer.lock().unwrap() = Some(json!({"rate": 151.05, "observedAt": NOW - 1}));
        assert!(
            keeper::pass(&gw.state, &http)
                .await
                .unwrap()
                .updated
                .is_none()
        );
        // The same rate, but the chain's reference aged past two minutes: updated.
        gw.clock.advance(130);
        gw.ledger.set_head_time(NOW + 130);
        *source.answer.lock().unwrap() = Some(json!({"rate": "151.00", "observedAt": NOW + 129}));
        assert!(
            keeper::pass(&gw.state, &http)
                .await
                .unwrap()
                .updated
                .is_some()
        );
        assert_eq!(updates().len(), 2);

        // A failing, slow, lying or malformed provider: counted, nothing stored or sent.
        let failures = || gw.state.metrics.fx_provider_failures.get();
        let before = failures();
        gw.clock.advance(30);
        for answer in [
            None,
            Some(json!({"rate": "0", "observedAt": NOW + 150})),
            Some(json!({"rate": "abc", "observedAt": NOW + 150})),
            Some(json!({"rate": "160.00", "observedAt": NOW + 3_600})),
            Some(json!({"rate": "160.00"})),
        ] {
            *source.answer.lock().unwrap() = answer;
            let pass = keeper::pass(&gw.state, &http).await.unwrap();
            assert_eq!((pass.reading, pass.updated), (None, None), "{}", db.name);
        }
        *source.answer.lock().unwrap() = Some(json!({"rate": "160.00", "observedAt": NOW + 150}));
        *source.delay.lock().unwrap() = Duration::from_secs(2);
        let started = std::time::Instant::now();
        let pass = keeper::pass(&gw.state, &http).await.unwrap();
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!(pass.reading, None);
        assert_eq!(failures() - before, 6);
        assert_eq!(updates().len(), 2);
        let stored = yenpay_gateway::fx::quotes::reading(&gw.state.db.pool)
            .await
            .unwrap();
        assert_eq!(stored.map(|r| r.0), Some(151_000_000));

        // A key that is not the chain's rate keeper submits nothing.
        *source.delay.lock().unwrap() = Duration::ZERO;
        gw.ledger.fx.lock().unwrap().as_mut().unwrap().rate_keeper = AccountAddress::ONE;
        assert!(
            keeper::pass(&gw.state, &http)
                .await
                .unwrap()
                .updated
                .is_none()
        );
        assert_eq!(updates().len(), 2);
    }
}

#[tokio::test]
async fn the_desk_s_inventory_exposure_and_low_inventory_alarm_are_metrics() {
    let log = Capture::install();
    for db in backends().await {
        let mut config = config();
        config.fx.low_inventory_yen = 1_000_000;
        let gw = TestGateway::with_config(&db, config).await;
        let mut state = desk(AccountAddress::ONE, AccountAddress::ONE);
        state.yen_inventory = 2_000_000;
        state.usdc_balance = 100_000_000; // 100 USDC at ¥150: ¥15,000
        *gw.ledger.fx.lock().unwrap() = Some(state);
        let http = reqwest::Client::new();
        let pass = keeper::pass(&gw.state, &http).await.unwrap();
        assert!(!pass.low_inventory);
        let metrics = &gw.state.metrics;
        assert_eq!(metrics.fx_yen_inventory.get(), 2_000_000);
        assert_eq!(metrics.fx_usdc_held.get(), 100_000_000);
        assert_eq!(metrics.fx_exposure_yen.get(), 15_000);
        assert_eq!(metrics.fx_inventory_low.get(), 0);
        gw.ledger.fx.lock().unwrap().as_mut().unwrap().yen_inventory = 999_999;
        assert!(keeper::pass(&gw.state, &http).await.unwrap().low_inventory);
        assert_eq!(metrics.fx_inventory_low.get(), 1);
        let page = gw
            .send(Request::get("/metrics").body(Body::empty()).unwrap())
            .await;
        assert!(
            page.text.contains("yenpay_gateway_fx_desk_inventory_low 1"),
            "{}",
            page.text
        );
        assert!(
            page.text
                .contains("yenpay_gateway_fx_desk_exposure_yen 15000")
        );
    }
    assert!(log.text().contains("the FX desk's yen inventory is low"));
}

#[tokio::test]
async fn the_follower_records_a_usdc_payment_and_its_webhook_carries_both_amounts() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        let shop = gw.merchant("Follower FX").await;
        let hook = gw
            .admin(
                "POST",
                &format!("/admin/merchants/{}/webhooks", shop.id),
                Some(json!({"url": "http://127.0.0.1:9/hook"})),
            )
            .await;
        assert_eq!(hook.status, StatusCode::CREATED, "{}", hook.text);
        gw.create_code(&shop, "FX-1000", 1_000).await;
        let version = 8_000;
        let mut paid = signed_payment_tx(&gw, &shop, "FX-1000", version).await;
        let events = paid["events"].as_array_mut().unwrap();
        let mut usdc_event = events.last().unwrap().clone();
        usdc_event["type"] = json!(format!("{PACKAGE}::fx::PaidInUsdc"));
        usdc_event["data"] = json!({
            "merchant": shop.address.to_hex(),
            "order_ref": "FX-1000",
            "payer": Ed25519Account::generate().address().to_hex(),
            "yen_amount": "1000",
            "usdc_amount": "6686727",
            "rate": "149550000",
            "reference_rate": "150000000",
        });
        events.push(usdc_event);
        paid["payload"]["function"] = json!(format!("{PACKAGE}::fx::pay_signed_invoice_in_usdc"));
        let head = yenpay_gateway::chain::LedgerHead {
            version: version + 1,
            timestamp_us: NOW as u64 * 1_000_000,
            chain_id: CHAIN_ID,
            oldest_version: 0,
        };
        seek(&gw, version).await;
        yenpay_gateway::follower::apply_page(
            &gw.state,
            &[paid.clone()],
            head,
            yenpay_gateway::follower::Finish::Commit,
        )
        .await
        .unwrap();
        let payment = yenpay_gateway::store::payments::by_merchant_payment_id(
            &gw.state.db.pool,
            &shop.address.to_hex(),
            "FX-1000",
        )
        .await
        .unwrap()
        .unwrap();
        let fx = yenpay_gateway::follower::fx::of_payment(&gw.state.db.pool, &payment.code_id)
            .await
            .unwrap()
            .expect("recorded");
        assert_eq!(fx["usdcAmount"], 6_686_727, "{}", db.name);
        assert_eq!(fx["usdcAmountText"], "6.686727");
        assert_eq!(fx["rateText"], "149.550000");
        let bodies: Vec<String> = sqlx::query_scalar(
            "SELECT body FROM webhook_outbox WHERE event_type = 'PAYMENT_COMPLETED'",
        )
        .fetch_all(&gw.state.db.pool)
        .await
        .unwrap();
        assert_eq!(bodies.len(), 1, "{}", db.name);
        let body: Value = serde_json::from_str(&bodies[0]).unwrap();
        assert_eq!(body["data"]["amount"]["amount"], 1_000);
        assert_eq!(body["data"]["fx"]["usdcAmount"], 6_686_727);
        assert_eq!(body["data"]["fx"]["rate"], 149_550_000);
        // The payment's view shows it too.
        let shown = gw
            .call(&shop, "GET", "/v2/codes/payments/FX-1000", None)
            .await;
        assert_eq!(
            shown.body["data"]["fx"]["usdcAmount"], 6_686_727,
            "{}",
            shown.text
        );
        // A page read twice changes nothing.
        seek(&gw, version).await;
        yenpay_gateway::follower::apply_page(
            &gw.state,
            &[paid],
            head,
            yenpay_gateway::follower::Finish::Commit,
        )
        .await
        .unwrap();
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM fx_payments")
            .fetch_one(&gw.state.db.pool)
            .await
            .unwrap();
        assert_eq!(rows, 1);
    }
}

async fn post(gw: &TestGateway, path: &str, body: Value) -> Answer {
    gw.send(
        Request::builder()
            .method("POST")
            .uri(path)
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn the_wallet_page_prepares_a_usdc_payment_only_at_a_live_quote_of_its_code() {
    for db in backends().await {
        let (gw, _) = desk_gateway(&db).await;
        let shop = gw.merchant("Wallet FX").await;
        let a = gw.create_code(&shop, "WA", 1_980).await;
        let b = gw.create_code(&shop, "WB", 1_980).await;
        let payload = |code: &Answer| code.body["data"]["qrPayload"].as_str().unwrap().to_owned();
        // The page offers USDC where the gateway holds the quote key.
        let read = post(&gw, "/wallet/api/quote", json!({"payload": payload(&a)})).await;
        assert_eq!(read.body["data"]["payableInUsdc"], true, "{}", read.text);
        let quote_a = post(
            &gw,
            "/wallet/api/usdc-quote",
            json!({"payload": payload(&a)}),
        )
        .await;
        assert_eq!(
            quote_a.status,
            StatusCode::OK,
            "{}: {}",
            db.name,
            quote_a.text
        );
        assert_eq!(quote_a.body["data"]["yenAmount"], 1_980);
        let quote_b = post(
            &gw,
            "/wallet/api/usdc-quote",
            json!({"payload": payload(&b)}),
        )
        .await;
        let key = Ed25519Account::generate();
        let public_key = const_hex::encode(key.public_key().to_bytes());
        let prepare = |code: &Answer, quote: &Answer| json!({"payload": payload(code), "publicKey": public_key, "usdcQuoteId": quote.body["data"]["quoteId"]});
        // Another code's quote.
        let wrong = post(&gw, "/wallet/api/prepare", prepare(&a, &quote_b)).await;
        assert_eq!(wrong.code(), "FX_UNKNOWN_QUOTE", "{}", wrong.text);
        // Its own: the USDC payment at exactly that quote.
        let prepared = post(&gw, "/wallet/api/prepare", prepare(&a, &quote_a)).await;
        assert_eq!(prepared.status, StatusCode::OK, "{}", prepared.text);
        let raw: aptos_sdk::transaction::RawTransaction = aptos_bcs::from_bytes(
            &const_hex::decode(prepared.body["data"]["rawTransaction"].as_str().unwrap()).unwrap(),
        )
        .unwrap();
        let TransactionPayload::EntryFunction(call) = &raw.payload else {
            panic!("an entry function");
        };
        assert_eq!(call.function, "pay_signed_invoice_in_usdc");
        let arg = |i: usize| aptos_bcs::from_bytes::<u64>(&call.args[i]).unwrap();
        assert_eq!(
            (arg(7), arg(8), arg(9)),
            (
                quote_a.body["data"]["usdcAmount"].as_u64().unwrap(),
                DESK_RATE,
                quote_a.body["data"]["expiresAt"].as_u64().unwrap()
            )
        );
        // A shop's hold code is not paid in USDC: not offered, not quoted, not prepared so.
        let hold = gw
            .call(
                &shop,
                "POST",
                "/v2/holds/codes",
                Some(json!({
                    "merchantPaymentId": "WH",
                    "amount": {"amount": 1_980, "currency": "JPY"},
                    "tipLimit": {"amount": 0, "currency": "JPY"},
                    "authorizationExpiry": NOW + 3_600,
                })),
            )
            .await;
        assert_eq!(hold.status, StatusCode::CREATED, "{}", hold.text);
        let hold_url = hold.body["data"]["url"].as_str().unwrap().to_owned();
        let read = post(&gw, "/wallet/api/quote", json!({"payload": hold_url})).await;
        assert_eq!(
            (
                &read.body["data"]["kind"],
                &read.body["data"]["payableInUsdc"]
            ),
            (&json!("hold"), &json!(false)),
            "{}",
            read.text
        );
        let refused = post(&gw, "/wallet/api/usdc-quote", json!({"payload": hold_url})).await;
        assert_eq!(
            refused.code(),
            "CODE_NOT_PAYABLE_IN_USDC",
            "{}",
            refused.text
        );
        let refused = post(
            &gw,
            "/wallet/api/prepare",
            json!({"payload": hold_url, "publicKey": public_key, "usdcQuoteId": quote_a.body["data"]["quoteId"]}),
        )
        .await;
        assert_eq!(
            refused.code(),
            "CODE_NOT_PAYABLE_IN_USDC",
            "{}",
            refused.text
        );
        // After its minute.
        gw.clock.advance(60);
        let late = post(&gw, "/wallet/api/prepare", prepare(&a, &quote_a)).await;
        assert_eq!(late.code(), "FX_QUOTE_EXPIRED", "{}", late.text);
    }
}
