//! Commendation (khen thưởng): a proposal (đề nghị) made by a unit or the Board, reviewed by
//! the Board and decided by the level that gives the award. One record carries it from proposal
//! to decision; a decided one is an award of the register.
//!
//! The duplicate guard lives here so the tablet that writes a proposal and the server that
//! decides it apply the same rule: the commemorative medal once in a person's life, one award
//! of a kind per recipient and year. People are matched by their name with diacritics and
//! spacing folded, their birth year and their unit; a likely match is shown, never merged.

use serde::{Deserialize, Serialize};

use crate::{
    date::Date,
    ids::{AwardId, ModelId, UnitId, UserId},
    user::Role,
    validation::{FieldErrors, Problem},
};

/// A form of commendation. The list is data: each form says who decides it and whom it goes to.
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
        AwardKind::DiplomaOfMerit,
        AwardKind::CertificateOfMerit,
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

    /// The level that decides this form, as the proposal form suggests it (the Board may
    /// record another one with the decision).
    pub fn decided_by_vi(self) -> &'static str {
        match self {
            AwardKind::CommemorativeMedal => "Ban Dân vận Trung ương",
            AwardKind::DiplomaOfMerit => "Tỉnh ủy, Ủy ban nhân dân tỉnh",
            AwardKind::CertificateOfMerit => "Thị ủy, huyện ủy, Ủy ban nhân dân cấp huyện",
            AwardKind::Other => "Cấp có thẩm quyền",
        }
    }

    pub fn decided_by_en(self) -> &'static str {
        match self {
            AwardKind::CommemorativeMedal => "Central Mass Mobilisation Commission",
            AwardKind::DiplomaOfMerit => "Provincial Party Committee or People's Committee",
            AwardKind::CertificateOfMerit => {
                "Town or district Party Committee or People's Committee"
            }
            AwardKind::Other => "The competent level",
        }
    }

    /// Given to a person once in their life (the commemorative medal).
    pub fn once_in_lifetime(self) -> bool {
        self == AwardKind::CommemorativeMedal
    }

    /// Whether this form may go to this kind of recipient: the medal honours people only.
    pub fn allows(self, recipient: RecipientType) -> bool {
        !(self == AwardKind::CommemorativeMedal && recipient == RecipientType::Collective)
    }
}

/// Who receives an award.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RecipientType {
    /// Tập thể: a unit, or a body within it.
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

/// Where a proposal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AwardStatus {
    /// Being written; not yet sent to the Board.
    Draft,
    /// Sent to the Board.
    Proposed,
    /// The Board sent it back with a comment.
    Returned,
    /// The Board agrees; the decision is awaited.
    Approved,
    /// The Board refused it, with a reason. Locked.
    Refused,
    /// Decided: an award of the register. Locked.
    Decided,
}

impl AwardStatus {
    pub const ALL: [AwardStatus; 6] = [
        AwardStatus::Draft,
        AwardStatus::Proposed,
        AwardStatus::Returned,
        AwardStatus::Approved,
        AwardStatus::Refused,
        AwardStatus::Decided,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AwardStatus::Draft => "draft",
            AwardStatus::Proposed => "proposed",
            AwardStatus::Returned => "returned",
            AwardStatus::Approved => "approved",
            AwardStatus::Refused => "refused",
            AwardStatus::Decided => "decided",
        }
    }

    pub fn parse(text: &str) -> Option<AwardStatus> {
        AwardStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            AwardStatus::Draft => "Bản nháp",
            AwardStatus::Proposed => "Đã gửi đề nghị",
            AwardStatus::Returned => "Trả lại để bổ sung",
            AwardStatus::Approved => "Ban đã thống nhất, chờ quyết định",
            AwardStatus::Refused => "Không đề nghị",
            AwardStatus::Decided => "Đã có quyết định",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            AwardStatus::Draft => "Draft",
            AwardStatus::Proposed => "Proposed",
            AwardStatus::Returned => "Returned for more information",
            AwardStatus::Approved => "Agreed by the Board, awaiting the decision",
            AwardStatus::Refused => "Refused",
            AwardStatus::Decided => "Decided",
        }
    }

    /// Decided and refused proposals change only by being reopened.
    pub fn locked(self) -> bool {
        matches!(self, AwardStatus::Refused | AwardStatus::Decided)
    }

    /// Whether the proposer (not the Board) may still change what it says.
    pub fn open_to_proposer(self) -> bool {
        matches!(self, AwardStatus::Draft | AwardStatus::Returned)
    }
}

