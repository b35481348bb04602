//! Pulls and pushes at once, as a town's tablets make them: a device that only pulls never
//! skips a change that committed while it read (PostgreSQL reads one snapshot), and requests at
//! once never fail (SQLite's one writer takes its turn instead of answering "locked").

// A test states what must hold with unwrap/expect; the lint is for production code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    collections::BTreeSet,
    sync::atomic::{AtomicBool, Ordering},
};

use dvk_tests::{
    Backend, TestServer,
    device::{Device, Round},
};
use serde_json::json;
use uuid::Uuid;

/// One device pushes a model and a change to the year's campaign per request (records of two
/// tables, in one commit) while two others only pull. On the previous main, PostgreSQL's
/// pullers skipped 15 of 300 models for good and SQLite refused 420 requests.
async fn pullers_see_everything_pushers_commit(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let hoa = server.unit("Xã Điện Hòa").await.id;
    let mut board = Device::of_demo(&server, "bandanvan").await.unwrap();
    let campaign = board
        .replica()
        .keys()
        .find(|(e, _)| e == "campaign")
        .unwrap()
        .1;
    let mut pullers = vec![
        Device::of_demo(&server, "lanhdao").await.unwrap(),
        Device::of_demo(&server, "admin").await.unwrap(),
    ];
    let done = AtomicBool::new(false);
    let mut created = BTreeSet::new();
    let push = async {
        let mut refused = Vec::new();
        for i in 0..300 {
            let id = Uuid::now_v7();
            created.insert(id);
            board.save(
                "model.create",
                id,
                None,
                json!({"unit_id": hoa, "name": format!("Mô hình {i}"), "field": "culture_society", "year": 2026}),
            );
            board.save(
                "campaign.update",
                campaign,
                Some(0),
                json!({"name": format!("Đợt khảo sát {i}")}),
            );
            match board.send(&board.request()).await.unwrap() {
                Round::Answered(answer) => board.learn(answer),
                Round::Refused(status, body) => refused.push(format!("{status} {body}")),
            }
        }
        done.store(true, Ordering::SeqCst);
        refused
    };
    let pull = async {
        let mut refused = Vec::new();
        while !done.load(Ordering::SeqCst) {
            for device in &mut pullers {
                match device.send(&device.request()).await.unwrap() {
                    Round::Answered(answer) => device.learn(answer),
                    Round::Refused(status, body) => refused.push(format!("{status} {body}")),
                }
            }
        }
        refused
    };
    let (push_refused, pull_refused) = tokio::join!(push, pull);
    assert!(push_refused.is_empty(), "{backend:?}: {push_refused:?}");
    assert!(pull_refused.is_empty(), "{backend:?}: {pull_refused:?}");
    for device in &mut pullers {
        device.sync().await.unwrap();
        let missing = created
            .iter()
            .filter(|id| !device.replica().contains_key(&("model".to_owned(), **id)))
            .count();
        assert_eq!(missing, 0, "{backend:?}: models a puller never received");
    }
}

#[tokio::test]
async fn pullers_see_everything_pushers_commit_on_sqlite() {
    pullers_see_everything_pushers_commit(Backend::Sqlite).await;
}

#[tokio::test]
async fn pullers_see_everything_pushers_commit_on_postgres() {
    pullers_see_everything_pushers_commit(Backend::Postgres).await;
}
