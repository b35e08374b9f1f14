//! `cargo xtask bench-follower`: the follower's replay benchmark (issue 31):
//! a generated mainnet-shaped stream of node pages through the follower's
//! read-decode-apply path, on one core (the test process is pinned with
//! `taskset`), on SQLite and on a throwaway PostgreSQL where one can be
//! started; with `APTOS_NODE_URL`, also the follower catching up with that
//! node from its oldest version. The tests are in
//! crates/yenpay-gateway/tests/follower_replay.rs; their figures are printed.
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use clap::Args;

/// Options of `cargo xtask bench-follower`.
#[derive(Debug, Args)]
pub struct BenchFollowerArgs {
    /// Transactions in the stream.
    #[arg(long, default_value_t = 200_000, value_parser = clap::value_parser!(u64).range(1_000..))]
    pub transactions: u64,
    /// SQLite only (no PostgreSQL even where it is installed).
    #[arg(long)]
    pub sqlite_only: bool,
}

/// Cargo runs the test binary through this: one core for the follower.
const RUNNER: &str = "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER";

pub fn run(root: &Path, args: &BenchFollowerArgs) -> Result<()> {
    let cluster = if args.sqlite_only {
        None
    } else {
        match crate::postgres::start(&root.join("target")) {
            Ok(Some(cluster)) => Some(cluster),
            Ok(None) => {
                println!("==> bench-follower: PostgreSQL is not installed: SQLite only");
                None
            }
            Err(why) => {
                println!("==> bench-follower: no PostgreSQL ({why}): SQLite only");
                None
            }
        }
    };
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root)
        .args([
            "test",
            "--release",
            "-p",
            "yenpay-gateway",
            "--test",
            "gateway",
            "--",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
            "follower_replay::",
        ])
        .env("YENPAY_REPLAY_TRANSACTIONS", args.transactions.to_string())
        .env(RUNNER, "taskset -c 0");
    if let Some(cluster) = &cluster {
        cmd.env(crate::postgres::URL_VAR, &cluster.url);
    } else {
        cmd.env_remove(crate::postgres::URL_VAR);
    }
    let status = cmd.status().context("running cargo test")?;
    drop(cluster);
    if !status.success() {
        bail!("the follower's replay benchmark failed ({status})");
    }
    Ok(())
}
