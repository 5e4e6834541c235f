//! The key ring: versioned data keys for field encryption, plus the audit
//! MAC key and the blind-index key.

use std::collections::BTreeMap;
use std::fmt;

use chacha20poly1305::aead::AeadInOut;
use chacha20poly1305::{KeyInit, Tag, XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::{Zeroize, Zeroizing};

use crate::error::KeyRingError;
use crate::field::{
    FieldContext, HEADER_LEN, NONCE_LEN, TAG_LEN, associated_data, parse_blob, push_header,
};
use crate::normalize::normalize_for_index;
use crate::secret::{SecretKey, random_array, to_hex};

type HmacSha256 = Hmac<Sha256>;

/// Which pairs `KeyRing::blind_index_pairs` digests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pairs {
    /// Every pair of distinct values: what an index holds.
    Every,
    /// Each value with the next in sorted order: what a search asks for.
    Chain,
}

/// How many hex digits of the ring id are shown and stored (64 bits: enough to tell
/// deployments apart; the check value decides).
const RING_ID_LEN: usize = 16;

/// Which key ring this is, as a database records it (see [`KeyRing::identity`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RingIdentity {
    /// A short public name of the ring (16 hex digits), for messages.
    pub id: String,
    /// The check value (64 hex digits): equal only for the same audit and blind-index keys.
    pub check: String,
}

/// All keys of one Yoldash installation.
///
/// * **Data keys** (numbered from 1) encrypt individual database fields with
///   XChaCha20-Poly1305. Exactly one is *current* and used for new
///   encryptions; older ones are kept for decryption until
///   [`retire_unused`](KeyRing::retire_unused) drops them.
/// * The **audit key** authenticates audit-log entries
///   ([`audit_mac`](KeyRing::audit_mac)).
/// * The **blind-index key** makes searchable, non-reversible equality
///   indexes of sensitive values ([`blind_index`](KeyRing::blind_index)).
///
/// All key bytes are wiped from memory when the ring is dropped. The `Debug`
/// output shows key ids only. See the crate documentation for the ciphertext
/// and file formats.
pub struct KeyRing {
    pub(crate) current: u32,
    pub(crate) data_keys: BTreeMap<u32, SecretKey>,
    pub(crate) audit_key: SecretKey,
    pub(crate) blind_index_key: SecretKey,
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRing")
            .field("current_key_id", &self.current)
            .field("key_ids", &self.key_ids())
            .finish_non_exhaustive()
    }
}

impl KeyRing {
    /// A fresh ring: data key 1 (current), an audit key and a blind-index
    /// key, each 32 bytes from the operating system CSPRNG.
    ///
    /// # Panics
    ///
    /// Panics if the operating system cannot provide randomness.
    pub fn generate() -> KeyRing {
        let mut data_keys = BTreeMap::new();
        data_keys.insert(1, SecretKey::random());
        KeyRing {
            current: 1,
            data_keys,
            audit_key: SecretKey::random(),
            blind_index_key: SecretKey::random(),
        }
    }

    /// Id of the data key used by [`encrypt`](KeyRing::encrypt).
    pub fn current_key_id(&self) -> u32 {
        self.current
    }

    /// Ids of all data keys in the ring, ascending.
    pub fn key_ids(&self) -> Vec<u32> {
        self.data_keys.keys().copied().collect()
    }

    /// Adds a new random data key and makes it current. Older keys stay in the
    /// ring so existing ciphertexts still decrypt. Returns the new key id,
    /// which is one more than the highest id in the ring (the current key is
    /// always the highest, so retired ids are never reused).
    ///
    /// Remember to [`save`](KeyRing::save) the ring afterwards, *before*
    /// encrypting anything with the new key.
    ///
    /// # Panics
    ///
    /// Panics if the key id space (u32) is exhausted, or if the operating
    /// system cannot provide randomness.
    pub fn rotate(&mut self) -> u32 {
        let highest = self.data_keys.keys().next_back().copied().unwrap_or(0);
        let new_id = highest.checked_add(1).expect("data key id space exhausted");
        self.data_keys.insert(new_id, SecretKey::random());
        self.current = new_id;
        new_id
    }

