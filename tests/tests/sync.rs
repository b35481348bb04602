//! The sync contract (SYNC.md) against the real server on SQLite and PostgreSQL, with simulated
//! devices: retries, lost responses, gaps, merges, conflicts, deletes, scope and ownership.

// A test states what must hold with unwrap/expect; the lint is for production code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use dvk_shared::{
    ids::{ModelId, UnitId},
    sync::{ConflictKind, PushStatus, SeqGap},
};
use dvk_tests::{
    Backend, TestServer,
    device::{Device, Round},
};
use serde_json::{Value, json};
use uuid::Uuid;

async fn unit_id(server: &TestServer, name: &str) -> UnitId {
    server.unit(name).await.id
}

/// Xã Điện Tiến is merged into Xã Điện Hòa (`hoa`): its models become Điện Hòa's to see.
async fn merge_tien_into(server: &TestServer, hoa: UnitId) {
    let mut tien = server.unit("Xã Điện Tiến").await;
    tien.merged_into = Some(hoa);
    tien.merged_on = Some(dvk_shared::date::Date::new(2025, 7, 1).unwrap());
    server
        .store()
        .put_unit(
            &tien,
            &dvk_server::store::Actor::system("test"),
            dvk_server::now(),
        )
        .await
        .unwrap();
}

async fn device_of(server: &TestServer, account: &str) -> Device {
    Device::of_demo(server, account).await.unwrap()
}

fn draft(unit: UnitId, name: &str) -> Value {
    json!({"unit_id": unit, "name": name, "field": "culture_society", "year": 2026})
}

fn mid(id: Uuid) -> ModelId {
    ModelId::from_uuid(id).unwrap()
}

fn model_in(device: &Device, id: Uuid) -> Value {
    device.replica()[&("model".to_owned(), id)].data.clone()
}

/// Every scenario on both databases.
macro_rules! on_both {
    ($scenario:ident, $sqlite:ident, $postgres:ident) => {
        #[tokio::test]
        async fn $sqlite() {
            $scenario(Backend::Sqlite).await;
        }
        #[tokio::test]
        async fn $postgres() {
            $scenario(Backend::Postgres).await;
        }
    };
}

async fn a_push_sent_twice_or_after_a_lost_response_applies_once(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let hoa = unit_id(&server, "Xã Điện Hòa").await;
    let mut tablet = device_of(&server, "dienhoa").await;
    let id = Uuid::now_v7();
    tablet.save("model.create", id, None, draft(hoa, "Tủ sách khu dân cư"));
    let request = tablet.request();

    // The server commits but the answer never reaches the tablet.
    let Round::Answered(lost) = tablet.send(&request).await.unwrap() else {
        panic!()
    };
    assert_eq!(lost.results[0].status, PushStatus::Applied);
    // The tablet retries the same request: nothing is applied twice, and the answer is the
    // first one, version included.
    let Round::Answered(again) = tablet.send(&request).await.unwrap() else {
        panic!()
    };
    assert_eq!(again.results, lost.results);
    tablet.learn(again);
    assert!(tablet.outbox().is_empty());
    assert_eq!(model_in(&tablet, id)["name"], "Tủ sách khu dân cư");
    let history = server
        .store()
        .history(dvk_shared::sync::Entity::Model, &id.to_string())
        .await
        .unwrap();
    assert_eq!(history.len(), 1, "one create in the audit log");
}
on_both!(
    a_push_sent_twice_or_after_a_lost_response_applies_once,
    retries_apply_once_on_sqlite,
    retries_apply_once_on_postgres
);

async fn a_gap_in_seq_answers_409_with_the_expected_seq_and_keeps_nothing(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let hoa = unit_id(&server, "Xã Điện Hòa").await;
    let mut tablet = device_of(&server, "dienhoa").await;
    let first = Uuid::now_v7();
    tablet.save("model.create", first, None, draft(hoa, "Một"));
    tablet.sync().await.unwrap();
    let second = Uuid::now_v7();
    tablet.save("model.create", second, None, draft(hoa, "Hai"));
    tablet.save("model.create", Uuid::now_v7(), None, draft(hoa, "Ba"));
    let mut request = tablet.request();
    request.push.remove(0); // seq 2 lost on the tablet's side
    let Round::Refused(status, body) = tablet.send(&request).await.unwrap() else {
        panic!("a gap must be refused")
    };
    assert_eq!(status, 409);
    let gap: SeqGap = serde_json::from_value(body).unwrap();
    assert_eq!(gap.expected, 2);
    assert!(
        server.store().model(mid(second)).await.unwrap().is_none(),
        "nothing of a refused request is kept"
    );
    // Resending from the expected seq settles it.
    tablet.sync().await.unwrap();
    assert_eq!(tablet.answers().len(), 3);
    assert!(
        tablet
            .answers()
            .values()
            .all(|a| a.status == PushStatus::Applied)
    );
}
on_both!(
    a_gap_in_seq_answers_409_with_the_expected_seq_and_keeps_nothing,
    gaps_are_refused_on_sqlite,
    gaps_are_refused_on_postgres
);

