//! The typed vocabulary of sync: which kinds of record travel (`Entity`), what a change does to
//! one (`Kind`, `<entity>.<verb>` on the wire), and each record's fields with how concurrent edits
//! of them settle (`FieldPolicy`). A kind of record still to come adds a variant here and a row
//! to each table; the server's one record path and the device's engine pick it up.

use serde::{Deserialize, Serialize};

use crate::{award::AwardAction, model::Action};

/// A kind of record a device holds a replica of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Entity {
    Unit,
    Model,
    /// The Board's survey plan of a year.
    Campaign,
    /// One visit to one model.
    Survey,
    /// A person's own notice that someone else's later edit replaced their value.
    Notice,
    /// A proposal for a commendation, and once decided the award.
    Award,
    /// A typical model as the library shows it to every device (the server writes it).
    Library,
    /// A reminder, or an inspection or supervision note, from the Board to a unit.
    Oversight,
}

impl Entity {
    pub const ALL: [Entity; 8] = [
        Entity::Unit,
        Entity::Model,
        Entity::Campaign,
        Entity::Survey,
        Entity::Notice,
        Entity::Award,
        Entity::Library,
        Entity::Oversight,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Unit => "unit",
            Entity::Model => "model",
            Entity::Campaign => "campaign",
            Entity::Survey => "survey",
            Entity::Notice => "notice",
            Entity::Award => "award",
            Entity::Library => "library",
            Entity::Oversight => "oversight",
        }
    }

    pub fn parse(text: &str) -> Option<Entity> {
        Entity::ALL.into_iter().find(|e| e.as_str() == text)
    }

    /// The record kind as a person reads it in a sentence ("this …").
    pub fn label_vi(self) -> &'static str {
        match self {
            Entity::Unit => "đơn vị",
            Entity::Model => "mô hình",
            Entity::Campaign => "đợt khảo sát",
            Entity::Survey => "phiếu khảo sát",
            Entity::Notice => "thông báo",
            Entity::Award => "đề nghị khen thưởng",
            Entity::Library => "mô hình điển hình",
            Entity::Oversight => "nhắc việc, biên bản kiểm tra",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Entity::Unit => "unit",
            Entity::Model => "model",
            Entity::Campaign => "survey campaign",
            Entity::Survey => "survey",
            Entity::Notice => "notice",
            Entity::Award => "commendation proposal",
            Entity::Library => "typical model",
            Entity::Oversight => "reminder or inspection note",
        }
    }

    /// The protocol version that introduced this kind: a device speaking an older one is not
    /// sent records it cannot read.
    pub fn since_schema(self) -> u32 {
        match self {
            Entity::Notice => 2,
            Entity::Award | Entity::Library => 3,
            Entity::Oversight => 4,
            _ => 1,
        }
    }

    /// The fields of a record of this kind and how each may change. Fields not listed are
    /// never named by a change.
    pub fn fields(self) -> &'static [(&'static str, FieldPolicy)] {
        use FieldPolicy::*;
        match self {
            Entity::Unit => &[],
            Entity::Model => &[
                ("name", Soft),
                ("year", Soft),
                ("start_date", Soft),
                ("objectives", Soft),
                ("content", Soft),
                ("participants", Soft),
                ("results", Soft),
                ("effectiveness", Soft),
                ("replication_scope", Soft),
                ("contact", Soft),
                ("location", Soft),
                ("field", Hard),
                ("unit_id", Hard),
                // Only the Board records or publishes (the server checks who).
                ("replicated_outside", Hard),
                ("published", Hard),
                ("public_photos", Hard),
                ("adopted_from", Fixed),
                ("status", Server),
                ("status_since", Server),
                ("review_comment", Server),
                ("ratings", Server),
            ],
            Entity::Campaign => &[
                ("year", Fixed),
                ("name", Soft),
                ("criteria", Soft),
                ("unit_ids", Soft),
                ("model_ids", Soft),
                ("assignments", Soft),
                ("surveyor_names", Soft),
                ("deadline", Soft),
            ],
            Entity::Survey => &[
                ("campaign_id", Fixed),
                ("model_id", Fixed),
                ("notes", Soft),
                ("difficulties", Soft),
                ("recommendations", Soft),
                ("visited_at", Soft),
                ("location", Soft),
                ("photos", Soft),
                ("scores", Hard),
                // Named by the tablet so it can show the survey before the server answers;
                // the server records who actually sent it.
                ("surveyor_id", Fixed),
                ("rating", Server),
                ("status", Server),
            ],
            Entity::Notice | Entity::Library => &[],
            // Who and what is proposed are authoritative: two people changing them at once
            // settle it together, nothing is overwritten (SYNC.md: awards).
            Entity::Award => &[
                ("recipient_type", Fixed),
                ("kind", Hard),
                ("year", Hard),
                ("unit_id", Hard),
                ("recipient_name", Hard),
                ("birth_year", Hard),
                ("position", Soft),
                ("title", Soft),
                ("level", Soft),
                ("issuing_body", Soft),
                ("model_ids", Soft),
                ("reason", Soft),
                ("attachments", Soft),
                ("status", Server),
                ("proposed_by", Server),
                ("review_comment", Server),
                ("decision_number", Server),
                ("decision_date", Server),
                ("signer", Server),
                ("override_reason", Server),
            ],
            // The Board writes it; the unit only acknowledges it (`oversight.acknowledge`).
            Entity::Oversight => &[
                ("kind", Fixed),
                ("unit_id", Fixed),
                ("model_id", Fixed),
                ("date", Soft),
                ("by", Soft),
                ("findings", Soft),
                ("requests", Soft),
                ("due", Soft),
                ("status", Server),
                ("written_by", Server),
                ("acknowledged", Server),
                ("closed", Server),
            ],
        }
    }

    /// How `field` of this kind of record may change; `None` for a field it does not have.
    pub fn policy(self, field: &str) -> Option<FieldPolicy> {
        self.fields()
            .iter()
            .find(|(name, _)| *name == field)
            .map(|(_, policy)| *policy)
    }
}

