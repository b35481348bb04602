//! One sync: round trips until the server has nothing more and the outbox is answered, each
//! answer learned into the local store in one transaction; a download's next page is asked for
//! while the one before is written.

use super::{LocalDbError, LocalStore, outbox};
use crate::sync::{PULL_LIMIT_MAX, PUSH_TARGET_BYTES, SCHEMA, SyncRequest, SyncResponse};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TransportError {
    /// 401: sign in again; the outbox is kept.
    #[error("sign in again")]
    SignInRequired,
    /// 409: the server expects this seq next.
    #[error("the server expects change {0} next")]
    Gap(u64),
    /// 413: the request was larger than the server (or a proxy before it) takes.
    #[error("the request is too large for the server")]
    TooLarge,
    /// The server refused the request as a whole (another 4xx): a bug or an old app, not a
    /// network blip. `message` is what the server said, for the person.
    #[error("refused ({status}): {message}")]
    Refused { status: u16, message: String },
    /// No answer or a 5xx: try again later; the server committed all of the request or none.
    #[error("the server cannot be reached: {0}")]
    Unreachable(String),
}

/// How a sync request reaches the server: HTTP in the app and in the tests, a script in unit
/// tests.
#[allow(async_fn_in_trait)] // one thread in the browser
pub trait Transport {
    async fn sync(&self, request: &SyncRequest) -> Result<SyncResponse, TransportError>;
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error(transparent)]
    Store(#[from] LocalDbError),
    #[error("sync did not settle after {0} rounds")]
    Unsettled(u32),
    /// One change alone is larger than the server takes: the server's limit is below what the
    /// app allows (a proxy), which only an administrator can change.
    #[error("change {0} alone is larger than the server accepts")]
    ChangeTooLarge(u64),
}

/// How far a sync got, for the progress bar of a long first download.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub rounds: u32,
    pub changes_received: u64,
    pub pushed: u64,
}

/// A server that always says "more" must not spin a tablet for ever.
const ROUNDS_MAX: u32 = 1_000;

/// Syncs until the outbox is answered and the server has nothing more; `on_progress` is called
/// after each round. A failure leaves the outbox as it was (answered changes left it already).
///
/// A request carries what fits [`PUSH_TARGET_BYTES`]; a 413 halves that until one change goes
/// alone. A 409 that expects an earlier seq than the outbox holds (the server's database went
/// back) numbers the outbox from there.
pub async fn sync_until_settled<S: LocalStore, T: Transport>(
    store: &S,
    transport: &T,
    now_ms: impl Fn() -> i64,
    mut on_progress: impl FnMut(Progress),
) -> Result<Progress, SyncError> {
    let device_id = store.device_id().await?;
    let mut progress = Progress::default();
    let mut budget = PUSH_TARGET_BYTES;
    let mut renumbered = false;
    // The next page of a download, asked for while the one before was written.
    let mut ahead: Option<(SyncRequest, Result<SyncResponse, TransportError>)> = None;
    for _ in 0..ROUNDS_MAX {
        let (request, sent) = match ahead.take() {
            Some(asked) => asked,
            None => {
                let mark = store.mark().await?;
                let push = outbox::batch(&store.outbox().await?, budget);
                if let Some(last) = push.last() {
                    store.mark_sent(last.seq).await?;
                }
                let request = SyncRequest {
                    device_id,
                    epoch: mark.epoch,
                    schema: SCHEMA,
                    push,
                    cursor: mark.cursor,
                    // Large pages: a first download is a few big transactions, not many small ones.
                    limit: Some(PULL_LIMIT_MAX),
                };
                let sent = transport.sync(&request).await;
                (request, sent)
            }
        };
        let answer = match sent {
            Ok(answer) => answer,
            Err(TransportError::TooLarge) => {
                let sent = &request.push;
                match sent.first() {
                    Some(first) if sent.len() == 1 => {
                        return Err(SyncError::ChangeTooLarge(first.seq));
                    }
                    Some(_) => {
                        budget = sent[..sent.len() / 2].iter().map(outbox::size).sum();
                        continue;
                    }
                    None => return Err(TransportError::TooLarge.into()),
                }
            }
            Err(TransportError::Gap(expected)) => {
                let first = request.push.first().map_or(0, |p| p.seq);
                if expected < first && !renumbered {
                    store.renumber(expected).await?;
                    renumbered = true;
                    continue;
                }
                return Err(TransportError::Gap(expected).into());
            }
            Err(e) => return Err(e.into()),
        };
        progress.rounds += 1;
        progress.pushed += answer.results.len() as u64;
        progress.changes_received += answer.changes.len() as u64;
        let more = answer.more;
        // A download under way — nothing was sent or answered, no reset, the same epoch —
        // asks for its next page while this one is written: the page after depends only on
        // this answer's cursor. Anything saved meanwhile goes with the request after.
        let read_ahead = more
            && request.push.is_empty()
            && answer.results.is_empty()
            && !answer.reset
            && request
                .epoch
                .as_ref()
                .is_none_or(|epoch| *epoch == answer.epoch);
        if read_ahead {
            let next = SyncRequest {
                device_id,
                epoch: Some(answer.epoch.clone()),
                schema: SCHEMA,
                push: Vec::new(),
                cursor: Some(answer.cursor.clone()),
                limit: Some(PULL_LIMIT_MAX),
            };
            let (learned, sent) =
                futures_util::future::join(store.learn(&answer, now_ms()), transport.sync(&next))
                    .await;
            learned?;
            ahead = Some((next, sent));
        } else {
            store.learn(&answer, now_ms()).await?;
        }
        on_progress(progress);
        let waiting = !store.outbox().await?.is_empty();
        if !more && !waiting {
            return Ok(progress);
        }
    }
    Err(SyncError::Unsettled(ROUNDS_MAX))
}
