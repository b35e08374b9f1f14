//! Shared test harness: a gateway on each database backend, a recording
//! double of the chain, signed requests.
//!
//! Every test that touches the database runs on SQLite and, when
//! `YENPAY_TEST_DATABASE_URL` names a PostgreSQL server, on PostgreSQL too
//! (a fresh schema per test). Without it the PostgreSQL half is skipped and
//! says so on the terminal (written past the test harness's capture).
#![allow(dead_code)]

use aptos_sdk::account::Ed25519Account;
use aptos_sdk::transaction::SignedTransaction;
use aptos_sdk::types::AccountAddress;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Once};
use tower::ServiceExt;
use yenpay_client::events::YenpayEvent;
use yenpay_client::hold::{HoldAuthorized, HoldCaptured, HoldEvent, HoldVoided};
use yenpay_client::invoice::{
    InvoiceCancelled, InvoiceCreated, InvoiceEvent, InvoicePaid, InvoiceRefunded,
};
use yenpay_client::tax_refund::{Purchase, RefundStatus};
use yenpay_client::types::authorization::SignedAuthorization;
use yenpay_client::types::collection::SignedCollectionRequest;
use yenpay_client::types::limits::OrderRef;
use yenpay_client::types::tax_refund::SignedExportAttestation;
use yenpay_gateway::auth::sign_request;
use yenpay_gateway::chain::{
    AccountState, ChainError, FxDeskState, Ledger, LedgerHead, Lookup, Simulated, TxOutcome,
};
use yenpay_gateway::config::Config;
use yenpay_gateway::crypto::Kek;
use yenpay_gateway::follower::{self, Finish};
use yenpay_gateway::store::Db;
use yenpay_gateway::{AppState, Gateway, ManualClock};
use zeroize::Zeroizing;

pub const PACKAGE: &str = "0x9777e26669fcafad3ed4354d0a4172a2fc109899615aa0d326495859e55aefdf";
pub const METADATA: &str = "0x667314a9730f827471279e5f113f931bf841f218bedbfc5e0e09478726334213";
pub const CHAIN_ID: u8 = 4;
pub const NOW: i64 = 1_796_092_500;
pub const ADMIN_TOKEN: &str = "admin-token-for-tests";
/// The genesis transaction's hash the chain double reports.
pub const GENESIS: &str = "0x6c1e5ea5a0a1bd0e2c0a4b4d5c2c7cf9a3a40fbb39b0c3ae2e2bb3b1d3a0f001";

pub fn package() -> AccountAddress {
    AccountAddress::from_hex(PACKAGE).unwrap()
}

/// A database for one test.
pub struct TestDb {
    pub name: &'static str,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

static SKIP_NOTICE: Once = Once::new();

/// The backends to run a test on: SQLite always, PostgreSQL when configured.
pub async fn backends() -> Vec<TestDb> {
    let dir = tempfile::tempdir().unwrap();
    let mut out = vec![TestDb {
        name: "sqlite",
        url: format!("sqlite://{}", dir.path().join("gateway.db").display()),
        _dir: Some(dir),
    }];
    match std::env::var("YENPAY_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => out.push(TestDb {
            name: "postgres",
            url: fresh_schema(&url).await,
            _dir: None,
        }),
        _ => SKIP_NOTICE.call_once(|| {
            // Straight to the terminal: the harness would swallow eprintln! of a passing test.
            let _ = writeln!(
                std::io::stderr(),
                "\n*** yenpay-gateway: PostgreSQL tests SKIPPED: YENPAY_TEST_DATABASE_URL is not set \
                 (cargo xtask test sets it when PostgreSQL is installed) ***\n"
            );
        }),
    }
    out
}

static SCHEMA_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A new schema on the server, and a URL whose connections use it.
async fn fresh_schema(url: &str) -> String {
    use sqlx::Connection;
    let schema = format!(
        "t{}_{}_{}",
        std::process::id(),
        SCHEMA_COUNTER.fetch_add(1, Ordering::SeqCst),
        yenpay_gateway::crypto::random_hex(4)
    );
    let mut conn = sqlx::PgConnection::connect(url)
        .await
        .expect("YENPAY_TEST_DATABASE_URL must name a reachable PostgreSQL");
    sqlx::Executor::execute(&mut conn, format!("CREATE SCHEMA {schema}").as_str())
        .await
        .unwrap();
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}options=-c%20search_path%3D{schema}")
}

/// One recorded chain call.
#[derive(Debug, Clone, PartialEq)]
pub enum Call {
    Cancel {
        merchant: AccountAddress,
        order: String,
        signer: AccountAddress,
    },
    CancelSigned {
        merchant: AccountAddress,
        order: String,
        expires_at: u64,
        signer: AccountAddress,
    },
    Refund {
        merchant: AccountAddress,
        order: String,
        amount: u64,
        signer: AccountAddress,
    },
    /// `collect_signed_invoice`: `terminal` signed the request (its
    /// signature and pairing with the code checked by the double), which
    /// expires at `expires_at`.
    Collect {
        order: String,
        from: String,
        amount: u64,
        terminal: AccountAddress,
        expires_at: u64,
    },
    Submit {
        sender: AccountAddress,
    },
    CaptureHold {
        merchant: AccountAddress,
        hold_ref: String,
        amount: u64,
        tip: u64,
        release_rest: bool,
        signer: AccountAddress,
    },
    VoidHold {
        merchant: AccountAddress,
        hold_ref: String,
        amount: u64,
        signer: AccountAddress,
    },
    Purge {
        invoices: Vec<(AccountAddress, String)>,
        signer: AccountAddress,
    },
    SetReferenceRate {
        rate: u64,
        observed_at: u64,
        signer: AccountAddress,
    },
    /// `claim_tax_refunds`: (merchant, order, traveller) of each claim.
    ClaimTaxRefunds {
        claims: Vec<(AccountAddress, String, AccountAddress)>,
        signer: AccountAddress,
    },
}

/// What the next call answers.
#[derive(Debug, Clone)]
pub enum Next {
    Succeed,
    /// The chain refuses it (an abort, or the node's 400 at submission).
    Reject(String),
    /// The node does not answer once the transaction is signed: its outcome
    /// is unknown ([`ChainError::Unknown`]); it stays uncommitted until the
    /// test commits or drops it ([`FakeLedger::commit`]).
    Unavailable,
}

