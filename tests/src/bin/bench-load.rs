//! Load benchmark (issue 11): N simulated tablets (default 500) against one release `dvk`
//! process, on SQLite and on PostgreSQL, each a device of the app's own engine syncing 1–3
//! changes of its commune's models at a time.
//!
//! - A realistic day: every tablet syncs about every 30 s (with jitter) for `DVK_LOAD_SECONDS`
//!   (default 150).
//! - A stress run: tablets sync back to back, at 8, 16, 32, 64 and 128 at once, for 15 s each.
//!
//! Prints latency per request (p50, p95, p99), errors, requests per second and the server's
//! memory (RSS now and its peak). It asserts nothing: this machine is shared and noisy.
//! Run it with `scripts/bench-load` (`DVK_LOAD_TABLETS`, `DVK_LOAD_SECONDS` to change it).

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use anyhow::{Context, Result};
use dvk_shared::{
    ids::RecordId,
    sync::{
        Kind, Mutation, SyncRequest, SyncResponse,
        client::{LocalStore, MemoryStore, Transport, TransportError, sync_until_settled},
    },
    user::Role,
};
use dvk_tests::{
    Backend, TestDatabase,
    device::{post_sync, read_answer},
    process::ServerProcess,
};
use serde_json::json;
use uuid::Uuid;

/// Every request's latency and whether it failed, shared by all tablets.
#[derive(Default)]
struct Samples {
    latencies: Vec<Duration>,
    errors: Vec<String>,
}

struct TimedTransport {
    http: reqwest::Client,
    url: String,
    samples: Arc<Mutex<Samples>>,
}

impl Transport for TimedTransport {
    async fn sync(&self, request: &SyncRequest) -> Result<SyncResponse, TransportError> {
        let started = Instant::now();
        let answer = match post_sync(&self.http, &self.url, request).await {
            Ok((200, body)) => read_answer(200, &body).map_err(|e| e.to_string()),
            Ok((status, body)) => Err(format!("{status}: {}", String::from_utf8_lossy(&body))),
            Err(e) => Err(e.to_string()),
        };
        let elapsed = started.elapsed();
        let mut samples = self.samples.lock().unwrap_or_else(|e| e.into_inner());
        samples.latencies.push(elapsed);
        answer.map_err(|e| {
            samples.errors.push(e.clone());
            TransportError::Unreachable(e)
        })
    }
}

/// One simulated tablet: a device of one commune's registrar.
struct Tablet {
    store: MemoryStore,
    transport: TimedTransport,
    unit: String,
    step: u64,
}

impl Tablet {
    /// Saves 1–3 changes of its commune's models (edits, now and then a new one) and syncs.
    async fn work(&mut self) -> Result<()> {
        self.step += 1;
        let models: Vec<(Uuid, i64)> = self
            .store
            .records(dvk_shared::sync::Entity::Model)
            .await?
            .into_iter()
            .filter(|r| r.data["unit_id"] == json!(self.unit) && r.data["status"] == "draft")
            .map(|r| (r.id, r.version))
            .collect();
        let changes = 1 + (self.step % 3) as usize;
        for i in 0..changes {
            let mutation = match models.get((self.step as usize + i) % models.len().max(1)) {
                Some((id, version)) if i > 0 || !self.step.is_multiple_of(5) => Mutation {
                    kind: Kind::ModelUpdate,
                    id: RecordId::from_uuid(*id)?,
                    base_version: Some(*version),
                    fields: json!({"effectiveness": format!("Cập nhật lần {} — {i}", self.step)})
                        .as_object()
                        .cloned()
                        .unwrap_or_default(),
                },
                _ => Mutation {
                    kind: Kind::ModelCreate,
                    id: RecordId::from_uuid(Uuid::now_v7())?,
                    base_version: None,
                    fields: json!({"unit_id": self.unit, "name": format!("Mô hình thử tải {}", self.step),
                                   "field": "economic_development", "year": 2026,
                                   "objectives": "Đo tải của máy chủ"})
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
                },
            };
            self.store.enqueue(mutation).await?;
        }
        sync_until_settled(&self.store, &self.transport, || 0, |_| {}).await?;
        Ok(())
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at].as_secs_f64() * 1000.0
}

