//! Cases 2, 3 and 4: minting, the framework's own transfer path under pause
//! and denylist, and the per-transfer cap.
use anyhow::Result;
use yenpay_client::abort::{ControlsAbort, InvoiceAbort, IssuanceAbort};
use yenpay_client::controls::ControlsEvent;
use yenpay_client::events::YenpayEvent;
use yenpay_client::issuance::IssuanceEvent;
use yenpay_types::limits::{INITIAL_TRANSFER_CAP, OrderRef, Ttl};

use crate::check_eq;
use crate::harness::{Harness, Outcome, one_event};

/// Case 2: a minter mints within its allowance; over it aborts with its name.
pub async fn mint_allowance(h: &'static Harness) -> Result<()> {
    let _shared = h.shared().await;
    let coin = h.client.stablecoin();
    let issuance = h.client.issuance();
    let allowance = 1_000;
    let minter = h.minter(allowance).await?;
    check_eq!(
        issuance.is_minter(minter.address()).await?,
        true,
        "is_minter"
    );
    check_eq!(
        issuance.minter_allowance(minter.address()).await?,
        allowance,
        "allowance"
    );

    let holder = h.unfunded_account().address();
    let minted = h.mint(&minter, holder, 600).await?;
    let event = one_event(&minted, "Minted", |event| match event {
        YenpayEvent::Issuance(IssuanceEvent::Minted(minted)) => Some(minted),
        _ => None,
    })?;
    check_eq!(
        (event.minter, event.to, event.amount),
        (minter.address(), holder, 600),
        "Minted event"
    );
    check_eq!(coin.balance(holder).await?, 600, "holder after minting 600");
    check_eq!(
        issuance.minter_allowance(minter.address()).await?,
        400,
        "allowance left"
    );

    issuance
        .mint(&minter, holder, 401)
        .await
        .aborts_with("mint 401 with 400 left", IssuanceAbort::AllowanceExceeded)
        .await?;
    check_eq!(
        coin.balance(holder).await?,
        600,
        "holder after the refused mint"
    );
    check_eq!(
        issuance.minter_allowance(minter.address()).await?,
        400,
        "allowance after the refused mint"
    );

    h.mint(&minter, holder, 400).await?;
    check_eq!(
        issuance.minter_allowance(minter.address()).await?,
        0,
        "allowance spent"
    );
    check_eq!(
        coin.balance(holder).await?,
        1_000,
        "holder after minting the rest"
    );
    issuance
        .mint(&minter, holder, 1)
        .await
        .aborts_with(
            "mint with no allowance left",
            IssuanceAbort::AllowanceExceeded,
        )
        .await?;

    let stranger = h.funded_account().await?;
    issuance
        .mint(&stranger, holder, 1)
        .await
        .aborts_with("a stranger mints", IssuanceAbort::NotMinter)
        .await?;
    issuance
        .configure_minter(&stranger, stranger.address(), 1_000_000)
        .await
        .aborts_with(
            "a stranger makes itself a minter",
            IssuanceAbort::NotMasterMinter,
        )
        .await?;
    check_eq!(coin.balance(holder).await?, 1_000, "holder at the end");
    Ok(())
}

/// Case 3: `0x1::primary_fungible_store::transfer` works between wallets,
/// and the hooks refuse a denylisted sender or receiver on that path.
pub async fn plain_transfer_and_denylist(h: &'static Harness) -> Result<()> {
    let _shared = h.shared().await;
    let coin = h.client.stablecoin();
    let controls = h.client.controls();
    let minter = h.minter(1_000).await?;
    let sender = h.funded_account().await?;
    let receiver = h.unfunded_account().address();
    let other = h.unfunded_account().address();
    h.mint(&minter, sender.address(), 1_000).await?;

    coin.transfer(&sender, receiver, 100)
        .await
        .committed("plain transfer of 100")
        .await?;
    coin.transfer(&sender, receiver, 50)
        .await
        .committed("plain transfer of 50")
        .await?;
    check_eq!(coin.balance(sender.address()).await?, 850, "sender");
    check_eq!(coin.balance(receiver).await?, 150, "receiver");

    // A denylisted receiver.
    {
        let deployer = h.deployer().await;
        let listed = controls
            .denylist(&*deployer, receiver)
            .await
            .committed("denylist the receiver")
            .await?;
        let event = one_event(&listed, "Denylisted", |event| match event {
            YenpayEvent::Controls(ControlsEvent::Denylisted(listed)) => Some(listed),
            _ => None,
        })?;
        check_eq!(event.account, receiver, "Denylisted event");
    }
    check_eq!(
        controls.is_denylisted(receiver).await?,
        true,
        "receiver denylisted"
    );
    coin.transfer(&sender, receiver, 10)
        .await
        .aborts_with(
            "transfer to a denylisted receiver",
            ControlsAbort::Denylisted,
        )
        .await?;

    // A denylisted sender, then cleared again.
    {
        let deployer = h.deployer().await;
        controls
            .denylist(&*deployer, sender.address())
            .await
            .committed("denylist the sender")
            .await?;
    }
    coin.transfer(&sender, other, 10)
        .await
        .aborts_with(
            "transfer from a denylisted sender",
            ControlsAbort::Denylisted,
        )
        .await?;
    {
        let deployer = h.deployer().await;
        controls
            .undenylist(&*deployer, sender.address())
            .await
            .committed("undenylist the sender")
            .await?;
    }
    check_eq!(
        controls.is_denylisted(sender.address()).await?,
        false,
        "sender cleared"
    );
    coin.transfer(&sender, other, 10)
        .await
        .committed("transfer once the sender is cleared")
        .await?;

    check_eq!(
        coin.balance(sender.address()).await?,
        840,
        "sender at the end"
    );
    check_eq!(
        coin.balance(receiver).await?,
        150,
        "denylisted receiver at the end"
    );
    check_eq!(coin.balance(other).await?, 10, "other receiver at the end");
    Ok(())
}

