//! `/v2/codes`: dynamic QR codes (an invoice the merchant's terminal signs,
//! [`crate::offer`]: nothing on chain until the customer pays) and their payments.
use super::extract::{ApiJson, Path, Query};
use super::invoicing::reserve;
use super::views::{Money, PaymentView, payment_of, view};
use crate::AppState;
use crate::auth::AuthedMerchant;
use crate::error::{ApiError, ApiResult, chain_error, created, ok};
use crate::store::payments::{self, NewPayment, PaymentKind, PaymentStatus};
use axum::Extension;
use axum::extract::State;
use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yenpay_client::address::from_sdk;
use yenpay_client::types::limits::{OrderRef, Ttl};
use yenpay_qr::mpm::{BILL_NUMBER_MAX, MerchantDetails, YenpayPayment};

/// The routes, as `#[utoipa::path]` declares them.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create))
        .routes(routes!(cancel))
        .routes(routes!(details))
}

/// `POST /v2/codes` body (PayPay's "Create a Code").
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateCode {
    /// The merchant's order id: 1-25 printable ASCII characters (the EMVCo
    /// bill number); unique per merchant, ever (it is the invoice's order reference).
    pub merchant_payment_id: String,
    /// What to pay.
    pub amount: Money,
    /// `ORDER_QR` (the only kind), may be omitted.
    #[serde(default)]
    pub code_type: Option<String>,
    /// Free text for the merchant's records (not on chain).
    #[serde(default)]
    pub order_description: Option<String>,
    /// When the code stops being payable, Unix seconds: 30 s to 24 h from now (default 5 minutes).
    #[serde(default)]
    pub expiry_date: Option<i64>,
    /// When the merchant made the request, Unix seconds (informational).
    #[serde(default)]
    pub requested_at: Option<i64>,
}

/// `?format=svg` or `?format=png` adds a picture of the code; without it
/// the answer carries the payload and the URI only (a picture costs more
/// than the rest of the request).
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CodeFormat {
    /// `svg`, `png` or `none` (default: no picture).
    #[serde(default)]
    pub format: Option<String>,
}

/// A created code.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CodeView {
    /// Gateway id of the code.
    pub code_id: String,
    /// The merchant's order id.
    pub merchant_payment_id: String,
    /// What to pay.
    pub amount: Money,
    /// `ORDER_QR`.
    pub code_type: String,
    /// `CREATED`: payable as it is, until `expiryDate`.
    pub status: String,
    /// The EMVCo merchant-presented payload (JPQR-compatible) to show as a QR code.
    pub qr_payload: String,
    /// The wallet URI (`yenpay:...`).
    pub url: String,
    /// The same URI, for a wallet deep link.
    pub deeplink: String,
    /// An SVG picture of the QR code (with `?format=svg`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qr_svg: Option<String>,
    /// A PNG of the QR code as a `data:` URL (with `?format=png`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qr_png: Option<String>,
    /// Payable before, Unix seconds.
    pub expiry_date: i64,
    /// The account whose key signed the code: the merchant's terminal.
    pub terminal_address: String,
}

fn order_ref(merchant_payment_id: &str, field: &str) -> Result<OrderRef, ApiError> {
    let ascii = merchant_payment_id
        .bytes()
        .all(|b| (0x20..0x7f).contains(&b));
    if merchant_payment_id.is_empty() || merchant_payment_id.len() > BILL_NUMBER_MAX || !ascii {
        return Err(ApiError::invalid(format!(
            "{field}: 1-{BILL_NUMBER_MAX} printable ASCII characters (the EMVCo bill number)"
        )));
    }
    OrderRef::new(merchant_payment_id).map_err(|e| ApiError::invalid(format!("{field}: {e}")))
}

