//! `cargo xtask`: yenpay's build, test and deploy workflow, in plain Rust.
mod bench_chain;
mod bench_follower;
mod build;
mod checkout_lock;
mod demo;
mod deploy;
mod e2e;
mod http;
mod layers;
mod localnet;
mod mint;
mod move_cli;
mod node;
mod postgres;
mod profile;
mod progress;
mod publishing;
mod setup;
mod shop;
mod soak;
mod test;
mod tidy;
mod upgrade;

use std::process::{Command, ExitCode};

use anyhow::Result;
use clap::{Parser, Subcommand};

/// yenpay's developer and deployer workflow.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", about)]
struct Cli {
    #[command(subcommand)]
    command: XtaskCommand,
}

#[derive(Debug, Subcommand)]
enum XtaskCommand {
    /// Install the pinned Aptos CLI (checksum-verified release, or --from-source).
    Setup(setup::SetupArgs),
    /// Compile move/ with the named addresses (package resource account, deployer) and the metadata saved.
    Build(build::BuildArgs),
    /// Run the whole test suite: fmt, clippy, Rust tests, generated code, Move unit tests.
    Test(test::TestArgs),
    /// Generate the Rust side of the Move interface from move/sources (--check: only compare).
    Codegen(yenpay_codegen::CodegenArgs),
    /// Run a local Aptos node in the background: start, stop, status, logs.
    Localnet(localnet::LocalnetArgs),
    /// Publish the package at the deployer's resource account and record it in deployments/<network>.json.
    Deploy(deploy::DeployArgs),
    /// As the stablecoin's admin, publish new code of the recorded deployment (upgrade::upgrade_package).
    Upgrade(upgrade::UpgradeArgs),
    /// Node up, deploy, run the ignored end-to-end tests against it.
    E2e(e2e::E2eArgs),
    /// Node up, deploy, and measure transfers/s against invoice payments/s (target/bench-chain.md).
    BenchChain(bench_chain::BenchChainArgs),
    /// Replay a generated mainnet-shaped stream through the follower on one core, SQLite and PostgreSQL (transactions/s).
    BenchFollower(bench_follower::BenchFollowerArgs),
    /// Node up, deploy, and soak the gateway: two replicas killed at random, PostgreSQL restarted, then the chain audit (target/soak-report.md).
    Soak(soak::SoakArgs),
    /// Node up, deploy, and walk through a complete QR payment, printing what happens.
    Demo(demo::DemoArgs),
    /// Mint test yen to an address as the recorded deployer (local and test networks only).
    Mint(mint::MintArgs),
    /// Make a test shop for the gateway's POS page: owner, onboarding, on-chain registration, API key.
    Shop(shop::ShopArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // What failed and why, readable; no backtrace noise.
            eprintln!("error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  because: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    let root = project_root();
    // Commands that use the checkout's deployment state run one at a time.
    let _lock = match &cli.command {
        XtaskCommand::Deploy(_) => Some("deploy"),
        XtaskCommand::Upgrade(_) => Some("upgrade"),
        XtaskCommand::E2e(_) => Some("e2e"),
        XtaskCommand::BenchChain(_) => Some("bench-chain"),
        XtaskCommand::Soak(_) => Some("soak"),
        XtaskCommand::Demo(_) => Some("demo"),
        XtaskCommand::Mint(_) => Some("mint"),
        XtaskCommand::Shop(_) => Some("shop"),
        _ => None,
    }
    .map(|command| checkout_lock::acquire(&root, command))
    .transpose()?;
    match cli.command {
        XtaskCommand::Setup(args) => setup::run(&args),
        XtaskCommand::Build(args) => build::run(&root, &args),
        XtaskCommand::Test(args) => test::run(&args),
        XtaskCommand::Codegen(args) => yenpay_codegen::run(&root, &args),
        XtaskCommand::Localnet(args) => localnet::run(&root, &args),
        XtaskCommand::Deploy(args) => deploy::run(&root, &args),
        XtaskCommand::Upgrade(args) => upgrade::run(&root, &args),
        XtaskCommand::E2e(args) => e2e::run(&root, &args),
        XtaskCommand::BenchChain(args) => bench_chain::run(&root, &args),
        XtaskCommand::BenchFollower(args) => bench_follower::run(&root, &args),
        XtaskCommand::Soak(args) => soak::run(&root, &args),
        XtaskCommand::Demo(args) => demo::run(&root, &args),
        XtaskCommand::Mint(args) => mint::run(&root, &args),
        XtaskCommand::Shop(args) => shop::run(&root, &args),
    }
}

/// The workspace root (the parent of this crate's manifest directory).
pub fn project_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

/// A command line as a person would type it, for progress lines.
pub fn render(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("xtask").chain(args.iter().copied()))
    }

