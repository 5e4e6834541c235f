//! Languages: Fluent messages from `locales/{en,ru,tk}`, and choosing the language of a request.

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{LazyLock, PoisonError, RwLock};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "../../locales",
        fallback_language: "en",
        // Unicode isolation marks around arguments would show up as stray characters in
        // HTML attributes and plain-text exports.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// A UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Ru,
    Tk,
}

static EN: LanguageIdentifier = langid!("en");
static RU: LanguageIdentifier = langid!("ru");
static TK: LanguageIdentifier = langid!("tk");

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::En, Lang::Ru, Lang::Tk];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ru => "ru",
            Lang::Tk => "tk",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        let primary = s.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Lang::ALL.into_iter().find(|l| l.code() == primary)
    }

    /// The first supported language of an `Accept-Language` header, by quality.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut candidates: Vec<(f32, Lang)> = header
            .split(',')
            .filter_map(|part| {
                let mut bits = part.split(';');
                let lang = Lang::parse(bits.next()?)?;
                let q = bits
                    .find_map(|b| b.trim().strip_prefix("q="))
                    .and_then(|q| q.parse::<f32>().ok())
                    .unwrap_or(1.0);
                (q > 0.0).then_some((q, lang))
            })
            .collect();
        candidates.sort_by(|a, b| b.0.total_cmp(&a.0));
        candidates.first().map(|c| c.1)
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Lang::En => &EN,
            Lang::Ru => &RU,
            Lang::Tk => &TK,
        }
    }
}

/// A translator bound to one language; templates call `t.get("key")`.
#[derive(Debug, Clone, Copy)]
pub struct Tr(pub Lang);

impl Tr {
    pub fn lang(&self) -> &'static str {
        self.0.code()
    }

    pub fn get(&self, key: &str) -> String {
        resolved(self.0, key).unwrap_or_else(|| LOCALES.lookup(self.0.id(), key))
    }

    pub fn with(&self, key: &str, args: &[(&'static str, FluentValue<'static>)]) -> String {
        let map: HashMap<Cow<'static, str>, FluentValue> = args
            .iter()
            .map(|(k, v)| (Cow::Borrowed(*k), v.clone()))
            .collect();
        LOCALES.lookup_with_args(self.0.id(), key, &map)
    }

    /// A message with a `$version` argument (the footer).
    pub fn with_version(&self, key: &str, version: &str) -> String {
        self.with(key, &[("version", FluentValue::from(version.to_string()))])
    }

    /// A message with a `$count` argument, using the language's plural rules.
    pub fn count(&self, key: &str, count: i64) -> String {
        self.with(key, &[("count", FluentValue::from(count))])
    }

    /// A date and time (stored as microseconds since the epoch), in the language's pattern.
    /// Times are shown in UTC.
    pub fn datetime(&self, micros: i64) -> String {
        let values = self.datetime_values(micros);
        let mut out = String::with_capacity(32);
        for piece in &DATETIME_PATTERNS[self.0 as usize] {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Arg(i) => out.push_str(&values[*i]),
            }
        }
        out
    }

    /// The arguments of `format-datetime`, in the order of `DATETIME_ARGS`.
    fn datetime_values(&self, micros: i64) -> [String; 6] {
        use chrono::{Datelike, Timelike};
        let t = chrono::DateTime::from_timestamp_micros(micros).unwrap_or_default();
        [
            t.day().to_string(),
            format!("{:02}", t.month()),
            self.get(&format!("month-{}", t.month())),
            t.year().to_string(),
            format!("{:02}", t.hour()),
            format!("{:02}", t.minute()),
        ]
    }

    /// A whole number with the language's digit grouping (1,234,567 / 1 234 567).
    pub fn number(&self, n: i64) -> String {
        let sep = self.get("number-group-separator");
        let digits = n.unsigned_abs().to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push_str(&sep);
            }
            out.push(c);
        }
        if n < 0 { format!("-{out}") } else { out }
    }

    /// A percentage with one decimal, in the language's style (12.5% / 12,5 %).
    pub fn percent(&self, value: f64) -> String {
        let text = format!("{value:.1}").replace('.', &self.get("number-decimal-separator"));
        self.with("format-percent", &[("value", FluentValue::from(text))])
    }

    /// Whether a message exists in this language or, failing that, in English (Fluent falls
    /// back to English, the source language).
    pub fn has(&self, key: &str) -> bool {
        resolved(self.0, key).is_some()
    }
}

