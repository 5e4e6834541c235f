//! The audit log screens: the log with filters and keyset paging, its CSV export, and the
//! page of unusual events (bursts of reading, exports, consent overrides, password resets,
//! throttled and failed sign-ins).
//!
//! Reading the log is audited like any other read (an investigator asks who looked at the
//! log, and for what): the route and the names of the filters used, never their values,
//! which may be e-mail addresses. An export is audited as an export.

use super::audit_words;
use crate::AppState;
use crate::api::Params;
use crate::auth::{Auth, RequestId};
use crate::error::AppError;
use crate::forms::FieldErrors;
use crate::i18n::Tr;
use crate::routes::{Access, Endpoint, ep};
use crate::shell::PageCtx;
use askama::Template;
use axum::extract::State;
use axum::http::{Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use chrono::{NaiveDate, NaiveTime, SecondsFormat};
use fluent_templates::fluent_bundle::FluentValue;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::LazyLock;
use yoldash_domain::{Email, Permission};
use yoldash_reports::csv_export::CsvWriter;
use yoldash_store::access_audit::AUDIT_LOG;
use yoldash_store::audit::{ACTIONS, Action, AuditEntry};
use yoldash_store::audit_search::{
    self, AlertQuery, AuditFilter, AuditRow, Burst, BurstKey, BurstRule, action_named,
};
use yoldash_store::time::{now_micros, to_datetime};
use yoldash_store::{Store, StoreError};

/// Entries per page of the log.
pub const PAGE_SIZE: i64 = 50;
/// Most entries in one CSV export.
pub const EXPORT_LIMIT: i64 = 100_000;

const MICROS_PER_MINUTE: i64 = 60 * 1_000_000;
const MICROS_PER_DAY: i64 = 24 * 60 * MICROS_PER_MINUTE;

/// The thresholds of the unusual-events page, shipped in `data/audit-alerts.json`.
#[derive(Debug, Clone, Deserialize)]
pub struct AlertSettings {
    pub period_days: i64,
    pub max_period_days: i64,
    pub reads_threshold: i64,
    pub reads_window_minutes: i64,
    pub login_failed_threshold: i64,
    pub login_failed_window_minutes: i64,
    pub list_limit: i64,
}

const ALERT_SETTINGS_JSON: &str = include_str!("../../../../../data/audit-alerts.json");

impl AlertSettings {
    pub fn parse(json: &str) -> Result<Self, String> {
        let s: AlertSettings = serde_json::from_str(json).map_err(|e| e.to_string())?;
        let positive = [
            s.period_days,
            s.max_period_days,
            s.reads_threshold,
            s.reads_window_minutes,
            s.login_failed_threshold,
            s.login_failed_window_minutes,
            s.list_limit,
        ];
        if positive.iter().any(|n| *n < 1) || s.period_days > s.max_period_days {
            return Err(
                "every number must be at least 1, period_days at most max_period_days".into(),
            );
        }
        Ok(s)
    }

    pub fn shipped() -> &'static AlertSettings {
        static SHIPPED: LazyLock<AlertSettings> = LazyLock::new(|| {
            AlertSettings::parse(ALERT_SETTINGS_JSON)
                .expect("data/audit-alerts.json is valid (checked by a unit test)")
        });
        &SHIPPED
    }
}

pub fn endpoints() -> Vec<Endpoint> {
    let read = Access::Signed(Permission::AuditRead);
    vec![
        ep(Method::GET, "/admin/audit", read, get(log)),
        ep(Method::GET, "/admin/audit/export.csv", read, get(export)),
        ep(Method::GET, "/admin/audit/alerts", read, get(alerts)),
    ]
}

/// The filters as typed (kept in the form, and in the paging and export links).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct LogQuery {
    #[serde(default)]
    pub user: String,
    #[serde(default)]
    pub org: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub object_type: String,
    #[serde(default)]
    pub object_id: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    pub before: Option<i64>,
}

