//! Urging and supervision through sync, against the real server on SQLite and PostgreSQL: the
//! Board writes a reminder and an inspection note to a commune offline; they reach the
//! commune's tablet, which acknowledges the reminder; the supervision list counts what the
//! commune left behind (idle drafts, unread items, an overdue follow-up, a tablet gone quiet)
//! and follows each step; the Board closes the note, and a second Board member reopening it
//! from an older copy meets a conflict. Every refusal: a registrar writing or closing, people
//! of other units (the Board, a surveyor, a leader) acknowledging, a note without findings, a
//! model of another unit, the list asked by a registrar or with a bad threshold.

// A test states what must hold with unwrap/expect; the lint is for production code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use dvk_shared::{
    date::Timestamp,
    oversight::{Behind, SupervisionList},
    sync::{Entity, PushStatus},
};
use dvk_tests::{Backend, TestServer, device::Device};
use serde_json::{Value, json};
use uuid::Uuid;

fn held(device: &Device, id: Uuid) -> Value {
    device
        .held(Entity::Oversight, id)
        .unwrap_or_else(|| panic!("the device does not hold item {id}"))
        .data
}

fn version(device: &Device, id: Uuid) -> Option<i64> {
    device.held(Entity::Oversight, id).map(|h| h.version)
}

fn a_model_of(device: &Device, unit: &str) -> Uuid {
    device
        .replica()
        .into_iter()
        .find(|((entity, _), held)| entity == "model" && held.data["unit_id"] == unit)
        .map(|((_, id), _)| id)
        .expect("a model of the unit")
}

async fn behind(client: &dvk_tests::Client, unit: &str) -> Behind {
    let list: SupervisionList = client.get_json("/api/supervision").await.unwrap();
    list.units
        .into_iter()
        .find(|u| u.unit_id.to_string() == unit)
        .map(|u| u.behind)
        .unwrap_or_default()
}

