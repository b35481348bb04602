//! `GET /api/awards?year=&unit=`: the decided awards of the units the user sees, for the
//! leadership overview's list.

use axum::{Json, Router, extract::State, routing::get};
use dvk_shared::{
    api::{AwardItem, ErrorBody},
    ids::UnitId,
};
use serde::Deserialize;

use crate::{AppState, access::Viewer, auth::CurrentUser, error::ApiError, extract::ApiQuery};

pub fn router() -> Router<AppState> {
    Router::new().route("/awards", get(list))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct AwardsQuery {
    /// Only awards of this year; every year when left out.
    year: Option<u16>,
    /// The unit and its subtree; all the user's units when left out.
    unit: Option<UnitId>,
}

/// Decided awards, newest year first.
#[utoipa::path(
    get,
    path = "/api/awards",
    operation_id = "list_awards",
    tag = "awards",
    security(("dvk_session" = [])),
    params(AwardsQuery),
    responses(
        (status = 200, description = "The awards, each with its unit's name.", body = Vec<AwardItem>),
        (status = 400, description = "A parameter is not valid (`invalid_query`).", body = ErrorBody),
        (status = 401, description = "No valid session (`sign_in_required`).", body = ErrorBody),
        (status = 403, description = "`unit` lies outside the user's units (`outside_your_units`).", body = ErrorBody),
    )
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiQuery(query): ApiQuery<AwardsQuery>,
) -> Result<Json<Vec<AwardItem>>, ApiError> {
    let viewer = Viewer::load(state.store.as_ref(), user).await?;
    let units = viewer.units_within(query.unit)?;
    let awards = state.store.awards(units.as_deref(), query.year).await?;
    Ok(Json(
        awards
            .into_iter()
            .map(|award| AwardItem {
                unit_name: viewer
                    .tree
                    .get(award.unit_id)
                    .map(|u| u.name.clone())
                    .unwrap_or_default(),
                award,
            })
            .collect(),
    ))
}
