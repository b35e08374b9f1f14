//! Case 11: refunds in three parts; the fee comes back from the treasury
//! exactly, and no refund goes past what was paid.
use anyhow::Result;
use yenpay_client::abort::InvoiceAbort;
use yenpay_client::events::YenpayEvent;
use yenpay_client::invoice::InvoiceEvent;
use yenpay_types::fee;
use yenpay_types::limits::OrderRef;

use crate::check_eq;
use crate::harness::{Harness, Outcome, one_event};
use crate::payments::{balances, create_invoice, paid_event};

pub async fn refunds(h: &'static Harness) -> Result<()> {
    // Exact treasury figures: no other payment may run meanwhile.
    let _exclusive = h.exclusive().await;
    let invoices = h.client.invoice();
    // The payout account signs refunds, so it needs APT.
    let merchant = h.merchant(250, true).await?;
    let minter = h.minter(10_000).await?;
    let customer = h.funded_account().await?;
    h.mint(&minter, customer.address(), 10_000).await?;
    let m = merchant.address();

    let paid_amount = 10_000;
    let order = OrderRef::new("INV-11-0001")?;
    create_invoice(h, &merchant, &order, paid_amount, 300).await?;
    invoices
        .refund(&merchant.payout, m, &order, 1)
        .await
        .aborts_with("refund an open invoice", InvoiceAbort::InvoiceNotPaid)
        .await?;
    let paid = invoices
        .pay_invoice(&customer, m, &order, paid_amount)
        .await
        .committed("pay the invoice")
        .await?;
    let fee = paid_event(&paid)?.fee;
    check_eq!(
        fee,
        fee::split(paid_amount, merchant.fee_bps).fee,
        "fee charged"
    );

    invoices
        .refund(&merchant.owner, m, &order, 100)
        .await
        .aborts_with(
            "the owner (not the payout account) refunds",
            InvoiceAbort::NotPayoutAccount,
        )
        .await?;

    let accounts = [customer.address(), merchant.payout.address(), h.treasury];
    let start = balances(h, accounts).await?;
    let mut refunded = 0;
    let mut fee_returned = 0;
    for (step, amount) in [(1, 3_000), (2, 3_333), (3, paid_amount - 3_000 - 3_333)] {
        let expected = fee::fee_returned_by(paid_amount, fee, refunded, amount)?;
        let before = balances(h, accounts).await?;
        let submitted = invoices
            .refund(&merchant.payout, m, &order, amount)
            .await
            .committed(&format!("refund {step}: {amount} yen"))
            .await?;
        let after = balances(h, accounts).await?;
        check_eq!(
            after[0],
            before[0] + amount,
            "refund {step}: customer's yen"
        );
        check_eq!(
            after[1],
            before[1] - expected.from_payout,
            "refund {step}: payout's yen"
        );
        check_eq!(
            after[2],
            before[2] - expected.fee_returned,
            "refund {step}: treasury's yen"
        );
        check_eq!(
            expected.fee_returned + expected.from_payout,
            amount,
            "refund {step}: treasury part + payout part"
        );
        let event = one_event(&submitted, "InvoiceRefunded", |event| match event {
            YenpayEvent::Invoice(InvoiceEvent::InvoiceRefunded(refund)) => Some(refund),
            _ => None,
        })?;
        check_eq!(
            (
                event.payer,
                event.amount,
                event.fee_returned,
                event.refunded_total
            ),
            (
                customer.address(),
                amount,
                expected.fee_returned,
                expected.refunded_total
            ),
            "refund {step}: InvoiceRefunded event"
        );
        refunded = expected.refunded_total;
        fee_returned += expected.fee_returned;
        if step == 1 {
            invoices
                .refund(&merchant.payout, m, &order, paid_amount - refunded + 1)
                .await
                .aborts_with("refund more than is left", InvoiceAbort::RefundExceedsPaid)
                .await?;
        }
    }

    // The whole fee came back, exactly; every yen went back to the customer.
    check_eq!(refunded, paid_amount, "refunded in all");
    check_eq!(fee_returned, fee, "fee returned in all");
    let end = balances(h, accounts).await?;
    check_eq!(
        end[0],
        start[0] + paid_amount,
        "customer's yen after all refunds"
    );
    check_eq!(
        end[1],
        start[1] - (paid_amount - fee),
        "payout's yen after all refunds"
    );
    check_eq!(end[2], start[2] - fee, "treasury's yen after all refunds");
    let invoice = invoices.invoice(m, &order).await?;
    check_eq!(
        (invoice.refunded, invoice.fee_refunded),
        (paid_amount, fee),
        "invoice refund totals"
    );

    invoices
        .refund(&merchant.payout, m, &order, 1)
        .await
        .aborts_with(
            "refund one yen more than was paid",
            InvoiceAbort::RefundExceedsPaid,
        )
        .await?;
    check_eq!(
        balances(h, accounts).await?,
        end,
        "balances after the refused refund"
    );
    Ok(())
}
