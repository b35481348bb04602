//! Period reports (sơ kết, tổng kết) of a unit's subtree, run online by the Board (and by a
//! unit for its own subtree): `GET /api/reports/figures` computes a period's figures with
//! `dvk_shared::report::figures` from the models, surveys, awards and library the user sees;
//! `/api/reports` keeps reports — a draft starts from the figures and its written parts are
//! edited, then it is finalised (frozen with the figures of that moment, audited) and can be
//! reopened; each downloads as a Word document and a spreadsheet (`documents.rs`). Leaders read
//! them; field staff have none.

use axum::{
    Json, Router,
    extract::{Path, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use dvk_shared::{
    api::ErrorBody,
    date::Date,
    ids::{ReportId, UnitId},
    report::{Figures, Period, Report, ReportStatus, ReportText, figures, starting_text},
    user::Role,
};
use serde::Deserialize;

use crate::{
    AppState,
    access::Viewer,
    auth::CurrentUser,
    documents,
    error::{ApiError, Forbidden, ReportRefusal},
    extract::{ApiJson, ApiQuery},
    now,
    store::{Actor, StoreError},
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reports/figures", get(report_figures))
        .route("/reports", get(list).post(create))
        .route("/reports/{id}", get(one).put(edit))
        .route("/reports/{id}/finalise", post(finalise))
        .route("/reports/{id}/reopen", post(reopen))
        .route("/reports/{id}/docx", get(docx))
        .route("/reports/{id}/xlsx", get(xlsx))
}

/// The figures of `period` for `unit`'s subtree as the viewer sees it.
async fn live_figures(
    state: &AppState,
    viewer: &Viewer,
    unit: Option<UnitId>,
    period: Period,
) -> Result<Figures, ApiError> {
    let units = viewer.units_within(unit)?;
    let (models, surveys) = state.store.report_inputs(units.as_deref()).await?;
    let awards = state.store.awards(units.as_deref(), None).await?;
    let within: Option<std::collections::BTreeSet<UnitId>> =
        units.as_ref().map(|u| u.iter().copied().collect());
    let library: Vec<_> = state
        .store
        .library_entries()
        .await?
        .iter()
        .filter(|e| within.as_ref().is_none_or(|u| u.contains(&e.unit_id)))
        .cloned()
        .collect();
    Ok(figures(period, &models, &surveys, &awards, &library))
}

/// Who may read reports (everyone but field staff), and who may write them: the Board,
/// administrators, and registrars for their own subtree.
fn may_read(role: Role) -> Result<(), ApiError> {
    if role == Role::Surveyor {
        Err(ApiError::Forbidden(Forbidden::Role))
    } else {
        Ok(())
    }
}

fn may_write(viewer: &Viewer, unit: UnitId) -> Result<(), ApiError> {
    let role = viewer.user.role;
    if !(role.reviews() || role == Role::Registrar) {
        return Err(ApiError::Forbidden(Forbidden::Role));
    }
    if !viewer.sees(unit) {
        return Err(ApiError::Forbidden(Forbidden::OutsideYourUnits));
    }
    Ok(())
}

/// A report the viewer sees, with the figures it shows: frozen if final, else of now.
async fn load(state: &AppState, viewer: &Viewer, id: ReportId) -> Result<Report, ApiError> {
    let mut report = state.store.report(id).await?.ok_or(ApiError::NotFound)?;
    if !viewer.sees(report.unit_id) {
        return Err(ApiError::NotFound);
    }
    if report.status == ReportStatus::Draft {
        report.figures =
            Some(live_figures(state, viewer, Some(report.unit_id), report.period).await?);
    }
    Ok(report)
}

/// Writes `after` over what was read (`before`, figures as stored), refusing if it changed.
async fn save(
    state: &AppState,
    viewer: &Viewer,
    before: Option<&Report>,
    after: &Report,
    action: &str,
) -> Result<(), ApiError> {
    let mut stored = after.clone();
    if stored.status == ReportStatus::Draft {
        // A draft keeps no figures: it shows those of the moment it is read.
        stored.figures = None;
    }
    let before = before.map(|b| {
        let mut b = b.clone();
        if b.status == ReportStatus::Draft {
            b.figures = None;
        }
        b
    });
    let actor = Actor::user(&viewer.user);
    match state
        .store
        .put_report(&stored, before.as_ref(), action, &actor, now())
        .await
    {
        Err(StoreError::Conflict(_)) => Err(ApiError::Report(ReportRefusal::Changed)),
        other => other.map_err(ApiError::from),
    }
}

fn unit_name(viewer: &Viewer, unit: UnitId) -> String {
    viewer
        .tree
        .get(unit)
        .map(|u| u.name.clone())
        .unwrap_or_default()
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct NewReport {
    unit_id: UnitId,
    /// The first day, `YYYY-MM-DD` or dd/mm/yyyy.
    from: String,
    /// The last day.
    to: String,
}

/// The reports of the units the user sees, newest first (without figures).
#[utoipa::path(get, path = "/api/reports", operation_id = "list_reports", tag = "reports",
    security(("dvk_session" = [])),
    responses(
        (status = 200, description = "The reports.", body = Vec<Report>),
        (status = 401, description = "No valid session (`sign_in_required`).", body = ErrorBody),
        (status = 403, description = "Field staff have no reports (`role_not_allowed`).", body = ErrorBody),
    ))]
pub(crate) async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<Vec<Report>>, ApiError> {
    may_read(user.role)?;
    let viewer = Viewer::load(state.store.as_ref(), user).await?;
    let units = viewer.units_within(None)?;
    let mut reports = state.store.reports(units.as_deref()).await?;
    for report in &mut reports {
        report.figures = None;
    }
    Ok(Json(reports))
}

/// A new draft for a unit and a period, starting from the figures: its title and an assessment
/// written from them.
#[utoipa::path(post, path = "/api/reports", operation_id = "create_report", tag = "reports",
    security(("dvk_session" = [])), request_body = NewReport,
    responses(
        (status = 201, description = "The draft, with the figures of now.", body = Report),
        (status = 400, description = "A day is not a date, or the period ends before it starts (`invalid_query`).", body = ErrorBody),
        (status = 401, description = "No valid session (`sign_in_required`).", body = ErrorBody),
        (status = 403, description = "The role writes no reports, or the unit is out of sight.", body = ErrorBody),
    ))]
