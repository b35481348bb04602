//! `/khao-sat/dot/moi` and `/khao-sat/dot/{id}`: the Board's plan of a year's survey — name,
//! year, deadline, the criteria with their weights and rubric (the default set to start with),
//! the units in scope and who surveys which model. Checked by the shared `Campaign::validate`
//! before it is saved on the device; sync takes it to the server and to every tablet. The list
//! of field staff comes from the server, so assigning needs a connection; the rest does not.

use std::collections::BTreeMap;

use dvk_shared::{
    date::Date,
    ids::{CampaignId, ModelId, UnitId, UserId},
    model::Status,
    survey::{Campaign, Criterion, default_criteria},
    sync::{Entity, Kind},
    user::User,
    validation::FieldErrors,
};
use leptos::prelude::*;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::{
    i18n::{Lang, tr, use_lang, use_texts},
    pages::data::{Held, Loaded, ModelView, held, save_change, unit_name, use_replica},
    route::use_location,
    sync::{SyncStatus, online},
};

/// One criterion as typed: its own signals, so typing in it never redraws the list.
#[derive(Clone)]
struct Row {
    key: String,
    label: RwSignal<String>,
    weight: RwSignal<String>,
    rubric: RwSignal<String>,
}

impl Row {
    fn of(c: &Criterion) -> Self {
        Row {
            key: c.key.clone(),
            label: RwSignal::new(c.label.clone()),
            weight: RwSignal::new(c.weight.to_string()),
            rubric: RwSignal::new(c.rubric.clone()),
        }
    }
}

/// The editor for a new campaign (`None`) or one the device holds.
#[component]
pub fn CampaignEditor(id: Option<Uuid>) -> impl IntoView {
    let loaded = Loaded::new(move || async move {
        let existing = match id {
            Some(id) => held::<Campaign>(Entity::Campaign)
                .await
                .into_iter()
                .find(|c| c.record.id.as_uuid() == id),
            None => None,
        };
        (existing, online::surveyors().await.ok())
    });
    view! {
        <p><a class="back-link" href="/khao-sat">{tr(|t| t.back_to_surveys)}</a></p>
        {move || loaded.get().map(|(existing, staff)| match (id, existing) {
            (Some(_), None) => view! { <section class="card"><p>{tr(|t| t.campaign_not_here)}</p></section> }.into_any(),
            (_, existing) => view! { <CampaignForm existing staff /> }.into_any(),
        })}
    }
}

