//! The signed-in user's own account: changing the password.

use crate::AppState;
use crate::auth::{Auth, ClientAddr, RequestId};
use crate::error::AppError;
use crate::shell::PageCtx;
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use fluent_templates::fluent_bundle::FluentValue;
use serde::Deserialize;
use yoldash_domain::{Email, PasswordProblem};

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    page: PageCtx,
    forced: bool,
    notice: Option<String>,
    rules: String,
    current_error: Option<String>,
    new_error: Option<String>,
    confirm_error: Option<String>,
}

fn page_for(state: &AppState, page: PageCtx, forced: bool) -> PasswordPage {
    let rules = page.t.with(
        "password-rules",
        &[("min", FluentValue::from(state.passwords.min_chars as i64))],
    );
    PasswordPage {
        page,
        forced,
        notice: None,
        rules,
        current_error: None,
        new_error: None,
        confirm_error: None,
    }
}

pub async fn password_form(
    State(state): State<AppState>,
    auth: Auth,
    page: PageCtx,
) -> Result<Html<String>, AppError> {
    Ok(Html(
        page_for(&state, page, auth.user.must_change_password).render()?,
    ))
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

/// Why a password asked again (to change it, to renew recovery codes, to turn off the second
/// factor) was not accepted, as a status and a message key.
pub type Refusal = (StatusCode, &'static str);

/// Checks a signed-in user's password again. Wrong answers count like wrong passwords at
/// sign-in (the same limits, per account and address) and are audited, so a stolen session
/// is not an unlimited oracle for the account's password.
pub async fn recheck_password(
    state: &AppState,
    auth: &Auth,
    client: &str,
    request_id: &str,
    password: &str,
) -> Result<Result<(), Refusal>, AppError> {
    let account = auth.user.email.trim().to_lowercase();
    if !state.throttle.allows(&account, client) {
        return Ok(Err((StatusCode::TOO_MANY_REQUESTS, "login-throttled")));
    }
    let stored = state.store.password_hash_of(auth.user.id).await?;
    if yoldash_store::passwords::verify(password, Some(&stored)).await {
        return Ok(Ok(()));
    }
    state.throttle.record_failure(&account, client);
    let mut unit = state.store.unit().await?;
    unit.audit(
        yoldash_store::audit::AuditEntry::by(
            Some(&auth.actor),
            yoldash_store::audit::Action::LoginFailed,
        )
        .object("user", auth.user.id)
        .detail("password_asked_again")
        .request(Some(request_id)),
    )
    .await?;
    unit.commit().await?;
    Ok(Err((
        StatusCode::UNPROCESSABLE_ENTITY,
        "password-current-wrong",
    )))
}

/// Checks the current password, the policy and the confirmation; on success stores the
/// new hash, signs out the user's other sessions and clears a forced change.
#[tracing::instrument(skip_all)]
pub async fn password_submit(
    State(state): State<AppState>,
    auth: Auth,
    page: PageCtx,
    RequestId(request_id): RequestId,
    ClientAddr(client): ClientAddr,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let t = page.t;
    let mut view = page_for(&state, page, auth.user.must_change_password);
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    if let Err((refused, key)) =
        recheck_password(&state, &auth, &client, &request_id, &form.current).await?
    {
        view.current_error = Some(t.get(key));
        status = refused;
    }
    let email = Email::parse(&auth.user.email).ok();
    if let Err(problem) =
        state
            .passwords
            .check_for(&form.new, email.as_ref(), Some(&auth.user.display_name))
    {
        view.new_error = Some(match problem {
            PasswordProblem::TooShort => t.with(
                problem.message_key(),
                &[("min", FluentValue::from(state.passwords.min_chars as i64))],
            ),
            other => t.get(other.message_key()),
        });
    } else if form.new == form.current {
        view.new_error = Some(t.get("password-common"));
    }
    if form.new != form.confirm {
        view.confirm_error = Some(t.get("password-mismatch"));
    }
    if view.current_error.is_some() || view.new_error.is_some() || view.confirm_error.is_some() {
        return Ok((status, Html(view.render()?)).into_response());
    }
    let hash = yoldash_store::passwords::hash(&form.new).await?;
    let keep = auth.session.as_ref().map(|s| s.token_hash.as_str());
    let mut unit = state.store.unit().await?;
    state
        .store
        .set_password(
            &mut unit,
            Some(&auth.actor),
            auth.user.id,
            &hash,
            false,
            keep,
        )
        .await?;
    unit.commit().await?;
    tracing::info!(request_id = %request_id, "password changed");
    let mut done = page_for(&state, view.page, false);
    done.notice = Some(t.get("password-changed"));
    Ok(Html(done.render()?).into_response())
}