pub(crate) async fn create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(new): ApiJson<NewReport>,
) -> Result<(StatusCode, Json<Report>), ApiError> {
    let viewer = Viewer::load(state.store.as_ref(), user).await?;
    may_write(&viewer, new.unit_id)?;
    let period = period_of(&new.from, &new.to)?;
    let figures = live_figures(&state, &viewer, Some(new.unit_id), period).await?;
    let report = Report {
        id: ReportId::new(),
        unit_id: new.unit_id,
        period,
        text: starting_text(&unit_name(&viewer, new.unit_id), &figures),
        status: ReportStatus::Draft,
        figures: Some(figures),
        finalised_at: None,
    };
    save(&state, &viewer, None, &report, "report.create").await?;
    Ok((StatusCode::CREATED, Json(report)))
}

/// One report, with its frozen figures if final, else those of now.
#[utoipa::path(get, path = "/api/reports/{id}", operation_id = "report", tag = "reports",
    security(("dvk_session" = [])), params(("id" = String, Path, description = "The report's id.")),
    responses(
        (status = 200, description = "The report.", body = Report),
        (status = 401, description = "No valid session (`sign_in_required`).", body = ErrorBody),
        (status = 404, description = "No such report the user sees (`not_found`).", body = ErrorBody),
    ))]
