//! The library of typical models (thư viện mô hình điển hình) and their replication (nhân
//! rộng). Every typical model of the installation has one entry that every signed-in device
//! holds, whatever its unit: what others need to learn from it and adopt it (aims, ways of
//! working, results, the latest rating, survey photos), never its contact person or survey
//! notes. The server writes the entries from the models; this module is the projection and the
//! counts, so the tablet and the server agree on them.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{
    ids::{ModelId, UnitId},
    model::{Field, Model, OutsideReplication, Results, Status},
    survey::Rating,
};

/// Whether a model of this status belongs in the library.
pub fn is_recognised(status: Status) -> bool {
    matches!(status, Status::Typical | Status::Replicated)
}

/// A model made by adopting another, as the source's entry lists it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Adoption {
    pub model_id: ModelId,
    pub unit_id: UnitId,
    #[serde(default)]
    pub unit_name: String,
    pub name: String,
    /// The year the adopting model was registered.
    pub year: u16,
}

/// One typical model as the library shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LibraryEntry {
    /// The model's id: one entry per model.
    pub id: ModelId,
    pub unit_id: UnitId,
    /// The unit's name when the entry was written: devices of other units do not hold it.
    #[serde(default)]
    pub unit_name: String,
    pub name: String,
    pub field: Field,
    pub year: u16,
    pub status: Status,
    #[serde(default)]
    pub objectives: String,
    #[serde(default)]
    pub content: String,
    #[serde(default)]
    pub participants: String,
    #[serde(default)]
    pub results: Results,
    #[serde(default)]
    pub effectiveness: String,
    #[serde(default)]
    pub replication_scope: String,
    /// The latest year the Board rated it, and the rating.
    #[serde(default)]
    pub latest_rating: Option<(u16, Rating)>,
    /// Content hashes of the photos of its surveys.
    #[serde(default)]
    pub photos: Vec<String>,
    /// The model it was itself adopted from, if any.
    #[serde(default)]
    pub adopted_from: Option<ModelId>,
    /// Models adopted from it, in the order they were registered.
    #[serde(default)]
    pub adoptions: Vec<Adoption>,
    #[serde(default)]
    pub replicated_outside: Vec<OutsideReplication>,
    /// On the public page (the Board published it).
    #[serde(default)]
    pub published: bool,
    /// The photos the public page shows.
    #[serde(default)]
    pub public_photos: Vec<String>,
}

/// The most survey photos an entry carries.
pub const ENTRY_PHOTOS_MAX: usize = 12;

impl LibraryEntry {
    /// The entry of `model` (`None` unless it is typical or replicated), with the photos of
    /// its surveys and the models adopted from it.
    pub fn of(
        model: &Model,
        unit_name: &str,
        photos: &[String],
        adoptions: &[Adoption],
    ) -> Option<LibraryEntry> {
        if !is_recognised(model.status) {
            return None;
        }
        let mut photos: Vec<String> = photos.to_vec();
        photos.sort();
        photos.dedup();
        photos.truncate(ENTRY_PHOTOS_MAX);
        let mut adoptions: Vec<Adoption> = adoptions
            .iter()
            .filter(|a| a.model_id != model.id)
            .cloned()
            .collect();
        adoptions.sort_by(|a, b| (a.year, &a.name, a.model_id).cmp(&(b.year, &b.name, b.model_id)));
        Some(LibraryEntry {
            id: model.id,
            unit_id: model.unit_id,
            unit_name: unit_name.to_owned(),
            name: model.name.clone(),
            field: model.field,
            year: model.year,
            status: model.status,
            objectives: model.objectives.clone(),
            content: model.content.clone(),
            participants: model.participants.clone(),
            results: model.results.clone(),
            effectiveness: model.effectiveness.clone(),
            replication_scope: model.replication_scope.clone(),
            latest_rating: model.ratings.iter().next_back().map(|(y, r)| (*y, *r)),
            photos,
            adopted_from: model.adopted_from,
            adoptions,
            replicated_outside: model.replicated_outside.clone(),
            published: model.published,
            public_photos: model.public_photos.clone(),
        })
    }

