//! The only part of the app that talks to the server. The engine itself (what a request carries,
//! how an answer is learned) is `dvk_shared::sync::client`'s, the one the tests drive the server
//! with; here are the HTTP transport, when to sync, signing in, the online reads and photos.

pub mod auth;
pub mod controller;
pub mod online;
pub mod photos;
mod transport;

pub use controller::{SyncState, SyncStatus};
pub use dvk_shared::sync::client::{
    Progress, SyncError, Transport, TransportError, sync_until_settled,
};
pub use transport::HttpTransport;

/// The JSON body of a server answer, if it has one. Not generic: one copy of reading and parsing
/// an answer serves every request, and each type is then read from the `Value`.
pub(crate) async fn answer_body(response: &gloo_net::http::Response) -> Option<serde_json::Value> {
    crate::store::parse_json(&response.text().await.ok()?).ok()
}

/// A JSON value as `T`, if it reads as one.
pub(crate) fn read<T: serde::de::DeserializeOwned>(value: Option<serde_json::Value>) -> Option<T> {
    T::deserialize(value?).ok()
}

/// What a refusal's body says (`{"message": …}`), or nothing.
pub(crate) fn refusal(body: Option<serde_json::Value>) -> String {
    body.as_ref()
        .and_then(|b| b["message"].as_str())
        .unwrap_or_default()
        .to_owned()
}

/// How long to wait before retry `attempt` (1, 2, …) after a failure: doubling from 2 s up to
/// 5 minutes, with jitter (`random` in 0..1) so a whole district's tablets coming back online
/// at once do not knock together.
pub fn backoff_ms(attempt: u32, random: f64) -> u64 {
    let base = 2_000u64.saturating_mul(1u64 << attempt.saturating_sub(1).min(8));
    let capped = base.min(300_000);
    // Between half and all of the step: spread out, never longer than the cap.
    capped / 2 + (capped as f64 * 0.5 * random.clamp(0.0, 1.0)) as u64
}
