//! `/v2/refunds`: full or partial refunds of paid codes, by `merchantRefundId`.
//!
//! On chain a refund is signed by the merchant's payout account. The gateway
//! holds one key per merchant (its terminal account); it refunds when the
//! merchant has made that account its payout address, and answers
//! `PAYOUT_KEY_NOT_HELD` otherwise (the merchant then refunds from its
//! payout wallet, and the follower records the refund all the same).
use super::admin::terminal_account;
use super::codes::{Money, RefundView, chain_error, merchant_address};
use super::{PathParam, created, json_body, ok};
use crate::AppState;
use crate::auth::AuthedMerchant;
use crate::chain::ChainError;
use crate::crypto::random_hex;
use crate::error::{ApiError, ApiResult};
use crate::store::payments::{self, Refund};
use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;
use yenpay_client::events::YenpayEvent;
use yenpay_client::invoice::InvoiceEvent;
use yenpay_client::types::limits::OrderRef;

/// `POST /v2/refunds` body (PayPay's "Refund a payment").
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateRefund {
    /// The merchant's id for this refund: 1-64 printable ASCII, unique per merchant.
    pub merchant_refund_id: String,
    /// The paid code's merchantPaymentId.
    pub merchant_payment_id: String,
    /// How much to refund (partial refunds allowed, never more than was paid in total).
    pub amount: Money,
    /// Why (at most 255 bytes, not on chain).
    #[serde(default)]
    pub reason: Option<String>,
    /// When the merchant made the request, Unix seconds (informational).
    #[serde(default)]
    pub requested_at: Option<i64>,
}

fn refund_id(value: &str) -> Result<(), ApiError> {
    let ok = (1..=64).contains(&value.len()) && value.bytes().all(|b| (0x21..0x7f).contains(&b));
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "merchantRefundId: 1-64 printable ASCII characters without spaces",
        ))
    }
}

