//! What every case shares: one tokio runtime, one client for the node and
//! package, the deployer (which holds every role; the package itself lives at
//! the deployer's resource account, a different address), fresh funded
//! accounts, and the locks that let cases run in parallel.
//!
//! - The deployer is one account with one sequence number: every transaction
//!   it signs goes through [`Harness::deployer`], a process-wide mutex.
//! - Cases that change or measure global state (pause, the fee treasury, the
//!   total supply) take [`Harness::exclusive`]; every other case takes
//!   [`Harness::shared`], so it never runs while the coin is paused or while
//!   an exact treasury or supply figure is being taken.
//! - One runtime for the whole binary, because the client's HTTP connections
//!   belong to the runtime that opened them.
use std::future::Future;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::{Mutex as StdMutex, OnceLock};
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use aptos_sdk::account::Ed25519Account;
use aptos_sdk::transaction::EntryFunction;
use aptos_sdk::types::{AccountAddress, HashValue};
use aptos_sdk::{Aptos, AptosConfig};
use tokio::runtime::Runtime;
use tokio::sync::{
    Mutex, MutexGuard, OnceCell, RwLock, RwLockReadGuard, RwLockWriteGuard, Semaphore,
};
use yenpay_client::abort::{
    InvoiceAbort, KnownAbort, MerchantRegistryAbort, StablecoinAbort, UpgradeAbort,
};
use yenpay_client::client::{Error, SubmitOptions, Submitted, YenPay};
use yenpay_client::events::YenpayEvent;
use yenpay_deploy::deployment::{Deployment, Network};
use yenpay_deploy::keys::{SecretKey, read_key_file};
use yenpay_types::limits::{FeeBps, Mcc, MerchantName};

use crate::report::Report;

/// What to do when there is no node: printed by every case that cannot start.
pub const SETUP_HINT: &str = "The end-to-end suite needs a running Aptos node with the yenpay package \
published. Run `cargo xtask e2e` (it uses APTOS_NODE_URL or starts a localnet, deploys a fresh \
package and runs these tests), or set APTOS_NODE_URL and APTOS_FAUCET_URL (defaults \
http://127.0.0.1:8080 and http://127.0.0.1:8081), YENPAY_PACKAGE (default: deployments/local.json) \
and YENPAY_DEPLOYER_KEY_FILE (default: .aptos/yenpay-local.key) yourself.";

const NODE_URL_ENV: &str = "APTOS_NODE_URL";
const FAUCET_URL_ENV: &str = "APTOS_FAUCET_URL";
const PACKAGE_ENV: &str = "YENPAY_PACKAGE";
const DEPLOYER_KEY_FILE_ENV: &str = "YENPAY_DEPLOYER_KEY_FILE";
const DEFAULT_NODE_URL: &str = "http://127.0.0.1:8080";
const DEFAULT_FAUCET_URL: &str = "http://127.0.0.1:8081";

/// Octas the faucet gives each fresh account: plenty for a case's gas.
const FUNDING_OCTAS: u64 = 100_000_000;
/// The gas unit price every transaction pays (the local and public networks'
/// minimum), fixed so that an account's APT can be checked to the octa.
pub const GAS_UNIT_PRICE: u64 = 100;
/// Faucet requests in flight at once.
const FAUCET_CONCURRENCY: usize = 8;

static RUNTIME: OnceLock<Runtime> = OnceLock::new();
static HARNESS: OnceCell<Harness> = OnceCell::const_new();

/// Runs one case on the shared runtime; a failure panics with the whole story.
pub fn run<F, Fut>(name: &str, case: F)
where
    F: FnOnce(&'static Harness) -> Fut,
    Fut: Future<Output = Result<()>>,
{
    let runtime = RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .enable_all()
            .build()
            .expect("cannot start the tokio runtime")
    });
    let result = runtime.block_on(async {
        let harness = HARNESS
            .get_or_try_init(Harness::connect)
            .await
            .map_err(|error| anyhow!("{error:#}\n\n{SETUP_HINT}"))?;
        case(harness).await
    });
    if let Err(error) = result {
        // The chain of causes, without anyhow's backtrace (RUST_BACKTRACE
        // would bury the transaction hash and VM status under it).
        let mut story = error.to_string();
        for cause in error.chain().skip(1) {
            story.push_str(&format!("\n  caused by: {cause}"));
        }
        panic!("{name} failed:\n{story}");
    }
}

