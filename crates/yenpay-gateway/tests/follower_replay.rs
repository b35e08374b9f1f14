//! The follower's replay benchmark (ignored by default; it measures, it
//! asserts what was applied, not timings):
//! `cargo xtask bench-follower`, or
//! `taskset -c 0 cargo test --release -p yenpay-gateway --test gateway -- --ignored --nocapture follower_replay::`
//! (add `YENPAY_TEST_DATABASE_URL` for PostgreSQL too, `APTOS_NODE_URL` to follow a node too; `YENPAY_REPLAY_TRANSACTIONS`
//! sets the stream's length, 200,000 by default).
//!
//! A mainnet-shaped stream is generated from the recorded node
//! transactions (tests/data): blocks of a block-metadata transaction, 5 to
//! 60 user transactions and a state checkpoint; the user transactions are
//! mostly other packages' transfers, swaps, NFT mints and oracle updates
//! (with their events, payloads and write sets at the recorded sizes), a
//! few failed, and about 1% ours (a signed code's `InvoiceCreated` and `InvoicePaid`, `MerchantPaid`,
//! `InvoiceRefunded` for onboarded merchants with a webhook each). Each
//! page is serialized as the node's JSON page (100 transactions, the REST
//! API's cap) before its clock starts; what is timed is the follower's
//! read-decode-apply path from those bytes: the page decoded, checked and
//! applied in its DB transaction with the cursor.

use crate::common::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use std::io::Write as _;
use std::time::{Duration, Instant};
use yenpay_gateway::chain::LedgerHead;
use yenpay_gateway::follower::{self, Finish, PackageFilter, Page};

/// The REST API's largest page (`api.max_transactions_page_size`, 100 by default).
const PAGE: usize = 100;
const MERCHANTS: usize = 20;

/// The recorded transactions the stream is made of.
struct Templates {
    block: Value,
    transfer: Value,
    created_event: Value,
    paid_event: Value,
    merchant_paid_event: Value,
    refunded_event: Value,
    fee_event: Value,
    withdraw_event: Value,
    deposit_event: Value,
}

impl Templates {
    fn load() -> Self {
        let page = node_page();
        let at = |version: &str| {
            page.iter()
                .find(|t| t["version"] == version)
                .cloned()
                .unwrap()
        };
        let event = |version: &str, suffix: &str| {
            at(version)["events"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["type"].as_str().unwrap().ends_with(suffix))
                .cloned()
                .unwrap()
        };
        Self {
            block: at("4043"),
            transfer: at("4044"),
            created_event: event("4012", "::invoice::InvoiceCreated"),
            paid_event: event("4044", "::invoice::InvoicePaid"),
            merchant_paid_event: event("4170", "::invoice::MerchantPaid"),
            refunded_event: event("4273", "::invoice::InvoiceRefunded"),
            fee_event: event("4044", "::transaction_fee::FeeStatement"),
            withdraw_event: event("4044", "::fungible_asset::Withdraw"),
            deposit_event: event("4044", "::fungible_asset::Deposit"),
        }
    }
}

/// What the stream holds of ours, to check against what was applied.
#[derive(Default, Debug)]
struct Ours {
    created: u64,
    paid: u64,
    static_paid: u64,
    refunded: u64,
}

impl Ours {
    fn events(&self) -> u64 {
        self.created + self.paid + self.static_paid + self.refunded
    }
}

/// Generates the stream page by page.
struct Stream {
    templates: Templates,
    rng: StdRng,
    merchants: Vec<String>,
    next_version: u64,
    timestamp_us: u64,
    /// User transactions left in the current block; `None`: a block starts.
    block_left: Option<u32>,
    paid_orders: Vec<(String, String)>,
    ours: Ours,
}

fn address(rng: &mut StdRng) -> String {
    format!(
        "0x{:016x}{:016x}{:016x}{:016x}",
        rng.r#gen::<u64>(),
        rng.r#gen::<u64>(),
        rng.r#gen::<u64>(),
        rng.r#gen::<u64>()
    )
}

