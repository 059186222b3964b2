//! The one error type of the HTTP API: each case maps to a status code and a
//! short JSON message safe to show; the full cause is logged once, here.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hotel_core::store::StoreError;
use serde_json::json;

/// An API error.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No valid credentials or token (401).
    #[error("authentication required")]
    Unauthorized,
    /// Wrong user name or password (401).
    #[error("wrong user name or password")]
    BadCredentials,
    /// Authenticated, but not allowed (403).
    #[error("not allowed")]
    Forbidden,
    /// The thing does not exist, or the caller may not know it does (404).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Already exists (409).
    #[error("{0} already exists")]
    Conflict(&'static str),
    /// The request body or query is malformed (400).
    #[error("{0}")]
    BadRequest(String),
    /// A value is out of range or not allowed (422).
    #[error("{0}")]
    Invalid(String),
    /// Too many failed sign-ins; try again later (429).
    #[error("too many failed sign-ins; try again later")]
    TooManyRequests,
    /// A component needed for this request is down (503).
    #[error("{0} is unavailable")]
    Unavailable(&'static str),
    /// Something failed inside; details go to the log only (500).
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl AppError {
    fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthorized | AppError::BadCredentials => StatusCode::UNAUTHORIZED,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(cause) = &self {
            tracing::error!(error = %cause, "request failed");
        }
        let status = self.status();
        let body = Json(json!({ "error": self.to_string(), "status": status.as_u16() }));
        let mut response = (status, body).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict => AppError::Conflict("record"),
            other => AppError::Internal(Box::new(other)),
        }
    }
}
