//! The case forms: stored records to form values (for editing), form values to records
//! (with every field error collected), and the fields each form shows.

use crate::fields::{Field, FieldSet, Fields, FormData, labelled};
use crate::forms::FieldErrors;
use crate::i18n::Tr;
use chrono::{NaiveDate, TimeZone, Utc};
use fluent_templates::fluent_bundle::FluentValue;
use uuid::Uuid;
use yoldash_domain::case::{CaseType, Protection, RiskLevel, TraffickingStatus};
use yoldash_domain::catalogue::Catalogue;
use yoldash_domain::consent::{ConsentForm, GivenBy, Purpose};
use yoldash_domain::household::{MigrationSituation, Relation};
use yoldash_domain::identification::{
    ControlMethod, ExploitationForm, IsicSection, RecruiterRelation, RecruitmentMethod,
};
use yoldash_domain::person::{
    Birth, Disability, DocumentKind, Education, GenderIdentity, MaritalStatus, Sex,
};
use yoldash_store::case_records::{
    ConsentDetails, IdentificationPlaces, IdentificationRecord, MemberRecord, NewConsent, code_of,
    parse_code,
};
use yoldash_store::cases::{CaseDetails, SafeContact};
use yoldash_store::persons::{Document, Identity, PersonFacts, PersonRecord};

/// Choices that come from the database: regions, organisations, case workers, closure reasons.
#[derive(Debug, Clone, Default)]
pub struct Choices {
    /// (code, label) of regions; ids by code.
    pub regions: Vec<(String, String)>,
    pub region_ids: Vec<(String, Uuid)>,
    pub organisations: Vec<(String, String)>,
    pub workers: Vec<(String, String)>,
    pub closure_reasons: Vec<(String, String)>,
}

impl Choices {
    pub fn region_id(&self, code: &str) -> Option<Uuid> {
        self.region_ids
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, id)| *id)
    }

    pub fn region_code(&self, id: Uuid) -> String {
        self.region_ids
            .iter()
            .find(|(_, i)| *i == id)
            .map(|(c, _)| c.clone())
            .unwrap_or_default()
    }
}

fn parse_day(t: Tr, form: &FormData, name: &str, errors: &mut FieldErrors) -> Option<NaiveDate> {
    let v = form.get(name);
    if v.is_empty() {
        return None;
    }
    match NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            errors.add(t, name, "invalid-date");
            None
        }
    }
}

fn pick<T>(
    t: Tr,
    form: &FormData,
    name: &str,
    errors: &mut FieldErrors,
    parse: impl Fn(&str) -> Result<T, yoldash_domain::Invalid>,
) -> Option<T> {
    let v = form.get(name);
    if v.is_empty() {
        return None;
    }
    match parse(v) {
        Ok(x) => Some(x),
        Err(e) => {
            errors.add(t, name, e.key);
            None
        }
    }
}

fn codes(
    t: Tr,
    form: &FormData,
    name: &'static str,
    cat: &Catalogue,
    errors: &mut FieldErrors,
) -> Vec<String> {
    match cat.parse_codes(form.all(name), name) {
        Ok(v) => v,
        Err(e) => {
            errors.add(t, name, e.key);
            Vec::new()
        }
    }
}

fn catalogue_options(t: Tr, cat: &Catalogue) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = cat
        .entries()
        .iter()
        .map(|e| (e.code.clone(), e.name_in(t.lang()).to_string()))
        .collect();
    v.sort_by_cached_key(|(_, name)| name.to_lowercase());
    v
}

fn set(t: Tr, legend: &str, fields: Vec<Field>) -> FieldSet {
    FieldSet {
        legend: t.get(legend),
        note: String::new(),
        fields,
    }
}

// ---------------------------------------------------------------------------------------
// Person

/// How many document rows the form offers: those recorded plus one empty.
fn document_rows(form: &FormData) -> usize {
    (0..10)
        .take_while(|i| !form.get(&format!("doc_number_{i}")).is_empty())
        .count()
        + 1
}