/// How a field of a record changes, and how two devices changing it at once settle (SYNC.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldPolicy {
    /// Descriptive: the later edit wins and the person whose value it replaced is told.
    Soft,
    /// Authoritative (scores, a model's field and unit): a concurrent edit is a hard conflict
    /// and nothing is overwritten.
    Hard,
    /// Set when the record is made and never changed afterwards.
    Fixed,
    /// The server's own (statuses, ratings, the Board's comment): changed only by the record's
    /// actions, never named by a change.
    Server,
}

/// What a change does to its record, in three families: making it, editing fields of it, or an
/// action with its own rules (a model's lifecycle, submitting a survey).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Create,
    Update,
    Delete,
    Act,
}

/// One kind of change, `<entity>.<verb>` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    ModelCreate,
    ModelUpdate,
    ModelDelete,
    /// A move in a model's lifecycle (`model.submit`, `model.approve`, …).
    ModelAct(Action),
    CampaignCreate,
    CampaignUpdate,
    SurveyCreate,
    SurveyUpdate,
    /// Locks the survey: later edits are rejected as `locked` until the Board reopens it.
    SurveySubmit,
    /// The Board unlocks a submitted survey.
    SurveyReopen,
    /// The person has read a notice of theirs; it leaves all their devices.
    NoticeDismiss,
    AwardCreate,
    AwardUpdate,
    /// A draft proposal thrown away.
    AwardDelete,
    /// A move of a proposal (`award.submit`, `award.decide`, …).
    AwardAct(AwardAction),
    OversightCreate,
    OversightUpdate,
    /// One of the unit's people has read it: it leaves their home.
    OversightAcknowledge,
    /// The Board found its requests met.
    OversightClose,
    /// The Board follows it up again.
    OversightReopen,
}

