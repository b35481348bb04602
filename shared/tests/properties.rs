//! Property tests of the shared rules: what holds for every input, not just the examples.
//! Failing cases are kept in `proptest-regressions/` and replayed first.

// A test states what must hold with unwrap/expect; the lint is for production code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use dvk_shared::{
    date::Date,
    ids::{ModelId, UnitId},
    model::{self, Contact, Field, Model, Results, Status},
    survey::{Rating, default_criteria, total_score},
    text::{fold, format_number, matches, parse_number, sort_key},
    validation::Problem,
};
use proptest::prelude::*;

/// Text as people type it here: Vietnamese letters with tones, ASCII, spaces, punctuation.
fn vietnamese_text(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!(
        "[a-zA-Z0-9 àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđĐÂĂÊÔƠƯÁÀ,.;:()\\-]{{0,{max}}}"
    ))
    .unwrap()
}

fn field() -> impl Strategy<Value = Field> {
    prop::sample::select(Field::ALL.to_vec())
}

fn status() -> impl Strategy<Value = Status> {
    prop::sample::select(Status::ALL.to_vec())
}

fn figure() -> impl Strategy<Value = Option<u64>> {
    prop_oneof![Just(None), (0u64..=model::FIGURE_MAX + 10).prop_map(Some)]
}

prop_compose! {
    fn any_model()(
        name in vietnamese_text(220),
        field in field(),
        status in status(),
        year in 1985u16..2110,
        start in prop::option::of((1985u16..2110, 1u8..=12, 1u8..=28)),
        objectives in vietnamese_text(60),
        content in vietnamese_text(60),
        people in figure(),
        money in figure(),
        households in figure(),
        contact_name in vietnamese_text(30),
        phone in "[0-9 .+-]{0,18}",
    ) -> Model {
        Model {
            id: ModelId::new(),
            unit_id: UnitId::new(),
            name,
            field,
            year,
            start_date: start.and_then(|(y, m, d)| Date::new(y, m, d)),
            objectives,
            content,
            participants: String::new(),
            results: Results { people_reached: people, money_vnd: money, labour_days: None, land_m2: None, households },
            effectiveness: String::new(),
            replication_scope: String::new(),
            contact: Contact { name: contact_name, position: String::new(), phone },
            location: None,
            status,
            status_since: None,
            review_comment: None,
            ratings: Default::default(),
            adopted_from: None,
            replicated_outside: Vec::new(),
            published: false,
            public_photos: Vec::new(),
        }
    }
}

proptest! {
    #[test]
    fn a_model_survives_the_wire_unchanged(m in any_model()) {
        let json = serde_json::to_string(&m).unwrap();
        prop_assert_eq!(serde_json::from_str::<Model>(&json).unwrap(), m);
    }

    #[test]
    fn validation_accepts_exactly_the_models_within_the_rules(m in any_model()) {
        let result = m.validate_draft();
        let name_ok = !m.name.trim().is_empty() && m.name.trim().chars().count() <= model::NAME_MAX;
        let year_ok = (model::YEAR_MIN..=model::YEAR_MAX).contains(&m.year);
        let start_ok = m.start_date.is_none_or(|d| d.year() >= model::YEAR_MIN && d.year() <= m.year + 1);
        let figures_ok = [m.results.people_reached, m.results.money_vnd, m.results.households]
            .iter()
            .all(|v| v.is_none_or(|v| v <= model::FIGURE_MAX));
        let phone_ok = m.contact.phone.trim().is_empty() || model::phone_is_valid(m.contact.phone.trim());
        prop_assert_eq!(result.is_ok(), name_ok && year_ok && start_ok && figures_ok && phone_ok, "{:?}", result);
        if let Err(errors) = result {
            prop_assert_eq!(errors.get("name").is_some(), !name_ok);
            prop_assert_eq!(errors.get("year") == Some(Problem::OutOfRange), !year_ok);
        }
    }

    #[test]
    fn submitting_is_never_easier_than_saving_a_draft(m in any_model()) {
        if m.validate_for_submit().is_ok() {
            prop_assert!(m.validate_draft().is_ok());
        }
    }

    #[test]
    fn folding_is_idempotent_and_finds_the_text_in_itself(text in vietnamese_text(40)) {
        prop_assert_eq!(fold(&fold(&text)), fold(&text));
        prop_assert!(matches(&text, &text));
        prop_assert!(matches(&text, &fold(&text)), "the unaccented form finds the accented text");
        prop_assert!(fold(&text).chars().all(|c| !c.is_uppercase() && !"àáảãạăâđêôơư".contains(c)));
    }

    #[test]
    fn sorting_by_key_is_a_total_order_that_ignores_case(a in vietnamese_text(20), b in vietnamese_text(20)) {
        let (ka, kb) = (sort_key(&a), sort_key(&b));
        prop_assert_eq!(ka.cmp(&kb), kb.cmp(&ka).reverse());
        prop_assert_eq!(sort_key(&a.to_uppercase()), sort_key(&a.to_lowercase()));
    }

    #[test]
    fn dates_round_trip_in_both_notations(y in 1900u16..=2200, m in 1u8..=12, d in 1u8..=31) {
        if let Some(date) = Date::new(y, m, d) {
            prop_assert_eq!(date.to_string().parse::<Date>().unwrap(), date);
            prop_assert_eq!(Date::parse_any(&date.to_vietnamese()).unwrap(), date);
        }
    }

    #[test]
    fn a_total_is_between_0_and_100_and_never_falls_when_a_score_rises(
        scores in prop::collection::vec(0u8..=10, 5),
        which in 0usize..5,
    ) {
        let criteria = default_criteria();
        let map: BTreeMap<String, u8> = criteria.iter().zip(&scores).map(|(c, s)| (c.key.clone(), *s)).collect();
        let total = total_score(&criteria, &map).unwrap();
        prop_assert!((0.0..=100.0).contains(&total));
        let mut higher = map.clone();
        let key = &criteria[which].key;
        higher.insert(key.clone(), (map[key] + 1).min(10));
        let raised = total_score(&criteria, &higher).unwrap();
        prop_assert!(raised >= total);
        prop_assert!(Rating::of_total(raised) <= Rating::of_total(total), "a better total never rates worse");
    }

    #[test]
    fn figures_read_back_as_they_were_written(n in any::<u64>()) {
        let written = format_number(n);
        prop_assert_eq!(parse_number(&written), Some(Some(n)));
        prop_assert_eq!(parse_number(&format!("{written} đ")), Some(Some(n)));
        // Groups of three, dots only between them.
        prop_assert!(written.split('.').skip(1).all(|group| group.len() == 3));
        prop_assert!(written.split('.').next().is_some_and(|first| (1..=3).contains(&first.len())));
    }
}
