//! Administration of the region hierarchy: the tree, and importing regions from a CSV or
//! XLSX file with a row-by-row report of what was wrong.

use crate::AppState;
use crate::auth::{Auth, RequestId};
use crate::error::AppError;
use crate::i18n::Tr;
use crate::routes::{Access, Endpoint, ep};
use crate::shell::PageCtx;
use askama::Template;
use axum::extract::State;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::http::{Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use fluent_templates::fluent_bundle::FluentValue;
use std::collections::{BTreeMap, HashSet};
use uuid::Uuid;
use yoldash_domain::Permission;
use yoldash_domain::region::{
    ColumnMap, ColumnProblem, IMPORT_COLUMNS, ImportMode, REQUIRED_COLUMNS,
};
use yoldash_reports::table_import::{ImportError, read_table};
use yoldash_store::regions::Region;

pub fn endpoints() -> Vec<Endpoint> {
    let manage = Access::Signed(Permission::RegionManage);
    vec![
        ep(Method::GET, "/admin/regions", manage, get(tree)),
        ep(
            Method::GET,
            "/admin/regions/import",
            manage,
            get(import_form),
        ),
        ep(
            Method::POST,
            "/admin/regions/import",
            manage,
            post(import_submit),
        ),
    ]
}

/// One region in the tree, with how the nested lists open and close around it.
struct TreeLine {
    name: String,
    code: String,
    level: String,
    organisations: String,
    /// A nested list opens before this item (it is the first child of the previous one).
    opens: bool,
    /// How many nested lists close before this item (it is back up the tree).
    closes: usize,
}

#[derive(Template)]
#[template(path = "regions_tree.html")]
struct TreePage {
    page: PageCtx,
    lines: Vec<TreeLine>,
    /// How many nested lists are still open after the last item.
    trailing: usize,
    total: String,
}

/// The regions in tree order (each parent, then its children by name) with their depth.
fn tree_order<'a>(regions: &'a [(Region, i64)], lang: &str) -> Vec<(usize, &'a Region, i64)> {
    let mut children: BTreeMap<Option<Uuid>, Vec<&(Region, i64)>> = BTreeMap::new();
    for r in regions {
        children.entry(r.0.parent_id).or_default().push(r);
    }
    for list in children.values_mut() {
        list.sort_by_cached_key(|(r, _)| (r.name_in(lang).to_lowercase(), r.code.clone()));
    }
    let mut out = Vec::with_capacity(regions.len());
    let mut seen: HashSet<Uuid> = HashSet::new();
    let mut stack: Vec<(usize, &(Region, i64))> = children
        .get(&None)
        .map(|roots| roots.iter().rev().map(|r| (0, *r)).collect())
        .unwrap_or_default();
    loop {
        while let Some((depth, (region, n))) = stack.pop() {
            if !seen.insert(region.id) {
                continue;
            }
            out.push((depth, region, *n));
            if let Some(kids) = children.get(&Some(region.id)) {
                stack.extend(kids.iter().rev().map(|k| (depth + 1, *k)));
            }
        }
        // Regions whose parent chain does not reach a top-level region (the database does
        // not allow it, but the page must show every region whatever happens).
        match regions.iter().find(|(r, _)| !seen.contains(&r.id)) {
            Some(rest) => stack.push((0, rest)),
            None => break,
        }
    }
    out
}

pub async fn tree(State(state): State<AppState>, page: PageCtx) -> Result<Response, AppError> {
    let t = page.t;
    let regions = state.store.regions_with_usage().await?;
    let ordered = tree_order(&regions, t.lang());
    let mut lines = Vec::with_capacity(ordered.len());
    let mut previous: Option<usize> = None;
    for (depth, region, organisations) in &ordered {
        let (opens, closes) = match previous {
            Some(p) if *depth > p => (true, 0),
            Some(p) => (false, p - depth),
            None => (false, 0),
        };
        previous = Some(*depth);
        lines.push(TreeLine {
            name: region.name_in(t.lang()).to_string(),
            code: region.code.clone(),
            level: region.level.clone(),
            organisations: t.with(
                "regions-organisations",
                &[("count", FluentValue::from(*organisations))],
            ),
            opens,
            closes,
        });
    }
    let page = page.crumbs(&[("nav-regions", "/admin/regions")]);
    let html = TreePage {
        total: t.with(
            "regions-total",
            &[("count", FluentValue::from(ordered.len() as i64))],
        ),
        trailing: previous.unwrap_or(0),
        lines,
        page,
    }
    .render()?;
    Ok(Html(html).into_response())
}

