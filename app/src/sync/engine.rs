//! One sync: round trips until the server has nothing more, each answer learned into the
//! local store in one transaction before the next request.

use dvk_shared::sync::{PULL_LIMIT_MAX, PUSH_MAX, SCHEMA, SyncRequest};

use super::transport::{Transport, TransportError};
use crate::store::{LocalDbError, LocalStore};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error(transparent)]
    Store(#[from] LocalDbError),
    #[error("sync did not settle after {0} rounds")]
    Unsettled(u32),
}

/// How far a sync got, for the progress bar of a long first download.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub rounds: u32,
    pub changes_received: u64,
    pub pushed: u64,
}

/// Syncs until the outbox is answered and the server has nothing more; `on_progress` is called
/// after each round. A failure leaves the outbox as it was (answered changes left it already).
pub async fn sync_until_settled<S: LocalStore, T: Transport>(
    store: &S,
    transport: &T,
    now_ms: impl Fn() -> i64,
    mut on_progress: impl FnMut(Progress),
) -> Result<Progress, SyncError> {
    let device_id = store.device_id().await?;
    let mut progress = Progress::default();
    // Bounded: a server that always says "more" must not spin a tablet forever.
    for _ in 0..1_000 {
        let mark = store.mark().await?;
        let mut push = store.outbox().await?;
        push.truncate(PUSH_MAX);
        let request = SyncRequest {
            device_id,
            epoch: mark.epoch,
            schema: SCHEMA,
            push,
            cursor: mark.cursor,
            // Large pages: a first download is a few big transactions, not many small ones.
            limit: Some(PULL_LIMIT_MAX),
        };
        let answer = transport.sync(&request).await?;
        progress.rounds += 1;
        progress.pushed += answer.results.len() as u64;
        progress.changes_received += answer.changes.len() as u64;
        let more = answer.more;
        store.learn(&answer, now_ms()).await?;
        on_progress(progress);
        let waiting = !store.outbox().await?.is_empty();
        if !more && !waiting {
            return Ok(progress);
        }
    }
    Err(SyncError::Unsettled(1_000))
}
