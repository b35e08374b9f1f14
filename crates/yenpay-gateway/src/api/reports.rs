//! `GET /v2/reports/reconciliation?date=YYYY-MM-DD`: one day (Japan time) of
//! the merchant's settled money as the chain recorded it: payments (dynamic,
//! customer-presented and static), refunds, and their totals, each with its
//! transaction, so the merchant can match them against its books and its
//! payout account.
use super::extract::Query;
use crate::AppState;
use crate::auth::AuthedMerchant;
use crate::error::{ApiError, ApiResult, ok};
use axum::Extension;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The route, as `#[utoipa::path]` declares it.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(reconciliation))
}

/// Japan Standard Time, the day boundary of the report.
pub const JST_OFFSET_SECS: i64 = 9 * 3600;

/// The query.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// The day, `YYYY-MM-DD`, in Japan time.
    pub date: String,
}

/// One line of the report.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReportLine {
    /// `PAYMENT` or `REFUND`.
    pub kind: String,
    /// The merchantPaymentId (order reference), or a static payment's reference.
    pub merchant_payment_id: String,
    /// Yen moved.
    pub amount: i64,
    /// Fee charged (payments) or returned (refunds).
    pub fee: i64,
    /// Transaction.
    pub transaction_hash: String,
    /// Ledger version.
    pub version: i64,
    /// Block time, Unix seconds.
    pub time: i64,
}

/// Totals.
#[derive(Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    /// Payments.
    pub payment_count: i64,
    /// Their amounts.
    pub gross: i64,
    /// Their fees.
    pub fees: i64,
    /// gross - fees.
    pub net: i64,
    /// Refunds.
    pub refund_count: i64,
    /// Refunded.
    pub refunded: i64,
    /// Fees returned by the treasury.
    pub fees_returned: i64,
    /// What the payout account kept: net - (refunded - fees_returned).
    pub settled: i64,
}

/// The report.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The day.
    pub date: String,
    /// `Asia/Tokyo`.
    pub time_zone: String,
    /// The merchant's owner address.
    pub merchant_address: String,
    /// Whether the follower has applied the whole day (its last applied block is past the day's end).
    pub complete: bool,
    /// Sums.
    pub totals: Totals,
    /// Every payment and refund, in ledger order.
    pub lines: Vec<ReportLine>,
}

/// Parses `YYYY-MM-DD` into the JST day's `[start, end)` in Unix seconds.
pub fn jst_day(date: &str) -> Option<(i64, i64)> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let day = time::Date::parse(date, &format).ok()?;
    let start = day.midnight().assume_utc().unix_timestamp() - JST_OFFSET_SECS;
    Some((start, start + 86_400))
}

fn number(data: &Value, field: &str) -> i64 {
    data.get(field)
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// The day's report.
#[utoipa::path(get, path = "/v2/reports/reconciliation", tag = "reports", params(ReportQuery),
    security(("opa_auth" = [])),
    responses((status = 200, body = Report), (status = 400, body = crate::error::ErrorBody)))]
pub async fn reconciliation(
    State(state): State<AppState>,
    Extension(AuthedMerchant(merchant)): Extension<AuthedMerchant>,
    Query(query): Query<ReportQuery>,
) -> ApiResult {
    let (start, end) = jst_day(&query.date).ok_or_else(|| ApiError::invalid("date: YYYY-MM-DD"))?;
    let rows = sqlx::query(
        "SELECT version, tx_hash, event_type, data, tx_timestamp FROM chain_events \
         WHERE merchant_address = $1 AND tx_timestamp >= $2 AND tx_timestamp < $3 \
         AND event_type IN ('InvoicePaid', 'MerchantPaid', 'InvoiceRefunded') ORDER BY version, event_index",
    )
    .bind(&merchant.address)
    .bind(start * 1_000_000)
    .bind(end * 1_000_000)
    .fetch_all(&state.db.pool)
    .await?;
    let mut totals = Totals::default();
    let mut lines = Vec::new();
    for row in rows {
        let kind: String = row.try_get("event_type")?;
        let data: String = row.try_get("data")?;
        let data: Value = serde_json::from_str(&data).map_err(ApiError::internal)?;
        let amount = number(&data, "amount");
        let (line_kind, fee, id) = match kind.as_str() {
            "InvoiceRefunded" => {
                let fee = number(&data, "fee_returned");
                totals.refund_count += 1;
                totals.refunded += amount;
                totals.fees_returned += fee;
                ("REFUND", fee, data.get("order_ref"))
            }
            other => {
                let fee = number(&data, "fee");
                totals.payment_count += 1;
                totals.gross += amount;
                totals.fees += fee;
                let id = if other == "MerchantPaid" {
                    data.get("reference")
                } else {
                    data.get("order_ref")
                };
                ("PAYMENT", fee, id)
            }
        };
        lines.push(ReportLine {
            kind: line_kind.to_owned(),
            merchant_payment_id: id.and_then(Value::as_str).unwrap_or_default().to_owned(),
            amount,
            fee,
            transaction_hash: row.try_get("tx_hash")?,
            version: row.try_get("version")?,
            time: row.try_get::<i64, _>("tx_timestamp")? / 1_000_000,
        });
    }
    totals.net = totals.gross - totals.fees;
    totals.settled = totals.net - (totals.refunded - totals.fees_returned);
    let applied = crate::follower::cursor(&state.db.pool).await?;
    ok(Report {
        date: query.date,
        time_zone: "Asia/Tokyo".to_owned(),
        merchant_address: merchant.address,
        complete: applied.is_some_and(|c| c.applied_timestamp_us as i64 >= end * 1_000_000),
        totals,
        lines,
    })
}
