//! The signed-in user's security: second factor (enrolment, recovery codes, turning it
//! off), active sessions with "sign out everywhere else", and the administrator's setting
//! of which roles must use a second factor.

use crate::AppState;
use crate::auth::{Auth, ClientAddr, RequestId};
use crate::error::AppError;
use crate::pages::login;
use crate::routes::{Access, Endpoint, ep};
use crate::shell::{PageCtx, redirect_with_flash};
use crate::totp;
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use yoldash_domain::{Permission, Role};
use yoldash_store::sessions::SessionStage;

pub fn endpoints() -> Vec<Endpoint> {
    use Access::{Public, Signed};
    use Permission as P;
    vec![
        ep(
            Method::GET,
            "/login/second-factor",
            Public,
            get(login::second_factor_form),
        ),
        ep(
            Method::POST,
            "/login/second-factor",
            Public,
            post(login::second_factor_submit),
        ),
        ep(
            Method::GET,
            "/account/security",
            Signed(P::ProfileUse),
            get(overview),
        ),
        ep(
            Method::GET,
            "/account/security/enrol",
            Signed(P::ProfileUse),
            get(enrol_form),
        ),
        ep(
            Method::POST,
            "/account/security/enrol",
            Signed(P::ProfileUse),
            post(enrol_submit),
        ),
        ep(
            Method::POST,
            "/account/security/recovery-codes",
            Signed(P::ProfileUse),
            post(regenerate_codes),
        ),
        ep(
            Method::POST,
            "/account/security/disable",
            Signed(P::ProfileUse),
            post(disable),
        ),
        ep(
            Method::POST,
            "/account/sessions/sign-out-others",
            Signed(P::ProfileUse),
            post(sign_out_others),
        ),
        ep(
            Method::GET,
            "/admin/settings",
            Signed(P::SettingsManage),
            get(settings_form),
        ),
        ep(
            Method::POST,
            "/admin/settings",
            Signed(P::SettingsManage),
            post(settings_submit),
        ),
    ]
}

/// One row of the active sessions list.
pub struct SessionRow {
    pub started: String,
    pub last_seen: String,
    pub client: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "security.html")]
struct OverviewPage {
    page: PageCtx,
    enabled: bool,
    required: bool,
    codes_left: i64,
    sessions: Vec<SessionRow>,
    password_error: Option<String>,
}

async fn overview_page(
    state: &AppState,
    auth: &Auth,
    page: PageCtx,
    password_error: Option<String>,
) -> Result<OverviewPage, AppError> {
    let factor = state
        .store
        .second_factor_state(auth.user.id, &auth.user.roles)
        .await?;
    let current = auth.session.as_ref().map(|s| s.token_hash.clone());
    let sessions = state
        .store
        .sessions_of(auth.user.id)
        .await?
        .into_iter()
        .map(|s| SessionRow {
            started: page.t.datetime(s.created_at),
            last_seen: page.t.datetime(s.last_seen_at),
            client: s.client.unwrap_or_default(),
            current: current.as_deref() == Some(s.token_hash.as_str()),
        })
        .collect();
    Ok(OverviewPage {
        page: page.crumbs(&[("security-title", "/account/security")]),
        enabled: factor.enabled,
        required: factor.required,
        codes_left: factor.recovery_codes_left,
        sessions,
        password_error,
    })
}

pub async fn overview(
    State(state): State<AppState>,
    auth: Auth,
    page: PageCtx,
) -> Result<Html<String>, AppError> {
    Ok(Html(
        overview_page(&state, &auth, page, None).await?.render()?,
    ))
}

#[derive(Template)]
#[template(path = "security_enrol.html")]
struct EnrolPage {
    page: PageCtx,
    qr: String,
    secret: String,
    required: bool,
    error: Option<String>,
}