/// A move of a proposal, `award.<name>` through sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AwardAction {
    /// The proposer sends it to the Board.
    Submit,
    /// The Board agrees.
    Approve,
    /// The Board sends it back with a comment.
    Return,
    /// The Board refuses it with a reason.
    Refuse,
    /// The Board records the decision (number, date, signer, level).
    Decide,
    /// The Board reopens a decided or refused proposal, with a reason.
    Reopen,
}

impl AwardAction {
    pub const ALL: [AwardAction; 6] = [
        AwardAction::Submit,
        AwardAction::Approve,
        AwardAction::Return,
        AwardAction::Refuse,
        AwardAction::Decide,
        AwardAction::Reopen,
    ];

    pub fn to(self) -> AwardStatus {
        match self {
            AwardAction::Submit | AwardAction::Reopen => AwardStatus::Proposed,
            AwardAction::Approve => AwardStatus::Approved,
            AwardAction::Return => AwardStatus::Returned,
            AwardAction::Refuse => AwardStatus::Refused,
            AwardAction::Decide => AwardStatus::Decided,
        }
    }

    fn from(self) -> &'static [AwardStatus] {
        use AwardStatus::*;
        match self {
            AwardAction::Submit => &[Draft, Returned],
            AwardAction::Approve => &[Proposed],
            AwardAction::Return | AwardAction::Refuse => &[Proposed, Approved],
            AwardAction::Decide => &[Approved],
            AwardAction::Reopen => &[Refused, Decided],
        }
    }

    /// Registrars propose for their units; everything after the proposal is the Board's.
    pub fn allowed(self, role: Role) -> bool {
        match self {
            AwardAction::Submit => role.reviews() || role == Role::Registrar,
            _ => role.reviews(),
        }
    }

    /// The status this move leads to from `status`, or why it cannot be made.
    pub fn apply(self, status: AwardStatus, role: Role) -> Result<AwardStatus, AwardError> {
        if !self.allowed(role) {
            return Err(AwardError::RoleNotAllowed);
        }
        if !self.from().contains(&status) {
            return Err(if status.locked() {
                AwardError::Locked
            } else {
                AwardError::WrongStatus
            });
        }
        Ok(self.to())
    }
}

/// Why a move of a proposal cannot be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AwardError {
    #[error("this role may not make this move")]
    RoleNotAllowed,
    #[error("the proposal is not in a status this move starts from")]
    WrongStatus,
    #[error("the proposal is decided or refused: reopen it first")]
    Locked,
}

impl AwardError {
    pub fn code(self) -> &'static str {
        match self {
            AwardError::RoleNotAllowed => "role_not_allowed",
            AwardError::WrongStatus => "wrong_status",
            AwardError::Locked => "locked",
        }
    }

    pub fn message_vi(self) -> &'static str {
        match self {
            AwardError::RoleNotAllowed => "Vai trò của bạn không được thực hiện thao tác này.",
            AwardError::WrongStatus => {
                "Đề nghị đang ở trạng thái không cho phép thao tác này; hãy đồng bộ để xem trạng thái mới nhất."
            }
            AwardError::Locked => {
                "Đề nghị đã có quyết định hoặc đã bị từ chối nên không sửa được; Ban Dân vận cần mở lại trước."
            }
        }
    }

    pub fn message_en(self) -> &'static str {
        match self {
            AwardError::RoleNotAllowed => "Your role may not do this.",
            AwardError::WrongStatus => {
                "The proposal is in a status that does not allow this; sync to see its latest status."
            }
            AwardError::Locked => {
                "The proposal is decided or refused and cannot change; the Board must reopen it first."
            }
        }
    }
}

