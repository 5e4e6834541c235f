//! The audit chain's head mirrored to a file after each commit, and what happens when the
//! file cannot be written: the change stays committed, the failure is logged and shown, and
//! the newest head is written again by the next commit or by a retry in the background.

use crate::audit::AuditHead;
use crate::{Store, StoreError};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How often a head that could not be written is tried again.
const RETRY_EVERY: Duration = Duration::from_secs(2);
/// While the file stays unwritable, every this many failed retries is logged as an error.
const LOG_EVERY_NTH_RETRY: u64 = 30;

/// This process's view of the head file.
#[derive(Default)]
pub(crate) struct HeadMirror {
    state: tokio::sync::Mutex<MirrorState>,
    /// Why the file lags behind the chain, while it does (read without waiting on `state`,
    /// which is held through file writes).
    lag: std::sync::Mutex<Option<String>>,
}

#[derive(Default)]
struct MirrorState {
    /// The newest position written to the file by this process.
    written: i64,
    /// The newest head committed but not yet written.
    pending: Option<AuditHead>,
    /// A background retry is running.
    retrying: bool,
}

impl HeadMirror {
    fn set_lag(&self, reason: Option<String>) {
        *self.lag.lock().unwrap_or_else(|e| e.into_inner()) = reason;
    }
}

impl Store {
    /// Why the audit-head file lags behind the chain, when it does (for `/healthz` and a
    /// notice to administrators). The chain itself is complete; only the check that its
    /// newest entries were not removed waits for the file.
    pub fn audit_head_lag(&self) -> Option<String> {
        self.head
            .lag
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// Writes the head file when `head` is newer than what was written. Called after a commit:
/// a failure here never undoes nor fails the change. It is logged, shown by
/// `audit_head_lag`, and retried by the next call and in the background until it works.
/// The error is returned for callers that stop on it (a restore).
pub async fn mirror_head(store: &Store, head: AuditHead) -> Result<(), StoreError> {
    let Some(path) = &store.audit_head_file else {
        return Ok(());
    };
    let mut state = store.head.state.lock().await;
    let newest = state.pending.as_ref().map_or(state.written, |p| p.seq);
    if head.seq > newest {
        state.pending = Some(head);
    }
    let Some(pending) = state.pending.clone() else {
        return Ok(());
    };
    match write_atomically(path, &pending).await {
        Ok(()) => {
            state.written = pending.seq;
            state.pending = None;
            if store.audit_head_lag().is_some() {
                tracing::info!(seq = pending.seq, "the audit head file is written again");
                store.head.set_lag(None);
            }
            Ok(())
        }
        Err(e) => {
            // Loud once when it starts; while it lasts, the retry task repeats it now and then.
            if store.audit_head_lag().is_none() {
                tracing::error!(
                    error = %e,
                    file = %path.display(),
                    seq = pending.seq,
                    "the audit head file cannot be written; the change is committed, the file will be written again"
                );
            }
            store.head.set_lag(Some(e.to_string()));
            if !state.retrying {
                state.retrying = true;
                tokio::spawn(retry(store.clone()));
            }
            Err(e)
        }
    }
}

/// Tries the pending head again until it is written (by this or a later commit) or the
/// database is closed.
async fn retry(store: Store) {
    let mut attempts = 0u64;
    loop {
        tokio::time::sleep(RETRY_EVERY).await;
        let Some(path) = store.audit_head_file.clone() else {
            return;
        };
        let mut state = store.head.state.lock().await;
        let Some(pending) = state.pending.clone() else {
            state.retrying = false;
            return;
        };
        if store.db.pool.is_closed() {
            state.retrying = false;
            return;
        }
        match write_atomically(&path, &pending).await {
            Ok(()) => {
                state.written = pending.seq;
                state.pending = None;
                state.retrying = false;
                store.head.set_lag(None);
                tracing::info!(seq = pending.seq, "the audit head file is written again");
                return;
            }
            Err(e) => {
                attempts += 1;
                if attempts.is_multiple_of(LOG_EVERY_NTH_RETRY) {
                    tracing::error!(error = %e, file = %path.display(), attempts, "the audit head file still cannot be written");
                }
                store.head.set_lag(Some(e.to_string()));
            }
        }
    }
}

/// Writes the file through a temporary file of a name of its own (two writers never share
/// one), created readable by the owner only, then renamed over the file.
async fn write_atomically(path: &Path, head: &AuditHead) -> Result<(), StoreError> {
    let body = serde_json::to_vec(head).map_err(|e| StoreError::Audit(e.to_string()))?;
    let tmp = temporary_beside(path);
    let written = async {
        let mut options = tokio::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        options.mode(0o600);
        let mut file = options.open(&tmp).await?;
        tokio::io::AsyncWriteExt::write_all(&mut file, &body).await?;
        drop(file);
        tokio::fs::rename(&tmp, path).await
    }
    .await;
    if written.is_err() {
        let _ = tokio::fs::remove_file(&tmp).await;
    }
    Ok(written?)
}

fn temporary_beside(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{}.tmp", uuid::Uuid::now_v7().simple()));
    path.with_file_name(name)
}
