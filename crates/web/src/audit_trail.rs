//! What the audit log learns from a request as a whole: the request's id on every entry
//! written while it runs, and refused attempts to reach a case outside the caller's scope.

use crate::AppState;
use crate::auth::Auth;
use crate::routes::table;
use axum::body::Body;
use axum::extract::{MatchedPath, Path, State};
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
/// the refused attempt (`Store::audit_refused_case`: nothing when the case is in fact
/// visible to them). A failure to record is logged; the answer stays the 404.
pub async fn refused_access(
    State(state): State<AppState>,
    matched: Option<MatchedPath>,
    params: Option<Path<HashMap<String, String>>>,
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
    let res = next.run(req).await;
    if res.status() == StatusCode::NOT_FOUND
        && is_case
        && let (Some(actor), Some(pattern), Some(Path(params))) = (actor, pattern, params)
        && let Some(code) = params.get("code")
    {
        let route = format!("{method} {pattern}");
        if let Err(e) = state.store.audit_refused_case(&actor, code, &route).await {
            tracing::error!(error = %e, route, "could not record a refused access");
        }
    }
    res
}
