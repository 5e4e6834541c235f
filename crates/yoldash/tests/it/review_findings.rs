//! What the penetration review of issue 10's fixes found, each held by a test: request ids
//! are the server's own, API tokens open the API only (and not while the account must change
//! its password), and nobody changes their own roles.

use yoldash_domain::Role;
use yoldash_testkit::{Backend, TEST_PASSWORD, both_backends, spawn_app};

both_backends!(
    a_clients_request_id_never_reaches_the_audit_log,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let user = app.create_user(app.admin_org.id, &[Role::Viewer]).await;
        let client = app.client();
        let csrf = app.login_csrf(&client).await;
        let planted = "Survivor name planted by a client";
        let res = client
            .post(app.url("/login"))
            .header("x-request-id", planted)
            .form(&[
                ("email", user.email.as_str()),
                ("password", "wrong password"),
                ("csrf", &csrf),
            ])
            .send()
            .await
            .unwrap();
        let answered = res
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        assert_ne!(
            answered, planted,
            "the server answered with the client's id"
        );
        assert!(
            uuid::Uuid::parse_str(&answered).is_ok(),
            "the server's own id: {answered:?}"
        );
        let planted_entries = app
            .count(
                "SELECT COUNT(*) FROM audit_log WHERE request_id = $1",
                Some(planted),
            )
            .await;
        assert_eq!(planted_entries, 0, "the client's text is in the audit log");
        let failed = app
            .count(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'login_failed' AND request_id = $1",
                Some(&answered),
            )
            .await;
        assert_eq!(failed, 1, "the failed sign-in carries the server's id");
    }
);

both_backends!(
    api_tokens_open_the_api_only,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let admin = app.create_user(app.admin_org.id, &[Role::Admin]).await;
        let viewer = app.create_user(app.admin_org.id, &[Role::Viewer]).await;
        let token = app.token_for(&admin).await;
        let client = app.client();
        // On the API the token signs in …
        let api = client
            .get(app.url("/api/v1/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(api.status().as_u16(), 200);
        // … on the pages it is not looked at: no page, no password reset shown.
        for path in ["/", "/admin/users", "/admin/tokens"] {
            let res = client
                .get(app.url(path))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status().as_u16(), 303, "GET {path} with a token");
            assert_eq!(yoldash_testkit::location(&res), "/login", "GET {path}");
        }
        let res = client
            .post(app.url(&format!("/admin/users/{}/reset-password", viewer.id)))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert!(
            matches!(res.status().as_u16(), 303 | 403),
            "a token's password reset on a page: {}",
            res.status()
        );
        let body = res.text().await.unwrap_or_default();
        assert!(!body.contains("one-time"), "a one-time password was shown");
        let viewer_now = app.store.user(viewer.id).await.unwrap();
        assert!(!viewer_now.must_change_password, "the reset went through");
    }
);

both_backends!(
    a_token_waits_while_its_account_must_change_its_password,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let worker = app.create_user(app.admin_org.id, &[Role::CaseWorker]).await;
        let token = app.token_for(&worker).await;
        app.exec(
            "UPDATE users SET must_change_password = 1 WHERE id = $1",
            &[yoldash_testkit::Param::Text(&worker.id.to_string())],
        )
        .await;
        let res = app
            .client()
            .get(app.url("/api/v1/cases"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 403);
    }
);

/// Posts the account form of `account` (an organisation administrator of the test
/// organisation) with the roles organisation administrator and supervisor.
async fn add_supervisor_role(
    app: &yoldash_testkit::TestApp,
    client: &reqwest::Client,
    csrf: &str,
    account: &yoldash_store::users::User,
) -> yoldash_testkit::Posted {
    let org = app.admin_org.id.to_string();
    app.post_form(
        client,
        &format!("/admin/users/{}", account.id),
        &[
            ("csrf", csrf),
            ("version", "1"),
            ("email", account.email.as_str()),
            ("display_name", "Test User"),
            ("org", org.as_str()),
            ("roles", "org_admin"),
            ("roles", "supervisor"),
            ("language", "en"),
        ],
    )
    .await
}

both_backends!(
    nobody_changes_their_own_roles,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let org_admin = app.create_user(app.admin_org.id, &[Role::OrgAdmin]).await;
        let (client, csrf) = app.login(&org_admin.email, TEST_PASSWORD).await;
        let posted = add_supervisor_role(&app, &client, &csrf, &org_admin).await;
        assert_eq!(posted.status, 403, "{}", posted.body);
        assert!(
            posted.body.contains("cannot change your own roles"),
            "the refusal says why"
        );
        let now = app.store.user(org_admin.id).await.unwrap();
        assert_eq!(now.roles, vec![Role::OrgAdmin]);
        // Another organisation administrator may.
        let colleague = app.create_user(app.admin_org.id, &[Role::OrgAdmin]).await;
        let (client, csrf) = app.login(&colleague.email, TEST_PASSWORD).await;
        let posted = add_supervisor_role(&app, &client, &csrf, &org_admin).await;
        assert_eq!(posted.status, 303, "{}", posted.body);
        let now = app.store.user(org_admin.id).await.unwrap();
        assert_eq!(now.roles, vec![Role::OrgAdmin, Role::Supervisor]);
    }
);

both_backends!(
    a_password_asked_again_is_throttled_and_audited,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let worker = app.create_user(app.admin_org.id, &[Role::CaseWorker]).await;
        let (client, csrf) = app.login(&worker.email, TEST_PASSWORD).await;
        let mut statuses = Vec::new();
        for i in 0..6 {
            let guess = format!("guess number {i}");
            let posted = app
                .post_form(
                    &client,
                    "/account/password",
                    &[
                        ("csrf", csrf.as_str()),
                        ("current", guess.as_str()),
                        ("new", "a new and long passphrase"),
                        ("confirm", "a new and long passphrase"),
                    ],
                )
                .await;
            statuses.push(posted.status);
        }
        assert_eq!(statuses, vec![422, 422, 422, 422, 422, 429]);
        let audited = app
            .count(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'login_failed' AND detail = 'password_asked_again' AND object_id = $1",
                Some(&worker.id.to_string()),
            )
            .await;
        assert_eq!(audited, 5);
        // The second-factor page's password confirmations count against the same limit.
        let posted = app
            .post_form(
                &client,
                "/account/security/recovery-codes",
                &[("csrf", csrf.as_str()), ("password", TEST_PASSWORD)],
            )
            .await;
        assert_eq!(posted.status, 429);
    }
);
