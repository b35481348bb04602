//! `/khao-sat` and `/khao-sat/{campaign}/{model}`: the yearly survey. Field staff see the models
//! assigned to them with where each visit stands, and fill in the scored visit form offline;
//! the Board follows each campaign's progress by unit and by surveyor. Everything here reads the
//! device's store, so it works with no network; totals and ratings come from the shared code the
//! server runs.

use dvk_shared::{
    date::{Date, Timestamp},
    ids::{ModelId, UnitId},
    model::Action,
    photo::{PHOTOS_PER_SURVEY, PhotoRef},
    progress::{Counts, VisitState, models_in_scope, progress, visit_state},
    survey::{COMMON_DIFFICULTIES, Campaign, Rating, SCORE_MAX, Survey, SurveyStatus, total_score},
    sync::{Entity, Kind},
    text::sort_key,
    user::Role,
};
use leptos::prelude::*;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::components::export::ExportButtons;
use crate::{
    format::time_and_date,
    i18n::{Lang, tr, use_lang, use_texts},
    pages::data::{Held, Loaded, ModelView, held, save_change, unit_name, use_replica},
    session::Session,
    store::{
        self,
        photos::{KeepError, PhotoState},
    },
    sync::{SyncStatus, controller::now_ms},
};

pub(crate) fn today() -> Date {
    Date::of_instant_in_vietnam(Timestamp(now_ms()))
}

fn rating_label(rating: Rating, lang: Lang) -> &'static str {
    match lang {
        Lang::Vi => rating.label_vi(),
        Lang::En => rating.label_en(),
    }
}

/// "82,5" the Vietnamese way.
fn score_text(total: f64) -> String {
    // Whole tenths through integers: float formatting would add its own code to the shell.
    let tenths = (total * 10.0).round() as u64;
    format!("{},{}", tenths / 10, tenths % 10)
}

/// Campaigns and surveys as this device holds them, newest campaign first; read again after
/// every sync.
fn use_survey_data() -> Loaded<(Vec<Campaign>, Vec<Held<Survey>>)> {
    let status = expect_context::<SyncStatus>();
    Loaded::new(move || {
        status.data_version.get();
        survey_data()
    })
}

/// One reader for every survey screen, so the shell carries its code once.
async fn survey_data() -> (Vec<Campaign>, Vec<Held<Survey>>) {
    let mut campaigns: Vec<Campaign> = held::<Campaign>(Entity::Campaign)
        .await
        .into_iter()
        .map(|h| h.record)
        .collect();
    campaigns.sort_unstable_by_key(|c| std::cmp::Reverse((c.year, c.deadline, c.id)));
    (campaigns, held::<Survey>(Entity::Survey).await)
}

/// `/khao-sat`.
#[component]
pub fn Surveys() -> impl IntoView {
    let session = expect_context::<Session>();
    let replica = use_replica();
    let data = use_survey_data();
    view! {
        <div class="list-head">
            <h2>{tr(|t| t.nav_survey)}</h2>
            {move || session.user.get().filter(|u| matches!(u.role, Role::Board | Role::Admin)).map(|_| view! {
                <a href="/khao-sat/dot/moi" class="button">{tr(|t| t.new_campaign)}</a>
            })}
            " " <ExportButtons base="/api/exports/surveys" />
        </div>
        {move || {
            let (campaigns, surveys) = data.get()?;
            let (models, units) = replica.data.get()?;
            let me = session.user.get()?;
            let reviews = matches!(me.role, Role::Board | Role::Admin);
            let surveys: Vec<Survey> = surveys.into_iter().map(|h| h.record).collect();
            Some(if campaigns.is_empty() {
                view! { <section class="card"><p class="muted">{tr(|t| t.no_campaigns)}</p></section> }.into_any()
            } else if reviews {
                campaigns
                    .into_iter()
                    .map(|c| view! { <CampaignProgress campaign=c surveys=surveys.clone() models=models.clone() units=units.clone() /> })
                    .collect_view()
                    .into_any()
            } else {
                campaigns
                    .into_iter()
                    .map(|c| {
                        let mine: Vec<ModelId> = c
                            .assignments
                            .iter()
                            .filter(|(_, who)| **who == me.id)
                            .map(|(model, _)| *model)
                            .collect();
                        view! { <MyAssignments campaign=c mine surveys=surveys.clone() models=models.clone() /> }
                    })
                    .collect_view()
                    .into_any()
            })
        }}
    }
}

