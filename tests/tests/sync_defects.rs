//! Issue 11's defects, each as a test run against the main of 2026-11-29 (where each failed).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use dvk_shared::{ids::UnitId, survey::default_criteria, sync::PushStatus, user::Role};
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

fn draft(unit: UnitId, name: &str) -> Value {
    json!({"unit_id": unit, "name": name, "field": "culture_society", "year": 2026})
}

async fn device_of(server: &TestServer, account: &str) -> Device {
    Device::of_demo(server, account).await.unwrap()
}

/// Defect 1 (PostgreSQL) and 2 (SQLite): one device pushes [model.create, campaign.update]
/// per request while two others only pull.
async fn pulls_race_pushes(backend: Backend) -> (usize, usize, usize) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let hoa = unit_id(&server, "Xã Điện Hòa").await;
    let mut board = device_of(&server, "bandanvan").await;
    let campaign = board
        .replica()
        .keys()
        .find(|(e, _)| e == "campaign")
        .unwrap()
        .1;
    let mut pullers = vec![
        device_of(&server, "lanhdao").await,
        device_of(&server, "admin").await,
    ];
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut created = BTreeSet::new();
    let push = async {
        let mut refused = 0;
        for i in 0..300 {
            let id = Uuid::now_v7();
            created.insert(id);
            board.save(
                "model.create",
                id,
                None,
                draft(hoa, &format!("Mô hình {i}")),
            );
            board.save(
                "campaign.update",
                campaign,
                Some(0),
                json!({"name": format!("Đợt khảo sát {i}")}),
            );
            match board.send(&board.request()).await.unwrap() {
                Round::Answered(answer) => board.learn(answer),
                Round::Refused(..) => refused += 1,
            }
        }
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        refused
    };
    let pull = async {
        let mut refused = 0;
        while !done.load(std::sync::atomic::Ordering::SeqCst) {
            for device in &mut pullers {
                match device.send(&device.request()).await.unwrap() {
                    Round::Answered(answer) => device.learn(answer),
                    Round::Refused(..) => refused += 1,
                }
            }
        }
        refused
    };
    let (push_refused, pull_refused) = tokio::join!(push, pull);
    let mut missing = 0;
    for device in &mut pullers {
        device.sync().await.unwrap();
        missing += created
            .iter()
            .filter(|id| !device.replica().contains_key(&("model".to_owned(), **id)))
            .count();
    }
    (push_refused + pull_refused, missing, created.len())
}

#[tokio::test]
async fn d1_a_device_that_only_pulls_never_skips_a_change_on_postgres() {
    let (refused, missing, created) = pulls_race_pushes(Backend::Postgres).await;
    assert_eq!(
        missing, 0,
        "{missing} of {created} models never reached a puller"
    );
    assert_eq!(refused, 0);
}

#[tokio::test]
async fn d2_concurrent_pulls_and_pushes_on_sqlite_never_fail() {
    let (refused, missing, created) = pulls_race_pushes(Backend::Sqlite).await;
    assert_eq!(refused, 0, "{refused} requests refused");
    assert_eq!(
        missing, 0,
        "{missing} of {created} models never reached a puller"
    );
}

#[tokio::test]
async fn d3_a_rejection_whose_answer_was_lost_is_answered_again() {
    let server = TestServer::start_demo(Backend::Sqlite).await.unwrap();
    let mut tablet = device_of(&server, "dienhoa").await;
    let model = tablet
        .replica()
        .iter()
        .find(|((e, _), h)| e == "model" && h.data["status"] == "submitted")
        .map(|((_, id), _)| *id);
    let model = model.unwrap_or_else(|| {
        tablet
            .replica()
            .keys()
            .find(|(e, _)| e == "model")
            .unwrap()
            .1
    });
    tablet.save("model.approve", model, tablet.version_of(model), json!({}));
    let request = tablet.request();
    let Round::Answered(first) = tablet.send(&request).await.unwrap() else {
        panic!()
    };
    assert_eq!(first.results[0].status, PushStatus::Rejected);
    let Round::Answered(again) = tablet.send(&request).await.unwrap() else {
        panic!()
    };
    assert_eq!(again.results[0].status, PushStatus::Rejected);
    assert_eq!(again.results[0].error, first.results[0].error);
}

#[tokio::test]
async fn d5_a_database_restored_from_a_copy_strands_no_device() {
    let mut server = TestServer::start_demo(Backend::Sqlite).await.unwrap();
    let hoa = unit_id(&server, "Xã Điện Hòa").await;
    let mut registrar = device_of(&server, "dienhoa").await;
    let mut board = device_of(&server, "bandanvan").await;
    let path = server
        .database_url()
        .trim_start_matches("sqlite://")
        .to_owned();
    server.stop().await.unwrap();
    let copy = format!("{path}.copy");
    std::fs::copy(&path, &copy).unwrap();
    server.restart().await.unwrap();
    for i in 0..5 {
        board.save(
            "model.create",
            Uuid::now_v7(),
            None,
            draft(hoa, &format!("Sau sao lưu {i}")),
        );
    }
    board.sync().await.unwrap();
    registrar.sync().await.unwrap();
    server.stop().await.unwrap();
    std::fs::copy(&copy, &path).unwrap();
    for ext in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{path}{ext}"));
    }
    server.restart().await.unwrap();
    let after = Uuid::now_v7();
    board.save("model.create", after, None, draft(hoa, "Sau khi phục hồi"));
    board.sync().await.unwrap();
    registrar.sync().await.unwrap();
    assert!(
        registrar
            .replica()
            .contains_key(&("model".to_owned(), after)),
        "a model made after the restore never reached the registrar"
    );
}

