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

    /// A record as stored: what serde's derive reads (every field required, other fields
    /// ignored), in a fraction of its code, for the type the store reads most.
    pub(crate) fn from_value(mut value: Value) -> Result<Self, String> {
        let entity = value["entity"].as_str().map(str::to_owned);
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

impl SyncMark {
    /// The mark as stored: what serde's derive reads (a missing or null field is `None`, other
    /// fields are ignored), in a fraction of its code.
    pub(crate) fn from_value(value: &Value) -> Result<Self, String> {
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

/// JSON text as a `Value`. Every JSON the app reads (values kept here, the server's answers) is
/// parsed by this one function and turned into its type from the `Value` ([`from_json`]): the
/// shell then carries one JSON parser and one decoder per type, instead of a parser inlined into
/// every type read from text besides the decoders for values.
#[inline(never)]
pub fn parse_json(text: &str) -> Result<Value, String> {
    serde_json::from_str(text).map_err(|e| e.to_string())
}

/// JSON text as `T`, through [`parse_json`].
pub fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    T::deserialize(parse_json(text)?).map_err(|e| e.to_string())
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
    shown(records, outbox, entity)
        .into_iter()
        .map(|(id, data, _, pending)| (id, data, pending))
        .collect()
}

/// [`with_pending`] with the version the server last sent of each record (`None` while only
/// this device has it): (id, data, version, pending), in the order of the ids.
pub fn shown(
    records: Vec<Record>,
    outbox: &[Push],
    entity: &str,
) -> Vec<(Uuid, Value, Option<i64>, bool)> {
    // A list kept in id order rather than a map: the shell then carries no map code for it,
    // and sorts with the one sort the pages use. Ids sort as their text does.
    let mut view: Vec<(Uuid, Option<Value>, Option<i64>, bool)> = records
        .into_iter()
        .filter(|r| r.entity == entity)
        .map(|r| (r.id, Some(r.data), Some(r.version), false))
        .collect();
    sort_by_keys(&mut view, |row| row.0.to_string());
    // One row per id, the last one given winning (as when collecting into a map).
    view.dedup_by(|later, kept| {
        let same = later.0 == kept.0;
        if same {
            std::mem::swap(later, kept);
        }
        same
    });
    let prefix = format!("{entity}.");
    for push in outbox {
        if !push.mutation.kind.starts_with(&prefix) {
            continue;
        }
        let id = push.mutation.id;
        // A record deleted here keeps its version, should a later change bring it back.
        match view.binary_search_by(|row| row.0.cmp(&id)) {
            Ok(at) => {
                let row = &mut view[at];
                row.1 = dvk_shared::sync::apply_locally(row.1.take(), &push.mutation);
                row.3 = true;
            }
            Err(at) => {
                let next = dvk_shared::sync::apply_locally(None, &push.mutation);
                view.insert(at, (id, next, None, true));
            }
        }
    }
    view.into_iter()
        .filter_map(|(id, data, version, pending)| Some((id, data?, version, pending)))
        .collect()
}

/// Sorts by a text key, items with equal keys keeping their order. Every sort of the app goes
/// through the one sort of (key, position) below: one copy of the sort code in the shell
/// instead of one per type sorted.
pub fn sort_by_keys<T>(items: &mut Vec<T>, key: impl Fn(&T) -> String) {
    let order = order_of(items.iter().map(key).collect());
    let mut slots: Vec<Option<T>> = items.drain(..).map(Some).collect();
    items.extend(order.into_iter().filter_map(|i| slots[i].take()));
}

/// The positions of `keys` in the order of (key, position).
fn order_of(keys: Vec<String>) -> Vec<usize> {
    let mut keyed: Vec<(String, usize)> = keys
        .into_iter()
        .enumerate()
        .map(|(i, key)| (key, i))
        .collect();
    keyed.sort_unstable();
    keyed.into_iter().map(|(_, i)| i).collect()
}

// The decoders and the view above replace serde's derive and a map to keep the shell small; they
// must read exactly what those read. Run with
// `cargo test -p dvk-app --target wasm32-unknown-unknown --lib`.
#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::collections::BTreeMap;

    use dvk_shared::sync::{Mutation, Push, apply_locally};
    use serde_json::{Value, json};
    use uuid::Uuid;
    use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

    use super::{Record, SyncMark, from_json, parse_json, shown, sort_by_keys, with_pending};

    wasm_bindgen_test_configure!(run_in_browser);

    const ID: &str = "0190f3c4-1b2a-7000-8000-000000000001";

    #[wasm_bindgen_test]
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
            r#"{"entity":"model","id":"not an id","version":1,"data":1}"#.to_owned(),
            r#"{"entity":"model","version":1,"data":1}"#.to_owned(),
            "null".to_owned(),
            "[]".to_owned(),
            r#""model""#.to_owned(),
        ];
        for text in texts {
            let ours = Record::from_value(parse_json(&text).unwrap()).ok();
            let serdes = serde_json::from_str::<Record>(&text).ok();
            assert_eq!(ours, serdes, "{text}");
        }
    }

    #[wasm_bindgen_test]
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
            let ours = SyncMark::from_value(&parse_json(text).unwrap()).ok();
            let serdes = serde_json::from_str::<SyncMark>(text).ok();
            assert_eq!(ours, serdes, "{text}");
        }
    }

    #[wasm_bindgen_test]
    fn json_reads_through_one_parser_as_serde_reads_it() {
        assert_eq!(from_json::<Option<u32>>("null"), Ok(None));
        assert_eq!(
            from_json::<Vec<String>>(r#"["a","b"]"#).unwrap(),
            ["a", "b"]
        );
        assert!(from_json::<u32>(r#""7""#).is_err());
        assert!(from_json::<u32>("{").is_err());
        let mark: SyncMark = from_json(r#"{"cursor":"c","last_success":2}"#).unwrap();
        assert_eq!(mark.cursor.as_deref(), Some("c"));
        assert_eq!(mark.last_success, Some(2));
    }

    fn id(n: u128) -> Uuid {
        // Ids whose text order differs from their numbering order, to test the sort.
        Uuid::from_u128(n.rotate_right(4) ^ 0x0190_f3c4_1b2a_7000_8000_0000_0000_0000)
    }

    fn record(entity: &str, n: u128, version: i64, name: &str) -> Record {
        Record {
            entity: entity.into(),
            id: id(n),
            version,
            data: json!({ "id": id(n), "name": name }),
        }
    }

    fn push(seq: u64, kind: &str, n: u128, fields: Value) -> Push {
        Push {
            seq,
            mutation: Mutation {
                kind: kind.into(),
                id: id(n),
                base_version: Some(1),
                fields: fields.as_object().cloned().unwrap_or_default(),
            },
        }
    }

    /// The view as it was computed before, with a map: the oracle.
    fn shown_with_a_map(
        records: Vec<Record>,
        outbox: &[Push],
        entity: &str,
    ) -> Vec<(Uuid, Value, Option<i64>, bool)> {
        let versions: BTreeMap<Uuid, i64> = records
            .iter()
            .filter(|r| r.entity == entity)
            .map(|r| (r.id, r.version))
            .collect();
        let mut view: BTreeMap<Uuid, (Value, bool)> = records
            .into_iter()
            .filter(|r| r.entity == entity)
            .map(|r| (r.id, (r.data, false)))
            .collect();
        for push in outbox {
            if !push.mutation.kind.starts_with(&format!("{entity}.")) {
                continue;
            }
            let current = view.remove(&push.mutation.id).map(|(data, _)| data);
            if let Some(next) = apply_locally(current, &push.mutation) {
                view.insert(push.mutation.id, (next, true));
            }
        }
        view.into_iter()
            .map(|(id, (data, pending))| (id, data, versions.get(&id).copied(), pending))
            .collect()
    }

    #[wasm_bindgen_test]
    fn the_view_of_records_is_what_the_map_made() {
        let records = vec![
            record("model", 9, 4, "chín"),
            record("unit", 2, 1, "đơn vị"),
            record("model", 1, 2, "một"),
            record("model", 17, 1, "mười bảy"),
            // The same id twice: the last one counts, as when collected into a map.
            record("model", 1, 3, "một, lần hai"),
            record("model", 33, 7, "ba mươi ba"),
        ];
        let outbox = vec![
            push(1, "model.update", 9, json!({ "name": "chín mới" })),
            push(2, "model.create", 5, json!({ "name": "năm" })),
            push(3, "model.delete", 17, json!({})),
            push(4, "unit.update", 2, json!({ "name": "bỏ qua" })),
            push(5, "model.submit", 33, json!({})),
            push(6, "model.delete", 5, json!({})),
            push(7, "model.create", 6, json!({ "name": "sáu" })),
            // Deleted and made again here: it keeps the version the server sent.
            push(8, "model.delete", 1, json!({})),
            push(9, "model.create", 1, json!({ "name": "một lại" })),
        ];
        let ours = shown(records.clone(), &outbox, "model");
        assert_eq!(ours, shown_with_a_map(records.clone(), &outbox, "model"));
        let ids: Vec<Uuid> = ours.iter().map(|row| row.0).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted, "in id order");
        assert_eq!(ours.len(), 4, "9, 1, 33 and the new 6; 17 and 5 deleted");
        for entity in ["unit", "campaign"] {
            assert_eq!(
                with_pending(records.clone(), &outbox, entity),
                shown_with_a_map(records.clone(), &outbox, entity)
                    .into_iter()
                    .map(|(id, data, _, pending)| (id, data, pending))
                    .collect::<Vec<_>>(),
                "{entity}"
            );
        }
    }

    #[wasm_bindgen_test]
    fn sorting_by_keys_keeps_equal_keys_in_their_order() {
        let mut items = vec![("b", 1), ("a", 2), ("b", 3), ("a", 4), ("c", 5)];
        sort_by_keys(&mut items, |(key, _)| (*key).to_owned());
        assert_eq!(items, [("a", 2), ("a", 4), ("b", 1), ("b", 3), ("c", 5)]);
        let mut empty: Vec<u8> = Vec::new();
        sort_by_keys(&mut empty, u8::to_string);
        assert!(empty.is_empty());
    }
}
