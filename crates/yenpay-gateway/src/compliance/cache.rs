//! Remembering a provider's verdicts for a while, so that a flood of
//! sponsor requests from one address (a wallet retrying, or someone
//! probing) asks a paid, rate-limited screening service once, not once a
//! request. Bounded (least recently used out first) and per verdict: a deny
//! is kept longest (the address is refused meanwhile whatever it does), a
//! review less, an allow shortest (a new listing reaches a cached address
//! within its time). A provider that failed is not remembered: the fail
//! policy decides each request, and the next one asks again.
use super::{Decision, ScreenError, Screener, Subject, Verdict};
use crate::config::VerdictCachePolicy;
use aptos_sdk::types::AccountAddress;
use lru::LruCache;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};
// tokio's clock: the tests pause and advance it.
use tokio::time::Instant;

/// What a verdict is remembered for: the address, the purpose (`SPONSOR`,
/// `PAYMENT`, `REFUND`) and the merchant's category, which the provider is
/// told; not the amount, so a flood of different amounts is one entry.
type Key = (AccountAddress, String, String);

/// A provider behind a verdict cache.
#[derive(Debug)]
pub struct CachedScreener {
    inner: Arc<dyn Screener>,
    policy: VerdictCachePolicy,
    entries: Mutex<LruCache<Key, (Verdict, Instant)>>,
}

impl CachedScreener {
    /// `inner` behind a cache of `policy.capacity` entries; `None` when the
    /// capacity is 0 (no cache).
    pub fn wrap(inner: Arc<dyn Screener>, policy: &VerdictCachePolicy) -> Arc<dyn Screener> {
        match NonZeroUsize::new(policy.capacity) {
            None => inner,
            Some(capacity) => Arc::new(Self {
                inner,
                policy: policy.clone(),
                entries: Mutex::new(LruCache::new(capacity)),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<Key, (Verdict, Instant)>> {
        // A panic while holding the lock leaves a cache, not a broken invariant.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait::async_trait]
impl Screener for CachedScreener {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    async fn screen(&self, subject: &Subject<'_>) -> Result<Verdict, ScreenError> {
        let key = (
            subject.address,
            subject.context.to_owned(),
            subject.mcc.to_owned(),
        );
        let now = Instant::now();
        {
            let mut entries = self.lock();
            match entries.get(&key) {
                Some((verdict, until)) if *until > now => return Ok(verdict.clone()),
                Some(_) => {
                    entries.pop(&key);
                }
                None => {}
            }
        }
        let verdict = self.inner.screen(subject).await?;
        let ttl = ttl(&self.policy, verdict.decision);
        if !ttl.is_zero() {
            self.lock().put(key, (verdict.clone(), now + ttl));
        }
        Ok(verdict)
    }
}

/// How long a verdict of `decision` is remembered (here, not in `config`,
/// so that the settings do not depend on what reads them).
fn ttl(policy: &VerdictCachePolicy, decision: Decision) -> std::time::Duration {
    match decision {
        Decision::Allow => policy.allow,
        Decision::Review => policy.review,
        Decision::Deny => policy.deny,
    }
}
