//! `GET /api/reports/figures?from=&to=&unit=`: the figures of a period report (sơ kết, tổng kết)
//! for a unit's subtree, computed by `dvk_shared::report::figures` from the models, surveys,
//! awards and library the user sees. The Board, administrators and leaders ask for any unit they
//! see; a registrar for their own subtree.

use axum::{Json, Router, extract::State, routing::get};
use dvk_shared::{
    api::ErrorBody,
    date::Date,
    ids::UnitId,
    report::{Figures, Period, figures},
    user::Role,
};
use serde::Deserialize;

use crate::{
    AppState,
    access::Viewer,
    auth::CurrentUser,
    error::{ApiError, Forbidden},
    extract::ApiQuery,
};

pub fn router() -> Router<AppState> {
    Router::new().route("/reports/figures", get(report_figures))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct FiguresQuery {
    /// The first day, `YYYY-MM-DD`.
    from: String,
    /// The last day, `YYYY-MM-DD`, not before `from`.
    to: String,
    /// The unit and its subtree; all the user's units when left out.
    unit: Option<UnitId>,
}

fn day(text: &str, which: &str) -> Result<Date, ApiError> {
    Date::parse_any(text).map_err(|_| ApiError::BadRequest {
        code: "invalid_query",
        detail_vi: format!(
            "ngày {which} phải có dạng năm-tháng-ngày (2020-12-31) hoặc ngày/tháng/năm"
        ),
        detail_en: format!("the {which} day must read YYYY-MM-DD or dd/mm/yyyy"),
    })
}

/// The figures of the period for the unit's subtree.
#[utoipa::path(
    get,
    path = "/api/reports/figures",
    operation_id = "report_figures",
    tag = "reports",
    security(("dvk_session" = [])),
    params(FiguresQuery),
    responses(
        (status = 200, description = "The period's figures: by field and unit (registered, running, evaluated, typical, replicated, new in the period), results added up, ratings, awards decided, adoptions, the difficulties the surveys named, the typical models.", body = Figures),
        (status = 400, description = "A day is not a date, or the period ends before it starts (`invalid_query`).", body = ErrorBody),
        (status = 401, description = "No valid session (`sign_in_required`).", body = ErrorBody),
        (status = 403, description = "Field staff write no reports (`role_not_allowed`); `unit` lies outside the user's units (`outside_your_units`).", body = ErrorBody),
    )
)]
pub(crate) async fn report_figures(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiQuery(query): ApiQuery<FiguresQuery>,
) -> Result<Json<Figures>, ApiError> {
    if user.role == Role::Surveyor {
        return Err(ApiError::Forbidden(Forbidden::Role));
    }
    let (from, to) = (day(&query.from, "bắt đầu")?, day(&query.to, "kết thúc")?);
    let period = Period::new(from, to).ok_or_else(|| ApiError::BadRequest {
        code: "invalid_query",
        detail_vi: "ngày kết thúc phải không trước ngày bắt đầu".into(),
        detail_en: "the period must not end before it starts".into(),
    })?;
    let viewer = Viewer::load(state.store.as_ref(), user).await?;
    let units = viewer.units_within(query.unit)?;
    let (models, surveys) = state.store.report_inputs(units.as_deref()).await?;
    let awards = state.store.awards(units.as_deref(), None).await?;
    let library: Vec<_> = state
        .store
        .library_entries()
        .await?
        .into_iter()
        .filter(|e| units.as_ref().is_none_or(|u| u.contains(&e.unit_id)))
        .collect();
    Ok(Json(figures(period, &models, &surveys, &awards, &library)))
}
