//! Who may set and who may lift a case's protections, and reassign it: setting
//! "restricted" or "family member implicated" is open to whoever manages the case;
//! reassigning and lifting either are supervisor decisions, audited and in the history.
//! Over the pages and the API, for every role.

use uuid::Uuid;
use yoldash_domain::Role;
use yoldash_store::sessions::SessionStage;
use yoldash_store::users::User;
use yoldash_testkit::{Backend, TestApp, both_backends, spawn_app};

/// A change to the details of a case.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Change {
    SetRestricted,
    SetFamilyImplicated,
    LiftRestricted,
    LiftFamilyImplicated,
    /// To the caller, or to another worker when the caller already holds the case.
    Reassign,
}

const CHANGES: [Change; 5] = [
    Change::SetRestricted,
    Change::SetFamilyImplicated,
    Change::LiftRestricted,
    Change::LiftFamilyImplicated,
    Change::Reassign,
];

/// A case of the test organisation held by `worker`, with the protections `change` starts from.
async fn case_for(app: &TestApp, worker: &User, change: Change) -> String {
    app.register_draft_case(
        worker,
        change == Change::LiftRestricted,
        change == Change::LiftFamilyImplicated,
    )
    .await
}

/// The stored (version, assigned worker, restricted, family implicated) of a case.
async fn stored(app: &TestApp, code: &str) -> (i64, Option<String>, i64, i64) {
    sqlx::query_as(
        "SELECT version, assigned_worker_id, restricted, family_implicated FROM cases WHERE code = $1",
    )
    .bind(code)
    .fetch_one(&app.store.db.pool)
    .await
    .unwrap()
}

struct Caller {
    label: String,
    user: User,
    cookie: String,
    csrf: String,
    token: String,
}

async fn caller(app: &TestApp, label: &str, roles: &[Role]) -> Caller {
    let user = app.create_user(app.admin_org.id, roles).await;
    let (cookie, csrf) = app.session_cookie(&user, SessionStage::Full).await;
    Caller {
        label: label.to_string(),
        token: app.token_for(&user).await,
        user,
        cookie,
        csrf,
    }
}

/// The reason given with every lift in these tests.
const REASON: &str = "The recruiter was convicted; the family is safe again.";

/// Makes `change` to the case as `who`, over the API or the case page: status and body.
/// A lift comes with its reason.
async fn make(
    app: &TestApp,
    who: &Caller,
    api: bool,
    code: &str,
    change: Change,
    other: Uuid,
) -> (u16, String) {
    make_with(app, who, api, code, change, other, REASON).await
}

/// `make`, with the reason given (`""`: none).
async fn make_with(
    app: &TestApp,
    who: &Caller,
    api: bool,
    code: &str,
    change: Change,
    other: Uuid,
    reason: &str,
) -> (u16, String) {
    let (version, worker, restricted, family) = stored(app, code).await;
    let mut worker = worker.map(|w| Uuid::parse_str(&w).unwrap());
    let (mut restricted, mut family) = (restricted != 0, family != 0);
    match change {
        Change::SetRestricted => restricted = true,
        Change::SetFamilyImplicated => family = true,
        Change::LiftRestricted => restricted = false,
        Change::LiftFamilyImplicated => family = false,
        Change::Reassign if worker == Some(who.user.id) => worker = Some(other),
        Change::Reassign => worker = Some(who.user.id),
    }
    let client = app.client_with_cookie(if api { "" } else { &who.cookie });
    let req = if api {
        client
            .put(app.url(&format!("/api/v1/cases/{code}/details")))
            .bearer_auth(&who.token)
            .json(&serde_json::json!({
                "version": version,
                "case_type": "vulnerable_migrant",
                "risk": null,
                "assigned_worker_id": worker,
                "restricted": restricted,
                "family_implicated": family,
                "decision_reason": reason,
            }))
    } else {
        let version = version.to_string();
        let worker = worker.map(|w| w.to_string()).unwrap_or_default();
        let mut form = vec![
            ("csrf", who.csrf.as_str()),
            ("version", version.as_str()),
            ("case_type", "vulnerable_migrant"),
            ("assigned_worker", worker.as_str()),
            ("decision_reason", reason),
        ];
        if restricted {
            form.push(("restricted", "1"));
        }
        if family {
            form.push(("family_implicated", "1"));
        }
        client
            .post(app.url(&format!("/cases/{code}/details")))
            .form(&form)
    };
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    (status, res.text().await.unwrap_or_default())
}

