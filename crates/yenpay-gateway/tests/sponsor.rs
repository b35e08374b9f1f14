//! Sponsoring: the gateway co-signs as fee payer only a payment of a live
//! invoice with its gas terms, within the expiry and rate limits. Every
//! refusal, and the transaction it does submit. (What keeps it from being
//! turned against the operator: sponsor_abuse.rs.)

use crate::common::*;
use aptos_sdk::account::{Account, Ed25519Account};
use aptos_sdk::transaction::authenticator::{AccountAuthenticator, TransactionAuthenticator};
use aptos_sdk::transaction::sponsored::PartiallySigned;
use aptos_sdk::transaction::{
    EntryFunction, FeePayerRawTransaction, RawTransaction, TransactionPayload,
};
use aptos_sdk::types::{AccountAddress, ChainId};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use yenpay_client::address::{from_sdk, to_sdk};
use yenpay_client::invoice::Calls;
use yenpay_client::types::limits::{OrderRef, Reference};
use yenpay_client::types::offer::{InvoiceOffer, SignedInvoiceOffer};

#[derive(Clone)]
pub struct Tx {
    pub payload: TransactionPayload,
    pub max_gas: u64,
    pub price: u64,
    pub expiration: u64,
    pub chain: u8,
    pub fee_payer: Option<AccountAddress>,
}

impl Tx {
    /// `pay_signed_invoice` of the code the gateway issued for `merchant`'s
    /// `order`, naming `amount` (the code's, or another to see it refused);
    /// for an order the gateway never issued, a code signed by a stranger.
    pub async fn pay(gw: &TestGateway, merchant: AccountAddress, order: &str, amount: u64) -> Self {
        let signed = match issued_offer(gw, merchant, order).await {
            Some(signed) => signed,
            None => stranger_offer(merchant, order, amount),
        };
        Self::pay_code(&signed, amount)
    }

    /// `pay_signed_invoice` of `signed`, naming `amount`.
    pub fn pay_code(signed: &SignedInvoiceOffer, amount: u64) -> Self {
        let offer = &signed.offer;
        let call = Calls::new(package())
            .pay_signed_invoice(
                to_sdk(offer.merchant),
                to_sdk(offer.terminal),
                &offer.order_ref,
                amount,
                offer.expires_at,
                &signed.public_key,
                &signed.signature,
            )
            .unwrap();
        Self::of(TransactionPayload::EntryFunction(call))
    }

    pub fn of(payload: TransactionPayload) -> Self {
        // The gateway's terms (GET /v2/sponsor/info), which it requires exactly.
        Self {
            payload,
            max_gas: 20_000,
            price: 100,
            expiration: NOW as u64 + 60,
            chain: CHAIN_ID,
            fee_payer: None,
        }
    }

    /// Its raw transaction from `sender`.
    pub fn raw(&self, sender: AccountAddress) -> RawTransaction {
        RawTransaction::new(
            sender,
            0,
            self.payload.clone(),
            self.max_gas,
            self.price,
            self.expiration,
            ChainId::new(self.chain),
        )
    }

    /// The request body a wallet sends: its raw transaction and its signature over the fee-payer message.
    pub fn body(&self, customer: &impl Account, operator: AccountAddress) -> Value {
        let raw = self.raw(customer.address());
        let mut partial = PartiallySigned::new(FeePayerRawTransaction::new(
            raw.clone(),
            Vec::new(),
            self.fee_payer.unwrap_or(operator),
        ));
        partial.sign_as_sender(customer).unwrap();
        body_of(&raw, &partial.sender_auth.unwrap())
    }
}

/// A code for `merchant`'s `order` signed by a key the gateway never held.
pub fn stranger_offer(merchant: AccountAddress, order: &str, amount: u64) -> SignedInvoiceOffer {
    let key = ed25519_dalek::SigningKey::from_bytes(&[0x5a; 32]);
    let package = from_sdk(package());
    InvoiceOffer::new(
        CHAIN_ID,
        package,
        from_sdk(merchant),
        yenpay_qr::mpm::legacy_address(&key.verifying_key().to_bytes()),
        OrderRef::new(order).unwrap(),
        amount.max(1),
        NOW as u64 + 300,
    )
    .sign(package, &key)
    .unwrap()
}

