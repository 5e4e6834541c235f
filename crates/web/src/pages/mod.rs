//! Server-rendered pages: the sign-in pages, the home page, the language switch.

pub mod account;
pub mod admin;
pub mod login;
pub mod security;

use crate::AppState;
use crate::auth::{Auth, LANG_COOKIE, set_cookie};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::shell::PageCtx;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

/// A redirect target taken from a query string: only a local path, never another site.
pub fn local_path(next: Option<&str>) -> String {
    match next {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') => p.to_string(),
        _ => "/".to_string(),
    }
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Switches the interface language; the choice is remembered in a cookie for a year.
pub async fn switch_language(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<NextQuery>,
) -> Result<Response, AppError> {
    let lang = Lang::parse(&code).ok_or(AppError::NotFound)?;
    let cookie = set_cookie(
        LANG_COOKIE,
        lang.code(),
        Some(365 * 24 * 3600),
        state.config.secure_cookies(),
    );
    Ok((
        [(header::SET_COOKIE, cookie)],
        Redirect::to(&local_path(q.next.as_deref())),
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    page: PageCtx,
    welcome: String,
    organisation: String,
    roles: String,
}

#[tracing::instrument(skip_all)]
pub async fn home(
    State(state): State<AppState>,
    auth: Auth,
    page: PageCtx,
) -> Result<Html<String>, AppError> {
    use fluent_templates::fluent_bundle::FluentValue;
    let t = page.t;
    let org = state.store.organisation(auth.user.org_id).await?;
    let roles: Vec<String> = auth
        .user
        .roles
        .iter()
        .map(|r| t.get(&format!("role-{}", r.as_str())))
        .collect();
    let html = HomePage {
        welcome: t.with(
            "home-welcome",
            &[("name", FluentValue::from(auth.user.display_name.clone()))],
        ),
        organisation: t.with(
            "home-organisation",
            &[(
                "organisation",
                FluentValue::from(org.name_in(t.lang()).to_string()),
            )],
        ),
        roles: t.with(
            "home-roles",
            &[("roles", FluentValue::from(roles.join(", ")))],
        ),
        page,
    }
    .render()?;
    Ok(Html(html))
}
