//! The case list: codes and non-identifying fields only, filters and paging; each view is
//! one audit entry (written by the store before the rows are returned).

use super::{Lookups, age_band_label};
use crate::AppState;
use crate::auth::{Auth, RequestId};
pub use crate::casework::{ListQuery, PAGE_SIZE};
use crate::error::AppError;
use crate::fields::labelled;
use crate::i18n::Tr;
use crate::shell::PageCtx;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Html;
use chrono::Utc;
use yoldash_domain::case::{CaseStatus, CaseType, RiskLevel};
use yoldash_domain::person::{AgeBandSets, Sex};
use yoldash_store::cases::CasePage;

/// The age filter's choices: child/adult, then the humanitarian bands.
pub fn age_options(t: Tr, bands: &AgeBandSets) -> Vec<(String, String)> {
    ["child_adult", "humanitarian"]
        .iter()
        .flat_map(|set| {
            bands
                .bands(set)
                .unwrap_or_default()
                .iter()
                .map(move |b| (format!("{set}:{}", b.code), (*set, b.code.clone())))
        })
        .map(|(value, (set, code))| (value, age_band_label(t, set, &code)))
        .collect()
}

impl ListQuery {
    /// The query string without the page number (for paging links).
    fn without_page(&self) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("type", &self.case_type),
            ("status", &self.status),
            ("sex", &self.sex),
            ("age", &self.age),
            ("risk", &self.risk),
            ("region", &self.region),
            ("worker", &self.worker),
            ("drafts", &self.drafts),
            ("pending", &self.pending),
        ] {
            if !v.is_empty() {
                s.append_pair(k, v);
            }
        }
        s.finish()
    }
}

/// A filter select.
pub struct Filter {
    pub name: &'static str,
    pub label: String,
    pub value: String,
    pub options: Vec<(String, String)>,
}

pub struct Row {
    pub code: String,
    pub case_type: String,
    pub status: String,
    pub sex: String,
    pub age: String,
    pub risk: String,
    pub region: String,
    pub worker: String,
    pub updated: String,
    pub restricted: bool,
    pub draft: bool,
}

#[derive(Template)]
#[template(path = "cases_list.html")]
struct ListPage {
    page: PageCtx,
    filters: Vec<Filter>,
    q: String,
    doc: String,
    drafts: bool,
    pending: bool,
    /// A name or document search (posted): the results are not paged.
    searched: bool,
    rows: Vec<Row>,
    summary: String,
    prev: Option<String>,
    next: Option<String>,
    may_register: bool,
}

pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    page: PageCtx,
    RequestId(rid): RequestId,
    Query(q): Query<ListQuery>,
) -> Result<Html<String>, AppError> {
    render(state, auth, page, rid, q).await
}

/// The name and document search: posted, so that names stay out of addresses.
pub async fn search(
    State(state): State<AppState>,
    auth: Auth,
    page: PageCtx,
    RequestId(rid): RequestId,
    form: crate::fields::FormData,
) -> Result<Html<String>, AppError> {
    let q = ListQuery {
        q: form.get("q").to_string(),
        doc: form.get("doc").to_string(),
        ..Default::default()
    };
    render(state, auth, page, rid, q).await
}

