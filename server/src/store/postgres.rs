//! The PostgreSQL backend: for a province or the country; several server processes may share one
//! database, so nothing here may rely on state kept in this process.

use std::time::Duration;

use async_trait::async_trait;
use dvk_shared::api::DatabaseKind;
use sqlx::{PgPool, postgres::PgPoolOptions};

use super::{Store, StoreError, new_epoch};

pub struct PgStore {
    pool: PgPool,
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
        Ok(Self { pool })
    }
}

#[async_trait]
impl Store for PgStore {
    fn kind(&self) -> DatabaseKind {
        DatabaseKind::Postgres
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn epoch(&self) -> Result<String, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT value FROM server_meta WHERE key = 'epoch'")
                .fetch_one(&self.pool)
                .await?,
        )
    }
}
