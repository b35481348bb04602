//! The local store and the sync engine in headless Chromium, against a scripted server: the
//! IndexedDB store and its in-memory twin must behave the same, and nothing saved may be lost
//! through failures, lost answers, rejections, resets, a long offline session, a server that
//! takes only small requests, or a server whose database was restored.

// A test states what must hold with unwrap/expect; the lint is for production code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{cell::RefCell, collections::BTreeMap};

use dvk_app::{
    store::{HandOver, LocalDb, LocalStore, Owner, with_pending},
    sync::{SyncError, Transport, TransportError, backoff_ms, sync_until_settled},
};
use dvk_shared::{
    ids::RecordId,
    sync::{
        Change, ChangeOp, Entity, Kind, Mutation, PushError, PushResult, PushStatus, RawJson,
        SyncRequest, SyncResponse, apply_locally, client::MemoryStore,
    },
};
use serde_json::{Value, json};
use uuid::Uuid;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// A server in a box: applies what it is sent (rejecting names that say so), remembers the
/// last seq, can fail before or after committing, refuse large bodies, or start a new epoch as
/// a restore does.
#[derive(Default)]
struct Scripted {
    state: RefCell<ServerState>,
}

type Backup = (i64, BTreeMap<Uuid, (i64, Value)>, BTreeMap<Uuid, i64>);

#[derive(Default)]
struct ServerState {
    version: i64,
    last_seq: u64,
    epoch: String,
    records: BTreeMap<Uuid, (i64, Value)>,
    deleted: BTreeMap<Uuid, i64>,
    unreachable: bool,
    signed_out: bool,
    lose_next_answer: bool,
    reset_next: bool,
    /// Bodies larger than this are answered 413.
    body_max: Option<usize>,
    /// The kept-through of a restore, once the server was restored.
    kept_through: Option<i64>,
    applied: u32,
    /// How many changes each request carried.
    batches: Vec<usize>,
    /// Answers carry at most this many changes, and say there are more.
    page: Option<usize>,
    /// The cursor each request carried.
    cursors: Vec<Option<String>>,
}

impl Scripted {
    fn new() -> Self {
        let server = Self::default();
        server.state.borrow_mut().epoch = "e1".into();
        server
    }

    /// A copy of the records as they stand.
    fn backup(&self) -> Backup {
        let s = self.state.borrow();
        (s.version, s.records.clone(), s.deleted.clone())
    }

    /// The database is restored from `backup`: what came after is gone, the device numbering
    /// is forgotten, a new epoch says so, and the counter does not go back.
    fn restore(&self, (version, records, deleted): Backup) {
        let mut s = self.state.borrow_mut();
        s.records = records;
        s.deleted = deleted;
        s.epoch = "e2".into();
        s.kept_through = Some(version);
        s.last_seq = 0;
    }
}

