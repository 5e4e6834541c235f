//! The authorization matrix: every route of the route table × every role and anonymous.
//!
//! Built from `routes::table()`, the same table that builds the router: a route added
//! without an access rule cannot exist, and a new route is covered here automatically.

use reqwest::Method;
use yoldash_domain::{PermissionTable, Role};
use yoldash_testkit::{Backend, TEST_PASSWORD, both_backends, create_org, spawn_app};
use yoldash_web::routes::{Access, Endpoint, table};

/// What the matrix expects of one request.
#[derive(Debug, PartialEq)]
enum Expect {
    /// Anything but 401, 403 (and never 5xx).
    Allowed,
    /// 401 for the API, a redirect to the sign-in page for pages.
    SignIn,
    Forbidden,
}

struct Ids {
    own_user: String,
    foreign_user: String,
    spare_org: String,
    own_case: String,
    foreign_case: String,
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
        .replace("{code}", "ru")
}

fn expected(e: &Endpoint, roles: Option<&[Role]>, perms: &PermissionTable) -> Expect {
    match (e.access, roles) {
        (Access::Public, _) => Expect::Allowed,
        (Access::Signed(_), None) => Expect::SignIn,
        (Access::Signed(p), Some(r)) if !perms.allows(r, p) => Expect::Forbidden,
        _ => Expect::Allowed,
    }
}

async fn call(
    app: &yoldash_testkit::TestApp,
    client: &reqwest::Client,
    bearer: Option<&str>,
    csrf: &str,
    method: &reqwest::Method,
    path: &str,
) -> (u16, Option<String>) {
    let mut req = client.request(method.clone(), app.url(path));
    if let Some(t) = bearer.filter(|_| path.starts_with("/api/")) {
        req = req.bearer_auth(t);
    }
    if *method != Method::GET {
        req = req.header("x-csrf-token", csrf);
        if path.starts_with("/api/") {
            req = req.header("content-type", "application/json").body("{}");
        } else {
            req = req
                .header("content-type", "application/x-www-form-urlencoded")
                .body("");
        }
    }
    let res = req.send().await.expect("request");
    let loc = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    (res.status().as_u16(), loc)
}

/// A case registered by a case worker of `org`; returns its code.
async fn case_of(app: &yoldash_testkit::TestApp, org: uuid::Uuid) -> String {
    let worker = app.create_user(org, &[Role::CaseWorker]).await;
    let actor = yoldash_domain::Actor {
        user_id: worker.id,
        org_id: org,
        roles: vec![Role::CaseWorker],
    };
    let mut unit = app.store.unit().await.unwrap();
    let case = app
        .store
        .register_case(
            &mut unit,
            &actor,
            &yoldash_store::cases::NewCase {
                case_type: yoldash_domain::case::CaseType::VulnerableMigrant,
                person: Default::default(),
                risk: None,
                assigned_worker_id: None,
                restricted: false,
                family_implicated: false,
                draft: true,
            },
        )
        .await
        .unwrap();
    unit.commit().await.unwrap();
    case.code
}

both_backends!(every_route_for_every_role, |backend: Backend| async move {
    let app = spawn_app(backend).await;
    let perms = PermissionTable::shipped();
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
    // Sign-out last, so the session lives through the other routes.
    let mut routes = table();
    routes.sort_by_key(|e| e.path == "/logout");
    let mut actors: Vec<Option<Role>> = vec![None];
    actors.extend(Role::ALL.iter().copied().map(Some));
    let mut failures = Vec::new();
    let mut checked = 0;
    for role in actors {
        let roles: Option<Vec<Role>> = role.map(|r| vec![r]);
        let (client, csrf, token) = match role {
            Some(r) => {
                let user = app.create_user(app.admin_org.id, &[r]).await;
                let token = app.token_for(&user).await;
                let (client, csrf) = app.login(&user.email, TEST_PASSWORD).await;
                (client, csrf, Some(token))
            }
            None => {
                let client = app.client();
                let csrf = app.login_csrf(&client).await;
                (client, csrf, None)
            }
        };
        for e in &routes {
            let want = expected(e, roles.as_deref(), &perms);
            let path = concrete(e.path, &ids, false);
            let (status, location) =
                call(&app, &client, token.as_deref(), &csrf, &e.method, &path).await;
            checked += 1;
            let ok = match want {
                Expect::Allowed => status != 401 && status != 403 && status < 500,
                Expect::SignIn if path.starts_with("/api/") => status == 401,
                Expect::SignIn => status == 303 && location.as_deref() == Some("/login"),
                Expect::Forbidden => status == 403,
            };
            if !ok {
                failures.push(format!(
                    "{role:?} {} {path}: expected {want:?}, got {status}",
                    e.method
                ));
            }
            // Owned records of another organisation: 404 unless the role sees every organisation.
            if let (Some(kind), Expect::Allowed, Some(r)) = (e.owned, &want, role) {
                let path = concrete(e.path, &ids, true);
                let (status, _) =
                    call(&app, &client, token.as_deref(), &csrf, &e.method, &path).await;
                checked += 1;
                // Administrators see every organisation's accounts; nobody sees another
                // organisation's cases.
                let sees_all = r == Role::Admin && kind != "case";
                let ok = if sees_all {
                    status != 404 && status < 500
                } else {
                    status == 404
                };
                if !ok {
                    failures.push(format!(
                        "{role:?} {} {path} ({kind} of another organisation): got {status}",
                        e.method
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "authorization matrix failures:\n{}",
        failures.join("\n")
    );
    assert!(checked > 200, "only {checked} checks ran");
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
