//! Reading uploaded tables (CSV or XLSX) into rows of text cells, with line numbers.
//!
//! An administrator's spreadsheet becomes a [`Table`]: the header names (trimmed, lower
//! case) and every non-blank row as text cells, each row with the line number the person
//! sees in their editor (CSV) or spreadsheet (XLSX), so that an error can say "line 7".
//! Numbers and dates in a spreadsheet become the text Excel shows for them.

use std::io::Cursor;

/// A table read from an upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// Column names from the first row: trimmed and lower-cased.
    pub headers: Vec<String>,
    /// The rows after the header; blank rows are left out.
    pub rows: Vec<Row>,
}

/// One row of an uploaded table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// 1-based line in the file (CSV) or row in the sheet (XLSX); the header is line 1.
    pub line: usize,
    /// The cells, trimmed; a row may have fewer cells than there are headers.
    pub cells: Vec<String>,
}

impl Row {
    /// The cell in column `index`, or "" when the row is shorter.
    pub fn cell(&self, index: usize) -> &str {
        self.cells.get(index).map_or("", String::as_str)
    }
}

/// Why an upload could not be read as a table. The web layer translates each variant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("the file name does not end in .csv or .xlsx")]
    UnknownExtension,
    #[error("the CSV file is not UTF-8 text")]
    NotUtf8,
    #[error("the CSV file cannot be read at line {line}")]
    BadCsv { line: usize },
    #[error("the file is not a readable XLSX workbook")]
    UnreadableXlsx,
    #[error("the file has no header row")]
    NoHeader,
}

impl ImportError {
    /// A stable key for the message that explains this error.
    pub fn key(&self) -> &'static str {
        match self {
            ImportError::UnknownExtension => "unknown-extension",
            ImportError::NotUtf8 => "not-utf8",
            ImportError::BadCsv { .. } => "bad-csv",
            ImportError::UnreadableXlsx => "unreadable-xlsx",
            ImportError::NoHeader => "no-header",
        }
    }
}

/// The formats an upload may have, chosen by the file name's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    Csv,
    Xlsx,
}

impl TableFormat {
    pub fn from_file_name(file_name: &str) -> Result<Self, ImportError> {
        let lower = file_name.trim().to_lowercase();
        if lower.ends_with(".csv") {
            Ok(TableFormat::Csv)
        } else if lower.ends_with(".xlsx") {
            Ok(TableFormat::Xlsx)
        } else {
            Err(ImportError::UnknownExtension)
        }
    }
}

/// Reads an uploaded `.csv` or `.xlsx` file.
pub fn read_table(bytes: &[u8], file_name: &str) -> Result<Table, ImportError> {
    match TableFormat::from_file_name(file_name)? {
        TableFormat::Csv => read_csv(bytes),
        TableFormat::Xlsx => read_xlsx(bytes),
    }
}

fn is_blank(cells: &[String]) -> bool {
    cells.iter().all(String::is_empty)
}

fn table_from(mut lines: Vec<Row>) -> Result<Table, ImportError> {
    if lines.is_empty() || is_blank(&lines[0].cells) {
        return Err(ImportError::NoHeader);
    }
    let header = lines.remove(0);
    let mut headers: Vec<String> = header.cells.iter().map(|h| h.to_lowercase()).collect();
    // Spreadsheets often leave empty header cells at the end of the row.
    while headers.last().is_some_and(String::is_empty) {
        headers.pop();
    }
    let rows = lines.into_iter().filter(|r| !is_blank(&r.cells)).collect();
    Ok(Table { headers, rows })
}

/// The delimiter of a CSV file: `;` when the header line has more semicolons than commas
/// outside quotes (as spreadsheets in Russian locales write), `,` otherwise.
fn detect_delimiter(text: &str) -> u8 {
    let (mut commas, mut semicolons, mut quoted) = (0usize, 0usize, false);
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => commas += 1,
            ';' if !quoted => semicolons += 1,
            '\n' | '\r' if !quoted => break,
            _ => {}
        }
    }
    if semicolons > commas { b';' } else { b',' }
}

/// Reads a CSV file: UTF-8 with or without a byte-order mark, `,` or `;` delimited,
/// fields optionally quoted (a quoted field may hold delimiters, quotes and line breaks).
pub fn read_csv(bytes: &[u8]) -> Result<Table, ImportError> {
    let text = std::str::from_utf8(bytes).map_err(|_| ImportError::NotUtf8)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(detect_delimiter(text))
        .from_reader(text.as_bytes());
    // Line numbers are counted from byte offsets: a quoted field may span lines, and the
    // reader's own line count does not follow CR LF line ends (a record's position may
    // point at the line end before it, so line ends there are skipped first).
    let mut lines_before = LineCounter::new(text.as_bytes());
    let mut lines = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let start = reader.position().byte();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => lines.push(Row {
                line: lines_before.line_at(record.position().map_or(start, |p| p.byte())),
                cells: record.iter().map(|c| c.trim().to_string()).collect(),
            }),
            Err(e) => {
                let line = lines_before.line_at(e.position().map_or(start, |p| p.byte()));
                return Err(ImportError::BadCsv { line });
            }
        }
    }
    table_from(lines)
}

