//! Urging and supervision (đôn đốc, kiểm tra, giám sát): what the Board writes to a unit — a
//! reminder, or the note of an inspection or a supervision visit (biên bản) with its findings,
//! its requests and the date they are due — and the supervision list that tells the Board which
//! units fall behind. Both sides use these: the device shows a unit's open items on its people's
//! home, the server decides who may write and acknowledge them and computes the list.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{
    date::{Date, Timestamp},
    ids::{ModelId, OversightId, UnitId, UserId},
    model::Status,
    progress::{VisitState, visit_state},
    survey::{Campaign, Survey, SurveyStatus},
    validation::{FieldErrors, Problem},
};

/// What the Board writes to a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum OversightKind {
    /// Nhắc việc, đôn đốc: a reminder of what the unit has left undone.
    Reminder,
    /// Biên bản kiểm tra.
    Inspection,
    /// Biên bản giám sát.
    Supervision,
}

impl OversightKind {
    pub const ALL: [OversightKind; 3] = [
        OversightKind::Reminder,
        OversightKind::Inspection,
        OversightKind::Supervision,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OversightKind::Reminder => "reminder",
            OversightKind::Inspection => "inspection",
            OversightKind::Supervision => "supervision",
        }
    }

    pub fn parse(text: &str) -> Option<OversightKind> {
        OversightKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            OversightKind::Reminder => "Nhắc việc, đôn đốc",
            OversightKind::Inspection => "Biên bản kiểm tra",
            OversightKind::Supervision => "Biên bản giám sát",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            OversightKind::Reminder => "Reminder",
            OversightKind::Inspection => "Inspection note",
            OversightKind::Supervision => "Supervision note",
        }
    }
}

/// Whether the Board still follows an item up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum OversightStatus {
    Open,
    /// The Board found its requests met (or the reminder answered) and closed it.
    Closed,
}

/// Who did something to an item and when (the server stamps it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stamp {
    pub by: UserId,
    pub name: String,
    pub at: Timestamp,
    /// What they wrote with it (the Board's note when it closes an item).
    #[serde(default)]
    pub note: String,
}

/// A reminder, or the note of an inspection or supervision visit, to one unit (about one of its
/// models, or the unit as a whole). The unit's people see it on their home until one of them
/// acknowledges it; the Board closes it when its requests are met; it stays in the unit's
/// history either way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Oversight {
    pub id: OversightId,
    pub kind: OversightKind,
    pub unit_id: UnitId,
    #[serde(default)]
    pub model_id: Option<ModelId>,
    /// The day it was written, or the day of the visit.
    pub date: Date,
    /// Who inspected or who sends it, as the note names them ("Đoàn kiểm tra Ban Dân vận").
    #[serde(default)]
    pub by: String,
    /// The reminder's text, or what the visit found.
    #[serde(default)]
    pub findings: String,
    /// What the unit is asked to do.
    #[serde(default)]
    pub requests: String,
    /// By when (the follow-up's due date).
    #[serde(default)]
    pub due: Option<Date>,
    pub status: OversightStatus,
    /// The Board member who wrote it (set by the server).
    #[serde(default)]
    pub written_by: Option<UserId>,
    /// The first of the unit's people to read it.
    #[serde(default)]
    pub acknowledged: Option<Stamp>,
    #[serde(default)]
    pub closed: Option<Stamp>,
}

pub const BY_MAX: usize = 200;
pub const TEXT_MAX: usize = 4_000;
pub const NOTE_MAX: usize = 1_000;

impl Oversight {
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::default();
        errors.text("by", &self.by, BY_MAX, false);
        errors.text("findings", &self.findings, TEXT_MAX, true);
        errors.text("requests", &self.requests, TEXT_MAX, false);
        if self.due.is_some_and(|due| due < self.date) {
            errors.add("due", Problem::OutOfRange);
        }
        errors.into_result()
    }

    /// Whether it waits for the unit to read it: shown on its people's home.
    pub fn awaits_unit(&self) -> bool {
        self.status == OversightStatus::Open && self.acknowledged.is_none()
    }

    /// Whether its requests were due before `today` and the Board has not closed it.
    pub fn overdue(&self, today: Date) -> bool {
        self.status == OversightStatus::Open && self.due.is_some_and(|due| today > due)
    }
}

/// What the supervision list counts as behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Thresholds {
    /// A draft left longer than this many days.
    pub idle_days: u32,
    /// A tablet not synced for longer than this many days.
    pub quiet_days: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            idle_days: 30,
            quiet_days: 7,
        }
    }
}

pub const THRESHOLD_MAX_DAYS: u32 = 3_650;

