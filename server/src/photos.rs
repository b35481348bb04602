//! Photos of surveys: `GET|PUT /api/photos/{hash}/upload`, a chunked upload that resumes where
//! it stopped, and `GET /api/photos/{hash}`. A photo is named by the SHA-256 of its bytes, so
//! the same photo is stored once and never changes; a survey lists its photos by that name
//! (`dvk_shared::photo::PhotoRef`) and may arrive before them.
//!
//! Only the HTTP side goes here; the checks of a chunk against the upload, and of the whole
//! photo against its name, run in the store inside one transaction.

use axum::{
    Json, Router,
    body::Bytes,
    extract::{DefaultBodyLimit, Path, State, rejection::BytesRejection},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use dvk_shared::{
    api::ErrorBody,
    photo::{CHUNK_MAX_BYTES, PHOTO_MAX_BYTES, UploadRefused, UploadState, hash_is_valid},
    user::Role,
};
use serde::Deserialize;

use crate::{
    AppState,
    access::Viewer,
    auth::CurrentUser,
    error::{ApiError, Forbidden, PhotoRefusal},
    extract::ApiQuery,
    now,
    store::ChunkOutcome,
};

/// A photo never changes under its name: browsers keep it for a year without asking again.
const CACHE_FOREVER: &str = "private, max-age=31536000, immutable";

pub fn router() -> Router<AppState> {
    Router::new().route("/photos/{hash}", get(photo)).route(
        "/photos/{hash}/upload",
        get(upload_state)
            .put(put_chunk)
            // One chunk, not a byte more (well under the API's `MAX_BODY_BYTES`): a larger body
            // is refused before it is read.
            .layer(DefaultBodyLimit::max(CHUNK_MAX_BYTES)),
    )
}

/// Whether a role sends files: photos of surveys, and the scans a registrar attaches to a
/// commendation proposal.
fn may_upload(role: Role) -> bool {
    matches!(role, Role::Surveyor | Role::Registrar) || role.reviews()
}

/// The photo's name from the path, if it is one.
fn photo_hash(hash: String) -> Result<String, ApiError> {
    if hash_is_valid(&hash) {
        Ok(hash)
    } else {
        Err(ApiError::BadRequest {
            code: "invalid_photo_hash",
            detail_vi: "tên ảnh phải là mã SHA-256 của ảnh, 64 chữ số thập lục phân viết thường"
                .into(),
            detail_en: "a photo is named by the SHA-256 of its bytes, 64 lowercase hex digits"
                .into(),
        })
    }
}

/// The raw bytes of a photo, or of one chunk of it.
// For the document only: a `Vec<u8>` would be shown as an array of numbers, not as binary.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub(crate) struct PhotoBytes(Vec<u8>);

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ChunkQuery {
    /// Where this chunk starts in the photo, in bytes: the `received` of the upload's state.
    offset: u64,
    /// The photo's whole size in bytes, the same on every chunk of one upload.
    total: u64,
}

/// Where the upload of a photo stands: the tablet asks before sending, and after a dropped
/// connection, and sends from `received`. `complete` means the photo is stored already (perhaps
/// from another tablet): nothing to send.
#[utoipa::path(
    get,
    path = "/api/photos/{hash}/upload",
    operation_id = "photo_upload_state",
    tag = "photos",
    security(("dvk_session" = [])),
    params(("hash" = String, Path, description = "The SHA-256 of the photo's bytes, 64 lowercase hex digits.")),
    responses(
        (status = 200, description = "Where the upload stands.", body = UploadState),
        (status = 400, description = "`hash` is not 64 lowercase hex digits (`invalid_photo_hash`).", body = ErrorBody),
        (status = 401, description = "No valid session (`sign_in_required`).", body = ErrorBody),
        (status = 403, description = "Only field staff, the Board and admins send photos (`role_not_allowed`).", body = ErrorBody),
    )
)]
pub(crate) async fn upload_state(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(hash): Path<String>,
) -> Result<Json<UploadState>, ApiError> {
    let hash = photo_hash(hash)?;
    if !may_upload(user.role) {
        return Err(ApiError::Forbidden(Forbidden::Role));
    }
    Ok(Json(state.store.upload_state(&hash).await?))
}

