//! Customer limits: a tier per customer address (unverified until the
//! operator sets another), and per tier the yen a customer may pay in one
//! sponsored payment, in a day and in a month.
//!
//! Days and months are Japan's (JST, UTC+9, no daylight saving): the
//! customers, the merchants and the regulator count in Japan time, and so do
//! the reconciliation report and the operator's day. A customer's day rolls
//! over at midnight in Tokyo (15:00 UTC).
use crate::AppState;
use crate::config::{Limits, TierLimits};
use crate::store::compliance::{self as rows, Period};
use serde::Serialize;
use time::{OffsetDateTime, UtcOffset};
use utoipa::ToSchema;

/// A customer's tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    /// No identity checked (the default).
    Unverified,
    /// Identity checked (eKYC).
    Verified,
    /// A business customer.
    Business,
}

impl Tier {
    /// `unverified`, `verified`, `business`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unverified => "unverified",
            Self::Verified => "verified",
            Self::Business => "business",
        }
    }

    /// The tier named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "unverified" => Some(Self::Unverified),
            "verified" => Some(Self::Verified),
            "business" => Some(Self::Business),
            _ => None,
        }
    }

    /// Its limits in `tiers`.
    pub fn limits(self, tiers: &TierLimits) -> Limits {
        match self {
            Self::Unverified => tiers.unverified,
            Self::Verified => tiers.verified,
            Self::Business => tiers.business,
        }
    }
}

const JST: UtcOffset = match UtcOffset::from_hms(9, 0, 0) {
    Ok(offset) => offset,
    Err(_) => panic!("UTC+9 is an offset"),
};

/// The Japan date (`2026-12-01`) and month (`2026-12`) of Unix second `now`.
pub fn jst_keys(now: i64) -> (String, String) {
    let at = OffsetDateTime::from_unix_timestamp(now)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(JST);
    let month = format!("{:04}-{:02}", at.year(), u8::from(at.month()));
    (format!("{month}-{:02}", at.day()), month)
}

/// A customer's tier (unverified when never set).
///
/// # Errors
/// When the database fails.
pub async fn tier_of(state: &AppState, address: &str) -> Result<Tier, sqlx::Error> {
    Ok(rows::tier(&state.db.pool, address)
        .await?
        .and_then(|t| Tier::parse(&t))
        .unwrap_or(Tier::Unverified))
}

/// What a customer may still pay.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Left {
    /// `unverified`, `verified`, `business`.
    pub tier: &'static str,
    /// The most one payment may be, yen.
    pub per_transaction: u64,
    /// The day's limit, yen.
    pub daily_limit: u64,
    /// Left today (Japan time), yen.
    pub daily_left: u64,
    /// The month's limit, yen.
    pub monthly_limit: u64,
    /// Left this month (Japan time), yen.
    pub monthly_left: u64,
    /// The largest payment possible now: the least of the three.
    pub payable_now: u64,
    /// Today in Japan (`2026-12-01`), the day the daily limit counts.
    pub jst_date: String,
}

/// What `address` may still pay at `now`.
///
/// # Errors
/// When the database fails.
pub async fn left(state: &AppState, address: &str, now: i64) -> Result<Left, sqlx::Error> {
    let tier = tier_of(state, address).await?;
    let limits = tier.limits(&state.config.compliance.tiers);
    let (day, month) = jst_keys(now);
    let pool = &state.db.pool;
    let used_day = rows::used(pool, address, "day", &day).await?.max(0) as u64;
    let used_month = rows::used(pool, address, "month", &month).await?.max(0) as u64;
    let daily_left = limits.daily.saturating_sub(used_day);
    let monthly_left = limits.monthly.saturating_sub(used_month);
    Ok(Left {
        tier: tier.as_str(),
        per_transaction: limits.per_transaction,
        daily_limit: limits.daily,
        daily_left,
        monthly_limit: limits.monthly,
        monthly_left,
        payable_now: limits.per_transaction.min(daily_left).min(monthly_left),
        jst_date: day,
    })
}

/// A reservation of a payment's yen against its payer's day and month.
#[derive(Debug, Clone)]
pub struct Reservation {
    address: String,
    yen: u64,
    day: String,
    month: String,
}

impl Reservation {
    fn periods(&self) -> [Period<'_>; 2] {
        // Releasing ignores the limits.
        [
            Period {
                period: "day",
                key: &self.day,
                limit: u64::MAX,
            },
            Period {
                period: "month",
                key: &self.month,
                limit: u64::MAX,
            },
        ]
    }

