//! The SQLite backend: the embedded default, one file next to the binary.

use std::{path::Path, str::FromStr, time::Duration};

use dvk_shared::api::DatabaseKind;
use sqlx::{
    SqlitePool,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

use super::{StoreError, new_epoch};

pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            // WAL lets readers go on while a sync batch writes; NORMAL is durable in WAL mode
            // across application crashes, which is what a single server process needs.
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
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
        sqlx::query(
            "INSERT INTO server_meta (key, value) VALUES ('epoch', ?) ON CONFLICT (key) DO NOTHING",
        )
        .bind(new_epoch())
        .execute(&pool)
        .await?;
        Ok(Self { pool })
    }
}

super::sql::sql_store!(
    SqliteStore,
    SqliteSyncTx,
    sqlx::Sqlite,
    DatabaseKind::Sqlite
);
