//! `/dong-bo`: the "to resolve" list. Each saved change the server did not take as it was is
//! shown with the server's value beside the person's, who changed it and when, and a choice:
//! keep theirs, or use mine (saved again as a new change against the current version).

use dvk_shared::sync::{ConflictKind, Mutation, PushStatus};
use leptos::prelude::*;

use crate::{
    format::time_and_date,
    i18n::{tr, use_texts},
    pages::{data::Loaded, models::show_value},
    store::{LocalStore, Problem, shared_db},
    sync::SyncStatus,
};

#[component]
pub fn Problems() -> impl IntoView {
    let t = use_texts();
    let status = expect_context::<SyncStatus>();
    let problems = Loaded::new(move || {
        status.data_version.get();
        async {
            match shared_db().await {
                Ok(db) => db.problems().await.unwrap_or_default(),
                Err(_) => Vec::new(),
            }
        }
    });
    view! {
        <section class="card">
            <h2>{tr(|t| t.problems_title)}</h2>
            {move || problems.get().map(|list| {
                if list.is_empty() {
                    return view! { <p class="muted">{t().no_problems}</p> }.into_any();
                }
                view! {
                    <ul class="problem-list">
                        {list.into_iter().map(|problem| view! { <ProblemItem problem /> }).collect_view()}
                    </ul>
                }.into_any()
            })}
        </section>
    }
}

#[component]
fn ProblemItem(problem: Problem) -> impl IntoView {
    let t = use_texts();
    let status = expect_context::<SyncStatus>();
    let seq = problem.push.seq;
    let heading = match problem.result.status {
        PushStatus::Rejected => t().rejected,
        _ => t().conflict,
    };
    let error = problem.result.error.clone().map(|e| e.message);
    let conflict = problem.result.conflict.clone();
    let name = problem.push.mutation.fields.get("name").map(show_value);
    let dismiss = move |_| {
        leptos::task::spawn_local(async move {
            if let Ok(db) = shared_db().await {
                let _ = db.dismiss_problem(seq).await;
            }
            status.saved();
        });
    };
    // "Use mine": the same fields again, now against the version the server has.
    let mine_again = conflict
        .as_ref()
        .filter(|c| c.kind != ConflictKind::Deleted && !c.fields.is_empty())
        .map(|c| Mutation {
            kind: "model.update".into(),
            id: problem.push.mutation.id,
            base_version: Some(c.server_version),
            // Inserted rather than collected: collecting into a map sorts, with its own code.
            fields: {
                let mut fields = serde_json::Map::new();
                for f in &c.fields {
                    fields.insert(f.field.clone(), f.mine.clone());
                }
                fields
            },
        });
    let use_mine = move |_| {
        let Some(mutation) = mine_again.clone() else {
            return;
        };
        leptos::task::spawn_local(async move {
            if let Ok(db) = shared_db().await
                && db.enqueue(mutation).await.is_ok()
            {
                let _ = db.dismiss_problem(seq).await;
            }
            status.saved();
        });
    };
    // "Edit": open the model to change it by hand; this problem is then dealt with.
    let edit_href = format!("/mo-hinh/{}", problem.push.mutation.id);
    let edit = move |_| {
        leptos::task::spawn_local(async move {
            if let Ok(db) = shared_db().await {
                let _ = db.dismiss_problem(seq).await;
            }
            status.saved();
        });
    };
    let can_use_mine = conflict
        .as_ref()
        .is_some_and(|c| c.kind != ConflictKind::Deleted && !c.fields.is_empty());
    view! {
        <li class="problem" data-seq=seq.to_string()>
            <h3>{heading} {name.map(|n| format!(" — {n}"))}</h3>
            {error.map(|message| view! { <p class="error">{message}</p> })}
            {conflict.map(|c| view! {
                <p class="muted">{t().changed_by} ": " {c.by.clone()} " · " {time_and_date(c.at.0)}</p>
                <table class="compare">
                    <thead><tr><th scope="col"></th><th scope="col">{t().theirs}</th><th scope="col">{t().mine}</th></tr></thead>
                    <tbody>
                        {c.fields.iter().map(|f| view! {
                            <tr><th scope="row">{f.field.clone()}</th><td>{show_value(&f.theirs)}</td><td>{show_value(&f.mine)}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
            <div class="actions">
                <button type="button" class="button secondary" on:click=dismiss>
                    {if can_use_mine { t().keep_theirs } else { t().dismiss }}
                </button>
                {can_use_mine.then(|| view! {
                    <button type="button" class="button" on:click=use_mine>{t().use_mine}</button>
                })}
                <a class="button secondary" href=edit_href on:click=edit>{t().edit}</a>
            </div>
        </li>
    }
}