pub(crate) async fn one(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<ReportId>,
) -> Result<Json<Report>, ApiError> {
    may_read(user.role)?;
    let viewer = Viewer::load(state.store.as_ref(), user).await?;
    Ok(Json(load(&state, &viewer, id).await?))
}

/// The written parts of a draft (title, number, place, assessment, lessons, recommendations).
#[utoipa::path(put, path = "/api/reports/{id}", operation_id = "edit_report", tag = "reports",
    security(("dvk_session" = [])), params(("id" = String, Path, description = "The report's id.")),
    request_body = ReportText,
    responses(
        (status = 200, description = "The report as edited.", body = Report),
        (status = 401, description = "No valid session (`sign_in_required`).", body = ErrorBody),
        (status = 403, description = "The role writes no reports, or the unit is out of sight.", body = ErrorBody),
        (status = 404, description = "No such report the user sees (`not_found`).", body = ErrorBody),
        (status = 409, description = "Final: reopen it first (`report_final`); changed by someone meanwhile (`report_changed`).", body = ErrorBody),
        (status = 422, description = "A part is missing or too long (`validation_failed`).", body = ErrorBody),
    ))]
pub(crate) async fn edit(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<ReportId>,
    ApiJson(text): ApiJson<ReportText>,
) -> Result<Json<Report>, ApiError> {
    let viewer = Viewer::load(state.store.as_ref(), user).await?;
    let before = load(&state, &viewer, id).await?;
    may_write(&viewer, before.unit_id)?;
    if before.status == ReportStatus::Final {
        return Err(ApiError::Report(ReportRefusal::Final));
    }
    text.validate().map_err(ApiError::Validation)?;
    let after = Report {
        text,
        ..before.clone()
    };
    save(&state, &viewer, Some(&before), &after, "report.edit").await?;
    Ok(Json(after))
}

/// Freezes a draft with the figures of now.
#[utoipa::path(post, path = "/api/reports/{id}/finalise", operation_id = "finalise_report", tag = "reports",
    security(("dvk_session" = [])), params(("id" = String, Path, description = "The report's id.")),
    responses(
        (status = 200, description = "The final report, its figures frozen.", body = Report),
        (status = 401, description = "No valid session (`sign_in_required`).", body = ErrorBody),
        (status = 403, description = "The role writes no reports, or the unit is out of sight.", body = ErrorBody),
        (status = 404, description = "No such report the user sees (`not_found`).", body = ErrorBody),
        (status = 409, description = "Final already (`report_final`); changed meanwhile (`report_changed`).", body = ErrorBody),
    ))]
pub(crate) async fn finalise(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<ReportId>,
) -> Result<Json<Report>, ApiError> {
    let viewer = Viewer::load(state.store.as_ref(), user).await?;
    let before = load(&state, &viewer, id).await?;
    may_write(&viewer, before.unit_id)?;
    if before.status == ReportStatus::Final {
        return Err(ApiError::Report(ReportRefusal::Final));
    }
    before.text.validate().map_err(ApiError::Validation)?;
    let after = Report {
        status: ReportStatus::Final,
        finalised_at: Some(now()),
        ..before.clone()
    };
    save(&state, &viewer, Some(&before), &after, "report.finalise").await?;
    Ok(Json(after))
}

/// Makes a final report a draft again: its figures are those of now once more.
#[utoipa::path(post, path = "/api/reports/{id}/reopen", operation_id = "reopen_report", tag = "reports",
    security(("dvk_session" = [])), params(("id" = String, Path, description = "The report's id.")),
    responses(
        (status = 200, description = "The draft.", body = Report),
        (status = 401, description = "No valid session (`sign_in_required`).", body = ErrorBody),
        (status = 403, description = "The role writes no reports, or the unit is out of sight.", body = ErrorBody),
        (status = 404, description = "No such report the user sees (`not_found`).", body = ErrorBody),
        (status = 409, description = "A draft already (`report_draft`); changed meanwhile (`report_changed`).", body = ErrorBody),
    ))]