/// How long the double's transactions stay valid, seconds (as a client's expiration).
pub const TX_LIFETIME: u64 = 60;

/// A recording double of the chain: it answers like the package would for
/// the happy path (the events the contract emits), or as told.
pub struct FakeLedger {
    pub calls: Mutex<Vec<Call>>,
    pub next: Mutex<Next>,
    pub payouts: Mutex<std::collections::HashMap<AccountAddress, AccountAddress>>,
    pub signed: Mutex<Vec<SignedTransaction>>,
    pub page: Mutex<Vec<Value>>,
    pub head_version: AtomicU64,
    /// How many times the head was read.
    pub head_reads: AtomicU64,
    /// The chain id the node reports.
    pub chain_id: std::sync::atomic::AtomicU8,
    /// The oldest version it serves (pruning).
    pub oldest_version: AtomicU64,
    /// Its genesis transaction's hash (`None`: pruned).
    pub genesis: Mutex<Option<String>>,
    version: AtomicU64,
    pub refunded: Mutex<std::collections::HashMap<String, u64>>,
    pub accounts: Mutex<std::collections::HashMap<AccountAddress, AccountState>>,
    /// The chain's time: the test's clock.
    pub clock: Arc<ManualClock>,
    /// How long a cancellation takes, in milliseconds (0: at once).
    pub create_delay_ms: AtomicU64,
    /// How long `submit_signed` takes, in milliseconds (0: at once).
    pub submit_delay_ms: AtomicU64,
    /// Gas units a simulation says a transaction uses.
    pub simulated_gas: AtomicU64,
    /// Gas units a submitted transaction is charged (what the chain reports).
    pub charged_gas: AtomicU64,
    /// What `submit_signed` answers, when set (otherwise `next`).
    pub submit_next: Mutex<Option<Next>>,
    /// When set, simulations fail with this abort name.
    pub simulate_abort: Mutex<Option<String>>,
    /// Transactions simulated.
    pub simulated: Mutex<Vec<SignedTransaction>>,
    /// APT balances, octas (100 APT when not set).
    pub apt_balances: Mutex<std::collections::HashMap<AccountAddress, u64>>,
    /// Answers to come before `next` (first in, first out).
    pub queue: Mutex<std::collections::VecDeque<Next>>,
    /// What `lookup` answers, by hash: every transaction the double
    /// answered for, and those with an unknown outcome until the test says.
    pub lookups: Mutex<std::collections::HashMap<String, Lookup>>,
    /// Transactions whose outcome was unknown, by hash: what they would
    /// emit if committed.
    pub limbo: Mutex<std::collections::HashMap<String, Vec<YenpayEvent>>>,
    /// The head's chain time, microseconds.
    pub head_timestamp_us: AtomicU64,
    /// Order references `is_purgeable` says no to (a refund window still open).
    pub not_purgeable: Mutex<std::collections::HashSet<String>>,
    /// What a hold holds after a capture or void the double answers.
    pub hold_left: AtomicU64,
    /// The FX desk (`None`: the node has none, as the trait's default says).
    pub fx: Mutex<Option<FxDeskState>>,
    /// Tax-free purchases and their refund status, by (merchant, order).
    pub tax_refunds:
        Mutex<std::collections::HashMap<(AccountAddress, String), (Purchase, RefundStatus)>>,
    /// The refund agent's current key (`None`: any key is the agent's).
    pub refund_agent_key: Mutex<Option<[u8; 32]>>,
}

impl Default for FakeLedger {
    fn default() -> Self {
        Self {
            calls: Mutex::default(),
            next: Mutex::new(Next::Succeed),
            payouts: Mutex::default(),
            signed: Mutex::default(),
            page: Mutex::default(),
            head_version: AtomicU64::new(10_000),
            head_reads: AtomicU64::new(0),
            chain_id: std::sync::atomic::AtomicU8::new(CHAIN_ID),
            oldest_version: AtomicU64::new(0),
            genesis: Mutex::new(Some(GENESIS.to_owned())),
            version: AtomicU64::new(5_000),
            refunded: Mutex::default(),
            accounts: Mutex::default(),
            clock: Arc::new(ManualClock::new(NOW)),
            create_delay_ms: AtomicU64::new(0),
            submit_delay_ms: AtomicU64::new(0),
            // The measured payment (docs/figures.md), and a node that charges what it simulated.
            simulated_gas: AtomicU64::new(278),
            charged_gas: AtomicU64::new(278),
            submit_next: Mutex::new(None),
            simulate_abort: Mutex::new(None),
            simulated: Mutex::default(),
            apt_balances: Mutex::default(),
            queue: Mutex::default(),
            lookups: Mutex::default(),
            limbo: Mutex::default(),
            head_timestamp_us: AtomicU64::new(NOW as u64 * 1_000_000),
            not_purgeable: Mutex::default(),
            hold_left: AtomicU64::new(0),
            fx: Mutex::new(None),
            tax_refunds: Mutex::default(),
            refund_agent_key: Mutex::default(),
        }
    }
}

impl FakeLedger {
    fn outcome(&self, events: Vec<YenpayEvent>) -> Result<TxOutcome, ChainError> {
        let next = self
            .queue
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or_else(|| self.next.lock().unwrap().clone());
        self.outcome_as(next, events)
    }

    fn outcome_as(&self, next: Next, events: Vec<YenpayEvent>) -> Result<TxOutcome, ChainError> {
        match next {
            Next::Succeed => {
                let version = self.version.fetch_add(1, Ordering::SeqCst);
                let outcome = TxOutcome {
                    hash: format!("0x{:064x}", version),
                    version,
                    events,
                    gas_used: self.charged_gas.load(Ordering::SeqCst),
                };
                self.lookups
                    .lock()
                    .unwrap()
                    .insert(outcome.hash.clone(), Lookup::Committed(outcome.clone()));
                Ok(outcome)
            }
            Next::Reject(code) => Err(ChainError::Rejected {
                message: format!("aborted: {code}"),
                code,
            }),
            Next::Unavailable => {
                let hash = format!("0x{:064x}", 0xdead_0000 + self.limbo.lock().unwrap().len());
                self.limbo.lock().unwrap().insert(hash.clone(), events);
                self.lookups
                    .lock()
                    .unwrap()
                    .insert(hash.clone(), Lookup::NotCommitted);
                Err(ChainError::Unknown {
                    hash,
                    expires_at: self.now() + TX_LIFETIME,
                    detail: "connection reset".to_owned(),
                })
            }
        }
    }

