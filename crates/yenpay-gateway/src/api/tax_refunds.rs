//! Consumption-tax refunds at departure (issue 29): on the admin listener,
//! the refund agent's confirmations of exports, recorded
//! (`POST /admin/tax-refunds/confirmations`, listed with `GET`) and paid in
//! batches (`POST /admin/tax-refunds/payments`; `POST /admin/tax-refunds/claims`
//! records and pays in one call), and the report per merchant and day
//! (`GET /admin/reports/tax-refunds`); for the wallet page, a purchase's
//! refundable tax (`POST /wallet/api/tax-refund`) and a payer's tax-free
//! purchases with where each refund stands (`POST /wallet/api/tax-refunds`).
//!
//! The chain pays only the wallet that paid, once, within 90 days, from the
//! agent's float (`yenpay::tax_refund`); a batch is all or nothing there. So
//! the gateway checks each attestation before recording it (its domain and
//! signature, and the purchase's status on chain), and a batch claims each
//! recorded confirmation in the database (`store::tax_refunds`), reads its
//! purchase again, and submits only the claims the chain would pay, in one
//! transaction the operator's account submits and pays the gas of. A batch
//! whose outcome is unknown keeps its claims until its transaction has
//! expired; the next batch finds a purchase the chain paid meanwhile and
//! marks it paid without sending it again (the chain would refuse a second
//! claim in any case: `EALREADY_REFUNDED`).
use super::extract::{ApiJson, Query};
use super::reports::jst_day;
use crate::AppState;
use crate::api::admin::parse_address;
use crate::api::sponsor::hex_bytes;
use crate::chain::ChainError;
use crate::error::{ApiError, ApiResult, chain_error, ok};
use crate::store::audit_log::{self, NewEntry};
use crate::store::tax_refunds as store;
use aptos_sdk::account::Ed25519Account;
use aptos_sdk::types::AccountAddress;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::json;
use sqlx::Row;
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yenpay_client::address::{from_sdk, to_sdk};
use yenpay_client::tax_refund::{Purchase, RefundStatus};
use yenpay_client::types::limits::OrderRef;
use yenpay_client::types::tax_refund::{ExportAttestation, SignedExportAttestation};

/// Claims in one request: each costs a status read, and a batch is one
/// transaction (the chain's size and gas limits).
pub const MAX_CLAIMS: usize = 50;

/// The admin routes.
pub fn admin_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(claim_tax_refunds))
        .routes(routes!(record_confirmations, list_confirmations))
        .routes(routes!(pay_confirmations))
        .routes(routes!(report))
}

/// The wallet routes.
pub fn wallet_router() -> Router<AppState> {
    Router::new()
        .route("/wallet/api/tax-refund", post(tax_refund))
        .route("/wallet/api/tax-refunds", post(wallet_purchases))
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

/// `POST /admin/tax-refunds/claims` and `POST /admin/tax-refunds/confirmations` body.
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
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClaimResult {
    /// As requested.
    pub merchant: String,
    /// As requested.
    pub merchant_payment_id: String,
    /// As requested.
    pub traveller: String,
    /// `RECORDED` (recording only), `PAID` or `REFUSED`; for a payment
    /// whose outcome is unknown, `SUBMITTED`.
    pub result: &'static str,
    /// The stored confirmation, once recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirmation_id: Option<String>,
    /// Yen paid back (`PAID`), or that a claim pays now (`RECORDED`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<u64>,
    /// Why it was not recorded or paid: `INVALID_SIGNATURE` (not signed by
    /// `agentPublicKey` for this chain, deployment, purchase and traveller),
    /// `NOT_REFUND_AGENT_KEY` (a valid signature, but the key is not the
    /// refund agent's current one on chain), `PURCHASE_NOT_FOUND`, `NOT_PAYER`, `DUPLICATE`,
    /// `CONFLICTING_ATTESTATION` (another attestation is recorded for the
    /// purchase: `confirmationId` names it), or the purchase's status
    /// (`NOT_ELIGIBLE`, `REFUNDED`, `REFUNDED_BY_MERCHANT`, `EXPIRED`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl ClaimResult {
    fn of(claim: &ClaimRequest, result: &'static str) -> Self {
        Self {
            merchant: claim.merchant.clone(),
            merchant_payment_id: claim.merchant_payment_id.clone(),
            traveller: claim.traveller.clone(),
            result,
            confirmation_id: None,
            amount: None,
            reason: None,
        }
    }

    fn refused(claim: &ClaimRequest, reason: &str) -> Self {
        Self {
            reason: Some(reason.to_owned()),
            ..Self::of(claim, "REFUSED")
        }
    }
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

/// `POST /admin/tax-refunds/claims` and `.../confirmations` answer.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClaimsAnswer {
    /// The batch, when any claim was sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction: Option<BatchTransaction>,
    /// One per claim, in the request's order.
    pub claims: Vec<ClaimResult>,
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

fn no_operator() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "NO_OPERATOR_KEY",
        "the gateway has no operator key to submit the refunds with",
    )
}

