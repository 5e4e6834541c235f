//! User accounts over the API, each answer filtered by the store's visibility rule.

use super::{ApiParams, Body, KnownParams, LazyBody, parse_id};
use crate::AppState;
use crate::auth::{Auth, RequestId};
use crate::error::AppError;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use yoldash_domain::{Email, PersonName, Role, Version};
use yoldash_store::StoreError;
use yoldash_store::audit::{Action, AuditEntry};
use yoldash_store::users::{NewUser, User};

/// The account `id` for an action by the caller: 404 unless visible, 403 unless every
/// role it holds is one the caller may grant (`Actor::may_act_on_account`). The store
/// checks the same rule again inside each change.
pub(crate) async fn account_to_act_on(
    state: &AppState,
    auth: &Auth,
    id: &str,
) -> Result<User, AppError> {
    let user = state
        .store
        .user_visible_to(&auth.actor, parse_id(id)?)
        .await?;
    if !auth.actor.may_act_on_account(&user.roles) {
        return Err(StoreError::Refused("account-out-of-reach").into());
    }
    Ok(user)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: uuid::Uuid,
    pub org_id: uuid::Uuid,
    pub email: String,
    pub display_name: String,
    #[schema(value_type = super::contract::LanguageCode)]
    pub language: String,
    #[schema(value_type = Vec<Role>)]
    pub roles: Vec<String>,
    pub active: bool,
    pub must_change_password: bool,
    pub version: i64,
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            org_id: u.org_id,
            email: u.email,
            display_name: u.display_name,
            language: u.language,
            roles: u.roles.iter().map(|r| r.as_str().to_string()).collect(),
            active: u.active,
            must_change_password: u.must_change_password,
            version: u.version.0,
        }
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only users of this organisation.
    #[param(value_type = Option<uuid::Uuid>)]
    pub org_id: Option<String>,
}

impl KnownParams for ListQuery {
    const NAMES: &'static [&'static str] = &["org_id"];
}

#[utoipa::path(get, path = "/api/v1/users", operation_id = "listUsers", params(ListQuery), responses((status = 200, body = Vec<UserView>), (status = 422)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    RequestId(rid): RequestId,
    ApiParams(q): ApiParams<ListQuery>,
) -> Result<Json<Vec<UserView>>, AppError> {
    let org = match q.org_id.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(
            uuid::Uuid::parse_str(s)
                .map_err(|_| AppError::invalid("org_id", "unknown-organisation"))?,
        ),
        None => None,
    };
    // A list of accounts is one audit entry; the entry commits before the data is sent.
    state
        .store
        .audit_view(
            AuditEntry::by(Some(&auth.actor), Action::List)
                .object("user", org.map(|o| o.to_string()).unwrap_or_default())
                .request(Some(&rid)),
        )
        .await?;
    let users = state.store.users_visible_to(&auth.actor, org).await?;
    Ok(Json(users.into_iter().map(Into::into).collect()))
}

#[utoipa::path(get, path = "/api/v1/users/{id}", operation_id = "getUser", params(("id" = String, Path)), responses((status = 200, body = UserView), (status = 404)))]
pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    RequestId(rid): RequestId,
    Path(id): Path<String>,
) -> Result<Json<UserView>, AppError> {
    let user = state
        .store
        .user_visible_to(&auth.actor, parse_id(&id)?)
        .await?;
    state
        .store
        .audit_view(
            AuditEntry::by(Some(&auth.actor), Action::Read)
                .object("user", user.id)
                .request(Some(&rid)),
        )
        .await?;
    Ok(Json(user.into()))
}

#[derive(Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserBody {
    #[schema(min_length = 3, format = "email")]
    pub email: String,
    #[schema(min_length = 1)]
    pub display_name: String,
    /// Defaults to the caller's organisation; only system administrators may name another.
    pub org_id: Option<uuid::Uuid>,
    #[schema(value_type = Vec<Role>, min_items = 1)]
    pub roles: Vec<String>,
    #[schema(value_type = Option<super::contract::LanguageCode>)]
    pub language: Option<String>,
    /// The initial password; the user must change it at first sign-in.
    #[schema(min_length = 1)]
    pub password: String,
}

