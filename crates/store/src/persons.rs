//! People in cases: non-identifying facts in plain columns, identity (names, contacts,
//! documents, address, narrative) in one encrypted blob, and keyed digests for exact search.

use crate::history::FieldChange;
use crate::organisations::parse_id;
use crate::time::now_micros;
use crate::{Store, StoreError, Tx};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use uuid::Uuid;
use yoldash_domain::person::{
    Birth, Disability, DocumentKind, Education, GenderIdentity, MaritalStatus, Sex,
};
use yoldash_domain::{Invalid, Version};

/// An identity document. The number is searchable through the blind index.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Document {
    pub kind: String,
    pub number: String,
    /// ISO 3166 alpha-2 of the issuing country.
    #[serde(default)]
    pub issuing_country: String,
}

/// What identifies a person. Stored only encrypted, never listed, logged or audited.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Identity {
    #[serde(default)]
    pub family_name: String,
    #[serde(default)]
    pub given_name: String,
    #[serde(default)]
    pub patronymic: String,
    /// Other names and spellings the person is known by.
    #[serde(default)]
    pub other_names: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub documents: Vec<Document>,
    /// Free-text account (how the person came to the organisation, in their words).
    #[serde(default)]
    pub narrative: String,
}

impl Identity {
    /// The full name as shown on the case page.
    pub fn full_name(&self) -> String {
        [&self.family_name, &self.given_name, &self.patronymic]
            .into_iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Every name token (names, patronymic, other names), for the blind index.
    pub(crate) fn name_tokens(&self) -> Vec<String> {
        [
            &self.family_name,
            &self.given_name,
            &self.patronymic,
            &self.other_names,
        ]
        .into_iter()
        .flat_map(|s| name_tokens(s))
        .collect()
    }
}

/// Splits a name into the tokens the index holds (words of two or more letters).
pub fn name_tokens(s: &str) -> Vec<String> {
    s.split(|c: char| c.is_whitespace() || c == ',' || c == ';' || c == '-')
        .map(str::trim)
        .filter(|t| t.chars().filter(|c| c.is_alphabetic()).count() >= 2)
        .map(str::to_string)
        .collect()
}

/// What is recorded about a person without identifying them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PersonFacts {
    pub sex: Sex,
    pub gender_identity: Option<GenderIdentity>,
    pub birth: Option<Birth>,
    /// ISO 3166 alpha-2 codes.
    pub citizenships: Vec<String>,
    pub origin_region_id: Option<Uuid>,
    pub disability: Option<Disability>,
    /// ISO 639 codes.
    pub languages: Vec<String>,
    pub education: Option<Education>,
    pub marital_status: Option<MaritalStatus>,
}

impl Default for PersonFacts {
    fn default() -> Self {
        Self {
            sex: Sex::OtherUnknown,
            gender_identity: None,
            birth: None,
            citizenships: Vec::new(),
            origin_region_id: None,
            disability: None,
            languages: Vec::new(),
            education: None,
            marital_status: None,
        }
    }
}

/// A person's record as it is edited: facts and identity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PersonRecord {
    pub facts: PersonFacts,
    pub identity: Identity,
}

impl PersonRecord {
    /// Checks what every saved person needs: codes from the catalogues and known document kinds.
    pub fn check(&self) -> Result<(), Invalid> {
        use yoldash_domain::catalogue::Catalogue;
        let countries = Catalogue::countries();
        countries.parse_codes(
            self.facts.citizenships.iter().map(String::as_str),
            "citizenships",
        )?;
        Catalogue::languages()
            .parse_codes(self.facts.languages.iter().map(String::as_str), "languages")?;
        for d in &self.identity.documents {
            DocumentKind::parse(&d.kind)?;
            if d.number.trim().is_empty() {
                return Err(Invalid::new("document_number", "required"));
            }
            if !d.issuing_country.is_empty() && !countries.contains(&d.issuing_country) {
                return Err(Invalid::new("document_country", "invalid-choice"));
            }
        }
        Ok(())
    }

