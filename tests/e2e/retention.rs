//! Case 18: invoice retention. The operator sets the shortest refund window
//! for the invoices this case creates (alone: no other case's invoice gets
//! it, and the window is set back before anyone else runs), a customer pays
//! them, purging too early aborts with the named codes, and once the window
//! has passed a keeper that is neither operator nor merchant deletes them in
//! one batch: the storage deposits come back to the keeper, the order
//! references are free again, and the whole life of one invoice (create, pay,
//! its share of the purge, net of the refund) goes in the report. The same
//! for a batch of terminal-signed codes paid in one transaction each: their
//! records go once both their expiry and the window have passed.
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use aptos_sdk::transaction::EntryFunction;
use tokio::task::JoinSet;
use yenpay_client::abort::InvoiceAbort;
use yenpay_client::client::Submitted;
use yenpay_client::events::YenpayEvent;
use yenpay_client::gas::FeeStatement;
use yenpay_client::invoice::InvoiceEvent;
use yenpay_types::limits::{MIN_REFUND_WINDOW_SECS, OrderRef, RefundWindow, Ttl};

use crate::check_eq;
use crate::harness::{GAS_UNIT_PRICE, Harness, Outcome};
use crate::payments::{create_invoice, signed_offer};
use crate::report::{Op, Part};

/// Invoices deleted by one `purge_invoices`.
const BATCH: usize = 20;
const AMOUNT: u64 = 1_500;
/// Lifetime of the batches' invoices and codes: a paid record is purgeable
/// once its refund window has passed *and* it has expired.
const TTL: u64 = 60;

fn order(index: usize) -> Result<OrderRef> {
    Ok(OrderRef::new(format!("KEEP-{index:02}"))?)
}

fn signed_order(index: usize) -> Result<OrderRef> {
    Ok(OrderRef::new(format!("SIGNED-KEEP-{index:02}"))?)
}

fn statement(submitted: &Submitted) -> Result<FeeStatement> {
    FeeStatement::of(submitted)?.context("the node emitted no FeeStatement")
}

