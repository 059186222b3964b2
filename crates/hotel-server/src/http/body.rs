//! A JSON body extractor whose every rejection is a JSON [`AppError`], so a
//! client always gets `{"error": …}`.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// Like [`axum::Json`], with JSON errors: 400 for a body that is not JSON,
/// 422 for JSON of the wrong shape.
pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(JsonBody(value)),
            Err(JsonRejection::JsonDataError(e)) => Err(AppError::Invalid(e.body_text())),
            Err(e) => Err(AppError::BadRequest(e.body_text())),
        }
    }
}
