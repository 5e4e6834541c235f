//! The database connection: one pool over SQLite or PostgreSQL, chosen by the URL.

use crate::StoreError;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// Which engine is behind the pool. Almost every query is the same text on both (we write
/// `$1` placeholders, which SQLite accepts too); the few differences switch on this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgresql",
        }
    }
}

/// A pool plus its backend. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Database {
    pub pool: AnyPool,
    pub backend: Backend,
    /// SQLite has one writer at a time. Units of work queue here, in the process, instead
    /// of in SQLite's busy handler, which waits by sleeping and so adds latency under load.
    pub(crate) writer: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// SQLite: the most pages the database may hold, set on every connection as it is
    /// handed out (see `limit_pages`).
    page_limit: std::sync::Arc<AtomicI64>,
}

/// `page_limit` when no limit was ever asked for: connections are left as SQLite made them.
const NO_PAGE_LIMIT: i64 = 0;
/// SQLite's own largest page count, which lifts a limit set before.
const SQLITE_MAX_PAGE_COUNT: i64 = 4_294_967_294;

/// A transaction on either backend.
pub type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// A connection for the reads of one page. On SQLite it is a read transaction, so that the
/// page shows one snapshot. On PostgreSQL it is a plain connection: at READ COMMITTED (the
/// default, which Yoldash uses) each statement takes its own snapshot inside a transaction
/// as well, so BEGIN and ROLLBACK would add two round trips and no consistency.
pub(crate) enum Reads {
    Snapshot(Tx),
    Plain(sqlx::pool::PoolConnection<sqlx::Any>),
}

impl Reads {
    pub(crate) fn conn(&mut self) -> &mut sqlx::AnyConnection {
        match self {
            Reads::Snapshot(tx) => tx,
            Reads::Plain(conn) => conn,
        }
    }

    /// Ends the reads (a read transaction is rolled back: it wrote nothing).
    pub(crate) async fn end(self) -> Result<(), StoreError> {
        if let Reads::Snapshot(tx) = self {
            tx.rollback().await?;
        }
        Ok(())
    }
}

