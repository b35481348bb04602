//! When to sync (SYNC.md): on start, on regaining the network, when the app becomes visible,
//! shortly after each local save, on a timer while anything is pending, and on "Sync now";
//! with backoff and jitter after failures. Its state is what the status bar shows.

use std::{future::Future, pin::Pin, rc::Rc, time::Duration};

use leptos::prelude::*;

use super::{
    HttpTransport, Progress, SyncError, TransportError, backoff_ms, photos::upload_waiting,
    sync_until_settled,
};
use crate::{
    components::on_demand::{Unavailable, on_demand},
    store::{LocalDb, LocalStore, shared_db, with_pending},
};
use dvk_shared::sync::Entity;

/// One sync: the outbox sent and the replica brought up to date until the server has nothing
/// more, then the photos waiting uploaded.
type Engine =
    fn(Rc<LocalDb>, SyncStatus) -> Pin<Box<dyn Future<Output = Result<Progress, SyncError>>>>;

on_demand!(engine:
    /// The sync engine in a module of its own, loaded when the first sync starts: the first
    /// screen shows what the device holds before it is needed. A tablet that cannot load it (no
    /// network, and not yet cached) cannot sync anyway: that is a sync that did not reach the
    /// server.
    fn engine() -> Result<Engine, Unavailable> {
        Ok(run)
    }
);

fn run(
    db: Rc<LocalDb>,
    status: SyncStatus,
) -> Pin<Box<dyn Future<Output = Result<Progress, SyncError>>>> {
    Box::pin(async move {
        // Pages read the store again once the sync settles, not after every round:
        // re-reading thousands of records per round would slow the download itself.
        let progress = sync_until_settled(db.as_ref(), &HttpTransport, now_ms, |p| {
            status.progress.set(Some(p));
        })
        .await?;
        // Records first, so a survey is on the server before its photos.
        upload_waiting().await.map_err(SyncError::Transport)?;
        Ok(progress)
    })
}

#[derive(Debug, Clone, PartialEq)]
pub enum SyncState {
    Idle,
    Syncing,
    /// No answer from the server; the next try is scheduled.
    Waiting,
    /// The session ended: the outbox is kept until the person signs in again.
    SignInRequired,
    /// The server refused the request as a whole; what it said.
    Failed(String),
    /// One change is larger than the server (or a proxy before it) takes.
    TooLarge,
}

/// The sync state the screens show and the handle to ask for a sync.
#[derive(Clone, Copy)]
pub struct SyncStatus {
    pub state: RwSignal<SyncState>,
    pub pending: RwSignal<usize>,
    pub problems: RwSignal<usize>,
    /// Photos kept here that the server does not have yet.
    pub photos_waiting: RwSignal<usize>,
    pub last_success: RwSignal<Option<i64>>,
    pub progress: RwSignal<Option<Progress>>,
    /// Bumped whenever the local store changed, so pages read it again.
    pub data_version: RwSignal<u64>,
    /// Whether the last attempt reached the server (any answer counts): the browser may say
    /// it is online while the server cannot be reached.
    pub reachable: RwSignal<bool>,
    attempt: RwSignal<u32>,
    running: RwSignal<bool>,
}

pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

impl SyncStatus {
    /// Makes the status and installs the triggers (network back, app visible, a timer while
    /// changes wait); call once, in the app's root, which also syncs when someone signs in.
    pub fn install() -> Self {
        let status = Self {
            state: RwSignal::new(SyncState::Idle),
            pending: RwSignal::new(0),
            problems: RwSignal::new(0),
            photos_waiting: RwSignal::new(0),
            last_success: RwSignal::new(None),
            progress: RwSignal::new(None),
            data_version: RwSignal::new(0),
            reachable: RwSignal::new(true),
            attempt: RwSignal::new(0),
            running: RwSignal::new(false),
        };
        status.refresh_counts();
        let _ = window_event_listener(leptos::ev::online, move |_| status.request());
        let _ = window_event_listener(leptos::ev::visibilitychange, move |_| {
            let visible = document().visibility_state() == web_sys::VisibilityState::Visible;
            if visible {
                status.request();
            }
        });
        set_interval(
            move || {
                let waiting =
                    status.pending.get_untracked() + status.photos_waiting.get_untracked();
                if waiting > 0 && !status.running.get_untracked() {
                    status.request();
                }
            },
            Duration::from_secs(30),
        );
        status
    }

