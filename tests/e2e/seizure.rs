//! Case 13: the admin seizes funds from a denylisted account under a legal
//! order; from a clean account it cannot.
use anyhow::Result;
use yenpay_client::abort::{ControlsAbort, StablecoinAbort};
use yenpay_client::events::YenpayEvent;
use yenpay_client::stablecoin::StablecoinEvent;
use yenpay_types::limits::LegalOrder;

use crate::check_eq;
use crate::harness::{Harness, Outcome, one_event};
use crate::payments::balances;

pub async fn seizure(h: &'static Harness) -> Result<()> {
    let _shared = h.shared().await;
    let coin = h.client.stablecoin();
    let controls = h.client.controls();
    let minter = h.minter(10_000).await?;
    let holder = h.funded_account().await?;
    let clean = h.funded_account().await?;
    let custody = h.unfunded_account().address();
    let stranger = h.funded_account().await?;
    h.mint(&minter, holder.address(), 5_000).await?;
    h.mint(&minter, clean.address(), 5_000).await?;
    let order = LegalOrder::new("東京地方裁判所 令和8年(ヨ)第123号".as_bytes())?;

    {
        let admin = h.deployer().await;
        coin.seize(&*admin, clean.address(), custody, 1_000, &order)
            .await
            .aborts_with(
                "seize from a clean account",
                StablecoinAbort::SeizureNotDenylisted,
            )
            .await?;
        controls
            .denylist(&*admin, holder.address())
            .await
            .committed("denylist the holder")
            .await?;
    }
    coin.seize(
        &stranger,
        holder.address(),
        stranger.address(),
        1_000,
        &order,
    )
    .await
    .aborts_with("a stranger seizes", ControlsAbort::NotAdmin)
    .await?;
    coin.transfer(&holder, clean.address(), 1)
        .await
        .aborts_with(
            "the denylisted holder moves its coins",
            ControlsAbort::Denylisted,
        )
        .await?;

    let before = balances(h, [holder.address(), custody, clean.address()]).await?;
    let seized = {
        let admin = h.deployer().await;
        coin.seize(&*admin, holder.address(), custody, 2_000, &order)
            .await
            .committed("seize 2,000 from the denylisted holder")
            .await?
    };
    let event = one_event(&seized, "Seized", |event| match event {
        YenpayEvent::Stablecoin(StablecoinEvent::Seized(seized)) => Some(seized),
        _ => None,
    })?;
    check_eq!(
        (
            event.from,
            event.to,
            event.amount,
            event.legal_order.as_slice()
        ),
        (holder.address(), custody, 2_000, order.as_bytes()),
        "Seized event"
    );
    check_eq!(
        balances(h, [holder.address(), custody, clean.address()]).await?,
        [before[0] - 2_000, before[1] + 2_000, before[2]],
        "holder, custody and clean account yen"
    );
    Ok(())
}
