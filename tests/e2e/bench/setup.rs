//! Setup, not timed: funding, minting, stores, merchants, the invoices of each round, and the signed calls each phase submits.
use super::*;

/// Accounts, APT, yen, merchants, concurrent stores and invoices.
pub(super) async fn prepare(
    h: &'static Harness,
    config: Config,
    operator: Ed25519Account,
    setup: &mut Setup,
) -> Result<(Arc<Bench>, Concurrency)> {
    let client = h.client.clone().with_options(SubmitOptions {
        max_gas_amount: MAX_GAS,
        gas_unit_price: Some(GAS_UNIT_PRICE),
        expiration: Duration::from_secs(EXPIRATION_SECS),
        ..SubmitOptions::default()
    });
    let funding_client = h.client.clone().with_options(SubmitOptions {
        max_gas_amount: FUNDING_MAX_GAS,
        gas_unit_price: Some(GAS_UNIT_PRICE),
        ..SubmitOptions::default()
    });
    let payers: Vec<_> = (0..config.payers).map(|_| h.unfunded_account()).collect();
    let merchants: Vec<_> = (0..config.merchants)
        .map(|index| {
            Ok(BenchMerchant {
                owner: h.unfunded_account(),
                terminal: h.unfunded_account(),
                payout: h.unfunded_account(),
                fee_bps: FeeBps::new(fee_bps_of(index))?,
            })
        })
        .collect::<Result<_>>()?;
    let minter = h.unfunded_account();
    let bench = Arc::new(Bench {
        config,
        client,
        chain_id: ChainId::new(h.chain_id),
        operator,
        minter,
        payers,
        merchants,
        node_pid: find_node_pid(),
    });
    match &bench.node_pid {
        Some(pid) => println!("bench: the node is process {pid} here: its CPU time is reported"),
        None => println!("bench: no single local node process found: its CPU time is not reported"),
    }

    let mut concurrency = Concurrency {
        balance_flag: feature_enabled(h, CONCURRENT_FUNGIBLE_BALANCE).await?,
        default_flag: feature_enabled(h, DEFAULT_TO_CONCURRENT_FUNGIBLE_BALANCE).await?,
        ..Concurrency::default()
    };
    println!(
        "bench: feature CONCURRENT_FUNGIBLE_BALANCE ({CONCURRENT_FUNGIBLE_BALANCE}) {}, \
         DEFAULT_TO_CONCURRENT_FUNGIBLE_BALANCE ({DEFAULT_TO_CONCURRENT_FUNGIBLE_BALANCE}) {}",
        on_off(concurrency.balance_flag),
        on_off(concurrency.default_flag)
    );

    // APT: what each sender needs for the prologue's check (max gas times
    // price) and its own gas, with room.
    let reserve = 2 * MAX_GAS * GAS_UNIT_PRICE;
    let transfers_per_payer = (config.rounds * config.transfers).div_ceil(config.payers) as u64 + 1;
    // A payment writes its invoice's record: a new slot, whose deposit the
    // purge later returns to the operator, not to the payer.
    let payments_per_payer = (config.rounds * config.payments).div_ceil(config.payers) as u64;
    let payer_apt = reserve
        + GAS_PER_NEW_SLOT_TX * GAS_UNIT_PRICE
        + transfers_per_payer * GAS_PER_SMALL_TX * GAS_UNIT_PRICE
        + payments_per_payer * GAS_PER_NEW_SLOT_TX * GAS_UNIT_PRICE;
    // Each owner adds one terminal; terminals sign codes off chain and hold nothing.
    let owner_apt = reserve + GAS_PER_NEW_SLOT_TX * GAS_UNIT_PRICE;
    let minter_apt =
        reserve + (config.payers + config.merchants) as u64 * GAS_PER_NEW_SLOT_TX * GAS_UNIT_PRICE;
    let mut recipients: Vec<(AccountAddress, u64)> = Vec::new();
    recipients.extend(bench.payers.iter().map(|p| (p.address(), payer_apt)));
    recipients.extend(
        bench
            .merchants
            .iter()
            .map(|m| (m.owner.address(), owner_apt)),
    );
    recipients.push((bench.minter.address(), minter_apt));
    // The operator pays the gas of every sponsored transaction.
    let sponsored = |txs: usize| (config.rounds * txs) as u64 * config.sponsored_percent / 100;
    let sponsored_small = sponsored(config.transfers) + (config.merchants + config.payers) as u64;
    // A sponsored payment's fee payer pays its invoice record's deposit too.
    let sponsored_payments = sponsored(config.payments);
    // The purge's prologue wants its whole gas limit in APT; the deposits it
    // frees come back to the operator afterwards.
    let purges = (config.rounds * config.payments).div_ceil(config.purge_batch.max(1)) as u64;
    let operator_apt = 2 * PURGE_MAX_GAS * GAS_UNIT_PRICE
        + purges * PURGE_MAX_GAS / 4 * GAS_UNIT_PRICE
        + sponsored_small * GAS_PER_SMALL_TX * GAS_UNIT_PRICE
        + sponsored_payments * GAS_PER_NEW_SLOT_TX * GAS_UNIT_PRICE
        + 2 * config.merchants as u64 * GAS_PER_NEW_SLOT_TX * GAS_UNIT_PRICE;
    recipients.push((bench.operator.address(), operator_apt));
    let batches: Vec<Vec<(AccountAddress, u64)>> = recipients
        .chunks(FUNDING_BATCH)
        .map(<[_]>::to_vec)
        .collect();
    let funder = h.unfunded_account();
    let funder_apt = recipients.iter().map(|(_, apt)| apt).sum::<u64>()
        + (batches.len() as u64 + 2) * FUNDING_MAX_GAS * GAS_UNIT_PRICE;

    setup
        .step("faucet: APT for the funder", async {
            // Asked again when the faucet's transaction does not commit in time.
            yenpay_deploy::faucet::fund(h.client.aptos(), funder.address(), funder_apt)
                .await
                .context("funding the funder from the faucet")
        })
        .await?;

    let what = format!(
        "APT for {} payers, {} merchant owners, the minter and the operator in {} \
         batch_transfer(s)",
        config.payers,
        config.merchants,
        batches.len()
    );
    let funder = Arc::new(funder);
    let batches = Arc::new(batches);
    setup
        .step(&what, {
            let funder = Arc::clone(&funder);
            let batches = Arc::clone(&batches);
            each("batch_transfer", batches.len(), 4, move |index| {
                let funder = Arc::clone(&funder);
                let batches = Arc::clone(&batches);
                let client = funding_client.clone();
                async move {
                    let call = batch_transfer(&batches[index])?;
                    client
                        .submit_entry(&*funder, call)
                        .await
                        .committed(&format!("batch_transfer {index}"))
                        .await?;
                    Ok(())
                }
            })
        })
        .await?;

    // Where the chain has DEFAULT_ACCOUNT_RESOURCE, an account's first own
    // transaction creates its `Account` resource (a new slot: about 5,000
    // gas units). Done here, so that neither timed phase pays for it.
    setup
        .step(
            &format!(
                "each of {} payers sends its first transaction (1 octa to itself)",
                config.payers
            ),
            each("first transaction", config.payers, SETUP_CONCURRENCY, {
                let bench = Arc::clone(&bench);
                move |index| {
                    let bench = Arc::clone(&bench);
                    async move {
                        let payer = &bench.payers[index];
                        bench
                            .client
                            .submit_entry(payer, EntryFunction::apt_transfer(payer.address(), 1)?)
                            .await
                            .committed(&format!("payer {index}'s first transaction"))
                            .await?;
                        Ok(())
                    }
                }
            }),
        )
        .await?;

    let yen_of_payer = payer_yen(&config);
    let total_mint: u64 =
        yen_of_payer.iter().sum::<u64>() + PAYOUT_SEED_YEN * config.merchants as u64;
    setup
        .step("configure the minter", async {
            h.client
                .issuance()
                .configure_minter(&bench.operator, bench.minter.address(), total_mint)
                .await
                .committed("configure the benchmark's minter")
                .await?;
            Ok(())
        })
        .await?;
    let yen_of_payer = Arc::new(yen_of_payer);
    let mints = config.payers + config.merchants;
    setup
        .step(
            &format!(
                "mint yen to {} payers and {PAYOUT_SEED_YEN} yen to each of {} payout accounts \
                 (creates their stores)",
                config.payers, config.merchants
            ),
            each("mint", mints, SETUP_CONCURRENCY, {
                let bench = Arc::clone(&bench);
                move |index| {
                    let bench = Arc::clone(&bench);
                    let yen_of_payer = Arc::clone(&yen_of_payer);
                    async move {
                        let (to, amount) = match index.checked_sub(bench.config.payers) {
                            None => (bench.payers[index].address(), yen_of_payer[index]),
                            Some(m) => (bench.merchants[m].payout.address(), PAYOUT_SEED_YEN),
                        };
                        bench
                            .client
                            .issuance()
                            .mint(&bench.minter, to, amount)
                            .await
                            .committed(&format!("mint {amount} yen to {to}"))
                            .await?;
                        Ok(())
                    }
                }
            }),
        )
        .await?;

    // Payout stores: concurrent where the chain allows it. Where new stores
    // are concurrent by default there is nothing to do; where the feature is
    // off the framework aborts the upgrade, so it is not asked.
    if concurrency.balance_flag && !concurrency.default_flag && !config.plain_stores {
        concurrency.upgraded_here = true;
        setup
            .step(
                &format!(
                    "{} payout accounts call 0x1::fungible_asset::upgrade_store_to_concurrent \
                     on their primary store (sponsored)",
                    config.merchants
                ),
                each(
                    "upgrade_store_to_concurrent",
                    config.merchants,
                    SETUP_CONCURRENCY,
                    {
                        let bench = Arc::clone(&bench);
                        move |index| {
                            let bench = Arc::clone(&bench);
                            async move {
                                let payout = &bench.merchants[index].payout;
                                let store =
                                    primary_store_address(bench.client.package(), payout.address());
                                bench
                                    .client
                                    .submit_entry(
                                        &Sponsored::new(payout, &bench.operator),
                                        upgrade_store_to_concurrent(store)?,
                                    )
                                    .await
                                    .committed(&format!("payout {index} upgrades its store"))
                                    .await?;
                                Ok(())
                            }
                        }
                    },
                ),
            )
            .await?;
    }
    // The fee payer's APT store is written by every sponsored transaction.
    let sponsor_store = apt_primary_store(h, bench.operator.address()).await?;
    if let Some(store) = sponsor_store
        && concurrency.balance_flag
        && !config.plain_stores
        && !is_concurrent(h, store).await?
    {
        setup
            .step(
                "the operator makes its APT store (it pays every sponsored transaction's gas) \
                 a concurrent-balance store",
                async {
                    bench
                        .client
                        .submit_entry(&bench.operator, upgrade_store_to_concurrent(store)?)
                        .await
                        .committed("the operator upgrades its APT store")
                        .await?;
                    Ok(())
                },
            )
            .await?;
    }

    setup
        .step(
            &format!("register {} merchants", config.merchants),
            each("register_merchant", config.merchants, SETUP_CONCURRENCY, {
                let bench = Arc::clone(&bench);
                move |index| {
                    let bench = Arc::clone(&bench);
                    async move {
                        let merchant = &bench.merchants[index];
                        let name = MerchantName::new(format!("Bench shop {index:04}"))?;
                        bench
                            .client
                            .merchant_registry()
                            .register_merchant(
                                &bench.operator,
                                merchant.owner.address(),
                                &name,
                                &Mcc::new("5411")?,
                                merchant.payout.address(),
                                merchant.fee_bps,
                            )
                            .await
                            .committed(&format!("register merchant {index}"))
                            .await?;
                        Ok(())
                    }
                }
            }),
        )
        .await?;

    setup
        .step(
            &format!("add a terminal to each of {} merchants", config.merchants),
            each("add_terminal", config.merchants, SETUP_CONCURRENCY, {
                let bench = Arc::clone(&bench);
                move |index| {
                    let bench = Arc::clone(&bench);
                    async move {
                        let merchant = &bench.merchants[index];
                        bench
                            .client
                            .merchant_registry()
                            .add_terminal(&merchant.owner, merchant.terminal.address())
                            .await
                            .committed(&format!("add terminal of merchant {index}"))
                            .await?;
                        Ok(())
                    }
                }
            }),
        )
        .await?;

    if config.purge_batch > 0 {
        // The shortest refund window, so that the housekeeping purge of the
        // benchmark's invoices can run right after their codes expire.
        let window = RefundWindow::from_secs(MIN_REFUND_WINDOW_SECS)?;
        setup
            .step(
                &format!("set the refund window to {MIN_REFUND_WINDOW_SECS} s"),
                async {
                    bench
                        .client
                        .invoice()
                        .set_refund_window(&bench.operator, window)
                        .await
                        .committed("set the refund window")
                        .await
                },
            )
            .await?;
    }

    // What the payments will meet.
    concurrency.payout_stores = config.merchants;
    for merchant in &bench.merchants {
        let store = primary_store_address(h.package(), merchant.payout.address());
        if is_concurrent(h, store).await? {
            concurrency.payout_stores_concurrent += 1;
        }
    }
    concurrency.treasury_concurrent =
        is_concurrent(h, primary_store_address(h.package(), h.treasury)).await?;
    concurrency.sponsor_store_concurrent = match sponsor_store {
        Some(store) => Some(is_concurrent(h, store).await?),
        None => None,
    };
    Ok((bench, concurrency))
}

