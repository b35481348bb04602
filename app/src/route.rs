//! The app's addresses without a router crate: a handful of fixed paths do not need one, and
//! leaving it out keeps the shell within its size budget. The path and the query are signals
//! read from `location`; links are plain `<a href>`, and a click on one of the app's own links
//! becomes a history entry instead of a page load. Back and forward follow `popstate`.

use leptos::{ev, prelude::*};
use wasm_bindgen::JsCast;

/// Where the app is: the path (`/mo-hinh/…`) and the query without its `?`.
#[derive(Clone, Copy)]
pub struct Location {
    pub path: RwSignal<String>,
    pub query: RwSignal<String>,
}

fn current() -> (String, String) {
    let location = web_sys::window().map(|w| w.location());
    let path = location
        .as_ref()
        .and_then(|l| l.pathname().ok())
        .unwrap_or_else(|| "/".into());
    let query = location
        .and_then(|l| l.search().ok())
        .unwrap_or_default()
        .trim_start_matches('?')
        .to_owned();
    (path, query)
}

impl Location {
    /// Reads the address and follows it from now on.
    pub fn install() -> Self {
        let (path, query) = current();
        let location = Self {
            path: RwSignal::new(path),
            query: RwSignal::new(query),
        };
        provide_context(location);
        // Listeners for the app's whole life: the handles are never removed.
        let _ = window_event_listener(ev::popstate, move |_| location.sync());
        let _ = window_event_listener(ev::click, move |event| location.follow(&event));
        location
    }

    fn sync(self) {
        self.show(current());
    }

    /// Sets the signals that changed (a set always notifies, so unchanged ones are left alone).
    fn show(self, (path, query): (String, String)) {
        if self.path.get_untracked() != path {
            self.path.set(path);
        }
        if self.query.get_untracked() != query {
            self.query.set(query);
        }
    }

    /// Turns a plain left click on a link to one of the app's pages into a navigation.
    fn follow(self, event: &web_sys::MouseEvent) {
        if event.default_prevented()
            || event.button() != 0
            || event.ctrl_key()
            || event.meta_key()
            || event.shift_key()
            || event.alt_key()
        {
            return;
        }
        let Some(link) = event
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|e| e.closest("a[href]").ok().flatten())
        else {
            return;
        };
        let Some(href) = link.get_attribute("href") else {
            return;
        };
        // Only the app's own pages: not the API, not other sites, not downloads.
        if !href.starts_with('/')
            || href.starts_with("//")
            || href.starts_with("/api/")
            || link.has_attribute("download")
            || link.get_attribute("target").is_some_and(|t| t != "_self")
        {
            return;
        }
        event.prevent_default();
        self.go(&href, false);
    }

    /// Goes to `href` (a path with an optional query); `replace` keeps the history entry.
    pub fn go(self, href: &str, replace: bool) {
        if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
            let state = wasm_bindgen::JsValue::NULL;
            let _ = if replace {
                history.replace_state_with_url(&state, "", Some(href))
            } else {
                history.push_state_with_url(&state, "", Some(href))
            };
        }
        let now = current();
        let changed_page = now.0 != self.path.get_untracked();
        self.show(now);
        if changed_page && let Some(window) = web_sys::window() {
            window.scroll_to_with_x_and_y(0.0, 0.0);
        }
    }

    /// A parameter of the query, decoded; `None` when absent.
    pub fn param(self, key: &str) -> Option<String> {
        self.query.with(|query| {
            query.split('&').find_map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                (k == key).then(|| {
                    js_sys::decode_uri_component(&v.replace('+', " "))
                        .map(String::from)
                        .unwrap_or_default()
                })
            })
        })
    }
}

pub fn use_location() -> Location {
    expect_context::<Location>()
}

/// A navigation link that says which page is current (`aria-current="page"`): the home link
/// only on `/`, the others on their path and below it.
#[component]
pub fn NavLink(href: &'static str, children: Children) -> impl IntoView {
    let location = use_location();
    let current = move || {
        location.path.with(|path| {
            let here = if href == "/" {
                path == "/"
            } else {
                path == href || path.starts_with(&format!("{href}/"))
            };
            here.then_some("page")
        })
    };
    view! { <a href=href aria-current=current>{children()}</a> }
}