    /// Commits the transaction `hash` whose outcome was unknown: `lookup`
    /// finds it from now on. Returns it.
    pub fn commit(&self, hash: &str) -> TxOutcome {
        let events = self.limbo.lock().unwrap().remove(hash).expect("in limbo");
        let version = self.version.fetch_add(1, Ordering::SeqCst);
        let outcome = TxOutcome {
            hash: hash.to_owned(),
            version,
            events,
            gas_used: self.charged_gas.load(Ordering::SeqCst),
        };
        self.lookups
            .lock()
            .unwrap()
            .insert(hash.to_owned(), Lookup::Committed(outcome.clone()));
        outcome
    }

    /// The version the next committed transaction gets (to keep the
    /// double's versions in step with pages a test applies).
    pub fn set_version(&self, version: u64) {
        self.version.store(version, Ordering::SeqCst);
    }

    /// Moves the head's chain time to `secs` (Unix seconds).
    pub fn set_head_time(&self, secs: i64) {
        self.head_timestamp_us
            .store(secs as u64 * 1_000_000, Ordering::SeqCst);
    }

    fn now(&self) -> u64 {
        yenpay_gateway::Clock::now(self.clock.as_ref()) as u64
    }

    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }

    pub fn set_next(&self, next: Next) {
        *self.next.lock().unwrap() = next;
    }
}

#[async_trait::async_trait]
impl Ledger for FakeLedger {
    async fn cancel_invoice(
        &self,
        terminal: &Ed25519Account,
        merchant: AccountAddress,
        order: &OrderRef,
    ) -> Result<TxOutcome, ChainError> {
        self.calls.lock().unwrap().push(Call::Cancel {
            merchant,
            order: order.as_str().to_owned(),
            signer: terminal.address(),
        });
        self.outcome(vec![YenpayEvent::Invoice(InvoiceEvent::InvoiceCancelled(
            InvoiceCancelled {
                merchant,
                order_ref: order.as_str().to_owned(),
                cancelled_by: terminal.address(),
            },
        ))])
    }

