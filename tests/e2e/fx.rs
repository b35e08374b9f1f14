//! Case 21 (issue 29): a tourist who holds only USDC, and no APT, pays a
//! ¥1,980 code at the FX desk's quote, sponsored by the operator; the
//! merchant gets ¥1,980 less its fee in yen, and the desk's books balance
//! (its USDC up by what the tourist paid, its yen down by the code's amount,
//! which is the merchant's net plus the treasury's fee). A replay, a changed
//! USDC amount and an expired quote are refused by name.
use anyhow::{Context, Result};
use aptos_sdk::account::Ed25519Account;
use aptos_sdk::transaction::EntryFunction;
use aptos_sdk::types::{AccountAddress, Identifier, MoveModuleId};
use ed25519_dalek::SigningKey;
use yenpay_client::abort::{AuthorizationAbort, FxAbort, InvoiceAbort};
use yenpay_client::address::{from_sdk, signing_key, to_sdk};
use yenpay_client::client::Sponsored;
use yenpay_client::events::YenpayEvent;
use yenpay_client::fx::{FxEvent, PaidInUsdc, transfer_asset};
use yenpay_types::authorization::ed25519_authentication_key;
use yenpay_types::fee;
use yenpay_types::fx::SignedFxQuote;
use yenpay_types::limits::{FeeBps, OrderRef};
use yenpay_types::offer::SignedInvoiceOffer;

use crate::check_eq;
use crate::harness::{Harness, Merchant, Outcome, one_event};
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
        ed25519_authentication_key(&key.verifying_key().to_bytes()).to_vec(),
        "the quote signer's key as the desk keeps it"
    );
    Ok(quote.sign(from_sdk(h.package()), &key)?)
}

pub async fn tourist_pays_in_usdc(h: &'static Harness) -> Result<()> {
    // Exclusive: the books below include the treasury's exact fee, which any
    // other case's payment would move too.
    let _exclusive = h.exclusive().await;
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

/// A code of ¥1,980 for `order` from `merchant`'s terminal, and the desk's
/// quote for it at `RATE` signed with `key`.
async fn code_and_quote(
    h: &Harness,
    merchant: &Merchant,
    order: &str,
    key: &SigningKey,
) -> Result<(SignedInvoiceOffer, SignedFxQuote)> {
    let order = OrderRef::new(order)?;
    let code = signed_offer(h, merchant.address(), &merchant.terminal, &order, YEN, 300).await?;
    let expires_at = h.chain_now().await? + QUOTE_TTL;
    let quote = h
        .client
        .fx()
        .quote(merchant.address(), &order, YEN, RATE, expires_at)
        .await?;
    Ok((code, quote.sign(from_sdk(h.package()), key)?))
}

/// `0x1::account::rotate_authentication_key_call(new_auth_key)`: the
/// signer's account key becomes the one behind `new_auth_key` (no proof of
/// the new key, which is the holder's own business here).
fn rotate_authentication_key(new_auth_key: [u8; 32]) -> Result<EntryFunction> {
    Ok(EntryFunction::new(
        MoveModuleId::new(AccountAddress::ONE, Identifier::new("account")?),
        "rotate_authentication_key_call",
        vec![],
        vec![aptos_sdk::aptos_bcs::to_bytes(&new_auth_key.to_vec())?],
    ))
}

/// Case 25: the desk checks a quote's key against the quote signer's key as
/// it kept it. A fresh account takes the role (the desk keeps its key) and
/// rotates its account's key on chain: a quote signed with the old key still
/// pays until the holder refreshes, one with the new key is refused; after
/// `refresh_quote_key` the old key is refused by name and the new one pays.
/// The role goes back to the deployer.
pub async fn the_quote_key_follows_a_rotation_on_refresh(h: &'static Harness) -> Result<()> {
    // Exclusive: the other cases quote with the deployer's key.
    let _exclusive = h.exclusive().await;
    let fx = h.client.fx();
    let usdc = fx
        .usdc()
        .await?
        .context("the FX desk has no USDC: `cargo xtask deploy --network local` configures it")?;
    let merchant = h.merchant(FEE_BPS, true).await?;
    let tourist = h.funded_account().await?;
    let holder = h.funded_account().await?;
    let minter = h.minter(INVENTORY).await?;
    h.mint(&minter, fx.desk_address().await?, INVENTORY).await?;
    {
        let operator = h.deployer().await;
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
        fx.propose_quote_signer(&*operator, holder.address())
            .await
            .committed("the operator proposes a new quote signer")
            .await?;
    }
    fx.accept_quote_signer(&holder)
        .await
        .committed("the new quote signer accepts")
        .await?;
    let old_key = signing_key(holder.private_key());
    check_eq!(
        fx.quote_auth_key().await?,
        ed25519_authentication_key(&old_key.verifying_key().to_bytes()).to_vec(),
        "the desk keeps the accepting account's key"
    );

    // The holder rotates its account's key.
    let next = Ed25519Account::generate();
    let new_key = signing_key(next.private_key());
    let new_auth_key = ed25519_authentication_key(&new_key.verifying_key().to_bytes());
    h.client
        .submit_entry(&holder, rotate_authentication_key(new_auth_key)?)
        .await
        .committed("the quote signer rotates its account's key")
        .await?;
    let rotated = next.with_address(holder.address());

    // Until the refresh, the kept (old) key signs and the new one does not.
    let (code, quote) = code_and_quote(h, &merchant, "FX-25-0001", &old_key).await?;
    fx.pay_in_usdc(&tourist, &code, &quote)
        .await
        .committed("a quote with the old key before the refresh")
        .await?;
    let (code, quote) = code_and_quote(h, &merchant, "FX-25-0002", &new_key).await?;
    fx.pay_in_usdc(&tourist, &code, &quote)
        .await
        .aborts_with(
            "a quote with the new key before the refresh",
            AuthorizationAbort::PublicKeyMismatch,
        )
        .await?;

    fx.refresh_quote_key(&rotated)
        .await
        .committed("the holder refreshes its key at the desk")
        .await?;
    check_eq!(
        fx.quote_auth_key().await?,
        new_auth_key.to_vec(),
        "the desk keeps the rotated key"
    );
    let (code, quote) = code_and_quote(h, &merchant, "FX-25-0002", &old_key).await?;
    fx.pay_in_usdc(&tourist, &code, &quote)
        .await
        .aborts_with(
            "a quote with the old key after the refresh",
            AuthorizationAbort::PublicKeyMismatch,
        )
        .await?;
    let (code, quote) = code_and_quote(h, &merchant, "FX-25-0002", &new_key).await?;
    fx.pay_in_usdc(&tourist, &code, &quote)
        .await
        .committed("a quote with the new key after the refresh")
        .await?;

    // The role back to the deployer.
    let operator = h.deployer().await;
    fx.propose_quote_signer(&*operator, h.deployer_address())
        .await
        .committed("the operator proposes the deployer again")
        .await?;
    fx.accept_quote_signer(&*operator)
        .await
        .committed("the deployer takes the role back")
        .await?;
    Ok(())
}
