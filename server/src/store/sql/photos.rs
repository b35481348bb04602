//! Photos: the chunked, resumable upload with its per-person quota, the stored photos, and who
//! may see one.

macro_rules! sql_photos {
    ($store:ty, $db:ty) => {
        impl $store {
            /// Whether starting the upload of `hash` (`total` bytes) would pass `user`'s quota:
            /// uploads under way, and bytes stored and under way over the last day.
            async fn over_quota(
                tx: &mut sqlx::Transaction<'_, $db>,
                hash: &str,
                total: u64,
                user: dvk_shared::ids::UserId,
                now: dvk_shared::date::Timestamp,
            ) -> Result<bool, $crate::store::StoreError> {
                use sqlx::Row;
                let row = sqlx::query(
                    "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(total), 0) AS BIGINT) AS bytes FROM photo_uploads \
                     WHERE uploaded_by = $1 AND hash <> $2",
                )
                .bind(user.to_string())
                .bind(hash)
                .fetch_one(&mut **tx)
                .await?;
                let under_way = u64::try_from(row.try_get::<i64, _>("n")?).unwrap_or_default();
                let pending: i64 = row.try_get("bytes")?;
                let stored: i64 = {
                    let row = sqlx::query(
                        "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) AS bytes FROM photos WHERE uploaded_by = $1 AND uploaded_at > $2",
                    )
                    .bind(user.to_string())
                    .bind(now.0 - 24 * 3_600_000)
                    .fetch_one(&mut **tx)
                    .await?;
                    row.try_get::<i64, _>("bytes")?
                };
                let day = u64::try_from(pending.saturating_add(stored)).unwrap_or_default();
                Ok(under_way >= $crate::store::UPLOADS_UNDER_WAY_MAX
                    || day.saturating_add(total) > $crate::store::UPLOAD_BYTES_PER_DAY_MAX)
            }
        }

        #[async_trait::async_trait]
        impl $crate::store::PhotoStore for $store {
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
                let (mut tx, _lock) = self.begin_write().await?;

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
                    // A write that changes nothing, for the row's lock: touching `updated_at`
                    // here would keep an upload nobody can finish from ever going stale.
                    upload = sqlx::query(
                        "UPDATE photo_uploads SET hash = hash WHERE hash = $1 \
                         RETURNING total, received, uploaded_by, updated_at",
                    )
                    .bind(hash)
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
                    // Only the person who began it may start an upload again with another size
                    // (or anyone, once nobody has added to it for a week): a stranger could
                    // otherwise throw away what a tablet had sent.
                    let owner: String = upload.try_get("uploaded_by")?;
                    let touched: i64 = upload.try_get("updated_at")?;
                    let stale = touched < now.0 - $crate::store::STALE_UPLOAD_MS;
                    if offset != 0 || (owner != user.to_string() && !stale) {
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
                if started && Self::over_quota(&mut tx, hash, total, user, now).await? {
                    return Ok(ChunkOutcome::OverQuota);
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
                sqlx::query("UPDATE photo_uploads SET received = $2, updated_at = $3 WHERE hash = $1")
                    .bind(hash)
                    .bind(as_i64(received))
                    .bind(now.0)
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
                } else if let Some(mime) = dvk_shared::photo::file_type(&photo) {
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

            async fn photo_visible(
                &self,
                hash: &str,
                user: dvk_shared::ids::UserId,
                units: Option<&[dvk_shared::ids::UnitId]>,
            ) -> Result<bool, $crate::store::StoreError> {
                let mut query = sqlx::QueryBuilder::<$db>::new(
                    "SELECT 1 FROM photos WHERE hash = ",
                );
                query
                    .push_bind(hash)
                    .push(" AND uploaded_by = ")
                    .push_bind(user.to_string())
                    .push(" UNION ALL SELECT 1 FROM photo_links WHERE hash = ")
                    .push_bind(hash);
                if let Some(units) = units {
                    if units.is_empty() {
                        query.push(" AND unit_id = ''");
                    } else {
                        // An empty unit: a photo of the library, which everyone may read.
                        query.push(" AND (unit_id = '' OR unit_id IN (");
                        let mut list = query.separated(", ");
                        for unit in units {
                            list.push_bind(unit.to_string());
                        }
                        query.push("))");
                    }
                }
                let rows: Vec<i32> = query.build_query_scalar().fetch_all(&self.pool).await?;
                Ok(!rows.is_empty())
            }
        }
    };
}

pub(crate) use sql_photos;
