//! Case 21 (issue 29): a tourist who holds only USDC, and no APT, pays a
//! ¥1,980 code at the FX desk's quote, sponsored by the operator; the
//! merchant gets ¥1,980 less its fee in yen, and the desk's books balance
//! (its USDC up by what the tourist paid, its yen down by the code's amount,
//! which is the merchant's net plus the treasury's fee). A replay, a changed
//! USDC amount and an expired quote are refused by name.
use anyhow::{Context, Result};
use yenpay_client::abort::{AuthorizationAbort, FxAbort, InvoiceAbort};
use yenpay_client::address::{from_sdk, signing_key, to_sdk};
use yenpay_client::client::Sponsored;
use yenpay_client::events::YenpayEvent;
use yenpay_client::fx::{FxEvent, PaidInUsdc, transfer_asset};
use yenpay_types::fee;
use yenpay_types::fx::SignedFxQuote;
use yenpay_types::limits::{FeeBps, OrderRef};
use yenpay_types::offer::SignedInvoiceOffer;

use crate::check_eq;
use crate::harness::{Harness, Outcome, one_event};
use crate::payments::{paid_event, signed_offer};
use crate::report::Op;

/// The code.
const YEN: u64 = 1_980;
/// The merchant's fee: 3%, ¥59 of ¥1,980.
const FEE_BPS: u64 = 300;
/// The reference the keeper sets for this case: ¥150 per USDC.
const REFERENCE: u64 = 150_000_000;
/// The desk's quote: ¥148.50 per USDC (1% spread).
const RATE: u64 = 148_500_000;
/// What the tourist brings: 100 USDC.
const TOURIST_USDC: u64 = 100_000_000;
/// What this case puts into the desk's inventory.
const INVENTORY: u64 = 10_000;
/// A quote's life.
const QUOTE_TTL: u64 = 30;

/// The desk's quote for `code` at `rate`, signed with the quote signer's key
/// (the deployer's, as at publish).
async fn signed_quote(h: &Harness, code: &SignedInvoiceOffer, rate: u64) -> Result<SignedFxQuote> {
    let offer = &code.offer;
    let expires_at = h.chain_now().await? + QUOTE_TTL;
    let quote = h
        .client
        .fx()
        .quote(
            to_sdk(offer.merchant),
            &offer.order_ref,
            offer.amount,
            rate,
            expires_at,
        )
        .await?;
    let operator = h.deployer().await;
    let key = signing_key(operator.private_key());
    // The desk checks the quote's key against the authentication key it
    // kept for the quote signer (the deployer's, taken at publish).
    check_eq!(
        h.client.fx().quote_auth_key().await?,
        yenpay_types::authorization::ed25519_authentication_key(&key.verifying_key().to_bytes())
            .to_vec(),
        "the quote signer's key as the desk keeps it"
    );
    Ok(quote.sign(from_sdk(h.package()), &key)?)
}

