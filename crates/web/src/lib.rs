//! Yoldash web application: server-rendered pages and the JSON API under `/api/v1`.

pub mod api;
pub mod auth;
pub mod casework;
pub mod error;
pub mod fields;
pub mod forms;
pub mod i18n;
pub mod pages;
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

    pub fn secure_cookies(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }
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
        yoldash_store::passwords::warm_up();
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
