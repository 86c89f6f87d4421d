//! Reports → Arrow record batches with declared schemas: the hand-off to validation and export.
//!
//! Every field carries a `description` in its metadata; the data dictionary is generated from
//! these schemas, so a column cannot be added without being documented.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use arrow_array::builder::{
    Float64Builder, Int32Builder, StringBuilder, UInt32Builder, UInt64Builder, UInt8Builder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};
use nianbao_vocab::Vocabulary;

use crate::model::{Finding, Layout, Report};

/// A field with its data-dictionary description.
pub fn field(name: &str, dt: DataType, nullable: bool, description: &str) -> Field {
    f(name, dt, nullable, description)
}

fn f(name: &str, dt: DataType, nullable: bool, description: &str) -> Field {
    Field::new(name, dt, nullable).with_metadata(HashMap::from([(
        "description".to_owned(),
        description.to_owned(),
    )]))
}

/// The `document` column: rows are in document order, so its Parquet min/max statistics let
/// readers skip row groups (the metadata key is `nianbao_export::STATISTICS_METADATA`, which
/// this crate does not depend on; the CLI's tests check that the two agree).
pub(crate) fn document_field() -> Field {
    let mut field = f("document", DataType::Utf8, false, DOC);
    let mut m = field.metadata().clone();
    m.insert("parquet_statistics".to_owned(), "min_max".to_owned());
    field.set_metadata(m);
    field
}

/// The agency's identity and region columns, shared by `reports` and `cells_wide`.
fn agency_fields() -> Vec<Field> {
    let mut v = vec![agency_key_field()];
    v.extend(region_fields());
    v
}

/// The `agency_key` column.
pub fn agency_key_field() -> Field {
    f("agency_key", DataType::Utf8, true, "The agency's identity across years: `ADCODE:NAME`, the name with full-width characters folded, a trailing bracketed note dropped, the division names of its region removed and common long forms shortened (科学技术局 → 科技局, 管委会办公室 → 管委会, 人民政府 → 政府); just NAME when the region is unknown. Group by it to follow an agency over years.")
}

/// The region columns (province, prefecture, county, adcode, admin_level).
pub fn region_fields() -> Vec<Field> {
    vec![
        f("province", DataType::Utf8, true, "省级 division of the agency (河南省, 新疆维吾尔自治区, 上海市); null when not known."),
        f("prefecture", DataType::Utf8, true, "地级 division (安阳市, 塔城地区); null for municipalities' districts, counties under a province, and when not known or shared by several candidates (see the `region_ambiguous` finding)."),
        f("county", DataType::Utf8, true, "县级 division (殷都区, 叶城县); null when the agency is above county level, or when not known or ambiguous."),
        f("adcode", DataType::Utf8, true, "Six-digit GB/T 2260 code (as text) of the most specific division found: 410505, 654200, 310000."),
        f("admin_level", DataType::Utf8, true, "The level of `adcode`: province, prefecture or county."),
    ]
}

/// Appends the agency's identity and region columns (see [`agency_fields`]).
#[derive(Default)]
struct AgencyColumns {
    key: StringBuilder,
    province: StringBuilder,
    prefecture: StringBuilder,
    county: StringBuilder,
    adcode: StringBuilder,
    level: StringBuilder,
}

impl AgencyColumns {
    fn append(&mut self, r: &Report) {
        let g = &r.region;
        self.key.append_option(r.agency_key());
        self.province.append_option(g.province);
        self.prefecture.append_option(g.prefecture);
        self.county.append_option(g.county);
        self.adcode.append_option(g.adcode);
        self.level.append_option(g.level.map(|l| l.as_str()));
    }

    fn finish(mut self) -> [ArrayRef; 6] {
        [
            Arc::new(self.key.finish()),
            Arc::new(self.province.finish()),
            Arc::new(self.prefecture.finish()),
            Arc::new(self.county.finish()),
            Arc::new(self.adcode.finish()),
            Arc::new(self.level.finish()),
        ]
    }
}

/// The `cells_wide` column of a cell key: the key with `_` for `.`
/// (`s3.received_new.total` → `s3_received_new_total`), usable unquoted in SQL, pandas and
/// polars.
pub fn wide_column(key: &str) -> String {
    key.replace('.', "_")
}

