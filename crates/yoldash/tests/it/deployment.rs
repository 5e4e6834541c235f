//! Commands that inspect a deployment create nothing: every command except those that set
//! one up, pointed at a missing data directory, an empty one, one without its key file, an
//! unmigrated and an outdated database, refuses with a clear message and exit 1, and leaves
//! the directory and the database as they were. Also the run helpers for the other tests
//! of data directories (`key_binding`, `private_files`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};
use yoldash_store::Database;
use yoldash_testkit::{Backend, TestDatabase, both_backends, spawn_app};

/// A password that passes the policy, piped to commands that read one.
pub const PASSWORD: &str = "a long enough passphrase";
/// The backup passphrase every run gets (backups and key exports need one).
pub const BACKUP_PASSPHRASE: &str = "backup passphrase for the tests";

/// Runs `yoldash` on `data_dir`, with the database at `url` (SQLite in the data dir when
/// `None`), nothing else from the environment; killed and failed after a minute.
pub fn run(data_dir: &Path, url: Option<&str>, args: &[&str], stdin: Option<&str>) -> Output {
    let out = run_for(data_dir, url, args, stdin, Duration::from_secs(60));
    assert!(
        out.status.code().is_some(),
        "yoldash {args:?} still ran after a minute: {}{}",
        crate::stdout(&out),
        crate::stderr(&out)
    );
    out
}

/// `run`, killing the command after `limit` (its status then has no exit code): for a
/// `serve` that should refuse to start.
pub fn run_for(
    data_dir: &Path,
    url: Option<&str>,
    args: &[&str],
    stdin: Option<&str>,
    limit: Duration,
) -> Output {
    use std::io::Write;
    let mut cmd = command(data_dir, url, args);
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run yoldash");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).expect("write stdin");
    }
    drop(input);
    let started = Instant::now();
    while child.try_wait().expect("wait").is_none() && started.elapsed() < limit {
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().ok();
    child.wait_with_output().expect("output")
}

/// The `yoldash` command on `data_dir`, with the database at `url` (SQLite in the data dir
/// when `None`) and nothing else from the environment but the backup passphrase.
pub fn command(data_dir: &Path, url: Option<&str>, args: &[&str]) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_yoldash"));
    cmd.args(args)
        .env("YOLDASH_DATA_DIR", data_dir)
        .env("YOLDASH_LOG", "warn")
        .env("YOLDASH_BACKUP_PASSPHRASE", BACKUP_PASSPHRASE)
        .env_remove("YOLDASH_KEY_FILE")
        .env_remove("YOLDASH_KEY_PASSPHRASE")
        .env_remove("YOLDASH_KEY_PASSPHRASE_FILE");
    match url {
        Some(u) => cmd.env("YOLDASH_DATABASE_URL", u),
        None => cmd.env_remove("YOLDASH_DATABASE_URL"),
    };
    cmd
}

/// Every file under `dir` with its mode and contents (None when `dir` does not exist).
pub fn files(dir: &Path) -> Option<BTreeMap<PathBuf, (u32, Vec<u8>)>> {
    fn walk(dir: &Path, base: &Path, out: &mut BTreeMap<PathBuf, (u32, Vec<u8>)>) {
        for entry in std::fs::read_dir(dir).expect("read dir") {
            let path = entry.expect("entry").path();
            let meta = std::fs::metadata(&path).expect("metadata");
            if meta.is_dir() {
                walk(&path, base, out);
            } else {
                let rel = path.strip_prefix(base).expect("under base").to_path_buf();
                out.insert(rel, (mode(&meta), std::fs::read(&path).expect("read")));
            }
        }
    }
    if !dir.exists() {
        return None;
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    Some(out)
}

#[cfg(unix)]
pub fn mode(meta: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o777
}

#[cfg(not(unix))]
pub fn mode(_meta: &std::fs::Metadata) -> u32 {
    0o600
}

/// What a PostgreSQL database holds, enough to see that nothing was created or migrated.
pub async fn pg_contents(url: &str) -> Vec<String> {
    let db = Database::connect(url).await.expect("connect");
    let mut out: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1",
    )
    .fetch_all(&db.pool)
    .await
    .expect("tables");
    if out.iter().any(|t| t == "schema_migrations") {
        let levels: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM schema_migrations ORDER BY 1")
                .fetch_all(&db.pool)
                .await
                .expect("levels");
        out.push(format!("levels {levels:?}"));
        for table in ["audit_log", "settings", "users", "organisations"] {
            let n: i64 =
                sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                    .fetch_one(&db.pool)
                    .await
                    .expect("count");
            out.push(format!("{table} {n}"));
        }
    }
    db.close().await;
    out
}

