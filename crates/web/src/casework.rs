//! Case operations shared by the case pages and the API: the case list's filters, opening a
//! case file, the names and choices the case views look up, and the case history in the
//! reader's words.

use crate::AppState;
use crate::auth::Auth;
use crate::error::AppError;
use crate::i18n::Tr;
use crate::pages::cases::forms::Choices;
use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::Deserialize;
use serde::Serialize;
use std::collections::BTreeMap;
use uuid::Uuid;
use yoldash_domain::case::{CaseStatus, CaseType, RiskLevel};
use yoldash_domain::person::{AgeBandSets, Sex};
use yoldash_store::cases::CaseFilter;
use yoldash_store::history::VersionEntry;

/// Rows per page.
pub const PAGE_SIZE: i64 = 50;

/// The list's query string. Unknown values are ignored rather than refused: a filter link
/// from an older version still opens the list.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default, rename = "type")]
    pub case_type: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub sex: String,
    /// `set:code` of an age band.
    #[serde(default)]
    pub age: String,
    #[serde(default)]
    pub risk: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub worker: String,
    /// Exact name search (through the blind index). Only taken from a posted form, never
    /// from the address: a name in a URL stays in browser history and proxy logs.
    #[serde(default, skip_deserializing)]
    pub q: String,
    /// Exact document number search (posted, like the name).
    #[serde(default, skip_deserializing)]
    pub doc: String,
    /// Closure requests waiting for approval.
    #[serde(default)]
    pub pending: String,
    #[serde(default)]
    pub drafts: String,
    #[serde(default)]
    pub page: Option<i64>,
}

/// The birth-date range of an age band on `today`: (born after, born on or before).
pub fn band_birth_range(
    bands: &AgeBandSets,
    value: &str,
    today: NaiveDate,
) -> Option<(Option<NaiveDate>, Option<NaiveDate>)> {
    let (set, code) = value.split_once(':')?;
    let band = bands.bands(set)?.iter().find(|b| b.code == code)?;
    let until = today.checked_sub_months(Months::new(band.from * 12));
    let after = band
        .to
        .and_then(|to| today.checked_sub_months(Months::new((to + 1) * 12)));
    Some((after, until))
}

impl ListQuery {
    /// The store's filter; `worker=me` means the signed-in user.
    /// The filters given with a value that names nothing (`type=zzz`), as (field,
    /// `invalid-choice`). The pages drop such a filter; the API refuses the request, since
    /// a list that quietly ignored a misspelt filter would answer about other cases.
    pub fn unknown_filters(&self, state: &AppState, lookups: &Lookups) -> Vec<(String, String)> {
        let given = |v: &str| !v.is_empty();
        let today = Utc::now().date_naive();
        [
            (
                "type",
                given(&self.case_type) && CaseType::parse(&self.case_type).is_err(),
            ),
            (
                "status",
                given(&self.status) && CaseStatus::parse(&self.status).is_err(),
            ),
            ("sex", given(&self.sex) && Sex::parse(&self.sex).is_err()),
            (
                "age",
                given(&self.age) && band_birth_range(&state.age_bands, &self.age, today).is_none(),
            ),
            (
                "risk",
                given(&self.risk) && RiskLevel::parse(&self.risk).is_err(),
            ),
            (
                "region",
                given(&self.region) && lookups.region_and_below(&self.region).is_empty(),
            ),
            (
                "worker",
                given(&self.worker)
                    && self.worker != "me"
                    && uuid::Uuid::parse_str(&self.worker).is_err(),
            ),
            ("drafts", !matches!(self.drafts.as_str(), "" | "0" | "1")),
            ("pending", !matches!(self.pending.as_str(), "" | "0" | "1")),
        ]
        .into_iter()
        .filter(|(_, bad)| *bad)
        .map(|(field, _)| (field.to_string(), "invalid-choice".to_string()))
        .collect()
    }

