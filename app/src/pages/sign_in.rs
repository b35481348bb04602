//! The sign-in screen, shown whenever nobody is signed in on this device.

use leptos::prelude::*;

use dvk_shared::{
    account::PasswordChange,
    user::{PASSWORD_MIN, User},
};

use crate::{
    i18n::{Lang, tr, use_lang, use_texts},
    session::Session,
    store::{HandOver, LocalStore, Owner, shared_db},
    sync::{SyncStatus, auth, online},
};

#[component]
pub fn SignIn() -> impl IntoView {
    let t = use_texts();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let entry = Entry::here();
    // Signed in with a one-time code: the person chooses their password before anything else.
    let choosing = RwSignal::new(None::<User>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match auth::sign_in(&username.get_untracked(), &password.get_untracked()).await {
                Ok(signed) if signed.must_change_password => choosing.set(Some(signed.user)),
                Ok(signed) => error.set(entry.enter(signed.user).await),
                Err(auth::SignInError::Refused(message)) => error.set(Some(message)),
                Err(auth::SignInError::Unreachable) => {
                    error.set(Some(t().sign_in_offline.to_owned()))
                }
            }
            busy.set(false);
        });
    };
    view! {
        {move || match choosing.get() {
            Some(user) => view! { <ChoosePassword user code=password.get_untracked() /> }.into_any(),
            None => view! {
                <section class="card sign-in">
                    <h2>{tr(|t| t.sign_in_title)}</h2>
                    <form on:submit=submit>
                        <label for="username">{tr(|t| t.username)}</label>
                        <input id="username" name="username" autocomplete="username" autocapitalize="none"
                            required bind:value=username />
                        <label for="password">{tr(|t| t.password)}</label>
                        <input id="password" name="password" type="password" autocomplete="current-password"
                            required bind:value=password />
                        {move || error.get().map(|message| view! { <p class="error" role="alert">{message}</p> })}
                        <button type="submit" class="button" disabled=move || busy.get()>
                            {move || if busy.get() { t().signing_in } else { t().sign_in }}
                        </button>
                    </form>
                </section>
            }.into_any(),
        }}
    }
}

/// What letting a person in needs, taken from the page's context while it is drawn (the
/// tasks that sign in run outside it).
#[derive(Clone, Copy)]
pub struct Entry {
    session: Session,
    status: SyncStatus,
    location: crate::route::Location,
    lang: RwSignal<Lang>,
}

impl Entry {
    pub fn here() -> Self {
        Self {
            session: expect_context::<Session>(),
            status: expect_context::<SyncStatus>(),
            location: crate::route::use_location(),
            lang: use_lang(),
        }
    }

    /// Lets `user` work on this device (unless the previous person's changes have not left
    /// yet) and opens their home screen; answers what went wrong, if anything.
    pub async fn enter(self, user: User) -> Option<String> {
        let Entry {
            session,
            status,
            location,
            lang,
        } = self;
        let t = lang.get_untracked().texts();
        let owner = Owner {
            user_id: user.id.to_string(),
            name: user.display_name.clone(),
        };
        let db = match shared_db().await {
            Ok(db) => db,
            Err(e) => return Some(format!("{} ({e})", t.store_error)),
        };
        match db.hand_over(&owner, uuid::Uuid::now_v7()).await {
            Ok(HandOver::Ready) => {
                session.remember(user).await;
                status.request();
                // A person starts at their home screen, not where the last one left off.
                location.go("/", false);
                None
            }
            Ok(HandOver::Blocked { previous, waiting }) => {
                // Nobody works here until the previous person's changes left.
                auth::sign_out().await;
                Some(
                    t.handover_blocked
                        .replace("{name}", &previous)
                        .replace("{n}", &waiting.to_string()),
                )
            }
            Err(e) => Some(format!("{} ({e})", t.store_error)),
        }
    }
}

/// The second step after a one-time code: a password of one's own, its rules shown while typing.
#[component]
fn ChoosePassword(user: User, code: String) -> impl IntoView {
    let t = use_texts();
    let new = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let entry = Entry::here();
    let code = StoredValue::new(code);
    let user = StoredValue::new(user);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let change = PasswordChange {
            current_password: code.get_value(),
            new_password: new.get_untracked(),
        };
        if change.validate().is_err() || again.get_untracked() != change.new_password {
            return;
        }
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match online::change_password(&change).await {
                Ok(_) => error.set(entry.enter(user.get_value()).await),
                Err(e) => error.set(Some(online_error_text(&e, entry.lang.get_untracked()))),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="card sign-in">
            <h2>{tr(|t| t.choose_password_title)}</h2>
            <p>{move || t().choose_password_intro.replace("{name}", &user.with_value(|u| u.display_name.clone()))}</p>
            <form on:submit=submit>
                <PasswordFields new again current=code.get_value() />
                {move || error.get().map(|message| view! { <p class="error" role="alert">{message}</p> })}
                <button type="submit" class="button" disabled=move || busy.get()>{tr(|t| t.save_password)}</button>
            </form>
        </section>
    }
}

/// A new password typed twice, with the rules and whether each holds shown as the person types.
#[component]
pub fn PasswordFields(
    new: RwSignal<String>,
    again: RwSignal<String>,
    current: String,
) -> impl IntoView {
    let t = use_texts();
    let lang = use_lang();
    let current = StoredValue::new(current);
    let problem = move || {
        let change = PasswordChange {
            current_password: current.get_value(),
            new_password: new.get(),
        };
        let typed = !new.get().is_empty();
        let problem = change
            .validate()
            .err()
            .and_then(|e| e.get("new_password"))
            .filter(|_| typed);
        crate::pages::data::problem_text(problem, lang.get())
    };
    let mismatch = move || !again.get().is_empty() && again.get() != new.get();
    view! {
        <label for="new-password">{tr(|t| t.new_password)}</label>
        <p class="hint" id="new-password-rules">{move || t().password_rules.replace("{min}", &PASSWORD_MIN.to_string())}</p>
        <input id="new-password" type="password" autocomplete="new-password" required
            aria-describedby="new-password-rules new-password-problem"
            aria-invalid=move || problem().is_some().to_string()
            bind:value=new />
        <p class="field-error" id="new-password-problem">{problem}</p>
        <label for="new-password-again">{tr(|t| t.new_password_again)}</label>
        <input id="new-password-again" type="password" autocomplete="new-password" required
            aria-describedby="new-password-again-problem"
            aria-invalid=move || mismatch().to_string()
            bind:value=again />
        <p class="field-error" id="new-password-again-problem">{move || mismatch().then(|| t().passwords_differ)}</p>
    }
}

/// What a refused or failed online change tells the person.
pub fn online_error_text(error: &online::OnlineError, lang: Lang) -> String {
    let t = lang.texts();
    match error {
        online::OnlineError::Unreachable => t.needs_network.to_owned(),
        online::OnlineError::SignInRequired => t.sign_in_again.to_owned(),
        online::OnlineError::Refused(message) => message.clone(),
        online::OnlineError::Invalid(_) => t.fix_marked_fields.to_owned(),
    }
}
