//! End to end in headless Chromium at a tablet's size: the real server serving the real app
//! built by Trunk (`scripts/test` builds it first).

// A test states what must hold with unwrap/expect; the lint is for production code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use dvk_shared::{ids::ModelId, model::Status};
use dvk_tests::{
    Backend, TestServer,
    browser::{
        click_text, first_with_text, nothing_pending, save_bytes, screenshot, screenshot_at,
        sign_in, sign_out, synced, type_into, value_of, wait_for_text, with_browser,
    },
    device::Device,
    dist_dir, wait_until,
};
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

/// The page as Chromium prints it on A4, as PDF bytes.
async fn print_a4(client: &Client) -> anyhow::Result<Vec<u8>> {
    let settings = fantoccini::wd::PrintConfiguration::builder()
        .size(fantoccini::wd::PrintSize::A4)
        .build()
        .map_err(|e| anyhow::anyhow!("print settings: {e:?}"))?;
    Ok(client.print(settings).await?)
}

fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
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
        let pdf = print_a4(&client).await?;
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

/// Makes a photo in the page (random pixels, `width` × `height`, which JPEG cannot shrink much:
/// several upload chunks once resized) and hands it to the survey's photo input as if picked
/// from the tablet's files. `kind` "text" hands over a text file instead.
async fn pick_photo(client: &Client, width: u32, height: u32, kind: &str) -> anyhow::Result<()> {
    let outcome = client
        .execute_async(
            r#"const [width, height, kind, done] = arguments;
               (async () => {
                 let file;
                 if (kind === "text") {
                   file = new File(["not a photo"], "ghi-chu.txt", { type: "text/plain" });
                 } else {
                   const canvas = new OffscreenCanvas(width, height);
                   const ctx = canvas.getContext("2d");
                   const image = ctx.createImageData(width, height);
                   for (let i = 0; i < image.data.length; i += 65536) {
                     crypto.getRandomValues(image.data.subarray(i, Math.min(i + 65536, image.data.length)));
                   }
                   ctx.putImageData(image, 0, 0);
                   const blob = await canvas.convertToBlob({ type: "image/jpeg", quality: 0.95 });
                   file = new File([blob], "anh-mo-hinh.jpg", { type: "image/jpeg" });
                 }
                 const input = document.getElementById("photo-input");
                 const files = new DataTransfer();
                 files.items.add(file);
                 input.files = files.files;
                 input.dispatchEvent(new Event("change", { bubbles: true }));
                 done("picked");
               })().catch((e) => done(String(e)));"#,
            vec![width.into(), height.into(), kind.into()],
        )
        .await?;
    anyhow::ensure!(outcome == "picked", "picking a photo: {outcome}");
    Ok(())
}

/// Chooses a score for every criterion of the visit form.
async fn score_all(client: &Client, scores: &[(&str, u8)]) -> anyhow::Result<()> {
    for (key, score) in scores {
        client
            .find(Locator::Css(&format!("#score-{key}")))
            .await?
            .select_by_value(&score.to_string())
            .await?;
    }
    Ok(())
}

/// The SHA-256 of every photo kept on the tablet, computed in the page from the stored blobs.
async fn kept_photo_hashes(client: &Client) -> anyhow::Result<Vec<String>> {
    let hashes = client
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               const open = indexedDB.open("dvk-photos");
               open.onsuccess = () => {
                 const all = open.result.transaction("photos").objectStore("photos").getAll();
                 all.onsuccess = async () => {
                   const out = [];
                   for (const p of all.result) {
                     const digest = await crypto.subtle.digest("SHA-256", await p.blob.arrayBuffer());
                     out.push(Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join(""));
                   }
                   open.result.close();
                   done(out.sort());
                 };
               };
               open.onerror = () => done([]);"#,
            vec![],
        )
        .await?;
    Ok(serde_json::from_value(hashes)?)
}

