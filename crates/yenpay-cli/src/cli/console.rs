//! Running a planned command: `--dry-run` prints the payload; a mainnet
//! action is confirmed before any key is read; then the signer, the node,
//! and the transaction simulated (`--simulate`) or submitted, or the read.
use std::io::{BufRead, IsTerminal, Write};

use anyhow::{Context, Result};
use aptos_sdk::types::AccountAddress;
use serde_json::{Value as Json, json};
use yenpay_client::client::YenPay;
use yenpay_client::multisig::{MultisigAccount, Proposal};
use yenpay_client::types::limits::OrderRef;
use yenpay_deploy::deployment::Network;

use super::exit::{NotConfirmed, Reported, WouldFail, bad_input};
use super::plan::{Action, Calls, Plan, Read, Records, propose, purge_actions};
use super::report::{self, Simulation};
use super::target::{Global, Resolved};

/// Prints `json` with `--json`, else `text`; a closed pipe ends quietly.
pub fn emit(global: &Global, json: &Json, text: &str) -> Result<()> {
    let out = if global.json {
        serde_json::to_string_pretty(json)?
    } else {
        text.to_owned()
    };
    let mut stdout = std::io::stdout().lock();
    match writeln!(stdout, "{out}").and_then(|()| stdout.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("writing to standard output"),
    }
}

/// Asks before a mainnet action; without a terminal to ask, refuses unless `--assume-yes`.
pub fn confirm(
    global: &Global,
    network: Network,
    what: &str,
    interactive: bool,
    answer: &mut dyn BufRead,
) -> Result<()> {
    if network != Network::Mainnet || global.assume_yes || global.simulate || global.dry_run {
        return Ok(());
    }
    if !interactive {
        return Err(NotConfirmed(format!(
            "refusing to {what} on mainnet: no terminal to confirm on, and no --assume-yes; nothing was signed"
        ))
        .into());
    }
    eprint!("About to {what} on MAINNET. Type `mainnet` to go on: ");
    let mut line = String::new();
    answer
        .read_line(&mut line)
        .context("reading the confirmation")?;
    if line.trim() != "mainnet" {
        return Err(
            NotConfirmed(format!("not confirmed: did not {what}; nothing was signed")).into(),
        );
    }
    Ok(())
}

/// Runs `plan` for the console's global options.
pub fn run(global: &Global, plan: Plan) -> Result<()> {
    let resolved = global.resolve()?;
    let calls = Calls::new(resolved.package);
    let actions = match plan {
        Plan::Read(read) => {
            return block_on(async { read_and_print(global, &resolved, read).await });
        }
        Plan::Write(action) => vec![action],
        Plan::Writes(actions) => actions,
        Plan::Purge {
            records,
            keys,
            batch,
            only_due,
        } => {
            if keys.is_empty() {
                return emit(global, &json!({"purged": 0}), "Nothing to purge.");
            }
            if only_due && !global.dry_run {
                return block_on(async {
                    let client = resolved.connect().await?;
                    let due = match records {
                        Records::Invoices => due_invoices(&client, &keys).await?,
                        Records::Purchases => due_purchases(&client, &keys).await?,
                    };
                    eprintln!(
                        "{} of {} {} are purgeable now",
                        due.len(),
                        keys.len(),
                        match records {
                            Records::Invoices => "invoices",
                            Records::Purchases => "purchases",
                        }
                    );
                    let actions = purge_actions(&calls, records, &due, batch)?;
                    send_all(global, &resolved, actions, Some(client)).await
                });
            }
            purge_actions(&calls, records, &keys, batch)?
        }
        Plan::SetRate {
            rate,
            observed_at,
            allow_jump,
        } => {
            if global.multisig.is_some()
                && global.proposal() != super::plan::Proposal::Full
                && observed_at.is_none()
            {
                // The execution must carry the very call whose hash was proposed.
                return Err(bad_input(
                    "with --hash-only or --execute-proposal, give the rate's --observed-at: \
                     the proposal and its execution must carry the same call",
                ));
            }
            if global.dry_run {
                // No node: the payload shows this machine's clock when no time was given.
                let at = observed_at.unwrap_or_else(|| {
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| d.as_secs())
                });
                let action = super::fx::set_rate_action(&calls, rate, at)?;
                return block_on(send_all(global, &resolved, vec![action], None));
            }
            return block_on(async {
                let client = resolved.connect().await?;
                if !allow_jump {
                    let (current, _) = client
                        .fx()
                        .reference_rate()
                        .await
                        .context("reading the current reference rate")?;
                    super::fx::check_jump(current, rate)?;
                }
                let at = match observed_at {
                    Some(at) => at,
                    None => super::fx::chain_now(&client).await?,
                };
                let action = super::fx::set_rate_action(&calls, rate, at)?;
                send_all(global, &resolved, vec![action], Some(client)).await
            });
        }
    };
    block_on(send_all(global, &resolved, actions, None))
}

