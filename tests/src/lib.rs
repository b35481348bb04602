//! What the test suites share: the real server started in-process on a free port over a fresh
//! database (a new SQLite file, or a new PostgreSQL database that is dropped afterwards), and a
//! headless Chromium driven through chromedriver.

use std::{
    future::Future,
    path::{Path, PathBuf},
    time::Duration,
};

use anyhow::{Context, Result, bail};
use dvk_server::{Running, Settings};

pub mod browser;
pub mod device;
pub mod memory;
pub mod national;
pub mod process;

/// The PostgreSQL server the tests create their databases in.
pub fn test_database_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// The unit of this name in a store (the tests' fixtures name units as the demo does).
pub async fn unit_named(store: &dyn dvk_server::Store, name: &str) -> dvk_shared::unit::Unit {
    match store.units().await {
        Ok(units) => units
            .into_iter()
            .find(|u| u.name == name)
            .unwrap_or_else(|| panic!("no unit {name}")),
        Err(e) => panic!("units: {e}"),
    }
}

/// Where the tallies of models the overview reads (`model_tally*`, kept by triggers) differ
/// from a count of the models themselves, in the database at `url`: one line per tally and key
/// that differs (none when every tally is right).
pub async fn tally_differences(url: &str) -> Result<Vec<String>> {
    use sqlx::Connection;
    // Each tally's key, and which models it counts.
    const TALLIES: [(&str, &str, &str); 3] = [
        (
            "model_tally",
            "unit_id || ' ' || field || ' ' || status || ' ' || CAST(year AS TEXT)",
            "TRUE",
        ),
        (
            "model_tally_unit",
            "unit_id || ' ' || field",
            "status <> 'draft'",
        ),
        (
            "model_tally_kind",
            "field || ' ' || status || ' ' || CAST(year AS TEXT)",
            "TRUE",
        ),
    ];
    let mut differences = Vec::new();
    let mut sqlite = None;
    let mut postgres = None;
    if url.starts_with("sqlite:") {
        sqlite = Some(sqlx::SqliteConnection::connect(url).await?);
    } else {
        postgres = Some(sqlx::PgConnection::connect(url).await?);
    }
    for (table, key, counted) in TALLIES {
        let sql = format!(
            "SELECT '{table} ' || k || ': ' || CAST(CAST(SUM(n) AS BIGINT) AS TEXT) FROM ( \
                SELECT {key} AS k, COUNT(*) AS n FROM models WHERE deleted = FALSE AND {counted} GROUP BY {key} \
                UNION ALL SELECT {key} AS k, -n FROM {table} \
             ) both_counts GROUP BY k HAVING SUM(n) <> 0"
        );
        let sql = sqlx::AssertSqlSafe(sql);
        differences.extend(match (&mut sqlite, &mut postgres) {
            (Some(db), _) => sqlx::query_scalar::<_, String>(sql).fetch_all(db).await?,
            (_, Some(db)) => sqlx::query_scalar::<_, String>(sql).fetch_all(db).await?,
            _ => Vec::new(),
        });
    }
    Ok(differences)
}

/// The app as Trunk built it (`scripts/test` builds it before the browser tests).
pub fn dist_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../app/dist")
}

/// Which database a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database made for one test and removed after it.
pub enum TestDatabase {
    Sqlite { dir: tempfile::TempDir },
    Postgres { admin_url: String, name: String },
}

impl TestDatabase {
    pub async fn new(backend: Backend) -> Result<Self> {
        match backend {
            Backend::Sqlite => Ok(TestDatabase::Sqlite {
                dir: tempfile::tempdir()?,
            }),
            Backend::Postgres => {
                let admin_url = test_database_url();
                let name = format!("dvk_test_{}", uuid::Uuid::now_v7().simple());
                let mut admin = connect_admin(&admin_url).await?;
                // The name is ours (a uuid): nothing from outside reaches this statement.
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut admin)
                    .await
                    .with_context(|| format!("cannot create a test database on {admin_url}"))?;
                Ok(TestDatabase::Postgres { admin_url, name })
            }
        }
    }

    pub fn url(&self) -> String {
        match self {
            TestDatabase::Sqlite { dir } => {
                format!("sqlite://{}", dir.path().join("dvk.sqlite").display())
            }
            TestDatabase::Postgres { admin_url, name } => {
                let base = admin_url
                    .rsplit_once('/')
                    .map(|(base, _)| base)
                    .unwrap_or(admin_url);
                format!("{base}/{name}")
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let TestDatabase::Postgres { admin_url, name } = self {
            // Drop runs outside async; a short-lived thread with its own runtime removes the
            // database even when the test failed.
            let (admin_url, name) = (admin_url.clone(), name.clone());
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?;
                runtime.block_on(async {
                    let mut admin = connect_admin(&admin_url).await?;
                    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(&mut admin)
                    .await?;
                    anyhow::Ok(())
                })
            })
            .join();
        }
    }
}

async fn connect_admin(url: &str) -> Result<sqlx::PgConnection> {
    use sqlx::Connection;
    sqlx::PgConnection::connect(url).await.with_context(|| {
        format!(
            "cannot reach PostgreSQL at {url}: start it (scripts/test does) or set TEST_DATABASE_URL"
        )
    })
}

/// The real server, in this process, on a free port of 127.0.0.1.
pub struct TestServer {
    pub base: String,
    running: Option<Running>,
    // Kept so the database outlives the server.
    _database: TestDatabase,
}

impl TestServer {
    pub async fn start(backend: Backend) -> Result<Self> {
        Self::start_with(backend, dist_dir()).await
    }

