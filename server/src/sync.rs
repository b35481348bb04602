//! `POST /api/sync` (SYNC.md): applies a device's pushed changes in order, in one transaction
//! with a savepoint per change, then answers what the user may see since the cursor.
//!
//! The rules (which fields, how edits merge, who may move a model where) come from `shared`;
//! this module applies them against the store and decides each change's outcome.

use axum::{
    Json, Router,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::post,
};
use dvk_shared::{
    api::ErrorBody,
    date::Timestamp,
    ids::ModelId,
    model::{Action, Model, Status, TransitionError},
    sync::{
        self, ConflictInfo, ConflictKind, Merge, ModelOp, Mutation, PushError, PushResult,
        PushStatus, SeqGap, SyncRequest, SyncResponse,
    },
    user::Role,
    validation::FieldErrors,
};
use serde_json::{Map, Value};

use crate::{
    AppState,
    access::Viewer,
    auth::CurrentUser,
    error::{ApiError, Forbidden},
    extract::ApiJson,
    now,
    store::{Actor, Device, SyncModel, SyncTx},
};

pub fn router() -> Router<AppState> {
    Router::new().route("/sync", post(sync_handler))
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
        (status = 200, description = "Each change's result, then the changes since the cursor.", body = SyncResponse),
        (status = 400, description = "A malformed request: unknown kind, unknown field, wrong type, out of order, too many changes (`invalid_sync_request`, `invalid_body`). Nothing was applied.", body = ErrorBody),
        (status = 401, description = "No valid session (`sign_in_required`): keep the outbox and sign in again.", body = ErrorBody),
        (status = 403, description = "The device id belongs to another user (`device_of_another_user`), or the request came from another site.", body = ErrorBody),
        (status = 409, description = "A gap in `seq`: resend from `expected`. Nothing was applied.", body = SeqGap),
        (status = 413, description = "The body is too large (`payload_too_large`).", body = ErrorBody),
    )
)]
pub(crate) async fn sync_handler(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(request): ApiJson<SyncRequest>,
) -> Result<Response, ApiError> {
    check_shape(&request)?;
    let viewer = Viewer::load(state.store.as_ref(), user).await?;
    let mut tx = state.store.begin_sync().await?;
    match run(tx.as_mut(), &viewer, &request).await? {
        Outcome::Answer(response) => {
            tx.commit().await?;
            Ok(Json(response).into_response())
        }
        Outcome::Gap(expected) => {
            // Nothing of this request is kept: the device resends from `expected`.
            drop(tx);
            Ok((
                StatusCode::CONFLICT,
                Json(SeqGap {
                    code: "seq_gap".into(),
                    expected,
                    message: format!("Thiếu thay đổi số {expected}; ứng dụng sẽ gửi lại từ đó."),
                    message_en: format!(
                        "Change {expected} is missing; the app resends from there."
                    ),
                }),
            )
                .into_response())
        }
    }
}

enum Outcome {
    Answer(SyncResponse),
    Gap(u64),
}

/// Refuses malformed requests as a whole (400) before anything is applied: an unknown kind, an
/// unknown field, a batch out of order or too large.
fn check_shape(request: &SyncRequest) -> Result<(), ApiError> {
    let bad = |detail: String| ApiError::BadRequest {
        code: "invalid_sync_request",
        detail,
    };
    if request.schema != sync::SCHEMA {
        return Err(bad(format!(
            "schema {} is not {}; update the app",
            request.schema,
            sync::SCHEMA
        )));
    }
    if request.push.len() > sync::PUSH_MAX {
        return Err(bad(format!(
            "more than {} changes in one request",
            sync::PUSH_MAX
        )));
    }
    if request
        .limit
        .is_some_and(|l| l == 0 || l > sync::PULL_LIMIT_MAX)
    {
        return Err(bad(format!("limit must be 1 to {}", sync::PULL_LIMIT_MAX)));
    }
    if request
        .cursor
        .as_deref()
        .is_some_and(|c| c.parse::<i64>().is_err())
    {
        return Err(bad("cursor is not one this server gave".into()));
    }
    let mut last = 0;
    for push in &request.push {
        if push.seq <= last {
            return Err(bad(format!("seq {} is not after {last}", push.seq)));
        }
        last = push.seq;
        let m = &push.mutation;
        let op = ModelOp::parse(&m.kind)
            .ok_or_else(|| bad(format!("unknown kind {:?} at seq {}", m.kind, push.seq)))?;
        if op == ModelOp::Update {
            if m.base_version.is_none() {
                return Err(bad(format!(
                    "model.update at seq {} has no base_version",
                    push.seq
                )));
            }
            if let Some(field) = m
                .fields
                .keys()
                .find(|f| sync::model_field_policy(f).is_none())
            {
                return Err(bad(format!(
                    "model.update may not set {field:?} (seq {})",
                    push.seq
                )));
            }
        }
    }
    Ok(())
}

