//! `/mo-hinh`: the models of the user's units as this device holds them (with changes still
//! waiting marked so), and registering a new one — saved on the device first, sent by sync.

use dvk_shared::{model::Field, sync::Mutation, text::sort_key, validation::FieldErrors};
use leptos::prelude::*;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    i18n::{Lang, use_lang, use_texts},
    store::{LocalStore, shared_db, with_pending},
    sync::SyncStatus,
};

/// A model as the list shows it.
#[derive(Clone, PartialEq)]
struct Row {
    id: Uuid,
    name: String,
    field: Option<Field>,
    status: String,
    pending: bool,
}

async fn rows() -> Vec<Row> {
    let Ok(db) = shared_db().await else {
        return Vec::new();
    };
    let records = db.records("model").await.unwrap_or_default();
    let outbox = db.outbox().await.unwrap_or_default();
    let mut rows: Vec<Row> = with_pending(records, &outbox, "model")
        .into_iter()
        .map(|(id, data, pending)| Row {
            id,
            name: data["name"].as_str().unwrap_or_default().to_owned(),
            field: data["field"].as_str().and_then(Field::parse),
            status: data["status"].as_str().unwrap_or_default().to_owned(),
            pending,
        })
        .collect();
    rows.sort_by_cached_key(|r| sort_key(&r.name));
    rows
}

/// Units this device knows, for the unit picker: (id, name), in Vietnamese order.
async fn units() -> Vec<(String, String)> {
    let Ok(db) = shared_db().await else {
        return Vec::new();
    };
    let mut units: Vec<(String, String)> = db
        .records("unit")
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.data["merged_into"].is_null())
        .map(|r| {
            (
                r.id.to_string(),
                r.data["name"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    units.sort_by_cached_key(|(_, name)| sort_key(name));
    units
}

#[component]
pub fn Models() -> impl IntoView {
    let t = use_texts();
    let status = expect_context::<SyncStatus>();
    let list = LocalResource::new(move || {
        status.data_version.get();
        rows()
    });
    view! {
        <NewModel />
        <section class="card">
            <h2>{move || t().models_title}</h2>
            {move || list.get().map(|rows| {
                if rows.is_empty() {
                    return view! { <p class="muted">{t().no_models}</p> }.into_any();
                }
                view! {
                    <ul class="model-list">
                        {rows.into_iter().map(|row| view! { <ModelRow row /> }).collect_view()}
                    </ul>
                }.into_any()
            })}
        </section>
    }
}

#[component]
fn ModelRow(row: Row) -> impl IntoView {
    let lang = use_lang();
    let t = use_texts();
    let field = move || match (row.field, lang.get()) {
        (Some(f), Lang::Vi) => f.label_vi(),
        (Some(f), Lang::En) => f.label_en(),
        (None, _) => "",
    };
    let status = dvk_shared::model::Status::parse(&row.status);
    let status_label = move || match (status, lang.get()) {
        (Some(s), Lang::Vi) => s.label_vi(),
        (Some(s), Lang::En) => s.label_en(),
        (None, _) => "",
    };
    view! {
        <li class="model-row" data-id=row.id.to_string()>
            <span class="model-name">{row.name.clone()}</span>
            <span class="model-meta">{field} " · " {status_label}</span>
            {row.pending.then(|| view! { <span class="badge pending">{t().pending_badge}</span> })}
        </li>
    }
}

#[component]
fn NewModel() -> impl IntoView {
    let t = use_texts();
    let lang = use_lang();
    let status = expect_context::<SyncStatus>();
    let units = LocalResource::new(move || {
        status.data_version.get();
        units()
    });
    let name = RwSignal::new(String::new());
    let field = RwSignal::new(Field::EconomicDevelopment.as_str().to_owned());
    let unit = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::default());
    let saved = RwSignal::new(false);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        let mut problems = FieldErrors::default();
        problems.text(
            "name",
            &name.get_untracked(),
            dvk_shared::model::NAME_MAX,
            true,
        );
        let chosen_unit = if unit.get_untracked().is_empty() {
            units
                .get_untracked()
                .and_then(|u| u.first().map(|(id, _)| id.clone()))
        } else {
            Some(unit.get_untracked())
        };
        if chosen_unit.is_none() {
            problems.add("unit_id", dvk_shared::validation::Problem::Required);
        }
        errors.set(problems.clone());
        let Some(unit_id) = chosen_unit.filter(|_| problems.is_empty()) else {
            return;
        };
        let year = js_sys::Date::new_0().get_full_year();
        let fields = json!({
            "name": name.get_untracked().trim(),
            "field": field.get_untracked(),
            "unit_id": unit_id,
            "year": year,
        });
        let mutation = Mutation {
            kind: "model.create".into(),
            id: Uuid::now_v7(),
            base_version: None,
            fields: fields.as_object().cloned().unwrap_or_default(),
        };
        leptos::task::spawn_local(async move {
            if let Ok(db) = shared_db().await
                && db.enqueue(mutation).await.is_ok()
            {
                name.set(String::new());
                saved.set(true);
                status.saved();
            }
        });
    };
    let message = move |key: &'static str| {
        errors.get().get(key).map(|problem| match lang.get() {
            Lang::Vi => problem.message_vi(),
            Lang::En => problem.message_en(),
        })
    };
    view! {
        <section class="card">
            <h2>{move || t().new_model}</h2>
            <form class="new-model" on:submit=submit novalidate>
                <label for="model-name">{move || t().model_name}</label>
                <input id="model-name" name="name" bind:value=name
                    aria-invalid=move || message("name").is_some().to_string()
                    aria-describedby="model-name-error" />
                <p id="model-name-error" class="field-error">{move || message("name")}</p>
                <label for="model-field">{move || t().model_field}</label>
                <select id="model-field" name="field" bind:value=field>
                    {Field::ALL.into_iter().map(|f| view! {
                        <option value=f.as_str()>{move || match lang.get() { Lang::Vi => f.label_vi(), Lang::En => f.label_en() }}</option>
                    }).collect_view()}
                </select>
                <label for="model-unit">{move || t().model_unit}</label>
                <select id="model-unit" name="unit" bind:value=unit>
                    {move || units.get().map(|units| units.into_iter().map(|(id, name)| view! {
                        <option value=id>{name}</option>
                    }).collect_view())}
                </select>
                <p class="field-error">{move || message("unit_id")}</p>
                <button type="submit" class="button">{move || t().save_draft}</button>
                {move || saved.get().then(|| view! { <p class="ok" role="status">{t().saved_locally}</p> })}
            </form>
        </section>
    }
}

/// Values of a problem's fields as a person reads them.
pub fn show_value(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "—".into(),
        other => other.to_string(),
    }
}
