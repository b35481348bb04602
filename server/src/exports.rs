//! Exports of the lists as spreadsheets, each what its list's filters show, as `.csv` or
//! `.xlsx`: `GET /api/exports/models.{csv,xlsx}` with the models list's filters,
//! `awards` (the proposals and awards of the user's units), `surveys` (the visits the user sees,
//! by year, unit and status), `units` (the unit tree the user sees) and `accounts` (for those who
//! may read the accounts list).
//!
//! CSV is UTF-8 with a byte-order mark so a spreadsheet opens Vietnamese intact, written by the
//! `csv` crate and streamed a page at a time, so memory stays flat however many rows. XLSX is
//! `rust_xlsxwriter` in its constant-memory mode: rows go to a temporary file as each page is
//! read, the workbook is zipped into another temporary file, and that file is streamed; nothing
//! holds the whole file in memory.

use std::{collections::BTreeMap, io::Seek, sync::Arc};

use axum::{
    Router,
    body::Body,
    extract::{Path, State},
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
    routing::get,
};
use dvk_shared::{
    api::{ErrorBody, ModelQuery, ModelSummary},
    date::{Date, Timestamp},
    ids::{CampaignId, UnitId},
    survey::{Campaign, SurveyStatus, total_score},
    text::sort_key,
    unit::Unit,
    user::Role,
};
use futures_util::StreamExt;
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde::Deserialize;

use crate::{
    AppState,
    access::Viewer,
    auth::CurrentUser,
    error::{ApiError, Forbidden},
    extract::ApiQuery,
    store::{ModelFilter, Store, SurveyFilter, SurveyRow},
};

/// Rows read from the database at a time.
const PAGE: u32 = 500;

/// Bytes read from the finished XLSX file at a time.
const XLSX_CHUNK: usize = 64 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/exports/models.{format}", get(models))
        .route("/exports/awards.{format}", get(awards))
        .route("/exports/surveys.{format}", get(surveys))
        .route("/exports/units.{format}", get(units))
        .route("/exports/accounts.{format}", get(accounts))
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

fn xlsx_failed(e: XlsxError) -> ApiError {
    ApiError::Internal(e.to_string())
}

/// An instant as a Vietnamese reader writes it, in Vietnam's time: dd/mm/yyyy hh:mm.
fn date_time_in_vietnam(at: Timestamp) -> String {
    let minutes = (at.0 + 7 * 3_600_000).rem_euclid(86_400_000) / 60_000;
    format!(
        "{} {:02}:{:02}",
        Date::of_instant_in_vietnam(at).to_vietnamese(),
        minutes / 60,
        minutes % 60
    )
}

/// Where an export's rows come from: a page at a time, each after the last, as the file is
/// written; a page shorter than [`PAGE`] is the last.
#[async_trait::async_trait]
trait Pages<const N: usize>: Send {
    async fn next(&mut self) -> Result<Vec<[String; N]>, ApiError>;
}

/// Rows read already: the short lists (awards, units, accounts).
struct All<const N: usize>(std::vec::IntoIter<[String; N]>);

impl<const N: usize> All<N> {
    fn rows(rows: Vec<[String; N]>) -> Box<dyn Pages<N>> {
        Box::new(All(rows.into_iter()))
    }
}

#[async_trait::async_trait]
impl<const N: usize> Pages<N> for All<N> {
    async fn next(&mut self) -> Result<Vec<[String; N]>, ApiError> {
        Ok(self.0.by_ref().take(PAGE as usize).collect())
    }
}

