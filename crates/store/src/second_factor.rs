//! The second factor: TOTP enrolment and checks (secret encrypted at rest), single-use
//! recovery codes (stored as keyed hashes), and which users must use a second factor.

use crate::audit::{Action, AuditEntry};
use crate::time::now_micros;
use crate::{Store, StoreError, Unit};
use sqlx::Row;
use uuid::Uuid;
use yoldash_domain::{Actor, Role};

/// Settings key: the roles whose users must use a second factor (JSON array of role names).
pub const REQUIRED_ROLES_SETTING: &str = "second_factor_roles";

/// Recovery codes issued at enrolment.
pub const RECOVERY_CODES: usize = 10;

/// Where a user stands with the second factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecondFactorState {
    /// Enrolled and confirmed.
    pub enabled: bool,
    /// An administrator, or the user's roles, require one.
    pub required: bool,
    pub recovery_codes_left: i64,
}

fn recovery_code() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 10];
    rand::fill(&mut bytes);
    let s: String = bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect();
    format!("{}-{}", &s[..5], &s[5..])
}

/// Recovery codes are compared after removing spaces and dashes, case-insensitively.
fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

impl Store {
    fn recovery_hash(&self, code: &str) -> String {
        self.keys()
            .blind_index("recovery-code", &normalise_code(code))
    }