/// What one unit has left behind, as the supervision list shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Behind {
    /// Drafts not submitted for more than `idle_days`.
    pub drafts_idle: u32,
    /// Models the Board returned that the unit has not sent back.
    pub returns_unanswered: u32,
    /// Models of a campaign whose deadline passed without a submitted survey.
    pub surveys_overdue: u32,
    /// Running models without a submitted survey this year.
    pub not_surveyed: u32,
    /// Tablets of the unit's people not synced for more than `quiet_days`.
    pub devices_quiet: u32,
    /// Reminders and notes nobody in the unit has read.
    pub unread: u32,
    /// Follow-ups past their due date that the Board has not closed.
    pub followups_overdue: u32,
}

impl Behind {
    pub fn is_empty(&self) -> bool {
        *self == Behind::default()
    }

    /// How much a unit is behind, to put the furthest behind first.
    pub fn weight(&self) -> u32 {
        self.drafts_idle
            + self.returns_unanswered
            + self.surveys_overdue
            + self.not_surveyed
            + self.devices_quiet
            + self.unread
            + self.followups_overdue
    }
}

/// One unit's line of the supervision list (`GET /api/supervision`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitBehind {
    pub unit_id: UnitId,
    pub unit_name: String,
    #[serde(flatten)]
    pub behind: Behind,
}

/// The supervision list: the units that fall behind, furthest behind first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SupervisionList {
    /// The day it was computed for (in Vietnam).
    pub as_of: Date,
    pub thresholds: Thresholds,
    pub units: Vec<UnitBehind>,
}

/// A model as the supervision list needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelState {
    pub id: ModelId,
    pub unit_id: UnitId,
    pub status: Status,
    /// Since when it has had this status (`None` for a model last changed before the server
    /// kept it: never counted as idle).
    pub since: Option<Timestamp>,
}

/// Whether a model of this status is running, and so due a survey each year.
pub fn running(status: Status) -> bool {
    matches!(
        status,
        Status::Approved
            | Status::InProgress
            | Status::Evaluated
            | Status::Typical
            | Status::Replicated
    )
}

/// Everything the supervision list is computed from.
pub struct SupervisionInputs<'a> {
    pub models: &'a [ModelState],
    pub surveys: &'a [Survey],
    pub campaigns: &'a [Campaign],
    pub oversight: &'a [Oversight],
    /// The unit of each tablet's person, and when the tablet last synced.
    pub devices: &'a [(UnitId, Timestamp)],
    /// Whether a campaign's units cover a unit (they or one above it: the caller holds the
    /// unit tree).
    pub covers: &'a dyn Fn(&Campaign, UnitId) -> bool,
    pub now: Timestamp,
}

const DAY_MS: i64 = 86_400_000;