    /// Replicated: adopted by another unit in the app, or recorded by the Board outside it,
    /// or marked so by the Board — nobody has to type it when it happened in the app.
    pub fn is_replicated(&self) -> bool {
        self.status == Status::Replicated
            || !self.replicated_outside.is_empty()
            || self.adoptions.iter().any(|a| a.unit_id != self.unit_id)
    }

    /// The units it reached: the adopting units other than its own, and the outside places.
    pub fn reach(&self) -> usize {
        let units: BTreeSet<UnitId> = self
            .adoptions
            .iter()
            .map(|a| a.unit_id)
            .filter(|u| *u != self.unit_id)
            .collect();
        let places: BTreeSet<String> = self
            .replicated_outside
            .iter()
            .map(|o| crate::text::fold(&o.place))
            .collect();
        units.len() + places.len()
    }

    /// The fields of a new draft in `unit` that starts from this model ("Áp dụng mô hình
    /// này"): its aims, ways of working and who takes part, linked to it; figures, contact,
    /// place and results are the adopting unit's to fill in.
    pub fn adoption_draft(&self, unit: UnitId, year: u16) -> Map<String, Value> {
        let mut fields = Map::new();
        fields.insert("unit_id".into(), Value::String(unit.to_string()));
        fields.insert("name".into(), Value::String(self.name.clone()));
        fields.insert("field".into(), Value::String(self.field.as_str().into()));
        fields.insert("year".into(), Value::from(year));
        fields.insert("objectives".into(), Value::String(self.objectives.clone()));
        fields.insert("content".into(), Value::String(self.content.clone()));
        fields.insert(
            "participants".into(),
            Value::String(self.participants.clone()),
        );
        fields.insert("adopted_from".into(), Value::String(self.id.to_string()));
        fields
    }
}

/// What the overview says of replication.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReplicationStats {
    /// Typical models in the library.
    pub typical: u64,
    /// Of them, replicated (in the app, outside it, or marked).
    pub replicated: u64,
    /// Distinct units and outside places they reached.
    pub units_reached: u64,
    /// The most replicated, most reached first: (model, name, units reached).
    pub most_replicated: Vec<(ModelId, String, u64)>,
}

/// The replication figures of `entries`, at most `top` models in the ranking.
pub fn replication_stats<'a>(
    entries: impl IntoIterator<Item = &'a LibraryEntry>,
    top: usize,
) -> ReplicationStats {
    let mut stats = ReplicationStats::default();
    let mut reached: BTreeSet<String> = BTreeSet::new();
    let mut ranking = Vec::new();
    for entry in entries {
        stats.typical += 1;
        if !entry.is_replicated() {
            continue;
        }
        stats.replicated += 1;
        for adoption in entry
            .adoptions
            .iter()
            .filter(|a| a.unit_id != entry.unit_id)
        {
            reached.insert(adoption.unit_id.to_string());
        }
        for outside in &entry.replicated_outside {
            reached.insert(format!("outside:{}", crate::text::fold(&outside.place)));
        }
        ranking.push((entry.id, entry.name.clone(), entry.reach() as u64));
    }
    stats.units_reached = reached.len() as u64;
    ranking.retain(|r| r.2 > 0);
    // The sort key once per model, not at every comparison: a province ranks thousands.
    ranking.sort_by_cached_key(|r| (std::cmp::Reverse(r.2), crate::text::sort_key(&r.1)));
    ranking.truncate(top);
    stats.most_replicated = ranking;
    stats
}

/// Replication counted per unit: how many models it adopted from elsewhere, and how many of
/// its own typical models were replicated elsewhere (adopted by another unit, or outside).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitReplication {
    pub unit_name: String,
    pub adopted_in: u64,
    pub spread_out: u64,
}

/// [`UnitReplication`] for every unit that adopted or spread a model, by unit.
pub fn replication_by_unit<'a>(
    entries: impl IntoIterator<Item = &'a LibraryEntry>,
) -> BTreeMap<UnitId, UnitReplication> {
    let mut units: BTreeMap<UnitId, UnitReplication> = BTreeMap::new();
    for entry in entries {
        if entry.reach() > 0 {
            let line = units.entry(entry.unit_id).or_default();
            line.unit_name.clone_from(&entry.unit_name);
            line.spread_out += 1;
        }
        for adoption in entry
            .adoptions
            .iter()
            .filter(|a| a.unit_id != entry.unit_id)
        {
            let line = units.entry(adoption.unit_id).or_default();
            if line.unit_name.is_empty() {
                line.unit_name.clone_from(&adoption.unit_name);
            }
            line.adopted_in += 1;
        }
    }
    units
}

