//! Reference lists (service types and other picklists): stable codes, a label per language, retirement.
//!
//! Which lists exist is shipped with the binary (`data/reference-lists.json`, with the
//! items each list starts with); the items themselves live in `reference_items`, where
//! administrators add items, edit labels and sort order, and retire or restore them. An
//! item is never deleted: records keep pointing at its code, and `first_used_at` tells
//! that some record has used it.

use crate::audit::{Action, AuditEntry};
use crate::organisations::parse_id;
use crate::time::now_micros;
use crate::{Store, StoreError, Unit};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::OnceLock;
use uuid::Uuid;
use yoldash_domain::reference::{ItemCode, Labels, label_in};
use yoldash_domain::{Actor, Version};

/// The lists and their seed items shipped with the binary.
pub const SHIPPED: &str = include_str!("../../../data/reference-lists.json");

/// How far apart seed items are placed, leaving room to insert items between them.
pub const SORT_STEP: i64 = 10;

/// A reference list as shipped: its code, its name per language and its seed items.
#[derive(Debug, Clone, Deserialize)]
pub struct ReferenceList {
    pub code: ItemCode,
    pub names: BTreeMap<String, String>,
    pub items: Vec<SeedItem>,
}

impl ReferenceList {
    /// The list's name in a language, falling back to English.
    pub fn name_in(&self, lang: &str) -> &str {
        match label_in(&self.names, lang) {
            "" => self.code.as_str(),
            name => name,
        }
    }
}

/// An item a list starts with.
#[derive(Debug, Clone, Deserialize)]
pub struct SeedItem {
    pub code: ItemCode,
    pub labels: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct Catalogue {
    lists: Vec<ReferenceList>,
}

/// Parses a catalogue: list codes unique, item codes unique within their list, and every
/// item with an English label.
pub fn parse_catalogue(json: &str) -> Result<Vec<ReferenceList>, StoreError> {
    let bad = |m: String| StoreError::DataFile(format!("reference lists: {m}"));
    let c: Catalogue = serde_json::from_str(json).map_err(|e| bad(e.to_string()))?;
    let mut seen = std::collections::BTreeSet::new();
    for list in &c.lists {
        if !seen.insert(list.code.as_str()) {
            return Err(bad(format!("list {} appears twice", list.code)));
        }
        if list.names.get("en").is_none_or(|n| n.trim().is_empty()) {
            return Err(bad(format!("list {} has no English name", list.code)));
        }
        let mut items = std::collections::BTreeSet::new();
        for item in &list.items {
            if !items.insert(item.code.as_str()) {
                return Err(bad(format!("{}/{} appears twice", list.code, item.code)));
            }
            let typed: Vec<(&str, &str)> = item
                .labels
                .iter()
                .map(|(l, t)| (l.as_str(), t.as_str()))
                .collect();
            Labels::parse(&typed)
                .map_err(|_| bad(format!("{}/{} has a bad label", list.code, item.code)))?;
        }
    }
    Ok(c.lists)
}

/// The shipped lists, in the order the file gives them.
pub fn catalogue() -> &'static [ReferenceList] {
    static LISTS: OnceLock<Vec<ReferenceList>> = OnceLock::new();
    LISTS.get_or_init(|| {
        parse_catalogue(SHIPPED)
            .expect("data/reference-lists.json is valid (checked by a unit test)")
    })
}

/// One shipped list by its code.
pub fn list(code: &str) -> Option<&'static ReferenceList> {
    catalogue().iter().find(|l| l.code.as_str() == code)
}

/// An item of a reference list.
#[derive(Debug, Clone, Serialize)]
pub struct ReferenceItem {
    pub id: Uuid,
    pub list: String,
    pub code: String,
    pub labels: Labels,
    pub sort_order: i64,
    /// When it was retired (microseconds since the epoch); retired items are not offered
    /// for new records but stay readable on old ones.
    pub retired_at: Option<i64>,
    /// When a record first used it.
    pub first_used_at: Option<i64>,
    pub version: Version,
}

impl ReferenceItem {
    /// The label in a language, falling back to English.
    pub fn label(&self, lang: &str) -> &str {
        self.labels.get(lang)
    }

    pub fn is_retired(&self) -> bool {
        self.retired_at.is_some()
    }

    pub fn is_used(&self) -> bool {
        self.first_used_at.is_some()
    }
}

