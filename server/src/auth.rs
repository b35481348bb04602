//! Accounts and sessions: sign in, sign out, who am I; the `CurrentUser` extractor; password
//! hashing (Argon2id); throttling of failed sign-ins; refusing changes sent from other sites.
//!
//! Sessions and failure counts live in the database, so any server process can answer any
//! request and a throttle holds across processes.

use std::time::Duration;

use argon2::{
    Algorithm, Argon2, Block, Params, PasswordHash, PasswordHasher, Version,
    password_hash::{Output, SaltString, rand_core::OsRng, rand_core::RngCore},
};
use axum::{
    Json, Router,
    extract::{Extension, FromRequestParts, Request, State},
    http::{HeaderMap, HeaderValue, Method, header, request::Parts},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use dvk_shared::{
    account::{PasswordChange, SessionsEnded, SignedIn},
    api::{ErrorBody, LoginRequest},
    date::Timestamp,
    user::User,
    validation::{FieldErrors, Problem},
};
use sha2::{Digest, Sha256};

use crate::{
    AppState,
    error::{AccountRefusal, ApiError, Forbidden},
    extract::ApiJson,
    now,
    peer::Peer,
    store::{Actor, NewPassword},
};

pub const SESSION_COOKIE: &str = "dvk_session";
/// Long enough for a tablet to stay signed in through days offline; every use slides it.
pub const SESSION_TTL_MS: i64 = 30 * 24 * 3_600_000;
/// Sliding writes at most this often per session, not on every request.
const SLIDE_EVERY_MS: i64 = 3_600_000;
/// The cookie outlives the session: the server's expiry is the one that counts.
const COOKIE_MAX_AGE_SECS: i64 = 400 * 24 * 3600;

/// Failures are counted over this window.
pub const FAILURE_WINDOW_MS: i64 = 15 * 60_000;
/// From this many failures on, each answer is slowed down.
pub const SLOW_DOWN_AFTER: usize = 3;
/// This many failures for one account within the window locks it until the window passes.
pub const ACCOUNT_LIMIT: usize = 8;
/// This many failures from one address within the window (many accounts tried) blocks it.
pub const ADDRESS_LIMIT: usize = 30;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/login", post(login))
        .route("/auth/logout", post(logout))
        .route("/auth/me", get(me))
        .route("/auth/password", post(change_password))
        .route("/auth/sessions/end-others", post(end_other_sessions))
}

/// At most this many Argon2 computations at once (each takes 19 MiB and tens of milliseconds
/// of a core): a burst of sign-ins queues here instead of taking the server's memory.
fn hashing() -> &'static tokio::sync::Semaphore {
    static PERMITS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    PERMITS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        tokio::sync::Semaphore::new(cores.clamp(1, 4))
    })
}

/// Argon2's working memory, one per permit, made once and used again: allocated per check, the
/// 19 MiB blocks stayed with the allocator's per-thread arenas and a few sign-ins took a server
/// from 17 to over 110 MB.
fn memory() -> &'static std::sync::Mutex<Vec<Vec<Block>>> {
    static MEMORY: std::sync::OnceLock<std::sync::Mutex<Vec<Vec<Block>>>> =
        std::sync::OnceLock::new();
    MEMORY.get_or_init(|| std::sync::Mutex::new(Vec::new()))
}

/// Checks a password against its hash off the async workers, a few at a time, in memory kept
/// for it.
async fn verify(password: String, hash: String) -> Result<bool, ApiError> {
    let _permit = hashing()
        .acquire()
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut blocks = memory()
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .pop()
        .unwrap_or_default();
    let (matches, blocks) = tokio::task::spawn_blocking(move || {
        let matches = verify_password_in(&password, &hash, &mut blocks);
        (matches, blocks)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    memory()
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(blocks);
    Ok(matches)
}

/// Whether `password` is the one `hash` (a PHC string) was made from, computed in `blocks`
/// (grown to the hash's memory cost if it is smaller).
fn verify_password_in(password: &str, hash: &str, blocks: &mut Vec<Block>) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let (Ok(params), Ok(algorithm)) = (
        Params::try_from(&parsed),
        Algorithm::try_from(parsed.algorithm),
    ) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(version)) => version,
        Some(Err(_)) => return false,
    };
    let count = params.block_count();
    if blocks.len() < count {
        blocks.resize(count, Block::default());
    }
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let argon2 = Argon2::new(algorithm, version, params);
    if argon2
        .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, &mut blocks[..count])
        .is_err()
    {
        return false;
    }
    // `Output`'s comparison takes the same time wherever the bytes differ.
    Output::new(&out).is_ok_and(|computed| computed == expected)
}

