//! The SQL both backends share, as macros expanded once per backend (`sql_store!`), so each
//! expansion is type-checked against its own driver. Values always go through `.bind()`.
//! One file per concern: accounts (`auth`), records people read (`records`), photos
//! (`photos`), sync (`sync`), backup and restore (`backup`).
//!
//! A backend supplies `begin_write` (the database's write lock: PostgreSQL's row lock on the
//! counter, SQLite's one writer), `begin_read` (one snapshot) and `LOCK_COUNTER`, the statement
//! that reads the counter under that lock.

mod auth;
pub(crate) mod backup;
mod photos;
mod records;
mod sync;

pub(crate) use auth::sql_auth;
pub(crate) use backup::sql_backup;
pub(crate) use photos::sql_photos;
pub(crate) use records::sql_records;
pub(crate) use sync::sql_sync;

use dvk_shared::sync::{ChangeOp, Entity};

use super::{PulledChange, RecordWrite, StoreError};

macro_rules! sql_store {
    ($store:ty, $tx:ident, $db:ty, $kind:expr) => {
        $crate::store::sql::sql_auth!($store, $db);
        $crate::store::sql::sql_records!($store, $db);
        $crate::store::sql::sql_photos!($store, $db);
        $crate::store::sql::sql_sync!($store, $tx, $db);
        $crate::store::sql::sql_backup!($store, $db);

        #[async_trait::async_trait]
        impl $crate::store::Store for $store {
            fn kind(&self) -> dvk_shared::api::DatabaseKind {
                $kind
            }

            async fn ping(&self) -> Result<(), $crate::store::StoreError> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn is_empty(&self) -> Result<bool, $crate::store::StoreError> {
                let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM units")
                    .fetch_one(&self.pool)
                    .await?;
                Ok(count == 0)
            }

            async fn seed(
                &self,
                seed: &$crate::store::Seed,
                actor: &$crate::store::Actor,
                at: dvk_shared::date::Timestamp,
            ) -> Result<(), $crate::store::StoreError> {
                let (mut tx, _lock) = self.begin_write().await?;
                for unit in &seed.units {
                    Self::write_unit(&mut tx, unit, actor, at).await?;
                }
                for (user, hash) in &seed.users {
                    Self::write_user(&mut tx, user, hash, at).await?;
                }
                for (model, registered_at) in &seed.models {
                    Self::write_new_model(&mut tx, model, actor, *registered_at)
                        .await?
                        .ok_or_else(|| {
                            $crate::store::StoreError::Conflict(format!("model {}", model.id))
                        })?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn backup(
                &self,
                path: &std::path::Path,
            ) -> Result<$crate::store::BackupSummary, $crate::store::StoreError> {
                self.backup_to(path).await
            }

            async fn restore(
                &self,
                path: &std::path::Path,
            ) -> Result<$crate::store::BackupSummary, $crate::store::StoreError> {
                self.restore_from(path).await
            }
        }
    };
}

pub(crate) use sql_store;

/// The table of a synced record kind.
pub(crate) fn table(entity: Entity) -> &'static str {
    match entity {
        Entity::Unit => "units",
        Entity::Model => "models",
        Entity::Campaign => "campaigns",
        Entity::Survey => "surveys",
        Entity::Notice => "notices",
        Entity::Award => "awards",
        Entity::Library => "library",
        Entity::Oversight => "oversight",
    }
}

/// The column of a record kind's table that holds the unit whose people see it, or NULL.
pub(crate) fn unit_column(entity: Entity) -> &'static str {
    match entity {
        Entity::Model | Entity::Survey | Entity::Award | Entity::Oversight => "unit_id",
        Entity::Unit => "id",
        Entity::Campaign | Entity::Notice | Entity::Library => "CAST(NULL AS TEXT)",
    }
}

/// A value of one of the columns a record table adds to the core ones.
pub(crate) enum Column {
    Text(String),
    OptText(Option<String>),
    Int(i32),
}

/// The columns a record's table adds to the core ones, in the order `put_records` names them,
/// taken from the record itself so a stored row always agrees with its `data`.
pub(crate) struct Columns(pub Vec<Column>);

