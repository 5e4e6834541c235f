//! The history of a case: every change to the case, its person, household, consents or
//! identification, kept as a version (who, when, which fields, old and new values). The
//! field names are plain; the values are encrypted, since some of them are personal.

use crate::organisations::parse_id;
use crate::time::now_micros;
use crate::{Store, StoreError, Tx};
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;
use sqlx::Row;
use uuid::Uuid;
use yoldash_domain::Actor;

/// One field's change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FieldChange {
    pub field: String,
    pub old: String,
    pub new: String,
}

/// One version in the timeline.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VersionEntry {
    pub at: i64,
    pub actor_user_id: Option<Uuid>,
    /// `case`, `person`, `household_member`, `consent`, `identification`, `safe_contact`.
    pub record_kind: String,
    pub record_id: String,
    /// `create`, `update`, `status`, `withdraw`, `remove`, `closure_request`.
    pub change: String,
    /// Old and new values; for a creation, the fields filled (values empty: they are in
    /// the record, and a later change keeps the old value).
    pub changes: Vec<FieldChange>,
}

/// Where a version is written.
pub struct VersionOf<'a> {
    pub case_id: Uuid,
    pub record_kind: &'a str,
    pub record_id: String,
    pub change: &'a str,
}

impl Store {
    /// Writes one version (nothing when no field changed and it is an update).
    pub(crate) async fn write_version(
        &self,
        tx: &mut Tx,
        actor: Option<&Actor>,
        of: VersionOf<'_>,
        changes: Vec<FieldChange>,
    ) -> Result<(), StoreError> {
        if changes.is_empty() && of.change == "update" {
            return Ok(());
        }
        let id = Uuid::now_v7().to_string();
        let fields = changes
            .iter()
            .map(|c| c.field.as_str())
            .collect::<Vec<_>>()
            .join(",");
        // A creation keeps which fields were filled, not their values: the values are in the
        // record itself, and the first later change of a field keeps its old value. Storing
        // them again would double the personal data kept (and the database).
        let blob = (of.change != "create")
            .then(|| self.seal_json("record_versions", "changes", &id, &changes));
        sqlx::query(
            "INSERT INTO record_versions (id, case_id, record_kind, record_id, change, actor_user_id, at, fields, changes) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&id)
        .bind(of.case_id.to_string())
        .bind(of.record_kind)
        .bind(of.record_id)
        .bind(of.change)
        .bind(actor.map(|a| a.user_id.to_string()))
        .bind(now_micros())
        .bind(fields)
        .bind(blob)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// The timeline of a case, newest first (the caller has checked visibility).
    pub(crate) async fn versions_of(
        &self,
        conn: &mut AnyConnection,
        case_id: Uuid,
    ) -> Result<Vec<VersionEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, record_kind, record_id, change, actor_user_id, at, fields, changes FROM record_versions \
             WHERE case_id = $1 ORDER BY at DESC, id DESC",
        )
        .bind(case_id.to_string())
        .fetch_all(&mut *conn)
        .await?;
        rows.iter()
            .map(|r| {
                let id: String = r.try_get("id")?;
                Ok(VersionEntry {
                    at: r.try_get("at")?,
                    actor_user_id: r
                        .try_get::<Option<String>, _>("actor_user_id")?
                        .as_deref()
                        .map(parse_id)
                        .transpose()?,
                    record_kind: r.try_get("record_kind")?,
                    record_id: r.try_get("record_id")?,
                    change: r.try_get("change")?,
                    changes: match r.try_get::<Option<Vec<u8>>, _>("changes")? {
                        Some(blob) => {
                            self.open_json("record_versions", "changes", &id, Some(blob))?
                        }
                        None => r
                            .try_get::<String, _>("fields")?
                            .split(',')
                            .filter(|f| !f.is_empty())
                            .map(|f| FieldChange {
                                field: f.to_string(),
                                old: String::new(),
                                new: String::new(),
                            })
                            .collect(),
                    },
                })
            })
            .collect()
    }
}
