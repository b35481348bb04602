//! The PostgreSQL backend: for a province or the country; several server processes may share one
//! database, so nothing here may rely on state kept in this process.
//!
//! Writers that hand out versions take the counter's row lock (`SELECT … FOR UPDATE`) first and
//! hold it to their commit, so versions commit in order; a pull reads in one REPEATABLE READ
//! snapshot, which therefore holds every version up to some point and none after it.

use std::{path::Path, time::Duration};

use dvk_shared::api::DatabaseKind;
use sqlx::{PgPool, postgres::PgPoolOptions};
use tokio::sync::OwnedMutexGuard;

use super::{BackupSummary, SqliteStore, StoreError, new_epoch};

pub struct PgStore {
    pub(crate) pool: PgPool,
    library: super::LibraryCache,
}

impl PgStore {
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await?;
        // Migrations take an advisory lock, so server processes starting together migrate once.
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        sqlx::query("INSERT INTO server_meta (key, value) VALUES ('epoch', $1) ON CONFLICT (key) DO NOTHING")
            .bind(new_epoch())
            .execute(&pool)
            .await?;
        Ok(Self {
            pool,
            library: Default::default(),
        })
    }

    /// Reads the counter and takes its row lock until the transaction ends.
    const LOCK_COUNTER: &'static str =
        "SELECT value FROM counters WHERE name = 'version' FOR UPDATE";
    /// After a restore wrote the audit log's ids, its sequence goes on above them.
    const AFTER_RESTORE: &'static [&'static str] = &[
        "SELECT setval(pg_get_serial_sequence('audit_log', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM audit_log), false)",
    ];

    /// A write transaction. Its lock is the counter's row, taken by [`Self::LOCK_COUNTER`]
    /// before anything a change depends on is read.
    async fn begin_write(
        &self,
    ) -> Result<
        (
            sqlx::Transaction<'static, sqlx::Postgres>,
            Option<OwnedMutexGuard<()>>,
        ),
        StoreError,
    > {
        Ok((self.pool.begin().await?, None))
    }

    /// One snapshot for every statement of the transaction.
    async fn begin_read(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, StoreError> {
        Ok(self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await?)
    }

    /// A consistent copy while the database serves: every table read in one snapshot into a
    /// new SQLite file of this server's schema.
    async fn backup_to(&self, path: &Path) -> Result<BackupSummary, StoreError> {
        use super::sql::backup::{TABLES, Val};
        if path.exists() {
            return Err(StoreError::Backup(format!(
                "{} exists already; name a new file",
                path.display()
            )));
        }
        let target = SqliteStore::open_backup(path).await?;
        let mut to = target.pool.begin().await?;
        for table in TABLES {
            sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {}", table.name)))
                .execute(&mut *to)
                .await?;
        }
        let mut from = self.begin_read().await?;
        for table in TABLES {
            let mut after: Option<Vec<Val>> = None;
            loop {
                let rows = Self::read_batch(&mut from, table, after.as_deref()).await?;
                let Some(last) = rows.last() else { break };
                after = Some(
                    table
                        .key
                        .iter()
                        .filter_map(|k| table.columns.iter().position(|(n, _)| n == k))
                        .map(|i| last[i].clone())
                        .collect(),
                );
                SqliteStore::write_batch(&mut to, table, &rows).await?;
            }
        }
        from.commit().await?;
        to.commit().await?;
        target.pool.close().await;
        SqliteStore::summary(path).await
    }
}

super::sql::sql_store!(PgStore, PgPushTx, sqlx::Postgres, DatabaseKind::Postgres);