/// The field staff's journey: the Board plans a campaign with two models for the surveyor; the
/// surveyor's tablet downloads the assignments; the server stops; the surveyor fills in both
/// surveys with a photo each (a text file offered as a photo is named and refused) and submits
/// them; the app is reloaded offline and still holds everything, photos waiting; the server
/// comes back and both surveys and both photos arrive by themselves — the photos byte for byte
/// (SHA-256 of what the tablet kept = of what the server serves = their names), and an upload
/// cut in the middle resumes where it stopped rather than starting again. The Board's progress
/// then counts both models surveyed.
#[tokio::test]
async fn survey_offline_with_photos_then_everything_arrives() {
    use sha2::Digest;
    assert!(
        dist_dir().join("index.html").is_file(),
        "the app is not built: run `trunk build --release` (scripts/test does) before this test"
    );
    let mut server = TestServer::start_demo(Backend::Sqlite).await.unwrap();
    let base = server.base.clone();

    // The Board's plan, made through sync as the Board's own tablet would.
    let mut board = dvk_tests::device::Device::of_demo(&server, "bandanvan")
        .await
        .unwrap();
    let (surveyor, _) = server
        .store()
        .user_with_hash("khaosat")
        .await
        .unwrap()
        .unwrap();
    // Running models outside the demo's own campaign, so this journey's are its own.
    let planned: Vec<String> = board
        .replica()
        .iter()
        .filter(|((entity, _), _)| entity == "campaign")
        .flat_map(|(_, held)| {
            held.data["assignments"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
        })
        .collect();
    let held = board.replica();
    let mut running = held
        .iter()
        .filter(|((entity, id), held)| {
            entity == "model"
                && held.data["status"] == "in_progress"
                && !planned.contains(&id.to_string())
        })
        .map(|((_, id), held)| (*id, held.data["name"].as_str().unwrap().to_owned()));
    let models = [running.next().unwrap(), running.next().unwrap()];
    let checked = server.client();
    checked.login_demo("bandanvan").await.unwrap();
    with_browser(move |client| async move {
        // The Board plans the campaign in its editor: the default criteria, two models for the
        // field officer, a deadline; a campaign without a name is not saved.
        client.goto(&base).await?;
        sign_in(&client, "bandanvan").await?;
        synced(&client).await?;
        client.goto(&format!("{base}/khao-sat")).await?;
        click_text(&client, "a.button", "Tạo đợt khảo sát").await?;
        wait_for_text(&client, "option", "Cán bộ khảo sát").await?;
        type_into(&client, "#c-deadline", "30/06/2027").await?;
        for (id, _) in &models {
            client
                .find(Locator::Css(&format!("#assign-{id}")))
                .await?
                .select_by_value(&surveyor.id.to_string())
                .await?;
        }
        click_text(&client, "button", "Lưu đợt khảo sát").await?;
        wait_for_text(&client, ".field-error", "Vui lòng điền mục này").await?;
        type_into(&client, "#c-name", "Khảo sát mô hình Dân vận khéo năm 2026").await?;
        screenshot(&client, "9-campaign-editor").await?;
        click_text(&client, "button", "Lưu đợt khảo sát").await?;
        wait_for_text(&client, ".campaign h3", "Khảo sát mô hình Dân vận khéo năm 2026").await?;
        nothing_pending(&client).await?;
        board.sync().await?;
        let campaign: Uuid = board
            .replica()
            .iter()
            .find(|((entity, _), held)| {
                entity == "campaign" && held.data["name"] == "Khảo sát mô hình Dân vận khéo năm 2026"
            })
            .map(|((_, id), _)| *id)
            .expect("the campaign reached the server");
        sign_out(&client).await?;

        sign_in(&client, "khaosat").await?;
        synced(&client).await?;
        // The home counts the visits assigned to them that wait.
        wait_for_text(&client, "#waiting-title + ul li", "mô hình được giao còn phải khảo sát").await?;
        let figure = client
            .find(Locator::Css("#waiting-title + ul li a[href='/khao-sat'] .big-figure"))
            .await?
            .text()
            .await?;
        // The demo's campaign assigned them visits already; the new campaign adds these.
        assert!(figure.parse::<usize>()? >= models.len(), "{figure}");
        service_worker_active(&client).await?;
        client.goto(&format!("{base}/khao-sat")).await?;
        for (_, name) in &models {
            wait_for_text(&client, ".visit-list li", name).await?;
        }
        wait_for_text(&client, ".visit-list .visit", "Chưa khảo sát").await?;
        screenshot(&client, "10-surveyor-assignments").await?;

        server.stop().await?;
        let scores = [
            ("task_fit", 9),
            ("participation", 8),
            ("results", 7),
            ("sustainability", 8),
            ("replication", 6),
        ];
        for (i, (_, name)) in models.iter().enumerate() {
            click_text(&client, ".visit-list a", name).await?;
            wait_for_text(&client, ".visit-head h2", name).await?;
            score_all(&client, &scores).await?;
            // 20·9 + 25·8 + 25·7 + 15·8 + 15·6 = 765 of 1000: 76,5, "Tốt", as the server computes.
            wait_for_text(&client, ".score-card .total", "76,5").await?;
            wait_for_text(&client, ".score-card .total", "Tốt").await?;
            client
                .find(Locator::Css("#difficulty-2"))
                .await?
                .click()
                .await?;
            type_into(
                &client,
                "#notes",
                "Người dân góp đất làm đường, còn vướng bồi thường",
            )
            .await?;
            type_into(&client, "#recommendations", "Hỗ trợ kinh phí tái định cư").await?;
            // Leaving the field saves it, as when the surveyor moves on.
            client
                .execute("document.activeElement.blur()", vec![])
                .await?;
            if i == 0 {
                // A file that is not a photo is named and refused, not dropped silently.
                pick_photo(&client, 0, 0, "text").await?;
                wait_for_text(&client, "[role=alert]", "ghi-chu.txt").await?;
            }
            // Larger than the tablet keeps: resized to 2,000 px on its longer side.
            pick_photo(&client, 2400, 1800, "jpeg").await?;
            wait_for_text(&client, ".photo .photo-waiting", "Ảnh đang chờ gửi").await?;
            wait_until("the photo to show", Duration::from_secs(30), || async {
                let shown = client
                    .execute(
                        "const img = document.querySelector('.photo img'); return !!img && img.complete && img.naturalWidth > 0;",
                        vec![],
                    )
                    .await?;
                Ok(shown == serde_json::json!(true))
            })
            .await?;
            if i == 0 {
                screenshot(&client, "11-survey-form").await?;
            }
            click_text(&client, ".visit-form button", "Nộp phiếu khảo sát").await?;
            wait_for_text(&client, ".locked", "đã nộp").await?;
            client.goto(&format!("{base}/khao-sat")).await?;
        }

        // Reopened with no server: both visits are done on the device, the photos wait.
        client.refresh().await?;
        wait_for_text(&client, ".visit-list .visit", "Đã khảo sát").await?;
        let done = client
            .find_all(Locator::Css(&format!(
                "[data-campaign='{campaign}'] .visit.surveyed"
            )))
            .await?
            .len();
        assert_eq!(done, 2);
        wait_for_text(&client, ".sync-photos", "2 ảnh chờ gửi").await?;
        let kept = kept_photo_hashes(&client).await?;
        assert_eq!(kept.len(), 2);

        // The connection drops once in the middle of the photo uploads.
        client
            .execute(
                r#"window.dvkPuts = [];
                   const real = window.fetch;
                   window.fetch = function (input, init) {
                     const method = (init && init.method) || (input && input.method) || "GET";
                     const url = typeof input === "string" ? input : input.url;
                     if (method === "PUT" && url.includes("/api/photos/")) {
                       window.dvkPuts.push(url);
                       if (window.dvkPuts.length === 3) {
                         return Promise.reject(new TypeError("the connection dropped (test)"));
                       }
                     }
                     return real.call(this, input, init);
                   };"#,
                vec![],
            )
            .await?;
        server.restart().await?;
        nothing_pending(&client).await?;
        wait_until("the photos to arrive", Duration::from_secs(90), || async {
            Ok(client
                .find_all(Locator::Css(".sync-photos"))
                .await?
                .is_empty())
        })
        .await?;

        // Both surveys on the server, submitted, rated, each listing its photo.
        board.sync().await?;
        let surveys: Vec<serde_json::Value> = board
            .replica()
            .iter()
            .filter(|((entity, _), held)| {
                entity == "survey" && held.data["campaign_id"] == campaign.to_string()
            })
            .map(|(_, held)| held.data.clone())
            .collect();
        assert_eq!(surveys.len(), 2);
        let mut listed = Vec::new();
        for survey in &surveys {
            assert_eq!(survey["status"], "submitted");
            assert_eq!(survey["rating"], "good");
            assert_eq!(survey["difficulties"], serde_json::json!(["Tái định cư"]));
            assert_eq!(survey["photos"].as_array().unwrap().len(), 1);
            // 2,400 × 1,800 as picked, 2,000 × 1,500 as kept and sent.
            assert_eq!(survey["photos"][0]["width"], 2000, "resized on the tablet");
            assert_eq!(survey["photos"][0]["height"], 1500);
            listed.push(survey["photos"][0]["hash"].as_str().unwrap().to_owned());
        }
        listed.sort();
        assert_eq!(listed, kept, "the surveys list the photos the tablet kept");
        // The bytes the server serves are the bytes the tablet kept.
        for hash in &listed {
            let response = checked.get(&format!("/api/photos/{hash}")).await?;
            assert_eq!(response.status(), 200);
            let bytes = response.bytes().await?;
            let served: String = sha2::Sha256::digest(&bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(&served, hash);
        }
        // The cut upload resumed: each photo's upload started at 0 once, and the chunk that
        // failed was sent again at the same offset, not from the beginning.
        let puts: Vec<String> =
            serde_json::from_value(client.execute("return window.dvkPuts", vec![]).await?)?;
        let offset = |url: &String| -> u64 {
            let query = url.split("offset=").nth(1).unwrap_or("0");
            query.split('&').next().unwrap_or("0").parse().unwrap_or(0)
        };
        let starts = puts.iter().filter(|u| offset(u) == 0).count();
        assert_eq!(starts, 2, "one start per photo: {puts:?}");
        assert_eq!(
            puts[3], puts[2],
            "the failed chunk was sent again: {puts:?}"
        );
        assert!(offset(&puts[2]) > 0, "the cut came mid-photo: {puts:?}");

        // The Board's progress counts both models surveyed.
        sign_out(&client).await?;
        sign_in(&client, "bandanvan").await?;
        synced(&client).await?;
        client.goto(&format!("{base}/khao-sat")).await?;
        let ours = format!(".campaign[data-campaign='{campaign}']");
        wait_for_text(&client, &format!("{ours} .counts"), "Cán bộ khảo sát").await?;
        let surveyed = client
            .find(Locator::Css(&format!("{ours} .status-counts .big-figure")))
            .await?
            .text()
            .await?;
        assert_eq!(surveyed, "2", "both models surveyed");
        screenshot(&client, "12-campaign-progress").await?;

        // The Board confirms the rating the surveys propose, then recognises the model as
        // typical, which the overview counts.
        let (rated, _) = models[0].clone();
        client.goto(&format!("{base}/mo-hinh/{rated}")).await?;
        wait_for_text(&client, ".evaluation .proposed", "76,5 / 100 · Tốt").await?;
        screenshot_at(&client, "13-evaluation", ".evaluation").await?;
        click_text(&client, ".evaluation button", "Xác nhận xếp loại").await?;
        server_has(&server, rated, Status::Evaluated).await?;
        let stored = server.store().model(ModelId::from_uuid(rated)?).await?.unwrap();
        assert_eq!(
            stored.model.ratings.get(&2026),
            Some(&dvk_shared::survey::Rating::Good)
        );
        click_text(&client, ".evaluation button", "Công nhận mô hình điển hình").await?;
        server_has(&server, rated, Status::Typical).await?;

        // The overview lists the difficulties the submitted surveys report.
        client.goto(&format!("{base}/tong-quan")).await?;
        wait_for_text(&client, ".difficulty-counts", "Tái định cư — 2 phiếu khảo sát").await?;
        Ok(())
    })
    .await
    .unwrap();
}

/// Waits until the server holds a model for which `check` holds.
async fn server_model(
    server: &TestServer,
    id: Uuid,
    what: &str,
    check: impl Fn(&dvk_shared::model::Model) -> bool,
) -> anyhow::Result<()> {
    let id = ModelId::from_uuid(id)?;
    let check = &check;
    wait_until(what, Duration::from_secs(60), || async move {
        Ok(server
            .store()
            .model(id)
            .await?
            .is_some_and(|stored| check(&stored.model)))
    })
    .await
}

/// The text of the first element matching `css`.
async fn text_of(client: &Client, css: &str) -> anyhow::Result<String> {
    Ok(client.find(Locator::Css(css)).await?.text().await?)
}

/// Conflicts as people meet them (SYNC.md): the registrar whose text the Board's later edit
/// replaced is told, in their list and in the model's history, and can write it again; the
/// Board that replaced someone's text sees which value the server holds now and can give the
/// other back; two decisions at once overwrite nothing. Every heading says whose value it is,
/// every button does on the server what it says. And what the person sees stays true: a model
/// page shows what a sync brought, and the header says when the server cannot be reached.
#[tokio::test]
async fn conflicts_reach_the_right_person_and_each_choice_does_what_it_says() {
    assert!(
        dist_dir().join("index.html").is_file(),
        "the app is not built: run `trunk build --release` (scripts/test does) before this test"
    );
    let mut server = TestServer::start_demo(Backend::Sqlite).await.unwrap();
    let base = server.base.clone();
    let hoa = server.unit("Xã Điện Hòa").await.id;
    let mut registrar = Device::of_demo(&server, "dienhoa").await.unwrap();
    let mut board = Device::of_demo(&server, "bandanvan").await.unwrap();
    let mut admin = Device::of_demo(&server, "admin").await.unwrap();
    let model = Uuid::now_v7();
    registrar.save(
        "model.create",
        model,
        None,
        serde_json::json!({"unit_id": hoa, "name": "Đèn đường thắp sáng ngõ xóm",
                           "field": "culture_society", "year": 2026}),
    );
    registrar.sync().await.unwrap();
    board.sync().await.unwrap();
    // A model waiting for review, for two Board members deciding at once.
    let submitted = board
        .replica()
        .iter()
        .find(|((entity, _), held)| entity == "model" && held.data["status"] == "submitted")
        .map(|((_, id), _)| *id)
        .unwrap();
    admin.sync().await.unwrap();

    with_browser(move |client| async move {
        // 1. The Board's tablet changed the objectives offline; the registrar writes them on
        // theirs and syncs first; the Board syncs after: its later edit wins.
        client.goto(&base).await?;
        sign_in(&client, "dienhoa").await?;
        synced(&client).await?;
        let seen = board.version_of(model);
        board.save(
            "model.update",
            model,
            seen,
            serde_json::json!({"objectives": "Mục tiêu do Ban viết"}),
        );
        client.goto(&format!("{base}/mo-hinh/{model}")).await?;
        client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css("#f-objectives"))
            .await?;
        type_into(&client, "#f-objectives", "Mục tiêu do xã viết").await?;
        client.find(Locator::Css("#f-name")).await?.click().await?;
        server_model(&server, model, "the registrar's objectives", |m| {
            m.objectives == "Mục tiêu do xã viết"
        })
        .await?;
        nothing_pending(&client).await?;
        board.sync().await?;
        let won = board.answers().values().last().cloned().unwrap();
        assert_eq!(won.status, dvk_shared::sync::PushStatus::Applied);
        assert!(
            won.conflict.is_some(),
            "the Board is told it replaced a value"
        );
        server_model(&server, model, "the Board's objectives", |m| {
            m.objectives == "Mục tiêu do Ban viết"
        })
        .await?;

        // The registrar learns it at the next sync: in the list to resolve, by name, each
        // column saying whose value it is and which the server holds.
        click_text(&client, ".sync-bar button", "Đồng bộ ngay").await?;
        wait_for_text(&client, ".sync-problems", "1 cần xử lý").await?;
        client.goto(&format!("{base}/dong-bo")).await?;
        wait_for_text(
            &client,
            ".notice h3",
            "Ban Dân vận Thị ủy đã thay giá trị của bạn — Đèn đường thắp sáng ngõ xóm",
        )
        .await?;
        assert_eq!(
            text_of(&client, ".notice th.theirs").await?,
            "Giá trị của Ban Dân vận Thị ủy — đang trên máy chủ"
        );
        assert_eq!(
            text_of(&client, ".notice th.mine").await?,
            "Giá trị của bạn — đã bị thay"
        );
        assert_eq!(
            text_of(&client, ".notice tbody th").await?,
            "Mục tiêu",
            "named as on the form"
        );
        assert_eq!(
            text_of(&client, ".notice tbody td").await?,
            "Mục tiêu do Ban viết"
        );
        screenshot(&client, "14-value-replaced").await?;
        // The model's history says whose value was replaced.
        client.goto(&format!("{base}/mo-hinh/{model}")).await?;
        wait_for_text(
            &client,
            ".history-entry .replaced",
            "Thay giá trị của Cán bộ xã Điện Hòa — Mục tiêu: Mục tiêu do xã viết",
        )
        .await?;
        // "Write mine again" writes the registrar's text on the server, and the notice goes.
        client.goto(&format!("{base}/dong-bo")).await?;
        click_text(&client, ".notice button", "Ghi lại giá trị của tôi").await?;
        server_model(&server, model, "the registrar's objectives again", |m| {
            m.objectives == "Mục tiêu do xã viết"
        })
        .await?;
        nothing_pending(&client).await?;
        wait_for_text(&client, ".card p", "Không có gì cần xử lý.").await?;

        // 2. The Board, in the app, replaces the registrar's text without having seen it: it
        // is told that the server holds its value now, and "use theirs again" gives it back.
        sign_out(&client).await?;
        sign_in(&client, "bandanvan").await?;
        synced(&client).await?;
        client.goto(&format!("{base}/mo-hinh/{model}")).await?;
        client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css("#f-content"))
            .await?;
        registrar.sync().await?;
        let seen = registrar.version_of(model);
        registrar.save(
            "model.update",
            model,
            seen,
            serde_json::json!({"content": "Cách làm do xã viết"}),
        );
        registrar.sync().await?;
        type_into(&client, "#f-content", "Cách làm do Ban viết").await?;
        client.find(Locator::Css("#f-name")).await?.click().await?;
        server_model(&server, model, "the Board's content", |m| {
            m.content == "Cách làm do Ban viết"
        })
        .await?;
        nothing_pending(&client).await?;
        client.goto(&format!("{base}/dong-bo")).await?;
        wait_for_text(
            &client,
            ".problem h3",
            "Bạn đã thay giá trị của Cán bộ xã Điện Hòa",
        )
        .await?;
        assert_eq!(
            text_of(&client, ".problem th.theirs").await?,
            "Giá trị của Cán bộ xã Điện Hòa — đã bị thay"
        );
        assert_eq!(
            text_of(&client, ".problem th.mine").await?,
            "Giá trị của bạn — đang trên máy chủ"
        );
        assert_eq!(
            text_of(&client, ".problem tbody th").await?,
            "Nội dung, cách làm"
        );
        screenshot(&client, "15-you-replaced").await?;
        click_text(
            &client,
            ".problem button",
            "Dùng lại giá trị của Cán bộ xã Điện Hòa",
        )
        .await?;
        server_model(&server, model, "the registrar's content back", |m| {
            m.content == "Cách làm do xã viết"
        })
        .await?;
        nothing_pending(&client).await?;

        // 3. Two Board members decide at once: the other one returned the model first, so
        // approving writes nothing, and keeping their decision keeps it.
        client.goto(&format!("{base}/mo-hinh/{submitted}")).await?;
        wait_for_text(&client, ".review-actions button", "Duyệt").await?;
        let seen = admin.version_of(submitted);
        admin.save(
            "model.return",
            submitted,
            seen,
            serde_json::json!({"comment": "Bổ sung số liệu"}),
        );
        admin.sync().await?;
        click_text(&client, ".review-actions button", "Duyệt").await?;
        nothing_pending(&client).await?;
        client.goto(&format!("{base}/dong-bo")).await?;
        wait_for_text(
            &client,
            ".problem h3",
            "Chưa ghi được: Quản trị hệ thống đã thay đổi trước",
        )
        .await?;
        assert_eq!(text_of(&client, ".problem tbody th").await?, "Trạng thái");
        let values: Vec<String> = {
            let mut values = Vec::new();
            for cell in client.find_all(Locator::Css(".problem tbody td")).await? {
                values.push(cell.text().await?);
            }
            values
        };
        assert_eq!(values, ["Trả lại để bổ sung", "Đã duyệt"]);
        // Approving a returned model is not possible: only keeping theirs is offered.
        assert!(
            !first_with_text(&client, ".problem button", "Ghi giá trị của tôi").await?,
            "no button that cannot do what it says"
        );
        click_text(
            &client,
            ".problem button",
            "Giữ giá trị của Quản trị hệ thống",
        )
        .await?;
        wait_for_text(&client, ".card p", "Không có gì cần xử lý.").await?;
        server_has(&server, submitted, Status::Returned).await?;

        // 4. A model page opened by its address shows what a sync brought.
        client.goto(&format!("{base}/mo-hinh/{model}")).await?;
        client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css("#f-name"))
            .await?;
        admin.sync().await?;
        let seen = admin.version_of(model);
        admin.save(
            "model.update",
            model,
            seen,
            serde_json::json!({"name": "Đèn đường thắp sáng ngõ xóm (mới)"}),
        );
        admin.sync().await?;
        click_text(&client, ".sync-bar button", "Đồng bộ ngay").await?;
        wait_until(
            "the page to show the new name",
            Duration::from_secs(30),
            || async {
                Ok(value_of(&client, "#f-name").await? == "Đèn đường thắp sáng ngõ xóm (mới)")
            },
        )
        .await?;

        // 5. With the browser online but the server gone, the header says so; once it is
        // back, the next sync says that too.
        server.stop().await?;
        sync_until_header_says(&client, "Không kết nối được máy chủ").await?;
        server.restart().await?;
        sync_until_header_says(&client, "Đang trực tuyến").await?;
        Ok(())
    })
    .await
    .unwrap();
}

