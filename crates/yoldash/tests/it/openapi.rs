//! The OpenAPI document is the contract: every operation of the router under `/api/v1` is
//! in it and every operation in it has a route; real answers of every operation (successes
//! and the errors that can be provoked) have a declared status, content type and schema;
//! the request bodies sent match the request schemas, and the server refuses with 422 what
//! the schemas refuse. Built from `routes::table()`, so a later route is covered by itself.

use reqwest::Method;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use yoldash_domain::{PermissionTable, Role};
use yoldash_testkit::{Backend, TestApp, both_backends, spawn_app};
use yoldash_web::routes::{Access, table};

/// A path of the document that is not under `/api/v1` but is part of the API (load balancers).
const OUTSIDE_PREFIX: [&str; 1] = ["/healthz"];

/// What a test call sends.
enum Send {
    Nothing,
    /// A body that must be valid against the operation's request schema.
    Valid(Value),
    /// A body that must be refused by the operation's request schema.
    Refused(Value),
    /// Bytes that are not the JSON the operation reads at all.
    Raw(Vec<u8>),
}

struct Answer {
    status: u16,
    body: Value,
}

/// The document, the app, and what each operation has answered so far.
struct Contract<'a> {
    app: &'a TestApp,
    doc: Value,
    http: reqwest::Client,
    seen: Mutex<BTreeMap<(String, String), BTreeSet<u16>>>,
}

