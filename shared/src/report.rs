//! The figures of a period report (sơ kết 6 tháng, tổng kết năm, giai đoạn): what the Board
//! writes every half year, year and five years, computed from the data in one place so the
//! report, its spreadsheet and the tests agree. Statuses are as they stand now (the data keeps
//! no past statuses); "new in the period" counts models registered within it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{
    award::{Award, AwardKind, AwardStatus, RecipientType},
    date::{Date, Timestamp},
    ids::{ModelId, ReportId, UnitId},
    library::LibraryEntry,
    model::{Field, Model, Results, Status},
    survey::{Rating, Survey, SurveyStatus},
};

/// The dates a report covers, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Period {
    pub from: Date,
    pub to: Date,
}

impl Period {
    /// A period, if it does not end before it starts.
    pub fn new(from: Date, to: Date) -> Option<Period> {
        (from <= to).then_some(Period { from, to })
    }

    pub fn year(year: u16) -> Option<Period> {
        Period::new(Date::new(year, 1, 1)?, Date::new(year, 12, 31)?)
    }

    /// The first (January–June) or second half of a year.
    pub fn half(year: u16, first: bool) -> Option<Period> {
        if first {
            Period::new(Date::new(year, 1, 1)?, Date::new(year, 6, 30)?)
        } else {
            Period::new(Date::new(year, 7, 1)?, Date::new(year, 12, 31)?)
        }
    }

    pub fn contains(self, date: Date) -> bool {
        self.from <= date && date <= self.to
    }

    /// Whether any day of `year` falls within the period.
    pub fn touches_year(self, year: u16) -> bool {
        self.from.year() <= year && year <= self.to.year()
    }

    /// How the report names it: "năm 2020", "6 tháng đầu năm 2020", "giai đoạn 2016–2020".
    pub fn label_vi(self) -> String {
        let (f, t) = (self.from, self.to);
        let whole_years = (f.month(), f.day(), t.month(), t.day()) == (1, 1, 12, 31);
        if whole_years && f.year() == t.year() {
            format!("năm {}", f.year())
        } else if whole_years {
            format!("giai đoạn {}–{}", f.year(), t.year())
        } else if f.year() == t.year() && (f.month(), f.day(), t.month(), t.day()) == (1, 1, 6, 30)
        {
            format!("6 tháng đầu năm {}", f.year())
        } else if f.year() == t.year() && (f.month(), f.day(), t.month(), t.day()) == (7, 1, 12, 31)
        {
            format!("6 tháng cuối năm {}", f.year())
        } else {
            format!("từ {} đến {}", f.to_vietnamese(), t.to_vietnamese())
        }
    }
}

/// A model with the day it was registered (the server's record of it).
#[derive(Debug, Clone, PartialEq)]
pub struct ModelFact {
    pub model: Model,
    pub registered_on: Date,
}

/// One line of the report's main table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Counts {
    /// Registered by the end of the period (drafts are not registered).
    pub registered: u64,
    /// Of them, running: approved and under way, evaluated, typical or replicated.
    pub running: u64,
    /// Rated by the Board in a year up to the period's end.
    pub evaluated: u64,
    pub typical: u64,
    /// Adopted elsewhere, recorded outside the app, or marked replicated.
    pub replicated: u64,
    /// Registered within the period.
    pub new_in_period: u64,
}

impl Counts {
    fn add(&mut self, other: Counts) {
        self.registered += other.registered;
        self.running += other.running;
        self.evaluated += other.evaluated;
        self.typical += other.typical;
        self.replicated += other.replicated;
        self.new_in_period += other.new_in_period;
    }
}

/// Everything a period report counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Figures {
    pub period: Period,
    pub total: Counts,
    /// Every field, zero included.
    pub by_field: BTreeMap<Field, Counts>,
    pub by_unit: BTreeMap<UnitId, Counts>,
    /// The registered models' results added up.
    pub results: Results,
    /// The latest rating the Board confirmed in the period's years, per model.
    pub ratings: BTreeMap<Rating, u64>,
    /// Awards decided within the period: (kind, recipient) → how many.
    pub awards: Vec<(AwardKind, RecipientType, u64)>,
    /// Models adopted from another unit's typical model in the period's years.
    pub adoptions: u64,
    /// Difficulties named by the surveys submitted in the period, most named first.
    pub difficulties: Vec<(String, u64)>,
    /// The typical models, by name.
    pub typical: Vec<(ModelId, String, UnitId)>,
}

