//! Models (mô hình): their fields, their rules and their status lifecycle.
//!
//! A draft may be saved with only a name, a field and a unit (people fill the form in several
//! sittings); submitting checks that everything a review needs is there.

use serde::{Deserialize, Serialize};

use crate::{
    date::Date,
    ids::{ModelId, UnitId},
    user::Role,
    validation::{FieldErrors, Problem},
};

/// The four fields of the movement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Field {
    /// Phát triển kinh tế.
    EconomicDevelopment,
    /// Văn hóa - xã hội.
    CultureSociety,
    /// Quốc phòng - an ninh.
    DefenceSecurity,
    /// Xây dựng hệ thống chính trị.
    PoliticalSystem,
}

impl Field {
    pub const ALL: [Field; 4] = [
        Field::EconomicDevelopment,
        Field::CultureSociety,
        Field::DefenceSecurity,
        Field::PoliticalSystem,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Field::EconomicDevelopment => "economic_development",
            Field::CultureSociety => "culture_society",
            Field::DefenceSecurity => "defence_security",
            Field::PoliticalSystem => "political_system",
        }
    }

    pub fn parse(text: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.as_str() == text)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Field::EconomicDevelopment => "Phát triển kinh tế",
            Field::CultureSociety => "Văn hóa - xã hội",
            Field::DefenceSecurity => "Quốc phòng - an ninh",
            Field::PoliticalSystem => "Xây dựng hệ thống chính trị",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Field::EconomicDevelopment => "Economic development",
            Field::CultureSociety => "Culture and society",
            Field::DefenceSecurity => "Defence and security",
            Field::PoliticalSystem => "Building the political system",
        }
    }
}

/// Where a model is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Status {
    Draft,
    /// Đăng ký: waiting for the Board's review.
    Submitted,
    Approved,
    /// Sent back by the Board with a comment, for the registrar to fix and resubmit.
    Returned,
    InProgress,
    /// Surveyed and rated this year.
    Evaluated,
    /// Điển hình.
    Typical,
    /// Nhân rộng: adopted by other units.
    Replicated,
    Discontinued,
}

impl Status {
    pub const ALL: [Status; 9] = [
        Status::Draft,
        Status::Submitted,
        Status::Approved,
        Status::Returned,
        Status::InProgress,
        Status::Evaluated,
        Status::Typical,
        Status::Replicated,
        Status::Discontinued,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::Approved => "approved",
            Status::Returned => "returned",
            Status::InProgress => "in_progress",
            Status::Evaluated => "evaluated",
            Status::Typical => "typical",
            Status::Replicated => "replicated",
            Status::Discontinued => "discontinued",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Status::Draft => "Bản nháp",
            Status::Submitted => "Đã đăng ký, chờ duyệt",
            Status::Approved => "Đã duyệt",
            Status::Returned => "Trả lại để bổ sung",
            Status::InProgress => "Đang thực hiện",
            Status::Evaluated => "Đã đánh giá",
            Status::Typical => "Điển hình",
            Status::Replicated => "Đã nhân rộng",
            Status::Discontinued => "Dừng thực hiện",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Status::Draft => "Draft",
            Status::Submitted => "Submitted, awaiting review",
            Status::Approved => "Approved",
            Status::Returned => "Returned for changes",
            Status::InProgress => "In progress",
            Status::Evaluated => "Evaluated",
            Status::Typical => "Typical",
            Status::Replicated => "Replicated",
            Status::Discontinued => "Discontinued",
        }
    }

    /// Whether `role` may edit the content of a model in this status. Registrars keep their
    /// results up to date while a model runs; what the Board is reviewing stays still.
    pub fn editable_by(self, role: Role) -> bool {
        match role {
            Role::Admin | Role::Board => true,
            Role::Registrar => matches!(
                self,
                Status::Draft | Status::Returned | Status::Approved | Status::InProgress
            ),
            Role::Leader | Role::Surveyor => false,
        }
    }
}

/// A move in the lifecycle. Each names where it may start, where it ends and who may make it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Submit,
    Approve,
    /// Needs a comment saying what to change.
    Return,
    Start,
    Evaluate,
    MarkTypical,
    MarkReplicated,
    Discontinue,
    Resume,
}

/// Why a move is refused; the snake_case names are API codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum TransitionError {
    #[error("this role may not make this move")]
    RoleNotAllowed,
    #[error("the model is not in a status this move starts from")]
    WrongStatus,
    #[error("returning a model needs a comment")]
    CommentRequired,
}