pub fn person_to_form(p: &PersonRecord, choices: &Choices) -> FormData {
    let mut f = FormData::default();
    let i = &p.identity;
    let x = &p.facts;
    f.set("family_name", &i.family_name);
    f.set("given_name", &i.given_name);
    f.set("patronymic", &i.patronymic);
    f.set("other_names", &i.other_names);
    f.set("sex", x.sex.as_str());
    f.set(
        "gender_identity",
        x.gender_identity.map_or("", |g| g.as_str()),
    );
    match x.birth {
        Some(Birth::Date { date }) => f.set("birth_date", date.to_string()),
        Some(Birth::Estimated { age_years, .. }) => f.set("estimated_age", age_years.to_string()),
        None => {}
    }
    for c in &x.citizenships {
        f.push("citizenships", c);
    }
    if let Some(r) = x.origin_region_id {
        f.set("origin_region", choices.region_code(r));
    }
    f.set("disability", x.disability.map_or("", |d| d.code()));
    for l in &x.languages {
        f.push("languages", l);
    }
    f.set("education", x.education.map_or("", |d| d.code()));
    f.set("marital_status", x.marital_status.map_or("", |d| d.code()));
    f.set("phone", &i.phone);
    f.set("email", &i.email);
    f.set("address", &i.address);
    for (n, d) in i.documents.iter().enumerate() {
        f.set(&format!("doc_kind_{n}"), &d.kind);
        f.set(&format!("doc_number_{n}"), &d.number);
        f.set(&format!("doc_country_{n}"), &d.issuing_country);
    }
    f.set("narrative", &i.narrative);
    f
}

/// Reads the person part of a form. An estimated age is as of `today` unless the stored
/// estimate had the same age (so re-saving does not move the estimate).
pub fn person_from_form(
    t: Tr,
    form: &FormData,
    choices: &Choices,
    previous: Option<&PersonRecord>,
    errors: &mut FieldErrors,
) -> PersonRecord {
    let today = Utc::now().date_naive();
    let sex = pick(t, form, "sex", errors, Sex::parse).unwrap_or(Sex::OtherUnknown);
    let gender_identity = pick(t, form, "gender_identity", errors, GenderIdentity::parse);
    let birth_date = parse_day(t, form, "birth_date", errors);
    let age = form.get("estimated_age");
    let birth = match (birth_date, age.is_empty()) {
        (Some(d), _) => match Birth::date(d, today) {
            Ok(b) => Some(b),
            Err(e) => {
                errors.add(t, "birth_date", e.key);
                None
            }
        },
        (None, false) => match age.parse::<u32>() {
            Ok(years) => {
                let kept = previous.and_then(|p| match p.facts.birth {
                    Some(b @ Birth::Estimated { age_years, .. }) if age_years == years => Some(b),
                    _ => None,
                });
                match kept {
                    Some(b) => Some(b),
                    None => match Birth::estimated(years, today) {
                        Ok(b) => Some(b),
                        Err(e) => {
                            errors.add(t, "estimated_age", e.key);
                            None
                        }
                    },
                }
            }
            Err(_) => {
                errors.add(t, "estimated_age", "invalid-age");
                None
            }
        },
        (None, true) => None,
    };
    let origin_region_id = match form.opt("origin_region") {
        Some(code) => {
            let id = choices.region_id(code);
            if id.is_none() {
                errors.add(t, "origin_region", "unknown-region");
            }
            id
        }
        None => None,
    };
    let mut documents = Vec::new();
    for n in 0..document_rows(form) {
        let number = form.get(&format!("doc_number_{n}"));
        if number.is_empty() {
            continue;
        }
        let kind = form.get(&format!("doc_kind_{n}"));
        if DocumentKind::parse(kind).is_err() {
            errors.add(t, &format!("doc_kind_{n}"), "required");
        }
        let country = form.get(&format!("doc_country_{n}"));
        if !country.is_empty() && !Catalogue::countries().contains(country) {
            errors.add(t, &format!("doc_country_{n}"), "invalid-choice");
        }
        documents.push(Document {
            kind: kind.to_string(),
            number: number.to_string(),
            issuing_country: country.to_string(),
        });
    }
    let email = form.get("email");
    if !email.is_empty() && !email.contains('@') {
        errors.add(t, "email", "invalid-email");
    }
    PersonRecord {
        facts: PersonFacts {
            sex,
            gender_identity,
            birth,
            citizenships: codes(t, form, "citizenships", Catalogue::countries(), errors),
            origin_region_id,
            disability: pick(t, form, "disability", errors, Disability::parse),
            languages: codes(t, form, "languages", Catalogue::languages(), errors),
            education: pick(t, form, "education", errors, Education::parse),
            marital_status: pick(t, form, "marital_status", errors, MaritalStatus::parse),
        },
        identity: Identity {
            family_name: form.get("family_name").to_string(),
            given_name: form.get("given_name").to_string(),
            patronymic: form.get("patronymic").to_string(),
            other_names: form.get("other_names").to_string(),
            phone: form.get("phone").to_string(),
            email: email.to_string(),
            address: form.get("address").to_string(),
            documents,
            narrative: form.get("narrative").to_string(),
        },
    }
}