/// Presses "Đồng bộ ngay" as a person would, again whenever it can be pressed, until the
/// header says `text`. A press while a sync runs does nothing (the button is disabled then),
/// and the app's own retries grow further apart the longer the server was gone: waiting for
/// one press to show the result made this step fail on a slow machine, where a retry was under
/// way when the single press came.
async fn sync_until_header_says(client: &Client, text: &str) -> anyhow::Result<()> {
    let outcome = wait_until(
        &format!("the header to say {text:?}"),
        Duration::from_secs(90),
        || async {
            if first_with_text(client, ".net-state", text).await? {
                return Ok(true);
            }
            let button = client
                .find(Locator::XPath("//section[contains(@class,'sync-bar')]//button[normalize-space()='Đồng bộ ngay']"))
                .await?;
            if button.attr("disabled").await?.is_none() {
                button.click().await?;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
            Ok(false)
        },
    )
    .await;
    if outcome.is_err() {
        dvk_tests::browser::save_png(client, "failed").await.ok();
    }
    outcome
}

/// Clicks the button saying `label` in the account row of `username`.
async fn click_in_account_row(client: &Client, username: &str, label: &str) -> anyhow::Result<()> {
    let clicked = client
        .execute(
            r#"const [username, label] = arguments;
               const row = [...document.querySelectorAll("li.account")]
                 .find((li) => li.querySelector(".account-name").textContent.includes(username));
               const button = row && [...row.querySelectorAll("button")].find((b) => b.textContent.trim() === label);
               if (!button) return false;
               button.click();
               return true;"#,
            vec![serde_json::json!(username), serde_json::json!(label)],
        )
        .await?;
    anyhow::ensure!(clicked == true, "no {label:?} in the row of {username}");
    Ok(())
}

/// An administrator makes an account on the accounts screen and hands the one-time code over;
/// its person, on another browser, signs in with it, must choose a password, and lands on their
/// home; the administrator deactivates the account and the person's next sync is refused at
/// once, and signing in again says the account is locked.
#[tokio::test]
async fn an_account_made_on_the_screen_is_used_then_deactivated() {
    let server = TestServer::start_demo(Backend::Sqlite).await.unwrap();
    let (code_tx, code_rx) = tokio::sync::oneshot::channel::<String>();
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel::<()>();
    let (locked_tx, locked_rx) = tokio::sync::oneshot::channel::<()>();

    let base = server.base.clone();
    let person = tokio::spawn(with_browser(move |client| async move {
        let code = code_rx.await?;
        client.goto(&base).await?;
        let field = client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css("#username"))
            .await?;
        field.send_keys("canbo.moi").await?;
        type_into(&client, "#password", &code).await?;
        client
            .find(Locator::Css("form button[type=submit]"))
            .await?
            .click()
            .await?;
        wait_for_text(&client, "main h2", "Đặt mật khẩu của bạn").await?;
        // The rules answer while the person types.
        type_into(&client, "#new-password", "ngan").await?;
        wait_for_text(&client, "#new-password-problem", "quá ngắn").await?;
        type_into(&client, "#new-password", "mat-khau-cua-toi").await?;
        type_into(&client, "#new-password-again", "mat-khau-cua-toi").await?;
        screenshot(&client, "17-choose-password").await?;
        client
            .find(Locator::Css("form button[type=submit]"))
            .await?
            .click()
            .await?;
        synced(&client).await?;
        wait_for_text(&client, "nav", "Mô hình").await?;
        ready_tx.send(()).ok();

        locked_rx.await?;
        client
            .find(Locator::Css(".sync-bar button"))
            .await?
            .click()
            .await?;
        wait_for_text(&client, ".sync-state", "Phiên đăng nhập đã hết hạn").await?;
        sign_out(&client).await?;
        type_into(&client, "#username", "canbo.moi").await?;
        type_into(&client, "#password", "mat-khau-cua-toi").await?;
        client
            .find(Locator::Css("form button[type=submit]"))
            .await?
            .click()
            .await?;
        wait_for_text(&client, "[role=alert]", "Tài khoản này đã bị khoá").await?;
        Ok(())
    }));

    let base = server.base.clone();
    with_browser(move |client| async move {
        client.goto(&base).await?;
        sign_in(&client, "admin").await?;
        synced(&client).await?;
        click_text(&client, "nav a", "Tài khoản").await?;
        wait_for_text(&client, "main h2", "Tài khoản người dùng").await?;
        // Every field is checked before anything is sent.
        client.find(Locator::Css("#new-account-title + form button[type=submit]")).await?.click().await?;
        wait_for_text(&client, "#new-username-problem", "Vui lòng điền").await?;
        type_into(&client, "#new-username", "canbo.moi").await?;
        type_into(&client, "#new-display-name", "Nguyễn Thị Mới").await?;
        client
            .execute(
                r#"const unit = document.getElementById("new-unit");
                   unit.value = [...unit.options].find((o) => o.textContent === "Xã Điện Hòa").value;
                   unit.dispatchEvent(new Event("change"));"#,
                vec![],
            )
            .await?;
        client.find(Locator::Css("#new-account-title + form button[type=submit]")).await?.click().await?;
        let code = client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css(".one-time-code"))
            .await?
            .text()
            .await?;
        anyhow::ensure!(code.len() == 14, "{code:?}");
        screenshot(&client, "16-accounts-code").await?;
        code_tx.send(code).ok();
        ready_rx.await?;

        click_text(&client, ".code-card button", "Đã ghi lại mã").await?;
        click_in_account_row(&client, "canbo.moi", "Khoá tài khoản").await?;
        wait_for_text(&client, ".confirm", "Khoá tài khoản của Nguyễn Thị Mới?").await?;
        click_text(&client, ".confirm button", "Khoá tài khoản").await?;
        wait_for_text(&client, "li.account", "Đã khoá").await?;
        locked_tx.send(()).ok();
        Ok(())
    })
    .await
    .unwrap();
    person.await.unwrap().unwrap();

    let id = server.user_id("canbo.moi").await;
    let account = server.store().account(id).await.unwrap().unwrap();
    assert!(!account.active && !account.must_change_password);
    assert_eq!(account.user.display_name, "Nguyễn Thị Mới");
}

