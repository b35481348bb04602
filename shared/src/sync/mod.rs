//! The sync contract of SYNC.md: the messages of `POST /api/sync`, the typed vocabulary of
//! kinds and fields (`kind`), how concurrent edits merge (`merge`), what a pending change looks
//! like on the device (`apply_locally`), and the device's side of the protocol (`client`).
//!
//! Nothing here talks to a network or a database; the server's `sync` folder and the app's
//! store drive these types.

pub mod client;
mod kind;
mod merge;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use uuid::Uuid;

pub use kind::{Entity, FieldPolicy, Kind, Verb};
pub use merge::{Base, FieldVersions, FieldWriters, Merge, changed_fields, merge_fields};

use crate::{
    award::AwardAction,
    date::Timestamp,
    ids::{NoticeId, RecordId, UserId},
    model::Action,
    validation::FieldErrors,
};

/// The protocol version. 2 added notices, `kept_through` and answers that repeat themselves;
/// 3 added commendation proposals (`award.*`); 4 reminders and inspection notes
/// (`oversight.*`). The server still answers 1 to 3 (without the records they cannot read).
pub const SCHEMA: u32 = 4;
/// The oldest protocol version the server answers.
pub const SCHEMA_MIN: u32 = 1;
/// Most changes one request may push.
pub const PUSH_MAX: usize = 500;
/// What a device aims to send in one request, in bytes of JSON: a tenth of what the server
/// takes, so a slow link finishes a request and one large change still fits.
pub const PUSH_TARGET_BYTES: usize = 512 * 1024;
/// The largest sync request body the server reads.
pub const SYNC_BODY_MAX: usize = 4 * 1024 * 1024;
/// The largest one change may be, as JSON: every change fits in a request by itself. Bounded
/// fields keep real changes far below it (a model with every text full is about 100 KB).
pub const MUTATION_MAX_BYTES: usize = 1024 * 1024;
pub const PULL_LIMIT_DEFAULT: u32 = 1000;
pub const PULL_LIMIT_MAX: u32 = 5000;

/// `POST /api/sync`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SyncRequest {
    /// Made by the app once per device; bound to the first user who syncs with it.
    pub device_id: Uuid,
    /// The epoch the device's replica was built from; `None` on a fresh device.
    pub epoch: Option<String>,
    pub schema: u32,
    /// The device's pending changes, in `seq` order.
    #[serde(default)]
    pub push: Vec<Push>,
    /// Where the last pull ended; `None` to pull from the start.
    pub cursor: Option<String>,
    #[serde(default)]
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Push {
    /// 1, 2, 3, … per device, with no gaps.
    pub seq: u64,
    pub mutation: Mutation,
}

/// One change as the device made it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Mutation {
    /// `<entity>.<verb>`, e.g. `model.update`.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "model.update"))]
    pub kind: Kind,
    /// The record's id: a UUIDv7.
    pub id: RecordId,
    /// The record's version the change was made against; `None` for a create.
    pub base_version: Option<i64>,
    /// The fields it sets (by the shared types' field names), or an action's parameters.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub fields: Map<String, Value>,
}

/// Why a change cannot be read as one of its kind: the request is refused as a whole (400)
/// before anything is applied, in words a person can pass on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeError {
    pub message_vi: String,
    pub message_en: String,
}

