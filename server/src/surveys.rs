//! The yearly survey through sync (issue 6): the Board's campaigns (`campaign.create|update`) and
//! the field staff's visits (`survey.create|update|submit|reopen`). The rules — weights, the
//! total and the rating, what a submitted survey needs — are the shared ones, so the tablet
//! shows the same total the server stores. Campaigns and surveys are few, so each is written as
//! it is decided; its version comes from the request's batch and nothing is written for a change
//! that is not applied.

use dvk_shared::{
    date::Timestamp,
    ids::{CampaignId, ModelId, SurveyId},
    survey::{Campaign, Rating, Survey, SurveyStatus, total_score},
    sync::{
        self, CampaignOp, ConflictInfo, ConflictKind, FieldConflict, Merge, Mutation, PushResult,
        PushStatus, SurveyOp,
    },
    user::Role,
};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Map, Value};

use crate::{
    access::Viewer,
    error::ApiError,
    store::{Actor, AuditRow, SyncRecord, SyncTx},
    sync::{
        Batch, base_of, internal, invalid, malformed, outside_units, rejected, result,
        role_not_allowed, stamp_fields,
    },
};

/// Decides one campaign or survey mutation; `Err` only for failures of the store itself.
pub(crate) async fn apply(
    tx: &mut dyn SyncTx,
    batch: &mut Batch,
    viewer: &Viewer,
    actor: &Actor,
    mutation: &Mutation,
    now: Timestamp,
) -> Result<PushResult, ApiError> {
    if let Some(op) = CampaignOp::parse(&mutation.kind) {
        return campaign(tx, batch, viewer, actor, op, mutation, now).await;
    }
    match SurveyOp::parse(&mutation.kind) {
        Some(op) => survey(tx, batch, viewer, actor, op, mutation, now).await,
        None => Err(ApiError::Internal("kind checked".into())),
    }
}

fn missing(what: &str, what_en: &str) -> PushResult {
    rejected(
        "not_found",
        &format!("Không tìm thấy {what} trên máy chủ."),
        &format!("This {what_en} does not exist on the server."),
        None,
    )
}

fn locked() -> PushResult {
    rejected(
        "locked",
        "Phiếu khảo sát đã nộp nên không sửa được; hãy đề nghị Ban Dân vận mở lại.",
        "The survey was submitted and is locked; ask the Board to reopen it.",
        None,
    )
}

fn not_assigned() -> PushResult {
    rejected(
        "not_assigned",
        "Bạn không được phân công khảo sát mô hình này trong đợt này.",
        "You are not assigned to survey this model in this campaign.",
        None,
    )
}

/// A record's fields and `fields` merged, as the shared type.
fn merged<T: Serialize + DeserializeOwned>(
    record: &T,
    fields: &Map<String, Value>,
) -> Result<Result<T, String>, ApiError> {
    let mut object = match serde_json::to_value(record).map_err(internal)? {
        Value::Object(object) => object,
        _ => return Err(ApiError::Internal("a record is an object".into())),
    };
    for (field, value) in fields {
        object.insert(field.clone(), value.clone());
    }
    Ok(serde_json::from_value(Value::Object(object)).map_err(|e| e.to_string()))
}

/// How `mutation` meets the record as it stands (the shared merge, with `policy`).
fn merge_into<T: Serialize>(
    current: &SyncRecord<T>,
    mutation: &Mutation,
    actor: &Actor,
    policy: fn(&str) -> Option<sync::FieldPolicy>,
) -> Result<Merge, ApiError> {
    let record = serde_json::to_value(&current.record).map_err(internal)?;
    Ok(sync::merge_fields(
        &record,
        &current.field_versions,
        &current.field_writers,
        base_of(mutation, actor),
        &mutation.fields,
        policy,
    ))
}

