//! Integration tests: the real application over HTTP and the real command line, each test
//! on a fresh SQLite database and, when `YOLDASH_TEST_DATABASE_URL` is set, again on a
//! fresh PostgreSQL database.

mod account_actions;
mod admin_pages;
mod audit;
mod audit_screens;
mod auth;
mod bad_input;
mod browser;
mod browser_cases;
mod case_history;
mod case_protection;
mod cases;
mod cli;
mod demo_cases;
mod deployment;
mod key_binding;
mod matrix;
mod openapi;
mod private_files;
mod records;
mod refdata;
mod review_findings;
mod second_factor;
mod security;
mod storage_faults;
mod wal;
mod web_hardening;

/// Runs the `yoldash` binary against a test app's data (its data dir and database).
pub fn yoldash(app: &yoldash_testkit::TestApp, args: &[&str]) -> std::process::Output {
    yoldash_with(app, args, &[], None)
}

pub fn yoldash_with(
    app: &yoldash_testkit::TestApp,
    args: &[&str],
    env: &[(&str, &str)],
    stdin: Option<&str>,
) -> std::process::Output {
    use std::io::Write;
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_yoldash"));
    cmd.args(args)
        .env("YOLDASH_DATA_DIR", app.dir.path())
        .env("YOLDASH_DATABASE_URL", &app.database.url)
        .env("YOLDASH_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("run yoldash");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("wait for yoldash")
}

pub fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
