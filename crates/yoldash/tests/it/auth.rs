//! Sign-in, sessions, CSRF, throttling, passwords and API tokens.

use yoldash_domain::Role;
use yoldash_testkit::{Backend, Param, TEST_PASSWORD, both_backends, create_org, spawn_app};

both_backends!(stored_password_is_argon2id, |backend: Backend| async move {
    let app = spawn_app(backend).await;
    let user = app.create_user(app.admin_org.id, &[Role::CaseWorker]).await;
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(user.id.to_string())
        .fetch_one(&app.store.db.pool)
        .await
        .unwrap();
    assert!(hash.starts_with("$argon2id$v=19$"), "{hash}");
    assert!(!hash.contains(TEST_PASSWORD));
});

both_backends!(
    login_logout_and_generic_failure,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let user = app.create_user(app.admin_org.id, &[Role::CaseWorker]).await;
        let client = app.client();
        // Wrong password and unknown account get the very same answer.
        let (s1, body1) = app
            .try_login(&client, &user.email, "wrong password here")
            .await;
        let (s2, body2) = app
            .try_login(&client, "nobody@test.yoldash", "wrong password here")
            .await;
        assert_eq!((s1, s2), (200, 200));
        let msg = "The e-mail or password is not correct, or the account is not active.";
        assert!(body1.contains(msg) && body2.contains(msg));
        // Sign in, use the session, sign out: the old cookie no longer works.
        let (client, csrf) = app.login(&user.email, TEST_PASSWORD).await;
        let me = client.get(app.url("/api/v1/me")).send().await.unwrap();
        assert_eq!(me.status(), 200);
        let cookie_before: i64 = app
            .count(
                "SELECT COUNT(*) FROM sessions WHERE user_id = $1",
                Some(&user.id.to_string()),
            )
            .await;
        assert_eq!(cookie_before, 1);
        let out = client
            .post(app.url("/logout"))
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(out.status(), 303);
        let after: i64 = app
            .count(
                "SELECT COUNT(*) FROM sessions WHERE user_id = $1",
                Some(&user.id.to_string()),
            )
            .await;
        assert_eq!(after, 0, "logout deletes the session server-side");
        let me = client.get(app.url("/api/v1/me")).send().await.unwrap();
        assert_eq!(me.status(), 401);
        let home = client.get(app.url("/")).send().await.unwrap();
        assert_eq!(home.status(), 303);
    }
);

both_backends!(sessions_expire, |backend: Backend| async move {
    let app = spawn_app(backend).await;
    let user = app.create_user(app.admin_org.id, &[Role::CaseWorker]).await;
    let (client, _) = app.login(&user.email, TEST_PASSWORD).await;
    assert_eq!(app.status(&client, "/api/v1/me").await, 200);
    // Idle for longer than the idle limit.
    let idle = app.store.sessions.idle_seconds * 1_000_000 + 1_000_000;
    app.exec(
        "UPDATE sessions SET last_seen_at = last_seen_at - $1 WHERE user_id = $2",
        &[Param::Int(idle), Param::Text(&user.id.to_string())],
    )
    .await;
    assert_eq!(app.status(&client, "/api/v1/me").await, 401);
    // Past the absolute limit, even if active a moment ago.
    let (client, _) = app.login(&user.email, TEST_PASSWORD).await;
    app.exec(
        "UPDATE sessions SET expires_at = $1 WHERE user_id = $2",
        &[
            Param::Int(yoldash_store::time::now_micros() - 1),
            Param::Text(&user.id.to_string()),
        ],
    )
    .await;
    assert_eq!(app.status(&client, "/api/v1/me").await, 401);
});

both_backends!(
    posts_without_csrf_are_refused,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let user = app.create_user(app.admin_org.id, &[Role::Admin]).await;
        // The login form itself needs the token of its double-submit cookie.
        let bare = app.client();
        let res = bare
            .post(app.url("/login"))
            .form(&[("email", user.email.as_str()), ("password", TEST_PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403);
        let (client, csrf) = app.login(&user.email, TEST_PASSWORD).await;
        for (token, want) in [
            (None, 403),
            (Some("forged"), 403),
            (Some(csrf.as_str()), 303),
        ] {
            let mut form = vec![];
            if let Some(t) = token {
                form.push(("csrf", t));
            }
            let res = client
                .post(app.url("/logout"))
                .form(&form)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), want, "logout with csrf {token:?}");
        }
        // A cookie-authenticated API write without the header is refused too.
        let (client, _) = app.login(&user.email, TEST_PASSWORD).await;
        let res = client
        .post(app.url("/api/v1/organisations"))
        .json(&serde_json::json!({"code": "X1", "org_type": "public_association", "names": {"en": "X"}}))
        .send()
        .await
        .unwrap();
        assert_eq!(res.status(), 403);
        assert_eq!(res.headers()["content-type"], "application/problem+json");
    }
);