async fn render(
    state: AppState,
    auth: Auth,
    page: PageCtx,
    rid: String,
    q: ListQuery,
) -> Result<Html<String>, AppError> {
    let t = page.t;
    let searched = !q.q.is_empty() || !q.doc.is_empty();
    let lookups = Lookups::load(&state, &auth, t).await?;
    let filter = q.filter(&state, &lookups, auth.actor.user_id);
    let number = q.page.unwrap_or(1).clamp(1, 100_000);
    let CasePage {
        rows,
        total,
        total_exact,
    } = state
        .store
        .case_list(
            &auth.actor,
            &filter,
            (number - 1) * PAGE_SIZE,
            PAGE_SIZE,
            Some(&rid),
        )
        .await?;
    let today = Utc::now().date_naive();
    let rows = rows
        .into_iter()
        .map(|r| Row {
            case_type: t.get(&format!("case-type-{}", r.case_type.as_str())),
            status: t.get(&format!("case-status-{}", r.status.as_str())),
            sex: t.get(&format!("sex-{}", r.sex.as_str())),
            age: r
                .birth_date
                .map(|b| {
                    let age = yoldash_domain::person::years_between(b, today);
                    state
                        .age_bands
                        .band_of("humanitarian", age)
                        .map(|code| age_band_label(t, "humanitarian", code))
                        .unwrap_or_default()
                })
                .unwrap_or_default(),
            risk: r
                .risk
                .map(|x| t.get(&format!("risk-{}", x.as_str())))
                .unwrap_or_default(),
            region: r
                .region_id
                .map(|id| lookups.region_name(id))
                .unwrap_or_default(),
            worker: r
                .assigned_worker_id
                .map(|id| lookups.worker_name(id))
                .unwrap_or_default(),
            updated: t.datetime(r.updated_at),
            restricted: r.restricted,
            draft: r.draft,
            code: r.code,
        })
        .collect::<Vec<_>>();
    let base = q.without_page();
    let link = |n: i64| {
        if base.is_empty() {
            format!("/cases?page={n}")
        } else {
            format!("/cases?{base}&page={n}")
        }
    };
    let shown_to = ((number - 1) * PAGE_SIZE + rows.len() as i64).min(total);
    let summary = if total == 0 {
        t.get("cases-none")
    } else {
        t.with(
            if total_exact {
                "cases-range"
            } else {
                "cases-range-more"
            },
            &[
                ("from", ((number - 1) * PAGE_SIZE + 1).into()),
                ("to", shown_to.into()),
                ("total", total.into()),
            ],
        )
    };
    let filters = vec![
        Filter {
            name: "type",
            label: t.get("label-case_type"),
            value: q.case_type.clone(),
            options: labelled(t, "case-type", CaseType::ALL.iter().map(|c| c.as_str())),
        },
        Filter {
            name: "status",
            label: t.get("label-status"),
            value: q.status.clone(),
            options: labelled(t, "case-status", CaseStatus::ALL.iter().map(|c| c.as_str())),
        },
        Filter {
            name: "sex",
            label: t.get("label-sex"),
            value: q.sex.clone(),
            options: labelled(t, "sex", Sex::ALL.iter().map(|s| s.as_str())),
        },
        Filter {
            name: "age",
            label: t.get("label-age-band"),
            value: q.age.clone(),
            options: age_options(t, &state.age_bands),
        },
        Filter {
            name: "risk",
            label: t.get("label-risk"),
            value: q.risk.clone(),
            options: labelled(t, "risk", RiskLevel::ALL.iter().map(|r| r.as_str())),
        },
        Filter {
            name: "region",
            label: t.get("label-region"),
            value: q.region.clone(),
            options: lookups.choices.regions.clone(),
        },
        Filter {
            name: "worker",
            label: t.get("label-assigned_worker"),
            value: if q.worker == "me" {
                auth.actor.user_id.to_string()
            } else {
                q.worker.clone()
            },
            options: lookups.choices.workers.clone(),
        },
    ];
    Ok(Html(
        ListPage {
            page: page.crumbs(&[("nav-cases", "/cases")]),
            filters,
            q: q.q.clone(),
            doc: q.doc.clone(),
            drafts: q.drafts == "1",
            pending: q.pending == "1",
            prev: (number > 1 && !searched).then(|| link(number - 1)),
            next: (number * PAGE_SIZE < total && !searched).then(|| link(number + 1)),
            searched,
            summary,
            rows,
            may_register: auth
                .actor
                .may(&state.permissions, yoldash_domain::Permission::CaseManage),
        }
        .render()?,
    ))
}
