//! The accessibility gate: every screen of the app, as each role reaches it on the demo town,
//! at a 10-inch tablet's size in portrait and in landscape, checked by axe-core against WCAG 2.1
//! A and AA. One violation anywhere fails the test, with every violation listed.

// A test states what must hold with unwrap/expect; the lint is for production code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use dvk_shared::{
    account::OneTimeCode,
    api::{ModelSummary, Page},
};
use dvk_tests::{
    Backend, TestServer,
    browser::{
        accessibility_problems, accessibility_problems_both_ways, sign_in, sign_out, synced,
        with_browser,
    },
};
use fantoccini::{Client, Locator};

/// Opens `path` and waits until the page shows `ready` (a CSS selector for what the screen is
/// about), so the rules read the screen as a person sees it, not a half-drawn one.
async fn open(client: &Client, base: &str, path: &str, ready: &str) -> anyhow::Result<()> {
    client.goto(&format!("{base}{path}")).await?;
    client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(ready))
        .await?;
    Ok(())
}

/// Clicks the first element matching `css`.
async fn click(client: &Client, css: &str) -> anyhow::Result<()> {
    client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(css))
        .await?
        .click()
        .await?;
    Ok(())
}

/// Waits for a form a click opened.
async fn open_form(client: &Client, ready: &str) -> anyhow::Result<()> {
    client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(ready))
        .await?;
    Ok(())
}

/// The Board publishes one typical model; the path of its public page.
async fn publish_one(server: &TestServer) -> String {
    let mut board = dvk_tests::device::Device::of_demo(server, "bandanvan")
        .await
        .unwrap();
    let id = board
        .replica()
        .into_iter()
        .find(|((entity, _), _)| entity == "library")
        .map(|((_, id), _)| id)
        .unwrap();
    let version = board.version_of(id);
    board.save(
        "model.update",
        id,
        version,
        serde_json::json!({"published": true}),
    );
    board.sync().await.unwrap();
    format!("/cong-khai/{id}")
}

/// The Board sends the commune a reminder and an inspection note with a follow-up long due,
/// so the commune's home and the register show them.
async fn urge_the_commune(server: &TestServer) {
    let mut board = dvk_tests::device::Device::of_demo(server, "bandanvan")
        .await
        .unwrap();
    let hoa = server.unit("Xã Điện Hòa").await.id.to_string();
    // The inspection is of one of the commune's models: the register links it.
    let model = board
        .replica()
        .into_iter()
        .find(|((entity, _), held)| entity == "model" && held.data["unit_id"] == hoa.as_str())
        .map(|((_, id), _)| id)
        .unwrap();
    for (kind, due, about) in [
        ("reminder", "2026-12-31", None),
        ("inspection", "2026-01-31", Some(model)),
    ] {
        let mut note = serde_json::json!({
            "kind": kind, "unit_id": hoa, "date": "2026-01-05", "by": "Ban Dân vận Thị ủy",
            "findings": "Còn hồ sơ nháp để lâu chưa gửi.", "requests": "Hoàn thiện và gửi hồ sơ.",
            "due": due,
        });
        if let Some(model) = about {
            note["model_id"] = serde_json::json!(model);
        }
        board.edit("oversight.create", uuid::Uuid::now_v7(), None, note);
    }
    board.sync().await.unwrap();
}