fn sex_options(t: Tr) -> Vec<(String, String)> {
    labelled(t, "sex", Sex::ALL.iter().map(|s| s.as_str()))
}

pub fn person_sets(f: &Fields<'_>, choices: &Choices) -> Vec<FieldSet> {
    let t = f.t;
    let gi = labelled(t, "gender", GenderIdentity::ALL.iter().map(|g| g.as_str()));
    let mut docs = Vec::new();
    for n in 0..document_rows(f.data) {
        let mut kind = f.choice(
            &format!("doc_kind_{n}"),
            "select",
            labelled(
                t,
                DocumentKind::LIST,
                DocumentKind::ALL.iter().map(|d| d.code()),
            ),
        );
        kind.label = t.get("label-doc_kind");
        let mut number = f.personal(&format!("doc_number_{n}"), "text");
        number.label = t.get("label-doc_number");
        let mut country = f.choice(
            &format!("doc_country_{n}"),
            "select",
            catalogue_options(t, Catalogue::countries()),
        );
        country.label = t.get("label-doc_country");
        docs.extend([kind, number, country]);
    }
    vec![
        set(
            t,
            "legend-identity",
            vec![
                f.personal("family_name", "text"),
                Fields::required(f.personal("given_name", "text")),
                f.personal("patronymic", "text"),
                f.personal("other_names", "text"),
            ],
        ),
        set(
            t,
            "legend-sex-age",
            vec![
                Fields::required(f.choice("sex", "select", sex_options(t))),
                f.choice("gender_identity", "select", gi),
                f.input("birth_date", "date"),
                f.input("estimated_age", "number"),
            ],
        ),
        set(
            t,
            "legend-background",
            vec![
                f.choice(
                    "citizenships",
                    "multi",
                    catalogue_options(t, Catalogue::countries()),
                ),
                f.choice("origin_region", "select", choices.regions.clone()),
                f.choice(
                    "languages",
                    "multi",
                    catalogue_options(t, Catalogue::languages()),
                ),
                f.choice(
                    "disability",
                    "select",
                    labelled(
                        t,
                        Disability::LIST,
                        Disability::ALL.iter().map(|d| d.code()),
                    ),
                ),
                f.choice(
                    "education",
                    "select",
                    labelled(t, Education::LIST, Education::ALL.iter().map(|d| d.code())),
                ),
                f.choice(
                    "marital_status",
                    "select",
                    labelled(
                        t,
                        MaritalStatus::LIST,
                        MaritalStatus::ALL.iter().map(|d| d.code()),
                    ),
                ),
            ],
        ),
        set(
            t,
            "legend-contact",
            vec![
                f.personal("phone", "tel"),
                f.personal("email", "email"),
                f.personal("address", "textarea"),
            ],
        ),
        set(t, "legend-documents", docs),
        set(
            t,
            "legend-narrative",
            vec![f.personal("narrative", "textarea")],
        ),
    ]
}

