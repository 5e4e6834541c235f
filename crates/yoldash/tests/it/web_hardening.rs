//! Issue 10, web side: redirects stay on the site, the language switch saves a preference
//! only by POST, https deployments get HSTS and `__Host-` cookies, the audit log records its
//! own reads and refused case requests, every audit entry carries its request id, an
//! administrator cannot lock every administrator out, and one address's failed sign-ins do
//! not lock the owner out from another.

use crate::cases::{register, sign_in};
use crate::{stderr, stdout, yoldash};
use yoldash_domain::Role;
use yoldash_testkit::{
    Backend, TEST_PASSWORD, TestApp, both_backends, create_org, hidden_csrf, location, spawn_app,
    spawn_app_with,
};

/// `next` values (as they appear in the query string) that must never leave the site.
const HOSTILE_NEXT: [&str; 14] = [
    "/%09/evil.example",
    "/%0d%0aSet-Cookie:%20x=y",
    "%0d%0a",
    "//evil.example",
    "///evil.example",
    "/%5Cevil.example",
    "%2F%5Cevil.example",
    "/%252F/evil.example",
    "/%2F/evil.example",
    "https://evil.example",
    "javascript:alert(1)",
    "/%EF%BC%8Fevil.example",
    "/%E2%80%AE/evil.example",
    "evil.example",
];

both_backends!(
    language_switch_stays_on_the_site,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let user = app.create_user(app.admin_org.id, &[Role::Admin]).await;
        let (signed_in, csrf) = app.login(&user.email, TEST_PASSWORD).await;
        let anonymous = app.client();
        for next in HOSTILE_NEXT {
            let res = anonymous
                .get(app.url(&format!("/lang/en?next={next}")))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 303, "GET next={next}");
            assert_eq!(location(&res), "/", "GET next={next}");
            let res = signed_in
                .post(app.url("/lang/en"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!("csrf={csrf}&next={next}"))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 303, "POST next={next}");
            assert_eq!(location(&res), "/", "POST next={next}");
        }
        let res = anonymous
            .get(app.url("/lang/ru?next=/login"))
            .send()
            .await
            .unwrap();
        assert_eq!(location(&res), "/login");
    }
);

both_backends!(
    language_preference_is_saved_only_by_post,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let user = app.create_user(app.admin_org.id, &[Role::Admin]).await;
        let saved = |app: &TestApp| {
            let store = app.store.clone();
            async move { store.user(user.id).await.unwrap().language }
        };
        // The sign-in page: links, and a GET switches the page's language.
        let anonymous = app.client();
        let login = app.page(&anonymous, "/login").await;
        assert!(login.contains("href=\"/lang/ru?next="), "{login}");
        anonymous
            .get(app.url("/lang/ru?next=/login"))
            .send()
            .await
            .unwrap();
        assert!(
            app.page(&anonymous, "/login")
                .await
                .contains("<html lang=\"ru\">")
        );

        let (c, csrf) = app.login(&user.email, TEST_PASSWORD).await;
        // A GET (a link, an image, a page of another site) changes this browser only.
        let res = c.get(app.url("/lang/tk?next=/")).send().await.unwrap();
        assert_eq!(res.status(), 303);
        assert!(app.page(&c, "/").await.contains("<html lang=\"tk\">"));
        assert_eq!(saved(&app).await, "en", "a GET must not change the account");

        // The shell of a signed-in page: a form that posts with the CSRF token.
        let home = app.page(&c, "/").await;
        assert!(
            home.contains("formaction=\"/lang/ru\"") && home.contains("name=\"next\" value=\"/\""),
            "{home}"
        );
        let forged = app
            .post_form(&c, "/lang/ru", &[("next", "/admin/users")])
            .await;
        assert_eq!(forged.status, 403, "no CSRF token");
        assert_eq!(saved(&app).await, "en");
        let posted = app
            .post_form(&c, "/lang/ru", &[("csrf", &csrf), ("next", "/admin/users")])
            .await;
        assert_eq!(
            (posted.status, posted.location.as_str()),
            (303, "/admin/users")
        );
        assert_eq!(saved(&app).await, "ru");
        assert!(app.page(&c, "/").await.contains("<html lang=\"ru\">"));
    }
);

/// The `Set-Cookie` headers of a response.
fn set_cookies(res: &reqwest::Response) -> Vec<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

/// The value of cookie `name` among `Set-Cookie` headers.
fn cookie_value(cookies: &[String], name: &str) -> Option<String> {
    cookies.iter().find_map(|c| {
        c.strip_prefix(&format!("{name}="))
            .map(|rest| rest.split(';').next().unwrap_or_default().to_string())
    })
}

