//! Streaming authenticated encryption of large files (database backups)
//! under a passphrase.
//!
//! # Stream format (version 1)
//!
//! ```text
//! magic         15 bytes  "YOLDASH-SEALED\x01"
//! salt          16 bytes  Argon2id salt
//! memory_kib     4 bytes  Argon2id memory cost, big-endian u32
//! iterations     4 bytes  Argon2id passes, big-endian u32
//! lanes          4 bytes  Argon2id parallelism, big-endian u32
//! check         32 bytes  passphrase check value
//! nonce_prefix  16 bytes  random, per stream
//! header_len     4 bytes  big-endian u32 (at most MAX_HEADER_LEN)
//! header        header_len bytes, NOT encrypted (but authenticated)
//! chunks        XChaCha20-Poly1305(plaintext chunk) || 16-byte tag, repeated
//! ```
//!
//! The plaintext is cut into chunks of [`CHUNK_SIZE`] (64 KiB) bytes; the
//! last chunk holds the remaining 0..=64 KiB (an empty input gives a single
//! empty chunk). Chunk `i` is encrypted under the Argon2id-derived key with
//! nonce `nonce_prefix || i` (`i` as big-endian u64) and associated data
//! `final_flag || SHA-256(everything from magic to the end of header)`, where
//! `final_flag` is 1 for the last chunk and 0 otherwise. Hence:
//!
//! * any change to the magic, parameters, nonce prefix or header fails every
//!   chunk;
//! * reordering or removing chunks changes their counters;
//! * truncation at a chunk boundary leaves a last chunk whose final flag is 0;
//! * appending data makes the genuine final chunk non-final (or breaks the
//!   last chunk's tag).
//!
//! A wrong passphrase is detected up front by the check value and reported as
//! [`KeyRingError::WrongPassphrase`]; all other authentication failures are
//! [`KeyRingError::Decrypt`].

use std::io::{self, Read, Write};

