//! The wallet page's side of the gateway: a tourist's browser holds an
//! Ed25519 key (demo grade: in the page's storage) and pays a dynamic code
//! with the gateway as fee payer, so it needs no APT. It also takes a hold
//! code (`hold::authorize_signed_hold`, issue 27): a shop's, or the one a
//! compliance review hands out instead of a payment (`409
//! PAYMENT_UNDER_REVIEW`, issue 28), which the page follows on its own.
//!
//! The browser cannot compute an Aptos address (SHA3) or BCS without a
//! library, and the page must not load one from a CDN; so the gateway
//! derives the address, builds the `pay_signed_invoice` transaction of the
//! code (the terminal's signed invoice the code carries) and hands back
//! the exact bytes to sign. It then checks the signature and applies the
//! same sponsoring rules as `/v2/sponsor` ([`crate::sponsor::cosign`]). The page
//! comes from this gateway too, so it trusts it either way; a real wallet
//! builds and checks its transactions itself.
use super::extract::ApiJson;
use super::sponsor::hex_bytes;
use super::views::Money;
use crate::AppState;
use crate::error::{ApiError, ApiResult, chain_error, created, ok};
use crate::sponsor;
use crate::store::holds::{self, Hold, HoldStatus};
use crate::store::merchants;
use crate::store::payments::{self, Payment};
use crate::store::reviews::{self, ReviewStatus};
use aptos_sdk::crypto::Ed25519PublicKey;
use aptos_sdk::transaction::authenticator::{
    AccountAuthenticator, Ed25519PublicKey as AuthPublicKey, Ed25519Signature as AuthSignature,
};
use aptos_sdk::transaction::{FeePayerRawTransaction, RawTransaction, TransactionPayload};
use aptos_sdk::types::ChainId;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use serde::{Deserialize, Serialize};
use yenpay_client::address::to_sdk;
use yenpay_client::events::YenpayEvent;
use yenpay_client::hold::HoldEvent;
use yenpay_client::invoice::InvoiceEvent;
use yenpay_qr::mpm::{PaymentRequest, YenpayPayment};
use yenpay_types::hold::SignedHoldOffer;
use yenpay_types::offer::SignedInvoiceOffer;

/// How long a prepared transaction stays valid: long enough to tap "Pay",
/// short enough that a forgotten one dies soon.
pub const EXPIRATION_SECS: u64 = 60;

/// The wallet routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/wallet/api/quote", post(quote))
        .route("/wallet/api/account", post(account))
        .route("/wallet/api/prepare", post(prepare))
        .route("/wallet/api/pay", post(pay))
}

/// A payload to read.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QuoteRequest {
    /// An EMVCo (JPQR) merchant-presented payload or a `yenpay:` URI.
    pub payload: String,
}

/// The merchant, as the wallet shows it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MerchantInfo {
    /// Shop name.
    pub name: String,
    /// City.
    pub city: String,
    /// Owner address.
    pub address: String,
}

impl MerchantInfo {
    fn unnamed(address: String) -> Self {
        Self {
            name: String::new(),
            city: String::new(),
            address,
        }
    }
}

/// What the customer is asked to pay.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Quote {
    /// `dynamic` (a payment) or `hold` (yen held for the shop to capture).
    pub kind: &'static str,
    /// Who is paid.
    pub merchant: MerchantInfo,
    /// The order.
    pub merchant_payment_id: String,
    /// How much.
    pub amount: Money,
    /// The code's status (`CREATED` when payable).
    pub status: String,
    /// Payable before, Unix seconds.
    pub expiry_date: i64,
    /// Whether this gateway will sponsor paying it now.
    pub payable: bool,
    /// Whether the customer must declare who they are to pay it (the
    /// travel rule: above the operator's threshold; the page's wallet is
    /// unhosted).
    pub declaration_required: bool,
    /// A hold's: yen held besides `amount` for a tip.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tip_limit: Option<Money>,
    /// A hold's: the shop can capture strictly before, Unix seconds; then
    /// the customer can take the rest back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capture_before: Option<i64>,
    /// A hold that a compliance review made of a payment: the review's
    /// deadline (an analyst releases it to the shop or voids it back
    /// before; the gateway voids it at the deadline).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_deadline: Option<i64>,
}

/// A code resolved to what it asks.
enum Code {
    Payment(Resolved),
    Hold(ResolvedHold),
}

