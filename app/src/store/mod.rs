//! The local store: the device's own database. Pages read and write here; the sync module moves
//! its contents to and from the server. Its rules (what a save joins, what an answer writes,
//! what a restore queues again) are `dvk_shared::sync::client`'s, shared with the in-memory twin
//! the tests use; IndexedDB is behind `idb.rs`.
//!
//! It holds the replica (records as the server last sent them), the outbox (changes saved here,
//! numbered 1, 2, 3, … and not yet answered), the journal (changes applied lately, to send
//! again after a restore), the problems (conflicts and rejections waiting for the person) and
//! the sync bookkeeping (cursor, epoch, device id).

mod idb;
pub mod photos;

use dvk_shared::sync::{Entity, Push};
use serde_json::Value;
use uuid::Uuid;

pub use dvk_shared::sync::client::{
    HandOver, LocalDbError, LocalStore, Owner, Problem, Record, SyncMark,
};
pub use idb::LocalDb;

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

/// The records of `entity` as the screens show them: the replica with the outbox applied on
/// top, in seq order.
pub fn with_pending(
    records: Vec<Record>,
    outbox: &[Push],
    entity: Entity,
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
    entity: Entity,
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
    for push in outbox {
        if push.mutation.kind.entity() != entity {
            continue;
        }
        let id = push.mutation.id.as_uuid();
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

    use dvk_shared::{
        ids::RecordId,
        sync::{Entity, Kind, Mutation, Push, apply_locally},
    };
    use serde_json::{Value, json};
    use uuid::Uuid;
    use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

    use super::{Record, SyncMark, from_json, shown, sort_by_keys, with_pending};

    wasm_bindgen_test_configure!(run_in_browser);

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

    fn record(entity: Entity, n: u128, version: i64, name: &str) -> Record {
        Record {
            entity,
            id: id(n),
            version,
            data: json!({ "id": id(n), "name": name }),
        }
    }

    fn push(seq: u64, kind: &str, n: u128, fields: Value) -> Push {
        Push {
            seq,
            mutation: Mutation {
                kind: Kind::parse(kind).unwrap(),
                id: RecordId::from_uuid(id(n)).unwrap(),
                base_version: Some(1),
                fields: fields.as_object().cloned().unwrap_or_default(),
            },
        }
    }

    /// The view as it was computed before, with a map: the oracle.
    fn shown_with_a_map(
        records: Vec<Record>,
        outbox: &[Push],
        entity: Entity,
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
            if push.mutation.kind.entity() != entity {
                continue;
            }
            let id = push.mutation.id.as_uuid();
            let current = view.remove(&id).map(|(data, _)| data);
            if let Some(next) = apply_locally(current, &push.mutation) {
                view.insert(id, (next, true));
            }
        }
        view.into_iter()
            .map(|(id, (data, pending))| (id, data, versions.get(&id).copied(), pending))
            .collect()
    }

    #[wasm_bindgen_test]
    fn the_view_of_records_is_what_the_map_made() {
        let records = vec![
            record(Entity::Model, 9, 4, "chín"),
            record(Entity::Unit, 2, 1, "đơn vị"),
            record(Entity::Model, 1, 2, "một"),
            record(Entity::Model, 17, 1, "mười bảy"),
            // The same id twice: the last one counts, as when collected into a map.
            record(Entity::Model, 1, 3, "một, lần hai"),
            record(Entity::Model, 33, 7, "ba mươi ba"),
        ];
        let outbox = vec![
            push(1, "model.update", 9, json!({ "name": "chín mới" })),
            push(2, "model.create", 5, json!({ "name": "năm" })),
            push(3, "model.delete", 17, json!({})),
            push(4, "campaign.update", 2, json!({ "name": "bỏ qua" })),
            push(5, "model.submit", 33, json!({})),
            push(6, "model.delete", 5, json!({})),
            push(7, "model.create", 6, json!({ "name": "sáu" })),
            // Deleted and made again here: it keeps the version the server sent.
            push(8, "model.delete", 1, json!({})),
            push(9, "model.create", 1, json!({ "name": "một lại" })),
        ];
        let ours = shown(records.clone(), &outbox, Entity::Model);
        assert_eq!(
            ours,
            shown_with_a_map(records.clone(), &outbox, Entity::Model)
        );
        let ids: Vec<Uuid> = ours.iter().map(|row| row.0).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted, "in id order");
        assert_eq!(ours.len(), 4, "9, 1, 33 and the new 6; 17 and 5 deleted");
        for entity in [Entity::Unit, Entity::Campaign] {
            assert_eq!(
                with_pending(records.clone(), &outbox, entity),
                shown_with_a_map(records.clone(), &outbox, entity)
                    .into_iter()
                    .map(|(id, data, _, pending)| (id, data, pending))
                    .collect::<Vec<_>>(),
                "{entity:?}"
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
