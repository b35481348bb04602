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