/// Figures taken when the harness connected, before any case ran.
#[derive(Debug, Clone, Copy)]
pub struct Baseline {
    /// Total supply of the coin.
    pub supply: u128,
    /// The deployer's yen.
    pub deployer_yen: u64,
    /// The fee treasury's yen.
    pub treasury_yen: u64,
    /// The FX desk's yen inventory.
    pub desk_yen: u64,
    /// The tax-refund float's yen.
    pub float_yen: u64,
}

/// The shared state of the suite.
pub struct Harness {
    /// The client for the node and package (fixed gas price, local sequence numbers).
    pub client: YenPay,
    /// Chain id of the node.
    pub chain_id: u8,
    /// The coin's metadata object.
    pub metadata: AccountAddress,
    /// The fee treasury object.
    pub treasury: AccountAddress,
    /// Figures before any case ran.
    pub baseline: Baseline,
    /// The report under target/.
    pub report: Report,
    deployer: Ed25519Account,
    deployer_lock: Mutex<()>,
    world: RwLock<()>,
    faucet: Semaphore,
    /// Every account a case created: the holders case 14 adds up.
    accounts: StdMutex<Vec<AccountAddress>>,
}

impl Harness {
    async fn connect() -> Result<Self> {
        let node_url = env_or(NODE_URL_ENV, DEFAULT_NODE_URL);
        let faucet_url = env_or(FAUCET_URL_ENV, DEFAULT_FAUCET_URL);
        let config = AptosConfig::custom(&rest_api_url(&node_url))
            .with_context(|| format!("{NODE_URL_ENV}={node_url} is not an http(s) URL"))?
            .with_timeout(Duration::from_secs(30))
            .with_faucet_url(&faucet_url)
            .with_context(|| format!("{FAUCET_URL_ENV}={faucet_url} is not an http(s) URL"))?;
        let aptos = Aptos::new(config).context("creating the Aptos client")?;
        let chain_id = tokio::time::timeout(Duration::from_secs(10), aptos.ensure_chain_id())
            .await
            .map_err(|_| anyhow!("no answer from the Aptos node at {node_url} within 10 s"))?
            .with_context(|| format!("no Aptos node answers at {node_url}"))?
            .id();

        let root = repo_root();
        let root = root.as_path();
        let package = package_address(root)?;
        let deployer = deployer_key(root)?.account();
        let options = SubmitOptions {
            gas_unit_price: Some(GAS_UNIT_PRICE),
            ..SubmitOptions::default()
        };
        let client = YenPay::new(aptos, package).with_options(options);

        let coin = client.stablecoin();
        let controls = client.controls();
        let issuance = client.issuance();
        let admin = controls.admin().await.with_context(|| {
            format!("the yenpay package is not published at {package} on {node_url}")
        })?;
        let operator = client.merchant_registry().operator().await?;
        let master_minter = issuance.master_minter().await?;
        for (role, holder) in [
            ("admin", admin),
            ("master minter", master_minter),
            ("operator", operator),
        ] {
            if holder != deployer.address() {
                bail!(
                    "the {role} of the package at {package} is {holder}, not the deployer {} \
                     from the key file: the suite needs the deployer's roles",
                    deployer.address()
                );
            }
        }
        let metadata = coin.metadata_address().await?;
        let treasury = client.merchant_registry().treasury_address().await?;
        let baseline = Baseline {
            supply: coin.total_supply().await?,
            deployer_yen: coin.balance(deployer.address()).await?,
            treasury_yen: client.merchant_registry().treasury_balance().await?,
            desk_yen: client.fx().yen_inventory().await?,
            float_yen: client.tax_refunds().float_balance().await?,
        };
        if controls.is_paused().await? {
            // Only a run stopped between its pause and unpause leaves this.
            eprintln!("the coin at {package} was left paused by an interrupted run: unpausing it");
            controls
                .unpause(&deployer)
                .await
                .map_err(|error| anyhow!("unpausing the coin left paused: {error}"))?;
        }
        let report = Report::new(report_path(), &node_url, chain_id, package);
        Ok(Self {
            client,
            chain_id,
            metadata,
            treasury,
            baseline,
            report,
            deployer,
            deployer_lock: Mutex::new(()),
            world: RwLock::new(()),
            faucet: Semaphore::new(FAUCET_CONCURRENCY),
            accounts: StdMutex::new(Vec::new()),
        })
    }

