//! `GET /api/surveyors`: the field staff the Board may assign surveys to. Online only: the
//! Board plans campaigns with a connection; tablets never need the list of accounts.

use axum::{Json, Router, extract::State, routing::get};
use dvk_shared::{
    api::ErrorBody,
    user::{Role, User},
};

use crate::{
    AppState,
    auth::CurrentUser,
    error::{ApiError, Forbidden},
};

pub fn router() -> Router<AppState> {
    Router::new().route("/surveyors", get(surveyors))
}

/// The accounts with the surveyor role, by name; for the Board and administrators.
#[utoipa::path(
    get,
    path = "/api/surveyors",
    operation_id = "list_surveyors",
    tag = "surveys",
    security(("dvk_session" = [])),
    responses(
        (status = 200, description = "The field staff, by display name.", body = [User]),
        (status = 401, description = "No valid session (`sign_in_required`).", body = ErrorBody),
        (status = 403, description = "Only the Board and administrators plan surveys (`role_not_allowed`).", body = ErrorBody),
    )
)]
pub(crate) async fn surveyors(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<Vec<User>>, ApiError> {
    if !matches!(user.role, Role::Board | Role::Admin) {
        return Err(ApiError::Forbidden(Forbidden::Role));
    }
    Ok(Json(state.store.users_with_role(Role::Surveyor).await?))
}
