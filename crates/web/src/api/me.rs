//! `GET /api/v1/me`: the caller's account, organisation, roles and language.

use crate::AppState;
use crate::auth::Auth;
use crate::error::AppError;
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Serialize, utoipa::ToSchema)]
pub struct MeOrganisation {
    pub id: uuid::Uuid,
    pub code: String,
    #[schema(value_type = yoldash_domain::OrganisationType)]
    pub org_type: String,
    pub names: BTreeMap<String, String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Me {
    pub id: uuid::Uuid,
    pub email: String,
    pub display_name: String,
    #[schema(value_type = super::contract::LanguageCode)]
    pub language: String,
    #[schema(value_type = Vec<yoldash_domain::Role>)]
    pub roles: Vec<String>,
    #[schema(value_type = Vec<yoldash_domain::Permission>)]
    pub permissions: Vec<String>,
    pub must_change_password: bool,
    pub organisation: MeOrganisation,
}

#[utoipa::path(get, path = "/api/v1/me", operation_id = "me", responses((status = 200, body = Me), (status = 401)))]
pub async fn me(State(state): State<AppState>, auth: Auth) -> Result<Json<Me>, AppError> {
    let org = state.store.organisation(auth.user.org_id).await?;
    let permissions = state
        .permissions
        .permissions_of(&auth.user.roles)
        .into_iter()
        .map(|p| {
            serde_json::to_value(p)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        })
        .collect();
    Ok(Json(Me {
        id: auth.user.id,
        email: auth.user.email.clone(),
        display_name: auth.user.display_name.clone(),
        language: auth.user.language.clone(),
        roles: auth
            .user
            .roles
            .iter()
            .map(|r| r.as_str().to_string())
            .collect(),
        permissions,
        must_change_password: auth.user.must_change_password,
        organisation: MeOrganisation {
            id: org.id,
            code: org.code,
            org_type: org.org_type,
            names: org.names,
        },
    }))
}
