//! Review turns the payment into a hold (issue 28; docs/audit.md, "Review
//! holds the payment"). When screening answers REVIEW for the payer of a
//! code, the gateway does not sponsor the payment: it signs, with the same
//! merchant's terminal, a hold code for the same amount and order reference
//! ([`hold_for_review`]), whose `capture_before` is the review's deadline,
//! and answers `409 PAYMENT_UNDER_REVIEW` carrying it. The wallet takes the
//! hold code instead (`hold::authorize_signed_hold`, sponsored like any
//! hold code, the payer's review letting it through): the yen sit in the
//! package's escrow, where only a capture or a void or reclaim (back to the
//! customer) can move them. The code names the gateway's operator account
//! as its reviewer (`authorization::ReviewHoldOffer`, taken with
//! `hold::authorize_reviewed_hold`), and the chain lets only the reviewer
//! capture it: the merchant's owner and terminals, whose keys the merchant
//! may hold outside the gateway, cannot take the reviewed customer's yen
//! before an analyst releases them (they can void them back).
//!
//! An analyst decides through `/admin/reviews` ([`decide`]): release
//! captures everything for the merchant, reject voids it back; the gateway
//! voids what is still held at the deadline itself ([`void_due`], in the
//! screener's worker, one replica at a time). Each decision leaves `OPEN`
//! once (a conditional update), is appended to the audit log with who made
//! it, and is announced to the merchant: `PAYMENT_UNDER_REVIEW` when the
//! hold is taken (the follower), `PAYMENT_REVIEW_RELEASED`,
//! `PAYMENT_REVIEW_REJECTED` or `PAYMENT_REVIEW_VOIDED` when decided,
//! besides the hold's own `HOLD_*` webhooks.
use super::Verdict;
use crate::AppState;
use crate::chain::ChainError;
use crate::error::{ApiError, chain_error};
use crate::offer::HoldTerms;
use crate::outbox;
use crate::store::audit_log::{self, NewEntry};
use crate::store::holds::{self, Hold, HoldStatus, NewHold, Reservation};
use crate::store::merchants::{self, Merchant};
use crate::store::payments::failure_reason;
use crate::store::reviews::{self, Review, ReviewStatus};
use axum::http::StatusCode;
use base64::Engine;
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::AnyConnection;
use utoipa::ToSchema;
use yenpay_client::types::limits::OrderRef;

/// A review as the admin API shows it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReviewView {
    /// Its id.
    pub review_id: String,
    /// `OPEN`, `RELEASED`, `REJECTED`, `VOIDED` (the deadline), `LAPSED`
    /// (the deadline, the hold code never taken).
    pub status: String,
    /// The hold the payment became.
    pub hold_id: String,
    /// The hold's state (`CREATED` until the customer takes the code).
    pub hold_status: String,
    /// Yen in escrow now.
    pub held: i64,
    /// Merchant owner address.
    pub merchant: String,
    /// The order reference (also the hold reference).
    pub merchant_payment_id: String,
    /// The screened payer.
    pub payer: String,
    /// Yen.
    pub amount: i64,
    /// Screening's reason code.
    pub reason_code: String,
    /// Unix seconds: released or rejected before, voided from then on.
    pub deadline: i64,
    /// Unix seconds.
    pub created_at: i64,
    /// `analyst:<id>` or `gateway`.
    pub decided_by: Option<String>,
    /// Unix seconds.
    pub decided_at: Option<i64>,
    /// The capture's or void's transaction.
    pub transaction_hash: Option<String>,
    /// Why the last attempt to carry out a decision failed.
    pub failure: Option<String>,
}

