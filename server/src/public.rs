//! The public page (trang công khai): the typical models the Board published, for anyone, with
//! no sign-in — `GET /cong-khai` (by field and unit), `GET /cong-khai/{id}` (one model, a link
//! to share) and `GET /cong-khai/anh/{hash}` (its chosen photos). Plain HTML from the server,
//! a few kilobytes with no script, so it opens fast on a phone over a weak connection and
//! outside the app. It shows the name, unit, aims, ways of working, results and chosen photos;
//! never a contact, a survey note or anything else. Pages are read live and never cached, so
//! unpublishing takes a model down at once.

use std::{collections::BTreeMap, fmt::Write};

use axum::{
    Router,
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
    routing::get,
};
use dvk_shared::{
    ids::ModelId,
    library::LibraryEntry,
    model::Field,
    text::{format_number, sort_key},
};

use crate::{AppState, error::ApiError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/cong-khai", get(list))
        .route("/cong-khai/{id}", get(one))
        .route("/cong-khai/anh/{hash}", get(photo))
}

/// Text safe inside HTML.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{margin:0;font:17px/1.5 system-ui,'Segoe UI',Roboto,'Noto Sans',Arial,sans-serif;color:#1c1b1a;background:#f6f4f1}\
header{background:#b71c1c;color:#fff;padding:12px 16px}header a{color:#fff}h1{font-size:1.3rem;margin:0}\
main{max-width:48rem;margin:0 auto;padding:8px 16px 32px}h2{font-size:1.15rem;margin:24px 0 8px}h3{font-size:1.05rem;margin:16px 0 4px}\
article,li.m{background:#fff;border:1px solid #d8d3cc;border-radius:8px;padding:12px 16px;margin:8px 0;list-style:none}\
ul{padding:0}a{color:#7f0000}.muted{color:#5a5650}img{max-width:100%;height:auto;border-radius:8px;margin:8px 0}\
.share{word-break:break-all}";

fn page(title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><meta property=\"og:title\" content=\"{title}\">\
         <style>{STYLE}</style></head><body>\
         <header><h1><a href=\"/cong-khai\">Mô hình “Dân vận khéo” điển hình</a></h1></header>\
         <main>{body}</main></body></html>",
        title = escape(title),
    );
    let mut response = Html(html).into_response();
    // Read live every time: an unpublished model is gone at once, also from caches.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

async fn published(state: &AppState) -> Result<Vec<LibraryEntry>, ApiError> {
    let mut entries: Vec<LibraryEntry> = state
        .store
        .library_entries()
        .await?
        .iter()
        .filter(|e| e.published)
        .cloned()
        .collect();
    entries.sort_by_cached_key(|e| sort_key(&e.name));
    Ok(entries)
}

/// `GET /cong-khai`: the published typical models, by field, then by unit.
async fn list(State(state): State<AppState>) -> Result<Response, ApiError> {
    let entries = published(&state).await?;
    let mut body = String::new();
    if entries.is_empty() {
        body.push_str("<p class=\"muted\">Chưa có mô hình nào được công bố.</p>");
    }
    let mut by_field: BTreeMap<Field, BTreeMap<String, Vec<&LibraryEntry>>> = BTreeMap::new();
    for entry in &entries {
        by_field
            .entry(entry.field)
            .or_default()
            .entry(sort_key(&entry.unit_name))
            .or_default()
            .push(entry);
    }
    for (field, units) in by_field {
        let _ = write!(body, "<h2>{}</h2>", escape(field.label_vi()));
        for list in units.values() {
            let unit = list
                .first()
                .map(|e| e.unit_name.as_str())
                .unwrap_or_default();
            let _ = write!(body, "<h3>{}</h3><ul>", escape(unit));
            for entry in list {
                let _ = write!(
                    body,
                    "<li class=\"m\"><a href=\"/cong-khai/{}\">{}</a> <span class=\"muted\">· {}</span></li>",
                    entry.id,
                    escape(&entry.name),
                    entry.year
                );
            }
            body.push_str("</ul>");
        }
    }
    Ok(page("Mô hình “Dân vận khéo” điển hình", &body))
}

/// `GET /cong-khai/{id}`: one published model.
async fn one(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let Ok(id) = ModelId::parse(&id) else {
        return Ok(not_published());
    };
    let Some(entry) = published(&state).await?.into_iter().find(|e| e.id == id) else {
        return Ok(not_published());
    };
    let mut body = String::new();
    let _ = write!(
        body,
        "<article><h2>{}</h2><p class=\"muted\">{} · {} · năm {}</p>",
        escape(&entry.name),
        escape(&entry.unit_name),
        escape(entry.field.label_vi()),
        entry.year
    );
    for (label, text) in [
        ("Mục tiêu", &entry.objectives),
        ("Nội dung, cách làm", &entry.content),
        ("Lực lượng tham gia", &entry.participants),
        ("Hiệu quả", &entry.effectiveness),
    ] {
        if !text.trim().is_empty() {
            let _ = write!(
                body,
                "<h3>{label}</h3><p>{}</p>",
                escape(text).replace('\n', "<br>")
            );
        }
    }
    let r = &entry.results;
    let figures: Vec<String> = [
        ("Số người được hưởng lợi", r.people_reached),
        ("Số hộ tham gia", r.households),
        ("Kinh phí huy động (đồng)", r.money_vnd),
        ("Ngày công đóng góp", r.labour_days),
        ("Đất hiến (m²)", r.land_m2),
    ]
    .into_iter()
    .filter_map(|(label, value)| value.map(|v| format!("<li>{label}: {}</li>", format_number(v))))
    .collect();
    if !figures.is_empty() {
        let _ = write!(body, "<h3>Kết quả</h3><ul>{}</ul>", figures.join(""));
    }
    for (n, hash) in entry.public_photos.iter().enumerate() {
        let _ = write!(
            body,
            "<img src=\"/cong-khai/anh/{hash}\" alt=\"Ảnh {} của mô hình {}\" loading=\"lazy\">",
            n + 1,
            escape(&entry.name)
        );
    }
    let _ = write!(
        body,
        "<p class=\"share\">Đường dẫn để chia sẻ: <a href=\"/cong-khai/{id}\">/cong-khai/{id}</a></p></article>\
         <p><a href=\"/cong-khai\">Xem các mô hình khác</a></p>"
    );
    Ok(page(&entry.name, &body))
}

fn not_published() -> Response {
    let mut response = page(
        "Không tìm thấy mô hình",
        "<p>Mô hình này không có hoặc không còn được công bố.</p><p><a href=\"/cong-khai\">Xem các mô hình được công bố</a></p>",
    );
    *response.status_mut() = StatusCode::NOT_FOUND;
    response
}

/// `GET /cong-khai/anh/{hash}`: a photo the Board chose for a published model, and no other.
async fn photo(
    State(state): State<AppState>,
    Path(hash): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let chosen = published(&state)
        .await?
        .iter()
        .any(|e| e.public_photos.contains(&hash));
    if !chosen || !dvk_shared::photo::hash_is_valid(&hash) {
        return Ok(StatusCode::NOT_FOUND.into_response());
    }
    // The name is the content: a copy the phone has is this photo, once still published.
    let etag = format!("\"{hash}\"");
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == etag)
    {
        return Ok(StatusCode::NOT_MODIFIED.into_response());
    }
    let Some((mime, data)) = state.store.photo(&hash).await? else {
        return Ok(StatusCode::NOT_FOUND.into_response());
    };
    let mut response = data.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&mime).unwrap_or_else(|_| HeaderValue::from_static("image/jpeg")),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(value) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, value);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn text_cannot_become_markup() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"b\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;b&quot;"
        );
    }
}