/// Yen each payer needs: everything it sends in every round and the warm-up,
/// and [`LEFT_OVER`].
pub(super) fn payer_yen(config: &Config) -> Vec<u64> {
    let rounds = config.rounds as u64;
    let mut yen = vec![LEFT_OVER + WARM_UP_YEN; config.payers];
    for index in 0..config.transfers {
        yen[config.payer_of(index)] += rounds * transfer_amount(index);
    }
    for index in 0..config.payments {
        yen[config.payer_of(index)] += rounds * payment_amount(index);
    }
    yen
}

pub(super) fn transfer_calls(h: &Harness, bench: &Bench) -> Result<Vec<Planned>> {
    let calls = h.client.stablecoin().calls();
    (0..bench.config.transfers)
        .map(|index| {
            let payout = bench.merchants[bench.config.merchant_of(index)]
                .payout
                .address();
            Ok(Planned {
                sender: Sender::Payer(bench.config.payer_of(index)),
                sponsored: bench.config.sponsored(index),
                max_gas: MAX_GAS,
                call: calls.transfer(payout, transfer_amount(index))?,
            })
        })
        .collect()
}

/// One small transfer per payer, to the payout account of merchant `payer % merchants`.
pub(super) fn warm_up_calls(h: &Harness, bench: &Bench) -> Result<Vec<Planned>> {
    let calls = h.client.stablecoin().calls();
    (0..bench.config.payers)
        .map(|payer| {
            let payout = bench.merchants[bench.config.merchant_of(payer)]
                .payout
                .address();
            Ok(Planned {
                sender: Sender::Payer(payer),
                sponsored: bench.config.sponsored(payer),
                max_gas: MAX_GAS,
                call: calls.transfer(payout, WARM_UP_YEN)?,
            })
        })
        .collect()
}