/// The top-level commands and subcommands of the binary, as its help lists them: a command
/// added later is covered without anyone remembering to.
fn leaf_commands() -> Vec<Vec<String>> {
    fn subcommands(path: &[String]) -> Vec<String> {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_yoldash"))
            .args(path)
            .arg("--help")
            .output()
            .expect("help");
        let help = String::from_utf8_lossy(&out.stdout).into_owned();
        let Some(list) = help.split("Commands:\n").nth(1) else {
            return Vec::new();
        };
        list.lines()
            .take_while(|l| !l.trim().is_empty())
            .filter_map(|l| l.split_whitespace().next().map(str::to_string))
            .filter(|c| c != "help")
            .collect()
    }
    let mut leaves = Vec::new();
    let mut todo = vec![Vec::new()];
    while let Some(path) = todo.pop() {
        let subs = subcommands(&path);
        for s in &subs {
            let mut p = path.clone();
            p.push(s.clone());
            todo.push(p);
        }
        if subs.is_empty() && !path.is_empty() {
            leaves.push(path);
        }
    }
    leaves.sort();
    leaves
}

/// The commands that set up, migrate or restore a deployment (or measure one in a data
/// directory of their own): the only ones allowed to create.
const SETTING_UP: &[&str] = &[
    "serve",
    "demo",
    "migrate",
    "restore",
    "key import",
    "bench audit-page",
    "bench cases",
];

/// The arguments a command needs to get as far as opening its data: its required options
/// and positionals, as its usage line names them, with plausible values.
fn arguments(path: &[String], scratch: &Path) -> (Vec<String>, Option<&'static str>) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_yoldash"))
        .args(path)
        .arg("--help")
        .output()
        .expect("help");
    let help = String::from_utf8_lossy(&out.stdout).into_owned();
    let usage = help
        .lines()
        .find(|l| l.starts_with("Usage:"))
        .expect("usage line")
        .to_string();
    let value = |placeholder: &str| -> String {
        match placeholder.trim_matches(['<', '>']) {
            "CODE" | "ORG" => "TEST-ORG".into(),
            "NAME" => "Some Name".into(),
            "ORG_TYPE" => "public_association".into(),
            "EMAIL" => "someone@example.org".into(),
            "ROLE" => "viewer".into(),
            "ID" => "0190d6a2-7c1e-7bb0-8e1f-3c2a9d4e5f60".into(),
            "OUT" | "FILE" => scratch
                .join(format!("out-{}", uuid::Uuid::now_v7()))
                .display()
                .to_string(),
            _ => "x".into(),
        }
    };
    let mut args: Vec<String> = path.to_vec();
    let mut tokens = usage.split_whitespace().skip(1 + 1 + path.len()).peekable();
    while let Some(t) = tokens.next() {
        if t.starts_with("--") {
            args.push(t.to_string());
            if tokens.peek().is_some_and(|n| n.starts_with('<')) {
                args.push(value(tokens.next().expect("value")));
            }
        } else if t.starts_with('<') {
            args.push(value(t));
        }
    }
    let mut stdin = None;
    if help.contains("--password-stdin") {
        args.push("--password-stdin".into());
        stdin = Some(PASSWORD);
    }
    (args, stdin)
}

/// One kind of data directory a command is pointed at.
struct Case {
    name: &'static str,
    /// What the message must say.
    says: &'static str,
    dir: PathBuf,
    url: Option<String>,
}

impl Case {
    fn new(name: &'static str, says: &'static str, dir: PathBuf, url: Option<&str>) -> Self {
        Self {
            name,
            says,
            dir,
            url: url.map(str::to_string),
        }
    }
}

