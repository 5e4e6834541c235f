//! Permissions and the role → permission table, which is data (`data/roles.json`), not code.

use crate::Role;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Something a route or command needs. What *records* the actor may touch is a separate
/// question, answered by the store's visibility filter.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
pub enum Permission {
    #[serde(rename = "profile.use")]
    ProfileUse,
    #[serde(rename = "organisation.read")]
    OrganisationRead,
    #[serde(rename = "organisation.manage")]
    OrganisationManage,
    #[serde(rename = "user.read")]
    UserRead,
    #[serde(rename = "user.manage")]
    UserManage,
    #[serde(rename = "token.manage")]
    TokenManage,
    #[serde(rename = "audit.read")]
    AuditRead,
    #[serde(rename = "region.read")]
    RegionRead,
    #[serde(rename = "region.manage")]
    RegionManage,
    #[serde(rename = "reference.manage")]
    ReferenceManage,
    #[serde(rename = "settings.manage")]
    SettingsManage,
    /// Open the case list and the cases the visibility rule allows.
    #[serde(rename = "case.read")]
    CaseRead,
    /// Register people and cases; record consent, household, identification, safety.
    #[serde(rename = "case.manage")]
    CaseManage,
    /// Approve the closure of a case.
    #[serde(rename = "case.approve")]
    CaseApprove,
    /// Reassign a case and lift its protections ("restricted", "family implicated"):
    /// supervisor decisions (see `case::SupervisorDecision`).
    #[serde(rename = "case.supervise")]
    CaseSupervise,
}

/// The role → permission table.
#[derive(Debug, Clone)]
pub struct PermissionTable {
    grants: BTreeMap<Role, BTreeSet<Permission>>,
}

/// The table shipped with the binary.
const SHIPPED: &str = include_str!("../../../data/roles.json");

impl PermissionTable {
    /// Parses a table; every role must appear, and `_`-prefixed keys are comments.
    pub fn parse(json: &str) -> Result<Self, String> {
        let raw: BTreeMap<String, serde_json::Value> =
            serde_json::from_str(json).map_err(|e| e.to_string())?;
        let mut grants = BTreeMap::new();
        for (key, value) in raw {
            if key.starts_with('_') {
                continue;
            }
            let role = Role::parse(&key).map_err(|_| format!("unknown role {key}"))?;
            let perms: BTreeSet<Permission> =
                serde_json::from_value(value).map_err(|e| format!("role {key}: {e}"))?;
            grants.insert(role, perms);
        }
        if let Some(missing) = Role::ALL.iter().find(|r| !grants.contains_key(r)) {
            return Err(format!("role {missing} has no entry"));
        }
        Ok(Self { grants })
    }

    pub fn shipped() -> Self {
        Self::parse(SHIPPED).expect("data/roles.json is valid (checked by a unit test)")
    }

    pub fn allows(&self, roles: &[Role], permission: Permission) -> bool {
        roles
            .iter()
            .any(|r| self.grants.get(r).is_some_and(|p| p.contains(&permission)))
    }

    pub fn permissions_of(&self, roles: &[Role]) -> BTreeSet<Permission> {
        roles
            .iter()
            .filter_map(|r| self.grants.get(r))
            .flatten()
            .copied()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_table_parses_and_covers_every_role() {
        let t = PermissionTable::shipped();
        for r in Role::ALL {
            assert!(t.allows(&[r], Permission::ProfileUse), "{r}");
        }
        assert!(t.allows(&[Role::Admin], Permission::AuditRead));
        assert!(!t.allows(&[Role::CaseWorker], Permission::AuditRead));
        assert!(t.allows(&[Role::Viewer, Role::Admin], Permission::UserManage));
        assert!(t.allows(&[Role::Supervisor], Permission::CaseSupervise));
        assert!(!t.allows(&[Role::CaseWorker], Permission::CaseSupervise));
    }

    #[test]
    fn unknown_names_are_rejected() {
        assert!(PermissionTable::parse(r#"{"root": []}"#).is_err());
        assert!(PermissionTable::parse(r#"{"admin": ["fly"]}"#).is_err());
        assert!(PermissionTable::parse(r#"{"admin": []}"#).is_err());
    }
}
