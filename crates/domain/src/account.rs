//! The people who use the system: e-mail as sign-in name, display names, the password policy.

use std::collections::HashSet;
use std::sync::{Arc, LazyLock};

use crate::Invalid;
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

/// A sign-in e-mail address, trimmed and lower-cased. Only the shape is checked: no mail is
/// sent. Printable ASCII only: a sign-in name must not have a look-alike (`аdmin@…` with a
/// Cyrillic а, or an invisible character) that an administrator would take for another
/// account's; an internationalised domain is written in its ASCII form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let s = s.trim().to_lowercase();
        let err = Invalid::new("email", "invalid-email");
        if s.len() > 254 || !s.chars().all(|c| c.is_ascii_graphic()) {
            return Err(err);
        }
        let (local, domain) = s.split_once('@').ok_or(err.clone())?;
        if local.is_empty()
            || domain.is_empty()
            || domain.contains('@')
            || domain.starts_with('.')
            || domain.ends_with('.')
        {
            return Err(err);
        }
        Ok(Email(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A display name: trimmed, NFC, 1–200 characters, no control characters and no invisible
/// formatting characters (zero-width spaces, direction overrides that make a name read as
/// another).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PersonName(String);

/// Characters that show as nothing: Unicode's invisible formatting characters (category
/// Cf: soft hyphen, zero-width characters, direction marks, embeddings, overrides,
/// isolates) and the blank letters and marks that render empty (Hangul fillers, variation
/// selectors, tags).
pub fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{ad}'
            | '\u{61c}'
            | '\u{180e}'
            | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}'
            | '\u{feff}'
            | '\u{fff9}'..='\u{fffb}'
            // Characters that draw nothing though they are not "format": fillers,
            // joiners, variation selectors, tags, blank braille, line separators.
            | '\u{34f}'
            | '\u{115f}'
            | '\u{1160}'
            | '\u{17b4}'
            | '\u{17b5}'
            | '\u{180b}'..='\u{180f}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{2800}'
            | '\u{3164}'
            | '\u{fe00}'..='\u{fe0f}'
            | '\u{ffa0}'
            | '\u{1d173}'..='\u{1d17a}'
            | '\u{e0000}'..='\u{e0fff}'
    )
}

impl PersonName {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let s: String = s.trim().nfc().collect();
        let n = s.chars().count();
        if n == 0 {
            return Err(Invalid::new("name", "required"));
        }
        if n > 200 || s.chars().any(|c| c.is_control() || is_invisible_format(c)) {
            return Err(Invalid::new("name", "invalid-name"));
        }
        Ok(PersonName(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why a password was refused; each has a translated message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordProblem {
    TooShort,
    TooLong,
    Common,
    ContainsEmail,
    /// Built on the person's own name or the system's name (`Yoldash2026!`).
    ContainsName,
}

impl PasswordProblem {
    pub fn message_key(self) -> &'static str {
        match self {
            PasswordProblem::TooShort => "password-too-short",
            PasswordProblem::TooLong => "password-too-long",
            PasswordProblem::Common => "password-common",
            PasswordProblem::ContainsEmail => "password-contains-email",
            PasswordProblem::ContainsName => "password-contains-name",
        }
    }
}

/// The password rules: a minimum length, a maximum (argon2 input stays bounded), a list of
/// common passwords and trivial patterns to refuse.
#[derive(Debug, Clone)]
pub struct PasswordPolicy {
    pub min_chars: usize,
    pub max_chars: usize,
    common: CommonList,
}

/// The list of common passwords a policy refuses.
#[derive(Debug, Clone)]
enum CommonList {
    /// The shipped lists, unpacked at the first check (not at start-up).
    Shipped,
    Own(Arc<HashSet<Box<str>>>),
}

/// Our own list: long keyboard walks and the like, in every script (`data/`).
const SHIPPED_COMMON: &str = include_str!("../../../data/common-passwords.txt");
/// The 30,000 most common passwords of zxcvbn's frequency lists, lower-case, sorted,
/// gzipped (see `data/common-passwords-zxcvbn.LICENSE`).
const ZXCVBN_COMMON: &[u8] = include_bytes!("../../../data/common-passwords-zxcvbn.txt.gz");

/// Both lists, unpacked once, on first use, and shared by every policy.
static SHIPPED: LazyLock<HashSet<Box<str>>> = LazyLock::new(unpack_shipped);

fn unpack_shipped() -> HashSet<Box<str>> {
    use std::io::Read;
    let mut zxcvbn = String::new();
    flate2::read::GzDecoder::new(ZXCVBN_COMMON)
        .read_to_string(&mut zxcvbn)
        .expect("the shipped password list unpacks (checked by a unit test)");
    let mut set = parse_list(SHIPPED_COMMON);
    set.extend(parse_list(&zxcvbn));
    set
}

fn parse_list(text: &str) -> HashSet<Box<str>> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.to_lowercase().into_boxed_str())
        .collect()
}