const ID: &str =
    "Id of the report's content: the first 16 hex digits of `sha256` (the document's bytes; a web page read with its pictures or attachment, with theirs). Byte-identical copies share it: join tables on `document`, which is unique per report.";
const DOC: &str = "Path of the document relative to the input folder, with / separators: the key of a report (unique in `reports`, `cells_wide`, `indicators`; join on it).";

/// Schema of `reports`: one row per input document.
pub fn reports_schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA.get_or_init(make_reports_schema).clone()
}

fn make_reports_schema() -> SchemaRef {
    let mut fields = vec![
        f("report_id", DataType::Utf8, false, ID),
        document_field(),
        f("sha256", DataType::Utf8, false, "SHA-256 of the document's bytes, hex (compare with `sha256sum`); for a web page read with its pictures or attachment, of the page and those files together (it changes when any of them does)."),
        f("bytes", DataType::UInt64, false, "Size of the document in bytes."),
        f("format", DataType::Utf8, false, "File format found from the bytes: text, html, docx, pdf, doc (legacy Word or WPS), xls and xlsx (Excel workbooks), rtf, ofd, zip, image (a page image read by OCR); unknown when the file could not be opened."),
        f("encoding", DataType::Utf8, true, "Text encoding used to decode: UTF-8, GB18030, UTF-16LE, UTF-16BE, …; null when not decoded."),
        f("layout", DataType::Utf8, true, "How the tables appear in the text: tabbed, piped, pdf_text, cell_per_line, flattened, grid (HTML/DOCX table cells), prose, ocr (scanned pages read by OCR)."),
        f("agency", DataType::Utf8, true, "The agency, full name as the report states it."),
        f("agency_in_title", DataType::Utf8, true, "The agency as the title words it, when that differs from `agency` (e.g. an abbreviation); else null."),
        f("scope", DataType::Utf8, true, "本级 (the agency's own report) or 汇总 (a division's summary over all its agencies: titled by the division alone, e.g. 淮安市2023年政府信息公开工作年度报告, or with 全市 / 汇总); a summary has its own `agency_key` (`CODE:汇总`). Null when no agency is known."),
    ];
    fields.extend(agency_fields());
    fields.extend(vec![
        f("report_year", DataType::Int32, true, "The year the report covers (from the title, the 统计期限 sentence or the first paragraph)."),
        f("template", DataType::Utf8, true, "National table format actually used: 2019 (国办公开办函〔2019〕60号) or 2021 (〔2021〕30号)."),
        f("published_on", DataType::Utf8, true, "Signing date at the end of the report, or the page's 发布时间 / PubDate, as YYYY-MM-DD."),
        f("source_url", DataType::Utf8, true, "Where the document came from: the URL `nianbao collect` fetched it from (any format: a page, a PDF attachment, a picture), else a saved web page's own address (`<meta name=\"Url\">`, og:url, canonical link, or the browser's saved-from comment); null otherwise."),
        f("collected_at", DataType::Utf8, true, "When `nianbao collect` fetched the document's current content (UTC, RFC 3339, e.g. 2026-12-07T02:10:05Z); null for documents not collected (the input folder's `.nianbao-collect/state.jsonl` does not list them)."),
        f("found_on", DataType::Utf8, true, "The page `nianbao collect` found the document's link on (a column's list page, or the article page of an attachment or picture); null for a start URL or a document not collected."),
        f("site_name", DataType::Utf8, true, "The government site that published the page (`<meta name=\"SiteName\">`); null otherwise."),
        f("site_id_code", DataType::Utf8, true, "The government website identification code (`<meta name=\"SiteIDCode\">`, e.g. 3590000001); null otherwise."),
        f("content_source", DataType::Utf8, true, "The office the page names as its source (`<meta name=\"ContentSource\">`); null otherwise."),
        f("status", DataType::Utf8, false, "ok (no finding above info), warning, error (at least one error finding), not_a_report (read, but nothing of a report: a list page, an error page; never counted as a report) or unreadable."),
        f("in_panel", DataType::Boolean, true, "Whether `panel` chose this document for its agency and year (of copies and re-publications, one is chosen): filter on it to count each agency-year once. Null outside a dataset (`read_document`)."),
        f("n_findings", DataType::UInt32, false, "Number of findings for this report in `findings`."),
        f("n_errors", DataType::UInt32, false, "Number of those findings of severity error (cross-report ones included)."),
        f("n_stated", DataType::UInt32, false, "Cells of the report read as printed (status stated)."),
        f("n_repaired", DataType::UInt32, false, "Cells re-read from damaged text: digits run together, a glued sign (status repaired)."),
        f("n_inferred", DataType::UInt32, false, "Blank cells whose value the identities force (status inferred)."),
        f("n_ambiguous", DataType::UInt32, false, "Cells printed but left null because their reading is not certain (status ambiguous)."),
        f("n_missing", DataType::UInt32, false, "Cells of a row or table the report does not have (status missing)."),
        f("reason", DataType::Utf8, true, "Why the document could not be read (status unreadable) or is not a report (status not_a_report): a picture or attachment of a web page says which page's report it is read with (`a picture in part 三 of the page NAME.html: read as part of that page's report`)."),
    ]);
    Arc::new(Schema::new(fields))
}

