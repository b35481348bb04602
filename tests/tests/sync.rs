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
    server
        .store()
        .units()
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.name == name)
        .unwrap()
        .id
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
        assert!(
            error["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{error}"
        );
    }
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
    let mut tien = server
        .store()
        .units()
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.name == "Xã Điện Tiến")
        .unwrap();
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
            .any(|held| held.data["unit_id"] == json!(tien.id))
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
