//! `/bao-cao`: period reports (sơ kết, tổng kết), online. The Board (or a unit, for its own
//! subtree) chooses a unit and a period — a half year, a year, several years or dates — and
//! gets a draft that starts from the figures; it edits the written parts, finalises the report
//! (its figures frozen), reopens it, prints it on A4 and downloads it as Word and Excel. A
//! report is read as the JSON the server sends (`dvk_shared::report::Report`'s shape), as the
//! pages read records.

use dvk_shared::{
    award::{AwardKind, RecipientType},
    date::Date,
    ids::UnitId,
    model::Field,
    report::Period,
    text::format_number,
    user::Role,
};
use leptos::prelude::*;
use serde_json::Value;

use crate::{
    i18n::{tr, use_texts},
    pages::{
        data::{problem_text, unit_name, use_replica},
        surveys::today,
    },
    session::Session,
    sync::online::{self, OnlineError},
};

fn said(e: OnlineError, t: &'static crate::i18n::Texts) -> String {
    match e {
        OnlineError::Unreachable => t.needs_network.to_owned(),
        OnlineError::SignInRequired => t.sign_in_again.to_owned(),
        OnlineError::Refused(message) => message,
        OnlineError::Invalid(_) => t.fix_marked.to_owned(),
    }
}

/// `/bao-cao`.
#[component]
pub fn Reports() -> impl IntoView {
    let session = expect_context::<Session>();
    let replica = use_replica();
    let t = use_texts();
    let reload = RwSignal::new(0u32);
    let list = LocalResource::new(move || {
        reload.get();
        online::reports()
    });
    let open: RwSignal<Option<String>> = RwSignal::new(None);
    let unit = RwSignal::new(
        session
            .user
            .get_untracked()
            .map(|u| u.unit_id.to_string())
            .unwrap_or_default(),
    );
    let year = RwSignal::new(today().year().to_string());
    let span = RwSignal::new("year".to_owned());
    let error = RwSignal::new(None::<String>);
    let may_write = move || {
        session
            .user
            .get()
            .is_some_and(|u| u.role.reviews() || u.role == Role::Registrar)
    };
    let make = move |_| {
        let Ok(y) = year.get_untracked().trim().parse::<u16>() else {
            error.set(Some(t().year_needed.to_owned()));
            return;
        };
        let period = match span.get_untracked().as_str() {
            "first" => Period::half(y, true),
            "second" => Period::half(y, false),
            "five" => Date::new(y.saturating_sub(4), 1, 1)
                .zip(Date::new(y, 12, 31))
                .and_then(|(a, b)| Period::new(a, b)),
            _ => Period::year(y),
        };
        let (Some(period), Ok(unit)) = (period, UnitId::parse(&unit.get_untracked())) else {
            error.set(Some(t().year_needed.to_owned()));
            return;
        };
        error.set(None);
        leptos::task::spawn_local(async move {
            match online::create_report(unit, period.from, period.to).await {
                Ok(report) => {
                    open.set(report["id"].as_str().map(str::to_owned));
                    reload.update(|r| *r += 1);
                }
                Err(e) => error.set(Some(said(e, t()))),
            }
        });
    };
    view! {
        <div class="list-head no-print">
            <h2>{tr(|t| t.nav_reports)}</h2>
        </div>
        {move || may_write().then(|| view! {
            <form class="card filters no-print" aria-labelledby="new-report-title" on:submit=|e| e.prevent_default()>
                <h3 id="new-report-title" class="filter wide">{tr(|t| t.new_report)}</h3>
                <div class="filter">
                    <label for="r-unit">{tr(|t| t.unit)}</label>
                    <select id="r-unit" on:change=move |e| unit.set(event_target_value(&e))>
                        {move || replica.data.get().map(|(_, units)| units.into_iter().filter(|u| u.is_current()).map(|u| {
                            let selected = u.id == unit.get_untracked();
                            view! { <option value=u.id.clone() selected=selected>{u.name.clone()}</option> }
                        }).collect_view())}
                    </select>
                </div>
                <div class="filter">
                    <label for="r-span">{tr(|t| t.report_span)}</label>
                    <select id="r-span" on:change=move |e| span.set(event_target_value(&e))>
                        <option value="year">{tr(|t| t.span_year)}</option>
                        <option value="first">{tr(|t| t.span_first_half)}</option>
                        <option value="second">{tr(|t| t.span_second_half)}</option>
                        <option value="five">{tr(|t| t.span_five_years)}</option>
                    </select>
                </div>
                <div class="filter">
                    <label for="r-year">{tr(|t| t.year)}</label>
                    <input id="r-year" inputmode="numeric" prop:value=move || year.get() on:input=move |e| year.set(event_target_value(&e)) />
                </div>
                <div class="filter">
                    <button type="button" class="button" on:click=make>{tr(|t| t.make_report)}</button>
                </div>
                <p class="field-error filter wide" role="alert">{move || error.get()}</p>
            </form>
        })}
        {move || open.get().map(|id| view! { <ReportView id reload /> })}
        <section class="card no-print" aria-labelledby="reports-title">
            <h3 id="reports-title">{tr(|t| t.reports_list)}</h3>
            {move || list.get().map(|answer| match answer {
                Ok(reports) if reports.as_array().is_none_or(Vec::is_empty) => view! { <p class="muted">{tr(|t| t.no_reports)}</p> }.into_any(),
                Ok(reports) => view! {
                    <ul class="plain-list report-list">
                        {reports.as_array().cloned().unwrap_or_default().into_iter().map(|r| {
                            let id = r["id"].as_str().unwrap_or_default().to_owned();
                            let final_ = r["status"] == "final";
                            view! {
                                <li>
                                    <button type="button" class="link-button" on:click=move |_| open.set(Some(id.clone()))>{r["title"].as_str().unwrap_or_default().to_owned()}</button>
                                    " · " <span class="muted">{if final_ { tr(|t| t.report_final)() } else { tr(|t| t.report_draft)() }}</span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
                Err(e) => view! { <p class="field-error" role="alert">{said(e, t())}</p> }.into_any(),
            })}
        </section>
    }
}

/// The written parts of a report, as typed.
#[derive(Clone, Copy)]
struct Parts {
    title: RwSignal<String>,
    number: RwSignal<String>,
    place: RwSignal<String>,
    assessment: RwSignal<String>,
    lessons: RwSignal<String>,
    recommendations: RwSignal<String>,
}

impl Parts {
    fn new() -> Self {
        let s = || RwSignal::new(String::new());
        Parts {
            title: s(),
            number: s(),
            place: s(),
            assessment: s(),
            lessons: s(),
            recommendations: s(),
        }
    }

    fn each(self) -> [(&'static str, RwSignal<String>); 6] {
        [
            ("title", self.title),
            ("number", self.number),
            ("place", self.place),
            ("assessment", self.assessment),
            ("lessons", self.lessons),
            ("recommendations", self.recommendations),
        ]
    }

    fn read(self, report: &Value) {
        for (key, signal) in self.each() {
            signal.set(report[key].as_str().unwrap_or_default().to_owned());
        }
    }

    fn json(self) -> Value {
        Value::Object(
            self.each()
                .into_iter()
                .map(|(key, signal)| (key.to_owned(), Value::String(signal.get_untracked())))
                .collect(),
        )
    }
}

/// How the report names its period.
fn period_label(report: &Value) -> String {
    let day = |key: &str| Date::parse_any(report["period"][key].as_str().unwrap_or_default()).ok();
    day("from")
        .zip(day("to"))
        .and_then(|(from, to)| Period::new(from, to))
        .map(Period::label_vi)
        .unwrap_or_default()
}

/// One report: its figures, its written parts (editable while a draft), its steps and files.
#[component]
fn ReportView(id: String, reload: RwSignal<u32>) -> impl IntoView {
    let t = use_texts();
    let replica = use_replica();
    let session = expect_context::<Session>();
    let version = RwSignal::new(0u32);
    let id = StoredValue::new(id);
    let report = LocalResource::new(move || {
        version.get();
        let id = id.get_value();
        async move { online::report(&id).await }
    });
    let parts = Parts::new();
    let note = RwSignal::new(None::<String>);
    let problems = RwSignal::new(dvk_shared::validation::FieldErrors::default());
    // The form starts from what the server holds each time the report is read again.
    Effect::new(move |_| {
        if let Some(Ok(r)) = report.get() {
            parts.read(&r);
        }
    });
    let may_write = move || {
        session
            .user
            .get()
            .is_some_and(|u| u.role.reviews() || u.role == Role::Registrar)
    };
    let step = move |which: &'static str| {
        leptos::task::spawn_local(async move {
            let id = id.get_value();
            // Finalising freezes what is on screen: the written parts are saved first.
            let saved = match which {
                "edit" => online::edit_report(&id, parts.json()).await,
                "finalise" => match online::edit_report(&id, parts.json()).await {
                    Ok(_) => online::report_step(&id, which).await,
                    Err(e) => Err(e),
                },
                _ => online::report_step(&id, which).await,
            };
            match saved {
                Ok(_) => {
                    problems.set(Default::default());
                    note.set(Some(t().saved_online.to_owned()));
                    version.update(|v| *v += 1);
                    reload.update(|r| *r += 1);
                }
                Err(OnlineError::Invalid(fields)) => {
                    problems.set(fields);
                    note.set(Some(t().fix_marked.to_owned()));
                }
                Err(e) => note.set(Some(said(e, t()))),
            }
        });
    };
    let lang = crate::i18n::use_lang();
    let part = move |key: &'static str,
                     label: fn(&'static crate::i18n::Texts) -> &'static str,
                     signal: RwSignal<String>,
                     rows: u32,
                     locked: bool| {
        let problem = move || problem_text(problems.get().get(key), lang.get());
        view! {
            <div class="field-row">
                <label for=format!("rp-{key}")>{tr(label)}</label>
                <textarea id=format!("rp-{key}") rows=rows disabled=locked
                    prop:value=move || signal.get()
                    on:input=move |e| signal.set(event_target_value(&e))></textarea>
                <p class="field-error">{problem}</p>
            </div>
        }
    };
    let line = move |key: &'static str,
                     label: fn(&'static crate::i18n::Texts) -> &'static str,
                     signal: RwSignal<String>,
                     locked: bool| {
        view! {
            <div class="field-row">
                <label for=format!("rp-{key}")>{tr(label)}</label>
                <input id=format!("rp-{key}") disabled=locked prop:value=move || signal.get() on:input=move |e| signal.set(event_target_value(&e)) />
            </div>
        }
    };
    move || {
        report.get().map(|answer| match answer {
            Err(e) => view! { <section class="card"><p class="field-error" role="alert">{said(e, t())}</p></section> }.into_any(),
            Ok(r) => {
                let final_ = r["status"] == "final";
                let locked = final_ || !may_write();
                let units = replica.data.get().map(|(_, u)| u).unwrap_or_default();
                let unit = unit_name(&units, r["unit_id"].as_str().unwrap_or_default());
                let figures = r["figures"].clone();
                let id = id.get_value();
                view! {
                    <article class="card report" aria-labelledby="report-title">
                        <p class="report-heading">
                            <span>{unit.to_uppercase()}<br />{move || format!("Số: {}", parts.number.get())}</span>
                            <span><strong>"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"</strong><br /><strong>"Độc lập - Tự do - Hạnh phúc"</strong></span>
                        </p>
                        <h3 id="report-title">{move || parts.title.get()}</h3>
                        <p class="muted">{period_label(&r)} " · "
                            {if final_ { tr(|t| t.report_final)() } else { tr(|t| t.report_draft)() }}
                        </p>
                        {(!figures.is_null()).then(|| view! { <FiguresTables figures /> })}
                        <div class="grid-2 no-print">
                            {line("number", |t| t.report_number, parts.number, locked)}
                            {line("place", |t| t.report_place, parts.place, locked)}
                        </div>
                        <div class="no-print">{line("title", |t| t.report_title, parts.title, locked)}</div>
                        {part("assessment", |t| t.report_assessment, parts.assessment, 6, locked)}
                        {part("lessons", |t| t.report_lessons, parts.lessons, 4, locked)}
                        {part("recommendations", |t| t.report_recommendations, parts.recommendations, 4, locked)}
                        <p role="status" class="muted">{move || note.get()}</p>
                        <div class="form-actions no-print">
                            {(!locked).then(|| view! {
                                <button type="button" class="button secondary" on:click=move |_| step("edit")>{tr(|t| t.save_report)}</button>
                                <button type="button" class="button" on:click=move |_| step("finalise")>{tr(|t| t.finalise_report)}</button>
                            })}
                            {(final_ && may_write()).then(|| view! {
                                <button type="button" class="button secondary" on:click=move |_| step("reopen")>{tr(|t| t.reopen_report)}</button>
                            })}
                            <a class="button secondary" href=format!("/api/reports/{id}/docx") download="">{tr(|t| t.download_docx)}</a>
                            <a class="button secondary" href=format!("/api/reports/{id}/xlsx") download="">{tr(|t| t.download_xlsx)}</a>
                            <button type="button" class="button secondary" on:click=move |_| { if let Some(w) = web_sys::window() { let _ = w.print(); } }>{tr(|t| t.print_list)}</button>
                        </div>
                    </article>
                }.into_any()
            }
        })
    }
}

/// The report's main table (by field), its results and awards, as the Word document has them.
#[component]
fn FiguresTables(figures: Value) -> impl IntoView {
    let t = use_texts();
    let line = |c: &Value| {
        [
            "registered",
            "running",
            "evaluated",
            "typical",
            "replicated",
            "new_in_period",
        ]
        .map(|key| c[key].as_u64().unwrap_or(0))
    };
    let mut rows: Vec<(String, [u64; 6])> = Field::ALL
        .iter()
        .map(|f| {
            (
                f.label_vi().to_owned(),
                line(&figures["by_field"][f.as_str()]),
            )
        })
        .collect();
    rows.push((t().total_label.to_owned(), line(&figures["total"])));
    let r = &figures["results"];
    let results: Vec<String> = [
        (t().f_people, "people_reached"),
        (t().f_households, "households"),
        (t().f_money, "money_vnd"),
        (t().f_labour, "labour_days"),
        (t().f_land, "land_m2"),
    ]
    .into_iter()
    .filter_map(|(label, key)| {
        r[key]
            .as_u64()
            .map(|v| format!("{label}: {}", format_number(v)))
    })
    .collect();
    let pairs = |key: &str| figures[key].as_array().cloned().unwrap_or_default();
    let awards: Vec<String> = pairs("awards")
        .iter()
        .filter_map(|a| {
            let kind = AwardKind::parse(a[0].as_str()?)?;
            let who = match RecipientType::parse(a[1].as_str()?)? {
                RecipientType::Individual => t().individual,
                RecipientType::Collective => t().collective,
            };
            Some(format!("{} ({who}): {}", kind.label_vi(), a[2].as_u64()?))
        })
        .collect();
    let difficulties: Vec<String> = pairs("difficulties")
        .iter()
        .filter_map(|d| Some(format!("{} ({})", d[0].as_str()?, d[1].as_u64()?)))
        .collect();
    view! {
        <table class="figures report-table">
            <caption>{tr(|t| t.report_by_field)}</caption>
            <thead><tr>
                <th scope="col">{tr(|t| t.field_label)}</th>
                <th scope="col">{tr(|t| t.col_registered)}</th>
                <th scope="col">{tr(|t| t.col_running)}</th>
                <th scope="col">{tr(|t| t.col_evaluated)}</th>
                <th scope="col">{tr(|t| t.col_typical)}</th>
                <th scope="col">{tr(|t| t.col_replicated)}</th>
                <th scope="col">{tr(|t| t.col_new)}</th>
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|(name, counts)| view! {
                    <tr>
                        <th scope="row">{name}</th>
                        {counts.into_iter().map(|n| view! { <td>{format_number(n)}</td> }).collect_view()}
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        {(!results.is_empty()).then(|| view! { <p>{results.join(" · ")}</p> })}
        {(!awards.is_empty()).then(|| view! { <p>{tr(|t| t.nav_awards)} ": " {awards.join(" · ")}</p> })}
        {(!difficulties.is_empty()).then(|| view! { <p>{tr(|t| t.difficulties_title)} ": " {difficulties.join(" · ")}</p> })}
    }
}
