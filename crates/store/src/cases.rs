//! Cases: registration (with drafts), the case file as one visibility-checked read, the case
//! list with filters and paging, case details, safety and status changes — every change
//! kept as a version, every read of personal data audited.

use crate::audit::{Action, AuditEntry};
use crate::db::{Value, bind_all, flag};
use crate::history::{VersionEntry, VersionOf};
use crate::organisations::parse_id;
use crate::person_index::{DOCUMENT, NameDigests};
use crate::persons::{Person, PersonRecord, diff, fresh_code, person_columns_as};
use crate::time::now_micros;
use crate::visibility::{CaseScope, cases_visible_to};
use crate::{Backend, Store, StoreError, Tx, Unit};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;
use sqlx::Row;
use uuid::Uuid;
use yoldash_domain::case::{
    CaseStatus, CaseType, Protection, RiskLevel, SupervisorDecision, TraffickingStatus,
    TransitionRequest, check_transition,
};
use yoldash_domain::person::Sex;
use yoldash_domain::{Actor, Invalid, Role, Version};

/// The safe-contact record: read before any contact detail. Stored encrypted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SafeContact {
    /// Whether the person may be contacted at all.
    pub may_contact: bool,
    /// Never telephone (someone else may answer).
    pub do_not_call: bool,
    /// How to make contact (through whom, which channel).
    #[serde(default)]
    pub how: String,
    #[serde(default)]
    pub safe_hours: String,
    /// The word that confirms it is safe to talk.
    #[serde(default)]
    pub code_word: String,
}

impl SafeContact {
    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("may_contact", self.may_contact.to_string()),
            ("do_not_call", self.do_not_call.to_string()),
            ("how", self.how.clone()),
            ("safe_hours", self.safe_hours.clone()),
            ("code_word", self.code_word.clone()),
        ]
    }
}

/// A case as stored (without the records that hang off it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Case {
    pub id: Uuid,
    /// The pseudonymous case code: what lists, URLs, logs and exports show.
    pub code: String,
    pub org_id: Uuid,
    pub person_id: Uuid,
    /// The type chosen at registration ("identified victim" is never chosen).
    pub chosen_type: CaseType,
    pub trafficking_status: Option<TraffickingStatus>,
    pub status: CaseStatus,
    pub risk: Option<RiskLevel>,
    pub assigned_worker_id: Option<Uuid>,
    pub restricted: bool,
    pub family_implicated: bool,
    /// Registration saved part-way.
    pub draft: bool,
    pub closure_reason: Option<String>,
    pub closure_requested_by: Option<Uuid>,
    pub version: Version,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Case {
    /// Whether household data may leave the case (referrals, sharing, exports): never when a
    /// family member is implicated. Every later capability that shares case data asks this.
    pub fn household_shareable(&self) -> bool {
        !self.family_implicated
    }

    /// Who works the case and how it is protected.
    pub fn protection(&self) -> Protection {
        Protection {
            assigned_worker: self.assigned_worker_id,
            restricted: self.restricted,
            family_implicated: self.family_implicated,
        }
    }

    /// The type as shown: "identified victim" follows from the identification.
    pub fn case_type(&self) -> CaseType {
        CaseType::effective(self.chosen_type, self.trafficking_status)
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("case_type", self.chosen_type.as_str().to_string()),
            ("status", self.status.as_str().to_string()),
            (
                "risk",
                self.risk
                    .map(|r| r.as_str())
                    .unwrap_or_default()
                    .to_string(),
            ),
            (
                "assigned_worker",
                self.assigned_worker_id
                    .map(|w| w.to_string())
                    .unwrap_or_default(),
            ),
            ("restricted", self.restricted.to_string()),
            ("family_implicated", self.family_implicated.to_string()),
            ("draft", self.draft.to_string()),
            (
                "closure_reason",
                self.closure_reason.clone().unwrap_or_default(),
            ),
        ]
    }
}

const CASE_COLUMNS: &str = "c.id, c.code, c.org_id, c.person_id, c.case_type, c.trafficking_status, c.status, c.risk, \
     c.assigned_worker_id, c.restricted, c.family_implicated, c.draft, c.closure_reason, c.closure_requested_by, \
     c.version, c.created_at, c.updated_at";

/// The row of a case the scope may see, by code, with `more` columns from the tables of
/// `join` (NotFound otherwise, whatever the reason).
async fn visible_case_row(
    conn: &mut AnyConnection,
    scope: &CaseScope,
    code: &str,
    more: &str,
    join: &str,
) -> Result<sqlx::any::AnyRow, StoreError> {
    if !yoldash_domain::person::is_pseudonymous_code("C", code) {
        return Err(StoreError::NotFound);
    }
    let sql = format!(
        "SELECT {CASE_COLUMNS}{more} FROM cases c{join} WHERE c.code = $1 AND {}",
        scope.condition(2)
    );
    let (org, user, sup) = scope.bind_values();
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(code)
        .bind(org)
        .bind(user)
        .bind(sup)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)
}

/// The prefix of the person's columns in a row that also holds a case's.
const PERSON_PREFIX: &str = "person_";

fn opt_id(r: &sqlx::any::AnyRow, col: &str) -> Result<Option<Uuid>, StoreError> {
    r.try_get::<Option<String>, _>(col)?
        .as_deref()
        .map(parse_id)
        .transpose()
}

