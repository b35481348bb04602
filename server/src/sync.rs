//! `POST /api/sync` (SYNC.md): applies a device's pushed changes in order, in one transaction
//! (each decided in memory on top of the ones before it, the outcome written once), then
//! answers what the user may see since the cursor.
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
    model::{Action, Model, Status, TransitionError, YEAR_MAX, YEAR_MIN},
    survey::Rating,
    sync::{
        self, ConflictInfo, ConflictKind, Merge, ModelOp, Mutation, PushError, PushResult,
        PushStatus, SeqGap, SyncRequest, SyncResponse,
    },
    user::Role,
    validation::FieldErrors,
};
use serde_json::{Map, Value};
use std::collections::HashMap;

use crate::{
    AppState,
    access::Viewer,
    auth::CurrentUser,
    error::{ApiError, Forbidden},
    extract::ApiJson,
    now,
    store::{Actor, AuditRow, Device, PulledChange, StoredModel, SyncModel, SyncTx, SyncWrites},
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

/// Applies `mutations` as `user` from a new device of the server's own, through the same rules
/// as a tablet's changes (the demo's campaign and surveys are made this way); returns each
/// change's result.
pub async fn apply_as(
    store: &dyn crate::Store,
    user: dvk_shared::user::User,
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
    check_shape(&request)?;
    let viewer = Viewer::load(store, user).await?;
    let mut tx = store.begin_sync().await?;
    match run(tx.as_mut(), &viewer, &request).await? {
        Outcome::Answer(answer) => {
            tx.commit().await?;
            Ok(answer.results)
        }
        Outcome::Gap(expected) => Err(ApiError::Internal(format!(
            "a new device cannot have a gap (expected {expected})"
        ))),
    }
}

enum Outcome {
    Answer(Answer),
    Gap(u64),
}

/// `SyncResponse` as the server writes it: pulled records go out as stored, unparsed.
#[derive(serde::Serialize)]
struct Answer {
    epoch: String,
    reset: bool,
    results: Vec<PushResult>,
    changes: Vec<PulledChange>,
    cursor: String,
    more: bool,
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
        if !sync::kind_is_known(&m.kind) {
            return Err(bad(format!(
                "unknown kind {:?} at seq {}",
                m.kind, push.seq
            )));
        }
        if let Some(policy) = sync::update_policy(&m.kind) {
            if m.base_version.is_none() {
                return Err(bad(format!(
                    "{} at seq {} has no base_version",
                    m.kind, push.seq
                )));
            }
            if let Some(field) = m.fields.keys().find(|f| policy(f).is_none()) {
                return Err(bad(format!(
                    "{} may not set {field:?} (seq {})",
                    m.kind, push.seq
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
    // Lock before reading anything a change depends on (the device's seq, the models), so a
    // concurrent request, from this server process or another, cannot change them meanwhile.
    let counter = if request.push.is_empty() {
        0
    } else {
        tx.lock_versions().await?
    };
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

    let ids: Vec<ModelId> = request
        .push
        .iter()
        .filter(|push| push.seq > device.last_seq)
        .filter_map(|push| ModelId::from_uuid(push.mutation.id).ok())
        .collect();
    let mut batch = Batch::new(counter, tx.models(&ids).await?);
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
        let actor = actor.on_device(&device.id, push.seq);
        let outcome = if ModelOp::parse(&push.mutation.kind).is_some() {
            apply(tx, &mut batch, viewer, &actor, &push.mutation, now).await?
        } else {
            crate::surveys::apply(tx, &mut batch, viewer, &actor, &push.mutation, now).await?
        };
        // The outcome is final whatever it is: the device never sends this seq again.
        device.last_seq = push.seq;
        results.push(PushResult {
            seq: push.seq,
            ..outcome
        });
    }
    tx.write(&batch.into_writes()).await?;

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
    Ok(Outcome::Answer(Answer {
        epoch,
        reset,
        results,
        changes,
        cursor: cursor.to_string(),
        more,
    }))
}

/// A request's changes as decided so far: the models as they stand after them, and what to
/// write. Nothing reaches the database until every change is decided, so a rejected change
/// writes nothing and never undoes the ones before it; the request then commits once.
pub(crate) struct Batch {
    /// The last version handed out.
    version: i64,
    models: HashMap<ModelId, SyncModel>,
    /// Models this request wrote, in the order first written.
    written: Vec<ModelId>,
    /// Who changed a model last within this request, and when.
    last_change: HashMap<ModelId, (String, Timestamp)>,
    pub(crate) audit: Vec<AuditRow>,
}

impl Batch {
    /// The next version, for a record written at once (campaigns, surveys).
    pub(crate) fn next_version(&mut self) -> i64 {
        self.version += 1;
        self.version
    }

    /// Loads a model this request's changes did not name (a survey's model), once.
    pub(crate) async fn ensure_model(
        &mut self,
        tx: &mut dyn SyncTx,
        id: ModelId,
    ) -> Result<Option<&SyncModel>, ApiError> {
        if !self.models.contains_key(&id) {
            for model in tx.models(&[id]).await? {
                self.models.insert(model.stored.model.id, model);
            }
        }
        Ok(self.models.get(&id))
    }

    fn new(version: i64, models: Vec<SyncModel>) -> Self {
        Self {
            version,
            models: models.into_iter().map(|m| (m.stored.model.id, m)).collect(),
            written: Vec::new(),
            last_change: HashMap::new(),
            audit: Vec::new(),
        }
    }

    pub(crate) fn model(&self, id: ModelId) -> Option<&SyncModel> {
        self.models.get(&id)
    }

    /// Who made the last change of a model and when: this request, or the audit log.
    async fn last_change(
        &self,
        tx: &mut dyn SyncTx,
        id: ModelId,
    ) -> Result<(String, Timestamp), ApiError> {
        Ok(match self.last_change.get(&id) {
            Some(last) => last.clone(),
            None => tx.last_change("model", &id.to_string()).await?,
        })
    }

    /// Records a change of `model` (`None`: deleted) and returns its version.
    fn write(
        &mut self,
        id: ModelId,
        after: Option<Model>,
        action: &str,
        actor: &Actor,
        at: Timestamp,
    ) -> Result<i64, ApiError> {
        self.version += 1;
        let version = self.version;
        let json = |value: &Model| serde_json::to_value(value).map_err(internal);
        let current = self.models.get(&id);
        let before = current
            .filter(|c| !c.stored.deleted)
            .map(|c| json(&c.stored.model))
            .transpose()?;
        let after_json = after.as_ref().map(json).transpose()?;
        let mut field_versions = current
            .map(|c| c.field_versions.clone())
            .unwrap_or_default();
        let mut field_writers = current.map(|c| c.field_writers.clone()).unwrap_or_default();
        let changed = match (&before, &after_json) {
            (Some(before), Some(after)) => sync::changed_fields(before, after),
            (None, Some(Value::Object(fields))) => fields.keys().cloned().collect(),
            _ => Vec::new(),
        };
        stamp_fields(
            changed,
            version,
            actor,
            &mut field_versions,
            &mut field_writers,
        );
        let text = |value: &Option<Value>| value.as_ref().map(Value::to_string);
        self.audit.push(AuditRow {
            entity: "model",
            entity_id: id.to_string(),
            action: action.to_owned(),
            actor: actor.clone(),
            at,
            before: text(&before),
            after: text(&after_json),
        });
        let stored = match (after, current) {
            (Some(model), current) => StoredModel {
                model,
                version,
                created_at: current.map_or(at, |c| c.stored.created_at),
                updated_at: at,
                deleted: false,
            },
            (None, Some(current)) => StoredModel {
                version,
                updated_at: at,
                deleted: true,
                ..current.stored.clone()
            },
            (None, None) => return Err(ApiError::Internal(format!("delete of unknown {id}"))),
        };
        if self
            .last_change
            .insert(id, (actor.name.clone(), at))
            .is_none()
        {
            self.written.push(id);
        }
        self.models.insert(
            id,
            SyncModel {
                stored,
                field_versions,
                field_writers,
            },
        );
        Ok(version)
    }

    fn into_writes(mut self) -> SyncWrites {
        SyncWrites {
            version: self.version,
            models: self
                .written
                .iter()
                .filter_map(|id| self.models.remove(id))
                .collect(),
            audit: self.audit,
        }
    }
}

/// What `mutation` was made against (SYNC.md): its base version, and its device's own changes.
pub(crate) fn base_of<'a>(mutation: &Mutation, actor: &'a Actor) -> sync::Base<'a> {
    sync::Base {
        version: mutation.base_version.unwrap_or(0),
        device: actor
            .origin
            .as_ref()
            .map_or("", |(device, _)| device.as_str()),
    }
}

/// Stamps the fields a change wrote with its version and the device it came from (none for a
/// change made on the server: a conflict for every device).
pub(crate) fn stamp_fields(
    changed: Vec<String>,
    version: i64,
    actor: &Actor,
    versions: &mut sync::FieldVersions,
    writers: &mut sync::FieldWriters,
) {
    for field in changed {
        match &actor.origin {
            Some((device, _)) => writers.insert(field.clone(), device.clone()),
            None => writers.remove(&field),
        };
        versions.insert(field, version);
    }
}

pub(crate) fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(e.to_string())
}

pub(crate) fn result(seq: u64, status: PushStatus) -> PushResult {
    PushResult {
        seq,
        status,
        version: None,
        conflict: None,
        error: None,
    }
}

pub(crate) fn rejected(
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

pub(crate) fn invalid(errors: FieldErrors) -> PushResult {
    rejected(
        "validation_failed",
        "Một số mục chưa hợp lệ; hãy sửa các mục được đánh dấu rồi lưu lại.",
        "Some fields are not valid; fix the marked ones and save again.",
        Some(errors),
    )
}

pub(crate) fn outside_units() -> PushResult {
    rejected(
        "outside_your_units",
        "Mô hình thuộc đơn vị ngoài phạm vi của bạn nên thay đổi không được ghi nhận.",
        "The model belongs to a unit outside yours, so the change was not recorded.",
        None,
    )
}

pub(crate) fn role_not_allowed() -> PushResult {
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

pub(crate) fn malformed(detail: String) -> PushResult {
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
    batch: &Batch,
    kind: ConflictKind,
    fields: Vec<sync::FieldConflict>,
    current: &SyncModel,
) -> Result<ConflictInfo, ApiError> {
    let (by, at) = batch.last_change(tx, current.stored.model.id).await?;
    Ok(ConflictInfo {
        kind,
        fields,
        by,
        at,
        server_version: current.stored.version,
    })
}

/// Decides one model mutation against the request's batch; `Err` only for failures of the
/// store itself. A change is written to the batch last, after every check passed.
async fn apply(
    tx: &mut dyn SyncTx,
    batch: &mut Batch,
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
        // The same record created twice (another device, or a replay): one record.
        if batch.model(id).is_some() {
            return Ok(result(0, PushStatus::Duplicate));
        }
        let version = batch.write(id, Some(model), "model.create", actor, now)?;
        return Ok(PushResult {
            version: Some(version),
            ..result(0, PushStatus::Applied)
        });
    }

    let Some(current) = batch.model(id).cloned() else {
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
            conflict: Some(conflict(tx, batch, ConflictKind::Deleted, Vec::new(), &current).await?),
            ..result(0, PushStatus::Conflict)
        });
    }
    let base = base_of(mutation, actor);

    match op {
        ModelOp::Create => Err(ApiError::Internal("create handled above".into())),
        ModelOp::Delete => {
            let model = &current.stored.model;
            let allowed = matches!(role, Role::Admin | Role::Board)
                || (role == Role::Registrar && model.status == Status::Draft);
            if !allowed {
                return Ok(role_not_allowed());
            }
            let version = batch.write(id, None, "model.delete", actor, now)?;
            Ok(PushResult {
                version: Some(version),
                ..result(0, PushStatus::Applied)
            })
        }
        ModelOp::Update => {
            if !current.stored.model.status.editable_by(role) {
                return Ok(role_not_allowed());
            }
            let record = serde_json::to_value(&current.stored.model).map_err(internal)?;
            let overwritten = match sync::merge_update(
                &record,
                &current.field_versions,
                &current.field_writers,
                base,
                &mutation.fields,
            ) {
                Merge::Hard(fields) => {
                    return Ok(PushResult {
                        conflict: Some(
                            conflict(tx, batch, ConflictKind::Hard, fields, &current).await?,
                        ),
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
                Some(conflict(tx, batch, ConflictKind::Soft, overwritten, &current).await?)
            };
            let version = batch.write(id, Some(model), "model.update", actor, now)?;
            Ok(PushResult {
                version: Some(version),
                conflict: soft,
                ..result(0, PushStatus::Applied)
            })
        }
        ModelOp::Transition(action) => {
            transition(
                tx, batch, &current, action, base, mutation, role, actor, now,
            )
            .await
        }
    }
}

/// Moves a model in its lifecycle. A status that changed since the device last saw it is a hard
/// conflict: two people deciding at once must see each other's decision, never overwrite it.
#[allow(clippy::too_many_arguments)]
async fn transition(
    tx: &mut dyn SyncTx,
    batch: &mut Batch,
    current: &SyncModel,
    action: Action,
    base: sync::Base<'_>,
    mutation: &Mutation,
    role: Role,
    actor: &Actor,
    now: Timestamp,
) -> Result<PushResult, ApiError> {
    let mut model = current.stored.model.clone();
    let status_changed =
        base.changed_since(&current.field_versions, &current.field_writers, "status");
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
                    batch,
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
    if action == Action::Evaluate {
        // The Board's confirmed rating of one year: both are required, and only real values.
        let year = mutation
            .fields
            .get("year")
            .and_then(Value::as_u64)
            .and_then(|y| u16::try_from(y).ok())
            .filter(|y| (YEAR_MIN..=YEAR_MAX).contains(y));
        let rating = mutation
            .fields
            .get("rating")
            .and_then(|r| serde_json::from_value::<Rating>(r.clone()).ok());
        match (year, rating) {
            (Some(year), Some(rating)) => {
                model.ratings.insert(year, rating);
            }
            _ => {
                return Ok(malformed(
                    "model.evaluate needs \"year\" (1990–2100) and \"rating\"".into(),
                ));
            }
        }
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
    let version = batch.write(model.id, Some(model), &kind, actor, now)?;
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
