//! The route table and the frame every screen sits in.

use leptos::prelude::*;

use crate::{
    components::shell::Shell,
    i18n::{Lang, provide_lang},
    pages::{
        account::MyAccount,
        accounts::Accounts,
        awards::Awards,
        campaign_editor::CampaignEditor,
        data::Replica,
        home::Home,
        invitations::Invitations,
        join::Join,
        library::Library,
        model_page::{ModelById, NewModel},
        models::{Models, Review},
        not_found::NotFound,
        overview::Overview,
        problems::Problems,
        reports::Reports,
        sign_in::SignIn,
        supervision::Supervision,
        surveys::{SurveyPage, Surveys},
        units::Units,
    },
    platform,
    route::Location,
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
                    view! { <Join /> }.into_any()
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
    match path.trim_end_matches('/') {
        "" => view! { <Home /> }.into_any(),
        "/mo-hinh" => view! { <Models /> }.into_any(),
        "/mo-hinh/moi" => view! { <NewModel /> }.into_any(),
        "/duyet" => view! { <Review /> }.into_any(),
        "/tong-quan" => view! { <Overview /> }.into_any(),
        "/khao-sat" => view! { <Surveys /> }.into_any(),
        "/khen-thuong" => view! { <Awards /> }.into_any(),
        "/thu-vien" => view! { <Library /> }.into_any(),
        "/bao-cao" => view! { <Reports /> }.into_any(),
        "/giam-sat" => view! { <Supervision /> }.into_any(),
        "/dong-bo" => view! { <Problems /> }.into_any(),
        "/tai-khoan" => view! { <MyAccount /> }.into_any(),
        "/quan-tri/tai-khoan" => view! { <Accounts /> }.into_any(),
        "/quan-tri/loi-moi" => view! { <Invitations /> }.into_any(),
        "/quan-tri/don-vi" => view! { <Units /> }.into_any(),
        "/tham-gia" => view! { <Join /> }.into_any(),
        other => {
            let id = |text: &str| uuid::Uuid::parse_str(text).ok();
            if let Some(id) = other.strip_prefix("/mo-hinh/").and_then(id) {
                return view! { <ModelById id /> }.into_any();
            }
            match other.strip_prefix("/khao-sat/dot/") {
                Some("moi") => return view! { <CampaignEditor id=None /> }.into_any(),
                Some(text) => {
                    return match id(text) {
                        Some(id) => view! { <CampaignEditor id=Some(id) /> }.into_any(),
                        None => view! { <NotFound /> }.into_any(),
                    };
                }
                None => {}
            }
            let visit = other
                .strip_prefix("/khao-sat/")
                .and_then(|rest| rest.split_once('/'))
                .and_then(|(campaign, model)| Some((id(campaign)?, id(model)?)));
            match visit {
                Some((campaign, model)) => view! { <SurveyPage campaign model /> }.into_any(),
                None => view! { <NotFound /> }.into_any(),
            }
        }
    }
}
