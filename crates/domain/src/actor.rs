//! Who is acting: the signed-in user (or API token holder), their organisation and roles.

use crate::{Permission, PermissionTable, Role};
use uuid::Uuid;

/// The person behind a request or command, as the access rules see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Uuid,
    pub org_id: Uuid,
    pub roles: Vec<Role>,
}

impl Actor {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn may(&self, table: &PermissionTable, permission: Permission) -> bool {
        table.allows(&self.roles, permission)
    }

    /// May this actor see (and, with the right permission, manage) the accounts of `org_id`?
    /// System administrators see every organisation's users; everyone else only their own.
    pub fn sees_users_of(&self, org_id: Uuid) -> bool {
        self.has_role(Role::Admin) || self.org_id == org_id
    }
}
