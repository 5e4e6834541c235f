//! `yoldash bench cases`: the demo deployment with N synthetic cases, the application
//! in-process, and concurrent clients timing the case list (plain, filtered, deep page,
//! name search) and case pages over loopback, after an untimed warm-up of the same mix.
//! Reports, per page kind, the median and 99th percentile of the server time (the
//! application's `Server-Timing`) and of the round trip the client saw, and the database
//! size.

use crate::bench::{TempDataDir, Timing, hidden_csrf, one_time_password, sign_in};
use crate::cli::DataArgs;
use crate::context;
use anyhow::{Context as _, bail};
use std::time::{Duration, Instant};
use uuid::Uuid;
use yoldash_domain::{Actor, Email, PersonName, Role};
use yoldash_store::Store;
use yoldash_store::cases::CaseFilter;
use yoldash_store::users::NewUser;
use yoldash_web::{Application, WebConfig};

/// The page kinds, in the order they are reported.
const KINDS: [&str; 5] = [
    "case list, first page",
    "case list, filtered (status, sex)",
    "case list, page 20",
    "case list, search by full name",
    "case page",
];

/// A signed-in bench client, its CSRF token and the cases it may open.
struct Client {
    http: reqwest::Client,
    csrf: String,
    codes: Vec<String>,
    /// Full names of some of those cases' people, to search for.
    names: Vec<String>,
}

