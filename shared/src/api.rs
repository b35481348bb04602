//! Messages of the HTTP API that are not part of the sync protocol.

use serde::{Deserialize, Serialize};

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
}
