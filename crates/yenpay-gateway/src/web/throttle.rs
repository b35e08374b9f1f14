//! Throttling of POS logins: failed logins are counted per client address
//! and per merchant over a sliding window (`WebPolicy::login_*`), in the
//! database, so that replicas share the counts. Past either limit a login
//! answers 429 with `Retry-After` before its secret is looked at.
//!
//! An attempt is written before the secret is checked and deleted again if
//! it succeeds: a burst of concurrent guesses counts itself in full, where
//! counting failures only after the check would let every guess of the burst
//! pass the limit. Two attempts racing at the limit may then both be
//! refused, never both let through. A success deletes only its own attempt:
//! it never clears another client's failures, nor its own earlier ones (a
//! guesser holding one valid credential could otherwise reset its count).
use crate::AppState;
use crate::crypto::random_hex;
use crate::store::pos as store;
use std::net::IpAddr;

/// The bucket of a client address. An IPv6 client counts by its /64, the
/// block one subscriber usually holds whole; an IPv4-mapped address counts
/// as the IPv4 address. `None` (the router served without the gateway's
/// server loop, which records the peer) shares one bucket.
pub fn client_bucket(peer: Option<IpAddr>) -> String {
    match peer.map(|ip| ip.to_canonical()) {
        Some(IpAddr::V4(ip)) => format!("client:{ip}"),
        Some(IpAddr::V6(ip)) => {
            let s = ip.segments();
            format!("client:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        None => "client:unknown".to_owned(),
    }
}

/// The bucket of a merchant's credentials.
pub fn merchant_bucket(merchant_id: &str) -> String {
    format!("merchant:{merchant_id}")
}

/// A login refused unchecked: try again after this many seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    /// Seconds until a failure leaves the window.
    pub retry_after: u64,
}

/// A login attempt, counted in its buckets until it succeeds.
#[derive(Debug)]
pub struct Attempt {
    id: String,
}

impl Attempt {
    /// Counts an attempt in each of `buckets` (bucket, limit); refuses it
    /// (and counts nothing) when a bucket then holds more than its limit.
    ///
    /// # Errors
    /// The database's.
    pub async fn begin(
        state: &AppState,
        buckets: &[(String, u32)],
    ) -> Result<Result<Self, Throttled>, sqlx::Error> {
        let now = state.clock.now();
        let window = state.config.web.login_window.as_secs() as i64;
        let since = now - window;
        let id = random_hex(16);
        let names: Vec<String> = buckets.iter().map(|(bucket, _)| bucket.clone()).collect();
        store::record_attempt(&state.db, &names, &id, now).await?;
        let mut full = Vec::new();
        for (bucket, limit) in buckets {
            if store::attempts_since(&state.db.pool, bucket, since).await? > i64::from(*limit) {
                full.push((bucket, *limit));
            }
        }
        if full.is_empty() {
            return Ok(Ok(Self { id }));
        }
        // Refused: the attempt is no failure, and must not stretch the lock-out.
        store::forget_attempt(&state.db.pool, &id).await?;
        let mut retry_after = 1;
        for (bucket, limit) in full {
            // Free again once the limit-th newest failure leaves the window.
            let kept = store::nth_newest_attempt(&state.db.pool, bucket, since, limit)
                .await?
                .unwrap_or(now);
            retry_after = retry_after.max((kept + window - now).max(1) as u64);
        }
        Ok(Err(Throttled { retry_after }))
    }

    /// The login succeeded: it is no failure, so it leaves every count.
    ///
    /// # Errors
    /// The database's.
    pub async fn succeeded(self, state: &AppState) -> Result<(), sqlx::Error> {
        store::forget_attempt(&state.db.pool, &self.id).await
    }
}

/// Deletes attempts that left the window.
///
/// # Errors
/// The database's.
pub async fn purge(state: &AppState, now: i64) -> Result<u64, sqlx::Error> {
    let window = state.config.web.login_window.as_secs() as i64;
    store::purge_attempts(&state.db.pool, now - window).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_count_by_address_and_ipv6_by_its_64() {
        let v4: IpAddr = "192.0.2.7".parse().unwrap();
        assert_eq!(client_bucket(Some(v4)), "client:192.0.2.7");
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(client_bucket(Some(mapped)), "client:192.0.2.7");
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_bucket(Some(a)), client_bucket(Some(b)));
        assert_ne!(client_bucket(Some(a)), client_bucket(Some(c)));
        assert_eq!(client_bucket(Some(a)), "client:2001:db8:1:2::/64");
        assert_eq!(client_bucket(None), "client:unknown");
    }
}
