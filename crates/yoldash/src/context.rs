//! Opening a deployment's data: data directory, key ring, database, migrations, reference data.

use crate::cli::DataArgs;
use anyhow::{Context as _, bail};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use yoldash_keyring::{KeyRing, KeyRingError};
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

/// Creates the data directory with owner-only permissions if it does not exist.
pub fn ensure_data_dir(dir: &Path) -> anyhow::Result<()> {
    if !dir.exists() {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the data directory {}", dir.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
    } else if !dir.is_dir() {
        bail!("{} exists and is not a directory", dir.display());
    }
    Ok(())
}

pub fn load_keys(data: &DataArgs) -> anyhow::Result<(KeyRing, bool)> {
    let passphrase = data.key_passphrase_or_prompt()?;
    KeyRing::load_or_create(&data.key_path(), passphrase.as_deref()).map_err(|e| match e {
        KeyRingError::PassphraseRequired => anyhow::anyhow!(
            "the key file {} is protected by a passphrase: set YOLDASH_KEY_PASSPHRASE or --key-passphrase-file",
            data.key_path().display()
        ),
        KeyRingError::WrongPassphrase => {
            anyhow::anyhow!("the key file passphrase is not correct")
        }
        other => anyhow::anyhow!("key file {}: {other}", data.key_path().display()),
    })
}

/// Opens the store: data dir, key ring (created on first use), database, migrations, and the
/// shipped region list and reference lists on an empty database.
pub async fn open(data: &DataArgs) -> anyhow::Result<Store> {
    ensure_data_dir(&data.data_dir)?;
    let (keys, created) = load_keys(data)?;
    if created {
        eprintln!("created a new key file at {}", data.key_path().display());
    }
    open_with(data, keys).await
}

pub async fn open_with(data: &DataArgs, keys: KeyRing) -> anyhow::Result<Store> {
    let db = Database::connect(&data.database_url())
        .await
        .context("cannot open the database")?;
    yoldash_store::migrate::run(&db)
        .await
        .context("cannot apply database migrations")?;
    let store = Store::new(db, Arc::new(keys), Some(data.audit_head_path()));
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
