//! The browser features the shell relies on: the service worker that keeps the app available
//! offline, persistent storage, and whether the network is there.

use leptos::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// Registers `/sw.js`, which caches the app shell. Failure is logged, not fatal: the app still
/// works online, it just will not open offline.
pub fn register_service_worker() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let container = window.navigator().service_worker();
    // wasm_bindgen_futures directly: this runs before Leptos has set up its executor.
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(e) = JsFuture::from(container.register("/sw.js")).await {
            web_sys::console::warn_2(&"service worker registration failed:".into(), &e);
        }
    });
}

/// Asks the browser not to evict our IndexedDB data under storage pressure: days of unsynced
/// field work live there. Returns whether storage is persistent, or `None` if the browser
/// cannot say.
pub async fn request_persistent_storage() -> Option<bool> {
    let storage = web_sys::window()?.navigator().storage();
    let already = JsFuture::from(storage.persisted().ok()?).await.ok()?;
    if already.as_bool() == Some(true) {
        return Some(true);
    }
    JsFuture::from(storage.persist().ok()?)
        .await
        .ok()?
        .as_bool()
}

/// Follows the browser's idea of being online. It can be wrong in the optimistic direction
/// (a captive portal counts as online); sync treats it as a hint, never as a promise.
pub fn online_signal() -> ReadSignal<bool> {
    let initial = web_sys::window()
        .map(|w| w.navigator().on_line())
        .unwrap_or(true);
    let (online, set_online) = signal(initial);
    // Dropping the handles keeps the listeners (only `remove()` ends them): the shell lives as
    // long as the page.
    let _ = window_event_listener(leptos::ev::online, move |_| set_online.set(true));
    let _ = window_event_listener(leptos::ev::offline, move |_| set_online.set(false));
    online
}
