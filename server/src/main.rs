//! The `dvk` command: parses settings (flags, then environment, then defaults), sets up logging
//! and hands over to the library. Nothing else belongs here.

use std::{net::SocketAddr, path::PathBuf};

use anyhow::Context;
use clap::{Args, Parser, Subcommand, builder::BoolishValueParser};
use dvk_server::admin;
use dvk_shared::{unit::UnitKind, user::Role};

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
    /// Create a unit; the first unit of an installation is its top unit and needs no parent.
    CreateUnit(CreateUnitArgs),
    /// Create an account. The password is read from standard input when it is not a terminal,
    /// otherwise asked for twice without echo.
    CreateUser(CreateUserArgs),
    /// Write a consistent copy of the database, taken while it serves, into a new file (an
    /// SQLite database, whichever the backend).
    Backup(BackupArgs),
    /// Replace the database's records with a backup while servers run. Devices rebuild their
    /// data, send again what the backup lacks, and go on; nobody signs in again.
    Restore(RestoreArgs),
}

#[derive(Args)]
struct BackupArgs {
    /// The file to write; it must not exist yet.
    file: PathBuf,
    #[command(flatten)]
    database: DatabaseArgs,
}

#[derive(Args)]
struct RestoreArgs {
    /// A file `dvk backup` wrote.
    file: PathBuf,
    /// Do not ask for confirmation (for scripts).
    #[arg(long)]
    yes: bool,
    #[command(flatten)]
    database: DatabaseArgs,
}

#[derive(Args)]
struct CreateUnitArgs {
    /// The unit's full name, e.g. "Xã Điện Hòa".
    name: String,
    /// province, district_town, commune, ward, agency, party_committee, mass_organisation
    #[arg(long, value_parser = parse_unit_kind)]
    kind: UnitKind,
    /// The parent unit: its id or its exact name.
    #[arg(long)]
    parent: Option<String>,
    #[command(flatten)]
    database: DatabaseArgs,
}

#[derive(Args)]
struct CreateUserArgs {
    /// Lower-case letters, digits, dot, dash, underscore; 3 to 32 characters.
    username: String,
    /// admin, board, leader, registrar or surveyor.
    #[arg(long, value_parser = parse_role)]
    role: Role,
    /// The user's unit: its id or its exact name. What they see is limited to it and below.
    #[arg(long)]
    unit: String,
    /// The name shown in the app [default: the username]
    #[arg(long)]
    display_name: Option<String>,
    #[command(flatten)]
    database: DatabaseArgs,
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::parse(text).ok_or_else(|| "expected admin, board, leader, registrar or surveyor".into())
}

fn parse_unit_kind(text: &str) -> Result<UnitKind, String> {
    UnitKind::ALL
        .into_iter()
        .find(|kind| serde_json::to_value(kind).ok().and_then(|v| v.as_str().map(|s| s == text)) == Some(true))
        .ok_or_else(|| {
            "expected province, district_town, commune, ward, agency, party_committee or mass_organisation".into()
        })
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
    /// The reverse proxies in front of this server, as addresses or CIDR ranges separated by
    /// commas (e.g. 127.0.0.1). Only requests from them have their X-Forwarded-For, -Host and
    /// -Proto believed: sign-in throttling counts the forwarded address, the same-origin check
    /// uses the forwarded host, and HTTPS makes the session cookie Secure. [default: none]
    #[arg(long, env = "DVK_TRUSTED_PROXIES", default_value = "", hide_default_value = true,
          value_parser = parse_proxies)]
    trusted_proxies: Proxies,
}

/// The list as one value: clap would read a `Vec` field as a repeated flag.
#[derive(Clone)]
struct Proxies(Vec<ipnet::IpNet>);

