//! The reconciler: settles the payments, refunds and hold operations whose transaction's
//! outcome the gateway did not learn when it submitted it (a timeout, a
//! network error, a request that died). Every replica runs it; its
//! transitions are the store's and settle a row once.
//!
//! - `SUBMITTED` (the hash is known): the transaction is looked up
//!   ([`Ledger::lookup`](crate::chain::Ledger::lookup)). Committed: its
//!   events settle it (created, paid, refunded). Failed: the abort or VM
//!   status settles it as failed. Not committed: it waits, until the chain's
//!   time (the node's head) passes the transaction's expiration, after which
//!   it can never commit: failed.
//! - `PENDING` with no hash (the request died between writing the row and
//!   learning the outcome): its transaction was signed, if at all, within
//!   the request's timeout of the row's start (the server cancels a request
//!   then), and expires `submission_lifetime` after signing. Once the
//!   follower's chain time is past both, it can no longer commit, and the
//!   follower would have applied it if it had: failed. (Counting from the
//!   row's start alone once settled as failed a refund whose slow request
//!   signed late and committed, and the follower then recorded the refund a
//!   second time.)
//!
//! A failed creation frees its order reference; a failed refund no longer
//! counts against what is left to refund.
//!
//! A hold's capture or void (`hold_operations`) is settled the same way, with
//! one difference each way. Its row keeps no expiration, so a `SUBMITTED`
//! one counts as expired once the head passes the latest its transaction
//! could expire (`requested_at` + request timeout + lifetime). And a
//! committed one is only marked completed: the hold's amounts are the
//! follower's, from the hold events, applied once (it also completes a
//! `PENDING` operation without a hash that its event matches, so one whose
//! request died is not failed here after it committed).
use crate::AppState;
use crate::chain::{ChainError, Lookup, TxOutcome};
use crate::store::holds::{self, Operation, OperationStatus};
use crate::store::payments::{self, Payment, Refund, RefundStatus};
use tokio::sync::watch;
use yenpay_client::events::YenpayEvent;
use yenpay_client::invoice::InvoiceEvent;

/// Rows looked at per run at most (the rest go with the next run).
const BATCH: i64 = 200;

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    /// The node.
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// The database.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// What a run settled.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Settled {
    /// Payments found committed (created or paid).
    pub committed: u64,
    /// Payments found failed or never committed.
    pub failed: u64,
    /// Refunds found committed.
    pub refunds_committed: u64,
    /// Refunds found failed or never committed.
    pub refunds_failed: u64,
    /// Hold captures and voids found committed.
    pub operations_committed: u64,
    /// Hold captures and voids found failed or never committed.
    pub operations_failed: u64,
    /// Rows whose outcome is still unknown.
    pub waiting: u64,
}

/// What the chain says of one unsettled transaction.
enum Verdict {
    Committed(TxOutcome),
    Failed(String),
    Wait,
}

/// Settles what can be settled now.
///
/// # Errors
/// [`ReconcileError`]: the node or the database failed; nothing half done.
pub async fn run_once(state: &AppState) -> Result<Settled, ReconcileError> {
    let now = state.clock.now();
    let lifetime = state.config.submission_lifetime.as_secs() as i64;
    let written_before = now - lifetime;
    // The latest a row's transaction could expire: signed at the end of its request.
    let lost_after = lifetime + state.config.server.request_timeout.as_secs() as i64;
    let stale_payments = payments::unsettled(&state.db.pool, written_before, BATCH).await?;
    let stale_refunds = payments::unsettled_refunds(&state.db.pool, written_before, BATCH).await?;
    let stale_operations =
        holds::unsettled_operations(&state.db.pool, written_before, BATCH).await?;
    let mut settled = Settled::default();
    if stale_payments.is_empty() && stale_refunds.is_empty() && stale_operations.is_empty() {
        return Ok(settled);
    }
    let head_secs = (state.ledger.head().await?.timestamp_us / 1_000_000) as i64;
    let followed_secs = crate::follower::cursor(&state.db.pool)
        .await?
        .map_or(0, |c| (c.applied_timestamp_us / 1_000_000) as i64);
    for payment in stale_payments {
        let verdict = verdict(
            state,
            payment.pending_tx.as_deref(),
            payment.pending_expires_at,
            payment.created_at + lost_after,
            head_secs,
            followed_secs,
        )
        .await?;
        settle_payment(state, &payment, verdict, &mut settled).await?;
    }
    for refund in stale_refunds {
        let hash = match refund.status {
            RefundStatus::Submitted => refund.tx_hash.as_deref(),
            _ => None,
        };
        let verdict = verdict(
            state,
            hash,
            refund.pending_expires_at,
            refund.created_at + lost_after,
            head_secs,
            followed_secs,
        )
        .await?;
        settle_refund(state, &refund, verdict, &mut settled).await?;
    }
    for operation in stale_operations {
        let hash = match operation.status {
            OperationStatus::Submitted => operation.tx_hash.as_deref(),
            _ => None,
        };
        // Signed at the latest at the end of its request, it expires a lifetime later.
        let lost_at = operation.requested_at + lost_after;
        let verdict = verdict(
            state,
            hash,
            Some(lost_at),
            lost_at,
            head_secs,
            followed_secs,
        )
        .await?;
        settle_operation(state, &operation, verdict, &mut settled).await?;
    }
    if settled.committed
        + settled.failed
        + settled.refunds_committed
        + settled.refunds_failed
        + settled.operations_committed
        + settled.operations_failed
        > 0
    {
        state.signal_payments_changed();
        tracing::info!(?settled, "reconciled transactions with unknown outcomes");
    }
    Ok(settled)
}

