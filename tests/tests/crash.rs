//! The server process killed (SIGKILL) in the middle of a sync batch: the request is all or
//! nothing, and the device's retry after the restart applies every change exactly once. And
//! stopped as systemd stops it (SIGTERM): it ends cleanly.

// A test states what must hold with unwrap/expect; the lint is for production code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use dvk_shared::{
    api::{ModelSummary, Page},
    sync::{PushStatus, SyncResponse},
};
use dvk_tests::{
    Backend, TestDatabase,
    process::{ServerProcess, dvk_binary},
};
use serde_json::json;
use uuid::Uuid;

async fn signed_in(base: &str) -> reqwest::Client {
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let response = http
        .post(format!("{base}/api/auth/login"))
        .json(&json!({"username": "dienhoa", "password": "demo-dvk"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    http
}

async fn count_batch(http: &reqwest::Client, base: &str) -> u64 {
    let page: Page<ModelSummary> = http
        .get(format!("{base}/api/models?q=lo%20thu%20nghiem&per_page=1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    page.total
}

async fn a_kill_in_the_middle_of_a_batch_keeps_all_or_nothing(backend: Backend) {
    let binary = dvk_binary().unwrap();
    let database = TestDatabase::new(backend).await.unwrap();
    let mut server = ServerProcess::start(binary, &database.url(), true)
        .await
        .unwrap();
    let base = server.base();
    let http = signed_in(&base).await;
    let units: serde_json::Value = http
        .get(format!("{}/api/units", base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let hoa = units[0]["id"].clone();

    let push: Vec<_> = (1..=500)
        .map(|seq| {
            json!({"seq": seq, "mutation": {"kind": "model.create", "id": Uuid::now_v7(), "base_version": null,
                   "fields": {"unit_id": hoa, "name": format!("Lô thử nghiệm {seq}"), "field": "economic_development", "year": 2026}}})
        })
        .collect();
    let request = json!({"device_id": Uuid::now_v7(), "epoch": null, "schema": 1, "cursor": null, "push": push});

    // Send the batch and kill the server while it works on it.
    let sending = {
        let http = http.clone();
        let url = format!("{}/api/sync", base);
        let request = request.clone();
        tokio::spawn(async move { http.post(url).json(&request).send().await })
    };
    tokio::time::sleep(Duration::from_millis(40)).await;
    server.kill().await.unwrap();
    let _ = sending.await;

    server.restart().await.unwrap();
    let http = signed_in(&base).await;
    let kept = count_batch(&http, &base).await;
    assert!(
        kept == 0 || kept == 500,
        "a killed request kept {kept} of 500 changes"
    );

    // The device retries the same batch: everything ends applied exactly once.
    let response: SyncResponse = http
        .post(format!("{}/api/sync", base))
        .json(&request)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(response.results.len(), 500);
    let expected = if kept == 0 {
        PushStatus::Applied
    } else {
        PushStatus::Duplicate
    };
    assert!(response.results.iter().all(|r| r.status == expected));
    assert_eq!(count_batch(&http, &base).await, 500);
    println!("{backend:?}: the killed request had kept {kept} of 500 changes");
}

#[tokio::test]
async fn a_kill_mid_batch_keeps_all_or_nothing_on_sqlite() {
    a_kill_in_the_middle_of_a_batch_keeps_all_or_nothing(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_kill_mid_batch_keeps_all_or_nothing_on_postgres() {
    a_kill_in_the_middle_of_a_batch_keeps_all_or_nothing(Backend::Postgres).await;
}

/// systemd stops a service with SIGTERM: the server finishes what is in flight and exits with
/// success instead of dying of the signal (as it did when it only listened for Ctrl-C).
#[tokio::test]
async fn sigterm_stops_the_server_cleanly() {
    let database = TestDatabase::new(Backend::Sqlite).await.unwrap();
    let mut server = ServerProcess::start(dvk_binary().unwrap(), &database.url(), true)
        .await
        .unwrap();
    let status = server.terminate().await.unwrap();
    assert!(status.success(), "dvk serve ended with {status}");
}
