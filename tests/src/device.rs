//! A simulated tablet for sync tests: the app's own engine and rules (`dvk_shared::sync::client`)
//! over a store in memory, speaking to the real server over HTTP. Protocol tests also send
//! requests by hand (`save`, `request`, `send`, `learn`) to lose answers or double requests.

use std::{
    collections::BTreeMap,
    future::Future,
    pin::pin,
    task::{Context as TaskContext, Poll, Waker},
};

use anyhow::{Result, bail};
use dvk_shared::{
    ids::RecordId,
    sync::{
        Entity, Kind, Mutation, Push, PushResult, PushStatus, SCHEMA, SeqGap, SyncRequest,
        SyncResponse,
        client::{
            LocalStore, MemoryStore, Progress, SyncError, SyncMark, Transport, TransportError,
            sync_until_settled,
        },
    },
};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::Client;

/// What a device holds of one record.
#[derive(Debug, Clone, PartialEq)]
pub struct Held {
    pub version: i64,
    pub data: Value,
}

pub struct Device {
    pub client: Client,
    pub store: MemoryStore,
    pub id: Uuid,
    /// Where the device's HTTP requests go (a server process), when not the client's own.
    pub base: Option<String>,
}

/// The result of one round trip sent by hand.
pub enum Round {
    Answered(SyncResponse),
    /// The server answered something other than 200.
    Refused(u16, Value),
}

/// Runs a future of the in-memory store, which never waits on anything, to its end.
pub fn ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut TaskContext::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the memory store never waits"),
    }
}

/// `POST /api/sync` over HTTP, answered as the app's transport answers.
pub struct HttpTransport<'a> {
    pub http: &'a reqwest::Client,
    pub url: String,
}

impl Transport for HttpTransport<'_> {
    async fn sync(&self, request: &SyncRequest) -> Result<SyncResponse, TransportError> {
        let (status, body) = post_sync(self.http, &self.url, request).await?;
        read_answer(status, &body)
    }
}

/// Sends one `POST /api/sync` and returns the status and body as they came.
pub async fn post_sync(
    http: &reqwest::Client,
    url: &str,
    request: &SyncRequest,
) -> Result<(u16, Vec<u8>), TransportError> {
    // A request given up after the client's timeout says so (the chaos run counts them).
    let unreachable = |e: reqwest::Error| {
        TransportError::Unreachable(if e.is_timeout() {
            format!("timed out: {e}")
        } else {
            e.to_string()
        })
    };
    let response = http
        .post(url)
        .json(request)
        .send()
        .await
        .map_err(unreachable)?;
    let status = response.status().as_u16();
    let body = response.bytes().await.map_err(unreachable)?;
    Ok((status, body.to_vec()))
}

/// Reads the server's answer to a sync as the app's transport reads it.
pub fn read_answer(status: u16, body: &[u8]) -> Result<SyncResponse, TransportError> {
    match status {
        200 => serde_json::from_slice(body).map_err(|e| TransportError::Unreachable(e.to_string())),
        401 => Err(TransportError::SignInRequired),
        409 => match serde_json::from_slice::<SeqGap>(body) {
            Ok(gap) => Err(TransportError::Gap(gap.expected)),
            Err(e) => Err(TransportError::Unreachable(e.to_string())),
        },
        413 => Err(TransportError::TooLarge),
        status if status >= 500 => Err(TransportError::Unreachable(format!("status {status}"))),
        status => Err(TransportError::Refused {
            status,
            message: serde_json::from_slice::<Value>(body)
                .ok()
                .and_then(|v| v["message"].as_str().map(str::to_owned))
                .unwrap_or_default(),
        }),
    }
}

impl Device {
    pub fn new(client: Client) -> Self {
        let id = Uuid::now_v7();
        Self {
            client,
            store: MemoryStore::new(id),
            id,
            base: None,
        }
    }

    /// A device of a demo account, signed in and holding what that account sees.
    pub async fn of_demo(server: &crate::TestServer, account: &str) -> Result<Self> {
        let client = server.client();
        client.login_demo(account).await?;
        let mut device = Self::new(client);
        device.sync().await?;
        Ok(device)
    }

    fn mutation(kind: &str, id: Uuid, base_version: Option<i64>, fields: Value) -> Mutation {
        Mutation {
            kind: Kind::parse(kind).unwrap_or_else(|| panic!("no kind {kind}")),
            id: RecordId::from_uuid(id).unwrap_or_else(|_| panic!("{id} is not a UUIDv7")),
            base_version,
            fields: fields.as_object().cloned().unwrap_or_else(Map::new),
        }
    }

