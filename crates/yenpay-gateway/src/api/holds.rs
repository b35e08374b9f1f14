//! `/v2/holds`: pre-authorizations (issue 27), shaped as PayPay's OPA
//! pre-authorization: create a pre-auth code, capture, revert (void), and a
//! hold's state.
//!
//! A pre-auth code is a hold code the merchant's terminal signs off chain
//! (`authorization::HoldOffer`, [`crate::offer::sign_hold`]): no transaction
//! until the customer's `hold::authorize_signed_hold` moves the yen into the
//! package's escrow. Captures and voids are the terminal's transactions
//! (`hold::capture`, `hold::void`: the merchant's owner, a terminal or the
//! operator may sign them; the gateway holds the terminal's key), the
//! operator paying the gas. An increase is the customer's transaction
//! (`hold::increase_authorization`): the gateway cannot sign it, and records
//! it when the follower sees it.
//!
//! The gateway checks what it knows first (the hold is the merchant's,
//! authorized, not expired, the amounts within what is left), so the usual
//! refusals cost no transaction; the chain decides in the end, and the
//! hold's amounts in the database change only from the chain's events
//! (the follower), never from an answer.
use super::codes::CodeFormat;
use super::extract::{ApiJson, Path, Query};
use super::views::Money;
use crate::AppState;
use crate::auth::AuthedMerchant;
use crate::chain::ChainError;
use crate::error::{ApiError, ApiResult, chain_error, created, ok};
use crate::offer::HoldTerms;
use crate::store::holds::{
    self, Hold, HoldStatus, NewHold, NewOperation, Operation, OperationKind, Reservation,
};
use crate::store::merchants::Merchant;
use crate::store::payments::failure_reason;
use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yenpay_client::events::YenpayEvent;
use yenpay_client::hold::HoldEvent;
use yenpay_client::types::limits::{INITIAL_TRANSFER_CAP, MAX_HOLD_SECS, OrderRef, Ttl};

/// The routes, as `#[utoipa::path]` declares them.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_code))
        .routes(routes!(capture))
        .routes(routes!(revert))
        .routes(routes!(details))
}

/// Default authorization: seven days (a hotel stay; a fuel pump captures in minutes).
const DEFAULT_AUTHORIZATION_SECS: i64 = 7 * 86_400;

/// `POST /v2/holds/codes` body (PayPay's "Create a QR Code" with `isAuthorization`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateHoldCode {
    /// The merchant's id for the hold: 1-64 printable ASCII characters, the
    /// hold reference on chain; unique per merchant, ever.
    pub merchant_payment_id: String,
    /// The most that can be captured (before increases).
    pub amount: Money,
    /// Yen held besides for a tip added at capture (0 by default); the
    /// customer agrees to it by taking the code.
    #[serde(default)]
    pub tip_limit: Option<Money>,
    /// Capturable strictly before this time, Unix seconds (PayPay's
    /// `authorizationExpiry`): up to 31 days from now, default 7 days.
    #[serde(default)]
    pub authorization_expiry: Option<i64>,
    /// When the code stops being takeable, Unix seconds: 30 s to 24 h from
    /// now (default 5 minutes), and before `authorizationExpiry`.
    #[serde(default)]
    pub expiry_date: Option<i64>,
    /// Free text for the merchant's records (not on chain).
    #[serde(default)]
    pub order_description: Option<String>,
    /// When the merchant made the request, Unix seconds (informational).
    #[serde(default)]
    pub requested_at: Option<i64>,
}

/// The terminal's signed hold code, field for field as the customer's
/// `hold::authorize_signed_hold` takes it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HoldOfferView {
    /// The merchant's owner account.
    pub merchant: String,
    /// The signing terminal.
    pub terminal: String,
    /// The hold reference.
    pub hold_ref: String,
    /// Yen to hold.
    pub amount: u64,
    /// Yen for a tip.
    pub tip_limit: u64,
    /// Capturable before, Unix seconds.
    pub capture_before: u64,
    /// Takeable before, Unix seconds.
    pub expires_at: u64,
    /// The terminal's Ed25519 public key, base64url without padding.
    pub public_key: String,
    /// The signature, base64url without padding.
    pub signature: String,
}