/// What an export's file holds besides its rows.
struct Sheet<const N: usize> {
    /// The file's name without its extension, in ASCII (`mo-hinh`).
    file: &'static str,
    /// The worksheet's name in an XLSX.
    name: &'static str,
    headings: [&'static str; N],
    /// The columns an XLSX holds as numbers (a value that is not one stays text).
    numbers: &'static [usize],
}

/// The export as a response: CSV streamed a page at a time, or XLSX.
async fn export<const N: usize>(
    kind: Kind,
    sheet: Sheet<N>,
    rows: Box<dyn Pages<N>>,
) -> Result<Response, ApiError> {
    match kind {
        Kind::Csv => csv_response(sheet, rows).await,
        Kind::Xlsx => xlsx_response(sheet, rows).await,
    }
}

async fn csv_response<const N: usize>(
    sheet: Sheet<N>,
    mut rows: Box<dyn Pages<N>>,
) -> Result<Response, ApiError> {
    // The first page is read before answering, so a failure still answers with its status.
    let first = rows.next().await?;
    let headings = sheet.headings;
    // (the rows, the page read already if any, whether it is the first)
    let stream =
        futures_util::stream::unfold(Some((rows, Some(first), true)), move |state| async move {
            let (mut rows, read, start) = state?;
            let page = match read {
                Some(page) => page,
                None => match rows.next().await {
                    Ok(page) => page,
                    Err(e) => return Some((Err(std::io::Error::other(e.to_string())), None)),
                },
            };
            let mut bytes = if start {
                "\u{feff}".as_bytes().to_vec()
            } else {
                Vec::new()
            };
            bytes.extend(csv_chunk(start.then_some(headings), &page));
            let more = page.len() == PAGE as usize;
            Some((
                Ok::<_, std::io::Error>(bytes),
                more.then_some((rows, None, false)),
            ))
        });
    Ok(attachment(
        // Fused: the compression layer may poll a body again after its end.
        Body::from_stream(stream.fuse()).into_response(),
        "text/csv; charset=utf-8",
        &format!("{}.csv", sheet.file),
    ))
}

/// Writes one page of rows into the workbook's first sheet from row `at`.
fn write_page<const N: usize>(
    book: &mut Workbook,
    numbers: &[usize],
    at: u32,
    page: &[[String; N]],
) -> Result<(), XlsxError> {
    let sheet = book.worksheet_from_index(0)?;
    for (r, values) in page.iter().enumerate() {
        let row = at + r as u32;
        for (c, value) in values.iter().enumerate() {
            let number = numbers
                .contains(&c)
                .then(|| value.parse::<f64>().ok())
                .flatten();
            match number {
                Some(number) => sheet.write_number(row, c as u16, number)?,
                None if value.is_empty() => sheet,
                None => sheet.write_string(row, c as u16, value)?,
            };
        }
    }
    Ok(())
}

async fn xlsx_response<const N: usize>(
    sheet: Sheet<N>,
    mut rows: Box<dyn Pages<N>>,
) -> Result<Response, ApiError> {
    let mut book = Workbook::new();
    {
        // Rows go to a temporary file as they are written, not to memory.
        let worksheet = book
            .add_worksheet_with_constant_memory()
            .map_err(xlsx_failed)?;
        worksheet.set_name(sheet.name).map_err(xlsx_failed)?;
        let head = Format::new().set_bold();
        for (c, h) in sheet.headings.iter().enumerate() {
            worksheet
                .write_string_with_format(0, c as u16, *h, &head)
                .map_err(xlsx_failed)?;
        }
    }
    let numbers = sheet.numbers;
    let mut at = 1u32;
    loop {
        let page = rows.next().await?;
        let last = page.len() < PAGE as usize;
        let count = page.len() as u32;
        // The file writes happen off the async threads.
        book = tokio::task::spawn_blocking(move || {
            write_page(&mut book, numbers, at, &page).map(|()| book)
        })
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(xlsx_failed)?;
        if last {
            break;
        }
        at += count;
    }
    // Zipped into a temporary file (deleted when closed), then sent from it a chunk at a time.
    let (file, size) = tokio::task::spawn_blocking(move || -> Result<_, XlsxError> {
        let mut file = tempfile::tempfile()?;
        book.save_to_writer(&mut file)?;
        let size = file.stream_position()?;
        file.rewind()?;
        Ok((file, size))
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
    .map_err(xlsx_failed)?;
    let file = tokio::fs::File::from_std(file);
    let stream = futures_util::stream::unfold(Some(file), |file| async move {
        use tokio::io::AsyncReadExt;
        let mut file = file?;
        let mut buffer = vec![0u8; XLSX_CHUNK];
        match file.read(&mut buffer).await {
            Ok(0) => None,
            Ok(n) => {
                buffer.truncate(n);
                Some((Ok(buffer), Some(file)))
            }
            Err(e) => Some((Err(e), None)),
        }
    });
    let mut response = Body::from_stream(stream.fuse()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    Ok(attachment(
        response,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("{}.xlsx", sheet.file),
    ))
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
    let updated = Date::of_instant_in_vietnam(m.updated_at).to_vietnamese();
    [
        m.name.clone(),
        m.field.label_vi().to_owned(),
        m.year.to_string(),
        m.status.label_vi().to_owned(),
        m.unit_name.clone(),
        updated,
    ]
}

/// The models of an export, a page at a time from where the last ended.
struct ModelPages {
    store: Arc<dyn Store>,
    /// Its `after` is the place of the last model read.
    filter: ModelFilter,
}

#[async_trait::async_trait]
impl Pages<6> for ModelPages {
    async fn next(&mut self) -> Result<Vec<[String; 6]>, ApiError> {
        let models = self.store.models_after(&self.filter).await?;
        if let Some((_, place)) = models.last() {
            self.filter.after = Some(place.clone());
        }
        Ok(models.iter().map(|(m, _)| model_row(m)).collect())
    }
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
    let rows = Box::new(ModelPages {
        store: state.store.clone(),
        filter: crate::models::filter_of(&viewer, &query, 0, PAGE)?,
    });
    let sheet = Sheet {
        file: "mo-hinh",
        name: "Mô hình",
        headings: MODEL_HEADINGS,
        numbers: &[2],
    };
    export(format, sheet, rows).await
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
    let sheet = Sheet {
        file: "khen-thuong",
        name: "Khen thưởng",
        headings: AWARD_HEADINGS,
        numbers: &[1, 4],
    };
    export(format, sheet, All::rows(rows)).await
}

/// The filters of the surveys export; every one is optional.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct SurveyExportQuery {
    /// Only surveys of the campaigns of this year; every year when left out.
    year: Option<u16>,
    /// The unit and its subtree (the survey's model's unit); all the user's units when left out.
    unit: Option<UnitId>,
    /// `draft` or `submitted`; both when left out.
    #[param(value_type = Option<String>)]
    status: Option<SurveyStatus>,
}

const SURVEY_HEADINGS: [&str; 11] = [
    "Mô hình",
    "Đơn vị",
    "Đợt khảo sát",
    "Năm",
    "Cán bộ khảo sát",
    "Ngày khảo sát",
    "Trạng thái phiếu",
    "Xếp loại",
    "Tổng điểm",
    "Khó khăn, vướng mắc",
    "Kiến nghị, đề xuất",
];

fn survey_status_label(status: SurveyStatus) -> &'static str {
    match status {
        SurveyStatus::Draft => "Bản nháp",
        SurveyStatus::Submitted => "Đã nộp",
    }
}

fn survey_row(row: &SurveyRow, campaigns: &BTreeMap<CampaignId, Campaign>) -> [String; 11] {
    let survey = &row.survey;
    let campaign = campaigns.get(&survey.campaign_id);
    // The name the Board chose for the surveyor, else their account's.
    let surveyor = campaign
        .and_then(|c| c.surveyor_names.get(&survey.surveyor_id).cloned())
        .or_else(|| row.surveyor_name.clone())
        .unwrap_or_default();
    let total = campaign.and_then(|c| total_score(&c.criteria, &survey.scores));
    [
        row.model_name.clone(),
        row.unit_name.clone(),
        campaign.map(|c| c.name.clone()).unwrap_or_default(),
        campaign.map(|c| c.year.to_string()).unwrap_or_default(),
        surveyor,
        survey
            .visited_at
            .map(|at| Date::of_instant_in_vietnam(at).to_vietnamese())
            .unwrap_or_default(),
        survey_status_label(survey.status).to_owned(),
        survey
            .rating
            .map(|r| r.label_vi().to_owned())
            .unwrap_or_default(),
        total.map(|t| t.to_string()).unwrap_or_default(),
        survey.difficulties.join("; "),
        survey.recommendations.clone(),
    ]
}

/// The surveys of an export, a page at a time (there are a few thousand a year at most).
struct SurveyPages {
    store: Arc<dyn Store>,
    filter: SurveyFilter,
    campaigns: BTreeMap<CampaignId, Campaign>,
}

#[async_trait::async_trait]
impl Pages<11> for SurveyPages {
    async fn next(&mut self) -> Result<Vec<[String; 11]>, ApiError> {
        let rows = self.store.list_surveys(&self.filter).await?;
        self.filter.offset += u64::from(self.filter.limit);
        Ok(rows
            .iter()
            .map(|r| survey_row(r, &self.campaigns))
            .collect())
    }
}

/// The surveys the user sees (by the unit of the surveyed model), as CSV or XLSX.
#[utoipa::path(get, path = "/api/exports/surveys.{format}", operation_id = "export_surveys", tag = "surveys",
    security(("dvk_session" = [])),
    params(("format" = String, Path, description = "`csv` or `xlsx`."), SurveyExportQuery),
    responses(
        (status = 200, description = "Mọi phiếu khảo sát khớp bộ lọc, năm mới nhất trước. Every matching survey of the user's units (as sync gives them), newest campaign year first, then by model name.", content_type = "text/csv"),
        (status = 400, description = "A parameter is not valid (`invalid_query`).", body = ErrorBody),
        (status = 401, description = "No valid session (`sign_in_required`).", body = ErrorBody),
        (status = 403, description = "`unit` lies outside the user's units (`outside_your_units`).", body = ErrorBody),
        (status = 404, description = "Not a format this exports (`not_found`).", body = ErrorBody),
    ))]