    /// Gives the yen back (the payment definitely did not happen).
    ///
    /// # Errors
    /// When the database fails.
    pub async fn release(&self, state: &AppState) -> Result<(), sqlx::Error> {
        rows::release_usage(&state.db.pool, &self.address, self.yen, &self.periods()).await
    }
}

/// Which limit a payment would pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exceeded {
    /// One payment above the tier's per-transaction limit.
    PerTransaction,
    /// The Japan day's total.
    Daily,
    /// The Japan month's total.
    Monthly,
}

impl Exceeded {
    /// `CUSTOMER_LIMIT_PER_TRANSACTION`, `CUSTOMER_LIMIT_DAILY`, `CUSTOMER_LIMIT_MONTHLY`.
    pub fn code(self) -> &'static str {
        match self {
            Self::PerTransaction => "CUSTOMER_LIMIT_PER_TRANSACTION",
            Self::Daily => "CUSTOMER_LIMIT_DAILY",
            Self::Monthly => "CUSTOMER_LIMIT_MONTHLY",
        }
    }
}

/// Checks the per-transaction limit alone (reads only).
///
/// # Errors
/// When the database fails.
pub async fn check_per_transaction(
    state: &AppState,
    address: &str,
    yen: u64,
) -> Result<Result<Tier, Exceeded>, sqlx::Error> {
    let tier = tier_of(state, address).await?;
    if yen > tier.limits(&state.config.compliance.tiers).per_transaction {
        return Ok(Err(Exceeded::PerTransaction));
    }
    Ok(Ok(tier))
}

/// Reserves `yen` against `address`'s Japan day and month at `now`, or
/// names the limit it would pass (nothing reserved).
///
/// # Errors
/// When the database fails.
pub async fn reserve(
    state: &AppState,
    address: &str,
    tier: Tier,
    yen: u64,
    now: i64,
) -> Result<Result<Reservation, Exceeded>, sqlx::Error> {
    let limits = tier.limits(&state.config.compliance.tiers);
    let (day, month) = jst_keys(now);
    let periods = [
        Period {
            period: "day",
            key: &day,
            limit: limits.daily,
        },
        Period {
            period: "month",
            key: &month,
            limit: limits.monthly,
        },
    ];
    match rows::reserve_usage(&state.db, address, yen, &periods).await? {
        Ok(()) => Ok(Ok(Reservation {
            address: address.to_owned(),
            yen,
            day,
            month,
        })),
        Err("day") => Ok(Err(Exceeded::Daily)),
        Err(_) => Ok(Err(Exceeded::Monthly)),
    }
}

/// Forgets usage older than the month before `now`'s (Japan time).
///
/// # Errors
/// When the database fails.
pub async fn purge(state: &AppState, now: i64) -> Result<u64, sqlx::Error> {
    let (_, last_month) = jst_keys(now - 32 * 24 * 3600);
    let (day, _) = jst_keys(now - 2 * 24 * 3600);
    rows::purge_usage(&state.db.pool, &day, &last_month).await
}

/// Records that `payer`'s payment of `code_id` was refused for `exceeded`,
/// for the suspicious-activity report (one row per payer, code and limit,
/// counted, so a flood of refusals stays one row).
///
/// # Errors
/// When the database fails.
pub async fn record_refusal(
    state: &AppState,
    payer: &str,
    code_id: &str,
    merchant_address: &str,
    amount: i64,
    exceeded: Exceeded,
) -> Result<(), sqlx::Error> {
    rows::record_limit_refusal(
        &state.db.pool,
        payer,
        code_id,
        exceeded.code(),
        merchant_address,
        amount,
        state.clock.now(),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_japan_day_rolls_over_at_15_utc() {
        // 2026-12-01 14:59:59 UTC is 23:59:59 in Tokyo; a second later it is the 2nd there.
        let before = 1_796_137_199;
        assert_eq!(jst_keys(before).0, "2026-12-01");
        assert_eq!(jst_keys(before + 1).0, "2026-12-02");
        assert_eq!(jst_keys(before + 1).1, "2026-12");
        // The month turns on Tokyo's 1st: 2026-11-30 15:00 UTC.
        assert_eq!(jst_keys(before - 24 * 3600 + 1).1, "2026-12");
        assert_eq!(jst_keys(before - 24 * 3600).1, "2026-11");
    }
}
