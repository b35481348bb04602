//! Commendation through sync (`award.create|update|delete|submit|approve|return|refuse|decide|
//! reopen`). A registrar proposes for the units they see, the Board for any it sees; everything
//! after the proposal is the Board's. Decided and refused proposals are locked until the Board
//! reopens them. The Board cannot record a decision that repeats an earlier award (the shared
//! duplicate guard) without saying why it gives it anyway.

use dvk_shared::{
    award::{Award, AwardAction, AwardDecision, AwardStatus, repeats},
    ids::UnitId,
    model::Model,
    sync::{Entity, FieldConflict, Kind, Mutation, PushResult},
    user::Role,
    validation::{FieldErrors, Problem},
};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::{
    answer,
    record::{Batch, Ctx, Decision, Rules},
};
use crate::{access::Viewer, error::ApiError, store::PushTx, store::StoredRecord};

pub(crate) struct Awards;

/// The longest comment the Board writes when it returns, refuses or reopens a proposal.
const COMMENT_MAX: usize = 1_000;

fn may_propose(viewer: &Viewer) -> Result<(), Box<PushResult>> {
    if viewer.user.role.reviews() || viewer.user.role == Role::Registrar {
        Ok(())
    } else {
        Err(Box::new(answer::role_not_allowed()))
    }
}

/// Whether the viewer may propose `award` as it stands: its unit and its models in sight, its
/// fields valid.
fn check(ctx: &Ctx, award: &Award) -> Result<(), Box<PushResult>> {
    if !ctx.viewer.sees(award.unit_id) {
        return Err(Box::new(answer::outside_units(Entity::Award)));
    }
    for id in &award.model_ids {
        let Some(model) = ctx.get::<Model>(Entity::Model, id.as_uuid()) else {
            return Err(Box::new(answer::not_found(Entity::Model)));
        };
        if !ctx.viewer.sees(model.unit_id) {
            return Err(Box::new(answer::outside_units(Entity::Model)));
        }
    }
    award
        .validate()
        .map_err(|errors| Box::new(answer::invalid(errors)))
}

fn models_named(award: Option<&Award>, mutation: &Mutation) -> Vec<(Entity, Uuid)> {
    let mut ids: Vec<(Entity, Uuid)> = award
        .map(|a| {
            a.model_ids
                .iter()
                .map(|m| (Entity::Model, m.as_uuid()))
                .collect()
        })
        .unwrap_or_default();
    if let Some(named) = mutation.fields.get("model_ids").and_then(Value::as_array) {
        ids.extend(
            named
                .iter()
                .filter_map(|id| id.as_str()?.parse().ok())
                .map(|id| (Entity::Model, id)),
        );
    }
    ids
}

/// The Board's comment, required when it returns, refuses or reopens.
fn comment(params: &Map<String, Value>) -> Result<String, Box<PushResult>> {
    let text = params
        .get("comment")
        .and_then(Value::as_str)
        .map(str::trim)
        .unwrap_or_default();
    if text.is_empty() {
        return Err(Box::new(answer::rejected(
            "comment_required",
            "Hãy ghi lý do để đơn vị đề nghị biết vì sao.",
            "Write the reason so the proposing unit knows why.",
            None,
        )));
    }
    if text.chars().count() > COMMENT_MAX {
        let mut errors = FieldErrors::default();
        errors.add("comment", Problem::TooLong);
        return Err(Box::new(answer::invalid(errors)));
    }
    Ok(text.to_owned())
}

/// The decided awards loaded for this request (see [`load_candidates`]), as shared records.
fn decided_awards(batch: &Batch) -> Vec<Award> {
    batch
        .all(Entity::Award)
        .filter(|r| !r.deleted)
        .filter_map(|r| serde_json::from_value::<Award>(r.data.clone()).ok())
        .filter(|a| a.status == AwardStatus::Decided)
        .collect()
}

