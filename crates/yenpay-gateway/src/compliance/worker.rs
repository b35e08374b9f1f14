//! Screening the payments the follower applied. The follower writes a
//! `PENDING` verdict row per payment in the DB transaction that applies it
//! ([`queue_payment`]), so no payment goes unscreened across a crash; this
//! worker (one replica at a time, the `screener` lease) screens the payer
//! and, in one DB transaction, records the verdict, appends it to the audit
//! log and, for a deny, queues `PAYMENT_SCREENING_DENIED` to the merchant's
//! endpoints (the outbox: signed and retried like every webhook), with an
//! error log line and `yenpay_gateway_screening_denied_payments_total` for
//! the operator, who can then denylist and seize with the console.
use super::{Decision, Subject, audit, outcome_of, travel_rule};
use crate::store::compliance::{self as rows, NewScreening};
use crate::store::{audit_log, merchants, payments};
use crate::{AppState, outbox};
use aptos_sdk::types::AccountAddress;
use serde_json::json;
use sqlx::AnyConnection;
use tokio::sync::watch;

/// Queues the screening of a payment's payer (`screening.context` is
/// `PAYMENT`, its reference the chain event's id), inside the follower's
/// transaction; nothing when no provider is configured. The merchant's
/// category is filled in by the worker: the follower reads no merchant.
///
/// # Errors
/// When the database fails.
pub async fn queue_payment(
    state: &AppState,
    tx: &mut AnyConnection,
    screening: &NewScreening<'_>,
    now: i64,
) -> Result<(), sqlx::Error> {
    if !state.compliance.enabled() {
        return Ok(());
    }
    rows::queue(tx, screening, now).await
}

/// Screens up to 50 pending payments; returns how many were screened.
///
/// # Errors
/// When the database fails.
pub async fn screen_pending(state: &AppState) -> Result<usize, sqlx::Error> {
    let pending = rows::pending(&state.db.pool, 50).await?;
    let mut done = 0;
    let mut queued = 0;
    for row in pending {
        let merchant = merchants::by_address(&state.db.pool, &row.merchant_address).await?;
        let mcc = merchant.as_ref().map_or(String::new(), |m| m.mcc.clone());
        let Ok(address) = AccountAddress::from_hex(&row.subject) else {
            continue;
        };
        let subject = Subject {
            address,
            context: "PAYMENT",
            mcc: &mcc,
            amount: row.amount,
        };
        let Some(verdict) = state.compliance.screen(&subject).await else {
            return Ok(done);
        };
        let now = state.clock.now();
        let outcome = outcome_of(&verdict);
        let mut tx = state.db.begin().await?;
        if !rows::complete(&mut tx, &row.verdict_id, &mcc, &outcome, now).await? {
            tx.rollback().await?;
            continue;
        }
        let screening = NewScreening {
            context: "PAYMENT",
            reference: &row.reference,
            subject: &row.subject,
            merchant_address: &row.merchant_address,
            order_ref: row.order_ref.as_deref(),
            amount: row.amount,
            mcc: &mcc,
        };
        audit_log::append_in(
            &mut tx,
            &audit::verdict_entry(&row.verdict_id, &screening, &outcome),
            now,
        )
        .await?;
        let payment = match &row.order_ref {
            Some(order) => {
                payments::by_merchant_payment_id(&mut *tx, &row.merchant_address, order).await?
            }
            None => None,
        };
        // The travel rule's record, with the verdict: the payer's provider
        // (or declaration) and the merchant, the operator its VASP.
        if let Some(shop) = &merchant {
            let transfer = travel_rule::Transfer {
                direction: travel_rule::Direction::Payment,
                reference: &row.reference,
                merchant: travel_rule::MerchantParty {
                    id: &shop.id,
                    address: &shop.address,
                    name: &shop.name,
                },
                order_ref: row.order_ref.as_deref(),
                code_id: payment.as_ref().map(|p| p.code_id.as_str()),
                customer: &row.subject,
                amount: row.amount,
            };
            if let Err(error) = travel_rule::record(state, &mut tx, &transfer).await {
                // A key that does not open is the operator's to fix; the
                // verdict still stands, and the payment is screened again.
                tx.rollback().await?;
                tracing::error!(%error, reference = %row.reference, "building a travel-rule record");
                continue;
            }
        }
        if verdict.decision == Decision::Deny {
            let code_id = payment.as_ref().map(|p| p.code_id.clone());
            let sequence = match &code_id {
                Some(code_id) => payments::next_event_sequence(&mut tx, code_id).await?,
                None => 0,
            };
            let data = json!({
                "codeId": code_id,
                "merchantPaymentId": row.order_ref,
                "payer": row.subject,
                "amount": {"amount": row.amount, "currency": "JPY"},
                "verdict": verdict.decision.as_str(),
                "reasonCode": verdict.reason_code,
                "screeningId": row.verdict_id,
                "transactionHash": payment.as_ref().and_then(|p| p.pay_tx.clone()),
                "version": payment.as_ref().and_then(|p| p.pay_version),
            });
            queued += outbox::enqueue(
                &mut tx,
                &row.merchant_address,
                &format!("scr_{}", row.reference),
                "PAYMENT_SCREENING_DENIED",
                sequence,
                data,
                now,
            )
            .await?;
        }
        tx.commit().await?;
        super::count(state, "PAYMENT", &verdict);
        if verdict.decision == Decision::Deny {
            state.metrics.screening_denied_payments.inc();
            tracing::error!(
                payer = %row.subject,
                merchant = %row.merchant_address,
                order_ref = row.order_ref.as_deref().unwrap_or_default(),
                amount = row.amount,
                reason_code = %verdict.reason_code,
                screening_id = %row.verdict_id,
                "a payment on chain came from an address screening denies: the merchant is told (PAYMENT_SCREENING_DENIED); denylist and seize with the console if the order says so"
            );
        }
        done += 1;
    }
    if queued > 0 {
        state.outbox_ready.notify_one();
    }
    Ok(done)
}

/// Voids the holds of reviews past their deadline (`review::void_due`) and
/// screens pending payments, every `compliance.worker_interval` until
/// `stop`; deletes records past their retention every
/// [`super::retention::INTERVAL`].
pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    let mut next_retention = tokio::time::Instant::now();
    loop {
        if tokio::time::Instant::now() >= next_retention {
            if let Err(error) = super::retention::purge_once(&state).await {
                tracing::warn!(%error, "deleting compliance records past their retention");
            }
            next_retention = tokio::time::Instant::now() + super::retention::INTERVAL;
        }
        // Reviews past their deadline first: their holds go back to the payers.
        if let Err(error) = super::review::void_due(&state).await {
            tracing::warn!(%error, "voiding reviews past their deadline");
        }
        match screen_pending(&state).await {
            Ok(50) => continue,
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "screening payments"),
        }
        tokio::select! {
            _ = stop.changed() => return,
            _ = tokio::time::sleep(state.config.compliance.worker_interval) => {}
        }
    }
}