    async fn cancel_signed_invoice(
        &self,
        terminal: &Ed25519Account,
        merchant: AccountAddress,
        order: &OrderRef,
        expires_at: u64,
    ) -> Result<TxOutcome, ChainError> {
        let delay = self.create_delay_ms.load(Ordering::SeqCst);
        if delay > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
        }
        self.calls.lock().unwrap().push(Call::CancelSigned {
            merchant,
            order: order.as_str().to_owned(),
            expires_at,
            signer: terminal.address(),
        });
        self.outcome(vec![YenpayEvent::Invoice(InvoiceEvent::InvoiceCancelled(
            InvoiceCancelled {
                merchant,
                order_ref: order.as_str().to_owned(),
                cancelled_by: terminal.address(),
            },
        ))])
    }

    async fn refund(
        &self,
        payout: &Ed25519Account,
        merchant: AccountAddress,
        order: &OrderRef,
        amount: u64,
    ) -> Result<TxOutcome, ChainError> {
        self.calls.lock().unwrap().push(Call::Refund {
            merchant,
            order: order.as_str().to_owned(),
            amount,
            signer: payout.address(),
        });
        // Only a committed refund adds to the chain's running total.
        let total = self
            .refunded
            .lock()
            .unwrap()
            .get(order.as_str())
            .copied()
            .unwrap_or_default()
            + amount;
        let outcome = self.outcome(vec![YenpayEvent::Invoice(InvoiceEvent::InvoiceRefunded(
            InvoiceRefunded {
                merchant,
                order_ref: order.as_str().to_owned(),
                payer: AccountAddress::from_hex("0xc057").unwrap(),
                amount,
                fee_returned: amount / 100,
                refunded_total: total,
            },
        ))]);
        if outcome.is_ok() {
            self.refunded
                .lock()
                .unwrap()
                .insert(order.as_str().to_owned(), total);
        }
        outcome
    }

    async fn capture_hold(
        &self,
        terminal: &Ed25519Account,
        merchant: AccountAddress,
        hold_ref: &OrderRef,
        amount: u64,
        tip: u64,
        release_rest: bool,
    ) -> Result<TxOutcome, ChainError> {
        self.calls.lock().unwrap().push(Call::CaptureHold {
            merchant,
            hold_ref: hold_ref.as_str().to_owned(),
            amount,
            tip,
            release_rest,
            signer: terminal.address(),
        });
        // What the package emits at a 1% fee; the double keeps no hold, so
        // what is released and left is the test's `hold_left` (0 by default).
        let left = self.hold_left.load(Ordering::SeqCst);
        let fee = (amount + tip) / 100;
        self.outcome(vec![YenpayEvent::Hold(HoldEvent::HoldCaptured(
            HoldCaptured {
                merchant,
                hold_ref: hold_ref.as_str().to_owned(),
                customer: AccountAddress::from_hex("0xc057").unwrap(),
                amount,
                tip,
                fee,
                net: amount + tip - fee,
                released: if release_rest { left } else { 0 },
                held: if release_rest { 0 } else { left },
                captured_by: terminal.address(),
            },
        ))])
    }

    async fn void_hold(
        &self,
        terminal: &Ed25519Account,
        merchant: AccountAddress,
        hold_ref: &OrderRef,
        amount: u64,
    ) -> Result<TxOutcome, ChainError> {
        self.calls.lock().unwrap().push(Call::VoidHold {
            merchant,
            hold_ref: hold_ref.as_str().to_owned(),
            amount,
            signer: terminal.address(),
        });
        self.outcome(vec![YenpayEvent::Hold(HoldEvent::HoldVoided(HoldVoided {
            merchant,
            hold_ref: hold_ref.as_str().to_owned(),
            customer: AccountAddress::from_hex("0xc057").unwrap(),
            amount,
            held: self.hold_left.load(Ordering::SeqCst),
            voided_by: terminal.address(),
        }))])
    }

    async fn collect(
        &self,
        _terminal: &Ed25519Account,
        request: &SignedCollectionRequest,
        code: &SignedAuthorization,
    ) -> Result<TxOutcome, ChainError> {
        // What the chain checks of the pair: the request verifies and names
        // this code.
        let package = yenpay_client::address::from_sdk(package());
        assert!(request.verify(package).is_ok(), "the request verifies");
        assert!(request.pairs_with(code), "the request names the code");
        let (r, a) = (&request.request, &code.authorization);
        self.calls.lock().unwrap().push(Call::Collect {
            order: r.order_ref.as_str().to_owned(),
            from: a.from.to_hex(),
            amount: a.amount,
            terminal: yenpay_client::address::to_sdk(r.terminal),
            expires_at: r.expires_at,
        });
        let merchant = yenpay_client::address::to_sdk(a.to);
        let order_ref = r.order_ref.as_str().to_owned();
        self.outcome(vec![
            YenpayEvent::Invoice(InvoiceEvent::InvoiceCreated(InvoiceCreated {
                merchant,
                order_ref: order_ref.clone(),
                amount: a.amount,
                expires_at: r.expires_at,
                created_by: yenpay_client::address::to_sdk(r.terminal),
            })),
            YenpayEvent::Invoice(InvoiceEvent::InvoicePaid(InvoicePaid {
                merchant,
                order_ref,
                payer: yenpay_client::address::to_sdk(a.from),
                amount: a.amount,
                fee: a.amount / 100,
                net: a.amount - a.amount / 100,
                paid_at: self.now(),
            })),
        ])
    }

    async fn payout_of(&self, merchant: AccountAddress) -> Result<AccountAddress, ChainError> {
        Ok(self
            .payouts
            .lock()
            .unwrap()
            .get(&merchant)
            .copied()
            .unwrap_or(merchant))
    }

    async fn account(&self, address: AccountAddress) -> Result<AccountState, ChainError> {
        if let Next::Unavailable = *self.next.lock().unwrap() {
            return Err(ChainError::Unavailable("connection refused".to_owned()));
        }
        Ok(self
            .accounts
            .lock()
            .unwrap()
            .get(&address)
            .copied()
            .unwrap_or(AccountState {
                exists: false,
                sequence_number: 0,
                balance: 0,
            }))
    }

    async fn simulate(&self, transaction: &SignedTransaction) -> Result<Simulated, ChainError> {
        self.simulated.lock().unwrap().push(transaction.clone());
        match self.simulate_abort.lock().unwrap().clone() {
            Some(name) => Err(ChainError::Rejected {
                message: format!(
                    "Move abort in {PACKAGE}::invoice: {name}(0x10004): the simulated abort"
                ),
                code: name,
            }),
            None => Ok(Simulated {
                gas_used: self.simulated_gas.load(Ordering::SeqCst),
            }),
        }
    }

    async fn apt_balance(&self, address: AccountAddress) -> Result<u64, ChainError> {
        Ok(self
            .apt_balances
            .lock()
            .unwrap()
            .get(&address)
            .copied()
            .unwrap_or(10_000_000_000))
    }

    async fn submit_signed(&self, transaction: SignedTransaction) -> Result<TxOutcome, ChainError> {
        let delay = self.submit_delay_ms.load(Ordering::SeqCst);
        if delay > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
        }
        self.calls.lock().unwrap().push(Call::Submit {
            sender: transaction.raw_txn.sender,
        });
        // A sponsored pay_signed_invoice emits what the package would:
        // InvoiceCreated and InvoicePaid at a 1% fee.
        let mut events = Vec::new();
        if let aptos_sdk::transaction::TransactionPayload::EntryFunction(call) =
            &transaction.raw_txn.payload
            && call.function == "pay_signed_invoice"
            && let [merchant, terminal, order, amount, expires_at, _, _] = call.args.as_slice()
        {
            let amount: u64 = aptos_bcs::from_bytes(amount).unwrap();
            events.push(YenpayEvent::Invoice(InvoiceEvent::InvoiceCreated(
                InvoiceCreated {
                    merchant: aptos_bcs::from_bytes(merchant).unwrap(),
                    order_ref: aptos_bcs::from_bytes(order).unwrap(),
                    amount,
                    expires_at: aptos_bcs::from_bytes(expires_at).unwrap(),
                    created_by: aptos_bcs::from_bytes(terminal).unwrap(),
                },
            )));
            events.push(YenpayEvent::Invoice(InvoiceEvent::InvoicePaid(
                InvoicePaid {
                    merchant: aptos_bcs::from_bytes(merchant).unwrap(),
                    order_ref: aptos_bcs::from_bytes(order).unwrap(),
                    payer: transaction.raw_txn.sender,
                    amount,
                    fee: amount / 100,
                    net: amount - amount / 100,
                    paid_at: self.now(),
                },
            )));
        }
        // A sponsored pay_signed_invoice_in_usdc emits the same and PaidInUsdc.
        if let aptos_sdk::transaction::TransactionPayload::EntryFunction(call) =
            &transaction.raw_txn.payload
            && call.function == "pay_signed_invoice_in_usdc"
            && let [
                merchant,
                terminal,
                order,
                amount,
                expires_at,
                _,
                _,
                usdc_amount,
                rate,
                ..,
            ] = call.args.as_slice()
        {
            let amount: u64 = aptos_bcs::from_bytes(amount).unwrap();
            let merchant: AccountAddress = aptos_bcs::from_bytes(merchant).unwrap();
            let order_ref: String = aptos_bcs::from_bytes(order).unwrap();
            events.push(YenpayEvent::Invoice(InvoiceEvent::InvoiceCreated(
                InvoiceCreated {
                    merchant,
                    order_ref: order_ref.clone(),
                    amount,
                    expires_at: aptos_bcs::from_bytes(expires_at).unwrap(),
                    created_by: aptos_bcs::from_bytes(terminal).unwrap(),
                },
            )));
            events.push(YenpayEvent::Invoice(InvoiceEvent::InvoicePaid(
                InvoicePaid {
                    merchant,
                    order_ref: order_ref.clone(),
                    payer: transaction.raw_txn.sender,
                    amount,
                    fee: amount / 100,
                    net: amount - amount / 100,
                    paid_at: self.now(),
                },
            )));
            let rate: u64 = aptos_bcs::from_bytes(rate).unwrap();
            events.push(YenpayEvent::Fx(yenpay_client::fx::FxEvent::PaidInUsdc(
                yenpay_client::fx::PaidInUsdc {
                    merchant,
                    order_ref,
                    payer: transaction.raw_txn.sender,
                    yen_amount: amount,
                    usdc_amount: aptos_bcs::from_bytes(usdc_amount).unwrap(),
                    rate,
                    reference_rate: self.fx.lock().unwrap().map_or(rate, |d| d.reference_rate),
                },
            )));
        }
        // A sponsored authorize_signed_hold (or authorize_reviewed_hold, the
        // reviewer after the terminal) emits HoldAuthorized.
        if let aptos_sdk::transaction::TransactionPayload::EntryFunction(call) =
            &transaction.raw_txn.payload
            && (call.function == "authorize_signed_hold"
                || call.function == "authorize_reviewed_hold")
            && let [merchant, terminal, rest @ ..] = call.args.as_slice()
            && let [hold_ref, amount, tip_limit, capture_before, ..] =
                if call.function == "authorize_reviewed_hold" {
                    &rest[1..]
                } else {
                    rest
                }
        {
            events.push(YenpayEvent::Hold(HoldEvent::HoldAuthorized(
                HoldAuthorized {
                    merchant: aptos_bcs::from_bytes(merchant).unwrap(),
                    hold_ref: aptos_bcs::from_bytes(hold_ref).unwrap(),
                    customer: transaction.raw_txn.sender,
                    amount: aptos_bcs::from_bytes(amount).unwrap(),
                    tip_limit: aptos_bcs::from_bytes(tip_limit).unwrap(),
                    capture_before: aptos_bcs::from_bytes(capture_before).unwrap(),
                    created_by: aptos_bcs::from_bytes(terminal).unwrap(),
                },
            )));
        }
        self.signed.lock().unwrap().push(transaction);
        let next = self.submit_next.lock().unwrap().clone();
        match next {
            Some(next) => self.outcome_as(next, events),
            None => self.outcome(events),
        }
    }

    async fn head(&self) -> Result<LedgerHead, ChainError> {
        self.head_reads.fetch_add(1, Ordering::SeqCst);
        Ok(LedgerHead {
            version: self.head_version.load(Ordering::SeqCst),
            timestamp_us: self.head_timestamp_us.load(Ordering::SeqCst),
            chain_id: self.chain_id.load(Ordering::SeqCst),
            oldest_version: self.oldest_version.load(Ordering::SeqCst),
        })
    }

    async fn genesis_hash(&self) -> Result<Option<String>, ChainError> {
        Ok(self.genesis.lock().unwrap().clone())
    }

    async fn is_purgeable(
        &self,
        _merchant: AccountAddress,
        order: &OrderRef,
    ) -> Result<bool, ChainError> {
        Ok(!self.not_purgeable.lock().unwrap().contains(order.as_str()))
    }

    async fn purge(
        &self,
        keeper: &Ed25519Account,
        invoices: &[(AccountAddress, OrderRef)],
    ) -> Result<TxOutcome, ChainError> {
        self.calls.lock().unwrap().push(Call::Purge {
            invoices: invoices
                .iter()
                .map(|(merchant, order)| (*merchant, order.as_str().to_owned()))
                .collect(),
            signer: keeper.address(),
        });
        self.outcome(Vec::new())
    }

    async fn fx_desk(&self) -> Result<FxDeskState, ChainError> {
        (*self.fx.lock().unwrap())
            .ok_or_else(|| ChainError::Unavailable("this ledger has no FX desk".to_owned()))
    }

    async fn set_reference_rate(
        &self,
        keeper: &Ed25519Account,
        rate: u64,
        observed_at: u64,
    ) -> Result<TxOutcome, ChainError> {
        self.calls.lock().unwrap().push(Call::SetReferenceRate {
            rate,
            observed_at,
            signer: keeper.address(),
        });
        {
            let mut fx = self.fx.lock().unwrap();
            let desk = fx.as_mut().expect("an FX desk");
            if desk.rate_keeper != keeper.address() {
                return Err(ChainError::Rejected {
                    code: "ENOT_RATE_KEEPER".to_owned(),
                    message: "aborted: ENOT_RATE_KEEPER".to_owned(),
                });
            }
            if observed_at <= desk.observed_at || observed_at > self.now() {
                return Err(ChainError::Rejected {
                    code: "EINVALID_OBSERVATION_TIME".to_owned(),
                    message: "aborted: EINVALID_OBSERVATION_TIME".to_owned(),
                });
            }
            desk.reference_rate = rate;
            desk.observed_at = observed_at;
        }
        self.outcome(Vec::new())
    }

    async fn tax_refund(
        &self,
        merchant: AccountAddress,
        order: &OrderRef,
    ) -> Result<Option<(Purchase, RefundStatus)>, ChainError> {
        Ok(self
            .tax_refunds
            .lock()
            .unwrap()
            .get(&(merchant, order.as_str().to_owned()))
            .cloned())
    }

    /// The refund agent's key when the test set one; any key otherwise.
    async fn is_refund_agent_key(&self, public_key: &[u8; 32]) -> Result<bool, ChainError> {
        Ok(self
            .refund_agent_key
            .lock()
            .unwrap()
            .is_none_or(|key| &key == public_key))
    }

    /// Records the batch and, when it commits, marks each claim refunded
    /// with what it would pay.
    async fn claim_tax_refunds(
        &self,
        submitter: &Ed25519Account,
        attestations: &[SignedExportAttestation],
    ) -> Result<TxOutcome, ChainError> {
        let claims: Vec<(AccountAddress, String, AccountAddress)> = attestations
            .iter()
            .map(|signed| {
                let a = &signed.attestation;
                (
                    yenpay_client::address::to_sdk(a.merchant),
                    a.order_ref.as_str().to_owned(),
                    yenpay_client::address::to_sdk(a.traveller),
                )
            })
            .collect();
        self.calls.lock().unwrap().push(Call::ClaimTaxRefunds {
            claims: claims.clone(),
            signer: submitter.address(),
        });
        let outcome = self.outcome(Vec::new())?;
        let mut purchases = self.tax_refunds.lock().unwrap();
        for (merchant, order, _) in claims {
            if let Some((purchase, status)) = purchases.get_mut(&(merchant, order))
                && let RefundStatus::Claimable { amount, .. } = *status
            {
                purchase.tax_refunded = amount;
                purchase.refunded_at = self.now();
                *status = RefundStatus::Refunded {
                    amount,
                    refunded_at: self.now(),
                };
            }
        }
        Ok(outcome)
    }

    async fn lookup(&self, hash: &str) -> Result<Lookup, ChainError> {
        Ok(self
            .lookups
            .lock()
            .unwrap()
            .get(hash)
            .cloned()
            .unwrap_or(Lookup::NotCommitted))
    }

    async fn transactions(&self, start: u64, limit: u16) -> Result<Vec<Value>, ChainError> {
        Ok(self
            .page
            .lock()
            .unwrap()
            .iter()
            .filter(|t| t["version"].as_str().unwrap().parse::<u64>().unwrap() >= start)
            .take(limit as usize)
            .cloned()
            .collect())
    }
}

