//! The one error type of the API, and how it maps to HTTP.
//!
//! A client gets a stable snake_case `code` it can translate and a message a person can act on
//! (Vietnamese in `message`, English in `message_en`); causes of 5xx answers go to the log only,
//! never into the response.

use axum::{
    Json,
    extract::Request,
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use dvk_shared::{
    api::ErrorBody,
    photo::{UploadRefused, UploadState},
    validation::FieldErrors,
};

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("not signed in")]
    Unauthenticated,
    #[error("wrong username or password")]
    InvalidCredentials,
    #[error("too many failed sign-ins; retry after {retry_after_secs}s")]
    TooManyAttempts { retry_after_secs: u64 },
    #[error("forbidden: {0:?}")]
    Forbidden(Forbidden),
    #[error("not found")]
    NotFound,
    /// A request malformed as a whole; the details say what, in each language (a detail from
    /// a parser in English stays in the English message only).
    #[error("bad request: {code}: {detail_en}")]
    BadRequest {
        code: &'static str,
        detail_vi: String,
        detail_en: String,
    },
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("invalid fields: {0}")]
    Validation(FieldErrors),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("photo refused: {0:?}")]
    Photo(PhotoRefusal),
    #[error("account refused: {0:?}")]
    Account(AccountRefusal),
    #[error("unit change refused: {0:?}")]
    Unit(dvk_shared::unit::UnitRefusal),
    #[error("no invitation has this code")]
    InvitationNotFound,
    #[error("the invitation is closed: {0:?}")]
    InvitationClosed(dvk_shared::invitation::InvitationState),
    #[error("report refused: {0:?}")]
    Report(ReportRefusal),
    #[error("storage failed: {0}")]
    Store(StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

/// Why a change to a period report is refused (409).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportRefusal {
    /// It is final: only reopening changes it.
    Final,
    /// It is a draft already (reopening) or not yet final.
    Draft,
    /// Someone changed it since it was read.
    Changed,
}

/// Why a signed-in user is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forbidden {
    /// A change sent from a page of another site.
    CrossSite,
    /// The record or unit lies outside the user's units.
    OutsideYourUnits,
    /// The user's role may not do this.
    Role,
    /// The device id is bound to another user.
    DeviceOfAnotherUser,
}

/// Why signing in or an account change is refused (`auth.rs`, `accounts.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountRefusal {
    /// The change would leave no active administrator (409).
    LastAdmin,
    /// The account is deactivated (403, told only after a right password).
    Inactive,
    /// The one-time code was right but its time is over (401).
    CodeExpired,
    /// The session signed in with a one-time code: only choosing a password is allowed (403).
    PasswordChangeRequired,
}

/// Why a photo, or one chunk of its upload, is refused (`photos.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoRefusal {
    /// The chunk does not start where the upload stands (409, with the upload's state).
    WrongOffset(UploadState),
    /// The chunk declares another total than the upload's first chunk did (409, saying to send
    /// again from 0).
    TotalChanged,
    /// The photo is larger than `PHOTO_MAX_BYTES` (413).
    TooLarge,
    /// One chunk is larger than `CHUNK_MAX_BYTES` (413).
    ChunkTooLarge,
    /// The bytes are not a JPEG, PNG or WebP image (415).
    NotAPhoto,
    /// The bytes that arrived do not hash to the photo's name (422); the upload was dropped.
    Changed,
    /// No photo of this name is stored (yet), or not one this person may see (404).
    NotFound,
    /// Starting this upload would pass the person's quota (429).
    OverQuota,
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(what) => ApiError::Conflict(what),
            StoreError::LastAdmin => ApiError::Account(AccountRefusal::LastAdmin),
            StoreError::NotFound(_) => ApiError::NotFound,
            other => ApiError::Store(other),
        }
    }
}

impl From<FieldErrors> for ApiError {
    fn from(errors: FieldErrors) -> Self {
        ApiError::Validation(errors)
    }
}

fn body(code: &str, message: &str, message_en: &str) -> ErrorBody {
    ErrorBody {
        code: code.to_owned(),
        message: message.to_owned(),
        message_en: message_en.to_owned(),
        fields: None,
    }
}

fn too_large() -> ErrorBody {
    body(
        "payload_too_large",
        "Dữ liệu gửi lên quá lớn. Hãy gửi ít thay đổi hơn trong một lần, hoặc rút gọn nội dung.",
        "What was sent is too large. Send fewer changes at once or shorten the content.",
    )
}