    /// The package address.
    pub fn package(&self) -> AccountAddress {
        self.client.package()
    }

    /// The deployer's address (no lock needed to know it).
    pub fn deployer_address(&self) -> AccountAddress {
        self.deployer.address()
    }

    /// The deployer, held until the guard drops: no other case's deployer
    /// transaction runs meanwhile.
    pub async fn deployer(&self) -> Deployer<'_> {
        Deployer {
            _guard: self.deployer_lock.lock().await,
            account: &self.deployer,
        }
    }

    /// For cases that touch no global figure: waits while an exclusive case runs.
    pub async fn shared(&self) -> RwLockReadGuard<'_, ()> {
        self.world.read().await
    }

    /// For cases that pause the coin or need exact treasury or supply figures.
    pub async fn exclusive(&self) -> RwLockWriteGuard<'_, ()> {
        self.world.write().await
    }

    /// A fresh account with APT from the faucet.
    pub async fn funded_account(&self) -> Result<Ed25519Account> {
        let account = self.unfunded_account();
        let _permit = self.faucet.acquire().await?;
        yenpay_deploy::faucet::fund(self.client.aptos(), account.address(), FUNDING_OCTAS)
            .await
            .with_context(|| format!("funding {} from the faucet", account.address()))?;
        Ok(account)
    }

    /// Funds `address` (any account kind) from the faucet and counts it among
    /// the holders case 14 adds up.
    pub async fn fund_address(&self, address: AccountAddress) -> Result<()> {
        self.accounts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(address);
        let _permit = self.faucet.acquire().await?;
        yenpay_deploy::faucet::fund(self.client.aptos(), address, FUNDING_OCTAS)
            .await
            .with_context(|| format!("funding {address} from the faucet"))?;
        Ok(())
    }

    /// Whether `address` has an `0x1::account::Account` resource. Where the
    /// chain's DEFAULT_ACCOUNT_RESOURCE is on, the REST API answers for any
    /// address (sequence number 0, its own key), so only this tells whether
    /// the account was created, which its first transaction does.
    pub async fn has_account_resource(&self, address: AccountAddress) -> Result<bool> {
        match self
            .client
            .aptos()
            .fullnode()
            .get_account_resource(address, "0x1::account::Account")
            .await
        {
            Ok(_) => Ok(true),
            Err(error) if error.is_not_found() => Ok(false),
            Err(error) => Err(error).context(format!("reading 0x1::account::Account of {address}")),
        }
    }

    /// The authentication key of `address` as the REST API gives it
    /// (`GET /v1/accounts/<address>` → `authentication_key`).
    pub async fn authentication_key(&self, address: AccountAddress) -> Result<String> {
        Ok(self
            .client
            .aptos()
            .fullnode()
            .get_account(address)
            .await
            .with_context(|| format!("GET /v1/accounts/{address}"))?
            .into_inner()
            .authentication_key)
    }

    /// Has `account` send one transaction (1 octa to itself), so that its
    /// account resource exists and later transactions measure only themselves.
    pub async fn warm_up(&self, account: &Ed25519Account) -> Result<()> {
        let call = EntryFunction::apt_transfer(account.address(), 1)?;
        self.client
            .submit_entry(account, call)
            .await
            .committed("a first transaction that creates the account resource")
            .await?;
        Ok(())
    }

    /// `n` fresh funded accounts, funded concurrently.
    pub async fn funded_accounts(&'static self, n: usize) -> Result<Vec<Ed25519Account>> {
        let mut tasks = tokio::task::JoinSet::new();
        for index in 0..n {
            tasks.spawn(async move { (index, self.funded_account().await) });
        }
        let mut accounts: Vec<Option<Ed25519Account>> = vec![None; n];
        while let Some(joined) = tasks.join_next().await {
            let (index, account) = joined?;
            accounts[index] = Some(account?);
        }
        Ok(accounts.into_iter().flatten().collect())
    }

    /// A fresh account that holds no APT and does not exist on chain yet.
    pub fn unfunded_account(&self) -> Ed25519Account {
        let account = Ed25519Account::generate();
        self.accounts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(account.address());
        account
    }

    /// Every account the cases created so far.
    pub fn created_accounts(&self) -> Vec<AccountAddress> {
        self.accounts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// A fresh funded minter with `allowance`, configured by the deployer.
    pub async fn minter(&self, allowance: u64) -> Result<Ed25519Account> {
        let minter = self.funded_account().await?;
        let deployer = self.deployer().await;
        self.client
            .issuance()
            .configure_minter(&*deployer, minter.address(), allowance)
            .await
            .committed("configure a minter")
            .await?;
        Ok(minter)
    }

    /// Mints `amount` yen to `to`.
    pub async fn mint(
        &self,
        minter: &Ed25519Account,
        to: AccountAddress,
        amount: u64,
    ) -> Result<Submitted> {
        self.client
            .issuance()
            .mint(minter, to, amount)
            .await
            .committed(&format!("mint {amount} yen to {to}"))
            .await
    }

    /// A merchant registered by the operator (the deployer) at `fee_bps`,
    /// with one terminal; its payout account is separate from the owner and
    /// funded when it must sign (refunds).
    pub async fn merchant(&self, fee_bps: u64, funded_payout: bool) -> Result<Merchant> {
        let owner = self.funded_account().await?;
        let terminal = self.funded_account().await?;
        let payout = if funded_payout {
            self.funded_account().await?
        } else {
            self.unfunded_account()
        };
        let merchant = Merchant {
            owner,
            terminal,
            payout,
            fee_bps: FeeBps::new(fee_bps)?,
            name: MerchantName::new("やきとり 大吉 新宿店")?,
            mcc: Mcc::new("5812")?,
        };
        let registry = self.client.merchant_registry();
        {
            let deployer = self.deployer().await;
            registry
                .register_merchant(
                    &*deployer,
                    merchant.address(),
                    &merchant.name,
                    &merchant.mcc,
                    merchant.payout.address(),
                    merchant.fee_bps,
                )
                .await
                .committed("register a merchant")
                .await?;
        }
        registry
            .add_terminal(&merchant.owner, merchant.terminal.address())
            .await
            .committed("add the merchant's terminal")
            .await?;
        Ok(merchant)
    }

    /// The node's `vm_status` of a committed transaction, as text.
    pub async fn vm_status(&self, hash: HashValue) -> String {
        match self
            .client
            .aptos()
            .fullnode()
            .get_transaction_by_hash(&hash)
            .await
        {
            Ok(response) => response
                .into_inner()
                .get("vm_status")
                .and_then(|status| status.as_str())
                .map_or_else(
                    || "(no vm_status in the response)".to_owned(),
                    str::to_owned,
                ),
            Err(error) => format!("(could not read the transaction: {error})"),
        }
    }

    /// A failed call, told with its hash, VM status and abort name.
    pub async fn explain(&self, what: &str, error: &Error) -> anyhow::Error {
        match error {
            Error::Aborted {
                hash,
                version,
                gas_used,
                abort,
            } => anyhow!(
                "{what}: transaction {hash} aborted (version {version}, {gas_used} gas units)\n  \
                 VM status: {}\n  abort: {}",
                self.vm_status(*hash).await,
                abort_name(abort.name.as_deref(), &abort.module_name)
            ),
            Error::Failed {
                hash,
                version,
                gas_used,
                vm_status,
            } => anyhow!(
                "{what}: transaction {hash} failed (version {version}, {gas_used} gas units)\n  \
                 VM status: {vm_status}\n  abort: none (not a Move abort)"
            ),
            Error::Timeout { hash, waited } => anyhow!(
                "{what}: transaction {hash} was not committed within {waited:?}\n  VM status: {}",
                self.vm_status(*hash).await
            ),
            other => anyhow!("{what}: nothing was committed: {other}"),
        }
    }

    /// Current chain time, as the node's ledger reports it (seconds).
    pub async fn chain_now(&self) -> Result<u64> {
        let info = self.client.aptos().ledger_info().await?;
        let micros: u64 = info
            .ledger_timestamp
            .parse()
            .with_context(|| format!("ledger_timestamp {:?}", info.ledger_timestamp))?;
        Ok(micros / 1_000_000)
    }
}

