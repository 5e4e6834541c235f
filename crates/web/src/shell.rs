//! The page shell: what every page template needs — translator, navigation by role,
//! breadcrumbs, flash messages, CSRF token — and the post/redirect/get flash cookie.

use crate::auth::{Auth, Cookie, read_cookie, set_cookie};
use crate::i18n::{Lang, Tr};
use crate::{AppState, WebConfig};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use yoldash_domain::Permission;
use yoldash_store::sessions::SessionStage;

/// A navigation entry.
#[derive(Debug, Clone)]
pub struct NavItem {
    pub label: String,
    pub href: &'static str,
    pub current: bool,
}

/// A breadcrumb: label and link (the last one is the current page, without a link).
#[derive(Debug, Clone)]
pub struct Crumb {
    pub label: String,
    pub href: String,
}

/// A one-time message shown after a redirect.
#[derive(Debug, Clone)]
pub struct Flash {
    pub ok: bool,
    pub text: String,
}

/// The navigation: (message key, path, permission needed).
const NAV: [(&str, &str, Permission); 8] = [
    ("nav-home", "/", Permission::ProfileUse),
    ("nav-cases", "/cases", Permission::CaseRead),
    (
        "nav-organisations",
        "/admin/organisations",
        Permission::OrganisationManage,
    ),
    ("nav-users", "/admin/users", Permission::UserManage),
    ("nav-regions", "/admin/regions", Permission::RegionManage),
    ("nav-lists", "/admin/lists", Permission::ReferenceManage),
    ("nav-audit", "/admin/audit", Permission::AuditRead),
    ("nav-tokens", "/admin/tokens", Permission::TokenManage),
];

/// What the page shell needs.
#[derive(Debug, Clone)]
pub struct PageCtx {
    pub t: Tr,
    pub user_name: Option<String>,
    /// The signed-in user's organisation, in the page's language.
    pub org_name: Option<String>,
    pub csrf: String,
    pub path: String,
    /// Where the language switch returns to: the path with its query (the tab, the
    /// filters, the page of a list) for a page that was asked for, the path otherwise.
    pub here: String,
    pub version: &'static str,
    pub nav: Vec<NavItem>,
    pub crumbs: Vec<Crumb>,
    pub flash: Option<Flash>,
    /// A standing warning for who can act on it (the audit-head file lags: for those who
    /// read the audit log).
    pub warning: Option<String>,
}

impl PageCtx {
    pub fn bare(t: Tr) -> Self {
        Self {
            t,
            user_name: None,
            org_name: None,
            csrf: String::new(),
            path: "/".into(),
            here: "/".into(),
            version: crate::VERSION,
            nav: Vec::new(),
            crumbs: Vec::new(),
            flash: None,
            warning: None,
        }
    }

    pub fn languages(&self) -> Vec<(&'static str, String, bool)> {
        Lang::ALL
            .iter()
            .map(|l| {
                (
                    l.code(),
                    self.t.get(&format!("lang-{}", l.code())),
                    *l == self.t.0,
                )
            })
            .collect()
    }

    /// Sets the breadcrumbs: (message key or literal label, link) pairs after "Home".
    pub fn crumbs(mut self, trail: &[(&str, &str)]) -> Self {
        let mut crumbs = vec![Crumb {
            label: self.t.get("nav-home"),
            href: "/".into(),
        }];
        for (label, href) in trail {
            let label = if self.t.has(label) {
                self.t.get(label)
            } else {
                (*label).to_string()
            };
            crumbs.push(Crumb {
                label,
                href: (*href).to_string(),
            });
        }
        self.crumbs = crumbs;
        self
    }

    pub fn get(&self, key: &str) -> String {
        self.t.get(key)
    }
}

