//! `yenpay-gateway`: the PSP's payment gateway (docs/gateway.md).
use anyhow::{Context, Result, bail};
use aptos_sdk::types::AccountAddress;
use clap::Parser;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use yenpay_client::address::from_sdk;
use yenpay_deploy::deployment::{Deployment, Network};
use yenpay_gateway::chain::{Ledger, NodeLedger};
use yenpay_gateway::config::Config;
use yenpay_gateway::crypto::{Kek, Keyring};
use yenpay_gateway::store::Db;
use yenpay_gateway::store::sequences::DbSequenceNumbers;
use yenpay_gateway::{Gateway, run};
use zeroize::Zeroizing;

/// yenpay's payment gateway: REST API, chain follower, webhooks, sponsoring.
///
/// Secrets (KEK, admin token, operator key) come from files or the
/// environment and are never logged.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Address to listen on (loopback by default; put a TLS proxy in front to expose it).
    #[arg(long, env = "YENPAY_GATEWAY_LISTEN", default_value = "127.0.0.1:8090")]
    listen: SocketAddr,
    /// Address of the admin API (loopback by default; served only with an admin token, never on --listen).
    #[arg(long, env = "YENPAY_ADMIN_LISTEN", default_value = "127.0.0.1:8091")]
    admin_listen: SocketAddr,
    /// `sqlite://<file>` (created if missing) or `postgres://...`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://yenpay-gateway.db"
    )]
    database_url: String,
    /// The Aptos node's REST API.
    #[arg(long, env = "APTOS_NODE_URL", default_value = "http://127.0.0.1:8080")]
    node_url: String,
    /// The network whose deployments file (`deployments/<network>.json`) names the package.
    #[arg(long, env = "YENPAY_NETWORK", default_value = "local")]
    network: String,
    /// Folder holding `deployments/`.
    #[arg(long, env = "YENPAY_DEPLOYMENTS_ROOT", default_value = ".")]
    deployments_root: PathBuf,
    /// The package address (instead of the deployments file; then also give --metadata).
    #[arg(long, env = "YENPAY_PACKAGE")]
    package: Option<String>,
    /// The stablecoin's metadata address (with --package).
    #[arg(long, env = "YENPAY_METADATA")]
    metadata: Option<String>,
    /// The chain id the package is on (with --package; the deployments file names it otherwise): checked against the node, and lets the gateway start while the node is down.
    #[arg(long, env = "YENPAY_CHAIN_ID")]
    chain_id: Option<u8>,
    /// Version the follower starts at on a new database (default: the package's publish transaction).
    #[arg(long, env = "YENPAY_FOLLOWER_START")]
    follower_start: Option<u64>,
    /// Seconds a replica's lease on the follower or the dispatcher lasts unrenewed; another replica takes over after it.
    #[arg(long, env = "YENPAY_LEASE_SECS", default_value_t = 15)]
    lease_secs: u64,
    /// Seconds between housekeeping passes that purge closed invoices with the operator's key (0: none).
    #[arg(long, env = "YENPAY_PURGE_INTERVAL_SECS", default_value_t = 3_600)]
    purge_interval_secs: u64,
    /// Do not run the chain follower (another replica runs it).
    #[arg(long, env = "YENPAY_NO_FOLLOWER")]
    no_follower: bool,
    /// /readyz fails when the follower is more than this many versions behind the node's head.
    #[arg(long, env = "YENPAY_READY_MAX_LAG_VERSIONS", default_value_t = 10_000)]
    ready_max_lag_versions: u64,
    /// /readyz fails when the last applied transaction is more than this many seconds (chain time) older than the head.
    #[arg(long, env = "YENPAY_READY_MAX_LAG_SECS", default_value_t = 300)]
    ready_max_lag_secs: u64,
    /// How often the running follower checks that the node is still on the recorded chain (id and genesis), seconds.
    #[arg(long, env = "YENPAY_FOLLOWER_CHECK_INTERVAL_SECS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..))]
    follower_check_interval_secs: u64,
    /// Pages of 100 transactions the follower reads at once (concurrently) and applies in one database transaction while it is behind the head.
    #[arg(long, env = "YENPAY_FOLLOWER_BATCH_PAGES", default_value_t = 10,
          value_parser = clap::value_parser!(u16).range(1..=100))]
    follower_batch_pages: u16,
    /// How often transactions with an unknown outcome (a timeout, a network error) are looked up, seconds.
    #[arg(long, env = "YENPAY_RECONCILE_INTERVAL_SECS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..))]
    reconcile_interval_secs: u64,
    /// Do not deliver webhooks from this replica (another one does).
    #[arg(long, env = "YENPAY_NO_DISPATCHER")]
    no_dispatcher: bool,
    /// File holding the key-encryption key (64 hex digits); or YENPAY_KEK. Keep it: the database's secrets are sealed under it, and a gateway given another key refuses to start.
    #[arg(long, env = "YENPAY_KEK_FILE")]
    kek_file: Option<PathBuf>,
    /// File holding the previous key-encryption key, during a rotation: it opens secrets but seals none; or YENPAY_KEK_PREVIOUS.
    #[arg(long, env = "YENPAY_KEK_PREVIOUS_FILE")]
    kek_previous_file: Option<PathBuf>,
    /// Seal every stored secret again under the key-encryption key, forget the previous key, and exit (the last step of a rotation).
    #[arg(long)]
    reseal: bool,
    /// Compare the database with the chain and exit: every payment and refund the package's events show (from the follower's start version to the node's head) against what the database holds; exit status 0 with no difference, 1 otherwise. Run it once the follower has caught up.
    #[arg(long)]
    audit_chain: bool,
    /// With --audit-chain: also write the report as JSON to this file.
    #[arg(long, requires = "audit_chain")]
    audit_report: Option<PathBuf>,
    /// File holding the admin token; or YENPAY_ADMIN_TOKEN. Without either, /admin is off.
    #[arg(long, env = "YENPAY_ADMIN_TOKEN_FILE")]
    admin_token_file: Option<PathBuf>,
    /// File holding the operator's (fee payer's) Ed25519 private key (hex, `0x` or AIP-80 `ed25519-priv-0x` form, as `.aptos/` key files); or YENPAY_OPERATOR_KEY. Without either, sponsoring is off.
    #[arg(long, env = "YENPAY_OPERATOR_KEY_FILE")]
    operator_key_file: Option<PathBuf>,
    /// The Aptos CLI profile holding the operator's key, in `.aptos/config.yaml` under the deployments root (`yenpay-local` is the one `cargo xtask deploy` makes on a local node); instead of a key file.
    #[arg(
        long,
        env = "YENPAY_OPERATOR_PROFILE",
        conflicts_with = "operator_key_file"
    )]
    operator_profile: Option<String>,
    /// Serve no pages (`/`, `/pos`, `/wallet`) and no page APIs.
    #[arg(long, env = "YENPAY_NO_WEB")]
    no_web: bool,
    /// Mark the POS session cookie `Secure` (always, not only behind `X-Forwarded-Proto: https`).
    #[arg(long, env = "YENPAY_SECURE_COOKIES")]
    secure_cookies: bool,
    /// Failed POS logins one client address (an IPv6 client's /64) may have per window; then 429 until one leaves it.
    #[arg(
        long,
        env = "YENPAY_POS_LOGIN_FAILURES_PER_CLIENT",
        default_value_t = 5
    )]
    pos_login_failures_per_client: u32,
    /// Failed POS logins against one merchant's credentials, from any client, per window; then 429 until one leaves it.
    #[arg(
        long,
        env = "YENPAY_POS_LOGIN_FAILURES_PER_MERCHANT",
        default_value_t = 20
    )]
    pos_login_failures_per_merchant: u32,
    /// The sliding window failed POS logins are counted over, seconds.
    #[arg(long, env = "YENPAY_POS_LOGIN_WINDOW_SECS", default_value_t = 300,
          value_parser = clap::value_parser!(u64).range(1..))]
    pos_login_window_secs: u64,
    /// Seconds a client has to send a request's header (also ends idle keep-alive connections).
    #[arg(long, env = "YENPAY_HEADER_READ_TIMEOUT_SECS", default_value_t = 10)]
    header_read_timeout_secs: u64,
    /// Seconds within which every request is answered (408 otherwise).
    #[arg(long, env = "YENPAY_REQUEST_TIMEOUT_SECS", default_value_t = 60)]
    request_timeout_secs: u64,
    /// Connections served at once; more wait in the listen queue.
    #[arg(long, env = "YENPAY_MAX_CONNECTIONS", default_value_t = 1024)]
    max_connections: usize,
    /// Seconds the follower and dispatcher, then open connections, each get to finish at shutdown.
    #[arg(long, env = "YENPAY_SHUTDOWN_DEADLINE_SECS", default_value_t = 20)]
    shutdown_deadline_secs: u64,
    /// Development only: send webhooks over plain http and to loopback or private addresses.
    #[arg(long, env = "YENPAY_ALLOW_LOCAL_WEBHOOKS")]
    allow_local_webhooks: bool,
    /// Octas the fee payer may spend on sponsoring per UTC hour (default 1 APT).
    #[arg(long, env = "YENPAY_SPONSOR_BUDGET_HOUR_OCTAS")]
    sponsor_budget_hour_octas: Option<u64>,
    /// Octas the fee payer may spend on sponsoring per UTC day (default 10 APT).
    #[arg(long, env = "YENPAY_SPONSOR_BUDGET_DAY_OCTAS")]
    sponsor_budget_day_octas: Option<u64>,
    /// Sponsored payments per merchant per 24 hours from senders without an account yet (default 200).
    #[arg(long, env = "YENPAY_SPONSOR_NEW_ACCOUNTS_PER_MERCHANT_DAY")]
    sponsor_new_accounts_per_merchant_day: Option<u32>,
    /// The gas unit price sponsored transactions must carry, octas (default 100, the chain's minimum).
    #[arg(long, env = "YENPAY_SPONSOR_GAS_UNIT_PRICE")]
    sponsor_gas_unit_price: Option<u64>,
    /// Raise the low-balance alarm below this many octas of the fee payer's APT (default 10 APT).
    #[arg(long, env = "YENPAY_FEE_PAYER_LOW_BALANCE_OCTAS")]
    fee_payer_low_balance_octas: Option<u64>,
    /// Screening list: a file of addresses, one a line, optionally `deny` (default) or `review` and a `# reason`; read again whenever it changes.
    #[arg(long, env = "YENPAY_SCREENING_LIST_FILE")]
    screening_list_file: Option<PathBuf>,
    /// Seconds an analyst has to release or reject a reviewed payment's hold before the gateway voids it (at most 31 days).
    #[arg(long, env = "YENPAY_REVIEW_DEADLINE_SECS", default_value_t = 3 * 86_400)]
    review_deadline_secs: u64,
    /// Days travel-rule records, self-declarations, screening verdicts and limit refusals are kept before they are deleted (at least 2,557: seven years).
    #[arg(long, env = "YENPAY_COMPLIANCE_RETENTION_DAYS", default_value_t = yenpay_gateway::config::MIN_RECORD_RETENTION_DAYS)]
    compliance_retention_days: u64,
    /// Screening service: each address is POSTed here (docs/gateway.md, Compliance). The URL is never logged.
    #[arg(long, env = "YENPAY_SCREENING_URL")]
    screening_url: Option<String>,
    /// Milliseconds one attempt of the screening service may take.
    #[arg(long, env = "YENPAY_SCREENING_TIMEOUT_MS", default_value_t = 2_000,
          value_parser = clap::value_parser!(u64).range(1..))]
    screening_timeout_ms: u64,
    /// Attempts of the screening service after the first.
    #[arg(long, env = "YENPAY_SCREENING_RETRIES", default_value_t = 2)]
    screening_retries: u32,
    /// Merchant category codes (comma-separated) whose payments go on when a screening provider fails; every other category is refused (fail closed).
    #[arg(long, env = "YENPAY_SCREENING_FAIL_OPEN_MCC", value_delimiter = ',')]
    screening_fail_open_mcc: Vec<String>,
    /// Seconds the screening service's verdicts are remembered: ALLOW,REVIEW,DENY (default 60,300,3600; 0 for a kind: not remembered).
    #[arg(
        long,
        env = "YENPAY_SCREENING_CACHE_TTL_SECS",
        value_delimiter = ',',
        num_args = 3
    )]
    screening_cache_ttl_secs: Option<Vec<u64>>,
    /// Verdicts of the screening service remembered at most (least recently used out first); 0: none (default 10000).
    #[arg(long, env = "YENPAY_SCREENING_CACHE_SIZE")]
    screening_cache_size: Option<usize>,
    /// Limits of unverified customers, yen: PER_TRANSACTION,DAILY,MONTHLY (default 50000,100000,300000).
    #[arg(long, env = "YENPAY_LIMITS_UNVERIFIED")]
    limits_unverified: Option<yenpay_gateway::config::Limits>,
    /// Limits of verified customers, yen: PER_TRANSACTION,DAILY,MONTHLY (default 1000000,1000000,3000000).
    #[arg(long, env = "YENPAY_LIMITS_VERIFIED")]
    limits_verified: Option<yenpay_gateway::config::Limits>,
    /// Limits of business customers, yen: PER_TRANSACTION,DAILY,MONTHLY (default 1000000,10000000,100000000).
    #[arg(long, env = "YENPAY_LIMITS_BUSINESS")]
    limits_business: Option<yenpay_gateway::config::Limits>,
    /// The operator's legal name in travel-rule (IVMS101) records: the VASP on the merchants' side (Latin letters, at most 100).
    #[arg(long, env = "YENPAY_TRAVEL_RULE_VASP_NAME")]
    travel_rule_vasp_name: Option<String>,
    /// The operator's LEI (20 characters) in travel-rule records.
    #[arg(long, env = "YENPAY_TRAVEL_RULE_VASP_LEI")]
    travel_rule_vasp_lei: Option<String>,
    /// The operator's country (ISO 3166-1 alpha-2) in travel-rule records (default JP).
    #[arg(long, env = "YENPAY_TRAVEL_RULE_VASP_COUNTRY")]
    travel_rule_vasp_country: Option<String>,
    /// Yen above which a sponsored payment from an unhosted wallet needs its customer's self-declaration (name, and address or date and place of birth); unset: never asked.
    #[arg(long, env = "YENPAY_TRAVEL_RULE_UNHOSTED_THRESHOLD",
          value_parser = clap::value_parser!(i64).range(0..))]
    travel_rule_unhosted_threshold: Option<i64>,
    /// Print the daily reconciliation of this Japan day (YYYY-MM-DD) as CSV, one line per merchant, and exit (needs DATABASE_URL only).
    #[arg(long, value_name = "DATE")]
    report_reconciliation: Option<String>,
    /// Print the suspicious-activity export of this Japan day (YYYY-MM-DD) as CSV and exit (needs DATABASE_URL only).
    #[arg(long, value_name = "DATE")]
    report_suspicious: Option<String>,
    /// Check the audit log's hash chain in the database and exit: status 0 when whole, 1 naming the first entry that does not hold.
    #[arg(long)]
    verify_audit_log: bool,
    /// Log as JSON lines (for a log pipeline) instead of text.
    #[arg(long, env = "YENPAY_LOG_JSON")]
    log_json: bool,
}

