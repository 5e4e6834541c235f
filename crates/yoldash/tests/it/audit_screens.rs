//! The audit log screens: filters, paging, the CSV export and its audit entry, the
//! unusual-events page, permissions, languages; and batches appended by `append_many`.

use uuid::Uuid;
use yoldash_domain::Role;
use yoldash_store::audit::{Action, AuditEntry, Verdict, read_head_file, verify};
use yoldash_store::audit_search::{DatedEntry, append_many};
use yoldash_store::time::now_micros;
use yoldash_store::users::User;
use yoldash_testkit::{Backend, TEST_PASSWORD, TestApp, both_backends, create_org, spawn_app};

const MINUTE: i64 = 60 * 1_000_000;
const DAY: i64 = 24 * 60 * MINUTE;

/// Microseconds at midnight UTC of a day.
fn day(y: i32, m: u32, d: u32) -> i64 {
    chrono::NaiveDate::from_ymd_opt(y, m, d)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_micros()
}

/// An entry by `user` at `at`, marked by its detail.
fn by<'a>(user: &User, action: Action, at: i64, marker: &str) -> DatedEntry<'a> {
    DatedEntry {
        at,
        entry: AuditEntry::by(Some(&user.actor()), action)
            .object("case", Uuid::now_v7())
            .detail(marker),
    }
}

async fn get(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let res = client.get(app.url(path)).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.text().await.unwrap())
}

/// The markers (`prefix` followed by 4 digits) a page shows, in page order.
fn markers(html: &str, prefix: &str) -> Vec<String> {
    html.match_indices(prefix)
        .filter_map(|(i, _)| {
            let digits = html.get(i + prefix.len()..i + prefix.len() + 4)?;
            digits
                .chars()
                .all(|c| c.is_ascii_digit())
                .then(|| format!("{prefix}{digits}"))
        })
        .collect()
}

/// The target of the link marked `rel="…"`, unescaped.
fn link(html: &str, rel: &str) -> Option<String> {
    let at = html.find(&format!("rel=\"{rel}\""))?;
    let start = html[..at].rfind("href=\"")? + "href=\"".len();
    let end = start + html[start..].find('"')?;
    Some(html[start..end].replace("&amp;", "&").replace("&#38;", "&"))
}

both_backends!(
    admin_sees_entries_and_filters_narrow_them,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let admin = app.create_user(app.admin_org.id, &[Role::Admin]).await;
        let other_org = create_org(&app.store, "SHELTER-MARY").await;
        let worker = app.create_user(other_org.id, &[Role::CaseWorker]).await;
        let jan = day(2024, 1, 10) + 9 * 60 * MINUTE;
        let feb = day(2024, 2, 10) + 23 * 60 * MINUTE;
        let mut entries = vec![
            by(&worker, Action::Read, jan, "mk-0001"),
            by(&worker, Action::Read, feb, "mk-0002"),
            by(&admin, Action::Update, feb, "mk-0003"),
            by(&admin, Action::Read, day(2024, 2, 11), "mk-0004"),
        ];
        entries.push(DatedEntry {
            at: feb,
            entry: AuditEntry::by(None, Action::Backup)
                .object("backup", "b-42")
                .detail("mk-0005"),
        });
        append_many(&app.store, &entries).await.unwrap();
        let (client, _) = app.login(&admin.email, TEST_PASSWORD).await;

        let (status, html) = get(&client, &app, "/admin/audit").await;
        assert_eq!(status, 200);
        assert_eq!(
            markers(&html, "mk-"),
            ["mk-0005", "mk-0004", "mk-0003", "mk-0002", "mk-0001"],
            "newest first"
        );
        assert!(html.contains(&worker.email) && html.contains("Test User"));
        assert!(html.contains("SHELTER-MARY"));
        assert!(html.contains("2024-01-10 09:00"));
        assert!(
            html.contains("System / command line"),
            "entries without actor"
        );
        assert!(
            html.contains(">Read<") && html.contains(">Change<"),
            "translated actions"
        );
        assert!(html.contains("href=\"/admin/audit/alerts\""));
        assert!(
            html.contains("Organisation SHELTER-MARY"),
            "organisation pick-list"
        );

        let cases = [
            (
                format!("user={}", worker.email.to_uppercase()),
                vec!["mk-0002", "mk-0001"],
            ),
            ("action=update".to_string(), vec!["mk-0003"]),
            ("org=SHELTER-MARY".to_string(), vec!["mk-0002", "mk-0001"]),
            (
                "from=2024-02-01&to=2024-02-10".to_string(),
                vec!["mk-0005", "mk-0003", "mk-0002"],
            ),
            ("to=2024-01-31".to_string(), vec!["mk-0001"]),
            (
                "object_type=backup&object_id=b-42".to_string(),
                vec!["mk-0005"],
            ),
            (
                format!("user={}&action=read&from=2024-02-11", admin.email),
                vec!["mk-0004"],
            ),
            ("action=delete".to_string(), vec![]),
        ];
        for (query, want) in cases {
            let (status, html) = get(&client, &app, &format!("/admin/audit?{query}")).await;
            assert_eq!(status, 200, "{query}");
            assert_eq!(markers(&html, "mk-"), want, "{query}");
            if want.is_empty() {
                assert!(html.contains("No entries match these filters."));
            }
        }
        // The chosen values stay in the form.
        let (_, html) = get(
            &client,
            &app,
            "/admin/audit?action=update&org=SHELTER-MARY&from=2024-02-01",
        )
        .await;
        assert!(html.contains("<option value=\"update\" selected>"));
        assert!(html.contains("<option value=\"SHELTER-MARY\" selected>"));
        assert!(html.contains("value=\"2024-02-01\""));
        // Reading the log is itself audited: one entry per page shown (issue 10), naming
        // the filters, not their values.
        let before = app.count("SELECT COUNT(*) FROM audit_log", None).await;
        assert_eq!(app.status(&client, "/admin/audit?action=read").await, 200);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_log", None).await,
            before + 1
        );
        assert_eq!(
            app.count(
                "SELECT COUNT(*) FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log) \
                 AND action = 'list' AND object_type = 'audit_log' \
                 AND detail = 'route=GET /admin/audit; filters=action'",
                None
            )
            .await,
            1
        );
    }
);

