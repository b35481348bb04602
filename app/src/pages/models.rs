//! `/mo-hinh` and `/duyet`: the models this device holds, filterable by unit, field, year and
//! status, with search that works with or without diacritics. `/duyet` is the Board's queue:
//! the same list, opening on what waits for review. Filters live in the address
//! (`?unit=…&field=…&year=…&status=…&q=…`), so the overview's charts link straight to the
//! models behind a bar.

use dvk_shared::{
    model::{Field, Status},
    text::fold,
};
use leptos::prelude::*;

use crate::components::export::ExportButtons;
use crate::{
    i18n::{tr, use_lang, use_texts},
    pages::data::{self, ModelView, field_label, status_label, unit_name, use_replica},
    route::use_location,
};

/// The filters of the list, as the address carries them.
#[derive(Debug, Clone, Default, PartialEq)]
struct Filters {
    unit: String,
    field: String,
    year: String,
    status: String,
    q: String,
}

impl Filters {
    fn keeps(&self, model: &ModelView, units: &[data::UnitView]) -> bool {
        let unit_ok = self.unit.is_empty() || {
            // A unit merged into the chosen one counts under it, as in the overview.
            let id = model.unit_id();
            id == self.unit
                || units
                    .iter()
                    .any(|u| u.id == id && u.merged_into.as_deref() == Some(self.unit.as_str()))
        };
        unit_ok
            && (self.field.is_empty() || model.data["field"].as_str() == Some(&self.field))
            && (self.year.is_empty()
                || model.year().map(|y| y.to_string()) == Some(self.year.clone()))
            && (self.status.is_empty() || model.data["status"].as_str() == Some(&self.status))
            && (self.q.trim().is_empty() || model.search_text().contains(&fold(self.q.trim())))
    }

    /// The address's query; the review queue says "all" for every status, because without a
    /// status it opens on the submitted ones.
    fn query(&self, review: bool) -> String {
        let all = "all".to_owned();
        let status = if review && self.status.is_empty() {
            &all
        } else {
            &self.status
        };
        let pairs = [
            ("unit", &self.unit),
            ("field", &self.field),
            ("year", &self.year),
            ("status", status),
            ("q", &self.q),
        ];
        let query: Vec<String> = pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", js_sys::encode_uri_component(v)))
            .collect();
        if query.is_empty() {
            String::new()
        } else {
            format!("?{}", query.join("&"))
        }
    }
}

impl Filters {
    /// The same filters for the server's export of the list: the review queue without a status
    /// shows the submitted models, so it exports those; in the screen's order, by name (the
    /// server answers a search the most recently changed first unless told).
    fn export_query(&self, review: bool) -> String {
        let mut shown = self.clone();
        if review && shown.status.is_empty() {
            shown.status = "submitted".into();
        }
        let query = shown.query(false);
        let join = if query.is_empty() { '?' } else { '&' };
        format!("{query}{join}sort=name")
    }
}

/// `/mo-hinh`: every model of the user's units.
#[component]
pub fn Models() -> impl IntoView {
    view! { <ModelList review=false /> }
}

/// `/duyet`: the Board's review queue, opening on submitted models.
#[component]
pub fn Review() -> impl IntoView {
    view! { <ModelList review=true /> }
}