/// The round's payments: each payer's `pay_signed_invoice` of a code its
/// merchant's terminal signed just now, off chain (what the gateway does when
/// a POS asks for a code: no transaction), payable for [`CODE_TTL_SECS`].
/// Also the invoices they create, for the purge.
pub(super) async fn payment_calls(
    h: &Harness,
    bench: &Bench,
    round: usize,
) -> Result<(Vec<Planned>, Vec<Paid>)> {
    let invoices = bench.client.invoice();
    let calls = invoices.calls();
    let config = &bench.config;
    let expires_at = h.chain_now().await? + CODE_TTL_SECS;
    let mut planned = Vec::with_capacity(config.payments);
    let mut paid = Vec::with_capacity(config.payments);
    for index in 0..config.payments {
        let merchant = &bench.merchants[config.merchant_of(index)];
        let order = order(config.invoice_of(round, index))?;
        let offer = invoices
            .offer(
                merchant.owner.address(),
                merchant.terminal.address(),
                &order,
                payment_amount(index),
                expires_at,
            )
            .await?;
        let signed = offer.sign(
            from_sdk(bench.client.package()),
            &signing_key(merchant.terminal.private_key()),
        )?;
        planned.push(Planned {
            sender: Sender::Payer(config.payer_of(index)),
            sponsored: config.sponsored(index),
            max_gas: MAX_GAS,
            call: calls.pay_offer(&signed)?,
        });
        paid.push(Paid {
            merchant: merchant.owner.address(),
            order,
            expires_at,
        });
    }
    Ok((planned, paid))
}