    /// The fields as the history shows them (field name → value, codes not labels).
    pub fn fields(&self) -> Vec<(&'static str, String)> {
        let f = &self.facts;
        let i = &self.identity;
        let opt = |o: Option<&str>| o.unwrap_or_default().to_string();
        vec![
            ("sex", f.sex.as_str().to_string()),
            (
                "gender_identity",
                opt(f.gender_identity.map(|g| g.as_str())),
            ),
            ("birth", birth_text(f.birth.as_ref())),
            ("citizenships", f.citizenships.join(", ")),
            (
                "origin_region",
                f.origin_region_id
                    .map(|r| r.to_string())
                    .unwrap_or_default(),
            ),
            ("disability", opt(f.disability.map(|d| d.code()))),
            ("languages", f.languages.join(", ")),
            ("education", opt(f.education.map(|d| d.code()))),
            ("marital_status", opt(f.marital_status.map(|d| d.code()))),
            ("family_name", i.family_name.clone()),
            ("given_name", i.given_name.clone()),
            ("patronymic", i.patronymic.clone()),
            ("other_names", i.other_names.clone()),
            ("phone", i.phone.clone()),
            ("email", i.email.clone()),
            ("address", i.address.clone()),
            (
                "documents",
                i.documents
                    .iter()
                    .map(|d| format!("{} {} {}", d.kind, d.number, d.issuing_country))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            ("narrative", i.narrative.clone()),
        ]
    }
}

/// How a birth is written in the history: the date, or "~age (as of date)".
pub fn birth_text(b: Option<&Birth>) -> String {
    match b {
        None => String::new(),
        Some(Birth::Date { date }) => date.to_string(),
        Some(Birth::Estimated { age_years, as_of }) => format!("~{age_years} ({as_of})"),
    }
}

/// The date of birth the case list filters on: the date, or the estimate's implied date.
pub fn effective_birth_date(b: Option<&Birth>) -> Option<NaiveDate> {
    match b? {
        Birth::Date { date } => Some(*date),
        Birth::Estimated { age_years, as_of } => {
            as_of.checked_sub_months(chrono::Months::new(age_years * 12))
        }
    }
}

/// A stored person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Person {
    pub id: Uuid,
    /// The pseudonymous code: what lists, logs and exports show.
    pub code: String,
    pub record: PersonRecord,
    pub version: Version,
}

pub(crate) const PERSON_COLUMNS: &str = "id, code, sex, gender_identity, birth_date, estimated_age, estimated_on, citizenships, origin_region_id, disability, languages, education, marital_status, identity, version";