/// A code resolved to its invoice.
struct Resolved {
    order_ref: String,
    invoice: Payment,
    merchant: MerchantInfo,
    /// The signed invoice the code carries.
    signed: SignedInvoiceOffer,
}

/// A hold code resolved to the hold this gateway issued.
struct ResolvedHold {
    hold: Hold,
    merchant: MerchantInfo,
    /// The terminal's signed hold offer the code carries.
    signed: SignedHoldOffer,
    /// The open review the hold stands for, if any.
    review_deadline: Option<i64>,
}

fn invalid_payload(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "INVALID_PAYLOAD", message)
}

fn wrong_chain(chain_id: u8, package: impl std::fmt::Display, state: &AppState) -> ApiError {
    invalid_payload(format!(
        "this code is for chain {chain_id} package {package}, not this gateway's (chain {})",
        state.config.chain_id
    ))
}

/// Decodes a payload: a hold code's URI, or a payment code.
async fn resolve_code(state: &AppState, text: &str) -> Result<Code, ApiError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(invalid_payload("paste the code's text (or a yenpay: link)"));
    }
    // Only a hold's URI carries `hold=`; a payment's decoder refuses it.
    match yenpay_qr::hold::decode(text) {
        Ok(code) => resolve_hold(state, code).await.map(Code::Hold),
        Err(_) => resolve(state, text).await.map(Code::Payment),
    }
}

/// Finds the hold a hold code names: one this gateway issued, exactly as
/// it signed it (the sponsoring refuses anything else anyway; here the
/// customer learns why before signing).
async fn resolve_hold(
    state: &AppState,
    code: yenpay_qr::hold::HoldCode,
) -> Result<ResolvedHold, ApiError> {
    let offer = &code.signed.message;
    if offer.chain_id != state.config.chain_id || to_sdk(code.package) != state.config.package {
        return Err(wrong_chain(offer.chain_id, code.package, state));
    }
    let merchant_address = to_sdk(offer.merchant).to_hex();
    let not_found = || {
        ApiError::not_found(
            "HOLD_NOT_FOUND",
            "this gateway issued no such hold code (another operator's, or a forged one)",
        )
    };
    let hold = holds::by_id(
        &state.db.pool,
        &holds::hold_id(&merchant_address, offer.hold_ref.as_str()),
    )
    .await?
    .filter(|h| h.origin == payments::Origin::Gateway)
    .ok_or_else(not_found)?;
    if hold.amount as u64 != offer.amount
        || hold.tip_limit as u64 != offer.tip_limit
        || hold.capture_before as u64 != offer.capture_before
        || hold.expires_at as u64 != offer.expires_at
    {
        return Err(ApiError::conflict(
            "AMOUNT_MISMATCH",
            format!(
                "the code says ¥{} (tip up to ¥{}) but the shop's hold is for ¥{} (tip up to ¥{}): do not take it, ask the shop",
                offer.amount, offer.tip_limit, hold.amount, hold.tip_limit
            ),
        ));
    }
    let review_deadline = reviews::by_hold(&state.db.pool, &hold.hold_id)
        .await?
        .filter(|r| r.status == ReviewStatus::Open)
        .map(|r| r.deadline);
    let merchant = merchant_info(state, merchant_address, None, None).await?;
    Ok(ResolvedHold {
        hold,
        merchant,
        signed: code.signed,
        review_deadline,
    })
}

