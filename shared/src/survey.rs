//! The yearly survey: campaigns with weighted criteria, and surveys with scores. The total and
//! the rating are computed here so the tablet shows exactly what the server will store.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{
    date::{Date, Timestamp},
    ids::{CampaignId, ModelId, SurveyId, UnitId, UserId},
    model::Location,
    photo::{PHOTOS_PER_SURVEY, PhotoRef},
    validation::{FieldErrors, Problem},
};

/// Scores are whole points from 0 to this.
pub const SCORE_MAX: u8 = 10;

/// One criterion of a campaign, with its weight and the wording that tells a surveyor what each
/// score means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Criterion {
    /// Stable key, e.g. `participation`.
    pub key: String,
    pub label: String,
    /// Relative weight (any positive integers; the total is normalised).
    pub weight: u32,
    #[serde(default)]
    pub rubric: String,
}

/// A survey plan (kế hoạch khảo sát) for one year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Campaign {
    pub id: CampaignId,
    pub year: u16,
    pub name: String,
    pub criteria: Vec<Criterion>,
    /// Units whose models are in scope (with their subtrees).
    #[serde(default)]
    pub unit_ids: Vec<UnitId>,
    /// Models in scope one by one, in addition to the units.
    #[serde(default)]
    pub model_ids: Vec<ModelId>,
    /// Who surveys which model.
    #[serde(default)]
    pub assignments: BTreeMap<ModelId, UserId>,
    /// The assigned surveyors' names as the Board chose them, so progress by surveyor reads
    /// by name on a device that has no list of accounts.
    #[serde(default)]
    pub surveyor_names: BTreeMap<UserId, String>,
    pub deadline: Date,
}

impl Campaign {
    /// What a campaign needs: a name, a year, criteria with distinct keys, positive weights and
    /// a rubric, and a deadline within a year after the campaign's year.
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::default();
        errors.text("name", &self.name, 200, true);
        if !(1990..=2100).contains(&self.year) {
            errors.add("year", Problem::OutOfRange);
        }
        if self.criteria.is_empty() || self.criteria.len() > 20 {
            errors.add("criteria", Problem::OutOfRange);
        }
        for (i, criterion) in self.criteria.iter().enumerate() {
            let at = |part: &str| format!("criteria.{i}.{part}");
            if criterion.key.is_empty()
                || criterion.key.len() > 40
                || !criterion
                    .key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            {
                errors.add(&at("key"), Problem::InvalidFormat);
            }
            if self.criteria[..i].iter().any(|c| c.key == criterion.key) {
                errors.add(&at("key"), Problem::InvalidChoice);
            }
            errors.text(&at("label"), &criterion.label, 200, true);
            errors.text(&at("rubric"), &criterion.rubric, 4_000, false);
            if criterion.weight == 0 || criterion.weight > 1_000 {
                errors.add(&at("weight"), Problem::OutOfRange);
            }
        }
        if self.deadline.year() < self.year || self.deadline.year() > self.year.saturating_add(1) {
            errors.add("deadline", Problem::OutOfRange);
        }
        if self.unit_ids.len() + self.model_ids.len() > 10_000 || self.assignments.len() > 10_000 {
            errors.add("model_ids", Problem::TooLong);
        }
        if self.surveyor_names.len() > 1_000 {
            errors.add("surveyor_names", Problem::TooLong);
        }
        for name in self.surveyor_names.values() {
            errors.text("surveyor_names", name, 120, true);
        }
        errors.into_result()
    }
}

/// The default criteria of DOMAIN.md with a rubric for each (what 0–4, 5–7 and 8–10 points
/// mean), so a surveyor scores the same way in every commune; the Board edits them per campaign.
pub fn default_criteria() -> Vec<Criterion> {
    [
        (
            "task_fit",
            "Phù hợp với nhiệm vụ chính trị của địa phương",
            20,
            "8–10: giải quyết đúng việc khó, việc trọng tâm của địa phương, được cấp ủy chỉ đạo.\n\
             5–7: gắn với nhiệm vụ của địa phương nhưng chưa phải việc trọng tâm.\n\
             0–4: ít liên quan đến nhiệm vụ chính trị của địa phương.",
        ),
        (
            "participation",
            "Sự tham gia của nhân dân",
            25,
            "8–10: đông đảo người dân tự nguyện tham gia, góp công, góp của, được bàn và giám sát.\n\
             5–7: người dân tham gia nhưng chủ yếu do vận động từng đợt.\n\
             0–4: chủ yếu do cán bộ làm, ít người dân tham gia.",
        ),
        (
            "results",
            "Kết quả có số liệu cụ thể",
            25,
            "8–10: kết quả rõ bằng số liệu (người, hộ, tiền, ngày công, đất) và có minh chứng.\n\
             5–7: có kết quả nhưng số liệu chưa đầy đủ.\n\
             0–4: chưa có số liệu, chỉ nêu chung chung.",
        ),
        (
            "sustainability",
            "Tính bền vững",
            15,
            "8–10: duy trì từ 2 năm trở lên, có quy chế và người phụ trách.\n\
             5–7: đang duy trì nhưng còn phụ thuộc kinh phí hoặc vài cá nhân.\n\
             0–4: hoạt động gián đoạn hoặc mới bắt đầu.",
        ),
        (
            "replication",
            "Khả năng lan tỏa, nhân rộng",
            15,
            "8–10: đã được đơn vị khác học tập, áp dụng.\n\
             5–7: có thể áp dụng ở nơi khác với ít điều chỉnh.\n\
             0–4: khó áp dụng ngoài địa phương.",
        ),
    ]
    .into_iter()
    .map(|(key, label, weight, rubric)| Criterion {
        key: key.into(),
        label: label.into(),
        weight,
        rubric: rubric.into(),
    })
    .collect()
}

