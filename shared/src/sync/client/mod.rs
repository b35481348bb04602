//! The device's side of the protocol: what a device keeps (replica, outbox, problems, the
//! journal of its applied changes, the sync mark), the rules for keeping it, and the engine
//! that talks to the server through a [`Transport`]. The app keeps this in IndexedDB; tests keep
//! it in memory ([`MemoryStore`]) and drive the real server with the same engine, so what is
//! tested under concurrency is what runs on the tablets.
//!
//! No storage, network or runtime here: a store and a transport are traits.

mod engine;
mod memory;
pub mod outbox;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

pub use engine::{Progress, SyncError, Transport, TransportError, sync_until_settled};
pub use memory::MemoryStore;
pub use outbox::{batch, coalesce, requeue};

use super::{ChangeOp, Entity, Mutation, Push, PushResult, PushStatus, RawJson, SyncResponse};

/// How many of its latest applied changes a device keeps, to send again should the server's
/// database be restored from a backup taken before them (SYNC.md, restore).
pub const JOURNAL_KEEP: u64 = 5_000;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LocalDbError {
    #[error("the device's database failed: {0}")]
    Idb(String),
    #[error("a stored value is not what this version expects: {0}")]
    Decode(String),
    #[error("a change of {0} bytes is too large to send; shorten it")]
    TooLarge(usize),
}

/// A record of the replica as the server sent it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub entity: Entity,
    pub id: Uuid,
    pub version: i64,
    pub data: Value,
}

impl Record {
    /// The replica's key of a record.
    pub fn key(entity: Entity, id: Uuid) -> String {
        format!("{}:{id}", entity.as_str())
    }

    /// A record as stored: what serde's derive reads (every field required, other fields
    /// ignored), in a fraction of its code, for the type the app reads most.
    pub fn from_value(mut value: Value) -> Result<Self, String> {
        let entity = value["entity"].as_str().and_then(Entity::parse);
        let id = value["id"].as_str().map(Uuid::parse_str);
        let version = value["version"].as_i64();
        let data = value.get_mut("data").map(Value::take);
        match (entity, id, version, data) {
            (Some(entity), Some(Ok(id)), Some(version), Some(data)) => Ok(Self {
                entity,
                id,
                version,
                data,
            }),
            _ => Err(format!("a stored record reads {value}")),
        }
    }
}

/// A record as an answer brought it, its data still the server's text.
#[derive(Debug, Clone, PartialEq)]
pub struct Fetched {
    pub entity: Entity,
    pub id: Uuid,
    pub version: i64,
    pub data: RawJson,
}

impl Fetched {
    /// The text of the [`Record`] it is, as serde writes one, with the server's text inside.
    pub fn record_text(&self) -> String {
        format!(
            r#"{{"entity":"{}","id":"{}","version":{},"data":{}}}"#,
            self.entity.as_str(),
            self.id,
            self.version,
            self.data.get()
        )
    }

    pub fn record(&self) -> Result<Record, String> {
        Ok(Record {
            entity: self.entity,
            id: self.id,
            version: self.version,
            data: self.data.to_value()?,
        })
    }
}

/// A saved change the server did not take as it was: a conflict or a rejection, kept with what
/// the person had typed until they resolve it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    pub push: Push,
    pub result: PushResult,
}

/// A change the server applied, kept a while with the version it got: should the server's
/// database be restored from before it, the device sends it again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sent {
    pub push: Push,
    pub version: i64,
}

/// Where the last pull ended and which server database it came from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncMark {
    pub cursor: Option<String>,
    pub epoch: Option<String>,
    /// When the last sync succeeded (ms since epoch, the device's clock).
    pub last_success: Option<i64>,
}

impl SyncMark {
    /// The mark as stored: what serde's derive reads (a missing or null field is `None`, other
    /// fields are ignored), in a fraction of its code.
    pub fn from_value(value: &Value) -> Result<Self, String> {
        let text = |key: &str| match &value[key] {
            Value::Null => Ok(None),
            Value::String(text) => Ok(Some(text.clone())),
            _ => Err(()),
        };
        let last_success = match &value["last_success"] {
            Value::Null => Ok(None),
            number => number.as_i64().map(Some).ok_or(()),
        };
        match (
            value.is_object(),
            text("cursor"),
            text("epoch"),
            last_success,
        ) {
            (true, Ok(cursor), Ok(epoch), Ok(last_success)) => Ok(Self {
                cursor,
                epoch,
                last_success,
            }),
            _ => Err(format!("the stored sync mark reads {value}")),
        }
    }
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

/// Outbox and journal keys sort in seq order as text.
pub fn seq_key(seq: u64) -> String {
    format!("{seq:020}")
}

/// The device's database. Every write is one transaction: a save writes its seq and its outbox
/// entry together, an answer is learned all at once (outbox, problems, journal, replica,
/// cursor).
#[allow(async_fn_in_trait)] // used through generics on one thread (the browser's), never sent
pub trait LocalStore {
    /// This device's id (SYNC.md), made on first use.
    async fn device_id(&self) -> Result<Uuid, LocalDbError>;

