//! Models through sync: registrars make and edit their unit's models, the Board decides; a
//! model's lifecycle is the shared `Action`s. Status, the Board's comment and the ratings are
//! the server's: they change only through actions.

use dvk_shared::{
    ids::UnitId,
    library::LibraryEntry,
    model::{Action, Model, Status, TransitionError, YEAR_MAX, YEAR_MIN},
    survey::Rating,
    sync::{Entity, FieldConflict, Kind},
    user::Role,
};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::{
    answer,
    record::{Ctx, Decision, Rules},
};
use crate::store::StoredRecord;

pub(crate) struct Models;

impl Rules for Models {
    type Record = Model;
    const ENTITY: Entity = Entity::Model;

    /// A model adopted from a typical one: the source's library entry, which says it may be.
    /// A model published with photos: its own entry, which lists the photos it may show.
    fn needs(
        _viewer: &crate::access::Viewer,
        _current: Option<&Model>,
        mutation: &dvk_shared::sync::Mutation,
    ) -> Vec<(Entity, Uuid)> {
        let mut needed: Vec<(Entity, Uuid)> = mutation
            .fields
            .get("adopted_from")
            .and_then(|v| v.as_str()?.parse().ok())
            .map(|source| vec![(Entity::Library, source)])
            .unwrap_or_default();
        if mutation.fields.contains_key("public_photos") {
            needed.push((Entity::Library, mutation.id.as_uuid()));
        }
        needed
    }

    fn create(ctx: &Ctx, id: Uuid, mut fields: Map<String, Value>) -> Decision<Model> {
        if !matches!(
            ctx.viewer.user.role,
            Role::Admin | Role::Board | Role::Registrar
        ) {
            return Decision::Refuse(answer::role_not_allowed());
        }
        fields.insert("id".into(), Value::String(id.to_string()));
        fields.insert(
            "status".into(),
            Value::String(Status::Draft.as_str().into()),
        );
        let mut model: Model = match serde_json::from_value(Value::Object(fields)) {
            Ok(model) => model,
            Err(e) => return Decision::Refuse(answer::malformed(&e.to_string())),
        };
        if !ctx.viewer.sees(model.unit_id) {
            return Decision::Refuse(answer::outside_units(Entity::Model));
        }
        // A model is adopted only from one the library holds: a typical one.
        if let Some(source) = model.adopted_from
            && ctx
                .get::<LibraryEntry>(Entity::Library, source.as_uuid())
                .is_none()
        {
            return Decision::Refuse(answer::rejected(
                "not_typical",
                "Mô hình gốc không còn là mô hình điển hình nên không áp dụng được; hãy đồng bộ để xem thư viện mới nhất.",
                "The model adopted is no longer a typical one; sync to see the library as it is now.",
                None,
            ));
        }
        if (!model.replicated_outside.is_empty()
            || model.published
            || !model.public_photos.is_empty())
            && !ctx.viewer.user.role.reviews()
        {
            return Decision::Refuse(answer::role_not_allowed());
        }
        model.status_since = Some(ctx.now);
        match model.validate_draft() {
            Ok(()) => Decision::Write(model),
            Err(errors) => Decision::Refuse(answer::invalid(errors)),
        }
    }

    fn may_edit(ctx: &Ctx, current: &Model) -> Result<(), Box<dvk_shared::sync::PushResult>> {
        if !ctx.viewer.sees(current.unit_id) {
            return Err(Box::new(answer::outside_units(Entity::Model)));
        }
        if !current.status.editable_by(ctx.viewer.user.role) {
            return Err(Box::new(answer::role_not_allowed()));
        }
        Ok(())
    }

    fn check_edit(ctx: &Ctx, before: &Model, after: &mut Model) -> Decision<()> {
        // Replication outside the app is the Board's to record, publishing the Board's to decide.
        let boards_own = after.replicated_outside != before.replicated_outside
            || after.published != before.published
            || after.public_photos != before.public_photos;
        if boards_own && !ctx.viewer.user.role.reviews() {
            return Decision::Refuse(answer::role_not_allowed());
        }
        // Only a typical model is published, and only with photos of its own surveys.
        if after.published && !dvk_shared::library::is_recognised(after.status) {
            return Decision::Refuse(answer::rejected(
                "not_typical",
                "Chỉ công bố được mô hình điển hình.",
                "Only a typical model can be published.",
                None,
            ));
        }
        if after.public_photos != before.public_photos {
            let own = ctx
                .get::<LibraryEntry>(Entity::Library, after.id.as_uuid())
                .map(|e| e.photos)
                .unwrap_or_default();
            if after.public_photos.iter().any(|h| !own.contains(h)) {
                let mut errors = dvk_shared::validation::FieldErrors::default();
                errors.add(
                    "public_photos",
                    dvk_shared::validation::Problem::InvalidChoice,
                );
                return Decision::Refuse(answer::invalid(errors));
            }
        }
        if after.unit_id != before.unit_id && !ctx.viewer.sees(after.unit_id) {
            return Decision::Refuse(answer::outside_units(Entity::Model));
        }
        match after.validate_draft() {
            Ok(()) => Decision::Write(()),
            Err(errors) => Decision::Refuse(answer::invalid(errors)),
        }
    }

