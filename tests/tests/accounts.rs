//! Accounts run from the app, against the real server on SQLite and PostgreSQL: an administrator
//! creates an account and its person signs in with the one-time code and must choose a password;
//! a reset, a deactivation (the session stops at once) and a reactivation; one's own password and
//! the other sessions; and every refusal — roles, one's own role, the last administrator, taken
//! usernames, bad fields, expired codes.

// A test states what must hold with unwrap/expect; the lint is for production code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use dvk_server::{now, store::NewPassword};
use dvk_shared::{
    account::{Account, OneTimeCode, SessionsEnded, SignedIn},
    api::ErrorBody,
    date::Timestamp,
    ids::{UnitId, UserId},
};
use dvk_tests::{Backend, Client, TestServer, device::Device};
use serde_json::{Value, json};

async fn send(client: &Client, method: &str, path: &str, body: Value) -> (u16, Value) {
    let request = match method {
        "POST" => client.http.post(client.url(path)),
        "PATCH" => client.http.patch(client.url(path)),
        _ => client.http.get(client.url(path)),
    };
    let request = if method == "GET" {
        request
    } else {
        request.json(&body)
    };
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn code_of(body: &Value) -> &str {
    body["code"].as_str().unwrap_or_default()
}

async fn admin(server: &TestServer) -> Client {
    let client = server.client();
    client.login_demo("admin").await.unwrap();
    client
}

async fn create(admin: &Client, username: &str, role: &str, unit: UnitId) -> OneTimeCode {
    let (status, body) = send(
        admin,
        "POST",
        "/api/accounts",
        json!({"username": username, "display_name": format!("Cán bộ {username}"), "role": role, "unit_id": unit}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    serde_json::from_value(body).unwrap()
}

async fn sign_in(server: &TestServer, username: &str, password: &str) -> (Client, u16, Value) {
    let client = server.client();
    let response = client.login(username, password).await.unwrap();
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (client, status, body)
}

async fn a_new_person_signs_in_with_the_code_and_chooses_a_password(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let admin = admin(&server).await;
    let hoa = server.unit("Xã Điện Hòa").await.id;
    let made = create(&admin, "canbo.moi", "registrar", hoa).await;
    assert_eq!(made.code.len(), 14);
    assert!(made.account.must_change_password && made.account.active);
    assert_eq!(made.account.user.unit_id, hoa);

    let (person, status, body) = sign_in(&server, "canbo.moi", &made.code).await;
    assert_eq!(status, 200, "{body}");
    let signed_in: SignedIn = serde_json::from_value(body).unwrap();
    assert!(signed_in.must_change_password);
    // Until a password is chosen, nothing else: not the lists, not sync.
    let (status, body) = send(&person, "GET", "/api/models", Value::Null).await;
    assert_eq!((status, code_of(&body)), (403, "password_change_required"));
    let (status, body) = send(&person, "POST", "/api/sync", json!({})).await;
    assert_eq!((status, code_of(&body)), (403, "password_change_required"));
    let me: SignedIn = person.get_json("/api/auth/me").await.unwrap();
    assert!(me.must_change_password);

    // The rules are the shared ones; the code is not a new password.
    let (status, body) = send(
        &person,
        "POST",
        "/api/auth/password",
        json!({"current_password": made.code, "new_password": made.code}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["fields"]["new_password"], "unchanged");
    let (status, body) = send(
        &person,
        "POST",
        "/api/auth/password",
        json!({"current_password": made.code, "new_password": "mat-khau-cua-toi"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["must_change_password"], false);
    // The same session goes on, now with everything a registrar has.
    let (status, _) = send(&person, "GET", "/api/models", Value::Null).await;
    assert_eq!(status, 200);
    // The code no longer works; the password does.
    assert_eq!(sign_in(&server, "canbo.moi", &made.code).await.1, 401);
    let (_, status, body) = sign_in(&server, "canbo.moi", "mat-khau-cua-toi").await;
    assert_eq!(status, 200);
    assert_eq!(body["must_change_password"], false);

    // The list shows the last sign-in, and the device once it synced.
    let mut tablet = Device::of_demo(&server, "dienhoa").await.unwrap();
    tablet.sync().await.unwrap();
    let accounts: Vec<Account> = admin.get_json("/api/accounts").await.unwrap();
    let new = accounts
        .iter()
        .find(|a| a.user.username == "canbo.moi")
        .unwrap();
    assert!(new.last_sign_in_at.is_some() && !new.must_change_password);
    let dienhoa = accounts
        .iter()
        .find(|a| a.user.username == "dienhoa")
        .unwrap();
    assert_eq!(dienhoa.devices.len(), 1);
    assert_eq!(dienhoa.devices[0].id, tablet.id.to_string());
}

#[tokio::test]
async fn a_new_person_signs_in_with_the_code_on_sqlite() {
    a_new_person_signs_in_with_the_code_and_chooses_a_password(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_new_person_signs_in_with_the_code_on_postgres() {
    a_new_person_signs_in_with_the_code_and_chooses_a_password(Backend::Postgres).await;
}

async fn deactivation_ends_the_session_at_once(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let admin = admin(&server).await;
    let registrar = server.client();
    registrar.login_demo("dienhoa").await.unwrap();
    let id = server.user_id("dienhoa").await;

    let (status, body) = send(
        &admin,
        "POST",
        &format!("/api/accounts/{id}/deactivate"),
        Value::Null,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["active"], false);
    assert_eq!(registrar.get("/api/auth/me").await.unwrap().status(), 401);
    // The right password hears that the account is locked; a wrong one learns nothing.
    let (_, status, body) = sign_in(&server, "dienhoa", "demo-dvk").await;
    assert_eq!((status, code_of(&body)), (403, "account_inactive"));
    let (_, status, body) = sign_in(&server, "dienhoa", "wrong password").await;
    assert_eq!((status, code_of(&body)), (401, "invalid_credentials"));

    let (status, _) = send(
        &admin,
        "POST",
        &format!("/api/accounts/{id}/reactivate"),
        Value::Null,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(sign_in(&server, "dienhoa", "demo-dvk").await.1, 200);

    // A reset: the old password stops, every session ends, the code works.
    let (status, body) = send(
        &admin,
        "POST",
        &format!("/api/accounts/{id}/one-time-code"),
        Value::Null,
    )
    .await;
    assert_eq!(status, 200);
    let reset: OneTimeCode = serde_json::from_value(body).unwrap();
    assert!(reset.account.must_change_password);
    assert_eq!(registrar.get("/api/auth/me").await.unwrap().status(), 401);
    assert_eq!(sign_in(&server, "dienhoa", "demo-dvk").await.1, 401);
    assert_eq!(sign_in(&server, "dienhoa", &reset.code).await.1, 200);

    // A code whose week is over says so, to whoever holds it.
    let expired = NewPassword {
        hash: dvk_server::auth::hash_password("HETH-ANMA-CODE").unwrap(),
        code_expires_at: Some(Timestamp(now().0 - 1)),
    };
    server
        .store()
        .set_password(
            id,
            &expired,
            None,
            &dvk_server::store::Actor::system("test"),
            now(),
        )
        .await
        .unwrap();
    let (_, status, body) = sign_in(&server, "dienhoa", "HETH-ANMA-CODE").await;
    assert_eq!((status, code_of(&body)), (401, "one_time_code_expired"));

    // Every change is in the account's history.
    let history = server.store().account_history(id).await.unwrap();
    let actions: Vec<&str> = history.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "user.deactivate",
            "user.reactivate",
            "user.one_time_code",
            "user.one_time_code"
        ]
    );
    assert!(
        !format!("{history:?}").contains("argon2"),
        "no hash in the audit log"
    );
}

#[tokio::test]
async fn deactivation_ends_the_session_at_once_on_sqlite() {
    deactivation_ends_the_session_at_once(Backend::Sqlite).await;
}

#[tokio::test]
async fn deactivation_ends_the_session_at_once_on_postgres() {
    deactivation_ends_the_session_at_once(Backend::Postgres).await;
}

async fn every_refusal_says_why_and_changes_nothing(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let admin = admin(&server).await;
    let hoa = server.unit("Xã Điện Hòa").await.id;
    let admin_id = server.user_id("admin").await;
    let before: Vec<Account> = admin.get_json("/api/accounts").await.unwrap();

    // Only administrators manage accounts.
    for username in ["bandanvan", "dienhoa", "lanhdao", "khaosat"] {
        let client = server.client();
        client.login_demo(username).await.unwrap();
        let (status, body) = send(
            &client,
            "POST",
            "/api/accounts",
            json!({"username": "ke.gian", "display_name": "X", "role": "admin", "unit_id": hoa}),
        )
        .await;
        assert_eq!(
            (status, code_of(&body)),
            (403, "role_not_allowed"),
            "{username}"
        );
        let (status, _) = send(
            &client,
            "POST",
            &format!("/api/accounts/{admin_id}/deactivate"),
            Value::Null,
        )
        .await;
        assert_eq!(status, 403, "{username}");
        // Nobody raises their own role.
        let own = server.user_id(username).await;
        let (status, _) = send(
            &client,
            "PATCH",
            &format!("/api/accounts/{own}"),
            json!({"role": "admin"}),
        )
        .await;
        assert_eq!(status, 403, "{username}");
    }
    // Bad fields, each named; a taken username; a unit that is not one.
    let (status, body) = send(
        &admin,
        "POST",
        "/api/accounts",
        json!({"username": "Cán Bộ", "display_name": " ", "role": "registrar", "unit_id": hoa}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        body["fields"],
        json!({"username": "invalid_format", "display_name": "required"})
    );
    let (status, body) = send(
        &admin,
        "POST",
        "/api/accounts",
        json!({"username": "dienhoa", "display_name": "Trùng", "role": "registrar", "unit_id": hoa}),
    )
    .await;
    assert_eq!(
        (status, body["fields"]["username"].as_str()),
        (422, Some("taken"))
    );
    let (status, body) = send(
        &admin,
        "POST",
        "/api/accounts",
        json!({"username": "don.vi.la", "display_name": "X", "role": "registrar", "unit_id": UnitId::new()}),
    )
    .await;
    assert_eq!(
        (status, body["fields"]["unit_id"].as_str()),
        (422, Some("invalid_choice"))
    );
    let (status, _) = send(
        &admin,
        "POST",
        "/api/accounts",
        json!({"username": "x", "role": "nobody"}),
    )
    .await;
    assert_eq!(status, 400);
    // The last active administrator stays one, and stays active; nobody changes their own role.
    let (status, body) = send(
        &admin,
        "POST",
        &format!("/api/accounts/{admin_id}/deactivate"),
        Value::Null,
    )
    .await;
    assert_eq!((status, code_of(&body)), (409, "last_active_admin"));
    let (status, body) = send(
        &admin,
        "PATCH",
        &format!("/api/accounts/{admin_id}"),
        json!({"role": "board"}),
    )
    .await;
    assert_eq!(
        (status, body["fields"]["role"].as_str()),
        (422, Some("not_allowed"))
    );
    // Unknown accounts answer 404, whatever the id looks like.
    for id in [UserId::new().to_string(), "not-an-id".to_owned()] {
        let (status, _) = send(
            &admin,
            "POST",
            &format!("/api/accounts/{id}/one-time-code"),
            Value::Null,
        )
        .await;
        assert_eq!(status, 404, "{id}");
    }
    let after: Vec<Account> = admin.get_json("/api/accounts").await.unwrap();
    // Signing in the four roles above is the only change.
    let standing = |accounts: &[Account]| -> Vec<_> {
        accounts
            .iter()
            .map(|a| (a.user.clone(), a.active, a.must_change_password))
            .collect()
    };
    assert_eq!(
        standing(&before),
        standing(&after),
        "no refusal changed anything"
    );

    // With a second administrator, the first may step down; then the second is the last.
    let second = create(&admin, "quantri2", "admin", before[0].user.unit_id).await;
    let (status, _) = send(
        &admin,
        "PATCH",
        &format!("/api/accounts/{}", second.account.user.id),
        json!({"display_name": "Quản trị 2"}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = send(
        &admin,
        "POST",
        &format!("/api/accounts/{}/deactivate", second.account.user.id),
        Value::Null,
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = send(
        &admin,
        "POST",
        &format!("/api/accounts/{admin_id}/deactivate"),
        Value::Null,
    )
    .await;
    assert_eq!(
        (status, code_of(&body)),
        (409, "last_active_admin"),
        "the second is inactive"
    );
}

#[tokio::test]
async fn every_refusal_says_why_on_sqlite() {
    every_refusal_says_why_and_changes_nothing(Backend::Sqlite).await;
}

#[tokio::test]
async fn every_refusal_says_why_on_postgres() {
    every_refusal_says_why_and_changes_nothing(Backend::Postgres).await;
}

/// Two administrators deactivating each other at once: one of them stays.
async fn two_admins_at_once_leave_one(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let first = admin(&server).await;
    let first_id = server.user_id("admin").await;
    let top = server
        .store()
        .account(first_id)
        .await
        .unwrap()
        .unwrap()
        .user
        .unit_id;
    let made = create(&first, "quantri2", "admin", top).await;
    let (second, status, _) = sign_in(&server, "quantri2", &made.code).await;
    assert_eq!(status, 200);
    let (status, _) = send(
        &second,
        "POST",
        "/api/auth/password",
        json!({"current_password": made.code, "new_password": "mat-khau-quan-tri"}),
    )
    .await;
    assert_eq!(status, 200);
    let second_id = made.account.user.id;
    let (to_second, to_first) = (
        format!("/api/accounts/{second_id}/deactivate"),
        format!("/api/accounts/{first_id}/deactivate"),
    );
    let (a, b) = tokio::join!(
        send(&first, "POST", &to_second, Value::Null),
        send(&second, "POST", &to_first, Value::Null),
    );
    let mut statuses = [a.0, b.0];
    statuses.sort_unstable();
    // One wins; the other is refused as the last, or finds its own session already ended.
    assert!(matches!(statuses, [200, 401] | [200, 409]), "{statuses:?}");
    let store = server.store();
    let active = [first_id, second_id].len()
        - [
            store.account(first_id).await.unwrap().unwrap().active,
            store.account(second_id).await.unwrap().unwrap().active,
        ]
        .iter()
        .filter(|a| !**a)
        .count();
    assert_eq!(active, 1);
}

#[tokio::test]
async fn two_admins_at_once_leave_one_on_sqlite() {
    two_admins_at_once_leave_one(Backend::Sqlite).await;
}

#[tokio::test]
async fn two_admins_at_once_leave_one_on_postgres() {
    two_admins_at_once_leave_one(Backend::Postgres).await;
}

async fn ones_own_password_and_other_sessions(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let tablet = server.client();
    tablet.login_demo("khaosat").await.unwrap();
    let laptop = server.client();
    laptop.login_demo("khaosat").await.unwrap();

    let (status, body) = send(
        &tablet,
        "POST",
        "/api/auth/password",
        json!({"current_password": "sai", "new_password": "mat-khau-moi-1"}),
    )
    .await;
    assert_eq!(
        (status, body["fields"]["current_password"].as_str()),
        (422, Some("incorrect"))
    );
    assert_eq!(
        laptop.get("/api/auth/me").await.unwrap().status(),
        200,
        "a refusal ends nothing"
    );

    let (status, body) = send(
        &tablet,
        "POST",
        "/api/auth/sessions/end-others",
        Value::Null,
    )
    .await;
    assert_eq!(status, 200);
    let ended: SessionsEnded = serde_json::from_value(body).unwrap();
    assert_eq!(ended.ended, 1);
    assert_eq!(laptop.get("/api/auth/me").await.unwrap().status(), 401);
    assert_eq!(tablet.get("/api/auth/me").await.unwrap().status(), 200);

    laptop.login_demo("khaosat").await.unwrap();
    let (status, _) = send(
        &tablet,
        "POST",
        "/api/auth/password",
        json!({"current_password": "demo-dvk", "new_password": "mat-khau-moi-1"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        tablet.get("/api/auth/me").await.unwrap().status(),
        200,
        "this session goes on"
    );
    assert_eq!(
        laptop.get("/api/auth/me").await.unwrap().status(),
        401,
        "the others end"
    );
    assert_eq!(sign_in(&server, "khaosat", "mat-khau-moi-1").await.1, 200);

    // The Board reads the accounts of its units only; other roles none.
    let admin = admin(&server).await;
    let hoa = server.unit("Xã Điện Hòa").await.id;
    let made = create(&admin, "bandanvan.hoa", "board", hoa).await;
    let (board, _, _) = sign_in(&server, "bandanvan.hoa", &made.code).await;
    send(
        &board,
        "POST",
        "/api/auth/password",
        json!({"current_password": made.code, "new_password": "mat-khau-ban-dv"}),
    )
    .await;
    let seen: Vec<Account> = board.get_json("/api/accounts").await.unwrap();
    let names: Vec<&str> = seen.iter().map(|a| a.user.username.as_str()).collect();
    assert!(
        names.contains(&"dienhoa") && names.contains(&"bandanvan.hoa"),
        "{names:?}"
    );
    assert!(!names.contains(&"admin"), "{names:?}");
    let registrar = server.client();
    registrar.login_demo("dienhoa").await.unwrap();
    let (status, _) = send(&registrar, "GET", "/api/accounts", Value::Null).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn ones_own_password_and_other_sessions_on_sqlite() {
    ones_own_password_and_other_sessions(Backend::Sqlite).await;
}

#[tokio::test]
async fn ones_own_password_and_other_sessions_on_postgres() {
    ones_own_password_and_other_sessions(Backend::Postgres).await;
}

/// A malformed body is a 400 with the API's error body, never a 500.
#[tokio::test]
async fn malformed_account_requests_answer_400() {
    let server = TestServer::start_demo(Backend::Sqlite).await.unwrap();
    let admin = admin(&server).await;
    let response = admin
        .http
        .post(admin.url("/api/accounts"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: ErrorBody = response.json().await.unwrap();
    assert_eq!(body.code, "invalid_body");
}