/// The housekeeping purge of every invoice the payments created, in batches
/// of `purge_batch`, each signed by the operator (who gets the deposits back).
pub(super) fn purge_calls(bench: &Bench, paid: &[Paid]) -> Result<Vec<Planned>> {
    let calls = bench.client.invoice().calls();
    paid.chunks(bench.config.purge_batch)
        .map(|batch| {
            let merchants: Vec<AccountAddress> = batch.iter().map(|p| p.merchant).collect();
            let orders: Vec<OrderRef> = batch.iter().map(|p| p.order.clone()).collect();
            Ok(Planned {
                sender: Sender::Operator,
                sponsored: false,
                max_gas: PURGE_MAX_GAS,
                call: calls.purge_invoices(&merchants, &orders)?,
            })
        })
        .collect()
}

/// Every payer's next sequence number on chain.
pub(super) async fn sequence_numbers(h: &'static Harness, bench: &Bench) -> Result<Vec<u64>> {
    let payers: Arc<Vec<AccountAddress>> =
        Arc::new(bench.payers.iter().map(Ed25519Account::address).collect());
    run_each(
        "sequence numbers",
        payers.len(),
        SETUP_CONCURRENCY,
        false,
        move |index| {
            let payer = payers[index];
            async move {
                h.client
                    .aptos()
                    .get_sequence_number(payer)
                    .await
                    .with_context(|| format!("sequence number of {payer}"))
            }
        },
    )
    .await
}