/// The deployer while its lock is held.
pub struct Deployer<'h> {
    _guard: MutexGuard<'h, ()>,
    account: &'h Ed25519Account,
}

impl Deref for Deployer<'_> {
    type Target = Ed25519Account;

    fn deref(&self) -> &Ed25519Account {
        self.account
    }
}

/// A merchant of a case: owner, terminal and payout account.
pub struct Merchant {
    /// The owner (the merchant's key in the registry).
    pub owner: Ed25519Account,
    /// Its terminal.
    pub terminal: Ed25519Account,
    /// Where its takings go.
    pub payout: Ed25519Account,
    /// Its fee.
    pub fee_bps: FeeBps,
    /// Its registered name.
    pub name: MerchantName,
    /// Its category code.
    pub mcc: Mcc,
}

impl Merchant {
    /// The merchant's address (its owner's).
    pub fn address(&self) -> AccountAddress {
        self.owner.address()
    }
}

/// The abort constants of the package's modules, for [`Outcome::aborts_with`].
pub trait Named {
    /// As the library's typed abort.
    fn known(self) -> KnownAbort;
}

impl Named for yenpay_client::abort::AuthorizationAbort {
    fn known(self) -> KnownAbort {
        KnownAbort::Authorization(self)
    }
}

impl Named for yenpay_client::abort::FxAbort {
    fn known(self) -> KnownAbort {
        KnownAbort::Fx(self)
    }
}

