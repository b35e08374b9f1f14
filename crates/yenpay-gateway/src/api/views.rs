//! What the API shows of payments and refunds, shared by the merchant API,
//! the POS page's API and the wallet's: money, a payment, a refund.
use crate::AppState;
use crate::error::ApiError;
use crate::store::merchants::Merchant;
use crate::store::payments::{self, Payment, Refund};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yenpay_qr::mpm::MAX_MPM_AMOUNT;

/// An amount of money: yen only.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Money {
    /// Whole yen, at least 1.
    pub amount: u64,
    /// Always `JPY`.
    pub currency: String,
}

impl Money {
    /// `amount` yen.
    pub fn jpy(amount: i64) -> Self {
        Self {
            amount: amount.max(0) as u64,
            currency: "JPY".to_owned(),
        }
    }

    /// The amount, checked: JPY, 1 to the EMVCo maximum.
    pub fn checked(&self, field: &str) -> Result<u64, ApiError> {
        if self.currency != "JPY" {
            return Err(ApiError::invalid(format!("{field}.currency: only JPY")));
        }
        if !(1..=MAX_MPM_AMOUNT).contains(&self.amount) {
            return Err(ApiError::invalid(format!(
                "{field}.amount: whole yen from 1 to {MAX_MPM_AMOUNT}"
            )));
        }
        Ok(self.amount)
    }
}

/// A refund as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RefundView {
    /// The merchant's refund id.
    pub merchant_refund_id: String,
    /// The refunded code.
    pub code_id: String,
    /// The refunded payment's merchantPaymentId.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merchant_payment_id: Option<String>,
    /// Refunded.
    pub amount: Money,
    /// `CREATED` (submitted), `COMPLETED`, `FAILED`.
    pub status: String,
    /// Why it failed: the abort or VM status, or that it was never committed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
    /// Fee returned from the treasury.
    pub fee_returned: Option<i64>,
    /// The merchant's reason.
    pub reason: Option<String>,
    /// Transaction.
    pub transaction_hash: Option<String>,
    /// Its version.
    pub version: Option<i64>,
    /// Requested, Unix seconds.
    pub requested_at: i64,
}

impl From<&Refund> for RefundView {
    fn from(r: &Refund) -> Self {
        Self {
            merchant_refund_id: r.merchant_refund_id.clone(),
            code_id: r.code_id.clone(),
            merchant_payment_id: None,
            amount: Money::jpy(r.amount),
            status: r.status.api_name().to_owned(),
            failure_reason: r.failure.clone(),
            fee_returned: r.fee_returned,
            reason: r.reason.clone(),
            transaction_hash: r.tx_hash.clone(),
            version: r.tx_version,
            requested_at: r.created_at,
        }
    }
}

/// A payment's details (PayPay's "Get payment details").
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentView {
    /// Code id.
    pub code_id: String,
    /// The merchant's order id.
    pub merchant_payment_id: String,
    /// `CREATED`, `COMPLETED`, `EXPIRED`, `CANCELED`, `REFUNDED` (fully
    /// refunded) or `FAILED` (never created: see `failureReason`).
    pub status: String,
    /// Why it failed: the abort or VM status, or that it was never committed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
    /// `dynamic` (a code), `static` (the shop's static code) or `cpm` (customer-presented).
    pub kind: String,
    /// `gateway` or `chain` (created outside the gateway).
    pub origin: String,
    /// The price.
    pub amount: Money,
    /// Who paid.
    pub payer: Option<String>,
    /// The operator's fee.
    pub fee: Option<i64>,
    /// To the merchant.
    pub net: Option<i64>,
    /// The payment transaction.
    pub transaction_hash: Option<String>,
    /// Its ledger version.
    pub version: Option<i64>,
    /// When it was paid, Unix seconds.
    pub paid_at: Option<i64>,
    /// Created, Unix seconds.
    pub created_at: i64,
    /// Payable before, Unix seconds.
    pub expiry_date: i64,
    /// Refunded so far.
    pub refunded_amount: i64,
    /// A static payment's reference.
    pub reference: Option<String>,
    /// The refunds.
    pub refunds: Vec<RefundView>,
    /// Paid in USDC at the desk's quote (issue 29): `usdcAmount` (6
    /// decimals) and its text, the `rate` (yen per USDC × 10^6) and its
    /// text, and the reference rate then; absent for a payment in yen.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub fx: Option<serde_json::Value>,
    /// A tax-free purchase's consumption-tax refund (issue 29): its tax,
    /// `status` (`NOT_CONFIRMED`, `CONFIRMED`, `REFUNDED`, `EXPIRED`,
    /// `REFUNDED_BY_MERCHANT`, `NOT_ELIGIBLE`), `refundable`, `claimBefore`,
    /// `refundedAt` and `refundTransaction`; absent for other payments.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub tax_refund: Option<serde_json::Value>,
}

/// The view of a payment at the gateway's now.
pub fn view(state: &AppState, p: &Payment, refunds: Vec<Refund>) -> PaymentView {
    PaymentView {
        code_id: p.code_id.clone(),
        merchant_payment_id: p.merchant_payment_id.clone(),
        status: p.status_at(state.clock.now()).to_owned(),
        failure_reason: p.failure.clone(),
        kind: p.kind.as_str().to_owned(),
        origin: p.origin.as_str().to_owned(),
        amount: Money::jpy(p.amount),
        payer: p.payer.clone(),
        fee: p.fee,
        net: p.net,
        transaction_hash: p.pay_tx.clone(),
        version: p.pay_version,
        paid_at: p.paid_at,
        created_at: p.created_at,
        expiry_date: p.expires_at,
        refunded_amount: p.refunded,
        reference: p.reference.clone(),
        refunds: refunds.iter().map(RefundView::from).collect(),
        fx: None,
        tax_refund: None,
    }
}

/// The merchant's payment with this order id, or the API's 404 (another
/// merchant's payments do not exist for it).
pub async fn payment_of(
    state: &AppState,
    merchant: &Merchant,
    merchant_payment_id: &str,
) -> Result<Payment, ApiError> {
    payments::by_merchant_payment_id(&state.db.pool, &merchant.address, merchant_payment_id)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(
                "DYNAMIC_QR_PAYMENT_NOT_FOUND",
                "no payment with this merchantPaymentId",
            )
        })
}
