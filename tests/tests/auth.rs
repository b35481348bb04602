//! Accounts against the real server on SQLite and PostgreSQL: sign in, sessions that slide and
//! expire, throttling, and the request guards (other sites, body size, malformed input).

// A test states what must hold with unwrap/expect; the lint is for production code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use dvk_server::{
    auth::{ACCOUNT_LIMIT, ADDRESS_LIMIT, SESSION_TTL_MS, token_hash},
    now,
};
use dvk_shared::{api::ErrorBody, date::Timestamp, user::User};
use dvk_tests::{Backend, TestServer};

async fn signing_in_sets_a_strict_httponly_cookie_and_me_answers_the_user(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let client = server.client();
    assert_eq!(client.get("/api/auth/me").await.unwrap().status(), 401);

    let response = client.login("dienhoa", "demo-dvk").await.unwrap();
    assert_eq!(response.status(), 200);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    for attribute in ["dvk_session=", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    let user: User = response.json().await.unwrap();
    assert_eq!(user.username, "dienhoa");
    assert_eq!(user.role.as_str(), "registrar");

    let me: User = client.get_json("/api/auth/me").await.unwrap();
    assert_eq!(me, user);

    let out = client
        .http
        .post(client.url("/api/auth/logout"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    assert_eq!(client.get("/api/auth/me").await.unwrap().status(), 401);
}

#[tokio::test]
async fn signing_in_and_out_on_sqlite() {
    signing_in_sets_a_strict_httponly_cookie_and_me_answers_the_user(Backend::Sqlite).await;
}

#[tokio::test]
async fn signing_in_and_out_on_postgres() {
    signing_in_sets_a_strict_httponly_cookie_and_me_answers_the_user(Backend::Postgres).await;
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_user_get_the_same_vietnamese_answer() {
    let server = TestServer::start_demo(Backend::Sqlite).await.unwrap();
    let client = server.client();
    let wrong = client.login("dienhoa", "wrong password").await.unwrap();
    assert_eq!(wrong.status(), 401);
    let wrong: ErrorBody = wrong.json().await.unwrap();
    let unknown = client.login("nobody", "demo-dvk").await.unwrap();
    assert_eq!(unknown.status(), 401);
    let unknown: ErrorBody = unknown.json().await.unwrap();
    assert_eq!(
        wrong, unknown,
        "the answer must not say which part was wrong"
    );
    assert_eq!(wrong.code, "invalid_credentials");
    assert!(wrong.message.contains("mật khẩu"), "{}", wrong.message);
}

async fn repeated_failures_lock_the_account_with_retry_after(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let client = server.client();
    for _ in 0..ACCOUNT_LIMIT {
        let response = client.login("bandanvan", "guess").await.unwrap();
        assert_eq!(response.status(), 401);
    }
    let locked = client.login("bandanvan", "guess").await.unwrap();
    assert_eq!(locked.status(), 429);
    let retry_after: u64 = locked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=15 * 60).contains(&retry_after), "{retry_after}");
    let body: ErrorBody = locked.json().await.unwrap();
    assert_eq!(body.code, "too_many_attempts");
    // While locked even the right password waits: that is what stops guessing.
    let right = client.login("bandanvan", "demo-dvk").await.unwrap();
    assert_eq!(right.status(), 429);
    // Other accounts are not locked by it (the address limit is higher).
    assert_eq!(
        client.login("lanhdao", "demo-dvk").await.unwrap().status(),
        200
    );
}

/// Wrong passwords sent all at once are counted as they arrive, not after each was checked:
/// at most the limit of them is ever checked (on the previous main, all 20 were).
async fn wrong_passwords_at_once_all_count(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let attempts: Vec<_> = (0..20)
        .map(|_| {
            let client = server.client();
            tokio::spawn(async move {
                client
                    .login("dienhoa", "wrong password")
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for attempt in attempts {
        statuses.push(attempt.await.unwrap());
    }
    let checked = statuses.iter().filter(|s| **s == 401).count();
    assert!(checked <= ACCOUNT_LIMIT, "{checked} checked: {statuses:?}");
    assert!(
        statuses.iter().all(|s| *s == 401 || *s == 429),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn wrong_passwords_at_once_all_count_on_sqlite() {
    wrong_passwords_at_once_all_count(Backend::Sqlite).await;
}

#[tokio::test]
async fn wrong_passwords_at_once_all_count_on_postgres() {
    wrong_passwords_at_once_all_count(Backend::Postgres).await;
}

#[tokio::test]
async fn repeated_failures_lock_the_account_on_sqlite() {
    repeated_failures_lock_the_account_with_retry_after(Backend::Sqlite).await;
}

#[tokio::test]
async fn repeated_failures_lock_the_account_on_postgres() {
    repeated_failures_lock_the_account_with_retry_after(Backend::Postgres).await;
}

/// Arranges a session directly in the store and presents its cookie.
async fn session_cookie_expiring_at(
    server: &TestServer,
    username: &str,
    expires_at: Timestamp,
) -> String {
    let (user, _) = server
        .store()
        .user_with_hash(username)
        .await
        .unwrap()
        .unwrap();
    let token = "ab".repeat(32);
    server
        .store()
        .create_session(&token_hash(&token), user.id, now(), expires_at)
        .await
        .unwrap();
    format!("dvk_session={token}")
}

#[tokio::test]
async fn an_expired_session_is_refused() {
    let server = TestServer::start_demo(Backend::Sqlite).await.unwrap();
    let cookie = session_cookie_expiring_at(&server, "dienhoa", Timestamp(now().0 - 1000)).await;
    let response = reqwest::Client::new()
        .get(server.url("/api/auth/me"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body: ErrorBody = response.json().await.unwrap();
    assert_eq!(body.code, "sign_in_required");
}

#[tokio::test]
async fn using_a_session_slides_its_expiry_to_thirty_days_ahead() {
    let server = TestServer::start_demo(Backend::Sqlite).await.unwrap();
    let soon = Timestamp(now().0 + 24 * 3_600_000);
    let cookie = session_cookie_expiring_at(&server, "khaosat", soon).await;
    let response = reqwest::Client::new()
        .get(server.url("/api/auth/me"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let session = server
        .store()
        .session(&token_hash(&"ab".repeat(32)), now())
        .await
        .unwrap()
        .unwrap();
    assert!(session.expires_at.0 > now().0 + SESSION_TTL_MS - 60_000);
}

#[tokio::test]
async fn a_session_made_on_one_server_works_on_another_sharing_the_database() {
    let server = TestServer::start_demo(Backend::Postgres).await.unwrap();
    let other = server.another_on_same_database().await.unwrap();
    let client = server.client();
    let response = client.login("lanhdao", "demo-dvk").await.unwrap();
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let me = reqwest::Client::new()
        .get(format!("http://{}/api/auth/me", other.addr))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    other.stop().await.unwrap();
}

#[tokio::test]
async fn a_change_sent_from_another_site_is_refused() {
    let server = TestServer::start_demo(Backend::Sqlite).await.unwrap();
    let response = reqwest::Client::new()
        .post(server.url("/api/auth/login"))
        .header("origin", "https://evil.example")
        .json(&serde_json::json!({"username": "admin", "password": "demo-dvk"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let body: ErrorBody = response.json().await.unwrap();
    assert_eq!(body.code, "cross_site_request");
    // The same request from the app's own origin goes through.
    let same = reqwest::Client::new()
        .post(server.url("/api/auth/login"))
        .header("origin", &server.base)
        .json(&serde_json::json!({"username": "admin", "password": "demo-dvk"}))
        .send()
        .await
        .unwrap();
    assert_eq!(same.status(), 200);
}

#[tokio::test]
async fn an_oversized_body_answers_413_with_a_message() {
    let server = TestServer::start_demo(Backend::Sqlite).await.unwrap();
    let huge = "x".repeat(dvk_server::MAX_BODY_BYTES + 1);
    let response = reqwest::Client::new()
        .post(server.url("/api/auth/login"))
        .header("content-type", "application/json")
        .body(format!(r#"{{"username":"admin","password":"{huge}"}}"#))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let body: ErrorBody = response.json().await.unwrap();
    assert_eq!(body.code, "payload_too_large");
    assert!(!body.message.is_empty());
}

#[tokio::test]
async fn malformed_sign_in_requests_answer_400_and_the_server_goes_on() {
    let server = TestServer::start_demo(Backend::Sqlite).await.unwrap();
    let http = reqwest::Client::new();
    for body in [
        r#"{"username": "admin""#,
        r#"{"username": 5, "password": "x"}"#,
        r#"{"password": "x"}"#,
        "[]",
    ] {
        let response = http
            .post(server.url("/api/auth/login"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{body}");
        let error: ErrorBody = response.json().await.unwrap();
        assert_eq!(error.code, "invalid_body", "{body}");
    }
    assert_eq!(
        server
            .client()
            .login("admin", "demo-dvk")
            .await
            .unwrap()
            .status(),
        200
    );
}

/// Signs in through a proxy that forwards the person's address `from` over `proto`, and
/// answers the status and the cookie set.
async fn login_forwarded(
    server: &TestServer,
    username: &str,
    password: &str,
    from: &str,
    proto: &str,
) -> (u16, String) {
    let response = reqwest::Client::new()
        .post(server.url("/api/auth/login"))
        .header("x-forwarded-for", from)
        .header("x-forwarded-proto", proto)
        .header("x-forwarded-host", "dvk.example.vn")
        .header("origin", format!("{proto}://dvk.example.vn"))
        .json(&serde_json::json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    let cookie = response
        .headers()
        .get("set-cookie")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (response.status().as_u16(), cookie)
}

/// Wrong passwords from `from` (each for another account) until the address is refused: a
/// burst at once, then one at a time (attempts that meet at once may be refused together, which
/// leaves fewer counted than were sent).
async fn block_address(server: &TestServer, from: &'static str) {
    let wrong = |i: usize| {
        let base = server.base.clone();
        async move {
            reqwest::Client::new()
                .post(format!("{base}/api/auth/login"))
                .header("x-forwarded-for", from)
                .json(
                    &serde_json::json!({"username": format!("khong-co-{i}"), "password": "guess"}),
                )
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let burst: Vec<_> = (0..ADDRESS_LIMIT).map(|i| tokio::spawn(wrong(i))).collect();
    for attempt in burst {
        assert!(matches!(attempt.await.unwrap(), 401 | 429));
    }
    for i in ADDRESS_LIMIT..3 * ADDRESS_LIMIT {
        if wrong(i).await == 429 {
            return;
        }
    }
    panic!("{from} was never refused");
}

async fn behind_a_trusted_proxy(backend: Backend) {
    let server = TestServer::start_demo_behind(backend, "127.0.0.1, ::1")
        .await
        .unwrap();
    // Over HTTPS at the proxy the cookie is Secure; the forwarded host passes the same-origin
    // check though the socket's Host is 127.0.0.1.
    let (status, cookie) =
        login_forwarded(&server, "dienhoa", "demo-dvk", "198.51.100.7", "https").await;
    assert_eq!(status, 200);
    assert!(cookie.contains("; Secure"), "{cookie}");
    let (status, cookie) =
        login_forwarded(&server, "dienhoa", "demo-dvk", "198.51.100.7", "http").await;
    assert_eq!(status, 200);
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP: a Secure cookie would be dropped: {cookie}"
    );

    // Throttling counts the person's address, not the proxy's: one address blocked, another
    // person behind the same proxy still signs in.
    block_address(&server, "203.0.113.50").await;
    let (blocked, _) =
        login_forwarded(&server, "lanhdao", "demo-dvk", "203.0.113.50", "https").await;
    assert_eq!(blocked, 429);
    let (other, _) = login_forwarded(&server, "lanhdao", "demo-dvk", "198.51.100.8", "https").await;
    assert_eq!(other, 200);
}

#[tokio::test]
async fn behind_a_trusted_proxy_on_sqlite() {
    behind_a_trusted_proxy(Backend::Sqlite).await;
}

#[tokio::test]
async fn behind_a_trusted_proxy_on_postgres() {
    behind_a_trusted_proxy(Backend::Postgres).await;
}

/// Without the setting nobody's forwarded headers are believed: no Secure cookie on a word, a
/// forged host is another site, and a forged address does not escape the throttle.
#[tokio::test]
async fn forwarded_headers_are_ignored_unless_the_proxy_is_trusted() {
    let server = TestServer::start_demo(Backend::Sqlite).await.unwrap();
    let (status, _) =
        login_forwarded(&server, "dienhoa", "demo-dvk", "198.51.100.7", "https").await;
    assert_eq!(
        status, 403,
        "the forged host makes the Origin another site's"
    );
    let response = server.client().login("dienhoa", "demo-dvk").await.unwrap();
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(!cookie.contains("Secure"), "{cookie}");

    block_address(&server, "203.0.113.50").await;
    let forged = reqwest::Client::new()
        .post(server.url("/api/auth/login"))
        .header("x-forwarded-for", "198.51.100.99")
        .json(&serde_json::json!({"username": "lanhdao", "password": "demo-dvk"}))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 429, "all of it came from 127.0.0.1");
}
