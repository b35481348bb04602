//! Calendar dates (`YYYY-MM-DD` on the wire, dd/mm/yyyy on screen) and instants, without a date
//! crate: the domain needs only these few operations, the same in the browser and on the server.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A day of the Gregorian calendar, valid by construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a date (YYYY-MM-DD): {0:?}")]
pub struct BadDate(pub String);

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 0,
    }
}

impl Date {
    /// The date, if it exists (years 1900 to 2200: anything else is a typing mistake here).
    pub fn new(year: u16, month: u8, day: u8) -> Option<Self> {
        ((1900..=2200).contains(&year) && day >= 1 && day <= days_in_month(year, month))
            .then_some(Self { year, month, day })
    }

    pub fn year(self) -> u16 {
        self.year
    }
    pub fn month(self) -> u8 {
        self.month
    }
    pub fn day(self) -> u8 {
        self.day
    }

    /// As Vietnamese readers write it: dd/mm/yyyy.
    pub fn to_vietnamese(self) -> String {
        format!("{:02}/{:02}/{:04}", self.day, self.month, self.year)
    }

    /// Reads dd/mm/yyyy (as typed in a form) or YYYY-MM-DD.
    pub fn parse_any(text: &str) -> Result<Self, BadDate> {
        let text = text.trim();
        if let Ok(date) = text.parse() {
            return Ok(date);
        }
        let bad = || BadDate(text.to_owned());
        let mut parts = text.split('/');
        let day = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
        let month = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
        let year = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
        if parts.next().is_some() {
            return Err(bad());
        }
        Date::new(year, month, day).ok_or_else(bad)
    }

    /// The day an instant falls on, in Vietnam (UTC+7, no daylight saving).
    pub fn of_instant_in_vietnam(instant: Timestamp) -> Self {
        let days = (instant.0 + 7 * 3_600_000).div_euclid(86_400_000);
        Self::from_days_since_epoch(days)
    }

    /// Howard Hinnant's civil-from-days algorithm.
    fn from_days_since_epoch(days: i64) -> Self {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as u16;
        Self { year, month, day }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl FromStr for Date {
    type Err = BadDate;
    fn from_str(text: &str) -> Result<Self, BadDate> {
        let bad = || BadDate(text.to_owned());
        let bytes = text.as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return Err(bad());
        }
        let year = text[0..4].parse().map_err(|_| bad())?;
        let month = text[5..7].parse().map_err(|_| bad())?;
        let day = text[8..10].parse().map_err(|_| bad())?;
        Date::new(year, month, day).ok_or_else(bad)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A date is its `YYYY-MM-DD` text on the wire (the `Serialize` above), which the derive cannot
/// infer from the three fields: its schema is written here by hand.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Date {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
            .description(Some(
                "A day of the Gregorian calendar, `YYYY-MM-DD`, years 1900 to 2200.",
            ))
            .examples(["2025-07-01"])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Date {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("Date")
    }
}

/// An instant: milliseconds since 1970-01-01 UTC. The side that records an event stamps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(1_751_328_000_000_i64)))]
pub struct Timestamp(pub i64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_and_impossible_ones_are_refused() {
        let date: Date = "2020-02-29".parse().unwrap();
        assert_eq!(date.to_string(), "2020-02-29");
        assert_eq!(date.to_vietnamese(), "29/02/2020");
        assert_eq!(Date::parse_any("29/02/2020"), Ok(date));
        assert!("2021-02-29".parse::<Date>().is_err());
        assert!("2020-13-01".parse::<Date>().is_err());
        assert!("20-01-01".parse::<Date>().is_err());
        assert!(Date::parse_any("31/04/2020").is_err());
        assert!(Date::parse_any("1/2/3/4").is_err());
    }

    #[test]
    fn an_instant_falls_on_the_vietnamese_day() {
        // 2020-12-31 17:30 UTC is already 1 January 2021 in Vietnam.
        let instant = Timestamp(1_609_435_800_000);
        assert_eq!(
            Date::of_instant_in_vietnam(instant),
            Date::new(2021, 1, 1).unwrap()
        );
        assert_eq!(
            Date::of_instant_in_vietnam(Timestamp(0)),
            Date::new(1970, 1, 1).unwrap()
        );
    }
}