fn state_label(
    state: VisitState,
    started: bool,
) -> fn(&'static crate::i18n::Texts) -> &'static str {
    match (state, started) {
        (VisitState::Surveyed, _) => |t| t.visit_surveyed,
        (VisitState::Overdue, _) => |t| t.visit_overdue,
        (VisitState::Pending, true) => |t| t.visit_started,
        (VisitState::Pending, false) => |t| t.visit_not_started,
    }
}

fn state_class(state: VisitState) -> &'static str {
    match state {
        VisitState::Surveyed => "visit surveyed",
        VisitState::Pending => "visit pending",
        VisitState::Overdue => "visit overdue",
    }
}

/// A surveyor's models in one campaign, with where each visit stands.
#[component]
fn MyAssignments(
    campaign: Campaign,
    mine: Vec<ModelId>,
    surveys: Vec<Survey>,
    models: Vec<ModelView>,
) -> impl IntoView {
    let today = today();
    let mut rows: Vec<(String, ModelId, VisitState, bool)> = mine
        .into_iter()
        .map(|id| {
            let name = models
                .iter()
                .find(|m| m.id == id.as_uuid())
                .map(ModelView::name)
                .unwrap_or_default();
            let started = surveys
                .iter()
                .any(|s| s.campaign_id == campaign.id && s.model_id == id);
            (
                name,
                id,
                visit_state(&campaign, &surveys, id, today),
                started,
            )
        })
        .collect();
    // What still needs a visit first, overdue at the top.
    // Unstable sorts throughout the app: one copy of the sort code instead of one per caller.
    rows.sort_unstable_by_key(|(name, id, state, _)| {
        (
            *state == VisitState::Surveyed,
            *state != VisitState::Overdue,
            sort_key(name),
            *id,
        )
    });
    let done = rows.iter().filter(|r| r.2 == VisitState::Surveyed).count();
    let total = rows.len();
    let campaign_id = campaign.id;
    view! {
        <section class="card" data-campaign=campaign_id.to_string()>
            <h3>{campaign.name.clone()}</h3>
            <p class="muted">{tr(|t| t.deadline)} ": " {campaign.deadline.to_vietnamese()} " · "
                <strong>{done}</strong> "/" {total} " " {tr(|t| t.visit_surveyed)}</p>
            {if rows.is_empty() {
                view! { <p class="muted">{tr(|t| t.no_assignments)}</p> }.into_any()
            } else {
                view! {
                    <ul class="visit-list">
                        {rows.into_iter().map(|(name, id, state, started)| view! {
                            <li>
                                <a href=format!("/khao-sat/{campaign_id}/{id}")>
                                    {if name.is_empty() { tr(|t| t.model_not_here)().to_owned() } else { name }}
                                </a>
                                <span class=state_class(state)>{tr(state_label(state, started))}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

/// The Board's view of one campaign: surveyed, pending and overdue in total, by unit and by
/// surveyor.
#[component]
fn CampaignProgress(
    campaign: Campaign,
    surveys: Vec<Survey>,
    models: Vec<ModelView>,
    units: Vec<crate::pages::data::UnitView>,
) -> impl IntoView {
    let known: Vec<(ModelId, UnitId)> = models
        .iter()
        .filter_map(|m| {
            Some((
                ModelId::from_uuid(m.id).ok()?,
                UnitId::parse(&m.unit_id()).ok()?,
            ))
        })
        .collect();
    let scope = models_in_scope(&campaign, &known, |u| campaign.unit_ids.contains(&u));
    let progress = progress(&campaign, &scope, &surveys, today());
    let by_unit: Vec<(String, Counts)> = progress
        .by_unit
        .iter()
        .map(|(unit, counts)| (unit_name(&units, &unit.to_string()), *counts))
        .collect();
    let names = campaign.surveyor_names.clone();
    let by_surveyor: Vec<(String, Counts)> = progress
        .by_surveyor
        .iter()
        .map(|(who, counts)| {
            let name = match who {
                Some(id) => names.get(id).cloned().unwrap_or_else(|| id.to_string()),
                None => tr(|t| t.unassigned)().to_owned(),
            };
            (name, *counts)
        })
        .collect();
    let total = progress.total;
    view! {
        <section class="card campaign" data-campaign=campaign.id.to_string()>
            <h3>{campaign.name.clone()}</h3>
            <p><a href=format!("/khao-sat/dot/{}", campaign.id)>{tr(|t| t.edit_campaign)}</a></p>
            <p class="muted">{tr(|t| t.deadline)} ": " {campaign.deadline.to_vietnamese()}</p>
            <ul class="status-counts">
                <li><span class="big-figure">{total.surveyed}</span><span>{tr(|t| t.visit_surveyed)}</span></li>
                <li><span class="big-figure">{total.pending}</span><span>{tr(|t| t.visit_pending)}</span></li>
                <li><span class="big-figure">{total.overdue}</span><span>{tr(|t| t.visit_overdue)}</span></li>
            </ul>
            <CountsTable caption=tr(|t| t.by_unit) rows=by_unit />
            <CountsTable caption=tr(|t| t.by_surveyor) rows=by_surveyor />
        </section>
    }
}

#[component]
fn CountsTable(
    caption: impl Fn() -> &'static str + Copy + Send + Sync + 'static,
    rows: Vec<(String, Counts)>,
) -> impl IntoView {
    view! {
        <table class="figures counts">
            <caption>{caption}</caption>
            <thead><tr>
                <th scope="col"></th>
                <th scope="col">{tr(|t| t.visit_surveyed)}</th>
                <th scope="col">{tr(|t| t.visit_pending)}</th>
                <th scope="col">{tr(|t| t.visit_overdue)}</th>
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|(name, c)| view! {
                    <tr><th scope="row">{name}</th><td>{c.surveyed}</td><td>{c.pending}</td><td>{c.overdue}</td></tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// What the visit form loads: the campaign, this visit's survey if one exists, the model, and
/// the model's earlier submitted surveys.
#[derive(Clone)]
struct Visit {
    campaign: Campaign,
    survey: Option<Held<Survey>>,
    model: Option<ModelView>,
    /// Submitted surveys of the model in other campaigns, with their totals.
    earlier: Vec<(Survey, Option<f64>)>,
}

/// `/khao-sat/{campaign}/{model}`: one visit.
#[component]
pub fn SurveyPage(campaign: Uuid, model: Uuid) -> impl IntoView {
    let reload = RwSignal::new(0u64);
    let status = expect_context::<SyncStatus>();
    // Not on the device yet (a first download still running): look again after each sync.
    let missing = RwSignal::new(false);
    let loaded = Loaded::new(move || {
        reload.get();
        if missing.get() {
            status.data_version.get();
        }
        async move {
            let (campaigns, surveys) = survey_data().await;
            let found = campaigns
                .iter()
                .find(|c| c.id.as_uuid() == campaign)
                .cloned();
            let model_view = crate::pages::data::model(model).await;
            let now_missing = found.is_none();
            if missing.try_get_untracked() != Some(now_missing) {
                missing.try_set(now_missing);
            }
            found.map(|campaign| {
                let mut this = None;
                let mut earlier = Vec::new();
                for s in surveys {
                    if s.record.model_id.as_uuid() != model {
                        continue;
                    }
                    if s.record.campaign_id == campaign.id {
                        this = Some(s);
                    } else if s.record.status == SurveyStatus::Submitted {
                        // Each earlier survey totals with its own campaign's criteria.
                        let total = campaigns
                            .iter()
                            .find(|c| c.id == s.record.campaign_id)
                            .and_then(|c| total_score(&c.criteria, &s.record.scores));
                        earlier.push((s.record, total));
                    }
                }
                Visit {
                    campaign,
                    survey: this,
                    model: model_view,
                    earlier,
                }
            })
        }
    });
    view! {
        <p><a class="back-link" href="/khao-sat">{tr(|t| t.back_to_surveys)}</a></p>
        {move || loaded.get().map(|visit| match visit {
            None => view! { <section class="card"><p>{tr(|t| t.campaign_not_here)}</p></section> }.into_any(),
            Some(visit) => view! { <VisitForm visit model reload /> }.into_any(),
        })}
    }
}

#[component]
fn VisitForm(visit: Visit, model: Uuid, reload: RwSignal<u64>) -> impl IntoView {
    let t = use_texts();
    let lang = use_lang();
    let session = expect_context::<Session>();
    let status = expect_context::<SyncStatus>();
    let Visit {
        campaign,
        survey,
        model: model_view,
        earlier,
    } = visit;
    let criteria = StoredValue::new(campaign.criteria.clone());
    let role = session.user.get_untracked().map(|u| u.role);
    let reviews = matches!(role, Some(Role::Board | Role::Admin));
    let locked = survey
        .as_ref()
        .is_some_and(|s| s.record.status == SurveyStatus::Submitted);
    let existing = survey.as_ref().map(|s| s.record.clone());
    let survey_id = RwSignal::new(existing.as_ref().map(|s| s.id.as_uuid()));
    let version = survey.as_ref().and_then(|s| s.version);
    let pending = survey.as_ref().is_some_and(|s| s.pending);

    let scores = RwSignal::new(
        existing
            .as_ref()
            .map(|s| s.scores.clone())
            .unwrap_or_default(),
    );
    let notes = RwSignal::new(
        existing
            .as_ref()
            .map(|s| s.notes.clone())
            .unwrap_or_default(),
    );
    let recommendations = RwSignal::new(
        existing
            .as_ref()
            .map(|s| s.recommendations.clone())
            .unwrap_or_default(),
    );
    let all_difficulties = existing
        .as_ref()
        .map(|s| s.difficulties.clone())
        .unwrap_or_default();
    let is_common = |d: &String| COMMON_DIFFICULTIES.iter().any(|(vi, _)| vi == d);
    let common = RwSignal::new(
        all_difficulties
            .iter()
            .filter(|d| is_common(d))
            .cloned()
            .collect::<Vec<String>>(),
    );
    let other = RwSignal::new(
        all_difficulties
            .iter()
            .filter(|d| !is_common(d))
            .cloned()
            .collect::<Vec<String>>()
            .join("\n"),
    );
    let photos = RwSignal::new(
        existing
            .as_ref()
            .map(|s| s.photos.clone())
            .unwrap_or_default(),
    );
    let photo_error = RwSignal::new(None::<String>);
    let visited_at = existing.as_ref().and_then(|s| s.visited_at);
    let has_place = existing
        .as_ref()
        .is_some_and(|s| s.location.as_ref().is_some_and(|l| l.latitude.is_some()));
    let note = RwSignal::new(None::<&'static str>);
    let missing_scores = RwSignal::new(Vec::<String>::new());

    let difficulties = move || {
        let mut all = common.get_untracked();
        all.extend(
            other
                .get_untracked()
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned),
        );
        all
    };
    // Each change is saved on the device at once: a create first, then updates of one field.
    let save = move |field: &'static str, value: Value| {
        let me = session.user.get_untracked();
        leptos::task::spawn_local(async move {
            let (kind, id, base, fields) = match survey_id.get_untracked() {
                Some(id) => (
                    Kind::SurveyUpdate,
                    id,
                    Some(version.unwrap_or(0)),
                    Map::from_iter([(field.to_owned(), value)]),
                ),
                None => {
                    let id = Uuid::now_v7();
                    let mut fields = Map::new();
                    fields.insert("campaign_id".into(), json!(campaign.id));
                    fields.insert("model_id".into(), json!(model));
                    // The server sets the surveyor from the session; the device needs it to
                    // show the survey before the server answered.
                    fields.insert("surveyor_id".into(), json!(me.map(|u| u.id)));
                    fields.insert("visited_at".into(), json!(now_ms()));
                    fields.insert(field.to_owned(), value);
                    survey_id.try_set(Some(id));
                    (Kind::SurveyCreate, id, None, fields)
                }
            };
            if !save_change(status, kind, id, base, fields).await {
                note.try_set(Some(t().save_failed));
                return;
            }
            note.try_set(Some(t().draft_saved));
            let created = base.is_none().then_some(id);
            // The place of the visit, when the tablet knows it; the survey never waits for it.
            if let Some(id) = created
                && let Some((latitude, longitude)) = store::photos::where_am_i().await
            {
                let place = json!({ "latitude": latitude, "longitude": longitude });
                let fields = Map::from_iter([("location".to_owned(), place)]);
                save_change(status, Kind::SurveyUpdate, id, Some(0), fields).await;
            }
        });
    };
    // Each picked file is resized and kept on the device, then listed on the survey; the sync
    // uploads it when it can. What cannot be kept is named, never dropped silently.
    let pick_photos = move |e: leptos::ev::Event| {
        let Some(input) = e.target() else { return };
        let files = js_sys::Reflect::get(&input, &"files".into()).unwrap_or_default();
        let files: Vec<wasm_bindgen::JsValue> = js_sys::Array::from(&files).iter().collect();
        let _ = js_sys::Reflect::set(&input, &"value".into(), &"".into());
        leptos::task::spawn_local(async move {
            let mut problems = Vec::new();
            for file in files {
                let name = js_sys::Reflect::get(&file, &"name".into())
                    .ok()
                    .and_then(|n| n.as_string())
                    .unwrap_or_default();
                match store::photos::keep(file).await {
                    Ok(photo) => photos.update(|list| {
                        if !list.iter().any(|p| p.hash == photo.hash)
                            && list.len() < PHOTOS_PER_SURVEY
                        {
                            list.push(photo);
                        }
                    }),
                    Err(why) => {
                        let text = match why {
                            KeepError::NotAnImage => t().photo_not_image,
                            KeepError::TooLarge => t().photo_too_large,
                            KeepError::Store => t().save_failed,
                        };
                        problems.push(format!("“{name}”: {text}"));
                    }
                }
            }
            photo_error.try_set((!problems.is_empty()).then(|| problems.join(" ")));
            save("photos", json!(photos.get_untracked()));
        });
    };
    let submit = move |_| {
        // What the server requires of a submitted survey: a score for every criterion.
        let missing: Vec<String> = scores.with_untracked(|s| {
            criteria.with_value(|c| {
                c.iter()
                    .filter(|c| !s.contains_key(&c.key))
                    .map(|c| c.key.clone())
                    .collect()
            })
        });
        if !missing.is_empty() {
            missing_scores.set(missing);
            note.set(Some(t().fix_before_submit));
            return;
        }
        missing_scores.set(Vec::new());
        let Some(id) = survey_id.get_untracked() else {
            return;
        };
        leptos::task::spawn_local(async move {
            let base = Some(version.unwrap_or(0));
            if save_change(status, Kind::SurveySubmit, id, base, Map::new()).await {
                reload.try_update(|r| *r += 1);
            }
        });
    };
    let reopen = move |_| {
        let Some(id) = survey_id.get_untracked() else {
            return;
        };
        leptos::task::spawn_local(async move {
            let base = Some(version.unwrap_or(0));
            if save_change(status, Kind::SurveyReopen, id, base, Map::new()).await {
                reload.try_update(|r| *r += 1);
            }
        });
    };

    let total = move || total_score(&criteria.get_value(), &scores.get());
    let model_name = model_view.as_ref().map(ModelView::name).unwrap_or_default();
    let units = use_replica()
        .data
        .get_untracked()
        .map(|(_, units)| units)
        .unwrap_or_default();
    let unit = model_view
        .as_ref()
        .map(|m| unit_name(&units, &m.unit_id()))
        .unwrap_or_default();
    let editable = !locked;
    view! {
        <section class="card visit-head">
            <h2>{if model_name.is_empty() { t().model_not_here.to_owned() } else { model_name }}</h2>
            <p class="muted">{unit} " · " {campaign.name.clone()} " · " {tr(|t| t.deadline)} ": " {campaign.deadline.to_vietnamese()}</p>
            <p><a href=format!("/mo-hinh/{model}")>{tr(|t| t.open_model)}</a></p>
            {visited_at.map(|at| view! { <p class="muted">{tr(|t| t.visited_at)} ": " {time_and_date(at.0)}</p> })}
            {has_place.then(|| view! { <p class="muted">{tr(|t| t.place_recorded)}</p> })}
            {pending.then(|| view! { <p class="badge">{tr(|t| t.pending_badge)}</p> })}
        </section>
        <section class="card score-card" aria-live="polite">
            <p class="total">
                {tr(|t| t.total_score)} ": "
                <strong>{move || total().map(score_text).unwrap_or_else(|| "—".into())}</strong> " / 100 · "
                <strong>{move || total().map(|s| rating_label(Rating::of_total(s), lang.get())).unwrap_or_else(|| t().total_incomplete)}</strong>
            </p>
            {locked.then(|| view! { <p class="locked" role="status">{tr(|t| t.survey_locked)}</p> })}
        </section>
        <form class="card model-form visit-form" on:submit=|e| e.prevent_default()>
            <fieldset disabled=locked>
                <legend>{tr(|t| t.scores)}</legend>
                {criteria.get_value().into_iter().map(|c| {
                    let key = c.key.clone();
                    let input_id = format!("score-{key}");
                    let k1 = key.clone();
                    let k2 = key.clone();
                    let k3 = key.clone();
                    view! {
                        <div class="field score">
                            <label for=input_id.clone()>{c.label.clone()} <span class="muted">" (" {tr(|t| t.weight)} " " {c.weight} ")"</span></label>
                            {(!c.rubric.is_empty()).then(|| view! { <p class="rubric">{c.rubric.clone()}</p> })}
                            <select id=input_id
                                aria-invalid=move || missing_scores.with(|m| m.contains(&k3)).to_string()
                                on:change=move |e| {
                                    let value = event_target_value(&e).parse::<u8>().ok();
                                    scores.update(|s| match value {
                                        Some(v) => { s.insert(k1.clone(), v); }
                                        None => { s.remove(&k1); }
                                    });
                                    save("scores", json!(scores.get_untracked()));
                                }>
                                <option value="" selected=move || scores.with(|s| !s.contains_key(&k2))>"—"</option>
                                {(0..=SCORE_MAX).map(|v| {
                                    let k = key.clone();
                                    view! { <option value=v.to_string() selected=move || scores.with(|s| s.get(&k) == Some(&v))>{v}</option> }
                                }).collect_view()}
                            </select>
                        </div>
                    }
                }).collect_view()}
            </fieldset>
            <fieldset disabled=locked>
                <legend>{tr(|t| t.difficulties)}</legend>
                {COMMON_DIFFICULTIES.into_iter().enumerate().map(|(i, (vi, en))| {
                    let id = format!("difficulty-{i}");
                    view! {
                        <div class="check">
                            <input type="checkbox" id=id.clone()
                                checked=move || common.with(|c| c.iter().any(|d| d == vi))
                                on:change=move |e| {
                                    let on = event_target_checked(&e);
                                    common.update(|c| {
                                        c.retain(|d| d != vi);
                                        if on { c.push(vi.to_owned()); }
                                    });
                                    save("difficulties", json!(difficulties()));
                                } />
                            <label for=id>{move || if lang.get() == Lang::Vi { vi } else { en }}</label>
                        </div>
                    }
                }).collect_view()}
                <div class="field">
                    <label for="difficulty-other">{tr(|t| t.other_difficulties)}</label>
                    <textarea id="difficulty-other" rows="3" prop:value=move || other.get()
                        on:input=move |e| other.set(event_target_value(&e))
                        on:change=move |_| save("difficulties", json!(difficulties())) />
                </div>
            </fieldset>
            <fieldset>
                <legend>{tr(|t| t.photos)}</legend>
                <ul class="photos">
                    {move || photos.get().into_iter().enumerate().map(|(i, p)| view! { <PhotoThumb photo=p n=i + 1 /> }).collect_view()}
                </ul>
                {editable.then(|| view! {
                    <div class="field">
                        <label for="photo-input" class="button secondary">{tr(|t| t.add_photos)}</label>
                        <input type="file" id="photo-input" class="visually-hidden" accept="image/*" capture="environment" multiple on:change=pick_photos />
                    </div>
                })}
                {move || photo_error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            </fieldset>
            <fieldset disabled=locked>
                <legend>{tr(|t| t.notes_and_recommendations)}</legend>
                <div class="field">
                    <label for="notes">{tr(|t| t.notes)}</label>
                    <textarea id="notes" rows="4" prop:value=move || notes.get()
                        on:input=move |e| notes.set(event_target_value(&e))
                        on:change=move |_| save("notes", json!(notes.get_untracked())) />
                </div>
                <div class="field">
                    <label for="recommendations">{tr(|t| t.recommendations)}</label>
                    <textarea id="recommendations" rows="4" prop:value=move || recommendations.get()
                        on:input=move |e| recommendations.set(event_target_value(&e))
                        on:change=move |_| save("recommendations", json!(recommendations.get_untracked())) />
                </div>
            </fieldset>
            <p class="form-note" role="status">{move || note.get()}</p>
            {move || (!missing_scores.get().is_empty()).then(|| view! {
                <p class="error" role="alert">{t().scores_missing}</p>
            })}
            {editable.then(|| view! {
                <button type="button" class="button big" on:click=submit
                    disabled=move || survey_id.get().is_none()>{tr(|t| t.submit_survey)}</button>
            })}
            {(locked && reviews).then(|| view! {
                <button type="button" class="button secondary" on:click=reopen>{tr(|t| t.reopen_survey)}</button>
            })}
        </form>
        {(!earlier.is_empty()).then(|| view! {
            <section class="card">
                <h3>{tr(|t| t.earlier_surveys)}</h3>
                <ul>
                    {earlier.into_iter().map(|(s, total)| {
                        view! { <li>{s.visited_at.map(|at| time_and_date(at.0))} " · "
                            {total.map(score_text)} " · "
                            {move || s.rating.map(|r| rating_label(r, lang.get()))}</li> }
                    }).collect_view()}
                </ul>
            </section>
        })}
    }
}

/// One photo of a survey: the copy kept on this device if there is one, else the server's; and
/// "photo waiting" until the server has it.
#[component]
fn PhotoThumb(photo: PhotoRef, n: usize) -> impl IntoView {
    let status = expect_context::<SyncStatus>();
    let hash = StoredValue::new(photo.hash.clone());
    // The picture is read once; its state again after each sync.
    let local =
        LocalResource::new(move || async move { store::photos::url(&hash.get_value()).await });
    let state = Loaded::new(move || {
        status.data_version.get();
        async move { store::photos::state(&hash.get_value()).await }
    });
    on_cleanup(move || {
        if let Some(url) = local.try_get_untracked().flatten().flatten() {
            store::photos::forget_url(&url);
        }
    });
    // A photo taken elsewhere that the server does not have yet fails to load.
    let broken = RwSignal::new(false);
    let alt = move || format!("{} {n}", tr(|t| t.photo)());
    let remote = format!("/api/photos/{}", photo.hash);
    let (width, height) = (photo.width, photo.height);
    view! {
        <li class="photo" data-hash=photo.hash.clone()>
            {move || local.get().map(|url| {
                let src = url.unwrap_or_else(|| remote.clone());
                view! { <img src=src alt=alt width=width height=height on:error=move |_| broken.set(true) /> }
            })}
            {move || state.get().map(|state| view! {
                {(matches!(state, PhotoState::Waiting) || broken.get()).then(|| view! {
                    <span class="photo-waiting">{tr(|t| t.photo_waiting)}</span>
                })}
                {match state {
                    PhotoState::Refused(why) => Some(view! { <span class="error">{tr(|t| t.photo_refused)} ": " {why}</span> }),
                    _ => None,
                }}
            })}
        </li>
    }
}

/// The Board's evaluation of a running or rated model: the rating its latest year's surveys
/// propose (computed by the shared code), confirmed as it is or decided otherwise, the ratings
/// confirmed in earlier years, and "typical" once rated.
#[component]
pub fn Evaluation(model: ModelView, reload: RwSignal<u64>) -> impl IntoView {
    let lang = use_lang();
    let status = expect_context::<SyncStatus>();
    let data = use_survey_data();
    let (id, base) = (model.id, Some(model.version.unwrap_or(0)));
    let evaluated = model.status() == Some(dvk_shared::model::Status::Evaluated);
    let confirmed: Vec<(u16, Rating)> = serde_json::from_value::<
        std::collections::BTreeMap<u16, Rating>,
    >(model.data["ratings"].clone())
    .unwrap_or_default()
    .into_iter()
    .rev()
    .collect();
    let choice = RwSignal::new(None::<Rating>);
    let year = RwSignal::new(None::<u16>);
    let confirm = move |_| {
        let (Some(rating), Some(y)) = (choice.get_untracked(), year.get_untracked()) else {
            return;
        };
        let fields = Map::from_iter([
            ("year".to_owned(), json!(y)),
            ("rating".to_owned(), json!(rating.as_str())),
        ]);
        leptos::task::spawn_local(async move {
            if save_change(status, Kind::ModelAct(Action::Evaluate), id, base, fields).await {
                reload.try_update(|r| *r += 1);
            }
        });
    };
    let mark_typical = move |_| {
        leptos::task::spawn_local(async move {
            if save_change(
                status,
                Kind::ModelAct(Action::MarkTypical),
                id,
                base,
                Map::new(),
            )
            .await
            {
                reload.try_update(|r| *r += 1);
            }
        });
    };
    view! {
        <section class="card evaluation" aria-labelledby="evaluation-title">
            <h2 id="evaluation-title">{tr(|t| t.evaluation)}</h2>
            {(!confirmed.is_empty()).then(|| view! {
                <ul class="plain-list ratings">
                    {confirmed.into_iter().map(|(y, r)| view! {
                        <li>{tr(|t| t.confirmed_rating)} " " {y} ": " <strong>{move || rating_label(r, lang.get())}</strong></li>
                    }).collect_view()}
                </ul>
            })}
            {move || data.get().map(|(campaigns, surveys)| {
                let rated: Vec<(Survey, Campaign)> = surveys
                    .into_iter()
                    .filter(|s| s.record.model_id.as_uuid() == id)
                    .filter_map(|s| {
                        let c = campaigns.iter().find(|c| c.id == s.record.campaign_id)?.clone();
                        Some((s.record, c))
                    })
                    .collect();
                let latest = rated
                    .iter()
                    .filter(|(s, _)| s.status == SurveyStatus::Submitted)
                    .map(|(_, c)| c.year)
                    .max();
                let proposal = latest.and_then(|y| {
                    dvk_shared::survey::proposed_rating(
                        rated.iter().filter(|(_, c)| c.year == y).map(|(s, c)| (s, &c.criteria[..])),
                    )
                });
                match (latest, proposal) {
                    (Some(y), Some((total, proposed))) => {
                        year.set(Some(y));
                        if choice.get_untracked().is_none() {
                            choice.set(Some(proposed));
                        }
                        view! {
                            <p>{tr(|t| t.proposed_rating)} " " {y} ": "
                                <strong class="proposed">{score_text(total)} " / 100 · " {move || rating_label(proposed, lang.get())}</strong></p>
                            <div class="field-row">
                                <label for="rating-choice">{tr(|t| t.rating_to_confirm)}</label>
                                <select id="rating-choice" on:change=move |e| {
                                    let value = event_target_value(&e);
                                    choice.set(Rating::ALL.into_iter().find(|r| r.as_str() == value));
                                }>
                                    {Rating::ALL.into_iter().map(|r| view! {
                                        <option value=r.as_str() selected=move || choice.get() == Some(r)>{move || rating_label(r, lang.get())}</option>
                                    }).collect_view()}
                                </select>
                            </div>
                            <button type="button" class="button" on:click=confirm>{tr(|t| t.confirm_rating)}</button>
                        }.into_any()
                    }
                    _ => view! { <p class="muted">{tr(|t| t.no_submitted_surveys)}</p> }.into_any(),
                }
            })}
            {evaluated.then(|| view! {
                <button type="button" class="button secondary" on:click=mark_typical>{tr(|t| t.mark_typical)}</button>
            })}
        </section>
    }
}

/// The difficulties the submitted surveys report, most frequent first, for the leadership
/// overview: read from the device, so the figures are those of the last sync.
#[component]
pub fn DifficultyCounts() -> impl IntoView {
    let data = use_survey_data();
    view! {
        {move || data.get().map(|(_, surveys)| {
            let mut counts: Vec<(String, usize)> = Vec::new();
            for survey in surveys.iter().filter(|s| s.record.status == SurveyStatus::Submitted) {
                for difficulty in &survey.record.difficulties {
                    match counts.iter_mut().find(|(d, _)| d == difficulty) {
                        Some((_, n)) => *n += 1,
                        None => counts.push((difficulty.clone(), 1)),
                    }
                }
            }
            counts.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            counts.truncate(8);
            if counts.is_empty() {
                view! { <p class="muted">{tr(|t| t.difficulties_none)}</p> }.into_any()
            } else {
                view! {
                    <ul class="plain-list difficulty-counts">
                        {counts.into_iter().map(|(d, n)| view! {
                            <li>{d} " — " <strong>{n}</strong> " " {tr(|t| t.surveys_count)}</li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }
        })}
    }
}
