//! Registration of a person and their case. "Save draft" keeps partial work (what was
//! typed and is well-formed); "Register" also asks for what a registration needs.

use super::Lookups;
use super::forms::{details_from_form, details_sets, person_from_form, person_sets};
use crate::AppState;
use crate::auth::Auth;
use crate::error::AppError;
use crate::fields::{FieldSet, Fields, FormData};
use crate::forms::FieldErrors;
use crate::shell::{PageCtx, redirect_with_flash};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use yoldash_store::cases::{NewCase, registration_gaps};

#[derive(Template)]
#[template(path = "case_new.html")]
struct RegisterPage {
    page: PageCtx,
    form_error: String,
    case_sets: Vec<FieldSet>,
    person_sets: Vec<FieldSet>,
}

async fn render(
    state: &AppState,
    auth: &Auth,
    page: PageCtx,
    data: &FormData,
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<Response, AppError> {
    let t = page.t;
    let lookups = Lookups::load(state, auth, t).await?;
    let f = Fields {
        t,
        data,
        errors,
        prefix: "",
    };
    let p = RegisterPage {
        page: page.crumbs(&[("nav-cases", "/cases"), ("case-new-title", "/cases/new")]),
        form_error: if errors.is_empty() {
            String::new()
        } else {
            t.get("error-form-has-problems")
        },
        case_sets: details_sets(&f, &lookups.choices, Default::default(), &[]),
        person_sets: person_sets(&f, &lookups.choices),
    };
    Ok((status, Html(p.render()?)).into_response())
}

pub async fn form(
    State(state): State<AppState>,
    auth: Auth,
    page: PageCtx,
) -> Result<Response, AppError> {
    // Nothing about the person is filled in beforehand: a pre-set answer is recorded
    // whenever nobody changes it, and skews the sex-disaggregated figures.
    let mut data = FormData::default();
    if auth.actor.has_role(yoldash_domain::Role::CaseWorker) {
        data.set("assigned_worker", auth.actor.user_id.to_string());
    }
    render(
        &state,
        &auth,
        page,
        &data,
        &FieldErrors::new(),
        StatusCode::OK,
    )
    .await
}

pub async fn submit(
    State(state): State<AppState>,
    auth: Auth,
    page: PageCtx,
    data: FormData,
) -> Result<Response, AppError> {
    let t = page.t;
    let draft = data.flag("save_draft");
    let mut errors = FieldErrors::new();
    let lookups = Lookups::load(&state, &auth, t).await?;
    let person = person_from_form(t, &data, &lookups.choices, None, &mut errors);
    let details = details_from_form(t, &data, &mut errors);
    if !draft {
        for gap in registration_gaps(&person) {
            errors.add(t, gap.field, gap.key);
        }
        // Sex is chosen, "other / unknown" included, never assumed.
        if data.get("sex").is_empty() {
            errors.add(t, "sex", "required");
        }
    }
    if let (Some(d), true) = (details, errors.is_empty()) {
        let mut unit = state.store.unit().await?;
        let new = NewCase {
            case_type: d.case_type,
            person,
            risk: d.risk,
            assigned_worker_id: d.assigned_worker_id,
            restricted: d.restricted,
            family_implicated: d.family_implicated,
            draft,
        };
        match state
            .store
            .register_case(&mut unit, &auth.actor, &new)
            .await
        {
            Ok(case) => {
                unit.commit().await?;
                let key = if draft {
                    "flash-case-draft-saved"
                } else {
                    "flash-case-registered"
                };
                return Ok(redirect_with_flash(
                    &state,
                    &format!("/cases/{}", case.code),
                    key,
                    true,
                ));
            }
            Err(e) => errors.absorb(t, e.into())?,
        }
    }
    render(
        &state,
        &auth,
        page,
        &data,
        &errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}
