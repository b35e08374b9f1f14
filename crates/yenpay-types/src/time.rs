//! Unix time, the one clock the contract and its clients share.
use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch, as `timestamp::now_seconds` counts them (0
/// if the system clock is before 1970).
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}
