//! `GET /api/units`: the units the user sees, as a tree.

use std::collections::BTreeMap;

use axum::{Json, Router, extract::State, routing::get};
use dvk_shared::{
    api::{ErrorBody, UnitNode},
    ids::UnitId,
    text::sort_key,
    unit::Unit,
};

use crate::{AppState, access::Viewer, auth::CurrentUser, error::ApiError};

pub fn router() -> Router<AppState> {
    Router::new().route("/units", get(list))
}

/// The units the user sees, as a forest in Vietnamese order.
///
/// A visible unit whose parent is not visible is a root.
#[utoipa::path(
    get,
    path = "/api/units",
    operation_id = "list_units",
    tag = "units",
    security(("dvk_session" = [])),
    responses(
        (status = 200, description = "The visible units, nested under their parents.", body = [UnitNode]),
        (status = 401, description = "No valid session (`sign_in_required`).", body = ErrorBody),
    )
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<Vec<UnitNode>>, ApiError> {
    let viewer = Viewer::load(state.store.as_ref(), user).await?;
    let visible: Vec<&Unit> = viewer.tree.units().filter(|u| viewer.sees(u.id)).collect();
    Ok(Json(forest(&visible)))
}

/// Nests the visible units under their parents; a visible unit whose parent is not visible
/// becomes a root. Children are in Vietnamese order.
fn forest(units: &[&Unit]) -> Vec<UnitNode> {
    let ids: std::collections::BTreeSet<UnitId> = units.iter().map(|u| u.id).collect();
    let mut children: BTreeMap<Option<UnitId>, Vec<&Unit>> = BTreeMap::new();
    for unit in units {
        let parent = unit.parent_id.filter(|p| ids.contains(p));
        children.entry(parent).or_default().push(unit);
    }
    for list in children.values_mut() {
        list.sort_by_cached_key(|u| sort_key(&u.name));
    }
    fn build(
        parent: Option<UnitId>,
        children: &BTreeMap<Option<UnitId>, Vec<&Unit>>,
    ) -> Vec<UnitNode> {
        children
            .get(&parent)
            .into_iter()
            .flatten()
            .map(|unit| UnitNode {
                unit: (*unit).clone(),
                children: build(Some(unit.id), children),
            })
            .collect()
    }
    build(None, &children)
}