async fn run(
    tx: &mut dyn SyncTx,
    viewer: &Viewer,
    request: &SyncRequest,
) -> Result<Outcome, ApiError> {
    let now = now();
    let device_id = request.device_id.to_string();
    let scope_key = viewer.scope.key();
    let epoch = tx.epoch().await?;
    let mut device = match tx.device(&device_id).await? {
        Some(device) if device.user_id != viewer.user.id => {
            return Err(ApiError::Forbidden(Forbidden::DeviceOfAnotherUser));
        }
        Some(device) => device,
        None => Device {
            id: device_id,
            user_id: viewer.user.id,
            // A device that synced with an earlier epoch (the database was restored or reset)
            // is unknown here but its outbox goes on numbering: start where it stands rather
            // than refusing every change as a gap.
            last_seq: match (&request.epoch, request.push.first()) {
                (Some(old), Some(first)) if *old != epoch => first.seq - 1,
                _ => 0,
            },
            scope_key: scope_key.clone(),
        },
    };

    let actor = Actor::user(&viewer.user);
    let mut results = Vec::with_capacity(request.push.len());
    for push in &request.push {
        if push.seq <= device.last_seq {
            results.push(result(push.seq, PushStatus::Duplicate));
            continue;
        }
        if push.seq != device.last_seq + 1 {
            return Ok(Outcome::Gap(device.last_seq + 1));
        }
        tx.savepoint().await?;
        let actor = actor.on_device(&device.id, push.seq);
        let outcome = apply(tx, viewer, &actor, &push.mutation, now).await?;
        if matches!(outcome.status, PushStatus::Applied | PushStatus::Duplicate) {
            tx.release_savepoint().await?;
        } else {
            tx.rollback_to_savepoint().await?;
        }
        // The outcome is final whatever it is: the device never sends this seq again.
        device.last_seq = push.seq;
        results.push(PushResult {
            seq: push.seq,
            ..outcome
        });
    }

    let reset = request.epoch.as_deref() != Some(epoch.as_str()) && request.cursor.is_some()
        || device.scope_key != scope_key;
    let cursor = if reset {
        0
    } else {
        request
            .cursor
            .as_deref()
            .and_then(|c| c.parse().ok())
            .unwrap_or(0)
    };
    device.scope_key = scope_key;
    tx.save_device(&device, now).await?;
    let units = viewer.units_within(None)?;
    let limit = request.limit.unwrap_or(sync::PULL_LIMIT_DEFAULT);
    let (changes, more) = tx.changes_since(cursor, units.as_deref(), limit).await?;
    let cursor = changes.last().map_or(cursor, |c| c.version);
    Ok(Outcome::Answer(SyncResponse {
        epoch,
        reset,
        results,
        changes,
        cursor: cursor.to_string(),
        more,
    }))
}

fn result(seq: u64, status: PushStatus) -> PushResult {
    PushResult {
        seq,
        status,
        version: None,
        conflict: None,
        error: None,
    }
}

fn rejected(
    code: &str,
    message: &str,
    message_en: &str,
    fields: Option<FieldErrors>,
) -> PushResult {
    PushResult {
        error: Some(PushError {
            code: code.into(),
            message: message.into(),
            message_en: message_en.into(),
            fields,
        }),
        ..result(0, PushStatus::Rejected)
    }
}

fn invalid(errors: FieldErrors) -> PushResult {
    rejected(
        "validation_failed",
        "Một số mục chưa hợp lệ; hãy sửa các mục được đánh dấu rồi lưu lại.",
        "Some fields are not valid; fix the marked ones and save again.",
        Some(errors),
    )
}