/// Schema of `cells`: one row per canonical cell of each report (long form).
pub fn cells_schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA.get_or_init(make_cells_schema).clone()
}

fn make_cells_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        f("report_id", DataType::Utf8, false, ID),
        document_field(),
        f("key", DataType::Utf8, false, "Canonical cell key SECTION.ROW.COLUMN, e.g. s3.received_new.total (see the vocabulary)."),
        f("section", DataType::Utf8, false, "s2, s3 or s4 (parts 二, 三, 四)."),
        f("row", DataType::Utf8, false, "Row key, e.g. received_new."),
        f("column", DataType::Utf8, false, "Column key, e.g. natural_person."),
        f("value", DataType::Float64, true, "The number; null when unknown (see status). Counts are whole numbers; amounts are 万元 unless the report says otherwise."),
        f("raw", DataType::Utf8, true, "The source text the value was read from (for repaired cells, the piece of the run of digits)."),
        f("status", DataType::Utf8, false, "stated, blank (empty in the document, null), inferred (empty, forced by the identities), repaired (re-read; see findings), ambiguous (null; see findings) or missing (row or table absent, null) or corrected (set by the pipeline's corrections file; `raw` keeps the document's text)."),
        f("source", DataType::Utf8, true, "Where in the document, in the format's own terms: text `line N`, `line N cell M` or `line N char M`; HTML/DOCX `table T row R col C` (grid column, spans expanded) or `paragraph P`; PDF `page P line L char C`; OCR (scanned pages, images) `page P box x,y,w,h conf C` (the box in pixels at the rendering resolution, and the recogniser's confidence). A number a web page's report takes from its picture or attachment names that file first: `picture NAME_files/t3.png: page 1 box …`, `attachment NAME.pdf: page 2 line 14 char 40`."),
    ]))
}

/// Schema of `sections`: the parts 一 to 六 as text.
pub fn sections_schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA.get_or_init(make_sections_schema).clone()
}

fn make_sections_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        f("report_id", DataType::Utf8, false, ID),
        document_field(),
        f("part", DataType::UInt8, false, "Part number 1–6 (一 to 六)."),
        f("title", DataType::Utf8, false, "The heading as written."),
        f("text", DataType::Utf8, true, "The text under the heading up to the next part (tables included as text for parts 二–四); null when the part has its heading and nothing under it (a part 四 whose table is missing)."),
        f("prev_report_id", DataType::Utf8, true, "The same agency's report of the year before (the one `panel` chose for it) that `similarity_prev_year` compares with; null when there is none."),
        f("similarity_prev_year", DataType::Float64, true, "How much of this part's text repeats the same part of `prev_report_id`, 0–1: the Jaccard similarity of the two texts' character 5-grams after removing whitespace, digits and punctuation (so a copy that only updates its numbers scores 1), estimated by MinHash (standard error ≈ 0.09 at 0.5). Null without a previous report, or when either part is shorter than 20 characters."),
    ]))
}