    /// Drops (and wipes) every data key that is neither current nor listed in
    /// `still_used`. Ciphertexts under a dropped key can never be decrypted
    /// again, so `still_used` must list every key id still referenced by
    /// stored data (see [`key_id_of`](KeyRing::key_id_of)).
    pub fn retire_unused(&mut self, still_used: &[u32]) {
        let current = self.current;
        self.data_keys
            .retain(|id, _| *id == current || still_used.contains(id));
    }

    /// Encrypts `plaintext` for the field described by `ctx` with the current
    /// data key and a fresh random nonce. See the crate documentation for the
    /// layout; the result is `plaintext.len() + 45` bytes long.
    ///
    /// # Panics
    ///
    /// Panics if the operating system cannot provide randomness.
    pub fn encrypt(&self, plaintext: &[u8], ctx: &FieldContext<'_>) -> Vec<u8> {
        self.encrypt_with_nonce(plaintext, ctx, random_array())
    }

    /// [`encrypt`](KeyRing::encrypt) with a caller-chosen nonce. Only for
    /// known-answer tests: a nonce must never be reused with the same key.
    fn encrypt_with_nonce(
        &self,
        plaintext: &[u8],
        ctx: &FieldContext<'_>,
        nonce: [u8; NONCE_LEN],
    ) -> Vec<u8> {
        let key = self
            .data_keys
            .get(&self.current)
            .expect("the current data key is always in the ring");
        // Exact capacity: the buffer never reallocates, so no stray plaintext
        // copies are left in freed memory.
        let mut out = Vec::with_capacity(HEADER_LEN + plaintext.len() + TAG_LEN);
        push_header(&mut out, self.current, &nonce);
        out.extend_from_slice(plaintext);
        let aad = associated_data(self.current, ctx);
        let tag = cipher(key)
            .encrypt_inout_detached(&XNonce::from(nonce), &aad, (&mut out[HEADER_LEN..]).into())
            .expect("field plaintext exceeds the XChaCha20-Poly1305 length limit");
        out.extend_from_slice(&tag);
        out
    }

    /// Decrypts a field ciphertext made by [`encrypt`](KeyRing::encrypt) for
    /// the same `ctx`.
    ///
    /// # Errors
    ///
    /// * [`KeyRingError::Format`] if `blob` is too short or has an unknown
    ///   version byte;
    /// * [`KeyRingError::UnknownKey`] if its data key is not in the ring;
    /// * [`KeyRingError::Decrypt`] if authentication fails (tampered data or
    ///   a different table, column or row id).
    pub fn decrypt(&self, blob: &[u8], ctx: &FieldContext<'_>) -> Result<Vec<u8>, KeyRingError> {
        let parsed = parse_blob(blob).map_err(|msg| KeyRingError::Format(msg.to_owned()))?;
        let key = self
            .data_keys
            .get(&parsed.key_id)
            .ok_or(KeyRingError::UnknownKey(parsed.key_id))?;
        let aad = associated_data(parsed.key_id, ctx);
        let mut buf = parsed.ciphertext.to_vec();
        // The tag is verified before any keystream is applied, so on failure
        // `buf` still holds ciphertext only.
        cipher(key)
            .decrypt_inout_detached(
                &XNonce::from(*parsed.nonce),
                &aad,
                (&mut buf[..]).into(),
                &Tag::from(*parsed.tag),
            )
            .map_err(|_| KeyRingError::Decrypt)?;
        Ok(buf)
    }

    /// [`encrypt`](KeyRing::encrypt) for UTF-8 text.
    pub fn encrypt_str(&self, plaintext: &str, ctx: &FieldContext<'_>) -> Vec<u8> {
        self.encrypt(plaintext.as_bytes(), ctx)
    }

