//! The authorization matrix: every path of the route table × every method a client can send
//! (the table's own, HEAD, OPTIONS and the other standard methods) × every caller —
//! anonymous, each role by session and by API token, and sessions at each sign-in stage.
//!
//! Built from `routes::table()`, the same table that builds the router: a route added
//! without an access rule cannot exist, and a new route, or a new method on an existing
//! path, is covered here automatically. The callers are split over several tests so that
//! they run in parallel.

use reqwest::Method;
use std::collections::BTreeMap;
use yoldash_domain::{PermissionTable, Role};
use yoldash_store::sessions::SessionStage;
use yoldash_testkit::{Backend, Param, TestApp, both_backends, create_org, spawn_app};
use yoldash_web::auth::ALLOWED_BEFORE_SETUP;
use yoldash_web::routes::{Access, table};

/// What the matrix expects of one request.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    /// The handler runs: anything but 401, 403, 405 or 5xx (and no redirect to sign-in).
    Allowed,
    /// 401 for the API, a redirect to the sign-in page for pages.
    SignIn,
    /// Half signed in: 401 for the API, a redirect to the second-factor page for pages.
    SecondFactor,
    /// A password change or second-factor enrolment comes first: 403 for the API, a
    /// redirect to that page for pages.
    Setup(&'static str),
    Forbidden,
    /// The caller may use the path, but not with this method: 405 with `Allow`.
    MethodNotAllowed,
}

/// How a caller is signed in.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Via {
    Anonymous,
    Session(SessionStage),
    /// A session of a user who must change their password.
    MustChangePassword,
    Token,
}

struct Caller {
    label: String,
    roles: Vec<Role>,
    via: Via,
    cookie: String,
    csrf: String,
    bearer: Option<String>,
}

struct Ids {
    own_user: String,
    foreign_user: String,
    spare_org: String,
    own_case: String,
    foreign_case: String,
}

struct Fixture {
    app: TestApp,
    perms: PermissionTable,
    ids: Ids,
}

