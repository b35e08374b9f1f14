//! Case 20: holds (issue 27), authorize now and capture later, on a node.
//! A fuel pump pre-authorizes ¥10,000 and captures ¥6,380, the rest going
//! back to the customer in the same transaction; a restaurant adds a tip
//! within the limit the customer agreed to; a hotel's hold is raised by the
//! customer; a hold nobody captured is reclaimed after its expiry by a
//! stranger, for the customer only; and a capture after the expiry is
//! refused with its name.
use anyhow::Result;
use aptos_sdk::account::Ed25519Account;
use aptos_sdk::types::AccountAddress;
use std::time::Duration;
use yenpay_client::abort::HoldAbort;
use yenpay_client::address::{from_sdk, signing_key};
use yenpay_client::events::YenpayEvent;
use yenpay_client::hold::{HoldCaptured, HoldEvent};
use yenpay_types::fee;
use yenpay_types::hold::{HoldMessage, SignedHoldOffer};
use yenpay_types::limits::OrderRef;

use crate::check_eq;
use crate::harness::{Harness, Outcome, one_event};

/// A hold code of `terminal` for `merchant`, capturable for `hold_secs`,
/// scannable for five minutes, signed.
#[allow(clippy::too_many_arguments)]
pub async fn signed_hold(
    h: &Harness,
    merchant: AccountAddress,
    terminal: &Ed25519Account,
    hold_ref: &OrderRef,
    amount: u64,
    tip_limit: u64,
    hold_secs: u64,
) -> Result<SignedHoldOffer> {
    let now = h.chain_now().await?;
    let offer = h
        .client
        .holds()
        .offer(
            merchant,
            terminal.address(),
            hold_ref,
            amount,
            tip_limit,
            now + hold_secs,
            now + 300,
        )
        .await?;
    Ok(offer.sign(from_sdk(h.package()), &signing_key(terminal.private_key()))?)
}

fn captured(submitted: &yenpay_client::client::Submitted) -> Result<HoldCaptured> {
    one_event(submitted, "HoldCaptured", |event| match event {
        YenpayEvent::Hold(HoldEvent::HoldCaptured(captured)) => Some(captured),
        _ => None,
    })
}

