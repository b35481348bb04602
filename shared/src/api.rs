//! Messages of the HTTP API outside the sync protocol: health, sign-in, reads and statistics.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{
    award::{AwardKind, RecipientType},
    date::Timestamp,
    ids::{ModelId, UnitId},
    model::{Field, Model, Status},
    unit::Unit,
    user::User,
    validation::FieldErrors,
};

/// Which database a server stores its data in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum DatabaseKind {
    /// The embedded default: one file next to the binary.
    Sqlite,
    /// For a province or the country; several server processes may share one.
    Postgres,
}

/// The answer of `GET /api/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    /// Always `"ok"` when the server could reach its database.
    pub status: String,
    /// The server's version (the workspace version).
    pub version: String,
    /// The database this server stores its data in.
    pub database: DatabaseKind,
}

/// The body of every error answer: a stable code for programs, a message for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// Stable, snake_case: `sign_in_required`, `not_found`, `invalid_query`, …
    pub code: String,
    /// Vietnamese, saying what to do next.
    pub message: String,
    pub message_en: String,
    /// For 422: every problem, by field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    // Left out when there is nothing to say, never `null`.
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub fields: Option<FieldErrors>,
}

/// `POST /api/auth/login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// The signed-in user, as `login` and `me` answer it.
pub type Me = User;

/// A unit of `GET /api/units`, with the units below it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitNode {
    #[serde(flatten)]
    pub unit: Unit,
    // The schema refers to itself here; `no_recursion` keeps the schema collection from
    // following that reference forever.
    #[cfg_attr(feature = "openapi", schema(no_recursion))]
    pub children: Vec<UnitNode>,
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    /// 1-based; 0 for a page read with `after`.
    pub page: u32,
    pub per_page: u32,
    /// Matching items on all pages; a search counts them only so far (`total_is_partial`).
    pub total: u64,
    /// There are more than `total` matches: a search stopped counting (see `SEARCH_COUNT_MAX`
    /// on the server).
    #[serde(default)]
    pub total_is_partial: bool,
    /// What to ask for as `after` to read the following page (keyset paging: as fast at the
    /// millionth model as at the first); none after the last page.
    #[serde(default)]
    pub next: Option<String>,
}

/// The filters of `GET /api/models`; every one is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ModelQuery {
    /// The unit and its subtree.
    #[serde(default)]
    pub unit: Option<UnitId>,
    /// Only models of this field.
    #[serde(default)]
    pub field: Option<Field>,
    /// Only models registered in this year.
    #[serde(default)]
    pub year: Option<u16>,
    /// Only models in this status.
    #[serde(default)]
    pub status: Option<Status>,
    /// Matches names and content, with or without diacritics; at most 200 characters.
    #[serde(default)]
    pub q: Option<String>,
    /// The order: `recent` when `q` is given, else `name`, when left out.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(inline))]
    pub sort: Option<ModelSort>,
    /// 1-based; 1 when left out. Deep pages are slow over many models: follow `next` with
    /// `after` instead.
    #[serde(default)]
    pub page: Option<u32>,
    /// Where the page starts: the `next` of the page before, as it was given; `page` is then
    /// ignored.
    #[serde(default)]
    pub after: Option<String>,
    /// 50 when left out; clamped to 1..=200.
    #[serde(default)]
    pub per_page: Option<u32>,
}

/// The order of a list of models.
///
/// A search answers the most recently changed first: in the order of names, the models a
/// common phrase starts lie together anywhere in the alphabet, so the first fifty of them in
/// that order can only be known by reading every match (tens of thousands in a country), while
/// the matches of a phrase are spread through the order of changes and the first fifty are
/// found by reading a few thousand models.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ModelSort {
    /// Vietnamese order of name, then id.
    #[default]
    Name,
    /// The most recently changed first.
    Recent,
}

impl ModelSort {
    /// The order a query asks for, or its default: `Recent` for a search, else `Name`.
    pub fn of(query: &ModelQuery) -> Self {
        query
            .sort
            .unwrap_or(match query.q.as_deref().map(str::trim) {
                Some(q) if !q.is_empty() => Self::Recent,
                _ => Self::Name,
            })
    }
}

pub const PER_PAGE_DEFAULT: u32 = 50;
pub const PER_PAGE_MAX: u32 = 200;
pub const QUERY_MAX_CHARS: usize = 200;

