//! Case 9: customer-presented QR. The customer's wallet takes its next nonce
//! from the chain's bitmap, signs a collection authorization in Rust and shows
//! it as a code; whoever else sees the code cannot cash it as a plain
//! transfer; the terminal scans it and collects the invoice with it; using it
//! again aborts; a nonce the customer cancels is refused.
use anyhow::{Context, Result, bail};
use yenpay_client::abort::{AuthorizationAbort, InvoiceAbort};
use yenpay_client::address::{from_sdk, signing_key, to_sdk};
use yenpay_client::authorization::AuthorizationEvent;
use yenpay_client::client::{Error, Sponsored};
use yenpay_client::events::YenpayEvent;
use yenpay_client::invoice::{InvoiceEvent, InvoiceStatus};
use yenpay_qr::cpm::{self, TerminalContext};
use yenpay_qr::render;
use yenpay_types::authorization::{AuthorizationError, NonceBitmap};
use yenpay_types::collection::CollectionRequest;
use yenpay_types::fee;
use yenpay_types::limits::OrderRef;

use crate::check_eq;
use crate::harness::{Harness, Outcome, one_event, unix_now};
use crate::payments::{balances, create_invoice, paid_event, scan};

pub async fn customer_presented(h: &'static Harness) -> Result<()> {
    let _shared = h.shared().await;
    let invoices = h.client.invoice();
    let coin = h.client.stablecoin();
    let merchant = h.merchant(150, false).await?;
    let minter = h.minter(6_000).await?;
    // The customer holds yen only: no APT, no account. The terminal pays the gas.
    let customer = h.unfunded_account();
    h.mint(&minter, customer.address(), 6_000).await?;
    let amount = 2_000;
    let order = OrderRef::new("INV-9-0001")?;
    create_invoice(h, &merchant, &order, amount, 300).await?;

    // Wallet: sign for this merchant and amount, show the code.
    let context = TerminalContext {
        chain_id: h.chain_id,
        metadata: from_sdk(h.metadata),
        merchant: from_sdk(merchant.address()),
    };
    let authorizations = h.client.authorization();
    let mut nonces = authorizations.resume_nonces(customer.address(), 0).await?;
    check_eq!(nonces.peek(), 0, "a new customer's first nonce");
    let nonce = nonces.take().context("a nonce")?;
    let valid_before = unix_now() + 300;
    let signed = cpm::authorization_to_sign(
        &context,
        &customer.public_key().to_bytes(),
        None,
        amount,
        0,
        valid_before,
        nonce,
    )?
    .sign(from_sdk(h.package()), &signing_key(customer.private_key()))?;
    let screen = render::png(&cpm::encode(&signed)?, 4)?;

    // Terminal: scan, rebuild the authorization, check it, collect.
    let scanned = cpm::decode(&scan(&screen)?, &context)?;
    check_eq!(scanned, signed, "the authorization the terminal rebuilt");
    scanned.check(from_sdk(h.package()), h.chain_id, unix_now())?;
    coin.check_authorization(&scanned, unix_now()).await?;

    // Someone who saw the code submits it as a permissionless transfer: the
    // signature is a collection's, so the chain refuses it (the client would
    // refuse it earlier: build the call by hand, as an attacker would).
    let a = &scanned.authorization;
    let cash_out = coin.calls().transfer_with_authorization(
        to_sdk(a.from),
        to_sdk(a.to),
        a.amount,
        a.valid_after,
        a.valid_before,
        a.nonce,
        &scanned.public_key,
        &scanned.signature,
    )?;
    let thief = h.funded_account().await?;
    h.client
        .submit_entry(&thief, cash_out)
        .await
        .aborts_with(
            "the customer's code cashed as a transfer by someone else",
            AuthorizationAbort::InvalidSignature,
        )
        .await?;
    match coin.transfer_signed(&thief, &scanned).await {
        Err(Error::Authorization(AuthorizationError::WrongKind { .. })) => {}
        other => bail!("the client sending a collection as a transfer: {other:?}"),
    }

    let payer_before = balances(h, [customer.address(), merchant.payout.address()]).await?;
    let collected = invoices
        .collect_signed(&merchant.terminal, &order, &scanned)
        .await
        .committed("the terminal collects with the customer's authorization")
        .await?;
    let split = fee::split(amount, merchant.fee_bps);
    check_eq!(
        balances(h, [customer.address(), merchant.payout.address()]).await?,
        [payer_before[0] - amount, payer_before[1] + split.net],
        "customer and payout yen"
    );
    let paid = paid_event(&collected)?;
    check_eq!(
        (paid.payer, paid.amount, paid.fee, paid.net),
        (customer.address(), amount, split.fee, split.net),
        "InvoicePaid event"
    );
    let used = one_event(
        &collected,
        "TransferredWithAuthorization",
        |event| match event {
            YenpayEvent::Authorization(AuthorizationEvent::TransferredWithAuthorization(used)) => {
                Some(used)
            }
            _ => None,
        },
    )?;
    check_eq!(
        (used.from, used.to, used.amount, used.nonce, used.submitter),
        (
            customer.address(),
            merchant.address(),
            amount,
            signed.authorization.nonce,
            h.package()
        ),
        "TransferredWithAuthorization event"
    );
    check_eq!(
        authorizations
            .is_nonce_used(customer.address(), signed.authorization.nonce)
            .await?,
        true,
        "nonce used"
    );
    check_eq!(
        authorizations.nonce_bitmap(customer.address(), 0).await?,
        NonceBitmap::bit(0),
        "the customer's bitmap word 0"
    );
    check_eq!(
        authorizations
            .resume_nonces(customer.address(), 0)
            .await?
            .peek(),
        1,
        "where the wallet continues"
    );
    check_eq!(
        h.client.aptos().get_balance(customer.address()).await?,
        0,
        "customer's APT"
    );

    // Replay: the same code on a second invoice of the same amount.
    let again = OrderRef::new("INV-9-0002")?;
    create_invoice(h, &merchant, &again, amount, 300).await?;
    match coin.check_authorization(&scanned, unix_now()).await {
        Err(Error::Authorization(AuthorizationError::NonceUsed)) => {}
        other => bail!("the terminal's pre-check of a used authorization: {other:?}"),
    }
    invoices
        .collect_signed(&merchant.terminal, &again, &scanned)
        .await
        .aborts_with(
            "collect with a used authorization",
            AuthorizationAbort::AuthorizationUsed,
        )
        .await?;

    check_eq!(
        invoices.invoice_status(merchant.address(), &again).await?,
        InvoiceStatus::Open,
        "the second invoice"
    );
    check_eq!(
        coin.balance(customer.address()).await?,
        payer_before[0] - amount,
        "customer's yen after the replays"
    );

    // The customer thinks its phone was seen: it cancels its next nonce (the
    // operator sponsors the gas), and a code signed with it is refused.
    let cancelled = nonces.take().context("a nonce")?;
    let operator = h.deployer().await;
    authorizations
        .cancel_nonce(&Sponsored::new(&customer, &*operator), cancelled)
        .await
        .committed("the customer cancels a nonce")
        .await?;
    drop(operator);
    check_eq!(
        authorizations.nonce_bitmap(customer.address(), 0).await?,
        NonceBitmap::of_nonces(0, [0, cancelled]),
        "the bitmap after the cancellation"
    );
    let leaked = cpm::authorization_to_sign(
        &context,
        &customer.public_key().to_bytes(),
        None,
        amount,
        0,
        unix_now() + 300,
        cancelled,
    )?
    .sign(from_sdk(h.package()), &signing_key(customer.private_key()))?;
    match coin.check_authorization(&leaked, unix_now()).await {
        Err(Error::Authorization(AuthorizationError::NonceUsed)) => {}
        other => bail!("the terminal's pre-check of a cancelled nonce: {other:?}"),
    }
    invoices
        .collect_signed(&merchant.terminal, &again, &leaked)
        .await
        .aborts_with(
            "collect with a cancelled nonce",
            AuthorizationAbort::AuthorizationUsed,
        )
        .await?;
    Ok(())
}