impl Transport for Scripted {
    async fn sync(&self, request: &SyncRequest) -> Result<SyncResponse, TransportError> {
        let mut s = self.state.borrow_mut();
        if s.unreachable {
            return Err(TransportError::Unreachable("offline".into()));
        }
        if s.signed_out {
            return Err(TransportError::SignInRequired);
        }
        if let Some(max) = s.body_max
            && serde_json::to_vec(request).unwrap().len() > max
        {
            return Err(TransportError::TooLarge);
        }
        s.cursors.push(request.cursor.clone());
        let other_epoch = request.epoch.as_deref().is_some_and(|e| e != s.epoch);
        let mut results = Vec::new();
        if !other_epoch && !request.push.is_empty() {
            s.batches.push(request.push.len());
            if s.last_seq == 0 {
                s.last_seq = request.push[0].seq - 1;
            }
        }
        for push in request.push.iter().filter(|_| !other_epoch) {
            let seq = push.seq;
            if seq <= s.last_seq {
                results.push(PushResult {
                    seq,
                    status: PushStatus::Duplicate,
                    version: None,
                    conflict: None,
                    error: None,
                });
                continue;
            }
            s.last_seq = seq;
            if push.mutation.fields.get("name") == Some(&json!("bị từ chối")) {
                results.push(PushResult {
                    seq,
                    status: PushStatus::Rejected,
                    version: None,
                    conflict: None,
                    error: Some(PushError {
                        code: "validation_failed".into(),
                        message: "Sai".into(),
                        message_en: "Wrong".into(),
                        fields: None,
                    }),
                });
                continue;
            }
            let id = push.mutation.id.as_uuid();
            let current = s.records.get(&id).map(|(_, v)| v.clone());
            s.version += 1;
            let version = s.version;
            match apply_locally(current, &push.mutation) {
                Some(data) => {
                    s.records.insert(id, (version, data));
                }
                None => {
                    s.records.remove(&id);
                    s.deleted.insert(id, version);
                }
            }
            s.applied += 1;
            results.push(PushResult {
                seq,
                status: PushStatus::Applied,
                version: Some(version),
                conflict: None,
                error: None,
            });
        }
        let reset = std::mem::take(&mut s.reset_next) || other_epoch;
        let cursor: i64 = if reset {
            0
        } else {
            request.cursor.as_deref().map_or(0, |c| c.parse().unwrap())
        };
        let mut changes: Vec<Change> = s
            .records
            .iter()
            .filter(|(_, (v, _))| *v > cursor)
            .map(|(id, (v, data))| Change {
                entity: Entity::Model,
                id: *id,
                version: *v,
                op: ChangeOp::Put,
                data: Some(RawJson::from_value(data)),
            })
            .chain(
                s.deleted
                    .iter()
                    .filter(|(_, v)| **v > cursor)
                    .map(|(id, v)| Change {
                        entity: Entity::Model,
                        id: *id,
                        version: *v,
                        op: ChangeOp::Delete,
                        data: None,
                    }),
            )
            .collect();
        changes.sort_by_key(|c| c.version);
        if std::mem::take(&mut s.lose_next_answer) {
            return Err(TransportError::Unreachable("the answer was lost".into()));
        }
        let more = s.page.is_some_and(|page| changes.len() > page);
        changes.truncate(s.page.unwrap_or(usize::MAX));
        let cursor = match (more, changes.last()) {
            (true, Some(last)) => last.version.to_string(),
            _ => s.version.to_string(),
        };
        Ok(SyncResponse {
            epoch: s.epoch.clone(),
            reset,
            results,
            cursor,
            changes,
            more,
            kept_through: s.kept_through,
        })
    }
}

fn record_id() -> RecordId {
    RecordId::from_uuid(Uuid::now_v7()).unwrap()
}

fn create(name: &str) -> Mutation {
    Mutation {
        kind: Kind::ModelCreate,
        id: record_id(),
        base_version: None,
        fields: json!({"name": name, "unit_id": Uuid::now_v7(), "field": "culture_society", "year": 2026})
            .as_object()
            .cloned()
            .unwrap(),
    }
}

fn update(id: RecordId, base: i64, fields: Value) -> Mutation {
    Mutation {
        kind: Kind::ModelUpdate,
        id,
        base_version: Some(base),
        fields: fields.as_object().cloned().unwrap(),
    }
}

/// A fixed clock: the store records it as the time of the last successful sync.
fn now() -> i64 {
    1_800_000_000_000
}

fn memory() -> MemoryStore {
    MemoryStore::new(Uuid::now_v7())
}

async fn indexeddb() -> LocalDb {
    LocalDb::open(&format!("dvk-test-{}", Uuid::now_v7()))
        .await
        .unwrap()
}

