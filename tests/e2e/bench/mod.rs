//! The throughput benchmark (issues 17 and 31): N plain hooked transfers of
//! the coin against N dynamic-QR payments on the same node, with the same
//! payers, merchants, sponsorship mix and submission concurrency; committed
//! transactions per second for both and their ratio, in
//! target/bench-chain.md. A payment is counted whole: the customer's one
//! `invoice::pay_signed_invoice` of a code its merchant's terminal signed off
//! chain, and its share of the operator's batched `purge_invoices`, timed
//! too.
//!
//! A benchmark, not a timed test: it runs only with `YENPAY_BENCH_CHAIN=1`
//! (`cargo xtask bench-chain` sets it) and fails only when a transaction
//! fails or the balances do not add up, never on a figure.
//!
//! Setup (not timed) funds payers, merchant owners, a minter and the
//! operator with APT in a few `0x1::aptos_account::batch_transfer`s, has
//! every payer send its first transaction, mints the yen, makes every payout
//! store a concurrent-balance store where the chain allows it, registers the
//! merchants, gives each a terminal (a key that never holds APT) and sets the
//! shortest refund window. An untimed warm-up burst follows. Then each round
//! times both phases, the order alternating from round to round; a round's
//! codes are signed just before its payments (off chain, as the gateway
//! does). Once every code has expired, the purge of all the payments'
//! invoices is timed as a phase of its own. A phase signs all its transactions
//! beforehand (local sequence numbers), submits them with at most
//! `in_flight` submissions outstanding, and follows the ledger
//! (`GET /transactions`, 100 a page) until every one is committed: so the
//! node, not the client's round trips, sets the pace, and waiting for 2,000
//! transactions costs a few dozen requests instead of thousands of polls.
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail, ensure};
use aptos_sdk::account::Ed25519Account;
use aptos_sdk::aptos_bcs;
use aptos_sdk::transaction::{
    EntryFunction, RawTransaction, SignedTransaction, TransactionPayload,
};
use aptos_sdk::types::{AccountAddress, ChainId, HashValue, MoveModuleId, TypeTag};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use yenpay_client::address::{from_sdk, signing_key};
use yenpay_client::client::{Error as ClientError, Sponsored, SubmitOptions, TxSigner, YenPay};
use yenpay_client::events::YenpayEvent;
use yenpay_client::invoice::InvoiceEvent;
use yenpay_client::stablecoin::primary_store_address;
use yenpay_types::fee;
use yenpay_types::limits::{FeeBps, Mcc, MerchantName, OrderRef, RefundWindow};

use crate::harness::{GAS_UNIT_PRICE, Harness, Outcome, unix_now};

mod node;
mod phase;
mod report;
mod setup;
mod tasks;
mod verify;

use node::*;
use phase::*;
use report::*;
use setup::*;
use tasks::*;
use verify::*;

/// Set to `1` to run the benchmark; without it the case says it is skipped.
pub const BENCH_ENV: &str = "YENPAY_BENCH_CHAIN";
const TRANSFERS_ENV: &str = "YENPAY_BENCH_TRANSFERS";
const PAYMENTS_ENV: &str = "YENPAY_BENCH_PAYMENTS";
const MERCHANTS_ENV: &str = "YENPAY_BENCH_MERCHANTS";
const PAYERS_ENV: &str = "YENPAY_BENCH_PAYERS";
const SPONSORED_ENV: &str = "YENPAY_BENCH_SPONSORED_PERCENT";
const IN_FLIGHT_ENV: &str = "YENPAY_BENCH_IN_FLIGHT";
/// Set to `1` to leave payout stores and the fee payer's APT store plain:
/// the contrast that shows what concurrent balances buy on this node.
const PLAIN_STORES_ENV: &str = "YENPAY_BENCH_PLAIN_STORES";
/// Rounds of both timed phases, the order alternating.
const ROUNDS_ENV: &str = "YENPAY_BENCH_ROUNDS";
/// Set to `1` to time the payments before the transfers in the first round.
const PAYMENTS_FIRST_ENV: &str = "YENPAY_BENCH_PAYMENTS_FIRST";
/// Invoices per `purge_invoices` transaction; `0` leaves the purge out
/// (and the refund window as it was).
const PURGE_BATCH_ENV: &str = "YENPAY_BENCH_PURGE_BATCH";