/// Checks each attestation (its domain and signature, and the purchase on
/// chain: found, claimable, paid by the traveller) and records those that
/// hold, each with an audit entry. Returns a result per claim (`RECORDED`
/// or `REFUSED`) and the confirmation ids recorded by this request or before
/// it with the same attestation.
async fn record(state: &AppState, request: &ClaimsRequest) -> Result<Vec<ClaimResult>, ApiError> {
    if request.claims.is_empty() || request.claims.len() > MAX_CLAIMS {
        return Err(ApiError::invalid(format!("claims: 1 to {MAX_CLAIMS}")));
    }
    let public_key: [u8; 32] = hex_bytes(&request.agent_public_key, "agentPublicKey")?
        .try_into()
        .map_err(|_| ApiError::invalid("agentPublicKey: 32 bytes"))?;
    // A key that is not the role's would make every batch of them abort.
    let current_key = state
        .ledger
        .is_refund_agent_key(&public_key)
        .await
        .map_err(chain_error)?;
    let package = from_sdk(state.config.package);
    let mut results = Vec::with_capacity(request.claims.len());
    let mut seen: Vec<(AccountAddress, String)> = Vec::new();
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
        // Another key, chain, deployment, purchase or traveller.
        if signed.check(package, state.config.chain_id).is_err() {
            results.push(ClaimResult::refused(claim, "INVALID_SIGNATURE"));
            continue;
        }
        if !current_key {
            results.push(ClaimResult::refused(claim, "NOT_REFUND_AGENT_KEY"));
            continue;
        }
        let key = (merchant, claim.merchant_payment_id.clone());
        if seen.contains(&key) {
            results.push(ClaimResult::refused(claim, "DUPLICATE"));
            continue;
        }
        seen.push(key);
        let Some((purchase, status)) = state
            .ledger
            .tax_refund(merchant, &order)
            .await
            .map_err(chain_error)?
        else {
            results.push(ClaimResult::refused(claim, "PURCHASE_NOT_FOUND"));
            continue;
        };
        let (merchant_hex, traveller_hex) = (merchant.to_hex(), traveller.to_hex());
        let new = store::NewConfirmation {
            merchant_address: &merchant_hex,
            order_ref: order.as_str(),
            purchase_paid_at: purchase.paid_at as i64,
            traveller: &traveller_hex,
            agent_public_key: &const_hex::encode(public_key),
            signature: &const_hex::encode(signature),
            amount: 0,
        };
        // The same attestation again is the record it made, whatever the
        // purchase's status now (paid by it, say).
        if let Some(existing) = store::of_purchase(
            &state.db.pool,
            &merchant_hex,
            order.as_str(),
            new.purchase_paid_at,
        )
        .await?
            && existing.traveller == new.traveller
            && existing.agent_public_key == new.agent_public_key
            && existing.signature == new.signature
        {
            results.push(result_of(claim, &existing));
            continue;
        }
        if let Some(reason) = status_reason(&status) {
            results.push(ClaimResult::refused(claim, reason));
            continue;
        }
        if purchase.payer != traveller {
            results.push(ClaimResult::refused(claim, "NOT_PAYER"));
            continue;
        }
        let RefundStatus::Claimable { amount, .. } = status else {
            unreachable!("status_reason answers every other status");
        };
        let new = store::NewConfirmation {
            amount: amount as i64,
            ..new
        };
        let now = state.clock.now();
        let mut tx = state.db.begin().await?;
        let recorded = store::record(&mut tx, &new, now).await?;
        let result = match &recorded {
            store::Recorded::New(confirmation) => {
                audit_log::append_in(
                    &mut tx,
                    &NewEntry {
                        actor: "admin",
                        action: "TAX_REFUND_CONFIRMATION_RECORDED",
                        subject: &confirmation.confirmation_id,
                        details: json!({
                            "merchant": merchant_hex,
                            "merchantPaymentId": order.as_str(),
                            "traveller": traveller_hex,
                            "agentPublicKey": new.agent_public_key,
                            "amount": amount,
                        }),
                    },
                    now,
                )
                .await?;
                result_of(claim, confirmation)
            }
            store::Recorded::Existing(confirmation) => result_of(claim, confirmation),
            store::Recorded::Conflict(confirmation) => ClaimResult {
                confirmation_id: Some(confirmation.confirmation_id.clone()),
                ..ClaimResult::refused(claim, "CONFLICTING_ATTESTATION")
            },
        };
        tx.commit().await?;
        results.push(result);
    }
    Ok(results)
}

