//! End to end in headless Chromium at a tablet's size: the real server serving the real app
//! built by Trunk (`scripts/test` builds it first).

// A test states what must hold with unwrap/expect; the lint is for production code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use dvk_tests::{Backend, TestServer, browser::with_browser, dist_dir, wait_until};
use fantoccini::{Client, Locator};

const HEADING: &str = "h1.brand-name";

async fn heading(client: &Client) -> anyhow::Result<String> {
    let h1 = client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(HEADING))
        .await?;
    Ok(h1.text().await?)
}

#[tokio::test]
async fn the_app_shell_opens_from_the_service_worker_when_the_server_is_gone() {
    assert!(
        dist_dir().join("index.html").is_file(),
        "the app is not built: run `trunk build --release` (scripts/test does) before this test"
    );
    let mut server = TestServer::start(Backend::Sqlite).await.unwrap();
    let base = server.base.clone();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let (stopped_tx, stopped_rx) = tokio::sync::oneshot::channel::<()>();

    let browsing = tokio::spawn(with_browser(move |client| async move {
        client.goto(&base).await?;
        assert_eq!(heading(&client).await?, "Dân vận khéo");
        let lang = client
            .execute("return document.documentElement.lang", vec![])
            .await?;
        assert_eq!(lang, "vi");

        // The shell is only offline-ready once the worker has cached it and activated.
        service_worker_active(&client).await?;

        stop_tx.send(()).ok();
        stopped_rx.await?;
        // The server is gone: the API no longer answers from the page either.
        let api = client
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
                   fetch("/api/health").then(() => done("answered"), () => done("unreachable"));"#,
                vec![],
            )
            .await?;
        assert_eq!(api, "unreachable");

        client.refresh().await?;
        assert_eq!(heading(&client).await?, "Dân vận khéo");
        // A client route opened fresh, offline, is the same cached shell.
        client.goto(&format!("{base}/mo-hinh")).await?;
        assert_eq!(heading(&client).await?, "Dân vận khéo");
        let current = client
            .find(Locator::Css("nav a[aria-current=page]"))
            .await?
            .text()
            .await?;
        assert_eq!(current, "Mô hình");
        Ok(())
    }));

    if stop_rx.await.is_err() {
        // The browsing half ended before asking for the stop: its error says why.
        browsing.await.unwrap().unwrap();
        panic!("the browser session ended before the server was stopped");
    }
    server.stop().await.unwrap();
    wait_until(
        "the server to stop answering",
        Duration::from_secs(10),
        || {
            let url = server.url("/api/health");
            async move { Ok(reqwest::get(&url).await.is_err()) }
        },
    )
    .await
    .ok();
    stopped_tx.send(()).unwrap();
    browsing.await.unwrap().unwrap();
}

async fn sign_in(client: &Client, username: &str) -> anyhow::Result<()> {
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
async fn wait_for_text(client: &Client, css: &str, text: &str) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        for element in client.find_all(Locator::Css(css)).await? {
            if element.text().await.is_ok_and(|t| t.contains(text)) {
                return Ok(());
            }
        }
        anyhow::ensure!(
            tokio::time::Instant::now() < deadline,
            "no {css} with {text:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn service_worker_active(client: &Client) -> anyhow::Result<()> {
    let state = client
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               navigator.serviceWorker.ready.then((reg) => {
                 const w = reg.active;
                 if (w.state === "activated") return done(w.state);
                 w.addEventListener("statechange", () => { if (w.state === "activated") done(w.state); });
               });"#,
            vec![],
        )
        .await?;
    anyhow::ensure!(state == "activated", "service worker: {state}");
    Ok(())
}

#[tokio::test]
async fn a_model_saved_offline_survives_a_reload_and_reaches_the_server_by_itself() {
    assert!(
        dist_dir().join("index.html").is_file(),
        "the app is not built: run `trunk build --release` (scripts/test does) before this test"
    );
    let mut server = TestServer::start_demo(Backend::Sqlite).await.unwrap();
    let base = server.base.clone();
    let name = "Mô hình lưu khi mất mạng";
    let (down_tx, down_rx) = tokio::sync::oneshot::channel::<()>();
    let (stopped_tx, stopped_rx) = tokio::sync::oneshot::channel::<()>();
    let (up_tx, up_rx) = tokio::sync::oneshot::channel::<()>();
    let (restarted_tx, restarted_rx) = tokio::sync::oneshot::channel::<()>();

    let browsing = tokio::spawn(with_browser(move |client| async move {
        client.goto(&base).await?;
        sign_in(&client, "dienhoa").await?;
        client.goto(&format!("{base}/mo-hinh")).await?;
        // The first download fills the replica: the commune's demo models are listed.
        wait_for_text(&client, ".model-row .model-name", "").await?;
        service_worker_active(&client).await?;

        down_tx.send(()).ok();
        stopped_rx.await?;
        client
            .find(Locator::Css("#model-name"))
            .await?
            .send_keys(name)
            .await?;
        client
            .find(Locator::Css("form.new-model button[type=submit]"))
            .await?
            .click()
            .await?;
        wait_for_text(&client, ".model-row", name).await?;
        wait_for_text(&client, ".model-row .badge.pending", "").await?;

        // Closed and reopened with no server: the shell comes from the service worker, the
        // model from the outbox in IndexedDB.
        client.refresh().await?;
        wait_for_text(&client, ".model-row", name).await?;
        let pending = client
            .find(Locator::Css(".sync-pending"))
            .await?
            .attr("data-pending")
            .await?;
        assert_eq!(pending.as_deref(), Some("1"));

        up_tx.send(()).ok();
        restarted_rx.await?;
        // Nobody presses anything: the app retries by itself and the outbox empties.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
        loop {
            let pending = client
                .find(Locator::Css(".sync-pending"))
                .await?
                .attr("data-pending")
                .await?;
            if pending.as_deref() == Some("0") {
                break;
            }
            anyhow::ensure!(
                tokio::time::Instant::now() < deadline,
                "the outbox never emptied"
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        Ok(())
    }));

    if down_rx.await.is_err() {
        browsing.await.unwrap().unwrap();
        panic!("the browser session ended before the server was stopped");
    }
    server.stop().await.unwrap();
    stopped_tx.send(()).unwrap();
    if up_rx.await.is_err() {
        browsing.await.unwrap().unwrap();
        panic!("the browser session ended before the server came back");
    }
    server.restart().await.unwrap();
    restarted_tx.send(()).unwrap();
    browsing.await.unwrap().unwrap();

    let filter = dvk_server::store::ModelFilter {
        folded_query: Some(dvk_shared::text::fold(name)),
        limit: 10,
        ..Default::default()
    };
    let (found, total) = server.store().list_models(&filter).await.unwrap();
    assert_eq!(total, 1, "the model reached the server exactly once");
    assert_eq!(found[0].name, name);
    assert_eq!(found[0].unit_name, "Xã Điện Hòa");
}