/// The label of an item in a language, falling back to English.
pub fn label<'a>(item: &'a ReferenceItem, lang: &str) -> &'a str {
    item.label(lang)
}

/// A new item.
#[derive(Debug, Clone)]
pub struct NewReferenceItem {
    pub code: ItemCode,
    pub labels: Labels,
    pub sort_order: i64,
}

/// An edit of an item: everything but its code, which never changes.
#[derive(Debug, Clone)]
pub struct ReferenceItemChange {
    pub labels: Labels,
    pub sort_order: i64,
}

/// How many items a list has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ItemCounts {
    pub active: i64,
    pub retired: i64,
}

#[derive(sqlx::FromRow)]
pub(crate) struct ItemRow {
    id: String,
    list: String,
    code: String,
    labels: String,
    sort_order: i64,
    retired_at: Option<i64>,
    first_used_at: Option<i64>,
    version: i64,
}

impl TryFrom<ItemRow> for ReferenceItem {
    type Error = StoreError;
    fn try_from(r: ItemRow) -> Result<Self, StoreError> {
        Ok(ReferenceItem {
            id: parse_id(&r.id)?,
            list: r.list,
            code: r.code,
            labels: Labels::from_stored(
                serde_json::from_str(&r.labels).map_err(|e| StoreError::DataFile(e.to_string()))?,
            ),
            sort_order: r.sort_order,
            retired_at: r.retired_at,
            first_used_at: r.first_used_at,
            version: Version(r.version),
        })
    }
}

pub(crate) const COLUMNS: &str =
    "id, list, code, labels, sort_order, retired_at, first_used_at, version";

fn known_list(code: &str) -> Result<&'static ReferenceList, StoreError> {
    list(code).ok_or(StoreError::NotFound)
}