/// `PERSON_COLUMNS` of the table aliased `p`, each named `{prefix}{column}`: for reading a
/// person in the same row as something else.
pub(crate) fn person_columns_as(prefix: &str) -> String {
    PERSON_COLUMNS
        .split(", ")
        .map(|c| format!("p.{c} AS {prefix}{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn split_codes(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect()
}

fn parse_day(s: Option<String>) -> Option<NaiveDate> {
    s.and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
}

impl Store {
    pub(crate) fn seal_json<T: Serialize>(
        &self,
        table: &str,
        column: &str,
        id: &str,
        value: &T,
    ) -> Vec<u8> {
        let json = serde_json::to_vec(value).unwrap_or_default();
        self.seal_field(table, column, id, &json)
    }

    pub(crate) fn open_json<T: serde::de::DeserializeOwned + Default>(
        &self,
        table: &str,
        column: &str,
        id: &str,
        blob: Option<Vec<u8>>,
    ) -> Result<T, StoreError> {
        match blob {
            None => Ok(T::default()),
            Some(b) => {
                let plain = self.open_field(table, column, id, &b)?;
                serde_json::from_slice(&plain).map_err(|e| StoreError::DataFile(e.to_string()))
            }
        }
    }

    pub(crate) fn person_from_row(&self, r: &sqlx::any::AnyRow) -> Result<Person, StoreError> {
        self.person_from_columns(r, "")
    }

    /// A person from the columns of `PERSON_COLUMNS` named with `prefix` (see `person_columns_as`).
    pub(crate) fn person_from_columns(
        &self,
        r: &sqlx::any::AnyRow,
        prefix: &str,
    ) -> Result<Person, StoreError> {
        let c = |name: &str| format!("{prefix}{name}");
        let id: String = r.try_get(c("id").as_str())?;
        let birth = match (
            parse_day(r.try_get(c("birth_date").as_str())?),
            r.try_get::<Option<i64>, _>(c("estimated_age").as_str())?,
            parse_day(r.try_get(c("estimated_on").as_str())?),
        ) {
            (Some(date), _, _) => Some(Birth::Date { date }),
            (None, Some(age), Some(as_of)) => Some(Birth::Estimated {
                age_years: u32::try_from(age).unwrap_or(0),
                as_of,
            }),
            _ => None,
        };
        let sex: String = r.try_get(c("sex").as_str())?;
        let code_of =
            |col: &str| -> Result<Option<String>, StoreError> { Ok(r.try_get(c(col).as_str())?) };
        let facts = PersonFacts {
            sex: Sex::parse(&sex).unwrap_or(Sex::OtherUnknown),
            gender_identity: code_of("gender_identity")?
                .and_then(|g| GenderIdentity::parse(&g).ok()),
            birth,
            citizenships: split_codes(&r.try_get::<String, _>(c("citizenships").as_str())?),
            origin_region_id: code_of("origin_region_id")?
                .as_deref()
                .map(parse_id)
                .transpose()?,
            disability: code_of("disability")?.and_then(|c| Disability::parse(&c).ok()),
            languages: split_codes(&r.try_get::<String, _>(c("languages").as_str())?),
            education: code_of("education")?.and_then(|c| Education::parse(&c).ok()),
            marital_status: code_of("marital_status")?.and_then(|c| MaritalStatus::parse(&c).ok()),
        };
        let identity: Identity = self.open_json(
            "persons",
            "identity",
            &id,
            r.try_get(c("identity").as_str())?,
        )?;
        Ok(Person {
            id: parse_id(&id)?,
            code: r.try_get(c("code").as_str())?,
            record: PersonRecord { facts, identity },
            version: Version(r.try_get(c("version").as_str())?),
        })
    }

    pub(crate) async fn person_in(&self, tx: &mut Tx, id: Uuid) -> Result<Person, StoreError> {
        let sql = format!("SELECT {PERSON_COLUMNS} FROM persons WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.to_string())
            .fetch_one(&mut **tx)
            .await?;
        self.person_from_row(&row)
    }

    /// Inserts a person of `org_id` with a fresh pseudonymous code.
    pub(crate) async fn insert_person(
        &self,
        tx: &mut Tx,
        org_id: Uuid,
        record: &PersonRecord,
    ) -> Result<Person, StoreError> {
        record.check()?;
        let id = Uuid::now_v7();
        let code = fresh_code(tx, "persons", "P").await?;
        let now = now_micros();
        sqlx::query(
            "INSERT INTO persons (id, org_id, code, sex, gender_identity, birth_date, estimated_age, estimated_on, citizenships, origin_region_id, disability, languages, education, marital_status, identity, version, created_at, updated_at) \
             VALUES ($1, $2, $3, '', NULL, NULL, NULL, NULL, '', NULL, NULL, '', NULL, NULL, NULL, 0, $4, $4)",
        )
        .bind(id.to_string())
        .bind(org_id.to_string())
        .bind(&code)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        self.write_person(tx, id, record, Version(0)).await?;
        Ok(Person {
            id,
            code,
            record: record.clone(),
            version: Version::FIRST,
        })
    }

    /// Writes a person's record if it is still at `expected`, refreshes the search digests
    /// and the copies on the person's cases; returns the new version.
    pub(crate) async fn write_person(
        &self,
        tx: &mut Tx,
        id: Uuid,
        record: &PersonRecord,
        expected: Version,
    ) -> Result<Version, StoreError> {
        record.check()?;
        let f = &record.facts;
        let sid = id.to_string();
        let (birth_date, est_age, est_on) = match f.birth {
            Some(Birth::Date { date }) => (Some(date.to_string()), None, None),
            Some(Birth::Estimated { age_years, as_of }) => {
                (None, Some(i64::from(age_years)), Some(as_of.to_string()))
            }
            None => (None, None, None),
        };
        let identity = self.seal_json("persons", "identity", &sid, &record.identity);
        let done = sqlx::query(
            "UPDATE persons SET sex = $1, gender_identity = $2, birth_date = $3, estimated_age = $4, estimated_on = $5, \
             citizenships = $6, origin_region_id = $7, disability = $8, languages = $9, education = $10, marital_status = $11, \
             identity = $12, version = version + 1, updated_at = $13 WHERE id = $14 AND version = $15",
        )
        .bind(f.sex.as_str())
        .bind(f.gender_identity.map(|g| g.as_str()))
        .bind(birth_date)
        .bind(est_age)
        .bind(est_on)
        .bind(f.citizenships.join(","))
        .bind(f.origin_region_id.map(|r| r.to_string()))
        .bind(f.disability.map(|d| d.code()))
        .bind(f.languages.join(","))
        .bind(f.education.map(|d| d.code()))
        .bind(f.marital_status.map(|d| d.code()))
        .bind(identity)
        .bind(now_micros())
        .bind(&sid)
        .bind(expected.0)
        .execute(&mut **tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(crate::db::explain_missed_update(tx, "persons", &sid).await);
        }
        self.index_person(tx, &sid, &record.identity).await?;
        sqlx::query(
            "UPDATE cases SET sex = $1, birth_date = $2, region_id = $3 WHERE person_id = $4",
        )
        .bind(f.sex.as_str())
        .bind(effective_birth_date(f.birth.as_ref()).map(|d| d.to_string()))
        .bind(f.origin_region_id.map(|r| r.to_string()))
        .bind(&sid)
        .execute(&mut **tx)
        .await?;
        Ok(expected.next())
    }
}

/// A new pseudonymous code for `table` (`P-…` for persons, `C-…` for cases), unused there.
pub(crate) async fn fresh_code(
    tx: &mut Tx,
    table: &'static str,
    prefix: &str,
) -> Result<String, StoreError> {
    loop {
        let mut random = [0u8; 5];
        rand::fill(&mut random);
        let code = yoldash_domain::person::pseudonymous_code(prefix, random);
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE code = $1");
        let taken: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(&code)
            .fetch_one(&mut **tx)
            .await?;
        if taken == 0 {
            return Ok(code);
        }
    }
}

/// The changes between two versions of a record's fields.
pub fn diff(old: &[(&'static str, String)], new: &[(&'static str, String)]) -> Vec<FieldChange> {
    new.iter()
        .filter_map(|(field, value)| {
            let before = old
                .iter()
                .find(|(f, _)| f == field)
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            (before != *value).then(|| FieldChange {
                field: (*field).to_string(),
                old: before,
                new: value.clone(),
            })
        })
        .collect()
}
