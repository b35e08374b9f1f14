//! `cargo xtask deploy --network local|devnet|testnet|mainnet [--seed S]`:
//! compile for the deployer's resource account, publish through
//! `0x1::resource_account::create_resource_account_and_publish_package`, wait,
//! verify on chain (roles with the deployer, code controlled by the package,
//! its key zero, the treasury's store approved), and write
//! `deployments/<network>.json`.
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use aptos_sdk::types::AccountAddress;
use aptos_sdk::{Aptos, AptosConfig};
use clap::Args;

use yenpay_client::client::YenPay;

use crate::build::NamedAddresses;
use crate::localnet::StartArgs;
use crate::move_cli::{Missing, MoveRunner};
use crate::node::{self, Node};
use crate::profile::{CliConfig, Deployer, SecretKey, read_key_file};

pub use yenpay_types::network::Network;

/// How the Aptos CLI names `network` in a profile.
fn profile_network(network: Network) -> &'static str {
    match network {
        Network::Local => "Local",
        Network::Devnet => "Devnet",
        Network::Testnet => "Testnet",
        Network::Mainnet => "Mainnet",
    }
}

/// The profile `deploy --network local` creates for its fresh key.
pub const LOCAL_PROFILE: &str = "yenpay-local";
/// Octas the faucet gives a fresh local deployer (publishing costs far less).
const LOCAL_FUNDING: u64 = 10 * 100_000_000;

/// Options of `cargo xtask deploy`.
#[derive(Debug, Args, Clone)]
pub struct DeployArgs {
    /// Which network to publish to: local, devnet, testnet or mainnet (real
    /// money; needs --mainnet-i-understand). Local is APTOS_NODE_URL, else a
    /// localnet the Aptos CLI starts.
    #[arg(long)]
    pub network: Network,
    /// The Aptos CLI profile holding the deployer's key (.aptos/config.yaml in
    /// this project, else ~/.aptos/config.yaml). Default: `default` on public
    /// networks; on local a fresh key is made and saved as `yenpay-local`.
    #[arg(long, conflicts_with = "key_file")]
    pub profile: Option<String>,
    /// A file holding the deployer's private key (AIP-80 or hex).
    #[arg(long, value_name = "FILE")]
    pub key_file: Option<PathBuf>,
    /// The resource account's seed (its UTF-8 bytes): the package is published
    /// at sha3-256(deployer || seed || 0xFF). One deployer can publish one
    /// package per seed.
    #[arg(long, default_value = yenpay_deploy::publish::DEFAULT_SEED, value_parser = crate::build::parse_seed)]
    pub seed: String,
    /// Required for mainnet: you are publishing with real funds.
    #[arg(long)]
    pub mainnet_i_understand: bool,
    /// Do not `git fetch` the AptosFramework dependency while compiling.
    #[arg(long)]
    pub offline: bool,
}

/// Refuses mainnet unless the flag was given (there is no prompt: CI has no stdin).
pub fn check_mainnet_consent(args: &DeployArgs) -> Result<()> {
    require_mainnet_consent(args.network, args.mainnet_i_understand)
}

/// Refuses to publish (or upgrade) on mainnet without `--mainnet-i-understand`.
pub fn require_mainnet_consent(network: Network, consent: bool) -> Result<()> {
    if network == Network::Mainnet && !consent {
        bail!(
            "refusing to publish to mainnet without --mainnet-i-understand: a mainnet deployment \
             spends real APT and is permanent"
        );
    }
    Ok(())
}

pub fn run(root: &Path, args: &DeployArgs) -> Result<()> {
    check_mainnet_consent(args)?;
    // The compiler is needed whatever the network: fail before anything starts.
    MoveRunner::find().map_err(|Missing(why)| anyhow::anyhow!(why))?;
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    rt.block_on(async {
        let target = Target::connect(root, args.network).await?;
        let deployed = deploy(root, args, &target).await?;
        println!(
            "Deployed {} to {} at {}, the resource account of the deployer {} with seed {:?} \
             (tx {}, version {}); recorded in {}",
            crate::build::PACKAGE_NAME,
            args.network.name(),
            deployed.package,
            deployed.deployer.address,
            args.seed,
            deployed.tx_hash,
            deployed.version,
            deployed.file.display()
        );
        println!(
            "The deployer holds every role; the code can change only through \
             {}::upgrade::upgrade_package, signed by the stablecoin's admin (`cargo xtask upgrade`).",
            deployed.package
        );
        Ok(())
    })
}

/// The node to publish to.
pub struct Target {
    /// Which network.
    pub network: Network,
    /// How to reach it.
    pub config: AptosConfig,
    /// For local: the node (URLs, whether we started it).
    pub node: Option<Node>,
    /// The chain id the node reported.
    pub chain_id: u8,
}

