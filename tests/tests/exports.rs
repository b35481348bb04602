//! Exports of the lists, against the real server on SQLite and PostgreSQL: the models list with
//! its filters as CSV (UTF-8 with a byte-order mark, Vietnamese intact) and XLSX, read back; the
//! awards register; the surveys with their filters, the unit tree and the accounts, each scoped
//! to who asks; 10,000 models streamed page by page; and the refusals. And, against the server
//! as a separate process, that exporting 40,000 rows takes no more memory than 10,000.

// A test states what must hold with unwrap/expect; the lint is for production code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use calamine::{Data, Reader};
use dvk_shared::{
    api::{ModelSummary, Page},
    date::Timestamp,
    ids::ModelId,
    model::{Field, Model, Status},
};
use dvk_tests::{
    Backend, TestDatabase, TestServer,
    device::Device,
    memory::{measure, models_export, seed_models, signed_in},
    process::{ServerProcess, dvk_binary},
};
use serde_json::json;
use uuid::Uuid;

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

    // Ten thousand more models stream out whole, page after page; and 1,234 of one name, whose
    // pages each start after the last model of the page before, not at the next name.
    let unit = server.unit("Xã Điện Hòa").await.id;
    let models: Vec<(Model, Timestamp)> = (0..11_234)
        .map(|n| {
            let name = if n < 10_000 {
                format!("Mô hình thử số {n:05}")
            } else {
                "Mô hình trùng tên".to_owned()
            };
            let mut model = Model::draft(ModelId::new(), unit, name, Field::PoliticalSystem, 2024);
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
    assert_eq!(
        rows.iter().filter(|r| r[0] == "Mô hình trùng tên").count(),
        1_234
    );
    let sheet = xlsx_sheet(
        download(
            &board,
            "/api/exports/models.xlsx?q=trung%20ten",
            "mo-hinh.xlsx",
        )
        .await,
        "Mô hình",
    );
    assert_eq!(sheet.height(), 1 + 1_234, "headings and each of one name");
}

#[tokio::test]
async fn exports_on_sqlite() {
    exports(Backend::Sqlite).await;
}

#[tokio::test]
async fn exports_on_postgres() {
    exports(Backend::Postgres).await;
}

/// The rows of an XLSX export's only sheet, `name`, headings included.
fn xlsx_sheet(bytes: Vec<u8>, name: &str) -> calamine::Range<Data> {
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(book.sheet_names(), [name]);
    book.worksheet_range(name).unwrap()
}

/// GET `path`: 200, the attachment's name, and the body.
async fn download(client: &dvk_tests::Client, path: &str, file: &str) -> Vec<u8> {
    let response = client.get(path).await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    assert_eq!(
        response.headers()["content-disposition"],
        format!("attachment; filename=\"{file}\""),
        "{path}"
    );
    response.bytes().await.unwrap().to_vec()
}

async fn status(client: &dvk_tests::Client, path: &str) -> u16 {
    client.get(path).await.unwrap().status().as_u16()
}

/// A browser asks for a compressed answer: every export then arrives whole, compressed (the
/// compression layer polls the streamed body again after its end, which must not break it).
async fn compressed(client: &dvk_tests::Client, path: &str) {
    let response = client
        .http
        .get(client.url(path))
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{path}");
    assert!(
        response.headers().contains_key("content-encoding"),
        "{path}"
    );
    let body = response.bytes().await.unwrap();
    assert!(body.len() > 100, "{path}: {} bytes", body.len());
}

async fn the_other_lists(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let board = server.client();
    board.login_demo("bandanvan").await.unwrap();
    for format in ["csv", "xlsx"] {
        for list in ["models", "awards", "surveys", "units", "accounts"] {
            compressed(&board, &format!("/api/exports/{list}.{format}")).await;
        }
    }
    let registrar = server.client();
    registrar.login_demo("dienhoa").await.unwrap();
    let hoa = server.unit("Xã Điện Hòa").await.id;
    let phong = server.unit("Xã Điện Phong").await.id;

    // The unit tree: every unit, each after its parent, with its path and its models.
    let rows = csv_rows(&download(&board, "/api/exports/units.csv", "don-vi.csv").await);
    let all_units = server.store().units().await.unwrap();
    assert_eq!(rows.len(), all_units.len());
    assert_eq!(rows[0][0], "Thị xã Điện Bàn", "the top unit first");
    assert_eq!(rows[0][3], "Thị xã Điện Bàn");
    let all: Page<ModelSummary> = board.get_json("/api/models?per_page=1").await.unwrap();
    assert_eq!(rows[0][6], all.total.to_string(), "the whole town's models");
    let row = rows.iter().find(|r| r[0] == "Xã Điện Hòa").unwrap();
    let own: Page<ModelSummary> = board
        .get_json(&format!("/api/models?unit={hoa}&per_page=1"))
        .await
        .unwrap();
    assert_eq!(
        row[1..].to_vec(),
        [
            "Xã",
            "Thị xã Điện Bàn",
            "Thị xã Điện Bàn › Xã Điện Hòa",
            "Đang hoạt động",
            &own.total.to_string(),
            &own.total.to_string(),
        ]
    );
    let sheet = xlsx_sheet(
        download(&board, "/api/exports/units.xlsx", "don-vi.xlsx").await,
        "Đơn vị",
    );
    assert_eq!(sheet.height(), all_units.len() + 1);
    assert_eq!(sheet.get((0, 0)), Some(&Data::String("Tên đơn vị".into())));
    assert_eq!(sheet.get((1, 6)), Some(&Data::Float(all.total as f64)));
    // A registrar's tree is their commune.
    let rows = csv_rows(&download(&registrar, "/api/exports/units.csv", "don-vi.csv").await);
    assert_eq!(rows[0][..4], ["Xã Điện Hòa", "Xã", "", "Xã Điện Hòa"]);
    assert!(rows.iter().all(|r| r[3].starts_with("Xã Điện Hòa")));

    // The surveys: the demo's two, and one the Board makes in Điện Hòa.
    let mut device = Device::of_demo(&server, "bandanvan").await.unwrap();
    let held = device.replica();
    let campaign = held
        .keys()
        .find(|(entity, _)| entity == "campaign")
        .unwrap()
        .1;
    let model = held
        .iter()
        .find(|((entity, _), h)| {
            entity == "model" && h.data["unit_id"] == json!(hoa) && h.data["status"] != "draft"
        })
        .unwrap()
        .0
        .1;
    device.save(
        "survey.create",
        Uuid::now_v7(),
        None,
        json!({"campaign_id": campaign, "model_id": model, "scores": {"task_fit": 7},
               "visited_at": 1_795_140_000_000i64, "difficulties": ["Thiếu kinh phí", "Bồi thường"],
               "recommendations": "Hỗ trợ kinh phí, nhân rộng"}),
    );
    device.sync().await.unwrap();
    assert_eq!(
        device.answers().values().last().unwrap().status,
        dvk_shared::sync::PushStatus::Applied
    );

    let rows = csv_rows(&download(&board, "/api/exports/surveys.csv", "phieu-khao-sat.csv").await);
    assert_eq!(rows.len(), 3, "{rows:?}");
    let submitted = rows.iter().find(|r| r[6] == "Đã nộp").unwrap();
    assert_eq!(
        submitted[2..].to_vec(),
        [
            "Khảo sát mô hình “Dân vận khéo” năm 2026",
            "2026",
            "Cán bộ khảo sát Ban Dân vận",
            "20/11/2026",
            "Đã nộp",
            "Tốt",
            "83",
            "Giải phóng mặt bằng",
            "Đề nghị xã hỗ trợ vận động hai hộ còn lại.",
        ]
    );
    let mine = rows
        .iter()
        .find(|r| r[4] == "Ban Dân vận Thị ủy")
        .expect("the Board's survey, under its account's name");
    assert_eq!(
        [1, 6, 7, 8, 9, 10].map(|c| mine[c].clone()),
        [
            "Xã Điện Hòa",
            "Bản nháp",
            "",
            "",
            "Thiếu kinh phí; Bồi thường",
            "Hỗ trợ kinh phí, nhân rộng"
        ]
        .map(|s| s.to_owned())
    );
    let in_hoa = rows.iter().filter(|r| r[1] == "Xã Điện Hòa").count();

    // The filters narrow it: a unit, a status, a year.
    let rows = csv_rows(
        &download(
            &board,
            &format!("/api/exports/surveys.csv?unit={hoa}"),
            "phieu-khao-sat.csv",
        )
        .await,
    );
    assert_eq!(rows.len(), in_hoa);
    assert!(rows.iter().all(|r| r[1] == "Xã Điện Hòa"));
    let rows = csv_rows(
        &download(
            &board,
            "/api/exports/surveys.csv?status=submitted&year=2026",
            "phieu-khao-sat.csv",
        )
        .await,
    );
    assert_eq!(rows.len(), 1);
    let rows = csv_rows(
        &download(
            &board,
            "/api/exports/surveys.csv?year=2025",
            "phieu-khao-sat.csv",
        )
        .await,
    );
    assert!(rows.is_empty());
    assert_eq!(
        status(&board, "/api/exports/surveys.csv?status=lost").await,
        400
    );

    // The XLSX holds the same, the total as a number.
    let sheet = xlsx_sheet(
        download(
            &board,
            "/api/exports/surveys.xlsx?status=submitted",
            "phieu-khao-sat.xlsx",
        )
        .await,
        "Phiếu khảo sát",
    );
    assert_eq!(sheet.height(), 2);
    assert_eq!(sheet.get((0, 0)), Some(&Data::String("Mô hình".into())));
    assert_eq!(sheet.get((1, 8)), Some(&Data::Float(83.0)));
    assert_eq!(sheet.get((1, 7)), Some(&Data::String("Tốt".into())));

    // A registrar gets their commune's; another commune is refused. The surveyor gets what
    // their tablet holds.
    let rows =
        csv_rows(&download(&registrar, "/api/exports/surveys.csv", "phieu-khao-sat.csv").await);
    assert_eq!(rows.len(), in_hoa);
    assert!(rows.iter().all(|r| r[1] == "Xã Điện Hòa"));
    assert_eq!(
        status(
            &registrar,
            &format!("/api/exports/surveys.csv?unit={phong}")
        )
        .await,
        403
    );
    let surveyor = server.client();
    surveyor.login_demo("khaosat").await.unwrap();
    let rows =
        csv_rows(&download(&surveyor, "/api/exports/surveys.csv", "phieu-khao-sat.csv").await);
    assert_eq!(rows.len(), 3);

    // The accounts: all for the administrator, never a password.
    let admin = server.client();
    admin.login_demo("admin").await.unwrap();
    let bytes = download(&admin, "/api/exports/accounts.csv", "tai-khoan.csv").await;
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(!text.contains("$argon2"), "no password hash");
    let rows = csv_rows(&bytes);
    let mut names: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        ["admin", "bandanvan", "dienhoa", "khaosat", "lanhdao"]
    );
    let row = rows.iter().find(|r| r[0] == "dienhoa").unwrap();
    assert_eq!(
        row[1..5].to_vec(),
        [
            "Cán bộ xã Điện Hòa",
            "Cán bộ đăng ký",
            "Xã Điện Hòa",
            "Đang hoạt động"
        ]
    );
    let signed_in = &rows.iter().find(|r| r[0] == "admin").unwrap()[5];
    assert_eq!(signed_in.len(), "dd/mm/yyyy hh:mm".len(), "{signed_in}");
    assert_eq!(&signed_in[2..3], "/");
    assert_eq!(&signed_in[13..14], ":");
    let sheet = xlsx_sheet(
        download(&board, "/api/exports/accounts.xlsx", "tai-khoan.xlsx").await,
        "Tài khoản",
    );
    assert_eq!(sheet.height(), 6, "the Board at the top sees every account");
    assert_eq!(
        sheet.get((0, 0)),
        Some(&Data::String("Tên đăng nhập".into()))
    );
    // Only administrators and the Board read accounts.
    for account in ["lanhdao", "dienhoa", "khaosat"] {
        let client = if account == "dienhoa" {
            registrar.clone()
        } else {
            let client = server.client();
            client.login_demo(account).await.unwrap();
            client
        };
        assert_eq!(
            status(&client, "/api/exports/accounts.csv").await,
            403,
            "{account}"
        );
    }

    // An unknown format, and no session.
    let anonymous = server.client();
    for list in ["surveys", "units", "accounts"] {
        assert_eq!(
            status(&admin, &format!("/api/exports/{list}.pdf")).await,
            404
        );
        assert_eq!(
            status(&anonymous, &format!("/api/exports/{list}.csv")).await,
            401
        );
    }
}