    #[test]
    fn setup_parses() {
        let XtaskCommand::Setup(a) = parse(&["setup"]).unwrap().command else {
            panic!()
        };
        assert!(!a.from_source && a.dir.is_none() && !a.force);
        let XtaskCommand::Setup(a) = parse(&["setup", "--from-source", "--dir", "/opt/x"])
            .unwrap()
            .command
        else {
            panic!()
        };
        assert!(a.from_source);
        assert_eq!(a.dir.as_deref(), Some(std::path::Path::new("/opt/x")));
        assert!(parse(&["setup", "--version-of-nothing"]).is_err());
    }

    #[test]
    fn build_parses() {
        let XtaskCommand::Build(a) = parse(&["build", "--address", "0xabc", "--offline"])
            .unwrap()
            .command
        else {
            panic!()
        };
        assert_eq!(
            a.deployer.as_deref(),
            Some("0xabc"),
            "--address still works"
        );
        assert_eq!(a.seed, "yenpay");
        assert!(a.offline);
        let XtaskCommand::Build(a) = parse(&["build", "--deployer", "0xdef", "--seed", "yp-2"])
            .unwrap()
            .command
        else {
            panic!()
        };
        assert_eq!(a.deployer.as_deref(), Some("0xdef"));
        assert_eq!(a.seed, "yp-2");
        assert!(!a.offline);
        let XtaskCommand::Build(a) = parse(&["build"]).unwrap().command else {
            panic!()
        };
        assert!(a.deployer.is_none());
        assert!(
            parse(&["build", "--seed", ""]).is_err(),
            "an empty seed is refused"
        );
    }

    #[test]
    fn test_parses() {
        let XtaskCommand::Test(a) = parse(&["test", "--no-move"]).unwrap().command else {
            panic!()
        };
        assert!(a.no_move);
    }

    #[test]
    fn localnet_subcommands_parse() {
        use localnet::LocalnetCommand as L;
        let XtaskCommand::Localnet(a) = parse(&["localnet", "start", "--fresh", "--timeout", "60"])
            .unwrap()
            .command
        else {
            panic!()
        };
        let L::Start(s) = a.command else { panic!() };
        assert!(s.fresh);
        assert_eq!(s.timeout, 60);
        for (argv, expect) in [
            (vec!["localnet", "stop"], "stop"),
            (vec!["localnet", "status"], "status"),
            (vec!["localnet", "logs", "--no-follow", "-n", "5"], "logs"),
        ] {
            let XtaskCommand::Localnet(a) = parse(&argv).unwrap().command else {
                panic!()
            };
            let got = match a.command {
                L::Start(_) => "start",
                L::Stop => "stop",
                L::Status => "status",
                L::Logs(l) => {
                    assert!(l.no_follow);
                    assert_eq!(l.lines, 5);
                    "logs"
                }
            };
            assert_eq!(got, expect);
        }
        assert!(
            parse(&["localnet"]).is_err(),
            "a localnet action is required"
        );
        assert!(parse(&["localnet", "restart"]).is_err());
    }

