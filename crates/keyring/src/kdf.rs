//! Passphrase-based key derivation (Argon2id) with a passphrase check value.
//!
//! `argon2id(NFC(passphrase), salt, params)` yields a 32-byte master secret.
//! Two values are derived from it with HMAC-SHA256 and a domain label:
//! the encryption key, and a *check value* stored next to the ciphertext.
//! The check value lets us tell "wrong passphrase" apart from "ciphertext
//! tampered with" without weakening anything: it is no easier to attack than
//! the ciphertext itself, since both require the full Argon2id computation.

use argon2::{Algorithm, Argon2, Params, Version};
use hmac::digest::CtOutput;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use unicode_normalization::UnicodeNormalization;
use zeroize::{Zeroize, Zeroizing};

use crate::error::KeyRingError;
use crate::secret::{KEY_LEN, SecretKey, random_array};

type HmacSha256 = Hmac<Sha256>;

/// Salt length in bytes.
pub(crate) const SALT_LEN: usize = 16;
/// Length of the passphrase check value.
pub(crate) const CHECK_LEN: usize = 32;

/// Argon2id cost parameters as stored next to passphrase-protected data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KdfParams {
    /// Memory cost in KiB.
    pub(crate) memory_kib: u32,
    /// Number of passes.
    pub(crate) iterations: u32,
    /// Degree of parallelism.
    pub(crate) lanes: u32,
}

impl KdfParams {
    /// What we use for everything we write: 64 MiB, 3 passes, 1 lane.
    pub(crate) const DEFAULT: KdfParams = KdfParams {
        memory_kib: 64 * 1024,
        iterations: 3,
        lanes: 1,
    };

    /// Cheap parameters so that format tests can run many derivations.
    #[cfg(test)]
    pub(crate) const TEST_FAST: KdfParams = KdfParams {
        memory_kib: 8,
        iterations: 1,
        lanes: 1,
    };

    /// Upper bounds applied to parameters read from untrusted data, so that a
    /// crafted file cannot make us allocate gigabytes or spin for hours.
    const MAX_MEMORY_KIB: u32 = 1024 * 1024;
    const MAX_ITERATIONS: u32 = 64;
    const MAX_LANES: u32 = 16;

    /// Checks parameters that came from a file or stream.
    pub(crate) fn validate(&self) -> Result<(), KeyRingError> {
        let ok = (1..=Self::MAX_LANES).contains(&self.lanes)
            && (1..=Self::MAX_ITERATIONS).contains(&self.iterations)
            && self.memory_kib >= 8 * self.lanes
            && self.memory_kib <= Self::MAX_MEMORY_KIB;
        if ok {
            Ok(())
        } else {
            Err(KeyRingError::Format(format!(
                "unsupported Argon2id parameters (memory {} KiB, {} iterations, {} lanes)",
                self.memory_kib, self.iterations, self.lanes
            )))
        }
    }
}

/// What the derived keys are used for; part of the HMAC labels so the same
/// passphrase and salt never yield the same key for two formats.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Domain {
    KeyRingFile,
    SealedStream,
}

impl Domain {
    fn label(self) -> &'static str {
        match self {
            Domain::KeyRingFile => "keyring-file",
            Domain::SealedStream => "sealed-stream",
        }
    }
}

/// Keys derived from a passphrase.
pub(crate) struct DerivedKeys {
    /// The XChaCha20-Poly1305 key.
    pub(crate) enc: SecretKey,
    check: CtOutput<HmacSha256>,
}

impl DerivedKeys {
    /// The check value to store next to the ciphertext.
    pub(crate) fn check_value(&self) -> [u8; CHECK_LEN] {
        self.check.clone().into_bytes().into()
    }

    /// Constant-time comparison against a stored check value.
    pub(crate) fn verify(&self, stored: &[u8]) -> Result<(), KeyRingError> {
        let stored: [u8; CHECK_LEN] = stored
            .try_into()
            .map_err(|_| KeyRingError::Format("passphrase check value has wrong length".into()))?;
        let stored = CtOutput::<HmacSha256>::from(hmac::digest::Output::<HmacSha256>::from(stored));
        if stored == self.check {
            Ok(())
        } else {
            Err(KeyRingError::WrongPassphrase)
        }
    }
}

/// A fresh random salt.
pub(crate) fn new_salt() -> [u8; SALT_LEN] {
    random_array()
}

