//! Cases of the National Referral Mechanism: their type, the status workflow and its
//! allowed transitions, the risk level.

use crate::Invalid;
use serde::{Deserialize, Serialize};

/// What kind of case. "Identified victim" is never chosen by hand: it follows from an
/// identification that found the person to be a victim (`CaseType::effective`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseType {
    PresumedVictim,
    IdentifiedVictim,
    VulnerableMigrant,
    ReturningMigrant,
    AffectedFamilyMember,
}

impl CaseType {
    pub const ALL: [CaseType; 5] = [
        CaseType::PresumedVictim,
        CaseType::IdentifiedVictim,
        CaseType::VulnerableMigrant,
        CaseType::ReturningMigrant,
        CaseType::AffectedFamilyMember,
    ];

    /// The types a person may choose when registering or editing a case.
    pub const CHOOSABLE: [CaseType; 4] = [
        CaseType::PresumedVictim,
        CaseType::VulnerableMigrant,
        CaseType::ReturningMigrant,
        CaseType::AffectedFamilyMember,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseType::PresumedVictim => "presumed_victim",
            CaseType::IdentifiedVictim => "identified_victim",
            CaseType::VulnerableMigrant => "vulnerable_migrant",
            CaseType::ReturningMigrant => "returning_migrant",
            CaseType::AffectedFamilyMember => "affected_family_member",
        }
    }

    /// Parses a type a person chose: "identified victim" is refused here.
    pub fn parse_choice(s: &str) -> Result<CaseType, Invalid> {
        CaseType::CHOOSABLE
            .into_iter()
            .find(|t| t.as_str() == s.trim())
            .ok_or(Invalid::new("case_type", "invalid-case-type"))
    }

    /// Parses any stored type.
    pub fn parse(s: &str) -> Result<CaseType, Invalid> {
        CaseType::ALL
            .into_iter()
            .find(|t| t.as_str() == s.trim())
            .ok_or(Invalid::new("case_type", "invalid-case-type"))
    }

    /// The type a case has given the latest identification: an actual victim is an
    /// identified victim; a case identified as not a victim (or not yet) keeps its chosen
    /// type, and a former "identified victim" whose identification was revised goes back
    /// to "presumed victim".
    pub fn effective(chosen: CaseType, status: Option<TraffickingStatus>) -> CaseType {
        match (status, chosen) {
            (Some(TraffickingStatus::Actual), _) => CaseType::IdentifiedVictim,
            (_, CaseType::IdentifiedVictim) => CaseType::PresumedVictim,
            (_, other) => other,
        }
    }
}

/// The outcome of identification (HTCDS `vic_TraffickingStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TraffickingStatus {
    Possible,
    Actual,
    NotAVictim,
}

impl TraffickingStatus {
    pub const ALL: [TraffickingStatus; 3] = [
        TraffickingStatus::Possible,
        TraffickingStatus::Actual,
        TraffickingStatus::NotAVictim,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TraffickingStatus::Possible => "possible",
            TraffickingStatus::Actual => "actual",
            TraffickingStatus::NotAVictim => "not_a_victim",
        }
    }

    pub fn htcds(self) -> &'static str {
        match self {
            TraffickingStatus::Possible => "Possible",
            TraffickingStatus::Actual => "Actual",
            TraffickingStatus::NotAVictim => "NotAVictim",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == s.trim())
            .ok_or(Invalid::new(
                "trafficking_status",
                "invalid-trafficking-status",
            ))
    }
}

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    Registered,
    Assessed,
    PlanApproved,
    InAssistance,
    Closed,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 5] = [
        CaseStatus::Registered,
        CaseStatus::Assessed,
        CaseStatus::PlanApproved,
        CaseStatus::InAssistance,
        CaseStatus::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Registered => "registered",
            CaseStatus::Assessed => "assessed",
            CaseStatus::PlanApproved => "plan_approved",
            CaseStatus::InAssistance => "in_assistance",
            CaseStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == s.trim())
            .ok_or(Invalid::new("status", "invalid-status"))
    }
}

