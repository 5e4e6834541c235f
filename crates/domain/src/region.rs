//! The region hierarchy (country → province → district …), any depth, with names per UI language.

use crate::Invalid;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

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
        let ok = !r.code.is_empty()
            && r.code.len() <= 64
            && r.code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
        if !ok {
            return Err(Invalid::new("code", "invalid-code"));
        }
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
}
