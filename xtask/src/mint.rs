//! `cargo xtask mint --to ADDRESS --amount YEN`: test yen for a wallet on a
//! local or test network (for example the gateway's wallet page, docs/web.md).
//!
//! Signs as the recorded deployment's deployer, who holds every role after
//! publishing: it makes itself a minter when it is not one with enough
//! allowance (as master minter), then mints. Refused on mainnet, where minting
//! is the issuer's regulated process, not a developer's command.
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail, ensure};
use aptos_sdk::types::AccountAddress;
use clap::Args;

use crate::deploy::{Network, Target};

/// Allowance the deployer gives itself when it must become a minter: enough
/// for many test mints, far below any real issuance.
const TEST_ALLOWANCE: u64 = 10_000_000;

/// Options of `cargo xtask mint`.
#[derive(Debug, Args, Clone)]
pub struct MintArgs {
    /// The network whose deployment (deployments/<network>.json) mints.
    #[arg(long, default_value = "local")]
    pub network: Network,
    /// Who receives the yen.
    #[arg(long)]
    pub to: String,
    /// How many yen.
    #[arg(long)]
    pub amount: u64,
    /// The Aptos CLI profile of the deployer. Default: `yenpay-local` on local, `default` elsewhere.
    #[arg(long, conflicts_with = "key_file")]
    pub profile: Option<String>,
    /// A file holding the deployer's private key (AIP-80 or hex).
    #[arg(long, value_name = "FILE")]
    pub key_file: Option<PathBuf>,
}

pub fn run(root: &Path, args: &MintArgs) -> Result<()> {
    if args.network == Network::Mainnet {
        bail!("`cargo xtask mint` is for local and test networks; on mainnet the issuer mints");
    }
    let to = AccountAddress::from_hex(args.to.trim())
        .with_context(|| format!("--to {:?} is not an account address", args.to))?;
    ensure!(args.amount > 0, "--amount must be at least 1 yen");
    let (deployment, signer) = crate::deploy::recorded_deployer(
        root,
        args.network,
        args.profile.as_deref(),
        args.key_file.as_deref(),
    )?;
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    rt.block_on(async {
        let target = Target::connect(root, args.network).await?;
        ensure!(
            target.chain_id == deployment.chain_id,
            "the {} node reports chain id {}, but the deployment was recorded on chain id {}: \
             the chain was reset, so the recorded package is not there (deploy again)",
            args.network.name(),
            target.chain_id,
            deployment.chain_id
        );
        let client = target.yenpay(deployment.package_address)?;
        let minted = yenpay_deploy::operate::mint_test_yen(
            &client,
            &signer.account(),
            to,
            args.amount,
            TEST_ALLOWANCE,
        )
        .await?;
        if let Some(tx) = &minted.made_minter {
            println!("Made {} a minter: tx {}", signer.address, tx.hash);
        }
        println!(
            "Minted ¥{} to {to} on {}: tx {} at version {}; balance now ¥{}",
            args.amount,
            args.network.name(),
            minted.mint.hash,
            minted.mint.version,
            minted.balance
        );
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(network: Network, to: &str, amount: u64) -> MintArgs {
        MintArgs {
            network,
            to: to.to_owned(),
            amount,
            profile: None,
            key_file: None,
        }
    }

    #[test]
    fn mainnet_is_refused_before_anything_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let err = run(dir.path(), &args(Network::Mainnet, "0x1", 5))
            .unwrap_err()
            .to_string();
        assert!(err.contains("on mainnet the issuer mints"), "{err}");
    }

    #[test]
    fn bad_input_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let err = run(dir.path(), &args(Network::Local, "shop", 5)).unwrap_err();
        assert!(format!("{err:#}").contains("--to \"shop\""), "{err:#}");
        let err = run(dir.path(), &args(Network::Local, "0x1", 0)).unwrap_err();
        assert!(err.to_string().contains("at least 1 yen"), "{err}");
    }

    #[test]
    fn without_a_deployment_record_it_says_what_to_run() {
        let dir = tempfile::tempdir().unwrap();
        let err = run(dir.path(), &args(Network::Testnet, "0x1", 5)).unwrap_err();
        let text = format!("{err:#}");
        assert!(
            text.contains("cargo xtask deploy --network testnet"),
            "{text}"
        );
    }
}
