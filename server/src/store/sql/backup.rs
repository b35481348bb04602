//! Backup and restore (`dvk backup`, `dvk restore`), whichever the database: a backup is an
//! SQLite database of this server's schema holding one consistent snapshot, taken while the
//! server serves. A restore replaces the records in one transaction while servers run, starts
//! a new epoch that says what it kept (`kept_through`), and never moves the counter back, so
//! devices rebuild, send again what the backup lacks and go on numbering (SYNC.md, restore).
//!
//! Some tables are not rolled back: photos are content-addressed and never change, so the
//! ones sent since the backup stay; uploads under way go on; sessions stay, so nobody has to
//! sign in again; sign-in throttling is not a record.

/// The type of a column, for copying rows between the two databases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ty {
    Text,
    OptText,
    Int,
    OptInt,
    Int32,
    Bool,
    Bytes,
}

/// A value of a copied row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    Null,
    Text(String),
    Int(i64),
    Bool(bool),
    Bytes(Vec<u8>),
}

/// What a restore does with a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Restore {
    /// The backup's rows replace the live ones.
    Replace,
    /// The backup's rows join the live ones (photos, sessions).
    Join,
    /// The backup's rows overwrite the live rows of the same key, which are never deleted:
    /// the counter's row is what every writer waits on, and a writer waiting on a deleted row
    /// would find none.
    Overwrite,
    /// The live rows stay; the backup's are not read.
    Keep,
}

/// A table as backups copy it.
pub(crate) struct Table {
    pub name: &'static str,
    pub columns: &'static [(&'static str, Ty)],
    /// A unique key to read it in order, a batch after another.
    pub key: &'static [&'static str],
    /// Rows per batch (few for tables of photos).
    pub batch: i64,
    pub restore: Restore,
}

use Ty::*;

