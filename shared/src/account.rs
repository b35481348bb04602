//! Accounts as administrators run them: who exists, in which role and unit, whether they may
//! sign in, when they last did and when each of their tablets last synced; and the messages to
//! create one, change it, give its person a one-time code, and change one's own password.

use serde::{Deserialize, Serialize};

use crate::{
    date::Timestamp,
    ids::{UnitId, UserId},
    user::{DISPLAY_NAME_MAX, Role, User, validate_password, validate_username},
    validation::{FieldErrors, Problem},
};

/// What signing in (and `GET /api/auth/me`) answers: the user, and whether they must choose a
/// new password before anything else (they signed in with a one-time code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignedIn {
    #[serde(flatten)]
    pub user: User,
    #[serde(default)]
    pub must_change_password: bool,
}

/// One of an account's devices, as sync last saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountDevice {
    pub id: String,
    pub last_sync_at: Timestamp,
}

/// An account as the administrators' list shows it (never its password).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Account {
    pub user: User,
    /// A deactivated account cannot sign in and its sessions are over.
    pub active: bool,
    /// The person holds a one-time code and chooses a password at their next sign-in.
    pub must_change_password: bool,
    pub created_at: Timestamp,
    pub last_sign_in_at: Option<Timestamp>,
    /// Newest sync first.
    pub devices: Vec<AccountDevice>,
}

impl Account {
    /// The newest sync of any of the account's devices.
    pub fn last_sync_at(&self) -> Option<Timestamp> {
        self.devices.iter().map(|d| d.last_sync_at).max()
    }
}

/// `POST /api/accounts`: the person gets a one-time code to choose their password with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit_id: UnitId,
}

impl NewAccount {
    /// Every problem at once, as the form shows them next to its fields.
    pub fn validate(&self) -> Result<(), FieldErrors> {
        Self::problems(&self.username, &self.display_name).into_result()
    }

    /// The problems of the typed fields, for a form that has no unit chosen yet.
    pub fn problems(username: &str, display_name: &str) -> FieldErrors {
        let mut errors = FieldErrors::default();
        validate_username(username, &mut errors);
        errors.text("display_name", display_name, DISPLAY_NAME_MAX, true);
        errors
    }
}

/// `PATCH /api/accounts/{id}`: only the parts sent change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountChange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_id: Option<UnitId>,
}

impl AccountChange {
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::default();
        if let Some(name) = &self.display_name {
            errors.text("display_name", name, DISPLAY_NAME_MAX, true);
        }
        errors.into_result()
    }
}

/// A one-time code, shown once to the administrator who asked for it: the person signs in with
/// it before `expires_at` and then chooses their own password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OneTimeCode {
    pub account: Account,
    pub code: String,
    pub expires_at: Timestamp,
}

/// How long a one-time code works.
pub const ONE_TIME_CODE_DAYS: i64 = 7;

/// `POST /api/auth/password`: one's own password. After a one-time code, `current_password`
/// is that code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

impl PasswordChange {
    /// The new password's rules (the current one is checked by the server); a new password equal
    /// to the current one is refused, so a one-time code never becomes the password.
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::default();
        let mut new = FieldErrors::default();
        validate_password(&self.new_password, &mut new);
        if let Some(problem) = new.get("password") {
            errors.add("new_password", problem);
        } else if self.new_password == self.current_password {
            errors.add("new_password", Problem::Unchanged);
        }
        if self.current_password.is_empty() {
            errors.add("current_password", Problem::Required);
        }
        errors.into_result()
    }
}

/// `POST /api/auth/sessions/end-others`: how many other sessions were ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionsEnded {
    pub ended: u64,
}

/// Whether `actor` may change `target`'s account: only administrators, and never their own role
/// or unit (nobody raises their own role or leaves the tree by themselves).
pub fn may_change(actor: &User, target: UserId, change: &AccountChange) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::default();
    if actor.id == target {
        if change.role.is_some_and(|role| role != actor.role) {
            errors.add("role", Problem::NotAllowed);
        }
        if change.unit_id.is_some_and(|unit| unit != actor.unit_id) {
            errors.add("unit_id", Problem::NotAllowed);
        }
    }
    errors.into_result()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role) -> User {
        User {
            id: UserId::new(),
            username: "quantri".into(),
            display_name: "Quản trị".into(),
            role,
            unit_id: UnitId::new(),
        }
    }

    #[test]
    fn a_new_account_reports_every_problem_by_field() {
        let account = NewAccount {
            username: "Cán Bộ".into(),
            display_name: "  ".into(),
            role: Role::Registrar,
            unit_id: UnitId::new(),
        };
        let errors = account.validate().unwrap_err();
        assert_eq!(errors.get("username"), Some(Problem::InvalidFormat));
        assert_eq!(errors.get("display_name"), Some(Problem::Required));
    }

    #[test]
    fn a_new_password_follows_the_rules_and_differs_from_the_current_one() {
        let change = |current: &str, new: &str| PasswordChange {
            current_password: current.into(),
            new_password: new.into(),
        };
        assert!(change("ABCD-EFGH-JKLM", "mat-khau-moi").validate().is_ok());
        let short = change("x", "ngan").validate().unwrap_err();
        assert_eq!(short.get("new_password"), Some(Problem::TooShort));
        let same = change("ABCD-EFGH-JKLM", "ABCD-EFGH-JKLM")
            .validate()
            .unwrap_err();
        assert_eq!(same.get("new_password"), Some(Problem::Unchanged));
        let none = change("", "mat-khau-moi").validate().unwrap_err();
        assert_eq!(none.get("current_password"), Some(Problem::Required));
    }

    #[test]
    fn nobody_changes_their_own_role_or_unit() {
        let admin = user(Role::Admin);
        let raise = AccountChange {
            role: Some(Role::Board),
            unit_id: Some(UnitId::new()),
            ..AccountChange::default()
        };
        let errors = may_change(&admin, admin.id, &raise).unwrap_err();
        assert_eq!(errors.get("role"), Some(Problem::NotAllowed));
        assert_eq!(errors.get("unit_id"), Some(Problem::NotAllowed));
        let rename = AccountChange {
            display_name: Some("Tên mới".into()),
            role: Some(Role::Admin),
            ..AccountChange::default()
        };
        assert!(
            may_change(&admin, admin.id, &rename).is_ok(),
            "the same role is no change"
        );
        assert!(may_change(&admin, UserId::new(), &raise).is_ok());
    }

    #[test]
    fn signed_in_reads_as_the_user_with_one_flag_more() {
        let signed_in = SignedIn {
            user: user(Role::Registrar),
            must_change_password: true,
        };
        let json = serde_json::to_value(&signed_in).unwrap();
        assert_eq!(json["username"], "quantri");
        assert_eq!(json["must_change_password"], true);
        let as_user: User = serde_json::from_value(json).unwrap();
        assert_eq!(
            as_user, signed_in.user,
            "an app that reads a User still understands it"
        );
    }
}