both_backends!(
    bad_filters_are_field_errors,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let admin = app.create_user(app.admin_org.id, &[Role::Admin]).await;
        let (client, _) = app.login(&admin.email, TEST_PASSWORD).await;
        let (status, html) = get(
            &client,
            &app,
            "/admin/audit?user=nobody%40example.org&action=read",
        )
        .await;
        assert_eq!(status, 422);
        assert!(html.contains("No user has this e-mail address."));
        assert!(
            html.contains("value=\"nobody@example.org\""),
            "keeps the typed value"
        );
        assert!(html.contains("aria-invalid=\"true\" aria-describedby=\"user-error\""));
        assert!(html.contains("<option value=\"read\" selected>"));
        for (query, field, message) in [
            ("user=not-an-address", "user", "Enter an e-mail address"),
            ("from=2024-02-30", "from", "Enter a date such as"),
            (
                "from=2024-03-02&to=2024-03-01",
                "to",
                "The end date is before the start date.",
            ),
            ("org=NO-SUCH-ORG", "org", "No organisation has this code."),
            (
                "action=drop_table",
                "action",
                "Choose an action from the list.",
            ),
        ] {
            let (status, html) = get(&client, &app, &format!("/admin/audit?{query}")).await;
            assert_eq!(status, 422, "{query}");
            assert!(html.contains(message), "{query}");
            assert!(html.contains(&format!("id=\"{field}-error\"")), "{query}");
        }
        // The export refuses the same filters, and writes no audit entry.
        let (status, _) = get(
            &client,
            &app,
            "/admin/audit/export.csv?user=nobody%40example.org",
        )
        .await;
        assert_eq!(status, 422);
        assert_eq!(
            app.count(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'export'",
                None
            )
            .await,
            0
        );
        // A malformed page position is a bad request, not a server error.
        assert_eq!(app.status(&client, "/admin/audit?before=abc").await, 400);
    }
);

