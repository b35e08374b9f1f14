//! Consumption-tax refunds at departure (issue 29): the refund agent's batch
//! of export attestations (`POST /admin/tax-refunds/claims`) and the report
//! per merchant and day (`GET /admin/reports/tax-refunds`), on the admin
//! listener, and the wallet's read of a purchase's refundable tax
//! (`POST /wallet/api/tax-refund`).
//!
//! The chain pays only the wallet that paid, once, within 90 days, from the
//! agent's float (`yenpay::tax_refund`); a batch is all or nothing there. So
//! the gateway checks each attestation first (its domain and signature, and
//! the purchase's status on chain) and submits only the claims the chain
//! would pay, in one transaction the operator's account submits and pays the
//! gas of; the others are answered with the reason, not sent.
use super::extract::{ApiJson, Query};
use super::reports::jst_day;
use crate::AppState;
use crate::api::admin::parse_address;
use crate::api::sponsor::hex_bytes;
use crate::error::{ApiError, ApiResult, chain_error, ok};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::Row;
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yenpay_client::address::from_sdk;
use yenpay_client::tax_refund::{Purchase, RefundStatus};
use yenpay_client::types::limits::OrderRef;
use yenpay_client::types::tax_refund::{ExportAttestation, SignedExportAttestation};

/// Claims in one request: each costs a status read before the batch, and
/// the batch is one transaction (the chain's size and gas limits).
pub const MAX_CLAIMS: usize = 50;

/// The admin route.
pub fn admin_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(claim_tax_refunds))
        .routes(routes!(report))
}

/// The wallet route.
pub fn wallet_router() -> Router<AppState> {
    Router::new().route("/wallet/api/tax-refund", post(tax_refund))
}

/// One export confirmed by customs, as the refund agent signed it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClaimRequest {
    /// The merchant's owner account.
    pub merchant: String,
    /// The purchase's order reference (the code's merchantPaymentId).
    pub merchant_payment_id: String,
    /// The traveller's wallet: must be the wallet that paid.
    pub traveller: String,
    /// The agent's Ed25519 signature of the `ExportAttestation`, hex.
    pub signature: String,
}

/// `POST /admin/tax-refunds/claims` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClaimsRequest {
    /// The refund agent's current Ed25519 public key, hex: every claim is
    /// signed with it.
    pub agent_public_key: String,
    /// 1 to 50 claims.
    pub claims: Vec<ClaimRequest>,
}

/// What became of one claim.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClaimResult {
    /// As requested.
    pub merchant: String,
    /// As requested.
    pub merchant_payment_id: String,
    /// As requested.
    pub traveller: String,
    /// `PAID` (in `transaction`) or `REFUSED` (not sent).
    pub result: &'static str,
    /// Yen paid back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<u64>,
    /// Why it was not sent: `INVALID_SIGNATURE`, `PURCHASE_NOT_FOUND`,
    /// `NOT_PAYER`, `DUPLICATE`, or the purchase's status (`NOT_ELIGIBLE`,
    /// `REFUNDED`, `REFUNDED_BY_MERCHANT`, `EXPIRED`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
}

/// The committed batch.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BatchTransaction {
    /// Hash, `0x`-hex.
    pub hash: String,
    /// Ledger version.
    pub version: u64,
    /// Gas units the operator paid.
    pub gas_used: u64,
}

/// `POST /admin/tax-refunds/claims` answer.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClaimsAnswer {
    /// The batch, when any claim was sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction: Option<BatchTransaction>,
    /// One per claim, in the request's order.
    pub claims: Vec<ClaimResult>,
}

/// A claim read and checked before the chain.
struct Checked {
    result: ClaimResult,
    signed: Option<SignedExportAttestation>,
}