#[component]
fn CampaignForm(existing: Option<Held<Campaign>>, staff: Option<Vec<User>>) -> impl IntoView {
    let t = use_texts();
    let lang = use_lang();
    let status = expect_context::<SyncStatus>();
    let location = use_location();
    let replica = use_replica();
    let this_year = crate::pages::surveys::today().year();
    let start = existing.as_ref().map(|h| h.record.clone());
    let version = existing.as_ref().and_then(|h| h.version);
    let editing = start.is_some();
    let name = RwSignal::new(start.as_ref().map(|c| c.name.clone()).unwrap_or_default());
    let year = RwSignal::new(start.as_ref().map_or(this_year, |c| c.year).to_string());
    let deadline = RwSignal::new(
        start
            .as_ref()
            .map(|c| c.deadline.to_vietnamese())
            .unwrap_or_else(|| format!("31/12/{this_year}")),
    );
    let rows = RwSignal::new(
        start
            .as_ref()
            .map_or_else(default_criteria, |c| c.criteria.clone())
            .iter()
            .map(Row::of)
            .collect::<Vec<Row>>(),
    );
    let assignments = RwSignal::new(
        start
            .as_ref()
            .map(|c| c.assignments.clone())
            .unwrap_or_default(),
    );
    let unit_ids = RwSignal::new(
        start
            .as_ref()
            .map(|c| c.unit_ids.clone())
            .unwrap_or_default(),
    );
    let known_names = start
        .as_ref()
        .map(|c| c.surveyor_names.clone())
        .unwrap_or_default();
    // Everyone who may be chosen: the server's list, else the names the campaign already has.
    let people: Vec<(UserId, String)> = match &staff {
        Some(staff) => staff
            .iter()
            .map(|u| (u.id, u.display_name.clone()))
            .collect(),
        None => known_names.clone().into_iter().collect(),
    };
    let people = StoredValue::new(people);
    let filter = RwSignal::new(String::new());
    let bulk = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::default());
    let problem = move |field: String| {
        move || {
            errors.with(|e| e.get(&field)).map(|p| match lang.get() {
                Lang::Vi => p.message_vi(),
                Lang::En => p.message_en(),
            })
        }
    };

    let add_row = move |_| {
        rows.update(|rows| {
            let n = (1..)
                .find(|n| !rows.iter().any(|r| r.key == format!("tieu_chi_{n}")))
                .unwrap_or(1);
            rows.push(Row::of(&Criterion {
                key: format!("tieu_chi_{n}"),
                label: String::new(),
                weight: 10,
                rubric: String::new(),
            }));
        });
    };
    // The running models of the chosen unit (all units when none is chosen).
    let offered = move || -> Vec<ModelView> {
        let unit = filter.get();
        replica
            .models()
            .unwrap_or_default()
            .into_iter()
            .filter(|m| {
                matches!(
                    m.status(),
                    Some(
                        Status::Approved
                            | Status::InProgress
                            | Status::Evaluated
                            | Status::Typical
                            | Status::Replicated
                    )
                ) && (unit.is_empty() || m.unit_id() == unit)
            })
            .collect()
    };
    let assign_all = move |_| {
        let who = UserId::parse(&bulk.get_untracked()).ok();
        let ids: Vec<ModelId> = offered()
            .iter()
            .filter_map(|m| ModelId::from_uuid(m.id).ok())
            .collect();
        assignments.update(|a| {
            for id in ids {
                match who {
                    Some(who) => a.insert(id, who),
                    None => a.remove(&id),
                };
            }
        });
    };

    let save = move |_| {
        let id = start
            .as_ref()
            .map(|c| c.id)
            .or_else(|| CampaignId::from_uuid(Uuid::now_v7()).ok());
        let Some(id) = id else { return };
        let assigned = assignments.get_untracked();
        let names = people.with_value(|people| {
            assigned
                .values()
                .filter_map(|who| {
                    people
                        .iter()
                        .find(|(id, _)| id == who)
                        .map(|(id, name)| (*id, name.clone()))
                })
                .collect::<BTreeMap<UserId, String>>()
        });
        let Ok(deadline_date) = Date::parse_any(&deadline.get_untracked()) else {
            let mut problems = FieldErrors::default();
            problems.add("deadline", dvk_shared::validation::Problem::InvalidFormat);
            errors.set(problems);
            return;
        };
        let campaign = Campaign {
            id,
            year: year.get_untracked().trim().parse().unwrap_or(0),
            name: name.get_untracked().trim().to_owned(),
            criteria: rows
                .get_untracked()
                .iter()
                .map(|r| Criterion {
                    key: r.key.clone(),
                    label: r.label.get_untracked().trim().to_owned(),
                    weight: r.weight.get_untracked().trim().parse().unwrap_or(0),
                    rubric: r.rubric.get_untracked().trim().to_owned(),
                })
                .collect(),
            unit_ids: unit_ids.get_untracked(),
            model_ids: assigned.keys().copied().collect(),
            assignments: assigned,
            surveyor_names: names,
            deadline: deadline_date,
        };
        if let Err(problems) = campaign.validate() {
            errors.set(problems);
            return;
        }
        errors.set(FieldErrors::default());
        let Some(mut fields) = json_object(&campaign) else {
            return;
        };
        fields.remove("id");
        let (kind, base, fields) = match &start {
            None => (Kind::CampaignCreate, None, fields),
            Some(before) => {
                let before = json_object(before).unwrap_or_default();
                let changed: Map<String, Value> = fields
                    .into_iter()
                    .filter(|(k, v)| before.get(k) != Some(v) && k != "year")
                    .collect();
                (Kind::CampaignUpdate, Some(version.unwrap_or(0)), changed)
            }
        };
        leptos::task::spawn_local(async move {
            // An update that changes nothing is not worth a change in the outbox.
            if base.is_none() || !fields.is_empty() {
                save_change(status, kind, id.as_uuid(), base, fields).await;
            }
            location.go("/khao-sat", false);
        });
    };

    let units = move || {
        replica
            .data
            .get()
            .map(|(_, units)| units)
            .unwrap_or_default()
    };
    view! {
        <h2>{if editing { tr(|t| t.edit_campaign)() } else { tr(|t| t.new_campaign)() }}</h2>
        <form class="card model-form campaign-form" on:submit=|e| e.prevent_default()>
            <fieldset>
                <legend>{tr(|t| t.sec_identity)}</legend>
                <div class="field-row">
                    <label for="c-name">{tr(|t| t.campaign_name)}</label>
                    <input id="c-name" prop:value=move || name.get() on:input=move |e| name.set(event_target_value(&e)) />
                    <p class="field-error">{problem("name".into())}</p>
                </div>
                <div class="grid-2">
                    <div class="field-row">
                        <label for="c-year">{tr(|t| t.campaign_year)}</label>
                        <input id="c-year" inputmode="numeric" disabled=editing prop:value=move || year.get() on:input=move |e| year.set(event_target_value(&e)) />
                        <p class="field-error">{problem("year".into())}</p>
                    </div>
                    <div class="field-row">
                        <label for="c-deadline">{tr(|t| t.deadline)} " (dd/mm/yyyy)"</label>
                        <input id="c-deadline" prop:value=move || deadline.get() on:input=move |e| deadline.set(event_target_value(&e)) />
                        <p class="field-error">{problem("deadline".into())}</p>
                    </div>
                </div>
            </fieldset>
            <fieldset>
                <legend>{tr(|t| t.criteria)}</legend>
                <p class="field-error">{problem("criteria".into())}</p>
                // Redrawn only when a criterion is added or removed: typing changes a row's own
                // signals, not the list.
                {move || rows.get().into_iter().map(|row| {
                        let key = row.key.clone();
                        let at = move |part: &str| {
                            let key = key.clone();
                            let part = part.to_owned();
                            move || {
                                let i = rows.with(|rows| rows.iter().position(|r| r.key == key))?;
                                let field = format!("criteria.{i}.{part}");
                                errors.with(|e| e.get(&field)).map(|p| match lang.get() {
                                    Lang::Vi => p.message_vi(),
                                    Lang::En => p.message_en(),
                                })
                            }
                        };
                        let id = row.key.clone();
                        let gone = row.key.clone();
                        view! {
                            <div class="criterion">
                                <div class="grid-2">
                                    <div class="field-row">
                                        <label for=format!("c-label-{id}")>{tr(|t| t.criterion_label)}</label>
                                        <input id=format!("c-label-{id}") prop:value=move || row.label.get() on:input=move |e| row.label.set(event_target_value(&e)) />
                                        <p class="field-error">{at("label")}</p>
                                    </div>
                                    <div class="field-row">
                                        <label for=format!("c-weight-{id}")>{tr(|t| t.weight)}</label>
                                        <input id=format!("c-weight-{id}") inputmode="numeric" prop:value=move || row.weight.get() on:input=move |e| row.weight.set(event_target_value(&e)) />
                                        <p class="field-error">{at("weight")}</p>
                                    </div>
                                </div>
                                <div class="field-row">
                                    <label for=format!("c-rubric-{id}")>{tr(|t| t.rubric)}</label>
                                    <textarea id=format!("c-rubric-{id}") rows="3" prop:value=move || row.rubric.get() on:input=move |e| row.rubric.set(event_target_value(&e)) />
                                </div>
                                <button type="button" class="button secondary" on:click=move |_| rows.update(|rows| rows.retain(|r| r.key != gone))>
                                    {tr(|t| t.remove_criterion)}
                                </button>
                            </div>
                        }
                }).collect_view()}
                <button type="button" class="button secondary" on:click=add_row>{tr(|t| t.add_criterion)}</button>
            </fieldset>
            <fieldset>
                <legend>{tr(|t| t.scope_and_assignments)}</legend>
                {staff.is_none().then(|| view! { <p class="error" role="alert">{tr(|t| t.staff_offline)}</p> })}
                <div class="field-row">
                    <label for="c-unit">{tr(|t| t.model_unit)}</label>
                    <select id="c-unit" on:change=move |e| filter.set(event_target_value(&e))>
                        <option value="">{tr(|t| t.all_units)}</option>
                        {move || units().into_iter().map(|u| view! { <option value=u.id.clone()>{u.name.clone()}</option> }).collect_view()}
                    </select>
                </div>
                {move || {
                    let unit = filter.get();
                    UnitId::parse(&unit).ok().map(|unit| view! {
                        <div class="check">
                            <input type="checkbox" id="c-whole-unit"
                                checked=move || unit_ids.with(|u| u.contains(&unit))
                                on:change=move |e| {
                                    let on = event_target_checked(&e);
                                    unit_ids.update(|u| {
                                        u.retain(|x| *x != unit);
                                        if on { u.push(unit); }
                                    });
                                } />
                            <label for="c-whole-unit">{tr(|t| t.whole_unit_in_scope)}</label>
                        </div>
                    })
                }}
                <div class="bulk">
                    <label for="c-bulk">{tr(|t| t.assign_all_to)}</label>
                    <select id="c-bulk" on:change=move |e| bulk.set(event_target_value(&e))>
                        <option value="">{tr(|t| t.unassigned)}</option>
                        {people.get_value().into_iter().map(|(id, name)| view! { <option value=id.to_string()>{name}</option> }).collect_view()}
                    </select>
                    <button type="button" class="button secondary" on:click=assign_all>{tr(|t| t.apply)}</button>
                </div>
                <table class="figures assignments">
                    <thead><tr><th scope="col">{tr(|t| t.model_name)}</th><th scope="col">{tr(|t| t.surveyor)}</th></tr></thead>
                    <tbody>
                        {move || {
                            let units = units();
                            offered().into_iter().map(|m| {
                                let Ok(model) = ModelId::from_uuid(m.id) else { return ().into_any() };
                                let select = format!("assign-{}", m.id);
                                view! {
                                    <tr>
                                        <th scope="row"><label for=select.clone()>{m.name()}</label>
                                            <span class="muted">" · " {unit_name(&units, &m.unit_id())}</span></th>
                                        <td>
                                            <select id=select on:change=move |e| {
                                                let who = UserId::parse(&event_target_value(&e)).ok();
                                                assignments.update(|a| match who {
                                                    Some(who) => { a.insert(model, who); }
                                                    None => { a.remove(&model); }
                                                });
                                            }>
                                                <option value="">{tr(|t| t.unassigned)}</option>
                                                {people.get_value().into_iter().map(|(id, name)| view! {
                                                    <option value=id.to_string() selected=move || assignments.with(|a| a.get(&model) == Some(&id))>{name}</option>
                                                }).collect_view()}
                                            </select>
                                        </td>
                                    </tr>
                                }.into_any()
                            }).collect_view()
                        }}
                    </tbody>
                </table>
            </fieldset>
            {move || (!errors.with(FieldErrors::is_empty)).then(|| view! {
                <p class="error" role="alert">{t().fix_before_submit}</p>
            })}
            <button type="button" class="button big" on:click=save>{tr(|t| t.save_campaign)}</button>
        </form>
    }
}

/// A record as the JSON object the app stores and sends. Through the JSON text, as everything
/// else the app stores: one serialiser in the shell.
fn json_object<T: serde::Serialize>(record: &T) -> Option<Map<String, Value>> {
    let text = serde_json::to_string(record).ok()?;
    serde_json::from_str(&text).ok()
}
