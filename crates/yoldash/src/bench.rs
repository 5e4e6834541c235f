//! `yoldash bench`: fills a deployment of its own with synthetic data, starts the
//! application in-process and times pages over loopback.
//!
//! The data is made up (no real person is in it) and reproducible: a fixed seed. It goes
//! into a temporary data directory unless `--data-dir` is given, and never into a database
//! that already holds accounts, so a benchmark cannot pour synthetic entries into a real
//! deployment's audit log.

use crate::cli::{BenchCommand, DataArgs};
use crate::context;
// The demo data's reproducible generator (synthetic data only, never secrets).
use crate::demo::cases::Rng as Seeded;
use anyhow::{Context as _, bail};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use uuid::Uuid;
use yoldash_domain::{Email, OrgCode, OrganisationType, PersonName, Role};
use yoldash_store::Store;
use yoldash_store::audit::{Action, AuditEntry};
use yoldash_store::audit_search::{DatedEntry, append_many};
use yoldash_store::organisations::NewOrganisation;
use yoldash_store::time::now_micros;
use yoldash_store::users::{NewUser, User};
use yoldash_web::{Application, WebConfig};

const SECOND: i64 = 1_000_000;
const MINUTE: i64 = 60 * SECOND;
const DAY: i64 = 24 * 60 * MINUTE;
/// How far back the synthetic entries reach.
const SPAN_DAYS: i64 = 90;
/// Entries appended per transaction.
const BATCH: usize = 5_000;
/// Requests before timing starts (connection set-up, caches).
const WARM_UP: usize = 3;
/// Timed requests of the CSV export (each one reads up to 100,000 entries).
const EXPORT_REQUESTS: usize = 5;

pub async fn run(cmd: &BenchCommand) -> anyhow::Result<()> {
    match cmd {
        BenchCommand::AuditPage {
            data,
            entries,
            requests,
        } => audit_page(data, *entries, *requests).await,
        BenchCommand::Cases {
            data,
            cases,
            clients,
            requests,
            warmup,
        } => crate::bench_cases::run(data, *cases, *clients, *requests, *warmup).await,
    }
}

/// Whether `--data-dir` (or `YOLDASH_DATA_DIR`) was given rather than left at its default.
fn data_dir_given() -> bool {
    use clap::CommandFactory;
    use clap::parser::ValueSource;
    let matches = crate::cli::Cli::command().get_matches();
    matches
        .subcommand_matches("bench")
        .and_then(|m| m.subcommand_matches("audit-page"))
        .and_then(|m| m.value_source("data_dir"))
        .is_some_and(|s| s != ValueSource::DefaultValue)
}

/// A data directory made for this run, removed when the run ends.
pub(crate) struct TempDataDir(pub(crate) PathBuf);

impl Drop for TempDataDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One planned entry, before request ids are attached.
struct Planned {
    at: i64,
    user: Option<usize>,
    action: Action,
    object_type: Option<&'static str>,
    object_id: Option<String>,
    detail: Option<String>,
}