fn status_reason(status: &RefundStatus) -> Option<&'static str> {
    match status {
        RefundStatus::Claimable { .. } => None,
        RefundStatus::NotEligible => Some("NOT_ELIGIBLE"),
        RefundStatus::Refunded { .. } => Some("REFUNDED"),
        RefundStatus::RefundedByMerchant => Some("REFUNDED_BY_MERCHANT"),
        RefundStatus::Expired => Some("EXPIRED"),
    }
}

/// Pays the tax of the purchases whose export the refund agent attested, in
/// one transaction, to the wallets that paid them.
#[utoipa::path(post, path = "/admin/tax-refunds/claims", tag = "admin",
    request_body = ClaimsRequest, security(("admin" = [])),
    responses((status = 200, description = "each claim paid or refused with its reason", body = ClaimsAnswer),
              (status = 400, body = crate::error::ErrorBody),
              (status = 422, description = "the chain refused the batch", body = crate::error::ErrorBody),
              (status = 503, description = "no operator key, or the node does not answer", body = crate::error::ErrorBody)))]
pub async fn claim_tax_refunds(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<ClaimsRequest>,
) -> ApiResult {
    let Some(operator) = state.operator.clone() else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "NO_OPERATOR_KEY",
            "the gateway has no operator key to submit the refunds with",
        ));
    };
    if request.claims.is_empty() || request.claims.len() > MAX_CLAIMS {
        return Err(ApiError::invalid(format!("claims: 1 to {MAX_CLAIMS}")));
    }
    let public_key: [u8; 32] = hex_bytes(&request.agent_public_key, "agentPublicKey")?
        .try_into()
        .map_err(|_| ApiError::invalid("agentPublicKey: 32 bytes"))?;
    let package = from_sdk(state.config.package);
    let mut checked = Vec::with_capacity(request.claims.len());
    for (i, claim) in request.claims.iter().enumerate() {
        let merchant = parse_address(&claim.merchant, &format!("claims[{i}].merchant"))?;
        let traveller = parse_address(&claim.traveller, &format!("claims[{i}].traveller"))?;
        let order = OrderRef::new(claim.merchant_payment_id.clone())
            .map_err(|e| ApiError::invalid(format!("claims[{i}].merchantPaymentId: {e}")))?;
        let signature: [u8; 64] = hex_bytes(&claim.signature, &format!("claims[{i}].signature"))?
            .try_into()
            .map_err(|_| ApiError::invalid(format!("claims[{i}].signature: 64 bytes")))?;
        let signed = SignedExportAttestation {
            attestation: ExportAttestation::new(
                state.config.chain_id,
                package,
                from_sdk(merchant),
                order.clone(),
                from_sdk(traveller),
            ),
            public_key,
            signature,
        };
        let refuse = |reason| Checked {
            result: ClaimResult {
                merchant: merchant.to_hex(),
                merchant_payment_id: claim.merchant_payment_id.clone(),
                traveller: traveller.to_hex(),
                result: "REFUSED",
                amount: None,
                reason: Some(reason),
            },
            signed: None,
        };
        // The chain would abort the whole batch on any of these.
        if signed.check(package, state.config.chain_id).is_err() {
            checked.push(refuse("INVALID_SIGNATURE"));
            continue;
        }
        let duplicate = checked.iter().any(|c: &Checked| {
            c.signed.as_ref().is_some_and(|s| {
                s.attestation.merchant == signed.attestation.merchant
                    && s.attestation.order_ref == signed.attestation.order_ref
            })
        });
        if duplicate {
            checked.push(refuse("DUPLICATE"));
            continue;
        }
        let Some((purchase, status)) = state
            .ledger
            .tax_refund(merchant, &order)
            .await
            .map_err(chain_error)?
        else {
            checked.push(refuse("PURCHASE_NOT_FOUND"));
            continue;
        };
        if let Some(reason) = status_reason(&status) {
            checked.push(refuse(reason));
            continue;
        }
        if purchase.payer != traveller {
            checked.push(refuse("NOT_PAYER"));
            continue;
        }
        let RefundStatus::Claimable { amount, .. } = status else {
            unreachable!("status_reason answers every other status");
        };
        checked.push(Checked {
            result: ClaimResult {
                merchant: merchant.to_hex(),
                merchant_payment_id: claim.merchant_payment_id.clone(),
                traveller: traveller.to_hex(),
                result: "PAID",
                amount: Some(amount),
                reason: None,
            },
            signed: Some(signed),
        });
    }
    let batch: Vec<SignedExportAttestation> =
        checked.iter().filter_map(|c| c.signed.clone()).collect();
    let transaction = if batch.is_empty() {
        None
    } else {
        let outcome = state
            .ledger
            .claim_tax_refunds(&operator, &batch)
            .await
            .map_err(chain_error)?;
        tracing::info!(claims = batch.len(), hash = %outcome.hash, "tax refunds paid");
        Some(BatchTransaction {
            hash: outcome.hash,
            version: outcome.version,
            gas_used: outcome.gas_used,
        })
    };
    ok(ClaimsAnswer {
        transaction,
        claims: checked.into_iter().map(|c| c.result).collect(),
    })
}

