//! Searching and summarising the audit log for the administration screens.
//!
//! `search` pages through the log newest first (keyset paging on `seq`), joined with the
//! acting user and organisation; the alert queries find bursts of entries by one account in
//! a sliding window and list rare, sensitive actions; `append_many` adds a batch of entries
//! with given times to the chain (benchmarks and tests).

use crate::audit::{ACTIONS, Action, AuditEntry, AuditHead, append_all, mirror_head};
use crate::db::{Value, bind_all};
use crate::{Store, StoreError};
use sqlx::Row;
use std::collections::HashMap;
use uuid::Uuid;

/// The action stored as `name`, if it is one.
pub fn action_named(name: &str) -> Option<Action> {
    ACTIONS.into_iter().find(|a| a.as_str() == name)
}

/// What to look for in the log. Every filter that is set must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor_user_id: Option<Uuid>,
    pub actor_org_id: Option<Uuid>,
    pub action: Option<Action>,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    /// Entries at or after this time (microseconds since the epoch).
    pub from: Option<i64>,
    /// Entries strictly before this time.
    pub until: Option<i64>,
}

impl AuditFilter {
    /// The names of the filters that are set (for an export's audit entry: which filters,
    /// never their values).
    pub fn names(&self) -> Vec<&'static str> {
        let mut names = Vec::new();
        let set = [
            (self.actor_user_id.is_some(), "user"),
            (self.actor_org_id.is_some(), "organisation"),
            (self.action.is_some(), "action"),
            (self.object_type.is_some(), "object_type"),
            (self.object_id.is_some(), "object_id"),
            (self.from.is_some(), "from"),
            (self.until.is_some(), "to"),
        ];
        for (on, name) in set {
            if on {
                names.push(name);
            }
        }
        names
    }
}

/// One entry as the audit screens show it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    pub seq: i64,
    pub at: i64,
    pub actor_user_id: Option<String>,
    pub actor_email: Option<String>,
    pub actor_name: Option<String>,
    pub org_code: Option<String>,
    pub action: String,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub request_id: Option<String>,
    pub detail: Option<String>,
    pub mac: String,
}

/// The `WHERE` conditions of a filter (fixed fragments) and the values they bind, numbered
/// from `$first`.
fn conditions(filter: &AuditFilter, first: usize) -> (String, Vec<Value>) {
    let mut sql = String::new();
    let mut values = Vec::new();
    let mut add = |fragment: &str, value: Value| {
        values.push(value);
        sql.push_str(&format!(" AND {fragment} ${}", first + values.len() - 1));
    };
    if let Some(u) = filter.actor_user_id {
        add("a.actor_user_id =", Value::Text(u.to_string()));
    }
    if let Some(o) = filter.actor_org_id {
        add("a.actor_org_id =", Value::Text(o.to_string()));
    }
    if let Some(a) = filter.action {
        add("a.action =", Value::Text(a.as_str().to_string()));
    }
    if let Some(t) = &filter.object_type {
        add("a.object_type =", Value::Text(t.clone()));
    }
    if let Some(i) = &filter.object_id {
        add("a.object_id =", Value::Text(i.clone()));
    }
    if let Some(from) = filter.from {
        add("a.at >=", Value::Int(from));
    }
    if let Some(until) = filter.until {
        add("a.at <", Value::Int(until));
    }
    (sql, values)
}

const ROW_COLUMNS: &str = "a.seq, a.at, a.actor_user_id, u.email AS actor_email, \
     u.display_name AS actor_name, o.code AS org_code, a.action, a.object_type, a.object_id, \
     a.request_id, a.detail, a.mac";

const ROW_JOINS: &str = "FROM audit_log a \
     LEFT JOIN users u ON u.id = a.actor_user_id \
     LEFT JOIN organisations o ON o.id = a.actor_org_id";

