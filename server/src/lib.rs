//! The DVK server as a library, so that tests start the real thing in-process on port 0.
//!
//! `main.rs` only parses the command line and calls into here. One module per resource, each
//! owning its `router()`; storage lives behind [`store::Store`].

pub mod access;
pub mod accounts;
pub mod admin;
pub mod auth;
pub mod awards;
pub mod demo;
pub mod documents;
pub mod error;
pub mod exports;
pub mod extract;
pub mod health;
pub mod invitations;
pub mod models;
pub mod openapi;
pub mod peer;
pub mod photos;
pub mod public;
pub mod reports;
pub mod stats;
pub mod store;
pub mod supervision;
pub mod sync;
pub mod units;
pub mod users;
pub mod web;

use std::{future::Future, net::SocketAddr, path::PathBuf, sync::Arc};

use axum::{Router, extract::DefaultBodyLimit, middleware};
use dvk_shared::date::Timestamp;
use tokio::net::TcpListener;
use tower_http::{
    compression::CompressionLayer,
    trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer},
};
use tracing::Level;

pub use store::Store;

/// The largest request body the API accepts.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// The current instant. Every "now" of the server comes from here.
pub fn now() -> Timestamp {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    Timestamp(i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX))
}

/// What `dvk serve` needs to start; filled from flags, then environment, then defaults.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where to listen; port 0 picks a free one.
    pub addr: SocketAddr,
    /// `sqlite://…` or `postgres://…`.
    pub database_url: String,
    /// Load the demo data (and demo accounts) into an empty database.
    pub demo: bool,
    /// The app as built by Trunk (`index.html`, hashed assets, service worker).
    pub dist_dir: PathBuf,
    /// The reverse proxies whose `X-Forwarded-*` headers are believed (see [`peer`]); empty
    /// when the server faces browsers itself.
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

/// What every handler can reach. Cheap to clone; holds no per-user state, so any number of
/// server processes can share one PostgreSQL.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub trusted_proxies: Arc<[ipnet::IpNet]>,
}

impl AppState {
    /// A server that no proxy stands in front of.
    pub fn direct(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            trusted_proxies: Arc::from([]),
        }
    }
}

/// The whole HTTP surface: the API under `/api`, the app everywhere else.
pub fn router(state: AppState, dist_dir: &std::path::Path) -> Router {
    let api = Router::new()
        .merge(health::router())
        .merge(auth::router())
        .merge(accounts::router())
        .merge(invitations::router())
        .merge(units::router())
        .merge(users::router())
        .merge(models::router())
        .merge(stats::router())
        .merge(awards::router())
        .merge(reports::router())
        .merge(exports::router())
        .merge(supervision::router())
        .merge(photos::router())
        .merge(sync::router())
        .merge(openapi::router())
        .fallback(error::api_not_found)
        .layer(middleware::from_fn(auth::same_origin_writes))
        // Every body is bounded; sync batches, the largest, stay well under this. Photo chunks
        // have their own, smaller limit on their route (`photos::router`).
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn(error::json_errors));
    Router::new()
        .nest("/api", api)
        // The public page needs no sign-in and is not the app: it comes before the app's
        // fallback, and the service worker leaves it to the network.
        .merge(public::router())
        .with_state(state.clone())
        .fallback_service(web::app_service(dist_dir))
        // Outside the API's layers: the same-origin check and sign-in read the `Peer` it sets.
        .layer(middleware::from_fn_with_state(state, peer::identify))
        .layer(CompressionLayer::new())
        // One line per request: the span carries method and path, the response line adds status
        // and latency.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
}

/// A server that is listening; dropping the handle does not stop it, [`Running::stop`] does.
pub struct Running {
    pub addr: SocketAddr,
    pub store: Arc<dyn Store>,
    shutdown: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Stops accepting connections, lets requests in flight finish, and waits for the end.
    pub async fn stop(self) -> std::io::Result<()> {
        let _ = self.shutdown.send(());
        self.task.await.map_err(std::io::Error::other)?
    }
}

/// Connects to the database (migrating it), loads demo data if asked, binds and serves in the
/// background.
pub async fn start(settings: &Settings) -> anyhow::Result<Running> {
    let store = store::connect(&settings.database_url).await?;
    if settings.demo && store.is_empty().await? {
        load_demo(store.as_ref()).await?;
    }
    // Typical models of a seed or of a database older than the library get their entries.
    let entries = sync::rebuild_library(store.as_ref(), now())
        .await
        .map_err(|e| anyhow::anyhow!("cannot build the library of typical models: {e:?}"))?;
    if entries > 0 {
        tracing::info!(entries, "library of typical models brought up to date");
    }
    let listener = TcpListener::bind(settings.addr).await?;
    let addr = listener.local_addr()?;
    let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
    let app = router(
        AppState {
            store: store.clone(),
            trusted_proxies: settings.trusted_proxies.clone().into(),
        },
        &settings.dist_dir,
    );
    let task = tokio::spawn(serve(listener, app, async {
        let _ = stopped.await;
    }));
    Ok(Running {
        addr,
        store,
        shutdown,
        task,
    })
}

/// Loads the demo town into an empty database, in one transaction.
pub async fn load_demo(store: &dyn Store) -> anyhow::Result<()> {
    let hash = auth::hash_password(demo::DEMO_PASSWORD)?;
    let seed = demo::build(&hash)?;
    tracing::info!(
        units = seed.units.len(),
        models = seed.models.len(),
        awards = seed.awards.len(),
        "loading the demo data"
    );
    store
        .seed(&seed, &store::Actor::system("demo"), now())
        .await?;
    // The year's survey goes through sync as the Board's and the surveyor's tablets would send it.
    let account = |name: &str| {
        seed.users
            .iter()
            .find(|(u, _)| u.username == name)
            .map(|(u, _)| u.clone())
            .ok_or_else(|| anyhow::anyhow!("the demo has no {name} account"))
    };
    // So do the report's awards: proposed, agreed and decided by the Board.
    let (board, surveyor) = (account("bandanvan")?, account("khaosat")?);
    let (plan, visits) = demo::survey_plan(&seed, &surveyor);
    let awards = demo::award_changes(&seed);
    for (user, changes) in [(board.clone(), awards), (board, plan), (surveyor, visits)] {
        let results = sync::apply_as(store, user, changes)
            .await
            .map_err(|e| anyhow::anyhow!("the demo's changes: {e:?}"))?;
        if let Some(refused) = results.iter().find(|r| r.error.is_some()) {
            anyhow::bail!("a demo change was refused: {refused:?}");
        }
    }
    Ok(())
}

async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
