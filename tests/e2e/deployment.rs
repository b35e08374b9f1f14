//! Case 1: what a fresh deployment looks like, including who controls the code.
use anyhow::{Context, Result, ensure};
use serde_json::Value;
use yenpay_client::merchant::derive_treasury_address;
use yenpay_client::stablecoin::derive_metadata_address;
use yenpay_client::stablecoin::primary_store_address;
use yenpay_types::limits::{INITIAL_TRANSFER_CAP, MAX_FEE_BPS, MAX_TERMINALS};

use crate::check_eq;
use crate::harness::Harness;

/// Roles are the deployer (not the package), the code is controlled by the
/// package (its key is zero), supply 0, cap 1,000,000, the treasury's store
/// approved, and the views answer.
pub async fn after_deploy(h: &'static Harness) -> Result<()> {
    let _shared = h.shared().await;
    let coin = h.client.stablecoin();
    let controls = h.client.controls();
    let issuance = h.client.issuance();
    let registry = h.client.merchant_registry();
    let deployer = h.deployer_address();

    // The package lives at the deployer's resource account, not at the deployer.
    ensure!(
        h.package() != deployer,
        "the package {} is the deployer's own account: it was not published through a resource \
         account (`cargo xtask deploy` does that)",
        h.package()
    );
    check_eq!(
        h.client.upgrade().is_code_controlled().await?,
        true,
        "upgrade::is_code_controlled()"
    );
    let key = h.authentication_key(h.package()).await?;
    check_eq!(
        key,
        format!("0x{}", "00".repeat(32)),
        "the package account's authentication key"
    );
    ensure!(
        h.authentication_key(deployer).await? != key,
        "the deployer's own key is not zero"
    );

    check_eq!(controls.admin().await?, deployer, "admin");
    check_eq!(controls.pending_admin().await?, None, "pending admin");
    check_eq!(issuance.master_minter().await?, deployer, "master minter");
    check_eq!(controls.pauser().await?, deployer, "pauser");
    check_eq!(controls.denylister().await?, deployer, "denylister");
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
        controls.transfer_cap().await?,
        INITIAL_TRANSFER_CAP,
        "per-transfer cap"
    );
    check_eq!(
        INITIAL_TRANSFER_CAP,
        1_000_000,
        "the legal cap in the client"
    );
    check_eq!(controls.is_paused().await?, false, "paused");

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
    // The store rule: the treasury's primary store is approved; an account's
    // own primary store is not "approved" but may hold the coin all the same.
    let treasury_store = coin.primary_store_address(treasury).await?;
    check_eq!(
        treasury_store,
        primary_store_address(h.package(), treasury),
        "the treasury's primary store, derived locally"
    );
    check_eq!(
        controls.is_approved_store(treasury_store).await?,
        true,
        "the treasury's store approved"
    );
    check_eq!(
        controls.may_hold(treasury_store).await?,
        true,
        "the treasury's store may hold the coin"
    );
    let deployer_store = coin.primary_store_address(deployer).await?;
    check_eq!(
        deployer_store,
        primary_store_address(h.package(), deployer),
        "the deployer's primary store, derived locally"
    );
    check_eq!(
        controls.is_approved_store(deployer_store).await?,
        false,
        "an account's primary store is not an approved store"
    );
    // `may_hold` answers for stores that exist: a fresh account's primary
    // store is created by its first deposit, and may hold the coin from then.
    let holder = h.unfunded_account().address();
    let holder_store = primary_store_address(h.package(), holder);
    check_eq!(
        controls.may_hold(holder_store).await?,
        false,
        "a primary store that does not exist yet"
    );
    let minter = h.minter(1).await?;
    h.mint(&minter, holder, 1).await?;
    check_eq!(
        controls.may_hold(holder_store).await?,
        true,
        "an account's primary store may hold the coin"
    );

    // Role and limit views on addresses that hold nothing.
    let nobody = h.unfunded_account().address();
    check_eq!(
        issuance.is_minter(deployer).await?,
        false,
        "the deployer is not a minter by default"
    );
    check_eq!(
        issuance.minter_allowance(nobody).await?,
        0,
        "allowance of a non-minter"
    );
    check_eq!(
        controls.is_denylisted(nobody).await?,
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
