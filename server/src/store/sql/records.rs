//! The records people read (units, models, the history, awards and counts) and the writes the
//! server makes itself outside sync (the demo's seed, units from the command line). Every write
//! that changes a record takes the next value of the change counter inside its transaction,
//! under the write lock, stamps the record with it and appends to the audit log.

macro_rules! sql_records {
    ($store:ty, $db:ty) => {
        impl $store {
            /// The models list's filters (` WHERE …`), shared by the list and its export.
            fn model_conditions(builder: &mut sqlx::QueryBuilder<$db>, filter: &$crate::store::ModelFilter) {
                builder.push(" WHERE m.deleted = FALSE");
                Self::kind_conditions(builder, filter, "m.");
                if let Some(q) = &filter.folded_query {
                    // The query is folded like the column; LIKE wildcards in it are escaped.
                    // PostgreSQL answers it from a trigram index (migration 0015).
                    let escaped = q.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
                    builder
                        .push(" AND m.search LIKE ")
                        .push_bind(format!("%{escaped}%"))
                        .push(" ESCAPE '\\'");
                }
            }

            /// The filters on a model's unit, field, year and status (` AND …`), on the columns
            /// `models` and `model_tally` both have (`prefix` names the table).
            fn kind_conditions(builder: &mut sqlx::QueryBuilder<$db>, filter: &$crate::store::ModelFilter, prefix: &str) {
                if !Self::in_units(builder, &format!("{prefix}unit_id"), filter.units.as_deref()) {
                    builder.push(" AND 1 = 0");
                }
                if let Some(field) = filter.field {
                    builder.push(format_args!(" AND {prefix}field = ")).push_bind(field.as_str());
                }
                if let Some(year) = filter.year {
                    builder.push(format_args!(" AND {prefix}year = ")).push_bind(i32::from(year));
                }
                if let Some(status) = filter.status {
                    builder.push(format_args!(" AND {prefix}status = ")).push_bind(status.as_str());
                }
            }

            /// How many models `filter` selects, and whether there are more: from the tally
            /// without a search, else counted up to `filter.count_max`.
            async fn count_models(
                &self,
                filter: &$crate::store::ModelFilter,
            ) -> Result<(u64, bool), $crate::store::StoreError> {
                let mut count = if filter.folded_query.is_none() {
                    // Over every unit, the tally without units is a few hundred rows.
                    let table = if filter.units.is_none() { "model_tally_kind" } else { "model_tally" };
                    let mut count = sqlx::QueryBuilder::<$db>::new(format!(
                        "SELECT CAST(COALESCE(SUM(t.n), 0) AS BIGINT) FROM {table} t WHERE 1 = 1"
                    ));
                    Self::kind_conditions(&mut count, filter, "t.");
                    count
                } else {
                    let mut count = sqlx::QueryBuilder::<$db>::new("SELECT COUNT(*) FROM (SELECT 1 FROM models m");
                    Self::model_conditions(&mut count, filter);
                    if let Some(max) = filter.count_max {
                        count.push(" LIMIT ").push_bind(i64::try_from(max.saturating_add(1)).unwrap_or(i64::MAX));
                    }
                    count.push(") found");
                    count
                };
                let total: i64 = count.build_query_scalar().fetch_one(&self.pool).await?;
                Ok(Self::capped(filter, u64::try_from(total).unwrap_or_default()))
            }

            /// A count of matches as the list reports it: up to `filter.count_max` for a search
            /// (then `true`: there are more).
            fn capped(filter: &$crate::store::ModelFilter, total: u64) -> (u64, bool) {
                match filter.count_max {
                    Some(max) if filter.folded_query.is_some() && total > max => (max, true),
                    _ => (total, false),
                }
            }

            /// One page of `filter`, each model with its place in the order; and, when a search
            /// had to read every match from the start, how many there are.
            async fn models_page(
                &self,
                filter: &$crate::store::ModelFilter,
            ) -> Result<(Vec<(dvk_shared::api::ModelSummary, $crate::store::Place)>, Option<u64>), $crate::store::StoreError> {
                use sqlx::Row;
                use $crate::store::Place;
                use dvk_shared::api::ModelSort;
                const COLUMNS: &str =
                    "m.id, m.name, m.name_sort, m.version, m.field, m.year, m.status, m.unit_id, m.updated_at";
                let order_by = match filter.order {
                    ModelSort::Name => "m.name_sort, m.id",
                    ModelSort::Recent => "m.version DESC, m.id DESC",
                };
                // Written so the index on the order's key serves it in both databases.
                let after = |query: &mut sqlx::QueryBuilder<$db>| match &filter.after {
                    Some(Place::Name(sort, id)) => {
                        query
                            .push(" AND m.name_sort >= ")
                            .push_bind(sort.clone())
                            .push(" AND (m.name_sort > ")
                            .push_bind(sort.clone())
                            .push(" OR m.id > ")
                            .push_bind(id.to_string())
                            .push(")");
                    }
                    Some(Place::Recent(version, id)) => {
                        query
                            .push(" AND m.version <= ")
                            .push_bind(*version)
                            .push(" AND (m.version < ")
                            .push_bind(*version)
                            .push(" OR m.id < ")
                            .push_bind(id.to_string())
                            .push(")");
                    }
                    None => {}
                };
                let page = |query: &mut sqlx::QueryBuilder<$db>| {
                    query
                        .push(format_args!(" ORDER BY {order_by} LIMIT "))
                        .push_bind(i64::from(filter.limit));
                    if filter.after.is_none() && filter.offset > 0 {
                        query.push(" OFFSET ").push_bind(i64::try_from(filter.offset).unwrap_or(i64::MAX));
                    }
                };
                let read = |rows: &[<$db as sqlx::Database>::Row]| {
                    rows.iter()
                        .map(|row| {
                            let summary = Self::model_summary(row)?;
                            let place = match filter.order {
                                ModelSort::Name => Place::Name(row.try_get("name_sort")?, summary.id),
                                ModelSort::Recent => Place::Recent(row.try_get("version")?, summary.id),
                            };
                            Ok((summary, place))
                        })
                        .collect::<Result<Vec<_>, $crate::store::StoreError>>()
                };
                if filter.folded_query.is_none() {
                    let mut select = sqlx::QueryBuilder::<$db>::new(format!(
                        "SELECT {COLUMNS}, u.name AS unit_name FROM models m JOIN units u ON u.id = m.unit_id"
                    ));
                    Self::model_conditions(&mut select, filter);
                    after(&mut select);
                    page(&mut select);
                    return Ok((read(&select.build().fetch_all(&self.pool).await?)?, None));
                }
                // A search: first the next models in the list's order, a few thousand, with the
                // query applied to them — a common phrase fills the page there. If it does not,
                // every match is read through the search index and put in order. In the order
                // of names a phrase that starts many names fills one stretch of the alphabet,
                // wherever it falls, and only reading every match finds the first page (hence
                // `ModelSort::Recent` for searches).
                if filter.after.is_some() || filter.offset == 0 {
                    let mut walk = sqlx::QueryBuilder::<$db>::new(format!(
                        "SELECT {COLUMNS}, u.name AS unit_name FROM (SELECT m.* FROM models m WHERE 1 = 1"
                    ));
                    after(&mut walk);
                    walk.push(format_args!(" ORDER BY {order_by} LIMIT "))
                        .push_bind(i64::from(filter.limit).saturating_mul(100).max(5_000))
                        .push(") m JOIN units u ON u.id = m.unit_id");
                    Self::model_conditions(&mut walk, filter);
                    page(&mut walk);
                    let found = read(&walk.build().fetch_all(&self.pool).await?)?;
                    if found.len() == filter.limit as usize {
                        return Ok((found, None));
                    }
                }
                // Every match is read through the search index (materialised: with the order's
                // limit beside it, the planner may walk the order's index instead, which passes
                // over every model that does not match), then put in order; from the start it
                // counts them too. Only the page is joined to its units.
                let counting = filter.after.is_none() && filter.offset == 0;
                let mut matches = sqlx::QueryBuilder::<$db>::new(format!(
                    "WITH m AS MATERIALIZED (SELECT {COLUMNS} FROM models m"
                ));
                Self::model_conditions(&mut matches, filter);
                after(&mut matches);
                matches.push(format_args!(
                    ") SELECT m.*, u.name AS unit_name FROM (SELECT m.*{} FROM m",
                    if counting { ", COUNT(*) OVER () AS found" } else { "" }
                ));
                page(&mut matches);
                matches.push(format_args!(") m JOIN units u ON u.id = m.unit_id ORDER BY {order_by}"));
                let rows = matches.build().fetch_all(&self.pool).await?;
                let found = match rows.first() {
                    Some(row) if counting => Some(u64::try_from(row.try_get::<i64, _>("found")?).unwrap_or_default()),
                    None if counting => Some(0),
                    _ => None,
                };
                Ok((read(&rows)?, found))
            }

            /// One row of `models m JOIN units u` as the list shows it.
            fn model_summary(
                row: &<$db as sqlx::Database>::Row,
            ) -> Result<dvk_shared::api::ModelSummary, $crate::store::StoreError> {
                use sqlx::Row;
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
            }

            /// The next value of the change counter, inside the caller's transaction (which
            /// holds the write lock).
            async fn next_version(
                tx: &mut sqlx::Transaction<'_, $db>,
            ) -> Result<i64, $crate::store::StoreError> {
                Ok(sqlx::query_scalar(
                    "UPDATE counters SET value = value + 1 WHERE name = 'version' RETURNING value",
                )
                .fetch_one(&mut **tx)
                .await?)
            }

            /// The audit entries of one record (or account: `entity` is `user`), oldest first.
            async fn audit_entries(
                &self,
                entity: &str,
                id: &str,
            ) -> Result<Vec<dvk_shared::api::AuditEntry>, $crate::store::StoreError> {
                use sqlx::Row;
                let rows = sqlx::query(
                    "SELECT at, actor_name, action, before, after, device_id, seq, overwritten FROM audit_log \
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
                            overwritten: match json("overwritten")? {
                                Some(list) => serde_json::from_value(list)?,
                                None => Vec::new(),
                            },
                        })
                    })
                    .collect()
            }

            async fn audit(
                tx: &mut sqlx::Transaction<'_, $db>,
                row: &$crate::store::AuditRow,
            ) -> Result<(), $crate::store::StoreError> {
                Self::insert_audit(&mut **tx, std::slice::from_ref(row)).await
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
                    &$crate::store::AuditRow {
                        entity: "unit",
                        entity_id: unit.id.to_string(),
                        action: action.to_owned(),
                        actor: actor.clone(),
                        at,
                        before,
                        after: Some(data),
                        overwritten: None,
                    },
                )
                .await?;
                Ok(version)
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
                    &$crate::store::AuditRow {
                        entity: "model",
                        entity_id: model.id.to_string(),
                        action: "model.create".to_owned(),
                        actor: actor.clone(),
                        at,
                        before: None,
                        after: Some(data),
                        overwritten: None,
                    },
                )
                .await?;
                Ok(Some(version))
            }
        }

        #[async_trait::async_trait]
        impl $crate::store::RecordStore for $store {
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
                let (mut tx, _lock) = self.begin_write().await?;
                let version = Self::write_unit(&mut tx, unit, actor, at).await?;
                tx.commit().await?;
                Ok(version)
            }

            async fn change_tree(
                &self,
                change: &(dyn for<'t> Fn(&'t dvk_shared::unit::UnitTree) -> dvk_shared::unit::TreeChange + Send + Sync),
                move_accounts: Option<(dvk_shared::ids::UnitId, dvk_shared::ids::UnitId)>,
                actor: &$crate::store::Actor,
                at: dvk_shared::date::Timestamp,
            ) -> Result<dvk_shared::unit::TreeChange, $crate::store::StoreError> {
                let (mut tx, _lock) = self.begin_write().await?;
                // Decided on the tree as it is under the write lock: two administrators changing
                // it at once each see the other's change.
                sqlx::query(Self::LOCK_COUNTER).fetch_one(&mut *tx).await?;
                let rows: Vec<String> = sqlx::query_scalar("SELECT data FROM units")
                    .fetch_all(&mut *tx)
                    .await?;
                let units = rows
                    .iter()
                    .map(|data| serde_json::from_str(data))
                    .collect::<Result<Vec<dvk_shared::unit::Unit>, _>>()?;
                let decided = change(&dvk_shared::unit::UnitTree::new(units));
                let dvk_shared::unit::TreeChange::Write(written) = &decided else {
                    return Ok(decided);
                };
                for unit in written {
                    Self::write_unit(&mut tx, unit, actor, at).await?;
                }
                if let Some((from, into)) = move_accounts {
                    sqlx::query("UPDATE users SET unit_id = $1 WHERE unit_id = $2")
                        .bind(into.to_string())
                        .bind(from.to_string())
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(decided)
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
            ) -> Result<(Vec<(dvk_shared::api::ModelSummary, $crate::store::Place)>, u64, bool), $crate::store::StoreError> {
                let (page, found) = self.models_page(filter).await?;
                let (total, more) = match found {
                    Some(found) => Self::capped(filter, found),
                    None => self.count_models(filter).await?,
                };
                Ok((page, total, more))
            }

            async fn models_after(
                &self,
                filter: &$crate::store::ModelFilter,
            ) -> Result<Vec<(dvk_shared::api::ModelSummary, $crate::store::Place)>, $crate::store::StoreError> {
                Ok(self.models_page(filter).await?.0)
            }

            async fn history(
                &self,
                entity: dvk_shared::sync::Entity,
                id: &str,
            ) -> Result<Vec<dvk_shared::api::AuditEntry>, $crate::store::StoreError> {
                self.audit_entries(entity.as_str(), id).await
            }

            async fn model_counts(
                &self,
                units: Option<&[dvk_shared::ids::UnitId]>,
                year: Option<u16>,
            ) -> Result<$crate::store::ModelCounts, $crate::store::StoreError> {
                use sqlx::Row;
                let filter = $crate::store::ModelFilter {
                    units: units.map(<[_]>::to_vec),
                    year,
                    ..Default::default()
                };
                // The smallest tally that answers: over every unit and every year, the lines of
                // the units and the kinds have tallies of their own; a year, or some units, are
                // read from the tally of everything by its index.
                let tally = |table: &str, columns: &str| {
                    let mut query = sqlx::QueryBuilder::<$db>::new(format!(
                        "SELECT {columns}, CAST(SUM(t.n) AS BIGINT) AS n FROM {table} t WHERE t.n > 0"
                    ));
                    if table != "model_tally_unit" {
                        query.push(" AND t.status <> 'draft'");
                    }
                    Self::kind_conditions(&mut query, &filter, "t.");
                    query.push(format_args!(" GROUP BY {columns}"));
                    query
                };
                let (units_table, kinds_table) = match (units, year) {
                    (None, None) => ("model_tally_unit", "model_tally_kind"),
                    (None, Some(_)) => ("model_tally", "model_tally_kind"),
                    (Some(_), None) => ("model_tally_unit", "model_tally"),
                    (Some(_), Some(_)) => ("model_tally", "model_tally"),
                };
                let count = |row: &<$db as sqlx::Database>::Row| {
                    Ok::<_, $crate::store::StoreError>(u64::try_from(row.try_get::<i64, _>("n")?).unwrap_or_default())
                };
                let by_unit = tally(units_table, "t.unit_id, t.field")
                    .build()
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(|row| {
                        Ok((
                            $crate::store::parse_id(row.try_get::<&str, _>("unit_id")?)?,
                            $crate::store::parse_enum(row.try_get::<&str, _>("field")?)?,
                            count(row)?,
                        ))
                    })
                    .collect::<Result<_, $crate::store::StoreError>>()?;
                let by_kind = tally(kinds_table, "t.field, t.status, t.year")
                    .build()
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(|row| {
                        Ok((
                            $crate::store::parse_enum(row.try_get::<&str, _>("field")?)?,
                            $crate::store::parse_enum(row.try_get::<&str, _>("status")?)?,
                            u16::try_from(row.try_get::<i32, _>("year")?).unwrap_or_default(),
                            count(row)?,
                        ))
                    })
                    .collect::<Result<_, $crate::store::StoreError>>()?;
                Ok($crate::store::ModelCounts { by_unit, by_kind })
            }

            async fn awards(
                &self,
                units: Option<&[dvk_shared::ids::UnitId]>,
                year: Option<u16>,
            ) -> Result<Vec<dvk_shared::award::Award>, $crate::store::StoreError> {
                let mut query = sqlx::QueryBuilder::<$db>::new(
                    "SELECT data FROM awards WHERE deleted = FALSE AND status = 'decided'",
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

            async fn report_inputs(
                &self,
                units: Option<&[dvk_shared::ids::UnitId]>,
            ) -> Result<
                (Vec<dvk_shared::report::ModelFact>, Vec<dvk_shared::survey::Survey>),
                $crate::store::StoreError,
            > {
                use sqlx::Row;
                if units.is_some_and(<[_]>::is_empty) {
                    return Ok((Vec::new(), Vec::new()));
                }
                let scoped = |table: &str, columns: &str| {
                    let mut query = sqlx::QueryBuilder::<$db>::new(format!(
                        "SELECT {columns} FROM {table} WHERE deleted = FALSE"
                    ));
                    Self::in_units(&mut query, "unit_id", units);
                    query
                };
                let mut models = Vec::new();
                for row in scoped("models", "data, created_at").build().fetch_all(&self.pool).await? {
                    let data: String = row.try_get("data")?;
                    let created: i64 = row.try_get("created_at")?;
                    models.push(dvk_shared::report::ModelFact {
                        model: serde_json::from_str(&data)?,
                        registered_on: dvk_shared::date::Date::of_instant_in_vietnam(
                            dvk_shared::date::Timestamp(created),
                        ),
                    });
                }
                let mut surveys = Vec::new();
                for row in scoped("surveys", "data").build().fetch_all(&self.pool).await? {
                    let data: String = row.try_get("data")?;
                    surveys.push(serde_json::from_str(&data)?);
                }
                Ok((models, surveys))
            }

            async fn supervision_inputs(
                &self,
                units: Option<&[dvk_shared::ids::UnitId]>,
            ) -> Result<$crate::store::SupervisionInputs, $crate::store::StoreError> {
                use sqlx::Row;
                let mut inputs = $crate::store::SupervisionInputs::default();
                if units.is_some_and(<[_]>::is_empty) {
                    return Ok(inputs);
                }
                let scoped = |table: &str, unit_column: &str| {
                    let mut query = sqlx::QueryBuilder::<$db>::new(format!(
                        "SELECT data FROM {table} WHERE deleted = FALSE"
                    ));
                    Self::in_units(&mut query, unit_column, units);
                    query
                };
                for data in scoped("models", "unit_id").build_query_scalar::<String>().fetch_all(&self.pool).await? {
                    let model: dvk_shared::model::Model = serde_json::from_str(&data)?;
                    inputs.models.push(dvk_shared::oversight::ModelState {
                        id: model.id,
                        unit_id: model.unit_id,
                        status: model.status,
                        since: model.status_since,
                    });
                }
                for data in scoped("surveys", "unit_id").build_query_scalar::<String>().fetch_all(&self.pool).await? {
                    inputs.surveys.push(serde_json::from_str(&data)?);
                }
                for data in scoped("oversight", "unit_id").build_query_scalar::<String>().fetch_all(&self.pool).await? {
                    inputs.oversight.push(serde_json::from_str(&data)?);
                }
                inputs.campaigns = $crate::store::RecordStore::campaigns(self).await?;
                // A tablet counts for the unit of its person's account, while the account is active.
                let mut query = sqlx::QueryBuilder::<$db>::new(
                    "SELECT u.unit_id AS unit_id, d.seen_at AS seen_at FROM devices d JOIN users u ON u.id = d.user_id WHERE u.active = TRUE",
                );
                Self::in_units(&mut query, "u.unit_id", units);
                for row in query.build().fetch_all(&self.pool).await? {
                    inputs.devices.push((
                        $crate::store::parse_id::<dvk_shared::ids::UnitId>(row.try_get::<&str, _>("unit_id")?)?,
                        dvk_shared::date::Timestamp(row.try_get("seen_at")?),
                    ));
                }
                Ok(inputs)
            }

            async fn list_surveys(
                &self,
                filter: &$crate::store::SurveyFilter,
            ) -> Result<Vec<$crate::store::SurveyRow>, $crate::store::StoreError> {
                use sqlx::Row;
                let mut query = sqlx::QueryBuilder::<$db>::new(
                    "SELECT s.data AS data, m.name AS model_name, u.name AS unit_name, \
                     us.display_name AS surveyor_name \
                     FROM surveys s JOIN campaigns c ON c.id = s.campaign_id \
                     LEFT JOIN models m ON m.id = s.model_id \
                     LEFT JOIN units u ON u.id = s.unit_id \
                     LEFT JOIN users us ON us.id = s.surveyor_id \
                     WHERE s.deleted = FALSE",
                );
                if !Self::in_units(&mut query, "s.unit_id", filter.units.as_deref()) {
                    return Ok(Vec::new());
                }
                if let Some(year) = filter.year {
                    query.push(" AND c.year = ").push_bind(i32::from(year));
                }
                if let Some(status) = filter.status {
                    query.push(" AND s.status = ").push_bind($crate::store::enum_name(&status));
                }
                query
                    .push(" ORDER BY c.year DESC, COALESCE(m.name_sort, ''), s.id LIMIT ")
                    .push_bind(i64::from(filter.limit))
                    .push(" OFFSET ")
                    .push_bind(i64::try_from(filter.offset).unwrap_or(i64::MAX));
                let rows = query.build().fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|row| {
                        Ok($crate::store::SurveyRow {
                            survey: serde_json::from_str(row.try_get::<&str, _>("data")?)?,
                            model_name: row.try_get::<Option<String>, _>("model_name")?.unwrap_or_default(),
                            unit_name: row.try_get::<Option<String>, _>("unit_name")?.unwrap_or_default(),
                            surveyor_name: row.try_get("surveyor_name")?,
                        })
                    })
                    .collect()
            }

            async fn campaigns(
                &self,
            ) -> Result<Vec<dvk_shared::survey::Campaign>, $crate::store::StoreError> {
                let rows: Vec<String> =
                    sqlx::query_scalar("SELECT data FROM campaigns WHERE deleted = FALSE ORDER BY year DESC, id")
                        .fetch_all(&self.pool)
                        .await?;
                rows.iter().map(|data| Ok(serde_json::from_str(data)?)).collect()
            }

            async fn models_per_unit(
                &self,
            ) -> Result<Vec<(dvk_shared::ids::UnitId, u64)>, $crate::store::StoreError> {
                use sqlx::Row;
                let rows = sqlx::query(
                    "SELECT unit_id, CAST(SUM(n) AS BIGINT) AS n FROM model_tally GROUP BY unit_id HAVING SUM(n) > 0",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok((
                            $crate::store::parse_id(row.try_get::<&str, _>("unit_id")?)?,
                            u64::try_from(row.try_get::<i64, _>("n")?).unwrap_or_default(),
                        ))
                    })
                    .collect()
            }

            async fn reports(
                &self,
                units: Option<&[dvk_shared::ids::UnitId]>,
            ) -> Result<Vec<dvk_shared::report::Report>, $crate::store::StoreError> {
                let mut query = sqlx::QueryBuilder::<$db>::new("SELECT data FROM reports WHERE 1 = 1");
                if !Self::in_units(&mut query, "unit_id", units) {
                    return Ok(Vec::new());
                }
                query.push(" ORDER BY created_at DESC, id");
                let rows: Vec<String> = query.build_query_scalar().fetch_all(&self.pool).await?;
                rows.iter().map(|data| Ok(serde_json::from_str(data)?)).collect()
            }

            async fn report(
                &self,
                id: dvk_shared::ids::ReportId,
            ) -> Result<Option<dvk_shared::report::Report>, $crate::store::StoreError> {
                let data: Option<String> = sqlx::query_scalar("SELECT data FROM reports WHERE id = $1")
                    .bind(id.to_string())
                    .fetch_optional(&self.pool)
                    .await?;
                data.map(|d| Ok(serde_json::from_str(&d)?)).transpose()
            }

            async fn put_report(
                &self,
                report: &dvk_shared::report::Report,
                before: Option<&dvk_shared::report::Report>,
                action: &str,
                actor: &$crate::store::Actor,
                at: dvk_shared::date::Timestamp,
            ) -> Result<(), $crate::store::StoreError> {
                let (mut tx, _lock) = self.begin_write().await?;
                // Two people editing at once: the later write finds what it read changed.
                let stored: Option<String> = sqlx::query_scalar("SELECT data FROM reports WHERE id = $1")
                    .bind(report.id.to_string())
                    .fetch_optional(&mut *tx)
                    .await?;
                let read = before.map(serde_json::to_value).transpose()?;
                let now_stored = stored.as_deref().map(serde_json::from_str::<serde_json::Value>).transpose()?;
                if read != now_stored {
                    return Err($crate::store::StoreError::Conflict(format!("report {}", report.id)));
                }
                let data = serde_json::to_string(report)?;
                let status = match report.status {
                    dvk_shared::report::ReportStatus::Draft => "draft",
                    dvk_shared::report::ReportStatus::Final => "final",
                };
                sqlx::query(
                    "INSERT INTO reports (id, unit_id, status, data, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) \
                     ON CONFLICT (id) DO UPDATE SET status = excluded.status, data = excluded.data, updated_at = excluded.updated_at",
                )
                .bind(report.id.to_string())
                .bind(report.unit_id.to_string())
                .bind(status)
                .bind(&data)
                .bind(at.0)
                .execute(&mut *tx)
                .await?;
                Self::insert_audit(
                    &mut *tx,
                    &[$crate::store::AuditRow {
                        entity: "report",
                        entity_id: report.id.to_string(),
                        action: action.to_owned(),
                        actor: actor.clone(),
                        at,
                        before: stored,
                        after: Some(data),
                        overwritten: None,
                    }],
                )
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn library_entries(
                &self,
            ) -> Result<std::sync::Arc<Vec<dvk_shared::library::LibraryEntry>>, $crate::store::StoreError> {
                let key: (String, Option<i64>) = sqlx::query_as(
                    "SELECT (SELECT value FROM server_meta WHERE key = 'epoch'), (SELECT MAX(version) FROM library)",
                )
                .fetch_one(&self.pool)
                .await?;
                let cached = self.library.lock().unwrap_or_else(|e| e.into_inner()).clone();
                if let Some((at, entries)) = cached
                    && at == key
                {
                    return Ok(entries);
                }
                // Read after the key: an entry written in between makes the next read read
                // again, never keeps an older library.
                let rows: Vec<String> =
                    sqlx::query_scalar("SELECT data FROM library WHERE deleted = FALSE")
                        .fetch_all(&self.pool)
                        .await?;
                let entries = std::sync::Arc::new(
                    rows.iter()
                        .map(|data| Ok(serde_json::from_str(data)?))
                        .collect::<Result<Vec<_>, $crate::store::StoreError>>()?,
                );
                *self.library.lock().unwrap_or_else(|e| e.into_inner()) = Some((key, entries.clone()));
                Ok(entries)
            }

            async fn all_awards(
                &self,
                units: Option<&[dvk_shared::ids::UnitId]>,
            ) -> Result<Vec<dvk_shared::award::Award>, $crate::store::StoreError> {
                let mut query = sqlx::QueryBuilder::<$db>::new("SELECT data FROM awards WHERE deleted = FALSE");
                if !Self::in_units(&mut query, "unit_id", units) {
                    return Ok(Vec::new());
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
                     WHERE deleted = FALSE AND status = 'decided' AND ($1 IS NULL OR year = $1) \
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
                            count: u64::try_from(row.try_get::<i64, _>("n")?).unwrap_or_default(),
                        })
                    })
                    .collect()
            }

            async fn typical_models(
                &self,
                units: Option<&[dvk_shared::ids::UnitId]>,
                year: Option<u16>,
                limit: u32,
            ) -> Result<Vec<(dvk_shared::ids::ModelId, String, dvk_shared::ids::UnitId)>, $crate::store::StoreError> {
                use sqlx::Row;
                let mut query = sqlx::QueryBuilder::<$db>::new(
                    "SELECT id, name, unit_id FROM models WHERE deleted = FALSE AND status = 'typical'",
                );
                if let Some(year) = year {
                    query.push(" AND year = ").push_bind(i32::from(year));
                }
                if !Self::in_units(&mut query, "unit_id", units) {
                    return Ok(Vec::new());
                }
                query.push(" ORDER BY name_sort, id LIMIT ").push_bind(i64::from(limit));
                let rows = query.build().fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|row| {
                        Ok((
                            $crate::store::parse_id(row.try_get::<&str, _>("id")?)?,
                            row.try_get("name")?,
                            $crate::store::parse_id(row.try_get::<&str, _>("unit_id")?)?,
                        ))
                    })
                    .collect()
            }
        }
    };
}

pub(crate) use sql_records;