pub(crate) async fn surveys(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(format): Path<String>,
    ApiQuery(query): ApiQuery<SurveyExportQuery>,
) -> Result<Response, ApiError> {
    let format = format_of(&format)?;
    let viewer = Viewer::load(state.store.as_ref(), user).await?;
    // Everyone reads the surveys of the units they see, as their devices hold them.
    let filter = SurveyFilter {
        units: viewer.units_within(query.unit)?,
        year: query.year,
        status: query.status,
        offset: 0,
        limit: PAGE,
    };
    let campaigns = state
        .store
        .campaigns()
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let rows = Box::new(SurveyPages {
        store: state.store.clone(),
        filter,
        campaigns,
    });
    let sheet = Sheet {
        file: "phieu-khao-sat",
        name: "Phiếu khảo sát",
        headings: SURVEY_HEADINGS,
        numbers: &[3, 8],
    };
    export(format, sheet, rows).await
}

const UNIT_HEADINGS: [&str; 7] = [
    "Tên đơn vị",
    "Loại đơn vị",
    "Đơn vị cấp trên",
    "Vị trí trong cây đơn vị",
    "Tình trạng",
    "Số mô hình của đơn vị",
    "Số mô hình kể cả đơn vị trực thuộc",
];

/// Current, or merged into which unit from when, or closed from when.
fn unit_state(unit: &Unit, viewer: &Viewer) -> String {
    match (unit.merged_into, unit.merged_on, unit.closed_on) {
        (Some(into), on, _) => {
            let into = viewer
                .tree
                .get(into)
                .map(|u| u.name.clone())
                .unwrap_or_default();
            match on {
                Some(on) => format!("Đã sáp nhập vào {into} từ {}", on.to_vietnamese()),
                None => format!("Đã sáp nhập vào {into}"),
            }
        }
        (None, _, Some(on)) => format!("Đã giải thể từ {}", on.to_vietnamese()),
        (None, _, None) => "Đang hoạt động".to_owned(),
    }
}