/// Creates a dynamic code: the merchant's terminal signs the invoice
/// (`InvoiceOffer`), and the code is payable at once; nothing goes on chain
/// until the customer's `invoice::pay_signed_invoice`.
#[utoipa::path(post, path = "/v2/codes", tag = "codes", request_body = CreateCode, params(CodeFormat),
    security(("opa_auth" = [])),
    responses((status = 201, body = CodeView), (status = 400, body = crate::error::ErrorBody),
              (status = 409, description = "merchantPaymentId already used", body = crate::error::ErrorBody),
              (status = 429, description = "too many open codes, or too fast", body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Extension(AuthedMerchant(merchant)): Extension<AuthedMerchant>,
    Query(format): Query<CodeFormat>,
    ApiJson(request): ApiJson<CreateCode>,
) -> ApiResult {
    let (svg, png) = match format.format.as_deref() {
        None | Some("none") => (false, false),
        Some("svg") => (true, false),
        Some("png") => (false, true),
        Some(_) => return Err(ApiError::invalid("format: svg, png or none")),
    };
    if request
        .code_type
        .as_deref()
        .is_some_and(|t| t != "ORDER_QR")
    {
        return Err(ApiError::invalid("codeType: only ORDER_QR"));
    }
    if request
        .order_description
        .as_ref()
        .is_some_and(|d| d.len() > 255)
    {
        return Err(ApiError::invalid("orderDescription: at most 255 bytes"));
    }
    let order = order_ref(&request.merchant_payment_id, "merchantPaymentId")?;
    let amount = request.amount.checked("amount")?;
    let now = state.clock.now();
    let ttl_secs = match request.expiry_date {
        Some(expiry) => expiry.saturating_sub(now),
        None => state.config.default_code_ttl.as_secs() as i64,
    };
    let ttl = u64::try_from(ttl_secs)
        .ok()
        .and_then(|secs| Ttl::from_secs(secs).ok())
        .ok_or_else(|| ApiError::invalid("expiryDate: between 30 seconds and 24 hours from now"))?;
    let expires_at = now + ttl.secs() as i64;

    // Signed first: a row is written only for a code that exists.
    let signed = crate::offer::sign(
        &state.config,
        &state.kek,
        &merchant,
        order,
        amount,
        expires_at as u64,
    )
    .map_err(ApiError::internal)?;
    let payment = YenpayPayment::from_signed_offer(from_sdk(state.config.package), &signed);
    let details = MerchantDetails {
        name: merchant.name.clone(),
        city: merchant.city.clone(),
        category_code: merchant.mcc.clone(),
        postal_code: None,
        language: None,
    };
    let qr_payload = payment
        .encode(&details)
        .map_err(|e| ApiError::invalid(format!("the EMVCo code cannot carry this: {e}")))?;
    let url = yenpay_qr::uri::encode(&payment)
        .map_err(|e| ApiError::invalid(format!("the wallet URI cannot carry this: {e}")))?;

    let row = reserve(
        &state,
        &NewPayment {
            merchant_address: merchant.address.clone(),
            merchant_payment_id: request.merchant_payment_id.clone(),
            kind: PaymentKind::Dynamic,
            status: PaymentStatus::Created,
            amount: amount as i64,
            expires_at,
            created_at: now,
        },
    )
    .await?;
    tracing::info!(code = %row.code_id, "code signed");

    // Pictures only when asked for: rendering costs more than the rest.
    let qr_svg = if svg {
        Some(yenpay_qr::render::svg(&qr_payload).map_err(ApiError::internal)?)
    } else {
        None
    };
    let qr_png = if png {
        let bytes = yenpay_qr::render::png(&qr_payload, 8).map_err(ApiError::internal)?;
        Some(format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        ))
    } else {
        None
    };
    created(CodeView {
        code_id: row.code_id,
        merchant_payment_id: request.merchant_payment_id,
        amount: Money::jpy(amount as i64),
        code_type: "ORDER_QR".to_owned(),
        status: "CREATED".to_owned(),
        qr_payload,
        deeplink: url.clone(),
        url,
        qr_svg,
        qr_png,
        expiry_date: expires_at,
        terminal_address: signed.offer.terminal.to_standard_string(),
    })
}