pub async fn retention(h: &'static Harness) -> Result<()> {
    let invoices = h.client.invoice();
    let merchant = Arc::new(h.merchant(250, true).await?);
    let m = merchant.address();
    let payer = Arc::new(h.funded_account().await?);
    let keeper = h.funded_account().await?;
    let minter = h.minter(AMOUNT * (2 * BATCH as u64 + 2)).await?;
    h.mint(&minter, payer.address(), AMOUNT * (2 * BATCH as u64 + 2))
        .await?;
    // Every signer and store exists before anything is measured: the payer,
    // the keeper and the terminal have sent a transaction, the payout store
    // has received a payment.
    h.warm_up(&payer).await?;
    h.warm_up(&keeper).await?;
    let warm_up = OrderRef::new("KEEP-WARM-UP")?;
    create_invoice(h, &merchant, &warm_up, AMOUNT, 300).await?;
    invoices
        .pay_invoice(&*payer, m, &warm_up, AMOUNT)
        .await
        .committed("warm-up payment")
        .await?;

    // Created with the shortest window, alone; the window is set back before
    // any other case runs.
    let short = RefundWindow::from_secs(MIN_REFUND_WINDOW_SECS)?;
    let still_open = OrderRef::new("KEEP-OPEN")?;
    let mut paid_signed = Vec::with_capacity(BATCH);
    let created = {
        let _exclusive = h.exclusive().await;
        let before = RefundWindow::from_secs(invoices.refund_window().await?)?;
        set_refund_window(h, short).await?;
        let mut creating = JoinSet::new();
        for index in 0..BATCH {
            let merchant = Arc::clone(&merchant);
            creating.spawn(async move {
                let created = h
                    .client
                    .invoice()
                    .create_invoice(
                        &merchant.terminal,
                        merchant.address(),
                        &order(index)?,
                        AMOUNT,
                        Ttl::from_secs(TTL)?,
                    )
                    .await
                    .committed("create an invoice with the short window")
                    .await?;
                anyhow::Ok((index, created))
            });
        }
        let mut created = Vec::with_capacity(BATCH);
        while let Some(done) = creating.join_next().await {
            created.push(done??);
        }
        created.sort_by_key(|(index, _)| *index);
        create_invoice(h, &merchant, &still_open, AMOUNT, 300).await?;
        // Signed codes take the window at payment: paid now, in one
        // transaction each.
        let mut paying = JoinSet::new();
        for index in 0..BATCH {
            let merchant = Arc::clone(&merchant);
            let payer = Arc::clone(&payer);
            paying.spawn(async move {
                let code = signed_offer(
                    h,
                    merchant.address(),
                    &merchant.terminal,
                    &signed_order(index)?,
                    AMOUNT,
                    TTL,
                )
                .await?;
                let paid = h
                    .client
                    .invoice()
                    .pay_offer(&*payer, &code)
                    .await
                    .committed("pay a signed code with the short window")
                    .await?;
                anyhow::Ok((index, paid))
            });
        }
        while let Some(done) = paying.join_next().await {
            paid_signed.push(done??);
        }
        paid_signed.sort_by_key(|(index, _)| *index);
        set_refund_window(h, before).await?;
        check_eq!(
            invoices.refund_window().await?,
            before.secs(),
            "the window is back for everyone else"
        );
        created
    };
    let _shared = h.shared().await;
    let record = invoices.invoice(m, &order(0)?).await?;
    check_eq!(
        record.refund_window_secs,
        short.secs(),
        "the window copied into the invoice"
    );

    let mut paying = JoinSet::new();
    for index in 0..BATCH {
        let payer = Arc::clone(&payer);
        paying.spawn(async move {
            let paid = h
                .client
                .invoice()
                .pay_invoice(&*payer, m, &order(index)?, AMOUNT)
                .await
                .committed("pay an invoice with the short window")
                .await?;
            anyhow::Ok((index, paid))
        });
    }
    let mut paid = Vec::with_capacity(BATCH);
    while let Some(done) = paying.join_next().await {
        paid.push(done??);
    }
    paid.sort_by_key(|(index, _)| *index);

    // Purging is the operator's, or its housekeeper's: the storage refund goes
    // to whoever purges, and the deposits were the operator's.
    invoices
        .purge(&*payer, &[(m, still_open.clone())])
        .await
        .aborts_with("a stranger purges", InvoiceAbort::NotHousekeeper)
        .await?;
    {
        let operator = h.deployer().await;
        invoices
            .set_housekeeper(&*operator, keeper.address())
            .await
            .committed("the operator names the keeper its housekeeper")
            .await?;
    }
    check_eq!(
        invoices.housekeeper().await?,
        Some(keeper.address()),
        "the housekeeper"
    );

    // Too early: a paid invoice within its window, and an open one.
    let last = paid
        .iter()
        .max_by_key(|(_, submitted)| submitted.version)
        .map(|(index, _)| *index)
        .context("no payments")?;
    invoices
        .purge(&keeper, &[(m, order(last)?)])
        .await
        .aborts_with(
            "purge a paid invoice within its refund window",
            InvoiceAbort::RefundWindowOpen,
        )
        .await?;
    invoices
        .purge(&keeper, &[(m, still_open.clone())])
        .await
        .aborts_with("purge an open invoice", InvoiceAbort::InvoiceNotExpired)
        .await?;

    // Once the last window has passed (chain time), the batch goes at once.
    let mut deadline = 0;
    for index in 0..BATCH {
        deadline = deadline.max(invoices.purgeable_at(m, &order(index)?).await?);
    }
    wait_for_chain_time(h, &keeper, deadline).await?;
    for index in 0..BATCH {
        ensure!(
            invoices.is_purgeable(m, &order(index)?).await?,
            "invoice {index} is not purgeable at {deadline}"
        );
    }
    ensure!(
        !invoices.is_purgeable(m, &still_open).await?,
        "the open invoice is purgeable"
    );
    let pairs: Vec<_> = (0..BATCH)
        .map(|index| Ok((m, order(index)?)))
        .collect::<Result<_>>()?;
    let apt_before = h.client.aptos().get_balance(keeper.address()).await?;
    let purged = invoices
        .purge(&keeper, &pairs)
        .await
        .committed("the keeper purges the batch")
        .await?;
    let apt_after = h.client.aptos().get_balance(keeper.address()).await?;

    let purged_events = purged
        .yenpay_events()
        .filter(|event| {
            matches!(
                event,
                YenpayEvent::Invoice(InvoiceEvent::InvoicePurged(purged)) if purged.merchant == m
            )
        })
        .count();
    check_eq!(purged_events, BATCH, "InvoicePurged events");
    for index in 0..BATCH {
        ensure!(
            !invoices.invoice_exists(m, &order(index)?).await?,
            "invoice {index} still exists after the purge"
        );
    }

    // The deposits come back to the keeper, who paid the purge's gas.
    let fee = statement(&purged)?;
    let deposits: u64 = created
        .iter()
        .map(|(_, created)| statement(created).map(|fee| fee.storage_fee_octas))
        .sum::<Result<u64>>()?;
    println!(
        "purge of {BATCH}: {} gas units, refund {} octas; the creations paid {deposits} octas of storage fee",
        purged.gas_used, fee.storage_fee_refund_octas
    );
    // All of it, bytes included: the chain refunds byte deposits
    // (REFUNDABLE_BYTES, feature 51), not only the per-slot one.
    check_eq!(
        fee.storage_fee_refund_octas,
        deposits,
        "the purge's refund against the creations' storage fees"
    );
    check_eq!(
        i128::from(apt_after) - i128::from(apt_before),
        i128::from(fee.storage_fee_refund_octas) - i128::from(purged.gas_used * GAS_UNIT_PRICE),
        "the keeper's APT: refund less the purge's gas"
    );

    // The order reference is free again: a new invoice, paid once more.
    create_invoice(h, &merchant, &order(0)?, AMOUNT, 300).await?;
    invoices
        .pay_invoice(&*payer, m, &order(0)?, AMOUNT)
        .await
        .committed("pay the new invoice of a purged order reference")
        .await?;
    invoices
        .pay_invoice(&*payer, m, &order(0)?, AMOUNT)
        .await
        .aborts_with("pay it twice", InvoiceAbort::InvoiceAlreadyPaid)
        .await?;

    // The signed codes' records: purgeable once both their expiry and their
    // window have passed; their deposits (paid by the payments) come back.
    let mut deadline = 0;
    for index in 0..BATCH {
        deadline = deadline.max(invoices.purgeable_at(m, &signed_order(index)?).await?);
    }
    wait_for_chain_time(h, &keeper, deadline).await?;
    let signed_pairs: Vec<_> = (0..BATCH)
        .map(|index| Ok((m, signed_order(index)?)))
        .collect::<Result<_>>()?;
    let purged_signed = invoices
        .purge(&keeper, &signed_pairs)
        .await
        .committed("the keeper purges the signed codes' records")
        .await?;
    let signed_deposits: u64 = paid_signed
        .iter()
        .map(|(_, paid)| statement(paid).map(|fee| fee.storage_fee_octas))
        .sum::<Result<u64>>()?;
    check_eq!(
        statement(&purged_signed)?.storage_fee_refund_octas,
        signed_deposits,
        "the purge's refund against the signed payments' storage fees"
    );
    h.report.lifecycle(
        Op::PaySignedInvoiceNetOfPurgeRefund,
        &[
            Part::whole(&paid_signed[0].1),
            Part::refund_share(&purged_signed, BATCH as u64),
        ],
    );
    h.report.lifecycle(
        Op::SignedInvoiceLifecycle,
        &[
            Part::whole(&paid_signed[0].1),
            Part::share(&purged_signed, BATCH as u64),
        ],
    );

    h.report.lifecycle(
        Op::InvoiceLifecycle,
        &[
            Part::whole(&created[0].1),
            Part::whole(&paid[0].1),
            Part::share(&purged, BATCH as u64),
        ],
    );
    h.report
        .lifecycle(Op::PurgeShare, &[Part::share(&purged, BATCH as u64)]);
    Ok(())
}

async fn set_refund_window(h: &Harness, window: RefundWindow) -> Result<()> {
    let operator = h.deployer().await;
    h.client
        .invoice()
        .set_refund_window(&*operator, window)
        .await
        .committed("the operator sets the refund window")
        .await?;
    Ok(())
}

/// Waits until the chain's clock reaches `deadline` (Unix seconds). The
/// clock moves with blocks, so when it stalls `poker` sends a 1-octa
/// transfer to itself to make one.
async fn wait_for_chain_time(
    h: &Harness,
    poker: &aptos_sdk::account::Ed25519Account,
    deadline: u64,
) -> Result<()> {
    let mut last = 0;
    for _ in 0..120 {
        let now = h.chain_now().await?;
        if now >= deadline {
            return Ok(());
        }
        if now == last {
            let call = EntryFunction::apt_transfer(poker.address(), 1)?;
            h.client
                .submit_entry(poker, call)
                .await
                .committed("a transaction to move the chain's clock")
                .await?;
        }
        last = now;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    anyhow::bail!("the chain's clock did not reach {deadline} within two minutes")
}
