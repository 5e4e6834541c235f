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
use utoipa::OpenApi;

use crate::error::AppError;
use contract::Errors;

#[derive(OpenApi)]
#[openapi(
    info(title = "Yoldash API", version = "1", description = "Case management, registers, indicators and National Action Plan monitoring for counter-trafficking work. Authenticate with `Authorization: Bearer <token>` (tokens are created with `yoldash token create`). Errors are RFC 9457 problem details with a stable `type` and a title in the caller's language. The one exception: a request the HTTP layer cannot read at all (a malformed request line: 400; a path and query over 65,534 bytes: 414; headers too large: 431) is answered by the HTTP server itself, with an empty body, before the application sees it."),
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
    T: serde::de::DeserializeOwned + serde::Serialize,
    S: Send + Sync,
{
    type Rejection = AppError;
    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, AppError> {
        let body = LazyBody::from_request(req, state).await?;
        body.parse().map(Body)
    }
}

/// A JSON body read but not yet parsed: routes that address an owned record first check
/// that the caller may see it (404), and only then look at the body (422). Whether it was
/// sent as JSON is noted when read and checked when parsed.
pub struct LazyBody {
    bytes: axum::body::Bytes,
    json: bool,
}

impl<S: Send + Sync> axum::extract::FromRequest<S> for LazyBody {
    type Rejection = AppError;
    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, AppError> {
        let json = is_json(req.headers());
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| AppError::TooLarge)?;
        Ok(LazyBody { bytes, json })
    }
}

/// `Content-Type: application/json`, or another `application/…+json` type.
fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(kind) = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = kind.split(';').next().unwrap_or_default().trim();
    let essence = essence.to_ascii_lowercase();
    essence == "application/json"
        || essence
            .strip_prefix("application/")
            .is_some_and(|t| t.ends_with("+json"))
}

impl LazyBody {
    /// The body, or `T::default()` when none was sent (an optional request body).
    pub fn parse_or_default<T: serde::de::DeserializeOwned + serde::Serialize + Default>(
        &self,
    ) -> Result<T, AppError> {
        if self.bytes.trim_ascii().is_empty() {
            return Ok(T::default());
        }
        self.parse()
    }

    /// 400 when the body is not JSON (by its type or its syntax), 422 when it is JSON of
    /// the wrong shape, naming a field the operation does not take — at any depth: a
    /// misspelt field inside a record (`safe_contact.safehours`) would otherwise be dropped
    /// and the stored value emptied.
    pub fn parse<T: serde::de::DeserializeOwned + serde::Serialize>(&self) -> Result<T, AppError> {
        let value: T = self.parse_shape()?;
        if let (Ok(given), Ok(taken)) = (
            serde_json::from_slice::<serde_json::Value>(&self.bytes),
            serde_json::to_value(&value),
        ) && let Some(field) = unknown_field(&given, &taken, "")
        {
            return Err(AppError::invalid(&field, "unknown-field"));
        }
        Ok(value)
    }

    fn parse_shape<T: serde::de::DeserializeOwned>(&self) -> Result<T, AppError> {
        if !self.json {
            return Err(AppError::BadRequest);
        }
        serde_json::from_slice(&self.bytes).map_err(|e| {
            // A field name can be refused before the parser reaches a syntax error further
            // on: what is not JSON at all is a 400 whatever the parser met first.
            let is_json_text = serde_json::from_slice::<serde::de::IgnoredAny>(&self.bytes).is_ok();
            if e.is_data() && is_json_text {
                body_problem(&e.to_string())
            } else {
                AppError::BadRequest
            }
        })
    }
}

/// The query parameters an API operation takes, by name.
pub trait KnownParams {
    const NAMES: &'static [&'static str];
}

/// Query parameters of an API operation: a parameter it does not take is answered 422
/// naming it (`unknown-parameter`), since a misspelt filter that was ignored would answer
/// about other records; malformed ones 400, as `Params`.
pub struct ApiParams<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for ApiParams<T>
where
    T: serde::de::DeserializeOwned + KnownParams,
    S: Send + Sync,
{
    type Rejection = AppError;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, AppError> {
        let query = parts.uri.query().unwrap_or_default();
        let mut unknown: Vec<(String, String)> = Vec::new();
        for (name, _) in form_urlencoded::parse(query.as_bytes()) {
            if !T::NAMES.contains(&name.as_ref()) && !unknown.iter().any(|(n, _)| *n == name) {
                unknown.push((name.into_owned(), "unknown-parameter".into()));
            }
        }
        if !unknown.is_empty() {
            return Err(AppError::Invalid(unknown));
        }
        let Params(value) = Params::<T>::from_request_parts(parts, state).await?;
        Ok(ApiParams(value))
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

/// The 422 of a body of the wrong shape: a field the operation does not take is named
/// (`unknown-field`), anything else is `body` / `invalid-body`.
fn body_problem(message: &str) -> AppError {
    let unknown = message
        .split_once("unknown field `")
        .and_then(|(_, rest)| rest.split_once('`'))
        .map(|(name, _)| name);
    match unknown {
        Some(name) => AppError::invalid(name, "unknown-field"),
        None => AppError::invalid("body", "invalid-body"),
    }
}

/// The first field of `given` (the body as sent) that the parsed body `taken` does not
/// have, as a dotted path (`safe_contact.safehours`, `person.identity.documents.0.numbr`).
/// A field sent empty (`null`, `""`, `[]`, `{}`, `false`, `0`) loses nothing and is let be.
fn unknown_field(given: &serde_json::Value, taken: &serde_json::Value, at: &str) -> Option<String> {
    use serde_json::Value;
    let path = |key: &str| {
        if at.is_empty() {
            key.to_string()
        } else {
            format!("{at}.{key}")
        }
    };
    match (given, taken) {
        (Value::Object(given), Value::Object(taken)) => {
            given.iter().find_map(|(k, v)| match taken.get(k) {
                Some(t) => unknown_field(v, t, &path(k)),
                None if is_empty(v) => None,
                None => Some(path(k)),
            })
        }
        (Value::Array(given), Value::Array(taken)) => given
            .iter()
            .zip(taken)
            .enumerate()
            .find_map(|(i, (g, t))| unknown_field(g, t, &path(&i.to_string()))),
        _ => None,
    }
}

fn is_empty(v: &serde_json::Value) -> bool {
    use serde_json::Value;
    match v {
        Value::Null | Value::Bool(false) => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::Bool(true) => false,
    }
}
