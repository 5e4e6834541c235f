//! What every operation of the API can answer besides its success, declared from the route
//! table (so a later route gets it too), each error as an RFC 9457 problem.

use crate::routes::{Access, table};
use std::collections::BTreeMap;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{Content, OpenApi, Ref, RefOr, Response};

/// Adds the errors an operation can give and describes every error as `application/problem+json`.
pub struct Errors;

/// What each status means, the same for every operation.
fn meaning(status: u16) -> &'static str {
    match status {
        400 => "The body is not JSON, or a query parameter is not of its type.",
        401 => "No valid bearer token.",
        403 => "The caller's roles do not grant this, or the account must finish its setup first.",
        404 => "No such record, or none the caller may see.",
        409 => "The record changed since the version given: `current_version` is the current one.",
        413 => "The body is larger than the server accepts.",
        422 => "A field is missing or invalid: `errors` names each field and why.",
        429 => "Too many attempts: wait and try again.",
        503 => "The service is unavailable.",
        _ => "An internal error.",
    }
}

/// The errors an operation can give by its shape and its route's access rule.
fn errors_of(op: &Operation, path: &str, access: Option<Access>) -> Vec<u16> {
    // Any operation may meet a database that is full, failing or out of reach.
    let mut out = vec![500, 503];
    if matches!(access, Some(Access::Signed(_))) {
        out.extend([401, 403]);
    }
    if path.contains('{') {
        out.push(404);
    }
    if op.request_body.is_some() {
        out.extend([400, 413, 422]);
    }
    let has_query = op.parameters.iter().flatten().any(|p| match p {
        RefOr::T(p) => p.parameter_in == ParameterIn::Query,
        RefOr::Ref(_) => false,
    });
    if has_query {
        out.push(400);
    }
    out
}

impl utoipa::Modify for Errors {
    fn modify(&self, openapi: &mut OpenApi) {
        let routes = table();
        for (path, item) in openapi.paths.paths.iter_mut() {
            let api = path.starts_with("/api/");
            for (method, op) in [
                ("GET", &mut item.get),
                ("PUT", &mut item.put),
                ("POST", &mut item.post),
                ("DELETE", &mut item.delete),
                ("PATCH", &mut item.patch),
            ] {
                let Some(op) = op.as_mut() else { continue };
                let access = routes
                    .iter()
                    .find(|e| e.method.as_str() == method && e.path == path)
                    .map(|e| e.access);
                if api {
                    for s in errors_of(op, path, access) {
                        op.responses
                            .responses
                            .entry(s.to_string())
                            .or_insert_with(|| RefOr::T(Response::new("")));
                    }
                }
                for (status, r) in op.responses.responses.iter_mut() {
                    let (Ok(code), RefOr::T(r)) = (status.parse::<u16>(), r) else {
                        continue;
                    };
                    if code < 400 {
                        if r.description.is_empty() {
                            r.description = "Done.".into();
                        }
                        continue;
                    }
                    if r.description.is_empty() {
                        r.description = meaning(code).into();
                    }
                    if api {
                        r.content = [(
                            "application/problem+json".to_string(),
                            RefOr::T(Content::new(Some(Ref::from_schema_name("Problem")))),
                        )]
                        .into_iter()
                        .collect();
                    }
                }
            }
        }
    }
}

/// The OpenAPI document's own outline (its parts are described by the OpenAPI
/// specification itself).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ApiDocument {
    /// The OpenAPI version.
    pub openapi: String,
    pub info: ApiDocumentInfo,
    /// Path → operations.
    pub paths: BTreeMap<String, serde_json::Value>,
    pub components: BTreeMap<String, serde_json::Value>,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ApiDocumentInfo {
    pub title: String,
    pub version: String,
}

/// A language of the interface (`en`, `ru`, `tk`).
pub struct LanguageCode;

impl utoipa::PartialSchema for LanguageCode {
    fn schema() -> RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(yoldash_store::users::LANGUAGES.iter().copied()))
            .into()
    }
}

impl utoipa::ToSchema for LanguageCode {}
