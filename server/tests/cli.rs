//! The `dvk` binary as a person runs it: its help, its settings from flags and environment, and
//! its errors.

// A test states what must hold with unwrap/expect; the lint is for production code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    time::Duration,
};

fn dvk() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dvk"));
    // The tests decide every setting; nothing leaks in from the developer's shell.
    for var in [
        "DVK_ADDR",
        "DATABASE_URL",
        "DVK_DATA_DIR",
        "DVK_DEMO",
        "DVK_DIST_DIR",
    ] {
        command.env_remove(var);
    }
    command
}

fn stdout_of(command: &mut Command) -> String {
    let output = command.output().unwrap();
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn help_lists_the_subcommands() {
    let help = stdout_of(dvk().arg("--help"));
    for subcommand in ["serve", "migrate"] {
        assert!(help.contains(subcommand), "{help}");
    }
}

#[test]
fn serve_help_documents_every_setting_with_its_environment_variable() {
    let help = stdout_of(dvk().args(["serve", "--help"]));
    for needle in [
        "--addr",
        "DVK_ADDR",
        "127.0.0.1:8080",
        "--database-url",
        "DATABASE_URL",
        "--data-dir",
        "DVK_DATA_DIR",
        "--demo",
        "DVK_DEMO",
        "--dist-dir",
        "DVK_DIST_DIR",
    ] {
        assert!(help.contains(needle), "missing {needle} in:\n{help}");
    }
}

#[test]
fn migrate_creates_the_sqlite_file_in_the_data_dir_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("nested/data");
    stdout_of(dvk().arg("migrate").env("DVK_DATA_DIR", &data));
    assert!(data.join("dvk.sqlite").is_file());
}

#[test]
fn a_flag_wins_over_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let from_env = dir.path().join("env");
    let from_flag = dir.path().join("flag");
    stdout_of(
        dvk()
            .arg("migrate")
            .arg("--data-dir")
            .arg(&from_flag)
            .env("DVK_DATA_DIR", &from_env),
    );
    assert!(from_flag.join("dvk.sqlite").is_file());
    assert!(!from_env.exists());
}

#[test]
fn an_unsupported_database_url_fails_with_a_message_that_says_what_to_use() {
    let output = dvk()
        .args(["migrate", "--database-url", "mysql://localhost/dvk"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("sqlite://") && stderr.contains("postgres://"),
        "{stderr}"
    );
}

#[test]
fn serve_prints_its_address_and_answers_health() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = dvk()
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("DVK_DATA_DIR", dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(url) = line.split_whitespace().find(|w| w.starts_with("http://")) {
                let _ = tx.send(url.to_owned());
            }
        }
    });
    let url = rx.recv_timeout(Duration::from_secs(30));
    let health = url.as_ref().ok().map(|url| {
        let address = url.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        use std::io::{Read, Write};
        write!(
            stream,
            "GET /api/health HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
    });
    let _ = child.kill();
    let _ = child.wait();
    let health = health.expect("the server printed no http:// address");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(health.contains(r#""database":"sqlite""#), "{health}");
}