impl LogQuery {
    /// The filter part of the query string (without `before`).
    fn filter_pairs(&self) -> Vec<(&'static str, &str)> {
        [
            ("user", self.user.trim()),
            ("org", self.org.trim()),
            ("action", self.action.trim()),
            ("object_type", self.object_type.trim()),
            ("object_id", self.object_id.trim()),
            ("from", self.from.trim()),
            ("to", self.to.trim()),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect()
    }

    fn href(&self, path: &str, before: Option<i64>) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in self.filter_pairs() {
            s.append_pair(k, v);
        }
        if let Some(b) = before {
            s.append_pair("before", &b.to_string());
        }
        let q = s.finish();
        if q.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{q}")
        }
    }
}

/// A link to the log with the given filters.
fn log_href(pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    format!("/admin/audit?{}", s.finish())
}

fn parse_day(text: &str) -> Option<i64> {
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    Some(day.and_time(NaiveTime::MIN).and_utc().timestamp_micros())
}

/// Turns the typed filters into a store filter, or field errors (unknown e-mail, bad date…).
async fn resolve(
    store: &Store,
    t: Tr,
    q: &LogQuery,
    orgs: &[OrgChoice],
) -> Result<(AuditFilter, FieldErrors), AppError> {
    let mut filter = AuditFilter::default();
    let mut errors = FieldErrors::new();
    let user = q.user.trim();
    if !user.is_empty() {
        match Email::parse(user) {
            Err(_) => errors.add(t, "user", "invalid-email"),
            Ok(email) => match store.user_by_email(email.as_str()).await {
                Ok(u) => filter.actor_user_id = Some(u.id),
                Err(StoreError::NotFound) => errors.add(t, "user", "audit-unknown-user"),
                Err(e) => return Err(e.into()),
            },
        }
    }
    let org = q.org.trim();
    if !org.is_empty() {
        match orgs.iter().find(|o| o.code == org) {
            Some(o) => filter.actor_org_id = Some(o.id),
            None => errors.add(t, "org", "unknown-organisation"),
        }
    }
    let action = q.action.trim();
    if !action.is_empty() {
        match action_named(action) {
            Some(a) => filter.action = Some(a),
            None => errors.add(t, "action", "audit-invalid-action"),
        }
    }
    let object_type = q.object_type.trim();
    if !object_type.is_empty() {
        filter.object_type = Some(object_type.to_string());
    }
    let object_id = q.object_id.trim();
    if !object_id.is_empty() {
        filter.object_id = Some(object_id.to_string());
    }
    let from = q.from.trim();
    if !from.is_empty() {
        match parse_day(from) {
            Some(at) => filter.from = Some(at),
            None => errors.add(t, "from", "audit-invalid-date"),
        }
    }
    let to = q.to.trim();
    if !to.is_empty() {
        match parse_day(to) {
            // The whole day is included: up to the start of the next one.
            Some(at) => filter.until = Some(at + MICROS_PER_DAY),
            None => errors.add(t, "to", "audit-invalid-date"),
        }
    }
    if let (Some(from), Some(until)) = (filter.from, filter.until)
        && from >= until
    {
        errors.add(t, "to", "audit-date-order");
    }
    Ok((filter, errors))
}

/// An organisation in the filter's pick-list.
#[derive(Debug, Clone)]
pub struct OrgChoice {
    id: uuid::Uuid,
    pub code: String,
    pub label: String,
}

async fn org_choices(store: &Store, t: Tr) -> Result<Vec<OrgChoice>, AppError> {
    Ok(store
        .organisations()
        .await?
        .into_iter()
        .map(|o| OrgChoice {
            id: o.id,
            label: format!("{} — {}", o.code, o.name_in(t.lang())),
            code: o.code,
        })
        .collect())
}

/// One entry as a table row.
#[derive(Debug, Clone)]
pub struct EntryView {
    pub time: String,
    /// The actor's display name and e-mail; `None` for entries made by the system.
    pub actor: Option<(String, String)>,
    /// The actor's id when the account no longer exists.
    pub actor_id: Option<String>,
    /// Who acted when no account did: someone not signed in (a failed sign-in), or the
    /// system and its command line.
    pub nobody: String,
    pub actor_href: Option<String>,
    pub org_code: String,
    pub action: String,
    /// The kind of record, in the reader's words.
    pub object_type: String,
    pub object_id: String,
    /// What readers call the object: a case's code, an account's e-mail, an
    /// organisation's code; the id when there is no such name.
    pub object_name: String,
    pub object_href: Option<String>,
    pub request_id: String,
    /// The stored detail, in the reader's words (`audit_words::detail_text`).
    pub detail: String,
}

