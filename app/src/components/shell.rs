//! The frame around every screen: the product's name, the navigation, the network state and the
//! language switch. Tablet first: every target is at least 44 px.

use leptos::prelude::*;

use crate::{
    app::DeviceState,
    components::sync_status::SyncStatusBar,
    i18n::{Lang, tr, use_lang, use_texts},
    route::NavLink,
    session::Session,
    sync::{SyncStatus, auth},
};

#[component]
pub fn Shell(children: Children) -> impl IntoView {
    let t = use_texts();
    let lang = use_lang();
    let device = expect_context::<DeviceState>();
    let session = expect_context::<Session>();
    let status = expect_context::<SyncStatus>();
    // Online means the server answers, not only that the browser has a network.
    let connected = move || device.online.get() && status.reachable.get();
    let sign_out = move |_| {
        leptos::task::spawn_local(async move {
            auth::sign_out().await;
            session.forget().await;
        });
    };
    let switch = move |_| {
        let next = match lang.get() {
            Lang::Vi => Lang::En,
            Lang::En => Lang::Vi,
        };
        next.apply();
        lang.set(next);
    };
    view! {
        <a class="skip-link" href="#main">{tr(|t| t.skip_to_content)}</a>
        <header class="app-header">
            <div class="brand">
                <img class="brand-mark" src="/icons/icon-192.png" alt="" width="40" height="40" />
                <div>
                    <h1 class="brand-name">{dvk_shared::PRODUCT_NAME}</h1>
                    <p class="brand-subtitle">{tr(|t| t.app_subtitle)}</p>
                </div>
            </div>
            <div class="header-tools">
                <p class="net-state" class:offline=move || !connected() role="status">
                    <span class="net-dot" aria-hidden="true"></span>
                    {move || match (device.online.get(), status.reachable.get()) {
                        (false, _) => t().offline,
                        (true, false) => t().server_unreachable,
                        (true, true) => t().online,
                    }}
                </p>
                <button
                    class="lang-switch"
                    type="button"
                    on:click=switch
                    title=tr(|t| t.switch_language)
                    lang=move || match lang.get() { Lang::Vi => "en", Lang::En => "vi" }
                >
                    {tr(|t| t.other_language)}
                </button>
                {move || session.user.get().map(|user| view! {
                    <a class="who" href="/tai-khoan">{user.display_name}</a>
                    <button class="lang-switch sign-out" type="button" on:click=sign_out>{t().sign_out}</button>
                }.into_any())}
            </div>
        </header>
        <nav class="app-nav" aria-label=tr(|t| t.main_nav)>
            <NavLink href="/">{tr(|t| t.nav_home)}</NavLink>
            <NavLink href="/mo-hinh">{tr(|t| t.nav_models)}</NavLink>
            <NavLink href="/duyet">{tr(|t| t.nav_review)}</NavLink>
            <NavLink href="/tong-quan">{tr(|t| t.nav_overview)}</NavLink>
            <NavLink href="/khao-sat">{tr(|t| t.nav_survey)}</NavLink>
            <NavLink href="/thu-vien">{tr(|t| t.nav_library)}</NavLink>
            <NavLink href="/khen-thuong">{tr(|t| t.nav_awards)}</NavLink>
            {move || session.user.get().is_some_and(|u| u.role != dvk_shared::user::Role::Surveyor).then(|| view! {
                <NavLink href="/bao-cao">{tr(|t| t.nav_reports)}</NavLink>
                <NavLink href="/giam-sat">{tr(|t| t.nav_oversight)}</NavLink>
            })}
            <NavLink href="/dong-bo">{tr(|t| t.nav_sync)}</NavLink>
            {move || session.user.get().is_some_and(|u| u.role.reviews()).then(|| view! {
                <NavLink href="/quan-tri/tai-khoan">{tr(|t| t.nav_accounts)}</NavLink>
            })}
        </nav>
        {move || session.user.get().is_some().then(|| view! { <SyncStatusBar /> }.into_any())}
        <main id="main" class="app-main" tabindex="-1">
            {children()}
        </main>
    }
}
