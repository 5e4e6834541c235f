//! One server per SQLite data directory: an advisory lock on `DATA_DIR/yoldash.lock`, held
//! for as long as the server runs.

use crate::cli::DataArgs;
use anyhow::{Context as _, bail};
use std::fs::{File, TryLockError};

pub const LOCK_FILE: &str = "yoldash.lock";

/// The held lock; it is released when this is dropped or the process ends (however it ends:
/// the operating system releases it).
pub struct DataDirLock {
    _file: File,
}

/// Takes the data directory for this server, or refuses to start when another process holds
/// it. A second server on the same SQLite data would race the first on the audit-head file
/// and keep sign-in throttles of its own. With PostgreSQL the database is shared by design
/// and each server keeps its own data directory, so no lock is taken.
pub fn hold(data: &DataArgs) -> anyhow::Result<Option<DataDirLock>> {
    if !data.is_sqlite() {
        return Ok(None);
    }
    crate::context::ensure_data_dir(&data.data_dir)?;
    let path = data.data_dir.join(LOCK_FILE);
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options
        .open(&path)
        .with_context(|| format!("cannot open the lock file {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(DataDirLock { _file: file })),
        Err(TryLockError::WouldBlock) => bail!(
            "another Yoldash server is already running on the data directory {}: stop it first, or give this server a data directory of its own (two servers on one SQLite database would corrupt the audit head file and split the sign-in throttles)",
            data.data_dir.display()
        ),
        Err(TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("cannot lock {}", path.display()))
        }
    }
}
