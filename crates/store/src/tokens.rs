//! API tokens: shown once at creation, stored as a hash, expiring and revocable.

use crate::audit::{Action, AuditEntry};
use crate::organisations::parse_id;
use crate::passwords::{new_token, token_hash};
use crate::time::{MICROS_PER_SECOND, now_micros};
use crate::users::User;
use crate::{Store, StoreError, Unit};
use serde::Serialize;
use sqlx::Row;
use uuid::Uuid;
use yoldash_domain::Actor;

/// Tokens carry this prefix so that a leaked one is recognisable in a secret scanner.
pub const TOKEN_PREFIX: &str = "yld_";

#[derive(Debug, Clone, Serialize)]
pub struct TokenInfo {
    pub id: Uuid,
    pub user_id: Uuid,
    pub label: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

impl Store {
    /// Creates a token for a user; returns its id and the token itself (shown once).
    pub async fn create_token(
        &self,
        unit: &mut Unit<'_>,
        actor: Option<&Actor>,
        user_id: Uuid,
        label: &str,
        expires_in_days: Option<i64>,
    ) -> Result<(Uuid, String), StoreError> {
        let label = label.trim();
        if label.is_empty() || label.chars().count() > 100 {
            return Err(yoldash_domain::Invalid::new("label", "invalid-label").into());
        }
        if let Some(d) = expires_in_days
            && !(1..=3650).contains(&d)
        {
            return Err(yoldash_domain::Invalid::new("expires_in", "invalid-expiry").into());
        }
        crate::users::check_may_act_on_user(&mut unit.tx, actor, user_id).await?;
        let id = Uuid::now_v7();
        let token = new_token(TOKEN_PREFIX);
        let now = now_micros();
        sqlx::query(
            "INSERT INTO api_tokens (id, user_id, label, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id.to_string())
        .bind(user_id.to_string())
        .bind(label)
        .bind(token_hash(&token))
        .bind(now)
        .bind(expires_in_days.map(|d| now + d * 86_400 * MICROS_PER_SECOND))
        .execute(&mut *unit.tx)
        .await?;
        unit.audit(
            AuditEntry::by(actor, Action::TokenCreate)
                .object("api_token", id)
                .detail(format!("user={user_id}")),
        )
        .await?;
        Ok((id, token))
    }

    pub async fn revoke_token(
        &self,
        unit: &mut Unit<'_>,
        actor: Option<&Actor>,
        id: Uuid,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(now_micros())
        .bind(id.to_string())
        .execute(&mut *unit.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        unit.audit(AuditEntry::by(actor, Action::TokenRevoke).object("api_token", id))
            .await?;
        Ok(())
    }

    /// The user behind a presented token, if it is known, unexpired, unrevoked, and its
    /// user and organisation are active.
    pub async fn user_for_token(&self, token: &str) -> Result<Option<User>, StoreError> {
        if !token.starts_with(TOKEN_PREFIX) || token.len() > 200 {
            return Ok(None);
        }
        let now = now_micros();
        let row = sqlx::query(
            "SELECT t.id, t.user_id, t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id \
             JOIN organisations o ON o.id = u.org_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2) \
               AND u.active = 1 AND o.active = 1",
        )
        .bind(token_hash(token))
        .bind(now)
        .fetch_optional(&self.db.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let last_used: Option<i64> = row.try_get("last_used_at")?;
        if last_used.is_none_or(|t| now - t > 60 * MICROS_PER_SECOND) {
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(now)
                .bind(row.try_get::<String, _>("id")?)
                .execute(&self.db.pool)
                .await?;
        }
        let user_id = parse_id(&row.try_get::<String, _>("user_id")?)?;
        Ok(Some(self.user(user_id).await?))
    }

    pub async fn tokens(&self, user_id: Option<Uuid>) -> Result<Vec<TokenInfo>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, user_id, label, created_at, expires_at, revoked_at, last_used_at FROM api_tokens \
             WHERE ($1 = '' OR user_id = $1) ORDER BY created_at DESC",
        )
        .bind(user_id.map(|u| u.to_string()).unwrap_or_default())
        .fetch_all(&self.db.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(TokenInfo {
                    id: parse_id(&r.try_get::<String, _>("id")?)?,
                    user_id: parse_id(&r.try_get::<String, _>("user_id")?)?,
                    label: r.try_get("label")?,
                    created_at: r.try_get("created_at")?,
                    expires_at: r.try_get("expires_at")?,
                    revoked_at: r.try_get("revoked_at")?,
                    last_used_at: r.try_get("last_used_at")?,
                })
            })
            .collect()
    }
}
