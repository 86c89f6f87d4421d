//! What a run keeps of each report between writing its cells and writing its `reports` row.
//!
//! A report's row can only be written at the end of the run: cross-report findings
//! (duplicates, the carry-over chain) change its status and finding count, and its sections'
//! similarity to the year before needs the panel. So that memory grows as little as possible
//! with the corpus, the [`Ledger`] parks the rows and the sections in spill files (Arrow IPC on
//! disk, see `nianbao_export::Spill`) and the sections' signatures in a file of fixed-size
//! records, and keeps in memory only the numbers per report the corpus-wide checks need
//! ([`FactTable`]: [`ReportFacts`] and the report id, ~200 bytes). [`Ledger::close`] runs
//! those checks (`nianbao_corpus`'s [`Corpus`]), then streams the rows back once: the panel and coverage, the
//! sections with their similarity, cross findings into `findings`, patched rows into
//! `reports`, one line per input into the manifest and, for partition reuse, one record per
//! report (`crate::partitions`). Nothing here depends on the order reports arrive in: a
//! nightly run that adds the touched years' reports and the reused years' facts writes what a
//! full run writes.

mod close;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use arrow_array::{Array, BooleanArray, RecordBatch, StringArray, UInt32Array, UInt64Array};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use nianbao_corpus::panel::{self, Lookup};
use nianbao_corpus::similarity;
use nianbao_corpus::{
    facts_of, Agencies, Corpus, FactTable, Names, ReportFacts, Signature, SignatureFile,
};
use nianbao_export::{DatasetWriter, Spill};
use nianbao_normalize::{batch, Finding, Report, ReportStatus};
use sha2::{Digest, Sha256};

use crate::inputs::Inputs;

/// The column of the spill file that numbers the document (not part of `reports`).
const DOC: &str = "__doc";
/// The spill's column of each file's modification time as the run saw it (for the records).
const MTIME: &str = "__mtime";
/// The spill's column saying whether the user's corrections changed the report.
const CORRECTED: &str = "__corrected";

/// A report's partition and a name: how the ledger tallies per year.
type PerYear = BTreeMap<(Option<i32>, &'static str), usize>;

/// Reports seen so far: rows parked on disk, facts in memory (see the module doc).
pub(crate) struct Ledger {
    spill: Spill,
    /// The `sections` rows with `__doc`, until their similarity to the year before is known.
    sections: Spill,
    /// MinHash signatures of the parts of reports with an agency and a year.
    signatures: SignatureFile,
    /// Facts by document (`content` still unset) and report ids.
    facts: FactTable,
    agencies: Agencies,
    /// The reports' own findings per year and rule so far.
    by_rule: PerYear,
    /// Cells per year and status so far.
    cells_by_status: PerYear,
    /// Documents of reused year partitions (facts only: nothing of theirs is written), in
    /// document order.
    reused: Vec<u32>,
}

/// Some reports as the ledger keeps them (see [`Ledger::prepare`]).
pub(crate) struct Prepared {
    /// Their `reports` rows (status and finding count before cross-report checks) and `__doc`.
    rows: RecordBatch,
    /// Their facts, `agency` still unset.
    facts: Vec<(ReportFacts, Option<u64>)>,
    /// Their agencies' keys and printed names, to be numbered by the ledger.
    agencies: Vec<Option<(String, String)>>,
    /// Their findings per year and rule.
    rules: PerYear,
    /// Their cells per year and status.
    cells_by_status: PerYear,
    /// Their `sections` rows with `__doc`.
    sections: RecordBatch,
    /// Their parts' signatures.
    signatures: Vec<(u32, u8, Signature)>,
}

/// What the end of the run reports.
pub(crate) struct Closing {
    /// Reports (= input documents).
    pub documents: usize,
    /// Reports per status.
    pub by_status: BTreeMap<&'static str, usize>,
    /// Findings per rule, cross-report ones included.
    pub by_rule: BTreeMap<&'static str, usize>,
    /// `(document, reason)` of each unreadable document.
    pub unreadable: Vec<(String, String)>,
    /// The manifest's `inputs`, one JSON object per line, rewound: per year partition when
    /// partitioned (each in path order), else one (key `None`) in path order.
    pub inputs: BTreeMap<Option<i32>, std::fs::File>,
    /// The added reports' own findings per year partition and rule (cross-report ones
    /// excluded).
    pub rules_by_year: BTreeMap<Option<i32>, BTreeMap<String, usize>>,
    /// The added reports' cells per year partition and status.
    pub cells_by_year: BTreeMap<Option<i32>, BTreeMap<String, usize>>,
    /// Per year partition, the digest of its cross-report results (see [`Corpus::digests`]);
    /// empty when the run keeps no records.
    pub digests: BTreeMap<Option<i32>, String>,
    /// What `summary.html` shows (findings are the caller's to add).
    pub summary: nianbao_export::summary::SummaryData,
}

fn strings<'a>(b: &'a RecordBatch, name: &str) -> Result<&'a StringArray> {
    b.column_by_name(name)
        .and_then(|c| c.as_any().downcast_ref::<StringArray>())
        .with_context(|| format!("the spilled reports have no text column {name}"))
}

