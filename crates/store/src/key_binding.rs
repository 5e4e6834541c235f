//! Which key ring a database belongs to: the identity it records, and the checks that keep
//! a missing, foreign or outdated key file away from existing data.
//!
//! The database records the ring's id and check value (`KeyRing::identity`, which helps
//! nobody decrypt anything) and the data key new values are encrypted under. A start with
//! another ring, or with a copy of the ring from before or after a key rotation, is refused
//! before anything is read or written with it. A database written before the identity was
//! recorded is bound the first time a key ring is shown to open its data.

use crate::db::{Backend, Database};
use crate::encrypted::ENCRYPTED_COLUMNS;
use crate::time::now_micros;
use crate::{Store, StoreError};
use sqlx::{AnyConnection, Connection, Row};
use yoldash_keyring::{FieldContext, KeyRing, KeyRingError};

/// The settings rows that hold the binding.
const RING_ID: &str = "keyring.id";
const RING_CHECK: &str = "keyring.check";
const DATA_KEY: &str = "keyring.data_key";

/// What a database holds, read over one plain connection that creates nothing: no table,
/// no migration, no journal mode change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseState {
    /// The newest migration applied (0 when the database has no Yoldash schema).
    pub level: i64,
    /// Whether anything was ever written: accounts, organisations or audit entries.
    pub holds_data: bool,
    /// The key ring the database belongs to, once recorded.
    pub binding: Option<Binding>,
}

/// A database's recorded key ring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub ring_id: String,
    pub check: String,
    /// The data key new values are encrypted under (updated by a key rotation).
    pub data_key: Option<u32>,
}

/// Why a key ring may not open a database. The messages name ring ids, never keys.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyMismatch {
    /// The database records another ring.
    #[error(
        "wrong key file: this database belongs to key ring {database}, but the key file holds key ring {key_file}"
    )]
    Foreign { database: String, key_file: String },
    /// The ring's id matches but its check value does not (an edited key file).
    #[error(
        "wrong key file: this database belongs to key ring {database}; the key file claims that id but its keys differ"
    )]
    Altered { database: String },
    /// The same ring, copied before (or after) a key rotation: it lacks the current data key.
    #[error(
        "outdated key file: this database's values are encrypted under data key {needed} of key ring {ring}, which the key file does not hold (it has {held:?}); use the key file saved by the last `yoldash key rotate`"
    )]
    Outdated {
        ring: String,
        needed: u32,
        held: Vec<u32>,
    },
    /// A database with data and no recorded ring, whose data this ring cannot open.
    #[error(
        "wrong key file: it does not open this database's data ({evidence}); the database was written with another key ring"
    )]
    DoesNotOpen { evidence: &'static str },
}

/// How a ring was found to fit a database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// The database records this ring.
    Recorded,
    /// The database records no ring and holds no data yet.
    Empty,
    /// The database records no ring; its data opens with this one (shown by decrypting
    /// stored values or checking audit entries).
    Opens,
}

impl DatabaseState {
    /// Reads the state of the database at `url` over a connection of its own, closed
    /// before returning. An SQLite URL must not ask for the file to be created.
    pub async fn read(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = backend_of(url)?;
        let mut conn = AnyConnection::connect(url).await?;
        let state = Self::read_on(&mut conn, backend).await;
        conn.close().await.ok();
        state
    }

    async fn read_on(conn: &mut AnyConnection, backend: Backend) -> Result<Self, StoreError> {
        if !table_exists(conn, backend, "schema_migrations").await? {
            return Ok(Self {
                level: 0,
                holds_data: false,
                binding: None,
            });
        }
        let level: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
                .fetch_one(&mut *conn)
                .await?;
        if level == 0 || !table_exists(conn, backend, "settings").await? {
            return Ok(Self {
                level,
                holds_data: false,
                binding: None,
            });
        }
        // Every change is audited, and nothing is stored without an organisation and an
        // account; these three tables answer "was anything written" in three index probes.
        let holds_data: i64 = sqlx::query_scalar(
            "SELECT CAST(CASE WHEN EXISTS (SELECT 1 FROM audit_log) OR EXISTS (SELECT 1 FROM users) \
             OR EXISTS (SELECT 1 FROM organisations) THEN 1 ELSE 0 END AS BIGINT)",
        )
        .fetch_one(&mut *conn)
        .await?;
        let holds_data = holds_data == 1;
        let rows = sqlx::query("SELECT key, value FROM settings WHERE key IN ($1, $2, $3)")
            .bind(RING_ID)
            .bind(RING_CHECK)
            .bind(DATA_KEY)
            .fetch_all(&mut *conn)
            .await?;
        let value = |name: &str| {
            rows.iter()
                .find(|r| r.try_get::<String, _>("key").ok().as_deref() == Some(name))
                .and_then(|r| r.try_get::<String, _>("value").ok())
        };
        let binding = match (value(RING_ID), value(RING_CHECK)) {
            (Some(ring_id), Some(check)) => Some(Binding {
                ring_id,
                check,
                data_key: value(DATA_KEY).and_then(|v| v.parse().ok()),
            }),
            _ => None,
        };
        Ok(Self {
            level,
            holds_data: holds_data || binding.is_some(),
            binding,
        })
    }
}

fn backend_of(url: &str) -> Result<Backend, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else {
        Err(StoreError::UnsupportedUrl)
    }
}

async fn table_exists(
    conn: &mut AnyConnection,
    backend: Backend,
    table: &str,
) -> Result<bool, StoreError> {
    let sql = match backend {
        Backend::Sqlite => "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1",
        Backend::Postgres => {
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1"
        }
    };
    let n: i64 = sqlx::query_scalar(sql)
        .bind(table)
        .fetch_one(&mut *conn)
        .await?;
    Ok(n > 0)
}

