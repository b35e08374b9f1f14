//! Where a command acts and as whom, the Aptos way: `--network` (or the
//! profile's network) picks the node preset, `--url` overrides it; the
//! package comes from `--package` or `deployments/<network>.json`; the
//! signer from `--profile` (`.aptos/config.yaml`, the project's then the
//! user's) or `--key-file` (AIP-80). A private key is never an argument and
//! never printed: `yenpay-deploy`'s `keys` keeps it redacted.
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use aptos_sdk::types::AccountAddress;
use aptos_sdk::{Aptos, AptosConfig};
use clap::Args;
use yenpay_client::client::YenPay;
use yenpay_deploy::deployment::{Deployment, Network};
use yenpay_deploy::keys::{CliConfig, Deployer, read_key_file};

use super::exit::bad_input;
use super::plan::address;

/// Options every console command takes.
#[derive(Debug, Clone, Default, Args)]
pub struct Global {
    /// The network: local, devnet, testnet or mainnet. Default: the
    /// profile's network, else local.
    #[arg(long, global = true, env = "YENPAY_NETWORK")]
    pub network: Option<Network>,
    /// The node's REST URL, instead of the network's public node (or the profile's rest_url).
    #[arg(long, global = true, env = "YENPAY_NODE_URL")]
    pub url: Option<String>,
    /// The package address. Default: deployments/<network>.json in the current directory.
    #[arg(long, global = true, env = "YENPAY_PACKAGE", value_parser = address)]
    pub package: Option<AccountAddress>,
    /// The Aptos CLI profile that signs (.aptos/config.yaml here, else in the home folder).
    #[arg(
        long,
        global = true,
        env = "YENPAY_PROFILE",
        conflicts_with = "key_file"
    )]
    pub profile: Option<String>,
    /// A file holding the signer's private key (AIP-80 `ed25519-priv-0x...`, as `aptos key generate` writes it).
    #[arg(long, global = true, env = "YENPAY_KEY_FILE", value_name = "FILE")]
    pub key_file: Option<PathBuf>,
    /// Machine-readable output: one JSON document on standard output.
    #[arg(long, global = true)]
    pub json: bool,
    /// Do not ask before a mainnet action (for scripts that were reviewed).
    #[arg(long, global = true, env = "YENPAY_ASSUME_YES")]
    pub assume_yes: bool,
    /// Run the transaction on the node without submitting it: gas, events, the abort by name.
    #[arg(long, global = true, conflicts_with = "dry_run")]
    pub simulate: bool,
    /// Print the transaction's payload (function and BCS arguments); sign nothing, ask no node.
    #[arg(long, global = true)]
    pub dry_run: bool,
    /// Propose the transaction to this 0x1::multisig_account (the signer is one of its owners) instead of sending it.
    #[arg(long, global = true, value_parser = address)]
    pub multisig: Option<AccountAddress>,
    /// With --multisig: propose only the call's sha3-256 hash (for a payload too large to store, such as a package upgrade); the execution then carries the call (--execute-proposal).
    #[arg(
        long,
        global = true,
        requires = "multisig",
        conflicts_with = "execute_proposal"
    )]
    pub hash_only: bool,
    /// With --multisig: execute the multisig's next approved proposal, carrying this command's call (needed when only its hash was proposed; the chain refuses a call with another hash).
    #[arg(long, global = true, requires = "multisig")]
    pub execute_proposal: bool,
}

impl Global {
    /// What --multisig does with the command's call.
    pub fn proposal(&self) -> crate::cli::plan::Proposal {
        use crate::cli::plan::Proposal;
        match (self.hash_only, self.execute_proposal) {
            (true, _) => Proposal::HashOnly,
            (_, true) => Proposal::Execute,
            _ => Proposal::Full,
        }
    }
}

/// The network the command acts on, and the profile's node if it has one.
pub struct Resolved {
    /// The network.
    pub network: Network,
    /// The node's REST URL, when not the network's preset.
    pub url: Option<String>,
    /// The package.
    pub package: AccountAddress,
    /// The deployment record the package came from, if any.
    pub deployment: Option<Deployment>,
}

/// The project's and the user's Aptos CLI folders.
fn config_dirs() -> Vec<PathBuf> {
    let mut dirs = vec![PathBuf::from(".aptos")];
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".aptos"));
    }
    dirs
}

