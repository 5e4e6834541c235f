//! Cases over the web pages: registration and drafts, visibility (404 outside the scope,
//! restricted cases, the family-implicated flag), status rules, encrypted storage, name
//! search across scripts, conflicts, and that no name leaks into lists, logs or audit.

use sqlx::Row;
use yoldash_domain::Role;
use yoldash_testkit::{Backend, TEST_PASSWORD, TestApp, both_backends, create_org, spawn_app};

pub const AYGUL: &str = "Aýgül";
pub const FAMILY: &str = "Berdiýewa";

/// How many case list views and case openings the audit log holds.
const LISTS: &str = "SELECT COUNT(*) FROM audit_log WHERE action = 'list' AND object_type = 'case'";
const READS: &str = "SELECT COUNT(*) FROM audit_log WHERE action = 'read' AND object_type = 'case'";

/// A signed-in browser: client and CSRF token.
pub struct Session {
    pub client: reqwest::Client,
    pub csrf: String,
    pub user: yoldash_store::users::User,
}

pub async fn sign_in(app: &TestApp, org: uuid::Uuid, roles: &[Role]) -> Session {
    let user = app.create_user(org, roles).await;
    let (client, csrf) = app.login(&user.email, TEST_PASSWORD).await;
    Session { client, csrf, user }
}

/// Registers a case through the form; returns its code.
pub async fn register(app: &TestApp, s: &Session, extra: &[(&str, &str)]) -> String {
    let mut fields: Vec<(&str, &str)> = vec![
        ("csrf", &s.csrf),
        ("case_type", "presumed_victim"),
        ("given_name", AYGUL),
        ("family_name", FAMILY),
        ("sex", "female"),
        ("birth_date", "1999-04-02"),
        ("phone", "+993 65 123456"),
        ("doc_kind_0", "passport"),
        ("doc_number_0", "I-AS 123456"),
        ("doc_country_0", "TM"),
        ("narrative", "Met the recruiter at the bazaar."),
        ("citizenships", "TM"),
    ];
    // A field given in `extra` replaces the default one.
    fields.retain(|(k, _)| !extra.iter().any(|(e, _)| e == k));
    fields.extend_from_slice(extra);
    let res = app.post_form(&s.client, "/cases/new", &fields).await;
    assert_eq!(res.status, 303, "registration failed: {}", res.body);
    let code = res.location.trim_start_matches("/cases/").to_string();
    assert!(code.starts_with("C-"), "{code}");
    code
}

async fn post(
    app: &TestApp,
    s: &Session,
    path: &str,
    extra: &[(&str, &str)],
) -> yoldash_testkit::Posted {
    let mut fields: Vec<(&str, &str)> = vec![("csrf", &s.csrf)];
    fields.extend_from_slice(extra);
    app.post_form(&s.client, path, &fields).await
}

/// The case's current version (from the hidden field of the safety tab).
async fn case_version(app: &TestApp, s: &Session, code: &str) -> String {
    let page = app
        .page(&s.client, &format!("/cases/{code}?tab=safety"))
        .await;
    hidden(&page, "version")
}

fn hidden(page: &str, name: &str) -> String {
    let needle = format!("name=\"{name}\" value=\"");
    let at = page.find(&needle).expect("hidden field") + needle.len();
    page[at..page[at..].find('"').unwrap() + at].to_string()
}

