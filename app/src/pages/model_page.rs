//! `/mo-hinh/moi` and `/mo-hinh/{id}`: one model. Whoever may edit it gets the registration
//! form — every field, grouped as a person fills it in, checked while typing by the shared
//! rules, saved on the device by itself, and submitted for review. Others read it. The Board
//! approves or returns a submitted model (a comment is required) and sees its whole history.
//! A returned model opens with the Board's comment beside it.

use dvk_shared::{
    api::AuditEntry,
    date::Date,
    ids::RecordId,
    model::{Action, Field, Model, Status},
    sync::{Entity, Kind as ChangeKind, Mutation, changed_fields},
    text::{format_number, parse_number},
    user::Role,
    validation::{FieldErrors, Problem},
};
use leptos::prelude::*;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::{
    format::{show_value, time_and_date},
    i18n::{Lang, Texts, tr, use_lang, use_texts},
    pages::{
        data::{self, ModelView, UnitView, field_label, status_label, unit_name},
        surveys::Evaluation,
    },
    session::Session,
    store::{LocalStore, shared_db},
    sync::{SyncStatus, online},
};

/// `/mo-hinh/moi`.
#[component]
pub fn NewModel() -> impl IntoView {
    view! { <ModelPage id=None /> }
}

/// `/mo-hinh/{id}`.
#[component]
pub fn ModelById(id: Uuid) -> impl IntoView {
    view! { <ModelPage id=Some(id) /> }
}

fn role() -> Option<Role> {
    expect_context::<Session>()
        .user
        .get_untracked()
        .map(|u| u.role)
}

/// Whether two copies of a model say the same (a copy made here from pending changes has
/// fewer fields than the server's, with the same meaning).
fn same_model(a: &ModelView, b: &ModelView) -> bool {
    match (
        serde_json::from_value::<Model>(a.data.clone()),
        serde_json::from_value::<Model>(b.data.clone()),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => a.data == b.data,
    }
}

#[component]
fn ModelPage(id: Option<Uuid>) -> impl IntoView {
    let t = use_texts();
    // Bumped after a submit or a decision, so the page shows the model's new state.
    let reload = RwSignal::new(0u64);
    // A new model gets its id at its first save; the page then shows that model when reloaded
    // (after submitting), without re-rendering the form while the person types.
    let page_id = RwSignal::new(id);
    let status = expect_context::<SyncStatus>();
    // Read again after every sync: what arrived shows (SYNC.md). What the page shows changes
    // only when someone else changed the model, and never under a person's typing: then a
    // note offers the newer copy instead.
    let loaded = data::Loaded::new(move || {
        reload.get();
        status.data_version.get();
        let id = page_id.get_untracked();
        async move {
            let model = match id {
                Some(id) => data::model(id).await,
                None => None,
            };
            (model, data::units().await)
        }
    });
    let shown = RwSignal::new(None::<(Option<ModelView>, Vec<UnitView>)>);
    let shown_reload = RwSignal::new(0u64);
    // The form's unsaved typing, and the version the next edit is made against.
    let editing = RwSignal::new(false);
    let base = RwSignal::new(None::<i64>);
    let newer = RwSignal::new(false);
    Effect::new(move || {
        let Some((model, units)) = loaded.get() else {
            return;
        };
        let reloaded = reload.get_untracked();
        base.set(model.as_ref().and_then(|m| m.version));
        let unchanged = shown.with_untracked(|shown| match (shown, &model) {
            (Some((Some(before), _)), Some(now)) => same_model(before, now),
            // A new model's own form goes on showing it after its first save.
            (Some((None, _)), Some(_)) => id.is_none() && shown_reload.get_untracked() == reloaded,
            (Some((None, _)), None) => true,
            _ => false,
        });
        if unchanged {
            newer.set(false);
        } else if editing.get_untracked() && shown.with_untracked(Option::is_some) {
            newer.set(true);
        } else {
            shown_reload.set(reloaded);
            shown.set(Some((model, units)));
            newer.set(false);
        }
    });
    let show_newer = move |_| {
        editing.set(false);
        if let Some(latest) = loaded.get_untracked() {
            shown.set(Some(latest));
        }
        newer.set(false);
    };
    view! {
        <p><a class="back-link" href="/mo-hinh">{tr(|t| t.back_to_list)}</a></p>
        {move || newer.get().then(|| view! {
            <section class="card newer" role="status">
                <p>{t().model_changed_elsewhere}</p>
                <button type="button" class="button secondary" on:click=show_newer>{tr(|t| t.show_newer)}</button>
            </section>
        })}
        {move || shown.get().map(|(model, units)| {
            let role = role();
            match (page_id.get_untracked(), model) {
                (Some(_), None) => view! {
                    <section class="card"><p>{t().model_not_found}</p></section>
                }.into_any(),
                (None, _) => view! {
                    <ModelForm model=None units reload page_id editing base />
                }.into_any(),
                (Some(_), Some(model)) => {
                    let editable = match (model.status(), role) {
                        (Some(status), Some(role)) => status.editable_by(role),
                        _ => false,
                    };
                    let reviews = role.is_some_and(Role::reviews);
                    let submitted = model.status() == Some(Status::Submitted);
                    let model_id = model.id;
                    view! {
                        <ReturnedComment model=model.clone() />
                        <Lineage model=model.clone() />
                        {if editable {
                            view! { <ModelForm model=Some(model.clone()) units=units.clone() reload page_id editing base /> }.into_any()
                        } else {
                            view! { <ModelDetails model=model.clone() units=units.clone() /> }.into_any()
                        }}
                        {(reviews && submitted).then(|| view! { <ReviewActions model=model.clone() reload /> })}
                        {(reviews && model.status().is_some_and(|s| Action::Evaluate.from().contains(&s)))
                            .then(|| view! { <Evaluation model=model.clone() reload /> })}
                        {role.is_some_and(|r| r.reviews() || r == Role::Registrar).then(|| view! { <History id=model_id /> })}
                    }.into_any()
                }
            }
        })}
    }
}

