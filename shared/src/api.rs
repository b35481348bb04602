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
pub enum DatabaseKind {
    /// The embedded default: one file next to the binary.
    Sqlite,
    /// For a province or the country; several server processes may share one.
    Postgres,
}

/// The answer of `GET /api/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
pub struct ErrorBody {
    pub code: String,
    /// Vietnamese, saying what to do next.
    pub message: String,
    pub message_en: String,
    /// For 422: every problem, by field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<FieldErrors>,
}

/// `POST /api/auth/login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// The signed-in user, as `login` and `me` answer it.
pub type Me = User;

/// A unit of `GET /api/units`, with the units below it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitNode {
    #[serde(flatten)]
    pub unit: Unit,
    pub children: Vec<UnitNode>,
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
    /// Matching items on all pages.
    pub total: u64,
}

/// The filters of `GET /api/models`; every one is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelQuery {
    /// The unit and its subtree.
    #[serde(default)]
    pub unit: Option<UnitId>,
    #[serde(default)]
    pub field: Option<Field>,
    #[serde(default)]
    pub year: Option<u16>,
    #[serde(default)]
    pub status: Option<Status>,
    /// Matches names and content, with or without diacritics.
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub page: Option<u32>,
    #[serde(default)]
    pub per_page: Option<u32>,
}

pub const PER_PAGE_DEFAULT: u32 = 50;
pub const PER_PAGE_MAX: u32 = 200;
pub const QUERY_MAX_CHARS: usize = 200;

/// A model in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
pub struct AuditEntry {
    pub at: Timestamp,
    pub actor: String,
    /// E.g. `model.create`, `model.update`, `model.approve`, `model.return`.
    pub action: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// `GET /api/models/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
pub struct UnitStats {
    pub unit_id: UnitId,
    pub name: String,
    pub total: u64,
    pub by_field: FieldCounts,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwardStats {
    pub kind: AwardKind,
    pub recipient_type: RecipientType,
    pub count: u64,
}

/// `GET /api/stats`: the numbers of the leadership overview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    pub total: u64,
    pub by_field: FieldCounts,
    pub by_status: BTreeMap<Status, u64>,
    /// Keys are years as text (JSON object keys).
    pub by_year: BTreeMap<String, u64>,
    pub by_unit: Vec<UnitStats>,
    pub awards: Vec<AwardStats>,
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
