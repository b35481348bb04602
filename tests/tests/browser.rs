//! End to end in headless Chromium at a tablet's size: the real server serving the real app
//! built by Trunk (`scripts/test` builds it first).

// A test states what must hold with unwrap/expect; the lint is for production code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{path::PathBuf, time::Duration};

use dvk_shared::{ids::ModelId, model::Status};
use dvk_tests::{Backend, TestServer, browser::with_browser, dist_dir, wait_until};
use fantoccini::{Client, Locator};
use uuid::Uuid;

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

async fn first_with_text(client: &Client, css: &str, text: &str) -> anyhow::Result<bool> {
    first_matching(client, css, text, false).await
}

/// Whether an element matching `css` holds `text`; with `click`, clicks the first that does.
async fn first_matching(
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

/// The page's accessibility basics: the language is set, every field has a label, every button
/// and link a name, and nothing reorders the tab sequence. Returns what breaks them.
async fn accessibility_problems(client: &Client) -> anyhow::Result<Vec<String>> {
    let found = client
        .execute(
            r#"const problems = [];
               if (!document.documentElement.lang) problems.push("no page language");
               for (const el of document.querySelectorAll("input, select, textarea")) {
                 const labelled = (el.id && document.querySelector(`label[for="${el.id}"]`))
                   || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby")
                   || el.closest("label");
                 if (!labelled) problems.push(`unlabelled ${el.tagName.toLowerCase()} ${el.id || el.name}`);
               }
               for (const el of document.querySelectorAll("button, a[href]")) {
                 const name = (el.textContent || "").trim() || el.getAttribute("aria-label");
                 if (!name) problems.push(`nameless ${el.tagName.toLowerCase()} ${el.outerHTML.slice(0, 80)}`);
               }
               for (const el of document.querySelectorAll("[tabindex]")) {
                 if (el.tabIndex > 0) problems.push(`tabindex ${el.tabIndex} reorders the page`);
               }
               return problems;"#,
            vec![],
        )
        .await?;
    Ok(serde_json::from_value(found)?)
}

/// Where the suite saves its screenshots (`DVK_SCREENSHOTS`, else `target/screenshots`); the
/// current ones are copied into `docs/screenshots/` for the README.
async fn screenshot(client: &Client, name: &str) -> anyhow::Result<()> {
    screenshot_at(client, name, "body").await
}

/// A screenshot with the element matching `css` scrolled to the top.
async fn screenshot_at(client: &Client, name: &str, css: &str) -> anyhow::Result<()> {
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

fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}

fn save_bytes(file: &str, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = std::env::var_os("DVK_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots"));
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join(file), bytes)?;
    Ok(())
}

async fn save_png(client: &Client, name: &str) -> anyhow::Result<()> {
    save_bytes(&format!("{name}.png"), &client.screenshot().await?)
}