/// The issue's floor for a run whose figures count.
const ISSUE_MIN_TXS: usize = 2_000;
const ISSUE_MIN_MERCHANTS: usize = 100;
const ISSUE_MIN_PAYERS: usize = 500;
/// The issue's target for payments/s over transfers/s.
const TARGET_RATIO: f64 = 0.9;

/// Most gas units a benchmark transaction may use: a payment, which writes
/// its invoice's record (about 5,300 with the new table item), with room. The prologue wants this times
/// the gas price in the payer's APT, so it also sets how much APT a sender needs.
const MAX_GAS: u64 = 20_000;
/// The funder's batch transfers create accounts and APT stores.
const FUNDING_MAX_GAS: u64 = 1_000_000;
/// Recipients per `batch_transfer`.
const FUNDING_BATCH: usize = 50;
/// Gas units set aside per transaction when budgeting APT: a payment or a
/// transfer (a few hundred), and one that creates a slot (about 5,000, doubled).
const GAS_PER_SMALL_TX: u64 = 2_000;
const GAS_PER_NEW_SLOT_TX: u64 = 10_000;
/// Yen each payer keeps after both phases: the balance check's anchor.
const LEFT_OVER: u64 = 100;
/// Yen each payer sends in the untimed warm-up burst.
const WARM_UP_YEN: u64 = 1;
/// Yen minted to each payout account so that its primary store exists (and
/// can be made concurrent) before the first payment.
const PAYOUT_SEED_YEN: u64 = 1;
/// How long a round's codes are payable: signed just before the payment
/// phase, they must outlive the settling pause and the phase.
const CODE_TTL_SECS: u64 = 240;
/// Most gas units a purge of [`DEFAULT_PURGE_BATCH`] invoices may use.
const PURGE_MAX_GAS: u64 = 400_000;
const DEFAULT_PURGE_BATCH: u64 = 100;
/// The package's shortest refund window (`invoice::MIN_REFUND_WINDOW_SECS`).
const MIN_REFUND_WINDOW_SECS: u64 = 10;
/// How long a pre-signed transaction stays valid.
const EXPIRATION_SECS: u64 = 900;
/// Concurrency of setup submissions and reads.
const SETUP_CONCURRENCY: usize = 32;
/// How long the ledger follower waits for news once everything is submitted.
const STALL: Duration = Duration::from_secs(60);
/// Quiet time before each timed phase, so that neither inherits the node's
/// work on what came before (setup, or the other phase).
const SETTLE: Duration = Duration::from_secs(10);
/// Fewer blocks than this make the block-timestamp rate meaningless.
const MIN_BLOCKS: usize = 20;
/// The REST API's page of committed transactions.
const PAGE: u16 = 100;
/// Framework feature flags (move-stdlib `features.move`).
const CONCURRENT_FUNGIBLE_BALANCE: u64 = 67;
const DEFAULT_TO_CONCURRENT_FUNGIBLE_BALANCE: u64 = 68;
const CONCURRENT_BALANCE_RESOURCE: &str = "0x1::fungible_asset::ConcurrentFungibleBalance";

/// Why the case does nothing, unless the benchmark was asked for.
pub fn skipped() -> Option<String> {
    (!requested()).then(|| {
        format!(
            "bench_chain skipped: it is a benchmark, not a test, and runs only with {BENCH_ENV}=1 \
             (`cargo xtask bench-chain` deploys a fresh package and sets it)"
        )
    })
}

fn requested() -> bool {
    flag(BENCH_ENV)
}

fn flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|value| value.trim() == "1")
}

/// The run's size, from the environment `cargo xtask bench-chain` sets.
#[derive(Debug, Clone, Copy)]
struct Config {
    transfers: usize,
    payments: usize,
    merchants: usize,
    payers: usize,
    sponsored_percent: u64,
    in_flight: usize,
    plain_stores: bool,
    payments_first: bool,
    rounds: usize,
    purge_batch: usize,
}

