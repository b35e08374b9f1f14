//! Case 16: the merchant registry obeys the stablecoin's denylist. A
//! denylisted merchant owner cannot be paid, invoice through its terminal or
//! move its payout; a denylisted address cannot be registered; listing twice
//! changes nothing; once cleared, the merchant is paid again.
use anyhow::{Result, ensure};
use yenpay_client::abort::MerchantRegistryAbort;
use yenpay_types::limits::{FeeBps, Mcc, MerchantName, OrderRef, Ttl};

use crate::check_eq;
use crate::harness::{Harness, Outcome};
use crate::payments::create_invoice;

pub async fn registry_denylist(h: &'static Harness) -> Result<()> {
    let _shared = h.shared().await;
    let coin = h.client.stablecoin();
    let controls = h.client.controls();
    let invoices = h.client.invoice();
    let registry = h.client.merchant_registry();
    let merchant = h.merchant(100, false).await?;
    let minter = h.minter(5_000).await?;
    let customer = h.funded_account().await?;
    h.mint(&minter, customer.address(), 5_000).await?;
    let order = OrderRef::new("DENY-0001")?;
    create_invoice(h, &merchant, &order, 1_000, 300).await?;

    {
        let admin = h.deployer().await;
        controls
            .denylist(&*admin, merchant.address())
            .await
            .committed("denylist the merchant's owner")
            .await?;
        let again = controls
            .denylist(&*admin, merchant.address())
            .await
            .committed("denylist it again (idempotent)")
            .await?;
        ensure!(
            again.yenpay_events().next().is_none(),
            "listing an address twice emitted {:?}",
            again.yenpay_events().collect::<Vec<_>>()
        );
    }
    invoices
        .pay_invoice(&customer, merchant.address(), &order, 1_000)
        .await
        .aborts_with(
            "a customer pays the denylisted merchant's open invoice",
            MerchantRegistryAbort::Denylisted,
        )
        .await?;
    invoices
        .create_invoice(
            &merchant.terminal,
            merchant.address(),
            &OrderRef::new("DENY-0002")?,
            1_000,
            Ttl::from_secs(300)?,
        )
        .await
        .aborts_with(
            "its terminal creates an invoice",
            MerchantRegistryAbort::Denylisted,
        )
        .await?;
    let fresh = h.unfunded_account();
    registry
        .set_payout_address(&merchant.owner, fresh.address())
        .await
        .aborts_with(
            "the denylisted owner points its payout at a fresh address",
            MerchantRegistryAbort::Denylisted,
        )
        .await?;
    {
        let admin = h.deployer().await;
        let newcomer = h.funded_account().await?;
        registry
            .register_merchant(
                &*admin,
                newcomer.address(),
                &MerchantName::new("新店")?,
                &Mcc::new("5411")?,
                merchant.address(),
                FeeBps::new(100)?,
            )
            .await
            .aborts_with(
                "register a merchant whose payout is denylisted",
                MerchantRegistryAbort::Denylisted,
            )
            .await?;
        controls
            .undenylist(&*admin, merchant.address())
            .await
            .committed("clear the merchant's owner")
            .await?;
    }
    invoices
        .pay_invoice(&customer, merchant.address(), &order, 1_000)
        .await
        .committed("pay once the owner is cleared")
        .await?;
    check_eq!(
        coin.balance(customer.address()).await?,
        4_000,
        "customer's yen after the one payment"
    );
    Ok(())
}