    /// Saves a change durably: joined to the latest change of the same record when that one
    /// has not been sent and the two coalesce ([`coalesce`]), else under the next seq. Returns
    /// the seq that holds it. A change larger than `MUTATION_MAX_BYTES` is refused.
    async fn enqueue(&self, mutation: Mutation) -> Result<u64, LocalDbError>;

    /// The outbox in seq order.
    async fn outbox(&self) -> Result<Vec<Push>, LocalDbError>;

    /// The changes up to `seq` are about to leave: from now on nothing joins them, since the
    /// server may apply them as they are.
    async fn mark_sent(&self, seq: u64) -> Result<(), LocalDbError>;

    /// The replica's records of one entity, as the server last sent them.
    async fn records(&self, entity: Entity) -> Result<Vec<Record>, LocalDbError>;

    async fn mark(&self) -> Result<SyncMark, LocalDbError>;

    /// Learns a server answer in one transaction ([`learned`]).
    async fn learn(&self, answer: &SyncResponse, now_ms: i64) -> Result<(), LocalDbError>;

    /// The server expects `expected` next and holds nothing of the outbox (its database went
    /// back in time): the outbox is numbered from there.
    async fn renumber(&self, expected: u64) -> Result<(), LocalDbError>;

    async fn problems(&self) -> Result<Vec<Problem>, LocalDbError>;

    /// The person dealt with a problem (kept theirs, or saved again as a new change).
    async fn dismiss_problem(&self, seq: u64) -> Result<(), LocalDbError>;

    /// Makes `owner` the person working on this device, in one transaction. The server binds a
    /// device id to one user (SYNC.md), so a new person gets `new_device` as the device id and
    /// an empty replica — but only once the previous person's outbox and problems are empty.
    async fn hand_over(&self, owner: &Owner, new_device: Uuid) -> Result<HandOver, LocalDbError>;
}

/// What learning an answer writes, worked out once for every store so they cannot disagree.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Learned {
    /// Answers that wait for the person: conflicts, rejections, soft conflicts this change won.
    pub problems: Vec<Problem>,
    /// Outbox seqs answered: they leave the outbox.
    pub answered: Vec<u64>,
    /// Applied changes for the journal.
    pub journal: Vec<Sent>,
    /// Drop the replica before the puts.
    pub reset: bool,
    pub deletes: Vec<String>,
    pub puts: Vec<(String, Fetched)>,
    pub mark: SyncMark,
    /// The server's database was restored: the whole outbox anew (see [`requeue`]), the
    /// journal emptied.
    pub requeue: Option<outbox::Requeued>,
}

/// Whether `answer` comes from another database than the one the device last synced with:
/// restored from a backup, or replaced.
pub fn epoch_changed(answer: &SyncResponse, before: &SyncMark) -> bool {
    before
        .epoch
        .as_deref()
        .is_some_and(|epoch| epoch != answer.epoch)
}