both_backends!(
    inspecting_commands_create_nothing,
    |backend: Backend| async move {
        let commands: Vec<Vec<String>> = leaf_commands()
            .into_iter()
            .filter(|c| !SETTING_UP.contains(&c.join(" ").as_str()))
            .collect();
        for expected in [
            "audit verify",
            "backup",
            "key export",
            "key rotate",
            "org list",
            "token create",
            "user create",
        ] {
            assert!(
                commands.iter().any(|c| c.join(" ") == expected),
                "{expected} not found in the help: {commands:?}"
            );
        }
        let root = tempfile::tempdir().unwrap();
        let scratch = root.path().join("scratch");
        std::fs::create_dir(&scratch).unwrap();
        let pg = backend == Backend::Postgres;

        // A set-up deployment to copy from: migrated, with an organisation and an account.
        let source = root.path().join("source");
        let source_db = TestDatabase::create(backend, &source).await;
        let source_url = pg.then(|| source_db.url.clone());
        let set_up = run(&source, source_url.as_deref(), &["migrate"], None);
        assert!(set_up.status.success(), "{}", crate::stderr(&set_up));

        let mut cases = Vec::new();
        let missing = root.path().join("missing");
        cases.push(Case::new(
            "a data directory that does not exist",
            "does not exist",
            missing,
            source_url.as_deref(),
        ));
        let empty = root.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        cases.push(Case::new(
            "an empty data directory",
            "no key file",
            empty,
            source_url.as_deref(),
        ));
        // The deployment without its key file (SQLite: its database is in the directory).
        let keyless = root.path().join("keyless");
        copy_dir(&source, &keyless);
        std::fs::remove_file(keyless.join("yoldash.keys")).unwrap();
        cases.push(Case::new(
            "a data directory without its key file",
            "no key file",
            keyless,
            source_url.as_deref(),
        ));
        // A key file, and a database never migrated.
        let unmigrated = root.path().join("unmigrated");
        std::fs::create_dir(&unmigrated).unwrap();
        std::fs::copy(source.join("yoldash.keys"), unmigrated.join("yoldash.keys")).unwrap();
        let unmigrated_db = TestDatabase::create(backend, &unmigrated).await;
        if !pg {
            std::fs::write(unmigrated.join("yoldash.db"), b"").unwrap();
        }
        cases.push(Case::new(
            "an unmigrated database",
            "never migrated",
            unmigrated,
            pg.then_some(unmigrated_db.url.as_str()),
        ));
        // The deployment, its database one migration behind this binary.
        let behind = root.path().join("behind");
        copy_dir(&source, &behind);
        let behind_db = TestDatabase::create(backend, &behind).await;
        let behind_url = if pg {
            let set_up = run(&behind, Some(&behind_db.url), &["migrate"], None);
            assert!(set_up.status.success(), "{}", crate::stderr(&set_up));
            behind_db.url.clone()
        } else {
            format!("sqlite://{}", behind.join("yoldash.db").display())
        };
        {
            let db = Database::connect(&behind_url).await.unwrap();
            sqlx::query("DELETE FROM schema_migrations WHERE version = (SELECT MAX(version) FROM schema_migrations)")
                .execute(&db.pool)
                .await
                .unwrap();
            db.close().await;
        }
        cases.push(Case::new(
            "a database one migration behind",
            "run `yoldash migrate`",
            behind,
            pg.then_some(behind_url.as_str()),
        ));

        for case in &cases {
            let files_before = files(&case.dir);
            let db_before = match &case.url {
                Some(u) => pg_contents(u).await,
                None => Vec::new(),
            };
            for command in &commands {
                let (args, stdin) = arguments(command, &scratch);
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                let out = run(&case.dir, case.url.as_deref(), &args, stdin);
                let err = crate::stderr(&out);
                // `backup` copies SQLite; on PostgreSQL it refuses before anything else.
                let says = if pg && command.join(" ") == "backup" {
                    "pg_dump"
                } else {
                    case.says
                };
                assert_eq!(
                    out.status.code(),
                    Some(1),
                    "{args:?} on {}: {}{err}",
                    case.name,
                    crate::stdout(&out)
                );
                assert!(
                    err.contains(says),
                    "{args:?} on {}: expected {says:?} in {err}",
                    case.name,
                );
                assert!(!err.contains("panicked"), "{args:?}: {err}");
                assert_eq!(
                    files(&case.dir).map(|f| f.into_keys().collect::<Vec<_>>()),
                    files_before
                        .clone()
                        .map(|f| f.into_keys().collect::<Vec<_>>()),
                    "{args:?} on {} created or removed files",
                    case.name
                );
                assert!(
                    files(&case.dir) == files_before,
                    "{args:?} on {} changed a file",
                    case.name
                );
                if let Some(u) = &case.url {
                    assert_eq!(
                        pg_contents(u).await,
                        db_before,
                        "{args:?} on {} changed the database",
                        case.name
                    );
                }
                assert_eq!(
                    std::fs::read_dir(&scratch).unwrap().count(),
                    0,
                    "{args:?} on {} wrote an output file",
                    case.name
                );
            }
        }
        drop((source_db, unmigrated_db, behind_db));
    }
);

/// Copies the files of a data directory (not its subdirectories).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

both_backends!(
    a_missing_audit_head_file_is_a_warning,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        for _ in 0..2 {
            app.create_user(app.admin_org.id, &[yoldash_domain::Role::Viewer])
                .await;
        }
        let head = app.dir.path().join("audit-head.json");
        assert!(head.exists());
        std::fs::remove_file(&head).unwrap();
        let out = crate::yoldash(&app, &["audit", "verify"]);
        let err = crate::stderr(&out);
        assert!(out.status.success(), "{}{err}", crate::stdout(&out));
        assert!(
            crate::stdout(&out).contains("audit chain intact"),
            "{}",
            crate::stdout(&out)
        );
        assert!(
            err.contains("warning") && err.contains("audit head file"),
            "no warning about the missing head file: {err}"
        );
    }
);
