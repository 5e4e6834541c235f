//! Organisations: government agencies, public associations, international organisations, service providers.

use crate::audit::{Action, AuditEntry};
use crate::db::{explain_missed_update, flag};
use crate::time::now_micros;
use crate::{Store, StoreError, Unit};
use serde::Serialize;
use std::collections::BTreeMap;
use uuid::Uuid;
use yoldash_domain::{Actor, OrgCode, OrganisationType, Version};

#[derive(Debug, Clone, Serialize)]
pub struct Organisation {
    pub id: Uuid,
    pub code: String,
    pub org_type: String,
    /// Name per language code; English is the fallback.
    pub names: BTreeMap<String, String>,
    pub region_id: Option<Uuid>,
    pub active: bool,
    pub version: Version,
}

impl Organisation {
    pub fn name_in(&self, lang: &str) -> &str {
        self.names
            .get(lang)
            .or_else(|| self.names.get("en"))
            .or_else(|| self.names.values().next())
            .map_or(self.code.as_str(), String::as_str)
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    code: String,
    org_type: String,
    names: String,
    region_id: Option<String>,
    active: i64,
    version: i64,
}

impl TryFrom<Row> for Organisation {
    type Error = StoreError;
    fn try_from(r: Row) -> Result<Self, StoreError> {
        Ok(Organisation {
            id: parse_id(&r.id)?,
            code: r.code,
            org_type: r.org_type,
            names: serde_json::from_str(&r.names)
                .map_err(|e| StoreError::DataFile(e.to_string()))?,
            region_id: r.region_id.as_deref().map(parse_id).transpose()?,
            active: r.active != 0,
            version: Version(r.version),
        })
    }
}

pub(crate) fn parse_id(s: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(s).map_err(|_| StoreError::NotFound)
}

const COLUMNS: &str = "id, code, org_type, names, region_id, active, version";

/// A new organisation.
#[derive(Debug, Clone)]
pub struct NewOrganisation {
    pub code: OrgCode,
    pub org_type: OrganisationType,
    pub names: BTreeMap<String, String>,
    pub region_code: Option<String>,
}

impl Store {
    pub async fn create_organisation(
        &self,
        unit: &mut Unit<'_>,
        actor: Option<&Actor>,
        new: &NewOrganisation,
    ) -> Result<Organisation, StoreError> {
        if new.names.get("en").is_none_or(|n| n.trim().is_empty()) {
            return Err(yoldash_domain::Invalid::new("name", "required").into());
        }
        let region_id = match &new.region_code {
            Some(code) => Some(
                self.region_id_by_code(&mut unit.tx, code)
                    .await?
                    .ok_or(yoldash_domain::Invalid::new("region", "unknown-region"))?,
            ),
            None => None,
        };
        let id = Uuid::now_v7();
        let now = now_micros();
        sqlx::query(
            "INSERT INTO organisations (id, code, org_type, names, region_id, active, version, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7)",
        )
        .bind(id.to_string())
        .bind(new.code.as_str())
        .bind(new.org_type.as_str())
        .bind(serde_json::to_string(&new.names).unwrap_or_default())
        .bind(region_id.map(|r: Uuid| r.to_string()))
        .bind(flag(true))
        .bind(now)
        .execute(&mut *unit.tx)
        .await?;
        unit.audit(AuditEntry::by(actor, Action::Create).object("organisation", id))
            .await?;
        Ok(Organisation {
            id,
            code: new.code.as_str().to_string(),
            org_type: new.org_type.as_str().to_string(),
            names: new.names.clone(),
            region_id,
            active: true,
            version: Version::FIRST,
        })
    }

    /// The organisation as `unit` sees it before committing (an answer read after the
    /// commit could fail after the change was made).
    pub async fn organisation_in(
        &self,
        unit: &mut Unit<'_>,
        id: Uuid,
    ) -> Result<Organisation, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM organisations WHERE id = $1");
        let row: Row = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id.to_string())
            .fetch_one(&mut *unit.tx)
            .await?;
        row.try_into()
    }

    pub async fn organisation(&self, id: Uuid) -> Result<Organisation, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM organisations WHERE id = $1");
        let row: Row = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id.to_string())
            .fetch_one(&self.db.pool)
            .await?;
        row.try_into()
    }

    pub async fn organisation_by_code(&self, code: &str) -> Result<Organisation, StoreError> {
        let code = OrgCode::parse(code).map_err(|_| StoreError::NotFound)?;
        let sql = format!("SELECT {COLUMNS} FROM organisations WHERE code = $1");
        let row: Row = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(code.as_str())
            .fetch_one(&self.db.pool)
            .await?;
        row.try_into()
    }

    pub async fn organisations(&self) -> Result<Vec<Organisation>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM organisations ORDER BY code");
        let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.db.pool)
            .await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// Deactivates (or reactivates) an organisation. Its users can no longer sign in and
    /// its API tokens stop working (both are checked at every request); open sessions of
    /// its users are revoked at once.
    pub async fn set_organisation_active(
        &self,
        unit: &mut Unit<'_>,
        actor: Option<&Actor>,
        id: Uuid,
        active: bool,
        expected: Option<Version>,
    ) -> Result<Version, StoreError> {
        if !active {
            let d = self.deactivation(unit, actor, id).await?;
            yoldash_domain::organisation::check_deactivation(d)?;
        }
        let done = sqlx::query(
            "UPDATE organisations SET active = $1, version = version + 1, updated_at = $2 \
             WHERE id = $3 AND ($4 = 0 OR version = $4)",
        )
        .bind(flag(active))
        .bind(now_micros())
        .bind(id.to_string())
        .bind(expected.map_or(0, |v| v.0))
        .execute(&mut *unit.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(
                explain_missed_update(&mut unit.tx, "organisations", &id.to_string()).await,
            );
        }
        let version: i64 = sqlx::query_scalar("SELECT version FROM organisations WHERE id = $1")
            .bind(id.to_string())
            .fetch_one(&mut *unit.tx)
            .await?;
        if !active {
            sqlx::query(
                "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE org_id = $1)",
            )
            .bind(id.to_string())
            .execute(&mut *unit.tx)
            .await?;
        }
        let action = if active {
            Action::Update
        } else {
            Action::Disable
        };
        unit.audit(AuditEntry::by(actor, action).object("organisation", id))
            .await?;
        Ok(Version(version))
    }
}

