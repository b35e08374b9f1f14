//! Opening an invoice for a payment, as a dynamic code (`codes`) and a
//! customer-presented payment (`payments`) both do: the payment's row is
//! reserved first, and a submission that fails is recorded on it.
use crate::AppState;
use crate::chain::ChainError;
use crate::error::{ApiError, chain_error};
use crate::store::payments::{self, NewPayment, Payment, Reservation, failure_reason};
use axum::http::StatusCode;

/// Reserves the payment of a new code, or answers why not: its reference
/// is taken (409), or the merchant is at its quota of open codes or of codes
/// per minute (429, with `Retry-After`).
pub async fn reserve(state: &AppState, new: &NewPayment) -> Result<Payment, ApiError> {
    let quota = state.config.code_quota;
    match payments::reserve(&state.db, new, quota).await? {
        Reservation::Reserved(row) => Ok(*row),
        Reservation::ReferenceTaken => Err(ApiError::conflict(
            "DUPLICATE_DYNAMIC_QR_REQUEST",
            "this merchantPaymentId was already used",
        )),
        Reservation::TooManyOpen => Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "TOO_MANY_OPEN_CODES",
            format!(
                "the merchant has {} open codes: cancel some or let them expire",
                quota.max_open
            ),
        )
        .retry_after(60)),
        Reservation::TooFast => Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "CODE_RATE_LIMITED",
            format!("at most {} codes per minute", quota.per_minute),
        )
        .retry_after(60)),
    }
}

/// Records what a failed submission means for payment `code_id`: a
/// definite refusal (or nothing submitted) settles it as failed, an
/// unknown outcome leaves it `SUBMITTED` for the reconciler. Returns the
/// API's answer.
pub async fn record_chain_error(
    state: &AppState,
    code_id: &str,
    error: ChainError,
) -> Result<ApiError, ApiError> {
    match &error {
        ChainError::Rejected { code, message } => {
            let mut conn = state.db.pool.acquire().await?;
            payments::settle_failure(&mut conn, code_id, &failure_reason(code, message)).await?;
        }
        ChainError::Unavailable(detail) => {
            let mut conn = state.db.pool.acquire().await?;
            let reason = failure_reason("NODE_UNAVAILABLE", &format!("not submitted: {detail}"));
            payments::settle_failure(&mut conn, code_id, &reason).await?;
        }
        ChainError::Unknown {
            hash, expires_at, ..
        } => {
            payments::mark_submitted(&state.db.pool, code_id, hash, *expires_at).await?;
        }
    }
    state.signal_payments_changed();
    Ok(chain_error(error))
}