#[component]
fn ModelList(review: bool) -> impl IntoView {
    let t = use_texts();
    let lang = use_lang();
    let location = use_location();
    let path = if review { "/duyet" } else { "/mo-hinh" };
    let filters = Memo::new(move |_| {
        let get = |k: &str| location.param(k).unwrap_or_default();
        Filters {
            unit: get("unit"),
            field: get("field"),
            year: get("year"),
            // The queue opens on what waits for review; "all" is how it says every status.
            status: match location.param("status").as_deref() {
                None if review => Status::Submitted.as_str().to_owned(),
                Some("all") | None => String::new(),
                Some(status) => status.to_owned(),
            },
            q: get("q"),
        }
    });
    let set = move |key: &'static str, value: String| {
        let mut next = filters.get_untracked();
        let slot = match key {
            "unit" => &mut next.unit,
            "field" => &mut next.field,
            "year" => &mut next.year,
            "status" => &mut next.status,
            _ => &mut next.q,
        };
        *slot = value;
        location.go(&format!("{path}{}", next.query(review)), true);
    };
    let loaded = use_replica().data;
    // Newest first, each once; kept in order while collected (a handful of years: no sort).
    let years = move || {
        let mut years: Vec<u64> = Vec::new();
        for year in loaded
            .get()
            .map(|(models, _)| models)
            .unwrap_or_default()
            .iter()
            .filter_map(ModelView::year)
        {
            if let Err(at) = years.binary_search_by(|y| year.cmp(y)) {
                years.insert(at, year);
            }
        }
        years
    };
    let shown = move || {
        loaded.get().map(|(models, units)| {
            let f = filters.get();
            let rows: Vec<(ModelView, String)> = models
                .into_iter()
                .filter(|m| f.keeps(m, &units))
                .map(|m| {
                    let unit = unit_name(&units, &m.unit_id());
                    (m, unit)
                })
                .collect();
            rows
        })
    };
    view! {
        <section class="card">
            <div class="list-head">
                <h2>{move || if review { t().review_title } else { t().models_title }}</h2>
                <div class="no-print">
                    {(!review).then(|| view! {
                        <a href="/mo-hinh/moi" class="button">{tr(|t| t.new_model)}</a>
                    })}
                    // What the filters show, from the server (online).
                    " " <ExportButtons base="/api/exports/models" query=Signal::derive(move || filters.get().export_query(review)) />
                </div>
            </div>
            <form class="filters" role="search" on:submit=|ev| ev.prevent_default()>
                <div class="filter wide">
                    <label for="filter-q">{tr(|t| t.search)}</label>
                    <input id="filter-q" type="search" placeholder=tr(|t| t.search_hint)
                        prop:value=move || filters.get().q
                        on:input=move |ev| set("q", event_target_value(&ev)) />
                </div>
                <div class="filter">
                    <label for="filter-unit">{tr(|t| t.model_unit)}</label>
                    <select id="filter-unit" prop:value=move || filters.get().unit
                        on:change=move |ev| set("unit", event_target_value(&ev))>
                        <option value="">{tr(|t| t.all_units)}</option>
                        {move || loaded.get().map(|(_, units)| units.into_iter()
                            .filter(|u| u.merged_into.is_none())
                            .map(|u| view! { <option value=u.id.clone() selected=move || filters.get().unit == u.id>{u.name.clone()}</option> })
                            .collect_view())}
                    </select>
                </div>
                <div class="filter">
                    <label for="filter-field">{tr(|t| t.model_field)}</label>
                    <select id="filter-field" prop:value=move || filters.get().field
                        on:change=move |ev| set("field", event_target_value(&ev))>
                        <option value="">{tr(|t| t.all_fields)}</option>
                        {Field::ALL.into_iter().map(|f| view! {
                            <option value=f.as_str() selected=move || filters.get().field == f.as_str()>{move || field_label(f, lang.get())}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="filter">
                    <label for="filter-year">{tr(|t| t.model_year)}</label>
                    <select id="filter-year" prop:value=move || filters.get().year
                        on:change=move |ev| set("year", event_target_value(&ev))>
                        <option value="">{tr(|t| t.all_years)}</option>
                        {move || years().into_iter().map(|y| view! {
                            <option value=y.to_string() selected=move || filters.get().year == y.to_string()>{y}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="filter">
                    <label for="filter-status">{tr(|t| t.model_status)}</label>
                    <select id="filter-status" prop:value=move || filters.get().status
                        on:change=move |ev| set("status", event_target_value(&ev))>
                        <option value="">{tr(|t| t.all_statuses)}</option>
                        {Status::ALL.into_iter().map(|s| view! {
                            <option value=s.as_str() selected=move || filters.get().status == s.as_str()>{move || status_label(s, lang.get())}</option>
                        }).collect_view()}
                    </select>
                </div>
            </form>
            {move || shown().map(|rows| {
                let count = rows.len();
                view! {
                    <p class="muted" role="status">{count} " " {t().count_models}</p>
                    {if rows.is_empty() {
                        view! { <p class="muted">{t().no_models}</p> }.into_any()
                    } else {
                        view! {
                            <ul class="model-list">
                                {rows.into_iter().map(|(model, unit)| view! { <ModelRow model unit /> }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                }
            })}
        </section>
    }
}

#[component]
fn ModelRow(model: ModelView, unit: String) -> impl IntoView {
    let lang = use_lang();
    let field = model.field();
    let status = model.status();
    let href = format!("/mo-hinh/{}", model.id);
    let year = model.year().map(|y| y.to_string()).unwrap_or_default();
    let name = model.name();
    let pending = model.pending;
    view! {
        <li class="model-row" data-id=model.id.to_string()>
            <a href=href class="model-link">
                <span class="model-name">{name}</span>
                <span class="model-meta">
                    {unit} " · " {move || field.map(|f| field_label(f, lang.get()))} " · " {year}
                </span>
                <span class="model-tags">
                    {move || status.map(|s| view! { <span class=format!("badge status-{}", s.as_str())>{status_label(s, lang.get())}</span> })}
                    {pending.then(|| view! { <span class="badge pending">{tr(|t| t.pending_badge)}</span> })}
                </span>
            </a>
        </li>
    }
}
