//! `/api/accounts`: administrators create accounts, change their name, role and unit, give
//! their person a one-time code, deactivate and reactivate them; the Board reads the accounts of
//! its units (who last signed in, which tablets have not synced for days). Online only.
//!
//! A new account and a reset both hand out a one-time code, shown once: the person signs in
//! with it and must choose their own password before anything else (`auth::change_password`).
//! Only its Argon2 hash is stored, as the password, until it expires.

use axum::{
    Json, Router,
    extract::{Path, State},
    http::StatusCode,
    routing::{get, patch, post},
};
use dvk_shared::{
    account::{Account, AccountChange, NewAccount, ONE_TIME_CODE_DAYS, OneTimeCode, may_change},
    api::ErrorBody,
    date::Timestamp,
    ids::{UnitId, UserId},
    user::{Role, User},
    validation::{FieldErrors, Problem},
};

use crate::{
    AppState,
    access::Viewer,
    auth::{CurrentUser, hash_password, random_code},
    error::{ApiError, Forbidden},
    extract::ApiJson,
    now,
    store::{Actor, NewPassword, StoreError},
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/accounts", get(list).post(create))
        .route("/accounts/{id}", patch(change))
        .route("/accounts/{id}/one-time-code", post(one_time_code))
        .route("/accounts/{id}/deactivate", post(deactivate))
        .route("/accounts/{id}/reactivate", post(reactivate))
}

/// A one-time code: 12 characters (about 59 bits), as `XXXX-XXXX-XXXX` to read aloud.
fn new_code() -> String {
    let code = random_code(12);
    format!("{}-{}-{}", &code[..4], &code[4..8], &code[8..])
}

/// A fresh code for an account, hashed as its password until it expires.
fn code_for_now() -> Result<(String, NewPassword, Timestamp), ApiError> {
    let code = new_code();
    let expires_at = Timestamp(now().0 + ONE_TIME_CODE_DAYS * 24 * 3_600_000);
    let password = NewPassword {
        hash: hash_password(&code)?,
        code_expires_at: Some(expires_at),
    };
    Ok((code, password, expires_at))
}

fn admin_only(user: &User) -> Result<(), ApiError> {
    if user.role == Role::Admin {
        Ok(())
    } else {
        Err(ApiError::Forbidden(Forbidden::Role))
    }
}

/// The unit an account is placed in must exist and be current (not merged into another).
async fn check_unit(state: &AppState, unit: UnitId) -> Result<(), ApiError> {
    let units = state.store.units().await?;
    if !units.iter().any(|u| u.id == unit && u.is_current()) {
        let mut errors = FieldErrors::default();
        errors.add("unit_id", Problem::InvalidChoice);
        return Err(errors.into());
    }
    Ok(())
}

/// An id in the address that is not an account's answers like a missing account.
fn account_id(text: &str) -> Result<UserId, ApiError> {
    UserId::parse(text).map_err(|_| ApiError::NotFound)
}

async fn account_or_404(state: &AppState, id: UserId) -> Result<Account, ApiError> {
    state.store.account(id).await?.ok_or(ApiError::NotFound)
}

/// Every account the user may manage or watch: all for administrators, the accounts of the
/// Board's units for the Board; by display name.
#[utoipa::path(
    get,
    path = "/api/accounts",
    operation_id = "list_accounts",
    tag = "accounts",
    security(("dvk_session" = [])),
    responses(
        (status = 200, description = "The accounts, each with its last sign-in and its devices' last sync.", body = [Account]),
        (status = 401, description = "No valid session (`sign_in_required`).", body = ErrorBody),
        (status = 403, description = "Only administrators and the Board (`role_not_allowed`).", body = ErrorBody),
    )
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<Vec<Account>>, ApiError> {
    if !user.role.reviews() {
        return Err(ApiError::Forbidden(Forbidden::Role));
    }
    let viewer = Viewer::load(state.store.as_ref(), user).await?;
    let mut accounts = state.store.accounts().await?;
    accounts.retain(|a| viewer.user.role == Role::Admin || viewer.sees(a.user.unit_id));
    Ok(Json(accounts))
}

/// Creates an account; its person signs in with the one-time code answered here (shown once).
#[utoipa::path(
    post,
    path = "/api/accounts",
    operation_id = "create_account",
    tag = "accounts",
    security(("dvk_session" = [])),
    request_body = NewAccount,
    responses(
        (status = 201, description = "Created, with the one-time code to give its person.", body = OneTimeCode),
        (status = 403, description = "Only administrators (`role_not_allowed`).", body = ErrorBody),
        (status = 422, description = "A field breaks a rule, the username is taken (`taken`) or the unit is not a current one (`validation_failed`).", body = ErrorBody),
    )
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    CurrentUser(admin): CurrentUser,
    ApiJson(new): ApiJson<NewAccount>,
) -> Result<(StatusCode, Json<OneTimeCode>), ApiError> {
    admin_only(&admin)?;
    new.validate()?;
    check_unit(&state, new.unit_id).await?;
    let user = User {
        id: UserId::new(),
        username: new.username,
        display_name: new.display_name.trim().to_owned(),
        role: new.role,
        unit_id: new.unit_id,
    };
    let (code, password, expires_at) = code_for_now()?;
    match state
        .store
        .create_account(&user, &password, &Actor::user(&admin), now())
        .await
    {
        Err(StoreError::Conflict(_)) => {
            let mut errors = FieldErrors::default();
            errors.add("username", Problem::Taken);
            return Err(errors.into());
        }
        other => other?,
    }
    let account = account_or_404(&state, user.id).await?;
    Ok((
        StatusCode::CREATED,
        Json(OneTimeCode {
            account,
            code,
            expires_at,
        }),
    ))
}

