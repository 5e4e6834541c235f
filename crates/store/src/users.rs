//! User accounts: creation, lookup for sign-in, roles, passwords, disabling.

use crate::audit::{Action, AuditEntry};
use crate::db::{Backend, explain_missed_update, flag};
use crate::organisations::parse_id;
use crate::time::now_micros;
use crate::visibility::users_visible_to;
use crate::{Store, StoreError, Unit};
use serde::Serialize;
use sqlx::Row;
use uuid::Uuid;
use yoldash_domain::{Actor, Email, PersonName, Role, Version};

/// A user as shown to administrators and to the user themself. Never carries the hash.
#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: Uuid,
    pub org_id: Uuid,
    pub email: String,
    pub display_name: String,
    pub language: String,
    pub roles: Vec<Role>,
    pub active: bool,
    pub must_change_password: bool,
    pub version: Version,
}

impl User {
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.id,
            org_id: self.org_id,
            roles: self.roles.clone(),
        }
    }
}

/// What sign-in needs: the hash and whether the account and its organisation are active.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user_id: Uuid,
    pub password_hash: String,
    pub usable: bool,
}

/// A new account. The password is already hashed (see `passwords::hash`).
#[derive(Debug, Clone)]
pub struct NewUser {
    pub org_id: Uuid,
    pub email: Email,
    pub display_name: PersonName,
    pub roles: Vec<Role>,
    pub language: String,
    pub password_hash: String,
    pub must_change_password: bool,
}

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: String,
    org_id: String,
    email: String,
    display_name: String,
    language: String,
    active: i64,
    must_change_password: i64,
    version: i64,
}

pub(crate) const COLUMNS: &str = "u.id, u.org_id, u.email, u.display_name, u.language, u.active, u.must_change_password, u.version";

/// The UI languages; a user's preference is one of these.
pub const LANGUAGES: [&str; 3] = ["en", "ru", "tk"];

impl Store {
    async fn with_roles<'e, E>(&self, exec: E, row: UserRow) -> Result<User, StoreError>
    where
        E: sqlx::Executor<'e, Database = sqlx::Any>,
    {
        let roles: Vec<String> =
            sqlx::query_scalar("SELECT role FROM user_roles WHERE user_id = $1 ORDER BY role")
                .bind(&row.id)
                .fetch_all(exec)
                .await?;
        user_of(row, roles.iter().map(String::as_str))
    }
}

/// The SQL of a user's roles as one comma-separated text (for `u`, in a user query).
pub(crate) fn roles_in_one(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "(SELECT group_concat(role, ',') FROM user_roles WHERE user_id = u.id)",
        Backend::Postgres => "(SELECT string_agg(role, ',') FROM user_roles WHERE user_id = u.id)",
    }
}

/// A user from its row and role codes (unknown codes are ignored).
pub(crate) fn user_of<'r>(
    row: UserRow,
    roles: impl Iterator<Item = &'r str>,
) -> Result<User, StoreError> {
    let mut roles: Vec<Role> = roles.filter_map(|r| Role::parse(r).ok()).collect();
    roles.sort();
    Ok(User {
        id: parse_id(&row.id)?,
        org_id: parse_id(&row.org_id)?,
        email: row.email,
        display_name: row.display_name,
        language: row.language,
        roles,
        active: row.active != 0,
        must_change_password: row.must_change_password != 0,
        version: Version(row.version),
    })
}

/// Refuses `actor` an action on an account holding `roles` unless
/// `Actor::may_act_on_account` allows it. `None` is the command line, run by the operator.
pub(crate) fn check_may_act_on(actor: Option<&Actor>, roles: &[Role]) -> Result<(), StoreError> {
    match actor {
        Some(a) if !a.may_act_on_account(roles) => Err(StoreError::Refused("account-out-of-reach")),
        _ => Ok(()),
    }
}

