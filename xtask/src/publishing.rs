//! Publishing the compiled package through the `yenpay` library, checking
//! the result on chain, and recording it.
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use aptos_sdk::Aptos;
use aptos_sdk::types::AccountAddress;
use serde_json::Value;

use crate::build::Built;
use crate::profile::Deployer;

/// A committed publish transaction.
#[derive(Debug, Clone)]
pub struct Published {
    /// Transaction hash (0x-hex).
    pub hash: String,
    /// Ledger version.
    pub version: u64,
    /// Gas units used.
    pub gas_used: u64,
}

/// What verification found.
#[derive(Debug, Clone)]
pub struct Checks {
    /// The YJPY metadata object's address (`stablecoin::metadata_address()`).
    pub metadata: AccountAddress,
    /// One line per check that passed.
    pub report: Vec<String>,
}

/// Publishes `built` from `deployer` and waits for the transaction.
pub async fn publish(_aptos: &Aptos, _deployer: &Deployer, _built: &Built) -> Result<Published> {
    bail!(
        "publishing needs the yenpay library's publish-payload builder (src/publish.rs), which is \
         not in the library yet"
    )
}

/// Checks on chain that every compiled module exists under `package` and that
/// `init_module` ran: the views answer and name the deployer in its roles.
pub async fn verify(aptos: &Aptos, package: AccountAddress, built: &Built) -> Result<Checks> {
    let mut report = Vec::new();
    for module in &built.modules {
        let name = module
            .file_stem()
            .and_then(|s| s.to_str())
            .context("a module file without a name")?;
        aptos
            .fullnode()
            .get_account_module(package, name)
            .await
            .with_context(|| format!("module {package}::{name} is not on chain"))?;
        report.push(format!("module {name} is on chain"));
    }
    let admin = view_address(aptos, package, "stablecoin", "admin").await?;
    if admin != package {
        bail!(
            "stablecoin::admin() is {admin}, expected the deployer {package}: init_module did not run as expected"
        );
    }
    report.push(format!("stablecoin::admin() = {admin} (the deployer)"));
    let operator = view_address(aptos, package, "merchant_registry", "operator").await?;
    if operator != package {
        bail!("merchant_registry::operator() is {operator}, expected the deployer {package}");
    }
    report.push(format!(
        "merchant_registry::operator() = {operator} (the deployer)"
    ));
    let metadata = view_address(aptos, package, "stablecoin", "metadata_address").await?;
    report.push(format!("stablecoin::metadata_address() = {metadata}"));
    let supply = view_one(aptos, package, "stablecoin", "total_supply", vec![]).await?;
    report.push(format!("stablecoin::total_supply() = {}", plain(&supply)));
    let cap = view_one(aptos, package, "stablecoin", "transfer_cap", vec![]).await?;
    report.push(format!("stablecoin::transfer_cap() = {}", plain(&cap)));
    Ok(Checks { metadata, report })
}

/// Writes `deployments/<network>.json`.
pub fn record(
    _root: &Path,
    _network: &str,
    _chain_id: u8,
    _package: AccountAddress,
    _metadata: AccountAddress,
    _published: &Published,
) -> Result<PathBuf> {
    bail!(
        "recording needs the yenpay library's deployment file type (src/deployment.rs), not there yet"
    )
}

/// Calls a view function and returns its only value.
pub async fn view_one(
    aptos: &Aptos,
    package: AccountAddress,
    module: &str,
    function: &str,
    args: Vec<Value>,
) -> Result<Value> {
    let id = format!("{package}::{module}::{function}");
    let mut values = aptos
        .view(&id, vec![], args)
        .await
        .with_context(|| format!("view {id} failed"))?;
    if values.len() != 1 {
        bail!("view {id} returned {} values, expected 1", values.len());
    }
    Ok(values.remove(0))
}

async fn view_address(
    aptos: &Aptos,
    package: AccountAddress,
    module: &str,
    function: &str,
) -> Result<AccountAddress> {
    let v = view_one(aptos, package, module, function, vec![]).await?;
    let text = v
        .as_str()
        .with_context(|| format!("{module}::{function}() did not return an address: {v}"))?;
    text.parse()
        .with_context(|| format!("{module}::{function}() returned {text}, not an address"))
}

/// A JSON scalar as plain text (u64/u128 come as strings).
pub fn plain(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
}