fn case_from_row(r: &sqlx::any::AnyRow) -> Result<Case, StoreError> {
    let text = |c: &str| -> Result<String, StoreError> { Ok(r.try_get(c)?) };
    let opt = |c: &str| -> Result<Option<String>, StoreError> { Ok(r.try_get(c)?) };
    let bad = |_| StoreError::DataFile("unknown code in cases".into());
    Ok(Case {
        id: parse_id(&text("id")?)?,
        code: text("code")?,
        org_id: parse_id(&text("org_id")?)?,
        person_id: parse_id(&text("person_id")?)?,
        chosen_type: CaseType::parse(&text("case_type")?).map_err(bad)?,
        trafficking_status: opt("trafficking_status")?
            .as_deref()
            .map(TraffickingStatus::parse)
            .transpose()
            .map_err(bad)?,
        status: CaseStatus::parse(&text("status")?).map_err(bad)?,
        risk: opt("risk")?
            .as_deref()
            .map(RiskLevel::parse)
            .transpose()
            .map_err(bad)?,
        assigned_worker_id: opt_id(r, "assigned_worker_id")?,
        restricted: r.try_get::<i64, _>("restricted")? != 0,
        family_implicated: r.try_get::<i64, _>("family_implicated")? != 0,
        draft: r.try_get::<i64, _>("draft")? != 0,
        closure_reason: opt("closure_reason")?,
        closure_requested_by: opt_id(r, "closure_requested_by")?,
        version: Version(r.try_get("version")?),
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// What a new case starts with.
#[derive(Debug, Clone)]
pub struct NewCase {
    pub case_type: CaseType,
    pub person: PersonRecord,
    pub risk: Option<RiskLevel>,
    /// None: the registering case worker (a supervisor registering leaves it open).
    pub assigned_worker_id: Option<Uuid>,
    pub restricted: bool,
    pub family_implicated: bool,
    /// Saved part-way: the registration is finished later.
    pub draft: bool,
}

/// What a finished registration needs beyond a draft: a name and a date of birth or an
/// estimated age. Returns every missing field.
pub fn registration_gaps(person: &PersonRecord) -> Vec<Invalid> {
    let mut gaps = Vec::new();
    if person.identity.given_name.trim().is_empty() && person.identity.family_name.trim().is_empty()
    {
        gaps.push(Invalid::new("given_name", "required"));
    }
    if person.facts.birth.is_none() {
        gaps.push(Invalid::new("birth_date", "birth-required"));
    }
    gaps
}

/// The editable details of a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseDetails {
    pub case_type: CaseType,
    pub risk: Option<RiskLevel>,
    pub assigned_worker_id: Option<Uuid>,
    pub restricted: bool,
    pub family_implicated: bool,
    /// Why a protection is lifted: required for a lift, kept (encrypted) in the case's
    /// history, never in the audit log. Empty otherwise.
    pub decision_reason: String,
}

/// Everything on the case page, as the actor may see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseFile {
    pub case: Case,
    pub person: Person,
    pub safe_contact: Option<SafeContact>,
    /// None when the household is hidden from this actor ("family member implicated").
    pub household: Option<Vec<crate::case_records::HouseholdMember>>,
    pub consents: Vec<crate::case_records::ConsentRecord>,
    pub identification: Option<crate::case_records::Identification>,
    pub history: Vec<VersionEntry>,
}

/// Filters of the case list. Name and document search use blind-index digests.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub case_type: Option<CaseType>,
    pub status: Option<CaseStatus>,
    pub sex: Option<Sex>,
    /// Born after this day (exclusive) …
    pub born_after: Option<NaiveDate>,
    /// … and on or before this one.
    pub born_until: Option<NaiveDate>,
    pub risk: Option<RiskLevel>,
    /// A region and its sub-regions.
    pub region_ids: Vec<Uuid>,
    pub worker: Option<Uuid>,
    pub name_digests: NameDigests,
    pub document_digest: Option<String>,
    pub drafts_only: bool,
    /// Only cases whose closure waits for a supervisor's approval.
    pub closure_pending: bool,
}

impl CaseFilter {
    /// Non-identifying summary for the audit entry (never the searched name or number).
    fn audit_detail(&self) -> String {
        let mut parts = Vec::new();
        if let Some(t) = self.case_type {
            parts.push(format!("type={}", t.as_str()));
        }
        if let Some(s) = self.status {
            parts.push(format!("status={}", s.as_str()));
        }
        if let Some(s) = self.sex {
            parts.push(format!("sex={}", s.as_str()));
        }
        if self.born_after.is_some() || self.born_until.is_some() {
            parts.push("age".into());
        }
        if let Some(r) = self.risk {
            parts.push(format!("risk={}", r.as_str()));
        }
        if !self.region_ids.is_empty() {
            parts.push("region".into());
        }
        if self.worker.is_some() {
            parts.push("worker".into());
        }
        if !self.name_digests.is_empty() {
            parts.push("name-search".into());
        }
        if self.document_digest.is_some() {
            parts.push("document-search".into());
        }
        parts.join(" ")
    }
}

/// A row of the case list: codes and non-identifying fields only.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseRow {
    pub code: String,
    pub case_type: CaseType,
    pub status: CaseStatus,
    pub sex: Sex,
    pub birth_date: Option<NaiveDate>,
    pub risk: Option<RiskLevel>,
    pub region_id: Option<Uuid>,
    pub assigned_worker_id: Option<Uuid>,
    pub restricted: bool,
    pub draft: bool,
    pub updated_at: i64,
}

/// One page of the list and the number of matching cases.
#[derive(Debug, Clone, Serialize)]
pub struct CasePage {
    pub rows: Vec<CaseRow>,
    /// How many cases match, counted up to `COUNT_BEYOND` past the page.
    pub total: i64,
    /// False when there are more than `total` (counting stopped there).
    pub total_exact: bool,
}

