//! `GET /api/units`: the units the user sees, as a tree; and the tree's changes, for
//! administrators: a unit under another, a rename from a date (the former name kept and still
//! found), a merge into another unit from a date (its units below and its accounts follow the
//! successor; its records stay its own and count under the successor), a closure. Each change is
//! audited and reaches the devices that see the unit through sync.

use std::collections::BTreeMap;

use axum::{
    Json, Router,
    extract::{Path, State},
    http::StatusCode,
    routing::{get, post},
};
use dvk_shared::{
    api::{ErrorBody, UnitNode},
    ids::UnitId,
    text::sort_key,
    unit::{NewUnit, TreeChange, Unit, UnitClose, UnitMerge, UnitRefusal, UnitRename, UnitTree},
    user::Role,
};

use crate::{
    AppState,
    access::Viewer,
    auth::CurrentUser,
    error::{ApiError, Forbidden},
    extract::ApiJson,
    now,
    store::Actor,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/units", get(list).post(create))
        .route("/units/{id}/rename", post(rename))
        .route("/units/{id}/merge", post(merge))
        .route("/units/{id}/close", post(close))
}

/// Decides `change` on the tree under the write lock and writes it, or says why not; answers
/// the changed unit. Only administrators change the tree.
async fn apply(
    state: &AppState,
    admin: &dvk_shared::user::User,
    change: &(dyn for<'t> Fn(&'t UnitTree) -> TreeChange + Send + Sync),
    move_accounts: Option<(UnitId, UnitId)>,
) -> Result<Unit, ApiError> {
    if admin.role != Role::Admin {
        return Err(ApiError::Forbidden(Forbidden::Role));
    }
    let decided = state
        .store
        .change_tree(change, move_accounts, &Actor::user(admin), now())
        .await?;
    match decided {
        TreeChange::Write(units) => units.into_iter().next().ok_or(ApiError::NotFound),
        TreeChange::Invalid(errors) => Err(errors.into()),
        TreeChange::Refused(refusal) => Err(ApiError::Unit(refusal)),
    }
}

/// Only administrators change the tree; a unit that is not in it answers 404 before anything
/// is decided.
async fn known(
    state: &AppState,
    admin: &dvk_shared::user::User,
    id: UnitId,
) -> Result<(), ApiError> {
    if admin.role != Role::Admin {
        return Err(ApiError::Forbidden(Forbidden::Role));
    }
    let units = state.store.units().await?;
    units
        .iter()
        .any(|u| u.id == id)
        .then_some(())
        .ok_or(ApiError::NotFound)
}

fn unit_id(text: &str) -> Result<UnitId, ApiError> {
    UnitId::parse(text).map_err(|_| ApiError::NotFound)
}

/// A unit under a current one.
#[utoipa::path(
    post,
    path = "/api/units",
    operation_id = "create_unit",
    tag = "units",
    security(("dvk_session" = [])),
    request_body = NewUnit,
    responses(
        (status = 201, description = "The new unit.", body = Unit),
        (status = 403, description = "Only administrators (`role_not_allowed`).", body = ErrorBody),
        (status = 422, description = "No name, or a parent that is not a current unit (`validation_failed`).", body = ErrorBody),
    )
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    CurrentUser(admin): CurrentUser,
    ApiJson(new): ApiJson<NewUnit>,
) -> Result<(StatusCode, Json<Unit>), ApiError> {
    let id = UnitId::new();
    let unit = apply(&state, &admin, &|tree| tree.add(id, &new), None).await?;
    Ok((StatusCode::CREATED, Json(unit)))
}