/// A secret from a file (preferred) or an environment variable.
fn secret(file: Option<&PathBuf>, env: &str) -> Result<Option<Zeroizing<String>>> {
    if let Some(path) = file {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the secret file {}", path.display()))?;
        return Ok(Some(Zeroizing::new(text.trim().to_owned())));
    }
    Ok(std::env::var(env)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .map(|v| Zeroizing::new(v.trim().to_owned())))
}

/// The fee payer: from a profile, a key file or the environment; `None`: sponsoring off.
fn operator(args: &Args) -> Result<Option<aptos_sdk::account::Ed25519Account>> {
    if let Some(profile) = &args.operator_profile {
        let dir = args.deployments_root.join(".aptos");
        let signer = yenpay_deploy::keys::CliConfig::load(&dir)
            .and_then(|config| config.signer(profile))
            .with_context(|| format!("the operator's profile {profile:?} in {}", dir.display()))?;
        return Ok(Some(signer.account()));
    }
    secret(args.operator_key_file.as_ref(), "YENPAY_OPERATOR_KEY")?
        .map(|key| {
            yenpay_deploy::keys::SecretKey::parse(&key)
                .map(|key| key.account())
                .context("the operator key (an Ed25519 private key: 64 hex digits, 0x- or ed25519-priv- prefixed, as in .aptos/ key files)")
        })
        .transpose()
}

