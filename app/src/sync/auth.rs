//! Signing in and out: network calls, so they live with sync. The signed-in user is remembered
//! in the local store, so a tablet knows who works on it through days offline.

use dvk_shared::{
    account::SignedIn,
    api::{ErrorBody, LoginRequest},
};

/// Why signing in did not work, with the server's message when it gave one.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SignInError {
    /// Wrong credentials, too many attempts…: the server's Vietnamese message.
    #[error("{0}")]
    Refused(String),
    #[error("no network")]
    Unreachable,
}

/// Signs in; the answer says whether the person must choose a password first (they gave a
/// one-time code).
pub async fn sign_in(username: &str, password: &str) -> Result<SignedIn, SignInError> {
    let request = gloo_net::http::Request::post("/api/auth/login")
        .json(&LoginRequest {
            username: username.to_owned(),
            password: password.to_owned(),
        })
        .map_err(|e| SignInError::Refused(e.to_string()))?;
    let response = request.send().await.map_err(|_| SignInError::Unreachable)?;
    let body = super::answer_body(&response).await;
    if response.ok() {
        return super::read(body).ok_or(SignInError::Unreachable);
    }
    match super::read::<ErrorBody>(body) {
        Some(body) => Err(SignInError::Refused(body.message)),
        None => Err(SignInError::Unreachable),
    }
}

pub async fn sign_out() {
    // Offline, the session simply expires on the server; the device forgets the user anyway.
    if let Ok(request) = gloo_net::http::Request::post("/api/auth/logout").build() {
        let _ = request.send().await;
    }
}
