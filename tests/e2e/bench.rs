//! The throughput benchmark (issue 17): N plain hooked transfers of the coin
//! against N `invoice::pay_invoice` payments on the same node, with the same
//! payers, merchants, sponsorship mix and submission concurrency; committed
//! transactions per second for both and their ratio, in
//! target/bench-chain.md.
//!
//! A benchmark, not a timed test: it runs only with `YENPAY_BENCH_CHAIN=1`
//! (`cargo xtask bench-chain` sets it) and fails only when a transaction
//! fails or the balances do not add up, never on a figure.
//!
//! Setup (not timed) funds payers, merchant owners, a minter and the
//! operator with APT in a few `0x1::aptos_account::batch_transfer`s, has
//! every payer send its first transaction, mints the yen, makes every payout
//! store a concurrent-balance store where the chain allows it, registers the
//! merchants and creates the invoices (one set per round). An untimed
//! warm-up burst follows. Then each round times both phases, the order
//! alternating from round to round. A phase signs all its transactions
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
use yenpay_client::client::{Error as ClientError, Sponsored, SubmitOptions, TxSigner, YenPay};
use yenpay_client::events::YenpayEvent;
use yenpay_client::invoice::InvoiceEvent;
use yenpay_client::stablecoin::primary_store_address;
use yenpay_types::fee;
use yenpay_types::limits::{FeeBps, Mcc, MerchantName, OrderRef, Ttl};

use crate::harness::{GAS_UNIT_PRICE, Harness, Outcome, unix_now};

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

/// The issue's floor for a run whose figures count.
const ISSUE_MIN_TXS: usize = 2_000;
const ISSUE_MIN_MERCHANTS: usize = 100;
const ISSUE_MIN_PAYERS: usize = 500;
/// The issue's target for payments/s over transfers/s.
const TARGET_RATIO: f64 = 0.9;

/// Most gas units a benchmark transaction may use: `create_invoice` (about
/// 5,000 with its new table item) with room. The prologue wants this times
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
/// Lifetime of the benchmark's invoices: setup and the transfer phase must
/// fit in it.
const INVOICE_TTL_SECS: u64 = 3_600;
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

