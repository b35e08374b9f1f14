//! `cargo xtask build`: compile `move/` with its named address resolved and
//! the package metadata saved, as publishing needs.
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use aptos_sdk::types::AccountAddress;
use clap::Args;

use crate::move_cli::{Missing, MoveRunner};

/// The Move package's name (`[package] name` in move/Move.toml).
pub const PACKAGE_NAME: &str = "YenPay";
/// The named address the package is published under.
pub const NAMED_ADDRESS: &str = "yenpay";

/// Options of `cargo xtask build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The address to compile `yenpay` as (a deployer's account). Default:
    /// 0xcafe, the package's dev address, for a build check.
    #[arg(long, value_name = "0x...")]
    pub address: Option<String>,
    /// Do not `git fetch` the AptosFramework dependency (use the cached copy).
    #[arg(long)]
    pub offline: bool,
}

/// What a compile produced.
#[derive(Debug, Clone)]
pub struct Built {
    /// `move/build/YenPay`.
    pub package_dir: PathBuf,
    /// The compiled modules (`bytecode_modules/*.mv`), sorted by name.
    pub modules: Vec<PathBuf>,
    /// `package-metadata.bcs`.
    pub metadata: PathBuf,
}

pub fn run(root: &Path, args: &BuildArgs) -> Result<()> {
    let address = match &args.address {
        Some(a) => a
            .parse::<AccountAddress>()
            .with_context(|| format!("--address {a} is not an account address"))?,
        None => AccountAddress::from_hex("0xcafe").context("the dev address")?,
    };
    let built = compile(root, address, args.offline)?;
    println!(
        "Built {} modules for {NAMED_ADDRESS}={address} in {}:",
        built.modules.len(),
        built.package_dir.display()
    );
    for m in &built.modules {
        println!("  {}", m.display());
    }
    println!("  {}", built.metadata.display());
    // Read it back as the publisher will, so a build that cannot be
    // published fails here rather than at deploy time.
    let package = yenpay::publish::CompiledPackage::from_build_dir(&built.package_dir)
        .context("reading the compiled package as the publisher does")?;
    let payload = package
        .publish_payload()
        .context("building the publish transaction")?;
    let size = yenpay::publish::raw_transaction_size(&payload)
        .context("measuring the publish transaction")?;
    println!(
        "Publish transaction: modules {} in that order, {size} bytes (limit {}).",
        package
            .modules
            .iter()
            .map(|m| m.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        yenpay::publish::MAX_TRANSACTION_SIZE
    );
    Ok(())
}

/// Compiles the package for `address` and checks the publish inputs exist.
pub fn compile(root: &Path, address: AccountAddress, offline: bool) -> Result<Built> {
    let runner = MoveRunner::find().map_err(|Missing(why)| anyhow::anyhow!(why))?;
    let package = root.join("move");
    let mut cmd =
        runner.compile_command(&package, &[(NAMED_ADDRESS, address.to_string())], offline);
    println!(
        "==> compile ({}): {}",
        runner.describe(),
        crate::render(&cmd)
    );
    let status = cmd
        .status()
        .with_context(|| format!("could not start {}", crate::render(&cmd)))?;
    if !status.success() {
        bail!("the Move compiler failed ({status}); its output is above");
    }
    built_package(&package)
}

/// The compiled artefacts under `package/build/YenPay`.
pub fn built_package(package: &Path) -> Result<Built> {
    let package_dir = package.join("build").join(PACKAGE_NAME);
    let metadata = package_dir.join("package-metadata.bcs");
    if !metadata.is_file() {
        bail!(
            "{} is missing: the compile did not save the package metadata (--save-metadata)",
            metadata.display()
        );
    }
    let modules_dir = package_dir.join("bytecode_modules");
    let mut modules: Vec<PathBuf> = std::fs::read_dir(&modules_dir)
        .with_context(|| format!("reading {}", modules_dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "mv"))
        .collect();
    modules.sort();
    if modules.is_empty() {
        bail!("no compiled modules in {}", modules_dir.display());
    }
    Ok(Built {
        package_dir,
        modules,
        metadata,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_package_requires_metadata_and_modules() {
        let dir = tempfile::tempdir().unwrap();
        let err = built_package(dir.path()).unwrap_err().to_string();
        assert!(err.contains("package-metadata.bcs"), "{err}");
        let pkg = dir.path().join("build").join(PACKAGE_NAME);
        std::fs::create_dir_all(pkg.join("bytecode_modules").join("dependencies")).unwrap();
        std::fs::write(pkg.join("package-metadata.bcs"), b"m").unwrap();
        assert!(
            built_package(dir.path()).is_err(),
            "no modules must be an error"
        );
        std::fs::write(pkg.join("bytecode_modules").join("stablecoin.mv"), b"x").unwrap();
        std::fs::write(pkg.join("bytecode_modules").join("invoice.mv"), b"x").unwrap();
        let built = built_package(dir.path()).unwrap();
        let names: Vec<_> = built
            .modules
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["invoice.mv", "stablecoin.mv"]);
    }
}