/// Another package's event of `type_tag` with `fields` fields of data.
fn other_event(rng: &mut StdRng, type_tag: &str, fields: usize) -> Value {
    let mut data = serde_json::Map::new();
    for n in 0..fields {
        let value = if n % 3 == 0 {
            json!(address(rng))
        } else {
            json!(rng.gen_range(0..u64::MAX / 2).to_string())
        };
        data.insert(format!("field_{n}"), value);
    }
    json!({
        "guid": {"creation_number": "0", "account_address": "0x0"},
        "sequence_number": "0",
        "type": type_tag,
        "data": data,
    })
}

impl Stream {
    fn new(merchants: Vec<String>, start: u64) -> Self {
        Self {
            templates: Templates::load(),
            rng: StdRng::seed_from_u64(31),
            merchants,
            next_version: start,
            timestamp_us: NOW as u64 * 1_000_000,
            block_left: None,
            paid_orders: Vec::new(),
            ours: Ours::default(),
        }
    }

    fn stamp(&mut self, mut transaction: Value) -> Value {
        let version = self.next_version;
        self.next_version += 1;
        transaction["version"] = json!(version.to_string());
        transaction["hash"] = json!(format!("0x{:064x}", version ^ 0x5eed));
        transaction["timestamp"] = json!(self.timestamp_us.to_string());
        transaction
    }

    /// A user transaction of `function` with `events` and a write set of
    /// `changes` entries (the recorded ones, repeated).
    fn user(&mut self, function: &str, events: Vec<Value>, changes: usize, success: bool) -> Value {
        let mut transaction = self.templates.transfer.clone();
        let recorded = transaction["changes"].as_array().unwrap().clone();
        let mut written = Vec::with_capacity(changes);
        while written.len() < changes {
            let mut change = recorded[written.len() % recorded.len()].clone();
            change["address"] = json!(address(&mut self.rng));
            written.push(change);
        }
        transaction["changes"] = json!(written);
        transaction["sender"] = json!(address(&mut self.rng));
        transaction["payload"]["function"] = json!(function);
        transaction["payload"]["arguments"] = json!([
            address(&mut self.rng),
            self.rng.gen_range(1..1_000_000u64).to_string()
        ]);
        transaction["success"] = json!(success);
        transaction["vm_status"] = json!(if success {
            "Executed successfully"
        } else {
            "Move abort in 0x1::coin: EINSUFFICIENT_BALANCE(0x10006): "
        });
        let events = if success {
            events
        } else {
            vec![self.templates.fee_event.clone()]
        };
        transaction["events"] = json!(events);
        self.stamp(transaction)
    }

    fn transfer_events(&mut self, amount: u64) -> Vec<Value> {
        let mut withdraw = self.templates.withdraw_event.clone();
        withdraw["data"]["amount"] = json!(amount.to_string());
        withdraw["data"]["store"] = json!(address(&mut self.rng));
        let mut deposit = self.templates.deposit_event.clone();
        deposit["data"]["amount"] = json!(amount.to_string());
        deposit["data"]["store"] = json!(address(&mut self.rng));
        vec![withdraw, deposit]
    }

