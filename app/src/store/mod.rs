//! The local store: the device's own database. Pages read and write here; the sync module moves
//! its contents to and from the server. One trait, with IndexedDB behind it in the browser and
//! an in-memory twin for tests of the logic above it.
//!
//! It holds the replica (records as the server last sent them), the outbox (changes saved here,
//! numbered 1, 2, 3, … and not yet answered), the problems (conflicts and rejections waiting for
//! the person) and the sync bookkeeping (cursor, epoch, device id).

mod idb;
mod memory;
pub mod photos;

use dvk_shared::sync::{ChangeOp, Mutation, Push, PushResult, PushStatus, SyncResponse};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

pub use idb::LocalDb;
pub use memory::MemoryStore;

/// The IndexedDB database the app uses.
pub const DB_NAME: &str = "dvk";

thread_local! {
    static SHARED: std::cell::RefCell<Option<std::rc::Rc<LocalDb>>> = const { std::cell::RefCell::new(None) };
}

/// The app's database, opened on first use and shared by every page (the browser runs the app
/// on one thread).
pub async fn shared_db() -> Result<std::rc::Rc<LocalDb>, LocalDbError> {
    if let Some(db) = SHARED.with(|cell| cell.borrow().clone()) {
        return Ok(db);
    }
    let db = std::rc::Rc::new(LocalDb::open(DB_NAME).await?);
    // Two callers may both have opened it; keep the first, drop the other.
    Ok(SHARED.with(|cell| cell.borrow_mut().get_or_insert(db).clone()))
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LocalDbError {
    #[error("IndexedDB failed: {0}")]
    Idb(String),
    #[error("a stored value is not what this version expects: {0}")]
    Decode(String),
}

/// A record of the replica as the server sent it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub entity: String,
    pub id: Uuid,
    pub version: i64,
    pub data: Value,
}

impl Record {
    /// The replica's key of a record.
    pub fn key(entity: &str, id: Uuid) -> String {
        format!("{entity}:{id}")
    }
}

/// A saved change the server did not take as it was: a conflict or a rejection, kept with what
/// the person had typed until they resolve it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    pub push: Push,
    pub result: PushResult,
}

/// Where the last pull ended and which server database it came from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncMark {
    pub cursor: Option<String>,
    pub epoch: Option<String>,
    /// When the last sync succeeded (ms since epoch, the device's clock).
    pub last_success: Option<i64>,
}

/// Who works on this device: its first user, or whoever it was handed over to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    pub user_id: String,
    pub name: String,
}

/// Whether a person may start working on this device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandOver {
    Ready,
    /// Another person's changes still wait here (unsent, or to resolve): they sign in and sync
    /// first, or their work would be sent under someone else's name — or lost.
    Blocked {
        previous: String,
        waiting: usize,
    },
}

/// Outbox keys sort in seq order as text.
pub fn outbox_key(seq: u64) -> String {
    format!("{seq:020}")
}

/// The device's database. Every write is one transaction: a save writes its seq and its outbox
/// entry together, an answer is learned all at once (outbox, problems, replica, cursor).
#[allow(async_fn_in_trait)] // used through generics on one thread (the browser's), never sent
pub trait LocalStore {
    /// This device's id (SYNC.md), made on first use.
    async fn device_id(&self) -> Result<Uuid, LocalDbError>;

    /// Saves a change into the outbox under the next seq, durably; returns the seq.
    async fn enqueue(&self, mutation: Mutation) -> Result<u64, LocalDbError>;

    /// The outbox in seq order.
    async fn outbox(&self) -> Result<Vec<Push>, LocalDbError>;

    /// The replica's records of one entity, as the server last sent them.
    async fn records(&self, entity: &str) -> Result<Vec<Record>, LocalDbError>;

    async fn mark(&self) -> Result<SyncMark, LocalDbError>;

    /// Learns a server answer in one transaction: answered changes leave the outbox (conflicts
    /// and rejections move to the problems), the changes enter the replica (after clearing it
    /// on a reset), and the cursor moves.
    async fn learn(&self, answer: &SyncResponse, now_ms: i64) -> Result<(), LocalDbError>;

    async fn problems(&self) -> Result<Vec<Problem>, LocalDbError>;

    /// The person dealt with a problem (kept theirs, or saved again as a new change).
    async fn dismiss_problem(&self, seq: u64) -> Result<(), LocalDbError>;

    /// Makes `owner` the person working on this device, in one transaction. The server binds a
    /// device id to one user (SYNC.md), so a new person gets a new device id and an empty
    /// replica — but only once the previous person's outbox and problems are empty.
    async fn hand_over(&self, owner: &Owner) -> Result<HandOver, LocalDbError>;
}

/// What learning an answer does to a set of records, shared by both stores so they cannot
/// disagree: returns the keys to delete and the records to put.
pub(crate) fn replica_changes(answer: &SyncResponse) -> (Vec<String>, Vec<(String, Record)>) {
    let mut deletes = Vec::new();
    let mut puts = Vec::new();
    for change in &answer.changes {
        let key = Record::key(&change.entity, change.id);
        match (change.op, &change.data) {
            (ChangeOp::Put, Some(data)) => puts.push((
                key,
                Record {
                    entity: change.entity.clone(),
                    id: change.id,
                    version: change.version,
                    data: data.clone(),
                },
            )),
            _ => deletes.push(key),
        }
    }
    (deletes, puts)
}

/// The answers that become problems for the person.
pub(crate) fn problems_of(answer: &SyncResponse, outbox: &[Push]) -> Vec<Problem> {
    answer
        .results
        .iter()
        .filter(|r| {
            matches!(r.status, PushStatus::Conflict | PushStatus::Rejected)
                || (r.status == PushStatus::Applied && r.conflict.is_some())
        })
        .filter_map(|r| {
            outbox.iter().find(|p| p.seq == r.seq).map(|push| Problem {
                push: push.clone(),
                result: r.clone(),
            })
        })
        .collect()
}

/// The records of `entity` as the screens show them: the replica with the outbox applied on
/// top, in seq order.
pub fn with_pending(
    records: Vec<Record>,
    outbox: &[Push],
    entity: &str,
) -> Vec<(Uuid, Value, bool)> {
    let mut view: std::collections::BTreeMap<Uuid, (Value, bool)> = records
        .into_iter()
        .filter(|r| r.entity == entity)
        .map(|r| (r.id, (r.data, false)))
        .collect();
    for push in outbox {
        let prefix = format!("{entity}.");
        if !push.mutation.kind.starts_with(&prefix) {
            continue;
        }
        let id = push.mutation.id;
        let current = view.remove(&id).map(|(data, _)| data);
        if let Some(next) = dvk_shared::sync::apply_locally(current, &push.mutation) {
            view.insert(id, (next, true));
        }
    }
    view.into_iter()
        .map(|(id, (data, pending))| (id, data, pending))
        .collect()
}
