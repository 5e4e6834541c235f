//! The records of a case beside the person: household members and their migration
//! situation, consents per purpose, and the identification of trafficking.

use crate::audit::{Action, AuditEntry};
use crate::db::{explain_missed_update, flag};
use crate::history::VersionOf;
use crate::organisations::parse_id;
use crate::persons::{Person, PersonRecord, diff, person_columns_as};
use crate::time::now_micros;
use crate::visibility::cases_visible_to;
use crate::{Store, StoreError, Tx, Unit};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;
use sqlx::Row;
use uuid::Uuid;
use yoldash_domain::case::TraffickingStatus;
use yoldash_domain::catalogue::Catalogue;
use yoldash_domain::consent::{Consent, ConsentForm, GivenBy, Purpose};
use yoldash_domain::household::{MigrationSituation, Relation};
use yoldash_domain::identification::{
    ControlMethod, ExploitationForm, IsicSection, RecruiterRelation, RecruitmentMethod,
};
use yoldash_domain::{Actor, Invalid, Version};

fn day(s: Option<String>) -> Option<NaiveDate> {
    s.and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
}

fn day_text(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

fn codes(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect()
}

// ---------------------------------------------------------------------------------------
// Household

/// A household member: a person, how they relate to the case's person, and where they are.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HouseholdMember {
    pub id: Uuid,
    pub person: Person,
    pub member: MemberRecord,
    pub version: Version,
}

/// The editable part of a member (besides their person record).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MemberRecord {
    pub relation: Relation,
    pub situation: MigrationSituation,
    /// Looks after the case's person now (for a child: who cares for them).
    pub cares_for_child: bool,
}

impl MemberRecord {
    fn check(&self) -> Result<(), Invalid> {
        if let MigrationSituation::Abroad { country, .. } = &self.situation
            && !Catalogue::countries().contains(country)
        {
            return Err(Invalid::new("abroad_country", "invalid-choice"));
        }
        Ok(())
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        let mut f = vec![
            ("relation", self.relation.code().to_string()),
            ("cares_for_child", self.cares_for_child.to_string()),
        ];
        match self.situation.clone() {
            MigrationSituation::AtHome => f.push(("situation", "at_home".into())),
            MigrationSituation::Abroad {
                country,
                since,
                in_contact,
                sends_remittances,
            } => {
                f.push(("situation", "abroad".into()));
                f.push(("abroad_country", country));
                f.push(("abroad_since", day_text(since)));
                f.push(("in_contact", in_contact.to_string()));
                f.push(("sends_remittances", sends_remittances.to_string()));
            }
            MigrationSituation::Returned { on } => {
                f.push(("situation", "returned".into()));
                f.push(("returned_on", day_text(on)));
            }
        }
        f
    }
}

/// The situation code of a member (`at_home`, `abroad`, `returned`).
pub fn situation_code(s: &MigrationSituation) -> &'static str {
    match s {
        MigrationSituation::AtHome => "at_home",
        MigrationSituation::Abroad { .. } => "abroad",
        MigrationSituation::Returned { .. } => "returned",
    }
}