/// Where a model comes from and where it went: the typical model it was adopted from, and
/// for a typical model, how many units adopted it (the library has the tree).
#[component]
fn Lineage(model: ModelView) -> impl IntoView {
    let source: Option<Uuid> = model.data["adopted_from"]
        .as_str()
        .and_then(|s| s.parse().ok());
    let own = model.id;
    let entries = data::Loaded::new(move || async move {
        data::held::<dvk_shared::library::LibraryEntry>(Entity::Library).await
    });
    let replica = data::use_replica();
    move || {
        let entries = entries.get()?;
        let units = replica.data.get().map(|(_, u)| u).unwrap_or_default();
        let from = source.and_then(|s| entries.iter().find(|e| e.record.id.as_uuid() == s));
        let mine = entries.iter().find(|e| e.record.id.as_uuid() == own);
        if from.is_none() && mine.is_none() && source.is_none() {
            return None;
        }
        Some(view! {
            <aside class="card lineage" role="note">
                {source.map(|s| match from {
                    Some(entry) => view! {
                        <p>{tr(|t| t.adopted_from_label)} ": "
                            <a href=format!("/thu-vien#m-{s}")>{entry.record.name.clone()}</a>
                            " (" {super::library::known_or(&units, &entry.record.unit_id.to_string(), &entry.record.unit_name)} ")"
                        </p>
                    }.into_any(),
                    None => view! { <p>{tr(|t| t.adopted_from_label)} ": " {tr(|t| t.no_longer_typical)}</p> }.into_any(),
                })}
                {mine.map(|entry| view! {
                    <p>
                        <a href=format!("/thu-vien#m-{own}")>{tr(|t| t.nav_library)}</a>
                        ": " {entry.record.reach()} " " {tr(|t| t.units_reached)}
                    </p>
                })}
            </aside>
        })
    }
}

/// The Board's comment on a returned model, beside the form the registrar fixes.
#[component]
fn ReturnedComment(model: ModelView) -> impl IntoView {
    let comment = model.data["review_comment"]
        .as_str()
        .filter(|c| !c.is_empty())
        .map(str::to_owned);
    (model.status() == Some(Status::Returned))
        .then_some(comment)
        .flatten()
        .map(|comment| {
            view! {
                <aside class="card board-comment" role="note" aria-labelledby="board-comment-title">
                    <h2 id="board-comment-title">{tr(|t| t.board_comment)}</h2>
                    <p class="comment-text">{comment}</p>
                </aside>
            }
        })
}