/// Messages looked up without arguments, per language, as Fluent resolved them the first
/// time (`None`: no such message): a page asks for the same labels and hints hundreds of
/// times, and each Fluent lookup negotiates languages and formats anew. Some keys are built
/// from request data, so the cache stops taking new keys at `MOST_CACHED`; the locales hold
/// fewer than a thousand messages.
static RESOLVED: LazyLock<[RwLock<Resolved>; 3]> = LazyLock::new(Default::default);
type Resolved = HashMap<Box<str>, Option<String>>;
const MOST_CACHED: usize = 8_192;

/// `key` in `lang` (falling back to English, as Fluent does), or `None` if no language has it.
fn resolved(lang: Lang, key: &str) -> Option<String> {
    let cache = &RESOLVED[lang as usize];
    if let Some(hit) = cache
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .get(key)
    {
        return hit.clone();
    }
    let value = LOCALES.try_lookup(lang.id(), key);
    let mut cache = cache.write().unwrap_or_else(PoisonError::into_inner);
    if cache.len() < MOST_CACHED {
        cache.insert(key.into(), value.clone());
    }
    value
}

/// The arguments of `format-datetime`.
const DATETIME_ARGS: [&str; 6] = ["day", "month", "monthname", "year", "hour", "minute"];

/// A piece of a message split at its arguments.
enum Piece {
    Text(String),
    /// An index into `DATETIME_ARGS`.
    Arg(usize),
}

/// `format-datetime` of each language, split at its arguments once: the lists show a date
/// and time on every row. The messages place their arguments and select on none of them;
/// `datetime_patterns_match_fluent` checks that the split gives what Fluent gives.
static DATETIME_PATTERNS: LazyLock<[Vec<Piece>; 3]> = LazyLock::new(|| {
    Lang::ALL.map(|lang| split_at_args(Tr(lang), "format-datetime", &DATETIME_ARGS))
});

/// Formats `key` with a marker for each argument and cuts the text at the markers.
fn split_at_args(t: Tr, key: &str, names: &[&'static str]) -> Vec<Piece> {
    const OPEN: char = '\u{E000}';
    const CLOSE: char = '\u{E001}';
    let args: Vec<(&'static str, FluentValue<'static>)> = names
        .iter()
        .enumerate()
        .map(|(i, name)| (*name, FluentValue::from(format!("{OPEN}{i}{CLOSE}"))))
        .collect();
    let text = t.with(key, &args);
    let mut pieces = Vec::new();
    let mut parts = text.split(OPEN);
    if let Some(first) = parts.next().filter(|p| !p.is_empty()) {
        pieces.push(Piece::Text(first.to_string()));
    }
    for part in parts {
        let (index, rest) = part.split_once(CLOSE).unwrap_or(("", part));
        if let Ok(i) = index.parse::<usize>() {
            pieces.push(Piece::Arg(i));
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest.to_string()));
        }
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_dates_and_plurals_follow_the_language() {
        let micros = 1_764_351_000_000_000; // 2025-11-28 17:30 UTC
        assert_eq!(Tr(Lang::En).datetime(micros), "28 Nov 2025, 17:30 UTC");
        assert_eq!(Tr(Lang::Ru).datetime(micros), "28.11.2025 17:30 UTC");
        assert_eq!(Tr(Lang::Tk).datetime(micros), "28.11.2025 17:30 UTC");
        assert_eq!(Tr(Lang::En).number(1_234_567), "1,234,567");
        assert_eq!(Tr(Lang::Ru).number(1_234_567), "1\u{a0}234\u{a0}567");
        assert_eq!(Tr(Lang::Tk).number(-1000), "-1\u{a0}000");
        assert_eq!(Tr(Lang::En).percent(12.54), "12.5%");
        assert_eq!(Tr(Lang::Ru).percent(12.54), "12,5\u{a0}%");
        // Russian has one / few / many; Turkmen one / other (CLDR).
        let n =
            |l: Lang, c: i64| Tr(l).with("recovery-codes-left", &[("count", FluentValue::from(c))]);
        assert_eq!(n(Lang::Ru, 1), "Остался 1 резервный код.");
        assert_eq!(n(Lang::Ru, 3), "Осталось 3 резервных кода.");
        assert_eq!(n(Lang::Ru, 5), "Осталось 5 резервных кодов.");
        assert_eq!(n(Lang::Ru, 21), "Остался 21 резервный код.");
        assert_eq!(n(Lang::En, 1), "1 recovery code left.");
        assert_eq!(n(Lang::En, 7), "7 recovery codes left.");
        assert_eq!(n(Lang::Tk, 7), "7 ätiýaçlyk kod galdy.");
    }

    #[test]
    fn datetime_patterns_match_fluent() {
        // Every month, single- and double-digit days and hours, in every language.
        for lang in Lang::ALL {
            let t = Tr(lang);
            for month in 1..=12 {
                for (day, hour, minute) in [(1, 0, 5), (9, 9, 59), (28, 23, 0)] {
                    let when = chrono::NaiveDate::from_ymd_opt(2026, month, day)
                        .and_then(|d| d.and_hms_opt(hour, minute, 0))
                        .map(|d| d.and_utc().timestamp_micros())
                        .expect("a valid date");
                    let values = t.datetime_values(when);
                    let args: Vec<(&'static str, FluentValue<'static>)> = DATETIME_ARGS
                        .iter()
                        .zip(values)
                        .map(|(name, v)| (*name, FluentValue::from(v)))
                        .collect();
                    assert_eq!(t.datetime(when), t.with("format-datetime", &args));
                }
            }
        }
    }

    #[test]
    fn cached_messages_are_what_fluent_gives() {
        for lang in Lang::ALL {
            let t = Tr(lang);
            for key in ["cases-none", "label-status", "month-3", "no-such-message"] {
                for _ in 0..2 {
                    assert_eq!(t.get(key), LOCALES.lookup(lang.id(), key));
                    assert_eq!(t.has(key), LOCALES.try_lookup(lang.id(), key).is_some());
                }
            }
        }
    }

    #[test]
    fn accept_language() {
        assert_eq!(
            Lang::from_accept_language("ru-RU,ru;q=0.9,en;q=0.8"),
            Some(Lang::Ru)
        );
        assert_eq!(
            Lang::from_accept_language("de, tk;q=0.5, en;q=0.4"),
            Some(Lang::Tk)
        );
        assert_eq!(Lang::from_accept_language("de, fr"), None);
        assert_eq!(
            Lang::from_accept_language("en;q=0, ru;q=0.1"),
            Some(Lang::Ru)
        );
    }
}