// ---------------------------------------------------------------------------------------
// Case details

pub fn details_to_form(d: &CaseDetails) -> FormData {
    let mut f = FormData::default();
    f.set("case_type", d.case_type.as_str());
    f.set("risk", d.risk.map_or("", |r| r.as_str()));
    f.set(
        "assigned_worker",
        d.assigned_worker_id
            .map(|w| w.to_string())
            .unwrap_or_default(),
    );
    f.set_flag("restricted", d.restricted);
    f.set_flag("family_implicated", d.family_implicated);
    f
}

pub fn details_from_form(t: Tr, form: &FormData, errors: &mut FieldErrors) -> Option<CaseDetails> {
    let case_type = match CaseType::parse_choice(form.get("case_type")) {
        Ok(c) => Some(c),
        Err(e) => {
            errors.add(t, "case_type", e.key);
            None
        }
    };
    let risk = pick(t, form, "risk", errors, RiskLevel::parse);
    let worker = match form.opt("assigned_worker") {
        Some(w) => match Uuid::parse_str(w) {
            Ok(u) => Some(u),
            Err(_) => {
                errors.add(t, "assigned_worker", "invalid-worker");
                None
            }
        },
        None => None,
    };
    Some(CaseDetails {
        case_type: case_type?,
        risk,
        assigned_worker_id: worker,
        restricted: form.flag("restricted"),
        family_implicated: form.flag("family_implicated"),
        decision_reason: form.get("decision_reason").trim().to_string(),
    })
}

/// The details controls a user may not change on an existing case: reassigning it and
/// lifting a protection are supervisor decisions (`SupervisorDecision`); setting a
/// protection is open to whoever manages the case. Nothing is locked at registration.
#[derive(Debug, Clone, Copy, Default)]
pub struct DetailsLocks {
    pub worker: bool,
    pub restricted: bool,
    pub family_implicated: bool,
    /// A supervisor on a case with a protection: the reason a lift needs is asked for.
    pub decision_reason: bool,
}

impl DetailsLocks {
    pub fn for_case(may_supervise: bool, protection: Protection) -> Self {
        if may_supervise {
            return Self {
                decision_reason: protection.restricted || protection.family_implicated,
                ..Self::default()
            };
        }
        Self {
            worker: true,
            restricted: protection.restricted,
            family_implicated: protection.family_implicated,
            decision_reason: false,
        }
    }

    fn any(&self) -> bool {
        self.worker || self.restricted || self.family_implicated
    }
}

/// The case's details. The set says once whose decision the locked controls are, naming
/// the organisation's supervisors (`supervisors`); each control keeps its own hint (what
/// "restricted" does).
pub fn details_sets(
    f: &Fields<'_>,
    choices: &Choices,
    locks: DetailsLocks,
    supervisors: &[String],
) -> Vec<FieldSet> {
    let t = f.t;
    let lock = |mut field: Field, locked: bool| {
        field.locked = locked;
        field
    };
    let mut details = set(
        t,
        "legend-case",
        vec![
            Fields::required(f.choice(
                "case_type",
                "select",
                labelled(
                    t,
                    "case-type",
                    CaseType::CHOOSABLE.iter().map(|c| c.as_str()),
                ),
            )),
            f.choice(
                "risk",
                "select",
                labelled(t, "risk", RiskLevel::ALL.iter().map(|r| r.as_str())),
            ),
            lock(
                f.choice("assigned_worker", "select", choices.workers.clone()),
                locks.worker,
            ),
            lock(f.input("restricted", "checkbox"), locks.restricted),
            lock(
                f.input("family_implicated", "checkbox"),
                locks.family_implicated,
            ),
        ],
    );
    if locks.decision_reason {
        let mut reason = f.input("decision_reason", "textarea");
        reason.hint = t.get("hint-decision-reason");
        details.fields.push(reason);
    }
    if locks.any() {
        details.note = match supervisors {
            [] => t.get("note-supervisor-decision-none"),
            names => t.with(
                "note-supervisor-decision",
                &[("names", FluentValue::from(names.join(", ")))],
            ),
        };
    }
    vec![details]
}