/// How far past the current page the case list counts. An exact count of every match
/// would read every matching case on every view; past this many the list says "more than".
pub const COUNT_BEYOND: i64 = 1_000;

/// The counts of the home dashboard.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CaseWork {
    pub open: i64,
    pub drafts: i64,
    pub high_risk: i64,
    pub closure_requests: i64,
}

/// How a status change ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusOutcome {
    Changed(Version),
    /// A case worker asked to close; a supervisor must approve.
    ClosureRequested(Version),
}

impl Store {
    /// Loads a case the actor may see by its code (NotFound otherwise, whatever the reason).
    pub(crate) async fn visible_case(
        &self,
        tx: &mut Tx,
        scope: &CaseScope,
        code: &str,
    ) -> Result<Case, StoreError> {
        let row = visible_case_row(tx, scope, code, "", "").await?;
        case_from_row(&row)
    }

    /// NotFound unless the actor may see the case (no audit entry: nothing is read).
    pub async fn check_case_visible(&self, actor: &Actor, code: &str) -> Result<(), StoreError> {
        self.visible_case_id(actor, code).await.map(|_| ())
    }

    /// The id of the case `code`, NotFound unless the actor may see it (no audit entry:
    /// nothing about the case is read).
    pub async fn visible_case_id(&self, actor: &Actor, code: &str) -> Result<Uuid, StoreError> {
        Ok(self.visible_case_household(actor, code).await?.0)
    }

    /// The id of the case `code` and whether its household is hidden from the actor;
    /// NotFound unless the actor may see the case.
    pub async fn visible_case_household(
        &self,
        actor: &Actor,
        code: &str,
    ) -> Result<(Uuid, bool), StoreError> {
        let scope = cases_visible_to(actor);
        let mut conn = self.db.pool.acquire().await?;
        let row = visible_case_row(&mut conn, &scope, code, "", "").await?;
        let case = case_from_row(&row)?;
        let hidden = !scope.sees_household(case.family_implicated, case.assigned_worker_id);
        Ok((case.id, hidden))
    }