/// The address of the first link matching `css`, once the page shows one.
async fn first_link(client: &Client, css: &str) -> anyhow::Result<String> {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(link) = client.find_all(Locator::Css(css)).await?.first()
            && let Some(href) = link.attr("href").await?
        {
            return Ok(href);
        }
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "no link {css} on the page"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn first_model(server: &TestServer, username: &str, query: &str) -> String {
    let api = server.client();
    api.login_demo(username).await.unwrap();
    let page: Page<ModelSummary> = api
        .get_json(&format!("/api/models?per_page=1&{query}"))
        .await
        .unwrap();
    page.items
        .first()
        .expect("the demo has such a model")
        .id
        .to_string()
}

/// An account made by the administrator through the API; answers its one-time code.
async fn one_time_code_for_a_new_registrar(server: &TestServer) -> String {
    let admin = server.client();
    admin.login_demo("admin").await.unwrap();
    let hoa = server.unit("Xã Điện Hòa").await.id;
    let made: OneTimeCode = admin
        .http
        .post(admin.url("/api/accounts"))
        .json(&serde_json::json!({"username": "canbo.moi", "display_name": "Cán bộ mới", "role": "registrar", "unit_id": hoa}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    made.code
}

/// An invitation the Board made through the API, revoked if asked; answers the path of its link.
async fn invitation_link(server: &TestServer, revoked: bool) -> String {
    let board = server.client();
    board.login_demo("bandanvan").await.unwrap();
    let hoa = server.unit("Xã Điện Hòa").await.id;
    let (status, made) = board
        .post_json(
            "/api/invitations",
            serde_json::json!({"unit_id": hoa, "days": 30, "max_uses": 5}),
        )
        .await
        .unwrap();
    assert_eq!(status, 201, "{made}");
    let made: dvk_shared::invitation::InvitationMade = serde_json::from_value(made).unwrap();
    if revoked {
        let path = format!("/api/invitations/{}/revoke", made.invitation.id);
        let (status, _) = board
            .post_json(&path, serde_json::Value::Null)
            .await
            .unwrap();
        assert_eq!(status, 200);
    }
    format!("/tham-gia#{}", made.code)
}

#[tokio::test]
async fn every_screen_passes_axe_at_tablet_size_in_both_orientations() {
    let server = TestServer::start_demo(Backend::Sqlite).await.unwrap();
    let base = server.base.clone();
    let own_model = first_model(&server, "dienhoa", "").await;
    let submitted = first_model(&server, "bandanvan", "status=submitted").await;
    let code = one_time_code_for_a_new_registrar(&server).await;
    let invitation = invitation_link(&server, false).await;
    let revoked = invitation_link(&server, true).await;
    let published = publish_one(&server).await;
    urge_the_commune(&server).await;

    with_browser(move |client| async move {
        let mut problems = Vec::new();
        let mut check = async |name: &str| -> anyhow::Result<()> {
            problems.extend(accessibility_problems_both_ways(&client, name).await?);
            Ok(())
        };

        open(&client, &base, "/", "#username").await?;
        // The gate can fail: what the issue found on every screen (a button whose name is not
        // its label) and an image without a text are caught, then taken away again.
        client
            .execute(
                r#"const b = document.createElement("button");
                   b.id = "gate-check"; b.textContent = "English";
                   b.setAttribute("aria-label", "Chuyển ngôn ngữ sang tiếng Anh");
                   const i = document.createElement("img"); i.id = "gate-check-img"; i.src = "/icons/icon-192.png";
                   document.body.append(b, i);"#,
                vec![],
            )
            .await?;
        let planted = accessibility_problems(&client).await?;
        for rule in ["label-content-name-mismatch", "image-alt"] {
            assert!(
                planted.iter().any(|p| p.starts_with(rule)),
                "axe-core missed {rule}: {planted:?}"
            );
        }
        client
            .execute(
                r#"document.getElementById("gate-check").remove(); document.getElementById("gate-check-img").remove();"#,
                vec![],
            )
            .await?;
        check("sign-in").await?;

        // Someone opening an invitation before having any account.
        open(&client, &base, &invitation, "#join-username").await?;
        check("joining through an invitation").await?;
        // One the Board has revoked says so plainly.
        open(&client, &base, &revoked, "main [role=alert]").await?;
        let said = client.find(Locator::Css("main [role=alert]")).await?.text().await?;
        assert!(said.contains("Lời mời này đã bị thu hồi"), "{said}");
        check("a revoked invitation").await?;
        // The public page, for anyone (plain HTML from the server, not the app).
        open(&client, &base, "/cong-khai", "main li.m a").await?;
        check("the public page").await?;
        open(&client, &base, &published, "main article h2").await?;
        check("a published model").await?;
        open(&client, &base, "/", "#username").await?;

        // A person given a one-time code chooses their password.
        let field = client.find(Locator::Css("#username")).await?;
        field.send_keys("canbo.moi").await?;
        client.find(Locator::Css("#password")).await?.send_keys(&code).await?;
        client.find(Locator::Css("form button[type=submit]")).await?.click().await?;
        client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css("#new-password"))
            .await?;
        client.find(Locator::Css("#new-password")).await?.send_keys("ngan").await?;
        check("choosing a password, a rule broken").await?;
        client.find(Locator::Css("#new-password")).await?.send_keys("-nhung-du-dai").await?;
        client.find(Locator::Css("#new-password-again")).await?.send_keys("ngan-nhung-du-dai").await?;
        client.find(Locator::Css("form button[type=submit]")).await?.click().await?;
        synced(&client).await?;
        sign_out(&client).await?;

        // A commune's registrar: their models, the form, a model, the to-resolve list.
        sign_in(&client, "dienhoa").await?;
        synced(&client).await?;
        open(&client, &base, "/", ".oversight-item button").await?;
        check("registrar home, a reminder from the Board on it").await?;
        open(&client, &base, "/mo-hinh", "main table, main ul").await?;
        check("model list").await?;
        open(&client, &base, "/mo-hinh/moi", "form.model-form").await?;
        check("registration form").await?;
        open(&client, &base, &format!("/mo-hinh/{own_model}"), "main h2").await?;
        check("a model of the registrar's commune").await?;
        open(&client, &base, "/dong-bo", "main h2").await?;
        check("to resolve").await?;
        open(&client, &base, "/tai-khoan", "#current-password").await?;
        check("my account").await?;
        open(&client, &base, "/thu-vien", "article.library-entry").await?;
        check("the library of typical models").await?;
        open(&client, &base, "/khen-thuong", "main h2").await?;
        click(&client, ".list-head button").await?;
        open_form(&client, "#p-name").await?;
        check("a commendation proposal").await?;
        sign_out(&client).await?;

        // The Board: its queue, a submitted model with approve/return, campaigns, the overview.
        sign_in(&client, "bandanvan").await?;
        synced(&client).await?;
        check("Board home").await?;
        open(&client, &base, "/duyet", "main h2").await?;
        check("review queue").await?;
        open(&client, &base, &format!("/mo-hinh/{submitted}"), "main h2").await?;
        check("a submitted model, as the Board reviews it").await?;
        open(&client, &base, "/khao-sat", "main h2").await?;
        check("surveys: the campaigns' progress").await?;
        let campaign = first_link(
            &client,
            "main a[href^='/khao-sat/dot/']:not([href$='/moi'])",
        )
        .await?;
        open(&client, &base, &campaign, "form #c-name").await?;
        check("a campaign").await?;
        open(&client, &base, "/khao-sat/dot/moi", "form #c-name").await?;
        check("a new campaign").await?;
        open(&client, &base, "/tong-quan", "main svg.bar-track").await?;
        check("overview").await?;
        open(&client, &base, "/khen-thuong", "article.award").await?;
        check("the awards register, as the Board reads it").await?;
        open(&client, &base, "/giam-sat", "table.behind tbody tr").await?;
        open_form(&client, ".oversight-item a[href^='/mo-hinh/']").await?;
        check("the supervision list, the note form and the register").await?;
        open(&client, &base, "/bao-cao", "form #r-year").await?;
        click(&client, "form #r-year ~ button, form .filter button").await?;
        open_form(&client, "article.report textarea").await?;
        check("a period report, as the Board writes it").await?;
        open(&client, &base, "/thu-vien", "article.library-entry").await?;
        check("the library, with the Board's controls").await?;
        open(&client, &base, "/quan-tri/tai-khoan", "li.account").await?;
        check("the accounts, as the Board reads them").await?;
        open(&client, &base, "/quan-tri/don-vi", "li.unit").await?;
        check("the unit tree, as the Board reads it").await?;
        open(&client, &base, "/quan-tri/loi-moi", "li.account").await?;
        client
            .execute(
                r#"const unit = document.getElementById("inv-unit");
                   unit.value = unit.options[1].value;
                   unit.dispatchEvent(new Event("change"));"#,
                vec![],
            )
            .await?;
        client.find(Locator::Css("#new-invitation-title + form button[type=submit]")).await?.click().await?;
        client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css(".poster .qr svg"))
            .await?;
        check("invitations, a poster just made").await?;
        sign_out(&client).await?;

        // Field staff: the assignments and the scored visit form.
        sign_in(&client, "khaosat").await?;
        synced(&client).await?;
        open(&client, &base, "/khao-sat", "main h2").await?;
        check("a surveyor's assignments").await?;
        let visit = first_link(&client, ".visit-list a").await?;
        open(&client, &base, &visit, "form.visit-form").await?;
        check("the visit form").await?;
        // Its text areas take the form's width under their labels, and the photo button is a
        // touch target like every other (they were 221 px wide beside their labels, and 24 px
        // tall).
        let layout = client
            .execute(
                r#"const form = document.querySelector("form.visit-form").clientWidth;
                   const areas = [...document.querySelectorAll("form.visit-form textarea")];
                   const photo = document.querySelector("label[for=photo-input]");
                   return { areas: areas.length,
                            narrowest: Math.min(...areas.map((a) => a.getBoundingClientRect().width)) / form,
                            photo: photo ? photo.getBoundingClientRect().height : 0 };"#,
                vec![],
            )
            .await?;
        assert_eq!(layout["areas"], 3, "{layout}");
        assert!(layout["narrowest"].as_f64().unwrap() > 0.8, "{layout}");
        assert!(layout["photo"].as_f64().unwrap() >= 44.0, "{layout}");
        sign_out(&client).await?;

        // Leadership and the administrator.
        sign_in(&client, "lanhdao").await?;
        synced(&client).await?;
        check("leadership home").await?;
        sign_out(&client).await?;
        sign_in(&client, "admin").await?;
        synced(&client).await?;
        check("administrator home").await?;
        open(&client, &base, "/quan-tri/tai-khoan", "li.account").await?;
        // A form sent with mistakes marks them; then an account made shows its code.
        client.find(Locator::Css("#new-account-title + form button[type=submit]")).await?.click().await?;
        client.find(Locator::Css("#new-username")).await?.send_keys("Sai Tên").await?;
        check("the accounts, a new one with mistakes").await?;
        client.find(Locator::Css("#new-username")).await?.clear().await?;
        client.find(Locator::Css("#new-username")).await?.send_keys("canbo.hai").await?;
        client.find(Locator::Css("#new-display-name")).await?.send_keys("Trần Văn Hai").await?;
        client
            .execute(
                r#"const unit = document.getElementById("new-unit");
                   unit.value = unit.options[1].value;
                   unit.dispatchEvent(new Event("change"));"#,
                vec![],
            )
            .await?;
        client.find(Locator::Css("#new-account-title + form button[type=submit]")).await?.click().await?;
        client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css(".one-time-code"))
            .await?;
        // One row opened for editing and one asking to confirm a deactivation.
        client
            .execute(
                r#"const rows = document.querySelectorAll("li.account");
                   [...rows[0].querySelectorAll("button")].find((b) => b.getAttribute("aria-expanded") !== null).click();
                   const lock = [...rows[1].querySelectorAll("button")].find((b) => b.textContent.trim() === "Khoá tài khoản");
                   if (lock) lock.click();"#,
                vec![],
            )
            .await?;
        client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css("form.account-edit"))
            .await?;
        check("the accounts, as an administrator runs them").await?;
        open(&client, &base, "/quan-tri/don-vi", "li.unit").await?;
        // A merge form opened and sent empty: its mistakes are marked.
        client
            .execute(
                r#"const row = document.querySelectorAll("li.unit")[1];
                   [...row.querySelectorAll(".row-actions button")].find((b) => b.textContent.trim() === "Sáp nhập").click();"#,
                vec![],
            )
            .await?;
        client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css("form.account-edit"))
            .await?;
        client.find(Locator::Css("form.account-edit button[type=submit]")).await?.click().await?;
        check("the unit tree, a merge form with mistakes").await?;

        assert!(
            problems.is_empty(),
            "WCAG 2.1 A/AA violations:\n{}",
            problems.join("\n")
        );
        Ok(())
    })
    .await
    .unwrap();
}