both_backends!(
    registration_keeps_a_draft_and_finishes_it,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let w = sign_in(&app, app.admin_org.id, &[Role::CaseWorker]).await;
        // A registration without the essentials is refused, keeping what was typed.
        let res = post(
            &app,
            &w,
            "/cases/new",
            &[
                ("case_type", "vulnerable_migrant"),
                ("sex", "male"),
                ("phone", "+993 61 000000"),
            ],
        )
        .await;
        assert_eq!(res.status, 422);
        assert!(res.body.contains("+993 61 000000"), "typed value kept");
        assert!(res.body.contains("given_name-error"));
        // The list's two search forms are told apart (axe: landmark-unique).
        let list = app.page(&w.client, "/cases").await;
        assert!(list.contains(r#"role="search" aria-label="Filter the cases""#));
        assert!(list.contains(r#"role="search" aria-label="Find a person by name or document""#));
        // Nothing about the person is chosen beforehand; a registration without a sex
        // is refused at the field (a draft may leave it open).
        let form = app.page(&w.client, "/cases/new").await;
        let sex = &form[form.find(r#"name="sex""#).unwrap()..];
        let sex = &sex[..sex.find("</select>").unwrap()];
        assert!(!sex.contains("selected"), "{sex}");
        let res = post(
            &app,
            &w,
            "/cases/new",
            &[
                ("case_type", "vulnerable_migrant"),
                ("given_name", "Merjen"),
                ("birth_date", "1990-01-02"),
            ],
        )
        .await;
        assert_eq!(res.status, 422);
        assert!(res.body.contains("sex-error"), "{}", res.body);
        // The same as a draft is saved.
        let res = post(
            &app,
            &w,
            "/cases/new",
            &[
                ("case_type", "vulnerable_migrant"),
                ("sex", "male"),
                ("phone", "+993 61 000000"),
                ("save_draft", "1"),
            ],
        )
        .await;
        assert_eq!(res.status, 303, "{}", res.body);
        let code = res.location.trim_start_matches("/cases/").to_string();
        let page = app.page(&w.client, &format!("/cases/{code}")).await;
        assert!(
            page.contains("/finish"),
            "a draft offers to finish the registration"
        );
        // Finishing needs the missing fields …
        let v = case_version(&app, &w, &code).await;
        let res = post(
            &app,
            &w,
            &format!("/cases/{code}/finish"),
            &[("version", &v)],
        )
        .await;
        assert_eq!(res.status, 422);
        // … which the person form adds.
        let pv = hidden(
            &app.page(&w.client, &format!("/cases/{code}")).await,
            "person_version",
        );
        let res = post(
            &app,
            &w,
            &format!("/cases/{code}/person"),
            &[
                ("person_version", &pv),
                ("given_name", "Merdan"),
                ("sex", "male"),
                ("estimated_age", "34"),
                ("phone", "+993 61 000000"),
            ],
        )
        .await;
        assert_eq!(res.status, 303, "{}", res.body);
        let res = post(
            &app,
            &w,
            &format!("/cases/{code}/finish"),
            &[("version", &v)],
        )
        .await;
        assert_eq!(res.status, 303, "{}", res.body);
        let page = app.page(&w.client, &format!("/cases/{code}")).await;
        assert!(!page.contains("/finish\""));
    }
);

both_backends!(
    cases_are_invisible_outside_their_scope,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let org = app.admin_org.id;
        let other = create_org(&app.store, "OTHER-NGO").await;
        let owner = sign_in(&app, org, &[Role::CaseWorker]).await;
        let code = register(&app, &owner, &[]).await;
        let path = format!("/cases/{code}");
        assert_eq!(app.status(&owner.client, &path).await, 200);
        // Another organisation's case worker and supervisor, and in the same organisation the
        // secretariat, a viewer and the system administrator: 404, as for a case that does not exist.
        for (o, role) in [
            (other.id, Role::CaseWorker),
            (other.id, Role::Supervisor),
            (org, Role::Secretariat),
            (org, Role::Viewer),
            (org, Role::Admin),
            (org, Role::OrgAdmin),
        ] {
            let s = sign_in(&app, o, &[role]).await;
            assert_eq!(app.status(&s.client, &path).await, 404, "{role:?}");
            assert_eq!(app.status(&s.client, "/cases/C-0000-0000").await, 404);
            assert_eq!(
                app.status(&s.client, &format!("{path}?tab=history")).await,
                404
            );
            if matches!(role, Role::CaseWorker | Role::Supervisor) {
                let list = app.page(&s.client, "/cases").await;
                assert!(
                    !list.contains(&code),
                    "{role:?} lists another organisation's case"
                );
                let res = post(
                    &app,
                    &s,
                    &format!("{path}/safety"),
                    &[("version", "1"), ("may_contact", "1")],
                )
                .await;
                assert_eq!(res.status, 404, "{role:?} may not write either");
            }
        }
        // A colleague in the same organisation sees it, until it is restricted.
        let colleague = sign_in(&app, org, &[Role::CaseWorker]).await;
        let supervisor = sign_in(&app, org, &[Role::Supervisor]).await;
        assert_eq!(app.status(&colleague.client, &path).await, 200);
        let v = case_version(&app, &owner, &code).await;
        let res = post(
            &app,
            &owner,
            &format!("{path}/details"),
            &[
                ("version", &v),
                ("case_type", "presumed_victim"),
                ("assigned_worker", &owner.user.id.to_string()),
                ("restricted", "1"),
            ],
        )
        .await;
        assert_eq!(res.status, 303, "{}", res.body);
        assert_eq!(app.status(&colleague.client, &path).await, 404);
        assert!(!app.page(&colleague.client, "/cases").await.contains(&code));
        assert_eq!(app.status(&supervisor.client, &path).await, 200);
        assert!(app.page(&supervisor.client, "/cases").await.contains(&code));
        assert_eq!(app.status(&owner.client, &path).await, 200);
    }
);

both_backends!(
    family_implicated_hides_the_household,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let org = app.admin_org.id;
        let worker = sign_in(&app, org, &[Role::CaseWorker]).await;
        let supervisor = sign_in(&app, org, &[Role::Supervisor]).await;
        let code = register(
            &app,
            &worker,
            &[
                ("birth_date", "2014-05-01"),
                ("case_type", "affected_family_member"),
            ],
        )
        .await;
        let res = post(
            &app,
            &worker,
            &format!("/cases/{code}/household"),
            &[
                ("given_name", "Nurmuhammet"),
                ("relation", "parent"),
                ("sex", "male"),
                ("situation", "abroad"),
                ("abroad_country", "RU"),
                ("abroad_since", "2021-03-01"),
            ],
        )
        .await;
        assert_eq!(res.status, 303, "{}", res.body);
        let res = post(
            &app,
            &worker,
            &format!("/cases/{code}/household"),
            &[
                ("given_name", "Ogulgerek"),
                ("relation", "parent"),
                ("sex", "female"),
                ("situation", "abroad"),
                ("abroad_country", "TR"),
                ("in_contact", "1"),
            ],
        )
        .await;
        assert_eq!(res.status, 303, "{}", res.body);
        let tab = format!("/cases/{code}?tab=household");
        let page = app.page(&supervisor.client, &tab).await;
        assert!(page.contains("Nurmuhammet"));
        assert!(
            page.contains("both parents abroad"),
            "left-behind child flagged: {page}"
        );
        let v = case_version(&app, &worker, &code).await;
        let res = post(
            &app,
            &worker,
            &format!("/cases/{code}/details"),
            &[
                ("version", &v),
                ("case_type", "affected_family_member"),
                ("assigned_worker", &worker.user.id.to_string()),
                ("family_implicated", "1"),
            ],
        )
        .await;
        assert_eq!(res.status, 303, "{}", res.body);
        // The supervisor still sees the case, but not the household nor its history.
        let page = app.page(&supervisor.client, &tab).await;
        assert!(!page.contains("Nurmuhammet"));
        assert!(page.contains("shown to the assigned case worker only"));
        let history = app
            .page(&supervisor.client, &format!("/cases/{code}?tab=history"))
            .await;
        assert!(!history.contains("Nurmuhammet") && !history.contains("Household member added"));
        let res = post(
            &app,
            &supervisor,
            &format!("/cases/{code}/household"),
            &[("given_name", "X"), ("relation", "sibling")],
        )
        .await;
        assert_eq!(res.status, 404);
        // The assigned worker still sees it.
        assert!(app.page(&worker.client, &tab).await.contains("Nurmuhammet"));
    }
);

both_backends!(
    status_changes_follow_the_workflow,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let org = app.admin_org.id;
        let worker = sign_in(&app, org, &[Role::CaseWorker]).await;
        let supervisor = sign_in(&app, org, &[Role::Supervisor]).await;
        let code = register(&app, &worker, &[]).await;
        let path = format!("/cases/{code}/status");
        // No next status is chosen beforehand: one click must not move a case.
        let page = app
            .page(&worker.client, &format!("/cases/{code}?tab=safety"))
            .await;
        assert!(
            page.contains(r#"<select id="to" name="to"><option value="">"#),
            "{page}"
        );
        let res = app
            .post_form(
                &worker.client,
                &path,
                &[("csrf", &worker.csrf), ("to", ""), ("version", "1")],
            )
            .await;
        assert_eq!(res.status, 422);
        // Skipping a step is refused.
        let v = case_version(&app, &worker, &code).await;
        let res = post(
            &app,
            &worker,
            &path,
            &[("version", &v), ("to", "in_assistance")],
        )
        .await;
        assert_eq!(res.status, 422);
        assert!(res.body.contains("This status change is not allowed"));
        let res = post(&app, &worker, &path, &[("version", &v), ("to", "assessed")]).await;
        assert_eq!(res.status, 303, "{}", res.body);
        // Closing without a reason is refused; a case worker's closure waits for approval.
        let v = case_version(&app, &worker, &code).await;
        let res = post(&app, &worker, &path, &[("version", &v), ("to", "closed")]).await;
        assert_eq!(res.status, 422);
        let res = post(
            &app,
            &worker,
            &path,
            &[
                ("version", &v),
                ("to", "closed"),
                ("closure_reason", "no_such_reason"),
            ],
        )
        .await;
        assert_eq!(res.status, 422);
        // Asking to close is said twice: a page that names the case and the reason.
        let close = [
            ("version", v.as_str()),
            ("to", "closed"),
            ("closure_reason", "not_a_victim"),
        ];
        let res = post(&app, &worker, &path, &close).await;
        assert_eq!(res.status, 200, "{}", res.body);
        assert!(res.body.contains(&code) && res.body.contains("Ask to close"));
        let res = post(
            &app,
            &worker,
            &path,
            &[close.as_slice(), &[("confirm", "1")]].concat(),
        )
        .await;
        assert_eq!(res.status, 303, "{}", res.body);
        let page = app.page(&worker.client, &format!("/cases/{code}")).await;
        assert!(page.contains("Closure requested"));
        assert!(page.contains("Assessed"));
        // The supervisor approves by closing.
        let v = case_version(&app, &supervisor, &code).await;
        let res = post(
            &app,
            &supervisor,
            &path,
            &[("version", &v), ("to", "closed")],
        )
        .await;
        assert_eq!(res.status, 303, "{}", res.body);
        let n = app
            .count(
                "SELECT COUNT(*) FROM cases WHERE status = 'closed' AND code = $1",
                Some(&code),
            )
            .await;
        assert_eq!(n, 1);
        // A closed case only reopens to "assessed".
        let v = case_version(&app, &worker, &code).await;
        let res = post(
            &app,
            &worker,
            &path,
            &[("version", &v), ("to", "registered")],
        )
        .await;
        assert_eq!(res.status, 422);
        let res = post(&app, &worker, &path, &[("version", &v), ("to", "assessed")]).await;
        assert_eq!(res.status, 303);
        let history = app
            .page(&worker.client, &format!("/cases/{code}?tab=history"))
            .await;
        assert!(history.contains("Closure requested") && history.contains("Status changed"));
    }
);

/// Every blob column that may hold personal data, with the plaintext that went in.
async fn raw_blobs(app: &TestApp) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for (table, column) in yoldash_store::encrypted::ENCRYPTED_COLUMNS {
        let sql = format!("SELECT {column} AS v FROM {table} WHERE {column} IS NOT NULL");
        for r in sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&app.store.db.pool)
            .await
            .unwrap()
        {
            out.push(r.try_get::<Vec<u8>, _>("v").unwrap());
        }
    }
    out
}

/// Every text column of the case tables, as stored.
async fn raw_text(app: &TestApp) -> String {
    let mut all = String::new();
    for table in yoldash_store::CASE_TABLES {
        let sql = format!("SELECT * FROM {table}");
        for r in sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&app.store.db.pool)
            .await
            .unwrap()
        {
            for i in 0..r.len() {
                if let Ok(Some(s)) = r.try_get::<Option<String>, _>(i) {
                    all.push_str(&s);
                    all.push('\n');
                }
            }
        }
    }
    all
}

