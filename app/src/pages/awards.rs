//! `/khen-thuong`: commendation, offline like everything else. A unit or the Board writes a
//! proposal (đề nghị) for a person or a collective, linked to the models that justify it; the
//! Board agrees, returns or refuses it, then records the decision. Decided proposals are the
//! awards register, filtered by year, kind and recipient, and printable on A4.
//!
//! The duplicate guard is the shared one the server applies: the proposer sees an earlier award
//! the proposal would repeat before saving it, and the Board must give a reason to decide it.

use dvk_shared::{
    award::{Award, AwardAction, AwardKind, AwardStatus, RecipientType, Repeat, repeats},
    date::Date,
    ids::{AwardId, ModelId, UnitId},
    model::Status,
    sync::{Entity, Kind},
    user::Role,
    validation::FieldErrors,
};
use leptos::prelude::*;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::components::export::ExportButtons;
use crate::{
    i18n::{Lang, tr, use_lang, use_texts},
    pages::{
        data::{
            Held, Loaded, ModelView, UnitView, held, problem_text, save_change, unit_name,
            use_replica,
        },
        surveys::today,
    },
    session::Session,
    sync::SyncStatus,
};

fn kind_label(kind: AwardKind, lang: Lang) -> &'static str {
    match lang {
        Lang::Vi => kind.label_vi(),
        Lang::En => kind.label_en(),
    }
}

fn status_label(status: AwardStatus, lang: Lang) -> &'static str {
    match lang {
        Lang::Vi => status.label_vi(),
        Lang::En => status.label_en(),
    }
}

/// The proposals this device holds, newest year first, then by recipient.
fn use_awards() -> Loaded<Vec<Held<Award>>> {
    let status = expect_context::<SyncStatus>();
    Loaded::new(move || {
        status.data_version.get();
        async {
            let mut awards = held::<Award>(Entity::Award).await;
            awards.sort_by_key(|h| {
                (
                    std::cmp::Reverse(h.record.year),
                    dvk_shared::text::sort_key(h.record.recipient_name.as_deref().unwrap_or("")),
                )
            });
            awards
        }
    })
}

/// The Board's form for one move of one proposal (a comment, or the decision). It lives with
/// the page, not the card: a sync that lands while someone types redraws the cards, and must
/// not close the form or lose what was typed.
#[derive(Clone, Copy)]
struct ActionForm {
    open: RwSignal<Option<(Uuid, AwardAction)>>,
    comment: RwSignal<String>,
    number: RwSignal<String>,
    date: RwSignal<String>,
    signer: RwSignal<String>,
    level: RwSignal<String>,
    reason: RwSignal<String>,
    error: RwSignal<Option<String>>,
}

impl ActionForm {
    fn new() -> Self {
        Self {
            open: RwSignal::new(None),
            comment: RwSignal::new(String::new()),
            number: RwSignal::new(String::new()),
            date: RwSignal::new(String::new()),
            signer: RwSignal::new(String::new()),
            level: RwSignal::new(String::new()),
            reason: RwSignal::new(String::new()),
            error: RwSignal::new(None),
        }
    }

    /// Opens the form for `action` on `award`, empty but for the day and the deciding level.
    fn start(self, award: &Award, action: AwardAction) {
        for text in [self.comment, self.number, self.signer, self.reason] {
            text.set(String::new());
        }
        self.date.set(today().to_vietnamese());
        self.level.set(if award.level.is_empty() {
            award.kind.decided_by_vi().to_owned()
        } else {
            award.level.clone()
        });
        self.error.set(None);
        self.open.set(Some((award.id.as_uuid(), action)));
    }
}

