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
    for subcommand in ["serve", "migrate", "create-unit", "create-user"] {
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

fn run_with_stdin(command: &mut Command, input: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn a_real_installation_starts_with_create_unit_and_create_user() {
    let dir = tempfile::tempdir().unwrap();
    let with_data = |command: &mut Command| {
        command.env("DVK_DATA_DIR", dir.path());
    };
    let mut top = dvk();
    with_data(top.args(["create-unit", "Tỉnh Quảng Nam", "--kind", "province"]));
    assert!(stdout_of(&mut top).contains("Tỉnh Quảng Nam"));
    // The parent is found by name without caring for case or diacritics.
    let mut commune = dvk();
    with_data(commune.args([
        "create-unit",
        "Xã Điện Hòa",
        "--kind",
        "commune",
        "--parent",
        "tinh quang nam",
    ]));
    stdout_of(&mut commune);

    let mut orphan = dvk();
    with_data(orphan.args(["create-unit", "Xã Mồ Côi", "--kind", "commune"]));
    let output = orphan.output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--parent"));

    let mut user = dvk();
    with_data(user.args([
        "create-user",
        "dienhoa",
        "--role",
        "registrar",
        "--unit",
        "Xã Điện Hòa",
    ]));
    let output = run_with_stdin(&mut user, "mat-khau-dai-du\n");
    assert!(output.status.success(), "{output:?}");

    let mut again = dvk();
    with_data(again.args([
        "create-user",
        "dienhoa",
        "--role",
        "board",
        "--unit",
        "Xã Điện Hòa",
    ]));
    let output = run_with_stdin(&mut again, "mat-khau-dai-du\n");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("taken"));

    let mut short = dvk();
    with_data(short.args([
        "create-user",
        "canbo2",
        "--role",
        "registrar",
        "--unit",
        "Xã Điện Hòa",
    ]));
    let output = run_with_stdin(&mut short, "ngan\n");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("password"));

    let mut unknown_unit = dvk();
    with_data(unknown_unit.args([
        "create-user",
        "canbo3",
        "--role",
        "registrar",
        "--unit",
        "Xã Không Có",
    ]));
    let output = run_with_stdin(&mut unknown_unit, "mat-khau-dai-du\n");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("no unit matches"));

    let mut bad_role = dvk();
    with_data(bad_role.args([
        "create-user",
        "canbo4",
        "--role",
        "root",
        "--unit",
        "Xã Điện Hòa",
    ]));
    assert!(!bad_role.output().unwrap().status.success());

    // The account exists with its role and unit, and no demo account was made.
    let url = format!("sqlite://{}", dir.path().join("dvk.sqlite").display());
    let store = dvk_server::store::connect(&url).await.unwrap();
    let (user, hash) = store.user_with_hash("dienhoa").await.unwrap().unwrap();
    assert_eq!(user.role, dvk_shared::user::Role::Registrar);
    assert!(hash.starts_with("$argon2id$"));
    assert!(store.user_with_hash("admin").await.unwrap().is_none());
}

#[test]
fn serve_in_demo_mode_prints_the_demo_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = dvk()
        .args(["serve", "--addr", "127.0.0.1:0", "--demo"])
        .env("DVK_DATA_DIR", dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut printed = String::new();
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(60)) {
        printed.push_str(&line);
        printed.push('\n');
        if line.contains("khaosat") {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    for needle in [
        "demo-dvk",
        "admin",
        "bandanvan",
        "lanhdao",
        "dienhoa",
        "khaosat",
        "Xã Điện Hòa",
    ] {
        assert!(printed.contains(needle), "missing {needle} in:\n{printed}");
    }
}