/// Hashes a password with Argon2id and a random salt.
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| ApiError::Internal(format!("cannot hash a password: {e}")))
}

#[cfg(test)]
fn verify_password(password: &str, hash: &str) -> bool {
    verify_password_in(password, hash, &mut Vec::new())
}

/// A hash to verify against when the username does not exist, so that answer takes as long
/// as a wrong password and timing does not reveal which accounts exist.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password that never matches").unwrap_or_default())
}

/// The session token: 32 random bytes, hex. Only its SHA-256 is stored, so a copy of the
/// database does not let anyone sign in.
pub(crate) fn new_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex(&bytes)
}

/// The characters of codes people read and type (one-time codes, invitations): no 0/O, 1/I/L.
pub(crate) const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// `len` random characters of [`CODE_ALPHABET`]. 256 = 8 × 31 + 8: the first eight characters
/// are a hair likelier, which costs a fraction of a bit of the code's strength.
pub(crate) fn random_code(len: usize) -> String {
    let mut bytes = vec![0u8; len];
    OsRng.fill_bytes(&mut bytes);
    bytes
        .iter()
        .map(|b| char::from(CODE_ALPHABET[usize::from(*b) % CODE_ALPHABET.len()]))
        .collect()
}

/// Counts one attempt under `key` (a failure until it is forgotten) and refuses with 429 when
/// the window holds more than `limit`; answers the attempt's id, for forgetting it when it
/// turns out right.
pub(crate) async fn count_attempt(
    state: &AppState,
    key: &str,
    limit: usize,
    now: Timestamp,
) -> Result<String, ApiError> {
    let attempt = new_token();
    let since = Timestamp(now.0 - FAILURE_WINDOW_MS);
    let counts = state
        .store
        .count_login_attempt(&[key.to_owned()], &attempt, now, since, since)
        .await?;
    let tries = counts.first().cloned().unwrap_or_default();
    if tries.len() > limit {
        state
            .store
            .forget_login_attempts(key, Some(&attempt))
            .await?;
        return Err(ApiError::TooManyAttempts {
            retry_after_secs: retry_after(&tries, now),
        });
    }
    Ok(attempt)
}

pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The session cookie; `Secure` when the browser reached us over HTTPS, so it never travels
/// in the clear afterwards (over plain HTTP a browser would drop a `Secure` cookie).
fn session_cookie(token: &str, max_age_secs: i64, https: bool) -> HeaderValue {
    let secure = if https { "; Secure" } else { "" };
    let cookie = format!(
        "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age_secs}{secure}"
    );
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, token)| token.to_owned())
        .filter(|token| token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// How long until the oldest failure in the window leaves it.
pub(crate) fn retry_after(failures: &[Timestamp], now: Timestamp) -> u64 {
    let oldest = failures.first().map_or(now.0, |t| t.0);
    u64::try_from((oldest + FAILURE_WINDOW_MS - now.0).max(1000) / 1000).unwrap_or(1)
}

/// Signs in and starts a session.
///
/// Failed attempts are counted per account and per address over 15 minutes: after a few, answers
/// slow down; after too many the account (or the address) is refused until they age out.
#[utoipa::path(
    post,
    path = "/api/auth/login",
    operation_id = "login",
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in. The session travels in the `dvk_session` cookie set here; send it back on every later request.", body = User,
            headers(("Set-Cookie" = String, description = "`dvk_session=<token>; HttpOnly; SameSite=Strict; Path=/; Max-Age=…`, and `; Secure` when a trusted proxy says the browser came over HTTPS"))),
        (status = 400, description = "The body is not the expected JSON (`invalid_body`).", body = ErrorBody),
        (status = 401, description = "Wrong username or password (`invalid_credentials`).", body = ErrorBody),
        (status = 403, description = "Sent from a page of another site (`cross_site_request`).", body = ErrorBody),
        (status = 413, description = "The body is too large (`payload_too_large`).", body = ErrorBody),
        (status = 429, description = "Too many failed sign-ins (`too_many_attempts`); `Retry-After` says when to try again.", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait."))),
    )
)]
pub(crate) async fn login(
    State(state): State<AppState>,
    Extension(peer): Extension<Peer>,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let now = now();
    // Usernames are lower case; folding here lets "DienHoa" sign in and share one throttle.
    let username = request.username.trim().to_lowercase();
    let account_key = format!("user:{username}");
    let address_key = format!("addr:{}", peer.ip);
    let since = Timestamp(now.0 - FAILURE_WINDOW_MS);

    // The attempt is counted before the password is checked: attempts made at once (from
    // this process or another) all see each other, so at most the limit ever reach the check.
    let attempt = new_token();
    let counts = state
        .store
        .count_login_attempt(
            &[account_key.clone(), address_key.clone()],
            &attempt,
            now,
            since,
            Timestamp(now.0 - FAILURE_WINDOW_MS),
        )
        .await?;
    let (account_attempts, address_attempts) = match counts.as_slice() {
        [account, address] => (account.clone(), address.clone()),
        _ => return Err(ApiError::Internal("two counts expected".into())),
    };
    let over = if account_attempts.len() > ACCOUNT_LIMIT {
        Some(retry_after(&account_attempts, now))
    } else if address_attempts.len() > ADDRESS_LIMIT {
        Some(retry_after(&address_attempts, now))
    } else {
        None
    };
    if let Some(retry_after_secs) = over {
        // Refused before any password was checked: not an attempt that keeps the lock going.
        for key in [&account_key, &address_key] {
            state
                .store
                .forget_login_attempts(key, Some(&attempt))
                .await?;
        }
        return Err(ApiError::TooManyAttempts { retry_after_secs });
    }
    // This attempt is not a failure yet: slow down after the failures before it.
    let failures = (account_attempts.len() - 1).max((address_attempts.len() - 1) / 4);
    if failures >= SLOW_DOWN_AFTER {
        let steps = (failures - SLOW_DOWN_AFTER + 1) as u64;
        tokio::time::sleep(Duration::from_millis((250 * steps).min(2000))).await;
    }

    // Bounded before hashing: a megabyte "password" must not cost the server a megabyte of work.
    let plausible = !username.is_empty()
        && username.len() <= dvk_shared::user::USERNAME_MAX
        && request.password.chars().count() <= dvk_shared::user::PASSWORD_MAX;
    let found = if plausible {
        state.store.credentials(&username).await?
    } else {
        None
    };
    let hash = found
        .as_ref()
        .map_or_else(|| decoy_hash().to_owned(), |c| c.password_hash.clone());
    let matches = verify(request.password, hash).await?;
    let Some(account) = found.filter(|_| matches) else {
        // The attempt stays counted as a failure.
        tracing::info!(%username, ip = %peer.ip, "failed sign-in");
        return Err(ApiError::InvalidCredentials);
    };
    // Told only to whoever knows the password: the answer reveals nothing to a guesser.
    if !account.active {
        return Err(ApiError::Account(AccountRefusal::Inactive));
    }
    if account.must_change_password
        && account
            .code_expires_at
            .is_some_and(|until| until.0 <= now.0)
    {
        return Err(ApiError::Account(AccountRefusal::CodeExpired));
    }
    let must_change_password = account.must_change_password;
    let user = account.user;

    state
        .store
        .forget_login_attempts(&account_key, None)
        .await?;
    state
        .store
        .forget_login_attempts(&address_key, Some(&attempt))
        .await?;
    signed_in_response(&state, user, must_change_password, peer.https, now).await
}