/// A new name from a date; the former name stays for earlier dates and for search.
#[utoipa::path(
    post,
    path = "/api/units/{id}/rename",
    operation_id = "rename_unit",
    tag = "units",
    security(("dvk_session" = [])),
    params(("id" = String, Path, description = "The unit's id")),
    request_body = UnitRename,
    responses(
        (status = 200, description = "The unit as it is now.", body = Unit),
        (status = 403, description = "Only administrators (`role_not_allowed`).", body = ErrorBody),
        (status = 404, description = "No such unit (`not_found`).", body = ErrorBody),
        (status = 409, description = "The unit was merged or closed (`unit_not_current`).", body = ErrorBody),
        (status = 422, description = "No name, the same name, or a date before the last rename (`validation_failed`).", body = ErrorBody),
    )
)]
pub(crate) async fn rename(
    State(state): State<AppState>,
    CurrentUser(admin): CurrentUser,
    Path(id): Path<String>,
    ApiJson(rename): ApiJson<UnitRename>,
) -> Result<Json<Unit>, ApiError> {
    let id = unit_id(&id)?;
    known(&state, &admin, id).await?;
    Ok(Json(
        apply(&state, &admin, &|tree| tree.rename(id, &rename), None).await?,
    ))
}

/// Merged into another unit from a date: its units below and its accounts move to the
/// successor; its records stay its own and count under the successor from then on.
#[utoipa::path(
    post,
    path = "/api/units/{id}/merge",
    operation_id = "merge_unit",
    tag = "units",
    security(("dvk_session" = [])),
    params(("id" = String, Path, description = "The unit's id")),
    request_body = UnitMerge,
    responses(
        (status = 200, description = "The merged unit.", body = Unit),
        (status = 403, description = "Only administrators (`role_not_allowed`).", body = ErrorBody),
        (status = 404, description = "No such unit (`not_found`).", body = ErrorBody),
        (status = 409, description = "The top unit (`top_unit`), a unit merged or closed already (`unit_not_current`), or into itself or a unit below it (`merge_into_own_tree`).", body = ErrorBody),
        (status = 422, description = "A successor that is not a current unit (`validation_failed`).", body = ErrorBody),
    )
)]
pub(crate) async fn merge(
    State(state): State<AppState>,
    CurrentUser(admin): CurrentUser,
    Path(id): Path<String>,
    ApiJson(merge): ApiJson<UnitMerge>,
) -> Result<Json<Unit>, ApiError> {
    let id = unit_id(&id)?;
    known(&state, &admin, id).await?;
    let into = merge.into;
    Ok(Json(
        apply(
            &state,
            &admin,
            &|tree| tree.merge(id, &merge),
            Some((id, into)),
        )
        .await?,
    ))
}

/// Closed from a date, once nothing current is left in it.
#[utoipa::path(
    post,
    path = "/api/units/{id}/close",
    operation_id = "close_unit",
    tag = "units",
    security(("dvk_session" = [])),
    params(("id" = String, Path, description = "The unit's id")),
    request_body = UnitClose,
    responses(
        (status = 200, description = "The closed unit.", body = Unit),
        (status = 403, description = "Only administrators (`role_not_allowed`).", body = ErrorBody),
        (status = 404, description = "No such unit (`not_found`).", body = ErrorBody),
        (status = 409, description = "The top unit (`top_unit`), one merged or closed already (`unit_not_current`), with current units below (`unit_has_units`) or active accounts (`unit_has_accounts`).", body = ErrorBody),
    )
)]
pub(crate) async fn close(
    State(state): State<AppState>,
    CurrentUser(admin): CurrentUser,
    Path(id): Path<String>,
    ApiJson(close): ApiJson<UnitClose>,
) -> Result<Json<Unit>, ApiError> {
    let id = unit_id(&id)?;
    known(&state, &admin, id).await?;
    // Accounts are checked first: one made in the unit a moment later is caught by the unit
    // check of account creation, which refuses a closed unit.
    let accounts = state.store.accounts().await?;
    if accounts.iter().any(|a| a.active && a.user.unit_id == id) {
        let tree = UnitTree::new(state.store.units().await?);
        if matches!(tree.close(id, &close), TreeChange::Write(_)) {
            return Err(ApiError::Unit(UnitRefusal::HasAccounts));
        }
    }
    Ok(Json(
        apply(&state, &admin, &|tree| tree.close(id, &close), None).await?,
    ))
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
