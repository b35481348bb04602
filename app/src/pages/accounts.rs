//! `/quan-tri/tai-khoan`: the accounts. Administrators create them (the person's one-time code
//! is shown once, to be handed over), change their name, role and unit, give a new code to a
//! person who forgot their password, deactivate and reactivate them. The Board sees the accounts
//! of its units: when each person last signed in and which tablets have not synced for days.
//! Online only: accounts are not kept on devices.

use dvk_shared::{
    account::{Account, AccountChange, NewAccount, OneTimeCode},
    ids::{UnitId, UserId},
    text::matches,
    user::Role,
    validation::{FieldErrors, Problem},
};
use leptos::prelude::*;

use crate::components::export::ExportButtons;
use crate::{
    format::time_and_date,
    i18n::{Lang, Texts, tr, use_lang, use_texts},
    pages::{
        data::{Loaded, UnitView, problem_text, unit_name, use_replica},
        sign_in::online_error_text,
    },
    session::Session,
    sync::online,
};

/// A tablet that has not synced for this many days is pointed out.
const STALE_DAYS: i64 = 3;
const DAY_MS: i64 = 24 * 3_600_000;

fn role_label(role: Role, lang: Lang) -> &'static str {
    match lang {
        Lang::Vi => role.label_vi(),
        Lang::En => role.label_en(),
    }
}

fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// "3 days ago", or the time for today.
fn when(ms: Option<i64>, t: &Texts) -> String {
    match ms {
        None => t.never.to_owned(),
        Some(ms) => {
            let days = (now_ms() - ms) / DAY_MS;
            if days >= 1 {
                format!(
                    "{} ({})",
                    t.days_ago.replace("{n}", &days.to_string()),
                    time_and_date(ms)
                )
            } else {
                time_and_date(ms)
            }
        }
    }
}

