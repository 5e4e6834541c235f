//! The case page: a summary with the safe-contact notice first, then tabs (person,
//! household, consent, identification, safety, history), and the forms behind them. A form
//! with errors comes back on its tab with what was typed; a conflict shows the stored values.

use super::Lookups;
use super::forms::*;
use crate::AppState;
use crate::auth::{Auth, RequestId};
use crate::casework::history_label;
use crate::confirm::{ConfirmPage, DateField};
use crate::error::AppError;
use crate::fields::{FieldSet, Fields, FormData};
use crate::forms::FieldErrors;
use crate::i18n::Tr;
use crate::shell::{PageCtx, redirect_with_flash};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use chrono::Utc;
use serde::Deserialize;
use yoldash_domain::case::{CaseStatus, next_statuses};
use yoldash_domain::consent::{Purpose, may_use};
use yoldash_domain::household::{Member, left_behind};
use yoldash_domain::{Permission, Version};
use yoldash_store::StoreError;
use yoldash_store::case_records::{code_of, situation_code};
use yoldash_store::cases::{CaseDetails, CaseFile, StatusOutcome};

/// The tabs, in order.
pub const TABS: [&str; 6] = [
    "person",
    "household",
    "consent",
    "identification",
    "safety",
    "history",
];

#[derive(Deserialize)]
pub struct TabQuery {
    tab: Option<String>,
}

/// What the safe-contact notice shows, first on the page.
pub struct SafeNotice {
    pub recorded: bool,
    pub may_contact: bool,
    pub do_not_call: bool,
    pub how: String,
    pub safe_hours: String,
    pub code_word: String,
}

pub struct MemberRow {
    pub id: String,
    pub code: String,
    pub name: String,
    pub relation: String,
    pub sex: String,
    pub age: String,
    pub situation: String,
    pub cares: bool,
    pub version: i64,
}

pub struct ConsentRow {
    pub id: String,
    pub purpose: String,
    pub organisation: String,
    pub given_on: String,
    pub form: String,
    pub given_by: String,
    pub withdrawn: String,
    pub recorded_by: String,
    pub version: i64,
}

pub struct HistoryRow {
    pub when: String,
    pub who: String,
    pub what: String,
    /// For a creation: the fields that were filled.
    pub filled: String,
    pub changes: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "case.html")]
pub struct CasePage {
    page: PageCtx,
    code: String,
    tab: &'static str,
    tabs: Vec<(&'static str, String, bool)>,
    summary: Vec<(String, String)>,
    restricted: bool,
    family_implicated: bool,
    draft: bool,
    closure_pending: String,
    safe: SafeNotice,
    version: i64,
    person_version: i64,
    ident_version: i64,
    may_manage: bool,
    may_approve: bool,
    form_error: String,
    /// On a conflict: the stored values (label, value).
    current: Vec<(String, String)>,
    details_sets: Vec<FieldSet>,
    status_options: Vec<(String, String)>,
    closure_reasons: Vec<(String, String)>,
    sets: Vec<FieldSet>,
    household_hidden: bool,
    household: Vec<MemberRow>,
    left_behind: Vec<String>,
    consents: Vec<ConsentRow>,
    consent_now: Vec<(String, String, bool)>,
    history: Vec<HistoryRow>,
}

/// A form coming back with problems: which one, what was typed, its errors, and for a
/// conflict the stored values.
pub struct Returned {
    pub form: &'static str,
    pub data: FormData,
    pub errors: FieldErrors,
    pub current: Vec<(String, String)>,
    pub status: StatusCode,
}

fn tab_of(form: &str) -> &'static str {
    match form {
        "member" => "household",
        "consent" => "consent",
        "identification" => "identification",
        "safety" | "details" | "status" => "safety",
        _ => "person",
    }
}

