//! `cargo xtask bench-follower`: the follower's replay benchmark (issue 31):
//! a generated mainnet-shaped stream of node pages through the follower's
//! read-decode-apply path, on one core (the test process is pinned with
//! `taskset`), on SQLite and on a throwaway PostgreSQL where one can be
//! started; with `APTOS_NODE_URL`, also the follower catching up with that
//! node from its oldest version. The tests are in
//! crates/yenpay-gateway/tests/follower_replay.rs; their figures are printed.
//!
//! The release build is made before PostgreSQL starts (it is the long
//! part), and an interrupt or termination while the benchmark runs stops
//! its process group and the cluster before this returns: nothing is left
//! running.
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

/// `cargo test --release` of the gateway's test binary, with `extra` after `--`.
fn cargo_test(root: &Path, extra: &[&str]) -> Command {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root).args([
        "test",
        "--release",
        "-p",
        "yenpay-gateway",
        "--test",
        "gateway",
    ]);
    cmd.args(extra);
    cmd
}

pub fn run(root: &Path, args: &BenchFollowerArgs) -> Result<()> {
    // Built first, with nothing running: a build stopped here leaves nothing behind.
    let built = cargo_test(root, &["--no-run"])
        .status()
        .context("building the gateway's tests (release)")?;
    if !built.success() {
        bail!("building the gateway's tests failed ({built})");
    }
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
    let mut cmd = cargo_test(
        root,
        &[
            "--",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
            "follower_replay::",
        ],
    );
    cmd.env("YENPAY_REPLAY_TRANSACTIONS", args.transactions.to_string())
        .env(RUNNER, "taskset -c 0");
    if let Some(cluster) = &cluster {
        cmd.env(crate::postgres::URL_VAR, &cluster.url);
    } else {
        cmd.env_remove(crate::postgres::URL_VAR);
    }
    let status = run_interruptible(cmd);
    // The cluster stops here whether the run ended, failed or was interrupted.
    drop(cluster);
    let status = status?;
    if !status.success() {
        bail!("the follower's replay benchmark failed ({status})");
    }
    Ok(())
}

/// Runs `cmd` in a process group of its own; an interrupt, termination or
/// hang-up of this process stops that group (and returns an error) instead
/// of leaving it and the cluster running.
fn run_interruptible(cmd: Command) -> Result<std::process::ExitStatus> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("a runtime to wait on the benchmark")?;
    runtime.block_on(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let mut cmd = tokio::process::Command::from(cmd);
        cmd.process_group(0);
        let mut child = cmd.spawn().context("running cargo test")?;
        let group = child.id().context("the benchmark's process id")?;
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        let mut hangup = signal(SignalKind::hangup())?;
        let why = tokio::select! {
            status = child.wait() => return Ok(status?),
            _ = interrupt.recv() => "interrupted",
            _ = terminate.recv() => "terminated",
            _ = hangup.recv() => "hung up",
        };
        let group = nix::unistd::Pid::from_raw(i32::try_from(group)?);
        let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGTERM);
        if tokio::time::timeout(std::time::Duration::from_secs(10), child.wait())
            .await
            .is_err()
        {
            let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL);
            let _ = child.wait().await;
        }
        bail!("bench-follower {why}: the benchmark was stopped")
    })
}
