//! Case 23 (issue 29, part 2): a tourist pays a ¥11,000 tax-free code
//! including ¥1,000 of consumption tax; at departure the refund agent (the
//! deployer, who holds the role at publish) attests the export and the
//! tourist gets the ¥1,000 back from the agent's float. A second claim, a
//! claim for another wallet and the merchant refunding the tax a second time
//! are refused by name; the agent pays a second purchase in a batch.
use anyhow::{Context, Result};
use yenpay_client::abort::{InvoiceAbort, TaxRefundAbort};
use yenpay_client::address::{from_sdk, signing_key, to_sdk};
use yenpay_client::events::YenpayEvent;
use yenpay_client::fx::transfer_asset;
use yenpay_client::tax_refund::{RefundStatus, TaxRefundEvent, TaxRefunded};
use yenpay_types::limits::OrderRef;
use yenpay_types::tax_refund::{SignedExportAttestation, SignedTaxFreeOffer, TaxRefundQuote};

use crate::check_eq;
use crate::harness::{Harness, Merchant, Outcome, one_event};
use crate::report::Op;

/// The purchase: ¥11,000 including ¥1,000 of standard-rate tax.
const AMOUNT: u64 = 11_000;
const TAX: u64 = 1_000;
/// The merchant's fee: 3%.
const FEE_BPS: u64 = 300;
/// What this case puts into the float.
const FLOAT: u64 = 5_000;

/// The terminal's signed tax-free code for `order`.
async fn tax_free_code(
    h: &Harness,
    merchant: &Merchant,
    order: &OrderRef,
) -> Result<SignedTaxFreeOffer> {
    let expires_at = h.chain_now().await? + 300;
    let offer = h
        .client
        .tax_refunds()
        .offer(
            merchant.address(),
            merchant.terminal.address(),
            order,
            AMOUNT,
            expires_at,
            TAX,
            0,
            true,
        )
        .await?;
    Ok(offer.sign(
        from_sdk(h.package()),
        &signing_key(merchant.terminal.private_key()),
    )?)
}

/// The refund agent's attestation that `traveller` exported `order`'s goods.
async fn attestation(
    h: &Harness,
    merchant: &Merchant,
    order: &OrderRef,
    traveller: aptos_sdk::types::AccountAddress,
) -> Result<SignedExportAttestation> {
    let attestation = h
        .client
        .tax_refunds()
        .attestation(merchant.address(), order, traveller)
        .await?;
    let agent = h.deployer().await;
    Ok(attestation.sign(from_sdk(h.package()), &signing_key(agent.private_key()))?)
}

