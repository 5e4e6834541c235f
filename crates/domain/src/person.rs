//! A person affected by migration, as the rules see them: sex, gender identity, age (from a
//! date of birth or an estimate) and the age bands that follow from it.

use crate::{Invalid, picklist};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Sex as recorded for statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Female,
    Male,
    OtherUnknown,
}

impl Sex {
    pub const ALL: [Sex; 3] = [Sex::Female, Sex::Male, Sex::OtherUnknown];

    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
            Sex::OtherUnknown => "other_unknown",
        }
    }

    pub fn parse(s: &str) -> Result<Sex, Invalid> {
        Sex::ALL
            .into_iter()
            .find(|x| x.as_str() == s.trim())
            .ok_or(Invalid::new("sex", "invalid-sex"))
    }
}

/// Gender identity, recorded separately and only when the person chooses to say
/// (the Human Trafficking Case Data Standard's picklist).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GenderIdentity {
    Feminine,
    Masculine,
    TransgenderFeminine,
    TransgenderMasculine,
    NonConforming,
    NonSpecifiedUnknown,
}

impl GenderIdentity {
    pub const ALL: [GenderIdentity; 6] = [
        GenderIdentity::Feminine,
        GenderIdentity::Masculine,
        GenderIdentity::TransgenderFeminine,
        GenderIdentity::TransgenderMasculine,
        GenderIdentity::NonConforming,
        GenderIdentity::NonSpecifiedUnknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            GenderIdentity::Feminine => "feminine",
            GenderIdentity::Masculine => "masculine",
            GenderIdentity::TransgenderFeminine => "transgender_feminine",
            GenderIdentity::TransgenderMasculine => "transgender_masculine",
            GenderIdentity::NonConforming => "non_conforming",
            GenderIdentity::NonSpecifiedUnknown => "non_specified_unknown",
        }
    }

    /// The HTCDS value for exports.
    pub fn htcds(self) -> &'static str {
        match self {
            GenderIdentity::Feminine => "Feminine",
            GenderIdentity::Masculine => "Masculine",
            GenderIdentity::TransgenderFeminine => "TransgenderFeminine",
            GenderIdentity::TransgenderMasculine => "TransgenderMasculine",
            GenderIdentity::NonConforming => "NonConforming",
            GenderIdentity::NonSpecifiedUnknown => "NonSpecifiedUnknown",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|x| x.as_str() == s.trim())
            .ok_or(Invalid::new("gender_identity", "invalid-gender-identity"))
    }
}

/// When the person was born: a known date, or an age estimated on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Birth {
    Date { date: NaiveDate },
    Estimated { age_years: u32, as_of: NaiveDate },
}

/// Oldest age accepted (a typo guard).
const MAX_AGE: u32 = 120;

impl Birth {
    /// A date of birth, not in the future and not absurdly old (relative to `today`).
    pub fn date(date: NaiveDate, today: NaiveDate) -> Result<Birth, Invalid> {
        if date > today || years_between(date, today) > MAX_AGE {
            return Err(Invalid::new("birth_date", "invalid-birth-date"));
        }
        Ok(Birth::Date { date })
    }

    pub fn estimated(age_years: u32, as_of: NaiveDate) -> Result<Birth, Invalid> {
        if age_years > MAX_AGE {
            return Err(Invalid::new("estimated_age", "invalid-age"));
        }
        Ok(Birth::Estimated { age_years, as_of })
    }

    /// Age in whole years on `day` (None before birth). An estimate ages with time.
    pub fn age_on(&self, day: NaiveDate) -> Option<u32> {
        match *self {
            Birth::Date { date } => (day >= date).then(|| years_between(date, day)),
            Birth::Estimated { age_years, as_of } => {
                if day >= as_of {
                    Some(age_years + years_between(as_of, day))
                } else {
                    age_years.checked_sub(years_between(day, as_of))
                }
            }
        }
    }

    pub fn is_child_on(&self, day: NaiveDate) -> bool {
        self.age_on(day).is_some_and(|a| a < 18)
    }
}

/// Whole years from `a` to `b` (a ≤ b), birthday-accurate (29 February counts on 1 March
/// in common years).
pub fn years_between(a: NaiveDate, b: NaiveDate) -> u32 {
    if b < a {
        return 0;
    }
    let mut years = b.year() - a.year();
    if (b.month(), b.day()) < (a.month(), a.day()) {
        years -= 1;
    }
    years.max(0) as u32
}

/// One band of a set: a stable code and an inclusive range of whole years.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgeBand {
    pub code: String,
    pub from: u32,
    pub to: Option<u32>,
}

