//! `cargo xtask demo`: the README's main job. A node (APTOS_NODE_URL, or a
//! localnet), a fresh deployment, then one complete QR payment told step by
//! step for someone who is not an engineer.
use std::path::Path;

use anyhow::{Context, Result, bail};
use clap::Args;

use crate::deploy::{self, DeployArgs, Network, Target};
use crate::localnet::{self, StartArgs};
use crate::move_cli::{Missing, MoveRunner};
use crate::node;

/// Options of `cargo xtask demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Leave the localnet running afterwards (when the demo started it).
    #[arg(long)]
    pub keep: bool,
    /// Do not `git fetch` the AptosFramework dependency while compiling.
    #[arg(long)]
    pub offline: bool,
}

pub fn run(root: &Path, args: &DemoArgs) -> Result<()> {
    // Fail within seconds when nothing real can run: no compiler, or neither
    // a node URL nor the CLI to start one.
    MoveRunner::find().map_err(|Missing(why)| anyhow::anyhow!(why))?;
    if let node::Plan::Fail(msg) = node::plan_from_env() {
        bail!(msg);
    }
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let node = rt.block_on(node::ensure(root, &StartArgs::default()))?;
    let result = rt.block_on(async {
        let target = Target {
            network: Network::Local,
            aptos: node.client()?,
            node: Some(node.clone()),
        };
        let deploy_args = DeployArgs {
            network: Network::Local,
            profile: None,
            key_file: None,
            mainnet_i_understand: false,
            offline: args.offline,
        };
        let deployed = deploy::deploy(root, &deploy_args, &target).await?;
        story(&target, &deployed).await
    });
    if node.started_localnet
        && !args.keep
        && let Err(e) = localnet::stop(&localnet::Paths::new(root))
    {
        eprintln!("warning: could not stop the localnet: {e:#}");
    }
    result
}

async fn story(_target: &Target, _deployed: &deploy::Deployed) -> Result<()> {
    bail!("the payment walk-through needs the yenpay client library, which has not landed yet")
}