    /// The real server over the demo town (as `scripts/run` starts it).
    pub async fn start_demo(backend: Backend) -> Result<Self> {
        Self::start_demo_behind(backend, "").await
    }

    /// The demo server set to believe the reverse proxies `proxies` (`DVK_TRUSTED_PROXIES`).
    pub async fn start_demo_behind(backend: Backend, proxies: &str) -> Result<Self> {
        let proxies =
            dvk_server::peer::parse_trusted_proxies(proxies).map_err(anyhow::Error::msg)?;
        Self::launch(TestDatabase::new(backend).await?, true, dist_dir(), proxies).await
    }

    pub async fn start_with(backend: Backend, dist_dir: PathBuf) -> Result<Self> {
        Self::launch(
            TestDatabase::new(backend).await?,
            false,
            dist_dir,
            Vec::new(),
        )
        .await
    }

    /// A second server process over the same database, as behind a load balancer.
    pub async fn another_on_same_database(&self) -> Result<Running> {
        let settings = Settings {
            addr: "127.0.0.1:0".parse()?,
            database_url: self._database.url(),
            demo: false,
            dist_dir: dist_dir(),
            trusted_proxies: Vec::new(),
        };
        dvk_server::start(&settings).await
    }

    async fn launch(
        database: TestDatabase,
        demo: bool,
        dist_dir: PathBuf,
        trusted_proxies: Vec<ipnet::IpNet>,
    ) -> Result<Self> {
        let settings = Settings {
            addr: "127.0.0.1:0".parse()?,
            database_url: database.url(),
            demo,
            dist_dir,
            trusted_proxies,
        };
        let running = dvk_server::start(&settings).await?;
        Ok(Self {
            base: format!("http://{}", running.addr),
            running: Some(running),
            _database: database,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// The database this server runs on.
    pub fn database_url(&self) -> String {
        self._database.url()
    }

    /// The server's store, for arranging what the API cannot (yet) write.
    pub fn store(&self) -> &dyn dvk_server::Store {
        match &self.running {
            Some(running) => running.store.as_ref(),
            None => panic!("the server was stopped"),
        }
    }

    /// The demo's unit of this name.
    pub async fn unit(&self, name: &str) -> dvk_shared::unit::Unit {
        unit_named(self.store(), name).await
    }

    /// The id of the account with this username.
    pub async fn user_id(&self, username: &str) -> dvk_shared::ids::UserId {
        match self.store().user_with_hash(username).await {
            Ok(Some((user, _))) => user.id,
            other => panic!("no account {username}: {other:?}"),
        }
    }

    /// A client with its own cookie jar, like one browser.
    pub fn client(&self) -> Client {
        Client {
            base: self.base.clone(),
            http: reqwest::Client::builder()
                .cookie_store(true)
                .build()
                .unwrap_or_default(),
        }
    }

    /// Stops the server and starts it again on the same address and database, as after a
    /// crash and restart.
    pub async fn restart(&mut self) -> Result<()> {
        self.stop().await?;
        let settings = Settings {
            addr: self.base.trim_start_matches("http://").parse()?,
            database_url: self._database.url(),
            demo: false,
            dist_dir: dist_dir(),
            trusted_proxies: Vec::new(),
        };
        self.running = Some(dvk_server::start(&settings).await?);
        Ok(())
    }

    /// Stops the server and waits until it no longer answers.
    pub async fn stop(&mut self) -> Result<()> {
        if let Some(running) = self.running.take() {
            running.stop().await?;
        }
        Ok(())
    }
}

/// An HTTP client with a cookie jar, talking to one server (a clone shares the jar).
#[derive(Clone)]
pub struct Client {
    pub base: String,
    pub http: reqwest::Client,
}

impl Client {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn login(&self, username: &str, password: &str) -> Result<reqwest::Response> {
        Ok(self
            .http
            .post(self.url("/api/auth/login"))
            .json(&serde_json::json!({"username": username, "password": password}))
            .send()
            .await?)
    }

    /// Signs in with the demo password and fails the test if that does not work.
    pub async fn login_demo(&self, username: &str) -> Result<()> {
        let response = self
            .login(username, dvk_server::demo::DEMO_PASSWORD)
            .await?;
        anyhow::ensure!(
            response.status() == 200,
            "cannot sign in as {username}: {}",
            response.status()
        );
        Ok(())
    }

    /// POST `body` as JSON; the status and the JSON answer (`Null` if there is none).
    pub async fn post_json(
        &self,
        path: &str,
        body: serde_json::Value,
    ) -> Result<(u16, serde_json::Value)> {
        let response = self.http.post(self.url(path)).json(&body).send().await?;
        let status = response.status().as_u16();
        Ok((
            status,
            response.json().await.unwrap_or(serde_json::Value::Null),
        ))
    }

    pub async fn get(&self, path: &str) -> Result<reqwest::Response> {
        Ok(self.http.get(self.url(path)).send().await?)
    }

    /// GET, expecting 200 and JSON.
    pub async fn get_json<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T> {
        let response = self.get(path).await?;
        anyhow::ensure!(
            response.status() == 200,
            "GET {path}: {}",
            response.status()
        );
        Ok(response.json().await?)
    }
}

/// Polls `check` until it answers `Ok(true)`, or fails after `timeout` with `what` in the error.
pub async fn wait_until<F, Fut>(what: &str, timeout: Duration, mut check: F) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<bool>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    let mut last_error = None;
    loop {
        match check().await {
            Ok(true) => return Ok(()),
            Ok(false) => {}
            Err(e) => last_error = Some(e),
        }
        if tokio::time::Instant::now() >= deadline {
            match last_error {
                Some(e) => bail!("timed out waiting for {what}; last error: {e:#}"),
                None => bail!("timed out waiting for {what}"),
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
