//! Publishing the compiled package through the `yenpay` library at the
//! deployer's resource account, checking the result on chain (roles, code
//! control, the package account's key, the treasury's store), recording it in
//! `deployments/<network>.json`, and the admin's upgrades.
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail, ensure};
use aptos_sdk::types::AccountAddress;
use serde_json::Value;
use yenpay_client::client::{Submitted, YenPay};
use yenpay_deploy::deployment::{Deployment, Network};
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
/// client's package address) and waits for the transaction.
pub async fn publish(
    client: &YenPay,
    deployer: &Deployer,
    built: &Built,
    seed: &str,
) -> Result<Submitted> {
    let package = CompiledPackage::from_build_dir(&built.package_dir)
        .context("reading the compiled package")?;
    let names: Vec<&str> = package.modules.iter().map(|m| m.name.as_str()).collect();
    println!(
        "Publishing {} ({}) from {} at its resource account {} (seed {seed:?}) through \
         0x1::resource_account::create_resource_account_and_publish_package...",
        package.name,
        names.join(", "),
        deployer.address,
        client.package()
    );
    yenpay_deploy::publish::publish(client, &deployer.account(), &package, seed.as_bytes())
        .await
        .context("the publish transaction failed")
}

/// Whether the package (a `0x1::code::PackageRegistry`) is already published
/// at `address`: then the resource account of that deployer and seed is taken.
pub async fn package_registry(client: &YenPay, address: AccountAddress) -> Result<Option<Value>> {
    match client
        .aptos()
        .fullnode()
        .get_account_resource(address, "0x1::code::PackageRegistry")
        .await
    {
        Ok(resource) => Ok(Some(resource.into_inner().data)),
        Err(error) if error.is_not_found() => Ok(None),
        Err(error) => {
            Err(error).context(format!("reading 0x1::code::PackageRegistry of {address}"))
        }
    }
}

/// `upgrade_number` and module names of the package `name` in a
/// `0x1::code::PackageRegistry`'s JSON.
pub fn package_in_registry(registry: &Value, name: &str) -> Option<(u64, Vec<String>)> {
    let package = registry
        .get("packages")?
        .as_array()?
        .iter()
        .find(|package| package.get("name").and_then(Value::as_str) == Some(name))?;
    let number = match package.get("upgrade_number")? {
        Value::String(text) => text.parse().ok()?,
        other => other.as_u64()?,
    };
    let modules = package
        .get("modules")?
        .as_array()?
        .iter()
        .filter_map(|module| module.get("name").and_then(Value::as_str))
        .map(str::to_owned)
        .collect();
    Some((number, modules))
}

/// Whether an `authentication_key` as the REST API gives it is 32 zero bytes.
pub fn is_zero_auth_key(text: &str) -> Result<bool> {
    let digits = text
        .strip_prefix("0x")
        .with_context(|| format!("authentication key {text:?} has no 0x prefix"))?;
    let bytes =
        const_hex::decode(digits).with_context(|| format!("authentication key {text:?}"))?;
    ensure!(
        bytes.len() == 32,
        "authentication key {text:?} is {} bytes, not 32",
        bytes.len()
    );
    Ok(bytes.iter().all(|byte| *byte == 0))
}

/// The package account's authentication key (`GET /v1/accounts/<package>`).
pub async fn auth_key(client: &YenPay, address: AccountAddress) -> Result<String> {
    Ok(client
        .aptos()
        .fullnode()
        .get_account(address)
        .await
        .with_context(|| format!("GET /v1/accounts/{address}"))?
        .into_inner()
        .authentication_key)
}