fn entry_view(t: Tr, names: &HashMap<String, String>, r: AuditRow) -> EntryView {
    // The case list is a view of many cases, not a record.
    let (object_type, object_id) = match (r.object_type.as_deref(), r.object_id.as_deref()) {
        (Some("case"), Some("list")) => (Some("case_list"), None),
        (ty, id) => (ty, id),
    };
    let object_name = object_id
        .map(|id| names.get(id).cloned().unwrap_or_else(|| id.to_string()))
        .unwrap_or_default();
    let nobody = match r.action.as_str() {
        "login" | "login_failed" | "login_throttled" => t.get("audit-actor-not-signed-in"),
        _ => t.get("audit-system"),
    };
    let actor = match (&r.actor_name, &r.actor_email) {
        (Some(n), Some(e)) => Some((n.clone(), e.clone())),
        _ => None,
    };
    let actor_href = r.actor_email.as_deref().map(|e| log_href(&[("user", e)]));
    let object_href = match (&r.object_type, &r.object_id) {
        (Some(ty), Some(id)) => Some(log_href(&[("object_type", ty), ("object_id", id)])),
        _ => None,
    };
    EntryView {
        time: to_datetime(r.at).format("%Y-%m-%d %H:%M").to_string(),
        actor_id: if actor.is_none() {
            r.actor_user_id.clone()
        } else {
            None
        },
        actor,
        nobody,
        actor_href,
        org_code: r.org_code.unwrap_or_default(),
        action: audit_words::action_label(t, &r.action, r.object_type.as_deref()),
        object_type: object_type
            .map(|o| audit_words::object_label(t, o))
            .unwrap_or_default(),
        object_name,
        object_id: r.object_id.unwrap_or_default(),
        object_href,
        request_id: r.request_id.unwrap_or_default(),
        detail: r
            .detail
            .as_deref()
            .map(|d| audit_words::detail_text(t, d))
            .unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "audit_log.html")]
struct LogPage {
    page: PageCtx,
    q: LogQuery,
    errors: FieldErrors,
    /// (code, label, selected)
    orgs: Vec<(String, String, bool)>,
    /// (name, label, selected)
    actions: Vec<(&'static str, String, bool)>,
    rows: Vec<EntryView>,
    older: Option<String>,
    newer: Option<String>,
    export_href: String,
}

fn log_page(page: PageCtx, q: LogQuery, errors: FieldErrors, orgs: &[OrgChoice]) -> LogPage {
    let t = page.t;
    let org = q.org.trim().to_string();
    let action = q.action.trim().to_string();
    let export_href = q.href("/admin/audit/export.csv", None);
    LogPage {
        orgs: orgs
            .iter()
            .map(|o| (o.code.clone(), o.label.clone(), o.code == org))
            .collect(),
        actions: ACTIONS
            .iter()
            .map(|a| {
                (
                    a.as_str(),
                    audit_words::action_label(t, a.as_str(), None),
                    a.as_str() == action,
                )
            })
            .collect(),
        page: page.crumbs(&[("nav-audit", "/admin/audit")]),
        q,
        errors,
        rows: Vec::new(),
        older: None,
        newer: None,
        export_href,
    }
}

/// `GET /admin/audit`: the log, newest first, 50 a page.
#[tracing::instrument(skip_all)]
pub async fn log(
    State(state): State<AppState>,
    auth: Auth,
    page: PageCtx,
    Params(q): Params<LogQuery>,
) -> Result<Response, AppError> {
    let t = page.t;
    let orgs = org_choices(&state.store, t).await?;
    let (filter, errors) = resolve(&state.store, t, &q, &orgs).await?;
    let before = q.before;
    let mut view = log_page(page, q, errors, &orgs);
    if !view.errors.is_empty() {
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(view.render()?)).into_response());
    }
    let mut rows = audit_search::search(&state.store, &filter, before, PAGE_SIZE + 1).await?;
    state
        .store
        .audit_log_read(
            &auth.actor,
            format!(
                "route=GET /admin/audit; filters={}{}",
                filter_names(&filter),
                if before.is_some() { "; older page" } else { "" }
            ),
        )
        .await?;
    if rows.len() as i64 > PAGE_SIZE {
        rows.truncate(PAGE_SIZE as usize);
        view.older = rows
            .last()
            .map(|r| view.q.href("/admin/audit", Some(r.seq)));
    }
    if let Some(b) = before {
        view.newer = audit_search::newer_page(&state.store, &filter, b, PAGE_SIZE)
            .await?
            .map(|start| view.q.href("/admin/audit", start));
    }
    let names = audit_search::object_names(&state.store, &rows).await?;
    view.rows = rows.into_iter().map(|r| entry_view(t, &names, r)).collect();
    Ok(Html(view.render()?).into_response())
}

