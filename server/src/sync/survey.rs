//! The field staff's visits through sync (`survey.create|update|submit|reopen`). Field staff
//! survey only the models they are assigned in a campaign, the Board any it sees; the server
//! says who surveyed and computes the total and the rating with the shared code, so the tablet
//! shows what the server stores. A submitted survey is locked until the Board reopens it. A
//! survey is seen from its model's unit, and follows its model when the model moves.

use dvk_shared::{
    ids::UnitId,
    model::Model,
    survey::{Campaign, Rating, Survey, SurveyStatus, total_score},
    sync::{Entity, Kind, Mutation, PushResult},
    user::Role,
};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::{
    answer,
    record::{Ctx, Decision, Rules},
};
use crate::{access::Viewer, store::StoredRecord};

pub(crate) struct Surveys;

/// The campaign and the model a survey is about (from the survey, or from a create's fields).
fn parents(current: Option<&Survey>, mutation: &Mutation) -> Option<(Uuid, Uuid)> {
    match current {
        Some(survey) => Some((survey.campaign_id.as_uuid(), survey.model_id.as_uuid())),
        None => {
            let id = |key: &str| mutation.fields.get(key)?.as_str()?.parse().ok();
            Some((id("campaign_id")?, id("model_id")?))
        }
    }
}

/// Whether the viewer may survey `survey`'s model in its campaign, and the survey as it stands
/// then (its rating computed), or why not.
fn check(ctx: &Ctx, survey: &mut Survey) -> Result<(), Box<PushResult>> {
    let Some(campaign) = ctx.get::<Campaign>(Entity::Campaign, survey.campaign_id.as_uuid()) else {
        return Err(Box::new(answer::not_found(Entity::Campaign)));
    };
    let Some(model) = ctx.get::<Model>(Entity::Model, survey.model_id.as_uuid()) else {
        return Err(Box::new(answer::not_found(Entity::Model)));
    };
    if !ctx.viewer.sees(model.unit_id) {
        return Err(Box::new(answer::outside_units(Entity::Survey)));
    }
    if !ctx.viewer.user.role.reviews()
        && campaign.assignments.get(&survey.model_id) != Some(&ctx.viewer.user.id)
    {
        return Err(Box::new(answer::not_assigned()));
    }
    // The total and the rating are the shared computation's, never the request's.
    survey.rating = total_score(&campaign.criteria, &survey.scores).map(Rating::of_total);
    survey
        .validate(&campaign.criteria)
        .map_err(|errors| Box::new(answer::invalid(errors)))
}

fn may_survey(viewer: &Viewer) -> Result<(), Box<PushResult>> {
    if matches!(viewer.user.role, Role::Surveyor) || viewer.user.role.reviews() {
        Ok(())
    } else {
        Err(Box::new(answer::role_not_allowed()))
    }
}

impl Rules for Surveys {
    type Record = Survey;
    const ENTITY: Entity = Entity::Survey;

    fn needs(
        _viewer: &Viewer,
        current: Option<&Survey>,
        mutation: &Mutation,
    ) -> Vec<(Entity, Uuid)> {
        parents(current, mutation)
            .map(|(campaign, model)| vec![(Entity::Campaign, campaign), (Entity::Model, model)])
            .unwrap_or_default()
    }

    fn create(ctx: &Ctx, id: Uuid, mut fields: Map<String, Value>) -> Decision<Survey> {
        if let Err(refused) = may_survey(ctx.viewer) {
            return Decision::Refuse(*refused);
        }
        fields.insert("id".into(), Value::String(id.to_string()));
        // The server says who surveyed and in which state a survey starts, not the request.
        fields.insert(
            "surveyor_id".into(),
            Value::String(ctx.viewer.user.id.to_string()),
        );
        fields.insert("status".into(), Value::String("draft".into()));
        let mut survey: Survey = match serde_json::from_value(Value::Object(fields)) {
            Ok(survey) => survey,
            Err(e) => return Decision::Refuse(answer::malformed(&e.to_string())),
        };
        match check(ctx, &mut survey) {
            Ok(()) => Decision::Write(survey),
            Err(refused) => Decision::Refuse(*refused),
        }
    }

    fn may_edit(ctx: &Ctx, current: &Survey) -> Result<(), Box<PushResult>> {
        may_survey(ctx.viewer)?;
        if !ctx.viewer.user.role.reviews() && current.surveyor_id != ctx.viewer.user.id {
            return Err(Box::new(answer::role_not_allowed()));
        }
        if current.status == SurveyStatus::Submitted {
            return Err(Box::new(answer::locked()));
        }
        Ok(())
    }

    fn check_edit(ctx: &Ctx, _before: &Survey, after: &mut Survey) -> Decision<()> {
        match check(ctx, after) {
            Ok(()) => Decision::Write(()),
            Err(refused) => Decision::Refuse(*refused),
        }
    }

    fn act(
        ctx: &Ctx,
        kind: Kind,
        _stored: &StoredRecord,
        mut survey: Survey,
        _params: &Map<String, Value>,
    ) -> Decision<Survey> {
        if let Err(refused) = may_survey(ctx.viewer) {
            return Decision::Refuse(*refused);
        }
        let reviews = ctx.viewer.user.role.reviews();
        if !reviews && survey.surveyor_id != ctx.viewer.user.id {
            return Decision::Refuse(answer::role_not_allowed());
        }
        match kind {
            Kind::SurveySubmit if survey.status == SurveyStatus::Submitted => {
                return Decision::Duplicate;
            }
            Kind::SurveySubmit => survey.status = SurveyStatus::Submitted,
            Kind::SurveyReopen if !reviews => return Decision::Refuse(answer::role_not_allowed()),
            Kind::SurveyReopen if survey.status == SurveyStatus::Draft => {
                return Decision::Duplicate;
            }
            Kind::SurveyReopen => survey.status = SurveyStatus::Draft,
            _ => return Decision::Refuse(answer::malformed("not a survey action")),
        }
        match check(ctx, &mut survey) {
            Ok(()) => Decision::Write(survey),
            Err(refused) => Decision::Refuse(*refused),
        }
    }

    fn unit(ctx: &Ctx, survey: &Survey) -> Option<UnitId> {
        ctx.get::<Model>(Entity::Model, survey.model_id.as_uuid())
            .map(|model| model.unit_id)
    }
}

/// A model moved to another unit: its surveys follow it, so they are seen from its new unit
/// and leave the devices of the old one.
pub(crate) async fn follow_model(
    tx: &mut dyn crate::store::PushTx,
    batch: &mut super::record::Batch,
    model: Uuid,
    unit: UnitId,
    at: dvk_shared::date::Timestamp,
) -> Result<(), crate::error::ApiError> {
    let loaded = tx.surveys_of(&[model]).await?;
    let ids: Vec<(Entity, Uuid)> = loaded.iter().map(|s| (Entity::Survey, s.id)).collect();
    batch.load(tx, ids.clone()).await?;
    let actor = crate::store::Actor::system("sync");
    for (_, id) in ids {
        let Some(survey) = batch
            .get(Entity::Survey, id)
            .filter(|s| !s.deleted)
            .cloned()
        else {
            continue;
        };
        if survey.unit_id == Some(unit) {
            continue;
        }
        batch.write(
            Entity::Survey,
            id,
            Some(survey.data),
            Some(unit),
            "survey.follow_model",
            &actor,
            at,
            &[],
        )?;
    }
    Ok(())
}
