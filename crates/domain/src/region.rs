//! The region hierarchy (country → province → district …), any depth, with names per UI language.

use crate::Invalid;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use unicode_normalization::UnicodeNormalization;

/// One region as shipped in `data/regions.json` or imported by an administrator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionRecord {
    pub code: String,
    #[serde(default)]
    pub parent: Option<String>,
    pub level: String,
    /// Name per language code (`en`, `ru`, `tk`); English is the fallback.
    pub names: BTreeMap<String, String>,
}

/// Checks a set of regions: codes unique and well-formed, parents present, no cycles, an
/// English name on each. Returns them ordered so that every parent comes before its children.
pub fn order_hierarchy(records: Vec<RegionRecord>) -> Result<Vec<RegionRecord>, Invalid> {
    let mut by_code: HashMap<String, RegionRecord> = HashMap::new();
    for r in records {
        check_code(&r.code).map_err(|key| Invalid::new("code", key))?;
        if r.names.get("en").is_none_or(|n| n.trim().is_empty()) {
            return Err(Invalid::new("names", "english-name-required"));
        }
        if by_code.insert(r.code.clone(), r).is_some() {
            return Err(Invalid::new("code", "duplicate-code"));
        }
    }
    let mut ordered = Vec::with_capacity(by_code.len());
    let mut placed: HashMap<String, ()> = HashMap::new();
    let mut remaining: Vec<RegionRecord> = by_code.values().cloned().collect();
    remaining.sort_by(|a, b| a.code.cmp(&b.code));
    while !remaining.is_empty() {
        let before = remaining.len();
        remaining.retain(|r| {
            let ready = match &r.parent {
                None => true,
                Some(p) => placed.contains_key(p),
            };
            if ready {
                placed.insert(r.code.clone(), ());
                ordered.push(r.clone());
            }
            !ready
        });
        if remaining.len() == before {
            // Either a parent is missing or the parents form a cycle.
            let missing = remaining
                .iter()
                .any(|r| r.parent.as_ref().is_some_and(|p| !by_code.contains_key(p)));
            return Err(Invalid::new(
                "parent",
                if missing {
                    "unknown-parent"
                } else {
                    "cyclic-parent"
                },
            ));
        }
    }
    Ok(ordered)
}

/// A region code: 1–64 ASCII letters, digits, `-`, `_` or `.` (`TM`, `TM-A`, `TM-A-ABD`).
/// Returns the message key of the problem.
pub fn check_code(code: &str) -> Result<(), &'static str> {
    let ok = !code.is_empty()
        && code.len() <= 64
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
    if ok {
        Ok(())
    } else {
        Err("invalid-region-code")
    }
}

/// A level (`country`, `province`, `district`, …): 1–40 lower-case ASCII letters, digits,
/// `-` or `_`. Upper case is accepted and lowered.
pub fn normalise_level(level: &str) -> Result<String, &'static str> {
    let level = level.trim().to_ascii_lowercase();
    if level.is_empty() {
        return Err("required");
    }
    let ok = level.len() <= 40
        && level
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if ok { Ok(level) } else { Err("invalid-level") }
}

/// A region name in one language: trimmed, NFC, at most 200 characters, no control characters.
pub fn normalise_name(name: &str) -> Result<String, &'static str> {
    let name: String = name.trim().nfc().collect();
    if name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err("invalid-name");
    }
    Ok(name)
}

/// What an import does when some rows have errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ImportMode {
    /// Nothing is imported if any row has an error.
    #[default]
    AllOrNothing,
    /// The good rows are imported; the bad ones (and rows under them) are skipped.
    ValidRowsOnly,
}

impl ImportMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportMode::AllOrNothing => "all_or_nothing",
            ImportMode::ValidRowsOnly => "valid_rows_only",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [ImportMode::AllOrNothing, ImportMode::ValidRowsOnly]
            .into_iter()
            .find(|m| m.as_str() == s.trim())
    }
}

