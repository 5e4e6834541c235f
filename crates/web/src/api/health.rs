//! `GET /healthz` for load balancers: "ok" or "unavailable" (the database does not answer),
//! always within a second; for the host itself and for those who may read the audit log,
//! also "degraded" (the audit-head file lags behind the chain), version, backend and
//! migration level.

use crate::AppState;
use crate::auth::{Auth, ClientAddr};
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::Serialize;
use std::net::IpAddr;
use std::time::Duration;
use yoldash_domain::Permission;
use yoldash_store::sessions::SessionStage;

/// How long the check waits for the database: a load balancer must get its answer within a
/// second, and a database slower than this is not fit to serve.
const CHECK_WITHIN: Duration = Duration::from_millis(800);

/// The answer. Anyone else gets `status` alone ("ok" or "unavailable"): the version tells
/// an attacker which published weaknesses to try, and "degraded" that the tamper evidence
/// of the audit log is behind.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    /// "ok", "unavailable", and for the host or an auditor also "degraded".
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backend: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub migration_level: Option<i64>,
}

/// Answers 200 when the database answers, 503 otherwise. The details go to a caller on the
/// host itself (the address after a trusted proxy's `X-Forwarded-For`) or one fully signed
/// in who may read the audit log.
#[utoipa::path(get, path = "/healthz", operation_id = "health", security(()), responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn healthz(
    State(state): State<AppState>,
    client: ClientAddr,
    auth: Option<Extension<Auth>>,
) -> (StatusCode, Json<Health>) {
    let detailed = client.0.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
        || auth.is_some_and(|a| {
            a.session
                .as_ref()
                .is_none_or(|s| s.stage == SessionStage::Full)
                && !a.user.must_change_password
                && a.actor.may(&state.permissions, Permission::AuditRead)
        });
    let (code, status) = if !state.store.ping(CHECK_WITHIN).await {
        (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
    } else if detailed && state.store.audit_head_lag().is_some() {
        (StatusCode::OK, "degraded")
    } else {
        (StatusCode::OK, "ok")
    };
    let health = match detailed {
        true => Health {
            status,
            version: Some(crate::VERSION),
            backend: Some(state.store.backend().as_str()),
            migration_level: Some(state.migration_level),
        },
        false => Health {
            status,
            version: None,
            backend: None,
            migration_level: None,
        },
    };
    (code, Json(health))
}
