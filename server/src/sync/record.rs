//! The one path every synced change takes, whatever its kind: find the record, check the edit
//! against it (merge, conflict), let the kind's rules decide, stamp the fields it changed,
//! audit it, tell the person whose value it replaced, and keep it for the push to write. A new
//! kind of record brings its [`Rules`] and nothing else.

use std::collections::HashMap;

use dvk_shared::{
    api::Overwritten,
    date::Timestamp,
    ids::{NoticeId, UnitId, UserId},
    sync::{
        self, Base, ConflictInfo, ConflictKind, Entity, FieldConflict, Kind, Merge, Mutation,
        Notice, PushResult, Verb,
    },
};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::answer;
use crate::{
    access::Viewer,
    error::ApiError,
    store::{Actor, AuditRow, PushTx, RecordWrite, ScopeExit, StoredRecord},
};

/// What a kind's rules decided about one change.
pub(crate) enum Decision<T> {
    /// Write the record as this.
    Write(T),
    /// It is so already: nothing to write.
    Duplicate,
    /// Authoritative fields someone else changed meanwhile: nothing is written.
    Conflict(Vec<FieldConflict>),
    /// Not allowed or not valid.
    Refuse(PushResult),
}

/// What a kind's rules see of the request: who asks, and the records loaded so far.
pub(crate) struct Ctx<'a> {
    pub viewer: &'a Viewer,
    /// When the change is decided, as the server's clock says.
    pub now: Timestamp,
    pub batch: &'a Batch,
    /// What the change was made against.
    pub base: Base<'a>,
}

impl Ctx<'_> {
    /// A record loaded for this request, as its shared type (`None` if it does not exist, is
    /// deleted, or does not read).
    pub fn get<T: DeserializeOwned>(&self, entity: Entity, id: Uuid) -> Option<T> {
        self.batch
            .get(entity, id)
            .filter(|r| !r.deleted)
            .and_then(|r| serde_json::from_value(r.data.clone()).ok())
    }

    /// Whether someone other than this device changed `field` of `current` since the base.
    pub fn changed_since(&self, current: &StoredRecord, field: &str) -> bool {
        self.base
            .changed_since(&current.field_versions, &current.field_writers, field)
    }
}

/// One kind of record's rules. They never touch the database: what they need is loaded first
/// ([`Rules::needs`]).
pub(crate) trait Rules {
    type Record: Serialize + DeserializeOwned;
    const ENTITY: Entity;

    /// Other records the rules read to decide `mutation` about `current`.
    fn needs(
        _viewer: &Viewer,
        _current: Option<&Self::Record>,
        _mutation: &Mutation,
    ) -> Vec<(Entity, Uuid)> {
        Vec::new()
    }

    /// The record a create makes from its fields (the server's own fields set here), or why
    /// not.
    fn create(ctx: &Ctx, id: Uuid, fields: Map<String, Value>) -> Decision<Self::Record>;

    /// Whether the viewer may change this record's fields now.
    fn may_edit(ctx: &Ctx, current: &Self::Record) -> Result<(), Box<PushResult>>;

    /// Checks a record as an edit leaves it.
    fn check_edit(ctx: &Ctx, before: &Self::Record, after: &mut Self::Record) -> Decision<()>;

    /// Whether the viewer may delete this record.
    fn may_delete(_ctx: &Ctx, _current: &Self::Record) -> Result<(), Box<PushResult>> {
        Err(Box::new(answer::role_not_allowed()))
    }

    /// An action on the record (`Verb::Act`).
    fn act(
        ctx: &Ctx,
        kind: Kind,
        stored: &StoredRecord,
        current: Self::Record,
        params: &Map<String, Value>,
    ) -> Decision<Self::Record>;

    /// An action on a record deleted meanwhile: a conflict, never a silent undelete.
    fn act_on_deleted(_kind: Kind) -> bool {
        false
    }

    /// Whether an action deletes the record (a notice dismissed).
    fn deletes(_kind: Kind) -> bool {
        false
    }

    /// The unit whose people see the record (`None`: everyone, or one person).
    fn unit(ctx: &Ctx, record: &Self::Record) -> Option<UnitId>;