/// The roles a stored account holds, read inside the unit of work that then changes it;
/// `None` when one of them is a code this binary does not know.
async fn stored_roles(tx: &mut crate::Tx, user_id: Uuid) -> Result<Option<Vec<Role>>, StoreError> {
    let codes: Vec<String> = sqlx::query_scalar("SELECT role FROM user_roles WHERE user_id = $1")
        .bind(user_id.to_string())
        .fetch_all(&mut **tx)
        .await?;
    Ok(codes.iter().map(|c| Role::parse(c).ok()).collect())
}

/// The same check for a stored account. A role code this binary does not know is out of
/// everyone's reach.
pub(crate) async fn check_may_act_on_user(
    tx: &mut crate::Tx,
    actor: Option<&Actor>,
    user_id: Uuid,
) -> Result<(), StoreError> {
    let Some(actor) = actor else { return Ok(()) };
    match stored_roles(tx, user_id).await? {
        Some(roles) => check_may_act_on(Some(actor), &roles),
        None => Err(StoreError::Refused("account-out-of-reach")),
    }
}

/// Checks that `actor` may give the stored account `user_id` the roles `new`: the account as
/// it is and the roles it is given must be within reach (`Actor::may_act_on_account`), and
/// nobody changes their own roles (`Actor::may_set_roles`). One read of the stored roles.
async fn check_may_set_roles(
    tx: &mut crate::Tx,
    actor: Option<&Actor>,
    user_id: Uuid,
    new: &[Role],
) -> Result<(), StoreError> {
    let Some(actor) = actor else { return Ok(()) };
    let Some(current) = stored_roles(tx, user_id).await? else {
        return Err(StoreError::Refused("account-out-of-reach"));
    };
    check_may_act_on(Some(actor), &current)?;
    check_may_act_on(Some(actor), new)?;
    if actor.may_set_roles(user_id, &current, new) {
        Ok(())
    } else {
        Err(StoreError::Refused("own-roles"))
    }
}