/// The unit tree the user sees, one row a unit, each under its parent, as CSV or XLSX.
#[utoipa::path(get, path = "/api/exports/units.{format}", operation_id = "export_units", tag = "units",
    security(("dvk_session" = [])),
    params(("format" = String, Path, description = "`csv` or `xlsx`.")),
    responses(
        (status = 200, description = "Cây đơn vị người dùng được xem. The units the user sees, each after its parent, brothers in Vietnamese order; a visible unit whose parent is not visible starts the path.", content_type = "text/csv"),
        (status = 401, description = "No valid session (`sign_in_required`).", body = ErrorBody),
        (status = 404, description = "Not a format this exports (`not_found`).", body = ErrorBody),
    ))]
pub(crate) async fn units(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(format): Path<String>,
) -> Result<Response, ApiError> {
    let format = format_of(&format)?;
    let viewer = Viewer::load(state.store.as_ref(), user).await?;
    let counts: BTreeMap<UnitId, u64> = state.store.models_per_unit().await?.into_iter().collect();
    // As `GET /api/units` nests them: a visible unit whose parent is not visible is a root.
    let visible: Vec<&Unit> = viewer.tree.units().filter(|u| viewer.sees(u.id)).collect();
    let mut children: BTreeMap<Option<UnitId>, Vec<&Unit>> = BTreeMap::new();
    for unit in &visible {
        let parent = unit.parent_id.filter(|p| viewer.sees(*p));
        children.entry(parent).or_default().push(unit);
    }
    for list in children.values_mut() {
        list.sort_by_cached_key(|u| sort_key(&u.name));
    }
    let mut rows: Vec<[String; 7]> = Vec::with_capacity(visible.len());
    // Depth first, each unit with the path of names down to it.
    let mut stack: Vec<(&Unit, Vec<String>)> = children
        .get(&None)
        .into_iter()
        .flatten()
        .rev()
        .map(|u| (*u, Vec::new()))
        .collect();
    while let Some((unit, mut path)) = stack.pop() {
        let parent = path.last().cloned().unwrap_or_default();
        path.push(unit.name.clone());
        let own = counts.get(&unit.id).copied().unwrap_or(0);
        let within: u64 = viewer
            .tree
            .subtree(unit.id)
            .iter()
            .map(|id| counts.get(id).copied().unwrap_or(0))
            .sum();
        rows.push([
            unit.name.clone(),
            unit.kind.label_vi().to_owned(),
            parent,
            path.join(" › "),
            unit_state(unit, &viewer),
            own.to_string(),
            within.to_string(),
        ]);
        if path.len() > visible.len() {
            continue; // a cycle in bad data: stop rather than loop
        }
        for child in children.get(&Some(unit.id)).into_iter().flatten().rev() {
            stack.push((child, path.clone()));
        }
    }
    let sheet = Sheet {
        file: "don-vi",
        name: "Đơn vị",
        headings: UNIT_HEADINGS,
        numbers: &[5, 6],
    };
    export(format, sheet, All::rows(rows)).await
}

