//! The demo data set: organisations of each type, an account for every role (two case
//! workers and a supervisor in each organisation that handles cases), with generated
//! passwords written to DATA_DIR/demo-accounts.txt (owner-only), and synthetic cases
//! (`cases`).

#[path = "demo_cases.rs"]
pub mod cases;

use crate::cli::DataArgs;
use std::collections::BTreeMap;
use std::io::Write;
use uuid::Uuid;
use yoldash_domain::{Email, OrgCode, OrganisationType, PersonName, Role};
use yoldash_store::organisations::NewOrganisation;
use yoldash_store::users::NewUser;
use yoldash_store::{Store, StoreError, Unit};

pub const ACCOUNTS_FILE: &str = "demo-accounts.txt";

/// The organisations that handle the synthetic cases, with the share (percent) of the
/// cases each gets: the public association, the shelter and the migration service.
pub const CASE_ORGS: [(&str, u32); 3] = [
    ("DEMO-NGO-LEBAP", 45),
    ("DEMO-SHELTER", 30),
    ("DEMO-MIGRATION", 25),
];

struct DemoOrg {
    code: &'static str,
    org_type: OrganisationType,
    region: &'static str,
    names: [&'static str; 3],
}

const ORGS: [DemoOrg; 5] = [
    DemoOrg {
        code: "DEMO-SECRETARIAT",
        org_type: OrganisationType::GovernmentAgency,
        region: "TM-S",
        names: [
            "Secretariat of the Interdepartmental Working Group (demo)",
            "Секретариат межведомственной рабочей группы (демо)",
            "Pudaklararası iş toparynyň sekretariaty (demo)",
        ],
    },
    DemoOrg {
        code: "DEMO-MIGRATION",
        org_type: OrganisationType::GovernmentAgency,
        region: "TM-S",
        names: [
            "State Migration Service (demo)",
            "Государственная миграционная служба (демо)",
            "Döwlet migrasiýa gullugy (demo)",
        ],
    },
    DemoOrg {
        code: "DEMO-NGO-LEBAP",
        org_type: OrganisationType::PublicAssociation,
        region: "TM-L",
        names: [
            "Public association “Ýoldaş” Lebap (demo)",
            "Общественное объединение «Ёлдаш» Лебап (демо)",
            "«Ýoldaş» jemgyýetçilik birleşigi Lebap (demo)",
        ],
    },
    DemoOrg {
        code: "DEMO-SHELTER",
        org_type: OrganisationType::ServiceProvider,
        region: "TM-M",
        names: [
            "Mary shelter and counselling centre (demo)",
            "Приют и консультационный центр Мары (демо)",
            "Mary gaçybatalgasy we maslahat merkezi (demo)",
        ],
    },
    DemoOrg {
        code: "DEMO-INTL",
        org_type: OrganisationType::InternationalOrganisation,
        region: "TM-S",
        names: [
            "International partner organisation (demo)",
            "Международная организация-партнёр (демо)",
            "Halkara hyzmatdaş gurama (demo)",
        ],
    },
];

/// The region of a demo organisation (Ashgabat when unknown).
pub fn region_of(code: &str) -> &'static str {
    ORGS.iter()
        .find(|o| o.code == code)
        .map_or("TM-S", |o| o.region)
}

/// (role, organisation code, e-mail, display name, language)
const ACCOUNTS: [(Role, &str, &str, &str, &str); 16] = [
    (
        Role::Admin,
        "DEMO-SECRETARIAT",
        "admin@demo.yoldash",
        "Aýna Admin",
        "en",
    ),
    (
        Role::OrgAdmin,
        "DEMO-NGO-LEBAP",
        "orgadmin@demo.yoldash",
        "Merdan Orazow",
        "tk",
    ),
    (
        Role::Secretariat,
        "DEMO-SECRETARIAT",
        "secretariat@demo.yoldash",
        "Gülnara Annaýewa",
        "ru",
    ),
    (
        Role::Supervisor,
        "DEMO-NGO-LEBAP",
        "supervisor@demo.yoldash",
        "Jeren Ataýewa",
        "tk",
    ),
    (
        Role::CaseWorker,
        "DEMO-NGO-LEBAP",
        "caseworker@demo.yoldash",
        "Maýsa Berdiýewa",
        "tk",
    ),
    (
        Role::ServiceProvider,
        "DEMO-SHELTER",
        "provider@demo.yoldash",
        "Oguljeren Hojaýewa",
        "ru",
    ),
    (
        Role::HotlineOperator,
        "DEMO-NGO-LEBAP",
        "hotline@demo.yoldash",
        "Aziz Nurmuhammedow",
        "tk",
    ),
    (
        Role::MeOfficer,
        "DEMO-MIGRATION",
        "me@demo.yoldash",
        "Serdar Rejepow",
        "ru",
    ),
    (
        Role::Viewer,
        "DEMO-INTL",
        "viewer@demo.yoldash",
        "Viewer Demo",
        "en",
    ),
    (
        Role::CaseWorker,
        "DEMO-NGO-LEBAP",
        "caseworker2@demo.yoldash",
        "Bägül Saparowa",
        "tk",
    ),
    (
        Role::Supervisor,
        "DEMO-SHELTER",
        "shelter.supervisor@demo.yoldash",
        "Ogulgerek Durdyýewa",
        "ru",
    ),
    (
        Role::CaseWorker,
        "DEMO-SHELTER",
        "shelter.caseworker@demo.yoldash",
        "Läle Amanowa",
        "tk",
    ),
    (
        Role::CaseWorker,
        "DEMO-SHELTER",
        "shelter.caseworker2@demo.yoldash",
        "Наталья Ким",
        "ru",
    ),
    (
        Role::Supervisor,
        "DEMO-MIGRATION",
        "migration.supervisor@demo.yoldash",
        "Döwlet Gurbanow",
        "ru",
    ),
    (
        Role::CaseWorker,
        "DEMO-MIGRATION",
        "migration.caseworker@demo.yoldash",
        "Aýgül Meredowa",
        "tk",
    ),
    (
        Role::CaseWorker,
        "DEMO-MIGRATION",
        "migration.caseworker2@demo.yoldash",
        "Rustam Sadykov",
        "en",
    ),
];