both_backends!(
    who_may_set_and_who_may_lift_protections,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let holder = caller(&app, "assigned case worker", &[Role::CaseWorker]).await;
        let colleague = caller(&app, "another case worker", &[Role::CaseWorker]).await;
        let mut callers = vec![holder, colleague];
        for role in Role::ALL {
            if role != Role::CaseWorker {
                callers.push(caller(&app, role.as_str(), &[role]).await);
            }
        }
        let mut failures = Vec::new();
        for who in &callers {
            for change in CHANGES {
                for api in [false, true] {
                    let code = case_for(&app, &callers[0].user, change).await;
                    let before = stored(&app, &code).await;
                    let (status, body) =
                        make(&app, who, api, &code, change, callers[1].user.id).await;
                    let roles = &who.user.roles;
                    let manages =
                        roles.contains(&Role::CaseWorker) || roles.contains(&Role::Supervisor);
                    let supervises = roles.contains(&Role::Supervisor);
                    let lifts =
                        !matches!(change, Change::SetRestricted | Change::SetFamilyImplicated);
                    // A restricted case is out of sight of a worker who does not hold it.
                    let hidden = change == Change::LiftRestricted
                        && !supervises
                        && who.user.id != callers[0].user.id;
                    let want = if !manages {
                        403
                    } else if hidden {
                        404
                    } else if lifts && !supervises {
                        403
                    } else if api {
                        200
                    } else {
                        303
                    };
                    let label = format!(
                        "{} {change:?} over the {}",
                        who.label,
                        if api { "API" } else { "page" }
                    );
                    if status != want {
                        failures.push(format!("{label}: expected {want}, got {status}"));
                    }
                    let changed = stored(&app, &code).await != before;
                    if changed != (want == 200 || want == 303) {
                        failures.push(format!("{label}: changed = {changed}"));
                    }
                    if manages && lifts && !supervises && !hidden {
                        let says = if api {
                            body.contains("/problems/supervisor-decision")
                        } else {
                            body.contains("decisions for a case supervisor")
                        };
                        if !says {
                            failures.push(format!("{label}: the refusal does not say why"));
                        }
                    }
                }
            }
        }
        assert!(
            failures.is_empty(),
            "protection changes:\n{}",
            failures.join("\n")
        );
    }
);

both_backends!(
    a_supervisor_decision_is_audited_shown_in_the_history_and_offered_only_to_supervisors,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let holder = caller(&app, "worker", &[Role::CaseWorker]).await;
        let supervisor = caller(&app, "supervisor", &[Role::Supervisor]).await;
        let code = case_for(&app, &holder.user, Change::LiftRestricted).await;
        let app = &app;
        let page = |who: &Caller, tab: &str| {
            let client = app.client_with_cookie(&who.cookie);
            let path = format!("/cases/{code}?tab={tab}");
            async move { app.page(&client, &path).await }
        };
        // The worker sees the protections as they are, not as controls they could use.
        let form = page(&holder, "safety").await;
        assert!(
            form.contains(r#"name="restricted" value="1" checked disabled"#),
            "the worker is offered to lift the restriction"
        );
        assert!(form.contains(r#"<input type="hidden" name="restricted" value="1">"#));
        // Said once for the set, naming who decides; each locked control says so in a word.
        assert_eq!(
            form.matches("decisions for a supervisor of your organisation")
                .count(),
            1,
            "{form}"
        );
        assert!(form.contains(&supervisor.user.display_name));
        // Said once: the locked controls keep their own hints.
        assert!(!form.contains("A supervisor&#39;s decision."), "{form}");
        assert!(
            !form.contains(r#"name="decision_reason""#),
            "no reason field for the worker"
        );
        assert!(
            form.contains(r#"name="family_implicated" value="1" aria"#)
                || form.contains(r#"name="family_implicated" value="1">"#),
            "setting a protection stays open to the worker"
        );
        let form = page(&supervisor, "safety").await;
        assert!(
            !form.contains("disabled"),
            "the supervisor may change everything"
        );
        assert!(form.contains(r#"name="decision_reason""#));

        // A lift without a reason is refused next to the reason field, keeping the choice;
        // spaces and invisible characters are no reason.
        for (api, none) in [(false, "  "), (true, "\u{a0}\u{200b}"), (true, "")] {
            let before = stored(app, &code).await;
            let (status, body) = make_with(
                app,
                &supervisor,
                api,
                &code,
                Change::LiftRestricted,
                holder.user.id,
                none,
            )
            .await;
            assert_eq!(status, 422, "{body}");
            assert_eq!(stored(app, &code).await, before, "nothing changed");
            if api {
                assert!(body.contains("lift-reason-required"), "{body}");
            } else {
                assert!(
                    body.contains("You are lifting a protection: say why"),
                    "{body}"
                );
                assert!(body.contains(r#"id="decision_reason-error""#), "{body}");
                assert!(
                    body.contains(r#"name="restricted" value="1">"#)
                        || !body.contains(r#"name="restricted" value="1" checked"#),
                    "the unticked box stays unticked"
                );
            }
        }

        let (status, _) = make(
            app,
            &supervisor,
            false,
            &code,
            Change::LiftRestricted,
            holder.user.id,
        )
        .await;
        assert_eq!(status, 303);
        let history = page(&supervisor, "history").await;
        assert!(
            history.contains("Supervisor decision"),
            "the history does not show the decision"
        );
        assert!(
            history.contains("Reason for lifting a protection"),
            "{history}"
        );
        assert!(
            history.contains(REASON),
            "the history does not keep the reason"
        );
        let detail: String = sqlx::query_scalar(
            "SELECT detail FROM audit_log WHERE action = 'update' AND object_type = 'case' AND actor_user_id = $1",
        )
        .bind(supervisor.user.id.to_string())
        .fetch_one(&app.store.db.pool)
        .await
        .unwrap();
        assert_eq!(detail, "supervisor_decision=lift_restricted");
        // The reason may hold personal details: never in the audit log.
        let all: Vec<String> = sqlx::query_scalar("SELECT COALESCE(detail, '') FROM audit_log")
            .fetch_all(&app.store.db.pool)
            .await
            .unwrap();
        assert!(all.iter().all(|d| !d.contains("recruiter")), "{all:?}");
    }
);