both_backends!(
    https_deployments_send_hsts_and_host_cookies,
    |backend: Backend| async move {
        let app = spawn_app_with(backend, |c| {
            c.public_url = Some("https://yoldash.example.tm".into())
        })
        .await;
        let user = app.create_user(app.admin_org.id, &[Role::Admin]).await;
        // No cookie store: the client would keep Secure cookies from a plain-http test server.
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let res = client.get(app.url("/login")).send().await.unwrap();
        assert_eq!(
            res.headers()["strict-transport-security"],
            "max-age=63072000"
        );
        let cookies = set_cookies(&res);
        let csrf_cookie = cookies
            .iter()
            .find(|c| c.starts_with("__Host-yoldash_csrf="))
            .unwrap_or_else(|| panic!("a __Host- CSRF cookie: {cookies:?}"));
        for flag in ["; Secure", "; Path=/", "; HttpOnly"] {
            assert!(csrf_cookie.contains(flag), "{csrf_cookie}");
        }
        assert!(!csrf_cookie.to_lowercase().contains("domain="));
        let csrf = cookie_value(&cookies, "__Host-yoldash_csrf").unwrap();
        assert_eq!(hidden_csrf(&res.text().await.unwrap()).unwrap(), csrf);

        let res = client
            .post(app.url("/login"))
            .header("cookie", format!("__Host-yoldash_csrf={csrf}"))
            .form(&[
                ("email", user.email.as_str()),
                ("password", TEST_PASSWORD),
                ("csrf", csrf.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        assert!(res.headers().contains_key("strict-transport-security"));
        let cookies = set_cookies(&res);
        let session = cookie_value(&cookies, "__Host-yoldash_session")
            .unwrap_or_else(|| panic!("a __Host- session cookie: {cookies:?}"));
        assert!(
            cookies.iter().all(|c| c.contains("; Secure")),
            "{cookies:?}"
        );

        // The session is read under its prefixed name only.
        let home = client
            .get(app.url("/"))
            .header("cookie", format!("__Host-yoldash_session={session}"))
            .send()
            .await
            .unwrap();
        assert_eq!(home.status(), 200);
        let unprefixed = client
            .get(app.url("/"))
            .header("cookie", format!("yoldash_session={session}"))
            .send()
            .await
            .unwrap();
        assert_eq!(location(&unprefixed), "/login");

        let lang = client.get(app.url("/lang/ru?next=/")).send().await.unwrap();
        let cookies = set_cookies(&lang);
        assert!(
            cookies
                .iter()
                .any(|c| c.starts_with("__Host-yoldash_lang=ru;") && c.contains("; Secure")),
            "{cookies:?}"
        );
        // Every response, errors included.
        for path in ["/no/such/page", "/api/v1/me", "/healthz"] {
            let res = client.get(app.url(path)).send().await.unwrap();
            assert!(
                res.headers().contains_key("strict-transport-security"),
                "{path}"
            );
        }

        // Over plain http: neither.
        let plain = spawn_app(backend).await;
        let res = client.get(plain.url("/login")).send().await.unwrap();
        assert!(!res.headers().contains_key("strict-transport-security"));
        let cookies = set_cookies(&res);
        assert!(
            cookies
                .iter()
                .any(|c| c.starts_with("yoldash_csrf=") && !c.contains("Secure")),
            "{cookies:?}"
        );
    }
);

/// Whether the test organisation is active.
async fn own_org_active(app: &TestApp) -> bool {
    app.store
        .organisation(app.admin_org.id)
        .await
        .unwrap()
        .active
}

/// The `x-request-id` of a response.
fn request_id(res: &reqwest::Response) -> String {
    res.headers()["x-request-id"].to_str().unwrap().to_string()
}

/// A GET with an API token.
async fn api_get(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.client()
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// The audit entries of one kind: (actor, object type, object id, request id, detail).
type Entry = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

async fn entries(app: &TestApp, action: &str) -> Vec<Entry> {
    sqlx::query_as(
        "SELECT actor_user_id, object_type, object_id, request_id, detail FROM audit_log \
         WHERE action = $1 ORDER BY seq",
    )
    .bind(action)
    .fetch_all(&app.store.db.pool)
    .await
    .unwrap()
}

both_backends!(
    refused_case_requests_are_audited,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let owner = sign_in(&app, app.admin_org.id, &[Role::CaseWorker]).await;
        let code = register(&app, &owner, &[]).await;
        let other_org = create_org(&app.store, "OTHER-ORG").await;
        let outsider = sign_in(&app, other_org.id, &[Role::Supervisor]).await;
        let token = app.token_for(&outsider.user).await;
        let case_id: String = sqlx::query_scalar("SELECT id FROM cases WHERE code = $1")
            .bind(&code)
            .fetch_one(&app.store.db.pool)
            .await
            .unwrap();

        let res = outsider
            .client
            .get(app.url(&format!("/cases/{code}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404);
        let page_request = request_id(&res);
        let res = api_get(&app, &token, &format!("/api/v1/cases/{code}")).await;
        assert_eq!(res.status(), 404);
        let api_request = request_id(&res);
        // A write is refused the same way.
        let res = app
            .post_form(
                &outsider.client,
                &format!("/cases/{code}/status"),
                &[("csrf", &outsider.csrf), ("to", "closed"), ("version", "1")],
            )
            .await;
        assert_eq!(res.status, 404);
        // A code that exists nowhere, and something that is not a code at all.
        assert_eq!(
            app.status(&outsider.client, "/cases/C-0000-0000").await,
            404
        );
        assert_eq!(
            app.status(&outsider.client, "/cases/Ayna%20Berdi").await,
            404
        );
        // The owner opening their own case is a read, not a refusal.
        assert_eq!(
            app.status(&owner.client, &format!("/cases/{code}")).await,
            200
        );

        // A record of another case, asked for through one's own case, is a probe too.
        let foreign = uuid::Uuid::now_v7();
        assert_eq!(
            app.status(&owner.client, &format!("/cases/{code}/household/{foreign}"))
                .await,
            404
        );
        assert_eq!(
            app.status(&owner.client, &format!("/cases/{code}/household/Ayna"))
                .await,
            404
        );

        let refused = entries(&app, "access_refused").await;
        assert_eq!(refused.len(), 7, "{refused:?}");
        let who = Some(outsider.user.id.to_string());
        let case = (Some("case".to_string()), Some(case_id.clone()));
        assert_eq!(
            refused[0],
            (
                who.clone(),
                case.0.clone(),
                case.1.clone(),
                Some(page_request),
                Some("route=GET /cases/{code}; outside scope".into())
            )
        );
        assert_eq!(
            refused[1],
            (
                who.clone(),
                case.0.clone(),
                case.1.clone(),
                Some(api_request),
                Some("route=GET /api/v1/cases/{code}; outside scope".into())
            )
        );
        assert_eq!(
            refused[2].4.as_deref(),
            Some("route=POST /cases/{code}/status; outside scope")
        );
        assert_eq!(
            (refused[3].1.as_deref(), refused[3].2.as_deref()),
            (Some("case_code"), Some("C-0000-0000"))
        );
        assert_eq!(
            (
                refused[4].1.as_deref(),
                refused[4].2.as_deref(),
                refused[4].4.as_deref()
            ),
            (None, None, Some("route=GET /cases/{code}; not a case code"))
        );
        let owner_id = Some(owner.user.id.to_string());
        assert_eq!(
            (
                refused[5].0.clone(),
                refused[5].2.clone(),
                refused[5].4.clone()
            ),
            (
                owner_id.clone(),
                case.1.clone(),
                Some(format!(
                    "route=GET /cases/{{code}}/household/{{id}}; record {foreign} not in this case"
                ))
            )
        );
        assert_eq!(
            refused[6].4.as_deref(),
            Some("route=GET /cases/{code}/household/{id}; not a record id")
        );
        // Nothing a person typed beyond a case code reaches the log.
        let all: Vec<String> = sqlx::query_scalar(
            "SELECT COALESCE(object_id, '') || ' ' || COALESCE(detail, '') FROM audit_log",
        )
        .fetch_all(&app.store.db.pool)
        .await
        .unwrap();
        assert!(all.iter().all(|e| !e.contains("Ayna")), "{all:?}");
    }
);

both_backends!(
    reading_the_audit_log_is_audited,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let admin = sign_in(&app, app.admin_org.id, &[Role::Admin]).await;
        let token = app.token_for(&admin.user).await;
        let email = admin.user.email.clone();
        let res = admin
            .client
            .get(app.url(&format!("/admin/audit?user={email}&action=login")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let page_request = request_id(&res);
        assert_eq!(
            app.status(&admin.client, "/admin/audit/alerts?days=3")
                .await,
            200
        );
        let res = api_get(&app, &token, "/api/v1/audit?action=login&limit=5").await;
        assert_eq!(res.status(), 200);
        let api_request = request_id(&res);
        let rows = res.json::<Vec<serde_json::Value>>().await.unwrap().len();

        let reads: Vec<Entry> = entries(&app, "list")
            .await
            .into_iter()
            .filter(|e| e.1.as_deref() == Some("audit_log"))
            .collect();
        let me = Some(admin.user.id.to_string());
        assert_eq!(
            reads,
            vec![
                (
                    me.clone(),
                    Some("audit_log".into()),
                    None,
                    Some(page_request),
                    Some("route=GET /admin/audit; filters=user,action".into())
                ),
                (
                    me.clone(),
                    Some("audit_log".into()),
                    None,
                    reads[1].3.clone(),
                    Some("route=GET /admin/audit/alerts; days=3".into())
                ),
                (
                    me,
                    Some("audit_log".into()),
                    None,
                    Some(api_request),
                    Some(format!(
                        "route=GET /api/v1/audit; filters=action,limit; rows={rows}"
                    ))
                ),
            ]
        );
        // The filter's value (an e-mail address) stays out of the log.
        let details: Vec<String> = sqlx::query_scalar("SELECT COALESCE(detail, '') FROM audit_log")
            .fetch_all(&app.store.db.pool)
            .await
            .unwrap();
        assert!(details.iter().all(|d| !d.contains(&email)));
    }
);

/// The request id of the newest audit entry about `object_id` with `action`.
async fn request_of(app: &TestApp, action: &str, object_id: &str) -> Option<String> {
    sqlx::query_scalar(
        "SELECT request_id FROM audit_log WHERE action = $1 AND object_id = $2 \
         ORDER BY seq DESC LIMIT 1",
    )
    .bind(action)
    .bind(object_id)
    .fetch_one(&app.store.db.pool)
    .await
    .unwrap()
}

both_backends!(
    creates_and_updates_carry_the_request_id,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let admin = app.create_user(app.admin_org.id, &[Role::Admin]).await;
        let token = app.token_for(&admin).await;
        let api = app.client();
        let res = api
            .post(app.url("/api/v1/organisations"))
            .bearer_auth(&token)
            .json(&serde_json::json!({
                "code": "NEW-ORG",
                "org_type": "public_association",
                "names": {"en": "New organisation"}
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let created = request_id(&res);
        let org: serde_json::Value = res.json().await.unwrap();
        let org_id = org["id"].as_str().unwrap().to_string();
        assert_eq!(
            request_of(&app, "create", &org_id).await.as_deref(),
            Some(created.as_str())
        );

        let user = app.create_user(app.admin_org.id, &[Role::Viewer]).await;
        let res = api
            .put(app.url(&format!("/api/v1/users/{}", user.id)))
            .bearer_auth(&token)
            .json(&serde_json::json!({
                "version": user.version.0,
                "display_name": "Renamed",
                "language": "tk"
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let updated = request_id(&res);
        assert_eq!(
            request_of(&app, "update", &user.id.to_string())
                .await
                .as_deref(),
            Some(updated.as_str())
        );

        let res = api
            .post(app.url(&format!("/api/v1/organisations/{org_id}/deactivate")))
            .bearer_auth(&token)
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let disabled = request_id(&res);
        assert_eq!(
            request_of(&app, "disable", &org_id).await.as_deref(),
            Some(disabled.as_str())
        );
        // Every entry written while serving a request names it: none is left without.
        let admin_entries: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE actor_user_id = $1 AND request_id IS NULL",
        )
        .bind(admin.id.to_string())
        .fetch_one(&app.store.db.pool)
        .await
        .unwrap();
        assert_eq!(admin_entries, 0);
    }
);

both_backends!(
    an_administrator_cannot_deactivate_their_own_organisation,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let admin = app.create_user(app.admin_org.id, &[Role::Admin]).await;
        let token = app.token_for(&admin).await;
        let res = app
            .client()
            .post(app.url(&format!(
                "/api/v1/organisations/{}/deactivate",
                app.admin_org.id
            )))
            .bearer_auth(&token)
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422);
        let problem: serde_json::Value = res.json().await.unwrap();
        assert_eq!(problem["errors"][0]["code"], "cannot-deactivate-own");
        assert_eq!(
            problem["errors"][0]["message"],
            "You cannot deactivate your own organisation."
        );
        assert!(own_org_active(&app).await);
        // The token still works: nobody was locked out.
        let me = api_get(&app, &token, "/api/v1/me").await;
        assert_eq!(me.status(), 200);
    }
);

both_backends!(
    the_command_line_keeps_an_administrator_and_can_activate,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let admin = app.create_user(app.admin_org.id, &[Role::Admin]).await;
        // The only organisation with an administrator: refused, with the reason.
        let out = yoldash(&app, &["org", "deactivate", "--code", "TEST-ORG"]);
        assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
        assert!(
            stderr(&out).contains("last organisation with an active system administrator"),
            "{}",
            stderr(&out)
        );
        assert!(own_org_active(&app).await);

        // With an administrator elsewhere it goes ahead; `org activate` undoes it.
        let other = create_org(&app.store, "OTHER-ORG").await;
        app.create_user(other.id, &[Role::Admin]).await;
        let out = yoldash(&app, &["org", "deactivate", "--code", "TEST-ORG"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let client = app.client();
        let (status, _) = app.try_login(&client, &admin.email, TEST_PASSWORD).await;
        assert_eq!(
            status, 200,
            "a deactivated organisation's users cannot sign in"
        );
        let out = yoldash(&app, &["org", "activate", "--code", "TEST-ORG"]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(
            stdout(&out).contains("activated TEST-ORG"),
            "{}",
            stdout(&out)
        );
        assert!(own_org_active(&app).await);
        let (status, _) = app.try_login(&client, &admin.email, TEST_PASSWORD).await;
        assert_eq!(status, 303, "signs in again");
        let out = yoldash(&app, &["org", "activate", "--code", "NO-SUCH"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(stderr(&out).contains("not found"), "{}", stderr(&out));
    }
);

both_backends!(
    a_public_url_must_be_the_address_of_a_host,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        for bad in [
            "notaurl",
            "yoldash.example.tm",
            "ftp://yoldash.example.tm",
            "https://yoldash.example.tm/app",
            "https://user:secret@yoldash.example.tm",
        ] {
            let out = yoldash(
                &app,
                &["serve", "--listen", "127.0.0.1:0", "--public-url", bad],
            );
            assert_eq!(out.status.code(), Some(1), "{bad}: {}", stderr(&out));
            assert!(
                stderr(&out).contains("--public-url") && stderr(&out).contains("refused"),
                "{bad}: {}",
                stderr(&out)
            );
        }
    }
);

/// A client whose requests arrive from `address` (through the trusted proxy).
/// The body of the answer to `req`, whatever its status.
async fn text_of(req: reqwest::RequestBuilder) -> String {
    req.send().await.unwrap().text().await.unwrap()
}

fn client_from(address: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-forwarded-for", address.parse().unwrap());
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .default_headers(headers)
        .build()
        .unwrap()
}

both_backends!(
    failed_sign_ins_elsewhere_do_not_lock_the_owner_out,
    |backend: Backend| async move {
        let app = spawn_app_with(backend, |c| c.trusted_proxy = true).await;
        let owner = app.create_user(app.admin_org.id, &[Role::Viewer]).await;
        let attacker = client_from("203.0.113.9");
        let mut statuses = Vec::new();
        for _ in 0..8 {
            statuses.push(
                app.try_login(&attacker, &owner.email, "wrong password!")
                    .await
                    .0,
            );
        }
        assert_eq!(statuses, [200, 200, 200, 200, 200, 429, 429, 429]);
        // The owner, from an address with no failures, signs in.
        let home = client_from("198.51.100.7");
        let (status, _) = app.try_login(&home, &owner.email, TEST_PASSWORD).await;
        assert_eq!(status, 303, "the owner is not locked out");
        // The attacker's address stays throttled, even with the right password.
        let (status, _) = app.try_login(&attacker, &owner.email, TEST_PASSWORD).await;
        assert_eq!(status, 429);
    }
);

both_backends!(
    common_passwords_are_refused_with_a_translated_message,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let user = app.create_user(app.admin_org.id, &[Role::Viewer]).await;
        let (client, csrf) = app.login(&user.email, TEST_PASSWORD).await;
        for (lang, message) in [
            ("en", "This password is too common or too simple."),
            ("ru", "Этот пароль слишком распространённый или простой."),
            ("tk", "Bu açar sözi örän giňden ýaýran ýa-da ýönekeý."),
        ] {
            client
                .get(app.url(&format!("/lang/{lang}?next=/")))
                .send()
                .await
                .unwrap();
            for common in ["qwertyuiop12", "Sunshine2026!", "p@ssw0rd12345"] {
                let res = app
                    .post_form(
                        &client,
                        "/account/password",
                        &[
                            ("csrf", &csrf),
                            ("current", TEST_PASSWORD),
                            ("new", common),
                            ("confirm", common),
                        ],
                    )
                    .await;
                assert_eq!(res.status, 422, "{common}");
                assert!(res.body.contains(message), "{lang} {common}: {}", res.body);
            }
        }
        // The API's account creation applies the same policy.
        let admin = app.create_user(app.admin_org.id, &[Role::Admin]).await;
        let token = app.token_for(&admin).await;
        let res = app
            .client()
            .post(app.url("/api/v1/users"))
            .bearer_auth(&token)
            .json(
                &serde_json::json!({"email": "new@x.tm", "display_name": "New",
                "roles": ["viewer"], "password": "qwertyuiop12"}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422);
        let problem: serde_json::Value = res.json().await.unwrap();
        assert!(
            problem["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == "password" && e["code"] == "password-common"),
            "{problem}"
        );
        // The system's name and the person's own name, dressed up, are refused too.
        for (name, password) in [
            ("Ayna Berdiyeva", "Yoldash2026!"),
            ("Ayna Berdiyeva", "Berdiyeva1990!"),
        ] {
            let res = app
                .client()
                .post(app.url("/api/v1/users"))
                .bearer_auth(&token)
                .json(
                    &serde_json::json!({"email": "ayna@x.tm", "display_name": name,
                    "roles": ["viewer"], "password": password}),
                )
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 422, "{password}");
            let problem: serde_json::Value = res.json().await.unwrap();
            assert_eq!(
                problem["errors"][0]["code"], "password-contains-name",
                "{problem}"
            );
        }
        let res = app
            .post_form(
                &client,
                "/account/password",
                &[
                    ("csrf", &csrf),
                    ("current", TEST_PASSWORD),
                    ("new", "Test-User-2026"),
                    ("confirm", "Test-User-2026"),
                ],
            )
            .await;
        assert_eq!(res.status, 422);
        assert!(
            res.body
                .contains("Açar sözi adyňyza ýa-da ulgamyň adyna esaslanmaly däl."),
            "{}",
            res.body
        );
    }
);

both_backends!(
    health_details_are_for_the_host_and_auditors,
    |backend: Backend| async move {
        let app = spawn_app_with(backend, |c| c.trusted_proxy = true).await;
        let health = |client: reqwest::Client| {
            let url = app.url("/healthz");
            async move {
                let res = client.get(url).send().await.unwrap();
                assert_eq!(res.status(), 200);
                res.json::<serde_json::Value>().await.unwrap()
            }
        };
        // From outside: whether to send traffic, nothing more; no page names the version
        // to someone not signed in.
        let outside = client_from("203.0.113.9");
        let login = text_of(outside.get(app.url("/login"))).await;
        assert!(!login.contains(env!("CARGO_PKG_VERSION")), "{login}");
        assert_eq!(
            health(outside.clone()).await,
            serde_json::json!({"status": "ok"})
        );
        // Signed in without the audit log: the same.
        let viewer = app.create_user(app.admin_org.id, &[Role::Viewer]).await;
        let (status, _) = app.try_login(&outside, &viewer.email, TEST_PASSWORD).await;
        assert_eq!(status, 303);
        assert_eq!(health(outside).await, serde_json::json!({"status": "ok"}));
        // An administrator, signed in from outside, and the host itself see the details.
        let admin = app.create_user(app.admin_org.id, &[Role::Admin]).await;
        let elsewhere = client_from("198.51.100.7");
        let (status, _) = app.try_login(&elsewhere, &admin.email, TEST_PASSWORD).await;
        assert_eq!(status, 303);
        for body in [
            health(elsewhere).await,
            health(client_from("127.0.0.1")).await,
        ] {
            assert_eq!(body["status"], "ok");
            assert_eq!(body["version"], env!("CARGO_PKG_VERSION"), "{body}");
            assert!(body["migration_level"].is_i64(), "{body}");
        }
    }
);

both_backends!(
    the_api_refuses_unknown_filters_and_takes_optional_bodies,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let admin = app.create_user(app.admin_org.id, &[Role::Admin]).await;
        let admin_token = app.token_for(&admin).await;
        let supervisor = app.create_user(app.admin_org.id, &[Role::Supervisor]).await;
        let token = app.token_for(&supervisor).await;
        // A misspelt filter is refused by name, not ignored (which would list every case).
        for (query, field) in [
            ("type=zzz", "type"),
            ("status=closd", "status"),
            ("sex=x", "sex"),
            ("age=child_adult:elder", "age"),
            ("risk=extreme", "risk"),
            ("region=NOWHERE", "region"),
            ("worker=someone", "worker"),
            ("drafts=yes", "drafts"),
        ] {
            let res = api_get(&app, &token, &format!("/api/v1/cases?{query}")).await;
            assert_eq!(res.status(), 422, "{query}");
            let problem: serde_json::Value = res.json().await.unwrap();
            assert_eq!(problem["errors"][0]["field"], field, "{problem}");
            assert_eq!(problem["errors"][0]["code"], "invalid-choice", "{problem}");
        }
        let res = api_get(
            &app,
            &token,
            "/api/v1/cases?status=registered&worker=me&drafts=0",
        )
        .await;
        assert_eq!(res.status(), 200);
        // Deactivating an organisation needs no body (the version check is optional).
        let other = create_org(&app.store, "NO-BODY").await;
        let res = app
            .client()
            .post(app.url(&format!("/api/v1/organisations/{}/deactivate", other.id)))
            .bearer_auth(&admin_token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let org: serde_json::Value = res.json().await.unwrap();
        assert_eq!(org["active"], false, "{org}");
    }
);

both_backends!(
    refusals_keep_the_shell_and_the_language_switch_keeps_the_place,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let worker = sign_in(&app, app.admin_org.id, &[Role::CaseWorker]).await;
        // A page the role may not open: a page of the application, with its navigation.
        let res = worker
            .client
            .get(app.url("/admin/audit"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403);
        let html = res.text().await.unwrap();
        assert!(html.contains(r#"class="main-nav""#), "{html}");
        assert!(html.contains(&worker.user.display_name), "{html}");
        assert!(html.contains(r#"href="/cases""#), "{html}");
        // Anonymous refusals stay bare.
        let res = app.client().get(app.url("/nowhere")).send().await.unwrap();
        assert_eq!(res.status(), 404);
        assert!(!res.text().await.unwrap().contains(r#"class="main-nav""#));

        // The language switch returns to the same list, filters and page included.
        let html = app
            .page(&worker.client, "/cases?status=registered&page=2")
            .await;
        assert!(
            html.contains(r#"name="next" value="/cases?status=registered&amp;page=2""#)
                || html.contains(r#"name="next" value="/cases?status=registered&#38;page=2""#),
            "{html}"
        );
        let res = app
            .post_form(
                &worker.client,
                "/lang/ru",
                &[
                    ("csrf", &worker.csrf),
                    ("next", "/cases?status=registered&page=2"),
                ],
            )
            .await;
        assert_eq!(res.status, 303);
        assert_eq!(res.location, "/cases?status=registered&page=2");
        // A form answered with its errors has the address it was posted to, which takes
        // no GET: the switch returns to the page the form was on.
        let html = text_of(
            worker
                .client
                .post(app.url("/account/password"))
                .header("referer", app.url("/account/password?from=home"))
                .form(&[
                    ("csrf", worker.csrf.as_str()),
                    ("current", "not the password"),
                    ("new", "x"),
                    ("confirm", "x"),
                ]),
        )
        .await;
        assert!(
            html.contains(r#"name="next" value="/account/password?from=home""#),
            "{html}"
        );
    }
);

both_backends!(
    refused_reaches_into_a_hidden_household_are_audited,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let holder = sign_in(&app, app.admin_org.id, &[Role::CaseWorker]).await;
        let colleague = sign_in(&app, app.admin_org.id, &[Role::CaseWorker]).await;
        // A family-implicated case: visible to the colleague, its household is not.
        let code = app.register_draft_case(&holder.user, false, true).await;
        assert_eq!(
            app.status(&colleague.client, &format!("/cases/{code}"))
                .await,
            200
        );
        let res = app
            .post_form(
                &colleague.client,
                &format!("/cases/{code}/household"),
                &[("csrf", &colleague.csrf), ("relation", "child")],
            )
            .await;
        assert_eq!(res.status, 404);
        let member = uuid::Uuid::now_v7();
        assert_eq!(
            app.status(
                &colleague.client,
                &format!("/cases/{code}/household/{member}")
            )
            .await,
            404
        );
        let refused = entries(&app, "access_refused").await;
        let details: Vec<_> = refused
            .iter()
            .map(|e| e.4.clone().unwrap_or_default())
            .collect();
        assert_eq!(
            details,
            [
                "route=POST /cases/{code}/household; household hidden",
                "route=GET /cases/{code}/household/{id}; household hidden"
            ],
            "{refused:?}"
        );
    }
);

both_backends!(second_review_findings_hold, |backend: Backend| async move {
    let app = spawn_app_with(backend, |c| c.trusted_proxy = true).await;
    // A client's own X-Forwarded-For line, before the proxy's, is not believed.
    let res = app
        .client()
        .get(app.url("/healthz"))
        .header("x-forwarded-for", "127.0.0.1")
        .header("x-forwarded-for", "203.0.113.9")
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body, serde_json::json!({"status": "ok"}), "{body}");

    // Nobody lifts their own second-factor requirement or resets their own factor.
    let org_admin = sign_in(&app, app.admin_org.id, &[Role::OrgAdmin]).await;
    sqlx::query("UPDATE users SET second_factor_required = 1 WHERE id = $1")
        .bind(org_admin.user.id.to_string())
        .execute(&app.store.db.pool)
        .await
        .unwrap();
    let version: i64 = sqlx::query_scalar("SELECT version FROM users WHERE id = $1")
        .bind(org_admin.user.id.to_string())
        .fetch_one(&app.store.db.pool)
        .await
        .unwrap();
    let own = format!("/admin/users/{}", org_admin.user.id);
    let version = version.to_string();
    let res = app
        .post_form(
            &org_admin.client,
            &own,
            &[
                ("csrf", &org_admin.csrf),
                ("display_name", "Test User"),
                ("roles", "org_admin"),
                ("language", "en"),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(res.status, 403, "{}", res.body);
    assert!(
        res.body.contains("another administrator does it"),
        "{}",
        res.body
    );
    let res = app
        .post_form(
            &org_admin.client,
            &format!("{own}/reset-second-factor"),
            &[("csrf", &org_admin.csrf)],
        )
        .await;
    assert_eq!(res.status, 403);
    let required: i64 =
        sqlx::query_scalar("SELECT second_factor_required FROM users WHERE id = $1")
            .bind(org_admin.user.id.to_string())
            .fetch_one(&app.store.db.pool)
            .await
            .unwrap();
    assert_eq!(required, 1);

    // Refusals of a signed-in caller outside the case routes are recorded too, and so
    // is a post without the form's token.
    let worker = sign_in(&app, app.admin_org.id, &[Role::CaseWorker]).await;
    assert_eq!(app.status(&worker.client, "/admin/audit").await, 403);
    let res = app
        .post_form(&worker.client, "/logout", &[("csrf", "forged")])
        .await;
    assert_eq!(res.status, 403);
    let refused = entries(&app, "access_refused").await;
    let details: Vec<_> = refused.iter().filter_map(|e| e.4.clone()).collect();
    assert!(
        details.contains(&"route=GET /admin/audit; refused=forbidden".to_string()),
        "{details:?}"
    );
    assert!(
        details.contains(&"route=POST /logout; refused=csrf".to_string()),
        "{details:?}"
    );
    assert!(
        details.contains(
            &"route=POST /admin/users/{id}/reset-second-factor; refused=own-second-factor"
                .to_string()
        ),
        "{details:?}"
    );

    // An upload that is too large, with a made-up session cookie, is not read.
    let res = app
        .client()
        .post(app.url("/admin/regions/import"))
        .header("cookie", "yoldash_session=made-up")
        .header("content-type", "multipart/form-data; boundary=XX")
        .body(vec![b'x'; 3 * 1024 * 1024])
        .send()
        .await;
    match res {
        // Drained and answered with the form's flash would be a 303.
        Ok(res) => assert_eq!(res.status(), 413),
        // The server answered and closed before the client had written the body.
        Err(e) => assert!(e.is_request() || e.is_body(), "{e:?}"),
    }

    // The API: a method the path does not take, a parameter or a field it does not
    // take, a body that is not sent as JSON, an action that does not exist.
    let admin = app.create_user(app.admin_org.id, &[Role::Admin]).await;
    let token = app.token_for(&admin).await;
    let res = app
        .client()
        .delete(app.url("/api/v1/users"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    assert_eq!(res.headers()["allow"], "GET, HEAD, POST");
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let problem: serde_json::Value = res.json().await.unwrap();
    assert_eq!(problem["type"], "/problems/method-not-allowed");
    for (path, field) in [
        ("/api/v1/users?orgid=x", "orgid"),
        ("/api/v1/audit?actr=x", "actr"),
    ] {
        let res = api_get(&app, &token, path).await;
        assert_eq!(res.status(), 422, "{path}");
        let problem: serde_json::Value = res.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], field);
        assert_eq!(problem["errors"][0]["code"], "unknown-parameter");
    }
    let res = api_get(&app, &token, "/api/v1/audit?action=zzz").await;
    assert_eq!(res.status(), 422);
    // A misspelt field inside a record is named, not dropped (which would empty the
    // stored value); a field sent empty loses nothing and passes.
    let worker = app.create_user(app.admin_org.id, &[Role::CaseWorker]).await;
    let worker_token = app.token_for(&worker).await;
    let mut case = crate::storage_faults::new_case("Jeren");
    case["person"]["identity"]["givenname"] = serde_json::json!("Jeren");
    let post_case = |case: serde_json::Value| {
        app.client()
            .post(app.url("/api/v1/cases"))
            .bearer_auth(&worker_token)
            .json(&case)
            .send()
    };
    let res = post_case(case.clone()).await.unwrap();
    assert_eq!(res.status(), 422);
    let problem: serde_json::Value = res.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "person.identity.givenname");
    assert_eq!(problem["errors"][0]["code"], "unknown-field");
    case["person"]["identity"]["givenname"] = serde_json::json!("");
    assert_eq!(post_case(case).await.unwrap().status(), 201);
    // A forwarded address that is not an address is an unknown caller, not the proxy.
    let res = app
        .client()
        .get(app.url("/healthz"))
        .header(
            "x-forwarded-for",
            reqwest::header::HeaderValue::from_bytes(b"\xff, 203.0.113.5").unwrap(),
        )
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body, serde_json::json!({"status": "ok"}), "{body}");
    let other = create_org(&app.store, "FIELDS-ORG").await;
    let deactivate = format!("/api/v1/organisations/{}/deactivate", other.id);
    let res = app
        .client()
        .post(app.url(&deactivate))
        .bearer_auth(&token)
        .json(&serde_json::json!({"versoin": 999}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let problem: serde_json::Value = res.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "versoin");
    assert_eq!(problem["errors"][0]["code"], "unknown-field");
    let res = app
        .client()
        .post(app.url(&deactivate))
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body(r#"{"version": 1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let res = app
        .client()
        .post(app.url("/api/v1/users"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"email": "r@x.tm", "display_name": "R",
                "roles": [], "password": "a long unusual phrase"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let problem: serde_json::Value = res.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "roles", "{problem}");
});