impl TransitionError {
    pub fn message_vi(self) -> &'static str {
        match self {
            TransitionError::RoleNotAllowed => "Vai trò của bạn không được thực hiện thao tác này.",
            TransitionError::WrongStatus => {
                "Mô hình đang ở trạng thái không cho phép thao tác này; hãy tải lại để xem trạng thái mới nhất."
            }
            TransitionError::CommentRequired => "Hãy ghi ý kiến để đơn vị biết cần bổ sung gì.",
        }
    }

    pub fn message_en(self) -> &'static str {
        match self {
            TransitionError::RoleNotAllowed => "Your role may not do this.",
            TransitionError::WrongStatus => {
                "The model is in a status that does not allow this; reload to see its latest status."
            }
            TransitionError::CommentRequired => "Write a comment so the unit knows what to change.",
        }
    }
}

impl Action {
    pub const ALL: [Action; 9] = [
        Action::Submit,
        Action::Approve,
        Action::Return,
        Action::Start,
        Action::Evaluate,
        Action::MarkTypical,
        Action::MarkReplicated,
        Action::Discontinue,
        Action::Resume,
    ];

    /// The statuses this move starts from.
    pub fn from(self) -> &'static [Status] {
        use Status::*;
        match self {
            Action::Submit => &[Draft, Returned],
            Action::Approve | Action::Return => &[Submitted],
            Action::Start => &[Approved],
            Action::Evaluate => &[InProgress, Evaluated, Typical, Replicated],
            Action::MarkTypical => &[Evaluated],
            Action::MarkReplicated => &[Typical],
            Action::Discontinue => &[Approved, InProgress, Evaluated, Typical, Replicated],
            Action::Resume => &[Discontinued],
        }
    }

    /// Where the move ends.
    pub fn to(self) -> Status {
        match self {
            Action::Submit => Status::Submitted,
            Action::Approve => Status::Approved,
            Action::Return => Status::Returned,
            Action::Start | Action::Resume => Status::InProgress,
            Action::Evaluate => Status::Evaluated,
            Action::MarkTypical => Status::Typical,
            Action::MarkReplicated => Status::Replicated,
            Action::Discontinue => Status::Discontinued,
        }
    }

    /// Who may make the move (within their own units; scope is checked separately).
    pub fn roles(self) -> &'static [Role] {
        match self {
            Action::Submit | Action::Start | Action::Discontinue => {
                &[Role::Admin, Role::Board, Role::Registrar]
            }
            _ => &[Role::Admin, Role::Board],
        }
    }

    /// The status after the move, or why it is refused.
    pub fn apply(
        self,
        from: Status,
        role: Role,
        comment: Option<&str>,
    ) -> Result<Status, TransitionError> {
        if !self.roles().contains(&role) {
            return Err(TransitionError::RoleNotAllowed);
        }
        if !self.from().contains(&from) {
            return Err(TransitionError::WrongStatus);
        }
        if self == Action::Return && comment.is_none_or(|c| c.trim().is_empty()) {
            return Err(TransitionError::CommentRequired);
        }
        Ok(self.to())
    }
}

/// Results with figures that reports add up. `None` is "not reported yet", not zero.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Results {
    #[serde(default)]
    pub people_reached: Option<u64>,
    /// In đồng (VND).
    #[serde(default)]
    pub money_vnd: Option<u64>,
    #[serde(default)]
    pub labour_days: Option<u64>,
    /// Land donated, in m².
    #[serde(default)]
    pub land_m2: Option<u64>,
    #[serde(default)]
    pub households: Option<u64>,
}

/// Who to call about the model.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contact {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub position: String,
    #[serde(default)]
    pub phone: String,
}

/// Where the model runs, if it is one place.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Location {
    #[serde(default)]
    pub latitude: Option<f64>,
    #[serde(default)]
    pub longitude: Option<f64>,
    #[serde(default)]
    pub address: String,
}