/// A proposal for a commendation, and once decided, the award.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Award {
    pub id: AwardId,
    pub kind: AwardKind,
    /// The award's wording, e.g. "Giấy khen của Ban Thường vụ Thị ủy".
    #[serde(default)]
    pub title: String,
    /// The level that decides it, e.g. "Thị ủy"; the decision's level once decided.
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub issuing_body: String,
    pub year: u16,
    pub recipient_type: RecipientType,
    /// The unit receiving it (collective), or the unit of the person (individual): whose people
    /// see the proposal.
    pub unit_id: UnitId,
    /// The person, for an individual; a body within the unit for a collective (e.g. "Chi hội
    /// Phụ nữ thôn 3"), none when the unit itself receives it.
    #[serde(default)]
    pub recipient_name: Option<String>,
    #[serde(default)]
    pub birth_year: Option<u16>,
    /// The person's position, e.g. "Chủ tịch Hội Nông dân xã".
    #[serde(default)]
    pub position: String,
    /// The models that justify it.
    #[serde(default)]
    pub model_ids: Vec<ModelId>,
    #[serde(default)]
    pub reason: String,
    /// Scanned reports or decisions (PDF or images), by content hash as photos are uploaded.
    #[serde(default)]
    pub attachments: Vec<String>,
    pub status: AwardStatus,
    /// Who proposed it (set by the server).
    #[serde(default)]
    pub proposed_by: Option<UserId>,
    /// The Board's comment when it returned it, or its reason when it refused or reopened it.
    #[serde(default)]
    pub review_comment: Option<String>,
    #[serde(default)]
    pub decision_number: Option<String>,
    #[serde(default)]
    pub decision_date: Option<Date>,
    #[serde(default)]
    pub signer: Option<String>,
    /// Why the Board decided it although it repeats an earlier award.
    #[serde(default)]
    pub override_reason: Option<String>,
}

pub const AWARD_TEXT_MAX: usize = 300;
pub const REASON_MAX: usize = 4_000;
pub const ATTACHMENTS_MAX: usize = 10;
pub const MODELS_MAX: usize = 20;
/// The earliest birth year a person proposed may have.
pub const BIRTH_YEAR_MIN: u16 = 1900;