impl Store {
    pub(crate) async fn household_of(
        &self,
        conn: &mut AnyConnection,
        case_id: Uuid,
    ) -> Result<Vec<HouseholdMember>, StoreError> {
        // The members with their persons, in one statement.
        let sql = format!(
            "SELECT m.id AS member_id, m.relation, m.situation, m.abroad_country, m.abroad_since, m.in_contact, \
             m.sends_remittances, m.returned_on, m.cares_for_child, m.version AS member_version, {} \
             FROM household_members m JOIN persons p ON p.id = m.person_id \
             WHERE m.case_id = $1 ORDER BY m.created_at, m.id",
            person_columns_as("")
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(case_id.to_string())
            .fetch_all(&mut *conn)
            .await?;
        let mut out = Vec::new();
        for r in rows {
            let situation = match r.try_get::<String, _>("situation")?.as_str() {
                "abroad" => MigrationSituation::Abroad {
                    country: r
                        .try_get::<Option<String>, _>("abroad_country")?
                        .unwrap_or_default(),
                    since: day(r.try_get("abroad_since")?),
                    in_contact: r.try_get::<Option<i64>, _>("in_contact")? == Some(1),
                    sends_remittances: r.try_get::<Option<i64>, _>("sends_remittances")? == Some(1),
                },
                "returned" => MigrationSituation::Returned {
                    on: day(r.try_get("returned_on")?),
                },
                _ => MigrationSituation::AtHome,
            };
            out.push(HouseholdMember {
                id: parse_id(&r.try_get::<String, _>("member_id")?)?,
                person: self.person_from_row(&r)?,
                member: MemberRecord {
                    relation: Relation::parse(&r.try_get::<String, _>("relation")?)
                        .unwrap_or(Relation::Other),
                    situation,
                    cares_for_child: r.try_get::<i64, _>("cares_for_child")? != 0,
                },
                version: Version(r.try_get("member_version")?),
            });
        }
        Ok(out)
    }

    /// Loads a case whose household the actor may see and change.
    async fn household_case(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        code: &str,
    ) -> Result<crate::cases::Case, StoreError> {
        let scope = cases_visible_to(actor);
        let case = self.visible_case(tx, &scope, code).await?;
        if !scope.sees_household(case.family_implicated, case.assigned_worker_id) {
            return Err(StoreError::NotFound);
        }
        Ok(case)
    }

    async fn write_member_row(
        tx: &mut Tx,
        id: Uuid,
        m: &MemberRecord,
        expected: Version,
    ) -> Result<(), StoreError> {
        let s = m.situation.clone();
        let (country, since, contact, remit, returned) = match &s {
            MigrationSituation::Abroad {
                country,
                since,
                in_contact,
                sends_remittances,
            } => (
                Some(country.clone()),
                since.map(|d| d.to_string()),
                Some(flag(*in_contact)),
                Some(flag(*sends_remittances)),
                None,
            ),
            MigrationSituation::Returned { on } => {
                (None, None, None, None, on.map(|d| d.to_string()))
            }
            MigrationSituation::AtHome => (None, None, None, None, None),
        };
        let done = sqlx::query(
            "UPDATE household_members SET relation = $1, situation = $2, abroad_country = $3, abroad_since = $4, in_contact = $5, \
             sends_remittances = $6, returned_on = $7, cares_for_child = $8, version = version + 1, updated_at = $9 \
             WHERE id = $10 AND version = $11",
        )
        .bind(m.relation.code())
        .bind(situation_code(&s))
        .bind(country)
        .bind(since)
        .bind(contact)
        .bind(remit)
        .bind(returned)
        .bind(flag(m.cares_for_child))
        .bind(now_micros())
        .bind(id.to_string())
        .bind(expected.0)
        .execute(&mut **tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(explain_missed_update(tx, "household_members", &id.to_string()).await);
        }
        Ok(())
    }

    /// Adds a member (a new person) to a case's household.
    pub async fn add_household_member(
        &self,
        unit: &mut Unit<'_>,
        actor: &Actor,
        code: &str,
        person: &PersonRecord,
        member: &MemberRecord,
    ) -> Result<Uuid, StoreError> {
        let case = self.household_case(&mut unit.tx, actor, code).await?;
        member.check()?;
        let p = self
            .insert_person(&mut unit.tx, case.org_id, person)
            .await?;
        let id = Uuid::now_v7();
        let now = now_micros();
        sqlx::query(
            "INSERT INTO household_members (id, case_id, person_id, relation, situation, cares_for_child, version, created_at, updated_at) \
             VALUES ($1, $2, $3, 'other', 'at_home', 0, 0, $4, $4)",
        )
        .bind(id.to_string())
        .bind(case.id.to_string())
        .bind(p.id.to_string())
        .bind(now)
        .execute(&mut *unit.tx)
        .await?;
        Self::write_member_row(&mut unit.tx, id, member, Version(0)).await?;
        let mut fields = person.fields();
        fields.extend(member.fields());
        self.write_version(
            &mut unit.tx,
            Some(actor),
            VersionOf {
                case_id: case.id,
                record_kind: "household_member",
                record_id: p.code.clone(),
                change: "create",
            },
            diff(&[], &fields),
        )
        .await?;
        self.touch_case(&mut unit.tx, case.id).await?;
        unit.audit(AuditEntry::by(Some(actor), Action::Update).object("case", case.id))
            .await?;
        Ok(id)
    }

    /// Updates a member and their person, both guarded by versions.
    #[allow(clippy::too_many_arguments)]
    pub async fn update_household_member(
        &self,
        unit: &mut Unit<'_>,
        actor: &Actor,
        code: &str,
        member_id: Uuid,
        expected: Version,
        expected_person: Version,
        person: &PersonRecord,
        member: &MemberRecord,
    ) -> Result<(), StoreError> {
        let case = self.household_case(&mut unit.tx, actor, code).await?;
        member.check()?;
        let before = self
            .household_of(&mut unit.tx, case.id)
            .await?
            .into_iter()
            .find(|m| m.id == member_id)
            .ok_or(StoreError::NotFound)?;
        Self::write_member_row(&mut unit.tx, member_id, member, expected).await?;
        self.write_person(&mut unit.tx, before.person.id, person, expected_person)
            .await?;
        let mut old = before.person.record.fields();
        old.extend(before.member.fields());
        let mut new = person.fields();
        new.extend(member.fields());
        self.write_version(
            &mut unit.tx,
            Some(actor),
            VersionOf {
                case_id: case.id,
                record_kind: "household_member",
                record_id: before.person.code.clone(),
                change: "update",
            },
            diff(&old, &new),
        )
        .await?;
        self.touch_case(&mut unit.tx, case.id).await?;
        unit.audit(AuditEntry::by(Some(actor), Action::Update).object("case", case.id))
            .await?;
        Ok(())
    }

    /// Removes a member from the household (the person record stays, for the history).
    pub async fn remove_household_member(
        &self,
        unit: &mut Unit<'_>,
        actor: &Actor,
        code: &str,
        member_id: Uuid,
        expected: Version,
    ) -> Result<(), StoreError> {
        let case = self.household_case(&mut unit.tx, actor, code).await?;
        let before = self
            .household_of(&mut unit.tx, case.id)
            .await?
            .into_iter()
            .find(|m| m.id == member_id)
            .ok_or(StoreError::NotFound)?;
        if before.version != expected {
            return Err(StoreError::Conflict {
                current: before.version.0,
            });
        }
        sqlx::query("DELETE FROM household_members WHERE id = $1 AND case_id = $2")
            .bind(member_id.to_string())
            .bind(case.id.to_string())
            .execute(&mut *unit.tx)
            .await?;
        let mut old = before.person.record.fields();
        old.extend(before.member.fields());
        let gone: Vec<(&'static str, String)> =
            old.iter().map(|(f, _)| (*f, String::new())).collect();
        self.write_version(
            &mut unit.tx,
            Some(actor),
            VersionOf {
                case_id: case.id,
                record_kind: "household_member",
                record_id: before.person.code.clone(),
                change: "remove",
            },
            diff(&old, &gone),
        )
        .await?;
        self.touch_case(&mut unit.tx, case.id).await?;
        unit.audit(AuditEntry::by(Some(actor), Action::Update).object("case", case.id))
            .await?;
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// Consent

/// The parts of a consent that are personal: the representative's name and the child's
/// own view. Stored encrypted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConsentDetails {
    #[serde(default)]
    pub representative_name: String,
    /// For a child: what the child said, in their words.
    #[serde(default)]
    pub child_view: String,
    /// Who witnessed an oral consent.
    #[serde(default)]
    pub witness: String,
}

/// A consent to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewConsent {
    pub purpose: Purpose,
    pub organisation_id: Option<Uuid>,
    pub given_at: DateTime<Utc>,
    pub form: ConsentForm,
    pub given_by: GivenBy,
    pub details: ConsentDetails,
}

/// A stored consent.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ConsentRecord {
    pub id: Uuid,
    pub purpose: Purpose,
    pub organisation_id: Option<Uuid>,
    pub given_at: DateTime<Utc>,
    pub form: ConsentForm,
    pub given_by: GivenBy,
    pub details: ConsentDetails,
    pub recorded_by: Option<Uuid>,
    pub recorded_at: i64,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub version: Version,
}

impl ConsentRecord {
    /// The rule's view of it (for `consent::may_use`).
    pub fn as_consent(&self) -> Consent {
        Consent {
            purpose: self.purpose,
            organisation: self.organisation_id,
            given_at: self.given_at,
            form: self.form,
            given_by: self.given_by,
            withdrawn_at: self.withdrawn_at,
        }
    }
}

fn micros_to_time(m: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(m).unwrap_or_default()
}

fn enum_code<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn enum_parse<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, StoreError> {
    serde_json::from_value(serde_json::Value::String(s.to_string()))
        .map_err(|e| StoreError::DataFile(e.to_string()))
}

/// The stored code of a consent form or giver (`written`, `oral_with_witness`, `parent`, …).
pub fn code_of<T: Serialize>(v: &T) -> String {
    enum_code(v)
}

/// Parses a consent form or giver code.
pub fn parse_code<T: serde::de::DeserializeOwned>(
    s: &str,
    field: &'static str,
) -> Result<T, Invalid> {
    enum_parse(s).map_err(|_| Invalid::new(field, "invalid-choice"))
}

impl Store {
    pub(crate) async fn consents_of(
        &self,
        conn: &mut AnyConnection,
        case_id: Uuid,
    ) -> Result<Vec<ConsentRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, purpose, organisation_id, given_at, form, given_by, details, recorded_by, recorded_at, withdrawn_at, version \
             FROM consents WHERE case_id = $1 ORDER BY given_at, id",
        )
        .bind(case_id.to_string())
        .fetch_all(&mut *conn)
        .await?;
        rows.iter()
            .map(|r| {
                let id: String = r.try_get("id")?;
                Ok(ConsentRecord {
                    id: parse_id(&id)?,
                    purpose: Purpose::parse(&r.try_get::<String, _>("purpose")?)?,
                    organisation_id: r
                        .try_get::<Option<String>, _>("organisation_id")?
                        .as_deref()
                        .map(parse_id)
                        .transpose()?,
                    given_at: micros_to_time(r.try_get("given_at")?),
                    form: enum_parse(&r.try_get::<String, _>("form")?)?,
                    given_by: enum_parse(&r.try_get::<String, _>("given_by")?)?,
                    details: self.open_json("consents", "details", &id, r.try_get("details")?)?,
                    recorded_by: r
                        .try_get::<Option<String>, _>("recorded_by")?
                        .as_deref()
                        .map(parse_id)
                        .transpose()?,
                    recorded_at: r.try_get("recorded_at")?,
                    withdrawn_at: r
                        .try_get::<Option<i64>, _>("withdrawn_at")?
                        .map(micros_to_time),
                    version: Version(r.try_get("version")?),
                })
            })
            .collect()
    }

    /// Records a consent. Sharing consent names the organisation it allows.
    pub async fn record_consent(
        &self,
        unit: &mut Unit<'_>,
        actor: &Actor,
        code: &str,
        new: &NewConsent,
    ) -> Result<Uuid, StoreError> {
        let scope = cases_visible_to(actor);
        let case = self.visible_case(&mut unit.tx, &scope, code).await?;
        match (new.purpose, new.organisation_id) {
            (Purpose::Sharing, None) => {
                return Err(Invalid::new("organisation", "required").into());
            }
            (Purpose::Sharing, Some(o)) => match self.organisation(o).await {
                Err(StoreError::NotFound) => {
                    return Err(Invalid::new("organisation", "invalid-choice").into());
                }
                other => {
                    other?;
                }
            },
            _ => {}
        }
        if new.given_at > Utc::now() + chrono::Duration::minutes(5) {
            return Err(Invalid::new("given_on", "date-in-future").into());
        }
        if new.form == ConsentForm::OralWithWitness && new.details.witness.trim().is_empty() {
            return Err(Invalid::new("witness", "required").into());
        }
        if new.given_by.is_representative() && new.details.representative_name.trim().is_empty() {
            return Err(Invalid::new("representative_name", "required").into());
        }
        let id = Uuid::now_v7();
        let sid = id.to_string();
        let details = self.seal_json("consents", "details", &sid, &new.details);
        let organisation_id = new
            .organisation_id
            .filter(|_| new.purpose == Purpose::Sharing);
        sqlx::query(
            "INSERT INTO consents (id, case_id, purpose, organisation_id, given_at, form, given_by, details, recorded_by, recorded_at, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1)",
        )
        .bind(&sid)
        .bind(case.id.to_string())
        .bind(new.purpose.as_str())
        .bind(organisation_id.map(|o| o.to_string()))
        .bind(new.given_at.timestamp_micros())
        .bind(enum_code(&new.form))
        .bind(enum_code(&new.given_by))
        .bind(details)
        .bind(actor.user_id.to_string())
        .bind(now_micros())
        .execute(&mut *unit.tx)
        .await?;
        let fields = vec![
            ("purpose", new.purpose.as_str().to_string()),
            (
                "organisation",
                organisation_id.map(|o| o.to_string()).unwrap_or_default(),
            ),
            ("given_on", new.given_at.date_naive().to_string()),
            ("form", enum_code(&new.form)),
            ("given_by", enum_code(&new.given_by)),
            (
                "representative_name",
                new.details.representative_name.clone(),
            ),
            ("witness", new.details.witness.clone()),
            ("child_view", new.details.child_view.clone()),
        ];
        self.write_version(
            &mut unit.tx,
            Some(actor),
            VersionOf {
                case_id: case.id,
                record_kind: "consent",
                record_id: sid,
                change: "create",
            },
            diff(&[], &fields),
        )
        .await?;
        self.touch_case(&mut unit.tx, case.id).await?;
        unit.audit(AuditEntry::by(Some(actor), Action::Update).object("case", case.id))
            .await?;
        Ok(id)
    }

    /// Withdraws a consent from `at` (now when the person says so).
    pub async fn withdraw_consent(
        &self,
        unit: &mut Unit<'_>,
        actor: &Actor,
        code: &str,
        consent_id: Uuid,
        expected: Version,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let scope = cases_visible_to(actor);
        let case = self.visible_case(&mut unit.tx, &scope, code).await?;
        // A withdrawal is dated when the person withdrew: not before the consent was
        // given, not still to come.
        let given: Option<i64> =
            sqlx::query_scalar("SELECT given_at FROM consents WHERE id = $1 AND case_id = $2")
                .bind(consent_id.to_string())
                .bind(case.id.to_string())
                .fetch_optional(&mut *unit.tx)
                .await?;
        let Some(given) = given else {
            return Err(StoreError::NotFound);
        };
        if at > Utc::now() + chrono::Duration::minutes(5) {
            return Err(Invalid::new("withdrawn_on", "date-in-future").into());
        }
        let given_on = DateTime::from_timestamp_micros(given).map(|g| g.date_naive());
        if given_on.is_some_and(|g| at.date_naive() < g) {
            return Err(Invalid::new("withdrawn_on", "withdrawn-before-given").into());
        }
        let done = sqlx::query(
            "UPDATE consents SET withdrawn_at = $1, withdrawn_by = $2, version = version + 1 \
             WHERE id = $3 AND case_id = $4 AND version = $5 AND withdrawn_at IS NULL",
        )
        .bind(at.timestamp_micros())
        .bind(actor.user_id.to_string())
        .bind(consent_id.to_string())
        .bind(case.id.to_string())
        .bind(expected.0)
        .execute(&mut *unit.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(
                explain_missed_update(&mut unit.tx, "consents", &consent_id.to_string()).await,
            );
        }
        self.write_version(
            &mut unit.tx,
            Some(actor),
            VersionOf {
                case_id: case.id,
                record_kind: "consent",
                record_id: consent_id.to_string(),
                change: "withdraw",
            },
            vec![crate::history::FieldChange {
                field: "withdrawn_on".into(),
                old: String::new(),
                new: at.date_naive().to_string(),
            }],
        )
        .await?;
        self.touch_case(&mut unit.tx, case.id).await?;
        unit.audit(AuditEntry::by(Some(actor), Action::Update).object("case", case.id))
            .await?;
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// Identification

/// Places (possibly identifying: a village, an address of exploitation). Stored encrypted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IdentificationPlaces {
    #[serde(default)]
    pub recruitment_place: String,
    #[serde(default)]
    pub transit_places: String,
    #[serde(default)]
    pub exploitation_places: String,
}

