//! Sync benchmark (issue 4's figures): changes applied per second by `POST /api/sync` in batches
//! of 500 on SQLite and PostgreSQL, and the time to pull 10,000 models. Run it in release:
//! `scripts/bench-sync` (or `cargo run --release -p dvk-tests --bin bench-sync`).
//! It prints figures; it asserts nothing, because this machine is shared and noisy.
//! The last figure is end to end: a fresh headless Chromium signs in and downloads every model
//! into IndexedDB through the real app (built by `scripts/bench-sync` first).

use std::time::{Duration, Instant};

use anyhow::{Result, ensure};
use dvk_shared::sync::{PushStatus, SyncResponse};
use dvk_tests::{Backend, TestServer, browser::with_browser, device::Device};
use fantoccini::Locator;
use serde_json::json;
use uuid::Uuid;

const BATCH: usize = 500;
const BATCHES: usize = 20;

#[tokio::main]
async fn main() -> Result<()> {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let server = TestServer::start_demo(backend).await?;
        let client = server.client();
        client.login_demo("bandanvan").await?;
        let units: serde_json::Value = client.get_json("/api/units").await?;
        let town = units[0]["id"].clone();

        let mut device = Device::new(client);
        device.sync().await?;
        let mut applying = Duration::ZERO;
        for batch in 0..BATCHES {
            for i in 0..BATCH {
                device.save(
                    "model.create",
                    Uuid::now_v7(),
                    None,
                    json!({"unit_id": town, "name": format!("Mô hình đo {batch}-{i}"),
                           "field": "culture_society", "year": 2026, "objectives": "Đo tốc độ đồng bộ"}),
                );
            }
            let mut request = device.request();
            request.limit = Some(1); // measure the push, not the pull
            let started = Instant::now();
            let dvk_tests::device::Round::Answered(response) = device.send(&request).await? else {
                anyhow::bail!("a batch was refused");
            };
            applying += started.elapsed();
            ensure!(
                response
                    .results
                    .iter()
                    .all(|r| r.status == PushStatus::Applied)
            );
            device.learn(response);
            // Each batch pulls one record from the start: the figure is the push's.
            device.store.set_mark(dvk_shared::sync::client::SyncMark {
                cursor: None,
                ..device.mark()
            });
        }
        let changes = BATCH * BATCHES;
        println!(
            "{backend:?}: {changes} changes in batches of {BATCH}: {:.0} changes/s ({:.1} ms per batch)",
            changes as f64 / applying.as_secs_f64(),
            applying.as_secs_f64() * 1000.0 / BATCHES as f64
        );

        // A fresh device of the Board pulls everything: the demo plus the 10,000 just made.
        let fresh = server.client();
        fresh.login_demo("lanhdao").await?;
        let mut reader = Device::new(fresh);
        let mut request = reader.request();
        request.limit = Some(dvk_shared::sync::PULL_LIMIT_MAX);
        // The server's time: from sending the request to the last byte of the answer; the
        // client's parsing is not counted.
        let mut elapsed = Duration::ZERO;
        let mut bytes = 0;
        let mut rounds = 0;
        loop {
            let started = Instant::now();
            let body = reader
                .client
                .http
                .post(reader.client.url("/api/sync"))
                .json(&request)
                .send()
                .await?
                .bytes()
                .await?;
            elapsed += started.elapsed();
            bytes += body.len();
            let response: SyncResponse = serde_json::from_slice(&body)?;
            rounds += 1;
            let more = response.more;
            reader.learn(response);
            if !more {
                break;
            }
            request = reader.request();
            request.limit = Some(dvk_shared::sync::PULL_LIMIT_MAX);
        }
        let models = reader
            .replica()
            .keys()
            .filter(|(e, _)| e == "model")
            .count();
        if backend == Backend::Sqlite {
            let base = server.base.clone();
            let seconds = browser_first_download(base).await?;
            println!(
                "{backend:?}: a fresh browser downloaded {models} models into IndexedDB in {seconds:.2} s (sign-in click to last sync shown)"
            );
        }
        println!(
            "{backend:?}: pulling {models} models took {:.0} ms in {rounds} requests of up to {} ({:.1} MB; {:.0} ms per 10,000)",
            elapsed.as_secs_f64() * 1000.0,
            dvk_shared::sync::PULL_LIMIT_MAX,
            bytes as f64 / 1e6,
            elapsed.as_secs_f64() * 1000.0 * 10_000.0 / models as f64
        );
    }
    Ok(())
}

/// Seconds from pressing "Đăng nhập" to the status bar showing a finished first sync.
async fn browser_first_download(base: String) -> Result<f64> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    with_browser(move |client| async move {
        client.goto(&base).await?;
        let field = client.wait().for_element(Locator::Css("#username")).await?;
        field.send_keys("lanhdao").await?;
        client
            .find(Locator::Css("#password"))
            .await?
            .send_keys("demo-dvk")
            .await?;
        let started = Instant::now();
        client
            .find(Locator::Css("form button[type=submit]"))
            .await?
            .click()
            .await?;
        loop {
            if let Ok(last) = client.find(Locator::Css(".sync-last")).await
                && last.text().await?.starts_with("Đồng bộ lần cuối")
            {
                break;
            }
            ensure!(
                started.elapsed() < Duration::from_secs(300),
                "the first download never finished"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = tx.send(started.elapsed().as_secs_f64());
        Ok(())
    })
    .await?;
    Ok(rx.await?)
}
