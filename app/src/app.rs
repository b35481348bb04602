//! The route table and the frame every screen sits in.

use leptos::prelude::*;
use leptos_router::{
    components::{Route, Router, Routes},
    path,
};

use crate::{
    components::shell::Shell,
    i18n::{Lang, provide_lang},
    pages::{
        home::Home,
        model_page::{ModelById, NewModel},
        models::{Models, Review},
        not_found::NotFound,
        overview::Overview,
        problems::Problems,
        sign_in::SignIn,
        upcoming::Upcoming,
    },
    platform,
    session::Session,
    store::{LocalStore, shared_db},
    sync::SyncStatus,
};

/// What the shell knows about this device, filled in as the browser answers.
#[derive(Clone, Copy)]
pub struct DeviceState {
    pub online: ReadSignal<bool>,
    /// `None` until the browser answered; `Some(false)` if it may evict our data.
    pub persistent: ReadSignal<Option<bool>>,
    /// Why the local database could not open, if it could not.
    pub store_error: ReadSignal<Option<String>>,
}

#[component]
pub fn App() -> impl IntoView {
    provide_lang(Lang::load());
    let online = platform::online_signal();
    let (persistent, set_persistent) = signal(None);
    let (store_error, set_store_error) = signal(None);
    provide_context(DeviceState {
        online,
        persistent,
        store_error,
    });
    leptos::task::spawn_local(async move {
        set_persistent.set(platform::request_persistent_storage().await);
    });
    leptos::task::spawn_local(async move {
        match shared_db().await {
            Ok(db) => match db.device_id().await {
                // Made on first start, so the first save does not wait for it.
                Ok(_) => {}
                Err(e) => set_store_error.set(Some(e.to_string())),
            },
            Err(e) => set_store_error.set(Some(e.to_string())),
        }
    });

    let session = Session::install();
    provide_context(session);
    let status = SyncStatus::install();
    provide_context(status);
    // Sync as soon as someone is signed in (at start, or right after signing in).
    Effect::new(move || {
        if session.user.get().is_some() {
            status.request();
        }
    });

    view! {
        <Router>
            <Shell>
                {move || match (session.loaded.get(), session.user.get().is_some()) {
                    (false, _) => ().into_any(),
                    (true, false) => view! { <SignIn /> }.into_any(),
                    (true, true) => view! {
                        <Routes fallback=NotFound>
                            <Route path=path!("/") view=Home />
                            <Route path=path!("/mo-hinh") view=Models />
                            <Route path=path!("/mo-hinh/moi") view=NewModel />
                            <Route path=path!("/mo-hinh/:id") view=ModelById />
                            <Route path=path!("/duyet") view=Review />
                            <Route path=path!("/tong-quan") view=Overview />
                            <Route path=path!("/khao-sat") view=Upcoming />
                            <Route path=path!("/dong-bo") view=Problems />
                        </Routes>
                    }.into_any(),
                }}
            </Shell>
        </Router>
    }
}
