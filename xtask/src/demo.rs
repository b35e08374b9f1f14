//! `cargo xtask demo`: the README's main job. A node (APTOS_NODE_URL, or a
//! localnet), a fresh deployment, then one complete QR payment told step by
//! step for someone who is not an engineer.
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result, bail, ensure};
use aptos_sdk::account::Ed25519Account;
use aptos_sdk::types::AccountAddress;
use clap::Args;
use yenpay_client::address::{from_sdk, to_sdk};
use yenpay_client::client::{Sponsored, Submitted, YenPay};
use yenpay_client::events::YenpayEvent;
use yenpay_client::invoice::{InvoiceEvent, InvoicePaid, InvoiceRefunded};
use yenpay_qr::mpm::{
    LanguageTemplate, MerchantDetails, MerchantPresented, PaymentRequest, YenpayPayment,
};
use yenpay_types::fee;
use yenpay_types::limits::{FeeBps, Mcc, MerchantName, OrderRef, Ttl};

use crate::deploy::{self, DeployArgs, Network, Target};
use crate::localnet::{self, StartArgs};
use crate::node;

/// Options of `cargo xtask demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Leave the localnet running afterwards (when the demo started it).
    #[arg(long)]
    pub keep: bool,
    /// Do not `git fetch` the AptosFramework dependency while compiling.
    #[arg(long)]
    pub offline: bool,
}

pub fn run(root: &Path, args: &DemoArgs) -> Result<()> {
    // Fail within seconds when nothing real can run: no compiler, or neither
    // a node URL nor the CLI to start one.
    node::preflight()?;
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let node = rt.block_on(node::ensure(root, &StartArgs::default()))?;
    let result = rt.block_on(async {
        let target =
            Target::from_config(Network::Local, node.config()?, Some(node.clone())).await?;
        let deploy_args = DeployArgs {
            network: Network::Local,
            profile: None,
            key_file: None,
            seed: yenpay_deploy::publish::DEFAULT_SEED.to_string(),
            mainnet_i_understand: false,
            offline: args.offline,
        };
        let deployed = deploy::deploy(root, &deploy_args, &target).await?;
        story(&target, &deployed).await
    });
    if node.started_localnet
        && !args.keep
        && let Err(e) = localnet::stop(&localnet::Paths::new(root))
    {
        eprintln!("warning: could not stop the localnet: {e:#}");
    }
    result
}

/// The invoice the demo's shop bills, in yen.
const PRICE: u64 = 1_280;
/// The operator's fee for the shop, in basis points (1.5 %).
const FEE_BPS: u64 = 150;
/// The part of the payment the shop refunds.
const REFUND: u64 = 280;
/// Yen the issuer mints to the customer.
const CUSTOMER_YEN: u64 = 10_000;
/// Octas of test APT for each cast member that pays its own gas.
const GAS_MONEY: u64 = 100_000_000;