    fn may_delete(ctx: &Ctx, current: &Model) -> Result<(), Box<dvk_shared::sync::PushResult>> {
        if !ctx.viewer.sees(current.unit_id) {
            return Err(Box::new(answer::outside_units(Entity::Model)));
        }
        let role = ctx.viewer.user.role;
        if role.reviews() || (role == Role::Registrar && current.status == Status::Draft) {
            Ok(())
        } else {
            Err(Box::new(answer::role_not_allowed()))
        }
    }

    /// A move in the lifecycle. A status decided meanwhile by someone else is a hard conflict:
    /// two people deciding at once see each other's decision, never overwrite it; the same
    /// decision taken twice is one.
    fn act(
        ctx: &Ctx,
        kind: Kind,
        stored: &StoredRecord,
        mut model: Model,
        params: &Map<String, Value>,
    ) -> Decision<Model> {
        let Kind::ModelAct(action) = kind else {
            return Decision::Refuse(answer::malformed("not a model action"));
        };
        if !ctx.viewer.sees(model.unit_id) {
            return Decision::Refuse(answer::outside_units(Entity::Model));
        }
        if !action.roles().contains(&ctx.viewer.user.role) {
            return Decision::Refuse(answer::role_not_allowed());
        }
        if model.status == action.to() && action != Action::Evaluate {
            return Decision::Duplicate;
        }
        if ctx.changed_since(stored, "status") {
            return Decision::Conflict(vec![FieldConflict {
                field: "status".into(),
                theirs: Value::String(model.status.as_str().into()),
                mine: Value::String(action.to().as_str().into()),
            }]);
        }
        let comment = params.get("comment").and_then(Value::as_str);
        let to = match action.apply(model.status, ctx.viewer.user.role, comment) {
            Ok(to) => to,
            Err(e) => {
                let code = match e {
                    TransitionError::RoleNotAllowed => "role_not_allowed",
                    TransitionError::WrongStatus => "wrong_status",
                    TransitionError::CommentRequired => "comment_required",
                };
                return Decision::Refuse(answer::rejected(
                    code,
                    e.message_vi(),
                    e.message_en(),
                    None,
                ));
            }
        };
        if action == Action::Submit
            && let Err(errors) = model.validate_for_submit()
        {
            return Decision::Refuse(answer::invalid(errors));
        }
        if action == Action::Evaluate {
            // The Board's confirmed rating of one year: both are required, and only real values.
            let year = params
                .get("year")
                .and_then(Value::as_u64)
                .and_then(|y| u16::try_from(y).ok())
                .filter(|y| (YEAR_MIN..=YEAR_MAX).contains(y));
            let rating = params
                .get("rating")
                .and_then(|r| serde_json::from_value::<Rating>(r.clone()).ok());
            match (year, rating) {
                (Some(year), Some(rating)) => {
                    model.ratings.insert(year, rating);
                }
                _ => {
                    return Decision::Refuse(answer::rejected(
                        "invalid_fields",
                        "Hãy chọn năm (1990–2100) và mức xếp loại khi đánh giá.",
                        "An evaluation needs \"year\" (1990–2100) and \"rating\".",
                        None,
                    ));
                }
            }
        }
        if model.status != to {
            model.status_since = Some(ctx.now);
        }
        model.status = to;
        model.review_comment = match action {
            Action::Return => comment.map(|c| c.trim().to_owned()),
            Action::Submit | Action::Approve => None,
            _ => model.review_comment,
        };
        match model.validate_draft() {
            Ok(()) => Decision::Write(model),
            Err(errors) => Decision::Refuse(answer::invalid(errors)),
        }
    }

    fn unit(_ctx: &Ctx, model: &Model) -> Option<UnitId> {
        Some(model.unit_id)
    }

    fn name(model: &Model) -> String {
        model.name.clone()
    }
}
