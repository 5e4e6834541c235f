//! Informed consent, per purpose, and the one rule that later capabilities ask:
//! "may this case be used for purpose P (with organisation X) now?"

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a consent is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// Receiving assistance from the organisation that holds the case.
    Assistance,
    /// Sharing the case with one named organisation (e.g. for a referral).
    Sharing,
    /// Use of the data, de-identified, in statistics.
    Statistics,
}

impl Purpose {
    pub const ALL: [Purpose; 3] = [Purpose::Assistance, Purpose::Sharing, Purpose::Statistics];

    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Assistance => "assistance",
            Purpose::Sharing => "sharing",
            Purpose::Statistics => "statistics",
        }
    }

    pub fn parse(s: &str) -> Result<Self, crate::Invalid> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == s.trim())
            .ok_or(crate::Invalid::new("purpose", "invalid-purpose"))
    }
}

/// How the consent was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConsentForm {
    Written,
    OralWithWitness,
}

/// Who gave it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GivenBy {
    /// The person themself.
    Person,
    Parent,
    Guardian,
    /// Another legal representative.
    Representative,
}

impl GivenBy {
    /// A parent, guardian or legal representative: whose consent a child's case needs.
    pub fn is_representative(self) -> bool {
        !matches!(self, GivenBy::Person)
    }
}

/// One recorded consent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub purpose: Purpose,
    /// For `Sharing`: the organisation it names.
    pub organisation: Option<Uuid>,
    pub given_at: DateTime<Utc>,
    pub form: ConsentForm,
    pub given_by: GivenBy,
    pub withdrawn_at: Option<DateTime<Utc>>,
}

/// The answer, with the reason when it is no.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentDecision {
    Allowed,
    /// No consent for this purpose (and organisation) was ever recorded, or it was given later.
    NoConsent,
    /// There was one, but it was withdrawn.
    Withdrawn,
    /// The person is a child: only the child's own consent is recorded, without a
    /// parent's, guardian's or representative's.
    RepresentativeRequired,
}

impl ConsentDecision {
    pub fn allowed(self) -> bool {
        self == ConsentDecision::Allowed
    }

    pub fn message_key(self) -> &'static str {
        match self {
            ConsentDecision::Allowed => "consent-allowed",
            ConsentDecision::NoConsent => "consent-missing",
            ConsentDecision::Withdrawn => "consent-withdrawn",
            ConsentDecision::RepresentativeRequired => "consent-representative-required",
        }
    }
}

/// May the case be used for `purpose` (for `Sharing`: with `organisation`) at `at`?
/// `is_child` is whether the person is under 18 at `at`. A consent counts when it was given
/// at or before `at`, for the purpose (and, for sharing, for that very organisation), and
/// not withdrawn by then; for a child, only a consent given by a parent, guardian or
/// representative counts (the child's own view is recorded but is not enough on its own).
pub fn may_use(
    consents: &[Consent],
    is_child: bool,
    purpose: Purpose,
    organisation: Option<Uuid>,
    at: DateTime<Utc>,
) -> ConsentDecision {
    let relevant: Vec<&Consent> = consents
        .iter()
        .filter(|c| c.purpose == purpose && c.given_at <= at)
        .filter(|c| {
            purpose != Purpose::Sharing
                || (c.organisation.is_some() && c.organisation == organisation)
        })
        .collect();
    let live: Vec<&&Consent> = relevant
        .iter()
        .filter(|c| c.withdrawn_at.is_none_or(|w| w > at))
        .collect();
    if live.is_empty() {
        return if relevant.is_empty() {
            ConsentDecision::NoConsent
        } else {
            ConsentDecision::Withdrawn
        };
    }
    if is_child && !live.iter().any(|c| c.given_by.is_representative()) {
        return ConsentDecision::RepresentativeRequired;
    }
    ConsentDecision::Allowed
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, day, 12, 0, 0).unwrap()
    }

    fn consent(
        purpose: Purpose,
        org: Option<Uuid>,
        given: u32,
        by: GivenBy,
        withdrawn: Option<u32>,
    ) -> Consent {
        Consent {
            purpose,
            organisation: org,
            given_at: t(given),
            form: ConsentForm::Written,
            given_by: by,
            withdrawn_at: withdrawn.map(t),
        }
    }

    #[test]
    fn purposes_and_organisations_are_separate() {
        let shelter = Uuid::now_v7();
        let clinic = Uuid::now_v7();
        let cs = vec![
            consent(Purpose::Assistance, None, 1, GivenBy::Person, None),
            consent(Purpose::Sharing, Some(shelter), 2, GivenBy::Person, None),
        ];
        assert!(may_use(&cs, false, Purpose::Assistance, None, t(5)).allowed());
        assert!(may_use(&cs, false, Purpose::Sharing, Some(shelter), t(5)).allowed());
        assert_eq!(
            may_use(&cs, false, Purpose::Sharing, Some(clinic), t(5)),
            ConsentDecision::NoConsent
        );
        assert_eq!(
            may_use(&cs, false, Purpose::Sharing, None, t(5)),
            ConsentDecision::NoConsent
        );
        assert_eq!(
            may_use(&cs, false, Purpose::Statistics, None, t(5)),
            ConsentDecision::NoConsent
        );
        // Not before it was given.
        assert_eq!(
            may_use(&cs, false, Purpose::Sharing, Some(shelter), t(1)),
            ConsentDecision::NoConsent
        );
    }

    #[test]
    fn withdrawal_applies_from_its_date() {
        let org = Uuid::now_v7();
        let cs = vec![consent(
            Purpose::Sharing,
            Some(org),
            1,
            GivenBy::Person,
            Some(10),
        )];
        assert!(may_use(&cs, false, Purpose::Sharing, Some(org), t(9)).allowed());
        assert_eq!(
            may_use(&cs, false, Purpose::Sharing, Some(org), t(10)),
            ConsentDecision::Withdrawn
        );
        // Given again after the withdrawal.
        let mut again = cs.clone();
        again.push(consent(
            Purpose::Sharing,
            Some(org),
            12,
            GivenBy::Person,
            None,
        ));
        assert_eq!(
            may_use(&again, false, Purpose::Sharing, Some(org), t(11)),
            ConsentDecision::Withdrawn
        );
        assert!(may_use(&again, false, Purpose::Sharing, Some(org), t(12)).allowed());
    }

    #[test]
    fn a_child_needs_a_representatives_consent() {
        let own = vec![consent(Purpose::Assistance, None, 1, GivenBy::Person, None)];
        assert_eq!(
            may_use(&own, true, Purpose::Assistance, None, t(5)),
            ConsentDecision::RepresentativeRequired
        );
        assert!(may_use(&own, false, Purpose::Assistance, None, t(5)).allowed());
        let mut with_parent = own.clone();
        with_parent.push(consent(
            Purpose::Assistance,
            None,
            2,
            GivenBy::Guardian,
            None,
        ));
        assert!(may_use(&with_parent, true, Purpose::Assistance, None, t(5)).allowed());
        // The representative's consent withdrawn: the child's own is not enough again.
        with_parent[1].withdrawn_at = Some(t(4));
        assert_eq!(
            may_use(&with_parent, true, Purpose::Assistance, None, t(5)),
            ConsentDecision::RepresentativeRequired
        );
    }
}
