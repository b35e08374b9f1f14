//! `cargo run -p yenpay-codegen [-- --check]`: the same as `cargo xtask
//! codegen`, for when the client does not compile yet (xtask depends on it).
use std::path::Path;
use std::process::ExitCode;

use clap::Parser;

#[derive(Debug, Parser)]
#[command(name = "yenpay-codegen", about)]
struct Cli {
    #[command(flatten)]
    args: yenpay_codegen::CodegenArgs,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("xtask/codegen is two levels below the repository root");
    match yenpay_codegen::run(root, &cli.args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