/// The named profile: the first config that has it.
fn find_profile(name: &str) -> Result<(PathBuf, CliConfig)> {
    let dirs = config_dirs();
    for dir in &dirs {
        let config = CliConfig::load(dir)?;
        if config.profiles.contains_key(name) {
            return Ok((dir.join("config.yaml"), config));
        }
    }
    Err(bad_input(format!(
        "no Aptos CLI profile `{name}` in {} (create one with `aptos init --profile {name}`, or pass --key-file)",
        dirs.iter()
            .map(|dir| dir.join("config.yaml").display().to_string())
            .collect::<Vec<_>>()
            .join(" or ")
    )))
}

fn profile_network(text: &str) -> Option<Network> {
    text.to_ascii_lowercase().parse().ok()
}

impl Global {
    /// Network, node and package, from the flags, the profile and the deployments file.
    pub fn resolve(&self) -> Result<Resolved> {
        let profile = match &self.profile {
            Some(name) => {
                let (_, config) = find_profile(name)?;
                config.profiles.get(name).cloned()
            }
            None => None,
        };
        let profile_net = profile
            .as_ref()
            .and_then(|p| p.network.as_deref())
            .and_then(profile_network);
        let network = self.network.or(profile_net).unwrap_or(Network::Local);
        // A profile's node is used only for the profile's own network.
        let url = self.url.clone().or_else(|| {
            profile
                .filter(|_| profile_net.is_none_or(|n| n == network))
                .and_then(|p| p.rest_url)
        });
        let (package, deployment) = match self.package {
            Some(package) => (package, None),
            None => {
                let deployment =
                    Deployment::load_for(Path::new("."), network).with_context(|| {
                        format!(
                            "no --package given, so the package is read from deployments/{}.json",
                            network.name()
                        )
                    })?;
                (deployment.package_address, Some(deployment))
            }
        };
        Ok(Resolved {
            network,
            url,
            package,
            deployment,
        })
    }

    /// The signer: `--key-file`, else `--profile`, else the profile `default`.
    pub fn signer(&self) -> Result<Deployer> {
        if let Some(path) = &self.key_file {
            return Ok(Deployer::from_key(read_key_file(path)?));
        }
        let name = self.profile.as_deref().unwrap_or("default");
        let (path, config) = find_profile(name)?;
        config
            .signer(name)
            .with_context(|| format!("profile `{name}` in {}", path.display()))
    }
}

/// The node's REST API URL with its `/v1`.
pub fn rest_api_url(url: &str) -> String {
    let trimmed = url.trim().trim_end_matches('/');
    if trimmed.ends_with("/v1") {
        trimmed.to_owned()
    } else {
        format!("{trimmed}/v1")
    }
}

impl Resolved {
    /// Where requests go, as printed.
    pub fn node(&self) -> String {
        match &self.url {
            Some(url) => rest_api_url(url),
            None => format!("the {} preset", self.network),
        }
    }

    fn config(&self) -> Result<AptosConfig> {
        let config = match (&self.url, self.network) {
            (Some(url), _) => AptosConfig::custom(&rest_api_url(url))
                .map_err(|e| bad_input(format!("--url {url}: {e}")))?,
            (None, Network::Local) => AptosConfig::local(),
            (None, Network::Devnet) => AptosConfig::devnet(),
            (None, Network::Testnet) => AptosConfig::testnet(),
            (None, Network::Mainnet) => AptosConfig::mainnet(),
        };
        // A console answers quickly when no node is there.
        Ok(config
            .with_timeout(Duration::from_secs(20))
            .with_max_retries(1))
    }

    /// A client of the package on the node, after checking that the node
    /// answers and (for a recorded deployment) is the chain it was recorded on.
    pub async fn connect(&self) -> Result<YenPay> {
        let aptos = Aptos::new(self.config()?).context("creating the Aptos client")?;
        let chain_id = aptos.ensure_chain_id().await.with_context(|| {
            format!(
                "no Aptos node reachable at {} ({}): start one, or pass --url",
                self.node(),
                self.network
            )
        })?;
        if let Some(deployment) = &self.deployment
            && deployment.chain_id != chain_id.id()
        {
            return Err(bad_input(format!(
                "the node at {} is chain {}, but deployments/{}.json was recorded on chain {}: \
                 wrong --url, or the chain was reset",
                self.node(),
                chain_id.id(),
                self.network,
                deployment.chain_id
            )));
        }
        Ok(YenPay::new(aptos, self.package))
    }
}
