//! The region hierarchy, loaded from `data/regions.json` (or an administrator's file).

use crate::organisations::parse_id;
use crate::time::now_micros;
use crate::{Store, StoreError, Tx, Unit};
use serde::Serialize;
use sqlx::Row;
use std::collections::BTreeMap;
use uuid::Uuid;
use yoldash_domain::region::{RegionRecord, order_hierarchy};

/// The regions shipped with the binary.
pub const SHIPPED: &str = include_str!("../../../data/regions.json");

#[derive(Debug, Clone, Serialize)]
pub struct Region {
    pub id: Uuid,
    pub code: String,
    pub parent_id: Option<Uuid>,
    pub level: String,
    pub names: BTreeMap<String, String>,
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
        let mut added = 0;
        let now = now_micros();
        for r in ordered {
            let parent = match &r.parent {
                Some(p) => self.region_id_by_code(&mut unit.tx, p).await?,
                None => None,
            };
            let names = serde_json::to_string(&r.names).unwrap_or_default();
            match self.region_id_by_code(&mut unit.tx, &r.code).await? {
                Some(id) => {
                    sqlx::query(
                        "UPDATE regions SET parent_id = $1, level = $2, names = $3, updated_at = $4, version = version + 1 WHERE id = $5",
                    )
                    .bind(parent.map(|p| p.to_string()))
                    .bind(&r.level)
                    .bind(names)
                    .bind(now)
                    .bind(id.to_string())
                    .execute(&mut *unit.tx)
                    .await?;
                }
                None => {
                    sqlx::query(
                        "INSERT INTO regions (id, code, parent_id, level, names, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 1, $6, $6)",
                    )
                    .bind(Uuid::now_v7().to_string())
                    .bind(&r.code)
                    .bind(parent.map(|p| p.to_string()))
                    .bind(&r.level)
                    .bind(names)
                    .bind(now)
                    .execute(&mut *unit.tx)
                    .await?;
                    added += 1;
                }
            }
        }
        Ok(added)
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