/// A model with every field of DOMAIN.md.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Model {
    pub id: ModelId,
    pub unit_id: UnitId,
    pub name: String,
    pub field: Field,
    /// The year it was registered.
    pub year: u16,
    #[serde(default)]
    pub start_date: Option<Date>,
    /// Mục tiêu.
    #[serde(default)]
    pub objectives: String,
    /// Nội dung, cách làm.
    #[serde(default)]
    pub content: String,
    /// Who takes part.
    #[serde(default)]
    pub participants: String,
    #[serde(default)]
    pub results: Results,
    /// Hiệu quả.
    #[serde(default)]
    pub effectiveness: String,
    /// Khả năng nhân rộng.
    #[serde(default)]
    pub replication_scope: String,
    #[serde(default)]
    pub contact: Contact,
    #[serde(default)]
    pub location: Option<Location>,
    pub status: Status,
    /// Since when it has had its status (set by the server; absent on models last changed
    /// before the server kept it): how long a draft has waited, or a return gone unanswered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_since: Option<crate::date::Timestamp>,
    /// The Board's comment when it returned the model; cleared on resubmission.
    #[serde(default)]
    pub review_comment: Option<String>,
    /// The rating the Board confirmed for each year it evaluated the model (`model.evaluate`),
    /// from that year's surveys.
    #[serde(default)]
    // On the wire the years are object keys, so text.
    #[cfg_attr(feature = "openapi", schema(value_type = std::collections::BTreeMap<String, crate::survey::Rating>))]
    pub ratings: std::collections::BTreeMap<u16, crate::survey::Rating>,
    /// The typical model this one was adopted from ("Áp dụng mô hình này"): its lineage.
    #[serde(default)]
    pub adopted_from: Option<ModelId>,
    /// Replication the Board recorded outside the app (a neighbouring locality, a unit outside
    /// the installation).
    #[serde(default)]
    pub replicated_outside: Vec<OutsideReplication>,
    /// Published by the Board on the public page (no sign-in): its name, unit, aims, ways of
    /// working, results and the chosen photos — never its contact or survey notes.
    #[serde(default)]
    pub published: bool,
    /// The survey photos the Board chose for the public page (content hashes).
    #[serde(default)]
    pub public_photos: Vec<String>,
}

/// The most photos a published model shows.
pub const PUBLIC_PHOTOS_MAX: usize = 6;

/// A model's replication somewhere the app does not reach, as the Board recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutsideReplication {
    /// Where, e.g. "Xã Duy Phước, huyện Duy Xuyên".
    pub place: String,
    pub date: Date,
    #[serde(default)]
    pub notes: String,
}

/// The most outside replications one model records.
pub const OUTSIDE_MAX: usize = 50;

pub const NAME_MAX: usize = 200;
pub const OBJECTIVES_MAX: usize = 4_000;
pub const CONTENT_MAX: usize = 8_000;
pub const PARTICIPANTS_MAX: usize = 1_000;
pub const EFFECTIVENESS_MAX: usize = 4_000;
pub const REPLICATION_MAX: usize = 2_000;
pub const PERSON_NAME_MAX: usize = 120;
pub const POSITION_MAX: usize = 120;
pub const ADDRESS_MAX: usize = 300;
pub const COMMENT_MAX: usize = 2_000;
pub const YEAR_MIN: u16 = 1990;
pub const YEAR_MAX: u16 = 2100;
/// A bound well above any real figure (a thousand trillion đồng) that still fits every database.
pub const FIGURE_MAX: u64 = 1_000_000_000_000_000;

/// A Vietnamese phone number as people write it: digits with optional spaces, dots or dashes,
/// and an optional leading +; 9 to 15 digits.
pub fn phone_is_valid(phone: &str) -> bool {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let allowed = phone
        .char_indices()
        .all(|(i, c)| c.is_ascii_digit() || matches!(c, ' ' | '.' | '-') || (c == '+' && i == 0));
    allowed && (9..=15).contains(&digits)
}

impl Model {
    /// A new draft with only what a draft needs — a name, a field, a unit and the year — and
    /// every other field empty, for the person to fill in over later sittings.
    pub fn draft(id: ModelId, unit_id: UnitId, name: String, field: Field, year: u16) -> Model {
        Model {
            id,
            unit_id,
            name,
            field,
            year,
            start_date: None,
            objectives: String::new(),
            content: String::new(),
            participants: String::new(),
            results: Results::default(),
            effectiveness: String::new(),
            replication_scope: String::new(),
            contact: Contact::default(),
            location: None,
            status: Status::Draft,
            status_since: None,
            review_comment: None,
            ratings: std::collections::BTreeMap::new(),
            adopted_from: None,
            replicated_outside: Vec::new(),
            published: false,
            public_photos: Vec::new(),
        }
    }

    /// The rules every save must pass, drafts included: a name, sane limits, well-formed values.
    pub fn validate_draft(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::default();
        self.check_shape(&mut errors);
        errors.into_result()
    }