impl Target {
    /// Connects: local through [`node::ensure`], public networks through aptos-sdk's presets.
    pub async fn connect(root: &Path, network: Network) -> Result<Self> {
        let (config, node) = match network {
            Network::Local => {
                let node = node::ensure(root, &StartArgs::default()).await?;
                (node.config()?, Some(node))
            }
            Network::Devnet => (AptosConfig::devnet(), None),
            Network::Testnet => (AptosConfig::testnet(), None),
            Network::Mainnet => (AptosConfig::mainnet(), None),
        };
        Self::from_config(network, config, node).await
    }

    /// A target for a node already up.
    pub async fn from_config(
        network: Network,
        config: AptosConfig,
        node: Option<Node>,
    ) -> Result<Self> {
        let aptos = Aptos::new(config.clone()).context("creating the Aptos client")?;
        let chain_id = aptos
            .ensure_chain_id()
            .await
            .with_context(|| format!("the {} node does not answer", network.name()))?
            .id();
        Ok(Self {
            network,
            config,
            node,
            chain_id,
        })
    }

    /// A fresh aptos-sdk client for this node.
    pub fn aptos(&self) -> Result<Aptos> {
        Aptos::new(self.config.clone()).context("creating the Aptos client")
    }

    /// A yenpay client for the package at `package` on this node.
    pub fn yenpay(&self, package: AccountAddress) -> Result<YenPay> {
        Ok(YenPay::new(self.aptos()?, package))
    }
}

/// What a deployment produced.
#[derive(Debug, Clone)]
pub struct Deployed {
    /// The package address: the deployer's resource account.
    pub package: AccountAddress,
    /// The publish transaction's hash.
    pub tx_hash: String,
    /// Its ledger version.
    pub version: u64,
    /// deployments/<network>.json
    pub file: PathBuf,
    /// The deployer (its key stays redacted).
    pub deployer: Deployer,
    /// Gas units the publish used.
    pub gas_used: u64,
}

/// Resolves the key, funds it on local, compiles for the resource account,
/// publishes, verifies, records.
pub async fn deploy(root: &Path, args: &DeployArgs, target: &Target) -> Result<Deployed> {
    let deployer = resolve_deployer(root, args, target).await?;
    println!("Deployer: {} ({})", deployer.address, target.network.name());
    let named = NamedAddresses::for_deployer(deployer.address, &args.seed);
    println!(
        "Package address: {} (the deployer's resource account for seed {:?})",
        named.package, args.seed
    );
    let client = target.yenpay(named.package)?;
    // A resource account is created once: say so before compiling or paying.
    if crate::publishing::package_registry(&client, named.package)
        .await?
        .is_some()
    {
        bail!(
            "a package is already published at {} (the resource account of {} with seed {:?}) on {}: \
             upgrade it with `cargo xtask upgrade --network {}`, or publish a new deployment with \
             another --seed",
            named.package,
            deployer.address,
            args.seed,
            target.network.name(),
            target.network.name()
        );
    }
    ensure_gas(target.network, target, &deployer).await?;

    let built = compile_blocking(root, named, args.offline).await?;
    let published =
        crate::publishing::publish(&client, &deployer, &built, &args.seed, target.chain_id).await?;
    println!(
        "Published: tx {} at version {} ({} gas units)",
        published.hash, published.version, published.gas_used
    );
    let checks = crate::publishing::verify(&client, &built, deployer.address).await?;
    for line in &checks.report {
        println!("  verified: {line}");
    }
    let deployment = crate::publishing::deployment_record(
        root,
        target.network,
        target.chain_id,
        named,
        &args.seed,
        checks.metadata,
        &published,
    );
    let file = crate::publishing::record(root, &deployment)?;
    if target.network == Network::Local {
        set_up_local_fx_desk(root, &client, &deployer, args.offline).await?;
    }
    Ok(Deployed {
        package: named.package,
        tx_hash: published.hash.to_string(),
        version: published.version,
        file,
        deployer,
        gas_used: published.gas_used,
    })
}

/// Test USDC the deployer's script creates on a local node: one million.
const LOCAL_TEST_USDC_SUPPLY: u64 = 1_000_000 * 1_000_000;
/// The local desk: reference ¥150 per USDC, ¥100,000 per quote, ¥1,000,000 a
/// day. No inventory: a deployment starts with no supply, and whoever uses
/// the desk funds it.
const LOCAL_DESK: (u64, u64, u64) = (150_000_000, 100_000, 1_000_000);