impl Config {
    fn from_env() -> Result<Self> {
        let config = Self {
            transfers: env_number(TRANSFERS_ENV, ISSUE_MIN_TXS as u64)? as usize,
            payments: env_number(PAYMENTS_ENV, ISSUE_MIN_TXS as u64)? as usize,
            merchants: env_number(MERCHANTS_ENV, ISSUE_MIN_MERCHANTS as u64)? as usize,
            payers: env_number(PAYERS_ENV, ISSUE_MIN_PAYERS as u64)? as usize,
            sponsored_percent: env_number(SPONSORED_ENV, 50)?,
            in_flight: env_number(IN_FLIGHT_ENV, 64)? as usize,
            plain_stores: flag(PLAIN_STORES_ENV),
            payments_first: flag(PAYMENTS_FIRST_ENV),
            rounds: env_number(ROUNDS_ENV, 2)? as usize,
            purge_batch: env_number(PURGE_BATCH_ENV, DEFAULT_PURGE_BATCH)? as usize,
        };
        ensure!(
            config.transfers > 0 && config.payments > 0,
            "{TRANSFERS_ENV} and {PAYMENTS_ENV} must be at least 1"
        );
        ensure!(
            config.merchants > 0 && config.payers > 0,
            "{MERCHANTS_ENV} and {PAYERS_ENV} must be at least 1"
        );
        ensure!(
            config.sponsored_percent <= 100,
            "{SPONSORED_ENV} is a percentage (0 to 100)"
        );
        ensure!(config.in_flight > 0, "{IN_FLIGHT_ENV} must be at least 1");
        ensure!(config.rounds > 0, "{ROUNDS_ENV} must be at least 1");
        Ok(config)
    }

    fn meets_issue_floor(&self) -> bool {
        self.transfers >= ISSUE_MIN_TXS
            && self.payments >= ISSUE_MIN_TXS
            && self.merchants >= ISSUE_MIN_MERCHANTS
            && self.payers >= ISSUE_MIN_PAYERS
            && (1..100).contains(&self.sponsored_percent)
    }

    /// Whether transaction `index` of a phase has the operator as fee payer:
    /// exactly `sponsored_percent` of every hundred, evenly spread.
    fn sponsored(&self, index: usize) -> bool {
        let share = self.sponsored_percent;
        (index as u64 * share) % 100 + share >= 100
    }

    fn payer_of(&self, index: usize) -> usize {
        index % self.payers
    }

    fn merchant_of(&self, index: usize) -> usize {
        index % self.merchants
    }

    /// The invoice that payment `index` of `round` pays: each round has its own.
    fn invoice_of(&self, round: usize, index: usize) -> usize {
        round * self.payments + index
    }
}

fn env_number(name: &str, default: u64) -> Result<u64> {
    match std::env::var(name) {
        Ok(text) if !text.trim().is_empty() => text
            .trim()
            .parse()
            .with_context(|| format!("{name}={text} is not a whole number")),
        _ => Ok(default),
    }
}

fn transfer_amount(index: usize) -> u64 {
    100 + (index % 89) as u64 * 7
}

fn payment_amount(index: usize) -> u64 {
    1_000 + (index % 97) as u64 * 11
}

fn order(index: usize) -> Result<OrderRef> {
    Ok(OrderRef::new(format!("BENCH-{index:06}"))?)
}

fn fee_bps_of(merchant: usize) -> u64 {
    [100, 150, 200, 250, 325][merchant % 5]
}

/// A merchant of the benchmark: the owner registers a terminal, whose key
/// signs the codes; the payout account receives.
struct BenchMerchant {
    owner: Ed25519Account,
    terminal: Ed25519Account,
    payout: Ed25519Account,
    fee_bps: FeeBps,
}

/// Everything the phases share, behind an `Arc` for the spawned tasks.
struct Bench {
    config: Config,
    /// The harness's client with a gas limit of [`MAX_GAS`] (same sequence
    /// number cache, so the operator's numbers stay in step).
    client: YenPay,
    chain_id: ChainId,
    /// The deployer: operator, master minter, and every sponsored
    /// transaction's fee payer.
    operator: Ed25519Account,
    minter: Ed25519Account,
    payers: Vec<Ed25519Account>,
    merchants: Vec<BenchMerchant>,
    /// The local node's process, whose CPU time each phase reports.
    node_pid: Option<String>,
}

