//! Consistent snapshots of an SQLite database while the server runs, and the private
//! temporary files that hold unencrypted copies of it during a backup or a restore.
//!
//! A snapshot is plain SQLite: until it is sealed it must never be readable by anyone but
//! the service account, and a killed backup must not leave it lying about. It is written
//! into a file created with mode 0600 (SQLite's `VACUUM INTO` fills an existing empty file
//! and keeps its mode), removed when the backup ends, and, if the process was killed,
//! removed by the next backup or restore and at the next server start. Backups and restores
//! hold an advisory lock on `.backup.lock` in the data directory, so the clean-up never
//! removes the snapshot of one still running.

use crate::{Backend, Store, StoreError};
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

/// Names of unencrypted temporary copies in the data directory: `.backup-<uuid>.db` (a
/// snapshot being sealed) and `.restore-<uuid>.db` (a backup being opened).
const TEMPORARY_PREFIXES: [&str; 2] = [".backup-", ".restore-"];
/// Left by restores of earlier versions.
const OLD_RESTORE_TEMPORARY: &str = ".restore.partial";
/// Held (advisory lock) by a backup or restore while it works.
const LOCK_FILE: &str = ".backup.lock";

/// Creates `path` new, readable and writable by the owner only (0600 whatever the umask).
pub fn create_private(path: &Path) -> std::io::Result<File> {
    let mut opts = OpenOptions::new();
    opts.read(true).write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        opts.mode(0o600);
        let file = opts.open(path)?;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        Ok(file)
    }
    #[cfg(not(unix))]
    opts.open(path)
}

/// The right to make unencrypted temporary copies in a data directory: an exclusive
/// advisory lock, released when dropped (or when the process dies).
pub struct BackupLock {
    dir: PathBuf,
    _file: File,
}

impl BackupLock {
    /// Takes the lock, then removes what killed backups or restores left behind.
    pub fn take(dir: &Path) -> Result<Self, StoreError> {
        let lock = Self::try_take(dir)?.ok_or_else(|| {
            StoreError::DataFile(format!(
                "another backup or restore is running in {}",
                dir.display()
            ))
        })?;
        lock.remove_leftovers()?;
        Ok(lock)
    }

    /// The lock, if no backup or restore holds it.
    fn try_take(dir: &Path) -> Result<Option<Self>, StoreError> {
        let path = dir.join(LOCK_FILE);
        let file = match create_private(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                OpenOptions::new().read(true).write(true).open(&path)?
            }
            Err(e) => return Err(e.into()),
        };
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Ok(None),
            Err(std::fs::TryLockError::Error(e)) => return Err(e.into()),
        }
        Ok(Some(Self {
            dir: dir.to_path_buf(),
            _file: file,
        }))
    }

    fn remove_leftovers(&self) -> Result<usize, StoreError> {
        let leftovers = leftovers(&self.dir)?;
        for path in &leftovers {
            std::fs::remove_file(path)?;
            tracing::warn!(file = %path.display(), "removed an unencrypted copy left by an interrupted backup or restore");
        }
        Ok(leftovers.len())
    }

    /// A new private temporary file for an unencrypted copy (`prefix` is `backup` or
    /// `restore`), removed when dropped unless it was kept.
    pub fn temporary(&self, prefix: &str) -> Result<PrivateTemporary, StoreError> {
        let path = self
            .dir
            .join(format!(".{prefix}-{}.db", uuid::Uuid::now_v7()));
        debug_assert!(TEMPORARY_PREFIXES.iter().any(|p| {
            path.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(p))
        }));
        create_private(&path)?;
        Ok(PrivateTemporary { path: Some(path) })
    }
}

/// The unencrypted temporary copies in `dir`.
fn leftovers(dir: &Path) -> Result<Vec<PathBuf>, StoreError> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if TEMPORARY_PREFIXES.iter().any(|p| name.starts_with(p)) || name == OLD_RESTORE_TEMPORARY {
            found.push(entry.path());
        }
    }
    Ok(found)
}

/// Removes what killed backups or restores left in `dir`, unless one is running now (at a
/// server's start). Returns how many files were removed.
pub fn remove_leftovers(dir: &Path) -> Result<usize, StoreError> {
    if leftovers(dir)?.is_empty() {
        return Ok(0);
    }
    match BackupLock::try_take(dir)? {
        Some(lock) => lock.remove_leftovers(),
        None => Ok(0),
    }
}

/// An unencrypted temporary copy (mode 0600), removed when dropped unless `keep` moved it.
pub struct PrivateTemporary {
    path: Option<PathBuf>,
}

impl PrivateTemporary {
    pub fn path(&self) -> &Path {
        self.path.as_deref().expect("a temporary not yet kept")
    }

    /// Moves the file to `dest` (same file system) and keeps it.
    pub fn keep(mut self, dest: &Path) -> std::io::Result<()> {
        let path = self.path.take().expect("a temporary not yet kept");
        std::fs::rename(&path, dest)
    }
}

impl Drop for PrivateTemporary {
    fn drop(&mut self) {
        if let Some(path) = self.path.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

impl Store {
    /// Writes a consistent copy of the whole database to `dest` with `VACUUM INTO`, which
    /// reads inside one transaction: writers carry on, and the copy is as of its start.
    /// `dest` must be an empty file (a `PrivateTemporary`): SQLite fills it and keeps its
    /// mode. Only SQLite; a PostgreSQL deployment is backed up with `pg_dump` (see the
    /// administrator guide).
    pub async fn snapshot_sqlite(&self, dest: &PrivateTemporary) -> Result<(), StoreError> {
        if self.backend() != Backend::Sqlite {
            return Err(StoreError::Audit(
                "snapshot is for SQLite; use pg_dump for PostgreSQL".into(),
            ));
        }
        let dest = dest
            .path()
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
