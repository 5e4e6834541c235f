//! The one place that decides which owned records an actor may see.
//!
//! Every query of an owned record binds the scope computed here. A record outside the
//! scope is reported as not found (404), never as forbidden, so that its existence is not
//! revealed. Issue-by-issue, new record kinds (cases, referrals) add their rule here.

use uuid::Uuid;
use yoldash_domain::{Actor, Role};

/// Which organisations' records an actor may see: all of them, or one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgScope {
    All,
    Only(Uuid),
}

impl OrgScope {
    /// Bound into queries as `($n = '' OR org_id = $n)`.
    pub fn bind_value(self) -> String {
        match self {
            OrgScope::All => String::new(),
            OrgScope::Only(org) => org.to_string(),
        }
    }
}

/// User accounts: system administrators see all; everyone else the accounts of their own
/// organisation.
pub fn users_visible_to(actor: &Actor) -> OrgScope {
    if actor.has_role(Role::Admin) {
        OrgScope::All
    } else {
        OrgScope::Only(actor.org_id)
    }
}

/// Which cases an actor may see: the case workers and supervisors of the owning
/// organisation; a restricted case only its assigned worker and the organisation's
/// supervisors. Nobody else — not administrators, the secretariat or viewers — sees a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseScope {
    /// The organisation whose cases are visible (None: no case is).
    pub org: Option<Uuid>,
    pub user: Uuid,
    /// Supervisors see the restricted cases of their organisation too.
    pub sees_restricted: bool,
}

pub fn cases_visible_to(actor: &Actor) -> CaseScope {
    let works_cases = actor.has_role(Role::CaseWorker) || actor.has_role(Role::Supervisor);
    CaseScope {
        org: works_cases.then_some(actor.org_id),
        user: actor.user_id,
        sees_restricted: actor.has_role(Role::Supervisor),
    }
}

impl CaseScope {
    /// The SQL condition on a case aliased `c`, with its three values bound at `$n`,
    /// `$n+1`, `$n+2` (see `bind_values`). The text differs by scope so that the database
    /// can answer from an index: a supervisor's condition needs only the organisation, a
    /// case worker's also the restricted flag and assigned worker (indexed together).
    pub fn condition(&self, n: usize) -> String {
        let (user, sup) = (n + 1, n + 2);
        if self.sees_restricted {
            format!("c.org_id = ${n} AND ${user} <> '' AND ${sup} = 1")
        } else {
            format!(
                "c.org_id = ${n} AND (c.restricted = 0 OR c.assigned_worker_id = ${user}) AND ${sup} = 0"
            )
        }
    }

    pub fn bind_values(&self) -> (String, String, i64) {
        (
            self.org.map(|o| o.to_string()).unwrap_or_default(),
            self.user.to_string(),
            i64::from(self.sees_restricted),
        )
    }

    /// May this actor see a case with these facts? (The same rule as `condition`.)
    pub fn sees(&self, org_id: Uuid, restricted: bool, assigned: Option<Uuid>) -> bool {
        self.org == Some(org_id)
            && (!restricted || assigned == Some(self.user) || self.sees_restricted)
    }

    /// When a family member is implicated, the household is for the assigned worker only.
    pub fn sees_household(&self, family_implicated: bool, assigned: Option<Uuid>) -> bool {
        !family_implicated || assigned == Some(self.user)
    }
}
