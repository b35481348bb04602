//! `GET /api/health`: is this server up and can it reach its database?

use axum::{Json, Router, extract::State, routing::get};
use dvk_shared::api::{ErrorBody, Health};

use crate::{AppState, error::ApiError};

pub fn router() -> Router<AppState> {
    Router::new().route("/health", get(health))
}

/// Whether the server is up and reaches its database.
#[utoipa::path(
    get,
    path = "/api/health",
    operation_id = "health",
    tag = "health",
    responses(
        (status = 200, description = "Up, and the database answers.", body = Health),
        (status = 503, description = "The database does not answer (`storage_unavailable`).", body = ErrorBody),
    )
)]
pub(crate) async fn health(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    state.store.ping().await?;
    Ok(Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        database: state.store.kind(),
    }))
}
