//! Publishing the compiled package through the `yenpay` library, checking
//! the result on chain, and recording it in `deployments/<network>.json`.
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use aptos_sdk::types::AccountAddress;
use yenpay::client::{Submitted, YenPay};
use yenpay::deployment::{Deployment, Network};
use yenpay::publish::CompiledPackage;

use crate::build::Built;
use crate::profile::Deployer;

/// What verification found.
#[derive(Debug, Clone)]
pub struct Checks {
    /// The YJPY metadata object's address (`stablecoin::metadata_address()`).
    pub metadata: AccountAddress,
    /// One line per check that passed.
    pub report: Vec<String>,
}

/// Publishes `built` from `deployer` (the client's package address) and
/// waits for the transaction.
pub async fn publish(client: &YenPay, deployer: &Deployer, built: &Built) -> Result<Submitted> {
    let package = CompiledPackage::from_build_dir(&built.package_dir)
        .context("reading the compiled package")?;
    let names: Vec<&str> = package.modules.iter().map(|m| m.name.as_str()).collect();
    println!(
        "Publishing {} ({}) from {}...",
        package.name,
        names.join(", "),
        deployer.address
    );
    client
        .publish(&deployer.account(), &package)
        .await
        .context("the publish transaction failed")
}

/// Checks on chain that every compiled module exists under the package
/// address and that `init_module` ran: the views answer and name the
/// deployer in every role.
pub async fn verify(client: &YenPay, built: &Built) -> Result<Checks> {
    let package = client.package();
    let mut report = Vec::new();
    for module in &built.modules {
        let name = module
            .file_stem()
            .and_then(|s| s.to_str())
            .context("a module file without a name")?;
        client
            .aptos()
            .fullnode()
            .get_account_module(package, name)
            .await
            .with_context(|| format!("module {package}::{name} is not on chain"))?;
        report.push(format!("module {name} is on chain"));
    }
    let coin = client.stablecoin();
    let roles = [
        ("stablecoin::admin()", coin.admin().await),
        ("stablecoin::master_minter()", coin.master_minter().await),
        ("stablecoin::pauser()", coin.pauser().await),
        ("stablecoin::denylister()", coin.denylister().await),
        (
            "merchant_registry::operator()",
            client.merchant_registry().operator().await,
        ),
    ];
    for (view, holder) in roles {
        let holder = holder.with_context(|| format!("view {view} failed"))?;
        if holder != package {
            bail!(
                "{view} is {holder}, expected the deployer {package}: init_module did not run as expected"
            );
        }
        report.push(format!("{view} = the deployer"));
    }
    let metadata = coin
        .metadata_address()
        .await
        .context("view stablecoin::metadata_address() failed")?;
    report.push(format!("stablecoin::metadata_address() = {metadata}"));
    let supply = coin
        .total_supply()
        .await
        .context("view stablecoin::total_supply() failed")?;
    report.push(format!("stablecoin::total_supply() = {supply}"));
    let cap = coin
        .transfer_cap()
        .await
        .context("view stablecoin::transfer_cap() failed")?;
    report.push(format!("stablecoin::transfer_cap() = {cap}"));
    let treasury = client
        .merchant_registry()
        .treasury_address()
        .await
        .context("view merchant_registry::treasury_address() failed")?;
    report.push(format!(
        "merchant_registry::treasury_address() = {treasury}"
    ));
    Ok(Checks { metadata, report })
}

/// The deployments-file record of a publish.
pub fn deployment_record(
    root: &Path,
    network: Network,
    chain_id: u8,
    package: AccountAddress,
    metadata: AccountAddress,
    published: &Submitted,
) -> Deployment {
    Deployment {
        network,
        chain_id,
        package_address: package,
        metadata_address: metadata,
        transaction_hash: published.hash,
        transaction_version: published.version,
        published_at: time::OffsetDateTime::now_utc(),
        git_commit: git_commit(root),
    }
}

/// Writes `deployments/<network>.json` under `root` and returns its path.
pub fn record(root: &Path, deployment: &Deployment) -> Result<PathBuf> {
    let path = Deployment::path(root, deployment.network);
    deployment
        .save(&path)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

/// The commit the package was built from; `-dirty` when the work tree had
/// uncommitted changes, `unknown` outside git.
pub fn git_commit(root: &Path) -> String {
    let run = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(root)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    match run(&["rev-parse", "HEAD"]) {
        Some(commit) if !commit.is_empty() => {
            let dirty = run(&["status", "--porcelain", "--untracked-files=no"])
                .is_some_and(|s| !s.is_empty());
            if dirty {
                format!("{commit}-dirty")
            } else {
                commit
            }
        }
        _ => "unknown".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aptos_sdk::types::HashValue;

    fn submitted() -> Submitted {
        Submitted {
            hash: HashValue::from_hex(
                "0x1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff001",
            )
            .unwrap(),
            version: 4242,
            gas_used: 7777,
            events: Vec::new(),
        }
    }

    #[test]
    fn a_recorded_deployment_reads_back_the_same() {
        let root = tempfile::tempdir().unwrap();
        let package = AccountAddress::from_hex("0xa11ce").unwrap();
        let metadata = AccountAddress::from_hex("0xbeef").unwrap();
        let record_ = deployment_record(
            root.path(),
            Network::Local,
            4,
            package,
            metadata,
            &submitted(),
        );
        let path = record(root.path(), &record_).unwrap();
        assert_eq!(path, root.path().join("deployments").join("local.json"));
        let back = Deployment::load(&path).unwrap();
        assert_eq!(back.package_address, package);
        assert_eq!(back.metadata_address, metadata);
        assert_eq!(back.transaction_version, 4242);
        assert_eq!(back.transaction_hash, submitted().hash);
        assert_eq!(back.chain_id, 4);
        // RFC 3339 keeps whole seconds at least.
        assert_eq!(
            back.published_at.unix_timestamp(),
            record_.published_at.unix_timestamp()
        );
        // Outside a git repository the commit says so rather than guessing.
        assert_eq!(back.git_commit, "unknown");
    }

    #[test]
    fn the_git_commit_of_this_repository_is_a_hash() {
        let commit = git_commit(&crate::project_root());
        let hash = commit.trim_end_matches("-dirty");
        assert_eq!(hash.len(), 40, "{commit}");
        assert!(hash.chars().all(|c| c.is_ascii_hexdigit()), "{commit}");
    }
}
