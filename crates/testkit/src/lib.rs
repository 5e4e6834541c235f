//! Test support: `spawn_app()` starts the real application on a free port with a fresh
//! database of its own — a temporary SQLite file, or a new PostgreSQL database when
//! `YOLDASH_TEST_DATABASE_URL` is set — and helpers to create accounts and sign in.

pub mod browser;

use std::sync::Arc;
use tempfile::TempDir;
use uuid::Uuid;
use yoldash_domain::{Email, OrgCode, OrganisationType, PersonName, Role};
use yoldash_keyring::KeyRing;
use yoldash_store::organisations::{NewOrganisation, Organisation};
use yoldash_store::users::{NewUser, User};
use yoldash_store::{Database, Store};
use yoldash_web::{Application, WebConfig};

/// Which database a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server for tests, if configured (CI always sets it).
pub fn postgres_url() -> Option<String> {
    std::env::var("YOLDASH_TEST_DATABASE_URL")
        .ok()
        .filter(|s| !s.is_empty())
}

/// Runs an async test body against SQLite, and generates a second test for PostgreSQL
/// that says it is skipped when `YOLDASH_TEST_DATABASE_URL` is not set.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let f = $body;
                f($crate::Backend::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if $crate::postgres_url().is_none() {
                    eprintln!(
                        "SKIPPED {}::postgres: YOLDASH_TEST_DATABASE_URL is not set",
                        module_path!()
                    );
                    return;
                }
                let f = $body;
                f($crate::Backend::Postgres).await;
            }
        }
    };
}

/// A database made for one test; a PostgreSQL one is dropped when this is dropped.
pub struct TestDatabase {
    pub url: String,
    pg_admin_url: Option<String>,
    pg_name: Option<String>,
}

impl TestDatabase {
    pub async fn create(backend: Backend, dir: &std::path::Path) -> TestDatabase {
        match backend {
            Backend::Sqlite => TestDatabase {
                url: format!("sqlite://{}", dir.join("yoldash.db").display()),
                pg_admin_url: None,
                pg_name: None,
            },
            Backend::Postgres => {
                let admin = postgres_url().expect("YOLDASH_TEST_DATABASE_URL");
                let name = format!("yoldash_test_{}", Uuid::now_v7().simple());
                let db = Database::connect(&admin)
                    .await
                    .expect("connect to test PostgreSQL");
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&db.pool)
                    .await
                    .expect("create test database");
                db.close().await;
                TestDatabase {
                    url: replace_db_name(&admin, &name),
                    pg_admin_url: Some(admin),
                    pg_name: Some(name),
                }
            }
        }
    }
}

/// `postgres://u:p@h:5432/anything?x` with the database name replaced.
pub fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..].find('/').map(|i| i + scheme_end);
    let host = match path_start {
        Some(i) => &base[..i],
        None => base,
    };
    match query {
        Some(q) => format!("{host}/{name}?{q}"),
        None => format!("{host}/{name}"),
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let (Some(admin), Some(name)) = (self.pg_admin_url.take(), self.pg_name.take()) {
            // Drop happens outside any runtime's async context: use a thread of our own.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async {
                    if let Ok(db) = Database::connect(&admin).await {
                        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                        )))
                        .execute(&db.pool)
                        .await;
                        db.close().await;
                    }
                });
            })
            .join();
        }
    }
}

/// A running application for one test.
pub struct TestApp {
    pub address: String,
    pub store: Store,
    pub backend: Backend,
    pub dir: TempDir,
    pub admin_org: Organisation,
    pub database: TestDatabase,
}

/// A statement parameter for `TestApp::exec`.
pub enum Param<'a> {
    Int(i64),
    Text(&'a str),
}

/// A password that passes the policy, for test accounts.
pub const TEST_PASSWORD: &str = "correct horse battery staple";

/// Starts the application with a fresh database and one organisation (`TEST-ORG`).
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_configured(backend, |_| {}, str::to_string).await
}

/// As `spawn_app`, with the server's settings changed by `configure` first (a public URL,
/// a trusted proxy…).
pub async fn spawn_app_with(backend: Backend, configure: impl FnOnce(&mut WebConfig)) -> TestApp {
    spawn_app_configured(backend, configure, str::to_string).await
}

/// `spawn_app`, with the application connecting to the database at `through(url)` (a test
/// puts a proxy it can cut between the application and PostgreSQL).
pub async fn spawn_app_via(backend: Backend, through: impl FnOnce(&str) -> String) -> TestApp {
    spawn_app_configured(backend, |_| {}, through).await
}