/// Where the node stands on concurrent balances, and what the setup did.
#[derive(Debug, Default)]
struct Concurrency {
    balance_flag: bool,
    default_flag: bool,
    payout_stores: usize,
    payout_stores_concurrent: usize,
    treasury_concurrent: bool,
    /// `None`: the operator's APT is not in a fungible store.
    sponsor_store_concurrent: Option<bool>,
    upgraded_here: bool,
}

/// The setup's steps and how long each took.
#[derive(Default)]
struct Setup {
    steps: Vec<(String, Duration)>,
    started: Option<Instant>,
}

impl Setup {
    async fn step<T>(&mut self, what: &str, work: impl Future<Output = Result<T>>) -> Result<T> {
        self.started.get_or_insert_with(Instant::now);
        println!("bench setup: {what} ...");
        let started = Instant::now();
        let value = work.await.with_context(|| format!("setup: {what}"))?;
        let took = started.elapsed();
        println!("bench setup: {what}: done in {}", secs(took));
        self.steps.push((what.to_owned(), took));
        Ok(value)
    }

    fn total(&self) -> Duration {
        self.started.map(|s| s.elapsed()).unwrap_or_default()
    }
}

/// The case: setup, rounds of both timed phases, checks, report.
pub async fn bench_chain(h: &'static Harness) -> Result<()> {
    let config = Config::from_env()?;
    // A report left by an earlier run must not pass for this one's.
    let path = report_path();
    if path.exists() {
        std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
    }
    // Exact treasury and supply figures: no other case may run meanwhile.
    let _exclusive = h.exclusive().await;
    // The deployer is held for the whole run: it registers, mints and
    // sponsors here with the client's local sequence numbers.
    let deployer = h.deployer().await;
    let operator = (*deployer).clone();
    println!(
        "bench: {} round(s) of {} transfers and {} invoice payments, {} merchants, {} payers, \
         {}% sponsored, {} submissions in flight",
        config.rounds,
        config.transfers,
        config.payments,
        config.merchants,
        config.payers,
        config.sponsored_percent,
        config.in_flight
    );
    let mut setup = Setup::default();
    let (bench, concurrency) = prepare(h, config, operator, &mut setup).await?;
    let setup_total = setup.total();
    println!("bench setup: complete in {}", secs(setup_total));

    let coin = h.client.stablecoin();
    let treasury_before = h.client.fee_treasury().balance().await?;
    let supply_before = coin.total_supply().await?;

    // Untimed: on this node the first burst after setup ran 5-25% slower
    // than the next one, whichever kind it was; a burst touching every payer
    // and payout store first puts the timed phases on the same footing.
    println!(
        "bench: warm-up (not timed): each of {} payers sends {WARM_UP_YEN} yen to a payout account",
        config.payers
    );
    let warm_up = run_phase(h, &bench, "warm-up", warm_up_calls(h, &bench)?).await?;
    ensure!(
        warm_up.all_succeeded(),
        "the warm-up failed: {}",
        warm_up.failure_story()
    );

    // The order alternates from round to round, so that whatever a phase
    // inherits from the one before counts against both kinds alike.
    let mut rounds = Vec::with_capacity(config.rounds);
    let mut paid = Vec::with_capacity(config.rounds * config.payments);
    for round in 0..config.rounds {
        let payments_first = config.payments_first ^ (round % 2 == 1);
        println!(
            "bench: round {} of {}, {} first",
            round + 1,
            config.rounds,
            if payments_first {
                "payments"
            } else {
                "transfers"
            }
        );
        let (transfers, payments) = if payments_first {
            let (calls, created) = payment_calls(h, &bench, round).await?;
            paid.extend(created);
            let payments = phase(h, &bench, "payments", calls).await?;
            let transfers = phase(h, &bench, "transfers", transfer_calls(h, &bench)?).await?;
            (transfers, payments)
        } else {
            let transfers = phase(h, &bench, "transfers", transfer_calls(h, &bench)?).await?;
            let (calls, created) = payment_calls(h, &bench, round).await?;
            paid.extend(created);
            let payments = phase(h, &bench, "payments", calls).await?;
            (transfers, payments)
        };
        let round = Round {
            payments_first,
            transfers,
            payments,
        };
        println!("bench: {}", round.summary());
        rounds.push(round);
    }

    let purge = if config.purge_batch > 0 {
        Some(purge_phase(h, &bench, &paid).await?)
    } else {
        println!("bench: {PURGE_BATCH_ENV}=0: the purge is left out");
        None
    };

    let checks = verify(h, &bench, &warm_up, &rounds, treasury_before, supply_before).await?;
    let report = render(
        h,
        &config,
        &concurrency,
        &setup,
        setup_total,
        Timed {
            rounds: &rounds,
            purge: purge.as_ref(),
        },
        &checks,
    );
    println!("\n{report}");
    std::fs::write(&path, &report).with_context(|| format!("writing {}", path.display()))?;
    println!("bench: report written to {}", path.display());

    let mut problems = Vec::new();
    for (index, round) in rounds.iter().enumerate() {
        for phase in [&round.transfers, &round.payments] {
            if !phase.all_succeeded() {
                problems.push(format!("round {}: {}", index + 1, phase.failure_story()));
            }
        }
    }
    if let Some(purge) = &purge
        && !purge.all_succeeded()
    {
        problems.push(format!("purge: {}", purge.failure_story()));
    }
    problems.extend(checks.mismatches.iter().cloned());
    ensure!(
        problems.is_empty(),
        "the benchmark's outcomes are wrong:\n{}",
        problems.join("\n")
    );
    Ok(())
}