/// Refunds a paid code (all or part).
#[utoipa::path(post, path = "/v2/refunds", tag = "refunds", request_body = CreateRefund,
    security(("opa_auth" = [])),
    responses((status = 201, body = RefundView), (status = 200, description = "the same refund again", body = RefundView),
              (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody),
              (status = 503, body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Extension(AuthedMerchant(merchant)): Extension<AuthedMerchant>,
    body: Bytes,
) -> ApiResult {
    let request: CreateRefund = json_body(&body)?;
    refund_id(&request.merchant_refund_id)?;
    let amount = request.amount.checked("amount")?;
    if request.reason.as_ref().is_some_and(|r| r.len() > 255) {
        return Err(ApiError::invalid("reason: at most 255 bytes"));
    }
    let pool = &state.db.pool;
    let payment = super::codes::payment_of(&state, &merchant, &request.merchant_payment_id).await?;
    if let Some(existing) =
        payments::refund_by_merchant_id(pool, &merchant.address, &request.merchant_refund_id)
            .await?
    {
        if existing.code_id == payment.code_id && existing.amount == amount as i64 {
            return ok(RefundView::from(&existing));
        }
        return Err(ApiError::conflict(
            "DUPLICATE_REFUND_ID",
            "this merchantRefundId was used for another refund",
        ));
    }
    if payment.kind == "static" {
        return Err(ApiError::conflict(
            "PAYMENT_NOT_REFUNDABLE",
            "a static-code payment has no invoice to refund; refund it with a transfer",
        ));
    }
    if !matches!(payment.status.as_str(), "COMPLETED" | "REFUNDED") {
        return Err(ApiError::conflict(
            "PAYMENT_NOT_REFUNDABLE",
            format!("the payment is {}", payment.status_at(state.clock.now())),
        ));
    }
    // Refunds made or under way: the follower's total, or the refund rows
    // when the API's own refunds are ahead of the follower.
    let recorded: i64 = payments::refunds_of(pool, &payment.code_id)
        .await?
        .iter()
        .filter(|r| r.status != "FAILED")
        .map(|r| r.amount)
        .sum();
    let left = payment.amount - payment.refunded.max(recorded);
    if amount as i64 > left {
        return Err(ApiError::conflict(
            "REFUND_AMOUNT_EXCEEDED",
            format!("at most {} yen is left to refund", left.max(0)),
        ));
    }
    let owner = merchant_address(&merchant)?;
    let payout = state.ledger.payout_of(owner).await.map_err(chain_error)?;
    if payout.to_hex() != merchant.terminal_address {
        return Err(ApiError::conflict(
            "PAYOUT_KEY_NOT_HELD",
            "refunds are signed by the merchant's payout account, and the gateway does not hold it: \
             set the payout address to the merchant's gateway terminal account, or refund from the payout wallet",
        ));
    }
    let refund = Refund {
        refund_id: format!("r_{}", random_hex(12)),
        merchant_address: merchant.address.clone(),
        merchant_refund_id: request.merchant_refund_id.clone(),
        code_id: payment.code_id.clone(),
        amount: amount as i64,
        status: "PENDING".to_owned(),
        reason: request.reason.clone(),
        fee_returned: None,
        tx_hash: None,
        tx_version: None,
        created_at: state.clock.now(),
        completed_at: None,
    };
    if !payments::insert_refund(pool, &refund).await? {
        return Err(ApiError::conflict(
            "REFUND_IN_PROGRESS",
            "a refund with this merchantRefundId is being made",
        ));
    }
    let order = OrderRef::new(&payment.merchant_payment_id).map_err(ApiError::internal)?;
    let terminal = terminal_account(&state, &merchant)?;
    match state.ledger.refund(&terminal, owner, &order, amount).await {
        Ok(outcome) => {
            let event = outcome.events.iter().find_map(|e| match e {
                YenpayEvent::Invoice(InvoiceEvent::InvoiceRefunded(r)) => Some(r),
                _ => None,
            });
            let fee_returned = event.map(|r| r.fee_returned as i64);
            if let Some(r) = event {
                // The running total is absolute, so this and the follower agree in any order.
                sqlx::query(
                    "UPDATE payments SET refunded = CASE WHEN refunded < $1 THEN $1 ELSE refunded END, \
                     status = CASE WHEN $1 >= amount THEN 'REFUNDED' ELSE status END WHERE code_id = $2",
                )
                .bind(r.refunded_total as i64)
                .bind(&payment.code_id)
                .execute(pool)
                .await?;
            }
            sqlx::query(
                "UPDATE refunds SET status = 'COMPLETED', tx_hash = $1, tx_version = $2, \
                 fee_returned = COALESCE(fee_returned, $3), completed_at = COALESCE(completed_at, $4) \
                 WHERE refund_id = $5",
            )
            .bind(&outcome.hash)
            .bind(outcome.version as i64)
            .bind(fee_returned)
            .bind(state.clock.now())
            .bind(&refund.refund_id)
            .execute(pool)
            .await?;
        }
        Err(ChainError::Rejected { code, message }) => {
            sqlx::query("UPDATE refunds SET status = 'FAILED', reason = $1 WHERE refund_id = $2")
                .bind(format!("{code}: {message}"))
                .bind(&refund.refund_id)
                .execute(pool)
                .await?;
            return Err(chain_error(ChainError::Rejected { code, message }));
        }
        Err(error) => return Err(chain_error(error)),
    }
    let stored =
        payments::refund_by_merchant_id(pool, &merchant.address, &request.merchant_refund_id)
            .await?
            .ok_or_else(|| ApiError::internal("refund vanished"))?;
    let mut view = RefundView::from(&stored);
    view.merchant_payment_id = Some(payment.merchant_payment_id);
    created(view).map(|mut response| {
        *response.status_mut() = StatusCode::CREATED;
        response
    })
}

/// A refund by the merchant's refund id.
#[utoipa::path(get, path = "/v2/refunds/{merchantRefundId}", tag = "refunds", security(("opa_auth" = [])),
    params(("merchantRefundId" = String, Path, description = "the merchant's refund id")),
    responses((status = 200, body = RefundView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn details(
    State(state): State<AppState>,
    Extension(AuthedMerchant(merchant)): Extension<AuthedMerchant>,
    PathParam(merchant_refund_id): PathParam,
) -> ApiResult {
    let refund =
        payments::refund_by_merchant_id(&state.db.pool, &merchant.address, &merchant_refund_id)
            .await?
            .ok_or_else(|| {
                ApiError::not_found(
                    "NO_SUCH_REFUND_ORDER",
                    "no refund with this merchantRefundId",
                )
            })?;
    let payment = payments::by_code_id(&state.db.pool, &refund.code_id).await?;
    let mut view = RefundView::from(&refund);
    view.merchant_payment_id = payment.map(|p| p.merchant_payment_id);
    ok(view)
}
