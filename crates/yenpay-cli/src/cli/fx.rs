//! `yenpay fx ...`: the operator's FX desk (`yenpay::fx`, issue 29), where a
//! tourist pays a yen code in USDC at the desk's quote and the shop is
//! settled in yen from the desk's inventory. Its settings are the
//! operator's, the reference rate the rate keeper's; both the quote signer
//! and the rate keeper change hands in two steps. Every write is a typed call
//! of `yenpay_client::fx` (funding: a plain yen transfer to the desk's
//! address, which is how the desk is funded), planned without a node.
use anyhow::{Context, Result};
use aptos_sdk::types::AccountAddress;
use clap::Subcommand;
use serde_json::{Value as Json, json};
use yenpay_client::client::YenPay;
use yenpay_deploy::deployment::Network;

use super::exit::bad_input;
use super::plan::{Action, Calls, Plan, Read, Role, address, amount, write};

/// Widest policy the chain accepts, in basis points (`fx::MAX_DEVIATION_BPS`).
pub const MAX_DEVIATION_BPS: u64 = 2_000;
/// Oldest reference a policy may accept, in seconds (`fx::MAX_STALENESS_SECS`).
pub const MAX_STALENESS_SECS: u64 = 604_800;
/// How far `fx set-rate` may move the reference from the current one
/// without `--allow-jump`: 10%. USD/JPY does not move that much between two
/// updates; a rate that does is more likely a typo (150.25 typed 1502.5), and
/// a reference ten times too high lets quotes pay out ten times the yen.
pub const MAX_JUMP_BPS: u64 = 1_000;
/// 10^6: rates are yen per USDC times 10^6 and USDC has 6 decimals.
const SCALE: u64 = 1_000_000;