/// Waits until every code has expired (a paid invoice is purgeable once its
/// code has expired and its refund window has passed), then times the purge
/// of every invoice the payments created.
async fn purge_phase(h: &'static Harness, bench: &Arc<Bench>, paid: &[Paid]) -> Result<Phase> {
    let last_expiry = paid.iter().map(|p| p.expires_at).max().unwrap_or(0);
    let purgeable_at = last_expiry.max(unix_now()) + MIN_REFUND_WINDOW_SECS;
    loop {
        let now = h.chain_now().await?;
        if now > purgeable_at {
            break;
        }
        println!(
            "bench: waiting {} s for the last codes to expire before the purge",
            purgeable_at + 1 - now
        );
        tokio::time::sleep(Duration::from_secs((purgeable_at + 1 - now).min(30))).await;
    }
    let calls = purge_calls(bench, paid)?;
    phase(h, bench, "purge", calls).await
}

/// One round: both timed phases.
struct Round {
    payments_first: bool,
    transfers: Phase,
    payments: Phase,
}

impl Round {
    fn summary(&self) -> String {
        let ratio = |p: Option<f64>, t: Option<f64>| match (p, t) {
            (Some(p), Some(t)) if t > 0.0 => format!("{:.2}", p / t),
            _ => "n/a".to_owned(),
        };
        format!(
            "payments/s ÷ transfers/s this round: {} by the client's clock, {} by block timestamps",
            ratio(
                Some(self.payments.wall_tps()),
                Some(self.transfers.wall_tps())
            ),
            ratio(self.payments.chain_tps(), self.transfers.chain_tps())
        )
    }
}

/// One transaction of a timed phase, before signing.
struct Planned {
    sender: Sender,
    sponsored: bool,
    max_gas: u64,
    call: EntryFunction,
}

/// Who sends a planned transaction.
#[derive(Debug, Clone, Copy)]
enum Sender {
    /// `Bench::payers[i]`.
    Payer(usize),
    /// The operator (the purge).
    Operator,
}

/// An invoice a payment created, for the purge.
struct Paid {
    merchant: AccountAddress,
    order: OrderRef,
    expires_at: u64,
}

/// A committed transaction of a phase, as the ledger showed it.
struct Seen {
    version: u64,
    /// Its block's timestamp, microseconds.
    timestamp: u64,
    /// When the follower read it.
    at: Instant,
    outcome: std::result::Result<yenpay_client::client::Submitted, ClientError>,
}

