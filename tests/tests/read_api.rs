//! The read API over the demo town, on SQLite and PostgreSQL: the report's figures, who may see
//! what (every role against every endpoint, on its own unit and another), search with or
//! without diacritics, Vietnamese order, pagination and bad queries.

// A test states what must hold with unwrap/expect; the lint is for production code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use dvk_server::{
    admin, now,
    store::{Actor, ModelFilter},
};
use dvk_shared::{
    api::{ErrorBody, ModelDetail, ModelSummary, Page, Stats, UnitNode},
    award::{AwardKind, RecipientType},
    date::Date,
    ids::{ModelId, UnitId},
    model::{Field, Status},
    text::sort_key,
    user::Role,
};
use dvk_tests::{Backend, Client, TestServer};

/// The overview's line of a unit, if it has one.
fn line(stats: &Stats, id: UnitId) -> Option<u64> {
    stats
        .by_unit
        .iter()
        .find(|u| u.unit_id == id)
        .map(|u| u.total)
}

async fn first_model_of(client: &Client, unit: UnitId) -> ModelSummary {
    let page: Page<ModelSummary> = client
        .get_json(&format!("/api/models?unit={unit}&per_page=1"))
        .await
        .unwrap();
    page.items.into_iter().next().expect("the unit has models")
}

async fn the_demo_statistics_equal_the_report(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let leader = server.client();
    leader.login_demo("lanhdao").await.unwrap();
    let stats: Stats = leader.get_json("/api/stats").await.unwrap();
    assert_eq!(stats.total, 348);
    assert_eq!(stats.by_field[&Field::EconomicDevelopment], 149);
    assert_eq!(stats.by_field[&Field::CultureSociety], 167);
    assert_eq!(stats.by_field[&Field::DefenceSecurity], 23);
    assert_eq!(stats.by_field[&Field::PoliticalSystem], 9);
    assert_eq!(stats.by_status.values().sum::<u64>(), 348);
    assert!(
        !stats.by_status.contains_key(&Status::Draft),
        "drafts are not registered"
    );
    assert_eq!(stats.by_year.values().sum::<u64>(), 348);
    assert_eq!(stats.by_unit.iter().map(|u| u.total).sum::<u64>(), 348);
    let award = |kind, recipient| {
        stats
            .awards
            .iter()
            .find(|a| a.kind == kind && a.recipient_type == recipient)
            .map_or(0, |a| a.count)
    };
    assert_eq!(
        award(AwardKind::CommemorativeMedal, RecipientType::Individual),
        4
    );
    assert_eq!(
        award(AwardKind::CertificateOfMerit, RecipientType::Collective),
        4
    );
    assert_eq!(
        award(AwardKind::CertificateOfMerit, RecipientType::Individual),
        2
    );
    // The typical models it counts, each named, whatever the device holds.
    assert_eq!(
        stats.typical.len() as u64,
        stats.by_status[&Status::Typical]
    );
    assert_eq!(stats.typical_total, stats.by_status[&Status::Typical]);
    assert!(
        stats
            .typical
            .iter()
            .all(|m| !m.name.is_empty() && !m.unit_name.is_empty())
    );
    // The raw JSON has the documented shape.
    let raw: serde_json::Value = leader.get_json("/api/stats").await.unwrap();
    assert_eq!(raw["by_field"]["economic_development"], 149);
    assert!(raw["by_unit"][0]["unit_id"].is_string());
    assert!(raw["by_unit"][0]["by_field"]["political_system"].is_number());
    assert!(raw["awards"][0]["count"].as_u64().is_some());

    // The list behind the counts: the report's ten awards, newest year first.
    let items: Vec<dvk_shared::api::AwardItem> = leader.get_json("/api/awards").await.unwrap();
    // Each names its unit, so a list reads without the units on the device.
    assert!(items.iter().all(|i| !i.unit_name.is_empty()));
    let awards: Vec<dvk_shared::award::Award> = items.into_iter().map(|i| i.award).collect();
    assert_eq!(awards.len(), 10);
    assert!(awards.windows(2).all(|w| w[0].year >= w[1].year));
    let medals = awards
        .iter()
        .filter(|a| a.kind == AwardKind::CommemorativeMedal)
        .count();
    assert_eq!(medals, 4);
    // A registrar sees only its unit's; a unit outside its own is refused; no session, 401.
    let registrar = server.client();
    registrar.login_demo("dienhoa").await.unwrap();
    let hoa = server.unit("Xã Điện Hòa").await;
    let own: Vec<dvk_shared::award::Award> = registrar.get_json("/api/awards").await.unwrap();
    assert!(own.iter().all(|a| a.unit_id == hoa.id));
    let town = server.unit("Thị xã Điện Bàn").await;
    let outside = registrar
        .get(&format!("/api/awards?unit={}", town.id))
        .await
        .unwrap();
    assert_eq!(outside.status(), 403);
    let anonymous = server.client().get("/api/awards").await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let bad_year = leader.get("/api/awards?year=twenty").await.unwrap();
    assert_eq!(bad_year.status(), 400);
}