/// Revokes every live API token of a user.
async fn revoke_tokens_of(tx: &mut crate::Tx, user_id: Uuid) -> Result<(), StoreError> {
    sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
        .bind(now_micros())
        .bind(user_id.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl Store {
    pub async fn create_user(
        &self,
        unit: &mut Unit<'_>,
        actor: Option<&Actor>,
        new: &NewUser,
    ) -> Result<User, StoreError> {
        if !LANGUAGES.contains(&new.language.as_str()) {
            return Err(yoldash_domain::Invalid::new("language", "invalid-language").into());
        }
        if new.roles.is_empty() {
            return Err(yoldash_domain::Invalid::new("roles", "role-required").into());
        }
        check_may_act_on(actor, &new.roles)?;
        let org_active: Option<i64> =
            sqlx::query_scalar("SELECT active FROM organisations WHERE id = $1")
                .bind(new.org_id.to_string())
                .fetch_optional(&mut *unit.tx)
                .await?;
        match org_active {
            None => return Err(yoldash_domain::Invalid::new("org", "unknown-organisation").into()),
            Some(0) => {
                return Err(yoldash_domain::Invalid::new("org", "organisation-inactive").into());
            }
            Some(_) => {}
        }
        let id = Uuid::now_v7();
        let now = now_micros();
        sqlx::query(
            "INSERT INTO users (id, org_id, email, display_name, password_hash, language, active, must_change_password, version, created_at, updated_at, password_changed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 1, $7, 1, $8, $8, $8)",
        )
        .bind(id.to_string())
        .bind(new.org_id.to_string())
        .bind(new.email.as_str())
        .bind(new.display_name.as_str())
        .bind(&new.password_hash)
        .bind(&new.language)
        .bind(flag(new.must_change_password))
        .bind(now)
        .execute(&mut *unit.tx)
        .await?;
        for role in &new.roles {
            sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
                .bind(id.to_string())
                .bind(role.as_str())
                .execute(&mut *unit.tx)
                .await?;
        }
        let roles: Vec<&str> = new.roles.iter().map(|r| r.as_str()).collect();
        unit.audit(
            AuditEntry::by(actor, Action::Create)
                .object("user", id)
                .detail(format!("roles={}", roles.join(","))),
        )
        .await?;
        let mut roles = new.roles.clone();
        roles.sort();
        Ok(User {
            id,
            org_id: new.org_id,
            email: new.email.as_str().to_string(),
            display_name: new.display_name.as_str().to_string(),
            language: new.language.clone(),
            roles,
            active: true,
            must_change_password: new.must_change_password,
            version: Version::FIRST,
        })
    }

    /// A user by id, without any visibility filter: for the signed-in user themself and
    /// for commands run by the operator.
    /// The account as `unit` sees it before committing (an answer read after the commit
    /// could fail after the change was made).
    pub async fn user_in(&self, unit: &mut Unit<'_>, id: Uuid) -> Result<User, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM users u WHERE u.id = $1");
        let row: UserRow = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id.to_string())
            .fetch_one(&mut *unit.tx)
            .await?;
        self.with_roles(&mut *unit.tx, row).await
    }

    pub async fn user(&self, id: Uuid) -> Result<User, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM users u WHERE u.id = $1");
        let row: UserRow = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id.to_string())
            .fetch_one(&self.db.pool)
            .await?;
        self.with_roles(&self.db.pool, row).await
    }

    pub async fn user_by_email(&self, email: &str) -> Result<User, StoreError> {
        let email = Email::parse(email).map_err(|_| StoreError::NotFound)?;
        let sql = format!("SELECT {COLUMNS} FROM users u WHERE u.email = $1");
        let row: UserRow = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(email.as_str())
            .fetch_one(&self.db.pool)
            .await?;
        self.with_roles(&self.db.pool, row).await
    }

    /// A user as seen by `actor`: not found unless the visibility rule lets the actor see it.
    pub async fn user_visible_to(&self, actor: &Actor, id: Uuid) -> Result<User, StoreError> {
        let sql =
            format!("SELECT {COLUMNS} FROM users u WHERE u.id = $1 AND ($2 = '' OR u.org_id = $2)");
        let row: UserRow = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id.to_string())
            .bind(users_visible_to(actor).bind_value())
            .fetch_one(&self.db.pool)
            .await?;
        self.with_roles(&self.db.pool, row).await
    }

    /// The users `actor` may see, optionally of one organisation.
    pub async fn users_visible_to(
        &self,
        actor: &Actor,
        org: Option<Uuid>,
    ) -> Result<Vec<User>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM users u WHERE ($1 = '' OR u.org_id = $1) AND ($2 = '' OR u.org_id = $2) ORDER BY u.email"
        );
        let rows: Vec<UserRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(users_visible_to(actor).bind_value())
            .bind(org.map(|o| o.to_string()).unwrap_or_default())
            .fetch_all(&self.db.pool)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(self.with_roles(&self.db.pool, r).await?);
        }
        Ok(out)
    }

    /// Everything sign-in needs for an e-mail address; `None` for an unknown address.
    pub async fn credentials(&self, email: &Email) -> Result<Option<Credentials>, StoreError> {
        let row = sqlx::query(
            "SELECT u.id, u.password_hash, u.active, o.active AS org_active \
             FROM users u JOIN organisations o ON o.id = u.org_id WHERE u.email = $1",
        )
        .bind(email.as_str())
        .fetch_optional(&self.db.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(Credentials {
            user_id: parse_id(&row.try_get::<String, _>("id")?)?,
            password_hash: row.try_get("password_hash")?,
            usable: row.try_get::<i64, _>("active")? != 0
                && row.try_get::<i64, _>("org_active")? != 0,
        }))
    }

    pub async fn password_hash_of(&self, user_id: Uuid) -> Result<String, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
                .bind(user_id.to_string())
                .fetch_one(&self.db.pool)
                .await?,
        )
    }

    /// Sets a new password hash and revokes the user's sessions, except `keep_session`
    /// (the session of a user changing their own password stays signed in). A reset by an
    /// administrator (`forced = true`) makes the user choose a new one at next sign-in.
    #[allow(clippy::too_many_arguments)]
    pub async fn set_password(
        &self,
        unit: &mut Unit<'_>,
        actor: Option<&Actor>,
        user_id: Uuid,
        password_hash: &str,
        forced: bool,
        keep_session: Option<&str>,
    ) -> Result<(), StoreError> {
        check_may_act_on_user(&mut unit.tx, actor, user_id).await?;
        let done = sqlx::query(
            "UPDATE users SET password_hash = $1, must_change_password = $2, password_changed_at = $3, updated_at = $3, version = version + 1 WHERE id = $4",
        )
        .bind(password_hash)
        .bind(flag(forced))
        .bind(now_micros())
        .bind(user_id.to_string())
        .execute(&mut *unit.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
            .bind(user_id.to_string())
            .bind(keep_session.unwrap_or(""))
            .execute(&mut *unit.tx)
            .await?;
        // A new password ends every credential issued before it: API tokens too.
        revoke_tokens_of(&mut unit.tx, user_id).await?;
        let action = if forced {
            Action::PasswordReset
        } else {
            Action::PasswordChange
        };
        unit.audit(AuditEntry::by(actor, action).object("user", user_id))
            .await?;
        Ok(())
    }

    /// Disables or re-enables an account; disabling revokes its sessions and API tokens.
    pub async fn set_user_active(
        &self,
        unit: &mut Unit<'_>,
        actor: Option<&Actor>,
        user_id: Uuid,
        active: bool,
        expected: Option<Version>,
    ) -> Result<(), StoreError> {
        check_may_act_on_user(&mut unit.tx, actor, user_id).await?;
        let id = user_id.to_string();
        let done = sqlx::query(
            "UPDATE users SET active = $1, updated_at = $2, version = version + 1 WHERE id = $3 AND ($4 = 0 OR version = $4)",
        )
        .bind(flag(active))
        .bind(now_micros())
        .bind(&id)
        .bind(expected.map_or(0, |v| v.0))
        .execute(&mut *unit.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(explain_missed_update(&mut unit.tx, "users", &id).await);
        }
        if !active {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(&id)
                .execute(&mut *unit.tx)
                .await?;
            revoke_tokens_of(&mut unit.tx, user_id).await?;
        }
        let action = if active {
            Action::Update
        } else {
            Action::Disable
        };
        unit.audit(AuditEntry::by(actor, action).object("user", user_id))
            .await?;
        Ok(())
    }

    /// Updates display name and language, guarded by the version the editor saw.
    pub async fn update_user_profile(
        &self,
        unit: &mut Unit<'_>,
        actor: Option<&Actor>,
        user_id: Uuid,
        expected: Version,
        display_name: &PersonName,
        language: &str,
    ) -> Result<Version, StoreError> {
        if !LANGUAGES.contains(&language) {
            return Err(yoldash_domain::Invalid::new("language", "invalid-language").into());
        }
        check_may_act_on_user(&mut unit.tx, actor, user_id).await?;
        let id = user_id.to_string();
        let done = sqlx::query(
            "UPDATE users SET display_name = $1, language = $2, updated_at = $3, version = version + 1 WHERE id = $4 AND version = $5",
        )
        .bind(display_name.as_str())
        .bind(language)
        .bind(now_micros())
        .bind(&id)
        .bind(expected.0)
        .execute(&mut *unit.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(explain_missed_update(&mut unit.tx, "users", &id).await);
        }
        unit.audit(AuditEntry::by(actor, Action::Update).object("user", user_id))
            .await?;
        Ok(expected.next())
    }

    pub async fn count_users(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.db.pool)
            .await?)
    }
}