fn u32s<'a>(b: &'a RecordBatch, name: &str) -> Result<&'a UInt32Array> {
    b.column_by_name(name)
        .and_then(|c| c.as_any().downcast_ref::<UInt32Array>())
        .with_context(|| format!("the spilled reports have no u32 column {name}"))
}

impl Ledger {
    /// A ledger for `n` documents whose spill files live in `dir`.
    pub(crate) fn new(dir: &Path, n: usize) -> Result<Ledger> {
        Self::seeded(dir, FactTable::new(n), Agencies::default())
    }

    /// A ledger that starts with every document's facts and the agencies (from
    /// [`Corpus::into_seed`]): reports added replace their document's facts.
    pub(crate) fn seeded(dir: &Path, facts: FactTable, agencies: Agencies) -> Result<Ledger> {
        let schema = Self::spill_schema();
        let spill = Spill::new(dir, &schema)
            .with_context(|| format!("creating a spill file in {}", dir.display()))?;
        let sections = Spill::new(dir, &Self::sections_schema())
            .with_context(|| format!("creating a spill file in {}", dir.display()))?;
        Ok(Ledger {
            spill,
            sections,
            signatures: SignatureFile::new(dir)?,
            facts,
            agencies,
            by_rule: BTreeMap::new(),
            cells_by_status: BTreeMap::new(),
            reused: Vec::new(),
        })
    }

    /// The spill file's schema: `reports` and the document number.
    fn spill_schema() -> SchemaRef {
        static SCHEMA: std::sync::OnceLock<SchemaRef> = std::sync::OnceLock::new();
        SCHEMA
            .get_or_init(|| {
                let reports = batch::reports_schema();
                let mut fields: Vec<Field> =
                    reports.fields().iter().map(|f| (**f).clone()).collect();
                fields.push(Field::new(DOC, DataType::UInt32, false));
                fields.push(Field::new(MTIME, DataType::UInt64, false));
                fields.push(Field::new(CORRECTED, DataType::Boolean, false));
                Arc::new(Schema::new(fields))
            })
            .clone()
    }

    /// The sections spill's schema: `sections` and the document number.
    fn sections_schema() -> SchemaRef {
        static SCHEMA: std::sync::OnceLock<SchemaRef> = std::sync::OnceLock::new();
        SCHEMA
            .get_or_init(|| {
                let mut fields: Vec<Field> = batch::sections_schema()
                    .fields()
                    .iter()
                    .map(|f| (**f).clone())
                    .collect();
                fields.push(Field::new(DOC, DataType::UInt32, false));
                Arc::new(Schema::new(fields))
            })
            .clone()
    }

