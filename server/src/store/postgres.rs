//! The PostgreSQL backend: for a province or the country; several server processes may share one
//! database, so nothing here may rely on state kept in this process.

use std::time::Duration;

use dvk_shared::api::DatabaseKind;
use sqlx::{PgPool, postgres::PgPoolOptions};

use super::{StoreError, new_epoch};

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

super::sql::sql_store!(PgStore, PgSyncTx, sqlx::Postgres, DatabaseKind::Postgres);
