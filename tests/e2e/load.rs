//! Case 12: 50 customers pay 5 merchants at once; every payment succeeds and
//! every balance and the treasury add up. Its throughput goes in the report.
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, ensure};
use tokio::task::JoinSet;
use yenpay_client::invoice::InvoiceStatus;
use yenpay_types::fee;
use yenpay_types::limits::OrderRef;

use crate::check_eq;
use crate::harness::{Harness, Outcome};
use crate::payments::{create_invoice, paid_event};
use crate::report::Load;

const CUSTOMERS: usize = 50;
const MERCHANTS: usize = 5;
/// Yen each customer keeps after paying.
const LEFT_OVER: u64 = 100;

fn amount(customer: usize) -> u64 {
    1_000 + 37 * customer as u64
}

fn order(customer: usize) -> Result<OrderRef> {
    Ok(OrderRef::new(format!("LOAD-{customer:02}"))?)
}

pub async fn load(h: &'static Harness) -> Result<()> {
    // Exact treasury figures: no other payment may run meanwhile.
    let _exclusive = h.exclusive().await;
    let coin = h.client.stablecoin();
    let mut merchants = Vec::with_capacity(MERCHANTS);
    for index in 0..MERCHANTS {
        merchants.push(Arc::new(h.merchant(100 + 50 * index as u64, false).await?));
    }
    let customers = h.funded_accounts(CUSTOMERS).await?;
    let total: u64 = (0..CUSTOMERS).map(|i| amount(i) + LEFT_OVER).sum();
    let minter = Arc::new(h.minter(total).await?);

    // Yen for every customer and an invoice for each, submitted concurrently.
    let mut setup = JoinSet::new();
    for (index, customer) in customers.iter().enumerate() {
        let minter = Arc::clone(&minter);
        let customer = customer.address();
        setup.spawn(async move {
            h.mint(&minter, customer, amount(index) + LEFT_OVER).await?;
            anyhow::Ok(())
        });
        let merchant = Arc::clone(&merchants[index % MERCHANTS]);
        setup.spawn(async move {
            create_invoice(h, &merchant, &order(index)?, amount(index), 600).await?;
            anyhow::Ok(())
        });
    }
    while let Some(done) = setup.join_next().await {
        done??;
    }
    let treasury_before = h.client.merchant_registry().treasury_balance().await?;

    // The measured part: every customer pays at once.
    let started_wall = SystemTime::now();
    let started = Instant::now();
    let mut payments = JoinSet::new();
    for (index, customer) in customers.iter().enumerate() {
        let customer = customer.clone();
        let merchant = merchants[index % MERCHANTS].address();
        payments.spawn(async move {
            let paid = h
                .client
                .invoice()
                .pay_invoice(&customer, merchant, &order(index)?, amount(index))
                .await
                .committed(&format!("customer {index} pays"))
                .await?;
            anyhow::Ok((index, paid))
        });
    }
    let mut paid = Vec::with_capacity(CUSTOMERS);
    let mut failures = Vec::new();
    while let Some(done) = payments.join_next().await {
        match done? {
            Ok(payment) => paid.push(payment),
            Err(error) => failures.push(format!("{error:#}")),
        }
    }
    let elapsed = started.elapsed();
    ensure!(
        failures.is_empty(),
        "{} of {CUSTOMERS} payments failed:\n{}",
        failures.len(),
        failures.join("\n")
    );

    // When the chain says the last payment happened, against when the first was sent.
    let last = paid
        .iter()
        .max_by_key(|(_, submitted)| submitted.version)
        .context("no payments")?;
    let last_timestamp = h
        .client
        .aptos()
        .fullnode()
        .get_transaction_by_hash(&last.1.hash)
        .await?
        .into_inner()
        .get("timestamp")
        .and_then(|timestamp| timestamp.as_str())
        .and_then(|timestamp| timestamp.parse::<u64>().ok())
        .context("the last payment has no timestamp")?;
    let started_micros = started_wall
        .duration_since(UNIX_EPOCH)
        .map(|since| since.as_micros() as u64)
        .unwrap_or_default();
    let on_chain = Duration::from_micros(last_timestamp.saturating_sub(started_micros));
    h.report.load(Load {
        payments: paid.len(),
        merchants: MERCHANTS,
        elapsed,
        on_chain,
    });

    // Every payment moved exactly its amount, fee and net.
    let mut fees = 0;
    let mut nets = [0; MERCHANTS];
    for (index, submitted) in &paid {
        let merchant = &merchants[index % MERCHANTS];
        let split = fee::split(amount(*index), merchant.fee_bps);
        let event = paid_event(submitted)?;
        check_eq!(
            (event.payer, event.amount, event.fee, event.net),
            (
                customers[*index].address(),
                amount(*index),
                split.fee,
                split.net
            ),
            "customer {index}'s InvoicePaid event"
        );
        fees += split.fee;
        nets[index % MERCHANTS] += split.net;
    }
    for (index, customer) in customers.iter().enumerate() {
        check_eq!(
            coin.balance(customer.address()).await?,
            LEFT_OVER,
            "customer {index}'s yen"
        );
        let status = h
            .client
            .invoice()
            .invoice_status(merchants[index % MERCHANTS].address(), &order(index)?)
            .await?;
        ensure!(
            matches!(status, InvoiceStatus::Paid { payer, .. } if payer == customer.address()),
            "invoice of customer {index}: {status:?}"
        );
    }
    for (index, merchant) in merchants.iter().enumerate() {
        check_eq!(
            coin.balance(merchant.payout.address()).await?,
            nets[index],
            "merchant {index}'s payout"
        );
    }
    check_eq!(
        h.client.merchant_registry().treasury_balance().await?,
        treasury_before + fees,
        "treasury after {CUSTOMERS} payments"
    );
    check_eq!(
        nets.iter().sum::<u64>() + fees,
        (0..CUSTOMERS).map(amount).sum::<u64>(),
        "nets + fees"
    );
    Ok(())
}
