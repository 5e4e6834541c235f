//! Records: optimistic concurrency, visibility, field encryption at rest.

use yoldash_domain::Role;
use yoldash_testkit::{Backend, both_backends, create_org, spawn_app};

both_backends!(
    concurrent_edit_gets_a_conflict,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let admin = app.create_user(app.admin_org.id, &[Role::OrgAdmin]).await;
        let token = app.token_for(&admin).await;
        let target = app.create_user(app.admin_org.id, &[Role::CaseWorker]).await;
        let client = app.client();
        let url = app.url(&format!("/api/v1/users/{}", target.id));
        let seen: serde_json::Value = client
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let version = seen["version"].as_i64().unwrap();
        // Two editors start from the same version.
        let first = client
        .put(&url)
        .bearer_auth(&token)
        .json(&serde_json::json!({"version": version, "display_name": "First Editor", "language": "tk"}))
        .send()
        .await
        .unwrap();
        assert_eq!(first.status(), 200);
        let second = client
        .put(&url)
        .bearer_auth(&token)
        .json(&serde_json::json!({"version": version, "display_name": "Second Editor", "language": "ru"}))
        .send()
        .await
        .unwrap();
        assert_eq!(second.status(), 409);
        let problem: serde_json::Value = second.json().await.unwrap();
        assert_eq!(problem["type"], "/problems/conflict");
        assert_eq!(problem["current_version"], version + 1);
        // The first edit is intact.
        let now: serde_json::Value = client
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(now["display_name"], "First Editor");
        assert_eq!(now["language"], "tk");
    }
);

both_backends!(
    races_on_one_record_never_lose_an_update,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let target = app.create_user(app.admin_org.id, &[Role::CaseWorker]).await;
        let name = yoldash_domain::PersonName::parse("Racer").unwrap();
        // Many concurrent saves from the same version: exactly one wins.
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let store = app.store.clone();
            let name = name.clone();
            tasks.push(tokio::spawn(async move {
                let mut unit = store.unit().await?;
                let r = store
                    .update_user_profile(&mut unit, None, target.id, target.version, &name, "en")
                    .await;
                match r {
                    Ok(_) => unit.commit().await.map(|_| true),
                    Err(yoldash_store::StoreError::Conflict { .. }) => Ok(false),
                    Err(e) => Err(e),
                }
            }));
        }
        let mut wins = 0;
        for t in tasks {
            if t.await.unwrap().unwrap() {
                wins += 1;
            }
        }
        assert_eq!(wins, 1);
        assert_eq!(
            app.store.user(target.id).await.unwrap().version.0,
            target.version.0 + 1
        );
    }
);

both_backends!(
    encrypted_fields_are_ciphertext_and_tamper_evident,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let user = app.create_user(app.admin_org.id, &[Role::CaseWorker]).await;
        let secret = b"JBSWY3DPEHPK3PXP-second-factor";
        app.store
            .set_totp_secret(user.id, Some(secret))
            .await
            .unwrap();
        let raw: Vec<u8> = sqlx::query_scalar("SELECT totp_secret FROM users WHERE id = $1")
            .bind(user.id.to_string())
            .fetch_one(&app.store.db.pool)
            .await
            .unwrap();
        assert!(
            !raw.windows(secret.len()).any(|w| w == secret),
            "stored in clear"
        );
        assert_eq!(
            app.store.totp_secret(user.id).await.unwrap().as_deref(),
            Some(&secret[..])
        );
        // Flip one byte of the stored ciphertext.
        let mut tampered = raw.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        sqlx::query("UPDATE users SET totp_secret = $1 WHERE id = $2")
            .bind(tampered)
            .bind(user.id.to_string())
            .execute(&app.store.db.pool)
            .await
            .unwrap();
        assert!(app.store.totp_secret(user.id).await.is_err());
        // A valid ciphertext moved to another row does not decrypt either.
        let other = app.create_user(app.admin_org.id, &[Role::CaseWorker]).await;
        sqlx::query("UPDATE users SET totp_secret = $1 WHERE id = $2")
            .bind(raw)
            .bind(other.id.to_string())
            .execute(&app.store.db.pool)
            .await
            .unwrap();
        assert!(app.store.totp_secret(other.id).await.is_err());
    }
);

both_backends!(
    user_list_follows_visibility,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let other = create_org(&app.store, "ELSEWHERE").await;
        let mine = app.create_user(app.admin_org.id, &[Role::CaseWorker]).await;
        let theirs = app.create_user(other.id, &[Role::CaseWorker]).await;
        let org_admin = app.create_user(app.admin_org.id, &[Role::OrgAdmin]).await;
        let token = app.token_for(&org_admin).await;
        let list: Vec<serde_json::Value> = app
            .client()
            .get(app.url("/api/v1/users"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let ids: Vec<&str> = list.iter().map(|u| u["id"].as_str().unwrap()).collect();
        assert!(ids.contains(&mine.id.to_string().as_str()));
        assert!(!ids.contains(&theirs.id.to_string().as_str()));
        // An organisation administrator cannot create accounts elsewhere or grant `admin`.
        let res = app
        .client()
        .post(app.url("/api/v1/users"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"email": "x@y.tm", "display_name": "X", "org_id": other.id, "roles": ["viewer"], "password": "a long enough passphrase"}))
        .send()
        .await
        .unwrap();
        assert_eq!(res.status(), 422);
        let res = app
        .client()
        .post(app.url("/api/v1/users"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"email": "x@y.tm", "display_name": "X", "roles": ["admin"], "password": "a long enough passphrase"}))
        .send()
        .await
        .unwrap();
        assert_eq!(res.status(), 403);
        let res = app
        .client()
        .post(app.url("/api/v1/users"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"email": "x@y.tm", "display_name": "X", "roles": ["case_worker"], "password": "a long enough passphrase", "language": "tk"}))
        .send()
        .await
        .unwrap();
        assert_eq!(res.status(), 201);
        let created: serde_json::Value = res.json().await.unwrap();
        assert_eq!(created["must_change_password"], true);
        assert_eq!(created["org_id"], app.admin_org.id.to_string());
    }
);