both_backends!(
    paging_with_before_has_no_overlap,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let admin = app.create_user(app.admin_org.id, &[Role::Admin]).await;
        let start = now_micros() - DAY;
        let entries: Vec<DatedEntry> = (0..120)
            .map(|i| DatedEntry {
                at: start + i * MINUTE,
                entry: AuditEntry::by(Some(&admin.actor()), Action::Read)
                    .object("paging", i)
                    .detail(format!("pg-{i:04}")),
            })
            .collect();
        append_many(&app.store, &entries).await.unwrap();
        let (client, _) = app.login(&admin.email, TEST_PASSWORD).await;
        let mut path = "/admin/audit?object_type=paging".to_string();
        let mut seen: Vec<String> = Vec::new();
        let mut pages = Vec::new();
        loop {
            let (status, html) = get(&client, &app, &path).await;
            assert_eq!(status, 200, "{path}");
            let page = markers(&html, "pg-");
            assert!(page.len() <= 50);
            pages.push((path.clone(), page.len(), link(&html, "prev")));
            seen.extend(page);
            match link(&html, "next") {
                Some(next) => {
                    assert!(
                        next.contains("object_type=paging"),
                        "keeps the filters: {next}"
                    );
                    assert!(next.contains("before="));
                    path = next;
                }
                None => break,
            }
        }
        assert_eq!(pages.iter().map(|p| p.1).collect::<Vec<_>>(), [50, 50, 20]);
        let want: Vec<String> = (0..120).rev().map(|i| format!("pg-{i:04}")).collect();
        assert_eq!(seen, want, "every entry once, newest first");
        // "Newer" goes back exactly one page, keeping the filters; the first page has none.
        assert_eq!(pages[0].2, None);
        assert_eq!(
            pages[1].2.as_deref(),
            Some("/admin/audit?object_type=paging")
        );
        assert_eq!(pages[2].2.as_deref(), Some(pages[1].0.as_str()));
    }
);

both_backends!(
    csv_export_is_neutralised_and_audited,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let admin = app.create_user(app.admin_org.id, &[Role::Admin]).await;
        let at = now_micros() - DAY;
        let entries = vec![
            DatedEntry {
                at,
                entry: AuditEntry::by(Some(&admin.actor()), Action::Update)
                    .object("csvtest", "Aşgabat")
                    .detail("=HYPERLINK(\"http://evil.example\",\"x\")"),
            },
            DatedEntry {
                at: at + MINUTE,
                entry: AuditEntry::by(None, Action::Import)
                    .object("csvtest", "Ашхабад, центр")
                    .detail("rows=3"),
            },
        ];
        append_many(&app.store, &entries).await.unwrap();
        let (client, _) = app.login(&admin.email, TEST_PASSWORD).await;
        let res = client
            .get(app.url("/admin/audit/export.csv?object_type=csvtest"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
        let today = chrono::Utc::now().format("%Y%m%d").to_string();
        assert_eq!(
            res.headers()["content-disposition"],
            format!("attachment; filename=\"audit-log-{today}.csv\"").as_str()
        );
        let bytes = res.bytes().await.unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 BOM first");
        let text = std::str::from_utf8(&bytes[3..]).unwrap();
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(
            lines[0],
            "seq,time,actor_user_id,actor_email,organisation_code,action,object_type,object_id,request_id,detail,mac"
        );
        assert_eq!(lines.len(), 4, "header, two rows, final line break: {text}");
        // Newest first.
        assert!(lines[1].contains(",import,csvtest,\"Ашхабад, центр\",,rows=3,"));
        let row: Vec<&str> = lines[2].split(',').collect();
        assert_eq!(row[2], admin.id.to_string());
        assert_eq!(row[3], admin.email);
        assert_eq!(row[4], "TEST-ORG");
        assert_eq!(row[5], "update");
        assert_eq!(row[7], "Aşgabat");
        assert!(
            row[1].ends_with('Z') && row[1].contains('T'),
            "RFC 3339 UTC: {}",
            row[1]
        );
        assert!(
            lines[2].contains(",\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\","),
            "formula neutralised: {}",
            lines[2]
        );
        // The export itself is in the log: who, how many rows, which filters — no personal data.
        let (detail, object_type): (Option<String>, Option<String>) = sqlx::query_as(
        "SELECT detail, object_type FROM audit_log WHERE action = 'export' AND actor_user_id = $1",
    )
    .bind(admin.id.to_string())
    .fetch_one(&app.store.db.pool)
    .await
    .unwrap();
        assert_eq!(object_type.as_deref(), Some("audit_log"));
        assert_eq!(detail.as_deref(), Some("rows=2; filters=object_type"));
        // And the log shows it, in the reader's words.
        let (_, html) = get(&client, &app, "/admin/audit?action=export").await;
        assert!(html.contains("Rows: 2; Filters: Object type"), "{html}");
    }
);

both_backends!(other_roles_are_refused, |backend: Backend| async move {
    let app = spawn_app(backend).await;
    for role in [
        Role::OrgAdmin,
        Role::CaseWorker,
        Role::Supervisor,
        Role::Viewer,
    ] {
        let user = app.create_user(app.admin_org.id, &[role]).await;
        let (client, _) = app.login(&user.email, TEST_PASSWORD).await;
        for path in [
            "/admin/audit",
            "/admin/audit/export.csv",
            "/admin/audit/alerts",
        ] {
            assert_eq!(app.status(&client, path).await, 403, "{role:?} {path}");
        }
    }
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'export'",
            None
        )
        .await,
        0
    );
});

