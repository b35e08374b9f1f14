//! The measure of issue 10: gas units of every operation next to a plain
//! hooked transfer of the coin, one transaction each, in the steady state
//! (every store and every signer's account resource exist) unless the
//! operation is about creating one.
use anyhow::{Context, Result, ensure};
use yenpay_client::address::{from_sdk, signing_key};
use yenpay_client::client::Sponsored;
use yenpay_types::authorization::{NonceCounter, TransferAuthorization};
use yenpay_types::collection::CollectionRequest;
use yenpay_types::limits::{OrderRef, Reference, Ttl};

use crate::harness::{Harness, Outcome, unix_now};
use crate::holds::signed_hold;
use crate::payments::{create_invoice, signed_offer};
use crate::report::Op;

const AMOUNT: u64 = 1_500;

pub async fn measure(h: &'static Harness) -> Result<()> {
    let _shared = h.shared().await;
    let coin = h.client.stablecoin();
    let invoices = h.client.invoice();
    let report = &h.report;

    // Every signer sends a transaction first: the first one of an account
    // creates its account resource, which is not what these rows measure.
    let minter = h.minter(1_000_000).await?;
    let sender = h.funded_account().await?;
    h.warm_up(&minter).await?;
    h.warm_up(&sender).await?;
    let receiver = h.unfunded_account().address();
    let first_mint = h.mint(&minter, sender.address(), 100_000).await?;
    report.gas(Op::MintToNewHolder, &first_mint);
    let mint = h.mint(&minter, sender.address(), 1_000).await?;
    report.gas(Op::Mint, &mint);

    let first_transfer = coin
        .transfer(&sender, receiver, 1_000)
        .await
        .committed("first transfer to a new holder")
        .await?;
    report.gas(Op::FirstTransferToNewHolder, &first_transfer);
    let transfer = coin
        .transfer(&sender, receiver, 1_000)
        .await
        .committed("transfer between existing stores")
        .await?;
    report.gas(Op::PlainTransfer, &transfer);

    // A merchant whose payout store exists: one payment warms it up.
    let merchant = h.merchant(250, true).await?;
    h.warm_up(&merchant.payout).await?;
    let m = merchant.address();
    let warm_up = OrderRef::new("GAS-WARM-UP")?;
    create_invoice(h, &merchant, &warm_up, AMOUNT, 300).await?;
    invoices
        .pay_invoice(&sender, m, &warm_up, AMOUNT)
        .await
        .committed("warm-up payment")
        .await?;

    let order = OrderRef::new("GAS-0001")?;
    let created = invoices
        .create_invoice(&merchant.terminal, m, &order, AMOUNT, Ttl::from_secs(300)?)
        .await
        .committed("create_invoice")
        .await?;
    report.gas(Op::CreateInvoice, &created);
    let paid = invoices
        .pay_invoice(&sender, m, &order, AMOUNT)
        .await
        .committed("pay_invoice")
        .await?;
    report.gas(Op::PayInvoice, &paid);
    // The whole life with its purge is case 18's row (it needs a short refund
    // window, so it runs alone).
    let paid_static = invoices
        .pay_merchant(&sender, m, AMOUNT, &Reference::new("TABLE-7")?)
        .await
        .committed("pay_merchant")
        .await?;
    report.gas(Op::PayMerchant, &paid_static);
    let refund = invoices
        .refund(&merchant.payout, m, &order, 500)
        .await
        .committed("partial refund")
        .await?;
    report.gas(Op::Refund, &refund);

    // The one-transaction dynamic QR: the terminal signs off chain, the
    // customer pays; the record is new, so the row carries its storage fee
    // (case 18 measures it net of the purge's refund). A cancellation writes
    // a record too.
    let signed_order = OrderRef::new("GAS-SIGNED-0001")?;
    let signed = signed_offer(h, m, &merchant.terminal, &signed_order, AMOUNT, 300).await?;
    let paid_signed = invoices
        .pay_offer(&sender, &signed)
        .await
        .committed("pay_signed_invoice")
        .await?;
    report.gas(Op::PaySignedInvoice, &paid_signed);
    let to_cancel = signed_offer(
        h,
        m,
        &merchant.terminal,
        &OrderRef::new("GAS-SIGNED-0002")?,
        AMOUNT,
        300,
    )
    .await?;
    let cancelled = invoices
        .cancel_offer(&merchant.terminal, &to_cancel.offer)
        .await
        .committed("cancel_signed_invoice")
        .await?;
    report.gas(Op::CancelSignedInvoice, &cancelled);

    // Holds: a terminal's hold code taken by the customer (a new record),
    // then a partial capture, a partial void, and the final capture that
    // releases the rest.
    let holds = h.client.holds();
    let hold_ref = OrderRef::new("GAS-HOLD-0001")?;
    let code = signed_hold(h, m, &merchant.terminal, &hold_ref, 10_000, 0, 600).await?;
    let authorized = holds
        .authorize_offer(&sender, &code)
        .await
        .committed("authorize_signed_hold")
        .await?;
    report.gas(Op::AuthorizeHold, &authorized);
    let captured = holds
        .capture(&merchant.terminal, m, &hold_ref, 3_000, 0, false)
        .await
        .committed("partial capture")
        .await?;
    report.gas(Op::CaptureHold, &captured);
    let voided = holds
        .void(&merchant.terminal, m, &hold_ref, 1_000)
        .await
        .committed("partial void")
        .await?;
    report.gas(Op::VoidHold, &voided);
    let final_capture = holds
        .capture(&merchant.terminal, m, &hold_ref, 3_380, 0, true)
        .await
        .committed("final capture")
        .await?;
    report.gas(Op::CaptureHoldFinal, &final_capture);

    // Customer-presented: a customer with yen and no account, whose wallet
    // counts its nonces up. Its first code creates its bitmap word; the next
    // 255 only set a bit of it.
    let presenter = h.unfunded_account();
    h.mint(&minter, presenter.address(), 10_000).await?;
    let mut nonces = NonceCounter::default();
    let mut collected = Vec::new();
    for reference in ["GAS-0002", "GAS-0005"] {
        let collect_order = OrderRef::new(reference)?;
        create_invoice(h, &merchant, &collect_order, AMOUNT, 300).await?;
        let signed = TransferAuthorization::collection(
            h.chain_id,
            from_sdk(h.package()),
            from_sdk(presenter.address()),
            from_sdk(m),
            AMOUNT,
            unix_now() + 300,
            nonces.take().context("a nonce")?,
        )
        .sign(from_sdk(h.package()), &signing_key(presenter.private_key()))?;
        collected.push(
            invoices
                .collect_signed(&merchant.terminal, &collect_order, &signed)
                .await
                .committed("collect_with_authorization")
                .await?,
        );
    }
    report.gas(Op::CollectNewNonceWord, &collected[0]);
    report.gas(Op::CollectWithAuthorization, &collected[1]);

    // The same in one transaction: the terminal signs a request for the code
    // and its order off chain, another account (the gateway's) submits both;
    // no invoice beforehand, so the record is new (as `pay_signed_invoice`'s).
    let code = TransferAuthorization::collection(
        h.chain_id,
        from_sdk(h.package()),
        from_sdk(presenter.address()),
        from_sdk(m),
        AMOUNT,
        unix_now() + 300,
        nonces.take().context("a nonce")?,
    )
    .sign(from_sdk(h.package()), &signing_key(presenter.private_key()))?;
    let request = CollectionRequest::for_code(
        &code,
        from_sdk(merchant.terminal.address()),
        OrderRef::new("GAS-CPM-0001")?,
        unix_now() + 120,
    )?
    .sign(
        from_sdk(h.package()),
        &signing_key(merchant.terminal.private_key()),
    )?;
    let collected_signed = invoices
        .collect_request(&sender, &request, &code)
        .await
        .committed("collect_signed_invoice")
        .await?;
    report.gas(Op::CollectSignedInvoice, &collected_signed);

    // Sponsored: the first payment creates the customer's account.
    let sponsored = h.unfunded_account();
    h.mint(&minter, sponsored.address(), 10_000).await?;
    let mut sponsored_gas = Vec::new();
    for (op, reference) in [
        (Op::SponsoredPayNewAccount, "GAS-0003"),
        (Op::SponsoredPay, "GAS-0004"),
    ] {
        let order = OrderRef::new(reference)?;
        create_invoice(h, &merchant, &order, AMOUNT, 300).await?;
        let operator = h.deployer().await;
        let paid = invoices
            .pay_invoice(&Sponsored::new(&sponsored, &*operator), m, &order, AMOUNT)
            .await
            .committed("sponsored pay_invoice")
            .await?;
        report.gas(op, &paid);
        sponsored_gas.push(paid.gas_used);
    }

    // What the figures must show whatever their size.
    ensure!(
        first_transfer.gas_used > transfer.gas_used,
        "creating a store ({}) should cost more than a transfer between existing stores ({})",
        first_transfer.gas_used,
        transfer.gas_used
    );
    ensure!(
        sponsored_gas[0] > sponsored_gas[1],
        "creating the account ({}) should cost more than a sponsored payment from it ({})",
        sponsored_gas[0],
        sponsored_gas[1]
    );
    ensure!(
        collected[0].gas_used > collected[1].gas_used,
        "the first nonce of a word creates its slot ({}) and should cost more than the next ({})",
        collected[0].gas_used,
        collected[1].gas_used
    );
    ensure!(
        paid.gas_used > transfer.gas_used,
        "pay_invoice ({}) moves the coin twice and cannot cost less than one transfer ({})",
        paid.gas_used,
        transfer.gas_used
    );
    println!(
        "gas: transfer {}, pay_invoice {} ({:.2}×); report in target/e2e-report.md",
        transfer.gas_used,
        paid.gas_used,
        paid.gas_used as f64 / transfer.gas_used as f64
    );
    Ok(())
}