impl<'a> Contract<'a> {
    async fn load(app: &'a TestApp) -> Contract<'a> {
        let http = reqwest::Client::new();
        let res = http
            .get(app.url("/api/v1/openapi.json"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let doc: Value = res.json().await.unwrap();
        Contract {
            app,
            doc,
            http,
            seen: Mutex::new(BTreeMap::new()),
        }
    }

    /// Every (method, path pattern) the document describes.
    fn operations(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (path, item) in self.doc["paths"].as_object().expect("paths") {
            for method in ["get", "put", "post", "delete", "patch", "head", "options"] {
                if item.get(method).is_some() {
                    out.push((method.to_uppercase(), path.clone()));
                }
            }
        }
        out
    }

    fn operation(&self, method: &str, pattern: &str) -> &Value {
        let op = &self.doc["paths"][pattern][method.to_lowercase()];
        assert!(
            op.is_object(),
            "{method} {pattern} is not in the OpenAPI document"
        );
        op
    }

    fn request_schema(&self, method: &str, pattern: &str) -> Option<&Value> {
        self.operation(method, pattern)["requestBody"]["content"]
            .get("application/json")
            .map(|c| &c["schema"])
    }

    /// Compiles a schema of the document, its `$ref`s resolved in `#/components`.
    fn validator(&self, schema: &Value) -> jsonschema::Validator {
        let mut root = schema.clone();
        if let Value::Object(m) = &mut root {
            m.insert("components".into(), self.doc["components"].clone());
        } else {
            panic!("a schema that is not an object: {schema}");
        }
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&root)
            .unwrap_or_else(|e| panic!("schema does not compile ({e}): {schema}"))
    }

    fn violations(&self, schema: &Value, value: &Value) -> Vec<String> {
        self.validator(schema)
            .iter_errors(value)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect()
    }

    /// Whether the operation's request schema accepts `body`.
    fn accepts(&self, method: &str, pattern: &str, body: &Value) -> bool {
        let schema = self
            .request_schema(method, pattern)
            .unwrap_or_else(|| panic!("{method} {pattern} declares no JSON request body"));
        self.violations(schema, body).is_empty()
    }

    /// Calls `path` (an instance of `pattern`) and checks the answer against the document.
    async fn call(
        &self,
        method: &str,
        pattern: &str,
        path: &str,
        token: Option<&str>,
        send: Send,
    ) -> Answer {
        let op = self.operation(method, pattern);
        let mut req = self.http.request(
            Method::from_bytes(method.as_bytes()).unwrap(),
            self.app.url(path),
        );
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req = match send {
            Send::Nothing => req,
            Send::Valid(v) => {
                let schema = self
                    .request_schema(method, pattern)
                    .unwrap_or_else(|| panic!("{method} {pattern} declares no request body"));
                let wrong = self.violations(schema, &v);
                assert!(
                    wrong.is_empty(),
                    "{method} {pattern}: the body sent does not match the request schema: {wrong:?}\n{v}"
                );
                req.json(&v)
            }
            Send::Refused(v) => {
                assert!(
                    !self.accepts(method, pattern, &v),
                    "{method} {pattern}: the request schema accepts {v}"
                );
                req.json(&v)
            }
            Send::Raw(bytes) => req.header("content-type", "application/json").body(bytes),
        };
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        let content_type = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or_default().trim().to_string());
        let bytes = res.bytes().await.expect("body");
        self.seen
            .lock()
            .unwrap()
            .entry((method.to_string(), pattern.to_string()))
            .or_default()
            .insert(status);
        if (200..300).contains(&status) {
            self.check_query(method, pattern, path);
        }
        let declared = &op["responses"][status.to_string()];
        assert!(
            declared.is_object(),
            "{method} {path} answered {status}, which {method} {pattern} does not declare (declared: {:?}); body: {}",
            op["responses"]
                .as_object()
                .map(|r| r.keys().cloned().collect::<Vec<_>>()),
            String::from_utf8_lossy(&bytes)
        );
        if bytes.is_empty() {
            assert!(
                declared
                    .get("content")
                    .is_none_or(|c| c.as_object().is_some_and(|c| c.is_empty())),
                "{method} {pattern} {status}: empty body, but content is declared"
            );
            return Answer {
                status,
                body: Value::Null,
            };
        }
        let ct = content_type.unwrap_or_default();
        let Some(schema) = declared["content"].get(&ct).map(|c| &c["schema"]) else {
            panic!(
                "{method} {path} answered {status} as {ct:?}, not a declared content type ({:?})",
                declared["content"]
                    .as_object()
                    .map(|c| c.keys().cloned().collect::<Vec<_>>())
            );
        };
        let body: Value = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            panic!(
                "{method} {path} {status}: not JSON ({e}): {}",
                String::from_utf8_lossy(&bytes)
            )
        });
        let wrong = self.violations(schema, &body);
        assert!(
            wrong.is_empty(),
            "{method} {path} {status}: the body does not match the declared schema: {wrong:?}\n{body}"
        );
        Answer { status, body }
    }

    /// Every query parameter of an accepted call is declared, and its value fits its schema.
    fn check_query(&self, method: &str, pattern: &str, path: &str) {
        let Some((_, query)) = path.split_once('?') else {
            return;
        };
        let params = self.operation(method, pattern)["parameters"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for pair in query.split('&') {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let declared = params
                .iter()
                .find(|p| p["in"] == "query" && p["name"] == name)
                .unwrap_or_else(|| {
                    panic!("{method} {pattern}: query parameter {name} is not declared")
                });
            let schema = &declared["schema"];
            let typed = if schema["type"] == "integer" {
                value
                    .parse::<i64>()
                    .map(Value::from)
                    .unwrap_or(json!(value))
            } else {
                json!(value)
            };
            let wrong = self.violations(schema, &typed);
            assert!(
                wrong.is_empty(),
                "{method} {pattern}: query {name}={value} accepted by the server, refused by the schema: {wrong:?}"
            );
        }
    }

    /// A call whose status must be `expected`.
    async fn expect(
        &self,
        expected: u16,
        method: &str,
        pattern: &str,
        path: &str,
        token: Option<&str>,
        send: Send,
    ) -> Value {
        let a = self.call(method, pattern, path, token, send).await;
        assert_eq!(
            a.status, expected,
            "{method} {path}: expected {expected}, got {}: {}",
            a.status, a.body
        );
        a.body
    }
}