/// `POST /wallet/api/tax-refund` body.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TaxRefundRequest {
    /// The merchant's owner account.
    pub merchant: String,
    /// The purchase's order reference.
    pub merchant_payment_id: String,
}

/// A purchase's tax and its refund, as the wallet shows them.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaxRefundView {
    /// The wallet that paid, the only one the tax goes back to.
    pub payer: String,
    /// Yen paid, tax included.
    pub amount: u64,
    /// Tax at 10%, yen.
    pub standard_tax: u64,
    /// Tax at 8%, yen.
    pub reduced_tax: u64,
    /// Whether the purchase is tax-free eligible.
    pub tax_free: bool,
    /// `CLAIMABLE`, `REFUNDED`, `REFUNDED_BY_MERCHANT`, `EXPIRED` or
    /// `NOT_ELIGIBLE`.
    pub status: &'static str,
    /// Yen a claim pays now (`CLAIMABLE`) or paid (`REFUNDED`); else 0.
    pub refundable: u64,
    /// The claim window's end (exclusive), Unix seconds.
    pub claim_before: u64,
    /// When it was refunded, Unix seconds; 0 until then.
    pub refunded_at: u64,
}

fn view(purchase: &Purchase, status: RefundStatus) -> TaxRefundView {
    let (name, refundable) = match status {
        RefundStatus::Claimable { amount, .. } => ("CLAIMABLE", amount),
        RefundStatus::Refunded { amount, .. } => ("REFUNDED", amount),
        RefundStatus::RefundedByMerchant => ("REFUNDED_BY_MERCHANT", 0),
        RefundStatus::Expired => ("EXPIRED", 0),
        RefundStatus::NotEligible => ("NOT_ELIGIBLE", 0),
    };
    TaxRefundView {
        payer: purchase.payer.to_hex(),
        amount: purchase.amount,
        standard_tax: purchase.standard_tax,
        reduced_tax: purchase.reduced_tax,
        tax_free: purchase.tax_free,
        status: name,
        refundable,
        claim_before: purchase.claim_deadline(),
        refunded_at: purchase.refunded_at,
    }
}

/// A purchase's refundable tax and its status, read from the chain.
pub async fn tax_refund(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<TaxRefundRequest>,
) -> ApiResult {
    let merchant = parse_address(&request.merchant, "merchant")?;
    let order = OrderRef::new(request.merchant_payment_id)
        .map_err(|e| ApiError::invalid(format!("merchantPaymentId: {e}")))?;
    match state
        .ledger
        .tax_refund(merchant, &order)
        .await
        .map_err(chain_error)?
    {
        Some((purchase, status)) => ok(view(&purchase, status)),
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "PURCHASE_NOT_FOUND",
            "no tax-free purchase with this merchant and order reference",
        )),
    }
}