/// The answer to a refused photo or chunk. A chunk that does not fit the upload carries the
/// upload's state, so the tablet resumes from there without asking again.
fn photo_refusal(refusal: PhotoRefusal) -> Response {
    let (status, body) = match refusal {
        PhotoRefusal::WrongOffset(upload) => {
            let received = upload.received;
            let refused = UploadRefused {
                error: body(
                    "wrong_offset",
                    &format!(
                        "Phần ảnh này không nối tiếp phần máy chủ đã nhận ({received} byte); máy tính bảng sẽ gửi tiếp từ đó."
                    ),
                    &format!(
                        "This part of the photo does not follow what the server holds ({received} bytes); the tablet will continue from there."
                    ),
                ),
                upload,
            };
            return (StatusCode::CONFLICT, Json(refused)).into_response();
        }
        PhotoRefusal::TotalChanged => {
            let refused = UploadRefused {
                error: body(
                    "total_changed",
                    "Ảnh này đang được gửi lên với một kích thước khác; máy tính bảng sẽ gửi lại từ đầu.",
                    "This photo is being uploaded with another size; the tablet will send it again from the start.",
                ),
                // What the server holds can never become this photo: the tablet starts again,
                // and its first chunk replaces the upload.
                upload: UploadState {
                    received: 0,
                    complete: false,
                },
            };
            return (StatusCode::CONFLICT, Json(refused)).into_response();
        }
        PhotoRefusal::TooLarge => (
            StatusCode::PAYLOAD_TOO_LARGE,
            body(
                "photo_too_large",
                "Ảnh quá lớn: máy chủ nhận ảnh đến 10 MB. Hãy thu nhỏ ảnh hoặc chụp lại.",
                "The photo is too large: the server takes photos up to 10 MB. Make it smaller or take it again.",
            ),
        ),
        PhotoRefusal::ChunkTooLarge => (
            StatusCode::PAYLOAD_TOO_LARGE,
            body(
                "chunk_too_large",
                "Mỗi lần chỉ gửi được tối đa 256 KB của một ảnh. Hãy cập nhật ứng dụng.",
                "At most 256 KB of a photo can be sent at a time. Update the app.",
            ),
        ),
        PhotoRefusal::NotAPhoto => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            body(
                "not_a_photo",
                "Chỉ nhận ảnh (JPEG, PNG hoặc WebP) hoặc tệp PDF; tệp này không phải. Hãy chọn hoặc chụp một ảnh, hoặc chọn tệp PDF.",
                "Only photos (JPEG, PNG or WebP) or PDF files are accepted; this file is neither. Choose or take a photo, or choose a PDF.",
            ),
        ),
        PhotoRefusal::Changed => (
            StatusCode::UNPROCESSABLE_ENTITY,
            body(
                "photo_changed",
                "Ảnh đến máy chủ đã bị thay đổi (dấu vân tay không khớp); máy tính bảng sẽ gửi lại.",
                "The photo arrived changed (its fingerprint does not match); the tablet will send it again.",
            ),
        ),
        PhotoRefusal::OverQuota => (
            StatusCode::TOO_MANY_REQUESTS,
            body(
                "upload_quota",
                "Máy này đã gửi quá nhiều ảnh trong một ngày. Ảnh vẫn được giữ trên máy và sẽ gửi tiếp sau; nếu cần gấp, hãy báo quản trị hệ thống.",
                "Too many photos sent from this account in one day. The photos stay on the device and will be sent later; tell the administrator if it is urgent.",
            ),
        ),
        PhotoRefusal::NotFound => (
            StatusCode::NOT_FOUND,
            body(
                "photo_not_found",
                "Ảnh này chưa có trên máy chủ; có thể máy tính bảng chụp ảnh chưa gửi xong. Hãy thử lại sau khi máy đó đồng bộ.",
                "This photo is not on the server yet; the tablet that took it may not have sent it. Try again after it syncs.",
            ),
        ),
    };
    (status, Json(body)).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = match &self {
            ApiError::Photo(refusal) => return photo_refusal(*refusal),
            ApiError::Unauthenticated => (
                StatusCode::UNAUTHORIZED,
                body(
                    "sign_in_required",
                    "Bạn chưa đăng nhập hoặc phiên đăng nhập đã hết hạn. Hãy đăng nhập lại; dữ liệu chưa gửi vẫn được giữ trên máy.",
                    "You are not signed in or your session has expired. Sign in again; unsent data stays on this device.",
                ),
            ),
            ApiError::InvalidCredentials => (
                StatusCode::UNAUTHORIZED,
                body(
                    "invalid_credentials",
                    "Tên đăng nhập hoặc mật khẩu không đúng. Hãy kiểm tra lại và thử lần nữa.",
                    "Wrong username or password. Check them and try again.",
                ),
            ),
            ApiError::TooManyAttempts { retry_after_secs } => {
                let minutes = retry_after_secs.div_ceil(60);
                let mut response = (
                    StatusCode::TOO_MANY_REQUESTS,
                    Json(body(
                        "too_many_attempts",
                        &format!(
                            "Đăng nhập sai quá nhiều lần. Hãy thử lại sau khoảng {minutes} phút."
                        ),
                        &format!("Too many failed sign-ins. Try again in about {minutes} minutes."),
                    )),
                )
                    .into_response();
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
                return response;
            }
            ApiError::Forbidden(Forbidden::CrossSite) => (
                StatusCode::FORBIDDEN,
                body(
                    "cross_site_request",
                    "Yêu cầu thay đổi dữ liệu đến từ một trang khác nên đã bị từ chối. Hãy thao tác trực tiếp trong ứng dụng.",
                    "A change sent from another site was refused. Use the app itself.",
                ),
            ),
            ApiError::Forbidden(Forbidden::OutsideYourUnits) => (
                StatusCode::FORBIDDEN,
                body(
                    "outside_your_units",
                    "Nội dung này thuộc đơn vị ngoài phạm vi của bạn. Nếu cần, hãy liên hệ Ban Dân vận.",
                    "This belongs to a unit outside yours. Contact the Board if you need it.",
                ),
            ),
            ApiError::Forbidden(Forbidden::Role) => (
                StatusCode::FORBIDDEN,
                body(
                    "role_not_allowed",
                    "Vai trò của bạn không được thực hiện thao tác này.",
                    "Your role may not do this.",
                ),
            ),
            ApiError::Forbidden(Forbidden::DeviceOfAnotherUser) => (
                StatusCode::FORBIDDEN,
                body(
                    "device_of_another_user",
                    "Thiết bị này đang được dùng với một tài khoản khác. Hãy đăng nhập bằng tài khoản đó, hoặc xoá dữ liệu ứng dụng trên máy để dùng tài khoản mới.",
                    "This device is in use with another account. Sign in with that account, or clear the app's data on this device to use a new one.",
                ),
            ),
            ApiError::NotFound => (
                StatusCode::NOT_FOUND,
                body(
                    "not_found",
                    "Không tìm thấy nội dung này; có thể nó đã bị xoá hoặc nằm ngoài phạm vi của bạn.",
                    "Not found; it may have been deleted or lie outside your units.",
                ),
            ),
            ApiError::BadRequest {
                code,
                detail_vi,
                detail_en,
            } => (
                StatusCode::BAD_REQUEST,
                body(
                    code,
                    &format!(
                        "Yêu cầu không hợp lệ: {detail_vi}. Hãy cập nhật ứng dụng hoặc kiểm tra dữ liệu gửi đi."
                    ),
                    &format!(
                        "Invalid request: {detail_en}. Update the app or check what was sent."
                    ),
                ),
            ),
            ApiError::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, too_large()),
            ApiError::Validation(fields) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorBody {
                    fields: Some(fields.clone()),
                    ..body(
                        "validation_failed",
                        "Một số mục chưa hợp lệ; hãy sửa các mục được đánh dấu.",
                        "Some fields are not valid; fix the marked ones.",
                    )
                },
            ),
            ApiError::Account(AccountRefusal::LastAdmin) => (
                StatusCode::CONFLICT,
                body(
                    "last_active_admin",
                    "Đây là tài khoản quản trị cuối cùng còn hoạt động nên không thể khoá hay đổi vai trò. Hãy tạo hoặc mở lại một tài khoản quản trị khác trước.",
                    "This is the last active administrator account, so it cannot be deactivated or lose its role. Create or reactivate another administrator first.",
                ),
            ),
            ApiError::Account(AccountRefusal::Inactive) => (
                StatusCode::FORBIDDEN,
                body(
                    "account_inactive",
                    "Tài khoản này đã bị khoá. Hãy liên hệ quản trị hệ thống để mở lại.",
                    "This account is deactivated. Ask an administrator to reactivate it.",
                ),
            ),
            ApiError::Account(AccountRefusal::CodeExpired) => (
                StatusCode::UNAUTHORIZED,
                body(
                    "one_time_code_expired",
                    "Mã dùng một lần này đã hết hạn. Hãy xin quản trị hệ thống một mã mới.",
                    "This one-time code has expired. Ask an administrator for a new one.",
                ),
            ),
            ApiError::Account(AccountRefusal::PasswordChangeRequired) => (
                StatusCode::FORBIDDEN,
                body(
                    "password_change_required",
                    "Bạn đang đăng nhập bằng mã dùng một lần: hãy đặt mật khẩu mới trước khi tiếp tục.",
                    "You signed in with a one-time code: choose a new password before going on.",
                ),
            ),
            ApiError::Unit(refusal) => (
                StatusCode::CONFLICT,
                body(refusal.code(), refusal.message_vi(), refusal.message_en()),
            ),
            ApiError::InvitationNotFound => (
                StatusCode::NOT_FOUND,
                body(
                    "invitation_not_found",
                    "Không tìm thấy lời mời này. Hãy kiểm tra lại đường dẫn hoặc mã, hoặc hỏi Ban Dân vận một lời mời mới.",
                    "No invitation has this code. Check the link or the code, or ask the Board for a new invitation.",
                ),
            ),
            ApiError::InvitationClosed(state) => {
                use dvk_shared::invitation::InvitationState;
                let (code, vi, en) = match state {
                    InvitationState::Expired => (
                        "invitation_expired",
                        "Lời mời này đã hết hạn. Hãy hỏi Ban Dân vận một lời mời mới.",
                        "This invitation has expired. Ask the Board for a new one.",
                    ),
                    InvitationState::UsedUp => (
                        "invitation_used_up",
                        "Lời mời này đã đủ số người tham gia. Hãy hỏi Ban Dân vận một lời mời mới.",
                        "This invitation has been used as many times as it allows. Ask the Board for a new one.",
                    ),
                    InvitationState::Revoked | InvitationState::Open => (
                        "invitation_revoked",
                        "Lời mời này đã bị thu hồi. Hãy hỏi Ban Dân vận một lời mời mới.",
                        "This invitation was withdrawn. Ask the Board for a new one.",
                    ),
                };
                (StatusCode::GONE, body(code, vi, en))
            }
            ApiError::Report(refusal) => {
                let (code, vi, en) = match refusal {
                    ReportRefusal::Final => (
                        "report_final",
                        "Báo cáo đã hoàn tất nên không sửa được; hãy mở lại báo cáo trước.",
                        "The report is final and cannot change; reopen it first.",
                    ),
                    ReportRefusal::Draft => (
                        "report_draft",
                        "Báo cáo đang là dự thảo; không có gì để mở lại.",
                        "The report is a draft; there is nothing to reopen.",
                    ),
                    ReportRefusal::Changed => (
                        "report_changed",
                        "Báo cáo vừa được người khác thay đổi; hãy tải lại để xem bản mới rồi sửa tiếp.",
                        "Someone changed the report meanwhile; reload it and edit again.",
                    ),
                };
                (StatusCode::CONFLICT, body(code, vi, en))
            }
            ApiError::Conflict(_) => (
                StatusCode::CONFLICT,
                body(
                    "already_exists",
                    "Đã có một bản ghi trùng (ví dụ tên đăng nhập đã được dùng). Hãy chọn giá trị khác.",
                    "This already exists (for example the username is taken). Choose another value.",
                ),
            ),
            ApiError::Store(cause) => {
                tracing::error!(%cause, "request failed in storage");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    body(
                        "storage_unavailable",
                        "Máy chủ tạm thời không truy cập được cơ sở dữ liệu. Vui lòng thử lại sau ít phút.",
                        "The server cannot reach its database right now. Please try again in a few minutes.",
                    ),
                )
            }
            ApiError::Internal(cause) => {
                tracing::error!(%cause, "request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    body(
                        "internal_error",
                        "Máy chủ gặp lỗi. Vui lòng thử lại; nếu vẫn lỗi, hãy báo quản trị hệ thống.",
                        "The server failed. Please try again; if it keeps failing, tell the administrator.",
                    ),
                )
            }
        };
        (status, Json(body)).into_response()
    }
}

/// Unknown paths under `/api` answer a JSON 404 instead of falling through to the app's page.
pub async fn api_not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(body(
            "not_found",
            "Không có địa chỉ API này. Hãy kiểm tra đường dẫn hoặc cập nhật ứng dụng.",
            "There is no such API address. Check the path or update the app.",
        )),
    )
        .into_response()
}

/// Body-limit and other framework refusals come back as plain text; give them the API's shape so
/// a client can always show a message.
pub async fn json_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if is_json {
        return response;
    }
    match response.status() {
        StatusCode::PAYLOAD_TOO_LARGE => {
            (StatusCode::PAYLOAD_TOO_LARGE, Json(too_large())).into_response()
        }
        StatusCode::METHOD_NOT_ALLOWED => (
            StatusCode::METHOD_NOT_ALLOWED,
            Json(body(
                "method_not_allowed",
                "Địa chỉ này không nhận phương thức này. Hãy cập nhật ứng dụng.",
                "This address does not accept this method. Update the app.",
            )),
        )
            .into_response(),
        _ => response,
    }
}
