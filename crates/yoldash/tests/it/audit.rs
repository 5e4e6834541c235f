//! The audit log: what is recorded, and that it never holds personal data.

use yoldash_domain::Role;

/// action, object type, object id, detail
type EntryRow = (String, Option<String>, Option<String>, Option<String>);
use yoldash_store::audit::{Verdict, read_head_file, verify};
use yoldash_testkit::{Backend, TEST_PASSWORD, both_backends, spawn_app};

both_backends!(
    actions_are_audited_without_personal_data,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let admin = app.create_user(app.admin_org.id, &[Role::Admin]).await;
        let token = app.token_for(&admin).await;
        let client = app.client();
        let (_, _) = app
            .try_login(&client, &admin.email, "wrong password here")
            .await;
        let (session, _) = app.login(&admin.email, TEST_PASSWORD).await;
        let planted = "Aýgül Planted-Name";
        let created = client
        .post(app.url("/api/v1/users"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"email": "planted@x.tm", "display_name": planted, "roles": ["case_worker"], "password": "a long enough passphrase"}))
        .send()
        .await
        .unwrap();
        assert_eq!(created.status(), 201);
        let id = created.json::<serde_json::Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(
            session
                .get(app.url(&format!("/api/v1/users/{id}")))
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
        assert_eq!(app.status(&session, "/api/v1/users").await, 200);
        let rows: Vec<EntryRow> = sqlx::query_as(
            "SELECT action, object_type, object_id, detail FROM audit_log ORDER BY seq",
        )
        .fetch_all(&app.store.db.pool)
        .await
        .unwrap();
        let actions: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
        for want in ["login_failed", "login", "create", "read", "list"] {
            assert!(actions.contains(&want), "no {want} entry in {actions:?}");
        }
        assert!(
            rows.iter()
                .any(|r| r.0 == "read" && r.2.as_deref() == Some(id.as_str()))
        );
        let dump = format!("{rows:?}");
        assert!(
            !dump.contains("Planted") && !dump.contains("planted@"),
            "personal data in the audit log"
        );
        let head = read_head_file(&app.dir.path().join("audit-head.json"))
            .unwrap()
            .expect("head file");
        match verify(&app.store, Some(&head)).await.unwrap() {
            Verdict::Intact { entries, .. } => assert_eq!(entries as usize, rows.len()),
            broken => panic!("{broken:?}"),
        }
    }
);

both_backends!(
    concurrent_appends_keep_one_chain,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let store = app.store.clone();
            tasks.push(tokio::spawn(async move {
                for _ in 0..10 {
                    store
                        .audit_event(yoldash_store::audit::AuditEntry::by(
                            None,
                            yoldash_store::audit::Action::Export,
                        ))
                        .await
                        .unwrap();
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        match verify(&app.store, None).await.unwrap() {
            Verdict::Intact { entries, .. } => assert!(entries >= 40),
            broken => panic!("{broken:?}"),
        }
    }
);
