//! Private, atomic file writes and bounded reads for key ring files.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::error::KeyRingError;
use crate::secret::{random_array, to_hex};

/// What to do when the destination already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Existing {
    Replace,
    Fail,
}

/// Writes `contents` to `path` atomically: a temporary file is created in the
/// same directory with mode 0600 (unix), written, fsynced and then renamed
/// (or, for [`Existing::Fail`], hard-linked) into place, and the directory is
/// fsynced. Missing parent directories are created (mode 0700 on unix).
///
/// Readers therefore see either the old file or the complete new one. If the
/// process dies mid-way, a `.<name>.tmp-<random>` file (mode 0600) may be
/// left behind in the directory.
pub(crate) fn write_atomic(
    path: &Path,
    contents: &[u8],
    existing: Existing,
) -> Result<(), KeyRingError> {
    let file_name = path
        .file_name()
        .ok_or_else(|| KeyRingError::Format("key ring path has no file name".to_owned()))?;
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    create_private_dir_all(&dir)?;

    let suffix = to_hex(&random_array::<8>());
    let tmp_path = dir.join(format!(".{}.tmp-{suffix}", file_name.to_string_lossy()));
    let result = write_and_publish(&tmp_path, path, &dir, contents, existing);
    if result.is_err() {
        // Best effort: the temporary may not exist or may already be renamed.
        let _ = fs::remove_file(&tmp_path);
    }
    result
}

fn write_and_publish(
    tmp_path: &Path,
    path: &Path,
    dir: &Path,
    contents: &[u8],
    existing: Existing,
) -> Result<(), KeyRingError> {
    let mut file = create_private_file(tmp_path)?;
    file.write_all(contents)?;
    file.sync_all()?;
    drop(file);

    match existing {
        Existing::Replace => fs::rename(tmp_path, path)?,
        Existing::Fail => publish_no_clobber(tmp_path, path)?,
    }
    sync_dir(dir)?;
    Ok(())
}

/// Moves `tmp_path` to `path` unless `path` exists. A hard link is atomic and
/// fails if the target exists; on file systems without hard links we fall
/// back to check-then-rename.
fn publish_no_clobber(tmp_path: &Path, path: &Path) -> Result<(), KeyRingError> {
    match fs::hard_link(tmp_path, path) {
        Ok(()) => {
            fs::remove_file(tmp_path)?;
            Ok(())
        }
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
            fs::remove_file(tmp_path)?;
            Err(KeyRingError::AlreadyExists)
        }
        Err(_) => {
            if fs::symlink_metadata(path).is_ok() {
                fs::remove_file(tmp_path)?;
                return Err(KeyRingError::AlreadyExists);
            }
            fs::rename(tmp_path, path)?;
            Ok(())
        }
    }
}

#[cfg(unix)]
fn create_private_file(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    // The umask may have removed bits from 0600; set it exactly.
    file.set_permissions(fs::Permissions::from_mode(0o600))?;
    Ok(file)
}

#[cfg(not(unix))]
fn create_private_file(path: &Path) -> io::Result<File> {
    OpenOptions::new().write(true).create_new(true).open(path)
}

#[cfg(unix)]
fn create_private_dir_all(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir_all(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)
}

/// Makes a rename durable by fsyncing the containing directory.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

/// Reads a whole file of at most `max_len` bytes into a buffer that is wiped
/// on drop.
pub(crate) fn read_bounded(path: &Path, max_len: u64) -> Result<Zeroizing<Vec<u8>>, KeyRingError> {
    let file = File::open(path)?;
    let len = file.metadata()?.len();
    if len > max_len {
        return Err(KeyRingError::Format(
            "key ring file is too large".to_owned(),
        ));
    }
    let capacity = usize::try_from(len).unwrap_or(0).saturating_add(1);
    let mut buf = Zeroizing::new(Vec::with_capacity(capacity));
    file.take(max_len + 1).read_to_end(&mut buf)?;
    if buf.len() as u64 > max_len {
        return Err(KeyRingError::Format(
            "key ring file is too large".to_owned(),
        ));
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_parent_dirs_and_replaces_atomically() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a").join("b").join("keys.json");
        write_atomic(&path, b"one", Existing::Replace).expect("first write");
        assert_eq!(fs::read(&path).expect("read"), b"one");
        write_atomic(&path, b"two", Existing::Replace).expect("second write");
        assert_eq!(fs::read(&path).expect("read"), b"two");
        // No temporary files left behind.
        let names: Vec<_> = fs::read_dir(path.parent().expect("parent"))
            .expect("read_dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("keys.json")]);
    }

    #[test]
    fn no_clobber_refuses_existing_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("keys.json");
        write_atomic(&path, b"first", Existing::Fail).expect("create");
        assert!(matches!(
            write_atomic(&path, b"second", Existing::Fail),
            Err(KeyRingError::AlreadyExists)
        ));
        assert_eq!(fs::read(&path).expect("read"), b"first");
        assert_eq!(fs::read_dir(dir.path()).expect("read_dir").count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn written_files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("new-dir").join("keys.json");
        write_atomic(&path, b"x", Existing::Replace).expect("write");
        let mode = fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let dir_mode = fs::metadata(path.parent().expect("parent"))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(
            dir_mode & 0o077,
            0,
            "created directory must not be group/world accessible"
        );
    }

    #[test]
    fn bounded_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("f");
        fs::write(&path, b"12345").expect("write");
        assert_eq!(&read_bounded(&path, 5).expect("fits")[..], b"12345");
        assert!(matches!(
            read_bounded(&path, 4),
            Err(KeyRingError::Format(_))
        ));
        assert!(matches!(
            read_bounded(&dir.path().join("missing"), 5),
            Err(KeyRingError::Io(e)) if e.kind() == io::ErrorKind::NotFound
        ));
    }
}