both_backends!(
    personal_fields_are_ciphertext_in_the_database,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let w = sign_in(&app, app.admin_org.id, &[Role::CaseWorker]).await;
        let code = register(&app, &w, &[]).await;
        let v = case_version(&app, &w, &code).await;
        let res = post(
            &app,
            &w,
            &format!("/cases/{code}/safety"),
            &[
                ("version", &v),
                ("may_contact", "1"),
                ("how", "Through her aunt Bahar"),
                ("code_word", "gawun"),
            ],
        )
        .await;
        assert_eq!(res.status, 303);
        // A consent dated in the future is refused at the field, not recorded as today.
        let tomorrow = (chrono::Utc::now().date_naive() + chrono::Days::new(1)).to_string();
        let res = post(
            &app,
            &w,
            &format!("/cases/{code}/consents"),
            &[
                ("purpose", "assistance"),
                ("given_on", &tomorrow),
                ("form", "written"),
                ("given_by", "person"),
            ],
        )
        .await;
        assert_eq!(res.status, 422, "{}", res.body);
        assert!(res.body.contains("This date is in the future."));
        let res = post(
            &app,
            &w,
            &format!("/cases/{code}/consents"),
            &[
                ("purpose", "assistance"),
                ("given_on", "2026-01-10"),
                ("form", "oral_with_witness"),
                ("witness", "Jeren Hojamowa"),
                ("given_by", "person"),
            ],
        )
        .await;
        assert_eq!(res.status, 303, "{}", res.body);
        let secrets = [
            AYGUL,
            FAMILY,
            "123456",
            "Through her aunt",
            "gawun",
            "Jeren",
            "bazaar",
            "Orazowa",
        ];
        // A change keeps old and new values in the history: encrypted too.
        let pv = hidden(
            &app.page(&w.client, &format!("/cases/{code}")).await,
            "person_version",
        );
        let res = post(
            &app,
            &w,
            &format!("/cases/{code}/person"),
            &[
                ("person_version", &pv),
                ("given_name", AYGUL),
                ("family_name", "Berdiýewa-Orazowa"),
                ("sex", "female"),
                ("birth_date", "1999-04-02"),
            ],
        )
        .await;
        assert_eq!(res.status, 303, "{}", res.body);
        let history = app
            .page(&w.client, &format!("/cases/{code}?tab=history"))
            .await;
        assert!(history.contains("Berdiýewa-Orazowa") && history.contains("+993 65 123456"));
        assert!(
            history.contains("I-AS 123456"),
            "the removed document stays in the history"
        );
        let text = raw_text(&app).await;
        let blobs = raw_blobs(&app).await;
        assert!(blobs.len() >= 5, "encrypted values were written");
        for s in secrets {
            assert!(!text.contains(s), "{s} stored in plain text");
            for b in &blobs {
                assert!(
                    !b.windows(s.len()).any(|w| w == s.as_bytes()),
                    "{s} inside a blob"
                );
            }
        }
        // …and they read back through the key ring.
        let page = app.page(&w.client, &format!("/cases/{code}")).await;
        assert!(page.contains(AYGUL) && page.contains("Berdiýewa-Orazowa"));
        assert!(
            page.contains("Through her aunt Bahar"),
            "safe contact shown first"
        );
    }
);