    /// Saves a change under the next seq as it is, never joined to another: for tests that
    /// speak the protocol change by change.
    pub fn save(&mut self, kind: &str, id: Uuid, base_version: Option<i64>, fields: Value) -> u64 {
        self.store
            .push_raw(Self::mutation(kind, id, base_version, fields))
    }

    /// Saves a change as the app does: joined to an unsent edit of the same record when they
    /// coalesce.
    pub fn edit(&mut self, kind: &str, id: Uuid, base_version: Option<i64>, fields: Value) -> u64 {
        ready(
            self.store
                .enqueue(Self::mutation(kind, id, base_version, fields)),
        )
        .unwrap_or_else(|e| panic!("cannot save: {e}"))
    }

    /// What the device holds, by entity name and id.
    pub fn replica(&self) -> BTreeMap<(String, Uuid), Held> {
        self.store
            .replica()
            .into_iter()
            .map(|((entity, id), record)| {
                (
                    (entity.as_str().to_owned(), id),
                    Held {
                        version: record.version,
                        data: record.data,
                    },
                )
            })
            .collect()
    }

    /// The record the device holds, if any.
    pub fn held(&self, entity: Entity, id: Uuid) -> Option<Held> {
        self.store.replica().get(&(entity, id)).map(|r| Held {
            version: r.version,
            data: r.data.clone(),
        })
    }

    /// Every answer the device learned, by seq.
    pub fn answers(&self) -> BTreeMap<u64, PushResult> {
        self.store.answers()
    }

    /// The answer the device learned for `seq` (the test fails if it has none).
    pub fn answer(&self, seq: u64) -> PushResult {
        self.answers()
            .get(&seq)
            .cloned()
            .unwrap_or_else(|| panic!("no answer for seq {seq}"))
    }

    /// Asserts that the change `seq` was applied.
    pub fn applied(&self, seq: u64) {
        let result = self.answer(seq);
        assert_eq!(result.status, PushStatus::Applied, "{result:?}");
    }

    /// Asserts that the change `seq` was rejected; its code and message.
    pub fn refused(&self, seq: u64) -> (String, String) {
        let result = self.answer(seq);
        assert_eq!(result.status, PushStatus::Rejected, "{result:?}");
        let error = result
            .error
            .unwrap_or_else(|| panic!("a rejection without its error for seq {seq}"));
        (error.code, error.message)
    }

    /// Changes saved and not yet answered.
    pub fn outbox(&self) -> Vec<Push> {
        self.store.pending()
    }

    /// The version this device holds of a model, for the base of its next edit.
    pub fn version_of(&self, id: Uuid) -> Option<i64> {
        self.held(Entity::Model, id).map(|h| h.version)
    }

    pub fn mark(&self) -> SyncMark {
        self.store.sync_mark()
    }

    /// The request the device would send now, with its whole outbox.
    pub fn request(&self) -> SyncRequest {
        let mark = self.mark();
        SyncRequest {
            device_id: self.id,
            epoch: mark.epoch,
            schema: SCHEMA,
            push: self.outbox(),
            cursor: mark.cursor,
            limit: None,
        }
    }

    fn sync_url(&self) -> String {
        format!(
            "{}/api/sync",
            self.base.as_deref().unwrap_or(self.client.base.as_str())
        )
    }

    /// Sends a request and returns the raw answer without learning from it (a lost response
    /// is a call to this whose result is thrown away).
    pub async fn send(&self, request: &SyncRequest) -> Result<Round> {
        let response = self
            .client
            .http
            .post(self.sync_url())
            .json(request)
            .send()
            .await?;
        let status = response.status().as_u16();
        if status == 200 {
            Ok(Round::Answered(response.json().await?))
        } else {
            Ok(Round::Refused(
                status,
                response.json().await.unwrap_or(Value::Null),
            ))
        }
    }

    /// Learns from an answer, as the app does.
    pub fn learn(&mut self, response: SyncResponse) {
        ready(self.store.learn(&response, 0)).unwrap_or_else(|e| panic!("cannot learn: {e}"));
    }

    /// One full sync by the app's engine: round trips until the outbox is answered and the
    /// server has nothing more.
    pub async fn sync(&mut self) -> Result<Progress> {
        let transport = HttpTransport {
            http: &self.client.http,
            url: self.sync_url(),
        };
        match sync_until_settled(&self.store, &transport, || 0, |_| {}).await {
            Ok(progress) => Ok(progress),
            Err(SyncError::Transport(TransportError::Refused { status, message })) => {
                bail!("sync refused: {status} {message}")
            }
            Err(e) => bail!("sync failed: {e}"),
        }
    }
}