/// What a store writes to learn `answer`, given what it held before: the mark, the outbox, and
/// — only when the epoch changed — the journal and the next seq.
pub fn learned(
    answer: &SyncResponse,
    before: &SyncMark,
    outbox: &[Push],
    restore: Option<(&[Sent], u64)>,
    now_ms: i64,
) -> Learned {
    let mut learned = Learned {
        reset: answer.reset,
        mark: SyncMark {
            cursor: Some(answer.cursor.clone()),
            epoch: Some(answer.epoch.clone()),
            last_success: Some(now_ms),
        },
        ..Learned::default()
    };
    for result in &answer.results {
        learned.answered.push(result.seq);
        let Some(push) = outbox.iter().find(|p| p.seq == result.seq) else {
            continue;
        };
        let waits = matches!(result.status, PushStatus::Conflict | PushStatus::Rejected)
            || (result.status == PushStatus::Applied && result.conflict.is_some());
        if waits {
            learned.problems.push(Problem {
                push: push.clone(),
                result: result.clone(),
            });
        }
        if let (PushStatus::Applied, Some(version)) = (result.status, result.version) {
            learned.journal.push(Sent {
                push: push.clone(),
                version,
            });
        }
    }
    for change in &answer.changes {
        let key = Record::key(change.entity, change.id);
        match (change.op, &change.data) {
            (ChangeOp::Put, Some(data)) => learned.puts.push((
                key,
                Fetched {
                    entity: change.entity,
                    id: change.id,
                    version: change.version,
                    data: data.clone(),
                },
            )),
            _ => learned.deletes.push(key),
        }
    }
    if epoch_changed(answer, before)
        && let Some((journal, next_seq)) = restore
    {
        let waiting: Vec<Push> = outbox
            .iter()
            .filter(|p| !learned.answered.contains(&p.seq))
            .cloned()
            .collect();
        learned.requeue = Some(requeue(journal, &waiting, answer.kept_through, next_seq));
        // The journal of the earlier database is spent: what it holds is resent or kept.
        learned.journal.clear();
    }
    learned
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0190f3c4-1b2a-7000-8000-000000000001";

    #[test]
    fn a_fetched_record_is_stored_as_serde_writes_the_record() {
        let data = serde_json::json!({"name": "Dân vận khéo \"xã\"", "year": 2026, "score": 8.5,
                                      "tags": ["a", null], "nested": {"x": true}});
        let fetched = Fetched {
            entity: Entity::Library,
            id: Uuid::parse_str(ID).unwrap(),
            version: 42,
            data: RawJson::from_value(&data),
        };
        let record = fetched.record().unwrap();
        assert_eq!(record.data, data);
        assert_eq!(
            fetched.record_text(),
            serde_json::to_string(&record).unwrap()
        );
        let read: Record = serde_json::from_str(&fetched.record_text()).unwrap();
        assert_eq!(read, record);
    }

    #[test]
    fn records_read_as_serde_reads_them() {
        let texts = [
            format!(r#"{{"entity":"model","id":"{ID}","version":3,"data":{{"name":"Mô hình"}}}}"#),
            format!(r#"{{"data":null,"version":0,"id":"{ID}","entity":"unit","extra":1}}"#),
            format!(
                r#"{{"entity":"model","id":"{}","version":1,"data":{{}}}}"#,
                ID.replace('-', "")
            ),
            format!(r#"{{"entity":"model","id":"{ID}","version":1}}"#),
            format!(r#"{{"entity":"model","id":"{ID}","version":1.5,"data":1}}"#),
            format!(r#"{{"entity":"model","id":"{ID}","version":-2,"data":1}}"#),
            format!(r#"{{"entity":"model","id":"{ID}","version":18446744073709551615,"data":1}}"#),
            format!(r#"{{"entity":7,"id":"{ID}","version":1,"data":1}}"#),
            format!(r#"{{"entity":"award","id":"{ID}","version":1,"data":1}}"#),
            r#"{"entity":"model","id":"not an id","version":1,"data":1}"#.to_owned(),
            r#"{"entity":"model","version":1,"data":1}"#.to_owned(),
            "null".to_owned(),
            "[]".to_owned(),
            r#""model""#.to_owned(),
        ];
        for text in texts {
            let value: Value = serde_json::from_str(&text).unwrap();
            let ours = Record::from_value(value).ok();
            let serdes = serde_json::from_str::<Record>(&text).ok();
            assert_eq!(ours, serdes, "{text}");
        }
    }

    #[test]
    fn sync_marks_read_as_serde_reads_them() {
        let texts = [
            r#"{"cursor":"c1","epoch":"e1","last_success":1764000000000}"#,
            r#"{}"#,
            r#"{"cursor":null,"epoch":null,"last_success":null,"other":true}"#,
            r#"{"cursor":"c1"}"#,
            r#"{"last_success":-5}"#,
            r#"{"last_success":1.5}"#,
            r#"{"last_success":"1"}"#,
            r#"{"cursor":1}"#,
            r#"{"epoch":["e"]}"#,
            "null",
            "[]",
            r#""mark""#,
        ];
        for text in texts {
            let value: Value = serde_json::from_str(text).unwrap();
            let ours = SyncMark::from_value(&value).ok();
            let serdes = serde_json::from_str::<SyncMark>(text).ok();
            assert_eq!(ours, serdes, "{text}");
        }
    }
}