/// The node's URL as scheme, host and port only, for messages: the full
/// URL may carry credentials (user info, an API key in the path or query).
fn node_origin(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(url) => match (url.host_str(), url.port()) {
            (Some(host), Some(port)) => format!("{}://{host}:{port}", url.scheme()),
            (Some(host), None) => format!("{}://{host}", url.scheme()),
            _ => "the node".to_owned(),
        },
        Err(_) => "the node".to_owned(),
    }
}

fn address(value: &str, what: &str) -> Result<AccountAddress> {
    AccountAddress::from_hex(value).with_context(|| format!("{what} {value:?} is not an address"))
}

/// `--audit-chain`: the report on stdout (and as JSON in `report`); an
/// error, so exit status 1, when the database and the chain disagree.
async fn audit(
    db: &Db,
    ledger: &dyn Ledger,
    package: AccountAddress,
    from: u64,
    report: Option<&std::path::Path>,
) -> Result<()> {
    let head = ledger.head().await.context("reading the node's head")?;
    let total = head.version.saturating_sub(from) + 1;
    let mut last_shown = 0;
    let outcome = yenpay_gateway::audit::run(db, ledger, package, from, |read| {
        // A line per tenth of the range: long ranges take minutes.
        if read >= last_shown + total / 10 || read >= total {
            last_shown = read;
            eprintln!("audit: {read} of {total} versions read");
        }
    })
    .await
    .context("auditing the database against the chain")?;
    print!("{outcome}");
    if let Some(path) = report {
        let json = serde_json::to_string_pretty(&outcome).context("encoding the report")?;
        std::fs::write(path, json)
            .with_context(|| format!("writing the report to {}", path.display()))?;
    }
    if !outcome.is_clean() {
        bail!(
            "the database and the chain disagree in {} places (listed above)",
            outcome.differences.len()
        );
    }
    Ok(())
}