both_backends!(
    name_search_meets_across_scripts,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let w = sign_in(&app, app.admin_org.id, &[Role::CaseWorker]).await;
        let code = register(&app, &w, &[("family_name", "Berdiýewa-Orazowa")]).await;
        let other = register(
            &app,
            &w,
            &[
                ("given_name", "Merdan"),
                ("family_name", "Annaýew"),
                ("doc_number_0", "II-MR 999"),
            ],
        )
        .await;
        for q in [
            "aygul",
            "Айгуль",
            "AÝGÜL",
            "Aýgül Berdiýewa",
            "berdiyewa",
            "berdiyewa Айгуль",
            "orazowa AYGUL berdiyewa",
        ] {
            let list = post(&app, &w, "/cases/search", &[("q", q)]).await.body;
            assert!(list.contains(&code), "{q} finds Aýgül");
            assert!(!list.contains(&other), "{q} finds only Aýgül");
            assert!(
                list.contains(&format!("value=\"{q}\"")),
                "the search box keeps {q}"
            );
        }
        let list = post(&app, &w, "/cases/search", &[("q", "aygul merdan")])
            .await
            .body;
        assert!(!list.contains(&code), "every word must match");
        let list = post(&app, &w, "/cases/search", &[("doc", "I-AS 123456")])
            .await
            .body;
        assert!(list.contains(&code) && !list.contains(&other));
        // A name in the address is not a search: it would stay in browser history and logs.
        let list = app
            .page(&w.client, &format!("/cases?q={}", urlencode("Merdan")))
            .await;
        assert!(list.contains(&code) && list.contains(&other));
        // The API searches the same way, with the name in the body.
        let token = app.token_for(&w.user).await;
        let found: serde_json::Value = reqwest::Client::new()
            .post(app.url("/api/v1/cases/search"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"q": "Айгуль"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(found["total"], 1);
        assert_eq!(found["cases"][0]["code"], code.as_str());
        // The list shows codes, never names.
        let list = app.page(&w.client, "/cases").await;
        assert!(list.contains(&code) && !list.contains(AYGUL) && !list.contains(FAMILY));
    }
);

both_backends!(
    persons_recorded_before_name_pairs_are_found_once_the_index_is_completed,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let w = sign_in(&app, app.admin_org.id, &[Role::CaseWorker]).await;
        let code = register(&app, &w, &[("family_name", "Berdiýewa-Orazowa")]).await;
        let found = |q: &'static str| {
            let (app, w) = (&app, &w);
            async move { post(app, w, "/cases/search", &[("q", q)]).await.body }
        };
        assert!(found("Aýgül Berdiýewa").await.contains(&code));
        // As a database written before the index held pairs of name words.
        for sql in [
            "DELETE FROM person_index WHERE kind = 'name_pair'",
            "DELETE FROM settings WHERE key = 'person_index.name_pairs'",
        ] {
            sqlx::query(sql).execute(&app.store.db.pool).await.unwrap();
        }
        assert!(
            !found("Aýgül Berdiýewa").await.contains(&code),
            "a full name is searched through its pairs"
        );
        assert!(
            found("aygul").await.contains(&code),
            "one word needs no pair"
        );
        assert_eq!(app.store.complete_person_index().await.unwrap(), 1);
        assert!(found("Aýgül Berdiýewa").await.contains(&code));
        assert!(found("Orazowa Aýgül").await.contains(&code));
        // Done once: the next start has nothing to do.
        assert_eq!(app.store.complete_person_index().await.unwrap(), 0);
        let pairs: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM person_index WHERE kind = 'name_pair'")
                .fetch_one(&app.store.db.pool)
                .await
                .unwrap();
        // Aýgül, Berdiýewa and Orazowa (the family name has two parts): three pairs.
        assert_eq!(pairs, 3);
    }
);

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            b' ' => "+".to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

