//! A period report as files: a Word document in the administrative layout (the national motto
//! heading, the unit, the number, place and date, the title, then the figures and the written
//! parts) by `docx-rs`, and its tables as a spreadsheet by `rust_xlsxwriter`. Neither format is
//! written by hand.

use std::io::Cursor;

use docx_rs::{AlignmentType, Docx, Paragraph, Run, Table, TableCell, TableRow};
use dvk_shared::{
    date::Date,
    model::Field,
    report::{Figures, Report, ReportStatus},
    text::format_number,
};
use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// The rows of the main table: a field's name and its counts, then the total.
fn main_rows(figures: &Figures) -> Vec<(String, [u64; 6])> {
    let line = |c: &dvk_shared::report::Counts| {
        [
            c.registered,
            c.running,
            c.evaluated,
            c.typical,
            c.replicated,
            c.new_in_period,
        ]
    };
    let mut rows: Vec<(String, [u64; 6])> = Field::ALL
        .iter()
        .map(|f| {
            (
                f.label_vi().to_owned(),
                figures.by_field.get(f).map(line).unwrap_or_default(),
            )
        })
        .collect();
    rows.push(("Tổng cộng".to_owned(), line(&figures.total)));
    rows
}

const HEADINGS: [&str; 7] = [
    "Lĩnh vực",
    "Đăng ký",
    "Đang triển khai",
    "Được đánh giá",
    "Điển hình",
    "Nhân rộng",
    "Mới trong kỳ",
];

fn results_lines(figures: &Figures) -> Vec<String> {
    let r = &figures.results;
    [
        ("Số người được hưởng lợi", r.people_reached),
        ("Số hộ tham gia", r.households),
        ("Kinh phí huy động (đồng)", r.money_vnd),
        ("Ngày công đóng góp", r.labour_days),
        ("Đất hiến (m²)", r.land_m2),
    ]
    .into_iter()
    .filter_map(|(label, v)| v.map(|v| format!("{label}: {}", format_number(v))))
    .collect()
}

fn text(s: &str) -> Paragraph {
    Paragraph::new().add_run(Run::new().add_text(s))
}

fn bold(s: &str) -> Paragraph {
    Paragraph::new().add_run(Run::new().add_text(s).bold())
}

fn centred(p: Paragraph) -> Paragraph {
    p.align(AlignmentType::Center)
}

fn cell(s: &str) -> TableCell {
    TableCell::new().add_paragraph(text(s))
}

/// Paragraphs of a written part, one per line the person wrote.
fn written(mut doc: Docx, heading: &str, body: &str) -> Docx {
    doc = doc.add_paragraph(bold(heading));
    for line in body.lines().filter(|l| !l.trim().is_empty()) {
        doc = doc.add_paragraph(text(line.trim()));
    }
    doc
}

