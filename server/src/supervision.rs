//! `GET /api/supervision`: the Board's supervision list — per unit in its sight, the drafts left
//! idle, the returns unanswered, the surveys overdue, the running models not surveyed this year,
//! the tablets not synced lately, the reminders unread and the follow-ups overdue — computed by
//! `dvk_shared::oversight::supervision` from what the server holds (only it knows when each
//! tablet last synced). The Board acts on it through sync: a reminder is an `oversight` record.

use std::collections::{BTreeSet, HashMap};

use axum::{Json, Router, extract::State, routing::get};
use dvk_shared::{
    api::ErrorBody,
    date::Date,
    ids::UnitId,
    oversight::{
        SupervisionInputs, SupervisionList, THRESHOLD_MAX_DAYS, Thresholds, UnitBehind, supervision,
    },
    user::Role,
};
use serde::Deserialize;

use crate::{
    AppState,
    access::Viewer,
    auth::CurrentUser,
    error::{ApiError, Forbidden},
    extract::ApiQuery,
    now,
};

pub fn router() -> Router<AppState> {
    Router::new().route("/supervision", get(list))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct SupervisionQuery {
    /// The unit and its subtree; all the user's units when left out.
    unit: Option<UnitId>,
    /// A draft counts as idle after this many days (1–3650; 30 when left out).
    idle_days: Option<u32>,
    /// A tablet counts as quiet after this many days without a sync (1–3650; 7 when left out).
    quiet_days: Option<u32>,
}

fn days(value: Option<u32>, default: u32, name: &str) -> Result<u32, ApiError> {
    match value {
        None => Ok(default),
        Some(days) if (1..=THRESHOLD_MAX_DAYS).contains(&days) => Ok(days),
        Some(_) => Err(ApiError::BadRequest {
            code: "invalid_query",
            detail_vi: format!("số ngày ({name}) phải từ 1 đến {THRESHOLD_MAX_DAYS}"),
            detail_en: format!("{name} must be between 1 and {THRESHOLD_MAX_DAYS} days"),
        }),
    }
}

/// The supervision list.
#[utoipa::path(
    get,
    path = "/api/supervision",
    operation_id = "supervision",
    tag = "supervision",
    security(("dvk_session" = [])),
    params(SupervisionQuery),
    responses(
        (status = 200, description = "The units in sight that fall behind, furthest behind first, with what each has left: drafts idle, returns unanswered, surveys overdue, running models not surveyed this year, tablets not synced lately, reminders unread, follow-ups overdue.", body = SupervisionList),
        (status = 400, description = "A number of days out of 1–3650 (`invalid_query`).", body = ErrorBody),
        (status = 401, description = "No valid session (`sign_in_required`).", body = ErrorBody),
        (status = 403, description = "Only the Board, administrators and leaders supervise (`role_not_allowed`); `unit` lies outside the user's units (`outside_your_units`).", body = ErrorBody),
    )
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiQuery(query): ApiQuery<SupervisionQuery>,
) -> Result<Json<SupervisionList>, ApiError> {
    if !(user.role.reviews() || user.role == Role::Leader) {
        return Err(ApiError::Forbidden(Forbidden::Role));
    }
    let defaults = Thresholds::default();
    let thresholds = Thresholds {
        idle_days: days(query.idle_days, defaults.idle_days, "idle_days")?,
        quiet_days: days(query.quiet_days, defaults.quiet_days, "quiet_days")?,
    };
    let viewer = Viewer::load(state.store.as_ref(), user).await?;
    let units = viewer.units_within(query.unit)?;
    let inputs = state.store.supervision_inputs(units.as_deref()).await?;
    // Which units each campaign covers: its units and everything below them.
    let covered: HashMap<_, BTreeSet<UnitId>> = inputs
        .campaigns
        .iter()
        .map(|c| {
            let units = c
                .unit_ids
                .iter()
                .flat_map(|u| viewer.tree.subtree(*u))
                .collect();
            (c.id, units)
        })
        .collect();
    let covers = |c: &dvk_shared::survey::Campaign, unit: UnitId| {
        covered
            .get(&c.id)
            .is_some_and(|units| units.contains(&unit))
    };
    let now = now();
    let behind = supervision(
        &SupervisionInputs {
            models: &inputs.models,
            surveys: &inputs.surveys,
            campaigns: &inputs.campaigns,
            oversight: &inputs.oversight,
            devices: &inputs.devices,
            covers: &covers,
            now,
        },
        thresholds,
    );
    let mut rows: Vec<UnitBehind> = behind
        .into_iter()
        .filter(|(unit, _)| viewer.sees(*unit))
        .map(|(unit_id, behind)| UnitBehind {
            unit_id,
            unit_name: viewer
                .tree
                .get(unit_id)
                .map(|u| u.name.clone())
                .unwrap_or_default(),
            behind,
        })
        .collect();
    rows.sort_by(|a, b| {
        b.behind.weight().cmp(&a.behind.weight()).then_with(|| {
            dvk_shared::text::sort_key(&a.unit_name).cmp(&dvk_shared::text::sort_key(&b.unit_name))
        })
    });
    Ok(Json(SupervisionList {
        as_of: Date::of_instant_in_vietnam(now),
        thresholds,
        units: rows,
    }))
}
