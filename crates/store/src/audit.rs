//! The tamper-evident audit log: an HMAC chain over every entry, its head mirrored to a file.
//!
//! Each entry's MAC covers its own fields and the previous entry's MAC, keyed with the
//! audit key from the key ring (outside the database), so someone who can write to the
//! database can neither alter, remove nor reorder entries without `audit verify` noticing.
//! Cutting off the newest entries is caught by the head mirrored to a file in the data
//! directory. Entries never hold personal data: only who, what kind of object, which id.

use crate::db::{Backend, Tx};
use crate::time::now_micros;
use crate::{Store, StoreError};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use uuid::Uuid;
use yoldash_domain::Actor;

/// The `prev_mac` of the first entry.
pub const GENESIS: &str = "genesis";

/// PostgreSQL advisory-lock key that serialises appends across application servers.
pub(crate) const APPEND_LOCK: i64 = 0x0061_7564_6974;

/// Every action, for filters and pick-lists.
pub const ACTIONS: [Action; 21] = [
    Action::Login,
    Action::LoginFailed,
    Action::LoginThrottled,
    Action::Logout,
    Action::Create,
    Action::Update,
    Action::Delete,
    Action::Read,
    Action::List,
    Action::Export,
    Action::PasswordChange,
    Action::PasswordReset,
    Action::Disable,
    Action::TokenCreate,
    Action::TokenRevoke,
    Action::KeyRotate,
    Action::Backup,
    Action::Restore,
    Action::ConsentOverride,
    Action::Import,
    Action::AccessRefused,
];

/// What happened. Stored as these strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Login,
    LoginFailed,
    LoginThrottled,
    Logout,
    Create,
    Update,
    Delete,
    Read,
    List,
    Export,
    PasswordChange,
    PasswordReset,
    Disable,
    TokenCreate,
    TokenRevoke,
    KeyRotate,
    Backup,
    Restore,
    /// A referral or share made without the consent the rules ask for (an audited override).
    ConsentOverride,
    Import,
    /// A request for a record outside the caller's scope, answered 404.
    AccessRefused,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Login => "login",
            Action::LoginFailed => "login_failed",
            Action::LoginThrottled => "login_throttled",
            Action::Logout => "logout",
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
            Action::Read => "read",
            Action::List => "list",
            Action::Export => "export",
            Action::PasswordChange => "password_change",
            Action::PasswordReset => "password_reset",
            Action::Disable => "disable",
            Action::TokenCreate => "token_create",
            Action::TokenRevoke => "token_revoke",
            Action::KeyRotate => "key_rotate",
            Action::Backup => "backup",
            Action::Restore => "restore",
            Action::ConsentOverride => "consent_override",
            Action::Import => "import",
            Action::AccessRefused => "access_refused",
        }
    }
}

/// One entry to append.
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    pub actor_user_id: Option<Uuid>,
    pub actor_org_id: Option<Uuid>,
    pub action: Action,
    pub object_type: Option<&'a str>,
    pub object_id: Option<String>,
    pub request_id: Option<&'a str>,
    /// A non-personal note (a role list, a count, a reason code). Never names or contacts.
    pub detail: Option<String>,
}

impl<'a> AuditEntry<'a> {
    pub fn by(actor: Option<&Actor>, action: Action) -> Self {
        Self {
            actor_user_id: actor.map(|a| a.user_id),
            actor_org_id: actor.map(|a| a.org_id),
            action,
            object_type: None,
            object_id: None,
            request_id: None,
            detail: None,
        }
    }

    pub fn object(mut self, kind: &'a str, id: impl ToString) -> Self {
        self.object_type = Some(kind);
        self.object_id = Some(id.to_string());
        self
    }

    pub fn request(mut self, request_id: Option<&'a str>) -> Self {
        self.request_id = request_id;
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

/// The newest entry's position and MAC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditHead {
    pub seq: i64,
    pub mac: String,
}

/// A stored entry, as read back.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct StoredEntry {
    pub seq: i64,
    pub id: String,
    pub at: i64,
    pub actor_user_id: Option<String>,
    pub actor_org_id: Option<String>,
    pub action: String,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub request_id: Option<String>,
    pub detail: Option<String>,
    pub prev_mac: String,
    pub mac: String,
}