/// A local node has no USDC: the deployer creates a stand-in with USDC's 6
/// decimals (the script in move/test-usdc, once per deployer) and sets up the
/// FX desk as a test network's, every role being the deployer's. Mainnet and
/// testnet desks take Circle's native USDC
/// (`yenpay_deploy::fx_desk::native_usdc`), configured by the operator.
async fn set_up_local_fx_desk(
    root: &Path,
    client: &YenPay,
    deployer: &Deployer,
    offline: bool,
) -> Result<()> {
    let script = compile_test_usdc_blocking(root, offline).await?;
    let account = deployer.account();
    let (usdc, created) =
        yenpay_deploy::fx_desk::create_test_usdc(client, &account, script, LOCAL_TEST_USDC_SUPPLY)
            .await?;
    match created {
        Some(tx) => println!("Created the local test USDC {usdc} (tx {})", tx.hash),
        None => println!("The deployer's local test USDC {usdc} exists already"),
    }
    let info = client.aptos().ledger_info().await?;
    let now = info
        .ledger_timestamp
        .parse::<u64>()
        .with_context(|| format!("ledger_timestamp {:?}", info.ledger_timestamp))?
        / 1_000_000;
    let (reference_rate, max_quote_yen, daily_limit_yen) = LOCAL_DESK;
    let setup = yenpay_deploy::fx_desk::DeskSetup {
        usdc,
        reference_rate,
        max_quote_yen,
        daily_limit_yen,
    };
    yenpay_deploy::fx_desk::set_up_desk(client, &account, &setup, now)
        .await
        .context("setting up the FX desk")?;
    println!(
        "FX desk: USDC {usdc}, reference ¥{}.{:06} per USDC, limits ¥{max_quote_yen} a quote and \
         ¥{daily_limit_yen} a day, no inventory yet",
        reference_rate / 1_000_000,
        reference_rate % 1_000_000
    );
    Ok(())
}

/// Compiles move/test-usdc's script on a blocking thread; returns its bytecode.
async fn compile_test_usdc_blocking(root: &Path, offline: bool) -> Result<Vec<u8>> {
    let root = root.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let runner = MoveRunner::find().map_err(|Missing(why)| anyhow::anyhow!(why))?;
        let package = root.join("move").join("test-usdc");
        let output = package.join("build").join("create_test_usdc.mv");
        std::fs::create_dir_all(package.join("build"))
            .with_context(|| format!("creating {}", package.join("build").display()))?;
        let mut cmd = runner.compile_script_command(&package, &output, offline);
        println!("==> compile the test USDC script: {}", crate::render(&cmd));
        let status = cmd
            .status()
            .with_context(|| format!("could not start {}", crate::render(&cmd)))?;
        if !status.success() {
            bail!("the Move compiler failed on move/test-usdc ({status}); its output is above");
        }
        std::fs::read(&output).with_context(|| format!("reading {}", output.display()))
    })
    .await
    .context("the compile task panicked")?
}

/// Compiles on a blocking thread (the compiler runs for a while).
pub async fn compile_blocking(
    root: &Path,
    named: NamedAddresses,
    offline: bool,
) -> Result<crate::build::Built> {
    let root = root.to_path_buf();
    tokio::task::spawn_blocking(move || crate::build::compile(&root, &named, offline))
        .await
        .context("the compile task panicked")?
}

/// The profile files to look in: the project's, then the user's.
fn config_dirs(root: &Path) -> Vec<PathBuf> {
    let mut dirs = vec![root.join(".aptos")];
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".aptos"));
    }
    dirs
}

async fn resolve_deployer(root: &Path, args: &DeployArgs, target: &Target) -> Result<Deployer> {
    if let Some(path) = &args.key_file {
        return Ok(Deployer::from_key(read_key_file(path)?));
    }
    let wanted = match (&args.profile, args.network) {
        (Some(p), _) => p.clone(),
        (None, Network::Local) => return new_local_deployer(root, target),
        (None, _) => "default".to_string(),
    };
    signer_from_profile(root, &wanted)
}

/// The signer of the Aptos CLI profile `wanted`, from this project's
/// .aptos/config.yaml, else the user's.
pub fn signer_from_profile(root: &Path, wanted: &str) -> Result<Deployer> {
    let mut last_err = None;
    let dirs = config_dirs(root);
    for dir in &dirs {
        let config = CliConfig::load(dir)?;
        if config.profiles.contains_key(wanted) {
            return config.signer(wanted).with_context(|| {
                format!(
                    "profile `{wanted}` in {}",
                    dir.join("config.yaml").display()
                )
            });
        }
        last_err = Some(anyhow::Error::from(config.signer(wanted).unwrap_err()));
    }
    Err(last_err
        .unwrap_or_else(|| anyhow::anyhow!("no Aptos CLI profile `{wanted}`"))
        .context(format!(
            "looking for profile `{wanted}` in {} (or pass --key-file)",
            dirs.iter()
                .map(|dir| dir.join("config.yaml").display().to_string())
                .collect::<Vec<_>>()
                .join(" and ")
        )))
}

