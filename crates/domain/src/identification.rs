//! Identification of trafficking, in the vocabulary of the Human Trafficking Case Data
//! Standard: forms of exploitation, means of control, recruitment, relation to the
//! recruiter, the forced-labour sector.

use crate::picklist;

picklist!(
    /// Forms of exploitation (`vic_TypeOfExploitation`; several per case).
    ExploitationForm, "exploitation", "exploitation", [
    ForcedLabour => ("forced_labour", "ForcedLabour"),
    SexualExploitation => ("sexual_exploitation", "SexualExploitation"),
    ChildLabour => ("child_labour", "ChildLabour"),
    ForcedMarriage => ("forced_marriage", "ForcedMarriage"),
    Servitude => ("servitude", "Servitude"),
    ForcedMilitary => ("forced_military", "ForcedMilitaryByNonStateActors"),
    OrganRemoval => ("organ_removal", "OrganRemoval"),
    ForcedBegging => ("forced_begging", "ForcedBegging"),
    ForcedAdoption => ("forced_adoption", "ForcedAdoption"),
    Surrogacy => ("surrogacy", "Surrogacy"),
    ForcedCriminality => ("forced_criminality", "Other"),
    Other => ("other", "Other"),
]);

impl ExploitationForm {
    /// The group of the UNODC global report, which indicators disaggregate by.
    pub fn unodc_group(self) -> &'static str {
        match self {
            ExploitationForm::SexualExploitation => "sexual_exploitation",
            ExploitationForm::ForcedLabour
            | ExploitationForm::ChildLabour
            | ExploitationForm::Servitude => "forced_labour",
            ExploitationForm::ForcedCriminality => "forced_criminal_activity",
            ExploitationForm::ForcedBegging => "begging",
            ExploitationForm::ForcedMarriage => "forced_marriage",
            ExploitationForm::OrganRemoval => "organ_removal",
            _ => "other_mixed",
        }
    }
}

picklist!(
    /// Means of control (`vic_MethodsOfControl`; several per case).
    ControlMethod, "control", "control", [
    DebtBondage => ("debt_bondage", "DebtBondage"),
    TakesEarnings => ("takes_earnings", "TakesEarnings"),
    RestrictsFinancialAccess => ("restricts_financial_access", "RestrictsFinancialAccess"),
    Threats => ("threats", "Threats"),
    PsychologicalAbuse => ("psychological_abuse", "PsychologicalAbuse"),
    PhysicalAbuse => ("physical_abuse", "PhysicalAbuse"),
    SexualAbuse => ("sexual_abuse", "SexualAbuse"),
    FalsePromises => ("false_promises", "FalsePromises"),
    PsychoactiveSubstances => ("psychoactive_substances", "PsychoactiveSubstances"),
    RestrictsMovement => ("restricts_movement", "RestrictsMovement"),
    RestrictsMedicalCare => ("restricts_medical_care", "RestrictsMedicalCare"),
    ExcessiveWorkingHours => ("excessive_working_hours", "ExcessiveWorkingHours"),
    UsesChildren => ("uses_children", "UsesChildren"),
    ThreatOfLawEnforcement => ("threat_of_law_enforcement", "ThreatOfLawEnforcement"),
    WithholdsNecessities => ("withholds_necessities", "WithholdsNecessities"),
    WithholdsDocuments => ("withholds_documents", "WithholdsDocuments"),
]);

picklist!(
    /// How the person was recruited (`vic_MethodOfRecruitment`).
    RecruitmentMethod, "recruitment", "recruitment_method", [
    JobOffer => ("job_offer", "JobOffer"),
    MarriageOffer => ("marriage_offer", "MarriageOffer"),
    EducationOffer => ("education_offer", "EducationOffer"),
    TravelOffer => ("travel_offer", "TravelOffer"),
    Abduction => ("abduction", "Abduction"),
    SoldByFamily => ("sold_by_family", "SoldByFamily"),
    Romance => ("romance", "PersonalRelationship"),
    OnlineAdvertisement => ("online_advertisement", "OnlineAdvertisement"),
    Other => ("other", "Other"),
]);

picklist!(
    /// Relation to the recruiter (`vic_RelationshipToTrafficker`).
    RecruiterRelation, "recruiter-relation", "recruiter_relation", [
    Familial => ("familial", "Familial"),
    Acquainted => ("acquainted", "Acquainted"),
    Unacquainted => ("unacquainted", "Unacquainted"),
]);

picklist!(
    /// Sector of forced labour: the ISIC Rev. 4 section (`vic_ForcedLabourIndustry`).
    IsicSection, "isic", "forced_labour_sector", [
    A => ("A", "A"), B => ("B", "B"), C => ("C", "C"), D => ("D", "D"), E => ("E", "E"),
    F => ("F", "F"), G => ("G", "G"), H => ("H", "H"), I => ("I", "I"), J => ("J", "J"),
    K => ("K", "K"), L => ("L", "L"), M => ("M", "M"), N => ("N", "N"), O => ("O", "O"),
    P => ("P", "P"), Q => ("Q", "Q"), R => ("R", "R"), S => ("S", "S"), T => ("T", "T"),
    U => ("U", "U"),
]);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixteen_means_of_control_and_stable_codes() {
        assert_eq!(ControlMethod::ALL.len(), 16);
        assert_eq!(IsicSection::ALL.len(), 21);
        for v in ExploitationForm::ALL {
            assert_eq!(ExploitationForm::parse(v.code()), Ok(*v));
        }
        assert_eq!(
            ExploitationForm::ForcedMilitary.htcds(),
            "ForcedMilitaryByNonStateActors"
        );
        assert_eq!(
            ExploitationForm::SexualExploitation.label_key(),
            "exploitation-sexual_exploitation"
        );
        assert!(ControlMethod::parse("unknown").is_err());
    }

    #[test]
    fn several_values_parse_in_order_without_duplicates() {
        let v = ExploitationForm::parse_many(["forced_begging", "forced_labour", "forced_begging"])
            .unwrap();
        assert_eq!(
            v,
            vec![
                ExploitationForm::ForcedLabour,
                ExploitationForm::ForcedBegging
            ]
        );
        assert!(ExploitationForm::parse_many(["forced_labour", "bogus"]).is_err());
    }

    #[test]
    fn unodc_groups() {
        assert_eq!(ExploitationForm::ChildLabour.unodc_group(), "forced_labour");
        assert_eq!(ExploitationForm::Surrogacy.unodc_group(), "other_mixed");
    }
}
