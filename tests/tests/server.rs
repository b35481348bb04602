//! The real server, started on a free port over a fresh SQLite file and a fresh PostgreSQL
//! database: health, the JSON 404 of the API, its OpenAPI document, and how it serves the app.

// A test states what must hold with unwrap/expect; the lint is for production code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use dvk_shared::api::{DatabaseKind, Health};
use dvk_tests::{Backend, TestServer};

async fn health_answers_ok_with_its_database(backend: Backend, expected: DatabaseKind) {
    let server = TestServer::start(backend).await.unwrap();
    let response = reqwest::get(server.url("/api/health")).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let health: Health = response.json().await.unwrap();
    assert_eq!(
        health,
        Health {
            status: "ok".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            database: expected,
        }
    );
}

#[tokio::test]
async fn health_answers_ok_on_sqlite() {
    health_answers_ok_with_its_database(Backend::Sqlite, DatabaseKind::Sqlite).await;
}

#[tokio::test]
async fn health_answers_ok_on_postgres() {
    health_answers_ok_with_its_database(Backend::Postgres, DatabaseKind::Postgres).await;
}

async fn the_epoch_survives_a_restart(backend: Backend) {
    let db = dvk_tests::TestDatabase::new(backend).await.unwrap();
    let first = dvk_server::store::connect(&db.url()).await.unwrap();
    let epoch = first.epoch().await.unwrap();
    assert_eq!(uuid::Uuid::parse_str(&epoch).unwrap().get_version_num(), 7);
    drop(first);
    let again = dvk_server::store::connect(&db.url()).await.unwrap();
    assert_eq!(
        again.epoch().await.unwrap(),
        epoch,
        "reopening must not reset the epoch"
    );
}

#[tokio::test]
async fn the_epoch_is_made_once_and_kept_on_sqlite() {
    the_epoch_survives_a_restart(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_epoch_is_made_once_and_kept_on_postgres() {
    the_epoch_survives_a_restart(Backend::Postgres).await;
}

#[tokio::test]
async fn an_unknown_database_url_is_refused_with_a_hint() {
    let error = match dvk_server::store::connect("mysql://localhost/dvk").await {
        Ok(_) => panic!("a mysql url must be refused"),
        Err(e) => e.to_string(),
    };
    assert!(
        error.contains("sqlite://") && error.contains("postgres://"),
        "{error}"
    );
}

#[tokio::test]
async fn an_unknown_api_path_answers_a_json_404_not_the_app() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let response = reqwest::get(server.url("/api/no-such-thing"))
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "not_found");
    assert!(body["message"].as_str().unwrap().contains("API"));
}

/// Follows a local `$ref` (`#/components/schemas/Name`) to the schema it names.
fn resolve<'a>(
    document: &'a serde_json::Value,
    schema: &'a serde_json::Value,
) -> &'a serde_json::Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let pointer = reference.strip_prefix('#').unwrap();
            resolve(document, document.pointer(pointer).unwrap())
        }
        None => schema,
    }
}

#[tokio::test]
async fn the_openapi_document_describes_every_route_without_signing_in() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let response = reqwest::get(server.url("/api/openapi.json")).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let document: serde_json::Value =
        serde_json::from_str(&response.text().await.unwrap()).unwrap();

    assert!(
        document["openapi"].as_str().unwrap().starts_with("3."),
        "{}",
        document["openapi"]
    );
    assert_eq!(document["info"]["title"], "DVK API");
    assert_eq!(document["info"]["version"], env!("CARGO_PKG_VERSION"));
    for (method, path) in [
        ("get", "/api/health"),
        ("post", "/api/auth/login"),
        ("post", "/api/auth/logout"),
        ("get", "/api/auth/me"),
        ("get", "/api/units"),
        ("get", "/api/models"),
        ("get", "/api/models/{id}"),
        ("get", "/api/stats"),
        ("post", "/api/sync"),
        ("get", "/api/openapi.json"),
    ] {
        assert!(
            document["paths"][path][method].is_object(),
            "{method} {path} is missing"
        );
    }

    let schemas = &document["components"]["schemas"];
    let stats = &schemas["Stats"]["properties"];
    assert!(stats["by_field"].is_object(), "{stats}");
    assert!(stats["by_unit"].is_object(), "{stats}");
    let id = resolve(&document, &schemas["ModelSummary"]["properties"]["id"]);
    assert_eq!(id["type"], "string", "{id}");
    assert_eq!(id["format"], "uuid", "{id}");
}

/// A dist directory shaped like Trunk's output, so these tests do not need a wasm build.
fn fake_dist(dir: &Path) {
    std::fs::write(
        dir.join("index.html"),
        "<!doctype html><html lang=\"vi\"><title>Dân vận khéo</title></html>",
    )
    .unwrap();
    std::fs::write(dir.join("sw.js"), "// service worker").unwrap();
    // Big and repetitive enough that compression is worth it.
    let js = "console.log('Dân vận khéo');\n".repeat(200);
    std::fs::write(dir.join("dvk-app-0123456789abcdef.js"), js).unwrap();
}

async fn server_over_fake_dist() -> (TestServer, tempfile::TempDir) {
    let dist = tempfile::tempdir().unwrap();
    fake_dist(dist.path());
    let server = TestServer::start_with(Backend::Sqlite, dist.path().to_owned())
        .await
        .unwrap();
    (server, dist)
}

#[tokio::test]
async fn client_routes_answer_200_with_the_app_page() {
    let (server, _dist) = server_over_fake_dist().await;
    for path in [
        "/",
        "/mo-hinh",
        "/mo-hinh/0190f3c4-1b2a-7000-8000-000000000000",
    ] {
        let response = reqwest::get(server.url(path)).await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["cache-control"], "no-cache", "{path}");
        assert!(
            response.text().await.unwrap().contains("Dân vận khéo"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn hashed_assets_are_cached_for_a_year_and_the_shell_revalidates() {
    let (server, _dist) = server_over_fake_dist().await;
    let asset = reqwest::get(server.url("/dvk-app-0123456789abcdef.js"))
        .await
        .unwrap();
    assert_eq!(asset.status(), 200);
    assert_eq!(
        asset.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let worker = reqwest::get(server.url("/sw.js")).await.unwrap();
    assert_eq!(worker.headers()["cache-control"], "no-cache");
    let index = reqwest::get(server.url("/index.html")).await.unwrap();
    assert_eq!(index.headers()["cache-control"], "no-cache");
}

#[tokio::test]
async fn precompressed_assets_are_sent_as_they_are() {
    let (server, dist) = server_over_fake_dist().await;
    // What a release build leaves next to an asset: its brotli form, made once at level 11.
    let brotli = b"pretend these are brotli bytes".to_vec();
    std::fs::write(dist.path().join("dvk-app-0123456789abcdef.js.br"), &brotli).unwrap();
    let response = reqwest::Client::new()
        .get(server.url("/dvk-app-0123456789abcdef.js"))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-encoding"], "br");
    assert_eq!(
        response.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(response.bytes().await.unwrap().to_vec(), brotli);
}

#[tokio::test]
async fn responses_are_compressed_when_the_client_accepts_it() {
    let (server, _dist) = server_over_fake_dist().await;
    let client = reqwest::Client::new();
    for encoding in ["gzip", "br"] {
        let response = client
            .get(server.url("/dvk-app-0123456789abcdef.js"))
            .header("accept-encoding", encoding)
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["content-encoding"], encoding);
        let compressed = response.bytes().await.unwrap().len();
        assert!(compressed < 6000 / 4, "{encoding}: {compressed} bytes");
    }
}