async fn reminders_and_notes_reach_the_unit_and_the_list_follows(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let hoa = server.unit("Xã Điện Hòa").await.id.to_string();
    let phong = server.unit("Xã Điện Phong").await.id.to_string();
    let mut commune = Device::of_demo(&server, "dienhoa").await.unwrap();
    let mut board = Device::of_demo(&server, "bandanvan").await.unwrap();
    let mut admin = Device::of_demo(&server, "admin").await.unwrap();
    let mut surveyor = Device::of_demo(&server, "khaosat").await.unwrap();
    let mut leader = Device::of_demo(&server, "lanhdao").await.unwrap();
    let board_client = server.client();
    board_client.login_demo("bandanvan").await.unwrap();

    // The demo's drafts at the commune were registered long ago: the list already names them.
    let start = behind(&board_client, &hoa).await;
    assert!(start.drafts_idle > 0, "{start:?}");
    assert_eq!((start.unread, start.followups_overdue), (0, 0));

    // The Board writes offline: a reminder, and the note of an inspection of one model whose
    // follow-up was due weeks ago; two that are refused whole.
    let model = a_model_of(&board, &hoa);
    let other_model = a_model_of(&board, &phong);
    let reminder = Uuid::now_v7();
    let note = Uuid::now_v7();
    let (empty, misplaced) = (Uuid::now_v7(), Uuid::now_v7());
    let sent = board.edit(
        "oversight.create",
        reminder,
        None,
        json!({
            "kind": "reminder", "unit_id": hoa, "date": "2026-11-20",
            "by": "Ban Dân vận Thị ủy",
            "findings": "Xã còn hồ sơ mô hình để nháp quá 30 ngày chưa gửi Ban.",
            "requests": "Hoàn thiện và gửi hồ sơ", "due": "2026-12-15",
        }),
    );
    let written = board.edit(
        "oversight.create",
        note,
        None,
        json!({
            "kind": "inspection", "unit_id": hoa, "model_id": model, "date": "2026-10-01",
            "by": "Đoàn kiểm tra số 2", "findings": "Sổ theo dõi kết quả chưa cập nhật.",
            "requests": "Cập nhật sổ theo dõi", "due": "2026-10-31",
        }),
    );
    let no_findings = board.edit(
        "oversight.create",
        empty,
        None,
        json!({ "kind": "reminder", "unit_id": hoa, "date": "2026-11-20", "findings": " " }),
    );
    let wrong_model = board.edit(
        "oversight.create",
        misplaced,
        None,
        json!({ "kind": "inspection", "unit_id": hoa, "model_id": other_model,
                "date": "2026-11-20", "findings": "Đã kiểm tra" }),
    );
    board.sync().await.unwrap();
    board.applied(sent);
    board.applied(written);
    assert_eq!(board.refused(no_findings).0, "validation_failed");
    assert_eq!(board.refused(wrong_model).0, "validation_failed");
    assert!(held(&board, reminder)["written_by"].as_str().is_some());

    // A registrar cannot write one.
    let own = Uuid::now_v7();
    let by_registrar = commune.edit(
        "oversight.create",
        own,
        None,
        json!({ "kind": "reminder", "unit_id": hoa, "date": "2026-11-20", "findings": "Tự nhắc" }),
    );
    commune.sync().await.unwrap();
    assert_eq!(commune.refused(by_registrar).0, "role_not_allowed");

    // Both reach the commune's tablet, open and unread.
    let item = held(&commune, reminder);
    assert_eq!(item["status"], "open");
    assert_eq!(item["acknowledged"], Value::Null);
    assert_eq!(held(&commune, note)["model_id"], model.to_string());
    let now = behind(&board_client, &hoa).await;
    assert_eq!((now.unread, now.followups_overdue), (2, 1), "{now:?}");

    // Only the commune's own people acknowledge: not the Board, a surveyor or a leader.
    for device in [&mut board, &mut surveyor, &mut leader] {
        device.sync().await.unwrap();
        let seen = version(device, reminder);
        let ack = device.save("oversight.acknowledge", reminder, seen, json!({}));
        device.sync().await.unwrap();
        assert_eq!(device.refused(ack).0, "not_your_unit");
    }
    let seen = version(&commune, reminder);
    let ack = commune.save("oversight.acknowledge", reminder, seen, json!({}));
    let again = commune.save("oversight.acknowledge", reminder, seen, json!({}));
    commune.sync().await.unwrap();
    commune.applied(ack);
    assert_eq!(commune.answer(again).status, PushStatus::Duplicate);
    let read = held(&commune, reminder);
    assert_eq!(
        read["acknowledged"]["name"].as_str().map(str::is_empty),
        Some(false)
    );
    assert!(read["acknowledged"]["at"].as_i64().is_some());
    assert_eq!(behind(&board_client, &hoa).await.unread, 1);

    // The registrar cannot close what the Board follows up.
    let seen = version(&commune, note);
    let close = commune.save("oversight.close", note, seen, json!({"comment": "Xong"}));
    commune.sync().await.unwrap();
    assert_eq!(commune.refused(close).0, "role_not_allowed");

    // The Board closes the note; an administrator who had not synced since reopens it from
    // the older copy and meets the Board's decision instead of overwriting it.
    admin.sync().await.unwrap();
    let stale = version(&admin, note);
    board.sync().await.unwrap();
    let seen = version(&board, note);
    let close = board.save(
        "oversight.close",
        note,
        seen,
        json!({"comment": "Đã kiểm tra lại: sổ đã cập nhật"}),
    );
    board.sync().await.unwrap();
    board.applied(close);
    let closed = held(&board, note);
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["closed"]["note"], "Đã kiểm tra lại: sổ đã cập nhật");
    let reopen = admin.save(
        "oversight.reopen",
        note,
        stale,
        json!({"comment": "Chưa đạt"}),
    );
    admin.sync().await.unwrap();
    assert_eq!(admin.answer(reopen).status, PushStatus::Conflict);
    let now = behind(&board_client, &hoa).await;
    assert_eq!(now.followups_overdue, 0, "{now:?}");

    // A tablet of the commune that has not synced for ten days shows in the list.
    let user = server.user_id("dienhoa").await;
    let quiet = Uuid::now_v7().to_string();
    let ten_days_ago = Timestamp(dvk_server::now().0 - 10 * 86_400_000);
    server
        .store()
        .device_seen(&quiet, user, ten_days_ago)
        .await
        .unwrap();
    assert_eq!(behind(&board_client, &hoa).await.devices_quiet, 1);
    let relaxed: SupervisionList = board_client
        .get_json("/api/supervision?quiet_days=30")
        .await
        .unwrap();
    assert!(
        relaxed
            .units
            .iter()
            .all(|u| u.unit_id.to_string() != hoa || u.behind.devices_quiet == 0)
    );

    // The history keeps every step; the list is not for registrars, and thresholds are bounded.
    let history = server
        .store()
        .history(Entity::Oversight, &note.to_string())
        .await
        .unwrap();
    let actions: Vec<&str> = history.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["oversight.create", "oversight.close"]);
    let registrar = server.client();
    registrar.login_demo("dienhoa").await.unwrap();
    let answer = registrar.get("/api/supervision").await.unwrap();
    assert_eq!(answer.status(), 403);
    let answer = board_client
        .get("/api/supervision?idle_days=0")
        .await
        .unwrap();
    assert_eq!(answer.status(), 400);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["code"], "invalid_query");
}