/// The invoices of `keys` that the chain says are purgeable now.
async fn due_invoices(
    client: &YenPay,
    keys: &[(AccountAddress, OrderRef)],
) -> Result<Vec<(AccountAddress, OrderRef)>> {
    let mut due = Vec::new();
    for (merchant, order) in keys {
        if client
            .invoice()
            .is_purgeable(*merchant, order)
            .await
            .with_context(|| format!("asking whether {merchant}/{} is purgeable", order.as_str()))?
        {
            due.push((*merchant, order.clone()));
        }
    }
    Ok(due)
}

/// The purchases of `keys` whose claim window has passed at the chain's
/// time; one with no record (purged already) is left out, as it would abort
/// its batch.
async fn due_purchases(
    client: &YenPay,
    keys: &[(AccountAddress, OrderRef)],
) -> Result<Vec<(AccountAddress, OrderRef)>> {
    let now = super::fx::chain_now(client).await?;
    let mut due = Vec::new();
    for (merchant, order) in keys {
        if super::tax_refund::purchase(client, *merchant, order)
            .await?
            .is_some_and(|purchase| now >= purchase.claim_deadline())
        {
            due.push((*merchant, order.clone()));
        }
    }
    Ok(due)
}

fn block_on<F: Future<Output = Result<()>>>(future: F) -> Result<()> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?
        .block_on(future)
}

