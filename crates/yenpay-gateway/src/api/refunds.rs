//! `/v2/refunds`: full or partial refunds of paid codes, by `merchantRefundId`.
//!
//! On chain a refund is signed by the merchant's payout account. The gateway
//! holds one key per merchant (its terminal account); it refunds when the
//! merchant has made that account its payout address, and answers
//! `PAYOUT_KEY_NOT_HELD` otherwise (the merchant then refunds from its
//! payout wallet, and the follower records the refund all the same).
use super::extract::{ApiJson, Path};
use super::views::{Money, RefundView, payment_of};
use crate::AppState;
use crate::auth::AuthedMerchant;
use crate::chain::ChainError;
use crate::compliance;
use crate::crypto::random_hex;
use crate::error::{ApiError, ApiResult, chain_error, created, ok};
use crate::store::compliance::NewScreening;
use crate::store::payments::{
    self, NewRefund, PaymentKind, PaymentStatus, Refund, RefundReservation, failure_reason,
};
use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yenpay_client::events::YenpayEvent;
use yenpay_client::invoice::InvoiceEvent;
use yenpay_client::types::limits::OrderRef;

/// The routes, as `#[utoipa::path]` declares them.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create))
        .routes(routes!(details))
}

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
    ApiJson(request): ApiJson<CreateRefund>,
) -> ApiResult {
    refund_id(&request.merchant_refund_id)?;
    let amount = request.amount.checked("amount")?;
    if request.reason.as_ref().is_some_and(|r| r.len() > 255) {
        return Err(ApiError::invalid("reason: at most 255 bytes"));
    }
    let pool = &state.db.pool;
    let payment = payment_of(&state, &merchant, &request.merchant_payment_id).await?;
    let duplicate = |existing: &Refund| {
        if existing.code_id == payment.code_id && existing.amount == amount as i64 {
            let mut view = RefundView::from(existing);
            view.merchant_payment_id = Some(payment.merchant_payment_id.clone());
            ok(view)
        } else {
            Err(ApiError::conflict(
                "DUPLICATE_REFUND_ID",
                "this merchantRefundId was used for another refund",
            ))
        }
    };
    if let Some(existing) =
        payments::refund_by_merchant_id(pool, &merchant.address, &request.merchant_refund_id)
            .await?
    {
        return duplicate(&existing);
    }
    if payment.kind == PaymentKind::Static {
        return Err(ApiError::conflict(
            "PAYMENT_NOT_REFUNDABLE",
            "a static-code payment has no invoice to refund; refund it with a transfer",
        ));
    }
    if !matches!(
        payment.status,
        PaymentStatus::Paid | PaymentStatus::Refunded
    ) {
        return Err(ApiError::conflict(
            "PAYMENT_NOT_REFUNDABLE",
            format!("the payment is {}", payment.status_at(state.clock.now())),
        ));
    }
    let owner = merchant.owner().map_err(ApiError::internal)?;
    let payout = state.ledger.payout_of(owner).await.map_err(chain_error)?;
    if payout.to_hex() != merchant.terminal_address {
        return Err(ApiError::conflict(
            "PAYOUT_KEY_NOT_HELD",
            "refunds are signed by the merchant's payout account, and the gateway does not hold it: \
             set the payout address to the merchant's gateway terminal account, or refund from the payout wallet",
        ));
    }
    // The refund's recipient (the payer) is screened before anything is signed.
    if let Some(payer) = &payment.payer {
        let reference = format!("{}:{}", merchant.address, request.merchant_refund_id);
        let screening = NewScreening {
            context: "REFUND",
            reference: &reference,
            subject: payer,
            merchant_address: &merchant.address,
            order_ref: Some(&payment.merchant_payment_id),
            amount: amount as i64,
            mcc: &merchant.mcc,
        };
        if let Some(verdict) = compliance::screen_now(&state, &screening).await?
            && let Some((status, code, message)) = compliance::refusal(&verdict)
        {
            return Err(ApiError::new(status, code, message));
        }
    }
    let new = NewRefund {
        refund_id: format!("r_{}", random_hex(12)),
        merchant_refund_id: request.merchant_refund_id.clone(),
        reason: request.reason.clone(),
        amount: amount as i64,
        created_at: state.clock.now(),
    };
    let refund = match payments::reserve_refund(&state.db, &payment, &new).await? {
        RefundReservation::New(refund) => refund,
        RefundReservation::Exists(existing) => return duplicate(&existing),
        RefundReservation::Exceeds { left } => {
            return Err(ApiError::conflict(
                "REFUND_AMOUNT_EXCEEDED",
                format!("at most {left} yen is left to refund"),
            ));
        }
    };
    // The travel rule's record (a payer another provider hosts, or one who
    // declared who they are), stored before the refund is signed.
    if let Some(payer) = &payment.payer {
        let transfer = compliance::travel_rule::Transfer {
            direction: compliance::travel_rule::Direction::Refund,
            reference: &refund.refund_id,
            merchant: compliance::travel_rule::MerchantParty {
                id: &merchant.id,
                address: &merchant.address,
                name: &merchant.name,
            },
            order_ref: Some(&payment.merchant_payment_id),
            code_id: Some(&payment.code_id),
            customer: payer,
            amount: amount as i64,
        };
        let mut tx = state.db.begin().await?;
        compliance::travel_rule::record(&state, &mut tx, &transfer)
            .await
            .map_err(ApiError::internal)?;
        tx.commit().await?;
    }
    let order = OrderRef::new(&payment.merchant_payment_id).map_err(ApiError::internal)?;
    let terminal = merchant
        .terminal_account(&state.kek)
        .map_err(ApiError::internal)?;
    match state.ledger.refund(&terminal, owner, &order, amount).await {
        Ok(outcome) => {
            let event = outcome.events.iter().find_map(|e| match e {
                YenpayEvent::Invoice(InvoiceEvent::InvoiceRefunded(r)) => Some(r),
                _ => None,
            });
            let refunded = payments::Refunded {
                amount,
                fee_returned: event.map_or(0, |r| r.fee_returned),
                refunded_total: event.map_or(0, |r| r.refunded_total),
                tx: payments::Tx {
                    hash: &outcome.hash,
                    version: outcome.version,
                },
                at_secs: state.clock.now(),
            };
            payments::complete_refund(&state.db, &refund.refund_id, &refunded).await?;
        }
        Err(ChainError::Unknown {
            hash,
            expires_at,
            detail,
        }) => {
            payments::refund_submitted(pool, &refund.refund_id, &hash, expires_at).await?;
            return Err(chain_error(ChainError::Unknown {
                hash,
                expires_at,
                detail,
            }));
        }
        Err(error) => {
            // A refusal, or nothing submitted: the refund did not happen.
            let reason = match &error {
                ChainError::Rejected { code, message } => failure_reason(code, message),
                other => failure_reason("NODE_UNAVAILABLE", &format!("not submitted: {other}")),
            };
            payments::fail_refund(pool, &refund.refund_id, &reason).await?;
            return Err(chain_error(error));
        }
    }
    let stored = payments::refund_by_id(pool, &refund.refund_id)
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
    Path(merchant_refund_id): Path<String>,
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
