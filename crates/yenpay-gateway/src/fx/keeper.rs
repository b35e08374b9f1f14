//! The rate keeper: one replica at a time (the `rate-keeper` lease,
//! `leadership`), every `fx.keeper_interval`:
//!
//! 1. reads the reference USD/JPY rate from the provider (`fx.provider_url`,
//!    `GET`, answering `{"rate": "148.50", "observedAt": <Unix seconds>}`,
//!    within `fx.provider_timeout`) and stores the reading for every
//!    replica's quotes (`fx_rates`). A provider that fails, times out,
//!    answers garbage or a time in the future leaves the stored reading as
//!    it was: it ages, and past `fx.provider_max_age` quotes stop (no quote
//!    rather than a bad one);
//! 2. reads the desk (the chain's views) and sets the gauges: yen
//!    inventory, USDC held, exposure (the USDC at the reference rate, in
//!    yen), the reference; below `fx.low_inventory_yen` raises the
//!    low-inventory alarm (gauge and a warning in the log);
//! 3. when the reading moved from the on-chain reference by
//!    `fx.update_deviation_bps` or more, or the on-chain reference is older
//!    than `fx.update_max_age`, and the reading is newer than it, submits
//!    `fx::set_reference_rate` with the rate keeper's key (the operator pays
//!    the gas), observed no later than the chain's time (the node's head may
//!    lag ours). A key that is not the on-chain rate keeper's submits nothing.
//!
//! Outside market hours the provider's feed stops (observedAt stays at
//! Friday's close): the reading is stored as it is, and the chain's closed
//! policy, which quotes follow too, decides how long it serves.
use super::keys::{self, Role};
use crate::AppState;
use crate::chain::{ChainError, FxDeskState};
use std::time::Duration;
use tokio::sync::watch;

/// 10^6: a rate's decimals.
const RATE_SCALE: u64 = 1_000_000;

/// Why the provider's answer is not taken.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// It did not answer in time, or not with 200.
    #[error("the provider did not answer: {0}")]
    Unreachable(String),
    /// The answer is not `{"rate", "observedAt"}` with a positive rate.
    #[error("the provider's answer is malformed: {0}")]
    Malformed(String),
    /// Its observation time is ahead of ours.
    #[error("the provider's observation time {observed_at} is after now ({now})")]
    Future {
        /// Its time.
        observed_at: u64,
        /// Ours.
        now: u64,
    },
}

/// A rate as a decimal (`"148.50"`, `148.5`) in millionths; none for a
/// malformed, zero or negative one, or more than 6 decimals.
pub fn parse_rate(text: &str) -> Option<u64> {
    let text = text.trim();
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty()
        || fraction.len() > 6
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: u64 = whole.parse().ok()?;
    let fraction: u64 = if fraction.is_empty() {
        0
    } else {
        format!("{fraction:0<6}").parse().ok()?
    };
    let rate = whole.checked_mul(RATE_SCALE)?.checked_add(fraction)?;
    (rate > 0).then_some(rate)
}

/// Reads the provider once: (rate, observed at).
///
/// # Errors
/// [`ProviderError`].
pub async fn read_provider(
    http: &reqwest::Client,
    url: &str,
    timeout: Duration,
    now: u64,
) -> Result<(u64, u64), ProviderError> {
    let response = http
        .get(url)
        .timeout(timeout)
        .send()
        .await
        .map_err(|e| ProviderError::Unreachable(e.without_url().to_string()))?;
    if !response.status().is_success() {
        return Err(ProviderError::Unreachable(response.status().to_string()));
    }
    let body: serde_json::Value = response
        .json()
        .await
        .map_err(|e| ProviderError::Malformed(e.without_url().to_string()))?;
    let rate = match &body["rate"] {
        serde_json::Value::String(text) => parse_rate(text),
        serde_json::Value::Number(number) => parse_rate(&number.to_string()),
        _ => None,
    }
    .ok_or_else(|| ProviderError::Malformed("rate: a positive decimal".to_owned()))?;
    let observed_at = body["observedAt"]
        .as_u64()
        .ok_or_else(|| ProviderError::Malformed("observedAt: Unix seconds".to_owned()))?;
    // A few seconds of clock difference are tolerated, no more.
    if observed_at > now + 5 {
        return Err(ProviderError::Future { observed_at, now });
    }
    Ok((rate, observed_at.min(now)))
}

/// Stores a reading for every replica.
///
/// # Errors
/// A database error.
pub async fn store_reading(
    pool: &sqlx::AnyPool,
    rate: u64,
    observed_at: u64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO fx_rates (id, rate, observed_at, fetched_at) VALUES (1, $1, $2, $3) \
         ON CONFLICT (id) DO UPDATE SET rate = excluded.rate, observed_at = excluded.observed_at, \
         fetched_at = excluded.fetched_at",
    )
    .bind(i64::try_from(rate).unwrap_or(i64::MAX))
    .bind(i64::try_from(observed_at).unwrap_or(i64::MAX))
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pass {
    /// The provider's reading taken (rate, observed at).
    pub reading: Option<(u64, u64)>,
    /// The reference update committed (its transaction hash).
    pub updated: Option<String>,
    /// The desk's yen inventory is below the alarm threshold.
    pub low_inventory: bool,
}

