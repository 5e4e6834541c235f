//! `GET /healthz` for load balancers: version, backend, migration level; "ok", "degraded"
//! (the audit-head file lags behind the chain) or "unavailable" (the database does not
//! answer), always within a second.

use crate::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use std::time::Duration;

/// How long the check waits for the database: a load balancer must get its answer within a
/// second, and a database slower than this is not fit to serve.
const CHECK_WITHIN: Duration = Duration::from_millis(800);

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    pub status: &'static str,
    pub version: &'static str,
    pub backend: &'static str,
    pub migration_level: i64,
}

/// Answers 200 when the database answers ("degraded" when the audit-head file could not be
/// written), 503 otherwise.
#[utoipa::path(get, path = "/healthz", operation_id = "health", security(()), responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let (code, status) = if !state.store.ping(CHECK_WITHIN).await {
        (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
    } else if state.store.audit_head_lag().is_some() {
        (StatusCode::OK, "degraded")
    } else {
        (StatusCode::OK, "ok")
    };
    (
        code,
        Json(Health {
            status,
            version: crate::VERSION,
            backend: state.store.backend().as_str(),
            migration_level: state.migration_level,
        }),
    )
}