/// Builds the case page for `tab`, with a returned form if there is one.
async fn build(
    state: &AppState,
    auth: &Auth,
    page: PageCtx,
    file: CaseFile,
    tab: &'static str,
    returned: Option<Returned>,
) -> Result<CasePage, AppError> {
    let t = page.t;
    let lookups = Lookups::load(state, auth, t).await?;
    let today = Utc::now().date_naive();
    let c = &file.case;
    let person = &file.person.record;
    let details = CaseDetails {
        case_type: c.chosen_type,
        risk: c.risk,
        assigned_worker_id: c.assigned_worker_id,
        restricted: c.restricted,
        family_implicated: c.family_implicated,
        decision_reason: String::new(),
    };
    let (form, data, errors, current, _) = match returned {
        Some(r) => (r.form, Some(r.data), r.errors, r.current, r.status),
        None => ("", None, FieldErrors::new(), Vec::new(), StatusCode::OK),
    };
    let data_for = |name: &str, stored: FormData| -> FormData {
        match (&data, form == name) {
            (Some(d), true) => d.clone(),
            _ => stored,
        }
    };
    let no_errors = FieldErrors::new();
    let errors_for = |name: &str| if form == name { &errors } else { &no_errors };
    let details_data = data_for("details", details_to_form(&details));
    let details_sets = details_sets(
        &Fields {
            t,
            data: &details_data,
            errors: errors_for("details"),
            prefix: "",
        },
        &lookups.choices,
        DetailsLocks::for_case(
            auth.actor
                .may(&state.permissions, Permission::CaseSupervise),
            c.protection(),
        ),
        &lookups.supervisors,
    );
    let sets_data;
    let sets = match tab {
        "person" => {
            sets_data = data_for("person", person_to_form(person, &lookups.choices));
            person_sets(
                &Fields {
                    t,
                    data: &sets_data,
                    errors: errors_for("person"),
                    prefix: "",
                },
                &lookups.choices,
            )
        }
        "household" => {
            sets_data = data_for("member", FormData::default());
            member_sets(
                &Fields {
                    t,
                    data: &sets_data,
                    errors: errors_for("member"),
                    prefix: "",
                },
                &lookups.choices,
            )
        }
        "consent" => {
            let mut blank = FormData::default();
            blank.set("given_on", today.to_string());
            sets_data = data_for("consent", blank);
            consent_sets(
                &Fields {
                    t,
                    data: &sets_data,
                    errors: errors_for("consent"),
                    prefix: "",
                },
                &lookups.choices,
            )
        }
        "identification" => {
            let stored = file
                .identification
                .as_ref()
                .map(|i| identification_to_form(&i.record))
                .unwrap_or_default();
            sets_data = data_for("identification", stored);
            identification_sets(
                &Fields {
                    t,
                    data: &sets_data,
                    errors: errors_for("identification"),
                    prefix: "",
                },
                &lookups.choices,
            )
        }
        "safety" => {
            let stored = file
                .safe_contact
                .as_ref()
                .map(safety_to_form)
                .unwrap_or_default();
            sets_data = data_for("safety", stored);
            safety_sets(&Fields {
                t,
                data: &sets_data,
                errors: errors_for("safety"),
                prefix: "",
            })
        }
        _ => Vec::new(),
    };
    let age = person.facts.birth.and_then(|b| b.age_on(today));
    let is_child = person.facts.birth.is_some_and(|b| b.is_child_on(today));
    let mut summary = vec![
        (
            t.get("label-case_type"),
            t.get(&format!("case-type-{}", c.case_type().as_str())),
        ),
        (
            t.get("label-status"),
            t.get(&format!("case-status-{}", c.status.as_str())),
        ),
        (
            t.get("label-risk"),
            c.risk
                .map(|r| t.get(&format!("risk-{}", r.as_str())))
                .unwrap_or_else(|| t.get("not-recorded")),
        ),
        (
            t.get("label-sex"),
            t.get(&format!("sex-{}", person.facts.sex.as_str())),
        ),
        (
            t.get("label-age"),
            age.map(|a| t.count("age-years", i64::from(a)))
                .unwrap_or_else(|| t.get("not-recorded")),
        ),
        (
            t.get("label-assigned_worker"),
            c.assigned_worker_id
                .map(|w| lookups.worker_name(w))
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| t.get("not-assigned")),
        ),
        (t.get("label-registered"), t.datetime(c.created_at)),
    ];
    if let Some(ident) = &file.identification {
        summary.push((
            t.get("label-trafficking_status"),
            t.get(&format!(
                "trafficking-{}",
                ident.record.trafficking_status.as_str()
            )),
        ));
    }
    let safe = match &file.safe_contact {
        Some(s) => SafeNotice {
            recorded: true,
            may_contact: s.may_contact,
            do_not_call: s.do_not_call,
            how: s.how.clone(),
            safe_hours: s.safe_hours.clone(),
            code_word: s.code_word.clone(),
        },
        None => SafeNotice {
            recorded: false,
            may_contact: false,
            do_not_call: false,
            how: String::new(),
            safe_hours: String::new(),
            code_word: String::new(),
        },
    };
    let household_hidden = file.household.is_none();
    let members = file.household.clone().unwrap_or_default();
    let household = members
        .iter()
        .map(|m| {
            let p = &m.person.record;
            let situation = match &m.member.situation {
                yoldash_domain::household::MigrationSituation::Abroad {
                    country,
                    in_contact,
                    ..
                } => format!(
                    "{} — {}{}",
                    t.get("situation-abroad"),
                    yoldash_domain::catalogue::Catalogue::countries().name(country, t.lang()),
                    if *in_contact {
                        String::new()
                    } else {
                        format!(" ({})", t.get("no-contact"))
                    }
                ),
                s => t.get(&format!("situation-{}", situation_code(s))),
            };
            MemberRow {
                id: m.id.to_string(),
                code: m.person.code.clone(),
                name: p.identity.full_name(),
                relation: t.get(&m.member.relation.label_key()),
                sex: t.get(&format!("sex-{}", p.facts.sex.as_str())),
                age: p
                    .facts
                    .birth
                    .and_then(|b| b.age_on(today))
                    .map(|a| t.count("age-years", i64::from(a)))
                    .unwrap_or_default(),
                situation,
                cares: m.member.cares_for_child,
                version: m.version.0,
            }
        })
        .collect();
    let mut left = Vec::new();
    if is_child
        && let Some(lb) = left_behind(
            &members
                .iter()
                .map(|m| Member {
                    relation: m.member.relation,
                    situation: m.member.situation.clone(),
                })
                .collect::<Vec<_>>(),
        )
    {
        left.push(t.count("left-behind-parents-abroad", lb.parents_abroad as i64));
        if lb.has_caregiver_at_home {
            left.push(t.get("left-behind-caregiver"));
        } else {
            left.push(t.get("left-behind-no-caregiver"));
        }
        if lb.contact_lost {
            left.push(t.get("left-behind-contact-lost"));
        }
        if lb.high_risk() {
            left.push(t.get("left-behind-high-risk"));
        }
    }
    let consents = file
        .consents
        .iter()
        .map(|k| ConsentRow {
            id: k.id.to_string(),
            purpose: t.get(&format!("purpose-{}", k.purpose.as_str())),
            organisation: k
                .organisation_id
                .map(|o| lookups.org_name(o))
                .unwrap_or_default(),
            given_on: k.given_at.date_naive().to_string(),
            form: t.get(&format!("consent-form-{}", code_of(&k.form))),
            given_by: t.get(&format!("given-by-{}", code_of(&k.given_by))),
            recorded_by: k
                .recorded_by
                .map(|u| lookups.worker_name(u))
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| t.get("history-someone")),
            withdrawn: k
                .withdrawn_at
                .map(|w| w.date_naive().to_string())
                .unwrap_or_default(),
            version: k.version.0,
        })
        .collect();
    let rule_view: Vec<_> = file.consents.iter().map(|k| k.as_consent()).collect();
    let consent_now = [Purpose::Assistance, Purpose::Statistics]
        .iter()
        .map(|p| {
            let d = may_use(&rule_view, is_child, *p, None, Utc::now());
            (
                t.get(&format!("purpose-{}", p.as_str())),
                t.get(d.message_key()),
                d.allowed(),
            )
        })
        .collect();
    let status_options = next_statuses(c.status)
        .into_iter()
        .map(|s| {
            (
                s.as_str().to_string(),
                t.get(&format!("case-status-{}", s.as_str())),
            )
        })
        .collect();
    let may_manage = auth.actor.may(&state.permissions, Permission::CaseManage);
    let may_approve = auth.actor.may(&state.permissions, Permission::CaseApprove);
    let closure_pending = match (&c.closure_requested_by, &c.closure_reason) {
        (Some(_), Some(r)) => lookups
            .choices
            .closure_reasons
            .iter()
            .find(|(code, _)| code == r)
            .map(|(_, l)| l.clone())
            .unwrap_or_else(|| r.clone()),
        _ => String::new(),
    };
    let here = format!("/cases/{}", c.code);
    Ok(CasePage {
        page: page.crumbs(&[("nav-cases", "/cases"), (c.code.as_str(), here.as_str())]),
        code: c.code.clone(),
        tab,
        tabs: TABS
            .iter()
            .map(|id| (*id, t.get(&format!("tab-{id}")), *id == tab))
            .collect(),
        summary,
        restricted: c.restricted,
        family_implicated: c.family_implicated,
        draft: c.draft,
        closure_pending,
        safe,
        version: c.version.0,
        person_version: file.person.version.0,
        ident_version: file.identification.as_ref().map_or(0, |i| i.version.0),
        may_manage,
        may_approve,
        form_error: if errors.is_empty() {
            String::new()
        } else if !current.is_empty() {
            t.get("error-conflict")
        } else {
            // Errors of fields the form does not show (the status change) are said here.
            ["form", "status", "closure_reason", "to"]
                .iter()
                .find_map(|f| errors.get(f))
                .map(str::to_string)
                .unwrap_or_else(|| t.get("error-form-has-problems"))
        },
        current,
        details_sets,
        status_options,
        closure_reasons: lookups.choices.closure_reasons.clone(),
        sets,
        household_hidden,
        household,
        left_behind: left,
        consents,
        consent_now,
        history: crate::casework::history(t, &lookups, &file.history)
            .into_iter()
            .map(|e| HistoryRow {
                when: e.when,
                who: e.who.name,
                what: e.what,
                filled: e
                    .filled
                    .into_iter()
                    .map(|f| f.label)
                    .collect::<Vec<_>>()
                    .join(", "),
                changes: e
                    .changes
                    .into_iter()
                    .map(|c| (c.label, c.old, c.new))
                    .collect(),
            })
            .collect(),
    })
}