#[tokio::test]
async fn reminders_and_notes_reach_the_unit_on_sqlite() {
    reminders_and_notes_reach_the_unit_and_the_list_follows(Backend::Sqlite).await;
}

#[tokio::test]
async fn reminders_and_notes_reach_the_unit_on_postgres() {
    reminders_and_notes_reach_the_unit_and_the_list_follows(Backend::Postgres).await;
}

/// How long a model has had its status is the server's to say, from its first save on.
async fn the_server_keeps_since_when_a_model_has_its_status(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let hoa = server.unit("Xã Điện Hòa").await.id.to_string();
    let mut commune = Device::of_demo(&server, "dienhoa").await.unwrap();
    // The device may not say it: a request naming it is refused whole, before anything applies.
    let mut forger = Device::of_demo(&server, "dienhoa").await.unwrap();
    forger.edit(
        "model.create",
        Uuid::now_v7(),
        None,
        json!({ "unit_id": hoa, "name": "Mô hình thử", "field": "economic_development", "year": 2026,
                "status_since": 1 }),
    );
    match forger.send(&forger.request()).await.unwrap() {
        dvk_tests::device::Round::Refused(status, _) => assert_eq!(status, 400),
        dvk_tests::device::Round::Answered(_) => panic!("a forged status_since was applied"),
    }
    let create = commune.edit(
        "model.create",
        Uuid::now_v7(),
        None,
        json!({ "unit_id": hoa, "name": "Mô hình thử", "field": "economic_development", "year": 2026 }),
    );
    let before = dvk_server::now().0;
    commune.sync().await.unwrap();
    commune.applied(create);
    let id = commune
        .replica()
        .into_iter()
        .find(|((e, _), h)| e == "model" && h.data["name"] == "Mô hình thử")
        .map(|((_, id), _)| id)
        .unwrap();
    let since = commune.held(Entity::Model, id).unwrap().data["status_since"]
        .as_i64()
        .expect("status_since on the device");
    assert!(since >= before - 60_000, "{since} vs {before}");
    // An edit of its fields keeps it (only a move in the lifecycle sets it again).
    let seen = commune.version_of(id);
    let edit = commune.save("model.update", id, seen, json!({"objectives": "Mục tiêu"}));
    commune.sync().await.unwrap();
    commune.applied(edit);
    assert_eq!(
        commune.held(Entity::Model, id).unwrap().data["status_since"].as_i64(),
        Some(since)
    );
}

#[tokio::test]
async fn the_server_keeps_since_when_a_model_has_its_status_on_sqlite() {
    the_server_keeps_since_when_a_model_has_its_status(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_server_keeps_since_when_a_model_has_its_status_on_postgres() {
    the_server_keeps_since_when_a_model_has_its_status(Backend::Postgres).await;
}

/// A model last changed before the server kept `status_since` gets the time of its last
/// change from migration 0014 (on both databases), so the supervision list counts an old draft.
async fn models_changed_before_get_their_last_change(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let url = server.database_url();
    let (strip, migration) = match backend {
        Backend::Sqlite => (
            "UPDATE models SET data = json_remove(data, '$.status_since'), updated_at = 1600000000000",
            include_str!("../../server/migrations/sqlite/0014_status_since.sql"),
        ),
        Backend::Postgres => (
            "UPDATE models SET data = (data::jsonb - 'status_since')::text, updated_at = 1600000000000",
            include_str!("../../server/migrations/postgres/0014_status_since.sql"),
        ),
    };
    let run = |sql: &'static str| {
        let url = url.clone();
        async move {
            match backend {
                Backend::Sqlite => {
                    let mut db = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
                        .await
                        .unwrap();
                    sqlx::raw_sql(sql).execute(&mut db).await.unwrap();
                }
                Backend::Postgres => {
                    let mut db = <sqlx::PgConnection as sqlx::Connection>::connect(&url)
                        .await
                        .unwrap();
                    sqlx::raw_sql(sql).execute(&mut db).await.unwrap();
                }
            }
        }
    };
    run(strip).await;
    let board = server.client();
    board.login_demo("bandanvan").await.unwrap();
    let hoa = server.unit("Xã Điện Hòa").await.id.to_string();
    // Without it, nothing counts as idle.
    assert_eq!(behind(&board, &hoa).await.drafts_idle, 0);
    run(migration).await;
    let after = behind(&board, &hoa).await;
    assert!(after.drafts_idle > 0, "{after:?}");
}

#[tokio::test]
async fn models_changed_before_get_their_last_change_on_sqlite() {
    models_changed_before_get_their_last_change(Backend::Sqlite).await;
}

#[tokio::test]
async fn models_changed_before_get_their_last_change_on_postgres() {
    models_changed_before_get_their_last_change(Backend::Postgres).await;
}