/// A capture or revert, as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OperationView {
    /// `CAPTURE` or `REVERT`.
    pub kind: String,
    /// The merchant's id for it (merchantCaptureId or merchantRevertId).
    pub merchant_operation_id: String,
    /// Captured (tip excluded) or voided.
    pub amount: Money,
    /// Tip captured.
    pub tip: u64,
    /// A final capture: the rest went back to the customer.
    pub final_capture: bool,
    /// `CREATED` (submitted), `COMPLETED`, `FAILED`.
    pub status: String,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
    /// Its transaction.
    pub transaction_hash: Option<String>,
    /// Its version.
    pub version: Option<i64>,
    /// Requested, Unix seconds.
    pub requested_at: i64,
}

impl From<&Operation> for OperationView {
    fn from(o: &Operation) -> Self {
        Self {
            kind: match o.kind {
                OperationKind::Capture => "CAPTURE",
                OperationKind::Void => "REVERT",
            }
            .to_owned(),
            merchant_operation_id: o.merchant_operation_id.clone(),
            amount: Money::jpy(o.amount),
            tip: o.tip.max(0) as u64,
            final_capture: o.final_capture != 0,
            status: match o.status {
                holds::OperationStatus::Pending | holds::OperationStatus::Submitted => "CREATED",
                holds::OperationStatus::Completed => "COMPLETED",
                holds::OperationStatus::Failed => "FAILED",
            }
            .to_owned(),
            failure_reason: o.failure.clone(),
            transaction_hash: o.tx_hash.clone(),
            version: o.version,
            requested_at: o.requested_at,
        }
    }
}

/// A hold as the API shows it: the chain's amounts as the follower last saw them.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HoldView {
    /// Gateway id.
    pub hold_id: String,
    /// The merchant's id for it (the hold reference).
    pub merchant_payment_id: String,
    /// `CREATED` (code not taken yet), `AUTHORIZED`, `EXPIRED` (code lapsed,
    /// or authorization lapsed: see `held`), `CAPTURED`, `VOIDED`,
    /// `RECLAIMED`, `SEIZED`.
    pub status: String,
    /// What the code offered to hold.
    pub amount: Money,
    /// Held for a tip.
    pub tip_limit: u64,
    /// Authorized, increases included (0 before authorization).
    pub authorized: u64,
    /// Captured, tips excluded.
    pub captured: u64,
    /// Tips captured.
    pub tipped: u64,
    /// Back to the customer (voids, reclaim, a final capture's rest).
    pub released: u64,
    /// Still in escrow.
    pub held: u64,
    /// Fees on the captures.
    pub fee: u64,
    /// Paid out to the merchant.
    pub net: u64,
    /// Refunded of what was captured.
    pub refunded: u64,
    /// Whose yen are held.
    pub customer: Option<String>,
    /// Capturable before, Unix seconds.
    pub authorization_expiry: i64,
    /// The code was takeable before, Unix seconds.
    pub expiry_date: i64,
    /// The authorization's transaction.
    pub transaction_hash: Option<String>,
    /// Captures and reverts asked for through the API.
    pub operations: Vec<OperationView>,
}

fn hold_view(hold: &Hold, operations: &[Operation]) -> HoldView {
    let n = |v: i64| v.max(0) as u64;
    HoldView {
        hold_id: hold.hold_id.clone(),
        merchant_payment_id: hold.merchant_payment_id.clone(),
        status: hold.status.as_str().to_owned(),
        amount: Money::jpy(hold.amount),
        tip_limit: n(hold.tip_limit),
        authorized: n(hold.authorized),
        captured: n(hold.captured),
        tipped: n(hold.tipped),
        released: n(hold.released),
        held: n(hold.held()),
        fee: n(hold.fee),
        net: n(hold.net),
        refunded: n(hold.refunded),
        customer: hold.customer.clone(),
        authorization_expiry: hold.capture_before,
        expiry_date: hold.expires_at,
        transaction_hash: hold.authorized_tx.clone(),
        operations: operations.iter().map(OperationView::from).collect(),
    }
}

