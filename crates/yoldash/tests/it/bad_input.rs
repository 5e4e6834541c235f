//! Bad input to every API endpoint gives a clear 4xx, never a panic or a 500.

use yoldash_domain::Role;
use yoldash_testkit::{Backend, both_backends, spawn_app};
use yoldash_web::routes::table;

both_backends!(
    malformed_requests_never_500,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let admin = app.create_user(app.admin_org.id, &[Role::Admin]).await;
        let token = app.token_for(&admin).await;
        let client = app.client();
        let bodies = [
            "",
            "not json",
            "[]",
            "null",
            "{\"code\": 5}",
            "{\"email\": [], \"roles\": \"admin\"}",
            "{\"version\": \"one\"}",
            "{\"names\": {\"en\": \"\"}, \"code\": \"\", \"org_type\": \"\"}",
            "{\"email\": \"a@b.tm\", \"display_name\": \"\u{0}\", \"roles\": [], \"password\": \"\"}",
        ];
        let ids = [
            "not-a-uuid",
            "00000000-0000-0000-0000-000000000000",
            "%00",
            "..%2F..%2Fetc",
        ];
        let mut failures = Vec::new();
        for e in table() {
            if !e.path.starts_with("/api/") {
                continue;
            }
            for id in ids {
                let path = e.path.replace("{id}", id);
                let queries = [
                    "",
                    "?org_id=nope&limit=-5&actor_user_id=x",
                    "?limit=99999999999999999999",
                ];
                for q in queries {
                    for body in if e.method == reqwest::Method::GET {
                        &bodies[..1]
                    } else {
                        &bodies[..]
                    } {
                        let res = client
                            .request(e.method.clone(), app.url(&format!("{path}{q}")))
                            .bearer_auth(&token)
                            .header("content-type", "application/json")
                            .body(body.to_string())
                            .send()
                            .await
                            .unwrap();
                        let status = res.status().as_u16();
                        let kind = res
                            .headers()
                            .get("content-type")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("")
                            .to_string();
                        if status >= 500 || (status >= 400 && kind != "application/problem+json") {
                            failures
                                .push(format!("{} {path}{q} {body:?}: {status} {kind}", e.method));
                        }
                    }
                }
                if !e.path.contains("{id}") {
                    break;
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
);