/// A stored confirmation as a claim's result.
fn result_of(claim: &ClaimRequest, confirmation: &store::Confirmation) -> ClaimResult {
    ClaimResult {
        confirmation_id: Some(confirmation.confirmation_id.clone()),
        amount: confirmation.amount.map(|a| a.max(0) as u64),
        reason: confirmation.reason.clone(),
        ..ClaimResult::of(claim, confirmation.status.as_str())
    }
}

/// Records the refund agent's confirmations of exports without paying them:
/// each checked as the chain would (signature and domain, the purchase
/// found, claimable, paid by the traveller) and stored once per purchase.
#[utoipa::path(post, path = "/admin/tax-refunds/confirmations", tag = "admin",
    request_body = ClaimsRequest, security(("admin" = [])),
    responses((status = 200, description = "each confirmation RECORDED (with its id) or REFUSED with its reason", body = ClaimsAnswer),
              (status = 400, body = crate::error::ErrorBody),
              (status = 503, description = "the node does not answer", body = crate::error::ErrorBody)))]
pub async fn record_confirmations(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<ClaimsRequest>,
) -> ApiResult {
    let claims = record(&state, &request).await?;
    ok(ClaimsAnswer {
        transaction: None,
        claims,
    })
}

/// Records the refund agent's confirmations and pays those recorded (by
/// this request or before it with the same attestation) in one batch.
#[utoipa::path(post, path = "/admin/tax-refunds/claims", tag = "admin",
    request_body = ClaimsRequest, security(("admin" = [])),
    responses((status = 200, description = "each claim PAID or REFUSED with its reason", body = ClaimsAnswer),
              (status = 400, body = crate::error::ErrorBody),
              (status = 422, description = "the chain refused the batch (its confirmations stay recorded)", body = crate::error::ErrorBody),
              (status = 503, description = "no operator key, or the node does not answer", body = crate::error::ErrorBody)))]
pub async fn claim_tax_refunds(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<ClaimsRequest>,
) -> ApiResult {
    let Some(operator) = state.operator.clone() else {
        return Err(no_operator());
    };
    let mut claims = record(&state, &request).await?;
    let ids: Vec<String> = claims
        .iter()
        .filter(|c| c.result == "RECORDED")
        .filter_map(|c| c.confirmation_id.clone())
        .collect();
    let paid = pay(&state, &operator, &ids).await?;
    for claim in &mut claims {
        if let Some(id) = &claim.confirmation_id
            && let Some(result) = paid.confirmations.iter().find(|r| &r.confirmation_id == id)
        {
            claim.result = result.status;
            claim.amount = result.amount;
            claim.reason = result.reason.clone();
        }
    }
    ok(ClaimsAnswer {
        transaction: paid.transaction,
        claims,
    })
}

/// `POST /admin/tax-refunds/payments` body: `confirmationIds` or `allPending`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PayRequest {
    /// 1 to 50 recorded confirmations.
    #[serde(default)]
    pub confirmation_ids: Option<Vec<String>>,
    /// The oldest 50 recorded (and lapsed in-flight) confirmations instead.
    #[serde(default)]
    pub all_pending: bool,
}