/// Dry-runs, simulates or submits each action, in order; stops at the first failure.
async fn send_all(
    global: &Global,
    resolved: &Resolved,
    actions: Vec<Action>,
    client: Option<YenPay>,
) -> Result<()> {
    let actions = match global.multisig {
        Some(multisig) => actions
            .into_iter()
            .map(|action| propose(action, multisig, global.proposal()))
            .collect::<Result<Vec<_>>>()?,
        None => actions,
    };
    if actions.is_empty() {
        return emit(global, &json!({"transactions": []}), "Nothing to send.");
    }
    if global.dry_run {
        let (jsons, texts): (Vec<Json>, Vec<String>) = actions
            .iter()
            .map(|action| report::dry_run(action, resolved.network.name(), resolved.package))
            .unzip();
        let json = if jsons.len() == 1 {
            jsons.into_iter().next().unwrap_or_default()
        } else {
            Json::Array(jsons)
        };
        return emit(global, &json, &texts.join("\n"));
    }
    let what = match actions.as_slice() {
        [one] => one.what.clone(),
        many => format!("send {} transactions ({})", many.len(), many[0].what),
    };
    let stdin = std::io::stdin();
    confirm(
        global,
        resolved.network,
        &what,
        stdin.is_terminal(),
        &mut stdin.lock(),
    )?;
    let signer = global.signer()?;
    let client = match client {
        Some(client) => client,
        None => resolved.connect().await?,
    };
    let account = signer.account();
    let mut results = Vec::new();
    let total = actions.len();
    for (done, action) in actions.iter().enumerate() {
        let client = match action.max_gas {
            Some(gas) => {
                let mut options = client.options().clone();
                options.max_gas_amount = options.max_gas_amount.max(gas);
                client.clone().with_options(options)
            }
            None => client.clone(),
        };
        if global.simulate {
            let result = client
                .aptos()
                .simulate(&account, action.payload.clone())
                .await
                .with_context(|| format!("simulating: {} as {}", action.what, signer.address))?;
            let simulation = Simulation::from_result(resolved.package, &result);
            emit(global, &simulation.to_json(), &simulation.to_text())?;
            if let Some(why) = simulation.failure() {
                return Err(WouldFail(format!("the simulation says it would fail: {why}")).into());
            }
            continue;
        }
        let tx = client
            .submit(&account, action.payload.clone())
            .await
            .with_context(|| {
                format!(
                    "{} as the {} {} on {}{}",
                    action.what,
                    action.role.name(),
                    signer.address,
                    resolved.network,
                    stopped_after(done, total)
                )
            })?;
        if total > 1 {
            // Progress on standard error, so `--json` stays one document.
            eprintln!("[{}/{total}] {} ({})", done + 1, action.what, tx.hash);
        }
        let (json, text) = report::submitted(action, &tx);
        if !global.json {
            emit(global, &json, &text)?;
        }
        results.push(json);
    }
    if global.json && !global.simulate {
        let json = if results.len() == 1 {
            results.into_iter().next().unwrap_or_default()
        } else {
            Json::Array(results)
        };
        emit(global, &json, "")?;
    }
    Ok(())
}

fn addr(address: AccountAddress) -> String {
    address.to_hex()
}

fn opt(address: Option<AccountAddress>) -> Json {
    address.map_or(Json::Null, |a| Json::String(addr(a)))
}

/// Who holds each role.
async fn roles(client: &YenPay) -> Result<Json> {
    let controls = client.controls();
    let registry = client.merchant_registry();
    Ok(json!({
        "admin": addr(controls.admin().await?),
        "pending_admin": opt(controls.pending_admin().await?),
        "master_minter": addr(client.issuance().master_minter().await?),
        "pauser": addr(controls.pauser().await?),
        "denylister": addr(controls.denylister().await?),
        "operator": addr(registry.operator().await?),
        "pending_operator": opt(registry.pending_operator().await?),
        "housekeeper": opt(client.invoice().housekeeper().await?),
        "quote_signer": addr(client.fx().quote_signer().await?),
        "pending_quote_signer": opt(client.fx().pending_quote_signer().await?),
        "rate_keeper": addr(client.fx().rate_keeper().await?),
        "pending_rate_keeper": opt(client.fx().pending_rate_keeper().await?),
        "refund_agent": addr(client.tax_refunds().refund_agent().await?),
        "pending_refund_agent": opt(super::tax_refund::pending_agent(client).await?),
    }))
}

fn roles_text(roles: &Json) -> String {
    let mut text = String::new();
    for (key, label) in [
        ("admin", "admin"),
        ("pending_admin", "proposed admin"),
        ("master_minter", "master minter"),
        ("pauser", "pauser"),
        ("denylister", "denylister"),
        ("operator", "operator"),
        ("pending_operator", "proposed operator"),
        ("housekeeper", "housekeeper"),
        ("quote_signer", "quote signer"),
        ("pending_quote_signer", "proposed signer"),
        ("rate_keeper", "rate keeper"),
        ("pending_rate_keeper", "proposed keeper"),
        ("refund_agent", "refund agent"),
        ("pending_refund_agent", "proposed agent"),
    ] {
        let holder = roles[key].as_str().unwrap_or("none");
        text.push_str(&format!("{label:<18} {holder}\n"));
    }
    text.trim_end().to_owned()
}

