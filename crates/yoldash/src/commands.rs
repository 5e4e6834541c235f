//! What each command does; `main` only dispatches here.

use crate::cli::{
    AuditCommand, DataArgs, DemoArgs, KeyCommand, OrgCommand, ServeArgs, TokenCommand, UserCommand,
};
use crate::context::{self, AUDIT_HEAD_FILE, DB_FILE, ensure_data_dir, open, secret_from, set_up};
use anyhow::{Context as _, bail};
use std::collections::BTreeMap;
use std::io::Read;
use yoldash_domain::{Email, OrgCode, OrganisationType, PasswordPolicy, PersonName, Role};
use yoldash_keyring::KeyRing;
use yoldash_store::audit::{Action, AuditEntry, Verdict, read_head_file, verify};
use yoldash_store::backup::BackupLock;
use yoldash_store::key_binding;
use yoldash_store::organisations::NewOrganisation;
use yoldash_store::users::NewUser;
use yoldash_web::{Application, WebConfig};

pub async fn serve(data: &DataArgs, serve: &ServeArgs) -> anyhow::Result<()> {
    check_public_url(serve)?;
    let _lock = crate::data_lock::hold(data)?;
    let store = set_up(data).await?;
    run_server(store, serve, None).await
}

pub async fn run_server(
    store: yoldash_store::Store,
    serve: &ServeArgs,
    banner: Option<String>,
) -> anyhow::Result<()> {
    let config = WebConfig {
        listen: serve.listen,
        public_url: serve
            .public_url
            .as_deref()
            .map(yoldash_web::parse_public_url)
            .transpose()
            .map_err(|why| anyhow::anyhow!("--public-url is refused: {why}"))?,
        trusted_proxy: serve.trusted_proxy,
        body_limit: 1024 * 1024,
    };
    let purger = store.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            tick.tick().await;
            if let Err(e) = purger.purge_expired_sessions().await {
                tracing::warn!(error = %e, "session purge failed");
            }
        }
    });
    let closing = store.clone();
    let app = Application::build(config, store).await?;
    let url = serve
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}:{}", serve.listen.ip(), app.port()));
    if let Some(b) = banner {
        println!("{b}");
    }
    println!("Yoldash is listening at {url}");
    tracing::info!(%url, "listening");
    let served = app.run_until(shutdown_signal()).await;
    // A clean stop copies the SQLite write-ahead log back and leaves none behind.
    closing.db.close().await;
    served
}

