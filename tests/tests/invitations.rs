//! Invitations against the real server on SQLite and PostgreSQL: the Board makes one for a unit
//! it sees, a person joins through it and is a registrar of that unit, signed in, able to sync
//! at once; expired, used-up and revoked invitations say so; codes are hashed and tries are
//! throttled; and every refusal changes nothing.

// A test states what must hold with unwrap/expect; the lint is for production code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use dvk_server::auth::ADDRESS_LIMIT;
use dvk_shared::{
    account::SignedIn,
    ids::UnitId,
    invitation::{Invitation, InvitationInfo, InvitationMade},
    user::Role,
};
use dvk_tests::{Backend, Client, TestServer};
use serde_json::{Value, json};

async fn post(client: &Client, path: &str, body: Value) -> (u16, Value) {
    client.post_json(path, body).await.unwrap()
}

async fn signed_in(server: &TestServer, username: &str) -> Client {
    let client = server.client();
    client.login_demo(username).await.unwrap();
    client
}

async fn invite(board: &Client, unit: UnitId, days: u32, max_uses: u32) -> InvitationMade {
    let (status, body) = post(
        board,
        "/api/invitations",
        json!({"unit_id": unit, "days": days, "max_uses": max_uses, "note": "Bảng tin UBND xã"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    serde_json::from_value(body).unwrap()
}

fn join_body(code: &str, username: &str) -> Value {
    json!({"code": code, "username": username, "display_name": format!("Người dân {username}"), "password": "mat-khau-cua-toi"})
}

async fn a_person_joins_and_registers_at_once(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let board = signed_in(&server, "bandanvan").await;
    let hoa = server.unit("Xã Điện Hòa").await.id;
    let made = invite(&board, hoa, 30, 2).await;
    assert_eq!(made.code.len(), 24);
    assert!(
        made.link.ends_with(&format!("/tham-gia#{}", made.code)),
        "{}",
        made.link
    );
    assert!(
        made.qr_svg.starts_with("<?xml") && made.qr_svg.contains("<svg"),
        "a QR code to print"
    );

    // Whoever holds the code sees which unit it is for, however they typed it.
    let phone = server.client();
    let typed = format!("{}-{}", &made.code[..12].to_lowercase(), &made.code[12..]);
    let (status, body) = post(&phone, "/api/invitations/lookup", json!({"code": typed})).await;
    assert_eq!(status, 200, "{body}");
    let info: InvitationInfo = serde_json::from_value(body).unwrap();
    assert_eq!(info.unit_name, "Xã Điện Hòa");
    assert_eq!(serde_json::to_value(info.state).unwrap(), "open");

    // Joining: a registrar of that unit, signed in on this phone at once.
    let (status, body) = post(
        &phone,
        "/api/invitations/join",
        join_body(&made.code, "nguoidan.a"),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let signed_in: SignedIn = serde_json::from_value(body).unwrap();
    assert_eq!(
        (signed_in.user.role, signed_in.user.unit_id),
        (Role::Registrar, hoa)
    );
    assert!(!signed_in.must_change_password);
    let me: SignedIn = phone.get_json("/api/auth/me").await.unwrap();
    assert_eq!(me.user.username, "nguoidan.a");
    // Their first model goes through sync like anyone's.
    let mut tablet = dvk_tests::device::Device::new(phone.clone());
    let id = uuid::Uuid::now_v7();
    tablet.save(
        "model.create",
        id,
        None,
        json!({"name": "Mô hình đầu tiên của tôi", "unit_id": hoa, "field": "culture_society", "year": 2026}),
    );
    tablet.sync().await.unwrap();
    assert_eq!(
        serde_json::to_value(tablet.answers().values().next().unwrap().status).unwrap(),
        "applied"
    );

    // A taken username says so and uses nothing up.
    let (status, body) = post(
        &server.client(),
        "/api/invitations/join",
        join_body(&made.code, "dienhoa"),
    )
    .await;
    assert_eq!(
        (status, body["fields"]["username"].as_str()),
        (422, Some("taken"))
    );
    let (status, _) = post(
        &server.client(),
        "/api/invitations/join",
        join_body(&made.code, "nguoidan.b"),
    )
    .await;
    assert_eq!(status, 201);
    // Used up now: the third person is told plainly.
    let (status, body) = post(
        &server.client(),
        "/api/invitations/join",
        join_body(&made.code, "nguoidan.c"),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (410, Some("invitation_used_up"))
    );
    let (_, body) = post(
        &server.client(),
        "/api/invitations/lookup",
        json!({"code": made.code}),
    )
    .await;
    assert_eq!(body["state"], "used_up");

    // The Board sees who joined through which invitation.
    let list: Vec<Invitation> = board.get_json("/api/invitations").await.unwrap();
    let listed = list.iter().find(|i| i.id == made.invitation.id).unwrap();
    let joined: Vec<&str> = listed.joined.iter().map(|j| j.username.as_str()).collect();
    assert_eq!(joined, ["nguoidan.a", "nguoidan.b"]);
    assert!(
        !serde_json::to_string(&list).unwrap().contains(&made.code),
        "codes are never listed"
    );
}

#[tokio::test]
async fn a_person_joins_and_registers_at_once_on_sqlite() {
    a_person_joins_and_registers_at_once(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_person_joins_and_registers_at_once_on_postgres() {
    a_person_joins_and_registers_at_once(Backend::Postgres).await;
}

async fn closed_invitations_and_refusals(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let board = signed_in(&server, "bandanvan").await;
    let hoa = server.unit("Xã Điện Hòa").await.id;

    // Revoked: the link stops at once.
    let made = invite(&board, hoa, 30, 10).await;
    let (status, body) = post(
        &board,
        &format!("/api/invitations/{}/revoke", made.invitation.id),
        Value::Null,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = post(
        &server.client(),
        "/api/invitations/join",
        join_body(&made.code, "nguoidan.x"),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (410, Some("invitation_revoked"))
    );

    // Expired (its time set in the past through the database).
    let old = invite(&board, hoa, 1, 10).await;
    let url = server.database_url();
    let expire = "UPDATE invitations SET expires_at = 0 WHERE id = $1";
    if url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        sqlx::query(expire)
            .bind(old.invitation.id.to_string())
            .execute(&pool)
            .await
            .unwrap();
    } else {
        let pool = sqlx::PgPool::connect(&url).await.unwrap();
        sqlx::query(expire)
            .bind(old.invitation.id.to_string())
            .execute(&pool)
            .await
            .unwrap();
    }
    let (status, body) = post(
        &server.client(),
        "/api/invitations/join",
        join_body(&old.code, "nguoidan.y"),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (410, Some("invitation_expired"))
    );

    // Unknown codes, bad fields.
    let (status, body) = post(
        &server.client(),
        "/api/invitations/lookup",
        json!({"code": "KHONGCOMAY"}),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("invitation_not_found"))
    );
    let open = invite(&board, hoa, 30, 10).await;
    let (status, body) = post(
        &server.client(),
        "/api/invitations/join",
        json!({"code": open.code, "username": "Tên Có Dấu", "display_name": "", "password": "ngan"}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        body["fields"],
        json!({"username": "invalid_format", "display_name": "required", "password": "too_short"})
    );

    // Only the Board and admins make invitations, and only for units they see.
    let registrar = signed_in(&server, "dienhoa").await;
    let (status, _) = post(
        &registrar,
        "/api/invitations",
        json!({"unit_id": hoa, "days": 30, "max_uses": 5}),
    )
    .await;
    assert_eq!(status, 403);
    let (status, body) = post(
        &board,
        "/api/invitations",
        json!({"unit_id": hoa, "days": 0, "max_uses": 1000}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        body["fields"],
        json!({"days": "out_of_range", "max_uses": "out_of_range"})
    );
    let (status, _) = post(
        &board,
        "/api/invitations",
        json!({"unit_id": UnitId::new(), "days": 30, "max_uses": 5}),
    )
    .await;
    assert_eq!(status, 422);

    // None of that let anyone in.
    let accounts: Vec<dvk_shared::account::Account> = signed_in(&server, "admin")
        .await
        .get_json("/api/accounts")
        .await
        .unwrap();
    assert!(
        accounts
            .iter()
            .all(|a| !a.user.username.starts_with("nguoidan")),
        "nobody joined"
    );
    let list: Vec<Invitation> = board.get_json("/api/invitations").await.unwrap();
    assert_eq!(list.len(), 3);
}

#[tokio::test]
async fn closed_invitations_and_refusals_on_sqlite() {
    closed_invitations_and_refusals(Backend::Sqlite).await;
}

#[tokio::test]
async fn closed_invitations_and_refusals_on_postgres() {
    closed_invitations_and_refusals(Backend::Postgres).await;
}

/// Guessing codes from one address stops at the sign-in limit; a person elsewhere still joins.
#[tokio::test]
async fn guessing_codes_is_throttled() {
    let server = TestServer::start_demo_behind(Backend::Sqlite, "127.0.0.1")
        .await
        .unwrap();
    let board = signed_in(&server, "bandanvan").await;
    let made = invite(&board, server.unit("Xã Điện Hòa").await.id, 30, 5).await;
    let guess = |from: &'static str| {
        let http = reqwest::Client::new();
        let url = server.url("/api/invitations/lookup");
        async move {
            http.post(url)
                .header("x-forwarded-for", from)
                .json(&json!({"code": "AAAABBBBCCCCDDDDEEEEFFFF"}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let mut statuses = Vec::new();
    for _ in 0..=ADDRESS_LIMIT {
        statuses.push(guess("203.0.113.9").await);
    }
    assert!(
        statuses[..ADDRESS_LIMIT].iter().all(|s| *s == 404),
        "{statuses:?}"
    );
    assert_eq!(statuses[ADDRESS_LIMIT], 429);
    // Even the right code waits now from that address; from another it works.
    let right = |from: &'static str| {
        let http = reqwest::Client::new();
        let url = server.url("/api/invitations/lookup");
        let code = made.code.clone();
        async move {
            http.post(url)
                .header("x-forwarded-for", from)
                .json(&json!({"code": code}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(right("203.0.113.9").await, 429);
    assert_eq!(right("198.51.100.20").await, 200);
}