async fn open(state: &AppState, auth: &Auth, code: &str, rid: &str) -> Result<CaseFile, AppError> {
    super::open_case_file(state, auth, code, rid).await
}

pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    page: PageCtx,
    RequestId(rid): RequestId,
    Path(code): Path<String>,
    Query(q): Query<TabQuery>,
) -> Result<Response, AppError> {
    let file = open(&state, &auth, &code, &rid).await?;
    let tab = TABS
        .iter()
        .copied()
        .find(|t| Some(*t) == q.tab.as_deref())
        .unwrap_or("person");
    let p = build(&state, &auth, page, file, tab, None).await?;
    Ok(Html(p.render()?).into_response())
}

/// After a failed save: the case page again, on the form's tab, with what was typed.
async fn returned(
    state: &AppState,
    auth: &Auth,
    page: PageCtx,
    rid: &str,
    code: &str,
    r: Returned,
) -> Result<Response, AppError> {
    let file = open(state, auth, code, rid).await?;
    let status = r.status;
    let tab = tab_of(r.form);
    let p = build(state, auth, page, file, tab, Some(r)).await?;
    Ok((status, Html(p.render()?)).into_response())
}

fn done(state: &AppState, code: &str, tab: &str, key: &str) -> Response {
    redirect_with_flash(state, &format!("/cases/{code}?tab={tab}"), key, true)
}