const ACCOUNT_HEADINGS: [&str; 7] = [
    "Tên đăng nhập",
    "Họ và tên",
    "Vai trò",
    "Đơn vị",
    "Tình trạng",
    "Đăng nhập lần cuối",
    "Đồng bộ lần cuối",
];

/// The accounts the user may read (`GET /api/accounts`), as CSV or XLSX; never a password or a
/// code.
#[utoipa::path(get, path = "/api/exports/accounts.{format}", operation_id = "export_accounts", tag = "accounts",
    security(("dvk_session" = [])),
    params(("format" = String, Path, description = "`csv` or `xlsx`.")),
    responses(
        (status = 200, description = "Các tài khoản người dùng được xem: quản trị viên mọi tài khoản, Ban Dân vận tài khoản thuộc đơn vị của Ban. The accounts `GET /api/accounts` lists, by display name, each with its last sign-in and last sync in Vietnam's time.", content_type = "text/csv"),
        (status = 401, description = "No valid session (`sign_in_required`).", body = ErrorBody),
        (status = 403, description = "Only administrators and the Board (`role_not_allowed`).", body = ErrorBody),
        (status = 404, description = "Not a format this exports (`not_found`).", body = ErrorBody),
    ))]
pub(crate) async fn accounts(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(format): Path<String>,
) -> Result<Response, ApiError> {
    let format = format_of(&format)?;
    // The rule of `GET /api/accounts`: administrators read every account, the Board those of
    // its units.
    if !user.role.reviews() {
        return Err(ApiError::Forbidden(Forbidden::Role));
    }
    let viewer = Viewer::load(state.store.as_ref(), user).await?;
    let mut accounts = state.store.accounts().await?;
    accounts.retain(|a| viewer.user.role == Role::Admin || viewer.sees(a.user.unit_id));
    let rows: Vec<[String; 7]> = accounts
        .iter()
        .map(|a| {
            let state = if !a.active {
                "Đã khoá"
            } else if a.must_change_password {
                "Chờ đặt mật khẩu"
            } else {
                "Đang hoạt động"
            };
            [
                a.user.username.clone(),
                a.user.display_name.clone(),
                a.user.role.label_vi().to_owned(),
                viewer
                    .tree
                    .get(a.user.unit_id)
                    .map(|u| u.name.clone())
                    .unwrap_or_default(),
                state.to_owned(),
                a.last_sign_in_at
                    .map(date_time_in_vietnam)
                    .unwrap_or_default(),
                a.last_sync_at()
                    .map(date_time_in_vietnam)
                    .unwrap_or_default(),
            ]
        })
        .collect();
    let sheet = Sheet {
        file: "tai-khoan",
        name: "Tài khoản",
        headings: ACCOUNT_HEADINGS,
        numbers: &[],
    };
    export(format, sheet, All::rows(rows)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_instant_reads_in_vietnam_time() {
        // 2020-12-31 17:30 UTC is 00:30 on 1 January 2021 in Vietnam.
        assert_eq!(
            date_time_in_vietnam(Timestamp(1_609_435_800_000)),
            "01/01/2021 00:30"
        );
    }

    #[test]
    fn csv_quotes_what_needs_it_and_keeps_vietnamese() {
        let text = csv_chunk(
            Some(["Tên", "Ghi chú"]),
            &[["Xã Điện Hòa".to_owned(), "a, \"b\"".to_owned()]],
        );
        assert_eq!(
            String::from_utf8(text).unwrap(),
            "Tên,Ghi chú\nXã Điện Hòa,\"a, \"\"b\"\"\"\n"
        );
    }
}
