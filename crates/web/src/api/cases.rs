//! Cases over the API: the same store calls as the pages, so the same visibility (404
//! outside the scope), the same audit entries, versions and conflicts.

use super::{ApiParams, Body, KnownParams, LazyBody, parse_id};
use crate::AppState;
use crate::auth::{Auth, RequestId};
use crate::casework::{
    HistoryEntry, ListQuery, Lookups, PAGE_SIZE, history as history_of, open_case_file,
};
use crate::error::AppError;
use crate::i18n::{Lang, Tr};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use yoldash_domain::case::{CaseStatus, CaseType, RiskLevel};
use yoldash_domain::consent::{ConsentForm, GivenBy, Purpose, may_use};
use yoldash_domain::{Permission, Version};
use yoldash_store::case_records::{ConsentDetails, IdentificationRecord, MemberRecord, NewConsent};
use yoldash_store::cases::{CaseDetails, CaseFile, CasePage, NewCase, SafeContact, StatusOutcome};
use yoldash_store::persons::PersonRecord;

async fn open(state: &AppState, auth: &Auth, code: &str, rid: &str) -> Result<CaseFile, AppError> {
    open_case_file(state, auth, code, rid).await
}

/// A page of the case list.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CaseListView {
    /// Matching cases, counted up to 1,000 past this page.
    pub total: i64,
    /// False when more cases match than `total` (counting stopped there).
    pub total_exact: bool,
    pub page: i64,
    pub page_size: i64,
    /// Case codes and non-identifying fields only.
    pub cases: Vec<yoldash_store::cases::CaseRow>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ListParams {
    /// Case type code (`identified_victim` follows from identification).
    #[serde(rename = "type")]
    #[param(value_type = Option<CaseType>)]
    case_type: Option<String>,
    #[param(value_type = Option<CaseStatus>)]
    status: Option<String>,
    #[param(value_type = Option<yoldash_domain::person::Sex>)]
    sex: Option<String>,
    /// Age band as `set:code`, e.g. `child_adult:child` or `humanitarian:12-17`.
    age: Option<String>,
    #[param(value_type = Option<RiskLevel>)]
    risk: Option<String>,
    /// Region code; sub-regions are included.
    region: Option<String>,
    /// Assigned worker's user id, or `me`.
    worker: Option<String>,
    /// `1`: drafts only.
    drafts: Option<String>,
    /// `1`: closures waiting for a supervisor's approval.
    pending: Option<String>,
    page: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/cases", operation_id = "listCases", params(ListParams), responses((status = 200, body = CaseListView), (status = 422)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    RequestId(rid): RequestId,
    ApiParams(q): ApiParams<ListQuery>,
) -> Result<Json<CaseListView>, AppError> {
    list_page(state, auth, rid, q).await
}

/// An exact search by name or document number: posted, so that names stay out of URLs.
#[derive(Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchBody {
    /// Name words, in any script ("aygul", "Айгуль" and "Aýgül" meet); every word must match.
    #[serde(default)]
    pub q: String,
    /// A document number, exactly.
    #[serde(default)]
    pub doc: String,
    pub page: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/cases/search", operation_id = "searchCases", request_body = SearchBody, responses((status = 200, body = CaseListView)))]
pub async fn search(
    State(state): State<AppState>,
    auth: Auth,
    RequestId(rid): RequestId,
    Body(body): Body<SearchBody>,
) -> Result<Json<CaseListView>, AppError> {
    let q = ListQuery {
        q: body.q,
        doc: body.doc,
        page: body.page,
        ..Default::default()
    };
    list_page(state, auth, rid, q).await
}

