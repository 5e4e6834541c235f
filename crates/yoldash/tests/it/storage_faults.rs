//! When storage fails: a full database refuses writes clearly and works again once space is
//! back; an audit-head file that cannot be written never turns a committed change into an
//! error, shows as "degraded" on /healthz and to administrators, and is repaired; /healthz
//! answers within a second when the database is gone.

use serde_json::{Value, json};
use std::time::{Duration, Instant};
use yoldash_domain::Role;
use yoldash_store::audit::{self, Verdict};
use yoldash_testkit::{Backend, TEST_PASSWORD, TestApp, both_backends, spawn_app};

/// The body of `POST /api/v1/cases`: a presumed victim with this given name.
pub fn new_case(given_name: &str) -> Value {
    json!({
        "case_type": "presumed_victim",
        "person": {
            "facts": {"sex": "female", "gender_identity": null,
                      "birth": {"kind": "date", "date": "1999-04-02"},
                      "citizenships": ["TM"], "origin_region_id": null, "disability": null,
                      "languages": ["tk"], "education": null, "marital_status": null},
            "identity": {"given_name": given_name, "family_name": "Atayewa"}
        }
    })
}

/// A client calling the API with a case worker's token.
struct Api {
    client: reqwest::Client,
    token: String,
    worker: uuid::Uuid,
}

impl Api {
    async fn new(app: &TestApp) -> Api {
        let worker = app.create_user(app.admin_org.id, &[Role::CaseWorker]).await;
        Api {
            client: reqwest::Client::new(),
            token: app.token_for(&worker).await,
            worker: worker.id,
        }
    }

    fn call(&self, app: &TestApp, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, app.url(path))
            .bearer_auth(&self.token)
    }

    /// Registers a case; the status and, on success, its code.
    async fn create(&self, app: &TestApp, n: usize) -> (u16, Option<String>, Value) {
        let res = self
            .call(app, reqwest::Method::POST, "/api/v1/cases")
            .json(&new_case(&format!("Jeren{n}")))
            .send()
            .await
            .expect("request");
        let status = res.status().as_u16();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        let code = body["case"]["code"].as_str().map(str::to_string);
        (status, code, body)
    }

    /// Opens a case (a read whose audit entry goes through the group commit of views).
    async fn open(&self, app: &TestApp, code: &str) -> (u16, Value) {
        let res = self
            .call(app, reqwest::Method::GET, &format!("/api/v1/cases/{code}"))
            .send()
            .await
            .expect("request");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// Changes the risk level of a case at `version`; the status and the answer.
    async fn update(&self, app: &TestApp, code: &str, version: i64, risk: &str) -> (u16, Value) {
        let res = self
            .call(
                app,
                reqwest::Method::PUT,
                &format!("/api/v1/cases/{code}/details"),
            )
            .json(&json!({
                "version": version,
                "case_type": "presumed_victim",
                "risk": risk,
                "assigned_worker_id": self.worker,
                "restricted": false,
                "family_implicated": false,
            }))
            .send()
            .await
            .expect("request");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }
}

/// `/healthz`: status code, body, and how long it took.
async fn health(app: &TestApp) -> (u16, Value, Duration) {
    let started = Instant::now();
    let res = reqwest::Client::new()
        .get(app.url("/healthz"))
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .expect("healthz");
    let status = res.status().as_u16();
    let body = res.json().await.unwrap_or(Value::Null);
    (status, body, started.elapsed())
}

/// The audit chain checks out against the head file, if there is one.
async fn chain_intact(app: &TestApp) -> Verdict {
    let head = audit::read_head_file(&app.dir.path().join("audit-head.json")).expect("head");
    audit::verify(&app.store, head.as_ref())
        .await
        .expect("verify")
}

