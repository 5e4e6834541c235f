//! The SQLite write-ahead log stays bounded under concurrent writers and readers, and is
//! truncated after a bulk load and at a clean stop.

use crate::storage_faults::new_case;
use crate::{stderr, stdout, yoldash};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use yoldash_domain::Role;
use yoldash_testkit::{Backend, spawn_app};

/// Concurrent writers, and how many cases each registers (each also opens its case: a
/// second write, the audit entry of the view).
const WRITERS: usize = 4;
const WRITES_EACH: usize = 200;
/// The bound the log must stay under: the server forces a full checkpoint past 16 MiB;
/// the margin covers what is written until it runs (it looks four times a second).
const WAL_BOUND: u64 = 24 * 1024 * 1024;

fn wal_size(db: &std::path::Path) -> u64 {
    std::fs::metadata(db.with_file_name("yoldash.db-wal")).map_or(0, |m| m.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wal_stays_bounded_under_concurrent_writers_and_is_truncated_at_close() {
    let app = spawn_app(Backend::Sqlite).await;
    let db_file = app.dir.path().join("yoldash.db");
    let worker = app.create_user(app.admin_org.id, &[Role::CaseWorker]).await;
    let token = app.token_for(&worker).await;

    // Watch the log's size while the writers and readers run.
    let largest = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (largest, done, db_file) = (largest.clone(), done.clone(), db_file.clone());
        tokio::spawn(async move {
            while !done.load(Ordering::Relaxed) {
                largest.fetch_max(wal_size(&db_file), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };
    let client = reqwest::Client::new();
    let mut tasks = Vec::new();
    for w in 0..WRITERS {
        let (client, token, base) = (client.clone(), token.clone(), app.address.clone());
        tasks.push(tokio::spawn(async move {
            for n in 0..WRITES_EACH {
                let res = client
                    .post(format!("{base}/api/v1/cases"))
                    .bearer_auth(&token)
                    .json(&new_case(&format!("Jeren{w}x{n}")))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), 201);
                // A reader beside the writers: the case list holds a snapshot while it runs.
                let res = client
                    .get(format!("{base}/api/v1/cases?page=1"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), 200);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    done.store(true, Ordering::Relaxed);
    watcher.await.unwrap();
    let largest = largest.load(Ordering::Relaxed);
    let pages: i64 = sqlx::query_scalar("SELECT page_count FROM pragma_page_count()")
        .fetch_one(&app.store.db.pool)
        .await
        .unwrap();
    eprintln!(
        "{} writes: the WAL reached {} KiB at most; the database holds {} KiB",
        WRITERS * WRITES_EACH * 2,
        largest / 1024,
        pages * 4
    );
    assert!(
        largest < WAL_BOUND,
        "the WAL reached {largest} bytes (bound {WAL_BOUND})"
    );

    // A clean stop leaves no log behind.
    app.store.db.close().await;
    assert_eq!(wal_size(&db_file), 0, "the WAL after a clean stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_load_leaves_the_wal_truncated() {
    let app = spawn_app(Backend::Sqlite).await;
    let db_file = app.dir.path().join("yoldash.db");
    let out = yoldash(&app, &["demo", "--cases", "300", "--no-serve"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    // The test's own pool is still open, so the log file stays; it must be empty.
    assert_eq!(wal_size(&db_file), 0, "the WAL after `demo --cases`");
}
