//! `/dong-bo`: the "to resolve" list (SYNC.md, conflicts). Two sources: changes saved here
//! that the server did not take as they were (a rejection, a conflict, a soft conflict this
//! change won), and notices that someone else's later edit replaced this person's value. Each
//! column says whose value it shows and whether the server holds it; each button does on the
//! server what it says; fields are named as on the forms.

use dvk_shared::{
    model::Status,
    sync::{ConflictKind, Entity, FieldConflict, Kind, Mutation, Notice, PushStatus},
};
use leptos::prelude::*;
use serde_json::Map;

use crate::{
    format::{show_value, time_and_date},
    i18n::{Lang, Texts, tr, use_lang, use_texts},
    pages::data::{Held, Loaded, field_name, held, save_change, status_label},
    store::{LocalStore, Problem, shared_db},
    sync::SyncStatus,
};

#[component]
pub fn Problems() -> impl IntoView {
    let t = use_texts();
    let status = expect_context::<SyncStatus>();
    let list = Loaded::new(move || {
        status.data_version.get();
        async {
            let problems = match shared_db().await {
                Ok(db) => db.problems().await.unwrap_or_default(),
                Err(_) => Vec::new(),
            };
            (problems, held::<Notice>(Entity::Notice).await)
        }
    });
    view! {
        <section class="card">
            <h2>{tr(|t| t.problems_title)}</h2>
            {move || list.get().map(|(problems, notices)| {
                if problems.is_empty() && notices.is_empty() {
                    return view! { <p class="muted">{t().no_problems}</p> }.into_any();
                }
                view! {
                    <ul class="problem-list">
                        {notices.into_iter().map(|notice| view! { <NoticeItem notice /> }).collect_view()}
                        {problems.into_iter().map(|problem| view! { <ProblemItem problem /> }).collect_view()}
                    </ul>
                }.into_any()
            })}
        </section>
    }
}

/// `{name}` in a text, with the other person's name (or "someone else").
fn named(text: &str, name: &str, t: &Texts) -> String {
    let name = if name.trim().is_empty() {
        t.someone
    } else {
        name
    };
    text.replace("{name}", name)
}

