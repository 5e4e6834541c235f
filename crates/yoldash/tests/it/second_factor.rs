//! The second factor: enrolment, sign-in with a code or a recovery code, replay refusal,
//! requirement per role, turning it off, signing out other sessions.

use yoldash_domain::Role;
use yoldash_testkit::{Backend, Param, TEST_PASSWORD, TestApp, both_backends, location, spawn_app};

async fn post_form(
    client: &reqwest::Client,
    app: &TestApp,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String, Option<String>) {
    let p = app.post_form(client, path, fields).await;
    (p.status, p.body, Some(p.location).filter(|l| !l.is_empty()))
}

/// Enrols the user signed in with `client`; returns the recovery codes.
async fn enrol(
    app: &TestApp,
    client: &reqwest::Client,
    csrf: &str,
    user_id: uuid::Uuid,
    email: &str,
) -> Vec<String> {
    let page = client
        .get(app.url("/account/security/enrol"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("<svg") && page.contains("id=\"totp-secret\""),
        "QR code and key shown"
    );
    let secret = app
        .store
        .totp_secret(user_id)
        .await
        .unwrap()
        .expect("pending secret");
    let (status, body, _) = post_form(
        client,
        app,
        "/account/security/enrol",
        &[("csrf", csrf), ("code", "000000x")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(body.contains("id=\"code-error\""));
    let code = yoldash_web::totp::current_code(&secret, email).unwrap();
    let (status, body, _) = post_form(
        client,
        app,
        "/account/security/enrol",
        &[("csrf", csrf), ("code", &code)],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let list = &body[body.find("id=\"recovery-codes\"").expect("codes shown")..];
    let codes: Vec<String> = list
        .split("<li>")
        .skip(1)
        .map(|s| s[..s.find("</li>").unwrap()].to_string())
        .collect();
    assert_eq!(codes.len(), 10);
    codes
}

both_backends!(
    enrol_then_sign_in_with_codes,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let user = app.create_user(app.admin_org.id, &[Role::CaseWorker]).await;
        let (client, csrf) = app.login(&user.email, TEST_PASSWORD).await;
        let codes = enrol(&app, &client, &csrf, user.id, &user.email).await;
        // The secret is stored encrypted; recovery codes only as keyed hashes.
        let stored: i64 = app
            .count(
                "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1",
                Some(&user.id.to_string()),
            )
            .await;
        assert_eq!(stored, 10);
        let plain = app
            .count(
                "SELECT COUNT(*) FROM recovery_codes WHERE code_hash = $1",
                Some(&codes[0]),
            )
            .await;
        assert_eq!(plain, 0);

        // Signing in now asks for a code; nothing else opens meanwhile.
        let c2 = app.client();
        let (status, _) = app.try_login(&c2, &user.email, TEST_PASSWORD).await;
        assert_eq!(status, 303);
        let home = c2.get(app.url("/")).send().await.unwrap();
        assert_eq!(location(&home), "/login/second-factor");
        assert_eq!(app.status(&c2, "/api/v1/me").await, 401);
        let page = c2
            .get(app.url("/login/second-factor"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf2 = yoldash_testkit::hidden_csrf(&page).unwrap();
        // The code used for the enrolment belongs to a step already used: refused (no replay).
        let secret = app.store.totp_secret(user.id).await.unwrap().unwrap();
        let code = yoldash_web::totp::current_code(&secret, &user.email).unwrap();
        let (status, body, _) = post_form(
            &c2,
            &app,
            "/login/second-factor",
            &[("csrf", &csrf2), ("code", &code)],
        )
        .await;
        assert_eq!(status, 422);
        assert!(body.contains("already been used"));
        // A recovery code works once.
        let (status, _, loc) = post_form(
            &c2,
            &app,
            "/login/second-factor",
            &[("csrf", &csrf2), ("code", &codes[0].to_uppercase())],
        )
        .await;
        assert_eq!((status, loc.as_deref()), (303, Some("/")));
        assert_eq!(app.status(&c2, "/api/v1/me").await, 200);
        let c3 = app.client();
        app.try_login(&c3, &user.email, TEST_PASSWORD).await;
        let page = c3
            .get(app.url("/login/second-factor"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf3 = yoldash_testkit::hidden_csrf(&page).unwrap();
        let (status, _, _) = post_form(
            &c3,
            &app,
            "/login/second-factor",
            &[("csrf", &csrf3), ("code", &codes[0])],
        )
        .await;
        assert_eq!(status, 422, "a recovery code works only once");
        // A fresh TOTP step is accepted (simulate the clock moving on by one step).
        app.exec(
            "UPDATE users SET totp_last_step = totp_last_step - 2 WHERE id = $1",
            &[Param::Text(&user.id.to_string())],
        )
        .await;
        let (status, _, loc) = post_form(
            &c3,
            &app,
            "/login/second-factor",
            &[("csrf", &csrf3), ("code", &code)],
        )
        .await;
        assert_eq!((status, loc.as_deref()), (303, Some("/")));
        let page = c3
            .get(app.url("/account/security"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("9 recovery codes left."),
            "plural form in English"
        );
    }
);

both_backends!(
    required_by_role_forces_enrolment,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let admin = app.create_user(app.admin_org.id, &[Role::Admin]).await;
        let (ac, acsrf) = app.login(&admin.email, TEST_PASSWORD).await;
        let (status, _, _) = post_form(
            &ac,
            &app,
            "/admin/settings",
            &[
                ("csrf", &acsrf),
                ("role", "case_worker"),
                ("role", "supervisor"),
            ],
        )
        .await;
        assert_eq!(status, 303);
        assert_eq!(
            app.store.second_factor_roles().await.unwrap(),
            vec![Role::Supervisor, Role::CaseWorker]
        );
        let worker = app.create_user(app.admin_org.id, &[Role::CaseWorker]).await;
        let (client, csrf) = app
            .login_to(&worker.email, TEST_PASSWORD, "/account/security/enrol")
            .await;
        // Until enrolled, everything else leads to the enrolment page.
        let home = client.get(app.url("/")).send().await.unwrap();
        assert_eq!(location(&home), "/account/security/enrol");
        assert_eq!(app.status(&client, "/api/v1/me").await, 403);
        enrol(&app, &client, &csrf, worker.id, &worker.email).await;
        assert_eq!(
            app.status(&client, "/").await,
            200,
            "the session is full once enrolled"
        );
        // The enrolment replaced the session (and its CSRF token).
        let page = client
            .get(app.url("/account/security"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = yoldash_testkit::hidden_csrf(&page).unwrap();
        // A required second factor cannot be turned off by its user.
        let (status, _, loc) = post_form(
            &client,
            &app,
            "/account/security/disable",
            &[("csrf", &csrf), ("password", TEST_PASSWORD)],
        )
        .await;
        assert_eq!((status, loc.as_deref()), (303, Some("/account/security")));
        assert!(
            app.store
                .second_factor_state(worker.id, &worker.roles)
                .await
                .unwrap()
                .enabled
        );
        // Viewers are not required.
        let viewer = app.create_user(app.admin_org.id, &[Role::Viewer]).await;
        let c = app.client();
        let (status, _) = app.try_login(&c, &viewer.email, TEST_PASSWORD).await;
        assert_eq!(status, 303);
        assert_eq!(app.status(&c, "/").await, 200);
    }
);

both_backends!(
    turning_off_and_signing_out_elsewhere,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let user = app.create_user(app.admin_org.id, &[Role::MeOfficer]).await;
        let (other, _) = app.login(&user.email, TEST_PASSWORD).await;
        let (client, csrf) = app.login(&user.email, TEST_PASSWORD).await;
        enrol(&app, &client, &csrf, user.id, &user.email).await;
        let page = client
            .get(app.url("/account/security"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("This browser"));
        let (status, _, _) = post_form(
            &client,
            &app,
            "/account/sessions/sign-out-others",
            &[("csrf", &csrf)],
        )
        .await;
        assert_eq!(status, 303);
        assert_eq!(app.status(&other, "/api/v1/me").await, 401);
        assert_eq!(app.status(&client, "/api/v1/me").await, 200);
        let (status, _, _) = post_form(
            &client,
            &app,
            "/account/security/disable",
            &[("csrf", &csrf), ("password", "wrong password here")],
        )
        .await;
        assert_eq!(status, 422);
        let (status, _, _) = post_form(
            &client,
            &app,
            "/account/security/disable",
            &[("csrf", &csrf), ("password", TEST_PASSWORD)],
        )
        .await;
        assert_eq!(status, 303);
        assert!(
            !app.store
                .second_factor_state(user.id, &user.roles)
                .await
                .unwrap()
                .enabled
        );
        let c = app.client();
        let (status, _) = app.try_login(&c, &user.email, TEST_PASSWORD).await;
        assert_eq!(status, 303);
        assert_eq!(
            app.status(&c, "/").await,
            200,
            "no code asked once it is off"
        );
    }
);
