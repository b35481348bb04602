//! The `dvk` binary as a separate process, for what only a process can show: a server killed
//! with SIGKILL and started again, two servers on one PostgreSQL, the command line (`dvk backup`,
//! `dvk restore`) run while servers serve.

use std::{path::PathBuf, process::Stdio, time::Duration};

use anyhow::{Context, Result, ensure};
use tokio::io::AsyncWriteExt;

use crate::wait_until;

/// Builds (if needed) and finds the `dvk` binary of this workspace.
pub fn dvk_binary() -> Result<PathBuf> {
    built_dvk(false)
}

/// The `dvk` binary built for release, as the benchmarks measure it.
pub fn release_dvk_binary() -> Result<PathBuf> {
    built_dvk(true)
}

fn built_dvk(release: bool) -> Result<PathBuf> {
    let mut args = vec!["build", "--quiet", "-p", "dvk-server", "--bin", "dvk"];
    if release {
        args.push("--release");
    }
    let status = std::process::Command::new(env!("CARGO"))
        .args(&args)
        .status()?;
    ensure!(status.success(), "cannot build the dvk binary");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    Ok(target.join(if release { "release/dvk" } else { "debug/dvk" }))
}

/// A free port on 127.0.0.1.
pub fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// One `dvk serve` process on a fixed port, which can be killed and started again there.
pub struct ServerProcess {
    binary: PathBuf,
    database_url: String,
    demo: bool,
    pub port: u16,
    child: Option<tokio::process::Child>,
}

impl ServerProcess {
    /// Starts `dvk serve` over `database_url` (loading the demo into an empty database if
    /// `demo`) and waits until it answers.
    pub async fn start(binary: PathBuf, database_url: &str, demo: bool) -> Result<Self> {
        let mut process = Self {
            binary,
            database_url: database_url.to_owned(),
            demo,
            port: free_port()?,
            child: None,
        };
        process.restart().await?;
        Ok(process)
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    /// The process id, while it runs (to read its memory from /proc).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().and_then(tokio::process::Child::id)
    }

    /// Where the server's log goes (warnings and errors), kept across restarts: a test that
    /// fails can say what the server said.
    pub fn log_path(&self) -> PathBuf {
        std::env::temp_dir().join(format!("dvk-test-server-{}.log", self.port))
    }

    fn log(&self) -> Result<std::fs::File> {
        Ok(std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())?)
    }

    /// SIGKILL: no request in flight finishes, nothing is flushed.
    pub async fn kill(&mut self) -> Result<()> {
        if let Some(mut child) = self.child.take() {
            child.start_kill()?;
            child.wait().await?;
        }
        Ok(())
    }

    /// SIGTERM, as systemd stops a service: answers how the process ended.
    pub async fn terminate(&mut self) -> Result<std::process::ExitStatus> {
        let mut child = self.child.take().context("the server is not running")?;
        let pid = child.id().context("the server has no pid")?;
        let sent = tokio::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .await?;
        ensure!(sent.success(), "kill -TERM {pid} failed");
        Ok(tokio::time::timeout(Duration::from_secs(30), child.wait()).await??)
    }

    /// Starts the server (again) on its port and waits until it answers.
    pub async fn restart(&mut self) -> Result<()> {
        self.kill().await?;
        let mut command = tokio::process::Command::new(&self.binary);
        command
            .args(["serve", "--addr", &format!("127.0.0.1:{}", self.port)])
            .env("DATABASE_URL", &self.database_url)
            .env("RUST_LOG", "warn")
            .env_remove("DVK_DEMO")
            // Logging goes to standard output.
            .stdout(self.log()?)
            .stderr(self.log()?)
            .kill_on_drop(true);
        if self.demo {
            command.arg("--demo");
        }
        self.child = Some(command.spawn().context("cannot start dvk serve")?);
        let health = format!("{}/api/health", self.base());
        wait_until("the server to answer", Duration::from_secs(120), || {
            let health = health.clone();
            async move { Ok(reqwest::get(&health).await.is_ok_and(|r| r.status() == 200)) }
        })
        .await
    }
}

/// Runs a `dvk` command over `database_url`, with `stdin` as its standard input; fails unless
/// it succeeds, with what it printed.
pub async fn dvk(
    binary: &PathBuf,
    args: &[&str],
    database_url: &str,
    stdin: Option<&str>,
) -> Result<String> {
    let mut child = tokio::process::Command::new(binary)
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run dvk {args:?}"))?;
    if let Some(mut pipe) = child.stdin.take() {
        if let Some(input) = stdin {
            pipe.write_all(input.as_bytes()).await?;
        }
        drop(pipe);
    }
    let output = child.wait_with_output().await?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    ensure!(output.status.success(), "dvk {args:?} failed: {text}");
    Ok(text)
}
