//! The invoice events: each moves a payment or a refund
//! ([`payments`]' chain transitions) and queues the webhook it announces,
//! in the page's DB transaction. A function per event kind.
use crate::outbox;
use crate::store::payments::{self, Payment};
use serde_json::json;
use sqlx::AnyConnection;
use yenpay_client::invoice::{
    InvoiceCancelled, InvoiceCreated, InvoiceEvent, InvoicePaid, InvoicePurged, InvoiceRefunded,
    MerchantPaid,
};

/// Where an invoice event happened.
pub(super) struct Origin<'a> {
    /// The merchant it concerns (`0x`-hex).
    pub merchant: String,
    /// Its transaction.
    pub hash: &'a str,
    /// The transaction's version.
    pub version: u64,
    /// The event's index in it.
    pub index: u64,
    /// The block's time, Unix seconds.
    pub block_secs: i64,
    /// The gateway's now, for the outbox.
    pub now: i64,
}

impl Origin<'_> {
    /// The webhook event's id: one per chain event.
    pub(super) fn event_id(&self) -> String {
        format!("evt_{}_{}", self.version, self.index)
    }

    pub(super) fn tx(&self) -> payments::Tx<'_> {
        payments::Tx {
            hash: self.hash,
            version: self.version,
        }
    }

    /// Where an event of `order_ref` happened, as the store takes it.
    fn at<'b>(&'b self, order_ref: &'b str) -> payments::At<'b> {
        payments::At {
            merchant: &self.merchant,
            order_ref,
            tx: self.tx(),
            block_secs: self.block_secs,
        }
    }
}

/// Applies an invoice event; returns the webhook deliveries queued.
pub(super) async fn apply(
    tx: &mut AnyConnection,
    event: &InvoiceEvent,
    origin: &Origin<'_>,
) -> Result<u64, sqlx::Error> {
    match event {
        InvoiceEvent::InvoiceCreated(e) => created(tx, e, origin).await,
        InvoiceEvent::InvoicePaid(e) => paid(tx, e, origin).await,
        InvoiceEvent::InvoiceCancelled(e) => cancelled(tx, e, origin).await,
        InvoiceEvent::InvoicePurged(e) => purged(tx, e, origin).await,
        InvoiceEvent::InvoiceRefunded(e) => refunded(tx, e, origin).await,
        InvoiceEvent::MerchantPaid(e) => merchant_paid(tx, e, origin).await,
        // Settings: recorded for the audit trail only ([`merchant_of`] said so).
        _ => Ok(0),
    }
}

/// The merchant an invoice event concerns; `None` for the events that
/// change no payment (settings), which are only recorded.
pub(super) fn merchant_of(event: &InvoiceEvent) -> Option<String> {
    let merchant = match event {
        InvoiceEvent::InvoiceCreated(e) => e.merchant,
        InvoiceEvent::InvoicePaid(e) => e.merchant,
        InvoiceEvent::InvoiceCancelled(e) => e.merchant,
        InvoiceEvent::InvoiceRefunded(e) => e.merchant,
        InvoiceEvent::InvoicePurged(e) => e.merchant,
        InvoiceEvent::MerchantPaid(e) => e.merchant,
        _ => return None,
    };
    Some(merchant.to_hex())
}

async fn created(
    tx: &mut AnyConnection,
    e: &InvoiceCreated,
    origin: &Origin<'_>,
) -> Result<u64, sqlx::Error> {
    payments::chain_created(tx, origin.at(&e.order_ref), e.amount, e.expires_at).await?;
    Ok(0)
}

async fn paid(
    tx: &mut AnyConnection,
    e: &InvoicePaid,
    origin: &Origin<'_>,
) -> Result<u64, sqlx::Error> {
    let paid = payments::Paid {
        payer: e.payer.to_hex(),
        amount: e.amount,
        fee: e.fee,
        net: e.net,
        paid_at: e.paid_at,
        tx: origin.tx(),
    };
    let payment = payments::chain_paid(tx, origin.at(&e.order_ref), &paid).await?;
    announce_payment(
        tx,
        &payment,
        &origin.event_id(),
        "PAYMENT_COMPLETED",
        origin.now,
    )
    .await
}

async fn cancelled(
    tx: &mut AnyConnection,
    e: &InvoiceCancelled,
    origin: &Origin<'_>,
) -> Result<u64, sqlx::Error> {
    let Some(payment) = payments::chain_cancelled(tx, origin.at(&e.order_ref)).await? else {
        return Ok(0);
    };
    announce_payment(
        tx,
        &payment,
        &origin.event_id(),
        "PAYMENT_CANCELED",
        origin.now,
    )
    .await
}