pub async fn tourist_pays_in_usdc(h: &'static Harness) -> Result<()> {
    let _shared = h.shared().await;
    let fx = h.client.fx();
    let coin = h.client.stablecoin();
    let usdc = fx
        .usdc()
        .await?
        .context("the FX desk has no USDC: `cargo xtask deploy --network local` configures it")?;
    let desk = fx.desk_address().await?;
    let usdc_of = |owner| fx.asset_balance(owner, usdc);

    let merchant = h.merchant(FEE_BPS, true).await?;
    let m = merchant.address();
    let tourist = h.unfunded_account();
    let minter = h.minter(INVENTORY).await?;
    h.mint(&minter, desk, INVENTORY).await?;
    {
        let operator = h.deployer().await;
        // The keeper's reference, fresh for this case (the deployment's may be
        // older than the open-market policy allows).
        fx.set_reference_rate(&*operator, REFERENCE, h.chain_now().await?)
            .await
            .committed("the rate keeper sets the reference")
            .await?;
        h.client
            .submit_entry(
                &*operator,
                transfer_asset(usdc, tourist.address(), TOURIST_USDC)?,
            )
            .await
            .committed("the tourist receives 100 USDC")
            .await?;
    }
    check_eq!(
        h.has_account_resource(tourist.address()).await?,
        false,
        "the tourist has no account, so no APT"
    );

    let desk_yen = fx.yen_inventory().await?;
    let desk_usdc = fx.usdc_balance().await?;
    let treasury = h.client.merchant_registry().treasury_balance().await?;
    let payout = coin.balance(merchant.payout.address()).await?;

    let order = OrderRef::new("FX-21-0001")?;
    let code = signed_offer(h, m, &merchant.terminal, &order, YEN, 300).await?;
    let quote = signed_quote(h, &code, RATE).await?;
    quote.check(from_sdk(h.package()), h.chain_id, h.chain_now().await?)?;
    let usdc_paid = quote.quote.usdc_amount;
    check_eq!(usdc_paid, 13_333_334, "USDC for ¥1,980 at ¥148.50");

    // A USDC amount other than the quote's is refused.
    let mut cheaper = quote.clone();
    cheaper.quote.usdc_amount -= 1;
    {
        let operator = h.deployer().await;
        fx.pay_in_usdc(&Sponsored::new(&tourist, &*operator), &code, &cheaper)
            .await
            .aborts_with("pay less USDC than quoted", FxAbort::QuoteRateMismatch)
            .await?;
    }

    let paid = {
        let operator = h.deployer().await;
        fx.pay_in_usdc(&Sponsored::new(&tourist, &*operator), &code, &quote)
            .await
            .committed("the tourist pays ¥1,980 in USDC, sponsored")
            .await?
    };
    let fee = fee::fee(YEN, FeeBps::new(FEE_BPS)?);
    check_eq!(fee, 59, "the merchant's fee");
    let invoice_paid = paid_event(&paid)?;
    check_eq!(
        (
            invoice_paid.amount,
            invoice_paid.fee,
            invoice_paid.net,
            invoice_paid.payer
        ),
        (YEN, fee, YEN - fee, tourist.address()),
        "InvoicePaid"
    );
    let fx_paid: PaidInUsdc = one_event(&paid, "PaidInUsdc", |event| match event {
        YenpayEvent::Fx(FxEvent::PaidInUsdc(paid)) => Some(paid),
        _ => None,
    })?;
    check_eq!(
        (
            fx_paid.yen_amount,
            fx_paid.usdc_amount,
            fx_paid.rate,
            fx_paid.reference_rate
        ),
        (YEN, usdc_paid, RATE, REFERENCE),
        "PaidInUsdc"
    );

    // The books.
    check_eq!(
        usdc_of(tourist.address()).await?,
        TOURIST_USDC - usdc_paid,
        "the tourist's USDC"
    );
    check_eq!(
        coin.balance(tourist.address()).await?,
        0,
        "the tourist's yen"
    );
    check_eq!(
        coin.balance(merchant.payout.address()).await? - payout,
        YEN - fee,
        "the merchant's net, in yen"
    );
    check_eq!(
        usdc_of(merchant.payout.address()).await?,
        0,
        "the merchant holds no USDC"
    );
    check_eq!(
        h.client.merchant_registry().treasury_balance().await? - treasury,
        fee,
        "the treasury's fee"
    );
    check_eq!(
        desk_yen - fx.yen_inventory().await?,
        YEN,
        "the desk's yen out: the merchant's net plus the fee"
    );
    check_eq!(
        fx.usdc_balance().await? - desk_usdc,
        usdc_paid,
        "the desk's USDC in: what the tourist paid"
    );

    // Once only.
    {
        let operator = h.deployer().await;
        fx.pay_in_usdc(&Sponsored::new(&tourist, &*operator), &code, &quote)
            .await
            .aborts_with(
                "pay the quoted code twice",
                InvoiceAbort::InvoiceAlreadyPaid,
            )
            .await?;
    }
    // A quote for another code.
    let second = OrderRef::new("FX-21-0002")?;
    let second_code = signed_offer(h, m, &merchant.terminal, &second, YEN, 300).await?;
    let mut borrowed = quote.clone();
    borrowed.quote.order_ref = second.clone();
    {
        let operator = h.deployer().await;
        fx.pay_in_usdc(
            &Sponsored::new(&tourist, &*operator),
            &second_code,
            &borrowed,
        )
        .await
        .aborts_with(
            "pay a code with another code's quote",
            AuthorizationAbort::InvalidSignature,
        )
        .await?;
    }

    // The steady state's gas: the tourist's account exists now.
    let second_quote = signed_quote(h, &second_code, RATE).await?;
    let steady = {
        let operator = h.deployer().await;
        fx.pay_in_usdc(
            &Sponsored::new(&tourist, &*operator),
            &second_code,
            &second_quote,
        )
        .await
        .committed("a second payment in USDC, sponsored")
        .await?
    };
    h.report.gas(Op::PayInUsdc, &steady);
    println!(
        "pay_signed_invoice_in_usdc: {} gas units as charged (first, creating the tourist's \
         account: {}); report in target/e2e-report.md",
        steady.gas_used, paid.gas_used
    );
    Ok(())
}