/// A gateway under test.
pub struct TestGateway {
    pub backend: &'static str,
    pub state: AppState,
    pub router: Router,
    pub ledger: Arc<FakeLedger>,
    pub clock: Arc<ManualClock>,
}

/// A gateway running on a port ([`TestGateway::run`]).
pub struct Running {
    pub address: std::net::SocketAddr,
    /// The admin API's own listener.
    pub admin_address: std::net::SocketAddr,
    /// Send to begin a graceful shutdown.
    pub stop: tokio::sync::oneshot::Sender<()>,
    /// Ends when the gateway has stopped.
    pub task: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// A response, parsed.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Answer {
    pub fn code(&self) -> &str {
        self.body["resultInfo"]["code"].as_str().unwrap_or("<none>")
    }
}

/// A merchant onboarded with one API key.
#[derive(Debug, Clone)]
pub struct TestMerchant {
    pub id: String,
    pub address: AccountAddress,
    pub terminal: AccountAddress,
    pub key_id: String,
    pub secret: String,
}

/// A POS credential as issued (the POS page's login).
#[derive(Debug, Clone)]
pub struct PosLogin {
    pub credential_id: String,
    pub secret: String,
}

impl PosLogin {
    /// The login body of `POST /pos/api/session`.
    pub fn body(&self) -> Value {
        json!({"credentialId": self.credential_id, "secret": self.secret})
    }
}