both_backends!(
    alerts_list_bursts_and_resets,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let admin = app.create_user(app.admin_org.id, &[Role::Admin]).await;
        let reader = app.create_user(app.admin_org.id, &[Role::CaseWorker]).await;
        let steady = app.create_user(app.admin_org.id, &[Role::CaseWorker]).await;
        let (client, _) = app.login(&admin.email, TEST_PASSWORD).await;

        // A quiet log: every group says so.
        let (status, html) = get(&client, &app, "/admin/audit/alerts").await;
        assert_eq!(status, 200);
        assert_eq!(html.matches("Nothing to report.").count(), 6, "{html}");
        assert!(html.contains("Events of the last 30 days."));
        assert!(
            html.contains("href=\"/admin/audit\""),
            "link back to the log"
        );

        // Seven minutes past a 10-minute boundary, so that the bursts straddle two
        // window-sized buckets (36 + 24 reads, neither above 50 alone).
        let start = (now_micros() - 2 * DAY) / DAY * DAY + 7 * MINUTE;
        let mut entries = Vec::new();
        // 60 reads in 5 minutes: a burst. Exactly 50 in 10 minutes: not one (more than 50).
        for i in 0..60 {
            entries.push(by(
                &reader,
                if i % 3 == 0 {
                    Action::List
                } else {
                    Action::Read
                },
                start + i * 5_000_000,
                "r",
            ));
        }
        // A second burst of the same reader three hours later: 55 reads in 55 seconds.
        for i in 0..55 {
            entries.push(by(
                &reader,
                Action::Read,
                start + 180 * MINUTE + i * 1_000_000,
                "r2",
            ));
        }
        for i in 0..50 {
            entries.push(by(&steady, Action::Read, start + i * 11_000_000, "s"));
        }
        // Failed sign-ins naming an account id that is no account (and no SQL either).
        for i in 0..12 {
            entries.push(DatedEntry {
                at: start + 300 * MINUTE + i * 1_000_000,
                entry: AuditEntry::by(None, Action::LoginFailed).object("user", "x' OR '1'='1"),
            });
        }
        // Reads long ago do not count.
        for i in 0..80 {
            entries.push(by(
                &steady,
                Action::Read,
                start - 60 * DAY + i * 1_000_000,
                "old",
            ));
        }
        // An administrator's password reset of the reader's account.
        entries.push(DatedEntry {
            at: start + 30 * MINUTE,
            entry: AuditEntry::by(Some(&admin.actor()), Action::PasswordReset)
                .object("user", reader.id),
        });
        // Eleven failed sign-ins for the steady user's account within ten minutes.
        for i in 0..11 {
            entries.push(DatedEntry {
                at: start + 60 * MINUTE + i * 30_000_000,
                entry: AuditEntry::by(None, Action::LoginFailed).object("user", steady.id),
            });
        }
        entries.sort_by_key(|e| e.at);
        append_many(&app.store, &entries).await.unwrap();

        let (status, html) = get(&client, &app, "/admin/audit/alerts").await;
        assert_eq!(status, 200);
        let section = |id: &str| -> String {
            let from = html.find(&format!("id=\"group-{id}\"")).expect(id);
            let rest = &html[from..];
            rest[..rest.find("</section>").unwrap()].to_string()
        };
        let reads = section("reads");
        assert!(reads.contains(&reader.email), "{reads}");
        assert!(
            reads.contains(">60</td>") && reads.contains(">55</td>"),
            "{reads}"
        );
        assert_eq!(
            reads.matches("<tr>").count(),
            3,
            "a header and two bursts: {reads}"
        );
        assert!(
            !reads.contains(&steady.email),
            "50 reads are not more than 50: {reads}"
        );
        assert!(reads.contains(&format!(
            "href=\"/admin/audit?user={}\"",
            reader.email.replace('@', "%40")
        )));
        let resets = section("resets");
        assert!(
            resets.contains(&admin.email) && resets.contains(&reader.id.to_string()),
            "{resets}"
        );
        let failed = section("failed");
        assert!(
            failed.contains(&steady.email) && failed.contains(">11</td>"),
            "{failed}"
        );
        assert!(
            failed.contains("x&#39; OR &#39;1&#39;=&#39;1") && failed.contains(">12</td>"),
            "{failed}"
        );
        for quiet in ["exports", "consent", "throttled"] {
            assert!(section(quiet).contains("Nothing to report."), "{quiet}");
        }
        // A shorter period leaves the old bursts out; a bad number is a field error.
        let (status, html) = get(&client, &app, "/admin/audit/alerts?days=1").await;
        assert_eq!(status, 200);
        assert_eq!(html.matches("Nothing to report.").count(), 6);
        let (status, html) = get(&client, &app, "/admin/audit/alerts?days=0").await;
        assert_eq!(status, 422);
        assert!(html.contains("id=\"days-error\"") && html.contains("value=\"0\""));
    }
);