async fn list_page(
    state: AppState,
    auth: Auth,
    rid: String,
    q: ListQuery,
) -> Result<Json<CaseListView>, AppError> {
    let lookups = Lookups::load(&state, &auth, crate::i18n::Tr(Default::default())).await?;
    let unknown = q.unknown_filters(&state, &lookups);
    if !unknown.is_empty() {
        return Err(AppError::Invalid(unknown));
    }
    let filter = q.filter(&state, &lookups, auth.actor.user_id);
    let page = q.page.unwrap_or(1).clamp(1, 100_000);
    let CasePage {
        rows,
        total,
        total_exact,
    } = state
        .store
        .case_list(
            &auth.actor,
            &filter,
            (page - 1) * PAGE_SIZE,
            PAGE_SIZE,
            Some(&rid),
        )
        .await?;
    Ok(Json(CaseListView {
        total,
        total_exact,
        page,
        page_size: PAGE_SIZE,
        cases: rows,
    }))
}

/// A new case and its person. Unless `draft` is true, the person needs a `given_name` or a
/// `family_name` and a birth date or estimated age (`person.facts.birth`); each one
/// missing is answered 422 with its field (`given_name`, `birth_date`).
#[derive(Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCaseBody {
    /// One of the choosable case types.
    pub case_type: CaseType,
    /// The person; see above for what a finished registration needs.
    pub person: PersonRecord,
    pub risk: Option<RiskLevel>,
    pub assigned_worker_id: Option<Uuid>,
    #[serde(default)]
    pub restricted: bool,
    #[serde(default)]
    pub family_implicated: bool,
    /// Save part-way: a name and a birth are not yet required.
    #[serde(default)]
    pub draft: bool,
}

/// The whole case file, as the caller may see it (the household is absent when hidden).
#[derive(Serialize, utoipa::ToSchema)]
pub struct CaseFileView {
    #[serde(flatten)]
    pub file: CaseFile,
    /// The case type as shown ("identified victim" follows from the identification).
    pub case_type: String,
}

impl From<CaseFile> for CaseFileView {
    fn from(file: CaseFile) -> Self {
        Self {
            case_type: file.case.case_type().as_str().to_string(),
            file,
        }
    }
}

#[utoipa::path(post, path = "/api/v1/cases", operation_id = "createCase", request_body = NewCaseBody, responses((status = 201, body = CaseFileView), (status = 422)))]
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Body(body): Body<NewCaseBody>,
) -> Result<(StatusCode, Json<CaseFileView>), AppError> {
    let mut unit = state.store.unit().await?;
    let case = state
        .store
        .register_case(
            &mut unit,
            &auth.actor,
            &NewCase {
                case_type: body.case_type,
                person: body.person,
                risk: body.risk,
                assigned_worker_id: body.assigned_worker_id,
                restricted: body.restricted,
                family_implicated: body.family_implicated,
                draft: body.draft,
            },
        )
        .await
        .map_err(|e| AppError::from(e).renamed("assigned_worker", "assigned_worker_id"))?;
    // Read before the commit: once the case exists, the answer must not fail.
    let file = state
        .store
        .case_file_in(&mut unit, &auth.actor, &case.code)
        .await?;
    unit.commit().await?;
    Ok((StatusCode::CREATED, Json(file.into())))
}

#[utoipa::path(get, path = "/api/v1/cases/{code}", operation_id = "getCase", params(("code" = String, Path)), responses((status = 200, body = CaseFileView), (status = 404)))]
pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    RequestId(rid): RequestId,
    Path(code): Path<String>,
) -> Result<Json<CaseFileView>, AppError> {
    Ok(Json(open(&state, &auth, &code, &rid).await?.into()))
}

/// The new version of what was saved.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Saved {
    pub version: i64,
}

#[derive(Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonBody {
    /// The person's version the change is based on.
    pub version: i64,
    pub person: PersonRecord,
}

#[utoipa::path(put, path = "/api/v1/cases/{code}/person", operation_id = "updateCasePerson", params(("code" = String, Path)), request_body = PersonBody, responses((status = 200, body = Saved), (status = 404), (status = 409)))]
pub async fn update_person(
    State(state): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
    body: LazyBody,
) -> Result<Json<Saved>, AppError> {
    state.store.check_case_visible(&auth.actor, &code).await?;
    let body: PersonBody = body.parse()?;
    let mut unit = state.store.unit().await?;
    let v = state
        .store
        .update_person(
            &mut unit,
            &auth.actor,
            &code,
            Version(body.version),
            &body.person,
        )
        .await?;
    unit.commit().await?;
    Ok(Json(Saved { version: v.0 }))
}

