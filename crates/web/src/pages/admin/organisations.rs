//! Administration of organisations: list, create, edit (with conflict detection), deactivate.

use crate::AppState;
use crate::auth::Auth;
use crate::error::AppError;
use crate::forms::FieldErrors;
use crate::i18n::Tr;
use crate::routes::{Access, Endpoint, ep};
use crate::shell::{PageCtx, redirect_with_flash};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use std::collections::BTreeMap;
use yoldash_domain::{OrgCode, OrganisationType, Permission, Version};
use yoldash_store::StoreError;
use yoldash_store::organisations::{NewOrganisation, Organisation, OrganisationChanges};

pub fn endpoints() -> Vec<Endpoint> {
    use Access::Signed;
    use Permission::OrganisationManage as M;
    vec![
        ep(Method::GET, "/admin/organisations", Signed(M), get(list)),
        ep(
            Method::GET,
            "/admin/organisations/new",
            Signed(M),
            get(new_form),
        ),
        ep(
            Method::POST,
            "/admin/organisations/new",
            Signed(M),
            post(create),
        ),
        ep(
            Method::GET,
            "/admin/organisations/{id}",
            Signed(M),
            get(edit_form),
        ),
        ep(
            Method::POST,
            "/admin/organisations/{id}",
            Signed(M),
            post(update),
        ),
        ep(
            Method::POST,
            "/admin/organisations/{id}/deactivate",
            Signed(M),
            post(deactivate),
        ),
        ep(
            Method::POST,
            "/admin/organisations/{id}/activate",
            Signed(M),
            post(activate),
        ),
    ]
}

/// A row of the list.
pub struct OrgRow {
    pub id: String,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub region: String,
    pub users: String,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "admin_orgs.html")]
struct ListPage {
    page: PageCtx,
    rows: Vec<OrgRow>,
}

/// Region names in the user's language, by id and as (code, label) choices.
async fn region_choices(
    state: &AppState,
    t: Tr,
) -> Result<(BTreeMap<uuid::Uuid, String>, Vec<(String, String)>), AppError> {
    let regions = state.store.regions().await?;
    let name = |names: &BTreeMap<String, String>, code: &str| {
        names
            .get(t.lang())
            .or_else(|| names.get("en"))
            .cloned()
            .unwrap_or_else(|| code.to_string())
    };
    let by_id = regions
        .iter()
        .map(|r| (r.id, name(&r.names, &r.code)))
        .collect();
    let choices = regions
        .iter()
        .map(|r| {
            (
                r.code.clone(),
                format!("{} ({})", name(&r.names, &r.code), r.code),
            )
        })
        .collect();
    Ok((by_id, choices))
}

pub async fn list(State(state): State<AppState>, page: PageCtx) -> Result<Html<String>, AppError> {
    let t = page.t;
    let (regions, _) = region_choices(&state, t).await?;
    let counts = state.store.user_counts().await?;
    let rows = state
        .store
        .organisations()
        .await?
        .into_iter()
        .map(|o| OrgRow {
            id: o.id.to_string(),
            name: o.name_in(t.lang()).to_string(),
            kind: t.get(&format!("org-type-{}", o.org_type)),
            region: o
                .region_id
                .and_then(|r| regions.get(&r).cloned())
                .unwrap_or_default(),
            users: t.number(counts.get(&o.id).copied().unwrap_or(0)),
            active: o.active,
            code: o.code,
        })
        .collect();
    Ok(Html(
        ListPage {
            page: page.crumbs(&[("nav-organisations", "/admin/organisations")]),
            rows,
        }
        .render()?,
    ))
}

/// What the form holds: what the user typed, or the stored values.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OrgForm {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub org_type: String,
    #[serde(default)]
    pub name_en: String,
    #[serde(default)]
    pub name_ru: String,
    #[serde(default)]
    pub name_tk: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub version: String,
}

impl OrgForm {
    fn from_org(o: &Organisation, region_code: String) -> Self {
        let n = |l: &str| o.names.get(l).cloned().unwrap_or_default();
        Self {
            code: o.code.clone(),
            org_type: o.org_type.clone(),
            name_en: n("en"),
            name_ru: n("ru"),
            name_tk: n("tk"),
            region: region_code,
            version: o.version.0.to_string(),
        }
    }