// ---------------------------------------------------------------------------------------
// Safety

pub fn safety_to_form(s: &SafeContact) -> FormData {
    let mut f = FormData::default();
    f.set_flag("may_contact", s.may_contact);
    f.set_flag("do_not_call", s.do_not_call);
    f.set("how", &s.how);
    f.set("safe_hours", &s.safe_hours);
    f.set("code_word", &s.code_word);
    f
}

pub fn safety_from_form(form: &FormData) -> SafeContact {
    SafeContact {
        may_contact: form.flag("may_contact"),
        do_not_call: form.flag("do_not_call"),
        how: form.get("how").to_string(),
        safe_hours: form.get("safe_hours").to_string(),
        code_word: form.get("code_word").to_string(),
    }
}

pub fn safety_sets(f: &Fields<'_>) -> Vec<FieldSet> {
    vec![set(
        f.t,
        "legend-safe-contact",
        vec![
            f.input("may_contact", "checkbox"),
            f.input("do_not_call", "checkbox"),
            f.personal("how", "textarea"),
            f.personal("safe_hours", "text"),
            f.personal("code_word", "text"),
        ],
    )]
}

// ---------------------------------------------------------------------------------------
// Household member

pub fn member_from_form(
    t: Tr,
    form: &FormData,
    choices: &Choices,
    errors: &mut FieldErrors,
) -> Option<(PersonRecord, MemberRecord)> {
    let person = person_from_form(t, form, choices, None, errors);
    if person.identity.given_name.is_empty() && person.identity.family_name.is_empty() {
        errors.add(t, "given_name", "required");
    }
    let relation = match Relation::parse(form.get("relation")) {
        Ok(r) => Some(r),
        Err(_) => {
            errors.add(t, "relation", "required");
            None
        }
    };
    let situation = match form.get("situation") {
        "abroad" => {
            let country = form.get("abroad_country");
            if country.is_empty() {
                errors.add(t, "abroad_country", "required");
            }
            MigrationSituation::Abroad {
                country: country.to_string(),
                since: parse_day(t, form, "abroad_since", errors),
                in_contact: form.flag("in_contact"),
                sends_remittances: form.flag("sends_remittances"),
            }
        }
        "returned" => MigrationSituation::Returned {
            on: parse_day(t, form, "returned_on", errors),
        },
        _ => MigrationSituation::AtHome,
    };
    Some((
        person,
        MemberRecord {
            relation: relation?,
            situation,
            cares_for_child: form.flag("cares_for_child"),
        },
    ))
}

pub fn member_to_form(person: &PersonRecord, m: &MemberRecord, choices: &Choices) -> FormData {
    let mut f = person_to_form(person, choices);
    f.set("relation", m.relation.code());
    f.set_flag("cares_for_child", m.cares_for_child);
    let day = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    match &m.situation {
        MigrationSituation::AtHome => f.set("situation", "at_home"),
        MigrationSituation::Abroad {
            country,
            since,
            in_contact,
            sends_remittances,
        } => {
            f.set("situation", "abroad");
            f.set("abroad_country", country);
            f.set("abroad_since", day(*since));
            f.set_flag("in_contact", *in_contact);
            f.set_flag("sends_remittances", *sends_remittances);
        }
        MigrationSituation::Returned { on } => {
            f.set("situation", "returned");
            f.set("returned_on", day(*on));
        }
    }
    f
}

