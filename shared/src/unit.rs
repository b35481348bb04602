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
    /// The day the unit stopped existing without a successor. A closed unit keeps its records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_on: Option<Date>,
}

pub const UNIT_NAME_MAX: usize = 200;

/// `POST /api/units`: a unit under another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewUnit {
    pub name: String,
    pub kind: UnitKind,
    pub parent_id: UnitId,
}

/// `POST /api/units/{id}/rename`: the new name and the day it took effect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitRename {
    pub name: String,
    pub on: Date,
    /// A new kind with the name (a commune that becomes a ward), if it changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<UnitKind>,
}

/// `POST /api/units/{id}/merge`: merged into `into` from `on`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitMerge {
    pub into: UnitId,
    pub on: Date,
}

/// `POST /api/units/{id}/close`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitClose {
    pub on: Date,
}

/// Why a change to the tree is refused, beyond a field's own rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitRefusal {
    /// The top unit is never merged or closed: the tree always keeps one.
    TopUnit,
    /// The unit was merged or closed already.
    NotCurrent,
    /// A unit cannot be merged into itself or into a unit below it.
    IntoItsOwnTree,
    /// A unit with current units below it is not closed (merge or close them first).
    HasUnits,
    /// A unit with active accounts is not closed (move or deactivate them first).
    HasAccounts,
}

impl UnitRefusal {
    pub fn code(self) -> &'static str {
        match self {
            UnitRefusal::TopUnit => "top_unit",
            UnitRefusal::NotCurrent => "unit_not_current",
            UnitRefusal::IntoItsOwnTree => "merge_into_own_tree",
            UnitRefusal::HasUnits => "unit_has_units",
            UnitRefusal::HasAccounts => "unit_has_accounts",
        }
    }

    pub fn message_vi(self) -> &'static str {
        match self {
            UnitRefusal::TopUnit => {
                "Không thể sáp nhập hay giải thể đơn vị cấp cao nhất: hệ thống luôn cần một đơn vị gốc."
            }
            UnitRefusal::NotCurrent => {
                "Đơn vị này đã được sáp nhập hoặc giải thể nên không thay đổi được nữa."
            }
            UnitRefusal::IntoItsOwnTree => {
                "Không thể sáp nhập một đơn vị vào chính nó hoặc vào đơn vị trực thuộc nó."
            }
            UnitRefusal::HasUnits => {
                "Đơn vị còn đơn vị trực thuộc: hãy sáp nhập hoặc giải thể các đơn vị đó trước."
            }
            UnitRefusal::HasAccounts => {
                "Đơn vị còn tài khoản đang hoạt động: hãy chuyển hoặc khoá các tài khoản đó trước."
            }
        }
    }

    pub fn message_en(self) -> &'static str {
        match self {
            UnitRefusal::TopUnit => {
                "The top unit is never merged or closed: the tree always needs one."
            }
            UnitRefusal::NotCurrent => "This unit was merged or closed and cannot change any more.",
            UnitRefusal::IntoItsOwnTree => {
                "A unit cannot be merged into itself or into a unit below it."
            }
            UnitRefusal::HasUnits => {
                "The unit still has units below it: merge or close them first."
            }
            UnitRefusal::HasAccounts => {
                "The unit still has active accounts: move or deactivate them first."
            }
        }
    }
}

/// What a change to the tree writes, or why not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TreeChange {
    /// The units as they are after the change (the unit, and for a merge its children moved
    /// under the successor).
    Write(Vec<Unit>),
    Invalid(FieldErrors),
    Refused(UnitRefusal),
}

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

    /// Neither merged nor closed: records and accounts may be placed in it.
    pub fn is_current(&self) -> bool {
        self.merged_into.is_none() && self.closed_on.is_none()
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

    /// The unit `id`'s records counted under on `date`: merges from later dates do not apply
    /// yet, so a report of an earlier year shows the units as they were.
    pub fn current_on(&self, id: UnitId, date: Date) -> UnitId {
        let mut current = id;
        let mut hops = 0;
        while let Some(next) = self
            .units
            .get(&current)
            .filter(|u| u.merged_on.is_some_and(|on| on <= date))
            .and_then(|u| u.merged_into)
        {
            current = next;
            hops += 1;
            if hops > self.units.len() {
                break; // a cycle in bad data: stop rather than loop
            }
        }
        current
    }

    /// The unit's name on `date`.
    /// The unit right under `top` on the way up from `id` (the line `id` is counted on in an
    /// overview of `top`): `top` itself for `top`, and `id` itself when it is not below `top`.
    pub fn line_under(&self, id: UnitId, top: UnitId) -> UnitId {
        let mut at = id;
        for _ in 0..=self.units.len() {
            if at == top {
                return at;
            }
            match self.units.get(&at).and_then(|u| u.parent_id) {
                Some(parent) if parent == top => return at,
                Some(parent) => at = parent,
                None => return id,
            }
        }
        id // a cycle in bad data: stop rather than loop
    }

    pub fn name_on(&self, id: UnitId, date: Date) -> String {
        self.get(id)
            .map(|u| u.name_on(date).to_owned())
            .unwrap_or_default()
    }
}

