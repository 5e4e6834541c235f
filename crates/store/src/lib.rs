//! Yoldash storage: one codebase over SQLite and PostgreSQL — migrations, repositories,
//! the audit chain, sessions and tokens, field encryption through the key ring.

pub mod access_audit;
pub mod audit;
pub mod audit_search;
pub mod backup;
pub mod case_records;
pub mod cases;
pub mod db;
pub mod directory;
pub mod encrypted;
pub mod error;
mod head_file;
pub mod history;
pub mod key_binding;
pub mod migrate;
pub mod organisations;
pub mod passwords;
pub mod person_index;
pub mod persons;
pub mod reference_lists;
pub mod regions;
pub mod request;
pub mod second_factor;
pub mod sessions;
pub mod time;
pub mod tokens;
pub mod unit;
pub mod users;
pub mod view_audit;
pub mod visibility;

pub use db::{Backend, Database, Tx};
pub use error::StoreError;
pub use unit::Unit;

use std::path::PathBuf;
use std::sync::Arc;
use yoldash_keyring::KeyRing;

/// The tables that hold case data, and the audit log, which names cases: for maintenance
/// after a bulk load, and for tests that read all that is stored.
pub const CASE_TABLES: &[&str] = &[
    "persons",
    "person_index",
    "cases",
    "household_members",
    "consents",
    "identifications",
    "record_versions",
    "audit_log",
];

/// How long sessions live: idle expiry (no request for this long) and absolute expiry.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    pub idle_seconds: i64,
    pub absolute_seconds: i64,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        // 30 minutes idle (shared office computers), 12 hours absolute (a working day).
        Self {
            idle_seconds: 30 * 60,
            absolute_seconds: 12 * 60 * 60,
        }
    }
}

/// The store: the database, the key ring, and where the audit chain head is mirrored.
#[derive(Clone)]
pub struct Store {
    pub db: Database,
    keys: Arc<KeyRing>,
    audit_head_file: Option<PathBuf>,
    head: Arc<head_file::HeadMirror>,
    pub sessions: SessionPolicy,
    directory: Arc<directory::DirectoryCache>,
    views: Arc<view_audit::ViewAudits>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.db.backend)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// `audit_head_file` is where the newest audit entry's position and MAC are mirrored
    /// outside the database (normally `DATA_DIR/audit-head.json`).
    pub fn new(db: Database, keys: Arc<KeyRing>, audit_head_file: Option<PathBuf>) -> Self {
        Self {
            db,
            keys,
            audit_head_file,
            head: Default::default(),
            sessions: SessionPolicy::default(),
            directory: Default::default(),
            views: Default::default(),
        }
    }

    pub fn keys(&self) -> &KeyRing {
        &self.keys
    }

    pub fn backend(&self) -> Backend {
        self.db.backend
    }

    /// Opens a unit of work: a write transaction that collects audit entries and commits
    /// them together with the change.
    pub async fn unit(&self) -> Result<Unit<'_>, StoreError> {
        let turn = match self.db.backend {
            Backend::Sqlite => Some(self.db.writer.clone().lock_owned().await),
            Backend::Postgres => None,
        };
        Ok(Unit::new(self, self.db.begin_write().await?, turn))
    }
}

impl Store {
    /// The value of a row of `settings`, if there is one.
    pub(crate) async fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                .bind(key)
                .fetch_optional(&self.db.pool)
                .await?,
        )
    }

    /// Whether the database answers within `within` (for the health check). It reads a
    /// table, so that a SQLite file that cannot be read counts as down, and it gives up at
    /// the deadline instead of waiting for a connection: a database that hangs is down.
    pub async fn ping(&self, within: std::time::Duration) -> bool {
        let read =
            sqlx::query("SELECT MAX(version) FROM schema_migrations").fetch_one(&self.db.pool);
        matches!(tokio::time::timeout(within, read).await, Ok(Ok(_)))
    }
}
