//! Units (đơn vị) and their tree, with history: a unit can be renamed or merged into another
//! from a given date. Records of a merged unit stay attached to it; current overviews count
//! them under its successor.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::{
    date::Date,
    ids::UnitId,
    validation::{FieldErrors, Problem},
};

/// The kinds of unit of DOMAIN.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum UnitKind {
    /// Tỉnh / thành phố.
    Province,
    /// Thị xã (district-level town; abolished in the 2025 reform, present in history).
    DistrictTown,
    /// Xã.
    Commune,
    /// Phường.
    Ward,
    /// Cơ quan.
    Agency,
    /// Cấp ủy, Ban Dân vận.
    PartyCommittee,
    /// Mặt trận và các đoàn thể.
    MassOrganisation,
}

impl UnitKind {
    pub const ALL: [UnitKind; 7] = [
        UnitKind::Province,
        UnitKind::DistrictTown,
        UnitKind::Commune,
        UnitKind::Ward,
        UnitKind::Agency,
        UnitKind::PartyCommittee,
        UnitKind::MassOrganisation,
    ];

    pub fn label_vi(self) -> &'static str {
        match self {
            UnitKind::Province => "Tỉnh, thành phố",
            UnitKind::DistrictTown => "Thị xã",
            UnitKind::Commune => "Xã",
            UnitKind::Ward => "Phường",
            UnitKind::Agency => "Cơ quan",
            UnitKind::PartyCommittee => "Cấp ủy Đảng",
            UnitKind::MassOrganisation => "Mặt trận, đoàn thể",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            UnitKind::Province => "Province or city",
            UnitKind::DistrictTown => "District-level town",
            UnitKind::Commune => "Commune",
            UnitKind::Ward => "Ward",
            UnitKind::Agency => "Agency",
            UnitKind::PartyCommittee => "Party committee",
            UnitKind::MassOrganisation => "Fatherland Front or mass organisation",
        }
    }
}

/// A name a unit had until a date (it has been renamed since).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FormerName {
    pub name: String,
    /// The day the new name took effect.
    pub until: Date,
}

/// A unit as stored and sent to clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Unit {
    pub id: UnitId,
    /// The current name.
    pub name: String,
    pub kind: UnitKind,
    /// `None` only for the top unit of an installation.
    pub parent_id: Option<UnitId>,
    /// Earlier names, oldest first.
    #[serde(default)]
    pub former_names: Vec<FormerName>,
    /// The unit this one was merged into, and from when. A merged unit keeps its records.
    #[serde(default)]
    pub merged_into: Option<UnitId>,
    #[serde(default)]
    pub merged_on: Option<Date>,
}

pub const UNIT_NAME_MAX: usize = 200;

impl Unit {
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::default();
        errors.text("name", &self.name, UNIT_NAME_MAX, true);
        if self.merged_into.is_some() != self.merged_on.is_some() {
            errors.add("merged_on", Problem::Required);
        }
        if self.merged_into == Some(self.id) || self.parent_id == Some(self.id) {
            errors.add("merged_into", Problem::InvalidChoice);
        }
        errors.into_result()
    }

    pub fn is_merged(&self) -> bool {
        self.merged_into.is_some()
    }

    /// The name the unit had on `date`.
    pub fn name_on(&self, date: Date) -> &str {
        self.former_names
            .iter()
            .find(|former| date < former.until)
            .map_or(&self.name, |former| &former.name)
    }
}

/// The unit tree with the questions access control and overviews ask of it. Built from the
/// full list of units; tolerant of cycles in bad data (it never loops).
#[derive(Debug, Clone, Default)]
pub struct UnitTree {
    units: BTreeMap<UnitId, Unit>,
    children: BTreeMap<UnitId, Vec<UnitId>>,
    /// Units merged into each unit.
    absorbed: BTreeMap<UnitId, Vec<UnitId>>,
}

impl UnitTree {
    pub fn new(units: impl IntoIterator<Item = Unit>) -> Self {
        let units: BTreeMap<UnitId, Unit> = units.into_iter().map(|u| (u.id, u)).collect();
        let mut children: BTreeMap<UnitId, Vec<UnitId>> = BTreeMap::new();
        let mut absorbed: BTreeMap<UnitId, Vec<UnitId>> = BTreeMap::new();
        for unit in units.values() {
            if let Some(parent) = unit.parent_id {
                children.entry(parent).or_default().push(unit.id);
            }
            if let Some(successor) = unit.merged_into {
                absorbed.entry(successor).or_default().push(unit.id);
            }
        }
        Self {
            units,
            children,
            absorbed,
        }
    }

