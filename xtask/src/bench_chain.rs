//! `cargo xtask bench-chain`: the throughput benchmark of issues 17 and 31. A node
//! (APTOS_NODE_URL, or a localnet started for the run), a fresh local
//! deployment, then only the end-to-end suite's benchmark case
//! (`tests/e2e/bench/`) with `YENPAY_BENCH_CHAIN=1` and the run's size in
//! the environment. It prints its progress and figures and writes
//! target/bench-chain.md.
use std::path::Path;

use anyhow::{Context, Result};
use clap::Args;

use crate::e2e::{Suite, Suites, run_suite};

/// The benchmark's test in the `e2e` target of `yenpay-e2e`.
const BENCH_TEST: &str = "bench_chain_transfers_against_invoice_payments";

/// Options of `cargo xtask bench-chain`. The defaults are the issue's floor.
#[derive(Debug, Args)]
pub struct BenchChainArgs {
    /// Plain hooked transfers (`0x1::primary_fungible_store::transfer`) in phase 1.
    #[arg(long, default_value_t = 2_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub transfers: u64,
    /// Dynamic-QR payments in phase 2: each the customer's one
    /// `invoice::pay_signed_invoice` of a code a terminal signed off chain.
    #[arg(long, default_value_t = 2_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub payments: u64,
    /// Merchants the transfers and payments are spread over.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..))]
    pub merchants: u64,
    /// Customers sending them.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(1..))]
    pub payers: u64,
    /// Share of transactions whose gas the operator pays as fee payer.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(0..=100))]
    pub sponsored_percent: u64,
    /// Most submissions outstanding at once.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub in_flight: u64,
    /// Leave the payout stores and the operator's APT store plain (no
    /// concurrent balance): the contrast run.
    #[arg(long)]
    pub plain_stores: bool,
    /// Rounds of both timed phases (each with its own invoices), the order
    /// alternating from round to round so that neither kind always goes first.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=20))]
    pub rounds: u64,
    /// Time the payments before the transfers in the first round.
    #[arg(long)]
    pub payments_first: bool,
    /// Invoices per timed `purge_invoices` transaction after the rounds (the
    /// payments' housekeeping share); 0 leaves the purge out.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(0..=500))]
    pub purge_batch: u64,
    /// Leave the localnet running afterwards (when this run started it).
    #[arg(long)]
    pub keep: bool,
    /// Do not `git fetch` the AptosFramework dependency while compiling.
    #[arg(long)]
    pub offline: bool,
}

impl BenchChainArgs {
    /// The environment the benchmark case reads (names as in tests/e2e/bench.rs).
    fn env(&self) -> [(&'static str, String); 11] {
        let flag = |on: bool| if on { "1" } else { "0" }.to_owned();
        [
            ("YENPAY_BENCH_CHAIN", "1".to_owned()),
            ("YENPAY_BENCH_TRANSFERS", self.transfers.to_string()),
            ("YENPAY_BENCH_PAYMENTS", self.payments.to_string()),
            ("YENPAY_BENCH_MERCHANTS", self.merchants.to_string()),
            ("YENPAY_BENCH_PAYERS", self.payers.to_string()),
            (
                "YENPAY_BENCH_SPONSORED_PERCENT",
                self.sponsored_percent.to_string(),
            ),
            ("YENPAY_BENCH_IN_FLIGHT", self.in_flight.to_string()),
            ("YENPAY_BENCH_PLAIN_STORES", flag(self.plain_stores)),
            ("YENPAY_BENCH_PAYMENTS_FIRST", flag(self.payments_first)),
            ("YENPAY_BENCH_ROUNDS", self.rounds.to_string()),
            ("YENPAY_BENCH_PURGE_BATCH", self.purge_batch.to_string()),
        ]
    }
}

pub fn run(root: &Path, args: &BenchChainArgs) -> Result<()> {
    let suite = Suite {
        what: "throughput benchmark",
        keep: args.keep,
        offline: args.offline,
        // Its own key file: an e2e run deploying meanwhile rewrites yenpay-local.key.
        key_file: "yenpay-bench.key",
        suites: Suites::E2e,
    };
    run_suite(root, &suite, |cmd| {
        cmd.args(["--exact", BENCH_TEST, "--nocapture", "--test-threads=1"]);
        for (name, value) in args.env() {
            cmd.env(name, value);
        }
    })
    .context(
        "see the benchmark's output above (target/bench-chain.md is written only by a run \
         that got through every timed phase)",
    )?;
    println!("==> figures in target/bench-chain.md");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        args: BenchChainArgs,
    }

    fn parse(args: &[&str]) -> Result<BenchChainArgs, clap::Error> {
        Cli::try_parse_from(std::iter::once("bench-chain").chain(args.iter().copied()))
            .map(|cli| cli.args)
    }

    #[test]
    fn defaults_are_the_issue_floor() {
        let a = parse(&[]).unwrap();
        assert_eq!(
            (
                a.transfers,
                a.payments,
                a.merchants,
                a.payers,
                a.sponsored_percent
            ),
            (2_000, 2_000, 100, 500, 50)
        );
        assert_eq!((a.in_flight, a.rounds, a.purge_batch), (64, 2, 100));
        assert!(!a.keep && !a.offline && !a.plain_stores && !a.payments_first);
        assert!(
            a.env()
                .contains(&("YENPAY_BENCH_PLAIN_STORES", "0".to_owned()))
        );
    }

    #[test]
    fn sizes_parse_and_bad_ones_are_refused() {
        let a = parse(&[
            "--transfers",
            "300",
            "--payments",
            "200",
            "--merchants",
            "10",
            "--payers",
            "40",
            "--sponsored-percent",
            "100",
            "--in-flight",
            "128",
            "--plain-stores",
            "--payments-first",
            "--rounds",
            "4",
            "--purge-batch",
            "0",
        ])
        .unwrap();
        assert_eq!(
            (
                a.transfers,
                a.payments,
                a.merchants,
                a.payers,
                a.sponsored_percent,
                a.in_flight
            ),
            (300, 200, 10, 40, 100, 128)
        );
        let env = a.env();
        assert!(env.contains(&("YENPAY_BENCH_CHAIN", "1".to_owned())));
        assert!(env.contains(&("YENPAY_BENCH_PAYERS", "40".to_owned())));
        assert!(env.contains(&("YENPAY_BENCH_PLAIN_STORES", "1".to_owned())));
        assert!(env.contains(&("YENPAY_BENCH_PAYMENTS_FIRST", "1".to_owned())));
        assert!(env.contains(&("YENPAY_BENCH_ROUNDS", "4".to_owned())));
        assert!(env.contains(&("YENPAY_BENCH_PURGE_BATCH", "0".to_owned())));
        assert!(parse(&["--purge-batch", "501"]).is_err());
        assert!(parse(&["--rounds", "0"]).is_err());
        assert!(parse(&["--sponsored-percent", "101"]).is_err());
        assert!(parse(&["--transfers", "0"]).is_err());
        assert!(parse(&["--merchants", "-1"]).is_err());
    }
}