async fn nothing_saved_is_lost<S: LocalStore>(store: &S) {
    let server = Scripted::new();
    let first = create("Tủ sách cộng đồng");
    assert_eq!(store.enqueue(first.clone()).await.unwrap(), 1);
    assert_eq!(store.enqueue(create("Đường hoa")).await.unwrap(), 2);

    // Offline: the sync fails and the outbox is untouched.
    server.state.borrow_mut().unreachable = true;
    assert!(
        sync_until_settled(store, &server, now, |_| {})
            .await
            .is_err()
    );
    assert_eq!(store.outbox().await.unwrap().len(), 2);
    // The screen already shows both, as pending.
    let view = with_pending(
        store.records(Entity::Model).await.unwrap(),
        &store.outbox().await.unwrap(),
        Entity::Model,
    );
    assert_eq!(view.len(), 2);
    assert!(view.iter().all(|(_, _, pending)| *pending));

    // Back online, but the answer is lost after the server committed.
    server.state.borrow_mut().unreachable = false;
    server.state.borrow_mut().lose_next_answer = true;
    assert!(
        sync_until_settled(store, &server, now, |_| {})
            .await
            .is_err()
    );
    assert_eq!(
        store.outbox().await.unwrap().len(),
        2,
        "no answer, nothing leaves the outbox"
    );
    // Sent once, never joined again: an edit made now is a change of its own.
    store
        .enqueue(update(first.id, 0, json!({"content": "Cách làm"})))
        .await
        .unwrap();
    assert_eq!(store.outbox().await.unwrap().len(), 3);
    // The retry is answered: applied once, and the outbox empties.
    let progress = sync_until_settled(store, &server, now, |_| {})
        .await
        .unwrap();
    assert!(progress.rounds >= 1);
    assert_eq!(server.state.borrow().applied, 3);
    assert!(store.outbox().await.unwrap().is_empty());
    let records = store.records(Entity::Model).await.unwrap();
    assert_eq!(records.len(), 2);
    let view = with_pending(records, &[], Entity::Model);
    assert!(view.iter().all(|(_, _, pending)| !*pending));
    assert_eq!(store.mark().await.unwrap().last_success, Some(now()));

    // A rejection comes back as a problem with what the person typed.
    store.enqueue(create("bị từ chối")).await.unwrap();
    sync_until_settled(store, &server, now, |_| {})
        .await
        .unwrap();
    let problems = store.problems().await.unwrap();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].push.mutation.fields["name"], "bị từ chối");
    assert_eq!(
        problems[0].result.error.as_ref().unwrap().code,
        "validation_failed"
    );
    store.dismiss_problem(problems[0].push.seq).await.unwrap();
    assert!(store.problems().await.unwrap().is_empty());

    // A reset rebuilds the replica from scratch and keeps what waits in the outbox.
    server.state.borrow_mut().unreachable = true;
    store
        .enqueue(update(first.id, 1, json!({"objectives": "Mục tiêu"})))
        .await
        .unwrap();
    server.state.borrow_mut().unreachable = false;
    server.state.borrow_mut().reset_next = true;
    sync_until_settled(store, &server, now, |_| {})
        .await
        .unwrap();
    let records = store.records(Entity::Model).await.unwrap();
    assert_eq!(records.len(), 2);
    let mine = records.iter().find(|r| r.id == first.id.as_uuid()).unwrap();
    assert_eq!(mine.data["objectives"], "Mục tiêu");
}

#[wasm_bindgen_test]
async fn nothing_saved_is_lost_with_indexeddb() {
    nothing_saved_is_lost(&indexeddb().await).await;
}

#[wasm_bindgen_test]
async fn nothing_saved_is_lost_with_the_memory_twin() {
    nothing_saved_is_lost(&memory()).await;
}

/// One registration made offline, field by field, is one change (and one entry in the model's
/// history); edits of another version stay apart.
async fn unsent_edits_of_one_record_join<S: LocalStore>(store: &S) {
    let draft = create("Sân chơi thiếu nhi");
    let id = draft.id;
    assert_eq!(store.enqueue(draft).await.unwrap(), 1);
    for (i, field) in [
        "objectives",
        "content",
        "participants",
        "effectiveness",
        "replication_scope",
    ]
    .iter()
    .enumerate()
    {
        assert_eq!(
            store
                .enqueue(update(id, 0, json!({ *field: format!("Nội dung {i}") })))
                .await
                .unwrap(),
            1,
            "{field} joins the create"
        );
    }
    let outbox = store.outbox().await.unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].mutation.kind, Kind::ModelCreate);
    assert_eq!(outbox[0].mutation.fields["replication_scope"], "Nội dung 4");
    assert_eq!(outbox[0].mutation.fields["name"], "Sân chơi thiếu nhi");

    let server = Scripted::new();
    sync_until_settled(store, &server, now, |_| {})
        .await
        .unwrap();
    assert_eq!(
        server.state.borrow().applied,
        1,
        "one change reached the server"
    );
    // Edits made against the version the server sent join each other, not across an action.
    store
        .enqueue(update(id, 1, json!({"name": "Sân chơi"})))
        .await
        .unwrap();
    store
        .enqueue(update(id, 1, json!({"content": "Mới"})))
        .await
        .unwrap();
    store
        .enqueue(Mutation {
            kind: Kind::ModelAct(dvk_shared::model::Action::Submit),
            id,
            base_version: Some(1),
            fields: Default::default(),
        })
        .await
        .unwrap();
    store
        .enqueue(update(id, 1, json!({"content": "Sau khi gửi"})))
        .await
        .unwrap();
    let kinds: Vec<Kind> = store
        .outbox()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.mutation.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            Kind::ModelUpdate,
            Kind::ModelAct(dvk_shared::model::Action::Submit),
            Kind::ModelUpdate
        ]
    );
}

