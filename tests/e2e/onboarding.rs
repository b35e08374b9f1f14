//! Case 5: the operator onboards a merchant, the merchant adds a terminal,
//! the terminal creates an invoice; a stranger can do none of it.
use anyhow::Result;
use yenpay_client::abort::{InvoiceAbort, MerchantRegistryAbort};
use yenpay_client::events::YenpayEvent;
use yenpay_client::invoice::{InvoiceEvent, InvoiceStatus};
use yenpay_client::merchant::{MerchantEvent, MerchantStatus};
use yenpay_types::limits::{FeeBps, Mcc, MerchantName, OrderRef, Ttl};

use crate::check_eq;
use crate::harness::{Harness, Outcome, one_event};

pub async fn onboarding(h: &'static Harness) -> Result<()> {
    let _shared = h.shared().await;
    let registry = h.client.merchant_registry();
    let invoices = h.client.invoice();
    let owner = h.funded_account().await?;
    let terminal = h.funded_account().await?;
    let stranger = h.funded_account().await?;
    let payout = h.unfunded_account().address();
    let name = MerchantName::new("喫茶 さくら 京都駅前")?;
    let mcc = Mcc::new("5814")?;
    let fee = FeeBps::new(325)?;

    registry
        .register_merchant(&stranger, owner.address(), &name, &mcc, payout, fee)
        .await
        .aborts_with(
            "a stranger registers a merchant",
            MerchantRegistryAbort::NotOperator,
        )
        .await?;
    check_eq!(
        registry.is_registered(owner.address()).await?,
        false,
        "registered after the stranger's try"
    );

    let registered = {
        let operator = h.deployer().await;
        registry
            .register_merchant(&*operator, owner.address(), &name, &mcc, payout, fee)
            .await
            .committed("the operator registers the merchant")
            .await?
    };
    let event = one_event(&registered, "MerchantRegistered", |event| match event {
        YenpayEvent::MerchantRegistry(MerchantEvent::MerchantRegistered(registered)) => {
            Some(registered)
        }
        _ => None,
    })?;
    check_eq!(
        (
            event.owner,
            event.name.as_str(),
            event.mcc.as_str(),
            event.payout,
            event.fee_bps
        ),
        (
            owner.address(),
            name.as_str(),
            mcc.as_str(),
            payout,
            fee.get()
        ),
        "MerchantRegistered event"
    );
    let info = registry.merchant(owner.address()).await?;
    check_eq!(
        (
            info.owner,
            info.name.as_str(),
            info.mcc.as_str(),
            info.payout,
            info.fee_bps,
            info.status
        ),
        (
            owner.address(),
            name.as_str(),
            mcc.as_str(),
            payout,
            fee.get(),
            MerchantStatus::Active
        ),
        "merchant record"
    );
    check_eq!(info.terminals.len(), 0, "terminals of a new merchant");
    check_eq!(
        registry.is_active(owner.address()).await?,
        true,
        "is_active"
    );

    registry
        .add_terminal(&stranger, terminal.address())
        .await
        .aborts_with(
            "a stranger adds a terminal",
            MerchantRegistryAbort::NotMerchantOwner,
        )
        .await?;
    let added = registry
        .add_terminal(&owner, terminal.address())
        .await
        .committed("the merchant adds its terminal")
        .await?;
    let event = one_event(&added, "TerminalAdded", |event| match event {
        YenpayEvent::MerchantRegistry(MerchantEvent::TerminalAdded(added)) => Some(added),
        _ => None,
    })?;
    check_eq!(
        (event.owner, event.terminal),
        (owner.address(), terminal.address()),
        "TerminalAdded event"
    );
    check_eq!(
        registry.terminals(owner.address()).await?,
        vec![terminal.address()],
        "terminals"
    );
    check_eq!(
        registry.merchant_of_terminal(terminal.address()).await?,
        Some(owner.address()),
        "merchant_of_terminal"
    );

    let order = OrderRef::new("ORDER-5-0001")?;
    let amount = 2_480;
    let created = invoices
        .create_invoice(
            &terminal,
            owner.address(),
            &order,
            amount,
            Ttl::from_secs(600)?,
        )
        .await
        .committed("the terminal creates an invoice")
        .await?;
    let event = one_event(&created, "InvoiceCreated", |event| match event {
        YenpayEvent::Invoice(InvoiceEvent::InvoiceCreated(created)) => Some(created),
        _ => None,
    })?;
    check_eq!(
        (
            event.merchant,
            event.order_ref.as_str(),
            event.amount,
            event.created_by
        ),
        (owner.address(), order.as_str(), amount, terminal.address()),
        "InvoiceCreated event"
    );
    let invoice = invoices.invoice(owner.address(), &order).await?;
    check_eq!(invoice.status, InvoiceStatus::Open, "invoice status");
    check_eq!(invoice.expires_at, event.expires_at, "invoice expiry");
    check_eq!(
        invoice.expires_at - invoice.created_at,
        600,
        "invoice lifetime"
    );
    check_eq!(
        invoices.is_payable(owner.address(), &order).await?,
        true,
        "is_payable"
    );

    // Creation is idempotent: the same order reference aborts.
    invoices
        .create_invoice(
            &terminal,
            owner.address(),
            &order,
            amount,
            Ttl::from_secs(600)?,
        )
        .await
        .aborts_with(
            "the same order reference again",
            InvoiceAbort::InvoiceExists,
        )
        .await?;
    invoices
        .create_invoice(
            &stranger,
            owner.address(),
            &OrderRef::new("ORDER-5-STRANGER")?,
            amount,
            Ttl::from_secs(600)?,
        )
        .await
        .aborts_with(
            "a stranger creates an invoice for the merchant",
            MerchantRegistryAbort::NotMerchantOrTerminal,
        )
        .await?;
    check_eq!(
        invoices
            .invoice_exists(owner.address(), &OrderRef::new("ORDER-5-STRANGER")?)
            .await?,
        false,
        "the stranger's invoice"
    );
    Ok(())
}