#[derive(Template)]
#[template(path = "regions_import.html")]
struct ImportPage {
    page: PageCtx,
    partial: bool,
    /// A message about the file, shown next to the file field.
    file_error: Option<String>,
    columns: String,
    required: String,
    limit: String,
}

/// "1 MiB", "512 KiB": the body limit as people read it.
fn size_text(bytes: usize) -> String {
    const MIB: usize = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{} KiB", bytes.div_ceil(1024))
    }
}

fn import_page(state: &AppState, page: PageCtx) -> ImportPage {
    let t = page.t;
    ImportPage {
        partial: false,
        file_error: None,
        columns: IMPORT_COLUMNS.join(", "),
        required: REQUIRED_COLUMNS.join(", "),
        limit: t.with(
            "regions-import-limit",
            &[(
                "size",
                FluentValue::from(size_text(state.config.body_limit)),
            )],
        ),
        page: page.crumbs(&[
            ("nav-regions", "/admin/regions"),
            ("regions-import-title", "/admin/regions/import"),
        ]),
    }
}

pub async fn import_form(
    State(state): State<AppState>,
    page: PageCtx,
) -> Result<Response, AppError> {
    Ok(Html(import_page(&state, page).render()?).into_response())
}

/// A problem with one cell, for the result table.
struct ProblemLine {
    line: usize,
    column: &'static str,
    message: String,
}

#[derive(Template)]
#[template(path = "regions_import_result.html")]
struct ResultPage {
    page: PageCtx,
    /// Nothing was written because some rows are bad (all-or-nothing mode).
    refused: Option<String>,
    summary: String,
    added: String,
    updated: String,
    skipped: String,
    problems: Vec<ProblemLine>,
}

/// What the upload form sent.
#[derive(Default)]
struct Upload {
    file_name: Option<String>,
    bytes: Vec<u8>,
    mode: ImportMode,
}

/// Why the upload form cannot be processed, as a message key (with arguments).
enum UploadProblem {
    Key(&'static str),
    Columns(ColumnProblem),
    File(ImportError),
}

/// Reads the multipart form: the file, and the mode (all-or-nothing unless the partial
/// mode was chosen). Other fields (the CSRF token) are skipped.
async fn read_upload(
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Upload, UploadProblem> {
    let mut multipart = multipart.map_err(|_| UploadProblem::Key("refdata-upload-unreadable"))?;
    let mut upload = Upload::default();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(upload_failure(e.status())),
        };
        match field.name() {
            Some("file") => {
                upload.file_name = field
                    .file_name()
                    .map(str::to_string)
                    .filter(|n| !n.trim().is_empty());
                upload.bytes = field
                    .bytes()
                    .await
                    .map_err(|e| upload_failure(e.status()))?
                    .to_vec();
            }
            Some("mode") => {
                let text = field.text().await.map_err(|e| upload_failure(e.status()))?;
                upload.mode = ImportMode::parse(&text).unwrap_or_default();
            }
            _ => {}
        }
    }
    Ok(upload)
}

fn upload_failure(status: StatusCode) -> UploadProblem {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        UploadProblem::Key("flash-upload-too-large")
    } else {
        UploadProblem::Key("refdata-upload-unreadable")
    }
}

/// The translated message of an upload problem.
fn problem_text(t: Tr, problem: &UploadProblem) -> String {
    let list = |items: Vec<String>| FluentValue::from(items.join(", "));
    match problem {
        UploadProblem::Key(key) => t.get(key),
        UploadProblem::File(ImportError::BadCsv { line }) => t.with(
            "refdata-import-bad-csv",
            &[("line", FluentValue::from(*line as i64))],
        ),
        UploadProblem::File(e) => t.get(&format!("refdata-import-{}", e.key())),
        UploadProblem::Columns(ColumnProblem::Unknown(names)) => t.with(
            "regions-import-unknown-columns",
            &[
                ("columns", list(names.clone())),
                ("known", FluentValue::from(IMPORT_COLUMNS.join(", "))),
            ],
        ),
        UploadProblem::Columns(ColumnProblem::Missing(names)) => t.with(
            "regions-import-missing-columns",
            &[(
                "columns",
                list(names.iter().map(|n| n.to_string()).collect()),
            )],
        ),
        UploadProblem::Columns(ColumnProblem::Repeated(names)) => t.with(
            "regions-import-repeated-columns",
            &[("columns", list(names.clone()))],
        ),
    }
}