fn version_of(data: &FormData, name: &str) -> Version {
    Version(data.get(name).parse().unwrap_or(-1))
}

/// Runs a save: on success redirects to the tab, on a field error or conflict returns the
/// form. `current` gives the stored values to show on a conflict.
struct Save<'a> {
    state: &'a AppState,
    auth: &'a Auth,
    page: PageCtx,
    rid: String,
    code: String,
    form: &'static str,
    data: FormData,
    errors: FieldErrors,
}

impl Save<'_> {
    async fn finish(
        mut self,
        result: Result<(), StoreError>,
        unit: yoldash_store::Unit<'_>,
        flash: &str,
        current: impl FnOnce() -> Vec<(String, String)>,
    ) -> Result<Response, AppError> {
        let t = self.page.t;
        let mut conflict = Vec::new();
        match result {
            Ok(()) => {
                unit.commit().await?;
                return Ok(done(self.state, &self.code, tab_of(self.form), flash));
            }
            Err(StoreError::Conflict { .. }) => {
                drop(unit);
                conflict = current();
                self.errors.add_text("form", t.get("error-conflict"));
            }
            Err(StoreError::NotFound) => return Err(AppError::NotFound),
            Err(e) => {
                drop(unit);
                self.errors.absorb(t, e.into())?;
            }
        }
        self.back(conflict).await
    }

    async fn back(self, current: Vec<(String, String)>) -> Result<Response, AppError> {
        let status = if current.is_empty() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::CONFLICT
        };
        returned(
            self.state,
            self.auth,
            self.page,
            &self.rid,
            &self.code,
            Returned {
                form: self.form,
                data: self.data,
                errors: self.errors,
                current,
                status,
            },
        )
        .await
    }
}

