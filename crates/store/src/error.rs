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
    /// The database cannot take the request now — its storage is full or failing, or it
    /// cannot be reached — and nothing was written. Worth trying again later.
    #[error("database unavailable: {0}")]
    Unavailable(String),
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
        if unavailable(&e) {
            return StoreError::Unavailable(e.to_string());
        }
        StoreError::Database(e)
    }
}

impl StoreError {
    /// The same failure for another waiter (the group commit of views answers many
    /// requests with one outcome): the kind is kept where callers act on it.
    pub(crate) fn shared(&self) -> StoreError {
        match self {
            StoreError::Unavailable(m) => StoreError::Unavailable(m.clone()),
            other => StoreError::Audit(other.to_string()),
        }
    }
}

/// Whether an error says the database cannot work now (full, failing storage, gone), as
/// opposed to a fault of the request or of the code.
fn unavailable(e: &sqlx::Error) -> bool {
    use sqlx::Error as E;
    match e {
        E::Io(_) | E::Tls(_) | E::PoolTimedOut | E::PoolClosed | E::WorkerCrashed => true,
        E::Database(db) => {
            if let Some(sqlite) = db.try_downcast_ref::<sqlx::sqlite::SqliteError>() {
                // Primary result codes (the low byte of the extended code): SQLITE_NOMEM,
                // SQLITE_READONLY, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN.
                let primary = sqlx::error::DatabaseError::code(sqlite)
                    .and_then(|c| c.parse::<i32>().ok())
                    .map(|c| c & 0xff);
                return matches!(primary, Some(7 | 8 | 10 | 13 | 14));
            }
            if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
                // Classes 08 (connection), 53 (insufficient resources: disk full, out of
                // memory, too many connections), 57P (the server shutting down or
                // starting), and a read-only server (25006: a standby).
                let code = pg.code();
                return code.starts_with("08")
                    || code.starts_with("53")
                    || code.starts_with("57P")
                    || code == "25006";
            }
            false
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_out_of_reach_is_unavailable_not_a_fault() {
        for e in [
            sqlx::Error::PoolTimedOut,
            sqlx::Error::PoolClosed,
            sqlx::Error::WorkerCrashed,
            sqlx::Error::Io(std::io::Error::other("connection reset")),
        ] {
            assert!(matches!(StoreError::from(e), StoreError::Unavailable(_)));
        }
        assert!(matches!(
            StoreError::from(sqlx::Error::Protocol("unexpected".into())),
            StoreError::Database(_)
        ));
        assert!(matches!(
            StoreError::from(sqlx::Error::RowNotFound),
            StoreError::NotFound
        ));
    }
}