use chacha20poly1305::aead::AeadInOut;
use chacha20poly1305::{KeyInit, Tag, XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::KeyRingError;
use crate::field::{NONCE_LEN, TAG_LEN};
use crate::kdf::{self, CHECK_LEN, DerivedKeys, Domain, KdfParams, SALT_LEN};
use crate::secret::random_array;

/// Magic bytes at the start of every sealed stream (the last byte is the
/// format version).
pub const MAGIC: &[u8; 15] = b"YOLDASH-SEALED\x01";
/// Plaintext bytes per chunk (except the last).
pub const CHUNK_SIZE: usize = 64 * 1024;
/// Largest accepted header.
pub const MAX_HEADER_LEN: usize = 1024 * 1024;

const NONCE_PREFIX_LEN: usize = 16;
const SEALED_CHUNK_LEN: usize = CHUNK_SIZE + TAG_LEN;

/// Encrypts everything read from `reader` and writes the sealed stream to
/// `writer`. `header` is stored in clear text but authenticated (e.g.
/// backup metadata such as creation time and schema version; never put
/// sensitive data there). Key derivation: Argon2id, 64 MiB, 3 iterations,
/// 1 lane.
///
/// # Errors
///
/// [`KeyRingError::PassphraseRequired`] for an empty passphrase,
/// [`KeyRingError::Format`] for a header over [`MAX_HEADER_LEN`],
/// [`KeyRingError::Io`] if reading or writing fails.
pub fn seal<R: Read, W: Write>(
    reader: R,
    writer: W,
    passphrase: &str,
    header: &[u8],
) -> Result<(), KeyRingError> {
    seal_with_params(reader, writer, passphrase, header, &KdfParams::DEFAULT)
}

/// Decrypts a sealed stream from `reader`, writes the plaintext to `writer`
/// and returns the authenticated header.
///
/// Plaintext is written chunk by chunk, each only after it has been
/// authenticated, so nothing unauthenticated is ever written. But when an
/// error occurs mid-stream, the chunks *before* the failing one have already
/// been written: callers must write to a temporary file and discard it on
/// any error, and only use the output once `open` has returned `Ok`.
///
/// # Errors
///
/// * [`KeyRingError::WrongPassphrase`] if the passphrase is wrong (or the
///   salt, parameters or check value were altered);
/// * [`KeyRingError::Decrypt`] if the stream was tampered with, truncated,
///   reordered or extended;
/// * [`KeyRingError::Format`] if it is not a sealed stream, the preamble is
///   truncated, or the parameters are out of range;
/// * [`KeyRingError::PassphraseRequired`] for an empty passphrase;
/// * [`KeyRingError::Io`] if reading or writing fails.
pub fn open<R: Read, W: Write>(
    mut reader: R,
    mut writer: W,
    passphrase: &str,
) -> Result<Vec<u8>, KeyRingError> {
    let mut magic = [0u8; MAGIC.len()];
    read_preamble(&mut reader, &mut magic)?;
    if &magic != MAGIC {
        return Err(KeyRingError::Format(
            "not a Yoldash sealed stream (bad magic or version)".to_owned(),
        ));
    }
    let mut salt = [0u8; SALT_LEN];
    read_preamble(&mut reader, &mut salt)?;
    let params = KdfParams {
        memory_kib: read_u32(&mut reader)?,
        iterations: read_u32(&mut reader)?,
        lanes: read_u32(&mut reader)?,
    };
    params.validate()?;
    let mut check = [0u8; CHECK_LEN];
    read_preamble(&mut reader, &mut check)?;
    let mut nonce_prefix = [0u8; NONCE_PREFIX_LEN];
    read_preamble(&mut reader, &mut nonce_prefix)?;
    let header_len = read_u32(&mut reader)?;
    let header_len = usize::try_from(header_len)
        .ok()
        .filter(|len| *len <= MAX_HEADER_LEN)
        .ok_or_else(|| KeyRingError::Format("sealed stream header is too large".to_owned()))?;
    let mut header = vec![0u8; header_len];
    read_preamble(&mut reader, &mut header)?;

    let derived = kdf::derive(passphrase, &salt, &params, Domain::SealedStream)?;
    derived.verify(&check)?;

    let preamble = preamble_bytes(&salt, &params, &check, &nonce_prefix, &header);
    let chunks = ChunkCipher::new(&derived, nonce_prefix, &preamble);

    // One spare byte of look-ahead tells whether more data follows.
    let mut buf = Zeroizing::new(vec![0u8; SEALED_CHUNK_LEN + 1]);
    let mut filled = 0;
    let mut counter: u64 = 0;
    loop {
        filled += read_full(&mut reader, &mut buf[filled..])?;
        let is_final = filled <= SEALED_CHUNK_LEN;
        let len = if is_final { filled } else { SEALED_CHUNK_LEN };
        if len < TAG_LEN {
            // Missing final chunk: truncated.
            return Err(KeyRingError::Decrypt);
        }
        let (msg, tag) = buf[..len].split_at_mut(len - TAG_LEN);
        let tag = Tag::try_from(&*tag).map_err(|_| KeyRingError::Decrypt)?;
        chunks
            .cipher
            .decrypt_inout_detached(
                &chunks.nonce(counter),
                &chunks.aad(is_final),
                (&mut *msg).into(),
                &tag,
            )
            .map_err(|_| KeyRingError::Decrypt)?;
        writer.write_all(msg)?;
        if is_final {
            break;
        }
        buf[0] = buf[SEALED_CHUNK_LEN];
        filled = 1;
        counter = next_counter(counter)?;
    }
    writer.flush()?;
    Ok(header)
}

pub(crate) fn seal_with_params<R: Read, W: Write>(
    mut reader: R,
    mut writer: W,
    passphrase: &str,
    header: &[u8],
    params: &KdfParams,
) -> Result<(), KeyRingError> {
    if header.len() > MAX_HEADER_LEN {
        return Err(KeyRingError::Format(
            "sealed stream header is too large".to_owned(),
        ));
    }
    let salt: [u8; SALT_LEN] = kdf::new_salt();
    let derived = kdf::derive(passphrase, &salt, params, Domain::SealedStream)?;
    let check = derived.check_value();
    let nonce_prefix: [u8; NONCE_PREFIX_LEN] = random_array();

    let preamble = preamble_bytes(&salt, params, &check, &nonce_prefix, header);
    writer.write_all(&preamble)?;
    let chunks = ChunkCipher::new(&derived, nonce_prefix, &preamble);

    // One spare byte of look-ahead tells whether more data follows.
    let mut buf = Zeroizing::new(vec![0u8; CHUNK_SIZE + 1]);
    let mut filled = 0;
    let mut counter: u64 = 0;
    loop {
        filled += read_full(&mut reader, &mut buf[filled..])?;
        let is_final = filled <= CHUNK_SIZE;
        let len = if is_final { filled } else { CHUNK_SIZE };
        let tag = chunks
            .cipher
            .encrypt_inout_detached(
                &chunks.nonce(counter),
                &chunks.aad(is_final),
                (&mut buf[..len]).into(),
            )
            .map_err(|_| KeyRingError::Format("chunk too large".to_owned()))?;
        writer.write_all(&buf[..len])?;
        writer.write_all(&tag)?;
        if is_final {
            break;
        }
        buf[0] = buf[CHUNK_SIZE];
        filled = 1;
        counter = next_counter(counter)?;
    }
    writer.flush()?;
    Ok(())
}

/// Per-stream cipher state.
struct ChunkCipher {
    cipher: XChaCha20Poly1305,
    nonce_prefix: [u8; NONCE_PREFIX_LEN],
    preamble_hash: [u8; 32],
}

impl ChunkCipher {
    fn new(derived: &DerivedKeys, nonce_prefix: [u8; NONCE_PREFIX_LEN], preamble: &[u8]) -> Self {
        ChunkCipher {
            cipher: XChaCha20Poly1305::new(derived.enc.as_bytes().into()),
            nonce_prefix,
            preamble_hash: Sha256::digest(preamble).into(),
        }
    }

    fn nonce(&self, counter: u64) -> XNonce {
        let mut nonce = [0u8; NONCE_LEN];
        nonce[..NONCE_PREFIX_LEN].copy_from_slice(&self.nonce_prefix);
        nonce[NONCE_PREFIX_LEN..].copy_from_slice(&counter.to_be_bytes());
        XNonce::from(nonce)
    }

    fn aad(&self, is_final: bool) -> [u8; 33] {
        let mut aad = [0u8; 33];
        aad[0] = u8::from(is_final);
        aad[1..].copy_from_slice(&self.preamble_hash);
        aad
    }
}

fn next_counter(counter: u64) -> Result<u64, KeyRingError> {
    counter
        .checked_add(1)
        .ok_or_else(|| KeyRingError::Format("sealed stream has too many chunks".to_owned()))
}

/// Everything from the magic to the end of the header, as written.
fn preamble_bytes(
    salt: &[u8; SALT_LEN],
    params: &KdfParams,
    check: &[u8; CHECK_LEN],
    nonce_prefix: &[u8; NONCE_PREFIX_LEN],
    header: &[u8],
) -> Vec<u8> {
    let header_len =
        u32::try_from(header.len()).expect("header length is bounded by MAX_HEADER_LEN");
    let mut out = Vec::with_capacity(
        MAGIC.len() + SALT_LEN + 12 + CHECK_LEN + NONCE_PREFIX_LEN + 4 + header.len(),
    );
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(salt);
    out.extend_from_slice(&params.memory_kib.to_be_bytes());
    out.extend_from_slice(&params.iterations.to_be_bytes());
    out.extend_from_slice(&params.lanes.to_be_bytes());
    out.extend_from_slice(check);
    out.extend_from_slice(nonce_prefix);
    out.extend_from_slice(&header_len.to_be_bytes());
    out.extend_from_slice(header);
    out
}

/// Reads exactly `buf.len()` bytes of the preamble; a short read means the
/// stream is not a complete sealed stream.
fn read_preamble<R: Read>(reader: &mut R, buf: &mut [u8]) -> Result<(), KeyRingError> {
    reader.read_exact(buf).map_err(|err| {
        if err.kind() == io::ErrorKind::UnexpectedEof {
            KeyRingError::Format("sealed stream is truncated".to_owned())
        } else {
            KeyRingError::Io(err)
        }
    })
}

fn read_u32<R: Read>(reader: &mut R) -> Result<u32, KeyRingError> {
    let mut bytes = [0u8; 4];
    read_preamble(reader, &mut bytes)?;
    Ok(u32::from_be_bytes(bytes))
}

/// Reads until `buf` is full or the reader is exhausted; returns the count.
fn read_full<R: Read>(reader: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut total = 0;
    while total < buf.len() {
        match reader.read(&mut buf[total..]) {
            Ok(0) => break,
            Ok(n) => total += n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const PREAMBLE_LEN: usize = MAGIC.len() + SALT_LEN + 12 + CHECK_LEN + NONCE_PREFIX_LEN + 4;

    fn data(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 31 % 251) as u8).collect()
    }

    fn seal_fast(plaintext: &[u8], passphrase: &str, header: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        seal_with_params(
            plaintext,
            &mut out,
            passphrase,
            header,
            &KdfParams::TEST_FAST,
        )
        .expect("seal");
        out
    }

    fn open_to_vec(sealed: &[u8], passphrase: &str) -> Result<(Vec<u8>, Vec<u8>), KeyRingError> {
        let mut out = Vec::new();
        let header = open(sealed, &mut out, passphrase)?;
        Ok((header, out))
    }

    /// Byte offset of chunk `i` in a stream with a header of `header_len`.
    fn chunk_offset(header_len: usize, i: usize) -> usize {
        PREAMBLE_LEN + header_len + i * SEALED_CHUNK_LEN
    }

    #[test]
    fn round_trip_sizes() {
        for len in [
            0,
            1,
            100,
            CHUNK_SIZE - 1,
            CHUNK_SIZE,
            CHUNK_SIZE + 1,
            2 * CHUNK_SIZE,
            3 * CHUNK_SIZE + 17,
        ] {
            let plaintext = data(len);
            let sealed = seal_fast(&plaintext, "pw", b"backup v1");
            let chunks = len.div_ceil(CHUNK_SIZE).max(1);
            assert_eq!(
                sealed.len(),
                PREAMBLE_LEN + 9 + len + chunks * TAG_LEN,
                "length {len}"
            );
            assert_eq!(&sealed[..MAGIC.len()], MAGIC);
            let (header, opened) = open_to_vec(&sealed, "pw").expect("open");
            assert_eq!(header, b"backup v1");
            assert_eq!(opened, plaintext, "length {len}");
        }
    }

    #[test]
    fn public_api_round_trip_and_wrong_passphrase() {
        // The only test paying for the real Argon2id parameters here.
        let plaintext = data(CHUNK_SIZE + 1000);
        let mut sealed = Vec::new();
        seal(
            &plaintext[..],
            &mut sealed,
            "backup passphrase",
            b"{\"schema\":3}",
        )
        .expect("seal");
        assert_eq!(
            &sealed[MAGIC.len() + SALT_LEN..MAGIC.len() + SALT_LEN + 12],
            &[0, 1, 0, 0, 0, 0, 0, 3, 0, 0, 0, 1]
        );
        let mut out = Vec::new();
        assert_eq!(
            open(&sealed[..], &mut out, "backup passphrase").expect("open"),
            b"{\"schema\":3}"
        );
        assert_eq!(out, plaintext);
        let mut out = Vec::new();
        assert!(matches!(
            open(&sealed[..], &mut out, "backup passphrasE"),
            Err(KeyRingError::WrongPassphrase)
        ));
        assert!(out.is_empty());
    }

    #[test]
    fn header_is_stored_in_clear_but_authenticated() {
        let sealed = seal_fast(b"payload", "pw", b"HDR");
        let at = PREAMBLE_LEN;
        assert_eq!(&sealed[at - 4..at], &3u32.to_be_bytes());
        assert_eq!(&sealed[at..at + 3], b"HDR");
        let mut bad = sealed.clone();
        bad[at + 1] = b'X';
        assert!(matches!(
            open_to_vec(&bad, "pw"),
            Err(KeyRingError::Decrypt)
        ));
        // Changing the declared length breaks framing and authentication.
        let mut bad = sealed.clone();
        bad[at - 1] = 2;
        assert!(open_to_vec(&bad, "pw").is_err());
    }

    #[test]
    fn oversized_header_rejected() {
        let mut out = Vec::new();
        let header = vec![0u8; MAX_HEADER_LEN + 1];
        assert!(matches!(
            seal_with_params(&b""[..], &mut out, "pw", &header, &KdfParams::TEST_FAST),
            Err(KeyRingError::Format(_))
        ));
        let mut sealed = seal_fast(b"", "pw", b"");
        sealed[PREAMBLE_LEN - 4..PREAMBLE_LEN].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(matches!(
            open_to_vec(&sealed, "pw"),
            Err(KeyRingError::Format(_))
        ));
    }

    #[test]
    fn empty_passphrase_rejected() {
        let mut out = Vec::new();
        assert!(matches!(
            seal(&b"x"[..], &mut out, "", b""),
            Err(KeyRingError::PassphraseRequired)
        ));
        let sealed = seal_fast(b"x", "pw", b"");
        assert!(matches!(
            open_to_vec(&sealed, ""),
            Err(KeyRingError::PassphraseRequired)
        ));
    }

    #[test]
    fn wrong_passphrase_and_preamble_tampering() {
        let sealed = seal_fast(&data(1000), "pw", b"h");
        assert!(matches!(
            open_to_vec(&sealed, "PW"),
            Err(KeyRingError::WrongPassphrase)
        ));
        // Salt, parameters and check value feed the passphrase check.
        for i in [
            MAGIC.len(),
            MAGIC.len() + SALT_LEN + 3,
            MAGIC.len() + SALT_LEN + 12 + 5,
        ] {
            let mut bad = sealed.clone();
            bad[i] ^= 0x01;
            assert!(
                matches!(open_to_vec(&bad, "pw"), Err(KeyRingError::WrongPassphrase)),
                "offset {i}: {:?}",
                open_to_vec(&bad, "pw")
            );
        }
        // Magic and version byte.
        for i in [0, MAGIC.len() - 1] {
            let mut bad = sealed.clone();
            bad[i] ^= 0x01;
            assert!(matches!(
                open_to_vec(&bad, "pw"),
                Err(KeyRingError::Format(_))
            ));
        }
        // Nonce prefix.
        let mut bad = sealed.clone();
        bad[MAGIC.len() + SALT_LEN + 12 + CHECK_LEN] ^= 0x80;
        assert!(matches!(
            open_to_vec(&bad, "pw"),
            Err(KeyRingError::Decrypt)
        ));
        // Absurd parameters are refused before any work is done.
        let mut bad = sealed.clone();
        bad[MAGIC.len() + SALT_LEN..MAGIC.len() + SALT_LEN + 4]
            .copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(matches!(
            open_to_vec(&bad, "pw"),
            Err(KeyRingError::Format(_))
        ));
    }

    #[test]
    fn not_a_sealed_stream() {
        assert!(matches!(
            open_to_vec(b"", "pw"),
            Err(KeyRingError::Format(_))
        ));
        assert!(matches!(
            open_to_vec(b"SQLite format 3\0 and so on and so forth", "pw"),
            Err(KeyRingError::Format(_))
        ));
        assert!(matches!(
            open_to_vec(MAGIC, "pw"),
            Err(KeyRingError::Format(_))
        ));
    }

    #[test]
    fn truncation_is_detected() {
        let len = 2 * CHUNK_SIZE + 500;
        let sealed = seal_fast(&data(len), "pw", b"h");
        // At every chunk boundary (including "no chunks at all").
        for i in 0..3 {
            let cut = chunk_offset(1, i);
            assert!(
                matches!(
                    open_to_vec(&sealed[..cut], "pw"),
                    Err(KeyRingError::Decrypt)
                ),
                "cut after {i} chunks"
            );
        }
        // Inside chunks, and one byte short.
        for cut in [
            chunk_offset(1, 0) + 10,
            chunk_offset(1, 1) + TAG_LEN,
            chunk_offset(1, 2) + TAG_LEN - 1,
            sealed.len() - 1,
        ] {
            assert!(
                matches!(
                    open_to_vec(&sealed[..cut], "pw"),
                    Err(KeyRingError::Decrypt)
                ),
                "cut at {cut}"
            );
        }
        // Inside the preamble.
        for cut in [5, PREAMBLE_LEN - 1, PREAMBLE_LEN] {
            assert!(matches!(
                open_to_vec(&sealed[..cut], "pw"),
                Err(KeyRingError::Format(_))
            ));
        }
    }

    #[test]
    fn truncating_an_exact_multiple_is_detected() {
        // Two full chunks; dropping the last leaves a full-size non-final chunk.
        let sealed = seal_fast(&data(2 * CHUNK_SIZE), "pw", b"");
        assert_eq!(sealed.len(), chunk_offset(0, 2));
        assert!(matches!(
            open_to_vec(&sealed[..chunk_offset(0, 1)], "pw"),
            Err(KeyRingError::Decrypt)
        ));
    }

    #[test]
    fn reordering_removal_and_duplication_are_detected() {
        let sealed = seal_fast(&data(3 * CHUNK_SIZE), "pw", b"");
        let chunk = |i: usize| &sealed[chunk_offset(0, i)..chunk_offset(0, i + 1)];
        let preamble = &sealed[..PREAMBLE_LEN];
        let assemble = |order: &[usize]| {
            let mut v = preamble.to_vec();
            for &i in order {
                v.extend_from_slice(chunk(i));
            }
            v
        };
        assert_eq!(assemble(&[0, 1, 2]), sealed);
        for order in [
            &[1, 0, 2][..],
            &[0, 2, 1],
            &[0, 2],
            &[1, 2],
            &[0, 0, 1, 2],
            &[0, 1, 1, 2],
            &[0, 1, 2, 2],
            &[2],
        ] {
            assert!(
                matches!(
                    open_to_vec(&assemble(order), "pw"),
                    Err(KeyRingError::Decrypt)
                ),
                "{order:?}"
            );
        }
    }

    #[test]
    fn chunks_cannot_be_spliced_between_streams() {
        let a = seal_fast(&data(2 * CHUNK_SIZE), "pw", b"");
        let b = seal_fast(&data(2 * CHUNK_SIZE), "pw", b"");
        let mut spliced = a[..chunk_offset(0, 1)].to_vec();
        spliced.extend_from_slice(&b[chunk_offset(0, 1)..]);
        assert!(matches!(
            open_to_vec(&spliced, "pw"),
            Err(KeyRingError::Decrypt)
        ));
    }

    #[test]
    fn appended_data_is_detected() {
        for len in [0, 10, CHUNK_SIZE, CHUNK_SIZE + 10] {
            let sealed = seal_fast(&data(len), "pw", b"");
            for extra in [&[0u8][..], &[0u8; TAG_LEN], &[7u8; 100]] {
                let mut bad = sealed.clone();
                bad.extend_from_slice(extra);
                assert!(
                    matches!(open_to_vec(&bad, "pw"), Err(KeyRingError::Decrypt)),
                    "len {len}, extra {}",
                    extra.len()
                );
            }
            // Appending a copy of the stream's own last chunk.
            let last = &sealed[sealed.len() - (len % CHUNK_SIZE) - TAG_LEN..];
            let mut bad = sealed.clone();
            bad.extend_from_slice(last);
            assert!(matches!(
                open_to_vec(&bad, "pw"),
                Err(KeyRingError::Decrypt)
            ));
        }
    }

    #[test]
    fn nothing_unauthenticated_is_written() {
        let plaintext = data(3 * CHUNK_SIZE);
        let sealed = seal_fast(&plaintext, "pw", b"");
        // Corrupt chunk 1: chunk 0 (authenticated) may be written, nothing else.
        let mut bad = sealed.clone();
        bad[chunk_offset(0, 1) + 5] ^= 1;
        let mut out = Vec::new();
        assert!(matches!(
            open(&bad[..], &mut out, "pw"),
            Err(KeyRingError::Decrypt)
        ));
        assert_eq!(out, &plaintext[..CHUNK_SIZE]);
        // Corrupt chunk 0: nothing at all is written.
        let mut bad = sealed.clone();
        bad[chunk_offset(0, 0)] ^= 1;
        let mut out = Vec::new();
        assert!(matches!(
            open(&bad[..], &mut out, "pw"),
            Err(KeyRingError::Decrypt)
        ));
        assert!(out.is_empty());
    }

    #[test]
    fn same_input_seals_differently() {
        let a = seal_fast(b"same", "pw", b"");
        let b = seal_fast(b"same", "pw", b"");
        assert_ne!(a, b);
    }

    /// A reader that hands out data in small pieces and sometimes reports
    /// `Interrupted`, like pipes and sockets do.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
        calls: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.calls += 1;
            if self.calls.is_multiple_of(3) {
                return Err(io::ErrorKind::Interrupted.into());
            }
            let n = self.step.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        #[test]
        fn round_trip_arbitrary(
            plaintext in proptest::collection::vec(any::<u8>(), 0..(3 * CHUNK_SIZE)),
            header in proptest::collection::vec(any::<u8>(), 0..64),
            step in 1usize..5000,
        ) {
            let mut sealed = Vec::new();
            let reader = Trickle { data: &plaintext, step, calls: 0 };
            seal_with_params(reader, &mut sealed, "pw", &header, &KdfParams::TEST_FAST)
                .expect("seal");
            let mut out = Vec::new();
            let reader = Trickle { data: &sealed, step, calls: 0 };
            let got_header = open(reader, &mut out, "pw").expect("open");
            prop_assert_eq!(got_header, header);
            prop_assert_eq!(out, plaintext);
        }

        #[test]
        fn any_flipped_byte_is_rejected(
            position in any::<proptest::sample::Index>(),
            mask in 1u8..=255,
        ) {
            let sealed = seal_fast(&data(CHUNK_SIZE + 300), "pw", b"header");
            let mut bad = sealed.clone();
            let i = position.index(bad.len());
            bad[i] ^= mask;
            prop_assert!(open_to_vec(&bad, "pw").is_err(), "byte {} accepted", i);
            // Tampering with the header or the chunks is always reported as
            // Decrypt (the header length field may also yield Format).
            if i >= PREAMBLE_LEN {
                prop_assert!(matches!(open_to_vec(&bad, "pw"), Err(KeyRingError::Decrypt)));
            }
        }
    }
}
