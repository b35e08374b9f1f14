//! Cases 6, 7, 8, 10 and 19: paying merchants, from the QR code on the counter to
//! the balances on chain.
use aptos_sdk::account::Ed25519Account;
use std::time::Duration;
use yenpay_client::address::{from_sdk, signing_key, to_sdk};

use anyhow::{Context, Result, bail, ensure};
use aptos_sdk::types::AccountAddress;
use yenpay_client::abort::{AuthorizationAbort, InvoiceAbort, MerchantRegistryAbort};
use yenpay_client::client::Sponsored;
use yenpay_client::events::YenpayEvent;
use yenpay_client::invoice::{
    InvoiceCreated, InvoiceEvent, InvoicePaid, InvoiceStatus, MerchantPaid,
};
use yenpay_qr::mpm::{MerchantDetails, PaymentRequest, YenpayPayment};
use yenpay_qr::render;
use yenpay_types::fee;
use yenpay_types::limits::{OrderRef, Reference, Ttl};
use yenpay_types::offer::SignedInvoiceOffer;

use crate::check_eq;
use crate::harness::{GAS_UNIT_PRICE, Harness, Merchant, Outcome, one_event, unix_now};

/// The shop's EMVCo fields for the codes these cases print.
fn shop() -> MerchantDetails {
    MerchantDetails {
        name: "YAKITORI DAIKICHI".to_owned(),
        city: "SHINJUKU-KU".to_owned(),
        category_code: "5812".to_owned(),
        postal_code: Some("1600022".to_owned()),
        language: None,
    }
}

/// What a phone camera reads from the PNG the terminal shows.
pub fn scan(png: &[u8]) -> Result<String> {
    let image = image::load_from_memory(png)
        .context("the QR image is not a PNG")?
        .to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(image);
    let grids = prepared.detect_grids();
    ensure!(grids.len() == 1, "{} QR codes in the image", grids.len());
    let (_, content) = grids[0].decode().context("the QR code does not decode")?;
    Ok(content)
}

/// The terminal creates an invoice; returns its event.
pub async fn create_invoice(
    h: &Harness,
    merchant: &Merchant,
    order: &OrderRef,
    amount: u64,
    ttl_secs: u64,
) -> Result<InvoiceCreated> {
    let created = h
        .client
        .invoice()
        .create_invoice(
            &merchant.terminal,
            merchant.address(),
            order,
            amount,
            Ttl::from_secs(ttl_secs)?,
        )
        .await
        .committed(&format!("create invoice {order} for {amount} yen"))
        .await?;
    one_event(&created, "InvoiceCreated", |event| match event {
        YenpayEvent::Invoice(InvoiceEvent::InvoiceCreated(created)) => Some(created),
        _ => None,
    })
}

/// The `InvoicePaid` event of a payment.
pub fn paid_event(submitted: &yenpay_client::client::Submitted) -> Result<InvoicePaid> {
    one_event(submitted, "InvoicePaid", |event| match event {
        YenpayEvent::Invoice(InvoiceEvent::InvoicePaid(paid)) => Some(paid),
        _ => None,
    })
}

/// Yen balances of several addresses at once.
pub async fn balances<const N: usize>(
    h: &Harness,
    addresses: [AccountAddress; N],
) -> Result<[u64; N]> {
    let coin = h.client.stablecoin();
    let mut out = [0; N];
    for (slot, address) in out.iter_mut().zip(addresses) {
        *slot = coin.balance(address).await?;
    }
    Ok(out)
}

