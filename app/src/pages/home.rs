//! `/`: where each person starts. A registrar sees their unit's models by status, what the Board
//! returned with its comment, and "Đăng ký mô hình mới"; the Board sees what waits for review;
//! leaders go to the overview. Everything here comes from the device, so it opens offline.

use dvk_shared::{model::Status, user::Role};
use leptos::prelude::*;
use leptos_router::components::A;

use crate::{
    app::DeviceState,
    i18n::{use_lang, use_texts},
    pages::data::{self, ModelView, status_label},
    session::Session,
    sync::SyncStatus,
};

#[component]
pub fn Home() -> impl IntoView {
    let t = use_texts();
    let lang = use_lang();
    let status = expect_context::<SyncStatus>();
    let session = expect_context::<Session>();
    let role = move || session.user.get().map(|u| u.role);
    let models = LocalResource::new(move || {
        status.data_version.get();
        data::models()
    });
    let counts = move || {
        models.get().map(|models| {
            Status::ALL
                .into_iter()
                .map(|s| (s, models.iter().filter(|m| m.status() == Some(s)).count()))
                .filter(|(_, n)| *n > 0)
                .collect::<Vec<_>>()
        })
    };
    let returned = move || {
        models.get().map(|models| {
            models
                .into_iter()
                .filter(|m| m.status() == Some(Status::Returned))
                .collect::<Vec<ModelView>>()
        })
    };
    let waiting = move || {
        models
            .get()
            .map(|models| {
                models
                    .iter()
                    .filter(|m| m.status() == Some(Status::Submitted))
                    .count()
            })
            .unwrap_or(0)
    };
    view! {
        <section class="card home-actions">
            <h2>{move || t().home_title}</h2>
            {move || match role() {
                Some(Role::Registrar) => view! {
                    <A href="/mo-hinh/moi" attr:class="button big">{t().new_model}</A>
                }.into_any(),
                Some(Role::Board | Role::Admin) => view! {
                    <p><strong class="big-figure">{waiting()}</strong> " " {t().waiting_review}</p>
                    <A href="/duyet" attr:class="button big">{t().open_review}</A>
                    " "
                    <A href="/mo-hinh/moi" attr:class="button secondary">{t().new_model}</A>
                }.into_any(),
                Some(Role::Leader) => view! {
                    <A href="/tong-quan" attr:class="button big">{t().open_overview}</A>
                }.into_any(),
                _ => view! { <A href="/mo-hinh" attr:class="button big">{t().open_models}</A> }.into_any(),
            }}
        </section>
        {move || (role() == Some(Role::Registrar)).then(|| view! {
            <section class="card" aria-labelledby="returned-title">
                <h2 id="returned-title">{t().returned_title}</h2>
                {move || returned().map(|list| if list.is_empty() {
                    view! { <p class="muted">{t().returned_none}</p> }.into_any()
                } else {
                    view! {
                        <ul class="returned-list">
                            {list.into_iter().map(|m| {
                                let (name, comment) = (m.name(), m.text("review_comment"));
                                view! {
                                    <li>
                                        <A href=format!("/mo-hinh/{}", m.id)>{name}</A>
                                        <p class="comment-text"><span class="muted">{t().board_comment} ": "</span>{comment}</p>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                })}
            </section>
        })}
        <section class="card" aria-labelledby="by-status-title">
            <h2 id="by-status-title">{move || t().home_by_status}</h2>
            {move || counts().map(|counts| if counts.is_empty() {
                view! { <p class="muted">{t().no_models}</p> }.into_any()
            } else {
                view! {
                    <ul class="status-counts">
                        {counts.into_iter().map(|(s, n)| view! {
                            <li><A href=format!("/mo-hinh?status={}", s.as_str())>
                                <span class="big-figure">{n}</span>
                                <span>{move || status_label(s, lang.get())}</span>
                            </A></li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            })}
        </section>
        <DeviceCard />
    }
}

/// Whether this device keeps its data, and why not if it cannot.
#[component]
fn DeviceCard() -> impl IntoView {
    let t = use_texts();
    let device = expect_context::<DeviceState>();
    let storage = move || match device.persistent.get() {
        Some(true) => t().storage_persistent,
        Some(false) => t().storage_not_persistent,
        None => t().storage_unknown,
    };
    view! {
        <section class="card" aria-labelledby="device-title">
            <h2 id="device-title">{move || t().device_title}</h2>
            <p>{storage}</p>
            {move || device.store_error.get().map(|cause| view! {
                <p class="error" role="alert">{t().store_error}<br /><small>{cause}</small></p>
            })}
        </section>
    }
}