/// The view of `review` with its hold.
pub fn view(review: &Review, hold: Option<&Hold>) -> ReviewView {
    ReviewView {
        review_id: review.review_id.clone(),
        status: review.status.as_str().to_owned(),
        hold_id: review.hold_id.clone(),
        hold_status: hold.map_or("UNKNOWN", |h| h.status.as_str()).to_owned(),
        held: hold.map_or(0, Hold::held),
        merchant: review.merchant_address.clone(),
        merchant_payment_id: review.order_ref.clone(),
        payer: review.payer.clone(),
        amount: review.amount,
        reason_code: review.reason_code.clone(),
        deadline: review.deadline,
        created_at: review.created_at,
        decided_by: review.decided_by.clone(),
        decided_at: review.decided_at,
        transaction_hash: review.tx_hash.clone(),
        failure: review.failure.clone(),
    }
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The refusal that hands out the hold code: `409 PAYMENT_UNDER_REVIEW`,
/// its `data` the review and the signed hold code, field for field as
/// `hold::authorize_signed_hold` takes it, and its wallet URI.
fn under_review(
    state: &AppState,
    review: &Review,
    signed: &yenpay_types::hold::SignedHoldOffer,
) -> ApiError {
    let offer = &signed.message;
    let url = yenpay_qr::hold::encode(&yenpay_qr::hold::HoldCode {
        package: yenpay_client::address::from_sdk(state.config.package),
        signed: signed.clone(),
    });
    crate::sponsor::refuse(
        state,
        StatusCode::CONFLICT,
        "PAYMENT_UNDER_REVIEW",
        "the payer needs a compliance review: authorize the hold code instead; the merchant is paid when an analyst releases it, and it goes back to the payer otherwise",
    )
    .with_data(json!({
        "reviewId": review.review_id,
        "holdId": review.hold_id,
        "merchantPaymentId": review.order_ref,
        "amount": {"amount": review.amount, "currency": "JPY"},
        "reviewDeadline": review.deadline,
        "url": url,
        "offer": {
            "merchant": offer.merchant.to_standard_string(),
            "terminal": offer.terminal.to_standard_string(),
            "holdRef": offer.hold_ref.as_str(),
            "amount": offer.amount,
            "tipLimit": offer.tip_limit,
            "captureBefore": offer.capture_before,
            "expiresAt": offer.expires_at,
            "reviewer": offer.reviewer.map(|r| r.to_standard_string()),
            "publicKey": b64(&signed.public_key),
            "signature": b64(&signed.signature),
        },
    }))
}

/// The payer of code `order` of merchant `merchant_address` (`amount` yen)
/// is under review: returns the answer to give, `409 PAYMENT_UNDER_REVIEW`
/// with a hold code for the same merchant, amount and reference (written,
/// with its review and the review's audit entry, the first time; signed
/// again, deterministically, when the wallet asks again), or the plain
/// `403 SCREENING_REVIEW` when no hold can stand for the payment (the
/// reference is taken by another hold, another payer's review, or the hold
/// quota is reached).
///
/// # Errors
/// When the database fails.
pub async fn hold_for_review(
    state: &AppState,
    merchant_address: &str,
    order: &str,
    amount: u64,
    payer: &str,
    verdict: &Verdict,
) -> Result<ApiError, ApiError> {
    let refused = || {
        let (status, code, message) = super::refusal(verdict).unwrap_or((
            StatusCode::FORBIDDEN,
            "SCREENING_REVIEW",
            String::new(),
        ));
        crate::sponsor::refuse(state, status, code, message)
    };
    let Some(merchant) = merchants::by_address(&state.db.pool, merchant_address).await? else {
        return Ok(refused());
    };
    let hold_id = holds::hold_id(merchant_address, order);
    if let Some(review) = reviews::by_hold(&state.db.pool, &hold_id).await? {
        let hold = holds::by_id(&state.db.pool, &hold_id).await?;
        return Ok(match hold {
            Some(hold)
                if review.payer == payer
                    && review.status == ReviewStatus::Open
                    && hold.status == HoldStatus::Created
                    && hold.expires_at > state.clock.now() =>
            {
                let signed = crate::offer::of_hold(
                    &state.config,
                    &state.kek,
                    &merchant,
                    &hold,
                    reviewer_of(&review),
                )
                .map_err(ApiError::internal)?;
                under_review(state, &review, &signed)
            }
            _ => refused(),
        });
    }
    let Ok(hold_ref) = OrderRef::new(order) else {
        return Ok(refused());
    };
    // The reviewer: the account an analyst's release will sign with.
    let reviewer = crate::sponsor::operator(state)?.address();
    let now = state.clock.now();
    let expires_at = now + state.config.default_code_ttl.as_secs() as i64;
    let deadline = now + state.config.compliance.review_deadline.as_secs() as i64;
    let signed = crate::offer::sign_hold(
        &state.config,
        &state.kek,
        &merchant,
        HoldTerms {
            hold_ref,
            amount,
            tip_limit: 0,
            capture_before: deadline as u64,
            expires_at: expires_at as u64,
            reviewer: Some(yenpay_client::address::from_sdk(reviewer)),
        },
    )
    .map_err(ApiError::internal)?;
    let new = NewHold {
        merchant_address: merchant_address.to_owned(),
        merchant_payment_id: order.to_owned(),
        amount: amount as i64,
        tip_limit: 0,
        capture_before: deadline,
        expires_at,
        created_at: now,
    };
    let hold = match holds::reserve(&state.db, &new, state.config.code_quota).await? {
        Reservation::Reserved(hold) => *hold,
        _ => return Ok(refused()),
    };
    let review = Review {
        review_id: reviews::review_id(&hold.hold_id),
        hold_id: hold.hold_id.clone(),
        merchant_address: merchant_address.to_owned(),
        order_ref: order.to_owned(),
        payer: payer.to_owned(),
        amount: amount as i64,
        reason_code: verdict.reason_code.clone(),
        status: ReviewStatus::Open,
        deadline,
        created_at: now,
        decided_by: None,
        decided_at: None,
        tx_hash: None,
        failure: None,
        reviewer: Some(reviewer.to_hex()),
    };
    let mut tx = state.db.begin().await?;
    reviews::insert(&mut tx, &review).await?;
    audit_log::append_in(
        &mut tx,
        &NewEntry {
            actor: "gateway",
            action: "REVIEW_HOLD_ISSUED",
            subject: payer,
            details: details(&review),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(review = %review.review_id, hold = %hold.hold_id, "a reviewed payment becomes a hold");
    state.signal_payments_changed();
    Ok(under_review(state, &review, &signed))
}

/// The reviewer a review's hold code names (none for a review written
/// before reviewers were recorded: its code was an ordinary hold code).
pub fn reviewer_of(review: &Review) -> Option<yenpay_types::Address> {
    review
        .reviewer
        .as_deref()
        .and_then(|hex| yenpay_types::Address::from_hex(hex).ok())
}

/// The reviewer the code of hold `hold_id` names: its review's, if a review
/// stands for it.
///
/// # Errors
/// When the database fails.
pub async fn reviewer_for_hold(
    state: &AppState,
    hold_id: &str,
) -> Result<Option<yenpay_types::Address>, sqlx::Error> {
    Ok(reviews::by_hold(&state.db.pool, hold_id)
        .await?
        .as_ref()
        .and_then(reviewer_of))
}

/// The audit entry's details of a review: ids, parties, amount, codes.
fn details(review: &Review) -> Value {
    json!({
        "reviewId": review.review_id,
        "holdId": review.hold_id,
        "merchant": review.merchant_address,
        "merchantPaymentId": review.order_ref,
        "amount": review.amount,
        "reasonCode": review.reason_code,
        "deadline": review.deadline,
    })
}

/// Who may take hold `hold_id`'s code on the operator's gas: `None` for a
/// hold no review stands for (anyone screening allows), else whether
/// `payer` is the open review's payer (then even under review: that is
/// what the hold is for).
///
/// # Errors
/// When the database fails.
pub async fn admits(
    state: &AppState,
    hold_id: &str,
    payer: &str,
) -> Result<Option<bool>, sqlx::Error> {
    Ok(reviews::by_hold(&state.db.pool, hold_id)
        .await?
        .map(|r| r.payer == payer && r.status == ReviewStatus::Open))
}

/// Queues `PAYMENT_UNDER_REVIEW` when the hold the follower saw taken is a
/// review's, in the follower's transaction; returns the deliveries queued.
///
/// # Errors
/// When the database fails.
pub async fn announce_taken(
    tx: &mut AnyConnection,
    hold: &Hold,
    event_id: &str,
    transaction: Value,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let Some(review) = reviews::by_hold(&mut *tx, &hold.hold_id).await? else {
        return Ok(0);
    };
    let mut data = announcement(&review, hold);
    data["transaction"] = transaction;
    announce(
        tx,
        &review,
        &format!("{event_id}/review"),
        "PAYMENT_UNDER_REVIEW",
        data,
        now,
    )
    .await
}

fn announcement(review: &Review, hold: &Hold) -> Value {
    json!({
        "reviewId": review.review_id,
        "holdId": review.hold_id,
        "merchantPaymentId": review.order_ref,
        "payer": review.payer,
        "amount": {"amount": review.amount, "currency": "JPY"},
        "reasonCode": review.reason_code,
        "reviewDeadline": review.deadline,
        "held": hold.held(),
    })
}

async fn announce(
    tx: &mut AnyConnection,
    review: &Review,
    event_id: &str,
    event_type: &str,
    data: Value,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let sequence = holds::next_event_sequence(tx, &review.hold_id).await?;
    outbox::enqueue(
        tx,
        &review.merchant_address,
        event_id,
        event_type,
        sequence,
        data,
        now,
    )
    .await
}

/// What an analyst decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Capture everything for the merchant.
    Release,
    /// Void everything back to the customer.
    Reject,
}

/// Carries out `decision` on review `review_id` for `actor`
/// (`analyst:<id>`, or `gateway` at the deadline): leaves `OPEN` once
/// (else `409 REVIEW_DECIDED`), appends the decision to the audit log in
/// the same DB transaction, then submits the capture or void (the
/// merchant's terminal signing, the operator paying), records its hash and
/// queues the merchant's webhook. A transaction that definitely did not
/// happen opens the review again, with why.
///
/// # Errors
/// A 404, a 409 for a review decided or a hold not open (or not capturable
/// for a release), the chain's refusal, or the database.
pub async fn decide(
    state: &AppState,
    review_id: &str,
    decision: Decision,
    actor: &str,
) -> Result<ReviewView, ApiError> {
    let review = reviews::by_id(&state.db.pool, review_id)
        .await?
        .ok_or_else(|| ApiError::not_found("REVIEW_NOT_FOUND", "no review with this id"))?;
    if review.status != ReviewStatus::Open {
        return Err(ApiError::conflict(
            "REVIEW_DECIDED",
            format!("the review was decided already: {}", review.status),
        ));
    }
    let hold = holds::by_id(&state.db.pool, &review.hold_id)
        .await?
        .ok_or_else(|| ApiError::internal("a review's hold vanished"))?;
    let now = state.clock.now();
    let held = hold.held();
    match decision {
        _ if hold.status == HoldStatus::Created => {
            return Err(ApiError::conflict(
                "HOLD_NOT_AUTHORIZED",
                "the payer has not taken the review's hold code yet: nothing is held",
            ));
        }
        _ if held <= 0 => {
            return Err(ApiError::conflict(
                "HOLD_CLOSED",
                format!("the hold is {}: nothing is held", hold.status),
            ));
        }
        Decision::Release if !hold.is_capturable_at(now) => {
            return Err(ApiError::conflict(
                "AUTHORIZATION_EXPIRED",
                "the review's deadline passed: the hold can only go back to the payer",
            ));
        }
        _ => {}
    }
    let (status, action) = match (decision, actor) {
        (Decision::Release, _) => (ReviewStatus::Released, "REVIEW_RELEASED"),
        (Decision::Reject, "gateway") => (ReviewStatus::Voided, "REVIEW_VOIDED_AT_DEADLINE"),
        (Decision::Reject, _) => (ReviewStatus::Rejected, "REVIEW_REJECTED"),
    };
    let mut tx = state.db.begin().await?;
    if !reviews::decide(&mut tx, review_id, status, actor, now).await? {
        return Err(ApiError::conflict(
            "REVIEW_DECIDED",
            "the review was decided meanwhile",
        ));
    }
    let mut entry = details(&review);
    entry["held"] = json!(held);
    audit_log::append_in(
        &mut tx,
        &NewEntry {
            actor,
            action,
            subject: &review.payer,
            details: entry,
        },
        now,
    )
    .await?;
    tx.commit().await?;

    let merchant = merchants::by_address(&state.db.pool, &review.merchant_address)
        .await?
        .ok_or_else(|| ApiError::internal("a review's merchant vanished"))?;
    let outcome = submit(state, &merchant, &review, &hold, decision).await;
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(error) => {
            match &error {
                ChainError::Rejected { code, message } => {
                    reviews::reopen(&state.db.pool, review_id, &failure_reason(code, message))
                        .await?;
                }
                ChainError::Unavailable(detail) => {
                    let why =
                        failure_reason("NODE_UNAVAILABLE", &format!("not submitted: {detail}"));
                    reviews::reopen(&state.db.pool, review_id, &why).await?;
                }
                // It may yet commit: the decision stands, the follower
                // applies the hold's event when it does.
                ChainError::Unknown { hash, .. } => {
                    reviews::decided_in(&state.db.pool, review_id, hash).await?;
                }
            }
            return Err(chain_error(error));
        }
    };
    let event_type = match status {
        ReviewStatus::Released => "PAYMENT_REVIEW_RELEASED",
        ReviewStatus::Rejected => "PAYMENT_REVIEW_REJECTED",
        _ => "PAYMENT_REVIEW_VOIDED",
    };
    let mut tx = state.db.begin().await?;
    reviews::decided_in(&mut *tx, review_id, &outcome.hash).await?;
    let decided = reviews::by_id(&mut *tx, review_id)
        .await?
        .ok_or_else(|| ApiError::internal("a review vanished"))?;
    let mut data = announcement(&decided, &hold);
    data["decidedBy"] = json!(actor);
    data["transactionHash"] = json!(outcome.hash);
    data["version"] = json!(outcome.version);
    let queued = announce(
        &mut tx,
        &decided,
        &format!("{}/{}", review.review_id, status.as_str()),
        event_type,
        data,
        now,
    )
    .await?;
    tx.commit().await?;
    if queued > 0 {
        state.outbox_ready.notify_one();
    }
    state.signal_payments_changed();
    tracing::info!(review = %review.review_id, %actor, decision = status.as_str(), tx = %outcome.hash, "review decided");
    Ok(view(&decided, Some(&hold)))
}

/// The capture of everything authorized (the rest, the unused tip limit of
/// none, going back) or the void of everything held, signed by the hold's
/// reviewer: the gateway's operator account, which the chain alone lets
/// capture a reviewed hold.
async fn submit(
    state: &AppState,
    merchant: &Merchant,
    review: &Review,
    hold: &Hold,
    decision: Decision,
) -> Result<crate::chain::TxOutcome, ChainError> {
    let key_error = |e: &dyn std::fmt::Display| ChainError::Unavailable(e.to_string());
    let owner = merchant.owner().map_err(|e| key_error(&e))?;
    let hold_ref = OrderRef::new(&hold.merchant_payment_id).map_err(|e| key_error(&e))?;
    let signer = match reviewer_of(review) {
        Some(reviewer) => {
            let operator = state.operator.clone().ok_or_else(|| {
                ChainError::Unavailable(
                    "this gateway has no operator key, and only the review's reviewer can capture its hold"
                        .to_owned(),
                )
            })?;
            if yenpay_client::address::from_sdk(operator.address()) != reviewer {
                return Err(ChainError::Unavailable(format!(
                    "the hold names reviewer {}, not this gateway's operator {}: decide it from a gateway with that key",
                    reviewer.to_standard_string(),
                    operator.address().to_standard_string()
                )));
            }
            operator
        }
        None => std::sync::Arc::new(
            merchant
                .terminal_account(&state.kek)
                .map_err(|e| key_error(&e))?,
        ),
    };
    match decision {
        Decision::Release => {
            let amount = (hold.authorized - hold.captured).max(0) as u64;
            state
                .ledger
                .capture_hold(&signer, owner, &hold_ref, amount, 0, true)
                .await
        }
        Decision::Reject => {
            state
                .ledger
                .void_hold(&signer, owner, &hold_ref, hold.held() as u64)
                .await
        }
    }
}

/// Voids the holds of open reviews whose deadline passed (the gateway as
/// actor), and closes as `LAPSED` those whose hold code was never taken;
/// returns how many it settled. Runs in the screener's worker, one replica
/// at a time; [`decide`]'s conditional update keeps it from acting twice.
///
/// # Errors
/// When the database fails.
pub async fn void_due(state: &AppState) -> Result<usize, sqlx::Error> {
    let now = state.clock.now();
    let due = reviews::due(&state.db.pool, now, 20).await?;
    let mut settled = 0;
    for review in due {
        let Some(hold) = holds::by_id(&state.db.pool, &review.hold_id).await? else {
            continue;
        };
        if hold.held() > 0 {
            match decide(state, &review.review_id, Decision::Reject, "gateway").await {
                Ok(_) => settled += 1,
                Err(error) => {
                    tracing::warn!(review = %review.review_id, code = error.code, "voiding a review's hold at its deadline: {}", error.message);
                }
            }
        } else if hold.expires_at <= now {
            // The code lapsed untaken, or the hold closed without the
            // gateway (the merchant's owner key on chain): nothing is held,
            // nothing to give back; the entry names the hold's state.
            let mut tx = state.db.begin().await?;
            if reviews::decide(
                &mut tx,
                &review.review_id,
                ReviewStatus::Lapsed,
                "gateway",
                now,
            )
            .await?
            {
                audit_log::append_in(
                    &mut tx,
                    &NewEntry {
                        actor: "gateway",
                        action: "REVIEW_LAPSED",
                        subject: &review.payer,
                        details: {
                            let mut d = details(&review);
                            d["holdStatus"] = json!(hold.status.as_str());
                            d
                        },
                    },
                    now,
                )
                .await?;
            }
            tx.commit().await?;
            settled += 1;
        }
    }
    Ok(settled)
}