#[wasm_bindgen_test]
async fn unsent_edits_join_with_indexeddb() {
    unsent_edits_of_one_record_join(&indexeddb().await).await;
}

#[wasm_bindgen_test]
async fn unsent_edits_join_with_the_memory_twin() {
    unsent_edits_of_one_record_join(&memory()).await;
}

/// 251 records with 8,000 characters each, saved offline: the requests stay within the byte
/// budget, and a server that takes even less makes the device send less, never the same again.
async fn a_long_offline_session_leaves_in_requests_the_server_takes<S: LocalStore>(store: &S) {
    let text = "Vận động nhân dân hiến đất làm đường. ".repeat(215);
    assert!(text.chars().count() >= 8_000);
    for i in 0..251 {
        let mut change = create(&format!("Mô hình {i}"));
        change.fields.insert("content".into(), json!(text));
        store.enqueue(change).await.unwrap();
    }
    let server = Scripted::new();
    server.state.borrow_mut().body_max = Some(300_000);
    sync_until_settled(store, &server, now, |_| {})
        .await
        .unwrap();
    assert!(store.outbox().await.unwrap().is_empty());
    let s = server.state.borrow();
    assert_eq!(s.applied, 251);
    assert!(s.batches.len() > 3, "{:?}", s.batches);
    assert!(s.batches.iter().all(|n| *n < 251));
}

#[wasm_bindgen_test]
async fn a_long_offline_session_leaves_with_indexeddb() {
    a_long_offline_session_leaves_in_requests_the_server_takes(&indexeddb().await).await;
}

#[wasm_bindgen_test]
async fn a_long_offline_session_leaves_with_the_memory_twin() {
    a_long_offline_session_leaves_in_requests_the_server_takes(&memory()).await;
}

/// The server's database is restored from before some of this device's applied changes: the
/// device rebuilds, sends those again before what waits in its outbox, and nobody does
/// anything.
async fn after_a_restore_the_device_sends_again_what_the_server_lost<S: LocalStore>(store: &S) {
    let server = Scripted::new();
    let kept = create("Trước khi sao lưu");
    let lost = create("Sau khi sao lưu");
    store.enqueue(kept.clone()).await.unwrap();
    sync_until_settled(store, &server, now, |_| {})
        .await
        .unwrap();
    let backup = server.backup();
    store.enqueue(lost.clone()).await.unwrap();
    store
        .enqueue(update(kept.id, 1, json!({"content": "Sửa sau sao lưu"})))
        .await
        .unwrap();
    sync_until_settled(store, &server, now, |_| {})
        .await
        .unwrap();
    assert_eq!(server.state.borrow().applied, 3);

    server.restore(backup);
    let waiting = create("Chưa gửi");
    store.enqueue(waiting.clone()).await.unwrap();
    sync_until_settled(store, &server, now, |_| {})
        .await
        .unwrap();
    assert!(store.outbox().await.unwrap().is_empty());
    {
        let s = server.state.borrow();
        assert_eq!(s.epoch, "e2");
        assert_eq!(s.applied, 6, "the two lost changes and the waiting one");
        assert!(s.records.contains_key(&lost.id.as_uuid()));
        assert_eq!(
            s.records[&kept.id.as_uuid()].1["content"],
            "Sửa sau sao lưu"
        );
        assert!(s.records.contains_key(&waiting.id.as_uuid()));
    }
    let records = store.records(Entity::Model).await.unwrap();
    assert_eq!(
        records.len(),
        3,
        "the replica rebuilt from the restored server"
    );
}

#[wasm_bindgen_test]
async fn after_a_restore_with_indexeddb() {
    after_a_restore_the_device_sends_again_what_the_server_lost(&indexeddb().await).await;
}