/// The record as written: the next version, the fields that changed stamped with it and with
/// the device that changed them, and an audit entry.
#[allow(clippy::too_many_arguments)]
fn stamp<T: Serialize + Clone>(
    batch: &mut Batch,
    entity: &'static str,
    id: String,
    before: Option<&SyncRecord<T>>,
    after: T,
    action: &str,
    actor: &Actor,
    at: Timestamp,
) -> Result<SyncRecord<T>, ApiError> {
    let version = batch.next_version();
    let before_json = before
        .map(|b| serde_json::to_value(&b.record))
        .transpose()
        .map_err(internal)?;
    let after_json = serde_json::to_value(&after).map_err(internal)?;
    let changed = match &before_json {
        Some(before) => sync::changed_fields(before, &after_json),
        None => after_json
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default(),
    };
    let mut field_versions = before.map(|b| b.field_versions.clone()).unwrap_or_default();
    let mut field_writers = before.map(|b| b.field_writers.clone()).unwrap_or_default();
    stamp_fields(
        changed,
        version,
        actor,
        &mut field_versions,
        &mut field_writers,
    );
    batch.audit.push(AuditRow {
        entity,
        entity_id: id,
        action: action.to_owned(),
        actor: actor.clone(),
        at,
        before: before_json.map(|v| v.to_string()),
        after: Some(after_json.to_string()),
    });
    Ok(SyncRecord {
        record: after,
        version,
        field_versions,
        field_writers,
        updated_at: at,
    })
}

fn applied(version: i64, conflict: Option<ConflictInfo>) -> PushResult {
    PushResult {
        version: Some(version),
        conflict,
        ..result(0, PushStatus::Applied)
    }
}

/// Who changed a record last, and when, for a conflict report.
async fn conflict<T>(
    tx: &mut dyn SyncTx,
    entity: &str,
    id: &str,
    kind: ConflictKind,
    fields: Vec<FieldConflict>,
    current: &SyncRecord<T>,
) -> Result<ConflictInfo, ApiError> {
    let (by, at) = tx.last_change(entity, id).await?;
    Ok(ConflictInfo {
        kind,
        fields,
        by,
        at,
        server_version: current.version,
    })
}

#[allow(clippy::too_many_arguments)]
async fn campaign(
    tx: &mut dyn SyncTx,
    batch: &mut Batch,
    viewer: &Viewer,
    actor: &Actor,
    op: CampaignOp,
    mutation: &Mutation,
    now: Timestamp,
) -> Result<PushResult, ApiError> {
    if !matches!(viewer.user.role, Role::Board | Role::Admin) {
        return Ok(role_not_allowed());
    }
    let Ok(id) = CampaignId::from_uuid(mutation.id) else {
        return Ok(malformed("id is not a UUIDv7".into()));
    };
    let current = tx.campaign(id).await?;
    let (campaign, action, soft) = match op {
        CampaignOp::Create => {
            if current.is_some() {
                return Ok(result(0, PushStatus::Duplicate));
            }
            let mut fields = mutation.fields.clone();
            fields.insert("id".into(), Value::String(id.to_string()));
            match serde_json::from_value::<Campaign>(Value::Object(fields)) {
                Ok(campaign) => (campaign, "campaign.create", None),
                Err(e) => return Ok(malformed(e.to_string())),
            }
        }
        CampaignOp::Update => {
            let Some(current) = &current else {
                return Ok(missing("đợt khảo sát này", "campaign"));
            };
            let soft = match merge_into(current, mutation, actor, sync::campaign_field_policy)? {
                Merge::Apply { overwritten } if overwritten.is_empty() => None,
                Merge::Apply { overwritten } | Merge::Hard(overwritten) => Some(
                    conflict(
                        tx,
                        "campaign",
                        &id.to_string(),
                        ConflictKind::Soft,
                        overwritten,
                        current,
                    )
                    .await?,
                ),
            };
            match merged(&current.record, &mutation.fields)? {
                Ok(campaign) => (campaign, "campaign.update", soft),
                Err(e) => return Ok(malformed(e)),
            }
        }
    };
    if let Err(errors) = campaign.validate() {
        return Ok(invalid(errors));
    }
    let stamped = stamp(
        batch,
        "campaign",
        id.to_string(),
        current.as_ref(),
        campaign,
        action,
        actor,
        now,
    )?;
    tx.put_campaign(&stamped).await?;
    Ok(applied(stamped.version, soft))
}

