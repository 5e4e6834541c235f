//! Administration of user accounts: list, create with a one-time password, edit roles and
//! language (with conflict detection), disable, reset the password or the second factor.
//! System administrators manage every organisation's accounts; organisation
//! administrators only their own organisation's, and never grant `admin`.

use crate::AppState;
use crate::api::users::account_to_act_on;
use crate::auth::Auth;
use crate::error::AppError;
use crate::forms::FieldErrors;
use crate::i18n::Tr;
use crate::routes::{Access, Endpoint, ep, owned};
use crate::shell::{PageCtx, redirect_with_flash};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use yoldash_domain::{Actor, Email, Permission, PersonName, Role, Version};
use yoldash_store::StoreError;
use yoldash_store::users::{NewUser, User, UserChanges};

pub fn endpoints() -> Vec<Endpoint> {
    use Access::Signed;
    use Permission::UserManage as M;
    vec![
        ep(Method::GET, "/admin/users", Signed(M), get(list)),
        ep(Method::GET, "/admin/users/new", Signed(M), get(new_form)),
        ep(Method::POST, "/admin/users/new", Signed(M), post(create)),
        owned(
            ep(Method::GET, "/admin/users/{id}", Signed(M), get(edit_form)),
            "user",
        ),
        owned(
            ep(Method::POST, "/admin/users/{id}", Signed(M), post(update)),
            "user",
        ),
        owned(
            ep(
                Method::POST,
                "/admin/users/{id}/disable",
                Signed(M),
                post(disable),
            ),
            "user",
        ),
        owned(
            ep(
                Method::POST,
                "/admin/users/{id}/enable",
                Signed(M),
                post(enable),
            ),
            "user",
        ),
        owned(
            ep(
                Method::POST,
                "/admin/users/{id}/reset-password",
                Signed(M),
                post(reset_password),
            ),
            "user",
        ),
        owned(
            ep(
                Method::POST,
                "/admin/users/{id}/reset-second-factor",
                Signed(M),
                post(reset_second_factor),
            ),
            "user",
        ),
    ]
}

pub struct UserRow {
    pub id: String,
    pub name: String,
    pub email: String,
    pub org: String,
    pub roles: String,
    pub active: bool,
    pub second_factor: bool,
    /// Whether the caller may open and change the account (else its name is not a link).
    pub actionable: bool,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct ListPage {
    page: PageCtx,
    rows: Vec<UserRow>,
}

fn role_labels(t: Tr, roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| t.get(&format!("role-{}", r.as_str())))
        .collect::<Vec<_>>()
        .join(", ")
}

pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    page: PageCtx,
) -> Result<Html<String>, AppError> {
    let t = page.t;
    let orgs: std::collections::HashMap<_, _> = state
        .store
        .organisations()
        .await?
        .into_iter()
        .map(|o| (o.id, o.code))
        .collect();
    let with_factor = state.store.users_with_second_factor().await?;
    let users = state.store.users_visible_to(&auth.actor, None).await?;
    let rows = users
        .into_iter()
        .map(|u| UserRow {
            actionable: auth.actor.may_act_on_account(&u.roles),
            id: u.id.to_string(),
            org: orgs.get(&u.org_id).cloned().unwrap_or_default(),
            roles: role_labels(t, &u.roles),
            active: u.active,
            second_factor: with_factor.contains(&u.id),
            name: u.display_name,
            email: u.email,
        })
        .collect();
    Ok(Html(
        ListPage {
            page: page.crumbs(&[("nav-users", "/admin/users")]),
            rows,
        }
        .render()?,
    ))
}

/// A checkbox of the roles fieldset.
pub struct RoleBox {
    pub code: &'static str,
    pub label: String,
    pub checked: bool,
}

/// What the form holds.
#[derive(Debug, Clone, Default)]
pub struct UserForm {
    pub email: String,
    pub display_name: String,
    pub org: String,
    pub roles: Vec<String>,
    pub language: String,
    pub second_factor_required: bool,
    pub version: String,
}