    /// The rules for submitting to the Board: the draft rules, and everything a review needs.
    pub fn validate_for_submit(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::default();
        self.check_shape(&mut errors);
        for (field, value) in [
            ("objectives", &self.objectives),
            ("content", &self.content),
            ("participants", &self.participants),
            ("effectiveness", &self.effectiveness),
            ("contact.name", &self.contact.name),
            ("contact.phone", &self.contact.phone),
        ] {
            if value.trim().is_empty() {
                errors.add(field, Problem::Required);
            }
        }
        if self.start_date.is_none() {
            errors.add("start_date", Problem::Required);
        }
        if self.results.people_reached.is_none() && self.results.households.is_none() {
            errors.add("results.people_reached", Problem::Required);
        }
        errors.into_result()
    }

    fn check_shape(&self, errors: &mut FieldErrors) {
        errors.text("name", &self.name, NAME_MAX, true);
        if self.adopted_from == Some(self.id) {
            errors.add("adopted_from", Problem::InvalidChoice);
        }
        if self.public_photos.len() > PUBLIC_PHOTOS_MAX
            || self
                .public_photos
                .iter()
                .any(|h| !crate::photo::hash_is_valid(h))
        {
            errors.add("public_photos", Problem::InvalidFormat);
        }
        if self.replicated_outside.len() > OUTSIDE_MAX {
            errors.add("replicated_outside", Problem::OutOfRange);
        }
        for (i, outside) in self.replicated_outside.iter().enumerate() {
            errors.text(
                &format!("replicated_outside.{i}.place"),
                &outside.place,
                300,
                true,
            );
            errors.text(
                &format!("replicated_outside.{i}.notes"),
                &outside.notes,
                1_000,
                false,
            );
        }
        if !(YEAR_MIN..=YEAR_MAX).contains(&self.year) {
            errors.add("year", Problem::OutOfRange);
        }
        if let Some(start) = self.start_date
            && (start.year() < YEAR_MIN || start.year() > self.year.saturating_add(1))
        {
            errors.add("start_date", Problem::OutOfRange);
        }
        errors.text("objectives", &self.objectives, OBJECTIVES_MAX, false);
        errors.text("content", &self.content, CONTENT_MAX, false);
        errors.text("participants", &self.participants, PARTICIPANTS_MAX, false);
        errors.text(
            "effectiveness",
            &self.effectiveness,
            EFFECTIVENESS_MAX,
            false,
        );
        errors.text(
            "replication_scope",
            &self.replication_scope,
            REPLICATION_MAX,
            false,
        );
        errors.text("contact.name", &self.contact.name, PERSON_NAME_MAX, false);
        errors.text(
            "contact.position",
            &self.contact.position,
            POSITION_MAX,
            false,
        );
        if !self.contact.phone.trim().is_empty() && !phone_is_valid(self.contact.phone.trim()) {
            errors.add("contact.phone", Problem::InvalidFormat);
        }
        let results = &self.results;
        for (field, value) in [
            ("results.people_reached", results.people_reached),
            ("results.money_vnd", results.money_vnd),
            ("results.labour_days", results.labour_days),
            ("results.land_m2", results.land_m2),
            ("results.households", results.households),
        ] {
            if value.is_some_and(|v| v > FIGURE_MAX) {
                errors.add(field, Problem::OutOfRange);
            }
        }
        if let Some(location) = &self.location {
            location.check(errors, "location.");
        }
        if self
            .ratings
            .keys()
            .any(|year| !(YEAR_MIN..=YEAR_MAX).contains(year))
        {
            errors.add("ratings", Problem::OutOfRange);
        }
        errors.opt_text("review_comment", &self.review_comment, COMMENT_MAX, false);
    }

    /// Everything a search matches against.
    pub fn search_text(&self) -> String {
        format!("{}\n{}\n{}", self.name, self.objectives, self.content)
    }
}