both_backends!(pages_speak_russian, |backend: Backend| async move {
    let app = spawn_app(backend).await;
    let admin = app.create_user(app.admin_org.id, &[Role::Admin]).await;
    let (client, _) = app.login(&admin.email, TEST_PASSWORD).await;
    assert_eq!(app.status(&client, "/lang/ru?next=/admin/audit").await, 303);
    let (status, html) = get(&client, &app, "/admin/audit").await;
    assert_eq!(status, 200);
    assert!(html.contains("<html lang=\"ru\">"));
    assert!(html.contains("Журнал аудита") && html.contains("Фильтры"));
    assert!(html.contains(">Вход<"), "the sign-in entry, translated");
    assert!(html.contains("Необычные события"));
    let (status, html) = get(&client, &app, "/admin/audit?user=nobody%40example.org").await;
    assert_eq!(status, 422);
    assert!(html.contains("Нет пользователя с таким адресом эл. почты."));
    let (_, html) = get(&client, &app, "/admin/audit/alerts").await;
    assert!(html.contains("Всплески просмотров") && html.contains("Ничего не обнаружено."));
});

both_backends!(
    append_many_keeps_the_chain_intact,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let admin = app.create_user(app.admin_org.id, &[Role::Admin]).await;
        let start = now_micros() - 90 * DAY;
        // More than one INSERT statement's worth, with and without optional fields.
        let entries: Vec<DatedEntry> = (0..450)
            .map(|i| DatedEntry {
                at: start + i * MINUTE,
                entry: if i % 2 == 0 {
                    AuditEntry::by(Some(&admin.actor()), Action::Read)
                        .object("case", Uuid::now_v7())
                        .request(Some("req-1"))
                } else {
                    AuditEntry::by(None, Action::LoginFailed)
                },
            })
            .collect();
        let head = append_many(&app.store, &entries).await.unwrap().unwrap();
        // A normal append continues the chain.
        let mut unit = app.store.unit().await.unwrap();
        unit.audit(AuditEntry::by(Some(&admin.actor()), Action::Logout))
            .await
            .unwrap();
        unit.commit().await.unwrap();
        let head_file = read_head_file(&app.dir.path().join("audit-head.json"))
            .unwrap()
            .unwrap();
        assert_eq!(head_file.seq, head.seq + 1);
        match verify(&app.store, Some(&head_file)).await.unwrap() {
            Verdict::Intact { entries, head } => {
                assert_eq!(entries, head_file.seq);
                assert_eq!(head, Some(head_file));
            }
            broken => panic!("chain broken: {broken:?}"),
        }
        // And tampering with a batch entry is noticed.
        app.exec(
            "UPDATE audit_log SET detail = 'edited' WHERE seq = $1",
            &[yoldash_testkit::Param::Int(head.seq - 10)],
        )
        .await;
        assert!(matches!(
            verify(&app.store, None).await.unwrap(),
            Verdict::Broken { .. }
        ));
    }
);
