//! The command line against a test app's data: audit verification, key rotation, backup
//! and restore, and bad input.

use crate::{stderr, stdout, yoldash, yoldash_with};
use std::sync::Arc;
use yoldash_domain::Role;
use yoldash_keyring::KeyRing;
use yoldash_store::{Database, Store};
use yoldash_testkit::{Backend, TestApp, both_backends, spawn_app};

/// Makes some audit entries: two accounts and a token each.
async fn some_history(app: &TestApp) {
    for _ in 0..3 {
        let u = app.create_user(app.admin_org.id, &[Role::CaseWorker]).await;
        app.token_for(&u).await;
    }
}

async fn exec(app: &TestApp, sql: &'static str) {
    app.exec(sql, &[]).await;
}

fn verify_fails_at(app: &TestApp, seq: i64) {
    let out = yoldash(app, &["audit", "verify"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stdout(&out).contains(&format!("BROKEN at entry {seq}")),
        "{}",
        stdout(&out)
    );
}

both_backends!(
    audit_verify_catches_tampering,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        some_history(&app).await;
        let out = yoldash(&app, &["audit", "verify"]);
        assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
        assert!(stdout(&out).contains("audit chain intact"));

        // 1. A direct edit of one entry.
        let original: String = sqlx::query_scalar("SELECT action FROM audit_log WHERE seq = 3")
            .fetch_one(&app.store.db.pool)
            .await
            .unwrap();
        exec(&app, "UPDATE audit_log SET action = 'read' WHERE seq = 3").await;
        verify_fails_at(&app, 3);
        sqlx::query("UPDATE audit_log SET action = $1 WHERE seq = 3")
            .bind(&original)
            .execute(&app.store.db.pool)
            .await
            .unwrap();
        assert!(
            yoldash(&app, &["audit", "verify"]).status.success(),
            "restored entry verifies again"
        );

        // 2. Reordering: two entries swap places.
        exec(&app, "UPDATE audit_log SET seq = -1 WHERE seq = 2").await;
        exec(&app, "UPDATE audit_log SET seq = 2 WHERE seq = 4").await;
        exec(&app, "UPDATE audit_log SET seq = 4 WHERE seq = -1").await;
        verify_fails_at(&app, 2);
        exec(&app, "UPDATE audit_log SET seq = -1 WHERE seq = 2").await;
        exec(&app, "UPDATE audit_log SET seq = 2 WHERE seq = 4").await;
        exec(&app, "UPDATE audit_log SET seq = 4 WHERE seq = -1").await;
        assert!(yoldash(&app, &["audit", "verify"]).status.success());

        // 3. Removing the newest entries: caught by the head file.
        let newest: i64 = sqlx::query_scalar("SELECT MAX(seq) FROM audit_log")
            .fetch_one(&app.store.db.pool)
            .await
            .unwrap();
        sqlx::query("DELETE FROM audit_log WHERE seq >= $1")
            .bind(newest - 1)
            .execute(&app.store.db.pool)
            .await
            .unwrap();
        verify_fails_at(&app, newest);

        // 4. Deleting an entry in the middle.
        exec(&app, "DELETE FROM audit_log WHERE seq = 2").await;
        verify_fails_at(&app, 3);
    }
);

both_backends!(
    key_rotation_keeps_values_readable,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let mut secrets = Vec::new();
        for i in 0..5 {
            let u = app.create_user(app.admin_org.id, &[Role::CaseWorker]).await;
            let secret = format!("second-factor-secret-{i}");
            app.store
                .set_totp_secret(u.id, Some(secret.as_bytes()))
                .await
                .unwrap();
            secrets.push((u.id, secret));
        }
        let before = KeyRing::load(&app.dir.path().join("yoldash.keys"), None).unwrap();
        let out = yoldash(&app, &["key", "rotate"]);
        assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
        assert!(stdout(&out).contains("5 re-encrypted"), "{}", stdout(&out));
        let after = KeyRing::load(&app.dir.path().join("yoldash.keys"), None).unwrap();
        assert_ne!(after.current_key_id(), before.current_key_id());
        assert_eq!(
            after.key_ids(),
            vec![after.current_key_id()],
            "old key retired"
        );
        let store = Store::new(
            Database::connect(&app.database.url).await.unwrap(),
            Arc::new(after),
            None,
        );
        for (id, secret) in &secrets {
            assert_eq!(
                store.totp_secret(*id).await.unwrap().as_deref(),
                Some(secret.as_bytes())
            );
        }
        // The audit chain survives (the audit key is not rotated with the data keys).
        assert!(yoldash(&app, &["audit", "verify"]).status.success());
    }
);