/// The server's memory now and at its peak, in MB (from /proc).
fn memory(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn report(label: &str, samples: &Samples, elapsed: Duration, pid: u32) -> (f64, f64) {
    let mut sorted = samples.latencies.clone();
    sorted.sort();
    let (rss, peak) = memory(pid);
    let rate = sorted.len() as f64 / elapsed.as_secs_f64();
    let p99 = percentile(&sorted, 0.99);
    println!(
        "  {label:<28} {:>6} requests {:>7.1}/s  p50 {:>6.1} ms  p95 {:>6.1} ms  p99 {:>6.1} ms  errors {:>3}  RSS {:>5.1} MB (peak {:>5.1})",
        sorted.len(),
        rate,
        percentile(&sorted, 0.50),
        percentile(&sorted, 0.95),
        p99,
        samples.errors.len(),
        rss,
        peak
    );
    if let Some(first) = samples.errors.first() {
        println!("    first error: {first}");
    }
    (rate, p99)
}

/// A client signed in as `username` (every benchmark account's password is the demo's), its
/// connections kept for tablets that sync back to back, or not kept between a national day's
/// syncs minutes apart (thousands of idle ones would run out of file descriptors).
async fn signed_in(base: &str, username: &str, keep_connections: bool) -> Result<reqwest::Client> {
    let builder = reqwest::Client::builder().cookie_store(true);
    let http = if keep_connections {
        builder.pool_max_idle_per_host(256)
    } else {
        builder.pool_idle_timeout(Duration::from_secs(2))
    }
    .build()?;
    let response = http
        .post(format!("{base}/api/auth/login"))
        .json(&json!({"username": username, "password": "demo-dvk"}))
        .send()
        .await?;
    anyhow::ensure!(response.status() == 200, "cannot sign in as {username}");
    Ok(http)
}

#[tokio::main]
async fn main() -> Result<()> {
    if std::env::var("DVK_LOAD_NATIONAL").is_ok_and(|v| v == "1") {
        return national_day().await;
    }
    let tablets: usize = std::env::var("DVK_LOAD_TABLETS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(500);
    let seconds: u64 = std::env::var("DVK_LOAD_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(150);
    let binary = dvk_tests::process::release_dvk_binary()?;
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let database = TestDatabase::new(backend).await?;
        let url = database.url();
        let server = ServerProcess::start(binary.clone(), &url, true).await?;
        let base = server.base();
        let pid = server.pid().context("the server is not running")?;
        // One registrar per commune and ward; the tablets of a commune share its account.
        let store = dvk_server::store::connect(&url).await?;
        let communes: Vec<dvk_shared::unit::Unit> = store
            .units()
            .await?
            .into_iter()
            .filter(|u| {
                matches!(
                    u.kind,
                    dvk_shared::unit::UnitKind::Commune | dvk_shared::unit::UnitKind::Ward
                )
            })
            .collect();
        let mut accounts = Vec::new();
        for (i, unit) in communes.iter().enumerate() {
            let username = format!("taibench{i}");
            dvk_server::admin::create_user(
                store.as_ref(),
                &username,
                None,
                Role::Registrar,
                &unit.id.to_string(),
                "demo-dvk",
            )
            .await?;
            accounts.push((
                signed_in(&base, &username, true).await?,
                unit.id.to_string(),
            ));
        }
        drop(store);
        println!(
            "{backend:?}: {tablets} tablets of {} communes, one release server",
            accounts.len()
        );

        // Every tablet downloads what its commune sees, once.
        let samples = Arc::new(Mutex::new(Samples::default()));
        let mut all = Vec::with_capacity(tablets);
        for i in 0..tablets {
            let (http, unit) = accounts[i % accounts.len()].clone();
            all.push(Tablet {
                store: MemoryStore::new(Uuid::now_v7()),
                transport: TimedTransport {
                    http,
                    url: format!("{base}/api/sync"),
                    samples: samples.clone(),
                },
                unit,
                step: i as u64,
            });
        }
        let started = Instant::now();
        let mut handles = Vec::new();
        for tablet in all {
            handles.push(tokio::spawn(async move {
                // A failed download shows in the errors; the tablet goes on.
                let _ = sync_until_settled(&tablet.store, &tablet.transport, || 0, |_| {}).await;
                tablet
            }));
        }
        let mut all = Vec::new();
        for handle in handles {
            all.push(handle.await?);
        }
        report(
            "first downloads",
            &samples.lock().unwrap_or_else(|e| e.into_inner()),
            started.elapsed(),
            pid,
        );

        // A realistic day: each tablet every 30 s or so.
        let day = Arc::new(Mutex::new(Samples::default()));
        let started = Instant::now();
        let deadline = started + Duration::from_secs(seconds);
        let mut handles = Vec::new();
        for (i, mut tablet) in all.into_iter().enumerate() {
            tablet.transport.samples = day.clone();
            handles.push(tokio::spawn(async move {
                // Spread over the first 30 s, then every 25–35 s.
                let mut next = Duration::from_millis((i as u64 * 30_000) / tablets as u64);
                loop {
                    tokio::time::sleep_until((started + next).into()).await;
                    if Instant::now() >= deadline {
                        break;
                    }
                    let _ = tablet.work().await;
                    next += Duration::from_millis(25_000 + (tablet.step * 7919) % 10_000);
                }
                tablet
            }));
        }
        let mut all = Vec::new();
        for handle in handles {
            all.push(handle.await?);
        }
        report(
            "a day (each every ~30 s)",
            &day.lock().unwrap_or_else(|e| e.into_inner()),
            started.elapsed(),
            pid,
        );

        // Stress: tablets back to back, more and more at once.
        let mut best = None;
        for concurrent in [8usize, 16, 32, 64, 128] {
            let stress = Arc::new(Mutex::new(Samples::default()));
            let started = Instant::now();
            let deadline = started + Duration::from_secs(15);
            let mut handles = Vec::new();
            for mut tablet in all.drain(..concurrent.min(tablets)) {
                tablet.transport.samples = stress.clone();
                handles.push(tokio::spawn(async move {
                    while Instant::now() < deadline {
                        let _ = tablet.work().await;
                    }
                    tablet
                }));
            }
            for handle in handles {
                all.push(handle.await?);
            }
            let (rate, p99) = report(
                &format!("stress, {concurrent} at once"),
                &stress.lock().unwrap_or_else(|e| e.into_inner()),
                started.elapsed(),
                pid,
            );
            if p99 <= 100.0 && best.is_none_or(|(r, _)| rate > r) {
                best = Some((rate, concurrent));
            }
        }
        match best {
            Some((rate, concurrent)) => println!(
                "  {backend:?}: {rate:.0} requests/s with p99 ≤ 100 ms ({concurrent} tablets at once)"
            ),
            None => println!("  {backend:?}: no stress level kept p99 ≤ 100 ms"),
        }
        drop(server);
    }
    Ok(())
}

/// A national day: `DVK_LOAD_TABLETS` (default 10,000) tablets over the national data set, two
/// server processes on one PostgreSQL, each tablet syncing every 5 minutes (± a minute) for
/// `DVK_LOAD_SECONDS` (default 420: every tablet syncs at least once after the first ones).
async fn national_day() -> Result<()> {
    use dvk_tests::national;
    let env = |name: &str, default: usize| {
        std::env::var(name)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(default)
    };
    let tablets = env("DVK_LOAD_TABLETS", 10_000);
    let seconds = env("DVK_LOAD_SECONDS", 420) as u64;
    let size = national::Size {
        communes_per_province: env("DVK_NATIONAL_COMMUNES", 98),
        models: env("DVK_NATIONAL_MODELS", 1_000_000),
    };
    let url = national::database(&dvk_tests::test_database_url(), size).await?;
    let binary = dvk_tests::process::release_dvk_binary()?;
    let servers = [
        ServerProcess::start(binary.clone(), &url, false).await?,
        ServerProcess::start(binary, &url, false).await?,
    ];
    let bases: Vec<String> = servers.iter().map(ServerProcess::base).collect();
    let store = dvk_server::store::connect(&url).await?;
    let communes = national::communes(store.as_ref()).await?;
    let head = store.begin_push().await?.counter().await?;
    drop(store);

    // One account per commune, its three tablets sharing its session; a tablet talks to one
    // of the two servers, as a load balancer would send it.
    let started = Instant::now();
    let mut accounts = Vec::new();
    for (i, commune) in communes.iter().enumerate().take(tablets.div_ceil(3)) {
        let http = signed_in(&bases[i % 2], &national::registrar(i), false).await?;
        accounts.push((http, commune.id.to_string()));
    }
    println!(
        "PostgreSQL, two server processes: {tablets} tablets of {} communes over {} models; signed in in {:.0} s",
        accounts.len(),
        size.models,
        started.elapsed().as_secs_f64()
    );

    // Each tablet holds its commune's data up to now: it learns its scope and the epoch from
    // one small pull, and starts from the newest version.
    let samples = Arc::new(Mutex::new(Samples::default()));
    let mut all = Vec::with_capacity(tablets);
    for i in 0..tablets {
        let (http, unit) = accounts[(i / 3) % accounts.len()].clone();
        let device = Uuid::now_v7();
        let url = format!("{}/api/sync", bases[i % 2]);
        let request = SyncRequest {
            device_id: device,
            epoch: None,
            schema: dvk_shared::sync::SCHEMA,
            push: Vec::new(),
            cursor: None,
            limit: Some(1),
        };
        let (status, body) = post_sync(&http, &url, &request)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let answer = read_answer(status, &body).map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let scope = answer.cursor.split_once('.').map_or("", |(_, s)| s);
        let store = MemoryStore::new(device);
        store.set_mark(dvk_shared::sync::client::SyncMark {
            cursor: Some(format!("{}.{scope}", head.version)),
            epoch: Some(answer.epoch),
            last_success: None,
        });
        all.push(Tablet {
            store,
            transport: TimedTransport {
                http,
                url,
                samples: samples.clone(),
            },
            unit,
            step: i as u64,
        });
    }
    println!(
        "  every tablet in service after {:.0} s",
        started.elapsed().as_secs_f64()
    );
    let mut handles = Vec::new();

    // The day: every tablet every 4–6 minutes, the first ones spread over the first 5.
    let day = Arc::new(Mutex::new(Samples::default()));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    for (i, mut tablet) in all.into_iter().enumerate() {
        tablet.transport.samples = day.clone();
        handles.push(tokio::spawn(async move {
            let mut next = Duration::from_millis((i as u64 * 300_000) / tablets as u64);
            while started + next < deadline {
                tokio::time::sleep_until((started + next).into()).await;
                let _ = tablet.work().await;
                next += Duration::from_millis(240_000 + (tablet.step * 7919) % 120_000);
            }
        }));
    }
    for handle in handles {
        handle.await?;
    }
    let elapsed = started.elapsed();
    let day = day.lock().unwrap_or_else(|e| e.into_inner());
    report(
        "a day (each every ~5 min)",
        &day,
        elapsed,
        servers[0].pid().context("a server stopped")?,
    );
    for (n, server) in servers.iter().enumerate().skip(1) {
        let (rss, peak) = memory(server.pid().context("a server stopped")?);
        println!("  server {}: RSS {rss:.1} MB (peak {peak:.1})", n + 1);
    }
    Ok(())
}
