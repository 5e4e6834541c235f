//! Reference lists (service types, closure reasons, …): the rules for item codes, labels
//! per language and sort order. An item's code is stable and never changes; labels may.

use crate::Invalid;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use unicode_normalization::UnicodeNormalization;

/// The languages an item carries a label in; English is required and the fallback.
pub const LABEL_LANGUAGES: [&str; 3] = ["en", "ru", "tk"];

/// The longest label, in characters.
pub const MAX_LABEL_CHARS: usize = 100;

/// The largest sort order an administrator may give.
pub const MAX_SORT_ORDER: i64 = 999_999;

/// A stable item (or list) code: 2–40 of `a–z`, `0–9` and `_`, e.g. `legal_aid`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ItemCode(String);

impl ItemCode {
    /// Parses a code as typed: surrounding spaces are ignored, nothing else is changed
    /// (a code is an identifier that reports and exports rely on, so `Legal_Aid` is refused
    /// rather than silently lowered).
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let s = s.trim();
        if s.is_empty() {
            return Err(Invalid::new("code", "required"));
        }
        let ok = (2..=40).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if ok {
            Ok(ItemCode(s.to_string()))
        } else {
            Err(Invalid::new("code", "invalid-item-code"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ItemCode {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        ItemCode::parse(&s)
    }
}

impl From<ItemCode> for String {
    fn from(c: ItemCode) -> String {
        c.0
    }
}

impl std::fmt::Display for ItemCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An item's labels: language code → label, English always present.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Labels(BTreeMap<String, String>);

impl Labels {
    /// Checks the labels as typed (language code → text): each trimmed and NFC-normalised,
    /// at most 100 characters without control characters; English required; empty ones
    /// left out. Returns every problem, each for the field `label_<lang>`.
    pub fn parse(typed: &[(&str, &str)]) -> Result<Self, Vec<Invalid>> {
        let mut labels = BTreeMap::new();
        let mut problems = Vec::new();
        for lang in LABEL_LANGUAGES {
            let field = label_field(lang);
            let text: String = typed
                .iter()
                .find(|(l, _)| *l == lang)
                .map_or("", |(_, t)| *t)
                .trim()
                .nfc()
                .collect();
            if text.is_empty() {
                if lang == "en" {
                    problems.push(Invalid::new(field, "english-label-required"));
                }
                continue;
            }
            if text.chars().count() > MAX_LABEL_CHARS || text.chars().any(char::is_control) {
                problems.push(Invalid::new(field, "invalid-label"));
                continue;
            }
            labels.insert(lang.to_string(), text);
        }
        if problems.is_empty() {
            Ok(Labels(labels))
        } else {
            Err(problems)
        }
    }

    /// Labels as stored, without checking (for reading back what was checked on the way in).
    pub fn from_stored(map: BTreeMap<String, String>) -> Self {
        Labels(map)
    }

    /// The label in a language, else the English one, else any, else "".
    pub fn get(&self, lang: &str) -> &str {
        label_in(&self.0, lang)
    }

    /// The label in exactly this language, if there is one.
    pub fn exact(&self, lang: &str) -> Option<&str> {
        self.0.get(lang).map(String::as_str)
    }

    pub fn as_map(&self) -> &BTreeMap<String, String> {
        &self.0
    }
}

/// The form field of the label in a language.
pub fn label_field(lang: &str) -> &'static str {
    match lang {
        "ru" => "label_ru",
        "tk" => "label_tk",
        _ => "label_en",
    }
}

/// A label from a language → text map, falling back to English, then to any language.
pub fn label_in<'a>(labels: &'a BTreeMap<String, String>, lang: &str) -> &'a str {
    labels
        .get(lang)
        .filter(|l| !l.is_empty())
        .or_else(|| labels.get("en"))
        .or_else(|| labels.values().next())
        .map_or("", String::as_str)
}

/// A sort order as typed: a whole number from 0 to 999 999.
pub fn parse_sort_order(s: &str) -> Result<i64, Invalid> {
    let s = s.trim();
    if s.is_empty() {
        return Err(Invalid::new("sort_order", "required"));
    }
    s.parse::<i64>()
        .ok()
        .filter(|n| (0..=MAX_SORT_ORDER).contains(n))
        .ok_or(Invalid::new("sort_order", "invalid-sort-order"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_codes() {
        assert_eq!(
            ItemCode::parse(" legal_aid ").unwrap().as_str(),
            "legal_aid"
        );
        assert_eq!(ItemCode::parse("b2").unwrap().as_str(), "b2");
        assert_eq!(ItemCode::parse("").unwrap_err().key, "required");
        for bad in [
            "a",
            "Legal_aid",
            "legal-aid",
            "legal aid",
            "юрист",
            "hünär",
            &"x".repeat(41),
        ] {
            assert_eq!(
                ItemCode::parse(bad).unwrap_err().key,
                "invalid-item-code",
                "{bad}"
            );
        }
        assert!(ItemCode::parse(&"x".repeat(40)).is_ok());
        let from_json: Result<ItemCode, _> = serde_json::from_str("\"Bad\"");
        assert!(from_json.is_err());
    }

    #[test]
    fn labels_need_english_and_fit() {
        let l = Labels::parse(&[
            ("en", " Legal aid "),
            ("ru", "Юридическая помощь"),
            ("tk", ""),
        ])
        .unwrap();
        assert_eq!(l.get("en"), "Legal aid");
        assert_eq!(l.get("ru"), "Юридическая помощь");
        // Turkmen is empty: English is shown instead.
        assert_eq!(l.get("tk"), "Legal aid");
        assert_eq!(l.exact("tk"), None);

        let problems =
            Labels::parse(&[("ru", &"я".repeat(101)), ("tk", "Hukuk\u{7}")]).unwrap_err();
        let got: Vec<_> = problems.iter().map(|p| (p.field, p.key)).collect();
        assert_eq!(
            got,
            [
                ("label_en", "english-label-required"),
                ("label_ru", "invalid-label"),
                ("label_tk", "invalid-label"),
            ]
        );
        // 100 Cyrillic characters are 200 bytes but fit.
        assert!(Labels::parse(&[("en", "x"), ("ru", &"я".repeat(100))]).is_ok());
        // Combining marks are composed: "ü" typed as u + diaeresis is one character.
        let l = Labels::parse(&[("en", "Hu\u{0308}nar")]).unwrap();
        assert_eq!(l.get("en"), "H\u{fc}nar");
    }

    #[test]
    fn sort_orders() {
        assert_eq!(parse_sort_order(" 40 "), Ok(40));
        assert_eq!(parse_sort_order("0"), Ok(0));
        assert_eq!(parse_sort_order("").unwrap_err().key, "required");
        for bad in ["-1", "1000000", "ten", "1.5"] {
            assert_eq!(
                parse_sort_order(bad).unwrap_err().key,
                "invalid-sort-order",
                "{bad}"
            );
        }
    }

    #[test]
    fn fallback_to_english_then_any() {
        let m: BTreeMap<String, String> = [("ru".to_string(), "Приют".to_string())].into();
        assert_eq!(label_in(&m, "tk"), "Приют");
        assert_eq!(label_in(&BTreeMap::new(), "en"), "");
    }
}