/// Backup and restore copy an SQLite file; PostgreSQL deployments use pg_dump (documented),
/// so this test runs on SQLite only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_restores_into_a_fresh_data_dir_sqlite_only() {
    let app = spawn_app(Backend::Sqlite).await;
    some_history(&app).await;
    let u = app.create_user(app.admin_org.id, &[Role::Supervisor]).await;
    app.store
        .set_totp_secret(u.id, Some(b"kept secret"))
        .await
        .unwrap();
    let backup = app.dir.path().join("backup.yoldash");
    let pass = [(
        "YOLDASH_BACKUP_PASSPHRASE",
        "backup passphrase for the test",
    )];
    let out = yoldash_with(
        &app,
        &["backup", "--out", backup.to_str().unwrap()],
        &pass,
        None,
    );
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let bytes = std::fs::read(&backup).unwrap();
    assert!(
        !bytes.windows(11).any(|w| w == b"Test User"),
        "backup is not encrypted"
    );

    let fresh = tempfile::tempdir().unwrap();
    let restore = |dir: &std::path::Path, passphrase: &str, file: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_yoldash"))
            .args([
                "restore",
                file.to_str().unwrap(),
                "--data-dir",
                dir.to_str().unwrap(),
            ])
            .env("YOLDASH_BACKUP_PASSPHRASE", passphrase)
            .env_remove("YOLDASH_DATABASE_URL")
            .env("YOLDASH_LOG", "warn")
            .output()
            .unwrap()
    };
    // Wrong passphrase and a damaged file are refused, leaving nothing behind.
    let wrong = restore(fresh.path(), "not the passphrase at all", &backup);
    assert!(!wrong.status.success());
    assert!(
        stderr(&wrong).contains("cannot be authenticated"),
        "{}",
        stderr(&wrong)
    );
    let mut damaged = bytes.clone();
    let mid = damaged.len() / 2;
    damaged[mid] ^= 0x40;
    let damaged_path = app.dir.path().join("damaged.yoldash");
    std::fs::write(&damaged_path, damaged).unwrap();
    let bad = restore(fresh.path(), pass[0].1, &damaged_path);
    assert!(!bad.status.success());
    assert!(!fresh.path().join("yoldash.db").exists());

    let ok = restore(fresh.path(), pass[0].1, &backup);
    assert!(ok.status.success(), "{}{}", stdout(&ok), stderr(&ok));
    let ring = KeyRing::load(&fresh.path().join("yoldash.keys"), None).unwrap();
    let db = Database::connect(&format!(
        "sqlite://{}",
        fresh.path().join("yoldash.db").display()
    ))
    .await
    .unwrap();
    let restored = Store::new(db, Arc::new(ring), None);
    assert_eq!(
        restored.count_users().await.unwrap(),
        app.store.count_users().await.unwrap()
    );
    assert_eq!(
        restored.totp_secret(u.id).await.unwrap().as_deref(),
        Some(&b"kept secret"[..])
    );
    let orgs: Vec<String> = restored
        .organisations()
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.code)
        .collect();
    assert_eq!(orgs, vec!["TEST-ORG".to_string()]);
    let verify = std::process::Command::new(env!("CARGO_BIN_EXE_yoldash"))
        .args([
            "audit",
            "verify",
            "--data-dir",
            fresh.path().to_str().unwrap(),
        ])
        .env_remove("YOLDASH_DATABASE_URL")
        .output()
        .unwrap();
    assert!(verify.status.success(), "{}", stdout(&verify));
    // Restoring over existing data is refused.
    let again = restore(fresh.path(), pass[0].1, &backup);
    assert!(!again.status.success());
}

