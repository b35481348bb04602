//! Users and roles. What a user may see and do is limited to their unit's subtree, except the
//! roles that work for the whole installation when placed at its top unit.

use serde::{Deserialize, Serialize};

use crate::{
    ids::{UnitId, UserId},
    validation::{FieldErrors, Problem},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Role {
    /// Manages accounts and units; may do everything.
    Admin,
    /// Ban Dân vận: reviews, runs campaigns, evaluates, proposes awards.
    Board,
    /// Leadership: reads everything, changes nothing.
    Leader,
    /// Registers and edits the models of their unit and the units below it.
    Registrar,
    /// Fills in surveys for the campaigns they are assigned to.
    Surveyor,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Board,
        Role::Leader,
        Role::Registrar,
        Role::Surveyor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Board => "board",
            Role::Leader => "leader",
            Role::Registrar => "registrar",
            Role::Surveyor => "surveyor",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Role::Admin => "Quản trị hệ thống",
            Role::Board => "Ban Dân vận",
            Role::Leader => "Lãnh đạo",
            Role::Registrar => "Cán bộ đăng ký",
            Role::Surveyor => "Cán bộ khảo sát",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Role::Admin => "Administrator",
            Role::Board => "Mass Mobilisation Board",
            Role::Leader => "Leadership",
            Role::Registrar => "Registrar",
            Role::Surveyor => "Field surveyor",
        }
    }

    /// Whether this role reviews and decides for the units it sees (the Board, and admins).
    pub fn reviews(self) -> bool {
        matches!(self, Role::Admin | Role::Board)
    }

    /// Whether this role may change anything at all.
    pub fn may_write(self) -> bool {
        self != Role::Leader
    }
}

/// A user as the API shows it (never with a password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit_id: UnitId,
}

pub const USERNAME_MIN: usize = 3;
pub const USERNAME_MAX: usize = 32;
pub const DISPLAY_NAME_MAX: usize = 120;
pub const PASSWORD_MIN: usize = 8;
/// Argon2 hashes any length, but a bound keeps a request from making the server hash megabytes.
pub const PASSWORD_MAX: usize = 256;

/// Usernames are lower-case ASCII letters, digits, dot, dash and underscore, so they are typed
/// the same on every keyboard.
pub fn validate_username(username: &str, errors: &mut FieldErrors) {
    let len = username.chars().count();
    if username.is_empty() {
        errors.add("username", Problem::Required);
    } else if len < USERNAME_MIN {
        errors.add("username", Problem::TooShort);
    } else if len > USERNAME_MAX {
        errors.add("username", Problem::TooLong);
    } else if !username
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_'))
    {
        errors.add("username", Problem::InvalidFormat);
    }
}

pub fn validate_password(password: &str, errors: &mut FieldErrors) {
    let len = password.chars().count();
    if password.is_empty() {
        errors.add("password", Problem::Required);
    } else if len < PASSWORD_MIN {
        errors.add("password", Problem::TooShort);
    } else if len > PASSWORD_MAX {
        errors.add("password", Problem::TooLong);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            assert_eq!(serde_json::to_value(role).unwrap(), role.as_str());
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn usernames_are_plain_lower_case() {
        for (name, problem) in [
            ("dienhoa", None),
            ("can.bo-1_x", None),
            ("", Some(Problem::Required)),
            ("ab", Some(Problem::TooShort)),
            ("ĐiệnHòa", Some(Problem::InvalidFormat)),
            ("Admin", Some(Problem::InvalidFormat)),
        ] {
            let mut errors = FieldErrors::default();
            validate_username(name, &mut errors);
            assert_eq!(errors.get("username"), problem, "{name}");
        }
    }
}
