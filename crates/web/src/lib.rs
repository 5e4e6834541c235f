//! Yoldash web application: server-rendered pages and the JSON API under `/api/v1`.

pub mod api;
pub mod audit_trail;
pub mod auth;
pub mod casework;
pub mod confirm;
pub mod error;
pub mod fields;
pub mod forms;
pub mod i18n;
pub mod pages;
pub mod redirect;
pub mod render;
pub mod routes;
pub mod security;
pub mod shell;
pub mod throttle;
pub mod totp;

#[cfg(test)]
mod template_text;

use axum::Router;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use yoldash_domain::{PasswordPolicy, PermissionTable};
use yoldash_store::Store;

pub use error::AppError;

/// Settings of the web server.
#[derive(Debug, Clone)]
pub struct WebConfig {
    pub listen: SocketAddr,
    /// The address users reach the server at; `https://…` turns on Secure cookies.
    pub public_url: Option<String>,
    /// Believe `X-Forwarded-For` (only behind a reverse proxy that sets it).
    pub trusted_proxy: bool,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
}

impl WebConfig {
    pub fn local(listen: SocketAddr) -> Self {
        Self {
            listen,
            public_url: None,
            trusted_proxy: false,
            body_limit: 1024 * 1024,
        }
    }

    /// Served over https (the public URL is `https://…`): Secure cookies with the `__Host-`
    /// prefix, and `Strict-Transport-Security`.
    pub fn secure_cookies(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }
}

/// Checks a `--public-url`: an absolute `http://` or `https://` URL of a host (and port), at
/// the root of the host — Yoldash serves from `/` (its cookies have `Path=/` and its links
/// start at `/`), so a path, a query, a fragment or credentials are refused. Returns the
/// URL without a trailing `/`, or why it is refused.
pub fn parse_public_url(url: &str) -> Result<String, String> {
    let lower = url.to_ascii_lowercase();
    let rest = ["https://", "http://"]
        .iter()
        .find_map(|scheme| lower.strip_prefix(scheme).map(|_| &url[scheme.len()..]))
        .ok_or("it must start with https:// (or http://)")?;
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    if authority.is_empty() {
        return Err("it names no host".into());
    }
    if let Some(bad) = authority
        .chars()
        .find(|c| matches!(c, '/' | '?' | '#' | '@' | '\\') || !c.is_ascii_graphic())
    {
        return Err(match bad {
            '/' => "Yoldash is served at the root of the host: give no path".into(),
            '@' => "it must not hold a user name or password".into(),
            _ => format!("it must not contain {bad:?}"),
        });
    }
    let (host, port) = match authority.rsplit_once(':') {
        // An IPv6 address without brackets: refused below as a host name.
        Some((h, _)) if !h.ends_with(']') && h.contains(':') => (authority, None),
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    };
    if let Some(p) = port
        && !p.parse::<u16>().is_ok_and(|p| p > 0)
    {
        return Err(format!("{p:?} is not a port"));
    }
    let ipv6 = host.starts_with('[') && host.ends_with(']');
    let name_ok = !host.is_empty()
        && host
            .split('.')
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    if !ipv6 && !name_ok {
        return Err(format!("{host:?} is not a host name"));
    }
    let scheme_len = url.len() - rest.len();
    Ok(format!("{}{authority}", &lower[..scheme_len]))
}

/// What every handler can reach.
pub struct AppInner {
    pub store: Store,
    pub permissions: PermissionTable,
    pub passwords: PasswordPolicy,
    pub config: WebConfig,
    pub throttle: throttle::Throttle,
    pub migration_level: i64,
    /// Age band sets (`data/age-bands.json`), for filters and lists.
    pub age_bands: yoldash_domain::person::AgeBandSets,
}

pub type AppState = Arc<AppInner>;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// A bound, ready-to-run server. Binding happens in `build`, so tests can listen on port 0
/// and ask for the port.
pub struct Application {
    listener: TcpListener,
    router: Router,
}

impl Application {
    pub async fn build(config: WebConfig, store: Store) -> anyhow::Result<Self> {
        let migration_level = yoldash_store::migrate::current_level(&store.db).await?;
        let listener = TcpListener::bind(config.listen).await?;
        let state = Arc::new(AppInner {
            store,
            permissions: PermissionTable::shipped(),
            passwords: PasswordPolicy::shipped(),
            config,
            throttle: throttle::Throttle::default(),
            migration_level,
            age_bands: yoldash_domain::person::AgeBandSets::shipped(),
        });
        let router = routes::router(state);
        Ok(Self { listener, router })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// Serves until the future `shutdown` completes.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::parse_public_url;

    #[test]
    fn public_urls() {
        for (given, kept) in [
            ("https://yoldash.example.tm", "https://yoldash.example.tm"),
            ("https://yoldash.example.tm/", "https://yoldash.example.tm"),
            (
                "HTTPS://Yoldash.example.tm:8443",
                "https://Yoldash.example.tm:8443",
            ),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
            ("http://[::1]:8080/", "http://[::1]:8080"),
            ("http://localhost", "http://localhost"),
        ] {
            assert_eq!(parse_public_url(given).as_deref(), Ok(kept), "{given}");
        }
        for bad in [
            "notaurl",
            "",
            "yoldash.example.tm",
            "ftp://yoldash.example.tm",
            "https://",
            "https:///",
            "https://yoldash.example.tm/app",
            "https://yoldash.example.tm?x=1",
            "https://yoldash.example.tm#top",
            "https://user:pw@yoldash.example.tm",
            "https://yoldash example.tm",
            "https://yoldash.example.tm:0",
            "https://yoldash.example.tm:99999",
            "https://yoldash.example.tm:port",
            "https://..",
            "https://a\\b",
            "javascript:alert(1)",
        ] {
            assert!(parse_public_url(bad).is_err(), "{bad:?} must be refused");
        }
    }
}