impl Mutation {
    /// Whether the change is one of its kind: the fields it names are ones that kind may set,
    /// and it says what it was made against when it edits.
    pub fn check(&self, seq: u64) -> Result<(), ShapeError> {
        let kind = self.kind.as_str();
        if let Some(field) = self.fields.keys().find(|f| !self.kind.allows(f)) {
            return Err(ShapeError {
                message_vi: format!(
                    "thay đổi số {seq} ({kind}) đặt mục \"{field}\" mà loại thay đổi này không được đặt"
                ),
                message_en: format!("change {seq} ({kind}) may not set {field:?}"),
            });
        }
        if self.kind.needs_base() && self.base_version.is_none() {
            return Err(ShapeError {
                message_vi: format!(
                    "thay đổi số {seq} ({kind}) không cho biết phiên bản nó dựa trên"
                ),
                message_en: format!("change {seq} ({kind}) has no base_version"),
            });
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PushStatus {
    Applied,
    /// Already so on the server (the same record made twice, the same decision taken twice):
    /// nothing changed.
    Duplicate,
    /// Not applied, because someone changed the same thing; waits in the "to resolve" list.
    Conflict,
    /// Not applied: invalid or not allowed; the reason is in `error`.
    Rejected,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushError {
    pub code: String,
    pub message: String,
    pub message_en: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<FieldErrors>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConflictKind {
    /// Descriptive text changed on two devices: this change, the later, was applied; the value
    /// it replaced is in `theirs`, and its writer is told too.
    Soft,
    /// An authoritative field changed meanwhile: this change was not applied; the server holds
    /// `theirs`.
    Hard,
    /// The record was deleted meanwhile: the edit was not applied (never a silent undelete).
    Deleted,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldConflict {
    pub field: String,
    /// The other person's value.
    #[cfg_attr(feature = "openapi", schema(value_type = serde_json::Value))]
    pub theirs: Value,
    /// The value this device (this person) wrote.
    #[cfg_attr(feature = "openapi", schema(value_type = serde_json::Value))]
    pub mine: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConflictInfo {
    pub kind: ConflictKind,
    pub fields: Vec<FieldConflict>,
    /// Who made the change this one met, and when.
    pub by: String,
    pub at: Timestamp,
    /// The record's version on the server now: a change made to settle the conflict is made
    /// against it.
    pub server_version: i64,
}

impl ConflictInfo {
    /// Whether the server holds this device's values now (a soft conflict: this change won).
    pub fn server_holds_mine(&self) -> bool {
        self.kind == ConflictKind::Soft
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResult {
    pub seq: u64,
    pub status: PushStatus,
    /// The record's version after this change, when applied.
    #[serde(default)]
    pub version: Option<i64>,
    /// For `conflict`, and for `applied` with a soft conflict.
    #[serde(default)]
    pub conflict: Option<ConflictInfo>,
    #[serde(default)]
    pub error: Option<PushError>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChangeOp {
    Put,
    Delete,
}

/// A record the device should hold (or drop) after this pull.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Change {
    pub entity: Entity,
    pub id: Uuid,
    pub version: i64,
    pub op: ChangeOp,
    /// The record as the shared type, for `put`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub data: Option<RawJson>,
}

/// A record's JSON as the server sent it, kept as its text: a device stores it as it came, so
/// a first download of thousands of records is never taken apart into values and written back
/// into text; only a screen that shows a record parses it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RawJson(Box<serde_json::value::RawValue>);

impl RawJson {
    pub fn from_value(value: &Value) -> Self {
        // A `Value` always writes as JSON: its keys are text.
        Self(
            serde_json::value::to_raw_value(value)
                .unwrap_or_else(|_| serde_json::value::RawValue::NULL.to_owned()),
        )
    }

    /// The JSON text, as it came.
    pub fn get(&self) -> &str {
        self.0.get()
    }

    pub fn to_value(&self) -> Result<Value, String> {
        serde_json::from_str(self.get()).map_err(|e| e.to_string())
    }
}

/// The same text is the same JSON (the server writes each record one way).
impl PartialEq for RawJson {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncResponse {
    pub epoch: String,
    /// The device must drop its replica (keeping its outbox) and rebuild it from these changes:
    /// the server's epoch changed, or what the user may see did. Repeated until the device's
    /// next request shows it rebuilt (its cursor).
    pub reset: bool,
    pub results: Vec<PushResult>,
    pub changes: Vec<Change>,
    pub cursor: String,
    /// More changes wait: sync again at once.
    pub more: bool,
    /// When this epoch began with a restore: the highest version of the earlier epochs the
    /// database holds. A device that knew an earlier epoch resends its changes applied after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kept_through: Option<i64>,
}

/// The body of a 409 for a gap in `seq`: resend from `expected`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeqGap {
    pub code: String,
    pub expected: u64,
    pub message: String,
    pub message_en: String,
}

/// A person's value that someone else's later edit replaced (SYNC.md, conflicts). It reaches
/// every device of that person, and only theirs, until they dismiss it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notice {
    pub id: NoticeId,
    /// Whose value was replaced.
    pub user_id: UserId,
    pub entity: Entity,
    pub record_id: RecordId,
    /// The record's name when it happened, so the notice reads without the record.
    #[serde(default)]
    pub record_name: String,
    /// `mine`: this person's value that was replaced; `theirs`: the value the server holds now.
    pub fields: Vec<FieldConflict>,
    /// Who replaced it, and when.
    pub by: String,
    pub at: Timestamp,
    /// The record's version once replaced: "write mine again" is made against it.
    pub server_version: i64,
}

/// What a device shows while a change waits in its outbox: the record as it will be once the
/// server applies the change (`None`: gone). The server may still decide otherwise; the
/// answer then replaces this guess.
pub fn apply_locally(record: Option<Value>, mutation: &Mutation) -> Option<Value> {
    let with = |record: Option<Value>, entries: Vec<(&str, Value)>| {
        let mut record = record?;
        if let Some(object) = record.as_object_mut() {
            for (key, value) in entries {
                object.insert(key.into(), value);
            }
        }
        Some(record)
    };
    let status = |record: Option<Value>, status: &str| {
        with(record, vec![("status", Value::String(status.into()))])
    };
    let edited = |record: Option<Value>| {
        with(
            record,
            mutation
                .fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.clone()))
                .collect(),
        )
    };
    let created = |status: Option<&str>| {
        let mut fields = mutation.fields.clone();
        fields.insert("id".into(), Value::String(mutation.id.to_string()));
        if let Some(status) = status {
            fields.insert("status".into(), Value::String(status.into()));
        }
        Some(Value::Object(fields))
    };
    let param = |key: &str| mutation.fields.get(key).cloned().unwrap_or(Value::Null);
    match mutation.kind {
        Kind::ModelCreate | Kind::SurveyCreate | Kind::AwardCreate => created(Some("draft")),
        Kind::CampaignCreate => created(None),
        Kind::OversightCreate => created(Some("open")),
        Kind::ModelUpdate
        | Kind::CampaignUpdate
        | Kind::SurveyUpdate
        | Kind::AwardUpdate
        | Kind::OversightUpdate => edited(record),
        // Who read it and when, the server stamps; until it answers, that it was read.
        Kind::OversightAcknowledge => {
            with(record, vec![("acknowledged", json!({ "pending": true }))])
        }
        Kind::OversightClose => with(
            record,
            vec![
                ("status", Value::String("closed".into())),
                (
                    "closed",
                    json!({ "note": param("comment"), "pending": true }),
                ),
            ],
        ),
        Kind::OversightReopen => with(
            record,
            vec![
                ("status", Value::String("open".into())),
                ("closed", Value::Null),
            ],
        ),
        Kind::ModelDelete | Kind::NoticeDismiss | Kind::AwardDelete => None,
        Kind::AwardAct(action) => {
            let mut entries = vec![("status", Value::String(action.to().as_str().into()))];
            match action {
                AwardAction::Submit | AwardAction::Approve => {
                    entries.push(("review_comment", Value::Null));
                }
                AwardAction::Return | AwardAction::Refuse => {
                    entries.push(("review_comment", param("comment")));
                }
                AwardAction::Decide => entries.extend([
                    ("decision_number", param("number")),
                    ("decision_date", param("date")),
                    ("signer", param("signer")),
                    ("level", param("level")),
                    ("override_reason", param("override_reason")),
                ]),
                AwardAction::Reopen => entries.extend([
                    ("review_comment", param("comment")),
                    ("decision_number", Value::Null),
                    ("decision_date", Value::Null),
                    ("signer", Value::Null),
                    ("override_reason", Value::Null),
                ]),
            }
            with(record, entries)
        }
        Kind::SurveySubmit => status(record, "submitted"),
        Kind::SurveyReopen => status(record, "draft"),
        Kind::ModelAct(action) => {
            let mut entries = vec![("status", Value::String(action.to().as_str().into()))];
            match action {
                Action::Return => entries.push(("review_comment", param("comment"))),
                Action::Submit | Action::Approve => entries.push(("review_comment", Value::Null)),
                _ => {}
            }
            let mut record = with(record, entries)?;
            if action == Action::Evaluate
                && let (Some(year), rating) = (param("year").as_u64(), param("rating"))
                && let Some(object) = record.as_object_mut()
            {
                let ratings = object
                    .entry("ratings")
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Some(ratings) = ratings.as_object_mut() {
                    ratings.insert(year.to_string(), rating);
                }
            }
            Some(record)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    fn id() -> RecordId {
        crate::ids::ModelId::new().record()
    }

    #[test]
    fn pending_changes_show_as_the_server_will_apply_them() {
        let create = Mutation {
            kind: Kind::ModelCreate,
            id: id(),
            base_version: None,
            fields: fields(json!({"name": "A", "unit_id": "u"})),
        };
        let created = apply_locally(None, &create).unwrap();
        assert_eq!(created["status"], "draft");
        let update = Mutation {
            kind: Kind::ModelUpdate,
            base_version: Some(1),
            fields: fields(json!({"name": "B"})),
            ..create.clone()
        };
        let updated = apply_locally(Some(created), &update).unwrap();
        assert_eq!(updated["name"], "B");
        let back = Mutation {
            kind: Kind::ModelAct(Action::Return),
            fields: fields(json!({"comment": "Bổ sung"})),
            ..update.clone()
        };
        let returned = apply_locally(Some(updated), &back).unwrap();
        assert_eq!(returned["status"], "returned");
        assert_eq!(returned["review_comment"], "Bổ sung");
        let evaluate = Mutation {
            kind: Kind::ModelAct(Action::Evaluate),
            fields: fields(json!({"year": 2026, "rating": "good"})),
            ..update.clone()
        };
        let evaluated = apply_locally(Some(returned.clone()), &evaluate).unwrap();
        assert_eq!(evaluated["ratings"]["2026"], "good");
        let delete = Mutation {
            kind: Kind::ModelDelete,
            ..update
        };
        assert_eq!(apply_locally(Some(returned), &delete), None);
    }

    #[test]
    fn a_change_names_only_what_its_kind_may_set() {
        let change = |kind, base, value| Mutation {
            kind,
            id: id(),
            base_version: base,
            fields: fields(value),
        };
        assert!(
            change(Kind::ModelCreate, None, json!({"name": "A"}))
                .check(1)
                .is_ok()
        );
        let owned = change(
            Kind::ModelCreate,
            None,
            json!({"ratings": {"2025": "excellent"}}),
        )
        .check(3)
        .unwrap_err();
        assert!(owned.message_vi.contains("ratings"), "{owned:?}");
        assert!(
            change(Kind::ModelUpdate, None, json!({"name": "A"}))
                .check(1)
                .is_err(),
            "an edit says what it was made against"
        );
        assert!(
            change(Kind::ModelUpdate, Some(4), json!({"status": "typical"}))
                .check(1)
                .is_err()
        );
    }

    #[test]
    fn a_mutation_with_a_foreign_id_or_kind_does_not_read() {
        let v4 = json!({"kind": "model.create", "id": "67e55044-10b1-426f-9247-bb680e5fe0c8", "base_version": null});
        assert!(serde_json::from_value::<Mutation>(v4).is_err());
        let unknown = json!({"kind": "model.fly", "id": id(), "base_version": null});
        assert!(serde_json::from_value::<Mutation>(unknown).is_err());
    }
}