/// What a status change carries beyond the target status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransitionRequest {
    /// For closure: the closure reason code (from the `closure_reason` reference list).
    pub closure_reason: Option<String>,
    /// For closure: whether a supervisor approves it (the acting supervisor, or a recorded approval).
    pub supervisor_approval: bool,
}

/// Why a status change is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("this status change is not allowed")]
    NotAllowed,
    #[error("closing a case needs a reason")]
    ReasonRequired,
    #[error("closing a case needs a supervisor's approval")]
    ApprovalRequired,
}

impl TransitionError {
    pub fn message_key(self) -> &'static str {
        match self {
            TransitionError::NotAllowed => "transition-not-allowed",
            TransitionError::ReasonRequired => "closure-reason-required",
            TransitionError::ApprovalRequired => "closure-approval-required",
        }
    }
}

/// The workflow: registered → assessed → plan approved → in assistance; closure from any
/// open state with a reason and a supervisor's approval; reopening a closed case returns it
/// to assessed.
pub fn check_transition(
    from: CaseStatus,
    to: CaseStatus,
    req: &TransitionRequest,
) -> Result<(), TransitionError> {
    use CaseStatus::*;
    let allowed = matches!(
        (from, to),
        (Registered, Assessed)
            | (Assessed, PlanApproved)
            | (PlanApproved, InAssistance)
            | (Closed, Assessed)
    ) || (to == Closed && from != Closed);
    if !allowed {
        return Err(TransitionError::NotAllowed);
    }
    if to == Closed {
        if req
            .closure_reason
            .as_deref()
            .is_none_or(|r| r.trim().is_empty())
        {
            return Err(TransitionError::ReasonRequired);
        }
        if !req.supervisor_approval {
            return Err(TransitionError::ApprovalRequired);
        }
    }
    Ok(())
}

/// The next statuses offered from `from` (for the case page's buttons).
pub fn next_statuses(from: CaseStatus) -> Vec<CaseStatus> {
    let probe = TransitionRequest {
        closure_reason: Some("x".into()),
        supervisor_approval: true,
    };
    CaseStatus::ALL
        .into_iter()
        .filter(|to| check_transition(from, *to, &probe).is_ok())
        .collect()
}

/// Risk level of a case.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    Low,
    Medium,
    High,
}

impl RiskLevel {
    pub const ALL: [RiskLevel; 3] = [RiskLevel::Low, RiskLevel::Medium, RiskLevel::High];

    pub fn as_str(self) -> &'static str {
        match self {
            RiskLevel::Low => "low",
            RiskLevel::Medium => "medium",
            RiskLevel::High => "high",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == s.trim())
            .ok_or(Invalid::new("risk", "invalid-risk"))
    }
}

/// Who works a case and how it is protected: what decides who sees it and its household.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Protection {
    pub assigned_worker: Option<uuid::Uuid>,
    /// Only the assigned worker and the organisation's supervisors see the case.
    pub restricted: bool,
    /// A family member is implicated: the household is for the assigned worker only.
    pub family_implicated: bool,
}

/// A change to a case's protection that is a supervisor's decision (the `case.supervise`
/// permission): each one widens who sees the case or its household, so the worker who
/// holds the case cannot make it alone. Setting a protection is not one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SupervisorDecision {
    /// Another worker (or none) is assigned.
    Reassign,
    LiftRestricted,
    LiftFamilyImplicated,
}

impl SupervisorDecision {
    pub fn as_str(self) -> &'static str {
        match self {
            SupervisorDecision::Reassign => "reassign",
            SupervisorDecision::LiftRestricted => "lift_restricted",
            SupervisorDecision::LiftFamilyImplicated => "lift_family_implicated",
        }
    }
}

