//! Who is calling and may they: sessions and API tokens, CSRF, and the permission check.
//!
//! `authorize` runs for every request. It identifies the caller (a `Bearer` API token or
//! the session cookie), checks the route's permission from the route table, enforces CSRF
//! on every state-changing request, and leaves an `Auth` in the request for handlers. No
//! handler checks permissions itself; which *records* a caller may see is the store's
//! visibility filter.

use crate::error::AppError;
use crate::i18n::Lang;
use crate::routes::{Access, AccessMap, Rule};
use crate::{AppState, WebConfig};
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, Request, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use std::net::SocketAddr;
use std::sync::Arc;
use subtle::ConstantTimeEq;
use yoldash_domain::Actor;
use yoldash_store::sessions::SessionStage;
use yoldash_store::users::User;

pub const CSRF_HEADER: &str = "x-csrf-token";
pub const CSRF_FIELD: &str = "csrf";

/// The signed-in caller.
#[derive(Debug, Clone)]
pub struct Auth {
    pub user: User,
    pub actor: Actor,
    /// Present when the caller came with a session cookie (not an API token).
    pub session: Option<SessionRef>,
}

#[derive(Debug, Clone)]
pub struct SessionRef {
    pub token_hash: String,
    pub csrf_token: String,
    pub stage: SessionStage,
}

/// The client's address as the server believes it.
#[derive(Debug, Clone)]
pub struct ClientAddr(pub String);

/// The request id (also in the logs and in audit entries).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Auth {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        parts
            .extensions
            .get::<Auth>()
            .cloned()
            .ok_or(AppError::Unauthorized)
    }
}

impl<S: Send + Sync> axum::extract::OptionalFromRequestParts<S> for Auth {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<Auth>().cloned())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<Lang>().copied().unwrap_or_default())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<ClientAddr>()
            .cloned()
            .unwrap_or(ClientAddr("unknown".into())))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestId {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(RequestId(
            parts
                .headers
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string(),
        ))
    }
}

/// The cookies the application sets. When it is served over https (an `https://` public
/// URL) their names carry the `__Host-` prefix: a browser then accepts them only with
/// `Secure`, `Path=/` and no `Domain`, so neither a plain-http page nor a neighbouring host
/// of the same domain can set or shadow them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cookie {
    Session,
    /// The double-submit CSRF token of the sign-in form.
    LoginCsrf,
    Lang,
    /// A one-time message after a redirect.
    Flash,
}

impl Cookie {
    pub const ALL: [Cookie; 4] = [
        Cookie::Session,
        Cookie::LoginCsrf,
        Cookie::Lang,
        Cookie::Flash,
    ];

    /// The cookie's name: with the `__Host-` prefix when `secure`.
    pub fn name(self, secure: bool) -> &'static str {
        let (plain, prefixed) = match self {
            Cookie::Session => ("yoldash_session", "__Host-yoldash_session"),
            Cookie::LoginCsrf => ("yoldash_csrf", "__Host-yoldash_csrf"),
            Cookie::Lang => ("yoldash_lang", "__Host-yoldash_lang"),
            Cookie::Flash => ("yoldash_flash", "__Host-yoldash_flash"),
        };
        if secure { prefixed } else { plain }
    }
}