/// Derives the encryption key and check value for `passphrase`.
///
/// The passphrase is Unicode NFC-normalised first, so the same passphrase
/// typed on keyboards that produce composed or decomposed letters (e.g.
/// Turkmen "ý", "ä", "ň") unlocks the same data. An empty passphrase is
/// rejected with [`KeyRingError::PassphraseRequired`].
pub(crate) fn derive(
    passphrase: &str,
    salt: &[u8],
    params: &KdfParams,
    domain: Domain,
) -> Result<DerivedKeys, KeyRingError> {
    if passphrase.is_empty() {
        return Err(KeyRingError::PassphraseRequired);
    }
    params.validate()?;
    let argon_params = Params::new(
        params.memory_kib,
        params.iterations,
        params.lanes,
        Some(KEY_LEN),
    )
    .map_err(|e| KeyRingError::Format(format!("Argon2id parameters: {e}")))?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, argon_params);

    let normalized: Zeroizing<String> = Zeroizing::new(passphrase.nfc().collect());
    let mut master = SecretKey::zeroed();
    argon
        .hash_password_into(normalized.as_bytes(), salt, master.as_mut_bytes())
        .map_err(|e| KeyRingError::Format(format!("Argon2id: {e}")))?;

    let mut enc = SecretKey::zeroed();
    let mut enc_mac = hmac_label(&master, domain, "enc").into_bytes();
    enc.as_mut_bytes().copy_from_slice(&enc_mac);
    enc_mac.as_mut_slice().zeroize();
    let check = hmac_label(&master, domain, "check");
    Ok(DerivedKeys { enc, check })
}

fn hmac_label(master: &SecretKey, domain: Domain, what: &str) -> CtOutput<HmacSha256> {
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(master.as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(b"yoldash.kdf.v1\0");
    mac.update(domain.label().as_bytes());
    mac.update(b"\0");
    mac.update(what.as_bytes());
    mac.finalize()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SALT: [u8; SALT_LEN] = [9u8; SALT_LEN];

    #[test]
    fn deterministic_and_domain_separated() {
        let p = KdfParams::TEST_FAST;
        let a = derive("pass", &SALT, &p, Domain::SealedStream).expect("derive");
        let b = derive("pass", &SALT, &p, Domain::SealedStream).expect("derive");
        let c = derive("pass", &SALT, &p, Domain::KeyRingFile).expect("derive");
        assert_eq!(a.enc.as_bytes(), b.enc.as_bytes());
        assert_eq!(a.check_value(), b.check_value());
        assert_ne!(a.enc.as_bytes(), c.enc.as_bytes());
        assert_ne!(a.check_value(), c.check_value());
        // The check value must not reveal the encryption key.
        assert_ne!(&a.check_value(), a.enc.as_bytes());
    }

    #[test]
    fn salt_and_passphrase_matter() {
        let p = KdfParams::TEST_FAST;
        let a = derive("pass", &SALT, &p, Domain::SealedStream).expect("derive");
        let b = derive("pasS", &SALT, &p, Domain::SealedStream).expect("derive");
        let c = derive("pass", &[1u8; SALT_LEN], &p, Domain::SealedStream).expect("derive");
        assert_ne!(a.enc.as_bytes(), b.enc.as_bytes());
        assert_ne!(a.enc.as_bytes(), c.enc.as_bytes());
    }

    #[test]
    fn verify_accepts_own_check_and_rejects_others() {
        let p = KdfParams::TEST_FAST;
        let a = derive("pass", &SALT, &p, Domain::SealedStream).expect("derive");
        let b = derive("other", &SALT, &p, Domain::SealedStream).expect("derive");
        a.verify(&a.check_value()).expect("own check value");
        assert!(matches!(
            a.verify(&b.check_value()),
            Err(KeyRingError::WrongPassphrase)
        ));
        assert!(matches!(a.verify(&[0u8; 5]), Err(KeyRingError::Format(_))));
    }

    #[test]
    fn passphrase_is_nfc_normalized() {
        let p = KdfParams::TEST_FAST;
        let composed = derive("Aýgül", &SALT, &p, Domain::SealedStream).expect("derive");
        let decomposed =
            derive("Ay\u{301}gu\u{308}l", &SALT, &p, Domain::SealedStream).expect("derive");
        assert_eq!(composed.enc.as_bytes(), decomposed.enc.as_bytes());
    }

    #[test]
    fn empty_passphrase_rejected() {
        assert!(matches!(
            derive("", &SALT, &KdfParams::TEST_FAST, Domain::SealedStream),
            Err(KeyRingError::PassphraseRequired)
        ));
    }

    #[test]
    fn untrusted_params_are_bounded() {
        KdfParams::DEFAULT.validate().expect("default is valid");
        for bad in [
            KdfParams {
                memory_kib: 4 * 1024 * 1024,
                iterations: 3,
                lanes: 1,
            },
            KdfParams {
                memory_kib: 64 * 1024,
                iterations: 0,
                lanes: 1,
            },
            KdfParams {
                memory_kib: 64 * 1024,
                iterations: 1000,
                lanes: 1,
            },
            KdfParams {
                memory_kib: 64 * 1024,
                iterations: 3,
                lanes: 0,
            },
            KdfParams {
                memory_kib: 8,
                iterations: 3,
                lanes: 2,
            },
        ] {
            assert!(
                matches!(bad.validate(), Err(KeyRingError::Format(_))),
                "{bad:?}"
            );
        }
    }
}
