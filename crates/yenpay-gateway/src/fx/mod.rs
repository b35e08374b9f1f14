//! The FX desk's gateway side (issue 29): a tourist holding only USDC pays a
//! yen code at a quote the gateway signs, and the shop is settled in yen
//! from the desk's inventory in the same transaction (`yenpay::fx`).
//!
//! - [`keys`]: the desk's role keys (quote signer, rate keeper), sealed
//!   under the key-encryption key like the terminal keys;
//! - [`quotes`]: `POST /v2/quotes` signs a quote for a live code this
//!   gateway issued, after the checks the chain would make (reference
//!   band, staleness under the market-hours policy in force, the desk's
//!   per-quote limit and inventory), so a quote the chain would refuse is
//!   refused here first, by name;
//! - [`keeper`]: the rate keeper, one replica at a time (a lease): reads
//!   the reference USD/JPY rate from the configured provider and updates
//!   the on-chain reference when it moves or ages; sets the desk's gauges
//!   and the low-inventory alarm.
//!
//! Sponsoring pays `fx::pay_signed_invoice_in_usdc` only for a quote found
//! in `fx_quotes` exactly as signed (`sponsor`); the follower records
//! `fx::PaidInUsdc` beside the payment (`fx_payments`).
pub mod keeper;
pub mod keys;
pub mod quotes;

use crate::chain::FxDeskState;

/// Basis points in one.
const BPS: u128 = 10_000;
const WEEK_SECS: u64 = 604_800;
/// Seconds from Sunday 00:00 UTC to the Unix epoch (a Thursday).
const SUNDAY_TO_EPOCH_SECS: u64 = 345_600;
/// Markets close Friday 21:00 UTC, seconds into the UTC week (`fx.move`).
const CLOSE_SECS_IN_WEEK: u64 = 507_600;
/// Markets open Sunday 22:00 UTC, seconds into the UTC week (`fx.move`).
const OPEN_SECS_IN_WEEK: u64 = 79_200;

/// Whether the closed-market policy is in force at `now` (Friday 21:00 to
/// Sunday 22:00 UTC), as `fx::is_market_closed` computes it.
pub fn market_closed_at(now: u64) -> bool {
    let in_week = (now + SUNDAY_TO_EPOCH_SECS) % WEEK_SECS;
    !(OPEN_SECS_IN_WEEK..CLOSE_SECS_IN_WEEK).contains(&in_week)
}

/// Why the desk cannot quote now: what the chain would abort with, named
/// before anything is signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BandError {
    /// The rate keeper never set a reference (`ENO_REFERENCE_RATE`).
    #[error("the desk has no reference rate yet")]
    NoReference,
    /// The reference is older than the policy in force allows (`EREFERENCE_STALE`).
    #[error("the reference rate is {age} s old, more than the {max} s the {policy} policy allows")]
    Stale {
        /// Its age, seconds.
        age: u64,
        /// The policy's limit.
        max: u64,
        /// `open` or `closed`.
        policy: &'static str,
    },
    /// The rate strays from the reference more than the policy allows (`ERATE_OUT_OF_BAND`).
    #[error("rate {rate} is outside the {policy} band of {low}..={high} around the reference")]
    OutOfBand {
        /// The rate.
        rate: u64,
        /// Lowest allowed.
        low: u64,
        /// Highest allowed.
        high: u64,
        /// `open` or `closed`.
        policy: &'static str,
    },
}

impl BandError {
    /// The refusal's code.
    pub fn code(&self) -> &'static str {
        match self {
            BandError::NoReference => "FX_NO_REFERENCE_RATE",
            BandError::Stale { .. } => "FX_REFERENCE_STALE",
            BandError::OutOfBand { .. } => "FX_RATE_OUT_OF_BAND",
        }
    }
}

