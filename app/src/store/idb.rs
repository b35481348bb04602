//! IndexedDB through indexed_db_futures. Its transactions roll back unless committed, so every
//! write path ends in `commit().await`; writes use strict durability because a tablet may lose
//! power right after a person pressed "save".

use indexed_db_futures::{
    database::Database,
    prelude::*,
    transaction::{TransactionDurability, TransactionMode, TransactionOptions},
};
use serde::{Serialize, de::DeserializeOwned};
use uuid::Uuid;

/// Bumped with every change of object stores; `upgrade` brings any older database along.
const VERSION: u32 = 1;
const META: &str = "meta";
const DEVICE_ID: &str = "device_id";

#[derive(Debug, thiserror::Error)]
pub enum LocalDbError {
    #[error("IndexedDB failed: {0}")]
    Idb(String),
    #[error("a stored value is not what this version expects: {0}")]
    Decode(String),
}

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
                if event.old_version() < 1.0 {
                    db.create_object_store(META).build()?;
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
        let store = tx.object_store(META)?;
        let value: Option<serde_json::Value> = store.get(key).serde()?.await?;
        value
            .map(|v| serde_json::from_value(v).map_err(|e| LocalDbError::Decode(e.to_string())))
            .transpose()
    }

    /// Sets a value of the `meta` store, durably.
    pub async fn put_meta<T: Serialize>(&self, key: &str, value: &T) -> Result<(), LocalDbError> {
        let value = serde_json::to_value(value).map_err(|e| LocalDbError::Decode(e.to_string()))?;
        let tx = self.write(META)?;
        tx.object_store(META)?
            .put(value)
            .with_key(key.to_owned())
            .with_key_type::<String>()
            .serde()?
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// This device's id (SYNC.md), made on first use and kept for the life of the database.
    /// Read and created in one transaction, so two tabs starting at once agree on one id.
    pub async fn device_id(&self) -> Result<Uuid, LocalDbError> {
        let tx = self.write(META)?;
        let store = tx.object_store(META)?;
        let existing: Option<String> = store.get(DEVICE_ID).serde()?.await?;
        if let Some(id) = existing.and_then(|s| Uuid::parse_str(&s).ok()) {
            return Ok(id);
        }
        let id = Uuid::now_v7();
        store
            .put(id.to_string())
            .with_key(DEVICE_ID.to_owned())
            .with_key_type::<String>()
            .serde()?
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    fn write(
        &self,
        store: &str,
    ) -> Result<indexed_db_futures::transaction::Transaction<'_>, LocalDbError> {
        let mut options = TransactionOptions::new();
        options.set_durability(TransactionDurability::Strict);
        Ok(self
            .db
            .transaction(store)
            .with_mode(TransactionMode::Readwrite)
            .with_options(options)
            .build()?)
    }
}