/// Every table of the schema, parents before children (the order rows are written in).
pub(crate) const TABLES: &[Table] = &[
    Table {
        name: "server_meta",
        columns: &[("key", Text), ("value", Text)],
        key: &["key"],
        batch: 1000,
        restore: Restore::Overwrite,
    },
    Table {
        name: "counters",
        columns: &[("name", Text), ("value", Int)],
        key: &["name"],
        batch: 1000,
        restore: Restore::Overwrite,
    },
    Table {
        name: "units",
        columns: &[
            ("id", Text),
            ("name", Text),
            ("name_sort", Text),
            ("kind", Text),
            ("parent_id", OptText),
            ("merged_into", OptText),
            ("data", Text),
            ("version", Int),
            ("updated_at", Int),
        ],
        key: &["id"],
        batch: 100_000,
        restore: Restore::Replace,
    },
    Table {
        name: "invitations",
        columns: &[
            ("id", Text),
            ("code_hash", Text),
            ("unit_id", Text),
            ("note", Text),
            ("created_by", Text),
            ("created_at", Int),
            ("expires_at", Int),
            ("max_uses", Int),
            ("revoked_at", OptInt),
        ],
        key: &["id"],
        batch: 1000,
        restore: Restore::Replace,
    },
    Table {
        name: "users",
        columns: &[
            ("id", Text),
            ("username", Text),
            ("display_name", Text),
            ("role", Text),
            ("unit_id", Text),
            ("password_hash", Text),
            ("created_at", Int),
            ("active", Bool),
            ("must_change_password", Bool),
            ("code_expires_at", OptInt),
            ("last_sign_in_at", OptInt),
            ("invitation_id", OptText),
        ],
        key: &["id"],
        batch: 1000,
        restore: Restore::Replace,
    },
    Table {
        name: "sessions",
        columns: &[
            ("token_hash", Text),
            ("user_id", Text),
            ("created_at", Int),
            ("expires_at", Int),
        ],
        key: &["token_hash"],
        batch: 1000,
        restore: Restore::Join,
    },
    Table {
        name: "models",
        columns: &[
            ("id", Text),
            ("unit_id", Text),
            ("name", Text),
            ("name_sort", Text),
            ("search", Text),
            ("field", Text),
            ("year", Int32),
            ("status", Text),
            ("data", Text),
            ("version", Int),
            ("created_at", Int),
            ("updated_at", Int),
            ("deleted", Bool),
            ("field_versions", Text),
            ("field_writers", Text),
            ("adopted_from", OptText),
        ],
        key: &["id"],
        batch: 1000,
        restore: Restore::Replace,
    },
    Table {
        name: "reports",
        columns: &[
            ("id", Text),
            ("unit_id", Text),
            ("status", Text),
            ("data", Text),
            ("created_at", Int),
            ("updated_at", Int),
        ],
        key: &["id"],
        batch: 1000,
        restore: Restore::Replace,
    },
    Table {
        name: "library",
        columns: &[
            ("id", Text),
            ("data", Text),
            ("version", Int),
            ("field_versions", Text),
            ("field_writers", Text),
            ("created_at", Int),
            ("updated_at", Int),
            ("deleted", Bool),
        ],
        key: &["id"],
        batch: 1000,
        restore: Restore::Replace,
    },
    Table {
        name: "oversight",
        columns: &[
            ("id", Text),
            ("kind", Text),
            ("unit_id", Text),
            ("status", Text),
            ("data", Text),
            ("version", Int),
            ("field_versions", Text),
            ("field_writers", Text),
            ("created_at", Int),
            ("updated_at", Int),
            ("deleted", Bool),
        ],
        key: &["id"],
        batch: 1000,
        restore: Restore::Replace,
    },
    Table {
        name: "awards",
        columns: &[
            ("id", Text),
            ("kind", Text),
            ("recipient_type", Text),
            ("unit_id", Text),
            ("year", Int32),
            ("status", Text),
            ("data", Text),
            ("version", Int),
            ("field_versions", Text),
            ("field_writers", Text),
            ("created_at", Int),
            ("updated_at", Int),
            ("deleted", Bool),
        ],
        key: &["id"],
        batch: 1000,
        restore: Restore::Replace,
    },
    Table {
        name: "audit_log",
        columns: &[
            ("id", Int),
            ("entity", Text),
            ("entity_id", Text),
            ("action", Text),
            ("actor_id", OptText),
            ("actor_name", Text),
            ("at", Int),
            ("before", OptText),
            ("after", OptText),
            ("device_id", OptText),
            ("seq", OptInt),
            ("overwritten", OptText),
        ],
        key: &["id"],
        batch: 1000,
        restore: Restore::Replace,
    },
    Table {
        name: "devices",
        columns: &[
            ("id", Text),
            ("user_id", Text),
            ("last_seq", Int),
            ("epoch", Text),
            ("created_at", Int),
            ("seen_at", Int),
        ],
        key: &["id"],
        batch: 1000,
        restore: Restore::Replace,
    },
    Table {
        name: "campaigns",
        columns: &[
            ("id", Text),
            ("year", Int32),
            ("data", Text),
            ("version", Int),
            ("field_versions", Text),
            ("field_writers", Text),
            ("created_at", Int),
            ("updated_at", Int),
            ("deleted", Bool),
        ],
        key: &["id"],
        batch: 1000,
        restore: Restore::Replace,
    },
    Table {
        name: "surveys",
        columns: &[
            ("id", Text),
            ("campaign_id", Text),
            ("model_id", Text),
            ("unit_id", Text),
            ("surveyor_id", Text),
            ("status", Text),
            ("data", Text),
            ("version", Int),
            ("field_versions", Text),
            ("field_writers", Text),
            ("created_at", Int),
            ("updated_at", Int),
            ("deleted", Bool),
        ],
        key: &["id"],
        batch: 1000,
        restore: Restore::Replace,
    },
    Table {
        name: "notices",
        columns: &[
            ("id", Text),
            ("user_id", Text),
            ("data", Text),
            ("version", Int),
            ("field_versions", Text),
            ("field_writers", Text),
            ("created_at", Int),
            ("updated_at", Int),
            ("deleted", Bool),
        ],
        key: &["id"],
        batch: 1000,
        restore: Restore::Replace,
    },
    Table {
        name: "sync_results",
        columns: &[("device_id", Text), ("seq", Int), ("result", Text)],
        key: &["device_id", "seq"],
        batch: 1000,
        restore: Restore::Replace,
    },
    Table {
        name: "scope_exits",
        columns: &[
            ("version", Int),
            ("entity", Text),
            ("record_id", Text),
            ("unit_id", Text),
        ],
        key: &["version", "entity", "record_id", "unit_id"],
        batch: 1000,
        restore: Restore::Replace,
    },
    Table {
        name: "photo_links",
        columns: &[("hash", Text), ("survey_id", Text), ("unit_id", Text)],
        key: &["hash", "survey_id"],
        batch: 1000,
        restore: Restore::Replace,
    },
    Table {
        name: "photos",
        columns: &[
            ("hash", Text),
            ("mime", Text),
            ("size", Int),
            ("data", Bytes),
            ("uploaded_by", Text),
            ("uploaded_at", Int),
        ],
        key: &["hash"],
        batch: 4,
        restore: Restore::Join,
    },
    Table {
        name: "photo_uploads",
        columns: &[
            ("hash", Text),
            ("total", Int),
            ("received", Int),
            ("uploaded_by", Text),
            ("started_at", Int),
            ("updated_at", Int),
        ],
        key: &["hash"],
        batch: 1000,
        restore: Restore::Keep,
    },
    Table {
        name: "photo_chunks",
        columns: &[("hash", Text), ("byte_offset", Int), ("data", Bytes)],
        key: &["hash", "byte_offset"],
        batch: 16,
        restore: Restore::Keep,
    },
];

