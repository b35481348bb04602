//! How an edit made offline meets the record as the server holds it (SYNC.md, conflicts):
//! different fields merge; the same descriptive field is won by the later edit and the value it
//! replaced is reported; the same authoritative field is a hard conflict and nothing is written.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::{Entity, FieldConflict, FieldPolicy};

/// The version at which each field of a record last changed.
pub type FieldVersions = BTreeMap<String, i64>;

/// The device that last changed each field of a record, for fields changed through sync.
pub type FieldWriters = BTreeMap<String, String>;

/// What a change was made against: the record as of `version`, plus whatever its own device
/// changed since. A device's later edit was made on top of its earlier ones even before they
/// were answered (a draft created and submitted offline), so those are never its conflicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Base<'a> {
    pub version: i64,
    pub device: &'a str,
}

impl Base<'_> {
    /// Whether someone other than this device changed `field` after the base.
    pub fn changed_since(
        &self,
        versions: &FieldVersions,
        writers: &FieldWriters,
        field: &str,
    ) -> bool {
        versions.get(field).is_some_and(|v| *v > self.version)
            && writers.get(field).map(String::as_str) != Some(self.device)
    }
}

/// How an update meets the server's record.
#[derive(Debug, Clone, PartialEq)]
pub enum Merge {
    /// Apply every field; `overwritten` lists descriptive values someone else wrote meanwhile,
    /// which this change replaces (`theirs` is the replaced value, `mine` the new one).
    Apply { overwritten: Vec<FieldConflict> },
    /// Apply nothing: these authoritative fields changed meanwhile.
    Hard(Vec<FieldConflict>),
}

/// Decides how `fields`, written against `base`, merge into `current` (a record of `entity`
/// as JSON) whose fields last changed at `versions` by `writers`. A field someone else changed
/// after the base is a conflict only if the values differ; different fields always merge.
pub fn merge_fields(
    entity: Entity,
    current: &Value,
    versions: &FieldVersions,
    writers: &FieldWriters,
    base: Base<'_>,
    fields: &Map<String, Value>,
) -> Merge {
    let mut overwritten = Vec::new();
    let mut hard = Vec::new();
    for (field, mine) in fields {
        let theirs = current.get(field).cloned().unwrap_or(Value::Null);
        if !base.changed_since(versions, writers, field) || &theirs == mine {
            continue;
        }
        let conflict = FieldConflict {
            field: field.clone(),
            theirs,
            mine: mine.clone(),
        };
        match entity.policy(field) {
            Some(FieldPolicy::Hard) => hard.push(conflict),
            _ => overwritten.push(conflict),
        }
    }
    if hard.is_empty() {
        Merge::Apply { overwritten }
    } else {
        Merge::Hard(hard)
    }
}

/// The top-level fields whose values differ between two versions of a record.
pub fn changed_fields(before: &Value, after: &Value) -> Vec<String> {
    let (Some(before), Some(after)) = (before.as_object(), after.as_object()) else {
        return Vec::new();
    };
    let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
    keys.sort_unstable();
    keys.dedup();
    keys.into_iter()
        .filter(|k| before.get(*k) != after.get(*k))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const BASE: Base<'static> = Base {
        version: 7,
        device: "tablet",
    };

    fn fields(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    fn merge(current: Value, versions: FieldVersions, writers: FieldWriters, edit: Value) -> Merge {
        merge_fields(
            Entity::Model,
            &current,
            &versions,
            &writers,
            BASE,
            &fields(edit),
        )
    }

    #[test]
    fn a_devices_own_later_changes_are_never_its_conflicts() {
        let current = json!({"content": "my first edit", "unit_id": "a"});
        let versions = FieldVersions::from([("content".into(), 9), ("unit_id".into(), 9)]);
        let mine = FieldWriters::from([
            ("content".into(), "tablet".into()),
            ("unit_id".into(), "tablet".into()),
        ]);
        let edit = json!({"content": "my second edit", "unit_id": "b"});
        assert_eq!(
            merge(current.clone(), versions.clone(), mine, edit.clone()),
            Merge::Apply {
                overwritten: vec![]
            }
        );
        // The same fields last written by another device conflict as usual.
        let theirs = FieldWriters::from([("content".into(), "phone".into())]);
        let merged = merge(current, versions, theirs, edit);
        assert!(matches!(merged, Merge::Hard(c) if c.len() == 1 && c[0].field == "unit_id"));
    }

    #[test]
    fn edits_of_different_fields_merge_without_conflict() {
        let current = json!({"name": "A", "content": "theirs"});
        let versions = FieldVersions::from([("name".into(), 5), ("content".into(), 9)]);
        assert_eq!(
            merge(current, versions, FieldWriters::new(), json!({"name": "B"})),
            Merge::Apply {
                overwritten: vec![]
            }
        );
    }

    #[test]
    fn the_same_descriptive_field_is_won_by_the_later_edit_and_the_loser_is_kept() {
        let current = json!({"content": "theirs"});
        let versions = FieldVersions::from([("content".into(), 9)]);
        assert_eq!(
            merge(
                current.clone(),
                versions.clone(),
                FieldWriters::new(),
                json!({"content": "mine"})
            ),
            Merge::Apply {
                overwritten: vec![FieldConflict {
                    field: "content".into(),
                    theirs: json!("theirs"),
                    mine: json!("mine")
                }]
            }
        );
        // The same value written twice is no conflict at all.
        assert_eq!(
            merge(
                current,
                versions,
                FieldWriters::new(),
                json!({"content": "theirs"})
            ),
            Merge::Apply {
                overwritten: vec![]
            }
        );
    }

    #[test]
    fn an_authoritative_field_changed_meanwhile_is_a_hard_conflict() {
        let current = json!({"unit_id": "a", "name": "x"});
        let versions = FieldVersions::from([("unit_id".into(), 9), ("name".into(), 9)]);
        let merged = merge(
            current,
            versions,
            FieldWriters::new(),
            json!({"unit_id": "b", "name": "y"}),
        );
        assert!(matches!(merged, Merge::Hard(c) if c.len() == 1 && c[0].field == "unit_id"));
    }

    #[test]
    fn changed_fields_compares_top_level_values() {
        let before = json!({"a": 1, "b": {"x": 1}, "c": 3});
        let after = json!({"a": 1, "b": {"x": 2}, "d": 4});
        assert_eq!(changed_fields(&before, &after), ["b", "c", "d"]);
    }
}