/// Sets the desk's gauges and its low-inventory alarm from `desk`.
pub fn record_desk(state: &AppState, desk: &FxDeskState) -> bool {
    let metrics = &state.metrics;
    let gauge = |value: u64| i64::try_from(value).unwrap_or(i64::MAX);
    metrics.fx_yen_inventory.set(gauge(desk.yen_inventory));
    metrics.fx_usdc_held.set(gauge(desk.usdc_balance));
    metrics.fx_reference_rate.set(gauge(desk.reference_rate));
    // USDC units × (yen per USDC × 10^6) / 10^12.
    let exposure =
        u128::from(desk.usdc_balance) * u128::from(desk.reference_rate) / 1_000_000_000_000;
    metrics
        .fx_exposure_yen
        .set(i64::try_from(exposure).unwrap_or(i64::MAX));
    let low = desk.yen_inventory < state.config.fx.low_inventory_yen;
    metrics.fx_inventory_low.set(i64::from(low));
    if low {
        tracing::warn!(
            yen_inventory = desk.yen_inventory,
            alarm_below_yen = state.config.fx.low_inventory_yen,
            "the FX desk's yen inventory is low: fund the desk"
        );
    }
    low
}

/// One pass (module docs). Failures of the provider are counted and logged
/// and the pass goes on with the stored reading.
///
/// # Errors
/// When the node or the database fails, or the keeper's key does not open.
pub async fn pass(state: &AppState, http: &reqwest::Client) -> Result<Pass, PassError> {
    let policy = &state.config.fx;
    let now = state.clock.now();
    let now_u = u64::try_from(now).unwrap_or(0);
    let mut done = Pass::default();
    if let Some(url) = &policy.provider_url {
        match read_provider(http, url, policy.provider_timeout, now_u).await {
            Ok((rate, observed_at)) => {
                store_reading(&state.db.pool, rate, observed_at, now).await?;
                done.reading = Some((rate, observed_at));
            }
            Err(error) => {
                state.metrics.fx_provider_failures.inc();
                tracing::warn!(%error, "reading the reference rate provider: no new reading");
            }
        }
    }
    let desk = state.ledger.fx_desk().await?;
    done.low_inventory = record_desk(state, &desk);
    let Some((rate, observed_at)) = done.reading else {
        return Ok(done);
    };
    // The chain refuses an observation after its own time, which may lag ours.
    let chain_now = state.ledger.head().await?.timestamp_us / 1_000_000;
    let observed_at = observed_at.min(chain_now);
    let age = now_u.saturating_sub(desk.observed_at);
    let moved = desk.reference_rate == 0
        || u128::from(rate.abs_diff(desk.reference_rate)) * 10_000
            >= u128::from(desk.reference_rate) * u128::from(policy.update_deviation_bps);
    let aged = age > policy.update_max_age.as_secs();
    if !(moved || aged) || observed_at <= desk.observed_at {
        return Ok(done);
    }
    let Some(keeper) = keys::account(&state.db.pool, &state.kek, Role::RateKeeper).await? else {
        return Ok(done);
    };
    if keeper.address() != desk.rate_keeper {
        tracing::warn!(
            key = %keeper.address(),
            rate_keeper = %desk.rate_keeper,
            "the gateway's rate-keeper key is not the desk's rate keeper on chain: reference not updated"
        );
        return Ok(done);
    }
    let outcome = state
        .ledger
        .set_reference_rate(&keeper, rate, observed_at)
        .await?;
    state.metrics.fx_reference_updates.inc();
    tracing::info!(rate, observed_at, tx = %outcome.hash, "updated the FX reference rate");
    // The next quote reads the new reference.
    *state.fx_desk.lock().expect("not poisoned") = None;
    done.updated = Some(outcome.hash);
    Ok(done)
}

/// Why a pass stopped.
#[derive(Debug, thiserror::Error)]
pub enum PassError {
    /// The node failed or refused the update.
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    /// The keeper's key.
    #[error(transparent)]
    Key(#[from] keys::KeyError),
}

/// Runs passes until `stop` (the lease holder's work).
pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client builds");
    loop {
        if let Err(error) = pass(&state, &http).await {
            tracing::warn!(%error, "rate keeper pass failed");
        }
        tokio::select! {
            _ = stop.changed() => return,
            _ = tokio::time::sleep(state.config.fx.keeper_interval) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_rate;

    #[test]
    fn rates_parse_to_millionths() {
        assert_eq!(parse_rate("148.50"), Some(148_500_000));
        assert_eq!(parse_rate("150"), Some(150_000_000));
        assert_eq!(parse_rate("0.000001"), Some(1));
        for bad in [
            "",
            "0",
            "0.0",
            "-1",
            "1e3",
            "148.1234567",
            "abc",
            ".5",
            "1.2.3",
        ] {
            assert_eq!(parse_rate(bad), None, "{bad}");
        }
    }
}
