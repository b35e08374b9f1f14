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
    /// Version the follower starts at on a new database (default: the package's publish transaction).
    #[arg(long, env = "YENPAY_FOLLOWER_START")]
    follower_start: Option<u64>,
    /// Do not run the chain follower (another replica runs it).
    #[arg(long, env = "YENPAY_NO_FOLLOWER")]
    no_follower: bool,
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

fn address(value: &str, what: &str) -> Result<AccountAddress> {
    AccountAddress::from_hex(value).with_context(|| format!("{what} {value:?} is not an address"))
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
                None,
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
    let head = ledger
        .head()
        .await
        .with_context(|| format!("reaching the node at {}", args.node_url))?;
    if let Some(expected) = chain_id
        && expected != head.chain_id
    {
        bail!(
            "the deployments file is for chain {expected} but the node at {} is chain {}",
            args.node_url,
            head.chain_id
        );
    }
    let mut config = Config::new(package, head.chain_id, from_sdk(metadata));
    config.webhooks.dispatch = !args.no_dispatcher;
    config.web.enabled = !args.no_web;
    config.web.secure_cookies = args.secure_cookies;
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
    config.follower_start_version = match (args.follower_start, start) {
        (Some(version), _) | (None, Some(version)) => version,
        (None, None) => {
            // Without the publish version, reading the whole chain could take days: start at the head.
            tracing::warn!(
                version = head.version,
                "no --follower-start: a new database follows from the ledger's head; earlier payments are not imported"
            );
            head.version
        }
    };

    let mut gateway = Gateway::new(db, config, keyring, ledger);
    gateway.admin_token = secret(args.admin_token_file.as_ref(), "YENPAY_ADMIN_TOKEN")?;
    if let Some(operator) = operator {
        tracing::info!(fee_payer = %operator.address(), "sponsoring on");
        gateway.operator = Some(operator);
    }
    tracing::info!(
        listen = %args.listen,
        backend = ?gateway.db.backend,
        package = %package,
        chain_id = head.chain_id,
        admin = gateway.admin_token.is_some(),
        "starting"
    );
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    run(
        Arc::new(gateway),
        listener,
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
    tracing::info!("shutdown requested");
    // In-flight requests get this long before the process exits regardless.
    tokio::spawn(async {
        tokio::time::sleep(Duration::from_secs(30)).await;
        tracing::warn!("graceful shutdown took over 30 s; exiting");
        std::process::exit(1);
    });
}