#[component]
pub fn Accounts() -> impl IntoView {
    let t = use_texts();
    let lang = use_lang();
    let session = expect_context::<Session>();
    let is_admin = move || session.user.get().is_some_and(|u| u.role == Role::Admin);
    let replica = use_replica();
    let units = Memo::new(move |_| {
        replica
            .data
            .get()
            .map(|(_, units)| units)
            .unwrap_or_default()
    });
    let attempt = RwSignal::new(0u32);
    let accounts = Loaded::new(move || {
        attempt.get();
        online::accounts()
    });
    let reload = move || attempt.update(|a| *a += 1);
    provide_context(AccountsReload(attempt));
    let filter = RwSignal::new(String::new());
    // The code just handed out: shown once, until the administrator closes it.
    let code = RwSignal::new(None::<OneTimeCode>);
    let action_note = RwSignal::new(None::<String>);

    let act = Actions {
        code,
        note: action_note,
        attempt,
        lang,
    };

    view! {
        <section class="card">
            <h2>{tr(|t| t.accounts_title)}</h2>
            <p>{move || if is_admin() { t().accounts_intro_admin } else { t().accounts_intro_board }}</p>
            <p class="row-actions">
                <a href="/quan-tri/loi-moi">{tr(|t| t.nav_invitations)}</a>
                <a href="/quan-tri/don-vi">{tr(|t| t.nav_units)}</a>
            </p>
            <p><ExportButtons base="/api/exports/accounts" /></p>
        </section>
        {move || code.get().map(|handed| view! { <CodeCard handed on_close=move || code.set(None) /> })}
        {move || is_admin().then(|| view! { <NewAccountForm units on_created=move |handed| { code.set(Some(handed)); reload(); } /> })}
        <section class="card" aria-labelledby="account-list-title">
            <h3 id="account-list-title">{tr(|t| t.account_list_title)}</h3>
            <div class="field">
                <label for="account-filter">{tr(|t| t.account_filter)}</label>
                <input id="account-filter" type="search" bind:value=filter />
            </div>
            <p role="status" class="error">{move || action_note.get()}</p>
            {move || match accounts.get() {
                None => view! { <p class="muted" role="status">{t().loading}</p> }.into_any(),
                Some(Err(e)) => view! {
                    <div role="alert">
                        <p>{online_error_text(&e, lang.get())}</p>
                        <button type="button" class="button" on:click=move |_| reload()>{t().retry}</button>
                    </div>
                }.into_any(),
                Some(Ok(list)) => {
                    let needle = filter.get();
                    let shown: Vec<Account> = list
                        .into_iter()
                        .filter(|a| needle.trim().is_empty()
                            || matches(&format!("{} {}", a.user.display_name, a.user.username), needle.trim()))
                        .collect();
                    view! {
                        <ul class="plain-list account-list">
                            {shown.into_iter().map(|account| view! {
                                <AccountRow account units admin=is_admin() act />
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }
            }}
        </section>
    }
}

#[component]
fn AccountRow(
    account: Account,
    units: Memo<Vec<UnitView>>,
    admin: bool,
    act: Actions,
) -> impl IntoView {
    let t = use_texts();
    let lang = use_lang();
    let session = expect_context::<Session>();
    let id = account.user.id;
    let mine = session.user.get_untracked().is_some_and(|u| u.id == id);
    let editing = RwSignal::new(false);
    let confirming = RwSignal::new(false);
    let last_sync = account.last_sync_at().map(|t| t.0);
    let stale = account
        .devices
        .iter()
        .filter(|d| now_ms() - d.last_sync_at.0 > STALE_DAYS * DAY_MS)
        .count();
    let active = account.active;
    let account = StoredValue::new(account);
    let unit = move || account.with_value(|a| unit_name(&units.get(), &a.user.unit_id.to_string()));
    view! {
        <li class="account" class:inactive=!active>
            <p class="account-name">
                <strong>{account.with_value(|a| a.user.display_name.clone())}</strong>
                " · " <span class="muted">{account.with_value(|a| a.user.username.clone())}</span>
            </p>
            <p>
                {move || role_label(account.with_value(|a| a.user.role), lang.get())} " · " {unit}
            </p>
            <p class="badges">
                {move || if !active {
                    view! { <span class="badge status-returned">{t().account_inactive}</span> }.into_any()
                } else if account.with_value(|a| a.must_change_password) {
                    view! { <span class="badge">{t().account_waiting_password}</span> }.into_any()
                } else {
                    view! { <span class="badge status-approved">{t().account_active}</span> }.into_any()
                }}
                {(stale > 0).then(|| view! {
                    <span class="badge status-returned">{move || t().devices_not_synced.replace("{n}", &stale.to_string()).replace("{days}", &STALE_DAYS.to_string())}</span>
                })}
            </p>
            <p class="muted">
                {tr(|t| t.last_sign_in)} ": " {move || when(account.with_value(|a| a.last_sign_in_at.map(|t| t.0)), t())}
                " · " {tr(|t| t.last_sync)} ": " {move || when(last_sync, t())}
            </p>
            {admin.then(|| view! {
                <div class="row-actions">
                    <button type="button" class="button secondary" on:click=move |_| editing.update(|e| *e = !*e)
                        aria-expanded=move || editing.get().to_string()>{tr(|t| t.edit_account)}</button>
                    <button type="button" class="button secondary"
                        on:click=move |_| act.run(async move { online::one_time_code(id).await.map(Some) })>
                        {tr(|t| t.give_code)}</button>
                    {(!mine).then(|| if active {
                        view! {
                            <button type="button" class="button secondary" on:click=move |_| confirming.set(true)>{tr(|t| t.deactivate)}</button>
                        }.into_any()
                    } else {
                        view! {
                            <button type="button" class="button secondary"
                                on:click=move |_| act.run(async move { online::set_active(id, true).await.map(|_| None) })>
                                {tr(|t| t.reactivate)}</button>
                        }.into_any()
                    })}
                </div>
                {move || confirming.get().then(|| view! {
                    <div class="confirm" role="alert">
                        <p>{move || t().deactivate_confirm.replace("{name}", &account.with_value(|a| a.user.display_name.clone()))}</p>
                        <button type="button" class="button"
                            on:click=move |_| { confirming.set(false); act.run(async move { online::set_active(id, false).await.map(|_| None) }) }>
                            {tr(|t| t.deactivate)}</button>
                        <button type="button" class="button secondary" on:click=move |_| confirming.set(false)>{tr(|t| t.cancel)}</button>
                    </div>
                })}
                {move || editing.get().then(|| view! {
                    <EditAccount account=account.get_value() units mine on_done=move || editing.set(false) />
                })}
            })}
        </li>
    }
}

/// The one-time code just made, with what to tell the person; shown once.
#[component]
fn CodeCard(handed: OneTimeCode, on_close: impl Fn() + 'static) -> impl IntoView {
    let t = use_texts();
    let name = handed.account.user.display_name.clone();
    let username = handed.account.user.username.clone();
    let until = time_and_date(handed.expires_at.0);
    view! {
        <section class="card code-card" role="status" aria-labelledby="code-title">
            <h3 id="code-title">{move || t().code_title.replace("{name}", &name)}</h3>
            <p>{tr(|t| t.code_username)} ": " <strong>{username}</strong></p>
            <p class="one-time-code">{handed.code}</p>
            <p>{move || t().code_explained.replace("{date}", &until)}</p>
            <button type="button" class="button" on:click=move |_| on_close()>{tr(|t| t.code_done)}</button>
        </section>
    }
}

/// The role and unit choices of an account form.
#[component]
fn RoleAndUnit(
    role: RwSignal<String>,
    unit: RwSignal<String>,
    units: Memo<Vec<UnitView>>,
    #[prop(into)] prefix: String,
    errors: RwSignal<FieldErrors>,
) -> impl IntoView {
    let lang = use_lang();
    let role_id = format!("{prefix}-role");
    let unit_id = format!("{prefix}-unit");
    let unit_problem = format!("{prefix}-unit-problem");
    view! {
        <label for=role_id.clone()>{tr(|t| t.role)}</label>
        <select id=role_id prop:value=move || role.get() on:change=move |e| role.set(event_target_value(&e))>
            {Role::ALL.into_iter().map(|r| view! {
                <option value=r.as_str() selected=move || role.get() == r.as_str()>{move || role_label(r, lang.get())}</option>
            }).collect_view()}
        </select>
        <label for=unit_id.clone()>{tr(|t| t.unit)}</label>
        <select id=unit_id prop:value=move || unit.get() on:change=move |e| unit.set(event_target_value(&e))
            aria-describedby=unit_problem.clone()>
            <option value="">"—"</option>
            {move || units.get().into_iter().filter(|u| u.is_current()).map(|u| {
                let id = u.id.clone();
                view! { <option value=u.id.clone() selected=move || unit.get() == id>{u.name}</option> }
            }).collect_view()}
        </select>
        <p class="field-error" id=unit_problem>{move || problem_text(errors.with(|e| e.get("unit_id")), lang.get())}</p>
    }
}

#[component]
fn NewAccountForm(
    units: Memo<Vec<UnitView>>,
    on_created: impl Fn(OneTimeCode) + Copy + 'static,
) -> impl IntoView {
    let t = use_texts();
    let lang = use_lang();
    let username = RwSignal::new(String::new());
    let display_name = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Registrar.as_str().to_owned());
    let unit = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::default());
    let note = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let problem =
        move |field: &'static str| move || problem_text(errors.with(|e| e.get(field)), lang.get());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        note.set(None);
        let name = username.get_untracked().trim().to_owned();
        let mut found = NewAccount::problems(&name, &display_name.get_untracked());
        let unit_id = UnitId::parse(&unit.get_untracked()).ok();
        if unit_id.is_none() {
            found.add("unit_id", Problem::Required);
        }
        let Some(unit_id) = unit_id.filter(|_| found.is_empty()) else {
            errors.set(found);
            return;
        };
        let new = NewAccount {
            username: name,
            display_name: display_name.get_untracked(),
            role: Role::parse(&role.get_untracked()).unwrap_or(Role::Registrar),
            unit_id,
        };
        errors.set(FieldErrors::default());
        busy.set(true);
        leptos::task::spawn_local(async move {
            match online::create_account(&new).await {
                Ok(handed) => {
                    username.set(String::new());
                    display_name.set(String::new());
                    on_created(handed);
                }
                Err(online::OnlineError::Invalid(found)) => errors.set(found),
                Err(e) => note.set(Some(online_error_text(&e, lang.get_untracked()))),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="card" aria-labelledby="new-account-title">
            <h3 id="new-account-title">{tr(|t| t.new_account)}</h3>
            <form on:submit=submit novalidate>
                <label for="new-username">{tr(|t| t.username)}</label>
                <p class="hint" id="new-username-rules">{tr(|t| t.username_rules)}</p>
                <input id="new-username" autocomplete="off" autocapitalize="none" bind:value=username
                    aria-describedby="new-username-rules new-username-problem"
                    aria-invalid=move || errors.with(|e| e.get("username").is_some()).to_string() />
                <p class="field-error" id="new-username-problem">{problem("username")}</p>
                <label for="new-display-name">{tr(|t| t.display_name)}</label>
                <input id="new-display-name" autocomplete="off" bind:value=display_name
                    aria-describedby="new-display-name-problem"
                    aria-invalid=move || errors.with(|e| e.get("display_name").is_some()).to_string() />
                <p class="field-error" id="new-display-name-problem">{problem("display_name")}</p>
                <RoleAndUnit role unit units prefix="new" errors />
                <p role="status" class="error">{move || note.get()}</p>
                <button type="submit" class="button" disabled=move || busy.get()>{move || t().create_account}</button>
            </form>
        </section>
    }
}

#[component]
fn EditAccount(
    account: Account,
    units: Memo<Vec<UnitView>>,
    mine: bool,
    on_done: impl Fn() + Copy + 'static,
) -> impl IntoView {
    let lang = use_lang();
    let reload = expect_context::<AccountsReload>();
    let id: UserId = account.user.id;
    let prefix = format!("edit-{id}");
    let display_name = RwSignal::new(account.user.display_name.clone());
    let role = RwSignal::new(account.user.role.as_str().to_owned());
    let unit = RwSignal::new(account.user.unit_id.to_string());
    let errors = RwSignal::new(FieldErrors::default());
    let note = RwSignal::new(None::<String>);
    let name_id = format!("{prefix}-name");
    let name_problem = format!("{prefix}-name-problem");
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let change = AccountChange {
            display_name: Some(display_name.get_untracked()),
            role: Role::parse(&role.get_untracked()),
            unit_id: UnitId::parse(&unit.get_untracked()).ok(),
        };
        if let Err(found) = change.validate() {
            errors.set(found);
            return;
        }
        leptos::task::spawn_local(async move {
            match online::change_account(id, &change).await {
                Ok(_) => {
                    on_done();
                    reload.0.update(|a| *a += 1);
                }
                Err(online::OnlineError::Invalid(found)) => errors.set(found),
                Err(e) => note.set(Some(online_error_text(&e, lang.get_untracked()))),
            }
        });
    };
    view! {
        <form class="account-edit" on:submit=submit novalidate>
            <label for=name_id.clone()>{tr(|t| t.display_name)}</label>
            <input id=name_id bind:value=display_name aria-describedby=name_problem.clone() />
            <p class="field-error" id=name_problem>{move || problem_text(errors.with(|e| e.get("display_name")), lang.get())}</p>
            {if mine {
                view! { <p class="hint">{tr(|t| t.own_role_fixed)}</p> }.into_any()
            } else {
                view! { <RoleAndUnit role unit units prefix=prefix.clone() errors /> }.into_any()
            }}
            <p role="status" class="error">{move || note.get()}</p>
            <button type="submit" class="button">{tr(|t| t.save)}</button>
            <button type="button" class="button secondary" on:click=move |_| on_done()>{tr(|t| t.cancel)}</button>
        </form>
    }
}

/// What an action on an account does once the server answered: show the code it handed out,
/// or what went wrong, and read the list again.
#[derive(Clone, Copy)]
struct Actions {
    code: RwSignal<Option<OneTimeCode>>,
    note: RwSignal<Option<String>>,
    attempt: RwSignal<u32>,
    lang: RwSignal<Lang>,
}

impl Actions {
    fn run(
        self,
        work: impl std::future::Future<Output = Result<Option<OneTimeCode>, online::OnlineError>>
        + 'static,
    ) {
        leptos::task::spawn_local(async move {
            match work.await {
                Ok(handed) => {
                    self.note.set(None);
                    if handed.is_some() {
                        self.code.set(handed);
                    }
                    self.attempt.update(|a| *a += 1);
                }
                Err(e) => self
                    .note
                    .set(Some(online_error_text(&e, self.lang.get_untracked()))),
            }
        });
    }
}

/// The list's reload counter, for the forms inside it.
#[derive(Clone, Copy)]
struct AccountsReload(RwSignal<u32>);
