//! The yenpay payment flow against a node, through the `yenpay` library.
//!
//! Needs a node with the package deployed (`cargo xtask localnet start` then
//! `cargo xtask deploy --network local`) and the deployer's key, which holds
//! every role after deployment (admin, master minter, operator), in a file
//! (AIP-80 `ed25519-priv-0x…` or hex), as the end-to-end suite takes it:
//!
//! ```text
//! YENPAY_DEPLOYER_KEY_FILE=.aptos/yenpay-local.key cargo run -p yenpay-deploy --example payment_flow
//! ```
//!
//! Optional: `APTOS_NODE_URL` (default `http://127.0.0.1:8080`; with or without `/v1`),
//! `APTOS_FAUCET_URL` (default `http://127.0.0.1:8081`), `YENPAY_PACKAGE`
//! (default: `deployments/local.json`).
//!
//! It creates a merchant, its terminal and a customer who holds no APT, mints
//! yen to the customer, then: a dynamic-QR code that the terminal signs off
//! chain (no transaction, no APT), paid by the customer in one transaction
//! with the operator as fee payer; a second payment of it, which aborts with
//! its name; a customer-presented payment with a signed authorization; and a
//! partial refund.
use anyhow::{Context, Result, bail};
use aptos_sdk::account::Ed25519Account;
use aptos_sdk::crypto::Ed25519PrivateKey;
use aptos_sdk::types::AccountAddress;
use aptos_sdk::{Aptos, AptosConfig};
use yenpay_client::abort::{InvoiceAbort, KnownAbort};
use yenpay_client::address::{from_sdk, signing_key};
use yenpay_client::client::{Sponsored, Submitted, YenPay};
use yenpay_client::events::YenpayEvent;
use yenpay_client::invoice::InvoiceEvent;
use yenpay_deploy::deployment::{Deployment, Network};
use yenpay_types::authorization::TransferAuthorization;
use yenpay_types::fee;
use yenpay_types::limits::{FeeBps, Mcc, MerchantName, OrderRef, Ttl};

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

fn admin_key() -> Result<Ed25519PrivateKey> {
    let path = std::env::var("YENPAY_DEPLOYER_KEY_FILE").context(
        "set YENPAY_DEPLOYER_KEY_FILE to a file with the deployer's Ed25519 private key",
    )?;
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    let text = text.trim();
    let key = if text.starts_with("ed25519-priv-") {
        Ed25519PrivateKey::from_aip80(text)
    } else {
        Ed25519PrivateKey::from_hex(text)
    };
    // The key itself is never printed.
    key.map_err(|_| anyhow::anyhow!("{path} does not hold an Ed25519 private key"))
}

fn package() -> Result<AccountAddress> {
    if let Ok(text) = std::env::var("YENPAY_PACKAGE") {
        return AccountAddress::from_hex(&text).context("YENPAY_PACKAGE is not an address");
    }
    let deployment = Deployment::load_for(".".as_ref(), Network::Local).context(
        "no YENPAY_PACKAGE and no deployments/local.json: run `cargo xtask deploy --network local`",
    )?;
    Ok(deployment.package_address)
}