async fn conflicts_merge_or_wait_as_the_contract_says(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let hoa = unit_id(&server, "Xã Điện Hòa").await;
    let mut registrar = device_of(&server, "dienhoa").await;
    let mut board = device_of(&server, "bandanvan").await;
    let mut board2 = device_of(&server, "admin").await;
    let id = Uuid::now_v7();
    registrar.save("model.create", id, None, draft(hoa, "Đường hoa"));
    registrar.sync().await.unwrap();
    for device in [&mut board, &mut board2] {
        device.sync().await.unwrap();
    }
    let base = registrar.version_of(id).unwrap();
    assert_eq!(board.version_of(id), Some(base));

    // Different fields of one model, offline on two devices: both kept, no conflict.
    registrar.save(
        "model.update",
        id,
        Some(base),
        json!({"objectives": "Mục tiêu của xã"}),
    );
    board.save(
        "model.update",
        id,
        Some(base),
        json!({"content": "Cách làm của Ban"}),
    );
    registrar.sync().await.unwrap();
    board.sync().await.unwrap();
    let answer = board.answers().values().last().cloned().unwrap();
    assert_eq!(answer.status, PushStatus::Applied);
    assert!(answer.conflict.is_none());
    registrar.sync().await.unwrap();
    let merged = model_in(&registrar, id);
    assert_eq!(merged["objectives"], "Mục tiêu của xã");
    assert_eq!(merged["content"], "Cách làm của Ban");

    // The same descriptive field: the later edit wins, the loser is kept as a soft conflict.
    let base = registrar.version_of(id).unwrap();
    board.sync().await.unwrap();
    registrar.save(
        "model.update",
        id,
        Some(base),
        json!({"participants": "Hội viên phụ nữ"}),
    );
    board.save(
        "model.update",
        id,
        Some(base),
        json!({"participants": "Toàn thể nhân dân"}),
    );
    registrar.sync().await.unwrap();
    board.sync().await.unwrap();
    let answer = board.answers().values().last().cloned().unwrap();
    assert_eq!(answer.status, PushStatus::Applied);
    let soft = answer.conflict.as_ref().unwrap();
    assert_eq!(soft.kind, ConflictKind::Soft);
    assert_eq!(soft.fields[0].field, "participants");
    assert_eq!(
        soft.fields[0].theirs, "Hội viên phụ nữ",
        "the losing value is kept"
    );
    assert_eq!(
        soft.by, "Cán bộ xã Điện Hòa",
        "named as people know each other"
    );
    assert_eq!(model_in(&board, id)["participants"], "Toàn thể nhân dân");

    // Make it submittable, submit, then two Board members decide at once: a hard conflict.
    registrar.sync().await.unwrap();
    let base = registrar.version_of(id).unwrap();
    registrar.save(
        "model.update",
        id,
        Some(base),
        json!({"content": "Cách làm", "effectiveness": "Hiệu quả", "start_date": "2025-03-01",
               "results": {"people_reached": 300}, "contact": {"name": "Lê Thị Hoa", "position": "", "phone": "0905 111 222"}}),
    );
    let base_submit = base; // the status has not changed since
    registrar.save("model.submit", id, Some(base_submit), json!({}));
    registrar.sync().await.unwrap();
    assert!(
        registrar
            .answers()
            .values()
            .rev()
            .take(2)
            .all(|a| a.status == PushStatus::Applied)
    );
    board.sync().await.unwrap();
    board2.sync().await.unwrap();
    let seen = board.version_of(id).unwrap();
    board.save("model.approve", id, Some(seen), json!({}));
    board2.save(
        "model.return",
        id,
        Some(seen),
        json!({"comment": "Bổ sung số liệu"}),
    );
    board.sync().await.unwrap();
    board2.sync().await.unwrap();
    let hard = board2.answers().values().last().cloned().unwrap();
    assert_eq!(hard.status, PushStatus::Conflict);
    let info = hard.conflict.as_ref().unwrap();
    assert_eq!(info.kind, ConflictKind::Hard);
    assert_eq!(info.fields[0].theirs, "approved");
    assert_eq!(info.fields[0].mine, "returned");
    let stored = server.store().model(mid(id)).await.unwrap().unwrap();
    assert_eq!(
        stored.model.status.as_str(),
        "approved",
        "nothing was overwritten"
    );

    // Edit against delete: a conflict, never a silent undelete.
    let other = Uuid::now_v7();
    registrar.save("model.create", other, None, draft(hoa, "Sẽ bị xoá"));
    registrar.sync().await.unwrap();
    board.sync().await.unwrap();
    let base = board.version_of(other).unwrap();
    registrar.save("model.delete", other, Some(base), json!({}));
    board.save(
        "model.update",
        other,
        Some(base),
        json!({"name": "Đổi tên"}),
    );
    registrar.sync().await.unwrap();
    board.sync().await.unwrap();
    let answer = board.answers().values().last().cloned().unwrap();
    assert_eq!(answer.status, PushStatus::Conflict);
    assert_eq!(
        answer.conflict.as_ref().unwrap().kind,
        ConflictKind::Deleted
    );
    assert!(
        board.version_of(other).is_none(),
        "the delete reached the board's replica"
    );
    assert!(
        server
            .store()
            .model(mid(other))
            .await
            .unwrap()
            .unwrap()
            .deleted
    );
    // The tallies the overview reads followed every create, edit, change of status and delete.
    assert_eq!(
        dvk_tests::tally_differences(&server.database_url())
            .await
            .unwrap(),
        Vec::<String>::new()
    );
}
on_both!(
    conflicts_merge_or_wait_as_the_contract_says,
    conflicts_on_sqlite,
    conflicts_on_postgres
);