/// A merchant of the benchmark: the owner creates the invoices (an owner may,
/// like its terminals); the payout account receives.
struct BenchMerchant {
    owner: Ed25519Account,
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
            let payments = phase(h, &bench, "payments", payment_calls(h, &bench, round)?).await?;
            let transfers = phase(h, &bench, "transfers", transfer_calls(h, &bench)?).await?;
            (transfers, payments)
        } else {
            let transfers = phase(h, &bench, "transfers", transfer_calls(h, &bench)?).await?;
            let payments = phase(h, &bench, "payments", payment_calls(h, &bench, round)?).await?;
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

    let checks = verify(h, &bench, &warm_up, &rounds, treasury_before, supply_before).await?;
    let report = render(
        h,
        &config,
        &concurrency,
        &setup,
        setup_total,
        &rounds,
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
    problems.extend(checks.mismatches.iter().cloned());
    ensure!(
        problems.is_empty(),
        "the benchmark's outcomes are wrong:\n{}",
        problems.join("\n")
    );
    Ok(())
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

/// Accounts, APT, yen, merchants, concurrent stores and invoices.
async fn prepare(
    h: &'static Harness,
    config: Config,
    operator: Ed25519Account,
    setup: &mut Setup,
) -> Result<(Arc<Bench>, Concurrency)> {
    let client = h.client.clone().with_options(SubmitOptions {
        max_gas_amount: MAX_GAS,
        gas_unit_price: Some(GAS_UNIT_PRICE),
        expiration: Duration::from_secs(EXPIRATION_SECS),
        ..SubmitOptions::default()
    });
    let funding_client = h.client.clone().with_options(SubmitOptions {
        max_gas_amount: FUNDING_MAX_GAS,
        gas_unit_price: Some(GAS_UNIT_PRICE),
        ..SubmitOptions::default()
    });
    let payers: Vec<_> = (0..config.payers).map(|_| h.unfunded_account()).collect();
    let merchants: Vec<_> = (0..config.merchants)
        .map(|index| {
            Ok(BenchMerchant {
                owner: h.unfunded_account(),
                payout: h.unfunded_account(),
                fee_bps: FeeBps::new(fee_bps_of(index))?,
            })
        })
        .collect::<Result<_>>()?;
    let minter = h.unfunded_account();
    let bench = Arc::new(Bench {
        config,
        client,
        chain_id: ChainId::new(h.chain_id),
        operator,
        minter,
        payers,
        merchants,
        node_pid: find_node_pid(),
    });
    match &bench.node_pid {
        Some(pid) => println!("bench: the node is process {pid} here: its CPU time is reported"),
        None => println!("bench: no single local node process found: its CPU time is not reported"),
    }

    let mut concurrency = Concurrency {
        balance_flag: feature_enabled(h, CONCURRENT_FUNGIBLE_BALANCE).await?,
        default_flag: feature_enabled(h, DEFAULT_TO_CONCURRENT_FUNGIBLE_BALANCE).await?,
        ..Concurrency::default()
    };
    println!(
        "bench: feature CONCURRENT_FUNGIBLE_BALANCE ({CONCURRENT_FUNGIBLE_BALANCE}) {}, \
         DEFAULT_TO_CONCURRENT_FUNGIBLE_BALANCE ({DEFAULT_TO_CONCURRENT_FUNGIBLE_BALANCE}) {}",
        on_off(concurrency.balance_flag),
        on_off(concurrency.default_flag)
    );

    // APT: what each sender needs for the prologue's check (max gas times
    // price) and its own gas, with room.
    let reserve = 2 * MAX_GAS * GAS_UNIT_PRICE;
    let txs_per_payer =
        (config.rounds * (config.transfers + config.payments)).div_ceil(config.payers) as u64 + 1;
    let invoices_per_owner = (config.rounds * config.payments).div_ceil(config.merchants) as u64;
    let payer_apt = reserve
        + GAS_PER_NEW_SLOT_TX * GAS_UNIT_PRICE
        + txs_per_payer * GAS_PER_SMALL_TX * GAS_UNIT_PRICE;
    let owner_apt = reserve + invoices_per_owner * GAS_PER_NEW_SLOT_TX * GAS_UNIT_PRICE;
    let minter_apt =
        reserve + (config.payers + config.merchants) as u64 * GAS_PER_NEW_SLOT_TX * GAS_UNIT_PRICE;
    let mut recipients: Vec<(AccountAddress, u64)> = Vec::new();
    recipients.extend(bench.payers.iter().map(|p| (p.address(), payer_apt)));
    recipients.extend(
        bench
            .merchants
            .iter()
            .map(|m| (m.owner.address(), owner_apt)),
    );
    recipients.push((bench.minter.address(), minter_apt));
    // The operator pays the gas of every sponsored transaction.
    let sponsored_txs = (config.rounds * (config.transfers + config.payments)) as u64
        * config.sponsored_percent
        / 100
        + (config.merchants + config.payers) as u64;
    let operator_apt = reserve
        + sponsored_txs * GAS_PER_SMALL_TX * GAS_UNIT_PRICE
        + 2 * config.merchants as u64 * GAS_PER_NEW_SLOT_TX * GAS_UNIT_PRICE;
    recipients.push((bench.operator.address(), operator_apt));
    let batches: Vec<Vec<(AccountAddress, u64)>> = recipients
        .chunks(FUNDING_BATCH)
        .map(<[_]>::to_vec)
        .collect();
    let funder = h.unfunded_account();
    let funder_apt = recipients.iter().map(|(_, apt)| apt).sum::<u64>()
        + (batches.len() as u64 + 2) * FUNDING_MAX_GAS * GAS_UNIT_PRICE;

    setup
        .step("faucet: APT for the funder", async {
            // Asked again when the faucet's transaction does not commit in time.
            yenpay_deploy::faucet::fund(h.client.aptos(), funder.address(), funder_apt)
                .await
                .context("funding the funder from the faucet")
        })
        .await?;

    let what = format!(
        "APT for {} payers, {} merchant owners, the minter and the operator in {} \
         batch_transfer(s)",
        config.payers,
        config.merchants,
        batches.len()
    );
    let funder = Arc::new(funder);
    let batches = Arc::new(batches);
    setup
        .step(&what, {
            let funder = Arc::clone(&funder);
            let batches = Arc::clone(&batches);
            each("batch_transfer", batches.len(), 4, move |index| {
                let funder = Arc::clone(&funder);
                let batches = Arc::clone(&batches);
                let client = funding_client.clone();
                async move {
                    let call = batch_transfer(&batches[index])?;
                    client
                        .submit_entry(&*funder, call)
                        .await
                        .committed(&format!("batch_transfer {index}"))
                        .await?;
                    Ok(())
                }
            })
        })
        .await?;

    // Where the chain has DEFAULT_ACCOUNT_RESOURCE, an account's first own
    // transaction creates its `Account` resource (a new slot: about 5,000
    // gas units). Done here, so that neither timed phase pays for it.
    setup
        .step(
            &format!(
                "each of {} payers sends its first transaction (1 octa to itself)",
                config.payers
            ),
            each("first transaction", config.payers, SETUP_CONCURRENCY, {
                let bench = Arc::clone(&bench);
                move |index| {
                    let bench = Arc::clone(&bench);
                    async move {
                        let payer = &bench.payers[index];
                        bench
                            .client
                            .submit_entry(payer, EntryFunction::apt_transfer(payer.address(), 1)?)
                            .await
                            .committed(&format!("payer {index}'s first transaction"))
                            .await?;
                        Ok(())
                    }
                }
            }),
        )
        .await?;

    let yen_of_payer = payer_yen(&config);
    let total_mint: u64 =
        yen_of_payer.iter().sum::<u64>() + PAYOUT_SEED_YEN * config.merchants as u64;
    setup
        .step("configure the minter", async {
            h.client
                .stablecoin()
                .configure_minter(&bench.operator, bench.minter.address(), total_mint)
                .await
                .committed("configure the benchmark's minter")
                .await?;
            Ok(())
        })
        .await?;
    let yen_of_payer = Arc::new(yen_of_payer);
    let mints = config.payers + config.merchants;
    setup
        .step(
            &format!(
                "mint yen to {} payers and {PAYOUT_SEED_YEN} yen to each of {} payout accounts \
                 (creates their stores)",
                config.payers, config.merchants
            ),
            each("mint", mints, SETUP_CONCURRENCY, {
                let bench = Arc::clone(&bench);
                move |index| {
                    let bench = Arc::clone(&bench);
                    let yen_of_payer = Arc::clone(&yen_of_payer);
                    async move {
                        let (to, amount) = match index.checked_sub(bench.config.payers) {
                            None => (bench.payers[index].address(), yen_of_payer[index]),
                            Some(m) => (bench.merchants[m].payout.address(), PAYOUT_SEED_YEN),
                        };
                        bench
                            .client
                            .stablecoin()
                            .mint(&bench.minter, to, amount)
                            .await
                            .committed(&format!("mint {amount} yen to {to}"))
                            .await?;
                        Ok(())
                    }
                }
            }),
        )
        .await?;

    // Payout stores: concurrent where the chain allows it. Where new stores
    // are concurrent by default there is nothing to do; where the feature is
    // off the framework aborts the upgrade, so it is not asked.
    if concurrency.balance_flag && !concurrency.default_flag && !config.plain_stores {
        concurrency.upgraded_here = true;
        setup
            .step(
                &format!(
                    "{} payout accounts call 0x1::fungible_asset::upgrade_store_to_concurrent \
                     on their primary store (sponsored)",
                    config.merchants
                ),
                each(
                    "upgrade_store_to_concurrent",
                    config.merchants,
                    SETUP_CONCURRENCY,
                    {
                        let bench = Arc::clone(&bench);
                        move |index| {
                            let bench = Arc::clone(&bench);
                            async move {
                                let payout = &bench.merchants[index].payout;
                                let store =
                                    primary_store_address(bench.client.package(), payout.address());
                                bench
                                    .client
                                    .submit_entry(
                                        &Sponsored::new(payout, &bench.operator),
                                        upgrade_store_to_concurrent(store)?,
                                    )
                                    .await
                                    .committed(&format!("payout {index} upgrades its store"))
                                    .await?;
                                Ok(())
                            }
                        }
                    },
                ),
            )
            .await?;
    }
    // The fee payer's APT store is written by every sponsored transaction.
    let sponsor_store = apt_primary_store(h, bench.operator.address()).await?;
    if let Some(store) = sponsor_store
        && concurrency.balance_flag
        && !config.plain_stores
        && !is_concurrent(h, store).await?
    {
        setup
            .step(
                "the operator makes its APT store (it pays every sponsored transaction's gas) \
                 a concurrent-balance store",
                async {
                    bench
                        .client
                        .submit_entry(&bench.operator, upgrade_store_to_concurrent(store)?)
                        .await
                        .committed("the operator upgrades its APT store")
                        .await?;
                    Ok(())
                },
            )
            .await?;
    }

    setup
        .step(
            &format!("register {} merchants", config.merchants),
            each("register_merchant", config.merchants, SETUP_CONCURRENCY, {
                let bench = Arc::clone(&bench);
                move |index| {
                    let bench = Arc::clone(&bench);
                    async move {
                        let merchant = &bench.merchants[index];
                        let name = MerchantName::new(format!("Bench shop {index:04}"))?;
                        bench
                            .client
                            .merchant_registry()
                            .register_merchant(
                                &bench.operator,
                                merchant.owner.address(),
                                &name,
                                &Mcc::new("5411")?,
                                merchant.payout.address(),
                                merchant.fee_bps,
                            )
                            .await
                            .committed(&format!("register merchant {index}"))
                            .await?;
                        Ok(())
                    }
                }
            }),
        )
        .await?;

    setup
        .step(
            &format!(
                "create {} invoices ({} per round) over {} merchants",
                config.rounds * config.payments,
                config.payments,
                config.merchants
            ),
            each(
                "create_invoice",
                config.rounds * config.payments,
                config.in_flight,
                {
                    let bench = Arc::clone(&bench);
                    move |invoice| {
                        let bench = Arc::clone(&bench);
                        async move {
                            // Invoice `invoice` is paid by payment `index` of its round.
                            let index = invoice % bench.config.payments;
                            let merchant = &bench.merchants[bench.config.merchant_of(index)];
                            bench
                                .client
                                .invoice()
                                .create_invoice(
                                    &merchant.owner,
                                    merchant.owner.address(),
                                    &order(invoice)?,
                                    payment_amount(index),
                                    Ttl::from_secs(INVOICE_TTL_SECS)?,
                                )
                                .await
                                .committed(&format!("create invoice {invoice}"))
                                .await?;
                            Ok(())
                        }
                    }
                },
            ),
        )
        .await?;

    // What the payments will meet.
    concurrency.payout_stores = config.merchants;
    for merchant in &bench.merchants {
        let store = primary_store_address(h.package(), merchant.payout.address());
        if is_concurrent(h, store).await? {
            concurrency.payout_stores_concurrent += 1;
        }
    }
    concurrency.treasury_concurrent =
        is_concurrent(h, primary_store_address(h.package(), h.treasury)).await?;
    concurrency.sponsor_store_concurrent = match sponsor_store {
        Some(store) => Some(is_concurrent(h, store).await?),
        None => None,
    };
    Ok((bench, concurrency))
}

/// Yen each payer needs: everything it sends in every round and the warm-up,
/// and [`LEFT_OVER`].
fn payer_yen(config: &Config) -> Vec<u64> {
    let rounds = config.rounds as u64;
    let mut yen = vec![LEFT_OVER + WARM_UP_YEN; config.payers];
    for index in 0..config.transfers {
        yen[config.payer_of(index)] += rounds * transfer_amount(index);
    }
    for index in 0..config.payments {
        yen[config.payer_of(index)] += rounds * payment_amount(index);
    }
    yen
}

/// One transaction of a timed phase, before signing.
struct Planned {
    payer: usize,
    sponsored: bool,
    call: EntryFunction,
}

fn transfer_calls(h: &Harness, bench: &Bench) -> Result<Vec<Planned>> {
    let calls = h.client.stablecoin().calls();
    (0..bench.config.transfers)
        .map(|index| {
            let payout = bench.merchants[bench.config.merchant_of(index)]
                .payout
                .address();
            Ok(Planned {
                payer: bench.config.payer_of(index),
                sponsored: bench.config.sponsored(index),
                call: calls.transfer(payout, transfer_amount(index))?,
            })
        })
        .collect()
}

/// One small transfer per payer, to the payout account of merchant `payer % merchants`.
fn warm_up_calls(h: &Harness, bench: &Bench) -> Result<Vec<Planned>> {
    let calls = h.client.stablecoin().calls();
    (0..bench.config.payers)
        .map(|payer| {
            let payout = bench.merchants[bench.config.merchant_of(payer)]
                .payout
                .address();
            Ok(Planned {
                payer,
                sponsored: bench.config.sponsored(payer),
                call: calls.transfer(payout, WARM_UP_YEN)?,
            })
        })
        .collect()
}

fn payment_calls(h: &Harness, bench: &Bench, round: usize) -> Result<Vec<Planned>> {
    let calls = h.client.invoice().calls();
    let config = &bench.config;
    (0..config.payments)
        .map(|index| {
            let merchant = bench.merchants[config.merchant_of(index)].owner.address();
            let order = order(config.invoice_of(round, index))?;
            Ok(Planned {
                payer: config.payer_of(index),
                sponsored: config.sponsored(index),
                call: calls.pay_invoice(merchant, &order, payment_amount(index))?,
            })
        })
        .collect()
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

/// One timed phase, announced and summed up on the console.
async fn phase(
    h: &'static Harness,
    bench: &Arc<Bench>,
    name: &'static str,
    planned: Vec<Planned>,
) -> Result<Phase> {
    println!(
        "bench: letting the node settle for {} before timing {name}",
        secs(SETTLE)
    );
    tokio::time::sleep(SETTLE).await;
    println!("bench: timed phase: {} {name} ...", planned.len());
    let phase = run_phase(h, bench, name, planned).await?;
    println!("bench: {}", phase.summary());
    Ok(phase)
}

/// Signs every call, submits them with at most `in_flight` submissions
/// outstanding, and follows the ledger until each is committed (or its
/// expiration has passed).
async fn run_phase(
    h: &'static Harness,
    bench: &Arc<Bench>,
    name: &'static str,
    planned: Vec<Planned>,
) -> Result<Phase> {
    let n = planned.len();
    // Local sequence numbers, from the chain once all setup has committed.
    let mut next_sequence = sequence_numbers(h, bench).await?;
    let expires_at = unix_now() + EXPIRATION_SECS;
    let mut signed = Vec::with_capacity(n);
    let mut expected = HashMap::with_capacity(n);
    let mut identities = Vec::with_capacity(n);
    let mut sponsored = 0;
    for (index, plan) in planned.into_iter().enumerate() {
        let payer = &bench.payers[plan.payer];
        let sequence = next_sequence[plan.payer];
        next_sequence[plan.payer] += 1;
        let raw = RawTransaction::new(
            payer.address(),
            sequence,
            TransactionPayload::EntryFunction(plan.call),
            MAX_GAS,
            GAS_UNIT_PRICE,
            expires_at,
            bench.chain_id,
        );
        let transaction = if plan.sponsored {
            sponsored += 1;
            Sponsored::new(payer, &bench.operator).sign_raw(raw)?
        } else {
            payer.sign_raw(raw)?
        };
        let hash = transaction.hash()?;
        expected.insert(hash, index);
        identities.push((hash, payer.address(), sequence));
        signed.push(transaction);
    }
    println!("bench: {name}: {n} transactions signed ({sponsored} sponsored); submitting");

    let load_before = load_average();
    let start_version = ledger_version(h).await?;
    let node_cpu_before = bench.node_pid.as_deref().and_then(cpu_time);
    let client_cpu_before = cpu_time("self");
    let mut cpu_at_last_found = (node_cpu_before, client_cpu_before);
    let started = Instant::now();
    let mut submitter = Some(tokio::spawn(submit_all(h, signed, bench.config.in_flight)));
    let mut submission: Option<(Vec<Option<String>>, Instant)> = None;
    let mut seen: Vec<Option<Seen>> = (0..n).map(|_| None).collect();
    let mut found = 0;
    let mut other_versions = Vec::new();
    let mut next = start_version + 1;
    let mut ledger = start_version;
    let fullnode = h.client.aptos().fullnode();
    let mut last_progress = Instant::now();
    let mut last_found = Instant::now();
    loop {
        if submitter.as_ref().is_some_and(|task| task.is_finished())
            && let Some(task) = submitter.take()
        {
            submission = Some(task.await.context("the submission task panicked")?);
        }
        if let Some((results, _)) = &submission {
            let refused = results
                .iter()
                .zip(&seen)
                .filter(|(refused, seen)| refused.is_some() && seen.is_none())
                .count();
            if found + refused >= n {
                break;
            }
            // Everything is submitted and nothing commits any more: a
            // refused submission leaves a gap in its payer's sequence
            // numbers, and a transaction the node accepted may be stuck or
            // dropped. Waiting until they expire would tell nothing more.
            if last_found.elapsed() > STALL {
                println!(
                    "bench: {name}: nothing new committed for {}, {} of {n} committed and \
                     {refused} refused: stopping",
                    secs(STALL),
                    found
                );
                break;
            }
        }
        if unix_now() > expires_at + 30 {
            println!("bench: {name}: gave up waiting: the transactions have expired");
            break;
        }
        if last_progress.elapsed() > Duration::from_secs(10) {
            println!("bench: {name}: {found}/{n} committed so far");
            last_progress = Instant::now();
        }
        if next > ledger {
            ledger = ledger_version(h).await?;
            if next > ledger {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        }
        let page = fullnode
            .get_transactions(Some(next), Some(PAGE))
            .await
            .with_context(|| format!("reading committed transactions from version {next}"))?;
        let at = Instant::now();
        let found_before = found;
        if let Some(version) = page.ledger_version {
            ledger = ledger.max(version);
        }
        for transaction in page.into_inner() {
            let version = number(&transaction, "version")?;
            next = version + 1;
            if transaction.get("type").and_then(Value::as_str) != Some("user_transaction") {
                continue;
            }
            let hash = transaction
                .get("hash")
                .and_then(Value::as_str)
                .and_then(|hash| HashValue::from_hex(hash).ok())
                .context("a user transaction without a hash")?;
            match expected.get(&hash) {
                Some(&index) if seen[index].is_none() => {
                    seen[index] = Some(Seen {
                        version,
                        timestamp: number(&transaction, "timestamp")?,
                        at,
                        outcome: yenpay_client::client::Submitted::from_transaction_json(
                            bench.client.package(),
                            &transaction,
                        ),
                    });
                    found += 1;
                    last_found = at;
                }
                Some(_) => {}
                None => other_versions.push(version),
            }
        }
        if found > found_before {
            // CPU up to the last commit, not the idle wait after it.
            cpu_at_last_found = (
                bench.node_pid.as_deref().and_then(cpu_time),
                cpu_time("self"),
            );
        }
    }
    if let Some(task) = submitter.take() {
        submission = Some(task.await.context("the submission task panicked")?);
    }
    let (results, submitted_at) = submission.context("the submission task did not finish")?;
    // A refusal whose transaction committed anyway (a retried submission) is no refusal.
    let rejected: Vec<(usize, String)> = results
        .into_iter()
        .enumerate()
        .filter(|(index, _)| seen[*index].is_none())
        .filter_map(|(index, error)| error.map(|error| (index, error)))
        .collect();
    let last_seen = seen.iter().flatten().map(|s| s.at).max().unwrap_or(started);
    // What the node says of the first few accepted but never seen.
    let mut missing = Vec::new();
    for (index, &(hash, sender, sequence)) in identities.iter().enumerate() {
        if seen[index].is_some() || rejected.iter().any(|(i, _)| *i == index) {
            continue;
        }
        if missing.len() == 5 {
            break;
        }
        let status = match fullnode.get_transaction_by_hash(&hash).await {
            Ok(response) => match response.into_inner().get("type").and_then(Value::as_str) {
                Some("pending_transaction") => "still pending in the mempool".to_owned(),
                Some(other) => format!("now {other} (committed after the follower stopped)"),
                None => "an answer without a type".to_owned(),
            },
            Err(error) if error.is_not_found() => {
                "unknown to the node (dropped from the mempool, or discarded)".to_owned()
            }
            Err(error) => format!("could not be asked about: {error}"),
        };
        missing.push((
            index,
            format!("{hash} from {sender}, sequence number {sequence}: {status}"),
        ));
    }
    let versions: Vec<u64> = seen.iter().flatten().map(|s| s.version).collect();
    let others = match (versions.iter().min(), versions.iter().max()) {
        (Some(&low), Some(&high)) => other_versions
            .iter()
            .filter(|&&v| (low..=high).contains(&v))
            .count(),
        _ => 0,
    };
    Ok(Phase {
        name,
        sponsored,
        rejected,
        seen,
        submitting: submitted_at.saturating_duration_since(started),
        wall: last_seen.saturating_duration_since(started),
        others,
        missing,
        node_cpu: cpu_at_last_found
            .0
            .zip(node_cpu_before)
            .map(|(after, before)| after.saturating_sub(before)),
        client_cpu: cpu_at_last_found
            .1
            .zip(client_cpu_before)
            .map(|(after, before)| after.saturating_sub(before)),
        load: (load_before, load_average()),
    })
}

/// Submits in order with at most `in_flight` requests outstanding; the
/// node's refusal per index, and when the last answer came.
async fn submit_all(
    h: &'static Harness,
    signed: Vec<SignedTransaction>,
    in_flight: usize,
) -> (Vec<Option<String>>, Instant) {
    let permits = Arc::new(Semaphore::new(in_flight));
    let mut tasks = JoinSet::new();
    let mut results: Vec<Option<String>> = vec![None; signed.len()];
    for (index, transaction) in signed.into_iter().enumerate() {
        let Ok(permit) = Arc::clone(&permits).acquire_owned().await else {
            results[index] = Some("the submission semaphore closed".to_owned());
            continue;
        };
        tasks.spawn(async move {
            let _permit = permit;
            let outcome = h.client.aptos().submit_transaction(&transaction).await;
            (
                index,
                outcome.err().map(|error| format!("refused: {error}")),
            )
        });
    }
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((index, error)) => results[index] = error,
            Err(error) => {
                // Which index panicked is lost; count it against the first free slot.
                if let Some(slot) = results.iter_mut().find(|r| r.is_none()) {
                    *slot = Some(format!("the submission task failed: {error}"));
                }
            }
        }
    }
    (results, Instant::now())
}

/// Every payer's next sequence number on chain.
async fn sequence_numbers(h: &'static Harness, bench: &Bench) -> Result<Vec<u64>> {
    let payers: Arc<Vec<AccountAddress>> =
        Arc::new(bench.payers.iter().map(Ed25519Account::address).collect());
    run_each(
        "sequence numbers",
        payers.len(),
        SETUP_CONCURRENCY,
        false,
        move |index| {
            let payer = payers[index];
            async move {
                h.client
                    .aptos()
                    .get_sequence_number(payer)
                    .await
                    .with_context(|| format!("sequence number of {payer}"))
            }
        },
    )
    .await
}

/// What the checks after both phases found.
struct Checks {
    /// What was checked, one line each.
    done: Vec<String>,
    mismatches: Vec<String>,
}

/// Every payment's event, every payer, payout, the treasury and the supply.
async fn verify(
    h: &'static Harness,
    bench: &Bench,
    warm_up: &Phase,
    rounds: &[Round],
    treasury_before: u64,
    supply_before: u128,
) -> Result<Checks> {
    let config = &bench.config;
    let mut mismatches = Vec::new();
    let mut done = Vec::new();
    let mut payer_sent = vec![0u64; config.payers];
    let mut payout_got = vec![PAYOUT_SEED_YEN; config.merchants];
    let mut fees = 0u64;
    for (payer, seen) in warm_up.seen.iter().enumerate() {
        if let Some(Seen { outcome: Ok(_), .. }) = seen {
            payer_sent[payer] += WARM_UP_YEN;
            payout_got[config.merchant_of(payer)] += WARM_UP_YEN;
        }
    }
    let mut events_ok = 0;
    let mut payments_total = 0;
    for (round_index, round) in rounds.iter().enumerate() {
        for (index, seen) in round.transfers.seen.iter().enumerate() {
            if let Some(Seen { outcome: Ok(_), .. }) = seen {
                payer_sent[config.payer_of(index)] += transfer_amount(index);
                payout_got[config.merchant_of(index)] += transfer_amount(index);
            }
        }
        payments_total += round.payments.total();
        for (index, seen) in round.payments.seen.iter().enumerate() {
            let Some(Seen {
                outcome: Ok(submitted),
                ..
            }) = seen
            else {
                continue;
            };
            let merchant_index = config.merchant_of(index);
            let merchant = &bench.merchants[merchant_index];
            let payer = bench.payers[config.payer_of(index)].address();
            let amount = payment_amount(index);
            let split = fee::split(amount, merchant.fee_bps);
            let paid: Vec<_> = submitted
                .yenpay_events()
                .filter_map(|event| match event {
                    YenpayEvent::Invoice(InvoiceEvent::InvoicePaid(paid)) => Some(paid),
                    _ => None,
                })
                .collect();
            let expected = (
                merchant.owner.address(),
                order(config.invoice_of(round_index, index))?
                    .as_str()
                    .to_owned(),
                payer,
                amount,
                split.fee,
                split.net,
            );
            match paid.as_slice() {
                [event]
                    if (
                        event.merchant,
                        event.order_ref.clone(),
                        event.payer,
                        event.amount,
                        event.fee,
                        event.net,
                    ) == expected =>
                {
                    events_ok += 1;
                }
                other => mismatches.push(format!(
                    "round {} payment #{index} ({}): InvoicePaid events {other:?}, expected one \
                     with (merchant, order, payer, amount, fee, net) = {expected:?}",
                    round_index + 1,
                    submitted.hash
                )),
            }
            payer_sent[config.payer_of(index)] += amount;
            payout_got[merchant_index] += split.net;
            fees += split.fee;
        }
    }
    done.push(format!(
        "{events_ok} of {payments_total} payments emitted exactly one InvoicePaid with the right \
         merchant, order, payer, amount, fee and net"
    ));

    let coin = h.client.stablecoin();
    let yen_of_payer = payer_yen(config);
    let payer_balances = balances(
        h,
        bench.payers.iter().map(Ed25519Account::address).collect(),
    )
    .await?;
    let mut payers_ok = 0;
    for (index, balance) in payer_balances.into_iter().enumerate() {
        let expected = yen_of_payer[index] - payer_sent[index];
        if balance == expected {
            payers_ok += 1;
        } else {
            mismatches.push(format!("payer {index}: {balance} yen, expected {expected}"));
        }
    }
    done.push(format!(
        "{payers_ok} of {} payers hold what they were minted less what they sent",
        config.payers
    ));
    let payout_balances = balances(
        h,
        bench.merchants.iter().map(|m| m.payout.address()).collect(),
    )
    .await?;
    let mut payouts_ok = 0;
    for (index, balance) in payout_balances.into_iter().enumerate() {
        if balance == payout_got[index] {
            payouts_ok += 1;
        } else {
            mismatches.push(format!(
                "payout of merchant {index}: {balance} yen, expected {}",
                payout_got[index]
            ));
        }
    }
    done.push(format!(
        "{payouts_ok} of {} payout accounts hold the transfers plus the nets of their payments",
        config.merchants
    ));
    let treasury = h.client.fee_treasury().balance().await?;
    if treasury == treasury_before + fees {
        done.push(format!("the treasury grew by the {fees} yen of fees"));
    } else {
        mismatches.push(format!(
            "treasury: {treasury} yen, expected {treasury_before} + {fees} fees"
        ));
    }
    let supply = coin.total_supply().await?;
    if supply == supply_before {
        done.push("the total supply did not move while yen changed hands".to_owned());
    } else {
        mismatches.push(format!(
            "total supply: {supply}, expected {supply_before} (nothing minted or burnt)"
        ));
    }
    let sent: u64 = payer_sent.iter().sum();
    let received: u64 =
        payout_got.iter().sum::<u64>() - PAYOUT_SEED_YEN * config.merchants as u64 + fees;
    if sent == received {
        done.push(format!(
            "sum check: {sent} yen sent = payouts' takings + fees"
        ));
    } else {
        mismatches.push(format!("sum check: {sent} yen sent, {received} received"));
    }
    Ok(Checks { done, mismatches })
}

/// Yen balances of `owners`, in order.
async fn balances(h: &'static Harness, owners: Vec<AccountAddress>) -> Result<Vec<u64>> {
    let owners = Arc::new(owners);
    run_each(
        "yen balances",
        owners.len(),
        SETUP_CONCURRENCY,
        false,
        move |index| {
            let owner = owners[index];
            async move {
                h.client
                    .stablecoin()
                    .balance(owner)
                    .await
                    .with_context(|| format!("yen balance of {owner}"))
            }
        },
    )
    .await
}

/// Runs `job(i)` for every i in 0..n, at most `limit` at once, printing
/// progress; fails naming how many failed and the first few errors.
async fn each<F, Fut>(what: &str, n: usize, limit: usize, job: F) -> Result<()>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = Result<()>> + Send + 'static,
{
    run_each(what, n, limit, true, job).await.map(drop)
}

/// [`each`] that keeps every job's output, in index order.
async fn run_each<T, F, Fut>(
    what: &str,
    n: usize,
    limit: usize,
    progress: bool,
    job: F,
) -> Result<Vec<T>>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = Result<T>> + Send + 'static,
{
    let permits = Arc::new(Semaphore::new(limit));
    let mut tasks = JoinSet::new();
    let mut outputs: Vec<Option<T>> = (0..n).map(|_| None).collect();
    let mut failures = Vec::new();
    let progress_every = (n / 5).max(1);
    let mut finished = 0;
    let mut record = |joined: (usize, Result<T>)| {
        finished += 1;
        if progress && n >= 50 && finished % progress_every == 0 {
            println!("bench setup:   {what}: {finished}/{n}");
        }
        match joined {
            (index, Ok(output)) => outputs[index] = Some(output),
            (index, Err(error)) => failures.push((index, error)),
        }
    };
    for index in 0..n {
        let permit = Arc::clone(&permits).acquire_owned().await?;
        let work = job(index);
        tasks.spawn(async move {
            let _permit = permit;
            (index, work.await)
        });
        while let Some(joined) = tasks.try_join_next() {
            record(joined.context("a task panicked")?);
        }
    }
    while let Some(joined) = tasks.join_next().await {
        record(joined.context("a task panicked")?);
    }
    if failures.is_empty() {
        return Ok(outputs.into_iter().flatten().collect());
    }
    failures.sort_by_key(|(index, _)| *index);
    let first: Vec<String> = failures
        .iter()
        .take(3)
        .map(|(index, error)| format!("#{index}: {error:#}"))
        .collect();
    bail!(
        "{what}: {} of {n} failed; the first:\n{}",
        failures.len(),
        first.join("\n")
    )
}

/// `0x1::aptos_account::batch_transfer(recipients, amounts)`.
fn batch_transfer(batch: &[(AccountAddress, u64)]) -> Result<EntryFunction> {
    let (recipients, amounts): (Vec<AccountAddress>, Vec<u64>) = batch.iter().copied().unzip();
    Ok(EntryFunction::new(
        MoveModuleId::from_str_strict("0x1::aptos_account")?,
        "batch_transfer",
        Vec::new(),
        vec![
            aptos_bcs::to_bytes(&recipients).context("BCS of the recipients")?,
            aptos_bcs::to_bytes(&amounts).context("BCS of the amounts")?,
        ],
    ))
}

/// `0x1::fungible_asset::upgrade_store_to_concurrent<FungibleStore>(owner, store)`.
fn upgrade_store_to_concurrent(store: AccountAddress) -> Result<EntryFunction> {
    Ok(EntryFunction::new(
        MoveModuleId::from_str_strict("0x1::fungible_asset")?,
        "upgrade_store_to_concurrent",
        vec![TypeTag::from_str_strict(
            "0x1::fungible_asset::FungibleStore",
        )?],
        // An `Object<T>` argument is its address in BCS.
        vec![aptos_bcs::to_bytes(&store).context("BCS of the store")?],
    ))
}

/// `0x1::features::is_enabled(feature)`, the framework's own view.
async fn feature_enabled(h: &Harness, feature: u64) -> Result<bool> {
    let values = h
        .client
        .aptos()
        .fullnode()
        .view(
            "0x1::features::is_enabled",
            Vec::new(),
            vec![json!(feature.to_string())],
        )
        .await
        .with_context(|| format!("0x1::features::is_enabled({feature})"))?
        .into_inner();
    values
        .first()
        .and_then(Value::as_bool)
        .with_context(|| format!("0x1::features::is_enabled({feature}) returned {values:?}"))
}

/// `owner`'s APT primary store, if its APT is a fungible asset store.
async fn apt_primary_store(h: &Harness, owner: AccountAddress) -> Result<Option<AccountAddress>> {
    let fullnode = h.client.aptos().fullnode();
    let values = fullnode
        .view(
            "0x1::primary_fungible_store::primary_store_address",
            vec!["0x1::fungible_asset::Metadata".to_owned()],
            vec![json!(owner.to_string()), json!("0xa")],
        )
        .await
        .context("0x1::primary_fungible_store::primary_store_address(operator, APT)")?
        .into_inner();
    let store = values
        .first()
        .and_then(Value::as_str)
        .and_then(|text| AccountAddress::from_hex(text).ok())
        .with_context(|| format!("primary_store_address returned {values:?}"))?;
    Ok(has_resource(h, store, "0x1::fungible_asset::FungibleStore")
        .await?
        .then_some(store))
}

async fn is_concurrent(h: &Harness, store: AccountAddress) -> Result<bool> {
    has_resource(h, store, CONCURRENT_BALANCE_RESOURCE).await
}

async fn has_resource(h: &Harness, address: AccountAddress, resource: &str) -> Result<bool> {
    match h
        .client
        .aptos()
        .fullnode()
        .get_account_resource(address, resource)
        .await
    {
        Ok(_) => Ok(true),
        Err(error) if error.is_not_found() => Ok(false),
        Err(error) => Err(error).context(format!("reading {resource} at {address}")),
    }
}

async fn ledger_version(h: &Harness) -> Result<u64> {
    let info = h.client.aptos().ledger_info().await?;
    info.ledger_version
        .parse()
        .with_context(|| format!("ledger_version {:?}", info.ledger_version))
}

/// A u64 field of a transaction's JSON (the API sends them as strings).
fn number(transaction: &Value, field: &str) -> Result<u64> {
    transaction
        .get(field)
        .and_then(Value::as_str)
        .and_then(|text| text.parse().ok())
        .ok_or_else(|| anyhow!("a committed transaction without a numeric `{field}`"))
}

/// CPU time (user and system) process `pid` (or `self`) has used, from
/// /proc (Linux); `None` elsewhere.
fn cpu_time(pid: &str) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After the command name (in parentheses, may hold spaces) come fields
    // 3 onwards; utime and stime are fields 14 and 15.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // USER_HZ is 100 on every Linux ABI.
    Some(Duration::from_millis(ticks * 10))
}

/// The node's process, when the node is local and exactly one `aptos-node`
/// (or `aptos node run-localnet`) runs on this machine (Linux).
fn find_node_pid() -> Option<String> {
    let url = std::env::var("APTOS_NODE_URL").unwrap_or_default();
    if !(url.is_empty() || url.contains("127.0.0.1") || url.contains("localhost")) {
        return None;
    }
    let mut found = None;
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let args: Vec<String> = cmdline
            .split(|&b| b == 0)
            .map(|arg| String::from_utf8_lossy(arg).into_owned())
            .collect();
        let program = args.first().map(String::as_str).unwrap_or_default();
        let is_node = program.ends_with("aptos-node")
            || (program.ends_with("aptos") && args.iter().any(|arg| arg == "run-localnet"));
        if is_node {
            if found.is_some() {
                return None;
            }
            found = Some(name);
        }
    }
    found
}