fn proposal_json(proposal: &Proposal) -> Json {
    json!({
        "sequence_number": proposal.sequence_number,
        "call": proposal.call.as_ref().map(|call| report::payload_json(
            &aptos_sdk::transaction::TransactionPayload::EntryFunction(call.clone()))),
        "creator": addr(proposal.creator),
        "created_at": proposal.created_at,
        "approvals": proposal.approvals.iter().map(|a| addr(*a)).collect::<Vec<_>>(),
        "rejections": proposal.rejections.iter().map(|a| addr(*a)).collect::<Vec<_>>(),
    })
}

fn proposal_text(proposal: &Proposal) -> String {
    let call = proposal.call.as_ref().map_or_else(
        || "(only the payload's hash is stored)".to_owned(),
        |call| {
            format!(
                "{}::{}::{}",
                call.module.address.to_short_string(),
                call.module.name.as_str(),
                call.function
            )
        },
    );
    format!(
        "#{} {call} by {} ({} for, {} against)",
        proposal.sequence_number,
        addr(proposal.creator),
        proposal.approvals.len(),
        proposal.rejections.len()
    )
}

async fn read_and_print(global: &Global, resolved: &Resolved, read: Read) -> Result<()> {
    if global.dry_run || global.simulate || global.multisig.is_some() {
        return Err(bad_input(
            "this command only reads: --dry-run, --simulate and --multisig are for transactions",
        ));
    }
    let client = resolved.connect().await?;
    let coin = client.stablecoin();
    let controls = client.controls();
    let issuance = client.issuance();
    let (json, text) = match read {
        Read::CoinStatus(check_indexer) => {
            let paused = controls.is_paused().await?;
            let supply = coin.total_supply().await?;
            let cap = controls.transfer_cap().await?;
            let roles = roles(&client).await?;
            let metadata = coin.metadata_address().await?;
            if let Some(url) = check_indexer {
                return check_supply(global, &url, metadata, supply).await;
            }
            let json = json!({
                "package": addr(client.package()),
                "metadata": addr(metadata),
                "paused": paused,
                "total_supply": supply,
                "transfer_cap": cap,
                "roles": roles,
            });
            let text = format!(
                "YJPY at {} on {}: {}\nsupply             ¥{supply}\nper-transfer cap   ¥{cap}\n{}",
                addr(client.package()),
                resolved.network,
                if paused { "PAUSED" } else { "not paused" },
                roles_text(&roles)
            );
            (json, text)
        }
        Read::Supply => {
            let supply = coin.total_supply().await?;
            (json!({"total_supply": supply}), format!("¥{supply}"))
        }
        Read::Roles => {
            let roles = roles(&client).await?;
            let text = roles_text(&roles);
            (roles, text)
        }
        Read::Minter(minter) => {
            let is_minter = issuance.is_minter(minter).await?;
            let allowance = if is_minter {
                issuance.minter_allowance(minter).await?
            } else {
                0
            };
            (
                json!({"minter": addr(minter), "is_minter": is_minter, "allowance": allowance}),
                if is_minter {
                    format!("{minter} is a minter with ¥{allowance} of allowance")
                } else {
                    format!("{minter} is not a minter")
                },
            )
        }
        Read::Denylisted(account) => {
            let listed = controls.is_denylisted(account).await?;
            (
                json!({"account": addr(account), "denylisted": listed}),
                format!(
                    "{account} is {}denylisted",
                    if listed { "" } else { "not " }
                ),
            )
        }
        Read::Cap => {
            let cap = controls.transfer_cap().await?;
            (json!({"transfer_cap": cap}), format!("¥{cap}"))
        }
        Read::Merchant(owner) => {
            let info = client
                .merchant_registry()
                .merchant(owner)
                .await
                .with_context(|| format!("reading the merchant {owner}"))?;
            let status = format!("{:?}", info.status);
            let json = json!({
                "owner": addr(info.owner),
                "name": info.name,
                "mcc": info.mcc,
                "payout": addr(info.payout),
                "fee_bps": info.fee_bps,
                "status": status,
                "registered_at": info.registered_at,
                "terminals": info.terminals.iter().map(|t| addr(*t)).collect::<Vec<_>>(),
            });
            let text = format!(
                "{} ({})\n  mcc {}, fee {} bps, {status}\n  payout {}\n  terminals: {}",
                info.name,
                addr(info.owner),
                info.mcc,
                info.fee_bps,
                addr(info.payout),
                if info.terminals.is_empty() {
                    "none".to_owned()
                } else {
                    info.terminals
                        .iter()
                        .map(|t| addr(*t))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            );
            (json, text)
        }
        Read::Treasury => {
            let treasury = client.fee_treasury();
            let address = treasury.treasury_address().await?;
            let balance = treasury.balance().await?;
            (
                json!({"treasury": addr(address), "balance": balance}),
                format!("fee treasury {address}: ¥{balance}"),
            )
        }
        Read::RefundWindow => {
            let secs = client.invoice().refund_window().await?;
            (
                json!({"refund_window_secs": secs}),
                format!("{secs} s ({} days)", secs / 86_400),
            )
        }
        Read::Housekeeper => {
            let keeper = client.invoice().housekeeper().await?;
            (
                json!({"housekeeper": opt(keeper)}),
                keeper.map_or_else(|| "none".to_owned(), addr),
            )
        }
        Read::MultisigList(account) => {
            let state = MultisigAccount::new(&client, account)
                .state()
                .await
                .with_context(|| format!("reading the multisig account {account}"))?;
            let json = json!({
                "multisig": addr(account),
                "owners": state.owners.iter().map(|a| addr(*a)).collect::<Vec<_>>(),
                "signatures_required": state.signatures_required,
                "pending": state.pending.iter().map(proposal_json).collect::<Vec<_>>(),
            });
            let mut text = format!(
                "{account}: {} of {} owners must approve\n",
                state.signatures_required,
                state.owners.len()
            );
            for proposal in &state.pending {
                text.push_str(&proposal_text(proposal));
                text.push('\n');
            }
            if state.pending.is_empty() {
                text.push_str("no open proposals");
            }
            (json, text.trim_end().to_owned())
        }
        Read::MultisigShow(account, number) => {
            let multisig = MultisigAccount::new(&client, account);
            let proposal = multisig
                .proposal(number)
                .await
                .with_context(|| format!("reading proposal {number} of {account}"))?;
            let ready = multisig.can_be_executed(number).await?;
            let mut json = proposal_json(&proposal);
            json["can_be_executed"] = Json::Bool(ready);
            let mut text = proposal_text(&proposal);
            if let Some(call) = &proposal.call {
                for (i, arg) in call.args.iter().enumerate() {
                    text.push_str(&format!("\n  arg {i}: 0x{}", const_hex::encode(arg)));
                }
            }
            text.push_str(if ready {
                "\n  ready to execute"
            } else {
                "\n  not executable yet"
            });
            (json, text)
        }
        Read::FxDesk { check, min_yen } => {
            let (json, text, alarms) = super::fx::show(&client, min_yen).await?;
            return emit_checked(global, &json, &text, check, &alarms, "the FX desk");
        }
        Read::TaxRefund { check, min_float } => {
            let (json, text, alarms) = super::tax_refund::show(&client, min_float).await?;
            return emit_checked(global, &json, &text, check, &alarms, "the tax-refund float");
        }
        Read::Purchase(merchant, order) => {
            super::tax_refund::show_purchase(&client, merchant, &order).await?
        }
        Read::PackageVerify(build_dir) => {
            let mut modules = vec!["role".to_owned()];
            modules.extend(
                yenpay_client::abort::Module::ALL
                    .iter()
                    .map(|module| module.name().to_owned()),
            );
            let mut verified = yenpay_deploy::operate::verify(&client, &modules, None)
                .await
                .with_context(|| format!("verifying the package {}", client.package()))?;
            if let Some(dir) = build_dir {
                let build = yenpay_deploy::publish::CompiledPackage::from_build_dir(&dir)
                    .with_context(|| format!("reading the build in {}", dir.display()))?;
                let matched = yenpay_deploy::operate::verify_bytecode(&client, &build)
                    .await
                    .with_context(|| {
                        format!(
                            "comparing the code of {} with the build in {}",
                            client.package(),
                            dir.display()
                        )
                    })?;
                verified.report.extend(matched);
            }
            (
                json!({"package": addr(client.package()), "verified": verified.report}),
                format!("verified:\n  {}", verified.report.join("\n  ")),
            )
        }
    };
    emit(global, &json, &text)
}

/// Prints a state read; with `check`, fails (exit 1) when an alarm is up,
/// for a monitoring job.
fn emit_checked(
    global: &Global,
    json: &Json,
    text: &str,
    check: bool,
    alarms: &[String],
    what: &str,
) -> Result<()> {
    emit(global, json, text)?;
    if check && !alarms.is_empty() {
        // The alarms are in the document just printed: `--json` stays one document.
        return Err(Reported(format!("{what}: {}", alarms.join("; "))).into());
    }
    Ok(())
}

/// What an error in a batch says of the transactions before it.
fn stopped_after(done: usize, total: usize) -> String {
    if total <= 1 {
        return String::new();
    }
    format!(
        " (transaction {} of {total}; the {done} before it committed: run the same command again to go on, \
         a purge with `--only-due` skips what is already purged)",
        done + 1
    )
}

/// The GraphQL query for the sum of every holder's balance of `asset`.
const HOLDERS_SUM_QUERY: &str = "query HoldersSum($asset: String!) { \
    current_fungible_asset_balances_aggregate(where: {asset_type: {_eq: $asset}}) \
    { aggregate { count sum { amount } } } }";

/// The holders' count and balance sum in an indexer's answer to
/// [`HOLDERS_SUM_QUERY`].
fn holders_sum(answer: &Json) -> Result<(u64, u128)> {
    if let Some(errors) = answer.get("errors") {
        anyhow::bail!("the indexer refused the query: {errors}");
    }
    let aggregate = &answer["data"]["current_fungible_asset_balances_aggregate"]["aggregate"];
    let number = |value: &Json| match value {
        // Big sums come as strings; a number is read from its text, so no float rounds it.
        Json::Number(n) => n.to_string().parse::<u128>().ok(),
        Json::String(text) => text.parse().ok(),
        _ => None,
    };
    let count = number(&aggregate["count"])
        .and_then(|n| u64::try_from(n).ok())
        .with_context(|| format!("the indexer's answer has no holder count: {answer}"))?;
    // No holder at all: the sum of nothing is null.
    let amount = &aggregate["sum"]["amount"];
    let sum = (if amount.is_null() && count == 0 {
        Some(0)
    } else {
        number(amount)
    })
    .with_context(|| format!("the indexer's answer has no balance sum: {answer}"))?;
    Ok((count, sum))
}

/// `coin status --check-indexer`: total supply against the sum of balances
/// the indexer reports. An indexer runs a little behind the chain: a
/// difference right after a mint or burn can be its lag, so check again.
async fn check_supply(
    global: &Global,
    url: &str,
    metadata: AccountAddress,
    supply: u128,
) -> Result<()> {
    let asset = metadata.to_hex();
    let answer: Json = reqwest::Client::new()
        .post(url)
        .json(&json!({"query": HOLDERS_SUM_QUERY, "variables": {"asset": asset}}))
        .timeout(std::time::Duration::from_secs(30))
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .with_context(|| format!("asking the indexer at {url}"))?
        .json()
        .await
        .with_context(|| format!("reading the indexer's answer from {url}"))?;
    let (holders, sum) = holders_sum(&answer)?;
    let matches = sum == supply;
    let json = json!({
        "metadata": addr(metadata),
        "total_supply": supply,
        "indexer": url,
        "holders": holders,
        "holders_sum": sum,
        "matches": matches,
    });
    let text = format!(
        "supply ¥{supply}; {holders} holders hold ¥{sum} by the indexer at {url}: {}",
        if matches { "they match" } else { "THEY DIFFER" }
    );
    emit(global, &json, &text)?;
    if !matches {
        anyhow::bail!(
            "total supply ¥{supply} is not the ¥{sum} the indexer's {holders} holders hold (an indexer lags the chain a little: check again before acting)"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_that_stops_says_how_far_it_got() {
        assert_eq!(stopped_after(0, 1), "");
        let text = stopped_after(2, 5);
        assert!(text.contains("transaction 3 of 5"), "{text}");
        assert!(text.contains("the 2 before it committed"), "{text}");
        assert!(text.contains("--only-due"), "{text}");
    }

    #[test]
    fn an_indexers_sum_reads_in_every_shape_it_comes() {
        let answer = |count: Json, amount: Json| json!({"data": {"current_fungible_asset_balances_aggregate": {"aggregate": {"count": count, "sum": {"amount": amount}}}}});
        assert_eq!(
            holders_sum(&answer(json!(3), json!(1500))).unwrap(),
            (3, 1500)
        );
        assert_eq!(
            holders_sum(&answer(json!(3), json!("1500"))).unwrap(),
            (3, 1500)
        );
        assert_eq!(holders_sum(&answer(json!(0), Json::Null)).unwrap(), (0, 0));
        assert!(holders_sum(&answer(json!(3), json!(-1))).is_err());
        assert!(holders_sum(&answer(json!(3), json!(1.5))).is_err());
        assert_eq!(
            holders_sum(&answer(
                json!(1),
                json!("340282366920938463463374607431768211455")
            ))
            .unwrap(),
            (1, u128::MAX)
        );
        assert!(holders_sum(&json!({"data": {}})).is_err());
        let refused =
            holders_sum(&json!({"errors": [{"message": "field not found"}]})).unwrap_err();
        assert!(refused.to_string().contains("field not found"), "{refused}");
        assert!(HOLDERS_SUM_QUERY.contains("current_fungible_asset_balances_aggregate"));
    }

    fn global(assume_yes: bool) -> Global {
        Global {
            assume_yes,
            ..Global::default()
        }
    }

    #[test]
    fn mainnet_needs_a_yes() {
        let mut none: &[u8] = b"";
        for network in [Network::Local, Network::Devnet, Network::Testnet] {
            confirm(&global(false), network, "pause the coin", false, &mut none).unwrap();
        }
        let refused = confirm(
            &global(false),
            Network::Mainnet,
            "pause the coin",
            false,
            &mut none,
        )
        .unwrap_err();
        assert_eq!(
            super::super::exit::code(&refused),
            super::super::exit::NOT_CONFIRMED
        );
        assert!(refused.to_string().contains("--assume-yes"), "{refused}");
        confirm(
            &global(true),
            Network::Mainnet,
            "pause the coin",
            false,
            &mut none,
        )
        .unwrap();
        // At a terminal the operator types the network's name.
        let mut yes: &[u8] = b"mainnet\n";
        confirm(
            &global(false),
            Network::Mainnet,
            "pause the coin",
            true,
            &mut yes,
        )
        .unwrap();
        let mut no: &[u8] = b"y\n";
        let declined = confirm(
            &global(false),
            Network::Mainnet,
            "pause the coin",
            true,
            &mut no,
        )
        .unwrap_err();
        assert!(
            declined.to_string().starts_with("not confirmed"),
            "{declined}"
        );
    }
}