impl Columns {
    pub(crate) fn of(write: &RecordWrite) -> Result<Self, StoreError> {
        use Column::{Int, OptText, Text};
        let data = &write.record.data;
        let text = |key: &str| -> Result<Column, StoreError> {
            data[key]
                .as_str()
                .map(|s| Text(s.to_owned()))
                .ok_or_else(|| StoreError::Corrupt(format!("a record without {key}: {data}")))
        };
        let unit = || -> Result<Column, StoreError> {
            write
                .unit_id
                .map(|u| Text(u.to_string()))
                .ok_or_else(|| StoreError::Corrupt(format!("no unit for {}", write.record.id)))
        };
        Ok(Columns(match write.record.entity {
            Entity::Model => {
                let model: dvk_shared::model::Model = serde_json::from_value(data.clone())?;
                vec![
                    Text(model.unit_id.to_string()),
                    Text(model.name.clone()),
                    Text(dvk_shared::text::sort_key(&model.name)),
                    Text(dvk_shared::text::fold(&model.search_text())),
                    Text(model.field.as_str().to_owned()),
                    Int(i32::from(model.year)),
                    Text(model.status.as_str().to_owned()),
                    OptText(model.adopted_from.map(|m| m.to_string())),
                ]
            }
            Entity::Campaign => vec![Int(data["year"]
                .as_i64()
                .and_then(|y| i32::try_from(y).ok())
                .ok_or_else(|| {
                    StoreError::Corrupt(format!("a campaign without a year: {data}"))
                })?)],
            Entity::Survey => vec![
                text("campaign_id")?,
                text("model_id")?,
                unit()?,
                text("surveyor_id")?,
                text("status")?,
            ],
            Entity::Notice => vec![text("user_id")?],
            Entity::Award => {
                let award: dvk_shared::award::Award = serde_json::from_value(data.clone())?;
                vec![
                    Text(award.kind.as_str().to_owned()),
                    Text(award.recipient_type.as_str().to_owned()),
                    Text(award.unit_id.to_string()),
                    Int(i32::from(award.year)),
                    Text(award.status.as_str().to_owned()),
                ]
            }
            Entity::Oversight => vec![text("kind")?, text("unit_id")?, text("status")?],
            Entity::Unit | Entity::Library => Vec::new(),
        }))
    }
}

/// One page of a pull, from the changes each table gave (each at most `limit + 1`, in version
/// order): all of them in version order, a record's leaving a unit in sight left out when the
/// record is in sight anyway (it moved between two units the user sees), at most `limit` — but
/// never a version cut in two, or the next pull (after the last version sent) would miss the
/// rest of it.
pub(crate) fn page(mut changes: Vec<PulledChange>, limit: u32) -> (Vec<PulledChange>, bool) {
    let in_sight: std::collections::HashSet<_> = changes
        .iter()
        .filter(|c| c.op == ChangeOp::Put)
        .map(|c| (c.entity, c.id))
        .collect();
    changes.retain(|c| !(c.exit && in_sight.contains(&(c.entity, c.id))));
    changes.sort_by_key(|c| c.version);
    let limit = limit as usize;
    if changes.len() <= limit {
        return (changes, false);
    }
    let last = changes[limit.max(1) - 1].version;
    let end = changes
        .iter()
        .position(|c| c.version > last)
        .unwrap_or(changes.len());
    let more = end < changes.len();
    changes.truncate(end);
    (changes, more)
}

/// The name of a photo: the SHA-256 of its bytes as lowercase hex (`dvk_shared::photo`).
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Rows per multi-row statement: well under both databases' limits on bound values (SQLite
/// 32,766, PostgreSQL 65,535) at 15 columns.
pub(crate) const ROWS_PER_STATEMENT: usize = 500;

/// Field versions of a new record: every field at its creation version.
pub(crate) fn all_fields_at(data: &str, version: i64) -> dvk_shared::sync::FieldVersions {
    serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(data)
        .map(|fields| fields.keys().map(|k| (k.clone(), version)).collect())
        .unwrap_or_default()
}
