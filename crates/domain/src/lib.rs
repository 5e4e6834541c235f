//! Yoldash domain: types and rules of the platform and, later, of cases, indicators and plans — no I/O.

pub mod account;
pub mod actor;
pub mod case;
pub mod catalogue;
pub mod concurrency;
pub mod consent;
pub mod household;
pub mod identification;
pub mod organisation;
pub mod permission;
pub mod person;
pub mod picklist;
pub mod reference;
pub mod region;
pub mod role;

pub use account::{Email, PasswordPolicy, PasswordProblem, PersonName, is_invisible_format};
pub use actor::Actor;
pub use concurrency::Version;
pub use organisation::{OrgCode, OrganisationType};
pub use permission::{Permission, PermissionTable};
pub use role::Role;

/// A validation failure: a stable message key (translated by the web layer) and the field it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {key}")]
pub struct Invalid {
    pub field: &'static str,
    pub key: &'static str,
}

impl Invalid {
    pub fn new(field: &'static str, key: &'static str) -> Self {
        Self { field, key }
    }
}