    pub fn filter(&self, state: &AppState, lookups: &Lookups, me: uuid::Uuid) -> CaseFilter {
        let today = Utc::now().date_naive();
        let (born_after, born_until) =
            band_birth_range(&state.age_bands, &self.age, today).unwrap_or_default();
        CaseFilter {
            case_type: CaseType::parse(&self.case_type).ok(),
            status: CaseStatus::parse(&self.status).ok(),
            sex: Sex::parse(&self.sex).ok(),
            born_after,
            born_until,
            risk: RiskLevel::parse(&self.risk).ok(),
            region_ids: lookups.region_and_below(&self.region),
            worker: if self.worker == "me" {
                Some(me)
            } else {
                uuid::Uuid::parse_str(&self.worker).ok()
            },
            name_digests: state.store.name_search_digests(&self.q),
            document_digest: state.store.document_search_digest(&self.doc),
            drafts_only: self.drafts == "1",
            closure_pending: self.pending == "1",
        }
    }
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

/// Names and choices the case pages look up: regions, organisations, case workers.
pub struct Lookups {
    pub choices: Choices,
    region_names: BTreeMap<Uuid, String>,
    region_children: BTreeMap<Uuid, Vec<Uuid>>,
    worker_names: BTreeMap<Uuid, String>,
    org_names: BTreeMap<Uuid, String>,
    /// The names of the supervisors of the caller's organisation.
    pub supervisors: Vec<String>,
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
            supervisors: directory.supervisors(auth.actor.org_id).to_vec(),
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

pub fn history_label(t: Tr, field: &str) -> String {
    let key = format!("label-{field}");
    if t.has(&key) {
        t.get(&key)
    } else {
        field.to_string()
    }
}

/// The label-key prefix of the codes a history field holds (`sex` → `sex-female`).
fn code_list_of(field: &str) -> Option<&'static str> {
    Some(match field {
        "sex" => "sex",
        "gender_identity" => "gender",
        "case_type" => "case-type",
        "status" => "case-status",
        "risk" => "risk",
        "relation" => "relation",
        "situation" => "situation",
        "purpose" => "purpose",
        "form" => "consent-form",
        "given_by" => "given-by",
        "trafficking_status" => "trafficking",
        "exploitation_forms" => "exploitation",
        "control_methods" => "control",
        "recruitment_method" => "recruitment",
        "recruiter_relation" => "recruiter-relation",
        "isic_section" => "isic",
        "disability" => "disability",
        "education" => "education",
        "marital_status" => "marital",
        _ => return None,
    })
}

/// A stored history value as the reader should see it: labels for codes, names for
/// countries, languages, people and organisations, yes/no for flags.
fn history_value(t: Tr, lookups: &Lookups, field: &str, v: &str) -> String {
    use yoldash_domain::catalogue::Catalogue;
    if v.is_empty() {
        return String::new();
    }
    let each = |f: &dyn Fn(&str) -> String| -> String {
        v.split(", ").map(f).collect::<Vec<_>>().join(", ")
    };
    if let Some(list) = code_list_of(field) {
        return each(&|c| {
            let key = format!("{list}-{c}");
            if t.has(&key) {
                t.get(&key)
            } else {
                c.to_string()
            }
        });
    }
    match field {
        "citizenships"
        | "abroad_country"
        | "recruitment_countries"
        | "transit_countries"
        | "exploitation_countries" => {
            return each(&|c| Catalogue::countries().name(c, t.lang()));
        }
        "languages" => return each(&|c| Catalogue::languages().name(c, t.lang())),
        "closure_reason" => {
            return lookups
                .choices
                .closure_reasons
                .iter()
                .find(|(c, _)| c == v)
                .map_or_else(|| v.to_string(), |(_, l)| l.clone());
        }
        "documents" => {
            return v
                .split("; ")
                .map(|d| {
                    let mut parts = d.splitn(3, ' ');
                    let kind = parts.next().unwrap_or_default();
                    let rest: Vec<&str> = parts.collect();
                    let key = format!("document-{kind}");
                    let kind = if t.has(&key) {
                        t.get(&key)
                    } else {
                        kind.to_string()
                    };
                    format!("{kind} {}", rest.join(" "))
                })
                .collect::<Vec<_>>()
                .join("; ");
        }
        _ => {}
    }
    match Uuid::parse_str(v) {
        Ok(id) => lookups.name_of(id).unwrap_or_else(|| v.to_string()),
        Err(_) => match v {
            "true" => t.get("yes"),
            "false" => t.get("no"),
            _ => v.to_string(),
        },
    }
}

/// Who made a change.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HistoryActor {
    /// Absent for changes made by the system (imports, the command line).
    pub user_id: Option<Uuid>,
    /// The name, or "someone" in the reader's language when it cannot be shown.
    pub name: String,
}

/// A field of a change: its code and its label.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HistoryField {
    pub field: String,
    pub label: String,
}

/// One field's change, in words (labels for codes, names for people and places) and as stored.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HistoryChange {
    pub field: String,
    pub label: String,
    pub old: String,
    pub new: String,
    /// The stored value before (codes, ids, dates as in the record).
    pub old_value: String,
    pub new_value: String,
}

/// One entry of a case's history, newest first, as the history tab shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    /// The time as the page shows it.
    pub when: String,
    pub who: HistoryActor,
    /// `case`, `person`, `household_member`, `consent`, `identification`, `safe_contact`.
    pub record_kind: String,
    /// `create`, `update`, `status`, `withdraw`, `remove`, `closure_request`.
    pub change: String,
    /// What happened, in the reader's language.
    pub what: String,
    /// For a creation: the fields that were filled (their values are in the record).
    pub filled: Vec<HistoryField>,
    /// For other changes: each field's old and new value.
    pub changes: Vec<HistoryChange>,
}

/// The history of a case in the reader's words: what the history tab shows and the API sends.
pub fn history(t: Tr, lookups: &Lookups, versions: &[VersionEntry]) -> Vec<HistoryEntry> {
    versions
        .iter()
        .map(|v| {
            let created = v.change == "create";
            HistoryEntry {
                at: yoldash_store::time::to_datetime(v.at),
                when: t.datetime(v.at),
                who: HistoryActor {
                    user_id: v.actor_user_id,
                    name: v
                        .actor_user_id
                        .map(|u| lookups.worker_name(u))
                        .filter(|n| !n.is_empty())
                        .unwrap_or_else(|| t.get("history-someone")),
                },
                record_kind: v.record_kind.clone(),
                change: v.change.clone(),
                what: t.get(&format!("history-{}-{}", v.record_kind, v.change)),
                filled: v
                    .changes
                    .iter()
                    .filter(|_| created)
                    .map(|c| HistoryField {
                        field: c.field.clone(),
                        label: history_label(t, &c.field),
                    })
                    .collect(),
                changes: v
                    .changes
                    .iter()
                    .filter(|_| !created)
                    .map(|c| HistoryChange {
                        field: c.field.clone(),
                        label: history_label(t, &c.field),
                        old: history_value(t, lookups, &c.field, &c.old),
                        new: history_value(t, lookups, &c.field, &c.new),
                        old_value: c.old.clone(),
                        new_value: c.new.clone(),
                    })
                    .collect(),
            }
        })
        .collect()
}
