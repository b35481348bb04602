//! Sync's storage: a push's transaction under the one write lock, a pull from one snapshot,
//! the epoch. Every synced record table has the same core columns (`id`, `data`, `version`,
//! `field_versions`, `field_writers`, `created_at`, `updated_at`, `deleted`), so one loader
//! reads them all; each table adds the columns its queries filter on.

macro_rules! sql_sync {
    ($store:ty, $tx:ident, $db:ty) => {
        /// One push's transaction, holding the write lock (and on SQLite the process's writer
        /// turn) until it commits or is dropped.
        pub struct $tx {
            tx: sqlx::Transaction<'static, $db>,
            _lock: Option<tokio::sync::OwnedMutexGuard<()>>,
        }

        impl $store {
            /// Record ids as the database gave them.
            fn parse_ids(ids: &[String]) -> Result<Vec<uuid::Uuid>, $crate::store::StoreError> {
                ids.iter()
                    .map(|id| {
                        id.parse()
                            .map_err(|_| $crate::store::StoreError::Corrupt(format!("a record id {id:?}")))
                    })
                    .collect()
            }

            /// The counter, the epoch and what a restore kept, inside `conn`'s transaction.
            pub(crate) async fn counter_in(
                conn: &mut <$db as sqlx::Database>::Connection,
                counter_sql: &'static str,
            ) -> Result<$crate::store::Counter, $crate::store::StoreError> {
                use sqlx::Row;
                let version: i64 = sqlx::query_scalar(counter_sql).fetch_one(&mut *conn).await?;
                let mut epoch = String::new();
                let mut kept_through = None;
                for row in sqlx::query("SELECT key, value FROM server_meta WHERE key IN ('epoch', 'kept_through')")
                    .fetch_all(&mut *conn)
                    .await?
                {
                    let value: String = row.try_get("value")?;
                    match row.try_get::<&str, _>("key")? {
                        "epoch" => epoch = value,
                        _ => kept_through = value.parse().ok(),
                    }
                }
                Ok($crate::store::Counter { version, epoch, kept_through })
            }

            /// Starts a new epoch keeping everything up to the counter, unless the epoch is no
            /// longer `seen` (another request rotated it). The caller holds the write lock.
            async fn rotate_in(
                conn: &mut <$db as sqlx::Database>::Connection,
                seen: &str,
            ) -> Result<(), $crate::store::StoreError> {
                let version: i64 =
                    sqlx::query_scalar("SELECT value FROM counters WHERE name = 'version'")
                        .fetch_one(&mut *conn)
                        .await?;
                let rotated = sqlx::query("UPDATE server_meta SET value = $1 WHERE key = 'epoch' AND value = $2")
                    .bind($crate::store::new_epoch())
                    .bind(seen)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected();
                if rotated == 1 {
                    sqlx::query(
                        "INSERT INTO server_meta (key, value) VALUES ('kept_through', $1) \
                         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    )
                    .bind(version.to_string())
                    .execute(&mut *conn)
                    .await?;
                    tracing::warn!(version, "the database went back in time without a restore: started a new epoch");
                }
                Ok(())
            }

            fn device_of(
                row: &<$db as sqlx::Database>::Row,
            ) -> Result<$crate::store::Device, $crate::store::StoreError> {
                use sqlx::Row;
                Ok($crate::store::Device {
                    id: row.try_get("id")?,
                    user_id: $crate::store::parse_id(row.try_get::<&str, _>("user_id")?)?,
                    last_seq: u64::try_from(row.try_get::<i64, _>("last_seq")?).unwrap_or_default(),
                    epoch: row.try_get("epoch")?,
                    seen_at: dvk_shared::date::Timestamp(row.try_get("seen_at")?),
                })
            }

            fn record_of(
                entity: dvk_shared::sync::Entity,
                row: &<$db as sqlx::Database>::Row,
            ) -> Result<$crate::store::StoredRecord, $crate::store::StoreError> {
                use sqlx::Row;
                Ok($crate::store::StoredRecord {
                    entity,
                    id: $crate::store::parse_id(row.try_get::<&str, _>("id")?)?,
                    data: serde_json::from_str(row.try_get::<&str, _>("data")?)?,
                    version: row.try_get("version")?,
                    field_versions: serde_json::from_str(row.try_get::<&str, _>("field_versions")?)?,
                    field_writers: serde_json::from_str(row.try_get::<&str, _>("field_writers")?)?,
                    created_at: dvk_shared::date::Timestamp(row.try_get("created_at")?),
                    updated_at: dvk_shared::date::Timestamp(row.try_get("updated_at")?),
                    deleted: row.try_get("deleted")?,
                    unit_id: row
                        .try_get::<Option<String>, _>("unit_id")?
                        .map(|u| $crate::store::parse_id(&u))
                        .transpose()?,
                })
            }

            /// `query` ` AND {column} IN (…units)`; `false` when no unit is in sight (nothing
            /// can match).
            fn in_units(
                query: &mut sqlx::QueryBuilder<$db>,
                column: &str,
                units: Option<&[dvk_shared::ids::UnitId]>,
            ) -> bool {
                let Some(units) = units else { return true };
                if units.is_empty() {
                    return false;
                }
                query.push(format_args!(" AND {column} IN ("));
                let mut list = query.separated(", ");
                for unit in units {
                    list.push_bind(unit.to_string());
                }
                query.push(")");
                true
            }

            /// Upserts records of one entity.
            async fn put_records(
                conn: &mut <$db as sqlx::Database>::Connection,
                entity: dvk_shared::sync::Entity,
                rows: &[&$crate::store::RecordWrite],
            ) -> Result<(), $crate::store::StoreError> {
                use dvk_shared::sync::Entity;
                for chunk in rows.chunks($crate::store::sql::ROWS_PER_STATEMENT) {
                    let mut columns = Vec::with_capacity(chunk.len());
                    for write in chunk {
                        columns.push($crate::store::sql::Columns::of(write)?);
                    }
                    let (table, extra): (&str, &[&str]) = match entity {
                        Entity::Model => ("models", &["unit_id", "name", "name_sort", "search", "field", "year", "status", "adopted_from"]),
                        Entity::Campaign => ("campaigns", &["year"]),
                        Entity::Survey => ("surveys", &["campaign_id", "model_id", "unit_id", "surveyor_id", "status"]),
                        Entity::Notice => ("notices", &["user_id"]),
                        Entity::Award => ("awards", &["kind", "recipient_type", "unit_id", "year", "status"]),
                        Entity::Library => ("library", &[]),
                        Entity::Oversight => ("oversight", &["kind", "unit_id", "status"]),
                        Entity::Unit => {
                            return Err($crate::store::StoreError::Corrupt("units are not written by a push".into()))
                        }
                    };
                    let core = ["id", "data", "version", "field_versions", "field_writers", "created_at", "updated_at", "deleted"];
                    let names: Vec<&str> = core.iter().chain(extra.iter()).copied().collect();
                    let mut query = sqlx::QueryBuilder::<$db>::new(format!(
                        "INSERT INTO {table} ({}) ",
                        names.join(", ")
                    ));
                    let mut failed = None;
                    query.push_values(chunk.iter().zip(&columns), |mut row, (write, columns)| {
                        let record = &write.record;
                        let json = |value: Result<String, serde_json::Error>, failed: &mut Option<serde_json::Error>| {
                            value.unwrap_or_else(|e| {
                                *failed = Some(e);
                                String::new()
                            })
                        };
                        row.push_bind(record.id.to_string())
                            .push_bind(record.data.to_string())
                            .push_bind(record.version)
                            .push_bind(json(serde_json::to_string(&record.field_versions), &mut failed))
                            .push_bind(json(serde_json::to_string(&record.field_writers), &mut failed))
                            .push_bind(record.created_at.0)
                            .push_bind(record.updated_at.0)
                            .push_bind(record.deleted);
                        for value in &columns.0 {
                            match value {
                                $crate::store::sql::Column::Text(text) => row.push_bind(text.clone()),
                                $crate::store::sql::Column::OptText(text) => row.push_bind(text.clone()),
                                $crate::store::sql::Column::Int(number) => row.push_bind(*number),
                            };
                        }
                    });
                    if let Some(e) = failed {
                        return Err(e.into());
                    }
                    let updates: Vec<String> = core[1..]
                        .iter()
                        .chain(extra.iter())
                        .map(|c| format!("{c} = excluded.{c}"))
                        .collect();
                    query.push(format!(" ON CONFLICT (id) DO UPDATE SET {}", updates.join(", ")));
                    query.build().execute(&mut *conn).await?;
                }
                if matches!(entity, Entity::Survey | Entity::Library | Entity::Award) {
                    // The photos each survey shows, and from which unit: who may read them. A
                    // library entry's photos are everyone's (an empty unit).
                    let mut forget = sqlx::QueryBuilder::<$db>::new("DELETE FROM photo_links WHERE survey_id IN (");
                    let mut list = forget.separated(", ");
                    for write in rows {
                        list.push_bind(write.record.id.to_string());
                    }
                    forget.push(")");
                    forget.build().execute(&mut *conn).await?;
                    let links: Vec<(String, String, String)> = rows
                        .iter()
                        .filter(|w| !w.record.deleted)
                        .flat_map(|w| {
                            let unit = w.unit_id.map(|u| u.to_string()).unwrap_or_default();
                            // A proposal's scans are read by who sees the proposal.
                            let list = if entity == Entity::Award { "attachments" } else { "photos" };
                            let mut hashes: Vec<String> = w.record.data[list]
                                .as_array()
                                .into_iter()
                                .flatten()
                                .filter_map(|p| p["hash"].as_str().or(p.as_str()).map(str::to_owned))
                                .collect();
                            hashes.sort();
                            hashes.dedup();
                            hashes
                                .into_iter()
                                .map(move |hash| (hash, w.record.id.to_string(), unit.clone()))
                        })
                        .collect();
                    for chunk in links.chunks($crate::store::sql::ROWS_PER_STATEMENT) {
                        let mut query = sqlx::QueryBuilder::<$db>::new("INSERT INTO photo_links (hash, survey_id, unit_id) ");
                        query.push_values(chunk, |mut row, (hash, survey, unit)| {
                            row.push_bind(hash.clone()).push_bind(survey.clone()).push_bind(unit.clone());
                        });
                        query.build().execute(&mut *conn).await?;
                    }
                }
                Ok(())
            }

            /// Appends audit entries, in multi-row statements.
            async fn insert_audit(
                conn: &mut <$db as sqlx::Database>::Connection,
                rows: &[$crate::store::AuditRow],
            ) -> Result<(), $crate::store::StoreError> {
                for chunk in rows.chunks($crate::store::sql::ROWS_PER_STATEMENT) {
                    let mut query = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO audit_log (entity, entity_id, action, actor_id, actor_name, at, before, after, device_id, seq, overwritten) ",
                    );
                    query.push_values(chunk, |mut row, entry| {
                        let origin = entry.actor.origin.as_ref();
                        row.push_bind(entry.entity)
                            .push_bind(entry.entity_id.clone())
                            .push_bind(entry.action.clone())
                            .push_bind(entry.actor.id.map(|id| id.to_string()))
                            .push_bind(entry.actor.name.clone())
                            .push_bind(entry.at.0)
                            .push_bind(entry.before.clone())
                            .push_bind(entry.after.clone())
                            .push_bind(origin.map(|(device, _)| device.clone()))
                            .push_bind(origin.map(|(_, seq)| i64::try_from(*seq).unwrap_or(i64::MAX)))
                            .push_bind(entry.overwritten.clone());
                    });
                    query.build().execute(&mut *conn).await?;
                }
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl $crate::store::PushTx for $tx {
            async fn counter(&mut self) -> Result<$crate::store::Counter, $crate::store::StoreError> {
                <$store>::counter_in(&mut *self.tx, <$store>::LOCK_COUNTER).await
            }

            async fn device(&mut self, id: &str) -> Result<Option<$crate::store::Device>, $crate::store::StoreError> {
                let row = sqlx::query("SELECT id, user_id, last_seq, epoch, seen_at FROM devices WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *self.tx)
                    .await?;
                row.as_ref().map(<$store>::device_of).transpose()
            }

            async fn results(
                &mut self,
                device: &str,
                from: u64,
                to: u64,
            ) -> Result<Vec<dvk_shared::sync::PushResult>, $crate::store::StoreError> {
                let rows: Vec<String> = sqlx::query_scalar(
                    "SELECT result FROM sync_results WHERE device_id = $1 AND seq >= $2 AND seq <= $3 ORDER BY seq",
                )
                .bind(device)
                .bind(i64::try_from(from).unwrap_or(i64::MAX))
                .bind(i64::try_from(to).unwrap_or(i64::MAX))
                .fetch_all(&mut *self.tx)
                .await?;
                rows.iter().map(|text| Ok(serde_json::from_str(text)?)).collect()
            }

            async fn records(
                &mut self,
                entity: dvk_shared::sync::Entity,
                ids: &[uuid::Uuid],
            ) -> Result<Vec<$crate::store::StoredRecord>, $crate::store::StoreError> {
                let table = $crate::store::sql::table(entity);
                let unit = $crate::store::sql::unit_column(entity);
                let mut records = Vec::with_capacity(ids.len());
                for chunk in ids.chunks($crate::store::sql::ROWS_PER_STATEMENT) {
                    let mut query = sqlx::QueryBuilder::<$db>::new(format!(
                        "SELECT id, data, version, field_versions, field_writers, created_at, updated_at, deleted, \
                         {unit} AS unit_id FROM {table} WHERE id IN ("
                    ));
                    let mut list = query.separated(", ");
                    for id in chunk {
                        list.push_bind(id.to_string());
                    }
                    query.push(")");
                    for row in query.build().fetch_all(&mut *self.tx).await? {
                        records.push(<$store>::record_of(entity, &row)?);
                    }
                }
                Ok(records)
            }

            async fn surveys_of(
                &mut self,
                models: &[uuid::Uuid],
            ) -> Result<Vec<$crate::store::StoredRecord>, $crate::store::StoreError> {
                let mut records = Vec::new();
                for chunk in models.chunks($crate::store::sql::ROWS_PER_STATEMENT) {
                    let mut query = sqlx::QueryBuilder::<$db>::new(
                        "SELECT id, data, version, field_versions, field_writers, created_at, updated_at, deleted, \
                         unit_id FROM surveys WHERE deleted = FALSE AND model_id IN (",
                    );
                    let mut list = query.separated(", ");
                    for id in chunk {
                        list.push_bind(id.to_string());
                    }
                    query.push(")");
                    for row in query.build().fetch_all(&mut *self.tx).await? {
                        records.push(<$store>::record_of(dvk_shared::sync::Entity::Survey, &row)?);
                    }
                }
                Ok(records)
            }

            async fn adoptions_of(
                &mut self,
                models: &[uuid::Uuid],
            ) -> Result<Vec<uuid::Uuid>, $crate::store::StoreError> {
                let mut ids: Vec<String> = Vec::new();
                for chunk in models.chunks($crate::store::sql::ROWS_PER_STATEMENT) {
                    let mut query = sqlx::QueryBuilder::<$db>::new(
                        "SELECT id FROM models WHERE deleted = FALSE AND adopted_from IN (",
                    );
                    let mut list = query.separated(", ");
                    for id in chunk {
                        list.push_bind(id.to_string());
                    }
                    query.push(")");
                    ids.extend(query.build_query_scalar::<String>().fetch_all(&mut *self.tx).await?);
                }
                <$store>::parse_ids(&ids)
            }

            async fn library_models(
                &mut self,
            ) -> Result<Vec<uuid::Uuid>, $crate::store::StoreError> {
                let ids: Vec<String> = sqlx::query_scalar(
                    "SELECT id FROM models WHERE deleted = FALSE AND status IN ('typical', 'replicated') \
                     UNION SELECT id FROM library WHERE deleted = FALSE",
                )
                .fetch_all(&mut *self.tx)
                .await?;
                <$store>::parse_ids(&ids)
            }

            async fn decided_awards(
                &mut self,
                kind: dvk_shared::award::AwardKind,
                year: Option<u16>,
            ) -> Result<Vec<uuid::Uuid>, $crate::store::StoreError> {
                let mut query = sqlx::QueryBuilder::<$db>::new(
                    "SELECT id FROM awards WHERE deleted = FALSE AND status = 'decided' AND kind = ",
                );
                query.push_bind(kind.as_str());
                if let Some(year) = year {
                    query.push(" AND year = ").push_bind(i32::from(year));
                }
                let ids: Vec<String> = query.build_query_scalar().fetch_all(&mut *self.tx).await?;
                <$store>::parse_ids(&ids)
            }

            async fn device_owners(
                &mut self,
                devices: &[String],
            ) -> Result<Vec<(String, dvk_shared::ids::UserId, String)>, $crate::store::StoreError> {
                use sqlx::Row;
                if devices.is_empty() {
                    return Ok(Vec::new());
                }
                let mut query = sqlx::QueryBuilder::<$db>::new(
                    "SELECT d.id, d.user_id, u.display_name FROM devices d JOIN users u ON u.id = d.user_id WHERE d.id IN (",
                );
                let mut list = query.separated(", ");
                for device in devices {
                    list.push_bind(device.clone());
                }
                query.push(")");
                query
                    .build()
                    .fetch_all(&mut *self.tx)
                    .await?
                    .iter()
                    .map(|row| {
                        Ok((
                            row.try_get("id")?,
                            $crate::store::parse_id(row.try_get::<&str, _>("user_id")?)?,
                            row.try_get("display_name")?,
                        ))
                    })
                    .collect()
            }

            async fn last_change(
                &mut self,
                entity: dvk_shared::sync::Entity,
                id: &str,
            ) -> Result<(String, dvk_shared::date::Timestamp), $crate::store::StoreError> {
                use sqlx::Row;
                let last = sqlx::query(
                    "SELECT actor_name, at FROM audit_log WHERE entity = $1 AND entity_id = $2 ORDER BY id DESC LIMIT 1",
                )
                .bind(entity.as_str())
                .bind(id)
                .fetch_optional(&mut *self.tx)
                .await?;
                Ok(match last {
                    Some(last) => (last.try_get("actor_name")?, dvk_shared::date::Timestamp(last.try_get("at")?)),
                    None => (String::new(), dvk_shared::date::Timestamp(0)),
                })
            }

            async fn rotate_epoch(&mut self) -> Result<(), $crate::store::StoreError> {
                let seen: String = sqlx::query_scalar("SELECT value FROM server_meta WHERE key = 'epoch'")
                    .fetch_one(&mut *self.tx)
                    .await?;
                <$store>::rotate_in(&mut *self.tx, &seen).await
            }

            async fn write(
                &mut self,
                writes: &$crate::store::PushWrites,
            ) -> Result<(), $crate::store::StoreError> {
                let conn = &mut *self.tx;
                sqlx::query("UPDATE counters SET value = $1 WHERE name = 'version' AND value < $1")
                    .bind(writes.version)
                    .execute(&mut *conn)
                    .await?;
                for entity in dvk_shared::sync::Entity::ALL {
                    let rows: Vec<&$crate::store::RecordWrite> =
                        writes.records.iter().filter(|w| w.record.entity == entity).collect();
                    if !rows.is_empty() {
                        <$store>::put_records(&mut *conn, entity, &rows).await?;
                    }
                }
                <$store>::insert_audit(&mut *conn, &writes.audit).await?;
                for chunk in writes.exits.chunks($crate::store::sql::ROWS_PER_STATEMENT) {
                    let mut query = sqlx::QueryBuilder::<$db>::new("INSERT INTO scope_exits (version, entity, record_id, unit_id) ");
                    query.push_values(chunk, |mut row, exit| {
                        row.push_bind(exit.version)
                            .push_bind(exit.entity.as_str())
                            .push_bind(exit.record_id.to_string())
                            .push_bind(exit.unit_id.to_string());
                    });
                    query.build().execute(&mut *conn).await?;
                }
                let Some(device) = &writes.device else {
                    return Ok(());
                };
                sqlx::query(
                    "INSERT INTO devices (id, user_id, last_seq, epoch, created_at, seen_at) VALUES ($1, $2, $3, $4, $5, $5) \
                     ON CONFLICT (id) DO UPDATE SET last_seq = excluded.last_seq, epoch = excluded.epoch, seen_at = excluded.seen_at",
                )
                .bind(&device.id)
                .bind(device.user_id.to_string())
                .bind(i64::try_from(device.last_seq).unwrap_or(i64::MAX))
                .bind(&device.epoch)
                .bind(device.seen_at.0)
                .execute(&mut *conn)
                .await?;
                sqlx::query("DELETE FROM sync_results WHERE device_id = $1 AND seq < $2")
                    .bind(&device.id)
                    .bind(i64::try_from(writes.forget_results_before).unwrap_or(i64::MAX))
                    .execute(&mut *conn)
                    .await?;
                for chunk in writes.results.chunks($crate::store::sql::ROWS_PER_STATEMENT) {
                    let mut query = sqlx::QueryBuilder::<$db>::new("INSERT INTO sync_results (device_id, seq, result) ");
                    let mut failed = None;
                    query.push_values(chunk, |mut row, result| {
                        let text = serde_json::to_string(result).unwrap_or_else(|e| {
                            failed = Some(e);
                            String::new()
                        });
                        row.push_bind(device.id.clone())
                            .push_bind(i64::try_from(result.seq).unwrap_or(i64::MAX))
                            .push_bind(text);
                    });
                    if let Some(e) = failed {
                        return Err(e.into());
                    }
                    query.push(" ON CONFLICT (device_id, seq) DO NOTHING");
                    query.build().execute(&mut *conn).await?;
                }
                Ok(())
            }

            async fn commit(self: Box<Self>) -> Result<(), $crate::store::StoreError> {
                self.tx.commit().await?;
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl $crate::store::SyncStore for $store {
            async fn epoch(&self) -> Result<String, $crate::store::StoreError> {
                Ok(sqlx::query_scalar("SELECT value FROM server_meta WHERE key = 'epoch'")
                    .fetch_one(&self.pool)
                    .await?)
            }

            async fn begin_push(&self) -> Result<Box<dyn $crate::store::PushTx>, $crate::store::StoreError> {
                let (tx, lock) = self.begin_write().await?;
                Ok(Box::new($tx { tx, _lock: lock }))
            }

            async fn pull(
                &self,
                query: &$crate::store::PullQuery,
            ) -> Result<$crate::store::Pulled, $crate::store::StoreError> {
                use dvk_shared::sync::{ChangeOp, Entity};
                use sqlx::Row;
                let mut tx = self.begin_read().await?;
                let counter = Self::counter_in(&mut tx, "SELECT value FROM counters WHERE name = 'version'").await?;
                let device = sqlx::query("SELECT id, user_id, last_seq, epoch, seen_at FROM devices WHERE id = $1")
                    .bind(&query.device)
                    .fetch_optional(&mut *tx)
                    .await?
                    .as_ref()
                    .map(Self::device_of)
                    .transpose()?;
                let units = query.units.as_deref();
                let take = i64::from(query.limit) + 1;
                let mut changes = Vec::new();
                for entity in Entity::ALL {
                    if entity.since_schema() > query.schema {
                        continue;
                    }
                    let table = $crate::store::sql::table(entity);
                    let deleted = if entity == Entity::Unit { "FALSE" } else { "deleted" };
                    let mut sql = sqlx::QueryBuilder::<$db>::new(format!(
                        "SELECT id, version, {deleted} AS deleted, data FROM {table} WHERE version > "
                    ));
                    sql.push_bind(query.cursor);
                    let visible = match entity {
                        Entity::Unit => Self::in_units(&mut sql, "id", units),
                        Entity::Model | Entity::Survey | Entity::Award | Entity::Oversight => {
                            Self::in_units(&mut sql, "unit_id", units)
                        }
                        // The year's plan is the whole organisation's: everyone sees every campaign.
                        // Typical models are there to be learnt from: every device holds the library.
                        Entity::Campaign | Entity::Library => true,
                        Entity::Notice => {
                            sql.push(" AND user_id = ").push_bind(query.user.to_string());
                            true
                        }
                    };
                    if !visible {
                        continue;
                    }
                    sql.push(" ORDER BY version LIMIT ").push_bind(take);
                    for row in sql.build().fetch_all(&mut *tx).await? {
                        let deleted: bool = row.try_get("deleted")?;
                        changes.push($crate::store::PulledChange {
                            entity,
                            id: $crate::store::parse_id(row.try_get::<&str, _>("id")?)?,
                            version: row.try_get("version")?,
                            op: if deleted { ChangeOp::Delete } else { ChangeOp::Put },
                            data: if deleted {
                                None
                            } else {
                                Some(serde_json::value::RawValue::from_string(row.try_get::<String, _>("data")?)?)
                            },
                            exit: false,
                        });
                    }
                }
                // Records that left a unit in sight: its devices drop them (unless they are
                // still in sight from another unit, when the record itself comes above).
                let mut sql = sqlx::QueryBuilder::<$db>::new(
                    "SELECT entity, record_id, version FROM scope_exits WHERE version > ",
                );
                sql.push_bind(query.cursor);
                if Self::in_units(&mut sql, "unit_id", units) && units.is_some() {
                    sql.push(" ORDER BY version LIMIT ").push_bind(take);
                    for row in sql.build().fetch_all(&mut *tx).await? {
                        let Some(entity) = Entity::parse(row.try_get::<&str, _>("entity")?) else {
                            continue;
                        };
                        changes.push($crate::store::PulledChange {
                            entity,
                            id: $crate::store::parse_id(row.try_get::<&str, _>("record_id")?)?,
                            version: row.try_get("version")?,
                            op: ChangeOp::Delete,
                            data: None,
                            exit: true,
                        });
                    }
                }
                tx.commit().await?;
                let (changes, more) = $crate::store::sql::page(changes, query.limit);
                Ok($crate::store::Pulled { counter, changes, more, device })
            }

            async fn device_seen(
                &self,
                device: &str,
                user: dvk_shared::ids::UserId,
                now: dvk_shared::date::Timestamp,
            ) -> Result<(), $crate::store::StoreError> {
                // The epoch stays empty: the device's numbering is taken on its first change.
                sqlx::query(
                    "INSERT INTO devices (id, user_id, last_seq, epoch, created_at, seen_at) VALUES ($1, $2, 0, '', $3, $3) \
                     ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at WHERE devices.user_id = excluded.user_id",
                )
                .bind(device)
                .bind(user.to_string())
                .bind(now.0)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn rotate_epoch(&self, seen_epoch: &str) -> Result<(), $crate::store::StoreError> {
                let (mut tx, _lock) = self.begin_write().await?;
                let _ = Self::counter_in(&mut tx, Self::LOCK_COUNTER).await?;
                Self::rotate_in(&mut tx, seen_epoch).await?;
                tx.commit().await?;
                Ok(())
            }
        }
    };
}

pub(crate) use sql_sync;
