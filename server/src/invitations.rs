//! Invitations: the Board (and admins) make one for a unit they see — a link and a QR code to
//! post at the commune office, with an expiry and a number of uses, revocable — and a person who
//! opens it becomes a registrar of that unit, signed in, without an administrator.
//!
//! Codes are 24 characters of a 31-letter alphabet (~119 bits), so only their SHA-256 is kept
//! (unlike a password, nothing needs slowing down against guessing a code that long). The two
//! endpoints anyone may call are throttled per address like sign-in: every lookup and join counts,
//! and only one that found an open invitation is forgotten, so guessing stays at 30 tries in 15
//! minutes.

use axum::{
    Json, Router,
    extract::{Extension, Path, State},
    http::StatusCode,
    response::Response,
    routing::{get, post},
};
use dvk_shared::{
    account::SignedIn,
    api::ErrorBody,
    date::Timestamp,
    ids::{InvitationId, UserId},
    invitation::{
        Invitation, InvitationInfo, InvitationLookup, InvitationMade, InvitationState, JOIN_PATH,
        JoinRequest, NewInvitation,
    },
    user::{Role, User},
    validation::{FieldErrors, Problem},
};

use crate::{
    AppState,
    access::Viewer,
    auth::{
        ADDRESS_LIMIT, CODE_ALPHABET, CurrentUser, count_attempt, hash_password, random_code,
        signed_in_response, token_hash,
    },
    error::{ApiError, Forbidden},
    extract::ApiJson,
    now,
    peer::Peer,
    store::{Actor, StoreError},
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/invitations", get(list).post(create))
        .route("/invitations/{id}/revoke", post(revoke))
        .route("/invitations/lookup", post(lookup))
        .route("/invitations/join", post(join))
}

const CODE_LEN: usize = 24;

/// A code as typed or scanned: spaces and dashes dropped, upper case; anything else is not one.
fn normalise(code: &str) -> Option<String> {
    let code: String = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == CODE_LEN && code.bytes().all(|b| CODE_ALPHABET.contains(&b))).then_some(code)
}

fn reviews_only(user: &User) -> Result<(), ApiError> {
    if user.role.reviews() {
        Ok(())
    } else {
        Err(ApiError::Forbidden(Forbidden::Role))
    }
}

/// The invitations of the units the Board sees, newest first, with who joined through each.
#[utoipa::path(
    get,
    path = "/api/invitations",
    operation_id = "list_invitations",
    tag = "invitations",
    security(("dvk_session" = [])),
    responses(
        (status = 200, description = "The invitations (never their codes).", body = [Invitation]),
        (status = 403, description = "Only the Board and administrators (`role_not_allowed`).", body = ErrorBody),
    )
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<Vec<Invitation>>, ApiError> {
    reviews_only(&user)?;
    let viewer = Viewer::load(state.store.as_ref(), user).await?;
    let mut invitations = state.store.invitations().await?;
    invitations.retain(|i| viewer.sees(i.unit_id));
    Ok(Json(invitations))
}

