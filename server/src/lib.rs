//! The DVK server as a library, so that tests start the real thing in-process on port 0.
//!
//! `main.rs` only parses the command line and calls into here. One module per resource, each
//! owning its `router()`; storage lives behind [`store::Store`].

pub mod error;
pub mod health;
pub mod store;
pub mod web;

use std::{future::Future, net::SocketAddr, path::PathBuf, sync::Arc};

use axum::Router;
use tokio::net::TcpListener;
use tower_http::{
    compression::CompressionLayer,
    trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer},
};
use tracing::Level;

pub use store::Store;

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
}

/// What every handler can reach. Cheap to clone; holds no per-user state, so any number of
/// server processes can share one PostgreSQL.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
}

/// The whole HTTP surface: the API under `/api`, the app everywhere else.
pub fn router(state: AppState, dist_dir: &std::path::Path) -> Router {
    let api = Router::new()
        .merge(health::router())
        .fallback(error::api_not_found);
    Router::new()
        .nest("/api", api)
        .with_state(state)
        .fallback_service(web::app_service(dist_dir))
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
    let listener = TcpListener::bind(settings.addr).await?;
    let addr = listener.local_addr()?;
    let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
    let app = router(
        AppState {
            store: store.clone(),
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