fn plus(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0).saturating_add(b.unwrap_or(0))),
    }
}

/// The figures of `period` over the models, surveys, awards and library entries given (the
/// caller chooses the unit's subtree).
pub fn figures(
    period: Period,
    models: &[ModelFact],
    surveys: &[Survey],
    awards: &[Award],
    library: &[LibraryEntry],
) -> Figures {
    let replicated: BTreeMap<ModelId, bool> =
        library.iter().map(|e| (e.id, e.is_replicated())).collect();
    let mut by_field: BTreeMap<Field, Counts> = Field::ALL
        .into_iter()
        .map(|f| (f, Counts::default()))
        .collect();
    let mut by_unit: BTreeMap<UnitId, Counts> = BTreeMap::new();
    let mut total = Counts::default();
    let mut results = Results::default();
    let mut ratings: BTreeMap<Rating, u64> = BTreeMap::new();
    let mut typical = Vec::new();
    for fact in models {
        let m = &fact.model;
        if m.status == Status::Draft || fact.registered_on > period.to {
            continue;
        }
        let recognised = matches!(m.status, Status::Typical | Status::Replicated);
        let rated = m.ratings.range(..=period.to.year()).next_back();
        let line = Counts {
            registered: 1,
            running: u64::from(matches!(
                m.status,
                Status::InProgress | Status::Evaluated | Status::Typical | Status::Replicated
            )),
            evaluated: u64::from(rated.is_some()),
            typical: u64::from(recognised),
            replicated: u64::from(
                m.status == Status::Replicated || replicated.get(&m.id).copied().unwrap_or(false),
            ),
            new_in_period: u64::from(period.contains(fact.registered_on)),
        };
        total.add(line);
        by_field.entry(m.field).or_default().add(line);
        by_unit.entry(m.unit_id).or_default().add(line);
        let r = &m.results;
        results.people_reached = plus(results.people_reached, r.people_reached);
        results.money_vnd = plus(results.money_vnd, r.money_vnd);
        results.labour_days = plus(results.labour_days, r.labour_days);
        results.land_m2 = plus(results.land_m2, r.land_m2);
        results.households = plus(results.households, r.households);
        if let Some((year, rating)) = m.ratings.range(..=period.to.year()).next_back()
            && period.touches_year(*year)
        {
            *ratings.entry(*rating).or_default() += 1;
        }
        if recognised {
            typical.push((m.id, m.name.clone(), m.unit_id));
        }
    }
    typical.sort_by_cached_key(|(_, name, _)| crate::text::sort_key(name));

    let mut decided: BTreeMap<(AwardKind, RecipientType), u64> = BTreeMap::new();
    for award in awards {
        if award.status == AwardStatus::Decided
            && award.decision_date.is_some_and(|d| period.contains(d))
        {
            *decided
                .entry((award.kind, award.recipient_type))
                .or_default() += 1;
        }
    }
    let adoptions = library
        .iter()
        .flat_map(|e| e.adoptions.iter().filter(move |a| a.unit_id != e.unit_id))
        .filter(|a| period.touches_year(a.year))
        .count() as u64;
    let mut named: BTreeMap<String, u64> = BTreeMap::new();
    for survey in surveys {
        let when = survey.visited_at.map(Date::of_instant_in_vietnam);
        if survey.status == SurveyStatus::Submitted && when.is_some_and(|d| period.contains(d)) {
            for difficulty in &survey.difficulties {
                *named.entry(difficulty.trim().to_owned()).or_default() += 1;
            }
        }
    }
    let mut difficulties: Vec<(String, u64)> = named.into_iter().collect();
    difficulties.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Figures {
        period,
        total,
        by_field,
        by_unit,
        results,
        ratings,
        awards: decided.into_iter().map(|((k, r), n)| (k, r, n)).collect(),
        adoptions,
        difficulties,
        typical,
    }
}