/// Entries matching `filter`, newest first: those older than `before` (a `seq`) when given.
/// One query; every value is bound.
pub async fn search(
    store: &Store,
    filter: &AuditFilter,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditRow>, StoreError> {
    let (conds, mut values) = conditions(filter, 1);
    let mut sql = format!("SELECT {ROW_COLUMNS} {ROW_JOINS} WHERE 1 = 1{conds}");
    if let Some(b) = before {
        values.push(Value::Int(b));
        sql.push_str(&format!(" AND a.seq < ${}", values.len()));
    }
    values.push(Value::Int(limit.max(0)));
    sql.push_str(&format!(" ORDER BY a.seq DESC LIMIT ${}", values.len()));
    let q = bind_all!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), values);
    Ok(q.fetch_all(&store.db.pool).await?)
}

/// Where the page of `page_size` entries just newer than the page that starts below
/// `before` begins: `None` when there are no newer entries, `Some(None)` when the newer
/// page is the first one, `Some(Some(seq))` when it is the page below `seq`.
pub async fn newer_page(
    store: &Store,
    filter: &AuditFilter,
    before: i64,
    page_size: i64,
) -> Result<Option<Option<i64>>, StoreError> {
    let (conds, mut values) = conditions(filter, 1);
    values.push(Value::Int(before));
    let mut sql = format!(
        "SELECT a.seq FROM audit_log a WHERE 1 = 1{conds} AND a.seq >= ${}",
        values.len()
    );
    values.push(Value::Int(page_size + 1));
    sql.push_str(&format!(" ORDER BY a.seq ASC LIMIT ${}", values.len()));
    let q = bind_all!(
        sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)),
        values
    );
    let newer: Vec<i64> = q.fetch_all(&store.db.pool).await?;
    Ok(match newer.len() {
        0 => None,
        n if n as i64 <= page_size => Some(None),
        _ => Some(Some(newer[page_size as usize])),
    })
}

/// Whose entries a burst counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BurstKey {
    /// The acting user (reads by one user). Entries without an actor are not counted.
    Actor,
    /// The account an entry is about (failed sign-ins for one account); failed sign-ins
    /// for e-mail addresses that match no account are counted together.
    TargetUser,
}

/// More entries by (or about) one account within the window than the threshold allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Burst {
    /// `None` for sign-in attempts on e-mail addresses that match no account.
    pub user_id: Option<String>,
    pub email: Option<String>,
    pub display_name: Option<String>,
    /// The time of the burst's first entry.
    pub window_start: i64,
    /// The number of entries from the first one until the window closes.
    pub count: i64,
}

/// What makes a burst: more than `threshold` entries of `actions` for one account (by
/// `key`) within `window_micros`.
#[derive(Debug, Clone)]
pub struct BurstRule {
    pub actions: Vec<Action>,
    pub key: BurstKey,
    pub window_micros: i64,
    pub threshold: i64,
}

/// The placeholders `$first, …` for `n` values.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the unusual-events page asks for.
#[derive(Debug, Clone)]
pub struct AlertQuery {
    /// Entries at or after this time are examined.
    pub since: i64,
    pub rules: Vec<BurstRule>,
    /// Actions whose newest entries are listed.
    pub listed: Vec<Action>,
    /// At most this many entries of each listed action.
    pub limit: usize,
}

/// What the unusual-events page shows.
#[derive(Debug, Clone, Default)]
pub struct Alerts {
    /// The bursts of each rule (in the order of `AlertQuery::rules`), newest first.
    pub bursts: Vec<Vec<Burst>>,
    /// The newest entries of each listed action (in the order of `AlertQuery::listed`),
    /// newest first.
    pub listed: Vec<Vec<AuditRow>>,
}