/// Checks on chain that every compiled module exists under the package
/// address, that `init_module` ran (the views name the deployer, not the
/// package, in every role), that the code is controlled (the package holds
/// its signer capability and its account's key is zero), and that the fee
/// treasury's store is approved.
pub async fn verify(client: &YenPay, built: &Built, deployer: AccountAddress) -> Result<Checks> {
    let package = client.package();
    ensure!(
        package != deployer,
        "the package {package} is the deployer's own account: it must be a resource account"
    );
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
        report.push(format!("module {name} is on chain at {package}"));
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
        if holder != deployer {
            bail!(
                "{view} is {holder}, expected the deployer {deployer} (not the package {package}): \
                 init_module did not run as expected"
            );
        }
        report.push(format!("{view} = the deployer {deployer}"));
    }
    let controlled = client
        .upgrade()
        .is_code_controlled()
        .await
        .context("view upgrade::is_code_controlled() failed")?;
    ensure!(
        controlled,
        "upgrade::is_code_controlled() is false: the package does not hold its signer capability"
    );
    report.push("upgrade::is_code_controlled() = true: only the admin's upgrade_package can change the code".to_string());
    let key = auth_key(client, package).await?;
    ensure!(
        is_zero_auth_key(&key)?,
        "the package account {package} has authentication key {key}, not zero: a private key could \
         replace its code"
    );
    report.push(format!(
        "the package account's authentication key is zero ({key}): no key signs for it"
    ));
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
        .fee_treasury()
        .treasury_address()
        .await
        .context("view fee_treasury::treasury_address() failed")?;
    report.push(format!("fee_treasury::treasury_address() = {treasury}"));
    let store = coin
        .primary_store_address(treasury)
        .await
        .context("view stablecoin::primary_store_address(treasury) failed")?;
    let approved = coin
        .is_approved_store(store)
        .await
        .context("view stablecoin::is_approved_store(treasury's store) failed")?;
    ensure!(
        approved,
        "the fee treasury's store {store} is not approved: the treasury could not receive fees"
    );
    report.push(format!(
        "stablecoin::is_approved_store({store}) = true (the treasury's primary store)"
    ));
    Ok(Checks { metadata, report })
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

/// Checks that the client's package can be upgraded by `admin`: it holds its
/// signer capability and `admin` is the stablecoin's admin (otherwise the
/// transaction would abort with `ENOT_ADMIN`).
pub async fn check_can_upgrade(client: &YenPay, admin: AccountAddress) -> Result<()> {
    let address = client.package();
    let controlled = client
        .upgrade()
        .is_code_controlled()
        .await
        .with_context(|| format!("view {address}::upgrade::is_code_controlled() failed: is the package published there?"))?;
    ensure!(
        controlled,
        "{address}::upgrade::is_code_controlled() is false: the package holds no signer capability, \
         so upgrade_package cannot publish"
    );
    let current = client
        .stablecoin()
        .admin()
        .await
        .context("view stablecoin::admin() failed")?;
    ensure!(
        current == admin,
        "the signer {admin} is not the stablecoin's admin {current}: only the admin can upgrade (the \
         transaction would abort with ENOT_ADMIN); pass the admin's --profile or --key-file"
    );
    Ok(())
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
        "Upgrading {} at {address} ({}) as the admin {} through {address}::upgrade::upgrade_package...",
        package.name,
        names.join(", "),
        admin.address
    );
    let submitted = yenpay_deploy::publish::publish_upgrade(client, &admin.account(), &package)
        .await
        .context("the upgrade transaction failed")?;
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
    fn zero_authentication_keys() {
        let zero = format!("0x{}", "00".repeat(32));
        assert!(is_zero_auth_key(&zero).unwrap());
        let one = format!("0x{}01", "00".repeat(31));
        assert!(!is_zero_auth_key(&one).unwrap());
        assert!(is_zero_auth_key("0x00").is_err(), "too short");
        assert!(is_zero_auth_key(&"00".repeat(32)).is_err(), "no 0x");
        assert!(is_zero_auth_key("0xzz").is_err());
    }

    #[test]
    fn the_package_registry_names_the_upgrade_number_and_modules() {
        // As the REST API gives `0x1::code::PackageRegistry` (fields trimmed).
        let registry = serde_json::json!({
            "packages": [
                {"name": "Other", "upgrade_number": "7", "modules": []},
                {
                    "name": "YenPay",
                    "upgrade_number": "1",
                    "upgrade_policy": {"policy": 1},
                    "modules": [
                        {"name": "stablecoin", "source": "0x", "source_map": "0x", "extension": {"vec": []}},
                        {"name": "upgrade", "source": "0x", "source_map": "0x", "extension": {"vec": []}}
                    ]
                }
            ]
        });
        assert_eq!(
            package_in_registry(&registry, "YenPay"),
            Some((1, vec!["stablecoin".to_string(), "upgrade".to_string()]))
        );
        assert_eq!(package_in_registry(&registry, "Missing"), None);
        assert_eq!(package_in_registry(&serde_json::json!({}), "YenPay"), None);
    }

    #[test]
    fn the_git_commit_of_this_repository_is_a_hash() {
        let commit = git_commit(&crate::project_root());
        let hash = commit.trim_end_matches("-dirty");
        assert_eq!(hash.len(), 40, "{commit}");
        assert!(hash.chars().all(|c| c.is_ascii_hexdigit()), "{commit}");
    }
}