    /// What [`Ledger::add`] needs of written reports (`docs[i]` is the number of `reports[i]`
    /// in the corpus, `mtimes[i]` its file's modification time as this run saw it (0 when
    /// unknown), `corrected[i]` whether the user's corrections changed it; `sections` their
    /// `sections` rows): prepared on any thread, so the writer thread only appends it.
    pub(crate) fn prepare(
        reports: &[Report],
        docs: &[u32],
        mtimes: &[u64],
        corrected: &[bool],
        sections: &RecordBatch,
    ) -> Result<Prepared> {
        let mut rows = Vec::with_capacity(reports.len());
        let mut facts = Vec::with_capacity(reports.len());
        let mut agencies = Vec::with_capacity(reports.len());
        let mut rules: PerYear = BTreeMap::new();
        let mut cells_by_status: PerYear = BTreeMap::new();
        let mut signatures = Vec::new();
        let mut section_docs: Vec<u32> = Vec::with_capacity(sections.num_rows());
        for (r, &doc) in reports.iter().zip(docs) {
            section_docs.extend(std::iter::repeat_n(doc, r.sections.len()));
            if r.agency.is_some() && r.report_year.is_some() {
                for p in &r.sections {
                    if let Some(sig) = similarity::signature(&p.text) {
                        signatures.push((doc, p.part, sig));
                    }
                }
            }
            for c in &r.cells {
                *cells_by_status
                    .entry((r.report_year, c.status.as_str()))
                    .or_default() += 1;
            }
            for f in &r.findings {
                *rules.entry((r.report_year, f.rule)).or_default() += 1;
            }
            let status = r.status();
            rows.push(batch::ReportRow {
                report: r,
                n_findings: r.findings.len() as u32,
                status,
            });
            let (f, agency, id) = facts_of(r, doc);
            agencies.push(agency);
            facts.push((f, id));
        }
        let b = batch::reports_batch_rows(rows.into_iter())?;
        let mut columns = b.columns().to_vec();
        columns.push(Arc::new(UInt32Array::from(docs.to_vec())));
        columns.push(Arc::new(UInt64Array::from(mtimes.to_vec())));
        columns.push(Arc::new(BooleanArray::from(corrected.to_vec())));
        Ok(Prepared {
            rows: RecordBatch::try_new(Self::spill_schema(), columns)?,
            facts,
            agencies,
            rules,
            cells_by_status,
            sections: {
                let mut columns = sections.columns().to_vec();
                columns.push(Arc::new(UInt32Array::from(section_docs)));
                RecordBatch::try_new(Self::sections_schema(), columns)?
            },
            signatures,
        })
    }

    /// Records reports prepared by [`Ledger::prepare`].
    pub(crate) fn add(&mut self, p: Prepared) -> Result<()> {
        for (k, v) in p.rules {
            *self.by_rule.entry(k).or_default() += v;
        }
        for (k, v) in p.cells_by_status {
            *self.cells_by_status.entry(k).or_default() += v;
        }
        self.sections.push(&p.sections)?;
        // (a report's parts are consecutive)
        for one in p.signatures.chunk_by(|a, b| a.0 == b.0) {
            let sigs: Vec<(u8, Signature)> = one.iter().map(|(_, part, s)| (*part, *s)).collect();
            self.signatures.put(one[0].0, &sigs)?;
        }
        for ((f, id), agency) in p.facts.into_iter().zip(p.agencies) {
            self.add_facts(f, agency, id);
        }
        self.spill.push(&p.rows)?;
        Ok(())
    }

    fn add_facts(&mut self, mut f: ReportFacts, agency: Option<(String, String)>, id: Option<u64>) {
        f.agency = agency.map(|(key, name)| self.agencies.number(key, name, f.doc));
        self.facts.set(f, id);
    }

    /// Marks a document of a reused year partition, whose facts the ledger was seeded with
    /// (its rows are in the partition's files already). Call in document order.
    pub(crate) fn mark_reused(&mut self, doc: u32) {
        self.reused.push(doc);
    }
}

/// Per year partition, a digest of everything in its files that depends on other
/// documents: each document's path, its cross-report findings and the report its
/// sections are compared with. With the same documents unchanged, the same digest means
/// the same files.
pub(crate) fn digests(corpus: &Corpus, documents: &Inputs) -> BTreeMap<Option<i32>, String> {
    let names = corpus.view(documents);
    let cross = corpus.findings();
    let mut by_year: BTreeMap<Option<i32>, Sha256> = BTreeMap::new();
    let mut at = 0;
    for f in corpus.facts() {
        let h = by_year.entry(f.report_year).or_default();
        h.update(names.document(f.doc).as_bytes());
        h.update([0]);
        if let Some(p) = corpus.prev_of(f.doc) {
            h.update(names.report_id(p).as_bytes());
        }
        h.update([0]);
        while at < cross.len() && cross[at].doc() < f.doc {
            at += 1;
        }
        while at < cross.len() && cross[at].doc() == f.doc {
            hash_finding(h, &cross[at].finding(&names));
            at += 1;
        }
        h.update([2]);
    }
    by_year
        .into_iter()
        .map(|(y, h)| (y, crate::digest::hex(&h.finalize())))
        .collect()
}

/// Feeds every field of a finding to a digest.
fn hash_finding(h: &mut Sha256, f: &Finding) {
    let text = |h: &mut Sha256, t: Option<&str>| {
        if let Some(t) = t {
            h.update(t.as_bytes());
        }
        h.update([0xff]);
    };
    text(h, Some(f.rule));
    text(h, Some(f.severity.as_str()));
    text(h, f.key.as_deref());
    text(h, f.row_label.as_deref());
    text(h, f.column_label.as_deref());
    for x in [f.expected, f.actual] {
        h.update(x.map_or([0xff; 8], f64::to_le_bytes));
    }
    text(h, Some(&f.message));
    text(h, f.source.as_deref());
}

