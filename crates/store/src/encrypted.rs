//! Encrypted columns: the list of them, writing and reading one, and re-encryption after a key rotation.
//!
//! Every column that holds a ciphertext is listed in `ENCRYPTED_COLUMNS`, so that key
//! rotation and key retirement can find every ciphertext. A column not listed here must
//! never hold one. Each ciphertext is bound to its table, column and row id.

use crate::{Store, StoreError};
use sqlx::Row;
use yoldash_keyring::{FieldContext, KeyRing};

/// (table, column) of every encrypted column; rows are addressed by their `id` column.
pub const ENCRYPTED_COLUMNS: &[(&str, &str)] = &[
    ("users", "totp_secret"),
    ("persons", "identity"),
    ("cases", "safe_contact"),
    ("consents", "details"),
    ("identifications", "places"),
    ("record_versions", "changes"),
];

/// Counts of a re-encryption pass.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Reencryption {
    pub examined: u64,
    pub rewritten: u64,
}

impl Store {
    /// Encrypts under the current key, bound to the row.
    pub fn seal_field(&self, table: &str, column: &str, row_id: &str, plaintext: &[u8]) -> Vec<u8> {
        self.keys().encrypt(
            plaintext,
            &FieldContext {
                table,
                column,
                row_id,
            },
        )
    }

    pub fn open_field(
        &self,
        table: &str,
        column: &str,
        row_id: &str,
        blob: &[u8],
    ) -> Result<Vec<u8>, StoreError> {
        Ok(self.keys().decrypt(
            blob,
            &FieldContext {
                table,
                column,
                row_id,
            },
        )?)
    }

    /// Re-encrypts, under `ring`'s current key, every ciphertext not already under it, in
    /// batches of one transaction each. Safe to interrupt and run again: a ciphertext is
    /// either still under its old key (which `ring` keeps) or already under the new one.
    pub async fn reencrypt_all(&self, ring: &KeyRing) -> Result<Reencryption, StoreError> {
        let mut counts = Reencryption::default();
        for (table, column) in ENCRYPTED_COLUMNS {
            let mut after = String::new();
            loop {
                let sql = format!(
                    "SELECT id, {column} AS v FROM {table} WHERE {column} IS NOT NULL AND id > $1 ORDER BY id LIMIT 500"
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(&after)
                    .fetch_all(&self.db.pool)
                    .await?;
                if rows.is_empty() {
                    break;
                }
                let mut tx = self.db.begin_write().await?;
                for row in &rows {
                    let id: String = row.try_get("id")?;
                    let blob: Vec<u8> = row.try_get("v")?;
                    counts.examined += 1;
                    if !ring.is_current(&blob) {
                        let ctx = FieldContext {
                            table,
                            column,
                            row_id: &id,
                        };
                        let plain = ring.decrypt(&blob, &ctx)?;
                        let fresh = ring.encrypt(&plain, &ctx);
                        let sql = format!("UPDATE {table} SET {column} = $1 WHERE id = $2");
                        sqlx::query(sqlx::AssertSqlSafe(sql))
                            .bind(fresh)
                            .bind(&id)
                            .execute(&mut *tx)
                            .await?;
                        counts.rewritten += 1;
                    }
                    after = id;
                }
                tx.commit().await?;
            }
        }
        Ok(counts)
    }

    /// The key ids that some stored ciphertext still uses.
    pub async fn key_ids_in_use(&self) -> Result<Vec<u32>, StoreError> {
        let mut ids = std::collections::BTreeSet::new();
        for (table, column) in ENCRYPTED_COLUMNS {
            let sql = format!("SELECT {column} AS v FROM {table} WHERE {column} IS NOT NULL");
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .fetch_all(&self.db.pool)
                .await?;
            for row in rows {
                let blob: Vec<u8> = row.try_get("v")?;
                if let Some(id) = KeyRing::key_id_of(&blob) {
                    ids.insert(id);
                }
            }
        }
        Ok(ids.into_iter().collect())
    }

    /// Stores a user's second-factor secret, encrypted (used by the sign-in pages).
    pub async fn set_totp_secret(
        &self,
        user_id: uuid::Uuid,
        secret: Option<&[u8]>,
    ) -> Result<(), StoreError> {
        let id = user_id.to_string();
        let blob = secret.map(|s| self.seal_field("users", "totp_secret", &id, s));
        let done = sqlx::query("UPDATE users SET totp_secret = $1 WHERE id = $2")
            .bind(blob)
            .bind(&id)
            .execute(&self.db.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    pub async fn totp_secret(&self, user_id: uuid::Uuid) -> Result<Option<Vec<u8>>, StoreError> {
        let id = user_id.to_string();
        let blob: Option<Vec<u8>> =
            sqlx::query_scalar("SELECT totp_secret FROM users WHERE id = $1")
                .bind(&id)
                .fetch_one(&self.db.pool)
                .await?;
        blob.map(|b| self.open_field("users", "totp_secret", &id, &b))
            .transpose()
    }
}
