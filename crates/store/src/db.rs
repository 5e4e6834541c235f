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
    /// How long a request waits for a pooled connection before it is answered 503.
    pub const ACQUIRE_WITHIN: Duration = Duration::from_secs(5);

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
            // A request waits at most this long for a connection: while the database is
            // out of reach, a write is answered "unavailable" in seconds, not after half
            // a minute (see docs/decisions.md).
            .acquire_timeout(Self::ACQUIRE_WITHIN)
            .after_release(move |conn, _meta| Box::pin(fit_for_reuse(conn, backend)));
        let page_limit = std::sync::Arc::new(AtomicI64::new(NO_PAGE_LIMIT));
        let writer = std::sync::Arc::new(tokio::sync::Mutex::new(()));
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
                            // The commit that fills the log to 1000 pages (SQLite's default)
                            // copies it back into the database file, from its own connection;
                            // a log restarted after that is cut back to `WAL_LIMIT_BYTES`.
                            // `keep_wal_bounded` covers what this cannot: readers that keep
                            // the log from restarting.
                            conn.execute("PRAGMA wal_autocheckpoint = 1000").await?;
                            conn.execute(sqlx::AssertSqlSafe(format!(
                                "PRAGMA journal_size_limit = {WAL_LIMIT_BYTES}"
                            )))
                            .await?;
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
                if let Some(wal) = wal_file(&url) {
                    tokio::spawn(keep_wal_bounded(
                        pool.clone(),
                        url.clone(),
                        writer.clone(),
                        wal,
                    ));
                }
                pool
            }
            Backend::Postgres => options.max_connections(16).connect(url).await?,
        };
        Ok(Self {
            pool,
            backend,
            writer,
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
                // A bulk load leaves a long log behind: copy it back and empty it now.
                if !truncate_wal(&mut conn, &self.writer).await? {
                    tracing::warn!(
                        "readers kept the write-ahead log from being emptied after the load"
                    );
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

    /// Closes the pool. On SQLite the write-ahead log is first copied back and emptied, so
    /// that a clean stop leaves no log behind even while another process keeps the
    /// database open.
    pub async fn close(&self) {
        if self.backend == Backend::Sqlite && !self.pool.is_closed() {
            match self.pool.acquire().await {
                Ok(mut conn) => match truncate_wal(&mut conn, &self.writer).await {
                    Ok(true) => {}
                    Ok(false) => tracing::warn!(
                        "readers kept the write-ahead log from being emptied at close"
                    ),
                    Err(e) => {
                        tracing::warn!(error = %e, "the write-ahead log could not be emptied at close")
                    }
                },
                Err(e) => tracing::warn!(error = %e, "no connection to empty the write-ahead log"),
            }
        }
        self.pool.close().await;
    }
}

/// The largest the SQLite write-ahead log may grow before a full checkpoint is forced, and
/// the size its file is cut back to when SQLite restarts it.
const WAL_LIMIT_BYTES: u64 = 16 * 1024 * 1024;
/// How often the log's size is looked at.
const WAL_CHECK_EVERY: Duration = Duration::from_millis(250);
/// How long the background checkpoint waits for readers, holding the writers back: a
/// long read (an export, a backup) must not stall every writer for the busy timeout.
const WAL_CHECKPOINT_WAIT_MS: u64 = 200;
/// The longest pause between forced checkpoints that readers kept from finishing.
const WAL_MOST_BACKOFF: Duration = Duration::from_secs(16);

/// The write-ahead log beside the database file of a `sqlite:` URL (none in memory).
fn wal_file(url: &str) -> Option<std::path::PathBuf> {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path.contains(":memory:") {
        return None;
    }
    Some(std::path::PathBuf::from(format!("{path}-wal")))
}

/// Keeps the write-ahead log under `WAL_LIMIT_BYTES` until the pool closes. The automatic
/// checkpoint of each filled log copies frames back, but SQLite can only restart the log
/// from its beginning when no reader still uses it, and under a steady stream of reads it
/// never gets that moment: the log grows without end. When it passes the limit, this task
/// takes the writers' turn (so that no writer of this process adds to it) and runs a
/// TRUNCATE checkpoint, which waits for the readers of older frames to finish, copies
/// everything back and empties the file. It runs on a connection of its own that never
/// holds an open statement (a checkpoint from a connection inside a transaction fails with
/// "database table is locked").
async fn keep_wal_bounded(
    pool: AnyPool,
    url: String,
    writer: std::sync::Arc<tokio::sync::Mutex<()>>,
    wal: std::path::PathBuf,
) {
    let mut own: Option<sqlx::AnyConnection> = None;
    let mut backoff = Duration::ZERO;
    loop {
        tokio::time::sleep(WAL_CHECK_EVERY + backoff).await;
        if pool.is_closed() {
            if let Some(conn) = own.take() {
                let _ = sqlx::Connection::close(conn).await;
            }
            return;
        }
        if std::fs::metadata(&wal).map_or(0, |m| m.len()) <= WAL_LIMIT_BYTES {
            continue;
        }
        if own.is_none() {
            match checkpoint_connection(&url).await {
                Ok(conn) => own = Some(conn),
                Err(e) => {
                    tracing::warn!(error = %e, "no connection for the write-ahead log checkpoint");
                    continue;
                }
            }
        }
        let Some(conn) = own.as_mut() else { continue };
        match truncate_wal(conn, &writer).await {
            Ok(true) => backoff = Duration::ZERO,
            Ok(false) => {
                // Readers held old frames: try again later, less and less often.
                if backoff == WAL_MOST_BACKOFF {
                    tracing::warn!(
                        bytes = std::fs::metadata(&wal).map_or(0, |m| m.len()),
                        "the write-ahead log stays above its limit: long reads keep it from being emptied"
                    );
                }
                backoff = (backoff * 2).clamp(WAL_CHECK_EVERY, WAL_MOST_BACKOFF);
            }
            Err(e) => {
                tracing::warn!(error = %e, "write-ahead log checkpoint failed");
                own = None;
            }
        }
    }
}

async fn checkpoint_connection(url: &str) -> Result<sqlx::AnyConnection, sqlx::Error> {
    use sqlx::Connection as _;
    let mut conn = sqlx::AnyConnection::connect(url).await?;
    conn.execute(sqlx::AssertSqlSafe(format!(
        "PRAGMA busy_timeout = {WAL_CHECKPOINT_WAIT_MS}"
    )))
    .await?;
    Ok(conn)
}

/// Copies the whole log back into the database file and empties it, with the writers of
/// this process held back meanwhile. Readers of older frames are waited for as long as the
/// connection's busy timeout; `false` when they outlasted it (nothing is lost: the log
/// is emptied another time).
async fn truncate_wal(
    conn: &mut sqlx::AnyConnection,
    writer: &tokio::sync::Mutex<()>,
) -> Result<bool, StoreError> {
    let _turn = writer.lock().await;
    let row = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .fetch_one(&mut *conn)
        .await?;
    let busy: i64 = sqlx::Row::try_get(&row, 0)?;
    Ok(busy == 0)
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
    // Most releases end no transaction (a single statement on the pool): nothing to wait
    // for. Asking the connection's thread every time cost SQLite about a third of its
    // request rate (docs/performance.md).
    if !conn.is_in_transaction() {
        return Ok(true);
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wal_file_is_found_beside_the_database_file() {
        assert_eq!(
            wal_file("sqlite:///srv/yoldash/yoldash.db?mode=rwc"),
            Some("/srv/yoldash/yoldash.db-wal".into())
        );
        assert_eq!(
            wal_file("sqlite://data/yoldash.db"),
            Some("data/yoldash.db-wal".into())
        );
        assert_eq!(wal_file("sqlite::memory:"), None);
        assert_eq!(wal_file("postgres://localhost/yoldash"), None);
    }
}