/// Schema of `findings`: every problem found.
pub fn findings_schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA.get_or_init(make_findings_schema).clone()
}

fn make_findings_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        f("report_id", DataType::Utf8, false, ID),
        document_field(),
        f(
            "rule",
            DataType::Utf8,
            false,
            "The rule (see the rule table of the data dictionary).",
        ),
        f("severity", DataType::Utf8, false, "info, warning or error."),
        f("key", DataType::Utf8, true, "Cell key concerned, if one."),
        f(
            "row_label",
            DataType::Utf8,
            true,
            "Chinese label of the row concerned.",
        ),
        f(
            "column_label",
            DataType::Utf8,
            true,
            "Chinese label of the column concerned.",
        ),
        f(
            "expected",
            DataType::Float64,
            true,
            "The number the rule expects (e.g. the sum of the parts).",
        ),
        f(
            "actual",
            DataType::Float64,
            true,
            "The number the document gives.",
        ),
        f("message", DataType::Utf8, false, "What is wrong, in words."),
        f("source", DataType::Utf8, true, "Where in the document."),
    ]))
}

/// Schema of `cells_wide`: one row per report, one column per cell key.
pub fn cells_wide_schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA.get_or_init(make_cells_wide_schema).clone()
}

fn make_cells_wide_schema() -> SchemaRef {
    let mut fields = vec![
        f("report_id", DataType::Utf8, false, ID),
        document_field(),
        f("agency", DataType::Utf8, true, "As in reports."),
    ];
    fields.extend(agency_fields());
    fields.extend([
        f("report_year", DataType::Int32, true, "As in reports."),
        f("template", DataType::Utf8, true, "As in reports."),
    ]);
    let v = Vocabulary::get();
    for k in v.all_keys() {
        let labels = v
            .cell(k)
            .map(|c| format!("{} / {}", c.row.label, c.column.label))
            .unwrap_or_default();
        fields.push(f(
            &wide_column(k),
            DataType::Float64,
            true,
            &format!("Cell `{k}` ({labels}): its value, null when unknown (status in `cells`)."),
        ));
    }
    Arc::new(Schema::new(fields))
}

/// The agency columns of `panel` and `coverage`: its identity, name and region.
fn named_agency_fields() -> Vec<Field> {
    let mut v = vec![
        agency_key_field(),
        field(
            "agency",
            DataType::Utf8,
            true,
            "The agency's name as its first report (in path order) prints it.",
        ),
    ];
    v.extend(region_fields());
    v
}

/// Schema of `panel`: one row per agency and year.
pub fn panel_schema() -> SchemaRef {
    static S: OnceLock<SchemaRef> = OnceLock::new();
    S.get_or_init(|| {
        let mut v = named_agency_fields();
        v.extend([
            field("report_year", DataType::Int32, false, "The year."),
            field("report_id", DataType::Utf8, false, "The report chosen for this agency and year (join `reports`, `cells`, `cells_wide` on it)."),
            field("document", DataType::Utf8, false, "Its document."),
            field("template", DataType::Utf8, true, "Its table format (2019 or 2021)."),
            field("n_reports", DataType::UInt32, false, "Documents of this agency and year (more than 1: see `chosen_because` and the `duplicate_report` findings)."),
            field("chosen_because", DataType::Utf8, false, "Why this report: the only one; copies of one document (the first by path); or of several, the best status, then the latest published_on, then the first by path."),
            field("status", DataType::Utf8, false, "The chosen report's status, as in `reports` (ok, warning or error)."),
            field("n_errors", DataType::UInt32, false, "Its error findings (cross-report ones included), as in `reports`."),
            field("n_stated", DataType::UInt32, false, "Its cells read as printed (status stated)."),
            field("n_repaired", DataType::UInt32, false, "Its cells re-read from damaged text (status repaired)."),
            field("n_inferred", DataType::UInt32, false, "Its blank cells the identities force (status inferred)."),
            field("n_ambiguous", DataType::UInt32, false, "Its cells printed but left null, the reading not being certain (status ambiguous)."),
            field("n_missing", DataType::UInt32, false, "Its cells of a row or table the report does not have (status missing)."),
        ]);
        for k in nianbao_vocab::HEADLINES {
            let label = Vocabulary::get()
                .cell(k)
                .map(|c| format!("{} {}", c.row.label, c.column.label))
                .unwrap_or_default();
            v.push(field(&wide_column(k), DataType::Float64, true, &format!("`{k}` ({label}) of the chosen report; null when unknown.")));
        }
        for k in nianbao_vocab::HEADLINES {
            v.push(field(&format!("{}_change", wide_column(k)), DataType::Float64, true, &format!("`{}` minus the same of the year before; null when there is no report for the year before or either is null.", wide_column(k))));
        }
        Arc::new(Schema::new(v))
    })
    .clone()
}