async fn a_create_replayed_from_another_device_makes_one_record(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let hoa = unit_id(&server, "Xã Điện Hòa").await;
    let mut a = device_of(&server, "dienhoa").await;
    let mut b = device_of(&server, "bandanvan").await;
    let id = Uuid::now_v7();
    a.save("model.create", id, None, draft(hoa, "Nhà văn hóa"));
    b.save("model.create", id, None, draft(hoa, "Nhà văn hóa"));
    a.sync().await.unwrap();
    b.sync().await.unwrap();
    assert_eq!(a.answers()[&1].status, PushStatus::Applied);
    assert_eq!(b.answers()[&1].status, PushStatus::Duplicate);
    assert_eq!(
        server
            .store()
            .history(dvk_shared::sync::Entity::Model, &id.to_string())
            .await
            .unwrap()
            .len(),
        1
    );
}
on_both!(
    a_create_replayed_from_another_device_makes_one_record,
    replayed_creates_on_sqlite,
    replayed_creates_on_postgres
);

async fn a_registrar_cannot_push_into_another_unit_and_is_told_so(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let hoa = unit_id(&server, "Xã Điện Hòa").await;
    let ngoc = unit_id(&server, "Phường Điện Ngọc").await;
    let mut tablet = device_of(&server, "dienhoa").await;
    let mine = Uuid::now_v7();
    tablet.save(
        "model.create",
        Uuid::now_v7(),
        None,
        draft(ngoc, "Không phải của xã"),
    );
    tablet.save("model.create", mine, None, draft(hoa, "Của xã"));
    tablet.sync().await.unwrap();
    let refused = &tablet.answers()[&1];
    assert_eq!(refused.status, PushStatus::Rejected);
    let error = refused.error.as_ref().unwrap();
    assert_eq!(error.code, "outside_your_units");
    assert!(!error.message.is_empty());
    // A rejected change never blocks the ones behind it.
    assert_eq!(tablet.answers()[&2].status, PushStatus::Applied);
    // The registrar's replica holds only its own unit's models.
    assert!(
        tablet
            .replica()
            .iter()
            .filter(|((entity, _), _)| entity == "model")
            .all(|(_, held)| held.data["unit_id"] == json!(hoa))
    );
    // An approval by a registrar is refused by role, visibly.
    tablet.save("model.approve", mine, tablet.version_of(mine), json!({}));
    tablet.sync().await.unwrap();
    assert_eq!(
        tablet.answers()[&3].error.as_ref().unwrap().code,
        "role_not_allowed"
    );
}
on_both!(
    a_registrar_cannot_push_into_another_unit_and_is_told_so,
    outside_units_on_sqlite,
    outside_units_on_postgres
);

async fn a_device_id_used_by_another_user_is_refused(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let first = device_of(&server, "dienhoa").await;
    let intruder = server.client();
    intruder.login_demo("khaosat").await.unwrap();
    let mut borrowed = Device::new(intruder);
    borrowed.id = first.id;
    let Round::Refused(status, body) = borrowed.send(&borrowed.request()).await.unwrap() else {
        panic!("must be refused")
    };
    assert_eq!(status, 403);
    assert_eq!(body["code"], "device_of_another_user");
}
on_both!(
    a_device_id_used_by_another_user_is_refused,
    borrowed_device_on_sqlite,
    borrowed_device_on_postgres
);