pub async fn run(
    data: &DataArgs,
    cases: u32,
    clients: usize,
    requests: usize,
    warmup: usize,
) -> anyhow::Result<()> {
    if clients == 0 || requests == 0 {
        bail!("--clients and --requests must be at least 1");
    }
    let mut data = data.clone();
    let _temp = if data_dir_given() {
        None
    } else {
        let dir = std::env::temp_dir().join(format!("yoldash-bench-{}", Uuid::now_v7().simple()));
        data.data_dir = dir.clone();
        Some(TempDataDir(dir))
    };
    let store = context::set_up(&data).await?;
    let fresh = crate::demo::load(&store, &data).await?;
    if !fresh
        && store
            .organisation_by_code(crate::demo::CASE_ORGS[0].0)
            .await
            .is_err()
    {
        bail!(
            "the database holds another deployment: the benchmark only runs on an empty or demo database"
        );
    }
    let started = Instant::now();
    match crate::demo::cases::seed(&store, cases).await? {
        crate::demo::cases::Outcome::Created(summary) => {
            println!(
                "seeded {cases} synthetic cases in {:.1} s\n{summary}",
                started.elapsed().as_secs_f64()
            );
        }
        crate::demo::cases::Outcome::AlreadyThere(n) => {
            println!("reusing {n} cases already in the demo data")
        }
        crate::demo::cases::Outcome::NotDemo => bail!("not a demo deployment"),
    }
    let backend = store.backend().as_str();
    let size = store.db.size_bytes().await?;
    println!(
        "{backend}: database size {:.1} MB; data directory {}",
        size as f64 / 1e6,
        data.data_dir.display()
    );

    // One supervisor account per case-handling organisation, with a password of this run.
    let password = one_time_password();
    let hash = yoldash_store::passwords::hash(&password).await?;
    let mut accounts = Vec::new();
    for (code, _) in crate::demo::CASE_ORGS {
        let org = store.organisation_by_code(code).await?;
        let email = format!("bench-{}@bench.yoldash", Uuid::now_v7().simple());
        let mut unit = store.unit().await?;
        let user = store
            .create_user(
                &mut unit,
                None,
                &NewUser {
                    org_id: org.id,
                    email: Email::parse(&email).map_err(|e| anyhow::anyhow!("{}", e.key))?,
                    display_name: PersonName::parse("Bench Supervisor")
                        .map_err(|e| anyhow::anyhow!("{}", e.key))?,
                    roles: vec![Role::Supervisor],
                    language: "en".into(),
                    password_hash: hash.clone(),
                    must_change_password: false,
                },
            )
            .await?;
        unit.commit().await?;
        let actor = Actor {
            user_id: user.id,
            org_id: org.id,
            roles: vec![Role::Supervisor],
        };
        let codes = case_codes(&store, &actor).await?;
        // Names to search for, as a case worker would: a person's given and family name.
        let mut names = Vec::new();
        for code in codes.iter().take(20) {
            let file = store.open_case(&actor, code, None).await?;
            let who = &file.person.record.identity;
            names.push(format!("{} {}", who.given_name, who.family_name));
        }
        if codes.is_empty() {
            bail!("{code} has no cases");
        }
        accounts.push((email, codes, names));
    }

    let app = Application::build(WebConfig::local("127.0.0.1:0".parse()?), store.clone()).await?;
    let base = format!("http://127.0.0.1:{}", app.port());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));

    let mut signed = Vec::new();
    for i in 0..clients {
        let (email, codes, names) = &accounts[i % accounts.len()];
        let http = sign_in(&base, email, &password).await?;
        let list = http
            .get(format!("{base}/cases"))
            .send()
            .await?
            .text()
            .await?;
        signed.push(Client {
            csrf: hidden_csrf(&list).context("no CSRF token on the case list")?,
            http,
            codes: codes.clone(),
            names: names.clone(),
        });
    }
    if data.database_url.is_none() && warmup > 0 {
        let read = read_into_page_cache(&data.data_dir)?;
        println!(
            "read the database files once ({:.0} MB) into the page cache",
            read as f64 / 1e6
        );
    }
    let per_client = requests.div_ceil(clients);
    let warmup_per_client = warmup.div_ceil(clients);
    let mut tasks = Vec::new();
    let (go, _) = tokio::sync::broadcast::channel::<Instant>(1);
    let (warm, mut all_warm) = tokio::sync::mpsc::channel::<()>(clients);
    for (i, c) in signed.into_iter().enumerate() {
        let base = base.clone();
        let mut go = go.subscribe();
        let warm = warm.clone();
        tasks.push(tokio::spawn(async move {
            // The warm-up uses other cases than the timed part (another seed).
            drive(&base, &c, i + clients, warmup_per_client).await?;
            drop(warm);
            let _ = go.recv().await;
            drive(&base, &c, i, per_client).await
        }));
    }
    drop(warm);
    // Every client warms up, then all start the timed part together.
    while all_warm.recv().await.is_some() {}
    if warmup > 0 {
        println!(
            "warmed up with {} untimed requests",
            warmup_per_client * clients
        );
    }
    let cpu_before = machine_cpu();
    let started = Instant::now();
    let _ = go.send(started);
    let mut server: Vec<Vec<Duration>> = vec![Vec::new(); KINDS.len()];
    let mut round_trip: Vec<Vec<Duration>> = vec![Vec::new(); KINDS.len()];
    let mut bytes = vec![0usize; KINDS.len()];
    for t in tasks {
        for done in t.await?? {
            server[done.kind].push(done.server);
            round_trip[done.kind].push(done.round_trip);
            bytes[done.kind] = done.bytes;
        }
    }
    let wall = started.elapsed().as_secs_f64();
    let cpu = machine_cpu()
        .zip(cpu_before)
        .map(|(after, before)| (after.0 - before.0, after.1 - before.1));
    let _ = stop.send(());
    let _ = serving.await;
    let total: usize = round_trip.iter().map(Vec::len).sum();
    println!(
        "\n{clients} concurrent clients, {total} timed requests in {wall:.1} s ({:.0} requests/s)\n",
        total as f64 / wall
    );
    if let Some((cpu, stolen)) = cpu {
        // What the application, the database and the clients used, and what the host gave
        // to other guests meanwhile (a virtual machine's "steal"): a run with much steal
        // is slower for reasons outside this machine.
        println!(
            "CPU time used on this machine: {:.2} ms per request ({:.0} % of its cores over the run; {:.0} % taken by the host)\n",
            cpu * 1000.0 / total as f64,
            cpu * 100.0 / (wall * cores() as f64),
            stolen * 100.0 / (wall * cores() as f64)
        );
    }
    println!(
        "| page | requests | server median ms | server p99 ms | round-trip median ms | round-trip p99 ms | bytes |"
    );
    println!("|---|---|---|---|---|---|---|");
    let timing = |k: usize, times: Vec<Duration>| Timing {
        name: KINDS[k],
        path: String::new(),
        times,
        bytes: bytes[k],
    };
    for (k, (server, round_trip)) in server.into_iter().zip(round_trip).enumerate() {
        let (s, r) = (timing(k, server), timing(k, round_trip));
        println!(
            "| {} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {} |",
            s.name,
            s.times.len(),
            s.percentile(0.5),
            s.percentile(0.99),
            r.percentile(0.5),
            r.percentile(0.99),
            s.bytes
        );
    }
    if data.database_url.is_some() {
        println!(
            "\nThe synthetic data stays in the database given by --database-url; drop it when done."
        );
    }
    store.db.close().await;
    Ok(())
}