/// Turns byte offsets (given in increasing order) into 1-based line numbers, counting each
/// byte of the text once.
struct LineCounter<'a> {
    bytes: &'a [u8],
    at: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            at: 0,
            line: 1,
        }
    }

    /// The line of the first character at or after `byte` that is not a line end.
    fn line_at(&mut self, byte: u64) -> usize {
        let mut start = (byte as usize).min(self.bytes.len());
        while start < self.bytes.len() && matches!(self.bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        if start > self.at {
            self.line += self.bytes[self.at..start]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            self.at = start;
        }
        self.line
    }
}

/// Reads the first worksheet of an XLSX workbook.
pub fn read_xlsx(bytes: &[u8]) -> Result<Table, ImportError> {
    use calamine::Reader;
    let mut workbook: calamine::Xlsx<_> =
        calamine::Xlsx::new(Cursor::new(bytes)).map_err(|_| ImportError::UnreadableXlsx)?;
    let range = match workbook.worksheet_range_at(0) {
        Some(Ok(range)) => range,
        Some(Err(_)) => return Err(ImportError::UnreadableXlsx),
        None => return Err(ImportError::NoHeader),
    };
    let Some((first_row, _)) = range.start() else {
        return Err(ImportError::NoHeader);
    };
    let lines = range
        .rows()
        .enumerate()
        .map(|(i, cells)| Row {
            line: first_row as usize + i + 1,
            cells: cells
                .iter()
                .map(|c| cell_text(c).trim().to_string())
                .collect(),
        })
        .collect();
    table_from(lines)
}

/// A spreadsheet cell as the text Excel shows for it in the General format.
fn cell_text(cell: &calamine::Data) -> String {
    use calamine::Data;
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(dt) => {
            if dt.is_duration() {
                let total = (dt.as_f64() * 86_400.0).round() as i64;
                format!(
                    "{}:{:02}:{:02}",
                    total / 3600,
                    (total % 3600) / 60,
                    total % 60
                )
            } else {
                let (y, m, d, hh, mm, ss, _) = dt.to_ymd_hms_milli();
                let has_time = hh != 0 || mm != 0 || ss != 0;
                if dt.as_f64() < 1.0 {
                    format!("{hh:02}:{mm:02}:{ss:02}")
                } else if has_time {
                    format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02}:{ss:02}")
                } else {
                    format!("{y:04}-{m:02}-{d:02}")
                }
            }
        }
        Data::Error(e) => e.to_string(),
    }
}

