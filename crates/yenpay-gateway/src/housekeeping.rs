//! The operator's housekeeping job: deletes the records of closed invoices
//! (`invoice::purge_invoices`), so the storage deposits the operator paid
//! for them (it sponsors the customers' `pay_signed_invoice` and sends the
//! gateway's `collect_signed_invoice`) come back to it,
//! and order references are free again. Only the operator or the
//! housekeeper it named on chain may purge; the gateway signs with its fee
//! payer's key, which must be one of them. One replica runs it at a time
//! (a lease, like the follower's), every `Config::purge_interval`.
//!
//! Each pass takes the oldest candidates the database knows of, asks the
//! chain which are purgeable now (each invoice keeps its own refund window),
//! and purges those in one transaction. The follower then sees the
//! `InvoicePurged` events and marks the rows purged.
use crate::AppState;
use crate::chain::ChainError;
use crate::store::payments;
use aptos_sdk::types::AccountAddress;
use tokio::sync::watch;
use yenpay_client::types::limits::OrderRef;

/// Candidates looked at per pass, and so the most purged in one transaction.
const BATCH: i64 = 50;

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    /// Candidates looked at.
    pub examined: usize,
    /// Records deleted.
    pub purged: usize,
}

/// Why a pass failed.
#[derive(Debug, thiserror::Error)]
pub enum HousekeepingError {
    /// The database failed.
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    /// The chain refused or did not answer.
    #[error(transparent)]
    Chain(#[from] ChainError),
}

/// One pass: purges what is purgeable among the oldest candidates.
///
/// # Errors
/// [`HousekeepingError`]; nothing is purged then, and the next pass tries again.
pub async fn purge_once(state: &AppState) -> Result<Purged, HousekeepingError> {
    let Some(keeper) = state.operator.as_ref() else {
        return Ok(Purged::default());
    };
    let candidates = payments::purge_candidates(&state.db.pool, state.clock.now(), BATCH).await?;
    let mut due = Vec::new();
    for (merchant, order) in &candidates {
        let (Ok(merchant), Ok(order)) = (
            AccountAddress::from_hex(merchant),
            OrderRef::new(order.clone()),
        ) else {
            continue;
        };
        if state.ledger.is_purgeable(merchant, &order).await? {
            due.push((merchant, order));
        }
    }
    if !due.is_empty() {
        state.ledger.purge(keeper, &due).await?;
        tracing::info!(
            purged = due.len(),
            "closed invoices purged; their deposits returned to the operator"
        );
    }
    Ok(Purged {
        examined: candidates.len(),
        purged: due.len(),
    })
}

/// Runs a pass every `Config::purge_interval` until `stop`.
pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    loop {
        if let Err(error) = purge_once(&state).await {
            tracing::warn!(%error, "housekeeping pass failed; trying again next time");
        }
        tokio::select! {
            _ = stop.changed() => return,
            _ = tokio::time::sleep(state.config.purge_interval) => {}
        }
    }
}
