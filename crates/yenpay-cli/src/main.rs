//! `yenpay`: the command line of the yenpay library: the issuer's and the
//! operator's console, and the QR tools.
mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let parsed = cli::Cli::parse();
    let json = parsed.global.json;
    match cli::run(parsed) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let code = cli::exit::code(&e);
            // The whole cause chain on one line, e.g. "pause the coin as the
            // pauser 0x… on testnet: transaction … aborted: …::ENOT_PAUSER …".
            eprintln!("error: {e:#}");
            let hint = cli::exit::hint_of(&e);
            if let Some(hint) = hint {
                eprintln!("hint: {hint}");
            }
            let reported = e.chain().any(|cause| cause.is::<cli::exit::Reported>());
            if json && !reported {
                let abort = e.chain().find_map(|cause| {
                    cause
                        .downcast_ref::<yenpay_client::client::Error>()
                        .and_then(|error| error.abort())
                        .and_then(|abort| abort.name.clone())
                });
                println!(
                    "{}",
                    serde_json::json!({
                        "error": format!("{e:#}"),
                        "exit_code": code,
                        "abort": abort,
                        "hint": hint,
                    })
                );
            }
            ExitCode::from(code)
        }
    }
}