/// The bytes a MAC covers: every field, length-prefixed so that no two entries encode alike.
pub(crate) fn canonical(e: &StoredEntry) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    let mut put = |v: Option<&str>| match v {
        Some(s) => {
            out.extend_from_slice(&(s.len() as u32).to_be_bytes());
            out.extend_from_slice(s.as_bytes());
        }
        None => out.extend_from_slice(&u32::MAX.to_be_bytes()),
    };
    put(Some("yoldash-audit-v1"));
    put(Some(&e.seq.to_string()));
    put(Some(&e.id));
    put(Some(&e.at.to_string()));
    put(e.actor_user_id.as_deref());
    put(e.actor_org_id.as_deref());
    put(Some(&e.action));
    put(e.object_type.as_deref());
    put(e.object_id.as_deref());
    put(e.request_id.as_deref());
    put(e.detail.as_deref());
    put(Some(&e.prev_mac));
    out
}

pub(crate) fn mac_of(store: &Store, e: &StoredEntry) -> String {
    hex::encode(store.keys().audit_mac(&canonical(e)))
}

/// Appends an entry inside `tx`. Appends are serialised: on PostgreSQL by a transaction
/// advisory lock (several servers keep one chain), on SQLite by the write lock that every
/// write transaction takes at its start.
pub(crate) async fn append(
    store: &Store,
    tx: &mut Tx,
    entry: AuditEntry<'_>,
) -> Result<AuditHead, StoreError> {
    append_all(store, tx, vec![(now_micros(), entry)]).await
}

/// How many entries one INSERT statement carries (12 values each; well under both
/// engines' limits).
const ROWS_PER_INSERT: usize = 200;

