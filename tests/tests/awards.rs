//! Commendation through sync, against the real server on SQLite and PostgreSQL: a commune
//! proposes a person for the medal offline, the Board agrees and records the decision, the
//! register and the overview count it; a second medal for the same person (written another
//! way) is refused until the Board gives a reason; decided proposals are locked until reopened;
//! and every refusal (a registrar deciding, a decision before the Board agreed, an edit of a
//! decided proposal, a unit out of sight, two Board members deciding at once).

// A test states what must hold with unwrap/expect; the lint is for production code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use dvk_shared::{
    api::{AwardItem, Stats},
    award::{AwardKind, RecipientType},
    sync::{Entity, PushStatus},
};
use dvk_tests::{Backend, TestServer, device::Device};
use serde_json::{Value, json};
use sha2::Digest;
use uuid::Uuid;

fn held(device: &Device, id: Uuid) -> Value {
    device
        .held(Entity::Award, id)
        .unwrap_or_else(|| panic!("the device does not hold award {id}"))
        .data
}

fn version(device: &Device, id: Uuid) -> Option<i64> {
    device.held(Entity::Award, id).map(|h| h.version)
}

/// A model of the unit, from what the device holds.
fn a_model_of(device: &Device, unit: &str) -> Uuid {
    device
        .replica()
        .into_iter()
        .find(|((entity, _), held)| entity == "model" && held.data["unit_id"] == unit)
        .map(|((_, id), _)| id)
        .expect("a model of the unit")
}

fn medals_to_people(stats: &Stats) -> u64 {
    stats
        .awards
        .iter()
        .filter(|a| {
            a.kind == AwardKind::CommemorativeMedal && a.recipient_type == RecipientType::Individual
        })
        .map(|a| a.count)
        .sum()
}

fn medal_for(unit: &str, name: &str, model: Uuid) -> Value {
    json!({
        "kind": "commemorative_medal",
        "title": "Kỷ niệm chương “Vì sự nghiệp Dân vận”",
        "year": 2025,
        "recipient_type": "individual",
        "unit_id": unit,
        "recipient_name": name,
        "birth_year": 1968,
        "position": "Chi hội trưởng Phụ nữ thôn 3",
        "model_ids": [model],
        "reason": "Vận động nhân dân hiến đất mở đường, thắp sáng ngõ xóm.",
    })
}

fn decision(number: &str) -> Value {
    json!({
        "number": number,
        "date": "2025-11-20",
        "signer": "Trưởng Ban Dân vận Trung ương",
        "level": "Trung ương",
    })
}

