//! The local store in IndexedDB (indexed_db_futures). Its transactions roll back unless
//! committed, so every write path ends in `commit().await`; writes use strict durability because
//! a tablet may lose power right after a person pressed "save". Values are kept as JSON text
//! under text keys, so what is stored is exactly what serde wrote, in every browser.

use dvk_shared::sync::{Mutation, Push, SyncResponse};
use indexed_db_futures::{
    database::Database,
    object_store::ObjectStore,
    prelude::*,
    transaction::{Transaction, TransactionDurability, TransactionMode, TransactionOptions},
};
use serde::{Serialize, de::DeserializeOwned};
use uuid::Uuid;

use super::{
    HandOver, LocalDbError, LocalStore, Owner, Problem, Record, SyncMark, outbox_key, problems_of,
    replica_changes,
};

/// Bumped with every change of object stores; the upgrade brings any older database along.
const VERSION: u32 = 2;
const META: &str = "meta";
const OUTBOX: &str = "outbox";
const RECORDS: &str = "records";
const PROBLEMS: &str = "problems";
const DEVICE_ID: &str = "device_id";
const NEXT_SEQ: &str = "next_seq";
const MARK: &str = "sync_mark";
const OWNER: &str = "owner";

impl From<indexed_db_futures::error::Error> for LocalDbError {
    fn from(e: indexed_db_futures::error::Error) -> Self {
        LocalDbError::Idb(e.to_string())
    }
}

impl From<indexed_db_futures::error::OpenDbError> for LocalDbError {
    fn from(e: indexed_db_futures::error::OpenDbError) -> Self {
        LocalDbError::Idb(e.to_string())
    }
}

fn decode<T: DeserializeOwned>(text: &str) -> Result<T, LocalDbError> {
    serde_json::from_str(text).map_err(|e| LocalDbError::Decode(e.to_string()))
}

fn encode<T: Serialize>(value: &T) -> Result<String, LocalDbError> {
    serde_json::to_string(value).map_err(|e| LocalDbError::Decode(e.to_string()))
}

async fn get<T: DeserializeOwned>(
    store: &ObjectStore<'_>,
    key: &str,
) -> Result<Option<T>, LocalDbError> {
    let raw: Option<String> = store.get(key.to_owned()).primitive()?.await?;
    raw.as_deref().map(decode).transpose()
}

async fn put<T: Serialize>(
    store: &ObjectStore<'_>,
    key: &str,
    value: &T,
) -> Result<(), LocalDbError> {
    store
        .put(encode(value)?)
        .with_key(key.to_owned())
        .primitive()?
        .await?;
    Ok(())
}

async fn all<T: DeserializeOwned>(store: &ObjectStore<'_>) -> Result<Vec<T>, LocalDbError> {
    let mut out = Vec::new();
    for raw in store.get_all::<String>().primitive()?.await? {
        out.push(decode(&raw?)?);
    }
    Ok(out)
}

async fn delete(store: &ObjectStore<'_>, key: &str) -> Result<(), LocalDbError> {
    store.delete(key.to_owned()).primitive()?.await?;
    Ok(())
}

pub struct LocalDb {
    db: Database,
}

impl LocalDb {
    /// Opens (creating or upgrading) the database `name`.
    pub async fn open(name: &str) -> Result<Self, LocalDbError> {
        let db = Database::open(name)
            .with_version(VERSION)
            .with_on_upgrade_needed(|event, db| {
                // Each step brings a database of the previous version one version further, so a
                // tablet that missed releases still upgrades without losing its outbox.
                let old = event.old_version();
                if old < 1.0 {
                    db.create_object_store(META).build()?;
                }
                if old < 2.0 {
                    db.create_object_store(OUTBOX).build()?;
                    db.create_object_store(RECORDS).build()?;
                    db.create_object_store(PROBLEMS).build()?;
                }
                Ok(())
            })
            .await?;
        Ok(Self { db })
    }

    /// A value of the device's own bookkeeping (`meta` store), if set.
    pub async fn get_meta<T: DeserializeOwned>(
        &self,
        key: &str,
    ) -> Result<Option<T>, LocalDbError> {
        let tx = self.db.transaction(META).build()?;
        get(&tx.object_store(META)?, key).await
    }

    /// Sets a value of the `meta` store, durably.
    pub async fn put_meta<T: Serialize>(&self, key: &str, value: &T) -> Result<(), LocalDbError> {
        let tx = self.write(&[META])?;
        put(&tx.object_store(META)?, key, value).await?;
        tx.commit().await?;
        Ok(())
    }

    fn write(&self, stores: &[&str]) -> Result<Transaction<'_>, LocalDbError> {
        let mut options = TransactionOptions::new();
        options.set_durability(TransactionDurability::Strict);
        Ok(self
            .db
            .transaction(stores.to_vec())
            .with_mode(TransactionMode::Readwrite)
            .with_options(options)
            .build()?)
    }
}

