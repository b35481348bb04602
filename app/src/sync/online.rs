//! What only the server knows and a screen asks for while online: the overview's figures and a
//! model's history. Read-only; nothing here is kept, so an answer is always the latest.

use dvk_shared::api::{AwardItem, ModelDetail, Stats};
use serde::de::DeserializeOwned;

use super::{answer_body, read, refusal};

/// Why an online read gave nothing; the screen says so and offers to try again.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OnlineError {
    #[error("no network")]
    Unreachable,
    #[error("sign in again")]
    SignInRequired,
    #[error("{0}")]
    Refused(String),
}

/// `GET path` as `T`: the request is not generic, only the reading of its answer.
async fn get<T: DeserializeOwned>(path: &str) -> Result<T, OnlineError> {
    read(Some(get_value(path).await?)).ok_or(OnlineError::Unreachable)
}

async fn get_value(path: &str) -> Result<serde_json::Value, OnlineError> {
    let response = gloo_net::http::Request::get(path)
        .send()
        .await
        .map_err(|_| OnlineError::Unreachable)?;
    match response.status() {
        200 => answer_body(&response).await.ok_or(OnlineError::Unreachable),
        401 => Err(OnlineError::SignInRequired),
        status if status >= 500 => Err(OnlineError::Unreachable),
        _ => Err(OnlineError::Refused(refusal(answer_body(&response).await))),
    }
}

/// `GET /api/stats`: the leadership overview.
pub async fn stats() -> Result<Stats, OnlineError> {
    get("/api/stats").await
}

/// `GET /api/models/{id}`: a model with its history (for the roles that review).
pub async fn model_detail(id: uuid::Uuid) -> Result<ModelDetail, OnlineError> {
    get(&format!("/api/models/{id}")).await
}

/// `GET /api/awards`: the decided awards of the user's units, newest year first.
pub async fn awards() -> Result<Vec<AwardItem>, OnlineError> {
    get("/api/awards").await
}

/// `GET /api/surveyors`: the field staff the Board may assign (Board and admin only).
pub async fn surveyors() -> Result<Vec<dvk_shared::user::User>, OnlineError> {
    get("/api/surveyors").await
}
