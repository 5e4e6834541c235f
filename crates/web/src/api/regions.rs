//! The region hierarchy over the API.

use crate::AppState;
use crate::error::AppError;
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Serialize, utoipa::ToSchema)]
pub struct RegionView {
    pub id: uuid::Uuid,
    pub code: String,
    pub parent_id: Option<uuid::Uuid>,
    pub level: String,
    pub names: BTreeMap<String, String>,
}

#[utoipa::path(get, path = "/api/v1/regions", operation_id = "listRegions", responses((status = 200, body = Vec<RegionView>)))]
pub async fn list(State(state): State<AppState>) -> Result<Json<Vec<RegionView>>, AppError> {
    let regions = state.store.regions().await?;
    Ok(Json(
        regions
            .into_iter()
            .map(|r| RegionView {
                id: r.id,
                code: r.code,
                parent_id: r.parent_id,
                level: r.level,
                names: r.names,
            })
            .collect(),
    ))
}
