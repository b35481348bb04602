//! The interface language: Vietnamese first, English second. Every text a person reads on
//! screen comes from a [`Texts`] table here, so both languages stay complete together.

use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Vi,
    En,
}

/// Where the chosen language is remembered: a display preference, not data, so it lives in
/// localStorage (read synchronously, no flash of the other language) rather than IndexedDB.
const STORAGE_KEY: &str = "dvk.lang";

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    /// The saved choice, else Vietnamese.
    pub fn load() -> Self {
        let saved = web_sys::window()
            .and_then(|w| w.local_storage().ok().flatten())
            .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten());
        match saved.as_deref() {
            Some("en") => Lang::En,
            _ => Lang::Vi,
        }
    }

    /// Remembers the choice and sets `<html lang>` so screen readers and hyphenation follow it.
    pub fn apply(self) {
        let Some(window) = web_sys::window() else {
            return;
        };
        if let Ok(Some(storage)) = window.local_storage() {
            // Losing the preference only means the next start is in Vietnamese.
            let _ = storage.set_item(STORAGE_KEY, self.code());
        }
        if let Some(root) = window.document().and_then(|d| d.document_element()) {
            let _ = root.set_attribute("lang", self.code());
        }
    }

    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::Vi => &VI,
            Lang::En => &EN,
        }
    }
}

/// Puts the language in context for every component below.
pub fn provide_lang(lang: Lang) {
    lang.apply();
    provide_context(RwSignal::new(lang));
}

pub fn use_lang() -> RwSignal<Lang> {
    use_context::<RwSignal<Lang>>().unwrap_or_else(|| RwSignal::new(Lang::Vi))
}

/// The texts of the current language, as a closure to call inside reactive views.
pub fn use_texts() -> impl Fn() -> &'static Texts + Copy + 'static {
    let lang = use_lang();
    move || lang.get().texts()
}

pub struct Texts {
    pub app_subtitle: &'static str,
    pub skip_to_content: &'static str,
    pub main_nav: &'static str,
    pub nav_overview: &'static str,
    pub nav_models: &'static str,
    pub nav_review: &'static str,
    pub nav_survey: &'static str,
    pub nav_sync: &'static str,
    pub online: &'static str,
    pub offline: &'static str,
    pub switch_language: &'static str,
    pub other_language: &'static str,
    pub home_title: &'static str,
    pub home_intro: &'static str,
    pub device_title: &'static str,
    pub storage_persistent: &'static str,
    pub storage_not_persistent: &'static str,
    pub storage_unknown: &'static str,
    pub device_id: &'static str,
    pub store_error: &'static str,
    pub upcoming_body: &'static str,
    pub not_found_title: &'static str,
    pub not_found_body: &'static str,
    pub back_home: &'static str,
    pub sign_in_title: &'static str,
    pub username: &'static str,
    pub password: &'static str,
    pub sign_in: &'static str,
    pub sign_out: &'static str,
    pub signing_in: &'static str,
    pub sign_in_offline: &'static str,
    pub pending_changes: &'static str,
    pub all_sent: &'static str,
    pub last_sync: &'static str,
    pub never_synced: &'static str,
    pub syncing: &'static str,
    pub sync_waiting: &'static str,
    pub sync_sign_in: &'static str,
    pub sync_failed: &'static str,
    pub sync_now: &'static str,
    pub to_resolve: &'static str,
    pub received: &'static str,
    pub models_title: &'static str,
    pub new_model: &'static str,
    pub model_name: &'static str,
    pub model_field: &'static str,
    pub model_unit: &'static str,
    pub model_year: &'static str,
    pub save_draft: &'static str,
    pub saved_locally: &'static str,
    pub pending_badge: &'static str,
    pub no_models: &'static str,
    pub problems_title: &'static str,
    pub no_problems: &'static str,
    pub theirs: &'static str,
    pub mine: &'static str,
    pub changed_by: &'static str,
    pub keep_theirs: &'static str,
    pub use_mine: &'static str,
    pub rejected: &'static str,
    pub conflict: &'static str,
    pub dismiss: &'static str,
}

