//! The region hierarchy, loaded from `data/regions.json` or imported by an administrator
//! from a spreadsheet.

use crate::audit::{Action, AuditEntry};
use crate::organisations::parse_id;
use crate::time::now_micros;
use crate::{Store, StoreError, Tx, Unit};
use serde::Serialize;
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;
use yoldash_domain::Actor;
use yoldash_domain::region::{
    ImportMode, RegionRecord, RegionRow, RowProblem, check_import, order_hierarchy,
};

/// The regions shipped with the binary.
pub const SHIPPED: &str = include_str!("../../../data/regions.json");

/// What a region import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionImport {
    /// Data rows in the file.
    pub rows: usize,
    pub added: usize,
    pub updated: usize,
    /// Rows not written: the bad ones, or every row when nothing was written.
    pub skipped: usize,
    /// Every problem found, by line.
    pub problems: Vec<RowProblem>,
    /// Rows with at least one problem.
    pub bad_rows: usize,
    /// Whether anything was written (false when an all-or-nothing import had bad rows).
    pub written: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Region {
    pub id: Uuid,
    pub code: String,
    pub parent_id: Option<Uuid>,
    pub level: String,
    pub names: BTreeMap<String, String>,
}

impl Region {
    /// The name in a language, falling back to English, then to the code.
    pub fn name_in(&self, lang: &str) -> &str {
        self.names
            .get(lang)
            .filter(|n| !n.is_empty())
            .or_else(|| self.names.get("en"))
            .map_or(self.code.as_str(), String::as_str)
    }
}

impl Store {
    pub(crate) async fn region_id_by_code(
        &self,
        tx: &mut Tx,
        code: &str,
    ) -> Result<Option<Uuid>, StoreError> {
        let id: Option<String> = sqlx::query_scalar("SELECT id FROM regions WHERE code = $1")
            .bind(code)
            .fetch_optional(&mut **tx)
            .await?;
        id.as_deref().map(parse_id).transpose()
    }

    /// Inserts or updates regions by code (names, level, parent); returns how many were
    /// new. The whole set is checked first (unique codes, parents known, no cycles), so a
    /// bad file changes nothing.
    pub async fn load_regions(&self, unit: &mut Unit<'_>, json: &str) -> Result<usize, StoreError> {
        let records: Vec<RegionRecord> =
            serde_json::from_str(json).map_err(|e| StoreError::DataFile(e.to_string()))?;
        let ordered = order_hierarchy(records)?;
        let (added, _) = self.upsert_regions(&mut unit.tx, &ordered, None).await?;
        Ok(added)
    }

    /// Inserts or updates regions by code, parents first; returns (added, updated). An
    /// update replaces the names in `languages` (all of them when `None`) and keeps the
    /// stored names in the other languages.
    async fn upsert_regions(
        &self,
        tx: &mut Tx,
        ordered: &[RegionRecord],
        languages: Option<&[&str]>,
    ) -> Result<(usize, usize), StoreError> {
        let (mut added, mut updated) = (0, 0);
        let now = now_micros();
        // Every stored region by code (id and names), read once: one statement per row.
        let mut stored: HashMap<String, (String, String)> = HashMap::new();
        for row in sqlx::query("SELECT id, code, names FROM regions")
            .fetch_all(&mut **tx)
            .await?
        {
            stored.insert(
                row.try_get("code")?,
                (row.try_get("id")?, row.try_get("names")?),
            );
        }
        for r in ordered {
            let parent = match &r.parent {
                Some(p) => Some(
                    stored
                        .get(p)
                        .map(|(id, _)| id.clone())
                        .ok_or(yoldash_domain::Invalid::new("parent", "unknown-parent"))?,
                ),
                None => None,
            };
            match stored.get(&r.code) {
                Some((id, stored_names)) => {
                    let mut names = r.names.clone();
                    if let Some(languages) = languages {
                        let stored_names: BTreeMap<String, String> =
                            serde_json::from_str(stored_names)
                                .map_err(|e| StoreError::DataFile(e.to_string()))?;
                        for (lang, name) in stored_names {
                            if !languages.contains(&lang.as_str()) {
                                names.entry(lang).or_insert(name);
                            }
                        }
                    }
                    let names = serde_json::to_string(&names).unwrap_or_default();
                    sqlx::query(
                        "UPDATE regions SET parent_id = $1, level = $2, names = $3, updated_at = $4, version = version + 1 WHERE id = $5",
                    )
                    .bind(parent)
                    .bind(&r.level)
                    .bind(&names)
                    .bind(now)
                    .bind(id)
                    .execute(&mut **tx)
                    .await?;
                    let id = id.clone();
                    stored.insert(r.code.clone(), (id, names));
                    updated += 1;
                }
                None => {
                    let id = Uuid::now_v7().to_string();
                    let names = serde_json::to_string(&r.names).unwrap_or_default();
                    sqlx::query(
                        "INSERT INTO regions (id, code, parent_id, level, names, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 1, $6, $6)",
                    )
                    .bind(&id)
                    .bind(&r.code)
                    .bind(parent)
                    .bind(&r.level)
                    .bind(&names)
                    .bind(now)
                    .execute(&mut **tx)
                    .await?;
                    stored.insert(r.code.clone(), (id, names));
                    added += 1;
                }
            }
        }
        Ok((added, updated))
    }

