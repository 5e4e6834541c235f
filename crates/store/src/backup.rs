//! Consistent snapshots of an SQLite database while the server runs.

use crate::{Backend, Store, StoreError};
use std::path::Path;

impl Store {
    /// Writes a consistent copy of the whole database to `dest` with `VACUUM INTO`, which
    /// reads inside one transaction: writers carry on, and the copy is as of its start.
    /// Only SQLite; a PostgreSQL deployment is backed up with `pg_dump` (see the
    /// administrator guide).
    pub async fn snapshot_sqlite(&self, dest: &Path) -> Result<(), StoreError> {
        if self.backend() != Backend::Sqlite {
            return Err(StoreError::Audit(
                "snapshot is for SQLite; use pg_dump for PostgreSQL".into(),
            ));
        }
        let dest = dest
            .to_str()
            .ok_or_else(|| StoreError::DataFile("backup path is not UTF-8".into()))?;
        sqlx::query("VACUUM INTO $1")
            .bind(dest)
            .execute(&self.db.pool)
            .await?;
        Ok(())
    }

    /// The newest audit entry (for writing the head file after a restore).
    pub async fn audit_tail(&self) -> Result<Option<crate::audit::AuditHead>, StoreError> {
        use sqlx::Row;
        let row = sqlx::query("SELECT seq, mac FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&self.db.pool)
            .await?;
        Ok(match row {
            Some(r) => Some(crate::audit::AuditHead {
                seq: r.try_get("seq")?,
                mac: r.try_get("mac")?,
            }),
            None => None,
        })
    }

    /// Records an event done outside any other change (backups, rotations) in the audit log.
    pub async fn audit_event(&self, entry: crate::audit::AuditEntry<'_>) -> Result<(), StoreError> {
        let mut unit = self.unit().await?;
        unit.audit(entry).await?;
        unit.commit().await
    }
}