    /// Checks that a case worker or supervisor of `org_id` is who `worker` names.
    async fn check_worker(tx: &mut Tx, org_id: Uuid, worker: Uuid) -> Result<(), StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM users u JOIN user_roles r ON r.user_id = u.id \
             WHERE u.id = $1 AND u.org_id = $2 AND r.role IN ('case_worker', 'supervisor')",
        )
        .bind(worker.to_string())
        .bind(org_id.to_string())
        .fetch_one(&mut **tx)
        .await?;
        if n == 0 {
            return Err(Invalid::new("assigned_worker", "invalid-worker").into());
        }
        Ok(())
    }

    /// Registers a person and their case in the actor's organisation.
    pub async fn register_case(
        &self,
        unit: &mut Unit<'_>,
        actor: &Actor,
        new: &NewCase,
    ) -> Result<Case, StoreError> {
        let scope = cases_visible_to(actor);
        let org_id = scope.org.ok_or(StoreError::NotFound)?;
        if new.case_type == CaseType::IdentifiedVictim {
            return Err(Invalid::new("case_type", "identified-victim-not-chosen").into());
        }
        if !new.draft
            && let Some(gap) = registration_gaps(&new.person).into_iter().next()
        {
            return Err(gap.into());
        }
        let worker = match new.assigned_worker_id {
            Some(w) => Some(w),
            None if actor.has_role(Role::CaseWorker) => Some(actor.user_id),
            None => None,
        };
        if let Some(w) = worker {
            Self::check_worker(&mut unit.tx, org_id, w).await?;
        }
        let person = self
            .insert_person(&mut unit.tx, org_id, &new.person)
            .await?;
        let id = Uuid::now_v7();
        let code = fresh_code(&mut unit.tx, "cases", "C").await?;
        let now = now_micros();
        let f = &new.person.facts;
        sqlx::query(
            "INSERT INTO cases (id, code, org_id, person_id, case_type, status, risk, assigned_worker_id, restricted, family_implicated, draft, \
             sex, birth_date, region_id, version, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1, $15, $16, $16)",
        )
        .bind(id.to_string())
        .bind(&code)
        .bind(org_id.to_string())
        .bind(person.id.to_string())
        .bind(new.case_type.as_str())
        .bind(CaseStatus::Registered.as_str())
        .bind(new.risk.map(|r| r.as_str()))
        .bind(worker.map(|w| w.to_string()))
        .bind(flag(new.restricted))
        .bind(flag(new.family_implicated))
        .bind(flag(new.draft))
        .bind(f.sex.as_str())
        .bind(crate::persons::effective_birth_date(f.birth.as_ref()).map(|d| d.to_string()))
        .bind(f.origin_region_id.map(|r| r.to_string()))
        .bind(actor.user_id.to_string())
        .bind(now)
        .execute(&mut *unit.tx)
        .await?;
        let case = Case {
            id,
            code,
            org_id,
            person_id: person.id,
            chosen_type: new.case_type,
            trafficking_status: None,
            status: CaseStatus::Registered,
            risk: new.risk,
            assigned_worker_id: worker,
            restricted: new.restricted,
            family_implicated: new.family_implicated,
            draft: new.draft,
            closure_reason: None,
            closure_requested_by: None,
            version: Version::FIRST,
            created_at: now,
            updated_at: now,
        };
        self.write_version(
            &mut unit.tx,
            Some(actor),
            VersionOf {
                case_id: id,
                record_kind: "case",
                record_id: id.to_string(),
                change: "create",
            },
            diff(&[], &case.fields()),
        )
        .await?;
        self.write_version(
            &mut unit.tx,
            Some(actor),
            VersionOf {
                case_id: id,
                record_kind: "person",
                record_id: person.code.clone(),
                change: "create",
            },
            diff(&[], &new.person.fields()),
        )
        .await?;
        unit.audit(AuditEntry::by(Some(actor), Action::Create).object("case", id))
            .await?;
        Ok(case)
    }

    /// The whole case file for the case page or the API. Audited as a read of the case.
    ///
    /// The file is read in a read transaction (one consistent snapshot, which on SQLite
    /// does not hold the write lock), then the audit entry is committed in a short write
    /// transaction — before the caller can send anything.
    pub async fn open_case(
        &self,
        actor: &Actor,
        code: &str,
        request_id: Option<&str>,
    ) -> Result<CaseFile, StoreError> {
        let mut reads = self.db.reads().await?;
        let file = self.read_case_file(reads.conn(), actor, code).await?;
        reads.end().await?;
        self.audit_view(
            AuditEntry::by(Some(actor), Action::Read)
                .object("case", file.case.id)
                .request(request_id),
        )
        .await?;
        Ok(file)
    }

    /// The case file as `actor` may see it, read inside `unit` before it commits (the case
    /// just registered, answered with the registration). No read entry: the unit's own
    /// entry records the change, and an answer read after the commit could fail after the
    /// change was made.
    pub async fn case_file_in(
        &self,
        unit: &mut Unit<'_>,
        actor: &Actor,
        code: &str,
    ) -> Result<CaseFile, StoreError> {
        self.read_case_file(&mut unit.tx, actor, code).await
    }

    async fn read_case_file(
        &self,
        conn: &mut AnyConnection,
        actor: &Actor,
        code: &str,
    ) -> Result<CaseFile, StoreError> {
        let scope = cases_visible_to(actor);
        let (case, person, safe_contact) =
            self.visible_case_with_person(conn, &scope, code).await?;
        let household = if scope.sees_household(case.family_implicated, case.assigned_worker_id) {
            Some(self.household_of(conn, case.id).await?)
        } else {
            None
        };
        let consents = self.consents_of(conn, case.id).await?;
        let identification = self.identification_of(conn, case.id).await?;
        let mut history = self.versions_of(conn, case.id).await?;
        if household.is_none() {
            // The household's history would reveal what the flag hides.
            history.retain(|v| v.record_kind != "household_member");
        }
        Ok(CaseFile {
            case,
            person,
            safe_contact,
            household,
            consents,
            identification,
            history,
        })
    }

    /// A visible case with its person and safe-contact record, in one statement (the case
    /// page's first read).
    async fn visible_case_with_person(
        &self,
        conn: &mut AnyConnection,
        scope: &CaseScope,
        code: &str,
    ) -> Result<(Case, Person, Option<SafeContact>), StoreError> {
        let columns = format!(", c.safe_contact, {}", person_columns_as(PERSON_PREFIX));
        let join = " JOIN persons p ON p.id = c.person_id";
        let row = visible_case_row(conn, scope, code, &columns, join).await?;
        let case = case_from_row(&row)?;
        let person = self.person_from_columns(&row, PERSON_PREFIX)?;
        let safe_contact = self.open_safe_contact(case.id, row.try_get("safe_contact")?)?;
        Ok((case, person, safe_contact))
    }

    async fn safe_contact_of(
        &self,
        tx: &mut Tx,
        case_id: Uuid,
    ) -> Result<Option<SafeContact>, StoreError> {
        let blob: Option<Vec<u8>> =
            sqlx::query_scalar("SELECT safe_contact FROM cases WHERE id = $1")
                .bind(case_id.to_string())
                .fetch_one(&mut **tx)
                .await?;
        self.open_safe_contact(case_id, blob)
    }

    fn open_safe_contact(
        &self,
        case_id: Uuid,
        blob: Option<Vec<u8>>,
    ) -> Result<Option<SafeContact>, StoreError> {
        match blob {
            None => Ok(None),
            Some(b) => Ok(Some(self.open_json(
                "cases",
                "safe_contact",
                &case_id.to_string(),
                Some(b),
            )?)),
        }
    }

    /// One page of the cases the actor may see, newest change first. One audit entry per view.
    ///
    /// The rows are read outside the write lock; the audit entry commits before they are
    /// returned.
    pub async fn case_list(
        &self,
        actor: &Actor,
        filter: &CaseFilter,
        offset: i64,
        limit: i64,
        request_id: Option<&str>,
    ) -> Result<CasePage, StoreError> {
        let scope = cases_visible_to(actor);
        let (org, user, sup) = scope.bind_values();
        let mut w = Conditions {
            sql: if filter.name_digests.is_empty() && filter.document_digest.is_none() {
                format!(" FROM cases c WHERE {}", scope.condition(1))
            } else {
                // A search finds a handful of people: start from the search index, not
                // from the organisation's tens of thousands of cases (`|| ''` keeps the
                // planner off the organisation index).
                format!(
                    " FROM cases c WHERE {}",
                    scope
                        .condition(1)
                        .replacen("c.org_id", "(c.org_id || '')", 1)
                )
            },
            values: vec![Value::Text(org), Value::Text(user), Value::Int(sup)],
        };
        match filter.case_type {
            Some(CaseType::IdentifiedVictim) => {
                w.add(" AND c.trafficking_status = $?", Value::Text("actual".into()))
            }
            Some(t) => w.add(
                " AND (c.trafficking_status IS NULL OR c.trafficking_status <> 'actual') AND c.case_type = $?",
                Value::Text(t.as_str().into()),
            ),
            None => {}
        }
        if let Some(s) = filter.status {
            w.add(" AND c.status = $?", Value::Text(s.as_str().into()));
        }
        if let Some(s) = filter.sex {
            w.add(" AND c.sex = $?", Value::Text(s.as_str().into()));
        }
        if let Some(d) = filter.born_after {
            w.add(" AND c.birth_date > $?", Value::Text(d.to_string()));
        }
        if let Some(d) = filter.born_until {
            w.add(" AND c.birth_date <= $?", Value::Text(d.to_string()));
        }
        if let Some(r) = filter.risk {
            w.add(" AND c.risk = $?", Value::Text(r.as_str().into()));
        }
        if let Some(u) = filter.worker {
            w.add(" AND c.assigned_worker_id = $?", Value::Text(u.to_string()));
        }
        if filter.drafts_only {
            w.add(" AND c.draft = $?", Value::Int(1));
        }
        if filter.closure_pending {
            w.add(
                " AND c.closure_requested_by IS NOT NULL AND c.status <> $?",
                Value::Text(CaseStatus::Closed.as_str().into()),
            );
        }
        if !filter.region_ids.is_empty() {
            let first = w.values.len() + 1;
            w.values
                .extend(filter.region_ids.iter().map(|r| Value::Text(r.to_string())));
            let ph: Vec<String> = (first..=w.values.len()).map(|i| format!("${i}")).collect();
            w.sql
                .push_str(&format!(" AND c.region_id IN ({})", ph.join(", ")));
        }
        let found = self.people_found(filter).await?;
        match &found {
            Some(people) if people.len() <= MOST_PEOPLE_LISTED => {
                // The usual search: a handful of people, found once, named by id.
                let first = w.values.len() + 1;
                w.values
                    .extend(people.iter().map(|p| Value::Text(p.clone())));
                let ph: Vec<String> = (first..=w.values.len()).map(|i| format!("${i}")).collect();
                w.sql
                    .push_str(&format!(" AND c.person_id IN ({})", ph.join(", ")));
            }
            Some(_) => {
                // A very common word: let the database intersect the index ranges.
                if let Some((people, values)) = people_search(filter, w.values.len()) {
                    w.values.extend(values);
                    w.sql.push_str(&format!(" AND c.person_id IN ({people})"));
                }
            }
            None => {}
        }
        let Conditions { sql, mut values } = w;
        let offset = offset.max(0);
        let limit = limit.clamp(1, 500);
        let cap = offset + limit + COUNT_BEYOND;
        if found.as_ref().is_some_and(Vec::is_empty) {
            // Nobody has that name or document: nothing to read, but the search is audited.
            self.audit_view(list_entry(actor, filter, request_id))
                .await?;
            return Ok(CasePage {
                rows: Vec::new(),
                total: 0,
                total_exact: true,
            });
        }
        let n = values.len();
        let columns = "c.code, c.case_type, c.trafficking_status, c.status, c.sex, c.birth_date, c.risk, \
             c.region_id, c.assigned_worker_id, c.restricted, c.draft, c.updated_at";
        let order = "ORDER BY c.updated_at DESC, c.id DESC";
        let (limit_at, offset_at) = (n + 1, n + 2);
        let page_sql = if self.db.backend == Backend::Postgres && offset > 0 {
            // PostgreSQL reads the whole row of every case an offset skips; the ids alone
            // come from the list's index (an index-only scan), then only the page's rows
            // are read. SQLite's rows are cheap to skip, and there this is slower.
            format!(
                "SELECT {columns} FROM cases c WHERE c.id IN \
                 (SELECT c.id{sql} {order} LIMIT ${limit_at} OFFSET ${offset_at}) {order}"
            )
        } else {
            format!("SELECT {columns}{sql} {order} LIMIT ${limit_at} OFFSET ${offset_at}")
        };
        let mut page_values = values.clone();
        page_values.push(Value::Int(limit));
        page_values.push(Value::Int(offset));
        let rows = bind_all!(sqlx::query(sqlx::AssertSqlSafe(page_sql)), page_values)
            .fetch_all(&self.db.pool)
            .await?;
        let fetched = rows.len() as i64;
        // A page that is not full ends the list, so it also tells the total (most searches
        // and narrow filters); otherwise count, up to `cap`.
        let total = if fetched < limit && (fetched > 0 || offset == 0) {
            offset + fetched
        } else {
            let count_sql = format!(
                "SELECT COUNT(*) AS n FROM (SELECT 1 AS one{sql} LIMIT ${}) counted",
                n + 1
            );
            values.push(Value::Int(cap));
            bind_all!(sqlx::query(sqlx::AssertSqlSafe(count_sql)), values)
                .fetch_one(&self.db.pool)
                .await?
                .try_get::<i64, _>("n")?
        };
        let bad = |_| StoreError::DataFile("unknown code in cases".into());
        let rows = rows
            .iter()
            .map(|r| {
                let chosen = CaseType::parse(&r.try_get::<String, _>("case_type")?).map_err(bad)?;
                let ts = r
                    .try_get::<Option<String>, _>("trafficking_status")?
                    .as_deref()
                    .map(TraffickingStatus::parse)
                    .transpose()
                    .map_err(bad)?;
                Ok(CaseRow {
                    code: r.try_get("code")?,
                    case_type: CaseType::effective(chosen, ts),
                    status: CaseStatus::parse(&r.try_get::<String, _>("status")?).map_err(bad)?,
                    sex: Sex::parse(&r.try_get::<String, _>("sex")?).unwrap_or(Sex::OtherUnknown),
                    birth_date: r
                        .try_get::<Option<String>, _>("birth_date")?
                        .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()),
                    risk: r
                        .try_get::<Option<String>, _>("risk")?
                        .as_deref()
                        .map(RiskLevel::parse)
                        .transpose()
                        .map_err(bad)?,
                    region_id: opt_id(r, "region_id")?,
                    assigned_worker_id: opt_id(r, "assigned_worker_id")?,
                    restricted: r.try_get::<i64, _>("restricted")? != 0,
                    draft: r.try_get::<i64, _>("draft")? != 0,
                    updated_at: r.try_get("updated_at")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        self.audit_view(list_entry(actor, filter, request_id))
            .await?;
        Ok(CasePage {
            rows,
            total,
            total_exact: total < cap,
        })
    }

    /// Updates the person of a case, guarded by the person's version.
    pub async fn update_person(
        &self,
        unit: &mut Unit<'_>,
        actor: &Actor,
        code: &str,
        expected: Version,
        record: &PersonRecord,
    ) -> Result<Version, StoreError> {
        let scope = cases_visible_to(actor);
        let case = self.visible_case(&mut unit.tx, &scope, code).await?;
        if !case.draft
            && let Some(gap) = registration_gaps(record).into_iter().next()
        {
            return Err(gap.into());
        }
        let before = self.person_in(&mut unit.tx, case.person_id).await?;
        let version = self
            .write_person(&mut unit.tx, case.person_id, record, expected)
            .await?;
        self.write_version(
            &mut unit.tx,
            Some(actor),
            VersionOf {
                case_id: case.id,
                record_kind: "person",
                record_id: before.code.clone(),
                change: "update",
            },
            diff(&before.record.fields(), &record.fields()),
        )
        .await?;
        self.touch_case(&mut unit.tx, case.id).await?;
        unit.audit(AuditEntry::by(Some(actor), Action::Update).object("case", case.id))
            .await?;
        Ok(version)
    }

    pub(crate) async fn touch_case(&self, tx: &mut Tx, case_id: Uuid) -> Result<(), StoreError> {
        sqlx::query("UPDATE cases SET updated_at = $1 WHERE id = $2")
            .bind(now_micros())
            .bind(case_id.to_string())
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// Writes a changed case row, guarded by its version, and records the version and an
    /// audit entry (with `detail`, when given).
    #[allow(clippy::too_many_arguments)]
    async fn save_case(
        &self,
        unit: &mut Unit<'_>,
        actor: &Actor,
        before: &Case,
        after: &Case,
        expected: Version,
        change: &str,
        detail: Option<String>,
    ) -> Result<Version, StoreError> {
        self.save_case_with(unit, actor, (before, after), expected, change, detail, None)
            .await
    }

    /// `save_case`, with a `(field, value)` noted in the version beside the changed fields
    /// (the reason of a supervisor decision): encrypted like them, never in the audit log.
    #[allow(clippy::too_many_arguments)]
    async fn save_case_with(
        &self,
        unit: &mut Unit<'_>,
        actor: &Actor,
        (before, after): (&Case, &Case),
        expected: Version,
        change: &str,
        detail: Option<String>,
        noted: Option<(&str, &str)>,
    ) -> Result<Version, StoreError> {
        let done = sqlx::query(
            "UPDATE cases SET case_type = $1, status = $2, risk = $3, assigned_worker_id = $4, restricted = $5, \
             family_implicated = $6, draft = $7, closure_reason = $8, closure_requested_by = $9, closure_requested_at = $10, \
             version = version + 1, updated_at = $11 WHERE id = $12 AND version = $13",
        )
        .bind(after.chosen_type.as_str())
        .bind(after.status.as_str())
        .bind(after.risk.map(|r| r.as_str()))
        .bind(after.assigned_worker_id.map(|w| w.to_string()))
        .bind(flag(after.restricted))
        .bind(flag(after.family_implicated))
        .bind(flag(after.draft))
        .bind(after.closure_reason.clone())
        .bind(after.closure_requested_by.map(|w| w.to_string()))
        .bind(after.closure_requested_by.map(|_| now_micros()))
        .bind(now_micros())
        .bind(after.id.to_string())
        .bind(expected.0)
        .execute(&mut *unit.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(crate::db::explain_missed_update(
                &mut unit.tx,
                "cases",
                &after.id.to_string(),
            )
            .await);
        }
        self.write_version(
            &mut unit.tx,
            Some(actor),
            VersionOf {
                case_id: after.id,
                record_kind: "case",
                record_id: after.id.to_string(),
                change,
            },
            {
                let mut changes = diff(&before.fields(), &after.fields());
                if let Some((field, value)) = noted {
                    changes.push(crate::history::FieldChange {
                        field: field.to_string(),
                        old: String::new(),
                        new: value.to_string(),
                    });
                }
                changes
            },
        )
        .await?;
        let mut entry = AuditEntry::by(Some(actor), Action::Update).object("case", after.id);
        if let Some(detail) = detail {
            entry = entry.detail(detail);
        }
        unit.audit(entry).await?;
        Ok(expected.next())
    }

    /// Updates the details of a case: type, risk, assigned worker, restricted and
    /// family-implicated flags. Reassigning the case and lifting a protection are
    /// supervisor decisions: refused unless `may_supervise` (the `case.supervise`
    /// permission), and recorded as such in the history and the audit log.
    pub async fn update_case_details(
        &self,
        unit: &mut Unit<'_>,
        actor: &Actor,
        may_supervise: bool,
        code: &str,
        expected: Version,
        details: &CaseDetails,
    ) -> Result<Version, StoreError> {
        let scope = cases_visible_to(actor);
        let before = self.visible_case(&mut unit.tx, &scope, code).await?;
        if details.case_type == CaseType::IdentifiedVictim {
            return Err(Invalid::new("case_type", "identified-victim-not-chosen").into());
        }
        if let Some(w) = details.assigned_worker_id
            && Some(w) != before.assigned_worker_id
        {
            Self::check_worker(&mut unit.tx, before.org_id, w).await?;
        }
        let mut after = before.clone();
        after.chosen_type = details.case_type;
        after.risk = details.risk;
        after.assigned_worker_id = details.assigned_worker_id;
        after.restricted = details.restricted;
        after.family_implicated = details.family_implicated;
        let decisions = before.protection().decisions_to(&after.protection());
        if decisions.is_empty() {
            return self
                .save_case(unit, actor, &before, &after, expected, "update", None)
                .await;
        }
        if !may_supervise {
            return Err(StoreError::Refused("supervisor-decision"));
        }
        let lifts = decisions.iter().any(|d| *d != SupervisorDecision::Reassign);
        // A reason is words: spaces and invisible characters alone are none.
        let visible = |c: char| c.is_alphanumeric() && !yoldash_domain::is_invisible_format(c);
        if lifts && !details.decision_reason.chars().any(visible) {
            return Err(Invalid::new("decision_reason", "lift-reason-required").into());
        }
        let names: Vec<&str> = decisions.iter().map(|d| d.as_str()).collect();
        let detail = format!("supervisor_decision={}", names.join(","));
        let reason = details.decision_reason.trim();
        self.save_case_with(
            unit,
            actor,
            (&before, &after),
            expected,
            "supervisor_decision",
            Some(detail),
            (!reason.is_empty()).then_some(("decision_reason", reason)),
        )
        .await
    }

    /// Finishes a registration saved as a draft (the person must have what a registration needs).
    pub async fn finish_registration(
        &self,
        unit: &mut Unit<'_>,
        actor: &Actor,
        code: &str,
        expected: Version,
    ) -> Result<Version, StoreError> {
        let scope = cases_visible_to(actor);
        let before = self.visible_case(&mut unit.tx, &scope, code).await?;
        let person = self.person_in(&mut unit.tx, before.person_id).await?;
        if let Some(gap) = registration_gaps(&person.record).into_iter().next() {
            return Err(gap.into());
        }
        let mut after = before.clone();
        after.draft = false;
        self.save_case(unit, actor, &before, &after, expected, "update", None)
            .await
    }

    /// Changes the status. Closing needs a reason; a case worker's closure is recorded as a
    /// request that a supervisor (`may_approve`) then approves by closing.
    #[allow(clippy::too_many_arguments)]
    pub async fn change_status(
        &self,
        unit: &mut Unit<'_>,
        actor: &Actor,
        may_approve: bool,
        code: &str,
        expected: Version,
        to: CaseStatus,
        closure_reason: Option<String>,
    ) -> Result<StatusOutcome, StoreError> {
        let scope = cases_visible_to(actor);
        let before = self.visible_case(&mut unit.tx, &scope, code).await?;
        let reason = closure_reason.filter(|r| !r.trim().is_empty()).or_else(|| {
            before
                .closure_reason
                .clone()
                .filter(|_| to == CaseStatus::Closed)
        });
        if before.draft {
            return Err(Invalid::new("status", "finish-registration-first").into());
        }
        if to == CaseStatus::Closed
            && let Some(r) = &reason
        {
            // A closure reason is a code of the admin-edited `closure_reason` list.
            let known = self
                .reference_items("closure_reason", false)
                .await?
                .iter()
                .any(|i| &i.code == r);
            if !known {
                return Err(Invalid::new("closure_reason", "invalid-choice").into());
            }
            self.mark_used(unit, "closure_reason", r).await?;
        }
        let request = TransitionRequest {
            closure_reason: reason.clone(),
            supervisor_approval: may_approve,
        };
        let mut after = before.clone();
        match check_transition(before.status, to, &request) {
            Ok(()) => {
                after.status = to;
                if to == CaseStatus::Closed {
                    after.closure_reason = reason;
                } else {
                    after.closure_reason = None;
                }
                after.closure_requested_by = None;
                let v = self
                    .save_case(unit, actor, &before, &after, expected, "status", None)
                    .await?;
                Ok(StatusOutcome::Changed(v))
            }
            Err(yoldash_domain::case::TransitionError::ApprovalRequired) => {
                after.closure_reason = reason;
                after.closure_requested_by = Some(actor.user_id);
                let v = self
                    .save_case(
                        unit,
                        actor,
                        &before,
                        &after,
                        expected,
                        "closure_request",
                        None,
                    )
                    .await?;
                Ok(StatusOutcome::ClosureRequested(v))
            }
            Err(e) => Err(Invalid::new("status", e.message_key()).into()),
        }
    }

    /// Records the safe-contact arrangements (guarded by the case's version).
    pub async fn set_safe_contact(
        &self,
        unit: &mut Unit<'_>,
        actor: &Actor,
        code: &str,
        expected: Version,
        safe: &SafeContact,
    ) -> Result<Version, StoreError> {
        let scope = cases_visible_to(actor);
        let case = self.visible_case(&mut unit.tx, &scope, code).await?;
        let before = self
            .safe_contact_of(&mut unit.tx, case.id)
            .await?
            .unwrap_or_default();
        let id = case.id.to_string();
        let blob = self.seal_json("cases", "safe_contact", &id, safe);
        let done = sqlx::query(
            "UPDATE cases SET safe_contact = $1, version = version + 1, updated_at = $2 WHERE id = $3 AND version = $4",
        )
        .bind(blob)
        .bind(now_micros())
        .bind(&id)
        .bind(expected.0)
        .execute(&mut *unit.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(crate::db::explain_missed_update(&mut unit.tx, "cases", &id).await);
        }
        self.write_version(
            &mut unit.tx,
            Some(actor),
            VersionOf {
                case_id: case.id,
                record_kind: "safe_contact",
                record_id: id,
                change: "update",
            },
            diff(&before.fields(), &safe.fields()),
        )
        .await?;
        unit.audit(AuditEntry::by(Some(actor), Action::Update).object("case", case.id))
            .await?;
        Ok(expected.next())
    }

    /// Counts for the home dashboard: the actor's open cases, drafts and high-risk open
    /// cases, and (for supervisors) closures waiting for approval. Counts only: no audit.
    pub async fn case_work(&self, actor: &Actor) -> Result<CaseWork, StoreError> {
        let scope = cases_visible_to(actor);
        let (org, user, sup) = scope.bind_values();
        let sql = format!(
            "SELECT \
             COALESCE(SUM(CASE WHEN c.assigned_worker_id = $4 AND c.status <> 'closed' AND c.draft = 0 THEN 1 ELSE 0 END), 0) AS open, \
             COALESCE(SUM(CASE WHEN c.assigned_worker_id = $4 AND c.draft = 1 THEN 1 ELSE 0 END), 0) AS drafts, \
             COALESCE(SUM(CASE WHEN c.assigned_worker_id = $4 AND c.status <> 'closed' AND c.risk = 'high' THEN 1 ELSE 0 END), 0) AS high, \
             COALESCE(SUM(CASE WHEN c.closure_requested_by IS NOT NULL AND c.status <> 'closed' THEN 1 ELSE 0 END), 0) AS pending \
             FROM cases c WHERE {}",
            scope.condition(1)
        );
        let r = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org)
            .bind(user.clone())
            .bind(sup)
            .bind(user)
            .fetch_one(&self.db.pool)
            .await?;
        Ok(CaseWork {
            open: r.try_get("open")?,
            drafts: r.try_get("drafts")?,
            high_risk: r.try_get("high")?,
            closure_requests: if scope.sees_restricted {
                r.try_get("pending")?
            } else {
                0
            },
        })
    }

    /// How many cases an organisation holds (a count: no audit entry).
    pub async fn case_count(&self, org_id: Uuid) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM cases WHERE org_id = $1")
                .bind(org_id.to_string())
                .fetch_one(&self.db.pool)
                .await?,
        )
    }

    /// Closure requests waiting for a supervisor of `org_id` (codes only).
    pub async fn closure_requests(&self, org_id: Uuid) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT code FROM cases WHERE org_id = $1 AND closure_requested_by IS NOT NULL AND status <> 'closed' ORDER BY updated_at",
        )
        .bind(org_id.to_string())
        .fetch_all(&self.db.pool)
        .await?)
    }
}