/// A created pre-auth code.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HoldCodeView {
    /// The hold, `CREATED`.
    #[serde(flatten)]
    pub hold: HoldView,
    /// The hold code's wallet URI (`yenpay:...&hold=...`, `yenpay_qr::hold`):
    /// show it as a QR code.
    pub url: String,
    /// The same URI, for a wallet deep link.
    pub deeplink: String,
    /// An SVG picture of the QR code (with `?format=svg`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qr_svg: Option<String>,
    /// The signed code, field for field, as the customer's wallet submits it.
    pub offer: HoldOfferView,
}

fn reference(value: &str, field: &str) -> Result<OrderRef, ApiError> {
    if value.is_empty() || value.len() > 64 || !value.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Err(ApiError::invalid(format!(
            "{field}: 1-64 printable ASCII characters"
        )));
    }
    OrderRef::new(value).map_err(|e| ApiError::invalid(format!("{field}: {e}")))
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Creates a pre-auth code: the merchant's terminal signs a hold code
/// (`HoldOffer`); nothing goes on chain until the customer takes it.
#[utoipa::path(post, path = "/v2/holds/codes", tag = "holds", request_body = CreateHoldCode,
    params(CodeFormat), security(("opa_auth" = [])),
    responses((status = 201, body = HoldCodeView), (status = 400, body = crate::error::ErrorBody),
              (status = 409, description = "merchantPaymentId already used", body = crate::error::ErrorBody),
              (status = 429, description = "too many open codes, or too fast", body = crate::error::ErrorBody)))]
pub async fn create_code(
    State(state): State<AppState>,
    Extension(AuthedMerchant(merchant)): Extension<AuthedMerchant>,
    Query(format): Query<CodeFormat>,
    ApiJson(request): ApiJson<CreateHoldCode>,
) -> ApiResult {
    let svg = match format.format.as_deref() {
        None | Some("none") => false,
        Some("svg") => true,
        Some(_) => return Err(ApiError::invalid("format: svg or none")),
    };
    if request
        .order_description
        .as_ref()
        .is_some_and(|d| d.len() > 255)
    {
        return Err(ApiError::invalid("orderDescription: at most 255 bytes"));
    }
    let hold_ref = reference(&request.merchant_payment_id, "merchantPaymentId")?;
    let amount = request.amount.checked("amount")?;
    let tip_limit = match &request.tip_limit {
        None => 0,
        Some(tip) if tip.amount == 0 && tip.currency == "JPY" => 0,
        Some(tip) => tip.checked("tipLimit")?,
    };
    // A hold is one payment: within the per-transfer cap (the package's
    // initial one; the chain checks the current one when the code is taken).
    if amount.saturating_add(tip_limit) > INITIAL_TRANSFER_CAP {
        return Err(ApiError::invalid(format!(
            "amount + tipLimit: at most {INITIAL_TRANSFER_CAP} yen (one payment's cap)"
        )));
    }
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
    let capture_before = request
        .authorization_expiry
        .unwrap_or(now + DEFAULT_AUTHORIZATION_SECS);
    if capture_before <= expires_at || capture_before - now > MAX_HOLD_SECS as i64 {
        return Err(ApiError::invalid(format!(
            "authorizationExpiry: after expiryDate and at most {} days from now",
            MAX_HOLD_SECS / 86_400
        )));
    }

    // Signed first: a row is written only for a code that exists.
    let signed = crate::offer::sign_hold(
        &state.config,
        &state.kek,
        &merchant,
        HoldTerms {
            hold_ref,
            amount,
            tip_limit,
            capture_before: capture_before as u64,
            expires_at: expires_at as u64,
            reviewer: None,
        },
    )
    .map_err(ApiError::internal)?;
    let new = NewHold {
        merchant_address: merchant.address.clone(),
        merchant_payment_id: request.merchant_payment_id.clone(),
        amount: amount as i64,
        tip_limit: tip_limit as i64,
        capture_before,
        expires_at,
        created_at: now,
    };
    let quota = state.config.code_quota;
    let hold = match holds::reserve(&state.db, &new, quota).await? {
        Reservation::Reserved(row) => *row,
        Reservation::ReferenceTaken => {
            return Err(ApiError::conflict(
                "DUPLICATE_DYNAMIC_QR_REQUEST",
                "this merchantPaymentId was already used for a hold",
            ));
        }
        Reservation::TooManyOpen => {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "TOO_MANY_OPEN_CODES",
                format!(
                    "the merchant has {} untaken hold codes: let some expire",
                    quota.max_open
                ),
            )
            .retry_after(60));
        }
        Reservation::TooFast => {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "CODE_RATE_LIMITED",
                format!("at most {} hold codes per minute", quota.per_minute),
            )
            .retry_after(60));
        }
    };
    tracing::info!(hold = %hold.hold_id, "hold code signed");
    state.signal_payments_changed();
    let url = yenpay_qr::hold::encode(&yenpay_qr::hold::HoldCode {
        package: yenpay_client::address::from_sdk(state.config.package),
        signed: signed.clone(),
    });
    // The picture only when asked for: rendering costs more than the rest.
    let qr_svg = if svg {
        Some(yenpay_qr::render::svg(&url).map_err(ApiError::internal)?)
    } else {
        None
    };
    let offer = &signed.message;
    created(HoldCodeView {
        hold: hold_view(&hold, &[]),
        deeplink: url.clone(),
        url,
        qr_svg,
        offer: HoldOfferView {
            merchant: offer.merchant.to_standard_string(),
            terminal: offer.terminal.to_standard_string(),
            hold_ref: offer.hold_ref.as_str().to_owned(),
            amount: offer.amount,
            tip_limit: offer.tip_limit,
            capture_before: offer.capture_before,
            expires_at: offer.expires_at,
            public_key: b64(&signed.public_key),
            signature: b64(&signed.signature),
        },
    })
}

