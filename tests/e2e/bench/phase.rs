//! One timed phase: every transaction signed beforehand, submitted with a bounded number in flight, and followed on the ledger until all are committed.
use super::*;

/// One timed phase, announced and summed up on the console.
pub(super) async fn phase(
    h: &'static Harness,
    bench: &Arc<Bench>,
    name: &'static str,
    planned: Vec<Planned>,
) -> Result<Phase> {
    println!(
        "bench: letting the node settle for {} before timing {name}",
        secs(SETTLE)
    );
    tokio::time::sleep(SETTLE).await;
    println!("bench: timed phase: {} {name} ...", planned.len());
    let phase = run_phase(h, bench, name, planned).await?;
    println!("bench: {}", phase.summary());
    Ok(phase)
}

/// Signs every call, submits them with at most `in_flight` submissions
/// outstanding, and follows the ledger until each is committed (or its
/// expiration has passed).
pub(super) async fn run_phase(
    h: &'static Harness,
    bench: &Arc<Bench>,
    name: &'static str,
    planned: Vec<Planned>,
) -> Result<Phase> {
    let n = planned.len();
    // Local sequence numbers, from the chain once all setup has committed.
    let mut next_sequence = sequence_numbers(h, bench).await?;
    // The operator's, read only when it sends (the purge); the harness's
    // client keeps its own count for the deployer, so a later transaction of
    // the deployer through it meets a stale number and is retried by it.
    let mut operator_sequence = if planned
        .iter()
        .any(|plan| matches!(plan.sender, Sender::Operator))
    {
        Some(
            h.client
                .aptos()
                .get_sequence_number(bench.operator.address())
                .await
                .context("the operator's sequence number")?,
        )
    } else {
        None
    };
    let expires_at = unix_now() + EXPIRATION_SECS;
    let mut signed = Vec::with_capacity(n);
    let mut expected = HashMap::with_capacity(n);
    let mut identities = Vec::with_capacity(n);
    let mut sponsored = 0;
    for (index, plan) in planned.into_iter().enumerate() {
        let (payer, sequence) = match plan.sender {
            Sender::Payer(index) => {
                next_sequence[index] += 1;
                (&bench.payers[index], next_sequence[index] - 1)
            }
            Sender::Operator => {
                let next = operator_sequence
                    .as_mut()
                    .context("the operator's sequence number was not read")?;
                *next += 1;
                (&bench.operator, *next - 1)
            }
        };
        let raw = RawTransaction::new(
            payer.address(),
            sequence,
            TransactionPayload::EntryFunction(plan.call),
            plan.max_gas,
            GAS_UNIT_PRICE,
            expires_at,
            bench.chain_id,
        );
        let transaction = if plan.sponsored {
            sponsored += 1;
            Sponsored::new(payer, &bench.operator).sign_raw(raw)?
        } else {
            payer.sign_raw(raw)?
        };
        let hash = transaction.hash()?;
        expected.insert(hash, index);
        identities.push((hash, payer.address(), sequence));
        signed.push(transaction);
    }
    println!("bench: {name}: {n} transactions signed ({sponsored} sponsored); submitting");

    let load_before = load_average();
    let start_version = ledger_version(h).await?;
    let node_cpu_before = bench.node_pid.as_deref().and_then(cpu_time);
    let client_cpu_before = cpu_time("self");
    let mut cpu_at_last_found = (node_cpu_before, client_cpu_before);
    let started = Instant::now();
    let mut submitter = Some(tokio::spawn(submit_all(h, signed, bench.config.in_flight)));
    let mut submission: Option<(Vec<Option<String>>, Instant)> = None;
    let mut seen: Vec<Option<Seen>> = (0..n).map(|_| None).collect();
    let mut found = 0;
    let mut other_versions = Vec::new();
    let mut next = start_version + 1;
    let mut ledger = start_version;
    let fullnode = h.client.aptos().fullnode();
    let mut last_progress = Instant::now();
    let mut last_found = Instant::now();
    loop {
        if submitter.as_ref().is_some_and(|task| task.is_finished())
            && let Some(task) = submitter.take()
        {
            submission = Some(task.await.context("the submission task panicked")?);
        }
        if let Some((results, _)) = &submission {
            let refused = results
                .iter()
                .zip(&seen)
                .filter(|(refused, seen)| refused.is_some() && seen.is_none())
                .count();
            if found + refused >= n {
                break;
            }
            // Everything is submitted and nothing commits any more: a
            // refused submission leaves a gap in its payer's sequence
            // numbers, and a transaction the node accepted may be stuck or
            // dropped. Waiting until they expire would tell nothing more.
            if last_found.elapsed() > STALL {
                println!(
                    "bench: {name}: nothing new committed for {}, {} of {n} committed and \
                     {refused} refused: stopping",
                    secs(STALL),
                    found
                );
                break;
            }
        }
        if unix_now() > expires_at + 30 {
            println!("bench: {name}: gave up waiting: the transactions have expired");
            break;
        }
        if last_progress.elapsed() > Duration::from_secs(10) {
            println!("bench: {name}: {found}/{n} committed so far");
            last_progress = Instant::now();
        }
        if next > ledger {
            ledger = ledger_version(h).await?;
            if next > ledger {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        }
        let page = fullnode
            .get_transactions(Some(next), Some(PAGE))
            .await
            .with_context(|| format!("reading committed transactions from version {next}"))?;
        let at = Instant::now();
        let found_before = found;
        if let Some(version) = page.ledger_version {
            ledger = ledger.max(version);
        }
        for transaction in page.into_inner() {
            let version = number(&transaction, "version")?;
            next = version + 1;
            if transaction.get("type").and_then(Value::as_str) != Some("user_transaction") {
                continue;
            }
            let hash = transaction
                .get("hash")
                .and_then(Value::as_str)
                .and_then(|hash| HashValue::from_hex(hash).ok())
                .context("a user transaction without a hash")?;
            match expected.get(&hash) {
                Some(&index) if seen[index].is_none() => {
                    seen[index] = Some(Seen {
                        version,
                        timestamp: number(&transaction, "timestamp")?,
                        at,
                        outcome: yenpay_client::client::Submitted::from_transaction_json(
                            bench.client.package(),
                            &transaction,
                        ),
                    });
                    found += 1;
                    last_found = at;
                }
                Some(_) => {}
                None => other_versions.push(version),
            }
        }
        if found > found_before {
            // CPU up to the last commit, not the idle wait after it.
            cpu_at_last_found = (
                bench.node_pid.as_deref().and_then(cpu_time),
                cpu_time("self"),
            );
        }
    }
    if let Some(task) = submitter.take() {
        submission = Some(task.await.context("the submission task panicked")?);
    }
    let (results, submitted_at) = submission.context("the submission task did not finish")?;
    // A refusal whose transaction committed anyway (a retried submission) is no refusal.
    let rejected: Vec<(usize, String)> = results
        .into_iter()
        .enumerate()
        .filter(|(index, _)| seen[*index].is_none())
        .filter_map(|(index, error)| error.map(|error| (index, error)))
        .collect();
    let last_seen = seen.iter().flatten().map(|s| s.at).max().unwrap_or(started);
    // What the node says of the first few accepted but never seen.
    let mut missing = Vec::new();
    for (index, &(hash, sender, sequence)) in identities.iter().enumerate() {
        if seen[index].is_some() || rejected.iter().any(|(i, _)| *i == index) {
            continue;
        }
        if missing.len() == 5 {
            break;
        }
        let status = match fullnode.get_transaction_by_hash(&hash).await {
            Ok(response) => match response.into_inner().get("type").and_then(Value::as_str) {
                Some("pending_transaction") => "still pending in the mempool".to_owned(),
                Some(other) => format!("now {other} (committed after the follower stopped)"),
                None => "an answer without a type".to_owned(),
            },
            Err(error) if error.is_not_found() => {
                "unknown to the node (dropped from the mempool, or discarded)".to_owned()
            }
            Err(error) => format!("could not be asked about: {error}"),
        };
        missing.push((
            index,
            format!("{hash} from {sender}, sequence number {sequence}: {status}"),
        ));
    }
    let versions: Vec<u64> = seen.iter().flatten().map(|s| s.version).collect();
    let others = match (versions.iter().min(), versions.iter().max()) {
        (Some(&low), Some(&high)) => other_versions
            .iter()
            .filter(|&&v| (low..=high).contains(&v))
            .count(),
        _ => 0,
    };
    Ok(Phase {
        name,
        sponsored,
        rejected,
        seen,
        submitting: submitted_at.saturating_duration_since(started),
        wall: last_seen.saturating_duration_since(started),
        others,
        missing,
        node_cpu: cpu_at_last_found
            .0
            .zip(node_cpu_before)
            .map(|(after, before)| after.saturating_sub(before)),
        client_cpu: cpu_at_last_found
            .1
            .zip(client_cpu_before)
            .map(|(after, before)| after.saturating_sub(before)),
        load: (load_before, load_average()),
    })
}

/// Submits in order with at most `in_flight` requests outstanding; the
/// node's refusal per index, and when the last answer came.
pub(super) async fn submit_all(
    h: &'static Harness,
    signed: Vec<SignedTransaction>,
    in_flight: usize,
) -> (Vec<Option<String>>, Instant) {
    let permits = Arc::new(Semaphore::new(in_flight));
    let mut tasks = JoinSet::new();
    let mut results: Vec<Option<String>> = vec![None; signed.len()];
    for (index, transaction) in signed.into_iter().enumerate() {
        let Ok(permit) = Arc::clone(&permits).acquire_owned().await else {
            results[index] = Some("the submission semaphore closed".to_owned());
            continue;
        };
        tasks.spawn(async move {
            let _permit = permit;
            let outcome = h.client.aptos().submit_transaction(&transaction).await;
            (
                index,
                outcome.err().map(|error| format!("refused: {error}")),
            )
        });
    }
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((index, error)) => results[index] = error,
            Err(error) => {
                // Which index panicked is lost; count it against the first free slot.
                if let Some(slot) = results.iter_mut().find(|r| r.is_none()) {
                    *slot = Some(format!("the submission task failed: {error}"));
                }
            }
        }
    }
    (results, Instant::now())
}
