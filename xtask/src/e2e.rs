//! `cargo xtask e2e`: a node (APTOS_NODE_URL, or a localnet started for the
//! run), a fresh local deployment, then the ignored end-to-end tests with the
//! node, faucet and package passed in the environment.
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use clap::Args;

use crate::deploy::{self, DeployArgs, Network, Target};
use crate::localnet::{self, StartArgs};
use crate::node;

/// Env var naming the package address (the deployer's resource account) for
/// the end-to-end tests.
pub const PACKAGE_ENV: &str = "YENPAY_PACKAGE";
/// Env var naming a file with the deployer's key (it holds every role after
/// publishing, the package being at its resource account), for tests that
/// need the admin, minter or operator.
pub const DEPLOYER_KEY_FILE_ENV: &str = "YENPAY_DEPLOYER_KEY_FILE";

/// Options of `cargo xtask e2e`.
#[derive(Debug, Args)]
pub struct E2eArgs {
    /// Leave the localnet running afterwards (when this run started it).
    #[arg(long)]
    pub keep: bool,
    /// Do not `git fetch` the AptosFramework dependency while compiling.
    #[arg(long)]
    pub offline: bool,
    /// Only run tests whose name contains this (passed to the test binary).
    #[arg(long)]
    pub filter: Option<String>,
}

pub fn run(root: &Path, args: &E2eArgs) -> Result<()> {
    let suite = Suite {
        what: "end-to-end tests",
        keep: args.keep,
        offline: args.offline,
        key_file: "yenpay-local.key",
        suites: Suites::All,
    };
    run_suite(root, &suite, |cmd| {
        if let Some(filter) = &args.filter {
            cmd.arg(filter);
        }
    })
}

/// One run of the ignored end-to-end suite against a fresh deployment: what
/// `cargo xtask e2e` and `cargo xtask bench-chain` share.
pub struct Suite<'a> {
    /// What runs, for the progress line and the error.
    pub what: &'a str,
    /// Leave a localnet this run started running afterwards.
    pub keep: bool,
    /// Do not `git fetch` the framework while compiling.
    pub offline: bool,
    /// The deployer's key file under `.aptos/` (its own per command, so that
    /// two runs at once do not rewrite each other's key).
    pub key_file: &'a str,
    /// Which suites run on the deployment.
    pub suites: Suites,
}

/// The suites a run takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suites {
    /// `tests/` (yenpay-e2e), then the gateway's node tests
    /// (crates/yenpay-gateway/tests/e2e_node.rs: the API, webhooks, the pages
    /// in a browser), without the soak, then the console's
    /// (crates/yenpay-cli/tests/console_node.rs).
    All,
    /// `tests/` only.
    E2e,
    /// The gateway's soak only (`cargo xtask soak`).
    Soak,
}

/// The soak's test, in the gateway's node suite.
pub const SOAK_TEST: &str = "soak::";

/// Node up (or the one named), deploy, then `cargo test -p yenpay-e2e --test
/// e2e -- --ignored` (and with `gateway` the gateway's `e2e_node` suite) with
/// the node, faucet, package and deployer key in the environment; `configure`
/// adds the caller's test arguments and variables to each.
/// A localnet started here is stopped afterwards unless `keep`.
pub fn run_suite(root: &Path, suite: &Suite<'_>, configure: impl Fn(&mut Command)) -> Result<()> {
    node::preflight().with_context(|| {
        format!(
            "the {} need a real Aptos node and found none it can use",
            suite.what
        )
    })?;
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let node = rt.block_on(node::ensure(root, &StartArgs::default()))?;
    let result = rt.block_on(deploy_and_test(root, suite, &node, configure));
    if node.started_localnet {
        if suite.keep {
            println!(
                "Leaving the localnet running (--keep); stop it with `cargo xtask localnet stop`."
            );
        } else if let Err(e) = localnet::stop(&localnet::Paths::new(root)) {
            eprintln!("warning: could not stop the localnet: {e:#}");
        }
    }
    result
}

async fn deploy_and_test(
    root: &Path,
    suite: &Suite<'_>,
    node: &node::Node,
    configure: impl Fn(&mut Command),
) -> Result<()> {
    let target = Target::from_config(Network::Local, node.config()?, Some(node.clone())).await?;
    let deploy_args = DeployArgs {
        network: Network::Local,
        profile: None,
        key_file: None,
        seed: yenpay_deploy::publish::DEFAULT_SEED.to_string(),
        mainnet_i_understand: false,
        offline: suite.offline,
    };
    let deployed = deploy::deploy(root, &deploy_args, &target).await?;
    let key_file = deployed
        .deployer
        .write_key_file(&root.join(".aptos").join(suite.key_file))?;

    let suites: &[(&str, &str)] = match suite.suites {
        // The console's last: it changes roles (and puts them back).
        Suites::All => &[
            ("yenpay-e2e", "e2e"),
            ("yenpay-gateway", "e2e_node"),
            ("yenpay-cli", "console_node"),
        ],
        Suites::E2e => &[("yenpay-e2e", "e2e")],
        Suites::Soak => &[("yenpay-gateway", "e2e_node")],
    };
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    if suites
        .iter()
        .any(|&(package, _)| package == "yenpay-gateway")
    {
        // The gateway's suite drives the operator's console (`yenpay`) after a
        // denied payment: built first, found next to the test binary.
        let mut build = Command::new(&cargo);
        build
            .current_dir(root)
            .args(["build", "-p", "yenpay-cli", "--bin", "yenpay"]);
        let status = tokio::task::spawn_blocking(move || build.status())
            .await
            .context("the build task panicked")?
            .context("could not start cargo build")?;
        if !status.success() {
            bail!("building the console for the gateway's node suite failed ({status})");
        }
    }
    for &(package, test) in suites {
        let mut cmd = Command::new(&cargo);
        cmd.current_dir(root)
            .args(["test", "-p", package, "--test", test, "--", "--ignored"])
            .env(node::NODE_URL_ENV, &node.rest_url)
            .env(PACKAGE_ENV, deployed.package.to_string())
            .env(DEPLOYER_KEY_FILE_ENV, &key_file);
        if let Some(f) = &node.faucet_url {
            cmd.env(node::FAUCET_URL_ENV, f);
        }
        if package == "yenpay-gateway" && suite.suites == Suites::All {
            // Ten minutes of its own: `cargo xtask soak` runs it.
            cmd.args(["--skip", SOAK_TEST]);
        }
        if test == "console_node" {
            // Both of its tests hand the admin and pauser roles around on the
            // one deployment: run in parallel, one signs as an admin the other
            // has just given away.
            cmd.arg("--test-threads=1");
        }
        configure(&mut cmd);
        println!(
            "==> {} ({package}) against {} (package {}): {}",
            suite.what,
            node.rest_url,
            deployed.package,
            crate::render(&cmd)
        );
        let status = tokio::task::spawn_blocking(move || cmd.status())
            .await
            .context("the test task panicked")?
            .context("could not start cargo test")?;
        if !status.success() {
            bail!("the {} failed in {package} ({status})", suite.what);
        }
    }
    Ok(())
}
