//! The route table and the frame every screen sits in. Every screen but the sign-in page and
//! the home is loaded on demand (`screens`).

use leptos::prelude::*;

use crate::{
    components::{
        on_demand::{Loader, OnDemand},
        shell::Shell,
    },
    i18n::{Lang, provide_lang},
    pages::{data::Replica, home::Home, not_found::NotFound, sign_in::SignIn},
    platform,
    route::Location,
    screens,
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
    provide_context(Replica::install(status));
    // Sync as soon as someone is signed in (at start, or right after signing in).
    Effect::new(move || {
        if session.user.get().is_some() {
            status.request();
        }
    });

    let location = Location::install();
    view! {
        <Shell>
            {move || match (session.loaded.get(), session.user.get().is_some()) {
                (false, _) => ().into_any(),
                // An invitation opens for someone not signed in: that is who it is for.
                (true, false) if location.path.get().starts_with(dvk_shared::invitation::JOIN_PATH) => {
                    view! { <OnDemand load=|| Box::pin(screens::join()) /> }.into_any()
                }
                (true, false) => view! { <SignIn /> }.into_any(),
                (true, true) => page(&location.path.get()),
            }}
        </Shell>
    }
}

/// The page for a path: `/`, `/mo-hinh`, `/mo-hinh/moi`, `/mo-hinh/{id}`, `/duyet`,
/// `/tong-quan`, `/khao-sat`, `/khao-sat/{campaign}/{model}`, `/khao-sat/dot/moi`,
/// `/khao-sat/dot/{campaign}`, `/khen-thuong` (commendation), `/thu-vien` (typical models), `/bao-cao` (period reports), `/giam-sat` (urging and supervision), `/dong-bo`, `/tai-khoan` (one's own account),
/// `/quan-tri/tai-khoan` (the accounts), `/quan-tri/loi-moi` (invitations), `/quan-tri/don-vi`
/// (the unit tree), `/tham-gia`
/// (joining through one, also before anyone signed in); anything else is "not found".
fn page(path: &str) -> AnyView {
    let load: Loader = match path.trim_end_matches('/') {
        "" => return view! { <Home /> }.into_any(),
        "/mo-hinh" => || Box::pin(screens::models()),
        "/mo-hinh/moi" => || Box::pin(screens::new_model()),
        "/duyet" => || Box::pin(screens::review()),
        "/tong-quan" => || Box::pin(screens::overview()),
        "/khao-sat" => || Box::pin(screens::surveys()),
        "/khen-thuong" => || Box::pin(screens::awards()),
        "/thu-vien" => || Box::pin(screens::library()),
        "/bao-cao" => || Box::pin(screens::reports()),
        "/giam-sat" => || Box::pin(screens::supervision()),
        "/dong-bo" => || Box::pin(screens::problems()),
        "/tai-khoan" => || Box::pin(screens::my_account()),
        "/quan-tri/tai-khoan" => || Box::pin(screens::accounts()),
        "/quan-tri/loi-moi" => || Box::pin(screens::invitations()),
        "/quan-tri/don-vi" => || Box::pin(screens::units()),
        "/tham-gia" => || Box::pin(screens::join()),
        other if other.starts_with("/mo-hinh/") => || Box::pin(screens::model()),
        other if other.starts_with("/khao-sat/dot/") => || Box::pin(screens::campaign()),
        other if other.starts_with("/khao-sat/") => || Box::pin(screens::visit()),
        _ => return view! { <NotFound /> }.into_any(),
    };
    view! { <OnDemand load /> }.into_any()
}
