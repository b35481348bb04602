//! `/tham-gia#<code>`: joining through an invitation the Board posted. The person sees which unit
//! it is for, chooses a username and a password (the rules answer as they type; a taken username
//! says so) and is a registrar of that unit, signed in, on their home screen. Needs the network
//! once; after that the app works offline like for anyone.

use dvk_shared::{
    invitation::{InvitationInfo, InvitationState, JoinRequest},
    validation::FieldErrors,
};
use leptos::prelude::*;

use crate::{
    format::time_and_date,
    i18n::{Lang, tr, use_lang, use_texts},
    pages::{
        data::problem_text,
        sign_in::{Entry, PasswordFields, online_error_text},
    },
    session::Session,
    sync::online,
};

/// The code after `#` in the address (it never travels to a server in an address).
fn code_in_address() -> String {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .map(|hash| hash.trim_start_matches('#').to_owned())
        .unwrap_or_default()
}

#[component]
pub fn Join() -> impl IntoView {
    let t = use_texts();
    let lang = use_lang();
    let session = expect_context::<Session>();
    let code = RwSignal::new(code_in_address());
    // Another invitation opened in the same tab changes only the part after `#`: no reload.
    let listener =
        window_event_listener(leptos::ev::hashchange, move |_| code.set(code_in_address()));
    on_cleanup(move || listener.remove());
    let attempt = RwSignal::new(0u32);
    let info = crate::pages::data::Loaded::new(move || {
        attempt.get();
        let code = code.get();
        async move { online::lookup_invitation(&code).await }
    });
    view! {
        <section class="card sign-in">
            <h2>{tr(|t| t.join_title)}</h2>
            {move || match (session.user.get(), info.get()) {
                (Some(user), _) => view! {
                    <p role="status">{t().join_signed_in.replace("{name}", &user.display_name)}</p>
                }.into_any(),
                (None, None) => view! { <p class="muted" role="status">{t().loading}</p> }.into_any(),
                (None, Some(Err(e))) => view! {
                    <div role="alert">
                        <p>{online_error_text(&e, lang.get())}</p>
                        <button type="button" class="button" on:click=move |_| attempt.update(|a| *a += 1)>{t().retry}</button>
                    </div>
                }.into_any(),
                (None, Some(Ok(info))) if info.state != InvitationState::Open => view! {
                    <p role="alert" class="error">{closed_text(info.state, lang.get())}</p>
                }.into_any(),
                (None, Some(Ok(info))) => view! { <JoinForm info code=code.get_untracked() /> }.into_any(),
            }}
        </section>
    }
}

fn closed_text(state: InvitationState, lang: Lang) -> &'static str {
    let t = lang.texts();
    match state {
        InvitationState::Expired => t.invitation_expired,
        InvitationState::UsedUp => t.invitation_used_up,
        InvitationState::Revoked | InvitationState::Open => t.invitation_revoked,
    }
}

#[component]
fn JoinForm(info: InvitationInfo, code: String) -> impl IntoView {
    let t = use_texts();
    let lang = use_lang();
    let entry = Entry::here();
    let code = StoredValue::new(code);
    let display_name = RwSignal::new(String::new());
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::default());
    let note = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let problem =
        move |field: &'static str| move || problem_text(errors.with(|e| e.get(field)), lang.get());
    let until = time_and_date(info.expires_at.0);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        note.set(None);
        let request = JoinRequest {
            code: code.get_value(),
            username: username.get_untracked().trim().to_owned(),
            display_name: display_name.get_untracked(),
            password: password.get_untracked(),
        };
        if let Err(found) = request.validate() {
            errors.set(found);
            return;
        }
        errors.set(FieldErrors::default());
        if again.get_untracked() != request.password {
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            match online::join(&request).await {
                Ok(signed) => note.set(entry.enter(signed.user).await),
                Err(online::OnlineError::Invalid(found)) => errors.set(found),
                Err(e) => note.set(Some(online_error_text(&e, lang.get_untracked()))),
            }
            busy.set(false);
        });
    };
    view! {
        <p>{move || t().join_intro.replace("{unit}", &info.unit_name)}</p>
        <p class="muted">{move || t().join_until.replace("{date}", &until)}</p>
        <form on:submit=submit novalidate>
            <label for="join-display-name">{tr(|t| t.display_name)}</label>
            <input id="join-display-name" autocomplete="name" bind:value=display_name
                aria-describedby="join-display-name-problem"
                aria-invalid=move || errors.with(|e| e.get("display_name").is_some()).to_string() />
            <p class="field-error" id="join-display-name-problem">{problem("display_name")}</p>
            <label for="join-username">{tr(|t| t.username)}</label>
            <p class="hint" id="join-username-rules">{tr(|t| t.username_rules)}</p>
            <input id="join-username" autocomplete="username" autocapitalize="none" bind:value=username
                aria-describedby="join-username-rules join-username-problem"
                aria-invalid=move || errors.with(|e| e.get("username").is_some()).to_string() />
            <p class="field-error" id="join-username-problem">{problem("username")}</p>
            <PasswordFields new=password again current=String::new() />
            {move || note.get().map(|text| view! { <p class="error" role="alert">{text}</p> })}
            <button type="submit" class="button" disabled=move || busy.get()>{tr(|t| t.join_button)}</button>
        </form>
    }
}