/// Walks every schema of the document (resolving `$ref`s once) and names placeholders: an
/// object with nothing said about its properties.
fn placeholders(
    doc: &Value,
    schema: &Value,
    at: &str,
    out: &mut Vec<String>,
    seen: &mut BTreeSet<String>,
) {
    match schema {
        Value::Object(m) => {
            if let Some(r) = m.get("$ref").and_then(Value::as_str) {
                if seen.insert(r.to_string()) {
                    let name = r.trim_start_matches("#/components/schemas/");
                    placeholders(doc, &doc["components"]["schemas"][name], r, out, seen);
                }
                return;
            }
            let is_object = m.get("type").is_some_and(|t| {
                t == "object"
                    || t.as_array()
                        .is_some_and(|a| a.iter().any(|x| x == "object"))
            });
            let described = [
                "properties",
                "additionalProperties",
                "allOf",
                "oneOf",
                "anyOf",
            ]
            .iter()
            .any(|k| m.contains_key(*k));
            if is_object && !described {
                out.push(at.to_string());
            }
            for (k, v) in m {
                placeholders(doc, v, &format!("{at}/{k}"), out, seen);
            }
        }
        Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                placeholders(doc, v, &format!("{at}/{i}"), out, seen);
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn the_document_describes_every_route_and_only_routes() {
    let app = spawn_app(Backend::Sqlite).await;
    let c = Contract::load(&app).await;
    let documented: BTreeSet<(String, String)> = c.operations().into_iter().collect();
    let routed: BTreeSet<(String, String)> = table()
        .iter()
        .filter(|e| e.path.starts_with("/api/v1/") || OUTSIDE_PREFIX.contains(&e.path))
        .map(|e| (e.method.to_string(), e.path.to_string()))
        .collect();
    let mut problems = Vec::new();
    for (m, p) in routed.difference(&documented) {
        problems.push(format!(
            "{m} {p}: a route missing from the OpenAPI document"
        ));
    }
    for (m, p) in documented.difference(&routed) {
        problems.push(format!(
            "{m} {p}: an operation of the document without a route"
        ));
    }
    let documented: BTreeSet<_> = documented.intersection(&routed).cloned().collect();
    // operationIds are unique (clients generate one function per id).
    let mut ids: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (m, p) in &documented {
        let id = c.operation(m, p)["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{m} {p} has no operationId"))
            .to_string();
        ids.entry(id).or_default().push(format!("{m} {p}"));
    }
    for (id, ops) in ids.iter().filter(|(_, ops)| ops.len() > 1) {
        problems.push(format!("operationId {id} is used by {ops:?}"));
    }
    // Path parameters are exactly the `{…}` of the path; everything else is a query.
    for (m, p) in &documented {
        let in_path: BTreeSet<String> = p
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(str::to_string)
            .collect();
        let params = c.operation(m, p)["parameters"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let declared: BTreeSet<String> = params
            .iter()
            .filter(|x| x["in"] == "path")
            .map(|x| x["name"].as_str().unwrap_or_default().to_string())
            .collect();
        if declared != in_path {
            problems.push(format!(
                "{m} {p}: path parameters {declared:?}, the path has {in_path:?}"
            ));
        }
    }
    // Every signed-in route declares 401 and 403; every error is a problem+json.
    for e in table()
        .iter()
        .filter(|e| documented.contains(&(e.method.to_string(), e.path.to_string())))
    {
        let op = c.operation(e.method.as_str(), e.path);
        let mut needed = vec![];
        if matches!(e.access, Access::Signed(_)) {
            needed.extend(["401", "403"]);
        }
        if e.path.contains('{') {
            needed.push("404");
        }
        if op.get("requestBody").is_some() {
            needed.extend(["400", "413", "422"]);
        }
        for s in needed {
            if !op["responses"][s].is_object() {
                problems.push(format!("{} {} does not declare {s}", e.method, e.path));
            }
        }
        for (status, r) in op["responses"].as_object().unwrap() {
            let error = status.starts_with('4') || status.starts_with('5');
            if error
                && e.path != "/healthz"
                && r["content"].get("application/problem+json").is_none()
            {
                problems.push(format!(
                    "{} {} {status} is not application/problem+json",
                    e.method, e.path
                ));
            }
        }
    }
    // No placeholder objects in what the API answers or reads.
    let mut found = Vec::new();
    let mut seen = BTreeSet::new();
    for (m, p) in &documented {
        let op = c.operation(m, p);
        placeholders(
            &c.doc,
            &op["responses"],
            &format!("{m} {p} responses"),
            &mut found,
            &mut seen,
        );
        placeholders(
            &c.doc,
            &op["requestBody"],
            &format!("{m} {p} request"),
            &mut found,
            &mut seen,
        );
    }
    for f in found {
        problems.push(format!(
            "{f}: an object schema that says nothing of its properties"
        ));
    }
    assert!(
        problems.is_empty(),
        "the OpenAPI document does not hold ({} problems):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// A child's record, as the API takes it.
fn person(given: &str) -> Value {
    let born = (chrono::Utc::now().date_naive() - chrono::Duration::days(365 * 10)).to_string();
    json!({
        "facts": {"sex": "female", "gender_identity": null, "birth": {"kind": "date", "date": born},
                  "citizenships": ["TM"], "origin_region_id": null, "disability": null,
                  "languages": ["tk"], "education": null, "marital_status": null},
        "identity": {"given_name": given, "family_name": "Atayewa"}
    })
}

/// Every string of a JSON value, as a JSON pointer.
fn string_leaves(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::String(_) => out.push(at),
        Value::Object(m) => {
            for (k, x) in m {
                string_leaves(x, format!("{at}/{k}"), out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                string_leaves(x, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

both_backends!(
    real_answers_of_every_operation_match_the_document,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let c = Contract::load(&app).await;
        let perms = PermissionTable::shipped();
        let mut tokens = BTreeMap::new();
        let mut users = BTreeMap::new();
        for role in Role::ALL {
            let u = app.create_user(app.admin_org.id, &[role]).await;
            tokens.insert(role, app.token_for(&u).await);
            users.insert(role, u);
        }
        let admin = Some(tokens[&Role::Admin].as_str());
        let worker = Some(tokens[&Role::CaseWorker].as_str());
        // Valid bodies sent, per operation: each is checked against its schema when sent, and
        // later taken apart to see that what the schema refuses, the server refuses.
        let mut examples: Vec<(&str, &str, String, Option<&str>, Value)> = Vec::new();

        // Successes, and the errors that need a particular state.
        c.expect(200, "GET", "/healthz", "/healthz", None, Send::Nothing)
            .await;
        c.expect(
            200,
            "GET",
            "/api/v1/openapi.json",
            "/api/v1/openapi.json",
            None,
            Send::Nothing,
        )
        .await;
        c.expect(
            200,
            "GET",
            "/api/v1/me",
            "/api/v1/me",
            worker,
            Send::Nothing,
        )
        .await;
        c.expect(
            200,
            "GET",
            "/api/v1/organisations",
            "/api/v1/organisations",
            admin,
            Send::Nothing,
        )
        .await;
        let new_org = json!({"code": "CONTRACT-NGO", "org_type": "public_association",
            "names": {"en": "Contract NGO", "ru": "НКО Контракт"}, "region_code": "TM-S"});
        let org = c
            .expect(
                201,
                "POST",
                "/api/v1/organisations",
                "/api/v1/organisations",
                admin,
                Send::Valid(new_org.clone()),
            )
            .await;
        examples.push((
            "POST",
            "/api/v1/organisations",
            "/api/v1/organisations".into(),
            admin,
            new_org,
        ));
        let org_path = format!("/api/v1/organisations/{}", org["id"].as_str().unwrap());
        c.expect(
            200,
            "GET",
            "/api/v1/organisations/{id}",
            &org_path,
            admin,
            Send::Nothing,
        )
        .await;
        let deactivate = format!("{org_path}/deactivate");
        c.expect(
            409,
            "POST",
            "/api/v1/organisations/{id}/deactivate",
            &deactivate,
            admin,
            Send::Valid(json!({"version": 99})),
        )
        .await;
        c.expect(
            200,
            "POST",
            "/api/v1/organisations/{id}/deactivate",
            &deactivate,
            admin,
            Send::Valid(json!({"version": org["version"]})),
        )
        .await;

        c.expect(
            200,
            "GET",
            "/api/v1/users",
            "/api/v1/users",
            admin,
            Send::Nothing,
        )
        .await;
        c.expect(
            200,
            "GET",
            "/api/v1/users",
            &format!("/api/v1/users?org_id={}", app.admin_org.id),
            admin,
            Send::Nothing,
        )
        .await;
        c.expect(
            422,
            "GET",
            "/api/v1/users",
            "/api/v1/users?org_id=nope",
            admin,
            Send::Nothing,
        )
        .await;
        let new_user = json!({"email": "contract@test.yoldash", "display_name": "Contract User",
            "roles": ["case_worker"], "language": "ru", "password": "a long passphrase for the integrator"});
        let user = c
            .expect(
                201,
                "POST",
                "/api/v1/users",
                "/api/v1/users",
                admin,
                Send::Valid(new_user.clone()),
            )
            .await;
        let user_path = format!("/api/v1/users/{}", user["id"].as_str().unwrap());
        c.expect(
            200,
            "GET",
            "/api/v1/users/{id}",
            &user_path,
            admin,
            Send::Nothing,
        )
        .await;
        let update = json!({"version": user["version"], "display_name": "Contract Renamed", "language": "tk"});
        c.expect(
            200,
            "PUT",
            "/api/v1/users/{id}",
            &user_path,
            admin,
            Send::Valid(update.clone()),
        )
        .await;
        c.expect(
            409,
            "PUT",
            "/api/v1/users/{id}",
            &user_path,
            admin,
            Send::Valid(update.clone()),
        )
        .await;
        examples.push((
            "PUT",
            "/api/v1/users/{id}",
            user_path.clone(),
            admin,
            update,
        ));
        c.expect(
            200,
            "POST",
            "/api/v1/users/{id}/disable",
            &format!("{user_path}/disable"),
            admin,
            Send::Nothing,
        )
        .await;
        c.expect(
            422,
            "POST",
            "/api/v1/users/{id}/disable",
            &format!("/api/v1/users/{}/disable", users[&Role::Admin].id),
            admin,
            Send::Nothing,
        )
        .await;
        examples.push(("POST", "/api/v1/users", "/api/v1/users".into(), admin,
            json!({"email": "contract2@test.yoldash", "display_name": "Contract Two",
                   "roles": ["viewer"], "language": "en", "password": "another long passphrase here"})));

        c.expect(
            200,
            "GET",
            "/api/v1/regions",
            "/api/v1/regions",
            worker,
            Send::Nothing,
        )
        .await;
        c.expect(
            200,
            "GET",
            "/api/v1/audit",
            "/api/v1/audit?limit=5&action=read",
            admin,
            Send::Nothing,
        )
        .await;
        c.expect(
            400,
            "GET",
            "/api/v1/audit",
            "/api/v1/audit?limit=many",
            admin,
            Send::Nothing,
        )
        .await;

        let new_case = json!({"case_type": "affected_family_member", "person": person("Jeren"),
            "risk": "medium", "restricted": false});
        let file = c
            .expect(
                201,
                "POST",
                "/api/v1/cases",
                "/api/v1/cases",
                worker,
                Send::Valid(new_case.clone()),
            )
            .await;
        examples.push((
            "POST",
            "/api/v1/cases",
            "/api/v1/cases".into(),
            worker,
            new_case.clone(),
        ));
        let mut empty_type = new_case.clone();
        empty_type["case_type"] = json!("");
        c.expect(
            422,
            "POST",
            "/api/v1/cases",
            "/api/v1/cases",
            worker,
            Send::Refused(empty_type),
        )
        .await;
        let code = file["case"]["code"].as_str().unwrap().to_string();
        let case = format!("/api/v1/cases/{code}");
        c.expect(
            200,
            "GET",
            "/api/v1/cases",
            "/api/v1/cases?status=registered&risk=medium",
            worker,
            Send::Nothing,
        )
        .await;
        c.expect(
            400,
            "GET",
            "/api/v1/cases",
            "/api/v1/cases?page=first",
            worker,
            Send::Nothing,
        )
        .await;
        let search = json!({"q": "Jeren", "doc": "", "page": 1});
        c.expect(
            200,
            "POST",
            "/api/v1/cases/search",
            "/api/v1/cases/search",
            worker,
            Send::Valid(search.clone()),
        )
        .await;
        examples.push((
            "POST",
            "/api/v1/cases/search",
            "/api/v1/cases/search".into(),
            worker,
            search,
        ));
        c.expect(
            200,
            "GET",
            "/api/v1/cases/{code}",
            &case,
            worker,
            Send::Nothing,
        )
        .await;

        let p = json!({"version": file["person"]["version"], "person": person("Jeren")});
        c.expect(
            200,
            "PUT",
            "/api/v1/cases/{code}/person",
            &format!("{case}/person"),
            worker,
            Send::Valid(p.clone()),
        )
        .await;
        c.expect(
            409,
            "PUT",
            "/api/v1/cases/{code}/person",
            &format!("{case}/person"),
            worker,
            Send::Valid(p.clone()),
        )
        .await;
        examples.push((
            "PUT",
            "/api/v1/cases/{code}/person",
            format!("{case}/person"),
            worker,
            p,
        ));

        let v = file["case"]["version"].as_i64().unwrap();
        // The worker keeps the case (another value, or none, would be a supervisor's decision).
        let d = json!({"version": v, "case_type": "affected_family_member", "risk": "high",
            "assigned_worker_id": file["case"]["assigned_worker_id"], "restricted": false, "family_implicated": false});
        c.expect(
            200,
            "PUT",
            "/api/v1/cases/{code}/details",
            &format!("{case}/details"),
            worker,
            Send::Valid(d.clone()),
        )
        .await;
        c.expect(
            409,
            "PUT",
            "/api/v1/cases/{code}/details",
            &format!("{case}/details"),
            worker,
            Send::Valid(d.clone()),
        )
        .await;
        examples.push((
            "PUT",
            "/api/v1/cases/{code}/details",
            format!("{case}/details"),
            worker,
            d,
        ));

        let s = json!({"version": v + 1, "to": "assessed"});
        c.expect(
            409,
            "POST",
            "/api/v1/cases/{code}/status",
            &format!("{case}/status"),
            worker,
            Send::Valid(json!({"version": v + 99, "to": "assessed"})),
        )
        .await;
        c.expect(
            200,
            "POST",
            "/api/v1/cases/{code}/status",
            &format!("{case}/status"),
            worker,
            Send::Valid(s.clone()),
        )
        .await;
        c.expect(
            422,
            "POST",
            "/api/v1/cases/{code}/status",
            &format!("{case}/status"),
            worker,
            Send::Valid(s.clone()),
        )
        .await;
        examples.push((
            "POST",
            "/api/v1/cases/{code}/status",
            format!("{case}/status"),
            worker,
            s,
        ));
        let current = c
            .expect(
                200,
                "GET",
                "/api/v1/cases/{code}",
                &case,
                worker,
                Send::Nothing,
            )
            .await;
        let v = current["case"]["version"].as_i64().unwrap();

        let safety = json!({"version": v, "safe_contact": {"may_contact": true, "do_not_call": true,
            "how": "through her aunt", "safe_hours": "mornings", "code_word": "apricot"}});
        c.expect(
            200,
            "PUT",
            "/api/v1/cases/{code}/safety",
            &format!("{case}/safety"),
            worker,
            Send::Valid(safety.clone()),
        )
        .await;
        c.expect(
            409,
            "PUT",
            "/api/v1/cases/{code}/safety",
            &format!("{case}/safety"),
            worker,
            Send::Valid(safety.clone()),
        )
        .await;
        examples.push((
            "PUT",
            "/api/v1/cases/{code}/safety",
            format!("{case}/safety"),
            worker,
            safety,
        ));

        let member = json!({"person": person("Merdan"), "member": {"relation": "sibling",
            "situation": {"situation": "at_home"}, "cares_for_child": false}});
        c.expect(
            201,
            "POST",
            "/api/v1/cases/{code}/household",
            &format!("{case}/household"),
            worker,
            Send::Valid(member.clone()),
        )
        .await;
        examples.push((
            "POST",
            "/api/v1/cases/{code}/household",
            format!("{case}/household"),
            worker,
            member,
        ));

        let consent = json!({"purpose": "assistance", "organisation_id": null, "given_at": "2026-01-05T10:00:00Z",
            "form": "written", "given_by": "guardian", "representative_name": "Ogulbibi Atayewa",
            "child_view": "She wants to stay with her grandmother.", "witness": ""});
        let given = c
            .expect(
                201,
                "POST",
                "/api/v1/cases/{code}/consents",
                &format!("{case}/consents"),
                worker,
                Send::Valid(consent.clone()),
            )
            .await;
        examples.push((
            "POST",
            "/api/v1/cases/{code}/consents",
            format!("{case}/consents"),
            worker,
            consent,
        ));
        c.expect(
            200,
            "GET",
            "/api/v1/cases/{code}/consent-check",
            &format!("{case}/consent-check?purpose=assistance"),
            worker,
            Send::Nothing,
        )
        .await;
        c.expect(
            422,
            "GET",
            "/api/v1/cases/{code}/consent-check",
            &format!("{case}/consent-check?purpose=everything"),
            worker,
            Send::Nothing,
        )
        .await;
        let withdraw = format!("{case}/consents/{}/withdraw", given["id"].as_str().unwrap());
        c.expect(
            204,
            "POST",
            "/api/v1/cases/{code}/consents/{id}/withdraw",
            &withdraw,
            worker,
            Send::Valid(json!({"version": 1})),
        )
        .await;
        c.expect(
            409,
            "POST",
            "/api/v1/cases/{code}/consents/{id}/withdraw",
            &withdraw,
            worker,
            Send::Valid(json!({"version": 1})),
        )
        .await;

        let ident = json!({"identification": {"trafficking_status": "possible", "decided_by_org_id": null,
            "decided_on": null, "exploitation_forms": ["forced_labour"], "control_methods": [],
            "recruitment_method": null, "recruiter_relation": null, "recruitment_countries": ["TR"],
            "transit_countries": [], "exploitation_countries": ["TR"], "recruited_on": "2025-03-01",
            "exploitation_from": null, "exploitation_to": null, "isic_section": null,
            "places": {"recruitment_place": "", "transit_places": "", "exploitation_places": "a farm"}}});
        c.expect(
            200,
            "PUT",
            "/api/v1/cases/{code}/identification",
            &format!("{case}/identification"),
            worker,
            Send::Valid(ident.clone()),
        )
        .await;
        let mut stale = ident.clone();
        stale["version"] = json!(99);
        c.expect(
            409,
            "PUT",
            "/api/v1/cases/{code}/identification",
            &format!("{case}/identification"),
            worker,
            Send::Valid(stale),
        )
        .await;
        examples.push((
            "PUT",
            "/api/v1/cases/{code}/identification",
            format!("{case}/identification"),
            worker,
            ident,
        ));

        let history = c
            .expect(
                200,
                "GET",
                "/api/v1/cases/{code}/history",
                &format!("{case}/history"),
                worker,
                Send::Nothing,
            )
            .await;
        assert!(history.as_array().is_some_and(|h| h.len() > 3), "{history}");

        // The errors every operation can give, from the route table.
        let unknown_uuid = "01900000-0000-7000-8000-000000000000";
        for e in table().iter().filter(|e| e.path.starts_with("/api/v1/")) {
            let (m, p) = (e.method.as_str(), e.path);
            let owner = if p.starts_with("/api/v1/cases") {
                worker
            } else {
                admin
            };
            let real = p.replace("{code}", &code).replace(
                "{id}",
                if p.starts_with("/api/v1/users") {
                    user["id"].as_str().unwrap()
                } else if p.starts_with("/api/v1/organisations") {
                    org["id"].as_str().unwrap()
                } else {
                    unknown_uuid
                },
            );
            let has_body = c.request_schema(m, p).is_some();
            let empty = || {
                if has_body {
                    Send::Raw(b"{}".to_vec())
                } else {
                    Send::Nothing
                }
            };
            if let Access::Signed(permission) = e.access {
                c.expect(401, m, p, &real, None, empty()).await;
                if let Some(role) = Role::ALL.iter().find(|r| !perms.allows(&[**r], permission)) {
                    c.expect(403, m, p, &real, Some(&tokens[role]), empty())
                        .await;
                }
            }
            if p.contains('{') {
                let unknown = p
                    .replace("{code}", "ZZ-2000-404040")
                    .replace("{id}", unknown_uuid);
                c.expect(404, m, p, &unknown, owner, empty()).await;
            }
            if has_body {
                c.expect(
                    400,
                    m,
                    p,
                    &real,
                    owner,
                    Send::Raw(b"{\"version\": ".to_vec()),
                )
                .await;
                c.expect(
                    413,
                    m,
                    p,
                    &real,
                    owner,
                    Send::Raw(vec![b' '; 2 * 1024 * 1024]),
                )
                .await;
                if !c.accepts(m, p, &json!({})) {
                    c.expect(422, m, p, &real, owner, Send::Refused(json!({})))
                        .await;
                }
            }
        }

        // What a request schema refuses, the server refuses with 422: every string of every
        // example emptied, then replaced by a code no vocabulary has, in turn.
        for (m, p, path, token, body) in &examples {
            let mut leaves = Vec::new();
            string_leaves(body, String::new(), &mut leaves);
            for (at, value) in leaves.iter().flat_map(|at| [(at, ""), (at, "not_a_code")]) {
                let mut b = body.clone();
                *b.pointer_mut(at).unwrap() = json!(value);
                if !c.accepts(m, p, &b) {
                    let a = c.call(m, p, path, *token, Send::Refused(b.clone())).await;
                    assert_eq!(
                        a.status, 422,
                        "{m} {p} with {at} = {value:?}: the schema refuses it, the server answered {}: {}",
                        a.status, a.body
                    );
                }
            }
        }

        // Every operation was seen succeeding.
        let seen = c.seen.lock().unwrap().clone();
        let mut silent = Vec::new();
        for (m, p) in c.operations() {
            let statuses = seen
                .get(&(m.clone(), p.clone()))
                .cloned()
                .unwrap_or_default();
            if !statuses.iter().any(|s| (200..300).contains(s)) {
                silent.push(format!("{m} {p}"));
            }
            let declared: BTreeSet<u16> = c.operation(&m, &p)["responses"]
                .as_object()
                .unwrap()
                .keys()
                .filter_map(|k| k.parse().ok())
                .collect();
            let unseen: Vec<_> = declared.difference(&statuses).collect();
            if !unseen.is_empty() {
                eprintln!("{m} {p}: declared but not provoked here: {unseen:?}");
            }
        }
        assert!(
            silent.is_empty(),
            "operations never called successfully: {silent:?}"
        );
    }
);