/// Checks `rate` against the desk's reference at `now` as
/// `fx::assert_within_policy` does: a reference, fresh under the policy in
/// force (market hours), and the rate within its band.
///
/// # Errors
/// [`BandError`].
pub fn check_band(desk: &FxDeskState, rate: u64, now: u64) -> Result<(), BandError> {
    if desk.reference_rate == 0 {
        return Err(BandError::NoReference);
    }
    let closed = market_closed_at(now);
    let (policy, (deviation_bps, staleness)) = if closed {
        ("closed", desk.closed_policy)
    } else {
        ("open", desk.open_policy)
    };
    let age = now.saturating_sub(desk.observed_at);
    if age > staleness {
        return Err(BandError::Stale {
            age,
            max: staleness,
            policy,
        });
    }
    let reference = desk.reference_rate;
    let distance = rate.abs_diff(reference);
    if u128::from(distance) * BPS > u128::from(reference) * u128::from(deviation_bps) {
        let width = (u128::from(reference) * u128::from(deviation_bps) / BPS) as u64;
        return Err(BandError::OutOfBand {
            rate,
            low: reference - width,
            high: reference + width,
            policy,
        });
    }
    Ok(())
}

/// The desk's rate for a reference: `spread_bps` fewer yen per USDC (the
/// tourist pays that much more USDC; the desk's margin), rounded down.
pub fn desk_rate(reference: u64, spread_bps: u64) -> u64 {
    let kept = BPS.saturating_sub(u128::from(spread_bps));
    (u128::from(reference) * kept / BPS) as u64
}

/// A rate (yen per USDC × 10^6) as a decimal string, `148.500000`.
pub fn rate_text(rate: u64) -> String {
    format!("{}.{:06}", rate / 1_000_000, rate % 1_000_000)
}

/// USDC units as a decimal string, `13.333334`.
pub fn usdc_text(units: u64) -> String {
    format!("{}.{:06}", units / 1_000_000, units % 1_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desk(reference_rate: u64, observed_at: u64) -> FxDeskState {
        let zero = aptos_sdk::types::AccountAddress::ONE;
        FxDeskState {
            usdc: None,
            quote_signer: zero,
            rate_keeper: zero,
            reference_rate,
            observed_at,
            open_policy: (150, 300),
            closed_policy: (300, 259_200),
            limits: (100_000, 1_000_000),
            yen_inventory: 0,
            usdc_balance: 0,
        }
    }

    /// Wednesday 2026-12-02 12:00 UTC, and Saturday 2026-12-05 12:00 UTC.
    const WEDNESDAY: u64 = 1_796_212_800;
    const SATURDAY: u64 = WEDNESDAY + 3 * 86_400;

    #[test]
    fn market_hours_are_the_chain_s() {
        assert!(!market_closed_at(WEDNESDAY));
        assert!(market_closed_at(SATURDAY));
        // Friday 20:59:59 trades, 21:00 UTC is closed; Sunday 21:59:59 closed, 22:00 trades.
        let friday_21 = WEDNESDAY + 2 * 86_400 + 9 * 3_600;
        assert!(!market_closed_at(friday_21 - 1));
        assert!(market_closed_at(friday_21));
        let sunday_22 = WEDNESDAY + 4 * 86_400 + 10 * 3_600;
        assert!(market_closed_at(sunday_22 - 1));
        assert!(!market_closed_at(sunday_22));
    }

    #[test]
    fn the_band_and_staleness_follow_the_policy_in_force() {
        let reference = 150_000_000;
        let open = desk(reference, WEDNESDAY - 10);
        assert_eq!(check_band(&open, reference, WEDNESDAY), Ok(()));
        // 1.5% is 2.25 yen: 147.75 passes, 147.749999 does not.
        assert_eq!(check_band(&open, 147_750_000, WEDNESDAY), Ok(()));
        assert!(matches!(
            check_band(&open, 147_749_999, WEDNESDAY),
            Err(BandError::OutOfBand { policy: "open", .. })
        ));
        assert!(matches!(
            check_band(&desk(reference, WEDNESDAY - 301), reference, WEDNESDAY),
            Err(BandError::Stale { policy: "open", .. })
        ));
        // A day-old reference holds on Saturday (closed policy), and the band is 3%.
        let weekend = desk(reference, SATURDAY - 86_400);
        assert_eq!(check_band(&weekend, 146_000_000, SATURDAY), Ok(()));
        assert_eq!(
            check_band(&desk(0, 0), reference, WEDNESDAY),
            Err(BandError::NoReference)
        );
    }

    #[test]
    fn the_desk_rate_keeps_the_spread() {
        assert_eq!(desk_rate(150_000_000, 30), 149_550_000);
        assert_eq!(desk_rate(150_000_000, 0), 150_000_000);
        assert_eq!(rate_text(148_500_000), "148.500000");
        assert_eq!(usdc_text(13_333_334), "13.333334");
    }
}