/// The names of the filters in use, for an audit entry (`none` when there are none).
fn filter_names(filter: &AuditFilter) -> String {
    match filter.names() {
        names if names.is_empty() => "none".to_string(),
        names => names.join(","),
    }
}

/// `GET /admin/audit/export.csv`: the filtered log as CSV. Audited.
#[tracing::instrument(skip_all)]
pub async fn export(
    State(state): State<AppState>,
    auth: Auth,
    page: PageCtx,
    RequestId(request_id): RequestId,
    Params(q): Params<LogQuery>,
) -> Result<Response, AppError> {
    let t = page.t;
    let orgs = org_choices(&state.store, t).await?;
    let (filter, errors) = resolve(&state.store, t, &q, &orgs).await?;
    if !errors.is_empty() {
        let view = log_page(page, q, errors, &orgs);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(view.render()?)).into_response());
    }
    let mut rows = audit_search::search(&state.store, &filter, None, EXPORT_LIMIT + 1).await?;
    let truncated = rows.len() as i64 > EXPORT_LIMIT;
    rows.truncate(EXPORT_LIMIT as usize);
    let mut csv = CsvWriter::new();
    csv.row([
        "seq",
        "time",
        "actor_user_id",
        "actor_email",
        "organisation_code",
        "action",
        "object_type",
        "object_id",
        "request_id",
        "detail",
        "mac",
    ]);
    for r in &rows {
        csv.row([
            r.seq.to_string().as_str(),
            &to_datetime(r.at).to_rfc3339_opts(SecondsFormat::Secs, true),
            r.actor_user_id.as_deref().unwrap_or_default(),
            r.actor_email.as_deref().unwrap_or_default(),
            r.org_code.as_deref().unwrap_or_default(),
            &r.action,
            r.object_type.as_deref().unwrap_or_default(),
            r.object_id.as_deref().unwrap_or_default(),
            r.request_id.as_deref().unwrap_or_default(),
            r.detail.as_deref().unwrap_or_default(),
            &r.mac,
        ]);
    }
    if truncated {
        csv.row([t.with(
            "audit-export-truncated",
            &[("limit", FluentValue::from(EXPORT_LIMIT))],
        )]);
    }
    let mut entry = AuditEntry::by(Some(&auth.actor), Action::Export)
        .request(Some(&request_id))
        .detail(format!(
            "rows={}{}; filters={}",
            rows.len(),
            if truncated { " (limit reached)" } else { "" },
            filter_names(&filter)
        ));
    entry.object_type = Some(AUDIT_LOG);
    let mut unit = state.store.unit().await?;
    unit.audit(entry).await?;
    unit.commit().await?;
    let filename = format!(
        "attachment; filename=\"audit-log-{}.csv\"",
        to_datetime(now_micros()).format("%Y%m%d")
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, filename),
        ],
        csv.finish(),
    )
        .into_response())
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct AlertsQuery {
    #[serde(default)]
    pub days: String,
}

/// One burst as a table row.
#[derive(Debug, Clone)]
pub struct BurstView {
    pub name: String,
    pub email: String,
    pub href: Option<String>,
    pub window_start: String,
    pub count: i64,
}

