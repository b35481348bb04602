//! Urging and supervision through sync (`oversight.create|update|acknowledge|close|reopen`):
//! the Board writes a reminder, or an inspection or supervision note, to a unit it sees; the
//! unit's own people read it and say so (the first of them is recorded, and it leaves their
//! home); the Board closes it when its requests are met, and may reopen it. Nothing is deleted:
//! it stays in the unit's history.

use dvk_shared::{
    ids::UnitId,
    model::Model,
    oversight::{NOTE_MAX, Oversight, OversightStatus, Stamp},
    sync::{Entity, FieldConflict, Kind, Mutation, PushResult},
    user::Role,
    validation::{FieldErrors, Problem},
};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::{
    answer,
    record::{Ctx, Decision, Rules},
};
use crate::{access::Viewer, store::StoredRecord};

pub(crate) struct Oversights;

/// The Board (and administrators) write and follow up; nobody else.
fn may_write(ctx: &Ctx, unit: UnitId) -> Result<(), Box<PushResult>> {
    if !ctx.viewer.user.role.reviews() {
        return Err(Box::new(answer::role_not_allowed()));
    }
    if !ctx.viewer.sees(unit) {
        return Err(Box::new(answer::outside_units(Entity::Oversight)));
    }
    Ok(())
}

/// Its fields valid, and the model it is about one of its unit's.
fn check(ctx: &Ctx, item: &Oversight) -> Result<(), Box<PushResult>> {
    if let Some(model) = item.model_id {
        let Some(model) = ctx.get::<Model>(Entity::Model, model.as_uuid()) else {
            return Err(Box::new(answer::not_found(Entity::Model)));
        };
        if model.unit_id != item.unit_id {
            let mut errors = FieldErrors::default();
            errors.add("model_id", Problem::InvalidChoice);
            return Err(Box::new(answer::invalid(errors)));
        }
    }
    item.validate()
        .map_err(|errors| Box::new(answer::invalid(errors)))
}

/// The Board's note when it closes or reopens an item (optional, bounded).
fn note(params: &Map<String, Value>) -> Result<String, Box<PushResult>> {
    let text = params
        .get("comment")
        .and_then(Value::as_str)
        .map(str::trim)
        .unwrap_or_default();
    if text.chars().count() > NOTE_MAX {
        let mut errors = FieldErrors::default();
        errors.add("comment", Problem::TooLong);
        return Err(Box::new(answer::invalid(errors)));
    }
    Ok(text.to_owned())
}

fn stamp(ctx: &Ctx, note: String) -> Stamp {
    Stamp {
        by: ctx.viewer.user.id,
        name: ctx.viewer.user.display_name.clone(),
        at: ctx.now,
        note,
    }
}

impl Rules for Oversights {
    type Record = Oversight;
    const ENTITY: Entity = Entity::Oversight;

    fn needs(
        _viewer: &Viewer,
        current: Option<&Oversight>,
        mutation: &Mutation,
    ) -> Vec<(Entity, Uuid)> {
        current
            .and_then(|c| c.model_id.map(|m| m.as_uuid()))
            .or_else(|| mutation.fields.get("model_id")?.as_str()?.parse().ok())
            .map(|m| vec![(Entity::Model, m)])
            .unwrap_or_default()
    }

    fn create(ctx: &Ctx, id: Uuid, mut fields: Map<String, Value>) -> Decision<Oversight> {
        fields.insert("id".into(), Value::String(id.to_string()));
        fields.insert("status".into(), Value::String("open".into()));
        fields.insert(
            "written_by".into(),
            Value::String(ctx.viewer.user.id.to_string()),
        );
        let item: Oversight = match serde_json::from_value(Value::Object(fields)) {
            Ok(item) => item,
            Err(e) => return Decision::Refuse(answer::malformed(&e.to_string())),
        };
        match may_write(ctx, item.unit_id).and_then(|()| check(ctx, &item)) {
            Ok(()) => Decision::Write(item),
            Err(refused) => Decision::Refuse(*refused),
        }
    }

    fn may_edit(ctx: &Ctx, current: &Oversight) -> Result<(), Box<PushResult>> {
        may_write(ctx, current.unit_id)
    }

    fn check_edit(ctx: &Ctx, _before: &Oversight, after: &mut Oversight) -> Decision<()> {
        match check(ctx, after) {
            Ok(()) => Decision::Write(()),
            Err(refused) => Decision::Refuse(*refused),
        }
    }

    fn act(
        ctx: &Ctx,
        kind: Kind,
        stored: &StoredRecord,
        mut item: Oversight,
        params: &Map<String, Value>,
    ) -> Decision<Oversight> {
        match kind {
            Kind::OversightAcknowledge => {
                // The unit's own people read it; the Board and leaders only follow it.
                if ctx.viewer.user.unit_id != item.unit_id
                    || ctx.viewer.user.role.reviews()
                    || ctx.viewer.user.role == Role::Leader
                {
                    return Decision::Refuse(answer::rejected(
                        "not_your_unit",
                        "Chỉ cán bộ của đơn vị nhận mới xác nhận đã đọc được.",
                        "Only the people of the unit it was sent to can acknowledge it.",
                        None,
                    ));
                }
                if item.acknowledged.is_some() {
                    return Decision::Duplicate;
                }
                item.acknowledged = Some(stamp(ctx, String::new()));
                Decision::Write(item)
            }
            Kind::OversightClose | Kind::OversightReopen => {
                if let Err(refused) = may_write(ctx, item.unit_id) {
                    return Decision::Refuse(*refused);
                }
                let to = if kind == Kind::OversightClose {
                    OversightStatus::Closed
                } else {
                    OversightStatus::Open
                };
                if item.status == to {
                    return Decision::Duplicate;
                }
                // Two Board members at once: the second sees the first's decision.
                if ctx.changed_since(stored, "status") {
                    let text = |s: OversightStatus| {
                        Value::String(
                            if s == OversightStatus::Open {
                                "open"
                            } else {
                                "closed"
                            }
                            .into(),
                        )
                    };
                    return Decision::Conflict(vec![FieldConflict {
                        field: "status".into(),
                        theirs: text(item.status),
                        mine: text(to),
                    }]);
                }
                let note = match note(params) {
                    Ok(note) => note,
                    Err(refused) => return Decision::Refuse(*refused),
                };
                item.status = to;
                item.closed = (to == OversightStatus::Closed).then(|| stamp(ctx, note));
                Decision::Write(item)
            }
            _ => Decision::Refuse(answer::malformed("not an oversight action")),
        }
    }

    fn unit(_ctx: &Ctx, item: &Oversight) -> Option<UnitId> {
        Some(item.unit_id)
    }

    fn name(item: &Oversight) -> String {
        item.kind.label_vi().to_owned()
    }
}
