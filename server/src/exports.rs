//! Exports of the lists as spreadsheets: `GET /api/exports/models.{csv,xlsx}` with the models
//! list's filters, and `GET /api/exports/awards.{csv,xlsx}` (the proposals and awards of the
//! user's units). CSV is UTF-8 with a byte-order mark so a spreadsheet opens Vietnamese intact,
//! written by the `csv` crate and streamed a page at a time, so memory stays flat however many
//! rows; XLSX is `rust_xlsxwriter` in its constant-memory mode (rows go to a temporary file,
//! not to memory), read a page at a time.

use axum::{
    Router,
    body::Body,
    extract::{Path, State},
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
    routing::get,
};
use dvk_shared::api::{ErrorBody, ModelQuery, ModelSummary};
use rust_xlsxwriter::{Format, Workbook};

use crate::{AppState, access::Viewer, auth::CurrentUser, error::ApiError, extract::ApiQuery};

/// Rows read from the database at a time.
const PAGE: u32 = 500;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/exports/models.{format}", get(models))
        .route("/exports/awards.{format}", get(awards))
}

/// The file an export writes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Csv,
    Xlsx,
}

fn format_of(text: &str) -> Result<Kind, ApiError> {
    match text {
        "csv" => Ok(Kind::Csv),
        "xlsx" => Ok(Kind::Xlsx),
        _ => Err(ApiError::NotFound),
    }
}

fn attachment(mut response: Response, mime: &'static str, name: &str) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

const MODEL_HEADINGS: [&str; 6] = [
    "Tên mô hình",
    "Lĩnh vực",
    "Năm đăng ký",
    "Trạng thái",
    "Đơn vị",
    "Cập nhật",
];

fn model_row(m: &ModelSummary) -> [String; 6] {
    let updated = dvk_shared::date::Date::of_instant_in_vietnam(m.updated_at).to_vietnamese();
    [
        m.name.clone(),
        m.field.label_vi().to_owned(),
        m.year.to_string(),
        m.status.label_vi().to_owned(),
        m.unit_name.clone(),
        updated,
    ]
}

/// CSV text of `rows`, with the headings first when `headings` is given.
fn csv_chunk<const N: usize>(headings: Option<[&str; N]>, rows: &[[String; N]]) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    if let Some(headings) = headings {
        let _ = writer.write_record(headings);
    }
    for row in rows {
        let _ = writer.write_record(row);
    }
    writer.into_inner().unwrap_or_default()
}

/// The models the list shows with these filters, as CSV or XLSX.
#[utoipa::path(get, path = "/api/exports/models.{format}", operation_id = "export_models", tag = "models",
    security(("dvk_session" = [])),
    params(("format" = String, Path, description = "`csv` or `xlsx`."), ModelQuery),
    responses(
        (status = 200, description = "Every matching model, in Vietnamese order (the page parameters are ignored).", content_type = "text/csv"),
        (status = 400, description = "A parameter is not valid (`invalid_query`, `query_too_long`).", body = ErrorBody),
        (status = 401, description = "No valid session (`sign_in_required`).", body = ErrorBody),
        (status = 403, description = "`unit` lies outside the user's units (`outside_your_units`).", body = ErrorBody),
        (status = 404, description = "Not a format this exports (`not_found`).", body = ErrorBody),
    ))]
