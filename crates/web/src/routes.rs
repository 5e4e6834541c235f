//! The route table: every route with the permission it needs. The router and the
//! authorization matrix test are both built from this one table, so a route cannot be added
//! without saying who may use it.

use crate::{AppState, api, audit_trail, auth, pages, render, security};
use axum::Router;
use axum::http::Method;
use axum::routing::{MethodRouter, get, post};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use yoldash_domain::Permission;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (sign-in page, health check, assets, API description).
    Public,
    /// A signed-in user whose roles grant the permission.
    Signed(Permission),
}

/// One route of the table.
pub struct Endpoint {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    /// For routes addressing one owned record by `{id}`: the kind of record, whose
    /// visibility rule decides between the record and 404.
    pub owned: Option<&'static str>,
    pub handler: MethodRouter<AppState>,
}

pub fn ep(
    method: Method,
    path: &'static str,
    access: Access,
    handler: MethodRouter<AppState>,
) -> Endpoint {
    Endpoint {
        method,
        path,
        access,
        owned: None,
        handler,
    }
}

pub fn owned(mut e: Endpoint, kind: &'static str) -> Endpoint {
    e.owned = Some(kind);
    e
}

/// Every route of the application.
pub fn table() -> Vec<Endpoint> {
    use Access::{Public, Signed};
    use Permission as P;
    vec![
        ep(Method::GET, "/healthz", Public, get(api::health::healthz)),
        ep(Method::GET, "/assets/{file}", Public, get(security::asset)),
        ep(
            Method::GET,
            "/lang/{code}",
            Public,
            get(pages::switch_language),
        ),
        ep(
            Method::POST,
            "/lang/{code}",
            Public,
            post(pages::save_language),
        ),
        ep(Method::GET, "/login", Public, get(pages::login::form)),
        ep(Method::POST, "/login", Public, post(pages::login::submit)),
        ep(
            Method::POST,
            "/logout",
            Signed(P::ProfileUse),
            post(pages::login::logout),
        ),
        ep(Method::GET, "/", Signed(P::ProfileUse), get(pages::home)),
        ep(
            Method::GET,
            "/account/password",
            Signed(P::ProfileUse),
            get(pages::account::password_form),
        ),
        ep(
            Method::POST,
            "/account/password",
            Signed(P::ProfileUse),
            post(pages::account::password_submit),
        ),
        ep(
            Method::GET,
            "/api/v1/openapi.json",
            Public,
            get(api::openapi_json),
        ),
        ep(
            Method::GET,
            "/api/v1/me",
            Signed(P::ProfileUse),
            get(api::me::me),
        ),
        ep(
            Method::GET,
            "/api/v1/organisations",
            Signed(P::OrganisationRead),
            get(api::organisations::list),
        ),
        ep(
            Method::POST,
            "/api/v1/organisations",
            Signed(P::OrganisationManage),
            post(api::organisations::create),
        ),
        ep(
            Method::GET,
            "/api/v1/organisations/{id}",
            Signed(P::OrganisationRead),
            get(api::organisations::show),
        ),
        ep(
            Method::POST,
            "/api/v1/organisations/{id}/deactivate",
            Signed(P::OrganisationManage),
            post(api::organisations::deactivate),
        ),
        ep(
            Method::GET,
            "/api/v1/users",
            Signed(P::UserRead),
            get(api::users::list),
        ),
        ep(
            Method::POST,
            "/api/v1/users",
            Signed(P::UserManage),
            post(api::users::create),
        ),
        owned(
            ep(
                Method::GET,
                "/api/v1/users/{id}",
                Signed(P::UserRead),
                get(api::users::show),
            ),
            "user",
        ),
        owned(
            ep(
                Method::PUT,
                "/api/v1/users/{id}",
                Signed(P::UserManage),
                axum::routing::put(api::users::update),
            ),
            "user",
        ),
        owned(
            ep(
                Method::POST,
                "/api/v1/users/{id}/disable",
                Signed(P::UserManage),
                post(api::users::disable),
            ),
            "user",
        ),
        ep(
            Method::GET,
            "/api/v1/regions",
            Signed(P::RegionRead),
            get(api::regions::list),
        ),
        ep(
            Method::GET,
            "/api/v1/audit",
            Signed(P::AuditRead),
            get(api::audit::list),
        ),
    ]
    .into_iter()
    .chain(pages::security::endpoints())
    .chain(pages::admin::organisations::endpoints())
    .chain(pages::admin::users::endpoints())
    .chain(pages::admin::tokens::endpoints())
    .chain(pages::admin::regions::endpoints())
    .chain(pages::admin::lists::endpoints())
    .chain(pages::admin::audit::endpoints())
    .chain(pages::cases::endpoints())
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_method_without_a_row_is_never_public() {
        let mut map = AccessMap::default();
        map.insert(Method::GET, "/open", Access::Public);
        map.insert(
            Method::GET,
            "/closed",
            Access::Signed(Permission::AuditRead),
        );
        map.insert(
            Method::POST,
            "/form",
            Access::Signed(Permission::ProfileUse),
        );
        let closed = Access::Signed(Permission::AuditRead);
        assert_eq!(
            map.rule(&Method::HEAD, Some("/closed")),
            Rule::Route(closed)
        );
        assert_eq!(map.rule(&Method::GET, Some("/closed")), Rule::Route(closed));
        assert_eq!(
            map.rule(&Method::OPTIONS, Some("/closed")),
            Rule::OtherMethod(vec![(Method::GET, closed)])
        );
        assert!(matches!(
            map.rule(&Method::HEAD, Some("/form")),
            Rule::OtherMethod(_)
        ));
        assert!(matches!(
            map.rule(&Method::DELETE, Some("/open")),
            Rule::OtherMethod(_)
        ));
        assert_eq!(map.rule(&Method::GET, Some("/elsewhere")), Rule::NoRoute);
        assert_eq!(map.rule(&Method::GET, None), Rule::NoRoute);
    }
}