/// The Board makes an invitation for a commune and gets its poster (QR code and link); a new
/// person opens the link on a fresh browser, sees the commune, is told a taken username, joins,
/// lands on their home signed in, registers a model with the server down, and it arrives.
#[tokio::test]
async fn a_person_joins_through_an_invitation_and_registers_offline() {
    let mut server = TestServer::start_demo(Backend::Sqlite).await.unwrap();
    let (link_tx, link_rx) = tokio::sync::oneshot::channel::<String>();
    let (joined_tx, joined_rx) = tokio::sync::oneshot::channel::<()>();
    let (down_tx, down_rx) = tokio::sync::oneshot::channel::<()>();
    let (saved_tx, saved_rx) = tokio::sync::oneshot::channel::<()>();
    let (up_tx, up_rx) = tokio::sync::oneshot::channel::<()>();

    let base = server.base.clone();
    let board = tokio::spawn(with_browser(move |client| async move {
        client.goto(&base).await?;
        sign_in(&client, "bandanvan").await?;
        synced(&client).await?;
        click_text(&client, "nav a", "Tài khoản").await?;
        click_text(&client, "main a", "Lời mời tham gia").await?;
        wait_for_text(&client, "main h2", "Lời mời tham gia").await?;
        client
            .execute(
                r#"const unit = document.getElementById("inv-unit");
                   unit.value = [...unit.options].find((o) => o.textContent === "Xã Điện Hòa").value;
                   unit.dispatchEvent(new Event("change"));"#,
                vec![],
            )
            .await?;
        type_into(&client, "#inv-uses", "5").await?;
        type_into(&client, "#inv-note", "Bảng tin UBND xã").await?;
        client
            .find(Locator::Css(
                "#new-invitation-title + form button[type=submit]",
            ))
            .await?
            .click()
            .await?;
        let link = client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css(".poster-link"))
            .await?
            .text()
            .await?;
        wait_for_text(&client, ".poster h3", "Xã Điện Hòa").await?;
        client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(".poster .qr svg"))
            .await?;
        screenshot(&client, "18-invitation-poster").await?;
        link_tx.send(link).ok();
        joined_rx.await?;
        // The Board sees who joined through it.
        client.refresh().await?;
        wait_for_text(&client, "li.account", "Trần Thị Dân (tran.thi.dan)").await?;
        Ok(())
    }));

    let person = tokio::spawn(with_browser(move |client| async move {
        let link = link_rx.await?;
        client.goto(&link).await?;
        wait_for_text(&client, "main", "Xã Điện Hòa").await?;
        type_into(&client, "#join-display-name", "Trần Thị Dân").await?;
        type_into(&client, "#join-username", "dienhoa").await?;
        type_into(&client, "#new-password", "mat-khau-cua-dan").await?;
        type_into(&client, "#new-password-again", "mat-khau-cua-dan").await?;
        screenshot(&client, "19-join").await?;
        client
            .find(Locator::Css("main form button[type=submit]"))
            .await?
            .click()
            .await?;
        wait_for_text(&client, "#join-username-problem", "Đã có người dùng").await?;
        type_into(&client, "#join-username", "tran.thi.dan").await?;
        client
            .find(Locator::Css("main form button[type=submit]"))
            .await?
            .click()
            .await?;
        synced(&client).await?;
        wait_for_text(&client, "a.who", "Trần Thị Dân").await?;
        joined_tx.send(()).ok();

        down_rx.await?;
        click_text(&client, "a.button", "Đăng ký mô hình mới").await?;
        client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css("#f-name"))
            .await?;
        type_into(&client, "#f-name", "Tổ tự quản đường làng sáng xanh").await?;
        client
            .find(Locator::Css("#f-objectives"))
            .await?
            .click()
            .await?;
        wait_for_text(&client, ".save-state", "Bản nháp đã được lưu trên máy").await?;
        saved_tx.send(()).ok();
        up_rx.await?;
        client
            .find(Locator::Css(".sync-bar button"))
            .await?
            .click()
            .await?;
        nothing_pending(&client).await?;
        Ok(())
    }));

    board.await.unwrap().unwrap();
    server.stop().await.unwrap();
    down_tx.send(()).unwrap();
    saved_rx.await.unwrap();
    server.restart().await.unwrap();
    up_tx.send(()).unwrap();
    person.await.unwrap().unwrap();

    let id = server.user_id("tran.thi.dan").await;
    let account = server.store().account(id).await.unwrap().unwrap();
    let hoa = server.unit("Xã Điện Hòa").await.id;
    assert_eq!(
        (account.user.role, account.user.unit_id),
        (dvk_shared::user::Role::Registrar, hoa)
    );
    let pool = sqlx::SqlitePool::connect(&server.database_url())
        .await
        .unwrap();
    let arrived: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM models WHERE name = $1 AND unit_id = $2")
            .bind("Tổ tự quản đường làng sáng xanh")
            .bind(hoa.to_string())
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        arrived, 1,
        "the model registered offline reached the server once"
    );
}