/// The identification of a case, in the case-data-standard vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IdentificationRecord {
    pub trafficking_status: TraffickingStatus,
    pub decided_by_org_id: Option<Uuid>,
    pub decided_on: Option<NaiveDate>,
    pub exploitation_forms: Vec<ExploitationForm>,
    pub control_methods: Vec<ControlMethod>,
    pub recruitment_method: Option<RecruitmentMethod>,
    pub recruiter_relation: Option<RecruiterRelation>,
    pub recruitment_countries: Vec<String>,
    pub transit_countries: Vec<String>,
    pub exploitation_countries: Vec<String>,
    pub recruited_on: Option<NaiveDate>,
    pub exploitation_from: Option<NaiveDate>,
    pub exploitation_to: Option<NaiveDate>,
    pub isic_section: Option<IsicSection>,
    pub places: IdentificationPlaces,
}

impl IdentificationRecord {
    fn check(&self) -> Result<(), Invalid> {
        let c = Catalogue::countries();
        for (list, field) in [
            (&self.recruitment_countries, "recruitment_countries"),
            (&self.transit_countries, "transit_countries"),
            (&self.exploitation_countries, "exploitation_countries"),
        ] {
            c.parse_codes(list.iter().map(String::as_str), field)?;
        }
        if let (Some(a), Some(b)) = (self.exploitation_from, self.exploitation_to)
            && b < a
        {
            return Err(Invalid::new("exploitation_to", "date-before-start"));
        }
        let today = Utc::now().date_naive();
        for (d, field) in [
            (self.decided_on, "decided_on"),
            (self.recruited_on, "recruited_on"),
            (self.exploitation_from, "exploitation_from"),
            (self.exploitation_to, "exploitation_to"),
        ] {
            if d.is_some_and(|d| d > today) {
                return Err(Invalid::new(field, "date-in-future"));
            }
        }
        Ok(())
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        let join = |v: Vec<&str>| v.join(", ");
        vec![
            (
                "trafficking_status",
                self.trafficking_status.as_str().to_string(),
            ),
            (
                "decided_by",
                self.decided_by_org_id
                    .map(|o| o.to_string())
                    .unwrap_or_default(),
            ),
            ("decided_on", day_text(self.decided_on)),
            (
                "exploitation_forms",
                join(self.exploitation_forms.iter().map(|x| x.code()).collect()),
            ),
            (
                "control_methods",
                join(self.control_methods.iter().map(|x| x.code()).collect()),
            ),
            (
                "recruitment_method",
                self.recruitment_method
                    .map(|x| x.code())
                    .unwrap_or_default()
                    .to_string(),
            ),
            (
                "recruiter_relation",
                self.recruiter_relation
                    .map(|x| x.code())
                    .unwrap_or_default()
                    .to_string(),
            ),
            (
                "recruitment_countries",
                self.recruitment_countries.join(", "),
            ),
            ("transit_countries", self.transit_countries.join(", ")),
            (
                "exploitation_countries",
                self.exploitation_countries.join(", "),
            ),
            ("recruited_on", day_text(self.recruited_on)),
            ("exploitation_from", day_text(self.exploitation_from)),
            ("exploitation_to", day_text(self.exploitation_to)),
            (
                "isic_section",
                self.isic_section
                    .map(|x| x.code())
                    .unwrap_or_default()
                    .to_string(),
            ),
            ("recruitment_place", self.places.recruitment_place.clone()),
            ("transit_places", self.places.transit_places.clone()),
            (
                "exploitation_places",
                self.places.exploitation_places.clone(),
            ),
        ]
    }
}

