//! Case 14: after a mixed run (every other case, plus a mix of its own with
//! burn and sweep, which no other case does), the supply equals the sum of
//! the balances of every account that touched the asset.
use anyhow::Result;
use yenpay_client::events::YenpayEvent;
use yenpay_client::invoice::InvoiceEvent;
use yenpay_types::limits::OrderRef;

use crate::check_eq;
use crate::harness::{Harness, Outcome, one_event};
use crate::payments::{create_invoice, paid_event};

pub async fn supply_equals_balances(h: &'static Harness) -> Result<()> {
    // Nothing may move while the balances are added up.
    let _exclusive = h.exclusive().await;
    let coin = h.client.stablecoin();
    let issuance = h.client.issuance();
    let supply_before = coin.total_supply().await?;

    // A mix of its own: mint, transfer, pay with a fee, refund part, burn, sweep.
    let minter = h.minter(10_000).await?;
    let customer = h.funded_account().await?;
    let friend = h.unfunded_account().address();
    let merchant = h.merchant(200, true).await?;
    h.mint(&minter, customer.address(), 8_000).await?;
    h.mint(&minter, minter.address(), 2_000).await?;
    coin.transfer(&customer, friend, 1_000)
        .await
        .committed("a transfer between wallets")
        .await?;
    let order = OrderRef::new("INV-14-0001")?;
    create_invoice(h, &merchant, &order, 3_000, 300).await?;
    let invoices = h.client.invoice();
    let paid = invoices
        .pay_invoice(&customer, merchant.address(), &order, 3_000)
        .await
        .committed("pay an invoice")
        .await?;
    let fee = paid_event(&paid)?.fee;
    let refunded = invoices
        .refund(&merchant.payout, merchant.address(), &order, 1_000)
        .await
        .committed("refund part of it")
        .await?;
    let fee_returned = one_event(&refunded, "InvoiceRefunded", |event| match event {
        YenpayEvent::Invoice(InvoiceEvent::InvoiceRefunded(refund)) => Some(refund),
        _ => None,
    })?
    .fee_returned;
    issuance
        .burn(&minter, 1_500)
        .await
        .committed("the minter burns redeemed coins")
        .await?;
    {
        // Sweep only this case's own fees, so later refunds elsewhere find theirs.
        let operator = h.deployer().await;
        h.client
            .merchant_registry()
            .sweep_treasury(&*operator, friend, fee - fee_returned)
            .await
            .committed("the operator sweeps the treasury")
            .await?;
    }
    let supply = coin.total_supply().await?;
    check_eq!(
        supply,
        supply_before + 8_000 + 2_000 - 1_500,
        "supply after mint and burn"
    );

    // Every account the run created, the deployer, the treasury and the FX
    // desk (case 21 funds its inventory and pays from it).
    let created = h.created_accounts();
    let mut created_sum: u128 = 0;
    for address in &created {
        created_sum += u128::from(coin.balance(*address).await?);
    }
    let deployer = coin.balance(h.deployer_address()).await?;
    let treasury = h.client.merchant_registry().treasury_balance().await?;
    let desk = h.client.fx().yen_inventory().await?;
    let float = h.client.tax_refunds().float_balance().await?;
    let baseline = h.baseline;
    let held_now = created_sum
        + u128::from(deployer)
        + u128::from(treasury)
        + u128::from(desk)
        + u128::from(float);
    let held_before = u128::from(baseline.deployer_yen)
        + u128::from(baseline.treasury_yen)
        + u128::from(baseline.desk_yen)
        + u128::from(baseline.float_yen);
    // Accounts created in this run held nothing before it, so what the run
    // added to the supply is what they hold plus what the deployer and the
    // treasury gained (signed: a run may burn more than it mints).
    let signed = |value: u128| i128::try_from(value).unwrap_or(i128::MAX);
    check_eq!(
        signed(supply) - signed(baseline.supply),
        signed(held_now) - signed(held_before),
        "supply added in this run against the balances of the {} accounts it created, the \
         deployer, the treasury, the FX desk and the tax-refund float",
        created.len()
    );
    if baseline.supply == 0 {
        check_eq!(
            supply,
            held_now,
            "supply of a fresh deployment against every balance"
        );
    }
    Ok(())
}
