//! How long compliance records are kept (issue 28). Japan's Act on
//! Prevention of Transfer of Criminal Proceeds keeps transaction records,
//! the travel-rule records among them, for seven years from the
//! transaction; the personal-information act asks that personal data go
//! once it is no longer needed. So the gateway keeps IVMS101 records,
//! self-declarations, screening verdicts and limit refusals for
//! `compliance.record_retention` (seven years by default, never less), then
//! deletes them, oldest first and in batches, one replica at a time (the
//! screening worker, at most once per [`INTERVAL`]). A pass that deleted
//! anything appends one audit entry with the counts and the cutoff.
//!
//! What stays: a verdict still `PENDING` (a payment not screened yet),
//! payments and holds (the chain's mirror), and the audit log, whose hash
//! chain a deletion would break (it carries ids, addresses and codes, never
//! a name, an address line or a birth date).
use crate::AppState;
use crate::store::audit_log::{self, NewEntry};
use crate::store::{compliance as rows, travel_rule};
use serde::Serialize;
use serde_json::json;
use std::time::Duration;

/// How often the worker looks for records past their retention.
pub const INTERVAL: Duration = Duration::from_secs(3_600);

/// Rows deleted in one statement: a pass never holds a long lock.
const BATCH: i64 = 500;

/// What a pass deleted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Purged {
    /// IVMS101 records and their receipts.
    pub travel_rule_records: u64,
    /// Unhosted wallets' self-declarations.
    pub self_declarations: u64,
    /// Screening verdicts (never a pending one).
    pub screening_verdicts: u64,
    /// Payments refused for a customer's limits.
    pub limit_refusals: u64,
}

impl Purged {
    /// Rows deleted in all.
    pub fn total(&self) -> u64 {
        self.travel_rule_records
            + self.self_declarations
            + self.screening_verdicts
            + self.limit_refusals
    }
}

/// Deletes `BATCH` at a time with `purge` until a batch comes back short.
async fn drain<F, Fut>(purge: F) -> Result<u64, sqlx::Error>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<u64, sqlx::Error>>,
{
    let mut total = 0;
    loop {
        let deleted = purge().await?;
        total += deleted;
        if deleted < BATCH as u64 {
            return Ok(total);
        }
    }
}

/// One pass: deletes every compliance record older than the retention and
/// records the pass in the audit log when it deleted anything.
///
/// # Errors
/// When the database fails; what was deleted before stays deleted, and the
/// next pass goes on.
pub async fn purge_once(state: &AppState) -> Result<Purged, sqlx::Error> {
    let now = state.clock.now();
    let retention = state.config.compliance.record_retention.as_secs() as i64;
    let cutoff = now.saturating_sub(retention);
    let pool = &state.db.pool;
    let purged = Purged {
        travel_rule_records: drain(|| travel_rule::purge_records_before(pool, cutoff, BATCH))
            .await?,
        self_declarations: drain(|| travel_rule::purge_declarations_before(pool, cutoff, BATCH))
            .await?,
        screening_verdicts: drain(|| rows::purge_verdicts_before(pool, cutoff, BATCH)).await?,
        limit_refusals: drain(|| rows::purge_limit_refusals_before(pool, cutoff, BATCH)).await?,
    };
    if purged.total() > 0 {
        let entry = NewEntry {
            actor: "gateway",
            action: "RETENTION_PURGE",
            subject: "compliance_records",
            details: json!({
                "cutoff": cutoff,
                "retentionDays": retention / 86_400,
                "deleted": purged,
            }),
        };
        audit_log::append(&state.db, &entry, now).await?;
        tracing::info!(
            cutoff,
            travel_rule_records = purged.travel_rule_records,
            self_declarations = purged.self_declarations,
            screening_verdicts = purged.screening_verdicts,
            limit_refusals = purged.limit_refusals,
            "compliance records past their retention deleted"
        );
    }
    Ok(purged)
}