/// Clicks the button saying `label` in the unit tree's row of `name`.
async fn click_in_unit_row(client: &Client, name: &str, label: &str) -> anyhow::Result<()> {
    let clicked = client
        .execute(
            r#"const [name, label] = arguments;
               const row = [...document.querySelectorAll("li.unit")]
                 .find((li) => li.querySelector(".account-name strong").textContent === name);
               const button = row && [...row.querySelectorAll(".row-actions button")].find((b) => b.textContent.trim() === label);
               if (!button) return false;
               button.click();
               return true;"#,
            vec![serde_json::json!(name), serde_json::json!(label)],
        )
        .await?;
    anyhow::ensure!(clicked == true, "no {label:?} in the row of {name}");
    Ok(())
}

/// Fills the open unit form's field ending in `field` (`name`, `on`) with `text`.
async fn fill_unit_form(client: &Client, field: &str, text: &str) -> anyhow::Result<()> {
    type_into(client, &format!("form.account-edit [id$='-{field}']"), text).await
}

/// An administrator builds a little of the tree on the units screen — a hamlet under a commune —
/// merges that commune into Điện Hòa and renames Điện Hòa a ward from a date; the tree shows the
/// merge and the former name (found by it, without diacritics), and the overview counts the
/// merged commune's models under the ward.
#[tokio::test]
async fn an_admin_merges_two_communes_and_the_overview_follows() {
    let server = TestServer::start_demo(Backend::Sqlite).await.unwrap();
    let admin_api = server.client();
    admin_api.login_demo("admin").await.unwrap();
    let before: dvk_shared::api::Stats = admin_api.get_json("/api/stats").await.unwrap();
    let count = |name: &str| {
        before
            .by_unit
            .iter()
            .find(|u| u.name == name)
            .map_or(0, |u| u.total)
    };
    let together = count("Xã Điện Hòa") + count("Xã Điện Phong");
    let base = server.base.clone();
    with_browser(move |client| async move {
        client.goto(&base).await?;
        sign_in(&client, "admin").await?;
        synced(&client).await?;
        click_text(&client, "nav a", "Tài khoản").await?;
        click_text(&client, "main a", "Đơn vị").await?;
        wait_for_text(&client, "li.unit", "Xã Điện Phong").await?;

        click_in_unit_row(&client, "Xã Điện Phong", "Thêm đơn vị trực thuộc").await?;
        fill_unit_form(&client, "name", "Thôn Phong Nhất").await?;
        click_text(&client, "form.account-edit button", "Lưu").await?;
        wait_for_text(&client, "li.unit", "Thôn Phong Nhất").await?;

        click_in_unit_row(&client, "Xã Điện Phong", "Sáp nhập").await?;
        // No date, no successor: both named before anything is sent.
        click_text(&client, "form.account-edit button", "Lưu").await?;
        wait_for_text(&client, "form.account-edit .field-error", "Vui lòng điền").await?;
        client
            .execute(
                r#"const into = document.querySelector("form.account-edit select");
                   into.value = [...into.options].find((o) => o.textContent === "Xã Điện Hòa").value;
                   into.dispatchEvent(new Event("change"));"#,
                vec![],
            )
            .await?;
        fill_unit_form(&client, "on", "01/07/2025").await?;
        click_text(&client, "form.account-edit button", "Lưu").await?;
        wait_for_text(&client, "li.unit", "Đã sáp nhập vào Xã Điện Hòa từ 01/07/2025").await?;

        click_in_unit_row(&client, "Xã Điện Hòa", "Đổi tên").await?;
        fill_unit_form(&client, "name", "Phường Điện Hòa").await?;
        client
            .execute(
                r#"const kind = document.querySelector("form.account-edit [id$='-kind']");
                   kind.value = "ward";
                   kind.dispatchEvent(new Event("change"));"#,
                vec![],
            )
            .await?;
        fill_unit_form(&client, "on", "01/07/2025").await?;
        click_text(&client, "form.account-edit button", "Lưu").await?;
        wait_for_text(&client, "li.unit", "Phường Điện Hòa").await?;
        // Found by its former name, typed without diacritics.
        type_into(&client, "#unit-filter", "xa dien hoa").await?;
        wait_for_text(&client, "li.unit", "Tên cũ: Xã Điện Hòa (01/07/2025)").await?;
        wait_for_text(&client, "li.unit .account-name", "Phường Điện Hòa · Phường").await?;
        screenshot(&client, "20-units").await?;

        client.goto(&format!("{base}/tong-quan")).await?;
        let expected = format!("Phường Điện Hòa{together}");
        wait_until("the overview to count the merged commune under the ward", Duration::from_secs(30), || async {
            let text = client
                .execute(
                    r##"return [...document.querySelectorAll("section[aria-labelledby=chart-unit] .bar")].map((b) =>
                         b.querySelector(".bar-label").textContent + b.querySelector(".bar-value").textContent.replace(/\./g, ""));"##,
                    vec![],
                )
                .await?;
            let bars: Vec<String> = serde_json::from_value(text)?;
            anyhow::ensure!(!bars.iter().any(|b| b.starts_with("Xã Điện Phong")), "{bars:?}");
            Ok(bars.contains(&expected))
        })
        .await?;
        Ok(())
    })
    .await
    .unwrap();
}