/// One chunk of a photo: the bytes from `offset`, at most 256 KiB, as
/// `application/octet-stream`. The chunk that completes the photo has it checked against its
/// name and stored; a photo stored already answers `complete` without storing anything again.
#[utoipa::path(
    put,
    path = "/api/photos/{hash}/upload",
    operation_id = "photo_upload_chunk",
    tag = "photos",
    security(("dvk_session" = [])),
    params(
        ("hash" = String, Path, description = "The SHA-256 of the photo's bytes, 64 lowercase hex digits."),
        ChunkQuery,
    ),
    request_body(content = PhotoBytes, content_type = "application/octet-stream",
        description = "The photo's bytes from `offset`: at most 262,144 (256 KiB), never past `total`. The first chunk (`offset=0`) must start like a JPEG, PNG or WebP image."),
    responses(
        (status = 200, description = "The chunk is held (or the photo was stored already); the upload now stands here. `complete` once the photo is stored.", body = UploadState),
        (status = 400, description = "`hash` is not 64 lowercase hex digits (`invalid_photo_hash`), a parameter is missing or not a number (`invalid_query`), or the chunk is empty or goes past `total` (`invalid_chunk`).", body = ErrorBody),
        (status = 401, description = "No valid session (`sign_in_required`).", body = ErrorBody),
        (status = 403, description = "Sent from a page of another site (`cross_site_request`), or by a role that does not send photos — only field staff, the Board and admins do (`role_not_allowed`).", body = ErrorBody),
        (status = 409, description = "The chunk does not start where the upload stands (`wrong_offset`), or declares another `total` than the upload's first chunk did (`total_changed`; only the person who began an upload may start it again with another size, unless it has lain untouched for a week); nothing was written. Beside the error's fields the body carries `received` and `complete` like a 200: send from `received` (0 after `total_changed`; a first chunk with another total starts the upload again).", body = UploadRefused),
        (status = 413, description = "`total` is over 10 MiB (`photo_too_large`) or the chunk over 256 KiB (`chunk_too_large`).", body = ErrorBody),
        (status = 415, description = "The photo does not start like a JPEG, PNG or WebP image (`not_a_photo`).", body = ErrorBody),
        (status = 422, description = "All the bytes arrived but their SHA-256 is not `hash` (`photo_changed`): nothing was stored and the upload starts again from 0.", body = ErrorBody),
        (status = 429, description = "The person has 100 uploads under way or sent 1 GiB today (`upload_quota`): nothing was written; the tablet keeps the photo and tries later.", body = ErrorBody),
    )
)]
pub(crate) async fn put_chunk(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(hash): Path<String>,
    ApiQuery(query): ApiQuery<ChunkQuery>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<UploadState>, ApiError> {
    let hash = photo_hash(hash)?;
    // Photos belong to surveys: only those who make surveys send them.
    if !may_upload(user.role) {
        return Err(ApiError::Forbidden(Forbidden::Role));
    }
    if query.total > PHOTO_MAX_BYTES {
        return Err(ApiError::Photo(PhotoRefusal::TooLarge));
    }
    let chunk = match body {
        Ok(chunk) if chunk.len() <= CHUNK_MAX_BYTES => chunk,
        Ok(_) => return Err(ApiError::Photo(PhotoRefusal::ChunkTooLarge)),
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return Err(ApiError::Photo(PhotoRefusal::ChunkTooLarge));
        }
        Err(rejection) => {
            return Err(ApiError::BadRequest {
                code: "invalid_body",
                detail_vi: "không đọc được phần ảnh gửi lên".into(),
                detail_en: rejection.body_text(),
            });
        }
    };
    if chunk.is_empty() || query.offset.saturating_add(chunk.len() as u64) > query.total {
        return Err(ApiError::BadRequest {
            code: "invalid_chunk",
            detail_vi: format!(
                "phần ảnh {} byte tại vị trí {} không nằm trong ảnh {} byte",
                chunk.len(),
                query.offset,
                query.total
            ),
            detail_en: format!(
                "a chunk of {} bytes at offset {} does not fit a photo of {} bytes",
                chunk.len(),
                query.offset,
                query.total
            ),
        });
    }
    // Checked on the first chunk already, so a tablet does not send megabytes of something
    // that is not a photo; the whole photo is checked again when it is complete.
    if query.offset == 0 && dvk_shared::photo::file_type(&chunk).is_none() {
        return Err(ApiError::Photo(PhotoRefusal::NotAPhoto));
    }
    let outcome = state
        .store
        .put_chunk(&hash, query.offset, query.total, &chunk, user.id, now())
        .await?;
    match outcome {
        ChunkOutcome::Accepted(upload) => {
            if upload.complete {
                tracing::info!(%hash, bytes = query.total, user = %user.username, "photo stored");
            }
            Ok(Json(upload))
        }
        ChunkOutcome::AlreadyStored(upload) => Ok(Json(upload)),
        ChunkOutcome::WrongOffset(upload) => {
            Err(ApiError::Photo(PhotoRefusal::WrongOffset(upload)))
        }
        ChunkOutcome::TotalChanged => Err(ApiError::Photo(PhotoRefusal::TotalChanged)),
        ChunkOutcome::Changed => {
            tracing::warn!(%hash, user = %user.username, "photo upload dropped: its bytes do not hash to its name");
            Err(ApiError::Photo(PhotoRefusal::Changed))
        }
        ChunkOutcome::NotAPhoto => {
            tracing::warn!(%hash, user = %user.username, "photo upload dropped: not an image");
            Err(ApiError::Photo(PhotoRefusal::NotAPhoto))
        }
        ChunkOutcome::OverQuota => {
            tracing::warn!(%hash, user = %user.username, "photo upload refused: over the quota");
            Err(ApiError::Photo(PhotoRefusal::OverQuota))
        }
    }
}