/// A table of bursts.
#[derive(Debug, Clone)]
pub struct BurstGroup {
    pub id: &'static str,
    pub heading: String,
    pub hint: String,
    pub rows: Vec<BurstView>,
}

/// A table of entries of one action.
#[derive(Debug, Clone)]
pub struct EventGroup {
    pub id: &'static str,
    pub heading: String,
    pub rows: Vec<EntryView>,
    /// Shown when only the newest `list_limit` are listed.
    pub more: Option<String>,
    pub log_href: String,
}

#[derive(Template)]
#[template(path = "audit_alerts.html")]
struct AlertsPage {
    page: PageCtx,
    days: String,
    days_error: Option<String>,
    period: String,
    reads: Option<BurstGroup>,
    events: Vec<EventGroup>,
    failed: Option<BurstGroup>,
}

fn burst_views(t: Tr, bursts: Vec<Burst>, key: BurstKey) -> Vec<BurstView> {
    bursts
        .into_iter()
        .map(|b| {
            let href = match (key, &b.email, &b.user_id) {
                (BurstKey::Actor, Some(e), _) => Some(log_href(&[("user", e)])),
                (BurstKey::TargetUser, _, Some(id)) => Some(log_href(&[
                    ("action", Action::LoginFailed.as_str()),
                    ("object_type", "user"),
                    ("object_id", id),
                ])),
                _ => None,
            };
            let name = match (&b.display_name, &b.user_id) {
                (Some(n), _) => n.clone(),
                (None, Some(id)) => id.clone(),
                (None, None) => t.get("audit-unknown-account"),
            };
            BurstView {
                name,
                email: b.email.unwrap_or_default(),
                href,
                window_start: to_datetime(b.window_start)
                    .format("%Y-%m-%d %H:%M")
                    .to_string(),
                count: b.count,
            }
        })
        .collect()
}