/// The rows of `units` in an order their parents come first in (a unit's successor may come
/// later: `merged_into` is written in a second pass).
pub(crate) fn parents_first(rows: Vec<Vec<Val>>) -> Vec<Vec<Val>> {
    let text = |row: &Vec<Val>, i: usize| match &row[i] {
        Val::Text(t) => Some(t.clone()),
        _ => None,
    };
    let mut placed = std::collections::HashSet::new();
    let mut ordered = Vec::with_capacity(rows.len());
    let mut rest = rows;
    while !rest.is_empty() {
        let before = rest.len();
        let (ready, waiting): (Vec<_>, Vec<_>) = rest
            .into_iter()
            .partition(|row| text(row, 4).is_none_or(|parent| placed.contains(&parent)));
        for row in &ready {
            if let Some(id) = text(row, 0) {
                placed.insert(id);
            }
        }
        ordered.extend(ready);
        rest = waiting;
        if rest.len() == before {
            // A parent the backup lacks: write them anyway and let the database say so.
            ordered.append(&mut rest);
        }
    }
    ordered
}

macro_rules! sql_backup {
    ($store:ty, $db:ty) => {
        impl $store {
            /// One batch of `table`'s rows after `after` (its key's values), in key order.
            pub(crate) async fn read_batch(
                conn: &mut <$db as sqlx::Database>::Connection,
                table: &$crate::store::sql::backup::Table,
                after: Option<&[$crate::store::sql::backup::Val]>,
            ) -> Result<Vec<Vec<$crate::store::sql::backup::Val>>, $crate::store::StoreError> {
                use $crate::store::sql::backup::{Ty, Val};
                use sqlx::Row;
                let names: Vec<&str> = table.columns.iter().map(|(n, _)| *n).collect();
                let mut query = sqlx::QueryBuilder::<$db>::new(format!(
                    "SELECT {} FROM {}",
                    names.join(", "),
                    table.name
                ));
                if let Some(after) = after {
                    query.push(format!(" WHERE ({}) > (", table.key.join(", ")));
                    let mut list = query.separated(", ");
                    for value in after {
                        match value {
                            Val::Text(t) => list.push_bind(t.clone()),
                            Val::Int(i) => list.push_bind(*i),
                            Val::Bool(b) => list.push_bind(*b),
                            Val::Bytes(b) => list.push_bind(b.clone()),
                            Val::Null => list.push_bind(Option::<String>::None),
                        };
                    }
                    query.push(")");
                }
                query
                    .push(format!(" ORDER BY {} LIMIT ", table.key.join(", ")))
                    .push_bind(table.batch);
                let rows = query.build().fetch_all(&mut *conn).await?;
                rows.iter()
                    .map(|row| {
                        table
                            .columns
                            .iter()
                            .map(|(name, ty)| {
                                Ok(match ty {
                                    Ty::Text => Val::Text(row.try_get(*name)?),
                                    Ty::OptText => row.try_get::<Option<String>, _>(*name)?.map_or(Val::Null, Val::Text),
                                    Ty::Int => Val::Int(row.try_get(*name)?),
                                    Ty::OptInt => row.try_get::<Option<i64>, _>(*name)?.map_or(Val::Null, Val::Int),
                                    Ty::Int32 => Val::Int(i64::from(row.try_get::<i32, _>(*name)?)),
                                    Ty::Bool => Val::Bool(row.try_get(*name)?),
                                    Ty::Bytes => Val::Bytes(row.try_get(*name)?),
                                })
                            })
                            .collect::<Result<Vec<_>, $crate::store::StoreError>>()
                    })
                    .collect()
            }

            /// Writes rows of `table`; what becomes of a row whose key is there already is the
            /// table's `restore` (only `Join` and `Overwrite` may meet one).
            pub(crate) async fn write_batch(
                conn: &mut <$db as sqlx::Database>::Connection,
                table: &$crate::store::sql::backup::Table,
                rows: &[Vec<$crate::store::sql::backup::Val>],
            ) -> Result<(), $crate::store::StoreError> {
                use $crate::store::sql::backup::Restore;
                use $crate::store::sql::backup::{Ty, Val};
                if rows.is_empty() {
                    return Ok(());
                }
                let names: Vec<&str> = table.columns.iter().map(|(n, _)| *n).collect();
                let per_statement = (30_000 / names.len()).min(1000);
                for chunk in rows.chunks(per_statement) {
                    let mut query = sqlx::QueryBuilder::<$db>::new(format!(
                        "INSERT INTO {} ({}) ",
                        table.name,
                        names.join(", ")
                    ));
                    query.push_values(chunk, |mut row, values| {
                        for ((_, ty), value) in table.columns.iter().zip(values) {
                            match (ty, value) {
                                (Ty::Int32, Val::Int(i)) => row.push_bind(i32::try_from(*i).unwrap_or_default()),
                                (_, Val::Text(t)) => row.push_bind(t.clone()),
                                (_, Val::Int(i)) => row.push_bind(*i),
                                (_, Val::Bool(b)) => row.push_bind(*b),
                                (_, Val::Bytes(b)) => row.push_bind(b.clone()),
                                (Ty::OptInt, Val::Null) => row.push_bind(Option::<i64>::None),
                                (_, Val::Null) => row.push_bind(Option::<String>::None),
                            };
                        }
                    });
                    match table.restore {
                        Restore::Join => {
                            query.push(format!(" ON CONFLICT ({}) DO NOTHING", table.key.join(", ")));
                        }
                        Restore::Overwrite => {
                            let set: Vec<String> = names
                                .iter()
                                .filter(|n| !table.key.contains(n))
                                .map(|n| format!("{n} = excluded.{n}"))
                                .collect();
                            query.push(format!(
                                " ON CONFLICT ({}) DO UPDATE SET {}",
                                table.key.join(", "),
                                set.join(", ")
                            ));
                        }
                        Restore::Replace | Restore::Keep => {}
                    }
                    query.build().execute(&mut *conn).await?;
                }
                Ok(())
            }

            /// Replaces this database's records with the backup at `path` (see the module's
            /// notes), in one transaction under the write lock.
            async fn restore_from(
                &self,
                path: &std::path::Path,
            ) -> Result<$crate::store::BackupSummary, $crate::store::StoreError> {
                use $crate::store::sql::backup::{Restore, TABLES, Val};
                use $crate::store::StoreError;
                // A copy, brought to this server's schema: the backup itself is never changed.
                let work = tempfile::Builder::new()
                    .prefix("dvk-restore-")
                    .tempdir()
                    .map_err(|e| StoreError::Backup(format!("no room for a working copy: {e}")))?;
                let copy = work.path().join("backup.sqlite");
                std::fs::copy(path, &copy)
                    .map_err(|e| StoreError::Backup(format!("cannot read {}: {e}", path.display())))?;
                let source = $crate::store::SqliteStore::open_backup(&copy).await?;
                let mut from = source.pool.begin().await?;
                let backup = <$crate::store::SqliteStore>::counter_in(&mut from, "SELECT value FROM counters WHERE name = 'version'").await?;

                let (mut tx, _lock) = self.begin_write().await?;
                let live = Self::counter_in(&mut tx, Self::LOCK_COUNTER).await?;
                // Sessions go with their users when the users are replaced: kept aside, put
                // back for the users the backup has.
                let sessions = TABLES.iter().find(|t| t.name == "sessions");
                let mut live_sessions = Vec::new();
                if let Some(table) = sessions {
                    let mut after: Option<Vec<Val>> = None;
                    loop {
                        let rows = Self::read_batch(&mut tx, table, after.as_deref()).await?;
                        let Some(last) = rows.last() else { break };
                        after = Some(vec![last[0].clone()]);
                        live_sessions.extend(rows);
                    }
                }
                for table in TABLES.iter().rev().filter(|t| t.restore == Restore::Replace || t.name == "sessions") {
                    sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {}", table.name)))
                        .execute(&mut *tx)
                        .await?;
                }
                let mut rows_copied = 0u64;
                for table in TABLES.iter().filter(|t| t.restore != Restore::Keep) {
                    if table.name == "units" {
                        // Parents before children, successors in a second pass.
                        let mut all = Vec::new();
                        let mut after: Option<Vec<Val>> = None;
                        loop {
                            let rows = <$crate::store::SqliteStore>::read_batch(&mut from, table, after.as_deref()).await?;
                            let Some(last) = rows.last() else { break };
                            after = Some(vec![last[0].clone()]);
                            all.extend(rows);
                        }
                        let ordered = $crate::store::sql::backup::parents_first(all);
                        let merged: Vec<(Val, Val)> = ordered
                            .iter()
                            .filter(|row| row[5] != Val::Null)
                            .map(|row| (row[0].clone(), row[5].clone()))
                            .collect();
                        let without: Vec<Vec<Val>> = ordered
                            .into_iter()
                            .map(|mut row| {
                                row[5] = Val::Null;
                                row
                            })
                            .collect();
                        rows_copied += without.len() as u64;
                        Self::write_batch(&mut tx, table, &without).await?;
                        for (id, successor) in merged {
                            if let (Val::Text(id), Val::Text(successor)) = (id, successor) {
                                sqlx::query("UPDATE units SET merged_into = $1 WHERE id = $2")
                                    .bind(successor)
                                    .bind(id)
                                    .execute(&mut *tx)
                                    .await?;
                            }
                        }
                        continue;
                    }
                    let mut after: Option<Vec<Val>> = None;
                    loop {
                        let rows = <$crate::store::SqliteStore>::read_batch(&mut from, table, after.as_deref()).await?;
                        let Some(last) = rows.last() else { break };
                        let key: Vec<Val> = table
                            .key
                            .iter()
                            .filter_map(|k| table.columns.iter().position(|(n, _)| n == k))
                            .map(|i| last[i].clone())
                            .collect();
                        after = Some(key);
                        rows_copied += rows.len() as u64;
                        Self::write_batch(&mut tx, table, &rows).await?;
                    }
                }
                if let Some(table) = sessions {
                    // Live sessions of users the backup has: nobody signs in again.
                    let users: std::collections::HashSet<String> =
                        sqlx::query_scalar("SELECT id FROM users").fetch_all(&mut *tx).await?.into_iter().collect();
                    let keep: Vec<Vec<Val>> = live_sessions
                        .into_iter()
                        .filter(|row| matches!(&row[1], Val::Text(user) if users.contains(user)))
                        .collect();
                    Self::write_batch(&mut tx, table, &keep).await?;
                }
                // A new epoch that says what it kept; the counter never goes back, so no version
                // handed out before the restore is handed out again.
                let epoch = $crate::store::new_epoch();
                for (key, value) in [("epoch", epoch.clone()), ("kept_through", backup.version.to_string())] {
                    sqlx::query(
                        "INSERT INTO server_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    )
                    .bind(key)
                    .bind(value)
                    .execute(&mut *tx)
                    .await?;
                }
                sqlx::query("UPDATE counters SET value = $1 WHERE name = 'version'")
                    .bind(live.version.max(backup.version))
                    .execute(&mut *tx)
                    .await?;
                for statement in Self::AFTER_RESTORE {
                    sqlx::query(*statement).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                from.commit().await?;
                source.pool.close().await;
                tracing::warn!(version = backup.version, rows = rows_copied, %epoch, "restored the database from a backup");
                Ok($crate::store::BackupSummary {
                    version: backup.version,
                    epoch,
                    rows: rows_copied,
                })
            }
        }
    };
}

pub(crate) use sql_backup;