fn concrete(path: &str, ids: &Ids, foreign: bool) -> String {
    if path.starts_with("/cases/") || path.starts_with("/api/v1/cases/") {
        let case = if foreign {
            &ids.foreign_case
        } else {
            &ids.own_case
        };
        // `{id}` of a case's record: an id that names nothing (the case decides 404 first).
        return path
            .replace("{code}", case)
            .replace("{id}", "01900000-0000-7000-8000-000000000000");
    }
    let id = if path.starts_with("/api/v1/users/") || path.starts_with("/admin/users/") {
        if foreign {
            &ids.foreign_user
        } else {
            &ids.own_user
        }
    } else {
        &ids.spare_org
    };
    path.replace("{id}", id)
        .replace("{file}", "app.css")
        .replace("{list}", "closure_reason")
        .replace("{code}", "ru")
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

/// What a caller gets from a route whose rule is `access`.
fn expected(access: Access, pattern: &str, caller: &Caller, perms: &PermissionTable) -> Expect {
    let Access::Signed(permission) = access else {
        return Expect::Allowed;
    };
    let before_setup = ALLOWED_BEFORE_SETUP.contains(&pattern);
    match caller.via {
        Via::Anonymous => return Expect::SignIn,
        // An API token is not looked at on a page: the caller is anonymous there.
        Via::Token if !is_api(pattern) => return Expect::SignIn,
        Via::Session(SessionStage::AwaitingCode) if pattern != "/logout" => {
            return Expect::SecondFactor;
        }
        Via::MustChangePassword if !before_setup => return Expect::Setup("/account/password"),
        Via::Session(SessionStage::MustEnrol) if !before_setup => {
            return Expect::Setup("/account/security/enrol");
        }
        _ => {}
    }
    if perms.allows(&caller.roles, permission) {
        Expect::Allowed
    } else {
        Expect::Forbidden
    }
}

/// The rule the router applies to `method` on a path with these listed rules: the listed
/// one, GET's for HEAD, none otherwise.
fn rule_for(
    rules: &BTreeMap<String, (Access, Option<&'static str>)>,
    method: &Method,
) -> Option<(Access, Option<&'static str>)> {
    rules.get(method.as_str()).copied().or_else(|| {
        (*method == Method::HEAD)
            .then(|| rules.get("GET").copied())
            .flatten()
    })
}

fn matches(
    want: Expect,
    api: bool,
    status: u16,
    location: Option<&str>,
    allow: bool,
    public: bool,
) -> bool {
    match want {
        Expect::Allowed => {
            !matches!(status, 401 | 403 | 405)
                && status < 500
                && (public || !matches!(location, Some("/login" | "/login/second-factor")))
        }
        Expect::SignIn if api => status == 401,
        Expect::SignIn => status == 303 && location == Some("/login"),
        Expect::SecondFactor if api => status == 401,
        Expect::SecondFactor => status == 303 && location == Some("/login/second-factor"),
        Expect::Setup(_) if api => status == 403,
        Expect::Setup(page) => status == 303 && location == Some(page),
        Expect::Forbidden => status == 403,
        Expect::MethodNotAllowed => status == 405 && allow,
    }
}

/// The answer's status, `Location`, and whether it names the allowed methods.
async fn call(
    app: &TestApp,
    caller: &Caller,
    method: &Method,
    path: &str,
) -> (u16, Option<String>, bool) {
    let client = app.client_with_cookie(&caller.cookie);
    let mut req = client.request(method.clone(), app.url(path));
    if let Some(t) = &caller.bearer {
        req = req.bearer_auth(t);
    }
    if !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        req = req.header("x-csrf-token", &caller.csrf);
        if is_api(path) {
            req = req.header("content-type", "application/json").body("{}");
        } else {
            req = req
                .header("content-type", "application/x-www-form-urlencoded")
                .body("");
        }
    }
    let res = req.send().await.expect("request");
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let location = header("location");
    let allow = header("allow").is_some_and(|a| !a.trim().is_empty());
    (res.status().as_u16(), location, allow)
}

/// A case registered by a case worker of `org`; returns its code.
async fn case_of(app: &TestApp, org: uuid::Uuid) -> String {
    let worker = app.create_user(org, &[Role::CaseWorker]).await;
    app.register_draft_case(&worker, false, false).await
}

async fn fixture(backend: Backend) -> Fixture {
    let app = spawn_app(backend).await;
    let other = create_org(&app.store, "OTHER-ORG").await;
    let spare = create_org(&app.store, "SPARE-ORG").await;
    let ids = Ids {
        own_user: app
            .create_user(app.admin_org.id, &[Role::Viewer])
            .await
            .id
            .to_string(),
        foreign_user: app
            .create_user(other.id, &[Role::Viewer])
            .await
            .id
            .to_string(),
        spare_org: spare.id.to_string(),
        own_case: case_of(&app, app.admin_org.id).await,
        foreign_case: case_of(&app, other.id).await,
    };
    Fixture {
        app,
        perms: PermissionTable::shipped(),
        ids,
    }
}

/// A caller of the test organisation holding `roles`, signed in as `via` says.
async fn caller(app: &TestApp, roles: &[Role], via: Via) -> Caller {
    let label = format!("{roles:?} {via:?}");
    if via == Via::Anonymous {
        // The sign-in form's double-submit cookie, so that POSTs reach their rule.
        return Caller {
            label,
            roles: vec![],
            via,
            cookie: format!(
                "{}=matrix",
                yoldash_web::auth::Cookie::LoginCsrf.name(false)
            ),
            csrf: "matrix".into(),
            bearer: None,
        };
    }
    let user = app.create_user(app.admin_org.id, roles).await;
    if via == Via::Token {
        // On pages a token caller is anonymous: it has the sign-in form's cookie too.
        return Caller {
            label,
            roles: roles.to_vec(),
            via,
            cookie: format!(
                "{}=matrix",
                yoldash_web::auth::Cookie::LoginCsrf.name(false)
            ),
            csrf: "matrix".into(),
            bearer: Some(app.token_for(&user).await),
        };
    }
    let stage = match via {
        Via::Session(stage) => stage,
        _ => {
            app.exec(
                "UPDATE users SET must_change_password = 1 WHERE id = $1",
                &[Param::Text(&user.id.to_string())],
            )
            .await;
            SessionStage::Full
        }
    };
    let (cookie, csrf) = app.session_cookie(&user, stage).await;
    Caller {
        label,
        roles: roles.to_vec(),
        via,
        cookie,
        csrf,
        bearer: None,
    }
}

/// Every method worth asking of a path: the standard ones and any the table uses.
fn methods() -> Vec<Method> {
    let mut all = vec![
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::OPTIONS,
    ];
    for e in table() {
        let m = Method::from_bytes(e.method.as_str().as_bytes()).unwrap();
        if !all.contains(&m) {
            all.push(m);
        }
    }
    all
}

/// Runs every path × method for each caller; returns the failures and the number of checks.
async fn run(fx: &Fixture, callers: &[Caller]) -> (Vec<String>, usize) {
    let mut paths: BTreeMap<&'static str, BTreeMap<String, (Access, Option<&'static str>)>> =
        BTreeMap::new();
    for e in table() {
        paths
            .entry(e.path)
            .or_default()
            .insert(e.method.as_str().to_string(), (e.access, e.owned));
    }
    // Sign-out last, so that the session lives through the other requests; its POST last of all.
    let mut order: Vec<(&'static str, Method)> = paths
        .keys()
        .flat_map(|p| methods().into_iter().map(move |m| (*p, m)))
        .collect();
    order.sort_by_key(|(p, m)| (*p == "/logout", *p == "/logout" && *m == Method::POST));
    let mut failures = Vec::new();
    let mut checked = 0;
    for caller in callers {
        for (pattern, method) in &order {
            let rules = &paths[pattern];
            let public = rules.values().any(|(a, _)| *a == Access::Public);
            let (want, owned) = match rule_for(rules, method) {
                Some((access, owned)) => (expected(access, pattern, caller, &fx.perms), owned),
                None => {
                    // No rule for this method: refused as the path's rules refuse this caller,
                    // 405 when one of them would let the caller in.
                    let outcomes: Vec<Expect> = rules
                        .values()
                        .map(|(a, _)| expected(*a, pattern, caller, &fx.perms))
                        .collect();
                    let want = if outcomes.contains(&Expect::Allowed) {
                        Expect::MethodNotAllowed
                    } else {
                        outcomes[0]
                    };
                    (want, None)
                }
            };
            let path = concrete(pattern, &fx.ids, false);
            let (status, location, allow) = call(&fx.app, caller, method, &path).await;
            checked += 1;
            if !matches(
                want,
                is_api(&path),
                status,
                location.as_deref(),
                allow,
                public,
            ) {
                failures.push(format!(
                    "{} {method} {path}: expected {want:?}, got {status} {}",
                    caller.label,
                    location.unwrap_or_default()
                ));
            }
            // Owned records of another organisation: 404 unless the role sees every organisation.
            if let (Some(kind), Expect::Allowed) = (owned, want) {
                let path = concrete(pattern, &fx.ids, true);
                let (status, _, _) = call(&fx.app, caller, method, &path).await;
                checked += 1;
                // Administrators see every organisation's accounts; nobody sees another
                // organisation's cases.
                let sees_all = caller.roles.contains(&Role::Admin) && kind != "case";
                let ok = if sees_all {
                    status != 404 && status < 500
                } else {
                    status == 404
                };
                if !ok {
                    failures.push(format!(
                        "{} {method} {path} ({kind} of another organisation): got {status}",
                        caller.label
                    ));
                }
            }
        }
    }
    // Paths no route matches: 404 whoever asks, with whatever method.
    for caller in callers {
        for path in [
            "/no-such-page",
            "/api/v1/no-such-resource",
            "/admin/users/x/y/z",
        ] {
            for method in methods() {
                let (status, _, _) = call(&fx.app, caller, &method, path).await;
                checked += 1;
                if status != 404 {
                    failures.push(format!(
                        "{} {method} {path} (no route): expected 404, got {status}",
                        caller.label
                    ));
                }
            }
        }
    }
    (failures, checked)
}

async fn check(fx: &Fixture, callers: Vec<Caller>) {
    let (failures, checked) = run(fx, &callers).await;
    assert!(
        failures.is_empty(),
        "authorization matrix: {} failures of {checked} checks:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked > 100 * callers.len(), "only {checked} checks ran");
}

both_backends!(
    matrix_anonymous_and_sign_in_stages,
    |backend: Backend| async move {
        let fx = fixture(backend).await;
        // A user holding every role: whatever a half-finished sign-in lets through shows.
        let callers = vec![
            caller(&fx.app, &[], Via::Anonymous).await,
            caller(
                &fx.app,
                &Role::ALL,
                Via::Session(SessionStage::AwaitingCode),
            )
            .await,
            caller(&fx.app, &Role::ALL, Via::Session(SessionStage::MustEnrol)).await,
            caller(&fx.app, &Role::ALL, Via::MustChangePassword).await,
        ];
        check(&fx, callers).await;
    }
);

both_backends!(
    matrix_sessions_of_every_role,
    |backend: Backend| async move {
        let fx = fixture(backend).await;
        let mut callers = Vec::new();
        for role in Role::ALL {
            callers.push(caller(&fx.app, &[role], Via::Session(SessionStage::Full)).await);
        }
        check(&fx, callers).await;
    }
);

both_backends!(matrix_tokens_of_every_role, |backend: Backend| async move {
    let fx = fixture(backend).await;
    let mut callers = Vec::new();
    for role in Role::ALL {
        callers.push(caller(&fx.app, &[role], Via::Token).await);
    }
    check(&fx, callers).await;
});

#[test]
fn every_signed_route_names_a_permission_some_role_has() {
    let perms = PermissionTable::shipped();
    for e in table() {
        if let Access::Signed(p) = e.access {
            assert!(
                Role::ALL.iter().any(|r| perms.allows(&[*r], p)),
                "{} {} needs {p:?}, which no role has",
                e.method,
                e.path
            );
        }
    }
}

both_backends!(
    refused_head_requests_have_no_side_effect,
    |backend: Backend| async move {
        let fx = fixture(backend).await;
        let app = &fx.app;
        let case = &fx.ids.own_case;
        // What a handler would have written; the refusals themselves are recorded
        // (`access_refused`, checked below).
        let audit_entries = || {
            app.count(
                "SELECT COUNT(*) FROM audit_log WHERE action <> 'access_refused'",
                None,
            )
        };
        let refusals = || {
            app.count(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'access_refused'",
                None,
            )
        };
        let refused_before = refusals().await;
        let worker = caller(
            app,
            &[Role::CaseWorker, Role::Supervisor],
            Via::Session(SessionStage::Full),
        )
        .await;
        let half = caller(
            app,
            &[Role::CaseWorker, Role::Supervisor],
            Via::Session(SessionStage::AwaitingCode),
        )
        .await;
        let unchanged = caller(
            app,
            &[Role::CaseWorker, Role::Supervisor],
            Via::MustChangePassword,
        )
        .await;
        let anonymous = caller(app, &[], Via::Anonymous).await;
        let before = audit_entries().await;
        let refused = [
            (&worker, "/admin/audit/export.csv".to_string(), 403),
            (&anonymous, "/api/v1/audit?limit=10000".to_string(), 401),
            (&anonymous, "/admin/audit/export.csv".to_string(), 303),
            (&half, format!("/api/v1/cases/{case}"), 401),
            (&half, format!("/cases/{case}"), 303),
            (&unchanged, format!("/api/v1/cases/{case}"), 403),
            (&unchanged, format!("/cases/{case}"), 303),
        ];
        for (who, path, status) in &refused {
            let (got, _, _) = call(app, who, &Method::HEAD, path).await;
            assert_eq!(got, *status, "{} HEAD {path}", who.label);
        }
        assert_eq!(
            audit_entries().await,
            before,
            "a refused HEAD request ran its handler (an audit entry was written)"
        );
        // The fully signed-in caller's two 403s (the worker's export, the token of an
        // account that must change its password) are recorded as refusals.
        assert_eq!(refusals().await, refused_before + 2);
        // HEAD follows GET's rule: the same requests by callers who may, run as GET would.
        let admin = caller(app, &[Role::Admin], Via::Session(SessionStage::Full)).await;
        let (got, _, _) = call(app, &admin, &Method::HEAD, "/admin/audit/export.csv").await;
        assert_eq!(got, 200);
        let (got, _, _) = call(
            app,
            &worker,
            &Method::HEAD,
            &format!("/api/v1/cases/{case}"),
        )
        .await;
        assert_eq!(got, 200);
        assert_eq!(
            app.count(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'export'",
                None
            )
            .await,
            1,
            "the administrator's HEAD export is audited like a GET"
        );
    }
);
