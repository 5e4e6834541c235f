//! CSV export with a UTF-8 BOM for Excel and neutralised formula cells.
//!
//! Spreadsheet programs run a cell that starts with `=`, `+`, `-` or `@` as a formula
//! (and some also after a leading tab or carriage return), so text typed by one user could
//! run as a formula on an administrator's computer when an export is opened ("CSV
//! injection"). Every such cell gets a leading single quote, which shows the text as it is.
//! Rows end with CRLF (RFC 4180); a cell is quoted when it holds a comma, a quote or a line
//! break, and quotes inside are doubled.

/// The UTF-8 byte order mark: without it Excel reads the file in the local 8-bit code page
/// and Turkmen and Russian letters come out garbled.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The characters that make a spreadsheet treat a cell as a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Writes a CSV document into memory.
#[derive(Debug, Clone)]
pub struct CsvWriter {
    out: Vec<u8>,
    rows: usize,
}

impl Default for CsvWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl CsvWriter {
    /// A new document, starting with the BOM.
    pub fn new() -> Self {
        Self {
            out: BOM.to_vec(),
            rows: 0,
        }
    }

    /// Appends one row.
    pub fn row<I, S>(&mut self, cells: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for (i, cell) in cells.into_iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            self.cell(cell.as_ref());
        }
        self.out.extend_from_slice(b"\r\n");
        self.rows += 1;
    }

    fn cell(&mut self, text: &str) {
        let neutralise = text.starts_with(FORMULA_STARTS);
        let quote = text.contains([',', '"', '\n', '\r']);
        if quote {
            self.out.push(b'"');
        }
        if neutralise {
            self.out.push(b'\'');
        }
        if quote {
            self.out
                .extend_from_slice(text.replace('"', "\"\"").as_bytes());
            self.out.push(b'"');
        } else {
            self.out.extend_from_slice(text.as_bytes());
        }
    }

    /// How many rows were written (the header included).
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The finished document.
    pub fn finish(self) -> Vec<u8> {
        self.out
    }
}

/// Neutralises one cell the way the writer does (for other exports that write cells
/// through another library, e.g. XLSX text cells).
pub fn neutralise(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(FORMULA_STARTS) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads the document back with an independent CSV parser.
    fn parse(bytes: &[u8]) -> Vec<Vec<String>> {
        assert!(bytes.starts_with(BOM), "the document starts with the BOM");
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(&bytes[BOM.len()..]);
        reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect()
    }

    #[test]
    fn starts_with_the_bom_and_ends_rows_with_crlf() {
        let mut w = CsvWriter::new();
        assert_eq!(w.clone().finish(), BOM);
        w.row(["seq", "action"]);
        w.row(["1", "read"]);
        assert_eq!(w.rows(), 2);
        let bytes = w.finish();
        assert_eq!(&bytes[..3], [0xEF, 0xBB, 0xBF]);
        assert_eq!(&bytes[3..], b"seq,action\r\n1,read\r\n");
    }

    #[test]
    fn quotes_commas_newlines_and_quotes() {
        let mut w = CsvWriter::new();
        w.row([
            "plain",
            "a,b",
            "two\nlines",
            "say \"hi\"",
            "cr\rhere",
            "",
            " spaced ",
        ]);
        let bytes = w.finish();
        let text = std::str::from_utf8(&bytes[3..]).unwrap();
        assert_eq!(
            text,
            "plain,\"a,b\",\"two\nlines\",\"say \"\"hi\"\"\",\"cr\rhere\",, spaced \r\n"
        );
        assert_eq!(
            parse(&bytes),
            vec![vec![
                "plain",
                "a,b",
                "two\nlines",
                "say \"hi\"",
                "cr\rhere",
                "",
                " spaced "
            ]]
        );
    }

    #[test]
    fn neutralises_every_formula_prefix() {
        let cells = [
            "=HYPERLINK(\"http://x\",\"y\")",
            "+1+2",
            "-2+3",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
        ];
        let mut w = CsvWriter::new();
        w.row(cells);
        let rows = parse(&w.finish());
        assert_eq!(rows.len(), 1);
        for (got, original) in rows[0].iter().zip(cells) {
            assert_eq!(got, &format!("'{original}"), "cell {original:?}");
        }
        // Only a leading character counts: these stay as they are.
        let mut w = CsvWriter::new();
        w.row(["a=b", "1-2", "mail@example.org", "'quoted"]);
        assert_eq!(
            parse(&w.finish())[0],
            vec!["a=b", "1-2", "mail@example.org", "'quoted"]
        );
        assert_eq!(neutralise("=1"), "'=1");
        assert_eq!(neutralise("ok"), "ok");
    }

    #[test]
    fn keeps_non_latin_text_intact() {
        let mut w = CsvWriter::new();
        w.row([
            "Aşgabat",
            "Ашхабад",
            "Türkmenabat, Lebap",
            "Дашогуз \"север\"",
        ]);
        let bytes = w.finish();
        let text = std::str::from_utf8(&bytes[3..]).unwrap();
        assert!(text.starts_with("Aşgabat,Ашхабад,"));
        assert_eq!(
            parse(&bytes)[0],
            vec![
                "Aşgabat",
                "Ашхабад",
                "Türkmenabat, Lebap",
                "Дашогуз \"север\""
            ]
        );
    }
}