/// `POST /v2/holds/capture` body (PayPay's "Capture a payment authorization").
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CaptureHold {
    /// The hold's merchantPaymentId.
    pub merchant_payment_id: String,
    /// The merchant's id for this capture: 1-64 printable ASCII, unique per merchant.
    pub merchant_capture_id: String,
    /// Yen to capture, tip excluded: at most what is authorized and not captured yet.
    pub amount: Money,
    /// A tip on top, within what the customer agreed to (`tipLimit`).
    #[serde(default)]
    pub tip: Option<Money>,
    /// The last capture: what is left goes back to the customer and the
    /// hold closes (a fuel pump's ¥6,380 of ¥10,000). Default `false`.
    #[serde(default, rename = "final")]
    pub final_capture: bool,
    /// When the merchant made the request, Unix seconds (informational).
    #[serde(default)]
    pub requested_at: Option<i64>,
    /// Free text (not on chain).
    #[serde(default)]
    pub order_description: Option<String>,
}

/// What a capture or revert did on chain.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OperationResult {
    /// The operation.
    #[serde(flatten)]
    pub operation: OperationView,
    /// The hold's merchantPaymentId.
    pub merchant_payment_id: String,
    /// Fee of this capture (captures).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fee: Option<u64>,
    /// To the payout address (captures).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub net: Option<u64>,
    /// Back to the customer in this transaction.
    pub released: u64,
    /// Still held after it.
    pub held: u64,
}

async fn hold_of(state: &AppState, merchant: &Merchant, id: &str) -> Result<Hold, ApiError> {
    holds::by_reference(&state.db.pool, &merchant.address, id)
        .await?
        .ok_or_else(|| ApiError::not_found("HOLD_NOT_FOUND", "no hold with this merchantPaymentId"))
}

/// Refuses an operation on a hold the chain holds nothing of, as the gateway knows it.
fn require_open(hold: &Hold) -> Result<(), ApiError> {
    match hold.status {
        HoldStatus::Authorized => Ok(()),
        HoldStatus::Expired if hold.held() > 0 => Ok(()),
        HoldStatus::Created => Err(ApiError::conflict(
            "HOLD_NOT_AUTHORIZED",
            "no customer has taken this hold's code yet",
        )),
        HoldStatus::Expired => Err(ApiError::conflict(
            "HOLD_NOT_AUTHORIZED",
            "the hold's code expired untaken",
        )),
        closed => Err(ApiError::conflict(
            "HOLD_CLOSED",
            format!("the hold is {closed}: nothing is held"),
        )),
    }
}