/// The 1-minute load average where the OS tells it (Linux), to show how
/// busy the shared machine was: the figures mean little under heavy load.
fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn on_off(flag: bool) -> &'static str {
    if flag { "on" } else { "off" }
}

fn secs(duration: Duration) -> String {
    format!("{:.2} s", duration.as_secs_f64())
}

/// target/bench-chain.md, beside the suite's target/e2e-report.md.
fn report_path() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(tmp).join("bench-chain.md")
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

/// `payments / transfers`, with the verdict against the target.
fn verdict(payments: Option<f64>, transfers: Option<f64>) -> String {
    match (payments, transfers) {
        (Some(payments), Some(transfers)) if transfers > 0.0 => {
            let ratio = payments / transfers;
            format!(
                "**{ratio:.2}** ({} the {TARGET_RATIO} target)",
                if ratio >= TARGET_RATIO {
                    "meets"
                } else {
                    "misses"
                }
            )
        }
        _ => "n/a".to_owned(),
    }
}

fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    match sorted.len() {
        0 => None,
        n if n % 2 == 1 => Some(sorted[middle]),
        _ => Some((sorted[middle - 1] + sorted[middle]) / 2.0),
    }
}

fn tps(rate: Option<f64>) -> String {
    rate.map_or_else(|| "n/a".to_owned(), |rate| format!("{rate:.1}"))
}