both_backends!(
    command_line_accounts_and_bad_input,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let ok = yoldash_with(
            &app,
            &[
                "user",
                "create",
                "--email",
                "Ayna@Example.tm",
                "--name",
                "Aýna",
                "--org",
                "test-org",
                "--role",
                "case_worker,supervisor",
                "--password-stdin",
            ],
            &[],
            Some("a long enough passphrase\n"),
        );
        assert!(ok.status.success(), "{}", stderr(&ok));
        let user = app.store.user_by_email("ayna@example.tm").await.unwrap();
        assert_eq!(user.roles, vec![Role::Supervisor, Role::CaseWorker]);
        let token = yoldash(
            &app,
            &[
                "token",
                "create",
                "--email",
                "ayna@example.tm",
                "--label",
                "sync",
                "--expires-in",
                "30",
            ],
        );
        assert!(token.status.success());
        let token = stdout(&token).trim().to_string();
        let me = app
            .client()
            .get(app.url("/api/v1/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(me.status(), 200);
        let reset = yoldash_with(
            &app,
            &[
                "user",
                "reset-password",
                "--email",
                "ayna@example.tm",
                "--password-stdin",
            ],
            &[],
            Some("another long passphrase"),
        );
        assert!(reset.status.success(), "{}", stderr(&reset));
        assert!(app.store.user(user.id).await.unwrap().must_change_password);

        let cases: Vec<(Vec<&str>, Option<&str>, &str)> = vec![
            (
                vec![
                    "user",
                    "create",
                    "--email",
                    "bad",
                    "--name",
                    "X",
                    "--org",
                    "TEST-ORG",
                    "--role",
                    "viewer",
                    "--password-stdin",
                ],
                Some("a long enough passphrase"),
                "email",
            ),
            (
                vec![
                    "user",
                    "create",
                    "--email",
                    "b@x.tm",
                    "--name",
                    "X",
                    "--org",
                    "TEST-ORG",
                    "--role",
                    "root",
                    "--password-stdin",
                ],
                Some("a long enough passphrase"),
                "--role",
            ),
            (
                vec![
                    "user",
                    "create",
                    "--email",
                    "b@x.tm",
                    "--name",
                    "X",
                    "--org",
                    "NOPE",
                    "--role",
                    "viewer",
                    "--password-stdin",
                ],
                Some("a long enough passphrase"),
                "no organisation",
            ),
            (
                vec![
                    "user", "create", "--email", "b@x.tm", "--name", "X", "--org", "TEST-ORG",
                    "--role", "viewer",
                ],
                None,
                "--password-stdin",
            ),
            (
                vec![
                    "user",
                    "create",
                    "--email",
                    "b@x.tm",
                    "--name",
                    "X",
                    "--org",
                    "TEST-ORG",
                    "--role",
                    "viewer",
                    "--password-stdin",
                ],
                Some("short"),
                "password refused",
            ),
            (
                vec![
                    "user",
                    "create",
                    "--email",
                    "ayna@example.tm",
                    "--name",
                    "X",
                    "--org",
                    "TEST-ORG",
                    "--role",
                    "viewer",
                    "--password-stdin",
                ],
                Some("a long enough passphrase"),
                "already in use",
            ),
            (
                vec![
                    "org",
                    "create",
                    "--code",
                    "A B",
                    "--name",
                    "X",
                    "--type",
                    "public_association",
                ],
                None,
                "code",
            ),
            (
                vec![
                    "org", "create", "--code", "AB", "--name", "X", "--type", "club",
                ],
                None,
                "--type",
            ),
            (
                vec![
                    "org",
                    "create",
                    "--code",
                    "TEST-ORG",
                    "--name",
                    "X",
                    "--type",
                    "public_association",
                ],
                None,
                "already in use",
            ),
            (
                vec![
                    "org",
                    "create",
                    "--code",
                    "NEW",
                    "--name",
                    "X",
                    "--type",
                    "public_association",
                    "--region",
                    "XX",
                ],
                None,
                "unknown-region",
            ),
            (
                vec!["token", "create", "--email", "nobody@x.tm", "--label", "x"],
                None,
                "not found",
            ),
            (
                vec![
                    "token",
                    "create",
                    "--email",
                    "ayna@example.tm",
                    "--label",
                    "x",
                    "--expires-in",
                    "0",
                ],
                None,
                "expires_in",
            ),
            (vec!["token", "revoke", "--id", "not-a-uuid"], None, "--id"),
            (
                vec!["user", "disable", "--email", "nobody@x.tm"],
                None,
                "not found",
            ),
            (
                vec!["backup", "--out", "/nonexistent/dir/b"],
                None,
                "backup",
            ),
        ];
        for (args, input, expect) in cases {
            let out = yoldash_with(&app, &args, &[], input);
            let err = stderr(&out);
            assert!(!out.status.success(), "{args:?} should fail");
            assert!(
                err.contains(expect),
                "{args:?}: expected {expect:?} in {err}"
            );
            assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
        }
    }
);

both_backends!(key_export_and_import, |backend: Backend| async move {
    let app = spawn_app(backend).await;
    let u = app.create_user(app.admin_org.id, &[Role::CaseWorker]).await;
    app.store
        .set_totp_secret(u.id, Some(b"exported"))
        .await
        .unwrap();
    let sealed = app.dir.path().join("keys.sealed");
    let pass = [("YOLDASH_BACKUP_PASSPHRASE", "export passphrase for tests")];
    let out = yoldash_with(
        &app,
        &["key", "export", "--out", sealed.to_str().unwrap()],
        &pass,
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let fresh = tempfile::tempdir().unwrap();
    let import = |passphrase: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_yoldash"))
            .args([
                "key",
                "import",
                sealed.to_str().unwrap(),
                "--data-dir",
                fresh.path().to_str().unwrap(),
            ])
            .env("YOLDASH_BACKUP_PASSPHRASE", passphrase)
            .output()
            .unwrap()
    };
    let wrong = import("not the right passphrase");
    assert!(!wrong.status.success());
    assert!(stderr(&wrong).contains("cannot be opened"));
    let ok = import(pass[0].1);
    assert!(ok.status.success(), "{}", stderr(&ok));
    let ring = KeyRing::load(&fresh.path().join("yoldash.keys"), None).unwrap();
    let store = Store::new(
        Database::connect(&app.database.url).await.unwrap(),
        Arc::new(ring),
        None,
    );
    assert_eq!(
        store.totp_secret(u.id).await.unwrap().as_deref(),
        Some(&b"exported"[..])
    );
    assert!(
        !import(pass[0].1).status.success(),
        "an existing key file is never replaced"
    );
});

#[test]
fn passphrase_protected_key_file() {
    let dir = tempfile::tempdir().unwrap();
    let run = |passphrase: Option<&str>| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_yoldash"));
        cmd.args(["migrate", "--data-dir", dir.path().to_str().unwrap()])
            .env_remove("YOLDASH_DATABASE_URL")
            .env_remove("YOLDASH_KEY_PASSPHRASE")
            .stdin(std::process::Stdio::null());
        if let Some(p) = passphrase {
            cmd.env("YOLDASH_KEY_PASSPHRASE", p);
        }
        cmd.output().unwrap()
    };
    assert!(run(Some("laptop key passphrase")).status.success());
    assert!(KeyRing::is_passphrase_protected(&dir.path().join("yoldash.keys")).unwrap());
    let missing = run(None);
    assert!(!missing.status.success());
    assert!(
        stderr(&missing).contains("YOLDASH_KEY_PASSPHRASE"),
        "{}",
        stderr(&missing)
    );
    let wrong = run(Some("some other passphrase"));
    assert!(!wrong.status.success());
    assert!(stderr(&wrong).contains("not correct"), "{}", stderr(&wrong));
    assert!(run(Some("laptop key passphrase")).status.success());
}