/// Records the decision unless it repeats an earlier award without the Board saying why.
fn decide(
    ctx: &Ctx,
    award: &mut Award,
    params: &Map<String, Value>,
) -> Result<(), Box<PushResult>> {
    let decision: AwardDecision = serde_json::from_value(Value::Object(params.clone()))
        .map_err(|e| Box::new(answer::malformed(&e.to_string())))?;
    decision
        .validate()
        .map_err(|errors| Box::new(answer::invalid(errors)))?;
    let earlier = decided_awards(ctx.batch);
    let found = repeats(award, &earlier);
    let override_reason = decision.overrides().map(str::to_owned);
    if !found.is_empty() && override_reason.is_none() {
        let said: Vec<String> = found
            .iter()
            .map(|r| {
                let unit = ctx
                    .viewer
                    .tree
                    .get(r.earlier.unit_id)
                    .map(|u| u.name.as_str())
                    .unwrap_or_default();
                r.describe_vi(unit)
            })
            .collect();
        let mut fields = FieldErrors::default();
        fields.add("override_reason", Problem::Required);
        return Err(Box::new(answer::rejected(
            "repeats_award",
            &format!(
                "Đề nghị này trùng khen thưởng đã có: {} Nếu vẫn quyết định, hãy ghi lý do.",
                said.join(" ")
            ),
            &format!(
                "This repeats {} earlier award(s) of the same kind for the same recipient; give a reason to decide it anyway.",
                found.len()
            ),
            Some(fields),
        )));
    }
    award.decision_number = Some(decision.number.trim().to_owned());
    award.decision_date = Some(decision.date);
    award.signer = Some(decision.signer.trim().to_owned());
    award.level = decision.level.trim().to_owned();
    // The reason is kept only when it overrode something.
    award.override_reason = if found.is_empty() {
        None
    } else {
        override_reason
    };
    Ok(())
}

impl Rules for Awards {
    type Record = Award;
    const ENTITY: Entity = Entity::Award;

    fn needs(
        _viewer: &Viewer,
        current: Option<&Award>,
        mutation: &Mutation,
    ) -> Vec<(Entity, Uuid)> {
        models_named(current, mutation)
    }

    fn create(ctx: &Ctx, id: Uuid, mut fields: Map<String, Value>) -> Decision<Award> {
        if let Err(refused) = may_propose(ctx.viewer) {
            return Decision::Refuse(*refused);
        }
        // Who proposed and where a proposal starts are the server's to say.
        fields.insert("id".into(), Value::String(id.to_string()));
        fields.insert("status".into(), Value::String("draft".into()));
        fields.insert(
            "proposed_by".into(),
            Value::String(ctx.viewer.user.id.to_string()),
        );
        let award: Award = match serde_json::from_value(Value::Object(fields)) {
            Ok(award) => award,
            Err(e) => return Decision::Refuse(answer::malformed(&e.to_string())),
        };
        match check(ctx, &award) {
            Ok(()) => Decision::Write(award),
            Err(refused) => Decision::Refuse(*refused),
        }
    }

    fn may_edit(ctx: &Ctx, current: &Award) -> Result<(), Box<PushResult>> {
        may_propose(ctx.viewer)?;
        if !ctx.viewer.sees(current.unit_id) {
            return Err(Box::new(answer::outside_units(Entity::Award)));
        }
        if current.status.locked() {
            return Err(Box::new(locked()));
        }
        if !ctx.viewer.user.role.reviews() && !current.status.open_to_proposer() {
            return Err(Box::new(answer::rejected(
                "wrong_status",
                "Đề nghị đã gửi Ban Dân vận nên không sửa được; chỉ sửa khi Ban trả lại.",
                "The proposal is with the Board; it can be changed only once the Board returns it.",
                None,
            )));
        }
        Ok(())
    }

    fn check_edit(ctx: &Ctx, _before: &Award, after: &mut Award) -> Decision<()> {
        match check(ctx, after) {
            Ok(()) => Decision::Write(()),
            Err(refused) => Decision::Refuse(*refused),
        }
    }

