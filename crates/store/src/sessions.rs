//! Server-side sessions: a random token in the cookie, only its hash in the database,
//! idle and absolute expiry, a CSRF token per session.

use crate::passwords::{new_token, token_hash};
use crate::time::{MICROS_PER_SECOND, now_micros};
use crate::users::{COLUMNS as USER_COLUMNS, User, UserRow, roles_in_one, user_of};
use crate::{Store, StoreError};
use sqlx::{FromRow, Row};
use uuid::Uuid;

/// A session as the web layer sees it.
#[derive(Debug, Clone)]
pub struct Session {
    pub token_hash: String,
    pub user: User,
    pub csrf_token: String,
    pub created_at: i64,
    pub stage: SessionStage,
}

/// How far sign-in has got. Stored in `sessions.pending_second_factor` as 0, 1, 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStage {
    /// Fully signed in.
    Full,
    /// The password was right; the second factor has not been given yet. Such a session
    /// opens nothing but the second-factor page.
    AwaitingCode,
    /// Signed in, but a second factor is required and not yet set up: only enrolment,
    /// password change and sign-out are open.
    MustEnrol,
}

impl SessionStage {
    fn as_i64(self) -> i64 {
        match self {
            SessionStage::Full => 0,
            SessionStage::AwaitingCode => 1,
            SessionStage::MustEnrol => 2,
        }
    }

    fn from_i64(v: i64) -> Self {
        match v {
            0 => SessionStage::Full,
            2 => SessionStage::MustEnrol,
            // Anything unexpected is treated as the most restricted stage.
            _ => SessionStage::AwaitingCode,
        }
    }
}

/// A freshly created session: the cookie value is only known here.
#[derive(Debug)]
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
}

/// An entry of the "active sessions" list.
#[derive(Debug, Clone)]
pub struct SessionSummary {
    pub token_hash: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub client: Option<String>,
}

/// Refreshing `last_seen_at` on every request would make every page view a write; once a
/// minute is precise enough for a 30-minute idle limit.
const TOUCH_EVERY_MICROS: i64 = 60 * MICROS_PER_SECOND;

impl Store {
    /// Starts a session for a user who has just proved who they are.
    pub async fn create_session(
        &self,
        user_id: Uuid,
        client: Option<&str>,
        stage: SessionStage,
    ) -> Result<NewSession, StoreError> {
        let token = new_token("");
        let csrf_token = new_token("");
        let now = now_micros();
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at, client, pending_second_factor) \
             VALUES ($1, $2, $3, $4, $4, $5, $6, $7)",
        )
        .bind(token_hash(&token))
        .bind(user_id.to_string())
        .bind(&csrf_token)
        .bind(now)
        .bind(now + self.sessions.absolute_seconds * MICROS_PER_SECOND)
        .bind(client.map(|c| c.chars().take(200).collect::<String>()))
        .bind(stage.as_i64())
        .execute(&self.db.pool)
        .await?;
        Ok(NewSession { token, csrf_token })
    }

    /// The live session for a cookie value, or `None` when it is unknown, idle too long,
    /// past its absolute expiry, or its user or organisation is no longer active.
    pub async fn session(&self, token: &str) -> Result<Option<Session>, StoreError> {
        let hash = token_hash(token);
        let now = now_micros();
        // One statement: the session, its user and the user's roles.
        let sql = format!(
            "SELECT s.csrf_token, s.created_at, s.last_seen_at, s.expires_at, s.pending_second_factor, \
             {USER_COLUMNS}, {} AS roles \
             FROM sessions s JOIN users u ON u.id = s.user_id JOIN organisations o ON o.id = u.org_id \
             WHERE s.token_hash = $1 AND u.active = 1 AND o.active = 1",
            roles_in_one(self.backend())
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&hash)
            .fetch_optional(&self.db.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let last_seen: i64 = row.try_get("last_seen_at")?;
        let expires: i64 = row.try_get("expires_at")?;
        if now > expires || now - last_seen > self.sessions.idle_seconds * MICROS_PER_SECOND {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(&hash)
                .execute(&self.db.pool)
                .await?;
            return Ok(None);
        }
        if now - last_seen > TOUCH_EVERY_MICROS {
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
                .bind(now)
                .bind(&hash)
                .execute(&self.db.pool)
                .await?;
        }
        let roles: Option<String> = row.try_get("roles")?;
        let user = user_of(
            UserRow::from_row(&row)?,
            roles.as_deref().unwrap_or_default().split(','),
        )?;
        Ok(Some(Session {
            token_hash: hash,
            user,
            csrf_token: row.try_get("csrf_token")?,
            created_at: row.try_get("created_at")?,
            stage: SessionStage::from_i64(row.try_get::<i64, _>("pending_second_factor")?),
        }))
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.db.pool)
            .await?;
        Ok(())
    }

    /// Signs a user out everywhere, except optionally the session they act from.
    pub async fn delete_sessions_of(
        &self,
        user_id: Uuid,
        except_hash: Option<&str>,
    ) -> Result<u64, StoreError> {
        Ok(
            sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
                .bind(user_id.to_string())
                .bind(except_hash.unwrap_or(""))
                .execute(&self.db.pool)
                .await?
                .rows_affected(),
        )
    }

    pub async fn sessions_of(&self, user_id: Uuid) -> Result<Vec<SessionSummary>, StoreError> {
        let rows = sqlx::query(
            "SELECT token_hash, created_at, last_seen_at, client FROM sessions WHERE user_id = $1 ORDER BY created_at DESC",
        )
        .bind(user_id.to_string())
        .fetch_all(&self.db.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(SessionSummary {
                    token_hash: r.try_get("token_hash")?,
                    created_at: r.try_get("created_at")?,
                    last_seen_at: r.try_get("last_seen_at")?,
                    client: r.try_get("client")?,
                })
            })
            .collect()
    }

    /// Removes expired sessions; run periodically by the server.
    pub async fn purge_expired_sessions(&self) -> Result<u64, StoreError> {
        let now = now_micros();
        Ok(
            sqlx::query("DELETE FROM sessions WHERE expires_at < $1 OR last_seen_at < $2")
                .bind(now)
                .bind(now - self.sessions.idle_seconds * MICROS_PER_SECOND)
                .execute(&self.db.pool)
                .await?
                .rows_affected(),
        )
    }
}