async fn enrol_page(
    state: &AppState,
    auth: &Auth,
    page: PageCtx,
    error: Option<String>,
) -> Result<Result<EnrolPage, Response>, AppError> {
    let store = &state.store;
    let factor = store
        .second_factor_state(auth.user.id, &auth.user.roles)
        .await?;
    if factor.enabled {
        return Ok(Err(Redirect::to("/account/security").into_response()));
    }
    // Keep a pending secret across reloads, so a code scanned a moment ago still works.
    let secret = match store.totp_secret(auth.user.id).await? {
        Some(s) => s,
        None => store.begin_totp_enrolment(auth.user.id).await?,
    };
    let qr = totp::qr_svg(&secret, &auth.user.email).ok_or(AppError::Internal)?;
    Ok(Ok(EnrolPage {
        page: page.crumbs(&[
            ("security-title", "/account/security"),
            ("enrol-title", "/account/security/enrol"),
        ]),
        qr,
        secret: totp::secret_base32(&secret),
        required: factor.required,
        error,
    }))
}

pub async fn enrol_form(
    State(state): State<AppState>,
    auth: Auth,
    page: PageCtx,
) -> Result<Response, AppError> {
    Ok(match enrol_page(&state, &auth, page, None).await? {
        Ok(p) => Html(p.render()?).into_response(),
        Err(r) => r,
    })
}