    /// The record's name, for a notice about it.
    fn name(_record: &Self::Record) -> String {
        String::new()
    }
}

/// A request's changes as decided so far: the records they touched as they stand after them,
/// and what to write. Nothing reaches the database until every change is decided, so a
/// rejected change writes nothing and never undoes the ones before it; the push then commits
/// once.
pub(crate) struct Batch {
    /// The last version handed out.
    pub version: i64,
    records: HashMap<(Entity, Uuid), Option<StoredRecord>>,
    /// The unit each written record is seen from, in the order first written.
    written: Vec<(Entity, Uuid)>,
    units: HashMap<(Entity, Uuid), Option<UnitId>>,
    pub audit: Vec<AuditRow>,
    pub exits: Vec<ScopeExit>,
    /// Whose each device is, as looked up for notices and conflicts.
    owners: HashMap<String, Option<(UserId, String)>>,
}

impl Batch {
    pub fn new(version: i64) -> Self {
        Self {
            version,
            records: HashMap::new(),
            written: Vec::new(),
            units: HashMap::new(),
            audit: Vec::new(),
            exits: Vec::new(),
            owners: HashMap::new(),
        }
    }

    pub fn get(&self, entity: Entity, id: Uuid) -> Option<&StoredRecord> {
        self.records.get(&(entity, id)).and_then(Option::as_ref)
    }

    /// Every record of `entity` loaded or written so far.
    pub fn all(&self, entity: Entity) -> impl Iterator<Item = &StoredRecord> {
        self.records
            .iter()
            .filter(move |((e, _), _)| *e == entity)
            .filter_map(|(_, record)| record.as_ref())
    }

    /// Loads the records not loaded yet, one query per kind.
    pub async fn load(
        &mut self,
        tx: &mut dyn PushTx,
        wanted: impl IntoIterator<Item = (Entity, Uuid)>,
    ) -> Result<(), ApiError> {
        let mut by_entity: HashMap<Entity, Vec<Uuid>> = HashMap::new();
        for key in wanted {
            if !self.records.contains_key(&key) {
                by_entity.entry(key.0).or_default().push(key.1);
            }
        }
        for (entity, mut ids) in by_entity {
            ids.sort_unstable();
            ids.dedup();
            for id in &ids {
                self.records.insert((entity, *id), None);
            }
            for record in tx.records(entity, &ids).await? {
                self.records.insert((entity, record.id), Some(record));
            }
        }
        Ok(())
    }

    /// Whose each device is (for notices: the person whose value was replaced).
    async fn owners(&mut self, tx: &mut dyn PushTx, devices: &[String]) -> Result<(), ApiError> {
        let missing: Vec<String> = devices
            .iter()
            .filter(|d| !d.is_empty() && !self.owners.contains_key(*d))
            .cloned()
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        for device in &missing {
            self.owners.insert(device.clone(), None);
        }
        for (device, user, name) in tx.device_owners(&missing).await? {
            self.owners.insert(device, Some((user, name)));
        }
        Ok(())
    }

    fn owner(&self, device: &str) -> Option<&(UserId, String)> {
        self.owners.get(device).and_then(Option::as_ref)
    }

    /// The next version.
    pub fn next_version(&mut self) -> i64 {
        self.version += 1;
        self.version
    }

