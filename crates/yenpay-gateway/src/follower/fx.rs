//! `fx::PaidInUsdc`: a code paid in USDC. The invoice events of the same
//! transaction (before it) already moved the payment; this records the
//! USDC amount and the rates beside it (`fx_payments`) and adds them to the
//! payment's `PAYMENT_COMPLETED` webhook queued in this page's transaction
//! (not yet visible to the dispatcher), so receipts and webhooks carry both
//! amounts and the rate.
use crate::fx::{rate_text, usdc_text};
use serde_json::{Value, json};
use sqlx::{AnyConnection, Row};
use yenpay_client::fx::PaidInUsdc;

/// What a receipt or webhook shows of a payment in USDC.
pub fn fx_view(usdc_amount: i64, rate: i64, reference_rate: i64) -> Value {
    let units = usdc_amount.max(0) as u64;
    let rate_u = rate.max(0) as u64;
    json!({
        "currency": "USDC",
        "usdcAmount": units,
        "usdcAmountText": usdc_text(units),
        "rate": rate_u,
        "rateText": rate_text(rate_u),
        "referenceRate": reference_rate,
    })
}

/// Applies the event; returns whether a payment row took it.
pub(super) async fn paid_in_usdc(
    tx: &mut AnyConnection,
    e: &PaidInUsdc,
    version: u64,
) -> Result<bool, sqlx::Error> {
    let merchant = e.merchant.to_hex();
    // The payment this transaction paid (a reference may have older generations).
    let code_id = crate::store::payments::all_of_reference(&mut *tx, &merchant, &e.order_ref)
        .await?
        .into_iter()
        .find(|p| p.pay_version == Some(version as i64))
        .map(|p| p.code_id);
    let Some(code_id) = code_id else {
        tracing::warn!(merchant, order_ref = %e.order_ref, version, "a USDC payment of no payment row");
        return Ok(false);
    };
    let as_i64 = |value: u64| i64::try_from(value).unwrap_or(i64::MAX);
    sqlx::query(
        "INSERT INTO fx_payments (code_id, usdc_amount, rate, reference_rate, version) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    )
    .bind(&code_id)
    .bind(as_i64(e.usdc_amount))
    .bind(as_i64(e.rate))
    .bind(as_i64(e.reference_rate))
    .bind(version as i64)
    .execute(&mut *tx)
    .await?;
    let view = fx_view(
        as_i64(e.usdc_amount),
        as_i64(e.rate),
        as_i64(e.reference_rate),
    );
    let rows = sqlx::query(
        "SELECT delivery_id, body FROM webhook_outbox WHERE event_type = 'PAYMENT_COMPLETED' \
         AND status = 'PENDING' AND event_id LIKE $1",
    )
    .bind(format!("evt_{version}_%"))
    .fetch_all(&mut *tx)
    .await?;
    for row in rows {
        let delivery: String = row.try_get("delivery_id")?;
        let body: String = row.try_get("body")?;
        let Ok(mut body) = serde_json::from_str::<Value>(&body) else {
            continue;
        };
        if body["data"]["codeId"].as_str() != Some(code_id.as_str()) {
            continue;
        }
        body["data"]["fx"] = view.clone();
        sqlx::query("UPDATE webhook_outbox SET body = $1 WHERE delivery_id = $2")
            .bind(body.to_string())
            .bind(&delivery)
            .execute(&mut *tx)
            .await?;
    }
    Ok(true)
}

/// The USDC side of the payment `code_id`, if it was paid in USDC.
///
/// # Errors
/// A database error.
pub async fn of_payment(pool: &sqlx::AnyPool, code_id: &str) -> Result<Option<Value>, sqlx::Error> {
    let row =
        sqlx::query("SELECT usdc_amount, rate, reference_rate FROM fx_payments WHERE code_id = $1")
            .bind(code_id)
            .fetch_optional(pool)
            .await?;
    row.map(|row| {
        Ok(fx_view(
            row.try_get("usdc_amount")?,
            row.try_get("rate")?,
            row.try_get("reference_rate")?,
        ))
    })
    .transpose()
}