/// The form's fields as typed: text until saved, so a half-typed number or date is kept.
#[derive(Debug, Clone, Default, PartialEq)]
struct Draft {
    name: String,
    field: String,
    unit_id: String,
    year: String,
    start_date: String,
    objectives: String,
    content: String,
    participants: String,
    people: String,
    households: String,
    money: String,
    labour: String,
    land: String,
    effectiveness: String,
    replication_scope: String,
    contact_name: String,
    contact_position: String,
    contact_phone: String,
    address: String,
}

/// Where a field lives in a draft.
type Access = fn(&mut Draft) -> &mut String;

/// A text of the interface, picked from the current language's table.
type Label = fn(&Texts) -> &'static str;

/// One field of the form: its key in the shared validation, where it lives in the draft, its
/// label and how it is typed.
type FieldSpec = (&'static str, Access, Label, Kind);

/// The form after its first section's choices (name, field, unit), grouped as a person fills
/// it in. The form and the read-only view are both drawn from this table.
const SECTIONS: [(Label, &[FieldSpec]); 7] = [
    (
        |t| t.sec_identity,
        &[
            ("year", |d| &mut d.year, |t| t.model_year, Kind::Number),
            (
                "start_date",
                |d| &mut d.start_date,
                |t| t.f_start_date,
                Kind::Date,
            ),
            (
                "location.address",
                |d| &mut d.address,
                |t| t.f_address,
                Kind::Line,
            ),
        ],
    ),
    (
        |t| t.sec_purpose,
        &[(
            "objectives",
            |d| &mut d.objectives,
            |t| t.f_objectives,
            Kind::Text,
        )],
    ),
    (
        |t| t.sec_how,
        &[("content", |d| &mut d.content, |t| t.f_content, Kind::Text)],
    ),
    (
        |t| t.sec_who,
        &[(
            "participants",
            |d| &mut d.participants,
            |t| t.f_participants,
            Kind::Text,
        )],
    ),
    (
        |t| t.sec_results,
        &[
            (
                "results.people_reached",
                |d| &mut d.people,
                |t| t.f_people,
                Kind::Number,
            ),
            (
                "results.households",
                |d| &mut d.households,
                |t| t.f_households,
                Kind::Number,
            ),
            (
                "results.money_vnd",
                |d| &mut d.money,
                |t| t.f_money,
                Kind::Number,
            ),
            (
                "results.labour_days",
                |d| &mut d.labour,
                |t| t.f_labour,
                Kind::Number,
            ),
            (
                "results.land_m2",
                |d| &mut d.land,
                |t| t.f_land,
                Kind::Number,
            ),
            (
                "effectiveness",
                |d| &mut d.effectiveness,
                |t| t.f_effectiveness,
                Kind::Text,
            ),
        ],
    ),
    (
        |t| t.sec_replication,
        &[(
            "replication_scope",
            |d| &mut d.replication_scope,
            |t| t.f_replication,
            Kind::Text,
        )],
    ),
    (
        |t| t.sec_contact,
        &[
            (
                "contact.name",
                |d| &mut d.contact_name,
                |t| t.f_contact_name,
                Kind::Line,
            ),
            (
                "contact.position",
                |d| &mut d.contact_position,
                |t| t.f_contact_position,
                Kind::Line,
            ),
            (
                "contact.phone",
                |d| &mut d.contact_phone,
                |t| t.f_contact_phone,
                Kind::Phone,
            ),
        ],
    ),
];

impl Draft {
    fn of(data: &Value) -> Self {
        let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        let number = |v: &Value| v.as_u64().map(format_number).unwrap_or_default();
        let results = &data["results"];
        let contact = &data["contact"];
        Self {
            name: text(&data["name"]),
            field: text(&data["field"]),
            unit_id: text(&data["unit_id"]),
            year: data["year"]
                .as_u64()
                .map(|y| y.to_string())
                .unwrap_or_default(),
            start_date: data["start_date"]
                .as_str()
                .and_then(|d| Date::parse_any(d).ok())
                .map(Date::to_vietnamese)
                .unwrap_or_default(),
            objectives: text(&data["objectives"]),
            content: text(&data["content"]),
            participants: text(&data["participants"]),
            people: number(&results["people_reached"]),
            households: number(&results["households"]),
            money: number(&results["money_vnd"]),
            labour: number(&results["labour_days"]),
            land: number(&results["land_m2"]),
            effectiveness: text(&data["effectiveness"]),
            replication_scope: text(&data["replication_scope"]),
            contact_name: text(&contact["name"]),
            contact_position: text(&contact["position"]),
            contact_phone: text(&contact["phone"]),
            address: text(&data["location"]["address"]),
        }
    }

    /// The model's fields as the shared type writes them, and what could not be read.
    fn fields(&self, location: &Value) -> (Map<String, Value>, FieldErrors) {
        let mut errors = FieldErrors::default();
        let mut number = |key: &str, text: &str| match parse_number(text) {
            Some(n) => json!(n),
            None => {
                errors.add(key, Problem::InvalidFormat);
                Value::Null
            }
        };
        let results = json!({
            "people_reached": number("results.people_reached", &self.people),
            "households": number("results.households", &self.households),
            "money_vnd": number("results.money_vnd", &self.money),
            "labour_days": number("results.labour_days", &self.labour),
            "land_m2": number("results.land_m2", &self.land),
        });
        let year = match self.year.trim().parse::<u16>() {
            Ok(year) => json!(year),
            Err(_) => {
                errors.add("year", Problem::InvalidFormat);
                Value::Null
            }
        };
        let start_date = if self.start_date.trim().is_empty() {
            Value::Null
        } else {
            match Date::parse_any(&self.start_date) {
                Ok(date) => json!(date),
                Err(_) => {
                    errors.add("start_date", Problem::InvalidFormat);
                    Value::Null
                }
            }
        };
        let location = if self.address.trim().is_empty() && location["latitude"].is_null() {
            Value::Null
        } else {
            json!({
                "latitude": location["latitude"],
                "longitude": location["longitude"],
                "address": self.address.trim(),
            })
        };
        let fields = json!({
            "name": self.name.trim(),
            "field": self.field,
            "unit_id": self.unit_id,
            "year": year,
            "start_date": start_date,
            "objectives": self.objectives.trim(),
            "content": self.content.trim(),
            "participants": self.participants.trim(),
            "results": results,
            "effectiveness": self.effectiveness.trim(),
            "replication_scope": self.replication_scope.trim(),
            "contact": {
                "name": self.contact_name.trim(),
                "position": self.contact_position.trim(),
                "phone": self.contact_phone.trim(),
            },
            "location": location,
        });
        (fields.as_object().cloned().unwrap_or_default(), errors)
    }
}

/// The problems of a draft by the shared rules: those that stop a draft from being saved, and
/// with `for_submit` also what a review needs.
fn check(
    id: Uuid,
    fields: &Map<String, Value>,
    mut errors: FieldErrors,
    for_submit: bool,
) -> FieldErrors {
    let mut record = fields.clone();
    record.insert("id".into(), json!(id));
    record.insert("status".into(), json!(Status::Draft.as_str()));
    match serde_json::from_value::<Model>(Value::Object(record)) {
        Ok(model) => {
            let found = if for_submit {
                model.validate_for_submit()
            } else {
                model.validate_draft()
            };
            if let Err(found) = found {
                // `add` keeps the first problem of a field: unreadable input stays the one shown.
                for (key, problem) in found.0 {
                    errors.add(&key, problem);
                }
            }
        }
        Err(_) => {
            if fields["unit_id"].as_str().is_none_or(str::is_empty) {
                errors.add("unit_id", Problem::Required);
            }
            if errors.is_empty() {
                errors.add("year", Problem::InvalidFormat);
            }
        }
    }
    errors
}

/// The registration form. A new model is created on the device at its first valid save; every
/// later save sends only the fields that changed since.
#[component]
fn ModelForm(
    model: Option<ModelView>,
    units: Vec<UnitView>,
    reload: RwSignal<u64>,
    page_id: RwSignal<Option<Uuid>>,
    /// Set while the person has typed what is not saved yet.
    editing: RwSignal<bool>,
    /// The version the next edit is made against, as the page last read it.
    base: RwSignal<Option<i64>>,
) -> impl IntoView {
    let t = use_texts();
    let lang = use_lang();
    let status = expect_context::<SyncStatus>();
    let user = expect_context::<Session>().user.get_untracked();
    let id = model.as_ref().map_or_else(Uuid::now_v7, |m| m.id);
    // Every record's id is a UUIDv7; one that is not (never from this server) cannot be saved.
    let record = RecordId::from_uuid(id).ok();
    // The Board edits running models too; only a draft or a returned model is submitted.
    let can_submit = model.as_ref().is_none_or(|m| {
        m.status()
            .is_some_and(|s| Action::Submit.from().contains(&s))
    });
    let location = model
        .as_ref()
        .map(|m| m.data["location"].clone())
        .unwrap_or(Value::Null);
    let current: Vec<UnitView> = units.into_iter().filter(|u| u.is_current()).collect();
    let initial = match &model {
        Some(model) => Draft::of(&model.data),
        None => Draft {
            field: Field::EconomicDevelopment.as_str().to_owned(),
            unit_id: user
                .as_ref()
                .map(|u| u.unit_id.to_string())
                .filter(|unit| current.iter().any(|u| &u.id == unit))
                .or_else(|| current.first().map(|u| u.id.clone()))
                .unwrap_or_default(),
            year: js_sys::Date::new_0().get_full_year().to_string(),
            ..Draft::default()
        },
    };
    let draft = RwSignal::new(initial.clone());
    // What the device holds: after a save, only fields that differ from it are sent.
    let saved_fields = RwSignal::new(model.as_ref().map(|_| initial.fields(&location).0));
    let tried_submit = RwSignal::new(false);
    let note = RwSignal::new(None::<&'static str>);
    let saving = RwSignal::new(false);
    // The draft as the model's fields, read once per change for the messages and the save state.
    let read = {
        let location = location.clone();
        Memo::new(move |_| draft.with(|d| d.fields(&location)))
    };
    let errors = Memo::new(move |_| {
        let (fields, errors) = read.get();
        check(id, &fields, errors, tried_submit.get())
    });
    let dirty = Memo::new(move |_| {
        read.with(|(fields, _)| saved_fields.with(|saved| saved.as_ref() != Some(fields)))
    });
    Effect::new(move || editing.set(dirty.get()));

    // Saves what can be saved: nothing while the draft breaks a rule (the messages say which).
    let save = {
        let location = location.clone();
        move || {
            let location = location.clone();
            async move {
                let Some((fields, problems)) = draft.try_with_untracked(|d| d.fields(&location))
                else {
                    return false;
                };
                if !check(id, &fields, problems, false).is_empty() {
                    return false;
                }
                let Some(record) = record else {
                    return false;
                };
                let previous = saved_fields.try_get_untracked().flatten();
                let mutation = match &previous {
                    None => Mutation {
                        kind: ChangeKind::ModelCreate,
                        id: record,
                        base_version: None,
                        fields: fields.clone(),
                    },
                    Some(previous) => {
                        // Inserted rather than collected: collecting into a map sorts, with
                        // its own copy of the sort code.
                        let mut changed = Map::new();
                        for (k, v) in &fields {
                            if previous.get(k) != Some(v) {
                                changed.insert(k.clone(), v.clone());
                            }
                        }
                        if changed.is_empty() {
                            return true;
                        }
                        Mutation {
                            kind: ChangeKind::ModelUpdate,
                            id: record,
                            // Made on top of the version held here, and of this device's own
                            // pending changes (the server never counts those as conflicts).
                            base_version: Some(base.get_untracked().unwrap_or(0)),
                            fields: changed,
                        }
                    }
                };
                let Ok(db) = shared_db().await else {
                    return false;
                };
                if db.enqueue(mutation).await.is_err() {
                    return false;
                }
                saved_fields.try_set(Some(fields));
                note.try_set(Some(t().draft_saved));
                status.saved();
                if previous.is_none() {
                    page_id.try_set(Some(id));
                    // The address now names the model, so a reload opens it again.
                    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
                        let _ = history.replace_state_with_url(
                            &wasm_bindgen::JsValue::NULL,
                            "",
                            Some(&format!("/mo-hinh/{id}")),
                        );
                    }
                }
                true
            }
        }
    };

    // Auto-save: 1.2 s after the last keystroke, and whenever the focus leaves a field.
    let generation = StoredValue::new(0u64);
    let autosave = {
        let save = save.clone();
        move || {
            let save = save.clone();
            leptos::task::spawn_local(async move {
                save().await;
            });
        }
    };
    {
        let autosave = autosave.clone();
        Effect::new(move |first: Option<()>| {
            draft.track();
            if first.is_none() {
                return;
            }
            note.set(Some(t().draft_unsaved));
            generation.update_value(|g| *g += 1);
            let mine = generation.get_value();
            let autosave = autosave.clone();
            set_timeout(
                move || {
                    if generation.try_get_value() == Some(mine) {
                        autosave();
                    }
                },
                std::time::Duration::from_millis(1200),
            );
        });
    }

    let submit = {
        let save = save.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            tried_submit.set(true);
            if !errors.get_untracked().is_empty() {
                note.set(Some(t().fix_before_submit));
                return;
            }
            let save = save.clone();
            saving.set(true);
            leptos::task::spawn_local(async move {
                if save().await
                    && let Some(record) = record
                    && let Ok(db) = shared_db().await
                    && db
                        .enqueue(Mutation {
                            kind: ChangeKind::ModelAct(Action::Submit),
                            id: record,
                            base_version: Some(base.get_untracked().unwrap_or(0)),
                            fields: Map::new(),
                        })
                        .await
                        .is_ok()
                {
                    status.saved();
                    note.try_set(Some(t().submitted_ok));
                    reload.try_update(|r| *r += 1);
                }
                saving.try_set(false);
            });
        }
    };

    let message = Callback::new(move |key: &'static str| {
        errors.get().get(key).map(|problem| match lang.get() {
            Lang::Vi => problem.message_vi(),
            Lang::En => problem.message_en(),
        })
    });
    let unit_options = current.clone();
    let heading = model.as_ref().map(ModelView::name);
    view! {
        <form class="card model-form" on:submit=submit on:focusout=move |_| autosave() novalidate>
            <h2>{move || match &heading { Some(name) => name.clone(), None => t().new_model.to_owned() }}</h2>
            <p class="muted">{tr(|t| t.new_model_intro)}</p>
            <fieldset>
                <legend>{tr(|t| t.sec_identity)}</legend>
                <Input key="name" access=|d| &mut d.name label=|t| t.model_name kind=Kind::Line draft message />
                <div class="field-row">
                    <label for="f-field">{tr(|t| t.model_field)}</label>
                    <select id="f-field" prop:value=move || draft.with(|d| d.field.clone())
                        on:change=move |ev| draft.update(|d| d.field = event_target_value(&ev))>
                        {Field::ALL.into_iter().map(|f| view! {
                            <option value=f.as_str() selected=move || draft.with(|d| d.field == f.as_str())>{move || field_label(f, lang.get())}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field-row">
                    <label for="f-unit">{tr(|t| t.model_unit)}</label>
                    <select id="f-unit" prop:value=move || draft.with(|d| d.unit_id.clone())
                        aria-describedby="f-unit-error"
                        on:change=move |ev| draft.update(|d| d.unit_id = event_target_value(&ev))>
                        {unit_options.into_iter().map(|u| {
                            let value = u.id.clone();
                            view! { <option value=u.id.clone() selected=move || draft.with(|d| d.unit_id == value)>{u.name.clone()}</option> }
                        }).collect_view()}
                    </select>
                    <p id="f-unit-error" class="field-error">{move || message.run("unit_id")}</p>
                </div>
            </fieldset>
            {SECTIONS.iter().enumerate().map(|(i, (legend, fields))| view! {
                <fieldset>
                    <legend>{tr(*legend)}</legend>
                    <div class:grid-2=i == 4 || i == 6>
                        {fields.iter().map(|(key, access, label, kind)| view! {
                            <Input key=*key access=*access label=*label kind=*kind draft message />
                        }).collect_view()}
                    </div>
                </fieldset>
            }).collect_view()}
            <div class="form-actions">
                <p class="save-state" role="status" aria-live="polite">
                    {move || note.get().or_else(|| (!dirty.get()).then(|| t().draft_saved))}
                </p>
                {can_submit.then(|| view! {
                    <button type="submit" class="button" disabled=move || saving.get()>{tr(|t| t.submit_for_review)}</button>
                })}
            </div>
        </form>
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Line,
    Text,
    Number,
    Date,
    Phone,
}

/// One labelled field with its message underneath, tied together for screen readers.
#[component]
fn Input(
    key: &'static str,
    access: Access,
    label: Label,
    kind: Kind,
    draft: RwSignal<Draft>,
    message: Callback<&'static str, Option<&'static str>>,
) -> impl IntoView {
    let t = use_texts();
    let id = format!("f-{}", key.replace('.', "-"));
    let error_id = format!("{id}-error");
    let value = move || draft.with(|d| access(&mut d.clone()).clone());
    let set = move |text: String| draft.update(|d| *access(d) = text);
    let invalid = move || message.run(key).is_some().to_string();
    let control = match kind {
        Kind::Text => view! {
            <textarea id=id.clone() name=key rows="4" prop:value=value aria-invalid=invalid
                aria-describedby=error_id.clone()
                on:input=move |ev| set(event_target_value(&ev))></textarea>
        }
        .into_any(),
        _ => {
            let (input_type, mode, placeholder) = match kind {
                Kind::Number => ("text", "numeric", ""),
                Kind::Date => ("text", "numeric", "dd/mm/yyyy"),
                Kind::Phone => ("tel", "tel", ""),
                _ => ("text", "text", ""),
            };
            // Numbers read back the Vietnamese way once the person moves on: 1.000.000.
            let tidy = move |_| {
                if kind == Kind::Number
                    && let Some(Some(n)) = parse_number(&value())
                    && key != "year"
                {
                    set(format_number(n));
                }
            };
            view! {
                <input id=id.clone() name=key type=input_type inputmode=mode placeholder=placeholder
                    prop:value=value aria-invalid=invalid aria-describedby=error_id.clone()
                    on:input=move |ev| set(event_target_value(&ev)) on:blur=tidy />
            }
            .into_any()
        }
    };
    view! {
        <div class="field-row">
            <label for=id.clone()>{move || label(t())}</label>
            {control}
            <p id=error_id.clone() class="field-error">{move || message.run(key)}</p>
        </div>
    }
}

/// A model read, not edited: for leaders, surveyors, and a registrar's model under review.
#[component]
fn ModelDetails(model: ModelView, units: Vec<UnitView>) -> impl IntoView {
    let lang = use_lang();
    let unit = unit_name(&units, &model.unit_id());
    let field = model.field();
    let status = model.status();
    let mut draft = Draft::of(&model.data);
    let rows: Vec<(Label, String)> = SECTIONS
        .iter()
        .flat_map(|(_, fields)| fields.iter())
        .map(|(_, access, label, _)| (*label, access(&mut draft).clone()))
        .filter(|(_, value)| !value.trim().is_empty())
        .collect();
    view! {
        <section class="card model-details">
            <h2>{model.name()}</h2>
            <p class="model-tags">
                {move || status.map(|s| view! { <span class=format!("badge status-{}", s.as_str())>{status_label(s, lang.get())}</span> })}
                {model.pending.then(|| view! { <span class="badge pending">{tr(|t| t.pending_badge)}</span> })}
            </p>
            <p class="muted">{tr(|t| t.read_only)}</p>
            <dl>
                <dt>{tr(|t| t.model_unit)}</dt><dd>{unit}</dd>
                <dt>{tr(|t| t.model_field)}</dt><dd>{move || field.map(|f| field_label(f, lang.get()))}</dd>
                {rows.into_iter().map(|(label, value)| view! {
                    <dt>{tr(label)}</dt><dd>{value}</dd>
                }).collect_view()}
            </dl>
        </section>
    }
}

/// Approve, or return with a comment: saved on the device, sent by sync.
#[component]
fn ReviewActions(model: ModelView, reload: RwSignal<u64>) -> impl IntoView {
    let t = use_texts();
    let status = expect_context::<SyncStatus>();
    let comment = RwSignal::new(String::new());
    let missing = RwSignal::new(false);
    let id = model.id;
    let base = model.version.unwrap_or(0);
    let decide = move |kind: ChangeKind, fields: Map<String, Value>| {
        leptos::task::spawn_local(async move {
            if data::save_change(status, kind, id, Some(base), fields).await {
                reload.try_update(|r| *r += 1);
            }
        });
    };
    let approve = move |_| decide(ChangeKind::ModelAct(Action::Approve), Map::new());
    let send_back = move |_| {
        let text = comment.get_untracked();
        if text.trim().is_empty() {
            missing.set(true);
            return;
        }
        missing.set(false);
        let mut fields = Map::new();
        fields.insert("comment".into(), json!(text.trim()));
        decide(ChangeKind::ModelAct(Action::Return), fields);
    };
    view! {
        <section class="card review-actions" aria-labelledby="review-title">
            <h2 id="review-title">{tr(|t| t.review_actions)}</h2>
            <button type="button" class="button" on:click=approve>{tr(|t| t.approve)}</button>
            <div class="field-row">
                <label for="return-comment">{tr(|t| t.return_comment)}</label>
                <textarea id="return-comment" rows="3" prop:value=move || comment.get()
                    aria-invalid=move || missing.get().to_string() aria-describedby="return-comment-error"
                    on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
                <p id="return-comment-error" class="field-error">{move || missing.get().then(|| t().comment_required)}</p>
            </div>
            <button type="button" class="button secondary" on:click=send_back>{tr(|t| t.return_model)}</button>
        </section>
    }
}

fn action_label(action: &str, t: &Texts) -> &'static str {
    match action {
        "model.create" => t.act_create,
        "model.update" => t.act_update,
        "model.submit" => t.act_submit,
        "model.approve" => t.act_approve,
        "model.return" => t.act_return,
        "model.delete" => t.act_delete,
        _ => t.act_other,
    }
}

/// Who changed what and when, from the server (online only: the history is the Board's).
#[component]
fn History(id: Uuid) -> impl IntoView {
    let t = use_texts();
    let status = expect_context::<SyncStatus>();
    let history = data::Loaded::new(move || {
        status.data_version.get();
        async move { online::model_detail(id).await.map(|d| d.history) }
    });
    view! {
        <section class="card history" aria-labelledby="history-title">
            <h2 id="history-title">{tr(|t| t.history_title)}</h2>
            {move || history.get().map(|result| match result {
                Err(_) => view! { <p class="muted">{t().history_online}</p> }.into_any(),
                Ok(entries) if entries.is_empty() => view! { <p class="muted">{t().history_empty}</p> }.into_any(),
                Ok(entries) => view! {
                    <ol class="history-list">
                        {entries.into_iter().rev().map(|entry| view! { <HistoryEntry entry /> }).collect_view()}
                    </ol>
                }.into_any(),
            })}
        </section>
    }
}

#[component]
fn HistoryEntry(entry: AuditEntry) -> impl IntoView {
    let t = use_texts();
    let fields: Vec<String> = match (&entry.before, &entry.after) {
        (Some(before), Some(after)) => changed_fields(before, after)
            .into_iter()
            .filter(|f| f != "status" && f != "review_comment")
            .collect(),
        _ => Vec::new(),
    };
    let comment = (entry.action == "model.return")
        .then(|| {
            entry
                .after
                .as_ref()
                .and_then(|a| a["review_comment"].as_str().map(str::to_owned))
        })
        .flatten();
    let action = entry.action.clone();
    let named_fields = move || {
        fields
            .iter()
            .map(|f| data::field_name(Entity::Model, f, t()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let changed = !named_fields().is_empty();
    // The values this change replaced that someone else had written (SYNC.md): whose, and what.
    let replaced = entry.overwritten.clone();
    view! {
        <li class="history-entry">
            <strong>{move || action_label(&action, t())}</strong>
            " · " {entry.actor.clone()} " · " {time_and_date(entry.at.0)}
            {changed.then(|| view! { <br /><span class="muted">{tr(|t| t.changed_fields)} ": " {named_fields}</span> })}
            {replaced.into_iter().map(|o| {
                let by = o.by.clone();
                let field = o.field.clone();
                view! {
                    <br />
                    <span class="replaced">
                        {move || t().history_replaced.replace("{name}", if by.is_empty() { t().someone } else { &by })}
                        " — " {move || data::field_name(Entity::Model, &field, t())} ": " {show_value(&o.value)}
                    </span>
                }
            }).collect_view()}
            {comment.map(|c| view! { <br /><span>{tr(|t| t.comment)} ": " {c.clone()}</span> })}
        </li>
    }
}