/// The "storage unavailable" problem the API answers while the database cannot write.
fn assert_unavailable(status: u16, body: &Value, what: &str) {
    assert_eq!(status, 503, "{what} while the database is full: {body}");
    assert_eq!(body["type"], "/problems/unavailable", "{what}: {body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_database_refuses_writes_clearly_and_recovers_once_space_is_back() {
    let app = spawn_app(Backend::Sqlite).await;
    let api = Api::new(&app).await;
    let (status, first, body) = api.create(&app, 0).await;
    assert_eq!(status, 201, "{body}");
    let first = first.unwrap();
    let version = body["case"]["version"].as_i64().expect("version");
    let mut acknowledged = vec![first.clone()];

    // The disk fills up: the database may not grow past the pages it holds now.
    let pages: i64 = sqlx::query_scalar("SELECT page_count FROM pragma_page_count()")
        .fetch_one(&app.store.db.pool)
        .await
        .unwrap();
    app.store.db.limit_pages(Some(pages));
    let mut refused = None;
    for n in 1..300 {
        let (status, code, body) = api.create(&app, n).await;
        match code {
            Some(code) if status == 201 => acknowledged.push(code),
            _ => {
                refused = Some((status, body));
                break;
            }
        }
    }
    let (status, body) = refused.expect("the database filled up");
    assert_unavailable(status, &body, "a new case");
    // Every kind of write is refused the same way while it is full (each writes an audit
    // entry at the end of the log, which needs a new page).
    let (status, body) = api.update(&app, &first, version, "high").await;
    assert_unavailable(status, &body, "an update");
    let (status, body) = api.open(&app, &first).await;
    assert_unavailable(status, &body, "opening a case (its audit entry)");

    // Space is freed: every write works again at once, on every connection of the pool.
    app.store.db.limit_pages(None);
    for n in 0..12 {
        let (status, code, body) = api.create(&app, 1000 + n).await;
        assert_eq!(
            status, 201,
            "a new case after space was freed (round {n}): {body}"
        );
        let version = body["case"]["version"].as_i64().expect("version");
        let code = code.unwrap();
        let (status, body) = api.update(&app, &code, version, "high").await;
        assert_eq!(
            status, 200,
            "an update after space was freed (round {n}): {body}"
        );
        acknowledged.push(code);
    }
    // Nothing acknowledged was lost, the refused update left no trace, and the audit chain
    // holds together.
    for code in &acknowledged {
        let (status, body) = api.open(&app, code).await;
        assert_eq!(status, 200, "{code} was acknowledged: {body}");
    }
    let (_, file) = api.open(&app, &first).await;
    assert!(file["case"]["risk"].is_null(), "{}", file["case"]);
    assert!(
        matches!(chain_intact(&app).await, Verdict::Intact { .. }),
        "the audit chain after the full database"
    );
    let (status, body, _) = health(&app).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("ok")),
        "{body}"
    );
}

/// An administrator's session, for the pages.
async fn admin_session(app: &TestApp) -> reqwest::Client {
    let admin = app.create_user(app.admin_org.id, &[Role::Admin]).await;
    app.login_to(&admin.email, TEST_PASSWORD, "/").await.0
}

both_backends!(
    an_unwritable_audit_head_file_never_fails_a_committed_write,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let api = Api::new(&app).await;
        let admin = admin_session(&app).await;
        let head_file = app.dir.path().join("audit-head.json");
        let notice = "audit-head.json";
        assert!(!app.page(&admin, "/").await.contains(notice));

        // The head file cannot be replaced (a directory stands where it goes: a failure
        // that holds even for root, who ignores file permissions).
        let _ = std::fs::remove_file(&head_file);
        std::fs::create_dir(&head_file).unwrap();
        let (status, code, body) = api.create(&app, 1).await;
        assert_eq!(status, 201, "a committed case is a success: {body}");
        let version = body["case"]["version"].as_i64().expect("version");
        let code = code.unwrap();
        let (status, body) = api.update(&app, &code, version, "high").await;
        assert_eq!(status, 200, "a committed update is a success: {body}");
        let (status, file) = api.open(&app, &code).await;
        assert_eq!(status, 200, "{file}");
        assert_eq!(file["case"]["risk"], "high", "the change is there");
        let (status, body, _) = health(&app).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["status"], "degraded", "{body}");
        assert!(
            app.page(&admin, "/").await.contains(notice),
            "administrators are told"
        );

        // The cause goes away: the next write repairs the head file.
        std::fs::remove_dir(&head_file).unwrap();
        let (status, _, body) = api.create(&app, 2).await;
        assert_eq!(status, 201, "{body}");
        let (status, body, _) = health(&app).await;
        assert_eq!(
            (status, body["status"].as_str()),
            (200, Some("ok")),
            "{body}"
        );
        assert!(!app.page(&admin, "/").await.contains(notice));
        let Verdict::Intact { head, .. } = chain_intact(&app).await else {
            panic!("the audit chain after the head file came back");
        };
        let written = audit::read_head_file(&head_file)
            .unwrap()
            .expect("head file");
        assert!(
            written.seq + 5 >= head.unwrap().seq,
            "the head file follows the chain"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&head_file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "the head file is the owner's only");
        }
        // No temporary file is left behind.
        let leftovers: Vec<_> = std::fs::read_dir(app.dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("audit-head") && n != "audit-head.json")
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");

        // Without any write, a background retry repairs it too.
        std::fs::remove_file(&head_file).unwrap();
        std::fs::create_dir(&head_file).unwrap();
        let (status, _, body) = api.create(&app, 3).await;
        assert_eq!(status, 201, "{body}");
        let (_, body, _) = health(&app).await;
        assert_eq!(body["status"], "degraded", "{body}");
        std::fs::remove_dir(&head_file).unwrap();
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let (_, body, _) = health(&app).await;
            if body["status"] == "ok" {
                break;
            }
            assert!(Instant::now() < deadline, "still {body} after 15 s");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert!(head_file.is_file());
    }
);