/// The age band sets (`data/age-bands.json`): child/adult, humanitarian, CTDC, five-year.
#[derive(Debug, Clone)]
pub struct AgeBandSets {
    sets: BTreeMap<String, Vec<AgeBand>>,
}

const SHIPPED_BANDS: &str = include_str!("../../../data/age-bands.json");

impl AgeBandSets {
    /// Parses and checks the sets: bands start at 0, follow each other without gaps or
    /// overlaps, and only the last is open-ended.
    pub fn parse(json: &str) -> Result<Self, String> {
        let raw: BTreeMap<String, serde_json::Value> =
            serde_json::from_str(json).map_err(|e| e.to_string())?;
        let mut sets = BTreeMap::new();
        for (name, value) in raw {
            if name.starts_with('_') {
                continue;
            }
            let rows: Vec<(String, u32, Option<u32>)> =
                serde_json::from_value(value).map_err(|e| format!("{name}: {e}"))?;
            let mut next = 0;
            let mut bands = Vec::new();
            for (i, (code, from, to)) in rows.iter().enumerate() {
                if *from != next {
                    return Err(format!(
                        "{name}: band {code} starts at {from}, expected {next}"
                    ));
                }
                match to {
                    Some(t) if t >= from => next = t + 1,
                    None if i + 1 == rows.len() => {}
                    _ => return Err(format!("{name}: band {code} is malformed")),
                }
                bands.push(AgeBand {
                    code: code.clone(),
                    from: *from,
                    to: *to,
                });
            }
            if bands.last().is_none_or(|b| b.to.is_some()) {
                return Err(format!("{name}: the last band must be open-ended"));
            }
            sets.insert(name, bands);
        }
        Ok(Self { sets })
    }

    pub fn shipped() -> Self {
        Self::parse(SHIPPED_BANDS).expect("data/age-bands.json is valid (checked by a unit test)")
    }

    pub fn set_names(&self) -> impl Iterator<Item = &str> {
        self.sets.keys().map(String::as_str)
    }

    pub fn bands(&self, set: &str) -> Option<&[AgeBand]> {
        self.sets.get(set).map(Vec::as_slice)
    }