/// A stored photo, with its own type. It never changes under its name, so it may be cached for
/// good.
#[utoipa::path(
    get,
    path = "/api/photos/{hash}",
    operation_id = "photo",
    tag = "photos",
    security(("dvk_session" = [])),
    params(("hash" = String, Path, description = "The SHA-256 of the photo's bytes, 64 lowercase hex digits.")),
    responses(
        (status = 200, description = "The photo's bytes, with `Cache-Control: private, max-age=31536000, immutable`.",
            content(
                (PhotoBytes = "image/jpeg"),
                (PhotoBytes = "image/png"),
                (PhotoBytes = "image/webp"),
            )),
        (status = 400, description = "`hash` is not 64 lowercase hex digits (`invalid_photo_hash`).", body = ErrorBody),
        (status = 401, description = "No valid session (`sign_in_required`).", body = ErrorBody),
        (status = 404, description = "No photo of this name is stored yet, or none the user may see — photos show to who sent them, to those who see a survey that lists them and to those who see everything (`photo_not_found`): the tablet that took it may still be sending it.", body = ErrorBody),
    )
)]
pub(crate) async fn photo(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(hash): Path<String>,
) -> Result<Response, ApiError> {
    let hash = photo_hash(hash)?;
    // A photo shows to who sent it, to who sees a survey with it, and to those who see
    // everything; to anyone else it is not there (404, as for a photo not sent yet: its name
    // says nothing).
    let viewer = Viewer::load(state.store.as_ref(), user).await?;
    let units = viewer.units_within(None)?;
    if units.is_some()
        && !state
            .store
            .photo_visible(&hash, viewer.user.id, units.as_deref())
            .await?
    {
        return Err(ApiError::Photo(PhotoRefusal::NotFound));
    }
    let Some((mime, data)) = state.store.photo(&hash).await? else {
        return Err(ApiError::Photo(PhotoRefusal::NotFound));
    };
    let mut response = data.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&mime)
            .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream")),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_FOREVER),
    );
    // What was uploaded is served as the image it was checked to be, never sniffed as anything
    // else (an HTML page, say).
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{hash}\"")) {
        headers.insert(header::ETAG, etag);
    }
    Ok(response)
}