/// Starts `yoldash serve` on a data directory (SQLite) and waits until it listens.
fn start_server(dir: &std::path::Path) -> std::process::Child {
    use std::io::BufRead;
    let mut child = server_command(dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start yoldash serve");
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let listening = lines.any(|l| l.is_ok_and(|l| l.contains("is listening at")));
    assert!(listening, "the first server did not start");
    child
}

fn server_command(dir: &std::path::Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_yoldash"));
    cmd.args(["serve", "--listen", "127.0.0.1:0"])
        .env("YOLDASH_DATA_DIR", dir)
        .env_remove("YOLDASH_DATABASE_URL")
        .env("YOLDASH_LOG", "warn")
        .stdin(std::process::Stdio::null());
    cmd
}

#[test]
fn a_second_server_on_one_sqlite_data_dir_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = start_server(dir.path());
    let mut second = server_command(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run a second server");
    let deadline = Instant::now() + Duration::from_secs(20);
    while second.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            second.kill().unwrap();
            first.kill().unwrap();
            panic!("a second server started on the same data directory");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let second = second.wait_with_output().unwrap();
    let said = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(1), "{said}");
    assert!(
        said.contains("another Yoldash server is already running on the data directory"),
        "{said}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let lock = std::fs::metadata(dir.path().join("yoldash.lock")).unwrap();
        assert_eq!(lock.permissions().mode() & 0o777, 0o600);
    }
    // However the first one ends (here: killed), the data directory is free again.
    first.kill().unwrap();
    first.wait().unwrap();
    let mut again = start_server(dir.path());
    again.kill().unwrap();
    again.wait().unwrap();
}

/// A TCP proxy on loopback to PostgreSQL that the test can cut: when cut, open connections
/// are dropped and new ones are accepted but never answered (a network that hangs).
struct Proxy {
    address: std::net::SocketAddr,
    cut: std::sync::Arc<std::sync::atomic::AtomicBool>,
    links: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl Proxy {
    async fn start(upstream: String) -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let cut = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let links = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (cut2, links2) = (cut.clone(), links.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let cut = cut2.load(std::sync::atomic::Ordering::SeqCst);
                let upstream = upstream.clone();
                let link = tokio::spawn(async move {
                    if cut {
                        // Hold the connection and say nothing.
                        tokio::time::sleep(Duration::from_secs(3600)).await;
                        drop(inbound);
                        return;
                    }
                    if let Ok(mut out) = tokio::net::TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
                    }
                });
                links2.lock().unwrap().push(link.abort_handle());
            }
        });
        Proxy {
            address,
            cut,
            links,
        }
    }

    /// Cuts (`true`) or restores the link; either way, every open connection is dropped.
    fn set_cut(&self, cut: bool) {
        self.cut.store(cut, std::sync::atomic::Ordering::SeqCst);
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
    }
}

/// `host:port` of a `postgres://user:pass@host:port/db` URL.
fn host_port(url: &str) -> String {
    let after_at = url.rsplit_once('@').map_or(url, |(_, rest)| rest);
    after_at.split('/').next().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_answers_within_a_second_while_postgresql_is_out_of_reach() {
    let Some(url) = yoldash_testkit::postgres_url() else {
        eprintln!(
            "SKIPPED health_answers_within_a_second_while_postgresql_is_out_of_reach: YOLDASH_TEST_DATABASE_URL is not set"
        );
        return;
    };
    let upstream = host_port(&url);
    let proxy = Proxy::start(upstream.clone()).await;
    let via = proxy.address.to_string();
    let app =
        yoldash_testkit::spawn_app_via(Backend::Postgres, |u| u.replace(&upstream, &via)).await;
    let api = Api::new(&app).await;
    let (status, body, _) = health(&app).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("ok")),
        "{body}"
    );

    proxy.set_cut(true);
    for _ in 0..3 {
        let (status, body, took) = health(&app).await;
        assert_eq!(status, 503, "{body}");
        assert_eq!(body["status"], "unavailable", "{body}");
        assert!(took < Duration::from_millis(1000), "/healthz took {took:?}");
    }
    // A write is answered "unavailable" once the pool gives up waiting for a connection
    // (`Db::ACQUIRE_WITHIN`), not after the driver's default half minute.
    let started = Instant::now();
    let (status, _, body) = api.create(&app, 100).await;
    assert_unavailable(status, &body, "a new case");
    eprintln!(
        "a write was refused after {:?} without the database",
        started.elapsed()
    );

    // The network comes back: health and writes recover without a restart.
    proxy.set_cut(false);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, body, _) = health(&app).await;
        if status == 200 {
            assert_eq!(body["status"], "ok", "{body}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still {status} {body} after 30 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for n in 0..6 {
        let (status, _, body) = api.create(&app, n).await;
        assert_eq!(status, 201, "a new case after PostgreSQL came back: {body}");
    }
}
