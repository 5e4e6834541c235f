//! Households: how people are related and where each member is in migration, so that a
//! child whose parents are abroad is visible as such, together with who cares for them now.

use crate::picklist;
use chrono::NaiveDate;

picklist!(
    /// How a member is related to the person the household is seen from.
    Relation, "relation", "relation", [
    Parent => ("parent", "Parent"),
    Child => ("child", "Child"),
    Spouse => ("spouse", "Spouse"),
    Sibling => ("sibling", "Sibling"),
    Caregiver => ("caregiver", "Caregiver"),
    Other => ("other", "Other"),
]);

/// Where a household member is in migration.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", tag = "situation")]
pub enum MigrationSituation {
    AtHome,
    Abroad {
        /// ISO 3166 alpha-2.
        country: String,
        since: Option<NaiveDate>,
        in_contact: bool,
        sends_remittances: bool,
    },
    Returned {
        on: Option<NaiveDate>,
    },
}

impl MigrationSituation {
    pub fn is_abroad(&self) -> bool {
        matches!(self, MigrationSituation::Abroad { .. })
    }
}

/// One member as the household view sees them, relative to a child.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub relation: Relation,
    pub situation: MigrationSituation,
}

/// What migration means for a child of the household.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeftBehind {
    /// Parents abroad: 0, 1 or 2 (or more, in blended families).
    pub parents_abroad: usize,
    /// Someone at home cares for the child (a parent at home or a caregiver).
    pub has_caregiver_at_home: bool,
    /// No parent abroad keeps contact.
    pub contact_lost: bool,
}

impl LeftBehind {
    /// Both parents abroad and nobody caring for the child at home: flagged high
    /// (reference/vulnerability.md).
    pub fn high_risk(&self) -> bool {
        self.parents_abroad >= 2 && !self.has_caregiver_at_home
    }
}

/// Looks at a child's household members: how many parents are abroad, whether someone
/// cares for the child at home, whether contact with parents abroad has stopped.
pub fn left_behind(members: &[Member]) -> Option<LeftBehind> {
    let parents: Vec<&Member> = members
        .iter()
        .filter(|m| m.relation == Relation::Parent)
        .collect();
    let abroad: Vec<&&Member> = parents.iter().filter(|m| m.situation.is_abroad()).collect();
    if abroad.is_empty() {
        return None;
    }
    let parent_at_home = parents.iter().any(|m| !m.situation.is_abroad());
    let caregiver = members
        .iter()
        .any(|m| m.relation == Relation::Caregiver && !m.situation.is_abroad());
    let contact_lost = abroad.iter().all(|m| {
        matches!(
            m.situation,
            MigrationSituation::Abroad {
                in_contact: false,
                ..
            }
        )
    });
    Some(LeftBehind {
        parents_abroad: abroad.len(),
        has_caregiver_at_home: parent_at_home || caregiver,
        contact_lost,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn abroad(contact: bool) -> MigrationSituation {
        MigrationSituation::Abroad {
            country: "RU".into(),
            since: None,
            in_contact: contact,
            sends_remittances: false,
        }
    }

    fn m(relation: Relation, situation: MigrationSituation) -> Member {
        Member {
            relation,
            situation,
        }
    }

    #[test]
    fn a_child_with_both_parents_abroad_and_no_caregiver_is_high_risk() {
        let lb = left_behind(&[
            m(Relation::Parent, abroad(true)),
            m(Relation::Parent, abroad(false)),
        ])
        .unwrap();
        assert_eq!(lb.parents_abroad, 2);
        assert!(lb.high_risk());
        assert!(!lb.contact_lost);
        let with_grandmother = left_behind(&[
            m(Relation::Parent, abroad(false)),
            m(Relation::Parent, abroad(false)),
            m(Relation::Caregiver, MigrationSituation::AtHome),
        ])
        .unwrap();
        assert!(!with_grandmother.high_risk());
        assert!(with_grandmother.contact_lost);
    }

    #[test]
    fn one_parent_abroad_or_none() {
        let one = left_behind(&[
            m(Relation::Parent, abroad(true)),
            m(Relation::Parent, MigrationSituation::AtHome),
        ])
        .unwrap();
        assert_eq!(one.parents_abroad, 1);
        assert!(one.has_caregiver_at_home && !one.high_risk());
        assert_eq!(
            left_behind(&[m(Relation::Parent, MigrationSituation::AtHome)]),
            None
        );
        assert_eq!(left_behind(&[m(Relation::Sibling, abroad(true))]), None);
    }
}
