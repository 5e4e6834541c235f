//! Opening a deployment's data: data directory, key ring, database, migrations, reference data.

use crate::cli::DataArgs;
use anyhow::{Context as _, bail};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use yoldash_keyring::{KeyRing, KeyRingError};
use yoldash_store::key_binding::{self, DatabaseState};
use yoldash_store::{Database, Store};

pub const DB_FILE: &str = "yoldash.db";
pub const KEY_FILE: &str = "yoldash.keys";
pub const AUDIT_HEAD_FILE: &str = "audit-head.json";

impl DataArgs {
    pub fn key_path(&self) -> PathBuf {
        self.key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join(KEY_FILE))
    }

    pub fn audit_head_path(&self) -> PathBuf {
        self.data_dir.join(AUDIT_HEAD_FILE)
    }

    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data_dir.join(DB_FILE).display()),
        }
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.is_none() || self.database_url().starts_with("sqlite:")
    }

    /// The key-file passphrase: from the file named by --key-passphrase-file, or from
    /// YOLDASH_KEY_PASSPHRASE. A trailing newline in the file is ignored.
    pub fn key_passphrase(&self) -> anyhow::Result<Option<String>> {
        secret_from(
            self.key_passphrase_file.as_deref(),
            "YOLDASH_KEY_PASSPHRASE",
        )
    }

    /// The passphrase for an existing protected key file: from the file or variable, or
    /// else asked for at the terminal (without echo) when there is one.
    pub fn key_passphrase_or_prompt(&self) -> anyhow::Result<Option<String>> {
        if let Some(p) = self.key_passphrase()? {
            return Ok(Some(p));
        }
        let path = self.key_path();
        let protected = path.exists() && KeyRing::is_passphrase_protected(&path).unwrap_or(false);
        if protected && std::io::IsTerminal::is_terminal(&std::io::stdin()) {
            let p = rpassword::prompt_password(format!("Passphrase for {}: ", path.display()))?;
            return Ok(Some(p).filter(|p| !p.is_empty()));
        }
        Ok(None)
    }
}

/// Reads a secret from a file or an environment variable; never from a command-line value,
/// which other users of the machine could see in the process list.
pub fn secret_from(file: Option<&Path>, var: &str) -> anyhow::Result<Option<String>> {
    if let Some(path) = file {
        let s = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the passphrase file {}", path.display()))?;
        let s = s.trim_end_matches(['\n', '\r']).to_string();
        if s.is_empty() {
            bail!("the passphrase file {} is empty", path.display());
        }
        return Ok(Some(s));
    }
    Ok(std::env::var(var).ok().filter(|s| !s.is_empty()))
}

/// Creates the data directory with owner-only permissions if it does not exist. An existing
/// one is left as the administrator made it, with a warning when others may enter it (the
/// files inside are owner-only either way; the directory's mode would show their names).
pub fn ensure_data_dir(dir: &Path) -> anyhow::Result<()> {
    if !dir.exists() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder
            .create(dir)
            .with_context(|| format!("cannot create the data directory {}", dir.display()))?;
    } else if !dir.is_dir() {
        bail!("{} exists and is not a directory", dir.display());
    } else {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir)?.permissions().mode();
            if mode & 0o077 != 0 {
                tracing::warn!(
                    dir = %dir.display(),
                    mode = format!("{:o}", mode & 0o777),
                    "the data directory can be entered by other users: chmod 700 it"
                );
            }
        }
    }
    Ok(())
}

/// A loaded key file and the passphrase that opened it (kept to save it again protected).
pub struct KeyFile {
    pub ring: KeyRing,
    pub passphrase: Option<String>,
}

/// Loads the key file, which must exist.
pub fn load_keys(data: &DataArgs) -> anyhow::Result<KeyFile> {
    let path = data.key_path();
    if !path.exists() {
        bail!(
            "no key file at {}: this command never creates one. If this deployment's key file was \
             moved or lost, put it back (or `yoldash key import` its export); `yoldash serve`, \
             `demo` and `migrate` create one only for a new, empty database",
            path.display()
        );
    }
    let passphrase = data.key_passphrase_or_prompt()?;
    let ring = KeyRing::load(&path, passphrase.as_deref()).map_err(|e| key_error(data, e))?;
    Ok(KeyFile { ring, passphrase })
}