/// A cookie's value from the request headers, under the name this server gives it.
pub fn read_cookie(config: &WebConfig, headers: &HeaderMap, which: Cookie) -> Option<String> {
    let name = which.name(config.secure_cookies());
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, Path=/, no Domain; Secure (and the
/// `__Host-` name) when served over https. `Some(0)` as `max_age` removes the cookie.
pub fn set_cookie(config: &WebConfig, which: Cookie, value: &str, max_age: Option<i64>) -> String {
    let secure = config.secure_cookies();
    let mut c = format!(
        "{}={value}; Path=/; HttpOnly; SameSite=Lax",
        which.name(secure)
    );
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}

fn client_addr(state: &AppState, req: &Request<Body>) -> String {
    // The proxy appends the address it saw — to the client's line, or as a line of its own
    // (HAProxy) — so the right-most entry of the last line is the one it vouches for; a
    // line the client sent comes before it.
    // What cannot be read as an address is an unknown caller, never the proxy itself
    // (which is on the host).
    if state.config.trusted_proxy
        && let Some(line) = req.headers().get_all("x-forwarded-for").iter().next_back()
    {
        return line
            .to_str()
            .ok()
            .and_then(|xff| xff.rsplit(',').next())
            .and_then(|last| last.trim().parse::<std::net::IpAddr>().ok())
            .map_or_else(|| "unknown".to_string(), |ip| ip.to_string());
    }
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

fn choose_lang(config: &WebConfig, headers: &HeaderMap, user: Option<&User>) -> Lang {
    read_cookie(config, headers, Cookie::Lang)
        .and_then(|c| Lang::parse(&c))
        .or_else(|| user.and_then(|u| Lang::parse(&u.language)))
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or_default()
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

/// The signed-in session a browser's cookies name, if any (for pages built outside the
/// request's own handler, such as error pages).
pub(crate) async fn session_of(state: &AppState, headers: &HeaderMap) -> Option<Auth> {
    identify(state, headers, "/").await.ok().flatten()
}

/// Identifies the caller. `Err` when an API token was presented but is not valid.
/// API tokens are credentials of the API only: on a page they are not looked at, so a
/// leaked integration token cannot drive the pages (show a reset password, make more tokens).
async fn identify(
    state: &AppState,
    headers: &HeaderMap,
    path: &str,
) -> Result<Option<Auth>, AppError> {
    if let Some(value) = headers.get(header::AUTHORIZATION).filter(|_| is_api(path)) {
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(AppError::Unauthorized)?;
        let user = state
            .store
            .user_for_token(token.trim())
            .await?
            .ok_or(AppError::Unauthorized)?;
        return Ok(Some(Auth {
            actor: user.actor(),
            user,
            session: None,
        }));
    }
    if let Some(token) = read_cookie(&state.config, headers, Cookie::Session)
        && let Some(s) = state.store.session(&token).await?
    {
        {
            return Ok(Some(Auth {
                actor: s.user.actor(),
                user: s.user,
                session: Some(SessionRef {
                    token_hash: s.token_hash,
                    csrf_token: s.csrf_token,
                    stage: s.stage,
                }),
            }));
        }
    }
    Ok(None)
}

fn same(a: &str, b: &str) -> bool {
    !a.is_empty() && a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// Finds the CSRF token a state-changing request carries: the header, or the `csrf` field
/// of a URL-encoded or multipart (file upload) form (the body is read and put back).
async fn presented_csrf(
    req: Request<Body>,
    limit: usize,
) -> Result<(Request<Body>, String), AppError> {
    if let Some(v) = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        let v = v.to_string();
        return Ok((req, v));
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let is_form = content_type.starts_with("application/x-www-form-urlencoded");
    let is_multipart = content_type.starts_with("multipart/form-data");
    if !is_form && !is_multipart {
        return Ok((req, String::new()));
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| AppError::TooLarge)?;
    let token = if is_form {
        form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == CSRF_FIELD)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    } else {
        multipart_csrf(&content_type, bytes.clone()).await
    };
    Ok((Request::from_parts(parts, Body::from(bytes)), token))
}

/// The `csrf` field of a multipart body (empty when there is none or the body is malformed;
/// the handler then reports the malformed body itself).
async fn multipart_csrf(content_type: &str, bytes: axum::body::Bytes) -> String {
    use axum::extract::{FromRequest, Multipart};
    let Ok(req) = Request::builder()
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(bytes))
    else {
        return String::new();
    };
    let Ok(mut multipart) = Multipart::from_request(req, &()).await else {
        return String::new();
    };
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some(CSRF_FIELD) {
            return field.text().await.unwrap_or_default();
        }
    }
    String::new()
}

/// Paths a user who must change their password, or set up a required second factor, may
/// still use.
pub const ALLOWED_BEFORE_SETUP: [&str; 6] = [
    "/account/password",
    "/account/security/enrol",
    "/account/security/recovery-codes",
    "/logout",
    "/assets/{file}",
    "/lang/{code}",
];

pub async fn authorize(
    State((state, access)): State<(AppState, Arc<AccessMap>)>,
    matched: Option<MatchedPath>,
    mut req: Request<Body>,
    next: Next,
) -> Response {
    let path = req.uri().path().to_string();
    let client = client_addr(&state, &req);
    req.extensions_mut().insert(ClientAddr(client));
    let auth = match identify(&state, req.headers(), &path).await {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    let lang = choose_lang(&state.config, req.headers(), auth.as_ref().map(|a| &a.user));
    req.extensions_mut().insert(lang);
    let pattern = matched.as_ref().map(|m| m.as_str().to_string());
    let checked = match access.rule(req.method(), pattern.as_deref()) {
        Rule::Route(rule) => check(&state, rule, auth.as_ref(), pattern.as_deref(), &path),
        Rule::OtherMethod(rules) => Err(Box::new(other_method(
            &state,
            &rules,
            auth.as_ref(),
            pattern.as_deref(),
            &path,
        ))),
        // Nothing matched: the answer is 404 whoever asks, and no handler runs.
        Rule::NoRoute => Err(Box::new(AppError::NotFound.into_response())),
    };

    let response = match checked {
        Err(r) => {
            // A signed-in caller refused by the route's own rule: what an investigator
            // looks for (a session still signing in is sent on, not refused).
            if r.status() == axum::http::StatusCode::FORBIDDEN
                && let Some(a) = auth.as_ref()
            {
                let route = crate::audit_trail::route_of(req.method(), pattern.as_deref());
                let rule = crate::audit_trail::refusal_rule(&r);
                crate::audit_trail::record_refusal(&state, &a.actor, &route, rule).await;
            }
            *r
        }
        Ok(()) => {
            let unsafe_method =
                !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
            let mut ok = true;
            if unsafe_method {
                let expected = match auth.as_ref() {
                    // API tokens are not sent by browsers on their own: no CSRF risk.
                    Some(a) if a.session.is_none() => None,
                    Some(a) => a.session.as_ref().map(|s| s.csrf_token.clone()),
                    // Before sign-in (the login form): the double-submit cookie.
                    None => Some(
                        read_cookie(&state.config, req.headers(), Cookie::LoginCsrf)
                            .unwrap_or_default(),
                    ),
                };
                if let Some(expected) = expected {
                    match presented_csrf(req, state.config.body_limit).await {
                        Ok((r, presented)) => {
                            ok = same(&presented, &expected);
                            req = r;
                        }
                        Err(e) => return with_lang(e.into_response(), lang),
                    }
                }
            }
            if !ok {
                // A signed-in caller's post without its form's token: a forged request
                // from another site, or a page left open across sessions.
                if let Some(a) = auth.as_ref() {
                    let route = crate::audit_trail::route_of(req.method(), pattern.as_deref());
                    crate::audit_trail::record_refusal(&state, &a.actor, &route, "csrf").await;
                }
                AppError::Csrf.into_response()
            } else {
                if let Some(a) = auth {
                    req.extensions_mut().insert(a);
                }
                next.run(req).await
            }
        }
    };
    with_lang(response, lang)
}

fn with_lang(mut r: Response, lang: Lang) -> Response {
    r.extensions_mut().insert(lang);
    r
}

/// A method the path does not have. No handler runs: the caller is refused as the path's
/// own rules would refuse them (sign in, finish signing in, forbidden), and otherwise told
/// with 405 which methods they may use.
fn other_method(
    state: &AppState,
    rules: &[(Method, Access)],
    auth: Option<&Auth>,
    pattern: Option<&str>,
    path: &str,
) -> Response {
    let mut allowed = Vec::new();
    let mut refusal = None;
    for (method, rule) in rules {
        match check(state, *rule, auth, pattern, path) {
            Ok(()) => {
                allowed.push(method.as_str());
                if *method == Method::GET {
                    allowed.push(Method::HEAD.as_str());
                }
            }
            Err(r) => refusal = refusal.or(Some(r)),
        }
    }
    match refusal {
        Some(r) if allowed.is_empty() => *r,
        _ => (
            [(header::ALLOW, allowed.join(", "))],
            AppError::MethodNotAllowed,
        )
            .into_response(),
    }
}

fn check(
    state: &AppState,
    rule: Access,
    auth: Option<&Auth>,
    pattern: Option<&str>,
    path: &str,
) -> Result<(), Box<Response>> {
    let Access::Signed(permission) = rule else {
        return Ok(());
    };
    let stage = auth
        .and_then(|a| a.session.as_ref())
        .map_or(SessionStage::Full, |s| s.stage);
    let auth = match auth {
        Some(a) if stage != SessionStage::AwaitingCode || pattern == Some("/logout") => a,
        // Half signed in (password given, code not yet): only the second-factor page.
        Some(_) if !is_api(path) => {
            return Err(Box::new(
                Redirect::to("/login/second-factor").into_response(),
            ));
        }
        _ => {
            return Err(Box::new(if is_api(path) {
                AppError::Unauthorized.into_response()
            } else {
                Redirect::to("/login").into_response()
            }));
        }
    };
    let setup_needed = if auth.user.must_change_password {
        Some("/account/password")
    } else if stage == SessionStage::MustEnrol {
        Some("/account/security/enrol")
    } else {
        None
    };
    // A token of an account that must change its password is held back too: the password
    // that made it may be the one an administrator reset because it leaked.
    if let Some(setup) = setup_needed
        && !pattern.is_some_and(|p| ALLOWED_BEFORE_SETUP.contains(&p))
    {
        return Err(Box::new(if is_api(path) {
            AppError::Forbidden.into_response()
        } else {
            Redirect::to(setup).into_response()
        }));
    }
    if !auth.actor.may(&state.permissions, permission) {
        return Err(Box::new(AppError::Forbidden.into_response()));
    }
    Ok(())
}
