//! Field ciphertext layout and the context it is bound to.
//!
//! # Ciphertext layout (format version 1)
//!
//! ```text
//! offset  size  content
//! 0       1     format version (0x01)
//! 1       4     data key id, big-endian u32
//! 5       24    random XChaCha20 nonce
//! 29      n+16  XChaCha20-Poly1305 ciphertext of the n-byte plaintext, then the tag
//! ```
//!
//! The associated data (authenticated, not stored) is
//!
//! ```text
//! lp("yoldash.field") || version (1 byte) || key id (4 bytes BE)
//!   || lp(table) || lp(column) || lp(row_id)
//! ```
//!
//! where `lp(x)` is the length of `x` as a big-endian u64 followed by the
//! bytes of `x`. Length prefixes make the encoding unambiguous, so a
//! ciphertext copied to a different table, column or row fails to decrypt.

/// Format version byte at the start of every field ciphertext.
pub(crate) const FIELD_FORMAT_VERSION: u8 = 1;
/// Length of the XChaCha20 nonce.
pub(crate) const NONCE_LEN: usize = 24;
/// Length of the Poly1305 tag.
pub(crate) const TAG_LEN: usize = 16;
/// Length of version byte + key id + nonce.
pub(crate) const HEADER_LEN: usize = 1 + 4 + NONCE_LEN;
/// Shortest valid ciphertext (empty plaintext).
pub(crate) const MIN_BLOB_LEN: usize = HEADER_LEN + TAG_LEN;

/// Where an encrypted value lives. The ciphertext is cryptographically bound
/// to this location: decrypting it with any other context fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FieldContext<'a> {
    /// Table name, e.g. `"survivors"`.
    pub table: &'a str,
    /// Column name, e.g. `"full_name"`.
    pub column: &'a str,
    /// Primary key of the row, e.g. a UUID in text form.
    pub row_id: &'a str,
}

impl<'a> FieldContext<'a> {
    /// Convenience constructor.
    pub const fn new(table: &'a str, column: &'a str, row_id: &'a str) -> FieldContext<'a> {
        FieldContext {
            table,
            column,
            row_id,
        }
    }
}

/// Builds the associated data for a field ciphertext (see the module docs).
pub(crate) fn associated_data(key_id: u32, ctx: &FieldContext<'_>) -> Vec<u8> {
    const LABEL: &[u8] = b"yoldash.field";
    let mut aad = Vec::with_capacity(
        4 * 8 + LABEL.len() + 1 + 4 + ctx.table.len() + ctx.column.len() + ctx.row_id.len(),
    );
    push_lp(&mut aad, LABEL);
    aad.push(FIELD_FORMAT_VERSION);
    aad.extend_from_slice(&key_id.to_be_bytes());
    push_lp(&mut aad, ctx.table.as_bytes());
    push_lp(&mut aad, ctx.column.as_bytes());
    push_lp(&mut aad, ctx.row_id.as_bytes());
    aad
}

fn push_lp(out: &mut Vec<u8>, bytes: &[u8]) {
    // usize -> u64 never truncates on supported targets.
    out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// Writes the fixed header (version, key id, nonce) into `out`.
pub(crate) fn push_header(out: &mut Vec<u8>, key_id: u32, nonce: &[u8; NONCE_LEN]) {
    out.push(FIELD_FORMAT_VERSION);
    out.extend_from_slice(&key_id.to_be_bytes());
    out.extend_from_slice(nonce);
}

/// The parts of a well-formed field ciphertext.
pub(crate) struct ParsedBlob<'b> {
    pub(crate) key_id: u32,
    pub(crate) nonce: &'b [u8; NONCE_LEN],
    /// Ciphertext without the tag.
    pub(crate) ciphertext: &'b [u8],
    pub(crate) tag: &'b [u8; TAG_LEN],
}

/// Splits a blob into its parts, or explains why it is not a field ciphertext.
pub(crate) fn parse_blob(blob: &[u8]) -> Result<ParsedBlob<'_>, &'static str> {
    if blob.len() < MIN_BLOB_LEN {
        return Err("field ciphertext is too short");
    }
    if blob[0] != FIELD_FORMAT_VERSION {
        return Err("unsupported field ciphertext version");
    }
    let (key_id, rest) = blob[1..].split_at(4);
    let (nonce, rest) = rest.split_at(NONCE_LEN);
    let (ciphertext, tag) = rest.split_at(rest.len() - TAG_LEN);
    Ok(ParsedBlob {
        key_id: u32::from_be_bytes(key_id.try_into().map_err(|_| "bad key id")?),
        nonce: nonce.try_into().map_err(|_| "bad nonce")?,
        ciphertext,
        tag: tag.try_into().map_err(|_| "bad tag")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn associated_data_is_unambiguous() {
        // Moving bytes between adjacent fields must change the encoding.
        let a = associated_data(1, &FieldContext::new("ab", "c", "r"));
        let b = associated_data(1, &FieldContext::new("a", "bc", "r"));
        let c = associated_data(1, &FieldContext::new("a", "b", "cr"));
        assert_ne!(a, b);
        assert_ne!(b, c);
        assert_ne!(a, c);
        // Key id is bound too.
        assert_ne!(
            associated_data(1, &FieldContext::new("t", "c", "r")),
            associated_data(2, &FieldContext::new("t", "c", "r"))
        );
    }

    #[test]
    fn associated_data_exact_encoding() {
        let aad = associated_data(0x0102_0304, &FieldContext::new("t", "co", ""));
        let mut expected = Vec::new();
        expected.extend_from_slice(&13u64.to_be_bytes());
        expected.extend_from_slice(b"yoldash.field");
        expected.push(1);
        expected.extend_from_slice(&[1, 2, 3, 4]);
        expected.extend_from_slice(&1u64.to_be_bytes());
        expected.extend_from_slice(b"t");
        expected.extend_from_slice(&2u64.to_be_bytes());
        expected.extend_from_slice(b"co");
        expected.extend_from_slice(&0u64.to_be_bytes());
        assert_eq!(aad, expected);
    }

    #[test]
    fn parse_rejects_short_and_unknown_versions() {
        assert!(parse_blob(&[]).is_err());
        assert!(parse_blob(&[1u8; MIN_BLOB_LEN - 1]).is_err());
        let mut blob = vec![0u8; MIN_BLOB_LEN];
        blob[0] = 2;
        assert!(parse_blob(&blob).is_err());
        blob[0] = 1;
        blob[1..5].copy_from_slice(&7u32.to_be_bytes());
        let parsed = parse_blob(&blob).expect("minimal blob parses");
        assert_eq!(parsed.key_id, 7);
        assert!(parsed.ciphertext.is_empty());
    }
}