/// Starts a session for `user` (signing in, or joining through an invitation): the answer
/// carries the user and sets the session cookie.
pub(crate) async fn signed_in_response(
    state: &AppState,
    user: User,
    must_change_password: bool,
    https: bool,
    now: Timestamp,
) -> Result<Response, ApiError> {
    state.store.record_sign_in(user.id, now).await?;
    let token = new_token();
    state
        .store
        .create_session(
            &token_hash(&token),
            user.id,
            now,
            Timestamp(now.0 + SESSION_TTL_MS),
        )
        .await?;
    let mut response = Json(SignedIn {
        user,
        must_change_password,
    })
    .into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie(&token, COOKIE_MAX_AGE_SECS, https),
    );
    Ok(response)
}

/// Ends the session of the cookie sent, if any, and clears the cookie.
#[utoipa::path(
    post,
    path = "/api/auth/logout",
    operation_id = "logout",
    tag = "auth",
    responses(
        (status = 204, description = "Signed out (also when no session was open).",
            headers(("Set-Cookie" = String, description = "Clears `dvk_session` (`Max-Age=0`)."))),
        (status = 403, description = "Sent from a page of another site (`cross_site_request`).", body = ErrorBody),
    )
)]
pub(crate) async fn logout(
    State(state): State<AppState>,
    Extension(peer): Extension<Peer>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(token) = cookie_token(&headers) {
        state.store.delete_session(&token_hash(&token)).await?;
    }
    let mut response = axum::http::StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session_cookie("", 0, peer.https));
    Ok(response)
}

/// The signed-in user, and whether they must choose a password first.
#[utoipa::path(
    get,
    path = "/api/auth/me",
    operation_id = "me",
    tag = "auth",
    security(("dvk_session" = [])),
    responses(
        (status = 200, description = "The user of this session.", body = SignedIn),
        (status = 401, description = "No valid session (`sign_in_required`).", body = ErrorBody),
    )
)]
pub(crate) async fn me(session: SessionUser) -> Json<SignedIn> {
    Json(SignedIn {
        user: session.user,
        must_change_password: session.must_change_password,
    })
}

/// Changes one's own password: after a one-time code, this is the only thing the session may do.
/// The person's other sessions end; this one goes on.
#[utoipa::path(
    post,
    path = "/api/auth/password",
    operation_id = "change_password",
    tag = "auth",
    security(("dvk_session" = [])),
    request_body = PasswordChange,
    responses(
        (status = 200, description = "Changed; the other sessions ended.", body = SignedIn),
        (status = 401, description = "No valid session (`sign_in_required`).", body = ErrorBody),
        (status = 422, description = "The new password breaks a rule, or the current one is not right (`validation_failed`: `new_password`, `current_password`).", body = ErrorBody),
        (status = 429, description = "Too many wrong current passwords (`too_many_attempts`).", body = ErrorBody),
    )
)]
pub(crate) async fn change_password(
    State(state): State<AppState>,
    session: SessionUser,
    ApiJson(change): ApiJson<PasswordChange>,
) -> Result<Json<SignedIn>, ApiError> {
    change.validate()?;
    let now = now();
    let user = session.user;
    // A wrong current password counts like a failed sign-in of the account: a session left
    // open on a shared tablet does not let anyone try passwords without end.
    let key = format!("user:{}", user.username);
    count_attempt(&state, &key, ACCOUNT_LIMIT, now).await?;
    let credentials = state
        .store
        .credentials(&user.username)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    if !verify(change.current_password, credentials.password_hash).await? {
        let mut errors = FieldErrors::default();
        errors.add("current_password", Problem::Incorrect);
        return Err(errors.into());
    }
    state.store.forget_login_attempts(&key, None).await?;
    let new = NewPassword {
        hash: hash_password(&change.new_password)?,
        code_expires_at: None,
    };
    state
        .store
        .set_password(
            user.id,
            &new,
            Some(&session.token_hash),
            &Actor::user(&user),
            now,
        )
        .await?;
    Ok(Json(SignedIn {
        user,
        must_change_password: false,
    }))
}