/// Refuses a merchant's capture or revert of a hold a compliance review
/// stands for: only the analyst's decision (or its deadline) moves it
/// (`compliance::review`).
async fn not_under_review(state: &AppState, hold: &Hold) -> Result<(), ApiError> {
    if crate::store::reviews::by_hold(&state.db.pool, &hold.hold_id)
        .await?
        .is_some()
    {
        return Err(ApiError::conflict(
            "HOLD_UNDER_REVIEW",
            "this hold stands for a payment under compliance review: an analyst releases or rejects it",
        ));
    }
    Ok(())
}

/// Screens the hold's customer before its yen move (a capture to the
/// merchant, a void back to the customer): an address listed since the
/// hold was taken is refused (`403 SCREENING_DENIED`/`SCREENING_REVIEW`,
/// nothing signed) and its yen stay in escrow, where the operator's
/// console can seize them. One verdict row per hold, however often asked.
async fn screen_customer(
    state: &AppState,
    merchant: &Merchant,
    hold: &Hold,
    amount: u64,
) -> Result<(), ApiError> {
    let Some(customer) = &hold.customer else {
        return Ok(());
    };
    let screening = crate::store::compliance::NewScreening {
        context: "HOLD",
        reference: &hold.hold_id,
        subject: customer,
        merchant_address: &merchant.address,
        order_ref: Some(&hold.merchant_payment_id),
        amount: i64::try_from(amount).unwrap_or(i64::MAX),
        mcc: &merchant.mcc,
    };
    if let Some(verdict) = crate::compliance::screen_now(state, &screening).await?
        && let Some((status, code, message)) = crate::compliance::refusal(&verdict)
    {
        return Err(ApiError::new(status, code, message));
    }
    Ok(())
}

fn unprocessable(code: &'static str, message: String) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
}

/// Captures part or all of a hold, with an optional tip: the merchant's
/// terminal signs `hold::capture`, the operator pays the gas.
#[utoipa::path(post, path = "/v2/holds/capture", tag = "holds", request_body = CaptureHold,
    security(("opa_auth" = [])),
    responses((status = 200, body = OperationResult), (status = 400, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody),
              (status = 403, description = "the hold's customer refused by screening", body = crate::error::ErrorBody),
              (status = 409, description = "not authorized, closed, expired, or the capture id used", body = crate::error::ErrorBody),
              (status = 422, description = "over what is authorized, the tip over its limit, or the chain refused", body = crate::error::ErrorBody),
              (status = 503, body = crate::error::ErrorBody)))]
