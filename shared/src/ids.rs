//! Ids of records: UUIDv7, made by whichever side creates the record (often a tablet, offline),
//! so they are unique without asking the server and sort by creation time.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A text that is not a UUID, or not a version 7 one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a UUIDv7: {0:?}")]
pub struct BadId(pub String);

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        // On the wire an id is the UUID's text (serde is transparent over `Uuid`); reading one
        // refuses any other UUID version, so a request naming a foreign id fails at the door.
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[cfg_attr(
            feature = "openapi",
            schema(
                value_type = String,
                format = Uuid,
                examples("0190f3c4-1b2a-7000-8000-000000000000")
            )
        )]
        pub struct $name(Uuid);

        impl $name {
            /// A new id, UUIDv7 from the current time (native only: in the browser, make the
            /// UUID with the app's clock and entropy and pass it to `from_uuid`).
            #[cfg(not(target_arch = "wasm32"))]
            #[allow(clippy::new_without_default)]
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// Wraps a UUID made elsewhere; only version 7 is accepted.
            pub fn from_uuid(uuid: Uuid) -> Result<Self, BadId> {
                if uuid.get_version_num() == 7 {
                    Ok(Self(uuid))
                } else {
                    Err(BadId(uuid.to_string()))
                }
            }

            /// Parses an id; only UUIDv7 is accepted, so ids from elsewhere are refused early.
            pub fn parse(text: &str) -> Result<Self, BadId> {
                match Uuid::parse_str(text) {
                    Ok(uuid) if uuid.get_version_num() == 7 => Ok(Self(uuid)),
                    _ => Err(BadId(text.to_owned())),
                }
            }

            pub fn as_uuid(&self) -> Uuid {
                self.0
            }

            /// The same id as the id of a synced record of any kind.
            pub fn record(self) -> RecordId {
                RecordId(self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let uuid = Uuid::deserialize(deserializer)?;
                Self::from_uuid(uuid).map_err(serde::de::Error::custom)
            }
        }

        impl FromStr for $name {
            type Err = BadId;
            fn from_str(text: &str) -> Result<Self, BadId> {
                Self::parse(text)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// A unit (đơn vị): province, town, commune or ward, agency, organisation.
    UnitId
);
id_type!(
    /// A model (mô hình).
    ModelId
);
id_type!(
    /// A user account.
    UserId
);
id_type!(
    /// A survey campaign (kế hoạch khảo sát) of one year.
    CampaignId
);
id_type!(
    /// One survey (phiếu khảo sát): one visit to one model.
    SurveyId
);
id_type!(
    /// An award (khen thưởng), proposed or decided.
    AwardId
);
id_type!(
    /// An invitation for people to join a unit by themselves.
    InvitationId
);
id_type!(
    /// A period report (báo cáo sơ kết, tổng kết).
    ReportId
);
id_type!(
    /// A notice to one person that someone else's later edit replaced their value.
    NoticeId
);
id_type!(
    /// A reminder, or an inspection or supervision note, to a unit.
    OversightId
);
id_type!(
    /// The record a synced change is about, whatever its kind (`sync::Mutation::id`).
    RecordId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_ids_are_version_7_and_round_trip() {
        let id = ModelId::new();
        assert_eq!(id.as_uuid().get_version_num(), 7);
        assert_eq!(ModelId::parse(&id.to_string()), Ok(id));
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(serde_json::from_str::<ModelId>(&json).unwrap(), id);
    }

    #[test]
    fn reading_an_id_refuses_other_uuid_versions() {
        let v4 = "\"67e55044-10b1-426f-9247-bb680e5fe0c8\"";
        assert!(serde_json::from_str::<ModelId>(v4).is_err());
        assert!(serde_json::from_str::<RecordId>("\"not-an-id\"").is_err());
        let v7 = format!("\"{}\"", ModelId::new());
        assert!(serde_json::from_str::<RecordId>(&v7).is_ok());
    }

    #[test]
    fn other_uuid_versions_and_garbage_are_refused() {
        assert!(ModelId::parse("67e55044-10b1-426f-9247-bb680e5fe0c8").is_err()); // v4
        assert!(ModelId::parse("not-an-id").is_err());
        assert!(ModelId::parse("").is_err());
    }
}