#[wasm_bindgen_test]
async fn after_a_restore_with_the_memory_twin() {
    after_a_restore_the_device_sends_again_what_the_server_lost(&memory()).await;
}

#[wasm_bindgen_test]
async fn the_outbox_and_its_numbering_survive_reopening_the_database() {
    let name = format!("dvk-test-{}", Uuid::now_v7());
    let db = LocalDb::open(&name).await.unwrap();
    db.enqueue(create("Một")).await.unwrap();
    db.enqueue(create("Hai")).await.unwrap();
    drop(db);
    let reopened = LocalDb::open(&name).await.unwrap();
    let outbox = reopened.outbox().await.unwrap();
    assert_eq!(outbox.iter().map(|p| p.seq).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(outbox[0].mutation.fields["name"], "Một");
    assert_eq!(
        reopened.enqueue(create("Ba")).await.unwrap(),
        3,
        "numbering goes on, no gap, no reuse"
    );
}

#[wasm_bindgen_test]
fn retries_back_off_up_to_five_minutes_with_jitter() {
    assert!(backoff_ms(1, 0.0) < backoff_ms(3, 0.0));
    assert!(backoff_ms(30, 1.0) <= 300_000);
    assert_ne!(backoff_ms(4, 0.1), backoff_ms(4, 0.9));
}

#[wasm_bindgen_test]
async fn an_expired_sign_in_keeps_the_outbox_until_the_person_signs_in_again() {
    let db = indexeddb().await;
    let server = Scripted::new();
    db.enqueue(create("Làm trong lúc hết phiên")).await.unwrap();
    server.state.borrow_mut().signed_out = true;
    let error = sync_until_settled(&db, &server, now, |_| {})
        .await
        .unwrap_err();
    assert_eq!(error, SyncError::Transport(TransportError::SignInRequired));
    assert_eq!(
        db.outbox().await.unwrap().len(),
        1,
        "nothing is dropped on a 401"
    );
    server.state.borrow_mut().signed_out = false;
    sync_until_settled(&db, &server, now, |_| {}).await.unwrap();
    assert!(db.outbox().await.unwrap().is_empty());
    assert_eq!(db.records(Entity::Model).await.unwrap().len(), 1);
}

/// A device changes hands only once the previous person's work has left it: then the new
/// person gets a new device id, numbering from 1, and an empty replica.
async fn a_device_is_handed_over_only_when_nothing_of_the_previous_user_waits<S: LocalStore>(
    store: &S,
) {
    let hoa = Owner {
        user_id: "user-hoa".into(),
        name: "Lê Thị Hoa".into(),
    };
    let nam = Owner {
        user_id: "user-nam".into(),
        name: "Trần Văn Nam".into(),
    };
    assert_eq!(
        store.hand_over(&hoa, Uuid::now_v7()).await.unwrap(),
        HandOver::Ready
    );
    let first_device = store.device_id().await.unwrap();
    assert_eq!(store.enqueue(create("Sân chơi")).await.unwrap(), 1);
    assert_eq!(
        store.hand_over(&nam, Uuid::now_v7()).await.unwrap(),
        HandOver::Blocked {
            previous: "Lê Thị Hoa".into(),
            waiting: 1
        }
    );
    assert_eq!(
        store.outbox().await.unwrap().len(),
        1,
        "nothing was dropped"
    );
    assert_eq!(store.device_id().await.unwrap(), first_device);
    // The same person signing in again is always welcome.
    assert_eq!(
        store.hand_over(&hoa, Uuid::now_v7()).await.unwrap(),
        HandOver::Ready
    );

    // Hoa's change is answered; now the tablet can change hands.
    let seq = store.outbox().await.unwrap()[0].seq;
    let answer = SyncResponse {
        epoch: "e".into(),
        reset: false,
        results: vec![PushResult {
            seq,
            status: PushStatus::Applied,
            version: Some(1),
            conflict: None,
            error: None,
        }],
        changes: Vec::new(),
        cursor: "1".into(),
        more: false,
        kept_through: None,
    };
    store.learn(&answer, now()).await.unwrap();
    assert_eq!(
        store.hand_over(&nam, Uuid::now_v7()).await.unwrap(),
        HandOver::Ready
    );
    assert_ne!(
        store.device_id().await.unwrap(),
        first_device,
        "a new device id"
    );
    assert_eq!(
        store.mark().await.unwrap().cursor,
        None,
        "the replica starts over"
    );
    assert_eq!(store.enqueue(create("Tủ sách")).await.unwrap(), 1);
}

#[wasm_bindgen_test]
async fn hand_over_with_indexeddb() {
    a_device_is_handed_over_only_when_nothing_of_the_previous_user_waits(&indexeddb().await).await;
}

#[wasm_bindgen_test]
async fn hand_over_with_the_memory_twin() {
    a_device_is_handed_over_only_when_nothing_of_the_previous_user_waits(&memory()).await;
}

#[wasm_bindgen(inline_js = r#"
function opened(r) {
  return new Promise((ok, fail) => { r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
}
// A database as version 3 of the app left it: one row per record, keyed `<entity>:<id>`.
export async function makeVersion3(name, records, outbox) {
  const r = indexedDB.open(name, 3);
  r.onupgradeneeded = () => ["meta", "outbox", "records", "problems", "journal"].forEach((s) => r.result.createObjectStore(s));
  const db = await opened(r);
  const tx = db.transaction(["meta", "outbox", "records"], "readwrite");
  for (let i = 0; i < records.length; i += 2) tx.objectStore("records").put(records[i + 1], records[i]);
  for (let i = 0; i < outbox.length; i += 2) tx.objectStore("outbox").put(outbox[i + 1], outbox[i]);
  tx.objectStore("meta").put(String(outbox.length / 2 + 1), "next_seq");
  await new Promise((ok, fail) => { tx.oncomplete = ok; tx.onabort = () => fail(tx.error); });
  db.close();
}
// The stores of a database and how many pages it holds.
export async function layout(name) {
  const db = await opened(indexedDB.open(name));
  const stores = [...db.objectStoreNames];
  const pages = stores.includes("pages") ? await opened(db.transaction("pages").objectStore("pages").count()) : -1;
  db.close();
  return [stores.join(","), pages];
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = makeVersion3)]
    async fn make_version_3(name: &str, records: Vec<String>, outbox: Vec<String>);
    async fn layout(name: &str) -> JsValue;
}

/// The stores of the database `name` and its number of pages.
async fn stores_and_pages(name: &str) -> (String, i64) {
    let answer = js_sys::Array::from(&layout(name).await);
    (
        answer.get(0).as_string().unwrap(),
        answer.get(1).as_f64().unwrap() as i64,
    )
}

fn change(entity: Entity, id: Uuid, version: i64, data: Option<RawJson>) -> Change {
    Change {
        entity,
        id,
        version,
        op: if data.is_some() {
            ChangeOp::Put
        } else {
            ChangeOp::Delete
        },
        data,
    }
}

fn answer(version: i64, reset: bool, changes: Vec<Change>) -> SyncResponse {
    SyncResponse {
        epoch: "e1".into(),
        reset,
        results: Vec::new(),
        changes,
        cursor: format!("{version}.s"),
        more: false,
        kept_through: None,
    }
}

/// The replica kept in pages reads as the in-memory twin's, record for record, through answers
/// that create, edit and delete records of two entities, a reset, and the compactions that
/// many answers bring; and its pages stay few.
#[wasm_bindgen_test]
async fn the_replica_in_pages_reads_as_the_twin_through_edits_deletions_and_compactions() {
    let name = format!("dvk-test-{}", Uuid::now_v7());
    let paged = LocalDb::open(&name).await.unwrap();
    let twin = memory();
    let ids: Vec<Uuid> = (0..40).map(|_| Uuid::now_v7()).collect();
    // A small generator, so that the run is the same every time.
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |below: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % below
    };
    let mut version = 0;
    for round in 0..70 {
        let mut changes = Vec::new();
        for _ in 0..1 + next(6) {
            version += 1;
            let id = ids[next(ids.len() as u64) as usize];
            let entity = if next(3) == 0 {
                Entity::Unit
            } else {
                Entity::Model
            };
            let data = (next(4) != 0).then(|| {
                RawJson::from_value(&json!({"id": id, "name": format!("Bản {round}-{version}")}))
            });
            changes.push(change(entity, id, version, data));
        }
        let answer = answer(version, round == 50, changes);
        paged.learn(&answer, now()).await.unwrap();
        twin.learn(&answer, now()).await.unwrap();
        for entity in [Entity::Model, Entity::Unit] {
            assert_eq!(
                paged.records(entity).await.unwrap(),
                twin.records(entity).await.unwrap(),
                "round {round}, {entity:?}"
            );
        }
        let (_, pages) = stores_and_pages(&name).await;
        assert!(pages <= 2 * 25, "round {round}: {pages} pages");
    }
    assert!(!paged.records(Entity::Model).await.unwrap().is_empty());
}

