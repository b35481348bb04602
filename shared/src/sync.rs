//! The sync contract of SYNC.md: the messages of `POST /api/sync` and the pure rules both
//! sides apply — which fields a mutation may name and how concurrent edits merge.
//!
//! Nothing here talks to a network or a database; the server's `sync` module and the app's
//! sync engine drive these types.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::{date::Timestamp, model::Action, validation::FieldErrors};

/// The protocol version; a server refuses requests of another.
pub const SCHEMA: u32 = 1;
/// Most changes one request may push.
pub const PUSH_MAX: usize = 500;
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

/// One change as the device made it: `kind` is `<entity>.<verb>`, e.g. `model.update`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Mutation {
    pub kind: String,
    pub id: Uuid,
    /// The record's version the change was made against; `None` for a create.
    pub base_version: Option<i64>,
    /// The fields it sets, by the shared types' field names.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub fields: Map<String, Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PushStatus {
    Applied,
    /// Already applied earlier (a retry): nothing changed.
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
    /// Descriptive text changed on two devices: the later edit won, the other value is kept here.
    Soft,
    /// A status (or another authoritative field) changed meanwhile: nothing was overwritten.
    Hard,
    /// The record was deleted meanwhile: the edit was not applied (never a silent undelete).
    Deleted,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldConflict {
    pub field: String,
    /// The server's value (someone else's).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub theirs: Value,
    /// The value this device sent.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
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
    pub server_version: i64,
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
    /// `unit` or `model`.
    pub entity: String,
    pub id: Uuid,
    pub version: i64,
    pub op: ChangeOp,
    /// The record as the shared type, for `put`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub data: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncResponse {
    pub epoch: String,
    /// The device must drop its replica (keeping its outbox) and rebuild it from these changes:
    /// the server's epoch changed, or what the user may see did.
    pub reset: bool,
    pub results: Vec<PushResult>,
    pub changes: Vec<Change>,
    pub cursor: String,
    /// More changes wait: sync again at once.
    pub more: bool,
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

/// What a model mutation does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelOp {
    Create,
    Update,
    Delete,
    Transition(Action),
}

impl ModelOp {
    /// Reads `model.<verb>`; `None` for anything else.
    pub fn parse(kind: &str) -> Option<ModelOp> {
        let verb = kind.strip_prefix("model.")?;
        Some(match verb {
            "create" => ModelOp::Create,
            "update" => ModelOp::Update,
            "delete" => ModelOp::Delete,
            "submit" => ModelOp::Transition(Action::Submit),
            "approve" => ModelOp::Transition(Action::Approve),
            "return" => ModelOp::Transition(Action::Return),
            "start" => ModelOp::Transition(Action::Start),
            "evaluate" => ModelOp::Transition(Action::Evaluate),
            "mark_typical" => ModelOp::Transition(Action::MarkTypical),
            "mark_replicated" => ModelOp::Transition(Action::MarkReplicated),
            "discontinue" => ModelOp::Transition(Action::Discontinue),
            "resume" => ModelOp::Transition(Action::Resume),
            _ => return None,
        })
    }
}

/// What a survey mutation does (`survey.<verb>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SurveyOp {
    Create,
    Update,
    /// Locks the survey: later edits are rejected as `locked` until the Board reopens it.
    Submit,
    /// The Board unlocks a submitted survey.
    Reopen,
}

impl SurveyOp {
    pub fn parse(kind: &str) -> Option<SurveyOp> {
        Some(match kind.strip_prefix("survey.")? {
            "create" => SurveyOp::Create,
            "update" => SurveyOp::Update,
            "submit" => SurveyOp::Submit,
            "reopen" => SurveyOp::Reopen,
            _ => return None,
        })
    }
}

/// What a campaign mutation does (`campaign.<verb>`): the Board's yearly survey plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CampaignOp {
    Create,
    Update,
}

impl CampaignOp {
    pub fn parse(kind: &str) -> Option<CampaignOp> {
        Some(match kind.strip_prefix("campaign.")? {
            "create" => CampaignOp::Create,
            "update" => CampaignOp::Update,
            _ => return None,
        })
    }
}

/// Whether the server knows `kind` at all (anything else refuses the request with 400).
pub fn kind_is_known(kind: &str) -> bool {
    ModelOp::parse(kind).is_some()
        || SurveyOp::parse(kind).is_some()
        || CampaignOp::parse(kind).is_some()
}

