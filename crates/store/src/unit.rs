//! A unit of work: one write transaction, its audit entries, and the audit head update after commit.

use crate::audit::{self, AuditEntry, AuditHead};
use crate::{Store, StoreError, Tx};

/// Everything written through a unit commits or rolls back together, audit entries
/// included: a change whose audit entry cannot be written is not made, and a read of
/// personal data whose audit entry cannot be written is refused.
pub struct Unit<'s> {
    store: &'s Store,
    pub tx: Tx,
    head: Option<AuditHead>,
    /// Only audit entries of views: nothing the directory holds can have changed.
    views_only: bool,
    /// On SQLite: this process's turn to write, held until the unit ends.
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl<'s> Unit<'s> {
    pub(crate) fn new(
        store: &'s Store,
        tx: Tx,
        turn: Option<tokio::sync::OwnedMutexGuard<()>>,
    ) -> Self {
        Self {
            store,
            tx,
            head: None,
            views_only: false,
            _turn: turn,
        }
    }

    pub fn store(&self) -> &'s Store {
        self.store
    }

    /// Marks the unit as writing only audit entries of views.
    pub(crate) fn views_only(&mut self) {
        self.views_only = true;
    }

    /// Appends an audit entry in this transaction.
    pub async fn audit(&mut self, entry: AuditEntry<'_>) -> Result<(), StoreError> {
        let head = audit::append(self.store, &mut self.tx, entry).await?;
        self.head = Some(head);
        Ok(())
    }

    /// Appends several audit entries in this transaction, in order, with one read of the
    /// chain's head and a few statements.
    pub(crate) async fn audit_all(
        &mut self,
        entries: Vec<AuditEntry<'_>>,
    ) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        let dated = entries
            .into_iter()
            .map(|e| (crate::time::now_micros(), e))
            .collect();
        let head = audit::append_all(self.store, &mut self.tx, dated).await?;
        self.head = Some(head);
        Ok(())
    }

    /// Commits, then mirrors the audit chain head outside the database. Any commit but a
    /// views-only one makes the in-memory directory read again. Once the commit succeeded,
    /// so does this: a head file that cannot be written is logged and retried (see
    /// `audit::mirror_head`), never reported as the change failing.
    pub async fn commit(self) -> Result<(), StoreError> {
        let Unit {
            store,
            tx,
            head,
            views_only,
            _turn,
        } = self;
        tx.commit().await?;
        drop(_turn);
        if !views_only {
            store.directory.changed();
        }
        if let Some(head) = head {
            let _ = audit::mirror_head(store, head).await;
        }
        Ok(())
    }
}