/// The values side by side, each column headed by whose it is and where it stands.
#[component]
fn Compare(
    entity: Entity,
    fields: Vec<FieldConflict>,
    /// The headings of the other person's column and this person's.
    theirs: String,
    mine: String,
) -> impl IntoView {
    let t = use_texts();
    let lang = use_lang();
    view! {
        <table class="compare">
            <thead>
                <tr>
                    <th scope="col">{tr(|t| t.field_heading)}</th>
                    <th scope="col" class="theirs">{theirs}</th>
                    <th scope="col" class="mine">{mine}</th>
                </tr>
            </thead>
            <tbody>
                {fields.into_iter().map(|f| {
                    let field = f.field.clone();
                    let (theirs, mine) = (
                        shown(entity, &f.field, &f.theirs, lang.get_untracked()),
                        shown(entity, &f.field, &f.mine, lang.get_untracked()),
                    );
                    view! {
                        <tr>
                            <th scope="row">{move || field_name(entity, &field, t())}</th>
                            <td>{theirs}</td>
                            <td>{mine}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// A value as the form shows it: a status by its name, anything else as it reads.
fn shown(entity: Entity, field: &str, value: &serde_json::Value, lang: Lang) -> String {
    match (entity, field, value.as_str().and_then(Status::parse)) {
        (Entity::Model, "status", Some(status)) => status_label(status, lang).to_owned(),
        _ => show_value(value),
    }
}

/// Where a record opens, for "open".
fn record_href(entity: Entity, id: uuid::Uuid) -> Option<String> {
    (entity == Entity::Model).then(|| format!("/mo-hinh/{id}"))
}

/// The headings of the two columns (the other person's, this person's) and the two choices
/// (keep what the server holds, the other one), by what became of the change.
fn labels(
    kind: Option<ConflictKind>,
    by: &str,
    writable: bool,
    t: &Texts,
) -> (String, String, String, Option<String>) {
    match kind {
        // This change won: the server holds mine; theirs was replaced.
        Some(ConflictKind::Soft) => (
            named(t.theirs_replaced, by, t),
            t.yours_on_server.to_owned(),
            t.keep_mine.to_owned(),
            Some(named(t.use_theirs, by, t)),
        ),
        // Nothing was written: the server holds theirs.
        Some(ConflictKind::Hard) => (
            named(t.theirs_on_server, by, t),
            t.yours_not_written.to_owned(),
            named(t.keep_theirs, by, t),
            writable.then(|| t.write_mine.to_owned()),
        ),
        _ => (String::new(), String::new(), t.dismiss.to_owned(), None),
    }
}

#[component]
fn ProblemItem(problem: Problem) -> impl IntoView {
    let t = use_texts();
    let status = expect_context::<SyncStatus>();
    let seq = problem.push.seq;
    let mutation = problem.push.mutation.clone();
    let entity = mutation.kind.entity();
    let record = mutation.id.as_uuid();
    let name = mutation.fields.get("name").map(show_value);
    let error = problem.result.error.clone().map(|e| e.message);
    let conflict = problem.result.conflict.clone();
    let by = conflict.as_ref().map(|c| c.by.clone()).unwrap_or_default();
    let kind = match (problem.result.status, conflict.as_ref().map(|c| c.kind)) {
        (PushStatus::Rejected, _) => None,
        (_, kind) => kind,
    };
    let dismiss = move || {
        leptos::task::spawn_local(async move {
            if let Ok(db) = shared_db().await {
                let _ = db.dismiss_problem(seq).await;
            }
            status.saved();
        });
    };
    // The other choice, as a change to save (then this problem is dealt with).
    let other_choice: Option<Mutation> = match (&kind, &conflict) {
        // This change won: the other person's values again, on top of it.
        (Some(ConflictKind::Soft), Some(c)) => Kind::update_of(entity).map(|kind| Mutation {
            kind,
            id: mutation.id,
            base_version: Some(problem.result.version.unwrap_or(c.server_version)),
            fields: c
                .fields
                .iter()
                .map(|f| (f.field.clone(), f.theirs.clone()))
                .collect::<Map<_, _>>(),
        }),
        // Nothing was written: the same change again, made against what the server holds —
        // unless it is a move the record's status now forbids (approving a model returned
        // meanwhile): then there is nothing to write again, only to look.
        (Some(ConflictKind::Hard), Some(c)) => {
            let possible = match mutation.kind {
                Kind::ModelAct(action) => c.fields.iter().all(|f| {
                    f.field != "status"
                        || f.theirs
                            .as_str()
                            .and_then(Status::parse)
                            .is_some_and(|status| action.from().contains(&status))
                }),
                _ => true,
            };
            possible.then(|| Mutation {
                base_version: Some(c.server_version),
                ..mutation.clone()
            })
        }
        _ => None,
    };
    let writable = other_choice.is_some();
    let choose = move |_| {
        let Some(change) = other_choice.clone() else {
            return;
        };
        leptos::task::spawn_local(async move {
            if save_change(
                status,
                change.kind,
                change.id.as_uuid(),
                change.base_version,
                change.fields,
            )
            .await
                && let Ok(db) = shared_db().await
            {
                let _ = db.dismiss_problem(seq).await;
            }
            status.saved();
        });
    };
    let heading = {
        let by = by.clone();
        move || match kind {
            None => t().rejected.to_owned(),
            Some(ConflictKind::Soft) => named(t().conflict_soft, &by, t()),
            Some(ConflictKind::Hard) => named(t().conflict_hard, &by, t()),
            Some(ConflictKind::Deleted) => named(t().conflict_deleted, &by, t()),
        }
    };
    let labels = std::sync::Arc::new(move |t: &Texts| labels(kind, &by, writable, t));
    let (theirs_heading, mine_heading, keep, other) = {
        let (a, b, c, d) = (labels.clone(), labels.clone(), labels.clone(), labels);
        (
            move || a(t()).0,
            move || b(t()).1,
            move || c(t()).2,
            move || d(t()).3,
        )
    };
    let href = record_href(entity, record);
    view! {
        <li class="problem" data-seq=seq.to_string() data-kind=format!("{kind:?}")>
            <h3>{heading} {name.map(|n| format!(" — {n}"))}</h3>
            {error.map(|message| view! { <p class="error">{message}</p> })}
            {conflict.clone().map(|c| view! {
                <p class="muted">{t().changed_by} ": " {named("{name}", &c.by, t())} " · " {time_and_date(c.at.0)}</p>
                {(!c.fields.is_empty()).then(|| view! {
                    <Compare entity fields=c.fields.clone() theirs=theirs_heading() mine=mine_heading() />
                })}
            })}
            <div class="actions">
                <button type="button" class="button secondary keep" on:click=move |_| dismiss()>{keep}</button>
                {move || other().map(|label| view! {
                    <button type="button" class="button other" on:click=choose.clone()>{label}</button>
                })}
                {href.clone().map(|href| view! {
                    <a class="button secondary" href=href>{tr(|t| t.open_record)}</a>
                })}
            </div>
        </li>
    }
}

#[component]
fn NoticeItem(notice: Held<Notice>) -> impl IntoView {
    let t = use_texts();
    let status = expect_context::<SyncStatus>();
    let version = notice.version;
    let notice = notice.record;
    let entity = notice.entity;
    let by = notice.by.clone();
    let id = notice.id.as_uuid();
    let dismissal = move || (Kind::NoticeDismiss, id, Some(version.unwrap_or(0)));
    let keep = move |_| {
        let (kind, id, base) = dismissal();
        leptos::task::spawn_local(async move {
            save_change(status, kind, id, base, Map::new()).await;
        });
    };
    let mine_again = {
        let notice = notice.clone();
        move |_| {
            let notice = notice.clone();
            let (dismiss, id, base) = dismissal();
            leptos::task::spawn_local(async move {
                let Some(kind) = Kind::update_of(notice.entity) else {
                    return;
                };
                let fields: Map<_, _> = notice
                    .fields
                    .iter()
                    .map(|f| (f.field.clone(), f.mine.clone()))
                    .collect();
                if save_change(
                    status,
                    kind,
                    notice.record_id.as_uuid(),
                    Some(notice.server_version),
                    fields,
                )
                .await
                {
                    save_change(status, dismiss, id, base, Map::new()).await;
                }
            });
        }
    };
    let href = record_href(entity, notice.record_id.as_uuid());
    let title = {
        let by = by.clone();
        move || named(t().notice_title, &by, t())
    };
    let theirs_heading = {
        let by = by.clone();
        move || named(t().theirs_on_server, &by, t())
    };
    let keep_label = {
        let by = by.clone();
        move || named(t().keep_theirs, &by, t())
    };
    view! {
        <li class="problem notice" data-notice=id.to_string()>
            <h3>{title} {(!notice.record_name.is_empty()).then(|| format!(" — {}", notice.record_name))}</h3>
            <p class="muted">{t().changed_by} ": " {named("{name}", &by, t())} " · " {time_and_date(notice.at.0)}</p>
            <Compare entity fields=notice.fields.clone() theirs=theirs_heading() mine=t().yours_replaced.to_owned() />
            <div class="actions">
                <button type="button" class="button secondary keep" on:click=keep>{keep_label}</button>
                <button type="button" class="button other" on:click=mine_again>{tr(|t| t.write_mine_again)}</button>
                {href.map(|href| view! {
                    <a class="button secondary" href=href>{tr(|t| t.open_record)}</a>
                })}
            </div>
        </li>
    }
}
