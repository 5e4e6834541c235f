//! Administration screens: organisations, users and API tokens through their forms, as an
//! administrator and an organisation administrator would use them.

use yoldash_domain::Role;
use yoldash_testkit::{Backend, TEST_PASSWORD, TestApp, both_backends, create_org, spawn_app};

async fn post(
    client: &reqwest::Client,
    app: &TestApp,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String, String) {
    let p = app.post_form(client, path, fields).await;
    (p.status, p.location, p.body)
}

async fn get(client: &reqwest::Client, app: &TestApp, path: &str) -> String {
    app.page(client, path).await
}

fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let i = html.find(start).expect(start) + start.len();
    &html[i..i + html[i..].find(end).expect(end)]
}

both_backends!(
    organisations_through_the_forms,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let admin = app.create_user(app.admin_org.id, &[Role::Admin]).await;
        let (c, csrf) = app.login(&admin.email, TEST_PASSWORD).await;
        // Invalid: errors next to the fields, typed values kept.
        let (status, _, body) = post(
            &c,
            &app,
            "/admin/organisations/new",
            &[
                ("csrf", &csrf),
                ("code", "bad code!"),
                ("org_type", ""),
                ("name_en", ""),
                ("name_tk", "Täze gurama"),
            ],
        )
        .await;
        assert_eq!(status, 422);
        for field in ["code-error", "org_type-error", "name_en-error"] {
            assert!(body.contains(&format!("id=\"{field}\"")), "{field}");
        }
        assert!(body.contains("value=\"bad code!\"") && body.contains("value=\"Täze gurama\""));
        let (status, loc, _) = post(
            &c,
            &app,
            "/admin/organisations/new",
            &[
                ("csrf", &csrf),
                ("code", "ngo-mary"),
                ("org_type", "public_association"),
                ("name_en", "Mary women's centre"),
                ("name_ru", "Женский центр Мары"),
                ("region", "TM-M"),
            ],
        )
        .await;
        assert_eq!((status, loc.as_str()), (303, "/admin/organisations"));
        let list = get(&c, &app, "/admin/organisations").await;
        assert!(
            list.contains("NGO-MARY") && list.contains("The organisation was created."),
            "flash shown"
        );
        assert!(
            !get(&c, &app, "/admin/organisations")
                .await
                .contains("The organisation was created."),
            "flash shown once"
        );
        // A duplicate code is a field error.
        let (status, _, body) = post(
            &c,
            &app,
            "/admin/organisations/new",
            &[
                ("csrf", &csrf),
                ("code", "NGO-MARY"),
                ("org_type", "service_provider"),
                ("name_en", "Other"),
            ],
        )
        .await;
        assert_eq!(status, 422);
        assert!(body.contains("id=\"code-error\""));
        // Two editors: the second gets a conflict, keeps their text and sees the stored values.
        let org = app.store.organisation_by_code("NGO-MARY").await.unwrap();
        let path = format!("/admin/organisations/{}", org.id);
        let form = get(&c, &app, &path).await;
        let version = between(&form, "name=\"version\" value=\"", "\"").to_string();
        let (status, _, _) = post(
            &c,
            &app,
            &path,
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("org_type", "public_association"),
                ("name_en", "First edit"),
                ("region", "TM-M"),
            ],
        )
        .await;
        assert_eq!(status, 303);
        let (status, _, body) = post(
            &c,
            &app,
            &path,
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("org_type", "public_association"),
                ("name_en", "Second edit"),
                ("region", "TM-M"),
            ],
        )
        .await;
        assert_eq!(status, 409);
        assert!(
            body.contains("Someone else changed this record")
                && body.contains("value=\"Second edit\"")
                && body.contains("First edit")
        );
        assert_eq!(
            app.store.organisation(org.id).await.unwrap().name_in("en"),
            "First edit"
        );
        // One's own organisation's page offers no deactivation, and says who may do it.
        let own = app
            .page(&c, &format!("/admin/organisations/{}", app.admin_org.id))
            .await;
        assert!(
            !own.contains("/deactivate\""),
            "deactivation offered for one's own"
        );
        assert!(own.contains("ask an administrator of another organisation"));
        // Deactivation from the form asks first, naming the organisation; one's own
        // organisation is refused.
        let (status, _, body) =
            post(&c, &app, &format!("{path}/deactivate"), &[("csrf", &csrf)]).await;
        assert_eq!(status, 200);
        assert!(body.contains("Deactivate an organisation"), "{body}");
        assert!(app.store.organisation(org.id).await.unwrap().active);
        let (status, _, _) = post(
            &c,
            &app,
            &format!("{path}/deactivate"),
            &[("csrf", &csrf), ("confirm", "1")],
        )
        .await;
        assert_eq!(status, 303);
        assert!(!app.store.organisation(org.id).await.unwrap().active);
        post(
            &c,
            &app,
            &format!("/admin/organisations/{}/deactivate", app.admin_org.id),
            &[("csrf", &csrf), ("confirm", "1")],
        )
        .await;
        assert!(
            app.store
                .organisation(app.admin_org.id)
                .await
                .unwrap()
                .active
        );
    }
);