both_backends!(
    concurrent_edits_conflict_and_show_both_versions,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let a = sign_in(&app, app.admin_org.id, &[Role::CaseWorker]).await;
        let b = sign_in(&app, app.admin_org.id, &[Role::Supervisor]).await;
        let code = register(&app, &a, &[]).await;
        let pv = hidden(
            &app.page(&a.client, &format!("/cases/{code}")).await,
            "person_version",
        );
        let base = [
            ("given_name", AYGUL),
            ("family_name", FAMILY),
            ("sex", "female"),
            ("birth_date", "1999-04-02"),
        ];
        let mut first = base.to_vec();
        first.extend([("person_version", pv.as_str()), ("phone", "+993 65 111111")]);
        let res = post(&app, &a, &format!("/cases/{code}/person"), &first).await;
        assert_eq!(res.status, 303, "{}", res.body);
        let mut second = base.to_vec();
        second.extend([("person_version", pv.as_str()), ("phone", "+993 65 222222")]);
        let res = post(&app, &b, &format!("/cases/{code}/person"), &second).await;
        assert_eq!(res.status, 409);
        assert!(
            res.body.contains("+993 65 222222"),
            "what the second editor typed is kept"
        );
        assert!(
            res.body.contains("+993 65 111111"),
            "what is stored now is shown"
        );
        let page = app.page(&a.client, &format!("/cases/{code}")).await;
        assert!(
            page.contains("+993 65 111111") && !page.contains("+993 65 222222"),
            "no lost update"
        );
    }
);

