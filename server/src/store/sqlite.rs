//! The SQLite backend: the embedded default, one file next to the binary, one server process.
//!
//! SQLite has one writer at a time. Writes queue on an in-process lock first and then start
//! with `BEGIN IMMEDIATE`, so a transaction that reads before it writes never meets a writer
//! that committed meanwhile (the "database is locked" of a read upgraded to a write); reads
//! run beside them on their own snapshot (WAL).

use std::{path::Path, str::FromStr, sync::Arc, time::Duration};

use dvk_shared::api::DatabaseKind;
use sqlx::{
    SqlitePool,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};
use tokio::sync::{Mutex, OwnedMutexGuard};

use super::{BackupSummary, StoreError, new_epoch};

pub struct SqliteStore {
    pub(crate) pool: SqlitePool,
    /// This process's writers take turns here before SQLite's own lock, instead of polling it.
    writer: Arc<Mutex<()>>,
    library: super::LibraryCache,
}

impl SqliteStore {
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let store = Self::open(url).await?;
        sqlx::query(
            "INSERT INTO server_meta (key, value) VALUES ('epoch', ?) ON CONFLICT (key) DO NOTHING",
        )
        .bind(new_epoch())
        .execute(&store.pool)
        .await?;
        Ok(store)
    }

    /// Opens and migrates the database at `url`.
    async fn open(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            // WAL lets readers go on while a sync batch writes. FULL syncs the log at every
            // commit: an answer `applied` must survive a power cut right after it (NORMAL only
            // survives a crash of the process).
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        if let Some(dir) = Path::new(options.get_filename()).parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::DataDir {
                path: dir.display().to_string(),
                source,
            })?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(Self {
            pool,
            writer: Arc::new(Mutex::new(())),
            library: Default::default(),
        })
    }

    /// A backup file (a copy the caller may change), brought to this server's schema.
    pub(crate) async fn open_backup(path: &Path) -> Result<Self, StoreError> {
        let url = format!("sqlite://{}", path.display());
        Self::open(&url).await.map_err(|e| match e {
            StoreError::Migrate(e) => StoreError::Backup(format!(
                "its schema is not one this server knows (a newer server made it?): {e}"
            )),
            StoreError::Database(e) => StoreError::Backup(format!("not an SQLite database: {e}")),
            other => other,
        })
    }

    /// Reads the counter under the write lock (`BEGIN IMMEDIATE` holds it already).
    const LOCK_COUNTER: &'static str = "SELECT value FROM counters WHERE name = 'version'";
    /// Nothing to set right after a restore: AUTOINCREMENT ids go on above the highest.
    const AFTER_RESTORE: &'static [&'static str] = &[];

    /// A write transaction: this process's turn, then SQLite's write lock from the start.
    async fn begin_write(
        &self,
    ) -> Result<
        (
            sqlx::Transaction<'static, sqlx::Sqlite>,
            Option<OwnedMutexGuard<()>>,
        ),
        StoreError,
    > {
        let turn = self.writer.clone().lock_owned().await;
        let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        Ok((tx, Some(turn)))
    }

    /// A read transaction: its snapshot is taken at its first read and holds to its end.
    async fn begin_read(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
        Ok(self.pool.begin().await?)
    }

    /// A consistent copy of the database while it serves: SQLite writes one from a read
    /// snapshot (outside any transaction of ours: VACUUM refuses to run inside one).
    async fn backup_to(&self, path: &Path) -> Result<BackupSummary, StoreError> {
        if path.exists() {
            return Err(StoreError::Backup(format!(
                "{} exists already; name a new file",
                path.display()
            )));
        }
        let target = path.display().to_string();
        sqlx::query("VACUUM INTO ?")
            .bind(&target)
            .execute(&self.pool)
            .await
            .map_err(|e| StoreError::Backup(format!("cannot write {target}: {e}")))?;
        Self::summary(path).await
    }

    /// Makes the new backup at `path` one self-contained file and answers what it holds. A copy
    /// of a WAL database is in WAL mode too, and opening one leaves `-wal` and `-shm` files
    /// beside it; in rollback-journal mode nothing is left beside the backup.
    pub(crate) async fn summary(path: &Path) -> Result<BackupSummary, StoreError> {
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))?
            .journal_mode(SqliteJournalMode::Delete);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await?;
        let mut conn = pool.acquire().await?;
        let counter = Self::counter_in(&mut conn, Self::LOCK_COUNTER).await?;
        let mut rows = 0u64;
        for table in super::sql::backup::TABLES {
            let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM {}",
                table.name
            )))
            .fetch_one(&mut *conn)
            .await?;
            rows += u64::try_from(n).unwrap_or_default();
        }
        drop(conn);
        pool.close().await;
        Ok(BackupSummary {
            version: counter.version,
            epoch: counter.epoch,
            rows,
        })
    }
}
super::sql::sql_store!(
    SqliteStore,
    SqlitePushTx,
    sqlx::Sqlite,
    DatabaseKind::Sqlite
);
