//! Storage stories, the same on SQLite and PostgreSQL: records read back as written, every
//! change is versioned and audited, seeds are all or nothing, usernames are unique, sign-in
//! attempts are counted and forgotten.

// A test states what must hold with unwrap/expect; the lint is for production code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use dvk_server::store::{self, Actor, ModelFilter, Place, Seed, Store};
use dvk_shared::{
    api::ModelSort,
    date::{Date, Timestamp},
    ids::{ModelId, RecordId, UnitId, UserId},
    model::{Action, Contact, Field, Location, Model, Results, Status},
    sync::{Entity, Kind, Mutation, PushStatus},
    unit::{Unit, UnitKind},
    user::{Role, User},
};
use dvk_tests::{Backend, TestDatabase};

fn unit(name: &str, parent: Option<UnitId>) -> Unit {
    Unit {
        id: UnitId::new(),
        name: name.into(),
        kind: UnitKind::Commune,
        parent_id: parent,
        former_names: vec![],
        merged_into: None,
        merged_on: None,
        closed_on: None,
    }
}

fn model(unit: UnitId, name: &str) -> Model {
    Model {
        id: ModelId::new(),
        unit_id: unit,
        name: name.into(),
        field: Field::EconomicDevelopment,
        year: 2020,
        start_date: Some(Date::new(2019, 5, 1).unwrap()),
        objectives: "Mục tiêu".into(),
        content: "Nội dung, cách làm".into(),
        participants: "Hội viên".into(),
        results: Results {
            people_reached: Some(120),
            money_vnd: Some(1_500_000_000),
            labour_days: None,
            land_m2: Some(350),
            households: Some(40),
        },
        effectiveness: "Hiệu quả".into(),
        replication_scope: String::new(),
        contact: Contact {
            name: "Nguyễn Thị Lan".into(),
            position: "Chủ tịch Hội".into(),
            phone: "0905 123 456".into(),
        },
        location: Some(Location {
            latitude: Some(15.89),
            longitude: Some(108.25),
            address: "Thôn 1".into(),
        }),
        status: Status::Draft,
        status_since: None,
        review_comment: None,
        ratings: Default::default(),
        adopted_from: None,
        replicated_outside: Vec::new(),
        published: false,
        public_photos: Vec::new(),
    }
}

async fn fresh(backend: Backend) -> (TestDatabase, std::sync::Arc<dyn Store>) {
    let db = TestDatabase::new(backend).await.unwrap();
    let store = store::connect(&db.url()).await.unwrap();
    (db, store)
}

const AT: Timestamp = Timestamp(1_600_000_000_000);

async fn a_model_reads_back_as_written_and_every_change_is_versioned_and_audited(backend: Backend) {
    let (_db, store) = fresh(backend).await;
    let town = unit("Thị xã Điện Bàn", None);
    let actor = Actor::system("test");
    let v_unit = store.put_unit(&town, &actor, AT).await.unwrap();
    let mut m = model(town.id, "Hiến đất làm đường");
    store
        .seed(
            &Seed {
                models: vec![(m.clone(), AT)],
                ..Seed::default()
            },
            &actor,
            AT,
        )
        .await
        .unwrap();
    let stored = store.model(m.id).await.unwrap().unwrap();
    assert_eq!(stored.model, m);
    assert!(stored.version > v_unit);
    assert!(!stored.deleted);
    let v_create = stored.version;

    // Every later change goes through sync, as the tablets send it.
    let admin = User {
        id: UserId::new(),
        username: "admin".into(),
        display_name: "Quản trị".into(),
        role: Role::Admin,
        unit_id: town.id,
    };
    store
        .create_user(&admin, "$argon2id$hash", AT)
        .await
        .unwrap();
    let change = |kind: Kind, id: RecordId, fields: serde_json::Value| Mutation {
        kind,
        id,
        base_version: Some(v_create),
        fields: fields.as_object().cloned().unwrap_or_default(),
    };
    let results = dvk_server::sync::apply_as(
        store.as_ref(),
        admin.clone(),
        vec![
            change(
                Kind::ModelUpdate,
                m.id.record(),
                serde_json::json!({"results": {"people_reached": 150, "money_vnd": 1_500_000_000, "land_m2": 350, "households": 40}}),
            ),
            change(Kind::ModelAct(Action::Submit), m.id.record(), serde_json::json!({})),
            change(Kind::ModelUpdate, ModelId::new().record(), serde_json::json!({"name": "Không có"})),
        ],
    )
    .await
    .unwrap();
    let statuses: Vec<PushStatus> = results.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [
            PushStatus::Applied,
            PushStatus::Applied,
            PushStatus::Rejected
        ]
    );
    assert_eq!(results[2].error.as_ref().unwrap().code, "not_found");
    m.status = Status::Submitted;
    m.results.people_reached = Some(150);
    let stored = store.model(m.id).await.unwrap().unwrap();
    // The server stamps since when the model has had its new status.
    assert!(stored.model.status_since.is_some());
    m.status_since = stored.model.status_since;
    assert_eq!(stored.model, m);
    assert_eq!(stored.version, results[1].version.unwrap());
    assert!(stored.version > v_create);

    let history = store
        .history(Entity::Model, &m.id.to_string())
        .await
        .unwrap();
    assert_eq!(history.len(), 3);
    assert_eq!(history[0].action, "model.create");
    assert_eq!(history[0].before, None);
    assert_eq!(history[2].action, "model.submit");
    assert_eq!(history[2].actor, "Quản trị");
    assert_eq!(history[2].before.as_ref().unwrap()["status"], "draft");
    assert_eq!(history[2].after.as_ref().unwrap()["status"], "submitted");
    assert_eq!(
        history[1].after.as_ref().unwrap()["results"]["people_reached"],
        150
    );
}

