//! Sync benchmark (issue 4's figures): changes applied per second by `POST /api/sync` in batches
//! of 500 on SQLite and PostgreSQL, and the time to pull 10,000 models. Run it in release:
//! `scripts/bench-sync` (or `cargo run --release -p dvk-tests --bin bench-sync`).
//! It prints figures; it asserts nothing, because this machine is shared and noisy.

use std::time::{Duration, Instant};

use anyhow::{Result, ensure};
use dvk_shared::sync::{PushStatus, SyncResponse};
use dvk_tests::{Backend, TestServer, device::Device};
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
            device.cursor = None;
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
        let started = Instant::now();
        let mut rounds = 0;
        loop {
            let response: SyncResponse = reader
                .client
                .http
                .post(reader.client.url("/api/sync"))
                .json(&request)
                .send()
                .await?
                .json()
                .await?;
            rounds += 1;
            let more = response.more;
            reader.learn(response);
            if !more {
                break;
            }
            request = reader.request();
            request.limit = Some(dvk_shared::sync::PULL_LIMIT_MAX);
        }
        let elapsed = started.elapsed();
        let models = reader.replica.keys().filter(|(e, _)| e == "model").count();
        println!(
            "{backend:?}: pulling {models} models took {:.0} ms in {rounds} requests of up to {} ({:.0} ms per 10,000)",
            elapsed.as_secs_f64() * 1000.0,
            dvk_shared::sync::PULL_LIMIT_MAX,
            elapsed.as_secs_f64() * 1000.0 * 10_000.0 / models as f64
        );
    }
    Ok(())
}