/// Loads the demo organisations and accounts if the database has no users yet. Returns
/// whether it did. On a database that already holds the demo organisations (an earlier
/// demo), the demo accounts missing from it are added and appended to the accounts file.
pub async fn load(store: &Store, data: &DataArgs) -> anyhow::Result<bool> {
    let path = data.data_dir.join(ACCOUNTS_FILE);
    if store.count_users().await? > 0 {
        add_missing_accounts(store, &path).await?;
        return Ok(false);
    }
    let mut unit = store.unit().await?;
    let mut org_ids = BTreeMap::new();
    for o in &ORGS {
        let names = ["en", "ru", "tk"]
            .iter()
            .zip(o.names)
            .map(|(l, n)| (l.to_string(), n.to_string()))
            .collect();
        let org = store
            .create_organisation(
                &mut unit,
                None,
                &NewOrganisation {
                    code: OrgCode::parse(o.code)?,
                    org_type: o.org_type,
                    names,
                    region_code: Some(o.region.to_string()),
                },
            )
            .await?;
        org_ids.insert(o.code, org.id);
    }
    let mut lines = vec![
        "# Yoldash demo accounts. Demo data only: never use these on a real deployment."
            .to_string(),
        "# role\te-mail\tpassword".to_string(),
    ];
    for account in ACCOUNTS {
        lines.push(create_account(store, &mut unit, &org_ids, account).await?);
    }
    write_accounts(&path, &lines, false)?;
    unit.commit().await?;
    Ok(true)
}

/// Creates one demo account with a generated password; returns its line for the file.
async fn create_account(
    store: &Store,
    unit: &mut Unit<'_>,
    org_ids: &BTreeMap<&str, Uuid>,
    (role, org, email, name, lang): (Role, &str, &str, &str, &str),
) -> anyhow::Result<String> {
    let password = yoldash_store::passwords::one_time_password();
    store
        .create_user(
            unit,
            None,
            &NewUser {
                org_id: org_ids[org],
                email: Email::parse(email)?,
                display_name: PersonName::parse(name)?,
                roles: vec![role],
                language: lang.to_string(),
                password_hash: yoldash_store::passwords::hash(&password).await?,
                must_change_password: false,
            },
        )
        .await?;
    Ok(format!("{}\t{email}\t{password}", role.as_str()))
}

/// A data directory made by an earlier demo (every demo organisation present) gets the
/// demo accounts it lacks; any other database is left alone.
async fn add_missing_accounts(store: &Store, path: &std::path::Path) -> anyhow::Result<()> {
    let mut org_ids = BTreeMap::new();
    for o in &ORGS {
        match store.organisation_by_code(o.code).await {
            Ok(org) => {
                org_ids.insert(o.code, org.id);
            }
            Err(StoreError::NotFound) => return Ok(()),
            Err(e) => return Err(e.into()),
        }
    }
    let mut missing = Vec::new();
    for account in ACCOUNTS {
        match store.user_by_email(account.2).await {
            Ok(_) => {}
            Err(StoreError::NotFound) => missing.push(account),
            Err(e) => return Err(e.into()),
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    let mut unit = store.unit().await?;
    let mut lines = Vec::new();
    for account in missing {
        lines.push(create_account(store, &mut unit, &org_ids, account).await?);
    }
    write_accounts(path, &lines, true)?;
    unit.commit().await?;
    Ok(())
}

/// Writes (or appends to) the accounts file, owner-only.
fn write_accounts(path: &std::path::Path, lines: &[String], append: bool) -> anyhow::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    if append {
        opts.append(true).create(true);
    } else {
        opts.write(true).create(true).truncate(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all((lines.join("\n") + "\n").as_bytes())?;
    f.sync_all()?;
    Ok(())
}