/// A tablet upgrading from the release that kept one row per record keeps its replica and its
/// outbox: the records move into pages in the upgrade itself.
#[wasm_bindgen_test]
async fn a_replica_of_one_row_per_record_moves_into_pages_on_upgrade() {
    let name = format!("dvk-test-{}", Uuid::now_v7());
    let mut rows = Vec::new();
    for (n, entity) in (0..2_500).map(|n| (n, if n % 5 == 0 { "unit" } else { "model" })) {
        let id = Uuid::now_v7();
        rows.push(format!("{entity}:{id}"));
        rows.push(
            json!({"entity": entity, "id": id, "version": n + 1, "data": {"id": id, "name": format!("Bản ghi {n}")}})
                .to_string(),
        );
    }
    let waiting = serde_json::to_string(&dvk_shared::sync::Push {
        seq: 1,
        mutation: create("Chờ gửi"),
    })
    .unwrap();
    make_version_3(&name, rows.clone(), vec![format!("{:020}", 1), waiting]).await;

    let db = LocalDb::open(&name).await.unwrap();
    let models = db.records(Entity::Model).await.unwrap();
    let units = db.records(Entity::Unit).await.unwrap();
    assert_eq!((models.len(), units.len()), (2_000, 500));
    assert_eq!(
        models.iter().find(|r| r.version == 2).unwrap().data["name"],
        "Bản ghi 1"
    );
    assert_eq!(
        db.outbox().await.unwrap()[0].mutation.fields["name"],
        "Chờ gửi"
    );
    assert_eq!(db.enqueue(create("Sau nâng cấp")).await.unwrap(), 2);
    let (stores, pages) = stores_and_pages(&name).await;
    assert!(!stores.split(',').any(|s| s == "records"), "{stores}");
    assert_eq!(pages, 3, "two pages of 1,000 models, one of 500 units");
}

