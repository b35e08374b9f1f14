//! One event of the package: whether it decodes, recorded once.
use super::page::PackageEvent;
use super::status::{Applied, FollowerError, Halt};
use super::{hold, invoice, tax_refund};
use crate::AppState;
use sqlx::AnyConnection;
use yenpay_client::events::{EventDecodeError, TxEvent, YenpayEvent, decode_typed};
use yenpay_client::invoice::InvoiceEvent;

/// One event of a committed transaction that may be the package's (the
/// page kept only those, [`super::page`]), and where it was.
pub(super) struct Seen<'a> {
    pub event: &'a PackageEvent,
    pub version: u64,
    pub hash: &'a str,
    pub timestamp_us: u64,
}

impl Seen<'_> {
    fn type_tag(&self) -> &str {
        self.event.type_tag.as_deref().unwrap_or_default()
    }

    /// Stores it under its (version, index) key; `false` when it was there
    /// already (a page read twice).
    async fn record(
        &self,
        tx: &mut AnyConnection,
        merchant: Option<&str>,
    ) -> Result<bool, sqlx::Error> {
        let type_tag = self.type_tag();
        let name = type_tag.rsplit("::").next().unwrap_or(type_tag);
        let data = self
            .event
            .data
            .as_ref()
            .map_or_else(|| "null".to_owned(), ToString::to_string);
        Ok(sqlx::query(
            "INSERT INTO chain_events (version, event_index, tx_hash, event_type, merchant_address, data, tx_timestamp) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
        )
        .bind(self.version as i64)
        .bind(self.event.index as i64)
        .bind(self.hash)
        .bind(name)
        .bind(merchant)
        .bind(data)
        .bind(self.timestamp_us as i64)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1)
    }
}

/// Applies one event of the package: one that does not decode halts the
/// follower (so does one without a readable type: it may be ours), the
/// others are recorded (once: a replayed page changes nothing), the invoice
/// events move payments ([`invoice`]) and the hold events holds ([`hold`]).
pub(super) async fn apply(
    state: &AppState,
    tx: &mut AnyConnection,
    seen: &Seen<'_>,
    now: i64,
    applied: &mut Applied,
) -> Result<(), FollowerError> {
    let Seen {
        event,
        version,
        hash,
        timestamp_us,
    } = *seen;
    let index = event.index;
    let type_tag = seen.type_tag();
    let undecodable = |error: String| Halt::UndecodableEvent {
        version,
        index,
        type_tag: type_tag.to_owned(),
        error,
    };
    let decoded = match (&event.type_tag, &event.data) {
        (Some(type_tag), Some(data)) => decode_typed(state.config.package, type_tag, data),
        (None, _) => Err(EventDecodeError::Missing("type")),
        (Some(_), None) => Err(EventDecodeError::Missing("data")),
    };
    let decoded = match decoded {
        Ok(TxEvent::Yenpay(decoded)) => decoded,
        // Ours, but a module or event this gateway does not know (a newer package).
        Ok(_) => {
            return Err(
                undecodable("not an event of the package this gateway knows".into()).into(),
            );
        }
        // Ours but not decodable: the client and the package drifted.
        Err(error) => return Err(undecodable(error.to_string()).into()),
    };
    if let YenpayEvent::Hold(hold_event) = &decoded {
        let merchant = hold::merchant_of(hold_event);
        if !seen.record(tx, merchant.as_deref()).await? {
            applied.duplicates += 1;
            return Ok(());
        }
        let Some(merchant) = merchant else {
            return Ok(());
        };
        applied.events += 1;
        let origin = invoice::Origin {
            merchant,
            hash,
            version,
            index,
            block_secs: (timestamp_us / 1_000_000) as i64,
            now,
        };
        applied.webhooks += hold::apply(tx, hold_event, &origin).await?;
        return Ok(());
    }
    if let YenpayEvent::Fx(yenpay_client::fx::FxEvent::PaidInUsdc(paid)) = &decoded {
        let merchant = paid.merchant.to_hex();
        if !seen.record(tx, Some(&merchant)).await? {
            applied.duplicates += 1;
            return Ok(());
        }
        applied.events += 1;
        super::fx::paid_in_usdc(tx, paid, version).await?;
        return Ok(());
    }
    // A tax-free purchase, its refund and its purge: recorded under the
    // merchant, which the tax-refund report reads (`api::tax_refunds`), and
    // applied to the purchases and the agent's confirmations ([`tax_refund`]);
    // the payment itself is the invoice's own `InvoicePaid` beside it.
    if let YenpayEvent::TaxRefund(event) = &decoded {
        let merchant = tax_refund::merchant_of(event);
        if !seen.record(tx, merchant.as_deref()).await? {
            applied.duplicates += 1;
            return Ok(());
        }
        let Some(merchant) = merchant else {
            return Ok(());
        };
        applied.events += 1;
        let origin = invoice::Origin {
            merchant,
            hash,
            version,
            index,
            block_secs: (timestamp_us / 1_000_000) as i64,
            now,
        };
        applied.webhooks += tax_refund::apply(tx, event, &origin).await?;
        return Ok(());
    }
    // Registry, coin (controls, stablecoin, issuance) and upgrade events, and invoice settings:
    // recorded for the audit trail, no payment state.
    let YenpayEvent::Invoice(invoice_event) = &decoded else {
        seen.record(tx, None).await?;
        return Ok(());
    };
    let Some(merchant) = invoice::merchant_of(invoice_event) else {
        seen.record(tx, None).await?;
        return Ok(());
    };
    if !seen.record(tx, Some(&merchant)).await? {
        applied.duplicates += 1;
        return Ok(());
    }
    applied.events += 1;
    let origin = invoice::Origin {
        merchant,
        hash,
        version,
        index,
        block_secs: (timestamp_us / 1_000_000) as i64,
        now,
    };
    applied.webhooks += invoice::apply(tx, invoice_event, &origin).await?;
    // Every payment's payer is screened, durably: the row is queued here, in
    // the page's transaction, and the screening worker fills in the verdict.
    let paid = match invoice_event {
        InvoiceEvent::InvoicePaid(e) => Some((e.payer, e.order_ref.clone(), e.amount)),
        InvoiceEvent::MerchantPaid(e) => {
            Some((e.payer, format!("static-{version}-{index}"), e.amount))
        }
        _ => None,
    };
    if let Some((payer, order_ref, amount)) = paid {
        let event_id = format!("evt_{version}_{index}");
        let payer = payer.to_hex();
        let screening = crate::store::compliance::NewScreening {
            context: "PAYMENT",
            reference: &event_id,
            subject: &payer,
            merchant_address: &origin.merchant,
            order_ref: Some(&order_ref),
            amount: i64::try_from(amount).unwrap_or(i64::MAX),
            mcc: "",
        };
        crate::compliance::worker::queue_payment(state, tx, &screening, now).await?;
    }
    Ok(())
}