    fn names(&self) -> BTreeMap<String, String> {
        [
            ("en", &self.name_en),
            ("ru", &self.name_ru),
            ("tk", &self.name_tk),
        ]
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(l, v)| (l.to_string(), v.trim().to_string()))
        .collect()
    }
}

#[derive(Template)]
#[template(path = "admin_org_form.html")]
struct FormPage {
    page: PageCtx,
    /// `None` when creating.
    id: Option<String>,
    form: OrgForm,
    errors: FieldErrors,
    types: Vec<(&'static str, String)>,
    regions: Vec<(String, String)>,
    /// On a conflict: the values stored now, so the editor can compare.
    current: Option<OrgForm>,
    /// The stored type, translated (shown with `current`).
    current_type: String,
    active: bool,
    /// The signed-in administrator's own organisation: deactivation is not offered (the
    /// store refuses it; another organisation's administrator does it).
    own: bool,
}

async fn form_page(
    state: &AppState,
    page: PageCtx,
    id: Option<String>,
    form: OrgForm,
    errors: FieldErrors,
    current: Option<OrgForm>,
    active: bool,
) -> Result<FormPage, AppError> {
    let t = page.t;
    let (_, regions) = region_choices(state, t).await?;
    let types = OrganisationType::ALL
        .iter()
        .map(|k| (k.as_str(), t.get(&format!("org-type-{}", k.as_str()))))
        .collect();
    let title = if id.is_some() {
        "org-edit-title"
    } else {
        "org-new-title"
    };
    let here = format!("/admin/organisations/{}", id.as_deref().unwrap_or("new"));
    Ok(FormPage {
        page: page.crumbs(&[
            ("nav-organisations", "/admin/organisations"),
            (title, &here),
        ]),
        id,
        form,
        errors,
        types,
        regions,
        current_type: current
            .as_ref()
            .map(|c| t.get(&format!("org-type-{}", c.org_type)))
            .unwrap_or_default(),
        current,
        active,
        own: false,
    })
}

fn render(p: FormPage, status: StatusCode) -> Result<Response, AppError> {
    Ok((status, Html(p.render()?)).into_response())
}

pub async fn new_form(State(state): State<AppState>, page: PageCtx) -> Result<Response, AppError> {
    let p = form_page(
        &state,
        page,
        None,
        OrgForm::default(),
        FieldErrors::new(),
        None,
        true,
    )
    .await?;
    render(p, StatusCode::OK)
}

/// Checks the fields common to creating and editing.
fn check(t: Tr, form: &OrgForm, errors: &mut FieldErrors) -> Option<OrganisationType> {
    if form.name_en.trim().is_empty() {
        errors.add(t, "name_en", "required");
    }
    match OrganisationType::parse(&form.org_type) {
        Ok(k) => Some(k),
        Err(_) => {
            errors.add(t, "org_type", "invalid-organisation-type");
            None
        }
    }
}

pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    page: PageCtx,
    Form(form): Form<OrgForm>,
) -> Result<Response, AppError> {
    let t = page.t;
    let mut errors = FieldErrors::new();
    let code = OrgCode::parse(&form.code)
        .map_err(|e| errors.add(t, "code", e.key))
        .ok();
    let kind = check(t, &form, &mut errors);
    if let (Some(code), Some(org_type), true) = (code, kind, errors.is_empty()) {
        let new = NewOrganisation {
            code,
            org_type,
            names: form.names(),
            region_code: Some(form.region.clone()).filter(|r| !r.is_empty()),
        };
        let mut unit = state.store.unit().await?;
        match state
            .store
            .create_organisation(&mut unit, Some(&auth.actor), &new)
            .await
        {
            Ok(_) => {
                unit.commit().await?;
                return Ok(redirect_with_flash(
                    &state,
                    "/admin/organisations",
                    "flash-organisation-created",
                    true,
                ));
            }
            Err(e) => errors.absorb(t, e.into())?,
        }
    }
    let p = form_page(&state, page, None, form, errors, None, true).await?;
    render(p, StatusCode::UNPROCESSABLE_ENTITY)
}

async fn load(state: &AppState, id: &str) -> Result<(Organisation, String), AppError> {
    let org = state.store.organisation(crate::api::parse_id(id)?).await?;
    let code = match org.region_id {
        Some(r) => state
            .store
            .regions()
            .await?
            .into_iter()
            .find(|x| x.id == r)
            .map(|x| x.code)
            .unwrap_or_default(),
        None => String::new(),
    };
    Ok((org, code))
}

