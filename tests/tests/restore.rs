//! A database restored from a backup while the servers run (`dvk backup`, `dvk restore`), or
//! put back by hand: the tablets rebuild, send again what the backup lacks, go on numbering,
//! and nobody has to do anything (SYNC.md, restore).

// A test states what must hold with unwrap/expect; the lint is for production code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use dvk_shared::{
    ids::ModelId,
    sync::{Entity, PushStatus},
};
use dvk_tests::{
    Backend, Client, TestDatabase, TestServer,
    device::Device,
    process::{ServerProcess, dvk, dvk_binary},
    unit_named,
};
use serde_json::{Value, json};
use uuid::Uuid;

fn draft(unit: &str, name: &str) -> Value {
    json!({"unit_id": unit, "name": name, "field": "culture_society", "year": 2026})
}

async fn tablet(base: &str, account: &str) -> Device {
    let client = Client {
        base: base.to_owned(),
        http: reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap(),
    };
    client.login_demo(account).await.unwrap();
    let mut device = Device::new(client);
    device.sync().await.unwrap();
    device
}

/// The newest version a tablet was answered.
fn newest(device: &Device) -> i64 {
    device
        .answers()
        .values()
        .filter_map(|a| a.version)
        .max()
        .unwrap_or(0)
}

async fn a_restore_loses_nothing_a_tablet_still_holds(backend: Backend) {
    let binary = dvk_binary().unwrap();
    let database = TestDatabase::new(backend).await.unwrap();
    let url = database.url();
    let server = ServerProcess::start(binary.clone(), &url, true)
        .await
        .unwrap();
    let base = server.base();
    let store = dvk_server::store::connect(&url).await.unwrap();
    let hoa = unit_named(store.as_ref(), "Xã Điện Hòa")
        .await
        .id
        .to_string();
    let mut registrar = tablet(&base, "dienhoa").await;
    let mut board = tablet(&base, "bandanvan").await;
    let before = Uuid::now_v7();
    registrar.edit(
        "model.create",
        before,
        None,
        draft(&hoa, "Trước khi sao lưu"),
    );
    registrar.sync().await.unwrap();
    board.sync().await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("dvk-backup.sqlite");
    let said = dvk(&binary, &["backup", backup.to_str().unwrap()], &url, None)
        .await
        .unwrap();
    assert!(said.contains("Đã sao lưu"), "{said}");
    // The backup is one file: nothing beside it to copy (or to forget to copy).
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(files, vec![std::ffi::OsString::from("dvk-backup.sqlite")]);
    // A second backup into the same file is refused: nothing is overwritten.
    assert!(
        dvk(&binary, &["backup", backup.to_str().unwrap()], &url, None)
            .await
            .is_err()
    );

    // After the backup: a new model, edits of the old one by two people.
    let after = Uuid::now_v7();
    registrar.edit("model.create", after, None, draft(&hoa, "Sau khi sao lưu"));
    registrar.edit(
        "model.update",
        before,
        registrar.version_of(before),
        json!({"objectives": "Mục tiêu sau sao lưu"}),
    );
    registrar.sync().await.unwrap();
    board.edit(
        "model.update",
        before,
        board.version_of(before),
        json!({"content": "Cách làm của Ban"}),
    );
    board.sync().await.unwrap();
    let handed_out = newest(&registrar).max(newest(&board));
    // And one change that never left the tablet.
    let waiting = Uuid::now_v7();
    registrar.edit("model.create", waiting, None, draft(&hoa, "Chưa gửi"));

    // The database goes back to the backup while the server runs.
    let said = dvk(
        &binary,
        &["restore", backup.to_str().unwrap(), "--yes"],
        &url,
        None,
    )
    .await
    .unwrap();
    assert!(said.contains("Đã phục hồi"), "{said}");
    assert!(
        store
            .model(ModelId::from_uuid(after).unwrap())
            .await
            .unwrap()
            .is_none(),
        "the backup lacks what came after it"
    );

    // Nobody does anything but sync as usual: no sign-in, no gap, nothing lost.
    registrar.sync().await.unwrap();
    board.sync().await.unwrap();
    registrar.sync().await.unwrap();
    for id in [before, after, waiting] {
        assert!(
            store
                .model(ModelId::from_uuid(id).unwrap())
                .await
                .unwrap()
                .is_some_and(|m| !m.deleted),
            "{id} is on the server again"
        );
    }
    let model = store
        .model(ModelId::from_uuid(before).unwrap())
        .await
        .unwrap()
        .unwrap()
        .model;
    assert_eq!(model.objectives, "Mục tiêu sau sao lưu");
    assert_eq!(model.content, "Cách làm của Ban");
    // The counter never went back: what was sent again got versions never handed out.
    let resent: Vec<i64> = registrar
        .answers()
        .values()
        .rev()
        .take(3)
        .filter_map(|a| a.version)
        .collect();
    assert!(
        resent.iter().all(|v| *v > handed_out),
        "{resent:?} after {handed_out}"
    );
    // Each record created once in the history.
    let history = store
        .history(Entity::Model, &after.to_string())
        .await
        .unwrap();
    assert_eq!(
        history
            .iter()
            .filter(|h| h.action == "model.create")
            .count(),
        1
    );
    // Both tablets hold what a fresh download holds.
    for (account, device) in [("dienhoa", &registrar), ("bandanvan", &board)] {
        let fresh = tablet(&base, account).await;
        assert_eq!(fresh.replica(), device.replica(), "{account}");
    }
    assert!(registrar.outbox().is_empty() && board.outbox().is_empty());
    drop(server);
}

