//! A deployment's data opens only with its own key ring: a missing, foreign or outdated key
//! file stops the start before anything is read or written with it, the ring keeps its
//! identity through rotation, export, backup and restore, and data written before the
//! identity was recorded is bound once its key ring is shown to open it.

use crate::deployment::{PASSWORD, run, run_for};
use crate::{stderr, stdout};
use std::path::Path;
use std::time::Duration;
use yoldash_domain::Role;
use yoldash_keyring::KeyRing;
use yoldash_testkit::{Backend, TestDatabase, both_backends, spawn_app};

fn ring_id(dir: &Path) -> String {
    KeyRing::load(&dir.join("yoldash.keys"), None)
        .unwrap()
        .identity()
        .id
}

/// `serve`, which must refuse to start (it is killed after 20 seconds if it does start).
fn serve(dir: &Path, url: Option<&str>) -> std::process::Output {
    run_for(
        dir,
        url,
        &["serve", "--listen", "127.0.0.1:0"],
        None,
        Duration::from_secs(20),
    )
}

fn refused(out: &std::process::Output, says: &[&str]) {
    let err = stderr(out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "not refused: {}{err}",
        stdout(out)
    );
    for s in says {
        assert!(err.contains(s), "expected {s:?} in: {err}");
    }
}

fn ok(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "failed: {}{}",
        stdout(out),
        stderr(out)
    );
    stdout(out)
}

/// A deployment set up by `migrate`, with an organisation and an account.
async fn deployment(backend: Backend, dir: &Path) -> (TestDatabase, Option<String>) {
    let db = TestDatabase::create(backend, dir).await;
    let url = (backend == Backend::Postgres).then(|| db.url.clone());
    let url_ref = url.as_deref();
    ok(&run(dir, url_ref, &["migrate"], None));
    ok(&run(
        dir,
        url_ref,
        &[
            "org",
            "create",
            "--code",
            "ORG-1",
            "--name",
            "Org",
            "--type",
            "public_association",
        ],
        None,
    ));
    ok(&run(
        dir,
        url_ref,
        &[
            "user",
            "create",
            "--email",
            "a@example.tm",
            "--name",
            "A",
            "--org",
            "ORG-1",
            "--role",
            "viewer",
            "--password-stdin",
        ],
        Some(PASSWORD),
    ));
    (db, url)
}

fn verified_entries(dir: &Path, url: Option<&str>) -> String {
    let out = ok(&run(dir, url, &["audit", "verify"], None));
    out.lines().next().unwrap_or_default().to_string()
}

both_backends!(
    a_missing_or_foreign_key_file_is_refused,
    |backend: Backend| async move {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("server-1");
        let (_db, url) = deployment(backend, &dir).await;
        let url = url.as_deref();
        let id = ring_id(&dir);
        let chain = verified_entries(&dir, url);
        let belongs = format!("this database belongs to key ring {id}");

        // 1. The key file removed: no new key is made, the start is refused.
        let keys = std::fs::read(dir.join("yoldash.keys")).unwrap();
        std::fs::remove_file(dir.join("yoldash.keys")).unwrap();
        refused(&serve(&dir, url), &[&belongs]);
        refused(&run(&dir, url, &["migrate"], None), &[&belongs]);
        assert!(!dir.join("yoldash.keys").exists(), "a key file was created");
        if let Some(url) = url {
            // A second application server with an empty data directory, on the same database.
            let second = root.path().join("server-2");
            std::fs::create_dir(&second).unwrap();
            refused(&serve(&second, Some(url)), &[&belongs]);
            assert_eq!(std::fs::read_dir(&second).unwrap().count(), 0);
        }

        // 2. Another deployment's key file copied in.
        KeyRing::generate()
            .save(&dir.join("yoldash.keys"), None)
            .unwrap();
        let other = ring_id(&dir);
        refused(
            &serve(&dir, url),
            &[
                "wrong key",
                &belongs,
                &format!("the key file holds key ring {other}"),
            ],
        );
        let verify = run(&dir, url, &["audit", "verify"], None);
        refused(&verify, &["wrong key"]);
        assert!(!stdout(&verify).contains("BROKEN"), "{}", stdout(&verify));

        // Nothing was written meanwhile: with its own key the chain is as it was.
        std::fs::write(dir.join("yoldash.keys"), &keys).unwrap();
        assert_eq!(verified_entries(&dir, url), chain);
    }
);

