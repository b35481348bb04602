//! What only the server knows and a screen asks for while online: the overview's figures, a
//! model's history, the accounts; and what only works online: running accounts, one's own
//! password and sessions. Nothing here is kept, so an answer is always the latest.

use dvk_shared::{
    account::{
        Account, AccountChange, NewAccount, OneTimeCode, PasswordChange, SessionsEnded, SignedIn,
    },
    api::{AwardItem, ErrorBody, ModelDetail, Stats},
    ids::{InvitationId, UnitId, UserId},
    invitation::{
        Invitation, InvitationInfo, InvitationLookup, InvitationMade, JoinRequest, NewInvitation,
    },
    unit::{NewUnit, Unit, UnitClose, UnitMerge, UnitRename},
    validation::FieldErrors,
};
use gloo_net::http::{Method, RequestBuilder};
use serde::de::DeserializeOwned;

use super::{answer_body, read, refusal};

/// Why an online read gave nothing; the screen says so and offers to try again.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OnlineError {
    #[error("no network")]
    Unreachable,
    #[error("sign in again")]
    SignInRequired,
    #[error("{0}")]
    Refused(String),
    /// Fields the server found wrong, each with its problem, to show next to the field.
    #[error("{0}")]
    Invalid(FieldErrors),
}

/// `GET path` as `T`: the request is not generic, only the reading of its answer.
async fn get<T: DeserializeOwned>(path: &str) -> Result<T, OnlineError> {
    read(Some(get_value(path).await?)).ok_or(OnlineError::Unreachable)
}

async fn get_value(path: &str) -> Result<serde_json::Value, OnlineError> {
    let response = gloo_net::http::Request::get(path)
        .send()
        .await
        .map_err(|_| OnlineError::Unreachable)?;
    match response.status() {
        200 => answer_body(&response).await.ok_or(OnlineError::Unreachable),
        401 => Err(OnlineError::SignInRequired),
        status if status >= 500 => Err(OnlineError::Unreachable),
        _ => Err(OnlineError::Refused(refusal(answer_body(&response).await))),
    }
}

/// `GET /api/stats`: the leadership overview.
pub async fn stats() -> Result<Stats, OnlineError> {
    get("/api/stats").await
}

/// `GET /api/models/{id}`: a model with its history (for the roles that review).
pub async fn model_detail(id: uuid::Uuid) -> Result<ModelDetail, OnlineError> {
    get(&format!("/api/models/{id}")).await
}

/// `GET /api/awards`: the decided awards of the user's units, newest year first.
pub async fn awards() -> Result<Vec<AwardItem>, OnlineError> {
    get("/api/awards").await
}

/// `GET /api/surveyors`: the field staff the Board may assign (Board and admin only).
pub async fn surveyors() -> Result<Vec<dvk_shared::user::User>, OnlineError> {
    get("/api/surveyors").await
}