/// The columns of a region import file, by header name.
pub const IMPORT_COLUMNS: [&str; 6] = [
    "code",
    "parent_code",
    "level",
    "name_en",
    "name_ru",
    "name_tk",
];

/// The columns an import file must have. `parent_code` is required so that a file can
/// never flatten the hierarchy by leaving it out; the Russian and Turkmen names may be
/// left out, and then the names stored in those languages are kept.
pub const REQUIRED_COLUMNS: [&str; 4] = ["code", "parent_code", "level", "name_en"];

/// What is wrong with the header row of an import file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnProblem {
    /// Columns this import does not know (as written in the file, lower-cased).
    Unknown(Vec<String>),
    /// Required columns that are absent.
    Missing(Vec<&'static str>),
    /// Columns that appear more than once.
    Repeated(Vec<String>),
}

/// Where each import column is in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMap {
    index: [Option<usize>; 6],
}

impl ColumnMap {
    /// Maps header names (trimmed, lower-cased) to the import columns. Headers left empty
    /// are ignored; unknown and repeated names and missing required columns are refused.
    pub fn from_headers(headers: &[String]) -> Result<ColumnMap, ColumnProblem> {
        let mut index = [None; 6];
        let mut unknown = Vec::new();
        let mut repeated = BTreeSet::new();
        for (i, h) in headers.iter().enumerate() {
            if h.is_empty() {
                continue;
            }
            match IMPORT_COLUMNS.iter().position(|c| c == h) {
                Some(c) if index[c].is_some() => {
                    repeated.insert(h.clone());
                }
                Some(c) => index[c] = Some(i),
                None => unknown.push(h.clone()),
            }
        }
        if !unknown.is_empty() {
            return Err(ColumnProblem::Unknown(unknown));
        }
        if !repeated.is_empty() {
            return Err(ColumnProblem::Repeated(repeated.into_iter().collect()));
        }
        let missing: Vec<&'static str> = REQUIRED_COLUMNS
            .iter()
            .copied()
            .filter(|r| index[IMPORT_COLUMNS.iter().position(|c| c == r).unwrap_or(0)].is_none())
            .collect();
        if !missing.is_empty() {
            return Err(ColumnProblem::Missing(missing));
        }
        Ok(ColumnMap { index })
    }

    /// The languages whose name column the file has (English always): an update replaces
    /// the names in these languages and keeps the others.
    pub fn languages(&self) -> Vec<&'static str> {
        [("en", 3), ("ru", 4), ("tk", 5)]
            .into_iter()
            .filter(|(_, c)| self.index[*c].is_some())
            .map(|(l, _)| l)
            .collect()
    }

    /// The import row for one line of the file (missing cells are empty).
    pub fn row(&self, line: usize, cells: &[String]) -> RegionRow {
        let cell = |column: usize| -> String {
            self.index[column]
                .and_then(|i| cells.get(i))
                .map(|c| c.trim().to_string())
                .unwrap_or_default()
        };
        RegionRow {
            line,
            code: cell(0),
            parent_code: cell(1),
            level: cell(2),
            name_en: cell(3),
            name_ru: cell(4),
            name_tk: cell(5),
        }
    }
}

/// One row of a region import file, as written (cells trimmed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionRow {
    /// The line of the file (the header is line 1).
    pub line: usize,
    pub code: String,
    /// Empty for a top-level region.
    pub parent_code: String,
    pub level: String,
    pub name_en: String,
    pub name_ru: String,
    pub name_tk: String,
}

/// A problem with one cell of an import file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    pub line: usize,
    /// The import column (`code`, `parent_code`, …).
    pub column: &'static str,
    /// The message key (`field-<key>` in the messages).
    pub key: &'static str,
}

/// The outcome of checking an import file against the regions already stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedImport {
    /// The good rows, each parent before its children.
    pub valid: Vec<RegionRecord>,
    /// Every problem, by line and column order.
    pub problems: Vec<RowProblem>,
    /// How many rows have at least one problem.
    pub bad_rows: usize,
}