/// `0x1::aptos_account::batch_transfer(recipients, amounts)`.
pub(super) fn batch_transfer(batch: &[(AccountAddress, u64)]) -> Result<EntryFunction> {
    let (recipients, amounts): (Vec<AccountAddress>, Vec<u64>) = batch.iter().copied().unzip();
    Ok(EntryFunction::new(
        MoveModuleId::from_str_strict("0x1::aptos_account")?,
        "batch_transfer",
        Vec::new(),
        vec![
            aptos_bcs::to_bytes(&recipients).context("BCS of the recipients")?,
            aptos_bcs::to_bytes(&amounts).context("BCS of the amounts")?,
        ],
    ))
}

/// `0x1::fungible_asset::upgrade_store_to_concurrent<FungibleStore>(owner, store)`.
pub(super) fn upgrade_store_to_concurrent(store: AccountAddress) -> Result<EntryFunction> {
    Ok(EntryFunction::new(
        MoveModuleId::from_str_strict("0x1::fungible_asset")?,
        "upgrade_store_to_concurrent",
        vec![TypeTag::from_str_strict(
            "0x1::fungible_asset::FungibleStore",
        )?],
        // An `Object<T>` argument is its address in BCS.
        vec![aptos_bcs::to_bytes(&store).context("BCS of the store")?],
    ))
}
