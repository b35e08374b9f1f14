//! The `yenpay` command line: one module per command group.

mod qr;

use anyhow::Result;
use clap::{Parser, Subcommand};

/// Yen stablecoin payments on Japan's QR-code payment network, on Aptos.
#[derive(Debug, Parser)]
#[command(name = "yenpay", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// QR payloads: encode, decode and draw EMVCo codes and wallet URIs.
    #[command(subcommand)]
    Qr(qr::QrCommand),
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Qr(command) => qr::run(command),
    }
}
