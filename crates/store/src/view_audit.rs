//! Audit entries of views (a case opened, a list shown), committed in groups: each request
//! still waits until its own entry is committed before it sees the data, but entries that
//! arrive together share one write transaction.

use crate::audit::{Action, AuditEntry};
use crate::{Store, StoreError};
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;
use uuid::Uuid;

/// The most entries one transaction takes.
const MOST_PER_COMMIT: usize = 256;

/// An entry with its own strings, so that it can wait in the queue.
#[derive(Debug, Clone)]
struct Waiting {
    actor_user_id: Option<Uuid>,
    actor_org_id: Option<Uuid>,
    action: Action,
    object_type: Option<String>,
    object_id: Option<String>,
    request_id: Option<String>,
    detail: Option<String>,
}

impl Waiting {
    fn of(e: &AuditEntry<'_>) -> Self {
        Self {
            actor_user_id: e.actor_user_id,
            actor_org_id: e.actor_org_id,
            action: e.action,
            object_type: e.object_type.map(str::to_string),
            object_id: e.object_id.clone(),
            // Queued here, written by another task: take the request's id now.
            request_id: e
                .request_id
                .map(str::to_string)
                .or_else(crate::request::current_id),
            detail: e.detail.clone(),
        }
    }

    fn entry(&self) -> AuditEntry<'_> {
        AuditEntry {
            actor_user_id: self.actor_user_id,
            actor_org_id: self.actor_org_id,
            action: self.action,
            object_type: self.object_type.as_deref(),
            object_id: self.object_id.clone(),
            request_id: self.request_id.as_deref(),
            detail: self.detail.clone(),
        }
    }
}

type Answer = oneshot::Sender<Result<(), StoreError>>;

/// Entries waiting for a commit, and the turn to commit them.
#[derive(Default)]
pub(crate) struct ViewAudits {
    queue: Mutex<Vec<(Waiting, Answer)>>,
    turn: Arc<tokio::sync::Mutex<()>>,
}

impl Store {
    /// Records that `entry`'s actor saw something, and returns once the entry is committed.
    /// An error means the entry could not be written: the caller must not show the data.
    pub async fn audit_view(&self, entry: AuditEntry<'_>) -> Result<(), StoreError> {
        let waiting = Waiting::of(&entry);
        loop {
            let (answer, mut answered) = oneshot::channel();
            self.views
                .queue
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((waiting.clone(), answer));
            loop {
                let turn = self.views.turn.clone().lock_owned().await;
                match answered.try_recv() {
                    Ok(done) => return done,
                    // The commit that held the entry was abandoned: queue it again.
                    Err(oneshot::error::TryRecvError::Closed) => break,
                    Err(oneshot::error::TryRecvError::Empty) => {}
                }
                // Our entry is still queued: commit everything queued, ours included. The
                // commit runs as its own task, so a caller that goes away cannot cut it off.
                let store = self.clone();
                let commit = tokio::spawn(async move {
                    let _turn = turn;
                    store.commit_views().await;
                });
                if commit.await.is_err() {
                    return Err(StoreError::Audit("audit commit failed".into()));
                }
            }
        }
    }

    async fn commit_views(&self) {
        loop {
            let batch: Vec<(Waiting, Answer)> = {
                let mut queue = self.views.queue.lock().unwrap_or_else(|e| e.into_inner());
                let n = queue.len().min(MOST_PER_COMMIT);
                queue.drain(..n).collect()
            };
            if batch.is_empty() {
                return;
            }
            let result = self.write_views(&batch).await;
            for (_, answer) in batch {
                let _ = answer.send(result.as_ref().map(|_| ()).map_err(StoreError::shared));
            }
        }
    }

    async fn write_views(&self, batch: &[(Waiting, Answer)]) -> Result<(), StoreError> {
        let mut unit = self.unit().await?;
        unit.views_only();
        unit.audit_all(batch.iter().map(|(w, _)| w.entry()).collect())
            .await?;
        unit.commit().await
    }
}
