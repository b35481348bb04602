//! `/quan-tri/don-vi`: the unit tree as this device holds it (after a sync), found by current or
//! former names with or without diacritics. Administrators change it here — a unit under
//! another, a rename from a date, a merge into another unit from a date, a closure — online;
//! the result comes back to every device through sync. The Board reads it.

use dvk_shared::{
    date::Date,
    ids::UnitId,
    text::matches,
    unit::{NewUnit, UnitClose, UnitKind, UnitMerge, UnitRename},
    user::Role,
    validation::{FieldErrors, Problem},
};
use leptos::prelude::*;

use crate::components::export::ExportButtons;
use crate::{
    i18n::{Lang, tr, use_lang, use_texts},
    pages::{
        data::{UnitView, problem_text, use_replica},
        sign_in::online_error_text,
    },
    session::Session,
    sync::{SyncStatus, online},
};

fn kind_label(kind: &str, lang: Lang) -> String {
    UnitKind::ALL
        .into_iter()
        .find(|k| {
            serde_json::to_value(k)
                .ok()
                .and_then(|v| v.as_str().map(|s| s == kind))
                == Some(true)
        })
        .map(|k| match lang {
            Lang::Vi => k.label_vi(),
            Lang::En => k.label_en(),
        })
        .unwrap_or_default()
        .to_owned()
}

/// The units in tree order, each with its depth; merged and closed ones after the current ones
/// under the same parent.
fn in_tree_order(units: &[UnitView]) -> Vec<(UnitView, usize)> {
    let mut ordered = Vec::new();
    fn visit(
        units: &[UnitView],
        parent: Option<&str>,
        depth: usize,
        out: &mut Vec<(UnitView, usize)>,
    ) {
        let mut children: Vec<&UnitView> = units
            .iter()
            .filter(|u| {
                u.parent_id.as_deref() == parent
                    || (parent.is_none()
                        && u.parent_id
                            .as_ref()
                            .is_some_and(|p| !units.iter().any(|x| &x.id == p)))
            })
            .collect();
        children.sort_by_key(|u| !u.is_current());
        for child in children {
            if out
                .iter()
                .any(|(u, _): &(UnitView, usize)| u.id == child.id)
                || depth > 12
            {
                continue;
            }
            out.push((child.clone(), depth));
            visit(units, Some(&child.id), depth + 1, out);
        }
    }
    visit(units, None, 0, &mut ordered);
    ordered
}

/// Which form is open, on which unit.
#[derive(Debug, Clone, PartialEq)]
enum Open {
    Add(String),
    Rename(String),
    Merge(String),
    Close(String),
}

#[component]
pub fn Units() -> impl IntoView {
    let t = use_texts();
    let session = expect_context::<Session>();
    let admin = move || session.user.get().is_some_and(|u| u.role == Role::Admin);
    let replica = use_replica();
    let units = Memo::new(move |_| {
        replica
            .data
            .get()
            .map(|(_, units)| units)
            .unwrap_or_default()
    });
    let filter = RwSignal::new(String::new());
    let open = RwSignal::new(None::<Open>);
    let done = RwSignal::new(None::<String>);
    view! {
        <section class="card">
            <h2>{tr(|t| t.units_title)}</h2>
            <p>{move || if admin() { t().units_intro_admin } else { t().units_intro_board }}</p>
            <p><ExportButtons base="/api/exports/units" /></p>
            <div class="field">
                <label for="unit-filter">{tr(|t| t.unit_filter)}</label>
                <input id="unit-filter" type="search" bind:value=filter />
            </div>
            <p role="status" class="ok">{move || done.get()}</p>
        </section>
        <section class="card" aria-labelledby="unit-tree-title">
            <h3 id="unit-tree-title">{tr(|t| t.unit_tree_title)}</h3>
            <ul class="plain-list unit-tree">
                {move || {
                    let needle = filter.get();
                    let all = units.get();
                    in_tree_order(&all)
                        .into_iter()
                        .filter(|(u, _)| {
                            needle.trim().is_empty()
                                || matches(&u.name, needle.trim())
                                || u.former_names.iter().any(|(name, _)| matches(name, needle.trim()))
                        })
                        .map(|(unit, depth)| view! { <UnitRow unit depth units admin=admin() open done /> })
                        .collect_view()
                }}
            </ul>
        </section>
    }
}

