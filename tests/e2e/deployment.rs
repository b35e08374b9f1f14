//! Case 1: what a fresh deployment looks like.
use anyhow::{Context, Result, ensure};
use serde_json::Value;
use yenpay::limits::{INITIAL_TRANSFER_CAP, MAX_FEE_BPS, MAX_TERMINALS};
use yenpay::merchant::derive_treasury_address;
use yenpay::stablecoin::derive_metadata_address;

use crate::check_eq;
use crate::harness::Harness;

/// Roles are the deployer, supply 0, cap 1,000,000, and the views answer.
pub async fn after_deploy(h: &'static Harness) -> Result<()> {
    let _shared = h.shared().await;
    let coin = h.client.stablecoin();
    let registry = h.client.merchant_registry();
    let deployer = h.deployer_address();

    check_eq!(coin.admin().await?, deployer, "admin");
    check_eq!(coin.pending_admin().await?, None, "pending admin");
    check_eq!(coin.master_minter().await?, deployer, "master minter");
    check_eq!(coin.pauser().await?, deployer, "pauser");
    check_eq!(coin.denylister().await?, deployer, "denylister");
    check_eq!(registry.operator().await?, deployer, "operator");
    check_eq!(registry.pending_operator().await?, None, "pending operator");

    // Supply and balances as the harness found them before any case ran:
    // `cargo xtask e2e` publishes a fresh package for each run.
    ensure!(
        h.baseline.supply == 0,
        "the supply was {} when this run started, not 0: case 1 checks a fresh deployment \
         (`cargo xtask e2e` publishes one for each run)",
        h.baseline.supply
    );
    check_eq!(h.baseline.treasury_yen, 0, "treasury balance after deploy");
    check_eq!(
        coin.transfer_cap().await?,
        INITIAL_TRANSFER_CAP,
        "per-transfer cap"
    );
    check_eq!(
        INITIAL_TRANSFER_CAP,
        1_000_000,
        "the legal cap in the client"
    );
    check_eq!(coin.is_paused().await?, false, "paused");

    // Addresses the client derives locally agree with the chain's views.
    let metadata = coin.metadata_address().await?;
    check_eq!(
        metadata,
        derive_metadata_address(h.package()),
        "metadata address"
    );
    check_eq!(coin.metadata().await?, metadata, "metadata object");
    let treasury = registry.treasury_address().await?;
    check_eq!(
        treasury,
        derive_treasury_address(h.package()),
        "treasury address"
    );
    check_eq!(
        coin.is_approved_holder(treasury).await?,
        true,
        "treasury approved as a holder"
    );
    check_eq!(
        coin.is_approved_holder(deployer).await?,
        false,
        "an account is no approved object"
    );

    // Role and limit views on addresses that hold nothing.
    let nobody = h.unfunded_account().address();
    check_eq!(
        coin.is_minter(deployer).await?,
        false,
        "the deployer is not a minter by default"
    );
    check_eq!(
        coin.minter_allowance(nobody).await?,
        0,
        "allowance of a non-minter"
    );
    check_eq!(
        coin.is_denylisted(nobody).await?,
        false,
        "a fresh address is not denylisted"
    );
    check_eq!(coin.balance(nobody).await?, 0, "balance of a fresh address");
    check_eq!(
        registry.is_registered(nobody).await?,
        false,
        "a fresh address is no merchant"
    );
    check_eq!(
        registry.merchant_of_terminal(nobody).await?,
        None,
        "a fresh address is no terminal"
    );
    check_eq!(registry.max_fee_bps().await?, MAX_FEE_BPS, "max fee");
    check_eq!(
        registry.max_terminals().await?,
        MAX_TERMINALS,
        "max terminals"
    );

    // The asset as any wallet sees it, through the framework's own views.
    let framework_view = move |function: &'static str| async move {
        let values = h
            .client
            .aptos()
            .fullnode()
            .view(
                &format!("0x1::fungible_asset::{function}"),
                vec!["0x1::fungible_asset::Metadata".to_owned()],
                vec![Value::String(metadata.to_string())],
            )
            .await
            .with_context(|| format!("view 0x1::fungible_asset::{function}"))?
            .into_inner();
        anyhow::Ok(values.into_iter().next().unwrap_or(Value::Null))
    };
    check_eq!(
        framework_view("symbol").await?,
        Value::from("YJPY"),
        "symbol"
    );
    check_eq!(
        framework_view("decimals").await?,
        Value::from(0),
        "decimals"
    );
    Ok(())
}