/// Clicks the button saying `label` on the card of the proposal for `name` in `status`.
async fn click_on_award(
    client: &Client,
    name: &str,
    status: &str,
    label: &str,
) -> anyhow::Result<()> {
    wait_until(
        &format!("{label:?} on the {status} proposal for {name}"),
        Duration::from_secs(30),
        || async {
            let clicked = client
                .execute(
                    r#"const [name, status, label] = arguments;
                       const card = [...document.querySelectorAll("article.award")]
                         .find((a) => a.dataset.status === status && a.querySelector("h3").textContent.includes(name));
                       const button = card && [...card.querySelectorAll("button")].find((b) => b.textContent.trim() === label);
                       if (!button) return false;
                       button.click();
                       return true;"#,
                    vec![
                        serde_json::json!(name),
                        serde_json::json!(status),
                        serde_json::json!(label),
                    ],
                )
                .await?;
            Ok(clicked == true)
        },
    )
    .await
}

/// Waits for the decision form a click opened.
async fn decision_form(client: &Client) -> anyhow::Result<()> {
    client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("[id^=aw-number-]"))
        .await?;
    Ok(())
}

/// The statuses the server holds for the proposals naming `name`.
async fn award_statuses(server: &TestServer, name: &str) -> anyhow::Result<Vec<String>> {
    let mut board = Device::of_demo(server, "bandanvan").await?;
    board.sync().await?;
    Ok(board
        .replica()
        .into_iter()
        .filter(|((entity, _), held)| {
            entity == "award"
                && held.data["recipient_name"]
                    .as_str()
                    .is_some_and(|n| n.contains(name))
        })
        .map(|(_, held)| held.data["status"].as_str().unwrap_or_default().to_owned())
        .collect())
}

/// Commendation end to end: a commune proposes a person for the medal with the server down;
/// the proposal reaches the Board by itself; the Board agrees and records the decision; the
/// register and the overview show it; a second medal for the same person, typed without
/// diacritics, is flagged while it is written and cannot be decided without a reason.
#[tokio::test]
async fn a_commune_proposes_offline_and_the_board_decides() {
    let mut server = TestServer::start_demo(Backend::Sqlite).await.unwrap();
    let base = server.base.clone();
    with_browser(move |client| async move {
        client.goto(&base).await?;
        sign_in(&client, "dienhoa").await?;
        synced(&client).await?;
        service_worker_active(&client).await?;

        // Offline: the proposal is written and kept on the tablet.
        server.stop().await?;
        click_text(&client, "nav a", "Khen thưởng").await?;
        click_text(&client, ".list-head button", "Đề nghị khen thưởng").await?;
        client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css("#p-name"))
            .await?;
        // Nothing is sent without the reason and a model.
        type_into(&client, "#p-name", "Nguyễn Văn Hùng").await?;
        click_text(&client, ".proposal-form button", "Gửi đề nghị").await?;
        wait_for_text(&client, ".proposal-form .field-error", "Vui lòng điền").await?;
        type_into(&client, "#p-birth", "1962").await?;
        type_into(&client, "#p-position", "Trưởng thôn Thanh Chiêm").await?;
        client
            .find(Locator::Css(".model-choices input[type=checkbox]"))
            .await?
            .click()
            .await?;
        type_into(
            &client,
            "#p-reason",
            "Vận động nhân dân hiến 1.200 m² đất mở rộng đường thôn.",
        )
        .await?;
        // A scanned report attached, kept on the tablet until the server is back.
        client
            .execute(
                r#"const file = new File(["%PDF-1.4\nBáo cáo thành tích"], "bao-cao-thanh-tich.pdf", { type: "application/pdf" });
                   const input = document.getElementById("p-attach");
                   const files = new DataTransfer();
                   files.items.add(file);
                   input.files = files.files;
                   input.dispatchEvent(new Event("change", { bubbles: true }));"#,
                vec![],
            )
            .await?;
        wait_for_text(&client, ".proposal-form li", "bao-cao-thanh-tich.pdf").await?;
        screenshot(&client, "21-proposal-form").await?;
        click_text(&client, ".proposal-form button", "Gửi đề nghị").await?;
        wait_for_text(&client, "article.award", "Nguyễn Văn Hùng").await?;
        wait_for_text(&client, "article.award .award-status", "chờ gửi").await?;

        // The server comes back; nobody presses anything.
        server.restart().await?;
        nothing_pending(&client).await?;
        wait_until("the proposal on the server", Duration::from_secs(30), || async {
            Ok(award_statuses(&server, "Nguyễn Văn Hùng").await? == ["proposed"])
        })
        .await?;
        // Its scan followed: the Board opens it from the proposal.
        let scan: String = {
            use sha2::Digest;
            sha2::Sha256::digest("%PDF-1.4\nBáo cáo thành tích".as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        };
        wait_until("the scan on the server", Duration::from_secs(60), || async {
            Ok(server.store().photo(&scan).await?.is_some())
        })
        .await?;

        // The Board agrees and records the decision.
        sign_out(&client).await?;
        sign_in(&client, "bandanvan").await?;
        synced(&client).await?;
        client.goto(&format!("{base}/khen-thuong")).await?;
        wait_for_text(&client, "article.award[data-status=proposed] a[href^='/api/photos/']", "Tệp 1").await?;
        click_on_award(&client, "Nguyễn Văn Hùng", "proposed", "Thống nhất đề nghị").await?;
        click_on_award(&client, "Nguyễn Văn Hùng", "approved", "Ghi quyết định khen thưởng").await?;
        decision_form(&client).await?;
        client
            .execute(
                r#"const set = (prefix, value) => {
                     const input = document.querySelector(`[id^="${prefix}"]`);
                     input.value = value;
                     input.dispatchEvent(new Event("input"));
                   };
                   set("aw-number-", "215-QĐ/BDVTW");
                   set("aw-signer-", "Trưởng Ban Dân vận Trung ương");"#,
                vec![],
            )
            .await?;
        click_text(&client, ".award-action button[type=submit]", "Ghi quyết định").await?;
        wait_for_text(&client, "article.award[data-status=decided]", "215-QĐ/BDVTW").await?;
        nothing_pending(&client).await?;
        assert_eq!(award_statuses(&server, "Nguyễn Văn Hùng").await?, ["decided"]);
        screenshot(&client, "22-awards-register").await?;

        // The register filtered to what was decided, and the overview count it.
        client
            .execute(
                r#"const stage = document.getElementById("aw-stage");
                   stage.value = "decided";
                   stage.dispatchEvent(new Event("change"));"#,
                vec![],
            )
            .await?;
        wait_for_text(&client, "[role=status]", "11 đề nghị và khen thưởng").await?;
        // The register prints on A4 without the app's navigation and buttons.
        let pdf = print_a4(&client).await?;
        let pages = count(&pdf, b"/Type /Page") - count(&pdf, b"/Type /Pages");
        save_bytes("awards-a4.pdf", &pdf)?;
        assert!((1..=4).contains(&pages), "the register prints on {pages} A4 pages");
        client.goto(&format!("{base}/tong-quan")).await?;
        wait_for_text(&client, ".award-list li", "Nguyễn Văn Hùng").await?;
        let listed = client.find_all(Locator::Css(".award-list li")).await?.len();
        assert_eq!(listed, 11, "the report's ten awards and the new one");

        // The same person again, without diacritics: flagged while written, and the decision
        // needs a reason.
        client.goto(&format!("{base}/khen-thuong")).await?;
        click_text(&client, ".list-head button", "Đề nghị khen thưởng").await?;
        client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css("#p-name"))
            .await?;
        client
            .execute(
                r#"const unit = document.getElementById("p-unit");
                   unit.value = [...unit.options].find((o) => o.textContent === "Xã Điện Hòa").value;
                   unit.dispatchEvent(new Event("change"));"#,
                vec![],
            )
            .await?;
        type_into(&client, "#p-name", "nguyen van  hung").await?;
        type_into(&client, "#p-birth", "1962").await?;
        wait_for_text(&client, ".proposal-form .repeats", "215-QĐ/BDVTW").await?;
        screenshot_at(&client, "23-repeat-caught", "#p-name").await?;
        client
            .find(Locator::Css(".model-choices input[type=checkbox]"))
            .await?
            .click()
            .await?;
        type_into(&client, "#p-reason", "Đề nghị lần hai").await?;
        click_text(&client, ".proposal-form button", "Gửi đề nghị").await?;
        click_on_award(&client, "nguyen van  hung", "proposed", "Thống nhất đề nghị").await?;
        click_on_award(&client, "nguyen van  hung", "approved", "Ghi quyết định khen thưởng").await?;
        wait_for_text(&client, "article.award[data-status=approved] .repeats", "215-QĐ/BDVTW").await?;
        decision_form(&client).await?;
        client
            .execute(
                r#"const input = document.querySelector('[id^="aw-number-"]');
                   input.value = "216-QĐ/BDVTW";
                   input.dispatchEvent(new Event("input"));
                   const signer = document.querySelector('[id^="aw-signer-"]');
                   signer.value = "Trưởng Ban";
                   signer.dispatchEvent(new Event("input"));"#,
                vec![],
            )
            .await?;
        click_text(&client, ".award-action button[type=submit]", "Ghi quyết định").await?;
        wait_for_text(&client, ".award-action [role=alert]", "hãy ghi lý do").await?;
        nothing_pending(&client).await?;
        assert_eq!(
            award_statuses(&server, "nguyen van").await?,
            ["approved"],
            "nothing was decided"
        );
        Ok(())
    })
    .await
    .unwrap();
}

