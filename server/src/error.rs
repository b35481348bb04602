//! The one error type of the API, and how it maps to HTTP.
//!
//! A client gets a stable snake_case `code` it can translate and a message a person can act on;
//! causes of 5xx answers go to the log only, never into the response.

use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::json;

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The database did not answer; the client should retry later.
    #[error("storage failed: {0}")]
    Store(#[from] StoreError),
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Store(cause) => {
                tracing::error!(%cause, "request failed in storage");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    Json(json!({
                        "code": "storage_unavailable",
                        "message": "Máy chủ tạm thời không truy cập được cơ sở dữ liệu. Vui lòng thử lại sau ít phút.",
                        "message_en": "The server cannot reach its database right now. Please try again in a few minutes.",
                    })),
                )
                    .into_response()
            }
        }
    }
}

/// Unknown paths under `/api` answer a JSON 404 instead of falling through to the app's page.
pub async fn api_not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({
            "code": "not_found",
            "message": "Không có địa chỉ API này. Hãy kiểm tra đường dẫn hoặc cập nhật ứng dụng.",
            "message_en": "There is no such API address. Check the path or update the app.",
        })),
    )
        .into_response()
}
