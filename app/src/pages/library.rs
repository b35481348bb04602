//! `/thu-vien`: the library of typical models, on every device and offline. Found by field,
//! unit, year and words (with or without diacritics); each with its aims, ways of working,
//! results, latest rating, survey photos and where it was replicated. From an entry a
//! registrar adopts the model ("Áp dụng mô hình này"): a draft in their unit starts from its
//! ways of working and keeps the link. The Board sees each model's replication as a tree and
//! records replication outside the app.

use std::collections::BTreeMap;

use dvk_shared::{
    date::Date,
    ids::ModelId,
    library::{LibraryEntry, replication_by_unit, replication_tree},
    model::{Field, OutsideReplication},
    sync::{Entity, Kind},
    text::{format_number, matches},
    user::Role,
};
use leptos::prelude::*;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::{
    i18n::{Lang, tr, use_lang, use_texts},
    pages::{
        data::{
            Loaded, ModelView, UnitView, field_label, held, save_change, unit_name, use_replica,
        },
        surveys::today,
    },
    route::Location,
    session::Session,
    sync::SyncStatus,
};

/// The entries this device holds, in Vietnamese order of their names.
fn use_library() -> Loaded<Vec<LibraryEntry>> {
    let status = expect_context::<SyncStatus>();
    Loaded::new(move || {
        status.data_version.get();
        async {
            let mut entries: Vec<LibraryEntry> = held::<LibraryEntry>(Entity::Library)
                .await
                .into_iter()
                .map(|h| h.record)
                .collect();
            entries.sort_by_cached_key(|e| dvk_shared::text::sort_key(&e.name));
            entries
        }
    })
}