    #[test]
    fn deploy_parses_networks_and_key_sources() {
        let XtaskCommand::Deploy(a) = parse(&["deploy", "--network", "local"]).unwrap().command
        else {
            panic!()
        };
        assert_eq!(a.network, deploy::Network::Local);
        assert_eq!(a.seed, "yenpay", "the default seed");
        let XtaskCommand::Deploy(a) = parse(&[
            "deploy",
            "--network",
            "testnet",
            "--profile",
            "yenpay-testnet",
            "--seed",
            "yenpay-2026",
        ])
        .unwrap()
        .command
        else {
            panic!()
        };
        assert_eq!(a.network, deploy::Network::Testnet);
        assert_eq!(a.profile.as_deref(), Some("yenpay-testnet"));
        assert_eq!(a.seed, "yenpay-2026");
        assert!(
            parse(&["deploy", "--network", "local", "--seed", ""]).is_err(),
            "an empty seed is refused"
        );
        assert!(parse(&["deploy", "--network", "local", "--seed"]).is_err());
        let XtaskCommand::Deploy(a) = parse(&[
            "deploy",
            "--network",
            "mainnet",
            "--key-file",
            "k.key",
            "--mainnet-i-understand",
        ])
        .unwrap()
        .command
        else {
            panic!()
        };
        assert_eq!(a.network, deploy::Network::Mainnet);
        assert!(a.mainnet_i_understand);
        assert!(parse(&["deploy"]).is_err(), "--network is required");
        assert!(parse(&["deploy", "--network", "moonnet"]).is_err());
        assert!(
            parse(&[
                "deploy",
                "--network",
                "devnet",
                "--profile",
                "p",
                "--key-file",
                "k"
            ])
            .is_err(),
            "a profile and a key file are exclusive"
        );
    }

    #[test]
    fn upgrade_parses_networks_and_key_sources() {
        let XtaskCommand::Upgrade(a) = parse(&["upgrade", "--network", "local"]).unwrap().command
        else {
            panic!()
        };
        assert_eq!(a.network, deploy::Network::Local);
        assert!(a.profile.is_none() && a.key_file.is_none());
        assert!(!a.mainnet_i_understand && !a.offline);
        let XtaskCommand::Upgrade(a) = parse(&[
            "upgrade",
            "--network",
            "testnet",
            "--profile",
            "yenpay-admin",
            "--offline",
        ])
        .unwrap()
        .command
        else {
            panic!()
        };
        assert_eq!(a.network, deploy::Network::Testnet);
        assert_eq!(a.profile.as_deref(), Some("yenpay-admin"));
        assert!(a.offline);
        let XtaskCommand::Upgrade(a) = parse(&[
            "upgrade",
            "--network",
            "mainnet",
            "--key-file",
            "admin.key",
            "--mainnet-i-understand",
        ])
        .unwrap()
        .command
        else {
            panic!()
        };
        assert_eq!(
            a.key_file.as_deref(),
            Some(std::path::Path::new("admin.key"))
        );
        assert!(a.mainnet_i_understand);
        assert!(parse(&["upgrade"]).is_err(), "--network is required");
        assert!(
            parse(&[
                "upgrade",
                "--network",
                "devnet",
                "--profile",
                "p",
                "--key-file",
                "k"
            ])
            .is_err(),
            "a profile and a key file are exclusive"
        );
        assert!(
            parse(&["upgrade", "--network", "local", "--seed", "x"]).is_err(),
            "the seed comes from the deployment record"
        );
    }

    #[test]
    fn e2e_and_demo_parse() {
        let XtaskCommand::E2e(a) = parse(&["e2e", "--keep"]).unwrap().command else {
            panic!()
        };
        assert!(a.keep);
        let XtaskCommand::E2e(a) = parse(&["e2e"]).unwrap().command else {
            panic!()
        };
        assert!(!a.keep);
        let XtaskCommand::Demo(a) = parse(&["demo", "--keep"]).unwrap().command else {
            panic!()
        };
        assert!(a.keep);
        assert!(parse(&["demo", "--network", "mainnet"]).is_err());
    }

    #[test]
    fn soak_takes_at_least_a_minute() {
        let XtaskCommand::Soak(a) = parse(&["soak"]).unwrap().command else {
            panic!()
        };
        assert_eq!(a.secs, 600);
        let XtaskCommand::Soak(a) = parse(&["soak", "--secs", "120"]).unwrap().command else {
            panic!()
        };
        assert_eq!(a.secs, 120);
        assert!(
            parse(&["soak", "--secs", "30"]).is_err(),
            "too short for two database restarts and ten kills"
        );
    }
}
