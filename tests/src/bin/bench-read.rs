//! Read benchmark at a country's scale (issue 15): one release `dvk` over the national data set
//! (`dvk_tests::national`: 34 provinces, 3,332 communes and wards, 1,000,000 models) on
//! PostgreSQL, signed in as the leader at the top who sees all of it. Times what leadership
//! opens: the overview (`/api/stats`) of the country, of a year and of a province; the models
//! list's first page and the next one, whole, filtered by province, by status; search with and
//! without diacritics, for a phrase thousands of models hold and for one a few hold, the most
//! recently changed first (the order of a search) and in the order of names; a year's report
//! figures and the supervision list, of a province and of the country.
//!
//! Prints p50, p95 and the slowest of `DVK_READ_TIMES` (default 20) requests each, after one to
//! warm up. It asserts nothing: this machine is shared and noisy. Run it with
//! `scripts/bench-read` (`DVK_NATIONAL_MODELS`, `DVK_NATIONAL_COMMUNES` per province to change
//! the size; the data set is kept between runs).

use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use dvk_tests::{national, process::ServerProcess};
use serde_json::{Value, json};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Times `times` GETs of `path` (after one to warm up) and prints them; answers the last body.
async fn measure(
    http: &reqwest::Client,
    base: &str,
    label: &str,
    path: &str,
    times: usize,
) -> Result<Value> {
    let get = || async {
        let response = http.get(format!("{base}{path}")).send().await?;
        let status = response.status();
        let body: Value = response.json().await?;
        ensure!(status == 200, "{path}: {status} {body}");
        Ok(body)
    };
    let mut body = get().await?;
    let mut samples = Vec::with_capacity(times);
    for _ in 0..times {
        let started = Instant::now();
        body = get().await?;
        samples.push(started.elapsed());
    }
    samples.sort();
    let at = |p: f64| ms(samples[((samples.len() - 1) as f64 * p).round() as usize]);
    let size = match (&body["total"], &body["items"]) {
        (Value::Number(total), Value::Array(items)) => format!("{} of {total}", items.len()),
        _ => String::new(),
    };
    println!(
        "  {label:<44} p50 {:>7.1} ms  p95 {:>7.1} ms  max {:>7.1} ms  {size}",
        at(0.5),
        at(0.95),
        at(1.0),
    );
    Ok(body)
}

/// The phrases searched for, as labelled and as sent (percent-encoded); the first is common.
const SEARCHES: [(&str, &str); 6] = [
    (
        "\"nông thôn mới\" (about 1 in 24)",
        "n%C3%B4ng%20th%C3%B4n%20m%E1%BB%9Bi",
    ),
    ("\"nong thon moi\" (no diacritics)", "nong%20thon%20moi"),
    ("\"hũ gạo\" (about 1 in 24)", "h%C5%A9%20g%E1%BA%A1o"),
    (
        "\"thôn Lộc 17 \" (a few hundred)",
        "th%C3%B4n%20L%E1%BB%99c%2017%20",
    ),
    (
        "\"ngo xom o thon loc 17 \" (a few)",
        "ngo%20xom%20o%20thon%20loc%2017%20",
    ),
    ("\"không có\" (nothing matches)", "zzkh%C3%B4ng%20c%C3%B3"),
];