    pub fn get(&self, id: UnitId) -> Option<&Unit> {
        self.units.get(&id)
    }

    pub fn units(&self) -> impl Iterator<Item = &Unit> {
        self.units.values()
    }

    /// Units without a parent (normally one).
    pub fn roots(&self) -> impl Iterator<Item = &Unit> {
        self.units.values().filter(|u| u.parent_id.is_none())
    }

    pub fn children(&self, id: UnitId) -> &[UnitId] {
        self.children.get(&id).map_or(&[], Vec::as_slice)
    }

    /// `id` and every unit below it. A unit merged into a unit of the subtree belongs to it too,
    /// wherever it sat before the merge: its successor now answers for its records.
    pub fn subtree(&self, id: UnitId) -> BTreeSet<UnitId> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![id];
        while let Some(next) = stack.pop() {
            if !self.units.contains_key(&next) || !seen.insert(next) {
                continue;
            }
            stack.extend(self.children(next).iter().copied());
            stack.extend(self.absorbed.get(&next).into_iter().flatten().copied());
        }
        seen
    }

    /// Whether `unit` is `ancestor` or lies below it.
    pub fn is_within(&self, unit: UnitId, ancestor: UnitId) -> bool {
        self.subtree(ancestor).contains(&unit)
    }

    /// The unit that answers for `id` today: follows merges to the end.
    pub fn current(&self, id: UnitId) -> UnitId {
        let mut current = id;
        let mut hops = 0;
        while let Some(next) = self.units.get(&current).and_then(|u| u.merged_into) {
            current = next;
            hops += 1;
            if hops > self.units.len() {
                break; // a cycle in bad data: stop rather than loop
            }
        }
        current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(name: &str, parent: Option<UnitId>) -> Unit {
        Unit {
            id: UnitId::new(),
            name: name.into(),
            kind: UnitKind::Commune,
            parent_id: parent,
            former_names: vec![],
            merged_into: None,
            merged_on: None,
        }
    }

    #[test]
    fn a_merged_unit_rolls_up_to_its_successor_and_stays_in_its_subtree() {
        let town = unit("Thị xã Điện Bàn", None);
        let a = unit("Điện Hòa", Some(town.id));
        let b = unit("Điện Tiến", Some(town.id));
        let mut c = unit("Điện Hồng", Some(town.id));
        c.merged_into = Some(a.id);
        c.merged_on = Some(Date::new(2025, 7, 1).unwrap());
        let tree = UnitTree::new([town.clone(), a.clone(), b.clone(), c.clone()]);
        assert_eq!(tree.current(c.id), a.id);
        assert_eq!(tree.current(a.id), a.id);
        assert!(tree.subtree(a.id).contains(&c.id));
        assert!(!tree.subtree(b.id).contains(&c.id));
        assert_eq!(tree.subtree(town.id).len(), 4);
        assert!(tree.is_within(a.id, town.id));
        assert!(!tree.is_within(town.id, a.id));
    }

    #[test]
    fn a_renamed_unit_answers_its_old_name_for_old_dates() {
        let mut u = unit("Phường Điện Ngọc", None);
        u.former_names.push(FormerName {
            name: "Xã Điện Ngọc".into(),
            until: Date::new(2016, 1, 1).unwrap(),
        });
        assert_eq!(u.name_on(Date::new(2015, 6, 1).unwrap()), "Xã Điện Ngọc");
        assert_eq!(
            u.name_on(Date::new(2020, 6, 1).unwrap()),
            "Phường Điện Ngọc"
        );
    }

    #[test]
    fn cycles_in_bad_data_do_not_loop() {
        let mut a = unit("A", None);
        let mut b = unit("B", Some(a.id));
        a.parent_id = Some(b.id);
        a.merged_into = Some(b.id);
        b.merged_into = Some(a.id);
        let tree = UnitTree::new([a.clone(), b.clone()]);
        let _ = tree.current(a.id);
        assert_eq!(tree.subtree(a.id).len(), 2);
    }

    #[test]
    fn a_unit_needs_a_name_and_a_date_for_its_merge() {
        let mut u = unit("  ", None);
        u.merged_into = Some(UnitId::new());
        let errors = u.validate().unwrap_err();
        assert_eq!(errors.get("name"), Some(Problem::Required));
        assert_eq!(errors.get("merged_on"), Some(Problem::Required));
    }
}