/// What the earlier awards a proposal repeats say, one sentence each.
fn repeat_lines(found: &[Repeat<'_>], units: &[UnitView]) -> Vec<String> {
    found
        .iter()
        .map(|r| r.describe_vi(&unit_name(units, &r.earlier.unit_id.to_string())))
        .collect()
}

/// `unit` and every unit below it.
pub(crate) fn subtree(units: &[UnitView], unit: &str) -> Vec<String> {
    let mut found = vec![unit.to_owned()];
    let mut at = 0;
    while at < found.len() {
        let parent = found[at].clone();
        found.extend(
            units
                .iter()
                .filter(|u| u.parent_id.as_deref() == Some(parent.as_str()))
                .map(|u| u.id.clone()),
        );
        at += 1;
    }
    found
}

/// `/khen-thuong`.
#[component]
pub fn Awards() -> impl IntoView {
    let session = expect_context::<Session>();
    let replica = use_replica();
    let awards = use_awards();
    let lang = use_lang();
    let year = RwSignal::new(String::new());
    let kind = RwSignal::new(String::new());
    let recipient = RwSignal::new(String::new());
    let stage = RwSignal::new(String::new());
    let unit = RwSignal::new(String::new());
    let q = RwSignal::new(String::new());
    let writing = RwSignal::new(false);
    let form = ActionForm::new();
    let role = move || session.user.get().map(|u| u.role);
    let may_propose = move || role().is_some_and(|r| r.reviews() || r == Role::Registrar);
    let print = move |_| {
        if let Some(window) = web_sys::window() {
            let _ = window.print();
        }
    };
    let years = move || {
        let mut years: Vec<u16> = awards
            .get()
            .unwrap_or_default()
            .iter()
            .map(|h| h.record.year)
            .collect();
        years.sort_unstable_by(|a, b| b.cmp(a));
        years.dedup();
        years
    };
    let shown = move || -> Vec<Held<Award>> {
        let (year, kind, recipient, stage) = (year.get(), kind.get(), recipient.get(), stage.get());
        let (needle, unit) = (q.get(), unit.get());
        // A unit stands for its whole subtree, as everywhere in the app.
        let within = match replica.data.get() {
            Some((_, units)) if !unit.is_empty() => Some(subtree(&units, &unit)),
            _ => None,
        };
        awards
            .get()
            .unwrap_or_default()
            .into_iter()
            .filter(|h| year.is_empty() || h.record.year.to_string() == year)
            .filter(|h| kind.is_empty() || h.record.kind.as_str() == kind)
            .filter(|h| recipient.is_empty() || h.record.recipient_type.as_str() == recipient)
            .filter(|h| {
                within
                    .as_ref()
                    .is_none_or(|units| units.contains(&h.record.unit_id.to_string()))
            })
            .filter(|h| {
                needle.trim().is_empty()
                    || dvk_shared::text::matches(
                        h.record
                            .recipient_name
                            .as_deref()
                            .unwrap_or(&h.record.title),
                        &needle,
                    )
            })
            .filter(|h| match stage.as_str() {
                "decided" => h.record.status == AwardStatus::Decided,
                "open" => !h.record.status.locked(),
                _ => true,
            })
            .collect()
    };
    view! {
        <div class="list-head">
            <h2>{tr(|t| t.nav_awards)}</h2>
            <div class="no-print">
                {move || may_propose().then(|| view! {
                    <button type="button" class="button" on:click=move |_| writing.set(true)>{tr(|t| t.new_proposal)}</button>
                })}
                " "
                <button type="button" class="button secondary" on:click=print>{tr(|t| t.print_list)}</button>
                " " <ExportButtons base="/api/exports/awards" />
            </div>
        </div>
        {move || writing.get().then(|| view! { <ProposalForm awards done=move || writing.set(false) /> })}
        <form class="filters no-print" role="search" aria-label=tr(|t| t.filters) on:submit=|e| e.prevent_default()>
            <div class="filter">
                <label for="aw-q">{tr(|t| t.recipient_search)}</label>
                <input id="aw-q" type="search" prop:value=move || q.get() on:input=move |e| q.set(event_target_value(&e)) />
            </div>
            <div class="filter">
                <label for="aw-year">{tr(|t| t.year)}</label>
                <select id="aw-year" on:change=move |e| year.set(event_target_value(&e))>
                    <option value="">{tr(|t| t.all)}</option>
                    {move || years().into_iter().map(|y| view! { <option value=y.to_string()>{y}</option> }).collect_view()}
                </select>
            </div>
            <div class="filter">
                <label for="aw-unit">{tr(|t| t.unit)}</label>
                <select id="aw-unit" on:change=move |e| unit.set(event_target_value(&e))>
                    <option value="">{tr(|t| t.all)}</option>
                    {move || replica.data.get().map(|(_, units)| units.into_iter().map(|u| view! {
                        <option value=u.id.clone()>{u.name.clone()}</option>
                    }).collect_view())}
                </select>
            </div>
            <div class="filter">
                <label for="aw-kind">{tr(|t| t.award_kind)}</label>
                <select id="aw-kind" on:change=move |e| kind.set(event_target_value(&e))>
                    <option value="">{tr(|t| t.all)}</option>
                    {AwardKind::ALL.into_iter().map(|k| view! {
                        <option value=k.as_str()>{move || kind_label(k, lang.get())}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="filter">
                <label for="aw-recipient">{tr(|t| t.recipient_type)}</label>
                <select id="aw-recipient" on:change=move |e| recipient.set(event_target_value(&e))>
                    <option value="">{tr(|t| t.all)}</option>
                    <option value="individual">{tr(|t| t.individual)}</option>
                    <option value="collective">{tr(|t| t.collective)}</option>
                </select>
            </div>
            <div class="filter">
                <label for="aw-stage">{tr(|t| t.award_stage)}</label>
                <select id="aw-stage" on:change=move |e| stage.set(event_target_value(&e))>
                    <option value="">{tr(|t| t.all)}</option>
                    <option value="open">{tr(|t| t.awards_open)}</option>
                    <option value="decided">{tr(|t| t.awards_decided)}</option>
                </select>
            </div>
        </form>
        {move || {
            let list = shown();
            let all: Vec<Award> = awards.get().unwrap_or_default().into_iter().map(|h| h.record).collect();
            let (models, units) = replica.data.get()?;
            let role = role()?;
            Some(if list.is_empty() {
                view! { <section class="card"><p class="muted">{tr(|t| t.no_awards)}</p></section> }.into_any()
            } else {
                view! {
                    <p class="muted" role="status">{list.len()} " " {tr(|t| t.awards_shown)}</p>
                    <ul class="plain-list award-cards">
                        {list.into_iter().map(|held| view! {
                            <li><AwardCard held all=all.clone() models=models.clone() units=units.clone() role form /></li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            })
        }}
    }
}

/// One proposal or award, with what this person may do with it.
#[component]
fn AwardCard(
    held: Held<Award>,
    all: Vec<Award>,
    models: Vec<ModelView>,
    units: Vec<UnitView>,
    role: Role,
    form: ActionForm,
) -> impl IntoView {
    let status = expect_context::<SyncStatus>();
    let lang = use_lang();
    let t = use_texts();
    let award = held.record.clone();
    let id = award.id.as_uuid();
    let base = held.version;
    let unit = unit_name(&units, &award.unit_id.to_string());
    let recipient = award.recipient(&unit);
    let ActionForm {
        comment,
        number,
        date,
        signer,
        level,
        reason,
        error,
        ..
    } = form;
    let acting = move || {
        form.open
            .get()
            .filter(|(open, _)| *open == id)
            .map(|(_, action)| action)
    };
    let found = repeat_lines(&repeats(&award, &all), &units);
    let repeats_something = !found.is_empty();
    let reviews = role.reviews();
    let mut actions: Vec<AwardAction> = AwardAction::ALL
        .into_iter()
        .filter(|a| a.apply(award.status, role).is_ok())
        .collect();
    // A registrar sends only what their own unit wrote; the Board acts on everything it sees.
    if !reviews {
        actions.retain(|a| *a == AwardAction::Submit);
    }
    let label = move |action: AwardAction| -> &'static str {
        let t = t();
        match action {
            AwardAction::Submit => t.send_proposal,
            AwardAction::Approve => t.approve_proposal,
            AwardAction::Return => t.return_proposal,
            AwardAction::Refuse => t.refuse_proposal,
            AwardAction::Decide => t.record_decision,
            AwardAction::Reopen => t.reopen_proposal,
        }
    };
    let send = move |action: AwardAction| {
        let mut params = Map::new();
        match action {
            AwardAction::Return | AwardAction::Refuse | AwardAction::Reopen => {
                let text = comment.get_untracked().trim().to_owned();
                if text.is_empty() {
                    error.set(Some(t().comment_needed.to_owned()));
                    return;
                }
                params.insert("comment".into(), Value::String(text));
            }
            AwardAction::Decide => {
                let Ok(day) = Date::parse_any(&date.get_untracked()) else {
                    error.set(Some(t().date_format.to_owned()));
                    return;
                };
                let (n, s, l) = (
                    number.get_untracked().trim().to_owned(),
                    signer.get_untracked().trim().to_owned(),
                    level.get_untracked().trim().to_owned(),
                );
                if n.is_empty() || s.is_empty() || l.is_empty() {
                    error.set(Some(t().decision_needed.to_owned()));
                    return;
                }
                let why = reason.get_untracked().trim().to_owned();
                if repeats_something && why.is_empty() {
                    error.set(Some(t().override_needed.to_owned()));
                    return;
                }
                params = json!({"number": n, "date": day, "signer": s, "level": l})
                    .as_object()
                    .cloned()
                    .unwrap_or_default();
                if !why.is_empty() {
                    params.insert("override_reason".into(), Value::String(why));
                }
            }
            AwardAction::Submit | AwardAction::Approve => {}
        }
        error.set(None);
        leptos::task::spawn_local(async move {
            save_change(
                status,
                Kind::AwardAct(action),
                id,
                Some(base.unwrap_or(0)),
                params,
            )
            .await;
            form.open.try_set(None);
        });
    };
    let model_links: Vec<(String, String)> = award
        .model_ids
        .iter()
        .map(|m| {
            let name = models
                .iter()
                .find(|v| v.id == m.as_uuid())
                .map(|v| v.name())
                .unwrap_or_else(|| m.to_string());
            (format!("/mo-hinh/{m}"), name)
        })
        .collect();
    let kind = award.kind;
    let status_now = award.status;
    let starting = award.clone();
    view! {
        <article class="card award" data-status=status_now.as_str() aria-labelledby=format!("aw-{id}")>
            <h3 id=format!("aw-{id}")>{recipient}</h3>
            <p>
                {move || kind_label(kind, lang.get())} " · " {award.year} " · " {unit.clone()}
                {award.birth_year.map(|y| format!(" · {} {y}", t().born))}
                {(!award.position.is_empty()).then(|| format!(" · {}", award.position))}
            </p>
            <p class="award-status">
                <strong>{move || status_label(status_now, lang.get())}</strong>
                {held.pending.then(|| view! { " · " <span class="muted">{tr(|t| t.waiting_to_send)}</span> })}
                {award.decision_number.clone().map(|n| view! {
                    " · " {tr(|t| t.decision)} " " {n}
                    {award.decision_date.map(|d| format!(" ({})", d.to_vietnamese()))}
                    {award.signer.clone().map(|s| format!(" — {s}"))}
                })}
            </p>
            {(!award.reason.is_empty()).then(|| view! { <p>{award.reason.clone()}</p> })}
            {(!model_links.is_empty()).then(|| view! {
                <p>{tr(|t| t.justifying_models)} ": "
                    {model_links.into_iter().map(|(href, name)| view! { <a href=href>{name}</a> " " }).collect_view()}
                </p>
            })}
            {(!award.attachments.is_empty()).then(|| view! {
                <p>{tr(|t| t.attachments_label)} ": "
                    {award.attachments.iter().enumerate().map(|(n, hash)| view! {
                        <a href=format!("/api/photos/{hash}") target="_blank" rel="noopener">{move || format!("{} {}", t().attachment, n + 1)}</a> " "
                    }).collect_view()}
                </p>
            })}
            {award.review_comment.clone().map(|c| view! { <p class="review-comment">{tr(|t| t.board_comment)} ": " {c}</p> })}
            {award.override_reason.clone().map(|r| view! { <p class="muted">{tr(|t| t.override_given)} ": " {r}</p> })}
            {(repeats_something && !status_now.locked()).then(|| view! {
                <div class="notice warning repeats" role="note">
                    <p><strong>{tr(|t| t.repeats_heading)}</strong></p>
                    <ul>{found.iter().map(|line| view! { <li>{line.clone()}</li> }).collect_view()}</ul>
                </div>
            })}
            {(!actions.is_empty()).then(|| view! {
                <div class="review-actions no-print">
                    {actions.iter().copied().map(|action| {
                        let starting = starting.clone();
                        view! {
                        <button
                            type="button"
                            class=if matches!(action, AwardAction::Refuse | AwardAction::Return | AwardAction::Reopen) { "button secondary" } else { "button" }
                            on:click=move |_| match action {
                                AwardAction::Submit | AwardAction::Approve => send(action),
                                _ => form.start(&starting, action),
                            }
                        >{move || label(action)}</button>
                    }}).collect_view()}
                </div>
            })}
            {move || acting().map(|action| {
                let decide = action == AwardAction::Decide;
                view! {
                    <form class="award-action no-print" on:submit=move |e| { e.prevent_default(); send(action); }>
                        {(!decide).then(|| view! {
                            <div class="field-row">
                                <label for=format!("aw-comment-{id}")>{tr(|t| t.reason_for_unit)}</label>
                                <textarea id=format!("aw-comment-{id}") rows="3" prop:value=move || comment.get() on:input=move |e| comment.set(event_target_value(&e))></textarea>
                            </div>
                        })}
                        {decide.then(|| view! {
                            <div class="grid-2">
                                <div class="field-row">
                                    <label for=format!("aw-number-{id}")>{tr(|t| t.decision_number)}</label>
                                    <input id=format!("aw-number-{id}") prop:value=move || number.get() on:input=move |e| number.set(event_target_value(&e)) />
                                </div>
                                <div class="field-row">
                                    <label for=format!("aw-date-{id}")>{tr(|t| t.decision_date)} " (dd/mm/yyyy)"</label>
                                    <input id=format!("aw-date-{id}") prop:value=move || date.get() on:input=move |e| date.set(event_target_value(&e)) />
                                </div>
                                <div class="field-row">
                                    <label for=format!("aw-signer-{id}")>{tr(|t| t.signer)}</label>
                                    <input id=format!("aw-signer-{id}") prop:value=move || signer.get() on:input=move |e| signer.set(event_target_value(&e)) />
                                </div>
                                <div class="field-row">
                                    <label for=format!("aw-level-{id}")>{tr(|t| t.decided_by)}</label>
                                    <input id=format!("aw-level-{id}") prop:value=move || level.get() on:input=move |e| level.set(event_target_value(&e)) />
                                </div>
                            </div>
                            {repeats_something.then(|| view! {
                                <div class="field-row">
                                    <label for=format!("aw-override-{id}")>{tr(|t| t.override_reason)}</label>
                                    <textarea id=format!("aw-override-{id}") rows="2" prop:value=move || reason.get() on:input=move |e| reason.set(event_target_value(&e))></textarea>
                                </div>
                            })}
                        })}
                        <p class="field-error" role="alert">{move || error.get()}</p>
                        <button type="submit" class="button">{move || label(action)}</button>
                        " "
                        <button type="button" class="button secondary" on:click=move |_| form.open.set(None)>{tr(|t| t.cancel)}</button>
                    </form>
                }
            })}
        </article>
    }
}

/// A new proposal: who, for which form and year, the models that justify it and why. The
/// earlier awards it would repeat are shown while it is written.
#[component]
fn ProposalForm(
    awards: Loaded<Vec<Held<Award>>>,
    done: impl Fn() + Copy + 'static,
) -> impl IntoView {
    let status = expect_context::<SyncStatus>();
    let session = expect_context::<Session>();
    let replica = use_replica();
    let lang = use_lang();
    let t = use_texts();
    let recipient = RwSignal::new(RecipientType::Individual);
    let kind = RwSignal::new(AwardKind::CommemorativeMedal);
    let year = RwSignal::new(today().year().to_string());
    let own_unit = session
        .user
        .get_untracked()
        .map(|u| u.unit_id.to_string())
        .unwrap_or_default();
    let unit = RwSignal::new(own_unit);
    let name = RwSignal::new(String::new());
    let birth_year = RwSignal::new(String::new());
    let position = RwSignal::new(String::new());
    let chosen: RwSignal<Vec<Uuid>> = RwSignal::new(Vec::new());
    let reason = RwSignal::new(String::new());
    let attachments: RwSignal<Vec<(String, String)>> = RwSignal::new(Vec::new());
    let attach_error = RwSignal::new(None::<String>);
    let errors = RwSignal::new(FieldErrors::default());
    let id = Uuid::now_v7();
    // Each scan is kept on the device and listed by its hash; the sync uploads it like a photo.
    let attach = move |e: leptos::ev::Event| {
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
                match crate::store::photos::keep_document(file).await {
                    Ok(kept) => attachments.update(|list| {
                        if !list.iter().any(|(h, _)| *h == kept.hash)
                            && list.len() < dvk_shared::award::ATTACHMENTS_MAX
                        {
                            list.push((kept.hash, name));
                        }
                    }),
                    Err(why) => {
                        let text = match why {
                            crate::store::photos::KeepError::NotAnImage => t().not_pdf_or_image,
                            crate::store::photos::KeepError::TooLarge => t().photo_too_large,
                            crate::store::photos::KeepError::Store => t().save_failed,
                        };
                        problems.push(format!("“{name}”: {text}"));
                    }
                }
            }
            attach_error.try_set((!problems.is_empty()).then(|| problems.join(" ")));
        });
    };

    let draft = move || -> Option<Award> {
        Some(Award {
            id: AwardId::from_uuid(id).ok()?,
            kind: kind.get(),
            title: kind.get().label_vi().to_owned(),
            level: kind.get().decided_by_vi().to_owned(),
            issuing_body: String::new(),
            year: year.get().trim().parse().unwrap_or(0),
            recipient_type: recipient.get(),
            unit_id: UnitId::parse(&unit.get()).ok()?,
            recipient_name: Some(name.get().trim().to_owned()).filter(|n| !n.is_empty()),
            birth_year: birth_year.get().trim().parse().ok(),
            position: position.get().trim().to_owned(),
            model_ids: chosen
                .get()
                .into_iter()
                .filter_map(|m| ModelId::from_uuid(m).ok())
                .collect(),
            reason: reason.get().trim().to_owned(),
            attachments: attachments
                .get()
                .into_iter()
                .map(|(hash, _)| hash)
                .collect(),
            status: AwardStatus::Draft,
            proposed_by: None,
            review_comment: None,
            decision_number: None,
            decision_date: None,
            signer: None,
            override_reason: None,
        })
    };
    let warnings = move || {
        let award = draft()?;
        let others: Vec<Award> = awards.get()?.into_iter().map(|h| h.record).collect();
        let (_, units) = replica.data.get()?;
        let lines = repeat_lines(&repeats(&award, &others), &units);
        (!lines.is_empty()).then_some(lines)
    };
    let save = move |submit: bool| {
        let Some(award) = draft() else { return };
        let checked = if submit {
            award.validate_for_submit()
        } else {
            award.validate()
        };
        if let Err(problems) = checked {
            errors.set(problems);
            return;
        }
        errors.set(FieldErrors::default());
        let Some(mut fields) = serde_json::to_value(&award)
            .ok()
            .and_then(|v| v.as_object().cloned())
        else {
            return;
        };
        // The server's own fields are never sent.
        for key in [
            "id",
            "status",
            "proposed_by",
            "review_comment",
            "decision_number",
            "decision_date",
            "signer",
            "override_reason",
        ] {
            fields.remove(key);
        }
        leptos::task::spawn_local(async move {
            if save_change(status, Kind::AwardCreate, id, None, fields).await && submit {
                save_change(
                    status,
                    Kind::AwardAct(AwardAction::Submit),
                    id,
                    Some(0),
                    Map::new(),
                )
                .await;
            }
            done();
        });
    };
    let problem =
        move |field: &'static str| move || problem_text(errors.get().get(field), lang.get());
    let offered = move || -> Vec<ModelView> {
        let unit = unit.get();
        let mut list: Vec<ModelView> = replica
            .models()
            .unwrap_or_default()
            .into_iter()
            .filter(|m| m.unit_id() == unit)
            .filter(|m| {
                !matches!(
                    m.status(),
                    None | Some(Status::Draft | Status::Submitted | Status::Returned)
                )
            })
            .collect();
        // The recognised ones first: they are what commendations usually rest on.
        list.sort_by_key(|m| !matches!(m.status(), Some(Status::Typical | Status::Replicated)));
        list
    };
    view! {
        <form class="card model-form proposal-form" on:submit=|e| e.prevent_default() aria-labelledby="proposal-title">
            <h3 id="proposal-title">{tr(|t| t.new_proposal)}</h3>
            <fieldset>
                <legend>{tr(|t| t.proposed_for)}</legend>
                <div class="grid-2">
                    <div class="field-row">
                        <label for="p-recipient">{tr(|t| t.recipient_type)}</label>
                        <select id="p-recipient" on:change=move |e| {
                            let r = RecipientType::parse(&event_target_value(&e)).unwrap_or(RecipientType::Individual);
                            recipient.set(r);
                            if !kind.get_untracked().allows(r) { kind.set(AwardKind::CertificateOfMerit); }
                        }>
                            <option value="individual">{tr(|t| t.individual)}</option>
                            <option value="collective">{tr(|t| t.collective)}</option>
                        </select>
                    </div>
                    <div class="field-row">
                        <label for="p-kind">{tr(|t| t.award_kind)}</label>
                        <select id="p-kind" prop:value=move || kind.get().as_str() on:change=move |e| {
                            if let Some(k) = AwardKind::parse(&event_target_value(&e)) { kind.set(k); }
                        }>
                            {move || AwardKind::ALL.into_iter().filter(|k| k.allows(recipient.get())).map(|k| view! {
                                <option value=k.as_str() selected=move || kind.get() == k>{kind_label(k, lang.get())}</option>
                            }).collect_view()}
                        </select>
                        <p class="field-hint">{tr(|t| t.decided_by)} ": " {move || match lang.get() { Lang::Vi => kind.get().decided_by_vi(), Lang::En => kind.get().decided_by_en() }}</p>
                        <p class="field-error">{problem("kind")}</p>
                    </div>
                    <div class="field-row">
                        <label for="p-year">{tr(|t| t.year)}</label>
                        <input id="p-year" inputmode="numeric" prop:value=move || year.get() on:input=move |e| year.set(event_target_value(&e)) />
                        <p class="field-error">{problem("year")}</p>
                    </div>
                    <div class="field-row">
                        <label for="p-unit">{tr(|t| t.unit)}</label>
                        <select id="p-unit" on:change=move |e| { unit.set(event_target_value(&e)); chosen.set(Vec::new()); }>
                            {move || replica.data.get().map(|(_, units)| units.into_iter().filter(|u| u.is_current()).map(|u| {
                                let selected = u.id == unit.get_untracked();
                                view! { <option value=u.id.clone() selected=selected>{u.name.clone()}</option> }
                            }).collect_view())}
                        </select>
                    </div>
                    <div class="field-row">
                        <label for="p-name">{move || if recipient.get() == RecipientType::Individual { t().person_name } else { t().body_name }}</label>
                        <input id="p-name" prop:value=move || name.get() on:input=move |e| name.set(event_target_value(&e)) />
                        <p class="field-error">{problem("recipient_name")}</p>
                    </div>
                    {move || (recipient.get() == RecipientType::Individual).then(|| view! {
                        <div class="field-row">
                            <label for="p-birth">{tr(|t| t.birth_year)}</label>
                            <input id="p-birth" inputmode="numeric" prop:value=move || birth_year.get() on:input=move |e| birth_year.set(event_target_value(&e)) />
                            <p class="field-error">{problem("birth_year")}</p>
                        </div>
                        <div class="field-row">
                            <label for="p-position">{tr(|t| t.position)}</label>
                            <input id="p-position" prop:value=move || position.get() on:input=move |e| position.set(event_target_value(&e)) />
                        </div>
                    })}
                </div>
            </fieldset>
            // Right under who is proposed: the person sees it while typing the name.
            {move || warnings().map(|lines| view! {
                <div class="notice warning repeats" role="alert">
                    <p><strong>{tr(|t| t.repeats_heading)}</strong></p>
                    <ul>{lines.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}</ul>
                </div>
            })}
            <fieldset>
                <legend>{tr(|t| t.justifying_models)}</legend>
                <p class="field-error">{problem("model_ids")}</p>
                <ul class="plain-list model-choices">
                    {move || offered().into_iter().take(60).map(|m| {
                        let model = m.id;
                        let label_id = format!("p-model-{model}");
                        view! {
                            <li>
                                <input type="checkbox" id=label_id.clone()
                                    prop:checked=move || chosen.get().contains(&model)
                                    on:change=move |e| {
                                        let on = event_target_checked(&e);
                                        chosen.update(|c| { c.retain(|x| *x != model); if on { c.push(model); } });
                                    } />
                                " " <label for=label_id>{m.name()}</label>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </fieldset>
            <div class="field-row">
                <label for="p-reason">{tr(|t| t.proposal_reason)}</label>
                <textarea id="p-reason" rows="4" prop:value=move || reason.get() on:input=move |e| reason.set(event_target_value(&e))></textarea>
                <p class="field-error">{problem("reason")}</p>
            </div>
            <div class="field-row">
                <label for="p-attach">{tr(|t| t.attachments_label)}</label>
                <input id="p-attach" type="file" accept="application/pdf,image/*" multiple on:change=attach />
                <ul class="plain-list">
                    {move || attachments.get().into_iter().map(|(hash, name)| {
                        let gone = hash.clone();
                        view! {
                            <li>
                                {name} " "
                                <button type="button" class="button secondary" on:click=move |_| attachments.update(|l| l.retain(|(h, _)| *h != gone))>
                                    {tr(|t| t.remove)}
                                </button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <p class="field-error" role="alert">{move || attach_error.get()}</p>
                <p class="field-error">{problem("attachments")}</p>
            </div>
            <div class="form-actions">
                <button type="button" class="button" on:click=move |_| save(true)>{tr(|t| t.send_proposal)}</button>
                " "
                <button type="button" class="button secondary" on:click=move |_| save(false)>{tr(|t| t.save_draft)}</button>
                " "
                <button type="button" class="button secondary" on:click=move |_| done()>{tr(|t| t.cancel)}</button>
            </div>
        </form>
    }
}
