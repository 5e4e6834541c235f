//! `GET /healthz` for load balancers: version, backend, migration level.

use crate::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    pub status: &'static str,
    pub version: &'static str,
    pub backend: &'static str,
    pub migration_level: i64,
}

/// Answers 200 when the database answers, 503 otherwise.
#[utoipa::path(get, path = "/healthz", operation_id = "health", security(()), responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let up = sqlx_ping(&state).await;
    let status = if up {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(Health {
            status: if up { "ok" } else { "unavailable" },
            version: crate::VERSION,
            backend: state.store.backend().as_str(),
            migration_level: state.migration_level,
        }),
    )
}

async fn sqlx_ping(state: &AppState) -> bool {
    state.store.ping().await
}