/// `GET /admin/reports/tax-refunds` query.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TaxReportQuery {
    /// The day, `YYYY-MM-DD`, in Japan time.
    pub date: String,
}

/// One merchant's day.
#[derive(Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MerchantTaxDay {
    /// The merchant's owner address.
    pub merchant_address: String,
    /// Tax-free purchases paid that day (eligible or not).
    pub purchases: i64,
    /// Of them, eligible for the refund.
    pub eligible: i64,
    /// Their amounts, tax included.
    pub sales: i64,
    /// Their tax at 10%.
    pub standard_tax: i64,
    /// Their tax at 8%.
    pub reduced_tax: i64,
    /// Tax refunds paid that day (for purchases of any day).
    pub refunds: i64,
    /// Yen refunded by them.
    pub refunded: i64,
    /// What those refunds would have been without the merchant's own
    /// refunds before them (their purchases' tax).
    pub refunds_tax: i64,
}

/// The report.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaxReport {
    /// The day.
    pub date: String,
    /// `Asia/Tokyo`.
    pub time_zone: String,
    /// Whether the follower has applied the whole day.
    pub complete: bool,
    /// One per merchant with a tax-free purchase or a refund that day, by address.
    pub merchants: Vec<MerchantTaxDay>,
}

fn number(data: &Value, field: &str) -> i64 {
    data.get(field)
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// The day's tax-free purchases and tax refunds per merchant, from the
/// events the follower recorded (`TaxFreePurchaseRecorded`, `TaxRefunded`).
#[utoipa::path(get, path = "/admin/reports/tax-refunds", tag = "admin", params(TaxReportQuery),
    security(("admin" = [])),
    responses((status = 200, body = TaxReport), (status = 400, body = crate::error::ErrorBody)))]
pub async fn report(
    State(state): State<AppState>,
    Query(query): Query<TaxReportQuery>,
) -> ApiResult {
    let (start, end) = jst_day(&query.date).ok_or_else(|| ApiError::invalid("date: YYYY-MM-DD"))?;
    let rows = sqlx::query(
        "SELECT event_type, merchant_address, data FROM chain_events \
         WHERE merchant_address IS NOT NULL AND tx_timestamp >= $1 AND tx_timestamp < $2 \
         AND event_type IN ('TaxFreePurchaseRecorded', 'TaxRefunded') ORDER BY version, event_index",
    )
    .bind(start * 1_000_000)
    .bind(end * 1_000_000)
    .fetch_all(&state.db.pool)
    .await?;
    let mut merchants: BTreeMap<String, MerchantTaxDay> = BTreeMap::new();
    for row in rows {
        let kind: String = row.try_get("event_type")?;
        let merchant: String = row.try_get("merchant_address")?;
        let data: String = row.try_get("data")?;
        let data: Value = serde_json::from_str(&data).map_err(ApiError::internal)?;
        let day = merchants
            .entry(merchant.clone())
            .or_insert_with(|| MerchantTaxDay {
                merchant_address: merchant,
                ..MerchantTaxDay::default()
            });
        if kind == "TaxRefunded" {
            day.refunds += 1;
            day.refunded += number(&data, "amount");
            day.refunds_tax += number(&data, "tax");
        } else {
            day.purchases += 1;
            day.eligible += i64::from(data.get("tax_free") == Some(&Value::Bool(true)));
            day.sales += number(&data, "amount");
            day.standard_tax += number(&data, "standard_tax");
            day.reduced_tax += number(&data, "reduced_tax");
        }
    }
    let applied = crate::follower::cursor(&state.db.pool).await?;
    ok(TaxReport {
        date: query.date,
        time_zone: "Asia/Tokyo".to_owned(),
        complete: applied.is_some_and(|c| c.applied_timestamp_us as i64 >= end * 1_000_000),
        merchants: merchants.into_values().collect(),
    })
}
