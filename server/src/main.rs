//! The `dvk` command: parses settings (flags, then environment, then defaults), sets up logging
//! and hands over to the library. Nothing else belongs here.

use std::{net::SocketAddr, path::PathBuf};

use anyhow::Context;
use clap::{Args, Parser, Subcommand, builder::BoolishValueParser};

#[derive(Parser)]
#[command(
    name = "dvk",
    version,
    about = "DVK: the server of the \"Dân vận khéo\" models system.",
    long_about = "DVK: the server of the \"Dân vận khéo\" models system. It serves the app and its \
                  API on one address and stores data in SQLite (default) or PostgreSQL.\n\n\
                  Every setting can be given as a flag or as the environment variable shown; \
                  a flag wins over the environment, which wins over the default."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database and serve the app and the API.
    Serve(ServeArgs),
    /// Create or upgrade the database schema, then exit.
    Migrate(DatabaseArgs),
}

#[derive(Args)]
struct DatabaseArgs {
    /// Database to use: sqlite://PATH or postgres://USER@HOST/DB [default: sqlite://DATA_DIR/dvk.sqlite]
    #[arg(long, env = "DATABASE_URL")]
    database_url: Option<String>,
    /// Directory for the embedded SQLite database when no database URL is given.
    #[arg(long, env = "DVK_DATA_DIR", default_value = "./data")]
    data_dir: PathBuf,
}

impl DatabaseArgs {
    fn url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("dvk.sqlite").display()))
    }
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "DVK_ADDR", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    #[command(flatten)]
    database: DatabaseArgs,
    /// Load the demo town, its models and the demo accounts into an empty database (1/0, true/false).
    #[arg(long, env = "DVK_DEMO", default_value = "false", num_args = 0..=1,
          default_missing_value = "true", value_parser = BoolishValueParser::new())]
    demo: bool,
    /// The app as built by Trunk.
    #[arg(long, env = "DVK_DIST_DIR", default_value = "./app/dist")]
    dist_dir: PathBuf,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    match Cli::parse().command {
        Command::Serve(args) => serve(args).await,
        Command::Migrate(args) => {
            let url = args.url();
            dvk_server::store::connect(&url)
                .await
                .with_context(|| format!("cannot open the database at {url}"))?;
            println!("Cơ sở dữ liệu đã ở phiên bản mới nhất / the database schema is up to date.");
            Ok(())
        }
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let settings = dvk_server::Settings {
        addr: args.addr,
        database_url: args.database.url(),
        demo: args.demo,
        dist_dir: args.dist_dir,
    };
    let running = dvk_server::start(&settings).await.with_context(|| {
        format!(
            "cannot start on {} with the database {}",
            settings.addr, settings.database_url
        )
    })?;
    println!("DVK đang chạy tại / is running at http://{}", running.addr);
    tokio::signal::ctrl_c()
        .await
        .context("cannot listen for ctrl-c")?;
    tracing::info!("stopping: finishing requests in flight");
    running.stop().await?;
    Ok(())
}