/// Decodes a payment code and finds its invoice.
async fn resolve(state: &AppState, text: &str) -> Result<Resolved, ApiError> {
    let (payment, name_in_code, city_in_code) = if text.starts_with("yenpay:") {
        let payment = yenpay_qr::uri::decode(text)
            .map_err(|e| invalid_payload(format!("not a yenpay link: {e}")))?;
        (payment, None, None)
    } else {
        let code = yenpay_qr::mpm::MerchantPresented::decode(text)
            .map_err(|e| invalid_payload(format!("not an EMVCo QR payload: {e}")))?;
        let payment = YenpayPayment::from_merchant_presented(&code)
            .map_err(|e| invalid_payload(format!("not a yenpay code: {e}")))?;
        (payment, Some(code.merchant_name), Some(code.merchant_city))
    };
    if payment.chain_id != state.config.chain_id || to_sdk(payment.package) != state.config.package
    {
        return Err(wrong_chain(payment.chain_id, payment.package, state));
    }
    let (order_ref, amount) = match &payment.request {
        PaymentRequest::Signed {
            order_ref, amount, ..
        } => (order_ref, amount),
        PaymentRequest::Dynamic { .. } => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "CODE_NOT_SUPPORTED",
                "this code names an invoice created on chain; this wallet pays the codes a shop's terminal signs",
            ));
        }
        PaymentRequest::Static { .. } => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "STATIC_CODE_NOT_SUPPORTED",
                "this is a shop's static code; this wallet pays dynamic codes (one order, one amount) only",
            ));
        }
    };
    let signed = payment
        .signed_offer()
        .map_err(|e| invalid_payload(format!("not a payable code: {e}")))?;
    let merchant_address = to_sdk(payment.merchant).to_hex();
    let invoice = payments::by_merchant_payment_id(&state.db.pool, &merchant_address, order_ref)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(
                "DYNAMIC_QR_NOT_FOUND",
                "this gateway knows no such code (another operator's, or not confirmed yet)",
            )
        })?;
    if invoice.amount as u64 != *amount {
        return Err(ApiError::conflict(
            "AMOUNT_MISMATCH",
            format!(
                "the code says ¥{amount} but the order is for ¥{}: do not pay it, ask the shop",
                invoice.amount
            ),
        ));
    }
    let merchant = merchant_info(state, merchant_address, name_in_code, city_in_code).await?;
    Ok(Resolved {
        order_ref: order_ref.clone(),
        invoice,
        merchant,
        signed,
    })
}

/// The merchant as the gateway onboarded it, else as its code names it.
async fn merchant_info(
    state: &AppState,
    address: String,
    name_in_code: Option<String>,
    city_in_code: Option<String>,
) -> Result<MerchantInfo, ApiError> {
    let known = merchants::by_address(&state.db.pool, &address).await?;
    let (name, city) = match known {
        Some(m) => (m.name, m.city),
        None => (
            name_in_code.unwrap_or_default(),
            city_in_code.unwrap_or_default(),
        ),
    };
    Ok(MerchantInfo {
        name,
        city,
        address,
    })
}

fn quote_of(state: &AppState, resolved: Resolved) -> Quote {
    let status = resolved.invoice.status_at(state.clock.now()).to_owned();
    Quote {
        kind: "dynamic",
        payable: status == "CREATED" && state.operator.is_some(),
        status,
        merchant_payment_id: resolved.order_ref,
        amount: Money::jpy(resolved.invoice.amount),
        expiry_date: resolved.invoice.expires_at,
        merchant: resolved.merchant,
        declaration_required: state
            .config
            .compliance
            .travel_rule
            .unhosted_threshold
            .is_some_and(|threshold| resolved.invoice.amount > threshold),
        tip_limit: None,
        capture_before: None,
        review_deadline: None,
    }
}

fn hold_quote_of(state: &AppState, resolved: ResolvedHold) -> Quote {
    let hold = &resolved.hold;
    let now = state.clock.now();
    let status = if hold.status == HoldStatus::Created && now >= hold.expires_at {
        "EXPIRED"
    } else {
        hold.status.as_str()
    };
    // What leaves the customer's store, as the sponsoring screens and limits it.
    let held = hold.amount.saturating_add(hold.tip_limit);
    Quote {
        kind: "hold",
        payable: status == "CREATED" && state.operator.is_some(),
        status: status.to_owned(),
        merchant_payment_id: hold.merchant_payment_id.clone(),
        amount: Money::jpy(hold.amount),
        expiry_date: hold.expires_at,
        merchant: resolved.merchant,
        declaration_required: state
            .config
            .compliance
            .travel_rule
            .unhosted_threshold
            .is_some_and(|threshold| held > threshold),
        tip_limit: Some(Money::jpy(hold.tip_limit)),
        capture_before: Some(hold.capture_before),
        review_deadline: resolved.review_deadline,
    }
}

fn quote_of_code(state: &AppState, code: Code) -> Quote {
    match code {
        Code::Payment(resolved) => quote_of(state, resolved),
        Code::Hold(resolved) => hold_quote_of(state, resolved),
    }
}

/// `POST /wallet/api/quote`: what a code asks for.
pub async fn quote(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<QuoteRequest>,
) -> ApiResult {
    let code = resolve_code(&state, &request.payload).await?;
    ok(quote_of_code(&state, code))
}