#[utoipa::path(post, path = "/api/v1/users", operation_id = "createUser", request_body = NewUserBody, responses((status = 201, body = UserView), (status = 422)))]
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Body(body): Body<NewUserBody>,
) -> Result<(StatusCode, Json<UserView>), AppError> {
    let mut problems: Vec<(String, String)> = Vec::new();
    let mut note = |e: yoldash_domain::Invalid| problems.push((e.field.into(), e.key.into()));
    let email = Email::parse(&body.email).map_err(&mut note).ok();
    let name = PersonName::parse(&body.display_name)
        .map_err(|mut e| {
            e.field = "display_name";
            e
        })
        .map_err(&mut note)
        .ok();
    let roles = Role::parse_list(&body.roles.join(","))
        .map_err(|mut e| {
            e.field = "roles";
            e
        })
        .map_err(&mut note)
        .ok();
    let org_id = body.org_id.unwrap_or(auth.actor.org_id);
    // Only a system administrator may create accounts in another organisation, or grant
    // the system administrator role.
    if !auth.actor.sees_users_of(org_id) {
        return Err(AppError::invalid("org_id", "unknown-organisation"));
    }
    if roles
        .as_ref()
        .is_some_and(|r| !auth.actor.may_act_on_account(r))
    {
        return Err(AppError::Refused("account-out-of-reach"));
    }
    if let Err(p) =
        state
            .passwords
            .check_for(&body.password, email.as_ref(), Some(&body.display_name))
    {
        problems.push(("password".into(), p.message_key().into()));
    }
    let (Some(email), Some(name), Some(roles), true) = (email, name, roles, problems.is_empty())
    else {
        return Err(AppError::Invalid(problems));
    };
    let new = NewUser {
        org_id,
        email,
        display_name: name,
        roles,
        language: body.language.unwrap_or_else(|| "en".into()),
        password_hash: yoldash_store::passwords::hash(&body.password).await?,
        must_change_password: true,
    };
    let mut unit = state.store.unit().await?;
    let user = state
        .store
        .create_user(&mut unit, Some(&auth.actor), &new)
        .await?;
    unit.commit().await?;
    Ok((StatusCode::CREATED, Json(user.into())))
}

#[derive(Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserBody {
    /// The version the caller last saw; if the account changed since, the answer is 409.
    pub version: i64,
    #[schema(min_length = 1)]
    pub display_name: String,
    #[schema(value_type = super::contract::LanguageCode)]
    pub language: String,
}

#[utoipa::path(put, path = "/api/v1/users/{id}", operation_id = "updateUser", params(("id" = String, Path)), request_body = UpdateUserBody, responses((status = 200, body = UserView), (status = 404), (status = 409), (status = 422)))]
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    body: LazyBody,
) -> Result<Json<UserView>, AppError> {
    let user = account_to_act_on(&state, &auth, &id).await?;
    let body: UpdateUserBody = body.parse()?;
    let name = PersonName::parse(&body.display_name)
        .map_err(|_| AppError::invalid("display_name", "invalid-name"))?;
    let mut unit = state.store.unit().await?;
    state
        .store
        .update_user_profile(
            &mut unit,
            Some(&auth.actor),
            user.id,
            Version(body.version),
            &name,
            &body.language,
        )
        .await?;
    let user = state.store.user_in(&mut unit, user.id).await?;
    unit.commit().await?;
    Ok(Json(user.into()))
}

#[utoipa::path(post, path = "/api/v1/users/{id}/disable", operation_id = "disableUser", params(("id" = String, Path)), responses((status = 200, body = UserView), (status = 422)))]
pub async fn disable(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<UserView>, AppError> {
    let user = account_to_act_on(&state, &auth, &id).await?;
    if user.id == auth.user.id {
        return Err(AppError::invalid("id", "cannot-disable-self"));
    }
    let mut unit = state.store.unit().await?;
    state
        .store
        .set_user_active(&mut unit, Some(&auth.actor), user.id, false, None)
        .await?;
    let user = state.store.user_in(&mut unit, user.id).await?;
    unit.commit().await?;
    Ok(Json(user.into()))
}