fn outside_units() -> PushResult {
    rejected(
        "outside_your_units",
        "Mô hình thuộc đơn vị ngoài phạm vi của bạn nên thay đổi không được ghi nhận.",
        "The model belongs to a unit outside yours, so the change was not recorded.",
        None,
    )
}

fn role_not_allowed() -> PushResult {
    rejected(
        "role_not_allowed",
        "Vai trò của bạn không được thực hiện thay đổi này.",
        "Your role may not make this change.",
        None,
    )
}

fn not_found() -> PushResult {
    rejected(
        "not_found",
        "Không tìm thấy mô hình này trên máy chủ.",
        "This model does not exist on the server.",
        None,
    )
}

fn malformed(detail: String) -> PushResult {
    rejected(
        "invalid_fields",
        &format!("Dữ liệu gửi lên không đúng kiểu: {detail}."),
        &format!("The data sent has a wrong type: {detail}."),
        None,
    )
}

/// A conflict report, naming who made the change this one met and when (read only now:
/// conflicts are rare, and the lookup would slow every change).
async fn conflict(
    tx: &mut dyn SyncTx,
    kind: ConflictKind,
    fields: Vec<sync::FieldConflict>,
    current: &SyncModel,
) -> Result<ConflictInfo, ApiError> {
    let (by, at) = tx.last_change(current.stored.model.id).await?;
    Ok(ConflictInfo {
        kind,
        fields,
        by,
        at,
        server_version: current.stored.version,
    })
}

/// Applies one model mutation; `Err` only for failures of the store itself.
async fn apply(
    tx: &mut dyn SyncTx,
    viewer: &Viewer,
    actor: &Actor,
    mutation: &Mutation,
    now: Timestamp,
) -> Result<PushResult, ApiError> {
    let role = viewer.user.role;
    let Ok(id) = ModelId::from_uuid(mutation.id) else {
        return Ok(malformed("id is not a UUIDv7".into()));
    };
    let op = ModelOp::parse(&mutation.kind).ok_or(ApiError::Internal("kind checked".into()))?;

    if op == ModelOp::Create {
        if !matches!(role, Role::Admin | Role::Board | Role::Registrar) {
            return Ok(role_not_allowed());
        }
        let mut fields = mutation.fields.clone();
        fields.insert("id".into(), Value::String(id.to_string()));
        fields.insert(
            "status".into(),
            Value::String(Status::Draft.as_str().into()),
        );
        fields.remove("review_comment");
        let model: Model = match serde_json::from_value(Value::Object(fields)) {
            Ok(model) => model,
            Err(e) => return Ok(malformed(e.to_string())),
        };
        if !viewer.sees(model.unit_id) {
            return Ok(outside_units());
        }
        if let Err(errors) = model.validate_draft() {
            return Ok(invalid(errors));
        }
        return Ok(match tx.insert_model(&model, actor, now).await? {
            Some(version) => PushResult {
                version: Some(version),
                ..result(0, PushStatus::Applied)
            },
            // The same record created twice (another device, or a replay): one record.
            None => result(0, PushStatus::Duplicate),
        });
    }

    let Some(current) = tx.model(id).await? else {
        return Ok(not_found());
    };
    if !viewer.sees(current.stored.model.unit_id) {
        return Ok(outside_units());
    }
    if current.stored.deleted {
        if op == ModelOp::Delete {
            return Ok(result(0, PushStatus::Duplicate));
        }
        return Ok(PushResult {
            conflict: Some(conflict(tx, ConflictKind::Deleted, Vec::new(), &current).await?),
            ..result(0, PushStatus::Conflict)
        });
    }
    let base = mutation.base_version.unwrap_or(0);

    match op {
        ModelOp::Create => Err(ApiError::Internal("create handled above".into())),
        ModelOp::Delete => {
            let model = &current.stored.model;
            let allowed = matches!(role, Role::Admin | Role::Board)
                || (role == Role::Registrar && model.status == Status::Draft);
            if !allowed {
                return Ok(role_not_allowed());
            }
            let version = tx.delete_model(id, actor, now).await?;
            Ok(PushResult {
                version: Some(version),
                ..result(0, PushStatus::Applied)
            })
        }
        ModelOp::Update => {
            if !current.stored.model.status.editable_by(role) {
                return Ok(role_not_allowed());
            }
            let record = serde_json::to_value(&current.stored.model)
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            let overwritten = match sync::merge_update(
                &record,
                &current.field_versions,
                base,
                &mutation.fields,
            ) {
                Merge::Hard(fields) => {
                    return Ok(PushResult {
                        conflict: Some(conflict(tx, ConflictKind::Hard, fields, &current).await?),
                        ..result(0, PushStatus::Conflict)
                    });
                }
                Merge::Apply { overwritten } => overwritten,
            };
            let mut merged: Map<String, Value> = record.as_object().cloned().unwrap_or_default();
            for (field, value) in &mutation.fields {
                merged.insert(field.clone(), value.clone());
            }
            let model: Model = match serde_json::from_value(Value::Object(merged)) {
                Ok(model) => model,
                Err(e) => return Ok(malformed(e.to_string())),
            };
            if model.unit_id != current.stored.model.unit_id && !viewer.sees(model.unit_id) {
                return Ok(outside_units());
            }
            if let Err(errors) = model.validate_draft() {
                return Ok(invalid(errors));
            }
            // Read who wrote the overwritten values before this change becomes the last one.
            let soft = if overwritten.is_empty() {
                None
            } else {
                Some(conflict(tx, ConflictKind::Soft, overwritten, &current).await?)
            };
            let version = tx.update_model(&model, "model.update", actor, now).await?;
            Ok(PushResult {
                version: Some(version),
                conflict: soft,
                ..result(0, PushStatus::Applied)
            })
        }
        ModelOp::Transition(action) => {
            transition(tx, &current, action, base, mutation, role, actor, now).await
        }
    }
}