    /// Every stored region's code and parent code, read in the unit's transaction.
    async fn region_parents(
        &self,
        tx: &mut Tx,
    ) -> Result<HashMap<String, Option<String>>, StoreError> {
        let rows = sqlx::query(
            "SELECT r.code, p.code AS parent_code FROM regions r LEFT JOIN regions p ON p.id = r.parent_id",
        )
        .fetch_all(&mut **tx)
        .await?;
        rows.into_iter()
            .map(|r| Ok((r.try_get("code")?, r.try_get("parent_code")?)))
            .collect()
    }

    /// Imports regions from an administrator's file: every row is checked against the
    /// domain rules and the regions already stored (read in this transaction); regions with
    /// a code already stored are updated (names, level, parent), the others added; none is
    /// ever deleted. In `AllOrNothing` mode a single bad row means nothing is written; in
    /// `ValidRowsOnly` mode the good rows are written and the bad ones (with the rows under
    /// them) skipped. `languages` are the languages whose name column the file has: an
    /// updated region keeps its stored names in the others. One audit entry records the
    /// import with its counts.
    pub async fn import_regions(
        &self,
        unit: &mut Unit<'_>,
        actor: Option<&Actor>,
        rows: &[RegionRow],
        languages: &[&str],
        mode: ImportMode,
    ) -> Result<RegionImport, StoreError> {
        let existing = self.region_parents(&mut unit.tx).await?;
        let checked = check_import(rows, &existing);
        let write = checked.problems.is_empty() || mode == ImportMode::ValidRowsOnly;
        let (added, updated) = if write {
            self.upsert_regions(&mut unit.tx, &checked.valid, Some(languages))
                .await?
        } else {
            (0, 0)
        };
        let outcome = RegionImport {
            rows: rows.len(),
            added,
            updated,
            skipped: rows.len() - added - updated,
            problems: checked.problems,
            bad_rows: checked.bad_rows,
            written: write,
        };
        let mut entry = AuditEntry::by(actor, Action::Import).detail(format!(
            "mode={} rows={} added={} updated={} skipped={} bad_rows={}",
            mode.as_str(),
            outcome.rows,
            outcome.added,
            outcome.updated,
            outcome.skipped,
            outcome.bad_rows
        ));
        entry.object_type = Some("regions");
        unit.audit(entry).await?;
        Ok(outcome)
    }

    /// The regions with how many organisations name each as their region.
    pub async fn regions_with_usage(&self) -> Result<Vec<(Region, i64)>, StoreError> {
        let counts = sqlx::query(
            "SELECT region_id, COUNT(*) AS n FROM organisations WHERE region_id IS NOT NULL GROUP BY region_id",
        )
        .fetch_all(&self.db.pool)
        .await?;
        let mut by_region: HashMap<String, i64> = HashMap::new();
        for r in counts {
            by_region.insert(r.try_get("region_id")?, r.try_get("n")?);
        }
        Ok(self
            .regions()
            .await?
            .into_iter()
            .map(|r| {
                let n = by_region.get(&r.id.to_string()).copied().unwrap_or(0);
                (r, n)
            })
            .collect())
    }

    pub async fn regions(&self) -> Result<Vec<Region>, StoreError> {
        let rows =
            sqlx::query("SELECT id, code, parent_id, level, names FROM regions ORDER BY code")
                .fetch_all(&self.db.pool)
                .await?;
        rows.into_iter()
            .map(|r| {
                Ok(Region {
                    id: parse_id(&r.try_get::<String, _>("id")?)?,
                    code: r.try_get("code")?,
                    parent_id: r
                        .try_get::<Option<String>, _>("parent_id")?
                        .as_deref()
                        .map(parse_id)
                        .transpose()?,
                    level: r.try_get("level")?,
                    names: serde_json::from_str(&r.try_get::<String, _>("names")?)
                        .map_err(|e| StoreError::DataFile(e.to_string()))?,
                })
            })
            .collect()
    }
}