/// The difficulties surveyors meet most often (the source report names compensation, site
/// clearance and resettlement first); the form offers them as checkboxes next to free text.
pub const COMMON_DIFFICULTIES: [(&str, &str); 6] = [
    ("Bồi thường", "Compensation"),
    ("Giải phóng mặt bằng", "Site clearance"),
    ("Tái định cư", "Resettlement"),
    ("Thiếu kinh phí", "Lack of funding"),
    (
        "Người dân chưa đồng thuận",
        "Residents not yet in agreement",
    ),
    ("Thiếu nhân lực", "Lack of staff"),
];

/// Xuất sắc / tốt / khá / trung bình / chưa đạt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Rating {
    Excellent,
    Good,
    Fair,
    Average,
    NotMet,
}

impl Rating {
    pub const ALL: [Rating; 5] = [
        Rating::Excellent,
        Rating::Good,
        Rating::Fair,
        Rating::Average,
        Rating::NotMet,
    ];

    /// The wire name (as serde writes it).
    pub fn as_str(self) -> &'static str {
        match self {
            Rating::Excellent => "excellent",
            Rating::Good => "good",
            Rating::Fair => "fair",
            Rating::Average => "average",
            Rating::NotMet => "not_met",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Rating::Excellent => "Xuất sắc",
            Rating::Good => "Tốt",
            Rating::Fair => "Khá",
            Rating::Average => "Trung bình",
            Rating::NotMet => "Chưa đạt",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Rating::Excellent => "Excellent",
            Rating::Good => "Good",
            Rating::Fair => "Fair",
            Rating::Average => "Average",
            Rating::NotMet => "Not met",
        }
    }

    /// The rating of a total out of 100.
    pub fn of_total(total: f64) -> Rating {
        match total {
            t if t >= 90.0 => Rating::Excellent,
            t if t >= 75.0 => Rating::Good,
            t if t >= 60.0 => Rating::Fair,
            t if t >= 50.0 => Rating::Average,
            _ => Rating::NotMet,
        }
    }
}

/// The weighted total out of 100, or `None` while a criterion has no score yet.
pub fn total_score(criteria: &[Criterion], scores: &BTreeMap<String, u8>) -> Option<f64> {
    let weights: u64 = criteria.iter().map(|c| u64::from(c.weight)).sum();
    if weights == 0 {
        return None;
    }
    let mut sum = 0u64;
    for criterion in criteria {
        let score = (*scores.get(&criterion.key)?).min(SCORE_MAX);
        sum += u64::from(criterion.weight) * u64::from(score);
    }
    // Rounded to one decimal so both sides store the same number.
    let total = sum as f64 * 100.0 / (weights as f64 * f64::from(SCORE_MAX));
    Some((total * 10.0).round() / 10.0)
}

/// A model's rating for a year as its surveys propose it: the mean of the totals of its
/// submitted surveys that year (each with its campaign's criteria), rounded to one decimal, and
/// the rating of that mean. `None` without a submitted, fully scored survey. The Board confirms
/// it (or decides otherwise) with `model.evaluate`.
pub fn proposed_rating<'a>(
    surveys: impl IntoIterator<Item = (&'a Survey, &'a [Criterion])>,
) -> Option<(f64, Rating)> {
    let totals: Vec<f64> = surveys
        .into_iter()
        .filter(|(s, _)| s.status == SurveyStatus::Submitted)
        .filter_map(|(s, criteria)| total_score(criteria, &s.scores))
        .collect();
    if totals.is_empty() {
        return None;
    }
    let mean = totals.iter().sum::<f64>() / totals.len() as f64;
    let mean = (mean * 10.0).round() / 10.0;
    Some((mean, Rating::of_total(mean)))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SurveyStatus {
    Draft,
    /// Locked: a change needs the Board to reopen it.
    Submitted,
}

/// One visit to one model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Survey {
    pub id: SurveyId,
    pub campaign_id: CampaignId,
    pub model_id: ModelId,
    pub surveyor_id: UserId,
    #[serde(default)]
    pub scores: BTreeMap<String, u8>,
    #[serde(default)]
    pub rating: Option<Rating>,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub difficulties: Vec<String>,
    #[serde(default)]
    pub recommendations: String,
    #[serde(default)]
    pub visited_at: Option<Timestamp>,
    #[serde(default)]
    pub location: Option<Location>,
    pub status: SurveyStatus,
    /// The photos taken on the visit, by hash; each uploads on its own (`photo.rs`), so a
    /// survey may arrive before its photos.
    #[serde(default)]
    pub photos: Vec<PhotoRef>,
}