impl FromRequestParts<AppState> for PageCtx {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let lang = parts.extensions.get::<Lang>().copied().unwrap_or_default();
        let t = Tr(lang);
        let any_auth = parts.extensions.get::<Auth>();
        let csrf = match any_auth.and_then(|a| a.session.as_ref()) {
            Some(s) => s.csrf_token.clone(),
            None => {
                read_cookie(&state.config, &parts.headers, Cookie::LoginCsrf).unwrap_or_default()
            }
        };
        let stage = any_auth
            .and_then(|a| a.session.as_ref())
            .map_or(SessionStage::Full, |s| s.stage);
        // Half signed in: the shell shows no user and no navigation yet.
        let auth = any_auth.filter(|_| stage != SessionStage::AwaitingCode);
        let path = parts.uri.path().to_string();
        let here = match (&parts.method, parts.uri.query()) {
            (&axum::http::Method::GET | &axum::http::Method::HEAD, Some(q)) if !q.is_empty() => {
                format!("{path}?{q}")
            }
            (&axum::http::Method::GET | &axum::http::Method::HEAD, _) => path.clone(),
            // A form answered with its errors has the address it was posted to, which
            // takes no GET: the page the form was on, when the browser says so.
            _ => same_site_referer(&parts.headers).unwrap_or_else(|| "/".into()),
        };
        let nav = match auth {
            Some(a) if !a.user.must_change_password && stage == SessionStage::Full => NAV
                .iter()
                .filter(|(_, _, p)| a.actor.may(&state.permissions, *p))
                .map(|(key, href, _)| NavItem {
                    label: t.get(key),
                    href,
                    current: if *href == "/" {
                        path == "/"
                    } else {
                        path.starts_with(href)
                    },
                })
                .collect(),
            _ => Vec::new(),
        };
        let flash = read_cookie(&state.config, &parts.headers, Cookie::Flash).and_then(|v| {
            let (kind, key) = v.split_once(':')?;
            // Only messages meant as flashes, never text from the cookie itself.
            (key.starts_with("flash-") && t.has(key)).then(|| Flash {
                ok: kind == "ok",
                text: t.get(key),
            })
        });
        let org_name = match auth {
            Some(a) => state.store.directory().await.ok().and_then(|d| {
                d.organisation(a.user.org_id)
                    .map(|o| o.name_in(t.lang()).to_string())
            }),
            None => None,
        };
        let warning = match auth {
            Some(a)
                if !nav.is_empty()
                    && state.store.audit_head_lag().is_some()
                    && a.actor.may(&state.permissions, Permission::AuditRead) =>
            {
                Some(t.get("notice-audit-head-lagging"))
            }
            _ => None,
        };
        Ok(Self {
            t,
            user_name: auth.map(|a| a.user.display_name.clone()),
            org_name,
            csrf,
            path,
            here,
            version: crate::VERSION,
            nav,
            crumbs: Vec::new(),
            flash,
            warning,
        })
    }
}

/// The path and query of the `Referer`, when it is a page of this site (same host as the
/// request).
fn same_site_referer(headers: &axum::http::HeaderMap) -> Option<String> {
    let host = headers.get(axum::http::header::HOST)?.to_str().ok()?;
    let referer = headers.get(axum::http::header::REFERER)?.to_str().ok()?;
    let rest = referer
        .strip_prefix("https://")
        .or_else(|| referer.strip_prefix("http://"))?;
    let (authority, path) = rest.split_at(rest.find('/')?);
    (authority.eq_ignore_ascii_case(host))
        .then(|| crate::redirect::local_path(Some(path)).to_string())
}

/// Redirects (303) to a local path (anything else goes home, see `redirect::local_path`)
/// and leaves a message key for the next page to show once.
pub fn redirect_with_flash(state: &AppState, to: &str, key: &str, ok: bool) -> Response {
    let value = format!("{}:{key}", if ok { "ok" } else { "bad" });
    let c = set_cookie(&state.config, Cookie::Flash, &value, Some(60));
    let mut res = Redirect::to(crate::redirect::local_path(Some(to))).into_response();
    if let Ok(v) = HeaderValue::from_str(&c) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

pub fn has_flash(config: &WebConfig, headers: &HeaderMap) -> bool {
    read_cookie(config, headers, Cookie::Flash).is_some_and(|v| !v.is_empty())
}

pub fn clear_flash(config: &WebConfig, res: &mut Response) {
    let c = set_cookie(config, Cookie::Flash, "", Some(0));
    if let Ok(v) = HeaderValue::from_str(&c) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}