pub async fn tax_refund_at_departure(h: &'static Harness) -> Result<()> {
    // Shared: case 18 shortens the refund window only under the exclusive
    // lock, and a tax-free code needs the 180-day default.
    let _shared = h.shared().await;
    let refunds = h.client.tax_refunds();
    let coin = h.client.stablecoin();
    check_eq!(
        refunds.refund_agent().await?,
        h.deployer_address(),
        "the refund agent at publish"
    );
    let merchant = h.merchant(FEE_BPS, true).await?;
    let m = merchant.address();
    let tourist = h.funded_account().await?;
    let stranger = h.funded_account().await?;
    let minter = h.minter(2 * AMOUNT + FLOAT).await?;
    h.mint(&minter, tourist.address(), 2 * AMOUNT).await?;
    // The agent funds its float: the object's primary store, which the
    // view names and the package derives alike.
    let float = refunds.float_address().await?;
    check_eq!(
        float,
        yenpay_client::tax_refund::derive_float_address(h.package()),
        "the float's address, by the view and derived"
    );
    let float_before_funding = refunds.float_balance().await?;
    h.mint(&minter, float, FLOAT).await?;
    check_eq!(
        refunds.float_balance().await? - float_before_funding,
        FLOAT,
        "the float funded at the derived address"
    );

    // The purchase.
    let order = OrderRef::new("TAX-22-0001")?;
    let code = tax_free_code(h, &merchant, &order).await?;
    code.check(from_sdk(h.package()), h.chain_id, h.chain_now().await?)?;
    let paid = refunds
        .pay_offer(&tourist, &code)
        .await
        .committed("the tourist pays the ¥11,000 tax-free code")
        .await?;
    let purchase = refunds.purchase(m, &order).await?;
    check_eq!(
        (
            purchase.payer,
            purchase.amount,
            purchase.standard_tax,
            purchase.reduced_tax,
            purchase.tax_free,
            purchase.tax_refunded
        ),
        (tourist.address(), AMOUNT, TAX, 0, true, 0),
        "the purchase record"
    );
    let status = refunds.refund_status(m, &order).await?;
    check_eq!(
        status,
        RefundStatus::Claimable {
            amount: TAX,
            claim_before: purchase.claim_deadline()
        },
        "refund status after the purchase"
    );

    // Departure: the agent attests, the tourist claims.
    let attested = attestation(h, &merchant, &order, tourist.address()).await?;
    attested.check(from_sdk(h.package()), h.chain_id)?;
    let before = coin.balance(tourist.address()).await?;
    let float_before = refunds.float_balance().await?;
    let claimed = refunds
        .claim(&tourist, &attested)
        .await
        .committed("the tourist claims the tax back at departure")
        .await?;
    h.report.gas(Op::ClaimTaxRefund, &claimed);
    let refunded: TaxRefunded = one_event(&claimed, "TaxRefunded", |event| match event {
        YenpayEvent::TaxRefund(TaxRefundEvent::TaxRefunded(refunded)) => Some(refunded),
        _ => None,
    })?;
    check_eq!(
        (
            refunded.traveller,
            refunded.amount,
            refunded.tax,
            refunded.merchant_refunded
        ),
        (tourist.address(), TAX, TAX, 0),
        "TaxRefunded"
    );
    check_eq!(
        coin.balance(tourist.address()).await? - before,
        TAX,
        "the tourist's ¥1,000 back"
    );
    check_eq!(
        float_before - refunds.float_balance().await?,
        TAX,
        "out of the agent's float"
    );
    check_eq!(
        matches!(
            refunds.refund_status(m, &order).await?,
            RefundStatus::Refunded { amount: TAX, .. }
        ),
        true,
        "refund status after the claim"
    );

    // Refused: a second claim, and the merchant refunding the tax again.
    refunds
        .claim(&tourist, &attested)
        .await
        .aborts_with(
            "claim the same purchase twice",
            TaxRefundAbort::AlreadyRefunded,
        )
        .await?;
    h.client
        .invoice()
        .refund(&merchant.payout, m, &order, AMOUNT - TAX + 1)
        .await
        .aborts_with(
            "the merchant refunds more than the tourist is still owed",
            InvoiceAbort::RefundExceedsPaid,
        )
        .await?;

    // A second purchase: a claim for another wallet is refused; the agent's
    // batch pays it.
    let second = OrderRef::new("TAX-22-0002")?;
    let second_code = tax_free_code(h, &merchant, &second).await?;
    // Measured here: the merchant's payout store exists since the first
    // purchase, so the figure is the steady state's.
    let second_paid = refunds
        .pay_offer(&tourist, &second_code)
        .await
        .committed("a second tax-free purchase")
        .await?;
    h.report.gas(Op::PayTaxFreeInvoice, &second_paid);
    let for_stranger = attestation(h, &merchant, &second, stranger.address()).await?;
    refunds
        .claim(&stranger, &for_stranger)
        .await
        .aborts_with(
            "claim a purchase for a wallet that did not pay",
            TaxRefundAbort::NotPayer,
        )
        .await?;
    let second_attested = attestation(h, &merchant, &second, tourist.address()).await?;
    let before = coin.balance(tourist.address()).await?;
    {
        let agent = h.deployer().await;
        refunds
            .claim_batch(&*agent, std::slice::from_ref(&second_attested))
            .await
            .committed("the agent pays the second refund in a batch")
            .await?;
    }
    check_eq!(
        coin.balance(tourist.address()).await? - before,
        TAX,
        "the second refund"
    );
    check_eq!(
        to_sdk(second_attested.attestation.traveller),
        tourist.address(),
        "paid to the wallet that paid"
    );
    println!(
        "pay_tax_free_invoice: {} gas units to a new merchant, {} to the same merchant again; \
         claim_tax_refunds (one claim): {} gas units (report in target/e2e-report.md)",
        paid.gas_used, second_paid.gas_used, claimed.gas_used
    );
    Ok(())
}