#[derive(Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DetailsBody {
    /// The case's version the change is based on.
    pub version: i64,
    pub case_type: CaseType,
    /// Required (`null` for none): left out, it would clear the risk by omission.
    #[serde(deserialize_with = "Option::deserialize")]
    #[schema(required = true)]
    pub risk: Option<RiskLevel>,
    /// The worker who holds the case. Another value, or `null`, reassigns the case: a
    /// supervisor's decision (403 `/problems/supervisor-decision` for anyone else).
    /// Required, like the flags: a client that left it out would unassign by omission.
    #[serde(deserialize_with = "Option::deserialize")]
    #[schema(required = true)]
    pub assigned_worker_id: Option<Uuid>,
    /// Setting it is open to whoever manages the case; clearing it is a supervisor's decision.
    pub restricted: bool,
    /// Setting it is open to whoever manages the case; clearing it is a supervisor's decision.
    pub family_implicated: bool,
    /// Why a protection is lifted: required when `restricted` or `family_implicated` is
    /// cleared (422 `lift-reason-required`). Kept in the case's history.
    #[serde(default)]
    pub decision_reason: String,
}

#[utoipa::path(put, path = "/api/v1/cases/{code}/details", operation_id = "updateCaseDetails", params(("code" = String, Path)), request_body = DetailsBody, responses((status = 200, body = Saved), (status = 404), (status = 409)))]
pub async fn update_details(
    State(state): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
    body: LazyBody,
) -> Result<Json<Saved>, AppError> {
    state.store.check_case_visible(&auth.actor, &code).await?;
    let b: DetailsBody = body.parse()?;
    let mut unit = state.store.unit().await?;
    let v = state
        .store
        .update_case_details(
            &mut unit,
            &auth.actor,
            auth.actor
                .may(&state.permissions, Permission::CaseSupervise),
            &code,
            Version(b.version),
            &CaseDetails {
                case_type: b.case_type,
                risk: b.risk,
                assigned_worker_id: b.assigned_worker_id,
                restricted: b.restricted,
                family_implicated: b.family_implicated,
                decision_reason: b.decision_reason,
            },
        )
        .await
        .map_err(|e| AppError::from(e).renamed("assigned_worker", "assigned_worker_id"))?;
    unit.commit().await?;
    Ok(Json(Saved { version: v.0 }))
}

#[derive(Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    pub version: i64,
    pub to: CaseStatus,
    /// For closing: a code of the `closure_reason` list.
    pub closure_reason: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct StatusAnswer {
    pub version: i64,
    /// `closure_requested` when a case worker's closure awaits a supervisor.
    pub outcome: Outcome,
}

/// What a status change did.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Changed,
    ClosureRequested,
}

#[utoipa::path(post, path = "/api/v1/cases/{code}/status", operation_id = "changeCaseStatus", params(("code" = String, Path)), request_body = StatusBody, responses((status = 200, body = StatusAnswer), (status = 409), (status = 422)))]
pub async fn change_status(
    State(state): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
    body: LazyBody,
) -> Result<Json<StatusAnswer>, AppError> {
    state.store.check_case_visible(&auth.actor, &code).await?;
    let b: StatusBody = body.parse()?;
    let may_approve = auth.actor.may(&state.permissions, Permission::CaseApprove);
    let mut unit = state.store.unit().await?;
    let outcome = state
        .store
        .change_status(
            &mut unit,
            &auth.actor,
            may_approve,
            &code,
            Version(b.version),
            b.to,
            b.closure_reason,
        )
        .await?;
    unit.commit().await?;
    Ok(Json(match outcome {
        StatusOutcome::Changed(v) => StatusAnswer {
            version: v.0,
            outcome: Outcome::Changed,
        },
        StatusOutcome::ClosureRequested(v) => StatusAnswer {
            version: v.0,
            outcome: Outcome::ClosureRequested,
        },
    }))
}