impl Location {
    /// Adds the problems of a place to `errors`, its fields named `{prefix}latitude`, ….
    pub fn check(&self, errors: &mut FieldErrors, prefix: &str) {
        let at = |part: &str| format!("{prefix}{part}");
        if self.latitude.is_some_and(|v| !(-90.0..=90.0).contains(&v)) {
            errors.add(&at("latitude"), Problem::OutOfRange);
        }
        if self
            .longitude
            .is_some_and(|v| !(-180.0..=180.0).contains(&v))
        {
            errors.add(&at("longitude"), Problem::OutOfRange);
        }
        if self.latitude.is_some() != self.longitude.is_some() {
            errors.add(&at("longitude"), Problem::Required);
        }
        errors.text(&at("address"), &self.address, ADDRESS_MAX, false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> Model {
        Model::draft(
            ModelId::new(),
            UnitId::new(),
            "Tuyến đường hoa nông thôn mới".into(),
            Field::CultureSociety,
            2020,
        )
    }

    #[test]
    fn a_draft_needs_only_a_name_a_field_and_a_unit() {
        assert_eq!(draft().validate_draft(), Ok(()));
        let mut nameless = draft();
        nameless.name = " ".into();
        assert_eq!(
            nameless.validate_draft().unwrap_err().get("name"),
            Some(Problem::Required)
        );
    }

    #[test]
    fn submitting_lists_everything_a_review_needs_at_once() {
        let errors = draft().validate_for_submit().unwrap_err();
        for field in [
            "objectives",
            "content",
            "participants",
            "effectiveness",
            "contact.name",
            "contact.phone",
            "start_date",
            "results.people_reached",
        ] {
            assert_eq!(errors.get(field), Some(Problem::Required), "{field}");
        }
    }

    #[test]
    fn ratings_are_of_real_years() {
        let mut model = draft();
        model.ratings.insert(2025, crate::survey::Rating::Good);
        assert_eq!(model.validate_draft(), Ok(()));
        model.ratings.insert(9999, crate::survey::Rating::Good);
        assert_eq!(
            model.validate_draft().unwrap_err().get("ratings"),
            Some(Problem::OutOfRange)
        );
    }

    #[test]
    fn phone_numbers_are_checked_as_people_write_them() {
        assert!(phone_is_valid("0905 123 456"));
        assert!(phone_is_valid("+84 905.123.456"));
        assert!(!phone_is_valid("0905"));
        assert!(!phone_is_valid("09o5 123 456"));
        assert!(!phone_is_valid("84+905123456"));
    }

    #[test]
    fn the_lifecycle_says_who_may_move_a_model_where() {
        use Action::*;
        assert_eq!(
            Submit.apply(Status::Draft, Role::Registrar, None),
            Ok(Status::Submitted)
        );
        assert_eq!(
            Submit.apply(Status::Returned, Role::Registrar, None),
            Ok(Status::Submitted)
        );
        assert_eq!(
            Approve.apply(Status::Submitted, Role::Registrar, None),
            Err(TransitionError::RoleNotAllowed)
        );
        assert_eq!(
            Approve.apply(Status::Submitted, Role::Board, None),
            Ok(Status::Approved)
        );
        assert_eq!(
            Approve.apply(Status::Draft, Role::Board, None),
            Err(TransitionError::WrongStatus)
        );
        assert_eq!(
            Return.apply(Status::Submitted, Role::Board, Some("  ")),
            Err(TransitionError::CommentRequired)
        );
        assert_eq!(
            Return.apply(Status::Submitted, Role::Board, Some("Bổ sung số liệu")),
            Ok(Status::Returned)
        );
        assert_eq!(
            MarkTypical.apply(Status::Evaluated, Role::Board, None),
            Ok(Status::Typical)
        );
        for action in Action::ALL {
            for from in Status::ALL {
                assert_eq!(
                    action.apply(from, Role::Leader, Some("x")),
                    Err(TransitionError::RoleNotAllowed),
                    "leaders change nothing"
                );
                assert_eq!(
                    action.apply(from, Role::Surveyor, Some("x")),
                    Err(TransitionError::RoleNotAllowed)
                );
            }
        }
    }

    #[test]
    fn every_status_is_reachable_from_a_draft() {
        let mut reached = vec![Status::Draft];
        let mut changed = true;
        while changed {
            changed = false;
            for action in Action::ALL {
                for from in reached.clone() {
                    if let Ok(to) = action.apply(from, Role::Admin, Some("ok"))
                        && !reached.contains(&to)
                    {
                        reached.push(to);
                        changed = true;
                    }
                }
            }
        }
        assert_eq!(reached.len(), Status::ALL.len(), "{reached:?}");
    }

    #[test]
    fn registrars_edit_only_while_the_board_is_not_looking() {
        assert!(Status::Draft.editable_by(Role::Registrar));
        assert!(Status::Returned.editable_by(Role::Registrar));
        assert!(!Status::Submitted.editable_by(Role::Registrar));
        assert!(!Status::Typical.editable_by(Role::Registrar));
        assert!(Status::Typical.editable_by(Role::Board));
        assert!(!Status::Draft.editable_by(Role::Leader));
    }
}