/// Case 6: the terminal shows a dynamic JPQR code for an invoice; the
/// customer's wallet reads it and pays what it read; every balance moves by
/// exactly the amount, the fee and the net, and the paid event decodes.
pub async fn dynamic_qr(h: &'static Harness) -> Result<()> {
    // Exact treasury figures: no other payment may run meanwhile.
    let _exclusive = h.exclusive().await;
    let invoices = h.client.invoice();
    let merchant = h.merchant(250, false).await?;
    let minter = h.minter(5_000).await?;
    let customer = h.funded_account().await?;
    h.mint(&minter, customer.address(), 5_000).await?;

    // Terminal: invoice, then its code as an image.
    let order = OrderRef::new("INV-2026-0006")?;
    create_invoice(h, &merchant, &order, 1_500, 300).await?;
    let code = YenpayPayment {
        chain_id: h.chain_id,
        package: from_sdk(h.package()),
        merchant: from_sdk(merchant.address()),
        request: PaymentRequest::Dynamic {
            order_ref: order.as_str().to_owned(),
            amount: 1_500,
        },
    };
    let png = render::png(&code.encode(&shop())?, 4)?;

    // Wallet: scan, decode, check the deployment, pay what the code says.
    let read = YenpayPayment::decode(&scan(&png)?)?;
    check_eq!(
        (read.chain_id, read.package),
        (h.chain_id, from_sdk(h.package())),
        "deployment in the code"
    );
    let PaymentRequest::Dynamic { order_ref, amount } = read.request else {
        bail!("the terminal's code is not dynamic: {:?}", read.request);
    };
    let quote = invoices.quote(to_sdk(read.merchant), amount).await?;
    check_eq!(
        quote,
        fee::split(amount, merchant.fee_bps),
        "the chain's quote against the client's fee math"
    );
    check_eq!(quote.fee + quote.net, amount, "fee + net");

    let before = balances(
        h,
        [customer.address(), merchant.payout.address(), h.treasury],
    )
    .await?;
    let paid = invoices
        .pay_invoice(
            &customer,
            to_sdk(read.merchant),
            &OrderRef::new(order_ref.clone())?,
            amount,
        )
        .await
        .committed("the customer pays the scanned invoice")
        .await?;
    let after = balances(
        h,
        [customer.address(), merchant.payout.address(), h.treasury],
    )
    .await?;
    check_eq!(after[0], before[0] - amount, "customer's yen");
    check_eq!(after[1], before[1] + quote.net, "payout's yen");
    check_eq!(after[2], before[2] + quote.fee, "treasury's yen");

    let event = paid_event(&paid)?;
    check_eq!(
        (
            event.merchant,
            event.order_ref.as_str(),
            event.payer,
            event.amount,
            event.fee,
            event.net
        ),
        (
            merchant.address(),
            order_ref.as_str(),
            customer.address(),
            amount,
            quote.fee,
            quote.net
        ),
        "InvoicePaid event"
    );
    let invoice = invoices.invoice(merchant.address(), &order).await?;
    check_eq!(
        invoice.status,
        InvoiceStatus::Paid {
            payer: customer.address(),
            paid_at: event.paid_at,
            fee: quote.fee
        },
        "invoice status"
    );
    check_eq!(
        invoices.is_payable(merchant.address(), &order).await?,
        false,
        "is_payable once paid"
    );
    Ok(())
}