#[derive(Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SafetyBody {
    pub version: i64,
    pub safe_contact: SafeContact,
}

#[utoipa::path(put, path = "/api/v1/cases/{code}/safety", operation_id = "updateCaseSafety", params(("code" = String, Path)), request_body = SafetyBody, responses((status = 200, body = Saved), (status = 404), (status = 409)))]
pub async fn update_safety(
    State(state): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
    body: LazyBody,
) -> Result<Json<Saved>, AppError> {
    state.store.check_case_visible(&auth.actor, &code).await?;
    let b: SafetyBody = body.parse()?;
    let mut unit = state.store.unit().await?;
    let v = state
        .store
        .set_safe_contact(
            &mut unit,
            &auth.actor,
            &code,
            Version(b.version),
            &b.safe_contact,
        )
        .await?;
    unit.commit().await?;
    Ok(Json(Saved { version: v.0 }))
}

#[derive(Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberBody {
    pub person: PersonRecord,
    pub member: MemberRecord,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Created {
    pub id: Uuid,
}

#[utoipa::path(post, path = "/api/v1/cases/{code}/household", operation_id = "addHouseholdMember", params(("code" = String, Path)), request_body = MemberBody, responses((status = 201, body = Created), (status = 404), (status = 422)))]
pub async fn add_member(
    State(state): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
    body: LazyBody,
) -> Result<(StatusCode, Json<Created>), AppError> {
    state.store.check_case_visible(&auth.actor, &code).await?;
    let b: MemberBody = body.parse()?;
    let mut unit = state.store.unit().await?;
    let id = state
        .store
        .add_household_member(&mut unit, &auth.actor, &code, &b.person, &b.member)
        .await?;
    unit.commit().await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentBody {
    pub purpose: Purpose,
    /// For `sharing`: the organisation it allows.
    pub organisation_id: Option<Uuid>,
    pub given_at: DateTime<Utc>,
    pub form: ConsentForm,
    pub given_by: GivenBy,
    #[serde(default)]
    pub representative_name: String,
    #[serde(default)]
    pub child_view: String,
    #[serde(default)]
    pub witness: String,
}

#[utoipa::path(post, path = "/api/v1/cases/{code}/consents", operation_id = "recordConsent", params(("code" = String, Path)), request_body = ConsentBody, responses((status = 201, body = Created), (status = 404), (status = 422)))]
pub async fn add_consent(
    State(state): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
    body: LazyBody,
) -> Result<(StatusCode, Json<Created>), AppError> {
    state.store.check_case_visible(&auth.actor, &code).await?;
    let b: ConsentBody = body.parse()?;
    let mut unit = state.store.unit().await?;
    let id = state
        .store
        .record_consent(
            &mut unit,
            &auth.actor,
            &code,
            &NewConsent {
                purpose: b.purpose,
                organisation_id: b.organisation_id,
                given_at: b.given_at,
                form: b.form,
                given_by: b.given_by,
                details: ConsentDetails {
                    representative_name: b.representative_name,
                    child_view: b.child_view,
                    witness: b.witness,
                },
            },
        )
        .await?;
    unit.commit().await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawBody {
    pub version: i64,
}

#[utoipa::path(post, path = "/api/v1/cases/{code}/consents/{id}/withdraw", operation_id = "withdrawConsent", params(("code" = String, Path), ("id" = String, Path)), request_body = WithdrawBody, responses((status = 204), (status = 404), (status = 409)))]
pub async fn withdraw_consent(
    State(state): State<AppState>,
    auth: Auth,
    Path((code, id)): Path<(String, String)>,
    body: LazyBody,
) -> Result<StatusCode, AppError> {
    state.store.check_case_visible(&auth.actor, &code).await?;
    let id = parse_id(&id)?;
    let b: WithdrawBody = body.parse()?;
    let mut unit = state.store.unit().await?;
    state
        .store
        .withdraw_consent(
            &mut unit,
            &auth.actor,
            &code,
            id,
            Version(b.version),
            Utc::now(),
        )
        .await?;
    unit.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

impl KnownParams for ListQuery {
    const NAMES: &'static [&'static str] = &[
        "type", "status", "sex", "age", "risk", "region", "worker", "drafts", "pending", "page",
    ];
}

impl KnownParams for ConsentQuery {
    const NAMES: &'static [&'static str] = &["purpose", "organisation_id"];
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConsentQuery {
    /// Required; read as text so that a missing or unknown purpose answers 422.
    #[param(value_type = Purpose)]
    purpose: Option<String>,
    /// For `sharing`: the organisation to share with.
    #[param(value_type = Option<Uuid>)]
    organisation_id: Option<String>,
}

/// The answer of the consent rule.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ConsentAnswer {
    pub allowed: bool,
    /// `consent-allowed`, `consent-missing`, `consent-withdrawn`, `consent-representative-required`.
    pub reason: String,
}

#[utoipa::path(get, path = "/api/v1/cases/{code}/consent-check", operation_id = "checkConsent", params(("code" = String, Path), ConsentQuery), responses((status = 200, body = ConsentAnswer), (status = 422)))]
pub async fn consent_check(
    State(state): State<AppState>,
    auth: Auth,
    RequestId(rid): RequestId,
    Path(code): Path<String>,
    ApiParams(q): ApiParams<ConsentQuery>,
) -> Result<Json<ConsentAnswer>, AppError> {
    let file = open(&state, &auth, &code, &rid).await?;
    let purpose = Purpose::parse(q.purpose.as_deref().unwrap_or_default())
        .map_err(|_| AppError::invalid("purpose", "invalid-choice"))?;
    let now = Utc::now();
    let is_child = file
        .person
        .record
        .facts
        .birth
        .is_some_and(|b| b.is_child_on(now.date_naive()));
    let consents: Vec<_> = file.consents.iter().map(|c| c.as_consent()).collect();
    let organisation = match q.organisation_id.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(
            Uuid::parse_str(s)
                .map_err(|_| AppError::invalid("organisation_id", "invalid-choice"))?,
        ),
        None => None,
    };
    let d = may_use(&consents, is_child, purpose, organisation, now);
    Ok(Json(ConsentAnswer {
        allowed: d.allowed(),
        reason: d.message_key().to_string(),
    }))
}

