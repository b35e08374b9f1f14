//! The report (target/bench-chain.md): figures per round, pooled and median, and the verdict against the target.
use super::*;

pub(super) fn on_off(flag: bool) -> &'static str {
    if flag { "on" } else { "off" }
}

pub(super) fn secs(duration: Duration) -> String {
    format!("{:.2} s", duration.as_secs_f64())
}

/// target/bench-chain.md, beside the suite's target/e2e-report.md.
pub(super) fn report_path() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(tmp).join("bench-chain.md")
}

/// `payments / transfers`, with the verdict against the target.
pub(super) fn verdict(payments: Option<f64>, transfers: Option<f64>) -> String {
    match (payments, transfers) {
        (Some(payments), Some(transfers)) if transfers > 0.0 => {
            let ratio = payments / transfers;
            format!(
                "**{ratio:.2}** ({} the {TARGET_RATIO} target)",
                if ratio >= TARGET_RATIO {
                    "meets"
                } else {
                    "misses"
                }
            )
        }
        _ => "n/a".to_owned(),
    }
}

pub(super) fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    match sorted.len() {
        0 => None,
        n if n % 2 == 1 => Some(sorted[middle]),
        _ => Some((sorted[middle - 1] + sorted[middle]) / 2.0),
    }
}

pub(super) fn tps(rate: Option<f64>) -> String {
    rate.map_or_else(|| "n/a".to_owned(), |rate| format!("{rate:.1}"))
}

/// Every timed phase of the run.
pub(super) struct Timed<'a> {
    pub rounds: &'a [Round],
    /// The purge after the rounds, unless left out.
    pub purge: Option<&'a Phase>,
}