/// Where a report stands: a draft the Board edits, or final — frozen with the figures of the
/// moment it was finalised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ReportStatus {
    Draft,
    Final,
}

/// The parts of a report a person writes; each starts from the data and is the Board's to edit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportText {
    pub title: String,
    /// The report's number in the administrative layout, e.g. "25-BC/BDVTU".
    #[serde(default)]
    pub number: String,
    /// Where it is signed, e.g. "Điện Bàn".
    #[serde(default)]
    pub place: String,
    /// Đánh giá chung.
    #[serde(default)]
    pub assessment: String,
    /// Bài học kinh nghiệm.
    #[serde(default)]
    pub lessons: String,
    /// Kiến nghị, đề xuất.
    #[serde(default)]
    pub recommendations: String,
}

pub const REPORT_TITLE_MAX: usize = 300;
pub const REPORT_PART_MAX: usize = 20_000;

impl ReportText {
    pub fn validate(&self) -> Result<(), crate::validation::FieldErrors> {
        let mut errors = crate::validation::FieldErrors::default();
        errors.text("title", &self.title, REPORT_TITLE_MAX, true);
        errors.text("number", &self.number, 60, false);
        errors.text("place", &self.place, 120, false);
        for (field, text) in [
            ("assessment", &self.assessment),
            ("lessons", &self.lessons),
            ("recommendations", &self.recommendations),
        ] {
            errors.text(field, text, REPORT_PART_MAX, false);
        }
        errors.into_result()
    }
}

/// A period report of a unit's subtree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Report {
    pub id: ReportId,
    pub unit_id: UnitId,
    pub period: Period,
    #[serde(flatten)]
    pub text: ReportText,
    pub status: ReportStatus,
    /// Frozen when the report was finalised; a draft is shown with the figures of now.
    #[serde(default)]
    pub figures: Option<Figures>,
    #[serde(default)]
    pub finalised_at: Option<Timestamp>,
}