    fn may_delete(ctx: &Ctx, current: &Award) -> Result<(), Box<PushResult>> {
        may_propose(ctx.viewer)?;
        if !ctx.viewer.sees(current.unit_id) {
            return Err(Box::new(answer::outside_units(Entity::Award)));
        }
        if current.status != AwardStatus::Draft {
            return Err(Box::new(answer::rejected(
                "wrong_status",
                "Chỉ xoá được đề nghị còn là bản nháp.",
                "Only a draft proposal can be deleted.",
                None,
            )));
        }
        if !ctx.viewer.user.role.reviews() && current.proposed_by != Some(ctx.viewer.user.id) {
            return Err(Box::new(answer::role_not_allowed()));
        }
        Ok(())
    }

    /// A move of the proposal. A status decided meanwhile by someone else is a hard conflict,
    /// as for models: two Board members deciding at once see each other's decision.
    fn act(
        ctx: &Ctx,
        kind: Kind,
        stored: &StoredRecord,
        mut award: Award,
        params: &Map<String, Value>,
    ) -> Decision<Award> {
        let Kind::AwardAct(action) = kind else {
            return Decision::Refuse(answer::malformed("not an award action"));
        };
        if !ctx.viewer.sees(award.unit_id) {
            return Decision::Refuse(answer::outside_units(Entity::Award));
        }
        if !action.allowed(ctx.viewer.user.role) {
            return Decision::Refuse(answer::role_not_allowed());
        }
        if award.status == action.to() {
            return Decision::Duplicate;
        }
        if ctx.changed_since(stored, "status") {
            return Decision::Conflict(vec![FieldConflict {
                field: "status".into(),
                theirs: Value::String(award.status.as_str().into()),
                mine: Value::String(action.to().as_str().into()),
            }]);
        }
        let to = match action.apply(award.status, ctx.viewer.user.role) {
            Ok(to) => to,
            Err(e) => {
                return Decision::Refuse(answer::rejected(
                    e.code(),
                    e.message_vi(),
                    e.message_en(),
                    None,
                ));
            }
        };
        match action {
            AwardAction::Submit => {
                if let Err(errors) = award.validate_for_submit() {
                    return Decision::Refuse(answer::invalid(errors));
                }
                award.review_comment = None;
            }
            AwardAction::Approve => award.review_comment = None,
            AwardAction::Return | AwardAction::Refuse | AwardAction::Reopen => {
                match comment(params) {
                    Ok(text) => award.review_comment = Some(text),
                    Err(refused) => return Decision::Refuse(*refused),
                }
                if action == AwardAction::Reopen {
                    award.decision_number = None;
                    award.decision_date = None;
                    award.signer = None;
                    award.override_reason = None;
                }
            }
            AwardAction::Decide => {
                if let Err(refused) = decide(ctx, &mut award, params) {
                    return Decision::Refuse(*refused);
                }
            }
        }
        award.status = to;
        match check(ctx, &award) {
            Ok(()) => Decision::Write(award),
            Err(refused) => Decision::Refuse(*refused),
        }
    }

    fn unit(_ctx: &Ctx, award: &Award) -> Option<UnitId> {
        Some(award.unit_id)
    }

    fn name(award: &Award) -> String {
        award
            .recipient_name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| award.title.clone())
    }
}

fn locked() -> PushResult {
    let e = dvk_shared::award::AwardError::Locked;
    answer::rejected(e.code(), e.message_vi(), e.message_en(), None)
}

/// Before a decision is recorded: loads the decided awards of its kind (of its year, unless
/// the kind is once in a lifetime) so the rules can compare the recipient with theirs.
pub(crate) async fn load_candidates(
    tx: &mut dyn PushTx,
    batch: &mut Batch,
    mutation: &Mutation,
) -> Result<(), ApiError> {
    if mutation.kind != Kind::AwardAct(AwardAction::Decide) {
        return Ok(());
    }
    let Some(award) = batch
        .get(Entity::Award, mutation.id.as_uuid())
        .filter(|r| !r.deleted)
        .and_then(|r| serde_json::from_value::<Award>(r.data.clone()).ok())
    else {
        return Ok(());
    };
    let year = (!award.kind.once_in_lifetime()).then_some(award.year);
    let ids = tx.decided_awards(award.kind, year).await?;
    batch
        .load(tx, ids.into_iter().map(|id| (Entity::Award, id)))
        .await
}