#[derive(Template)]
#[template(path = "security_codes.html")]
struct CodesPage {
    page: PageCtx,
    codes: Vec<String>,
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

/// Confirms the enrolment with a code from the app; shows the recovery codes once.
pub async fn enrol_submit(
    State(state): State<AppState>,
    auth: Auth,
    page: PageCtx,
    RequestId(rid): RequestId,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    let store = &state.store;
    let secret = store.totp_secret(auth.user.id).await?;
    let step = secret.and_then(|s| totp::check(&s, &auth.user.email, form.code.trim()));
    let Some(step) = step else {
        let msg = page.t.get("second-factor-wrong");
        return Ok(match enrol_page(&state, &auth, page, Some(msg)).await? {
            Ok(p) => (StatusCode::UNPROCESSABLE_ENTITY, Html(p.render()?)).into_response(),
            Err(r) => r,
        });
    };
    let mut unit = store.unit().await?;
    let codes = store
        .confirm_totp_enrolment(&mut unit, Some(&auth.actor), auth.user.id, step)
        .await?;
    unit.commit().await?;
    // A session that had to set up the second factor is now a full one.
    if let Some(s) = auth
        .session
        .as_ref()
        .filter(|s| s.stage == SessionStage::MustEnrol)
    {
        store.delete_session(&s.token_hash).await?;
        let session = store
            .create_session(auth.user.id, None, SessionStage::Full)
            .await?;
        let mut res = Html(
            CodesPage {
                page: page.crumbs(&[("security-title", "/account/security")]),
                codes,
            }
            .render()?,
        )
        .into_response();
        let cookie = crate::auth::set_cookie(
            &state.config,
            crate::auth::Cookie::Session,
            &session.token,
            None,
        );
        res.headers_mut().append(
            axum::http::header::SET_COOKIE,
            cookie.parse().map_err(|_| AppError::Internal)?,
        );
        tracing::info!(request_id = %rid, "second factor enrolled");
        return Ok(res);
    }
    Ok(Html(
        CodesPage {
            page: page.crumbs(&[("security-title", "/account/security")]),
            codes,
        }
        .render()?,
    )
    .into_response())
}

#[derive(Deserialize)]
pub struct PasswordConfirm {
    #[serde(default)]
    password: String,
}

/// New recovery codes (the old ones stop working); asks for the password again.
pub async fn regenerate_codes(
    State(state): State<AppState>,
    auth: Auth,
    page: PageCtx,
    RequestId(request_id): RequestId,
    ClientAddr(client): ClientAddr,
    Form(form): Form<PasswordConfirm>,
) -> Result<Response, AppError> {
    if let Err((status, key)) =
        crate::pages::account::recheck_password(&state, &auth, &client, &request_id, &form.password)
            .await?
    {
        let msg = page.t.get(key);
        let p = overview_page(&state, &auth, page, Some(msg)).await?;
        return Ok((status, Html(p.render()?)).into_response());
    }
    let factor = state
        .store
        .second_factor_state(auth.user.id, &auth.user.roles)
        .await?;
    if !factor.enabled {
        return Ok(Redirect::to("/account/security").into_response());
    }
    let mut unit = state.store.unit().await?;
    let codes = state
        .store
        .regenerate_recovery_codes(&mut unit, Some(&auth.actor), auth.user.id)
        .await?;
    unit.commit().await?;
    Ok(Html(
        CodesPage {
            page: page.crumbs(&[("security-title", "/account/security")]),
            codes,
        }
        .render()?,
    )
    .into_response())
}

/// Turns the second factor off, unless it is required; asks for the password again.
pub async fn disable(
    State(state): State<AppState>,
    auth: Auth,
    page: PageCtx,
    RequestId(request_id): RequestId,
    ClientAddr(client): ClientAddr,
    Form(form): Form<PasswordConfirm>,
) -> Result<Response, AppError> {
    if let Err((status, key)) =
        crate::pages::account::recheck_password(&state, &auth, &client, &request_id, &form.password)
            .await?
    {
        let msg = page.t.get(key);
        let p = overview_page(&state, &auth, page, Some(msg)).await?;
        return Ok((status, Html(p.render()?)).into_response());
    }
    let factor = state
        .store
        .second_factor_state(auth.user.id, &auth.user.roles)
        .await?;
    if factor.required {
        return Ok(redirect_with_flash(
            &state,
            "/account/security",
            "flash-second-factor-required",
            false,
        ));
    }
    let mut unit = state.store.unit().await?;
    state
        .store
        .disable_second_factor(&mut unit, Some(&auth.actor), auth.user.id)
        .await?;
    unit.commit().await?;
    Ok(redirect_with_flash(
        &state,
        "/account/security",
        "flash-second-factor-disabled",
        true,
    ))
}

pub async fn sign_out_others(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Response, AppError> {
    let keep = auth.session.as_ref().map(|s| s.token_hash.as_str());
    state.store.delete_sessions_of(auth.user.id, keep).await?;
    Ok(redirect_with_flash(
        &state,
        "/account/security",
        "flash-signed-out-others",
        true,
    ))
}

/// A role and whether it must use a second factor.
pub struct RoleChoice {
    pub code: &'static str,
    pub label: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "admin_settings.html")]
struct SettingsPage {
    page: PageCtx,
    roles: Vec<RoleChoice>,
}

pub async fn settings_form(
    State(state): State<AppState>,
    page: PageCtx,
) -> Result<Html<String>, AppError> {
    let required = state.store.second_factor_roles().await?;
    let roles = Role::ALL
        .iter()
        .map(|r| RoleChoice {
            code: r.as_str(),
            label: page.t.get(&format!("role-{}", r.as_str())),
            checked: required.contains(r),
        })
        .collect();
    Ok(Html(
        SettingsPage {
            page: page.crumbs(&[("settings-title", "/admin/settings")]),
            roles,
        }
        .render()?,
    ))
}

pub async fn settings_submit(
    State(state): State<AppState>,
    auth: Auth,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    // Checkboxes arrive as repeated `role=` fields.
    let roles: Vec<Role> = form_urlencoded::parse(&body)
        .filter(|(k, _)| k == "role")
        .filter_map(|(_, v)| Role::parse(&v).ok())
        .collect();
    let mut unit = state.store.unit().await?;
    state
        .store
        .set_second_factor_roles(&mut unit, Some(&auth.actor), &roles)
        .await?;
    unit.commit().await?;
    Ok(redirect_with_flash(
        &state,
        "/admin/settings",
        "flash-settings-saved",
        true,
    ))
}