/// Makes an invitation for a unit the user sees; the code, link and QR code are answered once.
#[utoipa::path(
    post,
    path = "/api/invitations",
    operation_id = "create_invitation",
    tag = "invitations",
    security(("dvk_session" = [])),
    request_body = NewInvitation,
    responses(
        (status = 201, description = "Made; its code, link and QR code are shown this once.", body = InvitationMade),
        (status = 403, description = "Not the Board or an administrator (`role_not_allowed`), or a unit outside theirs (`outside_your_units`).", body = ErrorBody),
        (status = 422, description = "Days, uses or note out of bounds, or a unit that is not a current one (`validation_failed`).", body = ErrorBody),
    )
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    Extension(peer): Extension<Peer>,
    CurrentUser(user): CurrentUser,
    ApiJson(new): ApiJson<NewInvitation>,
) -> Result<(StatusCode, Json<InvitationMade>), ApiError> {
    reviews_only(&user)?;
    new.validate()?;
    let viewer = Viewer::load(state.store.as_ref(), user.clone()).await?;
    match viewer.tree.get(new.unit_id) {
        Some(unit) if unit.is_current() => {}
        _ => {
            let mut errors = FieldErrors::default();
            errors.add("unit_id", Problem::InvalidChoice);
            return Err(errors.into());
        }
    }
    if !viewer.sees(new.unit_id) {
        return Err(ApiError::Forbidden(Forbidden::OutsideYourUnits));
    }
    let now = now();
    let invitation = Invitation {
        id: InvitationId::new(),
        unit_id: new.unit_id,
        note: new.note.trim().to_owned(),
        created_by: user.display_name.clone(),
        created_at: now,
        expires_at: Timestamp(now.0 + i64::from(new.days) * 24 * 3_600_000),
        max_uses: new.max_uses,
        revoked_at: None,
        joined: Vec::new(),
    };
    let code = random_code(CODE_LEN);
    state
        .store
        .create_invitation(&invitation, &token_hash(&code), &Actor::user(&user), now)
        .await?;
    // The link points at the address the Board's browser used, as a person's phone will.
    let scheme = if peer.https { "https" } else { "http" };
    let host = peer.host.unwrap_or_else(|| "localhost".to_owned());
    let link = format!("{scheme}://{host}{JOIN_PATH}#{code}");
    let qr_svg = qrcode::QrCode::new(link.as_bytes())
        .map_err(|e| ApiError::Internal(format!("cannot draw the QR code: {e}")))?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(240, 240)
        .build();
    Ok((
        StatusCode::CREATED,
        Json(InvitationMade {
            invitation,
            code,
            link,
            qr_svg,
        }),
    ))
}

/// Ends an invitation at once: its link stops working; who joined stays.
#[utoipa::path(
    post,
    path = "/api/invitations/{id}/revoke",
    operation_id = "revoke_invitation",
    tag = "invitations",
    security(("dvk_session" = [])),
    params(("id" = String, Path, description = "The invitation's id")),
    responses(
        (status = 200, description = "Revoked (again: no change).", body = Invitation),
        (status = 403, description = "Not the Board or an administrator (`role_not_allowed`).", body = ErrorBody),
        (status = 404, description = "No such invitation among the user's units (`not_found`).", body = ErrorBody),
    )
)]
pub(crate) async fn revoke(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Invitation>, ApiError> {
    reviews_only(&user)?;
    let id = InvitationId::parse(&id).map_err(|_| ApiError::NotFound)?;
    let viewer = Viewer::load(state.store.as_ref(), user.clone()).await?;
    let visible = |i: &Invitation| i.id == id && viewer.sees(i.unit_id);
    if !state.store.invitations().await?.iter().any(visible) {
        return Err(ApiError::NotFound);
    }
    state
        .store
        .revoke_invitation(id, &Actor::user(&user), now())
        .await?;
    let invitations = state.store.invitations().await?;
    invitations
        .into_iter()
        .find(|i| i.id == id)
        .map(Json)
        .ok_or(ApiError::NotFound)
}

/// The invitation of a code, if it is one; a try that found one is forgotten.
async fn find(state: &AppState, peer: &Peer, code: &str) -> Result<(Invitation, String), ApiError> {
    let key = format!("invite:{}", peer.ip);
    let attempt = count_attempt(state, &key, ADDRESS_LIMIT, now()).await?;
    let found = match normalise(code) {
        Some(code) => state.store.invitation_by_code(&token_hash(&code)).await?,
        None => None,
    };
    let invitation = found.ok_or(ApiError::InvitationNotFound)?;
    state
        .store
        .forget_login_attempts(&key, Some(&attempt))
        .await?;
    let unit_name = state
        .store
        .units()
        .await?
        .into_iter()
        .find(|u| u.id == invitation.unit_id)
        .map(|u| u.name)
        .unwrap_or_default();
    Ok((invitation, unit_name))
}

/// Which unit a code brings its holder into, and whether it still works. No sign-in.
#[utoipa::path(
    post,
    path = "/api/invitations/lookup",
    operation_id = "lookup_invitation",
    tag = "invitations",
    request_body = InvitationLookup,
    responses(
        (status = 200, description = "The invitation's unit and state.", body = InvitationInfo),
        (status = 404, description = "No invitation has this code (`invitation_not_found`).", body = ErrorBody),
        (status = 429, description = "Too many tries from this address (`too_many_attempts`).", body = ErrorBody),
    )
)]
pub(crate) async fn lookup(
    State(state): State<AppState>,
    Extension(peer): Extension<Peer>,
    ApiJson(request): ApiJson<InvitationLookup>,
) -> Result<Json<InvitationInfo>, ApiError> {
    let (invitation, unit_name) = find(&state, &peer, &request.code).await?;
    Ok(Json(InvitationInfo {
        unit_name,
        expires_at: invitation.expires_at,
        state: invitation.state(now()),
    }))
}

