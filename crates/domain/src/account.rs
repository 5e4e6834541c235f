//! The people who use the system: e-mail as sign-in name, display names, the password policy.

use crate::Invalid;
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

/// A sign-in e-mail address, trimmed and lower-cased. Only the shape is checked: no mail is sent.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let s = s.trim().to_lowercase();
        let err = Invalid::new("email", "invalid-email");
        if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
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

/// A display name: trimmed, NFC, 1–200 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let s: String = s.trim().nfc().collect();
        let n = s.chars().count();
        if n == 0 {
            return Err(Invalid::new("name", "required"));
        }
        if n > 200 || s.chars().any(char::is_control) {
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
}

impl PasswordProblem {
    pub fn message_key(self) -> &'static str {
        match self {
            PasswordProblem::TooShort => "password-too-short",
            PasswordProblem::TooLong => "password-too-long",
            PasswordProblem::Common => "password-common",
            PasswordProblem::ContainsEmail => "password-contains-email",
        }
    }
}

/// The password rules: a minimum length, a maximum (argon2 input stays bounded), a list of
/// common passwords and trivial patterns to refuse.
#[derive(Debug, Clone)]
pub struct PasswordPolicy {
    pub min_chars: usize,
    pub max_chars: usize,
    common: std::collections::HashSet<String>,
}

const SHIPPED_COMMON: &str = include_str!("../../../data/common-passwords.txt");

impl PasswordPolicy {
    /// Minimum 12 characters (the platform issue's rule), maximum 256, the shipped common list.
    pub fn shipped() -> Self {
        Self::new(12, 256, SHIPPED_COMMON)
    }

    pub fn new(min_chars: usize, max_chars: usize, common_list: &str) -> Self {
        let common = common_list
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_lowercase)
            .collect();
        Self {
            min_chars,
            max_chars,
            common,
        }
    }

    pub fn check(&self, password: &str, email: Option<&Email>) -> Result<(), PasswordProblem> {
        let n = password.chars().count();
        if n < self.min_chars {
            return Err(PasswordProblem::TooShort);
        }
        if n > self.max_chars {
            return Err(PasswordProblem::TooLong);
        }
        let lower = password.to_lowercase();
        let distinct: std::collections::HashSet<char> = lower.chars().collect();
        if self.common.contains(&lower) || distinct.len() <= 2 || is_run(&lower) {
            return Err(PasswordProblem::Common);
        }
        if let Some(email) = email {
            let local = email.as_str().split('@').next().unwrap_or_default();
            if local.chars().count() >= 4 && lower.contains(local) {
                return Err(PasswordProblem::ContainsEmail);
            }
        }
        Ok(())
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
        for bad in ["", "a", "a@", "@b", "a b@c", "a@b@c", "a@.b", "a@b."] {
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
        assert_eq!(p.check("Gök asman 2026!", None), Ok(()));
    }
}
