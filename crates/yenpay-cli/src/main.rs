//! `yenpay`: the command line of the yenpay library.
mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    match cli::run(cli::Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // The whole cause chain on one line, e.g. "not a valid EMVCo
            // merchant-presented code: tag 63 at character 284: CRC ...".
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