/// Schema of `coverage`: whether each agency reported each year.
pub fn coverage_schema() -> SchemaRef {
    static S: OnceLock<SchemaRef> = OnceLock::new();
    S.get_or_init(|| {
        let mut v = named_agency_fields();
        v.extend([
            field("report_year", DataType::Int32, false, "The year: every year from the agency's first report to the corpus's latest year (missing after an agency's last report); for agencies on the expected list, every year of the corpus."),
            field("status", DataType::Utf8, false, "reported (one report), duplicate (several documents with different content) or missing."),
            field("n_reports", DataType::UInt32, false, "Documents of this agency and year."),
            field("report_id", DataType::Utf8, true, "The report the panel chose for the year; null when missing."),
            field("document", DataType::Utf8, true, "Its document."),
            field("expected", DataType::Boolean, true, "Whether the agency is on the pipeline's `expected_agencies` list; null when no list is given."),
        ]);
        Arc::new(Schema::new(v))
    })
    .clone()
}

fn batch(schema: SchemaRef, cols: Vec<ArrayRef>) -> Result<RecordBatch, ArrowError> {
    RecordBatch::try_new(schema, cols)
}

/// `reports` rows.
pub fn reports_batch(reports: &[Report]) -> Result<RecordBatch, ArrowError> {
    reports_batch_rows(reports.iter().map(|r| ReportRow {
        report: r,
        n_findings: r.findings.len() as u32,
        status: r.status(),
    }))
}

/// A `reports` row whose findings are no longer held in memory: the count and the status are
/// given (a long run keeps only these per report until the cross-report checks are done).
#[derive(Debug, Clone, Copy)]
pub struct ReportRow<'a> {
    /// The report (its cells, sections and findings are not read).
    pub report: &'a Report,
    /// Number of findings in `findings`.
    pub n_findings: u32,
    /// The report's status.
    pub status: crate::ReportStatus,
}

