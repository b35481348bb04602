//! The sync status, on every screen: changes waiting, the last successful sync, a progress bar
//! while a long download runs, what to do when something is wrong, and "Sync now".

use leptos::prelude::*;

use crate::{
    format::time_and_date,
    i18n::{tr, use_texts},
    sync::{SyncState, SyncStatus},
};

#[component]
pub fn SyncStatusBar() -> impl IntoView {
    let t = use_texts();
    let status = expect_context::<SyncStatus>();
    let waiting = move || {
        let pending = status.pending.get();
        if pending == 0 {
            t().all_sent.to_owned()
        } else {
            format!("{pending} {}", t().pending_changes)
        }
    };
    let last = move || match status.last_success.get() {
        Some(ms) => format!("{}: {}", t().last_sync, time_and_date(ms)),
        None => t().never_synced.to_owned(),
    };
    let state = move || match status.state.get() {
        SyncState::Idle => None,
        SyncState::Syncing => Some(t().syncing.to_owned()),
        SyncState::Waiting => Some(t().sync_waiting.to_owned()),
        SyncState::SignInRequired => Some(t().sync_sign_in.to_owned()),
        SyncState::Failed(message) => Some(format!("{}: {message}", t().sync_failed)),
        SyncState::TooLarge => Some(t().sync_too_large.to_owned()),
    };
    view! {
        <section class="sync-bar" aria-label=tr(|t| t.nav_sync)>
            <p class="sync-pending" data-pending=move || status.pending.get().to_string()>{waiting}</p>
            <p class="sync-last">{last}</p>
            {move || state().map(|text| view! { <p class="sync-state" role="status">{text}</p> }.into_any())}
            {move || status.progress.get().map(|p| view! {
                <p class="sync-progress">
                    <progress aria-label=tr(|t| t.syncing)></progress>
                    " " {p.changes_received} " " {t().received}
                </p>
            }.into_any())}
            {move || (status.photos_waiting.get() > 0).then(|| view! {
                <p class="sync-photos" data-photos=move || status.photos_waiting.get().to_string()>
                    {status.photos_waiting.get()} " " {t().photos_waiting}
                </p>
            }.into_any())}
            {move || (status.problems.get() > 0).then(|| view! {
                <a href="/dong-bo" class="sync-problems">
                    {status.problems.get()} " " {t().to_resolve}
                </a>
            }.into_any())}
            <button
                type="button"
                class="button secondary"
                on:click=move |_| status.request()
                disabled=move || status.state.get() == SyncState::Syncing
            >
                {tr(|t| t.sync_now)}
            </button>
        </section>
    }
}
