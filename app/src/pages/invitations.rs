//! `/quan-tri/loi-moi`: the Board's invitations. It makes one for a unit it sees — how many days
//! it stays open, how many people it lets in, a note of where it is posted — and gets, once, the
//! link and its QR code to print (A4) and post at the commune office; it sees who joined through
//! each and revokes one at once. Online only.

use dvk_shared::{
    date::Timestamp,
    ids::UnitId,
    invitation::{Invitation, InvitationMade, InvitationState, NewInvitation},
    validation::{FieldErrors, Problem},
};
use leptos::prelude::*;

use crate::{
    format::time_and_date,
    i18n::{Lang, tr, use_lang, use_texts},
    pages::{
        data::{Loaded, UnitView, problem_text, unit_name, use_replica},
        sign_in::online_error_text,
    },
    sync::online,
};

fn state_label(state: InvitationState, lang: Lang) -> &'static str {
    let t = lang.texts();
    match state {
        InvitationState::Open => t.invitation_open,
        InvitationState::Expired => t.invitation_state_expired,
        InvitationState::UsedUp => t.invitation_state_used_up,
        InvitationState::Revoked => t.invitation_state_revoked,
    }
}

#[component]
pub fn Invitations() -> impl IntoView {
    let t = use_texts();
    let lang = use_lang();
    let replica = use_replica();
    let units = Memo::new(move |_| {
        replica
            .data
            .get()
            .map(|(_, units)| units)
            .unwrap_or_default()
    });
    let attempt = RwSignal::new(0u32);
    let list = Loaded::new(move || {
        attempt.get();
        online::invitations()
    });
    let made = RwSignal::new(None::<InvitationMade>);
    let note = RwSignal::new(None::<String>);
    let revoke = move |id| {
        leptos::task::spawn_local(async move {
            match online::revoke_invitation(id).await {
                Ok(_) => {
                    note.set(None);
                    attempt.update(|a| *a += 1);
                }
                Err(e) => note.set(Some(online_error_text(&e, lang.get_untracked()))),
            }
        });
    };
    view! {
        <section class="card no-print">
            <h2>{tr(|t| t.invitations_title)}</h2>
            <p>{tr(|t| t.invitations_intro)}</p>
        </section>
        {move || made.get().map(|m| view! { <Poster made=m units on_close=move || made.set(None) /> })}
        <NewInvitationForm units on_made=move |m| { made.set(Some(m)); attempt.update(|a| *a += 1); } />
        <section class="card no-print" aria-labelledby="invitation-list-title">
            <h3 id="invitation-list-title">{tr(|t| t.invitation_list_title)}</h3>
            <p role="status" class="error">{move || note.get()}</p>
            {move || match list.get() {
                None => view! { <p class="muted" role="status">{t().loading}</p> }.into_any(),
                Some(Err(e)) => view! { <p role="alert">{online_error_text(&e, lang.get())}</p> }.into_any(),
                Some(Ok(invitations)) if invitations.is_empty() => view! { <p class="muted">{t().no_invitations}</p> }.into_any(),
                Some(Ok(invitations)) => view! {
                    <ul class="plain-list account-list">
                        {invitations.into_iter().map(|i| view! { <InvitationRow invitation=i units revoke /> }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </section>
    }
}

#[component]
fn InvitationRow(
    invitation: Invitation,
    units: Memo<Vec<UnitView>>,
    revoke: impl Fn(dvk_shared::ids::InvitationId) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let t = use_texts();
    let lang = use_lang();
    let now = Timestamp(js_sys::Date::now() as i64);
    let state = invitation.state(now);
    let id = invitation.id;
    let unit = invitation.unit_id.to_string();
    let confirming = RwSignal::new(false);
    let joined = invitation.joined.clone();
    let uses = format!("{} / {}", invitation.joined.len(), invitation.max_uses);
    let until = time_and_date(invitation.expires_at.0);
    let note = invitation.note.clone();
    view! {
        <li class="account">
            <p class="account-name"><strong>{move || unit_name(&units.get(), &unit)}</strong>
                {(!note.is_empty()).then(|| view! { " · " <span class="muted">{note.clone()}</span> })}</p>
            <p class="badges">
                <span class="badge" class:status-approved=state == InvitationState::Open
                    class:status-returned=state != InvitationState::Open>{move || state_label(state, lang.get())}</span>
                <span>{tr(|t| t.invitation_uses)} ": " {uses}</span>
            </p>
            <p class="muted">{tr(|t| t.invitation_until)} ": " {until} " · " {tr(|t| t.invitation_by)} ": " {invitation.created_by.clone()}</p>
            {(!joined.is_empty()).then(|| view! {
                <p>{tr(|t| t.invitation_joined)} ": "
                    {joined.iter().map(|j| format!("{} ({})", j.display_name, j.username)).collect::<Vec<_>>().join(", ")}</p>
            })}
            {(state == InvitationState::Open).then(|| view! {
                <div class="row-actions">
                    <button type="button" class="button secondary" on:click=move |_| confirming.set(true)>{tr(|t| t.revoke_invitation)}</button>
                </div>
                {move || confirming.get().then(|| view! {
                    <div class="confirm" role="alert">
                        <p>{t().revoke_confirm}</p>
                        <button type="button" class="button" on:click=move |_| { confirming.set(false); revoke(id); }>{tr(|t| t.revoke_invitation)}</button>
                        <button type="button" class="button secondary" on:click=move |_| confirming.set(false)>{tr(|t| t.cancel)}</button>
                    </div>
                })}
            })}
        </li>
    }
}

/// The invitation just made, laid out to print and post: the unit, the QR code, the link and
/// until when it works. Shown once (the code is not kept by the server).
#[component]
fn Poster(
    made: InvitationMade,
    units: Memo<Vec<UnitView>>,
    on_close: impl Fn() + 'static,
) -> impl IntoView {
    let t = use_texts();
    let unit = made.invitation.unit_id.to_string();
    let until = time_and_date(made.invitation.expires_at.0);
    let print = move |_| {
        if let Some(window) = web_sys::window() {
            let _ = window.print();
        }
    };
    view! {
        <section class="card poster" aria-labelledby="poster-title">
            <h3 id="poster-title">{move || t().poster_title.replace("{unit}", &unit_name(&units.get(), &unit))}</h3>
            <p>{tr(|t| t.poster_intro)}</p>
            <div class="qr" role="img" aria-label=tr(|t| t.poster_qr_label) inner_html=made.qr_svg.clone()></div>
            <p class="poster-link">{made.link.clone()}</p>
            <p>{move || t().join_until.replace("{date}", &until)}</p>
            <p class="muted no-print">{tr(|t| t.poster_once)}</p>
            <div class="row-actions no-print">
                <button type="button" class="button" on:click=print>{tr(|t| t.print)}</button>
                <button type="button" class="button secondary" on:click=move |_| on_close()>{tr(|t| t.code_done)}</button>
            </div>
        </section>
    }
}

#[component]
fn NewInvitationForm(
    units: Memo<Vec<UnitView>>,
    on_made: impl Fn(InvitationMade) + Copy + 'static,
) -> impl IntoView {
    let t = use_texts();
    let lang = use_lang();
    let unit = RwSignal::new(String::new());
    let days = RwSignal::new("30".to_owned());
    let max_uses = RwSignal::new("50".to_owned());
    let note_text = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::default());
    let note = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        note.set(None);
        let number = |text: String| text.trim().parse::<u32>().unwrap_or(0);
        let (days, max_uses) = (
            number(days.get_untracked()),
            number(max_uses.get_untracked()),
        );
        let note_text = note_text.get_untracked();
        let mut found = NewInvitation::problems(days, max_uses, &note_text);
        let unit_id = UnitId::parse(&unit.get_untracked()).ok();
        if unit_id.is_none() {
            found.add("unit_id", Problem::Required);
        }
        let Some(unit_id) = unit_id.filter(|_| found.is_empty()) else {
            errors.set(found);
            return;
        };
        let new = NewInvitation {
            unit_id,
            days,
            max_uses,
            note: note_text,
        };
        errors.set(FieldErrors::default());
        busy.set(true);
        leptos::task::spawn_local(async move {
            match online::create_invitation(&new).await {
                Ok(made) => on_made(made),
                Err(online::OnlineError::Invalid(found)) => errors.set(found),
                Err(e) => note.set(Some(online_error_text(&e, lang.get_untracked()))),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="card no-print" aria-labelledby="new-invitation-title">
            <h3 id="new-invitation-title">{tr(|t| t.new_invitation)}</h3>
            <form on:submit=submit novalidate>
                <label for="inv-unit">{tr(|t| t.unit)}</label>
                <select id="inv-unit" prop:value=move || unit.get() on:change=move |e| unit.set(event_target_value(&e))
                    aria-describedby="inv-unit-problem">
                    <option value="">"—"</option>
                    {move || units.get().into_iter().filter(|u| u.is_current()).map(|u| {
                        let id = u.id.clone();
                        view! { <option value=u.id.clone() selected=move || unit.get() == id>{u.name}</option> }
                    }).collect_view()}
                </select>
                <p class="field-error" id="inv-unit-problem">{move || problem_text(errors.with(|e| e.get("unit_id")), lang.get())}</p>
                <div class="grid-2">
                    <div class="field">
                        <label for="inv-days">{tr(|t| t.invitation_days)}</label>
                        <input id="inv-days" type="number" inputmode="numeric" min="1" max="90" bind:value=days
                            aria-describedby="inv-days-problem" />
                        <p class="field-error" id="inv-days-problem">{move || problem_text(errors.with(|e| e.get("days")), lang.get())}</p>
                    </div>
                    <div class="field">
                        <label for="inv-uses">{tr(|t| t.invitation_max_uses)}</label>
                        <input id="inv-uses" type="number" inputmode="numeric" min="1" max="500" bind:value=max_uses
                            aria-describedby="inv-uses-problem" />
                        <p class="field-error" id="inv-uses-problem">{move || problem_text(errors.with(|e| e.get("max_uses")), lang.get())}</p>
                    </div>
                </div>
                <label for="inv-note">{tr(|t| t.invitation_note)}</label>
                <input id="inv-note" bind:value=note_text aria-describedby="inv-note-problem" />
                <p class="field-error" id="inv-note-problem">{move || problem_text(errors.with(|e| e.get("note")), lang.get())}</p>
                <p role="status" class="error">{move || note.get()}</p>
                <button type="submit" class="button" disabled=move || busy.get()>{move || t().make_invitation}</button>
            </form>
        </section>
    }
}