/// A timed phase's figures and outcomes, by transaction index.
struct Phase {
    name: &'static str,
    sponsored: usize,
    /// Submission refused by the node, by index.
    rejected: Vec<(usize, String)>,
    seen: Vec<Option<Seen>>,
    /// First submission to the last submission answered.
    submitting: Duration,
    /// First submission to the last commit the follower read.
    wall: Duration,
    /// User transactions of others between our first and last version.
    others: usize,
    /// The first few accepted but not seen committed, with what the node said of them.
    missing: Vec<(usize, String)>,
    /// CPU time the node's process (when it runs here) and this client used
    /// from the first submission to the follower's last read of a commit.
    node_cpu: Option<Duration>,
    client_cpu: Option<Duration>,
    /// The machine's 1-minute load average when the phase started and ended.
    load: (Option<f64>, Option<f64>),
}

impl Phase {
    fn total(&self) -> usize {
        self.seen.len()
    }

    fn succeeded(&self) -> usize {
        self.seen
            .iter()
            .flatten()
            .filter(|seen| seen.outcome.is_ok())
            .count()
    }

    fn failed(&self) -> Vec<(usize, String)> {
        self.seen
            .iter()
            .enumerate()
            .filter_map(|(index, seen)| match seen.as_ref().map(|s| &s.outcome) {
                Some(Err(error)) => Some((index, error.to_string())),
                _ => None,
            })
            .collect()
    }

    fn not_committed(&self) -> usize {
        let rejected = self.rejected.len();
        self.seen.iter().filter(|seen| seen.is_none()).count() - rejected
    }

    fn all_succeeded(&self) -> bool {
        self.succeeded() == self.total()
    }

    fn failure_story(&self) -> String {
        let failed = self.failed();
        let mut story = format!(
            "{}: {} of {} succeeded, {} failed on chain, {} refused at submission, {} not committed",
            self.name,
            self.succeeded(),
            self.total(),
            failed.len(),
            self.rejected.len(),
            self.not_committed()
        );
        for (index, status) in failed
            .iter()
            .chain(&self.rejected)
            .chain(&self.missing)
            .take(8)
        {
            let _ = write!(story, "\n  #{index}: {status}");
        }
        story
    }

    /// Block timestamps of our first and last committed transaction (µs),
    /// and how many of ours share the first block.
    fn chain_span(&self) -> Option<(u64, u64, usize)> {
        let stamps: Vec<u64> = self.seen.iter().flatten().map(|s| s.timestamp).collect();
        let first = *stamps.iter().min()?;
        let last = *stamps.iter().max()?;
        let in_first = stamps.iter().filter(|&&t| t == first).count();
        Some((first, last, in_first))
    }

    fn wall_tps(&self) -> f64 {
        self.succeeded() as f64 / self.wall.as_secs_f64().max(f64::EPSILON)
    }

    /// Committed per second between the first and last block: those in the
    /// first block count as the start, as in any rate between two events.
    fn chain_tps(&self) -> Option<f64> {
        let (first, last, in_first) = self.chain_span()?;
        (last > first).then(|| {
            self.succeeded().saturating_sub(in_first) as f64 / ((last - first) as f64 / 1e6)
        })
    }

    /// Blocks holding our transactions, and the most of ours in one.
    fn blocks(&self) -> (usize, usize) {
        let mut per_block: BTreeMap<u64, usize> = BTreeMap::new();
        for seen in self.seen.iter().flatten() {
            *per_block.entry(seen.timestamp).or_default() += 1;
        }
        (
            per_block.len(),
            per_block.values().copied().max().unwrap_or(0),
        )
    }

    fn mean_gas(&self) -> f64 {
        let gas: Vec<u64> = self
            .seen
            .iter()
            .flatten()
            .filter_map(|s| s.outcome.as_ref().ok().map(|ok| ok.gas_used))
            .collect();
        gas.iter().sum::<u64>() as f64 / gas.len().max(1) as f64
    }

    fn summary(&self) -> String {
        format!(
            "{}: {}/{} succeeded; {:.1} tx/s by the client's clock ({}), {} by block timestamps",
            self.name,
            self.succeeded(),
            self.total(),
            self.wall_tps(),
            secs(self.wall),
            self.chain_tps()
                .map_or_else(|| "n/a".to_owned(), |tps| format!("{tps:.1} tx/s"))
        )
    }
}