impl UnitTree {
    fn current_unit(&self, id: UnitId) -> Result<&Unit, UnitRefusal> {
        match self.get(id) {
            Some(unit) if unit.is_current() => Ok(unit),
            _ => Err(UnitRefusal::NotCurrent),
        }
    }

    /// A new unit `id` under a current parent.
    pub fn add(&self, id: UnitId, new: &NewUnit) -> TreeChange {
        let mut errors = FieldErrors::default();
        errors.text("name", &new.name, UNIT_NAME_MAX, true);
        if self.get(new.parent_id).is_none_or(|p| !p.is_current()) {
            errors.add("parent_id", Problem::InvalidChoice);
        }
        if !errors.is_empty() {
            return TreeChange::Invalid(errors);
        }
        TreeChange::Write(vec![Unit {
            id,
            name: new.name.trim().to_owned(),
            kind: new.kind,
            parent_id: Some(new.parent_id),
            former_names: Vec::new(),
            merged_into: None,
            merged_on: None,
            closed_on: None,
        }])
    }

    /// The unit under its new name from `on`; the old name is kept for earlier dates.
    pub fn rename(&self, id: UnitId, rename: &UnitRename) -> TreeChange {
        let unit = match self.current_unit(id) {
            Ok(unit) => unit,
            Err(refusal) => return TreeChange::Refused(refusal),
        };
        let mut errors = FieldErrors::default();
        errors.text("name", &rename.name, UNIT_NAME_MAX, true);
        if rename.name.trim() == unit.name {
            errors.add("name", Problem::Unchanged);
        }
        // Names follow each other in time: a new one starts after the last change.
        if unit
            .former_names
            .last()
            .is_some_and(|last| rename.on <= last.until)
        {
            errors.add("on", Problem::OutOfRange);
        }
        if !errors.is_empty() {
            return TreeChange::Invalid(errors);
        }
        let mut renamed = unit.clone();
        renamed.former_names.push(FormerName {
            name: unit.name.clone(),
            until: rename.on,
        });
        renamed.name = rename.name.trim().to_owned();
        if let Some(kind) = rename.kind {
            renamed.kind = kind;
        }
        TreeChange::Write(vec![renamed])
    }

    /// The unit merged into a current unit outside its own subtree; its units below move under
    /// the successor.
    pub fn merge(&self, id: UnitId, merge: &UnitMerge) -> TreeChange {
        let unit = match self.current_unit(id) {
            Ok(unit) if unit.parent_id.is_none() => {
                return TreeChange::Refused(UnitRefusal::TopUnit);
            }
            Ok(unit) => unit,
            Err(refusal) => return TreeChange::Refused(refusal),
        };
        if self.get(merge.into).is_none_or(|u| !u.is_current()) {
            let mut errors = FieldErrors::default();
            errors.add("into", Problem::InvalidChoice);
            return TreeChange::Invalid(errors);
        }
        if merge.into == id || self.is_within(merge.into, id) {
            return TreeChange::Refused(UnitRefusal::IntoItsOwnTree);
        }
        let mut merged = unit.clone();
        merged.merged_into = Some(merge.into);
        merged.merged_on = Some(merge.on);
        let mut written = vec![merged];
        for child in self.children(id) {
            if let Some(child) = self.get(*child).filter(|c| c.is_current()) {
                let mut moved = child.clone();
                moved.parent_id = Some(merge.into);
                written.push(moved);
            }
        }
        TreeChange::Write(written)
    }

