//! How dates and times read in Vietnamese: 14:05 27/11/2026.

/// An instant (ms since epoch) as "HH:MM dd/mm/yyyy" in the device's time zone.
pub fn time_and_date(ms: i64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    format!(
        "{:02}:{:02} {:02}/{:02}/{:04}",
        date.get_hours(),
        date.get_minutes(),
        date.get_date(),
        date.get_month() + 1,
        date.get_full_year()
    )
}

/// A field's value as a person reads it: text as it is, nothing as "—", a group of values (the
/// results, a contact) as its parts.
pub fn show_value(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "—".into(),
        Value::Object(parts) => parts
            .values()
            .filter(|v| !v.is_null() && v.as_str() != Some(""))
            .map(show_value)
            .collect::<Vec<_>>()
            .join(" · "),
        Value::Array(items) => items.iter().map(show_value).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}
