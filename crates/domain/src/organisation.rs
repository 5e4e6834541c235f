//! Organisations that use Yoldash: their types and codes.

use crate::Invalid;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationType {
    GovernmentAgency,
    PublicAssociation,
    InternationalOrganisation,
    ServiceProvider,
}

impl OrganisationType {
    pub const ALL: [OrganisationType; 4] = [
        OrganisationType::GovernmentAgency,
        OrganisationType::PublicAssociation,
        OrganisationType::InternationalOrganisation,
        OrganisationType::ServiceProvider,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrganisationType::GovernmentAgency => "government_agency",
            OrganisationType::PublicAssociation => "public_association",
            OrganisationType::InternationalOrganisation => "international_organisation",
            OrganisationType::ServiceProvider => "service_provider",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == s.trim())
            .ok_or(Invalid::new("type", "invalid-organisation-type"))
    }
}

/// An organisation's short code (`MOI`, `NGO-ASHGABAT-1`): upper-case letters, digits, `-` and `_`, 2–32 long.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OrgCode(String);

impl OrgCode {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let s = s.trim().to_ascii_uppercase();
        let ok = (2..=32).contains(&s.len())
            && s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if ok {
            Ok(OrgCode(s))
        } else {
            Err(Invalid::new("code", "invalid-code"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Who would still be able to administer the system after an organisation is deactivated:
/// what `check_deactivation` needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deactivation {
    /// The organisation of whoever asks (`None`: the command line, run on the server).
    pub actor_org: Option<uuid::Uuid>,
    /// The organisation to deactivate.
    pub target: uuid::Uuid,
    /// Whether the target has an active system administrator.
    pub target_has_administrator: bool,
    /// Whether another active organisation has an active system administrator.
    pub administrator_elsewhere: bool,
}

/// The rule for deactivating an organisation, for the pages, the API and the command line
/// alike: nobody deactivates their own organisation (they would lock themself out), and
/// nobody deactivates the last organisation with an active system administrator (nobody
/// could then sign in to undo it; `yoldash org activate` on the server is the way back).
pub fn check_deactivation(d: Deactivation) -> Result<(), Invalid> {
    if d.actor_org == Some(d.target) {
        return Err(Invalid::new("organisation", "cannot-deactivate-own"));
    }
    if d.target_has_administrator && !d.administrator_elsewhere {
        return Err(Invalid::new(
            "organisation",
            "cannot-deactivate-last-administrators",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn deactivation_keeps_an_administrator() {
        use super::{Deactivation, check_deactivation};
        let (own, other) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
        let d = |actor_org, target_has_administrator, administrator_elsewhere| Deactivation {
            actor_org,
            target: other,
            target_has_administrator,
            administrator_elsewhere,
        };
        assert!(check_deactivation(d(Some(own), true, true)).is_ok());
        assert!(check_deactivation(d(None, false, false)).is_ok());
        assert_eq!(
            check_deactivation(Deactivation {
                target: own,
                ..d(Some(own), false, true)
            })
            .unwrap_err()
            .key,
            "cannot-deactivate-own"
        );
        for actor in [Some(own), None] {
            assert_eq!(
                check_deactivation(d(actor, true, false)).unwrap_err().key,
                "cannot-deactivate-last-administrators"
            );
        }
    }

    use super::*;

    #[test]
    fn codes() {
        assert_eq!(OrgCode::parse(" moi ").unwrap().as_str(), "MOI");
        assert!(OrgCode::parse("NGO-1_A").is_ok());
        for bad in ["", "A", "-AB", "A B", "ÄB", &"X".repeat(33)] {
            assert!(OrgCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn types_round_trip() {
        for t in OrganisationType::ALL {
            assert_eq!(OrganisationType::parse(t.as_str()), Ok(t));
        }
        assert!(OrganisationType::parse("club").is_err());
    }
}