/// Case 24: the same purchase's ¥1,000 of tax paid back in USDC at the desk's
/// quote (¥151.50 against a reference of ¥150: the desk's spread when it
/// sells USDC): the tourist's USDC up by floor(1,000 × 10^12 / rate), the
/// float down ¥1,000 and the desk's yen up as much, the desk's USDC down by
/// what the tourist got; the same claim again is refused by name.
pub async fn tax_refund_in_usdc(h: &'static Harness) -> Result<()> {
    const REFERENCE: u64 = 150_000_000;
    const RATE: u64 = 151_500_000;
    const DESK_USDC: u64 = 20_000_000;
    // Exclusive: the books below are exact deltas of the float (which case 23
    // moves too) and of the desk (cases 21 and 25).
    let _exclusive = h.exclusive().await;
    let refunds = h.client.tax_refunds();
    let fx = h.client.fx();
    let usdc = fx.usdc().await?.context("the FX desk has no USDC")?;
    let desk = fx.desk_address().await?;
    let merchant = h.merchant(FEE_BPS, true).await?;
    let m = merchant.address();
    let tourist = h.funded_account().await?;
    let minter = h.minter(AMOUNT + FLOAT).await?;
    h.mint(&minter, tourist.address(), AMOUNT).await?;
    h.mint(&minter, refunds.float_address().await?, FLOAT)
        .await?;
    {
        let operator = h.deployer().await;
        fx.set_reference_rate(&*operator, REFERENCE, h.chain_now().await?)
            .await
            .committed("the rate keeper sets the reference")
            .await?;
        h.client
            .submit_entry(&*operator, transfer_asset(usdc, desk, DESK_USDC)?)
            .await
            .committed("the operator funds the desk's USDC")
            .await?;
        // The tourist's USDC store exists (a wallet holding USDC), so the
        // gas figure is the steady state's.
        h.client
            .submit_entry(&*operator, transfer_asset(usdc, tourist.address(), 1)?)
            .await
            .committed("the tourist holds a unit of USDC")
            .await?;
    }
    let order = OrderRef::new("TAX-24-0001")?;
    let code = tax_free_code(h, &merchant, &order).await?;
    refunds
        .pay_offer(&tourist, &code)
        .await
        .committed("the tourist pays the ¥11,000 tax-free code")
        .await?;
    check_eq!(
        refunds.refundable_tax(m, &order).await?,
        TAX,
        "the refundable tax"
    );

    let attested = attestation(h, &merchant, &order, tourist.address()).await?;
    let quote = {
        let operator = h.deployer().await;
        TaxRefundQuote::new(
            h.chain_id,
            from_sdk(h.package()),
            from_sdk(usdc),
            from_sdk(m),
            order.clone(),
            from_sdk(tourist.address()),
            TAX,
            RATE,
            h.chain_now().await? + 30,
        )?
        .sign(from_sdk(h.package()), &signing_key(operator.private_key()))?
    };
    quote.check(from_sdk(h.package()), h.chain_id, h.chain_now().await?)?;
    let usdc_paid = quote.quote.usdc_amount;
    check_eq!(
        usdc_paid,
        6_600_660,
        "USDC for ¥1,000 at ¥151.50, rounded down"
    );
    let usdc_of = |owner| fx.asset_balance(owner, usdc);
    let (tourist_usdc, desk_usdc) = (usdc_of(tourist.address()).await?, fx.usdc_balance().await?);
    let (float, desk_yen) = (refunds.float_balance().await?, fx.yen_inventory().await?);
    let claim = || {
        refunds.claim_tax_refund_in_usdc(
            &tourist,
            to_sdk(attested.attestation.merchant),
            &order,
            tourist.address(),
            &attested.public_key,
            &attested.signature,
            quote.quote.usdc_amount,
            quote.quote.rate,
            quote.quote.expires_at,
            &quote.public_key,
            &quote.signature,
        )
    };
    let claimed = claim()
        .await
        .committed("the tourist gets the tax back in USDC")
        .await?;
    h.report.gas(Op::ClaimTaxRefundInUsdc, &claimed);
    check_eq!(
        usdc_of(tourist.address()).await? - tourist_usdc,
        usdc_paid,
        "the tourist's USDC"
    );
    check_eq!(
        desk_usdc - fx.usdc_balance().await?,
        usdc_paid,
        "the desk's USDC out"
    );
    check_eq!(
        float - refunds.float_balance().await?,
        TAX,
        "the float's yen out"
    );
    check_eq!(
        fx.yen_inventory().await? - desk_yen,
        TAX,
        "the desk's yen in"
    );
    check_eq!(refunds.is_refunded(m, &order).await?, true, "refunded");
    check_eq!(
        refunds.refundable_tax(m, &order).await?,
        0,
        "nothing left to refund"
    );
    claim()
        .await
        .aborts_with(
            "claim the USDC refund twice",
            TaxRefundAbort::AlreadyRefunded,
        )
        .await?;
    println!(
        "claim_tax_refund_in_usdc: {} gas units as charged (report in target/e2e-report.md)",
        claimed.gas_used
    );
    Ok(())
}