#[component]
fn UnitRow(
    unit: UnitView,
    depth: usize,
    units: Memo<Vec<UnitView>>,
    admin: bool,
    open: RwSignal<Option<Open>>,
    done: RwSignal<Option<String>>,
) -> impl IntoView {
    let t = use_texts();
    let lang = use_lang();
    let id = unit.id.clone();
    let current = unit.is_current();
    let is_top = unit.parent_id.is_none();
    let merged_into = unit.merged_into.clone().map(|into| {
        units
            .get_untracked()
            .into_iter()
            .find(|u| u.id == into)
            .map(|u| u.name)
            .unwrap_or_default()
    });
    let former = unit
        .former_names
        .iter()
        .map(|(name, until)| format!("{name} ({until})"))
        .collect::<Vec<_>>()
        .join(", ");
    let button = move |label: fn(&'static crate::i18n::Texts) -> &'static str,
                       which: fn(String) -> Open| {
        let id = id.clone();
        let shown = id.clone();
        view! {
            <button type="button" class="button secondary"
                aria-expanded=move || open.with(|o| o.as_ref() == Some(&which(shown.clone()))).to_string()
                on:click={
                    let id = id.clone();
                    move |_| open.update(|o| {
                        let wanted = which(id.clone());
                        *o = if o.as_ref() == Some(&wanted) { None } else { Some(wanted) };
                    })
                }>{tr(label)}</button>
        }
    };
    let row_id = unit.id.clone();
    view! {
        <li class="unit" class:inactive=!current style=format!("--depth: {depth}")>
            <p class="account-name"><strong>{unit.name.clone()}</strong>
                " · " <span class="muted">{move || kind_label(&unit.kind, lang.get())}</span></p>
            {(!former.is_empty()).then(|| view! { <p class="muted">{tr(|t| t.former_names)} ": " {former.clone()}</p> })}
            {merged_into.map(|into| view! {
                <p class="badges"><span class="badge status-returned">{move || t().unit_merged_into.replace("{unit}", &into).replace("{date}", unit.merged_on.as_deref().unwrap_or_default())}</span></p>
            })}
            {unit.closed_on.clone().map(|on| view! {
                <p class="badges"><span class="badge status-returned">{move || t().unit_closed_on.replace("{date}", &on)}</span></p>
            })}
            {(admin && current).then(|| view! {
                <div class="row-actions">
                    {button(|t| t.add_unit_below, Open::Add)}
                    {button(|t| t.rename_unit, Open::Rename)}
                    {(!is_top).then(|| button(|t| t.merge_unit, Open::Merge))}
                    {(!is_top).then(|| button(|t| t.close_unit, Open::Close))}
                </div>
            })}
            {move || open.get().filter(|o| match o {
                Open::Add(u) | Open::Rename(u) | Open::Merge(u) | Open::Close(u) => *u == row_id,
            }).map(|which| view! { <UnitForm which units open done /> })}
        </li>
    }
}

/// The form of one change; each field's problem beside it.
#[component]
fn UnitForm(
    which: Open,
    units: Memo<Vec<UnitView>>,
    open: RwSignal<Option<Open>>,
    done: RwSignal<Option<String>>,
) -> impl IntoView {
    let t = use_texts();
    let lang = use_lang();
    let status = expect_context::<SyncStatus>();
    let name = RwSignal::new(String::new());
    // A rename starts from the unit's own kind; a new unit below from a commune.
    let kind = RwSignal::new(match &which {
        Open::Rename(id) => units
            .get_untracked()
            .into_iter()
            .find(|u| &u.id == id)
            .map_or_else(|| "commune".to_owned(), |u| u.kind),
        _ => "commune".to_owned(),
    });
    let date = RwSignal::new(String::new());
    let into = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::default());
    let note = RwSignal::new(None::<String>);
    let (unit_text, prefix) = match &which {
        Open::Add(u) => (u.clone(), "add"),
        Open::Rename(u) => (u.clone(), "rename"),
        Open::Merge(u) => (u.clone(), "merge"),
        Open::Close(u) => (u.clone(), "close"),
    };
    let this_unit = unit_text.clone();
    let field_id = move |field: &str| format!("{prefix}-{unit_text}-{field}");
    let problem =
        move |field: &'static str| move || problem_text(errors.with(|e| e.get(field)), lang.get());
    let which_for_submit = which.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        note.set(None);
        let mut found = FieldErrors::default();
        let on = Date::parse_any(&date.get_untracked()).ok();
        let unit_of = |text: &str| UnitId::parse(text).ok();
        let which = which_for_submit.clone();
        let needs_date = !matches!(which, Open::Add(_));
        if needs_date && on.is_none() {
            found.add(
                "on",
                if date.get_untracked().trim().is_empty() {
                    Problem::Required
                } else {
                    Problem::InvalidFormat
                },
            );
        }
        if matches!(which, Open::Add(_) | Open::Rename(_)) && name.get_untracked().trim().is_empty()
        {
            found.add("name", Problem::Required);
        }
        if matches!(which, Open::Merge(_)) && unit_of(&into.get_untracked()).is_none() {
            found.add("into", Problem::Required);
        }
        if !found.is_empty() {
            errors.set(found);
            return;
        }
        errors.set(FieldErrors::default());
        let (name, kind, into) = (
            name.get_untracked(),
            kind.get_untracked(),
            into.get_untracked(),
        );
        leptos::task::spawn_local(async move {
            let t = lang.get_untracked().texts();
            let answer = match (&which, on) {
                (Open::Add(parent), _) => match (
                    unit_of(parent),
                    serde_json::from_value::<UnitKind>(serde_json::Value::String(kind)),
                ) {
                    (Some(parent_id), Ok(kind)) => {
                        online::create_unit(&NewUnit {
                            name,
                            kind,
                            parent_id,
                        })
                        .await
                    }
                    _ => return,
                },
                (Open::Rename(id), Some(on)) => match unit_of(id) {
                    Some(id) => {
                        let kind =
                            serde_json::from_value::<UnitKind>(serde_json::Value::String(kind))
                                .ok();
                        online::rename_unit(id, &UnitRename { name, on, kind }).await
                    }
                    None => return,
                },
                (Open::Merge(id), Some(on)) => match (unit_of(id), unit_of(&into)) {
                    (Some(id), Some(into)) => online::merge_unit(id, &UnitMerge { into, on }).await,
                    _ => return,
                },
                (Open::Close(id), Some(on)) => match unit_of(id) {
                    Some(id) => online::close_unit(id, &UnitClose { on }).await,
                    None => return,
                },
                _ => return,
            };
            match answer {
                Ok(unit) => {
                    open.set(None);
                    done.set(Some(t.unit_changed.replace("{unit}", &unit.name)));
                    // The tree on this device changes through sync, like on every other.
                    status.request();
                }
                Err(online::OnlineError::Invalid(found)) => errors.set(found),
                Err(e) => note.set(Some(online_error_text(&e, lang.get_untracked()))),
            }
        });
    };
    let adding = matches!(which, Open::Add(_));
    let naming = matches!(which, Open::Add(_) | Open::Rename(_));
    let merging = matches!(which, Open::Merge(_));
    view! {
        <form class="account-edit" on:submit=submit novalidate>
            {naming.then(|| view! {
                <label for=field_id("name")>{move || if adding { t().unit_name } else { t().new_unit_name }}</label>
                <input id=field_id("name") bind:value=name aria-describedby=field_id("name-problem") />
                <p class="field-error" id=field_id("name-problem")>{problem("name")}</p>
            })}
            {naming.then(|| view! {
                <label for=field_id("kind")>{tr(|t| t.unit_kind)}</label>
                <select id=field_id("kind") prop:value=move || kind.get() on:change=move |e| kind.set(event_target_value(&e))>
                    {UnitKind::ALL.into_iter().map(|k| {
                        let value = serde_json::to_value(k).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
                        view! { <option value=value.clone() selected=move || kind.get() == value>{move || match lang.get() { Lang::Vi => k.label_vi(), Lang::En => k.label_en() }}</option> }
                    }).collect_view()}
                </select>
            })}
            {merging.then(|| view! {
                <label for=field_id("into")>{tr(|t| t.merge_into)}</label>
                <select id=field_id("into") prop:value=move || into.get() on:change=move |e| into.set(event_target_value(&e))
                    aria-describedby=field_id("into-problem")>
                    <option value="">"—"</option>
                    {move || units.get().into_iter().filter(|u| u.is_current() && u.id != this_unit).map(|u| {
                        let id = u.id.clone();
                        view! { <option value=u.id.clone() selected=move || into.get() == id>{u.name}</option> }
                    }).collect_view()}
                </select>
                <p class="field-error" id=field_id("into-problem")>{problem("into")}</p>
            })}
            {(!adding).then(|| view! {
                <label for=field_id("on")>{tr(|t| t.effective_date)}</label>
                <input id=field_id("on") inputmode="numeric" placeholder="dd/mm/yyyy" bind:value=date aria-describedby=field_id("on-problem") />
                <p class="field-error" id=field_id("on-problem")>{problem("on")}</p>
            })}
            {move || note.get().map(|text| view! { <p class="error" role="alert">{text}</p> })}
            <button type="submit" class="button">{tr(|t| t.save)}</button>
            <button type="button" class="button secondary" on:click=move |_| open.set(None)>{tr(|t| t.cancel)}</button>
        </form>
    }
}
