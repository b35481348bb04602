//! Notices through sync: the server makes one when a change replaces someone else's values
//! (`record.rs`); only the person it is for may dismiss it (`notice.dismiss`), and then it
//! leaves all their devices.

use dvk_shared::{
    ids::UnitId,
    sync::{Entity, Kind, Notice, PushResult},
};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::{
    answer,
    record::{Ctx, Decision, Rules},
};
use crate::store::StoredRecord;

pub(crate) struct Notices;

impl Rules for Notices {
    type Record = Notice;
    const ENTITY: Entity = Entity::Notice;

    fn create(_ctx: &Ctx, _id: Uuid, _fields: Map<String, Value>) -> Decision<Notice> {
        Decision::Refuse(answer::role_not_allowed())
    }

    fn may_edit(_ctx: &Ctx, _current: &Notice) -> Result<(), Box<PushResult>> {
        Err(Box::new(answer::role_not_allowed()))
    }

    fn check_edit(_ctx: &Ctx, _before: &Notice, _after: &mut Notice) -> Decision<()> {
        Decision::Refuse(answer::role_not_allowed())
    }

    fn act(
        ctx: &Ctx,
        kind: Kind,
        _stored: &StoredRecord,
        notice: Notice,
        _params: &Map<String, Value>,
    ) -> Decision<Notice> {
        // Somebody else's notice is not there for this person at all.
        if kind != Kind::NoticeDismiss || notice.user_id != ctx.viewer.user.id {
            return Decision::Refuse(answer::not_found(Entity::Notice));
        }
        Decision::Write(notice)
    }

    /// Dismissed on another of the person's devices already: one dismissal.
    fn act_on_deleted(kind: Kind) -> bool {
        kind == Kind::NoticeDismiss
    }

    fn deletes(kind: Kind) -> bool {
        kind == Kind::NoticeDismiss
    }

    fn unit(_ctx: &Ctx, _notice: &Notice) -> Option<UnitId> {
        None
    }
}
