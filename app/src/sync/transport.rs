//! How a sync request reaches the server: over HTTP in the app, something scripted in tests.

use dvk_shared::sync::{SeqGap, SyncRequest, SyncResponse};

use super::{answer_body, read, refusal};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TransportError {
    /// 401: sign in again; the outbox is kept.
    #[error("sign in again")]
    SignInRequired,
    /// 409: the server expects this seq next.
    #[error("the server expects change {0} next")]
    Gap(u64),
    /// The server refused the request as a whole (4xx): a bug or an old app, not a network blip.
    #[error("refused ({status}): {message}")]
    Refused { status: u16, message: String },
    /// No answer or a 5xx: try again later; the server committed all of the request or none.
    #[error("the server cannot be reached: {0}")]
    Unreachable(String),
}

#[allow(async_fn_in_trait)] // one thread in the browser
pub trait Transport {
    async fn sync(&self, request: &SyncRequest) -> Result<SyncResponse, TransportError>;
}

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
                crate::store::from_json(&text).map_err(TransportError::Unreachable)
            }
            401 => Err(TransportError::SignInRequired),
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