    /// [`decrypt`](KeyRing::decrypt) for UTF-8 text.
    ///
    /// # Errors
    ///
    /// As [`decrypt`](KeyRing::decrypt), plus [`KeyRingError::Format`] if the
    /// decrypted bytes are not valid UTF-8 (the bytes are wiped).
    pub fn decrypt_str(&self, blob: &[u8], ctx: &FieldContext<'_>) -> Result<String, KeyRingError> {
        let bytes = self.decrypt(blob, ctx)?;
        String::from_utf8(bytes).map_err(|err| {
            err.into_bytes().zeroize();
            KeyRingError::Format("decrypted field is not valid UTF-8".to_owned())
        })
    }

    /// The data key id recorded in a field ciphertext's header, or `None` if
    /// `blob` is not a well-formed field ciphertext of a known version.
    pub fn key_id_of(blob: &[u8]) -> Option<u32> {
        parse_blob(blob).ok().map(|parsed| parsed.key_id)
    }

    /// Whether `blob` is encrypted under the current data key (i.e. does not
    /// need re-encryption after a rotation).
    pub fn is_current(&self, blob: &[u8]) -> bool {
        Self::key_id_of(blob) == Some(self.current)
    }

    /// A deterministic, non-reversible equality index of `value`:
    /// lower-case hex (64 chars) of
    /// `HMAC-SHA256(blind-index key, purpose || 0x00 || normalize_for_index(value))`.
    ///
    /// Different `purpose` strings (e.g. `"survivor.name"`,
    /// `"survivor.passport"`) yield unrelated indexes for the same value.
    ///
    /// # Panics
    ///
    /// Panics if `purpose` contains a NUL character, which would make the
    /// encoding ambiguous. Purposes are meant to be fixed identifiers.
    pub fn blind_index(&self, purpose: &str, value: &str) -> String {
        assert!(
            !purpose.contains('\0'),
            "blind index purpose must not contain NUL"
        );
        let normalized = Zeroizing::new(normalize_for_index(value));
        let mut mac = hmac_with(&self.blind_index_key);
        mac.update(purpose.as_bytes());
        mac.update(b"\0");
        mac.update(normalized.as_bytes());
        to_hex(&mac.finalize().into_bytes())
    }

    /// Blind-index digests of unordered pairs of `values` (the words of a name), so that
    /// a search for two words reads the few entries holding both instead of the thousands
    /// holding each. Each value is normalised as `blind_index` does; equal normal forms
    /// count once; a pair's digest is
    /// `HMAC-SHA256(blind-index key, purpose || 0x00 || a || 0x00 || b)` with `a < b`.
    /// `Pairs::Every` gives every pair (for the index), `Pairs::Chain` only the neighbours
    /// in sorted order (for a search: every value is in a pair, and a record with every
    /// chained pair has every value).
    ///
    /// # Panics
    ///
    /// As `blind_index`, if `purpose` contains a NUL character.
    pub fn blind_index_pairs(&self, purpose: &str, values: &[String], pairs: Pairs) -> Vec<String> {
        assert!(
            !purpose.contains('\0'),
            "blind index purpose must not contain NUL"
        );
        let mut normal: Vec<Zeroizing<String>> = values
            .iter()
            .map(|v| Zeroizing::new(normalize_for_index(v)))
            .filter(|v| !v.is_empty())
            .collect();
        normal.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        normal.dedup_by(|a, b| a.as_str() == b.as_str());
        let digest = |a: &str, b: &str| {
            let mut mac = hmac_with(&self.blind_index_key);
            mac.update(purpose.as_bytes());
            mac.update(b"\0");
            mac.update(a.as_bytes());
            mac.update(b"\0");
            mac.update(b.as_bytes());
            to_hex(&mac.finalize().into_bytes())
        };
        let mut out = Vec::new();
        for (i, a) in normal.iter().enumerate() {
            let partners = match pairs {
                Pairs::Every => &normal[i + 1..],
                Pairs::Chain => &normal[(i + 1).min(normal.len())..(i + 2).min(normal.len())],
            };
            for b in partners {
                out.push(digest(a, b));
            }
        }
        out
    }