/// The access rules of the router: for each path pattern, its methods and their rules.
#[derive(Debug, Default)]
pub struct AccessMap {
    by_path: HashMap<&'static str, Vec<(Method, Access)>>,
}

/// What the access rules say of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// The route's own rule. HEAD, which the router answers with the GET handler, has
    /// GET's rule.
    Route(Access),
    /// The path exists, but not with this method (OPTIONS, PATCH, DELETE…): no handler
    /// runs. The caller is refused as the path's own rules refuse them, or told which
    /// methods they may use (405).
    OtherMethod(Vec<(Method, Access)>),
    /// No route matches the path: 404, and nothing else runs.
    NoRoute,
}

impl AccessMap {
    pub fn insert(&mut self, method: Method, path: &'static str, access: Access) {
        self.by_path.entry(path).or_default().push((method, access));
    }

    /// The rule for `method` on the matched path pattern. There is no default: a method
    /// without a row of the table is never treated as public.
    pub fn rule(&self, method: &Method, pattern: Option<&str>) -> Rule {
        let Some(rules) = pattern.and_then(|p| self.by_path.get(p)) else {
            return Rule::NoRoute;
        };
        let find = |m: &Method| rules.iter().find(|(x, _)| x == m).map(|(_, a)| *a);
        let own = find(method).or_else(|| {
            (*method == Method::HEAD)
                .then(|| find(&Method::GET))
                .flatten()
        });
        match own {
            Some(access) => Rule::Route(access),
            None => Rule::OtherMethod(rules.clone()),
        }
    }
}

/// Builds the router from the table, with the middleware every request goes through.
pub fn router(state: AppState) -> Router {
    let mut by_path: BTreeMap<&'static str, MethodRouter<AppState>> = BTreeMap::new();
    let mut access = AccessMap::default();
    for e in table() {
        access.insert(e.method.clone(), e.path, e.access);
        let merged = match by_path.remove(e.path) {
            Some(existing) => existing.merge(e.handler),
            None => e.handler,
        };
        by_path.insert(e.path, merged);
    }
    let mut router = Router::new();
    for (path, handler) in by_path {
        router = router.route(path, handler);
    }
    let access = Arc::new(access);
    router
        .fallback(render::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            audit_trail::refused_access,
        ))
        .layer(axum::middleware::from_fn_with_state(
            (state.clone(), access),
            auth::authorize,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            render::render_errors,
        ))
        .layer(axum::middleware::from_fn(audit_trail::request_scope))
        .with_state(state.clone())
        .layer(security::layers(&state.config))
        .layer(axum::middleware::from_fn(render::api_body_limit))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::oversized_upload,
        ))
        .layer(axum::middleware::from_fn(security::server_timing))
        .layer(axum::middleware::from_fn_with_state(
            state.config.trusted_proxy,
            security::own_request_id,
        ))
        .layer(security::strict_transport(&state.config))
}