/// Bursts and rare actions of the period, in bounded SQL: no query hands over more rows
/// than it finds bursts or listed entries, however large the log.
///
/// Bursts: the entries of a rule are counted per account and window-sized bucket
/// (`at / window`) in SQL, and only "candidate" buckets come back — those holding more
/// than the threshold together with the next bucket. A burst window starting in bucket k
/// lies within buckets k and k+1, so every burst is in a candidate's two buckets. Only
/// there are the exact times read (the actor index serves per-user ranges), and a
/// sliding window finds the bursts: each covers the window from its first entry, and the
/// account's next burst starts after it. Listed actions: the newest `limit` of each,
/// numbered per action in SQL.
pub async fn alerts(store: &Store, query: &AlertQuery) -> Result<Alerts, StoreError> {
    let mut found: Vec<(usize, String, i64, i64)> = Vec::new();
    for (i, rule) in query.rules.iter().enumerate() {
        for (who, start, count) in rule_bursts(store, query.since, rule).await? {
            found.push((i, who, start, count));
        }
    }
    let mut ids: Vec<String> = found
        .iter()
        .map(|f| f.1.clone())
        .filter(|w| !w.is_empty())
        .collect();
    ids.sort();
    ids.dedup();
    let people = users_by_id(store, &ids).await?;
    let mut bursts = vec![Vec::new(); query.rules.len()];
    for (i, who, window_start, count) in found {
        let person = people.get(&who);
        bursts[i].push(Burst {
            email: person.map(|p| p.0.clone()),
            display_name: person.map(|p| p.1.clone()),
            user_id: (!who.is_empty()).then_some(who),
            window_start,
            count,
        });
    }
    for list in &mut bursts {
        list.sort_by(|a, b| {
            b.window_start
                .cmp(&a.window_start)
                .then_with(|| a.user_id.cmp(&b.user_id))
        });
    }
    let mut listed = vec![Vec::new(); query.listed.len()];
    if !query.listed.is_empty() && query.limit > 0 {
        let n = query.listed.len();
        let sql = format!(
            "SELECT {ROW_COLUMNS} FROM (\
               SELECT r.seq, ROW_NUMBER() OVER (PARTITION BY r.action ORDER BY r.at DESC, r.seq DESC) AS rn \
               FROM audit_log r WHERE r.at >= $1 AND r.action IN ({})\
             ) newest \
             JOIN audit_log a ON a.seq = newest.seq \
             LEFT JOIN users u ON u.id = a.actor_user_id \
             LEFT JOIN organisations o ON o.id = a.actor_org_id \
             WHERE newest.rn <= ${} ORDER BY a.at DESC, a.seq DESC",
            placeholders(2, n),
            n + 2
        );
        let mut q = sqlx::query_as::<_, AuditRow>(sqlx::AssertSqlSafe(sql)).bind(query.since);
        for a in &query.listed {
            q = q.bind(a.as_str());
        }
        let q = q.bind(query.limit as i64);
        for row in q.fetch_all(&store.db.pool).await? {
            if let Some(i) = query.listed.iter().position(|a| a.as_str() == row.action) {
                listed[i].push(row);
            }
        }
    }
    Ok(Alerts { bursts, listed })
}

/// The SQL naming the account an entry counts for under `key` ('' for none).
fn who_sql(key: BurstKey) -> &'static str {
    match key {
        BurstKey::Actor => "COALESCE(a.actor_user_id, '')",
        BurstKey::TargetUser => {
            "CASE WHEN a.object_type = 'user' THEN COALESCE(a.object_id, '') ELSE '' END"
        }
    }
}