async fn purged(
    tx: &mut AnyConnection,
    e: &InvoicePurged,
    origin: &Origin<'_>,
) -> Result<u64, sqlx::Error> {
    payments::chain_purged(tx, origin.at(&e.order_ref)).await?;
    Ok(0)
}

async fn refunded(
    tx: &mut AnyConnection,
    e: &InvoiceRefunded,
    origin: &Origin<'_>,
) -> Result<u64, sqlx::Error> {
    let refunded = payments::Refunded {
        amount: e.amount,
        fee_returned: e.fee_returned,
        refunded_total: e.refunded_total,
        tx: origin.tx(),
        at_secs: origin.block_secs,
    };
    let (refund, payment) =
        payments::chain_refunded(tx, origin.at(&e.order_ref), origin.index, &refunded).await?;
    let payment_code = payment
        .as_ref()
        .map_or(refund.code_id.as_str(), |p| p.code_id.as_str());
    let data = json!({
        "merchantRefundId": refund.merchant_refund_id,
        "merchantPaymentId": e.order_ref,
        "codeId": payment_code,
        "amount": {"amount": e.amount, "currency": "JPY"},
        "feeReturned": e.fee_returned,
        "refundedTotal": e.refunded_total,
        "payer": e.payer.to_hex(),
        "transactionHash": origin.hash,
        "version": origin.version,
    });
    let sequence = payments::next_event_sequence(tx, payment_code).await?;
    outbox::enqueue(
        tx,
        &origin.merchant,
        &origin.event_id(),
        "REFUND_COMPLETED",
        sequence,
        data,
        origin.now,
    )
    .await
}

/// A payment to a shop's static code: no invoice, so the follower makes
/// its row from the event.
async fn merchant_paid(
    tx: &mut AnyConnection,
    e: &MerchantPaid,
    origin: &Origin<'_>,
) -> Result<u64, sqlx::Error> {
    let id = format!("static-{}-{}", origin.version, origin.index);
    let paid = payments::Paid {
        payer: e.payer.to_hex(),
        amount: e.amount,
        fee: e.fee,
        net: e.net,
        paid_at: e.paid_at,
        tx: origin.tx(),
    };
    let payment = payments::chain_static_payment(tx, origin.at(&id), &paid, &e.reference).await?;
    announce_payment(
        tx,
        &payment,
        &origin.event_id(),
        "PAYMENT_COMPLETED",
        origin.now,
    )
    .await
}

/// Marks open codes whose expiry the chain's clock has reached as `EXPIRED`
/// ([`payments::expire_due`]) and queues `PAYMENT_EXPIRED` for each, in the
/// page's DB transaction. The gateway's own clock is not used, so a fast
/// gateway clock cannot expire a code the chain still takes.
pub(super) async fn expire_open_codes(
    tx: &mut AnyConnection,
    chain_secs: u64,
    now: i64,
    webhooks: &mut u64,
) -> Result<u64, sqlx::Error> {
    let expired = payments::expire_due(tx, chain_secs as i64).await?;
    for payment in &expired {
        let event_id = format!("exp_{}", payment.code_id);
        *webhooks += announce_payment(tx, payment, &event_id, "PAYMENT_EXPIRED", now).await?;
    }
    Ok(expired.len() as u64)
}

/// Queues a payment webhook with the payment's state: the row of the
/// invoice the event belongs to, so the webhook and the API agree.
async fn announce_payment(
    tx: &mut AnyConnection,
    p: &Payment,
    event_id: &str,
    event_type: &str,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let completed = event_type == "PAYMENT_COMPLETED";
    let data = json!({
        "codeId": p.code_id,
        "merchantPaymentId": p.merchant_payment_id,
        "status": p.status.api_name(),
        "kind": p.kind.as_str(),
        "origin": p.origin.as_str(),
        "amount": {"amount": p.amount, "currency": "JPY"},
        "payer": p.payer,
        "fee": p.fee,
        "net": p.net,
        "paidAt": p.paid_at,
        "reference": p.reference,
        "transactionHash": if completed { p.pay_tx.clone() } else { None },
        "version": if completed { p.pay_version } else { None },
    });
    let sequence = payments::next_event_sequence(tx, &p.code_id).await?;
    outbox::enqueue(
        tx,
        &p.merchant_address,
        event_id,
        event_type,
        sequence,
        data,
        now,
    )
    .await
}
