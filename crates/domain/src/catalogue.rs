//! Shipped catalogues of countries (ISO 3166-1) and languages (ISO 639) with their names in
//! the interface languages (`data/countries.json`, `data/languages.json`).

use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// One entry: a stable code and its name per interface language.
#[derive(Debug, Clone, Deserialize)]
pub struct Entry {
    pub code: String,
    pub names: BTreeMap<String, String>,
}

impl Entry {
    /// The name in `lang`, else English, else the code.
    pub fn name_in(&self, lang: &str) -> &str {
        self.names
            .get(lang)
            .or_else(|| self.names.get("en"))
            .map_or(self.code.as_str(), String::as_str)
    }
}

/// A catalogue: entries in file order, looked up by code.
#[derive(Debug, Clone)]
pub struct Catalogue {
    entries: Vec<Entry>,
    by_code: BTreeMap<String, usize>,
}

#[derive(Deserialize)]
struct File {
    #[serde(alias = "countries", alias = "languages")]
    entries: Vec<Entry>,
}

impl Catalogue {
    /// Parses a catalogue file; codes must be unique and every entry must have an English name.
    pub fn parse(json: &str) -> Result<Self, String> {
        let file: File = serde_json::from_str(json).map_err(|e| e.to_string())?;
        let mut by_code = BTreeMap::new();
        for (i, e) in file.entries.iter().enumerate() {
            if e.names.get("en").is_none_or(|n| n.trim().is_empty()) {
                return Err(format!("{}: no English name", e.code));
            }
            if by_code.insert(e.code.clone(), i).is_some() {
                return Err(format!("{}: listed twice", e.code));
            }
        }
        Ok(Self {
            entries: file.entries,
            by_code,
        })
    }

    pub fn countries() -> &'static Catalogue {
        static C: OnceLock<Catalogue> = OnceLock::new();
        C.get_or_init(|| {
            Catalogue::parse(include_str!("../../../data/countries.json"))
                .expect("data/countries.json is valid (checked by a unit test)")
        })
    }

    pub fn languages() -> &'static Catalogue {
        static C: OnceLock<Catalogue> = OnceLock::new();
        C.get_or_init(|| {
            Catalogue::parse(include_str!("../../../data/languages.json"))
                .expect("data/languages.json is valid (checked by a unit test)")
        })
    }

    pub fn get(&self, code: &str) -> Option<&Entry> {
        self.by_code.get(code).map(|&i| &self.entries[i])
    }

    pub fn contains(&self, code: &str) -> bool {
        self.by_code.contains_key(code)
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The name of `code` in `lang` (the code itself when unknown).
    pub fn name(&self, code: &str, lang: &str) -> String {
        self.get(code)
            .map_or_else(|| code.to_string(), |e| e.name_in(lang).to_string())
    }

    /// Parses a list of codes (upper- or lower-case as the catalogue has them), keeping
    /// order and dropping repeats; an unknown code is refused with `field`.
    pub fn parse_codes<'a>(
        &self,
        codes: impl IntoIterator<Item = &'a str>,
        field: &'static str,
    ) -> Result<Vec<String>, crate::Invalid> {
        let mut out: Vec<String> = Vec::new();
        for c in codes.into_iter().map(str::trim).filter(|c| !c.is_empty()) {
            if !self.contains(c) {
                return Err(crate::Invalid::new(field, "invalid-choice"));
            }
            if !out.iter().any(|o| o == c) {
                out.push(c.to_string());
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_catalogues_are_complete_in_every_language() {
        for cat in [Catalogue::countries(), Catalogue::languages()] {
            assert!(cat.entries().len() > 30);
            for e in cat.entries() {
                for lang in ["en", "ru", "tk"] {
                    assert!(
                        e.names.get(lang).is_some_and(|n| !n.trim().is_empty()),
                        "{} has no {lang} name",
                        e.code
                    );
                }
            }
        }
        assert_eq!(Catalogue::countries().name("TM", "tk"), "Türkmenistan");
        assert!(Catalogue::countries().entries().len() >= 245);
    }

    #[test]
    fn codes_are_checked() {
        let c = Catalogue::countries();
        assert_eq!(
            c.parse_codes(["RU", "TR", "RU", ""], "x").unwrap(),
            vec!["RU", "TR"]
        );
        assert!(c.parse_codes(["XX"], "x").is_err());
    }
}