/// Checks every row of a region import: code, level and name formats, an English name,
/// codes used once in the file, a parent that is stored already (`existing`: code → parent
/// code) or is in the file, no loops through the parents (counting the stored regions a
/// file row would move), and no parent that is itself a bad row of the file.
pub fn check_import(
    rows: &[RegionRow],
    existing: &HashMap<String, Option<String>>,
) -> CheckedImport {
    let mut found = Findings::default();

    let mut occurrences: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        if !r.code.is_empty() {
            occurrences.entry(r.code.as_str()).or_default().push(i);
        }
    }
    let mut records: Vec<Option<RegionRecord>> = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        let mut ok = true;
        if r.code.is_empty() {
            found.flag(rows, i, "code", "required");
            ok = false;
        } else if let Err(key) = check_code(&r.code) {
            found.flag(rows, i, "code", key);
            ok = false;
        } else if occurrences
            .get(r.code.as_str())
            .is_some_and(|o| o.len() > 1)
        {
            found.flag(rows, i, "code", "duplicate-code");
            ok = false;
        }
        if !r.parent_code.is_empty() {
            if let Err(key) = check_code(&r.parent_code) {
                found.flag(rows, i, "parent_code", key);
                ok = false;
            } else if r.parent_code == r.code {
                found.flag(rows, i, "parent_code", "cyclic-parent");
                ok = false;
            } else if !occurrences.contains_key(r.parent_code.as_str())
                && !existing.contains_key(&r.parent_code)
            {
                found.flag(rows, i, "parent_code", "unknown-parent");
                ok = false;
            }
        }
        let level = match normalise_level(&r.level) {
            Ok(l) => l,
            Err(key) => {
                found.flag(rows, i, "level", key);
                ok = false;
                String::new()
            }
        };
        let mut names = BTreeMap::new();
        for (lang, column, value) in [
            ("en", "name_en", &r.name_en),
            ("ru", "name_ru", &r.name_ru),
            ("tk", "name_tk", &r.name_tk),
        ] {
            match normalise_name(value) {
                Ok(n) if n.is_empty() && lang == "en" => {
                    found.flag(rows, i, column, "english-name-required");
                    ok = false;
                }
                Ok(n) if n.is_empty() => {}
                Ok(n) => {
                    names.insert(lang.to_string(), n);
                }
                Err(key) => {
                    found.flag(rows, i, column, key);
                    ok = false;
                }
            }
        }
        records.push(ok.then(|| RegionRecord {
            code: r.code.clone(),
            parent: (!r.parent_code.is_empty()).then(|| r.parent_code.clone()),
            level,
            names,
        }));
    }

    // Loops: the parents as they would be after the import — the stored ones, replaced by
    // the file's for every code the file has once. Each code is walked once (a walk stops
    // at a code an earlier walk reached), so a long chain costs no more than its length.
    let file_row: HashMap<&str, usize> = occurrences
        .iter()
        .filter(|(_, o)| o.len() == 1)
        .map(|(c, o)| (*c, o[0]))
        .collect();
    let parent_of = |code: &str| -> Option<&str> {
        match file_row.get(code) {
            Some(&i) => Some(rows[i].parent_code.as_str()).filter(|p| !p.is_empty()),
            None => existing
                .get(code)
                .and_then(|p| p.as_deref())
                .filter(|p| !p.is_empty()),
        }
    };
    // Code → (the walk that reached it, its position on that walk).
    let mut reached: HashMap<&str, (usize, usize)> = HashMap::new();
    for (walk, r) in rows.iter().enumerate() {
        if file_row.get(r.code.as_str()) != Some(&walk) || r.parent_code == r.code {
            continue;
        }
        let mut path: Vec<&str> = Vec::new();
        let mut at = Some(r.code.as_str());
        while let Some(code) = at {
            match reached.get(code) {
                Some(&(w, position)) if w == walk => {
                    // Back on this walk's own path: everything from there on is a loop.
                    for looped in &path[position..] {
                        if let Some(&i) = file_row.get(looped) {
                            found.flag(rows, i, "parent_code", "cyclic-parent");
                        }
                    }
                    break;
                }
                Some(_) => break,
                None => {
                    reached.insert(code, (walk, path.len()));
                    path.push(code);
                    at = parent_of(code);
                }
            }
        }
    }

    // A row whose parent is a bad row of the file is bad too, down the whole branch.
    let mut children: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        if !r.parent_code.is_empty() {
            children.entry(r.parent_code.as_str()).or_default().push(i);
        }
    }
    let mut queue: Vec<&str> = found.bad.iter().map(|&i| rows[i].code.as_str()).collect();
    while let Some(code) = queue.pop() {
        for &i in children.get(code).map(Vec::as_slice).unwrap_or_default() {
            if !found.bad.contains(&i) {
                found.flag(rows, i, "parent_code", "parent-row-invalid");
                queue.push(rows[i].code.as_str());
            }
        }
    }

    // The good rows, parents first: by the number of their ancestors in the file. The
    // ancestors of a good row are good rows, so the chains have no loops.
    let mut depth_of: HashMap<&str, usize> = HashMap::new();
    let mut valid: Vec<(usize, usize, RegionRecord)> = records
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !found.bad.contains(i))
        .filter_map(|(i, r)| {
            r.map(|r| (depth(&rows[i].code, rows, &file_row, &mut depth_of), i, r))
        })
        .collect();
    valid.sort_by_key(|(d, i, _)| (*d, *i));
    let order = |c: &str| IMPORT_COLUMNS.iter().position(|x| *x == c).unwrap_or(0);
    let mut problems = found.problems;
    problems.sort_by_key(|p| (p.line, order(p.column)));
    problems.dedup();
    CheckedImport {
        valid: valid.into_iter().map(|(_, _, r)| r).collect(),
        problems,
        bad_rows: found.bad.len(),
    }
}