#[tokio::test]
async fn surveys_units_and_accounts_export_on_sqlite() {
    the_other_lists(Backend::Sqlite).await;
}

#[tokio::test]
async fn surveys_units_and_accounts_export_on_postgres() {
    the_other_lists(Backend::Postgres).await;
}

/// How much more the server's peak may rise for 40,000 rows than for 10,000, in MB: room for
/// the allocator and SQLite's caches, well below what holding the file would take (the 40,000
/// rows are 12.7 MB of CSV: buffering the CSV raised the peak by 32–38 MB against 6–8 MB for
/// 10,000, and a workbook that keeps its cells by 55 MB against 14 MB; streamed, both stay
/// within 5 MB).
const MORE_FOR_FOUR_TIMES_THE_ROWS_MB: f64 = 16.0;
/// And at most this, whatever the 10,000 took.
const GROWTH_MAX_MB: f64 = 64.0;

/// The bounded-memory claim of the exports, measured on the server as a separate process
/// (`/proc/<pid>/status`): exporting 40,000 models as CSV or XLSX raises its peak resident
/// memory no more than exporting 10,000 does, within a fixed margin.
#[tokio::test]
async fn exporting_40000_rows_takes_no_more_memory_than_10000() {
    let binary = dvk_binary().unwrap();
    let database = TestDatabase::new(Backend::Sqlite).await.unwrap();
    let server = ServerProcess::start(binary, &database.url(), true)
        .await
        .unwrap();
    let pid = server.pid().unwrap();
    seed_models(&database.url(), 40_000).await.unwrap();
    let base = server.base();
    let http = signed_in(&base, "bandanvan").await.unwrap();
    for format in ["csv", "xlsx"] {
        // Once first, so the allocator's arenas and the database's caches are warm.
        measure(&http, &models_export(&base, format, 10_000), pid)
            .await
            .unwrap();
        let small = measure(&http, &models_export(&base, format, 10_000), pid)
            .await
            .unwrap();
        let large = measure(&http, &models_export(&base, format, 40_000), pid)
            .await
            .unwrap();
        for (rows, measured) in [(10_000, &small), (40_000, &large)] {
            println!(
                "{format}: {rows} rows, {} bytes in {:.1} s; server peak {:.1} MB, {:+.1} MB during the export",
                measured.bytes.len(),
                measured.seconds,
                measured.peak_mb,
                measured.growth_mb
            );
            let read = if format == "csv" {
                csv_rows(&measured.bytes).len()
            } else {
                xlsx_sheet(measured.bytes.clone(), "Mô hình").height() - 1
            };
            assert_eq!(read, rows, "{format}: every row");
        }
        assert!(
            large.growth_mb < small.growth_mb + MORE_FOR_FOUR_TIMES_THE_ROWS_MB,
            "{format}: 40,000 rows raised the server's memory by {:.1} MB, 10,000 by {:.1} MB",
            large.growth_mb,
            small.growth_mb
        );
        assert!(
            large.growth_mb < GROWTH_MAX_MB,
            "{format}: 40,000 rows raised the server's memory by {:.1} MB",
            large.growth_mb
        );
    }
}