static NONCE: AtomicU64 = AtomicU64::new(0);

pub fn config() -> Config {
    let mut config = Config::new(
        package(),
        CHAIN_ID,
        yenpay_client::types::Address::from_hex(METADATA.trim_start_matches("0x")).unwrap(),
    );
    // The tests' receivers listen on loopback.
    config.webhooks.allow_local_destinations = true;
    config
}

/// The tests' key-encryption key.
pub const TEST_KEK: &str = "4b454b2d6f662d7468652d74657374732d6e6f742d612d7265616c2d6b657921";

impl TestGateway {
    pub async fn new(db: &TestDb) -> Self {
        Self::with_config(db, config()).await
    }

    /// Replicas of one deployment share the key-encryption key (a gateway
    /// with another does not start), so every gateway of the tests has the
    /// same one unless a test gives its own.
    pub async fn with_config(db: &TestDb, config: Config) -> Self {
        Self::with_config_and_kek(db, config, Kek::from_hex(TEST_KEK).unwrap()).await
    }

    /// With the key-encryption key `kek`.
    pub async fn with_kek(db: &TestDb, kek: Kek) -> Self {
        Self::with_config_and_kek(db, config(), kek).await
    }

    pub async fn with_config_and_kek(db: &TestDb, config: Config, kek: Kek) -> Self {
        let clock = Arc::new(ManualClock::new(NOW));
        let ledger = Arc::new(FakeLedger {
            clock: clock.clone(),
            ..FakeLedger::default()
        });
        let database = Db::connect(&db.url).await.expect("database");
        let mut gateway = Gateway::new(database, config, kek, ledger.clone());
        gateway.admin_token = Some(Zeroizing::new(ADMIN_TOKEN.to_owned()));
        gateway.clock = clock.clone();
        gateway.operator = Some(Arc::new(Ed25519Account::generate()));
        let state = Arc::new(gateway);
        let router = yenpay_gateway::router(state.clone());
        Self {
            backend: db.name,
            state,
            router,
            ledger,
            clock,
        }
    }

    /// Runs the whole gateway ([`yenpay_gateway::run`]: API, background
    /// tasks, the follower when `follow`) on a loopback port until stopped.
    pub async fn run(&self, follow: bool) -> Running {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let admin = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let admin_address = admin.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(yenpay_gateway::run(
            self.state.clone(),
            listener,
            Some(admin),
            follow,
            async move {
                let _ = stopped.await;
            },
        ));
        Running {
            address,
            admin_address,
            stop,
            task,
        }
    }

    /// Serves the router on a loopback port (for a browser); returns its base URL.
    pub async fn serve(&self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let router = self.router.clone();
        // With the peer's address, as the gateway's own server loop gives it (the POS login throttles by it).
        let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, service).await.unwrap() });
        format!("http://{address}")
    }

    pub async fn send(&self, request: Request<Body>) -> Answer {
        answer(self.router.clone().oneshot(request).await.unwrap()).await
    }
}

/// A response, read whole.
async fn answer(response: axum::response::Response) -> Answer {
    {
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            body,
            text,
        }
    }
}

impl TestGateway {
    /// Sends `request` to the admin API (its own listener in a running gateway).
    pub async fn send_admin(&self, request: Request<Body>) -> Answer {
        let admin = yenpay_gateway::admin_router(self.state.clone());
        answer(admin.oneshot(request).await.unwrap()).await
    }

    pub async fn admin(&self, method: &str, path: &str, body: Option<Value>) -> Answer {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", format!("Bearer {ADMIN_TOKEN}"));
        if body.is_some() {
            request = request.header("content-type", "application/json");
        }
        let body = body.map(|b| Body::from(b.to_string())).unwrap_or_default();
        self.send_admin(request.body(body).unwrap()).await
    }

