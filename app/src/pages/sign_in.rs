//! The sign-in screen, shown whenever nobody is signed in on this device.

use leptos::prelude::*;

use crate::{
    i18n::{tr, use_texts},
    session::Session,
    store::{HandOver, LocalStore, Owner, shared_db},
    sync::{SyncStatus, auth},
};

#[component]
pub fn SignIn() -> impl IntoView {
    let t = use_texts();
    let session = expect_context::<Session>();
    let status = expect_context::<SyncStatus>();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let location = crate::route::use_location();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match auth::sign_in(&username.get_untracked(), &password.get_untracked()).await {
                Ok(user) => {
                    let owner = Owner {
                        user_id: user.id.to_string(),
                        name: user.display_name.clone(),
                    };
                    match shared_db().await {
                        Ok(db) => match db.hand_over(&owner, uuid::Uuid::now_v7()).await {
                            Ok(HandOver::Ready) => {
                                session.remember(user).await;
                                status.request();
                                // A person starts at their home screen, not where the last
                                // one left off.
                                location.go("/", false);
                            }
                            Ok(HandOver::Blocked { previous, waiting }) => {
                                // Nobody works here until the previous person's changes left.
                                auth::sign_out().await;
                                error.set(Some(
                                    t().handover_blocked
                                        .replace("{name}", &previous)
                                        .replace("{n}", &waiting.to_string()),
                                ));
                            }
                            Err(e) => error.set(Some(format!("{} ({e})", t().store_error))),
                        },
                        Err(e) => error.set(Some(format!("{} ({e})", t().store_error))),
                    }
                }
                Err(auth::SignInError::Refused(message)) => error.set(Some(message)),
                Err(auth::SignInError::Unreachable) => {
                    error.set(Some(t().sign_in_offline.to_owned()))
                }
            }
            busy.set(false);
        });
    };
    view! {
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
    }
}