/// A browser-held key.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccountRequest {
    /// The raw Ed25519 public key, 64 hex digits.
    pub public_key: String,
}

/// The key's account.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountView {
    /// Its address (Ed25519 single-key scheme).
    pub address: String,
    /// Yen held.
    pub balance: u64,
    /// Whether the account exists on chain yet.
    pub exists: bool,
    /// Its tier and what it may still pay with the gateway's sponsoring
    /// (per payment, today and this month, Japan time).
    pub limits: crate::compliance::limits::Left,
}

fn public_key(hex: &str) -> Result<Ed25519PublicKey, ApiError> {
    let bytes = hex_bytes(hex, "publicKey")?;
    Ed25519PublicKey::from_bytes(&bytes)
        .map_err(|_| ApiError::invalid("publicKey: a raw Ed25519 public key, 32 bytes in hex"))
}

/// `POST /wallet/api/account`: the address, balance and existence of a key's account.
pub async fn account(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<AccountRequest>,
) -> ApiResult {
    let address = public_key(&request.public_key)?.to_address();
    let account = state.ledger.account(address).await.map_err(chain_error)?;
    let limits =
        crate::compliance::limits::left(&state, &address.to_hex(), state.clock.now()).await?;
    ok(AccountView {
        address: address.to_hex(),
        balance: account.balance,
        exists: account.exists,
        limits,
    })
}

/// `POST /wallet/api/prepare` body.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PrepareRequest {
    /// The code.
    pub payload: String,
    /// The payer's raw Ed25519 public key, hex.
    pub public_key: String,
}

/// A transaction to sign.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Prepared {
    /// `0x`-hex BCS of the `RawTransaction` (`invoice::pay_signed_invoice`,
    /// or `hold::authorize_signed_hold` for a hold code).
    pub raw_transaction: String,
    /// `0x`-hex bytes the payer signs: the fee-payer signing message naming the operator.
    pub signing_message: String,
    /// The payer's address.
    pub sender: String,
    /// Who pays the gas.
    pub fee_payer: String,
    /// Valid until, Unix seconds.
    pub expires_at: u64,
}

/// `POST /wallet/api/prepare`: the sponsored `pay_signed_invoice` for a
/// payment code, or `authorize_signed_hold` for a hold code, to sign.
pub async fn prepare(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<PrepareRequest>,
) -> ApiResult {
    let sender = public_key(&request.public_key)?.to_address();
    let operator = sponsor::operator(&state)?;
    let code = resolve_code(&state, &request.payload).await?;
    let call = match &code {
        Code::Payment(resolved) => yenpay_client::invoice::Calls::new(state.config.package)
            .pay_offer(&resolved.signed)
            .map_err(ApiError::internal)?,
        Code::Hold(resolved) => yenpay_client::hold::Calls::new(state.config.package)
            .authorize_offer(&resolved.signed)
            .map_err(ApiError::internal)?,
    };
    let quote = quote_of_code(&state, code);
    if quote.status != "CREATED" {
        return Err(ApiError::conflict(
            "CODE_NOT_PAYABLE",
            format!("the code is {} and cannot be paid", quote.status),
        ));
    }
    let account = state.ledger.account(sender).await.map_err(chain_error)?;
    let policy = &state.config.sponsor;
    let expires_at = state.clock.now() as u64
        + EXPIRATION_SECS.min(policy.max_expiration.as_secs().saturating_sub(5));
    let raw = RawTransaction::new(
        sender,
        account.sequence_number,
        TransactionPayload::EntryFunction(call),
        // Exactly the sponsor's terms, which it refuses to co-sign otherwise.
        policy.max_gas_amount,
        policy.gas_unit_price,
        expires_at,
        ChainId::new(state.config.chain_id),
    );
    let raw_bytes = aptos_bcs::to_bytes(&raw).map_err(ApiError::internal)?;
    let message = FeePayerRawTransaction::new(raw, Vec::new(), operator.address())
        .signing_message()
        .map_err(ApiError::internal)?;
    ok(Prepared {
        raw_transaction: format!("0x{}", const_hex::encode(raw_bytes)),
        signing_message: format!("0x{}", const_hex::encode(message)),
        sender: sender.to_hex(),
        fee_payer: operator.address().to_hex(),
        expires_at,
    })
}