/// Case 3: while the coin is paused the framework's transfer aborts (and
/// minting too); after unpausing it works again.
pub async fn plain_transfer_while_paused(h: &'static Harness) -> Result<()> {
    let (minter, sender, receiver) = {
        let _shared = h.shared().await;
        let minter = h.minter(1_000).await?;
        let sender = h.funded_account().await?;
        h.mint(&minter, sender.address(), 500).await?;
        (minter, sender, h.unfunded_account().address())
    };

    // Pausing stops every case's transfers: wait until no other case runs.
    let _exclusive = h.exclusive().await;
    let coin = h.client.stablecoin();
    let controls = h.client.controls();
    let issuance = h.client.issuance();
    coin.transfer(&sender, receiver, 100)
        .await
        .committed("transfer before the pause")
        .await?;
    {
        let deployer = h.deployer().await;
        let paused = controls
            .pause(&*deployer)
            .await
            .committed("pause the coin")
            .await?;
        let event = one_event(&paused, "Paused", |event| match event {
            YenpayEvent::Controls(ControlsEvent::Paused(paused)) => Some(paused),
            _ => None,
        })?;
        check_eq!(event.pauser, deployer.address(), "Paused event");
    }
    let while_paused = async {
        check_eq!(controls.is_paused().await?, true, "is_paused");
        coin.transfer(&sender, receiver, 10)
            .await
            .aborts_with("plain transfer while paused", ControlsAbort::Paused)
            .await?;
        issuance
            .mint(&minter, receiver, 10)
            .await
            .aborts_with("mint while paused", ControlsAbort::Paused)
            .await?;
        anyhow::Ok(())
    }
    .await;
    // Unpause whatever happened, or every later case would fail.
    let unpaused = {
        let deployer = h.deployer().await;
        controls
            .unpause(&*deployer)
            .await
            .committed("unpause the coin")
            .await
    };
    while_paused?;
    unpaused?;

    check_eq!(
        controls.is_paused().await?,
        false,
        "is_paused after unpausing"
    );
    coin.transfer(&sender, receiver, 10)
        .await
        .committed("transfer after unpausing")
        .await?;
    check_eq!(coin.balance(sender.address()).await?, 390, "sender");
    check_eq!(coin.balance(receiver).await?, 110, "receiver");
    Ok(())
}

/// Case 4: a transfer of exactly the cap passes, one yen more aborts; an
/// invoice above the cap is refused when created.
pub async fn per_transfer_cap(h: &'static Harness) -> Result<()> {
    let _shared = h.shared().await;
    let coin = h.client.stablecoin();
    let controls = h.client.controls();
    let cap = controls.transfer_cap().await?;
    check_eq!(cap, INITIAL_TRANSFER_CAP, "transfer cap");
    check_eq!(cap, 1_000_000, "the legal cap");

    // Minting is not a transfer: twice the cap in one mint is fine.
    let minter = h.minter(2 * cap + 1).await?;
    let sender = h.funded_account().await?;
    let receiver = h.unfunded_account().address();
    h.mint(&minter, sender.address(), 2 * cap + 1).await?;

    coin.transfer(&sender, receiver, cap)
        .await
        .committed("transfer of exactly the cap")
        .await?;
    coin.transfer(&sender, receiver, cap + 1)
        .await
        .aborts_with("transfer of the cap + 1", ControlsAbort::AmountExceedsCap)
        .await?;
    check_eq!(coin.balance(sender.address()).await?, cap + 1, "sender");
    check_eq!(coin.balance(receiver).await?, cap, "receiver");

    let merchant = h.merchant(100, false).await?;
    h.client
        .invoice()
        .create_invoice(
            &merchant.terminal,
            merchant.address(),
            &OrderRef::new("OVER-CAP")?,
            cap + 1,
            Ttl::from_secs(300)?,
        )
        .await
        .aborts_with("an invoice over the cap", InvoiceAbort::AmountOverCap)
        .await?;
    Ok(())
}