/// One rule's bursts since `since`: (account, first entry, count).
async fn rule_bursts(
    store: &Store,
    since: i64,
    rule: &BurstRule,
) -> Result<Vec<(String, i64, i64)>, StoreError> {
    if rule.actions.is_empty() || rule.window_micros <= 0 {
        return Ok(Vec::new());
    }
    let who_expr = who_sql(rule.key);
    let n = rule.actions.len();
    let actor_only = if rule.key == BurstKey::Actor {
        " AND a.actor_user_id IS NOT NULL"
    } else {
        ""
    };
    let sql = format!(
        "SELECT who, bucket FROM (\
           SELECT who, bucket, n, \
                  LEAD(bucket) OVER (PARTITION BY who ORDER BY bucket) AS next_bucket, \
                  LEAD(n) OVER (PARTITION BY who ORDER BY bucket) AS next_n \
           FROM (\
             SELECT {who_expr} AS who, a.at / $2 AS bucket, COUNT(*) AS n FROM audit_log a \
             WHERE a.at >= $1 AND a.action IN ({}){actor_only} GROUP BY 1, 2\
           ) counted\
         ) paired \
         WHERE n > $3 OR (next_bucket = bucket + 1 AND n + next_n > $3) \
         ORDER BY who, bucket",
        placeholders(4, n)
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(since)
        .bind(rule.window_micros)
        .bind(rule.threshold);
    for a in &rule.actions {
        q = q.bind(a.as_str());
    }
    // Merged time ranges per account: [start, end).
    let mut regions: Vec<(String, i64, i64)> = Vec::new();
    for row in q.fetch_all(&store.db.pool).await? {
        let who: String = row.try_get("who")?;
        let bucket: i64 = row.try_get("bucket")?;
        let start = (bucket * rule.window_micros).max(since);
        let end = (bucket + 2) * rule.window_micros;
        match regions.last_mut() {
            Some(last) if last.0 == who && start <= last.2 => last.2 = last.2.max(end),
            _ => regions.push((who, start, end)),
        }
    }
    let mut out = Vec::new();
    for (who, start, end) in regions {
        let sql = format!(
            "SELECT a.at FROM audit_log a WHERE {} AND a.at >= $2 AND a.at < $3 \
             AND a.action IN ({}){actor_only} ORDER BY a.at",
            if rule.key == BurstKey::Actor {
                "a.actor_user_id = $1".to_string()
            } else {
                format!("{who_expr} = $1")
            },
            placeholders(4, n)
        );
        let mut q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
            .bind(who.clone())
            .bind(start)
            .bind(end);
        for a in &rule.actions {
            q = q.bind(a.as_str());
        }
        let times = q.fetch_all(&store.db.pool).await?;
        for (first, count) in windows_over(&times, rule.window_micros, rule.threshold) {
            out.push((who.clone(), first, count));
        }
    }
    Ok(out)
}

/// The bursts in one account's sorted times: (first entry, entries in the window from it)
/// for each window holding more than `threshold` entries, windows not overlapping.
fn windows_over(times: &[i64], window: i64, threshold: i64) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    let mut i = 0;
    let mut j = 0;
    while i < times.len() {
        let end = times[i].saturating_add(window);
        j = j.max(i);
        while j < times.len() && times[j] < end {
            j += 1;
        }
        let count = (j - i) as i64;
        if count > threshold {
            out.push((times[i], count));
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

/// E-mail and display name of the given user ids (ids that name no user are left out).
async fn users_by_id(
    store: &Store,
    ids: &[String],
) -> Result<HashMap<String, (String, String)>, StoreError> {
    let mut out = HashMap::new();
    // Bounded IN lists: both engines take far more, but a list stays a sensible size.
    for chunk in ids.chunks(500) {
        let sql = format!(
            "SELECT id, email, display_name FROM users WHERE id IN ({})",
            placeholders(1, chunk.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(id);
        }
        for row in q.fetch_all(&store.db.pool).await? {
            out.insert(
                row.try_get::<String, _>("id")?,
                (row.try_get("email")?, row.try_get("display_name")?),
            );
        }
    }
    Ok(out)
}

/// An entry to append with a given time (synthetic data for benchmarks and tests; the
/// application appends through `Unit::audit`, which stamps the current time).
#[derive(Debug, Clone)]
pub struct DatedEntry<'a> {
    pub at: i64,
    pub entry: AuditEntry<'a>,
}

/// Appends `entries` to the chain in one transaction, with the same MACs as
/// `audit::append`, then mirrors the new head. Returns the new head (`None` for an empty
/// batch).
pub async fn append_many(
    store: &Store,
    entries: &[DatedEntry<'_>],
) -> Result<Option<AuditHead>, StoreError> {
    if entries.is_empty() {
        return Ok(None);
    }
    let mut tx = store.db.begin_write().await?;
    let dated = entries.iter().map(|d| (d.at, d.entry.clone())).collect();
    let head = append_all(store, &mut tx, dated).await?;
    tx.commit().await?;
    // Committed: a head file that cannot be written is retried, not an error.
    let _ = mirror_head(store, head.clone()).await;
    Ok(Some(head))
}

/// What readers of the log call the objects of `rows`, by object id: a case's code, an
/// account's e-mail address, an organisation's code. Ids of records that no longer exist
/// are left out (the page shows the id). One statement per kind of record.
pub async fn object_names(
    store: &Store,
    rows: &[AuditRow],
) -> Result<HashMap<String, String>, StoreError> {
    let mut names = HashMap::new();
    for (object_type, table, column) in [
        ("case", "cases", "code"),
        ("user", "users", "email"),
        ("organisation", "organisations", "code"),
    ] {
        let mut ids: Vec<&str> = rows
            .iter()
            .filter(|r| r.object_type.as_deref() == Some(object_type))
            .filter_map(|r| r.object_id.as_deref())
            .filter(|id| Uuid::parse_str(id).is_ok())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            continue;
        }
        let marks: Vec<String> = (1..=ids.len()).map(|n| format!("${n}")).collect();
        // Fixed table and column names; the ids are bound.
        let sql = format!(
            "SELECT id, {column} AS name FROM {table} WHERE id IN ({})",
            marks.join(", ")
        );
        let values: Vec<Value> = ids.iter().map(|id| Value::Text(id.to_string())).collect();
        let query = bind_all!(sqlx::query(sqlx::AssertSqlSafe(sql)), values);
        for row in query.fetch_all(&store.db.pool).await? {
            names.insert(row.try_get("id")?, row.try_get("name")?);
        }
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_is_found_by_its_name() {
        for a in ACTIONS {
            assert_eq!(action_named(a.as_str()), Some(a));
        }
        assert_eq!(action_named("READ"), None);
        assert_eq!(action_named(""), None);
    }

    #[test]
    fn windows_count_more_than_the_threshold() {
        let minute = 60;
        // 4 entries within 10 minutes, then 2 more an hour later.
        let times = [0, minute, 2 * minute, 9 * minute, 70 * minute, 71 * minute];
        assert_eq!(windows_over(&times, 10 * minute, 3), vec![(0, 4)]);
        assert_eq!(windows_over(&times, 10 * minute, 4), vec![]);
        // The window is half-open: an entry exactly at its end starts the next one.
        assert_eq!(
            windows_over(&[0, 10, 20, 30], 10, 0),
            vec![(0, 1), (10, 1), (20, 1), (30, 1)]
        );
        assert_eq!(
            windows_over(&times, 10 * minute, 1),
            vec![(0, 4), (70 * minute, 2)]
        );
        assert!(windows_over(&[], 10, 0).is_empty());
    }

    #[test]
    fn conditions_bind_every_value_in_order() {
        let f = AuditFilter {
            actor_user_id: Some(Uuid::nil()),
            action: Some(Action::Read),
            object_id: Some("x' OR 1=1 --".into()),
            from: Some(5),
            until: Some(9),
            ..AuditFilter::default()
        };
        let (sql, values) = conditions(&f, 3);
        assert_eq!(
            sql,
            " AND a.actor_user_id = $3 AND a.action = $4 AND a.object_id = $5 AND a.at >= $6 AND a.at < $7"
        );
        assert_eq!(values.len(), 5);
        assert!(!sql.contains("OR 1=1"));
        assert_eq!(f.names(), vec!["user", "action", "object_id", "from", "to"]);
        assert!(AuditFilter::default().names().is_empty());
    }
}
