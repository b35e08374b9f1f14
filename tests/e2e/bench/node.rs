//! What the benchmark asks the node and the machine: feature flags, stores, the ledger's version, the node process's CPU time, the load.
use super::*;

/// `0x1::features::is_enabled(feature)`, the framework's own view.
pub(super) async fn feature_enabled(h: &Harness, feature: u64) -> Result<bool> {
    let values = h
        .client
        .aptos()
        .fullnode()
        .view(
            "0x1::features::is_enabled",
            Vec::new(),
            vec![json!(feature.to_string())],
        )
        .await
        .with_context(|| format!("0x1::features::is_enabled({feature})"))?
        .into_inner();
    values
        .first()
        .and_then(Value::as_bool)
        .with_context(|| format!("0x1::features::is_enabled({feature}) returned {values:?}"))
}

/// `owner`'s APT primary store, if its APT is a fungible asset store.
pub(super) async fn apt_primary_store(
    h: &Harness,
    owner: AccountAddress,
) -> Result<Option<AccountAddress>> {
    let fullnode = h.client.aptos().fullnode();
    let values = fullnode
        .view(
            "0x1::primary_fungible_store::primary_store_address",
            vec!["0x1::fungible_asset::Metadata".to_owned()],
            vec![json!(owner.to_string()), json!("0xa")],
        )
        .await
        .context("0x1::primary_fungible_store::primary_store_address(operator, APT)")?
        .into_inner();
    let store = values
        .first()
        .and_then(Value::as_str)
        .and_then(|text| AccountAddress::from_hex(text).ok())
        .with_context(|| format!("primary_store_address returned {values:?}"))?;
    Ok(has_resource(h, store, "0x1::fungible_asset::FungibleStore")
        .await?
        .then_some(store))
}

pub(super) async fn is_concurrent(h: &Harness, store: AccountAddress) -> Result<bool> {
    has_resource(h, store, CONCURRENT_BALANCE_RESOURCE).await
}

pub(super) async fn has_resource(
    h: &Harness,
    address: AccountAddress,
    resource: &str,
) -> Result<bool> {
    match h
        .client
        .aptos()
        .fullnode()
        .get_account_resource(address, resource)
        .await
    {
        Ok(_) => Ok(true),
        Err(error) if error.is_not_found() => Ok(false),
        Err(error) => Err(error).context(format!("reading {resource} at {address}")),
    }
}

pub(super) async fn ledger_version(h: &Harness) -> Result<u64> {
    let info = h.client.aptos().ledger_info().await?;
    info.ledger_version
        .parse()
        .with_context(|| format!("ledger_version {:?}", info.ledger_version))
}

/// A u64 field of a transaction's JSON (the API sends them as strings).
pub(super) fn number(transaction: &Value, field: &str) -> Result<u64> {
    transaction
        .get(field)
        .and_then(Value::as_str)
        .and_then(|text| text.parse().ok())
        .ok_or_else(|| anyhow!("a committed transaction without a numeric `{field}`"))
}

/// CPU time (user and system) process `pid` (or `self`) has used, from
/// /proc (Linux); `None` elsewhere.
pub(super) fn cpu_time(pid: &str) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After the command name (in parentheses, may hold spaces) come fields
    // 3 onwards; utime and stime are fields 14 and 15.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // USER_HZ is 100 on every Linux ABI.
    Some(Duration::from_millis(ticks * 10))
}

/// The node's process, when the node is local and exactly one `aptos-node`
/// (or `aptos node run-localnet`) runs on this machine (Linux).
pub(super) fn find_node_pid() -> Option<String> {
    let url = std::env::var("APTOS_NODE_URL").unwrap_or_default();
    if !(url.is_empty() || url.contains("127.0.0.1") || url.contains("localhost")) {
        return None;
    }
    let mut found = None;
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let args: Vec<String> = cmdline
            .split(|&b| b == 0)
            .map(|arg| String::from_utf8_lossy(arg).into_owned())
            .collect();
        let program = args.first().map(String::as_str).unwrap_or_default();
        let is_node = program.ends_with("aptos-node")
            || (program.ends_with("aptos") && args.iter().any(|arg| arg == "run-localnet"));
        if is_node {
            if found.is_some() {
                return None;
            }
            found = Some(name);
        }
    }
    found
}

/// The 1-minute load average where the OS tells it (Linux), to show how
/// busy the shared machine was: the figures mean little under heavy load.
pub(super) fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}
