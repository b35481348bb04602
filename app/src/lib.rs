//! The DVK app: a Leptos client that keeps its data in IndexedDB and works with no network.
//!
//! Pages read and write the local store (`store/`); only `sync/` talks to the server.
//! `platform` wraps the browser features the shell depends on (service worker, storage).

pub mod app;
pub mod components;
pub mod format;
pub mod i18n;
pub mod pages;
pub mod platform;
pub mod route;
pub mod screens;
pub mod session;
pub mod store;
pub mod sync;

/// Mounts the app on `<body>` and starts the browser-side services of the shell.
pub fn start() {
    console_error_panic_hook::set_once();
    platform::register_service_worker();
    // The header index.html paints while the app loads gives way to the app's own.
    if let Some(boot) = leptos::prelude::document().get_element_by_id("boot-header") {
        boot.remove();
    }
    leptos::mount::mount_to_body(app::App);
}
