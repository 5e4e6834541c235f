//! Sign-in and sign-out.

use crate::AppState;
use crate::auth::{Auth, ClientAddr, Cookie, RequestId, set_cookie};
use crate::error::AppError;
use crate::shell::PageCtx;
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use yoldash_domain::Email;
use yoldash_store::audit::{Action, AuditEntry};
use yoldash_store::sessions::SessionStage;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    page: PageCtx,
    email: String,
    error: Option<String>,
    notice: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    notice: Option<String>,
}

/// Notices a redirect may ask the sign-in page to show (message keys, not free text).
const NOTICES: [&str; 2] = ["logged-out", "password-changed"];

pub async fn form(
    State(state): State<AppState>,
    mut page: PageCtx,
    Query(q): Query<LoginQuery>,
) -> Result<Response, AppError> {
    let mut headers = HeaderMap::new();
    if page.csrf.is_empty() {
        page.csrf = yoldash_store::passwords::new_token("");
        let c = set_cookie(&state.config, Cookie::LoginCsrf, &page.csrf, None);
        headers.insert(
            header::SET_COOKIE,
            c.parse().map_err(|_| AppError::Internal)?,
        );
    }
    let notice = q
        .notice
        .filter(|n| NOTICES.contains(&n.as_str()))
        .map(|n| page.t.get(&n));
    let html = LoginPage {
        page,
        email: String::new(),
        error: None,
        notice,
    }
    .render()?;
    Ok((headers, Html(html)).into_response())
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

#[tracing::instrument(skip_all)]
pub async fn submit(
    State(state): State<AppState>,
    page: PageCtx,
    ClientAddr(client): ClientAddr,
    RequestId(request_id): RequestId,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let store = &state.store;
    let account = form.email.trim().to_lowercase();
    let fail = |page: PageCtx, key: &str, status: StatusCode| -> Result<Response, AppError> {
        let error = Some(page.t.get(key));
        let html = LoginPage {
            page,
            email: form.email.clone(),
            error,
            notice: None,
        }
        .render()?;
        Ok((status, Html(html)).into_response())
    };
    if !state.throttle.allows(&account, &client) {
        let mut unit = store.unit().await?;
        unit.audit(AuditEntry::by(None, Action::LoginThrottled).request(Some(&request_id)))
            .await?;
        unit.commit().await?;
        return fail(page, "login-throttled", StatusCode::TOO_MANY_REQUESTS);
    }
    let creds = match Email::parse(&form.email) {
        Ok(email) => store.credentials(&email).await?,
        Err(_) => None,
    };
    // Always run one hash check, known account or not, so timing reveals nothing.
    let password_ok = yoldash_store::passwords::verify(
        &form.password,
        creds.as_ref().map(|c| c.password_hash.as_str()),
    )
    .await;
    let user_id = match creds {
        Some(c) if password_ok && c.usable => c.user_id,
        other => {
            state.throttle.record_failure(&account, &client);
            let mut unit = store.unit().await?;
            let mut entry = AuditEntry::by(None, Action::LoginFailed).request(Some(&request_id));
            if let Some(c) = other {
                entry = entry.object("user", c.user_id);
            }
            unit.audit(entry).await?;
            unit.commit().await?;
            return fail(page, "login-failed", StatusCode::OK);
        }
    };
    state.throttle.record_success(&account, &client);
    let user = store.user(user_id).await?;
    let factor = store.second_factor_state(user.id, &user.roles).await?;
    let stage = if factor.enabled {
        SessionStage::AwaitingCode
    } else if factor.required {
        SessionStage::MustEnrol
    } else {
        SessionStage::Full
    };
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    let session = store.create_session(user_id, user_agent, stage).await?;
    let target = match stage {
        SessionStage::AwaitingCode => "/login/second-factor",
        _ if user.must_change_password => "/account/password",
        SessionStage::MustEnrol => "/account/security/enrol",
        SessionStage::Full => "/",
    };
    if stage != SessionStage::AwaitingCode {
        let mut unit = store.unit().await?;
        unit.audit(AuditEntry::by(Some(&user.actor()), Action::Login).request(Some(&request_id)))
            .await?;
        unit.commit().await?;
    }
    signed_in_redirect(&state, &session.token, target)
}

/// The redirect after a sign-in step: sets the session cookie, clears the login CSRF cookie.
fn signed_in_redirect(state: &AppState, token: &str, target: &str) -> Result<Response, AppError> {
    let mut res = Redirect::to(target).into_response();
    let h = res.headers_mut();
    let cookie = set_cookie(&state.config, Cookie::Session, token, None);
    h.append(
        header::SET_COOKIE,
        cookie.parse().map_err(|_| AppError::Internal)?,
    );
    let clear = set_cookie(&state.config, Cookie::LoginCsrf, "", Some(0));
    h.append(
        header::SET_COOKIE,
        clear.parse().map_err(|_| AppError::Internal)?,
    );
    Ok(res)
}

#[derive(Template)]
#[template(path = "second_factor.html")]
struct SecondFactorPage {
    page: PageCtx,
    error: Option<String>,
}

/// The half-signed-in caller (password given, code not yet), or the sign-in page.
fn awaiting(auth: Option<Auth>) -> Result<Auth, Box<Response>> {
    match auth {
        Some(a)
            if a.session
                .as_ref()
                .is_some_and(|s| s.stage == SessionStage::AwaitingCode) =>
        {
            Ok(a)
        }
        Some(_) => Err(Box::new(Redirect::to("/").into_response())),
        None => Err(Box::new(Redirect::to("/login").into_response())),
    }
}

pub async fn second_factor_form(page: PageCtx, auth: Option<Auth>) -> Result<Response, AppError> {
    if let Err(r) = awaiting(auth) {
        return Ok(*r);
    }
    Ok(Html(SecondFactorPage { page, error: None }.render()?).into_response())
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

/// Checks a TOTP code (each time step accepted once) or an unused recovery code; on
/// success replaces the half session with a new, full one (a fresh cookie value).
#[tracing::instrument(skip_all)]
pub async fn second_factor_submit(
    State(state): State<AppState>,
    page: PageCtx,
    auth: Option<Auth>,
    ClientAddr(client): ClientAddr,
    RequestId(request_id): RequestId,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    let auth = match awaiting(auth) {
        Ok(a) => a,
        Err(r) => return Ok(*r),
    };
    let store = &state.store;
    let key = auth.user.id.to_string();
    let fail = |page: PageCtx, msg: &str, status: StatusCode| -> Result<Response, AppError> {
        let error = Some(page.t.get(msg));
        Ok((status, Html(SecondFactorPage { page, error }.render()?)).into_response())
    };
    if !state.throttle.allows_code(&key, &client) {
        return fail(page, "login-throttled", StatusCode::TOO_MANY_REQUESTS);
    }
    let code = form.code.trim().replace(' ', "");
    let ok = if code.len() == 6 && code.chars().all(|c| c.is_ascii_digit()) {
        match store.totp_secret(auth.user.id).await? {
            Some(secret) => match crate::totp::check(&secret, &auth.user.email, &code) {
                Some(step) => store.accept_totp_step(auth.user.id, step).await?,
                None => false,
            },
            None => false,
        }
    } else {
        !code.is_empty() && store.use_recovery_code(auth.user.id, &code).await?
    };
    if !ok {
        state.throttle.record_code_failure(&key, &client);
        let mut unit = store.unit().await?;
        unit.audit(
            AuditEntry::by(None, Action::LoginFailed)
                .object("user", auth.user.id)
                .detail("second_factor")
                .request(Some(&request_id)),
        )
        .await?;
        unit.commit().await?;
        return fail(
            page,
            "second-factor-wrong",
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    state.throttle.record_code_success(&key);
    if let Some(s) = &auth.session {
        store.delete_session(&s.token_hash).await?;
    }
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    let session = store
        .create_session(auth.user.id, user_agent, SessionStage::Full)
        .await?;
    let mut unit = store.unit().await?;
    unit.audit(AuditEntry::by(Some(&auth.actor), Action::Login).request(Some(&request_id)))
        .await?;
    unit.commit().await?;
    let target = if auth.user.must_change_password {
        "/account/password"
    } else {
        "/"
    };
    signed_in_redirect(&state, &session.token, target)
}

pub async fn logout(
    State(state): State<AppState>,
    auth: Auth,
    RequestId(request_id): RequestId,
) -> Result<Response, AppError> {
    if let Some(s) = &auth.session {
        state.store.delete_session(&s.token_hash).await?;
    }
    let mut unit = state.store.unit().await?;
    unit.audit(AuditEntry::by(Some(&auth.actor), Action::Logout).request(Some(&request_id)))
        .await?;
    unit.commit().await?;
    let clear = set_cookie(&state.config, Cookie::Session, "", Some(0));
    Ok((
        [(header::SET_COOKIE, clear)],
        Redirect::to("/login?notice=logged-out"),
    )
        .into_response())
}