impl Survey {
    pub fn validate(&self, criteria: &[Criterion]) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::default();
        for (key, score) in &self.scores {
            if !criteria.iter().any(|c| &c.key == key) {
                errors.add(&format!("scores.{key}"), Problem::InvalidChoice);
            } else if *score > SCORE_MAX {
                errors.add(&format!("scores.{key}"), Problem::OutOfRange);
            }
        }
        errors.text("notes", &self.notes, 4_000, false);
        errors.text("recommendations", &self.recommendations, 4_000, false);
        if self.difficulties.len() > 50 {
            errors.add("difficulties", Problem::TooLong);
        }
        for difficulty in &self.difficulties {
            errors.text("difficulties", difficulty, 500, true);
        }
        if let Some(location) = &self.location {
            location.check(&mut errors, "location.");
        }
        if self.photos.len() > PHOTOS_PER_SURVEY {
            errors.add("photos", Problem::TooLong);
        }
        for (i, photo) in self.photos.iter().enumerate() {
            photo.check(&mut errors, &format!("photos.{i}."));
            if self.photos[..i].iter().any(|p| p.hash == photo.hash) {
                errors.add(&format!("photos.{i}.hash"), Problem::InvalidChoice);
            }
        }
        if self.status == SurveyStatus::Submitted {
            for criterion in criteria {
                if !self.scores.contains_key(&criterion.key) {
                    errors.add(&format!("scores.{}", criterion.key), Problem::Required);
                }
            }
        }
        errors.into_result()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_marks_are_100_and_the_rating_follows_the_total() {
        let criteria = default_criteria();
        let all = |score| criteria.iter().map(|c| (c.key.clone(), score)).collect();
        assert_eq!(total_score(&criteria, &all(10)), Some(100.0));
        assert_eq!(total_score(&criteria, &all(0)), Some(0.0));
        assert_eq!(total_score(&criteria, &all(8)), Some(80.0));
        assert_eq!(Rating::of_total(80.0), Rating::Good);
        assert_eq!(Rating::of_total(49.9), Rating::NotMet);
        for rating in Rating::ALL {
            assert_eq!(serde_json::to_value(rating).unwrap(), rating.as_str());
        }
    }

    #[test]
    fn a_years_rating_is_the_mean_of_its_submitted_surveys() {
        let criteria = default_criteria();
        let survey = |score: u8, status: SurveyStatus| -> Survey {
            let scores: BTreeMap<String, u8> =
                criteria.iter().map(|c| (c.key.clone(), score)).collect();
            serde_json::from_value(serde_json::json!({
                "id": SurveyId::new(), "campaign_id": CampaignId::new(), "model_id": ModelId::new(),
                "surveyor_id": UserId::new(), "scores": scores, "status": status,
            }))
            .unwrap()
        };
        let (a, b, draft) = (
            survey(9, SurveyStatus::Submitted),
            survey(8, SurveyStatus::Submitted),
            survey(1, SurveyStatus::Draft),
        );
        let rated = proposed_rating([
            (&a, &criteria[..]),
            (&b, &criteria[..]),
            (&draft, &criteria[..]),
        ]);
        assert_eq!(
            rated,
            Some((85.0, Rating::Good)),
            "the draft does not count"
        );
        assert_eq!(proposed_rating([(&draft, &criteria[..])]), None);
    }

    #[test]
    fn a_visits_place_is_bounded_like_a_models() {
        let mut survey: Survey = serde_json::from_value(serde_json::json!({
            "id": SurveyId::new(), "campaign_id": CampaignId::new(), "model_id": ModelId::new(),
            "surveyor_id": UserId::new(), "status": "draft",
            "location": {"latitude": 91.0, "longitude": 108.0, "address": "x".repeat(10_000)},
        }))
        .unwrap();
        let errors = survey.validate(&default_criteria()).unwrap_err();
        assert_eq!(errors.get("location.latitude"), Some(Problem::OutOfRange));
        assert_eq!(errors.get("location.address"), Some(Problem::TooLong));
        survey.location = None;
        assert_eq!(survey.validate(&default_criteria()), Ok(()));
    }

    #[test]
    fn a_missing_score_means_no_total_yet() {
        let criteria = default_criteria();
        let mut scores = BTreeMap::new();
        scores.insert("task_fit".to_owned(), 9);
        assert_eq!(total_score(&criteria, &scores), None);
    }
}
