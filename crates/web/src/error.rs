//! The one error type of the web layer; rendered as problem+json for the API, as a page otherwise.
//!
//! Handlers return `AppError`; its `IntoResponse` only tags the response. The
//! `render_errors` middleware, which knows the request's language and whether it was an API
//! call, turns the tag into a translated body. Internal details are logged, never shown.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use yoldash_store::StoreError;

#[derive(Debug, Clone)]
pub enum AppError {
    BadRequest,
    Unauthorized,
    Forbidden,
    /// Forbidden by a rule about this record; the slug names the rule and its message
    /// (`error-<slug>`), e.g. `account-out-of-reach`.
    Refused(&'static str),
    NotFound,
    Conflict {
        current: i64,
    },
    /// Field → message key (without the `field-` prefix).
    Invalid(Vec<(String, String)>),
    Duplicate {
        field: String,
    },
    Csrf,
    /// The path exists, but not with this method; the response carries `Allow`.
    MethodNotAllowed,
    TooLarge,
    Throttled,
    /// The database cannot take the request now (full, failing, unreachable); nothing was
    /// written.
    Unavailable,
    Internal,
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest => StatusCode::BAD_REQUEST,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Refused(_) | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::Invalid(_) | AppError::Duplicate { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Throttled => StatusCode::TOO_MANY_REQUESTS,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable problem type slug and the message key of its title.
    pub fn slug(&self) -> &'static str {
        match self {
            AppError::BadRequest => "bad-request",
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden => "forbidden",
            AppError::Refused(slug) => slug,
            AppError::NotFound => "not-found",
            AppError::Conflict { .. } => "conflict",
            AppError::Invalid(_) => "invalid",
            AppError::Duplicate { .. } => "duplicate",
            AppError::Csrf => "csrf",
            AppError::TooLarge => "too-large",
            AppError::Throttled => "throttled",
            AppError::MethodNotAllowed => "method-not-allowed",
            AppError::Unavailable => "unavailable",
            AppError::Internal => "internal",
        }
    }

    /// The same error, with the field `from` named `to` (the API's name for a field the
    /// store names after the form's).
    pub fn renamed(self, from: &str, to: &str) -> Self {
        match self {
            AppError::Invalid(fields) => AppError::Invalid(
                fields
                    .into_iter()
                    .map(|(f, k)| (if f == from { to.to_string() } else { f }, k))
                    .collect(),
            ),
            other => other,
        }
    }

    pub fn invalid(field: &str, key: &str) -> Self {
        AppError::Invalid(vec![(field.to_string(), key.to_string())])
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Refused(slug) => AppError::Refused(slug),
            StoreError::Conflict { current } => AppError::Conflict { current },
            StoreError::Duplicate { field } => AppError::Duplicate {
                field: field.to_string(),
            },
            StoreError::Invalid(i) => AppError::invalid(i.field, i.key),
            StoreError::Unavailable(e) => {
                tracing::error!(error = %e, "the database cannot take the request");
                AppError::Unavailable
            }
            other => {
                // Store errors never carry personal data, so the message may be logged.
                tracing::error!(error = %other, "store error");
                AppError::Internal
            }
        }
    }
}

impl From<yoldash_domain::Invalid> for AppError {
    fn from(i: yoldash_domain::Invalid) -> Self {
        AppError::invalid(i.field, i.key)
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        tracing::error!(error = %e, "template error");
        AppError::Internal
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut res = self.status().into_response();
        res.extensions_mut().insert(self);
        res
    }
}
