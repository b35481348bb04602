//! `GET /api/health`: is this server up and can it reach its database?

use axum::{Json, Router, extract::State, routing::get};
use dvk_shared::api::Health;

use crate::{AppState, error::ApiError};

pub fn router() -> Router<AppState> {
    Router::new().route("/health", get(health))
}

async fn health(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    state.store.ping().await?;
    Ok(Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        database: state.store.kind(),
    }))
}
