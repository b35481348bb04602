//! The local store and the sync engine in headless Chromium, against a scripted server: both
//! stores (IndexedDB and its in-memory twin) must behave the same, and nothing saved may be lost
//! through failures, lost answers, rejections or resets.

// A test states what must hold with unwrap/expect; the lint is for production code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{cell::RefCell, collections::BTreeMap};

use dvk_app::{
    store::{HandOver, LocalDb, LocalStore, MemoryStore, Owner, with_pending},
    sync::{Transport, TransportError, backoff_ms, sync_until_settled},
};
use dvk_shared::sync::{
    Change, ChangeOp, Mutation, PushError, PushResult, PushStatus, SyncRequest, SyncResponse,
    apply_locally,
};
use serde_json::{Value, json};
use uuid::Uuid;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// A server in a box: applies what it is sent (rejecting names that say so), remembers the
/// last seq, and can fail before or after committing.
#[derive(Default)]
struct Scripted {
    state: RefCell<ServerState>,
}

#[derive(Default)]
struct ServerState {
    version: i64,
    last_seq: u64,
    records: BTreeMap<Uuid, (i64, Value)>,
    deleted: BTreeMap<Uuid, i64>,
    unreachable: bool,
    signed_out: bool,
    lose_next_answer: bool,
    reset_next: bool,
    applied: u32,
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
        let mut results = Vec::new();
        for push in &request.push {
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
            let id = push.mutation.id;
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
        let reset = std::mem::take(&mut s.reset_next);
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
                entity: "model".into(),
                id: *id,
                version: *v,
                op: ChangeOp::Put,
                data: Some(data.clone()),
            })
            .chain(
                s.deleted
                    .iter()
                    .filter(|(_, v)| **v > cursor)
                    .map(|(id, v)| Change {
                        entity: "model".into(),
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
        Ok(SyncResponse {
            epoch: "e1".into(),
            reset,
            results,
            cursor: s.version.to_string(),
            changes,
            more: false,
        })
    }
}

fn create(name: &str) -> Mutation {
    Mutation {
        kind: "model.create".into(),
        id: Uuid::now_v7(),
        base_version: None,
        fields: json!({"name": name, "unit_id": Uuid::now_v7(), "field": "culture_society", "year": 2026})
            .as_object()
            .cloned()
            .unwrap(),
    }
}

/// A fixed clock: the store records it as the time of the last successful sync.
fn now() -> i64 {
    1_800_000_000_000
}

async fn nothing_saved_is_lost<S: LocalStore>(store: &S) {
    let server = Scripted::default();
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
        store.records("model").await.unwrap(),
        &store.outbox().await.unwrap(),
        "model",
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
    // The retry is answered "duplicate": applied once, and the outbox empties.
    let progress = sync_until_settled(store, &server, now, |_| {})
        .await
        .unwrap();
    assert!(progress.rounds >= 1);
    assert_eq!(server.state.borrow().applied, 2);
    assert!(store.outbox().await.unwrap().is_empty());
    let records = store.records("model").await.unwrap();
    assert_eq!(records.len(), 2);
    let view = with_pending(records, &[], "model");
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
    let update = Mutation {
        kind: "model.update".into(),
        id: first.id,
        base_version: Some(1),
        fields: json!({"objectives": "Mục tiêu"})
            .as_object()
            .cloned()
            .unwrap(),
    };
    server.state.borrow_mut().unreachable = true;
    store.enqueue(update).await.unwrap();
    server.state.borrow_mut().unreachable = false;
    server.state.borrow_mut().reset_next = true;
    sync_until_settled(store, &server, now, |_| {})
        .await
        .unwrap();
    let records = store.records("model").await.unwrap();
    assert_eq!(records.len(), 2);
    let mine = records.iter().find(|r| r.id == first.id).unwrap();
    assert_eq!(mine.data["objectives"], "Mục tiêu");
}

#[wasm_bindgen_test]
async fn nothing_saved_is_lost_with_indexeddb() {
    let db = LocalDb::open(&format!("dvk-test-{}", Uuid::now_v7()))
        .await
        .unwrap();
    nothing_saved_is_lost(&db).await;
}

#[wasm_bindgen_test]
async fn nothing_saved_is_lost_with_the_memory_twin() {
    nothing_saved_is_lost(&MemoryStore::default()).await;
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
    let db = LocalDb::open(&format!("dvk-test-{}", Uuid::now_v7()))
        .await
        .unwrap();
    let server = Scripted::default();
    db.enqueue(create("Làm trong lúc hết phiên")).await.unwrap();
    server.state.borrow_mut().signed_out = true;
    let error = sync_until_settled(&db, &server, now, |_| {})
        .await
        .unwrap_err();
    assert_eq!(
        error,
        dvk_app::sync::SyncError::Transport(TransportError::SignInRequired)
    );
    assert_eq!(
        db.outbox().await.unwrap().len(),
        1,
        "nothing is dropped on a 401"
    );
    server.state.borrow_mut().signed_out = false;
    sync_until_settled(&db, &server, now, |_| {}).await.unwrap();
    assert!(db.outbox().await.unwrap().is_empty());
    assert_eq!(db.records("model").await.unwrap().len(), 1);
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
    assert_eq!(store.hand_over(&hoa).await.unwrap(), HandOver::Ready);
    let first_device = store.device_id().await.unwrap();
    assert_eq!(store.enqueue(create("Sân chơi")).await.unwrap(), 1);
    assert_eq!(
        store.hand_over(&nam).await.unwrap(),
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
    assert_eq!(store.hand_over(&hoa).await.unwrap(), HandOver::Ready);

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
    };
    store.learn(&answer, now()).await.unwrap();
    assert_eq!(store.hand_over(&nam).await.unwrap(), HandOver::Ready);
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
    let db = LocalDb::open(&format!("dvk-test-{}", Uuid::now_v7()))
        .await
        .unwrap();
    a_device_is_handed_over_only_when_nothing_of_the_previous_user_waits(&db).await;
}

#[wasm_bindgen_test]
async fn hand_over_with_the_memory_twin() {
    a_device_is_handed_over_only_when_nothing_of_the_previous_user_waits(&MemoryStore::default())
        .await;
}