/// `/thu-vien`.
#[component]
pub fn Library() -> impl IntoView {
    let session = expect_context::<Session>();
    let replica = use_replica();
    let library = use_library();
    let lang = use_lang();
    let q = RwSignal::new(String::new());
    let field = RwSignal::new(String::new());
    let unit = RwSignal::new(String::new());
    let year = RwSignal::new(String::new());
    let years = move || {
        let mut years: Vec<u16> = library
            .get()
            .unwrap_or_default()
            .iter()
            .map(|e| e.year)
            .collect();
        years.sort_unstable_by(|a, b| b.cmp(a));
        years.dedup();
        years
    };
    let shown = move || -> Vec<LibraryEntry> {
        let (needle, field, unit, year) = (q.get(), field.get(), unit.get(), year.get());
        let within = match replica.data.get() {
            Some((_, units)) if !unit.is_empty() => Some(super::awards::subtree(&units, &unit)),
            _ => None,
        };
        library
            .get()
            .unwrap_or_default()
            .into_iter()
            .filter(|e| field.is_empty() || e.field.as_str() == field)
            .filter(|e| year.is_empty() || e.year.to_string() == year)
            .filter(|e| {
                within
                    .as_ref()
                    .is_none_or(|u| u.contains(&e.unit_id.to_string()))
            })
            .filter(|e| {
                needle.trim().is_empty()
                    || matches(
                        &format!("{} {} {}", e.name, e.objectives, e.content),
                        &needle,
                    )
            })
            .collect()
    };
    view! {
        <div class="list-head">
            <h2>{tr(|t| t.nav_library)}</h2>
        </div>
        <p class="muted">{tr(|t| t.library_intro)}</p>
        <form class="filters" role="search" aria-label=tr(|t| t.filters) on:submit=|e| e.prevent_default()>
            <div class="filter wide">
                <label for="lib-q">{tr(|t| t.search_words)}</label>
                <input id="lib-q" type="search" prop:value=move || q.get() on:input=move |e| q.set(event_target_value(&e)) />
            </div>
            <div class="filter">
                <label for="lib-field">{tr(|t| t.field_label)}</label>
                <select id="lib-field" on:change=move |e| field.set(event_target_value(&e))>
                    <option value="">{tr(|t| t.all)}</option>
                    {Field::ALL.into_iter().map(|f| view! {
                        <option value=f.as_str()>{move || field_label(f, lang.get())}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="filter">
                <label for="lib-unit">{tr(|t| t.unit)}</label>
                <select id="lib-unit" on:change=move |e| unit.set(event_target_value(&e))>
                    <option value="">{tr(|t| t.all)}</option>
                    {move || replica.data.get().map(|(_, units)| units.into_iter().map(|u| view! {
                        <option value=u.id.clone()>{u.name.clone()}</option>
                    }).collect_view())}
                </select>
            </div>
            <div class="filter">
                <label for="lib-year">{tr(|t| t.year)}</label>
                <select id="lib-year" on:change=move |e| year.set(event_target_value(&e))>
                    <option value="">{tr(|t| t.all)}</option>
                    {move || years().into_iter().map(|y| view! { <option value=y.to_string()>{y}</option> }).collect_view()}
                </select>
            </div>
        </form>
        {move || {
            let list = shown();
            let everything: BTreeMap<ModelId, LibraryEntry> = library
                .get()
                .unwrap_or_default()
                .into_iter()
                .map(|e| (e.id, e))
                .collect();
            let (models, units) = replica.data.get()?;
            let role = session.user.get()?.role;
            let per_unit = replication_by_unit(everything.values());
            Some(view! {
                {(role.reviews() && !per_unit.is_empty()).then(|| view! {
                    <section class="card" aria-labelledby="per-unit-title">
                        <h3 id="per-unit-title">{tr(|t| t.replication_by_unit)}</h3>
                        <table class="figures">
                            <thead><tr>
                                <th scope="col">{tr(|t| t.unit)}</th>
                                <th scope="col">{tr(|t| t.adopted_in)}</th>
                                <th scope="col">{tr(|t| t.spread_out)}</th>
                            </tr></thead>
                            <tbody>
                                {per_unit.into_iter().map(|(unit, line)| view! {
                                    <tr>
                                        <th scope="row">{known_or(&units, &unit.to_string(), &line.unit_name)}</th>
                                        <td>{line.adopted_in}</td>
                                        <td>{line.spread_out}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </section>
                })}
                <p class="muted" role="status">{list.len()} " " {tr(|t| t.typical_models_shown)}</p>
                <ul class="plain-list library-list">
                    {list.into_iter().map(|entry| view! {
                        <li><EntryCard entry everything=everything.clone() models=models.clone() units=units.clone() role /></li>
                    }).collect_view()}
                </ul>
            })
        }}
    }
}

/// The figures of a model's results that were filled in, as a person reads them.
fn figures(entry: &LibraryEntry, t: &'static crate::i18n::Texts) -> Vec<String> {
    let r = &entry.results;
    [
        (t.f_people, r.people_reached),
        (t.f_households, r.households),
        (t.f_money, r.money_vnd),
        (t.f_labour, r.labour_days),
        (t.f_land, r.land_m2),
    ]
    .into_iter()
    .filter_map(|(label, value)| value.map(|v| format!("{label}: {}", format_number(v))))
    .collect()
}

/// One typical model in the library.
#[component]
fn EntryCard(
    entry: LibraryEntry,
    everything: BTreeMap<ModelId, LibraryEntry>,
    models: Vec<ModelView>,
    units: Vec<UnitView>,
    role: Role,
) -> impl IntoView {
    let status = expect_context::<SyncStatus>();
    let session = expect_context::<Session>();
    let location = expect_context::<Location>();
    let lang = use_lang();
    let t = use_texts();
    let id = entry.id;
    let unit = known_or(&units, &entry.unit_id.to_string(), &entry.unit_name);
    let may_adopt = role.reviews() || role == Role::Registrar;
    // Where a new draft may go: the person's current units, their own first.
    let own = session
        .user
        .get_untracked()
        .map(|u| u.unit_id.to_string())
        .unwrap_or_default();
    let mut targets: Vec<UnitView> = units.iter().filter(|u| u.is_current()).cloned().collect();
    targets.sort_by_key(|u| u.id != own);
    let target = RwSignal::new(targets.first().map(|u| u.id.clone()).unwrap_or_default());
    let adopt_entry = StoredValue::new(entry.clone());
    let adopt = move |_| {
        let Ok(unit) = dvk_shared::ids::UnitId::parse(&target.get_untracked()) else {
            return;
        };
        let fields = adopt_entry.with_value(|e| e.adoption_draft(unit, today().year()));
        let new_id = Uuid::now_v7();
        leptos::task::spawn_local(async move {
            if save_change(status, Kind::ModelCreate, new_id, None, fields).await {
                location.go(&format!("/mo-hinh/{new_id}"), false);
            }
        });
    };
    // The Board records replication outside the app on the model it holds.
    let source = StoredValue::new(models.iter().find(|m| m.id == id.as_uuid()).cloned());
    let place = RwSignal::new(String::new());
    let when = RwSignal::new(String::new());
    let notes = RwSignal::new(String::new());
    let error = RwSignal::new(None::<&'static str>);
    let recording = RwSignal::new(false);
    let outside_now = StoredValue::new(entry.replicated_outside.clone());
    let record_outside = move |_: ()| {
        let Some(source) = source.get_value() else {
            return;
        };
        let (p, n) = (
            place.get_untracked().trim().to_owned(),
            notes.get_untracked().trim().to_owned(),
        );
        let Ok(date) = Date::parse_any(&when.get_untracked()) else {
            error.set(Some(t().date_format));
            return;
        };
        if p.is_empty() {
            error.set(Some(t().place_needed));
            return;
        }
        let mut list = outside_now.get_value();
        list.push(OutsideReplication {
            place: p,
            date,
            notes: n,
        });
        let mut fields = Map::new();
        fields.insert(
            "replicated_outside".into(),
            serde_json::to_value(&list).unwrap_or(Value::Null),
        );
        error.set(None);
        leptos::task::spawn_local(async move {
            save_change(
                status,
                Kind::ModelUpdate,
                source.id,
                Some(source.version.unwrap_or(0)),
                fields,
            )
            .await;
            recording.try_set(false);
        });
    };
    let published = entry.published;
    let chosen = StoredValue::new(entry.public_photos.clone());
    // A Board change to the model itself (publishing, the photos it shows), sent by sync.
    let set_model = move |fields: Map<String, Value>| {
        let Some(source) = source.get_value() else {
            return;
        };
        leptos::task::spawn_local(async move {
            save_change(
                status,
                Kind::ModelUpdate,
                source.id,
                Some(source.version.unwrap_or(0)),
                fields,
            )
            .await;
        });
    };
    let toggle_photo = move |hash: String, on: bool| {
        let mut list = chosen.get_value();
        list.retain(|h| *h != hash);
        if on {
            list.push(hash);
        }
        list.truncate(dvk_shared::model::PUBLIC_PHOTOS_MAX);
        set_model(Map::from_iter([(
            "public_photos".to_owned(),
            serde_json::to_value(&list).unwrap_or(Value::Null),
        )]));
    };
    let may_choose = role.reviews() && source_present(&models, id);
    let tree = replication_tree(id, &everything, &BTreeMap::new());
    let rating = entry.latest_rating;
    let field = entry.field;
    let lines = figures(&entry, t());
    let photos = entry.photos.clone();
    let board = role.reviews();
    view! {
        <article class="card library-entry" id=format!("m-{id}") aria-labelledby=format!("lib-{id}")>
            <h3 id=format!("lib-{id}")>{entry.name.clone()}</h3>
            <p>
                {unit.clone()} " · " {move || field_label(field, lang.get())} " · " {entry.year}
                {rating.map(|(year, r)| view! {
                    " · " {tr(|t| t.latest_rating)} " " {year} ": "
                    <strong>{move || match lang.get() { Lang::Vi => r.label_vi(), Lang::En => r.label_en() }}</strong>
                })}
            </p>
            {(!entry.objectives.is_empty()).then(|| view! { <p><strong>{tr(|t| t.f_objectives)} ": "</strong>{entry.objectives.clone()}</p> })}
            {(!entry.content.is_empty()).then(|| view! { <p class="comment-text"><strong>{tr(|t| t.f_content)} ": "</strong>{entry.content.clone()}</p> })}
            {(!lines.is_empty()).then(|| view! { <p>{lines.join(" · ")}</p> })}
            {(!photos.is_empty()).then(|| view! {
                <ul class="photo-strip">
                    {photos.into_iter().enumerate().map(|(n, hash)| {
                        let shown = chosen.with_value(|c| c.contains(&hash));
                        let box_id = format!("pub-{id}-{n}");
                        let choice = hash.clone();
                        view! {
                            <li>
                                <img loading="lazy" src=format!("/api/photos/{hash}") alt=move || format!("{} {}", t().photo, n + 1) width="160" height="120" />
                                {may_choose.then(|| view! {
                                    <span class="photo-choice">
                                        <input type="checkbox" id=box_id.clone() prop:checked=shown
                                            on:change=move |e| toggle_photo(choice.clone(), event_target_checked(&e)) />
                                        " " <label for=box_id>{tr(|t| t.show_publicly)}</label>
                                    </span>
                                })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            })}
            <div class="replication">
                <h4>{tr(|t| t.replicated_to)}</h4>
                {if tree.is_empty() && entry.replicated_outside.is_empty() {
                    view! { <p class="muted">{tr(|t| t.not_replicated_yet)}</p> }.into_any()
                } else {
                    view! {
                        <ul class="replication-tree">
                            {tree.into_iter().map(|(depth, adoption)| view! {
                                <li style=format!("--depth: {}", depth - 1)>
                                    {adoption.name.clone()} " — " {known_or(&units, &adoption.unit_id.to_string(), &adoption.unit_name)} " (" {adoption.year} ")"
                                </li>
                            }).collect_view()}
                            {entry.replicated_outside.iter().map(|o| view! {
                                <li>{o.place.clone()} " — " {tr(|t| t.outside_the_app)} " (" {o.date.to_vietnamese()} ")"</li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </div>
            <div class="review-actions">
                {may_adopt.then(|| view! {
                    <div class="adopt">
                        {(targets.len() > 1).then(|| view! {
                            <label for=format!("adopt-unit-{id}")>{tr(|t| t.adopt_into)}</label>
                            <select id=format!("adopt-unit-{id}") on:change=move |e| target.set(event_target_value(&e))>
                                {targets.iter().map(|u| view! { <option value=u.id.clone()>{u.name.clone()}</option> }).collect_view()}
                            </select>
                        })}
                        <button type="button" class="button" on:click=adopt>{tr(|t| t.adopt_model)}</button>
                    </div>
                })}
                {(board && source_present(&models, id)).then(|| view! {
                    <button type="button" class="button secondary" on:click=move |_| recording.set(true)>{tr(|t| t.record_outside)}</button>
                    <button type="button" class="button secondary" on:click=move |_| set_model(Map::from_iter([("published".to_owned(), Value::Bool(!published))]))>
                        {if published { tr(|t| t.unpublish) } else { tr(|t| t.publish) }}
                    </button>
                })}
                {published.then(|| view! {
                    <a class="button secondary" href=format!("/cong-khai/{id}") target="_blank" rel="noopener">{tr(|t| t.public_page)}</a>
                })}
            </div>
            {move || recording.get().then(|| view! {
                <form class="award-action" on:submit=move |e| { e.prevent_default(); record_outside(()); }>
                    <div class="grid-2">
                        <div class="field-row">
                            <label for=format!("out-place-{id}")>{tr(|t| t.outside_place)}</label>
                            <input id=format!("out-place-{id}") prop:value=move || place.get() on:input=move |e| place.set(event_target_value(&e)) />
                        </div>
                        <div class="field-row">
                            <label for=format!("out-date-{id}")>{tr(|t| t.outside_date)} " (dd/mm/yyyy)"</label>
                            <input id=format!("out-date-{id}") prop:value=move || when.get() on:input=move |e| when.set(event_target_value(&e)) />
                        </div>
                    </div>
                    <div class="field-row">
                        <label for=format!("out-notes-{id}")>{tr(|t| t.outside_notes)}</label>
                        <textarea id=format!("out-notes-{id}") rows="2" prop:value=move || notes.get() on:input=move |e| notes.set(event_target_value(&e))></textarea>
                    </div>
                    <p class="field-error" role="alert">{move || error.get()}</p>
                    <button type="submit" class="button">{tr(|t| t.record_outside)}</button>
                    " "
                    <button type="button" class="button secondary" on:click=move |_| recording.set(false)>{tr(|t| t.cancel)}</button>
                </form>
            })}
        </article>
    }
}

/// A unit's name as this device knows it now, else as the entry was written (devices of
/// other units do not hold that unit).
pub(crate) fn known_or(units: &[UnitView], id: &str, written: &str) -> String {
    let known = unit_name(units, id);
    if known.is_empty() {
        written.to_owned()
    } else {
        known
    }
}

fn source_present(models: &[ModelView], id: ModelId) -> bool {
    models.iter().any(|m| m.id == id.as_uuid())
}
