//! Headless Chromium through chromedriver, for the end-to-end tests.
//!
//! Killing chromedriver does not kill Chromium, so a test always ends its session: use
//! [`with_browser`], which closes the browser also when the test body panics.

use std::{
    future::Future,
    path::{Path, PathBuf},
    process::Stdio,
    time::Duration,
};

use anyhow::{Context, Result};
use fantoccini::{Client, ClientBuilder, Locator};
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

// What the tests do on a page, shared by the journeys (`tests/browser.rs`) and the accessibility
// gate (`tests/accessibility.rs`).

pub async fn sign_in(client: &Client, username: &str) -> anyhow::Result<()> {
    let field = client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("#username"))
        .await?;
    field.send_keys(username).await?;
    client
        .find(Locator::Css("#password"))
        .await?
        .send_keys("demo-dvk")
        .await?;
    client
        .find(Locator::Css("form button[type=submit]"))
        .await?
        .click()
        .await?;
    client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(".sync-bar"))
        .await?;
    Ok(())
}

/// Waits until the page shows an element matching `css` whose text contains `text`.
pub async fn wait_for_text(client: &Client, css: &str, text: &str) -> anyhow::Result<()> {
    let found = wait_until(
        &format!("{css} with {text:?}"),
        Duration::from_secs(60),
        || first_with_text(client, css, text),
    )
    .await;
    if found.is_err() {
        // What the page showed instead, for whoever reads the failure.
        save_png(client, "failed").await.ok();
    }
    found
}

pub async fn first_with_text(client: &Client, css: &str, text: &str) -> anyhow::Result<bool> {
    first_matching(client, css, text, false).await
}

/// Whether an element matching `css` holds `text`; with `click`, clicks the first that does.
pub async fn first_matching(
    client: &Client,
    css: &str,
    text: &str,
    click: bool,
) -> anyhow::Result<bool> {
    for element in client.find_all(Locator::Css(css)).await? {
        if element.text().await.is_ok_and(|t| t.contains(text)) {
            if click {
                element.click().await?;
            }
            return Ok(true);
        }
    }
    Ok(false)
}
/// The WCAG 2.1 A and AA rules axe-core checks (the tags it files them under).
const WCAG_21_AA: [&str; 4] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/// axe-core as npm installed it (`package.json` pins the version; `scripts/test` runs `npm ci`).
fn axe_source() -> anyhow::Result<&'static str> {
    static SOURCE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    if let Some(source) = SOURCE.get() {
        return Ok(source);
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../node_modules/axe-core/axe.min.js");
    let source = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "{} is missing: run `npm ci` (scripts/test does)",
            path.display()
        )
    })?;
    Ok(SOURCE.get_or_init(|| source))
}

/// What axe-core finds against WCAG 2.1 A and AA on the page as it is now, one line per rule
/// broken with the elements that break it; empty when the page passes.
pub async fn accessibility_problems(client: &Client) -> anyhow::Result<Vec<String>> {
    let loaded = client
        .execute(
            &format!(
                "if (!window.axe) {{ {} }}\nreturn typeof window.axe;",
                axe_source()?
            ),
            vec![],
        )
        .await?;
    anyhow::ensure!(loaded == "object", "axe-core did not load: {loaded}");
    let found = client
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               axe.run(document, {
                 runOnly: { type: "tag", values: arguments[0] },
                 // WCAG 2.5.3 (label in name, level A); axe files it as experimental and leaves
                 // it off unless asked.
                 rules: { "label-content-name-mismatch": { enabled: true } },
                 resultTypes: ["violations"],
               })
                 .then((r) => done(r.violations.map((v) =>
                   `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 4).map((n) => n.target.join(" ")).join(", ")}`)))
                 .catch((e) => done([`axe-core failed: ${e}`]));"#,
            vec![json!(WCAG_21_AA)],
        )
        .await?;
    Ok(serde_json::from_value(found)?)
}

/// The page at a tablet's size in portrait and in landscape: what axe-core finds in either,
/// each line prefixed with `name` and the orientation. Leaves the window in portrait.
pub async fn accessibility_problems_both_ways(
    client: &Client,
    name: &str,
) -> anyhow::Result<Vec<String>> {
    let mut problems = Vec::new();
    for (orientation, (width, height)) in
        [("portrait", TABLET), ("landscape", (TABLET.1, TABLET.0))]
    {
        client.set_window_size(width, height).await?;
        // Let layout settle at the new size before the rules read it.
        tokio::time::sleep(Duration::from_millis(200)).await;
        for problem in accessibility_problems(client).await? {
            problems.push(format!("{name}, {orientation}: {problem}"));
        }
    }
    client.set_window_size(TABLET.0, TABLET.1).await?;
    Ok(problems)
}

/// Where the suite saves its screenshots (`DVK_SCREENSHOTS`, else `target/screenshots`); the
/// current ones are copied into `docs/screenshots/` for the README.
pub async fn screenshot(client: &Client, name: &str) -> anyhow::Result<()> {
    screenshot_at(client, name, "body").await
}

/// A screenshot with the element matching `css` scrolled to the top.
pub async fn screenshot_at(client: &Client, name: &str, css: &str) -> anyhow::Result<()> {
    // Every main screen is photographed, so every main screen is checked here too.
    let problems = accessibility_problems(client).await?;
    anyhow::ensure!(problems.is_empty(), "{name}: {problems:?}");
    client
        .execute(
            "document.querySelector(arguments[0]).scrollIntoView()",
            vec![serde_json::json!(css)],
        )
        .await?;
    save_png(client, name).await
}
pub fn save_bytes(file: &str, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = std::env::var_os("DVK_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots"));
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join(file), bytes)?;
    Ok(())
}

pub async fn save_png(client: &Client, name: &str) -> anyhow::Result<()> {
    save_bytes(&format!("{name}.png"), &client.screenshot().await?)
}

pub async fn sign_out(client: &Client) -> anyhow::Result<()> {
    client
        .find(Locator::Css("button.sign-out"))
        .await?
        .click()
        .await?;
    client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("#username"))
        .await?;
    Ok(())
}

/// Waits until the first sync after signing in has finished.
pub async fn synced(client: &Client) -> anyhow::Result<()> {
    wait_for_text(client, ".sync-last", "Đồng bộ lần cuối").await
}

/// Waits until the outbox is empty.
pub async fn nothing_pending(client: &Client) -> anyhow::Result<()> {
    wait_until("the outbox to empty", Duration::from_secs(90), || async {
        let pending = client
            .find(Locator::Css(".sync-pending"))
            .await?
            .attr("data-pending")
            .await?;
        Ok(pending.as_deref() == Some("0"))
    })
    .await
}

/// Clicks the first element matching `css` whose text contains `text`.
pub async fn click_text(client: &Client, css: &str, text: &str) -> anyhow::Result<()> {
    wait_until(
        &format!("something to click: {css} with {text:?}"),
        Duration::from_secs(30),
        || first_matching(client, css, text, true),
    )
    .await
}

/// Types into the field `css` once it is there: a screen loaded on demand draws its fields a
/// moment after its link is clicked (its module, then what it reads from the device).
pub async fn type_into(client: &Client, css: &str, text: &str) -> anyhow::Result<()> {
    let field = client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(css))
        .await?;
    field.clear().await?;
    field.send_keys(text).await?;
    Ok(())
}

pub async fn value_of(client: &Client, css: &str) -> anyhow::Result<String> {
    Ok(client
        .find(Locator::Css(css))
        .await?
        .prop("value")
        .await?
        .unwrap_or_default())
}