impl LocalStore for LocalDb {
    /// Read and created in one transaction, so two tabs starting at once agree on one id.
    async fn device_id(&self) -> Result<Uuid, LocalDbError> {
        let tx = self.write(&[META])?;
        let store = tx.object_store(META)?;
        if let Some(id) = get::<Uuid>(&store, DEVICE_ID).await? {
            return Ok(id);
        }
        let id = Uuid::now_v7();
        put(&store, DEVICE_ID, &id).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The seq is taken in the same transaction that writes the change (SYNC.md), so a crash
    /// can leave neither a gap nor two changes with one number.
    async fn enqueue(&self, mutation: Mutation) -> Result<u64, LocalDbError> {
        let tx = self.write(&[META, OUTBOX])?;
        let meta = tx.object_store(META)?;
        let seq = get::<u64>(&meta, NEXT_SEQ).await?.unwrap_or(1);
        put(&meta, NEXT_SEQ, &(seq + 1)).await?;
        put(
            &tx.object_store(OUTBOX)?,
            &outbox_key(seq),
            &Push { seq, mutation },
        )
        .await?;
        tx.commit().await?;
        Ok(seq)
    }

    async fn outbox(&self) -> Result<Vec<Push>, LocalDbError> {
        let tx = self.db.transaction(OUTBOX).build()?;
        all(&tx.object_store(OUTBOX)?).await
    }

    async fn records(&self, entity: &str) -> Result<Vec<Record>, LocalDbError> {
        let tx = self.db.transaction(RECORDS).build()?;
        let records: Vec<Record> = all(&tx.object_store(RECORDS)?).await?;
        Ok(records.into_iter().filter(|r| r.entity == entity).collect())
    }

    async fn mark(&self) -> Result<SyncMark, LocalDbError> {
        Ok(self.get_meta(MARK).await?.unwrap_or_default())
    }

    async fn learn(&self, answer: &SyncResponse, now_ms: i64) -> Result<(), LocalDbError> {
        let tx = self.write(&[META, OUTBOX, RECORDS, PROBLEMS])?;
        let outbox = tx.object_store(OUTBOX)?;
        let pending: Vec<Push> = all(&outbox).await?;
        let problems = tx.object_store(PROBLEMS)?;
        for problem in problems_of(answer, &pending) {
            put(&problems, &outbox_key(problem.push.seq), &problem).await?;
        }
        for result in &answer.results {
            delete(&outbox, &outbox_key(result.seq)).await?;
        }
        let records = tx.object_store(RECORDS)?;
        if answer.reset {
            records.clear()?.await?;
        }
        // The requests of a first download are issued without waiting for each in turn: the
        // transaction orders them, and its commit below fails if any of them failed.
        let (deletes, puts) = replica_changes(answer);
        for key in deletes {
            drop(records.delete(key).primitive()?);
        }
        for (key, record) in puts {
            drop(records.put(encode(&record)?).with_key(key).primitive()?);
        }
        let mark = SyncMark {
            cursor: Some(answer.cursor.clone()),
            epoch: Some(answer.epoch.clone()),
            last_success: Some(now_ms),
        };
        put(&tx.object_store(META)?, MARK, &mark).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn problems(&self) -> Result<Vec<Problem>, LocalDbError> {
        let tx = self.db.transaction(PROBLEMS).build()?;
        all(&tx.object_store(PROBLEMS)?).await
    }

    async fn dismiss_problem(&self, seq: u64) -> Result<(), LocalDbError> {
        let tx = self.write(&[PROBLEMS])?;
        delete(&tx.object_store(PROBLEMS)?, &outbox_key(seq)).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn hand_over(&self, owner: &Owner) -> Result<HandOver, LocalDbError> {
        let tx = self.write(&[META, OUTBOX, RECORDS, PROBLEMS])?;
        let meta = tx.object_store(META)?;
        match get::<Owner>(&meta, OWNER).await? {
            Some(current) if current.user_id == owner.user_id => return Ok(HandOver::Ready),
            Some(current) => {
                let outbox = tx.object_store(OUTBOX)?.count().primitive()?.await?;
                let problems = tx.object_store(PROBLEMS)?.count().primitive()?.await?;
                let waiting = (outbox + problems) as usize;
                if waiting > 0 {
                    return Ok(HandOver::Blocked {
                        previous: current.name,
                        waiting,
                    });
                }
                tx.object_store(RECORDS)?.clear()?.await?;
                delete(&meta, MARK).await?;
                put(&meta, DEVICE_ID, &Uuid::now_v7()).await?;
                put(&meta, NEXT_SEQ, &1u64).await?;
            }
            None => {}
        }
        put(&meta, OWNER, owner).await?;
        tx.commit().await?;
        Ok(HandOver::Ready)
    }
}