impl Database {
    /// Connects to `sqlite://PATH` (the file is created if missing) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl);
        };
        let options = AnyPoolOptions::new()
            .acquire_timeout(Duration::from_secs(30))
            .after_release(move |conn, _meta| Box::pin(fit_for_reuse(conn, backend)));
        let page_limit = std::sync::Arc::new(AtomicI64::new(NO_PAGE_LIMIT));
        let pool = match backend {
            Backend::Sqlite => {
                let url = if url.contains('?') {
                    url.to_string()
                } else {
                    format!("{url}?mode=rwc")
                };
                let (on_connect, on_acquire) = (page_limit.clone(), page_limit.clone());
                let pool = options
                    // SQLite allows one writer at a time; more connections only help readers.
                    .max_connections(4)
                    // An in-process database cannot drop a connection: no round trip to the
                    // connection's thread to test it before every statement.
                    .test_before_acquire(false)
                    .after_connect(move |conn, _meta| {
                        let page_limit = on_connect.clone();
                        Box::pin(async move {
                            // WAL lets readers run beside the writer; `synchronous=NORMAL` is
                            // durable across application crashes in WAL mode; busy_timeout
                            // makes a second writer wait instead of failing at once.
                            conn.execute("PRAGMA journal_mode = WAL").await?;
                            conn.execute("PRAGMA synchronous = NORMAL").await?;
                            conn.execute("PRAGMA foreign_keys = ON").await?;
                            conn.execute("PRAGMA busy_timeout = 10000").await?;
                            // A larger page cache per connection (16 MiB): the case list
                            // and case pages read the same hot pages over and over. (A
                            // memory map was tried and lost: every write that grows the
                            // file remaps it in every connection.)
                            conn.execute("PRAGMA cache_size = -16384").await?;
                            // Checkpoints run beside the writers (see `checkpoint_in_background`),
                            // not inside whichever commit happened to fill the log.
                            conn.execute("PRAGMA wal_autocheckpoint = 0").await?;
                            apply_page_limit(conn, &page_limit).await
                        })
                    })
                    .before_acquire(move |conn, _meta| {
                        let page_limit = on_acquire.clone();
                        Box::pin(async move {
                            apply_page_limit(conn, &page_limit).await?;
                            Ok(true)
                        })
                    })
                    .connect(&url)
                    .await?;
                tokio::spawn(checkpoint_in_background(pool.clone()));
                pool
            }
            Backend::Postgres => options.max_connections(16).connect(url).await?,
        };
        Ok(Self {
            pool,
            backend,
            writer: Default::default(),
            page_limit,
        })
    }

    /// SQLite only: lets the database hold at most `pages` pages (`None` lifts the limit),
    /// so that a test can make the database full — a disk that filled up — and free it
    /// again. Each connection takes the limit when it is next handed out; a connection
    /// in use keeps its own until then.
    pub fn limit_pages(&self, pages: Option<i64>) {
        let limit = pages.map_or(SQLITE_MAX_PAGE_COUNT, |p| p.max(1));
        self.page_limit.store(limit, Ordering::Relaxed);
    }

    /// Starts a transaction that will write. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`): a deferred transaction that reads and then writes can fail
    /// with SQLITE_BUSY when another writer committed in between, and would not wait.
    pub async fn begin_write(&self) -> Result<Tx, StoreError> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// After a bulk load (the synthetic cases of `yoldash demo --cases`): fresh planner
    /// statistics and, on PostgreSQL, a vacuum, which sets the visibility map that
    /// index-only scans (the case list's counts) rely on. Autovacuum would get there in
    /// time; a demonstration or a benchmark should not depend on when.
    pub async fn after_bulk_load(&self, tables: &[&str]) -> Result<(), StoreError> {
        match self.backend {
            Backend::Sqlite => {
                let mut conn = self.pool.acquire().await?;
                conn.execute("PRAGMA analysis_limit = 400").await?;
                for table in tables {
                    conn.execute(sqlx::AssertSqlSafe(format!("ANALYZE {table}")))
                        .await?;
                }
            }
            Backend::Postgres => {
                for table in tables {
                    self.pool
                        .execute(sqlx::AssertSqlSafe(format!("VACUUM (ANALYZE) {table}")))
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// A connection for the reads of one page (see `Reads`).
    pub(crate) async fn reads(&self) -> Result<Reads, StoreError> {
        Ok(match self.backend {
            Backend::Sqlite => Reads::Snapshot(self.pool.begin().await?),
            Backend::Postgres => Reads::Plain(self.pool.acquire().await?),
        })
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// How often the SQLite write-ahead log is copied back into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

/// Copies the SQLite write-ahead log into the database file once a second, until the pool
/// closes. A passive checkpoint waits for no one and no writer waits for it; left to the
/// commit that fills the log, it would hold the single write lock through its file sync
/// while every other writer (an audit entry of every page view) queued behind it.
async fn checkpoint_in_background(pool: AnyPool) {
    loop {
        tokio::time::sleep(CHECKPOINT_EVERY).await;
        if pool.is_closed() {
            return;
        }
        if let Err(e) = pool.execute("PRAGMA wal_checkpoint(PASSIVE)").await {
            tracing::warn!(error = %e, "write-ahead log checkpoint failed");
        }
    }
}

/// Whether a connection given back to the pool may serve again: not when it is still inside
/// a transaction. sqlx rolls back a transaction dropped without commit by queueing a
/// ROLLBACK; when that fails — SQLite already rolled the transaction back itself after
/// SQLITE_FULL or an I/O error, or the COMMIT failed — sqlx still counts the transaction as
/// open, and the connection's next `BEGIN IMMEDIATE` would fail ("begin_with at non-zero
/// transaction depth") until the server restarts. Such a connection is closed instead, and
/// the pool opens a fresh one.
async fn fit_for_reuse(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
) -> Result<bool, sqlx::Error> {
    use sqlx::Connection as _;
    if backend == Backend::Sqlite {
        // The queued ROLLBACK runs on the connection's own thread: wait for it.
        conn.ping().await?;
    }
    if conn.is_in_transaction() {
        tracing::warn!("a connection left inside a failed transaction was closed");
        return Ok(false);
    }
    Ok(true)
}

/// Sets `max_page_count` on a SQLite connection when a limit was ever asked for.
async fn apply_page_limit(
    conn: &mut sqlx::AnyConnection,
    page_limit: &AtomicI64,
) -> Result<(), sqlx::Error> {
    let limit = page_limit.load(Ordering::Relaxed);
    if limit != NO_PAGE_LIMIT {
        conn.execute(sqlx::AssertSqlSafe(format!(
            "PRAGMA max_page_count = {limit}"
        )))
        .await?;
    }
    Ok(())
}

/// Booleans are stored as 0/1 integers on both backends: the runtime-generic driver cannot
/// decode SQLite's integers as booleans, and one column type keeps one query text.
pub fn flag(b: bool) -> i64 {
    i64::from(b)
}

/// After an `UPDATE … WHERE id = ? AND ($n = 0 OR version = $n)` that touched no row: tells
/// a missing record (NotFound) from one that moved on (Conflict, with its current version).
pub(crate) async fn explain_missed_update(
    tx: &mut Tx,
    table: &'static str,
    id: &str,
) -> crate::StoreError {
    let sql = format!("SELECT version FROM {table} WHERE id = $1");
    match sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
    {
        Ok(Some(current)) => crate::StoreError::Conflict { current },
        Ok(None) => crate::StoreError::NotFound,
        Err(e) => e.into(),
    }
}

/// A value bound to a numbered placeholder of a query built from optional conditions.
#[derive(Clone)]
pub(crate) enum Value {
    Int(i64),
    Text(String),
}

/// Binds a list of `Value`s to a query, in order.
macro_rules! bind_all {
    ($query:expr, $values:expr) => {{
        let mut q = $query;
        for v in $values {
            q = match v {
                $crate::db::Value::Int(i) => q.bind(i),
                $crate::db::Value::Text(s) => q.bind(s),
            };
        }
        q
    }};
}
pub(crate) use bind_all;

impl Database {
    /// The size of the database in bytes (SQLite: pages in use, WAL included; PostgreSQL:
    /// `pg_database_size`), for the benchmarks.
    pub async fn size_bytes(&self) -> Result<i64, StoreError> {
        let sql = match self.backend {
            Backend::Sqlite => {
                "SELECT (SELECT page_count FROM pragma_page_count()) * (SELECT page_size FROM pragma_page_size())"
            }
            Backend::Postgres => "SELECT pg_database_size(current_database())",
        };
        Ok(sqlx::query_scalar(sql).fetch_one(&self.pool).await?)
    }
}
