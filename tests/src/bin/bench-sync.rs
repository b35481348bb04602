//! Sync benchmark (issue 4's figures): changes applied per second by `POST /api/sync` in batches
//! of 500 on SQLite and PostgreSQL, and the time to pull 10,000 models. Run it in release:
//! `scripts/bench-sync` (or `cargo run --release -p dvk-tests --bin bench-sync`).
//! It prints figures; it asserts nothing, because this machine is shared and noisy.
//! The last figures are end to end: a fresh headless Chromium signs in and downloads every model
//! into IndexedDB through the real app (built by `scripts/bench-sync` first), and, in the same
//! run, PouchDB 9 in a fresh Chromium replicates the same documents from pouchdb-server's HTTP
//! layer (tests/pouchdb, installed by `scripts/bench-sync` only).

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
            // The same documents, the same browser, one after the other, twice: the machine is
            // shared, so each side is measured before and after the other.
            let documents: Vec<serde_json::Value> = reader
                .replica()
                .into_iter()
                .filter(|((entity, _), _)| entity == "model")
                .map(|((_, id), record)| {
                    let mut document = record.data;
                    document["_id"] = json!(id);
                    document
                })
                .collect();
            let pouchdb = PouchDbServer::start(&documents).await?;
            let mut ours = Vec::new();
            let mut theirs = Vec::new();
            for _ in 0..2 {
                let download = browser_first_download(server.base.clone()).await?;
                println!(
                    "{backend:?}: a fresh browser downloaded {models} models into IndexedDB in {:.2} s (sign-in click to last sync shown; {})",
                    download.seconds, download.steps
                );
                ours.push(download.seconds);
                let seconds = pouchdb.replicate(documents.len()).await?;
                println!(
                    "PouchDB 9: a fresh browser replicated the same {} documents into IndexedDB in {seconds:.2} s",
                    documents.len()
                );
                theirs.push(seconds);
            }
            let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
            println!(
                "first download: {:.2} s against PouchDB's {:.2} s, {:.3} of its time (target: 0.1 or less)",
                mean(&ours),
                mean(&theirs),
                mean(&ours) / mean(&theirs)
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

/// A first download in the browser, and where its time went.
struct Download {
    seconds: f64,
    steps: String,
}

/// Seconds from pressing "Đăng nhập" to the status bar showing a finished first sync, with the
/// moments of the requests on the way.
async fn browser_first_download(base: String) -> Result<Download> {
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
        // Timed by the page's own clock, as PouchDB's page times itself: from the click on the
        // button to the status bar saying the sync ended, the driver's round trips left out.
        client
            .execute(
                "window.dvkBench = {};
                 document.querySelector('form button[type=submit]').addEventListener('click',
                   () => { window.dvkBench.clicked = performance.now(); }, { capture: true });
                 new MutationObserver(() => {
                   const last = document.querySelector('.sync-last');
                   if (window.dvkBench.done === undefined && last
                       && last.textContent.startsWith('Đồng bộ lần cuối')) {
                     window.dvkBench.done = performance.now();
                   }
                 }).observe(document.body, { subtree: true, childList: true, characterData: true });",
                vec![],
            )
            .await?;
        let started = Instant::now();
        client
            .find(Locator::Css("form button[type=submit]"))
            .await?
            .click()
            .await?;
        let timed = loop {
            let timed = client
                .execute("return [window.dvkBench.clicked, window.dvkBench.done]", vec![])
                .await?;
            if let (Some(clicked), Some(done)) = (timed[0].as_f64(), timed[1].as_f64()) {
                break (clicked, done);
            }
            ensure!(
                started.elapsed() < Duration::from_secs(300),
                "the first download never finished"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let seconds = (timed.1 - timed.0) / 1000.0;
        // Each request the app made after the click: when it left and when its answer was in,
        // in ms after the click.
        let requests = client
            .execute(
                "const t0 = arguments[0]; return performance.getEntriesByType('resource')
                   .filter((e) => e.startTime >= t0)
                   .map((e) => [new URL(e.name).pathname, e.startTime - t0, e.responseEnd - t0]);",
                vec![json!(timed.0)],
            )
            .await?;
        let steps = requests
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| {
                let path = r[0].as_str()?.trim_start_matches('/');
                Some(format!("{path} {:.0}–{:.0}", r[1].as_f64()?, r[2].as_f64()?))
            })
            .collect::<Vec<_>>()
            .join(", ");
        let _ = tx.send(Download {
            seconds,
            steps: format!("ms after the click: {steps}"),
        });
        Ok(())
    })
    .await?;
    Ok(rx.await?)
}

/// PouchDB's side: tests/pouchdb/server.js (pouchdb-server's HTTP layer over in-memory
/// databases) holding the documents, and its page that replicates them into PouchDB 9 in the
/// browser. Installed by `scripts/bench-sync`.
struct PouchDbServer {
    base: String,
    _process: tokio::process::Child,
}

impl PouchDbServer {
    async fn start(documents: &[serde_json::Value]) -> Result<Self> {
        let port = dvk_tests::process::free_port()?;
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/pouchdb");
        let process = tokio::process::Command::new("node")
            .arg(format!("{dir}/server.js"))
            .arg(port.to_string())
            .stdout(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()?;
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let mut waited = 0;
        while http.get(format!("{base}/db/")).send().await.is_err() {
            ensure!(
                waited < 200,
                "tests/pouchdb/server.js did not start (npm ci in tests/pouchdb?)"
            );
            waited += 1;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        ensure!(
            http.put(format!("{base}/db/models"))
                .send()
                .await?
                .status()
                .is_success()
        );
        for batch in documents.chunks(1_000) {
            let answer = http
                .post(format!("{base}/db/models/_bulk_docs"))
                .json(&json!({ "docs": batch }))
                .send()
                .await?;
            ensure!(
                answer.status().is_success(),
                "PouchDB refused the documents: {}",
                answer.text().await?
            );
        }
        Ok(Self {
            base,
            _process: process,
        })
    }

    /// Seconds PouchDB took in a fresh browser to replicate the `expected` documents.
    async fn replicate(&self, expected: usize) -> Result<f64> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let page = format!("{}/bench.html?db=models&expect={expected}", self.base);
        with_browser(move |client| async move {
            client.goto(&page).await?;
            let started = Instant::now();
            loop {
                let result = client.find(Locator::Css("#result")).await?.text().await?;
                if let Some(ms) = result.strip_prefix("ok ") {
                    let ms: f64 = ms.split(' ').next().unwrap_or_default().parse()?;
                    let _ = tx.send(ms / 1000.0);
                    return Ok(());
                }
                ensure!(result.is_empty(), "PouchDB: {result}");
                ensure!(
                    started.elapsed() < Duration::from_secs(600),
                    "PouchDB never finished"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
        .await?;
        Ok(rx.await?)
    }
}