/// `GET /admin/audit/alerts`: unusual events of the last days.
#[tracing::instrument(skip_all)]
pub async fn alerts(
    State(state): State<AppState>,
    auth: Auth,
    page: PageCtx,
    Params(q): Params<AlertsQuery>,
) -> Result<Response, AppError> {
    let t = page.t;
    let settings = AlertSettings::shipped();
    let typed = q.days.trim();
    let days = if typed.is_empty() {
        Some(settings.period_days)
    } else {
        typed
            .parse::<i64>()
            .ok()
            .filter(|d| (1..=settings.max_period_days).contains(d))
    };
    let mut view = AlertsPage {
        days: if typed.is_empty() {
            settings.period_days.to_string()
        } else {
            typed.to_string()
        },
        days_error: None,
        period: String::new(),
        reads: None,
        events: Vec::new(),
        failed: None,
        page: page.crumbs(&[
            ("nav-audit", "/admin/audit"),
            ("audit-alerts-title", "/admin/audit/alerts"),
        ]),
    };
    let Some(days) = days else {
        view.days_error = Some(t.with(
            "field-audit-invalid-days",
            &[("max", FluentValue::from(settings.max_period_days))],
        ));
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(view.render()?)).into_response());
    };
    view.period = t.with("audit-alerts-period", &[("days", FluentValue::from(days))]);
    let since = now_micros() - days * MICROS_PER_DAY;
    let since_day = to_datetime(since).format("%Y-%m-%d").to_string();
    let store = &state.store;

    let rules = [
        BurstRule {
            actions: vec![Action::Read, Action::List],
            key: BurstKey::Actor,
            window_micros: settings.reads_window_minutes * MICROS_PER_MINUTE,
            threshold: settings.reads_threshold,
        },
        BurstRule {
            actions: vec![Action::LoginFailed],
            key: BurstKey::TargetUser,
            window_micros: settings.login_failed_window_minutes * MICROS_PER_MINUTE,
            threshold: settings.login_failed_threshold,
        },
    ];
    let groups = [
        ("exports", Action::Export, "audit-alerts-exports"),
        ("consent", Action::ConsentOverride, "audit-alerts-consent"),
        ("resets", Action::PasswordReset, "audit-alerts-resets"),
        (
            "throttled",
            Action::LoginThrottled,
            "audit-alerts-throttled",
        ),
    ];
    let limit = settings.list_limit as usize;
    let found = audit_search::alerts(
        store,
        &AlertQuery {
            since,
            rules: rules.to_vec(),
            listed: groups.iter().map(|g| g.1).collect(),
            limit: limit + 1,
        },
    )
    .await?;
    store
        .audit_log_read(
            &auth.actor,
            format!("route=GET /admin/audit/alerts; days={days}"),
        )
        .await?;
    let mut bursts = found.bursts.into_iter();
    let reads = bursts.next().unwrap_or_default();
    let failed = bursts.next().unwrap_or_default();
    view.reads = Some(BurstGroup {
        id: "reads",
        heading: t.get("audit-alerts-reads"),
        hint: t.with(
            "audit-alerts-reads-hint",
            &[
                ("threshold", FluentValue::from(settings.reads_threshold)),
                ("minutes", FluentValue::from(settings.reads_window_minutes)),
            ],
        ),
        rows: burst_views(t, reads, BurstKey::Actor),
    });
    let mut listed = found.listed;
    let more: Vec<bool> = listed.iter().map(|rows| rows.len() > limit).collect();
    listed.iter_mut().for_each(|rows| rows.truncate(limit));
    // The names of every group's objects in one look-up.
    let shown: Vec<AuditRow> = listed.iter().flatten().cloned().collect();
    let names = audit_search::object_names(&state.store, &shown).await?;
    for (((id, action, heading), rows), more) in groups.into_iter().zip(listed).zip(more) {
        let more = more.then(|| {
            t.with(
                "audit-alerts-more",
                &[("limit", FluentValue::from(settings.list_limit))],
            )
        });
        view.events.push(EventGroup {
            id,
            heading: t.get(heading),
            rows: rows.into_iter().map(|r| entry_view(t, &names, r)).collect(),
            more,
            log_href: log_href(&[("action", action.as_str()), ("from", &since_day)]),
        });
    }

    view.failed = Some(BurstGroup {
        id: "failed",
        heading: t.get("audit-alerts-failed"),
        hint: t.with(
            "audit-alerts-failed-hint",
            &[
                (
                    "threshold",
                    FluentValue::from(settings.login_failed_threshold),
                ),
                (
                    "minutes",
                    FluentValue::from(settings.login_failed_window_minutes),
                ),
            ],
        ),
        rows: burst_views(t, failed, BurstKey::TargetUser),
    });
    Ok(Html(view.render()?).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_alert_settings_parse() {
        let s = AlertSettings::shipped();
        assert!(s.period_days >= 1 && s.period_days <= s.max_period_days);
        assert!(AlertSettings::parse("{}").is_err());
        let mut zero: serde_json::Value = serde_json::from_str(ALERT_SETTINGS_JSON).unwrap();
        zero["list_limit"] = serde_json::json!(0);
        assert!(AlertSettings::parse(&zero.to_string()).is_err());
    }

    #[test]
    fn every_action_has_a_label_in_every_language() {
        for lang in crate::i18n::Lang::ALL {
            for a in ACTIONS {
                assert!(
                    Tr(lang).has(&format!("audit-action-{}", a.as_str())),
                    "audit-action-{} in {}",
                    a.as_str(),
                    lang.code()
                );
            }
        }
    }

    #[test]
    fn days_are_whole_utc_days() {
        assert_eq!(parse_day("1970-01-02"), Some(MICROS_PER_DAY));
        assert_eq!(parse_day("2025-02-30"), None);
        assert_eq!(parse_day("yesterday"), None);
    }

    #[test]
    fn links_keep_the_filters() {
        let q = LogQuery {
            user: " a@b.tm ".into(),
            action: "read".into(),
            object_id: "x&y".into(),
            before: Some(7),
            ..LogQuery::default()
        };
        assert_eq!(
            q.href("/admin/audit", Some(3)),
            "/admin/audit?user=a%40b.tm&action=read&object_id=x%26y&before=3"
        );
        assert_eq!(
            LogQuery::default().href("/admin/audit/export.csv", None),
            "/admin/audit/export.csv"
        );
    }
}