    /// One of ours: a payment of a dynamic code mostly, some static
    /// payments, some refunds of earlier payments.
    fn ours(&mut self) -> Value {
        let package = PACKAGE;
        let merchant = self.merchants[self.rng.gen_range(0..self.merchants.len())].clone();
        let payer = address(&mut self.rng);
        let amount = self.rng.gen_range(100..100_000u64);
        let mut events = self.transfer_events(amount);
        let roll = self.rng.gen_range(0..100);
        let function = if roll < 15 && !self.paid_orders.is_empty() {
            let pick = self.rng.gen_range(0..self.paid_orders.len());
            let (merchant, order) = self.paid_orders.swap_remove(pick);
            let mut event = self.templates.refunded_event.clone();
            event["data"]["merchant"] = json!(merchant);
            event["data"]["order_ref"] = json!(order);
            event["data"]["payer"] = json!(payer);
            event["data"]["amount"] = json!("100");
            event["data"]["fee_returned"] = json!("1");
            event["data"]["refunded_total"] = json!("100");
            events.push(event);
            self.ours.refunded += 1;
            "refund"
        } else if roll < 30 {
            let mut event = self.templates.merchant_paid_event.clone();
            event["data"]["merchant"] = json!(merchant);
            event["data"]["payer"] = json!(payer);
            event["data"]["amount"] = json!(amount.to_string());
            event["data"]["fee"] = json!((amount / 100).to_string());
            event["data"]["net"] = json!((amount - amount / 100).to_string());
            events.push(event);
            self.ours.static_paid += 1;
            "pay_merchant"
        } else {
            // A signed code's payment: its creation and payment in one transaction.
            let order = format!("R-{}", self.next_version);
            let mut created = self.templates.created_event.clone();
            created["data"]["merchant"] = json!(merchant);
            created["data"]["order_ref"] = json!(order);
            created["data"]["amount"] = json!(amount.to_string());
            created["data"]["expires_at"] =
                json!((self.timestamp_us / 1_000_000 + 300).to_string());
            events.push(created);
            self.ours.created += 1;
            let mut event = self.templates.paid_event.clone();
            event["data"]["merchant"] = json!(merchant);
            event["data"]["order_ref"] = json!(order);
            event["data"]["payer"] = json!(payer);
            event["data"]["amount"] = json!(amount.to_string());
            event["data"]["fee"] = json!((amount / 100).to_string());
            event["data"]["net"] = json!((amount - amount / 100).to_string());
            event["data"]["paid_at"] = json!((self.timestamp_us / 1_000_000).to_string());
            events.push(event);
            self.paid_orders.push((merchant, order));
            self.ours.paid += 1;
            "pay_signed_invoice"
        };
        events.push(self.templates.fee_event.clone());
        self.user(&format!("{package}::invoice::{function}"), events, 20, true)
    }

    fn next_transaction(&mut self) -> Value {
        match self.block_left {
            None => {
                self.timestamp_us += self.rng.gen_range(100_000..300_000);
                self.block_left = Some(self.rng.gen_range(5..=60));
                let mut block = self.templates.block.clone();
                block["id"] = json!(format!("0x{:064x}", self.next_version));
                self.stamp(block)
            }
            Some(0) => {
                self.block_left = None;
                let checkpoint = json!({
                    "type": "state_checkpoint_transaction",
                    "state_change_hash": format!("0x{:064x}", 1),
                    "event_root_hash": format!("0x{:064x}", 2),
                    "state_checkpoint_hash": format!("0x{:064x}", 3),
                    "gas_used": "0",
                    "success": true,
                    "vm_status": "Executed successfully",
                    "accumulator_root_hash": format!("0x{:064x}", 4),
                    "changes": [],
                    "events": [],
                });
                self.stamp(checkpoint)
            }
            Some(left) => {
                self.block_left = Some(left - 1);
                let roll = self.rng.gen_range(0..1000);
                let success = self.rng.gen_range(0..100) >= 2;
                if roll < 10 {
                    return self.ours();
                }
                let dex = "0x190d44266241744264b964a37b8f09863167a12d3e70cda39376cfb4e3561e12";
                let nft = "0x4";
                let oracle = "0x7e783b349d3e89cf5931af376ebeadbfab855b3fa239b7ada8f5a92fbea6b387";
                let amount = self.rng.gen_range(1..1_000_000_000u64);
                let (function, events, changes) = if roll < 500 {
                    let mut events = self.transfer_events(amount);
                    events.push(self.templates.fee_event.clone());
                    (
                        "0x1::primary_fungible_store::transfer".to_owned(),
                        events,
                        6,
                    )
                } else if roll < 750 {
                    let mut events = Vec::new();
                    for _ in 0..4 {
                        events.extend(self.transfer_events(amount));
                    }
                    events.push(other_event(
                        &mut self.rng,
                        &format!("{dex}::swap::SwapEvent"),
                        10,
                    ));
                    events.push(other_event(
                        &mut self.rng,
                        &format!("{dex}::liquidity_pool::SyncEvent"),
                        6,
                    ));
                    events.push(other_event(
                        &mut self.rng,
                        &format!("{dex}::router::SwapStepEvent"),
                        8,
                    ));
                    events.push(self.templates.fee_event.clone());
                    (format!("{dex}::scripts_v3::swap"), events, 30)
                } else if roll < 900 {
                    let mut events = vec![
                        other_event(&mut self.rng, &format!("{nft}::collection::Mint"), 5),
                        other_event(&mut self.rng, "0x1::object::Transfer", 3),
                        other_event(&mut self.rng, &format!("{nft}::token::MutationEvent"), 4),
                        other_event(&mut self.rng, "0x1::object::TransferEvent", 3),
                    ];
                    events.extend(self.transfer_events(amount));
                    events.push(self.templates.fee_event.clone());
                    ("0x3::token::mint_token".to_owned(), events, 12)
                } else {
                    let mut events = Vec::new();
                    for _ in 0..5 {
                        events.push(other_event(
                            &mut self.rng,
                            &format!("{oracle}::event::PriceFeedUpdate"),
                            6,
                        ));
                    }
                    events.push(self.templates.fee_event.clone());
                    (format!("{oracle}::pyth::update_price_feeds"), events, 8)
                };
                self.user(&function, events, changes, success)
            }
        }
    }