/// Ends the person's other sessions (a tablet lost, a computer left signed in); this one goes on.
#[utoipa::path(
    post,
    path = "/api/auth/sessions/end-others",
    operation_id = "end_other_sessions",
    tag = "auth",
    security(("dvk_session" = [])),
    responses(
        (status = 200, description = "How many sessions ended.", body = SessionsEnded),
        (status = 401, description = "No valid session (`sign_in_required`).", body = ErrorBody),
        (status = 403, description = "Signed in with a one-time code: choose a password first (`password_change_required`).", body = ErrorBody),
    )
)]
pub(crate) async fn end_other_sessions(
    State(state): State<AppState>,
    session: CurrentSession,
) -> Result<Json<SessionsEnded>, ApiError> {
    let ended = state
        .store
        .end_sessions(session.0.user.id, Some(&session.0.token_hash))
        .await?;
    Ok(Json(SessionsEnded { ended }))
}

/// The session presented, whoever it belongs to: also a person who signed in with a one-time
/// code and has not chosen a password yet (only `me` and the password change take this).
pub struct SessionUser {
    pub user: User,
    pub token_hash: String,
    pub must_change_password: bool,
}

impl FromRequestParts<AppState> for SessionUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = cookie_token(&parts.headers).ok_or(ApiError::Unauthenticated)?;
        let hash = token_hash(&token);
        let now = now();
        let session = state
            .store
            .session(&hash, now)
            .await?
            .ok_or(ApiError::Unauthenticated)?;
        if session.expires_at.0 - now.0 < SESSION_TTL_MS - SLIDE_EVERY_MS {
            state
                .store
                .extend_session(&hash, Timestamp(now.0 + SESSION_TTL_MS))
                .await?;
        }
        Ok(SessionUser {
            user: session.user,
            token_hash: hash,
            must_change_password: session.must_change_password,
        })
    }
}

/// A full session: its person has a password of their own (else 403
/// `password_change_required`).
pub struct CurrentSession(pub SessionUser);

impl FromRequestParts<AppState> for CurrentSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let session = SessionUser::from_request_parts(parts, state).await?;
        if session.must_change_password {
            return Err(ApiError::Account(AccountRefusal::PasswordChangeRequired));
        }
        Ok(CurrentSession(session))
    }
}

/// The signed-in user; a request without a valid session is answered 401, one whose person
/// must choose a password first 403.
pub struct CurrentUser(pub User);

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Ok(CurrentUser(
            CurrentSession::from_request_parts(parts, state)
                .await?
                .0
                .user,
        ))
    }
}

/// Refuses requests that change something and come from a page of another site: the
/// `SameSite=Strict` cookie already stays home, this is the second lock on the door.
pub async fn same_origin_writes(request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    // The host the browser asked for: a trusted proxy's forwarded one (`peer::identify`).
    let host = request
        .extensions()
        .get::<Peer>()
        .and_then(|peer| peer.host.clone());
    if !safe && is_cross_site(request.headers(), host.as_deref()) {
        return ApiError::Forbidden(Forbidden::CrossSite).into_response();
    }
    next.run(request).await
}

fn is_cross_site(headers: &HeaderMap, host: Option<&str>) -> bool {
    if headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"cross-site")
    {
        return true;
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        // Programs other than browsers send no Origin; browsers always do on writes.
        return false;
    };
    let origin_host = origin.split_once("://").map(|(_, rest)| rest);
    origin == "null" || origin_host.is_none() || origin_host != host
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_own_hash_only() {
        let hash = hash_password("demo-dvk").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("demo-dvk", &hash));
        assert!(!verify_password("demo-dvk ", &hash));
        assert!(!verify_password("demo-dvk", "not a hash"));
    }

    #[test]
    fn the_session_cookie_is_read_among_others_and_garbage_is_ignored() {
        let token = new_token();
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("a=b; {SESSION_COOKIE}={token}; c=d")).unwrap(),
        );
        assert_eq!(cookie_token(&headers), Some(token));
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("dvk_session=short"),
        );
        assert_eq!(cookie_token(&headers), None);
    }

    #[test]
    fn writes_from_another_site_are_recognised() {
        let mut headers = HeaderMap::new();
        let host = Some("127.0.0.1:8080");
        assert!(
            !is_cross_site(&headers, host),
            "no Origin: not a browser page"
        );
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8080"),
        );
        assert!(!is_cross_site(&headers, host));
        assert!(
            is_cross_site(&headers, Some("dvk.example.vn")),
            "behind a proxy: its host"
        );
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(is_cross_site(&headers, host));
        headers.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(is_cross_site(&headers, host));
    }
}