impl Store {
    /// How many items are stored, in all lists.
    pub async fn reference_items_count(&self) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM reference_items")
                .fetch_one(&self.db.pool)
                .await?,
        )
    }

    /// Adds the shipped seed items that are not stored yet (by list and code); returns how
    /// many were added. An item already stored is left exactly as it is, so an
    /// administrator's edits and retirements are never overwritten.
    pub async fn seed_reference_lists(&self, unit: &mut Unit<'_>) -> Result<usize, StoreError> {
        let now = now_micros();
        let mut added = 0;
        for list in catalogue() {
            for (i, item) in list.items.iter().enumerate() {
                let exists: Option<String> = sqlx::query_scalar(
                    "SELECT id FROM reference_items WHERE list = $1 AND code = $2",
                )
                .bind(list.code.as_str())
                .bind(item.code.as_str())
                .fetch_optional(&mut *unit.tx)
                .await?;
                if exists.is_some() {
                    continue;
                }
                sqlx::query(
                    "INSERT INTO reference_items (id, list, code, labels, sort_order, retired_at, first_used_at, version, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, NULL, NULL, 1, $6, $6)",
                )
                .bind(Uuid::now_v7().to_string())
                .bind(list.code.as_str())
                .bind(item.code.as_str())
                .bind(serde_json::to_string(&item.labels).unwrap_or_default())
                .bind((i as i64 + 1) * SORT_STEP)
                .bind(now)
                .execute(&mut *unit.tx)
                .await?;
                added += 1;
            }
        }
        Ok(added)
    }

    /// A list's items in sort order (then by code); retired ones only when asked for.
    pub async fn reference_items(
        &self,
        list: &str,
        include_retired: bool,
    ) -> Result<Vec<ReferenceItem>, StoreError> {
        known_list(list)?;
        let only_active = if include_retired {
            ""
        } else {
            " AND retired_at IS NULL"
        };
        let sql = format!(
            "SELECT {COLUMNS} FROM reference_items WHERE list = $1{only_active} ORDER BY sort_order, code"
        );
        let rows: Vec<ItemRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(list)
            .fetch_all(&self.db.pool)
            .await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// One item by list and code.
    pub async fn reference_item(
        &self,
        list: &str,
        code: &str,
    ) -> Result<ReferenceItem, StoreError> {
        known_list(list)?;
        let sql = format!("SELECT {COLUMNS} FROM reference_items WHERE list = $1 AND code = $2");
        let row: ItemRow = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(list)
            .bind(code)
            .fetch_one(&self.db.pool)
            .await?;
        row.try_into()
    }

    /// Active and retired items per list code.
    pub async fn reference_item_counts(&self) -> Result<BTreeMap<String, ItemCounts>, StoreError> {
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT list, COUNT(*), COUNT(retired_at) FROM reference_items GROUP BY list",
        )
        .fetch_all(&self.db.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(list, all, retired)| {
                (
                    list,
                    ItemCounts {
                        active: all - retired,
                        retired,
                    },
                )
            })
            .collect())
    }

    /// The sort order that puts a new item after every item of the list.
    pub async fn next_sort_order(&self, list: &str) -> Result<i64, StoreError> {
        let max: Option<i64> =
            sqlx::query_scalar("SELECT MAX(sort_order) FROM reference_items WHERE list = $1")
                .bind(list)
                .fetch_one(&self.db.pool)
                .await?;
        Ok(max.map_or(SORT_STEP, |m| m + SORT_STEP))
    }

    /// Adds an item to a list. A code already in the list is refused (`Duplicate` on
    /// `code`), retired items included: codes are never reused.
    pub async fn create_reference_item(
        &self,
        unit: &mut Unit<'_>,
        actor: Option<&Actor>,
        list: &str,
        new: &NewReferenceItem,
    ) -> Result<ReferenceItem, StoreError> {
        known_list(list)?;
        let taken: Option<String> =
            sqlx::query_scalar("SELECT id FROM reference_items WHERE list = $1 AND code = $2")
                .bind(list)
                .bind(new.code.as_str())
                .fetch_optional(&mut *unit.tx)
                .await?;
        if taken.is_some() {
            return Err(StoreError::Duplicate { field: "code" });
        }
        let id = Uuid::now_v7();
        sqlx::query(
            "INSERT INTO reference_items (id, list, code, labels, sort_order, retired_at, first_used_at, version, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, NULL, NULL, 1, $6, $6)",
        )
        .bind(id.to_string())
        .bind(list)
        .bind(new.code.as_str())
        .bind(serde_json::to_string(new.labels.as_map()).unwrap_or_default())
        .bind(new.sort_order)
        .bind(now_micros())
        .execute(&mut *unit.tx)
        .await?;
        unit.audit(
            AuditEntry::by(actor, Action::Create)
                .object("reference_item", id)
                .detail(format!("{list}/{}", new.code)),
        )
        .await?;
        Ok(ReferenceItem {
            id,
            list: list.to_string(),
            code: new.code.as_str().to_string(),
            labels: new.labels.clone(),
            sort_order: new.sort_order,
            retired_at: None,
            first_used_at: None,
            version: Version::FIRST,
        })
    }

    /// Why an update by list and code touched no row: the item is missing, or it moved on.
    async fn missed_item_update(unit: &mut Unit<'_>, list: &str, code: &str) -> StoreError {
        match sqlx::query_scalar::<_, i64>(
            "SELECT version FROM reference_items WHERE list = $1 AND code = $2",
        )
        .bind(list)
        .bind(code)
        .fetch_optional(&mut *unit.tx)
        .await
        {
            Ok(Some(current)) => StoreError::Conflict { current },
            Ok(None) => StoreError::NotFound,
            Err(e) => e.into(),
        }
    }

    /// Saves new labels and sort order, if the item is still at the version the editor saw
    /// (`Conflict` with the current version otherwise). Returns the new version.
    pub async fn update_reference_item(
        &self,
        unit: &mut Unit<'_>,
        actor: Option<&Actor>,
        list: &str,
        code: &str,
        change: &ReferenceItemChange,
        expected: Version,
    ) -> Result<Version, StoreError> {
        known_list(list)?;
        let done = sqlx::query(
            "UPDATE reference_items SET labels = $1, sort_order = $2, version = version + 1, updated_at = $3 \
             WHERE list = $4 AND code = $5 AND version = $6",
        )
        .bind(serde_json::to_string(change.labels.as_map()).unwrap_or_default())
        .bind(change.sort_order)
        .bind(now_micros())
        .bind(list)
        .bind(code)
        .bind(expected.0)
        .execute(&mut *unit.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(Self::missed_item_update(unit, list, code).await);
        }
        self.audit_item_change(unit, actor, list, code, "edit")
            .await
    }

    /// Retires an item (no longer offered for new records) or restores it. Doing what is
    /// already done changes nothing and is not audited.
    pub async fn set_reference_item_retired(
        &self,
        unit: &mut Unit<'_>,
        actor: Option<&Actor>,
        list: &str,
        code: &str,
        retired: bool,
    ) -> Result<Version, StoreError> {
        known_list(list)?;
        let now = now_micros();
        let sql = if retired {
            "UPDATE reference_items SET retired_at = $1, version = version + 1, updated_at = $1 \
             WHERE list = $2 AND code = $3 AND retired_at IS NULL"
        } else {
            "UPDATE reference_items SET retired_at = NULL, version = version + 1, updated_at = $1 \
             WHERE list = $2 AND code = $3 AND retired_at IS NOT NULL"
        };
        let done = sqlx::query(sql)
            .bind(now)
            .bind(list)
            .bind(code)
            .execute(&mut *unit.tx)
            .await?;
        if done.rows_affected() == 0 {
            return match Self::missed_item_update(unit, list, code).await {
                StoreError::Conflict { current } => Ok(Version(current)),
                other => Err(other),
            };
        }
        let what = if retired { "retire" } else { "restore" };
        self.audit_item_change(unit, actor, list, code, what).await
    }

    async fn audit_item_change(
        &self,
        unit: &mut Unit<'_>,
        actor: Option<&Actor>,
        list: &str,
        code: &str,
        what: &str,
    ) -> Result<Version, StoreError> {
        let (id, version): (String, i64) =
            sqlx::query_as("SELECT id, version FROM reference_items WHERE list = $1 AND code = $2")
                .bind(list)
                .bind(code)
                .fetch_one(&mut *unit.tx)
                .await?;
        unit.audit(
            AuditEntry::by(actor, Action::Update)
                .object("reference_item", id)
                .detail(format!("{what} {list}/{code}")),
        )
        .await?;
        Ok(Version(version))
    }

    /// Records that a record uses an item: sets `first_used_at` the first time only. Part
    /// of the caller's change (and its audit entry). Items are never deleted, used or not.
    pub async fn mark_used(
        &self,
        unit: &mut Unit<'_>,
        list: &str,
        code: &str,
    ) -> Result<(), StoreError> {
        known_list(list)?;
        let done = sqlx::query(
            "UPDATE reference_items SET first_used_at = $1 WHERE list = $2 AND code = $3 AND first_used_at IS NULL",
        )
        .bind(now_micros())
        .bind(list)
        .bind(code)
        .execute(&mut *unit.tx)
        .await?;
        if done.rows_affected() == 0 {
            return match Self::missed_item_update(unit, list, code).await {
                StoreError::Conflict { .. } => Ok(()),
                other => Err(other),
            };
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_catalogue_is_valid_and_complete() {
        let lists = parse_catalogue(SHIPPED).unwrap();
        let codes: Vec<&str> = lists.iter().map(|l| l.code.as_str()).collect();
        assert_eq!(
            codes,
            [
                "service_type",
                "closure_reason",
                "decline_reason",
                "consultation_channel",
                "consultation_topic",
                "training_topic"
            ]
        );
        for l in &lists {
            for lang in ["en", "ru", "tk"] {
                assert!(l.names.contains_key(lang), "{} {lang}", l.code);
                for item in &l.items {
                    assert!(
                        item.labels.get(lang).is_some_and(|t| !t.trim().is_empty()),
                        "{}/{} has no {lang} label",
                        l.code,
                        item.code
                    );
                }
            }
            assert!(l.items.iter().any(|i| i.code.as_str() == "other"));
        }
        assert_eq!(list("service_type").unwrap().items.len(), 12);
        assert_eq!(list("closure_reason").unwrap().items.len(), 7);
        assert_eq!(
            list("service_type").unwrap().name_in("tk"),
            "Hyzmat görnüşleri"
        );
        assert!(list("nope").is_none());
    }

    #[test]
    fn bad_catalogues_are_refused() {
        let twice = r#"{"lists": [{"code": "ab", "names": {"en": "A"}, "items": []},
                                   {"code": "ab", "names": {"en": "B"}, "items": []}]}"#;
        assert!(parse_catalogue(twice).is_err());
        let bad_code = r#"{"lists": [{"code": "ab", "names": {"en": "A"}, "items": [{"code": "X", "labels": {"en": "x"}}]}]}"#;
        assert!(parse_catalogue(bad_code).is_err());
        let no_english = r#"{"lists": [{"code": "ab", "names": {"en": "A"}, "items": [{"code": "xy", "labels": {"ru": "x"}}]}]}"#;
        assert!(parse_catalogue(no_english).is_err());
    }
}