/// A decimal with at most 6 places, as an integer times 10^6 (`150.25` is
/// 150_250_000): a rate in yen per USDC, or an amount of USDC in its units.
pub fn decimal6(text: &str) -> Result<u64, String> {
    let clean = text.trim().replace('_', "");
    let (whole, fraction) = match clean.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (clean.as_str(), None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !fraction.is_none_or(digits) {
        return Err(format!("`{text}` is not a decimal number (e.g. 150.25)"));
    }
    let fraction = fraction.unwrap_or("");
    if fraction.len() > 6 {
        return Err(format!("`{text}` has more than 6 decimal places"));
    }
    let whole: u64 = whole
        .parse()
        .map_err(|_| format!("`{text}` is too large"))?;
    let fraction: u64 = format!("{fraction:0<6}")
        .parse()
        .map_err(|_| format!("`{text}` is not a decimal number"))?;
    let value = whole
        .checked_mul(SCALE)
        .and_then(|v| v.checked_add(fraction))
        .ok_or_else(|| format!("`{text}` is too large"))?;
    if value == 0 {
        return Err(format!("`{text}`: it must be more than zero"));
    }
    Ok(value)
}

/// An integer times 10^6 as a decimal with at least 2 places (`150.25`,
/// `150.00`, `0.000001`).
pub fn show6(value: u64) -> String {
    let fraction = format!("{:06}", value % SCALE);
    let trimmed = fraction.trim_end_matches('0');
    let places = if trimmed.len() < 2 {
        &fraction[..2]
    } else {
        trimmed
    };
    format!("{}.{places}", value / SCALE)
}

fn bps(text: &str) -> Result<u64, String> {
    let value = text
        .parse::<u64>()
        .map_err(|_| format!("`{text}` is not a number of basis points"))?;
    if value > MAX_DEVIATION_BPS {
        return Err(format!(
            "{value} bps: a policy allows at most {MAX_DEVIATION_BPS} bps (20%)"
        ));
    }
    Ok(value)
}

fn max_age(text: &str) -> Result<u64, String> {
    let value = text
        .parse::<u64>()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    if value == 0 || value > MAX_STALENESS_SECS {
        return Err(format!(
            "{value} s: a reference's maximum age is 1 s to {MAX_STALENESS_SECS} s (a week)"
        ));
    }
    Ok(value)
}

fn yen_limit(text: &str) -> Result<u64, String> {
    text.replace('_', "")
        .parse::<u64>()
        .map_err(|_| format!("`{text}` is not a whole number of yen"))
}

/// `yenpay fx ...`.
#[derive(Debug, Subcommand)]
pub enum FxCommand {
    /// The desk's state: its USDC, the yen and USDC it holds, the reference
    /// rate and its age, the policies, limits, today's volume and who holds
    /// (or is proposed for) each role.
    Show {
        /// Exit 1 when an alarm is up: no reference, a reference older than
        /// the policy in force allows (quotes are refused), or a yen
        /// inventory below --min-yen.
        #[arg(long)]
        check: bool,
        /// The yen inventory below which the desk is low.
        #[arg(long, value_parser = amount)]
        min_yen: Option<u64>,
    },
    /// Set the desk's USDC asset, once (operator). Without ASSET, Circle's
    /// native USDC of the network; on mainnet and testnet another asset is
    /// refused unless --not-native.
    ConfigureUsdc {
        /// The USDC asset's metadata object (6 decimals).
        #[arg(value_parser = address)]
        asset: Option<AccountAddress>,
        /// Take an asset that is not the network's native USDC.
        #[arg(long)]
        not_native: bool,
    },
    /// Set the per-quote and daily limits, in yen (operator); the day's
    /// volume so far counts against the new daily limit. Zero stops the desk.
    SetLimits {
        /// Most yen one quote may pay out.
        #[arg(long, value_parser = yen_limit)]
        per_quote: u64,
        /// Most yen the desk pays out in a Japan day.
        #[arg(long, value_parser = yen_limit)]
        daily: u64,
    },
    /// Set the rate policies (operator): how far a quote's rate may be from
    /// the reference, and how old the reference may be, while FX markets
    /// trade and while they are closed (Friday 21:00 to Sunday 22:00 UTC),
    /// the closed policy at least as wide in both.
    SetPolicies {
        /// Markets open: the widest deviation, in basis points.
        #[arg(long, value_parser = bps)]
        open_deviation_bps: u64,
        /// Markets open: the oldest reference, in seconds.
        #[arg(long, value_parser = max_age)]
        open_max_age_secs: u64,
        /// Markets closed: the widest deviation, in basis points (at most 2000).
        #[arg(long, value_parser = bps)]
        closed_deviation_bps: u64,
        /// Markets closed: the oldest reference, in seconds (at most a week).
        #[arg(long, value_parser = max_age)]
        closed_max_age_secs: u64,
    },
    /// Set the reference rate by hand (the rate keeper), e.g. when its feed
    /// is down; refused when more than 10% from the current reference
    /// unless --allow-jump.
    SetRate {
        /// Yen per USDC, at most 6 decimals (e.g. 150.25).
        #[arg(value_parser = decimal6)]
        rate: u64,
        /// When the rate was observed, Unix seconds (later than the current
        /// reference's, not in the future). Default: the chain's time when
        /// sent (needed with --hash-only and --execute-proposal, whose call
        /// must be the same twice).
        #[arg(long)]
        observed_at: Option<u64>,
        /// Allow a rate more than 10% from the current reference.
        #[arg(long)]
        allow_jump: bool,
    },
    /// Fund the desk's yen inventory: a plain yen transfer to the desk's
    /// address (any holder: the operator's funding account).
    Fund {
        /// How many yen.
        #[arg(long, value_parser = amount)]
        amount: u64,
    },
    /// Take yen out of the desk's inventory (operator).
    WithdrawYen {
        /// Who receives them.
        #[arg(long, value_parser = address)]
        to: AccountAddress,
        /// How many yen.
        #[arg(long, value_parser = amount)]
        amount: u64,
    },
    /// Take the tourists' USDC out of the desk (operator), to convert or hedge.
    WithdrawUsdc {
        /// Who receives it.
        #[arg(long, value_parser = address)]
        to: AccountAddress,
        /// How much, in USDC (at most 6 decimals, e.g. 250.5).
        #[arg(long, value_parser = decimal6)]
        usdc: u64,
    },
    /// The quote signer, whose key signs the desk's quotes: handed over in
    /// two steps (proposed by its holder or the operator).
    #[command(subcommand)]
    QuoteSigner(FxRoleCommand),
    /// After the quote signer rotated its own account's key: the desk takes
    /// the new key (it keeps the one it took at acceptance, and the old key
    /// verifies quotes until this is sent). Signed by the quote signer.
    RefreshQuoteKey,
    /// The rate keeper, who keeps the reference rate: handed over in two
    /// steps (proposed by its holder or the operator).
    #[command(subcommand)]
    RateKeeper(FxRoleCommand),
}

/// `yenpay fx quote-signer|rate-keeper ...`.
#[derive(Debug, Subcommand)]
pub enum FxRoleCommand {
    /// Propose a successor; it takes over when it accepts (the holder or the operator).
    #[command(visible_alias = "propose")]
    Transfer {
        /// The proposed account.
        #[arg(value_parser = address)]
        successor: AccountAddress,
    },
    /// Withdraw the proposal (the holder or the operator).
    Cancel,
    /// Take the role (the proposed account).
    Accept,
}

impl FxCommand {
    /// What the command does, for `network` (which USDC is native there).
    pub fn plan(&self, calls: &Calls, network: Network) -> Result<Plan> {
        let fx = calls.fx();
        Ok(match self {
            FxCommand::Show { check, min_yen } => Plan::Read(Read::FxDesk {
                check: *check,
                min_yen: *min_yen,
            }),
            FxCommand::ConfigureUsdc { asset, not_native } => {
                let native = yenpay_deploy::fx_desk::native_usdc(network);
                let usdc = match (asset, native) {
                    (None, Some(native)) => native,
                    (None, None) => {
                        return Err(bad_input(format!(
                            "{network} has no native USDC: name the asset (a local deployment's test USDC is \
                             created by `cargo xtask deploy`)"
                        )));
                    }
                    (Some(asset), Some(native)) if *asset != native && !not_native => {
                        return Err(bad_input(format!(
                            "{asset} is not {network}'s native USDC ({native}); the desk's USDC is set once: \
                             pass --not-native if that is really meant"
                        )));
                    }
                    (Some(asset), _) => *asset,
                };
                write(
                    Role::Operator,
                    format!("set the FX desk's USDC to {}", usdc.to_hex()),
                    fx.configure_usdc(usdc)?,
                )
            }
            FxCommand::SetLimits { per_quote, daily } => {
                if per_quote > daily {
                    return Err(bad_input(format!(
                        "the per-quote limit ¥{per_quote} is above the daily limit ¥{daily}"
                    )));
                }
                write(
                    Role::Operator,
                    format!("set the FX desk's limits to ¥{per_quote} a quote, ¥{daily} a day"),
                    fx.set_limits(*per_quote, *daily)?,
                )
            }
            FxCommand::SetPolicies {
                open_deviation_bps,
                open_max_age_secs,
                closed_deviation_bps,
                closed_max_age_secs,
            } => {
                if open_deviation_bps > closed_deviation_bps
                    || open_max_age_secs > closed_max_age_secs
                {
                    return Err(bad_input(
                        "the closed-market policy must be at least as wide as the open one, in deviation and in age",
                    ));
                }
                write(
                    Role::Operator,
                    format!(
                        "set the FX desk's rate policies: open {open_deviation_bps} bps / {open_max_age_secs} s, \
                         closed {closed_deviation_bps} bps / {closed_max_age_secs} s"
                    ),
                    fx.set_rate_policies(
                        *open_deviation_bps,
                        *open_max_age_secs,
                        *closed_deviation_bps,
                        *closed_max_age_secs,
                    )?,
                )
            }
            FxCommand::SetRate {
                rate,
                observed_at,
                allow_jump,
            } => Plan::SetRate {
                rate: *rate,
                observed_at: *observed_at,
                allow_jump: *allow_jump,
            },
            FxCommand::Fund { amount } => {
                let desk = yenpay_client::fx::derive_desk_address(calls.package());
                write(
                    Role::YenHolder,
                    format!("fund the FX desk {} with ¥{amount}", desk.to_hex()),
                    calls.coin().transfer(desk, *amount)?,
                )
            }
            FxCommand::WithdrawYen { to, amount } => write(
                Role::Operator,
                format!("withdraw ¥{amount} from the FX desk to {to}"),
                fx.withdraw_yen(*to, *amount)?,
            ),
            FxCommand::WithdrawUsdc { to, usdc } => write(
                Role::Operator,
                format!("withdraw {} USDC from the FX desk to {to}", show6(*usdc)),
                fx.withdraw_usdc(*to, *usdc)?,
            ),
            FxCommand::QuoteSigner(FxRoleCommand::Transfer { successor }) => write(
                Role::QuoteSignerOrOperator,
                format!("propose {successor} as quote signer"),
                fx.propose_quote_signer(*successor)?,
            ),
            FxCommand::QuoteSigner(FxRoleCommand::Cancel) => write(
                Role::QuoteSignerOrOperator,
                "cancel the quote signer proposal",
                fx.cancel_quote_signer_proposal()?,
            ),
            FxCommand::QuoteSigner(FxRoleCommand::Accept) => write(
                Role::ProposedQuoteSigner,
                "accept the quote signer role",
                fx.accept_quote_signer()?,
            ),
            FxCommand::RefreshQuoteKey => write(
                Role::QuoteSigner,
                "make the desk check quotes against the quote signer's current key",
                fx.refresh_quote_key()?,
            ),
            FxCommand::RateKeeper(FxRoleCommand::Transfer { successor }) => write(
                Role::RateKeeperOrOperator,
                format!("propose {successor} as rate keeper"),
                fx.propose_rate_keeper(*successor)?,
            ),
            FxCommand::RateKeeper(FxRoleCommand::Cancel) => write(
                Role::RateKeeperOrOperator,
                "cancel the rate keeper proposal",
                fx.cancel_rate_keeper_proposal()?,
            ),
            FxCommand::RateKeeper(FxRoleCommand::Accept) => write(
                Role::ProposedRateKeeper,
                "accept the rate keeper role",
                fx.accept_rate_keeper()?,
            ),
        })
    }
}

/// The rate keeper's `set_reference_rate` of `rate` observed at `observed_at`.
pub fn set_rate_action(calls: &Calls, rate: u64, observed_at: u64) -> Result<Action> {
    let Plan::Write(action) = write(
        Role::RateKeeper,
        format!(
            "set the FX desk's reference rate to ¥{} per USDC, observed at {observed_at}",
            show6(rate)
        ),
        calls.fx().set_reference_rate(rate, observed_at)?,
    ) else {
        unreachable!("write plans one transaction")
    };
    Ok(action)
}

/// Refuses a new reference more than [`MAX_JUMP_BPS`] from `current` (none
/// when `current` is zero: the first reference).
pub fn check_jump(current: u64, rate: u64) -> Result<()> {
    if current == 0 {
        return Ok(());
    }
    let distance = u128::from(current.abs_diff(rate));
    if distance * 10_000 > u128::from(current) * u128::from(MAX_JUMP_BPS) {
        return Err(bad_input(format!(
            "¥{} per USDC is more than 10% from the current reference ¥{}: a typo? \
             Pass --allow-jump if the market really moved that much",
            show6(rate),
            show6(current)
        )));
    }
    Ok(())
}

/// The chain's time, Unix seconds (the ledger's timestamp).
pub async fn chain_now(client: &YenPay) -> Result<u64> {
    let info = client
        .aptos()
        .ledger_info()
        .await
        .context("reading the ledger's time")?;
    let micros: u64 = info
        .ledger_timestamp
        .parse()
        .with_context(|| format!("the ledger's timestamp {:?}", info.ledger_timestamp))?;
    Ok(micros / 1_000_000)
}

/// The civil date (UTC) of `days` since the Unix epoch, as YYYY-MM-DD
/// (H. Hinnant's days-to-civil): for the desk's Japan day, whose midnight
/// is `days * 86400` in UTC's numbering.
fn civil_date(days: u64) -> String {
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

fn opt(address: Option<AccountAddress>) -> Json {
    address.map_or(Json::Null, |a| Json::String(a.to_hex()))
}

/// What the desk's state raises: the reasons it is not fit to quote, or low.
pub fn alarms(
    reference_rate: u64,
    reference_age: Option<u64>,
    max_age: u64,
    yen_inventory: u64,
    min_yen: Option<u64>,
    quote_key_current: bool,
) -> Vec<String> {
    let mut alarms = Vec::new();
    if !quote_key_current {
        alarms.push(
            "the desk checks quotes against a key the quote signer's account no longer has: the old \
             key's quotes are accepted and the new key's refused until the quote signer sends \
             `yenpay fx refresh-quote-key`"
                .to_owned(),
        );
    }
    match reference_age {
        _ if reference_rate == 0 => {
            alarms.push("no reference rate: every quote is refused (ENO_REFERENCE_RATE)".to_owned());
        }
        Some(age) if age > max_age => alarms.push(format!(
            "the reference is {age} s old, the policy in force accepts {max_age} s: every quote is refused \
             (EREFERENCE_STALE)"
        )),
        _ => {}
    }
    if let Some(min) = min_yen
        && yen_inventory < min
    {
        alarms.push(format!(
            "the yen inventory ¥{yen_inventory} is below ¥{min}: fund the desk (`yenpay fx fund`)"
        ));
    }
    alarms
}

/// The authentication key of `account` on chain; `None` when it has no account.
async fn account_auth_key(client: &YenPay, account: AccountAddress) -> Result<Option<Vec<u8>>> {
    match client.aptos().fullnode().get_account(account).await {
        Ok(found) => {
            let key = found.into_inner().authentication_key;
            const_hex::decode(key.trim_start_matches("0x"))
                .map(Some)
                .with_context(|| format!("the authentication key of {account}"))
        }
        Err(error) if error.is_not_found() => Ok(None),
        Err(error) => Err(error).with_context(|| format!("reading the account {account}")),
    }
}

/// `fx show`: the desk read from its views (JSON and text) and its alarms.
/// The views are read one request each, so a payment between two of them
/// can show in one figure and not yet in another; read again to reconcile.
pub async fn show(client: &YenPay, min_yen: Option<u64>) -> Result<(Json, String, Vec<String>)> {
    let fx = client.fx();
    let desk = fx.desk_address().await.context("reading the FX desk")?;
    let usdc = fx.usdc().await?;
    let yen_inventory = fx.yen_inventory().await?;
    let usdc_units = fx.usdc_balance().await?;
    let (reference_rate, observed_at) = fx.reference_rate().await?;
    let (per_quote, daily) = fx.limits().await?;
    let (day, paid_out) = fx.daily_volume().await?;
    let open = fx.rate_policy(false).await?;
    let closed = fx.rate_policy(true).await?;
    let market_closed = fx.is_market_closed().await?;
    let quote_signer = fx.quote_signer().await?;
    let pending_quote_signer = fx.pending_quote_signer().await?;
    let rate_keeper = fx.rate_keeper().await?;
    let pending_rate_keeper = fx.pending_rate_keeper().await?;
    let kept_key = fx.quote_auth_key().await?;
    let account_key = account_auth_key(client, quote_signer).await?;
    let quote_key_current = account_key.as_deref() == Some(kept_key.as_slice());
    let now = chain_now(client).await?;
    let (deviation, max_age) = if market_closed { closed } else { open };
    let age = (reference_rate > 0).then(|| now.saturating_sub(observed_at));
    let fresh = age.is_some_and(|age| age <= max_age);
    // The view aborts as a payment would when the reference is missing or stale.
    let band = if fresh {
        Some(fx.rate_band().await?)
    } else {
        None
    };
    let alarms = alarms(
        reference_rate,
        age,
        max_age,
        yen_inventory,
        min_yen,
        quote_key_current,
    );
    let policy = |(deviation, age): (u64, u64)| json!({"max_deviation_bps": deviation, "max_staleness_secs": age});
    let json = json!({
        "desk": desk.to_hex(),
        "usdc": opt(usdc),
        "yen_inventory": yen_inventory,
        "usdc_units": usdc_units,
        "reference_rate": reference_rate,
        "reference_observed_at": observed_at,
        "reference_age_secs": age,
        "reference_fresh": fresh,
        "market_closed": market_closed,
        "policy_in_force": if market_closed { "closed" } else { "open" },
        "policies": {"open": policy(open), "closed": policy(closed)},
        "rate_band": band.map(|(low, high)| json!([low, high])),
        "limits": {"per_quote_yen": per_quote, "daily_yen": daily},
        "today": {"japan_day": day, "date": civil_date(day), "paid_out_yen": paid_out, "daily_limit_yen": daily},
        "roles": {
            "quote_signer": quote_signer.to_hex(),
            "quote_key_kept": const_hex::encode_prefixed(&kept_key),
            "quote_key_current": quote_key_current,
            "pending_quote_signer": opt(pending_quote_signer),
            "rate_keeper": rate_keeper.to_hex(),
            "pending_rate_keeper": opt(pending_rate_keeper),
        },
        "chain_time": now,
        "alarms": alarms,
    });
    let none = || "none".to_owned();
    let mut text = format!(
        "FX desk {}\n\
         USDC               {}\n\
         yen inventory      ¥{yen_inventory}\n\
         USDC held          {} USDC\n",
        desk.to_hex(),
        usdc.map_or_else(
            || "not configured (`fx configure-usdc`)".to_owned(),
            |a| a.to_hex()
        ),
        show6(usdc_units),
    );
    text.push_str(&match age {
        None => "reference          none\n".to_owned(),
        Some(age) => format!(
            "reference          ¥{} per USDC, observed at {observed_at} ({age} s ago, {})\n",
            show6(reference_rate),
            if fresh { "fresh" } else { "STALE" }
        ),
    });
    text.push_str(&format!(
        "markets            {} (the {} policy: {deviation} bps, {max_age} s)\n",
        if market_closed { "closed" } else { "open" },
        if market_closed { "closed" } else { "open" },
    ));
    text.push_str(&format!(
        "policies           open {} bps / {} s, closed {} bps / {} s\n",
        open.0, open.1, closed.0, closed.1
    ));
    if let Some((low, high)) = band {
        text.push_str(&format!(
            "quotable rates     ¥{} to ¥{}\n",
            show6(low),
            show6(high)
        ));
    }
    text.push_str(&format!(
        "limits             ¥{per_quote} a quote, ¥{daily} a day\n\
         today (JST)        {}: ¥{paid_out} paid out of ¥{daily}\n\
         quote signer       {} (the desk's key {})\n\
         proposed           {}\n\
         rate keeper        {}\n\
         proposed           {}",
        civil_date(day),
        quote_signer.to_hex(),
        if quote_key_current {
            "is its account's"
        } else {
            "is NOT its account's: `fx refresh-quote-key`"
        },
        pending_quote_signer.map_or_else(none, |a| a.to_hex()),
        rate_keeper.to_hex(),
        pending_rate_keeper.map_or_else(none, |a| a.to_hex()),
    ));
    for alarm in &alarms {
        text.push_str(&format!("\nALARM: {alarm}"));
    }
    Ok((json, text, alarms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_read_and_print_exactly() {
        assert_eq!(decimal6("150.25"), Ok(150_250_000));
        assert_eq!(decimal6("150"), Ok(150_000_000));
        assert_eq!(decimal6("0.000001"), Ok(1));
        assert_eq!(decimal6("1_000.5"), Ok(1_000_500_000));
        for bad in ["", "1.2.3", "-1", "1e3", ".5", "1.", "abc", "0", "0.000000"] {
            assert!(decimal6(bad).is_err(), "{bad:?}");
        }
        assert!(decimal6("1.0000001").unwrap_err().contains("6 decimal"));
        assert!(decimal6("18446744073709.551616").is_err(), "overflow");
        assert_eq!(show6(150_250_000), "150.25");
        assert_eq!(show6(150_000_000), "150.00");
        assert_eq!(show6(1), "0.000001");
        assert_eq!(show6(148_123_400), "148.1234");
    }

    #[test]
    fn a_jump_of_more_than_ten_percent_needs_a_yes() {
        check_jump(0, 1).unwrap();
        check_jump(150_000_000, 165_000_000).unwrap();
        check_jump(150_000_000, 135_000_000).unwrap();
        let typo = check_jump(150_250_000, 1_502_500_000).unwrap_err();
        assert_eq!(
            super::super::exit::code(&typo),
            super::super::exit::BAD_INPUT
        );
        assert!(typo.to_string().contains("--allow-jump"), "{typo}");
        assert!(check_jump(150_000_000, 134_999_999).is_err());
        assert!(check_jump(u64::MAX, 1).is_err(), "no overflow");
    }

    #[test]
    fn japan_days_are_dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        // 2026-12-07 is day 20_794.
        assert_eq!(civil_date(20_794), "2026-12-07");
        assert_eq!(civil_date(11_016), "2000-02-29");
    }

    #[test]
    fn the_alarms_say_why_quotes_stop() {
        assert!(alarms(150, Some(10), 300, 5, None, true).is_empty());
        let none = alarms(0, None, 300, 5, None, true);
        assert!(none[0].contains("ENO_REFERENCE_RATE"), "{none:?}");
        let stale = alarms(150, Some(301), 300, 5, None, true);
        assert!(stale[0].contains("EREFERENCE_STALE"), "{stale:?}");
        assert!(
            alarms(150, Some(300), 300, 5, None, true).is_empty(),
            "the last second counts"
        );
        let low = alarms(150, Some(1), 300, 999, Some(1_000), true);
        assert!(low[0].contains("fx fund"), "{low:?}");
        assert!(alarms(150, Some(1), 300, 1_000, Some(1_000), true).is_empty());
        let rotated = alarms(150, Some(1), 300, 1_000, None, false);
        assert!(rotated[0].contains("fx refresh-quote-key"), "{rotated:?}");
    }
}