    /// The band code for an age in a set.
    pub fn band_of(&self, set: &str, age: u32) -> Option<&str> {
        self.sets
            .get(set)?
            .iter()
            .find(|b| age >= b.from && b.to.is_none_or(|t| age <= t))
            .map(|b| b.code.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn ages_from_a_date_of_birth() {
        let b = Birth::date(d(2008, 3, 15), d(2026, 11, 28)).unwrap();
        assert_eq!(b.age_on(d(2026, 3, 14)), Some(17));
        assert_eq!(b.age_on(d(2026, 3, 15)), Some(18));
        assert!(b.is_child_on(d(2026, 3, 14)));
        assert!(!b.is_child_on(d(2026, 3, 15)));
        assert_eq!(b.age_on(d(2000, 1, 1)), None);
        let leap = Birth::date(d(2004, 2, 29), d(2026, 1, 1)).unwrap();
        assert_eq!(leap.age_on(d(2022, 2, 28)), Some(17));
        assert_eq!(leap.age_on(d(2022, 3, 1)), Some(18));
        assert!(Birth::date(d(2030, 1, 1), d(2026, 1, 1)).is_err());
        assert!(Birth::date(d(1880, 1, 1), d(2026, 1, 1)).is_err());
    }

    #[test]
    fn estimated_ages_grow_with_time() {
        let b = Birth::estimated(16, d(2025, 6, 1)).unwrap();
        assert_eq!(b.age_on(d(2025, 6, 1)), Some(16));
        assert_eq!(b.age_on(d(2026, 6, 1)), Some(17));
        assert_eq!(b.age_on(d(2027, 6, 1)), Some(18));
        assert!(Birth::estimated(200, d(2025, 6, 1)).is_err());
    }

    #[test]
    fn shipped_band_sets() {
        let s = AgeBandSets::shipped();
        assert_eq!(s.band_of("child_adult", 17), Some("child"));
        assert_eq!(s.band_of("child_adult", 18), Some("adult"));
        assert_eq!(s.band_of("humanitarian", 60), Some("60+"));
        assert_eq!(s.band_of("ctdc", 8), Some("0-8"));
        assert_eq!(s.band_of("ctdc", 9), Some("9-17"));
        assert_eq!(s.band_of("five_year", 101), Some("65+"));
        assert_eq!(s.band_of("nope", 1), None);
        assert_eq!(s.set_names().count(), 4);
    }

    #[test]
    fn malformed_band_sets_are_refused() {
        assert!(AgeBandSets::parse(r#"{"x": [["a", 1, null]]}"#).is_err());
        assert!(AgeBandSets::parse(r#"{"x": [["a", 0, 5], ["b", 7, null]]}"#).is_err());
        assert!(AgeBandSets::parse(r#"{"x": [["a", 0, 5], ["b", 6, 9]]}"#).is_err());
        assert!(AgeBandSets::parse(r#"{"x": [["a", 0, null], ["b", 6, null]]}"#).is_err());
    }

    #[test]
    fn codes_round_trip() {
        for s in Sex::ALL {
            assert_eq!(Sex::parse(s.as_str()), Ok(s));
        }
        for g in GenderIdentity::ALL {
            assert_eq!(GenderIdentity::parse(g.as_str()), Ok(g));
        }
        assert!(Sex::parse("unknown").is_err());
    }
}

picklist!(
    /// Disability (HTCDS `vic_Disability` broadened to the Washington Group's domains).
    Disability, "disability", "disability", [
    None => ("none", "No"),
    Physical => ("physical", "Yes"),
    Sensory => ("sensory", "Yes"),
    Intellectual => ("intellectual", "Yes"),
    Psychosocial => ("psychosocial", "Yes"),
    Multiple => ("multiple", "Yes"),
    Unknown => ("unknown", "Unknown"),
]);

picklist!(
    /// Highest level of education completed.
    Education, "education", "education", [
    None => ("none", "None"),
    Primary => ("primary", "Primary"),
    Secondary => ("secondary", "Secondary"),
    Vocational => ("vocational", "Vocational"),
    Higher => ("higher", "Higher"),
    Unknown => ("unknown", "Unknown"),
]);

picklist!(
    /// Marital status.
    MaritalStatus, "marital", "marital_status", [
    Single => ("single", "Single"),
    Married => ("married", "Married"),
    Divorced => ("divorced", "Divorced"),
    Widowed => ("widowed", "Widowed"),
    Separated => ("separated", "Separated"),
    Unknown => ("unknown", "Unknown"),
]);

picklist!(
    /// Kinds of identity document.
    DocumentKind, "document", "document_kind", [
    Passport => ("passport", "Passport"),
    NationalId => ("national_id", "NationalId"),
    BirthCertificate => ("birth_certificate", "BirthCertificate"),
    ResidencePermit => ("residence_permit", "ResidencePermit"),
    TravelDocument => ("travel_document", "TravelDocument"),
    Other => ("other", "Other"),
]);

/// A pseudonymous code for a person or a case: `prefix` and eight characters of Crockford
/// base32 taken from `random` (never derived from the name, so it reveals nothing).
pub fn pseudonymous_code(prefix: &str, random: [u8; 5]) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut n = random
        .iter()
        .fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
    let mut chars = [0u8; 8];
    for c in chars.iter_mut().rev() {
        *c = ALPHABET[(n & 31) as usize];
        n >>= 5;
    }
    let s: String = chars.iter().map(|&b| char::from(b)).collect();
    format!("{prefix}-{}-{}", &s[..4], &s[4..])
}

/// Whether `s` has the shape of a pseudonymous code (so that URLs with anything else are
/// refused before any lookup).
pub fn is_pseudonymous_code(prefix: &str, s: &str) -> bool {
    const ALPHABET: &str = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let Some(rest) = s.strip_prefix(prefix).and_then(|r| r.strip_prefix('-')) else {
        return false;
    };
    let parts: Vec<&str> = rest.split('-').collect();
    parts.len() == 2
        && parts
            .iter()
            .all(|p| p.len() == 4 && p.chars().all(|c| ALPHABET.contains(c)))
}

#[cfg(test)]
mod code_tests {
    use super::*;

    #[test]
    fn codes_have_a_stable_shape_and_round_trip_the_check() {
        let c = pseudonymous_code("C", [0, 0, 0, 0, 0]);
        assert_eq!(c, "C-0000-0000");
        let c = pseudonymous_code("C", [255; 5]);
        assert_eq!(c, "C-ZZZZ-ZZZZ");
        assert!(is_pseudonymous_code(
            "C",
            &pseudonymous_code("C", [1, 2, 3, 4, 5])
        ));
        assert!(!is_pseudonymous_code("C", "C-0000-000I"));
        assert!(!is_pseudonymous_code("C", "P-0000-0000"));
        assert!(!is_pseudonymous_code("C", "C-0000"));
        assert!(!is_pseudonymous_code("C", "C-0000-0000-0000"));
    }
}
