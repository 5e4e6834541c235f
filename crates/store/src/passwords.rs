//! Password hashing with argon2id, off the async runtime, and secret tokens for sessions and the API.

use crate::StoreError;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use base64::Engine;
use sha2::{Digest, Sha256};

/// Hashes a password with argon2id (the crate's defaults: 19 MiB, 2 passes) and a fresh salt.
pub async fn hash(password: &str) -> Result<String, StoreError> {
    let pw = password.to_owned();
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(pw.as_bytes())
            .map(|h| h.to_string())
            .map_err(|_| StoreError::Hashing)
    })
    .await
    .map_err(|_| StoreError::Hashing)?
}

/// Checks a password against a stored hash. With `None` (no such account) it checks against
/// a fixed dummy hash, so an unknown account costs the same time as a known one.
pub async fn verify(password: &str, stored: Option<&str>) -> bool {
    let pw = password.to_owned();
    let known = stored.is_some();
    let stored = stored
        .map(str::to_owned)
        .unwrap_or_else(|| dummy_hash().to_owned());
    let ok = tokio::task::spawn_blocking(move || {
        Argon2::default()
            .verify_password(pw.as_bytes(), stored.as_str())
            .is_ok()
    })
    .await
    .unwrap_or(false);
    ok && known
}

/// The hash an unknown account's password is checked against: made once with the same
/// parameters as every stored hash (checked by a test), so that the check costs the same.
/// A constant rather than computed at start: hashing at start left 19 MiB with the
/// allocator for good and added its time to every start.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$7WkcaqENNLhEbqjwN125ew$lUDd+cNM635Axm+QcD3loYYXpxCedrxGTwe8mdQEfOc";

fn dummy_hash() -> &'static str {
    DUMMY_HASH
}

/// A fresh secret token: 32 random bytes, URL-safe base64, with a readable prefix.
pub fn new_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// What is stored of a token: its SHA-256, hex. Tokens are long and random, so a fast hash
/// suffices; only the holder of the token can present it.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A readable random password for a first sign-in or an administrator's reset: four
/// groups of four lower-case letters and digits without look-alikes (about 79 bits).
pub fn one_time_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 16];
    rand::fill(&mut bytes);
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::PasswordHash;

    #[test]
    fn the_dummy_hash_costs_what_a_stored_hash_costs() {
        let dummy = PasswordHash::new(DUMMY_HASH).unwrap();
        let fresh_hash = Argon2::default().hash_password(b"any password").unwrap();
        let fresh = fresh_hash.to_string();
        let fresh = PasswordHash::new(&fresh).unwrap();
        assert_eq!(dummy.algorithm, fresh.algorithm);
        assert_eq!(dummy.version, fresh.version);
        assert_eq!(dummy.params, fresh.params);
        assert!(
            Argon2::default()
                .verify_password(b"yoldash-timing-equaliser", &dummy)
                .is_ok()
        );
    }

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let h = hash("a long enough password").await.unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify("a long enough password", Some(&h)).await);
        assert!(!verify("another password here", Some(&h)).await);
        assert!(!verify("a long enough password", None).await);
    }

    #[test]
    fn tokens_are_unique_and_hashed() {
        let a = new_token("yld_");
        let b = new_token("yld_");
        assert_ne!(a, b);
        assert!(a.starts_with("yld_") && a.len() > 40);
        assert_eq!(token_hash(&a).len(), 64);
    }
}
