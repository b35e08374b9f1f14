//! The webhook dispatcher: delivers outbox rows to merchants' endpoints.
//!
//! Each POST carries the event's JSON body and
//! `Yenpay-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`
//! (Stripe's scheme: the receiver recomputes the MAC over the raw body and
//! refuses a `t` too far from its clock), plus `Yenpay-Event-Id` (receivers
//! de-duplicate on it: a delivery may arrive more than once, e.g. after a
//! crash between the POST and recording it). A 2xx is success; anything
//! else is retried with exponential backoff and jitter until a day after the
//! event, then dead-lettered (redelivery through the API). A delivery whose
//! endpoint the merchant deleted is cancelled, never sent or retried.
use crate::AppState;
use crate::config::WebhookPolicy;
use crate::crypto::{hmac_sha256, hmac_sha256_verify};
use crate::outbox::{self, Delivery};
use rand::Rng;
use std::time::Duration;
use tokio::sync::watch;

/// The signature header.
pub const SIGNATURE_HEADER: &str = "Yenpay-Signature";

/// `t=<t>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
pub fn signature(secret: &str, t: i64, body: &str) -> String {
    signature_by(&[secret], t, body)
}

/// One `v1` per secret, the current one first: during a rotation's overlap a
/// delivery is signed with the new and the old secret, and a receiver that
/// knows either accepts it ([`verify`]).
pub fn signature_by(secrets: &[&str], t: i64, body: &str) -> String {
    let message = format!("{t}.{body}");
    let mut header = format!("t={t}");
    for secret in secrets {
        header.push_str(",v1=");
        header.push_str(&const_hex::encode(hmac_sha256(
            secret.as_bytes(),
            message.as_bytes(),
        )));
    }
    header
}

/// What a receiver does: checks a `Yenpay-Signature` against the raw body,
/// with `tolerance_secs` around `now`.
pub fn verify(secret: &str, header: &str, body: &str, now: i64, tolerance_secs: i64) -> bool {
    let mut t = None;
    let mut macs = Vec::new();
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", value)) => t = value.parse::<i64>().ok(),
            Some(("v1", value)) => macs.extend(const_hex::decode(value).ok()),
            _ => {}
        }
    }
    let Some(t) = t else { return false };
    if (now - t).abs() > tolerance_secs {
        return false;
    }
    let message = format!("{t}.{body}");
    macs.iter()
        .any(|mac| hmac_sha256_verify(secret.as_bytes(), message.as_bytes(), mac))
}

/// The delay before the retry that follows the `attempts`-th failed attempt:
/// `base × 2^(attempts-1)`, at most `max_delay`, scaled by `0.5 + jitter/2`
/// with `jitter` in `[0, 1)` ("equal jitter": never less than half, so
/// retries spread out but do not collapse onto the first seconds).
pub fn backoff(policy: &WebhookPolicy, attempts: u32, jitter: f64) -> Duration {
    let exponent = attempts.saturating_sub(1).min(30);
    let delay = policy
        .base_delay
        .saturating_mul(1u32 << exponent)
        .min(policy.max_delay);
    delay.mul_f64(0.5 + jitter.clamp(0.0, 1.0) / 2.0)
}

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    /// Delivered.
    pub delivered: u32,
    /// Failed, to be retried.
    pub retrying: u32,
    /// Failed for good.
    pub dead: u32,
}

/// Why an attempt did not deliver.
enum Undelivered {
    /// The endpoint was deleted: cancel, never retry.
    EndpointGone,
    /// Anything else: retry.
    Failed(String),
}

impl From<String> for Undelivered {
    fn from(error: String) -> Self {
        Self::Failed(error)
    }
}

async fn attempt(state: &AppState, d: &Delivery) -> Result<(), Undelivered> {
    let endpoint = crate::store::merchants::endpoint_by_id(&state.db.pool, &d.endpoint_id)
        .await
        .map_err(|e| format!("database: {e}"))?
        .ok_or(Undelivered::EndpointGone)?;
    let secret = state
        .kek
        .open(
            &format!("webhook:{}", endpoint.endpoint_id),
            &endpoint.secret_enc,
        )
        .map_err(|e| Undelivered::Failed(e.to_string()))?;
    let secret = String::from_utf8_lossy(&secret).into_owned();
    // Checked again at every delivery: the rules may have tightened since registration,
    // and an IP literal never reaches the client's resolver.
    crate::webhook_destination::check(
        &endpoint.url,
        state.config.webhooks.allow_local_destinations,
    )
    .await
    .map_err(|error| error.to_string())?;
    let t = state.clock.now();
    let previous = match (
        &endpoint.previous_secret_enc,
        endpoint.previous_secret_until,
    ) {
        (Some(sealed), Some(until)) if t < until => Some(
            state
                .kek
                .open(&format!("webhook:{}", endpoint.endpoint_id), sealed)
                .map(|previous| String::from_utf8_lossy(&previous).into_owned())
                .map_err(|e| Undelivered::Failed(e.to_string()))?,
        ),
        _ => None,
    };
    let secrets: Vec<&str> = std::iter::once(secret.as_str())
        .chain(previous.as_deref())
        .collect();
    let response = state
        .webhook_http
        .post(&endpoint.url)
        .header("content-type", "application/json")
        .header(SIGNATURE_HEADER, signature_by(&secrets, t, &d.body))
        .header("Yenpay-Event-Id", &d.event_id)
        .header("Yenpay-Event-Type", &d.event_type)
        .body(d.body.clone())
        .send()
        .await
        .map_err(|e| format!("POST failed: {e}"))?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(Undelivered::Failed(format!("endpoint answered {status}")))
    }
}