/// The shortest core (`password_forms`) compared with the list: shorter words with digits
/// around them (`cat` + nine digits) are not refused for that alone.
const SHORTEST_CORE: usize = 4;

impl PasswordPolicy {
    /// Minimum 12 characters (the platform issue's rule), maximum 256, the shipped lists.
    pub fn shipped() -> Self {
        Self {
            min_chars: 12,
            max_chars: 256,
            common: CommonList::Shipped,
        }
    }

    pub fn new(min_chars: usize, max_chars: usize, common_list: &str) -> Self {
        Self {
            min_chars,
            max_chars,
            common: CommonList::Own(Arc::new(parse_list(common_list))),
        }
    }

    fn common(&self) -> &HashSet<Box<str>> {
        match &self.common {
            CommonList::Shipped => &SHIPPED,
            CommonList::Own(list) => list,
        }
    }

    /// How many passwords the list holds.
    pub fn common_count(&self) -> usize {
        self.common().len()
    }

    /// `check_for` without a person's name (the system's own name is still refused).
    pub fn check(&self, password: &str, email: Option<&Email>) -> Result<(), PasswordProblem> {
        self.check_for(password, email, None)
    }

    /// Checks a new password of the person with `email` and `name`: the length, the list
    /// of common passwords and trivial patterns, their e-mail address, and their own name
    /// or the system's name dressed up with digits and symbols (`Berdiyeva1990!`,
    /// `Yoldash2026!`, `ayna berdiyeva 85`), the first words an attacker tries.
    pub fn check_for(
        &self,
        password: &str,
        email: Option<&Email>,
        name: Option<&str>,
    ) -> Result<(), PasswordProblem> {
        let n = password.chars().count();
        if n < self.min_chars {
            return Err(PasswordProblem::TooShort);
        }
        if n > self.max_chars {
            return Err(PasswordProblem::TooLong);
        }
        let lower = password.to_lowercase();
        let distinct: HashSet<char> = lower.chars().collect();
        if distinct.len() <= 2
            || is_run(&lower)
            || password_forms(&lower)
                .iter()
                .any(|f| self.common().contains(f.as_str()))
        {
            return Err(PasswordProblem::Common);
        }
        if let Some(email) = email {
            let local = email.as_str().split('@').next().unwrap_or_default();
            if local.chars().count() >= 4 && lower.contains(local) {
                return Err(PasswordProblem::ContainsEmail);
            }
        }
        if is_built_on_names(&lower, name) {
            return Err(PasswordProblem::ContainsName);
        }
        Ok(())
    }
}

/// The system's name as people write it, in Latin and Cyrillic letters, compared after
/// `fold` (so `Ýoldaş`, `Yoldaş` and `Yoldas` are one).
const SYSTEM_NAMES: [&str; 12] = [
    "yoldash",
    "yoldas",
    "joldash",
    "joldas",
    "yoldosh",
    "joldosh",
    "йолдаш",
    "ёлдаш",
    "иолдаш",
    "йолдас",
    "ёлдас",
    "иолдас",
];

/// A letter without its Turkmen (and common Latin) accent: `ý` → `y`, `ş` → `s`, `ä` → `a`;
/// what people leave out when they type a name on a keyboard without them.
fn fold(c: char) -> char {
    match c {
        'ä' | 'á' | 'à' | 'â' => 'a',
        'ç' => 'c',
        'é' | 'è' | 'ê' => 'e',
        'ň' | 'ñ' => 'n',
        'ö' | 'ó' => 'o',
        'ş' => 's',
        'ü' | 'ú' => 'u',
        'ý' => 'y',
        'ž' => 'z',
        other => other,
    }
}