    /// HMAC-SHA256 of `message` under the audit key, for tamper-evident audit
    /// logs. Compare MACs in constant time.
    pub fn audit_mac(&self, message: &[u8]) -> [u8; 32] {
        let mut mac = hmac_with(&self.audit_key);
        mac.update(message);
        mac.finalize().into_bytes().into()
    }

    /// The ring's identity, which a database records to tell its own key ring from any
    /// other: a short public id and a check value, both HMAC-SHA256 outputs under a key
    /// derived from the audit and blind-index keys. Those two keys never rotate, so the
    /// identity survives `rotate`, export, import and backups; neither value helps to
    /// decrypt or to forge anything (each is a MAC of a fixed label under a derived key).
    pub fn identity(&self) -> RingIdentity {
        let mut derive = hmac_with(&self.audit_key);
        derive.update(b"yoldash.keyring.identity.v1\0");
        derive.update(self.blind_index_key.as_bytes());
        let identity_key = Zeroizing::new(<[u8; 32]>::from(derive.finalize().into_bytes()));
        let label = |label: &[u8]| {
            let mut mac = <HmacSha256 as KeyInit>::new_from_slice(&identity_key[..])
                .expect("HMAC accepts keys of any length");
            mac.update(label);
            to_hex(&mac.finalize().into_bytes())
        };
        RingIdentity {
            id: label(b"id")[..RING_ID_LEN].to_string(),
            check: label(b"check"),
        }
    }

    /// A ring with the given keys, for tests and fixtures.
    #[cfg(test)]
    pub(crate) fn from_fixed_keys(
        data: &[(u32, [u8; 32])],
        audit: [u8; 32],
        blind: [u8; 32],
    ) -> KeyRing {
        let data_keys: BTreeMap<u32, SecretKey> = data
            .iter()
            .map(|(id, k)| (*id, SecretKey::from_slice(k).expect("32 bytes")))
            .collect();
        KeyRing {
            current: *data_keys.keys().next_back().expect("at least one key"),
            data_keys,
            audit_key: SecretKey::from_slice(&audit).expect("32 bytes"),
            blind_index_key: SecretKey::from_slice(&blind).expect("32 bytes"),
        }
    }
}

fn cipher(key: &SecretKey) -> XChaCha20Poly1305 {
    // With the crate's `zeroize` feature the cipher wipes its key copy on drop.
    XChaCha20Poly1305::new(key.as_bytes().into())
}