pub(crate) async fn models(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(format): Path<String>,
    ApiQuery(query): ApiQuery<ModelQuery>,
) -> Result<Response, ApiError> {
    let format = format_of(&format)?;
    let viewer = Viewer::load(state.store.as_ref(), user).await?;
    let filter = crate::models::filter_of(&viewer, &query, 0, PAGE)?;
    match format {
        Kind::Csv => {
            // A page at a time: the answer starts at once and memory does not grow with rows.
            let store = state.store.clone();
            let stream = futures_util::stream::unfold(Some(filter), move |next| {
                let store = store.clone();
                async move {
                    let mut filter = next?;
                    let first = filter.offset == 0;
                    let (items, _) = match store.list_models(&filter).await {
                        Ok(page) => page,
                        Err(e) => return Some((Err(std::io::Error::other(e.to_string())), None)),
                    };
                    let rows: Vec<[String; 6]> = items.iter().map(model_row).collect();
                    let mut bytes = if first {
                        "\u{feff}".as_bytes().to_vec()
                    } else {
                        Vec::new()
                    };
                    bytes.extend(csv_chunk(first.then_some(MODEL_HEADINGS), &rows));
                    let more = items.len() == filter.limit as usize;
                    filter.offset += u64::from(filter.limit);
                    Some((Ok::<_, std::io::Error>(bytes), more.then_some(filter)))
                }
            });
            Ok(attachment(
                Body::from_stream(stream).into_response(),
                "text/csv; charset=utf-8",
                "mo-hinh.csv",
            ))
        }
        Kind::Xlsx => {
            let mut rows = Vec::new();
            let mut filter = filter;
            let mut book = Workbook::new();
            // Rows go to a temporary file as they are written, not to memory.
            let sheet = book
                .add_worksheet_with_constant_memory()
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            sheet
                .set_name("Mô hình")
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            let head = Format::new().set_bold();
            for (c, h) in MODEL_HEADINGS.iter().enumerate() {
                sheet
                    .write_string_with_format(0, c as u16, *h, &head)
                    .map_err(|e| ApiError::Internal(e.to_string()))?;
            }
            let mut row = 1u32;
            loop {
                let (items, _) = state.store.list_models(&filter).await?;
                rows.clear();
                rows.extend(items.iter().map(model_row));
                for values in &rows {
                    for (c, value) in values.iter().enumerate() {
                        if c == 2 {
                            let year: f64 = value.parse().unwrap_or(0.0);
                            sheet.write_number(row, c as u16, year)
                        } else {
                            sheet.write_string(row, c as u16, value)
                        }
                        .map_err(|e| ApiError::Internal(e.to_string()))?;
                    }
                    row += 1;
                }
                if items.len() < filter.limit as usize {
                    break;
                }
                filter.offset += u64::from(filter.limit);
            }
            let bytes = book
                .save_to_buffer()
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            Ok(attachment(
                bytes.into_response(),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "mo-hinh.xlsx",
            ))
        }
    }
}

const AWARD_HEADINGS: [&str; 9] = [
    "Đối tượng",
    "Năm sinh",
    "Đơn vị",
    "Hình thức",
    "Năm",
    "Giai đoạn",
    "Số quyết định",
    "Ngày quyết định",
    "Người ký",
];

/// The proposals and awards of the user's units, as CSV or XLSX.
#[utoipa::path(get, path = "/api/exports/awards.{format}", operation_id = "export_awards", tag = "awards",
    security(("dvk_session" = [])),
    params(("format" = String, Path, description = "`csv` or `xlsx`.")),
    responses(
        (status = 200, description = "Every proposal and award of the user's units, newest year first.", content_type = "text/csv"),
        (status = 401, description = "No valid session (`sign_in_required`).", body = ErrorBody),
        (status = 404, description = "Not a format this exports (`not_found`).", body = ErrorBody),
    ))]
pub(crate) async fn awards(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(format): Path<String>,
) -> Result<Response, ApiError> {
    let format = format_of(&format)?;
    let viewer = Viewer::load(state.store.as_ref(), user).await?;
    let units = viewer.units_within(None)?;
    let awards = state.store.all_awards(units.as_deref()).await?;
    let rows: Vec<[String; 9]> = awards
        .iter()
        .map(|a| {
            let unit = viewer
                .tree
                .get(a.unit_id)
                .map(|u| u.name.clone())
                .unwrap_or_default();
            [
                a.recipient(&unit),
                a.birth_year.map(|y| y.to_string()).unwrap_or_default(),
                unit,
                a.kind.label_vi().to_owned(),
                a.year.to_string(),
                a.status.label_vi().to_owned(),
                a.decision_number.clone().unwrap_or_default(),
                a.decision_date
                    .map(|d| d.to_vietnamese())
                    .unwrap_or_default(),
                a.signer.clone().unwrap_or_default(),
            ]
        })
        .collect();
    match format {
        Kind::Csv => {
            let mut bytes = "\u{feff}".as_bytes().to_vec();
            bytes.extend(csv_chunk(Some(AWARD_HEADINGS), &rows));
            Ok(attachment(
                bytes.into_response(),
                "text/csv; charset=utf-8",
                "khen-thuong.csv",
            ))
        }
        Kind::Xlsx => {
            let mut book = Workbook::new();
            let fail = |e: rust_xlsxwriter::XlsxError| ApiError::Internal(e.to_string());
            let sheet = book.add_worksheet_with_constant_memory().map_err(fail)?;
            sheet.set_name("Khen thưởng").map_err(fail)?;
            let head = Format::new().set_bold();
            for (c, h) in AWARD_HEADINGS.iter().enumerate() {
                sheet
                    .write_string_with_format(0, c as u16, *h, &head)
                    .map_err(fail)?;
            }
            for (r, values) in rows.iter().enumerate() {
                for (c, value) in values.iter().enumerate() {
                    sheet
                        .write_string(1 + r as u32, c as u16, value)
                        .map_err(fail)?;
                }
            }
            let bytes = book.save_to_buffer().map_err(fail)?;
            Ok(attachment(
                bytes.into_response(),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "khen-thuong.xlsx",
            ))
        }
    }
}