/// What an entry records: action, object type, object id, detail.
type What = (Action, Option<&'static str>, Option<String>, Option<String>);

fn planned(at: i64, what: What, user: Option<usize>) -> Planned {
    Planned {
        at,
        user,
        action: what.0,
        object_type: what.1,
        object_id: what.2,
        detail: what.3,
    }
}

/// Working sessions of the synthetic users: a sign-in, a run of reads, lists and changes a
/// few seconds to two minutes apart, a sign-out; now and then failed sign-ins, exports,
/// consent overrides, password resets, and bulk reading (bursts for the alerts page).
fn plan(users: &[User], admins: &[usize], entries: usize, rng: &mut Seeded) -> Vec<Planned> {
    let end = now_micros() - MINUTE;
    let start = end - SPAN_DAYS * DAY;
    let cases: Vec<String> = (0..2_000).map(|_| Uuid::now_v7().to_string()).collect();
    let mut out: Vec<Planned> = Vec::with_capacity(entries + 200);
    while out.len() < entries {
        let u = rng.range(0, users.len() as i64) as usize;
        let mut at = rng.range(start, end - 6 * 60 * MINUTE);
        if rng.one_in(40) {
            for _ in 0..rng.range(1, 4) {
                let target = Some(users[u].id.to_string());
                out.push(planned(
                    at,
                    (Action::LoginFailed, Some("user"), target, None),
                    None,
                ));
                at += rng.range(2 * SECOND, 20 * SECOND);
            }
        }
        if rng.one_in(400) {
            out.push(planned(
                at,
                (Action::LoginThrottled, None, None, None),
                None,
            ));
            at += rng.range(60 * SECOND, 300 * SECOND);
        }
        out.push(planned(at, (Action::Login, None, None, None), Some(u)));
        let bulk = rng.one_in(150);
        let steps = if bulk {
            rng.range(55, 90)
        } else {
            rng.range(3, 40)
        };
        for _ in 0..steps {
            at += if bulk {
                rng.range(2 * SECOND, 7 * SECOND)
            } else {
                rng.range(5 * SECOND, 120 * SECOND)
            };
            let case = cases[rng.range(0, cases.len() as i64) as usize].clone();
            let roll = rng.range(0, 1_000);
            let p: What = if bulk || roll < 450 {
                (Action::Read, Some("case"), Some(case), None)
            } else if roll < 700 {
                (
                    Action::List,
                    Some("case"),
                    None,
                    Some(format!("rows={}", rng.range(1, 51))),
                )
            } else if roll < 850 {
                (
                    Action::Update,
                    Some("case"),
                    Some(case),
                    Some(format!("version={}", rng.range(2, 30))),
                )
            } else if roll < 930 {
                (Action::Create, Some("case"), Some(case), None)
            } else if roll < 960 {
                (Action::Read, Some("person"), Some(case), None)
            } else if roll < 975 {
                (
                    Action::Update,
                    Some("referral"),
                    Some(case),
                    Some("status=accepted".into()),
                )
            } else if roll < 985 {
                (
                    Action::ConsentOverride,
                    Some("referral"),
                    Some(case),
                    Some("reason=danger_to_life".into()),
                )
            } else if roll < 995 {
                (
                    Action::Export,
                    Some("case_list"),
                    None,
                    Some(format!("rows={}; filters=region", rng.range(1, 400))),
                )
            } else {
                (Action::Delete, Some("case_note"), Some(case), None)
            };
            out.push(planned(at, p, Some(u)));
        }
        if rng.one_in(120) {
            let admin = admins[rng.range(0, admins.len() as i64) as usize];
            let target = users[rng.range(0, users.len() as i64) as usize]
                .id
                .to_string();
            out.push(planned(
                at + MINUTE,
                (Action::PasswordReset, Some("user"), Some(target), None),
                Some(admin),
            ));
        }
        out.push(planned(
            at + rng.range(SECOND, 10 * MINUTE),
            (Action::Logout, None, None, None),
            Some(u),
        ));
    }
    out.truncate(entries);
    out.sort_by_key(|p| p.at);
    out
}

async fn create_people(
    store: &Store,
    password_hash: &str,
) -> anyhow::Result<(Vec<User>, Vec<usize>)> {
    let orgs = [
        (
            "BENCH-MOI",
            "Ministry of Internal Affairs",
            "Министерство внутренних дел",
            "Içeri işler ministrligi",
        ),
        (
            "BENCH-MLSP",
            "Ministry of Labour and Social Protection",
            "Министерство труда и социальной защиты",
            "Zähmet we ilaty durmuş taýdan goramak ministrligi",
        ),
        (
            "BENCH-NGO-AG",
            "Shelter association, Aşgabat",
            "Общественное объединение «Приют», Ашхабад",
            "«Gaçybatalga» jemgyýetçilik birleşigi, Aşgabat",
        ),
        (
            "BENCH-NGO-LB",
            "Counselling centre, Türkmenabat",
            "Консультационный центр, Туркменабат",
            "Maslahat merkezi, Türkmenabat",
        ),
        (
            "BENCH-IOM",
            "International organisation office",
            "Офис международной организации",
            "Halkara guramanyň edarasy",
        ),
        (
            "BENCH-HOTLINE",
            "Hotline service",
            "Служба телефона доверия",
            "Ynam telefony gullugy",
        ),
    ];
    let roles = [
        Role::CaseWorker,
        Role::CaseWorker,
        Role::Supervisor,
        Role::HotlineOperator,
        Role::ServiceProvider,
        Role::MeOfficer,
        Role::OrgAdmin,
    ];
    let mut users = Vec::new();
    let mut admins = Vec::new();
    let mut unit = store.unit().await?;
    for (i, (code, en, ru, tk)) in orgs.iter().enumerate() {
        let org = store
            .create_organisation(
                &mut unit,
                None,
                &NewOrganisation {
                    code: OrgCode::parse(code).map_err(|e| anyhow::anyhow!("{}", e.key))?,
                    org_type: if i < 2 {
                        OrganisationType::GovernmentAgency
                    } else {
                        OrganisationType::PublicAssociation
                    },
                    names: [
                        ("en".to_string(), en.to_string()),
                        ("ru".to_string(), ru.to_string()),
                        ("tk".to_string(), tk.to_string()),
                    ]
                    .into(),
                    region_code: None,
                },
            )
            .await?;
        for (j, role) in roles.iter().enumerate() {
            let n = users.len() + 1;
            let user_roles = if i == 0 && j == 0 {
                vec![Role::Admin]
            } else {
                vec![*role]
            };
            if user_roles.contains(&Role::Admin) {
                admins.push(users.len());
            }
            users.push(
                store
                    .create_user(
                        &mut unit,
                        None,
                        &NewUser {
                            org_id: org.id,
                            email: Email::parse(&format!("bench-user-{n:02}@bench.yoldash"))
                                .map_err(|e| anyhow::anyhow!("{}", e.key))?,
                            display_name: PersonName::parse(&format!("Bench User {n:02}"))
                                .map_err(|e| anyhow::anyhow!("{}", e.key))?,
                            roles: user_roles,
                            language: "en".into(),
                            password_hash: password_hash.to_string(),
                            must_change_password: false,
                        },
                    )
                    .await?,
            );
        }
    }
    unit.commit().await?;
    Ok((users, admins))
}

async fn fill(
    store: &Store,
    users: &[User],
    admins: &[usize],
    entries: usize,
) -> anyhow::Result<()> {
    let mut rng = Seeded::new(0x5945_4C44_4153_4821);
    let planned = plan(users, admins, entries, &mut rng);
    let request_ids: Vec<String> = (0..planned.len())
        .map(|_| Uuid::now_v7().to_string())
        .collect();
    for (chunk, ids) in planned.chunks(BATCH).zip(request_ids.chunks(BATCH)) {
        let batch: Vec<DatedEntry> = chunk
            .iter()
            .zip(ids)
            .map(|(p, id)| {
                let mut e = AuditEntry::by(p.user.map(|u| users[u].actor()).as_ref(), p.action)
                    .request(Some(id.as_str()));
                e.object_type = p.object_type;
                e.object_id = p.object_id.clone();
                e.detail = p.detail.clone();
                DatedEntry { at: p.at, entry: e }
            })
            .collect();
        append_many(store, &batch).await?;
    }
    Ok(())
}

/// Timings of one page.
pub(crate) struct Timing {
    pub(crate) name: &'static str,
    pub(crate) path: String,
    pub(crate) times: Vec<Duration>,
    pub(crate) bytes: usize,
}

impl Timing {
    pub(crate) fn percentile(&self, p: f64) -> f64 {
        let mut v: Vec<f64> = self
            .times
            .iter()
            .map(|d| d.as_secs_f64() * 1000.0)
            .collect();
        v.sort_by(f64::total_cmp);
        if v.is_empty() {
            return 0.0;
        }
        let rank = ((p * v.len() as f64).ceil() as usize).clamp(1, v.len());
        v[rank - 1]
    }
}

/// A random password for the accounts of one benchmark run (never shown, never stored).
pub(crate) fn one_time_password() -> String {
    use base64::Engine;
    let mut secret = [0u8; 18];
    rand::fill(&mut secret);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret)
}