fn hmac_with(key: &SecretKey) -> HmacSha256 {
    <HmacSha256 as KeyInit>::new_from_slice(key.as_bytes())
        .expect("HMAC accepts keys of any length")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::MIN_BLOB_LEN;
    use proptest::prelude::*;

    const CTX: FieldContext<'static> = FieldContext::new("survivors", "full_name", "row-1");

    fn fixed_ring() -> KeyRing {
        let data_key: [u8; 32] = core::array::from_fn(|i| 0x80 + i as u8);
        let blind: [u8; 32] = core::array::from_fn(|i| i as u8);
        KeyRing::from_fixed_keys(&[(3, data_key)], [0x42; 32], blind)
    }

    #[test]
    fn key_ring_can_be_shared_between_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<KeyRing>();
    }

    #[test]
    fn generate_has_one_current_key() {
        let ring = KeyRing::generate();
        assert_eq!(ring.current_key_id(), 1);
        assert_eq!(ring.key_ids(), vec![1]);
        let other = KeyRing::generate();
        assert_ne!(ring.audit_mac(b"m"), other.audit_mac(b"m"));
        assert_ne!(ring.blind_index("p", "v"), other.blind_index("p", "v"));
        assert_ne!(ring.audit_key.as_bytes(), ring.blind_index_key.as_bytes());
    }

    #[test]
    fn field_ciphertext_known_answer() {
        // Computed independently (Python `cryptography` ChaCha20Poly1305 plus
        // a hand-written HChaCha20) from the documented layout and AAD.
        let ring = fixed_ring();
        let ctx = FieldContext::new(
            "survivors",
            "full_name",
            "0190d6a2-7c1e-7bb0-8e1f-3c2a9d4e5f60",
        );
        let nonce: [u8; NONCE_LEN] = core::array::from_fn(|i| 0xa0 + i as u8);
        let blob = ring.encrypt_with_nonce("Aýgül Ataýewa".as_bytes(), &ctx, nonce);
        assert_eq!(
            to_hex(&blob),
            "0100000003a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7\
             bf5d0c45191139c6ea70dfda54ca2abfef19edf9205899fd8c54d2f7d67bde87"
        );
        assert_eq!(
            ring.decrypt_str(&blob, &ctx).expect("decrypts"),
            "Aýgül Ataýewa"
        );
    }

    #[test]
    fn blind_index_and_audit_mac_known_answers() {
        // HMAC-SHA256 values computed with Python's `hmac` module (the name folds to "aygul").
        let ring = fixed_ring();
        assert_eq!(
            ring.blind_index("survivor.name", "  AÝGÜL "),
            "faf971d92fe991a138f5ea3027aa48486ce946f7dc70a170d02bf8b203f94df2"
        );
        assert_eq!(
            to_hex(&ring.audit_mac(b"audit entry 1")),
            "841ad2f5137ddee9434b651a8265877a5ff96788f2fbff34302835fa04987022"
        );
    }

    #[test]
    fn ciphertext_layout() {
        let ring = fixed_ring();
        let blob = ring.encrypt(b"hello", &CTX);
        assert_eq!(blob.len(), MIN_BLOB_LEN + 5);
        assert_eq!(blob[0], 1);
        assert_eq!(&blob[1..5], &3u32.to_be_bytes());
        assert_eq!(KeyRing::key_id_of(&blob), Some(3));
        assert!(ring.is_current(&blob));
        // Fresh nonce every time.
        let again = ring.encrypt(b"hello", &CTX);
        assert_ne!(blob[5..29], again[5..29]);
        assert_ne!(blob, again);
    }

    #[test]
    fn empty_plaintext_round_trips() {
        let ring = KeyRing::generate();
        let blob = ring.encrypt(b"", &CTX);
        assert_eq!(blob.len(), MIN_BLOB_LEN);
        assert_eq!(ring.decrypt(&blob, &CTX).expect("decrypts"), b"");
    }

    #[test]
    fn wrong_context_fails() {
        let ring = KeyRing::generate();
        let blob = ring.encrypt_str("Aýgül", &CTX);
        for ctx in [
            FieldContext::new("survivors", "full_name", "row-2"),
            FieldContext::new("survivors", "birth_place", "row-1"),
            FieldContext::new("contacts", "full_name", "row-1"),
            FieldContext::new("survivorsf", "ull_name", "row-1"),
            FieldContext::new("", "", ""),
        ] {
            assert!(
                matches!(ring.decrypt(&blob, &ctx), Err(KeyRingError::Decrypt)),
                "{ctx:?}"
            );
        }
        assert_eq!(
            ring.decrypt_str(&blob, &CTX).expect("right context"),
            "Aýgül"
        );
    }

    #[test]
    fn other_ring_cannot_decrypt() {
        let a = KeyRing::generate();
        let b = KeyRing::generate();
        let blob = a.encrypt(b"secret", &CTX);
        // Same key id (1), different key material.
        assert!(matches!(b.decrypt(&blob, &CTX), Err(KeyRingError::Decrypt)));
    }

    #[test]
    fn malformed_blobs() {
        let ring = KeyRing::generate();
        assert!(matches!(
            ring.decrypt(&[], &CTX),
            Err(KeyRingError::Format(_))
        ));
        assert!(matches!(
            ring.decrypt(&[1u8; MIN_BLOB_LEN - 1], &CTX),
            Err(KeyRingError::Format(_))
        ));
        let mut blob = ring.encrypt(b"x", &CTX);
        blob[0] = 2;
        assert!(matches!(
            ring.decrypt(&blob, &CTX),
            Err(KeyRingError::Format(_))
        ));
        assert_eq!(KeyRing::key_id_of(&blob), None);
        assert!(!ring.is_current(&blob));
        assert_eq!(KeyRing::key_id_of(b"short"), None);
    }

    #[test]
    fn decrypt_str_rejects_non_utf8() {
        let ring = KeyRing::generate();
        let blob = ring.encrypt(&[0xff, 0xfe], &CTX);
        assert!(matches!(
            ring.decrypt_str(&blob, &CTX),
            Err(KeyRingError::Format(_))
        ));
    }

    #[test]
    fn rotate_keeps_old_keys() {
        let mut ring = KeyRing::generate();
        let old = ring.encrypt_str("old", &CTX);
        assert_eq!(ring.rotate(), 2);
        assert_eq!(ring.current_key_id(), 2);
        assert_eq!(ring.key_ids(), vec![1, 2]);
        let new = ring.encrypt_str("new", &CTX);
        assert_eq!(KeyRing::key_id_of(&old), Some(1));
        assert_eq!(KeyRing::key_id_of(&new), Some(2));
        assert!(!ring.is_current(&old));
        assert!(ring.is_current(&new));
        assert_eq!(ring.decrypt_str(&old, &CTX).expect("old key kept"), "old");
        assert_eq!(ring.decrypt_str(&new, &CTX).expect("new key"), "new");
        assert_eq!(ring.rotate(), 3);
        assert_eq!(ring.decrypt_str(&old, &CTX).expect("still kept"), "old");
    }

    #[test]
    fn retire_unused_drops_keys() {
        let mut ring = KeyRing::generate();
        let one = ring.encrypt_str("one", &CTX);
        ring.rotate();
        let two = ring.encrypt_str("two", &CTX);
        ring.rotate();
        let three = ring.encrypt_str("three", &CTX);
        ring.retire_unused(&[2, 99]);
        assert_eq!(ring.key_ids(), vec![2, 3]);
        assert!(matches!(
            ring.decrypt(&one, &CTX),
            Err(KeyRingError::UnknownKey(1))
        ));
        assert_eq!(ring.decrypt_str(&two, &CTX).expect("kept"), "two");
        assert_eq!(ring.decrypt_str(&three, &CTX).expect("current"), "three");
        // The current key survives even when not listed.
        ring.retire_unused(&[]);
        assert_eq!(ring.key_ids(), vec![3]);
        assert!(matches!(
            ring.decrypt(&two, &CTX),
            Err(KeyRingError::UnknownKey(2))
        ));
        // Retired ids are never reused.
        assert_eq!(ring.rotate(), 4);
    }

    #[test]
    fn debug_shows_ids_only() {
        let mut ring = fixed_ring();
        ring.rotate();
        let s = format!("{ring:?}");
        assert!(s.contains("current_key_id: 4"), "{s}");
        assert!(s.contains("key_ids: [3, 4]"), "{s}");
        for key in [ring.audit_key.as_bytes(), ring.blind_index_key.as_bytes()]
            .into_iter()
            .chain(ring.data_keys.values().map(SecretKey::as_bytes))
        {
            assert!(!s.contains(&to_hex(key)), "{s}");
            assert!(!s.contains(&format!("{:?}", &key[..4])), "{s}");
        }
        assert!(!s.contains("66, 66"), "{s}");
    }

    #[test]
    fn blind_index_normalizes() {
        let ring = KeyRing::generate();
        let expected = ring.blind_index("survivor.name", "Aýgül");
        assert_eq!(expected.len(), 64);
        assert!(
            expected
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        );
        for v in [
            "AÝGÜL",
            " aýgül ",
            "Ay\u{301}gu\u{308}l",
            "AY\u{301}GU\u{308}L",
            "aýgül\u{a0}",
        ] {
            assert_eq!(ring.blind_index("survivor.name", v), expected, "{v:?}");
        }
        assert_ne!(ring.blind_index("survivor.name", "Aýna"), expected);
    }

    #[test]
    fn blind_index_pairs_are_unordered_and_normalised() {
        let ring = KeyRing::generate();
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let pair = ring.blind_index_pairs("name", &words(&["Aýgül", "Orazowa"]), Pairs::Every);
        assert_eq!(pair.len(), 1);
        for other in [
            &["orazowa", "AYGUL"][..],
            &["Оразова", "Айгуль"],
            &["Aýgül", "aygul", "Orazowa"],
        ] {
            assert_eq!(
                ring.blind_index_pairs("name", &words(other), Pairs::Chain),
                pair,
                "{other:?}"
            );
        }
        // Three distinct words: three pairs in the index, two chained in a search, and
        // the chained ones are among the indexed.
        let three = words(&["Aýgül", "Orazowa", "Merdanowna"]);
        let every = ring.blind_index_pairs("name", &three, Pairs::Every);
        let chain = ring.blind_index_pairs("name", &three, Pairs::Chain);
        assert_eq!((every.len(), chain.len()), (3, 2));
        assert!(chain.iter().all(|c| every.contains(c)));
        // One word has no pair; purposes and the word-index stay apart.
        assert!(
            ring.blind_index_pairs("name", &words(&["Aýgül"]), Pairs::Every)
                .is_empty()
        );
        assert_ne!(
            ring.blind_index_pairs("other", &words(&["Aýgül", "Orazowa"]), Pairs::Every),
            pair
        );
        assert_ne!(pair[0], ring.blind_index("name", "aygul\0orazowa"));
    }

    #[test]
    fn blind_index_separates_purposes_and_keys() {
        let ring = KeyRing::generate();
        let other = KeyRing::generate();
        let a = ring.blind_index("survivor.name", "Aýgül");
        assert_ne!(ring.blind_index("survivor.birth_place", "Aýgül"), a);
        assert_ne!(other.blind_index("survivor.name", "Aýgül"), a);
        // The NUL separator keeps purpose and value apart.
        assert_ne!(ring.blind_index("ab", "c"), ring.blind_index("a", "bc"));
    }

    #[test]
    #[should_panic(expected = "must not contain NUL")]
    fn blind_index_rejects_nul_purpose() {
        let _ = KeyRing::generate().blind_index("a\0b", "c");
    }

    #[test]
    fn identity_survives_rotation_and_tells_rings_apart() {
        let mut ring = fixed_ring();
        let before = ring.identity();
        assert_eq!(before.id.len(), 16);
        assert_eq!(before.check.len(), 64);
        assert_ne!(
            before.id,
            before.check[..16],
            "id and check are separate values"
        );
        ring.rotate();
        ring.retire_unused(&[]);
        assert_eq!(ring.identity(), before, "rotation keeps the identity");
        let other = KeyRing::generate();
        assert_ne!(other.identity().id, before.id);
        assert_ne!(other.identity().check, before.check);
        // Same audit key, another blind-index key: the check differs.
        let data_key: [u8; 32] = core::array::from_fn(|i| 0x80 + i as u8);
        let twin = KeyRing::from_fixed_keys(&[(3, data_key)], [0x42; 32], [7; 32]);
        assert_ne!(twin.identity().check, before.check);
        // Nothing of the keys shows in it.
        for key in [ring.audit_key.as_bytes(), ring.blind_index_key.as_bytes()] {
            assert!(!before.check.contains(&to_hex(&key[..8])));
        }
        // A known answer (computed with Python's `hmac` module), so that the identity never
        // changes by accident: deployments' databases record it.
        assert_eq!(
            before,
            RingIdentity {
                id: "156775944ccfe8fc".into(),
                check: "622d9f1812eca04c9dabb2209552130e2f19dc2105d612d5522ceedecc4fed55".into(),
            }
        );
    }

    #[test]
    fn audit_mac_depends_on_message() {
        let ring = KeyRing::generate();
        assert_eq!(ring.audit_mac(b"entry"), ring.audit_mac(b"entry"));
        assert_ne!(ring.audit_mac(b"entry"), ring.audit_mac(b"entrY"));
    }

    fn context_strategy() -> impl Strategy<Value = (String, String, String)> {
        ("\\PC{0,12}", "\\PC{0,12}", "\\PC{0,40}")
    }

    proptest! {
        #[test]
        fn round_trip(
            plaintext in proptest::collection::vec(any::<u8>(), 0..2048),
            (table, column, row_id) in context_strategy(),
        ) {
            let ring = fixed_ring();
            let ctx = FieldContext::new(&table, &column, &row_id);
            let blob = ring.encrypt(&plaintext, &ctx);
            prop_assert_eq!(blob.len(), plaintext.len() + MIN_BLOB_LEN);
            prop_assert_eq!(ring.decrypt(&blob, &ctx).expect("round trip"), plaintext);
        }

        #[test]
        fn round_trip_str(text in "\\PC{0,200}", row_id in "[0-9a-f-]{0,36}") {
            let ring = fixed_ring();
            let ctx = FieldContext::new("survivors", "notes", &row_id);
            let blob = ring.encrypt_str(&text, &ctx);
            prop_assert_eq!(ring.decrypt_str(&blob, &ctx).expect("round trip"), text);
        }

        #[test]
        fn any_single_byte_change_is_rejected(
            plaintext in proptest::collection::vec(any::<u8>(), 0..256),
            position in any::<proptest::sample::Index>(),
            mask in 1u8..=255,
        ) {
            let ring = fixed_ring();
            let mut blob = ring.encrypt(&plaintext, &CTX);
            let i = position.index(blob.len());
            blob[i] ^= mask;
            prop_assert!(ring.decrypt(&blob, &CTX).is_err(), "byte {} accepted", i);
        }

        #[test]
        fn truncation_and_extension_are_rejected(
            plaintext in proptest::collection::vec(any::<u8>(), 0..256),
            cut in any::<proptest::sample::Index>(),
            extra in proptest::collection::vec(any::<u8>(), 1..8),
        ) {
            let ring = fixed_ring();
            let blob = ring.encrypt(&plaintext, &CTX);
            let truncated = &blob[..cut.index(blob.len())];
            prop_assert!(ring.decrypt(truncated, &CTX).is_err());
            let mut extended = blob.clone();
            extended.extend_from_slice(&extra);
            prop_assert!(ring.decrypt(&extended, &CTX).is_err());
        }

        #[test]
        fn moved_ciphertext_is_rejected(
            (table, column, row_id) in context_strategy(),
            (table2, column2, row_id2) in context_strategy(),
        ) {
            let ctx = FieldContext::new(&table, &column, &row_id);
            let ctx2 = FieldContext::new(&table2, &column2, &row_id2);
            prop_assume!(ctx != ctx2);
            let ring = fixed_ring();
            let blob = ring.encrypt(b"value", &ctx);
            prop_assert!(matches!(ring.decrypt(&blob, &ctx2), Err(KeyRingError::Decrypt)));
        }
    }
}