/// A request body of `raw` and `authenticator`.
pub fn body_of(raw: &RawTransaction, authenticator: &AccountAuthenticator) -> Value {
    json!({
        "rawTransaction": format!("0x{}", const_hex::encode(aptos_bcs::to_bytes(raw).unwrap())),
        "senderAuthenticator": format!("0x{}", const_hex::encode(aptos_bcs::to_bytes(authenticator).unwrap())),
    })
}

pub async fn post(gw: &TestGateway, body: Value) -> Answer {
    gw.send(
        Request::post("/v2/sponsor")
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
    )
    .await
}

pub fn operator(gw: &TestGateway) -> AccountAddress {
    gw.state.operator.as_ref().unwrap().address()
}

#[tokio::test]
async fn a_live_invoice_payment_is_co_signed_and_submitted() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        let m = gw.merchant("SHOP").await;
        gw.create_code(&m, "S-1", 1500).await;
        let info = gw
            .send(
                Request::get("/v2/sponsor/info")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(info.body["data"]["feePayer"], operator(&gw).to_hex());
        assert_eq!(info.body["data"]["gasUnitPrice"], 100);
        assert_eq!(info.body["data"]["maxGasAmount"], 20_000);
        let customer = Ed25519Account::generate();
        let answer = post(
            &gw,
            Tx::pay(&gw, m.address, "S-1", 1500)
                .await
                .body(&customer, operator(&gw)),
        )
        .await;
        assert_eq!(
            answer.status,
            StatusCode::CREATED,
            "{}: {}",
            db.name,
            answer.text
        );
        assert_eq!(answer.body["data"]["feePayer"], operator(&gw).to_hex());
        let signed = gw.ledger.signed.lock().unwrap().clone();
        assert_eq!(signed.len(), 1);
        assert_eq!(signed[0].raw_txn.sender, customer.address());
        match &signed[0].authenticator {
            TransactionAuthenticator::FeePayer {
                fee_payer_address,
                secondary_signers,
                ..
            } => {
                assert_eq!(*fee_payer_address, operator(&gw));
                assert!(secondary_signers.is_empty());
            }
            other => panic!("not a fee-payer transaction: {other:?}"),
        }
    }
}