/// A stored identification.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Identification {
    pub record: IdentificationRecord,
    pub version: Version,
    pub updated_at: i64,
}

impl Store {
    pub(crate) async fn identification_of(
        &self,
        conn: &mut AnyConnection,
        case_id: Uuid,
    ) -> Result<Option<Identification>, StoreError> {
        let Some(r) = sqlx::query(
            "SELECT id, trafficking_status, decided_by_org_id, decided_on, exploitation_forms, control_methods, recruitment_method, \
             recruiter_relation, recruitment_countries, transit_countries, exploitation_countries, recruited_on, exploitation_from, \
             exploitation_to, isic_section, places, version, updated_at FROM identifications WHERE case_id = $1",
        )
        .bind(case_id.to_string())
        .fetch_optional(&mut *conn)
        .await?
        else {
            return Ok(None);
        };
        let id: String = r.try_get("id")?;
        let text = |c: &str| -> Result<String, StoreError> { Ok(r.try_get(c)?) };
        let opt = |c: &str| -> Result<Option<String>, StoreError> { Ok(r.try_get(c)?) };
        let list = |c: &str| -> Result<Vec<String>, StoreError> { Ok(codes(&text(c)?)) };
        let record = IdentificationRecord {
            trafficking_status: TraffickingStatus::parse(&text("trafficking_status")?)?,
            decided_by_org_id: opt("decided_by_org_id")?
                .as_deref()
                .map(parse_id)
                .transpose()?,
            decided_on: day(opt("decided_on")?),
            exploitation_forms: ExploitationForm::parse_many(
                list("exploitation_forms")?.iter().map(String::as_str),
            )?,
            control_methods: ControlMethod::parse_many(
                list("control_methods")?.iter().map(String::as_str),
            )?,
            recruitment_method: opt("recruitment_method")?
                .as_deref()
                .map(RecruitmentMethod::parse)
                .transpose()?,
            recruiter_relation: opt("recruiter_relation")?
                .as_deref()
                .map(RecruiterRelation::parse)
                .transpose()?,
            recruitment_countries: list("recruitment_countries")?,
            transit_countries: list("transit_countries")?,
            exploitation_countries: list("exploitation_countries")?,
            recruited_on: day(opt("recruited_on")?),
            exploitation_from: day(opt("exploitation_from")?),
            exploitation_to: day(opt("exploitation_to")?),
            isic_section: opt("isic_section")?
                .as_deref()
                .map(IsicSection::parse)
                .transpose()?,
            places: self.open_json("identifications", "places", &id, r.try_get("places")?)?,
        };
        Ok(Some(Identification {
            record,
            version: Version(r.try_get("version")?),
            updated_at: r.try_get("updated_at")?,
        }))
    }

