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
        assert_eq!(state, "activated");

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
