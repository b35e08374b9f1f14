//! One follower and one webhook dispatcher among replicas, chosen by the
//! database. Each replica that may run a role competes for its lease
//! (`store::leases`); the holder runs the role and renews the lease every
//! third of its time to live, and steps down (stopping the role) if a
//! renewal fails for so long that the lease may have expired. Another replica
//! takes the lease once it expires: within `lease_ttl` plus a third of it
//! after the leader dies, however it dies (kill -9 included). A replica that
//! stops cleanly releases the lease at once. Two followers at once were safe
//! (events are applied idempotently) but wasteful; two dispatchers are
//! prevented by their claims too. This makes one the normal case, with no
//! `--no-follower` to set by hand.
use crate::AppState;
use crate::store::leases;
use std::future::Future;
use tokio::sync::watch;

/// Runs `work` whenever this replica holds the lease `role`, until `stop`.
pub async fn lead<F, Fut>(
    state: AppState,
    role: &'static str,
    mut stop: watch::Receiver<bool>,
    work: F,
) where
    F: Fn(AppState, watch::Receiver<bool>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let ttl = state.config.lease_ttl.as_secs().max(3) as i64;
    let renew_every = std::time::Duration::from_secs((ttl / 3) as u64);
    let holder = state.replica.clone();
    let gauge = state.metrics.leader.with_label_values(&[role]);
    loop {
        let now = state.clock.now();
        match leases::acquire(&state.db.pool, role, &holder, now, ttl).await {
            Ok(true) => {
                tracing::info!(role, replica = %holder, "this replica leads");
                gauge.set(1);
                let (lost_tx, lost_rx) = watch::channel(false);
                let task = tokio::spawn(work(state.clone(), lost_rx));
                let mut renewed = now;
                let stopping = loop {
                    tokio::select! {
                        _ = stop.changed() => break true,
                        _ = tokio::time::sleep(renew_every) => {}
                    }
                    let now = state.clock.now();
                    match leases::acquire(&state.db.pool, role, &holder, now, ttl).await {
                        Ok(true) => renewed = now,
                        Ok(false) => {
                            tracing::warn!(role, "another replica took the lease: stepping down");
                            break false;
                        }
                        // Keep leading while the lease surely holds; step down before it may expire.
                        Err(error) if now - renewed < ttl - renew_every.as_secs() as i64 => {
                            tracing::warn!(role, %error, "renewing the lease failed; retrying");
                        }
                        Err(error) => {
                            tracing::warn!(role, %error, "the lease could not be renewed in time: stepping down");
                            break false;
                        }
                    }
                };
                let _ = lost_tx.send(true);
                let _ = task.await;
                gauge.set(0);
                if stopping {
                    if let Err(error) = leases::release(&state.db.pool, role, &holder).await {
                        tracing::warn!(role, %error, "releasing the lease");
                    }
                    return;
                }
            }
            Ok(false) => {}
            Err(error) => tracing::warn!(role, %error, "taking the lease"),
        }
        tokio::select! {
            _ = stop.changed() => return,
            _ = tokio::time::sleep(renew_every) => {}
        }
    }
}