/// Changes an account's display name, role or unit. Nobody changes their own role or unit;
/// the last active administrator keeps the role.
#[utoipa::path(
    patch,
    path = "/api/accounts/{id}",
    operation_id = "change_account",
    tag = "accounts",
    security(("dvk_session" = [])),
    params(("id" = String, Path, description = "The account's id")),
    request_body = AccountChange,
    responses(
        (status = 200, description = "The account as it is now.", body = Account),
        (status = 403, description = "Only administrators (`role_not_allowed`).", body = ErrorBody),
        (status = 404, description = "No such account (`not_found`).", body = ErrorBody),
        (status = 409, description = "It would leave no active administrator (`last_active_admin`).", body = ErrorBody),
        (status = 422, description = "A field breaks a rule, or one's own role or unit (`not_allowed`).", body = ErrorBody),
    )
)]
pub(crate) async fn change(
    State(state): State<AppState>,
    CurrentUser(admin): CurrentUser,
    Path(id): Path<String>,
    ApiJson(change): ApiJson<AccountChange>,
) -> Result<Json<Account>, ApiError> {
    admin_only(&admin)?;
    let id = account_id(&id)?;
    change.validate()?;
    may_change(&admin, id, &change)?;
    account_or_404(&state, id).await?;
    if let Some(unit) = change.unit_id {
        check_unit(&state, unit).await?;
    }
    state
        .store
        .update_account(id, &change, &Actor::user(&admin), now())
        .await?;
    Ok(Json(account_or_404(&state, id).await?))
}

/// Gives the account's person a new one-time code (a forgotten password): the old password stops
/// working and every session of the account ends.
#[utoipa::path(
    post,
    path = "/api/accounts/{id}/one-time-code",
    operation_id = "reset_password",
    tag = "accounts",
    security(("dvk_session" = [])),
    params(("id" = String, Path, description = "The account's id")),
    responses(
        (status = 200, description = "The code, shown once.", body = OneTimeCode),
        (status = 403, description = "Only administrators (`role_not_allowed`).", body = ErrorBody),
        (status = 404, description = "No such account (`not_found`).", body = ErrorBody),
    )
)]
pub(crate) async fn one_time_code(
    State(state): State<AppState>,
    CurrentUser(admin): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<OneTimeCode>, ApiError> {
    admin_only(&admin)?;
    let id = account_id(&id)?;
    account_or_404(&state, id).await?;
    let (code, password, expires_at) = code_for_now()?;
    state
        .store
        .set_password(id, &password, None, &Actor::user(&admin), now())
        .await?;
    Ok(Json(OneTimeCode {
        account: account_or_404(&state, id).await?,
        code,
        expires_at,
    }))
}

/// Deactivates an account: it cannot sign in and its sessions end at once. Its tablet keeps
/// what it has not sent, for another person to take over.
#[utoipa::path(
    post,
    path = "/api/accounts/{id}/deactivate",
    operation_id = "deactivate_account",
    tag = "accounts",
    security(("dvk_session" = [])),
    params(("id" = String, Path, description = "The account's id")),
    responses(
        (status = 200, description = "The account as it is now.", body = Account),
        (status = 403, description = "Only administrators (`role_not_allowed`).", body = ErrorBody),
        (status = 404, description = "No such account (`not_found`).", body = ErrorBody),
        (status = 409, description = "The last active administrator (`last_active_admin`).", body = ErrorBody),
    )
)]
pub(crate) async fn deactivate(
    state: State<AppState>,
    admin: CurrentUser,
    id: Path<String>,
) -> Result<Json<Account>, ApiError> {
    set_active(state, admin, id, false).await
}

/// Lets a deactivated account sign in again.
#[utoipa::path(
    post,
    path = "/api/accounts/{id}/reactivate",
    operation_id = "reactivate_account",
    tag = "accounts",
    security(("dvk_session" = [])),
    params(("id" = String, Path, description = "The account's id")),
    responses(
        (status = 200, description = "The account as it is now.", body = Account),
        (status = 403, description = "Only administrators (`role_not_allowed`).", body = ErrorBody),
        (status = 404, description = "No such account (`not_found`).", body = ErrorBody),
    )
)]
pub(crate) async fn reactivate(
    state: State<AppState>,
    admin: CurrentUser,
    id: Path<String>,
) -> Result<Json<Account>, ApiError> {
    set_active(state, admin, id, true).await
}

async fn set_active(
    State(state): State<AppState>,
    CurrentUser(admin): CurrentUser,
    Path(id): Path<String>,
    active: bool,
) -> Result<Json<Account>, ApiError> {
    admin_only(&admin)?;
    let id = account_id(&id)?;
    account_or_404(&state, id).await?;
    state
        .store
        .set_active(id, active, &Actor::user(&admin), now())
        .await?;
    Ok(Json(account_or_404(&state, id).await?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::CODE_ALPHABET;

    #[test]
    fn codes_are_three_groups_of_unambiguous_characters_and_differ() {
        let a = new_code();
        assert_eq!(a.len(), 14);
        assert_eq!(a.matches('-').count(), 2);
        assert!(
            a.bytes().all(|b| b == b'-' || CODE_ALPHABET.contains(&b)),
            "{a}"
        );
        assert_ne!(a, new_code());
    }
}
