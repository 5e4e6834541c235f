//! The roles a user of Yoldash can hold.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A role. A user holds one or more; what each role may do is data (see `permission`).
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
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    OrgAdmin,
    Secretariat,
    Supervisor,
    CaseWorker,
    ServiceProvider,
    HotlineOperator,
    MeOfficer,
    Viewer,
}

impl Role {
    pub const ALL: [Role; 9] = [
        Role::Admin,
        Role::OrgAdmin,
        Role::Secretariat,
        Role::Supervisor,
        Role::CaseWorker,
        Role::ServiceProvider,
        Role::HotlineOperator,
        Role::MeOfficer,
        Role::Viewer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::OrgAdmin => "org_admin",
            Role::Secretariat => "secretariat",
            Role::Supervisor => "supervisor",
            Role::CaseWorker => "case_worker",
            Role::ServiceProvider => "service_provider",
            Role::HotlineOperator => "hotline_operator",
            Role::MeOfficer => "me_officer",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Result<Role, crate::Invalid> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or(crate::Invalid::new("role", "invalid-role"))
    }

    /// Parses a comma-separated list such as `case_worker,supervisor`; duplicates collapse.
    pub fn parse_list(s: &str) -> Result<Vec<Role>, crate::Invalid> {
        let mut roles = Vec::new();
        for part in s.split(',').filter(|p| !p.trim().is_empty()) {
            let role = Role::parse(part)?;
            if !roles.contains(&role) {
                roles.push(role);
            }
        }
        if roles.is_empty() {
            return Err(crate::Invalid::new("role", "role-required"));
        }
        roles.sort();
        Ok(roles)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Ok(r));
        }
    }

    #[test]
    fn list_parsing_dedupes_and_rejects_unknown() {
        assert_eq!(
            Role::parse_list("supervisor, case_worker,supervisor"),
            Ok(vec![Role::Supervisor, Role::CaseWorker])
        );
        assert!(Role::parse_list("root").is_err());
        assert!(Role::parse_list(" , ").is_err());
    }
}