    pub async fn second_factor_state(
        &self,
        user_id: Uuid,
        roles: &[Role],
    ) -> Result<SecondFactorState, StoreError> {
        let row =
            sqlx::query("SELECT totp_enabled_at, second_factor_required FROM users WHERE id = $1")
                .bind(user_id.to_string())
                .fetch_one(&self.db.pool)
                .await?;
        let enabled = row.try_get::<Option<i64>, _>("totp_enabled_at")?.is_some();
        let by_admin = row.try_get::<i64, _>("second_factor_required")? != 0;
        let required_roles = self.second_factor_roles().await?;
        let left: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
        )
        .bind(user_id.to_string())
        .fetch_one(&self.db.pool)
        .await?;
        Ok(SecondFactorState {
            enabled,
            required: by_admin || roles.iter().any(|r| required_roles.contains(r)),
            recovery_codes_left: left,
        })
    }

    /// The roles whose users must use a second factor.
    pub async fn second_factor_roles(&self) -> Result<Vec<Role>, StoreError> {
        let v = self.setting(REQUIRED_ROLES_SETTING).await?;
        let names: Vec<String> = v
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default();
        let mut roles: Vec<Role> = names.iter().filter_map(|n| Role::parse(n).ok()).collect();
        roles.sort();
        roles.dedup();
        Ok(roles)
    }

    pub async fn set_second_factor_roles(
        &self,
        unit: &mut Unit<'_>,
        actor: Option<&Actor>,
        roles: &[Role],
    ) -> Result<(), StoreError> {
        let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        let value = serde_json::to_string(&names).unwrap_or_default();
        let now = now_micros();
        let updated = sqlx::query("UPDATE settings SET value = $1, updated_at = $2 WHERE key = $3")
            .bind(&value)
            .bind(now)
            .bind(REQUIRED_ROLES_SETTING)
            .execute(&mut *unit.tx)
            .await?;
        if updated.rows_affected() == 0 {
            sqlx::query("INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)")
                .bind(REQUIRED_ROLES_SETTING)
                .bind(&value)
                .bind(now)
                .execute(&mut *unit.tx)
                .await?;
        }
        unit.audit(
            AuditEntry::by(actor, Action::Update)
                .object("setting", REQUIRED_ROLES_SETTING)
                .detail(format!("roles={}", names.join(","))),
        )
        .await
    }

    /// An administrator requires (or stops requiring) a second factor for one user.
    pub async fn set_second_factor_required(
        &self,
        unit: &mut Unit<'_>,
        actor: Option<&Actor>,
        user_id: Uuid,
        required: bool,
    ) -> Result<(), StoreError> {
        crate::users::check_may_act_on_user(&mut unit.tx, actor, user_id).await?;
        let done = sqlx::query("UPDATE users SET second_factor_required = $1, updated_at = $2, version = version + 1 WHERE id = $3")
            .bind(crate::db::flag(required))
            .bind(now_micros())
            .bind(user_id.to_string())
            .execute(&mut *unit.tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        unit.audit(
            AuditEntry::by(actor, Action::Update)
                .object("user", user_id)
                .detail(format!("second_factor_required={required}")),
        )
        .await
    }

    /// Starts (or restarts) an enrolment: a fresh secret, stored encrypted, not yet active.
    pub async fn begin_totp_enrolment(&self, user_id: Uuid) -> Result<Vec<u8>, StoreError> {
        let mut secret = vec![0u8; 20];
        rand::fill(secret.as_mut_slice());
        let state: Option<i64> =
            sqlx::query_scalar("SELECT totp_enabled_at FROM users WHERE id = $1")
                .bind(user_id.to_string())
                .fetch_one(&self.db.pool)
                .await?;
        if state.is_some() {
            // Already enrolled: never replace an active secret silently.
            return Err(
                yoldash_domain::Invalid::new("code", "second-factor-already-enabled").into(),
            );
        }
        self.set_totp_secret(user_id, Some(&secret)).await?;
        Ok(secret)
    }

    /// Confirms an enrolment (the caller has checked a code against the pending secret),
    /// issues fresh recovery codes and returns them: they are shown once, stored as keyed hashes.
    pub async fn confirm_totp_enrolment(
        &self,
        unit: &mut Unit<'_>,
        actor: Option<&Actor>,
        user_id: Uuid,
        step: i64,
    ) -> Result<Vec<String>, StoreError> {
        let now = now_micros();
        let done = sqlx::query(
            "UPDATE users SET totp_enabled_at = $1, totp_last_step = $2, updated_at = $1 WHERE id = $3 AND totp_secret IS NOT NULL AND totp_enabled_at IS NULL",
        )
        .bind(now)
        .bind(step)
        .bind(user_id.to_string())
        .execute(&mut *unit.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        let codes = self.replace_recovery_codes(unit, user_id).await?;
        unit.audit(
            AuditEntry::by(actor, Action::Update)
                .object("user", user_id)
                .detail("second_factor=enabled"),
        )
        .await?;
        Ok(codes)
    }

    async fn replace_recovery_codes(
        &self,
        unit: &mut Unit<'_>,
        user_id: Uuid,
    ) -> Result<Vec<String>, StoreError> {
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
            .bind(user_id.to_string())
            .execute(&mut *unit.tx)
            .await?;
        let now = now_micros();
        let mut codes = Vec::with_capacity(RECOVERY_CODES);
        for _ in 0..RECOVERY_CODES {
            let code = recovery_code();
            sqlx::query("INSERT INTO recovery_codes (id, user_id, code_hash, created_at) VALUES ($1, $2, $3, $4)")
                .bind(Uuid::now_v7().to_string())
                .bind(user_id.to_string())
                .bind(self.recovery_hash(&code))
                .bind(now)
                .execute(&mut *unit.tx)
                .await?;
            codes.push(code);
        }
        Ok(codes)
    }

    /// Issues a new set of recovery codes, invalidating the old ones.
    pub async fn regenerate_recovery_codes(
        &self,
        unit: &mut Unit<'_>,
        actor: Option<&Actor>,
        user_id: Uuid,
    ) -> Result<Vec<String>, StoreError> {
        let codes = self.replace_recovery_codes(unit, user_id).await?;
        unit.audit(
            AuditEntry::by(actor, Action::Update)
                .object("user", user_id)
                .detail("recovery_codes=regenerated"),
        )
        .await?;
        Ok(codes)
    }

    /// Records that a TOTP time step was used, refusing a step at or before the last one
    /// (a code is accepted only once). Returns whether the step was accepted.
    pub async fn accept_totp_step(&self, user_id: Uuid, step: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
        )
        .bind(step)
        .bind(user_id.to_string())
        .execute(&self.db.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Uses a recovery code; true if it was valid and unused (it is now used).
    pub async fn use_recovery_code(&self, user_id: Uuid, code: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
        )
        .bind(now_micros())
        .bind(user_id.to_string())
        .bind(self.recovery_hash(code))
        .execute(&self.db.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Turns the second factor off (by the user with their password, or by an administrator).
    pub async fn disable_second_factor(
        &self,
        unit: &mut Unit<'_>,
        actor: Option<&Actor>,
        user_id: Uuid,
    ) -> Result<(), StoreError> {
        crate::users::check_may_act_on_user(&mut unit.tx, actor, user_id).await?;
        sqlx::query("UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL, updated_at = $1 WHERE id = $2")
            .bind(now_micros())
            .bind(user_id.to_string())
            .execute(&mut *unit.tx)
            .await?;
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
            .bind(user_id.to_string())
            .execute(&mut *unit.tx)
            .await?;
        unit.audit(
            AuditEntry::by(actor, Action::Update)
                .object("user", user_id)
                .detail("second_factor=disabled"),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_are_readable_and_normalised() {
        let c = recovery_code();
        assert_eq!(c.len(), 11);
        assert_eq!(&c[5..6], "-");
        assert_eq!(normalise_code(" ABCDE-fghjk "), "abcdefghjk");
        assert_ne!(recovery_code(), recovery_code());
    }
}