pub async fn capture(
    State(state): State<AppState>,
    Extension(AuthedMerchant(merchant)): Extension<AuthedMerchant>,
    ApiJson(request): ApiJson<CaptureHold>,
) -> ApiResult {
    reference(&request.merchant_capture_id, "merchantCaptureId")?;
    let amount = request.amount.checked("amount")?;
    let tip = match &request.tip {
        None => 0,
        Some(tip) if tip.amount == 0 && tip.currency == "JPY" => 0,
        Some(tip) => tip.checked("tip")?,
    };
    let hold = hold_of(&state, &merchant, &request.merchant_payment_id).await?;
    require_open(&hold)?;
    not_under_review(&state, &hold).await?;
    let now = state.clock.now();
    if hold.status == HoldStatus::Expired || now >= hold.capture_before {
        return Err(ApiError::conflict(
            "AUTHORIZATION_EXPIRED",
            "the authorization expired: void the hold, or the customer reclaims it",
        ));
    }
    let left = (hold.authorized - hold.captured).max(0) as u64;
    if amount > left {
        return Err(unprocessable(
            "CAPTURE_EXCEEDS_AUTHORIZED",
            format!("amount: at most {left} yen is authorized and not captured"),
        ));
    }
    let tip_left = (hold.tip_limit - hold.tipped).max(0) as u64;
    if tip > tip_left {
        return Err(unprocessable(
            "TIP_OVER_LIMIT",
            format!("tip: at most {tip_left} yen (the tip the customer agreed to)"),
        ));
    }
    screen_customer(&state, &merchant, &hold, amount + tip).await?;
    let operation = NewOperation {
        merchant_address: &merchant.address,
        merchant_operation_id: &request.merchant_capture_id,
        hold_id: &hold.hold_id,
        kind: OperationKind::Capture,
        amount: amount as i64,
        tip: tip as i64,
        final_capture: request.final_capture,
        requested_at: now,
    };
    let Some(operation) = holds::reserve_operation(&state.db, &operation).await? else {
        return Err(ApiError::conflict(
            "DUPLICATE_CAPTURE",
            "this merchantCaptureId was already used",
        ));
    };
    let (owner, terminal, hold_ref) = signer_of(&state, &merchant, &hold)?;
    let outcome = state
        .ledger
        .capture_hold(
            &terminal,
            owner,
            &hold_ref,
            amount,
            tip,
            request.final_capture,
        )
        .await;
    settle(&state, &hold, operation, outcome).await
}

/// `POST /v2/holds/revert` body (PayPay's "Revert a payment authorization",
/// with a partial amount).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RevertHold {
    /// The hold's merchantPaymentId.
    pub merchant_payment_id: String,
    /// The merchant's id for this revert: 1-64 printable ASCII, unique per merchant.
    pub merchant_revert_id: String,
    /// How much to give back; without it, all that is held (a full void).
    #[serde(default)]
    pub amount: Option<Money>,
    /// Why (at most 255 bytes, not on chain).
    #[serde(default)]
    pub reason: Option<String>,
    /// When the merchant made the request, Unix seconds (informational).
    #[serde(default)]
    pub requested_at: Option<i64>,
}

/// Gives part or all of what a hold holds back to the customer, at any
/// time (also after the authorization expired): the merchant's terminal
/// signs `hold::void`.
#[utoipa::path(post, path = "/v2/holds/revert", tag = "holds", request_body = RevertHold,
    security(("opa_auth" = [])),
    responses((status = 200, body = OperationResult), (status = 400, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody),
              (status = 403, description = "the hold's customer refused by screening", body = crate::error::ErrorBody),
              (status = 409, description = "not authorized, closed, or the revert id used", body = crate::error::ErrorBody),
              (status = 422, description = "more than is held, or the chain refused", body = crate::error::ErrorBody),
              (status = 503, body = crate::error::ErrorBody)))]
pub async fn revert(
    State(state): State<AppState>,
    Extension(AuthedMerchant(merchant)): Extension<AuthedMerchant>,
    ApiJson(request): ApiJson<RevertHold>,
) -> ApiResult {
    reference(&request.merchant_revert_id, "merchantRevertId")?;
    if request.reason.as_ref().is_some_and(|r| r.len() > 255) {
        return Err(ApiError::invalid("reason: at most 255 bytes"));
    }
    let requested = match &request.amount {
        Some(amount) => Some(amount.checked("amount")?),
        None => None,
    };
    let hold = hold_of(&state, &merchant, &request.merchant_payment_id).await?;
    require_open(&hold)?;
    not_under_review(&state, &hold).await?;
    let held = hold.held() as u64;
    let amount = requested.unwrap_or(held);
    if amount > held {
        return Err(unprocessable(
            "VOID_EXCEEDS_HELD",
            format!("amount: the hold holds {held} yen"),
        ));
    }
    screen_customer(&state, &merchant, &hold, amount).await?;
    let now = state.clock.now();
    let operation = NewOperation {
        merchant_address: &merchant.address,
        merchant_operation_id: &request.merchant_revert_id,
        hold_id: &hold.hold_id,
        kind: OperationKind::Void,
        amount: amount as i64,
        tip: 0,
        final_capture: false,
        requested_at: now,
    };
    let Some(operation) = holds::reserve_operation(&state.db, &operation).await? else {
        return Err(ApiError::conflict(
            "DUPLICATE_REVERT",
            "this merchantRevertId was already used",
        ));
    };
    let (owner, terminal, hold_ref) = signer_of(&state, &merchant, &hold)?;
    let outcome = state
        .ledger
        .void_hold(&terminal, owner, &hold_ref, amount)
        .await;
    settle(&state, &hold, operation, outcome).await
}