async fn spawn_app_configured(
    backend: Backend,
    configure: impl FnOnce(&mut WebConfig),
    through: impl FnOnce(&str) -> String,
) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = TestDatabase::create(backend, dir.path()).await;
    let db = Database::connect(&through(&database.url))
        .await
        .expect("connect");
    yoldash_store::migrate::run(&db).await.expect("migrate");
    // The key ring is also written where the command line looks for it, so that CLI
    // tests (`audit verify`, `key rotate`) can open the same data.
    let keys = KeyRing::generate();
    keys.save(&dir.path().join("yoldash.keys"), None)
        .expect("save key ring");
    let store = Store::new(db, Arc::new(keys), Some(dir.path().join("audit-head.json")));
    store.complete_person_index().await.expect("search index");
    let mut unit = store.unit().await.expect("unit");
    store
        .load_regions(&mut unit, yoldash_store::regions::SHIPPED)
        .await
        .expect("regions");
    store
        .seed_reference_lists(&mut unit)
        .await
        .expect("reference lists");
    unit.commit().await.expect("commit");
    let admin_org = create_org(&store, "TEST-ORG").await;
    let mut config = WebConfig::local("127.0.0.1:0".parse().unwrap());
    configure(&mut config);
    let app = Application::build(config, store.clone())
        .await
        .expect("build app");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until(std::future::pending()));
    TestApp {
        address,
        store,
        backend,
        dir,
        admin_org,
        database,
    }
}

pub async fn create_org(store: &Store, code: &str) -> Organisation {
    let mut unit = store.unit().await.expect("unit");
    let org = store
        .create_organisation(
            &mut unit,
            None,
            &NewOrganisation {
                code: OrgCode::parse(code).unwrap(),
                org_type: OrganisationType::PublicAssociation,
                names: [("en".to_string(), format!("Organisation {code}"))].into(),
                region_code: Some("TM-S".into()),
            },
        )
        .await
        .expect("create organisation");
    unit.commit().await.expect("commit");
    org
}