#[tokio::test]
async fn d6_a_model_moved_out_of_a_users_units_leaves_their_device() {
    let server = TestServer::start_demo(Backend::Sqlite).await.unwrap();
    let ngoc = unit_id(&server, "Phường Điện Ngọc").await;
    let mut registrar = device_of(&server, "dienhoa").await;
    let mut board = device_of(&server, "bandanvan").await;
    let hoa = unit_id(&server, "Xã Điện Hòa").await;
    let id = Uuid::now_v7();
    registrar.save("model.create", id, None, draft(hoa, "Sẽ chuyển đi"));
    registrar.sync().await.unwrap();
    board.sync().await.unwrap();
    board.save(
        "model.update",
        id,
        board.version_of(id),
        json!({"unit_id": ngoc}),
    );
    board.sync().await.unwrap();
    registrar.sync().await.unwrap();
    assert!(
        !registrar.replica().contains_key(&("model".to_owned(), id)),
        "the registrar still holds a model of another unit"
    );
}

#[tokio::test]
async fn d6_a_lost_reset_is_repeated() {
    let server = TestServer::start_demo(Backend::Sqlite).await.unwrap();
    let hoa = unit_id(&server, "Xã Điện Hòa").await;
    let tablet = device_of(&server, "dienhoa").await;
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
    let Round::Answered(lost) = tablet.send(&tablet.request()).await.unwrap() else {
        panic!()
    };
    assert!(lost.reset);
    let Round::Answered(again) = tablet.send(&tablet.request()).await.unwrap() else {
        panic!()
    };
    assert!(
        again.reset,
        "the reset whose answer was lost is not repeated"
    );
}

#[tokio::test]
async fn d7_the_person_whose_value_was_overwritten_is_told() {
    let server = TestServer::start_demo(Backend::Sqlite).await.unwrap();
    let hoa = unit_id(&server, "Xã Điện Hòa").await;
    let mut registrar = device_of(&server, "dienhoa").await;
    let mut board = device_of(&server, "bandanvan").await;
    let id = Uuid::now_v7();
    registrar.save("model.create", id, None, draft(hoa, "Đường hoa"));
    registrar.sync().await.unwrap();
    board.sync().await.unwrap();
    let base = registrar.version_of(id);
    registrar.save("model.update", id, base, json!({"objectives": "Của xã"}));
    board.save("model.update", id, base, json!({"objectives": "Của Ban"}));
    registrar.sync().await.unwrap();
    board.sync().await.unwrap();
    registrar.sync().await.unwrap();
    assert!(
        registrar
            .replica()
            .iter()
            .any(|((e, _), h)| e == "notice" && h.data.to_string().contains("Của xã")),
        "the registrar was not told its text was overwritten"
    );
}

#[tokio::test]
async fn d8_a_board_below_the_top_cannot_plan_for_other_units() {
    let server = TestServer::start_demo(Backend::Sqlite).await.unwrap();
    dvk_server::admin::create_user(
        server.store(),
        "bdvhoa",
        None,
        Role::Board,
        "Xã Điện Hòa",
        "demo-dvk",
    )
    .await
    .unwrap();
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
    board.save(
        "campaign.create",
        Uuid::now_v7(),
        None,
        json!({"year": 2026, "name": "Ngoài phạm vi", "criteria": default_criteria(),
               "unit_ids": [ngoc], "deadline": "2026-12-31"}),
    );
    board.save(
        "campaign.update",
        town_campaign,
        Some(0),
        json!({"name": "Đổi tên"}),
    );
    board.sync().await.unwrap();
    assert!(
        board
            .answers()
            .values()
            .all(|a| a.status == PushStatus::Rejected),
        "{:?}",
        board.answers()
    );
}

#[tokio::test]
async fn d8_a_registrar_cannot_set_ratings_through_create() {
    let server = TestServer::start_demo(Backend::Sqlite).await.unwrap();
    let hoa = unit_id(&server, "Xã Điện Hòa").await;
    let mut tablet = device_of(&server, "dienhoa").await;
    let id = Uuid::now_v7();
    let mut fields = draft(hoa, "Tự chấm");
    fields["ratings"] = json!({"2025": "excellent"});
    tablet.save("model.create", id, None, fields);
    let _ = tablet.sync().await;
    let stored = server
        .store()
        .model(dvk_shared::ids::ModelId::from_uuid(id).unwrap())
        .await
        .unwrap();
    assert!(
        stored.is_none_or(|m| m.model.ratings.is_empty()),
        "ratings written by a registrar"
    );
}

#[tokio::test]
async fn d8_parallel_wrong_passwords_all_count() {
    let server = TestServer::start_demo(Backend::Sqlite).await.unwrap();
    let attempts = (0..20).map(|_| {
        let client = server.client();
        async move {
            client
                .login("dienhoa", "wrong password")
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    });
    let statuses = futures_join_all(attempts).await;
    let passed = statuses.iter().filter(|s| **s == 401).count();
    assert!(
        passed <= dvk_server::auth::ACCOUNT_LIMIT,
        "{passed} wrong passwords checked: {statuses:?}"
    );
}

async fn futures_join_all<F: std::future::Future>(
    futures: impl IntoIterator<Item = F>,
) -> Vec<F::Output> {
    join_vec(futures.into_iter().map(Box::pin).collect()).await
}

async fn join_vec<F: std::future::Future>(
    mut futures: Vec<std::pin::Pin<Box<F>>>,
) -> Vec<F::Output> {
    use std::task::Poll;
    let mut results: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in futures.iter_mut().enumerate() {
            if results[i].is_none() {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => results[i] = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    results.into_iter().map(|r| r.unwrap()).collect()
}
