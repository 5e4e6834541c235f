//! Turning tagged errors into translated bodies, and what every page template needs.

use crate::error::AppError;
use crate::i18n::{Lang, Tr};
use askama::Template;
use axum::body::Body;
use axum::http::{Request, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;

/// A field-level error in a problem+json answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub code: String,
    pub message: String,
}

/// RFC 9457 problem details.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// Stable identifier of the kind of problem, e.g. `/problems/not-found`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Translated into the caller's language.
    pub title: String,
    pub status: u16,
    /// For invalid fields: each field and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(required = false)]
    pub errors: Vec<FieldProblem>,
    /// For conflicts: the record's current version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i64>,
}

pub fn problem(e: &AppError, tr: Tr) -> Problem {
    let errors = match e {
        AppError::Invalid(fields) => fields
            .iter()
            .map(|(f, k)| FieldProblem {
                field: f.clone(),
                code: k.clone(),
                message: field_message(tr, k),
            })
            .collect(),
        AppError::Duplicate { field } => vec![FieldProblem {
            field: field.clone(),
            code: "duplicate".into(),
            message: tr.get("error-duplicate"),
        }],
        _ => vec![],
    };
    Problem {
        kind: format!("/problems/{}", e.slug()),
        title: tr.get(&format!("error-{}", e.slug())),
        status: e.status().as_u16(),
        errors,
        current_version: match e {
            AppError::Conflict { current } => Some(*current),
            _ => None,
        },
    }
}

/// The translated message for a field error key (`required` → `field-required`).
pub fn field_message(tr: Tr, key: &str) -> String {
    let id = format!("field-{key}");
    if tr.has(&id) {
        tr.get(&id)
    } else if tr.has(key) {
        tr.get(key)
    } else {
        tr.get("error-invalid")
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    page: crate::shell::PageCtx,
    /// A refusal or an absence is not a fault: its own heading.
    title: String,
    message: String,
}

pub async fn render_errors(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    req: Request<Body>,
    next: Next,
) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    let had_flash = crate::shell::has_flash(&state.config, req.headers());
    // Kept for an error page with the signed-in shell (both are shared buffers, not copies).
    let (uri, cookie) = (
        req.uri().clone(),
        req.headers().get(header::COOKIE).cloned(),
    );
    let mut res = next.run(req).await;
    // A flash message is shown once: clear it after the page that displayed it.
    if had_flash && res.status() == axum::http::StatusCode::OK {
        crate::shell::clear_flash(&state.config, &mut res);
    }
    let Some(err) = res.extensions_mut().remove::<AppError>() else {
        return res;
    };
    let lang = res.extensions().get::<Lang>().copied().unwrap_or_default();
    let tr = Tr(lang);
    let status = err.status();
    // The methods a 405 names stay with the rendered answer.
    let allow = res.headers().get(header::ALLOW).cloned();
    let mut rendered = if is_api {
        let body = serde_json::to_vec(&problem(&err, tr)).unwrap_or_default();
        (
            status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body,
        )
            .into_response()
    } else {
        let page = error_shell(&state, tr, uri, cookie).await;
        let message = tr.get(&format!("error-{}", err.slug()));
        let title = tr.get(match status {
            axum::http::StatusCode::FORBIDDEN => "error-title-refused",
            axum::http::StatusCode::NOT_FOUND => "error-title-not-found",
            _ => "error-title",
        });
        match (ErrorPage {
            page,
            title,
            message,
        })
        .render()
        {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => status.into_response(),
        }
    };
    if let Some(allow) = allow {
        rendered.headers_mut().insert(header::ALLOW, allow);
    }
    rendered
}

/// The shell of an error page: for a signed-in user, their navigation and name, so that a
/// refusal is a page of the application and not a dead end; bare otherwise. The session is
/// looked up again (only error pages pay for it).
async fn error_shell(
    state: &crate::AppState,
    tr: Tr,
    uri: axum::http::Uri,
    cookie: Option<axum::http::HeaderValue>,
) -> crate::shell::PageCtx {
    use axum::extract::FromRequestParts;
    let mut builder = Request::builder().method(axum::http::Method::GET).uri(uri);
    if let Some(cookie) = cookie {
        builder = builder.header(header::COOKIE, cookie);
    }
    let Ok(req) = builder.body(()) else {
        return crate::shell::PageCtx::bare(tr);
    };
    let (mut parts, ()) = req.into_parts();
    parts.extensions.insert(tr.0);
    match crate::auth::session_of(state, &parts.headers).await {
        Some(auth) => {
            parts.extensions.insert(auth);
        }
        None => return crate::shell::PageCtx::bare(tr),
    }
    match crate::shell::PageCtx::from_request_parts(&mut parts, state).await {
        Ok(page) => page,
        Err(never) => match never {},
    }
}

/// An API body refused by the size limit before the application saw it (the limit layer
/// answers in plain text) is answered as the problem every other error is.
pub async fn api_body_limit(req: Request<Body>, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    let lang = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Lang::from_accept_language)
        .unwrap_or_default();
    let res = next.run(req).await;
    let plain = !res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if !is_api || res.status() != axum::http::StatusCode::PAYLOAD_TOO_LARGE || !plain {
        return res;
    }
    let err = AppError::TooLarge;
    let body = serde_json::to_vec(&problem(&err, Tr(lang))).unwrap_or_default();
    (
        err.status(),
        [(header::CONTENT_TYPE, "application/problem+json")],
        body,
    )
        .into_response()
}

pub async fn not_found() -> AppError {
    AppError::NotFound
}