/// What an administrator may change about an account.
#[derive(Debug, Clone)]
pub struct UserChanges {
    pub display_name: PersonName,
    pub language: String,
    pub roles: Vec<Role>,
    pub second_factor_required: bool,
}

impl Store {
    /// An administrator's edit of an account, guarded by the version the editor saw.
    pub async fn update_user_admin(
        &self,
        unit: &mut Unit<'_>,
        actor: Option<&Actor>,
        user_id: Uuid,
        expected: Version,
        changes: &UserChanges,
    ) -> Result<Version, StoreError> {
        if !LANGUAGES.contains(&changes.language.as_str()) {
            return Err(yoldash_domain::Invalid::new("language", "invalid-language").into());
        }
        if changes.roles.is_empty() {
            return Err(yoldash_domain::Invalid::new("roles", "role-required").into());
        }
        check_may_set_roles(&mut unit.tx, actor, user_id, &changes.roles).await?;
        let id = user_id.to_string();
        // Nobody lifts a second-factor requirement from their own account: an administrator
        // who set it meant it for them.
        if actor.is_some_and(|a| a.user_id == user_id) && !changes.second_factor_required {
            let required: i64 =
                sqlx::query_scalar("SELECT second_factor_required FROM users WHERE id = $1")
                    .bind(&id)
                    .fetch_one(&mut *unit.tx)
                    .await?;
            if required != 0 {
                return Err(StoreError::Refused("own-second-factor"));
            }
        }
        let done = sqlx::query(
            "UPDATE users SET display_name = $1, language = $2, second_factor_required = $3, updated_at = $4, version = version + 1 \
             WHERE id = $5 AND version = $6",
        )
        .bind(changes.display_name.as_str())
        .bind(&changes.language)
        .bind(flag(changes.second_factor_required))
        .bind(now_micros())
        .bind(&id)
        .bind(expected.0)
        .execute(&mut *unit.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(explain_missed_update(&mut unit.tx, "users", &id).await);
        }
        sqlx::query("DELETE FROM user_roles WHERE user_id = $1")
            .bind(&id)
            .execute(&mut *unit.tx)
            .await?;
        for role in &changes.roles {
            sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
                .bind(&id)
                .bind(role.as_str())
                .execute(&mut *unit.tx)
                .await?;
        }
        let roles: Vec<&str> = changes.roles.iter().map(|r| r.as_str()).collect();
        unit.audit(
            AuditEntry::by(actor, Action::Update)
                .object("user", user_id)
                .detail(format!(
                    "roles={} second_factor_required={}",
                    roles.join(","),
                    changes.second_factor_required
                )),
        )
        .await?;
        Ok(expected.next())
    }