pub fn member_sets(f: &Fields<'_>, _choices: &Choices) -> Vec<FieldSet> {
    let t = f.t;
    vec![
        set(
            t,
            "legend-member",
            vec![
                f.personal("family_name", "text"),
                Fields::required(f.personal("given_name", "text")),
                Fields::required(f.choice(
                    "relation",
                    "select",
                    labelled(t, Relation::LIST, Relation::ALL.iter().map(|r| r.code())),
                )),
                f.choice("sex", "select", sex_options(t)),
                f.input("birth_date", "date"),
                f.input("estimated_age", "number"),
                f.input("cares_for_child", "checkbox"),
            ],
        ),
        set(
            t,
            "legend-migration",
            vec![
                f.choice(
                    "situation",
                    "select",
                    labelled(t, "situation", ["at_home", "abroad", "returned"]),
                ),
                f.choice(
                    "abroad_country",
                    "select",
                    catalogue_options(t, Catalogue::countries()),
                ),
                f.input("abroad_since", "date"),
                f.input("in_contact", "checkbox"),
                f.input("sends_remittances", "checkbox"),
                f.input("returned_on", "date"),
            ],
        ),
    ]
}

// ---------------------------------------------------------------------------------------
// Consent

pub fn consent_from_form(t: Tr, form: &FormData, errors: &mut FieldErrors) -> Option<NewConsent> {
    let purpose = match Purpose::parse(form.get("purpose")) {
        Ok(p) => Some(p),
        Err(_) => {
            errors.add(t, "purpose", "required");
            None
        }
    };
    let organisation_id = match form.opt("organisation") {
        Some(o) => match Uuid::parse_str(o) {
            Ok(u) => Some(u),
            Err(_) => {
                errors.add(t, "organisation", "invalid-choice");
                None
            }
        },
        None => None,
    };
    if purpose == Some(Purpose::Sharing) && organisation_id.is_none() {
        errors.add(t, "organisation", "required");
    }
    let mut given_on = parse_day(t, form, "given_on", errors);
    if given_on.is_none() && !errors.has("given_on") {
        errors.add(t, "given_on", "required");
    }
    // Consent is recorded once given: a date still to come is a mistake, not today.
    if given_on.is_some_and(|d| d > Utc::now().date_naive()) {
        errors.add(t, "given_on", "date-in-future");
        given_on = None;
    }
    let consent_form = pick(t, form, "form", errors, |s| {
        parse_code::<ConsentForm>(s, "form")
    });
    if consent_form.is_none() && !errors.has("form") {
        errors.add(t, "form", "required");
    }
    let given_by = pick(t, form, "given_by", errors, |s| {
        parse_code::<GivenBy>(s, "given_by")
    });
    if given_by.is_none() && !errors.has("given_by") {
        errors.add(t, "given_by", "required");
    }
    let details = ConsentDetails {
        representative_name: form.get("representative_name").to_string(),
        child_view: form.get("child_view").to_string(),
        witness: form.get("witness").to_string(),
    };
    if consent_form == Some(ConsentForm::OralWithWitness) && details.witness.is_empty() {
        errors.add(t, "witness", "required");
    }
    if given_by.is_some_and(GivenBy::is_representative) && details.representative_name.is_empty() {
        errors.add(t, "representative_name", "required");
    }
    let given_at = given_on
        .and_then(|d| d.and_hms_opt(12, 0, 0))
        .map(|d| Utc.from_utc_datetime(&d))
        .map(|d| d.min(Utc::now()));
    Some(NewConsent {
        purpose: purpose?,
        organisation_id,
        given_at: given_at?,
        form: consent_form?,
        given_by: given_by?,
        details,
    })
}

