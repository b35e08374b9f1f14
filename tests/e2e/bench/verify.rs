//! After the rounds: every transaction committed as planned and every balance adds up.
use super::*;

/// Every payment's event, every payer, payout, the treasury and the supply.
pub(super) async fn verify(
    h: &'static Harness,
    bench: &Bench,
    warm_up: &Phase,
    rounds: &[Round],
    treasury_before: u64,
    supply_before: u128,
) -> Result<Checks> {
    let config = &bench.config;
    let mut mismatches = Vec::new();
    let mut done = Vec::new();
    let mut payer_sent = vec![0u64; config.payers];
    let mut payout_got = vec![PAYOUT_SEED_YEN; config.merchants];
    let mut fees = 0u64;
    for (payer, seen) in warm_up.seen.iter().enumerate() {
        if let Some(Seen { outcome: Ok(_), .. }) = seen {
            payer_sent[payer] += WARM_UP_YEN;
            payout_got[config.merchant_of(payer)] += WARM_UP_YEN;
        }
    }
    let mut events_ok = 0;
    let mut payments_total = 0;
    for (round_index, round) in rounds.iter().enumerate() {
        for (index, seen) in round.transfers.seen.iter().enumerate() {
            if let Some(Seen { outcome: Ok(_), .. }) = seen {
                payer_sent[config.payer_of(index)] += transfer_amount(index);
                payout_got[config.merchant_of(index)] += transfer_amount(index);
            }
        }
        payments_total += round.payments.total();
        for (index, seen) in round.payments.seen.iter().enumerate() {
            let Some(Seen {
                outcome: Ok(submitted),
                ..
            }) = seen
            else {
                continue;
            };
            let merchant_index = config.merchant_of(index);
            let merchant = &bench.merchants[merchant_index];
            let payer = bench.payers[config.payer_of(index)].address();
            let amount = payment_amount(index);
            let split = fee::split(amount, merchant.fee_bps);
            let paid: Vec<_> = submitted
                .yenpay_events()
                .filter_map(|event| match event {
                    YenpayEvent::Invoice(InvoiceEvent::InvoicePaid(paid)) => Some(paid),
                    _ => None,
                })
                .collect();
            let expected = (
                merchant.owner.address(),
                order(config.invoice_of(round_index, index))?
                    .as_str()
                    .to_owned(),
                payer,
                amount,
                split.fee,
                split.net,
            );
            match paid.as_slice() {
                [event]
                    if (
                        event.merchant,
                        event.order_ref.clone(),
                        event.payer,
                        event.amount,
                        event.fee,
                        event.net,
                    ) == expected =>
                {
                    events_ok += 1;
                }
                other => mismatches.push(format!(
                    "round {} payment #{index} ({}): InvoicePaid events {other:?}, expected one \
                     with (merchant, order, payer, amount, fee, net) = {expected:?}",
                    round_index + 1,
                    submitted.hash
                )),
            }
            payer_sent[config.payer_of(index)] += amount;
            payout_got[merchant_index] += split.net;
            fees += split.fee;
        }
    }
    done.push(format!(
        "{events_ok} of {payments_total} payments emitted exactly one InvoicePaid with the right \
         merchant, order, payer, amount, fee and net"
    ));

    let coin = h.client.stablecoin();
    let yen_of_payer = payer_yen(config);
    let payer_balances = balances(
        h,
        bench.payers.iter().map(Ed25519Account::address).collect(),
    )
    .await?;
    let mut payers_ok = 0;
    for (index, balance) in payer_balances.into_iter().enumerate() {
        let expected = yen_of_payer[index] - payer_sent[index];
        if balance == expected {
            payers_ok += 1;
        } else {
            mismatches.push(format!("payer {index}: {balance} yen, expected {expected}"));
        }
    }
    done.push(format!(
        "{payers_ok} of {} payers hold what they were minted less what they sent",
        config.payers
    ));
    let payout_balances = balances(
        h,
        bench.merchants.iter().map(|m| m.payout.address()).collect(),
    )
    .await?;
    let mut payouts_ok = 0;
    for (index, balance) in payout_balances.into_iter().enumerate() {
        if balance == payout_got[index] {
            payouts_ok += 1;
        } else {
            mismatches.push(format!(
                "payout of merchant {index}: {balance} yen, expected {}",
                payout_got[index]
            ));
        }
    }
    done.push(format!(
        "{payouts_ok} of {} payout accounts hold the transfers plus the nets of their payments",
        config.merchants
    ));
    let treasury = h.client.fee_treasury().balance().await?;
    if treasury == treasury_before + fees {
        done.push(format!("the treasury grew by the {fees} yen of fees"));
    } else {
        mismatches.push(format!(
            "treasury: {treasury} yen, expected {treasury_before} + {fees} fees"
        ));
    }
    let supply = coin.total_supply().await?;
    if supply == supply_before {
        done.push("the total supply did not move while yen changed hands".to_owned());
    } else {
        mismatches.push(format!(
            "total supply: {supply}, expected {supply_before} (nothing minted or burnt)"
        ));
    }
    let sent: u64 = payer_sent.iter().sum();
    let received: u64 =
        payout_got.iter().sum::<u64>() - PAYOUT_SEED_YEN * config.merchants as u64 + fees;
    if sent == received {
        done.push(format!(
            "sum check: {sent} yen sent = payouts' takings + fees"
        ));
    } else {
        mismatches.push(format!("sum check: {sent} yen sent, {received} received"));
    }
    Ok(Checks { done, mismatches })
}

/// Yen balances of `owners`, in order.
pub(super) async fn balances(h: &'static Harness, owners: Vec<AccountAddress>) -> Result<Vec<u64>> {
    let owners = Arc::new(owners);
    run_each(
        "yen balances",
        owners.len(),
        SETUP_CONCURRENCY,
        false,
        move |index| {
            let owner = owners[index];
            async move {
                h.client
                    .stablecoin()
                    .balance(owner)
                    .await
                    .with_context(|| format!("yen balance of {owner}"))
            }
        },
    )
    .await
}