impl Award {
    /// What every saved proposal must satisfy (a draft may leave the reason for later).
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::default();
        errors.text("title", &self.title, AWARD_TEXT_MAX, false);
        errors.text("level", &self.level, 120, false);
        errors.text("issuing_body", &self.issuing_body, 200, false);
        errors.text("position", &self.position, 200, false);
        errors.text("reason", &self.reason, REASON_MAX, false);
        if !(crate::model::YEAR_MIN..=crate::model::YEAR_MAX).contains(&self.year) {
            errors.add("year", Problem::OutOfRange);
        }
        if !self.kind.allows(self.recipient_type) {
            errors.add("kind", Problem::InvalidChoice);
        }
        match self.recipient_type {
            RecipientType::Individual => {
                errors.opt_text("recipient_name", &self.recipient_name, 120, true);
                if self
                    .birth_year
                    .is_some_and(|y| !(BIRTH_YEAR_MIN..=self.year).contains(&y))
                {
                    errors.add("birth_year", Problem::OutOfRange);
                }
            }
            RecipientType::Collective => {
                errors.opt_text("recipient_name", &self.recipient_name, 200, false);
                if self.birth_year.is_some() {
                    errors.add("birth_year", Problem::NotAllowed);
                }
            }
        }
        if self.model_ids.len() > MODELS_MAX {
            errors.add("model_ids", Problem::OutOfRange);
        }
        if self.attachments.len() > ATTACHMENTS_MAX
            || self
                .attachments
                .iter()
                .any(|h| !crate::photo::hash_is_valid(h))
        {
            errors.add("attachments", Problem::InvalidFormat);
        }
        if self.status == AwardStatus::Decided {
            errors.opt_text("decision_number", &self.decision_number, 60, true);
            if self.decision_date.is_none() {
                errors.add("decision_date", Problem::Required);
            }
        }
        errors.into_result()
    }

    /// What the Board needs to review it: a reason and at least one model.
    pub fn validate_for_submit(&self) -> Result<(), FieldErrors> {
        let mut errors = match self.validate() {
            Ok(()) => FieldErrors::default(),
            Err(errors) => errors,
        };
        errors.text("reason", &self.reason, REASON_MAX, true);
        if self.model_ids.is_empty() {
            errors.add("model_ids", Problem::Required);
        }
        errors.into_result()
    }

    /// Who receives it, as a person reads it: the person's name, the body's, or `unit_name`.
    pub fn recipient(&self, unit_name: &str) -> String {
        match &self.recipient_name {
            Some(name) if !name.trim().is_empty() => name.trim().to_owned(),
            _ => unit_name.to_owned(),
        }
    }
}

/// The decision the Board records: `award.decide`'s parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AwardDecision {
    pub number: String,
    pub date: Date,
    pub signer: String,
    pub level: String,
    /// Required when the award repeats an earlier one: why it is given anyway.
    #[serde(default)]
    pub override_reason: Option<String>,
}

impl AwardDecision {
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::default();
        errors.text("number", &self.number, 60, true);
        errors.text("signer", &self.signer, 120, true);
        errors.text("level", &self.level, 120, true);
        errors.opt_text("override_reason", &self.override_reason, 1_000, false);
        errors.into_result()
    }

    /// The override reason, if one with words in it was given.
    pub fn overrides(&self) -> Option<&str> {
        self.override_reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
    }
}

/// A person's name as matching compares it: no diacritics, case or extra spaces, so
/// "Nguyễn  Văn A" and "nguyen van a" are one key.
pub fn person_key(name: &str) -> String {
    crate::text::fold(name)
}

/// How sure a match of two recipients is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Likeness {
    /// Probably the same (same name; birth year or unit cannot tell them apart).
    Likely,
    /// The same name, birth year and unit.
    Same,
}

/// Whether `a` and `b` name the same recipient, and how surely. Names must match once folded;
/// differing known birth years tell two people apart; a person's unit may change, so the same
/// name and birth year in another unit is still likely them.
pub fn recipient_match(a: &Award, b: &Award) -> Option<Likeness> {
    if a.recipient_type != b.recipient_type {
        return None;
    }
    let name = |award: &Award| person_key(award.recipient_name.as_deref().unwrap_or(""));
    if name(a) != name(b) {
        return None;
    }
    let same_unit = a.unit_id == b.unit_id;
    match a.recipient_type {
        RecipientType::Collective => same_unit.then_some(Likeness::Same),
        RecipientType::Individual => match (a.birth_year, b.birth_year) {
            (Some(x), Some(y)) if x != y => None,
            (Some(_), Some(_)) if same_unit => Some(Likeness::Same),
            (Some(_), Some(_)) => Some(Likeness::Likely),
            _ if same_unit => Some(Likeness::Likely),
            _ => None,
        },
    }
}

/// Which rule an earlier award makes a proposal break.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RepeatRule {
    /// The commemorative medal is given once in a lifetime.
    OnceInLifetime,
    /// One award of a kind per recipient and year.
    OncePerYear,
}

/// An earlier award that `proposal` would repeat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repeat<'a> {
    pub earlier: &'a Award,
    pub rule: RepeatRule,
    pub likeness: Likeness,
}