both_backends!(throttling_kicks_in, |backend: Backend| async move {
    let app = spawn_app(backend).await;
    let user = app.create_user(app.admin_org.id, &[Role::CaseWorker]).await;
    let client = app.client();
    for _ in 0..5 {
        let (s, _) = app
            .try_login(&client, &user.email, "not the password")
            .await;
        assert_eq!(s, 200);
    }
    // Now even the right password is refused for this account.
    let (s, body) = app.try_login(&client, &user.email, TEST_PASSWORD).await;
    assert_eq!(s, 429);
    assert!(body.contains("Too many sign-in attempts"));
    let throttled: i64 = app
        .count(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'login_throttled'",
            None,
        )
        .await;
    assert_eq!(throttled, 1);
    // Another account from the same client is not yet throttled.
    let other = app.create_user(app.admin_org.id, &[Role::CaseWorker]).await;
    let (s, _) = app.try_login(&client, &other.email, TEST_PASSWORD).await;
    assert_eq!(s, 303);
});

both_backends!(tokens_expire_and_revoke, |backend: Backend| async move {
    let app = spawn_app(backend).await;
    let user = app.create_user(app.admin_org.id, &[Role::CaseWorker]).await;
    let token = app.token_for(&user).await;
    let client = app.client();
    let me = |t: String| {
        let client = client.clone();
        let url = app.url("/api/v1/me");
        async move {
            client
                .get(url)
                .bearer_auth(t)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(me(token.clone()).await, 200);
    assert_eq!(me("yld_not-a-real-token".into()).await, 401);
    // Expired.
    app.exec(
        "UPDATE api_tokens SET expires_at = $1",
        &[Param::Int(yoldash_store::time::now_micros() - 1)],
    )
    .await;
    assert_eq!(me(token.clone()).await, 401);
    // Revoked.
    let token2 = app.token_for(&user).await;
    assert_eq!(me(token2.clone()).await, 200);
    let id = app.store.tokens(Some(user.id)).await.unwrap()[0].id;
    let mut unit = app.store.unit().await.unwrap();
    app.store.revoke_token(&mut unit, None, id).await.unwrap();
    unit.commit().await.unwrap();
    assert_eq!(me(token2).await, 401);
    // Only the hash is stored.
    let hashes: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM api_tokens")
        .fetch_all(&app.store.db.pool)
        .await
        .unwrap();
    assert!(
        hashes
            .iter()
            .all(|h| h.len() == 64 && !h.starts_with("yld_"))
    );
});

both_backends!(
    deactivated_organisation_is_refused,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let org = create_org(&app.store, "CLOSING-ORG").await;
        let user = app.create_user(org.id, &[Role::CaseWorker]).await;
        let token = app.token_for(&user).await;
        let (session_client, _) = app.login(&user.email, TEST_PASSWORD).await;
        let mut unit = app.store.unit().await.unwrap();
        app.store
            .set_organisation_active(&mut unit, None, org.id, false, None)
            .await
            .unwrap();
        unit.commit().await.unwrap();
        let client = app.client();
        let by_token = client
            .get(app.url("/api/v1/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(by_token.status(), 401);
        let by_session = session_client
            .get(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap();
        assert_eq!(by_session.status(), 401);
        let (s, _) = app.try_login(&client, &user.email, TEST_PASSWORD).await;
        assert_eq!(s, 200, "sign-in fails with the generic message");
    }
);

both_backends!(
    password_change_and_forced_reset,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let user = app.create_user(app.admin_org.id, &[Role::CaseWorker]).await;
        let (other_session, _) = app.login(&user.email, TEST_PASSWORD).await;
        let (client, csrf) = app.login(&user.email, TEST_PASSWORD).await;
        // Policy errors are shown next to the field, in the user's language.
        let res = client
            .post(app.url("/account/password"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("current", TEST_PASSWORD),
                ("new", "password1234"),
                ("confirm", "password1234"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422);
        let body = res.text().await.unwrap();
        assert!(
            body.contains("class=\"field-error\" id=\"new-error\""),
            "{body}"
        );
        let new = "a different long passphrase";
        let res = client
            .post(app.url("/account/password"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("current", TEST_PASSWORD),
                ("new", new),
                ("confirm", new),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(
            app.status(&client, "/api/v1/me").await,
            200,
            "this session stays"
        );
        assert_eq!(
            app.status(&other_session, "/api/v1/me").await,
            401,
            "other sessions end"
        );
        // An administrator's reset forces a change at next sign-in.
        let hash = yoldash_store::passwords::hash("reset by the administrator")
            .await
            .unwrap();
        let mut unit = app.store.unit().await.unwrap();
        app.store
            .set_password(&mut unit, None, user.id, &hash, true, None)
            .await
            .unwrap();
        unit.commit().await.unwrap();
        assert_eq!(
            app.status(&client, "/api/v1/me").await,
            401,
            "reset revokes sessions"
        );
        let fresh = app.client();
        let (s, _) = app
            .try_login(&fresh, &user.email, "reset by the administrator")
            .await;
        assert_eq!(s, 303);
        let home = fresh.get(app.url("/")).send().await.unwrap();
        assert_eq!(home.status(), 303);
        assert_eq!(home.headers()["location"], "/account/password");
        let resets: i64 = app
            .count(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'password_reset'",
                None,
            )
            .await;
        assert_eq!(resets, 1);
    }
);
