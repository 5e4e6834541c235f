//! Editing a household member: their name, sex and age, relation, whether they care for
//! the person now, and where they are in migration. Guarded by versions like every edit.

use super::Lookups;
use super::forms::{member_from_form, member_sets, member_to_form};
use crate::AppState;
use crate::auth::{Auth, RequestId};
use crate::error::AppError;
use crate::fields::{FieldSet, Fields, FormData};
use crate::forms::FieldErrors;
use crate::shell::{PageCtx, redirect_with_flash};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use yoldash_domain::Version;
use yoldash_store::StoreError;
use yoldash_store::case_records::HouseholdMember;

#[derive(Template)]
#[template(path = "case_member.html")]
struct MemberPage {
    page: PageCtx,
    code: String,
    id: String,
    member_code: String,
    version: i64,
    person_version: i64,
    form_error: String,
    current: Vec<(String, String)>,
    sets: Vec<FieldSet>,
}

/// The member, if the actor may see the case and its household (404 otherwise).
async fn load(
    state: &AppState,
    auth: &Auth,
    rid: &str,
    code: &str,
    id: &str,
) -> Result<HouseholdMember, AppError> {
    let id = crate::api::parse_id(id)?;
    let file = super::open_case_file(state, auth, code, rid).await?;
    file.household
        .ok_or(AppError::NotFound)?
        .into_iter()
        .find(|m| m.id == id)
        .ok_or(AppError::NotFound)
}

#[allow(clippy::too_many_arguments)]
async fn render(
    state: &AppState,
    auth: &Auth,
    page: PageCtx,
    code: &str,
    m: &HouseholdMember,
    data: &FormData,
    errors: &FieldErrors,
    current: Vec<(String, String)>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let t = page.t;
    let lookups = Lookups::load(state, auth, t).await?;
    let sets = member_sets(
        &Fields {
            t,
            data,
            errors,
            prefix: "",
        },
        &lookups.choices,
    );
    let case_path = format!("/cases/{code}?tab=household");
    let here = format!("/cases/{code}/household/{}", m.id);
    let p = MemberPage {
        page: page.crumbs(&[
            ("nav-cases", "/cases"),
            (code, &case_path),
            (m.person.code.as_str(), &here),
        ]),
        code: code.to_string(),
        id: m.id.to_string(),
        member_code: m.person.code.clone(),
        version: data.get("version").parse().unwrap_or(m.version.0),
        person_version: data
            .get("person_version")
            .parse()
            .unwrap_or(m.person.version.0),
        form_error: if !current.is_empty() {
            t.get("error-conflict")
        } else if errors.is_empty() {
            String::new()
        } else {
            t.get("error-form-has-problems")
        },
        current,
        sets,
    };
    Ok((status, Html(p.render()?)).into_response())
}

pub async fn form(
    State(state): State<AppState>,
    auth: Auth,
    page: PageCtx,
    RequestId(rid): RequestId,
    Path((code, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let m = load(&state, &auth, &rid, &code, &id).await?;
    let lookups = Lookups::load(&state, &auth, page.t).await?;
    let data = member_to_form(&m.person.record, &m.member, &lookups.choices);
    render(
        &state,
        &auth,
        page,
        &code,
        &m,
        &data,
        &FieldErrors::new(),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

pub async fn save(
    State(state): State<AppState>,
    auth: Auth,
    page: PageCtx,
    RequestId(rid): RequestId,
    Path((code, id)): Path<(String, String)>,
    mut data: FormData,
) -> Result<Response, AppError> {
    let t = page.t;
    let m = load(&state, &auth, &rid, &code, &id).await?;
    let lookups = Lookups::load(&state, &auth, t).await?;
    let mut errors = FieldErrors::new();
    let parsed = member_from_form(t, &data, &lookups.choices, &mut errors);
    let expected = Version(data.get("version").parse().unwrap_or(-1));
    let expected_person = Version(data.get("person_version").parse().unwrap_or(-1));
    let mut current = Vec::new();
    if let (Some((person, member)), true) = (parsed, errors.is_empty()) {
        let mut unit = state.store.unit().await?;
        match state
            .store
            .update_household_member(
                &mut unit,
                &auth.actor,
                &code,
                m.id,
                expected,
                expected_person,
                &person,
                &member,
            )
            .await
        {
            Ok(()) => {
                unit.commit().await?;
                return Ok(redirect_with_flash(
                    &state,
                    &format!("/cases/{code}?tab=household"),
                    "flash-member-saved",
                    true,
                ));
            }
            Err(StoreError::Conflict { .. }) => {
                // Keep what was typed; show what is stored; the next save checks against it.
                let stored = member_to_form(&m.person.record, &m.member, &lookups.choices);
                current = [
                    "given_name",
                    "family_name",
                    "relation",
                    "situation",
                    "abroad_country",
                ]
                .iter()
                .map(|f| (t.get(&format!("label-{f}")), stored.get(f).to_string()))
                .filter(|(_, v)| !v.is_empty())
                .collect();
                data.set("version", m.version.0.to_string());
                data.set("person_version", m.person.version.0.to_string());
            }
            Err(e) => errors.absorb(t, e.into())?,
        }
    }
    let status = if current.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::CONFLICT
    };
    render(
        &state, &auth, page, &code, &m, &data, &errors, current, status,
    )
    .await
}