    /// Records a change of a record (`after: None`: deleted) and returns its version: the
    /// fields it changed stamped with the version and the device, an audit entry, and — when
    /// the record left a unit — that unit's devices told to drop it.
    #[allow(clippy::too_many_arguments)]
    pub fn write(
        &mut self,
        entity: Entity,
        id: Uuid,
        after: Option<Value>,
        unit: Option<UnitId>,
        action: &str,
        actor: &Actor,
        at: Timestamp,
        overwritten: &[Overwritten],
    ) -> Result<i64, ApiError> {
        let version = self.next_version();
        let current = self.get(entity, id).cloned();
        let live = current.as_ref().filter(|c| !c.deleted);
        let before = live.map(|c| c.data.clone());
        let mut field_versions = current
            .as_ref()
            .map(|c| c.field_versions.clone())
            .unwrap_or_default();
        let mut field_writers = current
            .as_ref()
            .map(|c| c.field_writers.clone())
            .unwrap_or_default();
        let changed = match (&before, &after) {
            (Some(before), Some(after)) => sync::changed_fields(before, after),
            (None, Some(Value::Object(fields))) => fields.keys().cloned().collect(),
            _ => Vec::new(),
        };
        for field in changed {
            match &actor.origin {
                Some((device, _)) => field_writers.insert(field.clone(), device.clone()),
                // Changed on the server itself: a conflict for every device.
                None => field_writers.remove(&field),
            };
            field_versions.insert(field, version);
        }
        let overwritten = (!overwritten.is_empty())
            .then(|| serde_json::to_string(overwritten))
            .transpose()
            .map_err(internal)?;
        self.audit.push(AuditRow {
            entity: entity.as_str(),
            entity_id: id.to_string(),
            action: action.to_owned(),
            actor: actor.clone(),
            at,
            before: before.as_ref().map(Value::to_string),
            after: after.as_ref().map(Value::to_string),
            overwritten,
        });
        let previous_unit = match self.units.get(&(entity, id)) {
            Some(unit) => *unit,
            None => current.as_ref().and_then(|c| c.unit_id),
        };
        if let (Some(from), Some(to)) = (previous_unit, unit)
            && from != to
        {
            self.exits.push(ScopeExit {
                version,
                entity,
                record_id: id,
                unit_id: from,
            });
        }
        let (data, deleted) = match after {
            Some(data) => (data, false),
            None => match &current {
                Some(current) => (current.data.clone(), true),
                None => return Err(internal(format!("delete of unknown {id}"))),
            },
        };
        let record = StoredRecord {
            entity,
            id,
            data,
            version,
            field_versions,
            field_writers,
            created_at: current.as_ref().map_or(at, |c| c.created_at),
            updated_at: at,
            deleted,
            unit_id: unit,
        };
        self.written.push((entity, id));
        self.records.insert((entity, id), Some(record));
        self.units.insert((entity, id), unit);
        Ok(version)
    }

    /// The records to write, with the unit each is seen from.
    pub fn into_parts(self) -> (i64, Vec<RecordWrite>, Vec<AuditRow>, Vec<ScopeExit>) {
        let mut seen = std::collections::HashSet::new();
        let mut records = Vec::new();
        for key in &self.written {
            if !seen.insert(*key) {
                continue;
            }
            if let Some(Some(record)) = self.records.get(key) {
                records.push(RecordWrite {
                    record: record.clone(),
                    unit_id: self.units.get(key).copied().flatten(),
                });
            }
        }
        (self.version, records, self.audit, self.exits)
    }

    /// Who made the last change of a record and when, for a conflict report: the writer of
    /// the first conflicting field if this request or a device knows them, else the audit log.
    async fn last_change(
        &mut self,
        tx: &mut dyn PushTx,
        current: &StoredRecord,
        field: Option<&str>,
    ) -> Result<(String, Timestamp), ApiError> {
        if let Some(device) = field.and_then(|f| current.field_writers.get(f)).cloned() {
            self.owners(tx, std::slice::from_ref(&device)).await?;
            if let Some((_, name)) = self.owner(&device) {
                return Ok((name.clone(), current.updated_at));
            }
        }
        if let Some(entry) =
            self.audit.iter().rev().find(|a| {
                a.entity == current.entity.as_str() && a.entity_id == current.id.to_string()
            })
        {
            return Ok((entry.actor.name.clone(), entry.at));
        }
        Ok(tx
            .last_change(current.entity, &current.id.to_string())
            .await?)
    }
}

pub(crate) fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(e.to_string())
}

/// A conflict report about `current`.
async fn conflict_info(
    tx: &mut dyn PushTx,
    batch: &mut Batch,
    kind: ConflictKind,
    fields: Vec<FieldConflict>,
    current: &StoredRecord,
) -> Result<ConflictInfo, ApiError> {
    let first = fields.first().map(|f| f.field.clone());
    let (by, at) = batch.last_change(tx, current, first.as_deref()).await?;
    Ok(ConflictInfo {
        kind,
        fields,
        by,
        at,
        server_version: current.version,
    })
}

