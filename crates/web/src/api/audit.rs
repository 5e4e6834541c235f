//! Reading the audit log over the API (system administrators).

use super::{ApiParams, KnownParams};
use crate::AppState;
use crate::auth::Auth;
use crate::error::AppError;
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use yoldash_store::audit::{AuditQuery, recent};

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditFilter {
    pub actor_user_id: Option<uuid::Uuid>,
    pub action: Option<String>,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    /// At most 10,000; default 100.
    pub limit: Option<i64>,
}

impl KnownParams for AuditFilter {
    const NAMES: &'static [&'static str] = &[
        "actor_user_id",
        "action",
        "object_type",
        "object_id",
        "limit",
    ];
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AuditEntryView {
    pub seq: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor_user_id: Option<String>,
    pub actor_org_id: Option<String>,
    pub action: String,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub request_id: Option<String>,
    pub detail: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/audit", operation_id = "listAuditEntries", params(AuditFilter), responses((status = 200, body = Vec<AuditEntryView>), (status = 422)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    ApiParams(f): ApiParams<AuditFilter>,
) -> Result<Json<Vec<AuditEntryView>>, AppError> {
    if let Some(action) = f.action.as_deref()
        && !yoldash_store::audit::ACTIONS
            .iter()
            .any(|a| a.as_str() == action)
    {
        return Err(AppError::invalid("action", "invalid-choice"));
    }
    // The names of the filters in use, never their values.
    let filters: Vec<&str> = [
        (f.actor_user_id.is_some(), "actor_user_id"),
        (f.action.is_some(), "action"),
        (f.object_type.is_some(), "object_type"),
        (f.object_id.is_some(), "object_id"),
        (f.limit.is_some(), "limit"),
    ]
    .into_iter()
    .filter_map(|(on, name)| on.then_some(name))
    .collect();
    let q = AuditQuery {
        actor_user_id: f.actor_user_id,
        action: f.action,
        object_type: f.object_type,
        object_id: f.object_id,
        limit: f.limit.unwrap_or(100),
    };
    let entries = recent(&state.store, &q).await?;
    state
        .store
        .audit_log_read(
            &auth.actor,
            format!(
                "route=GET /api/v1/audit; filters={}; rows={}",
                if filters.is_empty() {
                    "none".to_string()
                } else {
                    filters.join(",")
                },
                entries.len()
            ),
        )
        .await?;
    Ok(Json(
        entries
            .into_iter()
            .map(|e| AuditEntryView {
                seq: e.seq,
                at: yoldash_store::time::to_datetime(e.at),
                actor_user_id: e.actor_user_id,
                actor_org_id: e.actor_org_id,
                action: e.action,
                object_type: e.object_type,
                object_id: e.object_id,
                request_id: e.request_id,
                detail: e.detail,
            })
            .collect(),
    ))
}
