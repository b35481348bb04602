//! How far a survey campaign has come: each model in scope is surveyed (its survey submitted),
//! pending (not yet, before the deadline) or overdue (not yet, after it), counted in total, by
//! unit and by surveyor. The Board's progress screen and the tests use this one computation.

use std::collections::BTreeMap;

use crate::{
    date::Date,
    ids::{ModelId, UnitId, UserId},
    survey::{Campaign, Survey, SurveyStatus},
};

/// Where the visit to one model stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisitState {
    /// Its survey is submitted.
    Surveyed,
    /// Started (a draft exists) or not, and the deadline has not passed.
    Pending,
    /// Not submitted and the deadline has passed.
    Overdue,
}

/// The state of the visit to `model` in `campaign` on `today`.
pub fn visit_state(
    campaign: &Campaign,
    surveys: &[Survey],
    model: ModelId,
    today: Date,
) -> VisitState {
    let submitted = surveys.iter().any(|s| {
        s.campaign_id == campaign.id && s.model_id == model && s.status == SurveyStatus::Submitted
    });
    if submitted {
        VisitState::Surveyed
    } else if today > campaign.deadline {
        VisitState::Overdue
    } else {
        VisitState::Pending
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub surveyed: u32,
    pub pending: u32,
    pub overdue: u32,
}

impl Counts {
    pub fn total(self) -> u32 {
        self.surveyed + self.pending + self.overdue
    }

    fn add(&mut self, state: VisitState) {
        match state {
            VisitState::Surveyed => self.surveyed += 1,
            VisitState::Pending => self.pending += 1,
            VisitState::Overdue => self.overdue += 1,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    pub total: Counts,
    pub by_unit: BTreeMap<UnitId, Counts>,
    /// Models nobody is assigned to count under `None`.
    pub by_surveyor: BTreeMap<Option<UserId>, Counts>,
}

/// The models a campaign covers, from the models the caller knows (id and unit): those assigned
/// to someone, those named one by one, and those of the campaign's units (`in_scope_unit` says
/// whether a unit is one of them or below one, which needs the unit tree the caller holds).
pub fn models_in_scope(
    campaign: &Campaign,
    models: &[(ModelId, UnitId)],
    in_scope_unit: impl Fn(UnitId) -> bool,
) -> Vec<(ModelId, UnitId)> {
    models
        .iter()
        .filter(|(id, unit)| {
            campaign.assignments.contains_key(id)
                || campaign.model_ids.contains(id)
                || in_scope_unit(*unit)
        })
        .copied()
        .collect()
}

/// Counts every model in `scope` (as [`models_in_scope`] gives them) by its visit state.
pub fn progress(
    campaign: &Campaign,
    scope: &[(ModelId, UnitId)],
    surveys: &[Survey],
    today: Date,
) -> Progress {
    let mut progress = Progress::default();
    for (model, unit) in scope {
        let state = visit_state(campaign, surveys, *model, today);
        progress.total.add(state);
        progress.by_unit.entry(*unit).or_default().add(state);
        progress
            .by_surveyor
            .entry(campaign.assignments.get(model).copied())
            .or_default()
            .add(state);
    }
    progress
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::{
        ids::{CampaignId, SurveyId},
        survey::default_criteria,
    };

    /// Through JSON, as a survey arrives, so fields added later take their defaults here too.
    fn survey(campaign: CampaignId, model: ModelId, status: SurveyStatus) -> Survey {
        serde_json::from_value(serde_json::json!({
            "id": SurveyId::new(),
            "campaign_id": campaign,
            "model_id": model,
            "surveyor_id": UserId::new(),
            "status": status,
        }))
        .unwrap()
    }

    #[test]
    fn each_model_counts_once_by_unit_and_by_surveyor() {
        let (a, b, c) = (ModelId::new(), ModelId::new(), ModelId::new());
        let (unit1, unit2, elsewhere) = (UnitId::new(), UnitId::new(), UnitId::new());
        let (ann, binh) = (UserId::new(), UserId::new());
        let campaign = Campaign {
            id: CampaignId::new(),
            year: 2026,
            name: "Khảo sát 2026".into(),
            criteria: default_criteria(),
            unit_ids: vec![unit2],
            model_ids: vec![],
            assignments: BTreeMap::from([(a, ann), (b, binh)]),
            surveyor_names: BTreeMap::new(),
            deadline: Date::new(2026, 12, 15).unwrap(),
        };
        let known = [
            (a, unit1),
            (b, unit1),
            (c, unit2),
            (ModelId::new(), elsewhere),
        ];
        let scope = models_in_scope(&campaign, &known, |u| u == unit2);
        assert_eq!(scope.len(), 3, "a and b by assignment, c by its unit");
        let other_campaign = CampaignId::new();
        let surveys = [
            survey(campaign.id, a, SurveyStatus::Submitted),
            survey(campaign.id, b, SurveyStatus::Draft),
            // Submitted, but for another campaign: does not count here.
            survey(other_campaign, c, SurveyStatus::Submitted),
        ];

        let before = progress(&campaign, &scope, &surveys, Date::new(2026, 12, 1).unwrap());
        assert_eq!(
            before.total,
            Counts {
                surveyed: 1,
                pending: 2,
                overdue: 0
            }
        );
        assert_eq!(
            before.by_unit[&unit1],
            Counts {
                surveyed: 1,
                pending: 1,
                overdue: 0
            }
        );
        assert_eq!(
            before.by_unit[&unit2],
            Counts {
                surveyed: 0,
                pending: 1,
                overdue: 0
            }
        );
        assert_eq!(before.by_surveyor[&Some(ann)].surveyed, 1);
        assert_eq!(
            before.by_surveyor[&None].pending, 1,
            "c has nobody assigned"
        );

        let after = progress(
            &campaign,
            &scope,
            &surveys,
            Date::new(2026, 12, 16).unwrap(),
        );
        assert_eq!(
            after.total,
            Counts {
                surveyed: 1,
                pending: 0,
                overdue: 2
            }
        );
        assert_eq!(after.by_surveyor[&Some(binh)].overdue, 1);
        assert_eq!(after.total.total(), 3);
    }
}
