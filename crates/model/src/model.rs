//! The report model: what normalization produces for one document.

use nianbao_vocab::rules::name as rule;
use nianbao_vocab::{rules, Severity, Template};

/// How a cell's value came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CellStatus {
    /// The document states the number.
    Stated,
    /// The document leaves the cell empty and nothing forces its value: null.
    Blank,
    /// The document leaves the cell empty; the identities force its value.
    Inferred,
    /// The row's numbers had to be re-read (too many/few, run together); exactly one reading
    /// satisfies the identities.
    Repaired,
    /// The numbers are there but cannot be placed with certainty: null.
    Ambiguous,
    /// The row or table is absent from the document: null.
    Missing,
    /// Set by the user's corrections file (`corrections` in the pipeline); `raw` keeps what
    /// the document says, a `correction_applied` finding quotes the note.
    Corrected,
}

impl CellStatus {
    /// Every status, in declaration order (the state stores a status as its position here).
    pub const ALL: [CellStatus; 7] = [
        CellStatus::Stated,
        CellStatus::Blank,
        CellStatus::Inferred,
        CellStatus::Repaired,
        CellStatus::Ambiguous,
        CellStatus::Missing,
        CellStatus::Corrected,
    ];

    /// The value of the `status` column.
    pub fn as_str(self) -> &'static str {
        match self {
            CellStatus::Stated => "stated",
            CellStatus::Blank => "blank",
            CellStatus::Inferred => "inferred",
            CellStatus::Repaired => "repaired",
            CellStatus::Ambiguous => "ambiguous",
            CellStatus::Missing => "missing",
            CellStatus::Corrected => "corrected",
        }
    }
}

/// One canonical cell of a report.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// Canonical key `SECTION.ROW.COLUMN` (interned by the vocabulary).
    pub key: &'static str,
    /// `s2`, `s3`, `s4`.
    pub section: &'static str,
    /// Row key.
    pub row: &'static str,
    /// Column key.
    pub column: &'static str,
    /// The number, or null.
    pub value: Option<f64>,
    /// The source text the value was read from.
    pub raw: Option<String>,
    /// How the value came to be.
    pub status: CellStatus,
    /// Where in the document: `line 12`, `line 12 cell 3`, …
    pub source: Option<String>,
}

/// One of the six parts as text.
#[derive(Debug, Clone, PartialEq)]
pub struct Prose {
    /// 1–6.
    pub part: u8,
    /// The heading as written.
    pub title: String,
    /// The text under the heading, up to the next part.
    pub text: String,
}

/// A problem found in a document.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Rule name from the catalogue of `nianbao_vocab::rules`.
    pub rule: &'static str,
    /// Severity.
    pub severity: Severity,
    /// Cell key concerned, if one.
    pub key: Option<String>,
    /// Chinese label of the row concerned.
    pub row_label: Option<String>,
    /// Chinese label of the column concerned.
    pub column_label: Option<String>,
    /// The number the rule expects.
    pub expected: Option<f64>,
    /// The number found.
    pub actual: Option<f64>,
    /// What is wrong, in words.
    pub message: String,
    /// Where in the document.
    pub source: Option<String>,
}

impl Finding {
    /// A finding of `rule` with its catalogue severity and a message.
    pub fn new(rule: &'static str, message: impl Into<String>) -> Finding {
        let severity = rules::rule(rule)
            .map(|r| r.severity)
            .unwrap_or(Severity::Warning);
        debug_assert!(
            rules::rule(rule).is_some(),
            "rule {rule} is not in the catalogue"
        );
        Finding {
            rule,
            severity,
            key: None,
            row_label: None,
            column_label: None,
            expected: None,
            actual: None,
            message: message.into(),
            source: None,
        }
    }

    /// Names the cell concerned (labels come from the vocabulary).
    pub fn at_key(mut self, key: &str) -> Finding {
        if let Some(c) = nianbao_vocab::Vocabulary::get().cell(key) {
            self.row_label = Some(c.row.label.to_owned());
            self.column_label = Some(c.column.label.to_owned());
        }
        self.key = Some(key.to_owned());
        self
    }

    /// Names a row without a column.
    pub fn at_row(mut self, row_label: &str) -> Finding {
        self.row_label = Some(row_label.to_owned());
        self
    }

    /// Sets the source location.
    pub fn at(mut self, source: Option<String>) -> Finding {
        self.source = source;
        self
    }

    /// Sets expected and actual numbers.
    pub fn numbers(mut self, expected: Option<f64>, actual: Option<f64>) -> Finding {
        self.expected = expected;
        self.actual = actual;
        self
    }
}

/// Where a document comes from and what it is, filled by the caller.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Source {
    /// Stable id: the first 16 hex digits of the content's SHA-256.
    pub report_id: String,
    /// Path relative to the input root, with `/` separators.
    pub document: String,
    /// Full SHA-256 of the content, hex.
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
}

