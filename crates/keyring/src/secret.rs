//! Heap-pinned, zeroize-on-drop key storage and OS randomness helpers.

use rand::TryRng;
use rand::rngs::SysRng;
use zeroize::Zeroize;

/// Length in bytes of every symmetric key in this crate.
pub(crate) const KEY_LEN: usize = 32;

/// A 32-byte secret key.
///
/// The bytes live in their own heap allocation, so moving a `SecretKey`
/// (e.g. inside a map that rebalances) moves only a pointer and never leaves
/// stray copies of the key behind. The bytes are wiped on drop.
pub(crate) struct SecretKey(Box<[u8; KEY_LEN]>);

impl SecretKey {
    /// A fresh key from the operating system CSPRNG.
    pub(crate) fn random() -> SecretKey {
        let mut key = SecretKey(Box::new([0u8; KEY_LEN]));
        fill_random(&mut key.0[..]);
        key
    }

    /// Copies a key out of `bytes`, which must be exactly [`KEY_LEN`] long.
    pub(crate) fn from_slice(bytes: &[u8]) -> Option<SecretKey> {
        if bytes.len() != KEY_LEN {
            return None;
        }
        let mut key = SecretKey(Box::new([0u8; KEY_LEN]));
        key.0.copy_from_slice(bytes);
        Some(key)
    }

    /// An all-zero key, to be filled in place by a derivation function.
    pub(crate) fn zeroed() -> SecretKey {
        SecretKey(Box::new([0u8; KEY_LEN]))
    }

    pub(crate) fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    pub(crate) fn as_mut_bytes(&mut self) -> &mut [u8; KEY_LEN] {
        &mut self.0
    }
}

impl Drop for SecretKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

/// Fills `buf` from the operating system CSPRNG.
///
/// # Panics
///
/// Panics if the operating system cannot provide randomness. Continuing with
/// weak or zero keys/nonces would be far worse than stopping.
pub(crate) fn fill_random(buf: &mut [u8]) {
    SysRng
        .try_fill_bytes(buf)
        .expect("the operating system random number generator failed");
}

/// A random byte array from the operating system CSPRNG (for salts and
/// nonces, which are not secret).
pub(crate) fn random_array<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    fill_random(&mut out);
    out
}

/// Lower-case hexadecimal encoding.
pub(crate) fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_keys_differ_and_are_not_zero() {
        let a = SecretKey::random();
        let b = SecretKey::random();
        assert_ne!(a.as_bytes(), b.as_bytes());
        assert_ne!(a.as_bytes(), &[0u8; KEY_LEN]);
    }

    #[test]
    fn from_slice_checks_length() {
        assert!(SecretKey::from_slice(&[7u8; 31]).is_none());
        assert!(SecretKey::from_slice(&[7u8; 33]).is_none());
        let k = SecretKey::from_slice(&[7u8; 32]).expect("32 bytes");
        assert_eq!(k.as_bytes(), &[7u8; 32]);
    }

    #[test]
    fn debug_is_redacted() {
        let k = SecretKey::from_slice(&[0xab; 32]).expect("32 bytes");
        let s = format!("{k:?}");
        assert!(!s.contains("ab"), "{s}");
        assert!(!s.contains("171"), "{s}");
    }

    #[test]
    fn hex_encoding() {
        assert_eq!(to_hex(&[]), "");
        assert_eq!(to_hex(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
    }
}