async fn sign_out(client: &Client) -> anyhow::Result<()> {
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
async fn synced(client: &Client) -> anyhow::Result<()> {
    wait_for_text(client, ".sync-last", "Đồng bộ lần cuối").await
}

/// Waits until the outbox is empty.
async fn nothing_pending(client: &Client) -> anyhow::Result<()> {
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
async fn click_text(client: &Client, css: &str, text: &str) -> anyhow::Result<()> {
    wait_until(
        &format!("something to click: {css} with {text:?}"),
        Duration::from_secs(30),
        || first_matching(client, css, text, true),
    )
    .await
}

async fn type_into(client: &Client, css: &str, text: &str) -> anyhow::Result<()> {
    let field = client.find(Locator::Css(css)).await?;
    field.clear().await?;
    field.send_keys(text).await?;
    Ok(())
}

async fn value_of(client: &Client, css: &str) -> anyhow::Result<String> {
    Ok(client
        .find(Locator::Css(css))
        .await?
        .prop("value")
        .await?
        .unwrap_or_default())
}

/// Waits until the server holds the model in `status`.
async fn server_has(server: &TestServer, id: Uuid, status: Status) -> anyhow::Result<()> {
    let id = ModelId::from_uuid(id)?;
    wait_until(
        &format!("the server to hold the model as {status:?}"),
        Duration::from_secs(90),
        || async move {
            let stored = server.store().model(id).await?;
            Ok(stored.is_some_and(|m| m.model.status == status))
        },
    )
    .await
}

/// The three journeys of the product on one tablet, handed from person to person:
/// a registrar registers a model with the server down, closes and reopens the app offline, the
/// model waits and then reaches the server by itself; the Board returns it with a comment; the
/// registrar sees the comment, fixes and resubmits; the Board approves; the leader's overview
/// shows the demo's figures with the new model counted. Screenshots of each main screen.
#[tokio::test]
async fn register_offline_review_and_overview() {
    assert!(
        dist_dir().join("index.html").is_file(),
        "the app is not built: run `trunk build --release` (scripts/test does) before this test"
    );
    let mut server = TestServer::start_demo(Backend::Sqlite).await.unwrap();
    let base = server.base.clone();
    with_browser(move |client| async move {
        // The registrar of Xã Điện Hòa.
        client.goto(&base).await?;
        screenshot(&client, "1-sign-in").await?;
        sign_in(&client, "dienhoa").await?;
        synced(&client).await?;
        service_worker_active(&client).await?;
        screenshot(&client, "2-registrar-home").await?;

        server.stop().await?;
        click_text(&client, "a.button", "Đăng ký mô hình mới").await?;
        client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css("#f-name"))
            .await?;
        type_into(&client, "#f-name", "Sân chơi an toàn cho thiếu nhi").await?;
        type_into(&client, "#f-start_date", "01/03/2025").await?;
        type_into(
            &client,
            "#f-objectives",
            "Có nơi vui chơi an toàn cho trẻ em trong thôn",
        )
        .await?;
        type_into(
            &client,
            "#f-content",
            "Đoàn viên và người dân góp công, góp đất làm sân chơi",
        )
        .await?;
        type_into(
            &client,
            "#f-participants",
            "Đoàn Thanh niên, Hội Phụ nữ, người dân thôn",
        )
        .await?;
        type_into(&client, "#f-results-people_reached", "1200").await?;
        type_into(&client, "#f-results-money_vnd", "15000000").await?;
        type_into(
            &client,
            "#f-effectiveness",
            "Trẻ em có nơi vui chơi, giảm đuối nước",
        )
        .await?;
        type_into(&client, "#f-contact-name", "Lê Thị Hoa").await?;
        // A wrong phone number is named next to the field while typing.
        type_into(&client, "#f-contact-phone", "abc").await?;
        wait_for_text(&client, "#f-contact-phone-error", "không đúng định dạng").await?;
        type_into(&client, "#f-contact-phone", "0905 111 222").await?;
        // Figures read back the Vietnamese way once the person moves on.
        client.find(Locator::Css("#f-name")).await?.click().await?;
        assert_eq!(
            value_of(&client, "#f-results-money_vnd").await?,
            "15.000.000"
        );
        wait_for_text(&client, ".save-state", "Bản nháp đã được lưu trên máy").await?;
        screenshot(&client, "3-registration-form").await?;
        client
            .find(Locator::Css("form.model-form button[type=submit]"))
            .await?
            .click()
            .await?;
        wait_for_text(&client, ".model-details .badge", "Đã đăng ký, chờ duyệt").await?;
        let url = client.current_url().await?;
        let id: Uuid = url.path().trim_start_matches("/mo-hinh/").parse()?;

        // Closed and reopened with no server: the shell from the service worker, the model
        // from the device, still waiting.
        client.goto(&format!("{base}/mo-hinh")).await?;
        wait_for_text(&client, ".model-row", "Sân chơi an toàn cho thiếu nhi").await?;
        wait_for_text(&client, ".model-row .badge.pending", "Chờ gửi").await?;
        screenshot(&client, "4-models-offline").await?;

        // The server comes back; nobody presses anything.
        server.restart().await?;
        server_has(&server, id, Status::Submitted).await?;
        nothing_pending(&client).await?;

        // The Board finds it in the queue, searching without diacritics, and returns it.
        sign_out(&client).await?;
        sign_in(&client, "bandanvan").await?;
        synced(&client).await?;
        client.goto(&format!("{base}/duyet")).await?;
        wait_for_text(&client, ".model-row", "").await?;
        type_into(&client, "#filter-q", "san choi an toan").await?;
        wait_for_text(&client, "[role=status]", "1 mô hình").await?;
        screenshot(&client, "5-review-queue").await?;
        click_text(&client, ".model-row a", "Sân chơi an toàn cho thiếu nhi").await?;
        click_text(&client, ".review-actions button", "Trả lại để bổ sung").await?;
        wait_for_text(&client, "#return-comment-error", "Hãy ghi ý kiến").await?;
        type_into(&client, "#return-comment", "Bổ sung số hộ tham gia").await?;
        click_text(&client, ".review-actions button", "Trả lại để bổ sung").await?;
        server_has(&server, id, Status::Returned).await?;
        nothing_pending(&client).await?;
        wait_for_text(&client, ".history-entry", "Gửi xét duyệt").await?;
        screenshot_at(&client, "6-model-history", ".review-actions, .history").await?;

        // The registrar sees the comment, fixes and resubmits.
        sign_out(&client).await?;
        sign_in(&client, "dienhoa").await?;
        synced(&client).await?;
        wait_for_text(&client, ".returned-list", "Bổ sung số hộ tham gia").await?;
        click_text(
            &client,
            ".returned-list a",
            "Sân chơi an toàn cho thiếu nhi",
        )
        .await?;
        wait_for_text(&client, ".board-comment", "Bổ sung số hộ tham gia").await?;
        type_into(&client, "#f-results-households", "35").await?;
        screenshot(&client, "7-returned-model").await?;
        client
            .find(Locator::Css("form.model-form button[type=submit]"))
            .await?
            .click()
            .await?;
        server_has(&server, id, Status::Submitted).await?;
        nothing_pending(&client).await?;
        let stored = server
            .store()
            .model(ModelId::from_uuid(id)?)
            .await?
            .unwrap();
        assert_eq!(stored.model.results.households, Some(35));
        assert_eq!(stored.model.results.money_vnd, Some(15_000_000));

        // The Board approves.
        sign_out(&client).await?;
        sign_in(&client, "bandanvan").await?;
        synced(&client).await?;
        client.goto(&format!("{base}/mo-hinh/{id}")).await?;
        click_text(&client, ".review-actions button", "Duyệt").await?;
        server_has(&server, id, Status::Approved).await?;
        nothing_pending(&client).await?;

        // The leader's overview: the report's figures and the new model counted.
        sign_out(&client).await?;
        sign_in(&client, "lanhdao").await?;
        synced(&client).await?;
        client.goto(&format!("{base}/tong-quan")).await?;
        wait_for_text(&client, ".total-figure", "349 = 150 + 167 + 23 + 9").await?;
        wait_for_text(&client, ".award-list li", "").await?;
        let awards = client.find_all(Locator::Css(".award-list li")).await?.len();
        assert_eq!(awards, 10, "the report's ten awards are listed");
        screenshot(&client, "8-overview").await?;
        // The print view: A4, navigation and buttons left out, the whole overview on two pages.
        let pdf = client
            .print(
                fantoccini::wd::PrintConfiguration::builder()
                    .size(fantoccini::wd::PrintSize::A4)
                    .build()
                    .map_err(|e| anyhow::anyhow!("print settings: {e:?}"))?,
            )
            .await?;
        let pages = count(&pdf, b"/Type /Page") - count(&pdf, b"/Type /Pages");
        save_bytes("overview-a4.pdf", &pdf)?;
        assert!(
            (1..=2).contains(&pages),
            "the overview prints on {pages} A4 pages"
        );
        click_text(&client, "#chart-field + .bars a", "Phát triển kinh tế").await?;
        wait_for_text(&client, "[role=status]", "mô hình").await?;
        assert!(
            client
                .current_url()
                .await?
                .as_str()
                .contains("field=economic_development")
        );
        Ok(())
    })
    .await
    .unwrap();
}
