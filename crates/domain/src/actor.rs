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

    /// May this actor give `role` to an account? Only a system administrator grants
    /// `admin`. (Whether the actor may manage accounts at all is the `user.manage`
    /// permission, which the route checks; this rule says which roles.)
    pub fn may_grant(&self, role: Role) -> bool {
        role != Role::Admin || self.has_role(Role::Admin)
    }

    /// The roles this actor may grant, in `Role::ALL` order.
    pub fn grantable_roles(&self) -> Vec<Role> {
        Role::ALL
            .into_iter()
            .filter(|r| self.may_grant(*r))
            .collect()
    }

    /// May this actor act on an account holding `roles` — edit it, disable or enable it,
    /// reset its password or second factor, issue or revoke its tokens? Only when every one
    /// of those roles is one the actor may grant: otherwise an organisation administrator
    /// could take over a system administrator's account (reset its password and be shown
    /// the new one).
    pub fn may_act_on_account(&self, roles: &[Role]) -> bool {
        roles.iter().all(|r| self.may_grant(*r))
    }

    /// May this actor give the account `account`, which holds `current`, the roles `new`?
    /// Nobody changes their own roles: an organisation administrator could otherwise make
    /// themself a supervisor and read every case of the organisation, restricted ones
    /// included, with no second person involved. Another administrator does it.
    pub fn may_set_roles(&self, account: Uuid, current: &[Role], new: &[Role]) -> bool {
        let sorted = |r: &[Role]| {
            let mut v = r.to_vec();
            v.sort();
            v.dedup();
            v
        };
        account != self.user_id || sorted(current) == sorted(new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(roles: &[Role]) -> Actor {
        Actor {
            user_id: Uuid::nil(),
            org_id: Uuid::nil(),
            roles: roles.to_vec(),
        }
    }

    #[test]
    fn only_accounts_within_the_grantable_roles_can_be_acted_on() {
        let admin = actor(&[Role::Admin]);
        let org_admin = actor(&[Role::OrgAdmin]);
        for target in Role::ALL {
            assert!(admin.may_act_on_account(&[target]), "admin on {target}");
            assert_eq!(
                org_admin.may_act_on_account(&[target]),
                target != Role::Admin,
                "org_admin on {target}"
            );
            // One role out of reach is enough to refuse.
            assert!(!org_admin.may_act_on_account(&[target, Role::Admin]));
        }
        assert!(!org_admin.grantable_roles().contains(&Role::Admin));
        assert_eq!(admin.grantable_roles(), Role::ALL.to_vec());
    }

    #[test]
    fn nobody_changes_their_own_roles() {
        let me = actor(&[Role::OrgAdmin]);
        let other = Uuid::now_v7();
        let mine = [Role::OrgAdmin];
        assert!(me.may_set_roles(me.user_id, &mine, &[Role::OrgAdmin]));
        assert!(!me.may_set_roles(me.user_id, &mine, &[Role::OrgAdmin, Role::Supervisor]));
        assert!(!me.may_set_roles(me.user_id, &mine, &[Role::Viewer]));
        assert!(me.may_set_roles(other, &[Role::Viewer], &[Role::Supervisor]));
    }
}
