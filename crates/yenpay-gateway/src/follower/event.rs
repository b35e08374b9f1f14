//! One event of a page: whose it is, whether it decodes, recorded once.
use super::status::{Applied, FollowerError, Halt};
use super::{hold, invoice};
use crate::AppState;
use aptos_sdk::types::AccountAddress;
use serde_json::Value;
use sqlx::AnyConnection;
use yenpay_client::events::{TxEvent, YenpayEvent, decode_event};
use yenpay_client::invoice::InvoiceEvent;

/// One event of a committed transaction, and where it was.
pub(super) struct Seen<'a> {
    pub event: &'a Value,
    pub version: u64,
    pub index: u64,
    pub hash: &'a str,
    pub timestamp_us: u64,
}

impl Seen<'_> {
    fn type_tag(&self) -> &str {
        self.event
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
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
            .get("data")
            .cloned()
            .unwrap_or(Value::Null)
            .to_string();
        Ok(sqlx::query(
            "INSERT INTO chain_events (version, event_index, tx_hash, event_type, merchant_address, data, tx_timestamp) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
        )
        .bind(self.version as i64)
        .bind(self.index as i64)
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

/// Applies one event of a committed transaction: an event of another
/// package is passed over, one of ours that does not decode halts the
/// follower, the others are recorded (once: a replayed page changes
/// nothing), the invoice events move payments ([`invoice`]) and the hold
/// events holds ([`hold`]).
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
        index,
        hash,
        timestamp_us,
    } = *seen;
    let type_tag = seen.type_tag();
    let package = state.config.package;
    let undecodable = |error: String| Halt::UndecodableEvent {
        version,
        index,
        type_tag: type_tag.to_owned(),
        error,
    };
    let decoded = match decode_event(package, event) {
        Ok(TxEvent::Yenpay(decoded)) => decoded,
        // Ours, but a module or event this gateway does not know (a newer package).
        Ok(_) if of_package(package, event) => {
            return Err(
                undecodable("not an event of the package this gateway knows".into()).into(),
            );
        }
        Ok(_) => return Ok(()),
        // Ours but not decodable: the client and the package drifted.
        Err(error) if of_package(package, event) => {
            return Err(undecodable(error.to_string()).into());
        }
        // Another package's event, however odd, is not ours to judge.
        Err(_) => return Ok(()),
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

/// Whether `event` may be one of `package`'s: its type names the package,
/// or it has no readable type at all (fail closed: it might be ours).
fn of_package(package: AccountAddress, event: &Value) -> bool {
    let Some(type_tag) = event.get("type").and_then(Value::as_str) else {
        return true;
    };
    let address = type_tag.split("::").next().unwrap_or_default();
    AccountAddress::from_hex(address).is_ok_and(|address| address == package)
}
