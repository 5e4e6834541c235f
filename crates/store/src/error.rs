//! The store's error type. Its messages never contain personal data.

use yoldash_domain::Invalid;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// The record changed since the caller read it (optimistic concurrency).
    #[error("the record was changed by someone else (now at version {current})")]
    Conflict { current: i64 },
    /// A unique value (code, e-mail) is already taken.
    #[error("{field} is already in use")]
    Duplicate { field: &'static str },
    /// The actor may not do this to this record (the slug names the rule, e.g.
    /// `account-out-of-reach`); the web layer answers 403 with its translated message.
    #[error("refused: {0}")]
    Refused(&'static str),
    #[error("invalid input: {0}")]
    Invalid(#[from] Invalid),
    #[error("the database URL must start with sqlite: or postgres://")]
    UnsupportedUrl,
    #[error("database error: {0}")]
    Database(sqlx::Error),
    #[error("key ring: {0}")]
    Keys(#[from] yoldash_keyring::KeyRingError),
    #[error("audit: {0}")]
    Audit(String),
    #[error("data file: {0}")]
    DataFile(String),
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    #[error("password hashing failed")]
    Hashing,
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::RowNotFound = e {
            return StoreError::NotFound;
        }
        if let Some(db) = e.as_database_error()
            && db.is_unique_violation()
        {
            // The constraint names the column set; callers map it to a field.
            let field = match db.message() {
                m if m.contains("email") => "email",
                m if m.contains("code") => "code",
                _ => "value",
            };
            return StoreError::Duplicate { field };
        }
        StoreError::Database(e)
    }
}