/// The stored person as (label, value) pairs, for a conflict.
fn person_values(t: Tr, file: &CaseFile) -> Vec<(String, String)> {
    file.person
        .record
        .fields()
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(f, v)| (history_label(t, f), v))
        .collect()
}

pub async fn save_person(
    State(state): State<AppState>,
    auth: Auth,
    page: PageCtx,
    RequestId(rid): RequestId,
    Path(code): Path<String>,
    data: FormData,
) -> Result<Response, AppError> {
    let t = page.t;
    let file = open(&state, &auth, &code, &rid).await?;
    let lookups = Lookups::load(&state, &auth, t).await?;
    let mut errors = FieldErrors::new();
    let record = person_from_form(
        t,
        &data,
        &lookups.choices,
        Some(&file.person.record),
        &mut errors,
    );
    let expected = version_of(&data, "person_version");
    let save = Save {
        state: &state,
        auth: &auth,
        page,
        rid: rid.clone(),
        code: code.clone(),
        form: "person",
        data,
        errors,
    };
    if !save.errors.is_empty() {
        return save.back(Vec::new()).await;
    }
    let mut unit = state.store.unit().await?;
    let result = state
        .store
        .update_person(&mut unit, &auth.actor, &code, expected, &record)
        .await
        .map(|_| ());
    save.finish(result, unit, "flash-person-saved", || {
        person_values(t, &file)
    })
    .await
}

pub async fn save_details(
    State(state): State<AppState>,
    auth: Auth,
    page: PageCtx,
    RequestId(rid): RequestId,
    Path(code): Path<String>,
    data: FormData,
) -> Result<Response, AppError> {
    let t = page.t;
    let file = open(&state, &auth, &code, &rid).await?;
    let mut errors = FieldErrors::new();
    let details = details_from_form(t, &data, &mut errors);
    let expected = version_of(&data, "version");
    let save = Save {
        state: &state,
        auth: &auth,
        page,
        rid: rid.clone(),
        code: code.clone(),
        form: "details",
        data,
        errors,
    };
    let Some(details) = details.filter(|_| save.errors.is_empty()) else {
        return save.back(Vec::new()).await;
    };
    let mut unit = state.store.unit().await?;
    let result = state
        .store
        .update_case_details(
            &mut unit,
            &auth.actor,
            auth.actor
                .may(&state.permissions, Permission::CaseSupervise),
            &code,
            expected,
            &details,
        )
        .await
        .map(|_| ());
    let c = file.case.clone();
    save.finish(result, unit, "flash-case-saved", || {
        vec![
            (
                t.get("label-case_type"),
                t.get(&format!("case-type-{}", c.chosen_type.as_str())),
            ),
            (
                t.get("label-risk"),
                c.risk
                    .map(|r| t.get(&format!("risk-{}", r.as_str())))
                    .unwrap_or_default(),
            ),
            (
                t.get("label-restricted"),
                t.get(if c.restricted { "yes" } else { "no" }),
            ),
            (
                t.get("label-family_implicated"),
                t.get(if c.family_implicated { "yes" } else { "no" }),
            ),
        ]
    })
    .await
}

pub async fn finish(
    State(state): State<AppState>,
    auth: Auth,
    page: PageCtx,
    RequestId(rid): RequestId,
    Path(code): Path<String>,
    data: FormData,
) -> Result<Response, AppError> {
    let expected = version_of(&data, "version");
    let save = Save {
        state: &state,
        auth: &auth,
        page,
        rid,
        code: code.clone(),
        form: "person",
        data: FormData::default(),
        errors: FieldErrors::new(),
    };
    let mut unit = state.store.unit().await?;
    let result = state
        .store
        .finish_registration(&mut unit, &auth.actor, &code, expected)
        .await
        .map(|_| ());
    save.finish(result, unit, "flash-case-registered", Vec::new)
        .await
}

