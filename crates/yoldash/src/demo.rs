//! The demo data set: organisations of each type and one account per role, with generated
//! passwords written to DATA_DIR/demo-accounts.txt (owner-only).

use crate::cli::DataArgs;
use std::collections::BTreeMap;
use std::io::Write;
use yoldash_domain::{Email, OrgCode, OrganisationType, PersonName, Role};
use yoldash_store::Store;
use yoldash_store::organisations::NewOrganisation;
use yoldash_store::users::NewUser;

pub const ACCOUNTS_FILE: &str = "demo-accounts.txt";

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

/// (role, organisation code, e-mail, display name, language)
const ACCOUNTS: [(Role, &str, &str, &str, &str); 9] = [
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
];

/// Loads the demo organisations and accounts if the database has no users yet. Returns
/// whether it did.
pub async fn load(store: &Store, data: &DataArgs) -> anyhow::Result<bool> {
    if store.count_users().await? > 0 {
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
    for (role, org, email, name, lang) in ACCOUNTS {
        let password = yoldash_store::passwords::one_time_password();
        store
            .create_user(
                &mut unit,
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
        lines.push(format!("{}\t{email}\t{password}", role.as_str()));
    }
    let path = data.data_dir.join(ACCOUNTS_FILE);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&path)?;
    f.write_all((lines.join("\n") + "\n").as_bytes())?;
    f.sync_all()?;
    unit.commit().await?;
    Ok(true)
}