    /// The next page, as the node's JSON.
    fn page(&mut self, size: usize) -> Vec<u8> {
        let page: Vec<Value> = (0..size).map(|_| self.next_transaction()).collect();
        serde_json::to_vec(&page).unwrap()
    }
}

fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[tokio::test]
#[ignore = "a benchmark: cargo xtask bench-follower"]
async fn follower_replay_of_a_mainnet_shaped_stream() {
    let total: u64 = std::env::var("YENPAY_REPLAY_TRANSACTIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200_000);
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        let mut merchants = Vec::new();
        for n in 0..MERCHANTS {
            let m = gw.merchant(&format!("REPLAY SHOP {n}")).await;
            gw.admin(
                "POST",
                &format!("/admin/merchants/{}/webhooks", m.id),
                Some(json!({"url": format!("http://127.0.0.1:9/hook/{n}")})),
            )
            .await;
            merchants.push(m.address.to_hex());
        }
        let start = 1_000_000u64;
        seek(&gw, start).await;
        let mut stream = Stream::new(merchants, start);
        let head = LedgerHead {
            version: start + total,
            timestamp_us: NOW as u64 * 1_000_000,
            chain_id: CHAIN_ID,
            oldest_version: 0,
        };
        let filter = PackageFilter::new(gw.state.config.package);
        let batch = usize::from(gw.state.config.follower_batch_pages);
        let (mut bytes, mut decoding, mut applying) = (0u64, Duration::ZERO, Duration::ZERO);
        let (mut applied, mut events, mut commits) = (0u64, 0u64, 0u64);
        // Decoding a page into `Value` trees (the follower before issue 31)
        // against `Page`, on the same pages, interleaved.
        let (mut trees, mut typed) = (Duration::ZERO, Duration::ZERO);
        while applied < total {
            // What the follower does behind the head: `batch` pages read, each
            // decoded, applied in one DB transaction.
            let mut joined = Page::default();
            let mut read = 0u64;
            while joined.transactions.len() < batch * PAGE && applied + read < total {
                let page = stream.page(PAGE.min((total - applied - read) as usize));
                bytes += page.len() as u64;
                read += PAGE as u64;
                if commits < 20 {
                    let clock = Instant::now();
                    let tree: Vec<Value> = serde_json::from_slice(&page).unwrap();
                    trees += clock.elapsed();
                    drop(tree);
                    let clock = Instant::now();
                    drop(Page::from_json(&page, &filter).unwrap());
                    typed += clock.elapsed();
                }
                let clock = Instant::now();
                let decoded = Page::from_json(&page, &filter).unwrap();
                decoding += clock.elapsed();
                joined.transactions.extend(decoded.transactions);
            }
            let clock = Instant::now();
            let outcome = follower::apply(&gw.state, &joined, head, Finish::Commit)
                .await
                .unwrap();
            applying += clock.elapsed();
            commits += 1;
            applied += outcome.transactions;
            events += outcome.events;
        }
        let busy = decoding + applying;
        let ours = &stream.ours;
        let cursor = follower::cursor(&gw.state.db.pool).await.unwrap().unwrap();
        assert_eq!(cursor.next_version, start + total);
        assert_eq!(
            events,
            ours.events(),
            "every event of ours applied once: {ours:?}"
        );
        let payments: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM payments WHERE status IN ('COMPLETED', 'REFUNDED')",
        )
        .fetch_one(&gw.state.db.pool)
        .await
        .unwrap();
        assert_eq!(payments as u64, ours.paid + ours.static_paid);
        let recorded: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM chain_events")
            .fetch_one(&gw.state.db.pool)
            .await
            .unwrap();
        assert_eq!(recorded as u64, ours.events());
        println!(
            "{}: decoding a page of {PAGE}: {:.2} ms into Value trees, {:.2} ms into follower::Page (first {} pages)",
            db.name,
            trees.as_secs_f64() * 1000.0 / (20 * batch) as f64,
            typed.as_secs_f64() * 1000.0 / (20 * batch) as f64,
            20 * batch,
        );
        println!(
            "{}: replayed {} transactions ({} MB of node JSON, {} pages of {PAGE}, {commits} DB commits; ours: {} events: {ours:?}) \
             in {:.2} s: {} transactions/s, {:.1} ms a page ({:.1} ms decoding, {:.1} ms applying)",
            db.name,
            count(total),
            bytes / 1_000_000,
            total.div_ceil(PAGE as u64),
            ours.events(),
            busy.as_secs_f64(),
            count((total as f64 / busy.as_secs_f64()) as u64),
            busy.as_secs_f64() * 1000.0 / total.div_ceil(PAGE as u64) as f64,
            decoding.as_secs_f64() * 1000.0 / total.div_ceil(PAGE as u64) as f64,
            applying.as_secs_f64() * 1000.0 / total.div_ceil(PAGE as u64) as f64,
        );
    }
}

