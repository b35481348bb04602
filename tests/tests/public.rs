//! The public page, against the real server on SQLite and PostgreSQL: the Board publishes a
//! typical model through sync and anyone, signed in or not, reads it (never its contact);
//! unpublishing takes it down at once; a registrar cannot publish, a model that is not typical
//! cannot be, and only photos of its own surveys can be shown; text never becomes markup.

// A test states what must hold with unwrap/expect; the lint is for production code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use dvk_shared::{
    ids::ModelId,
    library::LibraryEntry,
    sync::{Entity, PushStatus},
};
use dvk_tests::{Backend, TestServer, device::Device};
use serde_json::json;

async fn read(server: &TestServer, path: &str) -> (u16, String, String) {
    // Nobody signed in: a client with no cookie.
    let response = reqwest::get(server.url(path)).await.unwrap();
    let status = response.status().as_u16();
    let cache = response
        .headers()
        .get("cache-control")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, cache, response.text().await.unwrap())
}

fn outcome(device: &Device, seq: u64) -> (PushStatus, String) {
    let result = device.answers().get(&seq).cloned().unwrap();
    (
        result.status,
        result.error.map(|e| e.code).unwrap_or_default(),
    )
}

async fn publish_and_take_down(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let mut board = Device::of_demo(&server, "bandanvan").await.unwrap();
    let mut commune = Device::of_demo(&server, "dienhoa").await.unwrap();
    let (status, cache, page) = read(&server, "/cong-khai").await;
    assert_eq!(status, 200);
    assert_eq!(cache, "no-cache");
    assert!(page.contains("Chưa có mô hình nào được công bố"), "{page}");

    let entry: LibraryEntry = board
        .replica()
        .into_iter()
        .filter(|((entity, _), _)| entity == "library")
        .map(|(_, held)| serde_json::from_value(held.data).unwrap())
        .next()
        .unwrap();
    let id = entry.id.as_uuid();
    let stored = server
        .store()
        .model(ModelId::from_uuid(id).unwrap())
        .await
        .unwrap()
        .unwrap()
        .model;

    // The Board publishes it, with a name that tries to be markup.
    let version = board.version_of(id);
    let publish = board.save(
        "model.update",
        id,
        version,
        json!({"published": true, "name": format!("{} <i>mới</i>", stored.name)}),
    );
    // A photo that is not one of its surveys' is refused.
    let stranger = board.save(
        "model.update",
        id,
        version,
        json!({"public_photos": ["a".repeat(64)]}),
    );
    board.sync().await.unwrap();
    assert_eq!(outcome(&board, publish).0, PushStatus::Applied);
    assert_eq!(
        outcome(&board, stranger),
        (PushStatus::Rejected, "validation_failed".into())
    );

    let (status, _, list) = read(&server, "/cong-khai").await;
    assert_eq!(status, 200);
    assert!(list.contains(&format!("/cong-khai/{id}")), "{list}");
    assert!(list.contains(&entry.unit_name));
    let (status, cache, one) = read(&server, &format!("/cong-khai/{id}")).await;
    assert_eq!((status, cache.as_str()), (200, "no-cache"));
    assert!(one.contains("&lt;i&gt;mới&lt;/i&gt;"), "escaped: {one}");
    assert!(!one.contains("<i>mới"));
    if !stored.objectives.is_empty() {
        assert!(one.contains(&stored.objectives[..stored.objectives.len().min(20)]));
    }
    for private in [&stored.contact.name, &stored.contact.phone] {
        assert!(
            private.is_empty() || !one.contains(private.as_str()),
            "{private} shown"
        );
    }
    let (status, _, _) = read(&server, &format!("/cong-khai/anh/{}", "b".repeat(64))).await;
    assert_eq!(status, 404, "only photos the Board chose");

    // A registrar cannot publish; a model that is not typical cannot be published.
    let own = commune
        .replica()
        .into_iter()
        .find(|((entity, _), held)| entity == "model" && held.data["status"] == "in_progress")
        .map(|((_, id), _)| id)
        .unwrap();
    let version = commune.version_of(own);
    let sneaky = commune.save("model.update", own, version, json!({"published": true}));
    commune.sync().await.unwrap();
    assert_eq!(
        outcome(&commune, sneaky),
        (PushStatus::Rejected, "role_not_allowed".into())
    );
    board.sync().await.unwrap();
    let version = board.version_of(own);
    let ordinary = board.save("model.update", own, version, json!({"published": true}));
    board.sync().await.unwrap();
    assert_eq!(
        outcome(&board, ordinary),
        (PushStatus::Rejected, "not_typical".into())
    );

    // Unpublished: gone at once, list and page.
    let version = board.version_of(id);
    let down = board.save("model.update", id, version, json!({"published": false}));
    board.sync().await.unwrap();
    assert_eq!(outcome(&board, down).0, PushStatus::Applied);
    let (status, _, gone) = read(&server, &format!("/cong-khai/{id}")).await;
    assert_eq!(status, 404);
    assert!(gone.contains("không còn được công bố"));
    let (_, _, list) = read(&server, "/cong-khai").await;
    assert!(!list.contains(&format!("/cong-khai/{id}")));
    assert!(
        board.held(Entity::Library, id).is_some(),
        "still in the library"
    );
}

#[tokio::test]
async fn publish_and_take_down_on_sqlite() {
    publish_and_take_down(Backend::Sqlite).await;
}

#[tokio::test]
async fn publish_and_take_down_on_postgres() {
    publish_and_take_down(Backend::Postgres).await;
}
