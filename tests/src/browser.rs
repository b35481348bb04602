//! Headless Chromium through chromedriver, for the end-to-end tests.
//!
//! Killing chromedriver does not kill Chromium, so a test always ends its session: use
//! [`with_browser`], which closes the browser also when the test body panics.

use std::{future::Future, path::PathBuf, process::Stdio, time::Duration};

use anyhow::{Context, Result};
use fantoccini::{Client, ClientBuilder};
use serde_json::json;

use crate::wait_until;

/// A 10-inch tablet in portrait, in CSS pixels.
pub const TABLET: (u32, u32) = (800, 1280);

fn chromedriver() -> PathBuf {
    std::env::var_os("CHROMEDRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromedriver"))
}

fn chromium() -> String {
    std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned())
}

/// Runs `body` with a fresh browser (its own profile, so no cache or service worker is shared
/// between tests) and always closes it afterwards.
pub async fn with_browser<F, Fut>(body: F) -> Result<()>
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = Result<()>> + Send + 'static,
{
    let profile = tempfile::tempdir()?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut driver = tokio::process::Command::new(chromedriver())
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .context("cannot start chromedriver: install chromium-driver (scripts/test does)")?;
    let webdriver = format!("http://127.0.0.1:{port}");
    let status = format!("{webdriver}/status");
    wait_until("chromedriver to listen", Duration::from_secs(20), || {
        let status = status.clone();
        async move { Ok(reqwest::get(&status).await?.status().is_success()) }
    })
    .await?;

    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium(),
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-quic", "--no-first-run",
                format!("--user-data-dir={}", profile.path().display()),
                format!("--window-size={},{}", TABLET.0, TABLET.1),
            ],
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let client = ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(&webdriver)
        .await
        .context("cannot open a Chromium session through chromedriver")?;
    client.set_window_size(TABLET.0, TABLET.1).await?;

    // The body runs in its own task so that a panic in it comes back here as an error, after
    // which the browser is closed and the panic resumed.
    let outcome = tokio::spawn(body(client.clone())).await;
    let _ = client.close().await;
    let _ = driver.kill().await;
    match outcome {
        Ok(result) => result,
        Err(join) if join.is_panic() => std::panic::resume_unwind(join.into_panic()),
        Err(join) => Err(join.into()),
    }
}