/// `reports` rows from [`ReportRow`]s.
pub fn reports_batch_rows<'a>(
    rows: impl Iterator<Item = ReportRow<'a>>,
) -> Result<RecordBatch, ArrowError> {
    let mut id = StringBuilder::new();
    let mut doc = StringBuilder::new();
    let mut sha = StringBuilder::new();
    let mut bytes = UInt64Builder::new();
    let mut format = StringBuilder::new();
    let mut enc = StringBuilder::new();
    let mut layout = StringBuilder::new();
    let mut agency = StringBuilder::new();
    let mut agency_t = StringBuilder::new();
    let mut scope = StringBuilder::new();
    let mut agency_cols = AgencyColumns::default();
    let mut year = Int32Builder::new();
    let mut template = StringBuilder::new();
    let mut published = StringBuilder::new();
    let mut url = StringBuilder::new();
    let mut collected_at = StringBuilder::new();
    let mut found_on = StringBuilder::new();
    let mut site = StringBuilder::new();
    let mut site_id = StringBuilder::new();
    let mut content_source = StringBuilder::new();
    let mut status = StringBuilder::new();
    let mut in_panel = arrow_array::builder::BooleanBuilder::new();
    let mut n = UInt32Builder::new();
    let mut errors = UInt32Builder::new();
    let mut by_status: [UInt32Builder; 5] = Default::default();
    const COUNTED: [crate::CellStatus; 5] = [
        crate::CellStatus::Stated,
        crate::CellStatus::Repaired,
        crate::CellStatus::Inferred,
        crate::CellStatus::Ambiguous,
        crate::CellStatus::Missing,
    ];
    let mut reason = StringBuilder::new();
    for row in rows {
        let r = row.report;
        id.append_value(&r.source.report_id);
        doc.append_value(&r.source.document);
        sha.append_value(&r.source.sha256);
        bytes.append_value(r.source.bytes);
        format.append_value(r.format.as_str());
        enc.append_option(r.encoding);
        layout.append_option(r.layout.map(Layout::as_str));
        agency.append_option(r.agency.as_deref());
        agency_t.append_option(r.agency_in_title.as_deref());
        scope.append_option(r.scope.map(crate::Scope::as_str));
        agency_cols.append(r);
        year.append_option(r.report_year);
        template.append_option(r.template.map(|t| t.as_str()));
        published.append_option(r.published_on.as_deref());
        url.append_option(r.source_url.as_deref());
        collected_at.append_option(r.collected_at.as_deref());
        found_on.append_option(r.found_on.as_deref());
        site.append_option(r.site_name.as_deref());
        site_id.append_option(r.site_id_code.as_deref());
        content_source.append_option(r.content_source.as_deref());
        status.append_value(row.status.as_str());
        in_panel.append_null();
        n.append_value(row.n_findings);
        errors.append_value(
            r.findings
                .iter()
                .filter(|f| f.severity == nianbao_vocab::Severity::Error)
                .count() as u32,
        );
        for (b, st) in by_status.iter_mut().zip(COUNTED) {
            b.append_value(r.cells.iter().filter(|c| c.status == st).count() as u32);
        }
        reason.append_option(r.unreadable.as_deref().or_else(|| r.not_a_report()));
    }
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(id.finish()),
        Arc::new(doc.finish()),
        Arc::new(sha.finish()),
        Arc::new(bytes.finish()),
        Arc::new(format.finish()),
        Arc::new(enc.finish()),
        Arc::new(layout.finish()),
        Arc::new(agency.finish()),
        Arc::new(agency_t.finish()),
        Arc::new(scope.finish()),
    ];
    columns.extend(agency_cols.finish());
    columns.extend::<[ArrayRef; 10]>([
        Arc::new(year.finish()),
        Arc::new(template.finish()),
        Arc::new(published.finish()),
        Arc::new(url.finish()),
        Arc::new(collected_at.finish()),
        Arc::new(found_on.finish()),
        Arc::new(site.finish()),
        Arc::new(site_id.finish()),
        Arc::new(content_source.finish()),
        Arc::new(status.finish()),
    ]);
    columns.push(Arc::new(in_panel.finish()));
    columns.push(Arc::new(n.finish()));
    columns.push(Arc::new(errors.finish()));
    for mut b in by_status {
        columns.push(Arc::new(b.finish()));
    }
    columns.push(Arc::new(reason.finish()));
    batch(reports_schema(), columns)
}

/// `cells` rows.
pub fn cells_batch(reports: &[Report]) -> Result<RecordBatch, ArrowError> {
    // Sized up front: a builder that grows copies its bytes again at every doubling.
    let n: usize = reports.iter().map(|r| r.cells.len()).sum();
    let per_report = |f: fn(&Report) -> usize| reports.iter().map(f).sum::<usize>();
    let per_cell =
        |f: fn(&crate::Cell) -> usize| reports.iter().flat_map(|r| &r.cells).map(f).sum::<usize>();
    let sized = |bytes| StringBuilder::with_capacity(n, bytes);
    let mut id = sized(per_report(|r| r.cells.len() * r.source.report_id.len()));
    let mut doc = sized(per_report(|r| r.cells.len() * r.source.document.len()));
    let mut key = sized(per_cell(|c| c.key.len()));
    let mut section = sized(per_cell(|c| c.section.len()));
    let mut row = sized(per_cell(|c| c.row.len()));
    let mut column = sized(per_cell(|c| c.column.len()));
    let mut value = Float64Builder::with_capacity(n);
    let mut raw = sized(per_cell(|c| c.raw.as_ref().map_or(0, |s| s.len())));
    let mut status = sized(per_cell(|c| c.status.as_str().len()));
    let mut source = sized(per_cell(|c| c.source.as_ref().map_or(0, |s| s.len())));
    for r in reports {
        for c in &r.cells {
            id.append_value(&r.source.report_id);
            doc.append_value(&r.source.document);
            key.append_value(c.key);
            section.append_value(c.section);
            row.append_value(c.row);
            column.append_value(c.column);
            value.append_option(c.value);
            raw.append_option(c.raw.as_deref());
            status.append_value(c.status.as_str());
            source.append_option(c.source.as_deref());
        }
    }
    batch(
        cells_schema(),
        vec![
            Arc::new(id.finish()),
            Arc::new(doc.finish()),
            Arc::new(key.finish()),
            Arc::new(section.finish()),
            Arc::new(row.finish()),
            Arc::new(column.finish()),
            Arc::new(value.finish()),
            Arc::new(raw.finish()),
            Arc::new(status.finish()),
            Arc::new(source.finish()),
        ],
    )
}

