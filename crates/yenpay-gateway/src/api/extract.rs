//! The API's extractors: axum's, with every rejection turned into the API's
//! error shape (`resultInfo.code`), so a malformed request is a 4xx with a
//! code like any other refusal, never axum's plain text.
use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, OptionalFromRequest, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// A JSON body into `T`, or 400 `INVALID_PARAMS` naming what is wrong.
///
/// The body is read as JSON whatever its `Content-Type`: signed requests
/// cover the body's bytes, not that header, and the API never asked for it.
/// A handler that must answer something else first (an unknown merchant,
/// sponsoring switched off) takes `Result<ApiJson<T>, ApiError>` and looks
/// at it after that check; one whose body may be left out takes
/// `Option<ApiJson<T>>` (an empty body is `None`).
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        <Self as OptionalFromRequest<S>>::from_request(request, state)
            .await?
            .ok_or_else(|| ApiError::invalid("a JSON body is required"))
    }
}

impl<S: Send + Sync, T: DeserializeOwned> OptionalFromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Option<Self>, Self::Rejection> {
        let body = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                let status = rejection.status();
                let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
                    "PAYLOAD_TOO_LARGE"
                } else {
                    "INVALID_PARAMS"
                };
                ApiError::new(status, code, rejection.body_text())
            })?;
        if body.is_empty() {
            return Ok(None);
        }
        serde_json::from_slice(&body)
            .map(|value| Some(Self(value)))
            .map_err(|error| ApiError::invalid(format!("body: {error}")))
    }
}

/// Path parameters into `T` (a `String`, or a tuple of them), or 400
/// `INVALID_PARAMS`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| Self(value))
            .map_err(|rejection| ApiError::invalid(format!("path: {rejection}")))
    }
}

/// Query parameters into `T`, or 400 `INVALID_PARAMS`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| Self(value))
            .map_err(|rejection| ApiError::invalid(format!("query: {}", rejection.body_text())))
    }
}
