//! `cargo xtask build`: compile `move/` with its two named addresses resolved
//! (`yenpay`, the package's resource account, and `deployer`) and the package
//! metadata saved, as publishing needs.
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use aptos_sdk::types::AccountAddress;
use clap::Args;
use yenpay_deploy::publish::{DEFAULT_SEED, resource_address};

use crate::move_cli::{Missing, MoveRunner};

/// The Move package's name (`[package] name` in move/Move.toml).
pub const PACKAGE_NAME: &str = "YenPay";
/// The deployer `cargo xtask build` compiles for when none is given (a build
/// to inspect, not to publish; `deploy` passes the real deployer).
pub const DEV_DEPLOYER: &str = "0xcafe";

/// Options of `cargo xtask build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The deployer's account: `deployer` is compiled as it and `yenpay` as its
    /// resource account for --seed. Default: 0xcafe, the dev address, for a
    /// build check.
    #[arg(long, visible_alias = "address", value_name = "0x...")]
    pub deployer: Option<String>,
    /// The resource account's seed (its UTF-8 bytes), as `deploy --seed`.
    #[arg(long, default_value = DEFAULT_SEED, value_parser = parse_seed)]
    pub seed: String,
    /// Do not `git fetch` the AptosFramework dependency (use the cached copy).
    #[arg(long)]
    pub offline: bool,
}

/// A seed for the resource account: not empty (an empty seed makes the
/// address a function of the deployer alone, which anyone can predict and
/// take first).
pub fn parse_seed(text: &str) -> Result<String, String> {
    if text.is_empty() {
        return Err("the seed must not be empty".to_string());
    }
    Ok(text.to_string())
}

/// The named addresses a package is compiled with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NamedAddresses {
    /// `yenpay`: where the package lives (the resource account).
    pub package: AccountAddress,
    /// `deployer`: who published it and held every role at publish.
    pub deployer: AccountAddress,
}

impl NamedAddresses {
    /// For a first publish by `deployer` through the resource account of `seed`.
    pub fn for_deployer(deployer: AccountAddress, seed: &str) -> Self {
        Self {
            package: resource_address(deployer, seed.as_bytes()),
            deployer,
        }
    }

    /// For an upgrade of a recorded deployment: the same addresses as its publish.
    pub fn of_deployment(deployment: &yenpay_deploy::deployment::Deployment) -> Self {
        Self {
            package: deployment.package_address,
            deployer: deployment.deployer_address,
        }
    }

    /// `name=0x...` pairs for `--named-addresses`.
    pub fn args(&self) -> Vec<(&'static str, String)> {
        yenpay_deploy::publish::named_addresses(self.package, self.deployer)
            .into_iter()
            .map(|(name, address)| (name, address.to_string()))
            .collect()
    }
}

impl std::fmt::Display for NamedAddresses {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pairs: Vec<String> = self
            .args()
            .into_iter()
            .map(|(name, address)| format!("{name}={address}"))
            .collect();
        f.write_str(&pairs.join(", "))
    }
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
    let deployer_text = args.deployer.as_deref().unwrap_or(DEV_DEPLOYER);
    let deployer = deployer_text
        .parse::<AccountAddress>()
        .with_context(|| format!("--deployer {deployer_text} is not an account address"))?;
    let named = NamedAddresses::for_deployer(deployer, &args.seed);
    let built = compile(root, &named, args.offline)?;
    println!(
        "Built {} modules for {named} (the resource account of the deployer with seed {:?}) in {}:",
        built.modules.len(),
        args.seed,
        built.package_dir.display()
    );
    for m in &built.modules {
        println!("  {}", m.display());
    }
    println!("  {}", built.metadata.display());
    // Read it back as the publisher will, so a build that cannot be
    // published fails here rather than at deploy time.
    let package = yenpay_deploy::publish::CompiledPackage::from_build_dir(&built.package_dir)
        .context("reading the compiled package as the publisher does")?;
    let publish = package
        .publish_payload(args.seed.as_bytes())
        .context("building the publish transaction")?;
    let upgrade = package
        .upgrade_payload(named.package)
        .context("building the upgrade transaction")?;
    println!(
        "Publish transaction (0x1::resource_account::create_resource_account_and_publish_package): \
         modules {} in that order, {} bytes; upgrade transaction ({}::upgrade::upgrade_package): {} bytes \
         (limit {}).",
        package
            .modules
            .iter()
            .map(|m| m.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        yenpay_deploy::publish::raw_transaction_size(&publish)
            .context("measuring the publish transaction")?,
        named.package,
        yenpay_deploy::publish::raw_transaction_size(&upgrade)
            .context("measuring the upgrade transaction")?,
        yenpay_deploy::publish::MAX_TRANSACTION_SIZE
    );
    Ok(())
}

/// Compiles the package with `named` and checks the publish inputs exist.
pub fn compile(root: &Path, named: &NamedAddresses, offline: bool) -> Result<Built> {
    let runner = MoveRunner::find().map_err(|Missing(why)| anyhow::anyhow!(why))?;
    let package = root.join("move");
    let mut cmd = runner.compile_command(&package, &named.args(), offline);
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
    fn named_addresses_put_the_package_at_the_resource_account() {
        let deployer = AccountAddress::from_hex(DEV_DEPLOYER).unwrap();
        let named = NamedAddresses::for_deployer(deployer, "yenpay");
        // sha3_256(0xcafe || b"yenpay" || 0xFF), computed apart with Python's hashlib.
        let resource = "0x2c62d0c66354668d0dca53a9084556e1376a144ca2cac3c9ef7a9029ea2e406b";
        assert_eq!(named.package, AccountAddress::from_hex(resource).unwrap());
        assert_eq!(named.deployer, deployer);
        let args = named.args();
        assert_eq!(args[0], ("yenpay", resource.to_string()));
        assert_eq!(args[1].0, "deployer");
        assert_eq!(AccountAddress::from_hex(&args[1].1).unwrap(), deployer);
        assert!(
            named
                .to_string()
                .starts_with(&format!("yenpay={resource}, deployer=0x"))
        );
        assert_ne!(
            NamedAddresses::for_deployer(deployer, "other").package,
            named.package
        );
        assert!(parse_seed("").is_err());
        assert_eq!(parse_seed("yenpay-2").unwrap(), "yenpay-2");
    }

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