fn render(
    h: &Harness,
    config: &Config,
    concurrency: &Concurrency,
    setup: &Setup,
    setup_total: Duration,
    rounds: &[Round],
    checks: &Checks,
) -> String {
    let mut out = String::new();
    let now = OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_else(|_| "unknown time".to_owned());
    let node = std::env::var("APTOS_NODE_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let transfers = Pooled(rounds.iter().map(|r| &r.transfers).collect());
    let payments = Pooled(rounds.iter().map(|r| &r.payments).collect());
    let _ = writeln!(
        out,
        "# Throughput: plain hooked transfers against invoice payments\n"
    );
    let _ = writeln!(
        out,
        "Written by `cargo xtask bench-chain` on {now}: node {node} (chain id {}), package {}, \
         on a machine with {cores} CPU cores shared by the node and this client.\n",
        h.chain_id,
        h.package()
    );
    let _ = writeln!(
        out,
        "Run: {} round(s), each of {} transfers and {} payments, over {} merchants and {} \
         payers, {}% sponsored by the operator as fee payer, at most {} submissions in flight; \
         the order alternates from round to round. Every payer had sent a transaction before \
         (its account resource exists) and every store existed, so the phases measure the \
         steady path. An untimed warm-up burst (one transfer per payer) came first, and the \
         node had {} of quiet before each timed phase. {}\n",
        config.rounds,
        config.transfers,
        config.payments,
        config.merchants,
        config.payers,
        config.sponsored_percent,
        config.in_flight,
        secs(SETTLE),
        if config.meets_issue_floor() {
            "This meets the issue's floor (N >= 2,000 each, 100 merchants, 500 payers, both \
             kinds of fee payer)."
        } else {
            "Below the issue's floor (N >= 2,000 each, 100 merchants, 500 payers, both kinds \
             of fee payer): a trial run."
        }
    );
    if config.plain_stores {
        let _ = writeln!(
            out,
            "**Contrast run (`--plain-stores`): payout stores and the operator's APT store were \
             left plain.**\n"
        );
    }
    let _ = writeln!(out, "## All rounds together\n");
    let _ = writeln!(out, "| | transfers | invoice payments |");
    let _ = writeln!(out, "|---|---:|---:|");
    let row = |out: &mut String, label: &str, f: &dyn Fn(&Pooled) -> String| {
        let _ = writeln!(out, "| {label} | {} | {} |", f(&transfers), f(&payments));
    };
    row(&mut out, "transactions (sponsored)", &|p| {
        format!("{} ({})", p.total(), p.sum(|phase| phase.sponsored))
    });
    row(
        &mut out,
        "succeeded / failed / refused / not committed",
        &|p| {
            format!(
                "{} / {} / {} / {}",
                p.sum(Phase::succeeded),
                p.sum(|phase| phase.failed().len()),
                p.sum(|phase| phase.rejected.len()),
                p.sum(Phase::not_committed)
            )
        },
    );
    row(&mut out, "mean gas units", &|p| {
        format!("{:.0}", p.mean_gas())
    });
    row(
        &mut out,
        "first submission to last submission answered, summed",
        &|p| secs(p.0.iter().map(|phase| phase.submitting).sum()),
    );
    row(
        &mut out,
        "first submission to last commit seen, summed",
        &|p| secs(p.wall()),
    );
    row(&mut out, "**committed tx/s, client clock**", &|p| {
        format!("**{:.1}**", p.wall_tps())
    });
    row(&mut out, "first to last block timestamp, summed", &|p| {
        secs(p.chain().1)
    });
    row(&mut out, "**committed tx/s, block timestamps**", &|p| {
        format!("**{}**", tps(p.chain_tps()))
    });
    row(&mut out, "node process CPU time per transaction", &|p| {
        p.cpu_per_tx(|phase| phase.node_cpu)
    });
    row(&mut out, "this client's CPU time per transaction", &|p| {
        p.cpu_per_tx(|phase| phase.client_cpu)
    });
    row(
        &mut out,
        "others' user transactions in the same ledger spans",
        &|p| p.sum(|phase| phase.others).to_string(),
    );
    let _ = writeln!(
        out,
        "| **payments/s ÷ transfers/s** (client clock, block timestamps) | {} | {} |",
        verdict(Some(payments.wall_tps()), Some(transfers.wall_tps())),
        verdict(payments.chain_tps(), transfers.chain_tps())
    );
    let _ = writeln!(
        out,
        "\nClient clock: from the first submission to the moment the ledger follower read the \
         last commit, every transaction signed before the clock started. Block timestamps: \
         from the block of the first committed transaction to the block of the last, those in \
         the first block counting as the start. Each rate is the rounds' transactions over \
         their summed times.\n"
    );

    let _ = writeln!(out, "## Round by round\n");
    let _ = writeln!(
        out,
        "| round | first | transfers/s (client / blocks) | payments/s (client / blocks) | \
         ratio (client / blocks) | blocks (most in one), T / P | load average at start, T / P |"
    );
    let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|");
    let mut few_blocks = Vec::new();
    for (index, round) in rounds.iter().enumerate() {
        let (t, p) = (&round.transfers, &round.payments);
        let ratio = |p: Option<f64>, t: Option<f64>| match (p, t) {
            (Some(p), Some(t)) if t > 0.0 => format!("{:.2}", p / t),
            _ => "n/a".to_owned(),
        };
        let mut blocks = |phase: &Phase| {
            let (blocks, most) = phase.blocks();
            if blocks < MIN_BLOCKS {
                few_blocks.push(format!("round {} {}", index + 1, phase.name));
            }
            format!("{blocks} ({most})")
        };
        let (transfer_blocks, payment_blocks) = (blocks(t), blocks(p));
        let load = |phase: &Phase| {
            phase
                .load
                .0
                .map_or_else(|| "?".to_owned(), |l| format!("{l:.1}"))
        };
        let _ = writeln!(
            out,
            "| {} | {} | {:.1} / {} | {:.1} / {} | {} / {} | {} / {} | {} / {} |",
            index + 1,
            if round.payments_first {
                "payments"
            } else {
                "transfers"
            },
            t.wall_tps(),
            tps(t.chain_tps()),
            p.wall_tps(),
            tps(p.chain_tps()),
            ratio(Some(p.wall_tps()), Some(t.wall_tps())),
            ratio(p.chain_tps(), t.chain_tps()),
            transfer_blocks,
            payment_blocks,
            load(t),
            load(p)
        );
    }
    if !few_blocks.is_empty() {
        let _ = writeln!(
            out,
            "\n**Fewer than {MIN_BLOCKS} blocks in {}: too few for the block-timestamp rate to \
             mean much (a small phase, or a node that stalled and then batched its backlog into \
             a few large blocks); read the client clock there.**",
            few_blocks.join(", ")
        );
    }
    let client_ratios: Vec<f64> = rounds
        .iter()
        .map(|r| r.payments.wall_tps() / r.transfers.wall_tps().max(f64::EPSILON))
        .collect();
    // A phase squeezed into a few blocks has no meaningful block-timestamp rate.
    let block_ratios: Vec<f64> = rounds
        .iter()
        .filter(|r| r.transfers.blocks().0 >= MIN_BLOCKS && r.payments.blocks().0 >= MIN_BLOCKS)
        .filter_map(|r| Some(r.payments.chain_tps()? / r.transfers.chain_tps()?))
        .collect();
    let _ = writeln!(
        out,
        "\nMedian of the rounds' ratios (less sensitive to a round in which the shared machine \
         stalled the node): client clock {}, block timestamps {} (over the {} round(s) with at \
         least {MIN_BLOCKS} blocks in both phases).",
        median(&client_ratios).map_or_else(|| "n/a".to_owned(), |m| format!("**{m:.2}**")),
        median(&block_ratios).map_or_else(|| "n/a".to_owned(), |m| format!("**{m:.2}**")),
        block_ratios.len()
    );
    let _ = writeln!(
        out,
        "\nThe figures depend on how busy the machine was: the load average says so. The \
         ratio of the two kinds, taken over rounds of alternating order, is the figure to \
         compare.\n"
    );

    let _ = writeln!(out, "## Concurrent balances on this node\n");
    let _ = writeln!(
        out,
        "- Feature CONCURRENT_FUNGIBLE_BALANCE ({CONCURRENT_FUNGIBLE_BALANCE}): {}; \
         DEFAULT_TO_CONCURRENT_FUNGIBLE_BALANCE ({DEFAULT_TO_CONCURRENT_FUNGIBLE_BALANCE}): {}.",
        on_off(concurrency.balance_flag),
        on_off(concurrency.default_flag)
    );
    let applies = match (concurrency.balance_flag, concurrency.default_flag) {
        (_, true) => "New stores are created concurrent: the payout stores needed nothing.",
        (true, false) if concurrency.upgraded_here => {
            "Upgrade applies: each payout account called \
             `0x1::fungible_asset::upgrade_store_to_concurrent` on its primary store (sponsored \
             by the operator); the treasury was upgraded by the package at init."
        }
        (true, false) if config.plain_stores => {
            "Upgrade applies, but this run left the payout stores and the operator's APT store \
             plain on purpose (`--plain-stores`), to show what concurrent balances buy; the \
             treasury was upgraded by the package at init and stays concurrent."
        }
        (true, false) => "Upgrade applies, but the setup did not run it.",
        (false, false) => {
            "Neither applies: payout stores and the treasury keep plain balances. Every payment \
             to a merchant writes its payout store and every fee-bearing payment writes the \
             treasury, so Block-STM applies those payments one after another (same result, \
             lower throughput: expect the ratio to fall as fewer merchants share the load)."
        }
    };
    let _ = writeln!(out, "- {applies}");
    let _ = writeln!(
        out,
        "- Payout stores with a concurrent balance: {} of {}; fee treasury: {}; the operator's \
         APT store (it pays the gas of every sponsored transaction): {}.",
        concurrency.payout_stores_concurrent,
        concurrency.payout_stores,
        if concurrency.treasury_concurrent {
            "concurrent"
        } else {
            "plain"
        },
        match concurrency.sponsor_store_concurrent {
            Some(true) => "concurrent",
            Some(false) => "plain",
            None => "not a fungible store",
        }
    );
    let _ = writeln!(
        out,
        "- Block-STM runs at most about as many transactions at once as the node has cores \
         (here {cores}), so a write that serializes costs less here than on a many-core \
         validator; `--plain-stores` and fewer `--merchants` show what contention costs on \
         this node."
    );

    let _ = writeln!(out, "\n## Outcomes\n");
    for line in &checks.done {
        let _ = writeln!(out, "- {line}");
    }
    for (index, round) in rounds.iter().enumerate() {
        for phase in [&round.transfers, &round.payments] {
            if !phase.all_succeeded() {
                let _ = writeln!(
                    out,
                    "- **round {}: {}**",
                    index + 1,
                    phase.failure_story().replace('\n', "\n  ")
                );
            }
        }
    }
    for line in checks.mismatches.iter().take(10) {
        let _ = writeln!(out, "- **mismatch:** {line}");
    }
    if checks.mismatches.len() > 10 {
        let _ = writeln!(
            out,
            "- ... and {} more mismatches",
            checks.mismatches.len() - 10
        );
    }

    let _ = writeln!(out, "\n## Setup (not timed): {}\n", secs(setup_total));
    let _ = writeln!(out, "| step | took |");
    let _ = writeln!(out, "|---|---:|");
    for (step, took) in &setup.steps {
        let _ = writeln!(out, "| {step} | {} |", secs(*took));
    }
    out
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
