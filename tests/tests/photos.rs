//! Photos of surveys against the real server on SQLite and PostgreSQL: a photo uploads in chunks
//! and comes back byte for byte; an upload cut off resumes where it stopped (also when the same
//! chunk arrives twice at once); a photo changed on the way is refused and sent again; what is
//! not a photo, too large, badly named or sent without a session is refused with a clear answer;
//! a photo two tablets hold is stored once; an upload abandoned for a week is dropped; a survey
//! lists its photos through sync.

// A test states what must hold with unwrap/expect; the lint is for production code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use dvk_shared::{
    api::ErrorBody,
    photo::{CHUNK_MAX_BYTES, PHOTO_MAX_BYTES, UploadRefused, UploadState},
    survey::default_criteria,
    sync::PushStatus,
};
use dvk_tests::{Backend, Client, TestServer, device::Device};
use reqwest::{StatusCode, header};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

const CHUNK: usize = CHUNK_MAX_BYTES;

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `len` bytes that start like a JPEG (FF D8 FF E0) and differ for each `seed`.
fn jpeg_like(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut bytes: Vec<u8> = (0..len)
        .map(|_| {
            // xorshift64: cheap bytes that do not compress and do not repeat.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect();
    bytes[..4].copy_from_slice(&[0xFF, 0xD8, 0xFF, 0xE0]);
    bytes
}

async fn signed_in(server: &TestServer, account: &str) -> Client {
    let client = server.client();
    client.login_demo(account).await.unwrap();
    client
}

fn upload_path(hash: &str) -> String {
    format!("/api/photos/{hash}/upload")
}

async fn upload_state(client: &Client, hash: &str) -> UploadState {
    client.get_json(&upload_path(hash)).await.unwrap()
}

async fn put_chunk(
    client: &Client,
    hash: &str,
    offset: u64,
    total: u64,
    bytes: &[u8],
) -> reqwest::Response {
    client
        .http
        .put(client.url(&upload_path(hash)))
        .query(&[("offset", offset), ("total", total)])
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap()
}

/// Sends the chunk of `photo` that starts at `offset`; expects 200 and returns the state.
async fn send_from(client: &Client, hash: &str, photo: &[u8], offset: u64) -> UploadState {
    let start = offset as usize;
    let end = (start + CHUNK).min(photo.len());
    let response = put_chunk(client, hash, offset, photo.len() as u64, &photo[start..end]).await;
    assert_eq!(response.status(), StatusCode::OK, "chunk at {offset}");
    response.json().await.unwrap()
}

/// What a tablet does: ask where the upload stands, then send chunk after chunk from there.
/// Returns how many chunks it sent.
async fn upload(client: &Client, hash: &str, photo: &[u8]) -> usize {
    let mut state = upload_state(client, hash).await;
    let mut sent = 0;
    while !state.complete {
        state = send_from(client, hash, photo, state.received).await;
        sent += 1;
        assert!(sent <= photo.len() / CHUNK + 1, "the upload does not end");
    }
    assert_eq!(state.received, photo.len() as u64);
    sent
}

async fn error_of(response: reqwest::Response) -> (StatusCode, ErrorBody) {
    let status = response.status();
    (status, response.json().await.unwrap())
}

/// The photo as the server serves it; fails unless it is there.
async fn fetch(client: &Client, hash: &str) -> reqwest::Response {
    let response = client.get(&format!("/api/photos/{hash}")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response
}

async fn a_photo_arrives_in_chunks_and_is_stored_once(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let tablet = signed_in(&server, "khaosat").await;
    let photo = jpeg_like(600_000, 1);
    let hash = sha256_hex(&photo);

    // Nothing yet, then 256 KiB at a time: 262,144 + 262,144 + 75,712 bytes.
    assert_eq!(
        upload_state(&tablet, &hash).await,
        UploadState {
            received: 0,
            complete: false
        }
    );
    let response = tablet.get(&format!("/api/photos/{hash}")).await.unwrap();
    let (status, error) = error_of(response).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error.code, "photo_not_found");

    let first = send_from(&tablet, &hash, &photo, 0).await;
    assert_eq!(
        first,
        UploadState {
            received: CHUNK as u64,
            complete: false
        }
    );
    assert_eq!(upload_state(&tablet, &hash).await, first);
    let second = send_from(&tablet, &hash, &photo, first.received).await;
    assert_eq!(second.received, 2 * CHUNK as u64);
    assert!(!second.complete);
    let last = send_from(&tablet, &hash, &photo, second.received).await;
    assert_eq!(
        last,
        UploadState {
            received: 600_000,
            complete: true
        }
    );

    // Byte for byte what was taken, with its type, cached for good.
    let response = fetch(&tablet, &hash).await;
    let headers = response.headers().clone();
    assert_eq!(headers[header::CONTENT_TYPE], "image/jpeg");
    assert_eq!(
        headers[header::CACHE_CONTROL],
        "private, max-age=31536000, immutable"
    );
    let served = response.bytes().await.unwrap();
    assert_eq!(served.len(), photo.len());
    assert_eq!(sha256_hex(&served), hash);

    // The Board's tablet holds the same photo: the server has it already, so nothing is sent,
    // and a chunk sent anyway stores nothing again.
    let board = signed_in(&server, "bandanvan").await;
    assert_eq!(
        upload_state(&board, &hash).await,
        UploadState {
            received: 600_000,
            complete: true
        }
    );
    assert_eq!(upload(&board, &hash, &photo).await, 0);
    assert_eq!(
        send_from(&board, &hash, &photo, 0).await,
        UploadState {
            received: 600_000,
            complete: true
        }
    );
    assert_eq!(upload_state(&board, &hash).await.received, 600_000);
    let served = fetch(&board, &hash).await.bytes().await.unwrap();
    assert_eq!(sha256_hex(&served), hash);

    // A photo smaller than one chunk goes in one.
    let small = jpeg_like(10_000, 2);
    assert_eq!(upload(&tablet, &sha256_hex(&small), &small).await, 1);
}

#[tokio::test]
async fn a_photo_arrives_in_chunks_and_is_stored_once_on_sqlite() {
    a_photo_arrives_in_chunks_and_is_stored_once(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_photo_arrives_in_chunks_and_is_stored_once_on_postgres() {
    a_photo_arrives_in_chunks_and_is_stored_once(Backend::Postgres).await;
}

async fn an_upload_cut_off_resumes_where_it_stopped(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let tablet = signed_in(&server, "khaosat").await;
    let photo = jpeg_like(600_000, 3);
    let hash = sha256_hex(&photo);
    let total = photo.len() as u64;
    send_from(&tablet, &hash, &photo, 0).await;

    // The connection dropped; the tablet, started again, asks where the upload stands.
    let restarted = signed_in(&server, "khaosat").await;
    let state = upload_state(&restarted, &hash).await;
    assert_eq!(state.received, CHUNK as u64);

    // A chunk that does not start there (sent again from 0, or one skipped) is refused with
    // where the upload stands, and nothing is written.
    for offset in [0, 2 * CHUNK as u64] {
        let start = offset as usize;
        let response = put_chunk(
            &restarted,
            &hash,
            offset,
            total,
            &photo[start..(start + CHUNK).min(photo.len())],
        )
        .await;
        assert_eq!(response.status(), StatusCode::CONFLICT, "offset {offset}");
        let refused: UploadRefused = response.json().await.unwrap();
        assert_eq!(refused.error.code, "wrong_offset");
        assert!(refused.error.message_en.contains("262144 bytes"));
        assert_eq!(
            refused.upload,
            UploadState {
                received: CHUNK as u64,
                complete: false
            }
        );
    }
    // Another total than the first chunk declared is refused too, and nothing is written.
    let response = put_chunk(
        &restarted,
        &hash,
        CHUNK as u64,
        total + 1,
        &photo[CHUNK..2 * CHUNK],
    )
    .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let refused: UploadRefused = response.json().await.unwrap();
    assert_eq!(refused.error.code, "total_changed");
    assert_eq!(upload_state(&restarted, &hash).await.received, CHUNK as u64);

    // A response lost after the second chunk: sending it again is refused with the count that
    // lets the tablet go on.
    send_from(&restarted, &hash, &photo, CHUNK as u64).await;
    let response = put_chunk(
        &restarted,
        &hash,
        CHUNK as u64,
        total,
        &photo[CHUNK..2 * CHUNK],
    )
    .await;
    let refused: UploadRefused = response.json().await.unwrap();
    assert_eq!(refused.upload.received, 2 * CHUNK as u64);

    // From there only the rest goes: one chunk, not three.
    assert_eq!(upload(&restarted, &hash, &photo).await, 1);
    let served = fetch(&tablet, &hash).await.bytes().await.unwrap();
    assert_eq!(sha256_hex(&served), hash);

    // The same chunk twice at once (a retry racing its original, or two tablets): one is
    // taken, the other told where the upload stands; neither fails.
    let other = jpeg_like(400_000, 8);
    let other_hash = sha256_hex(&other);
    let (a, b) = tokio::join!(
        put_chunk(&tablet, &other_hash, 0, 400_000, &other[..CHUNK]),
        put_chunk(&restarted, &other_hash, 0, 400_000, &other[..CHUNK]),
    );
    let mut statuses = [a.status(), b.status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
    assert_eq!(upload(&tablet, &other_hash, &other).await, 1);

    // A tablet that erred started an upload with a wrong size: that upload can never become
    // the photo. The right tablet is told to start again, and its first chunk replaces it.
    let third = jpeg_like(400_000, 12);
    let third_hash = sha256_hex(&third);
    put_chunk(&tablet, &third_hash, 0, 999_999, &third[..CHUNK]).await;
    let response = put_chunk(
        &restarted,
        &third_hash,
        CHUNK as u64,
        400_000,
        &third[CHUNK..],
    )
    .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "total_changed");
    // The body reads as the upload's state, like a 200: from 0.
    let resume: UploadState = serde_json::from_value(body).unwrap();
    assert_eq!(resume.received, 0);
    let mut state = send_from(&restarted, &third_hash, &third, resume.received).await;
    assert_eq!(state.received, CHUNK as u64);
    state = send_from(&restarted, &third_hash, &third, state.received).await;
    assert!(state.complete);
    let served = fetch(&tablet, &third_hash).await.bytes().await.unwrap();
    assert_eq!(sha256_hex(&served), third_hash);
}

async fn an_upload_left_for_a_week_is_dropped_when_another_starts(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let tablet = signed_in(&server, "khaosat").await;
    let surveyor = server.user_id("khaosat").await;
    let (old, recent, new) = (
        jpeg_like(300_000, 9),
        jpeg_like(300_000, 10),
        jpeg_like(1_000, 11),
    );
    let now = dvk_server::now().0;
    let day = 24 * 3_600_000;
    for (photo, days_ago) in [(&old, 8), (&recent, 6)] {
        let outcome = server
            .store()
            .put_chunk(
                &sha256_hex(photo),
                0,
                photo.len() as u64,
                &photo[..CHUNK],
                surveyor,
                dvk_shared::date::Timestamp(now - days_ago * day),
            )
            .await
            .unwrap();
        assert!(matches!(
            outcome,
            dvk_server::store::ChunkOutcome::Accepted(_)
        ));
    }
    assert_eq!(
        upload_state(&tablet, &sha256_hex(&old)).await.received,
        CHUNK as u64
    );
    upload(&tablet, &sha256_hex(&new), &new).await;
    assert_eq!(upload_state(&tablet, &sha256_hex(&old)).await.received, 0);
    assert_eq!(
        upload_state(&tablet, &sha256_hex(&recent)).await.received,
        CHUNK as u64
    );
    // The tablet that left it starts again from 0, and the photo arrives.
    assert_eq!(upload(&tablet, &sha256_hex(&old), &old).await, 2);
}

#[tokio::test]
async fn an_upload_left_for_a_week_is_dropped_when_another_starts_on_sqlite() {
    an_upload_left_for_a_week_is_dropped_when_another_starts(Backend::Sqlite).await;
}

#[tokio::test]
async fn an_upload_left_for_a_week_is_dropped_when_another_starts_on_postgres() {
    an_upload_left_for_a_week_is_dropped_when_another_starts(Backend::Postgres).await;
}

#[tokio::test]
async fn an_upload_cut_off_resumes_where_it_stopped_on_sqlite() {
    an_upload_cut_off_resumes_where_it_stopped(Backend::Sqlite).await;
}

#[tokio::test]
async fn an_upload_cut_off_resumes_where_it_stopped_on_postgres() {
    an_upload_cut_off_resumes_where_it_stopped(Backend::Postgres).await;
}

async fn a_photo_changed_on_the_way_is_refused_and_sent_again(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let tablet = signed_in(&server, "khaosat").await;
    let photo = jpeg_like(600_000, 4);
    let hash = sha256_hex(&photo);
    let mut tampered = photo.clone();
    tampered[CHUNK + 10] ^= 0x01;

    send_from(&tablet, &hash, &tampered, 0).await;
    send_from(&tablet, &hash, &tampered, CHUNK as u64).await;
    let response = put_chunk(
        &tablet,
        &hash,
        2 * CHUNK as u64,
        tampered.len() as u64,
        &tampered[2 * CHUNK..],
    )
    .await;
    let (status, error) = error_of(response).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error.code, "photo_changed");
    assert_eq!(
        error.message_en,
        "The photo arrived changed (its fingerprint does not match); the tablet will send it again."
    );

    // Nothing stored, nothing kept: the upload starts again from 0 and then succeeds.
    assert_eq!(
        upload_state(&tablet, &hash).await,
        UploadState {
            received: 0,
            complete: false
        }
    );
    let response = tablet.get(&format!("/api/photos/{hash}")).await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(upload(&tablet, &hash, &photo).await, 3);
    let served = fetch(&tablet, &hash).await.bytes().await.unwrap();
    assert_eq!(served.as_ref(), photo.as_slice());
}

#[tokio::test]
async fn a_photo_changed_on_the_way_is_refused_and_sent_again_on_sqlite() {
    a_photo_changed_on_the_way_is_refused_and_sent_again(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_photo_changed_on_the_way_is_refused_and_sent_again_on_postgres() {
    a_photo_changed_on_the_way_is_refused_and_sent_again(Backend::Postgres).await;
}

async fn what_is_not_a_photo_or_not_allowed_is_refused_clearly(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let tablet = signed_in(&server, "khaosat").await;
    let photo = jpeg_like(300_000, 5);
    let hash = sha256_hex(&photo);

    // A photo over 10 MiB, declared as such, is refused before any of it is stored.
    let response = put_chunk(&tablet, &hash, 0, PHOTO_MAX_BYTES + 1, &photo[..CHUNK]).await;
    let (status, error) = error_of(response).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error.code, "photo_too_large");
    assert!(error.message_en.contains("10 MB"), "{}", error.message_en);

    // A chunk over 256 KiB.
    let response = put_chunk(&tablet, &hash, 0, photo.len() as u64, &photo[..CHUNK + 1]).await;
    let (status, error) = error_of(response).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error.code, "chunk_too_large");

    // Something that is not a JPEG, PNG, WebP or PDF, whatever it is called: refused on its
    // first chunk, saying what is accepted.
    let page = b"<html><body>not a photo</body></html>".repeat(100);
    for not_a_photo in [page.as_slice(), b"GIF89a\x01\0\x01\0", b"%PDX-1.7\n"] {
        let response = put_chunk(
            &tablet,
            &sha256_hex(not_a_photo),
            0,
            not_a_photo.len() as u64,
            not_a_photo,
        )
        .await;
        let (status, error) = error_of(response).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(error.code, "not_a_photo");
        assert!(
            error
                .message_en
                .starts_with("Only photos (JPEG, PNG or WebP) or PDF")
        );
        assert!(error.message.starts_with("Chỉ nhận ảnh"));
    }

    // A chunk past the declared total, an empty one, missing parameters.
    for (query, body) in [
        ("?offset=0&total=100", &photo[..200]),
        ("?offset=0&total=300000", &photo[..0]),
        ("?offset=0", &photo[..200]),
        ("?offset=-1&total=300000", &photo[..200]),
    ] {
        let response = tablet
            .http
            .put(tablet.url(&format!("{}{query}", upload_path(&hash))))
            .body(body.to_vec())
            .send()
            .await
            .unwrap();
        let (status, error) = error_of(response).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert!(
            ["invalid_chunk", "invalid_query"].contains(&error.code.as_str()),
            "{query}: {}",
            error.code
        );
    }

    // A name that is not a SHA-256 in lowercase hex, on every route.
    for bad in [
        hash.to_uppercase(),
        hash[..63].to_owned(),
        format!("{}g", &hash[..63]),
        "..%2F..%2Fetc%2Fpasswd".to_owned(),
    ] {
        for response in [
            tablet.get(&upload_path(&bad)).await.unwrap(),
            put_chunk(&tablet, &bad, 0, photo.len() as u64, &photo[..CHUNK]).await,
            tablet.get(&format!("/api/photos/{bad}")).await.unwrap(),
        ] {
            let (status, error) = error_of(response).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
            assert_eq!(error.code, "invalid_photo_hash");
        }
    }

    // Nothing of the above was kept.
    assert_eq!(upload_state(&tablet, &hash).await.received, 0);

    // Without a session: sign in first, on every route.
    let anonymous = server.client();
    for response in [
        anonymous.get(&upload_path(&hash)).await.unwrap(),
        put_chunk(&anonymous, &hash, 0, photo.len() as u64, &photo[..CHUNK]).await,
        anonymous.get(&format!("/api/photos/{hash}")).await.unwrap(),
    ] {
        let (status, error) = error_of(response).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(error.code, "sign_in_required");
    }
    // From a page of another site: refused like every other write.
    let response = tablet
        .http
        .put(tablet.url(&upload_path(&hash)))
        .query(&[("offset", 0), ("total", photo.len())])
        .header(header::ORIGIN, "https://evil.example")
        .body(photo[..CHUNK].to_vec())
        .send()
        .await
        .unwrap();
    let (status, error) = error_of(response).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error.code, "cross_site_request");
    assert_eq!(upload_state(&tablet, &hash).await.received, 0);
}

#[tokio::test]
async fn what_is_not_a_photo_or_not_allowed_is_refused_clearly_on_sqlite() {
    what_is_not_a_photo_or_not_allowed_is_refused_clearly(Backend::Sqlite).await;
}

#[tokio::test]
async fn what_is_not_a_photo_or_not_allowed_is_refused_clearly_on_postgres() {
    what_is_not_a_photo_or_not_allowed_is_refused_clearly(Backend::Postgres).await;
}

async fn a_survey_lists_its_photos_through_sync(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let mut board = Device::of_demo(&server, "bandanvan").await.unwrap();
    let surveyor = server.user_id("khaosat").await.to_string();
    let model = board
        .replica()
        .iter()
        .find(|((entity, _), held)| entity == "model" && held.data["status"] == "in_progress")
        .map(|((_, id), _)| *id)
        .unwrap();
    let campaign = Uuid::now_v7();
    board.save(
        "campaign.create",
        campaign,
        None,
        json!({"year": 2026, "name": "Khảo sát có ảnh", "criteria": default_criteria(),
               "model_ids": [model], "assignments": {model.to_string(): surveyor},
               "deadline": "2026-12-31"}),
    );
    board.sync().await.unwrap();

    // The visit is saved with one photo, a second is added later; the records travel before
    // the photos themselves.
    let mut tablet = Device::of_demo(&server, "khaosat").await.unwrap();
    let (photo_1, photo_2) = (jpeg_like(300_000, 6), jpeg_like(50_000, 7));
    let reference = |photo: &[u8]| json!({"hash": sha256_hex(photo), "bytes": photo.len(), "width": 2000, "height": 1500});
    let visit = Uuid::now_v7();
    tablet.save(
        "survey.create",
        visit,
        None,
        json!({"campaign_id": campaign, "model_id": model, "photos": [reference(&photo_1)]}),
    );
    tablet.save(
        "survey.update",
        visit,
        Some(0),
        json!({"photos": [reference(&photo_1), reference(&photo_2)]}),
    );
    // References that are not valid are refused, naming the field.
    tablet.save(
        "survey.update",
        visit,
        Some(0),
        json!({"photos": [reference(&photo_1),
                          {"hash": "IMG_0001.JPG", "bytes": 1000, "width": 800, "height": 600}]}),
    );
    tablet.save(
        "survey.update",
        visit,
        Some(0),
        json!({"photos": [reference(&photo_2), reference(&photo_2)]}),
    );
    tablet.sync().await.unwrap();
    let answers: Vec<PushStatus> = tablet.answers().values().map(|a| a.status).collect();
    assert_eq!(
        answers,
        [
            PushStatus::Applied,
            PushStatus::Applied,
            PushStatus::Rejected,
            PushStatus::Rejected
        ]
    );
    let fields = |seq: u64| {
        tablet.answers()[&seq]
            .error
            .clone()
            .unwrap()
            .fields
            .unwrap()
    };
    assert!(fields(3).get("photos.1.hash").is_some(), "{:?}", fields(3));
    assert!(fields(4).get("photos.1.hash").is_some(), "{:?}", fields(4));

    // The Board's device receives the survey with both references as the tablet wrote them.
    board.sync().await.unwrap();
    let held = &board.replica()[&("survey".to_owned(), visit)].data;
    assert_eq!(
        held["photos"],
        json!([reference(&photo_1), reference(&photo_2)])
    );

    // The photos follow; then the Board sees them.
    for photo in [&photo_1, &photo_2] {
        upload(&tablet.client, &sha256_hex(photo), photo).await;
    }
    for reference in held["photos"].as_array().unwrap() {
        let hash = reference["hash"].as_str().unwrap();
        let served = fetch(&board.client, hash).await.bytes().await.unwrap();
        assert_eq!(Value::from(served.len()), reference["bytes"]);
        assert_eq!(sha256_hex(&served), hash);
    }
}

#[tokio::test]
async fn a_survey_lists_its_photos_through_sync_on_sqlite() {
    a_survey_lists_its_photos_through_sync(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_survey_lists_its_photos_through_sync_on_postgres() {
    a_survey_lists_its_photos_through_sync(Backend::Postgres).await;
}

/// Who may send and see photos: those who make surveys send them; a photo shows to who sent
/// it, to those who see a survey with it (from its model's unit) and to those who see
/// everything, and is not there for anyone else; nobody but its starter throws away an upload
/// under way; a person has a quota.
async fn photos_reach_only_those_who_see_their_surveys(backend: Backend) {
    let server = TestServer::start_demo(backend).await.unwrap();
    let mut board = Device::of_demo(&server, "bandanvan").await.unwrap();
    let surveyor = server.user_id("khaosat").await.to_string();
    // A model outside Điện Hòa, and a registrar of its unit.
    let hoa = server.unit("Xã Điện Hòa").await.id;
    let (model, unit) = board
        .replica()
        .iter()
        .find(|((entity, _), held)| {
            entity == "model"
                && held.data["status"] == "in_progress"
                && held.data["unit_id"] != json!(hoa)
        })
        .map(|((_, id), held)| (*id, held.data["unit_id"].as_str().unwrap().to_owned()))
        .unwrap();
    dvk_server::admin::create_user(
        server.store(),
        "donvi",
        None,
        dvk_shared::user::Role::Registrar,
        &unit,
        "demo-dvk",
    )
    .await
    .unwrap();
    let campaign = Uuid::now_v7();
    board.save(
        "campaign.create",
        campaign,
        None,
        json!({"year": 2026, "name": "Khảo sát có ảnh", "criteria": default_criteria(),
               "model_ids": [model], "assignments": {model.to_string(): surveyor},
               "deadline": "2026-12-31"}),
    );
    board.sync().await.unwrap();

    let tablet = signed_in(&server, "khaosat").await;
    let photo = jpeg_like(40_000, 9);
    let hash = sha256_hex(&photo);
    upload(&tablet, &hash, &photo).await;
    let its_unit = signed_in(&server, "donvi").await;
    let other_unit = signed_in(&server, "dienhoa").await;
    let leader = signed_in(&server, "lanhdao").await;
    let status = |client: &Client| {
        let path = format!("/api/photos/{hash}");
        let client = client.http.clone();
        let url = format!("{}{path}", tablet.base);
        async move { client.get(url).send().await.unwrap().status() }
    };
    // Before any survey shows it: its sender and those who see everything.
    assert_eq!(status(&tablet).await, StatusCode::OK);
    assert_eq!(status(&leader).await, StatusCode::OK);
    assert_eq!(status(&its_unit).await, StatusCode::NOT_FOUND);
    // A survey of the model shows it: the model's unit sees it, another unit still does not.
    let mut surveyor_tablet = Device::new(tablet.clone());
    surveyor_tablet.sync().await.unwrap();
    surveyor_tablet.save(
        "survey.create",
        Uuid::now_v7(),
        None,
        json!({"campaign_id": campaign, "model_id": model,
               "photos": [{"hash": hash, "bytes": photo.len(), "width": 800, "height": 600}]}),
    );
    surveyor_tablet.sync().await.unwrap();
    assert_eq!(surveyor_tablet.answers()[&1].status, PushStatus::Applied);
    assert_eq!(status(&its_unit).await, StatusCode::OK);
    assert_eq!(status(&other_unit).await, StatusCode::NOT_FOUND);

    // Leaders send nothing; a registrar sends the scans of a commendation proposal (PDF).
    let other = jpeg_like(1_000, 10);
    let response = put_chunk(&leader, &sha256_hex(&other), 0, 1_000, &other).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let scan = [b"%PDF-1.4\n".as_slice(), &[7u8; 2_000]].concat();
    let response = put_chunk(&its_unit, &sha256_hex(&scan), 0, scan.len() as u64, &scan).await;
    assert_eq!(response.status(), StatusCode::OK);

    // An upload under way is not thrown away by someone else declaring another size.
    let big = jpeg_like(600_000, 11);
    let big_hash = sha256_hex(&big);
    send_from(&tablet, &big_hash, &big, 0).await;
    let board_client = signed_in(&server, "bandanvan").await;
    let response = put_chunk(&board_client, &big_hash, 0, 700_000, &big[..CHUNK]).await;
    let (status_code, error) = error_of(response).await;
    assert_eq!(status_code, StatusCode::CONFLICT);
    assert_eq!(error.code, "total_changed");
    assert_eq!(
        upload_state(&tablet, &big_hash).await.received,
        CHUNK as u64
    );
    // Its starter may begin again with another size (a tablet that erred).
    let response = put_chunk(&tablet, &big_hash, 0, 700_000, &big[..CHUNK]).await;
    assert_eq!(response.status(), StatusCode::OK);

    // A runaway tablet stops at its quota of uploads under way, with a clear answer.
    let mut refused = None;
    for seed in 0..=dvk_server::store::UPLOADS_UNDER_WAY_MAX {
        let part = jpeg_like(2_000, 1_000 + seed);
        let response = put_chunk(&tablet, &sha256_hex(&part), 0, 10_000, &part).await;
        if response.status() != StatusCode::OK {
            refused = Some(error_of(response).await);
            break;
        }
    }
    let (status_code, error) = refused.expect("the quota stops a runaway tablet");
    assert_eq!(status_code, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error.code, "upload_quota");
    assert!(error.message.contains("quá nhiều ảnh"));
}

#[tokio::test]
async fn photos_reach_only_those_who_see_their_surveys_on_sqlite() {
    photos_reach_only_those_who_see_their_surveys(Backend::Sqlite).await;
}

#[tokio::test]
async fn photos_reach_only_those_who_see_their_surveys_on_postgres() {
    photos_reach_only_those_who_see_their_surveys(Backend::Postgres).await;
}
