//! The yearly survey through sync, against the real server on SQLite and PostgreSQL: the Board
//! creates a campaign and assigns a surveyor; the surveyor's visits, made offline, arrive with
//! the total and rating the shared code computes; a submitted survey is locked until the Board
//! reopens it; nobody surveys what they were not assigned; concurrent scores are hard conflicts.

// A test states what must hold with unwrap/expect; the lint is for production code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use dvk_shared::{
    survey::{Rating, default_criteria, total_score},
    sync::{ConflictKind, PushStatus},
};
use dvk_tests::{Backend, TestServer, device::Device};
use serde_json::{Value, json};
use uuid::Uuid;

async fn device_of(server: &TestServer, account: &str) -> Device {
    Device::of_demo(server, account).await.unwrap()
}

fn held(device: &Device, entity: &str, id: Uuid) -> Option<Value> {
    device
        .replica()
        .get(&(entity.to_owned(), id))
        .map(|h| h.data.clone())
}

fn last_status(device: &Device) -> PushStatus {
    device.answers().values().next_back().unwrap().status
}

/// Two models of the demo the surveyor will visit.
fn two_models(board: &Device) -> (Uuid, Uuid) {
    let held = board.replica();
    let mut ids = held
        .iter()
        .filter(|((entity, _), held)| entity == "model" && held.data["status"] == "in_progress")
        .map(|((_, id), _)| *id);
    (ids.next().unwrap(), ids.next().unwrap())
}

async fn a_campaign_from_creation_to_every_survey_submitted(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let mut board = device_of(&server, "bandanvan").await;
    let surveyor = server.user_id("khaosat").await.to_string();
    let (first, second) = two_models(&board);

    // The Board's plan: the default criteria, two models, one surveyor, a deadline.
    let campaign = Uuid::now_v7();
    board.save(
        "campaign.create",
        campaign,
        None,
        json!({"year": 2026, "name": "Khảo sát mô hình năm 2026", "criteria": default_criteria(),
               "unit_ids": [], "model_ids": [first, second],
               "assignments": {first.to_string(): surveyor, second.to_string(): surveyor},
               "deadline": "2026-12-31"}),
    );
    // A campaign without criteria is refused with the field named.
    board.save(
        "campaign.create",
        Uuid::now_v7(),
        None,
        json!({"year": 2026, "name": "Không tiêu chí", "criteria": [], "deadline": "2026-12-31"}),
    );
    board.sync().await.unwrap();
    let answers: Vec<PushStatus> = board.answers().values().map(|a| a.status).collect();
    assert_eq!(answers, [PushStatus::Applied, PushStatus::Rejected]);
    let refused = board
        .answers()
        .values()
        .last()
        .unwrap()
        .error
        .clone()
        .unwrap();
    assert!(refused.fields.unwrap().get("criteria").is_some());

    // The surveyor's tablet holds the campaign after its download.
    let mut tablet = device_of(&server, "khaosat").await;
    assert_eq!(
        held(&tablet, "campaign", campaign).unwrap()["name"],
        "Khảo sát mô hình năm 2026"
    );

    // Two visits made offline, the second scored only in part at first.
    let criteria = default_criteria();
    let scores = |score: u8| -> BTreeMap<String, u8> {
        criteria.iter().map(|c| (c.key.clone(), score)).collect()
    };
    let (visit_1, visit_2) = (Uuid::now_v7(), Uuid::now_v7());
    tablet.save(
        "survey.create",
        visit_1,
        None,
        // The tablet names a surveyor to show the survey at once; the server records who sent it.
        json!({"campaign_id": campaign, "model_id": first, "surveyor_id": Uuid::now_v7(),
               "scores": scores(8),
               "difficulties": ["Bồi thường, giải phóng mặt bằng"], "notes": "Người dân đồng tình",
               "visited_at": 1_795_000_000_000i64}),
    );
    tablet.save("survey.submit", visit_1, Some(0), json!({}));
    tablet.save(
        "survey.create",
        visit_2,
        None,
        json!({"campaign_id": campaign, "model_id": second, "scores": {"task_fit": 9}}),
    );
    // Submitting without every score is refused, naming what is missing.
    tablet.save("survey.submit", visit_2, Some(0), json!({}));
    tablet.save(
        "survey.update",
        visit_2,
        Some(0),
        json!({"scores": scores(6), "recommendations": "Nhân rộng ra các thôn"}),
    );
    tablet.save("survey.submit", visit_2, Some(0), json!({}));
    tablet.sync().await.unwrap();
    let answers: Vec<PushStatus> = tablet.answers().values().map(|a| a.status).collect();
    assert_eq!(
        answers,
        [
            PushStatus::Applied,
            PushStatus::Applied,
            PushStatus::Applied,
            PushStatus::Rejected,
            PushStatus::Applied,
            PushStatus::Applied
        ]
    );

    // Stored as the shared code computes, whatever the request claimed.
    let stored_1 = held(&tablet, "survey", visit_1).unwrap();
    assert_eq!(stored_1["status"], "submitted");
    assert_eq!(stored_1["surveyor_id"], json!(surveyor));
    let expected = total_score(&criteria, &scores(8)).map(Rating::of_total);
    assert_eq!(stored_1["rating"], json!(expected));
    assert_eq!(stored_1["rating"], "good");
    let stored_2 = held(&tablet, "survey", visit_2).unwrap();
    assert_eq!(stored_2["status"], "submitted");
    assert_eq!(stored_2["rating"], "fair");

    // Every survey of the campaign is submitted; the Board sees them.
    board.sync().await.unwrap();
    let submitted = board
        .replica()
        .iter()
        .filter(|((entity, _), held)| {
            entity == "survey"
                && held.data["campaign_id"] == json!(campaign)
                && held.data["status"] == "submitted"
        })
        .count();
    assert_eq!(submitted, 2);

    // A submitted survey is locked: a later offline edit is rejected as `locked`, visibly.
    tablet.save(
        "survey.update",
        visit_1,
        Some(0),
        json!({"notes": "Sửa sau khi nộp"}),
    );
    tablet.sync().await.unwrap();
    let answer = tablet.answers().values().last().cloned().unwrap();
    assert_eq!(answer.status, PushStatus::Rejected);
    assert_eq!(answer.error.as_ref().unwrap().code, "locked");
    // Only the Board reopens it; then the surveyor may change it again.
    tablet.save("survey.reopen", visit_1, Some(0), json!({}));
    tablet.sync().await.unwrap();
    assert_eq!(last_status(&tablet), PushStatus::Rejected);
    let seen = board
        .replica()
        .get(&("survey".to_owned(), visit_1))
        .map(|h| h.version);
    board.save("survey.reopen", visit_1, seen, json!({}));
    board.sync().await.unwrap();
    assert_eq!(last_status(&board), PushStatus::Applied);
    tablet.sync().await.unwrap();
    tablet.save(
        "survey.update",
        visit_1,
        Some(0),
        json!({"notes": "Bổ sung sau khi mở lại"}),
    );
    tablet.sync().await.unwrap();
    assert_eq!(last_status(&tablet), PushStatus::Applied);

    // Scores changed by two people at once: a hard conflict, nothing overwritten.
    let seen = board
        .replica()
        .get(&("survey".to_owned(), visit_1))
        .map(|h| h.version);
    board.save(
        "survey.update",
        visit_1,
        seen,
        json!({"scores": scores(10)}),
    );
    board.sync().await.unwrap();
    tablet.save(
        "survey.update",
        visit_1,
        Some(0),
        json!({"scores": scores(3)}),
    );
    tablet.sync().await.unwrap();
    let answer = tablet.answers().values().last().cloned().unwrap();
    assert_eq!(answer.status, PushStatus::Conflict);
    assert_eq!(answer.conflict.as_ref().unwrap().kind, ConflictKind::Hard);
    assert_eq!(
        held(&tablet, "survey", visit_1).unwrap()["rating"],
        "excellent"
    );

    // The audit log names each change of a survey.
    let history = server
        .store()
        .history(dvk_shared::sync::Entity::Survey, &visit_1.to_string())
        .await
        .unwrap();
    let actions: Vec<&str> = history.iter().map(|h| h.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "survey.create",
            "survey.submit",
            "survey.reopen",
            "survey.update",
            "survey.update"
        ]
    );
}