/// `POST /wallet/api/pay` body.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PayRequest {
    /// The prepared `rawTransaction`.
    pub raw_transaction: String,
    /// The payer's raw Ed25519 public key, hex.
    pub public_key: String,
    /// Its signature over the prepared `signingMessage`, 128 hex digits.
    pub signature: String,
    /// The customer's self-declaration, which the page collects above the
    /// operator's threshold (`Quote::declaration_above`).
    pub declaration: Option<crate::compliance::travel_rule::DeclarationInput>,
}

/// What the wallet shows after paying (or after authorizing a hold).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Receipt {
    /// `payment`, or `hold` (the yen are in escrow, not the shop's yet).
    pub kind: &'static str,
    /// Who was paid (or holds).
    pub merchant: MerchantInfo,
    /// The order.
    pub merchant_payment_id: String,
    /// Paid, or held for capture.
    pub amount: Money,
    /// The operator's fee (inside the amount); a hold's comes at capture.
    pub fee: Option<u64>,
    /// To the merchant; a hold's at capture.
    pub net: Option<u64>,
    /// When, Unix seconds (chain time); none for a hold (its event has no time).
    pub paid_at: Option<u64>,
    /// A hold's: yen held besides for a tip.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tip_limit: Option<Money>,
    /// A hold's: capturable strictly before, Unix seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capture_before: Option<u64>,
}

/// A paid code.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Paid {
    /// The transaction.
    pub transaction_hash: String,
    /// Its version.
    pub version: u64,
    /// Who paid the gas.
    pub fee_payer: String,
    /// The receipt.
    pub receipt: Receipt,
}

/// `POST /wallet/api/pay`: co-signs and submits the signed payment, then
/// answers with the receipt from the chain's own `InvoicePaid` event.
pub async fn pay(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<PayRequest>,
) -> ApiResult {
    let raw: RawTransaction =
        aptos_bcs::from_bytes(&hex_bytes(&request.raw_transaction, "rawTransaction")?).map_err(
            |e| ApiError::invalid(format!("rawTransaction: not a BCS RawTransaction: {e}")),
        )?;
    let key = public_key(&request.public_key)?;
    if key.to_address() != raw.sender {
        return Err(ApiError::invalid(
            "publicKey: not the key of the transaction's sender",
        ));
    }
    let signature: [u8; 64] = hex_bytes(&request.signature, "signature")?
        .try_into()
        .map_err(|_| ApiError::invalid("signature: 64 bytes in hex"))?;
    let authenticator = AccountAuthenticator::Ed25519 {
        public_key: AuthPublicKey(key.to_bytes()),
        signature: AuthSignature(signature),
    };
    let (sponsored, outcome) =
        sponsor::cosign(&state, raw, authenticator, request.declaration.as_ref()).await?;
    let receipt = outcome.events.iter().find_map(|event| match event {
        YenpayEvent::Invoice(InvoiceEvent::InvoicePaid(paid)) => Some(Receipt {
            kind: "payment",
            merchant: MerchantInfo::unnamed(paid.merchant.to_hex()),
            merchant_payment_id: paid.order_ref.clone(),
            amount: Money::jpy(paid.amount as i64),
            fee: Some(paid.fee),
            net: Some(paid.net),
            paid_at: Some(paid.paid_at),
            tip_limit: None,
            capture_before: None,
        }),
        YenpayEvent::Hold(HoldEvent::HoldAuthorized(held)) => Some(Receipt {
            kind: "hold",
            merchant: MerchantInfo::unnamed(held.merchant.to_hex()),
            merchant_payment_id: held.hold_ref.clone(),
            amount: Money::jpy(held.amount as i64),
            fee: None,
            net: None,
            paid_at: None,
            tip_limit: Some(Money::jpy(held.tip_limit as i64)),
            capture_before: Some(held.capture_before),
        }),
        _ => None,
    });
    let mut receipt = receipt.ok_or_else(|| {
        ApiError::internal("the transaction emitted neither InvoicePaid nor HoldAuthorized")
    })?;
    receipt.merchant = merchant_info(&state, receipt.merchant.address, None, None).await?;
    created(Paid {
        transaction_hash: sponsored.transaction_hash,
        version: sponsored.version,
        fee_payer: sponsored.fee_payer,
        receipt,
    })
}
