//! Uploads the photos kept on the device (SYNC.md, attachments): each in chunks of at most
//! `CHUNK_MAX_BYTES`, starting where the server says it stopped, so a connection that drops
//! mid-photo costs one chunk, not the photo. Photos are named by their SHA-256, so one the
//! server already has (from another tablet) is not sent again.

use dvk_shared::photo::{CHUNK_MAX_BYTES, UploadState};
use js_sys::Uint8Array;

use super::{TransportError, answer_body, read, refusal};
use crate::store::photos;

/// The server's answer to a chunk or a status question.
async fn answer(response: gloo_net::http::Response) -> Result<UploadState, TransportError> {
    match response.status() {
        // 409: not where the server is (a chunk got lost or sent twice): it says where it is.
        200 | 409 => read::<UploadState>(answer_body(&response).await)
            .ok_or_else(|| TransportError::Unreachable("unreadable answer".into())),
        401 => Err(TransportError::SignInRequired),
        status if status >= 500 => Err(TransportError::Unreachable(format!("status {status}"))),
        status => Err(TransportError::Refused {
            status,
            message: refusal(answer_body(&response).await),
        }),
    }
}

fn unreachable(e: gloo_net::Error) -> TransportError {
    TransportError::Unreachable(e.to_string())
}

/// Sends one photo from where the server stopped; `Ok` once the server has it.
async fn upload(hash: &str, total: u64) -> Result<(), TransportError> {
    let url = format!("/api/photos/{hash}/upload");
    let mut state = answer(
        gloo_net::http::Request::get(&url)
            .send()
            .await
            .map_err(unreachable)?,
    )
    .await?;
    // Bounded: each round either moves forward or ends; a confused server cannot spin it.
    for _ in 0..=(total / CHUNK_MAX_BYTES as u64 + 8) {
        if state.complete {
            return Ok(());
        }
        let start = state.received.min(total);
        let end = (start + CHUNK_MAX_BYTES as u64).min(total);
        let Some(bytes) = photos::slice(hash, start, end).await else {
            return Err(TransportError::Unreachable(
                "photo no longer on the device".into(),
            ));
        };
        let body = Uint8Array::from(bytes.as_slice());
        let response = gloo_net::http::Request::put(&format!("{url}?offset={start}&total={total}"))
            .header("content-type", "application/octet-stream")
            .body(body)
            .map_err(unreachable)?
            .send()
            .await
            .map_err(unreachable)?;
        state = answer(response).await?;
    }
    Err(TransportError::Unreachable("upload did not finish".into()))
}

/// Uploads every photo waiting on the device, one after another; returns how many arrived.
/// Stops at the first network failure (the next sync resumes); a photo the server refuses
/// (changed on the way, too large, not a photo) is marked refused with the server's words.
pub async fn upload_waiting() -> Result<usize, TransportError> {
    let mut sent = 0;
    for (hash, total) in photos::waiting().await {
        match upload(&hash, total).await {
            Ok(()) => {
                photos::uploaded(&hash, None).await;
                sent += 1;
            }
            // A photo whose bytes did not match its name is sent again from the start by the
            // next sync (the server dropped what it had); other refusals are final.
            Err(TransportError::Refused { status: 422, .. }) => {}
            Err(TransportError::Refused { message, .. }) => {
                photos::uploaded(&hash, Some(&message)).await;
            }
            Err(other) => return Err(other),
        }
    }
    Ok(sent)
}