/// Signs in through the sign-in page (CSRF cookie and token) and returns the client.
pub(crate) async fn sign_in(
    base: &str,
    email: &str,
    password: &str,
) -> anyhow::Result<reqwest::Client> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()?;
    let login = client
        .get(format!("{base}/login"))
        .send()
        .await?
        .text()
        .await?;
    let csrf = hidden_csrf(&login).context("no CSRF token on the sign-in page")?;
    let res = client
        .post(format!("{base}/login"))
        .form(&[("email", email), ("password", password), ("csrf", &csrf)])
        .send()
        .await?;
    if res.status().as_u16() != 303 {
        bail!("signing in answered {}", res.status());
    }
    Ok(client)
}

/// The first `name="csrf"` hidden input's value.
pub(crate) fn hidden_csrf(html: &str) -> Option<String> {
    let marker = "name=\"csrf\" value=\"";
    let at = html.find(marker)? + marker.len();
    let rest = &html[at..];
    Some(rest[..rest.find('"')?].to_string())
}

async fn time_page(
    client: &reqwest::Client,
    base: &str,
    name: &'static str,
    path: String,
    count: usize,
) -> anyhow::Result<Timing> {
    let mut times = Vec::with_capacity(count);
    let mut bytes = 0;
    for i in 0..WARM_UP + count {
        let started = Instant::now();
        let res = client.get(format!("{base}{path}")).send().await?;
        let status = res.status();
        let body = res.bytes().await?;
        let took = started.elapsed();
        if !status.is_success() {
            bail!("{path} answered {status}");
        }
        if i >= WARM_UP {
            times.push(took);
            bytes = body.len();
        }
    }
    Ok(Timing {
        name,
        path,
        times,
        bytes,
    })
}