/// A model in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModelSummary {
    pub id: ModelId,
    pub name: String,
    pub field: Field,
    pub year: u16,
    pub status: Status,
    pub unit_id: UnitId,
    pub unit_name: String,
    pub updated_at: Timestamp,
}

/// One entry of a record's history: who changed what, when, before and after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub at: Timestamp,
    pub actor: String,
    /// E.g. `model.create`, `model.update`, `model.approve`, `model.return`.
    pub action: String,
    /// The record as it was before the change; `null` when the change created it.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub before: Option<serde_json::Value>,
    /// The record as the change left it.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub after: Option<serde_json::Value>,
    /// The device a synced change came from, and its number there.
    #[serde(default)]
    pub device_id: Option<String>,
    #[serde(default)]
    pub seq: Option<u64>,
    /// The values this change replaced that someone else had written (SYNC.md, conflicts).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overwritten: Vec<Overwritten>,
}

/// A value a change replaced, and whose it was.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Overwritten {
    /// The field, by the shared type's name (`objectives`).
    pub field: String,
    /// The value that was replaced.
    #[cfg_attr(feature = "openapi", schema(value_type = serde_json::Value))]
    pub value: serde_json::Value,
    /// Who had written it.
    pub by: String,
}

/// `GET /api/models/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModelDetail {
    pub model: Model,
    pub unit_name: String,
    /// The server's change counter when this model last changed (SYNC.md).
    pub version: i64,
    pub updated_at: Timestamp,
    /// Oldest first; only for the roles that review (board, admin); empty for others.
    pub history: Vec<AuditEntry>,
}

/// Counts per field, every field present (zero included) so charts need no special cases.
pub type FieldCounts = BTreeMap<Field, u64>;

/// A unit's line of the overview; merged units are counted under their successor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitStats {
    pub unit_id: UnitId,
    pub name: String,
    pub total: u64,
    // Spelled out: the derive cannot see through the `FieldCounts` alias.
    #[cfg_attr(feature = "openapi", schema(value_type = BTreeMap<Field, u64>))]
    pub by_field: FieldCounts,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AwardStats {
    pub kind: AwardKind,
    pub recipient_type: RecipientType,
    pub count: u64,
}

/// `GET /api/stats`: the numbers of the leadership overview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stats {
    pub total: u64,
    /// Every field, zero included.
    #[cfg_attr(feature = "openapi", schema(value_type = BTreeMap<Field, u64>))]
    pub by_field: FieldCounts,
    /// Every status but `draft` (drafts are not registered yet), zero included.
    pub by_status: BTreeMap<Status, u64>,
    /// Keys are years as text (JSON object keys).
    pub by_year: BTreeMap<String, u64>,
    pub by_unit: Vec<UnitStats>,
    pub awards: Vec<AwardStats>,
    /// The typical models counted, in Vietnamese order of their names: the first hundred.
    #[serde(default)]
    pub typical: Vec<TypicalModel>,
    /// How many typical models are counted (`typical` names the first hundred of them).
    #[serde(default)]
    pub typical_total: u64,
    /// How far the typical models counted were replicated.
    #[serde(default)]
    pub replication: crate::library::ReplicationStats,
}

/// A decided award as `GET /api/awards` lists it: the award, and the name of its unit (the one
/// receiving it, or the person's), so a list reads without the units on the device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AwardItem {
    #[serde(flatten)]
    pub award: crate::award::Award,
    pub unit_name: String,
}

/// A typical model as the overview lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TypicalModel {
    pub id: ModelId,
    pub name: String,
    pub unit_name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_serialises_as_the_documented_shape() {
        let health = Health {
            status: "ok".into(),
            version: "0.1.0".into(),
            database: DatabaseKind::Postgres,
        };
        let json = serde_json::to_value(&health).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"status": "ok", "version": "0.1.0", "database": "postgres"})
        );
    }

    #[test]
    fn field_counts_serialise_with_the_documented_keys() {
        let counts: FieldCounts = Field::ALL.into_iter().map(|f| (f, 1)).collect();
        assert_eq!(
            serde_json::to_value(&counts).unwrap(),
            serde_json::json!({"economic_development": 1, "culture_society": 1,
                               "defence_security": 1, "political_system": 1})
        );
    }
}