/// Decides one change of a record of kind `R` against the batch and keeps its outcome there;
/// `Err` only for failures of the store itself.
pub(crate) async fn decide<R: Rules>(
    tx: &mut dyn PushTx,
    batch: &mut Batch,
    viewer: &Viewer,
    actor: &Actor,
    mutation: &Mutation,
    now: Timestamp,
) -> Result<PushResult, ApiError> {
    let entity = R::ENTITY;
    let id = mutation.id.as_uuid();
    let base = Base {
        version: mutation.base_version.unwrap_or(0),
        device: actor.device(),
    };
    let stored = batch.get(entity, id).cloned();
    let typed = stored
        .as_ref()
        .filter(|s| !s.deleted)
        .map(|s| serde_json::from_value::<R::Record>(s.data.clone()))
        .transpose()
        .map_err(internal)?;
    let needs = R::needs(viewer, typed.as_ref(), mutation);
    if !needs.is_empty() {
        batch.load(tx, needs).await?;
    }
    let action = mutation.kind.as_str();

    if mutation.kind.verb() == Verb::Create {
        if stored.is_some() {
            // The same record made twice (another device, or a replay): one record.
            return Ok(answer::duplicate());
        }
        let ctx = Ctx {
            viewer,
            now,
            batch,
            base,
        };
        let record = match R::create(&ctx, id, mutation.fields.clone()) {
            Decision::Write(record) => record,
            Decision::Duplicate => return Ok(answer::duplicate()),
            Decision::Refuse(result) => return Ok(result),
            Decision::Conflict(_) => return Err(internal("a create has nothing to conflict with")),
        };
        let unit = R::unit(&ctx, &record);
        let data = serde_json::to_value(&record).map_err(internal)?;
        let version = batch.write(entity, id, Some(data), unit, action, actor, now, &[])?;
        return Ok(answer::applied(version, None));
    }

    let Some(stored) = stored else {
        return Ok(answer::not_found(entity));
    };
    let Some(current) = typed else {
        // Deleted meanwhile.
        if mutation.kind.verb() == Verb::Delete || R::act_on_deleted(mutation.kind) {
            return Ok(answer::duplicate());
        }
        let info = conflict_info(tx, batch, ConflictKind::Deleted, Vec::new(), &stored).await?;
        return Ok(answer::conflict(info));
    };
    let ctx = Ctx {
        viewer,
        now,
        batch,
        base,
    };

    match mutation.kind.verb() {
        Verb::Create => Err(internal("create handled above")),
        Verb::Delete => {
            if let Err(refused) = R::may_delete(&ctx, &current) {
                return Ok(*refused);
            }
            let unit = R::unit(&ctx, &current);
            let version = batch.write(entity, id, None, unit, action, actor, now, &[])?;
            Ok(answer::applied(version, None))
        }
        Verb::Update => {
            if let Err(refused) = R::may_edit(&ctx, &current) {
                return Ok(*refused);
            }
            let overwritten = match sync::merge_fields(
                entity,
                &stored.data,
                &stored.field_versions,
                &stored.field_writers,
                base,
                &mutation.fields,
            ) {
                Merge::Hard(fields) => {
                    let info =
                        conflict_info(tx, batch, ConflictKind::Hard, fields, &stored).await?;
                    return Ok(answer::conflict(info));
                }
                Merge::Apply { overwritten } => overwritten,
            };
            let mut merged = stored.data.as_object().cloned().unwrap_or_default();
            for (field, value) in &mutation.fields {
                merged.insert(field.clone(), value.clone());
            }
            let mut after: R::Record = match serde_json::from_value(Value::Object(merged)) {
                Ok(after) => after,
                Err(e) => return Ok(answer::malformed(&e.to_string())),
            };
            match R::check_edit(&ctx, &current, &mut after) {
                Decision::Write(()) => {}
                Decision::Duplicate => return Ok(answer::duplicate()),
                Decision::Refuse(result) => return Ok(result),
                Decision::Conflict(fields) => {
                    let info =
                        conflict_info(tx, batch, ConflictKind::Hard, fields, &stored).await?;
                    return Ok(answer::conflict(info));
                }
            }
            let unit = R::unit(&ctx, &after);
            let name = R::name(&after);
            let data = serde_json::to_value(&after).map_err(internal)?;
            let soft = if overwritten.is_empty() {
                None
            } else {
                Some(
                    conflict_info(tx, batch, ConflictKind::Soft, overwritten.clone(), &stored)
                        .await?,
                )
            };
            let (history, told) = tell_the_overwritten(tx, batch, &stored, &overwritten).await?;
            let version =
                batch.write(entity, id, Some(data), unit, action, actor, now, &history)?;
            for told in told {
                write_notice(batch, told, &actor.name, &name, version, entity, id, now)?;
            }
            Ok(answer::applied(version, soft))
        }
        Verb::Act => {
            let decision = R::act(&ctx, mutation.kind, &stored, current, &mutation.fields);
            let after = match decision {
                Decision::Write(after) => after,
                Decision::Duplicate => return Ok(answer::duplicate()),
                Decision::Refuse(result) => return Ok(result),
                Decision::Conflict(fields) => {
                    let info =
                        conflict_info(tx, batch, ConflictKind::Hard, fields, &stored).await?;
                    return Ok(answer::conflict(info));
                }
            };
            let unit = R::unit(&ctx, &after);
            let data = if R::deletes(mutation.kind) {
                None
            } else {
                Some(serde_json::to_value(&after).map_err(internal)?)
            };
            let version = batch.write(entity, id, data, unit, action, actor, now, &[])?;
            Ok(answer::applied(version, None))
        }
    }
}