/// The replication tree under `root`: each model with the models adopted from it, depth first,
/// as (depth, adoption). A model adopted from an adoption appears under it; a cycle (which the
/// server never makes) stops where it would repeat.
pub fn replication_tree(
    root: ModelId,
    entries: &BTreeMap<ModelId, LibraryEntry>,
    adopted: &BTreeMap<ModelId, Vec<Adoption>>,
) -> Vec<(usize, Adoption)> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::from([root]);
    let mut stack: Vec<(usize, Adoption)> = children(root, entries, adopted)
        .into_iter()
        .rev()
        .map(|a| (1, a))
        .collect();
    while let Some((depth, adoption)) = stack.pop() {
        if !seen.insert(adoption.model_id) {
            continue;
        }
        for child in children(adoption.model_id, entries, adopted)
            .into_iter()
            .rev()
        {
            stack.push((depth + 1, child));
        }
        out.push((depth, adoption));
    }
    out
}

fn children(
    of: ModelId,
    entries: &BTreeMap<ModelId, LibraryEntry>,
    adopted: &BTreeMap<ModelId, Vec<Adoption>>,
) -> Vec<Adoption> {
    entries
        .get(&of)
        .map(|e| e.adoptions.clone())
        .or_else(|| adopted.get(&of).cloned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::Date;
    use proptest::prelude::*;

    fn typical(unit: UnitId) -> Model {
        let mut model = Model::draft(
            ModelId::new(),
            unit,
            "Thắp sáng đường quê".into(),
            Field::CultureSociety,
            2020,
        );
        model.status = Status::Typical;
        model.objectives = "Đường thôn có điện".into();
        model.contact.name = "Nguyễn Văn Liên lạc".into();
        model.contact.phone = "0905 000 111".into();
        model.results.money_vnd = Some(15_000_000);
        model.ratings.insert(2019, Rating::Good);
        model.ratings.insert(2020, Rating::Excellent);
        model
    }

    fn adoption(unit: UnitId, year: u16) -> Adoption {
        Adoption {
            model_id: ModelId::new(),
            unit_id: unit,
            unit_name: String::new(),
            name: "Thắp sáng đường quê".into(),
            year,
        }
    }

    #[test]
    fn an_entry_carries_what_others_learn_from_never_the_contact() {
        let model = typical(UnitId::new());
        let entry = LibraryEntry::of(
            &model,
            "Xã A",
            &["b".repeat(64), "a".repeat(64), "b".repeat(64)],
            &[],
        )
        .unwrap();
        assert_eq!(entry.latest_rating, Some((2020, Rating::Excellent)));
        assert_eq!(entry.photos, ["a".repeat(64), "b".repeat(64)]);
        let text = serde_json::to_string(&entry).unwrap();
        assert!(
            !text.contains("0905") && !text.contains("Liên lạc"),
            "{text}"
        );
        let mut draft = model.clone();
        draft.status = Status::Evaluated;
        assert!(LibraryEntry::of(&draft, "Xã A", &[], &[]).is_none());
    }

    #[test]
    fn adopting_starts_from_the_ways_of_working_with_figures_cleared_and_the_link_kept() {
        let model = typical(UnitId::new());
        let entry = LibraryEntry::of(&model, "Xã A", &[], &[]).unwrap();
        let mine = UnitId::new();
        let fields = entry.adoption_draft(mine, 2025);
        assert_eq!(fields["adopted_from"], model.id.to_string());
        assert_eq!(fields["unit_id"], mine.to_string());
        assert_eq!(fields["objectives"], "Đường thôn có điện");
        for cleared in ["results", "contact", "location", "status", "ratings"] {
            assert!(
                !fields.contains_key(cleared),
                "{cleared} is the adopting unit's"
            );
        }
        // The draft reads as a model the server accepts.
        let mut object = fields.clone();
        object.insert("id".into(), Value::String(ModelId::new().to_string()));
        object.insert("status".into(), Value::String("draft".into()));
        let draft: Model = serde_json::from_value(Value::Object(object)).unwrap();
        assert_eq!(draft.validate_draft(), Ok(()));
        assert_eq!(draft.adopted_from, Some(model.id));
    }

    #[test]
    fn adoption_in_another_unit_counts_as_replication_without_anyone_typing_it() {
        let home = UnitId::new();
        let model = typical(home);
        let alone = LibraryEntry::of(&model, "Xã A", &[], &[]).unwrap();
        assert!(!alone.is_replicated());
        // Adopted in its own unit only: not replicated elsewhere.
        let at_home = LibraryEntry::of(&model, "Xã A", &[], &[adoption(home, 2021)]).unwrap();
        assert!(!at_home.is_replicated());
        let (a, b) = (UnitId::new(), UnitId::new());
        let spread = LibraryEntry::of(
            &model,
            "Xã A",
            &[],
            &[adoption(a, 2021), adoption(a, 2022), adoption(b, 2022)],
        )
        .unwrap();
        assert!(spread.is_replicated());
        assert_eq!(spread.reach(), 2, "two units, however many models");
        let mut outside = model.clone();
        outside.replicated_outside.push(OutsideReplication {
            place: "Xã Duy Phước".into(),
            date: Date::new(2022, 3, 1).unwrap(),
            notes: String::new(),
        });
        let outside = LibraryEntry::of(&outside, "Xã A", &[], &[]).unwrap();
        assert!(outside.is_replicated());
        let by_unit = replication_by_unit([&alone, &spread, &outside]);
        assert_eq!(
            by_unit[&home].spread_out, 2,
            "two of its models went elsewhere"
        );
        assert_eq!(by_unit[&a].adopted_in, 2);
        assert_eq!(by_unit[&b].adopted_in, 1);
        let stats = replication_stats([&alone, &spread, &outside], 5);
        assert_eq!(
            (stats.typical, stats.replicated, stats.units_reached),
            (3, 2, 3)
        );
        assert_eq!(stats.most_replicated[0].2, 2);
    }

    #[test]
    fn the_tree_lists_adoptions_of_adoptions_under_them() {
        let model = typical(UnitId::new());
        let first = adoption(UnitId::new(), 2021);
        let second = adoption(UnitId::new(), 2022);
        let grandchild = adoption(UnitId::new(), 2023);
        let root = LibraryEntry::of(&model, "Xã A", &[], &[first.clone(), second.clone()]).unwrap();
        let entries = BTreeMap::from([(root.id, root.clone())]);
        let adopted = BTreeMap::from([(first.model_id, vec![grandchild.clone()])]);
        let tree = replication_tree(root.id, &entries, &adopted);
        let shape: Vec<(usize, ModelId)> = tree.iter().map(|(d, a)| (*d, a.model_id)).collect();
        assert_eq!(
            shape,
            [
                (1, first.model_id),
                (2, grandchild.model_id),
                (1, second.model_id)
            ]
        );
    }

    proptest! {
        /// Counting never depends on the order of adoptions, and reach is at most the number of
        /// adoptions plus outside places.
        #[test]
        fn counts_do_not_depend_on_order(units in prop::collection::vec(0usize..4, 0..12)) {
            let pool: Vec<UnitId> = (0..4).map(|_| UnitId::new()).collect();
            let model = typical(pool[0]);
            let adoptions: Vec<Adoption> = units.iter().map(|u| adoption(pool[*u], 2021)).collect();
            let mut reversed = adoptions.clone();
            reversed.reverse();
            let a = LibraryEntry::of(&model, "Xã A", &[], &adoptions).unwrap();
            let b = LibraryEntry::of(&model, "Xã A", &[], &reversed).unwrap();
            prop_assert_eq!(a.reach(), b.reach());
            prop_assert_eq!(a.is_replicated(), units.iter().any(|u| *u != 0));
            prop_assert!(a.reach() <= adoptions.len());
            let expected: BTreeSet<usize> = units.iter().copied().filter(|u| *u != 0).collect();
            prop_assert_eq!(a.reach(), expected.len());
        }
    }
}