/// What became of one confirmation in a payment batch.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaidConfirmation {
    /// The confirmation.
    pub confirmation_id: String,
    /// `PAID`, `REFUSED`, `SUBMITTED` (another batch holds it, or this
    /// one's outcome is unknown), `RECORDED` (left for a later batch), or
    /// `NOT_FOUND` (no such id).
    pub status: &'static str,
    /// Yen paid back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<u64>,
    /// Why it was refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// True when the chain had paid it already (a batch whose answer was
    /// lost, or the traveller's own claim): found by reading the purchase,
    /// nothing sent.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub reconciled: bool,
}

/// `POST /admin/tax-refunds/payments` answer.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PayAnswer {
    /// The batch, when any confirmation was sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction: Option<BatchTransaction>,
    /// One per confirmation asked for (or taken), in order.
    pub confirmations: Vec<PaidConfirmation>,
}

/// Pays recorded confirmations in one batch: those named, or the oldest
/// pending. Each is claimed in the database first (two replicas never send
/// one twice), its purchase read on chain (one already paid is marked so,
/// one that can no longer be paid is refused), and the rest sent in one
/// `claim_tax_refunds` transaction.
#[utoipa::path(post, path = "/admin/tax-refunds/payments", tag = "admin",
    request_body = PayRequest, security(("admin" = [])),
    responses((status = 200, description = "what became of each confirmation", body = PayAnswer),
              (status = 400, body = crate::error::ErrorBody),
              (status = 422, description = "the chain refused the batch (its confirmations stay recorded)", body = crate::error::ErrorBody),
              (status = 503, description = "no operator key, the node does not answer, or the batch's outcome is unknown (settled by a later batch)", body = crate::error::ErrorBody)))]
pub async fn pay_confirmations(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<PayRequest>,
) -> ApiResult {
    let Some(operator) = state.operator.clone() else {
        return Err(no_operator());
    };
    let ids = match (request.confirmation_ids, request.all_pending) {
        (Some(ids), false) if !ids.is_empty() && ids.len() <= MAX_CLAIMS => {
            let mut unique = Vec::with_capacity(ids.len());
            for id in ids {
                if !unique.contains(&id) {
                    unique.push(id);
                }
            }
            unique
        }
        (None, true) => {
            store::pending(&state.db.pool, state.clock.now(), MAX_CLAIMS as i64).await?
        }
        _ => {
            return Err(ApiError::invalid(format!(
                "either confirmationIds (1 to {MAX_CLAIMS}) or allPending: true"
            )));
        }
    };
    ok(pay(&state, &operator, &ids).await?)
}

/// The chain's refusals of a batch that concern its agent key, which all
/// its confirmations share (`authorization`'s aborts).
const KEY_REFUSALS: [&str; 3] = [
    "EPUBLIC_KEY_MISMATCH",
    "EINVALID_PUBLIC_KEY",
    "EINVALID_SIGNATURE",
];

/// A confirmation claimed by this batch, checked on chain and to be sent.
struct Sendable {
    confirmation: store::Confirmation,
    signed: SignedExportAttestation,
    amount: u64,
}

/// The attestation a stored confirmation holds.
fn signed_of(state: &AppState, c: &store::Confirmation) -> Option<SignedExportAttestation> {
    let merchant = AccountAddress::from_hex(&c.merchant_address).ok()?;
    let traveller = AccountAddress::from_hex(&c.traveller).ok()?;
    let package = from_sdk(state.config.package);
    Some(SignedExportAttestation {
        attestation: ExportAttestation::new(
            state.config.chain_id,
            package,
            from_sdk(merchant),
            OrderRef::new(c.order_ref.clone()).ok()?,
            from_sdk(traveller),
        ),
        public_key: const_hex::decode(&c.agent_public_key)
            .ok()?
            .try_into()
            .ok()?,
        signature: const_hex::decode(&c.signature).ok()?.try_into().ok()?,
    })
}

