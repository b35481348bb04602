//! `/giam-sat`: urging and supervision. The Board (and leaders) see online which units fall
//! behind and in what (`GET /api/supervision`), and from a unit's line the Board writes a
//! reminder — or the note of an inspection or supervision visit — which travels to the unit
//! through sync like any record, also when written offline. Everyone reads the register of
//! these items in their sight from the device; the unit's people mark one read (it then leaves
//! their home, [`Inbox`]), the Board closes it once its requests are met, or reopens it.
//! Items are read as the JSON the device holds (`dvk_shared::oversight::Oversight`'s shape).

use dvk_shared::{
    date::Date,
    oversight::OversightKind,
    sync::{Entity, Kind},
    user::Role,
};
use leptos::prelude::*;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::{
    i18n::{Lang, Texts, tr, use_lang, use_texts},
    pages::{
        data::{Loaded, save_change, shown_date, shown_records, unit_name, use_replica},
        surveys::today,
    },
    session::Session,
    sync::{
        SyncStatus,
        online::{self, OnlineError},
    },
};

/// A column's heading, in the person's language.
type Heading = fn(&Texts) -> &'static str;

/// The columns of the supervision list: the key in the answer and the heading.
const COLUMNS: [(&str, Heading); 7] = [
    ("drafts_idle", |t| t.col_drafts_idle),
    ("returns_unanswered", |t| t.col_returns),
    ("surveys_overdue", |t| t.col_surveys_overdue),
    ("not_surveyed", |t| t.col_not_surveyed),
    ("devices_quiet", |t| t.col_quiet),
    ("unread", |t| t.col_unread),
    ("followups_overdue", |t| t.col_followups),
];

fn kind_label(kind: OversightKind, lang: Lang) -> &'static str {
    match lang {
        Lang::Vi => kind.label_vi(),
        Lang::En => kind.label_en(),
    }
}

/// What a unit's line says it left behind, as the first words of a reminder.
fn summary(row: &Value, t: &Texts) -> String {
    let parts: Vec<String> = COLUMNS
        .iter()
        .filter_map(|(key, heading)| {
            let n = row[*key].as_u64().filter(|n| *n > 0)?;
            Some(format!("{} {n}", heading(t)))
        })
        .collect();
    format!("{} {}.", t.behind_summary, parts.join("; "))
}