fn parse_proxies(text: &str) -> Result<Proxies, String> {
    dvk_server::peer::parse_trusted_proxies(text).map(Proxies)
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
        Command::CreateUnit(args) => {
            let store = open(&args.database).await?;
            let unit = admin::create_unit(
                store.as_ref(),
                &args.name,
                args.kind,
                args.parent.as_deref(),
            )
            .await?;
            println!("Đã tạo đơn vị / created unit {} ({})", unit.name, unit.id);
            Ok(())
        }
        Command::Backup(args) => {
            let store = open(&args.database).await?;
            let summary = store.backup(&args.file).await.with_context(|| {
                format!("cannot back the database up into {}", args.file.display())
            })?;
            println!(
                "Đã sao lưu / backed up {} rows up to change {} into {}",
                summary.rows,
                summary.version,
                args.file.display()
            );
            Ok(())
        }
        Command::Restore(args) => {
            anyhow::ensure!(
                args.file.is_file(),
                "{} is not a file: give the path of a backup made by `dvk backup`",
                args.file.display()
            );
            if !args.yes && !confirm_restore(&args.file)? {
                println!("Không phục hồi / nothing restored.");
                return Ok(());
            }
            let store = open(&args.database).await?;
            let summary = store
                .restore(&args.file)
                .await
                .with_context(|| format!("cannot restore from {}", args.file.display()))?;
            println!(
                "Đã phục hồi / restored {} rows up to change {}; new epoch {}. Tablets rebuild their data at their next sync and send again what the backup lacks.",
                summary.rows, summary.version, summary.epoch
            );
            Ok(())
        }
        Command::CreateUser(args) => {
            let password = read_password()?;
            let store = open(&args.database).await?;
            let user = admin::create_user(
                store.as_ref(),
                &args.username,
                args.display_name.as_deref(),
                args.role,
                &args.unit,
                &password,
            )
            .await?;
            println!(
                "Đã tạo tài khoản / created account {} ({}) at unit {}",
                user.username,
                user.role.as_str(),
                args.unit
            );
            Ok(())
        }
    }
}

async fn open(args: &DatabaseArgs) -> anyhow::Result<std::sync::Arc<dyn dvk_server::Store>> {
    let url = args.url();
    dvk_server::store::connect(&url)
        .await
        .with_context(|| format!("cannot open the database at {url}"))
}

/// Asks on the terminal before a restore replaces the records (without a terminal, `--yes`
/// is required).
fn confirm_restore(file: &std::path::Path) -> anyhow::Result<bool> {
    use std::io::{BufRead, IsTerminal, Write};
    anyhow::ensure!(
        std::io::stdin().is_terminal(),
        "a restore replaces every record of the database: pass --yes to confirm"
    );
    print!(
        "Phục hồi sẽ thay toàn bộ dữ liệu bằng bản sao lưu {} / a restore replaces every record with the backup. Gõ / type \"yes\": ",
        file.display()
    );
    std::io::stdout().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim() == "yes")
}

/// The new account's password: the first line of standard input when it is piped, else asked
/// twice on the terminal without echo.
fn read_password() -> anyhow::Result<String> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Mật khẩu / password: ")?;
        let again = rpassword::prompt_password("Nhập lại / again: ")?;
        anyhow::ensure!(
            first == again,
            "the two passwords differ; nothing was created"
        );
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let settings = dvk_server::Settings {
        addr: args.addr,
        database_url: args.database.url(),
        demo: args.demo,
        dist_dir: args.dist_dir,
        trusted_proxies: args.trusted_proxies.0,
    };
    let running = dvk_server::start(&settings).await.with_context(|| {
        format!(
            "cannot start on {} with the database {}",
            settings.addr, settings.database_url
        )
    })?;
    println!("DVK đang chạy tại / is running at http://{}", running.addr);
    if settings.demo {
        println!(
            "Tài khoản demo / demo accounts (mật khẩu / password: {}):",
            dvk_server::demo::DEMO_PASSWORD
        );
        for account in dvk_server::demo::accounts() {
            println!(
                "  {:<10} {:<10} {}",
                account.username,
                account.role.as_str(),
                account.unit_name
            );
        }
    }
    // Ctrl-C at a terminal, SIGTERM from systemd or a container runtime: both finish the
    // requests in flight before the process ends.
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("cannot listen for SIGTERM")?;
    tokio::select! {
        stopped = tokio::signal::ctrl_c() => stopped.context("cannot listen for ctrl-c")?,
        _ = terminate.recv() => {}
    }
    tracing::info!("stopping: finishing requests in flight");
    running.stop().await?;
    Ok(())
}
