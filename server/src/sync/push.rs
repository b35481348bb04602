//! The push half of `POST /api/sync`: a device's changes decided in order, in one transaction
//! under the write lock, each answer kept so that a change sent again is answered the same
//! way (SYNC.md).

use std::collections::BTreeMap;

use dvk_shared::{
    date::Timestamp,
    sync::{Entity, Push, PushResult, PushStatus, SyncRequest, Verb},
};
use uuid::Uuid;

use super::{
    answer,
    award::{self, Awards},
    campaign::Campaigns,
    library,
    model::Models,
    notice::Notices,
    oversight,
    pull::Cursor,
    record, survey,
    survey::Surveys,
};
use crate::{
    access::Viewer,
    error::{ApiError, Forbidden},
    store::{Actor, Device, PushWrites, Store},
};

/// What a push came to.
pub(crate) enum Pushed {
    /// Every change answered, in seq order.
    Answered(Vec<PushResult>),
    /// A gap: nothing kept; the device resends from this seq.
    Gap(u64),
    /// Made against another database (an earlier epoch, or one restored by hand): nothing is
    /// applied. The pull says `reset`; the device rebuilds, queues again what the server lost
    /// and sends it under the new epoch.
    OtherEpoch,
}

/// Decides and writes the changes of `request` (its `push` is not empty).
pub(crate) async fn push(
    store: &dyn Store,
    viewer: &Viewer,
    request: &SyncRequest,
    now: Timestamp,
) -> Result<Pushed, ApiError> {
    let mut tx = store.begin_push().await?;
    let counter = tx.counter().await?;
    if request
        .epoch
        .as_deref()
        .is_some_and(|epoch| epoch != counter.epoch)
    {
        return Ok(Pushed::OtherEpoch);
    }
    if Cursor::parse(request.cursor.as_deref()).version > counter.version {
        // The device has seen versions this database never handed out: it was put back in
        // time (restored by hand, without `dvk restore`). A new epoch tells every device.
        tx.rotate_epoch().await?;
        tx.commit().await?;
        return Ok(Pushed::OtherEpoch);
    }

    let device_id = request.device_id.to_string();
    let first = request.push.first().map_or(1, |p| p.seq);
    let known = tx.device(&device_id).await?;
    if let Some(device) = &known
        && device.user_id != viewer.user.id
    {
        return Err(ApiError::Forbidden(Forbidden::DeviceOfAnotherUser));
    }
    // A device new to this epoch (unknown, restored with the database, or only seen pulling)
    // numbers on from where it stands.
    let mut last_seq = match &known {
        Some(device) if device.epoch == counter.epoch => device.last_seq,
        _ => first - 1,
    };

    // Changes decided before answer as they did then.
    let mut results = Vec::with_capacity(request.push.len());
    let replayed: BTreeMap<u64, PushResult> = if first <= last_seq {
        tx.results(&device_id, first, last_seq)
            .await?
            .into_iter()
            .map(|r| (r.seq, r))
            .collect()
    } else {
        BTreeMap::new()
    };
    let fresh: Vec<&Push> = request.push.iter().filter(|p| p.seq > last_seq).collect();
    for push in request.push.iter().filter(|p| p.seq <= last_seq) {
        results.push(replayed.get(&push.seq).cloned().unwrap_or(PushResult {
            seq: push.seq,
            ..answer::duplicate()
        }));
    }
    if let Some(next) = fresh.first()
        && next.seq != last_seq + 1
    {
        return Ok(Pushed::Gap(last_seq + 1));
    }

    let mut batch = record::Batch::new(counter.version);
    batch
        .load(
            tx.as_mut(),
            fresh
                .iter()
                .map(|p| (p.mutation.kind.entity(), p.mutation.id.as_uuid())),
        )
        .await?;
    let actor = Actor::user(&viewer.user);
    let mut decided = Vec::with_capacity(fresh.len());
    for push in fresh {
        let actor = actor.on_device(&device_id, push.seq);
        let mutation = &push.mutation;
        let tx = tx.as_mut();
        let unit_before = moved_from(&batch, mutation.kind.entity(), mutation.id.as_uuid());
        let source_before =
            library::source_of(&batch, mutation.kind.entity(), mutation.id.as_uuid());
        let outcome = match mutation.kind.entity() {
            Entity::Model => {
                record::decide::<Models>(tx, &mut batch, viewer, &actor, mutation, now).await?
            }
            Entity::Campaign => {
                record::decide::<Campaigns>(tx, &mut batch, viewer, &actor, mutation, now).await?
            }
            Entity::Survey => {
                record::decide::<Surveys>(tx, &mut batch, viewer, &actor, mutation, now).await?
            }
            Entity::Notice => {
                record::decide::<Notices>(tx, &mut batch, viewer, &actor, mutation, now).await?
            }
            Entity::Award => {
                award::load_candidates(tx, &mut batch, mutation).await?;
                record::decide::<Awards>(tx, &mut batch, viewer, &actor, mutation, now).await?
            }
            Entity::Oversight => {
                record::decide::<oversight::Oversights>(
                    tx, &mut batch, viewer, &actor, mutation, now,
                )
                .await?
            }
            // Units change through their own API; the library is the server's to write.
            Entity::Unit | Entity::Library => answer::role_not_allowed(),
        };
        if outcome.status == PushStatus::Applied
            && mutation.kind.entity() == Entity::Model
            && mutation.kind.verb() == Verb::Update
            && let Some(model) = batch.get(Entity::Model, mutation.id.as_uuid())
            && let Some(unit) = model.unit_id
            && unit_before.is_some_and(|before| before != unit)
        {
            survey::follow_model(tx, &mut batch, mutation.id.as_uuid(), unit, now).await?;
        }
        if outcome.status == PushStatus::Applied {
            let touched = library::touched(
                &batch,
                mutation.kind.entity(),
                mutation.id.as_uuid(),
                source_before,
            );
            library::refresh(tx, &mut batch, &viewer.tree, &touched, now).await?;
        }
        // The outcome is final whatever it is: the same seq is answered the same way again.
        last_seq = push.seq;
        decided.push(PushResult {
            seq: push.seq,
            ..outcome
        });
    }
    let (version, records, audit, exits) = batch.into_parts();
    tx.write(&PushWrites {
        version,
        records,
        audit,
        exits,
        device: Some(Device {
            id: device_id,
            user_id: viewer.user.id,
            last_seq,
            epoch: counter.epoch,
            seen_at: now,
        }),
        results: decided.clone(),
        // Every request starts at the device's first unanswered change: what is before it, the
        // device has learned.
        forget_results_before: first,
    })
    .await?;
    tx.commit().await?;
    results.extend(decided);
    Ok(Pushed::Answered(results))
}

/// The unit a record is seen from before a change (to notice a model moving).
fn moved_from(batch: &record::Batch, entity: Entity, id: Uuid) -> Option<dvk_shared::ids::UnitId> {
    batch.get(entity, id).and_then(|r| r.unit_id)
}