/// Appends entries, each with its time (microseconds), in order inside `tx`, as `append`
/// does one: the chain's head is read once, each entry's MAC covers the one before, and the
/// rows go in by a few multi-row statements. Returns the new head (`entries` must not be
/// empty).
pub(crate) async fn append_all(
    store: &Store,
    tx: &mut Tx,
    entries: Vec<(i64, AuditEntry<'_>)>,
) -> Result<AuditHead, StoreError> {
    if store.backend() == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(APPEND_LOCK)
            .execute(&mut **tx)
            .await?;
    }
    let last = sqlx::query("SELECT seq, mac FROM audit_log ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut **tx)
        .await?;
    let (mut seq, mut prev_mac) = match last {
        Some(row) => (row.try_get::<i64, _>("seq")? + 1, row.try_get("mac")?),
        None => (1, GENESIS.to_string()),
    };
    let mut stored = Vec::with_capacity(entries.len());
    for (at, entry) in entries {
        let mut e = StoredEntry {
            seq,
            id: Uuid::now_v7().to_string(),
            at,
            actor_user_id: entry.actor_user_id.map(|u| u.to_string()),
            actor_org_id: entry.actor_org_id.map(|u| u.to_string()),
            action: entry.action.as_str().to_string(),
            object_type: entry.object_type.map(str::to_string),
            object_id: entry.object_id,
            request_id: entry
                .request_id
                .map(str::to_string)
                .or_else(crate::request::current_id),
            detail: entry.detail,
            prev_mac,
            mac: String::new(),
        };
        e.mac = mac_of(store, &e);
        prev_mac = e.mac.clone();
        seq += 1;
        stored.push(e);
    }
    for chunk in stored.chunks(ROWS_PER_INSERT) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| {
                let n: Vec<String> = (1..=12).map(|k| format!("${}", i * 12 + k)).collect();
                format!("({})", n.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO audit_log (seq, id, at, actor_user_id, actor_org_id, action, object_type, object_id, request_id, detail, prev_mac, mac) \
             VALUES {}",
            rows.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for e in chunk {
            q = q
                .bind(e.seq)
                .bind(&e.id)
                .bind(e.at)
                .bind(&e.actor_user_id)
                .bind(&e.actor_org_id)
                .bind(&e.action)
                .bind(&e.object_type)
                .bind(&e.object_id)
                .bind(&e.request_id)
                .bind(&e.detail)
                .bind(&e.prev_mac)
                .bind(&e.mac);
        }
        q.execute(&mut **tx).await?;
    }
    let head = stored
        .last()
        .ok_or(StoreError::Audit("no entry to append".into()))?;
    Ok(AuditHead {
        seq: head.seq,
        mac: head.mac.clone(),
    })
}

pub use crate::head_file::mirror_head;

/// Reads the mirrored head, if the file exists.
pub fn read_head_file(path: &std::path::Path) -> Result<Option<AuditHead>, StoreError> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| StoreError::Audit(format!("head file unreadable: {e}"))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The chain is intact: `entries` entries, the newest at `head`.
    Intact {
        entries: i64,
        head: Option<AuditHead>,
    },
    /// The first entry that does not check out, and why.
    Broken { seq: i64, reason: BreakReason },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakReason {
    /// The entry's fields do not match its MAC: it was edited.
    Altered,
    /// The entry does not follow its predecessor: one was removed or they were reordered.
    OutOfChain,
    /// The mirrored head names an entry that is no longer in the database, or differs.
    Truncated,
}

impl BreakReason {
    pub fn as_str(self) -> &'static str {
        match self {
            BreakReason::Altered => "altered",
            BreakReason::OutOfChain => "removed or reordered before this entry",
            BreakReason::Truncated => "newest entries removed (the head file names a later entry)",
        }
    }
}

/// Walks the whole chain in order, in pages, and checks it against the mirrored head.
pub async fn verify(store: &Store, head_file: Option<&AuditHead>) -> Result<Verdict, StoreError> {
    const PAGE: i64 = 5_000;
    let mut prev_mac = GENESIS.to_string();
    let mut expected_seq = 1;
    let mut count = 0;
    let mut last: Option<AuditHead> = None;
    let mut seen_head = false;
    loop {
        let page: Vec<StoredEntry> = sqlx::query_as(
            "SELECT seq, id, at, actor_user_id, actor_org_id, action, object_type, object_id, request_id, detail, prev_mac, mac \
             FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2",
        )
        .bind(expected_seq)
        .bind(PAGE)
        .fetch_all(&store.db.pool)
        .await?;
        if page.is_empty() {
            break;
        }
        for e in &page {
            if mac_of(store, e) != e.mac {
                return Ok(Verdict::Broken {
                    seq: e.seq,
                    reason: BreakReason::Altered,
                });
            }
            if e.seq != expected_seq || e.prev_mac != prev_mac {
                return Ok(Verdict::Broken {
                    seq: e.seq,
                    reason: BreakReason::OutOfChain,
                });
            }
            if let Some(h) = head_file
                && h.seq == e.seq
            {
                if h.mac != e.mac {
                    return Ok(Verdict::Broken {
                        seq: e.seq,
                        reason: BreakReason::Truncated,
                    });
                }
                seen_head = true;
            }
            prev_mac = e.mac.clone();
            expected_seq = e.seq + 1;
            count += 1;
            last = Some(AuditHead {
                seq: e.seq,
                mac: e.mac.clone(),
            });
        }
    }
    if let Some(h) = head_file
        && !seen_head
    {
        return Ok(Verdict::Broken {
            seq: h.seq,
            reason: BreakReason::Truncated,
        });
    }
    Ok(Verdict::Intact {
        entries: count,
        head: last,
    })
}

/// Filters for reading the log.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub actor_user_id: Option<Uuid>,
    pub action: Option<String>,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub limit: i64,
}

/// Newest entries first, filtered.
pub async fn recent(store: &Store, q: &AuditQuery) -> Result<Vec<StoredEntry>, StoreError> {
    let rows = sqlx::query_as(
        "SELECT seq, id, at, actor_user_id, actor_org_id, action, object_type, object_id, request_id, detail, prev_mac, mac \
         FROM audit_log \
         WHERE ($1 = '' OR actor_user_id = $1) AND ($2 = '' OR action = $2) \
           AND ($3 = '' OR object_type = $3) AND ($4 = '' OR object_id = $4) \
         ORDER BY seq DESC LIMIT $5",
    )
    .bind(q.actor_user_id.map(|u| u.to_string()).unwrap_or_default())
    .bind(q.action.clone().unwrap_or_default())
    .bind(q.object_type.clone().unwrap_or_default())
    .bind(q.object_id.clone().unwrap_or_default())
    .bind(if q.limit <= 0 { 100 } else { q.limit.min(10_000) })
    .fetch_all(&store.db.pool)
    .await?;
    Ok(rows)
}
