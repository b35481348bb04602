//! `/tong-quan`: the leadership overview. Figures come from the server (`GET /api/stats`, online)
//! so they count every unit's latest registrations, and so do the typical models, named as the
//! server holds them whatever this device holds. Every bar links to the models behind it; "In" prints it on A4.

use dvk_shared::{
    api::{AwardItem, Stats},
    award::{AwardKind, RecipientType},
    model::{Field, Status},
    text::format_number,
};
use leptos::prelude::*;

use crate::{
    i18n::{Lang, tr, use_lang, use_texts},
    pages::data::{Loaded, field_label, sort_by_keys, status_label},
    sync::online,
};

/// One bar: its label, its figure, and the list it opens.
#[derive(Debug, Clone, PartialEq)]
struct Bar {
    label: String,
    value: u64,
    href: String,
}

/// Horizontal bars drawn as SVG, the figure written beside each: readable without colour,
/// printable, and no chart library.
#[component]
fn BarChart(title: String, id: &'static str, bars: Vec<Bar>) -> impl IntoView {
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    view! {
        <section class="card chart" aria-labelledby=id>
            <h3 id=id>{title}</h3>
            <ul class="bars">
                {bars.into_iter().map(|bar| {
                    // In hundredths of the track, whole numbers: at least a sliver when not zero.
                    let width = (bar.value * 100).div_ceil(max);
                    view! {
                        <li>
                            <a class="bar" href=bar.href.clone()>
                                <span class="bar-label">{bar.label.clone()}</span>
                                <svg class="bar-track" viewBox="0 0 100 10" preserveAspectRatio="none"
                                    role="img" aria-label=format!("{}: {}", bar.label, format_number(bar.value))>
                                    <rect x="0" y="0" width=width.to_string() height="10" rx="1"></rect>
                                </svg>
                                <span class="bar-value">{format_number(bar.value)}</span>
                            </a>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
pub fn Overview() -> impl IntoView {
    let t = use_texts();
    let attempt = RwSignal::new(0u32);
    let stats = Loaded::new(move || {
        attempt.get();
        async { (online::stats().await, online::awards().await) }
    });
    let print = move |_| {
        if let Some(window) = web_sys::window() {
            let _ = window.print();
        }
    };
    view! {
        <section class="card overview-head">
            <h2>{tr(|t| t.overview_title)}</h2>
            <button type="button" class="button secondary no-print" on:click=print>{tr(|t| t.print)}</button>
        </section>
        {move || match stats.get() {
            None => view! { <p class="muted" role="status">{t().loading}</p> }.into_any(),
            Some((Err(_), _)) => view! {
                <section class="card" role="alert">
                    <p>{t().overview_offline}</p>
                    <button type="button" class="button" on:click=move |_| attempt.update(|a| *a += 1)>{t().retry}</button>
                </section>
            }.into_any(),
            Some((Ok(stats), awards)) => view! {
                <Figures stats />
                <AwardList awards=awards.unwrap_or_default() />
            }.into_any(),
        }}
        {move || stats.get().and_then(|(stats, _)| stats.ok()).map(|stats| {
            let r = stats.replication.clone();
            view! {
            <section class="card" aria-labelledby="replication-title">
                <h3 id="replication-title">{tr(|t| t.replication_title)}</h3>
                <p class="replication-figures">
                    <strong>{r.replicated}</strong> " / " {r.typical} " " {tr(|t| t.replicated_of_typical)}
                    " · " <strong>{r.units_reached}</strong> " " {tr(|t| t.units_reached)}
                </p>
                {(!r.most_replicated.is_empty()).then(|| view! {
                    <h4>{tr(|t| t.most_replicated)}</h4>
                    <ol class="most-replicated">
                        {r.most_replicated.into_iter().map(|(id, name, reach)| view! {
                            <li><a href=format!("/thu-vien#m-{id}")>{name}</a> <span class="muted">" · " {reach} " " {tr(|t| t.units_reached)}</span></li>
                        }).collect_view()}
                    </ol>
                })}
            </section>
            <section class="card" aria-labelledby="typical-title">
                <h3 id="typical-title">{tr(|t| t.typical_title)}</h3>
                {if stats.typical.is_empty() {
                    view! { <p class="muted">{t().typical_none}</p> }.into_any()
                } else {
                    // A province holds thousands: the server names the first hundred, and
                    // the models list holds them all.
                    let more = (stats.typical_total > stats.typical.len() as u64).then(|| view! {
                        <p>
                            <a href=format!("/mo-hinh?status={}", Status::Typical.as_str())>
                                {tr(|t| t.typical_all)} " (" {format_number(stats.typical_total)} ")"
                            </a>
                        </p>
                    });
                    view! {
                        <ul class="plain-list typical-list">
                            {stats.typical.into_iter().map(|m| view! {
                                <li>
                                    <a href=format!("/mo-hinh/{}", m.id)>{m.name}</a>
                                    <span class="muted">" · " {m.unit_name}</span>
                                </li>
                            }).collect_view()}
                        </ul>
                        {more}
                    }.into_any()
                }}
            </section>
        }})}
        <section class="card" aria-labelledby="difficulties-title">
            <h3 id="difficulties-title">{tr(|t| t.difficulties_title)}</h3>
            <crate::pages::surveys::DifficultyCounts />
        </section>
    }
}

#[component]
fn Figures(stats: Stats) -> impl IntoView {
    let t = use_texts();
    let lang = use_lang();
    let parts: Vec<String> = Field::ALL
        .iter()
        .map(|f| format_number(stats.by_field.get(f).copied().unwrap_or(0)))
        .collect();
    let equation = format!("{} = {}", format_number(stats.total), parts.join(" + "));
    let field_legend = Field::ALL
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                format_number(stats.by_field.get(f).copied().unwrap_or(0)),
                field_label(*f, lang.get_untracked()).to_lowercase()
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let field_bars: Vec<Bar> = Field::ALL
        .iter()
        .map(|f| Bar {
            label: field_label(*f, lang.get_untracked()).to_owned(),
            value: stats.by_field.get(f).copied().unwrap_or(0),
            href: format!("/mo-hinh?field={}", f.as_str()),
        })
        .collect();
    let status_bars: Vec<Bar> = stats
        .by_status
        .iter()
        .map(|(s, n)| Bar {
            label: status_label(*s, lang.get_untracked()).to_owned(),
            value: *n,
            href: format!("/mo-hinh?status={}", s.as_str()),
        })
        .collect();
    let year_bars: Vec<Bar> = stats
        .by_year
        .iter()
        .map(|(y, n)| Bar {
            label: y.clone(),
            value: *n,
            href: format!("/mo-hinh?year={y}"),
        })
        .collect();
    let mut units = stats.by_unit.clone();
    // Most models first, then by name: the total inverted and padded sorts as text.
    sort_by_keys(&mut units, |u| {
        format!("{:020}{}", u64::MAX - u.total, u.name)
    });
    let unit_bars: Vec<Bar> = units
        .iter()
        .filter(|u| u.total > 0)
        .map(|u| Bar {
            label: u.name.clone(),
            value: u.total,
            href: format!("/mo-hinh?unit={}", u.unit_id),
        })
        .collect();
    let award_line = |kind: AwardKind| {
        let count = |recipient: RecipientType| {
            stats
                .awards
                .iter()
                .filter(|a| a.kind == kind && a.recipient_type == recipient)
                .map(|a| a.count)
                .sum::<u64>()
        };
        (
            count(RecipientType::Collective),
            count(RecipientType::Individual),
        )
    };
    let awards: Vec<(String, u64, u64)> = AwardKind::ALL
        .into_iter()
        .map(|kind| {
            let (collectives, individuals) = award_line(kind);
            (
                match lang.get_untracked() {
                    Lang::Vi => kind.label_vi(),
                    Lang::En => kind.label_en(),
                }
                .to_owned(),
                collectives,
                individuals,
            )
        })
        .filter(|(_, c, i)| c + i > 0)
        .collect();
    view! {
        <section class="card total" aria-labelledby="total-title">
            <h3 id="total-title">{tr(|t| t.total_models)}</h3>
            <p class="total-figure" data-total=stats.total.to_string()>{equation}</p>
            <p class="muted">{field_legend}</p>
        </section>
        <div class="charts">
            <BarChart title=t().by_field.to_owned() id="chart-field" bars=field_bars />
            <BarChart title=t().by_status.to_owned() id="chart-status" bars=status_bars />
            <BarChart title=t().by_year.to_owned() id="chart-year" bars=year_bars />
            <BarChart title=t().by_unit.to_owned() id="chart-unit" bars=unit_bars />
        </div>
        <section class="card" aria-labelledby="awards-title">
            <h3 id="awards-title">{tr(|t| t.awards_title)}</h3>
            <table class="figures">
                <thead><tr>
                    <th scope="col"></th>
                    <th scope="col">{tr(|t| t.collectives)}</th>
                    <th scope="col">{tr(|t| t.individuals)}</th>
                </tr></thead>
                <tbody>
                    {awards.into_iter().map(|(label, c, i)| view! {
                        <tr><th scope="row">{label}</th><td>{format_number(c)}</td><td>{format_number(i)}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

/// The awards themselves, grouped by kind: who received which, when, by which decision; each
/// links to the model it was for, or to its unit's models.
#[component]
fn AwardList(awards: Vec<AwardItem>) -> impl IntoView {
    let lang = use_lang();
    let groups: Vec<(AwardKind, Vec<AwardItem>)> = AwardKind::ALL
        .into_iter()
        .map(|kind| {
            (
                kind,
                awards
                    .iter()
                    .filter(|a| a.award.kind == kind)
                    .cloned()
                    .collect::<Vec<_>>(),
            )
        })
        .filter(|(_, list)| !list.is_empty())
        .collect();
    view! {
        <section class="card" aria-labelledby="award-list-title">
            <h3 id="award-list-title">{tr(|t| t.award_list_title)}</h3>
            {groups.into_iter().map(|(kind, list)| view! {
                <h4>{move || match lang.get() { Lang::Vi => kind.label_vi(), Lang::En => kind.label_en() }}</h4>
                <ul class="plain-list award-list">
                    {list.into_iter().map(|item| {
                        let award = item.award;
                        let href = match award.model_ids.first() {
                            Some(model) => format!("/mo-hinh/{model}"),
                            None => format!("/mo-hinh?unit={}", award.unit_id),
                        };
                        let decision = award.decision_number.clone().map(|n| format!(" · {n}")).unwrap_or_default();
                        // A person by name, a collective by its unit's: always a name to read.
                        let recipient = award.recipient(&item.unit_name);
                        view! {
                            <li>
                                <a href=href>{recipient}</a>
                                " — " {award.title.clone()} " (" {award.year} {decision} ")"
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }).collect_view()}
        </section>
    }
}