fn key_error(data: &DataArgs, e: KeyRingError) -> anyhow::Error {
    match e {
        KeyRingError::PassphraseRequired => anyhow::anyhow!(
            "the key file {} is protected by a passphrase: set YOLDASH_KEY_PASSPHRASE or --key-passphrase-file",
            data.key_path().display()
        ),
        KeyRingError::WrongPassphrase => {
            anyhow::anyhow!("the key file passphrase is not correct")
        }
        other => anyhow::anyhow!("key file {}: {other}", data.key_path().display()),
    }
}

impl DataArgs {
    /// The SQLite database file, when the database is SQLite in a file.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        if !self.is_sqlite() {
            return None;
        }
        let url = self.database_url();
        let rest = url
            .strip_prefix("sqlite://")
            .or(url.strip_prefix("sqlite:"))?;
        let path = rest.split('?').next().unwrap_or(rest);
        (!path.is_empty() && !path.starts_with(':')).then(|| PathBuf::from(path))
    }

    /// The database URL for opening a database that must exist: SQLite never creates it.
    fn existing_database_url(&self) -> String {
        let url = self.database_url();
        if !self.is_sqlite() || url.contains("mode=") {
            url
        } else if url.contains('?') {
            format!("{url}&mode=rw")
        } else {
            format!("{url}?mode=rw")
        }
    }

    /// Names the database in messages: its file, never a URL (which may hold a password).
    fn database_name(&self) -> String {
        match self.sqlite_path() {
            Some(p) => format!("the database {}", p.display()),
            None => "the database".to_string(),
        }
    }
}

/// Opens an existing deployment for a command that inspects or changes it: the data
/// directory, the key file and the database must exist, the database must be migrated to
/// this version and belong to the key file's ring. Nothing is created or migrated.
pub async fn open(data: &DataArgs) -> anyhow::Result<Store> {
    Ok(open_existing(data).await?.0)
}

/// `open`, also giving the key file's passphrase (for commands that save the ring again).
pub async fn open_existing(data: &DataArgs) -> anyhow::Result<(Store, Option<String>)> {
    if !data.data_dir.is_dir() {
        bail!(
            "the data directory {} does not exist: this command works on an existing deployment \
             and creates nothing (`yoldash serve`, `demo` or `migrate` set one up)",
            data.data_dir.display()
        );
    }
    let keys = load_keys(data)?;
    if let Some(path) = data.sqlite_path()
        && !path.is_file()
    {
        bail!(
            "no database at {}: this command works on an existing deployment and creates nothing \
             (`yoldash serve`, `demo` or `migrate` set one up)",
            path.display()
        );
    }
    let url = data.existing_database_url();
    let state = DatabaseState::read(&url)
        .await
        .with_context(|| format!("cannot open {}", data.database_name()))?;
    let latest = yoldash_store::migrate::latest_version();
    if state.level == 0 {
        bail!(
            "{} holds no Yoldash schema (it was never migrated): this command does not set one \
             up; run `yoldash migrate` first",
            data.database_name()
        );
    }
    if state.level < latest {
        bail!(
            "{} is at migration level {}; this Yoldash needs level {latest}: run `yoldash migrate` first",
            data.database_name(),
            state.level
        );
    }
    if state.level > latest {
        bail!(
            "{} is at migration level {}, newer than this Yoldash knows ({latest}): use the newer Yoldash",
            data.database_name(),
            state.level
        );
    }
    let db = Database::connect(&url)
        .await
        .with_context(|| format!("cannot open {}", data.database_name()))?;
    if let Err(mismatch) = key_binding::check(&db, &keys.ring, &state).await? {
        bail!("{mismatch} (key file {})", data.key_path().display());
    }
    let store = Store::new(db, Arc::new(keys.ring), Some(data.audit_head_path()));
    Ok((store, keys.passphrase))
}

