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

            /// Invitations from rows of `invitations` and the rows of `users` that joined them.
            fn invitations_of(
                rows: &[<$db as sqlx::Database>::Row],
                joined: &[<$db as sqlx::Database>::Row],
            ) -> Result<Vec<dvk_shared::invitation::Invitation>, $crate::store::StoreError> {
                use sqlx::Row;
                let mut by_invitation: std::collections::HashMap<String, Vec<dvk_shared::invitation::Joined>> =
                    std::collections::HashMap::new();
                for row in joined {
                    by_invitation.entry(row.try_get("invitation_id")?).or_default().push(dvk_shared::invitation::Joined {
                        username: row.try_get("username")?,
                        display_name: row.try_get("display_name")?,
                        at: dvk_shared::date::Timestamp(row.try_get("created_at")?),
                    });
                }
                rows.iter()
                    .map(|row| {
                        let id: String = row.try_get("id")?;
                        Ok(dvk_shared::invitation::Invitation {
                            joined: by_invitation.remove(&id).unwrap_or_default(),
                            id: $crate::store::parse_id(&id)?,
                            unit_id: $crate::store::parse_id(row.try_get::<&str, _>("unit_id")?)?,
                            note: row.try_get("note")?,
                            created_by: row.try_get("created_by")?,
                            created_at: dvk_shared::date::Timestamp(row.try_get("created_at")?),
                            expires_at: dvk_shared::date::Timestamp(row.try_get("expires_at")?),
                            max_uses: u32::try_from(row.try_get::<i64, _>("max_uses")?).unwrap_or(0),
                            revoked_at: row
                                .try_get::<Option<i64>, _>("revoked_at")?
                                .map(dvk_shared::date::Timestamp),
                        })
                    })
                    .collect()
            }

            /// Accounts from rows of `users` (with the list's columns) and of `devices`.
            fn accounts_of(
                users: &[<$db as sqlx::Database>::Row],
                devices: &[<$db as sqlx::Database>::Row],
            ) -> Result<Vec<dvk_shared::account::Account>, $crate::store::StoreError> {
                use sqlx::Row;
                let mut by_user: std::collections::HashMap<String, Vec<dvk_shared::account::AccountDevice>> =
                    std::collections::HashMap::new();
                for row in devices {
                    by_user.entry(row.try_get("user_id")?).or_default().push(dvk_shared::account::AccountDevice {
                        id: row.try_get("id")?,
                        last_sync_at: dvk_shared::date::Timestamp(row.try_get("seen_at")?),
                    });
                }
                users
                    .iter()
                    .map(|row| {
                        let user = Self::user_of(row)?;
                        Ok(dvk_shared::account::Account {
                            devices: by_user.remove(&user.id.to_string()).unwrap_or_default(),
                            user,
                            active: row.try_get("active")?,
                            must_change_password: row.try_get("must_change_password")?,
                            created_at: dvk_shared::date::Timestamp(row.try_get("created_at")?),
                            last_sign_in_at: row
                                .try_get::<Option<i64>, _>("last_sign_in_at")?
                                .map(dvk_shared::date::Timestamp),
                        })
                    })
                    .collect()
            }

            /// The account as it stands in the transaction (whose write lock is held), for the
            /// checks and the audit entry of a change.
            async fn account_state(
                tx: &mut sqlx::Transaction<'_, $db>,
                id: dvk_shared::ids::UserId,
            ) -> Result<Option<(dvk_shared::user::User, bool)>, $crate::store::StoreError> {
                use sqlx::Row;
                // The counter's lock orders account changes like every other write, so two
                // administrators deactivating each other at once cannot both pass the check.
                sqlx::query(Self::LOCK_COUNTER).fetch_one(&mut **tx).await?;
                let row = sqlx::query("SELECT id, username, display_name, role, unit_id, active FROM users WHERE id = $1")
                    .bind(id.to_string())
                    .fetch_optional(&mut **tx)
                    .await?;
                row.map(|row| Ok((Self::user_of(&row)?, row.try_get("active")?))).transpose()
            }

            async fn other_active_admins(
                tx: &mut sqlx::Transaction<'_, $db>,
                id: dvk_shared::ids::UserId,
            ) -> Result<i64, $crate::store::StoreError> {
                Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'admin' AND active AND id <> $1")
                    .bind(id.to_string())
                    .fetch_one(&mut **tx)
                    .await?)
            }

            /// The audit entry of an account change: the account before and after, never a hash.
            async fn audit_account(
                tx: &mut sqlx::Transaction<'_, $db>,
                id: dvk_shared::ids::UserId,
                action: &str,
                before: Option<(dvk_shared::user::User, bool)>,
                actor: &$crate::store::Actor,
                at: dvk_shared::date::Timestamp,
            ) -> Result<(), $crate::store::StoreError> {
                let describe = |(user, active): &(dvk_shared::user::User, bool)| {
                    serde_json::json!({
                        "username": user.username, "display_name": user.display_name,
                        "role": user.role, "unit_id": user.unit_id, "active": active,
                    })
                    .to_string()
                };
                let after = Self::account_state(tx, id).await?;
                Self::insert_audit(
                    &mut **tx,
                    &[$crate::store::AuditRow {
                        entity: "user",
                        entity_id: id.to_string(),
                        action: action.to_owned(),
                        actor: actor.clone(),
                        at,
                        before: before.as_ref().map(describe),
                        after: after.as_ref().map(describe),
                        overwritten: None,
                    }],
                )
                .await
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

            async fn credentials(
                &self,
                username: &str,
            ) -> Result<Option<$crate::store::Credentials>, $crate::store::StoreError> {
                use sqlx::Row;
                let row = sqlx::query(
                    "SELECT id, username, display_name, role, unit_id, password_hash, active, \
                     must_change_password, code_expires_at FROM users WHERE username = $1",
                )
                .bind(username)
                .fetch_optional(&self.pool)
                .await?;
                let Some(row) = row else { return Ok(None) };
                Ok(Some($crate::store::Credentials {
                    user: Self::user_of(&row)?,
                    password_hash: row.try_get("password_hash")?,
                    active: row.try_get("active")?,
                    must_change_password: row.try_get("must_change_password")?,
                    code_expires_at: row
                        .try_get::<Option<i64>, _>("code_expires_at")?
                        .map(dvk_shared::date::Timestamp),
                }))
            }

            async fn accounts(
                &self,
            ) -> Result<Vec<dvk_shared::account::Account>, $crate::store::StoreError> {
                let users = sqlx::query(
                    "SELECT id, username, display_name, role, unit_id, active, must_change_password, \
                     created_at, last_sign_in_at FROM users ORDER BY display_name, username",
                )
                .fetch_all(&self.pool)
                .await?;
                let devices = sqlx::query("SELECT id, user_id, seen_at FROM devices ORDER BY seen_at DESC")
                    .fetch_all(&self.pool)
                    .await?;
                Self::accounts_of(&users, &devices)
            }

            async fn account(
                &self,
                id: dvk_shared::ids::UserId,
            ) -> Result<Option<dvk_shared::account::Account>, $crate::store::StoreError> {
                let users = sqlx::query(
                    "SELECT id, username, display_name, role, unit_id, active, must_change_password, \
                     created_at, last_sign_in_at FROM users WHERE id = $1",
                )
                .bind(id.to_string())
                .fetch_all(&self.pool)
                .await?;
                let devices =
                    sqlx::query("SELECT id, user_id, seen_at FROM devices WHERE user_id = $1 ORDER BY seen_at DESC")
                        .bind(id.to_string())
                        .fetch_all(&self.pool)
                        .await?;
                Ok(Self::accounts_of(&users, &devices)?.pop())
            }

            async fn create_account(
                &self,
                user: &dvk_shared::user::User,
                code: &$crate::store::NewPassword,
                actor: &$crate::store::Actor,
                at: dvk_shared::date::Timestamp,
            ) -> Result<(), $crate::store::StoreError> {
                let (mut tx, _lock) = self.begin_write().await?;
                Self::write_user(&mut tx, user, &code.hash, at).await?;
                sqlx::query("UPDATE users SET must_change_password = $1, code_expires_at = $2 WHERE id = $3")
                    .bind(code.code_expires_at.is_some())
                    .bind(code.code_expires_at.map(|t| t.0))
                    .bind(user.id.to_string())
                    .execute(&mut *tx)
                    .await?;
                Self::audit_account(&mut tx, user.id, "user.create", None, actor, at).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn update_account(
                &self,
                id: dvk_shared::ids::UserId,
                change: &dvk_shared::account::AccountChange,
                actor: &$crate::store::Actor,
                at: dvk_shared::date::Timestamp,
            ) -> Result<(), $crate::store::StoreError> {
                let (mut tx, _lock) = self.begin_write().await?;
                let before = Self::account_state(&mut tx, id).await?;
                let Some((user, active)) = before.clone() else {
                    return Err($crate::store::StoreError::NotFound(format!("user {id}")));
                };
                if change.role.is_some_and(|role| role != dvk_shared::user::Role::Admin)
                    && user.role == dvk_shared::user::Role::Admin
                    && active
                    && Self::other_active_admins(&mut tx, id).await? == 0
                {
                    return Err($crate::store::StoreError::LastAdmin);
                }
                sqlx::query(
                    "UPDATE users SET display_name = COALESCE($1, display_name), role = COALESCE($2, role), \
                     unit_id = COALESCE($3, unit_id) WHERE id = $4",
                )
                .bind(change.display_name.as_ref().map(|n| n.trim().to_owned()))
                .bind(change.role.map(|r| r.as_str()))
                .bind(change.unit_id.map(|u| u.to_string()))
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
                Self::audit_account(&mut tx, id, "user.update", before, actor, at).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn set_password(
                &self,
                id: dvk_shared::ids::UserId,
                password: &$crate::store::NewPassword,
                keep_session: Option<&str>,
                actor: &$crate::store::Actor,
                at: dvk_shared::date::Timestamp,
            ) -> Result<(), $crate::store::StoreError> {
                let (mut tx, _lock) = self.begin_write().await?;
                let before = Self::account_state(&mut tx, id).await?;
                if before.is_none() {
                    return Err($crate::store::StoreError::NotFound(format!("user {id}")));
                }
                sqlx::query(
                    "UPDATE users SET password_hash = $1, must_change_password = $2, code_expires_at = $3 WHERE id = $4",
                )
                .bind(&password.hash)
                .bind(password.code_expires_at.is_some())
                .bind(password.code_expires_at.map(|t| t.0))
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
                    .bind(id.to_string())
                    .bind(keep_session.unwrap_or(""))
                    .execute(&mut *tx)
                    .await?;
                let action = if password.code_expires_at.is_some() { "user.one_time_code" } else { "user.password" };
                Self::audit_account(&mut tx, id, action, before, actor, at).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn set_active(
                &self,
                id: dvk_shared::ids::UserId,
                active: bool,
                actor: &$crate::store::Actor,
                at: dvk_shared::date::Timestamp,
            ) -> Result<(), $crate::store::StoreError> {
                let (mut tx, _lock) = self.begin_write().await?;
                let before = Self::account_state(&mut tx, id).await?;
                let Some((user, was_active)) = before.clone() else {
                    return Err($crate::store::StoreError::NotFound(format!("user {id}")));
                };
                if was_active == active {
                    return Ok(());
                }
                if !active
                    && user.role == dvk_shared::user::Role::Admin
                    && Self::other_active_admins(&mut tx, id).await? == 0
                {
                    return Err($crate::store::StoreError::LastAdmin);
                }
                sqlx::query("UPDATE users SET active = $1 WHERE id = $2")
                    .bind(active)
                    .bind(id.to_string())
                    .execute(&mut *tx)
                    .await?;
                if !active {
                    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                        .bind(id.to_string())
                        .execute(&mut *tx)
                        .await?;
                }
                let action = if active { "user.reactivate" } else { "user.deactivate" };
                Self::audit_account(&mut tx, id, action, before, actor, at).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn end_sessions(
                &self,
                user_id: dvk_shared::ids::UserId,
                except: Option<&str>,
            ) -> Result<u64, $crate::store::StoreError> {
                Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
                    .bind(user_id.to_string())
                    .bind(except.unwrap_or(""))
                    .execute(&self.pool)
                    .await?
                    .rows_affected())
            }

            async fn account_history(
                &self,
                id: dvk_shared::ids::UserId,
            ) -> Result<Vec<dvk_shared::api::AuditEntry>, $crate::store::StoreError> {
                self.audit_entries("user", &id.to_string()).await
            }

            async fn create_invitation(
                &self,
                invitation: &dvk_shared::invitation::Invitation,
                code_hash: &str,
                actor: &$crate::store::Actor,
                at: dvk_shared::date::Timestamp,
            ) -> Result<(), $crate::store::StoreError> {
                let (mut tx, _lock) = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO invitations (id, code_hash, unit_id, note, created_by, created_at, expires_at, max_uses) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(invitation.id.to_string())
                .bind(code_hash)
                .bind(invitation.unit_id.to_string())
                .bind(&invitation.note)
                .bind(&invitation.created_by)
                .bind(invitation.created_at.0)
                .bind(invitation.expires_at.0)
                .bind(i64::from(invitation.max_uses))
                .execute(&mut *tx)
                .await?;
                Self::insert_audit(
                    &mut *tx,
                    &[$crate::store::AuditRow {
                        entity: "invitation",
                        entity_id: invitation.id.to_string(),
                        action: "invitation.create".to_owned(),
                        actor: actor.clone(),
                        at,
                        before: None,
                        after: Some(serde_json::to_string(invitation)?),
                        overwritten: None,
                    }],
                )
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn invitations(
                &self,
            ) -> Result<Vec<dvk_shared::invitation::Invitation>, $crate::store::StoreError> {
                let rows = sqlx::query(
                    "SELECT id, unit_id, note, created_by, created_at, expires_at, max_uses, revoked_at \
                     FROM invitations ORDER BY created_at DESC",
                )
                .fetch_all(&self.pool)
                .await?;
                let joined = sqlx::query(
                    "SELECT invitation_id, username, display_name, created_at FROM users \
                     WHERE invitation_id IS NOT NULL ORDER BY created_at",
                )
                .fetch_all(&self.pool)
                .await?;
                Self::invitations_of(&rows, &joined)
            }

            async fn invitation_by_code(
                &self,
                code_hash: &str,
            ) -> Result<Option<dvk_shared::invitation::Invitation>, $crate::store::StoreError> {
                let rows = sqlx::query(
                    "SELECT id, unit_id, note, created_by, created_at, expires_at, max_uses, revoked_at \
                     FROM invitations WHERE code_hash = $1",
                )
                .bind(code_hash)
                .fetch_all(&self.pool)
                .await?;
                let Some(id) = rows.first().map(|row| sqlx::Row::try_get::<String, _>(row, "id")).transpose()? else {
                    return Ok(None);
                };
                let joined = sqlx::query(
                    "SELECT invitation_id, username, display_name, created_at FROM users \
                     WHERE invitation_id = $1 ORDER BY created_at",
                )
                .bind(&id)
                .fetch_all(&self.pool)
                .await?;
                Ok(Self::invitations_of(&rows, &joined)?.pop())
            }

            async fn revoke_invitation(
                &self,
                id: dvk_shared::ids::InvitationId,
                actor: &$crate::store::Actor,
                at: dvk_shared::date::Timestamp,
            ) -> Result<(), $crate::store::StoreError> {
                let (mut tx, _lock) = self.begin_write().await?;
                let changed = sqlx::query("UPDATE invitations SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                    .bind(at.0)
                    .bind(id.to_string())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if changed > 0 {
                    Self::insert_audit(
                        &mut *tx,
                        &[$crate::store::AuditRow {
                            entity: "invitation",
                            entity_id: id.to_string(),
                            action: "invitation.revoke".to_owned(),
                            actor: actor.clone(),
                            at,
                            before: None,
                            after: None,
                            overwritten: None,
                        }],
                    )
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn join_invitation(
                &self,
                id: dvk_shared::ids::InvitationId,
                user: &dvk_shared::user::User,
                password_hash: &str,
                at: dvk_shared::date::Timestamp,
            ) -> Result<dvk_shared::invitation::InvitationState, $crate::store::StoreError> {
                use sqlx::Row;
                let (mut tx, _lock) = self.begin_write().await?;
                // The counter's lock orders joins: the last use goes to one person only.
                sqlx::query(Self::LOCK_COUNTER).fetch_one(&mut *tx).await?;
                let row = sqlx::query(
                    "SELECT expires_at, max_uses, revoked_at, \
                     (SELECT COUNT(*) FROM users WHERE invitation_id = $1) AS uses \
                     FROM invitations WHERE id = $1",
                )
                .bind(id.to_string())
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| $crate::store::StoreError::NotFound(format!("invitation {id}")))?;
                let uses: i64 = row.try_get("uses")?;
                let max_uses: i64 = row.try_get("max_uses")?;
                let state = dvk_shared::invitation::state_of(
                    row.try_get::<Option<i64>, _>("revoked_at")?.map(dvk_shared::date::Timestamp),
                    dvk_shared::date::Timestamp(row.try_get("expires_at")?),
                    usize::try_from(uses).unwrap_or(usize::MAX),
                    u32::try_from(max_uses).unwrap_or(0),
                    at,
                );
                if state != dvk_shared::invitation::InvitationState::Open {
                    return Ok(state);
                }
                Self::write_user(&mut tx, user, password_hash, at).await?;
                sqlx::query("UPDATE users SET invitation_id = $1 WHERE id = $2")
                    .bind(id.to_string())
                    .bind(user.id.to_string())
                    .execute(&mut *tx)
                    .await?;
                Self::audit_account(&mut tx, user.id, "user.join", None, &$crate::store::Actor::user(user), at).await?;
                tx.commit().await?;
                Ok(state)
            }

            async fn record_sign_in(
                &self,
                user_id: dvk_shared::ids::UserId,
                at: dvk_shared::date::Timestamp,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query("UPDATE users SET last_sign_in_at = $1 WHERE id = $2")
                    .bind(at.0)
                    .bind(user_id.to_string())
                    .execute(&self.pool)
                    .await?;
                Ok(())
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
                    "SELECT u.id, u.username, u.display_name, u.role, u.unit_id, u.must_change_password, s.expires_at \
                     FROM sessions s JOIN users u ON u.id = s.user_id \
                     WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active",
                )
                .bind(token_hash)
                .bind(now.0)
                .fetch_optional(&self.pool)
                .await?;
                let Some(row) = row else { return Ok(None) };
                Ok(Some($crate::store::Session {
                    user: Self::user_of(&row)?,
                    expires_at: dvk_shared::date::Timestamp(row.try_get("expires_at")?),
                    must_change_password: row.try_get("must_change_password")?,
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