    /// The unit closed from `on`; refused while current units remain below it (accounts are the
    /// server's to check).
    pub fn close(&self, id: UnitId, close: &UnitClose) -> TreeChange {
        let unit = match self.current_unit(id) {
            Ok(unit) if unit.parent_id.is_none() => {
                return TreeChange::Refused(UnitRefusal::TopUnit);
            }
            Ok(unit) => unit,
            Err(refusal) => return TreeChange::Refused(refusal),
        };
        let has_units = self
            .children(id)
            .iter()
            .any(|c| self.get(*c).is_some_and(Unit::is_current));
        if has_units {
            return TreeChange::Refused(UnitRefusal::HasUnits);
        }
        let mut closed = unit.clone();
        closed.closed_on = Some(close.on);
        TreeChange::Write(vec![closed])
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
            closed_on: None,
        }
    }

    fn date(text: &str) -> Date {
        text.parse().unwrap()
    }

    #[test]
    fn the_tree_changes_keep_one_top_unit_and_their_history() {
        let town = unit("Thị xã Điện Bàn", None);
        let a = unit("Xã Điện An", Some(town.id));
        let b = unit("Xã Điện Bình", Some(town.id));
        let hamlet = unit("Thôn 1", Some(a.id));
        let tree = UnitTree::new([town.clone(), a.clone(), b.clone(), hamlet.clone()]);

        // Merging moves the units below to the successor; the top unit never goes.
        let merge = UnitMerge {
            into: b.id,
            on: date("2025-07-01"),
        };
        let TreeChange::Write(written) = tree.merge(a.id, &merge) else {
            panic!()
        };
        assert_eq!(written[0].merged_into, Some(b.id));
        assert_eq!(
            (written[1].id, written[1].parent_id),
            (hamlet.id, Some(b.id))
        );
        assert_eq!(
            tree.merge(town.id, &merge),
            TreeChange::Refused(UnitRefusal::TopUnit)
        );
        let into_own = UnitMerge {
            into: hamlet.id,
            on: date("2025-07-01"),
        };
        assert_eq!(
            tree.merge(a.id, &into_own),
            TreeChange::Refused(UnitRefusal::IntoItsOwnTree)
        );

        // Renaming keeps the old name for earlier dates, in order.
        let rename = UnitRename {
            name: "Phường Điện An".into(),
            on: date("2025-07-01"),
            kind: Some(UnitKind::Ward),
        };
        let TreeChange::Write(renamed) = tree.rename(a.id, &rename) else {
            panic!()
        };
        assert_eq!(renamed[0].name_on(date("2025-06-30")), "Xã Điện An");
        assert_eq!(renamed[0].name_on(date("2025-07-01")), "Phường Điện An");
        assert_eq!(renamed[0].kind, UnitKind::Ward);
        let again = UnitTree::new([town.clone(), renamed[0].clone()]);
        let earlier = UnitRename {
            name: "Khác".into(),
            on: date("2025-01-01"),
            kind: None,
        };
        let TreeChange::Invalid(errors) = again.rename(a.id, &earlier) else {
            panic!()
        };
        assert_eq!(errors.get("on"), Some(Problem::OutOfRange));

        // Closing waits for the units below; a closed unit changes no more.
        let close = UnitClose {
            on: date("2025-07-01"),
        };
        assert_eq!(
            tree.close(a.id, &close),
            TreeChange::Refused(UnitRefusal::HasUnits)
        );
        let TreeChange::Write(closed) = tree.close(b.id, &close) else {
            panic!()
        };
        let after = UnitTree::new([town.clone(), a.clone(), closed[0].clone()]);
        assert_eq!(
            after.rename(b.id, &rename),
            TreeChange::Refused(UnitRefusal::NotCurrent)
        );
        let new = NewUnit {
            name: "Thôn 2".into(),
            kind: UnitKind::Commune,
            parent_id: b.id,
        };
        let TreeChange::Invalid(errors) = after.add(UnitId::new(), &new) else {
            panic!()
        };
        assert_eq!(errors.get("parent_id"), Some(Problem::InvalidChoice));
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
        let _ = tree.line_under(a.id, UnitId::new());
    }

    #[test]
    fn an_overview_counts_each_unit_on_the_line_of_the_unit_right_under_its_top() {
        let country = unit("Trung ương", None);
        let province = unit("Tỉnh Quảng Nam", Some(country.id));
        let commune = unit("Xã Điện Hòa", Some(province.id));
        let hamlet = unit("Thôn 1", Some(commune.id));
        let other = unit("Tỉnh Khác", None);
        let tree = UnitTree::new([
            country.clone(),
            province.clone(),
            commune.clone(),
            hamlet.clone(),
            other.clone(),
        ]);
        assert_eq!(tree.line_under(hamlet.id, country.id), province.id);
        assert_eq!(tree.line_under(commune.id, country.id), province.id);
        assert_eq!(tree.line_under(hamlet.id, province.id), commune.id);
        assert_eq!(tree.line_under(commune.id, commune.id), commune.id);
        assert_eq!(tree.line_under(other.id, country.id), other.id);
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