/// Counts a report (path, final status, reason) in the run's summary.
pub(crate) fn tally(
    summary: &mut nianbao_export::summary::SummaryData,
    by_status: &mut BTreeMap<&'static str, usize>,
    unreadable: &mut Vec<(String, String)>,
    year: Option<i32>,
    (path, status, why): (&str, &str, Option<&str>),
    format: &str,
    template: Option<&str>,
) {
    let st = ReportStatus::from_name(status).unwrap_or(ReportStatus::Unreadable);
    *summary
        .by_year_status
        .entry(year)
        .or_default()
        .entry(st.as_str().to_owned())
        .or_default() += 1;
    *summary.by_format.entry(format.to_owned()).or_default() += 1;
    if !matches!(st, ReportStatus::Unreadable | ReportStatus::NotAReport) {
        *summary
            .by_template
            .entry(template.unwrap_or("unknown").to_owned())
            .or_default() += 1;
    }
    *by_status.entry(st.as_str()).or_default() += 1;
    if let (ReportStatus::Unreadable, Some(w)) = (st, why) {
        unreadable.push((path.to_owned(), w.to_owned()));
    }
}

/// Writes one line of the manifest's `inputs`.
pub(crate) fn manifest_line(
    out: &mut impl Write,
    path: &str,
    id: &str,
    status: &str,
    reason: Option<&str>,
) -> Result<()> {
    serde_json::to_writer(
        &mut *out,
        &serde_json::json!({
            "document": path,
            "report_id": id,
            "status": status,
            "reason": reason,
        }),
    )?;
    out.write_all(b"\n")?;
    Ok(())
}

/// The headline figures `summary.html` charts over time (of [`nianbao_vocab::HEADLINES`]): requests
/// received, granted, answered, and administrative reviews.
const SUMMARY_HEADLINES: [&str; 4] = [
    "s3.received_new.total",
    "s3.granted.total",
    "s3.results_total.total",
    "s4.administrative_review.total",
];

/// The rates `summary.html` charts over time, pooled over the panel's agencies: indicators of
/// `nianbao_model::indicators::CATALOGUE` (their formulas are taken from there, never written
/// again) whose cells the panel carries, with the page's Chinese label. An agency counts in a
/// year only when every cell of the rate is known there.
const SUMMARY_RATES: [(&str, &str); 4] = [
    ("grant_rate", "予以公开率（予以公开 ÷ 办理结果总计）"),
    (
        "carry_forward_rate",
        "结转率（结转下年度 ÷ 新收与上年结转）",
    ),
    ("review_per_100_applications", "每百件新收申请的行政复议数"),
    (
        "litigation_per_100_applications",
        "每百件新收申请的行政诉讼数",
    ),
];