/// Waits until the chain's clock reaches `at` (Unix seconds).
async fn wait_for_chain_time(h: &Harness, at: u64) -> Result<()> {
    while h.chain_now().await? < at {
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Ok(())
}

pub async fn holds(h: &'static Harness) -> Result<()> {
    let _shared = h.shared().await;
    let holds = h.client.holds();
    let coin = h.client.stablecoin();
    let merchant = h.merchant(300, true).await?;
    let m = merchant.address();
    let minter = h.minter(100_000).await?;
    let customer = h.funded_account().await?;
    h.mint(&minter, customer.address(), 50_000).await?;
    let escrow_before = holds.escrow_balance().await?;
    let payout_before = coin.balance(merchant.payout.address()).await?;

    // The fuel pump: ¥10,000 held, ¥6,380 captured, ¥3,620 back at once.
    let pump = OrderRef::new("PUMP-20-1")?;
    let code = signed_hold(h, m, &merchant.terminal, &pump, 10_000, 0, 600).await?;
    code.check(from_sdk(h.package()), h.chain_id, h.chain_now().await?)?;
    holds
        .authorize_offer(&customer, &code)
        .await
        .committed("the customer authorizes ¥10,000 at the pump")
        .await?;
    check_eq!(
        coin.balance(customer.address()).await?,
        40_000,
        "customer after the hold"
    );
    check_eq!(
        holds.escrow_balance().await? - escrow_before,
        10_000,
        "escrow holds the ¥10,000"
    );
    let capture = holds
        .capture(&merchant.terminal, m, &pump, 6_380, 0, true)
        .await
        .committed("the pump captures ¥6,380 and releases the rest")
        .await?;
    let split = fee::split(6_380, merchant.fee_bps);
    let event = captured(&capture)?;
    check_eq!(
        (
            event.amount,
            event.tip,
            event.fee,
            event.net,
            event.released,
            event.held
        ),
        (6_380, 0, split.fee, split.net, 3_620, 0),
        "HoldCaptured of the pump"
    );
    check_eq!(
        coin.balance(customer.address()).await?,
        50_000 - 6_380,
        "customer after the capture"
    );
    check_eq!(
        coin.balance(merchant.payout.address()).await? - payout_before,
        split.net,
        "payout after the capture"
    );
    check_eq!(
        holds.escrow_balance().await?,
        escrow_before,
        "escrow back where it was"
    );
    check_eq!(
        holds.hold(m, &pump).await?.is_open(),
        false,
        "the pump's hold is closed"
    );

    // The restaurant: ¥5,000 with up to ¥1,000 for a tip; ¥700 tipped.
    let table = OrderRef::new("TABLE-20-2")?;
    let code = signed_hold(h, m, &merchant.terminal, &table, 5_000, 1_000, 600).await?;
    holds
        .authorize_offer(&customer, &code)
        .await
        .committed("the diner authorizes ¥5,000 and a tip of up to ¥1,000")
        .await?;
    holds
        .capture(&merchant.terminal, m, &table, 5_000, 1_001, true)
        .await
        .aborts_with("a tip above the limit", HoldAbort::TipOverLimit)
        .await?;
    let tipped = holds
        .capture(&merchant.terminal, m, &table, 5_000, 700, true)
        .await
        .committed("the restaurant captures the bill and a ¥700 tip")
        .await?;
    let split = fee::split(5_700, merchant.fee_bps);
    let event = captured(&tipped)?;
    check_eq!(
        (event.amount, event.tip, event.fee, event.released),
        (5_000, 700, split.fee, 300),
        "HoldCaptured of the table"
    );
    check_eq!(
        coin.balance(customer.address()).await?,
        50_000 - 6_380 - 5_700,
        "customer after the tip"
    );

    // The hotel: the customer raises the hold and the merchant captures it all.
    let room = OrderRef::new("ROOM-20-3")?;
    let code = signed_hold(h, m, &merchant.terminal, &room, 8_000, 0, 600).await?;
    holds
        .authorize_offer(&customer, &code)
        .await
        .committed("the guest authorizes ¥8,000")
        .await?;
    let capture_before = holds.hold(m, &room).await?.capture_before;
    holds
        .increase_authorization(&merchant.owner, m, &room, 2_000, capture_before)
        .await
        .aborts_with(
            "the merchant raises the customer's hold",
            HoldAbort::NotCustomer,
        )
        .await?;
    holds
        .increase_authorization(&customer, m, &room, 2_000, capture_before + 600)
        .await
        .committed("the guest raises the hold by ¥2,000")
        .await?;
    let record = holds.hold(m, &room).await?;
    check_eq!(
        (record.authorized, record.capture_before, record.held()),
        (10_000, capture_before + 600, 10_000),
        "the raised hold"
    );
    holds
        .capture(&merchant.owner, m, &room, 10_000, 0, false)
        .await
        .committed("the hotel captures the raised amount")
        .await?;
    check_eq!(
        holds.hold(m, &room).await?.is_open(),
        false,
        "the room's hold is closed"
    );

    // The charger nobody captured: expired, reclaimed by a stranger for the
    // customer; a capture after the expiry is refused.
    let charger = OrderRef::new("EV-20-4")?;
    let code = signed_hold(h, m, &merchant.terminal, &charger, 3_000, 0, 6).await?;
    holds
        .authorize_offer(&customer, &code)
        .await
        .committed("the driver authorizes ¥3,000 for six seconds")
        .await?;
    let customer_before = coin.balance(customer.address()).await?;
    let stranger = h.funded_account().await?;
    holds
        .reclaim(&stranger, m, &charger)
        .await
        .aborts_with("a reclaim before the expiry", HoldAbort::HoldNotExpired)
        .await?;
    wait_for_chain_time(h, code.message.capture_before).await?;
    holds
        .capture(&merchant.terminal, m, &charger, 1_000, 0, false)
        .await
        .aborts_with("a capture after the expiry", HoldAbort::HoldExpired)
        .await?;
    let stranger_before = coin.balance(stranger.address()).await?;
    holds
        .reclaim(&stranger, m, &charger)
        .await
        .committed("a stranger reclaims the expired hold")
        .await?;
    check_eq!(
        coin.balance(customer.address()).await?,
        customer_before + 3_000,
        "the reclaim pays the customer"
    );
    check_eq!(
        coin.balance(stranger.address()).await?,
        stranger_before,
        "and not the stranger"
    );
    check_eq!(
        holds.escrow_balance().await?,
        escrow_before,
        "escrow back where it was"
    );
    Ok(())
}