/// Replication end to end: a commune finds a typical model of another commune in the library
/// with the server down, adopts it, and the draft starts from its ways of working with the link
/// shown; once the server is back the draft arrives linked, and the library shows the adoption.
#[tokio::test]
async fn a_commune_adopts_a_typical_model_offline() {
    let mut server = TestServer::start_demo(Backend::Sqlite).await.unwrap();
    let base = server.base.clone();
    let hoa = server.unit("Xã Điện Hòa").await.id;
    let looker = Device::of_demo(&server, "dienhoa").await.unwrap();
    let source: dvk_shared::library::LibraryEntry = looker
        .replica()
        .into_iter()
        .filter(|((entity, _), _)| entity == "library")
        .map(|(_, held)| {
            serde_json::from_value::<dvk_shared::library::LibraryEntry>(held.data).unwrap()
        })
        .find(|e| e.unit_id != hoa && e.adoptions.is_empty())
        .unwrap();
    with_browser(move |client| async move {
        client.goto(&base).await?;
        sign_in(&client, "dienhoa").await?;
        synced(&client).await?;
        service_worker_active(&client).await?;
        server.stop().await?;

        click_text(&client, "nav a", "Thư viện điển hình").await?;
        // Found without diacritics.
        let folded = dvk_shared::text::fold(&source.name);
        type_into(&client, "#lib-q", &folded).await?;
        let card = format!("#m-{}", source.id);
        wait_for_text(&client, &format!("{card} h3"), &source.name).await?;
        screenshot_at(&client, "24-library", &card).await?;
        click_text(&client, &format!("{card} button"), "Áp dụng mô hình này").await?;
        client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css("#f-name"))
            .await?;
        assert_eq!(value_of(&client, "#f-name").await?, source.name);
        assert_eq!(value_of(&client, "#f-objectives").await?, source.objectives);
        assert_eq!(
            value_of(&client, "#f-results-money_vnd").await?,
            "",
            "figures cleared"
        );
        wait_for_text(&client, ".lineage", &source.name).await?;
        screenshot(&client, "25-adopted-draft").await?;
        let url = client.current_url().await?;
        let adopted: Uuid = url.path().trim_start_matches("/mo-hinh/").parse()?;

        // The server comes back; nobody presses anything.
        server.restart().await?;
        nothing_pending(&client).await?;
        let stored = server
            .store()
            .model(ModelId::from_uuid(adopted)?)
            .await?
            .expect("the adopted draft on the server");
        assert_eq!(stored.model.adopted_from, Some(source.id));
        assert_eq!(stored.model.unit_id, hoa);

        // The library on the tablet shows where the model went.
        click_text(&client, "nav a", "Thư viện điển hình").await?;
        type_into(&client, "#lib-q", &folded).await?;
        wait_for_text(&client, &format!("{card} .replication-tree"), "Xã Điện Hòa").await?;
        Ok(())
    })
    .await
    .unwrap();
}

/// A period report end to end: the Board makes the year's report, its figures are the
/// report's, it writes a recommendation, finalises it (the form locks) and downloads it.
#[tokio::test]
async fn the_board_makes_the_years_report_and_downloads_it() {
    let server = TestServer::start_demo(Backend::Sqlite).await.unwrap();
    let base = server.base.clone();
    with_browser(move |client| async move {
        client.goto(&base).await?;
        sign_in(&client, "bandanvan").await?;
        synced(&client).await?;
        click_text(&client, "nav a", "Báo cáo").await?;
        type_into(&client, "#r-year", "2020").await?;
        click_text(&client, "form button", "Lập báo cáo").await?;
        wait_for_text(&client, "#report-title", "năm 2020").await?;
        // By the end of 2020 the town had the report's 348 models.
        wait_for_text(&client, ".report-table tbody tr:last-child", "348").await?;
        type_into(&client, "#rp-number", "125-BC/BDVTU").await?;
        type_into(
            &client,
            "#rp-recommendations",
            "Đề nghị Thị ủy bố trí kinh phí nhân rộng các mô hình điển hình.",
        )
        .await?;
        click_text(&client, ".report button", "Hoàn tất báo cáo").await?;
        wait_for_text(&client, ".report .muted", "Đã hoàn tất").await?;
        let locked = client
            .find(Locator::Css("#rp-recommendations"))
            .await?
            .attr("disabled")
            .await?;
        assert!(locked.is_some(), "a final report is not edited");
        wait_for_text(&client, ".report-list", "Đã hoàn tất").await?;
        screenshot(&client, "26-report").await?;
        // What the Word and Excel links give.
        let got = client
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
                   const links = [...document.querySelectorAll(".report a.button")].map((a) => a.href);
                   Promise.all(links.map((href) => fetch(href).then(async (r) => [r.status, r.headers.get("content-type"), (await r.arrayBuffer()).byteLength])))
                     .then((answers) => done(answers)).catch((e) => done(String(e)));"#,
                vec![],
            )
            .await?;
        let answers = got.as_array().cloned().unwrap_or_default();
        assert_eq!(answers.len(), 2, "{got}");
        assert!(answers[0][1].as_str().unwrap_or_default().contains("wordprocessingml"), "{got}");
        assert!(answers[1][1].as_str().unwrap_or_default().contains("spreadsheetml"), "{got}");
        for answer in &answers {
            assert_eq!(answer[0], 200, "{got}");
            assert!(answer[2].as_u64().unwrap_or(0) > 2_000, "{got}");
        }
        // The sample report in docs/: the Word file as downloaded, and the screen printed on A4.
        let word = client
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
                   const href = document.querySelector(".report a.button").href;
                   fetch(href).then((r) => r.arrayBuffer()).then((b) => {
                     let text = ""; new Uint8Array(b).forEach((x) => { text += String.fromCharCode(x); });
                     done(btoa(text));
                   }).catch((e) => done(String(e)));"#,
                vec![],
            )
            .await?;
        let word = base64::Engine::decode(
            &base64::engine::general_purpose::STANDARD,
            word.as_str().unwrap_or_default(),
        )?;
        assert!(word.starts_with(b"PK"), "a .docx is a zip");
        save_bytes("sample-report.docx", &word)?;
        let pdf = print_a4(&client).await?;
        assert!(count(&pdf, b"/Type /Page") > count(&pdf, b"/Type /Pages"));
        save_bytes("sample-report.pdf", &pdf)?;
        Ok(())
    })
    .await
    .unwrap();
}