/// Refuses (or marks paid, when the chain paid it) one claimed
/// confirmation, with its audit entry.
async fn settle(
    state: &AppState,
    token: &str,
    c: &store::Confirmation,
    outcome: Result<(u64, i64), &str>,
) -> Result<PaidConfirmation, ApiError> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let (action, details, answer) = match outcome {
        Ok((amount, paid_at)) => {
            store::paid(
                &mut tx,
                &c.confirmation_id,
                token,
                amount as i64,
                None,
                paid_at,
                now,
            )
            .await?;
            (
                "TAX_REFUND_RECONCILED",
                json!({"amount": amount, "paidAt": paid_at}),
                PaidConfirmation {
                    confirmation_id: c.confirmation_id.clone(),
                    status: "PAID",
                    amount: Some(amount),
                    reason: None,
                    reconciled: true,
                },
            )
        }
        Err(reason) => {
            store::refused(&mut tx, &c.confirmation_id, token, reason, now).await?;
            (
                "TAX_REFUND_REFUSED",
                json!({"reason": reason}),
                PaidConfirmation {
                    confirmation_id: c.confirmation_id.clone(),
                    status: "REFUSED",
                    amount: None,
                    reason: Some(reason.to_owned()),
                    reconciled: false,
                },
            )
        }
    };
    audit_log::append_in(
        &mut tx,
        &NewEntry {
            actor: "admin",
            action,
            subject: &c.confirmation_id,
            details,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(answer)
}

/// What a confirmation this batch did not take is now.
fn current(id: &str, c: Option<&store::Confirmation>) -> PaidConfirmation {
    PaidConfirmation {
        confirmation_id: id.to_owned(),
        status: c.map_or("NOT_FOUND", |c| c.status.as_str()),
        amount: c
            .filter(|c| c.status == store::ConfirmationStatus::Paid)
            .and_then(|c| c.amount)
            .map(|a| a.max(0) as u64),
        reason: c.and_then(|c| c.reason.clone()),
        reconciled: false,
    }
}

/// Claims `ids`, reads each purchase, and sends the payable ones in one batch.
async fn pay(
    state: &AppState,
    operator: &Ed25519Account,
    ids: &[String],
) -> Result<PayAnswer, ApiError> {
    let pool = &state.db.pool;
    let now = state.clock.now();
    let token = crate::crypto::random_hex(16);
    let mut answers: Vec<Option<PaidConfirmation>> = vec![None; ids.len()];
    let mut claimed = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        if store::claim(pool, id, &token, now, now + store::CLAIM_LEASE_SECS).await? {
            claimed.push((
                i,
                store::by_id(pool, id)
                    .await?
                    .ok_or(sqlx::Error::RowNotFound)?,
            ));
        } else {
            answers[i] = Some(current(id, store::by_id(pool, id).await?.as_ref()));
        }
    }
    let mut batch: Vec<(usize, Sendable)> = Vec::new();
    for (i, c) in claimed {
        let Some(signed) = signed_of(state, &c) else {
            answers[i] = Some(settle(state, &token, &c, Err("INVALID_SIGNATURE")).await?);
            continue;
        };
        let read = state
            .ledger
            .tax_refund(
                to_sdk(signed.attestation.merchant),
                &signed.attestation.order_ref,
            )
            .await;
        let (purchase, status) = match read {
            Ok(Some(found)) => found,
            Ok(None) => {
                answers[i] = Some(settle(state, &token, &c, Err("PURCHASE_NOT_FOUND")).await?);
                continue;
            }
            Err(error) => {
                // Nothing sent: the rest goes back to RECORDED.
                store::release(pool, &token, "CHAIN_UNAVAILABLE", state.clock.now()).await?;
                return Err(chain_error(error));
            }
        };
        let outcome = if purchase.paid_at as i64 != c.purchase_paid_at {
            // The order reference's purchase was purged and paid again.
            Err("PURCHASE_NOT_FOUND")
        } else if purchase.payer != to_sdk(signed.attestation.traveller) {
            Err("NOT_PAYER")
        } else {
            match status {
                RefundStatus::Claimable { amount, .. } => {
                    batch.push((
                        i,
                        Sendable {
                            confirmation: c,
                            signed,
                            amount,
                        },
                    ));
                    continue;
                }
                RefundStatus::Refunded {
                    amount,
                    refunded_at,
                } => Ok((amount, refunded_at as i64)),
                other => Err(status_reason(&other).unwrap_or("NOT_ELIGIBLE")),
            }
        };
        answers[i] = Some(settle(state, &token, &c, outcome).await?);
    }
    // One transaction takes one agent key: the first's; the others wait
    // for a later batch.
    if let Some(key) = batch.first().map(|(_, s)| s.signed.public_key) {
        let (now_sent, later): (Vec<_>, Vec<_>) = batch
            .into_iter()
            .partition(|(_, s)| s.signed.public_key == key);
        for (i, s) in later {
            let id = &s.confirmation.confirmation_id;
            store::unclaim(pool, id, &token, state.clock.now()).await?;
            answers[i] = Some(current(id, store::by_id(pool, id).await?.as_ref()));
        }
        batch = now_sent;
    }
    let mut transaction = None;
    if !batch.is_empty() {
        let signed: Vec<SignedExportAttestation> =
            batch.iter().map(|(_, s)| s.signed.clone()).collect();
        match state.ledger.claim_tax_refunds(operator, &signed).await {
            Ok(outcome) => {
                let now = state.clock.now();
                let mut tx = state.db.begin().await?;
                let mut total = 0;
                for (i, s) in &batch {
                    let id = &s.confirmation.confirmation_id;
                    store::paid(
                        &mut tx,
                        id,
                        &token,
                        s.amount as i64,
                        Some((&outcome.hash, outcome.version as i64)),
                        now,
                        now,
                    )
                    .await?;
                    total += s.amount;
                    answers[*i] = Some(PaidConfirmation {
                        confirmation_id: id.clone(),
                        status: "PAID",
                        amount: Some(s.amount),
                        reason: None,
                        reconciled: false,
                    });
                }
                audit_log::append_in(
                    &mut tx,
                    &NewEntry {
                        actor: "admin",
                        action: "TAX_REFUNDS_PAID",
                        subject: &outcome.hash,
                        details: json!({
                            "version": outcome.version,
                            "confirmations": batch.iter().map(|(_, s)| &s.confirmation.confirmation_id).collect::<Vec<_>>(),
                            "amount": total,
                        }),
                    },
                    now,
                )
                .await?;
                tx.commit().await?;
                tracing::info!(claims = batch.len(), hash = %outcome.hash, "tax refunds paid");
                transaction = Some(BatchTransaction {
                    hash: outcome.hash,
                    version: outcome.version,
                    gas_used: outcome.gas_used,
                });
            }
            Err(ChainError::Unknown {
                hash,
                expires_at,
                detail,
            }) => {
                // It may yet commit: the claims stay ours until it cannot,
                // then the next batch reads each purchase before sending.
                let until = (expires_at as i64 + store::TAKEOVER_MARGIN_SECS)
                    .max(now + store::CLAIM_LEASE_SECS);
                store::in_doubt(pool, &token, &hash, until, &detail, state.clock.now()).await?;
                crate::compliance::audit::record(
                    state,
                    &NewEntry {
                        actor: "admin",
                        action: "TAX_REFUNDS_IN_DOUBT",
                        subject: &hash,
                        details: json!({
                            "confirmations": batch.iter().map(|(_, s)| &s.confirmation.confirmation_id).collect::<Vec<_>>(),
                            "expiresAt": expires_at,
                        }),
                    },
                )
                .await;
                return Err(chain_error(ChainError::Unknown {
                    hash,
                    expires_at,
                    detail,
                }));
            }
            // The agent's key is not the role's (rotated since it signed):
            // every confirmation of the batch has that key, and none can be
            // paid. Refused, so that they do not block the queue; the agent
            // records new attestations in their place.
            Err(ChainError::Rejected { code, .. }) if KEY_REFUSALS.contains(&code.as_str()) => {
                for (i, s) in &batch {
                    answers[*i] = Some(settle(state, &token, &s.confirmation, Err(&code)).await?);
                }
            }
            Err(error) => {
                let code = match &error {
                    ChainError::Rejected { code, .. } => code.clone(),
                    _ => "CHAIN_UNAVAILABLE".to_owned(),
                };
                store::release(pool, &token, &code, state.clock.now()).await?;
                return Err(chain_error(error));
            }
        }
    }
    Ok(PayAnswer {
        transaction,
        confirmations: answers
            .into_iter()
            .zip(ids)
            .map(|(answer, id)| answer.unwrap_or_else(|| current(id, None)))
            .collect(),
    })
}