pub async fn change_status(
    State(state): State<AppState>,
    auth: Auth,
    page: PageCtx,
    RequestId(rid): RequestId,
    Path(code): Path<String>,
    data: FormData,
) -> Result<Response, AppError> {
    let t = page.t;
    let expected = version_of(&data, "version");
    let mut errors = FieldErrors::new();
    let to = CaseStatus::parse(data.get("to"))
        .map_err(|_| errors.add(t, "to", "required"))
        .ok();
    let reason = data.opt("closure_reason").map(str::to_string);
    let may_approve = auth.actor.may(&state.permissions, Permission::CaseApprove);
    // Closing (or asking to close) with a reason is said twice; without a known reason
    // the form comes back with its error first. (A supervisor approving a requested
    // closure closes with the reason asked for: that is the second person's decision.)
    let reason_label = match (to, reason.as_ref()) {
        (Some(CaseStatus::Closed), Some(r)) if !data.flag("confirm") => {
            Lookups::load(&state, &auth, t)
                .await?
                .choices
                .closure_reasons
                .iter()
                .find(|(code, _)| code == r)
                .map(|(_, label)| label.clone())
        }
        _ => None,
    };
    if let Some(reason_label) = reason_label {
        let (title, message, consequence, label) = match may_approve {
            true => (
                "confirm-close-title",
                "confirm-close",
                "confirm-close-consequence",
                "confirm-close-button",
            ),
            false => (
                "confirm-request-closure-title",
                "confirm-request-closure",
                "confirm-request-closure-consequence",
                "confirm-request-closure-button",
            ),
        };
        return ConfirmPage {
            page,
            title: t.get(title),
            message: t.with(
                message,
                &[
                    (
                        "code",
                        fluent_templates::fluent_bundle::FluentValue::from(code.clone()),
                    ),
                    (
                        "reason",
                        fluent_templates::fluent_bundle::FluentValue::from(reason_label),
                    ),
                ],
            ),
            consequence: t.get(consequence),
            action: format!("/cases/{code}/status"),
            version: Some(expected.0.to_string()),
            carried: vec![
                ("to".into(), "closed".into()),
                ("closure_reason".into(), reason.unwrap_or_default()),
            ],
            date: None,
            confirm_label: t.get(label),
            cancel_href: format!("/cases/{code}?tab=safety"),
        }
        .answer();
    }
    let save = Save {
        state: &state,
        auth: &auth,
        page,
        rid,
        code: code.clone(),
        form: "status",
        data,
        errors,
    };
    let Some(to) = to else {
        return save.back(Vec::new()).await;
    };
    let mut unit = state.store.unit().await?;
    let result = state
        .store
        .change_status(
            &mut unit,
            &auth.actor,
            may_approve,
            &code,
            expected,
            to,
            reason,
        )
        .await;
    let flash = match result {
        Ok(StatusOutcome::ClosureRequested(_)) => "flash-closure-requested",
        _ => "flash-status-changed",
    };
    save.finish(result.map(|_| ()), unit, flash, Vec::new).await
}

pub async fn save_safety(
    State(state): State<AppState>,
    auth: Auth,
    page: PageCtx,
    RequestId(rid): RequestId,
    Path(code): Path<String>,
    data: FormData,
) -> Result<Response, AppError> {
    let t = page.t;
    let file = open(&state, &auth, &code, &rid).await?;
    let safe = safety_from_form(&data);
    let expected = version_of(&data, "version");
    let save = Save {
        state: &state,
        auth: &auth,
        page,
        rid: rid.clone(),
        code: code.clone(),
        form: "safety",
        data,
        errors: FieldErrors::new(),
    };
    let mut unit = state.store.unit().await?;
    let result = state
        .store
        .set_safe_contact(&mut unit, &auth.actor, &code, expected, &safe)
        .await
        .map(|_| ());
    let stored = file.safe_contact.clone().unwrap_or_default();
    save.finish(result, unit, "flash-safety-saved", || {
        vec![
            (
                t.get("label-may_contact"),
                t.get(if stored.may_contact { "yes" } else { "no" }),
            ),
            (
                t.get("label-do_not_call"),
                t.get(if stored.do_not_call { "yes" } else { "no" }),
            ),
            (t.get("label-how"), stored.how.clone()),
            (t.get("label-safe_hours"), stored.safe_hours.clone()),
        ]
    })
    .await
}

