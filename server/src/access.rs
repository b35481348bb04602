//! What a signed-in user may see: their unit's subtree, or everything for the roles that work
//! for the whole installation (admin, board, leader) when placed at its top unit. The server
//! decides this from its own data, never from the request.

use std::collections::BTreeSet;

use dvk_shared::{
    ids::UnitId,
    unit::UnitTree,
    user::{Role, User},
};

use crate::{
    error::{ApiError, Forbidden},
    store::Store,
};

/// The units a user sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    Units(BTreeSet<UnitId>),
}

impl Scope {
    /// A short fingerprint of the scope: when it changes between two pulls of a device, the
    /// device rebuilds its replica, so it gains what became visible and drops what no longer is.
    pub fn key(&self) -> String {
        use sha2::{Digest, Sha256};
        match self {
            Scope::All => "all".to_owned(),
            Scope::Units(units) => {
                let mut hasher = Sha256::new();
                for unit in units {
                    hasher.update(unit.to_string().as_bytes());
                }
                hasher
                    .finalize()
                    .iter()
                    .take(16)
                    .map(|b| format!("{b:02x}"))
                    .collect()
            }
        }
    }
}

/// A signed-in user with the unit tree and their scope, loaded once per request.
pub struct Viewer {
    pub user: User,
    pub tree: UnitTree,
    pub scope: Scope,
}

impl Viewer {
    pub async fn load(store: &dyn Store, user: User) -> Result<Self, ApiError> {
        let tree = UnitTree::new(store.units().await?);
        let at_top = tree
            .get(user.unit_id)
            .is_some_and(|unit| unit.parent_id.is_none());
        let scope = if at_top && matches!(user.role, Role::Admin | Role::Board | Role::Leader) {
            Scope::All
        } else {
            Scope::Units(tree.subtree(user.unit_id))
        };
        Ok(Self { user, tree, scope })
    }

    pub fn sees(&self, unit: UnitId) -> bool {
        match &self.scope {
            Scope::All => self.tree.get(unit).is_some(),
            Scope::Units(units) => units.contains(&unit),
        }
    }

    /// The units a query covers: all the user sees, or the subtree of `within` — which must be
    /// one the user sees. `None` means every unit (no filter needed).
    pub fn units_within(&self, within: Option<UnitId>) -> Result<Option<Vec<UnitId>>, ApiError> {
        match (within, &self.scope) {
            (None, Scope::All) => Ok(None),
            (None, Scope::Units(units)) => Ok(Some(units.iter().copied().collect())),
            (Some(unit), _) if !self.sees(unit) => {
                Err(ApiError::Forbidden(Forbidden::OutsideYourUnits))
            }
            (Some(unit), _) => Ok(Some(self.tree.subtree(unit).into_iter().collect())),
        }
    }

    /// Whether the user may read the audit history of the records they see: the Board, and
    /// the registrars whose models they are (who must learn when someone replaced what they
    /// wrote, SYNC.md).
    pub fn reads_history(&self) -> bool {
        self.user.role.reviews() || self.user.role == Role::Registrar
    }
}
