//! The hold events (issue 27): each moves a hold's row ([`holds`]' chain
//! transitions) and queues the webhook it announces, in the page's DB
//! transaction. A function per event kind.
//!
//! Webhooks: `HOLD_AUTHORIZED` (the customer's yen went into escrow, or it
//! added to them), `HOLD_CAPTURED`, `HOLD_VOIDED`, `HOLD_RECLAIMED`, and
//! `HOLD_EXPIRED` ([`expire_holds`]); each carries the hold's state after it
//! and its own sequence number among the hold's events; a reviewed
//! payment's hold (`compliance::review`) is also announced as
//! `PAYMENT_UNDER_REVIEW` when taken. A refund, a seizure
//! and a purge change the row and send nothing.
use super::invoice::Origin;
use crate::outbox;
use crate::store::holds::{self, Authorized, Captured, Hold};
use serde_json::{Value, json};
use sqlx::AnyConnection;
use yenpay_client::hold::HoldEvent;

/// The merchant a hold event concerns (`0x`-hex).
pub(super) fn merchant_of(event: &HoldEvent) -> Option<String> {
    let merchant = match event {
        HoldEvent::HoldAuthorized(e) => e.merchant,
        HoldEvent::HoldIncreased(e) => e.merchant,
        HoldEvent::HoldCaptured(e) => e.merchant,
        HoldEvent::HoldVoided(e) => e.merchant,
        HoldEvent::HoldReclaimed(e) => e.merchant,
        HoldEvent::HoldRefunded(e) => e.merchant,
        HoldEvent::HoldSeized(e) => e.merchant,
        HoldEvent::HoldPurged(e) => e.merchant,
        #[allow(unreachable_patterns)]
        _ => return None,
    };
    Some(merchant.to_hex())
}

fn at<'a>(origin: &'a Origin<'_>, hold_ref: &'a str) -> holds::At<'a> {
    holds::At {
        merchant: &origin.merchant,
        hold_ref,
        tx: origin.tx(),
        block_secs: origin.block_secs,
    }
}

/// Applies a hold event; returns the webhook deliveries queued.
pub(super) async fn apply(
    tx: &mut AnyConnection,
    event: &HoldEvent,
    origin: &Origin<'_>,
) -> Result<u64, sqlx::Error> {
    let (hold, event_type, detail) = match event {
        HoldEvent::HoldAuthorized(e) => {
            let customer = e.customer.to_hex();
            let authorized = Authorized {
                customer: &customer,
                amount: e.amount,
                tip_limit: e.tip_limit,
                capture_before: e.capture_before,
            };
            let hold = holds::chain_authorized(tx, at(origin, &e.hold_ref), &authorized).await?;
            (
                Some(hold),
                "HOLD_AUTHORIZED",
                json!({"amount": e.amount, "tipLimit": e.tip_limit, "createdBy": e.created_by.to_hex()}),
            )
        }
        HoldEvent::HoldIncreased(e) => (
            holds::chain_increased(tx, at(origin, &e.hold_ref), e.authorized, e.capture_before)
                .await?,
            "HOLD_AUTHORIZED",
            json!({"increasedBy": e.amount}),
        ),
        HoldEvent::HoldCaptured(e) => {
            let captured = Captured {
                amount: e.amount,
                tip: e.tip,
                fee: e.fee,
                net: e.net,
                released: e.released,
                held: e.held,
            };
            (
                holds::chain_captured(tx, at(origin, &e.hold_ref), &captured).await?,
                "HOLD_CAPTURED",
                json!({"amount": e.amount, "tip": e.tip, "fee": e.fee, "net": e.net,
                       "released": e.released, "capturedBy": e.captured_by.to_hex()}),
            )
        }
        HoldEvent::HoldVoided(e) => (
            holds::chain_voided(tx, at(origin, &e.hold_ref), e.amount, e.held).await?,
            "HOLD_VOIDED",
            json!({"amount": e.amount, "voidedBy": e.voided_by.to_hex()}),
        ),
        HoldEvent::HoldReclaimed(e) => (
            holds::chain_reclaimed(tx, at(origin, &e.hold_ref), e.amount).await?,
            "HOLD_RECLAIMED",
            json!({"amount": e.amount, "reclaimedBy": e.reclaimed_by.to_hex()}),
        ),
        HoldEvent::HoldRefunded(e) => {
            holds::chain_refunded(tx, at(origin, &e.hold_ref), e.refunded_total).await?;
            return Ok(0);
        }
        HoldEvent::HoldSeized(e) => {
            holds::chain_seized(tx, at(origin, &e.hold_ref), e.amount).await?;
            return Ok(0);
        }
        HoldEvent::HoldPurged(e) => {
            holds::chain_purged(tx, at(origin, &e.hold_ref)).await?;
            return Ok(0);
        }
        #[allow(unreachable_patterns)]
        _ => return Ok(0),
    };
    // An event of a hold taken before the follower's start, without its authorization: recorded only.
    let Some(hold) = hold else {
        return Ok(0);
    };
    let taken = matches!(event, HoldEvent::HoldAuthorized(_));
    let mut data = state_of(&hold);
    data["event"] = detail;
    data["transactionHash"] = json!(origin.hash);
    data["version"] = json!(origin.version);
    let mut queued = announce(tx, &hold, &origin.event_id(), event_type, data, origin.now).await?;
    if taken {
        // A reviewed payment's hold: the merchant hears it is held, not paid.
        let transaction = json!({"transactionHash": origin.hash, "version": origin.version});
        queued += crate::compliance::review::announce_taken(
            tx,
            &hold,
            &origin.event_id(),
            transaction,
            origin.now,
        )
        .await?;
    }
    Ok(queued)
}

/// A hold's state as its webhooks show it (as `GET /v2/holds/{id}` does).
fn state_of(h: &Hold) -> Value {
    json!({
        "holdId": h.hold_id,
        "merchantPaymentId": h.merchant_payment_id,
        "status": h.status.as_str(),
        "customer": h.customer,
        "amount": {"amount": h.amount, "currency": "JPY"},
        "tipLimit": h.tip_limit,
        "authorized": h.authorized,
        "captured": h.captured,
        "tipped": h.tipped,
        "released": h.released,
        "held": h.held(),
        "fee": h.fee,
        "net": h.net,
        "authorizationExpiry": h.capture_before,
    })
}

async fn announce(
    tx: &mut AnyConnection,
    hold: &Hold,
    event_id: &str,
    event_type: &str,
    data: Value,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let sequence = holds::next_event_sequence(tx, &hold.hold_id).await?;
    outbox::enqueue(
        tx,
        &hold.merchant_address,
        event_id,
        event_type,
        sequence,
        data,
        now,
    )
    .await
}

/// Marks the hold codes and authorizations the chain's clock passed as
/// `EXPIRED` ([`holds::expire_due`]) and queues `HOLD_EXPIRED` for each, in
/// the page's DB transaction (chain time, as for codes).
pub(super) async fn expire_holds(
    tx: &mut AnyConnection,
    chain_secs: u64,
    now: i64,
    webhooks: &mut u64,
) -> Result<u64, sqlx::Error> {
    let expired = holds::expire_due(tx, chain_secs as i64).await?;
    for hold in &expired {
        // One expiry per hold: the code's, or the authorization's.
        let event_id = if hold.authorized > 0 {
            format!("hexp_{}", hold.hold_id)
        } else {
            format!("hexp_{}_code", hold.hold_id)
        };
        *webhooks += announce(tx, hold, &event_id, "HOLD_EXPIRED", state_of(hold), now).await?;
    }
    Ok(expired.len() as u64)
}