#[tokio::test]
async fn every_rule_refuses_what_it_should() {
    for db in backends().await {
        let mut config = config();
        config.sponsor.per_sender_per_minute = 2;
        config.sponsor.per_merchant_per_minute = 3;
        let gw = TestGateway::with_config(&db, config).await;
        let m = gw.merchant("SHOP").await;
        gw.create_code(&m, "S-1", 1500).await;
        gw.create_code(&m, "S-CANCEL", 1500).await;
        let cancel_id = yenpay_gateway::store::payments::code_id(&m.address.to_hex(), "S-CANCEL");
        gw.call(&m, "DELETE", &format!("/v2/codes/{cancel_id}"), None)
            .await;
        let op = operator(&gw);
        let customer = Ed25519Account::generate();
        let calls = Calls::new(package());
        let other_package = Calls::new(AccountAddress::from_hex("0xbad").unwrap());
        let base = Tx::pay(&gw, m.address, "S-1", 1500).await;
        let with = |f: &dyn Fn(&mut Tx)| {
            let mut tx = base.clone();
            f(&mut tx);
            tx
        };
        let cases: Vec<(&str, Tx, StatusCode, &str)> = vec![
            (
                "wrong chain",
                with(&|t| t.chain = 1),
                StatusCode::FORBIDDEN,
                "SPONSOR_WRONG_CHAIN",
            ),
            (
                "orderless payload",
                with(&|t| t.payload = t.payload.clone().into_orderless(7).unwrap()),
                StatusCode::FORBIDDEN,
                "SPONSOR_NOT_ENTRY_FUNCTION",
            ),
            (
                "another function of the package",
                Tx::of(TransactionPayload::EntryFunction(
                    calls
                        .pay_merchant(m.address, 1500, &Reference::new("x").unwrap())
                        .unwrap(),
                )),
                StatusCode::FORBIDDEN,
                "SPONSOR_FUNCTION_NOT_ALLOWED",
            ),
            (
                "another package",
                Tx::of(TransactionPayload::EntryFunction(
                    other_package
                        .pay_invoice(m.address, &OrderRef::new("S-1").unwrap(), 1500)
                        .unwrap(),
                )),
                StatusCode::FORBIDDEN,
                "SPONSOR_FUNCTION_NOT_ALLOWED",
            ),
            (
                "a framework transfer",
                Tx::of(TransactionPayload::EntryFunction(EntryFunction::new(
                    aptos_sdk::types::MoveModuleId::from_str_strict("0x1::aptos_account").unwrap(),
                    "transfer",
                    vec![],
                    vec![
                        aptos_bcs::to_bytes(&m.address).unwrap(),
                        aptos_bcs::to_bytes(&1u64).unwrap(),
                    ],
                ))),
                StatusCode::FORBIDDEN,
                "SPONSOR_FUNCTION_NOT_ALLOWED",
            ),
            (
                "arguments that are not pay_signed_invoice's",
                Tx::of(TransactionPayload::EntryFunction(EntryFunction::new(
                    aptos_sdk::types::MoveModuleId::from_str_strict(&format!("{PACKAGE}::invoice"))
                        .unwrap(),
                    "pay_signed_invoice",
                    vec![],
                    vec![vec![1, 2, 3]],
                ))),
                StatusCode::FORBIDDEN,
                "SPONSOR_BAD_ARGUMENTS",
            ),
            (
                "the payment of an invoice created on chain (the gateway creates none)",
                Tx::of(TransactionPayload::EntryFunction(
                    calls
                        .pay_invoice(m.address, &OrderRef::new("S-1").unwrap(), 1500)
                        .unwrap(),
                )),
                StatusCode::FORBIDDEN,
                "SPONSOR_FUNCTION_NOT_ALLOWED",
            ),
            (
                "a code for a live order signed by a key the gateway never held",
                Tx::pay_code(&stranger_offer(m.address, "S-1", 1500), 1500),
                StatusCode::FORBIDDEN,
                "SPONSOR_NOT_ISSUED_CODE",
            ),
            (
                "the issued code with a later expiry",
                Tx::pay_code(
                    &{
                        let mut later = issued_offer(&gw, m.address, "S-1").await.unwrap();
                        later.offer.expires_at += 60;
                        later
                    },
                    1500,
                ),
                StatusCode::FORBIDDEN,
                "SPONSOR_NOT_ISSUED_CODE",
            ),
            (
                "the issued code naming another terminal",
                Tx::pay_code(
                    &{
                        let mut moved = issued_offer(&gw, m.address, "S-1").await.unwrap();
                        moved.offer.terminal = from_sdk(m.address);
                        moved
                    },
                    1500,
                ),
                StatusCode::FORBIDDEN,
                "SPONSOR_NOT_ISSUED_CODE",
            ),
            (
                "the issued code with another signature",
                Tx::pay_code(
                    &{
                        let mut tampered = issued_offer(&gw, m.address, "S-1").await.unwrap();
                        tampered.signature[0] ^= 1;
                        tampered
                    },
                    1500,
                ),
                StatusCode::FORBIDDEN,
                "SPONSOR_NOT_ISSUED_CODE",
            ),
            (
                "unknown invoice",
                Tx::pay(&gw, m.address, "S-NONE", 1500).await,
                StatusCode::FORBIDDEN,
                "SPONSOR_NO_LIVE_INVOICE",
            ),
            (
                "cancelled invoice",
                Tx::pay(&gw, m.address, "S-CANCEL", 1500).await,
                StatusCode::FORBIDDEN,
                "SPONSOR_NO_LIVE_INVOICE",
            ),
            (
                "wrong amount",
                Tx::pay(&gw, m.address, "S-1", 1499).await,
                StatusCode::FORBIDDEN,
                "SPONSOR_AMOUNT_MISMATCH",
            ),
            (
                "more gas than the gateway's",
                with(&|t| t.max_gas = 20_001),
                StatusCode::FORBIDDEN,
                "SPONSOR_MAX_GAS_MISMATCH",
            ),
            (
                "less gas than the gateway's",
                with(&|t| t.max_gas = 2_000),
                StatusCode::FORBIDDEN,
                "SPONSOR_MAX_GAS_MISMATCH",
            ),
            (
                "gas price",
                with(&|t| t.price = 1_001),
                StatusCode::FORBIDDEN,
                "SPONSOR_GAS_PRICE_MISMATCH",
            ),
            (
                "10x the minimum gas price (accepted before)",
                with(&|t| t.price = 1_000),
                StatusCode::FORBIDDEN,
                "SPONSOR_GAS_PRICE_MISMATCH",
            ),
            (
                "under the gateway's gas price",
                with(&|t| t.price = 99),
                StatusCode::FORBIDDEN,
                "SPONSOR_GAS_PRICE_MISMATCH",
            ),
            (
                "expired",
                with(&|t| t.expiration = NOW as u64),
                StatusCode::FORBIDDEN,
                "SPONSOR_BAD_EXPIRATION",
            ),
            (
                "far expiry",
                with(&|t| t.expiration = NOW as u64 + 121),
                StatusCode::FORBIDDEN,
                "SPONSOR_BAD_EXPIRATION",
            ),
        ];
        for (what, tx, status, code) in cases {
            let answer = post(&gw, tx.body(&customer, op)).await;
            assert_eq!(
                (answer.status, answer.code()),
                (status, code),
                "{what}: {}",
                answer.text
            );
        }
        // Signed for another fee payer, or by someone else than the sender.
        let elsewhere = with(&|t| t.fee_payer = Some(AccountAddress::from_hex("0xfee").unwrap()));
        let answer = post(&gw, elsewhere.body(&customer, op)).await;
        assert_eq!(answer.code(), "SPONSOR_BAD_SIGNATURE");
        let mut forged = Tx::pay(&gw, m.address, "S-1", 1500)
            .await
            .body(&customer, op);
        forged["senderAuthenticator"] = Tx::pay(&gw, m.address, "S-1", 1499)
            .await
            .body(&customer, op)["senderAuthenticator"]
            .clone();
        assert_eq!(post(&gw, forged).await.code(), "SPONSOR_BAD_SIGNATURE");
        assert!(
            gw.ledger.signed.lock().unwrap().is_empty(),
            "nothing was co-signed"
        );

        // Rate limits: two per sender, three per merchant, per minute (one
        // sponsored payment per code, so each pays another code).
        for order in ["S-2", "S-3", "S-4", "S-5"] {
            gw.create_code(&m, order, 1500).await;
        }
        let good = async |order: &str| Tx::pay(&gw, m.address, order, 1500).await;
        assert_eq!(
            post(&gw, good("S-1").await.body(&customer, op))
                .await
                .status,
            StatusCode::CREATED
        );
        assert_eq!(
            post(&gw, good("S-2").await.body(&customer, op))
                .await
                .status,
            StatusCode::CREATED
        );
        let third = post(&gw, good("S-3").await.body(&customer, op)).await;
        assert_eq!(
            (third.status, third.code()),
            (StatusCode::TOO_MANY_REQUESTS, "SPONSOR_SENDER_RATE_LIMITED")
        );
        let second_customer = Ed25519Account::generate();
        assert_eq!(
            post(&gw, good("S-3").await.body(&second_customer, op))
                .await
                .status,
            StatusCode::CREATED
        );
        let busy = post(&gw, good("S-4").await.body(&second_customer, op)).await;
        assert_eq!(
            (busy.status, busy.code()),
            (
                StatusCode::TOO_MANY_REQUESTS,
                "SPONSOR_MERCHANT_RATE_LIMITED"
            )
        );
        gw.clock.advance(61);
        let later = good("S-4").await.with_expiry(NOW as u64 + 120);
        assert_eq!(
            post(&gw, later.body(&second_customer, op)).await.status,
            StatusCode::CREATED
        );
        // Past its expiry the invoice is no longer sponsored.
        gw.clock.advance(300);
        let late = post(
            &gw,
            Tx::pay(&gw, m.address, "S-5", 1500)
                .await
                .with_expiry(NOW as u64 + 400)
                .body(&Ed25519Account::generate(), op),
        )
        .await;
        assert_eq!(late.code(), "SPONSOR_NO_LIVE_INVOICE");
        let metrics = gw
            .send(Request::get("/metrics").body(Body::empty()).unwrap())
            .await;
        assert!(
            metrics.text.contains(
                "yenpay_gateway_sponsor_refusals_total{code=\"SPONSOR_MAX_GAS_MISMATCH\"} 2"
            ),
            "{}",
            metrics.text
        );
    }
}