/// A fresh key for a local deployment, saved as the `yenpay-local` profile in
/// this project's .aptos/ (git-ignored), so `aptos --profile yenpay-local`
/// can act as the same account.
fn new_local_deployer(root: &Path, target: &Target) -> Result<Deployer> {
    let deployer = Deployer::from_key(SecretKey::generate());
    let dir = root.join(".aptos");
    let mut config = CliConfig::load(&dir)?;
    let node = target
        .node
        .as_ref()
        .context("a local deployment has a node")?;
    config.profiles.insert(
        LOCAL_PROFILE.to_string(),
        deployer.to_profile(
            profile_network(Network::Local),
            &node.rest_url,
            node.faucet_url.as_deref(),
        ),
    );
    let path = config.save(&dir)?;
    println!(
        "Created a fresh deployer key, saved as profile `{LOCAL_PROFILE}` in {}",
        path.display()
    );
    Ok(deployer)
}

/// On local, funds the deployer from the faucet; elsewhere, checks it has APT.
async fn ensure_gas(network: Network, target: &Target, deployer: &Deployer) -> Result<()> {
    let aptos = target.aptos()?;
    let balance = aptos.get_balance(deployer.address).await.unwrap_or(0);
    if network == Network::Local && balance < LOCAL_FUNDING / 2 {
        let has_faucet = target.node.as_ref().is_some_and(|n| n.faucet_url.is_some());
        if !has_faucet {
            bail!(
                "the deployer {} has no APT and no faucet is known: set {} to the node's faucet",
                deployer.address,
                node::FAUCET_URL_ENV
            );
        }
        yenpay_deploy::faucet::fund(&aptos, deployer.address, LOCAL_FUNDING)
            .await
            .context("funding the deployer from the faucet")?;
        println!(
            "Funded {} with {} APT from the faucet",
            deployer.address,
            LOCAL_FUNDING / 100_000_000
        );
        return Ok(());
    }
    if balance == 0 {
        bail!(
            "the deployer {} holds no APT on {}: fund it first (devnet: `aptos account fund-with-faucet \
             --profile <name>`; testnet: the faucet page; mainnet: a transfer)",
            deployer.address,
            network.name()
        );
    }
    Ok(())
}

/// The recorded deployment of `network` and the deployer's signer: the key
/// file when given, else the profile (`yenpay-local` on local, `default`
/// elsewhere). For commands that act on a deployment as its deployer
/// (`mint`, `shop`).
pub fn recorded_deployer(
    root: &Path,
    network: Network,
    profile: Option<&str>,
    key_file: Option<&Path>,
) -> Result<(
    yenpay_deploy::deployment::Deployment,
    crate::profile::Deployer,
)> {
    let deployment =
        yenpay_deploy::deployment::Deployment::load_for(root, network).with_context(|| {
            format!(
                "reading the {network} deployment: run `cargo xtask deploy --network {}` first",
                network.name()
            )
        })?;
    let signer = match key_file {
        Some(path) => crate::profile::Deployer::from_key(crate::profile::read_key_file(path)?),
        None => {
            let profile = match (profile, network) {
                (Some(profile), _) => profile,
                (None, Network::Local) => LOCAL_PROFILE,
                (None, _) => "default",
            };
            signer_from_profile(root, profile)?
        }
    };
    Ok((deployment, signer))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(network: Network, consent: bool) -> DeployArgs {
        DeployArgs {
            network,
            profile: None,
            key_file: None,
            seed: "yenpay".to_string(),
            mainnet_i_understand: consent,
            offline: false,
        }
    }

    #[test]
    fn mainnet_is_refused_without_the_flag() {
        let err = check_mainnet_consent(&args(Network::Mainnet, false)).unwrap_err();
        assert!(err.to_string().contains("--mainnet-i-understand"), "{err}");
        check_mainnet_consent(&args(Network::Mainnet, true)).unwrap();
        for n in [Network::Local, Network::Devnet, Network::Testnet] {
            check_mainnet_consent(&args(n, false)).unwrap();
        }
    }

    #[test]
    fn mainnet_refusal_comes_before_anything_else_runs() {
        // No compiler, node or key is looked at: the refusal is immediate even
        // with a key file that does not exist.
        let mut a = args(Network::Mainnet, false);
        a.key_file = Some(PathBuf::from("/nonexistent/key"));
        let dir = tempfile::tempdir().unwrap();
        let err = run(dir.path(), &a).unwrap_err().to_string();
        assert!(err.contains("refusing to publish to mainnet"), "{err}");
    }

    #[test]
    fn network_names_match_deployment_files() {
        let names: Vec<_> = [
            Network::Local,
            Network::Devnet,
            Network::Testnet,
            Network::Mainnet,
        ]
        .iter()
        .map(|n| n.name())
        .collect();
        assert_eq!(names, ["local", "devnet", "testnet", "mainnet"]);
    }
}