#[tokio::test]
async fn malformed_requests_answer_400_and_the_server_goes_on() {
    let server = TestServer::start_demo(Backend::Sqlite).await.unwrap();
    let client = server.client();
    client.login_demo("dienhoa").await.unwrap();
    let device = Uuid::now_v7();
    let id = Uuid::now_v7();
    for body in [
        json!({"device_id": device, "epoch": null, "schema": 1, "cursor": null,
               "push": [{"seq": 1, "mutation": {"kind": "model.fly", "id": id, "base_version": null}}]}),
        json!({"device_id": device, "epoch": null, "schema": 1, "cursor": null,
               "push": [{"seq": 1, "mutation": {"id": id, "base_version": null}}]}),
        json!({"device_id": device, "epoch": null, "schema": 1, "cursor": null,
               "push": [{"seq": "one", "mutation": {"kind": "model.create", "id": id, "base_version": null}}]}),
        json!({"device_id": device, "epoch": null, "schema": 1, "cursor": null,
               "push": [{"seq": 1, "mutation": {"kind": "model.update", "id": id, "base_version": 1, "fields": {"status": "typical"}}}]}),
        json!({"device_id": device, "epoch": null, "schema": 99, "cursor": null, "push": []}),
        json!({"device_id": "not-a-uuid", "epoch": null, "schema": 1, "cursor": null, "push": []}),
        json!({"device_id": device, "epoch": null, "schema": 1, "cursor": "abc", "push": []}),
        // Ids are UUIDv7: another version is refused when the request is read.
        json!({"device_id": device, "epoch": null, "schema": 2, "cursor": null,
               "push": [{"seq": 1, "mutation": {"kind": "model.create", "id": "67e55044-10b1-426f-9247-bb680e5fe0c8", "base_version": null}}]}),
        // Fields the server owns are never named by a change, not even a create.
        json!({"device_id": device, "epoch": null, "schema": 2, "cursor": null,
               "push": [{"seq": 1, "mutation": {"kind": "model.create", "id": id, "base_version": null,
                         "fields": {"name": "X", "ratings": {"2025": "excellent"}}}}]}),
    ] {
        let response = client
            .http
            .post(client.url("/api/sync"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{body}");
        let error: Value = response.json().await.unwrap();
        // The Vietnamese message is Vietnamese all through: what a parser said in English
        // stays in the English one.
        let message = error["message"].as_str().unwrap_or_default();
        assert!(message.starts_with("Yêu cầu không hợp lệ: "), "{error}");
        for english in [
            "unknown", "expected", "invalid", "missing", "UUID", "schema", "seq ",
        ] {
            assert!(!message.contains(english), "{english} in {message}");
        }
        assert!(
            error["message_en"]
                .as_str()
                .is_some_and(|m| m.starts_with("Invalid request")),
            "{error}"
        );
    }
    // A body over the server's limit is refused as too large, never half read.
    let huge = "đ".repeat(2_500_000);
    let response = client
        .http
        .post(client.url("/api/sync"))
        .json(&json!({"device_id": device, "epoch": null, "schema": 2, "cursor": null,
                      "push": [{"seq": 1, "mutation": {"kind": "model.create", "id": id, "base_version": null,
                                "fields": {"name": huge}}}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["code"], "payload_too_large");
    let too_many: Vec<Value> = (1..=501)
        .map(|seq| json!({"seq": seq, "mutation": {"kind": "model.delete", "id": id, "base_version": 1}}))
        .collect();
    let response = client
        .http
        .post(client.url("/api/sync"))
        .json(&json!({"device_id": device, "epoch": null, "schema": 1, "cursor": null, "push": too_many}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    // A wrong type inside a change's fields is that change's visible rejection.
    let hoa = unit_id(&server, "Xã Điện Hòa").await;
    let mut tablet = Device::new(client);
    tablet.save(
        "model.create",
        Uuid::now_v7(),
        None,
        json!({"unit_id": hoa, "name": "X", "field": "culture_society", "year": "năm nay"}),
    );
    tablet.sync().await.unwrap();
    assert_eq!(tablet.answers()[&1].status, PushStatus::Rejected);
    assert_eq!(
        tablet.answers()[&1].error.as_ref().unwrap().code,
        "invalid_fields"
    );
    let unsigned = reqwest::Client::new()
        .post(server.url("/api/sync"))
        .json(&json!({"device_id": device, "epoch": null, "schema": 1, "cursor": null, "push": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 401);
}

async fn a_first_pull_holds_everything_the_user_sees_in_pages(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let client = server.client();
    client.login_demo("lanhdao").await.unwrap();
    let mut device = Device::new(client);
    let mut request = device.request();
    request.limit = Some(100);
    let mut rounds = 0;
    loop {
        let Round::Answered(response) = device.send(&request).await.unwrap() else {
            panic!()
        };
        let more = response.more;
        device.learn(response);
        rounds += 1;
        if !more {
            break;
        }
        request = device.request();
        request.limit = Some(100);
    }
    assert!(rounds >= 4, "{rounds} rounds for the whole town");
    let models = device
        .replica()
        .keys()
        .filter(|(e, _)| e == "model")
        .count();
    let units = device.replica().keys().filter(|(e, _)| e == "unit").count();
    assert_eq!(models, 351, "348 registered models and 3 drafts");
    assert_eq!(units, 31);
    // Nothing new: an empty answer at the same cursor.
    let before = device.mark().cursor;
    device.sync().await.unwrap();
    assert_eq!(device.mark().cursor, before);
}
on_both!(
    a_first_pull_holds_everything_the_user_sees_in_pages,
    first_pull_on_sqlite,
    first_pull_on_postgres
);

async fn when_a_users_units_change_the_next_pull_rebuilds_the_replica(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let hoa = unit_id(&server, "Xã Điện Hòa").await;
    let mut tablet = device_of(&server, "dienhoa").await;
    let models_held = |device: &Device| {
        device
            .replica()
            .keys()
            .filter(|(e, _)| e == "model")
            .count()
    };
    let before = models_held(&tablet);
    assert!(before >= 8);

    // Xã Điện Tiến is merged into Xã Điện Hòa: its models are now the registrar's to see.
    let tien = unit_id(&server, "Xã Điện Tiến").await;
    merge_tien_into(&server, hoa).await;

    let Round::Answered(answer) = tablet.send(&tablet.request()).await.unwrap() else {
        panic!()
    };
    assert!(answer.reset, "the scope changed: the device must rebuild");
    tablet.learn(answer);
    tablet.sync().await.unwrap();
    let after = models_held(&tablet);
    assert!(
        after > before,
        "{before} → {after}: the merged commune's models arrived"
    );
    assert!(
        tablet
            .replica()
            .values()
            .any(|held| held.data["unit_id"] == json!(tien))
    );
}
on_both!(
    when_a_users_units_change_the_next_pull_rebuilds_the_replica,
    scope_changes_on_sqlite,
    scope_changes_on_postgres
);

#[tokio::test]
async fn a_device_from_an_earlier_epoch_rebuilds_then_goes_on_numbering() {
    let server = TestServer::start_demo(Backend::Sqlite).await.unwrap();
    let hoa = unit_id(&server, "Xã Điện Hòa").await;
    let client = server.client();
    client.login_demo("dienhoa").await.unwrap();
    // A tablet that last synced with a database since replaced: it knows another epoch, and
    // its outbox is at change 41.
    let mut tablet = Device::new(client);
    tablet.store.set_mark(dvk_shared::sync::client::SyncMark {
        cursor: Some("123456.all".into()),
        epoch: Some("an-earlier-epoch".into()),
        last_success: None,
    });
    tablet.store.set_next_seq(41);
    let id = Uuid::now_v7();
    let seq = tablet.save("model.create", id, None, draft(hoa, "Chưa gửi"));
    assert_eq!(seq, 41);
    // Nothing is applied against another database: the tablet rebuilds first.
    let Round::Answered(answer) = tablet.send(&tablet.request()).await.unwrap() else {
        panic!("a device of an earlier epoch must not be refused")
    };
    assert!(answer.reset, "it rebuilds its replica");
    assert!(
        answer.results.is_empty(),
        "nothing applied across databases"
    );
    tablet.learn(answer);
    assert_eq!(tablet.outbox().len(), 1, "its change waits, numbered anew");
    assert!(tablet.outbox()[0].seq >= 41);
    tablet.sync().await.unwrap();
    assert_eq!(model_in(&tablet, id)["name"], "Chưa gửi");
    assert!(tablet.outbox().is_empty());
}

/// A registrar offline for days: creates a draft, fills it in, makes a mistake, fixes it and
/// submits, all before any sync. One request carries the whole story: every change is decided
/// on top of the ones before it, a device's own earlier changes are never its conflicts, the
/// rejected one takes nothing with it, and the audit log has one entry per applied change.
async fn a_draft_made_and_submitted_offline_arrives_as_one_story(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let hoa = unit_id(&server, "Xã Điện Hòa").await;
    let mut tablet = device_of(&server, "dienhoa").await;
    let id = Uuid::now_v7();
    tablet.save("model.create", id, None, draft(hoa, "Sân chơi thiếu nhi"));
    // Not yet synced: the tablet has no version for it, so its edits are made against 0.
    tablet.save(
        "model.update",
        id,
        Some(0),
        json!({"content": "Cách làm", "effectiveness": "Hiệu quả", "start_date": "2025-03-01",
               "objectives": "Nơi vui chơi an toàn", "participants": "Đoàn viên, phụ huynh",
               "results": {"people_reached": 300}}),
    );
    tablet.save("model.update", id, Some(0), json!({"name": ""}));
    tablet.save(
        "model.update",
        id,
        Some(0),
        json!({"contact": {"name": "Lê Thị Hoa", "position": "", "phone": "0905 111 222"}}),
    );
    tablet.save("model.submit", id, Some(0), json!({}));
    let Round::Answered(answer) = tablet.send(&tablet.request()).await.unwrap() else {
        panic!("the request must be answered")
    };
    let statuses: Vec<PushStatus> = answer.results.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [
            PushStatus::Applied,
            PushStatus::Applied,
            PushStatus::Rejected,
            PushStatus::Applied,
            PushStatus::Applied
        ]
    );
    assert!(answer.results.iter().all(|r| r.conflict.is_none()));
    let versions: Vec<i64> = answer.results.iter().filter_map(|r| r.version).collect();
    assert!(versions.windows(2).all(|w| w[0] < w[1]), "{versions:?}");
    tablet.learn(answer);

    let stored = server.store().model(mid(id)).await.unwrap().unwrap();
    assert_eq!(
        stored.model.name, "Sân chơi thiếu nhi",
        "the rejected edit left nothing"
    );
    assert_eq!(stored.model.status.as_str(), "submitted");
    assert_eq!(stored.model.content, "Cách làm");
    assert_eq!(stored.version, *versions.last().unwrap());
    let history = server
        .store()
        .history(dvk_shared::sync::Entity::Model, &id.to_string())
        .await
        .unwrap();
    let seqs: Vec<Option<u64>> = history.iter().map(|h| h.seq).collect();
    assert_eq!(seqs, [Some(1), Some(2), Some(4), Some(5)]);
    assert_eq!(model_in(&tablet, id)["status"], "submitted");

    // Another device's change is still a conflict for the same tablet's stale edit.
    let mut board = device_of(&server, "bandanvan").await;
    let seen = board.version_of(id).unwrap();
    board.save(
        "model.return",
        id,
        Some(seen),
        json!({"comment": "Bổ sung số liệu"}),
    );
    board.sync().await.unwrap();
    tablet.save("model.update", id, Some(0), json!({"name": "Tên mới"}));
    tablet.save("model.submit", id, Some(0), json!({}));
    tablet.sync().await.unwrap();
    let last: Vec<PushStatus> = tablet
        .answers()
        .values()
        .rev()
        .take(2)
        .map(|a| a.status)
        .collect();
    assert_eq!(last, [PushStatus::Conflict, PushStatus::Applied]);
}
on_both!(
    a_draft_made_and_submitted_offline_arrives_as_one_story,
    one_story_on_sqlite,
    one_story_on_postgres
);

/// Two server processes on one PostgreSQL, two devices pushing at once into the same models:
/// every change gets its own version, in one order, and both devices' fields are kept.
#[tokio::test]
async fn concurrent_requests_on_two_server_processes_are_ordered() {
    let server = TestServer::start_demo(Backend::Postgres).await.unwrap();
    let second = server.another_on_same_database().await.unwrap();
    let hoa = unit_id(&server, "Xã Điện Hòa").await;
    let mut registrar = device_of(&server, "dienhoa").await;
    let ids: Vec<Uuid> = (0..20).map(|_| Uuid::now_v7()).collect();
    for (i, id) in ids.iter().enumerate() {
        registrar.save(
            "model.create",
            *id,
            None,
            draft(hoa, &format!("Mô hình {i}")),
        );
    }
    registrar.sync().await.unwrap();

    let client = server.client();
    let other = dvk_tests::Client {
        base: format!("http://{}", second.addr),
        http: client.http.clone(),
    };
    other.login_demo("bandanvan").await.unwrap();
    let mut board = Device::new(other);
    board.sync().await.unwrap();
    for round in 0..5 {
        for id in &ids {
            let seen = registrar.version_of(*id);
            registrar.save(
                "model.update",
                *id,
                seen,
                json!({"objectives": format!("Mục tiêu {round}")}),
            );
            let seen = board.version_of(*id);
            board.save(
                "model.update",
                *id,
                seen,
                json!({"content": format!("Cách làm {round}")}),
            );
        }
        let (request_a, request_b) = (registrar.request(), board.request());
        let (a, b) = tokio::join!(registrar.send(&request_a), board.send(&request_b));
        let (Round::Answered(a), Round::Answered(b)) = (a.unwrap(), b.unwrap()) else {
            panic!("both requests must be answered")
        };
        let mut versions: Vec<i64> = a
            .results
            .iter()
            .chain(&b.results)
            .filter_map(|r| r.version)
            .collect();
        assert_eq!(versions.len(), 2 * ids.len(), "every change applied");
        versions.sort_unstable();
        versions.dedup();
        assert_eq!(versions.len(), 2 * ids.len(), "no version handed out twice");
        registrar.learn(a);
        board.learn(b);
        registrar.sync().await.unwrap();
        board.sync().await.unwrap();
    }
    for id in &ids {
        let stored = server.store().model(mid(*id)).await.unwrap().unwrap();
        assert_eq!(stored.model.objectives, "Mục tiêu 4");
        assert_eq!(stored.model.content, "Cách làm 4");
        assert_eq!(model_in(&registrar, *id), model_in(&board, *id));
        let history = server
            .store()
            .history(dvk_shared::sync::Entity::Model, &id.to_string())
            .await
            .unwrap();
        assert_eq!(history.len(), 11, "one create and ten updates");
    }
    second.stop().await.unwrap();
}

async fn a_rejection_whose_answer_was_lost_is_answered_the_same_way(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let mut tablet = device_of(&server, "dienhoa").await;
    let model = tablet
        .replica()
        .iter()
        .find(|((e, _), _)| e == "model")
        .map(|((_, id), _)| *id)
        .unwrap();
    // A registrar may not approve: rejected, with its code and its message.
    tablet.save("model.approve", model, tablet.version_of(model), json!({}));
    let request = tablet.request();
    let Round::Answered(first) = tablet.send(&request).await.unwrap() else {
        panic!()
    };
    assert_eq!(first.results[0].status, PushStatus::Rejected);
    // The answer was lost: the same seq is answered the same way, never "duplicate".
    let Round::Answered(again) = tablet.send(&request).await.unwrap() else {
        panic!()
    };
    assert_eq!(again.results, first.results);
    tablet.learn(again);
    assert!(tablet.outbox().is_empty());
    let problems = dvk_tests::device::ready(dvk_shared::sync::client::LocalStore::problems(
        &tablet.store,
    ))
    .unwrap();
    assert_eq!(problems.len(), 1, "the person sees the rejection");
    assert_eq!(
        problems[0].result.error.as_ref().unwrap().code,
        "role_not_allowed"
    );
}
on_both!(
    a_rejection_whose_answer_was_lost_is_answered_the_same_way,
    lost_rejections_on_sqlite,
    lost_rejections_on_postgres
);

/// A model moved to another unit leaves the devices of the unit it left, and its surveys go
/// with it: they are seen from the new unit.
async fn a_model_that_moves_leaves_the_devices_of_its_old_unit(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let mut board = device_of(&server, "bandanvan").await;
    // A model of the demo's campaign that has a survey, and its unit.
    let survey = board
        .replica()
        .into_iter()
        .find(|((e, _), _)| e == "survey")
        .map(|(_, held)| held.data)
        .unwrap();
    let model: Uuid = survey["model_id"].as_str().unwrap().parse().unwrap();
    let from = board
        .held(dvk_shared::sync::Entity::Model, model)
        .unwrap()
        .data["unit_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let units = server.store().units().await.unwrap();
    let to = units
        .iter()
        .find(|u| u.id.to_string() != from && u.name.starts_with("Phường"))
        .unwrap();
    for (account, unit) in [
        ("cuoldunit", from.clone()),
        ("moinewunit", to.id.to_string()),
    ] {
        dvk_server::admin::create_user(
            server.store(),
            account,
            None,
            dvk_shared::user::Role::Registrar,
            &unit,
            "demo-dvk",
        )
        .await
        .unwrap();
    }
    let signed_in = |account: &'static str| {
        let client = server.client();
        async move {
            client.login(account, "demo-dvk").await.unwrap();
            let mut device = Device::new(client);
            device.sync().await.unwrap();
            device
        }
    };
    let mut old_unit = signed_in("cuoldunit").await;
    let mut new_unit = signed_in("moinewunit").await;
    let holds = |device: &Device, entity: &str, id: Uuid| {
        device.replica().contains_key(&(entity.to_owned(), id))
    };
    let survey_id: Uuid = survey["id"].as_str().unwrap().parse().unwrap();
    assert!(holds(&old_unit, "model", model) && holds(&old_unit, "survey", survey_id));
    assert!(!holds(&new_unit, "model", model) && !holds(&new_unit, "survey", survey_id));

    board.save(
        "model.update",
        model,
        board.version_of(model),
        json!({"unit_id": to.id}),
    );
    board.sync().await.unwrap();
    old_unit.sync().await.unwrap();
    new_unit.sync().await.unwrap();
    assert!(
        !holds(&old_unit, "model", model) && !holds(&old_unit, "survey", survey_id),
        "the model and its survey left the old unit's device"
    );
    assert!(holds(&new_unit, "model", model) && holds(&new_unit, "survey", survey_id));
    // A fresh download of each agrees with what they hold.
    for (account, device) in [("cuoldunit", &old_unit), ("moinewunit", &new_unit)] {
        let fresh = signed_in(account).await;
        assert_eq!(fresh.replica(), device.replica(), "{account}");
    }
}
on_both!(
    a_model_that_moves_leaves_the_devices_of_its_old_unit,
    moves_on_sqlite,
    moves_on_postgres
);

/// A change of what a person sees (a commune merged into theirs) answers `reset` until the
/// device's next request shows it rebuilt: a lost answer cannot leave it half rebuilt.
#[tokio::test]
async fn a_reset_whose_answer_was_lost_is_said_again() {
    let server = TestServer::start_demo(Backend::Sqlite).await.unwrap();
    let hoa = unit_id(&server, "Xã Điện Hòa").await;
    let mut tablet = device_of(&server, "dienhoa").await;
    merge_tien_into(&server, hoa).await;
    let Round::Answered(lost) = tablet.send(&tablet.request()).await.unwrap() else {
        panic!()
    };
    assert!(lost.reset);
    let Round::Answered(again) = tablet.send(&tablet.request()).await.unwrap() else {
        panic!()
    };
    assert!(again.reset, "said again: the first answer never arrived");
    tablet.learn(again);
    let Round::Answered(after) = tablet.send(&tablet.request()).await.unwrap() else {
        panic!()
    };
    assert!(!after.reset, "rebuilt: no more resets");
}

/// The person whose text a later edit replaced is told on every device of theirs, the history
/// names whose value it was, and dismissing it on one device dismisses it on all.
async fn the_person_whose_value_was_replaced_is_told(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let hoa = unit_id(&server, "Xã Điện Hòa").await;
    let mut registrar = device_of(&server, "dienhoa").await;
    let mut second = device_of(&server, "dienhoa").await;
    let mut board = device_of(&server, "bandanvan").await;
    let id = Uuid::now_v7();
    registrar.save("model.create", id, None, draft(hoa, "Đường hoa"));
    registrar.sync().await.unwrap();
    board.sync().await.unwrap();
    let base = registrar.version_of(id);
    registrar.save("model.update", id, base, json!({"objectives": "Của xã"}));
    board.save(
        "model.update",
        id,
        base,
        json!({"objectives": "Của Ban", "content": "Cách làm"}),
    );
    registrar.sync().await.unwrap();
    board.sync().await.unwrap();
    registrar.sync().await.unwrap();
    second.sync().await.unwrap();
    let notices = |device: &Device| -> Vec<Value> {
        device
            .replica()
            .into_iter()
            .filter(|((e, _), _)| e == "notice")
            .map(|(_, held)| held.data)
            .collect()
    };
    let told = notices(&registrar);
    assert_eq!(told.len(), 1, "one notice for the registrar");
    let notice = &told[0];
    assert_eq!(notice["record_id"], json!(id));
    assert_eq!(notice["record_name"], "Đường hoa");
    assert_eq!(notice["by"], "Ban Dân vận Thị ủy");
    assert_eq!(
        notice["fields"],
        json!([{"field": "objectives", "theirs": "Của Ban", "mine": "Của xã"}]),
        "only the field replaced, from the registrar's side"
    );
    assert_eq!(notices(&second), told, "on every device of the person");
    assert!(notices(&board).is_empty(), "nobody else's");
    // The history names whose value the change replaced.
    let history = server
        .store()
        .history(dvk_shared::sync::Entity::Model, &id.to_string())
        .await
        .unwrap();
    let replaced = &history.last().unwrap().overwritten;
    assert_eq!(replaced.len(), 1);
    assert_eq!(replaced[0].field, "objectives");
    assert_eq!(replaced[0].value, json!("Của xã"));
    assert_eq!(replaced[0].by, "Cán bộ xã Điện Hòa");
    // Dismissed on one device, gone from both; a dismissal sent twice is one.
    let notice_id: Uuid = notice["id"].as_str().unwrap().parse().unwrap();
    let version = registrar
        .held(dvk_shared::sync::Entity::Notice, notice_id)
        .unwrap()
        .version;
    registrar.save("notice.dismiss", notice_id, Some(version), json!({}));
    second.save("notice.dismiss", notice_id, Some(version), json!({}));
    registrar.sync().await.unwrap();
    second.sync().await.unwrap();
    registrar.sync().await.unwrap();
    assert!(notices(&registrar).is_empty() && notices(&second).is_empty());
    assert_eq!(
        second.answers().values().last().unwrap().status,
        PushStatus::Duplicate
    );
    // Nobody dismisses someone else's notice.
    let mut other = device_of(&server, "bandanvan").await;
    other.save("notice.dismiss", notice_id, Some(version), json!({}));
    other.sync().await.unwrap();
    assert_ne!(
        other.answers().values().last().unwrap().status,
        PushStatus::Applied
    );
}
on_both!(
    the_person_whose_value_was_replaced_is_told,
    replaced_values_on_sqlite,
    replaced_values_on_postgres
);

/// A Board account below the top unit plans surveys only for what it sees.
#[tokio::test]
async fn a_board_below_the_top_plans_only_for_its_units() {
    let server = TestServer::start_demo(Backend::Sqlite).await.unwrap();
    dvk_server::admin::create_user(
        server.store(),
        "bdvhoa",
        None,
        dvk_shared::user::Role::Board,
        "Xã Điện Hòa",
        "demo-dvk",
    )
    .await
    .unwrap();
    let hoa = unit_id(&server, "Xã Điện Hòa").await;
    let ngoc = unit_id(&server, "Phường Điện Ngọc").await;
    let client = server.client();
    client.login("bdvhoa", "demo-dvk").await.unwrap();
    let mut board = Device::new(client);
    board.sync().await.unwrap();
    let town_campaign = board
        .replica()
        .keys()
        .find(|(e, _)| e == "campaign")
        .map(|(_, id)| *id)
        .unwrap();
    let criteria = dvk_shared::survey::default_criteria();
    board.save(
        "campaign.create",
        Uuid::now_v7(),
        None,
        json!({"year": 2026, "name": "Ngoài phạm vi", "criteria": criteria,
               "unit_ids": [ngoc], "deadline": "2026-12-31"}),
    );
    board.save(
        "campaign.update",
        town_campaign,
        Some(0),
        json!({"name": "Đổi tên"}),
    );
    board.save(
        "campaign.create",
        Uuid::now_v7(),
        None,
        json!({"year": 2026, "name": "Của xã", "criteria": criteria,
               "unit_ids": [hoa], "deadline": "2026-12-31"}),
    );
    board.sync().await.unwrap();
    let codes: Vec<Option<String>> = board
        .answers()
        .values()
        .map(|a| a.error.as_ref().map(|e| e.code.clone()))
        .collect();
    assert_eq!(
        codes,
        [
            Some("outside_your_units".into()),
            Some("outside_your_units".into()),
            None
        ]
    );
}

/// A registration made offline field by field is one change, and one entry in the history.
async fn one_registration_made_offline_is_one_change(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let hoa = unit_id(&server, "Xã Điện Hòa").await;
    let mut tablet = device_of(&server, "dienhoa").await;
    let id = Uuid::now_v7();
    tablet.edit("model.create", id, None, draft(hoa, "Sân chơi"));
    for (field, value) in [
        ("objectives", json!("Nơi vui chơi an toàn")),
        ("content", json!("Góp công, góp đất")),
        ("participants", json!("Đoàn viên")),
        ("effectiveness", json!("Trẻ em có chỗ chơi")),
        ("start_date", json!("2025-03-01")),
        ("results", json!({"people_reached": 300})),
        (
            "contact",
            json!({"name": "Lê Thị Hoa", "position": "", "phone": "0905 111 222"}),
        ),
        ("objectives", json!("Nơi vui chơi an toàn cho trẻ")),
    ] {
        tablet.edit("model.update", id, Some(0), json!({ field: value }));
    }
    tablet.edit("model.submit", id, Some(0), json!({}));
    assert_eq!(
        tablet.outbox().len(),
        2,
        "the create with every field, then the submit"
    );
    tablet.sync().await.unwrap();
    let history = server
        .store()
        .history(dvk_shared::sync::Entity::Model, &id.to_string())
        .await
        .unwrap();
    let actions: Vec<&str> = history.iter().map(|h| h.action.as_str()).collect();
    assert_eq!(actions, ["model.create", "model.submit"]);
    let stored = server.store().model(mid(id)).await.unwrap().unwrap();
    assert_eq!(stored.model.objectives, "Nơi vui chơi an toàn cho trẻ");
    assert_eq!(stored.model.status.as_str(), "submitted");
}
on_both!(
    one_registration_made_offline_is_one_change,
    one_registration_on_sqlite,
    one_registration_on_postgres
);

/// Days offline: 251 registrations with 8,000 characters each leave in requests the server
/// takes, and all arrive.
#[tokio::test]
async fn a_long_offline_session_arrives_whole() {
    let server = TestServer::start_demo(Backend::Sqlite).await.unwrap();
    let hoa = unit_id(&server, "Xã Điện Hòa").await;
    let mut tablet = device_of(&server, "dienhoa").await;
    let content: String = "Vận động nhân dân hiến đất làm đường giao thông nông thôn. "
        .repeat(140)
        .chars()
        .take(dvk_shared::model::CONTENT_MAX)
        .collect();
    let mut ids = Vec::new();
    for i in 0..251 {
        let id = Uuid::now_v7();
        let mut fields = draft(hoa, &format!("Mô hình số {i}"));
        fields["content"] = json!(content);
        tablet.edit("model.create", id, None, fields);
        ids.push(id);
    }
    let progress = tablet.sync().await.unwrap();
    assert!(progress.rounds >= 4, "{progress:?}: several requests");
    assert_eq!(progress.pushed, 251);
    assert!(tablet.outbox().is_empty());
    for id in ids {
        assert!(server.store().model(mid(id)).await.unwrap().is_some());
    }
}
