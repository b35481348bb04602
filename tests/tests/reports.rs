//! The figures of a period report, against the real server on SQLite and PostgreSQL: on the
//! demo they are the source report's (348 = 149 + 167 + 23 + 9 registered over 2016–2020; 4
//! medals to individuals, certificates to 4 collectives and 2 individuals), a registrar's are
//! their subtree's, the survey's difficulties are counted in the year they were named; and the
//! refusals (field staff, a unit out of sight, a day that is not one, a period ending before it
//! starts).

// A test states what must hold with unwrap/expect; the lint is for production code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use dvk_shared::{
    award::{AwardKind, RecipientType},
    model::Field,
    report::Figures,
};
use dvk_tests::{Backend, TestServer};

async fn report_figures(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let board = server.client();
    board.login_demo("bandanvan").await.unwrap();

    let five: Figures = board
        .get_json("/api/reports/figures?from=2016-01-01&to=2020-12-31")
        .await
        .unwrap();
    assert_eq!(five.total.registered, 348);
    let fields: Vec<u64> = Field::ALL
        .iter()
        .map(|f| five.by_field[f].registered)
        .collect();
    assert_eq!(fields, [149, 167, 23, 9]);
    assert_eq!(
        five.total.new_in_period, 348,
        "all registered in those years"
    );
    assert_eq!(five.typical.len() as u64, five.total.typical);
    let awarded = |kind, recipient| {
        five.awards
            .iter()
            .find(|(k, r, _)| *k == kind && *r == recipient)
            .map_or(0, |(_, _, n)| *n)
    };
    assert_eq!(
        awarded(AwardKind::CommemorativeMedal, RecipientType::Individual),
        4
    );
    assert_eq!(
        awarded(AwardKind::CertificateOfMerit, RecipientType::Collective),
        4
    );
    assert_eq!(
        awarded(AwardKind::CertificateOfMerit, RecipientType::Individual),
        2
    );
    assert!(five.results.people_reached.unwrap_or(0) > 0);

    // 2026: nothing new registered, the year's survey named its difficulties.
    let year: Figures = board
        .get_json("/api/reports/figures?from=01/01/2026&to=31/12/2026")
        .await
        .unwrap();
    assert_eq!(year.total.new_in_period, 0);
    assert!(year.awards.is_empty());
    assert!(
        year.difficulties
            .iter()
            .any(|(d, n)| d == "Giải phóng mặt bằng" && *n >= 1),
        "{:?}",
        year.difficulties
    );

    // A registrar's report is their commune's.
    let registrar = server.client();
    registrar.login_demo("dienhoa").await.unwrap();
    let own: Figures = registrar
        .get_json("/api/reports/figures?from=2016-01-01&to=2020-12-31")
        .await
        .unwrap();
    let hoa = server.unit("Xã Điện Hòa").await.id;
    assert!(own.total.registered > 0 && own.total.registered < 348);
    assert!(own.by_unit.keys().all(|u| *u == hoa));
    assert_eq!(own.total.registered, five.by_unit[&hoa].registered);

    // Refusals.
    let phong = server.unit("Xã Điện Phong").await.id;
    let status = |client: &dvk_tests::Client, path: String| {
        let client = client.clone();
        async move { client.get(&path).await.unwrap().status().as_u16() }
    };
    assert_eq!(
        status(
            &registrar,
            format!("/api/reports/figures?from=2020-01-01&to=2020-12-31&unit={phong}")
        )
        .await,
        403
    );
    let surveyor = server.client();
    surveyor.login_demo("khaosat").await.unwrap();
    assert_eq!(
        status(
            &surveyor,
            "/api/reports/figures?from=2020-01-01&to=2020-12-31".into()
        )
        .await,
        403
    );
    assert_eq!(
        status(
            &board,
            "/api/reports/figures?from=2020-13-01&to=2020-12-31".into()
        )
        .await,
        400
    );
    assert_eq!(
        status(
            &board,
            "/api/reports/figures?from=2021-01-01&to=2020-12-31".into()
        )
        .await,
        400
    );
    assert_eq!(
        status(&board, "/api/reports/figures?from=2020-01-01".into()).await,
        400
    );
}

#[tokio::test]
async fn report_figures_on_sqlite() {
    report_figures(Backend::Sqlite).await;
}

#[tokio::test]
async fn report_figures_on_postgres() {
    report_figures(Backend::Postgres).await;
}