impl Store {
    /// What the deactivation rule needs to know about `target`, read inside the unit. Two
    /// administrators deactivating the last two such organisations at once must not both
    /// pass: on SQLite the unit holds the write lock already; on PostgreSQL the audit
    /// append lock (which this unit takes anyway for its entry) is taken first, so the
    /// second deactivation reads after the first has committed.
    async fn deactivation(
        &self,
        unit: &mut Unit<'_>,
        actor: Option<&Actor>,
        target: Uuid,
    ) -> Result<yoldash_domain::organisation::Deactivation, StoreError> {
        if self.backend() == crate::db::Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(crate::audit::APPEND_LOCK)
                .execute(&mut *unit.tx)
                .await?;
        }
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT u.org_id FROM users u \
             JOIN user_roles r ON r.user_id = u.id \
             JOIN organisations o ON o.id = u.org_id \
             WHERE r.role = 'admin' AND u.active = 1 AND o.active = 1",
        )
        .fetch_all(&mut *unit.tx)
        .await?;
        let target_id = target.to_string();
        Ok(yoldash_domain::organisation::Deactivation {
            actor_org: actor.map(|a| a.org_id),
            target,
            target_has_administrator: rows.contains(&target_id),
            administrator_elsewhere: rows.iter().any(|o| *o != target_id),
        })
    }
}

/// The editable fields of an organisation (its code never changes: exports rely on it).
#[derive(Debug, Clone)]
pub struct OrganisationChanges {
    pub org_type: OrganisationType,
    pub names: BTreeMap<String, String>,
    pub region_code: Option<String>,
}

impl Store {
    /// Updates an organisation, guarded by the version the editor saw.
    pub async fn update_organisation(
        &self,
        unit: &mut Unit<'_>,
        actor: Option<&Actor>,
        id: Uuid,
        expected: Version,
        changes: &OrganisationChanges,
    ) -> Result<Version, StoreError> {
        if changes.names.get("en").is_none_or(|n| n.trim().is_empty()) {
            return Err(yoldash_domain::Invalid::new("name_en", "required").into());
        }
        let region_id = match &changes.region_code {
            Some(code) => Some(
                self.region_id_by_code(&mut unit.tx, code)
                    .await?
                    .ok_or(yoldash_domain::Invalid::new("region", "unknown-region"))?,
            ),
            None => None,
        };
        let done = sqlx::query(
            "UPDATE organisations SET org_type = $1, names = $2, region_id = $3, version = version + 1, updated_at = $4 \
             WHERE id = $5 AND version = $6",
        )
        .bind(changes.org_type.as_str())
        .bind(serde_json::to_string(&changes.names).unwrap_or_default())
        .bind(region_id.map(|r| r.to_string()))
        .bind(now_micros())
        .bind(id.to_string())
        .bind(expected.0)
        .execute(&mut *unit.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(
                explain_missed_update(&mut unit.tx, "organisations", &id.to_string()).await,
            );
        }
        unit.audit(AuditEntry::by(actor, Action::Update).object("organisation", id))
            .await?;
        Ok(expected.next())
    }

    /// How many accounts each organisation has (organisation id → count).
    pub async fn user_counts(&self) -> Result<std::collections::HashMap<Uuid, i64>, StoreError> {
        use sqlx::Row;
        let rows = sqlx::query("SELECT org_id, COUNT(*) AS n FROM users GROUP BY org_id")
            .fetch_all(&self.db.pool)
            .await?;
        let mut out = std::collections::HashMap::new();
        for r in rows {
            out.insert(
                parse_id(&r.try_get::<String, _>("org_id")?)?,
                r.try_get::<i64, _>("n")?,
            );
        }
        Ok(out)
    }
}
