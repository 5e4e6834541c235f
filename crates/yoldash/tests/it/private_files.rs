//! Files in the data directory are the service account's alone: the database, its
//! write-ahead log and shared-memory file are created 0600 like the key file, the directory
//! 0700; a backup's unencrypted snapshot exists only as a 0600 file, and what a killed
//! backup leaves is removed by the next backup and at the next server start. SQLite only:
//! a PostgreSQL deployment keeps no database files in the data directory.

use crate::deployment::{command, files, mode, run};
use crate::{stderr, stdout};
use std::io::BufRead;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};
use yoldash_store::Database;

/// `yoldash serve` on `dir`, returned once it listens.
fn start_serve(dir: &Path) -> Child {
    let mut child = command(dir, None, &["serve", "--listen", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start serve");
    let out = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    for line in out.lines() {
        if line.expect("line").contains("listening at") {
            return child;
        }
    }
    let status = child.wait().expect("wait for serve");
    panic!("serve ended without listening ({status})");
}

fn stop(mut child: Child) {
    child.kill().ok();
    child.wait().ok();
}

fn private_files_in(dir: &Path) -> Vec<String> {
    files(dir)
        .expect("data dir")
        .into_iter()
        .filter(|(_, (mode, _))| *mode != 0o600)
        .map(|(path, (mode, _))| format!("{} {mode:o}", path.display()))
        .collect()
}

#[test]
fn files_in_the_data_directory_are_owner_only() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("data");
    let demo = run(&dir, None, &["demo", "--no-serve", "--cases", "0"], None);
    assert!(demo.status.success(), "{}{}", stdout(&demo), stderr(&demo));
    assert_eq!(
        mode(&std::fs::metadata(&dir).unwrap()),
        0o700,
        "data directory"
    );
    let server = start_serve(&dir);
    // A write while the server holds the database open: its log and shared-memory file exist.
    let write = run(
        &dir,
        None,
        &[
            "org",
            "create",
            "--code",
            "NEW-ORG",
            "--name",
            "New",
            "--type",
            "public_association",
        ],
        None,
    );
    assert!(write.status.success(), "{}", stderr(&write));
    let listing = files(&dir).unwrap();
    assert!(
        listing.contains_key(Path::new("yoldash.db-wal"))
            && listing.contains_key(Path::new("yoldash.db-shm")),
        "{:?}",
        listing.keys().collect::<Vec<_>>()
    );
    let open = private_files_in(&dir);
    stop(server);
    assert!(open.is_empty(), "files others may read: {open:?}");

    // A deployment made before this rule: serve tightens its database files at start.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            dir.join("yoldash.db"),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        let server = start_serve(&dir);
        let open = private_files_in(&dir);
        stop(server);
        assert!(open.is_empty(), "after a start: {open:?}");
    }
}

/// Names of unencrypted snapshot files in `dir`, with their modes.
fn snapshots(dir: &Path) -> Vec<(String, u32)> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter(|e| e.file_name().to_string_lossy().starts_with(".backup-"))
                .filter_map(|e| {
                    let meta = e.metadata().ok()?;
                    Some((e.file_name().to_string_lossy().into_owned(), mode(&meta)))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn backup_command(dir: &Path, out: &Path) -> std::process::Command {
    let mut cmd = command(dir, None, &["backup", "--out", out.to_str().unwrap()]);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// A leftover as an interrupted backup of an earlier version left it: readable by all.
fn plant_leftover(dir: &Path, name: &str) {
    let path = dir.join(name);
    std::fs::write(&path, b"SQLite format 3\0 unencrypted case data").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_backup_leaves_no_readable_snapshot() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("data");
    let set_up = run(&dir, None, &["migrate"], None);
    assert!(set_up.status.success(), "{}", stderr(&set_up));
    // Enough data that the snapshot exists for a while (about 40 MB).
    {
        let db = Database::connect(&format!("sqlite://{}", dir.join("yoldash.db").display()))
            .await
            .unwrap();
        let chunk: String = (0..4_000_000u32)
            .map(|i| char::from(b'a' + (i.wrapping_mul(2_654_435_761) >> 27) as u8 % 26))
            .collect();
        for i in 0..10 {
            sqlx::query("INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, 0)")
                .bind(format!("test.padding.{i}"))
                .bind(&chunk)
                .execute(&db.pool)
                .await
                .unwrap();
        }
        db.close().await;
    }

    // 1. Leftovers of killed backups and restores are removed by the next backup.
    plant_leftover(&dir, ".backup-0190d6a2-7c1e-7bb0-8e1f-3c2a9d4e5f60.db");
    plant_leftover(&dir, ".restore.partial");
    let first = root.path().join("first.yoldash");
    let out = backup_command(&dir, &first).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(snapshots(&dir), vec![], "the next backup removes leftovers");
    assert!(!dir.join(".restore.partial").exists());

    // 2. A backup killed while its snapshot exists: the snapshot was never readable by
    // others, and the next server start removes it.
    let second = root.path().join("second.yoldash");
    let mut child = backup_command(&dir, &second).spawn().unwrap();
    let started = Instant::now();
    let mut seen = Vec::new();
    while started.elapsed() < Duration::from_secs(60) {
        let now = snapshots(&dir);
        if !now.is_empty() {
            seen.extend(now);
            // Let it write for a moment, then kill it mid-way.
            std::thread::sleep(Duration::from_millis(30));
            seen.extend(snapshots(&dir));
            break;
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!seen.is_empty(), "no snapshot was seen during the backup");
    for (name, mode) in &seen {
        assert_eq!(*mode, 0o600, "snapshot {name} had mode {mode:o}");
    }
    let left = snapshots(&dir);
    for (name, mode) in &left {
        assert_eq!(*mode, 0o600, "leftover {name} has mode {mode:o}");
    }
    plant_leftover(&dir, ".backup-0190d6a2-7c1e-7bb0-8e1f-3c2a9d4e5f61.db");
    let server = start_serve(&dir);
    let after_start = snapshots(&dir);
    stop(server);
    assert_eq!(after_start, vec![], "server start removes leftovers");
}