pub async fn add_member(
    State(state): State<AppState>,
    auth: Auth,
    page: PageCtx,
    RequestId(rid): RequestId,
    Path(code): Path<String>,
    data: FormData,
) -> Result<Response, AppError> {
    let t = page.t;
    // Checks visibility of the case and of its household first (404 otherwise).
    let file = open(&state, &auth, &code, &rid).await?;
    if file.household.is_none() {
        return Err(AppError::NotFound);
    }
    let lookups = Lookups::load(&state, &auth, t).await?;
    let mut errors = FieldErrors::new();
    let parsed = member_from_form(t, &data, &lookups.choices, &mut errors);
    let save = Save {
        state: &state,
        auth: &auth,
        page,
        rid,
        code: code.clone(),
        form: "member",
        data,
        errors,
    };
    let Some((person, member)) = parsed.filter(|_| save.errors.is_empty()) else {
        return save.back(Vec::new()).await;
    };
    let mut unit = state.store.unit().await?;
    let result = state
        .store
        .add_household_member(&mut unit, &auth.actor, &code, &person, &member)
        .await
        .map(|_| ());
    save.finish(result, unit, "flash-member-added", Vec::new)
        .await
}

pub async fn remove_member(
    State(state): State<AppState>,
    auth: Auth,
    page: PageCtx,
    RequestId(rid): RequestId,
    Path((code, id)): Path<(String, String)>,
    data: FormData,
) -> Result<Response, AppError> {
    let id = crate::api::parse_id(&id)?;
    if !data.flag("confirm") {
        let t = page.t;
        let file = open(&state, &auth, &code, &rid).await?;
        let member = file
            .household
            .iter()
            .flatten()
            .find(|m| m.id == id)
            .ok_or(AppError::NotFound)?;
        let name = member.person.record.identity.full_name();
        let who = if name.trim().is_empty() {
            member.person.code.clone()
        } else {
            format!("{name} ({})", member.person.code)
        };
        return ConfirmPage {
            page,
            title: t.get("confirm-remove-member-title"),
            message: t.with(
                "confirm-remove-member",
                &[(
                    "member",
                    fluent_templates::fluent_bundle::FluentValue::from(who),
                )],
            ),
            consequence: t.get("confirm-remove-member-consequence"),
            action: format!("/cases/{code}/household/{id}/remove"),
            version: Some(member.version.0.to_string()),
            carried: Vec::new(),
            date: None,
            confirm_label: t.get("remove"),
            cancel_href: format!("/cases/{code}?tab=household"),
        }
        .answer();
    }
    let mut unit = state.store.unit().await?;
    let result = state
        .store
        .remove_household_member(
            &mut unit,
            &auth.actor,
            &code,
            id,
            version_of(&data, "version"),
        )
        .await;
    after_button(
        &state,
        unit,
        result,
        &code,
        "household",
        "flash-member-removed",
    )
    .await
}

pub async fn add_consent(
    State(state): State<AppState>,
    auth: Auth,
    page: PageCtx,
    RequestId(rid): RequestId,
    Path(code): Path<String>,
    data: FormData,
) -> Result<Response, AppError> {
    let t = page.t;
    open(&state, &auth, &code, &rid).await?;
    let mut errors = FieldErrors::new();
    let consent = consent_from_form(t, &data, &mut errors);
    let save = Save {
        state: &state,
        auth: &auth,
        page,
        rid,
        code: code.clone(),
        form: "consent",
        data,
        errors,
    };
    let Some(consent) = consent.filter(|_| save.errors.is_empty()) else {
        return save.back(Vec::new()).await;
    };
    let mut unit = state.store.unit().await?;
    let result = state
        .store
        .record_consent(&mut unit, &auth.actor, &code, &consent)
        .await
        .map(|_| ());
    save.finish(result, unit, "flash-consent-recorded", Vec::new)
        .await
}