impl Kind {
    pub const ALL: [Kind; 33] = [
        Kind::ModelCreate,
        Kind::ModelUpdate,
        Kind::ModelDelete,
        Kind::ModelAct(Action::Submit),
        Kind::ModelAct(Action::Approve),
        Kind::ModelAct(Action::Return),
        Kind::ModelAct(Action::Start),
        Kind::ModelAct(Action::Evaluate),
        Kind::ModelAct(Action::MarkTypical),
        Kind::ModelAct(Action::MarkReplicated),
        Kind::ModelAct(Action::Discontinue),
        Kind::ModelAct(Action::Resume),
        Kind::CampaignCreate,
        Kind::CampaignUpdate,
        Kind::SurveyCreate,
        Kind::SurveyUpdate,
        Kind::SurveySubmit,
        Kind::SurveyReopen,
        Kind::NoticeDismiss,
        Kind::AwardCreate,
        Kind::AwardUpdate,
        Kind::AwardDelete,
        Kind::AwardAct(AwardAction::Submit),
        Kind::AwardAct(AwardAction::Approve),
        Kind::AwardAct(AwardAction::Return),
        Kind::AwardAct(AwardAction::Refuse),
        Kind::AwardAct(AwardAction::Decide),
        Kind::AwardAct(AwardAction::Reopen),
        Kind::OversightCreate,
        Kind::OversightUpdate,
        Kind::OversightAcknowledge,
        Kind::OversightClose,
        Kind::OversightReopen,
    ];

    pub fn entity(self) -> Entity {
        match self {
            Kind::ModelCreate | Kind::ModelUpdate | Kind::ModelDelete | Kind::ModelAct(_) => {
                Entity::Model
            }
            Kind::CampaignCreate | Kind::CampaignUpdate => Entity::Campaign,
            Kind::SurveyCreate | Kind::SurveyUpdate | Kind::SurveySubmit | Kind::SurveyReopen => {
                Entity::Survey
            }
            Kind::NoticeDismiss => Entity::Notice,
            Kind::AwardCreate | Kind::AwardUpdate | Kind::AwardDelete | Kind::AwardAct(_) => {
                Entity::Award
            }
            Kind::OversightCreate
            | Kind::OversightUpdate
            | Kind::OversightAcknowledge
            | Kind::OversightClose
            | Kind::OversightReopen => Entity::Oversight,
        }
    }

