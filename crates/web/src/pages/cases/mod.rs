//! Case pages: the case list, registration (which can be saved part-way), and the case
//! page with its tabs — person, household, consent, identification, safety, history.

pub mod file;
pub mod forms;
pub mod list;
pub mod member;
pub mod register;

use crate::AppState;
use crate::api::cases as api;
use crate::auth::Auth;
use crate::error::AppError;
use crate::i18n::Tr;
use crate::routes::{Access, Endpoint, ep, owned};
use axum::http::Method;
use axum::routing::{get, post, put};
use forms::Choices;
use std::collections::BTreeMap;
use uuid::Uuid;
use yoldash_domain::Permission;

pub fn endpoints() -> Vec<Endpoint> {
    use Access::Signed;
    use Permission as P;
    let case = |e| owned(e, "case");
    vec![
        ep(Method::GET, "/cases", Signed(P::CaseRead), get(list::list)),
        ep(
            Method::POST,
            "/cases/search",
            Signed(P::CaseRead),
            post(list::search),
        ),
        ep(
            Method::GET,
            "/cases/new",
            Signed(P::CaseManage),
            get(register::form),
        ),
        ep(
            Method::POST,
            "/cases/new",
            Signed(P::CaseManage),
            post(register::submit),
        ),
        // Anyone signed in may ask for a case: the visibility rule answers 404 to everyone
        // who may not see it, so that a case's existence is never revealed.
        case(ep(
            Method::GET,
            "/cases/{code}",
            Signed(P::ProfileUse),
            get(file::show),
        )),
        case(ep(
            Method::POST,
            "/cases/{code}/person",
            Signed(P::CaseManage),
            post(file::save_person),
        )),
        case(ep(
            Method::POST,
            "/cases/{code}/details",
            Signed(P::CaseManage),
            post(file::save_details),
        )),
        case(ep(
            Method::POST,
            "/cases/{code}/finish",
            Signed(P::CaseManage),
            post(file::finish),
        )),
        case(ep(
            Method::POST,
            "/cases/{code}/status",
            Signed(P::CaseManage),
            post(file::change_status),
        )),
        case(ep(
            Method::POST,
            "/cases/{code}/safety",
            Signed(P::CaseManage),
            post(file::save_safety),
        )),
        case(ep(
            Method::POST,
            "/cases/{code}/household",
            Signed(P::CaseManage),
            post(file::add_member),
        )),
        case(ep(
            Method::GET,
            "/cases/{code}/household/{id}",
            Signed(P::CaseManage),
            get(member::form),
        )),
        case(ep(
            Method::POST,
            "/cases/{code}/household/{id}",
            Signed(P::CaseManage),
            post(member::save),
        )),
        case(ep(
            Method::POST,
            "/cases/{code}/household/{id}/remove",
            Signed(P::CaseManage),
            post(file::remove_member),
        )),
        case(ep(
            Method::POST,
            "/cases/{code}/consents",
            Signed(P::CaseManage),
            post(file::add_consent),
        )),
        case(ep(
            Method::POST,
            "/cases/{code}/consents/{id}/withdraw",
            Signed(P::CaseManage),
            post(file::withdraw_consent),
        )),
        case(ep(
            Method::POST,
            "/cases/{code}/identification",
            Signed(P::CaseManage),
            post(file::save_identification),
        )),
        ep(
            Method::GET,
            "/api/v1/cases",
            Signed(P::CaseRead),
            get(api::list),
        ),
        ep(
            Method::POST,
            "/api/v1/cases",
            Signed(P::CaseManage),
            post(api::create),
        ),
        ep(
            Method::POST,
            "/api/v1/cases/search",
            Signed(P::CaseRead),
            post(api::search),
        ),
        case(ep(
            Method::GET,
            "/api/v1/cases/{code}",
            Signed(P::ProfileUse),
            get(api::show),
        )),
        case(ep(
            Method::GET,
            "/api/v1/cases/{code}/consent-check",
            Signed(P::ProfileUse),
            get(api::consent_check),
        )),
        case(ep(
            Method::PUT,
            "/api/v1/cases/{code}/person",
            Signed(P::CaseManage),
            put(api::update_person),
        )),
        case(ep(
            Method::PUT,
            "/api/v1/cases/{code}/details",
            Signed(P::CaseManage),
            put(api::update_details),
        )),
        case(ep(
            Method::POST,
            "/api/v1/cases/{code}/status",
            Signed(P::CaseManage),
            post(api::change_status),
        )),
        case(ep(
            Method::PUT,
            "/api/v1/cases/{code}/safety",
            Signed(P::CaseManage),
            put(api::update_safety),
        )),
        case(ep(
            Method::POST,
            "/api/v1/cases/{code}/household",
            Signed(P::CaseManage),
            post(api::add_member),
        )),
        case(ep(
            Method::POST,
            "/api/v1/cases/{code}/consents",
            Signed(P::CaseManage),
            post(api::add_consent),
        )),
        case(ep(
            Method::POST,
            "/api/v1/cases/{code}/consents/{id}/withdraw",
            Signed(P::CaseManage),
            post(api::withdraw_consent),
        )),
        case(ep(
            Method::PUT,
            "/api/v1/cases/{code}/identification",
            Signed(P::CaseManage),
            put(api::save_identification),
        )),
    ]
}

