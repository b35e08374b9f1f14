//! Errors as the API returns them: an HTTP status and a machine-readable body
//! in the shape of PayPay's Open Payment API,
//! `{"resultInfo": {"code": "INVALID_PARAMS", "message": "..."}}`.
//!
//! Bad input is always a 4xx with a code; a 5xx means the gateway or a
//! dependency (database, node) failed, never the caller.
use crate::chain::ChainError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// The `resultInfo` object of every response.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct ResultInfo {
    /// `SUCCESS` or an error code such as `INVALID_PARAMS`.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
}

/// The body of an error response.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// What went wrong.
    pub result_info: ResultInfo,
    /// What the caller needs to go on, for the few refusals that carry it
    /// (`PAYMENT_UNDER_REVIEW`: the hold code to authorize instead).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub data: Option<serde_json::Value>,
}

/// An error the API answers with.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Machine-readable code.
    pub code: &'static str,
    /// Explanation for a developer (never secrets).
    pub message: String,
    /// Seconds after which a retry may succeed (`Retry-After`), for 429 and 503.
    pub retry_after: Option<u64>,
    /// The body's `data`, for a refusal that says how to go on (boxed: an
    /// error travels in every `Result`, and almost none carries it).
    pub data: Option<Box<serde_json::Value>>,
}

impl ApiError {
    /// An error with `status`, `code` and `message`.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
            data: None,
        }
    }

    /// The same error, with `data` in its body.
    #[must_use]
    pub fn with_data(mut self, data: serde_json::Value) -> Self {
        self.data = Some(Box::new(data));
        self
    }

    /// 503 `DATABASE_BUSY`: another writer holds the database; retry in a second.
    pub fn database_busy() -> Self {
        tracing::warn!("the database's write lock is held by another writer: answering 503");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "DATABASE_BUSY",
            "the gateway's database is busy; try again in a moment",
        )
        .retry_after(1)
    }

    /// The same error, telling the client to retry after `seconds`.
    #[must_use]
    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// 400 `INVALID_PARAMS`.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "INVALID_PARAMS", message)
    }

    /// 401 with `code`.
    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    /// 404 with `code`.
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    /// 409 with `code`.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    /// 500 `INTERNAL_ERROR`; the detail goes to the log, not to the caller.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(%detail, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            "the gateway failed; try again later",
        )
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        // A lock held too long, or no connection to be had, passes: a 503 says so.
        let busy = matches!(error, sqlx::Error::PoolTimedOut)
            || matches!(&error, sqlx::Error::Database(db) if db.message().contains("database is locked"));
        if busy {
            return Self::database_busy();
        }
        Self::internal(format!("database: {error}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            result_info: ResultInfo {
                code: self.code.to_owned(),
                message: self.message,
            },
            data: self.data.map(|data| *data),
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

/// A success body: `{"resultInfo": {"code": "SUCCESS", ...}, "data": ...}`.
pub fn success<T: Serialize>(status: StatusCode, data: T) -> Response {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Body<T> {
        result_info: ResultInfo,
        data: T,
    }
    let body = Body {
        result_info: ResultInfo {
            code: "SUCCESS".to_owned(),
            message: "Success".to_owned(),
        },
        data,
    };
    (status, axum::Json(body)).into_response()
}

/// The result of a handler.
pub type ApiResult = Result<Response, ApiError>;

/// A 200 with `data`.
pub fn ok<T: Serialize>(data: T) -> ApiResult {
    Ok(success(StatusCode::OK, data))
}

/// A 201 with `data`.
pub fn created<T: Serialize>(data: T) -> ApiResult {
    Ok(success(StatusCode::CREATED, data))
}

/// Maps a chain failure to the API's answer.
pub fn chain_error(error: ChainError) -> ApiError {
    match error {
        ChainError::Rejected { code, message } => {
            tracing::info!(%code, %message, "chain refused");
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "CHAIN_REJECTED",
                format!("the chain refused the transaction: {code}"),
            )
        }
        ChainError::Unavailable(detail) => {
            tracing::warn!(%detail, "node unavailable");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "CHAIN_UNAVAILABLE",
                "the node did not answer; nothing was submitted",
            )
        }
        ChainError::Unknown { hash, detail, .. } => {
            tracing::warn!(%hash, %detail, "transaction outcome unknown");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "CHAIN_UNAVAILABLE",
                format!(
                    "the node did not answer or did not commit in time; transaction {hash} has an unknown outcome, which the gateway settles"
                ),
            )
        }
    }
}