/// Conditions of a query and the values they bind, numbered in order.
/// A search that finds at most this many people names them in the list's query.
const MOST_PEOPLE_LISTED: usize = 500;

/// The audit entry of a list view: which filters were used, never the searched words.
fn list_entry<'a>(
    actor: &Actor,
    filter: &CaseFilter,
    request_id: Option<&'a str>,
) -> AuditEntry<'a> {
    let detail = filter.audit_detail();
    let entry = AuditEntry::by(Some(actor), Action::List)
        .object("case", "list")
        .request(request_id);
    if detail.is_empty() {
        entry
    } else {
        entry.detail(detail)
    }
}

impl Store {
    /// For a name or document search: the people who have every name word and the
    /// document (one index range each, intersected), up to one more than
    /// `MOST_PEOPLE_LISTED`. `None` when the filter searches for nobody.
    async fn people_found(&self, filter: &CaseFilter) -> Result<Option<Vec<String>>, StoreError> {
        let Some((sql, values)) = people_search(filter, 0) else {
            return Ok(None);
        };
        let sql = format!("{sql} LIMIT {}", MOST_PEOPLE_LISTED + 1);
        let q = bind_all!(
            sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql)),
            values
        );
        Ok(Some(q.fetch_all(&self.db.pool).await?))
    }
}

/// The query of the people who have every searched name word and the document, with its
/// values (placeholders numbered after `before`); `None` when nothing is searched.
fn people_search(filter: &CaseFilter, before: usize) -> Option<(String, Vec<Value>)> {
    let names = &filter.name_digests;
    let words = names.digests.iter().map(|d| (names.kind, d));
    let document = filter.document_digest.iter().map(|d| (DOCUMENT, d));
    let (parts, values): (Vec<String>, Vec<Value>) = words
        .chain(document)
        .enumerate()
        .map(|(i, (kind, digest))| {
            (
                format!(
                    "SELECT person_id FROM person_index WHERE kind = '{kind}' AND digest = ${}",
                    before + i + 1
                ),
                Value::Text(digest.clone()),
            )
        })
        .unzip();
    (!parts.is_empty()).then(|| (parts.join(" INTERSECT "), values))
}

struct Conditions {
    sql: String,
    values: Vec<Value>,
}

impl Conditions {
    /// Appends a fragment whose `$?` is the next placeholder.
    fn add(&mut self, fragment: &str, value: Value) {
        self.values.push(value);
        self.sql
            .push_str(&fragment.replace("$?", &format!("${}", self.values.len())));
    }
}
