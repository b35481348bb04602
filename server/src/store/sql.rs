//! The SQL both backends share, as a macro expanded once per backend (`sql_store!`), so each
//! expansion is type-checked against its own driver. Values always go through `.bind()`.
//!
//! Every write that changes a record takes the next value of the change counter inside its
//! transaction (the counter's row lock orders concurrent writers), stamps the record with it,
//! and appends to the audit log.

macro_rules! sql_store {
    ($store:ty, $tx:ident, $db:ty, $kind:expr) => {
        impl $store {
            /// The next value of the change counter, inside the caller's transaction.
            async fn next_version(
                tx: &mut sqlx::Transaction<'_, $db>,
            ) -> Result<i64, $crate::store::StoreError> {
                Ok(sqlx::query_scalar(
                    "UPDATE counters SET value = value + 1 WHERE name = 'version' RETURNING value",
                )
                .fetch_one(&mut **tx)
                .await?)
            }

            async fn audit(
                tx: &mut sqlx::Transaction<'_, $db>,
                change: $crate::store::sql::Change<'_>,
                actor: &$crate::store::Actor,
                at: dvk_shared::date::Timestamp,
            ) -> Result<(), $crate::store::StoreError> {
                let $crate::store::sql::Change { entity, entity_id, action, before, after } = change;
                sqlx::query(
                    "INSERT INTO audit_log (entity, entity_id, action, actor_id, actor_name, at, before, after, device_id, seq) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(entity)
                .bind(entity_id)
                .bind(action)
                .bind(actor.id.map(|id| id.to_string()))
                .bind(&actor.name)
                .bind(at.0)
                .bind(before)
                .bind(after)
                .bind(actor.origin.as_ref().map(|(device, _)| device.as_str()))
                .bind(actor.origin.as_ref().map(|(_, seq)| i64::try_from(*seq).unwrap_or(i64::MAX)))
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

            async fn write_unit(
                tx: &mut sqlx::Transaction<'_, $db>,
                unit: &dvk_shared::unit::Unit,
                actor: &$crate::store::Actor,
                at: dvk_shared::date::Timestamp,
            ) -> Result<i64, $crate::store::StoreError> {
                let before: Option<String> =
                    sqlx::query_scalar("SELECT data FROM units WHERE id = $1")
                        .bind(unit.id.to_string())
                        .fetch_optional(&mut **tx)
                        .await?;
                let version = Self::next_version(tx).await?;
                let data = serde_json::to_string(unit)?;
                sqlx::query(
                    "INSERT INTO units (id, name, name_sort, kind, parent_id, merged_into, data, version, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                     ON CONFLICT (id) DO UPDATE SET name = excluded.name, name_sort = excluded.name_sort, \
                     kind = excluded.kind, parent_id = excluded.parent_id, merged_into = excluded.merged_into, \
                     data = excluded.data, version = excluded.version, updated_at = excluded.updated_at",
                )
                .bind(unit.id.to_string())
                .bind(&unit.name)
                .bind(dvk_shared::text::sort_key(&unit.name))
                .bind($crate::store::enum_name(&unit.kind))
                .bind(unit.parent_id.map(|id| id.to_string()))
                .bind(unit.merged_into.map(|id| id.to_string()))
                .bind(&data)
                .bind(version)
                .bind(at.0)
                .execute(&mut **tx)
                .await?;
                let action = if before.is_some() { "unit.update" } else { "unit.create" };
                Self::audit(
                    tx,
                    $crate::store::sql::Change {
                        entity: "unit",
                        entity_id: &unit.id.to_string(),
                        action,
                        before: before.as_deref(),
                        after: Some(&data),
                    },
                    actor,
                    at,
                )
                .await?;
                Ok(version)
            }

            async fn write_user(
                tx: &mut sqlx::Transaction<'_, $db>,
                user: &dvk_shared::user::User,
                password_hash: &str,
                at: dvk_shared::date::Timestamp,
            ) -> Result<(), $crate::store::StoreError> {
                let inserted = sqlx::query(
                    "INSERT INTO users (id, username, display_name, role, unit_id, password_hash, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (username) DO NOTHING",
                )
                .bind(user.id.to_string())
                .bind(&user.username)
                .bind(&user.display_name)
                .bind(user.role.as_str())
                .bind(user.unit_id.to_string())
                .bind(password_hash)
                .bind(at.0)
                .execute(&mut **tx)
                .await?
                .rows_affected();
                if inserted == 0 {
                    return Err($crate::store::StoreError::Conflict(format!("username {}", user.username)));
                }
                Ok(())
            }

            /// Inserts a new model; `None` (and nothing written) if the id exists already.
            async fn write_new_model(
                tx: &mut sqlx::Transaction<'_, $db>,
                model: &dvk_shared::model::Model,
                actor: &$crate::store::Actor,
                at: dvk_shared::date::Timestamp,
            ) -> Result<Option<i64>, $crate::store::StoreError> {
                let version = Self::next_version(tx).await?;
                let data = serde_json::to_string(model)?;
                let inserted = sqlx::query(
                    "INSERT INTO models (id, unit_id, name, name_sort, search, field, year, status, data, version, created_at, updated_at, field_versions) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12) ON CONFLICT (id) DO NOTHING",
                )
                .bind(model.id.to_string())
                .bind(model.unit_id.to_string())
                .bind(&model.name)
                .bind(dvk_shared::text::sort_key(&model.name))
                .bind(dvk_shared::text::fold(&model.search_text()))
                .bind(model.field.as_str())
                .bind(i32::from(model.year))
                .bind(model.status.as_str())
                .bind(&data)
                .bind(version)
                .bind(at.0)
                .bind(serde_json::to_string(&$crate::store::sql::all_fields_at(&data, version))?)
                .execute(&mut **tx)
                .await?
                .rows_affected();
                if inserted == 0 {
                    return Ok(None);
                }
                Self::audit(
                    tx,
                    $crate::store::sql::Change {
                        entity: "model",
                        entity_id: &model.id.to_string(),
                        action: "model.create",
                        before: None,
                        after: Some(&data),
                    },
                    actor,
                    at,
                )
                .await?;
                Ok(Some(version))
            }

            /// Replaces a model, bumping the versions of the fields that changed, with an audit
            /// entry of the record before and after.
            async fn write_model_update(
                tx: &mut sqlx::Transaction<'_, $db>,
                model: &dvk_shared::model::Model,
                action: &str,
                actor: &$crate::store::Actor,
                at: dvk_shared::date::Timestamp,
            ) -> Result<i64, $crate::store::StoreError> {
                use sqlx::Row;
                // The version first: it locks the counter, so the record read next cannot change
                // before it is written back.
                let version = Self::next_version(tx).await?;
                let row = sqlx::query("SELECT data, field_versions, field_writers FROM models WHERE id = $1")
                    .bind(model.id.to_string())
                    .fetch_optional(&mut **tx)
                    .await?;
                let Some(row) = row else {
                    return Err($crate::store::StoreError::NotFound(format!("model {}", model.id)));
                };
                let before: String = row.try_get("data")?;
                let mut field_versions: dvk_shared::sync::FieldVersions =
                    serde_json::from_str(row.try_get::<&str, _>("field_versions")?)?;
                let mut field_writers: dvk_shared::sync::FieldWriters =
                    serde_json::from_str(row.try_get::<&str, _>("field_writers")?)?;
                let data = serde_json::to_string(model)?;
                for field in dvk_shared::sync::changed_fields(
                    &serde_json::from_str(&before)?,
                    &serde_json::to_value(model)?,
                ) {
                    // Changed here, not by a device: a conflict for every device.
                    field_writers.remove(&field);
                    field_versions.insert(field, version);
                }
                sqlx::query(
                    "UPDATE models SET unit_id = $2, name = $3, name_sort = $4, search = $5, field = $6, \
                     year = $7, status = $8, data = $9, version = $10, updated_at = $11, field_versions = $12, \
                     field_writers = $13 WHERE id = $1",
                )
                .bind(model.id.to_string())
                .bind(model.unit_id.to_string())
                .bind(&model.name)
                .bind(dvk_shared::text::sort_key(&model.name))
                .bind(dvk_shared::text::fold(&model.search_text()))
                .bind(model.field.as_str())
                .bind(i32::from(model.year))
                .bind(model.status.as_str())
                .bind(&data)
                .bind(version)
                .bind(at.0)
                .bind(serde_json::to_string(&field_versions)?)
                .bind(serde_json::to_string(&field_writers)?)
                .execute(&mut **tx)
                .await?;
                Self::audit(
                    tx,
                    $crate::store::sql::Change {
                        entity: "model",
                        entity_id: &model.id.to_string(),
                        action,
                        before: Some(&before),
                        after: Some(&data),
                    },
                    actor,
                    at,
                )
                .await?;
                Ok(version)
            }

            /// A user from a row with the columns of the `users` table.
            fn user_of(
                row: &<$db as sqlx::Database>::Row,
            ) -> Result<dvk_shared::user::User, $crate::store::StoreError> {
                use sqlx::Row;
                Ok(dvk_shared::user::User {
                    id: $crate::store::parse_id(row.try_get::<&str, _>("id")?)?,
                    username: row.try_get("username")?,
                    display_name: row.try_get("display_name")?,
                    role: $crate::store::parse_enum(row.try_get::<&str, _>("role")?)?,
                    unit_id: $crate::store::parse_id(row.try_get::<&str, _>("unit_id")?)?,
                })
            }

            async fn write_award(
                tx: &mut sqlx::Transaction<'_, $db>,
                award: &dvk_shared::award::Award,
                actor: &$crate::store::Actor,
                at: dvk_shared::date::Timestamp,
            ) -> Result<i64, $crate::store::StoreError> {
                let version = Self::next_version(tx).await?;
                let data = serde_json::to_string(award)?;
                sqlx::query(
                    "INSERT INTO awards (id, kind, recipient_type, unit_id, model_id, year, stage, data, version, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(award.id.to_string())
                .bind(award.kind.as_str())
                .bind(award.recipient_type.as_str())
                .bind(award.unit_id.to_string())
                .bind(award.model_id.map(|id| id.to_string()))
                .bind(i32::from(award.year))
                .bind($crate::store::enum_name(&award.stage))
                .bind(&data)
                .bind(version)
                .bind(at.0)
                .execute(&mut **tx)
                .await?;
                Self::audit(
                    tx,
                    $crate::store::sql::Change {
                        entity: "award",
                        entity_id: &award.id.to_string(),
                        action: "award.create",
                        before: None,
                        after: Some(&data),
                    },
                    actor,
                    at,
                )
                .await?;
                Ok(version)
            }
        }

        #[async_trait::async_trait]
        impl $crate::store::Store for $store {
            fn kind(&self) -> dvk_shared::api::DatabaseKind {
                $kind
            }

            async fn ping(&self) -> Result<(), $crate::store::StoreError> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn epoch(&self) -> Result<String, $crate::store::StoreError> {
                Ok(sqlx::query_scalar("SELECT value FROM server_meta WHERE key = 'epoch'")
                    .fetch_one(&self.pool)
                    .await?)
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
                let mut tx = self.pool.begin().await?;
                for unit in &seed.units {
                    Self::write_unit(&mut tx, unit, actor, at).await?;
                }
                for (user, hash) in &seed.users {
                    Self::write_user(&mut tx, user, hash, at).await?;
                }
                for (model, registered_at) in &seed.models {
                    Self::write_new_model(&mut tx, model, actor, *registered_at)
                        .await?
                        .ok_or_else(|| $crate::store::StoreError::Conflict(format!("model {}", model.id)))?;
                }
                for award in &seed.awards {
                    Self::write_award(&mut tx, award, actor, at).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn units(&self) -> Result<Vec<dvk_shared::unit::Unit>, $crate::store::StoreError> {
                let rows: Vec<String> = sqlx::query_scalar("SELECT data FROM units ORDER BY name_sort, id")
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter()
                    .map(|data| Ok(serde_json::from_str(data)?))
                    .collect()
            }

            async fn put_unit(
                &self,
                unit: &dvk_shared::unit::Unit,
                actor: &$crate::store::Actor,
                at: dvk_shared::date::Timestamp,
            ) -> Result<i64, $crate::store::StoreError> {
                let mut tx = self.pool.begin().await?;
                let version = Self::write_unit(&mut tx, unit, actor, at).await?;
                tx.commit().await?;
                Ok(version)
            }

            async fn create_user(
                &self,
                user: &dvk_shared::user::User,
                password_hash: &str,
                at: dvk_shared::date::Timestamp,
            ) -> Result<(), $crate::store::StoreError> {
                let mut tx = self.pool.begin().await?;
                Self::write_user(&mut tx, user, password_hash, at).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn user_with_hash(
                &self,
                username: &str,
            ) -> Result<Option<(dvk_shared::user::User, String)>, $crate::store::StoreError> {
                use sqlx::Row;
                let row = sqlx::query(
                    "SELECT id, username, display_name, role, unit_id, password_hash FROM users WHERE username = $1",
                )
                .bind(username)
                .fetch_optional(&self.pool)
                .await?;
                let Some(row) = row else { return Ok(None) };
                Ok(Some((Self::user_of(&row)?, row.try_get("password_hash")?)))
            }

            async fn users_with_role(
                &self,
                role: dvk_shared::user::Role,
            ) -> Result<Vec<dvk_shared::user::User>, $crate::store::StoreError> {
                let rows = sqlx::query(
                    "SELECT id, username, display_name, role, unit_id FROM users WHERE role = $1 ORDER BY display_name, username",
                )
                .bind(role.as_str())
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(Self::user_of).collect()
            }

            async fn create_session(
                &self,
                token_hash: &str,
                user_id: dvk_shared::ids::UserId,
                now: dvk_shared::date::Timestamp,
                expires_at: dvk_shared::date::Timestamp,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                    .bind(token_hash)
                    .bind(user_id.to_string())
                    .bind(now.0)
                    .bind(expires_at.0)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn session(
                &self,
                token_hash: &str,
                now: dvk_shared::date::Timestamp,
            ) -> Result<Option<$crate::store::Session>, $crate::store::StoreError> {
                use sqlx::Row;
                let row = sqlx::query(
                    "SELECT u.id, u.username, u.display_name, u.role, u.unit_id, s.expires_at \
                     FROM sessions s JOIN users u ON u.id = s.user_id \
                     WHERE s.token_hash = $1 AND s.expires_at > $2",
                )
                .bind(token_hash)
                .bind(now.0)
                .fetch_optional(&self.pool)
                .await?;
                let Some(row) = row else { return Ok(None) };
                Ok(Some($crate::store::Session {
                    user: Self::user_of(&row)?,
                    expires_at: dvk_shared::date::Timestamp(row.try_get("expires_at")?),
                }))
            }

            async fn extend_session(
                &self,
                token_hash: &str,
                expires_at: dvk_shared::date::Timestamp,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query("UPDATE sessions SET expires_at = $1 WHERE token_hash = $2")
                    .bind(expires_at.0)
                    .bind(token_hash)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn delete_session(&self, token_hash: &str) -> Result<(), $crate::store::StoreError> {
                sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                    .bind(token_hash)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn record_login_failure(
                &self,
                keys: &[String],
                at: dvk_shared::date::Timestamp,
                forget_before: dvk_shared::date::Timestamp,
            ) -> Result<(), $crate::store::StoreError> {
                let mut tx = self.pool.begin().await?;
                sqlx::query("DELETE FROM login_failures WHERE at < $1")
                    .bind(forget_before.0)
                    .execute(&mut *tx)
                    .await?;
                for key in keys {
                    sqlx::query("INSERT INTO login_failures (key, at) VALUES ($1, $2)")
                        .bind(key)
                        .bind(at.0)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn login_failures(
                &self,
                key: &str,
                since: dvk_shared::date::Timestamp,
            ) -> Result<Vec<dvk_shared::date::Timestamp>, $crate::store::StoreError> {
                let rows: Vec<i64> =
                    sqlx::query_scalar("SELECT at FROM login_failures WHERE key = $1 AND at >= $2 ORDER BY at")
                        .bind(key)
                        .bind(since.0)
                        .fetch_all(&self.pool)
                        .await?;
                Ok(rows.into_iter().map(dvk_shared::date::Timestamp).collect())
            }

            async fn clear_login_failures(&self, key: &str) -> Result<(), $crate::store::StoreError> {
                sqlx::query("DELETE FROM login_failures WHERE key = $1")
                    .bind(key)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn insert_model(
                &self,
                model: &dvk_shared::model::Model,
                actor: &$crate::store::Actor,
                at: dvk_shared::date::Timestamp,
            ) -> Result<i64, $crate::store::StoreError> {
                let mut tx = self.pool.begin().await?;
                let version = Self::write_new_model(&mut tx, model, actor, at)
                    .await?
                    .ok_or_else(|| $crate::store::StoreError::Conflict(format!("model {}", model.id)))?;
                tx.commit().await?;
                Ok(version)
            }

            async fn update_model(
                &self,
                model: &dvk_shared::model::Model,
                action: &str,
                actor: &$crate::store::Actor,
                at: dvk_shared::date::Timestamp,
            ) -> Result<i64, $crate::store::StoreError> {
                let mut tx = self.pool.begin().await?;
                let version = Self::write_model_update(&mut tx, model, action, actor, at).await?;
                tx.commit().await?;
                Ok(version)
            }

            async fn model(
                &self,
                id: dvk_shared::ids::ModelId,
            ) -> Result<Option<$crate::store::StoredModel>, $crate::store::StoreError> {
                use sqlx::Row;
                let row = sqlx::query("SELECT data, version, created_at, updated_at, deleted FROM models WHERE id = $1")
                    .bind(id.to_string())
                    .fetch_optional(&self.pool)
                    .await?;
                let Some(row) = row else { return Ok(None) };
                Ok(Some($crate::store::StoredModel {
                    model: serde_json::from_str(row.try_get::<&str, _>("data")?)?,
                    version: row.try_get("version")?,
                    created_at: dvk_shared::date::Timestamp(row.try_get("created_at")?),
                    updated_at: dvk_shared::date::Timestamp(row.try_get("updated_at")?),
                    deleted: row.try_get("deleted")?,
                }))
            }

            async fn list_models(
                &self,
                filter: &$crate::store::ModelFilter,
            ) -> Result<(Vec<dvk_shared::api::ModelSummary>, u64), $crate::store::StoreError> {
                use sqlx::Row;
                fn conditions(builder: &mut sqlx::QueryBuilder<$db>, filter: &$crate::store::ModelFilter) {
                    builder.push(" WHERE m.deleted = FALSE");
                    if let Some(units) = &filter.units {
                        if units.is_empty() {
                            builder.push(" AND 1 = 0");
                        } else {
                            builder.push(" AND m.unit_id IN (");
                            let mut list = builder.separated(", ");
                            for unit in units {
                                list.push_bind(unit.to_string());
                            }
                            builder.push(")");
                        }
                    }
                    if let Some(field) = filter.field {
                        builder.push(" AND m.field = ").push_bind(field.as_str());
                    }
                    if let Some(year) = filter.year {
                        builder.push(" AND m.year = ").push_bind(i32::from(year));
                    }
                    if let Some(status) = filter.status {
                        builder.push(" AND m.status = ").push_bind(status.as_str());
                    }
                    if let Some(q) = &filter.folded_query {
                        // The query is folded like the column; LIKE wildcards in it are escaped.
                        let escaped = q.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
                        builder
                            .push(" AND m.search LIKE ")
                            .push_bind(format!("%{escaped}%"))
                            .push(" ESCAPE '\\'");
                    }
                }

                let mut count = sqlx::QueryBuilder::<$db>::new("SELECT COUNT(*) FROM models m");
                conditions(&mut count, filter);
                let total: i64 = count.build_query_scalar().fetch_one(&self.pool).await?;

                let mut select = sqlx::QueryBuilder::<$db>::new(
                    "SELECT m.id, m.name, m.field, m.year, m.status, m.unit_id, u.name AS unit_name, m.updated_at \
                     FROM models m JOIN units u ON u.id = m.unit_id",
                );
                conditions(&mut select, filter);
                select
                    .push(" ORDER BY m.name_sort, m.id LIMIT ")
                    .push_bind(i64::from(filter.limit))
                    .push(" OFFSET ")
                    .push_bind(filter.offset as i64);
                let rows = select.build().fetch_all(&self.pool).await?;
                let items = rows
                    .iter()
                    .map(|row| {
                        Ok(dvk_shared::api::ModelSummary {
                            id: $crate::store::parse_id(row.try_get::<&str, _>("id")?)?,
                            name: row.try_get("name")?,
                            field: $crate::store::parse_enum(row.try_get::<&str, _>("field")?)?,
                            year: u16::try_from(row.try_get::<i32, _>("year")?).unwrap_or_default(),
                            status: $crate::store::parse_enum(row.try_get::<&str, _>("status")?)?,
                            unit_id: $crate::store::parse_id(row.try_get::<&str, _>("unit_id")?)?,
                            unit_name: row.try_get("unit_name")?,
                            updated_at: dvk_shared::date::Timestamp(row.try_get("updated_at")?),
                        })
                    })
                    .collect::<Result<Vec<_>, $crate::store::StoreError>>()?;
                Ok((items, total as u64))
            }

            async fn history(
                &self,
                entity: &str,
                id: &str,
            ) -> Result<Vec<dvk_shared::api::AuditEntry>, $crate::store::StoreError> {
                use sqlx::Row;
                let rows = sqlx::query(
                    "SELECT at, actor_name, action, before, after, device_id, seq FROM audit_log \
                     WHERE entity = $1 AND entity_id = $2 ORDER BY id",
                )
                .bind(entity)
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        let json = |column: &str| -> Result<Option<serde_json::Value>, $crate::store::StoreError> {
                            Ok(row
                                .try_get::<Option<String>, _>(column)?
                                .map(|text| serde_json::from_str(&text))
                                .transpose()?)
                        };
                        Ok(dvk_shared::api::AuditEntry {
                            at: dvk_shared::date::Timestamp(row.try_get("at")?),
                            actor: row.try_get("actor_name")?,
                            action: row.try_get("action")?,
                            before: json("before")?,
                            after: json("after")?,
                            device_id: row.try_get("device_id")?,
                            seq: row
                                .try_get::<Option<i64>, _>("seq")?
                                .and_then(|seq| u64::try_from(seq).ok()),
                        })
                    })
                    .collect()
            }

            async fn insert_award(
                &self,
                award: &dvk_shared::award::Award,
                actor: &$crate::store::Actor,
                at: dvk_shared::date::Timestamp,
            ) -> Result<i64, $crate::store::StoreError> {
                let mut tx = self.pool.begin().await?;
                let version = Self::write_award(&mut tx, award, actor, at).await?;
                tx.commit().await?;
                Ok(version)
            }

            async fn model_counts(
                &self,
                year: Option<u16>,
            ) -> Result<Vec<$crate::store::ModelCount>, $crate::store::StoreError> {
                use sqlx::Row;
                let rows = sqlx::query(
                    "SELECT unit_id, field, status, year, COUNT(*) AS n FROM models \
                     WHERE deleted = FALSE AND status <> 'draft' AND ($1 IS NULL OR year = $1) \
                     GROUP BY unit_id, field, status, year",
                )
                .bind(year.map(i32::from))
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok($crate::store::ModelCount {
                            unit_id: $crate::store::parse_id(row.try_get::<&str, _>("unit_id")?)?,
                            field: $crate::store::parse_enum(row.try_get::<&str, _>("field")?)?,
                            status: $crate::store::parse_enum(row.try_get::<&str, _>("status")?)?,
                            year: u16::try_from(row.try_get::<i32, _>("year")?).unwrap_or_default(),
                            count: row.try_get::<i64, _>("n")? as u64,
                        })
                    })
                    .collect()
            }

            async fn awards(
                &self,
                units: Option<&[dvk_shared::ids::UnitId]>,
                year: Option<u16>,
            ) -> Result<Vec<dvk_shared::award::Award>, $crate::store::StoreError> {
                let mut query = sqlx::QueryBuilder::<$db>::new(
                    "SELECT data FROM awards WHERE deleted = FALSE AND stage = 'decided'",
                );
                if let Some(year) = year {
                    query.push(" AND year = ").push_bind(i32::from(year));
                }
                if let Some(units) = units {
                    if units.is_empty() {
                        return Ok(Vec::new());
                    }
                    query.push(" AND unit_id IN (");
                    let mut list = query.separated(", ");
                    for unit in units {
                        list.push_bind(unit.to_string());
                    }
                    query.push(")");
                }
                query.push(" ORDER BY year DESC, kind, id");
                let rows: Vec<String> = query.build_query_scalar().fetch_all(&self.pool).await?;
                rows.iter().map(|data| Ok(serde_json::from_str(data)?)).collect()
            }

            async fn award_counts(
                &self,
                year: Option<u16>,
            ) -> Result<Vec<$crate::store::AwardCount>, $crate::store::StoreError> {
                use sqlx::Row;
                let rows = sqlx::query(
                    "SELECT unit_id, kind, recipient_type, year, COUNT(*) AS n FROM awards \
                     WHERE deleted = FALSE AND stage = 'decided' AND ($1 IS NULL OR year = $1) \
                     GROUP BY unit_id, kind, recipient_type, year",
                )
                .bind(year.map(i32::from))
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok($crate::store::AwardCount {
                            unit_id: $crate::store::parse_id(row.try_get::<&str, _>("unit_id")?)?,
                            kind: $crate::store::parse_enum(row.try_get::<&str, _>("kind")?)?,
                            recipient_type: $crate::store::parse_enum(row.try_get::<&str, _>("recipient_type")?)?,
                            year: u16::try_from(row.try_get::<i32, _>("year")?).unwrap_or_default(),
                            count: row.try_get::<i64, _>("n")? as u64,
                        })
                    })
                    .collect()
            }

            async fn begin_sync(&self) -> Result<Box<dyn $crate::store::SyncTx>, $crate::store::StoreError> {
                Ok(Box::new($tx { tx: self.pool.begin().await? }))
            }

            async fn upload_state(
                &self,
                hash: &str,
            ) -> Result<dvk_shared::photo::UploadState, $crate::store::StoreError> {
                use sqlx::Row;
                // One statement, so an upload finishing in between cannot be missed by both halves.
                let row = sqlx::query(
                    "SELECT size AS received, 1 AS complete FROM photos WHERE hash = $1 \
                     UNION ALL SELECT received, 0 AS complete FROM photo_uploads WHERE hash = $1 \
                     ORDER BY complete DESC LIMIT 1",
                )
                .bind(hash)
                .fetch_optional(&self.pool)
                .await?;
                Ok(match row {
                    Some(row) => dvk_shared::photo::UploadState {
                        received: u64::try_from(row.try_get::<i64, _>("received")?).unwrap_or_default(),
                        complete: row.try_get::<i32, _>("complete")? == 1,
                    },
                    None => dvk_shared::photo::UploadState { received: 0, complete: false },
                })
            }

            async fn put_chunk(
                &self,
                hash: &str,
                offset: u64,
                total: u64,
                bytes: &[u8],
                user: dvk_shared::ids::UserId,
                now: dvk_shared::date::Timestamp,
            ) -> Result<$crate::store::ChunkOutcome, $crate::store::StoreError> {
                use $crate::store::ChunkOutcome;
                use dvk_shared::photo::UploadState;
                use sqlx::Row;
                let as_i64 = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
                let as_u64 = |n: i64| u64::try_from(n).unwrap_or_default();
                let mut tx = self.pool.begin().await?;

                // Writes first: they take the upload's row lock (PostgreSQL) or the database's
                // write lock (SQLite), so two requests for one photo (a retry racing its lost
                // original, two tablets with the same photo) take turns and each sees what the
                // other wrote. A second round covers an upload that another request finished or
                // dropped while this one waited for its row.
                let mut started = false;
                let mut upload = None;
                for _ in 0..2 {
                    started |= sqlx::query(
                        "INSERT INTO photo_uploads (hash, total, received, uploaded_by, started_at, updated_at) \
                         VALUES ($1, $2, 0, $3, $4, $4) ON CONFLICT (hash) DO NOTHING",
                    )
                    .bind(hash)
                    .bind(as_i64(total))
                    .bind(user.to_string())
                    .bind(now.0)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                        == 1;
                    upload = sqlx::query(
                        "UPDATE photo_uploads SET updated_at = $2 WHERE hash = $1 RETURNING total, received",
                    )
                    .bind(hash)
                    .bind(now.0)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if upload.is_some() {
                        break;
                    }
                }
                let Some(upload) = upload else {
                    return Ok(ChunkOutcome::WrongOffset(UploadState { received: 0, complete: false }));
                };
                // Every early return below drops `tx`: nothing of this request is kept.
                let stored: Option<i64> = sqlx::query_scalar("SELECT size FROM photos WHERE hash = $1")
                    .bind(hash)
                    .fetch_optional(&mut *tx)
                    .await?;
                if let Some(size) = stored {
                    return Ok(ChunkOutcome::AlreadyStored(UploadState { received: as_u64(size), complete: true }));
                }
                let declared = as_u64(upload.try_get::<i64, _>("total")?);
                let mut received = as_u64(upload.try_get::<i64, _>("received")?);
                if declared != total {
                    if offset != 0 {
                        return Ok(ChunkOutcome::TotalChanged);
                    }
                    // A tablet starting over with another size: what is held was sent with a
                    // size that is not this photo's (by a tablet that erred), so it can never
                    // complete; keeping it would block this photo until it goes stale.
                    sqlx::query("DELETE FROM photo_chunks WHERE hash = $1")
                        .bind(hash)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(
                        "UPDATE photo_uploads SET total = $2, received = 0, uploaded_by = $3, started_at = $4 WHERE hash = $1",
                    )
                    .bind(hash)
                    .bind(as_i64(total))
                    .bind(user.to_string())
                    .bind(now.0)
                    .execute(&mut *tx)
                    .await?;
                    received = 0;
                }
                if offset != received {
                    return Ok(ChunkOutcome::WrongOffset(UploadState { received, complete: false }));
                }
                if started {
                    // Their chunks go with them (ON DELETE CASCADE).
                    sqlx::query("DELETE FROM photo_uploads WHERE updated_at < $1")
                        .bind(now.0 - $crate::store::STALE_UPLOAD_MS)
                        .execute(&mut *tx)
                        .await?;
                }
                sqlx::query("INSERT INTO photo_chunks (hash, byte_offset, data) VALUES ($1, $2, $3)")
                    .bind(hash)
                    .bind(as_i64(offset))
                    .bind(bytes)
                    .execute(&mut *tx)
                    .await?;
                let received = received + bytes.len() as u64;
                sqlx::query("UPDATE photo_uploads SET received = $2 WHERE hash = $1")
                    .bind(hash)
                    .bind(as_i64(received))
                    .execute(&mut *tx)
                    .await?;
                if received < total {
                    tx.commit().await?;
                    return Ok(ChunkOutcome::Accepted(UploadState { received, complete: false }));
                }

                // The last chunk: the photo whole, checked against its name, then the upload goes
                // whatever the check says (a changed photo is sent again from the start).
                let chunks: Vec<Vec<u8>> =
                    sqlx::query_scalar("SELECT data FROM photo_chunks WHERE hash = $1 ORDER BY byte_offset")
                        .bind(hash)
                        .fetch_all(&mut *tx)
                        .await?;
                let photo = chunks.concat();
                sqlx::query("DELETE FROM photo_uploads WHERE hash = $1")
                    .bind(hash)
                    .execute(&mut *tx)
                    .await?;
                let outcome = if photo.len() as u64 != total || $crate::store::sql::sha256_hex(&photo) != hash {
                    ChunkOutcome::Changed
                } else if let Some(mime) = dvk_shared::photo::image_type(&photo) {
                    sqlx::query(
                        "INSERT INTO photos (hash, mime, size, data, uploaded_by, uploaded_at) \
                         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (hash) DO NOTHING",
                    )
                    .bind(hash)
                    .bind(mime)
                    .bind(as_i64(total))
                    .bind(&photo)
                    .bind(user.to_string())
                    .bind(now.0)
                    .execute(&mut *tx)
                    .await?;
                    ChunkOutcome::Accepted(UploadState { received: total, complete: true })
                } else {
                    ChunkOutcome::NotAPhoto
                };
                tx.commit().await?;
                Ok(outcome)
            }

            async fn photo(
                &self,
                hash: &str,
            ) -> Result<Option<(String, Vec<u8>)>, $crate::store::StoreError> {
                use sqlx::Row;
                let row = sqlx::query("SELECT mime, data FROM photos WHERE hash = $1")
                    .bind(hash)
                    .fetch_optional(&self.pool)
                    .await?;
                let Some(row) = row else { return Ok(None) };
                Ok(Some((row.try_get("mime")?, row.try_get("data")?)))
            }
        }

        pub struct $tx {
            tx: sqlx::Transaction<'static, $db>,
        }

        #[async_trait::async_trait]
        impl $crate::store::SyncTx for $tx {
            async fn epoch(&mut self) -> Result<String, $crate::store::StoreError> {
                Ok(sqlx::query_scalar("SELECT value FROM server_meta WHERE key = 'epoch'")
                    .fetch_one(&mut *self.tx)
                    .await?)
            }

            async fn device(&mut self, id: &str) -> Result<Option<$crate::store::Device>, $crate::store::StoreError> {
                use sqlx::Row;
                let row = sqlx::query("SELECT id, user_id, last_seq, scope_key FROM devices WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *self.tx)
                    .await?;
                let Some(row) = row else { return Ok(None) };
                Ok(Some($crate::store::Device {
                    id: row.try_get("id")?,
                    user_id: $crate::store::parse_id(row.try_get::<&str, _>("user_id")?)?,
                    last_seq: u64::try_from(row.try_get::<i64, _>("last_seq")?).unwrap_or_default(),
                    scope_key: row.try_get("scope_key")?,
                }))
            }

            async fn save_device(
                &mut self,
                device: &$crate::store::Device,
                now: dvk_shared::date::Timestamp,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "INSERT INTO devices (id, user_id, last_seq, scope_key, created_at, seen_at) VALUES ($1, $2, $3, $4, $5, $5) \
                     ON CONFLICT (id) DO UPDATE SET last_seq = excluded.last_seq, scope_key = excluded.scope_key, seen_at = excluded.seen_at",
                )
                .bind(&device.id)
                .bind(device.user_id.to_string())
                .bind(i64::try_from(device.last_seq).unwrap_or(i64::MAX))
                .bind(&device.scope_key)
                .bind(now.0)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn lock_versions(&mut self) -> Result<i64, $crate::store::StoreError> {
                // A write first: PostgreSQL locks the counter's row, SQLite takes its one write
                // lock, so what this request reads next cannot change under it.
                Ok(sqlx::query_scalar(
                    "UPDATE counters SET value = value WHERE name = 'version' RETURNING value",
                )
                .fetch_one(&mut *self.tx)
                .await?)
            }

            async fn models(
                &mut self,
                ids: &[dvk_shared::ids::ModelId],
            ) -> Result<Vec<$crate::store::SyncModel>, $crate::store::StoreError> {
                use sqlx::Row;
                let mut models = Vec::with_capacity(ids.len());
                for chunk in ids.chunks($crate::store::sql::ROWS_PER_STATEMENT) {
                    let mut query = sqlx::QueryBuilder::<$db>::new(
                        "SELECT data, version, created_at, updated_at, deleted, field_versions, field_writers FROM models WHERE id IN (",
                    );
                    let mut list = query.separated(", ");
                    for id in chunk {
                        list.push_bind(id.to_string());
                    }
                    query.push(")");
                    for row in query.build().fetch_all(&mut *self.tx).await? {
                        models.push($crate::store::SyncModel {
                            stored: $crate::store::StoredModel {
                                model: serde_json::from_str(row.try_get::<&str, _>("data")?)?,
                                version: row.try_get("version")?,
                                created_at: dvk_shared::date::Timestamp(row.try_get("created_at")?),
                                updated_at: dvk_shared::date::Timestamp(row.try_get("updated_at")?),
                                deleted: row.try_get("deleted")?,
                            },
                            field_versions: serde_json::from_str(row.try_get::<&str, _>("field_versions")?)?,
                            field_writers: serde_json::from_str(row.try_get::<&str, _>("field_writers")?)?,
                        });
                    }
                }
                Ok(models)
            }

            async fn last_change(
                &mut self,
                entity: &str,
                id: &str,
            ) -> Result<(String, dvk_shared::date::Timestamp), $crate::store::StoreError> {
                use sqlx::Row;
                let last = sqlx::query(
                    "SELECT actor_name, at FROM audit_log WHERE entity = $1 AND entity_id = $2 ORDER BY id DESC LIMIT 1",
                )
                .bind(entity)
                .bind(id)
                .fetch_optional(&mut *self.tx)
                .await?;
                Ok(match last {
                    Some(last) => (last.try_get("actor_name")?, dvk_shared::date::Timestamp(last.try_get("at")?)),
                    None => (String::new(), dvk_shared::date::Timestamp(0)),
                })
            }

            async fn campaign(
                &mut self,
                id: dvk_shared::ids::CampaignId,
            ) -> Result<Option<$crate::store::SyncRecord<dvk_shared::survey::Campaign>>, $crate::store::StoreError> {
                let row = sqlx::query(
                    "SELECT data, version, field_versions, field_writers, updated_at FROM campaigns WHERE id = $1 AND deleted = FALSE",
                )
                .bind(id.to_string())
                .fetch_optional(&mut *self.tx)
                .await?;
                row.map(|row| $crate::store::sql::sync_record(&row)).transpose()
            }

            async fn put_campaign(
                &mut self,
                campaign: &$crate::store::SyncRecord<dvk_shared::survey::Campaign>,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "INSERT INTO campaigns (id, year, data, version, field_versions, field_writers, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO UPDATE SET year = excluded.year, \
                     data = excluded.data, version = excluded.version, field_versions = excluded.field_versions, \
                     field_writers = excluded.field_writers, updated_at = excluded.updated_at",
                )
                .bind(campaign.record.id.to_string())
                .bind(i32::from(campaign.record.year))
                .bind(serde_json::to_string(&campaign.record)?)
                .bind(campaign.version)
                .bind(serde_json::to_string(&campaign.field_versions)?)
                .bind(serde_json::to_string(&campaign.field_writers)?)
                .bind(campaign.updated_at.0)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn survey(
                &mut self,
                id: dvk_shared::ids::SurveyId,
            ) -> Result<Option<$crate::store::SyncRecord<dvk_shared::survey::Survey>>, $crate::store::StoreError> {
                let row = sqlx::query(
                    "SELECT data, version, field_versions, field_writers, updated_at FROM surveys WHERE id = $1 AND deleted = FALSE",
                )
                .bind(id.to_string())
                .fetch_optional(&mut *self.tx)
                .await?;
                row.map(|row| $crate::store::sql::sync_record(&row)).transpose()
            }

            async fn put_survey(
                &mut self,
                survey: &$crate::store::SyncRecord<dvk_shared::survey::Survey>,
                unit: dvk_shared::ids::UnitId,
            ) -> Result<(), $crate::store::StoreError> {
                let record = &survey.record;
                sqlx::query(
                    "INSERT INTO surveys (id, campaign_id, model_id, unit_id, surveyor_id, status, data, version, \
                     field_versions, field_writers, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                     ON CONFLICT (id) DO UPDATE SET status = excluded.status, data = excluded.data, \
                     version = excluded.version, field_versions = excluded.field_versions, \
                     field_writers = excluded.field_writers, updated_at = excluded.updated_at",
                )
                .bind(record.id.to_string())
                .bind(record.campaign_id.to_string())
                .bind(record.model_id.to_string())
                .bind(unit.to_string())
                .bind(record.surveyor_id.to_string())
                .bind($crate::store::enum_name(&record.status))
                .bind(serde_json::to_string(record)?)
                .bind(survey.version)
                .bind(serde_json::to_string(&survey.field_versions)?)
                .bind(serde_json::to_string(&survey.field_writers)?)
                .bind(survey.updated_at.0)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn write(
                &mut self,
                writes: &$crate::store::SyncWrites,
            ) -> Result<(), $crate::store::StoreError> {
                if writes.audit.is_empty() {
                    return Ok(());
                }
                sqlx::query("UPDATE counters SET value = $1 WHERE name = 'version'")
                    .bind(writes.version)
                    .execute(&mut *self.tx)
                    .await?;
                for chunk in writes.models.chunks($crate::store::sql::ROWS_PER_STATEMENT) {
                    let mut query = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO models (id, unit_id, name, name_sort, search, field, year, status, data, \
                         version, created_at, updated_at, deleted, field_versions, field_writers) ",
                    );
                    let mut failed = None;
                    query.push_values(chunk, |mut row, synced| {
                        let stored = &synced.stored;
                        let model = &stored.model;
                        let mut json = |value: Result<String, serde_json::Error>| {
                            value.unwrap_or_else(|e| {
                                failed = Some(e);
                                String::new()
                            })
                        };
                        let data = json(serde_json::to_string(model));
                        let versions = json(serde_json::to_string(&synced.field_versions));
                        let writers = json(serde_json::to_string(&synced.field_writers));
                        row.push_bind(model.id.to_string())
                            .push_bind(model.unit_id.to_string())
                            .push_bind(model.name.clone())
                            .push_bind(dvk_shared::text::sort_key(&model.name))
                            .push_bind(dvk_shared::text::fold(&model.search_text()))
                            .push_bind(model.field.as_str())
                            .push_bind(i32::from(model.year))
                            .push_bind(model.status.as_str())
                            .push_bind(data)
                            .push_bind(stored.version)
                            .push_bind(stored.created_at.0)
                            .push_bind(stored.updated_at.0)
                            .push_bind(stored.deleted)
                            .push_bind(versions)
                            .push_bind(writers);
                    });
                    if let Some(e) = failed {
                        return Err(e.into());
                    }
                    query.push(
                        " ON CONFLICT (id) DO UPDATE SET unit_id = excluded.unit_id, name = excluded.name, \
                         name_sort = excluded.name_sort, search = excluded.search, field = excluded.field, \
                         year = excluded.year, status = excluded.status, data = excluded.data, \
                         version = excluded.version, updated_at = excluded.updated_at, \
                         deleted = excluded.deleted, field_versions = excluded.field_versions, \
                         field_writers = excluded.field_writers",
                    );
                    query.build().execute(&mut *self.tx).await?;
                }
                for chunk in writes.audit.chunks($crate::store::sql::ROWS_PER_STATEMENT) {
                    let mut query = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO audit_log (entity, entity_id, action, actor_id, actor_name, at, before, after, device_id, seq) ",
                    );
                    query.push_values(chunk, |mut row, entry| {
                        let origin = entry.actor.origin.as_ref();
                        row.push_bind(entry.entity)
                            .push_bind(entry.entity_id.as_str())
                            .push_bind(entry.action.as_str())
                            .push_bind(entry.actor.id.map(|id| id.to_string()))
                            .push_bind(entry.actor.name.as_str())
                            .push_bind(entry.at.0)
                            .push_bind(entry.before.as_deref())
                            .push_bind(entry.after.as_deref())
                            .push_bind(origin.map(|(device, _)| device.as_str()))
                            .push_bind(origin.map(|(_, seq)| i64::try_from(*seq).unwrap_or(i64::MAX)));
                    });
                    query.build().execute(&mut *self.tx).await?;
                }
                Ok(())
            }

            async fn changes_since(
                &mut self,
                cursor: i64,
                units: Option<&[dvk_shared::ids::UnitId]>,
                limit: u32,
            ) -> Result<(Vec<$crate::store::PulledChange>, bool), $crate::store::StoreError> {
                use sqlx::Row;
                let mut changes = Vec::new();
                for (entity, sql, unit_column) in [
                    ("unit", "SELECT id, version, FALSE AS deleted, data FROM units WHERE version > ", Some("id")),
                    ("model", "SELECT id, version, deleted, data FROM models WHERE version > ", Some("unit_id")),
                    // The year's plan is the whole organisation's: everyone sees every campaign.
                    ("campaign", "SELECT id, version, deleted, data FROM campaigns WHERE version > ", None),
                    ("survey", "SELECT id, version, deleted, data FROM surveys WHERE version > ", Some("unit_id")),
                ] {
                    let mut query = sqlx::QueryBuilder::<$db>::new(sql);
                    query.push_bind(cursor);
                    if let (Some(units), Some(unit_column)) = (units, unit_column) {
                        if units.is_empty() {
                            continue;
                        }
                        query.push(format_args!(" AND {unit_column} IN ("));
                        let mut list = query.separated(", ");
                        for unit in units {
                            list.push_bind(unit.to_string());
                        }
                        query.push(")");
                    }
                    query.push(" ORDER BY version LIMIT ").push_bind(i64::from(limit) + 1);
                    for row in query.build().fetch_all(&mut *self.tx).await? {
                        let deleted: bool = row.try_get("deleted")?;
                        changes.push($crate::store::PulledChange {
                            entity,
                            id: $crate::store::parse_id(row.try_get::<&str, _>("id")?)?,
                            version: row.try_get("version")?,
                            op: if deleted { dvk_shared::sync::ChangeOp::Delete } else { dvk_shared::sync::ChangeOp::Put },
                            data: if deleted {
                                None
                            } else {
                                Some(serde_json::value::RawValue::from_string(row.try_get::<String, _>("data")?)?)
                            },
                        });
                    }
                }
                changes.sort_by_key(|c| c.version);
                let more = changes.len() > limit as usize;
                changes.truncate(limit as usize);
                Ok((changes, more))
            }

            async fn commit(self: Box<Self>) -> Result<(), $crate::store::StoreError> {
                self.tx.commit().await?;
                Ok(())
            }
        }
    };
}

pub(crate) use sql_store;

/// A campaign or survey from a row with `data`, `version`, `field_versions`, `field_writers`
/// and `updated_at`.
pub(crate) fn sync_record<T: serde::de::DeserializeOwned, R: sqlx::Row>(
    row: &R,
) -> Result<crate::store::SyncRecord<T>, crate::store::StoreError>
where
    for<'r> &'r str: sqlx::ColumnIndex<R> + sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    usize: sqlx::ColumnIndex<R>,
{
    let text = |column: &str| -> Result<&str, crate::store::StoreError> {
        Ok(row.try_get::<&str, _>(column)?)
    };
    Ok(crate::store::SyncRecord {
        record: serde_json::from_str(text("data")?)?,
        version: row.try_get("version")?,
        field_versions: serde_json::from_str(text("field_versions")?)?,
        field_writers: serde_json::from_str(text("field_writers")?)?,
        updated_at: dvk_shared::date::Timestamp(row.try_get("updated_at")?),
    })
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
/// 32,766, PostgreSQL 65,535) at 14 columns.
pub(crate) const ROWS_PER_STATEMENT: usize = 500;

/// Field versions of a new record: every field at its creation version.
pub(crate) fn all_fields_at(data: &str, version: i64) -> dvk_shared::sync::FieldVersions {
    serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(data)
        .map(|fields| fields.keys().map(|k| (k.clone(), version)).collect())
        .unwrap_or_default()
}

/// One entry for the audit log: a record's state before and after a change, as JSON.
pub(crate) struct Change<'a> {
    pub entity: &'a str,
    pub entity_id: &'a str,
    pub action: &'a str,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
}
