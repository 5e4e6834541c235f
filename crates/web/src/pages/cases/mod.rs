//! Case pages: the case list, registration (which can be saved part-way), and the case
//! page with its tabs — person, household, consent, identification, safety, history.

pub mod file;
pub mod forms;
pub mod list;
pub mod member;
pub mod register;

pub use crate::casework::{Lookups, open_case_file};

use crate::api::cases as api;
use crate::i18n::Tr;
use crate::routes::{Access, Endpoint, ep, owned};
use axum::http::Method;
use axum::routing::{get, post, put};
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
            "/api/v1/cases/{code}/history",
            Signed(P::ProfileUse),
            get(api::history),
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

/// The label of an age band: child/adult are words, numeric bands read the same everywhere.
pub fn age_band_label(t: Tr, _set: &str, code: &str) -> String {
    let key = format!("age-{code}");
    if t.has(&key) {
        t.get(&key)
    } else {
        code.replace('-', "–")
    }
}