/// A notice to write once the change that replaced someone's values has its version.
struct Told {
    user: UserId,
    fields: Vec<FieldConflict>,
}

/// The values a change replaces, named by whose they were (for the history), and one notice
/// per person whose values they were (SYNC.md: the person whose value was overwritten is
/// told). Values written on the server itself (no device) have nobody to tell.
async fn tell_the_overwritten(
    tx: &mut dyn PushTx,
    batch: &mut Batch,
    stored: &StoredRecord,
    overwritten: &[FieldConflict],
) -> Result<(Vec<Overwritten>, Vec<Told>), ApiError> {
    if overwritten.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let devices: Vec<String> = overwritten
        .iter()
        .filter_map(|f| stored.field_writers.get(&f.field).cloned())
        .collect();
    batch.owners(tx, &devices).await?;
    let mut history = Vec::new();
    let mut told: Vec<Told> = Vec::new();
    for field in overwritten {
        let owner = stored
            .field_writers
            .get(&field.field)
            .and_then(|device| batch.owner(device))
            .cloned();
        history.push(Overwritten {
            field: field.field.clone(),
            value: field.theirs.clone(),
            by: owner
                .as_ref()
                .map(|(_, name)| name.clone())
                .unwrap_or_default(),
        });
        let Some((user, _)) = owner else { continue };
        // From the replaced person's side: theirs is what the server holds now (this change),
        // mine is what they had written.
        let seen = FieldConflict {
            field: field.field.clone(),
            theirs: field.mine.clone(),
            mine: field.theirs.clone(),
        };
        match told.iter_mut().find(|t| t.user == user) {
            Some(t) => t.fields.push(seen),
            None => told.push(Told {
                user,
                fields: vec![seen],
            }),
        }
    }
    Ok((history, told))
}

/// Writes a notice for one person whose values a change by `by` (at `version`) replaced.
#[allow(clippy::too_many_arguments)]
fn write_notice(
    batch: &mut Batch,
    told: Told,
    by: &str,
    record_name: &str,
    version: i64,
    entity: Entity,
    record: Uuid,
    now: Timestamp,
) -> Result<(), ApiError> {
    let by = by.to_owned();
    let id = NoticeId::new();
    let notice = Notice {
        id,
        user_id: told.user,
        entity,
        record_id: dvk_shared::ids::RecordId::from_uuid(record).map_err(internal)?,
        record_name: record_name.to_owned(),
        fields: told.fields,
        by,
        at: now,
        server_version: version,
    };
    let data = serde_json::to_value(&notice).map_err(internal)?;
    let actor = Actor::system("sync");
    batch.write(
        Entity::Notice,
        id.as_uuid(),
        Some(data),
        None,
        "notice.create",
        &actor,
        now,
        &[],
    )?;
    Ok(())
}