impl Named for yenpay_client::abort::TaxRefundAbort {
    fn known(self) -> KnownAbort {
        KnownAbort::TaxRefund(self)
    }
}

impl Named for yenpay_client::abort::HoldAbort {
    fn known(self) -> KnownAbort {
        KnownAbort::Hold(self)
    }
}

impl Named for yenpay_client::abort::FeeTreasuryAbort {
    fn known(self) -> KnownAbort {
        KnownAbort::FeeTreasury(self)
    }
}

impl Named for yenpay_client::abort::ControlsAbort {
    fn known(self) -> KnownAbort {
        KnownAbort::Controls(self)
    }
}

impl Named for StablecoinAbort {
    fn known(self) -> KnownAbort {
        KnownAbort::Stablecoin(self)
    }
}

impl Named for yenpay_client::abort::IssuanceAbort {
    fn known(self) -> KnownAbort {
        KnownAbort::Issuance(self)
    }
}

impl Named for MerchantRegistryAbort {
    fn known(self) -> KnownAbort {
        KnownAbort::MerchantRegistry(self)
    }
}

impl Named for InvoiceAbort {
    fn known(self) -> KnownAbort {
        KnownAbort::Invoice(self)
    }
}

impl Named for UpgradeAbort {
    fn known(self) -> KnownAbort {
        KnownAbort::Upgrade(self)
    }
}

/// What a submitted call must have done.
pub trait Outcome {
    /// Committed and succeeded; otherwise the failure with hash, VM status and abort name.
    fn committed(self, what: &str) -> impl Future<Output = Result<Submitted>> + Send;

