//! `/`: where each person starts. A registrar sees their unit's models by status, what the Board
//! returned with its comment, and "Đăng ký mô hình mới"; the Board sees what waits for review;
//! field staff go to their surveys; leaders go to the overview. Everything here comes from the device, so it opens offline.

use dvk_shared::{
    date::{Date, Timestamp},
    model::Status,
    sync::Entity,
    user::Role,
};
use leptos::prelude::*;

use crate::{
    app::DeviceState,
    i18n::{tr, use_lang, use_texts},
    pages::{
        data::{Loaded, ModelView, shown_records, status_label, use_replica},
        supervision::Inbox,
    },
    session::Session,
    sync::{SyncStatus, controller::now_ms},
};

/// A draft counts as left once it has waited this long (as the supervision list counts it).
const IDLE_MS: i64 = 30 * 86_400_000;

#[component]
pub fn Home() -> impl IntoView {
    let t = use_texts();
    let lang = use_lang();
    let session = expect_context::<Session>();
    let role = move || session.user.get().map(|u| u.role);
    let replica = use_replica();
    let counts = move || {
        replica.models().map(|models| {
            Status::ALL
                .into_iter()
                .map(|s| (s, models.iter().filter(|m| m.status() == Some(s)).count()))
                .filter(|(_, n)| *n > 0)
                .collect::<Vec<_>>()
        })
    };
    let returned = move || {
        replica.models().map(|models| {
            models
                .into_iter()
                .filter(|m| m.status() == Some(Status::Returned))
                .collect::<Vec<ModelView>>()
        })
    };
    let waiting = move || {
        replica
            .models()
            .map(|models| {
                models
                    .iter()
                    .filter(|m| m.status() == Some(Status::Submitted))
                    .count()
            })
            .unwrap_or(0)
    };
    let status = expect_context::<SyncStatus>();
    let held = Loaded::new(move || {
        status.data_version.get();
        async {
            (
                shown_records(Entity::Award).await,
                shown_records(Entity::Campaign).await,
                shown_records(Entity::Survey).await,
            )
        }
    });
    // What waits on this person: their unit's drafts left over a month and returns to answer;
    // for the Board, the commendation proposals to review; for field staff, the visits assigned
    // to them not yet submitted, past their campaign's deadline or not.
    let waiting_lines = move || {
        let models = replica.models().unwrap_or_default();
        let idle = models
            .iter()
            .filter(|m| m.status() == Some(Status::Draft))
            .filter(|m| {
                m.data["status_since"]
                    .as_i64()
                    .is_some_and(|since| now_ms() - since > IDLE_MS)
            })
            .count();
        let returned = models
            .iter()
            .filter(|m| m.status() == Some(Status::Returned))
            .count();
        let (awards, campaigns, surveys) = held.get().unwrap_or_default();
        let proposed = awards
            .iter()
            .filter(|(_, a, _, _)| a["status"] == "proposed")
            .count();
        let me = session
            .user
            .get()
            .map(|u| u.id.to_string())
            .unwrap_or_default();
        let today = Date::of_instant_in_vietnam(Timestamp(now_ms()));
        let (mut due, mut overdue) = (0, 0);
        for (id, campaign, _, _) in &campaigns {
            let late = campaign["deadline"]
                .as_str()
                .and_then(|d| Date::parse_any(d).ok())
                .is_some_and(|deadline| today > deadline);
            let mine = campaign["assignments"].as_object().into_iter().flatten();
            for (model, _) in mine.filter(|(_, s)| s.as_str() == Some(me.as_str())) {
                let submitted = surveys.iter().any(|(_, s, _, _)| {
                    s["campaign_id"] == id.to_string()
                        && s["model_id"] == model.as_str()
                        && s["status"] == "submitted"
                });
                if !submitted {
                    *(if late { &mut overdue } else { &mut due }) += 1;
                }
            }
        }
        let board = role().is_some_and(Role::reviews);
        [
            (idle, "/mo-hinh?status=draft", t().drafts_waiting),
            (
                if board { 0 } else { returned },
                "/mo-hinh?status=returned",
                t().returns_waiting,
            ),
            (
                if board { proposed } else { 0 },
                "/khen-thuong",
                t().proposals_waiting,
            ),
            (overdue, "/khao-sat", t().visits_overdue),
            (due, "/khao-sat", t().visits_due),
        ]
        .into_iter()
        .filter(|(n, _, _)| *n > 0)
        .collect::<Vec<_>>()
    };
    view! {
        {move || (!role().is_some_and(Role::reviews)).then(|| view! { <Inbox /> })}
        {move || {
            let lines = waiting_lines();
            (!lines.is_empty() && role() != Some(Role::Leader)).then(|| view! {
                <section class="card" aria-labelledby="waiting-title">
                    <h2 id="waiting-title">{tr(|t| t.waiting_title)}</h2>
                    <ul class="status-counts">
                        {lines.into_iter().map(|(n, href, text)| view! {
                            <li><a href=href><span class="big-figure">{n}</span><span>{text}</span></a></li>
                        }).collect_view()}
                    </ul>
                </section>
            })
        }}
        <section class="card home-actions">
            <h2>{tr(|t| t.home_title)}</h2>
            {move || match role() {
                Some(Role::Registrar) => view! {
                    <a href="/mo-hinh/moi" class="button big">{t().new_model}</a>
                }.into_any(),
                Some(Role::Board | Role::Admin) => view! {
                    <p><strong class="big-figure">{waiting()}</strong> " " {t().waiting_review}</p>
                    <a href="/duyet" class="button big">{t().open_review}</a>
                    " "
                    <a href="/mo-hinh/moi" class="button secondary">{t().new_model}</a>
                }.into_any(),
                Some(Role::Surveyor) => view! {
                    <a href="/khao-sat" class="button big">{t().open_surveys}</a>
                }.into_any(),
                Some(Role::Leader) => view! {
                    <a href="/tong-quan" class="button big">{t().open_overview}</a>
                }.into_any(),
                _ => view! { <a href="/mo-hinh" class="button big">{t().open_models}</a> }.into_any(),
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
                                        <a href=format!("/mo-hinh/{}", m.id)>{name}</a>
                                        <p class="comment-text"><span class="muted">{t().board_comment} ": "</span>{comment}</p>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                })}
            </section>
        }.into_any())}
        <section class="card" aria-labelledby="by-status-title">
            <h2 id="by-status-title">{tr(|t| t.home_by_status)}</h2>
            {move || counts().map(|counts| if counts.is_empty() {
                view! { <p class="muted">{t().no_models}</p> }.into_any()
            } else {
                view! {
                    <ul class="status-counts">
                        {counts.into_iter().map(|(s, n)| view! {
                            <li><a href=format!("/mo-hinh?status={}", s.as_str())>
                                <span class="big-figure">{n}</span>
                                <span>{move || status_label(s, lang.get())}</span>
                            </a></li>
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
            <h2 id="device-title">{tr(|t| t.device_title)}</h2>
            <p>{storage}</p>
            {move || device.store_error.get().map(|cause| view! {
                <p class="error" role="alert">{t().store_error}<br /><small>{cause}</small></p>
            }.into_any())}
        </section>
    }
}
