//! `POST /v2/payments/cpm`: a terminal submits a customer-presented code it
//! scanned. The gateway opens an invoice for the order and settles it with
//! the customer's signed collection authorization
//! (`invoice::collect_with_authorization`), both signed by the merchant's
//! terminal key.
use super::admin::terminal_account;
use super::codes::{Money, chain_error, merchant_address, view};
use super::{created, json_body};
use crate::AppState;
use crate::auth::AuthedMerchant;
use crate::chain::ChainError;
use crate::error::{ApiError, ApiResult};
use crate::store::payments::{self, Payment};
use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use serde::Deserialize;
use utoipa::ToSchema;
use yenpay_client::address::from_sdk;
use yenpay_client::events::YenpayEvent;
use yenpay_client::invoice::InvoiceEvent;
use yenpay_client::types::limits::{OrderRef, Ttl};
use yenpay_qr::cpm::TerminalContext;

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
    responses((status = 201, body = super::codes::PaymentView), (status = 400, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody),
              (status = 503, body = crate::error::ErrorBody)))]
pub async fn cpm(
    State(state): State<AppState>,
    Extension(AuthedMerchant(merchant)): Extension<AuthedMerchant>,
    body: Bytes,
) -> ApiResult {
    let request: CpmPayment = json_body(&body)?;
    let order = OrderRef::new(&request.merchant_payment_id)
        .map_err(|e| ApiError::invalid(format!("merchantPaymentId: {e}")))?;
    let owner = merchant_address(&merchant)?;
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

    let code_id = payments::code_id(&merchant.address, &request.merchant_payment_id);
    let ttl = Ttl::from_secs(120).map_err(ApiError::internal)?;
    let row = Payment {
        code_id: code_id.clone(),
        merchant_address: merchant.address.clone(),
        merchant_payment_id: request.merchant_payment_id.clone(),
        kind: "cpm".to_owned(),
        origin: "gateway".to_owned(),
        status: "PENDING".to_owned(),
        amount: amount as i64,
        expires_at: now + ttl.secs() as i64,
        created_at: now,
        create_tx: None,
        create_version: None,
        payer: None,
        fee: None,
        net: None,
        paid_at: None,
        pay_tx: None,
        pay_version: None,
        refunded: 0,
        fee_refunded: 0,
        reference: None,
    };
    if !payments::insert(&state.db.pool, &row).await? {
        return Err(ApiError::conflict(
            "DUPLICATE_DYNAMIC_QR_REQUEST",
            "this merchantPaymentId was already used",
        ));
    }
    let terminal = terminal_account(&state, &merchant)?;
    let forget = || async {
        sqlx::query("DELETE FROM payments WHERE code_id = $1 AND status = 'PENDING'")
            .bind(&code_id)
            .execute(&state.db.pool)
            .await
    };
    let created_tx = match state
        .ledger
        .create_invoice(&terminal, owner, &order, amount, ttl)
        .await
    {
        Ok(outcome) => outcome,
        Err(error @ ChainError::Rejected { .. }) => {
            forget().await?;
            return Err(chain_error(error));
        }
        Err(error) => return Err(chain_error(error)),
    };
    sqlx::query(
        "UPDATE payments SET status = CASE WHEN status = 'PENDING' THEN 'CREATED' ELSE status END, \
         create_tx = $1, create_version = $2 WHERE code_id = $3",
    )
    .bind(&created_tx.hash)
    .bind(created_tx.version as i64)
    .bind(&code_id)
    .execute(&state.db.pool)
    .await?;
    let collected = state
        .ledger
        .collect(&terminal, &order, &signed)
        .await
        .map_err(chain_error)?;
    if let Some(paid) = collected.events.iter().find_map(|e| match e {
        YenpayEvent::Invoice(InvoiceEvent::InvoicePaid(paid)) => Some(paid),
        _ => None,
    }) {
        sqlx::query(
            "UPDATE payments SET status = CASE WHEN status IN ('PENDING', 'CREATED') THEN 'COMPLETED' ELSE status END, \
             payer = $1, fee = $2, net = $3, paid_at = $4, pay_tx = $5, pay_version = $6 WHERE code_id = $7",
        )
        .bind(paid.payer.to_hex())
        .bind(paid.fee as i64)
        .bind(paid.net as i64)
        .bind(paid.paid_at as i64)
        .bind(&collected.hash)
        .bind(collected.version as i64)
        .bind(&code_id)
        .execute(&state.db.pool)
        .await?;
    }
    let payment = payments::by_code_id(&state.db.pool, &code_id)
        .await?
        .ok_or_else(|| ApiError::internal("payment vanished"))?;
    created(view(&state, &payment, Vec::new()))
}