fn show(step: &str, submitted: &Submitted) {
    println!(
        "{step}: {} (version {}, {} gas units)",
        submitted.hash, submitted.version, submitted.gas_used
    );
    for event in submitted.yenpay_events() {
        println!("    {event:?}");
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    // The node's base URL, as the rest of the project takes it, or its `/v1`.
    let node = env_or("APTOS_NODE_URL", "http://127.0.0.1:8080");
    let node = match node.trim_end_matches('/') {
        base if base.ends_with("/v1") => base.to_owned(),
        base => format!("{base}/v1"),
    };
    let config = AptosConfig::custom(&node)?
        .with_faucet_url(&env_or("APTOS_FAUCET_URL", "http://127.0.0.1:8081"))?;
    let client = YenPay::new(Aptos::new(config)?, package()?);
    let admin = Ed25519Account::from_private_key(admin_key()?);
    let chain_id = client.aptos().ensure_chain_id().await?.id();
    println!("package {} on chain {chain_id}", client.package());

    // The cast: the merchant's owner (also its payout account) and terminal pay
    // their own gas; the customer holds yen only.
    let owner = Ed25519Account::generate();
    let terminal = Ed25519Account::generate();
    let customer = Ed25519Account::generate();
    for account in [&owner, &terminal] {
        yenpay_deploy::faucet::fund(client.aptos(), account.address(), 100_000_000).await?;
    }

    let coin = client.stablecoin();
    let issuance = client.issuance();
    let registry = client.merchant_registry();
    let invoices = client.invoice();

    show(
        "allow the admin to mint",
        &issuance
            .configure_minter(&admin, admin.address(), 1_000_000)
            .await?,
    );
    show(
        "mint 10,000 yen to the customer",
        &issuance.mint(&admin, customer.address(), 10_000).await?,
    );
    let fee_bps = FeeBps::new(250)?;
    show(
        "register the merchant",
        &registry
            .register_merchant(
                &admin,
                owner.address(),
                &MerchantName::new("ラーメン一番 渋谷店")?,
                &Mcc::new("5812")?,
                owner.address(),
                fee_bps,
            )
            .await?,
    );
    show(
        "add its terminal",
        &registry.add_terminal(&owner, terminal.address()).await?,
    );

    // Merchant-presented (dynamic) QR: the terminal signs the code off chain;
    // the customer's wallet checks it and pays it, the operator paying the gas.
    let first = OrderRef::new(format!("INV-{}", unix_now()))?;
    let code = invoices
        .offer(
            owner.address(),
            terminal.address(),
            &first,
            1_500,
            unix_now() + 300,
        )
        .await?
        .sign(
            from_sdk(client.package()),
            &signing_key(terminal.private_key()),
        )?;
    println!("terminal signs the code for {first} off chain: no transaction");
    code.check(from_sdk(client.package()), chain_id, unix_now())?;
    let quote = invoices.quote(owner.address(), 1_500).await?;
    if quote != fee::split(1_500, fee_bps) {
        bail!("the chain's quote {quote:?} differs from the client's fee math");
    }
    let paid = invoices
        .pay_offer(&Sponsored::new(&customer, &admin), &code)
        .await?;
    show(
        "customer pays the code (sponsored): the payment's one transaction",
        &paid,
    );
    let settled = paid.yenpay_events().find_map(|event| match event {
        YenpayEvent::Invoice(InvoiceEvent::InvoicePaid(settled)) => Some(settled.clone()),
        _ => None,
    });
    let settled = settled.context("no InvoicePaid event")?;
    println!(
        "    fee {} to the treasury, net {} to the merchant",
        settled.fee, settled.net
    );

    // Paying it again aborts with a named error.
    match invoices
        .pay_offer(&Sponsored::new(&customer, &admin), &code)
        .await
    {
        Err(error)
            if error.known_abort()
                == Some(KnownAbort::Invoice(InvoiceAbort::InvoiceAlreadyPaid)) =>
        {
            println!("paying twice: {error}");
        }
        other => bail!("paying twice should abort with EINVOICE_ALREADY_PAID: {other:?}"),
    }

    // Customer-presented QR: the customer signs, the terminal collects.
    let second = OrderRef::new(format!("INV-{}-B", unix_now()))?;
    invoices
        .create_invoice(
            &terminal,
            owner.address(),
            &second,
            800,
            Ttl::from_secs(300)?,
        )
        .await?;
    // The wallet counts its nonces up from where the chain says it left off,
    // so its authorizations share one storage slot per 256.
    let mut nonces = client
        .authorization()
        .resume_nonces(customer.address(), 0)
        .await?;
    let signed = TransferAuthorization::collection(
        chain_id,
        from_sdk(client.package()),
        from_sdk(customer.address()),
        from_sdk(owner.address()),
        800,
        unix_now() + 120,
        nonces.take().context("the customer has used every nonce")?,
    )
    .sign(
        from_sdk(client.package()),
        &signing_key(customer.private_key()),
    )?;
    signed.check(from_sdk(client.package()), chain_id, unix_now())?;
    show(
        "terminal collects the signed authorization",
        &invoices.collect_signed(&terminal, &second, &signed).await?,
    );

    // A partial refund, signed by the payout account.
    let refund = fee::fee_returned_by(1_500, settled.fee, 0, 500)?;
    show(
        "merchant refunds 500",
        &invoices
            .refund(&owner, owner.address(), &first, 500)
            .await?,
    );
    println!(
        "    {} of it from the treasury, {} from the merchant",
        refund.fee_returned, refund.from_payout
    );

    println!(
        "balances: customer {}, merchant {}, treasury {}",
        coin.balance(customer.address()).await?,
        coin.balance(owner.address()).await?,
        client.fee_treasury().balance().await?
    );
    Ok(())
}

use yenpay_types::time::unix_now;