pub(crate) async fn reopen(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<ReportId>,
) -> Result<Json<Report>, ApiError> {
    let viewer = Viewer::load(state.store.as_ref(), user).await?;
    let before = load(&state, &viewer, id).await?;
    may_write(&viewer, before.unit_id)?;
    if before.status == ReportStatus::Draft {
        return Err(ApiError::Report(ReportRefusal::Draft));
    }
    let mut after = Report {
        status: ReportStatus::Draft,
        finalised_at: None,
        ..before.clone()
    };
    save(&state, &viewer, Some(&before), &after, "report.reopen").await?;
    after.figures = Some(live_figures(&state, &viewer, Some(after.unit_id), after.period).await?);
    Ok(Json(after))
}

fn file(bytes: Vec<u8>, mime: &'static str, name: String) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    // The name in ASCII for every browser, and as typed (UTF-8) for those that read it.
    let ascii: String = dvk_shared::text::fold(&name)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'.' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"
    )) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// The report as a Word document in the administrative layout.
#[utoipa::path(get, path = "/api/reports/{id}/docx", operation_id = "report_docx", tag = "reports",
    security(("dvk_session" = [])), params(("id" = String, Path, description = "The report's id.")),
    responses(
        (status = 200, description = "The .docx file.", content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (status = 401, description = "No valid session (`sign_in_required`).", body = ErrorBody),
        (status = 404, description = "No such report the user sees (`not_found`).", body = ErrorBody),
    ))]
pub(crate) async fn docx(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<ReportId>,
) -> Result<Response, ApiError> {
    may_read(user.role)?;
    let viewer = Viewer::load(state.store.as_ref(), user).await?;
    let report = load(&state, &viewer, id).await?;
    let figures = report.figures.clone().ok_or(ApiError::NotFound)?;
    let dated = Date::of_instant_in_vietnam(report.finalised_at.unwrap_or_else(now));
    let bytes = documents::report_docx(
        &report,
        &figures,
        &unit_name(&viewer, report.unit_id),
        dated,
    )
    .map_err(ApiError::Internal)?;
    Ok(file(
        bytes,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        format!("bao-cao-{}.docx", report.period.label_vi()),
    ))
}

/// The report's tables as a spreadsheet.
#[utoipa::path(get, path = "/api/reports/{id}/xlsx", operation_id = "report_xlsx", tag = "reports",
    security(("dvk_session" = [])), params(("id" = String, Path, description = "The report's id.")),
    responses(
        (status = 200, description = "The .xlsx file.", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 401, description = "No valid session (`sign_in_required`).", body = ErrorBody),
        (status = 404, description = "No such report the user sees (`not_found`).", body = ErrorBody),
    ))]
pub(crate) async fn xlsx(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<ReportId>,
) -> Result<Response, ApiError> {
    may_read(user.role)?;
    let viewer = Viewer::load(state.store.as_ref(), user).await?;
    let report = load(&state, &viewer, id).await?;
    let figures = report.figures.clone().ok_or(ApiError::NotFound)?;
    let bytes = documents::report_xlsx(&figures, &unit_name(&viewer, report.unit_id))
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(file(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        format!("so-lieu-{}.xlsx", report.period.label_vi()),
    ))
}

fn period_of(from: &str, to: &str) -> Result<Period, ApiError> {
    let (from, to) = (day(from, "bắt đầu")?, day(to, "kết thúc")?);
    Period::new(from, to).ok_or_else(|| ApiError::BadRequest {
        code: "invalid_query",
        detail_vi: "ngày kết thúc phải không trước ngày bắt đầu".into(),
        detail_en: "the period must not end before it starts".into(),
    })
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
    may_read(user.role)?;
    let period = period_of(&query.from, &query.to)?;
    let viewer = Viewer::load(state.store.as_ref(), user).await?;
    Ok(Json(
        live_figures(&state, &viewer, query.unit, period).await?,
    ))
}
