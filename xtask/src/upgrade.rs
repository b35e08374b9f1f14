//! `cargo xtask upgrade --network local|devnet|testnet|mainnet`: the admin
//! publishes new code of a recorded deployment.
//!
//! Reads `deployments/<network>.json`, recompiles `move/` with the recorded
//! named addresses (`yenpay` = the package, `deployer` = the original
//! deployer, whoever the admin is now), checks that the package is
//! code-controlled and that the signer is the stablecoin's admin, and submits
//! `<package>::upgrade::upgrade_package`. The code stays under the package's
//! `compatible` upgrade policy. The deployments file is not changed.
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, ensure};
use clap::Args;
use yenpay_deploy::deployment::Deployment;

use crate::build::NamedAddresses;
use crate::deploy::{LOCAL_PROFILE, Network, Target};
use crate::move_cli::{Missing, MoveRunner};
use crate::profile::{Deployer, read_key_file};

/// Options of `cargo xtask upgrade`.
#[derive(Debug, Args, Clone)]
pub struct UpgradeArgs {
    /// The network whose deployment (deployments/<network>.json) to upgrade.
    #[arg(long)]
    pub network: Network,
    /// The Aptos CLI profile holding the stablecoin admin's key. Default:
    /// `yenpay-local` on local (the key `deploy` made), `default` elsewhere.
    #[arg(long, conflicts_with = "key_file")]
    pub profile: Option<String>,
    /// A file holding the admin's private key (AIP-80 or hex).
    #[arg(long, value_name = "FILE")]
    pub key_file: Option<PathBuf>,
    /// Required for mainnet: you are publishing with real funds.
    #[arg(long)]
    pub mainnet_i_understand: bool,
    /// Do not `git fetch` the AptosFramework dependency while compiling.
    #[arg(long)]
    pub offline: bool,
}

impl UpgradeArgs {
    /// The profile to read the admin's key from, when no key file is given.
    pub fn profile_name(&self) -> &str {
        match (&self.profile, self.network) {
            (Some(profile), _) => profile,
            (None, Network::Local) => LOCAL_PROFILE,
            (None, _) => "default",
        }
    }
}

pub fn run(root: &Path, args: &UpgradeArgs) -> Result<()> {
    crate::deploy::require_mainnet_consent(args.network, args.mainnet_i_understand)?;
    // Nothing to upgrade without a record of the deployment.
    let network = args.network;
    let deployment = Deployment::load_for(root, network).with_context(|| {
        format!(
            "reading the {} deployment: `cargo xtask upgrade` upgrades the package recorded by \
             `cargo xtask deploy --network {}`",
            network,
            args.network.name()
        )
    })?;
    MoveRunner::find().map_err(|Missing(why)| anyhow::anyhow!(why))?;
    let admin = resolve_admin(root, args)?;
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    rt.block_on(async {
        let target = Target::connect(root, args.network).await?;
        ensure!(
            target.chain_id == deployment.chain_id,
            "the {} node reports chain id {}, but the deployment was recorded on chain id {}: the \
             chain was reset (or this is another network), so the recorded package is not there",
            args.network.name(),
            target.chain_id,
            deployment.chain_id
        );
        let client = target.yenpay(deployment.package_address)?;
        println!(
            "Package {} (deployer {}, seed {:?}); admin signer {}",
            deployment.package_address, deployment.deployer_address, deployment.seed, admin.address
        );
        // Fail before compiling when the upgrade cannot go through.
        crate::publishing::check_can_upgrade(&client, admin.address).await?;
        let named = NamedAddresses::of_deployment(&deployment);
        let built = crate::deploy::compile_blocking(root, named, args.offline).await?;
        let upgraded = crate::publishing::upgrade(&client, &admin, &built).await?;
        let tx = &upgraded.submitted;
        println!(
            "Upgraded {} at {} on {}: tx {} at version {} ({} gas units)",
            upgraded.name,
            deployment.package_address,
            args.network.name(),
            tx.hash,
            tx.version,
            tx.gas_used
        );
        println!("  modules published: {}", upgraded.modules.join(", "));
        match upgraded.upgrade_number {
            Some((before, after)) => println!("  upgrade number: {before} -> {after}"),
            None => println!("  upgrade number: not readable from 0x1::code::PackageRegistry"),
        }
        println!("  compiled with {named}");
        Ok(())
    })
}

/// The admin's key: `--key-file`, else the profile ([`UpgradeArgs::profile_name`]).
fn resolve_admin(root: &Path, args: &UpgradeArgs) -> Result<Deployer> {
    match &args.key_file {
        Some(path) => Ok(Deployer::from_key(read_key_file(path)?)),
        None => crate::deploy::signer_from_profile(root, args.profile_name()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(network: Network) -> UpgradeArgs {
        UpgradeArgs {
            network,
            profile: None,
            key_file: None,
            mainnet_i_understand: false,
            offline: false,
        }
    }

    #[test]
    fn the_admin_profile_defaults_to_the_local_deployers() {
        assert_eq!(args(Network::Local).profile_name(), LOCAL_PROFILE);
        assert_eq!(args(Network::Testnet).profile_name(), "default");
        let mut named = args(Network::Devnet);
        named.profile = Some("yenpay-admin".into());
        assert_eq!(named.profile_name(), "yenpay-admin");
    }

    #[test]
    fn mainnet_is_refused_without_the_flag_before_anything_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let err = run(dir.path(), &args(Network::Mainnet))
            .unwrap_err()
            .to_string();
        assert!(err.contains("--mainnet-i-understand"), "{err}");
    }

    #[test]
    fn without_a_deployment_record_it_says_which_file_and_what_to_run() {
        let dir = tempfile::tempdir().unwrap();
        let err = run(dir.path(), &args(Network::Testnet)).unwrap_err();
        let text = format!("{err:#}");
        assert!(text.contains("testnet.json"), "{text}");
        assert!(
            text.contains("cargo xtask deploy --network testnet"),
            "{text}"
        );
    }
}
