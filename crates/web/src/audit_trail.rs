//! What the audit log learns from a request as a whole: the request's id on every entry
//! written while it runs, and refused attempts to reach a case outside the caller's scope.

use crate::AppState;
use crate::auth::Auth;
use crate::error::AppError;
use crate::routes::table;
use axum::body::Body;
use axum::extract::{FromRequestParts, MatchedPath, RawPathParams, State};
use axum::http::{Method, Request, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::HashMap;
use std::sync::LazyLock;
use yoldash_domain::Actor;

/// Runs the request with its `x-request-id` as the id of every audit entry written for it
/// (`yoldash_store::request`), so that no handler has to pass it along by hand.
pub async fn request_scope(req: Request<Body>, next: Next) -> Response {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    yoldash_store::request::for_request(&id, next.run(req)).await
}

/// The routes that address one owned record (the route table's `owned`), by method and
/// path pattern: the kind of record.
static OWNED: LazyLock<HashMap<(Method, &'static str), &'static str>> = LazyLock::new(|| {
    table()
        .into_iter()
        .filter_map(|e| e.owned.map(|kind| ((e.method, e.path), kind)))
        .collect()
});

/// Records refusals of a signed-in caller, where an investigator would look for probing:
/// after a route that addresses a case by `{code}` answered 404, the refused attempt
/// (`Store::audit_refused_case`, with the route's `{id}` when it names a record inside the
/// case); after any handler answered 403, the route and the rule that refused
/// (`record_refusal`; refusals by the route's own permission are recorded by
/// `auth::authorize`). A failure to record is logged; the answer stays as it was. The
/// path's parameters are read only for a case route.
pub async fn refused_access(
    State(state): State<AppState>,
    matched: Option<MatchedPath>,
    req: Request<Body>,
    next: Next,
) -> Response {
    // HEAD is answered by the GET route.
    let method = match req.method() {
        &Method::HEAD => Method::GET,
        m => m.clone(),
    };
    let pattern = matched.as_ref().map(MatchedPath::as_str);
    let is_case = pattern.is_some_and(|p| OWNED.get(&(method.clone(), p)) == Some(&"case"));
    let actor = req.extensions().get::<Auth>().map(|a| a.actor.clone());
    let (mut parts, body) = req.into_parts();
    let params = match is_case {
        true => RawPathParams::from_request_parts(&mut parts, &state)
            .await
            .ok(),
        false => None,
    };
    let res = next.run(Request::from_parts(parts, body)).await;
    let Some(actor) = actor else { return res };
    let route = route_of(&method, pattern);
    match res.status() {
        StatusCode::NOT_FOUND => {
            let Some(params) = params else { return res };
            let param = |name: &str| params.iter().find(|(k, _)| *k == name).map(|(_, v)| v);
            if let Some(code) = param("code")
                && let Err(e) = state
                    .store
                    .audit_refused_case(&actor, code, param("id"), &route)
                    .await
            {
                tracing::error!(error = %e, route, "could not record a refused access");
            }
        }
        StatusCode::FORBIDDEN => {
            let rule = refusal_rule(&res);
            record_refusal(&state, &actor, &route, rule).await
        }
        _ => {}
    }
    res
}

/// How a refusal names the route: the method (HEAD as the GET that answers it) and the
/// path pattern, never the path itself (it could hold anything a person typed).
pub fn route_of(method: &Method, pattern: Option<&str>) -> String {
    let method = if *method == Method::HEAD {
        &Method::GET
    } else {
        method
    };
    format!("{method} {}", pattern.unwrap_or_default())
}

/// The rule that refused a 403 answer (`AppError::slug`: `forbidden` for the route's
/// permission, `account-out-of-reach`…).
pub fn refusal_rule(res: &Response) -> &'static str {
    res.extensions()
        .get::<AppError>()
        .map_or("forbidden", AppError::slug)
}

/// Records that `actor` was refused `route` (403) by `rule`.
pub async fn record_refusal(state: &AppState, actor: &Actor, route: &str, rule: &str) {
    if let Err(e) = state.store.audit_refused_route(actor, route, rule).await {
        tracing::error!(error = %e, route, "could not record a refused access");
    }
}