pub(super) fn render(
    h: &Harness,
    config: &Config,
    concurrency: &Concurrency,
    setup: &Setup,
    setup_total: Duration,
    timed: Timed,
    checks: &Checks,
) -> String {
    let Timed { rounds, purge } = timed;
    let mut out = String::new();
    let now = OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_else(|_| "unknown time".to_owned());
    let node = std::env::var("APTOS_NODE_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let transfers = Pooled(rounds.iter().map(|r| &r.transfers).collect());
    let payments = Pooled(rounds.iter().map(|r| &r.payments).collect());
    let _ = writeln!(
        out,
        "# Throughput: plain hooked transfers against whole dynamic-QR payments\n"
    );
    let _ = writeln!(
        out,
        "Written by `cargo xtask bench-chain` on {now}: node {node} (chain id {}), package {}, \
         on a machine with {cores} CPU cores shared by the node and this client.\n",
        h.chain_id,
        h.package()
    );
    let _ = writeln!(
        out,
        "Run: {} round(s), each of {} transfers and {} payments, over {} merchants and {} \
         payers, {}% sponsored by the operator as fee payer, at most {} submissions in flight; \
         the order alternates from round to round. Every payer had sent a transaction before \
         (its account resource exists) and every store existed, so the phases measure the \
         steady path. An untimed warm-up burst (one transfer per payer) came first, and the \
         node had {} of quiet before each timed phase. {}\n",
        config.rounds,
        config.transfers,
        config.payments,
        config.merchants,
        config.payers,
        config.sponsored_percent,
        config.in_flight,
        secs(SETTLE),
        if config.meets_issue_floor() {
            "This meets the issue's floor (N >= 2,000 each, 100 merchants, 500 payers, both \
             kinds of fee payer)."
        } else {
            "Below the issue's floor (N >= 2,000 each, 100 merchants, 500 payers, both kinds \
             of fee payer): a trial run."
        }
    );
    if config.plain_stores {
        let _ = writeln!(
            out,
            "**Contrast run (`--plain-stores`): payout stores and the operator's APT store were \
             left plain.**\n"
        );
    }
    let _ = writeln!(out, "## All rounds together\n");
    let _ = writeln!(
        out,
        "| | transfers | payments (`pay_signed_invoice` of a terminal-signed code) |"
    );
    let _ = writeln!(out, "|---|---:|---:|");
    let row = |out: &mut String, label: &str, f: &dyn Fn(&Pooled) -> String| {
        let _ = writeln!(out, "| {label} | {} | {} |", f(&transfers), f(&payments));
    };
    row(&mut out, "transactions (sponsored)", &|p| {
        format!("{} ({})", p.total(), p.sum(|phase| phase.sponsored))
    });
    row(
        &mut out,
        "succeeded / failed / refused / not committed",
        &|p| {
            format!(
                "{} / {} / {} / {}",
                p.sum(Phase::succeeded),
                p.sum(|phase| phase.failed().len()),
                p.sum(|phase| phase.rejected.len()),
                p.sum(Phase::not_committed)
            )
        },
    );
    row(&mut out, "mean gas units", &|p| {
        format!("{:.0}", p.mean_gas())
    });
    row(
        &mut out,
        "first submission to last submission answered, summed",
        &|p| secs(p.0.iter().map(|phase| phase.submitting).sum()),
    );
    row(
        &mut out,
        "first submission to last commit seen, summed",
        &|p| secs(p.wall()),
    );
    row(&mut out, "**committed tx/s, client clock**", &|p| {
        format!("**{:.1}**", p.wall_tps())
    });
    row(&mut out, "first to last block timestamp, summed", &|p| {
        secs(p.chain().1)
    });
    row(&mut out, "**committed tx/s, block timestamps**", &|p| {
        format!("**{}**", tps(p.chain_tps()))
    });
    row(&mut out, "node process CPU time per transaction", &|p| {
        p.cpu_per_tx(|phase| phase.node_cpu)
    });
    row(&mut out, "this client's CPU time per transaction", &|p| {
        p.cpu_per_tx(|phase| phase.client_cpu)
    });
    row(
        &mut out,
        "others' user transactions in the same ledger spans",
        &|p| p.sum(|phase| phase.others).to_string(),
    );
    let _ = writeln!(
        out,
        "| **payments/s ÷ transfers/s** (client clock, block timestamps) | {} | {} |",
        verdict(Some(payments.wall_tps()), Some(transfers.wall_tps())),
        verdict(payments.chain_tps(), transfers.chain_tps())
    );
    let _ = writeln!(
        out,
        "\nClient clock: from the first submission to the moment the ledger follower read the \
         last commit, every transaction signed before the clock started. Block timestamps: \
         from the block of the first committed transaction to the block of the last, those in \
         the first block counting as the start. Each rate is the rounds' transactions over \
         their summed times.\n"
    );

    whole_payments(&mut out, &transfers, &payments, purge);

    let _ = writeln!(out, "## Round by round\n");
    let _ = writeln!(
        out,
        "| round | first | transfers/s (client / blocks) | payments/s (client / blocks) | \
         ratio (client / blocks) | blocks (most in one), T / P | load average at start, T / P |"
    );
    let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|");
    let mut few_blocks = Vec::new();
    for (index, round) in rounds.iter().enumerate() {
        let (t, p) = (&round.transfers, &round.payments);
        let ratio = |p: Option<f64>, t: Option<f64>| match (p, t) {
            (Some(p), Some(t)) if t > 0.0 => format!("{:.2}", p / t),
            _ => "n/a".to_owned(),
        };
        let mut blocks = |phase: &Phase| {
            let (blocks, most) = phase.blocks();
            if blocks < MIN_BLOCKS {
                few_blocks.push(format!("round {} {}", index + 1, phase.name));
            }
            format!("{blocks} ({most})")
        };
        let (transfer_blocks, payment_blocks) = (blocks(t), blocks(p));
        let load = |phase: &Phase| {
            phase
                .load
                .0
                .map_or_else(|| "?".to_owned(), |l| format!("{l:.1}"))
        };
        let _ = writeln!(
            out,
            "| {} | {} | {:.1} / {} | {:.1} / {} | {} / {} | {} / {} | {} / {} |",
            index + 1,
            if round.payments_first {
                "payments"
            } else {
                "transfers"
            },
            t.wall_tps(),
            tps(t.chain_tps()),
            p.wall_tps(),
            tps(p.chain_tps()),
            ratio(Some(p.wall_tps()), Some(t.wall_tps())),
            ratio(p.chain_tps(), t.chain_tps()),
            transfer_blocks,
            payment_blocks,
            load(t),
            load(p)
        );
    }
    if !few_blocks.is_empty() {
        let _ = writeln!(
            out,
            "\n**Fewer than {MIN_BLOCKS} blocks in {}: too few for the block-timestamp rate to \
             mean much (a small phase, or a node that stalled and then batched its backlog into \
             a few large blocks); read the client clock there.**",
            few_blocks.join(", ")
        );
    }
    let client_ratios: Vec<f64> = rounds
        .iter()
        .map(|r| r.payments.wall_tps() / r.transfers.wall_tps().max(f64::EPSILON))
        .collect();
    // A phase squeezed into a few blocks has no meaningful block-timestamp rate.
    let block_ratios: Vec<f64> = rounds
        .iter()
        .filter(|r| r.transfers.blocks().0 >= MIN_BLOCKS && r.payments.blocks().0 >= MIN_BLOCKS)
        .filter_map(|r| Some(r.payments.chain_tps()? / r.transfers.chain_tps()?))
        .collect();
    let _ = writeln!(
        out,
        "\nMedian of the rounds' ratios (less sensitive to a round in which the shared machine \
         stalled the node): client clock {}, block timestamps {} (over the {} round(s) with at \
         least {MIN_BLOCKS} blocks in both phases).",
        median(&client_ratios).map_or_else(|| "n/a".to_owned(), |m| format!("**{m:.2}**")),
        median(&block_ratios).map_or_else(|| "n/a".to_owned(), |m| format!("**{m:.2}**")),
        block_ratios.len()
    );
    let _ = writeln!(
        out,
        "\nThe figures depend on how busy the machine was: the load average says so. The \
         ratio of the two kinds, taken over rounds of alternating order, is the figure to \
         compare.\n"
    );

    let _ = writeln!(out, "## Concurrent balances on this node\n");
    let _ = writeln!(
        out,
        "- Feature CONCURRENT_FUNGIBLE_BALANCE ({CONCURRENT_FUNGIBLE_BALANCE}): {}; \
         DEFAULT_TO_CONCURRENT_FUNGIBLE_BALANCE ({DEFAULT_TO_CONCURRENT_FUNGIBLE_BALANCE}): {}.",
        on_off(concurrency.balance_flag),
        on_off(concurrency.default_flag)
    );
    let applies = match (concurrency.balance_flag, concurrency.default_flag) {
        (_, true) => "New stores are created concurrent: the payout stores needed nothing.",
        (true, false) if concurrency.upgraded_here => {
            "Upgrade applies: each payout account called \
             `0x1::fungible_asset::upgrade_store_to_concurrent` on its primary store (sponsored \
             by the operator); the treasury was upgraded by the package at init."
        }
        (true, false) if config.plain_stores => {
            "Upgrade applies, but this run left the payout stores and the operator's APT store \
             plain on purpose (`--plain-stores`), to show what concurrent balances buy; the \
             treasury was upgraded by the package at init and stays concurrent."
        }
        (true, false) => "Upgrade applies, but the setup did not run it.",
        (false, false) => {
            "Neither applies: payout stores and the treasury keep plain balances. Every payment \
             to a merchant writes its payout store and every fee-bearing payment writes the \
             treasury, so Block-STM applies those payments one after another (same result, \
             lower throughput: expect the ratio to fall as fewer merchants share the load)."
        }
    };
    let _ = writeln!(out, "- {applies}");
    let _ = writeln!(
        out,
        "- Payout stores with a concurrent balance: {} of {}; fee treasury: {}; the operator's \
         APT store (it pays the gas of every sponsored transaction): {}.",
        concurrency.payout_stores_concurrent,
        concurrency.payout_stores,
        if concurrency.treasury_concurrent {
            "concurrent"
        } else {
            "plain"
        },
        match concurrency.sponsor_store_concurrent {
            Some(true) => "concurrent",
            Some(false) => "plain",
            None => "not a fungible store",
        }
    );
    let _ = writeln!(
        out,
        "- Block-STM runs at most about as many transactions at once as the node has cores \
         (here {cores}), so a write that serializes costs less here than on a many-core \
         validator; `--plain-stores` and fewer `--merchants` show what contention costs on \
         this node."
    );

    let _ = writeln!(out, "\n## Outcomes\n");
    for line in &checks.done {
        let _ = writeln!(out, "- {line}");
    }
    for (index, round) in rounds.iter().enumerate() {
        for phase in [&round.transfers, &round.payments] {
            if !phase.all_succeeded() {
                let _ = writeln!(
                    out,
                    "- **round {}: {}**",
                    index + 1,
                    phase.failure_story().replace('\n', "\n  ")
                );
            }
        }
    }
    if let Some(purge) = purge.filter(|purge| !purge.all_succeeded()) {
        let _ = writeln!(
            out,
            "- **purge: {}**",
            purge.failure_story().replace('\n', "\n  ")
        );
    }
    for line in checks.mismatches.iter().take(10) {
        let _ = writeln!(out, "- **mismatch:** {line}");
    }
    if checks.mismatches.len() > 10 {
        let _ = writeln!(
            out,
            "- ... and {} more mismatches",
            checks.mismatches.len() - 10
        );
    }

    let _ = writeln!(out, "\n## Setup (not timed): {}\n", secs(setup_total));
    let _ = writeln!(out, "| step | took |");
    let _ = writeln!(out, "|---|---:|");
    for (step, took) in &setup.steps {
        let _ = writeln!(out, "| {step} | {} |", secs(*took));
    }
    out
}

/// A payment counted whole: its transaction and its share of the purge, the
/// only other transaction its invoice ever needs.
fn whole_payments(out: &mut String, transfers: &Pooled, payments: &Pooled, purge: Option<&Phase>) {
    let _ = writeln!(
        out,
        "## Whole payments: the payment and its share of the purge\n"
    );
    let Some(purge) = purge else {
        let _ = writeln!(
            out,
            "The purge was left out of this run (`--purge-batch 0`): the rate above counts the \
             payment transaction only.\n"
        );
        return;
    };
    let paid = payments.sum(Phase::succeeded);
    let purged_txs = purge.succeeded();
    let wall = payments.wall() + purge.wall;
    let whole_wall = paid as f64 / wall.as_secs_f64().max(f64::EPSILON);
    let (committed, span) = payments.chain();
    let purge_span = purge
        .chain_span()
        .map_or(Duration::ZERO, |(first, last, _)| {
            Duration::from_micros(last - first)
        });
    let whole_chain =
        (!span.is_zero()).then(|| committed as f64 / (span + purge_span).as_secs_f64());
    let _ = writeln!(out, "| | figure |");
    let _ = writeln!(out, "|---|---:|");
    let _ = writeln!(
        out,
        "| purge transactions (succeeded / all) for {paid} invoices | {purged_txs} / {} |",
        purge.total()
    );
    let _ = writeln!(
        out,
        "| invoices per purge transaction | {:.0} |",
        paid as f64 / purge.total().max(1) as f64
    );
    let _ = writeln!(
        out,
        "| purge gas units per transaction, per invoice | {:.0}, {:.1} |",
        purge.mean_gas(),
        purge.mean_gas() * purge.total() as f64 / paid.max(1) as f64
    );
    let _ = writeln!(
        out,
        "| purge: first submission to last commit seen | {} |",
        secs(purge.wall)
    );
    let _ = writeln!(
        out,
        "| **whole payments/s, client clock** (payments over payment and purge time) | \
         **{whole_wall:.1}** |"
    );
    let _ = writeln!(
        out,
        "| **whole payments/s, block timestamps** | **{}** |",
        tps(whole_chain)
    );
    let _ = writeln!(
        out,
        "| **whole payments/s ÷ transfers/s** (client clock, block timestamps) | {}, {} |",
        verdict(Some(whole_wall), Some(transfers.wall_tps())),
        verdict(whole_chain, transfers.chain_tps())
    );
    let _ = writeln!(
        out,
        "\nA payment's code is signed off chain by its merchant's terminal (no transaction); \
         the customer's `pay_signed_invoice` is the payment's one transaction, and the \
         operator's batched `purge_invoices`, once the code has expired and the refund window \
         has passed, is the only other (it frees the invoice's record and returns its deposit \
         to the operator). Both are timed; the whole-payment rate charges each payment its \
         share of the purge's time.\n"
    );
}