async fn shutdown_signal() {
    let ctrl_c = async {
        tokio::signal::ctrl_c().await.ok();
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// Refuses a `--public-url` that is not the https (or http) address of a host, before
/// anything is opened or created.
fn check_public_url(serve: &ServeArgs) -> anyhow::Result<()> {
    if let Some(url) = &serve.public_url {
        yoldash_web::parse_public_url(url)
            .map_err(|why| anyhow::anyhow!("--public-url {url:?} is refused: {why}"))?;
    }
    Ok(())
}

pub async fn demo(data: &DataArgs, demo: &DemoArgs) -> anyhow::Result<()> {
    if !demo.no_serve {
        check_public_url(&demo.serve)?;
    }
    let _lock = crate::data_lock::hold(data)?;
    let store = set_up(data).await?;
    let fresh = crate::demo::load(&store, data).await?;
    let cases = match crate::demo::cases::seed(&store, demo.cases).await? {
        crate::demo::cases::Outcome::Created(summary) => summary.to_string(),
        crate::demo::cases::Outcome::AlreadyThere(n) => {
            format!("The demo organisations already hold {n} cases: no synthetic cases added.")
        }
        crate::demo::cases::Outcome::NotDemo => {
            "The demo organisations or their case workers are missing: no synthetic cases added."
                .to_string()
        }
    };
    let path = data.data_dir.join(crate::demo::ACCOUNTS_FILE);
    let accounts = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let banner = format!(
        "{} demo data in {}.\n{cases}\nDemo accounts ({}):\n{accounts}",
        if fresh {
            "Created"
        } else {
            "Using the existing"
        },
        data.data_dir.display(),
        path.display()
    );
    if demo.no_serve {
        println!("{banner}");
        store.db.close().await;
        return Ok(());
    }
    run_server(store, &demo.serve, Some(banner)).await
}

pub async fn migrate(data: &DataArgs) -> anyhow::Result<()> {
    let store = set_up(data).await?;
    let level = yoldash_store::migrate::current_level(&store.db).await?;
    println!(
        "database at migration level {level} ({}), key ring {}",
        store.backend().as_str(),
        store.keys().identity().id
    );
    // Closing the pool lets SQLite fold its write-ahead log into the database and remove it.
    store.db.close().await;
    Ok(())
}

fn read_password_stdin(flag: bool) -> anyhow::Result<String> {
    if !flag {
        bail!(
            "give --password-stdin and pipe the password in: passwords never go on the command line"
        );
    }
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s)?;
    let s = s.trim_end_matches(['\n', '\r']).to_string();
    if s.is_empty() {
        bail!("no password on standard input");
    }
    Ok(s)
}

fn invalid(e: yoldash_domain::Invalid) -> anyhow::Error {
    anyhow::anyhow!("{}: {}", e.field, e.key)
}

pub async fn org(cmd: &OrgCommand) -> anyhow::Result<()> {
    match cmd {
        OrgCommand::Create {
            data,
            code,
            name,
            name_ru,
            name_tk,
            org_type,
            region,
        } => {
            let code = OrgCode::parse(code).map_err(invalid)?;
            let org_type = OrganisationType::parse(org_type).map_err(|_| {
                anyhow::anyhow!("--type must be one of government_agency, public_association, international_organisation, service_provider")
            })?;
            let name = PersonName::parse(name).map_err(invalid)?;
            let mut names = BTreeMap::from([("en".to_string(), name.as_str().to_string())]);
            for (lang, n) in [("ru", name_ru), ("tk", name_tk)] {
                if let Some(n) = n.as_deref().filter(|n| !n.trim().is_empty()) {
                    names.insert(lang.to_string(), n.trim().to_string());
                }
            }
            let store = open(data).await?;
            let mut unit = store.unit().await?;
            let org = store
                .create_organisation(
                    &mut unit,
                    None,
                    &NewOrganisation {
                        code,
                        org_type,
                        names,
                        region_code: region.clone(),
                    },
                )
                .await
                .map_err(describe)?;
            unit.commit().await?;
            println!("created organisation {} ({})", org.code, org.id);
        }
        OrgCommand::List { data } => {
            let store = open(data).await?;
            for o in store.organisations().await? {
                println!(
                    "{}\t{}\t{}\t{}",
                    o.code,
                    o.org_type,
                    if o.active { "active" } else { "inactive" },
                    o.name_in("en")
                );
            }
        }
        OrgCommand::Deactivate { data, code } => {
            let org = set_org_active(data, code, false).await?;
            println!("deactivated {org}: its users can no longer sign in");
        }
        OrgCommand::Activate { data, code } => {
            let org = set_org_active(data, code, true).await?;
            println!("activated {org}: its users can sign in again");
        }
    }
    Ok(())
}

/// Activates or deactivates the organisation `code` (the command line acts as no
/// organisation: the deactivation rule's "last organisation with an administrator" still
/// holds). Returns the code.
async fn set_org_active(data: &DataArgs, code: &str, active: bool) -> anyhow::Result<String> {
    let store = open(data).await?;
    let org = store.organisation_by_code(code).await.map_err(describe)?;
    let mut unit = store.unit().await?;
    match store
        .set_organisation_active(&mut unit, None, org.id, active, None)
        .await
    {
        Ok(_) => unit.commit().await?,
        Err(yoldash_store::StoreError::Invalid(i))
            if i.key == "cannot-deactivate-last-administrators" =>
        {
            bail!(
                "{} is the last organisation with an active system administrator: nobody could \
                 sign in to undo this. Give another organisation an administrator first.",
                org.code
            )
        }
        Err(e) => return Err(describe(e)),
    }
    Ok(org.code)
}

/// A store error as a command-line message (never personal data).
fn describe(e: yoldash_store::StoreError) -> anyhow::Error {
    use yoldash_store::StoreError as E;
    match e {
        E::NotFound => anyhow::anyhow!("not found"),
        E::Duplicate { field } => anyhow::anyhow!("{field} is already in use"),
        E::Invalid(i) => invalid(i),
        other => anyhow::anyhow!(other),
    }
}

pub async fn user(cmd: &UserCommand) -> anyhow::Result<()> {
    match cmd {
        UserCommand::Create {
            data,
            email,
            name,
            org,
            role,
            language,
            password_stdin,
            must_change,
        } => {
            let email = Email::parse(email).map_err(invalid)?;
            let name = PersonName::parse(name).map_err(invalid)?;
            let roles = Role::parse_list(role).map_err(|_| {
                anyhow::anyhow!("--role takes roles separated by commas: admin, org_admin, secretariat, supervisor, case_worker, service_provider, hotline_operator, me_officer, viewer")
            })?;
            let password = read_password_stdin(*password_stdin)?;
            if let Err(p) =
                PasswordPolicy::shipped().check_for(&password, Some(&email), Some(name.as_str()))
            {
                bail!("password refused: {}", p.message_key());
            }
            let store = open(data).await?;
            let org = store
                .organisation_by_code(org)
                .await
                .map_err(|_| anyhow::anyhow!("no organisation has the code {org}"))?;
            let mut unit = store.unit().await?;
            let user = store
                .create_user(
                    &mut unit,
                    None,
                    &NewUser {
                        org_id: org.id,
                        email,
                        display_name: name,
                        roles,
                        language: language.clone(),
                        password_hash: yoldash_store::passwords::hash(&password).await?,
                        must_change_password: *must_change,
                    },
                )
                .await
                .map_err(describe)?;
            unit.commit().await?;
            println!("created user {} ({})", user.email, user.id);
        }
        UserCommand::List { data } => {
            let store = open(data).await?;
            for o in store.organisations().await? {
                let admin = yoldash_domain::Actor {
                    user_id: uuid::Uuid::nil(),
                    org_id: o.id,
                    roles: vec![Role::Admin],
                };
                for u in store.users_visible_to(&admin, Some(o.id)).await? {
                    let roles: Vec<&str> = u.roles.iter().map(|r| r.as_str()).collect();
                    println!(
                        "{}\t{}\t{}\t{}",
                        u.email,
                        o.code,
                        roles.join(","),
                        if u.active { "active" } else { "disabled" }
                    );
                }
            }
        }
        UserCommand::Disable { data, email } => {
            let store = open(data).await?;
            let user = store.user_by_email(email).await.map_err(describe)?;
            let mut unit = store.unit().await?;
            store
                .set_user_active(&mut unit, None, user.id, false, None)
                .await?;
            unit.commit().await?;
            println!("disabled {}: sessions and API tokens revoked", user.email);
        }
        UserCommand::ResetPassword {
            data,
            email,
            password_stdin,
        } => {
            let password = read_password_stdin(*password_stdin)?;
            let store = open(data).await?;
            let user = store.user_by_email(email).await.map_err(describe)?;
            let parsed = Email::parse(&user.email).ok();
            if let Err(p) = PasswordPolicy::shipped().check_for(
                &password,
                parsed.as_ref(),
                Some(&user.display_name),
            ) {
                bail!("password refused: {}", p.message_key());
            }
            let hash = yoldash_store::passwords::hash(&password).await?;
            let mut unit = store.unit().await?;
            store
                .set_password(&mut unit, None, user.id, &hash, true, None)
                .await?;
            unit.commit().await?;
            println!(
                "password of {} reset; it must be changed at next sign-in",
                user.email
            );
        }
    }
    Ok(())
}

pub async fn token(cmd: &TokenCommand) -> anyhow::Result<()> {
    match cmd {
        TokenCommand::Create {
            data,
            email,
            label,
            expires_in,
        } => {
            let store = open(data).await?;
            let user = store.user_by_email(email).await.map_err(describe)?;
            let mut unit = store.unit().await?;
            let (id, token) = store
                .create_token(&mut unit, None, user.id, label, *expires_in)
                .await
                .map_err(describe)?;
            unit.commit().await?;
            eprintln!(
                "token {id} created for {}; it is shown only this once:",
                user.email
            );
            println!("{token}");
        }
        TokenCommand::Revoke { data, id } => {
            let id = uuid::Uuid::parse_str(id)
                .map_err(|_| anyhow::anyhow!("--id must be a token id as shown by `token list`"))?;
            let store = open(data).await?;
            let mut unit = store.unit().await?;
            store
                .revoke_token(&mut unit, None, id)
                .await
                .map_err(describe)?;
            unit.commit().await?;
            println!("revoked token {id}");
        }
        TokenCommand::List { data } => {
            let store = open(data).await?;
            for t in store.tokens(None).await? {
                let state = if t.revoked_at.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                println!("{}\t{}\t{}\t{}", t.id, t.user_id, t.label, state);
            }
        }
    }
    Ok(())
}

/// Exit code 1 when the chain is broken.
pub async fn audit(cmd: &AuditCommand) -> anyhow::Result<i32> {
    let AuditCommand::Verify { data } = cmd;
    let store = open(data).await?;
    let head = read_head_file(&data.audit_head_path())?;
    match verify(&store, head.as_ref()).await? {
        Verdict::Intact { entries, head } => {
            if head.is_some() && !data.audit_head_path().exists() {
                eprintln!(
                    "warning: the audit head file {} is missing, so removal of the newest entries \
                     cannot be detected; it is written again at the next audited change",
                    data.audit_head_path().display()
                );
            }
            println!("audit chain intact: {entries} entries");
            if let Some(h) = head {
                println!("head: entry {} mac {}", h.seq, h.mac);
            }
            Ok(0)
        }
        Verdict::Broken { seq, reason } => {
            println!("audit chain BROKEN at entry {seq}: {}", reason.as_str());
            Ok(1)
        }
    }
}

pub async fn key(cmd: &KeyCommand) -> anyhow::Result<()> {
    match cmd {
        KeyCommand::Rotate { data } => {
            let (store, passphrase) = context::open_existing(data).await?;
            // The ring was shown to open this database's data: a database that records no
            // ring yet (made before the check) records it now, before the key changes.
            if let Err(mismatch) = key_binding::record(&store).await? {
                bail!("{mismatch}");
            }
            let mut ring = KeyRing::load(&data.key_path(), passphrase.as_deref())?;
            let new_id = ring.rotate();
            // First save the ring with old and new keys: if anything below is interrupted,
            // every value stays readable and the command can simply be run again. Then the
            // database records the new key, so that the older key file is refused from now on.
            ring.save(&data.key_path(), passphrase.as_deref())?;
            key_binding::record_data_key(&store, &ring).await?;
            let counts = store.reencrypt_all(&ring).await?;
            let in_use = store.key_ids_in_use().await?;
            ring.retire_unused(&in_use);
            ring.save(&data.key_path(), passphrase.as_deref())?;
            store
                .audit_event(
                    AuditEntry::by(None, Action::KeyRotate).detail(format!("key={new_id}")),
                )
                .await?;
            println!(
                "new data key {new_id} of key ring {}; {} encrypted values examined, {} re-encrypted; keys kept: {:?}",
                ring.identity().id,
                counts.examined,
                counts.rewritten,
                ring.key_ids()
            );
        }
        KeyCommand::Import {
            file,
            data,
            passphrase_file,
        } => {
            let passphrase = backup_passphrase(passphrase_file.as_deref())?;
            ensure_data_dir(&data.data_dir)?;
            if data.key_path().exists() {
                bail!(
                    "{} already exists: import only where no key file is",
                    data.key_path().display()
                );
            }
            let sealed =
                std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
            let ring = KeyRing::open_from_bytes(&sealed, &passphrase).map_err(|e| {
                anyhow::anyhow!(
                    "the export cannot be opened ({e}): wrong passphrase, or the file is damaged"
                )
            })?;
            context::refuse_foreign_ring(data, &ring).await?;
            ring.save_new(&data.key_path(), data.key_passphrase()?.as_deref())?;
            println!(
                "key file of key ring {} written to {}",
                ring.identity().id,
                data.key_path().display()
            );
        }
        KeyCommand::Export {
            data,
            out,
            passphrase_file,
        } => {
            let passphrase = backup_passphrase(passphrase_file.as_deref())?;
            // Through the database: only the ring this database belongs to is exported.
            let store = open(data).await?;
            let sealed = store.keys().seal_to_bytes(&passphrase)?;
            write_private(out, &sealed)?;
            println!(
                "key ring {} written to {}, sealed with the backup passphrase",
                store.keys().identity().id,
                out.display()
            );
        }
    }
    Ok(())
}

fn backup_passphrase(file: Option<&std::path::Path>) -> anyhow::Result<String> {
    let p = secret_from(file, "YOLDASH_BACKUP_PASSPHRASE")?.ok_or_else(|| {
        anyhow::anyhow!(
            "a backup passphrase is needed: set YOLDASH_BACKUP_PASSPHRASE or --passphrase-file"
        )
    })?;
    if p.chars().count() < 12 {
        bail!("the backup passphrase must have at least 12 characters");
    }
    Ok(p)
}

fn write_private(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("cannot create {} (it must not exist yet)", path.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}

/// What a backup file's authenticated header says.
#[derive(serde::Serialize, serde::Deserialize)]
struct BackupHeader {
    format: u32,
    created_at: String,
    version: String,
    migration_level: i64,
    /// The key ring, sealed with the backup passphrase (base64).
    keyring: String,
}

pub async fn backup(
    data: &DataArgs,
    out: &std::path::Path,
    passphrase_file: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    use base64::Engine;
    if !data.is_sqlite() {
        bail!(
            "`yoldash backup` copies the SQLite database; for PostgreSQL use pg_dump and `yoldash key export` (see docs/administration.md)"
        );
    }
    let passphrase = backup_passphrase(passphrase_file)?;
    if out.exists() {
        bail!("{} already exists", out.display());
    }
    let store = open(data).await?;
    // The unencrypted snapshot lives in a 0600 file that is removed when this ends, and by
    // the next backup or server start if this process is killed.
    let lock = BackupLock::take(&data.data_dir)?;
    let snapshot = lock.temporary("backup")?;
    let tmp = out.with_extension("partial");
    let result = async {
        store.snapshot_sqlite(&snapshot).await?;
        let header = BackupHeader {
            format: 1,
            created_at: chrono::Utc::now().to_rfc3339(),
            version: yoldash_web::VERSION.to_string(),
            migration_level: yoldash_store::migrate::current_level(&store.db).await?,
            keyring: base64::engine::general_purpose::STANDARD
                .encode(store.keys().seal_to_bytes(&passphrase)?),
        };
        let header = serde_json::to_vec(&header)?;
        let reader = std::fs::File::open(snapshot.path())?;
        let _ = std::fs::remove_file(&tmp);
        let writer = std::io::BufWriter::new(yoldash_store::backup::create_private(&tmp)?);
        let passphrase = passphrase.clone();
        tokio::task::spawn_blocking(move || {
            yoldash_keyring::seal::seal(reader, writer, &passphrase, &header)
        })
        .await??;
        std::fs::rename(&tmp, out)?;
        store
            .audit_event(AuditEntry::by(None, Action::Backup))
            .await?;
        anyhow::Ok(())
    }
    .await;
    drop(snapshot);
    drop(lock);
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result?;
    println!("backup written to {}", out.display());
    Ok(())
}

pub async fn restore(
    file: &std::path::Path,
    data: &DataArgs,
    passphrase_file: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    use base64::Engine;
    if !data.is_sqlite() {
        bail!(
            "`yoldash restore` restores into SQLite; for PostgreSQL use pg_restore (see docs/administration.md)"
        );
    }
    let passphrase = backup_passphrase(passphrase_file)?;
    ensure_data_dir(&data.data_dir)?;
    let db_path = data.data_dir.join(DB_FILE);
    if db_path.exists() || data.key_path().exists() {
        bail!(
            "{} already holds a database or key file: restore into an empty data directory",
            data.data_dir.display()
        );
    }
    // The opened backup is plain SQLite until it becomes the database: a 0600 temporary,
    // removed on failure, and by the next backup, restore or server start if killed.
    let lock = BackupLock::take(&data.data_dir)?;
    let tmp = lock.temporary("restore")?;
    let reader =
        std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    let writer = std::fs::OpenOptions::new().write(true).open(tmp.path())?;
    let pass = passphrase.clone();
    let opened =
        tokio::task::spawn_blocking(move || yoldash_keyring::seal::open(reader, writer, &pass))
            .await?;
    let header = match opened {
        Ok(h) => h,
        Err(e) => bail!(
            "the backup cannot be authenticated ({e}): wrong passphrase, or the file is damaged or was altered"
        ),
    };
    let header: BackupHeader =
        serde_json::from_slice(&header).context("backup header unreadable")?;
    let sealed_ring = base64::engine::general_purpose::STANDARD.decode(&header.keyring)?;
    let ring = KeyRing::open_from_bytes(&sealed_ring, &passphrase)?;
    ring.save(&data.key_path(), data.key_passphrase()?.as_deref())?;
    tmp.keep(&db_path)?;
    drop(lock);
    let _ = std::fs::remove_file(data.data_dir.join(AUDIT_HEAD_FILE));
    let store = set_up(data).await?;
    if let Some(tail) = store.audit_tail().await? {
        yoldash_store::audit::mirror_head(&store, tail).await?;
    }
    store
        .audit_event(
            AuditEntry::by(None, Action::Restore)
                .detail(format!("backup_created={}", header.created_at)),
        )
        .await?;
    println!(
        "restored the backup of {} (Yoldash {}) into {}",
        header.created_at,
        header.version,
        data.data_dir.display()
    );
    Ok(())
}