both_backends!(
    new_user_with_one_time_password,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let admin = app.create_user(app.admin_org.id, &[Role::Admin]).await;
        let (c, csrf) = app.login(&admin.email, TEST_PASSWORD).await;
        let org = app.admin_org.id.to_string();
        let (status, _, body) = post(
            &c,
            &app,
            "/admin/users/new",
            &[
                ("csrf", &csrf),
                ("email", "not-an-email"),
                ("display_name", "Jeren"),
                ("org", &org),
                ("language", "tk"),
            ],
        )
        .await;
        assert_eq!(status, 422);
        assert!(
            body.contains("id=\"email-error\"")
                && body.contains("id=\"roles-error\"")
                && body.contains("value=\"Jeren\"")
        );
        let (status, _, body) = post(
            &c,
            &app,
            "/admin/users/new",
            &[
                ("csrf", &csrf),
                ("email", "jeren@ngo.tm"),
                ("display_name", "Jeren Ataýewa"),
                ("org", &org),
                ("roles", "case_worker"),
                ("roles", "supervisor"),
                ("language", "tk"),
            ],
        )
        .await;
        assert_eq!(status, 200);
        let password = between(&body, "id=\"one-time-password\">", "<").to_string();
        assert_eq!(password.len(), 19);
        let user = app.store.user_by_email("jeren@ngo.tm").await.unwrap();
        assert!(user.must_change_password);
        assert_eq!(user.roles, vec![Role::Supervisor, Role::CaseWorker]);
        // The new user signs in with it and must change it first; the page is in Turkmen.
        let nc = app.client();
        let (status, _) = app.try_login(&nc, "jeren@ngo.tm", &password).await;
        assert_eq!(status, 303);
        let home = nc.get(app.url("/")).send().await.unwrap();
        assert_eq!(home.headers()["location"], "/account/password");
        let page = get(&nc, &app, "/account/password").await;
        assert!(
            page.contains("Administrator açar sözüňizi täzeledi"),
            "forced-change notice in Turkmen"
        );
        let ncsrf = yoldash_testkit::hidden_csrf(&page).unwrap();
        let new = "gök asmanda ak bulut";
        let (status, _, _) = post(
            &nc,
            &app,
            "/account/password",
            &[
                ("csrf", &ncsrf),
                ("current", &password),
                ("new", new),
                ("confirm", new),
            ],
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(app.status(&nc, "/").await, 200);
        // Reset by the administrator: a new one-time password, sessions end.
        let (status, _, body) = post(
            &c,
            &app,
            &format!("/admin/users/{}/reset-password", user.id),
            &[("csrf", &csrf)],
        )
        .await;
        assert_eq!(status, 200);
        assert!(body.contains("id=\"one-time-password\""));
        assert_eq!(app.status(&nc, "/").await, 303);
        // Disabling asks first, naming the account.
        let disable = format!("/admin/users/{}/disable", user.id);
        let (status, _, body) = post(&c, &app, &disable, &[("csrf", &csrf)]).await;
        assert_eq!(status, 200);
        assert!(body.contains(&user.email), "{body}");
        assert!(app.store.user(user.id).await.unwrap().active);
        let (status, _, _) = post(&c, &app, &disable, &[("csrf", &csrf), ("confirm", "1")]).await;
        assert_eq!(status, 303);
        assert!(!app.store.user(user.id).await.unwrap().active);
    }
);

