//! Awards (khen thưởng) and replication links (nhân rộng).

use serde::{Deserialize, Serialize};

use crate::{
    date::Date,
    ids::{AwardId, ModelId, ReplicationId, UnitId},
    validation::{FieldErrors, Problem},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AwardKind {
    /// Kỷ niệm chương "Vì sự nghiệp Dân vận".
    CommemorativeMedal,
    /// Giấy khen.
    CertificateOfMerit,
    /// Bằng khen.
    DiplomaOfMerit,
    Other,
}

impl AwardKind {
    pub const ALL: [AwardKind; 4] = [
        AwardKind::CommemorativeMedal,
        AwardKind::CertificateOfMerit,
        AwardKind::DiplomaOfMerit,
        AwardKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AwardKind::CommemorativeMedal => "commemorative_medal",
            AwardKind::CertificateOfMerit => "certificate_of_merit",
            AwardKind::DiplomaOfMerit => "diploma_of_merit",
            AwardKind::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<AwardKind> {
        AwardKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            AwardKind::CommemorativeMedal => "Kỷ niệm chương “Vì sự nghiệp Dân vận”",
            AwardKind::CertificateOfMerit => "Giấy khen",
            AwardKind::DiplomaOfMerit => "Bằng khen",
            AwardKind::Other => "Hình thức khác",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            AwardKind::CommemorativeMedal => {
                "Commemorative medal “For the cause of mass mobilisation”"
            }
            AwardKind::CertificateOfMerit => "Certificate of merit",
            AwardKind::DiplomaOfMerit => "Diploma of merit",
            AwardKind::Other => "Other",
        }
    }
}

/// Who receives an award.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RecipientType {
    /// Tập thể: a unit.
    Collective,
    /// Cá nhân.
    Individual,
}

impl RecipientType {
    pub fn as_str(self) -> &'static str {
        match self {
            RecipientType::Collective => "collective",
            RecipientType::Individual => "individual",
        }
    }

    pub fn parse(text: &str) -> Option<RecipientType> {
        [RecipientType::Collective, RecipientType::Individual]
            .into_iter()
            .find(|r| r.as_str() == text)
    }
}

/// Proposals (đề nghị) come before decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AwardStage {
    Proposed,
    Decided,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Award {
    pub id: AwardId,
    pub kind: AwardKind,
    /// The award's wording, e.g. "Giấy khen của Ban Thường vụ Thị ủy".
    pub title: String,
    /// Level, e.g. "Thị ủy", "Tỉnh ủy", "Trung ương".
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub issuing_body: String,
    pub year: u16,
    pub recipient_type: RecipientType,
    /// The unit receiving it (collective), or the unit of the person (individual).
    pub unit_id: UnitId,
    /// The person, for an individual award.
    #[serde(default)]
    pub recipient_name: Option<String>,
    #[serde(default)]
    pub model_id: Option<ModelId>,
    #[serde(default)]
    pub decision_number: Option<String>,
    #[serde(default)]
    pub decision_date: Option<Date>,
    pub stage: AwardStage,
}

impl Award {
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::default();
        errors.text("title", &self.title, 300, true);
        errors.text("level", &self.level, 120, false);
        errors.text("issuing_body", &self.issuing_body, 200, false);
        if !(crate::model::YEAR_MIN..=crate::model::YEAR_MAX).contains(&self.year) {
            errors.add("year", Problem::OutOfRange);
        }
        match self.recipient_type {
            RecipientType::Individual => {
                errors.opt_text("recipient_name", &self.recipient_name, 120, true)
            }
            RecipientType::Collective => {
                if self.recipient_name.is_some() {
                    errors.add("recipient_name", Problem::NotAllowed);
                }
            }
        }
        errors.opt_text("decision_number", &self.decision_number, 60, false);
        if self.stage == AwardStage::Decided {
            errors.opt_text("decision_number", &self.decision_number, 60, true);
            if self.decision_date.is_none() {
                errors.add("decision_date", Problem::Required);
            }
        }
        errors.into_result()
    }
}

/// A model adopted by another unit; the adopted copy may be a model of its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Replication {
    pub id: ReplicationId,
    pub source_model_id: ModelId,
    pub adopting_unit_id: UnitId,
    pub date: Date,
    #[serde(default)]
    pub adopted_model_id: Option<ModelId>,
    #[serde(default)]
    pub notes: String,
}

impl Replication {
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::default();
        errors.text("notes", &self.notes, 2_000, false);
        if self.adopted_model_id == Some(self.source_model_id) {
            errors.add("adopted_model_id", Problem::InvalidChoice);
        }
        errors.into_result()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn award() -> Award {
        Award {
            id: AwardId::new(),
            kind: AwardKind::CertificateOfMerit,
            title: "Giấy khen của Ban Thường vụ Thị ủy".into(),
            level: "Thị ủy".into(),
            issuing_body: "Ban Thường vụ Thị ủy Điện Bàn".into(),
            year: 2020,
            recipient_type: RecipientType::Collective,
            unit_id: UnitId::new(),
            recipient_name: None,
            model_id: None,
            decision_number: None,
            decision_date: None,
            stage: AwardStage::Proposed,
        }
    }

    #[test]
    fn a_decision_needs_its_number_and_date_and_a_person_needs_a_name() {
        assert_eq!(award().validate(), Ok(()));
        let mut decided = award();
        decided.stage = AwardStage::Decided;
        let errors = decided.validate().unwrap_err();
        assert_eq!(errors.get("decision_number"), Some(Problem::Required));
        assert_eq!(errors.get("decision_date"), Some(Problem::Required));
        let mut person = award();
        person.recipient_type = RecipientType::Individual;
        assert_eq!(
            person.validate().unwrap_err().get("recipient_name"),
            Some(Problem::Required)
        );
    }
}