async fn verdict(
    state: &AppState,
    hash: Option<&str>,
    expires_at: Option<i64>,
    lost_after: i64,
    head_secs: i64,
    followed_secs: i64,
) -> Result<Verdict, ReconcileError> {
    let Some(hash) = hash else {
        return Ok(if followed_secs > lost_after {
            Verdict::Failed(
                "NOT_COMMITTED: the submission's outcome was never learnt, and no transaction of it \
                 committed before it would have expired"
                    .to_owned(),
            )
        } else {
            Verdict::Wait
        });
    };
    Ok(match state.ledger.lookup(hash).await? {
        Lookup::Committed(outcome) => Verdict::Committed(outcome),
        Lookup::Failed { code, message } => {
            Verdict::Failed(payments::failure_reason(&code, &message))
        }
        Lookup::NotCommitted if head_secs > expires_at.unwrap_or(0) => Verdict::Failed(format!(
            "NOT_COMMITTED: transaction {hash} expired (at {}) without being committed",
            expires_at.unwrap_or(0)
        )),
        Lookup::NotCommitted => Verdict::Wait,
    })
}

async fn settle_payment(
    state: &AppState,
    payment: &Payment,
    verdict: Verdict,
    settled: &mut Settled,
) -> Result<(), ReconcileError> {
    let pool = &state.db.pool;
    match verdict {
        Verdict::Wait => settled.waiting += 1,
        Verdict::Failed(reason) => {
            let mut conn = pool.acquire().await?;
            payments::settle_failure(&mut conn, &payment.code_id, &reason).await?;
            tracing::info!(code = %payment.code_id, %reason, "settled as failed");
            settled.failed += 1;
        }
        Verdict::Committed(outcome) => {
            let tx = payments::Tx {
                hash: &outcome.hash,
                version: outcome.version,
            };
            for event in &outcome.events {
                match event {
                    YenpayEvent::Invoice(InvoiceEvent::InvoiceCreated(e)) => {
                        payments::confirm_created(
                            pool,
                            &payment.code_id,
                            tx,
                            e.amount,
                            e.expires_at,
                        )
                        .await?;
                    }
                    YenpayEvent::Invoice(InvoiceEvent::InvoicePaid(e)) => {
                        let paid = payments::Paid {
                            payer: e.payer.to_hex(),
                            amount: e.amount,
                            fee: e.fee,
                            net: e.net,
                            paid_at: e.paid_at,
                            tx,
                        };
                        payments::mark_paid(pool, &payment.code_id, &paid).await?;
                    }
                    _ => {}
                }
            }
            tracing::info!(code = %payment.code_id, tx = %outcome.hash, "settled as committed");
            settled.committed += 1;
        }
    }
    Ok(())
}

async fn settle_refund(
    state: &AppState,
    refund: &Refund,
    verdict: Verdict,
    settled: &mut Settled,
) -> Result<(), ReconcileError> {
    let pool = &state.db.pool;
    match verdict {
        Verdict::Wait => settled.waiting += 1,
        Verdict::Failed(reason) => {
            payments::fail_refund(pool, &refund.refund_id, &reason).await?;
            tracing::info!(refund = %refund.refund_id, %reason, "refund settled as failed");
            settled.refunds_failed += 1;
        }
        Verdict::Committed(outcome) => {
            let event = outcome.events.iter().find_map(|e| match e {
                YenpayEvent::Invoice(InvoiceEvent::InvoiceRefunded(r)) => Some(r),
                _ => None,
            });
            let refunded = payments::Refunded {
                amount: refund.amount as u64,
                fee_returned: event.map_or(0, |r| r.fee_returned),
                refunded_total: event.map_or(0, |r| r.refunded_total),
                tx: payments::Tx {
                    hash: &outcome.hash,
                    version: outcome.version,
                },
                at_secs: state.clock.now(),
            };
            payments::complete_refund(&state.db, &refund.refund_id, &refunded).await?;
            tracing::info!(refund = %refund.refund_id, tx = %outcome.hash, "refund settled as committed");
            settled.refunds_committed += 1;
        }
    }
    Ok(())
}

async fn settle_operation(
    state: &AppState,
    operation: &Operation,
    verdict: Verdict,
    settled: &mut Settled,
) -> Result<(), ReconcileError> {
    let pool = &state.db.pool;
    match verdict {
        Verdict::Wait => settled.waiting += 1,
        Verdict::Failed(reason) => {
            holds::fail_operation(pool, &operation.operation_id, &reason).await?;
            tracing::info!(operation = %operation.operation_id, %reason, "hold operation settled as failed");
            settled.operations_failed += 1;
        }
        Verdict::Committed(outcome) => {
            let tx = payments::Tx {
                hash: &outcome.hash,
                version: outcome.version,
            };
            holds::complete_operation(pool, &operation.operation_id, tx).await?;
            tracing::info!(operation = %operation.operation_id, tx = %outcome.hash, "hold operation settled as committed");
            settled.operations_committed += 1;
        }
    }
    Ok(())
}

/// Runs [`run_once`] every `reconcile_interval` until `stop`.
pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    loop {
        if let Err(error) = run_once(&state).await {
            tracing::warn!(%error, "reconciling unknown outcomes");
        }
        tokio::select! {
            _ = stop.changed() => return,
            _ = tokio::time::sleep(state.config.reconcile_interval) => {}
        }
    }
}