both_backends!(
    organisation_administrators_stay_in_their_organisation,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let other = create_org(&app.store, "ELSEWHERE").await;
        let org_admin = app.create_user(app.admin_org.id, &[Role::OrgAdmin]).await;
        let colleague = app.create_user(app.admin_org.id, &[Role::CaseWorker]).await;
        let stranger = app.create_user(other.id, &[Role::CaseWorker]).await;
        let (c, csrf) = app.login(&org_admin.email, TEST_PASSWORD).await;
        let list = get(&c, &app, "/admin/users").await;
        assert!(list.contains(&colleague.email) && !list.contains(&stranger.email));
        assert_eq!(
            app.status(&c, &format!("/admin/users/{}", stranger.id))
                .await,
            404
        );
        let form = get(&c, &app, "/admin/users/new").await;
        assert!(
            !form.contains("value=\"admin\""),
            "cannot grant system administration"
        );
        assert!(
            !form.contains(&other.id.to_string()),
            "cannot pick another organisation"
        );
        let (status, _, body) = post(
            &c,
            &app,
            "/admin/users/new",
            &[
                ("csrf", &csrf),
                ("email", "x@y.tm"),
                ("display_name", "X"),
                ("org", &app.admin_org.id.to_string()),
                ("roles", "admin"),
                ("language", "en"),
            ],
        )
        .await;
        assert_eq!(status, 422);
        assert!(body.contains("id=\"roles-error\""));
        let (status, _, _) = post(
            &c,
            &app,
            "/admin/users/new",
            &[
                ("csrf", &csrf),
                ("email", "x@y.tm"),
                ("display_name", "X"),
                ("org", &other.id.to_string()),
                ("roles", "viewer"),
                ("language", "en"),
            ],
        )
        .await;
        assert_eq!(status, 422);
        // Edit a colleague with the version seen; a stale version gives a conflict.
        let path = format!("/admin/users/{}", colleague.id);
        let (status, _, _) = post(
            &c,
            &app,
            &path,
            &[
                ("csrf", &csrf),
                ("version", "1"),
                ("display_name", "Renamed"),
                ("roles", "case_worker"),
                ("language", "ru"),
                ("second_factor_required", "on"),
            ],
        )
        .await;
        assert_eq!(status, 303);
        let (status, _, body) = post(
            &c,
            &app,
            &path,
            &[
                ("csrf", &csrf),
                ("version", "1"),
                ("display_name", "Other name"),
                ("roles", "case_worker"),
                ("language", "en"),
            ],
        )
        .await;
        assert_eq!(status, 409);
        assert!(body.contains("value=\"Other name\"") && body.contains("Renamed"));
        let now = app.store.user(colleague.id).await.unwrap();
        assert_eq!(
            (now.display_name.as_str(), now.language.as_str()),
            ("Renamed", "ru")
        );
        assert!(
            app.store
                .second_factor_required_by_admin(colleague.id)
                .await
                .unwrap()
        );
        // The organisation administrator cannot drop their own administration role.
        let own = format!("/admin/users/{}", org_admin.id);
        let (status, _, body) = post(
            &c,
            &app,
            &own,
            &[
                ("csrf", &csrf),
                ("version", "1"),
                ("display_name", "Me"),
                ("roles", "viewer"),
                ("language", "en"),
            ],
        )
        .await;
        assert_eq!(status, 422);
        assert!(body.contains("cannot remove your own administration role"));
    }
);