pub fn consent_sets(f: &Fields<'_>, choices: &Choices) -> Vec<FieldSet> {
    let t = f.t;
    let forms = [ConsentForm::Written, ConsentForm::OralWithWitness];
    let givers = [
        GivenBy::Person,
        GivenBy::Parent,
        GivenBy::Guardian,
        GivenBy::Representative,
    ];
    let form_codes: Vec<String> = forms.iter().map(code_of).collect();
    let giver_codes: Vec<String> = givers.iter().map(code_of).collect();
    vec![set(
        t,
        "legend-consent",
        vec![
            Fields::required(f.choice(
                "purpose",
                "select",
                labelled(t, "purpose", Purpose::ALL.iter().map(|p| p.as_str())),
            )),
            f.choice("organisation", "select", choices.organisations.clone()),
            Fields::required(f.input("given_on", "date")),
            Fields::required(f.choice(
                "form",
                "select",
                labelled(t, "consent-form", form_codes.iter().map(String::as_str)),
            )),
            f.personal("witness", "text"),
            Fields::required(f.choice(
                "given_by",
                "select",
                labelled(t, "given-by", giver_codes.iter().map(String::as_str)),
            )),
            f.personal("representative_name", "text"),
            f.personal("child_view", "textarea"),
        ],
    )]
}

// ---------------------------------------------------------------------------------------
// Identification

pub fn identification_to_form(r: &IdentificationRecord) -> FormData {
    let mut f = FormData::default();
    f.set("trafficking_status", r.trafficking_status.as_str());
    f.set(
        "decided_by",
        r.decided_by_org_id
            .map(|o| o.to_string())
            .unwrap_or_default(),
    );
    let day = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    f.set("decided_on", day(r.decided_on));
    for x in &r.exploitation_forms {
        f.push("exploitation_forms", x.code());
    }
    for x in &r.control_methods {
        f.push("control_methods", x.code());
    }
    f.set(
        "recruitment_method",
        r.recruitment_method.map_or("", |x| x.code()),
    );
    f.set(
        "recruiter_relation",
        r.recruiter_relation.map_or("", |x| x.code()),
    );
    for (name, list) in [
        ("recruitment_countries", &r.recruitment_countries),
        ("transit_countries", &r.transit_countries),
        ("exploitation_countries", &r.exploitation_countries),
    ] {
        for c in list {
            f.push(name, c);
        }
    }
    f.set("recruited_on", day(r.recruited_on));
    f.set("exploitation_from", day(r.exploitation_from));
    f.set("exploitation_to", day(r.exploitation_to));
    f.set("isic_section", r.isic_section.map_or("", |x| x.code()));
    f.set("recruitment_place", &r.places.recruitment_place);
    f.set("transit_places", &r.places.transit_places);
    f.set("exploitation_places", &r.places.exploitation_places);
    f
}