/// The coverage by province and year, the panel's shape, and the headline figures and rates
/// over time, for `summary.html`. The series are taken over the balanced panel (the agencies
/// with a report in every year of the panel) when there is one, so that a change is activity,
/// not coverage; otherwise over every agency, and the page says the panel is unbalanced.
fn summary_of_panel(
    built: &panel::Panel,
    names: &dyn Lookup,
    summary: &mut nianbao_export::summary::SummaryData,
) {
    let province = |agency: u32| {
        names
            .agency_key(agency)
            .split_once(':')
            .and_then(|(code, _)| nianbao_regions::Region::of_code(code).province)
            .unwrap_or("（地区未知）")
            .to_owned()
    };
    for c in &built.coverage {
        let e = summary
            .coverage
            .entry((province(c.agency), c.year))
            .or_default();
        e.0 += usize::from(c.status != "missing");
        e.1 += 1;
    }
    // the panel's shape: agencies per year, and those present every year
    let mut years_of: BTreeMap<u32, std::collections::BTreeSet<i32>> = BTreeMap::new();
    for r in &built.rows {
        *summary.panel_years.entry(r.year).or_default() += 1;
        years_of.entry(r.agency).or_default().insert(r.year);
    }
    let n_years = summary.panel_years.len();
    summary.panel_agencies = years_of.len();
    let balanced: std::collections::HashSet<u32> = years_of
        .iter()
        .filter(|(_, ys)| ys.len() == n_years)
        .map(|(a, _)| *a)
        .collect();
    summary.balanced = if n_years > 1 { balanced.len() } else { 0 };
    summary.series_balanced = n_years > 1 && !balanced.is_empty();
    let rows: Vec<&panel::PanelRow> = built
        .rows
        .iter()
        .filter(|r| !summary.series_balanced || balanced.contains(&r.agency))
        .collect();
    let index = |key: &str| nianbao_vocab::HEADLINES.iter().position(|h| *h == key);
    let v = nianbao_vocab::Vocabulary::get();
    for key in SUMMARY_HEADLINES {
        let Some(i) = index(key) else { continue };
        let label = v
            .cell(key)
            .map(|c| format!("{} {}", c.row.label, c.column.label))
            .unwrap_or_else(|| key.to_owned());
        let mut series: BTreeMap<i32, (f64, usize)> = BTreeMap::new();
        for r in &rows {
            if let Some(x) = r.figures[i] {
                let e = series.entry(r.year).or_default();
                e.0 += x;
                e.1 += 1;
            }
        }
        summary
            .headlines
            .push((label, nianbao_normalize::batch::wide_column(key), series));
    }
    for (name, label) in SUMMARY_RATES {
        let Some(nianbao_normalize::indicators::Calc::Ratio(num, den, scale)) =
            nianbao_normalize::indicators::CATALOGUE
                .iter()
                .find(|i| i.name == name)
                .map(|i| i.calc)
        else {
            continue;
        };
        // (these rates have one way of reading each side: its first)
        let (Some(num), Some(den)) = (num.first(), den.first()) else {
            continue;
        };
        let sum = |r: &panel::PanelRow, keys: &[&str]| -> Option<f64> {
            keys.iter()
                .map(|k| index(k).and_then(|i| r.figures[i]))
                .sum::<Option<f64>>()
        };
        let mut pooled: BTreeMap<i32, (f64, f64, usize)> = BTreeMap::new();
        for r in &rows {
            if let (Some(n), Some(d)) = (sum(r, num), sum(r, den)) {
                let e = pooled.entry(r.year).or_default();
                e.0 += n;
                e.1 += d;
                e.2 += 1;
            }
        }
        let series = pooled
            .into_iter()
            .filter(|(_, (_, d, _))| *d > 0.0)
            .map(|(y, (n, d, k))| (y, (scale * n / d, k)))
            .collect();
        summary
            .rates
            .push((label.to_owned(), name.to_owned(), series));
    }
}

/// Writes rows to a table in batches of one year each (sorted by year, stable).
fn write_by_year<T>(
    writer: &mut DatasetWriter,
    table: &str,
    rows: &[T],
    year: impl Fn(&T) -> i32,
    batch: impl Fn(&[T]) -> Result<RecordBatch, arrow_schema::ArrowError>,
) -> Result<()>
where
    T: Clone,
{
    let mut sorted: Vec<T> = rows.to_vec();
    sorted.sort_by_key(|r| year(r));
    for group in sorted.chunk_by(|a, b| year(a) == year(b)) {
        let y = year(&group[0]);
        for piece in group.chunks(65_536) {
            writer.write_in(table, Some(y), &batch(piece)?)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_charts_headline_figures_of_the_panel() {
        for key in SUMMARY_HEADLINES {
            assert!(nianbao_vocab::HEADLINES.contains(&key), "{key}");
        }
    }

    /// Each rate of summary.html is a ratio of the catalogue over cells the panel carries.
    #[test]
    fn summary_rates_come_from_the_catalogue() {
        for (name, _) in SUMMARY_RATES {
            let i = nianbao_normalize::indicators::CATALOGUE
                .iter()
                .find(|i| i.name == name)
                .unwrap_or_else(|| panic!("{name} is not in the catalogue"));
            let nianbao_normalize::indicators::Calc::Ratio(num, den, _) = i.calc else {
                panic!("{name} is not a ratio");
            };
            for k in num[0].iter().chain(den[0]) {
                assert!(nianbao_vocab::HEADLINES.contains(k), "{name}: {k}");
            }
        }
    }

    #[test]
    fn statuses_round_trip() {
        for s in [
            ReportStatus::Ok,
            ReportStatus::Warning,
            ReportStatus::Error,
            ReportStatus::NotAReport,
            ReportStatus::Unreadable,
        ] {
            assert_eq!(ReportStatus::from_name(s.as_str()), Some(s));
        }
    }
}