both_backends!(
    the_ring_keeps_its_identity_through_rotation_export_and_restore,
    |backend: Backend| async move {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("deployment");
        let (_db, url) = deployment(backend, &dir).await;
        let url = url.as_deref();
        let id = ring_id(&dir);
        let before_rotation = std::fs::read(dir.join("yoldash.keys")).unwrap();

        let rotated = ok(&run(&dir, url, &["key", "rotate"], None));
        assert!(rotated.contains(&id), "{rotated}");
        assert_eq!(ring_id(&dir), id, "rotation keeps the ring's identity");
        assert!(ok(&run(&dir, url, &["migrate"], None)).contains(&id));
        ok(&run(&dir, url, &["audit", "verify"], None));

        // The key file from before the rotation is refused: it lacks the new data key.
        let after_rotation = std::fs::read(dir.join("yoldash.keys")).unwrap();
        std::fs::write(dir.join("yoldash.keys"), &before_rotation).unwrap();
        refused(&run(&dir, url, &["migrate"], None), &["outdated key file"]);
        refused(
            &run(&dir, url, &["audit", "verify"], None),
            &["outdated key file"],
        );
        std::fs::write(dir.join("yoldash.keys"), &after_rotation).unwrap();

        // Export, then import where a second server (or a restored database) needs it; the
        // import checks the ring against the database it will serve.
        let db_url = url
            .map(str::to_string)
            .unwrap_or_else(|| format!("sqlite://{}", dir.join("yoldash.db").display()));
        let url_elsewhere = Some(db_url.as_str());
        let export = root.path().join("keys.sealed");
        ok(&run(
            &dir,
            url,
            &["key", "export", "--out", export.to_str().unwrap()],
            None,
        ));
        let second = root.path().join("second");
        ok(&run(
            &second,
            url_elsewhere,
            &["key", "import", export.to_str().unwrap()],
            None,
        ));
        assert_eq!(ring_id(&second), id);
        // A foreign export is not imported over this database.
        let foreign = root.path().join("foreign.sealed");
        std::fs::write(
            &foreign,
            KeyRing::generate()
                .seal_to_bytes(crate::deployment::BACKUP_PASSPHRASE)
                .unwrap(),
        )
        .unwrap();
        let third = root.path().join("third");
        refused(
            &run(
                &third,
                url_elsewhere,
                &["key", "import", foreign.to_str().unwrap()],
                None,
            ),
            &["wrong key", "not imported"],
        );
        assert!(!third.join("yoldash.keys").exists());

        if backend == Backend::Sqlite {
            let backup = root.path().join("backup.yoldash");
            ok(&run(
                &dir,
                None,
                &["backup", "--out", backup.to_str().unwrap()],
                None,
            ));
            let restored = root.path().join("restored");
            ok(&run(
                &restored,
                None,
                &["restore", backup.to_str().unwrap()],
                None,
            ));
            assert_eq!(ring_id(&restored), id);
            ok(&run(&restored, None, &["audit", "verify"], None));
            ok(&run(&restored, None, &["migrate"], None));
        }
    }
);

both_backends!(
    data_written_before_the_ring_was_recorded_is_bound_by_its_own_ring,
    |backend: Backend| async move {
        // The test kit's deployment records no ring, as one made before this check.
        let app = spawn_app(backend).await;
        let u = app.create_user(app.admin_org.id, &[Role::CaseWorker]).await;
        let dir = app.dir.path();
        let url = Some(app.database.url.as_str());
        let recorded = || async {
            sqlx::query_scalar::<_, String>("SELECT value FROM settings WHERE key = 'keyring.id'")
                .fetch_optional(&app.store.db.pool)
                .await
                .unwrap()
        };
        let keys = std::fs::read(dir.join("yoldash.keys")).unwrap();
        let id = ring_id(dir);

        // Only audit entries to go by: a foreign ring's audit key does not verify them.
        KeyRing::generate()
            .save(&dir.join("yoldash.keys"), None)
            .unwrap();
        refused(
            &run(dir, url, &["migrate"], None),
            &["wrong key", "audit entries do not verify"],
        );
        refused(&run(dir, url, &["audit", "verify"], None), &["wrong key"]);
        assert_eq!(recorded().await, None);

        // An encrypted value: a foreign ring does not decrypt it.
        app.store
            .set_totp_secret(u.id, Some(b"second factor"))
            .await
            .unwrap();
        refused(
            &run(dir, url, &["migrate"], None),
            &["wrong key", "does not decrypt"],
        );
        assert_eq!(recorded().await, None);

        // Its own ring opens the data, and the database records it from then on.
        std::fs::write(dir.join("yoldash.keys"), &keys).unwrap();
        ok(&run(dir, url, &["audit", "verify"], None));
        assert_eq!(recorded().await, None, "inspecting records nothing");
        ok(&run(dir, url, &["migrate"], None));
        assert_eq!(recorded().await, Some(id));
    }
);
