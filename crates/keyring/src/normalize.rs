//! Text normalisation applied before computing blind indexes.

use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

/// Normalises a value before it is blind-indexed, so that trivially different
/// spellings of the same name or identifier produce the same index.
///
/// Steps, in order:
/// 1. Unicode NFKC (composed/decomposed forms and compatibility characters
///    such as full-width letters or no-break spaces become identical);
/// 2. full Unicode lower-casing ([`str::to_lowercase`], e.g. `Ý` → `ý`);
/// 3. trimming and collapsing every run of Unicode whitespace to one ASCII
///    space.
///
/// This is the single place where index normalisation happens: any future
/// step (such as Cyrillic↔Latin transliteration) belongs here, and changing
/// this function changes every stored blind index.
pub fn normalize_for_index(value: &str) -> String {
    // The intermediates hold personal data (names, document numbers): wipe them.
    let nfkc: Zeroizing<String> = Zeroizing::new(value.nfkc().collect());
    let lower: Zeroizing<String> = Zeroizing::new(nfkc.to_lowercase());
    let mut out = String::with_capacity(lower.len());
    for word in lower.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn turkmen_name_variants_collapse() {
        let expected = "aýgül";
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
    fn whitespace_is_collapsed() {
        assert_eq!(
            normalize_for_index("  Maral \t\n  Ataýewa  "),
            "maral ataýewa"
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
    fn cyrillic_is_lowercased_but_not_transliterated() {
        assert_eq!(normalize_for_index("АЙГЮЛЬ"), "айгюль");
        assert_ne!(normalize_for_index("Айгюль"), normalize_for_index("Aýgül"));
    }

    #[test]
    fn full_unicode_lowercase() {
        assert_eq!(normalize_for_index("ŇÄŞŽÇÖ"), "ňäşžçö");
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