/// Moves a model in its lifecycle. A status that changed since the device last saw it is a hard
/// conflict: two people deciding at once must see each other's decision, never overwrite it.
#[allow(clippy::too_many_arguments)]
async fn transition(
    tx: &mut dyn SyncTx,
    current: &SyncModel,
    action: Action,
    base: i64,
    mutation: &Mutation,
    role: Role,
    actor: &Actor,
    now: Timestamp,
) -> Result<PushResult, ApiError> {
    let mut model = current.stored.model.clone();
    let status_changed = current
        .field_versions
        .get("status")
        .is_some_and(|v| *v > base);
    if status_changed {
        let mine = Value::String(action.to().as_str().into());
        let theirs = Value::String(model.status.as_str().into());
        if mine == theirs {
            return Ok(result(0, PushStatus::Duplicate));
        }
        return Ok(PushResult {
            conflict: Some(
                conflict(
                    tx,
                    ConflictKind::Hard,
                    vec![sync::FieldConflict {
                        field: "status".into(),
                        theirs,
                        mine,
                    }],
                    current,
                )
                .await?,
            ),
            ..result(0, PushStatus::Conflict)
        });
    }
    let comment = mutation.fields.get("comment").and_then(Value::as_str);
    let to = match action.apply(model.status, role, comment) {
        Ok(to) => to,
        Err(e) => {
            let code = match e {
                TransitionError::RoleNotAllowed => "role_not_allowed",
                TransitionError::WrongStatus => "wrong_status",
                TransitionError::CommentRequired => "comment_required",
            };
            return Ok(rejected(code, e.message_vi(), e.message_en(), None));
        }
    };
    if action == Action::Submit
        && let Err(errors) = model.validate_for_submit()
    {
        return Ok(invalid(errors));
    }
    model.status = to;
    model.review_comment = match action {
        Action::Return => comment.map(|c| c.trim().to_owned()),
        Action::Submit | Action::Approve => None,
        _ => model.review_comment,
    };
    if let Err(errors) = model.validate_draft() {
        return Ok(invalid(errors));
    }
    let kind = format!("model.{}", action_verb(action));
    let version = tx.update_model(&model, &kind, actor, now).await?;
    Ok(PushResult {
        version: Some(version),
        ..result(0, PushStatus::Applied)
    })
}

fn action_verb(action: Action) -> &'static str {
    match action {
        Action::Submit => "submit",
        Action::Approve => "approve",
        Action::Return => "return",
        Action::Start => "start",
        Action::Evaluate => "evaluate",
        Action::MarkTypical => "mark_typical",
        Action::MarkReplicated => "mark_replicated",
        Action::Discontinue => "discontinue",
        Action::Resume => "resume",
    }
}