impl UserForm {
    /// Parses a URL-encoded body, where checked roles arrive as repeated `roles` fields.
    fn parse(body: &[u8]) -> Self {
        let mut f = UserForm::default();
        for (k, v) in form_urlencoded::parse(body) {
            let v = v.into_owned();
            match k.as_ref() {
                "email" => f.email = v,
                "display_name" => f.display_name = v,
                "org" => f.org = v,
                "roles" => f.roles.push(v),
                "language" => f.language = v,
                "second_factor_required" => f.second_factor_required = v == "on",
                "version" => f.version = v,
                _ => {}
            }
        }
        f
    }

    fn from_user(u: &User, sf_required: bool) -> Self {
        Self {
            email: u.email.clone(),
            display_name: u.display_name.clone(),
            org: u.org_id.to_string(),
            roles: u.roles.iter().map(|r| r.as_str().to_string()).collect(),
            language: u.language.clone(),
            second_factor_required: sf_required,
            version: u.version.0.to_string(),
        }
    }
}

#[derive(Template)]
#[template(path = "admin_user_form.html")]
struct FormPage {
    page: PageCtx,
    id: Option<String>,
    form: UserForm,
    errors: FieldErrors,
    roles: Vec<RoleBox>,
    orgs: Vec<(String, String)>,
    languages: Vec<(&'static str, String)>,
    /// On a conflict: the stored values, described.
    current: Option<String>,
    active: bool,
    has_second_factor: bool,
}

#[allow(clippy::too_many_arguments)]
async fn form_page(
    state: &AppState,
    auth: &Auth,
    page: PageCtx,
    id: Option<String>,
    form: UserForm,
    errors: FieldErrors,
    current: Option<String>,
    target: Option<&User>,
) -> Result<FormPage, AppError> {
    let t = page.t;
    let roles = auth
        .actor
        .grantable_roles()
        .into_iter()
        .map(|r| RoleBox {
            code: r.as_str(),
            label: t.get(&format!("role-{}", r.as_str())),
            checked: form.roles.iter().any(|x| x == r.as_str()),
        })
        .collect();
    let orgs = state
        .store
        .organisations()
        .await?
        .into_iter()
        .filter(|o| o.active && auth.actor.sees_users_of(o.id))
        .map(|o| {
            (
                o.id.to_string(),
                format!("{} — {}", o.code, o.name_in(t.lang())),
            )
        })
        .collect();
    let languages = crate::i18n::Lang::ALL
        .iter()
        .map(|l| (l.code(), t.get(&format!("lang-{}", l.code()))))
        .collect();
    let has_second_factor = match target {
        Some(u) => {
            state
                .store
                .second_factor_state(u.id, &u.roles)
                .await?
                .enabled
        }
        None => false,
    };
    let title = if id.is_some() {
        "user-edit-title"
    } else {
        "user-new-title"
    };
    let here = format!("/admin/users/{}", id.as_deref().unwrap_or("new"));
    Ok(FormPage {
        page: page.crumbs(&[("nav-users", "/admin/users"), (title, &here)]),
        id,
        form,
        errors,
        roles,
        orgs,
        languages,
        current,
        active: target.is_none_or(|u| u.active),
        has_second_factor,
    })
}

fn render(p: FormPage, status: StatusCode) -> Result<Response, AppError> {
    Ok((status, Html(p.render()?)).into_response())
}

pub async fn new_form(
    State(state): State<AppState>,
    auth: Auth,
    page: PageCtx,
) -> Result<Response, AppError> {
    let form = UserForm {
        org: auth.actor.org_id.to_string(),
        language: page.t.lang().to_string(),
        ..Default::default()
    };
    let p = form_page(
        &state,
        &auth,
        page,
        None,
        form,
        FieldErrors::new(),
        None,
        None,
    )
    .await?;
    render(p, StatusCode::OK)
}

/// Roles from the form, checked against what the actor may grant.
fn checked_roles(t: Tr, actor: &Actor, form: &UserForm, errors: &mut FieldErrors) -> Vec<Role> {
    let allowed = actor.grantable_roles();
    let mut roles = Vec::new();
    for r in &form.roles {
        match Role::parse(r) {
            Ok(role) if allowed.contains(&role) => roles.push(role),
            _ => errors.add(t, "roles", "invalid-role"),
        }
    }
    if roles.is_empty() {
        errors.add(t, "roles", "role-required");
    }
    roles.sort();
    roles.dedup();
    roles
}

#[derive(Template)]
#[template(path = "admin_user_password.html")]
struct OneTimePasswordPage {
    page: PageCtx,
    email: String,
    password: String,
}

pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    page: PageCtx,
    body: Bytes,
) -> Result<Response, AppError> {
    let t = page.t;
    let form = UserForm::parse(&body);
    let mut errors = FieldErrors::new();
    let email = Email::parse(&form.email)
        .map_err(|e| errors.add(t, "email", e.key))
        .ok();
    let name = PersonName::parse(&form.display_name)
        .map_err(|e| errors.add(t, "display_name", e.key))
        .ok();
    let roles = checked_roles(t, &auth.actor, &form, &mut errors);
    let org_id = uuid::Uuid::parse_str(&form.org)
        .ok()
        .filter(|o| auth.actor.sees_users_of(*o));
    if org_id.is_none() {
        errors.add(t, "org", "unknown-organisation");
    }
    if let (Some(email), Some(name), Some(org_id), true) = (email, name, org_id, errors.is_empty())
    {
        let password = yoldash_store::passwords::one_time_password();
        let new = NewUser {
            org_id,
            email,
            display_name: name,
            roles,
            language: form.language.clone(),
            password_hash: yoldash_store::passwords::hash(&password).await?,
            must_change_password: true,
        };
        let mut unit = state.store.unit().await?;
        match state
            .store
            .create_user(&mut unit, Some(&auth.actor), &new)
            .await
        {
            Ok(user) => {
                if form.second_factor_required {
                    state
                        .store
                        .set_second_factor_required(&mut unit, Some(&auth.actor), user.id, true)
                        .await?;
                }
                unit.commit().await?;
                let page = page.crumbs(&[
                    ("nav-users", "/admin/users"),
                    ("user-created-title", "/admin/users"),
                ]);
                return Ok(Html(
                    OneTimePasswordPage {
                        page,
                        email: user.email,
                        password,
                    }
                    .render()?,
                )
                .into_response());
            }
            Err(e) => errors.absorb(t, e.into())?,
        }
    }
    let p = form_page(&state, &auth, page, None, form, errors, None, None).await?;
    render(p, StatusCode::UNPROCESSABLE_ENTITY)
}