/// `/giam-sat`.
#[component]
pub fn Supervision() -> impl IntoView {
    let session = expect_context::<Session>();
    let role = move || session.user.get().map(|u| u.role);
    let supervises = move || role().is_some_and(|r| r.reviews() || r == Role::Leader);
    let writes = move || role().is_some_and(Role::reviews);
    let t = use_texts();
    let list = LocalResource::new(move || async move {
        if supervises() {
            Some(online::supervision().await)
        } else {
            None
        }
    });
    // The unit the form writes to, and the text it starts from.
    let target = RwSignal::new(None::<(String, String)>);
    view! {
        <div class="list-head"><h2>{tr(|t| t.nav_oversight)}</h2></div>
        {move || supervises().then(|| view! {
            <section class="card" aria-labelledby="behind-title">
                <h3 id="behind-title">{tr(|t| t.behind_title)}</h3>
                {move || list.get().flatten().map(|answer| match answer {
                    Ok(list) => {
                        let rows = list["units"].as_array().cloned().unwrap_or_default();
                        if rows.is_empty() {
                            return view! { <p class="muted">{tr(|t| t.nothing_behind)}</p> }.into_any();
                        }
                        view! {
                            <p class="muted">{tr(|t| t.behind_as_of)} " " {shown_date(&list["as_of"])} ". " {tr(|t| t.behind_rules)}</p>
                            <div class="table-scroll">
                                <table class="figures behind">
                                    <thead><tr>
                                        <th scope="col">{tr(|t| t.unit)}</th>
                                        {COLUMNS.map(|(_, heading)| view! { <th scope="col">{move || heading(t())}</th> }).collect_view()}
                                    </tr></thead>
                                    <tbody>
                                        {rows.into_iter().map(|row| {
                                            let unit = row["unit_id"].as_str().unwrap_or_default().to_owned();
                                            let name = row["unit_name"].as_str().unwrap_or_default().to_owned();
                                            let start = summary(&row, t());
                                            view! {
                                                <tr>
                                                    // The reminder is written from the unit's own cell: on a tablet the
                                                    // list then fits without scrolling sideways.
                                                    <th scope="row">
                                                        {name.clone()}
                                                        {writes().then(|| view! {
                                                            <br />
                                                            <button type="button" class="button secondary small" aria-label=format!("{} {}", t().send_reminder, name)
                                                                on:click=move |_| target.set(Some((unit.clone(), start.clone())))>{tr(|t| t.send_reminder)}</button>
                                                        })}
                                                    </th>
                                                    {COLUMNS.map(|(key, _)| view! { <td>{row[key].as_u64().unwrap_or(0)}</td> }).collect_view()}
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }.into_any()
                    }
                    Err(e) => view! { <p class="field-error" role="alert">{match e {
                        OnlineError::Unreachable => t().needs_network.to_owned(),
                        OnlineError::SignInRequired => t().sign_in_again.to_owned(),
                        OnlineError::Refused(m) => m,
                        OnlineError::Invalid(_) => t().fix_marked.to_owned(),
                    }}</p> }.into_any(),
                })}
            </section>
        })}
        {move || writes().then(|| view! { <NoteForm target /> })}
        <Register />
    }
}

/// The Board's form: a reminder or a note to one unit, saved on the device and synced.
#[component]
fn NoteForm(target: RwSignal<Option<(String, String)>>) -> impl IntoView {
    let t = use_texts();
    let lang = use_lang();
    let replica = use_replica();
    let status = expect_context::<SyncStatus>();
    let unit = RwSignal::new(String::new());
    // The model a note is about, if it is about one of the unit's models.
    let model = RwSignal::new(String::new());
    let kind = RwSignal::new("reminder".to_owned());
    let date = RwSignal::new(today().to_string());
    let by = RwSignal::new(String::new());
    let findings = RwSignal::new(String::new());
    let requests = RwSignal::new(String::new());
    let due = RwSignal::new(String::new());
    let said = RwSignal::new(None::<(bool, String)>);
    // A line's "Nhắc việc" fills the form in for that unit.
    Effect::new(move |_| {
        if let Some((id, text)) = target.get() {
            unit.set(id);
            model.set(String::new());
            kind.set("reminder".into());
            findings.set(text);
        }
    });
    let save = move |_| {
        let day = |text: String| Date::parse_any(&text).ok().map(|d| d.to_string());
        let Some(on) = day(date.get_untracked()) else {
            said.set(Some((false, t().date_needed.to_owned())));
            return;
        };
        let due = due.get_untracked();
        let due = if due.trim().is_empty() {
            Some(Value::Null)
        } else {
            day(due).map(Value::String)
        };
        let (Some(due), false, false) = (
            due,
            unit.get_untracked().is_empty(),
            findings.get_untracked().trim().is_empty(),
        ) else {
            said.set(Some((false, t().note_needed.to_owned())));
            return;
        };
        let mut fields: Map<String, Value> = json!({
            "kind": kind.get_untracked(), "unit_id": unit.get_untracked(), "date": on,
            "by": by.get_untracked().trim(), "findings": findings.get_untracked().trim(),
            "requests": requests.get_untracked().trim(), "due": due,
        })
        .as_object()
        .cloned()
        .unwrap_or_default();
        let about = model.get_untracked();
        if !about.is_empty() {
            fields.insert("model_id".into(), Value::String(about));
        }
        leptos::task::spawn_local(async move {
            if save_change(status, Kind::OversightCreate, Uuid::now_v7(), None, fields).await {
                findings.set(String::new());
                requests.set(String::new());
                said.set(Some((true, t().note_saved.to_owned())));
            } else {
                said.set(Some((false, t().store_error.to_owned())));
            }
        });
    };
    view! {
        <form class="card filters" aria-labelledby="note-title" on:submit=|e| e.prevent_default()>
            <h3 id="note-title" class="filter wide">{tr(|t| t.new_note)}</h3>
            <div class="filter">
                <label for="n-unit">{tr(|t| t.unit)}</label>
                <select id="n-unit" prop:value=move || unit.get() on:change=move |e| { unit.set(event_target_value(&e)); model.set(String::new()); }>
                    <option value="">"—"</option>
                    {move || replica.data.get().map(|(_, units)| units.into_iter().filter(|u| u.is_current()).map(|u| {
                        view! { <option value=u.id.clone() selected=move || unit.get() == u.id>{u.name.clone()}</option> }
                    }).collect_view())}
                </select>
            </div>
            <div class="filter">
                <label for="n-model">{tr(|t| t.note_model)}</label>
                <select id="n-model" prop:value=move || model.get() on:change=move |e| model.set(event_target_value(&e))>
                    <option value="">"—"</option>
                    {move || {
                        let chosen = unit.get();
                        replica.models().unwrap_or_default().into_iter().filter(|m| m.data["unit_id"] == chosen.as_str()).map(|m| {
                            let id = m.id.to_string();
                            view! { <option value=id.clone() selected=move || model.get() == id>{m.name()}</option> }
                        }).collect_view()
                    }}
                </select>
            </div>
            <div class="filter">
                <label for="n-kind">{tr(|t| t.note_kind)}</label>
                <select id="n-kind" prop:value=move || kind.get() on:change=move |e| kind.set(event_target_value(&e))>
                    {OversightKind::ALL.map(|k| view! { <option value=k.as_str()>{move || kind_label(k, lang.get())}</option> }).collect_view()}
                </select>
            </div>
            <div class="filter">
                <label for="n-date">{tr(|t| t.note_date)}</label>
                <input id="n-date" type="date" prop:value=move || date.get() on:input=move |e| date.set(event_target_value(&e)) />
            </div>
            <div class="filter">
                <label for="n-by">{tr(|t| t.note_by)}</label>
                <input id="n-by" prop:value=move || by.get() on:input=move |e| by.set(event_target_value(&e)) />
            </div>
            <div class="filter wide">
                <label for="n-findings">{tr(|t| t.note_findings)}</label>
                <textarea id="n-findings" rows="3" prop:value=move || findings.get() on:input=move |e| findings.set(event_target_value(&e))></textarea>
            </div>
            <div class="filter wide">
                <label for="n-requests">{tr(|t| t.note_requests)}</label>
                <textarea id="n-requests" rows="2" prop:value=move || requests.get() on:input=move |e| requests.set(event_target_value(&e))></textarea>
            </div>
            <div class="filter">
                <label for="n-due">{tr(|t| t.note_due)}</label>
                <input id="n-due" type="date" prop:value=move || due.get() on:input=move |e| due.set(event_target_value(&e)) />
            </div>
            <div class="filter">
                <button type="button" class="button" on:click=save>{tr(|t| t.save_note)}</button>
            </div>
            <p class="filter wide" role="status">{move || said.get().map(|(ok, text)| view! {
                <span class=if ok { "ok" } else { "field-error" }>{text}</span>
            })}</p>
        </form>
    }
}

/// An item as the device shows it: (id, data, version, pending).
type Item = (Uuid, Value, Option<i64>, bool);

/// The reminders and notes this device holds, with its pending changes, newest first.
fn held_items(status: SyncStatus) -> Loaded<Vec<Item>> {
    Loaded::new(move || {
        status.data_version.get();
        async {
            let mut items = shown_records(Entity::Oversight).await;
            items.sort_by(|a, b| b.1["date"].as_str().cmp(&a.1["date"].as_str()));
            items
        }
    })
}

/// Saves a move of an item on the device (read, close, reopen).
fn act(status: SyncStatus, kind: Kind, id: Uuid, base: Option<i64>) {
    leptos::task::spawn_local(async move {
        save_change(status, kind, id, Some(base.unwrap_or(0)), Map::new()).await;
    });
}

/// What an item says, as both its unit's home and the register show it: its kind and day, who
/// wrote it, what it found, what it asks and by when (said overdue while the Board follows it).
#[component]
fn ItemText(item: Value, #[prop(optional)] pending: bool) -> impl IntoView {
    let lang = use_lang();
    let kind = item["kind"]
        .as_str()
        .and_then(OversightKind::parse)
        .unwrap_or(OversightKind::Reminder);
    let due = item["due"].as_str().and_then(|d| Date::parse_any(d).ok());
    let late = item["status"] == "open" && due.is_some_and(|d| today() > d);
    let text = |key: &str| item[key].as_str().unwrap_or_default().to_owned();
    view! {
        <p>
            <strong>{move || kind_label(kind, lang.get())}</strong>
            " · " {shown_date(&item["date"])}
            {(!text("by").is_empty()).then(|| format!(" · {}", text("by")))}
            {pending.then(|| view! { " · " <span class="muted">{tr(|t| t.pending_badge)}</span> })}
        </p>
        <p class="comment-text">{text("findings")}</p>
        {(!text("requests").is_empty()).then(|| view! {
            <p><span class="muted">{tr(|t| t.note_requests)} ": "</span>{text("requests")}</p>
        })}
        {due.map(|d| view! {
            <p class="muted">
                {tr(|t| t.note_due)} " " {d.to_vietnamese()}
                {late.then(|| view! { " · " <strong class="late">{tr(|t| t.overdue_label)}</strong> })}
            </p>
        })}
    }
}

/// On the home of a unit's people: what the Board sent their unit that nobody there has read
/// yet, each with "Đã đọc, sẽ thực hiện".
#[component]
pub fn Inbox() -> impl IntoView {
    let session = expect_context::<Session>();
    let status = expect_context::<SyncStatus>();
    let items = held_items(status);
    let waiting = move || {
        let unit = session.user.get()?.unit_id.to_string();
        let waiting: Vec<_> = items
            .get()?
            .into_iter()
            .filter(|(_, item, _, _)| {
                item["unit_id"] == unit.as_str()
                    && item["status"] == "open"
                    && item["acknowledged"].is_null()
            })
            .collect();
        (!waiting.is_empty()).then_some(waiting)
    };
    move || {
        waiting().map(|items| view! {
        <section class="card" aria-labelledby="inbox-title">
            <h3 id="inbox-title">{tr(|t| t.inbox_title)}</h3>
            <ul class="plain-list oversight-list">
                {items.into_iter().map(|(id, item, version, pending)| view! {
                    <li class="oversight-item">
                        <ItemText item pending />
                        <button type="button" class="button small" on:click=move |_| act(status, Kind::OversightAcknowledge, id, version)>
                            {tr(|t| t.mark_read)}
                        </button>
                    </li>
                }).collect_view()}
            </ul>
        </section>
    })
    }
}

/// The register of every item in sight, or of one unit: each with its unit, the model it is
/// about, whether the Board still follows it and who of the unit read it; "read" for the unit's
/// own people, close and reopen for the Board.
#[component]
fn Register() -> impl IntoView {
    let t = use_texts();
    let session = expect_context::<Session>();
    let status = expect_context::<SyncStatus>();
    let replica = use_replica();
    let items = held_items(status);
    let of_unit = RwSignal::new(String::new());
    let shown = move || {
        let user = session.user.get()?;
        let unit = of_unit.get();
        let items: Vec<_> = items
            .get()?
            .into_iter()
            .filter(|(_, item, _, _)| unit.is_empty() || item["unit_id"] == unit.as_str())
            .collect();
        Some((user, items))
    };
    view! {
        <section class="card" aria-labelledby="register-title">
            <h3 id="register-title">{tr(|t| t.register_title)}</h3>
            <div class="field">
                <label for="register-unit">{tr(|t| t.unit)}</label>
                <select id="register-unit" prop:value=move || of_unit.get() on:change=move |e| of_unit.set(event_target_value(&e))>
                    <option value="">{tr(|t| t.all_units)}</option>
                    {move || replica.data.get().map(|(_, units)| units.into_iter().map(|u| {
                        view! { <option value=u.id.clone()>{u.name.clone()}</option> }
                    }).collect_view())}
                </select>
            </div>
            {move || shown().map(|(user, items)| if items.is_empty() {
                view! { <p class="muted">{tr(|t| t.no_notes)}</p> }.into_any()
            } else {
                view! {
                    <ul class="plain-list oversight-list">
                        {items.into_iter().map(|(id, item, version, pending)| {
                            let unit = item["unit_id"].as_str().unwrap_or_default().to_owned();
                            let open = item["status"] == "open";
                            let read_by = item["acknowledged"]["name"].as_str().map(str::to_owned);
                            let unread = item["acknowledged"].is_null();
                            let ours = unit == user.unit_id.to_string() && !user.role.reviews() && user.role != Role::Leader;
                            let board = user.role.reviews();
                            let about = item["model_id"].as_str().map(|id| (format!("/mo-hinh/{id}"), id.to_owned()));
                            view! {
                                <li class="oversight-item">
                                    <p class="muted">{move || replica.data.get().map(|(_, units)| unit_name(&units, &unit))}</p>
                                    {about.map(|(href, id)| view! {
                                        <p><span class="muted">{tr(|t| t.note_model)} ": "</span>
                                            <a href=href>{move || replica.models().and_then(|ms| ms.into_iter().find(|m| m.id.to_string() == id).map(|m| m.name()))}</a>
                                        </p>
                                    })}
                                    <ItemText item pending />
                                    <p class="muted">
                                        {if open { tr(|t| t.note_open)() } else { tr(|t| t.note_closed)() }}
                                        " · "
                                        {match read_by {
                                            Some(name) => format!("{} {name}", t().read_by),
                                            None if unread => t().not_read.to_owned(),
                                            None => t().read_by.to_owned(),
                                        }}
                                    </p>
                                    {(ours && unread && open).then(|| view! {
                                        <button type="button" class="button small" on:click=move |_| act(status, Kind::OversightAcknowledge, id, version)>{tr(|t| t.mark_read)}</button>
                                    })}
                                    {board.then(|| if open {
                                        view! { <button type="button" class="button secondary small" on:click=move |_| act(status, Kind::OversightClose, id, version)>{tr(|t| t.close_note)}</button> }.into_any()
                                    } else {
                                        view! { <button type="button" class="button secondary small" on:click=move |_| act(status, Kind::OversightReopen, id, version)>{tr(|t| t.reopen_note)}</button> }.into_any()
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            })}
        </section>
    }
}