/// Joins through an invitation: a registrar account of its unit, signed in at once.
#[utoipa::path(
    post,
    path = "/api/invitations/join",
    operation_id = "join",
    tag = "invitations",
    request_body = JoinRequest,
    responses(
        (status = 201, description = "Joined and signed in (the session cookie is set).", body = SignedIn),
        (status = 404, description = "No invitation has this code (`invitation_not_found`).", body = ErrorBody),
        (status = 410, description = "The invitation expired (`invitation_expired`), is used up (`invitation_used_up`) or was revoked (`invitation_revoked`).", body = ErrorBody),
        (status = 422, description = "A field breaks a rule, or the username is taken (`taken`).", body = ErrorBody),
        (status = 429, description = "Too many tries from this address (`too_many_attempts`).", body = ErrorBody),
    )
)]
pub(crate) async fn join(
    State(state): State<AppState>,
    Extension(peer): Extension<Peer>,
    ApiJson(request): ApiJson<JoinRequest>,
) -> Result<Response, ApiError> {
    let (invitation, _) = find(&state, &peer, &request.code).await?;
    request.validate()?;
    let now = now();
    let closed = |state| Err(ApiError::InvitationClosed(state));
    match invitation.state(now) {
        InvitationState::Open => {}
        other => return closed(other),
    }
    let user = User {
        id: UserId::new(),
        username: request.username.trim().to_owned(),
        display_name: request.display_name.trim().to_owned(),
        role: Role::Registrar,
        unit_id: invitation.unit_id,
    };
    let hash = hash_password(&request.password)?;
    // The state is checked again under the write lock: two people taking the last use at once
    // cannot both get in.
    match state
        .store
        .join_invitation(invitation.id, &user, &hash, now)
        .await
    {
        Ok(InvitationState::Open) => {}
        Ok(other) => return closed(other),
        Err(StoreError::Conflict(_)) => {
            let mut errors = FieldErrors::default();
            errors.add("username", Problem::Taken);
            return Err(errors.into());
        }
        Err(other) => return Err(other.into()),
    }
    tracing::info!(username = %user.username, invitation = %invitation.id, "joined through an invitation");
    let mut response = signed_in_response(&state, user, false, peer.https, now).await?;
    *response.status_mut() = StatusCode::CREATED;
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_long_unambiguous_and_read_back_however_typed() {
        let code = random_code(CODE_LEN);
        assert_eq!(code.len(), CODE_LEN);
        assert_ne!(code, random_code(CODE_LEN));
        let typed = format!(" {}-{} ", &code[..12].to_lowercase(), &code[12..]);
        assert_eq!(normalise(&typed), Some(code));
        assert_eq!(normalise("0OIL"), None);
        assert_eq!(normalise(&"A".repeat(CODE_LEN + 1)), None);
    }
}
