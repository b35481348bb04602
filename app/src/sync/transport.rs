//! How a sync request reaches the server: over HTTP, on the app's own origin.

use dvk_shared::sync::{
    SeqGap, SyncRequest, SyncResponse,
    client::{Transport, TransportError},
};

use super::{answer_body, read, refusal};

/// `POST /api/sync` on the app's own origin, with the session cookie.
pub struct HttpTransport;

impl Transport for HttpTransport {
    async fn sync(&self, request: &SyncRequest) -> Result<SyncResponse, TransportError> {
        let response = gloo_net::http::Request::post("/api/sync")
            .json(request)
            .map_err(|e| TransportError::Refused {
                status: 0,
                message: e.to_string(),
            })?
            .send()
            .await
            .map_err(|e| TransportError::Unreachable(e.to_string()))?;
        match response.status() {
            200 => {
                let text = response
                    .text()
                    .await
                    .map_err(|e| TransportError::Unreachable(e.to_string()))?;
                // Read straight from the text, not through a `Value` like other answers: the
                // records inside stay text (`RawJson`) and go into the store as they came.
                serde_json::from_str(&text).map_err(|e| TransportError::Unreachable(e.to_string()))
            }
            401 => Err(TransportError::SignInRequired),
            413 => Err(TransportError::TooLarge),
            409 => match read::<SeqGap>(answer_body(&response).await) {
                Some(gap) => Err(TransportError::Gap(gap.expected)),
                None => Err(TransportError::Unreachable("unreadable answer".into())),
            },
            status if status >= 500 => Err(TransportError::Unreachable(format!("status {status}"))),
            status => Err(TransportError::Refused {
                status,
                message: refusal(answer_body(&response).await),
            }),
        }
    }
}