/// `GET /admin/tax-refunds/confirmations` query.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ConfirmationsQuery {
    /// `RECORDED`, `SUBMITTED`, `PAID` or `REFUSED`; all when absent.
    pub status: Option<String>,
    /// At most this many, newest first (1 to 500, default 100).
    pub limit: Option<i64>,
}

/// A stored confirmation.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConfirmationView {
    /// Its id.
    pub confirmation_id: String,
    /// The merchant's owner account.
    pub merchant: String,
    /// The order reference.
    pub merchant_payment_id: String,
    /// The traveller's wallet.
    pub traveller: String,
    /// `RECORDED`, `SUBMITTED`, `PAID` or `REFUSED`.
    pub status: &'static str,
    /// Why it was refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Yen: expected when recorded, paid once paid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    /// The paying transaction (or the one in doubt).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_hash: Option<String>,
    /// When paid, Unix seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paid_at: Option<i64>,
    /// The last batch's failure, for one recorded again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// Recorded at, Unix seconds.
    pub created_at: i64,
}

/// `GET /admin/tax-refunds/confirmations` answer.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConfirmationList {
    /// Newest first.
    pub confirmations: Vec<ConfirmationView>,
}

/// The recorded confirmations and where each is.
#[utoipa::path(get, path = "/admin/tax-refunds/confirmations", tag = "admin",
    params(ConfirmationsQuery), security(("admin" = [])),
    responses((status = 200, body = ConfirmationList), (status = 400, body = crate::error::ErrorBody)))]
