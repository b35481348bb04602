//! Storage: one trait, implemented for SQLite (`sqlite.rs`) and PostgreSQL (`postgres.rs`).
//!
//! Handlers only ever see `dyn Store`; SQL lives in the two backends and nowhere else. Each
//! backend runs its own migrations (`server/migrations/<backend>/`, same version numbers) when it
//! connects, so a server never runs against a schema older than its code.

mod postgres;
mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;
use dvk_shared::api::DatabaseKind;

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

/// A failure of the storage layer. Its text is for logs, never for the client.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database url {0:?}: use sqlite://PATH or postgres://USER@HOST/DB")]
    UnsupportedUrl(String),
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
}

/// Everything the server stores, whatever the database behind it.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Which database this is.
    fn kind(&self) -> DatabaseKind;

    /// Answers once the database can serve a query.
    async fn ping(&self) -> Result<(), StoreError>;

    /// The sync epoch (SYNC.md): made once when the database is created, and changed only if
    /// the database is restored or reset, so devices know to rebuild their replica.
    async fn epoch(&self) -> Result<String, StoreError>;
}

/// Opens the database named by `url`, creating it (for SQLite) and migrating it as needed.
pub async fn connect(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::connect(url).await?))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(Arc::new(PgStore::connect(url).await?))
    } else {
        Err(StoreError::UnsupportedUrl(url.to_owned()))
    }
}

/// A fresh epoch id; UUIDv7 so that epochs also sort by creation time.
fn new_epoch() -> String {
    uuid::Uuid::now_v7().to_string()
}