/// Case 7: paying twice, a wrong amount, an expired and a cancelled invoice
/// abort with their names and move nothing.
pub async fn invoice_aborts(h: &'static Harness) -> Result<()> {
    let _shared = h.shared().await;
    let invoices = h.client.invoice();
    let merchant = h.merchant(100, false).await?;
    let minter = h.minter(10_000).await?;
    let customer = h.funded_account().await?;
    h.mint(&minter, customer.address(), 10_000).await?;
    let m = merchant.address();

    // The short-lived invoice first, so its clock runs while the others are tried.
    let short = OrderRef::new("INV-7-SHORT")?;
    let short_created = create_invoice(h, &merchant, &short, 700, 30).await?;

    let order = OrderRef::new("INV-7-0001")?;
    create_invoice(h, &merchant, &order, 1_000, 300).await?;
    invoices
        .pay_invoice(&customer, m, &order, 999)
        .await
        .aborts_with("pay 999 for a 1,000 invoice", InvoiceAbort::AmountMismatch)
        .await?;
    invoices
        .pay_invoice(&customer, m, &order, 1_000)
        .await
        .committed("pay the invoice")
        .await?;
    invoices
        .pay_invoice(&customer, m, &order, 1_000)
        .await
        .aborts_with(
            "pay the same invoice twice",
            InvoiceAbort::InvoiceAlreadyPaid,
        )
        .await?;
    invoices
        .pay_invoice(&customer, m, &OrderRef::new("INV-7-NONE")?, 1_000)
        .await
        .aborts_with(
            "pay an invoice that does not exist",
            InvoiceAbort::InvoiceNotFound,
        )
        .await?;

    let cancelled = OrderRef::new("INV-7-CANCEL")?;
    create_invoice(h, &merchant, &cancelled, 500, 300).await?;
    invoices
        .cancel_invoice(&merchant.terminal, m, &cancelled)
        .await
        .committed("the terminal cancels an invoice")
        .await?;
    invoices
        .pay_invoice(&customer, m, &cancelled, 500)
        .await
        .aborts_with("pay a cancelled invoice", InvoiceAbort::InvoiceCancelled)
        .await?;

    // Wait out the short invoice on the chain's clock.
    let expires_at = short_created.expires_at;
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while h.chain_now().await? < expires_at || invoices.is_payable(m, &short).await? {
        ensure!(
            std::time::Instant::now() < deadline,
            "the chain's clock did not pass the invoice's expiry {expires_at} within 2 minutes \
             (wall clock {})",
            unix_now()
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    invoices
        .pay_invoice(&customer, m, &short, 700)
        .await
        .aborts_with("pay an expired invoice", InvoiceAbort::InvoiceExpired)
        .await?;

    check_eq!(
        h.client.stablecoin().balance(customer.address()).await?,
        9_000,
        "customer after one payment and five refused ones"
    );
    check_eq!(
        h.client
            .stablecoin()
            .balance(merchant.payout.address())
            .await?,
        fee::split(1_000, merchant.fee_bps).net,
        "payout after one payment"
    );
    Ok(())
}

/// Case 8: a customer who holds no APT (no account at all) pays an invoice;
/// the operator pays the gas as fee payer.
pub async fn sponsored(h: &'static Harness) -> Result<()> {
    let _shared = h.shared().await;
    let invoices = h.client.invoice();
    let aptos = h.client.aptos();
    let merchant = h.merchant(250, false).await?;
    let minter = h.minter(3_000).await?;
    let customer = h.unfunded_account();
    h.mint(&minter, customer.address(), 3_000).await?;
    check_eq!(
        h.has_account_resource(customer.address()).await?,
        false,
        "customer's account resource before paying"
    );
    check_eq!(
        aptos.get_balance(customer.address()).await?,
        0,
        "customer's APT"
    );

    let order = OrderRef::new("INV-8-0001")?;
    create_invoice(h, &merchant, &order, 1_200, 300).await?;
    let split = fee::split(1_200, merchant.fee_bps);

    // Hold the operator while its APT is read, so no other deployer
    // transaction changes it meanwhile.
    let (paid, operator_before, operator_after) = {
        let operator = h.deployer().await;
        let before = aptos.get_balance(operator.address()).await?;
        let paid = invoices
            .pay_invoice(
                &Sponsored::new(&customer, &*operator),
                merchant.address(),
                &order,
                1_200,
            )
            .await
            .committed("the customer pays, the operator sponsors")
            .await?;
        (paid, before, aptos.get_balance(operator.address()).await?)
    };
    check_eq!(
        operator_before - operator_after,
        paid.gas_used * GAS_UNIT_PRICE,
        "the operator's APT spent on gas"
    );
    check_eq!(
        aptos.get_balance(customer.address()).await?,
        0,
        "customer's APT after paying"
    );
    check_eq!(
        h.has_account_resource(customer.address()).await?,
        true,
        "customer's account resource after paying (the sponsored transaction created it)"
    );
    check_eq!(
        aptos.get_sequence_number(customer.address()).await?,
        1,
        "customer's sequence number"
    );
    let event = paid_event(&paid)?;
    check_eq!(
        (event.payer, event.amount, event.fee),
        (customer.address(), 1_200, split.fee),
        "InvoicePaid event"
    );
    check_eq!(
        balances(h, [customer.address(), merchant.payout.address()]).await?,
        [3_000 - 1_200, split.net],
        "customer and payout yen"
    );

    // A second sponsored payment from the account the first one created.
    let second = OrderRef::new("INV-8-0002")?;
    create_invoice(h, &merchant, &second, 800, 300).await?;
    {
        let operator = h.deployer().await;
        invoices
            .pay_invoice(
                &Sponsored::new(&customer, &*operator),
                merchant.address(),
                &second,
                800,
            )
            .await
            .committed("a second sponsored payment")
            .await?;
    }
    check_eq!(
        aptos.get_balance(customer.address()).await?,
        0,
        "customer's APT after two payments"
    );
    check_eq!(
        h.client.stablecoin().balance(customer.address()).await?,
        3_000 - 1_200 - 800,
        "customer's yen after two payments"
    );
    Ok(())
}

/// Case 10: the shop's static code; the customer types an amount and pays it
/// with the code's reference.
pub async fn static_qr(h: &'static Harness) -> Result<()> {
    let _shared = h.shared().await;
    let merchant = h.merchant(300, false).await?;
    let minter = h.minter(4_000).await?;
    let customer = h.funded_account().await?;
    h.mint(&minter, customer.address(), 4_000).await?;

    let sticker = YenpayPayment {
        chain_id: h.chain_id,
        package: from_sdk(h.package()),
        merchant: from_sdk(merchant.address()),
        request: PaymentRequest::Static {
            reference: Some("COUNTER-3".to_owned()),
        },
    };
    let read = YenpayPayment::decode(&scan(&render::png(&sticker.encode(&shop())?, 4)?)?)?;
    check_eq!(read, sticker, "what the wallet read from the sticker");
    let PaymentRequest::Static {
        reference: Some(reference),
    } = read.request
    else {
        bail!(
            "the sticker is not a static code with a reference: {:?}",
            read.request
        );
    };
    let typed = 1_234;
    let split = fee::split(typed, merchant.fee_bps);
    let paid = h
        .client
        .invoice()
        .pay_merchant(
            &customer,
            to_sdk(read.merchant),
            typed,
            &Reference::new(reference.clone())?,
        )
        .await
        .committed("the customer pays a typed amount")
        .await?;
    let event: MerchantPaid = one_event(&paid, "MerchantPaid", |event| match event {
        YenpayEvent::Invoice(InvoiceEvent::MerchantPaid(paid)) => Some(paid),
        _ => None,
    })?;
    check_eq!(
        (
            event.merchant,
            event.payer,
            event.amount,
            event.fee,
            event.net,
            event.reference.as_str()
        ),
        (
            merchant.address(),
            customer.address(),
            typed,
            split.fee,
            split.net,
            reference.as_str()
        ),
        "MerchantPaid event"
    );
    check_eq!(
        balances(h, [customer.address(), merchant.payout.address()]).await?,
        [4_000 - typed, split.net],
        "customer and payout yen"
    );
    Ok(())
}

/// A terminal's signed code for `order`, `amount` yen, payable for
/// `ttl_secs` of the chain's time: what the terminal shows, made off chain
/// with the key of `terminal`, which needs no APT.
pub async fn signed_offer(
    h: &Harness,
    merchant: AccountAddress,
    terminal: &Ed25519Account,
    order: &OrderRef,
    amount: u64,
    ttl_secs: u64,
) -> Result<SignedInvoiceOffer> {
    let expires_at = h.chain_now().await? + ttl_secs;
    let offer = h
        .client
        .invoice()
        .offer(merchant, terminal.address(), order, amount, expires_at)
        .await?;
    Ok(offer.sign(from_sdk(h.package()), &signing_key(terminal.private_key()))?)
}

/// Case 19: a dynamic QR payment in one transaction. The terminal, an
/// account that has never sent a transaction and holds no APT, signs the
/// code off chain; the customer pays it (once unsponsored, once with the
/// operator as fee payer) with the exact split and the events of an invoice
/// created and paid; a second payment, a changed amount, a cancelled code and
/// a revoked terminal's code abort with their names; the payout refunds it.
pub async fn signed_invoice(h: &'static Harness) -> Result<()> {
    let _shared = h.shared().await;
    let invoices = h.client.invoice();
    let merchant = h.merchant(250, true).await?;
    let m = merchant.address();
    let terminal = h.unfunded_account();
    h.client
        .merchant_registry()
        .add_terminal(&merchant.owner, terminal.address())
        .await
        .committed("the merchant adds a terminal that holds no APT")
        .await?;
    let minter = h.minter(10_000).await?;
    let customer = h.funded_account().await?;
    h.mint(&minter, customer.address(), 6_000).await?;
    let split = fee::split(1_500, merchant.fee_bps);

    // The code: signed off chain, checked by the wallet before paying.
    let order = OrderRef::new("SIG-19-0001")?;
    let signed = signed_offer(h, m, &terminal, &order, 1_500, 300).await?;
    signed.check(from_sdk(h.package()), h.chain_id, h.chain_now().await?)?;
    let mut more = signed.clone();
    more.offer.amount = 1_501;
    invoices
        .pay_offer(&customer, &more)
        .await
        .aborts_with(
            "pay another amount than signed",
            AuthorizationAbort::InvalidSignature,
        )
        .await?;

    let payout_before = h
        .client
        .stablecoin()
        .balance(merchant.payout.address())
        .await?;
    let paid = invoices
        .pay_offer(&customer, &signed)
        .await
        .committed("the customer pays the signed code")
        .await?;
    check_eq!(
        h.client.stablecoin().balance(customer.address()).await?,
        6_000 - 1_500,
        "customer's yen"
    );
    check_eq!(
        h.client
            .stablecoin()
            .balance(merchant.payout.address())
            .await?,
        payout_before + split.net,
        "payout's yen"
    );
    let created = one_event(&paid, "InvoiceCreated", |event| match event {
        YenpayEvent::Invoice(InvoiceEvent::InvoiceCreated(created)) => Some(created),
        _ => None,
    })?;
    check_eq!(
        (
            created.merchant,
            created.amount,
            created.expires_at,
            created.created_by
        ),
        (m, 1_500, signed.offer.expires_at, terminal.address()),
        "InvoiceCreated of the signed code"
    );
    let event = paid_event(&paid)?;
    check_eq!(
        (event.payer, event.amount, event.fee, event.net),
        (customer.address(), 1_500, split.fee, split.net),
        "InvoicePaid of the signed code"
    );
    let record = invoices.invoice(m, &order).await?;
    check_eq!(
        record.status,
        InvoiceStatus::Paid {
            payer: customer.address(),
            paid_at: event.paid_at,
            fee: split.fee
        },
        "the record written as paid"
    );
    invoices
        .pay_offer(&customer, &signed)
        .await
        .aborts_with(
            "pay the signed code twice",
            InvoiceAbort::InvoiceAlreadyPaid,
        )
        .await?;
    check_eq!(
        h.has_account_resource(terminal.address()).await?,
        false,
        "the terminal sent no transaction"
    );

    // Sponsored: a customer with no APT, the operator as fee payer.
    let sponsored = h.unfunded_account();
    h.mint(&minter, sponsored.address(), 2_000).await?;
    let second = OrderRef::new("SIG-19-0002")?;
    let code = signed_offer(h, m, &terminal, &second, 2_000, 300).await?;
    {
        let operator = h.deployer().await;
        invoices
            .pay_offer(&Sponsored::new(&sponsored, &*operator), &code)
            .await
            .committed("a customer without APT pays a signed code, sponsored")
            .await?;
    }
    check_eq!(
        h.client.stablecoin().balance(sponsored.address()).await?,
        0,
        "the sponsored customer's yen"
    );

    // Cancelled before payment, by the merchant's owner.
    let third = OrderRef::new("SIG-19-0003")?;
    let cancelled = signed_offer(h, m, &terminal, &third, 700, 300).await?;
    invoices
        .cancel_offer(&merchant.owner, &cancelled.offer)
        .await
        .committed("the merchant cancels a signed code")
        .await?;
    invoices
        .pay_offer(&customer, &cancelled)
        .await
        .aborts_with("pay a cancelled code", InvoiceAbort::InvoiceCancelled)
        .await?;

    // The refund works as for any invoice.
    invoices
        .refund(&merchant.payout, m, &order, 500)
        .await
        .committed("the payout refunds part of the signed invoice")
        .await?;
    check_eq!(
        invoices.invoice(m, &order).await?.refunded,
        500,
        "refunded so far"
    );

    // A removed terminal's codes are refused.
    let fourth = OrderRef::new("SIG-19-0004")?;
    let revoked = signed_offer(h, m, &terminal, &fourth, 700, 300).await?;
    h.client
        .merchant_registry()
        .remove_terminal(&merchant.owner, terminal.address())
        .await
        .committed("the merchant removes the terminal")
        .await?;
    invoices
        .pay_offer(&customer, &revoked)
        .await
        .aborts_with(
            "pay a removed terminal's code",
            MerchantRegistryAbort::NotMerchantOrTerminal,
        )
        .await?;
    check_eq!(
        h.client.stablecoin().balance(customer.address()).await?,
        6_000 - 1_500 + 500,
        "customer after one payment, a refund and four refused payments"
    );
    Ok(())
}
