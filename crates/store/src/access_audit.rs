//! Audit entries about access itself: refused attempts to reach a case outside one's scope,
//! and reads of the audit log. Both hold no personal data: the case's id (or the code that
//! was tried), the route, and the names — not the values — of the filters used.

use crate::audit::{Action, AuditEntry};
use crate::{Store, StoreError};
use yoldash_domain::Actor;

impl Store {
    /// Records that `actor` asked for the case `code` by `route` (`"GET /cases/{code}"`)
    /// and was answered 404. Nothing is written when the case is visible to them (the 404
    /// was about something inside it). The entry names the case's id when the case exists
    /// outside their scope, the code tried when no such case exists, and neither when what
    /// was tried is not a case code at all (it could be anything a person typed).
    /// Committed with the views, before the answer leaves.
    pub async fn audit_refused_case(
        &self,
        actor: &Actor,
        code: &str,
        route: &str,
    ) -> Result<(), StoreError> {
        match self.check_case_visible(actor, code).await {
            Ok(()) => return Ok(()),
            Err(StoreError::NotFound) => {}
            Err(e) => return Err(e),
        }
        let entry = AuditEntry::by(Some(actor), Action::AccessRefused);
        let entry = if yoldash_domain::person::is_pseudonymous_code("C", code) {
            let id: Option<String> = sqlx::query_scalar("SELECT id FROM cases WHERE code = $1")
                .bind(code)
                .fetch_optional(&self.db.pool)
                .await?;
            match id {
                Some(id) => entry
                    .object("case", id)
                    .detail(format!("route={route}; outside scope")),
                None => entry
                    .object("case_code", code)
                    .detail(format!("route={route}; no such case")),
            }
        } else {
            entry.detail(format!("route={route}; not a case code"))
        };
        self.audit_view(entry).await
    }

    /// Records that `actor` read the audit log: `detail` says where (the route) and which
    /// filters by name. Committed before the entries are shown.
    pub async fn audit_log_read(&self, actor: &Actor, detail: String) -> Result<(), StoreError> {
        let mut entry = AuditEntry::by(Some(actor), Action::List).detail(detail);
        entry.object_type = Some(AUDIT_LOG);
        self.audit_view(entry).await
    }
}

/// The object type of entries about the audit log itself (reads, exports).
pub const AUDIT_LOG: &str = "audit_log";
