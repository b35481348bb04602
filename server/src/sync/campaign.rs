//! The Board's survey campaigns through sync (`campaign.create|update`). A Board account plans
//! only for what it sees: a campaign's units and models must all lie within its units, before
//! and after the change (a Board at the top unit sees everything).

use dvk_shared::{
    ids::UnitId,
    model::Model,
    survey::Campaign,
    sync::{Entity, Kind, Mutation},
};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::{
    answer,
    record::{Ctx, Decision, Rules},
};
use crate::{
    access::{Scope, Viewer},
    store::StoredRecord,
};

pub(crate) struct Campaigns;

/// Whether every unit and model of `campaign` lies within what the viewer sees.
fn within(ctx: &Ctx, campaign: &Campaign) -> bool {
    if ctx.viewer.scope == Scope::All {
        return true;
    }
    campaign.unit_ids.iter().all(|u| ctx.viewer.sees(*u))
        && campaign
            .model_ids
            .iter()
            .chain(campaign.assignments.keys())
            .all(|m| {
                ctx.get::<Model>(Entity::Model, m.as_uuid())
                    .is_some_and(|model| ctx.viewer.sees(model.unit_id))
            })
}

fn check(ctx: &Ctx, campaign: &Campaign) -> Decision<()> {
    if !within(ctx, campaign) {
        return Decision::Refuse(answer::outside_units(Entity::Campaign));
    }
    match campaign.validate() {
        Ok(()) => Decision::Write(()),
        Err(errors) => Decision::Refuse(answer::invalid(errors)),
    }
}

/// The models a campaign names, which the check of a Board below the top reads.
fn models_of(campaign: &Campaign) -> impl Iterator<Item = (Entity, Uuid)> + '_ {
    campaign
        .model_ids
        .iter()
        .chain(campaign.assignments.keys())
        .map(|m| (Entity::Model, m.as_uuid()))
}

impl Rules for Campaigns {
    type Record = Campaign;
    const ENTITY: Entity = Entity::Campaign;

    fn needs(
        viewer: &Viewer,
        current: Option<&Campaign>,
        mutation: &Mutation,
    ) -> Vec<(Entity, Uuid)> {
        if viewer.scope == Scope::All {
            return Vec::new();
        }
        let mut needed: Vec<(Entity, Uuid)> =
            current.map(|c| models_of(c).collect()).unwrap_or_default();
        for key in ["model_ids"] {
            if let Some(ids) = mutation.fields.get(key).and_then(Value::as_array) {
                needed.extend(
                    ids.iter()
                        .filter_map(|id| id.as_str()?.parse().ok())
                        .map(|id| (Entity::Model, id)),
                );
            }
        }
        if let Some(assigned) = mutation
            .fields
            .get("assignments")
            .and_then(Value::as_object)
        {
            needed.extend(
                assigned
                    .keys()
                    .filter_map(|id| id.parse().ok())
                    .map(|id| (Entity::Model, id)),
            );
        }
        needed
    }

    fn create(ctx: &Ctx, id: Uuid, mut fields: Map<String, Value>) -> Decision<Campaign> {
        if !ctx.viewer.user.role.reviews() {
            return Decision::Refuse(answer::role_not_allowed());
        }
        fields.insert("id".into(), Value::String(id.to_string()));
        let campaign: Campaign = match serde_json::from_value(Value::Object(fields)) {
            Ok(campaign) => campaign,
            Err(e) => return Decision::Refuse(answer::malformed(&e.to_string())),
        };
        match check(ctx, &campaign) {
            Decision::Write(()) => Decision::Write(campaign),
            Decision::Refuse(result) => Decision::Refuse(result),
            _ => Decision::Refuse(answer::role_not_allowed()),
        }
    }

    fn may_edit(ctx: &Ctx, current: &Campaign) -> Result<(), Box<dvk_shared::sync::PushResult>> {
        if !ctx.viewer.user.role.reviews() {
            return Err(Box::new(answer::role_not_allowed()));
        }
        if !within(ctx, current) {
            return Err(Box::new(answer::outside_units(Entity::Campaign)));
        }
        Ok(())
    }

    fn check_edit(ctx: &Ctx, _before: &Campaign, after: &mut Campaign) -> Decision<()> {
        check(ctx, after)
    }

    fn act(
        _ctx: &Ctx,
        _kind: Kind,
        _stored: &StoredRecord,
        _current: Campaign,
        _params: &Map<String, Value>,
    ) -> Decision<Campaign> {
        Decision::Refuse(answer::malformed("a campaign has no actions"))
    }

    fn unit(_ctx: &Ctx, _campaign: &Campaign) -> Option<UnitId> {
        None
    }

    fn name(campaign: &Campaign) -> String {
        campaign.name.clone()
    }
}