/// Delivers every due delivery once (up to 100), concurrently.
///
/// # Errors
/// When the database fails.
pub async fn dispatch_once(state: &AppState) -> Result<Pass, sqlx::Error> {
    let now = state.clock.now();
    let policy = &state.config.webhooks;
    let lease = policy.request_timeout.as_secs() as i64 + 30;
    let mut set = tokio::task::JoinSet::new();
    for d in outbox::due(&state.db.pool, now, 100).await? {
        if !outbox::claim(&state.db.pool, &d, now, lease).await? {
            continue;
        }
        let state = state.clone();
        set.spawn(async move {
            let result = attempt(&state, &d).await;
            (d, result)
        });
    }
    let mut pass = Pass::default();
    while let Some(joined) = set.join_next().await {
        let Ok((d, result)) = joined else { continue };
        let now = state.clock.now();
        match result {
            Ok(()) => {
                outbox::delivered(&state.db.pool, &d.delivery_id, now).await?;
                state
                    .metrics
                    .webhook_attempts
                    .with_label_values(&["delivered"])
                    .inc();
                pass.delivered += 1;
                tracing::info!(delivery = %d.delivery_id, "webhook delivered");
            }
            Err(Undelivered::EndpointGone) => {
                outbox::cancelled(&state.db.pool, &d.delivery_id).await?;
                tracing::info!(delivery = %d.delivery_id, "webhook endpoint deleted; delivery cancelled");
            }
            Err(Undelivered::Failed(error)) => {
                state.metrics.webhook_failures.inc();
                let attempts = u32::try_from(d.attempts + 1).unwrap_or(u32::MAX);
                let delay = backoff(policy, attempts, rand::thread_rng().r#gen::<f64>());
                let next = now + delay.as_secs().max(1) as i64;
                let give_up = next - d.created_at > policy.give_up_after.as_secs() as i64;
                outbox::failed(
                    &state.db.pool,
                    &d.delivery_id,
                    &error,
                    (!give_up).then_some(next),
                )
                .await?;
                if give_up {
                    state
                        .metrics
                        .webhook_attempts
                        .with_label_values(&["dead"])
                        .inc();
                    pass.dead += 1;
                    tracing::warn!(delivery = %d.delivery_id, %error, "webhook dead-lettered");
                } else {
                    state
                        .metrics
                        .webhook_attempts
                        .with_label_values(&["failed"])
                        .inc();
                    pass.retrying += 1;
                    tracing::info!(delivery = %d.delivery_id, %error, next, "webhook failed; will retry");
                }
            }
        }
    }
    Ok(pass)
}

/// The dispatcher loop: a pass every `poll_interval` until `stop`; a pass in
/// progress finishes first.
pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    loop {
        if let Err(error) = dispatch_once(&state).await {
            tracing::warn!(%error, "webhook pass failed");
        }
        tokio::select! {
            _ = stop.changed() => return,
            _ = state.outbox_ready.notified() => {}
            _ = tokio::time::sleep(state.config.webhooks.poll_interval) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_verifies_and_refuses_tampering() {
        let header = signature("whsec_x", 1_000, r#"{"a":1}"#);
        assert!(header.starts_with("t=1000,v1="));
        assert!(verify("whsec_x", &header, r#"{"a":1}"#, 1_100, 300));
        assert!(!verify("whsec_x", &header, r#"{"a":2}"#, 1_100, 300));
        assert!(!verify("whsec_y", &header, r#"{"a":1}"#, 1_100, 300));
        assert!(!verify("whsec_x", &header, r#"{"a":1}"#, 2_000, 300));
        assert!(!verify("whsec_x", "v1=00", r#"{"a":1}"#, 1_000, 300));
    }

    #[test]
    fn backoff_doubles_caps_and_jitters() {
        let policy = WebhookPolicy {
            base_delay: Duration::from_secs(10),
            max_delay: Duration::from_secs(3600),
            ..WebhookPolicy::default()
        };
        assert_eq!(backoff(&policy, 1, 1.0), Duration::from_secs(10));
        assert_eq!(backoff(&policy, 2, 1.0), Duration::from_secs(20));
        assert_eq!(backoff(&policy, 3, 0.0), Duration::from_secs(20));
        assert_eq!(backoff(&policy, 20, 1.0), Duration::from_secs(3600));
        assert_eq!(backoff(&policy, 100, 0.0), Duration::from_secs(1800));
        // A day of retries is about 30 attempts at this policy, not thousands.
        let mut elapsed = Duration::ZERO;
        let mut attempts = 0;
        while elapsed < Duration::from_secs(86_400) {
            attempts += 1;
            elapsed += backoff(&policy, attempts, 1.0);
        }
        assert!((25..=35).contains(&attempts), "{attempts}");
    }

    /// The worked example of docs/gateway.md.
    #[test]
    fn worked_example_of_the_docs() {
        assert_eq!(
            signature(
                "whsec_demo",
                1_796_000_000,
                r#"{"id":"evt_4044_3","type":"PAYMENT_COMPLETED"}"#
            ),
            "t=1796000000,v1=135e4782f1991519c0fb5d3e43a43c347970a991d70b98fa1c9cd16626f78f03"
        );
    }
}