both_backends!(
    list_views_and_case_opens_are_audited_without_names,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let w = sign_in(&app, app.admin_org.id, &[Role::CaseWorker]).await;
        let code = register(&app, &w, &[]).await;
        let before = app.count(LISTS, None).await;
        post(&app, &w, "/cases/search", &[("q", "aygul")]).await;
        let after = app.count(LISTS, None).await;
        assert_eq!(after, before + 1, "a list view is one audit entry");
        let reads = app.count(READS, None).await;
        app.page(&w.client, &format!("/cases/{code}")).await;
        let reads_after = app.count(READS, None).await;
        assert_eq!(reads_after, reads + 1, "opening a case is audited");
        let text = raw_text(&app).await;
        assert!(!text.to_lowercase().contains("aygul") && !text.contains(AYGUL));
    }
);

both_backends!(
    concurrent_views_each_commit_their_audit_entry_in_one_chain,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let w = sign_in(&app, app.admin_org.id, &[Role::CaseWorker]).await;
        let code = register(&app, &w, &[]).await;
        let (reads, lists) = (app.count(READS, None).await, app.count(LISTS, None).await);
        // 24 views at once: their entries are committed in groups, each before its page.
        let mut views = tokio::task::JoinSet::new();
        for i in 0..24 {
            let path = if i % 2 == 0 {
                format!("/cases/{code}")
            } else {
                "/cases".to_string()
            };
            let (client, url) = (w.client.clone(), format!("{}{path}", app.address));
            views.spawn(async move {
                let res = client.get(url).send().await.unwrap();
                (res.status().as_u16(), res.text().await.unwrap())
            });
        }
        while let Some(view) = views.join_next().await {
            let (status, page) = view.unwrap();
            assert_eq!(status, 200);
            assert!(page.contains(&code), "every view answered");
        }
        assert_eq!(
            app.count(READS, None).await,
            reads + 12,
            "every case opened is audited"
        );
        assert_eq!(
            app.count(LISTS, None).await,
            lists + 12,
            "every list view is audited"
        );
        let verdict = yoldash_store::audit::verify(&app.store, None)
            .await
            .unwrap();
        assert!(
            matches!(verdict, yoldash_store::audit::Verdict::Intact { .. }),
            "{verdict:?}"
        );
    }
);

both_backends!(
    a_new_case_worker_is_a_choice_at_once,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let s = sign_in(&app, app.admin_org.id, &[Role::Supervisor]).await;
        let code = register(&app, &s, &[]).await;
        // The case page reads the organisation's workers from the in-memory directory.
        let before = app
            .page(&s.client, &format!("/cases/{code}?tab=safety"))
            .await;
        let newcomer = app.create_user(app.admin_org.id, &[Role::CaseWorker]).await;
        assert!(!before.contains(&newcomer.id.to_string()));
        let after = app
            .page(&s.client, &format!("/cases/{code}?tab=safety"))
            .await;
        assert!(
            after.contains(&newcomer.id.to_string()),
            "the committed change made the directory read again"
        );
    }
);

