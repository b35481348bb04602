//! A simulated tablet for sync tests: an outbox numbered 1, 2, 3, … and a replica, speaking
//! the protocol of SYNC.md to the real server the way the app does.

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use dvk_shared::sync::{ChangeOp, Mutation, Push, PushResult, SCHEMA, SyncRequest, SyncResponse};
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
    pub id: Uuid,
    next_seq: u64,
    /// Saved changes not yet answered.
    pub outbox: Vec<Push>,
    /// Every answer the server gave, by seq: nothing saved may go unanswered.
    pub answers: BTreeMap<u64, PushResult>,
    pub replica: BTreeMap<(String, Uuid), Held>,
    pub cursor: Option<String>,
    pub epoch: Option<String>,
    /// The record each saved change was about, by seq.
    pub saved: BTreeMap<u64, Uuid>,
}

/// The result of one round trip.
pub enum Round {
    Answered(SyncResponse),
    /// The server answered something other than 200.
    Refused(u16, Value),
}

impl Device {
    pub fn new(client: Client) -> Self {
        Self {
            client,
            id: Uuid::now_v7(),
            next_seq: 1,
            outbox: Vec::new(),
            answers: BTreeMap::new(),
            replica: BTreeMap::new(),
            cursor: None,
            epoch: None,
            saved: BTreeMap::new(),
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

    /// Saves a change locally (into the outbox), as the app does before any network.
    pub fn save(&mut self, kind: &str, id: Uuid, base_version: Option<i64>, fields: Value) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.saved.insert(seq, id);
        self.outbox.push(Push {
            seq,
            mutation: Mutation {
                kind: kind.to_owned(),
                id,
                base_version,
                fields: fields.as_object().cloned().unwrap_or_else(Map::new),
            },
        });
        seq
    }

    /// The version this device holds of a model, for the base of its next edit.
    pub fn version_of(&self, id: Uuid) -> Option<i64> {
        self.replica
            .get(&("model".to_owned(), id))
            .map(|h| h.version)
    }

    pub fn request(&self) -> SyncRequest {
        SyncRequest {
            device_id: self.id,
            epoch: self.epoch.clone(),
            schema: SCHEMA,
            push: self.outbox.clone(),
            cursor: self.cursor.clone(),
            limit: None,
        }
    }

    /// Sends a request and returns the raw answer without learning from it (a lost response
    /// is a call to this whose result is thrown away).
    pub async fn send(&self, request: &SyncRequest) -> Result<Round> {
        let response = self
            .client
            .http
            .post(self.client.url("/api/sync"))
            .json(request)
            .send()
            .await
            .context("sync request")?;
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

    /// Learns from an answer: answered changes leave the outbox, changes enter the replica.
    pub fn learn(&mut self, response: SyncResponse) {
        for result in response.results {
            self.outbox.retain(|p| p.seq != result.seq);
            self.answers.insert(result.seq, result);
        }
        if response.reset {
            self.replica.clear();
        }
        for change in response.changes {
            let key = (change.entity.clone(), change.id);
            match (change.op, change.data) {
                (ChangeOp::Put, Some(data)) => {
                    self.replica.insert(
                        key,
                        Held {
                            version: change.version,
                            data,
                        },
                    );
                }
                _ => {
                    self.replica.remove(&key);
                }
            }
        }
        self.cursor = Some(response.cursor);
        self.epoch = Some(response.epoch);
    }

    /// One full sync: round trips until the server has nothing more. A 409 gap resends from
    /// the expected seq (which here is always what the outbox holds).
    pub async fn sync(&mut self) -> Result<()> {
        for _ in 0..100 {
            match self.send(&self.request()).await? {
                Round::Answered(response) => {
                    let more = response.more;
                    self.learn(response);
                    if !more {
                        return Ok(());
                    }
                }
                Round::Refused(status, body) => bail!("sync refused: {status} {body}"),
            }
        }
        bail!("sync did not settle in 100 rounds")
    }
}