/// Overall state of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReportStatus {
    /// Read; no finding above info.
    Ok,
    /// Read; at least one warning.
    Warning,
    /// Read; at least one error finding.
    Error,
    /// Read, but nothing of a report (a list page, an error page); see `reason`.
    NotAReport,
    /// Could not be read; see `reason`.
    Unreadable,
}

impl ReportStatus {
    /// The value of the `status` column.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportStatus::Ok => "ok",
            ReportStatus::Warning => "warning",
            ReportStatus::Error => "error",
            ReportStatus::NotAReport => "not_a_report",
            ReportStatus::Unreadable => "unreadable",
        }
    }

    /// The status a `status` column value names (the inverse of [`as_str`](Self::as_str)).
    pub fn from_name(name: &str) -> Option<ReportStatus> {
        [
            ReportStatus::Ok,
            ReportStatus::Warning,
            ReportStatus::Error,
            ReportStatus::NotAReport,
            ReportStatus::Unreadable,
        ]
        .into_iter()
        .find(|s| s.as_str() == name)
    }
}

impl ReportStatus {
    /// The status of a report: unreadable, or the worst severity among its findings.
    pub fn of(unreadable: bool, worst: Option<Severity>) -> ReportStatus {
        if unreadable {
            return ReportStatus::Unreadable;
        }
        match worst {
            Some(Severity::Error) => ReportStatus::Error,
            Some(Severity::Warning) => ReportStatus::Warning,
            _ => ReportStatus::Ok,
        }
    }
}

/// A document's file format, found by looking at its bytes (not its name): the `format` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// Plain text in any of the supported encodings.
    Text,
    /// An HTML page.
    Html,
    /// A Word 2007+ document (zip with `word/document.xml`).
    Docx,
    /// A PDF file.
    Pdf,
    /// A legacy Word or WPS document (OLE compound file).
    LegacyDoc,
    /// An OFD document (zip with `OFD.xml`).
    Ofd,
    /// Some other zip archive.
    Zip,
    /// A page image (PNG, JPEG, TIFF): read by OCR.
    Image,
    /// A legacy Excel workbook (BIFF8 in an OLE compound file).
    Xls,
    /// An Excel 2007+ workbook (zip with `xl/workbook.xml`).
    Xlsx,
    /// A Rich Text Format document (`{\rtf`), whatever its file name says.
    Rtf,
    /// Not known: the file could not be read at all (its bytes were never seen).
    Unknown,
}

impl Format {
    /// Every format, in declaration order.
    pub const ALL: [Format; 12] = [
        Format::Text,
        Format::Html,
        Format::Docx,
        Format::Pdf,
        Format::LegacyDoc,
        Format::Ofd,
        Format::Zip,
        Format::Image,
        Format::Xls,
        Format::Xlsx,
        Format::Rtf,
        Format::Unknown,
    ];

    /// The value written to the `format` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Html => "html",
            Format::Docx => "docx",
            Format::Pdf => "pdf",
            Format::LegacyDoc => "doc",
            Format::Ofd => "ofd",
            Format::Zip => "zip",
            Format::Image => "image",
            Format::Xls => "xls",
            Format::Xlsx => "xlsx",
            Format::Rtf => "rtf",
            Format::Unknown => "unknown",
        }
    }

    /// The format a `format` value names.
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.as_str() == name)
    }
}

/// Whose report it is: the `scope` column (issue 28.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// The agency's own report (本级).
    Own,
    /// A division's summary over all its agencies (汇总): titled by the division alone
    /// (`淮安市2023年政府信息公开工作年度报告`) or as 全市 / 汇总.
    Summary,
}

impl Scope {
    /// Every scope, in declaration order.
    pub const ALL: [Scope; 2] = [Scope::Own, Scope::Summary];

    /// The value written to the `scope` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Own => "本级",
            Scope::Summary => "汇总",
        }
    }

    /// The scope a `scope` value names.
    pub fn from_name(name: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// How a document's tables appear in its text: the `layout` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layout {
    /// Tab-separated cells.
    Tabbed,
    /// `|`-separated cells.
    Piped,
    /// Text from a PDF: several numbers per line separated by spaces, labels wrapped.
    PdfText,
    /// One cell per line.
    CellPerLine,
    /// Tables flattened into long lines, values run together.
    Flattened,
    /// Table cells read from HTML or DOCX markup: one line per table row, one cell per
    /// source cell, spans expanded to grid columns.
    Grid,
    /// No table layout recognised.
    Prose,
    /// Text read by OCR from a scan or a page image (a report's layout, never the reader's:
    /// the OCR text itself is read as PDF text).
    Ocr,
}

impl Layout {
    /// Every layout, in declaration order.
    pub const ALL: [Layout; 8] = [
        Layout::Tabbed,
        Layout::Piped,
        Layout::PdfText,
        Layout::CellPerLine,
        Layout::Flattened,
        Layout::Grid,
        Layout::Prose,
        Layout::Ocr,
    ];

