//! `/tai-khoan`: one's own account — who the app knows you as, a new password, and ending the
//! sessions left open on other devices. Both changes need the network; the page says so.

use dvk_shared::{
    account::PasswordChange,
    validation::{FieldErrors, Problem},
};
use leptos::prelude::*;

use crate::{
    i18n::{Lang, tr, use_lang, use_texts},
    pages::{
        data::{unit_name, use_replica},
        sign_in::{PasswordFields, online_error_text},
    },
    session::Session,
    sync::online,
};

#[component]
pub fn MyAccount() -> impl IntoView {
    let t = use_texts();
    let lang = use_lang();
    let session = expect_context::<Session>();
    let replica = use_replica();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let current_problem = RwSignal::new(None::<Problem>);
    let note = RwSignal::new(None::<(bool, String)>);
    let sessions_note = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let change = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = PasswordChange {
            current_password: current.get_untracked(),
            new_password: new.get_untracked(),
        };
        current_problem.set(None);
        if let Err(errors) = request.validate() {
            current_problem.set(errors.get("current_password"));
            return;
        }
        if again.get_untracked() != request.new_password {
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            let t = lang.get_untracked().texts();
            match online::change_password(&request).await {
                Ok(_) => {
                    for field in [current, new, again] {
                        field.set(String::new());
                    }
                    note.set(Some((true, t.password_changed.to_owned())));
                }
                Err(online::OnlineError::Invalid(fields)) => {
                    current_problem.set(FieldErrors::get(&fields, "current_password"));
                    note.set(Some((false, t.fix_marked_fields.to_owned())));
                }
                Err(e) => note.set(Some((false, online_error_text(&e, lang.get_untracked())))),
            }
            busy.set(false);
        });
    };
    let end_others = move |_| {
        leptos::task::spawn_local(async move {
            let t = lang.get_untracked().texts();
            sessions_note.set(Some(match online::end_other_sessions().await {
                Ok(ended) => t.sessions_ended.replace("{n}", &ended.ended.to_string()),
                Err(e) => online_error_text(&e, lang.get_untracked()),
            }));
        });
    };

    view! {
        <section class="card">
            <h2>{tr(|t| t.my_account_title)}</h2>
            {move || session.user.get().map(|user| {
                let unit = replica
                    .data
                    .get()
                    .map(|(_, units)| unit_name(&units, &user.unit_id.to_string()))
                    .unwrap_or_default();
                view! {
                    <dl class="facts">
                        <dt>{t().display_name}</dt><dd>{user.display_name.clone()}</dd>
                        <dt>{t().username}</dt><dd>{user.username.clone()}</dd>
                        <dt>{t().role}</dt>
                        <dd>{match lang.get() { Lang::Vi => user.role.label_vi(), Lang::En => user.role.label_en() }}</dd>
                        <dt>{t().unit}</dt><dd>{unit}</dd>
                    </dl>
                }
            })}
        </section>
        <section class="card" aria-labelledby="password-title">
            <h3 id="password-title">{tr(|t| t.change_password_title)}</h3>
            <form on:submit=change>
                <label for="current-password">{tr(|t| t.current_password)}</label>
                <input id="current-password" type="password" autocomplete="current-password" required
                    aria-describedby="current-password-problem"
                    aria-invalid=move || current_problem.get().is_some().to_string()
                    bind:value=current />
                <p class="field-error" id="current-password-problem">
                    {move || crate::pages::data::problem_text(current_problem.get(), lang.get())}
                </p>
                <PasswordFields new again current=String::new() />
                <p role="status" class:ok=move || note.get().is_some_and(|(ok, _)| ok) class:error=move || note.get().is_some_and(|(ok, _)| !ok)>
                    {move || note.get().map(|(_, text)| text)}
                </p>
                <button type="submit" class="button" disabled=move || busy.get()>{tr(|t| t.save_password)}</button>
            </form>
        </section>
        <section class="card" aria-labelledby="sessions-title">
            <h3 id="sessions-title">{tr(|t| t.other_sessions_title)}</h3>
            <p>{tr(|t| t.other_sessions_intro)}</p>
            <button type="button" class="button secondary" on:click=end_others>{tr(|t| t.end_other_sessions)}</button>
            <p role="status">{move || sessions_note.get()}</p>
        </section>
    }
}