    /// Onboards a merchant with a fresh on-chain address and issues a key.
    pub async fn merchant(&self, name: &str) -> TestMerchant {
        let owner = Ed25519Account::generate().address();
        let onboarded = self
            .admin(
                "POST",
                "/admin/merchants",
                Some(json!({"ownerAddress": owner.to_hex(), "name": name, "city": "SHINJUKU", "mcc": "5812"})),
            )
            .await;
        assert_eq!(onboarded.status, StatusCode::CREATED, "{}", onboarded.text);
        let id = onboarded.body["data"]["merchantId"]
            .as_str()
            .unwrap()
            .to_owned();
        let terminal =
            AccountAddress::from_hex(onboarded.body["data"]["terminalAddress"].as_str().unwrap())
                .unwrap();
        let key = self
            .admin("POST", &format!("/admin/merchants/{id}/keys"), None)
            .await;
        assert_eq!(key.status, StatusCode::CREATED, "{}", key.text);
        TestMerchant {
            id,
            address: owner,
            terminal,
            key_id: key.body["data"]["keyId"].as_str().unwrap().to_owned(),
            secret: key.body["data"]["secret"].as_str().unwrap().to_owned(),
        }
    }

    /// Issues `merchant` a POS credential with `role` (`cashier` or `manager`).
    pub async fn pos_credential(&self, merchant: &TestMerchant, role: &str) -> PosLogin {
        let issued = self
            .admin(
                "POST",
                &format!("/admin/merchants/{}/pos-credentials", merchant.id),
                Some(json!({"role": role, "label": format!("{role} of the tests")})),
            )
            .await;
        assert_eq!(issued.status, StatusCode::CREATED, "{}", issued.text);
        PosLogin {
            credential_id: issued.body["data"]["credentialId"]
                .as_str()
                .unwrap()
                .to_owned(),
            secret: issued.body["data"]["secret"].as_str().unwrap().to_owned(),
        }
    }

