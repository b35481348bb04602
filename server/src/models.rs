//! `GET /api/models` (filtered, searched, paginated, in Vietnamese order or by the last change) and
//! `GET /api/models/{id}` (with its history for the Board and the registrars whose model it
//! is). Writes arrive through sync.

use axum::{
    Json, Router,
    extract::{Path, State},
    routing::get,
};
use dvk_shared::{
    api::{
        ErrorBody, ModelDetail, ModelQuery, ModelSort, ModelSummary, PER_PAGE_DEFAULT,
        PER_PAGE_MAX, Page, QUERY_MAX_CHARS,
    },
    ids::ModelId,
    sync::Entity,
    text::{fold, sort_key},
};

use crate::{
    AppState,
    access::Viewer,
    auth::CurrentUser,
    error::ApiError,
    extract::ApiQuery,
    store::{ModelFilter, Place},
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/models", get(list))
        .route("/models/{id}", get(detail))
}

/// The models the user sees, filtered, searched and paginated: in Vietnamese order of name,
/// a search the most recently changed first (`sort` says otherwise).
#[utoipa::path(
    get,
    path = "/api/models",
    operation_id = "list_models",
    tag = "models",
    security(("dvk_session" = [])),
    params(ModelQuery),
    responses(
        (status = 200, description = "One page of the matching models.", body = Page<ModelSummary>),
        (status = 400, description = "A parameter is not valid (`invalid_query`, `query_too_long`).", body = ErrorBody),
        (status = 401, description = "No valid session (`sign_in_required`).", body = ErrorBody),
        (status = 403, description = "`unit` lies outside the user's units (`outside_your_units`).", body = ErrorBody),
    )
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiQuery(query): ApiQuery<ModelQuery>,
) -> Result<Json<Page<ModelSummary>>, ApiError> {
    let viewer = Viewer::load(state.store.as_ref(), user).await?;
    let page = query.page.unwrap_or(1).max(1);
    let per_page = query
        .per_page
        .unwrap_or(PER_PAGE_DEFAULT)
        .clamp(1, PER_PAGE_MAX);
    let mut filter = filter_of(
        &viewer,
        &query,
        u64::from(page - 1) * u64::from(per_page),
        per_page,
    )?;
    if let Some(after) = query.after.as_deref() {
        filter.after = Some(place_of(&state, &viewer, filter.order, after).await?);
    }
    let (items, total, total_is_partial) = state.store.list_models(&filter).await?;
    let next = match items.last() {
        Some((_, place)) if items.len() == per_page as usize => Some(cursor_of(place)),
        _ => None,
    };
    let items = items.into_iter().map(|(model, _)| model).collect();
    Ok(Json(Page {
        items,
        page: if filter.after.is_some() { 0 } else { page },
        per_page,
        total,
        total_is_partial,
        next,
    }))
}

/// The `next` of a page that ends at `place`: in the order of names the model's id (its name
/// places it when the next page is asked for); in the order of changes its version and id, as
/// the model may change meanwhile and move to the front.
fn cursor_of(place: &Place) -> String {
    match place {
        Place::Name(_, id) => id.to_string(),
        Place::Recent(version, id) => format!("{version}.{id}"),
    }
}

/// Where `after` (a page's `next`) places the next page in `order`.
pub(crate) async fn place_of(
    state: &AppState,
    viewer: &Viewer,
    order: ModelSort,
    after: &str,
) -> Result<Place, ApiError> {
    let invalid = |vi: &str, en: &str| ApiError::BadRequest {
        code: "invalid_query",
        detail_vi: vi.to_owned(),
        detail_en: en.to_owned(),
    };
    match order {
        ModelSort::Name => {
            let id = ModelId::parse(after).map_err(|_| {
                invalid(
                    "`after` không phải là `next` của một trang xếp theo tên: hãy mở lại trang đầu của danh sách",
                    "`after` is not the `next` of a page in the order of names: open the list's first page again",
                )
            })?;
            // The model the page before ended on: its name places the next page (a model
            // deleted since still has its row and its place).
            let stored = state
                .store
                .model(id)
                .await?
                .filter(|stored| viewer.sees(stored.model.unit_id))
                .ok_or_else(|| {
                    invalid(
                        "không có mô hình `after`: hãy mở lại trang đầu của danh sách",
                        "no such model as `after`: open the list's first page again",
                    )
                })?;
            Ok(Place::Name(sort_key(&stored.model.name), id))
        }
        ModelSort::Recent => after
            .split_once('.')
            .and_then(|(version, id)| Some(Place::Recent(version.parse().ok()?, ModelId::parse(id).ok()?)))
            .ok_or_else(|| {
                invalid(
                    "`after` không phải là `next` của một trang xếp theo lần thay đổi gần nhất: hãy mở lại trang đầu của danh sách",
                    "`after` is not the `next` of a page in the order of changes: open the list's first page again",
                )
            }),
    }
}

/// What the list's filters select for `viewer`, from `offset`, at most `limit` (the list and
/// its export read the same).
pub(crate) fn filter_of(
    viewer: &Viewer,
    query: &ModelQuery,
    offset: u64,
    limit: u32,
) -> Result<ModelFilter, ApiError> {
    let folded_query = match query.q.as_deref().map(str::trim) {
        Some(q) if q.chars().count() > QUERY_MAX_CHARS => {
            return Err(ApiError::BadRequest {
                code: "query_too_long",
                detail_vi: format!("từ khoá tìm kiếm dài quá {QUERY_MAX_CHARS} ký tự"),
                detail_en: format!("q has more than {QUERY_MAX_CHARS} characters"),
            });
        }
        Some(q) if !q.is_empty() => Some(fold(q)),
        _ => None,
    };
    Ok(ModelFilter {
        units: viewer.units_within(query.unit)?,
        field: query.field,
        year: query.year,
        status: query.status,
        folded_query,
        order: ModelSort::of(query),
        offset,
        after: None,
        limit,
        count_max: Some(crate::store::SEARCH_COUNT_MAX),
    })
}

/// One model, with its history for the Board, admins and the registrars whose model it is.
#[utoipa::path(
    get,
    path = "/api/models/{id}",
    operation_id = "get_model",
    tag = "models",
    security(("dvk_session" = [])),
    params(("id" = ModelId, Path, description = "The model's id (UUIDv7).")),
    responses(
        (status = 200, description = "The model.", body = ModelDetail),
        (status = 401, description = "No valid session (`sign_in_required`).", body = ErrorBody),
        (status = 404, description = "No such model, or outside the user's units: the two answer alike (`not_found`).", body = ErrorBody),
    )
)]
pub(crate) async fn detail(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<ModelDetail>, ApiError> {
    let id = ModelId::parse(&id).map_err(|_| ApiError::NotFound)?;
    let viewer = Viewer::load(state.store.as_ref(), user).await?;
    // Outside the user's units answers the same as missing: existence is not disclosed.
    let stored = state
        .store
        .model(id)
        .await?
        .filter(|stored| !stored.deleted && viewer.sees(stored.model.unit_id))
        .ok_or(ApiError::NotFound)?;
    let history = if viewer.reads_history() {
        state.store.history(Entity::Model, &id.to_string()).await?
    } else {
        Vec::new()
    };
    let unit_name = viewer
        .tree
        .get(stored.model.unit_id)
        .map(|u| u.name.clone())
        .unwrap_or_default();
    Ok(Json(ModelDetail {
        model: stored.model,
        unit_name,
        version: stored.version,
        updated_at: stored.updated_at,
        history,
    }))
}
