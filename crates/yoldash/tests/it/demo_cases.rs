//! `yoldash demo --cases N --no-serve`: the demo organisations get synthetic cases of
//! every kind, once.

use crate::{stderr, stdout, yoldash};
use yoldash_testkit::{Backend, TestApp, both_backends, spawn_app};

async fn cases_of(app: &TestApp, org: &str) -> i64 {
    app.count(
        "SELECT COUNT(*) FROM cases c JOIN organisations o ON o.id = c.org_id WHERE o.code = $1",
        Some(org),
    )
    .await
}

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    app.count(sql, None).await
}

both_backends!(
    demo_creates_synthetic_cases_once,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let out = yoldash(&app, &["demo", "--cases", "40", "--no-serve"]);
        assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
        let printed = stdout(&out);
        assert!(printed.contains("Synthetic cases: 40"), "{printed}");
        for account in [
            "caseworker2@demo.yoldash",
            "shelter.supervisor@demo.yoldash",
            "shelter.caseworker2@demo.yoldash",
            "migration.supervisor@demo.yoldash",
            "migration.caseworker2@demo.yoldash",
        ] {
            assert!(printed.contains(account), "{account} in the accounts file");
        }

        // Counts: all of them, spread over the three case-handling organisations.
        assert_eq!(count(&app, "SELECT COUNT(*) FROM cases").await, 40);
        let mut per_org = 0;
        for org in ["DEMO-NGO-LEBAP", "DEMO-SHELTER", "DEMO-MIGRATION"] {
            let n = cases_of(&app, org).await;
            assert!(n >= 3, "{org} has {n} cases");
            per_org += n;
        }
        assert_eq!(per_org, 40);
        // Each case worker is someone of the owning organisation.
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM cases c JOIN users u ON u.id = c.assigned_worker_id WHERE u.org_id = c.org_id"
            )
            .await,
            40
        );

        // Children with both parents abroad, one of them with nobody caring at home.
        let both_abroad = count(
            &app,
            "SELECT COUNT(*) FROM cases c WHERE (SELECT COUNT(*) FROM household_members h \
             WHERE h.case_id = c.id AND h.relation = 'parent' AND h.situation = 'abroad') >= 2",
        )
        .await;
        assert!(both_abroad >= 2, "{both_abroad} with both parents abroad");
        let alone = count(
            &app,
            "SELECT COUNT(*) FROM cases c WHERE (SELECT COUNT(*) FROM household_members h \
             WHERE h.case_id = c.id AND h.relation = 'parent' AND h.situation = 'abroad') >= 2 \
             AND NOT EXISTS (SELECT 1 FROM household_members h WHERE h.case_id = c.id \
             AND h.situation <> 'abroad' AND h.cares_for_child = 1)",
        )
        .await;
        assert!(alone >= 1, "a child alone at home");
        assert!(
            count(
                &app,
                "SELECT COUNT(*) FROM household_members WHERE relation = 'caregiver'"
            )
            .await
                >= 1
        );

        // Consents for every purpose, some withdrawn; identifications with several outcomes.
        assert!(count(&app, "SELECT COUNT(*) FROM consents").await >= 40);
        assert_eq!(
            count(&app, "SELECT COUNT(DISTINCT purpose) FROM consents").await,
            3
        );
        assert!(
            count(
                &app,
                "SELECT COUNT(*) FROM consents WHERE given_by IN ('parent', 'guardian', 'representative')"
            )
            .await
                >= 1
        );
        assert!(count(&app, "SELECT COUNT(*) FROM identifications").await >= 5);
        assert!(
            count(
                &app,
                "SELECT COUNT(DISTINCT trafficking_status) FROM identifications"
            )
            .await
                >= 2
        );
        assert!(
            count(
                &app,
                "SELECT COUNT(*) FROM cases WHERE trafficking_status = 'actual'"
            )
            .await
                >= 1
        );

        // Statuses across the workflow, closures with a reason, a draft, a waiting
        // closure request, restricted and family-implicated cases.
        assert!(count(&app, "SELECT COUNT(DISTINCT status) FROM cases").await >= 4);
        assert!(
            count(
                &app,
                "SELECT COUNT(*) FROM cases WHERE status = 'closed' AND closure_reason IS NOT NULL"
            )
            .await
                >= 1
        );
        assert!(count(&app, "SELECT COUNT(*) FROM cases WHERE draft = 1").await >= 1);
        assert!(
            count(
                &app,
                "SELECT COUNT(*) FROM cases WHERE closure_requested_by IS NOT NULL AND status <> 'closed'"
            )
            .await
                >= 1
        );
        assert!(count(&app, "SELECT COUNT(*) FROM cases WHERE restricted = 1").await >= 1);
        assert!(
            count(
                &app,
                "SELECT COUNT(*) FROM cases WHERE family_implicated = 1"
            )
            .await
                >= 1
        );
        assert!(count(&app, "SELECT COUNT(DISTINCT case_type) FROM cases").await >= 4);
        assert!(count(&app, "SELECT COUNT(DISTINCT sex) FROM cases").await >= 2);

        // The personal data is encrypted and reads back through the store.
        let supervisor = app
            .store
            .user_by_email("supervisor@demo.yoldash")
            .await
            .unwrap()
            .actor();
        let code: String = sqlx::query_scalar(
            "SELECT c.code FROM cases c JOIN organisations o ON o.id = c.org_id \
             WHERE o.code = 'DEMO-NGO-LEBAP' AND c.draft = 0 AND c.family_implicated = 0 \
             AND (SELECT COUNT(*) FROM household_members h WHERE h.case_id = c.id) >= 2 \
             ORDER BY c.created_at LIMIT 1",
        )
        .fetch_one(&app.store.db.pool)
        .await
        .unwrap();
        let file = app.store.open_case(&supervisor, &code, None).await.unwrap();
        assert!(!file.person.record.identity.full_name().is_empty());
        assert!(!file.person.record.identity.narrative.is_empty());
        assert!(file.household.as_ref().is_some_and(|h| h.len() >= 2));
        assert!(!file.consents.is_empty());
        let identity =
            sqlx::query_scalar::<_, Vec<u8>>("SELECT identity FROM persons WHERE id = $1")
                .bind(file.person.id.to_string())
                .fetch_one(&app.store.db.pool)
                .await
                .unwrap();
        let family = file.person.record.identity.family_name.as_bytes();
        assert!(
            !identity.windows(family.len()).any(|w| w == family),
            "names are stored encrypted"
        );

        // A second run adds nothing.
        let again = yoldash(&app, &["demo", "--cases", "40", "--no-serve"]);
        assert!(again.status.success(), "{}", stderr(&again));
        assert!(
            stdout(&again).contains("already hold 40 cases"),
            "{}",
            stdout(&again)
        );
        assert_eq!(count(&app, "SELECT COUNT(*) FROM cases").await, 40);

        // Batched writes kept the audit chain whole.
        let verify = yoldash(&app, &["audit", "verify"]);
        assert!(verify.status.success(), "{}", stdout(&verify));
    }
);