/// `--verify-audit-log`: checks the chain; an error, so exit status 1,
/// naming the first entry that does not hold.
async fn verify_audit_log(db: &Db) -> Result<()> {
    let found = yenpay_gateway::store::audit_log::verify(&db.pool)
        .await
        .context("reading the audit log")?;
    match (found.first_bad, found.problem) {
        (None, _) => {
            println!(
                "audit log: {} entries, the hash chain is whole",
                found.entries
            );
            Ok(())
        }
        (Some(seq), problem) => bail!(
            "audit log: entry {seq} does not hold: {} ({} entries before it hold)",
            problem.unwrap_or_default(),
            found.entries
        ),
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    if args.log_json {
        tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).init();
    }

    if let Some(date) = args
        .report_reconciliation
        .as_ref()
        .or(args.report_suspicious.as_ref())
    {
        // Needs the database only: no key, no node.
        use yenpay_gateway::compliance::reports;
        let (start, end) =
            reports::jst_day(date).with_context(|| format!("{date}: a day, YYYY-MM-DD"))?;
        let db = Db::connect(&args.database_url)
            .await
            .context("opening the database (DATABASE_URL)")?;
        let csv = if args.report_reconciliation.is_some() {
            let days = reports::reconciliation(&db.pool, start, end)
                .await
                .context("reading the day's events")?;
            reports::reconciliation_csv(date, &days)
        } else {
            let lines = reports::suspicious(&db.pool, start, end)
                .await
                .context("reading verdicts and refusals")?;
            reports::suspicious_csv(&lines)
        };
        print!("{csv}");
        return Ok(());
    }

    if args.verify_audit_log {
        // Needs the database only: no key, no node.
        let db = Db::connect(&args.database_url)
            .await
            .context("opening the database (DATABASE_URL)")?;
        return verify_audit_log(&db).await;
    }

    let kek = match secret(args.kek_file.as_ref(), "YENPAY_KEK")? {
        Some(text) => Kek::from_hex(&text).context("the key-encryption key")?,
        None => bail!(
            "no key-encryption key: set YENPAY_KEK_FILE (or YENPAY_KEK) to a file holding 64 hex digits, made once with `openssl rand -hex 32` and kept (docs/gateway.md, \"Key-encryption key\")"
        ),
    };
    let previous = secret(args.kek_previous_file.as_ref(), "YENPAY_KEK_PREVIOUS")?
        .map(|text| Kek::from_hex(&text).context("the previous key-encryption key"))
        .transpose()?;
    let keyring = Keyring::new(kek, previous.into_iter().collect());
    let db = Db::connect(&args.database_url)
        .await
        .context("opening the database (DATABASE_URL)")?;
    let now = yenpay_types::time::unix_now() as i64;
    yenpay_gateway::store::kek::verify(&db, &keyring, now)
        .await
        .context("checking the key-encryption key against the database")?;
    if args.reseal {
        let moved = yenpay_gateway::store::kek::reseal(&db, &keyring, now)
            .await
            .context("sealing the stored secrets again under the key-encryption key")?;
        tracing::info!(
            secrets = moved,
            "every stored secret is sealed under the key-encryption key; the previous key is no longer needed"
        );
        return Ok(());
    }

    let (package, metadata, chain_id, start) = match &args.package {
        Some(package) => {
            let metadata = args
                .metadata
                .as_deref()
                .context("--package needs --metadata (the stablecoin's metadata address)")?;
            (
                address(package, "--package")?,
                address(metadata, "--metadata")?,
                args.chain_id,
                None,
            )
        }
        None => {
            let network: Network = args
                .network
                .parse()
                .with_context(|| format!("unknown network {:?}", args.network))?;
            let deployment = Deployment::load_for(&args.deployments_root, network).with_context(|| {
                format!(
                    "reading the deployments file of {network} under {} (or pass --package and --metadata)",
                    args.deployments_root.display()
                )
            })?;
            (
                deployment.package_address,
                deployment.metadata_address,
                Some(deployment.chain_id),
                Some(deployment.transaction_version),
            )
        }
    };
    let operator = operator(&args)?.map(Arc::new);
    let mut node = NodeLedger::new(&args.node_url, package)
        .context("the node URL")?
        // Replicas sign for the same terminals: their sequence numbers come from the database.
        .with_sequence_numbers(Arc::new(DbSequenceNumbers::new(db.pool.clone())));
    if let Some(operator) = &operator {
        // The operator pays the gas of the gateway's own transactions too.
        node = node.with_fee_payer(operator.clone());
    }
    let ledger = Arc::new(node);
    // A node that is down at start does not keep the gateway down: it serves reads, answers
    // writes with 503 CHAIN_UNAVAILABLE, reports not ready, and catches up when the node returns.
    let head = match ledger.head().await {
        Ok(head) => Some(head),
        Err(error) if chain_id.is_some() => {
            tracing::warn!(%error, "the node does not answer: starting without it (not ready until it does)");
            None
        }
        Err(error) => {
            return Err(error).with_context(|| {
                format!(
                    "reaching the node at {} (without a deployments file or --chain-id the chain id comes from the node)",
                    node_origin(&args.node_url)
                )
            });
        }
    };
    let chain_id = match (chain_id, head) {
        (Some(expected), Some(head)) if expected != head.chain_id => bail!(
            "the deployments file is for chain {expected} but the node at {} is chain {}",
            node_origin(&args.node_url),
            head.chain_id
        ),
        (Some(expected), _) => expected,
        (None, Some(head)) => head.chain_id,
        (None, None) => unreachable!("a missing node without a deployments file returned above"),
    };
    let mut config = Config::new(package, chain_id, from_sdk(metadata));
    config.webhooks.dispatch = !args.no_dispatcher;
    config.lease_ttl = Duration::from_secs(args.lease_secs.max(3));
    config.purge_interval = Duration::from_secs(args.purge_interval_secs);
    config.webhooks.allow_local_destinations = args.allow_local_webhooks;
    if args.allow_local_webhooks {
        tracing::warn!(
            "--allow-local-webhooks: webhooks may go to http and to loopback or private addresses (development only)"
        );
    }
    config.ready_max_lag_versions = args.ready_max_lag_versions;
    config.ready_max_lag = Duration::from_secs(args.ready_max_lag_secs);
    config.follower_check_interval = Duration::from_secs(args.follower_check_interval_secs);
    config.follower_batch_pages = args.follower_batch_pages;
    config.reconcile_interval = Duration::from_secs(args.reconcile_interval_secs);
    config.web.enabled = !args.no_web;
    config.web.secure_cookies = args.secure_cookies;
    config.web.login_failures_per_client = args.pos_login_failures_per_client;
    config.web.login_failures_per_merchant = args.pos_login_failures_per_merchant;
    config.web.login_window = Duration::from_secs(args.pos_login_window_secs);
    config.server = yenpay_gateway::config::ServerPolicy {
        header_read_timeout: Duration::from_secs(args.header_read_timeout_secs),
        request_timeout: Duration::from_secs(args.request_timeout_secs),
        max_connections: args.max_connections.max(1),
        shutdown_deadline: Duration::from_secs(args.shutdown_deadline_secs),
    };
    let sponsor = &mut config.sponsor;
    if let Some(octas) = args.sponsor_budget_hour_octas {
        sponsor.budget_per_hour_octas = octas;
    }
    if let Some(octas) = args.sponsor_budget_day_octas {
        sponsor.budget_per_day_octas = octas;
    }
    if let Some(count) = args.sponsor_new_accounts_per_merchant_day {
        sponsor.new_accounts_per_merchant_per_day = count;
    }
    if let Some(price) = args.sponsor_gas_unit_price {
        sponsor.gas_unit_price = price;
    }
    if let Some(octas) = args.fee_payer_low_balance_octas {
        sponsor.low_balance_octas = octas;
    }
    let compliance = &mut config.compliance;
    compliance.list_file = args.screening_list_file.clone();
    compliance.http_url = args.screening_url.clone().filter(|u| !u.trim().is_empty());
    compliance.http_timeout = Duration::from_millis(args.screening_timeout_ms);
    compliance.http_retries = args.screening_retries;
    anyhow::ensure!(
        (600..=yenpay_client::types::limits::MAX_HOLD_SECS).contains(&args.review_deadline_secs),
        "--review-deadline-secs: between 600 and {} (the package's longest hold)",
        yenpay_client::types::limits::MAX_HOLD_SECS
    );
    compliance.review_deadline = Duration::from_secs(args.review_deadline_secs);
    anyhow::ensure!(
        (yenpay_gateway::config::MIN_RECORD_RETENTION_DAYS..=36_500)
            .contains(&args.compliance_retention_days),
        "--compliance-retention-days: between {} (seven years, the law's minimum for transaction records) and 36,500",
        yenpay_gateway::config::MIN_RECORD_RETENTION_DAYS
    );
    compliance.record_retention = Duration::from_secs(args.compliance_retention_days * 86_400);
    compliance.fail_open_mccs = args
        .screening_fail_open_mcc
        .iter()
        .map(|m| m.trim().to_owned())
        .filter(|m| !m.is_empty())
        .collect();
    if let Some(limits) = args.limits_unverified {
        compliance.tiers.unverified = limits;
    }
    if let Some(limits) = args.limits_verified {
        compliance.tiers.verified = limits;
    }
    if let Some(limits) = args.limits_business {
        compliance.tiers.business = limits;
    }
    if let Some(ttl) = &args.screening_cache_ttl_secs {
        let [allow, review, deny] = ttl[..] else {
            bail!("--screening-cache-ttl-secs: three numbers, ALLOW,REVIEW,DENY");
        };
        compliance.verdict_cache.allow = Duration::from_secs(allow);
        compliance.verdict_cache.review = Duration::from_secs(review);
        compliance.verdict_cache.deny = Duration::from_secs(deny);
    }
    if let Some(size) = args.screening_cache_size {
        compliance.verdict_cache.capacity = size;
    }
    let travel = &mut compliance.travel_rule;
    if let Some(name) = &args.travel_rule_vasp_name {
        travel.vasp_name = name.clone();
    }
    travel.vasp_lei = args.travel_rule_vasp_lei.clone();
    if let Some(country) = &args.travel_rule_vasp_country {
        travel.vasp_country = country.clone();
    }
    travel.unhosted_threshold = args.travel_rule_unhosted_threshold;
    yenpay_gateway::compliance::travel_rule::check_policy(travel)
        .context("the travel-rule settings")?;
    if compliance.list_file.is_none() && compliance.http_url.is_none() {
        tracing::warn!(
            "no screening provider (--screening-list-file, --screening-url): payers are not screened"
        );
    } else if !compliance.fail_open_mccs.is_empty() {
        tracing::warn!(mccs = ?compliance.fail_open_mccs, "screening fails open for these merchant categories");
    }
    config.follower_start_version = match (args.follower_start, start) {
        (Some(version), _) | (None, Some(version)) => version,
        (None, None) => match head {
            // Without the publish version, reading the whole chain could take days: start at the head.
            Some(head) => {
                tracing::warn!(
                    version = head.version,
                    "no --follower-start: a new database follows from the ledger's head; earlier payments are not imported"
                );
                head.version
            }
            // An existing database goes on from its cursor; a new one needs to know where to start.
            None if yenpay_gateway::follower::cursor(&db.pool).await?.is_some() => 0,
            None => bail!(
                "the node at {} does not answer and this database has never followed the chain: give --follower-start, or start once the node is up",
                node_origin(&args.node_url)
            ),
        },
    };

    if args.audit_chain {
        return audit(
            &db,
            ledger.as_ref(),
            package,
            config.follower_start_version,
            args.audit_report.as_deref(),
        )
        .await;
    }

    let mut gateway = Gateway::new(db, config, keyring, ledger);
    gateway.admin_token = secret(args.admin_token_file.as_ref(), "YENPAY_ADMIN_TOKEN")?;
    if let Some(token) = &gateway.admin_token {
        yenpay_gateway::auth::check_admin_token(token)
            .context("YENPAY_ADMIN_TOKEN_FILE / YENPAY_ADMIN_TOKEN")?;
    }
    if let Some(operator) = operator {
        tracing::info!(fee_payer = %operator.address(), "sponsoring on");
        gateway.operator = Some(operator);
    }
    tracing::info!(
        listen = %args.listen,
        backend = ?gateway.db.backend,
        package = %package,
        chain_id,
        admin = gateway.admin_token.is_some(),
        "starting"
    );
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    let admin = match gateway.admin_token {
        Some(_) => Some(
            tokio::net::TcpListener::bind(args.admin_listen)
                .await
                .with_context(|| format!("listening on {} (--admin-listen)", args.admin_listen))?,
        ),
        None => None,
    };
    if admin.is_some() {
        tracing::info!(admin_listen = %args.admin_listen, "admin API on its own address");
    }
    run(
        Arc::new(gateway),
        listener,
        admin,
        !args.no_follower,
        shutdown_signal(),
    )
    .await
    .context("serving")?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    // `run` bounds the rest (twice --shutdown-deadline-secs) and returns: the process exits 0.
    tracing::info!("shutdown requested");
}
