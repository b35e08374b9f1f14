//! `yenpay`: the command line of the yenpay library.
use anyhow::Result;
use clap::Parser;

/// Yen stablecoin payments on Japan's QR-code payment network, on Aptos.
#[derive(Debug, Parser)]
#[command(name = "yenpay", version, about)]
struct Cli {}

fn main() -> Result<()> {
    let _cli = Cli::parse();
    Ok(())
}
