//! Administration of API tokens: list (never the values), create (shown once), revoke.

use crate::AppState;
use crate::auth::Auth;
use crate::error::AppError;
use crate::forms::FieldErrors;
use crate::routes::{Access, Endpoint, ep};
use crate::shell::{PageCtx, redirect_with_flash};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use yoldash_domain::Permission;

pub fn endpoints() -> Vec<Endpoint> {
    use Access::Signed;
    use Permission::TokenManage as M;
    vec![
        ep(Method::GET, "/admin/tokens", Signed(M), get(list)),
        ep(Method::POST, "/admin/tokens", Signed(M), post(create)),
        ep(
            Method::POST,
            "/admin/tokens/{id}/revoke",
            Signed(M),
            post(revoke),
        ),
    ]
}

pub struct TokenRow {
    pub id: String,
    pub user: String,
    pub label: String,
    pub created: String,
    pub expires: String,
    pub last_used: String,
    pub revoked: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    expires_in: String,
}

#[derive(Template)]
#[template(path = "admin_tokens.html")]
struct ListPage {
    page: PageCtx,
    rows: Vec<TokenRow>,
    form: TokenForm,
    errors: FieldErrors,
    /// A token just created: shown this once.
    created: Option<String>,
}

async fn list_page(
    state: &AppState,
    page: PageCtx,
    form: TokenForm,
    errors: FieldErrors,
    created: Option<String>,
) -> Result<ListPage, AppError> {
    let t = page.t;
    let users: std::collections::HashMap<_, _> = {
        let admin = yoldash_domain::Actor {
            user_id: uuid::Uuid::nil(),
            org_id: uuid::Uuid::nil(),
            roles: vec![yoldash_domain::Role::Admin],
        };
        state
            .store
            .users_visible_to(&admin, None)
            .await?
            .into_iter()
            .map(|u| (u.id, u.email))
            .collect()
    };
    let never = t.get("token-never");
    let rows = state
        .store
        .tokens(None)
        .await?
        .into_iter()
        .map(|k| TokenRow {
            id: k.id.to_string(),
            user: users.get(&k.user_id).cloned().unwrap_or_default(),
            label: k.label,
            created: t.datetime(k.created_at),
            expires: k.expires_at.map_or(never.clone(), |e| t.datetime(e)),
            last_used: k.last_used_at.map_or(never.clone(), |e| t.datetime(e)),
            revoked: k.revoked_at.is_some(),
        })
        .collect();
    Ok(ListPage {
        page: page.crumbs(&[("nav-tokens", "/admin/tokens")]),
        rows,
        form,
        errors,
        created,
    })
}

pub async fn list(State(state): State<AppState>, page: PageCtx) -> Result<Html<String>, AppError> {
    Ok(Html(
        list_page(&state, page, TokenForm::default(), FieldErrors::new(), None)
            .await?
            .render()?,
    ))
}

pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    page: PageCtx,
    Form(form): Form<TokenForm>,
) -> Result<Response, AppError> {
    let t = page.t;
    let mut errors = FieldErrors::new();
    let user = match state.store.user_by_email(&form.email).await {
        Ok(u) => Some(u),
        Err(yoldash_store::StoreError::NotFound) => {
            errors.add(t, "email", "unknown-user");
            None
        }
        Err(e) => return Err(e.into()),
    };
    let expires = match form.expires_in.trim() {
        "" => None,
        d => match d.parse::<i64>() {
            Ok(d) => Some(d),
            Err(_) => {
                errors.add(t, "expires_in", "invalid-expiry");
                None
            }
        },
    };
    if let (Some(user), true) = (user, errors.is_empty()) {
        let mut unit = state.store.unit().await?;
        match state
            .store
            .create_token(&mut unit, Some(&auth.actor), user.id, &form.label, expires)
            .await
        {
            Ok((_, token)) => {
                unit.commit().await?;
                let p = list_page(&state, page, TokenForm::default(), errors, Some(token)).await?;
                return Ok(Html(p.render()?).into_response());
            }
            Err(e) => errors.absorb(t, e.into())?,
        }
    }
    let p = list_page(&state, page, form, errors, None).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(p.render()?)).into_response())
}

pub async fn revoke(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = crate::api::parse_id(&id)?;
    let mut unit = state.store.unit().await?;
    state
        .store
        .revoke_token(&mut unit, Some(&auth.actor), id)
        .await?;
    unit.commit().await?;
    Ok(redirect_with_flash(
        &state,
        "/admin/tokens",
        "flash-token-revoked",
        true,
    ))
}