    /// Committed and aborted with exactly `expected`.
    fn aborts_with<N: Named + Send>(
        self,
        what: &str,
        expected: N,
    ) -> impl Future<Output = Result<()>> + Send;
}

impl Outcome for std::result::Result<Submitted, Error> {
    async fn committed(self, what: &str) -> Result<Submitted> {
        match self {
            Ok(submitted) => Ok(submitted),
            Err(error) => Err(current().explain(what, &error).await),
        }
    }

    async fn aborts_with<N: Named + Send>(self, what: &str, expected: N) -> Result<()> {
        let expected = expected.known();
        match self {
            Ok(submitted) => bail!(
                "{what}: expected the abort {}::{}, but transaction {} succeeded (version {}, {} gas units)",
                expected.module(),
                expected.name(),
                submitted.hash,
                submitted.version,
                submitted.gas_used
            ),
            Err(error) if error.known_abort() == Some(expected) => Ok(()),
            Err(error) => Err(current().explain(what, &error).await.context(format!(
                "expected the abort {}::{}",
                expected.module(),
                expected.name()
            ))),
        }
    }
}

/// The harness, once connected (every case connects before it runs).
fn current() -> &'static Harness {
    HARNESS
        .get()
        .expect("the harness connects before any case runs")
}

/// The one event of the package that `pick` selects, or an error listing what there was.
pub fn one_event<T: Clone>(
    submitted: &Submitted,
    what: &str,
    pick: impl Fn(&YenpayEvent) -> Option<&T>,
) -> Result<T> {
    let mut found = submitted.yenpay_events().filter_map(pick);
    match (found.next(), found.next()) {
        (Some(event), None) => Ok(event.clone()),
        (None, _) => bail!(
            "transaction {} emitted no {what} event; its events: {:?}",
            submitted.hash,
            submitted.events
        ),
        (Some(_), Some(_)) => bail!(
            "transaction {} emitted more than one {what} event",
            submitted.hash
        ),
    }
}

pub use yenpay_types::time::unix_now;

/// `left == right`, or an error naming both.
#[macro_export]
macro_rules! check_eq {
    ($left:expr, $right:expr, $($what:tt)+) => {{
        let (left, right) = (&$left, &$right);
        anyhow::ensure!(
            left == right,
            "{}: got {:?}, expected {:?}",
            format_args!($($what)+),
            left,
            right
        );
    }};
}

fn abort_name(name: Option<&str>, module: &str) -> String {
    match name {
        Some(name) => format!("{module}::{name}"),
        None => format!("{module}::<unnamed>"),
    }
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
        .unwrap_or_else(|| default.to_owned())
}

/// The REST API root (`…/v1`) of a node URL given with or without it.
fn rest_api_url(url: &str) -> String {
    let trimmed = url.trim().trim_end_matches('/');
    if trimmed.ends_with("/v1") {
        trimmed.to_owned()
    } else {
        format!("{trimmed}/v1")
    }
}

fn package_address(root: &Path) -> Result<AccountAddress> {
    if let Ok(text) = std::env::var(PACKAGE_ENV) {
        return AccountAddress::from_hex(text.trim())
            .map_err(|error| anyhow!("{PACKAGE_ENV}={text} is not an address: {error}"));
    }
    let deployment = Deployment::load_for(root, Network::Local).with_context(|| {
        format!("{PACKAGE_ENV} is not set and there is no readable deployments/local.json")
    })?;
    Ok(deployment.package_address)
}

fn deployer_key(root: &Path) -> Result<SecretKey> {
    let path = match std::env::var_os(DEPLOYER_KEY_FILE_ENV) {
        Some(path) => PathBuf::from(path),
        None => root.join(".aptos").join("yenpay-local.key"),
    };
    // The same reader as `cargo xtask deploy`; its errors never hold the key.
    read_key_file(&path)
        .with_context(|| format!("reading the deployer's key ({DEPLOYER_KEY_FILE_ENV})"))
}

/// The repository root (this package is its `tests/` folder).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the repository")
        .to_path_buf()
}

/// target/e2e-report.md
fn report_path() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(tmp).join("e2e-report.md")
}