/// The decided awards among `others` that `proposal` would repeat, surest first.
pub fn repeats<'a>(
    proposal: &Award,
    others: impl IntoIterator<Item = &'a Award>,
) -> Vec<Repeat<'a>> {
    let mut found: Vec<Repeat<'a>> = others
        .into_iter()
        .filter(|earlier| earlier.id != proposal.id && earlier.status == AwardStatus::Decided)
        .filter(|earlier| earlier.kind == proposal.kind)
        .filter_map(|earlier| {
            let rule = if proposal.kind.once_in_lifetime() {
                RepeatRule::OnceInLifetime
            } else if earlier.year == proposal.year {
                RepeatRule::OncePerYear
            } else {
                return None;
            };
            let likeness = recipient_match(proposal, earlier)?;
            Some(Repeat {
                earlier,
                rule,
                likeness,
            })
        })
        .collect();
    found.sort_by(|a, b| {
        b.likeness
            .cmp(&a.likeness)
            .then(b.earlier.year.cmp(&a.earlier.year))
    });
    found
}

impl Repeat<'_> {
    /// What the proposer and the Board read about it, in Vietnamese: who, when, which decision.
    pub fn describe_vi(&self, unit_name: &str) -> String {
        let earlier = self.earlier;
        let decision = match (&earlier.decision_number, earlier.decision_date) {
            (Some(number), Some(date)) => {
                format!(" (quyết định số {number} ngày {})", date.to_vietnamese())
            }
            (Some(number), None) => format!(" (quyết định số {number})"),
            _ => String::new(),
        };
        let sure = match self.likeness {
            Likeness::Same => "",
            Likeness::Likely => "có thể là cùng người: ",
        };
        let rule = match self.rule {
            RepeatRule::OnceInLifetime => "Kỷ niệm chương chỉ tặng một lần",
            RepeatRule::OncePerYear => "mỗi năm chỉ một hình thức cùng loại",
        };
        format!(
            "{sure}{} đã nhận {} năm {}{decision}; {rule}.",
            earlier.recipient(unit_name),
            earlier.kind.label_vi(),
            earlier.year,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
            birth_year: None,
            position: String::new(),
            model_ids: vec![ModelId::new()],
            reason: "Mô hình hiệu quả".into(),
            attachments: Vec::new(),
            status: AwardStatus::Draft,
            proposed_by: None,
            review_comment: None,
            decision_number: None,
            decision_date: None,
            signer: None,
            override_reason: None,
        }
    }

    fn person(name: &str, birth_year: Option<u16>, unit: UnitId) -> Award {
        Award {
            kind: AwardKind::CommemorativeMedal,
            recipient_type: RecipientType::Individual,
            recipient_name: Some(name.into()),
            birth_year,
            unit_id: unit,
            ..award()
        }
    }

    fn decided(mut award: Award) -> Award {
        award.status = AwardStatus::Decided;
        award.decision_number = Some("12-QĐ/TU".into());
        award.decision_date = Date::new(award.year, 10, 2);
        award
    }

    #[test]
    fn a_decision_needs_its_number_and_date_and_a_person_needs_a_name() {
        assert_eq!(award().validate(), Ok(()));
        let mut done = award();
        done.status = AwardStatus::Decided;
        let errors = done.validate().unwrap_err();
        assert_eq!(errors.get("decision_number"), Some(Problem::Required));
        assert_eq!(errors.get("decision_date"), Some(Problem::Required));
        let mut someone = award();
        someone.recipient_type = RecipientType::Individual;
        assert_eq!(
            someone.validate().unwrap_err().get("recipient_name"),
            Some(Problem::Required)
        );
    }

    #[test]
    fn the_medal_goes_to_people_and_the_board_needs_a_reason_and_a_model() {
        let mut medal = award();
        medal.kind = AwardKind::CommemorativeMedal;
        assert_eq!(
            medal.validate().unwrap_err().get("kind"),
            Some(Problem::InvalidChoice)
        );
        let mut bare = award();
        bare.reason.clear();
        bare.model_ids.clear();
        assert_eq!(bare.validate(), Ok(()), "a draft may wait for them");
        let errors = bare.validate_for_submit().unwrap_err();
        assert_eq!(errors.get("reason"), Some(Problem::Required));
        assert_eq!(errors.get("model_ids"), Some(Problem::Required));
        let mut born_later = person("Lê Thị B", Some(2021), UnitId::new());
        born_later.year = 2020;
        assert_eq!(
            born_later.validate().unwrap_err().get("birth_year"),
            Some(Problem::OutOfRange)
        );
    }

    #[test]
    fn people_match_with_or_without_diacritics_and_spacing() {
        let unit = UnitId::new();
        let a = person("Nguyễn Văn A", Some(1970), unit);
        let b = person("  nguyen   van a ", Some(1970), unit);
        assert_eq!(recipient_match(&a, &b), Some(Likeness::Same));
        // Another unit: likely the same person who moved, shown but never merged.
        let moved = person("NGUYỄN VĂN A", Some(1970), UnitId::new());
        assert_eq!(recipient_match(&a, &moved), Some(Likeness::Likely));
        // A birth year unknown on one side: likely, within the same unit only.
        assert_eq!(
            recipient_match(&a, &person("Nguyễn Văn A", None, unit)),
            Some(Likeness::Likely)
        );
        assert_eq!(
            recipient_match(&a, &person("Nguyễn Văn A", None, UnitId::new())),
            None
        );
        // Two people: another birth year, or another name.
        assert_eq!(
            recipient_match(&a, &person("Nguyễn Văn A", Some(1971), unit)),
            None
        );
        assert_eq!(
            recipient_match(&a, &person("Nguyễn Văn B", Some(1970), unit)),
            None
        );
    }

    #[test]
    fn the_medal_is_once_in_a_life_and_other_kinds_once_a_year() {
        let unit = UnitId::new();
        let earlier = decided(Award {
            year: 2015,
            ..person("Trần Văn Ba", Some(1960), unit)
        });
        let again = Award {
            year: 2020,
            ..person("Tran Van Ba", Some(1960), unit)
        };
        let found = repeats(&again, [&earlier]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].rule, RepeatRule::OnceInLifetime);
        assert!(
            found[0].describe_vi("Xã A").contains("12-QĐ/TU"),
            "{}",
            found[0].describe_vi("Xã A")
        );
        // A proposal not yet decided is no award to repeat.
        let pending = Award {
            status: AwardStatus::Approved,
            ..earlier.clone()
        };
        assert!(repeats(&again, [&pending]).is_empty());

        let certificate = decided(award());
        let next_year = Award {
            year: 2021,
            ..certificate.clone()
        };
        assert!(repeats(&next_year, [&certificate]).is_empty());
        let same_year = Award {
            id: AwardId::new(),
            ..certificate.clone()
        };
        assert_eq!(
            repeats(&same_year, [&certificate])[0].rule,
            RepeatRule::OncePerYear
        );
        // Another kind the same year is allowed; the award itself is never its own repeat.
        let diploma = Award {
            id: AwardId::new(),
            kind: AwardKind::DiplomaOfMerit,
            ..certificate.clone()
        };
        assert!(repeats(&diploma, [&certificate]).is_empty());
        assert!(repeats(&certificate, [&certificate]).is_empty());
    }

    #[test]
    fn locked_proposals_change_only_by_reopening() {
        use AwardAction::*;
        assert_eq!(
            Approve.apply(AwardStatus::Decided, Role::Board),
            Err(AwardError::Locked)
        );
        assert_eq!(
            Decide.apply(AwardStatus::Proposed, Role::Board),
            Err(AwardError::WrongStatus),
            "the Board agrees before the decision is recorded"
        );
        assert_eq!(
            Decide.apply(AwardStatus::Approved, Role::Registrar),
            Err(AwardError::RoleNotAllowed)
        );
        assert_eq!(
            Submit.apply(AwardStatus::Returned, Role::Registrar),
            Ok(AwardStatus::Proposed)
        );
        assert_eq!(
            Reopen.apply(AwardStatus::Decided, Role::Board),
            Ok(AwardStatus::Proposed)
        );
    }

    fn any_status() -> impl Strategy<Value = AwardStatus> {
        prop::sample::select(AwardStatus::ALL.to_vec())
    }

    fn any_action() -> impl Strategy<Value = AwardAction> {
        prop::sample::select(AwardAction::ALL.to_vec())
    }

    fn any_role() -> impl Strategy<Value = Role> {
        prop::sample::select(vec![
            Role::Admin,
            Role::Board,
            Role::Leader,
            Role::Registrar,
            Role::Surveyor,
        ])
    }

    proptest! {
        /// From a locked status the only way out is the Board reopening; only the Board ever
        /// decides; a registrar can do nothing but send a proposal.
        #[test]
        fn only_the_board_decides_and_only_reopening_unlocks(
            status in any_status(), action in any_action(), role in any_role()
        ) {
            match action.apply(status, role) {
                Ok(to) => {
                    prop_assert!(action.allowed(role));
                    prop_assert!(!status.locked() || action == AwardAction::Reopen);
                    if to == AwardStatus::Decided { prop_assert!(role.reviews()); }
                    if role == Role::Registrar { prop_assert_eq!(action, AwardAction::Submit); }
                    prop_assert_eq!(to, action.to());
                }
                Err(AwardError::Locked) => prop_assert!(status.locked()),
                Err(_) => {}
            }
        }

        /// Matching does not depend on case, tones or spacing, and is symmetric.
        #[test]
        fn matching_folds_diacritics_and_spacing_and_is_symmetric(
            name in "[a-zA-ZđĐàáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]{1,8}( [a-zđàáảãạăâèéêìíòóôơùúưỳý]{1,8}){0,3}",
            year in prop::option::of(1940u16..2000),
            other_year in prop::option::of(1940u16..2000),
            same_unit in any::<bool>(),
        ) {
            let unit = UnitId::new();
            let a = person(&name, year, unit);
            let b = person(
                &format!("  {}  ", crate::text::fold(&name).to_uppercase().replace(' ', "   ")),
                other_year,
                if same_unit { unit } else { UnitId::new() },
            );
            let b = Award { unit_id: if same_unit { unit } else { b.unit_id }, ..b };
            let forward = recipient_match(&a, &b);
            prop_assert_eq!(forward, recipient_match(&b, &a));
            let expected = match (year, other_year) {
                (Some(x), Some(y)) if x != y => None,
                (Some(_), Some(_)) if same_unit => Some(Likeness::Same),
                (Some(_), Some(_)) => Some(Likeness::Likely),
                _ if same_unit => Some(Likeness::Likely),
                _ => None,
            };
            prop_assert_eq!(forward, expected);
        }

        /// A medal already decided for a person blocks every later medal for them, whatever
        /// the year; a certificate blocks only its own year.
        #[test]
        fn repeats_follow_the_two_rules(
            first_year in 2000u16..2030, second_year in 2000u16..2030, medal in any::<bool>()
        ) {
            let unit = UnitId::new();
            let kind = if medal { AwardKind::CommemorativeMedal } else { AwardKind::CertificateOfMerit };
            let earlier = decided(Award { kind, year: first_year, ..person("Phạm Thị Hoa", Some(1965), unit) });
            let later = Award { kind, year: second_year, ..person("Pham Thi Hoa", Some(1965), unit) };
            let found = repeats(&later, [&earlier]);
            prop_assert_eq!(found.len() == 1, medal || first_year == second_year);
        }
    }
}