pub async fn withdraw_consent(
    State(state): State<AppState>,
    auth: Auth,
    page: PageCtx,
    RequestId(rid): RequestId,
    Path((code, id)): Path<(String, String)>,
    data: FormData,
) -> Result<Response, AppError> {
    let id = crate::api::parse_id(&id)?;
    let t = page.t;
    let today = Utc::now().date_naive();
    // The day it was withdrawn: today unless the person withdrew it earlier (the store
    // refuses a day before the consent was given or still to come).
    let on = data.get("withdrawn_on");
    let day = match on {
        "" => Ok(today),
        v => chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| "invalid-date"),
    };
    let mut problem = day.err();
    if data.flag("confirm")
        && let Ok(day) = day
    {
        // Today is now; another day is its noon (a day still to come stays in the
        // future, for the store to refuse).
        let at = match day == today {
            true => Utc::now(),
            false => day
                .and_hms_opt(12, 0, 0)
                .map_or_else(Utc::now, |d| chrono::TimeZone::from_utc_datetime(&Utc, &d)),
        };
        let mut unit = state.store.unit().await?;
        let result = state
            .store
            .withdraw_consent(
                &mut unit,
                &auth.actor,
                &code,
                id,
                version_of(&data, "version"),
                at,
            )
            .await;
        match result {
            // Back to the confirmation with the date's error (the unit rolls back here).
            Err(StoreError::Invalid(i)) if i.field == "withdrawn_on" => problem = Some(i.key),
            result => {
                return after_button(
                    &state,
                    unit,
                    result,
                    &code,
                    "consent",
                    "flash-consent-withdrawn",
                )
                .await;
            }
        }
    }
    // Asked, or a date to correct: the confirmation page, naming the consent.
    let file = open(&state, &auth, &code, &rid).await?;
    let consent = file
        .consents
        .iter()
        .find(|c| c.id == id)
        .ok_or(AppError::NotFound)?;
    let given = consent.given_at.date_naive().to_string();
    let purpose = t.get(&format!("purpose-{}", consent.purpose.as_str()));
    let value = |s: String| fluent_templates::fluent_bundle::FluentValue::from(s);
    ConfirmPage {
        page,
        title: t.get("confirm-withdraw-consent-title"),
        message: t.with(
            "confirm-withdraw-consent",
            &[("purpose", value(purpose)), ("given", value(given))],
        ),
        consequence: t.get("confirm-withdraw-consent-consequence"),
        action: format!("/cases/{code}/consents/{id}/withdraw"),
        version: Some(consent.version.0.to_string()),
        carried: Vec::new(),
        date: Some(DateField {
            name: "withdrawn_on",
            label: t.get("label-withdrawn_on"),
            value: if on.is_empty() {
                today.to_string()
            } else {
                on.to_string()
            },
            error: match (data.flag("confirm"), problem) {
                (true, Some(key)) => crate::render::field_message(t, key),
                _ => String::new(),
            },
        }),
        confirm_label: t.get("consent-withdraw"),
        cancel_href: format!("/cases/{code}?tab=consent"),
    }
    .answer()
}

/// After a one-button change (remove, withdraw): back to the tab with a message; when
/// the record changed meanwhile, back with a warning to look again.
async fn after_button(
    state: &AppState,
    unit: yoldash_store::Unit<'_>,
    result: Result<(), StoreError>,
    code: &str,
    tab: &str,
    flash: &str,
) -> Result<Response, AppError> {
    match result {
        Ok(()) => {
            unit.commit().await?;
            Ok(done(state, code, tab, flash))
        }
        Err(StoreError::Conflict { .. }) => Ok(redirect_with_flash(
            state,
            &format!("/cases/{code}?tab={tab}"),
            "flash-changed-meanwhile",
            false,
        )),
        Err(e) => Err(e.into()),
    }
}

pub async fn save_identification(
    State(state): State<AppState>,
    auth: Auth,
    page: PageCtx,
    RequestId(rid): RequestId,
    Path(code): Path<String>,
    data: FormData,
) -> Result<Response, AppError> {
    let t = page.t;
    let file = open(&state, &auth, &code, &rid).await?;
    let mut errors = FieldErrors::new();
    let record = identification_from_form(t, &data, &mut errors);
    let expected = match data.get("ident_version") {
        "" | "0" => None,
        v => Some(Version(v.parse().unwrap_or(-1))),
    };
    let save = Save {
        state: &state,
        auth: &auth,
        page,
        rid,
        code: code.clone(),
        form: "identification",
        data,
        errors,
    };
    let Some(record) = record.filter(|_| save.errors.is_empty()) else {
        return save.back(Vec::new()).await;
    };
    let mut unit = state.store.unit().await?;
    let result = state
        .store
        .save_identification(&mut unit, &auth.actor, &code, expected, &record)
        .await
        .map(|_| ());
    let stored = file.identification.clone();
    save.finish(result, unit, "flash-identification-saved", || {
        stored
            .map(|i| {
                vec![(
                    t.get("label-trafficking_status"),
                    t.get(&format!(
                        "trafficking-{}",
                        i.record.trafficking_status.as_str()
                    )),
                )]
            })
            .unwrap_or_default()
    })
    .await
}