/// The letters of a lower-cased password, composed (NFC) and accent-folded, in three
/// readings: as written (`Berdiyeva1990!` → `berdiyeva`); with digit-and-symbol-for-letter
/// swaps undone inside the word (`one`: what `1` stands for; `Targ3tV1ctim!` →
/// `targetvictim`); and with symbol swaps undone everywhere (`B@h@rNurmyr@dow@`).
fn letters_of(lower: &str, one: char) -> [String; 3] {
    let composed: String = lower.nfc().map(fold).collect();
    let symbol = |c: char| match c {
        '@' => 'a',
        '$' => 's',
        '!' | '|' => one,
        other => other,
    };
    [
        composed.chars().filter(|c| c.is_alphabetic()).collect(),
        // Only inside the word: padding around it is digits and symbols, not letters.
        composed
            .trim_matches(is_padding)
            .chars()
            .map(|c| undo_leet(c, one))
            .filter(|c| c.is_alphabetic())
            .collect(),
        composed
            .chars()
            .map(symbol)
            .filter(|c| c.is_alphabetic())
            .collect(),
    ]
}

/// True when the password's letters hold the system's name anywhere (`MyYoldash2026!`), or
/// are nothing but the words of the person's name, in any order and repeated
/// (`Berdiyeva1990!`, `TargetVictim12`, `ayna berdiyeva 85`): the first guesses an
/// attacker tries.
fn is_built_on_names(lower: &str, name: Option<&str>) -> bool {
    let words: Vec<Vec<char>> = name
        .unwrap_or_default()
        .nfc()
        .collect::<String>()
        .to_lowercase()
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| w.chars().count() >= 3)
        .map(|w| w.chars().map(fold).collect())
        .collect();
    ['i', 'l']
        .into_iter()
        .flat_map(|one| letters_of(lower, one))
        .any(|letters| {
            SYSTEM_NAMES.iter().any(|n| letters.contains(n))
                || made_of(&letters.chars().collect::<Vec<_>>(), &words)
        })
}

/// True when `letters` (not empty) is a sequence of `words`, each any number of times.
fn made_of(letters: &[char], words: &[Vec<char>]) -> bool {
    if letters.is_empty() || words.is_empty() {
        return false;
    }
    // reachable[i]: the first i letters are a sequence of words.
    let mut reachable = vec![false; letters.len() + 1];
    reachable[0] = true;
    for i in 0..letters.len() {
        if !reachable[i] {
            continue;
        }
        for w in words {
            if letters[i..].starts_with(w) {
                reachable[i + w.len()] = true;
            }
        }
    }
    reachable[letters.len()]
}

/// Digits, punctuation and spaces: what people put before and after a word.
fn is_padding(c: char) -> bool {
    !c.is_alphanumeric() || c.is_ascii_digit()
}

/// The forms of a lower-cased password compared with the list: the password itself, and
/// without inner spaces (`i love you` → `iloveyou`); every cut of the padding after the
/// word and before it (`qwertyuiop12` → `qwertyuiop`, `alex19912026` → `alex1991`,
/// `!qaz2wsx2222` → `!qaz2wsx`); and the core without any padding, also without inner spaces
/// and with digit-for-letter substitutions undone (`p@ssw0rd` → `password`; `1` both as `i`
/// and as `l`). Forms shorter than `SHORTEST_CORE` are left out. At most about twice the
/// password's length in forms.
fn password_forms(lower: &str) -> Vec<String> {
    let chars: Vec<char> = lower.chars().collect();
    let n = chars.len();
    let before = chars.iter().take_while(|c| is_padding(**c)).count();
    let after = chars
        .iter()
        .rev()
        .take_while(|c| is_padding(**c))
        .count()
        .min(n - before);
    let mut forms = vec![lower.to_string(), lower.split_whitespace().collect()];
    let mut cut = |from: usize, to: usize| {
        if to >= from + SHORTEST_CORE {
            forms.push(chars[from..to].iter().collect::<String>());
        }
    };
    for k in 1..=after {
        cut(0, n - k);
        cut(before, n - k);
    }
    for k in 1..=before {
        cut(k, n);
        cut(k, n - after);
    }
    let core: String = chars[before..n - after].iter().collect();
    if core.chars().count() >= SHORTEST_CORE {
        let joined: String = core.split_whitespace().collect();
        for one in ['i', 'l'] {
            forms.push(joined.chars().map(|c| undo_leet(c, one)).collect());
        }
        forms.push(joined);
    }
    forms
}