    pub fn verb(self) -> Verb {
        match self {
            Kind::ModelCreate
            | Kind::CampaignCreate
            | Kind::SurveyCreate
            | Kind::AwardCreate
            | Kind::OversightCreate => Verb::Create,
            Kind::ModelUpdate
            | Kind::CampaignUpdate
            | Kind::SurveyUpdate
            | Kind::AwardUpdate
            | Kind::OversightUpdate => Verb::Update,
            Kind::ModelDelete | Kind::AwardDelete => Verb::Delete,
            Kind::ModelAct(_)
            | Kind::SurveySubmit
            | Kind::SurveyReopen
            | Kind::NoticeDismiss
            | Kind::AwardAct(_)
            | Kind::OversightAcknowledge
            | Kind::OversightClose
            | Kind::OversightReopen => Verb::Act,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::ModelCreate => "model.create",
            Kind::ModelUpdate => "model.update",
            Kind::ModelDelete => "model.delete",
            Kind::ModelAct(action) => match action {
                Action::Submit => "model.submit",
                Action::Approve => "model.approve",
                Action::Return => "model.return",
                Action::Start => "model.start",
                Action::Evaluate => "model.evaluate",
                Action::MarkTypical => "model.mark_typical",
                Action::MarkReplicated => "model.mark_replicated",
                Action::Discontinue => "model.discontinue",
                Action::Resume => "model.resume",
            },
            Kind::CampaignCreate => "campaign.create",
            Kind::CampaignUpdate => "campaign.update",
            Kind::SurveyCreate => "survey.create",
            Kind::SurveyUpdate => "survey.update",
            Kind::SurveySubmit => "survey.submit",
            Kind::SurveyReopen => "survey.reopen",
            Kind::NoticeDismiss => "notice.dismiss",
            Kind::AwardCreate => "award.create",
            Kind::AwardUpdate => "award.update",
            Kind::AwardDelete => "award.delete",
            Kind::AwardAct(action) => match action {
                AwardAction::Submit => "award.submit",
                AwardAction::Approve => "award.approve",
                AwardAction::Return => "award.return",
                AwardAction::Refuse => "award.refuse",
                AwardAction::Decide => "award.decide",
                AwardAction::Reopen => "award.reopen",
            },
            Kind::OversightCreate => "oversight.create",
            Kind::OversightUpdate => "oversight.update",
            Kind::OversightAcknowledge => "oversight.acknowledge",
            Kind::OversightClose => "oversight.close",
            Kind::OversightReopen => "oversight.reopen",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// What an action takes besides its record: `model.return` a comment, `model.evaluate` the
    /// year and the rating the Board confirms.
    pub fn params(self) -> &'static [&'static str] {
        match self {
            Kind::ModelAct(Action::Return) => &["comment"],
            Kind::ModelAct(Action::Evaluate) => &["year", "rating"],
            Kind::AwardAct(AwardAction::Return | AwardAction::Refuse | AwardAction::Reopen) => {
                &["comment"]
            }
            Kind::AwardAct(AwardAction::Decide) => {
                &["number", "date", "signer", "level", "override_reason"]
            }
            Kind::OversightClose | Kind::OversightReopen => &["comment"],
            _ => &[],
        }
    }

    /// Whether a change of this kind may name `field`: a create the fields a record is made
    /// with, an update the fields that change after, an action its parameters.
    pub fn allows(self, field: &str) -> bool {
        match self.verb() {
            Verb::Create => matches!(
                self.entity().policy(field),
                Some(FieldPolicy::Soft | FieldPolicy::Hard | FieldPolicy::Fixed)
            ),
            Verb::Update => matches!(
                self.entity().policy(field),
                Some(FieldPolicy::Soft | FieldPolicy::Hard)
            ),
            Verb::Delete | Verb::Act => self.params().contains(&field),
        }
    }

    /// The kind that edits fields of a record of `entity`, if its fields are edited at all.
    pub fn update_of(entity: Entity) -> Option<Kind> {
        match entity {
            Entity::Model => Some(Kind::ModelUpdate),
            Entity::Campaign => Some(Kind::CampaignUpdate),
            Entity::Survey => Some(Kind::SurveyUpdate),
            Entity::Award => Some(Kind::AwardUpdate),
            Entity::Oversight => Some(Kind::OversightUpdate),
            Entity::Unit | Entity::Notice | Entity::Library => None,
        }
    }

    /// Whether a change of this kind names the version it was made against.
    pub fn needs_base(self) -> bool {
        self.verb() != Verb::Create
    }
}

impl Serialize for Kind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Kind::parse(&text).ok_or_else(|| serde::de::Error::custom(format!("unknown kind {text:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_back_from_its_name_and_belongs_to_its_entity() {
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.as_str()), Some(kind));
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(serde_json::from_str::<Kind>(&json).unwrap(), kind);
            assert!(kind.as_str().starts_with(kind.entity().as_str()));
        }
        assert!(serde_json::from_str::<Kind>("\"model.fly\"").is_err());
        assert_eq!(Entity::parse("survey"), Some(Entity::Survey));
    }

    #[test]
    fn fields_the_server_owns_are_never_named_by_a_change() {
        for kind in Kind::ALL {
            for field in ["status", "ratings", "review_comment", "id"] {
                assert!(!kind.allows(field), "{} may set {field}", kind.as_str());
            }
        }
        assert!(Kind::ModelCreate.allows("unit_id"));
        assert!(Kind::ModelUpdate.allows("objectives"));
        assert!(Kind::SurveyCreate.allows("model_id"));
        assert!(!Kind::SurveyUpdate.allows("model_id"), "fixed once made");
        assert!(Kind::ModelAct(Action::Return).allows("comment"));
        assert!(!Kind::ModelAct(Action::Approve).allows("comment"));
        assert!(Kind::AwardCreate.allows("recipient_type"));
        assert!(
            !Kind::AwardUpdate.allows("recipient_type"),
            "fixed once made"
        );
        assert!(
            !Kind::AwardUpdate.allows("decision_number"),
            "only award.decide sets it"
        );
        assert!(Kind::AwardAct(AwardAction::Decide).allows("override_reason"));
        assert!(Kind::OversightCreate.allows("unit_id"));
        assert!(!Kind::OversightUpdate.allows("unit_id"), "fixed once made");
        assert!(!Kind::OversightUpdate.allows("acknowledged"));
        assert!(Kind::OversightClose.allows("comment"));
    }
}
