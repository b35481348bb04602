//! `POST /api/sync` (SYNC.md): a device's changes pushed under the one write lock and answered
//! (`push.rs`), then what changed since its cursor pulled from one snapshot (`pull.rs`).
//!
//! Every kind of record takes the same path (`record.rs`: find, merge, conflict, stamp,
//! audit, notify, write); what differs is each kind's rules — `model.rs`, `campaign.rs`,
//! `survey.rs`, `notice.rs`, `award.rs`. The vocabulary (kinds, fields, how edits merge) is `shared`'s.

mod answer;
mod award;
mod campaign;
mod library;
mod model;
mod notice;
mod oversight;
mod pull;
mod push;
mod record;
mod request;
mod survey;

pub(crate) use library::rebuild as rebuild_library;

use axum::{
    Json, Router,
    extract::{DefaultBodyLimit, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::post,
};
use dvk_shared::{
    api::ErrorBody,
    sync::{self, Mutation, PushResult, SeqGap, SyncRequest, SyncResponse},
    user::User,
};

use crate::{AppState, access::Viewer, auth::CurrentUser, error::ApiError, extract::ApiJson, now};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sync", post(sync_handler))
        // The largest request a device may send; it aims at a tenth of it.
        .layer(DefaultBodyLimit::max(sync::SYNC_BODY_MAX))
}

/// Pushes a device's changes and pulls what changed since its cursor, in one round trip
/// (SYNC.md). Every outcome the server decided answers 200, with one result per change.
#[utoipa::path(
    post,
    path = "/api/sync",
    operation_id = "sync",
    tag = "sync",
    security(("dvk_session" = [])),
    request_body = SyncRequest,
    responses(
        (status = 200, description = "Each change's result (a change sent again is answered as the first time), then the changes since the cursor.", body = SyncResponse),
        (status = 400, description = "A malformed request: a kind, field or id of no known shape, changes out of order, too many changes (`invalid_sync_request`, `invalid_body`). Nothing was applied.", body = ErrorBody),
        (status = 401, description = "No valid session (`sign_in_required`): keep the outbox and sign in again.", body = ErrorBody),
        (status = 403, description = "The device id belongs to another user (`device_of_another_user`), or the request came from another site.", body = ErrorBody),
        (status = 409, description = "A gap in `seq`: resend from `expected`. Nothing was applied.", body = SeqGap),
        (status = 413, description = "The body is larger than 4 MiB (`payload_too_large`): send fewer changes.", body = ErrorBody),
    )
)]
pub(crate) async fn sync_handler(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(request): ApiJson<SyncRequest>,
) -> Result<Response, ApiError> {
    request::check(&request)?;
    let viewer = Viewer::load(state.store.as_ref(), user).await?;
    let now = now();
    let results = if request.push.is_empty() {
        Vec::new()
    } else {
        match push::push(state.store.as_ref(), &viewer, &request, now).await? {
            push::Pushed::Answered(results) => results,
            push::Pushed::OtherEpoch => Vec::new(),
            push::Pushed::Gap(expected) => {
                // Nothing of this request is kept: the device resends from `expected`.
                return Ok((
                    StatusCode::CONFLICT,
                    Json(SeqGap {
                        code: "seq_gap".into(),
                        expected,
                        message: format!(
                            "Thiếu thay đổi số {expected}; ứng dụng sẽ gửi lại từ đó."
                        ),
                        message_en: format!(
                            "Change {expected} is missing; the app resends from there."
                        ),
                    }),
                )
                    .into_response());
            }
        }
    };
    let mut answer = pull::pull(state.store.as_ref(), &viewer, &request, now).await?;
    answer.results = results;
    Ok(Json(answer).into_response())
}

/// Applies `mutations` as `user` from a new device of the server's own, through the same rules
/// as a tablet's changes (the demo's campaign and surveys are made this way); returns each
/// change's result.
pub async fn apply_as(
    store: &dyn crate::Store,
    user: User,
    mutations: Vec<Mutation>,
) -> Result<Vec<PushResult>, ApiError> {
    let request = SyncRequest {
        device_id: uuid::Uuid::now_v7(),
        epoch: None,
        schema: sync::SCHEMA,
        push: (1..)
            .zip(mutations)
            .map(|(seq, mutation)| sync::Push { seq, mutation })
            .collect(),
        cursor: None,
        limit: Some(1),
    };
    request::check(&request)?;
    let viewer = Viewer::load(store, user).await?;
    match push::push(store, &viewer, &request, now()).await? {
        push::Pushed::Answered(results) => Ok(results),
        push::Pushed::Gap(_) | push::Pushed::OtherEpoch => Err(ApiError::Internal(
            "a new device of the server's own was refused".into(),
        )),
    }
}
