//! The pull half of `POST /api/sync`: what changed after the device's cursor, in the user's
//! sight, read from one snapshot (SYNC.md). The cursor carries the scope the device's replica
//! was built for, so a change of scope is answered `reset` until the device's next request
//! shows it rebuilt — a lost answer cannot leave it holding what it may no longer see.

use dvk_shared::{date::Timestamp, sync::SyncRequest};

use crate::{
    access::Viewer,
    error::{ApiError, Forbidden},
    store::{PullQuery, PulledChange, Store},
};

/// How long a device may go unrecorded as seen: a pull writes its row at most this often.
const SEEN_EVERY_MS: i64 = 5 * 60_000;

/// Where a device's replica stands: the last version it holds, and the scope it was built
/// for. On the wire an opaque text, `<version>.<scope>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Cursor {
    pub version: i64,
    pub scope: String,
}

impl Cursor {
    /// Reads a cursor this server gave; a cursor without a scope (given before scopes travelled
    /// in it) reads with none, so the device rebuilds once.
    pub fn parse(text: Option<&str>) -> Cursor {
        let Some(text) = text else {
            return Cursor::default();
        };
        let (version, scope) = text.split_once('.').unwrap_or((text, ""));
        Cursor {
            version: version.parse().unwrap_or(0),
            scope: scope.to_owned(),
        }
    }

    /// Whether `text` is a cursor at all (checked before anything is applied).
    pub fn is_valid(text: &str) -> bool {
        let version = text.split_once('.').map_or(text, |(v, _)| v);
        version.parse::<i64>().is_ok_and(|v| v >= 0)
    }

    pub fn text(&self) -> String {
        format!("{}.{}", self.version, self.scope)
    }
}

/// `SyncResponse` as the server writes it: pulled records go out as stored, unparsed.
#[derive(serde::Serialize)]
pub(crate) struct Answer {
    pub epoch: String,
    pub reset: bool,
    pub results: Vec<dvk_shared::sync::PushResult>,
    pub changes: Vec<PulledChange>,
    pub cursor: String,
    pub more: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kept_through: Option<i64>,
}

/// Reads what the device should learn next.
pub(crate) async fn pull(
    store: &dyn Store,
    viewer: &Viewer,
    request: &SyncRequest,
    now: Timestamp,
) -> Result<Answer, ApiError> {
    let scope = viewer.scope.key();
    let held = Cursor::parse(request.cursor.as_deref());
    let mut query = PullQuery {
        cursor: held.version,
        units: viewer.units_within(None)?,
        user: viewer.user.id,
        schema: request.schema,
        limit: request
            .limit
            .unwrap_or(dvk_shared::sync::PULL_LIMIT_DEFAULT),
        device: request.device_id.to_string(),
    };
    let mut pulled = store.pull(&query).await?;
    let same_epoch = request.epoch.as_deref() == Some(pulled.counter.epoch.as_str());
    if request.cursor.is_some() && same_epoch && held.version > pulled.counter.version {
        // A cursor past the counter: the database went back in time without `dvk restore`.
        store.rotate_epoch(&pulled.counter.epoch).await?;
        pulled = store.pull(&query).await?;
    }
    let reset = request.cursor.is_some()
        && (request.epoch.as_deref() != Some(pulled.counter.epoch.as_str()) || held.scope != scope);
    if reset && query.cursor != 0 {
        query.cursor = 0;
        pulled = store.pull(&query).await?;
    }
    match &pulled.device {
        Some(device) if device.user_id != viewer.user.id => {
            return Err(ApiError::Forbidden(Forbidden::DeviceOfAnotherUser));
        }
        Some(device) if now.0 - device.seen_at.0 < SEEN_EVERY_MS => {}
        _ => {
            store
                .device_seen(&query.device, viewer.user.id, now)
                .await?
        }
    }
    let version = pulled.changes.last().map_or(query.cursor, |c| c.version);
    Ok(Answer {
        epoch: pulled.counter.epoch,
        reset,
        results: Vec::new(),
        changes: pulled.changes,
        cursor: Cursor { version, scope }.text(),
        more: pulled.more,
        kept_through: pulled.counter.kept_through,
    })
}