/// The report as a Word document.
pub fn report_docx(
    report: &Report,
    figures: &Figures,
    unit_name: &str,
    dated: Date,
) -> Result<Vec<u8>, String> {
    let place = if report.text.place.trim().is_empty() {
        "………"
    } else {
        report.text.place.trim()
    };
    let number = if report.text.number.trim().is_empty() {
        "…/BC"
    } else {
        report.text.number.trim()
    };
    let heading = Table::new(vec![
        TableRow::new(vec![
            TableCell::new().add_paragraph(centred(bold(&unit_name.to_uppercase()))),
            TableCell::new().add_paragraph(centred(bold("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"))),
        ]),
        TableRow::new(vec![
            TableCell::new().add_paragraph(centred(text(&format!("Số: {number}")))),
            TableCell::new().add_paragraph(centred(bold("Độc lập - Tự do - Hạnh phúc"))),
        ]),
        TableRow::new(vec![
            cell(""),
            TableCell::new().add_paragraph(centred(
                Paragraph::new().add_run(
                    Run::new()
                        .add_text(format!(
                            "{place}, ngày {:02} tháng {:02} năm {}",
                            dated.day(),
                            dated.month(),
                            dated.year()
                        ))
                        .italic(),
                ),
            )),
        ]),
    ]);
    let mut doc = Docx::new()
        .add_table(heading)
        .add_paragraph(text(""))
        .add_paragraph(centred(
            Paragraph::new().add_run(Run::new().add_text("BÁO CÁO").bold().size(32)),
        ))
        .add_paragraph(centred(bold(&report.text.title)));
    if report.status == ReportStatus::Draft {
        doc = doc.add_paragraph(centred(text("(Dự thảo)")));
    }
    doc = doc.add_paragraph(bold(&format!(
        "I. KẾT QUẢ THỰC HIỆN ({})",
        figures.period.label_vi()
    )));
    let mut rows = vec![TableRow::new(HEADINGS.iter().map(|h| cell(h)).collect())];
    for (name, counts) in main_rows(figures) {
        let mut cells = vec![cell(&name)];
        cells.extend(counts.iter().map(|n| cell(&format_number(*n))));
        rows.push(TableRow::new(cells));
    }
    doc = doc.add_table(Table::new(rows));
    let results = results_lines(figures);
    if !results.is_empty() {
        doc = doc.add_paragraph(text(&format!("Kết quả đạt được: {}.", results.join("; "))));
    }
    if !figures.awards.is_empty() {
        let awards: Vec<String> = figures
            .awards
            .iter()
            .map(|(kind, recipient, n)| {
                let who = match recipient {
                    dvk_shared::award::RecipientType::Individual => "cá nhân",
                    dvk_shared::award::RecipientType::Collective => "tập thể",
                };
                format!("{} cho {n} {who}", kind.label_vi())
            })
            .collect();
        doc = doc.add_paragraph(text(&format!("Khen thưởng: {}.", awards.join("; "))));
    }
    if figures.adoptions > 0 {
        doc = doc.add_paragraph(text(&format!(
            "Nhân rộng: {} mô hình được các đơn vị khác áp dụng trong kỳ.",
            figures.adoptions
        )));
    }
    if !figures.difficulties.is_empty() {
        let named: Vec<String> = figures
            .difficulties
            .iter()
            .map(|(d, n)| format!("{d} ({n})"))
            .collect();
        doc = doc.add_paragraph(text(&format!(
            "Khó khăn, vướng mắc qua khảo sát: {}.",
            named.join("; ")
        )));
    }
    if !figures.typical.is_empty() {
        doc = doc.add_paragraph(bold("Các mô hình điển hình:"));
        for (n, (_, name, _)) in figures.typical.iter().enumerate() {
            doc = doc.add_paragraph(text(&format!("{}. {name}", n + 1)));
        }
    }
    doc = written(doc, "II. ĐÁNH GIÁ CHUNG", &report.text.assessment);
    doc = written(doc, "III. BÀI HỌC KINH NGHIỆM", &report.text.lessons);
    doc = written(doc, "IV. KIẾN NGHỊ, ĐỀ XUẤT", &report.text.recommendations);
    let mut bytes = Cursor::new(Vec::new());
    doc.build().pack(&mut bytes).map_err(|e| e.to_string())?;
    Ok(bytes.into_inner())
}

/// The report's tables as a spreadsheet: the main table, the results, the awards, the
/// difficulties and the typical models, one sheet each.
pub fn report_xlsx(figures: &Figures, unit_name: &str) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let head = Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet.set_name("Theo lĩnh vực")?;
    sheet.write_string_with_format(
        0,
        0,
        format!("{} — {}", unit_name, figures.period.label_vi()),
        &head,
    )?;
    for (c, h) in HEADINGS.iter().enumerate() {
        sheet.write_string_with_format(2, c as u16, *h, &head)?;
    }
    for (r, (name, counts)) in main_rows(figures).into_iter().enumerate() {
        let row = 3 + r as u32;
        sheet.write_string(row, 0, name)?;
        for (c, n) in counts.iter().enumerate() {
            sheet.write_number(row, 1 + c as u16, *n as f64)?;
        }
    }
    sheet.set_column_width(0, 34)?;

    let sheet = book.add_worksheet();
    sheet.set_name("Kết quả")?;
    for (r, line) in results_lines(figures).into_iter().enumerate() {
        let (label, value) = line.split_once(": ").unwrap_or((line.as_str(), ""));
        sheet.write_string(r as u32, 0, label)?;
        sheet.write_string(r as u32, 1, value)?;
    }
    sheet.set_column_width(0, 30)?;

    let sheet = book.add_worksheet();
    sheet.set_name("Khen thưởng")?;
    for (c, h) in ["Hình thức", "Đối tượng", "Số lượng"].iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &head)?;
    }
    for (r, (kind, recipient, n)) in figures.awards.iter().enumerate() {
        let row = 1 + r as u32;
        sheet.write_string(row, 0, kind.label_vi())?;
        sheet.write_string(
            row,
            1,
            match recipient {
                dvk_shared::award::RecipientType::Individual => "Cá nhân",
                dvk_shared::award::RecipientType::Collective => "Tập thể",
            },
        )?;
        sheet.write_number(row, 2, *n as f64)?;
    }

    let sheet = book.add_worksheet();
    sheet.set_name("Khó khăn")?;
    for (r, (d, n)) in figures.difficulties.iter().enumerate() {
        sheet.write_string(r as u32, 0, d)?;
        sheet.write_number(r as u32, 1, *n as f64)?;
    }

    let sheet = book.add_worksheet();
    sheet.set_name("Mô hình điển hình")?;
    for (r, (_, name, _)) in figures.typical.iter().enumerate() {
        sheet.write_string(r as u32, 0, name)?;
    }
    sheet.set_column_width(0, 60)?;
    book.save_to_buffer()
}