#[cfg(test)]
impl Tr {
    /// The English source line of a message (tests only: to find its variables).
    fn raw_source(&self, key: &str) -> String {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../locales/en/");
        std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| std::fs::read_to_string(e.unwrap().path()).ok())
            .flat_map(|t| t.lines().map(str::to_string).collect::<Vec<_>>())
            .find(|l| l.split_once('=').is_some_and(|(k, _)| k.trim() == key))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod completeness {
    use std::collections::BTreeSet;

    fn keys(lang: &str) -> BTreeSet<String> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../locales/");
        let mut keys = BTreeSet::new();
        for entry in std::fs::read_dir(format!("{dir}{lang}")).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for line in text.lines() {
                if let Some((k, _)) = line.split_once('=') {
                    let k = k.trim();
                    if !k.is_empty()
                        && !line.starts_with([' ', '#', '.'])
                        && k.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                    {
                        keys.insert(k.to_string());
                    }
                }
            }
        }
        keys
    }

    #[test]
    fn russian_and_turkmen_have_every_english_message() {
        let en = keys("en");
        assert!(en.len() > 50);
        for lang in ["ru", "tk"] {
            let other = keys(lang);
            let missing: Vec<_> = en.difference(&other).collect();
            let extra: Vec<_> = other.difference(&en).collect();
            assert!(missing.is_empty(), "{lang} lacks {missing:?}");
            assert!(extra.is_empty(), "{lang} has keys English lacks: {extra:?}");
        }
    }

    #[test]
    fn every_message_resolves_in_every_language() {
        use super::{Lang, Tr};
        use fluent_templates::fluent_bundle::FluentValue;
        for key in keys("en") {
            // Give every `$variable` of the message a value.
            let source = Tr(Lang::En).raw_source(&key);
            let args: Vec<(&'static str, FluentValue<'static>)> = source
                .split('$')
                .skip(1)
                .map(|rest| {
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                        .collect();
                    (&*Box::leak(name.into_boxed_str()), FluentValue::from("x"))
                })
                .collect();
            for lang in Lang::ALL {
                let text = Tr(lang).with(&key, &args);
                assert!(
                    !text.is_empty() && !text.starts_with("Unknown localization key"),
                    "{key} does not resolve in {}",
                    lang.code()
                );
            }
        }
    }

    #[test]
    fn every_problem_and_field_error_has_a_message() {
        use super::{Lang, Tr};
        let slugs = [
            "bad-request",
            "unauthorized",
            "forbidden",
            "not-found",
            "conflict",
            "invalid",
            "duplicate",
            "csrf",
            "too-large",
            "throttled",
            "internal",
        ];
        for lang in Lang::ALL {
            for s in slugs {
                assert!(Tr(lang).has(&format!("error-{s}")), "error-{s}");
            }
            for r in yoldash_domain::Role::ALL {
                assert!(Tr(lang).has(&format!("role-{}", r.as_str())));
            }
        }
    }
}