#[tokio::test]
async fn models_are_versioned_and_audited_on_sqlite() {
    a_model_reads_back_as_written_and_every_change_is_versioned_and_audited(Backend::Sqlite).await;
}

#[tokio::test]
async fn models_are_versioned_and_audited_on_postgres() {
    a_model_reads_back_as_written_and_every_change_is_versioned_and_audited(Backend::Postgres)
        .await;
}

async fn lists_filter_count_and_page(backend: Backend) {
    let (_db, store) = fresh(backend).await;
    let actor = Actor::system("test");
    let town = unit("Thị xã", None);
    let a = unit("Xã A", Some(town.id));
    let b = unit("Xã B", Some(town.id));
    for u in [&town, &a, &b] {
        store.put_unit(u, &actor, AT).await.unwrap();
    }
    for (i, name) in ["Ươm mầm", "Ánh sáng", "Bếp ăn", "Anh em", "Đường hoa"]
        .iter()
        .enumerate()
    {
        let mut m = model(if i % 2 == 0 { a.id } else { b.id }, name);
        if i == 4 {
            m.field = Field::CultureSociety;
            m.year = 2018;
        }
        store
            .seed(
                &Seed {
                    models: vec![(m, AT)],
                    ..Seed::default()
                },
                &actor,
                AT,
            )
            .await
            .unwrap();
    }
    let all = |limit| ModelFilter {
        limit,
        ..ModelFilter::default()
    };
    let names_of = |page: &[(dvk_shared::api::ModelSummary, Place)]| {
        page.iter().map(|(m, _)| m.name.clone()).collect::<Vec<_>>()
    };
    let (items, total, _) = store.list_models(&all(10)).await.unwrap();
    assert_eq!(total, 5);
    let names = names_of(&items);
    assert_eq!(
        names,
        ["Anh em", "Ánh sáng", "Bếp ăn", "Đường hoa", "Ươm mầm"]
    );
    assert_eq!(items[0].0.unit_name, "Xã B");

    let (page, total, _) = store
        .list_models(&ModelFilter {
            offset: 2,
            ..all(2)
        })
        .await
        .unwrap();
    assert_eq!(total, 5);
    assert_eq!(page.len(), 2);
    assert_eq!(page[0].0.name, "Bếp ăn");

    let only_a = ModelFilter {
        units: Some(vec![a.id]),
        ..all(10)
    };
    assert_eq!(store.list_models(&only_a).await.unwrap().1, 3);
    let culture = ModelFilter {
        field: Some(Field::CultureSociety),
        year: Some(2018),
        ..all(10)
    };
    assert_eq!(store.list_models(&culture).await.unwrap().1, 1);
    let none = ModelFilter {
        units: Some(vec![]),
        ..all(10)
    };
    assert_eq!(store.list_models(&none).await.unwrap().1, 0);
    let search = ModelFilter {
        folded_query: Some("duong hoa".into()),
        ..all(10)
    };
    assert_eq!(store.list_models(&search).await.unwrap().1, 1);

    // Keyset paging: the page after a model goes on where it ended, with the same total.
    assert_eq!(
        items[1].1,
        Place::Name(dvk_shared::text::sort_key("Ánh sáng"), items[1].0.id)
    );
    let after = ModelFilter {
        after: Some(items[1].1.clone()),
        ..all(2)
    };
    let (next, total, partial) = store.list_models(&after).await.unwrap();
    assert_eq!(
        (names_of(&next), total, partial),
        (vec!["Bếp ăn".to_owned(), "Đường hoa".to_owned()], 5, false)
    );

    // The order of changes: the last seeded first, each page after the place of the last.
    let recent = |limit| ModelFilter {
        order: ModelSort::Recent,
        ..all(limit)
    };
    let (newest, total, _) = store.list_models(&recent(3)).await.unwrap();
    assert_eq!(
        (names_of(&newest), total),
        (
            vec!["Đường hoa".into(), "Anh em".into(), "Bếp ăn".into()],
            5
        )
    );
    let Place::Recent(version, id) = newest[2].1.clone() else {
        panic!("a place in the order of names: {:?}", newest[2].1);
    };
    let stored = store.model(id).await.unwrap().unwrap();
    assert_eq!(stored.version, version);
    let older = ModelFilter {
        after: Some(newest[2].1.clone()),
        ..recent(3)
    };
    let (rest, total, _) = store.list_models(&older).await.unwrap();
    assert_eq!(
        (names_of(&rest), total),
        (vec!["Ánh sáng".into(), "Ươm mầm".into()], 5)
    );
    // A search, both ways: what the first models in the order hold, and, when they do not
    // fill the page, every match read and counted.
    for order in [ModelSort::Name, ModelSort::Recent] {
        let search = |q: &str, limit| ModelFilter {
            folded_query: Some(q.into()),
            order,
            ..all(limit)
        };
        let (found, total, partial) = store.list_models(&search("a", 2)).await.unwrap();
        assert_eq!((found.len(), total, partial), (2, 5, false), "{order:?}");
        let (found, total, partial) = store.list_models(&search("an", 10)).await.unwrap();
        let mut expected = vec!["Anh em", "Ánh sáng", "Bếp ăn"];
        if order == ModelSort::Recent {
            expected = vec!["Anh em", "Bếp ăn", "Ánh sáng"];
        }
        assert_eq!(
            (names_of(&found), total, partial),
            (expected.iter().map(|n| n.to_string()).collect(), 3, false),
            "{order:?}"
        );
        let capped = ModelFilter {
            count_max: Some(2),
            ..search("an", 10)
        };
        let (found, total, partial) = store.list_models(&capped).await.unwrap();
        assert_eq!((found.len(), total, partial), (3, 2, true), "{order:?}");
    }
    // A search counts its matches only so far, and says there are more.
    let common = |count_max| ModelFilter {
        folded_query: Some("a".into()),
        count_max,
        ..all(1)
    };
    let (page, total, partial) = store.list_models(&common(Some(3))).await.unwrap();
    assert_eq!((page.len(), total, partial), (1, 3, true));
    assert_eq!(store.list_models(&common(Some(5))).await.unwrap().1, 5);
    assert!(!store.list_models(&common(Some(5))).await.unwrap().2);
    assert_eq!(store.list_models(&common(None)).await.unwrap().1, 5);

    // Drafts are not registered: the overview's counts leave them out.
    let counts = store.model_counts(None, None).await.unwrap();
    assert!(counts.by_unit.is_empty() && counts.by_kind.is_empty());
}

