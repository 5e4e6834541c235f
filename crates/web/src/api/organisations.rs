//! Organisations over the API: list, show, create, deactivate.

use super::{Body, LazyBody, parse_id};
use crate::AppState;
use crate::auth::Auth;
use crate::error::AppError;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use yoldash_domain::{OrgCode, OrganisationType, Version};
use yoldash_store::organisations::{NewOrganisation, Organisation};

#[derive(Serialize, utoipa::ToSchema)]
pub struct OrganisationView {
    pub id: uuid::Uuid,
    pub code: String,
    #[schema(value_type = OrganisationType)]
    pub org_type: String,
    pub names: BTreeMap<String, String>,
    pub region_id: Option<uuid::Uuid>,
    pub active: bool,
    pub version: i64,
}

impl From<Organisation> for OrganisationView {
    fn from(o: Organisation) -> Self {
        Self {
            id: o.id,
            code: o.code,
            org_type: o.org_type,
            names: o.names,
            region_id: o.region_id,
            active: o.active,
            version: o.version.0,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/organisations", operation_id = "listOrganisations", responses((status = 200, body = Vec<OrganisationView>)))]
pub async fn list(State(state): State<AppState>) -> Result<Json<Vec<OrganisationView>>, AppError> {
    let orgs = state.store.organisations().await?;
    Ok(Json(orgs.into_iter().map(Into::into).collect()))
}

#[utoipa::path(get, path = "/api/v1/organisations/{id}", operation_id = "getOrganisation", params(("id" = String, Path)), responses((status = 200, body = OrganisationView), (status = 404)))]
pub async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<OrganisationView>, AppError> {
    Ok(Json(state.store.organisation(parse_id(&id)?).await?.into()))
}

#[derive(Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganisationBody {
    #[schema(min_length = 1)]
    pub code: String,
    #[schema(value_type = OrganisationType)]
    pub org_type: String,
    /// Name per language code; `en` is required.
    pub names: BTreeMap<String, String>,
    pub region_code: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/organisations", operation_id = "createOrganisation", request_body = NewOrganisationBody, responses((status = 201, body = OrganisationView), (status = 422)))]
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Body(body): Body<NewOrganisationBody>,
) -> Result<(StatusCode, Json<OrganisationView>), AppError> {
    let mut problems = Vec::new();
    let code = OrgCode::parse(&body.code)
        .map_err(|e| problems.push(e))
        .ok();
    let org_type = OrganisationType::parse(&body.org_type)
        .map_err(|e| problems.push(e))
        .ok();
    if body.names.get("en").is_none_or(|n| n.trim().is_empty()) {
        problems.push(yoldash_domain::Invalid::new(
            "names",
            "english-name-required",
        ));
    }
    let (Some(code), Some(org_type), true) = (code, org_type, problems.is_empty()) else {
        return Err(AppError::Invalid(
            problems
                .into_iter()
                .map(|p| (p.field.to_string(), p.key.to_string()))
                .collect(),
        ));
    };
    let names = body
        .names
        .into_iter()
        .filter(|(lang, name)| {
            yoldash_store::users::LANGUAGES.contains(&lang.as_str()) && !name.trim().is_empty()
        })
        .map(|(l, n)| (l, n.trim().to_string()))
        .collect();
    let new = NewOrganisation {
        code,
        org_type,
        names,
        region_code: body.region_code.filter(|c| !c.trim().is_empty()),
    };
    let mut unit = state.store.unit().await?;
    let org = state
        .store
        .create_organisation(&mut unit, Some(&auth.actor), &new)
        .await?;
    unit.commit().await?;
    Ok((StatusCode::CREATED, Json(org.into())))
}

#[derive(Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionBody {
    /// The version the caller last saw; a different current version answers 409.
    pub version: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/organisations/{id}/deactivate", operation_id = "deactivateOrganisation", params(("id" = String, Path)), request_body(content = Option<VersionBody>, description = "Optional: without it, no version is checked."), responses((status = 200, body = OrganisationView), (status = 404), (status = 409)))]
pub async fn deactivate(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    body: LazyBody,
) -> Result<Json<OrganisationView>, AppError> {
    let id = parse_id(&id)?;
    let body: VersionBody = body.parse_or_default()?;
    let mut unit = state.store.unit().await?;
    state
        .store
        .set_organisation_active(
            &mut unit,
            Some(&auth.actor),
            id,
            false,
            body.version.map(Version),
        )
        .await?;
    let org = state.store.organisation_in(&mut unit, id).await?;
    unit.commit().await?;
    Ok(Json(org.into()))
}