impl Protection {
    /// The supervisor decisions a change from `self` to `to` contains (none: anyone who
    /// manages the case may make it).
    pub fn decisions_to(&self, to: &Protection) -> Vec<SupervisorDecision> {
        let mut out = Vec::new();
        if to.assigned_worker != self.assigned_worker {
            out.push(SupervisorDecision::Reassign);
        }
        if self.restricted && !to.restricted {
            out.push(SupervisorDecision::LiftRestricted);
        }
        if self.family_implicated && !to.family_implicated {
            out.push(SupervisorDecision::LiftFamilyImplicated);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifting_a_protection_or_reassigning_is_a_supervisor_decision() {
        use SupervisorDecision::*;
        let worker = Some(uuid::Uuid::from_u128(1));
        let other = Some(uuid::Uuid::from_u128(2));
        let p = |assigned_worker, restricted, family_implicated| Protection {
            assigned_worker,
            restricted,
            family_implicated,
        };
        let open = p(worker, false, false);
        let shut = p(worker, true, true);
        assert!(open.decisions_to(&open).is_empty());
        assert!(open.decisions_to(&shut).is_empty(), "setting is not one");
        assert_eq!(
            shut.decisions_to(&open),
            vec![LiftRestricted, LiftFamilyImplicated]
        );
        assert_eq!(open.decisions_to(&p(other, false, false)), vec![Reassign]);
        assert_eq!(open.decisions_to(&p(None, false, false)), vec![Reassign]);
        assert_eq!(p(None, false, false).decisions_to(&open), vec![Reassign]);
    }
    use CaseStatus::*;

    fn close(reason: Option<&str>, approved: bool) -> TransitionRequest {
        TransitionRequest {
            closure_reason: reason.map(Into::into),
            supervisor_approval: approved,
        }
    }

    #[test]
    fn the_main_path_and_reopening() {
        let none = TransitionRequest::default();
        assert_eq!(check_transition(Registered, Assessed, &none), Ok(()));
        assert_eq!(check_transition(Assessed, PlanApproved, &none), Ok(()));
        assert_eq!(check_transition(PlanApproved, InAssistance, &none), Ok(()));
        assert_eq!(check_transition(Closed, Assessed, &none), Ok(()));
    }

    #[test]
    fn forbidden_transitions() {
        let none = TransitionRequest::default();
        for (from, to) in [
            (Registered, PlanApproved),
            (Registered, InAssistance),
            (Assessed, Registered),
            (InAssistance, Assessed),
            (Closed, InAssistance),
            (Closed, Registered),
            (Registered, Registered),
        ] {
            assert_eq!(
                check_transition(from, to, &none),
                Err(TransitionError::NotAllowed),
                "{from:?} → {to:?}"
            );
        }
        assert_eq!(
            check_transition(Closed, Closed, &close(Some("x"), true)),
            Err(TransitionError::NotAllowed)
        );
    }

    #[test]
    fn closure_needs_reason_and_approval_from_any_open_state() {
        for from in [Registered, Assessed, PlanApproved, InAssistance] {
            assert_eq!(
                check_transition(from, Closed, &close(None, true)),
                Err(TransitionError::ReasonRequired)
            );
            assert_eq!(
                check_transition(from, Closed, &close(Some(" "), true)),
                Err(TransitionError::ReasonRequired)
            );
            assert_eq!(
                check_transition(from, Closed, &close(Some("not_a_victim"), false)),
                Err(TransitionError::ApprovalRequired)
            );
            assert_eq!(
                check_transition(from, Closed, &close(Some("not_a_victim"), true)),
                Ok(())
            );
        }
        assert_eq!(next_statuses(Registered), vec![Assessed, Closed]);
        assert_eq!(next_statuses(Closed), vec![Assessed]);
    }

    #[test]
    fn identified_victim_follows_from_identification() {
        use TraffickingStatus::*;
        assert_eq!(
            CaseType::effective(CaseType::PresumedVictim, Some(Actual)),
            CaseType::IdentifiedVictim
        );
        assert_eq!(
            CaseType::effective(CaseType::VulnerableMigrant, Some(Actual)),
            CaseType::IdentifiedVictim
        );
        assert_eq!(
            CaseType::effective(CaseType::IdentifiedVictim, Some(NotAVictim)),
            CaseType::PresumedVictim
        );
        assert_eq!(
            CaseType::effective(CaseType::ReturningMigrant, Some(Possible)),
            CaseType::ReturningMigrant
        );
        assert_eq!(
            CaseType::effective(CaseType::ReturningMigrant, None),
            CaseType::ReturningMigrant
        );
        assert!(CaseType::parse_choice("identified_victim").is_err());
        assert!(CaseType::parse("identified_victim").is_ok());
    }
}