pub async fn list_confirmations(
    State(state): State<AppState>,
    Query(query): Query<ConfirmationsQuery>,
) -> ApiResult {
    let status = query
        .status
        .map(store::ConfirmationStatus::try_from)
        .transpose()
        .map_err(|_| ApiError::invalid("status: RECORDED, SUBMITTED, PAID or REFUSED"))?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::invalid("limit: 1 to 500"));
    }
    let rows = store::list(&state.db.pool, status, limit).await?;
    ok(ConfirmationList {
        confirmations: rows
            .into_iter()
            .map(|c| ConfirmationView {
                status: c.status.as_str(),
                confirmation_id: c.confirmation_id,
                merchant: c.merchant_address,
                merchant_payment_id: c.order_ref,
                traveller: c.traveller,
                reason: c.reason,
                amount: c.amount,
                transaction_hash: c.tx_hash,
                paid_at: c.paid_at,
                last_error: c.last_error,
                created_at: c.created_at,
            })
            .collect(),
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

/// `POST /wallet/api/tax-refunds` body.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WalletPurchasesRequest {
    /// The wallet's address.
    pub address: String,
}

/// One tax-free purchase the wallet paid, and where its refund stands.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WalletPurchase {
    /// The merchant's owner account.
    pub merchant: String,
    /// The shop's name, when the gateway onboarded it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merchant_name: Option<String>,
    /// The order reference.
    pub merchant_payment_id: String,
    /// Yen paid, tax included.
    pub amount: u64,
    /// The tax it included (both rates), yen.
    pub tax: u64,
    /// Paid at, Unix seconds.
    pub paid_at: u64,
    /// The claim window's end (exclusive): 90 days after the purchase.
    pub claim_before: u64,
    /// `NOT_CONFIRMED` (no export confirmation yet), `CONFIRMED` (the agent
    /// recorded it; awaiting payment), `REFUNDED`, `EXPIRED`,
    /// `REFUNDED_BY_MERCHANT` (the merchant's refunds left no tax) or
    /// `NOT_ELIGIBLE`.
    pub status: &'static str,
    /// Yen a claim pays now, or paid (`REFUNDED`); else 0.
    pub refundable: u64,
    /// True when the merchant's refunds reduced it below the tax.
    pub reduced_by_merchant_refund: bool,
    /// When it was refunded, Unix seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refunded_at: Option<i64>,
    /// The refund's transaction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund_transaction: Option<String>,
    /// The refund agent's recorded confirmation of the export, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirmation_id: Option<String>,
}

/// The wallet's tax-free purchases (at most 50, newest first), from the
/// follower's record of the chain's events and the agent's confirmations:
/// all of it public on chain but the confirmation's status.
pub async fn wallet_purchases(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<WalletPurchasesRequest>,
) -> ApiResult {
    let payer = parse_address(&request.address, "address")?.to_hex();
    let now = state.clock.now().max(0) as u64;
    let mut purchases = Vec::new();
    for p in store::of_payer(&state.db.pool, &payer, 50).await? {
        purchases.push(stored_view(&state.db.pool, p, now).await?);
    }
    ok(json!({ "purchases": purchases }))
}

