//! Exports of the lists, against the real server on SQLite and PostgreSQL: the models list with
//! its filters as CSV (UTF-8 with a byte-order mark, Vietnamese intact) and XLSX, read back; the
//! awards register; 10,000 models streamed page by page; and the refusals.

// A test states what must hold with unwrap/expect; the lint is for production code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use calamine::{Data, Reader};
use dvk_shared::{
    api::{ModelSummary, Page},
    date::Timestamp,
    ids::ModelId,
    model::{Field, Model, Status},
};
use dvk_tests::{Backend, TestServer};

fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    assert!(
        bytes.starts_with("\u{feff}".as_bytes()),
        "a byte-order mark first"
    );
    csv::Reader::from_reader(&bytes[3..])
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

async fn exports(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let board = server.client();
    board.login_demo("bandanvan").await.unwrap();
    let listed: Page<ModelSummary> = board
        .get_json("/api/models?field=defence_security&per_page=1")
        .await
        .unwrap();

    let response = board
        .get("/api/exports/models.csv?field=defence_security")
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let rows = csv_rows(&response.bytes().await.unwrap());
    assert_eq!(
        rows.len() as u64,
        listed.total,
        "every matching model, whatever the page"
    );
    assert!(
        rows.iter().all(|r| r[1] == "Quốc phòng - an ninh"),
        "{:?}",
        rows[0]
    );

    let response = board
        .get("/api/exports/models.xlsx?field=defence_security")
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.unwrap().to_vec();
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range("Mô hình").unwrap();
    assert_eq!(
        sheet.height() as u64,
        listed.total + 1,
        "headings and every model"
    );
    assert_eq!(sheet.get((0, 0)), Some(&Data::String("Tên mô hình".into())));

    // The awards register: the report's ten.
    let response = board.get("/api/exports/awards.csv").await.unwrap();
    let rows = csv_rows(&response.bytes().await.unwrap());
    assert_eq!(rows.len(), 10);
    assert!(rows.iter().any(|r| r[3].starts_with("Kỷ niệm chương")));

    // A registrar exports their commune's only; a unit out of sight and an unknown format are
    // refused.
    let registrar = server.client();
    registrar.login_demo("dienhoa").await.unwrap();
    let own: Page<ModelSummary> = registrar.get_json("/api/models?per_page=1").await.unwrap();
    let rows = csv_rows(
        &registrar
            .get("/api/exports/models.csv")
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap(),
    );
    assert_eq!(rows.len() as u64, own.total);
    assert!(rows.iter().all(|r| r[4] == "Xã Điện Hòa"));
    let phong = server.unit("Xã Điện Phong").await.id;
    assert_eq!(
        registrar
            .get(&format!("/api/exports/models.csv?unit={phong}"))
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        board.get("/api/exports/models.pdf").await.unwrap().status(),
        404
    );
    let anonymous = server.client();
    assert_eq!(
        anonymous
            .get("/api/exports/models.csv")
            .await
            .unwrap()
            .status(),
        401
    );

    // Ten thousand more models stream out whole, page after page.
    let unit = server.unit("Xã Điện Hòa").await.id;
    let models: Vec<(Model, Timestamp)> = (0..10_000)
        .map(|n| {
            let mut model = Model::draft(
                ModelId::new(),
                unit,
                format!("Mô hình thử số {n:05}"),
                Field::PoliticalSystem,
                2024,
            );
            model.status = Status::Approved;
            (model, Timestamp(1_700_000_000_000))
        })
        .collect();
    server
        .store()
        .seed(
            &dvk_server::store::Seed {
                units: Vec::new(),
                users: Vec::new(),
                models,
                awards: Vec::new(),
            },
            &dvk_server::store::Actor::system("test"),
            Timestamp(1_700_000_000_000),
        )
        .await
        .unwrap();
    let rows = csv_rows(
        &board
            .get("/api/exports/models.csv?year=2024&field=political_system")
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap(),
    );
    let made = rows
        .iter()
        .filter(|r| r[0].starts_with("Mô hình thử số"))
        .count();
    assert_eq!(made, 10_000);
}

#[tokio::test]
async fn exports_on_sqlite() {
    exports(Backend::Sqlite).await;
}

#[tokio::test]
async fn exports_on_postgres() {
    exports(Backend::Postgres).await;
}