/// Whether `--data-dir` (or `YOLDASH_DATA_DIR`) was given (a seeded data dir is reused).
fn data_dir_given() -> bool {
    use clap::CommandFactory;
    use clap::parser::ValueSource;
    let matches = crate::cli::Cli::command().get_matches();
    matches
        .subcommand_matches("bench")
        .and_then(|m| m.subcommand_matches("cases"))
        .and_then(|m| m.value_source("data_dir"))
        .is_some_and(|s| s != ValueSource::DefaultValue)
}

/// Up to 2,000 case codes the actor may open.
async fn case_codes(store: &Store, actor: &Actor) -> anyhow::Result<Vec<String>> {
    let mut codes = Vec::new();
    for page in 0..4 {
        let rows = store
            .case_list(actor, &CaseFilter::default(), page * 500, 500, None)
            .await?
            .rows;
        if rows.is_empty() {
            break;
        }
        codes.extend(rows.into_iter().map(|r| r.code));
    }
    Ok(codes)
}

/// One timed request.
struct Done {
    kind: usize,
    /// As the application reported it (`Server-Timing`).
    server: Duration,
    /// As the client saw it.
    round_trip: Duration,
    bytes: usize,
}

/// One client's requests: the page kinds in turn, case pages twice as often as each list.
async fn drive(base: &str, c: &Client, seed: usize, count: usize) -> anyhow::Result<Vec<Done>> {
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let turn = (i + seed) % 6;
        let (kind, path) = match turn {
            0 => (0, "/cases".to_string()),
            1 => (1, "/cases?status=in_assistance&sex=female".to_string()),
            2 => (2, "/cases?page=20".to_string()),
            3 => (3, "/cases/search".to_string()),
            _ => {
                let code = &c.codes[(i * 7919 + seed * 104_729) % c.codes.len()];
                (4, format!("/cases/{code}"))
            }
        };
        let started = Instant::now();
        let res = if kind == 3 {
            // The name search is posted (names never go into addresses).
            c.http
                .post(format!("{base}/cases/search"))
                .form(&[
                    ("csrf", c.csrf.as_str()),
                    ("q", c.names[i % c.names.len()].as_str()),
                ])
                .send()
                .await?
        } else {
            c.http.get(format!("{base}{path}")).send().await?
        };
        let status = res.status();
        let server = server_time(res.headers())
            .with_context(|| format!("{path} answered without a Server-Timing header"))?;
        let body = res.bytes().await?;
        let round_trip = started.elapsed();
        if !status.is_success() {
            bail!("{path} answered {status}");
        }
        out.push(Done {
            kind,
            server,
            round_trip,
            bytes: body.len(),
        });
    }
    Ok(out)
}

/// The `app;dur=…` of a `Server-Timing` header.
fn server_time(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get("server-timing")?.to_str().ok()?;
    let ms: f64 = value
        .split(',')
        .find_map(|metric| metric.trim().strip_prefix("app;dur="))?
        .parse()
        .ok()?;
    Some(Duration::from_secs_f64(ms / 1000.0))
}

/// Seconds of CPU time the whole machine has spent working (user, nice, system, interrupts)
/// and that the host took for others (steal), since boot, from `/proc/stat`; `None` where
/// there is no such file.
fn machine_cpu() -> Option<(f64, f64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let ticks: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal …
    let busy: u64 = [0, 1, 2, 5, 6].iter().filter_map(|&i| ticks.get(i)).sum();
    let steal = ticks.get(7).copied().unwrap_or(0);
    // The kernel counts in USER_HZ, 100 per second on Linux.
    Some((busy as f64 / 100.0, steal as f64 / 100.0))
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// Reads the SQLite database and its write-ahead log once, so that the timed part finds them
/// in the operating system's page cache, as on a server that has been running with enough
/// memory. (Virtual machines may hand file pages left untouched for a while back to the
/// host; the first requests after a pause then read from disk.) Returns the bytes read.
fn read_into_page_cache(data_dir: &std::path::Path) -> anyhow::Result<u64> {
    use std::io::Read;
    let mut total = 0;
    let mut buffer = vec![0u8; 1 << 20];
    let log = format!("{}-wal", context::DB_FILE);
    for name in [context::DB_FILE, log.as_str()] {
        let Ok(mut file) = std::fs::File::open(data_dir.join(name)) else {
            continue;
        };
        loop {
            let n = file.read(&mut buffer)?;
            if n == 0 {
                break;
            }
            total += n as u64;
        }
    }
    Ok(total)
}