/// Case 17: a customer whose account uses the SingleKey Ed25519 scheme (as
/// newer wallets create) pays by customer-presented QR like a legacy one.
pub async fn single_key_customer(h: &'static Harness) -> Result<()> {
    let _shared = h.shared().await;
    let merchant = h.merchant(150, false).await?;
    let minter = h.minter(3_000).await?;
    let customer = aptos_sdk::account::Ed25519SingleKeyAccount::generate();
    h.fund_address(customer.address()).await?;
    h.mint(&minter, customer.address(), 3_000).await?;
    let amount = 1_200;
    let order = OrderRef::new("INV-17-0001")?;
    create_invoice(h, &merchant, &order, amount, 300).await?;

    let context = TerminalContext {
        chain_id: h.chain_id,
        metadata: from_sdk(h.metadata),
        merchant: from_sdk(merchant.address()),
    };
    let public_key = customer.public_key().to_bytes();
    let nonce = h
        .client
        .authorization()
        .resume_nonces(customer.address(), 0)
        .await?
        .peek();
    let signed = cpm::authorization_to_sign(
        &context,
        &public_key,
        Some(from_sdk(customer.address())),
        amount,
        0,
        unix_now() + 300,
        nonce,
    )?
    .sign(from_sdk(h.package()), &signing_key(customer.private_key()))?;
    check_eq!(
        signed.single_key_address(),
        from_sdk(customer.address()),
        "the SingleKey address of the customer's key"
    );
    let scanned = cpm::decode(&cpm::encode(&signed)?, &context)?;
    h.client
        .stablecoin()
        .check_authorization(&scanned, unix_now())
        .await?;
    h.client
        .invoice()
        .collect_signed(&merchant.terminal, &order, &scanned)
        .await
        .committed("collect a SingleKey customer's authorization")
        .await?;
    check_eq!(
        h.client.stablecoin().balance(customer.address()).await?,
        3_000 - amount,
        "SingleKey customer's yen"
    );
    Ok(())
}