#[allow(clippy::too_many_arguments)]
async fn survey(
    tx: &mut dyn SyncTx,
    batch: &mut Batch,
    viewer: &Viewer,
    actor: &Actor,
    op: SurveyOp,
    mutation: &Mutation,
    now: Timestamp,
) -> Result<PushResult, ApiError> {
    let role = viewer.user.role;
    if !matches!(role, Role::Surveyor | Role::Board | Role::Admin) {
        return Ok(role_not_allowed());
    }
    let Ok(id) = SurveyId::from_uuid(mutation.id) else {
        return Ok(malformed("id is not a UUIDv7".into()));
    };
    let current = tx.survey(id).await?;
    let reviews = matches!(role, Role::Board | Role::Admin);

    let (mut survey, action, conflict_info) = match op {
        SurveyOp::Create => {
            if current.is_some() {
                return Ok(result(0, PushStatus::Duplicate));
            }
            let mut fields = mutation.fields.clone();
            fields.insert("id".into(), Value::String(id.to_string()));
            // The server says who surveyed and in which state a survey starts, not the request.
            fields.insert(
                "surveyor_id".into(),
                Value::String(viewer.user.id.to_string()),
            );
            fields.insert("status".into(), Value::String("draft".into()));
            fields.remove("rating");
            match serde_json::from_value::<Survey>(Value::Object(fields)) {
                Ok(survey) => (survey, "survey.create", None),
                Err(e) => return Ok(malformed(e.to_string())),
            }
        }
        SurveyOp::Update | SurveyOp::Submit | SurveyOp::Reopen => {
            let Some(current) = &current else {
                return Ok(missing("phiếu khảo sát này", "survey"));
            };
            if !reviews && current.record.surveyor_id != viewer.user.id {
                return Ok(role_not_allowed());
            }
            let mut survey = current.record.clone();
            match op {
                SurveyOp::Reopen => {
                    if !reviews {
                        return Ok(role_not_allowed());
                    }
                    if survey.status != SurveyStatus::Submitted {
                        return Ok(result(0, PushStatus::Duplicate));
                    }
                    survey.status = SurveyStatus::Draft;
                    (survey, "survey.reopen", None)
                }
                _ if survey.status == SurveyStatus::Submitted => {
                    if op == SurveyOp::Submit {
                        return Ok(result(0, PushStatus::Duplicate));
                    }
                    return Ok(locked());
                }
                SurveyOp::Submit => {
                    survey.status = SurveyStatus::Submitted;
                    (survey, "survey.submit", None)
                }
                _ => {
                    let soft =
                        match merge_into(current, mutation, actor, sync::survey_field_policy)? {
                            Merge::Hard(fields) => {
                                let info = conflict(
                                    tx,
                                    "survey",
                                    &id.to_string(),
                                    ConflictKind::Hard,
                                    fields,
                                    current,
                                )
                                .await?;
                                return Ok(PushResult {
                                    conflict: Some(info),
                                    ..result(0, PushStatus::Conflict)
                                });
                            }
                            Merge::Apply { overwritten } if overwritten.is_empty() => None,
                            Merge::Apply { overwritten } => Some(
                                conflict(
                                    tx,
                                    "survey",
                                    &id.to_string(),
                                    ConflictKind::Soft,
                                    overwritten,
                                    current,
                                )
                                .await?,
                            ),
                        };
                    match merged(&current.record, &mutation.fields)? {
                        Ok(survey) => (survey, "survey.update", soft),
                        Err(e) => return Ok(malformed(e)),
                    }
                }
            }
        }
    };

    let Some(campaign) = tx.campaign(survey.campaign_id).await? else {
        return Ok(missing("đợt khảo sát này", "campaign"));
    };
    let model_id: ModelId = survey.model_id;
    let Some(model) = batch.ensure_model(tx, model_id).await? else {
        return Ok(missing("mô hình này", "model"));
    };
    let unit = model.stored.model.unit_id;
    if model.stored.deleted {
        return Ok(missing("mô hình này", "model"));
    }
    if !viewer.sees(unit) {
        return Ok(outside_units());
    }
    if !reviews && campaign.record.assignments.get(&model_id) != Some(&viewer.user.id) {
        return Ok(not_assigned());
    }
    // The total and the rating are the shared computation's, never the request's.
    survey.rating = total_score(&campaign.record.criteria, &survey.scores).map(Rating::of_total);
    if let Err(errors) = survey.validate(&campaign.record.criteria) {
        return Ok(invalid(errors));
    }
    let stamped = stamp(
        batch,
        "survey",
        id.to_string(),
        current.as_ref(),
        survey,
        action,
        actor,
        now,
    )?;
    tx.put_survey(&stamped, unit).await?;
    Ok(applied(stamped.version, conflict_info))
}