/// `¥1,280`
pub fn yen(amount: u64) -> String {
    let digits = amount.to_string();
    let mut out = String::from("¥");
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `0.00123400 APT`
pub fn apt(octas: u64) -> String {
    format!("{}.{:08} APT", octas / 100_000_000, octas % 100_000_000)
}

/// Every transaction of the story, for the closing table.
#[derive(Default)]
struct Ledger {
    rows: Vec<(String, Submitted)>,
}

impl Ledger {
    fn add(&mut self, what: &str, tx: &Submitted) {
        println!(
            "     tx {}  (version {}, {} gas units)",
            tx.hash, tx.version, tx.gas_used
        );
        self.rows.push((what.to_string(), tx.clone()));
    }
}

fn heading(n: u32, title: &str) {
    println!();
    println!("{n}. {title}");
}

struct Balances {
    customer: u64,
    shop: u64,
    treasury: u64,
    operator_apt: u64,
    customer_apt: u64,
}

async fn balances(
    client: &YenPay,
    customer: AccountAddress,
    shop: AccountAddress,
    operator: AccountAddress,
) -> Result<Balances> {
    let coin = client.stablecoin();
    Ok(Balances {
        customer: coin.balance(customer).await.context("customer balance")?,
        shop: coin.balance(shop).await.context("shop balance")?,
        treasury: client
            .fee_treasury()
            .balance()
            .await
            .context("treasury balance")?,
        operator_apt: client.aptos().get_balance(operator).await.unwrap_or(0),
        customer_apt: client.aptos().get_balance(customer).await.unwrap_or(0),
    })
}

fn print_balances(before: &Balances, after: &Balances) {
    let row = |who: &str, b: u64, a: u64| {
        let delta = i128::from(a) - i128::from(b);
        let sign = if delta < 0 { "-" } else { "+" };
        println!(
            "     {who:<26} {:>14} -> {:>14}   ({sign}{})",
            yen(b),
            yen(a),
            yen(u64::try_from(delta.unsigned_abs()).unwrap_or(u64::MAX))
        );
    };
    row("customer", before.customer, after.customer);
    row("Sakura Coffee (payout)", before.shop, after.shop);
    row("operator's fee treasury", before.treasury, after.treasury);
    println!(
        "     {:<26} {:>14} -> {:>14}",
        "customer's APT (gas)",
        apt(before.customer_apt),
        apt(after.customer_apt)
    );
    println!(
        "     {:<26} {:>14} -> {:>14}",
        "operator's APT (gas)",
        apt(before.operator_apt),
        apt(after.operator_apt)
    );
}

fn invoice_paid(tx: &Submitted) -> Option<&InvoicePaid> {
    tx.yenpay_events().find_map(|e| match e {
        YenpayEvent::Invoice(InvoiceEvent::InvoicePaid(paid)) => Some(paid),
        _ => None,
    })
}

fn invoice_refunded(tx: &Submitted) -> Option<&InvoiceRefunded> {
    tx.yenpay_events().find_map(|e| match e {
        YenpayEvent::Invoice(InvoiceEvent::InvoiceRefunded(r)) => Some(r),
        _ => None,
    })
}

/// The payment told step by step. Every number printed is read back from
/// the chain, and each is checked against what the contract promises.
async fn story(target: &Target, deployed: &deploy::Deployed) -> Result<()> {
    let client = target.yenpay(deployed.package)?;
    let deployer = deployed.deployer.account();
    let mut ledger = Ledger::default();
    let rest = target.node.as_ref().map_or("?", |n| n.rest_url.as_str());

    println!();
    println!("================ yenpay: a QR payment in yen, on Aptos ================");
    println!("Node {rest}, chain id {}", target.chain_id);
    println!(
        "The contracts (package YenPay) are published at {} (tx {}, {} gas units),",
        deployed.package, deployed.tx_hash, deployed.gas_used
    );
    println!(
        "an account no key signs for: the publisher {} holds every role, and only the coin's admin can \
         change the code.",
        deployed.deployer.address
    );

    heading(1, "The cast");
    let issuer = Ed25519Account::generate();
    let operator = Ed25519Account::generate();
    let shop = Ed25519Account::generate();
    let register = Ed25519Account::generate();
    let customer = Ed25519Account::generate();
    println!(
        "     issuer    {}  the regulated company that mints the yen coin (YJPY)",
        issuer.address()
    );
    println!(
        "     operator  {}  the payment company: onboards shops, pays customers' network fees",
        operator.address()
    );
    println!(
        "     shop      {}  Sakura Coffee in Shibuya (さくらコーヒー)",
        shop.address()
    );
    println!(
        "     register  {}  the shop's till, which shows the QR code",
        register.address()
    );
    println!(
        "     customer  {}  a phone wallet holding no APT at all",
        customer.address()
    );
    let aptos = client.aptos();
    for (who, account) in [
        ("issuer", &issuer),
        ("operator", &operator),
        ("shop", &shop),
        ("register", &register),
    ] {
        yenpay_deploy::faucet::fund(aptos, account.address(), GAS_MONEY)
            .await
            .with_context(|| format!("funding the {who} from the faucet"))?;
    }
    println!(
        "     The faucet gave the issuer, operator, shop and register {} each for network fees.",
        apt(GAS_MONEY)
    );

    heading(2, "The issuer mints yen");
    println!(
        "     The publisher holds every role at first; it makes the issuer a minter with a ¥1,000,000 allowance."
    );
    let tx = client
        .issuance()
        .configure_minter(&deployer, issuer.address(), 1_000_000)
        .await
        .context("configuring the issuer as minter")?;
    ledger.add("make the issuer a minter", &tx);
    let tx = client
        .issuance()
        .mint(&issuer, customer.address(), CUSTOMER_YEN)
        .await
        .context("minting yen to the customer")?;
    println!(
        "     The issuer mints {} to the customer's wallet (the customer paid the issuer in bank yen).",
        yen(CUSTOMER_YEN)
    );
    ledger.add("mint to the customer", &tx);

    heading(3, "The operator onboards the shop");
    println!(
        "     The operator role moves from the publisher to the operator (propose, then accept)."
    );
    let tx = client
        .merchant_registry()
        .propose_operator(&deployer, operator.address())
        .await
        .context("proposing the operator")?;
    ledger.add("propose the operator", &tx);
    let tx = client
        .merchant_registry()
        .accept_operator(&operator)
        .await
        .context("accepting the operator role")?;
    ledger.add("accept the operator role", &tx);
    println!(
        "     After KYC, the operator registers Sakura Coffee (category 5814, fast food) at a {}.{:02} % fee.",
        FEE_BPS / 100,
        FEE_BPS % 100
    );
    let tx = client
        .merchant_registry()
        .register_merchant(
            &operator,
            shop.address(),
            &MerchantName::new("Sakura Coffee")?,
            &Mcc::new("5814")?,
            shop.address(),
            FeeBps::new(FEE_BPS)?,
        )
        .await
        .context("registering the shop")?;
    ledger.add("register the shop", &tx);
    println!("     The shop adds its register as a terminal that may bill on its behalf.");
    let tx = client
        .merchant_registry()
        .add_terminal(&shop, register.address())
        .await
        .context("adding the register as a terminal")?;
    ledger.add("add the register", &tx);

    heading(4, "The register shows a QR code");
    let order_ref = OrderRef::new("ORDER-0001")?;
    println!(
        "     A latte and a croissant: the register bills invoice {order_ref} for {}, payable for 10 minutes.",
        yen(PRICE)
    );
    let tx = client
        .invoice()
        .create_invoice(
            &register,
            shop.address(),
            &order_ref,
            PRICE,
            Ttl::from_secs(600)?,
        )
        .await
        .context("creating the invoice")?;
    ledger.add("create the invoice", &tx);
    let payment = YenpayPayment {
        chain_id: target.chain_id,
        package: from_sdk(deployed.package),
        merchant: from_sdk(shop.address()),
        request: PaymentRequest::Dynamic {
            order_ref: order_ref.to_string(),
            amount: PRICE,
        },
    };
    let details = MerchantDetails {
        name: "SAKURA COFFEE".into(),
        city: "SHIBUYA-KU".into(),
        category_code: "5814".into(),
        postal_code: Some("1500002".into()),
        language: Some(LanguageTemplate {
            language: "ja".into(),
            merchant_name: "さくらコーヒー".into(),
            merchant_city: Some("渋谷区".into()),
            other: Vec::new(),
        }),
    };
    let jpqr = payment
        .encode(&details)
        .context("encoding the JPQR payload")?;
    println!("     JPQR (EMVCo merchant-presented) payload:");
    println!("     {jpqr}");
    let qr = yenpay_qr::render::terminal(&jpqr).context("drawing the QR code")?;
    println!("{qr}");

    heading(5, "The customer scans and pays");
    let code = MerchantPresented::decode(&jpqr).context("the wallet could not read the code")?;
    let scanned = YenpayPayment::from_merchant_presented(&code)
        .context("the code carries no yenpay payment")?;
    let PaymentRequest::Dynamic {
        order_ref: scanned_ref,
        amount,
    } = &scanned.request
    else {
        bail!("the code is not a dynamic (invoice) code");
    };
    ensure!(
        scanned.chain_id == target.chain_id,
        "the code names chain {}, the wallet is on {}",
        scanned.chain_id,
        target.chain_id
    );
    ensure!(
        scanned.package == from_sdk(deployed.package),
        "the code names another yenpay deployment"
    );
    println!(
        "     The wallet reads: pay {} to {} ({}), order {scanned_ref}, on chain {}.",
        yen(*amount),
        code.merchant_name,
        code.merchant_city,
        scanned.chain_id
    );
    let before = balances(
        &client,
        customer.address(),
        shop.address(),
        operator.address(),
    )
    .await?;
    println!(
        "     The customer approves; the operator pays the network fee (a sponsored transaction)."
    );
    let tx = client
        .invoice()
        .pay_invoice(
            &Sponsored::new(&customer, &operator),
            to_sdk(scanned.merchant),
            &OrderRef::new(scanned_ref.clone())?,
            *amount,
        )
        .await
        .context("the customer's payment")?;
    ledger.add("pay the invoice (sponsored)", &tx);
    let paid = invoice_paid(&tx)
        .context("the payment emitted no InvoicePaid event")?
        .clone();
    let after = balances(
        &client,
        customer.address(),
        shop.address(),
        operator.address(),
    )
    .await?;
    println!("     Balances, before -> after:");
    print_balances(&before, &after);
    println!(
        "     Fee split: {} to the operator ({}.{:02} %), {} to the shop; {} in all, settled in the same transaction.",
        yen(paid.fee),
        FEE_BPS / 100,
        FEE_BPS % 100,
        yen(paid.net),
        yen(paid.amount)
    );
    println!(
        "     Network fee: {} gas units, paid by the operator ({}); the customer paid none.",
        tx.gas_used,
        apt(before.operator_apt.saturating_sub(after.operator_apt))
    );
    ensure!(
        paid.amount == PRICE && paid.fee + paid.net == PRICE,
        "fee + net must equal the price"
    );
    ensure!(
        paid.fee == fee::fee(PRICE, FeeBps::new(FEE_BPS)?),
        "the fee is not floor(amount x bps / 10000)"
    );
    ensure!(
        before.customer - after.customer == PRICE,
        "the customer was not charged exactly the price"
    );
    ensure!(
        after.shop - before.shop == paid.net,
        "the shop did not receive the net amount"
    );
    ensure!(
        after.treasury - before.treasury == paid.fee,
        "the treasury did not receive the fee"
    );
    ensure!(
        after.customer_apt == 0,
        "the customer should still hold no APT"
    );

    heading(6, "A partial refund");
    println!(
        "     The croissant was sold out: the shop refunds {} of the payment.",
        yen(REFUND)
    );
    let tx = client
        .invoice()
        .refund(&shop, shop.address(), &order_ref, REFUND)
        .await
        .context("the refund")?;
    ledger.add("refund part of it", &tx);
    let refunded = invoice_refunded(&tx)
        .context("the refund emitted no InvoiceRefunded event")?
        .clone();
    println!(
        "     Of the {} back to the customer, the operator's treasury returned its fee on that part ({}) and the shop the rest ({}).",
        yen(refunded.amount),
        yen(refunded.fee_returned),
        yen(refunded.amount - refunded.fee_returned)
    );
    let after_refund = balances(
        &client,
        customer.address(),
        shop.address(),
        operator.address(),
    )
    .await?;
    println!("     Balances, after the payment -> after the refund:");
    print_balances(&after, &after_refund);
    ensure!(
        after_refund.customer - after.customer == REFUND,
        "the customer did not get the refund"
    );
    ensure!(
        refunded.fee_returned == fee::fee_returned_by(PRICE, paid.fee, 0, REFUND)?.fee_returned,
        "the fee returned is not the fee's share of the refund"
    );
    ensure!(
        after.treasury - after_refund.treasury == refunded.fee_returned,
        "the treasury did not return its part"
    );

    println!();
    println!("Transactions:");
    let mut table = String::new();
    for (what, tx) in &ledger.rows {
        let _ = writeln!(table, "  {what:<30} {}  {:>6} gas", tx.hash, tx.gas_used);
    }
    print!("{table}");
    println!();
    println!(
        "Done: the customer paid {} by QR with no APT, the shop got {} at once, and {} came back on a refund.",
        yen(PRICE),
        yen(paid.net),
        yen(REFUND)
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yen_and_apt_read_like_money() {
        assert_eq!(yen(0), "¥0");
        assert_eq!(yen(999), "¥999");
        assert_eq!(yen(1_280), "¥1,280");
        assert_eq!(yen(1_000_000), "¥1,000,000");
        assert_eq!(apt(123_400), "0.00123400 APT");
        assert_eq!(apt(250_000_000), "2.50000000 APT");
    }

    #[test]
    fn the_demo_amounts_exercise_a_rounded_fee() {
        // 1,280 x 1.5 % = 19.2: the fee rounds down and the refund's fee
        // share (19 x 280 / 1,280 = 4.15...) too, so the checks in the story
        // are about floors, not exact products.
        assert_eq!(fee::fee(PRICE, FeeBps::new(FEE_BPS).unwrap()), 19);
        let refund = fee::fee_returned_by(PRICE, 19, 0, REFUND).unwrap();
        assert_eq!(refund.fee_returned, 4);
    }
}