pub async fn edit_form(
    State(state): State<AppState>,
    auth: Auth,
    page: PageCtx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let user = account_to_act_on(&state, &auth, &id).await?;
    let form = UserForm::from_user(
        &user,
        state.store.second_factor_required_by_admin(user.id).await?,
    );
    let p = form_page(
        &state,
        &auth,
        page,
        Some(id),
        form,
        FieldErrors::new(),
        None,
        Some(&user),
    )
    .await?;
    render(p, StatusCode::OK)
}

pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    page: PageCtx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let t = page.t;
    let user = account_to_act_on(&state, &auth, &id).await?;
    let mut form = UserForm::parse(&body);
    form.email = user.email.clone();
    form.org = user.org_id.to_string();
    let mut errors = FieldErrors::new();
    let name = PersonName::parse(&form.display_name)
        .map_err(|e| errors.add(t, "display_name", e.key))
        .ok();
    let roles = checked_roles(t, &auth.actor, &form, &mut errors);
    // Removing one's own administration role would lock the administrator out.
    let keeps_admin = [Role::Admin, Role::OrgAdmin]
        .iter()
        .all(|r| !auth.user.roles.contains(r) || roles.contains(r));
    if user.id == auth.user.id && !keeps_admin {
        errors.add(t, "roles", "cannot-remove-own-admin");
    }
    let expected = form.version.trim().parse::<i64>().map(Version);
    if expected.is_err() {
        errors.add(t, "version", "invalid-version");
    }
    let mut current = None;
    if let (Some(name), Ok(expected), true) = (name, expected, errors.is_empty()) {
        let changes = UserChanges {
            display_name: name,
            language: form.language.clone(),
            roles,
            second_factor_required: form.second_factor_required,
        };
        let mut unit = state.store.unit().await?;
        match state
            .store
            .update_user_admin(&mut unit, Some(&auth.actor), user.id, expected, &changes)
            .await
        {
            Ok(_) => {
                unit.commit().await?;
                return Ok(redirect_with_flash(
                    &state,
                    "/admin/users",
                    "flash-user-saved",
                    true,
                ));
            }
            Err(StoreError::Conflict { current: v }) => {
                let now = state.store.user(user.id).await?;
                current = Some(format!(
                    "{} · {} · {}",
                    now.display_name,
                    t.get(&format!("lang-{}", now.language)),
                    role_labels(t, &now.roles)
                ));
                form.version = v.to_string();
                errors.add_text("form", t.get("error-conflict"));
            }
            Err(e) => errors.absorb(t, e.into())?,
        }
    }
    let status = if current.is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let p = form_page(
        &state,
        &auth,
        page,
        Some(id),
        form,
        errors,
        current,
        Some(&user),
    )
    .await?;
    render(p, status)
}