/// `method path` with a JSON `body`, for the changes only made online. Not generic: one copy
/// sends every request and reads its answer.
async fn send(
    method: Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> Result<serde_json::Value, OnlineError> {
    let builder = RequestBuilder::new(path).method(method);
    let request = match body {
        Some(body) => builder.json(&body),
        None => builder.build(),
    }
    .map_err(|e| OnlineError::Refused(e.to_string()))?;
    let response = request.send().await.map_err(|_| OnlineError::Unreachable)?;
    let body = answer_body(&response).await;
    match response.status() {
        200 | 201 => body.ok_or(OnlineError::Unreachable),
        401 => Err(OnlineError::SignInRequired),
        status if status >= 500 => Err(OnlineError::Unreachable),
        _ => match read::<ErrorBody>(body) {
            Some(ErrorBody {
                fields: Some(fields),
                ..
            }) => Err(OnlineError::Invalid(fields)),
            Some(error) => Err(OnlineError::Refused(error.message)),
            None => Err(OnlineError::Unreachable),
        },
    }
}

async fn send_as<T: DeserializeOwned>(
    method: Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> Result<T, OnlineError> {
    read(Some(send(method, path, body).await?)).ok_or(OnlineError::Unreachable)
}

fn json_of(value: &impl serde::Serialize) -> Option<serde_json::Value> {
    serde_json::to_value(value).ok()
}

/// `GET /api/accounts`: every account the user may manage or watch.
pub async fn accounts() -> Result<Vec<Account>, OnlineError> {
    get("/api/accounts").await
}

pub async fn create_account(new: &NewAccount) -> Result<OneTimeCode, OnlineError> {
    send_as(Method::POST, "/api/accounts", json_of(new)).await
}

pub async fn change_account(id: UserId, change: &AccountChange) -> Result<Account, OnlineError> {
    send_as(
        Method::PATCH,
        &format!("/api/accounts/{id}"),
        json_of(change),
    )
    .await
}

/// A new one-time code for the account's person (a forgotten password).
pub async fn one_time_code(id: UserId) -> Result<OneTimeCode, OnlineError> {
    send_as(
        Method::POST,
        &format!("/api/accounts/{id}/one-time-code"),
        None,
    )
    .await
}

pub async fn set_active(id: UserId, active: bool) -> Result<Account, OnlineError> {
    let verb = if active { "reactivate" } else { "deactivate" };
    send_as(Method::POST, &format!("/api/accounts/{id}/{verb}"), None).await
}

/// One's own password; after a one-time code, `current_password` is the code.
pub async fn change_password(change: &PasswordChange) -> Result<SignedIn, OnlineError> {
    send_as(Method::POST, "/api/auth/password", json_of(change)).await
}

pub async fn end_other_sessions() -> Result<SessionsEnded, OnlineError> {
    send_as(Method::POST, "/api/auth/sessions/end-others", None).await
}

/// `GET /api/invitations`: the invitations of the Board's units, with who joined.
pub async fn invitations() -> Result<Vec<Invitation>, OnlineError> {
    get("/api/invitations").await
}

pub async fn create_invitation(new: &NewInvitation) -> Result<InvitationMade, OnlineError> {
    send_as(Method::POST, "/api/invitations", json_of(new)).await
}

pub async fn revoke_invitation(id: InvitationId) -> Result<Invitation, OnlineError> {
    send_as(Method::POST, &format!("/api/invitations/{id}/revoke"), None).await
}

/// Which unit a code brings its holder into (no sign-in needed).
pub async fn lookup_invitation(code: &str) -> Result<InvitationInfo, OnlineError> {
    let lookup = InvitationLookup {
        code: code.to_owned(),
    };
    send_as(Method::POST, "/api/invitations/lookup", json_of(&lookup)).await
}

/// Joins through an invitation; the server signs the person in.
pub async fn join(request: &JoinRequest) -> Result<SignedIn, OnlineError> {
    send_as(Method::POST, "/api/invitations/join", json_of(request)).await
}

/// The tree's changes (administrators): the devices learn the result through sync.
pub async fn create_unit(new: &NewUnit) -> Result<Unit, OnlineError> {
    send_as(Method::POST, "/api/units", json_of(new)).await
}

pub async fn rename_unit(id: UnitId, rename: &UnitRename) -> Result<Unit, OnlineError> {
    send_as(
        Method::POST,
        &format!("/api/units/{id}/rename"),
        json_of(rename),
    )
    .await
}

pub async fn merge_unit(id: UnitId, merge: &UnitMerge) -> Result<Unit, OnlineError> {
    send_as(
        Method::POST,
        &format!("/api/units/{id}/merge"),
        json_of(merge),
    )
    .await
}

pub async fn close_unit(id: UnitId, close: &UnitClose) -> Result<Unit, OnlineError> {
    send_as(
        Method::POST,
        &format!("/api/units/{id}/close"),
        json_of(close),
    )
    .await
}

/// `GET /api/reports`: the period reports of the user's units, newest first. Reports are read
/// as JSON values, as the pages read records: their typed readers would cost the shell.
pub async fn reports() -> Result<serde_json::Value, OnlineError> {
    get_value("/api/reports").await
}

/// `GET /api/supervision`: the units that fall behind (the Board, administrators, leaders).
pub async fn supervision() -> Result<serde_json::Value, OnlineError> {
    get_value("/api/supervision").await
}

/// `GET /api/reports/{id}`: one report, with its figures (frozen if final).
pub async fn report(id: &str) -> Result<serde_json::Value, OnlineError> {
    get_value(&format!("/api/reports/{id}")).await
}

/// `POST /api/reports`: a new draft for a unit and a period.
pub async fn create_report(
    unit: UnitId,
    from: dvk_shared::date::Date,
    to: dvk_shared::date::Date,
) -> Result<serde_json::Value, OnlineError> {
    let body = serde_json::json!({"unit_id": unit, "from": from, "to": to});
    send(Method::POST, "/api/reports", Some(body)).await
}

/// `PUT /api/reports/{id}`: a draft's written parts.
pub async fn edit_report(
    id: &str,
    text: serde_json::Value,
) -> Result<serde_json::Value, OnlineError> {
    send(Method::PUT, &format!("/api/reports/{id}"), Some(text)).await
}

/// `POST /api/reports/{id}/finalise|reopen`.
pub async fn report_step(id: &str, step: &str) -> Result<serde_json::Value, OnlineError> {
    send(
        Method::POST,
        &format!("/api/reports/{id}/{step}"),
        Some(serde_json::json!({})),
    )
    .await
}