/// A number as Excel's General format shows it: whole numbers without a decimal point,
/// others to at most 15 significant digits, without trailing zeros.
fn number_text(f: f64) -> String {
    if !f.is_finite() {
        return f.to_string();
    }
    if f.fract() == 0.0 && f.abs() < 1e15 {
        return format!("{}", f as i64);
    }
    let digits_before = if f.abs() >= 1.0 {
        f.abs().log10().floor() as i32 + 1
    } else {
        0
    };
    let decimals = (15 - digits_before).clamp(0, 15) as usize;
    let s = format!("{f:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

    fn cells(t: &Table) -> Vec<(usize, Vec<&str>)> {
        t.rows
            .iter()
            .map(|r| (r.line, r.cells.iter().map(String::as_str).collect()))
            .collect()
    }

    #[test]
    fn csv_with_commas_cyrillic_and_turkmen() {
        let t = read_table(
            "Code, Name_EN ,name_ru,name_tk\nTM-A,Ahal,Ахалский велаят,Ahal welaýaty\nTM-D,\"Dashoguz, north\",Дашогуз,Daşoguz\n"
                .as_bytes(),
            "regions.CSV",
        )
        .unwrap();
        assert_eq!(t.headers, ["code", "name_en", "name_ru", "name_tk"]);
        assert_eq!(
            cells(&t),
            [
                (2, vec!["TM-A", "Ahal", "Ахалский велаят", "Ahal welaýaty"]),
                (3, vec!["TM-D", "Dashoguz, north", "Дашогуз", "Daşoguz"]),
            ]
        );
    }

    #[test]
    fn csv_with_semicolons_bom_and_quotes() {
        let text =
            "\u{feff}code;name_en;note\r\n\"A;1\";\"He said \"\"hi\"\"\";x, y\r\n\r\nB;Two\r\n";
        let t = read_csv(text.as_bytes()).unwrap();
        assert_eq!(t.headers, ["code", "name_en", "note"]);
        assert_eq!(
            cells(&t),
            [
                (2, vec!["A;1", "He said \"hi\"", "x, y"]),
                (4, vec!["B", "Two"]),
            ]
        );
        assert_eq!(t.rows[1].cell(2), "");
    }

    #[test]
    fn csv_line_numbers_count_line_breaks_inside_quotes() {
        let t = read_csv(b"code,name\n1,\"two\nlines\"\n2,x\n").unwrap();
        assert_eq!(t.rows[0].line, 2);
        assert_eq!(t.rows[1].line, 4);
    }

    #[test]
    fn csv_errors() {
        assert_eq!(read_csv(b""), Err(ImportError::NoHeader));
        assert_eq!(read_csv("\u{feff}".as_bytes()), Err(ImportError::NoHeader));
        assert_eq!(read_csv(b" , ,\nA,B\n"), Err(ImportError::NoHeader));
        // Windows-1251 "Ахал": not UTF-8.
        assert_eq!(
            read_csv(b"code,name\nA,\xc0\xf5\xe0\xeb\n"),
            Err(ImportError::NotUtf8)
        );
        assert_eq!(
            read_table(b"code\n", "regions.ods"),
            Err(ImportError::UnknownExtension)
        );
        assert_eq!(
            read_table(b"code\n", "regions"),
            Err(ImportError::UnknownExtension)
        );
    }

    #[test]
    fn header_only_file_has_no_rows() {
        let t = read_csv(b"code,name_en,\n").unwrap();
        assert_eq!(t.headers, ["code", "name_en"]);
        assert!(t.rows.is_empty());
    }

    fn workbook_bytes(build: impl FnOnce(&mut rust_xlsxwriter::Worksheet)) -> Vec<u8> {
        let mut wb = Workbook::new();
        let sheet = wb.add_worksheet();
        build(sheet);
        // A second sheet that must be ignored.
        wb.add_worksheet().write_string(0, 0, "other").unwrap();
        wb.save_to_buffer().unwrap()
    }

    #[test]
    fn xlsx_first_sheet_numbers_dates_and_text() {
        let bytes = workbook_bytes(|s| {
            for (c, h) in [" Code", "Name_RU", "Name_TK", "Count", "Share", "Since"]
                .iter()
                .enumerate()
            {
                s.write_string(0, c as u16, *h).unwrap();
            }
            s.write_string(1, 0, "TM-L").unwrap();
            s.write_string(1, 1, "Лебапский велаят").unwrap();
            s.write_string(1, 2, "Lebap welaýaty").unwrap();
            s.write_number(1, 3, 12.0).unwrap();
            s.write_number(1, 4, 0.1 + 0.2).unwrap();
            let date = ExcelDateTime::from_ymd(2024, 3, 8).unwrap();
            s.write_datetime_with_format(1, 5, &date, &Format::new().set_num_format("dd.mm.yyyy"))
                .unwrap();
            // A blank row, then a row, then blank rows with formatting only.
            s.write_string(3, 0, "TM-M").unwrap();
            s.write_number(3, 3, 1234567.5).unwrap();
            s.write_blank(8, 0, &Format::new().set_bold()).unwrap();
        });
        let t = read_table(&bytes, "Regions.xlsx").unwrap();
        assert_eq!(
            t.headers,
            ["code", "name_ru", "name_tk", "count", "share", "since"]
        );
        assert_eq!(
            cells(&t),
            [
                (
                    2,
                    vec![
                        "TM-L",
                        "Лебапский велаят",
                        "Lebap welaýaty",
                        "12",
                        "0.3",
                        "2024-03-08"
                    ]
                ),
                (4, vec!["TM-M", "", "", "1234567.5", "", ""]),
            ]
        );
    }

    #[test]
    fn xlsx_errors() {
        assert_eq!(
            read_table(b"code,name\nA,B\n", "regions.xlsx"),
            Err(ImportError::UnreadableXlsx)
        );
        assert_eq!(read_table(b"", "r.xlsx"), Err(ImportError::UnreadableXlsx));
        let empty = workbook_bytes(|_| {});
        assert_eq!(read_table(&empty, "r.xlsx"), Err(ImportError::NoHeader));
    }

    #[test]
    fn large_files_are_read_in_linear_time() {
        let mut text = String::from("code,name_en\n");
        for i in 0..50_000 {
            text.push_str(&format!("C{i},Name {i}\r\n"));
        }
        let started = std::time::Instant::now();
        let t = read_csv(text.as_bytes()).unwrap();
        assert_eq!(t.rows.len(), 50_000);
        assert_eq!(t.rows[49_999].line, 50_001);
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn numbers_as_displayed() {
        assert_eq!(number_text(3.0), "3");
        assert_eq!(number_text(-42.0), "-42");
        assert_eq!(number_text(2.5), "2.5");
        assert_eq!(number_text(0.1 + 0.2), "0.3");
        assert_eq!(number_text(1.0 / 3.0), "0.333333333333333");
    }
}