#[tokio::test]
async fn a_restore_loses_nothing_a_tablet_still_holds_on_sqlite() {
    a_restore_loses_nothing_a_tablet_still_holds(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_restore_loses_nothing_a_tablet_still_holds_on_postgres() {
    a_restore_loses_nothing_a_tablet_still_holds(Backend::Postgres).await;
}

/// An SQLite file put back by hand (no `dvk restore`, no new epoch): the first tablet whose
/// cursor is past the database's counter makes the server start a new epoch, and every tablet
/// recovers as after a restore.
#[tokio::test]
async fn a_database_put_back_by_hand_is_noticed() {
    let binary = dvk_binary().unwrap();
    let database = TestDatabase::new(Backend::Sqlite).await.unwrap();
    let url = database.url();
    let mut server = ServerProcess::start(binary, &url, true).await.unwrap();
    let base = server.base();
    let path = url.trim_start_matches("sqlite://").to_owned();
    // The files of a stopped server, as someone copying them by hand would.
    let copy = |from: &str, to: &str| {
        for ext in ["", "-wal"] {
            let source = format!("{from}{ext}");
            if std::path::Path::new(&source).exists() {
                std::fs::copy(&source, format!("{to}{ext}")).unwrap();
            } else {
                let _ = std::fs::remove_file(format!("{to}{ext}"));
            }
        }
        let _ = std::fs::remove_file(format!("{to}-shm"));
    };
    let store = || async { dvk_server::store::connect(&url).await.unwrap() };
    let hoa = unit_named(store().await.as_ref(), "Xã Điện Hòa")
        .await
        .id
        .to_string();
    let mut registrar = tablet(&base, "dienhoa").await;
    let mut board = tablet(&base, "bandanvan").await;
    server.kill().await.unwrap();
    let kept = format!("{path}.kept");
    copy(&path, &kept);
    server.restart().await.unwrap();
    let lost = Uuid::now_v7();
    registrar.edit("model.create", lost, None, draft(&hoa, "Sau bản sao"));
    registrar.sync().await.unwrap();
    for i in 0..3 {
        board.edit(
            "model.create",
            Uuid::now_v7(),
            None,
            draft(&hoa, &format!("Của Ban {i}")),
        );
    }
    board.sync().await.unwrap();
    registrar.sync().await.unwrap();
    let epoch = registrar.mark().epoch;

    // The files are put back as they were, by hand.
    server.kill().await.unwrap();
    copy(&kept, &path);
    server.restart().await.unwrap();

    registrar.sync().await.unwrap();
    assert_ne!(registrar.mark().epoch, epoch, "a new epoch");
    board.sync().await.unwrap();
    registrar.sync().await.unwrap();
    assert!(
        store()
            .await
            .model(ModelId::from_uuid(lost).unwrap())
            .await
            .unwrap()
            .is_some(),
        "the registrar sent it again"
    );
    let after = Uuid::now_v7();
    board.edit("model.create", after, None, draft(&hoa, "Sau khi đặt lại"));
    board.sync().await.unwrap();
    registrar.sync().await.unwrap();
    assert!(
        registrar
            .replica()
            .contains_key(&("model".to_owned(), after)),
        "what comes after reaches everyone"
    );
    assert!(
        board
            .answers()
            .values()
            .all(|a| a.status == PushStatus::Applied)
    );
    drop(server);
}

/// A backup of PostgreSQL restores into SQLite (and so a province's data can move to a town's
/// server, or back): the overview reads the same.
#[tokio::test]
async fn a_backup_of_one_database_restores_into_the_other() {
    let postgres = TestServer::start_demo(Backend::Postgres).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("from-postgres.sqlite");
    let summary = postgres.store().backup(&file).await.unwrap();
    assert!(summary.rows > 348);
    let target = TestDatabase::new(Backend::Sqlite).await.unwrap();
    let sqlite = dvk_server::store::connect(&target.url()).await.unwrap();
    sqlite.restore(&file).await.unwrap();
    let count = |counts: dvk_server::store::ModelCounts| -> u64 {
        counts.by_kind.iter().map(|c| c.3).sum()
    };
    assert_eq!(count(sqlite.model_counts(None, None).await.unwrap()), 348);
    // The tally is not copied: the restored models' own triggers made it.
    assert_eq!(
        dvk_tests::tally_differences(&target.url()).await.unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(
        sqlite.units().await.unwrap(),
        postgres.store().units().await.unwrap()
    );
    // What is not a backup is refused with a reason, and changes nothing.
    let junk = dir.path().join("junk.sqlite");
    std::fs::write(&junk, b"not a database").unwrap();
    assert!(sqlite.restore(&junk).await.is_err());
    assert_eq!(count(sqlite.model_counts(None, None).await.unwrap()), 348);
}
