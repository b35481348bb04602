//! Validation results: every problem at once, as a map from field to a stable code that both
//! the app (next to the field, while typing) and the API (422) use, with messages in Vietnamese
//! and English.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Why a field is not acceptable. The snake_case names are part of the API: never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Problem {
    Required,
    TooLong,
    TooShort,
    OutOfRange,
    InvalidFormat,
    InvalidChoice,
    NotAllowed,
    /// A unique value (a username) someone already has.
    Taken,
    /// The value given does not match (the current password).
    Incorrect,
    /// The new value must differ from the old one (a new password).
    Unchanged,
}

impl Problem {
    /// What a person should do, in Vietnamese.
    pub fn message_vi(self) -> &'static str {
        match self {
            Problem::Required => "Vui lòng điền mục này.",
            Problem::TooLong => "Nội dung quá dài, hãy rút gọn.",
            Problem::TooShort => "Nội dung quá ngắn, hãy viết thêm.",
            Problem::OutOfRange => "Giá trị nằm ngoài khoảng cho phép.",
            Problem::InvalidFormat => "Giá trị không đúng định dạng, hãy kiểm tra lại.",
            Problem::InvalidChoice => "Hãy chọn một giá trị trong danh sách.",
            Problem::NotAllowed => "Bạn không được thay đổi mục này.",
            Problem::Taken => "Đã có người dùng giá trị này, hãy chọn giá trị khác.",
            Problem::Incorrect => "Không đúng, hãy nhập lại.",
            Problem::Unchanged => "Hãy chọn một giá trị khác giá trị cũ.",
        }
    }

    /// What a person should do, in English.
    pub fn message_en(self) -> &'static str {
        match self {
            Problem::Required => "Please fill this in.",
            Problem::TooLong => "This is too long; please shorten it.",
            Problem::TooShort => "This is too short; please add more.",
            Problem::OutOfRange => "This value is outside the allowed range.",
            Problem::InvalidFormat => "This value is not in the right format; please check it.",
            Problem::InvalidChoice => "Please choose one of the listed values.",
            Problem::NotAllowed => "You may not change this.",
            Problem::Taken => "Someone already has this; please choose another.",
            Problem::Incorrect => "This is not right; please type it again.",
            Problem::Unchanged => "Please choose something other than the old value.",
        }
    }
}

/// Every problem found, by field name (the field names of the shared types, dotted for nested
/// ones: `results.people_reached`). Empty means valid.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
// Transparent: on the wire this is the map itself, an object from field name to `Problem`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldErrors(pub BTreeMap<String, Problem>);

impl FieldErrors {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Records a problem; the first one found for a field is the one shown.
    pub fn add(&mut self, field: &str, problem: Problem) {
        self.0.entry(field.to_owned()).or_insert(problem);
    }

    pub fn get(&self, field: &str) -> Option<Problem> {
        self.0.get(field).copied()
    }

    /// `Ok(())` when nothing was found.
    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }

    /// Checks a text against its limit (in characters, as a person counts them) and, if
    /// `required`, that it is not blank.
    pub fn text(&mut self, field: &str, value: &str, max_chars: usize, required: bool) {
        let trimmed = value.trim();
        if required && trimmed.is_empty() {
            self.add(field, Problem::Required);
        } else if trimmed.chars().count() > max_chars {
            self.add(field, Problem::TooLong);
        }
    }

    /// As [`FieldErrors::text`] for an optional text.
    pub fn opt_text(
        &mut self,
        field: &str,
        value: &Option<String>,
        max_chars: usize,
        required: bool,
    ) {
        match value {
            Some(value) => self.text(field, value, max_chars, required),
            None if required => self.add(field, Problem::Required),
            None => {}
        }
    }
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut first = true;
        for (field, problem) in &self.0 {
            if !first {
                f.write_str(", ")?;
            }
            first = false;
            write!(
                f,
                "{field}: {}",
                serde_json::to_value(problem)
                    .unwrap_or_default()
                    .as_str()
                    .unwrap_or("?")
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for FieldErrors {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialise_as_stable_snake_case() {
        let mut errors = FieldErrors::default();
        errors.add("name", Problem::Required);
        errors.add("name", Problem::TooLong);
        errors.add("results.people_reached", Problem::OutOfRange);
        assert_eq!(
            serde_json::to_value(&errors).unwrap(),
            serde_json::json!({"name": "required", "results.people_reached": "out_of_range"})
        );
        assert_eq!(
            errors.to_string(),
            "name: required, results.people_reached: out_of_range"
        );
    }

    #[test]
    fn text_limits_count_characters_not_bytes() {
        let mut errors = FieldErrors::default();
        errors.text("a", &"đ".repeat(10), 10, true);
        errors.text("b", "   ", 10, true);
        errors.text("c", &"x".repeat(11), 10, false);
        assert_eq!(errors.get("a"), None);
        assert_eq!(errors.get("b"), Some(Problem::Required));
        assert_eq!(errors.get("c"), Some(Problem::TooLong));
    }
}