pub trait WithExpiry {
    fn with_expiry(self, expiration: u64) -> Self;
}

impl WithExpiry for Tx {
    fn with_expiry(mut self, expiration: u64) -> Self {
        self.expiration = expiration;
        self
    }
}

#[tokio::test]
async fn malformed_requests_and_a_gateway_without_a_fee_payer() {
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        for body in [
            json!({}),
            json!({"rawTransaction": "0xzz", "senderAuthenticator": "0x00"}),
            json!({"rawTransaction": "0x0102", "senderAuthenticator": "0x00"}),
            json!("text"),
        ] {
            let answer = post(&gw, body.clone()).await;
            assert_eq!(
                (answer.status, answer.code()),
                (StatusCode::BAD_REQUEST, "INVALID_PARAMS"),
                "{body}"
            );
        }
        let m = gw.merchant("SHOP").await;
        gw.create_code(&m, "S-1", 1500).await;
        let mut body = Tx::pay(&gw, m.address, "S-1", 1500)
            .await
            .body(&Ed25519Account::generate(), operator(&gw));
        body["senderAuthenticator"] = json!("0x0001");
        assert_eq!(post(&gw, body).await.status, StatusCode::BAD_REQUEST);

        let mut without = TestGateway::new(&db).await;
        let state = std::sync::Arc::get_mut(&mut without.state);
        assert!(state.is_none(), "shared with the router");
        let database = yenpay_gateway::store::Db::connect(&db.url).await.unwrap();
        let gateway = yenpay_gateway::Gateway::new(
            database,
            config(),
            yenpay_gateway::crypto::Kek::generate(),
            gw.ledger.clone(),
        );
        let router = yenpay_gateway::router(std::sync::Arc::new(gateway));
        let answer = tower::ServiceExt::oneshot(
            router,
            Request::post("/v2/sponsor").body(Body::from("{}")).unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(answer.status(), StatusCode::SERVICE_UNAVAILABLE);
    }
}

