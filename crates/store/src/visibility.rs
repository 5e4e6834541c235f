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