/// Imports regions from the uploaded file. A file that cannot be used at all (no file,
/// unreadable, wrong columns, no rows) shows the form again with the reason; otherwise the
/// result page lists the counts and every bad row.
#[tracing::instrument(skip_all)]
pub async fn import_submit(
    State(state): State<AppState>,
    auth: Auth,
    page: PageCtx,
    RequestId(request_id): RequestId,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let t = page.t;
    let upload = read_upload(multipart).await;
    let partial = upload
        .as_ref()
        .is_ok_and(|u| u.mode == ImportMode::ValidRowsOnly);
    let checked = upload.and_then(|u| {
        if u.file_name.is_none() && u.bytes.is_empty() {
            return Err(UploadProblem::Key("field-refdata-file-required"));
        }
        let table = read_table(&u.bytes, u.file_name.as_deref().unwrap_or_default())
            .map_err(UploadProblem::File)?;
        let columns = ColumnMap::from_headers(&table.headers).map_err(UploadProblem::Columns)?;
        if table.rows.is_empty() {
            return Err(UploadProblem::Key("regions-import-no-rows"));
        }
        let rows: Vec<_> = table
            .rows
            .iter()
            .map(|r| columns.row(r.line, &r.cells))
            .collect();
        Ok((rows, columns.languages(), u.mode))
    });
    let (rows, languages, mode) = match checked {
        Ok(ok) => ok,
        Err(problem) => {
            let mut view = import_page(&state, page);
            view.partial = partial;
            view.file_error = Some(problem_text(t, &problem));
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(view.render()?)).into_response());
        }
    };

    let mut unit = state.store.unit().await?;
    let outcome = state
        .store
        .import_regions(&mut unit, Some(&auth.actor), &rows, &languages, mode)
        .await?;
    unit.commit().await?;
    tracing::info!(
        request_id = %request_id,
        rows = outcome.rows,
        added = outcome.added,
        updated = outcome.updated,
        skipped = outcome.skipped,
        "regions imported"
    );

    let count = |key: &str, n: usize| t.with(key, &[("count", FluentValue::from(n as i64))]);
    let problems = outcome
        .problems
        .iter()
        .map(|p| ProblemLine {
            line: p.line,
            column: p.column,
            message: crate::render::field_message(t, p.key),
        })
        .collect();
    let refused = (!outcome.written).then(|| count("regions-import-refused", outcome.bad_rows));
    let view = ResultPage {
        refused,
        summary: count("regions-import-summary", outcome.rows),
        added: count("regions-import-added", outcome.added),
        updated: count("regions-import-updated", outcome.updated),
        skipped: count("regions-import-skipped", outcome.skipped),
        problems,
        page: page.crumbs(&[
            ("nav-regions", "/admin/regions"),
            ("regions-import-title", "/admin/regions/import"),
        ]),
    };
    let status = if outcome.written {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, Html(view.render()?)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn region(code: &str, parent: Option<Uuid>, name: &str) -> (Region, i64) {
        (
            Region {
                id: Uuid::now_v7(),
                code: code.into(),
                parent_id: parent,
                level: "x".into(),
                names: BTreeMap::from([("en".to_string(), name.to_string())]),
            },
            0,
        )
    }

    #[test]
    fn tree_is_depth_first_with_children_by_name() {
        let root = region("TM", None, "Turkmenistan");
        let b = region("TM-B", Some(root.0.id), "Balkan");
        let a = region("TM-A", Some(root.0.id), "Ahal");
        let a1 = region("TM-A-1", Some(a.0.id), "Abadan");
        let other = region("KZ", None, "Kazakhstan");
        let all = vec![
            b.clone(),
            root.clone(),
            a1.clone(),
            other.clone(),
            a.clone(),
        ];
        let got: Vec<(usize, &str)> = tree_order(&all, "en")
            .into_iter()
            .map(|(d, r, _)| (d, r.code.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (0, "KZ"),
                (0, "TM"),
                (1, "TM-A"),
                (2, "TM-A-1"),
                (1, "TM-B")
            ]
        );
    }

    #[test]
    fn sizes() {
        assert_eq!(size_text(1024 * 1024), "1 MiB");
        assert_eq!(size_text(512 * 1024), "512 KiB");
        assert_eq!(size_text(1000), "1 KiB");
    }
}
