//! The error type shared by every operation of this crate.

/// Errors returned by the key ring, field encryption and sealing functions.
///
/// No message ever contains key bytes, passphrases or plaintext: parse errors
/// are reduced to a category and a position, and cryptographic failures are
/// deliberately opaque.
#[derive(Debug, thiserror::Error)]
pub enum KeyRingError {
    /// Reading or writing a file or stream failed.
    #[error("key ring I/O error: {0}")]
    Io(#[from] std::io::Error),

    /// The data is not in a format this version understands (bad magic,
    /// unsupported version, malformed JSON, wrong key length, truncated
    /// preamble, out-of-range parameters, ...).
    #[error("invalid key ring data: {0}")]
    Format(String),

    /// The passphrase does not match. Because the passphrase check covers the
    /// salt and KDF parameters, tampering with those also reports this error.
    #[error("wrong passphrase (or the passphrase-protected data was altered)")]
    WrongPassphrase,

    /// The data is passphrase-protected (or protection was requested) but no
    /// non-empty passphrase was supplied.
    #[error("a non-empty passphrase is required")]
    PassphraseRequired,

    /// Authentication failed: the ciphertext was tampered with, truncated,
    /// reordered, extended, or is being decrypted in the wrong context.
    #[error("decryption failed: data was altered, truncated or used in the wrong context")]
    Decrypt,

    /// The ciphertext names a data key that is not (or no longer) in the ring.
    #[error("unknown data key id {0}")]
    UnknownKey(u32),

    /// Refused to overwrite an existing key ring file.
    #[error("key ring file already exists")]
    AlreadyExists,
}

/// Converts a `serde_json` error into a [`KeyRingError::Format`] without
/// echoing any part of the input (serde messages may quote the offending
/// value, which could be key material).
pub(crate) fn json_error(what: &str, err: &serde_json::Error) -> KeyRingError {
    let category = match err.classify() {
        serde_json::error::Category::Io => "I/O failure",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Data => "unexpected structure or value",
        serde_json::error::Category::Eof => "unexpected end of data",
    };
    KeyRingError::Format(format!(
        "{what}: {category} at line {}, column {}",
        err.line(),
        err.column()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_errors_do_not_echo_input() {
        let secret = "c2VjcmV0LWtleS1tYXRlcmlhbA==";
        let input = format!(r#"{{"id": "{secret}"}}"#);
        #[derive(serde::Deserialize)]
        #[allow(dead_code)]
        struct Doc {
            id: u32,
        }
        let err = serde_json::from_str::<Doc>(&input)
            .err()
            .expect("must fail");
        // The raw serde message quotes the value; ours must not.
        assert!(err.to_string().contains(secret));
        let ours = json_error("key ring file", &err).to_string();
        assert!(!ours.contains(secret), "{ours}");
        assert!(ours.contains("line 1"));
    }
}
