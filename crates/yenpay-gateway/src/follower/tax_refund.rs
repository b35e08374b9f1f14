//! The `tax_refund` events: a tax-free purchase (`TaxFreePurchaseRecorded`),
//! its tax paid back (`TaxRefunded`: the purchase's refund and the agent's
//! confirmation `PAID`, and a `TAX_REFUND_PAID` webhook to the merchant) and
//! its record purged (`PurchasePurged`), in the page's DB transaction
//! (`store::tax_refunds`).
use super::invoice::Origin;
use crate::outbox;
use crate::store::payments;
use crate::store::tax_refunds::{self, ChainRefund, StoredPurchase};
use serde_json::json;
use sqlx::AnyConnection;
use yenpay_client::tax_refund::TaxRefundEvent;

/// The merchant a `tax_refund` event concerns; `None` for the role's and
/// the float's events, which are only recorded.
pub(super) fn merchant_of(event: &TaxRefundEvent) -> Option<String> {
    match event {
        TaxRefundEvent::TaxFreePurchaseRecorded(e) => Some(e.merchant),
        TaxRefundEvent::TaxRefunded(e) => Some(e.merchant),
        TaxRefundEvent::PurchasePurged(e) => Some(e.merchant),
        _ => None,
    }
    .map(|merchant| merchant.to_hex())
}

/// Applies a `tax_refund` event; returns the webhook deliveries queued.
pub(super) async fn apply(
    tx: &mut AnyConnection,
    event: &TaxRefundEvent,
    origin: &Origin<'_>,
) -> Result<u64, sqlx::Error> {
    let as_i64 = |value: u64| i64::try_from(value).unwrap_or(i64::MAX);
    match event {
        TaxRefundEvent::TaxFreePurchaseRecorded(e) => {
            let purchase = StoredPurchase {
                merchant_address: origin.merchant.clone(),
                order_ref: e.order_ref.clone(),
                payer: e.payer.to_hex(),
                amount: as_i64(e.amount),
                standard_tax: as_i64(e.standard_tax),
                reduced_tax: as_i64(e.reduced_tax),
                tax_free: i64::from(e.tax_free),
                // The chain stores the block's time as the purchase's.
                paid_at: origin.block_secs,
                version: origin.version as i64,
                refunded_amount: None,
                refunded_at: None,
                merchant_refunded: None,
                refund_tx: None,
                refund_version: None,
                purged_version: None,
            };
            tax_refunds::chain_purchase(tx, &purchase).await?;
            Ok(0)
        }
        TaxRefundEvent::TaxRefunded(e) => {
            let refund = ChainRefund {
                merchant: &origin.merchant,
                order_ref: &e.order_ref,
                amount: as_i64(e.amount),
                merchant_refunded: as_i64(e.merchant_refunded),
                hash: origin.hash,
                version: origin.version as i64,
                block_secs: origin.block_secs,
            };
            let confirmation = tax_refunds::chain_refunded(tx, &refund, origin.now).await?;
            // One of the payment's events, numbered with its refunds.
            let payer = e.traveller.to_hex();
            let payment = payments::all_of_reference(&mut *tx, &origin.merchant, &e.order_ref)
                .await?
                .into_iter()
                .rev()
                .find(|p| p.payer.as_deref() == Some(payer.as_str()));
            let sequence = match &payment {
                Some(p) => payments::next_event_sequence(tx, &p.code_id).await?,
                None => 0,
            };
            let data = json!({
                "merchantPaymentId": e.order_ref,
                "codeId": payment.as_ref().map(|p| p.code_id.as_str()),
                "traveller": payer,
                "amount": {"amount": e.amount, "currency": "JPY"},
                "tax": e.tax,
                "merchantRefunded": e.merchant_refunded,
                "confirmationId": confirmation,
                "refundedAt": origin.block_secs,
                "transactionHash": origin.hash,
                "version": origin.version,
            });
            outbox::enqueue(
                tx,
                &origin.merchant,
                &origin.event_id(),
                "TAX_REFUND_PAID",
                sequence,
                data,
                origin.now,
            )
            .await
        }
        TaxRefundEvent::PurchasePurged(e) => {
            tax_refunds::chain_purged(tx, &origin.merchant, &e.order_ref, origin.version as i64)
                .await?;
            Ok(0)
        }
        _ => Ok(0),
    }
}