/// Cancels an open code: a signed code with `invoice::cancel_signed_invoice`
/// (the terminal's transaction, the operator paying the gas: it writes the
/// order's record, kept until the code's expiry, so that the code cannot be
/// paid), an invoice created on chain with `invoice::cancel_invoice`.
#[utoipa::path(delete, path = "/v2/codes/{codeId}", tag = "codes", security(("opa_auth" = [])),
    params(("codeId" = String, Path, description = "the code's id")),
    responses((status = 200, body = PaymentView), (status = 404, body = crate::error::ErrorBody),
              (status = 409, description = "already paid", body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody), (status = 503, body = crate::error::ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    Extension(AuthedMerchant(merchant)): Extension<AuthedMerchant>,
    Path(code_id): Path<String>,
) -> ApiResult {
    let payment = payments::by_code_id(&state.db.pool, &code_id)
        .await?
        .filter(|p| p.merchant_address == merchant.address)
        .ok_or_else(|| ApiError::not_found("DYNAMIC_QR_NOT_FOUND", "no code with this id"))?;
    match payment.status {
        PaymentStatus::Canceled => return ok(view(&state, &payment, Vec::new())),
        PaymentStatus::Pending | PaymentStatus::Submitted | PaymentStatus::Created
            if payment.kind != PaymentKind::Static => {}
        _ => {
            return Err(ApiError::conflict(
                "CODE_NOT_OPEN",
                format!(
                    "the code is {} and cannot be cancelled",
                    payment.status_at(state.clock.now())
                ),
            ));
        }
    }
    if payment.is_signed_code() && payment.expires_at <= state.clock.now() {
        // Nothing to cancel: the chain takes the code no more, and writes no record for it.
        return Err(ApiError::conflict(
            "CODE_NOT_OPEN",
            "the code is EXPIRED and cannot be paid any more",
        ));
    }
    let order = OrderRef::new(&payment.merchant_payment_id).map_err(ApiError::internal)?;
    let owner = merchant.owner().map_err(ApiError::internal)?;
    let terminal = merchant
        .terminal_account(&state.kek)
        .map_err(ApiError::internal)?;
    let outcome = if payment.is_signed_code() {
        let outcome = state
            .ledger
            .cancel_signed_invoice(&terminal, owner, &order, payment.expires_at as u64)
            .await
            .map_err(chain_error)?;
        payments::cancel_signed(
            &state.db.pool,
            &code_id,
            payments::Tx {
                hash: &outcome.hash,
                version: outcome.version,
            },
        )
        .await?;
        outcome
    } else {
        let outcome = state
            .ledger
            .cancel_invoice(&terminal, owner, &order)
            .await
            .map_err(chain_error)?;
        payments::cancel(&state.db.pool, &code_id).await?;
        outcome
    };
    tracing::info!(code = %code_id, tx = %outcome.hash, "code cancelled");
    state.signal_payments_changed();
    let payment = payments::by_code_id(&state.db.pool, &code_id)
        .await?
        .ok_or_else(|| ApiError::internal("cancelled code vanished"))?;
    ok(view(&state, &payment, Vec::new()))
}

/// A payment's status by the merchant's order id.
#[utoipa::path(get, path = "/v2/codes/payments/{merchantPaymentId}", tag = "codes", security(("opa_auth" = [])),
    params(("merchantPaymentId" = String, Path, description = "the merchant's order id")),
    responses((status = 200, body = PaymentView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn details(
    State(state): State<AppState>,
    Extension(AuthedMerchant(merchant)): Extension<AuthedMerchant>,
    Path(merchant_payment_id): Path<String>,
) -> ApiResult {
    let payment = payment_of(&state, &merchant, &merchant_payment_id).await?;
    let refunds = payments::refunds_of(&state.db.pool, &payment.code_id).await?;
    let mut shown = view(&state, &payment, refunds);
    shown.fx = crate::follower::fx::of_payment(&state.db.pool, &payment.code_id).await?;
    shown.tax_refund = super::tax_refunds::of_payment(&state, &payment).await?;
    ok(shown)
}