#[tokio::test]
async fn replicas_on_one_database_share_the_rate_limits() {
    for db in backends().await {
        let mut config = config();
        config.sponsor.per_sender_per_minute = 2;
        let first = TestGateway::with_config(&db, config.clone()).await;
        let second = TestGateway::with_config(&db, config).await;
        let m = first.merchant("SHOP").await;
        for order in ["S-1", "S-2", "S-3"] {
            first.create_code(&m, order, 1500).await;
        }
        let customer = Ed25519Account::generate();
        let pay = async |gw: &TestGateway, order: &str| {
            Tx::pay(gw, m.address, order, 1500)
                .await
                .body(&customer, operator(gw))
        };
        assert_eq!(
            post(&first, pay(&first, "S-1").await).await.status,
            StatusCode::CREATED
        );
        assert_eq!(
            post(&second, pay(&second, "S-2").await).await.status,
            StatusCode::CREATED
        );
        // The third, on either replica, is over the sender's limit.
        for gw in [&first, &second] {
            let third = post(gw, pay(gw, "S-3").await).await;
            assert_eq!(
                (third.status, third.code()),
                (StatusCode::TOO_MANY_REQUESTS, "SPONSOR_SENDER_RATE_LIMITED"),
                "{}",
                db.name
            );
        }
        // A minute later the window has moved on, and purging forgets it.
        first.clock.advance(60);
        second.clock.advance(60);
        let later = Tx::pay(&second, m.address, "S-3", 1500)
            .await
            .with_expiry(NOW as u64 + 120)
            .body(&customer, operator(&second));
        assert_eq!(post(&second, later).await.status, StatusCode::CREATED);
        let now = yenpay_gateway::Clock::now(second.clock.as_ref());
        assert_eq!(
            yenpay_gateway::store::rate_limits::purge(&second.state.db.pool, now + 60)
                .await
                .unwrap(),
            3 * 2,
            "each use counts once for the sender and once for the merchant"
        );
    }
}