/// Whether `ring` may open a database in `state` (no writes). A recorded binding is
/// compared; without one, a database with data must show that the ring opens it.
pub async fn check(
    db: &Database,
    ring: &KeyRing,
    state: &DatabaseState,
) -> Result<Result<Fit, KeyMismatch>, StoreError> {
    if let Some(binding) = &state.binding {
        return Ok(binding.admits(ring).map(|()| Fit::Recorded));
    }
    if !state.holds_data {
        return Ok(Ok(Fit::Empty));
    }
    Ok(probe(db, ring).await?.map(|()| Fit::Opens))
}

impl Binding {
    /// Whether `ring` is the recorded one and holds the data key new values are under.
    pub fn admits(&self, ring: &KeyRing) -> Result<(), KeyMismatch> {
        let binding = self;
        let mine = ring.identity();
        if mine.id != binding.ring_id {
            return Err(KeyMismatch::Foreign {
                database: binding.ring_id.clone(),
                key_file: mine.id,
            });
        }
        if !bool::from(subtle::ConstantTimeEq::ct_eq(
            mine.check.as_bytes(),
            binding.check.as_bytes(),
        )) {
            return Err(KeyMismatch::Altered {
                database: binding.ring_id.clone(),
            });
        }
        if let Some(needed) = binding.data_key
            && !ring.key_ids().contains(&needed)
        {
            return Err(KeyMismatch::Outdated {
                ring: binding.ring_id.clone(),
                needed,
                held: ring.key_ids(),
            });
        }
        Ok(())
    }
}

/// Shows that `ring` opens the data of a database that records no ring: one stored value
/// of each encrypted column must decrypt; when nothing is encrypted yet, the oldest or the
/// newest audit entry must carry a MAC under the ring's audit key.
async fn probe(db: &Database, ring: &KeyRing) -> Result<Result<(), KeyMismatch>, StoreError> {
    let mut decrypted = false;
    for (table, column) in ENCRYPTED_COLUMNS {
        let sql =
            format!("SELECT id, {column} AS v FROM {table} WHERE {column} IS NOT NULL LIMIT 1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_optional(&db.pool)
            .await?;
        let Some(row) = row else { continue };
        let id: String = row.try_get("id")?;
        let blob: Vec<u8> = row.try_get("v")?;
        let ctx = FieldContext {
            table,
            column,
            row_id: &id,
        };
        match ring.decrypt(&blob, &ctx) {
            Ok(_) => decrypted = true,
            Err(KeyRingError::Decrypt | KeyRingError::UnknownKey(_)) => {
                return Ok(Err(KeyMismatch::DoesNotOpen {
                    evidence: "a stored encrypted value does not decrypt with it",
                }));
            }
            Err(e) => return Err(e.into()),
        }
    }
    if decrypted {
        return Ok(Ok(()));
    }
    let ends: Vec<crate::audit::StoredEntry> = sqlx::query_as(
        "SELECT seq, id, at, actor_user_id, actor_org_id, action, object_type, object_id, request_id, detail, prev_mac, mac \
         FROM audit_log WHERE seq = (SELECT MIN(seq) FROM audit_log) OR seq = (SELECT MAX(seq) FROM audit_log)",
    )
    .fetch_all(&db.pool)
    .await?;
    if ends.is_empty() {
        return Ok(Ok(()));
    }
    let macs = |e: &crate::audit::StoredEntry| {
        hex::encode(ring.audit_mac(&crate::audit::canonical(e))) == e.mac
    };
    if ends.iter().any(macs) {
        Ok(Ok(()))
    } else {
        Ok(Err(KeyMismatch::DoesNotOpen {
            evidence: "audit entries do not verify under its audit key",
        }))
    }
}

/// Records the store's ring as the database's, unless one is recorded already; then
/// compares with what is recorded, so that of two servers binding one new database with
/// different rings at once, the second is refused.
pub async fn record(store: &Store) -> Result<Result<(), KeyMismatch>, StoreError> {
    let identity = store.keys().identity();
    let now = now_micros();
    let mut tx = store.db.begin_write().await?;
    for (key, value) in [
        (RING_ID, identity.id.clone()),
        (RING_CHECK, identity.check.clone()),
        (DATA_KEY, store.keys().current_key_id().to_string()),
    ] {
        sqlx::query(
            "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(value)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    let recorded = binding_of(store).await?;
    Ok(match recorded {
        Some(b) => b.admits(store.keys()),
        None => Err(KeyMismatch::DoesNotOpen {
            evidence: "the database did not keep the key ring's identity",
        }),
    })
}

/// After a key rotation has saved the new ring: records its current data key as the one
/// new values are encrypted under, so that an older copy of the key file is refused.
pub async fn record_data_key(store: &Store, ring: &KeyRing) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    )
    .bind(DATA_KEY)
    .bind(ring.current_key_id().to_string())
    .bind(now_micros())
    .execute(&store.db.pool)
    .await?;
    Ok(())
}

async fn binding_of(store: &Store) -> Result<Option<Binding>, StoreError> {
    Ok(
        match (
            store.setting(RING_ID).await?,
            store.setting(RING_CHECK).await?,
        ) {
            (Some(ring_id), Some(check)) => Some(Binding {
                ring_id,
                check,
                data_key: store.setting(DATA_KEY).await?.and_then(|v| v.parse().ok()),
            }),
            _ => None,
        },
    )
}
