//! The directory: regions, organisations, active reference items and case workers — the
//! slowly changing lists that every case page reads — kept in memory between writes.
//!
//! A unit of work that commits in this process drops the copy at once; another server's
//! change (several application servers on PostgreSQL) shows within `FRESH_FOR`.

use crate::organisations::{Organisation, parse_id};
use crate::reference_lists::{COLUMNS as ITEM_COLUMNS, ItemRow, ReferenceItem};
use crate::regions::Region;
use crate::{Store, StoreError};
use sqlx::Row;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// How long a copy is used before it is read again, for changes made by other servers.
pub const FRESH_FOR: Duration = Duration::from_secs(5);

/// One consistent copy of the lists.
#[derive(Debug, Default)]
pub struct Directory {
    /// Every region, by code.
    pub regions: Vec<Region>,
    /// Every organisation, active or not, by code.
    pub organisations: Vec<Organisation>,
    /// Active reference items of every list, in their order.
    items: HashMap<String, Vec<ReferenceItem>>,
    /// Active case workers and supervisors of each organisation, by name.
    workers: HashMap<Uuid, Vec<(Uuid, String)>>,
    /// The names of the active supervisors of each organisation: who takes the supervisor
    /// decisions a case worker is sent to.
    supervisors: HashMap<Uuid, Vec<String>>,
}

impl Directory {
    pub fn organisation(&self, id: Uuid) -> Option<&Organisation> {
        self.organisations.iter().find(|o| o.id == id)
    }

    /// The active items of a reference list (empty for an unknown list).
    pub fn items(&self, list: &str) -> &[ReferenceItem] {
        self.items.get(list).map_or(&[], Vec::as_slice)
    }

    /// The active case workers and supervisors of an organisation, by name.
    pub fn case_workers(&self, org_id: Uuid) -> &[(Uuid, String)] {
        self.workers.get(&org_id).map_or(&[], Vec::as_slice)
    }

    /// The names of an organisation's active supervisors.
    pub fn supervisors(&self, org_id: Uuid) -> &[String] {
        self.supervisors.get(&org_id).map_or(&[], Vec::as_slice)
    }
}

/// The cached copy and what it was read at.
#[derive(Default)]
pub(crate) struct DirectoryCache {
    /// Moves on at every commit of a unit of work in this process.
    generation: AtomicU64,
    copy: RwLock<Option<(u64, Instant, Arc<Directory>)>>,
    /// One reader at a time refreshes the copy; the others wait for it.
    loading: tokio::sync::Mutex<()>,
}

impl DirectoryCache {
    fn fresh(&self) -> Option<Arc<Directory>> {
        let copy = self.copy.read().unwrap_or_else(|e| e.into_inner());
        let (generation, at, dir) = copy.as_ref()?;
        (*generation == self.generation.load(Ordering::Acquire) && at.elapsed() < FRESH_FOR)
            .then(|| dir.clone())
    }

    /// Called after a unit of work commits: the next reader reads the lists again.
    pub(crate) fn changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }
}

impl Store {
    /// The current directory: from memory when fresh, else read (by one caller at a time).
    pub async fn directory(&self) -> Result<Arc<Directory>, StoreError> {
        if let Some(dir) = self.directory.fresh() {
            return Ok(dir);
        }
        let _loading = self.directory.loading.lock().await;
        if let Some(dir) = self.directory.fresh() {
            return Ok(dir);
        }
        // The generation is taken before reading: a commit during the read makes the copy
        // stale at once instead of hiding the change.
        let generation = self.directory.generation.load(Ordering::Acquire);
        let dir = Arc::new(self.read_directory().await?);
        *self
            .directory
            .copy
            .write()
            .unwrap_or_else(|e| e.into_inner()) = Some((generation, Instant::now(), dir.clone()));
        Ok(dir)
    }

    async fn read_directory(&self) -> Result<Directory, StoreError> {
        let regions = self.regions().await?;
        let organisations = self.organisations().await?;
        let sql = format!(
            "SELECT {ITEM_COLUMNS} FROM reference_items WHERE retired_at IS NULL ORDER BY list, sort_order, code"
        );
        let rows: Vec<ItemRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.db.pool)
            .await?;
        let mut items: HashMap<String, Vec<ReferenceItem>> = HashMap::new();
        for row in rows {
            let item = ReferenceItem::try_from(row)?;
            items.entry(item.list.clone()).or_default().push(item);
        }
        // One row per role: a supervisor who is also a case worker comes twice, side by side.
        let rows = sqlx::query(
            "SELECT u.id, u.org_id, u.display_name, r.role FROM users u JOIN user_roles r ON r.user_id = u.id \
             WHERE r.role IN ('case_worker', 'supervisor') AND u.active = 1 ORDER BY u.display_name, u.id, r.role",
        )
        .fetch_all(&self.db.pool)
        .await?;
        let mut workers: HashMap<Uuid, Vec<(Uuid, String)>> = HashMap::new();
        let mut supervisors: HashMap<Uuid, Vec<String>> = HashMap::new();
        for r in rows {
            let org = parse_id(&r.try_get::<String, _>("org_id")?)?;
            let id = parse_id(&r.try_get::<String, _>("id")?)?;
            let name: String = r.try_get("display_name")?;
            if r.try_get::<String, _>("role")? == "supervisor" {
                supervisors.entry(org).or_default().push(name.clone());
            }
            let of_org = workers.entry(org).or_default();
            if of_org.last().is_none_or(|(last, _)| *last != id) {
                of_org.push((id, name));
            }
        }
        Ok(Directory {
            regions,
            organisations,
            items,
            workers,
            supervisors,
        })
    }
}