    /// Records or updates the identification. `expected` is None for the first one.
    pub async fn save_identification(
        &self,
        unit: &mut Unit<'_>,
        actor: &Actor,
        code: &str,
        expected: Option<Version>,
        record: &IdentificationRecord,
    ) -> Result<Version, StoreError> {
        let scope = cases_visible_to(actor);
        let case = self.visible_case(&mut unit.tx, &scope, code).await?;
        record.check()?;
        if let Some(o) = record.decided_by_org_id {
            match self.organisation(o).await {
                Err(StoreError::NotFound) => {
                    return Err(Invalid::new("decided_by", "invalid-choice").into());
                }
                other => {
                    other?;
                }
            }
        }
        let before = self.identification_of(&mut unit.tx, case.id).await?;
        let now = now_micros();
        let (id, change) = match (&before, expected) {
            (None, _) => {
                let id = Uuid::now_v7().to_string();
                sqlx::query(
                    "INSERT INTO identifications (id, case_id, trafficking_status, exploitation_forms, control_methods, recruitment_countries, \
                     transit_countries, exploitation_countries, version, created_at, updated_at) VALUES ($1, $2, 'possible', '', '', '', '', '', 0, $3, $3)",
                )
                .bind(&id)
                .bind(case.id.to_string())
                .bind(now)
                .execute(&mut *unit.tx)
                .await?;
                (id, "create")
            }
            (Some(b), Some(v)) if b.version != v => {
                return Err(StoreError::Conflict {
                    current: b.version.0,
                });
            }
            (Some(b), None) => {
                return Err(StoreError::Conflict {
                    current: b.version.0,
                });
            }
            (Some(_), Some(_)) => {
                let id: String =
                    sqlx::query_scalar("SELECT id FROM identifications WHERE case_id = $1")
                        .bind(case.id.to_string())
                        .fetch_one(&mut *unit.tx)
                        .await?;
                (id, "update")
            }
        };
        let current = before.as_ref().map_or(Version(0), |b| b.version);
        let places = self.seal_json("identifications", "places", &id, &record.places);
        let csv = |v: Vec<&str>| v.join(",");
        let done = sqlx::query(
            "UPDATE identifications SET trafficking_status = $1, decided_by_org_id = $2, decided_on = $3, exploitation_forms = $4, \
             control_methods = $5, recruitment_method = $6, recruiter_relation = $7, recruitment_countries = $8, transit_countries = $9, \
             exploitation_countries = $10, recruited_on = $11, exploitation_from = $12, exploitation_to = $13, isic_section = $14, \
             places = $15, version = version + 1, updated_at = $16 WHERE id = $17 AND version = $18",
        )
        .bind(record.trafficking_status.as_str())
        .bind(record.decided_by_org_id.map(|o| o.to_string()))
        .bind(record.decided_on.map(|d| d.to_string()))
        .bind(csv(record.exploitation_forms.iter().map(|x| x.code()).collect()))
        .bind(csv(record.control_methods.iter().map(|x| x.code()).collect()))
        .bind(record.recruitment_method.map(|x| x.code()))
        .bind(record.recruiter_relation.map(|x| x.code()))
        .bind(record.recruitment_countries.join(","))
        .bind(record.transit_countries.join(","))
        .bind(record.exploitation_countries.join(","))
        .bind(record.recruited_on.map(|d| d.to_string()))
        .bind(record.exploitation_from.map(|d| d.to_string()))
        .bind(record.exploitation_to.map(|d| d.to_string()))
        .bind(record.isic_section.map(|x| x.code()))
        .bind(places)
        .bind(now)
        .bind(&id)
        .bind(current.0)
        .execute(&mut *unit.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(explain_missed_update(&mut unit.tx, "identifications", &id).await);
        }
        // The case list filters "identified victim" on this copy.
        sqlx::query("UPDATE cases SET trafficking_status = $1, updated_at = $2 WHERE id = $3")
            .bind(record.trafficking_status.as_str())
            .bind(now)
            .bind(case.id.to_string())
            .execute(&mut *unit.tx)
            .await?;
        let old = before.map(|b| b.record.fields()).unwrap_or_default();
        self.write_version(
            &mut unit.tx,
            Some(actor),
            VersionOf {
                case_id: case.id,
                record_kind: "identification",
                record_id: id,
                change,
            },
            diff(&old, &record.fields()),
        )
        .await?;
        unit.audit(AuditEntry::by(Some(actor), Action::Update).object("case", case.id))
            .await?;
        Ok(current.next())
    }
}