/// How many ancestors a code has among the file's rows (`file_row`: code → row), with the
/// depths found so far in `memo`. Walks each chain once.
fn depth<'a>(
    code: &'a str,
    rows: &'a [RegionRow],
    file_row: &HashMap<&'a str, usize>,
    memo: &mut HashMap<&'a str, usize>,
) -> usize {
    let mut chain: Vec<&'a str> = Vec::new();
    let mut at = code;
    let base = loop {
        if let Some(&d) = memo.get(at) {
            break d + 1;
        }
        chain.push(at);
        match file_row.get(at).map(|&i| rows[i].parent_code.as_str()) {
            Some(p) if !p.is_empty() && file_row.contains_key(p) && chain.len() <= rows.len() => {
                at = p;
            }
            _ => break 0,
        }
    };
    for (k, c) in chain.iter().rev().enumerate() {
        memo.insert(c, base + k);
    }
    memo.get(code).copied().unwrap_or(0)
}

/// The problems found so far and the rows (by index) that have one.
#[derive(Default)]
struct Findings {
    problems: Vec<RowProblem>,
    bad: HashSet<usize>,
}

impl Findings {
    fn flag(&mut self, rows: &[RegionRow], i: usize, column: &'static str, key: &'static str) {
        self.problems.push(RowProblem {
            line: rows[i].line,
            column,
            key,
        });
        self.bad.insert(i);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(code: &str, parent: Option<&str>) -> RegionRecord {
        RegionRecord {
            code: code.into(),
            parent: parent.map(Into::into),
            level: "x".into(),
            names: [("en".to_string(), code.to_string())].into(),
        }
    }

    #[test]
    fn parents_come_first() {
        let out =
            order_hierarchy(vec![r("C", Some("B")), r("B", Some("A")), r("A", None)]).unwrap();
        let codes: Vec<_> = out.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(codes, ["A", "B", "C"]);
    }

    #[test]
    fn bad_hierarchies() {
        assert_eq!(
            order_hierarchy(vec![r("A", Some("Z"))]).unwrap_err().key,
            "unknown-parent"
        );
        assert_eq!(
            order_hierarchy(vec![r("A", Some("B")), r("B", Some("A"))])
                .unwrap_err()
                .key,
            "cyclic-parent"
        );
        assert_eq!(
            order_hierarchy(vec![r("A", None), r("A", None)])
                .unwrap_err()
                .key,
            "duplicate-code"
        );
    }

    fn row(line: usize, code: &str, parent: &str, name_en: &str) -> RegionRow {
        RegionRow {
            line,
            code: code.into(),
            parent_code: parent.into(),
            level: "district".into(),
            name_en: name_en.into(),
            name_ru: String::new(),
            name_tk: String::new(),
        }
    }

    fn stored() -> HashMap<String, Option<String>> {
        [
            ("TM".to_string(), None),
            ("TM-A".to_string(), Some("TM".to_string())),
            ("TM-A-ABD".to_string(), Some("TM-A".to_string())),
        ]
        .into()
    }

    fn keys(c: &CheckedImport) -> Vec<(usize, &str, &str)> {
        c.problems
            .iter()
            .map(|p| (p.line, p.column, p.key))
            .collect()
    }

    #[test]
    fn columns_by_header_name() {
        let h = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let map = ColumnMap::from_headers(&h(&[
            "name_en",
            "code",
            "",
            "level",
            "name_tk",
            "parent_code",
        ]))
        .unwrap();
        assert_eq!(map.languages(), ["en", "tk"]);
        let r = map.row(
            5,
            &h(&[" Ahal ", "TM-A", "ignored", "province", "Ahal welaýaty"]),
        );
        assert_eq!(r.code, "TM-A");
        assert_eq!(r.name_en, "Ahal");
        assert_eq!(r.name_tk, "Ahal welaýaty");
        assert_eq!(r.parent_code, "");
        assert_eq!(r.line, 5);
        // A short row: the missing cells are empty.
        assert_eq!(map.row(6, &h(&["Mary"])).code, "");
        assert_eq!(
            ColumnMap::from_headers(&h(&["code", "level", "name_en", "name_fr", "notes"])),
            Err(ColumnProblem::Unknown(h(&["name_fr", "notes"])))
        );
        assert_eq!(
            ColumnMap::from_headers(&h(&["code", "parent_code"])),
            Err(ColumnProblem::Missing(vec!["level", "name_en"]))
        );
        assert_eq!(
            ColumnMap::from_headers(&h(&["code", "level", "name_en"])),
            Err(ColumnProblem::Missing(vec!["parent_code"]))
        );
        assert_eq!(
            ColumnMap::from_headers(&h(&["code", "level", "name_en", "code"])),
            Err(ColumnProblem::Repeated(h(&["code"])))
        );
    }

    #[test]
    fn good_rows_come_parents_first() {
        let rows = [
            row(2, "TM-A-NEW-1", "TM-A-NEW", "Village"),
            row(3, "TM-A-NEW", "TM-A", "New district"),
            row(4, "TM-A", "TM", "Ahal Region, renamed"),
        ];
        let c = check_import(&rows, &stored());
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        let codes: Vec<_> = c.valid.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(codes, ["TM-A", "TM-A-NEW", "TM-A-NEW-1"]);
        assert_eq!(c.valid[0].names["en"], "Ahal Region, renamed");
        assert_eq!(c.bad_rows, 0);
    }

    #[test]
    fn every_bad_row_is_reported_with_its_line_and_column() {
        let mut upper = row(7, "TM-X", "TM", "Upper");
        upper.level = "Province".into();
        let mut bad_level = row(8, "TM-Y", "TM", "Y");
        bad_level.level = "велаят".into();
        let mut long_name = row(9, "TM-Z", "TM", "Z");
        long_name.name_ru = "я".repeat(201);
        let rows = [
            row(2, "", "TM", "No code"),
            row(3, "TM B", "TM", "Space in code"),
            row(4, "TM-C", "TM-NOWHERE", "Unknown parent"),
            row(5, "TM-D", "TM", ""),
            row(6, "TM-D", "TM", "Again"),
            upper,
            bad_level,
            long_name,
        ];
        let c = check_import(&rows, &stored());
        assert_eq!(
            keys(&c),
            [
                (2, "code", "required"),
                (3, "code", "invalid-region-code"),
                (4, "parent_code", "unknown-parent"),
                (5, "code", "duplicate-code"),
                (5, "name_en", "english-name-required"),
                (6, "code", "duplicate-code"),
                (8, "level", "invalid-level"),
                (9, "name_ru", "invalid-name"),
            ]
        );
        assert_eq!(c.bad_rows, 7);
        assert_eq!(c.valid.len(), 1);
        assert_eq!(c.valid[0].level, "province");
    }

    #[test]
    fn loops_through_file_and_stored_parents() {
        // TM-A's parent moves under its own child TM-A-ABD (stored).
        let c = check_import(&[row(2, "TM-A", "TM-A-ABD", "Ahal")], &stored());
        assert_eq!(keys(&c), [(2, "parent_code", "cyclic-parent")]);
        let c = check_import(
            &[
                row(2, "X1", "X2", "x1"),
                row(3, "X2", "X1", "x2"),
                row(4, "X3", "X3", "x3"),
            ],
            &stored(),
        );
        assert_eq!(
            keys(&c),
            [
                (2, "parent_code", "cyclic-parent"),
                (3, "parent_code", "cyclic-parent"),
                (4, "parent_code", "cyclic-parent"),
            ]
        );
    }

    #[test]
    fn children_of_bad_rows_are_bad() {
        let rows = [
            row(2, "P", "TM", ""),
            row(3, "C", "P", "Child"),
            row(4, "G", "C", "Grandchild"),
            row(5, "OK", "TM-A", "Fine"),
        ];
        let c = check_import(&rows, &stored());
        assert_eq!(
            keys(&c),
            [
                (2, "name_en", "english-name-required"),
                (3, "parent_code", "parent-row-invalid"),
                (4, "parent_code", "parent-row-invalid"),
            ]
        );
        let codes: Vec<_> = c.valid.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(codes, ["OK"]);
    }

    #[test]
    fn names_are_normalised() {
        let mut r = row(2, "TM-N", "", "  Tu\u{0308}rkmenabat ");
        r.name_tk = "Türkmenabat".into();
        let c = check_import(&[r], &HashMap::new());
        assert_eq!(c.valid[0].names["en"], "T\u{fc}rkmenabat");
        assert_eq!(c.valid[0].parent, None);
        assert!(!c.valid[0].names.contains_key("ru"));
    }

    #[test]
    fn long_chains_are_checked_quickly() {
        // 20 000 rows, each the parent of the next, listed children first.
        let n = 20_000;
        let mut rows: Vec<RegionRow> = (0..n)
            .map(|i| {
                let parent = if i == 0 {
                    "TM".to_string()
                } else {
                    format!("C{}", i - 1)
                };
                row(i + 2, &format!("C{i}"), &parent, "x")
            })
            .collect();
        rows.reverse();
        let started = std::time::Instant::now();
        let c = check_import(&rows, &stored());
        assert!(c.problems.is_empty());
        assert_eq!(c.valid.first().unwrap().code, "C0");
        assert_eq!(c.valid.last().unwrap().code, format!("C{}", n - 1));
        // The top row bad: every row under it is reported.
        rows.last_mut().unwrap().name_en.clear();
        let c = check_import(&rows, &stored());
        assert_eq!(c.bad_rows, n);
        assert!(c.valid.is_empty());
        // A loop through the whole chain.
        rows.last_mut().unwrap().name_en = "x".into();
        rows.last_mut().unwrap().parent_code = format!("C{}", n - 1);
        let c = check_import(&rows, &stored());
        assert_eq!(c.bad_rows, n);
        assert!(c.problems.iter().all(|p| p.key == "cyclic-parent"));
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }
}