#[tokio::test]
async fn lists_filter_count_and_page_on_sqlite() {
    lists_filter_count_and_page(Backend::Sqlite).await;
}

#[tokio::test]
async fn lists_filter_count_and_page_on_postgres() {
    lists_filter_count_and_page(Backend::Postgres).await;
}

async fn a_seed_is_all_or_nothing(backend: Backend) {
    let (_db, store) = fresh(backend).await;
    let town = unit("Thị xã", None);
    let orphan = model(UnitId::new(), "Mô hình của đơn vị không tồn tại");
    let seed = Seed {
        units: vec![town.clone()],
        models: vec![(model(town.id, "Hợp lệ"), AT), (orphan, AT)],
        ..Seed::default()
    };
    assert!(store.seed(&seed, &Actor::system("test"), AT).await.is_err());
    assert!(
        store.is_empty().await.unwrap(),
        "nothing of a failed seed remains"
    );
}

#[tokio::test]
async fn a_seed_is_all_or_nothing_on_sqlite() {
    a_seed_is_all_or_nothing(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_seed_is_all_or_nothing_on_postgres() {
    a_seed_is_all_or_nothing(Backend::Postgres).await;
}

async fn accounts_and_sign_in_bookkeeping(backend: Backend) {
    let (_db, store) = fresh(backend).await;
    let town = unit("Thị xã", None);
    store
        .put_unit(&town, &Actor::system("test"), AT)
        .await
        .unwrap();
    let user = User {
        id: UserId::new(),
        username: "dienhoa".into(),
        display_name: "Cán bộ xã Điện Hòa".into(),
        role: Role::Registrar,
        unit_id: town.id,
    };
    store
        .create_user(&user, "$argon2id$hash", AT)
        .await
        .unwrap();
    let twin = User {
        id: UserId::new(),
        ..user.clone()
    };
    assert!(matches!(
        store.create_user(&twin, "x", AT).await,
        Err(store::StoreError::Conflict(_))
    ));
    let (found, hash) = store.user_with_hash("dienhoa").await.unwrap().unwrap();
    assert_eq!((found, hash.as_str()), (user.clone(), "$argon2id$hash"));
    assert!(store.user_with_hash("DienHoa").await.unwrap().is_none());

    store
        .create_session("h1", user.id, AT, Timestamp(AT.0 + 10_000))
        .await
        .unwrap();
    assert_eq!(store.session("h1", AT).await.unwrap().unwrap().user, user);
    assert!(
        store
            .session("h1", Timestamp(AT.0 + 10_000))
            .await
            .unwrap()
            .is_none(),
        "expired"
    );
    store.delete_session("h1").await.unwrap();
    assert!(store.session("h1", AT).await.unwrap().is_none());

    // Each attempt counts before its password is checked, and answers how many there are.
    let keys = ["user:dienhoa".to_owned(), "addr:127.0.0.1".to_owned()];
    for i in 0..3 {
        let counts = store
            .count_login_attempt(
                &keys,
                &format!("a{i}"),
                Timestamp(AT.0 + i),
                AT,
                Timestamp(0),
            )
            .await
            .unwrap();
        assert_eq!(counts[0].len() as i64, i + 1);
    }
    let counts = store
        .count_login_attempt(
            &keys,
            "a3",
            Timestamp(AT.0 + 3),
            Timestamp(AT.0 + 2),
            Timestamp(0),
        )
        .await
        .unwrap();
    assert_eq!(counts[0].len(), 2, "the window starts where it is asked to");
    // A later attempt forgets the ones before its window.
    let counts = store
        .count_login_attempt(
            &keys,
            "a100",
            Timestamp(AT.0 + 100),
            Timestamp(0),
            Timestamp(AT.0 + 50),
        )
        .await
        .unwrap();
    assert_eq!(counts[1].len(), 1);
    // A success forgets its own attempt of the address, and every attempt of the account.
    store
        .forget_login_attempts("addr:127.0.0.1", Some("a100"))
        .await
        .unwrap();
    store
        .forget_login_attempts("user:dienhoa", None)
        .await
        .unwrap();
    let counts = store
        .count_login_attempt(
            &keys,
            "a200",
            Timestamp(AT.0 + 200),
            Timestamp(0),
            Timestamp(AT.0 + 50),
        )
        .await
        .unwrap();
    assert_eq!((counts[0].len(), counts[1].len()), (1, 1));
}

#[tokio::test]
async fn accounts_and_sign_in_bookkeeping_on_sqlite() {
    accounts_and_sign_in_bookkeeping(Backend::Sqlite).await;
}

#[tokio::test]
async fn accounts_and_sign_in_bookkeeping_on_postgres() {
    accounts_and_sign_in_bookkeeping(Backend::Postgres).await;
}