pub async fn edit_form(
    State(state): State<AppState>,
    auth: Auth,
    page: PageCtx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (org, region) = load(&state, &id).await?;
    let form = OrgForm::from_org(&org, region);
    let mut p = form_page(
        &state,
        page,
        Some(id),
        form,
        FieldErrors::new(),
        None,
        org.active,
    )
    .await?;
    p.own = org.id == auth.actor.org_id;
    render(p, StatusCode::OK)
}

pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    page: PageCtx,
    Path(id): Path<String>,
    Form(mut form): Form<OrgForm>,
) -> Result<Response, AppError> {
    let t = page.t;
    let (org, region) = load(&state, &id).await?;
    form.code = org.code.clone();
    let mut errors = FieldErrors::new();
    let kind = check(t, &form, &mut errors);
    let expected = form.version.trim().parse::<i64>().map(Version);
    if expected.is_err() {
        errors.add(t, "version", "invalid-version");
    }
    let mut current = None;
    if let (Some(org_type), Ok(expected), true) = (kind, expected, errors.is_empty()) {
        let changes = OrganisationChanges {
            org_type,
            names: form.names(),
            region_code: Some(form.region.clone()).filter(|r| !r.is_empty()),
        };
        let mut unit = state.store.unit().await?;
        match state
            .store
            .update_organisation(&mut unit, Some(&auth.actor), org.id, expected, &changes)
            .await
        {
            Ok(_) => {
                unit.commit().await?;
                return Ok(redirect_with_flash(
                    &state,
                    "/admin/organisations",
                    "flash-organisation-saved",
                    true,
                ));
            }
            Err(StoreError::Conflict { current: v }) => {
                // Keep what the user typed; show what is stored now; the next save is
                // checked against the current version.
                let mut now = OrgForm::from_org(&org, region);
                now.version = v.to_string();
                form.version = v.to_string();
                errors.add_text("form", t.get("error-conflict"));
                current = Some(now);
            }
            Err(e) => errors.absorb(t, e.into())?,
        }
    }
    let status = if current.is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut p = form_page(&state, page, Some(id), form, errors, current, org.active).await?;
    p.own = org.id == auth.actor.org_id;
    render(p, status)
}

async fn set_active(
    state: AppState,
    auth: Auth,
    id: String,
    active: bool,
) -> Result<Response, AppError> {
    let id = crate::api::parse_id(&id)?;
    let mut unit = state.store.unit().await?;
    match state
        .store
        .set_organisation_active(&mut unit, Some(&auth.actor), id, active, None)
        .await
    {
        Ok(_) => unit.commit().await?,
        // The deactivation rule (`check_deactivation`) said no: say why.
        Err(StoreError::Invalid(i)) => {
            return Ok(redirect_with_flash(
                &state,
                "/admin/organisations",
                &format!("flash-{}", i.key),
                false,
            ));
        }
        Err(e) => return Err(e.into()),
    }
    let key = if active {
        "flash-organisation-activated"
    } else {
        "flash-organisation-deactivated"
    };
    Ok(redirect_with_flash(
        &state,
        "/admin/organisations",
        key,
        true,
    ))
}

/// Deactivates an organisation once confirmed: none of its users can sign in.
pub async fn deactivate(
    State(state): State<AppState>,
    auth: Auth,
    page: PageCtx,
    Path(id): Path<String>,
    data: crate::fields::FormData,
) -> Result<Response, AppError> {
    if !data.flag("confirm") {
        let org = state.store.organisation(crate::api::parse_id(&id)?).await?;
        let t = page.t;
        let name = format!("{} ({})", org.name_in(t.lang()), org.code);
        return crate::confirm::ConfirmPage {
            page,
            title: t.get("confirm-deactivate-org-title"),
            message: t.with(
                "confirm-deactivate-org",
                &[(
                    "organisation",
                    fluent_templates::fluent_bundle::FluentValue::from(name),
                )],
            ),
            consequence: t.get("org-deactivate-hint"),
            action: format!("/admin/organisations/{id}/deactivate"),
            version: None,
            carried: Vec::new(),
            date: None,
            confirm_label: t.get("org-deactivate"),
            cancel_href: format!("/admin/organisations/{id}"),
        }
        .answer();
    }
    set_active(state, auth, id, false).await
}

pub async fn activate(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    set_active(state, auth, id, true).await
}