#[tokio::test]
async fn a_campaign_runs_to_every_survey_submitted_on_sqlite() {
    a_campaign_from_creation_to_every_survey_submitted(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_campaign_runs_to_every_survey_submitted_on_postgres() {
    a_campaign_from_creation_to_every_survey_submitted(Backend::Postgres).await;
}

async fn nobody_surveys_what_they_were_not_given(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let mut board = device_of(&server, "bandanvan").await;
    let (first, second) = two_models(&board);
    let campaign = Uuid::now_v7();
    let board_id = server.user_id("bandanvan").await.to_string();
    board.save(
        "campaign.create",
        campaign,
        None,
        json!({"year": 2026, "name": "Đợt 1", "criteria": default_criteria(),
               "model_ids": [first], "assignments": {first.to_string(): board_id},
               "deadline": "2026-12-31"}),
    );
    board.sync().await.unwrap();

    // The surveyor is not assigned to this model; a registrar may not survey at all, nor plan.
    let mut tablet = device_of(&server, "khaosat").await;
    tablet.save(
        "survey.create",
        Uuid::now_v7(),
        None,
        json!({"campaign_id": campaign, "model_id": first}),
    );
    tablet.save(
        "survey.create",
        Uuid::now_v7(),
        None,
        json!({"campaign_id": Uuid::now_v7(), "model_id": second}),
    );
    tablet.save(
        "campaign.update",
        campaign,
        Some(0),
        json!({"name": "Đổi tên"}),
    );
    tablet.sync().await.unwrap();
    let codes: Vec<String> = tablet
        .answers()
        .values()
        .map(|a| a.error.as_ref().unwrap().code.clone())
        .collect();
    assert_eq!(codes, ["not_assigned", "not_found", "role_not_allowed"]);

    let mut registrar = device_of(&server, "dienhoa").await;
    registrar.save(
        "survey.create",
        Uuid::now_v7(),
        None,
        json!({"campaign_id": campaign, "model_id": first}),
    );
    registrar.sync().await.unwrap();
    assert_eq!(
        registrar
            .answers()
            .values()
            .last()
            .unwrap()
            .error
            .as_ref()
            .unwrap()
            .code,
        "role_not_allowed"
    );

    // Fields the server owns (the rating, the status), and unknown kinds, refuse the request as
    // a whole.
    for (kind, base, fields) in [
        ("survey.update", Some(0), json!({"status": "submitted"})),
        ("survey.update", Some(0), json!({"rating": "excellent"})),
        (
            "survey.create",
            None,
            json!({"campaign_id": campaign, "model_id": first, "rating": "excellent"}),
        ),
        ("survey.fly", Some(0), json!({})),
    ] {
        let probe = device_of(&server, "khaosat").await;
        let request = json!({"device_id": probe.id, "epoch": null, "schema": 2, "cursor": null,
            "push": [{"seq": 1, "mutation": {"kind": kind, "id": Uuid::now_v7(), "base_version": base, "fields": fields}}]});
        let response = probe
            .client
            .http
            .post(probe.client.url("/api/sync"))
            .json(&request)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{kind} {fields}");
    }
}

#[tokio::test]
async fn nobody_surveys_what_they_were_not_given_on_sqlite() {
    nobody_surveys_what_they_were_not_given(Backend::Sqlite).await;
}

#[tokio::test]
async fn nobody_surveys_what_they_were_not_given_on_postgres() {
    nobody_surveys_what_they_were_not_given(Backend::Postgres).await;
}

/// The Board's evaluation: a surveyed model gets the year's rating it confirms, then becomes
/// typical; the rating needs a year and a real rating, and only the Board gives it.
async fn the_board_confirms_the_rating_and_marks_the_model_typical(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let mut board = device_of(&server, "bandanvan").await;
    let (model, other) = two_models(&board);
    let answer = |device: &Device, seq: u64| device.answers()[&seq].clone();

    // Incomplete or made-up values are refused and change nothing.
    let missing = board.save(
        "model.evaluate",
        model,
        board.version_of(model),
        json!({"year": 2026}),
    );
    let made_up = board.save(
        "model.evaluate",
        model,
        board.version_of(model),
        json!({"year": 2026, "rating": "legendary"}),
    );
    board.sync().await.unwrap();
    for seq in [missing, made_up] {
        let refused = answer(&board, seq);
        assert_eq!(refused.status, PushStatus::Rejected);
        assert_eq!(refused.error.unwrap().code, "invalid_fields");
    }
    assert_eq!(
        held(&board, "model", model).unwrap()["status"],
        "in_progress"
    );

    // A registrar may not rate (the model is outside her commune or not hers to judge).
    let mut registrar = device_of(&server, "dienhoa").await;
    let own = registrar
        .replica()
        .iter()
        .find(|((entity, _), held)| entity == "model" && held.data["status"] == "in_progress")
        .map(|((_, id), _)| *id)
        .unwrap();
    let seq = registrar.save(
        "model.evaluate",
        own,
        registrar.version_of(own),
        json!({"year": 2026, "rating": "excellent"}),
    );
    registrar.sync().await.unwrap();
    assert_eq!(
        answer(&registrar, seq).error.unwrap().code,
        "role_not_allowed"
    );

    let rated = board.save(
        "model.evaluate",
        model,
        board.version_of(model),
        json!({"year": 2026, "rating": "good"}),
    );
    board.sync().await.unwrap();
    assert_eq!(answer(&board, rated).status, PushStatus::Applied);
    let typical = board.save(
        "model.mark_typical",
        model,
        board.version_of(model),
        json!({}),
    );
    // Typical only after an evaluation: the other model is still running.
    let too_soon = board.save(
        "model.mark_typical",
        other,
        board.version_of(other),
        json!({}),
    );
    board.sync().await.unwrap();
    assert_eq!(answer(&board, typical).status, PushStatus::Applied);
    assert_eq!(answer(&board, too_soon).error.unwrap().code, "wrong_status");
    let stored = server
        .store()
        .model(dvk_shared::ids::ModelId::from_uuid(model).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.model.status, dvk_shared::model::Status::Typical);
    assert_eq!(
        stored.model.ratings.get(&2026),
        Some(&dvk_shared::survey::Rating::Good)
    );
}

#[tokio::test]
async fn the_board_confirms_the_rating_on_sqlite() {
    the_board_confirms_the_rating_and_marks_the_model_typical(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_board_confirms_the_rating_on_postgres() {
    the_board_confirms_the_rating_and_marks_the_model_typical(Backend::Postgres).await;
}
