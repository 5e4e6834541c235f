//! What the audit log learns from a request as a whole: the request's id on every entry
//! written while it runs, and refused attempts to reach a case outside the caller's scope.

use crate::AppState;
use crate::auth::Auth;
use crate::routes::table;
use axum::body::Body;
use axum::extract::{FromRequestParts, MatchedPath, RawPathParams, State};
use axum::http::{Method, Request, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::HashMap;
use std::sync::LazyLock;

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

/// After a route that addresses a case by `{code}` answered a signed-in caller 404, records
/// the refused attempt (`Store::audit_refused_case`, with the route's `{id}` when it names
/// a record inside the case). A failure to record is logged; the answer stays the 404.
/// The path's parameters are read only for such an answer.
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
    let Some(pattern) = pattern.filter(|p| OWNED.get(&(method.clone(), *p)) == Some(&"case"))
    else {
        return next.run(req).await;
    };
    let actor = req.extensions().get::<Auth>().map(|a| a.actor.clone());
    let (mut parts, body) = req.into_parts();
    let params = RawPathParams::from_request_parts(&mut parts, &state).await;
    let res = next.run(Request::from_parts(parts, body)).await;
    if res.status() == StatusCode::NOT_FOUND
        && let (Some(actor), Ok(params)) = (actor, params)
    {
        let param = |name: &str| params.iter().find(|(k, _)| *k == name).map(|(_, v)| v);
        if let Some(code) = param("code") {
            let route = format!("{method} {pattern}");
            let record = param("id");
            if let Err(e) = state
                .store
                .audit_refused_case(&actor, code, record, &route)
                .await
            {
                tracing::error!(error = %e, route, "could not record a refused access");
            }
        }
    }
    res
}