async fn audit_page(data: &DataArgs, entries: usize, requests: usize) -> anyhow::Result<()> {
    if entries == 0 || requests == 0 {
        bail!("--entries and --requests must be at least 1");
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
    if store.count_users().await? > 0 {
        bail!(
            "the database already holds accounts: the benchmark only runs on an empty database \
             (it adds {entries} synthetic audit entries)"
        );
    }
    let backend = store.backend().as_str();
    println!(
        "Benchmark of the audit log pages on {backend}; data directory {}",
        data.data_dir.display()
    );

    let password = one_time_password();
    let hash = yoldash_store::passwords::hash(&password).await?;
    let (users, admins) = create_people(&store, &hash).await?;
    let admin_email = users[admins[0]].email.clone();

    let started = Instant::now();
    fill(&store, &users, &admins, entries).await?;
    let total: i64 = newest_seq(&store).await?;
    println!(
        "filled {entries} synthetic entries in {:.1} s ({total} entries in the log)",
        started.elapsed().as_secs_f64()
    );

    let app = Application::build(WebConfig::local("127.0.0.1:0".parse()?), store.clone()).await?;
    let base = format!("http://127.0.0.1:{}", app.port());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));

    let client = sign_in(&base, &admin_email, &password).await?;

    // A page deep in the log: below 90 % of the entries.
    let deep = total - (entries as i64 * 9 / 10);
    let reader = &users[1].email;
    let pages: Vec<(&'static str, String, usize)> = vec![
        ("home dashboard", "/".into(), requests),
        ("users list", "/admin/users".into(), requests),
        ("log, first page", "/admin/audit".into(), requests),
        (
            "log, action=read",
            "/admin/audit?action=read".into(),
            requests,
        ),
        (
            "log, filtered by user",
            format!("/admin/audit?user={}", reader.replace('@', "%40")),
            requests,
        ),
        (
            "log, deep page (before=)",
            format!("/admin/audit?before={deep}"),
            requests,
        ),
        ("unusual events", "/admin/audit/alerts".into(), requests),
        (
            "CSV export (all)",
            "/admin/audit/export.csv".into(),
            EXPORT_REQUESTS.min(requests),
        ),
    ];
    let mut timings = Vec::new();
    for (name, path, count) in pages {
        timings.push(time_page(&client, &base, name, path, count).await?);
    }
    let _ = stop.send(());
    let _ = server.await;

    println!();
    println!("| page | path | requests | median ms | p95 ms | bytes |");
    println!("|---|---|---|---|---|---|");
    for t in &timings {
        println!(
            "| {} | `{}` | {} | {:.1} | {:.1} | {} |",
            t.name,
            t.path,
            t.times.len(),
            t.percentile(0.5),
            t.percentile(0.95),
            t.bytes
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

async fn newest_seq(store: &Store) -> anyhow::Result<i64> {
    Ok(
        yoldash_store::audit_search::search(store, &Default::default(), None, 1)
            .await?
            .first()
            .map_or(0, |r| r.seq),
    )
}