#[tokio::main]
async fn main() -> Result<()> {
    let size = national::Size {
        communes_per_province: env_or("DVK_NATIONAL_COMMUNES", 98),
        models: env_or("DVK_NATIONAL_MODELS", 1_000_000),
    };
    let times = env_or("DVK_READ_TIMES", 20).max(1);
    let url = national::database(&dvk_tests::test_database_url(), size).await?;
    let binary = dvk_tests::process::release_dvk_binary()?;
    let started = Instant::now();
    let server = ServerProcess::start(binary, &url, false).await?;
    println!(
        "PostgreSQL, {} models in {} communes and wards; the server started in {:.1} s",
        size.models,
        size.communes(),
        started.elapsed().as_secs_f64()
    );
    let base = server.base();
    let http = reqwest::Client::builder().cookie_store(true).build()?;
    let response = http
        .post(format!("{base}/api/auth/login"))
        .json(&json!({"username": national::LEADER, "password": national::PASSWORD}))
        .send()
        .await?;
    ensure!(
        response.status() == 200,
        "cannot sign in as {}",
        national::LEADER
    );
    let units: Value = http
        .get(format!("{base}/api/units"))
        .send()
        .await?
        .json()
        .await?;
    // The tree's roots, each with the units below it: the first province under the top.
    let province = units[0]["children"][0]["id"]
        .as_str()
        .context("no province in the unit tree")?
        .to_owned();

    println!("the overview");
    measure(&http, &base, "whole country", "/api/stats", times).await?;
    measure(
        &http,
        &base,
        "one year (2025)",
        "/api/stats?year=2025",
        times,
    )
    .await?;
    measure(
        &http,
        &base,
        "one province",
        &format!("/api/stats?unit={province}"),
        times,
    )
    .await?;

    println!("the models list, a page of 50");
    let first = measure(&http, &base, "whole country", "/api/models", times).await?;
    if let Some(next) = first["next"].as_str() {
        measure(
            &http,
            &base,
            "whole country, next page",
            &format!("/api/models?after={next}"),
            times,
        )
        .await?;
    }
    measure(
        &http,
        &base,
        "one province",
        &format!("/api/models?unit={province}"),
        times,
    )
    .await?;
    measure(
        &http,
        &base,
        "typical models",
        "/api/models?status=typical",
        times,
    )
    .await?;
    measure(
        &http,
        &base,
        "one province, 2025, culture",
        &format!("/api/models?unit={province}&year=2025&field=culture_society"),
        times,
    )
    .await?;

    println!("search, the most recently changed first");
    let [common, ..] = SEARCHES;
    let first = measure(
        &http,
        &base,
        common.0,
        &format!("/api/models?q={}", common.1),
        times,
    )
    .await?;
    if let Some(next) = first["next"].as_str() {
        let path = format!("/api/models?q={}&after={next}", common.1);
        measure(&http, &base, "\"nông thôn mới\", next page", &path, times).await?;
    }
    let path = format!("/api/models?q={}&unit={province}", common.1);
    measure(
        &http,
        &base,
        "\"nông thôn mới\", one province",
        &path,
        times,
    )
    .await?;
    for (label, q) in &SEARCHES[1..] {
        measure(&http, &base, label, &format!("/api/models?q={q}"), times).await?;
    }
    // What the order of names costs a search: every match of a common phrase is read to know
    // the first fifty (`sort=name`).
    println!("search in the order of names");
    for (label, q) in [common, SEARCHES[3]] {
        measure(
            &http,
            &base,
            label,
            &format!("/api/models?q={q}&sort=name"),
            times,
        )
        .await?;
    }
    // Reports and supervision read whole tables of the scope (ARCHITECTURE.md): timed here so
    // their cost at this scale is known, a few times each.
    let few = times.min(3);
    println!("a year's report figures and the supervision list");
    measure(
        &http,
        &base,
        "report figures, 2025, one province",
        &format!("/api/reports/figures?from=2025-01-01&to=2025-12-31&unit={province}"),
        few,
    )
    .await?;
    measure(
        &http,
        &base,
        "report figures, 2025, whole country",
        "/api/reports/figures?from=2025-01-01&to=2025-12-31",
        few,
    )
    .await?;
    measure(
        &http,
        &base,
        "supervision, one province",
        &format!("/api/supervision?unit={province}"),
        few,
    )
    .await?;
    measure(
        &http,
        &base,
        "supervision, whole country",
        "/api/supervision",
        few,
    )
    .await?;
    drop(server);
    Ok(())
}
