//! `cargo xtask soak`: the gateway's soak (issue 30, item 8) on a node and a
//! throwaway PostgreSQL: two replicas of the real binary under mixed traffic,
//! killed with SIGKILL at random moments, PostgreSQL crashed and restarted
//! twice, then the chain audit. The test is
//! crates/yenpay-gateway/tests/soak.rs; its figures go to
//! target/soak-report.md.
use std::path::Path;

use anyhow::{Context, Result, anyhow};
use clap::Args;

use crate::e2e::{SOAK_TEST, Suite, Suites, run_suite};

/// Options of `cargo xtask soak`.
#[derive(Debug, Args)]
pub struct SoakArgs {
    /// Seconds of traffic (the drain and the audit come after).
    #[arg(long, default_value_t = 600, value_parser = clap::value_parser!(u64).range(60..))]
    pub secs: u64,
    /// Leave a localnet this run started running afterwards.
    #[arg(long)]
    pub keep: bool,
    /// Do not `git fetch` the AptosFramework dependency while compiling.
    #[arg(long)]
    pub offline: bool,
}

pub fn run(root: &Path, args: &SoakArgs) -> Result<()> {
    let cluster = crate::postgres::start(&root.join("target"))
        .map_err(|e| anyhow!(e))
        .context("starting a throwaway PostgreSQL for the soak")?
        .context(
            "the soak needs PostgreSQL's server programs (initdb, pg_ctl): install Debian's `postgresql` package",
        )?;
    let restart = serde_json::to_string(&cluster.crash_restart_command())?;
    let suite = Suite {
        what: "soak",
        keep: args.keep,
        offline: args.offline,
        // Its own key file: an e2e run deploying meanwhile rewrites yenpay-local.key.
        key_file: "yenpay-soak.key",
        suites: Suites::Soak,
    };
    run_suite(root, &suite, |cmd| {
        cmd.args([SOAK_TEST, "--nocapture"])
            .env("YENPAY_SOAK_DATABASE_URL", &cluster.url)
            .env("YENPAY_SOAK_PG_RESTART", &restart)
            .env("YENPAY_SOAK_SECS", args.secs.to_string());
    })
    .context("see the soak's output above; the replicas' logs are in target/soak/")?;
    println!("==> figures in target/soak-report.md");
    Ok(())
}