/// A unit's name inside a sentence: "Thị xã Điện Bàn" reads "thị xã Điện Bàn".
fn in_sentence(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The text a new report starts from: its title, and an assessment written from the figures
/// that the Board rewrites as it sees fit.
pub fn starting_text(unit_name: &str, figures: &Figures) -> ReportText {
    let t = &figures.total;
    let by_field: Vec<String> = figures
        .by_field
        .iter()
        .map(|(field, c)| format!("{} {}", field.label_vi().to_lowercase(), c.registered))
        .collect();
    let mut assessment = format!(
        "Trong {}, toàn {} có {} mô hình “Dân vận khéo” được đăng ký ({}); {} mô hình mới. \
         {} mô hình đang triển khai, {} mô hình được đánh giá, {} mô hình điển hình, {} mô hình được nhân rộng.",
        figures.period.label_vi(),
        in_sentence(unit_name),
        t.registered,
        by_field.join(", "),
        t.new_in_period,
        t.running,
        t.evaluated,
        t.typical,
        t.replicated,
    );
    let awarded: u64 = figures.awards.iter().map(|(_, _, n)| n).sum();
    if awarded > 0 {
        assessment.push_str(&format!(" Có {awarded} tập thể, cá nhân được khen thưởng."));
    }
    let recommendations = match figures.difficulties.first() {
        Some((difficulty, n)) => format!(
            "Khó khăn được nêu nhiều nhất qua khảo sát: {} ({n} phiếu). Đề nghị các cấp quan tâm tháo gỡ.",
            difficulty.to_lowercase()
        ),
        None => String::new(),
    };
    ReportText {
        title: format!(
            "Báo cáo sơ kết, tổng kết phong trào thi đua “Dân vận khéo” {}",
            figures.period.label_vi()
        ),
        number: String::new(),
        place: String::new(),
        assessment,
        lessons: String::new(),
        recommendations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fact(field: Field, status: Status, on: Date) -> ModelFact {
        let mut model = Model::draft(
            ModelId::new(),
            UnitId::new(),
            "Mô hình".into(),
            field,
            on.year(),
        );
        model.status = status;
        model.results.people_reached = Some(10);
        ModelFact {
            model,
            registered_on: on,
        }
    }

    #[test]
    fn periods_name_themselves_as_reports_do() {
        assert_eq!(Period::year(2020).unwrap().label_vi(), "năm 2020");
        assert_eq!(
            Period::half(2020, true).unwrap().label_vi(),
            "6 tháng đầu năm 2020"
        );
        assert_eq!(
            Period::half(2020, false).unwrap().label_vi(),
            "6 tháng cuối năm 2020"
        );
        let five = Period::new(
            Date::new(2016, 1, 1).unwrap(),
            Date::new(2020, 12, 31).unwrap(),
        );
        assert_eq!(five.unwrap().label_vi(), "giai đoạn 2016–2020");
        assert!(
            Period::new(
                Date::new(2021, 1, 1).unwrap(),
                Date::new(2020, 1, 1).unwrap()
            )
            .is_none()
        );
    }

    #[test]
    fn drafts_and_later_models_are_not_counted_and_new_ones_are_told_apart() {
        let day = |y, m, d| Date::new(y, m, d).unwrap();
        let models = [
            fact(
                Field::EconomicDevelopment,
                Status::InProgress,
                day(2019, 3, 1),
            ),
            fact(Field::EconomicDevelopment, Status::Typical, day(2020, 8, 1)),
            fact(Field::CultureSociety, Status::Draft, day(2020, 2, 1)),
            fact(Field::CultureSociety, Status::Submitted, day(2021, 1, 5)),
        ];
        let f = figures(Period::year(2020).unwrap(), &models, &[], &[], &[]);
        assert_eq!(f.total.registered, 2);
        assert_eq!(f.total.new_in_period, 1);
        assert_eq!(f.total.running, 2);
        assert_eq!(f.total.typical, 1);
        assert_eq!(f.by_field[&Field::CultureSociety], Counts::default());
        assert_eq!(f.by_field.len(), 4, "every field, zero included");
        assert_eq!(f.results.people_reached, Some(20));
        assert_eq!(f.results.money_vnd, None, "nobody gave a figure");
        assert_eq!(f.typical.len(), 1);
    }

    #[test]
    fn a_new_report_starts_from_the_figures() {
        let day = |y, m, d| Date::new(y, m, d).unwrap();
        let models = [fact(
            Field::EconomicDevelopment,
            Status::Typical,
            day(2020, 3, 1),
        )];
        let f = figures(Period::year(2020).unwrap(), &models, &[], &[], &[]);
        let text = starting_text("Thị xã Điện Bàn", &f);
        assert!(text.title.ends_with("năm 2020"), "{}", text.title);
        assert!(
            text.assessment.contains("có 1 mô hình"),
            "{}",
            text.assessment
        );
        assert!(
            text.assessment.contains("phát triển kinh tế 1"),
            "{}",
            text.assessment
        );
        assert_eq!(text.validate(), Ok(()));
        let blank = ReportText::default();
        assert!(blank.validate().is_err(), "a title is needed");
    }

    proptest! {
        /// The lines by field and by unit add up to the total, whatever the models.
        #[test]
        fn lines_add_up_to_the_total(spec in prop::collection::vec((0usize..4, 0usize..9, 2015u16..2023), 0..40)) {
            let models: Vec<ModelFact> = spec
                .iter()
                .map(|(f, s, y)| fact(Field::ALL[*f], Status::ALL[*s], Date::new(*y, 6, 1).unwrap()))
                .collect();
            let f = figures(Period::year(2020).unwrap(), &models, &[], &[], &[]);
            let mut fields = Counts::default();
            for line in f.by_field.values() { fields.add(*line); }
            let mut units = Counts::default();
            for line in f.by_unit.values() { units.add(*line); }
            prop_assert_eq!(fields, f.total);
            prop_assert_eq!(units, f.total);
            prop_assert!(f.total.new_in_period <= f.total.registered);
            prop_assert!(f.total.typical <= f.total.running);
        }
    }
}