#[tokio::test]
async fn the_demo_statistics_equal_the_report_on_sqlite() {
    the_demo_statistics_equal_the_report(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_demo_statistics_equal_the_report_on_postgres() {
    the_demo_statistics_equal_the_report(Backend::Postgres).await;
}

/// What each role gets from each endpoint, on its own unit (Điện Hòa) and on another (Điện Ngọc).
async fn every_role_sees_only_what_it_may(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let dien_hoa = server.unit("Xã Điện Hòa").await;
    let dien_ngoc = server.unit("Phường Điện Ngọc").await;
    admin::create_user(
        server.store(),
        "dienngoc",
        None,
        Role::Registrar,
        "Phường Điện Ngọc",
        "demo-dvk",
    )
    .await
    .unwrap();

    let board = server.client();
    board.login_demo("bandanvan").await.unwrap();
    let model_hoa = first_model_of(&board, dien_hoa.id).await;
    let model_ngoc = first_model_of(&board, dien_ngoc.id).await;

    let anonymous = server.client();
    for path in [
        "/api/units",
        "/api/models",
        "/api/stats",
        &format!("/api/models/{}", model_hoa.id),
    ] {
        assert_eq!(anonymous.get(path).await.unwrap().status(), 401, "{path}");
    }

    // (account, sees everything, sees Điện Hòa, sees Điện Ngọc, reads history) — a registrar
    // reads the history of the models it sees, to learn who replaced what it wrote.
    let matrix = [
        ("admin", true, true, true, true),
        ("bandanvan", true, true, true, true),
        ("lanhdao", true, true, true, false),
        ("khaosat", true, true, true, false),
        ("dienhoa", false, true, false, true),
        ("dienngoc", false, false, true, true),
    ];
    for (account, everything, hoa, ngoc, history) in matrix {
        let client = server.client();
        client.login_demo(account).await.unwrap();
        let status = |code: u16, sees: bool, what: &str| {
            assert_eq!(code == 200, sees, "{account} on {what}: {code}");
        };

        let units: Vec<UnitNode> = client.get_json("/api/units").await.unwrap();
        let count = count_units(&units);
        assert_eq!(count > 1, everything, "{account} sees {count} units");

        let all: Page<ModelSummary> = client.get_json("/api/models?per_page=200").await.unwrap();
        assert_eq!(
            all.total >= 348,
            everything,
            "{account}: {} models",
            all.total
        );
        for item in &all.items {
            let visible = everything
                || (hoa && item.unit_id == dien_hoa.id)
                || (ngoc && item.unit_id == dien_ngoc.id);
            assert!(visible, "{account} was shown a model of {}", item.unit_name);
        }

        for (unit, sees) in [(&dien_hoa, hoa), (&dien_ngoc, ngoc)] {
            let list = client
                .get(&format!("/api/models?unit={}", unit.id))
                .await
                .unwrap();
            status(
                list.status().as_u16(),
                sees,
                &format!("models of {}", unit.name),
            );
            if !sees {
                let body: ErrorBody = list.json().await.unwrap();
                assert_eq!(body.code, "outside_your_units");
            }
            let stats = client
                .get(&format!("/api/stats?unit={}", unit.id))
                .await
                .unwrap();
            status(
                stats.status().as_u16(),
                sees,
                &format!("stats of {}", unit.name),
            );
        }
        for (model, sees) in [(&model_hoa, hoa), (&model_ngoc, ngoc)] {
            let detail = client
                .get(&format!("/api/models/{}", model.id))
                .await
                .unwrap();
            status(
                detail.status().as_u16(),
                sees,
                &format!("model of {}", model.unit_name),
            );
            if sees {
                let detail: ModelDetail = detail.json().await.unwrap();
                assert_eq!(!detail.history.is_empty(), history, "{account} history");
            } else {
                assert_eq!(detail.status(), 404, "existence is not disclosed");
            }
        }
    }
}

fn count_units(nodes: &[UnitNode]) -> usize {
    nodes.iter().map(|n| 1 + count_units(&n.children)).sum()
}

#[tokio::test]
async fn every_role_sees_only_what_it_may_on_sqlite() {
    every_role_sees_only_what_it_may(Backend::Sqlite).await;
}

#[tokio::test]
async fn every_role_sees_only_what_it_may_on_postgres() {
    every_role_sees_only_what_it_may(Backend::Postgres).await;
}

async fn search_ignores_diacritics_and_results_come_in_their_order(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let dien_hoa = server.unit("Xã Điện Hòa").await;
    let filter = ModelFilter {
        units: Some(vec![dien_hoa.id]),
        limit: 1,
        ..ModelFilter::default()
    };
    let (items, _, _) = server.store().list_models(&filter).await.unwrap();
    let mut model = server
        .store()
        .model(items[0].0.id)
        .await
        .unwrap()
        .unwrap()
        .model;
    model.id = ModelId::new();
    model.name = "Dân vận khéo ở khu dân cư Đông Hòa".into();
    server
        .store()
        .seed(
            &dvk_server::store::Seed {
                models: vec![(model.clone(), now())],
                ..Default::default()
            },
            &Actor::system("test"),
            now(),
        )
        .await
        .unwrap();

    let client = server.client();
    client.login_demo("bandanvan").await.unwrap();
    for q in ["dan van kheo", "DÂN VẬN KHÉO", "Dân vận khéo", "dong hoa"] {
        let page: Page<ModelSummary> = client
            .get_json(&format!("/api/models?q={}", urlencode(q)))
            .await
            .unwrap();
        assert!(
            page.items.iter().any(|m| m.name == model.name),
            "{q:?} did not find it"
        );
    }
    let none: Page<ModelSummary> = client
        .get_json("/api/models?q=khong%20co%20dau%20xyz")
        .await
        .unwrap();
    assert_eq!(none.total, 0);
    // LIKE wildcards in a query are taken literally.
    let percent: Page<ModelSummary> = client.get_json("/api/models?q=%25").await.unwrap();
    assert_eq!(percent.total, 0);

    let mut names = Vec::new();
    let mut total = 0;
    for page in 1..=4 {
        let list: Page<ModelSummary> = client
            .get_json(&format!("/api/models?per_page=100&page={page}"))
            .await
            .unwrap();
        total = list.total;
        names.extend(list.items.into_iter().map(|m| m.name));
    }
    assert_eq!(names.len() as u64, total);
    assert!(total > 348, "the demo's models, its drafts and the new one");
    assert!(
        names.windows(2).all(|w| sort_key(&w[0]) <= sort_key(&w[1])),
        "not in Vietnamese order"
    );

    // Keyset paging reads the same list, each page from where the last ended.
    let mut keyset = Vec::new();
    let mut path = "/api/models?per_page=100".to_owned();
    loop {
        let list: Page<ModelSummary> = client.get_json(&path).await.unwrap();
        assert_eq!(list.total, total);
        keyset.extend(list.items.into_iter().map(|m| m.name));
        match list.next {
            Some(next) => path = format!("/api/models?per_page=100&after={next}"),
            None => break,
        }
    }
    assert_eq!(keyset, names);
    // A search, both ways, a page of one at a time: every match once, in its order. The
    // most recently changed come first unless the order of names is asked for.
    let version = |id| {
        let store = server.store();
        async move { store.model(id).await.unwrap().unwrap().version }
    };
    for (sort, by_name) in [("", false), ("&sort=recent", false), ("&sort=name", true)] {
        let all: Page<ModelSummary> = client
            .get_json(&format!("/api/models?q=dien%20hoa&per_page=200{sort}"))
            .await
            .unwrap();
        assert!(all.total > 2 && all.next.is_none(), "{sort}: {}", all.total);
        let mut paged = Vec::new();
        let mut path = format!("/api/models?q=dien%20hoa&per_page=1{sort}");
        loop {
            let list: Page<ModelSummary> = client.get_json(&path).await.unwrap();
            assert_eq!((list.total, list.total_is_partial), (all.total, false));
            paged.extend(list.items);
            match list.next {
                Some(next) => {
                    path = format!("/api/models?q=dien%20hoa&per_page=1{sort}&after={next}")
                }
                None => break,
            }
        }
        assert_eq!(paged, all.items, "{sort}");
        if by_name {
            assert!(
                paged
                    .windows(2)
                    .all(|w| sort_key(&w[0].name) <= sort_key(&w[1].name)),
                "not in Vietnamese order"
            );
        } else {
            let mut versions = Vec::new();
            for m in &paged {
                versions.push(version(m.id).await);
            }
            assert!(
                versions.windows(2).all(|w| w[0] > w[1]),
                "not the most recently changed first: {versions:?}"
            );
        }
    }
    // A page's `next` belongs to its order: given to the other, it is refused, not misread.
    let by_name: Page<ModelSummary> = client
        .get_json("/api/models?q=dien%20hoa&per_page=1&sort=name")
        .await
        .unwrap();
    let recent: Page<ModelSummary> = client
        .get_json("/api/models?q=dien%20hoa&per_page=1")
        .await
        .unwrap();
    for path in [
        format!("/api/models?q=dien%20hoa&after={}", by_name.next.unwrap()),
        format!(
            "/api/models?q=dien%20hoa&sort=name&after={}",
            recent.next.unwrap()
        ),
        "/api/models?q=dien%20hoa&after=12.not-an-id".to_owned(),
        format!("/api/models?q=dien%20hoa&after=twelve.{}", ModelId::new()),
        "/api/models?sort=alphabet".to_owned(),
    ] {
        let response = client.get(&path).await.unwrap();
        assert_eq!(response.status(), 400, "{path}");
        let body: ErrorBody = response.json().await.unwrap();
        assert_eq!(body.code, "invalid_query", "{path}");
    }
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn search_and_order_on_sqlite() {
    search_ignores_diacritics_and_results_come_in_their_order(Backend::Sqlite).await;
}

#[tokio::test]
async fn search_and_order_on_postgres() {
    search_ignores_diacritics_and_results_come_in_their_order(Backend::Postgres).await;
}

#[tokio::test]
async fn filters_combine_and_bad_queries_answer_400() {
    let server = TestServer::start_demo(Backend::Sqlite).await.unwrap();
    let client = server.client();
    client.login_demo("bandanvan").await.unwrap();
    let page: Page<ModelSummary> = client
        .get_json("/api/models?field=defence_security&per_page=200")
        .await
        .unwrap();
    assert!(page.items.iter().all(|m| m.field == Field::DefenceSecurity));
    let registered = page
        .items
        .iter()
        .filter(|m| m.status != Status::Draft)
        .count();
    assert_eq!(
        registered, 23,
        "the report's figure; drafts are listed but not registered"
    );
    let typical: Page<ModelSummary> = client.get_json("/api/models?status=typical").await.unwrap();
    assert!(typical.items.iter().all(|m| m.status == Status::Typical));
    let year: Page<ModelSummary> = client.get_json("/api/models?year=2020").await.unwrap();
    assert!(year.items.iter().all(|m| m.year == 2020));
    let clamped: Page<ModelSummary> = client
        .get_json("/api/models?per_page=100000")
        .await
        .unwrap();
    assert_eq!(clamped.per_page, 200);

    for (path, code) in [
        ("/api/models?field=farming", "invalid_query"),
        ("/api/models?year=last", "invalid_query"),
        ("/api/models?unit=not-a-unit", "invalid_query"),
        (
            &format!("/api/models?q={}", "a".repeat(201)),
            "query_too_long",
        ),
        ("/api/models?after=not-an-id", "invalid_query"),
        (
            &format!("/api/models?after={}", ModelId::new()),
            "invalid_query",
        ),
    ] {
        let response = client.get(path).await.unwrap();
        assert_eq!(response.status(), 400, "{path}");
        let body: ErrorBody = response.json().await.unwrap();
        assert_eq!(body.code, code, "{path}");
    }
    assert_eq!(
        client.get("/api/models/not-an-id").await.unwrap().status(),
        404
    );
    assert_eq!(
        client
            .get(&format!("/api/models/{}", ModelId::new()))
            .await
            .unwrap()
            .status(),
        404
    );
}

async fn a_merged_unit_is_counted_under_its_successor(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let client = server.client();
    client.login_demo("lanhdao").await.unwrap();
    let before: Stats = client.get_json("/api/stats").await.unwrap();
    let mut tien = server.unit("Xã Điện Tiến").await;
    let hong = server.unit("Xã Điện Hồng").await;
    let (tien_total, hong_total) = (
        line(&before, tien.id).unwrap(),
        line(&before, hong.id).unwrap(),
    );

    tien.merged_into = Some(hong.id);
    tien.merged_on = Some(Date::new(2025, 7, 1).unwrap());
    server
        .store()
        .put_unit(&tien, &Actor::system("test"), now())
        .await
        .unwrap();

    let after: Stats = client.get_json("/api/stats").await.unwrap();
    assert_eq!(after.total, before.total);
    assert_eq!(
        line(&after, tien.id),
        None,
        "the merged unit has no line of its own"
    );
    assert_eq!(line(&after, hong.id), Some(tien_total + hong_total));
    // Its models stay attached to it.
    let page: Page<ModelSummary> = client
        .get_json(&format!("/api/models?unit={}&per_page=200", hong.id))
        .await
        .unwrap();
    assert!(page.items.iter().any(|m| m.unit_id == tien.id));
}

#[tokio::test]
async fn a_merged_unit_is_counted_under_its_successor_on_sqlite() {
    a_merged_unit_is_counted_under_its_successor(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_merged_unit_is_counted_under_its_successor_on_postgres() {
    a_merged_unit_is_counted_under_its_successor(Backend::Postgres).await;
}

/// The Board picks field staff from `GET /api/surveyors`; nobody else may list accounts.
async fn the_board_lists_the_field_staff(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let anonymous = server.client();
    assert_eq!(anonymous.get("/api/surveyors").await.unwrap().status(), 401);
    for (account, expected) in [
        ("bandanvan", 200),
        ("admin", 200),
        ("lanhdao", 403),
        ("dienhoa", 403),
        ("khaosat", 403),
    ] {
        let client = server.client();
        client.login_demo(account).await.unwrap();
        let response = client.get("/api/surveyors").await.unwrap();
        assert_eq!(response.status(), expected, "{account}");
        if expected == 200 {
            let staff: Vec<dvk_shared::user::User> = response.json().await.unwrap();
            let names: Vec<&str> = staff.iter().map(|u| u.username.as_str()).collect();
            assert_eq!(names, ["khaosat"], "{account}");
        }
    }
}

#[tokio::test]
async fn the_board_lists_the_field_staff_on_sqlite() {
    the_board_lists_the_field_staff(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_board_lists_the_field_staff_on_postgres() {
    the_board_lists_the_field_staff(Backend::Postgres).await;
}

/// The overview has a line per unit right under the one it is of, counting everything below
/// it: a hamlet's model counts on its commune's line in the town's overview, and on its own
/// line in the commune's.
async fn the_overview_counts_each_unit_on_the_line_right_under_its_top(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let admin = server.client();
    admin.login_demo("admin").await.unwrap();
    let hoa = server.unit("Xã Điện Hòa").await;
    let (status, body) = admin
        .post_json(
            "/api/units",
            serde_json::json!({"name": "Thôn Thử Nghiệm", "kind": "commune", "parent_id": hoa.id}),
        )
        .await
        .unwrap();
    assert_eq!(status, 201, "{body}");
    let hamlet: dvk_shared::unit::Unit = serde_json::from_value(body).unwrap();
    let before: Stats = admin.get_json("/api/stats").await.unwrap();
    let of_hoa_before: Stats = admin
        .get_json(&format!("/api/stats?unit={}", hoa.id))
        .await
        .unwrap();
    assert_eq!(of_hoa_before.by_unit.len(), 1, "Điện Hòa's own models only");

    let first = first_model_of(&admin, hoa.id).await;
    let mut model = server.store().model(first.id).await.unwrap().unwrap().model;
    model.id = ModelId::new();
    model.unit_id = hamlet.id;
    model.status = Status::InProgress;
    server
        .store()
        .seed(
            &dvk_server::store::Seed {
                models: vec![(model, now())],
                ..Default::default()
            },
            &Actor::system("test"),
            now(),
        )
        .await
        .unwrap();

    let after: Stats = admin.get_json("/api/stats").await.unwrap();
    assert_eq!(after.total, before.total + 1);
    assert_eq!(line(&after, hoa.id), line(&before, hoa.id).map(|n| n + 1));
    assert_eq!(line(&after, hamlet.id), None);
    assert_eq!(after.by_unit.len(), before.by_unit.len());
    let of_hoa: Stats = admin
        .get_json(&format!("/api/stats?unit={}", hoa.id))
        .await
        .unwrap();
    assert_eq!(line(&of_hoa, hamlet.id), Some(1));
    assert_eq!(line(&of_hoa, hoa.id), line(&of_hoa_before, hoa.id));
    assert_eq!(of_hoa.total, of_hoa_before.total + 1);
}

#[tokio::test]
async fn the_overview_counts_each_unit_on_the_line_right_under_its_top_on_sqlite() {
    the_overview_counts_each_unit_on_the_line_right_under_its_top(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_overview_counts_each_unit_on_the_line_right_under_its_top_on_postgres() {
    the_overview_counts_each_unit_on_the_line_right_under_its_top(Backend::Postgres).await;
}