/// The real path on a real node: the follower (REST source, reading ahead,
/// every check) from version 0 to the node's head as it was at the start,
/// on one core. Its transactions are the local chain's (the suites'
/// deployments, transfers, blocks), none of them this test package's.
#[tokio::test]
#[ignore = "a benchmark on a node: APTOS_NODE_URL=http://127.0.0.1:8080 cargo xtask bench-follower"]
async fn follower_catches_up_with_a_node() {
    let Ok(url) = std::env::var("APTOS_NODE_URL") else {
        let _ = writeln!(
            std::io::stderr(),
            "\n*** follower_catches_up_with_a_node SKIPPED: APTOS_NODE_URL is not set ***\n"
        );
        return;
    };
    let db = backends().await.remove(0);
    let node = yenpay_gateway::chain::NodeLedger::new(&url, package()).unwrap();
    let head = yenpay_gateway::chain::Ledger::head(&node).await.unwrap();
    let mut config = config();
    config.chain_id = head.chain_id;
    config.follower_start_version = head.oldest_version;
    let database = yenpay_gateway::store::Db::connect(&db.url).await.unwrap();
    let gateway = std::sync::Arc::new(yenpay_gateway::Gateway::new(
        database,
        config,
        yenpay_gateway::crypto::Kek::generate(),
        std::sync::Arc::new(node),
    ));
    follower::check_chain(&gateway).await.unwrap();
    let clock = Instant::now();
    let mut polls = 0u64;
    loop {
        follower::poll_once(&gateway).await.unwrap();
        polls += 1;
        let cursor = follower::cursor(&gateway.db.pool).await.unwrap().unwrap();
        if cursor.next_version > head.version {
            break;
        }
    }
    let elapsed = clock.elapsed();
    let read = head.version + 1 - head.oldest_version;
    println!(
        "{}: followed {} versions of the node (chain {}) in {:.2} s over {polls} polls: {} transactions/s",
        db.name,
        count(read),
        head.chain_id,
        elapsed.as_secs_f64(),
        count((read as f64 / elapsed.as_secs_f64()) as u64),
    );
    assert!(polls >= read.div_ceil(1_000));
}