/// A download in pages: each page asked for while the one before is written, from the cursor
/// that one gave; a change waiting in the outbox goes first, and one saved after the download
/// goes with the next sync. Every record arrives once.
async fn a_download_in_pages_arrives_whole<S: LocalStore>(store: &S) {
    let server = Scripted::new();
    {
        let mut s = server.state.borrow_mut();
        for n in 0..110 {
            s.version += 1;
            let id = Uuid::now_v7();
            let version = s.version;
            s.records.insert(
                id,
                (version, json!({"id": id, "name": format!("Mô hình {n}")})),
            );
        }
        s.page = Some(25);
    }
    store.enqueue(create("Chờ gửi")).await.unwrap();
    let progress = sync_until_settled(store, &server, now, |_| {})
        .await
        .unwrap();
    assert_eq!(progress.changes_received, 111);
    assert_eq!(progress.rounds, 5, "111 records in pages of 25");
    let models = store.records(Entity::Model).await.unwrap();
    assert_eq!(models.len(), 111);
    assert!(store.outbox().await.unwrap().is_empty());
    {
        let s = server.state.borrow();
        let cursors: Vec<Option<&str>> = s.cursors.iter().map(Option::as_deref).collect();
        assert_eq!(
            cursors,
            [None, Some("25"), Some("50"), Some("75"), Some("100")],
            "each page from the cursor of the one before"
        );
    }
    store.enqueue(create("Sau tải về")).await.unwrap();
    sync_until_settled(store, &server, now, |_| {})
        .await
        .unwrap();
    assert_eq!(store.records(Entity::Model).await.unwrap().len(), 112);
    assert_eq!(server.state.borrow().applied, 2);
}

#[wasm_bindgen_test]
async fn a_download_in_pages_arrives_whole_with_indexeddb() {
    a_download_in_pages_arrives_whole(&indexeddb().await).await;
}

#[wasm_bindgen_test]
async fn a_download_in_pages_arrives_whole_with_the_memory_twin() {
    a_download_in_pages_arrives_whole(&memory()).await;
}
