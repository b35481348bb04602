//! Extractors that turn malformed input into the API's own 400 answers (with a message a person
//! can act on) instead of the framework's plain-text rejections.

use axum::{
    extract::{FromRequest, FromRequestParts, Request, rejection::QueryRejection},
    http::{StatusCode, request::Parts},
};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A JSON body; malformed JSON, a wrong type or a missing field is a 400 `invalid_body`.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::PayloadTooLarge)
            }
            Err(rejection) => Err(ApiError::BadRequest {
                code: "invalid_body",
                detail_vi: "dữ liệu gửi lên không đúng định dạng".into(),
                detail_en: rejection.body_text(),
            }),
        }
    }
}

/// Query parameters; an unknown value (say `field=foo`) is a 400 `invalid_query`.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| ApiQuery(value))
            .map_err(|rejection: QueryRejection| ApiError::BadRequest {
                code: "invalid_query",
                detail_vi: "tham số trên địa chỉ không đúng".into(),
                detail_en: rejection.body_text(),
            })
    }
}