/// `cells_wide` rows.
pub fn cells_wide_batch(reports: &[Report]) -> Result<RecordBatch, ArrowError> {
    let keys = Vocabulary::get().all_keys();
    let mut id = StringBuilder::new();
    let mut doc = StringBuilder::new();
    let mut agency = StringBuilder::new();
    let mut agency_cols = AgencyColumns::default();
    let mut year = Int32Builder::new();
    let mut template = StringBuilder::new();
    let mut cols: Vec<Float64Builder> = keys
        .iter()
        .map(|_| Float64Builder::with_capacity(reports.len()))
        .collect();
    let mut row: Vec<Option<f64>> = vec![None; keys.len()];
    for r in reports {
        id.append_value(&r.source.report_id);
        doc.append_value(&r.source.document);
        agency.append_option(r.agency.as_deref());
        agency_cols.append(r);
        year.append_option(r.report_year);
        template.append_option(r.template.map(|t| t.as_str()));
        row.iter_mut().for_each(|v| *v = None);
        for c in &r.cells {
            if let Some(def) = Vocabulary::get().cell(c.key) {
                row[def.position] = c.value;
            }
        }
        for (b, v) in cols.iter_mut().zip(&row) {
            b.append_option(*v);
        }
    }
    let mut arrays: Vec<ArrayRef> = vec![
        Arc::new(id.finish()),
        Arc::new(doc.finish()),
        Arc::new(agency.finish()),
    ];
    arrays.extend(agency_cols.finish());
    arrays.extend::<[ArrayRef; 2]>([Arc::new(year.finish()), Arc::new(template.finish())]);
    arrays.extend(
        cols.into_iter()
            .map(|mut b| Arc::new(b.finish()) as ArrayRef),
    );
    batch(cells_wide_schema(), arrays)
}

/// `sections` rows.
pub fn sections_batch(reports: &[Report]) -> Result<RecordBatch, ArrowError> {
    let mut id = StringBuilder::new();
    let mut doc = StringBuilder::new();
    let mut part = UInt8Builder::new();
    let mut title = StringBuilder::new();
    let mut text = StringBuilder::new();
    let mut n = 0;
    for r in reports {
        for s in &r.sections {
            id.append_value(&r.source.report_id);
            doc.append_value(&r.source.document);
            part.append_value(s.part);
            title.append_value(&s.title);
            // (a heading with nothing under it: null, never an empty string that CSV and the
            // data package would read as missing anyway)
            text.append_option((!s.text.is_empty()).then_some(s.text.as_str()));
            n += 1;
        }
    }
    // filled at the end of a run, when the agencies' years are known
    let prev = arrow_array::new_null_array(&DataType::Utf8, n);
    let similarity = arrow_array::new_null_array(&DataType::Float64, n);
    batch(
        sections_schema(),
        vec![
            Arc::new(id.finish()),
            Arc::new(doc.finish()),
            Arc::new(part.finish()),
            Arc::new(title.finish()),
            Arc::new(text.finish()),
            prev,
            similarity,
        ],
    )
}