    /// Whether an administrator requires a second factor of this user.
    pub async fn second_factor_required_by_admin(&self, user_id: Uuid) -> Result<bool, StoreError> {
        let v: i64 = sqlx::query_scalar("SELECT second_factor_required FROM users WHERE id = $1")
            .bind(user_id.to_string())
            .fetch_one(&self.db.pool)
            .await?;
        Ok(v != 0)
    }

    /// Users whose second factor is on (for lists).
    pub async fn users_with_second_factor(
        &self,
    ) -> Result<std::collections::HashSet<Uuid>, StoreError> {
        let ids: Vec<String> =
            sqlx::query_scalar("SELECT id FROM users WHERE totp_enabled_at IS NOT NULL")
                .fetch_all(&self.db.pool)
                .await?;
        ids.iter().map(|s| parse_id(s)).collect()
    }
}

impl Store {
    /// The user's own choice of interface language (a preference: not versioned or audited).
    pub async fn set_user_language(&self, user_id: Uuid, language: &str) -> Result<(), StoreError> {
        if !LANGUAGES.contains(&language) {
            return Err(yoldash_domain::Invalid::new("language", "invalid-language").into());
        }
        sqlx::query("UPDATE users SET language = $1 WHERE id = $2")
            .bind(language)
            .bind(user_id.to_string())
            .execute(&self.db.pool)
            .await?;
        Ok(())
    }
}