/// Urging through sync, as people meet it: the Board finds a commune behind on the
/// supervision list, sends it a reminder from the commune's line (the text starts from what
/// the commune left behind), the commune reads it on its home and says so, and the Board sees
/// who read it and closes it.
#[tokio::test]
async fn the_board_urges_a_commune_which_reads_it_on_its_home() {
    let server = TestServer::start_demo(Backend::Sqlite).await.unwrap();
    let base = server.base.clone();
    let hoa = server.unit("Xã Điện Hòa").await.id.to_string();
    let watcher = server.client();
    let reminders = move |device: Device| {
        device
            .replica()
            .into_iter()
            .filter(|((entity, _), held)| entity == "oversight" && held.data["unit_id"] == hoa)
            .map(|(_, held)| held.data)
            .collect::<Vec<_>>()
    };
    with_browser(move |client| async move {
        client.goto(&base).await?;
        sign_in(&client, "bandanvan").await?;
        synced(&client).await?;
        click_text(&client, "nav a", "Đôn đốc, kiểm tra").await?;
        // The demo's commune has drafts registered long ago and never sent.
        wait_for_text(&client, ".behind tbody", "Xã Điện Hòa").await?;
        screenshot(&client, "27-supervision").await?;
        click_text(&client, "button[aria-label='Nhắc việc Xã Điện Hòa']", "Nhắc việc").await?;
        let start = value_of(&client, "#n-findings").await?;
        assert!(start.starts_with("Đơn vị còn tồn: Hồ sơ nháp để lâu"), "{start}");
        assert_eq!(value_of(&client, "#n-unit").await?, server.unit("Xã Điện Hòa").await.id.to_string());
        type_into(&client, "#n-requests", "Hoàn thiện hồ sơ và gửi Ban trước ngày 31/12.").await?;
        client
            .execute(
                r##"const due = document.querySelector("#n-due");
                   due.value = "2026-12-31"; due.dispatchEvent(new Event("input", { bubbles: true }));"##,
                vec![],
            )
            .await?;
        click_text(&client, "form button", "Lưu và gửi đơn vị").await?;
        wait_for_text(&client, "form [role=status]", "Đã lưu trên máy này").await?;
        wait_for_text(&client, ".oversight-item", "Hoàn thiện hồ sơ").await?;
        wait_for_text(&client, ".oversight-item", "Đơn vị chưa đọc").await?;
        nothing_pending(&client).await?;
        watcher.login_demo("bandanvan").await?;
        let sent = reminders(Device::of_demo(&server, "bandanvan").await?);
        assert_eq!(sent.len(), 1, "{sent:?}");
        assert_eq!(sent[0]["due"], "2026-12-31");
        assert_eq!(sent[0]["acknowledged"], serde_json::Value::Null);
        sign_out(&client).await?;

        // The commune's registrar finds it on the home screen, and says it was read.
        sign_in(&client, "dienhoa").await?;
        synced(&client).await?;
        wait_for_text(&client, "#inbox-title", "Nhắc việc, kiến nghị gửi đơn vị").await?;
        wait_for_text(&client, ".oversight-item", "Hoàn thiện hồ sơ và gửi Ban").await?;
        // What waits on the registrar is counted on the same screen.
        wait_for_text(&client, "#waiting-title", "Việc đang chờ").await?;
        screenshot(&client, "28-home-reminder").await?;
        click_text(&client, ".oversight-item button", "Đã đọc, sẽ thực hiện").await?;
        wait_until("the reminder to leave the home", Duration::from_secs(30), || async {
            Ok(!first_with_text(&client, ".oversight-item", "Hoàn thiện hồ sơ").await?)
        })
        .await?;
        nothing_pending(&client).await?;
        let read = reminders(Device::of_demo(&server, "bandanvan").await?);
        assert!(read[0]["acknowledged"]["name"].is_string(), "{read:?}");
        sign_out(&client).await?;

        // The Board sees who read it, and closes it once done.
        sign_in(&client, "bandanvan").await?;
        synced(&client).await?;
        click_text(&client, "nav a", "Đôn đốc, kiểm tra").await?;
        wait_for_text(&client, ".oversight-item", "Đã đọc:").await?;
        click_text(&client, ".oversight-item button", "Đã thực hiện xong, đóng lại").await?;
        wait_for_text(&client, ".oversight-item", "Đã đóng").await?;
        nothing_pending(&client).await?;
        let closed = reminders(Device::of_demo(&server, "bandanvan").await?);
        assert_eq!(closed[0]["status"], "closed");

        // An export goes through the page, which says how far it has come, and is saved under
        // the server's name for it (the page's save is caught here to read what it holds). It
        // holds what the screen shows, in the screen's order: here a search.
        click_text(&client, "nav a", "Mô hình").await?;
        wait_for_text(&client, ".export-buttons button", "Xuất CSV").await?;
        // Typed a letter at a time, each a search of its own: the list is read once the
        // address holds the whole phrase (the screen redraws before the next command).
        type_into(&client, "#filter-q", "hiến đất").await?;
        wait_until("the whole phrase to be searched", Duration::from_secs(30), || async {
            let q = client
                .execute("return new URLSearchParams(location.search).get('q')", vec![])
                .await?;
            Ok(q == "hiến đất")
        })
        .await?;
        let shown: Vec<String> = serde_json::from_value(
            client
                .execute(
                    "return [...document.querySelectorAll('ul.model-list .model-name')].map((e) => e.textContent)",
                    vec![],
                )
                .await?,
        )?;
        assert!(shown.len() > 1 && shown.len() < 300, "{shown:?}");
        client
            .execute(
                r#"window.saved = [];
                   HTMLAnchorElement.prototype.click = function () {
                     const name = this.download;
                     fetch(this.href).then((r) => r.arrayBuffer()).then((bytes) =>
                       window.saved.push([name, new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes)]));
                   };"#,
                vec![],
            )
            .await?;
        click_text(&client, ".export-buttons button", "Xuất CSV").await?;
        wait_until("the export to be saved", Duration::from_secs(60), || async {
            let got = client.execute("return window.saved", vec![]).await?;
            Ok(got.as_array().is_some_and(|s| !s.is_empty()))
        })
        .await?;
        let saved = client.execute("return window.saved", vec![]).await?;
        assert_eq!(saved[0][0], "mo-hinh.csv");
        let text = saved[0][1].as_str().unwrap_or_default();
        assert!(text.starts_with("\u{feff}Tên mô hình"), "{}", &text[..text.len().min(80)]);
        let exported: Vec<String> = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes())
            .records()
            .map(|row| row.map(|r| r[0].to_owned()))
            .collect::<Result<_, _>>()?;
        assert_eq!(exported, shown, "the file holds the screen's list, in its order");
        Ok(())
    })
    .await
    .unwrap();
}

/// Screens are loaded on demand: one whose module cannot be fetched (never cached on this
/// tablet, no network) says so, the rest of the app keeps working, and "Thử lại" opens it once
/// the server answers again.
#[tokio::test]
async fn a_screen_that_cannot_load_says_so_and_the_app_keeps_working() {
    let mut server = TestServer::start_demo(Backend::Sqlite).await.unwrap();
    let base = server.base.clone();
    with_browser(move |client| async move {
        client.goto(&base).await?;
        sign_in(&client, "dienhoa").await?;
        synced(&client).await?;
        service_worker_active(&client).await?;
        // The screens' modules are in the worker's cache with the shell; this tablet lost them.
        let dropped = client
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
                   (async () => {
                     let n = 0;
                     for (const name of await caches.keys()) {
                       const cache = await caches.open(name);
                       for (const request of await cache.keys()) {
                         if (request.url.includes("split_")) { await cache.delete(request); n++; }
                       }
                     }
                     return n;
                   })().then(done, (e) => done(String(e)));"#,
                vec![],
            )
            .await?;
        assert!(dropped.as_u64().unwrap_or(0) >= 1, "{dropped}");
        server.stop().await?;

        click_text(&client, "nav a", "Mô hình").await?;
        wait_for_text(&client, "main [role=alert]", "Chưa mở được màn hình này").await?;
        // The shell still works: the home opens, the sync bar says what is going on.
        click_text(&client, "nav a", "Trang chủ").await?;
        wait_for_text(&client, "main h2", "Mô hình của đơn vị theo trạng thái").await?;
        click_text(&client, "nav a", "Mô hình").await?;
        wait_for_text(&client, "main [role=alert]", "Chưa mở được màn hình này").await?;

        server.restart().await?;
        click_text(&client, "main [role=alert] button", "Thử lại").await?;
        wait_for_text(&client, "main h2", "Mô hình của đơn vị").await?;
        client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css("main ul.model-list"))
            .await?;
        // An export needs the server: without it, the list says so and stays as it was.
        server.stop().await?;
        click_text(&client, ".export-buttons button", "Xuất Excel").await?;
        wait_for_text(&client, ".export-buttons [role=alert]", "cần kết nối mạng").await?;
        wait_for_text(&client, "main ul.model-list", "").await?;
        Ok(())
    })
    .await
    .unwrap();
}
