//! Text normalisation applied before computing blind indexes.

use std::collections::HashMap;
use std::sync::OnceLock;
use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

/// Normalises a value before it is blind-indexed, so that trivially different
/// spellings of the same name or identifier produce the same index.
///
/// Steps, in order:
/// 1. Unicode NFKC (composed/decomposed forms and compatibility characters
///    such as full-width letters or no-break spaces become identical);
/// 2. full Unicode lower-casing ([`str::to_lowercase`], e.g. `Ý` → `ý`);
/// 3. folding names across scripts and spellings with the table in
///    `data/transliteration.json`: Cyrillic (Russian and Turkmen) to Latin,
///    Turkmen Latin letters and other accented letters to plain ASCII, so that
///    `Aýgül`, `aygul` and `Айгуль` all become `aygul`; hyphens and apostrophes
///    separate or vanish;
/// 4. trimming and collapsing every run of Unicode whitespace to one ASCII
///    space.
///
/// This is the single place where index normalisation happens, and changing
/// this function or the table changes every stored blind index.
pub fn normalize_for_index(value: &str) -> String {
    // The intermediates hold personal data (names, document numbers): wipe them.
    let nfkc: Zeroizing<String> = Zeroizing::new(value.nfkc().collect());
    let lower: Zeroizing<String> = Zeroizing::new(nfkc.to_lowercase());
    let folded: Zeroizing<String> = Zeroizing::new(fold(&lower));
    let mut out = String::with_capacity(folded.len());
    for word in folded.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// The folding table of `data/transliteration.json`.
struct Folding {
    digraphs: Vec<(Vec<char>, String)>,
    after_vowel: HashMap<char, String>,
    after_consonant: HashMap<char, String>,
    cyrillic: HashMap<char, String>,
    latin: HashMap<char, String>,
    vowels: Vec<char>,
}

const TABLE: &str = include_str!("../../../data/transliteration.json");

fn table() -> &'static Folding {
    static T: OnceLock<Folding> = OnceLock::new();
    T.get_or_init(|| {
        let raw: serde_json::Value =
            serde_json::from_str(TABLE).expect("data/transliteration.json is valid JSON");
        let map = |k: &str| -> HashMap<char, String> {
            raw[k]
                .as_object()
                .map(|o| {
                    o.iter()
                        .filter_map(|(key, v)| Some((key.chars().next()?, v.as_str()?.to_string())))
                        .collect()
                })
                .unwrap_or_default()
        };
        let digraphs = raw["digraphs"]
            .as_object()
            .map(|o| {
                o.iter()
                    .filter_map(|(k, v)| Some((k.chars().collect(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        Folding {
            digraphs,
            after_vowel: map("after_vowel"),
            after_consonant: map("after_consonant"),
            cyrillic: map("cyrillic"),
            latin: map("latin_fold"),
            vowels: raw["vowels"].as_str().unwrap_or_default().chars().collect(),
        }
    })
}

/// Applies the folding table to lower-cased text.
fn fold(lower: &str) -> String {
    let t = table();
    let chars: Vec<char> = lower.chars().collect();
    let mut out = String::with_capacity(lower.len());
    let mut i = 0;
    let mut prev: Option<char> = None;
    while i < chars.len() {
        if let Some((d, rep)) = t.digraphs.iter().find(|(d, _)| chars[i..].starts_with(d)) {
            out.push_str(rep);
            prev = d.last().copied();
            i += d.len();
            continue;
        }
        let c = chars[i];
        let after_vowel = prev.is_some_and(|p| t.vowels.contains(&p));
        let after_consonant = prev
            .is_some_and(|p| p.is_alphabetic() && !t.vowels.contains(&p) && p != 'ь' && p != 'ъ');
        match (
            after_vowel,
            t.after_vowel.get(&c),
            t.cyrillic.get(&c),
            t.latin.get(&c),
        ) {
            (true, Some(rep), _, _) => out.push_str(rep),
            _ if after_consonant && t.after_consonant.contains_key(&c) => {
                out.push_str(&t.after_consonant[&c])
            }
            (_, _, Some(rep), _) => out.push_str(rep),
            (_, _, _, Some(rep)) => out.push_str(rep),
            // Hyphens and other punctuation separate words; apostrophes vanish.
            _ if c == '\'' || c == '’' || c == 'ʼ' => {}
            _ if c.is_alphanumeric() || c.is_whitespace() => out.push(c),
            _ => out.push(' '),
        }
        prev = Some(c);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn turkmen_name_variants_collapse() {
        let expected = "aygul";
        for v in [
            "Aýgül",
            "AÝGÜL",
            " aýgül ",
            "Ay\u{301}gu\u{308}l",     // decomposed
            "AY\u{301}GU\u{308}L",     // decomposed upper case
            "\u{3000}Aýgül\u{a0}\t\n", // ideographic / no-break space
        ] {
            assert_eq!(normalize_for_index(v), expected, "{v:?}");
        }
    }

    #[test]
    fn names_meet_across_scripts() {
        for (a, b) in [
            ("Aýgül", "Айгуль"),
            ("aygul", "АЙГУЛЬ"),
            ("Jumaýew", "Джумаев"),
            ("Ataýewa", "Атаева"),
            ("Çary Şirow", "Чары Широв"),
            ("Öwezmyrat", "Овезмырат"),
            ("Ýazgül", "Язгуль"),
            ("Gözel", "Гөзел"),
            ("Merdan", "Мердан"),
        ] {
            assert_eq!(normalize_for_index(a), normalize_for_index(b), "{a} / {b}");
        }
        assert_eq!(normalize_for_index("Anna-Maria O'Neil"), "anna maria oneil");
        assert_ne!(
            normalize_for_index("Aýgül"),
            normalize_for_index("Aýgül Ataýewa")
        );
    }

    #[test]
    fn whitespace_is_collapsed() {
        assert_eq!(
            normalize_for_index("  Maral \t\n  Ataýewa  "),
            "maral atayeva"
        );
        assert_eq!(normalize_for_index("a\u{2003}\u{2003}b"), "a b");
        assert_eq!(normalize_for_index(""), "");
        assert_eq!(normalize_for_index(" \t\n "), "");
    }

    #[test]
    fn compatibility_characters_fold() {
        // Full-width Latin letters and digits.
        assert_eq!(normalize_for_index("ＡＢＣ１２３"), "abc123");
        // Ligature.
        assert_eq!(normalize_for_index("ﬁle"), "file");
    }

    #[test]
    fn cyrillic_is_transliterated() {
        assert_eq!(normalize_for_index("АЙГЮЛЬ"), "aygul");
        assert_eq!(normalize_for_index("Айгюль"), normalize_for_index("Aýgül"));
        assert_eq!(normalize_for_index("Мяхри"), normalize_for_index("Mähri"));
        assert_eq!(normalize_for_index("Гёзель"), normalize_for_index("Gözel"));
        assert_eq!(normalize_for_index("Юлия"), "yuliya");
    }

    #[test]
    fn full_unicode_lowercase_then_folding() {
        assert_eq!(normalize_for_index("ŇÄŞŽÇÖ"), "nashzhcho");
        // Scripts without a folding rule are only lower-cased.
        assert_eq!(normalize_for_index("ΣΊΣΥΦΟΣ"), "σίσυφος");
    }

    proptest! {
        #[test]
        fn output_is_trimmed_and_single_spaced(s in "\\PC{0,40}") {
            let n = normalize_for_index(&s);
            prop_assert_eq!(n.trim(), n.as_str());
            prop_assert!(!n.contains("  "));
            prop_assert!(!n.chars().any(|c| c.is_whitespace() && c != ' '));
        }

        #[test]
        fn case_and_spacing_insensitive(s in "[a-zA-ZäöüýňşžçÄÖÜÝŇŞŽÇ ]{0,30}") {
            let spaced = format!("  {}  ", s.to_uppercase().replace(' ', " \t "));
            prop_assert_eq!(normalize_for_index(&s), normalize_for_index(&spaced));
        }

        #[test]
        fn idempotent_on_latin_and_cyrillic(s in "[a-zA-ZäöüýňşžçÄÖÜÝŇŞŽÇа-яА-ЯёЁ \t]{0,30}") {
            let once = normalize_for_index(&s);
            prop_assert_eq!(normalize_for_index(&once), once.clone());
        }
    }
}
