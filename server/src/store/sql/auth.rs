//! Accounts, sessions and the counts of sign-in attempts.

macro_rules! sql_auth {
    ($store:ty, $db:ty) => {
        impl $store {
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
        }

        #[async_trait::async_trait]
        impl $crate::store::AuthStore for $store {
            async fn create_user(
                &self,
                user: &dvk_shared::user::User,
                password_hash: &str,
                at: dvk_shared::date::Timestamp,
            ) -> Result<(), $crate::store::StoreError> {
                let (mut tx, _lock) = self.begin_write().await?;
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

            async fn count_login_attempt(
                &self,
                keys: &[String],
                attempt: &str,
                at: dvk_shared::date::Timestamp,
                since: dvk_shared::date::Timestamp,
                forget_before: dvk_shared::date::Timestamp,
            ) -> Result<Vec<Vec<dvk_shared::date::Timestamp>>, $crate::store::StoreError> {
                // Each attempt is written and committed before anything is counted: attempts
                // made at once see each other, whichever server process they reach.
                let (mut tx, _lock) = self.begin_write().await?;
                sqlx::query("DELETE FROM login_failures WHERE at < $1")
                    .bind(forget_before.0)
                    .execute(&mut *tx)
                    .await?;
                for key in keys {
                    sqlx::query("INSERT INTO login_failures (key, at, attempt) VALUES ($1, $2, $3)")
                        .bind(key)
                        .bind(at.0)
                        .bind(attempt)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                let mut counts = Vec::with_capacity(keys.len());
                for key in keys {
                    let rows: Vec<i64> =
                        sqlx::query_scalar("SELECT at FROM login_failures WHERE key = $1 AND at >= $2 ORDER BY at")
                            .bind(key)
                            .bind(since.0)
                            .fetch_all(&self.pool)
                            .await?;
                    counts.push(rows.into_iter().map(dvk_shared::date::Timestamp).collect());
                }
                Ok(counts)
            }

            async fn forget_login_attempts(
                &self,
                key: &str,
                attempt: Option<&str>,
            ) -> Result<(), $crate::store::StoreError> {
                let mut query = sqlx::QueryBuilder::<$db>::new("DELETE FROM login_failures WHERE key = ");
                query.push_bind(key.to_owned());
                if let Some(attempt) = attempt {
                    query.push(" AND attempt = ").push_bind(attempt.to_owned());
                }
                query.build().execute(&self.pool).await?;
                Ok(())
            }
        }
    };
}

pub(crate) use sql_auth;
