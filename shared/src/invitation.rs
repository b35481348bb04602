//! Invitations: how a grassroots person joins without an administrator. The Board makes one
//! for a unit (a link and a QR code to post at the commune office) with an expiry and a number
//! of uses; whoever opens it sees which unit it is for, chooses a username and a password, and is
//! a registrar of that unit, signed in.

use serde::{Deserialize, Serialize};

use crate::{
    date::Timestamp,
    ids::{InvitationId, UnitId},
    user::{DISPLAY_NAME_MAX, validate_password, validate_username},
    validation::{FieldErrors, Problem},
};

/// The longest an invitation may stay open, and the most people one may bring in.
pub const MAX_DAYS: u32 = 90;
pub const MAX_USES: u32 = 500;
pub const NOTE_MAX: usize = 200;

/// The address of the page a person opens (the code travels after `#`, so it never reaches a
/// server's log or another site's `Referer`).
pub const JOIN_PATH: &str = "/tham-gia";

/// `POST /api/invitations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewInvitation {
    pub unit_id: UnitId,
    /// How many days it stays open (1 to 90).
    pub days: u32,
    /// How many people may join through it (1 to 500).
    pub max_uses: u32,
    /// What it is for, for the Board's list ("Bảng tin UBND xã").
    #[serde(default)]
    pub note: String,
}

impl NewInvitation {
    pub fn validate(&self) -> Result<(), FieldErrors> {
        Self::problems(self.days, self.max_uses, &self.note).into_result()
    }

    /// The problems of the typed fields, for a form that has no unit chosen yet.
    pub fn problems(days: u32, max_uses: u32, note: &str) -> FieldErrors {
        let mut errors = FieldErrors::default();
        if !(1..=MAX_DAYS).contains(&days) {
            errors.add("days", Problem::OutOfRange);
        }
        if !(1..=MAX_USES).contains(&max_uses) {
            errors.add("max_uses", Problem::OutOfRange);
        }
        errors.text("note", note, NOTE_MAX, false);
        errors
    }
}

/// Whether an invitation still lets people in, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum InvitationState {
    Open,
    Expired,
    UsedUp,
    Revoked,
}

/// Someone who joined through an invitation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Joined {
    pub username: String,
    pub display_name: String,
    pub at: Timestamp,
}

/// An invitation as the Board's list shows it (never its code: only a hash is kept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Invitation {
    pub id: InvitationId,
    pub unit_id: UnitId,
    pub note: String,
    pub created_by: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub max_uses: u32,
    pub revoked_at: Option<Timestamp>,
    /// Who joined through it, oldest first.
    pub joined: Vec<Joined>,
}

impl Invitation {
    pub fn state(&self, now: Timestamp) -> InvitationState {
        state_of(
            self.revoked_at,
            self.expires_at,
            self.joined.len(),
            self.max_uses,
            now,
        )
    }
}

/// An invitation's state from its facts: revoked first, then expired, then used up.
pub fn state_of(
    revoked_at: Option<Timestamp>,
    expires_at: Timestamp,
    uses: usize,
    max_uses: u32,
    now: Timestamp,
) -> InvitationState {
    if revoked_at.is_some() {
        InvitationState::Revoked
    } else if expires_at.0 <= now.0 {
        InvitationState::Expired
    } else if uses >= max_uses as usize {
        InvitationState::UsedUp
    } else {
        InvitationState::Open
    }
}

/// What making an invitation answers, once: its code, the link and a QR code of the link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationMade {
    pub invitation: Invitation,
    pub code: String,
    /// The address to open: this server's `/tham-gia#<code>`.
    pub link: String,
    /// The link as a QR code, an SVG document to print.
    pub qr_svg: String,
}

/// What anyone holding a code may learn: which unit it brings them into, and whether it still
/// works (`POST /api/invitations/lookup`, no sign-in).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationInfo {
    pub unit_name: String,
    pub expires_at: Timestamp,
    pub state: InvitationState,
}

/// `POST /api/invitations/lookup`: the code travels in the body, never in an address a log keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationLookup {
    pub code: String,
}

/// `POST /api/invitations/join`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JoinRequest {
    pub code: String,
    pub username: String,
    pub display_name: String,
    pub password: String,
}

impl JoinRequest {
    /// Every problem at once, as the join form shows them while the person types.
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::default();
        validate_username(self.username.trim(), &mut errors);
        errors.text("display_name", &self.display_name, DISPLAY_NAME_MAX, true);
        validate_password(&self.password, &mut errors);
        errors.into_result()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invitation_is_revoked_expired_used_up_or_open_in_that_order() {
        let now = Timestamp(1_000);
        let later = Timestamp(2_000);
        assert_eq!(state_of(None, later, 0, 1, now), InvitationState::Open);
        assert_eq!(state_of(None, later, 1, 1, now), InvitationState::UsedUp);
        assert_eq!(state_of(None, now, 0, 1, now), InvitationState::Expired);
        assert_eq!(
            state_of(Some(now), now, 1, 1, now),
            InvitationState::Revoked
        );
    }

    #[test]
    fn bounds_are_named_by_field() {
        let mut new = NewInvitation {
            unit_id: UnitId::new(),
            days: 0,
            max_uses: 501,
            note: "x".repeat(NOTE_MAX + 1),
        };
        let errors = new.validate().unwrap_err();
        assert_eq!(errors.get("days"), Some(Problem::OutOfRange));
        assert_eq!(errors.get("max_uses"), Some(Problem::OutOfRange));
        assert_eq!(errors.get("note"), Some(Problem::TooLong));
        new.days = 30;
        new.max_uses = 50;
        new.note = "Bảng tin UBND xã".into();
        assert!(new.validate().is_ok());
    }

    #[test]
    fn a_join_request_follows_the_account_rules() {
        let join = JoinRequest {
            code: "x".into(),
            username: "Nguyễn A".into(),
            display_name: "".into(),
            password: "ngan".into(),
        };
        let errors = join.validate().unwrap_err();
        assert_eq!(errors.get("username"), Some(Problem::InvalidFormat));
        assert_eq!(errors.get("display_name"), Some(Problem::Required));
        assert_eq!(errors.get("password"), Some(Problem::TooShort));
    }
}
