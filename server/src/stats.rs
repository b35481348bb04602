//! `GET /api/stats?year=&unit=`: the numbers of the leadership overview, over the units the
//! user sees. Drafts are not registered yet and are not counted; merged units are counted under
//! the unit that absorbed them — for one year's figures, only merges that had happened by its
//! end, under the names of that time.

use std::collections::{BTreeMap, BTreeSet};

use axum::{Json, Router, extract::State, routing::get};
use dvk_shared::{
    api::{AwardStats, ErrorBody, FieldCounts, Stats, TypicalModel, UnitStats},
    ids::UnitId,
    model::{Field, Status},
    text::sort_key,
};
use serde::Deserialize;

use crate::{AppState, access::Viewer, auth::CurrentUser, error::ApiError, extract::ApiQuery};

pub fn router() -> Router<AppState> {
    Router::new().route("/stats", get(stats))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct StatsQuery {
    /// Only models and awards of this year; every year when left out.
    year: Option<u16>,
    /// The unit and its subtree; all the user's units when left out.
    unit: Option<UnitId>,
}

/// The typical models the overview names; the rest are counted (`typical_total`) and listed by
/// the models list (`status=typical`).
const TYPICAL_SHOWN: u32 = 100;

fn zero_fields() -> FieldCounts {
    Field::ALL.into_iter().map(|f| (f, 0)).collect()
}

/// The numbers of the leadership overview, over the units the user sees.
#[utoipa::path(
    get,
    path = "/api/stats",
    operation_id = "stats",
    tag = "stats",
    security(("dvk_session" = [])),
    params(StatsQuery),
    responses(
        (status = 200, description = "The counts.", body = Stats),
        (status = 400, description = "A parameter is not valid (`invalid_query`).", body = ErrorBody),
        (status = 401, description = "No valid session (`sign_in_required`).", body = ErrorBody),
        (status = 403, description = "`unit` lies outside the user's units (`outside_your_units`).", body = ErrorBody),
    )
)]
pub(crate) async fn stats(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiQuery(query): ApiQuery<StatsQuery>,
) -> Result<Json<Stats>, ApiError> {
    let viewer = Viewer::load(state.store.as_ref(), user).await?;
    let scope = viewer.units_within(query.unit)?;
    let units: Option<BTreeSet<UnitId>> =
        scope.as_ref().map(|units| units.iter().copied().collect());
    let counted = |unit: &UnitId| units.as_ref().is_none_or(|set| set.contains(unit));

    let mut stats = Stats {
        total: 0,
        by_field: zero_fields(),
        by_status: Status::ALL
            .into_iter()
            .filter(|s| *s != Status::Draft)
            .map(|s| (s, 0))
            .collect(),
        by_year: BTreeMap::new(),
        by_unit: Vec::new(),
        awards: Vec::new(),
        typical: Vec::new(),
        typical_total: 0,
        replication: Default::default(),
    };
    let as_of = query
        .year
        .and_then(|year| dvk_shared::date::Date::new(year, 12, 31));
    let counts = state
        .store
        .model_counts(scope.as_deref(), query.year)
        .await?;
    for (field, status, year, count) in counts.by_kind {
        stats.total += count;
        *stats.by_field.entry(field).or_default() += count;
        *stats.by_status.entry(status).or_default() += count;
        *stats.by_year.entry(year.to_string()).or_default() += count;
        if status == Status::Typical {
            stats.typical_total += count;
        }
    }
    // One line per unit right under the one the overview is of (the country's provinces, a
    // province's communes), each counting everything below it: a leader opens the next level
    // from there. The unit's own models have a line of its own.
    let top = viewer
        .tree
        .current(query.unit.unwrap_or(viewer.user.unit_id));
    let mut by_unit: BTreeMap<UnitId, UnitStats> = BTreeMap::new();
    for (unit, field, count) in counts.by_unit {
        // A year's report shows the units as they were at its end (merges and names of that
        // time); the overview of every year, as they are now.
        let current = match as_of {
            Some(date) => viewer.tree.current_on(unit, date),
            None => viewer.tree.current(unit),
        };
        let line_unit = viewer.tree.line_under(current, top);
        let line = by_unit.entry(line_unit).or_insert_with(|| UnitStats {
            unit_id: line_unit,
            name: match as_of {
                Some(date) => viewer.tree.name_on(line_unit, date),
                None => viewer
                    .tree
                    .get(line_unit)
                    .map(|u| u.name.clone())
                    .unwrap_or_default(),
            },
            total: 0,
            by_field: zero_fields(),
        });
        line.total += count;
        *line.by_field.entry(field).or_default() += count;
    }
    stats.by_unit = by_unit.into_values().collect();
    stats
        .by_unit
        .sort_by_cached_key(|line| sort_key(&line.name));

    let mut awards: BTreeMap<_, u64> = BTreeMap::new();
    for row in state.store.award_counts(query.year).await? {
        if counted(&row.unit_id) {
            *awards.entry((row.kind, row.recipient_type)).or_default() += row.count;
        }
    }
    stats.awards = awards
        .into_iter()
        .map(|((kind, recipient_type), count)| AwardStats {
            kind,
            recipient_type,
            count,
        })
        .collect();
    stats.typical = state
        .store
        .typical_models(scope.as_deref(), query.year, TYPICAL_SHOWN)
        .await?
        .into_iter()
        .map(|(id, name, unit)| TypicalModel {
            id,
            name,
            unit_name: viewer
                .tree
                .get(viewer.tree.current(unit))
                .map(|u| u.name.clone())
                .unwrap_or_default(),
        })
        .collect();
    let library = state.store.library_entries().await?;
    stats.replication = dvk_shared::library::replication_stats(
        library
            .iter()
            .filter(|e| counted(&e.unit_id) && query.year.is_none_or(|y| e.year == y)),
        5,
    );
    Ok(Json(stats))
}
