//! `POST /v2/payments/cpm`: a terminal submits a customer-presented code it
//! scanned. The merchant's terminal key signs a request naming the code and
//! the order (`authorization::CollectionRequest`, [`crate::offer`]) and the
//! gateway settles the order with both in one transaction
//! (`invoice::collect_signed_invoice`), sent by its own account: no invoice
//! beforehand, no transaction of the terminal's.
use super::extract::ApiJson;
use super::invoicing::{record_chain_error, reserve};
use super::views::{Money, PaymentView, view};
use crate::AppState;
use crate::auth::AuthedMerchant;
use crate::error::{ApiError, ApiResult, created};
use crate::store::payments::{self, NewPayment, PaymentKind, PaymentStatus};
use axum::Extension;
use axum::extract::State;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yenpay_client::address::from_sdk;
use yenpay_client::events::YenpayEvent;
use yenpay_client::invoice::InvoiceEvent;
use yenpay_client::types::limits::{OrderRef, Ttl};
use yenpay_qr::cpm::TerminalContext;

/// The route, as `#[utoipa::path]` declares it.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(cpm))
}

/// `POST /v2/payments/cpm` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CpmPayment {
    /// The merchant's order id (1-64 bytes; unique per merchant, ever).
    pub merchant_payment_id: String,
    /// The customer's code as scanned (EMVCo customer-presented payload).
    pub customer_code: String,
    /// The price; when given it must equal the amount the customer authorized.
    #[serde(default)]
    pub amount: Option<Money>,
}

/// Settles an order with a customer-presented code.
#[utoipa::path(post, path = "/v2/payments/cpm", tag = "payments", request_body = CpmPayment,
    security(("opa_auth" = [])),
    responses((status = 201, body = PaymentView), (status = 400, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody),
              (status = 503, body = crate::error::ErrorBody)))]
pub async fn cpm(
    State(state): State<AppState>,
    Extension(AuthedMerchant(merchant)): Extension<AuthedMerchant>,
    ApiJson(request): ApiJson<CpmPayment>,
) -> ApiResult {
    let order = OrderRef::new(&request.merchant_payment_id)
        .map_err(|e| ApiError::invalid(format!("merchantPaymentId: {e}")))?;
    let owner = merchant.owner().map_err(ApiError::internal)?;
    let context = TerminalContext {
        chain_id: state.config.chain_id,
        metadata: state.config.metadata,
        merchant: from_sdk(owner),
    };
    let signed = yenpay_qr::cpm::decode(request.customer_code.trim(), &context)
        .map_err(|e| ApiError::invalid(format!("customerCode: {e}")))?;
    let amount = signed.authorization.amount;
    if let Some(expected) = &request.amount
        && expected.checked("amount")? != amount
    {
        return Err(ApiError::invalid(format!(
            "amount: the customer authorized {amount} yen"
        )));
    }
    let now = state.clock.now();
    signed
        .check(
            from_sdk(state.config.package),
            state.config.chain_id,
            now as u64,
        )
        .map_err(|e| ApiError::invalid(format!("customerCode: {e}")))?;

    let ttl = Ttl::from_secs(120).map_err(ApiError::internal)?;
    let row = reserve(
        &state,
        &NewPayment {
            merchant_address: merchant.address.clone(),
            merchant_payment_id: request.merchant_payment_id.clone(),
            kind: PaymentKind::Cpm,
            status: PaymentStatus::Pending,
            amount: amount as i64,
            expires_at: now + ttl.secs() as i64,
            created_at: now,
        },
    )
    .await?;
    let code_id = row.code_id;
    let request = crate::offer::sign_collection(
        &state.config,
        &state.kek,
        &merchant,
        &signed,
        order,
        row.expires_at as u64,
    )
    .map_err(ApiError::internal)?;
    let terminal = merchant
        .terminal_account(&state.kek)
        .map_err(ApiError::internal)?;
    let collected = match state.ledger.collect(&terminal, &request, &signed).await {
        Ok(outcome) => outcome,
        Err(error) => return Err(record_chain_error(&state, &code_id, error).await?),
    };
    // One transaction both creates and pays the order's record.
    let tx = payments::Tx {
        hash: &collected.hash,
        version: collected.version,
    };
    if let Some(created) = collected.events.iter().find_map(|event| match event {
        YenpayEvent::Invoice(InvoiceEvent::InvoiceCreated(created)) => Some(created),
        _ => None,
    }) {
        payments::confirm_created(&state.db.pool, &code_id, tx, amount, created.expires_at).await?;
    }
    if let Some(paid) = collected.events.iter().find_map(|e| match e {
        YenpayEvent::Invoice(InvoiceEvent::InvoicePaid(paid)) => Some(paid),
        _ => None,
    }) {
        let paid = payments::Paid {
            payer: paid.payer.to_hex(),
            amount: paid.amount,
            fee: paid.fee,
            net: paid.net,
            paid_at: paid.paid_at,
            tx,
        };
        payments::mark_paid(&state.db.pool, &code_id, &paid).await?;
    }
    let payment = payments::by_code_id(&state.db.pool, &code_id)
        .await?
        .ok_or_else(|| ApiError::internal("payment vanished"))?;
    created(view(&state, &payment, Vec::new()))
}