/// A letter written as a digit or symbol, back as the letter (`one`: what `1` stands for).
fn undo_leet(c: char, one: char) -> char {
    match c {
        '0' => 'o',
        '1' | '!' | '|' => one,
        '3' => 'e',
        '4' | '@' => 'a',
        '5' | '$' => 's',
        '7' => 't',
        '8' => 'b',
        '9' => 'g',
        other => other,
    }
}

/// True for a run of consecutive code points such as `abcdefghijklm` or `0123456789012`.
fn is_run(s: &str) -> bool {
    let cs: Vec<u32> = s.chars().map(|c| c as u32).collect();
    let up = cs
        .windows(2)
        .all(|w| w[1] == w[0] + 1 || (w[0] == '9' as u32 && w[1] == '0' as u32));
    let down = cs.windows(2).all(|w| w[0] == w[1] + 1);
    up || down
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse(" Ayna@Example.TM ").unwrap().as_str(),
            "ayna@example.tm"
        );
        for bad in [
            "",
            "a",
            "a@",
            "@b",
            "a b@c",
            "a@b@c",
            "a@.b",
            "a@b.",
            "\u{430}dmin@demo.yoldash",
            "admin@demo.yoldash\u{200b}",
            "ad\u{ad}min@demo.yoldash",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_are_normalised() {
        // "ä" written as a + combining diaeresis becomes one code point.
        assert_eq!(
            PersonName::parse(" Ma\u{0308}hri ").unwrap().as_str(),
            "M\u{e4}hri"
        );
        assert!(PersonName::parse("   ").is_err());
        assert!(PersonName::parse("a\u{7}b").is_err());
        assert!(PersonName::parse("Jeren\u{202e}Ataýewa").is_err());
        assert!(PersonName::parse("Jeren\u{200b}").is_err());
        assert!(PersonName::parse("Jeren Ataýewa").is_ok());
    }

    #[test]
    fn password_policy() {
        let p = PasswordPolicy::shipped();
        let email = Email::parse("merdan@example.org").unwrap();
        assert_eq!(p.check("short", None), Err(PasswordProblem::TooShort));
        assert_eq!(p.check("Password1234", None), Err(PasswordProblem::Common));
        assert_eq!(p.check("Йцукенгшщзхъ", None), Err(PasswordProblem::Common));
        assert_eq!(
            p.check("aaaaaaaaaaaaaaaa", None),
            Err(PasswordProblem::Common)
        );
        assert_eq!(
            p.check("abababababababab", None),
            Err(PasswordProblem::Common)
        );
        assert_eq!(p.check("3456789012345", None), Err(PasswordProblem::Common));
        assert_eq!(
            p.check("merdan-likes-tea", Some(&email)),
            Err(PasswordProblem::ContainsEmail)
        );
        assert_eq!(
            p.check(&"x1".repeat(200), None),
            Err(PasswordProblem::TooLong)
        );
        assert_eq!(p.check("correct horse battery", Some(&email)), Ok(()));
        // The system's name and the person's own name, dressed up, are refused.
        for (password, name) in [
            ("Yoldash2026!", None),
            ("ÝOLDAŞ-2026!", None),
            ("Berdiyeva1990!", Some("Ayna Berdiyeva")),
            ("ayna berdiyeva 85", Some("Ayna Berdiyeva")),
            ("2026!AynaBerdiyeva", Some("Ayna Berdiyeva")),
            ("Test-User-2026", Some("Test User")),
            ("MyYoldash2026!", None),
            ("Yoldash_Admin_2026", None),
            ("Ёлдаш2026!!!!", None),
            ("Yoldaş2026!!!", None),
            ("Yoldas.Lebap.2026", None),
            ("TargetVictim12", Some("Victim Target")),
            ("Targ3tV1ctim!", Some("Victim Target")),
            ("Ýoldas2026!!", None),
            ("Йолдас2026!!", None),
            ("Yoldosh2026!", None),
            ("SaparowaBagul1990", Some("Bägül Saparowa")),
            ("B@h@rNurmyr@dow@", Some("Bahar Nurmyradowa")),
            // Written decomposed (y + combining acute, s + combining cedilla).
            ("Y\u{301}oldas\u{327}2026!!!", None),
        ] {
            assert_eq!(
                p.check_for(password, None, name),
                Err(PasswordProblem::ContainsName),
                "{password}"
            );
        }
        // A name inside a longer phrase is no weakness of its own.
        assert_eq!(
            p.check_for("Ayna grows tulips in Mary", None, Some("Ayna Berdiyeva")),
            Ok(())
        );
        assert_eq!(p.check("Gök asman 2026!", None), Ok(()));
    }

    #[test]
    fn common_passwords_and_their_variants_are_refused() {
        let p = PasswordPolicy::shipped();
        assert!(p.common_count() > 30_000, "{}", p.common_count());
        for common in [
            "qwertyuiop12",
            "QWERTYUIOP12",
            "qwertyuiop!!",
            "2024qwertyuiop",
            "monkey123456",
            "Password2024!",
            "p@ssw0rd12345",
            "P4ssw0rd!2024",
            "i love you 1234",
            "iloveyou12345",
            "1qaz2wsx3edc",
            "trustno1trustno1",
            "sunshine2026",
            "football12345",
            "letmein123456",
            "starwars1977!",
        ] {
            assert_eq!(
                p.check(common, None),
                Err(PasswordProblem::Common),
                "{common}"
            );
        }
        // A sample of the list itself (every 500th entry), padded with digits to the
        // minimum length where it is shorter.
        let mut list: Vec<&str> = p.common().iter().map(|e| &**e).collect();
        list.sort_unstable();
        let mut checked = 0;
        for entry in list.iter().step_by(500) {
            let padded = format!(
                "{entry}{}",
                "2".repeat(12usize.saturating_sub(entry.chars().count()))
            );
            let core = entry.trim_end_matches(is_padding);
            if core.chars().count() >= SHORTEST_CORE || padded == *entry {
                assert_eq!(
                    p.check(&padded, None),
                    Err(PasswordProblem::Common),
                    "{padded}"
                );
                checked += 1;
            }
        }
        assert!(checked > 40, "{checked}");
        for word in ["dragon", "baseball", "superman", "jordan23"] {
            assert!(p.common().contains(word), "{word} is on the list");
        }
        for good in [
            "correct horse battery staple",
            "Gök asman 2026!",
            "tea kettle violin river",
            "Balkan-tokay-gazal-77",
            "Tülpek-derýa-ýyldyz-9",
            // Passwords the integration tests use.
            "a long enough passphrase",
            "another long passphrase",
            "a brand new passphrase",
            "one more new passphrase",
            "Ashgabat spring 2026",
            "gök asmanda ak bulut",
            "a different long passphrase",
        ] {
            assert_eq!(p.check(good, None), Ok(()), "{good}");
        }
    }

    #[test]
    fn the_shipped_list_unpacks_quickly() {
        // The list is unpacked on first use: measure it (the figure is in the docs).
        let started = std::time::Instant::now();
        let mut text = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(ZXCVBN_COMMON), &mut text)
            .unwrap();
        let unzipped = started.elapsed();
        let started = std::time::Instant::now();
        let n = unpack_shipped().len();
        let took = started.elapsed();
        eprintln!(
            "common-password list: {n} entries, {} bytes gzipped, {} unzipped; \
             unzip alone {unzipped:?}, unzip and set {took:?}",
            ZXCVBN_COMMON.len(),
            text.len()
        );
        assert!(n > 30_000);
        assert!(took < std::time::Duration::from_secs(2), "{took:?}");
    }
}