#[derive(Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentificationBody {
    /// The identification's version; absent for the first one.
    pub version: Option<i64>,
    pub identification: IdentificationRecord,
}

#[utoipa::path(put, path = "/api/v1/cases/{code}/identification", operation_id = "saveIdentification", params(("code" = String, Path)), request_body = IdentificationBody, responses((status = 200, body = Saved), (status = 404), (status = 409)))]
pub async fn save_identification(
    State(state): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
    body: LazyBody,
) -> Result<Json<Saved>, AppError> {
    state.store.check_case_visible(&auth.actor, &code).await?;
    let b: IdentificationBody = body.parse()?;
    let mut unit = state.store.unit().await?;
    let v = state
        .store
        .save_identification(
            &mut unit,
            &auth.actor,
            &code,
            b.version.map(Version),
            &b.identification,
        )
        .await?;
    unit.commit().await?;
    Ok(Json(Saved { version: v.0 }))
}

/// The case's history, newest first, in the caller's language: who changed what, when,
/// from which value to which (the history tab of the case page, as data).
#[utoipa::path(get, path = "/api/v1/cases/{code}/history", operation_id = "getCaseHistory", params(("code" = String, Path)), responses((status = 200, body = Vec<HistoryEntry>)))]
pub async fn history(
    State(state): State<AppState>,
    auth: Auth,
    lang: Lang,
    RequestId(rid): RequestId,
    Path(code): Path<String>,
) -> Result<Json<Vec<HistoryEntry>>, AppError> {
    let file = open(&state, &auth, &code, &rid).await?;
    let t = Tr(lang);
    let lookups = Lookups::load(&state, &auth, t).await?;
    Ok(Json(history_of(t, &lookups, &file.history)))
}