    /// The value written to the `layout` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::Tabbed => "tabbed",
            Layout::Piped => "piped",
            Layout::PdfText => "pdf_text",
            Layout::CellPerLine => "cell_per_line",
            Layout::Flattened => "flattened",
            Layout::Grid => "grid",
            Layout::Prose => "prose",
            Layout::Ocr => "ocr",
        }
    }

    /// The layout a `layout` value names.
    pub fn from_name(name: &str) -> Option<Layout> {
        Layout::ALL.into_iter().find(|l| l.as_str() == name)
    }
}

/// Everything read from one document.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Identity of the document.
    pub source: Source,
    /// The file format.
    pub format: Format,
    /// Encoding used to decode, if decoded.
    pub encoding: Option<&'static str>,
    /// Table layout found, if decoded.
    pub layout: Option<Layout>,
    /// Agency, full name as the report states it.
    pub agency: Option<String>,
    /// The agency as the title words it, when that differs from `agency`.
    pub agency_in_title: Option<String>,
    /// The agency's own report or a division's summary; `None` when no agency is known.
    pub scope: Option<Scope>,
    /// The year the report covers.
    pub report_year: Option<i32>,
    /// Template by the layout actually used.
    pub template: Option<Template>,
    /// Signing date, `YYYY-MM-DD`.
    pub published_on: Option<String>,
    /// Where the document came from: the URL `nianbao collect` fetched it from, else a saved
    /// web page's own address (`<meta name="Url">`, canonical link, saved-from comment).
    pub source_url: Option<String>,
    /// When `nianbao collect` fetched the document (UTC, RFC 3339).
    pub collected_at: Option<String>,
    /// The page `nianbao collect` found the document's link on.
    pub found_on: Option<String>,
    /// The site that published the page (`<meta name="SiteName">`).
    pub site_name: Option<String>,
    /// The government website identification code (`<meta name="SiteIDCode">`).
    pub site_id_code: Option<String>,
    /// The page's stated source office (`<meta name="ContentSource">`, `来源：…`).
    pub content_source: Option<String>,
    /// Where the agency is (province, prefecture, county, adcode; see `nianbao_regions`).
    pub region: nianbao_regions::Region,
    /// Canonical cells.
    pub cells: Vec<Cell>,
    /// Parts 一 to 六 as text.
    pub sections: Vec<Prose>,
    /// Findings of normalization and validation.
    pub findings: Vec<Finding>,
    /// Why the document could not be read, if it could not.
    pub unreadable: Option<String>,
}

impl Report {
    /// A report for a document that could not be read.
    pub fn unreadable(source: Source, format: Format, reason: String) -> Report {
        let mut r = Report::empty(source, format);
        r.findings.push(Finding::new(
            rule::UNREADABLE,
            format!("{}: {reason}", r.source.document),
        ));
        r.unreadable = Some(reason);
        r
    }

    /// A report with nothing read yet.
    pub fn empty(source: Source, format: Format) -> Report {
        Report {
            source,
            format,
            encoding: None,
            layout: None,
            agency: None,
            agency_in_title: None,
            scope: None,
            report_year: None,
            template: None,
            published_on: None,
            source_url: None,
            collected_at: None,
            found_on: None,
            site_name: None,
            site_id_code: None,
            content_source: None,
            region: nianbao_regions::Region::default(),
            cells: Vec::new(),
            sections: Vec::new(),
            findings: Vec::new(),
            unreadable: None,
        }
    }

    /// The status implied by the findings: unreadable, not a report (a `not_a_report`
    /// finding), or the worst severity.
    pub fn status(&self) -> ReportStatus {
        if self.unreadable.is_none() && self.not_a_report().is_some() {
            return ReportStatus::NotAReport;
        }
        ReportStatus::of(
            self.unreadable.is_some(),
            self.findings.iter().map(|f| f.severity).max(),
        )
    }

    /// Why the document is not a report (its `not_a_report` finding's message), if it is not.
    pub fn not_a_report(&self) -> Option<&str> {
        self.findings
            .iter()
            .find(|f| f.rule == nianbao_vocab::rules::name::NOT_A_REPORT)
            .map(|f| f.message.as_str())
    }

    /// The agency's identity across years (see `nianbao_regions::agency_key`). A division's
    /// summary report (scope 汇总) is a series of its own: `CODE:汇总` (or `NAME:汇总` when the
    /// region is not known), never the government's own reports' key.
    pub fn agency_key(&self) -> Option<String> {
        let a = self.agency.as_deref()?;
        Some(match (self.scope, self.region.adcode) {
            (Some(Scope::Summary), Some(code)) => format!("{code}:汇总"),
            (Some(Scope::Summary), None) => {
                format!("{}:汇总", nianbao_regions::agency_key(a, &self.region))
            }
            _ => nianbao_regions::agency_key(a, &self.region),
        })
    }

    /// The cell with a key.
    pub fn cell(&self, key: &str) -> Option<&Cell> {
        self.cells.iter().find(|c| c.key == key)
    }
}