/// What each unit has left behind, keyed by unit; units with nothing behind are left out.
pub fn supervision(inputs: &SupervisionInputs, thresholds: Thresholds) -> BTreeMap<UnitId, Behind> {
    let today = Date::of_instant_in_vietnam(inputs.now);
    let older_than =
        |since: Timestamp, days: u32| inputs.now.0 - since.0 > i64::from(days) * DAY_MS;
    let mut list: BTreeMap<UnitId, Behind> = BTreeMap::new();
    let surveyed_this_year = |model: ModelId| {
        inputs.surveys.iter().any(|s| {
            s.model_id == model
                && s.status == SurveyStatus::Submitted
                && inputs
                    .campaigns
                    .iter()
                    .any(|c| c.id == s.campaign_id && c.year == today.year())
        })
    };
    for model in inputs.models {
        let behind = list.entry(model.unit_id).or_default();
        match model.status {
            Status::Draft
                if model
                    .since
                    .is_some_and(|s| older_than(s, thresholds.idle_days)) =>
            {
                behind.drafts_idle += 1;
            }
            Status::Returned => behind.returns_unanswered += 1,
            status if running(status) && !surveyed_this_year(model.id) => {
                behind.not_surveyed += 1;
            }
            _ => {}
        }
        let overdue = inputs.campaigns.iter().any(|c| {
            c.year == today.year()
                && (c.assignments.contains_key(&model.id)
                    || c.model_ids.contains(&model.id)
                    || (inputs.covers)(c, model.unit_id))
                && visit_state(c, inputs.surveys, model.id, today) == VisitState::Overdue
        });
        if overdue {
            behind.surveys_overdue += 1;
        }
    }
    for item in inputs.oversight {
        let behind = list.entry(item.unit_id).or_default();
        if item.awaits_unit() {
            behind.unread += 1;
        }
        if item.overdue(today) {
            behind.followups_overdue += 1;
        }
    }
    for (unit, seen) in inputs.devices {
        if older_than(*seen, thresholds.quiet_days) {
            list.entry(*unit).or_default().devices_quiet += 1;
        }
    }
    list.retain(|_, behind| !behind.is_empty());
    list
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::ids::{CampaignId, SurveyId};

    fn day(y: u16, m: u8, d: u8) -> Date {
        Date::new(y, m, d).unwrap()
    }

    /// Noon in Vietnam on that day.
    fn noon(date: Date) -> Timestamp {
        let mut t = Timestamp(0);
        // Walk whole days from the epoch: exact, and the test stays free of calendar code.
        while Date::of_instant_in_vietnam(t) < date {
            t.0 += DAY_MS;
        }
        Timestamp(t.0 + 5 * 3_600_000)
    }

    fn item(unit: UnitId, due: Option<Date>) -> Oversight {
        Oversight {
            id: OversightId::new(),
            kind: OversightKind::Inspection,
            unit_id: unit,
            model_id: None,
            date: day(2026, 10, 1),
            by: "Đoàn kiểm tra".into(),
            findings: "Sổ theo dõi chưa cập nhật".into(),
            requests: "Cập nhật sổ".into(),
            due,
            status: OversightStatus::Open,
            written_by: None,
            acknowledged: None,
            closed: None,
        }
    }

    #[test]
    fn a_note_needs_findings_and_a_due_date_not_before_it() {
        let unit = UnitId::new();
        assert!(item(unit, Some(day(2026, 11, 1))).validate().is_ok());
        let early = item(unit, Some(day(2026, 9, 1))).validate().unwrap_err();
        assert_eq!(early.get("due"), Some(Problem::OutOfRange));
        let mut empty = item(unit, None);
        empty.findings = "  ".into();
        assert_eq!(
            empty.validate().unwrap_err().get("findings"),
            Some(Problem::Required)
        );
    }

    #[test]
    fn an_item_waits_until_read_and_is_overdue_until_closed() {
        let unit = UnitId::new();
        let mut note = item(unit, Some(day(2026, 11, 1)));
        assert!(note.awaits_unit());
        assert!(!note.overdue(day(2026, 11, 1)), "due today is not late yet");
        assert!(note.overdue(day(2026, 11, 2)));
        note.acknowledged = Some(Stamp {
            by: UserId::new(),
            name: "Chị Lan".into(),
            at: Timestamp(0),
            note: String::new(),
        });
        assert!(!note.awaits_unit());
        assert!(note.overdue(day(2026, 11, 2)), "read is not done");
        note.status = OversightStatus::Closed;
        assert!(!note.overdue(day(2026, 11, 2)));
    }

    #[test]
    fn the_list_counts_what_each_unit_left_behind() {
        let (a, b, quiet) = (UnitId::new(), UnitId::new(), UnitId::new());
        let now = noon(day(2026, 11, 30));
        let days_ago = |n: i64| Timestamp(now.0 - n * DAY_MS);
        let model = |unit, status, since| ModelState {
            id: ModelId::new(),
            unit_id: unit,
            status,
            since,
        };
        let models = vec![
            model(a, Status::Draft, Some(days_ago(45))),
            model(a, Status::Draft, Some(days_ago(3))),
            model(a, Status::Draft, None),
            model(a, Status::Returned, Some(days_ago(2))),
            model(b, Status::Approved, None),
            model(b, Status::Typical, None),
            model(b, Status::Discontinued, None),
        ];
        let campaign = Campaign {
            id: CampaignId::new(),
            year: 2026,
            name: "Khảo sát 2026".into(),
            criteria: Vec::new(),
            unit_ids: Vec::new(),
            model_ids: vec![models[4].id, models[5].id],
            assignments: BTreeMap::new(),
            surveyor_names: BTreeMap::new(),
            deadline: day(2026, 11, 15),
        };
        let surveys: Vec<Survey> = vec![
            serde_json::from_value(serde_json::json!({
                "id": SurveyId::new(), "campaign_id": campaign.id, "model_id": models[5].id,
                "surveyor_id": UserId::new(), "status": "submitted",
            }))
            .unwrap(),
        ];
        let oversight = vec![item(a, Some(day(2026, 11, 20))), item(b, None)];
        let devices = vec![(quiet, days_ago(10)), (a, days_ago(1))];
        let list = supervision(
            &SupervisionInputs {
                models: &models,
                surveys: &surveys,
                campaigns: std::slice::from_ref(&campaign),
                oversight: &oversight,
                devices: &devices,
                covers: &|_, _| false,
                now,
            },
            Thresholds::default(),
        );
        assert_eq!(
            list[&a],
            Behind {
                drafts_idle: 1,
                returns_unanswered: 1,
                unread: 1,
                followups_overdue: 1,
                ..Behind::default()
            }
        );
        assert_eq!(
            list[&b],
            Behind {
                surveys_overdue: 1,
                not_surveyed: 1,
                unread: 1,
                ..Behind::default()
            }
        );
        assert_eq!(list[&quiet].devices_quiet, 1);
        assert_eq!(list.len(), 3, "units with nothing behind are left out");
        let stricter = supervision(
            &SupervisionInputs {
                models: &models,
                surveys: &surveys,
                campaigns: std::slice::from_ref(&campaign),
                oversight: &[],
                devices: &[],
                covers: &|_, _| false,
                now,
            },
            Thresholds {
                idle_days: 2,
                quiet_days: 7,
            },
        );
        assert_eq!(stricter[&a].drafts_idle, 2);
    }
}