/// The argon2 hash of `TEST_PASSWORD`, computed once per test binary.
async fn test_password_hash() -> String {
    static HASH: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    HASH.get_or_init(|| async {
        yoldash_store::passwords::hash(TEST_PASSWORD)
            .await
            .expect("hash")
    })
    .await
    .clone()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Creates an account with `TEST_PASSWORD` in `org`.
    pub async fn create_user(&self, org: Uuid, roles: &[Role]) -> User {
        let email = format!("u{}@test.yoldash", Uuid::now_v7().simple());
        let mut unit = self.store.unit().await.expect("unit");
        let user = self
            .store
            .create_user(
                &mut unit,
                None,
                &NewUser {
                    org_id: org,
                    email: Email::parse(&email).unwrap(),
                    display_name: PersonName::parse("Test User").unwrap(),
                    roles: roles.to_vec(),
                    language: "en".into(),
                    password_hash: test_password_hash().await,
                    must_change_password: false,
                },
            )
            .await
            .expect("create user");
        unit.commit().await.expect("commit");
        user
    }

    /// An API token for a user.
    pub async fn token_for(&self, user: &User) -> String {
        let mut unit = self.store.unit().await.expect("unit");
        let (_, token) = self
            .store
            .create_token(&mut unit, None, user.id, "test", Some(30))
            .await
            .expect("token");
        unit.commit().await.expect("commit");
        token
    }

    /// A client that does not follow redirects and keeps cookies.
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .build()
            .expect("client")
    }

    /// Signs in through the login form; returns the client holding the session and the
    /// session's CSRF token (read from a page).
    pub async fn login(&self, email: &str, password: &str) -> (reqwest::Client, String) {
        self.login_to(email, password, "/account/password").await
    }

    /// Signs in and reads the CSRF token from `page` (a page the session may open).
    pub async fn login_to(
        &self,
        email: &str,
        password: &str,
        page: &str,
    ) -> (reqwest::Client, String) {
        let client = self.client();
        let (status, _) = self.try_login(&client, email, password).await;
        assert_eq!(status, 303, "sign-in should redirect");
        let page = client
            .get(self.url(page))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = hidden_csrf(&page).expect("csrf token on page");
        (client, csrf)
    }

    /// Posts a URL-encoded form with this client.
    pub async fn post_form(
        &self,
        client: &reqwest::Client,
        path: &str,
        fields: &[(&str, &str)],
    ) -> Posted {
        let res = client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .expect("request");
        Posted {
            status: res.status().as_u16(),
            location: location(&res),
            body: res.text().await.unwrap_or_default(),
        }
    }

    /// The body of a GET with this client.
    pub async fn page(&self, client: &reqwest::Client, path: &str) -> String {
        client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
            .text()
            .await
            .expect("body")
    }

    /// The status of a GET with this client.
    pub async fn status(&self, client: &reqwest::Client, path: &str) -> u16 {
        client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
            .status()
            .as_u16()
    }

    /// Runs one statement with text and integer parameters straight on the database
    /// (tests that tamper with stored data, or age sessions and tokens).
    pub async fn exec(&self, sql: &'static str, params: &[Param<'_>]) -> u64 {
        let mut q = sqlx::query(sql);
        for p in params {
            q = match p {
                Param::Int(i) => q.bind(*i),
                Param::Text(t) => q.bind(t.to_string()),
            };
        }
        q.execute(&self.store.db.pool)
            .await
            .expect("statement")
            .rows_affected()
    }

    /// A `SELECT COUNT(*) …` with at most one text parameter.
    pub async fn count(&self, sql: &'static str, param: Option<&str>) -> i64 {
        let mut q = sqlx::query_scalar::<_, i64>(sql);
        if let Some(p) = param {
            q = q.bind(p.to_string());
        }
        q.fetch_one(&self.store.db.pool).await.expect("count")
    }

    /// Opens the sign-in page with this client (setting its double-submit cookie) and
    /// returns the form's CSRF token.
    pub async fn login_csrf(&self, client: &reqwest::Client) -> String {
        let page = client
            .get(self.url("/login"))
            .send()
            .await
            .expect("login page")
            .text()
            .await
            .expect("login page body");
        hidden_csrf(&page).expect("csrf on login page")
    }

    /// Posts the login form once; returns the status and the body.
    pub async fn try_login(
        &self,
        client: &reqwest::Client,
        email: &str,
        password: &str,
    ) -> (u16, String) {
        let csrf = self.login_csrf(client).await;
        let res = client
            .post(self.url("/login"))
            .form(&[("email", email), ("password", password), ("csrf", &csrf)])
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        (status, res.text().await.unwrap_or_default())
    }

    /// A session for `user` at `stage`, made in the store without the sign-in form (no
    /// password hashing): its `Cookie` header value and its CSRF token.
    pub async fn session_cookie(
        &self,
        user: &User,
        stage: yoldash_store::sessions::SessionStage,
    ) -> (String, String) {
        let s = self
            .store
            .create_session(user.id, None, stage)
            .await
            .expect("session");
        (
            format!(
                "{}={}",
                yoldash_web::auth::Cookie::Session.name(false),
                s.token
            ),
            s.csrf_token,
        )
    }

    /// A client that sends `cookie` (a `Cookie` header value, may be empty) with every
    /// request and does not follow redirects.
    pub fn client_with_cookie(&self, cookie: &str) -> reqwest::Client {
        let mut headers = reqwest::header::HeaderMap::new();
        if !cookie.is_empty() {
            headers.insert(
                reqwest::header::COOKIE,
                cookie.parse().expect("cookie header"),
            );
        }
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .expect("client")
    }

    /// A draft case registered by `worker` (who holds it, being a case worker), with the
    /// protections given; returns its code.
    pub async fn register_draft_case(
        &self,
        worker: &User,
        restricted: bool,
        family_implicated: bool,
    ) -> String {
        let mut unit = self.store.unit().await.expect("unit");
        let case = self
            .store
            .register_case(
                &mut unit,
                &worker.actor(),
                &yoldash_store::cases::NewCase {
                    case_type: yoldash_domain::case::CaseType::VulnerableMigrant,
                    person: Default::default(),
                    risk: None,
                    assigned_worker_id: None,
                    restricted,
                    family_implicated,
                    draft: true,
                },
            )
            .await
            .expect("register case");
        unit.commit().await.expect("commit");
        case.code
    }
}

/// The answer to a posted form.
#[derive(Debug, Clone)]
pub struct Posted {
    pub status: u16,
    /// The `Location` header, empty when there is none.
    pub location: String,
    pub body: String,
}

/// A response's `Location` header, empty when there is none.
pub fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// The value of the first `name="csrf"` hidden input of a page.
pub fn hidden_csrf(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    let rest = &html[at..];
    Some(rest[..rest.find('"')?].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn db_name_replacement() {
        assert_eq!(
            replace_db_name("postgres://u:p@localhost:5432/postgres", "t1"),
            "postgres://u:p@localhost:5432/t1"
        );
        assert_eq!(
            replace_db_name("postgres://localhost/x?sslmode=disable", "t2"),
            "postgres://localhost/t2?sslmode=disable"
        );
        assert_eq!(
            replace_db_name("postgres://localhost", "t3"),
            "postgres://localhost/t3"
        );
    }
}