async fn set_active(
    state: &AppState,
    auth: &Auth,
    id: &str,
    active: bool,
) -> Result<Response, AppError> {
    let user = account_to_act_on(state, auth, id).await?;
    if user.id == auth.user.id {
        return Ok(redirect_with_flash(
            state,
            &format!("/admin/users/{id}"),
            "flash-cannot-disable-self",
            false,
        ));
    }
    let mut unit = state.store.unit().await?;
    state
        .store
        .set_user_active(&mut unit, Some(&auth.actor), user.id, active, None)
        .await?;
    unit.commit().await?;
    let key = if active {
        "flash-user-enabled"
    } else {
        "flash-user-disabled"
    };
    Ok(redirect_with_flash(state, "/admin/users", key, true))
}

/// Disables an account once confirmed: its sessions and tokens end at once.
pub async fn disable(
    State(state): State<AppState>,
    auth: Auth,
    page: PageCtx,
    Path(id): Path<String>,
    data: crate::fields::FormData,
) -> Result<Response, AppError> {
    if !data.flag("confirm") {
        let user = account_to_act_on(&state, &auth, &id).await?;
        let t = page.t;
        let who = format!("{} ({})", user.display_name, user.email);
        return crate::confirm::ConfirmPage {
            page,
            title: t.get("confirm-disable-user-title"),
            message: t.with(
                "confirm-disable-user",
                &[(
                    "user",
                    fluent_templates::fluent_bundle::FluentValue::from(who),
                )],
            ),
            consequence: t.get("confirm-disable-user-consequence"),
            action: format!("/admin/users/{id}/disable"),
            version: None,
            carried: Vec::new(),
            date: None,
            confirm_label: t.get("user-disable"),
            cancel_href: format!("/admin/users/{id}"),
        }
        .answer();
    }
    set_active(&state, &auth, &id, false).await
}

pub async fn enable(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    set_active(&state, &auth, &id, true).await
}

/// Sets a one-time password, shown once; the user must change it at next sign-in, and
/// their sessions end. Audited as a reset.
pub async fn reset_password(
    State(state): State<AppState>,
    auth: Auth,
    page: PageCtx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let user = account_to_act_on(&state, &auth, &id).await?;
    let password = yoldash_store::passwords::one_time_password();
    let hash = yoldash_store::passwords::hash(&password).await?;
    let mut unit = state.store.unit().await?;
    state
        .store
        .set_password(&mut unit, Some(&auth.actor), user.id, &hash, true, None)
        .await?;
    unit.commit().await?;
    let page = page.crumbs(&[
        ("nav-users", "/admin/users"),
        ("user-reset-title", "/admin/users"),
    ]);
    Ok(Html(
        OneTimePasswordPage {
            page,
            email: user.email,
            password,
        }
        .render()?,
    )
    .into_response())
}

/// Removes a lost second factor; the user sets up a new one (if required, at next sign-in).
pub async fn reset_second_factor(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let user = account_to_act_on(&state, &auth, &id).await?;
    // One's own second factor is turned off on the security page, which asks for the
    // password and keeps a requirement; this reset is for someone else's lost device.
    if user.id == auth.user.id {
        return Err(AppError::Refused("own-second-factor"));
    }
    let mut unit = state.store.unit().await?;
    state
        .store
        .disable_second_factor(&mut unit, Some(&auth.actor), user.id)
        .await?;
    unit.commit().await?;
    state.store.delete_sessions_of(user.id, None).await?;
    Ok(redirect_with_flash(
        &state,
        &format!("/admin/users/{id}"),
        "flash-second-factor-reset",
        true,
    ))
}
