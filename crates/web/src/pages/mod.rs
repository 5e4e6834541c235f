//! Server-rendered pages: the sign-in pages, the home page, the language switch.

pub mod account;
pub mod admin;
pub mod cases;
pub mod login;
pub mod security;

use crate::AppState;
use crate::auth::{Auth, Cookie, set_cookie};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::redirect::local_path;
use crate::shell::PageCtx;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use yoldash_store::sessions::SessionStage;

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// `GET /lang/{code}`: switches the interface language of this browser (a cookie kept for a
/// year). A GET changes nothing else: the saved preference of an account changes only by
/// `POST` (below), which carries a CSRF token.
pub async fn switch_language(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<NextQuery>,
) -> Result<Response, AppError> {
    let lang = Lang::parse(&code).ok_or(AppError::NotFound)?;
    Ok(language_chosen(&state, lang, q.next.as_deref()))
}

/// `POST /lang/{code}`: the language switch of the page shell. As the GET, and a signed-in
/// user's choice becomes their saved preference too.
pub async fn save_language(
    State(state): State<AppState>,
    auth: Option<Auth>,
    Path(code): Path<String>,
    Form(form): Form<NextQuery>,
) -> Result<Response, AppError> {
    let lang = Lang::parse(&code).ok_or(AppError::NotFound)?;
    // Half signed in (the second factor not yet given): the browser's cookie only.
    let signed_in = auth.filter(|a| {
        a.session
            .as_ref()
            .is_none_or(|s| s.stage != SessionStage::AwaitingCode)
    });
    if let Some(a) = signed_in {
        state
            .store
            .set_user_language(a.user.id, lang.code())
            .await?;
    }
    Ok(language_chosen(&state, lang, form.next.as_deref()))
}

/// Sets the language cookie and goes back to `next` (a local path, or home).
fn language_chosen(state: &AppState, lang: Lang, next: Option<&str>) -> Response {
    let cookie = set_cookie(
        &state.config,
        Cookie::Lang,
        lang.code(),
        Some(365 * 24 * 3600),
    );
    (
        [(header::SET_COOKIE, cookie)],
        Redirect::to(local_path(next)),
    )
        .into_response()
}

/// A line of the recent-activity list.
pub struct ActivityRow {
    pub when: String,
    pub what: String,
}

/// A figure of the administrator's overview.
pub struct Figure {
    pub label: String,
    pub value: String,
    pub href: &'static str,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    page: PageCtx,
    welcome: String,
    organisation: String,
    roles: String,
    second_factor_off: bool,
    approver: bool,
    /// Whether the person works on cases (the case work box is theirs).
    case_work: bool,
    /// For roles whose work is not built yet: what they will find here, one line each.
    coming: Vec<String>,
    /// (label, count, link) of the case work lists.
    work: Vec<(String, String, &'static str)>,
    approvals: Vec<(String, String, &'static str)>,
    figures: Vec<Figure>,
    activity: Vec<ActivityRow>,
}

/// The home dashboard: the signed-in person's open work, approvals, recent activity and,
/// for administrators, an overview. Later capabilities (cases, referrals, reports) fill the
/// work lists; until then they show what will appear there.
#[tracing::instrument(skip_all)]
pub async fn home(
    State(state): State<AppState>,
    auth: Auth,
    page: PageCtx,
) -> Result<Html<String>, AppError> {
    use fluent_templates::fluent_bundle::FluentValue;
    use yoldash_domain::{Permission, Role};
    let t = page.t;
    let store = &state.store;
    let roles: Vec<String> = auth
        .user
        .roles
        .iter()
        .map(|r| t.get(&format!("role-{}", r.as_str())))
        .collect();
    let factor = store
        .second_factor_state(auth.user.id, &auth.user.roles)
        .await?;
    let approver = auth
        .user
        .roles
        .iter()
        .any(|r| matches!(r, Role::Supervisor | Role::Secretariat));
    let mut work = Vec::new();
    let mut approvals = Vec::new();
    let case_work = auth.actor.may(&state.permissions, Permission::CaseRead);
    // Roles whose capabilities come later are told what will appear, not shown empty boxes.
    let coming: Vec<String> = auth
        .user
        .roles
        .iter()
        .filter(|r| {
            matches!(
                r,
                Role::Secretariat
                    | Role::MeOfficer
                    | Role::ServiceProvider
                    | Role::HotlineOperator
                    | Role::Viewer
            )
        })
        .map(|r| t.get(&format!("home-coming-{}", r.as_str())))
        .collect();
    if case_work {
        let w = store.case_work(&auth.actor).await?;
        for (key, n, href) in [
            ("home-my-open-cases", w.open, "/cases?worker=me"),
            (
                "home-my-high-risk",
                w.high_risk,
                "/cases?worker=me&risk=high",
            ),
            ("home-my-drafts", w.drafts, "/cases?worker=me&drafts=1"),
        ] {
            if n > 0 {
                work.push((t.get(key), t.number(n), href));
            }
        }
        if w.closure_requests > 0 {
            approvals.push((
                t.get("home-closure-requests"),
                t.number(w.closure_requests),
                "/cases?pending=1",
            ));
        }
    }
    let mut figures = Vec::new();
    if auth
        .actor
        .may(&state.permissions, Permission::OrganisationManage)
    {
        let orgs = store.organisations().await?;
        figures.push(Figure {
            label: t.get("home-figure-organisations"),
            value: t.number(orgs.iter().filter(|o| o.active).count() as i64),
            href: "/admin/organisations",
        });
    }
    if auth.actor.may(&state.permissions, Permission::UserManage) {
        let users = store.users_visible_to(&auth.actor, None).await?;
        figures.push(Figure {
            label: t.get("home-figure-users"),
            value: t.number(users.iter().filter(|u| u.active).count() as i64),
            href: "/admin/users",
        });
    }
    let entries = yoldash_store::audit::recent(
        store,
        &yoldash_store::audit::AuditQuery {
            actor_user_id: Some(auth.user.id),
            limit: 8,
            ..Default::default()
        },
    )
    .await?;
    let activity = entries
        .into_iter()
        .map(|e| ActivityRow {
            when: t.datetime(e.at),
            what: t.get(&format!("activity-{}", e.action)),
        })
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
                FluentValue::from(page.org_name.clone().unwrap_or_default()),
            )],
        ),
        roles: t.with(
            "home-roles",
            &[("roles", FluentValue::from(roles.join(", ")))],
        ),
        second_factor_off: !factor.enabled,
        approver,
        case_work,
        coming,
        work,
        approvals,
        figures,
        activity,
        page,
    }
    .render()?;
    Ok(Html(html))
}