/// `findings` rows for pairs of (report, finding).
pub fn findings_batch<'a>(
    items: impl IntoIterator<Item = (&'a Report, &'a Finding)>,
) -> Result<RecordBatch, ArrowError> {
    let mut id = StringBuilder::new();
    let mut doc = StringBuilder::new();
    let mut rule = StringBuilder::new();
    let mut sev = StringBuilder::new();
    let mut key = StringBuilder::new();
    let mut rl = StringBuilder::new();
    let mut cl = StringBuilder::new();
    let mut exp = Float64Builder::new();
    let mut act = Float64Builder::new();
    let mut msg = StringBuilder::new();
    let mut src = StringBuilder::new();
    for (r, f) in items {
        id.append_value(&r.source.report_id);
        doc.append_value(&r.source.document);
        rule.append_value(f.rule);
        sev.append_value(f.severity.as_str());
        key.append_option(f.key.as_deref());
        rl.append_option(f.row_label.as_deref());
        cl.append_option(f.column_label.as_deref());
        exp.append_option(f.expected);
        act.append_option(f.actual);
        msg.append_value(&f.message);
        src.append_option(f.source.as_deref());
    }
    batch(
        findings_schema(),
        vec![
            Arc::new(id.finish()),
            Arc::new(doc.finish()),
            Arc::new(rule.finish()),
            Arc::new(sev.finish()),
            Arc::new(key.finish()),
            Arc::new(rl.finish()),
            Arc::new(cl.finish()),
            Arc::new(exp.finish()),
            Arc::new(act.finish()),
            Arc::new(msg.finish()),
            Arc::new(src.finish()),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Format, Layout};

    fn about(column: &str) -> String {
        reports_schema()
            .field_with_name(column)
            .unwrap()
            .metadata()
            .get("description")
            .cloned()
            .unwrap_or_default()
    }

    /// The descriptions are prose for analysts; the values they list are the enums' own.
    /// Issue 29.7: quality beside the value — per-report counts of cells by status and of
    /// error findings.
    #[test]
    fn reports_count_their_cells_by_status_and_their_errors() {
        use crate::{Cell, CellStatus, Finding, Source};
        let mut r = Report::empty(Source::default(), Format::Text);
        let cell = |status| Cell {
            key: "s3.granted.total",
            section: "s3",
            row: "granted",
            column: "total",
            value: None,
            raw: None,
            status,
            source: None,
        };
        r.cells = [
            CellStatus::Stated,
            CellStatus::Stated,
            CellStatus::Repaired,
            CellStatus::Inferred,
            CellStatus::Ambiguous,
            CellStatus::Ambiguous,
            CellStatus::Ambiguous,
            CellStatus::Missing,
            CellStatus::Blank,
        ]
        .map(cell)
        .to_vec();
        r.findings = vec![
            Finding::new("s3_balance", "x"),
            Finding::new("blank_cell", "y"),
        ];
        let b = reports_batch(&[r]).unwrap();
        let n = |name: &str| {
            b.column_by_name(name)
                .unwrap()
                .as_any()
                .downcast_ref::<arrow_array::UInt32Array>()
                .unwrap()
                .value(0)
        };
        assert_eq!(
            [
                n("n_stated"),
                n("n_repaired"),
                n("n_inferred"),
                n("n_ambiguous"),
                n("n_missing"),
                n("n_errors"),
                n("n_findings")
            ],
            [2, 1, 1, 3, 1, 1, 2]
        );
    }

    #[test]
    fn the_format_and_layout_columns_list_every_value_written() {
        let format = about("format");
        for f in Format::ALL {
            assert!(
                format.contains(f.as_str()),
                "{f:?} is not described: {format}"
            );
            assert_eq!(Format::from_name(f.as_str()), Some(f));
        }
        let layout = about("layout");
        for l in Layout::ALL {
            assert!(
                layout.contains(l.as_str()),
                "{l:?} is not described: {layout}"
            );
            assert_eq!(Layout::from_name(l.as_str()), Some(l));
        }
        assert_eq!(Format::from_name("wps"), None);
        let scope = about("scope");
        for s in crate::Scope::ALL {
            assert!(
                scope.contains(s.as_str()),
                "{s:?} is not described: {scope}"
            );
            assert_eq!(crate::Scope::from_name(s.as_str()), Some(s));
        }
    }
}