/// What the checks after both phases found.
struct Checks {
    /// What was checked, one line each.
    done: Vec<String>,
    mismatches: Vec<String>,
}

/// One kind of phase over every round, taken together.
struct Pooled<'a>(Vec<&'a Phase>);

impl Pooled<'_> {
    fn sum(&self, f: impl Fn(&Phase) -> usize) -> usize {
        self.0.iter().map(|p| f(p)).sum()
    }

    fn total(&self) -> usize {
        self.sum(Phase::total)
    }

    fn wall(&self) -> Duration {
        self.0.iter().map(|p| p.wall).sum()
    }

    fn wall_tps(&self) -> f64 {
        self.sum(Phase::succeeded) as f64 / self.wall().as_secs_f64().max(f64::EPSILON)
    }

    /// Summed over rounds: what was committed after each round's first block,
    /// and the time from its first to its last block.
    fn chain(&self) -> (usize, Duration) {
        let mut committed = 0;
        let mut span = Duration::ZERO;
        for phase in &self.0 {
            if let Some((first, last, in_first)) = phase.chain_span()
                && last > first
            {
                committed += phase.succeeded().saturating_sub(in_first);
                span += Duration::from_micros(last - first);
            }
        }
        (committed, span)
    }

    fn chain_tps(&self) -> Option<f64> {
        let (committed, span) = self.chain();
        (!span.is_zero()).then(|| committed as f64 / span.as_secs_f64())
    }

    fn mean_gas(&self) -> f64 {
        let (gas, count) = self.0.iter().fold((0.0, 0), |(gas, count), p| {
            let n = p.succeeded();
            (gas + p.mean_gas() * n as f64, count + n)
        });
        gas / count.max(1) as f64
    }

    fn cpu_per_tx(&self, cpu: impl Fn(&Phase) -> Option<Duration>) -> String {
        let total: Option<Duration> = self.0.iter().map(|p| cpu(p)).sum();
        total.map_or_else(
            || "n/a".to_owned(),
            |cpu| {
                format!(
                    "{:.2} ms",
                    cpu.as_secs_f64() * 1e3 / self.total().max(1) as f64
                )
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(sponsored_percent: u64) -> Config {
        Config {
            transfers: 2_000,
            payments: 2_000,
            merchants: 100,
            payers: 500,
            sponsored_percent,
            in_flight: 64,
            plain_stores: false,
            payments_first: false,
            rounds: 2,
            purge_batch: 100,
        }
    }

    #[test]
    fn the_sponsored_share_is_exact_and_spread() {
        for share in [0, 1, 30, 50, 99, 100] {
            let config = config(share);
            let sponsored = (0..1_000).filter(|&i| config.sponsored(i)).count();
            assert_eq!(sponsored as u64, share * 10, "{share}%");
        }
        let half = config(50);
        assert!((0..10).all(|i| half.sponsored(i) == (i % 2 == 1)));
    }

    #[test]
    fn median_of_odd_even_and_no_rounds() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[1.3, 0.8, 1.0]), Some(1.0));
        assert_eq!(median(&[0.85, 1.29, 1.04, 0.98]), Some((0.98 + 1.04) / 2.0));
    }

    #[test]
    fn payers_are_minted_exactly_what_they_send_and_keep() {
        let config = config(50);
        let yen = payer_yen(&config);
        let per_round: u64 = (0..config.transfers).map(transfer_amount).sum::<u64>()
            + (0..config.payments).map(payment_amount).sum::<u64>();
        let sent = config.rounds as u64 * per_round;
        assert_eq!(
            yen.iter().sum::<u64>(),
            sent + (LEFT_OVER + WARM_UP_YEN) * config.payers as u64
        );
        assert!(config.meets_issue_floor());
        // Each round pays its own invoices.
        assert_eq!(config.invoice_of(0, 1_999), 1_999);
        assert_eq!(config.invoice_of(1, 0), 2_000);
        assert!(
            !Config {
                payers: 499,
                ..config
            }
            .meets_issue_floor()
        );
        assert!(
            !Config {
                sponsored_percent: 0,
                ..config
            }
            .meets_issue_floor()
        );
    }
}
