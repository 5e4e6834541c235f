//! Audit entries about access itself: refused attempts to reach a case outside one's scope,
//! and reads of the audit log. Both hold no personal data: the case's id (or the code that
//! was tried), the route, and the names — not the values — of the filters used.

use crate::audit::{Action, AuditEntry};
use crate::{Store, StoreError};
use uuid::Uuid;
use yoldash_domain::Actor;

impl Store {
    /// Records that `actor` asked for the case `code` by `route` (`"GET /cases/{code}"`)
    /// and was answered 404. The entry names the case's id when the case exists outside
    /// their scope, the code tried when no such case exists, and neither when what was
    /// tried is not a case code at all (it could be anything a person typed).
    ///
    /// When the case is visible to them but its household is hidden from them ("family
    /// member implicated", not their case), a household route was refused for that:
    /// recorded as such. Otherwise the 404 was about a record inside it (`record`:
    /// the `{id}` of `/cases/{code}/household/{id}` and the like): that is recorded too,
    /// naming the case and, when it is a record id at all, the id tried, since a record of
    /// another case asked for through one's own case is a probe. A visible case without a
    /// record in the route is not recorded (the 404 came from the handler's own rules).
    /// Committed with the views, before the answer leaves.
    pub async fn audit_refused_case(
        &self,
        actor: &Actor,
        code: &str,
        record: Option<&str>,
        route: &str,
    ) -> Result<(), StoreError> {
        let entry = AuditEntry::by(Some(actor), Action::AccessRefused);
        let entry = match self.visible_case_household(actor, code).await {
            Ok((case_id, household_hidden)) => {
                let tried = if household_hidden && route.contains("/household") {
                    "household hidden".to_string()
                } else {
                    match record.map(Uuid::parse_str) {
                        None => return Ok(()),
                        Some(Ok(id)) => format!("record {id} not in this case"),
                        Some(Err(_)) => "not a record id".to_string(),
                    }
                };
                entry
                    .object("case", case_id)
                    .detail(format!("route={route}; {tried}"))
            }
            Err(StoreError::NotFound) => self.refused_outside_scope(entry, code, route).await?,
            Err(e) => return Err(e),
        };
        self.audit_view(entry).await
    }

    /// The entry of a refused case outside the caller's scope, or of a code of no case.
    async fn refused_outside_scope<'a>(
        &self,
        entry: AuditEntry<'a>,
        code: &str,
        route: &str,
    ) -> Result<AuditEntry<'a>, StoreError> {
        if !yoldash_domain::person::is_pseudonymous_code("C", code) {
            return Ok(entry.detail(format!("route={route}; not a case code")));
        }
        let id: Option<String> = sqlx::query_scalar("SELECT id FROM cases WHERE code = $1")
            .bind(code)
            .fetch_optional(&self.db.pool)
            .await?;
        Ok(match id {
            Some(id) => entry
                .object("case", id)
                .detail(format!("route={route}; outside scope")),
            None => entry
                .object("case_code", code)
                .detail(format!("route={route}; no such case")),
        })
    }

    /// Records that `actor` was refused `route` (`"GET /admin/audit"`) by `rule` (the
    /// refusal's slug: `forbidden` when the route's permission is missing). No object and
    /// nothing typed: the route pattern and the rule only.
    pub async fn audit_refused_route(
        &self,
        actor: &Actor,
        route: &str,
        rule: &str,
    ) -> Result<(), StoreError> {
        let entry = AuditEntry::by(Some(actor), Action::AccessRefused)
            .detail(format!("route={route}; refused={rule}"));
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