/// Sets up or opens a deployment to serve it (`serve`, `demo`, `migrate`, `restore`,
/// benchmarks): creates the data directory, removes unencrypted copies left by killed
/// backups, creates a key file only for a database that holds no data yet, applies
/// migrations, checks (and on first use records) which key ring the database belongs to,
/// and loads the shipped region and reference lists into an empty database.
pub async fn set_up(data: &DataArgs) -> anyhow::Result<Store> {
    ensure_data_dir(&data.data_dir)?;
    let removed = yoldash_store::backup::remove_leftovers(&data.data_dir)?;
    if removed > 0 {
        eprintln!(
            "removed {removed} unencrypted temporary file(s) left by an interrupted backup or restore"
        );
    }
    if let Some(path) = data.sqlite_path() {
        private_database_files(&path)?;
    }
    let url = data.existing_database_url();
    let state = DatabaseState::read(&url)
        .await
        .with_context(|| format!("cannot open {}", data.database_name()))?;
    let ring = if data.key_path().exists() {
        load_keys(data)?.ring
    } else {
        create_keys(data, &state)?
    };
    let db = Database::connect(&data.database_url())
        .await
        .context("cannot open the database")?;
    yoldash_store::migrate::run(&db)
        .await
        .context("cannot apply database migrations")?;
    let fit = match key_binding::check(&db, &ring, &state).await? {
        Ok(fit) => fit,
        Err(mismatch) => bail!("{mismatch} (key file {})", data.key_path().display()),
    };
    let store = Store::new(db, Arc::new(ring), Some(data.audit_head_path()));
    if fit != key_binding::Fit::Recorded
        && let Err(mismatch) = key_binding::record(&store).await?
    {
        bail!("{mismatch} (key file {})", data.key_path().display());
    }
    let indexed = store
        .complete_person_index()
        .await
        .context("cannot complete the search index")?;
    if indexed > 0 {
        eprintln!("added name pairs of {indexed} persons to the search index");
    }
    if store.regions().await?.is_empty() {
        let mut unit = store.unit().await?;
        store
            .load_regions(&mut unit, yoldash_store::regions::SHIPPED)
            .await?;
        unit.commit().await?;
    }
    if store.reference_items_count().await? == 0 {
        let mut unit = store.unit().await?;
        store.seed_reference_lists(&mut unit).await?;
        unit.commit().await?;
    }
    Ok(store)
}

/// Before a key file is imported: when the database can be read and records a key ring,
/// the imported ring must be that one.
pub async fn refuse_foreign_ring(data: &DataArgs, ring: &KeyRing) -> anyhow::Result<()> {
    if data.sqlite_path().is_some_and(|p| !p.is_file()) {
        return Ok(());
    }
    let state = match DatabaseState::read(&data.existing_database_url()).await {
        Ok(state) => state,
        Err(e) => {
            eprintln!(
                "warning: cannot read {} to check that the key ring is its own ({e}); `yoldash \
                 serve` checks it at start",
                data.database_name()
            );
            return Ok(());
        }
    };
    if let Some(binding) = state.binding
        && let Err(mismatch) = binding.admits(ring)
    {
        bail!("{mismatch}: not imported");
    }
    Ok(())
}

/// A new key ring, only for a database that holds no data and records no ring: a new key
/// could read nothing already written, and every write after it would be unreadable with
/// the real key (and would break the audit chain).
fn create_keys(data: &DataArgs, state: &DatabaseState) -> anyhow::Result<KeyRing> {
    let path = data.key_path();
    if let Some(binding) = &state.binding {
        bail!(
            "no key file at {}: this database belongs to key ring {}. Put that key file back (or \
             `yoldash key import` its export); a new key could not read the data",
            path.display(),
            binding.ring_id
        );
    }
    if state.holds_data {
        bail!(
            "no key file at {}, and {} already holds data: put its key file back (or `yoldash key \
             import` its export); a new key could not read the data",
            path.display(),
            data.database_name()
        );
    }
    let passphrase = data.key_passphrase()?;
    let ring = KeyRing::generate();
    match ring.save_new(&path, passphrase.as_deref()) {
        Ok(()) => {
            eprintln!("created a new key file at {}", path.display());
            Ok(ring)
        }
        // Another process created it meanwhile: use theirs (the binding check decides).
        Err(KeyRingError::AlreadyExists) => Ok(load_keys(data)?.ring),
        Err(e) => Err(key_error(data, e)),
    }
}

/// The SQLite database, its write-ahead log and shared-memory file: owner-only. A new
/// database file is created empty with mode 0600 before SQLite opens it, since SQLite gives
/// the log and shared-memory files the database file's permissions; files of an existing
/// deployment made before this rule are tightened.
fn private_database_files(path: &Path) -> anyhow::Result<()> {
    match yoldash_store::backup::create_private(path) {
        Ok(_) => return Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => {
            return Err(e)
                .with_context(|| format!("cannot create the database {}", path.display()));
        }
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let name = path.as_os_str().to_string_lossy().into_owned();
        for file in [name.clone(), format!("{name}-wal"), format!("{name}-shm")] {
            let Ok(meta) = std::fs::metadata(&file) else {
                continue;
            };
            if meta.permissions().mode() & 0o077 != 0 {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))
                    .with_context(|| format!("cannot make {file} owner-only"))?;
                tracing::warn!(file = %file, "made the database file owner-only (0600)");
            }
        }
    }
    Ok(())
}