fn signer_of(
    state: &AppState,
    merchant: &Merchant,
    hold: &Hold,
) -> Result<
    (
        aptos_sdk::types::AccountAddress,
        aptos_sdk::account::Ed25519Account,
        OrderRef,
    ),
    ApiError,
> {
    let owner = merchant.owner().map_err(ApiError::internal)?;
    let terminal = merchant
        .terminal_account(&state.kek)
        .map_err(ApiError::internal)?;
    let hold_ref = OrderRef::new(&hold.merchant_payment_id).map_err(ApiError::internal)?;
    Ok((owner, terminal, hold_ref))
}

/// Records what became of an operation's transaction and answers: the
/// chain's own numbers from its event when it committed.
async fn settle(
    state: &AppState,
    hold: &Hold,
    operation: Operation,
    outcome: Result<crate::chain::TxOutcome, ChainError>,
) -> ApiResult {
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(error) => {
            match &error {
                ChainError::Rejected { code, message } => {
                    holds::fail_operation(
                        &state.db.pool,
                        &operation.operation_id,
                        &failure_reason(code, message),
                    )
                    .await?;
                }
                ChainError::Unavailable(detail) => {
                    let reason =
                        failure_reason("NODE_UNAVAILABLE", &format!("not submitted: {detail}"));
                    holds::fail_operation(&state.db.pool, &operation.operation_id, &reason).await?;
                }
                ChainError::Unknown { hash, .. } => {
                    holds::operation_submitted(&state.db.pool, &operation.operation_id, hash)
                        .await?;
                }
            }
            return Err(chain_error(error));
        }
    };
    let tx = crate::store::payments::Tx {
        hash: &outcome.hash,
        version: outcome.version,
    };
    holds::complete_operation(&state.db.pool, &operation.operation_id, tx).await?;
    tracing::info!(hold = %hold.hold_id, operation = %operation.operation_id, tx = %outcome.hash, "hold operation committed");
    state.signal_payments_changed();
    let (mut fee, mut net, mut released, mut held) = (None, None, 0, hold.held() as u64);
    for event in &outcome.events {
        match event {
            YenpayEvent::Hold(HoldEvent::HoldCaptured(e)) => {
                (fee, net, released, held) = (Some(e.fee), Some(e.net), e.released, e.held);
            }
            YenpayEvent::Hold(HoldEvent::HoldVoided(e)) => {
                (released, held) = (e.amount, e.held);
            }
            _ => {}
        }
    }
    let operation = holds::operation_by_merchant_id(
        &state.db.pool,
        &operation.merchant_address,
        &operation.merchant_operation_id,
    )
    .await?
    .ok_or_else(|| ApiError::internal("hold operation vanished"))?;
    ok(OperationResult {
        operation: OperationView::from(&operation),
        merchant_payment_id: hold.merchant_payment_id.clone(),
        fee,
        net,
        released,
        held,
    })
}

/// A hold's state by the merchant's id, with its captures and reverts.
#[utoipa::path(get, path = "/v2/holds/{merchantPaymentId}", tag = "holds", security(("opa_auth" = [])),
    params(("merchantPaymentId" = String, Path, description = "the hold's merchantPaymentId")),
    responses((status = 200, body = HoldView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn details(
    State(state): State<AppState>,
    Extension(AuthedMerchant(merchant)): Extension<AuthedMerchant>,
    Path(merchant_payment_id): Path<String>,
) -> ApiResult {
    let hold = hold_of(&state, &merchant, &merchant_payment_id).await?;
    let operations = holds::operations_of(&state.db.pool, &hold.hold_id).await?;
    ok(hold_view(&hold, &operations))
}