/// For an update kind, the policy of the fields it may set; `None` for other kinds.
pub fn update_policy(kind: &str) -> Option<fn(&str) -> Option<FieldPolicy>> {
    match kind {
        "model.update" => Some(model_field_policy),
        "survey.update" => Some(survey_field_policy),
        "campaign.update" => Some(campaign_field_policy),
        _ => None,
    }
}

/// The fields `survey.update` may set. Scores are authoritative (SYNC.md): two people scoring
/// one visit differently must see each other, never overwrite.
pub fn survey_field_policy(field: &str) -> Option<FieldPolicy> {
    match field {
        "notes" | "difficulties" | "recommendations" | "visited_at" | "location" | "photos" => {
            Some(FieldPolicy::Soft)
        }
        "scores" => Some(FieldPolicy::Hard),
        _ => None,
    }
}

/// The fields `campaign.update` may set (the Board's own plan).
pub fn campaign_field_policy(field: &str) -> Option<FieldPolicy> {
    match field {
        "name" | "criteria" | "unit_ids" | "model_ids" | "assignments" | "surveyor_names"
        | "deadline" => Some(FieldPolicy::Soft),
        _ => None,
    }
}

/// How concurrent edits of a field are settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldPolicy {
    /// Descriptive: the later edit wins, the losing value is reported back.
    Soft,
    /// Authoritative: a concurrent edit is a hard conflict and nothing is overwritten.
    Hard,
}

/// The fields `model.update` may set, and their policy. Status and the Board's comment change
/// only through transitions (`model.submit`, `model.return`, …).
pub fn model_field_policy(field: &str) -> Option<FieldPolicy> {
    match field {
        "name" | "year" | "start_date" | "objectives" | "content" | "participants" | "results"
        | "effectiveness" | "replication_scope" | "contact" | "location" => Some(FieldPolicy::Soft),
        "field" | "unit_id" => Some(FieldPolicy::Hard),
        _ => None,
    }
}

/// The version at which each field of a record last changed.
pub type FieldVersions = BTreeMap<String, i64>;

/// The device that last changed each field of a record, for fields changed through sync.
pub type FieldWriters = BTreeMap<String, String>;

/// What a mutation was made against: the record as of `version`, plus whatever its own device
/// changed since. A device's later edit was made on top of its earlier ones even before they
/// were answered (a draft created and submitted offline), so those are never its conflicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Base<'a> {
    pub version: i64,
    pub device: &'a str,
}

impl Base<'_> {
    /// Whether someone other than this device changed `field` after the base.
    pub fn changed_since(
        &self,
        versions: &FieldVersions,
        writers: &FieldWriters,
        field: &str,
    ) -> bool {
        versions.get(field).is_some_and(|v| *v > self.version)
            && writers.get(field).map(String::as_str) != Some(self.device)
    }
}

/// How an update meets the server's record.
#[derive(Debug, Clone, PartialEq)]
pub enum Merge {
    /// Apply every field; `overwritten` lists descriptive values someone else wrote meanwhile.
    Apply { overwritten: Vec<FieldConflict> },
    /// Apply nothing: these authoritative fields changed meanwhile.
    Hard(Vec<FieldConflict>),
}

/// Decides how `fields`, written against `base`, merge into `current` (the record as JSON)
/// whose fields last changed at `versions` by `writers`. A field someone else changed after the
/// base is a conflict only if the values differ; different fields always merge.
pub fn merge_update(
    current: &Value,
    versions: &FieldVersions,
    writers: &FieldWriters,
    base: Base<'_>,
    fields: &Map<String, Value>,
) -> Merge {
    merge_fields(current, versions, writers, base, fields, model_field_policy)
}

/// [`merge_update`] for any record, with its fields' `policy`.
pub fn merge_fields(
    current: &Value,
    versions: &FieldVersions,
    writers: &FieldWriters,
    base: Base<'_>,
    fields: &Map<String, Value>,
    policy: fn(&str) -> Option<FieldPolicy>,
) -> Merge {
    let mut overwritten = Vec::new();
    let mut hard = Vec::new();
    for (field, mine) in fields {
        let changed_since = base.changed_since(versions, writers, field);
        let theirs = current.get(field).cloned().unwrap_or(Value::Null);
        if !changed_since || &theirs == mine {
            continue;
        }
        let conflict = FieldConflict {
            field: field.clone(),
            theirs,
            mine: mine.clone(),
        };
        match policy(field) {
            Some(FieldPolicy::Hard) => hard.push(conflict),
            _ => overwritten.push(conflict),
        }
    }
    if hard.is_empty() {
        Merge::Apply { overwritten }
    } else {
        Merge::Hard(hard)
    }
}

