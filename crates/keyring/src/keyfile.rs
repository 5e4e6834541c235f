//! Key ring persistence: the JSON key file (plain or passphrase-protected)
//! and passphrase-sealed backups of the ring.
//!
//! # Key file format (version 1)
//!
//! Unprotected:
//!
//! ```json
//! {
//!   "format": "yoldash-keyring",
//!   "version": 1,
//!   "protected": false,
//!   "keys": {
//!     "current_key_id": 2,
//!     "data_keys": [ { "id": 1, "key": "<base64>" }, { "id": 2, "key": "<base64>" } ],
//!     "audit_key": "<base64>",
//!     "blind_index_key": "<base64>"
//!   }
//! }
//! ```
//!
//! Protected: the `keys` object above, serialised as JSON, is encrypted with
//! XChaCha20-Poly1305 (associated data `yoldash-keyring.v1.protected`) under
//! a key derived from the passphrase with Argon2id (see `kdf`):
//!
//! ```json
//! {
//!   "format": "yoldash-keyring",
//!   "version": 1,
//!   "protected": true,
//!   "kdf": { "algorithm": "argon2id", "version": 19, "memory_kib": 65536,
//!            "iterations": 3, "lanes": 1, "salt": "<base64, 16 bytes>" },
//!   "check": "<base64, 32-byte passphrase check value>",
//!   "nonce": "<base64, 24 bytes>",
//!   "ciphertext": "<base64, encrypted keys JSON + 16-byte tag>"
//! }
//! ```
//!
//! Base64 is the standard alphabet with padding. Sealed backups
//! ([`KeyRing::seal_to_bytes`]) use exactly the protected file format.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::AeadInOut;
use chacha20poly1305::{KeyInit, Tag, XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use crate::error::{KeyRingError, json_error};
use crate::field::{NONCE_LEN, TAG_LEN};
use crate::fsutil::{Existing, read_bounded, write_atomic};
use crate::kdf::{self, CHECK_LEN, Domain, KdfParams, SALT_LEN};
use crate::keyring::KeyRing;
use crate::secret::{SecretKey, random_array};

const FILE_FORMAT: &str = "yoldash-keyring";
const FILE_VERSION: u32 = 1;
const KDF_ALGORITHM: &str = "argon2id";
const ARGON2_VERSION: u32 = 0x13;
const PROTECTED_AAD: &[u8] = b"yoldash-keyring.v1.protected";
/// Refuse to read key files larger than this (a ring with thousands of
/// rotations is still well below it).
const MAX_FILE_LEN: u64 = 16 * 1024 * 1024;

/// The fields shared by both variants, read first to decide how to proceed.
#[derive(Deserialize)]
struct EnvelopeHeader {
    format: String,
    version: u32,
    protected: bool,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlainFile {
    format: String,
    version: u32,
    protected: bool,
    keys: KeysDoc,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProtectedFile {
    format: String,
    version: u32,
    protected: bool,
    kdf: KdfDoc,
    check: String,
    nonce: String,
    ciphertext: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KdfDoc {
    algorithm: String,
    version: u32,
    memory_kib: u32,
    iterations: u32,
    lanes: u32,
    salt: String,
}

/// The key material in serialisable form. Unknown fields are rejected so
/// that a newer file's extra keys are never silently dropped on re-save.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeysDoc {
    current_key_id: u32,
    data_keys: Vec<DataKeyDoc>,
    audit_key: String,
    blind_index_key: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct DataKeyDoc {
    id: u32,
    key: String,
}

impl Drop for KeysDoc {
    fn drop(&mut self) {
        self.audit_key.zeroize();
        self.blind_index_key.zeroize();
    }
}

impl Drop for DataKeyDoc {
    fn drop(&mut self) {
        self.key.zeroize();
    }
}

impl KeyRing {
    /// Loads the ring at `path`, or — if no file exists there — generates a
    /// new ring, saves it (protected if `passphrase` is given) and returns it
    /// with `created = true`.
    ///
    /// Creation never overwrites: if another process creates the file
    /// concurrently, that file is loaded instead.
    ///
    /// # Errors
    ///
    /// As [`load`](KeyRing::load) and [`save`](KeyRing::save).
    pub fn load_or_create(
        path: &Path,
        passphrase: Option<&str>,
    ) -> Result<(KeyRing, bool), KeyRingError> {
        match Self::load(path, passphrase) {
            Ok(ring) => Ok((ring, false)),
            Err(KeyRingError::Io(err)) if err.kind() == io::ErrorKind::NotFound => {
                let ring = KeyRing::generate();
                match ring.save_new(path, passphrase) {
                    Ok(()) => Ok((ring, true)),
                    Err(KeyRingError::AlreadyExists) => Ok((Self::load(path, passphrase)?, false)),
                    Err(err) => Err(err),
                }
            }
            Err(err) => Err(err),
        }
    }

    /// Loads a key file written by [`save`](KeyRing::save).
    ///
    /// A passphrase given for an unprotected file is ignored (use
    /// [`is_passphrase_protected`](KeyRing::is_passphrase_protected) to warn
    /// about or upgrade such files). An empty passphrase counts as none.
    ///
    /// # Errors
    ///
    /// * [`KeyRingError::Io`] if the file cannot be read (`NotFound` if absent);
    /// * [`KeyRingError::PassphraseRequired`] if the file is protected and no
    ///   passphrase was given;
    /// * [`KeyRingError::WrongPassphrase`] if the passphrase is wrong;
    /// * [`KeyRingError::Decrypt`] if the protected key data was altered;
    /// * [`KeyRingError::Format`] if the file is malformed.
    pub fn load(path: &Path, passphrase: Option<&str>) -> Result<KeyRing, KeyRingError> {
        let bytes = read_bounded(path, MAX_FILE_LEN)?;
        decode_file(&bytes, passphrase)
    }

    /// Writes the ring to `path` atomically (temporary file in the same
    /// directory, fsync, rename, directory fsync), with mode 0600 on unix,
    /// creating missing parent directories (mode 0700 on unix).
    ///
    /// With `Some(passphrase)` the keys are encrypted under an Argon2id-derived
    /// key (64 MiB, 3 iterations, 1 lane); with `None` they are stored in
    /// base64 and the file permissions are the only protection.
    ///
    /// # Errors
    ///
    /// [`KeyRingError::PassphraseRequired`] for `Some("")`;
    /// [`KeyRingError::Io`] if writing fails.
    pub fn save(&self, path: &Path, passphrase: Option<&str>) -> Result<(), KeyRingError> {
        let bytes = encode_file(self, passphrase, &KdfParams::DEFAULT)?;
        write_atomic(path, &bytes, Existing::Replace)
    }

    /// Like [`save`](KeyRing::save), but fails with
    /// [`KeyRingError::AlreadyExists`] instead of replacing an existing file.
    ///
    /// # Errors
    ///
    /// As [`save`](KeyRing::save), plus [`KeyRingError::AlreadyExists`].
    pub fn save_new(&self, path: &Path, passphrase: Option<&str>) -> Result<(), KeyRingError> {
        let bytes = encode_file(self, passphrase, &KdfParams::DEFAULT)?;
        write_atomic(path, &bytes, Existing::Fail)
    }

    /// Whether the key file at `path` is passphrase-protected.
    ///
    /// # Errors
    ///
    /// [`KeyRingError::Io`] if it cannot be read, [`KeyRingError::Format`] if
    /// it is not a key file of a supported version.
    pub fn is_passphrase_protected(path: &Path) -> Result<bool, KeyRingError> {
        let bytes = read_bounded(path, MAX_FILE_LEN)?;
        Ok(read_header(&bytes)?.protected)
    }

    /// The whole ring encrypted under `passphrase` (Argon2id, 64 MiB,
    /// 3 iterations, 1 lane + XChaCha20-Poly1305), for backups. The bytes are
    /// a protected key file and can also be written out and
    /// [`load`](KeyRing::load)ed.
    ///
    /// # Errors
    ///
    /// [`KeyRingError::PassphraseRequired`] if `passphrase` is empty.
    pub fn seal_to_bytes(&self, passphrase: &str) -> Result<Vec<u8>, KeyRingError> {
        seal_ring(self, passphrase, &KdfParams::DEFAULT)
    }

    /// Opens bytes produced by [`seal_to_bytes`](KeyRing::seal_to_bytes).
    ///
    /// # Errors
    ///
    /// [`KeyRingError::WrongPassphrase`], [`KeyRingError::Decrypt`] (altered
    /// data), [`KeyRingError::PassphraseRequired`] (empty passphrase), or
    /// [`KeyRingError::Format`] (malformed, or not passphrase-protected).
    pub fn open_from_bytes(bytes: &[u8], passphrase: &str) -> Result<KeyRing, KeyRingError> {
        if !read_header(bytes)?.protected {
            return Err(KeyRingError::Format(
                "key ring data is not passphrase-protected".to_owned(),
            ));
        }
        decode_file(bytes, Some(passphrase))
    }
}

/// Parses and checks the format marker and version.
fn read_header(bytes: &[u8]) -> Result<EnvelopeHeader, KeyRingError> {
    let header: EnvelopeHeader =
        serde_json::from_slice(bytes).map_err(|e| json_error("key ring file", &e))?;
    if header.format != FILE_FORMAT {
        return Err(KeyRingError::Format(
            "not a Yoldash key ring file".to_owned(),
        ));
    }
    if header.version != FILE_VERSION {
        return Err(KeyRingError::Format(format!(
            "unsupported key ring file version {}",
            header.version
        )));
    }
    Ok(header)
}

/// Serialises the ring into file bytes (unprotected if `passphrase` is `None`).
fn encode_file(
    ring: &KeyRing,
    passphrase: Option<&str>,
    params: &KdfParams,
) -> Result<Zeroizing<Vec<u8>>, KeyRingError> {
    match passphrase {
        Some(passphrase) => Ok(Zeroizing::new(seal_ring(ring, passphrase, params)?)),
        None => {
            let file = PlainFile {
                format: FILE_FORMAT.to_owned(),
                version: FILE_VERSION,
                protected: false,
                keys: keys_doc(ring),
            };
            to_json_exact(&file, 1).map(|mut bytes| {
                bytes.push(b'\n');
                bytes
            })
        }
    }
}

/// Produces a protected key file.
fn seal_ring(
    ring: &KeyRing,
    passphrase: &str,
    params: &KdfParams,
) -> Result<Vec<u8>, KeyRingError> {
    let salt: [u8; SALT_LEN] = kdf::new_salt();
    let derived = kdf::derive(passphrase, &salt, params, Domain::KeyRingFile)?;
    let nonce: [u8; NONCE_LEN] = random_array();

    let mut buf = to_json_exact(&keys_doc(ring), TAG_LEN)?;
    let tag = XChaCha20Poly1305::new(derived.enc.as_bytes().into())
        .encrypt_inout_detached(&XNonce::from(nonce), PROTECTED_AAD, (&mut buf[..]).into())
        .map_err(|_| KeyRingError::Format("key ring too large to encrypt".to_owned()))?;
    buf.extend_from_slice(&tag);

    let file = ProtectedFile {
        format: FILE_FORMAT.to_owned(),
        version: FILE_VERSION,
        protected: true,
        kdf: KdfDoc {
            algorithm: KDF_ALGORITHM.to_owned(),
            version: ARGON2_VERSION,
            memory_kib: params.memory_kib,
            iterations: params.iterations,
            lanes: params.lanes,
            salt: B64.encode(salt),
        },
        check: B64.encode(derived.check_value()),
        nonce: B64.encode(nonce),
        ciphertext: B64.encode(&buf[..]),
    };
    let mut out = serde_json::to_vec_pretty(&file).map_err(|e| json_error("key ring file", &e))?;
    out.push(b'\n');
    Ok(out)
}

/// Parses file bytes into a ring.
fn decode_file(bytes: &[u8], passphrase: Option<&str>) -> Result<KeyRing, KeyRingError> {
    let header = read_header(bytes)?;
    if !header.protected {
        let file: PlainFile =
            serde_json::from_slice(bytes).map_err(|e| json_error("key ring file", &e))?;
        return ring_from_doc(&file.keys);
    }
    let passphrase = match passphrase {
        Some(p) if !p.is_empty() => p,
        _ => return Err(KeyRingError::PassphraseRequired),
    };
    let file: ProtectedFile =
        serde_json::from_slice(bytes).map_err(|e| json_error("key ring file", &e))?;
    if file.kdf.algorithm != KDF_ALGORITHM || file.kdf.version != ARGON2_VERSION {
        return Err(KeyRingError::Format(
            "unsupported key derivation function".to_owned(),
        ));
    }
    let params = KdfParams {
        memory_kib: file.kdf.memory_kib,
        iterations: file.kdf.iterations,
        lanes: file.kdf.lanes,
    };
    params.validate()?;
    let salt = decode_b64_exact::<SALT_LEN>(&file.kdf.salt, "kdf.salt")?;
    let check = decode_b64_exact::<CHECK_LEN>(&file.check, "check")?;
    let nonce = decode_b64_exact::<NONCE_LEN>(&file.nonce, "nonce")?;
    let mut buf = Zeroizing::new(
        B64.decode(&file.ciphertext)
            .map_err(|_| b64_error("ciphertext"))?,
    );
    if buf.len() < TAG_LEN {
        return Err(KeyRingError::Decrypt);
    }

    let derived = kdf::derive(passphrase, &salt, &params, Domain::KeyRingFile)?;
    derived.verify(&check)?;

    let tag_at = buf.len() - TAG_LEN;
    let (msg, tag) = buf.split_at_mut(tag_at);
    let tag = Tag::try_from(&*tag).map_err(|_| KeyRingError::Decrypt)?;
    XChaCha20Poly1305::new(derived.enc.as_bytes().into())
        .decrypt_inout_detached(&XNonce::from(nonce), PROTECTED_AAD, msg.into(), &tag)
        .map_err(|_| KeyRingError::Decrypt)?;
    let keys: KeysDoc =
        serde_json::from_slice(&buf[..tag_at]).map_err(|e| json_error("protected key data", &e))?;
    ring_from_doc(&keys)
}

fn keys_doc(ring: &KeyRing) -> KeysDoc {
    KeysDoc {
        current_key_id: ring.current,
        data_keys: ring
            .data_keys
            .iter()
            .map(|(id, key)| DataKeyDoc {
                id: *id,
                key: B64.encode(key.as_bytes()),
            })
            .collect(),
        audit_key: B64.encode(ring.audit_key.as_bytes()),
        blind_index_key: B64.encode(ring.blind_index_key.as_bytes()),
    }
}

/// Validates a parsed key document and builds the ring.
fn ring_from_doc(doc: &KeysDoc) -> Result<KeyRing, KeyRingError> {
    let mut data_keys = BTreeMap::new();
    for entry in &doc.data_keys {
        if entry.id == 0 {
            return Err(KeyRingError::Format("data key id 0 is invalid".to_owned()));
        }
        let key = decode_key(&entry.key, "data key")?;
        if data_keys.insert(entry.id, key).is_some() {
            return Err(KeyRingError::Format(format!(
                "duplicate data key id {}",
                entry.id
            )));
        }
    }
    if !data_keys.contains_key(&doc.current_key_id) {
        return Err(KeyRingError::Format(format!(
            "current data key {} is not in the ring",
            doc.current_key_id
        )));
    }
    // Rotation relies on this to never reuse the id of a retired key.
    if data_keys.keys().next_back() != Some(&doc.current_key_id) {
        return Err(KeyRingError::Format(
            "current data key must have the highest id".to_owned(),
        ));
    }
    Ok(KeyRing {
        current: doc.current_key_id,
        data_keys,
        audit_key: decode_key(&doc.audit_key, "audit key")?,
        blind_index_key: decode_key(&doc.blind_index_key, "blind index key")?,
    })
}

fn b64_error(what: &str) -> KeyRingError {
    // Never include the decoder's message: it quotes the offending byte.
    KeyRingError::Format(format!("{what} is not valid base64"))
}

fn decode_key(encoded: &str, what: &str) -> Result<SecretKey, KeyRingError> {
    let bytes = Zeroizing::new(B64.decode(encoded).map_err(|_| b64_error(what))?);
    SecretKey::from_slice(&bytes)
        .ok_or_else(|| KeyRingError::Format(format!("{what} must be 32 bytes")))
}

fn decode_b64_exact<const N: usize>(encoded: &str, what: &str) -> Result<[u8; N], KeyRingError> {
    let bytes = B64.decode(encoded).map_err(|_| b64_error(what))?;
    bytes
        .try_into()
        .map_err(|_| KeyRingError::Format(format!("{what} must be {N} bytes")))
}

/// Serialises `value` as pretty JSON into a wiped-on-drop buffer allocated
/// once with the exact size (plus `spare` bytes), so that no partial copies
/// of key material are left behind by buffer growth.
fn to_json_exact<T: Serialize>(
    value: &T,
    spare: usize,
) -> Result<Zeroizing<Vec<u8>>, KeyRingError> {
    struct Counter(usize);
    impl Write for Counter {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter(0);
    serde_json::to_writer_pretty(&mut counter, value).map_err(|e| json_error("key ring", &e))?;
    let mut out = Zeroizing::new(Vec::with_capacity(counter.0 + spare));
    serde_json::to_writer_pretty(&mut *out, value).map_err(|e| json_error("key ring", &e))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::FieldContext;

    const CTX: FieldContext<'static> = FieldContext::new("survivors", "full_name", "row-1");

    /// Asserts that `b` holds exactly the same keys as `a`.
    fn assert_same_keys(a: &KeyRing, b: &KeyRing) {
        assert_eq!(a.current_key_id(), b.current_key_id());
        assert_eq!(a.key_ids(), b.key_ids());
        for (id, key) in &a.data_keys {
            assert_eq!(key.as_bytes(), b.data_keys[id].as_bytes(), "data key {id}");
        }
        assert_eq!(a.audit_key.as_bytes(), b.audit_key.as_bytes());
        assert_eq!(a.blind_index_key.as_bytes(), b.blind_index_key.as_bytes());
        // And behaviourally:
        let blob = a.encrypt_str("Aýgül", &CTX);
        assert_eq!(b.decrypt_str(&blob, &CTX).expect("decrypts"), "Aýgül");
        assert_eq!(a.blind_index("p", "v"), b.blind_index("p", "v"));
        assert_eq!(a.audit_mac(b"m"), b.audit_mac(b"m"));
    }

    fn rotated_ring() -> KeyRing {
        let mut ring = KeyRing::generate();
        ring.rotate();
        ring.rotate();
        ring.retire_unused(&[1]);
        assert_eq!(ring.key_ids(), vec![1, 3]);
        ring
    }

    fn fast_protected(ring: &KeyRing, passphrase: &str) -> Vec<u8> {
        encode_file(ring, Some(passphrase), &KdfParams::TEST_FAST)
            .expect("encode")
            .to_vec()
    }

    #[test]
    fn unprotected_round_trip() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("keys").join("ring.json");
        let ring = rotated_ring();
        ring.save(&path, None).expect("save");
        assert!(!KeyRing::is_passphrase_protected(&path).expect("readable"));
        let loaded = KeyRing::load(&path, None).expect("load");
        assert_same_keys(&ring, &loaded);
        // A passphrase given for an unprotected file is ignored.
        let loaded = KeyRing::load(&path, Some("unused")).expect("load");
        assert_same_keys(&ring, &loaded);

        let text = std::fs::read_to_string(&path).expect("read");
        let json: serde_json::Value = serde_json::from_str(&text).expect("json");
        assert_eq!(json["format"], "yoldash-keyring");
        assert_eq!(json["version"], 1);
        assert_eq!(json["protected"], false);
        assert_eq!(json["keys"]["current_key_id"], 3);
        assert_eq!(json["keys"]["data_keys"][0]["id"], 1);
        assert_eq!(json["keys"]["data_keys"][1]["id"], 3);
    }

    #[test]
    fn protected_round_trip_and_passphrase_errors() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("ring.json");
        let ring = rotated_ring();
        ring.save(&path, Some("correct horse battery staple"))
            .expect("save");
        assert!(KeyRing::is_passphrase_protected(&path).expect("readable"));

        let text = std::fs::read_to_string(&path).expect("read");
        for key in [&ring.audit_key, &ring.blind_index_key, &ring.data_keys[&3]] {
            assert!(!text.contains(&B64.encode(key.as_bytes())), "key in clear");
        }
        let json: serde_json::Value = serde_json::from_str(&text).expect("json");
        assert_eq!(json["protected"], true);
        assert_eq!(json["kdf"]["algorithm"], "argon2id");
        assert_eq!(json["kdf"]["memory_kib"], 65536);
        assert_eq!(json["kdf"]["iterations"], 3);
        assert_eq!(json["kdf"]["lanes"], 1);
        assert!(json.get("keys").is_none());

        let loaded = KeyRing::load(&path, Some("correct horse battery staple")).expect("load");
        assert_same_keys(&ring, &loaded);
        assert!(matches!(
            KeyRing::load(&path, Some("correct horse battery stapler")),
            Err(KeyRingError::WrongPassphrase)
        ));
        assert!(matches!(
            KeyRing::load(&path, None),
            Err(KeyRingError::PassphraseRequired)
        ));
        assert!(matches!(
            KeyRing::load(&path, Some("")),
            Err(KeyRingError::PassphraseRequired)
        ));
    }

    #[test]
    fn empty_passphrase_is_not_protection() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("ring.json");
        let ring = KeyRing::generate();
        assert!(matches!(
            ring.save(&path, Some("")),
            Err(KeyRingError::PassphraseRequired)
        ));
        assert!(!path.exists());
        assert!(matches!(
            ring.seal_to_bytes(""),
            Err(KeyRingError::PassphraseRequired)
        ));
    }

    #[cfg(unix)]
    #[test]
    fn saved_file_is_mode_0600() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("ring.json");
        std::fs::write(&path, b"old").expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        KeyRing::generate().save(&path, None).expect("save");
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn load_or_create_creates_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sub").join("ring.json");
        let (created, was_created) = KeyRing::load_or_create(&path, None).expect("create");
        assert!(was_created);
        let (loaded, was_created) = KeyRing::load_or_create(&path, None).expect("load");
        assert!(!was_created);
        assert_same_keys(&created, &loaded);
    }

    #[test]
    fn load_or_create_protected() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("ring.json");
        let (created, was_created) =
            KeyRing::load_or_create(&path, Some("pass phrase")).expect("create");
        assert!(was_created);
        assert!(KeyRing::is_passphrase_protected(&path).expect("readable"));
        // Missing passphrase must not silently create a new ring.
        assert!(matches!(
            KeyRing::load_or_create(&path, None),
            Err(KeyRingError::PassphraseRequired)
        ));
        let (loaded, was_created) =
            KeyRing::load_or_create(&path, Some("pass phrase")).expect("load");
        assert!(!was_created);
        assert_same_keys(&created, &loaded);
    }

    #[test]
    fn load_or_create_never_replaces_a_damaged_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("ring.json");
        std::fs::write(&path, b"{\"format\": \"yoldash-keyring\", \"vers").expect("write");
        assert!(matches!(
            KeyRing::load_or_create(&path, None),
            Err(KeyRingError::Format(_))
        ));
        assert_eq!(
            std::fs::read(&path).expect("read"),
            b"{\"format\": \"yoldash-keyring\", \"vers"
        );
    }

    #[test]
    fn save_new_refuses_to_overwrite() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("ring.json");
        let first = KeyRing::generate();
        first.save_new(&path, None).expect("create");
        assert!(matches!(
            KeyRing::generate().save_new(&path, None),
            Err(KeyRingError::AlreadyExists)
        ));
        assert_same_keys(&first, &KeyRing::load(&path, None).expect("load"));
    }

    #[test]
    fn missing_file_is_not_found() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("absent.json");
        assert!(matches!(
            KeyRing::load(&path, None),
            Err(KeyRingError::Io(e)) if e.kind() == io::ErrorKind::NotFound
        ));
        assert!(matches!(
            KeyRing::is_passphrase_protected(&path),
            Err(KeyRingError::Io(_))
        ));
    }

    #[test]
    fn sealed_bytes_round_trip() {
        let ring = rotated_ring();
        let sealed = ring.seal_to_bytes("backup passphrase").expect("seal");
        let opened = KeyRing::open_from_bytes(&sealed, "backup passphrase").expect("open");
        assert_same_keys(&ring, &opened);
        assert!(matches!(
            KeyRing::open_from_bytes(&sealed, "backup passphrasE"),
            Err(KeyRingError::WrongPassphrase)
        ));
        assert!(matches!(
            KeyRing::open_from_bytes(&sealed, ""),
            Err(KeyRingError::PassphraseRequired)
        ));
    }

    #[test]
    fn open_from_bytes_rejects_unprotected_data() {
        let plain = encode_file(&KeyRing::generate(), None, &KdfParams::DEFAULT).expect("encode");
        assert!(matches!(
            KeyRing::open_from_bytes(&plain, "x"),
            Err(KeyRingError::Format(_))
        ));
        assert!(matches!(
            KeyRing::open_from_bytes(b"not json", "x"),
            Err(KeyRingError::Format(_))
        ));
    }

    #[test]
    fn fast_protected_round_trip() {
        let ring = rotated_ring();
        let bytes = fast_protected(&ring, "pw");
        assert_same_keys(&ring, &decode_file(&bytes, Some("pw")).expect("decode"));
        assert!(matches!(
            decode_file(&bytes, Some("pW")),
            Err(KeyRingError::WrongPassphrase)
        ));
    }

    fn edit_json(bytes: &[u8], edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
        let mut json: serde_json::Value = serde_json::from_slice(bytes).expect("json");
        edit(&mut json);
        serde_json::to_vec(&json).expect("serialize")
    }

    fn flip_b64(value: &mut serde_json::Value, index: usize) {
        let mut bytes = B64.decode(value.as_str().expect("string")).expect("b64");
        bytes[index] ^= 1;
        *value = serde_json::Value::String(B64.encode(bytes));
    }

    #[test]
    fn tampered_protected_file() {
        let ring = KeyRing::generate();
        let bytes = fast_protected(&ring, "pw");
        let len = B64
            .decode(
                serde_json::from_slice::<serde_json::Value>(&bytes).expect("json")["ciphertext"]
                    .as_str()
                    .expect("string"),
            )
            .expect("b64")
            .len();
        for index in [0, len / 2, len - 1] {
            let bad = edit_json(&bytes, |j| flip_b64(&mut j["ciphertext"], index));
            assert!(matches!(
                decode_file(&bad, Some("pw")),
                Err(KeyRingError::Decrypt)
            ));
        }
        let bad = edit_json(&bytes, |j| flip_b64(&mut j["nonce"], 3));
        assert!(matches!(
            decode_file(&bad, Some("pw")),
            Err(KeyRingError::Decrypt)
        ));
        let bad = edit_json(&bytes, |j| flip_b64(&mut j["check"], 0));
        assert!(matches!(
            decode_file(&bad, Some("pw")),
            Err(KeyRingError::WrongPassphrase)
        ));
        let bad = edit_json(&bytes, |j| flip_b64(&mut j["kdf"]["salt"], 0));
        assert!(matches!(
            decode_file(&bad, Some("pw")),
            Err(KeyRingError::WrongPassphrase)
        ));
        let bad = edit_json(&bytes, |j| j["kdf"]["iterations"] = 2.into());
        assert!(matches!(
            decode_file(&bad, Some("pw")),
            Err(KeyRingError::WrongPassphrase)
        ));
        let bad = edit_json(&bytes, |j| j["kdf"]["memory_kib"] = (1u64 << 31).into());
        assert!(matches!(
            decode_file(&bad, Some("pw")),
            Err(KeyRingError::Format(_))
        ));
        let bad = edit_json(&bytes, |j| j["kdf"]["algorithm"] = "argon2i".into());
        assert!(matches!(
            decode_file(&bad, Some("pw")),
            Err(KeyRingError::Format(_))
        ));
        // Claiming to be unprotected does not expose anything.
        let bad = edit_json(&bytes, |j| j["protected"] = false.into());
        assert!(matches!(
            decode_file(&bad, Some("pw")),
            Err(KeyRingError::Format(_))
        ));
    }

    #[test]
    fn header_checks() {
        let bytes = encode_file(&KeyRing::generate(), None, &KdfParams::DEFAULT).expect("encode");
        let bad = edit_json(&bytes, |j| j["version"] = 2.into());
        assert!(
            matches!(decode_file(&bad, None), Err(KeyRingError::Format(m)) if m.contains("version 2"))
        );
        let bad = edit_json(&bytes, |j| j["format"] = "something-else".into());
        assert!(matches!(
            decode_file(&bad, None),
            Err(KeyRingError::Format(_))
        ));
        let bad = edit_json(&bytes, |j| j["keys"]["future_key"] = "AAAA".into());
        assert!(matches!(
            decode_file(&bad, None),
            Err(KeyRingError::Format(_))
        ));
        assert!(matches!(
            decode_file(b"", None),
            Err(KeyRingError::Format(_))
        ));
        assert!(matches!(
            decode_file(b"{}", None),
            Err(KeyRingError::Format(_))
        ));
    }

    #[test]
    fn invalid_key_documents_are_rejected_without_leaking() {
        let mut ring = KeyRing::generate();
        ring.rotate();
        let bytes = encode_file(&ring, None, &KdfParams::DEFAULT).expect("encode");
        let secret = B64.encode(ring.data_keys[&2].as_bytes());
        let secret_prefix = &secret[..10];

        type Edit = Box<dyn Fn(&mut serde_json::Value)>;
        let cases: Vec<(&str, Edit)> = vec![
            (
                "duplicate id",
                Box::new(|j| j["keys"]["data_keys"][0]["id"] = 2.into()),
            ),
            (
                "id zero",
                Box::new(|j| j["keys"]["data_keys"][0]["id"] = 0.into()),
            ),
            (
                "missing current",
                Box::new(|j| j["keys"]["current_key_id"] = 7.into()),
            ),
            (
                "current not highest",
                Box::new(|j| j["keys"]["current_key_id"] = 1.into()),
            ),
            (
                "no data keys",
                Box::new(|j| j["keys"]["data_keys"] = serde_json::json!([])),
            ),
            (
                "short key",
                Box::new(|j| j["keys"]["data_keys"][1]["key"] = B64.encode([1u8; 31]).into()),
            ),
            (
                "bad base64",
                Box::new(move |j| {
                    let s = j["keys"]["data_keys"][1]["key"].as_str().expect("str");
                    j["keys"]["data_keys"][1]["key"] = format!("{}!", &s[..43]).into();
                }),
            ),
            (
                "key is a number",
                Box::new(|j| j["keys"]["audit_key"] = 5.into()),
            ),
            (
                "id is a string",
                Box::new(|j| {
                    let key = j["keys"]["data_keys"][1]["key"].clone();
                    j["keys"]["data_keys"][1]["id"] = key;
                }),
            ),
        ];
        for (name, edit) in cases {
            let bad = edit_json(&bytes, |j| edit(j));
            match decode_file(&bad, None) {
                Err(KeyRingError::Format(msg)) => {
                    assert!(!msg.contains(secret_prefix), "{name}: {msg}");
                }
                other => panic!("{name}: expected Format error, got {other:?}"),
            }
        }
    }
}
