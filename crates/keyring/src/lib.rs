//! Yoldash key management: the key ring, field-level encryption, blind
//! indexes, audit MACs and passphrase-sealed backups.
//!
//! Everything here protects data about trafficking survivors; a leaked key
//! can endanger lives. Key bytes are wiped from memory on drop, never
//! printed (`Debug` shows key ids only) and never included in error messages.
//!
//! * [`KeyRing`] holds versioned data keys, an audit key and a blind-index
//!   key; it is persisted as JSON, optionally protected by a passphrase
//!   (Argon2id + XChaCha20-Poly1305). See [`KeyRing::save`].
//! * [`KeyRing::encrypt`] / [`KeyRing::decrypt`] encrypt one database field
//!   with XChaCha20-Poly1305, bound to its [`FieldContext`] (table, column,
//!   row id).
//! * [`KeyRing::blind_index`] gives searchable HMAC-SHA256 indexes of
//!   [`normalize_for_index`]-normalised values.
//! * [`seal`] streams large files (database backups) through authenticated
//!   encryption under a passphrase.
//!
//! # Field ciphertext layout (version 1)
//!
//! ```text
//! offset  size  content
//! 0       1     format version (0x01)
//! 1       4     data key id, big-endian u32
//! 5       24    random XChaCha20 nonce
//! 29      n+16  XChaCha20-Poly1305 ciphertext of the n-byte plaintext, then the tag
//! ```
//!
//! The associated data is the length-prefixed encoding of
//! `("yoldash.field", version, key id, table, column, row_id)`; see
//! [`KeyRing::encrypt`].
//!
//! Randomness (keys, nonces, salts) comes directly from the operating
//! system CSPRNG; functions panic if it is unavailable rather than continue
//! with weak values.

mod error;
mod field;
mod fsutil;
mod kdf;
mod keyfile;
mod keyring;
mod normalize;
pub mod seal;
mod secret;

pub use error::KeyRingError;
pub use field::FieldContext;
pub use keyring::{KeyRing, Pairs, RingIdentity};
pub use normalize::normalize_for_index;
