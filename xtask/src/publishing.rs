//! Publishing the compiled package through the `yenpay` library at the
//! deployer's resource account, checking the result on chain (roles, code
//! control, the package account's key, the treasury's store), recording it in
//! `deployments/<network>.json`, and the admin's upgrades.
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};
use aptos_sdk::types::AccountAddress;
use serde_json::Value;
use yenpay_client::client::{Submitted, YenPay};
use yenpay_deploy::deployment::{Deployment, Network};
use yenpay_deploy::operate;
use yenpay_deploy::publish::CompiledPackage;

use crate::build::{Built, NamedAddresses};
use crate::profile::Deployer;

/// What verification found.
#[derive(Debug, Clone)]
pub struct Checks {
    /// The YJPY metadata object's address (`stablecoin::metadata_address()`).
    pub metadata: AccountAddress,
    /// One line per check that passed.
    pub report: Vec<String>,
}

/// Publishes `built` from `deployer` at its resource account for `seed` (the
/// client's package address) and waits for it: one transaction, or a
/// chunked publish through `large_packages` on a chain with `chain_id` when
/// the package is over the chain's transaction size, each step printed.
pub async fn publish(
    client: &YenPay,
    deployer: &Deployer,
    built: &Built,
    seed: &str,
    chain_id: u8,
) -> Result<Submitted> {
    let package = CompiledPackage::from_build_dir(&built.package_dir)
        .context("reading the compiled package")?;
    let names: Vec<&str> = package.modules.iter().map(|m| m.name.as_str()).collect();
    let size = package
        .publish_payload(seed.as_bytes())
        .map(|_| "one transaction")
        .unwrap_or("chunks, over the chain's transaction size");
    println!(
        "Publishing {} ({}) from {} at its resource account {} (seed {seed:?}), in {size}...",
        package.name,
        names.join(", "),
        deployer.address,
        client.package()
    );
    yenpay_deploy::publish::publish(
        client,
        &deployer.account(),
        &package,
        seed.as_bytes(),
        large_packages_address(chain_id),
        &print_progress,
    )
    .await
    .context("the publish failed")
}

/// Where `large_packages` is: `YENPAY_LARGE_PACKAGES_ADDRESS`, else the
/// network's (`0x7` on a local node).
fn large_packages_address(chain_id: u8) -> AccountAddress {
    std::env::var("YENPAY_LARGE_PACKAGES_ADDRESS")
        .ok()
        .and_then(|text| AccountAddress::from_hex(text.trim()).ok())
        .unwrap_or_else(|| yenpay_deploy::chunked::large_packages_address(chain_id))
}

fn print_progress(progress: &yenpay_deploy::publish::Progress<'_>) {
    println!(
        "  [{}/{}] {} (transaction {}, version {}, {} gas)",
        progress.step,
        progress.of,
        progress.what,
        progress.submitted.hash,
        progress.submitted.version,
        progress.submitted.gas_used
    );
}

/// Whether the package (a `0x1::code::PackageRegistry`) is already published
/// at `address`: then the resource account of that deployer and seed is taken.
pub async fn package_registry(client: &YenPay, address: AccountAddress) -> Result<Option<Value>> {
    Ok(operate::package_registry(client, address).await?)
}

pub use operate::package_in_registry;

/// Checks on chain that every compiled module exists under the package
/// address, that `init_module` ran (every role is the deployer's, not the
/// package's), that the code is controlled and the treasury's store approved
/// (`yenpay_deploy::operate::verify`, which the console's `package verify` runs too).
pub async fn verify(client: &YenPay, built: &Built, deployer: AccountAddress) -> Result<Checks> {
    let modules = built
        .modules
        .iter()
        .map(|module| {
            module
                .file_stem()
                .and_then(|s| s.to_str())
                .map(str::to_owned)
                .context("a module file without a name")
        })
        .collect::<Result<Vec<_>>>()?;
    let verified = operate::verify(client, &modules, Some(deployer))
        .await
        .context("verifying the deployment: init_module did not run as expected")?;
    Ok(Checks {
        metadata: verified
            .metadata
            .context("the verification read no metadata address")?,
        report: verified.report,
    })
}

/// What an upgrade did.
#[derive(Debug, Clone)]
pub struct Upgraded {
    /// The transaction.
    pub submitted: Submitted,
    /// The package's name.
    pub name: String,
    /// The modules published, in order.
    pub modules: Vec<String>,
    /// `upgrade_number` before and after, from `0x1::code::PackageRegistry`.
    pub upgrade_number: Option<(u64, u64)>,
}

/// Checks that the client's package can be upgraded by `admin`
/// (`yenpay_deploy::operate::check_can_upgrade`).
pub async fn check_can_upgrade(client: &YenPay, admin: AccountAddress) -> Result<()> {
    operate::check_can_upgrade(client, admin)
        .await
        .context("pass the admin's --profile or --key-file")
}

/// Publishes `built` as new code of the client's package through
/// `upgrade::upgrade_package`, signed by `admin`, after [`check_can_upgrade`].
pub async fn upgrade(client: &YenPay, admin: &Deployer, built: &Built) -> Result<Upgraded> {
    let address = client.package();
    let package = CompiledPackage::from_build_dir(&built.package_dir)
        .context("reading the compiled package")?;
    check_can_upgrade(client, admin.address).await?;
    let before = package_registry(client, address)
        .await?
        .and_then(|registry| package_in_registry(&registry, &package.name));
    let names: Vec<String> = package.modules.iter().map(|m| m.name.clone()).collect();
    println!(
        "Upgrading {} at {address} ({}) as the admin {} through {address}::upgrade...",
        package.name,
        names.join(", "),
        admin.address
    );
    let submitted = yenpay_deploy::publish::publish_upgrade(
        client,
        &admin.account(),
        &package,
        &print_progress,
    )
    .await
    .context("the upgrade failed")?;
    let after = package_registry(client, address)
        .await?
        .and_then(|registry| package_in_registry(&registry, &package.name));
    Ok(Upgraded {
        submitted,
        name: package.name,
        modules: names,
        upgrade_number: before.zip(after).map(|((b, _), (a, _))| (b, a)),
    })
}

/// The deployments-file record of a publish.
pub fn deployment_record(
    root: &Path,
    network: Network,
    chain_id: u8,
    named: NamedAddresses,
    seed: &str,
    metadata: AccountAddress,
    published: &Submitted,
) -> Deployment {
    Deployment {
        network,
        chain_id,
        package_address: named.package,
        deployer_address: named.deployer,
        seed: seed.to_string(),
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
        let deployer = AccountAddress::from_hex("0xa11ce").unwrap();
        let named = NamedAddresses::for_deployer(deployer, "yenpay");
        let metadata = AccountAddress::from_hex("0xbeef").unwrap();
        let record_ = deployment_record(
            root.path(),
            Network::Local,
            4,
            named,
            "yenpay",
            metadata,
            &submitted(),
        );
        let path = record(root.path(), &record_).unwrap();
        assert_eq!(path, root.path().join("deployments").join("local.json"));
        let back = Deployment::load(&path).unwrap();
        assert_eq!(
            back.package_address,
            yenpay_deploy::publish::resource_address(deployer, b"yenpay")
        );
        assert_eq!(back.deployer_address, deployer);
        assert_eq!(back.seed, "yenpay");
        assert_eq!(NamedAddresses::of_deployment(&back), named);
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