/// A report made, edited, finalised (frozen while the data moves on), downloaded as Word and
/// Excel and read back, reopened; with its refusals.
async fn a_report_from_draft_to_final(backend: Backend) {
    use calamine::{Data, Reader};
    use serde_json::json;

    let server = TestServer::start_demo(backend).await.unwrap();
    let board = server.client();
    board.login_demo("bandanvan").await.unwrap();
    let town = server.unit("Thị xã Điện Bàn").await.id;
    let (status, made) = board
        .post_json(
            "/api/reports",
            json!({"unit_id": town, "from": "2016-01-01", "to": "2026-12-31"}),
        )
        .await
        .unwrap();
    assert_eq!(status, 201, "{made}");
    let report: dvk_shared::report::Report = serde_json::from_value(made).unwrap();
    let id = report.id;
    let before = report.figures.clone().unwrap().total.registered;
    assert!(before >= 348);
    assert!(
        report
            .text
            .assessment
            .contains(&format!("có {before} mô hình")),
        "{}",
        report.text.assessment
    );

    // The Board writes its recommendation and finalises.
    let mut text = report.text.clone();
    text.number = "25-BC/BDVTU".into();
    text.place = "Điện Bàn".into();
    text.recommendations = "Đề nghị Tỉnh ủy quan tâm hỗ trợ kinh phí nhân rộng mô hình.".into();
    let edited = board
        .http
        .put(board.url(&format!("/api/reports/{id}")))
        .json(&text)
        .send()
        .await
        .unwrap();
    assert_eq!(edited.status(), 200);
    let (status, body) = board
        .post_json(&format!("/api/reports/{id}/finalise"), json!({}))
        .await
        .unwrap();
    assert_eq!(status, 200, "{body}");

    // The data moves on: a commune registers a model; the final report keeps its figures.
    let mut commune = dvk_tests::device::Device::of_demo(&server, "dienhoa")
        .await
        .unwrap();
    let hoa = server.unit("Xã Điện Hòa").await.id;
    let model = uuid::Uuid::now_v7();
    commune.edit(
        "model.create",
        model,
        None,
        json!({"name": "Mô hình mới sau báo cáo", "field": "economic_development", "unit_id": hoa, "year": 2026,
               "start_date": "2026-01-01", "objectives": "Mục tiêu", "content": "Cách làm", "participants": "Hội viên",
               "effectiveness": "Hiệu quả", "results": {"people_reached": 10},
               "contact": {"name": "Lê Văn A", "position": "", "phone": "0905 111 222"}}),
    );
    commune.save("model.submit", model, Some(0), json!({}));
    commune.sync().await.unwrap();
    let frozen: dvk_shared::report::Report =
        board.get_json(&format!("/api/reports/{id}")).await.unwrap();
    assert_eq!(frozen.status, dvk_shared::report::ReportStatus::Final);
    assert_eq!(frozen.figures.as_ref().unwrap().total.registered, before);
    let live: Figures = board
        .get_json("/api/reports/figures?from=2016-01-01&to=2026-12-31")
        .await
        .unwrap();
    assert_eq!(live.total.registered, before + 1);

    // A final report is not edited.
    let refused = board
        .http
        .put(board.url(&format!("/api/reports/{id}")))
        .json(&text)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 409);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["code"], "report_final");

    // Word: opens, in the administrative layout, with what the Board wrote.
    let response = board.get(&format!("/api/reports/{id}/docx")).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".docx")
    );
    let bytes = response.bytes().await.unwrap();
    let document = docx_rs::read_docx(&bytes)
        .expect("a .docx Word opens")
        .json();
    for said in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số: 25-BC/BDVTU",
        "BÁO CÁO",
        "Đề nghị Tỉnh ủy quan tâm hỗ trợ kinh phí nhân rộng mô hình.",
        "Phát triển kinh tế",
    ] {
        assert!(document.contains(said), "the .docx lacks {said:?}");
    }
    // Excel: the main table as numbers.
    let response = board.get(&format!("/api/reports/{id}/xlsx")).await.unwrap();
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.unwrap().to_vec();
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("a .xlsx opens");
    let sheet = book.worksheet_range("Theo lĩnh vực").unwrap();
    let total_row = sheet
        .rows()
        .find(|row| row.first() == Some(&Data::String("Tổng cộng".into())))
        .expect("the total row");
    assert_eq!(total_row[1], Data::Float(before as f64));

    // Reopened: a draft again, with the figures of now.
    let (status, body) = board
        .post_json(&format!("/api/reports/{id}/reopen"), json!({}))
        .await
        .unwrap();
    assert_eq!(status, 200, "{body}");
    let reopened: dvk_shared::report::Report = serde_json::from_value(body).unwrap();
    assert_eq!(reopened.figures.unwrap().total.registered, before + 1);
    let (status, body) = board
        .post_json(&format!("/api/reports/{id}/reopen"), json!({}))
        .await
        .unwrap();
    assert_eq!((status, body["code"].as_str()), (409, Some("report_draft")));

    // A registrar neither sees the town's report nor makes one for another commune; a leader
    // reads it and writes nothing.
    let registrar = server.client();
    registrar.login_demo("dienhoa").await.unwrap();
    assert_eq!(
        registrar
            .get(&format!("/api/reports/{id}"))
            .await
            .unwrap()
            .status(),
        404
    );
    let phong = server.unit("Xã Điện Phong").await.id;
    let (status, _) = registrar
        .post_json(
            "/api/reports",
            json!({"unit_id": phong, "from": "2020-01-01", "to": "2020-12-31"}),
        )
        .await
        .unwrap();
    assert_eq!(status, 403);
    let (status, _) = registrar
        .post_json(
            "/api/reports",
            json!({"unit_id": hoa, "from": "2020-01-01", "to": "2020-12-31"}),
        )
        .await
        .unwrap();
    assert_eq!(status, 201, "a unit reports on its own subtree");
    let leader = server.client();
    leader.login_demo("lanhdao").await.unwrap();
    let listed: Vec<dvk_shared::report::Report> = leader.get_json("/api/reports").await.unwrap();
    assert_eq!(listed.len(), 2);
    let (status, _) = leader
        .post_json(&format!("/api/reports/{id}/finalise"), json!({}))
        .await
        .unwrap();
    assert_eq!(status, 403);
}

#[tokio::test]
async fn a_report_from_draft_to_final_on_sqlite() {
    a_report_from_draft_to_final(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_report_from_draft_to_final_on_postgres() {
    a_report_from_draft_to_final(Backend::Postgres).await;
}