both_backends!(api_tokens_page, |backend: Backend| async move {
    let app = spawn_app(backend).await;
    let admin = app.create_user(app.admin_org.id, &[Role::Admin]).await;
    let worker = app.create_user(app.admin_org.id, &[Role::MeOfficer]).await;
    let (c, csrf) = app.login(&admin.email, TEST_PASSWORD).await;
    let (status, _, body) = post(
        &c,
        &app,
        "/admin/tokens",
        &[
            ("csrf", &csrf),
            ("email", "nobody@x.tm"),
            ("label", "sync"),
            ("expires_in", "abc"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        body.contains("id=\"email-error\"")
            && body.contains("id=\"expires_in-error\"")
            && body.contains("value=\"sync\"")
    );
    let (status, _, body) = post(
        &c,
        &app,
        "/admin/tokens",
        &[
            ("csrf", &csrf),
            ("email", &worker.email),
            ("label", "DHIS2 sync"),
            ("expires_in", "90"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let token = between(&body, "id=\"new-token\">", "<").to_string();
    assert!(token.starts_with("yld_"));
    let me = app
        .client()
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    let list = get(&c, &app, "/admin/tokens").await;
    assert!(
        list.contains("DHIS2 sync") && !list.contains(&token),
        "the value is never shown again"
    );
    let id = app.store.tokens(Some(worker.id)).await.unwrap()[0].id;
    let (status, _, _) = post(
        &c,
        &app,
        &format!("/admin/tokens/{id}/revoke"),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(status, 303);
    let me = app
        .client()
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 401);
});

both_backends!(
    language_switch_is_remembered,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let user = app.create_user(app.admin_org.id, &[Role::Admin]).await;
        let (c, csrf) = app.login(&user.email, TEST_PASSWORD).await;
        let res = c
            .get(app.url("/lang/ru?next=/admin/users"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["location"], "/admin/users");
        let page = get(&c, &app, "/admin/users").await;
        assert!(page.contains("<html lang=\"ru\">") && page.contains("Пользователи"));
        // The page shell's switch posts (a GET changes the browser's cookie only).
        let res = app
            .post_form(
                &c,
                "/lang/tk",
                &[("csrf", &csrf), ("next", "//evil.example")],
            )
            .await;
        assert_eq!(res.location, "/");
        let page = get(&c, &app, "/").await;
        assert!(page.contains("<html lang=\"tk\">") && page.contains("Hoş geldiňiz"));
        // The user's saved preference applies where no switch was made.
        let fresh = app.client();
        let (status, _) = app.try_login(&fresh, &user.email, TEST_PASSWORD).await;
        assert_eq!(status, 303);
        assert!(
            get(&fresh, &app, "/").await.contains("<html lang=\"tk\">"),
            "the switch updates the preference"
        );
    }
);

both_backends!(
    each_home_shows_only_the_work_of_its_roles,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        for (role, case_work, coming) in [
            (Role::CaseWorker, true, None),
            (Role::OrgAdmin, false, None),
            (
                Role::Secretariat,
                false,
                Some("National Action Plan monitoring"),
            ),
            (Role::MeOfficer, false, Some("Gender-sensitive indicators")),
            (Role::Viewer, false, Some("Published figures and reports")),
        ] {
            let user = app.create_user(app.admin_org.id, &[role]).await;
            let (c, _) = app.login(&user.email, TEST_PASSWORD).await;
            let home = get(&c, &app, "/").await;
            assert_eq!(home.contains("My open work"), case_work, "{role:?}");
            assert_eq!(
                home.contains("What you will find here"),
                coming.is_some(),
                "{role:?}"
            );
            if let Some(line) = coming {
                assert!(home.contains(line), "{role:?}: {home}");
            }
        }
    }
);
