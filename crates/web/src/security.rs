//! HTTP hardening: security headers, no-store caching, body limits, request ids, access logs
//! without personal data, and the static assets compiled into the binary.

use crate::WebConfig;
use crate::error::AppError;
use axum::extract::Path;
use axum::http::{HeaderName, HeaderValue, Request, header};
use axum::response::{IntoResponse, Response};
use tower::ServiceBuilder;
use tower::layer::util::{Identity, Stack};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// Static files shipped inside the binary: (name, content type, bytes).
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/app.css"),
    ),
    // htmx 2.0.11 (0BSD licence, see assets/htmx.LICENSE), vendored: no CDN.
    (
        "htmx.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/htmx.min.js"),
    ),
];

pub async fn asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, kind, bytes)) => (
            [
                (header::CONTENT_TYPE, *kind),
                // Assets hold no personal data and change only with a new release.
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            *bytes,
        )
            .into_response(),
        None => AppError::NotFound.into_response(),
    }
}

fn header_layer(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

type Layers = Stack<
    SetResponseHeaderLayer<HeaderValue>,
    Stack<
        SetResponseHeaderLayer<HeaderValue>,
        Stack<
            SetResponseHeaderLayer<HeaderValue>,
            Stack<
                SetResponseHeaderLayer<HeaderValue>,
                Stack<
                    SetResponseHeaderLayer<HeaderValue>,
                    Stack<
                        RequestBodyLimitLayer,
                        Stack<
                            PropagateRequestIdLayer,
                            Stack<
                                TraceLayer<
                                    tower_http::classify::SharedClassifier<
                                        tower_http::classify::ServerErrorsAsFailures,
                                    >,
                                    fn(&Request<axum::body::Body>) -> tracing::Span,
                                >,
                                Stack<SetRequestIdLayer<MakeRequestUuid>, Identity>,
                            >,
                        >,
                    >,
                >,
            >,
        >,
    >,
>;

/// Logs method, path *pattern*-free URI path and request id only: no query strings, no
/// bodies, no headers, so no personal data reaches the logs.
fn span_for(req: &Request<axum::body::Body>) -> tracing::Span {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
}

/// How much of an oversized upload is read (and dropped) before answering it.
const DRAIN_LIMIT: usize = 64 * 1024 * 1024;

/// A browser file upload larger than the body limit. The limit layer would answer a bare
/// 413; instead the form is shown again with a translated message: a redirect to the same
/// address (upload forms are served by GET at the address they post to) with a flash
/// message. The body is read and dropped first (up to 64 MiB) so that the browser receives
/// the answer rather than a reset connection. Nothing else happens: no handler runs.
pub async fn oversized_upload(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    req: Request<axum::body::Body>,
    next: axum::middleware::Next,
) -> Response {
    let length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let path = req.uri().path().to_string();
    let oversized = req.method() == axum::http::Method::POST
        && multipart
        && !path.starts_with("/api/")
        && length.is_some_and(|n| n > state.config.body_limit);
    // Only for a signed-in browser (upload forms are for signed-in administrators): a
    // session that exists, not any cookie of the name, so that nobody else can make the
    // server read large bodies. Looked up only for an oversized upload.
    if !oversized
        || crate::auth::session_of(&state, req.headers())
            .await
            .is_none()
    {
        return next.run(req).await;
    }
    use http_body_util::BodyExt;
    let mut body = req.into_body();
    let mut read = 0usize;
    while let Some(Ok(frame)) = body.frame().await {
        read += frame.data_ref().map_or(0, |d| d.len());
        if read > DRAIN_LIMIT {
            break;
        }
    }
    crate::shell::redirect_with_flash(&state, &path, "flash-upload-too-large", false)
}

/// Adds `Server-Timing: app;dur=…`: the milliseconds from the request reaching the
/// application to its answer being ready (the body included: pages are rendered whole).
/// Browsers' developer tools show it, and `yoldash bench cases` reports it beside the
/// round trip. It tells a client nothing it could not time itself.
pub async fn server_timing(
    req: Request<axum::body::Body>,
    next: axum::middleware::Next,
) -> Response {
    let started = std::time::Instant::now();
    let mut res = next.run(req).await;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if let Ok(v) = HeaderValue::from_str(&format!("app;dur={ms:.2}")) {
        res.headers_mut().insert(SERVER_TIMING, v);
    }
    res
}

/// The request id is the server's own: a client's `X-Request-Id` is dropped, so nobody can
/// write text of their choosing into the audit log (entries carry the id) or pass off one
/// request as another. Behind a trusted reverse proxy, a UUID it sets is kept, so that the
/// proxy's logs and ours name the same request.
pub async fn own_request_id(
    axum::extract::State(trusted_proxy): axum::extract::State<bool>,
    mut req: Request<axum::body::Body>,
    next: axum::middleware::Next,
) -> Response {
    // The proxy's line is the last one (a client's own line comes before it).
    let proxy_id = req
        .headers()
        .get_all(REQUEST_ID)
        .iter()
        .next_back()
        // Only a UUID in its usual form: the id is stored as it came.
        .filter(|v| {
            v.to_str().is_ok_and(|v| {
                uuid::Uuid::parse_str(v).is_ok_and(|u| u.hyphenated().to_string() == v)
            })
        })
        .cloned();
    req.headers_mut().remove(REQUEST_ID);
    if trusted_proxy && let Some(id) = proxy_id {
        req.headers_mut().insert(REQUEST_ID, id);
    }
    next.run(req).await
}

/// The request id header.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The `Server-Timing` response header.
pub const SERVER_TIMING: HeaderName = HeaderName::from_static("server-timing");

/// `Strict-Transport-Security` when the public URL is https: two years, this host only
/// (other hosts of the domain are not ours to commit to https).
pub const HSTS: &str = "max-age=63072000";

/// Adds `Strict-Transport-Security` to every response when the server is reached over https
/// (an `https://` public URL); over plain http the header would be ignored, or wrong.
pub fn strict_transport(config: &WebConfig) -> SetResponseHeaderLayer<Option<HeaderValue>> {
    SetResponseHeaderLayer::overriding(
        header::STRICT_TRANSPORT_SECURITY,
        config
            .secure_cookies()
            .then(|| HeaderValue::from_static(HSTS)),
    )
}

pub fn layers(config: &WebConfig) -> ServiceBuilder<Layers> {
    let x_request_id = HeaderName::from_static("x-request-id");
    ServiceBuilder::new()
        .layer(SetRequestIdLayer::new(
            x_request_id.clone(),
            MakeRequestUuid,
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(span_for as fn(&Request<axum::body::Body>) -> tracing::Span),
        )
        .layer(PropagateRequestIdLayer::new(x_request_id))
        .layer(RequestBodyLimitLayer::new(config.body_limit))
        .layer(header_layer(header::CONTENT_SECURITY_POLICY, CSP))
        // Our own pages learn where a form was posted from (the language switch returns
        // there); no other site learns any of our addresses.
        .layer(header_layer(header::REFERRER_POLICY, "same-origin"))
        .layer(header_layer(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header_layer(header::X_FRAME_OPTIONS, "DENY"))
        // Office computers are shared: nothing a server answers is kept in the browser's
        // cache, except the assets, which set their own Cache-Control.
        .layer(header_layer(header::CACHE_CONTROL, "no-store"))
}
