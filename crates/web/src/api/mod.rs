//! The JSON API under `/api/v1`, described by an OpenAPI document generated from the code.

pub mod audit;
pub mod cases;
pub mod contract;
pub mod health;
pub mod me;
pub mod organisations;
pub mod regions;
pub mod users;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use utoipa::OpenApi;

use crate::error::AppError;
use contract::Errors;

#[derive(OpenApi)]
#[openapi(
    info(title = "Yoldash API", description = "Case management, registers, indicators and National Action Plan monitoring for counter-trafficking work. Authenticate with `Authorization: Bearer <token>` (tokens are created with `yoldash token create`). Errors are RFC 9457 problem details with a stable `type` and a title in the caller's language. The one exception: a request the HTTP layer cannot read at all (a malformed request line: 400; a path and query over 65,534 bytes: 414; headers too large: 431) is answered by the HTTP server itself, with an empty body, before the application sees it."),
    paths(
        health::healthz,
        openapi_json,
        me::me,
        organisations::list, organisations::create, organisations::show, organisations::deactivate,
        users::list, users::create, users::show, users::update, users::disable,
        regions::list,
        audit::list,
        cases::list, cases::search, cases::create, cases::show, cases::update_person, cases::update_details,
        cases::change_status, cases::update_safety, cases::add_member, cases::add_consent,
        cases::withdraw_consent, cases::consent_check, cases::save_identification, cases::history,
    ),
    components(schemas(crate::render::Problem, crate::render::FieldProblem)),
    modifiers(&BearerAuth, &Errors),
    security(("bearer" = []))
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", operation_id = "openApiDocument", security(()),
    responses((status = 200, description = "The OpenAPI description of the API", body = contract::ApiDocument)))]
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// A JSON body, with every way it can be malformed answered as a 400/422 problem.
pub struct Body<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for Body<T>
where
    Json<T>: axum::extract::FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = AppError;
    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, AppError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Body(v)),
            Err(JsonRejection::JsonDataError(_)) => Err(AppError::invalid("body", "invalid-body")),
            Err(JsonRejection::BytesRejection(_)) => Err(AppError::TooLarge),
            Err(_) => Err(AppError::BadRequest),
        }
    }
}

/// A JSON body read but not yet parsed: routes that address an owned record first check
/// that the caller may see it (404), and only then look at the body (422).
pub struct LazyBody(axum::body::Bytes);

impl<S: Send + Sync> axum::extract::FromRequest<S> for LazyBody {
    type Rejection = AppError;
    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, AppError> {
        axum::body::Bytes::from_request(req, state)
            .await
            .map(LazyBody)
            .map_err(|_| AppError::TooLarge)
    }
}

impl LazyBody {
    /// The body, or `T::default()` when none was sent (an optional request body).
    pub fn parse_or_default<T: serde::de::DeserializeOwned + Default>(
        &self,
    ) -> Result<T, AppError> {
        if self.0.trim_ascii().is_empty() {
            return Ok(T::default());
        }
        self.parse()
    }

    pub fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, AppError> {
        serde_json::from_slice(&self.0).map_err(|e| {
            if e.is_data() {
                AppError::invalid("body", "invalid-body")
            } else {
                AppError::BadRequest
            }
        })
    }
}

/// Query parameters, with malformed ones answered as a 400 problem.
pub struct Params<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequestParts<S>
    for Params<T>
{
    type Rejection = AppError;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, AppError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Params(q.0))
            .map_err(|_| AppError::BadRequest)
    }
}

/// A `{id}` path parameter that is not a UUID names no record: 404.
pub fn parse_id(s: &str) -> Result<uuid::Uuid, AppError> {
    uuid::Uuid::parse_str(s).map_err(|_| AppError::NotFound)
}
