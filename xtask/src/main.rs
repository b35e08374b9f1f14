//! `cargo xtask`: yenpay's build, test and deploy workflow, in plain Rust.
mod move_cli;
mod test;

use anyhow::Result;
use clap::{Parser, Subcommand};

/// yenpay's developer and deployer workflow.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the whole test suite: fmt, clippy, Rust tests, Move unit tests.
    Test(test::TestArgs),
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Test(args) => test::run(&args),
    }
}

/// The workspace root (the parent of this crate's manifest directory).
pub fn project_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}