/// Opens a case file for the actor (404 outside their scope), with its audit entry.
pub async fn open_case_file(
    state: &AppState,
    auth: &Auth,
    code: &str,
    rid: &str,
) -> Result<yoldash_store::cases::CaseFile, AppError> {
    let file = state.store.open_case(&auth.actor, code, Some(rid)).await?;
    Ok(file)
}

/// The label of an age band: child/adult are words, numeric bands read the same everywhere.
pub fn age_band_label(t: Tr, _set: &str, code: &str) -> String {
    let key = format!("age-{code}");
    if t.has(&key) {
        t.get(&key)
    } else {
        code.replace('-', "–")
    }
}

/// Names and choices the case pages look up: regions, organisations, case workers.
pub struct Lookups {
    pub choices: Choices,
    region_names: BTreeMap<Uuid, String>,
    region_children: BTreeMap<Uuid, Vec<Uuid>>,
    worker_names: BTreeMap<Uuid, String>,
    org_names: BTreeMap<Uuid, String>,
}

impl Lookups {
    pub async fn load(state: &AppState, auth: &Auth, t: Tr) -> Result<Self, AppError> {
        // From memory: the directory is read again only after a change.
        let directory = state.store.directory().await?;
        let regions = &directory.regions;
        let mut region_children: BTreeMap<Uuid, Vec<Uuid>> = BTreeMap::new();
        for r in regions {
            if let Some(p) = r.parent_id {
                region_children.entry(p).or_default().push(r.id);
            }
        }
        let region_names: BTreeMap<Uuid, String> = regions
            .iter()
            .map(|r| (r.id, r.name_in(t.lang()).to_string()))
            .collect();
        let workers = directory.case_workers(auth.actor.org_id);
        let orgs = &directory.organisations;
        let closure = directory.items("closure_reason");
        let choices = Choices {
            regions: regions
                .iter()
                .map(|r| {
                    (
                        r.code.clone(),
                        format!("{} ({})", r.name_in(t.lang()), r.code),
                    )
                })
                .collect(),
            region_ids: regions.iter().map(|r| (r.code.clone(), r.id)).collect(),
            organisations: orgs
                .iter()
                .filter(|o| o.active)
                .map(|o| (o.id.to_string(), o.name_in(t.lang()).to_string()))
                .collect(),
            workers: workers
                .iter()
                .map(|(id, name)| (id.to_string(), name.clone()))
                .collect(),
            closure_reasons: closure
                .iter()
                .map(|i| (i.code.clone(), i.label(t.lang()).to_string()))
                .collect(),
        };
        Ok(Self {
            choices,
            region_names,
            region_children,
            worker_names: workers.iter().cloned().collect(),
            org_names: orgs
                .iter()
                .map(|o| (o.id, o.name_in(t.lang()).to_string()))
                .collect(),
        })
    }

    pub fn region_name(&self, id: Uuid) -> String {
        self.region_names.get(&id).cloned().unwrap_or_default()
    }

    pub fn worker_name(&self, id: Uuid) -> String {
        self.worker_names.get(&id).cloned().unwrap_or_default()
    }

    pub fn org_name(&self, id: Uuid) -> String {
        self.org_names.get(&id).cloned().unwrap_or_default()
    }

    /// A region (by code) and every region below it; empty when the code is unknown.
    pub fn region_and_below(&self, code: &str) -> Vec<Uuid> {
        let Some(root) = self.choices.region_id(code) else {
            return Vec::new();
        };
        let mut out = vec![root];
        let mut i = 0;
        while i < out.len() {
            if let Some(kids) = self.region_children.get(&out[i]) {
                out.extend(kids.iter().copied());
            }
            i += 1;
        }
        out
    }

    /// Any id the history mentions (worker, organisation, region) as a name.
    pub fn name_of(&self, id: Uuid) -> Option<String> {
        self.worker_names
            .get(&id)
            .or_else(|| self.org_names.get(&id))
            .or_else(|| self.region_names.get(&id))
            .cloned()
    }
}
