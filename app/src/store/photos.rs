//! Photos kept on the device until the server has them: resized and fingerprinted by the
//! browser (app/js/photos.js), stored as blobs in their own IndexedDB database, read back in
//! slices for the upload. Pages keep and show photos; only the sync module uploads them.

use dvk_shared::photo::{PHOTO_LONGEST_SIDE, PHOTO_MAX_BYTES, PhotoRef};
use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/js/photos.js")]
extern "C" {
    #[wasm_bindgen(catch, js_name = keepPhoto)]
    async fn keep_photo_js(
        file: JsValue,
        longest: u32,
        max_bytes: f64,
        max_input: f64,
        documents: bool,
    ) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = waitingPhotos)]
    async fn waiting_photos_js() -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = photoSlice)]
    async fn photo_slice_js(hash: &str, start: f64, end: f64) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = photoUploaded)]
    async fn photo_uploaded_js(hash: &str, error: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = photoState)]
    async fn photo_state_js(hash: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = photoUrl)]
    async fn photo_url_js(hash: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = forgetUrl)]
    fn forget_url_js(url: &str);
    #[wasm_bindgen(catch, js_name = whereAmI)]
    async fn where_am_i_js() -> Result<JsValue, JsValue>;
}

/// The largest file a person may pick: a camera's full-size photo, before resizing.
const INPUT_MAX_BYTES: f64 = 50.0 * 1024.0 * 1024.0;

/// Why a picked file was not kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeepError {
    NotAnImage,
    TooLarge,
    /// The browser could not store it (full, or private mode).
    Store,
}

fn field(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn number(value: &JsValue, key: &str) -> u64 {
    field(value, key).as_f64().unwrap_or(0.0) as u64
}

fn text(value: &JsValue, key: &str) -> String {
    field(value, key).as_string().unwrap_or_default()
}

/// Resizes `file` (a `File` from an `<input type=file>`), keeps it, and returns its reference.
pub async fn keep(file: JsValue) -> Result<PhotoRef, KeepError> {
    keep_file(file, false).await
}

/// Keeps a scan attached to a proposal: a PDF as it is, a photo resized; uploaded like photos.
pub async fn keep_document(file: JsValue) -> Result<PhotoRef, KeepError> {
    keep_file(file, true).await
}

async fn keep_file(file: JsValue, documents: bool) -> Result<PhotoRef, KeepError> {
    match keep_photo_js(
        file,
        PHOTO_LONGEST_SIDE,
        PHOTO_MAX_BYTES as f64,
        INPUT_MAX_BYTES,
        documents,
    )
    .await
    {
        Ok(photo) => Ok(PhotoRef {
            hash: text(&photo, "hash"),
            bytes: number(&photo, "bytes"),
            width: number(&photo, "width") as u32,
            height: number(&photo, "height") as u32,
        }),
        Err(e) => Err(match text(&e, "code").as_str() {
            "not_image" => KeepError::NotAnImage,
            "too_large" => KeepError::TooLarge,
            _ => KeepError::Store,
        }),
    }
}

/// Photos waiting for the server: (hash, size in bytes).
pub async fn waiting() -> Vec<(String, u64)> {
    let Ok(list) = waiting_photos_js().await else {
        return Vec::new();
    };
    js_sys::Array::from(&list)
        .iter()
        .map(|p| (text(&p, "hash"), number(&p, "bytes")))
        .collect()
}

/// Bytes `start..end` of a kept photo.
pub async fn slice(hash: &str, start: u64, end: u64) -> Option<Vec<u8>> {
    let bytes = photo_slice_js(hash, start as f64, end as f64).await.ok()?;
    bytes.dyn_ref::<Uint8Array>().map(|b| b.to_vec())
}

/// The server has the photo (`refused: None`) or refused it for good, saying why.
pub async fn uploaded(hash: &str, refused: Option<&str>) {
    // If this fails the photo is offered again next time; the server then says it has it.
    let _ = photo_uploaded_js(hash, refused.unwrap_or_default()).await;
}

/// Where a photo stands on this device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhotoState {
    /// Taken on another device, or cleared from this one: only the server may have it.
    Absent,
    Waiting,
    Sent,
    Refused(String),
}

/// Where a photo stands on this device.
pub async fn state(hash: &str) -> PhotoState {
    let state = photo_state_js(hash)
        .await
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default();
    match state.as_str() {
        "sent" => PhotoState::Sent,
        "waiting" => PhotoState::Waiting,
        other => match other.strip_prefix("refused:") {
            Some(why) => PhotoState::Refused(why.to_owned()),
            None => PhotoState::Absent,
        },
    }
}

/// An object URL of the copy kept here, to show the photo offline; give it back with
/// [`forget_url`] when the photo leaves the screen.
pub async fn url(hash: &str) -> Option<String> {
    photo_url_js(hash)
        .await
        .ok()
        .and_then(|u| u.as_string())
        .filter(|u| !u.is_empty())
}

pub fn forget_url(url: &str) {
    forget_url_js(url);
}

/// Where the tablet is (latitude, longitude), if it knows and the person allowed it.
pub async fn where_am_i() -> Option<(f64, f64)> {
    let place = where_am_i_js().await.ok().filter(|p| p.is_object())?;
    Some((
        field(&place, "latitude").as_f64()?,
        field(&place, "longitude").as_f64()?,
    ))
}
