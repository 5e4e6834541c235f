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

#[cfg(test)]
mod tests {
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
