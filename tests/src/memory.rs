//! The exports measured from outside the server process: its resident memory sampled while a
//! file downloads, over generated models (the bounded-memory test, `tests/tests/exports.rs`,
//! and `scripts/bench-export`).

use std::time::{Duration, Instant};

use anyhow::{Result, ensure};
use dvk_shared::{
    date::Timestamp,
    ids::ModelId,
    model::{Field, Model, Status},
};
use serde_json::json;

/// The resident memory of process `pid` now and at its peak, in kB (`/proc/<pid>/status`).
pub fn memory_kb(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Resets the peak (`VmHWM`) of process `pid` to its memory now; false where the kernel does
/// not let this user (then only the sampled `VmRSS` counts).
pub fn reset_peak(pid: u32) -> bool {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok()
}

/// One export downloaded from the server process, and what it cost the server.
pub struct Measured {
    pub bytes: Vec<u8>,
    pub seconds: f64,
    /// The server's peak resident memory during the download, in MB.
    pub peak_mb: f64,
    /// How far that peak rose above the server's memory before the request, in MB.
    pub growth_mb: f64,
}

/// Downloads `url`, sampling the server's resident memory every few milliseconds meanwhile and
/// reading its peak after.
pub async fn measure(http: &reqwest::Client, url: &str, pid: u32) -> Result<Measured> {
    let reset = reset_peak(pid);
    let (before, _) = memory_kb(pid);
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let done = done.clone();
        tokio::spawn(async move {
            let mut highest = 0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                highest = highest.max(memory_kb(pid).0);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            highest
        })
    };
    let started = Instant::now();
    let mut response = http.get(url).send().await?;
    ensure!(response.status() == 200, "{url}: {}", response.status());
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        bytes.extend_from_slice(&chunk);
    }
    let seconds = started.elapsed().as_secs_f64();
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let sampled = sampler.await?;
    let (_, hwm) = memory_kb(pid);
    let peak = if reset { hwm.max(sampled) } else { sampled };
    Ok(Measured {
        bytes,
        seconds,
        peak_mb: peak as f64 / 1024.0,
        growth_mb: peak.saturating_sub(before) as f64 / 1024.0,
    })
}

/// Words the seeded names are drawn from, so the files do not compress to nothing.
const WORDS: [&str; 16] = [
    "dân vận",
    "khéo",
    "nông thôn mới",
    "đường giao thông",
    "hiến đất",
    "ngày công",
    "khu dân cư",
    "an ninh trật tự",
    "vệ sinh môi trường",
    "thắp sáng đường quê",
    "chung sức",
    "hộ nghèo",
    "sinh kế",
    "chuyển đổi số",
    "phụ nữ",
    "thanh niên",
];

/// Seeds `count` models in Điện Hòa whose names all hold "thử bộ nhớ" and are about 190
/// characters long: the first 10,000 of 2031, the next 30,000 of 2032 (those 40,000 of the
/// political system), the rest of 2033 (economic development).
pub async fn seed_models(url: &str, count: usize) -> Result<()> {
    let store = dvk_server::store::connect(url).await?;
    let unit = crate::unit_named(store.as_ref(), "Xã Điện Hòa").await.id;
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut word = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        WORDS[(state % WORDS.len() as u64) as usize]
    };
    for first in (0..count).step_by(10_000) {
        let models: Vec<(Model, Timestamp)> = (first..count.min(first + 10_000))
            .map(|n| {
                let mut name = format!("Mô hình thử bộ nhớ số {n:06}:");
                while name.chars().count() < 170 {
                    name.push(' ');
                    name.push_str(word());
                }
                let (year, field) = match n {
                    0..10_000 => (2031, Field::PoliticalSystem),
                    10_000..40_000 => (2032, Field::PoliticalSystem),
                    _ => (2033, Field::EconomicDevelopment),
                };
                let mut model = Model::draft(ModelId::new(), unit, name, field, year);
                model.status = Status::Approved;
                (model, Timestamp(1_700_000_000_000))
            })
            .collect();
        store
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
            .await?;
    }
    Ok(())
}

/// The export of the seeded models: 10,000, 40,000 or all of them.
pub fn models_export(base: &str, format: &str, rows: usize) -> String {
    let filter = match rows {
        10_000 => "&year=2031",
        40_000 => "&field=political_system",
        _ => "",
    };
    format!("{base}/api/exports/models.{format}?q=th%E1%BB%AD%20b%E1%BB%99%20nh%E1%BB%9B{filter}")
}

/// A client signed in as a demo account on the server at `base`.
pub async fn signed_in(base: &str, username: &str) -> Result<reqwest::Client> {
    let http = reqwest::Client::builder().cookie_store(true).build()?;
    let response = http
        .post(format!("{base}/api/auth/login"))
        .json(&json!({"username": username, "password": dvk_server::demo::DEMO_PASSWORD}))
        .send()
        .await?;
    ensure!(response.status() == 200, "cannot sign in as {username}");
    Ok(http)
}