/// The top-level fields whose values differ between two versions of a record.
pub fn changed_fields(before: &Value, after: &Value) -> Vec<String> {
    let (Some(before), Some(after)) = (before.as_object(), after.as_object()) else {
        return Vec::new();
    };
    let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
    keys.sort_unstable();
    keys.dedup();
    keys.into_iter()
        .filter(|k| before.get(*k) != after.get(*k))
        .cloned()
        .collect()
}

/// What a device shows while a change waits in its outbox: the record as it will be once the
/// server applies the change (`None`: gone). The server may still decide otherwise; the
/// answer then replaces this guess.
pub fn apply_locally(record: Option<Value>, mutation: &Mutation) -> Option<Value> {
    let status = |record: Option<Value>, status: &str| {
        let mut record = record?;
        if let Some(object) = record.as_object_mut() {
            object.insert("status".into(), Value::String(status.into()));
        }
        Some(record)
    };
    let merged = |record: Option<Value>| {
        let mut record = record?;
        if let Some(object) = record.as_object_mut() {
            for (field, value) in &mutation.fields {
                object.insert(field.clone(), value.clone());
            }
        }
        Some(record)
    };
    let created = |with_status: bool| {
        let mut fields = mutation.fields.clone();
        fields.insert("id".into(), Value::String(mutation.id.to_string()));
        if with_status {
            fields.insert("status".into(), Value::String("draft".into()));
        }
        Some(Value::Object(fields))
    };
    if let Some(op) = SurveyOp::parse(&mutation.kind) {
        return match op {
            SurveyOp::Create => created(true),
            SurveyOp::Update => merged(record),
            SurveyOp::Submit => status(record, "submitted"),
            SurveyOp::Reopen => status(record, "draft"),
        };
    }
    if let Some(op) = CampaignOp::parse(&mutation.kind) {
        return match op {
            CampaignOp::Create => created(false),
            CampaignOp::Update => merged(record),
        };
    }
    let op = ModelOp::parse(&mutation.kind)?;
    match op {
        ModelOp::Create => {
            let mut fields = mutation.fields.clone();
            fields.insert("id".into(), Value::String(mutation.id.to_string()));
            fields.insert("status".into(), Value::String("draft".into()));
            Some(Value::Object(fields))
        }
        ModelOp::Delete => None,
        ModelOp::Update => {
            let mut record = record?;
            if let Some(object) = record.as_object_mut() {
                for (field, value) in &mutation.fields {
                    object.insert(field.clone(), value.clone());
                }
            }
            Some(record)
        }
        ModelOp::Transition(action) => {
            let mut record = record?;
            if let Some(object) = record.as_object_mut() {
                object.insert("status".into(), Value::String(action.to().as_str().into()));
                match action {
                    Action::Return => {
                        let comment = mutation
                            .fields
                            .get("comment")
                            .cloned()
                            .unwrap_or(Value::Null);
                        object.insert("review_comment".into(), comment);
                    }
                    Action::Submit | Action::Approve => {
                        object.insert("review_comment".into(), Value::Null);
                    }
                    Action::Evaluate => {
                        if let (Some(year), Some(rating)) =
                            (mutation.fields.get("year"), mutation.fields.get("rating"))
                        {
                            let ratings = object
                                .entry("ratings")
                                .or_insert_with(|| Value::Object(Map::new()));
                            if let (Some(ratings), Some(year)) =
                                (ratings.as_object_mut(), year.as_u64())
                            {
                                ratings.insert(year.to_string(), rating.clone());
                            }
                        }
                    }
                    _ => {}
                }
            }
            Some(record)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pending_changes_show_as_the_server_will_apply_them() {
        let id = Uuid::nil();
        let create = Mutation {
            kind: "model.create".into(),
            id,
            base_version: None,
            fields: fields(json!({"name": "A", "unit_id": "u"})),
        };
        let created = apply_locally(None, &create).unwrap();
        assert_eq!(created["status"], "draft");
        let update = Mutation {
            kind: "model.update".into(),
            base_version: Some(1),
            fields: fields(json!({"name": "B"})),
            ..create.clone()
        };
        let updated = apply_locally(Some(created), &update).unwrap();
        assert_eq!(updated["name"], "B");
        let back = Mutation {
            kind: "model.return".into(),
            fields: fields(json!({"comment": "Bổ sung"})),
            ..update.clone()
        };
        let returned = apply_locally(Some(updated), &back).unwrap();
        assert_eq!(returned["status"], "returned");
        assert_eq!(returned["review_comment"], "Bổ sung");
        let delete = Mutation {
            kind: "model.delete".into(),
            ..update
        };
        assert_eq!(apply_locally(Some(returned), &delete), None);
    }

    fn fields(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn kinds_parse_to_operations() {
        assert_eq!(ModelOp::parse("model.create"), Some(ModelOp::Create));
        assert_eq!(
            ModelOp::parse("model.return"),
            Some(ModelOp::Transition(Action::Return))
        );
        assert_eq!(ModelOp::parse("model.fly"), None);
        assert_eq!(ModelOp::parse("survey.create"), None);
    }

    const BASE: Base<'static> = Base {
        version: 7,
        device: "tablet",
    };

    fn none() -> FieldWriters {
        FieldWriters::new()
    }

    #[test]
    fn a_devices_own_later_changes_are_never_its_conflicts() {
        let current = json!({"content": "my first edit", "unit_id": "a"});
        let versions = FieldVersions::from([("content".into(), 9), ("unit_id".into(), 9)]);
        let mine = FieldWriters::from([
            ("content".into(), "tablet".into()),
            ("unit_id".into(), "tablet".into()),
        ]);
        let edit = fields(json!({"content": "my second edit", "unit_id": "b"}));
        let merge = merge_update(&current, &versions, &mine, BASE, &edit);
        assert_eq!(
            merge,
            Merge::Apply {
                overwritten: vec![]
            }
        );
        // The same fields last written by another device conflict as usual.
        let theirs = FieldWriters::from([("content".into(), "phone".into())]);
        let merge = merge_update(&current, &versions, &theirs, BASE, &edit);
        assert!(matches!(merge, Merge::Hard(c) if c.len() == 1 && c[0].field == "unit_id"));
    }

    #[test]
    fn edits_of_different_fields_merge_without_conflict() {
        let current = json!({"name": "A", "content": "theirs"});
        let versions = FieldVersions::from([("name".into(), 5), ("content".into(), 9)]);
        let merge = merge_update(
            &current,
            &versions,
            &none(),
            BASE,
            &fields(json!({"name": "B"})),
        );
        assert_eq!(
            merge,
            Merge::Apply {
                overwritten: vec![]
            }
        );
    }

    #[test]
    fn the_same_descriptive_field_is_won_by_the_later_edit_and_the_loser_is_kept() {
        let current = json!({"content": "theirs"});
        let versions = FieldVersions::from([("content".into(), 9)]);
        let merge = merge_update(
            &current,
            &versions,
            &none(),
            BASE,
            &fields(json!({"content": "mine"})),
        );
        assert_eq!(
            merge,
            Merge::Apply {
                overwritten: vec![FieldConflict {
                    field: "content".into(),
                    theirs: json!("theirs"),
                    mine: json!("mine")
                }]
            }
        );
        // The same value written twice is no conflict at all.
        let same = merge_update(
            &current,
            &versions,
            &none(),
            BASE,
            &fields(json!({"content": "theirs"})),
        );
        assert_eq!(
            same,
            Merge::Apply {
                overwritten: vec![]
            }
        );
    }

    #[test]
    fn an_authoritative_field_changed_meanwhile_is_a_hard_conflict() {
        let current = json!({"unit_id": "a", "name": "x"});
        let versions = FieldVersions::from([("unit_id".into(), 9), ("name".into(), 9)]);
        let merge = merge_update(
            &current,
            &versions,
            &none(),
            BASE,
            &fields(json!({"unit_id": "b", "name": "y"})),
        );
        assert!(matches!(merge, Merge::Hard(c) if c.len() == 1 && c[0].field == "unit_id"));
    }

    #[test]
    fn status_and_comment_are_not_updatable_fields() {
        assert_eq!(model_field_policy("status"), None);
        assert_eq!(model_field_policy("review_comment"), None);
        assert_eq!(model_field_policy("id"), None);
        assert_eq!(model_field_policy("content"), Some(FieldPolicy::Soft));
    }

    #[test]
    fn changed_fields_compares_top_level_values() {
        let before = json!({"a": 1, "b": {"x": 1}, "c": 3});
        let after = json!({"a": 1, "b": {"x": 2}, "d": 4});
        assert_eq!(changed_fields(&before, &after), ["b", "c", "d"]);
    }
}
