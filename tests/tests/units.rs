//! The unit tree run by administrators, against the real server on SQLite and PostgreSQL: a new
//! unit, a rename from a date (the former name kept), two communes merged (their accounts, units
//! below and statistics follow the successor; the records stay their own), a closure; each change
//! audited and reaching the devices that see the unit; and every refusal.

// A test states what must hold with unwrap/expect; the lint is for production code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use dvk_shared::{api::Stats, ids::UnitId, sync::Entity, unit::Unit};
use dvk_tests::{Backend, Client, TestServer, device::Device};
use serde_json::{Value, json};

async fn post(client: &Client, path: &str, body: Value) -> (u16, Value) {
    client.post_json(path, body).await.unwrap()
}

fn code(body: &Value) -> &str {
    body["code"].as_str().unwrap_or_default()
}

fn units_in(stats: &Stats) -> Vec<(String, u64)> {
    stats
        .by_unit
        .iter()
        .map(|u| (u.name.clone(), u.total))
        .collect()
}

async fn the_tree_changes_and_everything_follows(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let admin = server.client();
    admin.login_demo("admin").await.unwrap();
    let town = server.unit("Thị xã Điện Bàn").await.id;
    let hoa = server.unit("Xã Điện Hòa").await.id;
    let phong = server.unit("Xã Điện Phong").await.id;
    let mut registrar = Device::of_demo(&server, "dienhoa").await.unwrap();
    registrar.sync().await.unwrap();
    let before: Stats = admin.get_json("/api/stats").await.unwrap();
    let count = |stats: &Stats, name: &str| {
        units_in(stats)
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t)
    };
    // A year before the merge, whose report must not change.
    let early: u16 = before
        .by_year
        .keys()
        .filter_map(|y| y.parse().ok())
        .min()
        .unwrap();
    assert!(early < 2025);
    let early_before: Stats = admin
        .get_json(&format!("/api/stats?year={early}"))
        .await
        .unwrap();
    let (hoa_before, phong_before) = (
        count(&before, "Xã Điện Hòa").unwrap(),
        count(&before, "Xã Điện Phong").unwrap(),
    );

    // A new unit under the town, then an account in it.
    let (status, body) = post(
        &admin,
        "/api/units",
        json!({"name": "Thôn Thử Nghiệm", "kind": "commune", "parent_id": phong}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let hamlet: Unit = serde_json::from_value(body).unwrap();
    assert_eq!(hamlet.parent_id, Some(phong));
    let (status, body) = post(
        &admin,
        "/api/accounts",
        json!({"username": "canbo.phong", "display_name": "Cán bộ Điện Phong", "role": "registrar", "unit_id": phong}),
    )
    .await;
    assert_eq!(status, 201, "{body}");

    // Điện Hòa becomes a ward from 1 July 2025: the old name stays for earlier dates.
    let (status, body) = post(
        &admin,
        &format!("/api/units/{hoa}/rename"),
        json!({"name": "Phường Điện Hòa", "on": "2025-07-01"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let renamed: Unit = serde_json::from_value(body).unwrap();
    assert_eq!(renamed.former_names[0].name, "Xã Điện Hòa");
    // The registrar's tablet learns it at its next sync.
    registrar.sync().await.unwrap();
    assert_eq!(
        registrar.held(Entity::Unit, hoa.as_uuid()).unwrap().data["name"],
        "Phường Điện Hòa"
    );

    // Điện Phong merges into Điện Hòa: its account and its unit below follow; its models count
    // under Điện Hòa from now on.
    let (status, body) = post(
        &admin,
        &format!("/api/units/{phong}/merge"),
        json!({"into": hoa, "on": "2025-07-01"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let after: Stats = admin.get_json("/api/stats").await.unwrap();
    assert_eq!(
        count(&after, "Phường Điện Hòa"),
        Some(hoa_before + phong_before)
    );
    assert_eq!(count(&after, "Xã Điện Phong"), None);
    assert_eq!(after.total, before.total, "nothing counted twice or lost");
    // The report of an earlier year still shows the units as they were, under their names then.
    let early_after: Stats = admin
        .get_json(&format!("/api/stats?year={early}"))
        .await
        .unwrap();
    assert_eq!(units_in(&early_after), units_in(&early_before));
    let moved = server
        .store()
        .account(server.user_id("canbo.phong").await)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(moved.user.unit_id, hoa);
    let tree = server.store().units().await.unwrap();
    assert_eq!(
        tree.iter().find(|u| u.id == hamlet.id).unwrap().parent_id,
        Some(hoa)
    );
    // The registrar of Điện Hòa now sees Điện Phong's models on the tablet too.
    registrar.sync().await.unwrap();
    let phong_models = registrar
        .replica()
        .values()
        .filter(|held| held.data["unit_id"] == json!(phong))
        .count();
    assert!(
        phong_models > 0,
        "the merged unit's models reach its successor's tablets"
    );

    // Closing: refused while it has units below or active accounts; the hamlet closes.
    let (status, body) = post(
        &admin,
        &format!("/api/units/{hoa}/close"),
        json!({"on": "2026-01-01"}),
    )
    .await;
    assert_eq!((status, code(&body)), (409, "unit_has_units"));
    let (status, body) = post(
        &admin,
        &format!("/api/units/{}/close", hamlet.id),
        json!({"on": "2026-01-01"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = post(
        &admin,
        "/api/accounts",
        json!({"username": "canbo.thon", "display_name": "X", "role": "registrar", "unit_id": hamlet.id}),
    )
    .await;
    assert_eq!(
        (status, body["fields"]["unit_id"].as_str()),
        (422, Some("invalid_choice")),
        "a closed unit takes no one"
    );

    // Every change is in the units' history.
    let history = server
        .store()
        .history(Entity::Unit, &phong.to_string())
        .await
        .unwrap();
    assert_eq!(history.last().unwrap().action, "unit.update");
    assert_eq!(history.last().unwrap().actor, "Quản trị hệ thống");
    let _ = town;
}

#[tokio::test]
async fn the_tree_changes_and_everything_follows_on_sqlite() {
    the_tree_changes_and_everything_follows(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_tree_changes_and_everything_follows_on_postgres() {
    the_tree_changes_and_everything_follows(Backend::Postgres).await;
}

async fn every_refusal_of_the_tree(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let admin = server.client();
    admin.login_demo("admin").await.unwrap();
    let hoa = server.unit("Xã Điện Hòa").await.id;
    let tien = server.unit("Xã Điện Tiến").await.id;
    let (status, _) = post(
        &admin,
        &format!("/api/units/{tien}/merge"),
        json!({"into": hoa, "on": "2025-07-01"}),
    )
    .await;
    assert_eq!(status, 200);
    let units = server.store().units().await.unwrap();
    let top = units.iter().find(|u| u.parent_id.is_none()).unwrap().id;

    for username in ["bandanvan", "dienhoa", "lanhdao", "khaosat"] {
        let client = server.client();
        client.login_demo(username).await.unwrap();
        let (status, _) = post(
            &client,
            "/api/units",
            json!({"name": "X", "kind": "commune", "parent_id": hoa}),
        )
        .await;
        assert_eq!(status, 403, "{username}");
        let (status, _) = post(
            &client,
            &format!("/api/units/{hoa}/rename"),
            json!({"name": "X", "on": "2025-07-01"}),
        )
        .await;
        assert_eq!(status, 403, "{username}");
    }
    let (status, body) = post(
        &admin,
        &format!("/api/units/{top}/merge"),
        json!({"into": hoa, "on": "2025-07-01"}),
    )
    .await;
    assert_eq!((status, code(&body)), (409, "top_unit"));
    let (status, body) = post(
        &admin,
        &format!("/api/units/{top}/close"),
        json!({"on": "2025-07-01"}),
    )
    .await;
    assert_eq!((status, code(&body)), (409, "top_unit"));
    let (status, body) = post(
        &admin,
        &format!("/api/units/{hoa}/merge"),
        json!({"into": hoa, "on": "2025-07-01"}),
    )
    .await;
    assert_eq!((status, code(&body)), (409, "merge_into_own_tree"));
    let (status, body) = post(
        &admin,
        &format!("/api/units/{tien}/rename"),
        json!({"name": "Y", "on": "2026-01-01"}),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (409, "unit_not_current"),
        "Điện Tiến was merged above"
    );
    let (status, body) = post(
        &admin,
        &format!("/api/units/{hoa}/merge"),
        json!({"into": UnitId::new(), "on": "2025-07-01"}),
    )
    .await;
    assert_eq!(
        (status, body["fields"]["into"].as_str()),
        (422, Some("invalid_choice"))
    );
    let (status, body) = post(
        &admin,
        &format!("/api/units/{hoa}/close"),
        json!({"on": "2025-07-01"}),
    )
    .await;
    assert_eq!((status, code(&body)), (409, "unit_has_accounts"));
    let (status, body) = post(
        &admin,
        "/api/units",
        json!({"name": " ", "kind": "commune", "parent_id": tien}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        body["fields"],
        json!({"name": "required", "parent_id": "invalid_choice"})
    );
    let (status, _) = post(
        &admin,
        &format!("/api/units/{hoa}/rename"),
        json!({"name": "X", "on": "31/02/2025"}),
    )
    .await;
    assert_eq!(status, 400, "a date that does not exist");
    let (status, _) = post(
        &admin,
        &format!("/api/units/{}/close", UnitId::new()),
        json!({"on": "2025-07-01"}),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(
        server.store().units().await.unwrap(),
        units,
        "no refusal changed the tree"
    );
}

#[tokio::test]
async fn every_refusal_of_the_tree_on_sqlite() {
    every_refusal_of_the_tree(Backend::Sqlite).await;
}

#[tokio::test]
async fn every_refusal_of_the_tree_on_postgres() {
    every_refusal_of_the_tree(Backend::Postgres).await;
}

/// Two administrators merging two communes into each other at once: one merge happens, the
/// other is refused — never a cycle.
async fn crossed_merges_leave_one(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let (first, second) = (server.client(), server.client());
    first.login_demo("admin").await.unwrap();
    second.login_demo("admin").await.unwrap();
    let hoa = server.unit("Xã Điện Hòa").await.id;
    let phong = server.unit("Xã Điện Phong").await.id;
    let (a, b) = (
        format!("/api/units/{phong}/merge"),
        format!("/api/units/{hoa}/merge"),
    );
    let ((sa, _), (sb, body)) = tokio::join!(
        post(&first, &a, json!({"into": hoa, "on": "2025-07-01"})),
        post(&second, &b, json!({"into": phong, "on": "2025-07-01"})),
    );
    // The later one finds its successor merged away (422 `into`) or itself merged (409).
    let mut statuses = [sa, sb];
    statuses.sort_unstable();
    assert!(matches!(statuses, [200, 409 | 422]), "{statuses:?} {body}");
    let units = server.store().units().await.unwrap();
    let merged = units
        .iter()
        .filter(|u| (u.id == hoa || u.id == phong) && u.merged_into.is_some())
        .count();
    assert_eq!(merged, 1);
}

#[tokio::test]
async fn crossed_merges_leave_one_on_sqlite() {
    crossed_merges_leave_one(Backend::Sqlite).await;
}

#[tokio::test]
async fn crossed_merges_leave_one_on_postgres() {
    crossed_merges_leave_one(Backend::Postgres).await;
}