pub fn identification_from_form(
    t: Tr,
    form: &FormData,
    errors: &mut FieldErrors,
) -> Option<IdentificationRecord> {
    let status = match TraffickingStatus::parse(form.get("trafficking_status")) {
        Ok(s) => Some(s),
        Err(_) => {
            errors.add(t, "trafficking_status", "required");
            None
        }
    };
    let decided_by = match form.opt("decided_by") {
        Some(o) => match Uuid::parse_str(o) {
            Ok(u) => Some(u),
            Err(_) => {
                errors.add(t, "decided_by", "invalid-choice");
                None
            }
        },
        None => None,
    };
    let many = |name: &str, errors: &mut FieldErrors| -> Vec<String> {
        let v: Vec<String> = form.all(name).iter().map(|s| s.to_string()).collect();
        if v.iter().any(|c| c.is_empty()) {
            errors.add(t, name, "invalid-choice");
        }
        v
    };
    let forms = many("exploitation_forms", errors);
    let exploitation_forms = ExploitationForm::parse_many(forms.iter().map(String::as_str))
        .unwrap_or_else(|e| {
            errors.add(t, "exploitation_forms", e.key);
            Vec::new()
        });
    let controls = many("control_methods", errors);
    let control_methods = ControlMethod::parse_many(controls.iter().map(String::as_str))
        .unwrap_or_else(|e| {
            errors.add(t, "control_methods", e.key);
            Vec::new()
        });
    let countries = Catalogue::countries();
    let record = IdentificationRecord {
        trafficking_status: status?,
        decided_by_org_id: decided_by,
        decided_on: parse_day(t, form, "decided_on", errors),
        exploitation_forms,
        control_methods,
        recruitment_method: pick(
            t,
            form,
            "recruitment_method",
            errors,
            RecruitmentMethod::parse,
        ),
        recruiter_relation: pick(
            t,
            form,
            "recruiter_relation",
            errors,
            RecruiterRelation::parse,
        ),
        recruitment_countries: codes(t, form, "recruitment_countries", countries, errors),
        transit_countries: codes(t, form, "transit_countries", countries, errors),
        exploitation_countries: codes(t, form, "exploitation_countries", countries, errors),
        recruited_on: parse_day(t, form, "recruited_on", errors),
        exploitation_from: parse_day(t, form, "exploitation_from", errors),
        exploitation_to: parse_day(t, form, "exploitation_to", errors),
        isic_section: pick(t, form, "isic_section", errors, IsicSection::parse),
        places: IdentificationPlaces {
            recruitment_place: form.get("recruitment_place").to_string(),
            transit_places: form.get("transit_places").to_string(),
            exploitation_places: form.get("exploitation_places").to_string(),
        },
    };
    Some(record)
}

pub fn identification_sets(f: &Fields<'_>, choices: &Choices) -> Vec<FieldSet> {
    let t = f.t;
    let countries = || catalogue_options(t, Catalogue::countries());
    vec![
        set(
            t,
            "legend-decision",
            vec![
                Fields::required(f.choice(
                    "trafficking_status",
                    "select",
                    labelled(
                        t,
                        "trafficking",
                        TraffickingStatus::ALL.iter().map(|s| s.as_str()),
                    ),
                )),
                f.choice("decided_by", "select", choices.organisations.clone()),
                f.input("decided_on", "date"),
            ],
        ),
        set(
            t,
            "legend-exploitation",
            vec![
                f.choice(
                    "exploitation_forms",
                    "checks",
                    labelled(
                        t,
                        ExploitationForm::LIST,
                        ExploitationForm::ALL.iter().map(|x| x.code()),
                    ),
                ),
                f.choice(
                    "control_methods",
                    "checks",
                    labelled(
                        t,
                        ControlMethod::LIST,
                        ControlMethod::ALL.iter().map(|x| x.code()),
                    ),
                ),
                f.choice(
                    "isic_section",
                    "select",
                    labelled(
                        t,
                        IsicSection::LIST,
                        IsicSection::ALL.iter().map(|x| x.code()),
                    ),
                ),
                f.input("exploitation_from", "date"),
                f.input("exploitation_to", "date"),
                f.choice("exploitation_countries", "multi", countries()),
                f.personal("exploitation_places", "textarea"),
            ],
        ),
        set(
            t,
            "legend-recruitment",
            vec![
                f.choice(
                    "recruitment_method",
                    "select",
                    labelled(
                        t,
                        RecruitmentMethod::LIST,
                        RecruitmentMethod::ALL.iter().map(|x| x.code()),
                    ),
                ),
                f.choice(
                    "recruiter_relation",
                    "select",
                    labelled(
                        t,
                        RecruiterRelation::LIST,
                        RecruiterRelation::ALL.iter().map(|x| x.code()),
                    ),
                ),
                f.input("recruited_on", "date"),
                f.choice("recruitment_countries", "multi", countries()),
                f.personal("recruitment_place", "text"),
                f.choice("transit_countries", "multi", countries()),
                f.personal("transit_places", "text"),
            ],
        ),
    ]
}