    /// A local save happened: show it at once, send it shortly (a burst of typing is one sync).
    pub fn saved(self) {
        self.data_version.update(|v| *v += 1);
        self.refresh_counts();
        set_timeout(move || self.request(), Duration::from_millis(800));
    }

    /// Re-reads the counts the status bar shows.
    pub fn refresh_counts(self) {
        leptos::task::spawn_local(async move {
            if let Ok(db) = shared_db().await {
                if let Ok(outbox) = db.outbox().await {
                    self.pending.set(outbox.len());
                }
                // Answers to resolve, and notices that someone replaced this person's values
                // (those dismissed here but not yet sent no longer count).
                if let (Ok(problems), Ok(notices), Ok(outbox)) = (
                    db.problems().await,
                    db.records(Entity::Notice).await,
                    db.outbox().await,
                ) {
                    let notices = with_pending(notices, &outbox, Entity::Notice).len();
                    self.problems.set(problems.len() + notices);
                }
                self.photos_waiting
                    .set(crate::store::photos::waiting().await.len());
                if let Ok(mark) = db.mark().await {
                    self.last_success.set(mark.last_success);
                }
            }
        });
    }

    /// Starts a sync unless one runs.
    pub fn request(self) {
        if self.running.get_untracked() {
            return;
        }
        self.running.set(true);
        self.state.set(SyncState::Syncing);
        leptos::task::spawn_local(async move {
            let outcome = match (shared_db().await, engine().await) {
                (Ok(db), Ok(run)) => run(db, self).await,
                (Err(e), _) => Err(SyncError::Store(e)),
                (_, Err(Unavailable)) => Err(SyncError::Transport(TransportError::Unreachable(
                    "the sync module could not be loaded".into(),
                ))),
            };
            // The status bar says the sync ended before the screens read what it brought (a
            // first download's thousands of records take them a moment).
            if outcome.is_ok()
                && let Ok(db) = shared_db().await
                && let Ok(mark) = db.mark().await
            {
                self.last_success.set(mark.last_success);
            }
            self.running.set(false);
            self.progress.set(None);
            self.data_version.update(|v| *v += 1);
            self.refresh_counts();
            self.reachable.set(!matches!(
                outcome,
                Err(SyncError::Transport(TransportError::Unreachable(_)))
            ));
            match outcome {
                Ok(_) => {
                    self.attempt.set(0);
                    self.state.set(SyncState::Idle);
                }
                Err(SyncError::Transport(TransportError::SignInRequired)) => {
                    self.state.set(SyncState::SignInRequired);
                }
                Err(SyncError::Transport(TransportError::Refused { message, .. })) => {
                    self.state.set(SyncState::Failed(message));
                }
                Err(SyncError::ChangeTooLarge(_)) => {
                    self.state.set(SyncState::TooLarge);
                }
                Err(other) => {
                    // Unreachable, a gap, a store hiccup: try again later, further apart.
                    let attempt = self.attempt.get_untracked() + 1;
                    self.attempt.set(attempt);
                    self.state.set(SyncState::Waiting);
                    let delay = backoff_ms(attempt, js_sys::Math::random());
                    web_sys::console::info_1(
                        &format!("sync failed ({other}); retry in {delay} ms").into(),
                    );
                    set_timeout(move || self.request(), Duration::from_millis(delay));
                }
            }
        });
    }
}