    /// A request signed as `merchant`, with a fresh nonce and the clock's time.
    pub fn signed_request(
        &self,
        merchant: &TestMerchant,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> axum::http::request::Builder {
        let bytes = body.map(|b| b.to_string()).unwrap_or_default();
        let nonce = format!("nonce-{:012}", NONCE.fetch_add(1, Ordering::SeqCst));
        let authorization = sign_request(
            &merchant.key_id,
            &merchant.secret,
            method,
            path,
            bytes.as_bytes(),
            &nonce,
            yenpay_gateway::Clock::now(self.clock.as_ref()),
        );
        Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", authorization)
            .header("content-type", "application/json")
    }

    pub async fn call(
        &self,
        merchant: &TestMerchant,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Answer {
        let request = self.signed_request(merchant, method, path, body.as_ref());
        let bytes = body.map(|b| b.to_string()).unwrap_or_default();
        self.send(request.body(Body::from(bytes)).unwrap()).await
    }

    pub async fn call_idem(
        &self,
        merchant: &TestMerchant,
        method: &str,
        path: &str,
        body: Value,
        key: &str,
    ) -> Answer {
        let request = self
            .signed_request(merchant, method, path, Some(&body))
            .header("idempotency-key", key);
        self.send(request.body(Body::from(body.to_string())).unwrap())
            .await
    }

    pub async fn create_code(&self, merchant: &TestMerchant, id: &str, amount: u64) -> Answer {
        self.call(
            merchant,
            "POST",
            "/v2/codes",
            Some(json!({"merchantPaymentId": id, "amount": {"amount": amount, "currency": "JPY"}})),
        )
        .await
    }
}

/// The signed invoice the gateway issued for `merchant`'s order `order`
/// (its newest payment of that reference), as its code carries it.
pub async fn issued_offer(
    gw: &TestGateway,
    merchant: AccountAddress,
    order: &str,
) -> Option<yenpay_client::types::offer::SignedInvoiceOffer> {
    let pool = &gw.state.db.pool;
    let payment =
        yenpay_gateway::store::payments::by_merchant_payment_id(pool, &merchant.to_hex(), order)
            .await
            .unwrap()?;
    let shop = yenpay_gateway::store::merchants::by_address(pool, &merchant.to_hex())
        .await
        .unwrap()?;
    Some(
        yenpay_gateway::offer::of_payment(&gw.state.config, &gw.state.kek, &shop, &payment)
            .unwrap(),
    )
}

/// The recorded payment transaction (version 4044: InvoicePaid of 1000
/// yen, fee 10) as the payment of a signed code of `merchant`'s `order`
/// at `version`: `pay_signed_invoice`, which emits InvoiceCreated (the
/// code's expiry and terminal, from the gateway's row when it has one)
/// before InvoicePaid.
pub async fn signed_payment_tx(
    gw: &TestGateway,
    merchant: &TestMerchant,
    order: &str,
    version: u64,
) -> Value {
    let mut paid = node_page()
        .into_iter()
        .find(|t| t["version"] == "4044")
        .unwrap();
    paid["version"] = json!(version.to_string());
    let expires_at = yenpay_gateway::store::payments::by_merchant_payment_id(
        &gw.state.db.pool,
        &merchant.address.to_hex(),
        order,
    )
    .await
    .unwrap()
    .map_or(NOW + 300, |p| p.expires_at);
    let events = paid["events"].as_array_mut().unwrap();
    let at = events
        .iter()
        .position(|e| {
            e["type"]
                .as_str()
                .unwrap()
                .ends_with("::invoice::InvoicePaid")
        })
        .unwrap();
    let mut created = events[at].clone();
    created["type"] = json!(format!("{PACKAGE}::invoice::InvoiceCreated"));
    created["data"] = json!({
        "amount": "1000",
        "created_by": merchant.terminal.to_hex(),
        "expires_at": expires_at.to_string(),
        "merchant": merchant.address.to_hex(),
        "order_ref": order,
    });
    events.insert(at, created);
    for event in events.iter_mut() {
        if event["type"]
            .as_str()
            .unwrap()
            .ends_with("::invoice::InvoicePaid")
        {
            event["data"]["merchant"] = json!(merchant.address.to_hex());
            event["data"]["order_ref"] = json!(order);
        }
    }
    paid["payload"]["function"] = json!(format!("{PACKAGE}::invoice::pay_signed_invoice"));
    paid
}

/// Marks `order` of `merchant` paid through the real follower (amount 1000, fee 10) the way the chain
/// reports a signed code's payment ([`signed_payment_tx`]).
pub async fn pay(gw: &TestGateway, merchant: &TestMerchant, order: &str, version: u64) {
    let paid = signed_payment_tx(gw, merchant, order, version).await;
    let head = LedgerHead {
        version: version + 1,
        timestamp_us: NOW as u64 * 1_000_000,
        chain_id: CHAIN_ID,
        oldest_version: 0,
    };
    // Pages must start at the cursor: the follower resumes at this version.
    seek(gw, version).await;
    follower::apply_page(&gw.state, &[paid], head, Finish::Commit)
        .await
        .unwrap();
}

/// Moves the follower's cursor to `version` (the next to read), as if
/// everything before had been applied: tests then apply a page there.
pub async fn seek(gw: &TestGateway, version: u64) {
    let cursor = follower::cursor(&gw.state.db.pool).await.unwrap();
    let (ledger, ledger_ts, applied_ts) = cursor
        .map(|c| {
            (
                c.ledger_version,
                c.ledger_timestamp_us,
                c.applied_timestamp_us,
            )
        })
        .unwrap_or((version, 0, 0));
    sqlx::query(
        "INSERT INTO follower_cursor (name, next_version, ledger_version, ledger_timestamp_us, applied_timestamp_us, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 0) ON CONFLICT (name) DO UPDATE SET next_version = $2",
    )
    .bind(follower::CURSOR)
    .bind(version as i64)
    .bind(ledger as i64)
    .bind(ledger_ts as i64)
    .bind(applied_ts as i64)
    .execute(&gw.state.db.pool)
    .await
    .unwrap();
}

/// A committed transaction of no interest (someone else's) at `version`, at
/// chain time `timestamp_us`.
pub fn filler(version: u64, timestamp_us: u64) -> Value {
    json!({
        "type": "user_transaction",
        "version": version.to_string(),
        "hash": format!("0x{version:064x}"),
        "timestamp": timestamp_us.to_string(),
        "success": true,
        "events": [],
    })
}

/// `transactions` from version `start` on with the versions in between
/// filled (the recorded pages skip other people's transactions; the
/// follower takes only consecutive versions). A filler has the chain time
/// of the transaction before it.
pub fn contiguous(start: u64, transactions: Vec<Value>) -> Vec<Value> {
    let mut out = Vec::new();
    let mut next = start;
    let mut timestamp = transactions
        .first()
        .and_then(|t| t["timestamp"].as_str()?.parse().ok())
        .unwrap_or(0);
    for transaction in transactions {
        let version: u64 = transaction["version"].as_str().unwrap().parse().unwrap();
        while next < version {
            out.push(filler(next, timestamp));
            next += 1;
        }
        timestamp = transaction["timestamp"]
            .as_str()
            .and_then(|t| t.parse().ok())
            .unwrap_or(timestamp);
        out.push(transaction);
        next = version + 1;
    }
    out
}

/// A customer whose wallet shows customer-presented codes.
pub struct Customer {
    pub key: ed25519_dalek::SigningKey,
}

impl Customer {
    /// Its code authorizing `amount` to `merchant` in the window.
    pub fn code(
        &self,
        merchant: &TestMerchant,
        amount: u64,
        valid_after: u64,
        valid_before: u64,
    ) -> String {
        let context = yenpay_qr::cpm::TerminalContext {
            chain_id: CHAIN_ID,
            metadata: yenpay_client::types::Address::from_hex(METADATA.trim_start_matches("0x"))
                .unwrap(),
            merchant: yenpay_client::address::from_sdk(merchant.address),
        };
        // The wallet's next nonce (a counter per account on chain).
        let nonce = 3;
        let public = self.key.verifying_key().to_bytes();
        let authorization = yenpay_qr::cpm::authorization_to_sign(
            &context,
            &public,
            None,
            amount,
            valid_after,
            valid_before,
            nonce,
        )
        .unwrap();
        let signed = authorization
            .sign(yenpay_client::address::from_sdk(package()), &self.key)
            .unwrap();
        yenpay_qr::cpm::encode(&signed).unwrap()
    }

    /// Its account address.
    pub fn address(&self) -> String {
        yenpay_client::address::to_sdk(
            yenpay_qr::cpm::address_of_key(&self.key.verifying_key().to_bytes()).unwrap(),
        )
        .to_hex()
    }
}

/// The real node transactions recorded for these tests (see tests/data/README.md).
pub fn node_page() -> Vec<Value> {
    serde_json::from_str(include_str!("../data/node_transactions.json")).unwrap()
}

/// One of the client crate's recorded node transactions.
pub fn client_fixture(name: &str) -> Value {
    let path = format!(
        "{}/../yenpay-client/tests/data/node/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The log, captured: one process-wide subscriber (a scoped one per test
/// misses events now and then while other threads register theirs), at
/// DEBUG, into one buffer; each [`Capture`] reads what was logged since it
/// was made, by every test running meanwhile.
#[derive(Clone)]
pub struct Capture {
    from: usize,
}

static LOG: Mutex<Vec<u8>> = Mutex::new(Vec::new());
static LOGGING: Once = Once::new();

#[derive(Clone, Copy)]
struct LogWriter;

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOG.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Capture {
    /// Starts capturing (installs the subscriber once per process).
    pub fn install() -> Self {
        LOGGING.call_once(|| {
            tracing_subscriber::fmt()
                .with_writer(|| LogWriter)
                .with_max_level(tracing::Level::DEBUG)
                .with_ansi(false)
                .init();
        });
        Self {
            from: LOG.lock().unwrap().len(),
        }
    }

    /// What was logged since.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&LOG.lock().unwrap()[self.from..]).into_owned()
    }
}

/// Rows in every table of the gateway's database (the migrations' bookkeeping aside).
pub async fn row_counts(db: &Db) -> std::collections::BTreeMap<String, i64> {
    let tables: Vec<String> = match db.backend {
        yenpay_gateway::store::Backend::Sqlite => sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        ),
        yenpay_gateway::store::Backend::Postgres => sqlx::query_scalar(
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables WHERE table_schema = current_schema()",
        ),
    }
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert!(tables.len() > 10, "the gateway's tables: {tables:?}");
    let mut counts = std::collections::BTreeMap::new();
    for table in tables {
        let count: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&db.pool)
            .await
            .unwrap();
        counts.insert(table, count);
    }
    counts
}