/// Runs the real server binary on the test app's data with debug logging, works through a
/// case with a planted name, and greps everything the server printed.
#[tokio::test]
async fn no_name_in_the_server_logs() {
    let app = spawn_app(Backend::Sqlite).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log_path = app.dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_yoldash"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("YOLDASH_DATA_DIR", app.dir.path())
        .env("YOLDASH_DATABASE_URL", &app.database.url)
        .env("YOLDASH_LOG", "debug")
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("start yoldash serve");
    let base = format!("http://127.0.0.1:{port}");
    let mut up = false;
    for _ in 0..100 {
        if reqwest::get(format!("{base}/healthz")).await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(up, "server started");
    let served = TestApp {
        address: base,
        ..app
    };
    let w = sign_in(&served, served.admin_org.id, &[Role::CaseWorker]).await;
    let planted = [
        ("given_name", "Zülpiýa"),
        ("family_name", "Plantedowa"),
        ("phone", "+993 65 777001"),
    ];
    let code = register(&served, &w, &planted).await;
    served.page(&w.client, "/cases").await;
    let found = post(&served, &w, "/cases/search", &[("q", "zulpiya")]).await;
    assert!(found.body.contains(&code));
    served.page(&w.client, &format!("/cases/{code}")).await;
    served
        .page(&w.client, &format!("/cases/{code}?tab=history"))
        .await;
    let token = served.token_for(&w.user).await;
    let api = reqwest::Client::new()
        .get(served.url(&format!("/api/v1/cases/{code}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 200);
    assert!(
        api.text().await.unwrap().contains("Plantedowa"),
        "the API gives the name to who may see it"
    );
    child.kill().ok();
    child.wait().ok();
    let logs = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        logs.contains(&code) || logs.contains("/cases"),
        "the log captured requests"
    );
    for needle in ["Zülpiýa", "zulpiya", "Plantedowa", "plantedowa", "777001"] {
        assert!(!logs.contains(needle), "{needle} appears in the server log");
    }
}

both_backends!(
    the_api_registers_and_answers_the_consent_question,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let partner = create_org(&app.store, "PARTNER-NGO").await;
        let other = create_org(&app.store, "THIRD-NGO").await;
        let worker = app.create_user(app.admin_org.id, &[Role::CaseWorker]).await;
        let token = app.token_for(&worker).await;
        let api = reqwest::Client::new();
        let call = |method: reqwest::Method, path: String| {
            api.request(method, app.url(&path)).bearer_auth(&token)
        };
        // A child: born ten years ago.
        let born = (chrono::Utc::now().date_naive() - chrono::Duration::days(365 * 10)).to_string();
        let res = call(reqwest::Method::POST, "/api/v1/cases".into())
            .json(&serde_json::json!({
                "case_type": "affected_family_member",
                "person": {
                    "facts": {"sex": "female", "gender_identity": null, "birth": {"kind": "date", "date": born},
                              "citizenships": ["TM"], "origin_region_id": null, "disability": null,
                              "languages": ["tk"], "education": null, "marital_status": null},
                    "identity": {"given_name": "Jeren", "family_name": "Atayewa"}
                }
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let file: serde_json::Value = res.json().await.unwrap();
        let code = file["case"]["code"].as_str().unwrap().to_string();
        assert_eq!(file["person"]["record"]["identity"]["given_name"], "Jeren");
        let ask = |purpose: &str, org: Option<uuid::Uuid>| {
            let mut path = format!("/api/v1/cases/{code}/consent-check?purpose={purpose}");
            if let Some(o) = org {
                path.push_str(&format!("&organisation_id={o}"));
            }
            call(reqwest::Method::GET, path)
        };
        let answer = |v: serde_json::Value| v["reason"].as_str().unwrap().to_string();
        let a: serde_json::Value = ask("assistance", None)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(answer(a), "consent-missing");
        let consent = |purpose: &str, by: &str, org: Option<uuid::Uuid>| {
            call(reqwest::Method::POST, format!("/api/v1/cases/{code}/consents")).json(&serde_json::json!({
                "purpose": purpose, "organisation_id": org, "given_at": "2026-01-05T10:00:00Z",
                "form": "written", "given_by": by, "representative_name": if by == "person" { "" } else { "Ogulbibi Atayewa" },
                "child_view": "She wants to stay with her grandmother."
            }))
        };
        // The child's own consent is recorded, but it is not enough on its own.
        assert_eq!(
            consent("assistance", "person", None)
                .send()
                .await
                .unwrap()
                .status(),
            201
        );
        let a: serde_json::Value = ask("assistance", None)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(answer(a), "consent-representative-required");
        assert_eq!(
            consent("assistance", "guardian", None)
                .send()
                .await
                .unwrap()
                .status(),
            201
        );
        let a: serde_json::Value = ask("assistance", None)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(a["allowed"], true);
        // Statistics is another purpose.
        let a: serde_json::Value = ask("statistics", None)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(answer(a), "consent-missing");
        // Sharing names one organisation.
        let res = consent("sharing", "guardian", Some(partner.id))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let sharing: serde_json::Value = res.json().await.unwrap();
        let a: serde_json::Value = ask("sharing", Some(partner.id))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(a["allowed"], true);
        let a: serde_json::Value = ask("sharing", Some(other.id))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(answer(a), "consent-missing");
        // Withdrawn from now on.
        let res = call(
            reqwest::Method::POST,
            format!(
                "/api/v1/cases/{code}/consents/{}/withdraw",
                sharing["id"].as_str().unwrap()
            ),
        )
        .json(&serde_json::json!({"version": 1}))
        .send()
        .await
        .unwrap();
        assert_eq!(res.status(), 204);
        let a: serde_json::Value = ask("sharing", Some(partner.id))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(answer(a), "consent-withdrawn");
        // Another organisation's worker gets 404 for the case and the question alike.
        let stranger = app.create_user(other.id, &[Role::Supervisor]).await;
        let stranger_token = app.token_for(&stranger).await;
        for path in [
            format!("/api/v1/cases/{code}"),
            format!("/api/v1/cases/{code}/consent-check?purpose=assistance"),
        ] {
            let res = api
                .get(app.url(&path))
                .bearer_auth(&stranger_token)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 404, "{path}");
        }
        // A stale version is a conflict, not a lost update. (The worker who holds the case
        // is named: leaving it out would unassign the case, a supervisor's decision.)
        let v = file["case"]["version"].as_i64().unwrap();
        let details = |risk: &str| {
            serde_json::json!({"version": v, "case_type": "affected_family_member", "risk": risk, "assigned_worker_id": worker.id,
            "restricted": false, "family_implicated": false})
        };
        let res = call(
            reqwest::Method::PUT,
            format!("/api/v1/cases/{code}/details"),
        )
        .json(&details("high"))
        .send()
        .await
        .unwrap();
        assert_eq!(res.status(), 200);
        let res = call(
            reqwest::Method::PUT,
            format!("/api/v1/cases/{code}/details"),
        )
        .json(&details("low"))
        .send()
        .await
        .unwrap();
        assert_eq!(res.status(), 409);
    }
);

both_backends!(
    one_button_changes_check_the_version,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let w = sign_in(&app, app.admin_org.id, &[Role::CaseWorker]).await;
        let code = register(&app, &w, &[]).await;
        let res = post(
            &app,
            &w,
            &format!("/cases/{code}/household"),
            &[("given_name", "Nurmuhammet"), ("relation", "sibling")],
        )
        .await;
        assert_eq!(res.status, 303, "{}", res.body);
        let res = post(
            &app,
            &w,
            &format!("/cases/{code}/consents"),
            &[
                ("purpose", "assistance"),
                ("given_on", "2026-01-10"),
                ("form", "written"),
                ("given_by", "person"),
            ],
        )
        .await;
        assert_eq!(res.status, 303, "{}", res.body);
        let member = app
            .count(
                "SELECT COUNT(*) FROM household_members m JOIN cases c ON c.id = m.case_id WHERE c.code = $1",
                Some(&code),
            )
            .await;
        assert_eq!(member, 1);
        let page = app
            .page(&w.client, &format!("/cases/{code}?tab=household"))
            .await;
        let at = page.find("/household/").unwrap() + "/household/".len();
        let member_id = &page[at..at + 36];
        let page = app
            .page(&w.client, &format!("/cases/{code}?tab=consent"))
            .await;
        let at = page.find("/consents/").unwrap() + "/consents/".len();
        let consent_id = &page[at..at + 36];
        for (path, tab) in [
            (
                format!("/cases/{code}/household/{member_id}/remove"),
                "household",
            ),
            (
                format!("/cases/{code}/consents/{consent_id}/withdraw"),
                "consent",
            ),
        ] {
            // The button asks first: a page that names the record, nothing changed yet.
            let res = post(&app, &w, &path, &[("version", "1")]).await;
            assert_eq!(res.status, 200, "{path}");
            assert!(
                res.body.contains(r#"name="confirm" value="1""#),
                "{}",
                res.body
            );
            assert!(
                res.body
                    .contains(&format!(r#"href="/cases/{code}?tab={tab}""#)),
                "a way back"
            );
            // A stale version: back to the tab with a warning, nothing changed.
            let res = post(&app, &w, &path, &[("version", "7"), ("confirm", "1")]).await;
            assert_eq!(res.status, 303);
            assert_eq!(res.location, format!("/cases/{code}?tab={tab}"));
            if tab == "consent" {
                // A withdrawal dated before the consent, or still to come, is refused.
                for day in ["2025-01-01", "2999-01-01", "soon"] {
                    let res = post(
                        &app,
                        &w,
                        &path,
                        &[("version", "1"), ("confirm", "1"), ("withdrawn_on", day)],
                    )
                    .await;
                    assert_eq!(res.status, 422, "{day}");
                    assert!(res.body.contains("withdrawn_on-error"), "{day}");
                }
            }
            let res = post(&app, &w, &path, &[("version", "1"), ("confirm", "1")]).await;
            assert_eq!(res.status, 303, "{path}");
        }
        assert_eq!(
            app.count(
                "SELECT COUNT(*) FROM household_members m JOIN cases c ON c.id = m.case_id WHERE c.code = $1",
                Some(&code),
            )
            .await,
            0
        );
        assert_eq!(
            app.count(
                "SELECT COUNT(*) FROM consents k JOIN cases c ON c.id = k.case_id WHERE c.code = $1 AND k.withdrawn_at IS NOT NULL",
                Some(&code),
            )
            .await,
            1
        );
    }
);