pub static VI: Texts = Texts {
    app_subtitle: "Quản lý mô hình “Dân vận khéo”",
    skip_to_content: "Bỏ qua, đến nội dung chính",
    main_nav: "Điều hướng chính",
    nav_overview: "Tổng quan",
    nav_models: "Mô hình",
    nav_review: "Xét duyệt",
    nav_survey: "Khảo sát",
    nav_sync: "Đồng bộ",
    online: "Đang trực tuyến",
    offline: "Ngoại tuyến — dữ liệu vẫn được lưu trên máy",
    switch_language: "Chuyển ngôn ngữ sang tiếng Anh",
    other_language: "English",
    home_title: "Chào mừng đến với Dân vận khéo",
    home_intro: "Đăng ký mô hình của đơn vị, khảo sát hằng năm tại cơ sở kể cả khi không có mạng, \
                 xét duyệt, khen thưởng và nhân rộng — và một bức tranh tổng quan cho lãnh đạo.",
    device_title: "Thiết bị này",
    storage_persistent: "Dữ liệu trên máy được lưu bền vững: trình duyệt sẽ không tự xoá.",
    storage_not_persistent: "Trình duyệt chưa cho phép lưu bền vững: hãy cài ứng dụng lên màn hình chính để dữ liệu không bị xoá khi máy đầy bộ nhớ.",
    storage_unknown: "Đang hỏi trình duyệt về lưu trữ bền vững…",
    device_id: "Mã thiết bị",
    store_error: "Không mở được kho dữ liệu trên máy. Hãy tắt chế độ ẩn danh hoặc cấp quyền lưu trữ cho trang này, rồi tải lại.",
    upcoming_body: "Màn hình này đang được xây dựng và sẽ có trong phiên bản tới.",
    not_found_title: "Không tìm thấy trang",
    not_found_body: "Địa chỉ này không có trong ứng dụng.",
    back_home: "Về trang tổng quan",
    sign_in_title: "Đăng nhập",
    username: "Tên đăng nhập",
    password: "Mật khẩu",
    sign_in: "Đăng nhập",
    sign_out: "Đăng xuất",
    signing_in: "Đang đăng nhập…",
    sign_in_offline: "Không có mạng: lần đầu đăng nhập trên máy này cần kết nối với máy chủ.",
    pending_changes: "thay đổi đang chờ gửi",
    all_sent: "Mọi thay đổi đã được gửi",
    last_sync: "Đồng bộ lần cuối",
    never_synced: "Chưa đồng bộ lần nào",
    syncing: "Đang đồng bộ…",
    sync_waiting: "Chưa kết nối được máy chủ; sẽ tự thử lại.",
    sync_sign_in: "Phiên đăng nhập đã hết hạn: hãy đăng nhập lại. Dữ liệu chưa gửi vẫn được giữ.",
    sync_failed: "Máy chủ từ chối đồng bộ",
    sync_now: "Đồng bộ ngay",
    to_resolve: "cần xử lý",
    received: "đã nhận",
    models_title: "Mô hình của đơn vị",
    new_model: "Đăng ký mô hình mới",
    model_name: "Tên mô hình",
    model_field: "Lĩnh vực",
    model_unit: "Đơn vị",
    model_year: "Năm đăng ký",
    save_draft: "Lưu bản nháp",
    saved_locally: "Đã lưu trên máy; sẽ gửi khi có mạng.",
    pending_badge: "Chờ gửi",
    no_models: "Chưa có mô hình nào.",
    problems_title: "Cần xử lý",
    no_problems: "Không có gì cần xử lý.",
    theirs: "Bản trên máy chủ",
    mine: "Bản của tôi",
    changed_by: "Người thay đổi",
    keep_theirs: "Giữ bản trên máy chủ",
    use_mine: "Dùng bản của tôi",
    rejected: "Bị từ chối",
    conflict: "Xung đột",
    dismiss: "Đã hiểu",
};

pub static EN: Texts = Texts {
    app_subtitle: "Managing “Skilful mass mobilisation” models",
    skip_to_content: "Skip to main content",
    main_nav: "Main navigation",
    nav_overview: "Overview",
    nav_models: "Models",
    nav_review: "Review",
    nav_survey: "Survey",
    nav_sync: "Sync",
    online: "Online",
    offline: "Offline — your data is still saved on this device",
    switch_language: "Chuyển sang tiếng Việt (switch to Vietnamese)",
    other_language: "Tiếng Việt",
    home_title: "Welcome to Dân vận khéo",
    home_intro: "Register your unit's models, run the yearly survey in the field even without a \
                 network, review, award and replicate — and one clear overview for leadership.",
    device_title: "This device",
    storage_persistent: "Data on this device is stored persistently: the browser will not evict it.",
    storage_not_persistent: "The browser has not granted persistent storage: install the app to the home screen so data is not evicted when the device runs low on space.",
    storage_unknown: "Asking the browser about persistent storage…",
    device_id: "Device id",
    store_error: "The on-device database could not open. Leave private browsing or allow storage for this site, then reload.",
    upcoming_body: "This screen is being built and comes in the next release.",
    not_found_title: "Page not found",
    not_found_body: "This address is not part of the app.",
    back_home: "Back to the overview",
    sign_in_title: "Sign in",
    username: "Username",
    password: "Password",
    sign_in: "Sign in",
    sign_out: "Sign out",
    signing_in: "Signing in…",
    sign_in_offline: "No network: the first sign-in on this device needs the server.",
    pending_changes: "changes waiting to be sent",
    all_sent: "Every change has been sent",
    last_sync: "Last synced",
    never_synced: "Never synced",
    syncing: "Syncing…",
    sync_waiting: "Cannot reach the server; will retry by itself.",
    sync_sign_in: "Your session expired: sign in again. Unsent data is kept.",
    sync_failed: "The server refused to sync",
    sync_now: "Sync now",
    to_resolve: "to resolve",
    received: "received",
    models_title: "Your units' models",
    new_model: "Register a new model",
    model_name: "Model name",
    model_field: "Field",
    model_unit: "Unit",
    model_year: "Year registered",
    save_draft: "Save draft",
    saved_locally: "Saved on this device; it will be sent when there is a network.",
    pending_badge: "Waiting to send",
    no_models: "No models yet.",
    problems_title: "To resolve",
    no_problems: "Nothing to resolve.",
    theirs: "On the server",
    mine: "Mine",
    changed_by: "Changed by",
    keep_theirs: "Keep theirs",
    use_mine: "Use mine",
    rejected: "Rejected",
    conflict: "Conflict",
    dismiss: "Dismiss",
};