/// Where a stored purchase's refund stands at `now`: the follower's record
/// of it, the merchant's refunds of its payment (the payments row of the
/// same transaction) and the agent's confirmation.
async fn stored_view(
    pool: &sqlx::AnyPool,
    p: store::StoredPurchase,
    now: u64,
) -> Result<WalletPurchase, ApiError> {
    let merchant_refunded =
        crate::store::payments::all_of_reference(pool, &p.merchant_address, &p.order_ref)
            .await?
            .into_iter()
            .find(|payment| payment.pay_version == Some(p.version))
            .map_or(0, |payment| payment.refunded.max(0) as u64);
    let purchase = Purchase {
        payer: AccountAddress::from_hex(&p.payer).map_err(ApiError::internal)?,
        paid_at: p.paid_at.max(0) as u64,
        amount: p.amount.max(0) as u64,
        standard_tax: p.standard_tax.max(0) as u64,
        reduced_tax: p.reduced_tax.max(0) as u64,
        tax_free: p.tax_free != 0,
        tax_refunded: p.refunded_amount.unwrap_or(0).max(0) as u64,
        refunded_at: p.refunded_at.unwrap_or(0).max(0) as u64,
    };
    let confirmation =
        store::of_purchase(pool, &p.merchant_address, &p.order_ref, p.paid_at).await?;
    let awaiting = confirmation.as_ref().is_some_and(|c| {
        matches!(
            c.status,
            store::ConfirmationStatus::Recorded | store::ConfirmationStatus::Submitted
        )
    });
    let (status, refundable) = if p.refunded_amount.is_some() {
        ("REFUNDED", purchase.tax_refunded)
    } else if p.purged_version.is_some() {
        ("EXPIRED", 0)
    } else {
        match purchase.refund_status(merchant_refunded, now) {
            RefundStatus::Claimable { amount, .. } if awaiting => ("CONFIRMED", amount),
            RefundStatus::Claimable { amount, .. } => ("NOT_CONFIRMED", amount),
            RefundStatus::Refunded { amount, .. } => ("REFUNDED", amount),
            RefundStatus::Expired => ("EXPIRED", 0),
            RefundStatus::RefundedByMerchant => ("REFUNDED_BY_MERCHANT", 0),
            RefundStatus::NotEligible => ("NOT_ELIGIBLE", 0),
        }
    };
    let reduced = status == "REFUNDED_BY_MERCHANT"
        || (refundable > 0 && refundable < purchase.tax())
        || p.merchant_refunded.is_some_and(|r| r > 0);
    let merchant_name = crate::store::merchants::by_address(pool, &p.merchant_address)
        .await?
        .map(|m| m.name);
    Ok(WalletPurchase {
        merchant: p.merchant_address,
        merchant_name,
        merchant_payment_id: p.order_ref,
        amount: purchase.amount,
        tax: purchase.tax(),
        paid_at: purchase.paid_at,
        claim_before: purchase.claim_deadline(),
        status,
        refundable,
        reduced_by_merchant_refund: reduced,
        refunded_at: p.refunded_at,
        refund_transaction: p.refund_tx,
        confirmation_id: confirmation.map(|c| c.confirmation_id),
    })
}

/// The tax refund of a payment (a tax-free code's), for its receipt: what
/// the wallet shows of it, with the agent's confirmation's id; `None` for a
/// payment that is not a tax-free purchase.
///
/// # Errors
/// A database error.
pub async fn of_payment(
    state: &AppState,
    payment: &crate::store::payments::Payment,
) -> Result<Option<Value>, ApiError> {
    let Some(version) = payment.pay_version else {
        return Ok(None);
    };
    let Some(p) = store::purchase_at(
        &state.db.pool,
        &payment.merchant_address,
        &payment.merchant_payment_id,
        version,
    )
    .await?
    else {
        return Ok(None);
    };
    let view = stored_view(&state.db.pool, p, state.clock.now().max(0) as u64).await?;
    Ok(Some(
        serde_json::to_value(view).map_err(ApiError::internal)?,
    ))
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