/// Case 22: customer-presented QR in one transaction. The customer's code
/// names no order; the terminal that scans it signs a `CollectionRequest`
/// naming the code and its order, off chain, and a relayer (the gateway's
/// account; here any funded account) submits both to
/// `invoice::collect_signed_invoice`. The terminal sends nothing. A relayer
/// that moves the request to another order, or the code to another request,
/// is refused; the same pair again is refused, and so is the spent code
/// under a fresh request.
pub async fn customer_presented_one_transaction(h: &'static Harness) -> Result<()> {
    let _shared = h.shared().await;
    let invoices = h.client.invoice();
    let merchant = h.merchant(150, false).await?;
    let minter = h.minter(6_000).await?;
    let customer = h.unfunded_account();
    h.mint(&minter, customer.address(), 6_000).await?;
    let relayer = h.funded_account().await?;
    let amount = 2_000;
    let order = OrderRef::new("CPM-22-0001")?;
    let package = from_sdk(h.package());

    let context = TerminalContext {
        chain_id: h.chain_id,
        metadata: from_sdk(h.metadata),
        merchant: from_sdk(merchant.address()),
    };
    let mut nonces = h
        .client
        .authorization()
        .resume_nonces(customer.address(), 0)
        .await?;
    let signed = cpm::authorization_to_sign(
        &context,
        &customer.public_key().to_bytes(),
        None,
        amount,
        0,
        unix_now() + 300,
        nonces.take().context("a nonce")?,
    )?
    .sign(package, &signing_key(customer.private_key()))?;
    let scanned = cpm::decode(&scan(&render::png(&cpm::encode(&signed)?, 4)?)?, &context)?;
    check_eq!(scanned, signed, "the authorization the terminal rebuilt");

    // The terminal signs its request for this code and order, off chain.
    let terminal_key = signing_key(merchant.terminal.private_key());
    let request = CollectionRequest::for_code(
        &scanned,
        from_sdk(merchant.terminal.address()),
        order.clone(),
        unix_now() + 120,
    )?
    .sign(package, &terminal_key)?;
    request.verify(package)?;
    let terminal_sequence = h
        .client
        .aptos()
        .get_sequence_number(merchant.terminal.address())
        .await?;

    // A relayer moves the request to another order: the terminal's
    // signature no longer matches.
    let mut moved = request.clone();
    moved.request.order_ref = OrderRef::new("CPM-22-STOLEN")?;
    invoices
        .collect_request(&relayer, &moved, &scanned)
        .await
        .aborts_with(
            "the request moved to another order",
            AuthorizationAbort::InvalidSignature,
        )
        .await?;
    // Or pairs the terminal's request with another code of the same
    // customer: the client refuses it, and so does the chain (by hand).
    let other = cpm::authorization_to_sign(
        &context,
        &customer.public_key().to_bytes(),
        None,
        amount,
        0,
        unix_now() + 300,
        nonces.take().context("a nonce")?,
    )?
    .sign(package, &signing_key(customer.private_key()))?;
    match invoices.collect_request(&relayer, &request, &other).await {
        Err(Error::Authorization(AuthorizationError::NotPaired)) => {}
        other => bail!("the client pairing a request with another code: {other:?}"),
    }
    let terms = &request.request;
    let swapped = invoices.calls().collect_signed_invoice(
        merchant.address(),
        merchant.terminal.address(),
        &terms.order_ref,
        terms.amount,
        terms.expires_at,
        &request.public_key,
        &request.signature,
        customer.address(),
        other.authorization.valid_after,
        other.authorization.valid_before,
        other.authorization.nonce,
        &other.public_key,
        &other.signature,
    )?;
    h.client
        .submit_entry(&relayer, swapped)
        .await
        .aborts_with(
            "the request paired with another code",
            AuthorizationAbort::InvalidSignature,
        )
        .await?;

    let before = balances(h, [customer.address(), merchant.payout.address()]).await?;
    let collected = invoices
        .collect_request(&relayer, &request, &scanned)
        .await
        .committed("the relayer submits the terminal's request and the customer's code")
        .await?;
    let split = fee::split(amount, merchant.fee_bps);
    check_eq!(
        balances(h, [customer.address(), merchant.payout.address()]).await?,
        [before[0] - amount, before[1] + split.net],
        "customer and payout yen"
    );
    let created = one_event(&collected, "InvoiceCreated", |event| match event {
        YenpayEvent::Invoice(InvoiceEvent::InvoiceCreated(created)) => Some(created),
        _ => None,
    })?;
    check_eq!(
        (
            created.order_ref.as_str(),
            created.amount,
            created.created_by
        ),
        (order.as_str(), amount, merchant.terminal.address()),
        "InvoiceCreated event"
    );
    let paid = paid_event(&collected)?;
    check_eq!(
        (paid.payer, paid.amount, paid.fee, paid.net),
        (customer.address(), amount, split.fee, split.net),
        "InvoicePaid event"
    );
    check_eq!(
        invoices.invoice_status(merchant.address(), &order).await?,
        InvoiceStatus::Paid {
            payer: customer.address(),
            paid_at: paid.paid_at,
            fee: split.fee,
        },
        "the order's record"
    );
    check_eq!(
        h.client
            .aptos()
            .get_sequence_number(merchant.terminal.address())
            .await?,
        terminal_sequence,
        "the terminal's sequence number (it sent nothing)"
    );
    check_eq!(
        h.client.aptos().get_balance(customer.address()).await?,
        0,
        "customer's APT"
    );

    // The same pair again: the order is paid.
    invoices
        .collect_request(&relayer, &request, &scanned)
        .await
        .aborts_with("the same pair again", InvoiceAbort::InvoiceAlreadyPaid)
        .await?;
    // The spent code under a fresh request for another order: its nonce is used.
    let fresh = CollectionRequest::for_code(
        &scanned,
        from_sdk(merchant.terminal.address()),
        OrderRef::new("CPM-22-0002")?,
        unix_now() + 120,
    )?
    .sign(package, &terminal_key)?;
    invoices
        .collect_request(&relayer, &fresh, &scanned)
        .await
        .aborts_with(
            "the spent code for another order",
            AuthorizationAbort::AuthorizationUsed,
        )
        .await?;
    check_eq!(
        invoices
            .invoice_exists(merchant.address(), &OrderRef::new("CPM-22-0002")?)
            .await?,
        false,
        "no record of the refused order"
    );
    check_eq!(
        h.client.stablecoin().balance(customer.address()).await?,
        before[0] - amount,
        "customer's yen after the refusals"
    );
    Ok(())
}