async fn from_proposal_to_the_register(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let hoa = server.unit("Xã Điện Hòa").await.id.to_string();
    let phong = server.unit("Xã Điện Phong").await.id.to_string();
    let mut commune = Device::of_demo(&server, "dienhoa").await.unwrap();
    let mut board = Device::of_demo(&server, "bandanvan").await.unwrap();
    let mut admin = Device::of_demo(&server, "admin").await.unwrap();
    let leader = server.client();
    leader.login_demo("lanhdao").await.unwrap();
    let before: Stats = leader.get_json("/api/stats").await.unwrap();
    assert_eq!(medals_to_people(&before), 4, "the report's four medals");
    // The report's awards went the way every award goes: proposed, agreed, decided.
    let seeded = board
        .replica()
        .into_iter()
        .find(|((entity, _), held)| entity == "award" && held.data["status"] == "decided")
        .map(|((_, id), _)| id)
        .expect("the demo's awards on the Board's tablet");
    let history = server
        .store()
        .history(Entity::Award, &seeded.to_string())
        .await
        .unwrap();
    let actions: Vec<&str> = history.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "award.create",
            "award.submit",
            "award.approve",
            "award.decide"
        ]
    );
    let model = a_model_of(&commune, &hoa);

    // A scanned report (PDF) sent through the resumable upload, attached to the proposal.
    let scan = [b"%PDF-1.4\n".as_slice(), "Báo cáo thành tích".as_bytes()].concat();
    let scan_hash: String = sha2::Sha256::digest(&scan)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let sent = commune
        .client
        .http
        .put(
            commune
                .client
                .url(&format!("/api/photos/{scan_hash}/upload")),
        )
        .query(&[("offset", 0), ("total", scan.len())])
        .header("content-type", "application/octet-stream")
        .body(scan.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 200);

    // The commune writes the proposal offline, then sends it; it arrives as proposed, with
    // who proposed it said by the server.
    let award = Uuid::now_v7();
    let mut proposal = medal_for(&hoa, "Nguyễn Thị Thu", model);
    proposal["attachments"] = json!([scan_hash]);
    let create = commune.edit("award.create", award, None, proposal);
    let submit = commune.save("award.submit", award, Some(0), json!({}));
    // A unit it does not see is refused, whole.
    let elsewhere = Uuid::now_v7();
    let outside = commune.edit(
        "award.create",
        elsewhere,
        None,
        medal_for(&phong, "Lê Văn Tư", model),
    );
    commune.sync().await.unwrap();
    commune.applied(create);
    commune.applied(submit);
    assert_eq!(commune.refused(outside).0, "outside_your_units");
    assert_eq!(held(&commune, award)["status"], "proposed");
    // Whoever sees the proposal reads its scan.
    let read = leader
        .get(&format!("/api/photos/{scan_hash}"))
        .await
        .unwrap();
    assert_eq!(read.status(), 200);
    assert_eq!(
        read.headers()["content-type"].to_str().unwrap(),
        "application/pdf"
    );
    assert!(held(&commune, award)["proposed_by"].is_string());

    // The registrar cannot decide, and the Board cannot decide before it agreed.
    let seen = version(&commune, award);
    let decide = commune.save("award.decide", award, seen, decision("1-QĐ/BDVTW"));
    commune.sync().await.unwrap();
    assert_eq!(commune.refused(decide).0, "role_not_allowed");
    board.sync().await.unwrap();
    let seen = version(&board, award);
    assert!(seen.is_some(), "the Board sees the proposal");
    let early = board.save("award.decide", award, seen, decision("1-QĐ/BDVTW"));
    board.sync().await.unwrap();
    assert_eq!(board.refused(early).0, "wrong_status");

    // Agreed, then decided: locked, in the register and the overview.
    let seen = version(&board, award);
    let approve = board.save("award.approve", award, seen, json!({}));
    board.sync().await.unwrap();
    board.applied(approve);
    let seen = version(&board, award);
    let decide = board.save("award.decide", award, seen, decision("125-QĐ/BDVTW"));
    board.sync().await.unwrap();
    board.applied(decide);
    commune.sync().await.unwrap();
    let decided = held(&commune, award);
    assert_eq!(decided["status"], "decided");
    assert_eq!(decided["decision_number"], "125-QĐ/BDVTW");
    assert_eq!(decided["signer"], "Trưởng Ban Dân vận Trung ương");
    let seen = version(&commune, award);
    let late_edit = commune.save(
        "award.update",
        award,
        seen,
        json!({"reason": "Sửa sau quyết định"}),
    );
    commune.sync().await.unwrap();
    assert_eq!(commune.refused(late_edit).0, "locked");
    let register: Vec<AwardItem> = leader.get_json("/api/awards?year=2025").await.unwrap();
    let item = register
        .iter()
        .find(|i| i.award.id.to_string() == award.to_string())
        .expect("the award in the register");
    assert_eq!(item.unit_name, "Xã Điện Hòa");
    let after: Stats = leader.get_json("/api/stats").await.unwrap();
    assert_eq!(medals_to_people(&after), 5);

    // The same person again, written without diacritics and with other spacing: the Board
    // cannot decide it without saying why, and learns whom and which decision it repeats.
    let again = Uuid::now_v7();
    let mut repeated = medal_for(&hoa, "nguyen  thi thu", model);
    repeated["year"] = json!(2026);
    commune.edit("award.create", again, None, repeated);
    commune.save("award.submit", again, Some(0), json!({}));
    commune.sync().await.unwrap();
    board.sync().await.unwrap();
    let seen = version(&board, again);
    board.save("award.approve", again, seen, json!({}));
    board.sync().await.unwrap();
    let seen = version(&board, again);
    let repeat = board.save("award.decide", again, seen, decision("130-QĐ/BDVTW"));
    board.sync().await.unwrap();
    let (code, message) = board.refused(repeat);
    assert_eq!(code, "repeats_award");
    assert!(
        message.contains("Nguyễn Thị Thu") && message.contains("125-QĐ/BDVTW"),
        "says who and which decision: {message}"
    );
    assert_eq!(held(&board, again)["status"], "approved", "nothing written");
    let mut overridden = decision("130-QĐ/BDVTW");
    overridden["override_reason"] = json!("Trùng tên, khác người: đã xác minh tại xã.");
    let seen = version(&board, again);
    let decide = board.save("award.decide", again, seen, overridden);
    board.sync().await.unwrap();
    board.applied(decide);
    assert_eq!(
        held(&board, again)["override_reason"],
        "Trùng tên, khác người: đã xác minh tại xã."
    );

    // Two Board members at once on one proposal: the later one sees the earlier's decision
    // instead of overwriting it.
    let third = Uuid::now_v7();
    let mut certificate = medal_for(&hoa, "Trần Văn Năm", model);
    certificate["kind"] = json!("certificate_of_merit");
    certificate["title"] = json!("Giấy khen của Ban Thường vụ Thị ủy");
    commune.edit("award.create", third, None, certificate);
    commune.save("award.submit", third, Some(0), json!({}));
    commune.sync().await.unwrap();
    board.sync().await.unwrap();
    admin.sync().await.unwrap();
    let (board_seen, admin_seen) = (version(&board, third), version(&admin, third));
    let returned = board.save(
        "award.return",
        third,
        board_seen,
        json!({"comment": "Bổ sung thành tích cụ thể"}),
    );
    let approved = admin.save("award.approve", third, admin_seen, json!({}));
    board.sync().await.unwrap();
    admin.sync().await.unwrap();
    board.applied(returned);
    let result = admin.answer(approved);
    assert_eq!(result.status, PushStatus::Conflict, "{result:?}");
    // Returning without a reason is refused; the commune reads the Board's comment.
    commune.sync().await.unwrap();
    assert_eq!(held(&commune, third)["status"], "returned");
    assert_eq!(
        held(&commune, third)["review_comment"],
        "Bổ sung thành tích cụ thể"
    );

    // Reopening a decided award takes it out of the register, with a reason, audited.
    let seen = version(&board, award);
    let bare = board.save("award.reopen", award, seen, json!({}));
    board.sync().await.unwrap();
    assert_eq!(board.refused(bare).0, "comment_required");
    let seen = version(&board, award);
    let reopen = board.save(
        "award.reopen",
        award,
        seen,
        json!({"comment": "Sai năm sinh trong quyết định"}),
    );
    board.sync().await.unwrap();
    board.applied(reopen);
    let reopened = held(&board, award);
    assert_eq!(reopened["status"], "proposed");
    assert_eq!(reopened["decision_number"], Value::Null);
    let after: Stats = leader.get_json("/api/stats").await.unwrap();
    assert_eq!(
        medals_to_people(&after),
        5,
        "4 of the report and the override"
    );
    let history = server
        .store()
        .history(Entity::Award, &award.to_string())
        .await
        .unwrap();
    let actions: Vec<&str> = history.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "award.create",
            "award.submit",
            "award.approve",
            "award.decide",
            "award.reopen"
        ]
    );
}

#[tokio::test]
async fn from_proposal_to_the_register_on_sqlite() {
    from_proposal_to_the_register(Backend::Sqlite).await;
}

#[tokio::test]
async fn from_proposal_to_the_register_on_postgres() {
    from_proposal_to_the_register(Backend::Postgres).await;
}
