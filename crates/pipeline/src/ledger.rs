//! What a run keeps of each report between writing its cells and writing its `reports` row.
//!
//! A report's row can only be written at the end of the run: cross-report findings
//! (duplicates, the carry-over chain) change its status and finding count. So that memory does
//! not grow with the corpus, the [`Ledger`] parks the rows in a spill file (Arrow IPC on disk,
//! see `nianbao_export::Spill`) and keeps in memory only the few numbers per report the
//! cross-report checks need ([`ReportFacts`] and the report id, ~56 bytes). [`Ledger::close`] runs those checks,
//! then streams the rows back once: cross findings into `findings`, patched rows into
//! `reports`, and one line per input into the manifest.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use arrow_array::{Array, ArrayRef, RecordBatch, StringArray, UInt32Array};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use nianbao_export::{DatasetWriter, Spill};
use nianbao_normalize::{batch, Finding, Report, ReportStatus, Source};
use nianbao_validate::cross::CrossFinding;
use nianbao_validate::panel::{self, Lookup, Names, ReportFacts, YearFinding};
use nianbao_validate::reuse::{self, Signature};
use nianbao_vocab::Severity;

use crate::inputs::Inputs;

/// The column of the spill file that numbers the document (not part of `reports`).
const DOC: &str = "__doc";

/// Reports seen so far: rows parked on disk, facts in memory (see the module doc).
pub struct Ledger {
    spill: Spill,
    /// The `sections` rows with `__doc`, until their similarity to the year before is known.
    sections: Spill,
    /// MinHash signatures of the parts of reports with an agency and a year:
    /// (document, part, signature).
    signatures: Vec<(u32, u8, Signature)>,
    /// Facts with `content` still unset, and the report id (64 bits of the SHA-256).
    facts: Vec<(ReportFacts, Option<u64>)>,
    /// Agencies by `agency_key`, numbered in order of appearance.
    agencies: HashMap<String, u32>,
    /// The key of each agency.
    agency_keys: Vec<String>,
    /// The name of each agency as first printed.
    agency_names: Vec<String>,
    /// Findings per rule so far.
    pub by_rule: BTreeMap<&'static str, usize>,
    /// Cells per status so far.
    cells_by_status: BTreeMap<&'static str, usize>,
}

/// Some reports as the ledger keeps them (see [`Ledger::prepare`]).
pub struct Prepared {
    /// Their `reports` rows (status and finding count before cross-report checks) and `__doc`.
    rows: RecordBatch,
    /// Their facts, `agency` still unset.
    facts: Vec<(ReportFacts, Option<u64>)>,
    /// Their agencies' keys and printed names, to be numbered by the ledger.
    agencies: Vec<Option<(String, String)>>,
    /// The rule of each of their findings.
    rules: Vec<&'static str>,
    /// Their cells per status.
    cells_by_status: BTreeMap<&'static str, usize>,
    /// Their `sections` rows with `__doc`.
    sections: RecordBatch,
    /// Their parts' signatures.
    signatures: Vec<(u32, u8, Signature)>,
}

/// What the end of the run reports.
pub struct Closing {
    /// Reports (= input documents).
    pub documents: usize,
    /// Reports per status.
    pub by_status: BTreeMap<&'static str, usize>,
    /// Findings per rule, cross-report ones included.
    pub by_rule: BTreeMap<&'static str, usize>,
    /// `(document, reason)` of each unreadable document.
    pub unreadable: Vec<(String, String)>,
    /// The manifest's `inputs`, one JSON object per line, rewound.
    pub inputs: std::fs::File,
    /// What `summary.html` shows (findings are the caller's to add).
    pub summary: nianbao_export::summary::SummaryData,
}

/// The report id (16 hex digits) as a number.
fn parse_id(hex: &str) -> Option<u64> {
    if hex.len() != 16 {
        return None;
    }
    u64::from_str_radix(hex, 16).ok()
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

struct Tables<'a> {
    documents: &'a Inputs,
    agencies: &'a [String],
    keys: &'a [String],
    /// Facts by document number, with the report id.
    facts: &'a [(ReportFacts, Option<u64>)],
}

impl Lookup for Tables<'_> {
    fn agency_key(&self, agency: u32) -> &str {
        self.keys.get(agency as usize).map_or("", String::as_str)
    }
    fn report_id(&self, doc: u32) -> String {
        self.facts
            .get(doc as usize)
            .and_then(|(_, id)| *id)
            .map_or_else(String::new, |id| format!("{id:016x}"))
    }
    fn facts(&self, doc: u32) -> Option<&ReportFacts> {
        self.facts.get(doc as usize).map(|(f, _)| f)
    }
}

impl Names for Tables<'_> {
    fn document(&self, doc: u32) -> &str {
        let doc = doc as usize;
        if doc < self.documents.len() {
            self.documents.rel(doc)
        } else {
            ""
        }
    }
    fn agency(&self, agency: u32) -> &str {
        self.agencies
            .get(agency as usize)
            .map_or("", String::as_str)
    }
}

impl Ledger {
    /// A ledger whose spill file lives in `dir`.
    pub fn new(dir: &Path) -> Result<Ledger> {
        let schema = Self::spill_schema();
        let spill = Spill::new(dir, &schema)
            .with_context(|| format!("creating a spill file in {}", dir.display()))?;
        let sections = Spill::new(dir, &Self::sections_schema())
            .with_context(|| format!("creating a spill file in {}", dir.display()))?;
        Ok(Ledger {
            spill,
            sections,
            signatures: Vec::new(),
            facts: Vec::new(),
            agencies: HashMap::new(),
            agency_keys: Vec::new(),
            agency_names: Vec::new(),
            by_rule: BTreeMap::new(),
            cells_by_status: BTreeMap::new(),
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
    /// in the corpus; `sections` their `sections` rows): prepared on any thread, so the writer
    /// thread only appends it.
    pub fn prepare(reports: &[Report], docs: &[u32], sections: &RecordBatch) -> Result<Prepared> {
        let mut rows = Vec::with_capacity(reports.len());
        let mut facts = Vec::with_capacity(reports.len());
        let mut agencies = Vec::with_capacity(reports.len());
        let mut rules = Vec::new();
        let mut cells_by_status: BTreeMap<&'static str, usize> = BTreeMap::new();
        let mut signatures = Vec::new();
        let mut section_docs: Vec<u32> = Vec::with_capacity(sections.num_rows());
        for (r, &doc) in reports.iter().zip(docs) {
            section_docs.extend(std::iter::repeat_n(doc, r.sections.len()));
            if r.agency.is_some() && r.report_year.is_some() {
                for p in &r.sections {
                    if let Some(sig) = reuse::signature(&p.text) {
                        signatures.push((doc, p.part, sig));
                    }
                }
            }
            for c in &r.cells {
                *cells_by_status.entry(c.status.as_str()).or_default() += 1;
            }
            rules.extend(r.findings.iter().map(|f| f.rule));
            let worst = r.findings.iter().map(|f| f.severity).max();
            let status = ReportStatus::of(r.unreadable.is_some(), worst);
            rows.push(batch::ReportRow {
                report: r,
                n_findings: r.findings.len() as u32,
                status,
            });
            agencies.push(r.agency_key().zip(r.agency.clone()));
            let id = (!r.source.sha256.is_empty())
                .then(|| parse_id(&r.source.report_id))
                .flatten();
            let rank = match status {
                ReportStatus::Ok => 0,
                ReportStatus::Warning => 1,
                ReportStatus::Error => 2,
                ReportStatus::Unreadable => 3,
            };
            facts.push((ReportFacts::of(r, doc, rank), id));
        }
        let b = batch::reports_batch_rows(rows.into_iter())?;
        let mut columns = b.columns().to_vec();
        columns.push(Arc::new(UInt32Array::from(docs.to_vec())));
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
    pub fn add(&mut self, p: Prepared) -> Result<()> {
        for rule in p.rules {
            *self.by_rule.entry(rule).or_default() += 1;
        }
        for (k, v) in p.cells_by_status {
            *self.cells_by_status.entry(k).or_default() += v;
        }
        self.sections.push(&p.sections)?;
        self.signatures.extend(p.signatures);
        for ((mut f, id), agency) in p.facts.into_iter().zip(p.agencies) {
            f.agency = agency.map(|(key, name)| match self.agencies.get(&key) {
                Some(&n) => n,
                None => {
                    let n = self.agency_names.len() as u32;
                    self.agency_names.push(name);
                    self.agency_keys.push(key.clone());
                    self.agencies.insert(key, n);
                    n
                }
            });
            self.facts.push((f, id));
        }
        self.spill.push(&p.rows)?;
        Ok(())
    }

    /// Runs the cross-report checks and writes the `reports` rows, the cross-report findings
    /// and the manifest's input lines (into a temporary file in `dir`). `documents` are the
    /// input paths by document number.
    pub fn close(
        self,
        writer: &mut DatasetWriter,
        documents: &Inputs,
        dir: &Path,
        expected: Option<&[(String, String)]>,
    ) -> Result<Closing> {
        let Ledger {
            spill,
            mut facts,
            mut agencies,
            mut agency_keys,
            mut agency_names,
            mut by_rule,
            cells_by_status,
            sections,
            mut signatures,
        } = self;
        let mut summary = nianbao_export::summary::SummaryData {
            cells_by_status: cells_by_status
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
            ..Default::default()
        };
        // the expected agencies (key, name), numbered like the others
        let expected_ids: Option<Vec<u32>> = expected.map(|list| {
            list.iter()
                .map(|(key, name)| match agencies.get(key) {
                    Some(&n) => n,
                    None => {
                        let n = agency_keys.len() as u32;
                        agency_keys.push(key.clone());
                        agency_names.push(name.clone());
                        agencies.insert(key.clone(), n);
                        n
                    }
                })
                .collect()
        });
        drop(agencies);
        // Same report id, same content (the id is the dataset's identity of a document's
        // bytes); the first document in path order stands for it.
        facts.sort_by_key(|(f, _)| f.doc);
        let mut first: HashMap<u64, u32> = HashMap::new();
        for (f, id) in facts.iter_mut() {
            f.content = id.map(|id| *first.entry(id).or_insert(f.doc));
        }
        drop(first);
        let names = Tables {
            documents,
            agencies: &agency_names,
            keys: &agency_keys,
            facts: &facts,
        };
        let plain: Vec<ReportFacts> = facts.iter().map(|(f, _)| *f).collect();
        let dups: Vec<CrossFinding> = nianbao_validate::cross_report(&plain, &names)?;
        let built = panel::build_panel(&plain, expected_ids.as_deref());
        drop(plain);
        // the panel and its coverage, by year (one partition each when partitioned)
        write_by_year(
            writer,
            "panel",
            &built.rows,
            |r| r.year,
            |rows| panel::panel_batch(rows, &names),
        )?;
        write_by_year(
            writer,
            "coverage",
            &built.coverage,
            |r| r.year,
            |rows| panel::coverage_batch(rows, &names),
        )?;
        summary_of_panel(&built, &names, &mut summary);
        // sections, with each part's similarity to the agency's report of the year before
        let chosen: HashMap<(u32, i32), u32> = built
            .rows
            .iter()
            .map(|r| ((r.agency, r.year), r.doc))
            .collect();
        let prev_of = |doc: u32| -> Option<u32> {
            let (f, _) = facts.get(doc as usize)?;
            chosen.get(&(f.agency?, f.report_year? - 1)).copied()
        };
        signatures.sort_unstable_by_key(|(d, p, _)| (*d, *p));
        let sig = |doc: u32, part: u8| {
            signatures
                .binary_search_by_key(&(doc, part), |(d, p, _)| (*d, *p))
                .ok()
                .map(|i| &signatures[i].2)
        };
        // finished in groups, each group's batches encoded on all cores, written in order
        let encoder = writer.encoder();
        let mut group: Vec<(Option<i32>, RecordBatch)> = Vec::new();
        let flush = |group: &mut Vec<(Option<i32>, RecordBatch)>,
                     writer: &mut DatasetWriter|
         -> Result<()> {
            use rayon::prelude::*;
            let encoded: Vec<_> = group
                .par_iter()
                .map(|(year, b)| encoder.encode("sections", *year, b))
                .collect::<Result<_, _>>()?;
            for e in encoded {
                writer.write_encoded(e)?;
            }
            group.clear();
            Ok(())
        };
        for b in sections.into_batches()? {
            let b = b?;
            if b.num_rows() == 0 {
                continue;
            }
            let docs = u32s(&b, DOC)?;
            let parts = b
                .column_by_name("part")
                .and_then(|c| c.as_any().downcast_ref::<arrow_array::UInt8Array>())
                .context("the spilled sections have no part")?;
            let mut prev_ids = arrow_array::builder::StringBuilder::new();
            let mut sims = arrow_array::builder::Float64Builder::new();
            for i in 0..b.num_rows() {
                let (doc, part) = (docs.value(i), parts.value(i));
                let prev = prev_of(doc);
                prev_ids.append_option(prev.map(|p| names.report_id(p)));
                sims.append_option(
                    prev.and_then(|p| Some(reuse::similarity(sig(doc, part)?, sig(p, part)?))),
                );
            }
            let schema = batch::sections_schema();
            let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
            for f in schema.fields() {
                columns.push(match f.name().as_str() {
                    "prev_report_id" => Arc::new(prev_ids.finish()) as ArrayRef,
                    "similarity_prev_year" => Arc::new(sims.finish()) as ArrayRef,
                    name => b
                        .column_by_name(name)
                        .with_context(|| format!("the spilled sections have no {name}"))?
                        .clone(),
                });
            }
            // a batch is one piece: one year when partitioned (ignored otherwise)
            let year = (b.num_rows() > 0)
                .then(|| {
                    facts
                        .get(docs.value(0) as usize)
                        .and_then(|(f, _)| f.report_year)
                })
                .flatten();
            group.push((year, RecordBatch::try_new(schema, columns)?));
            if group.len() >= 32 {
                flush(&mut group, writer)?;
            }
        }
        flush(&mut group, writer)?;
        drop(signatures);
        let mut cross: Vec<AnyCross> = dups
            .into_iter()
            .map(AnyCross::Dup)
            .chain(built.findings.into_iter().map(AnyCross::Year))
            .collect();
        cross.sort_by_key(AnyCross::doc);
        for c in &cross {
            *by_rule.entry(c.rule()).or_default() += 1;
        }
        let mut inputs = BufWriter::new(
            tempfile::tempfile_in(dir)
                .with_context(|| format!("creating a temporary file in {}", dir.display()))?,
        );
        let mut documents = 0;
        let mut by_status: BTreeMap<&'static str, usize> = BTreeMap::new();
        let mut unreadable: Vec<(String, String)> = Vec::new();
        for b in spill.into_batches()? {
            let b = b?;
            let docs = u32s(&b, DOC)?;
            let ids = strings(&b, "report_id")?;
            let paths = strings(&b, "document")?;
            let status = strings(&b, "status")?;
            let n = u32s(&b, "n_findings")?;
            let reason = strings(&b, "reason")?;
            let formats = strings(&b, "format")?;
            let templates = strings(&b, "template")?;
            let years = b
                .column_by_name("report_year")
                .and_then(|c| c.as_any().downcast_ref::<arrow_array::Int32Array>())
                .context("the spilled reports have no report_year")?;
            // a batch is one piece: one year when partitioned (ignored otherwise)
            let year = (b.num_rows() > 0 && years.is_valid(0)).then(|| years.value(0));
            let mut new_status: Vec<&str> = Vec::with_capacity(b.num_rows());
            let mut new_n: Vec<u32> = Vec::with_capacity(b.num_rows());
            let mut stubs: Vec<Report> = Vec::new();
            for i in 0..b.num_rows() {
                let mut st = ReportStatus::from_name(status.value(i)).with_context(|| {
                    format!(
                        "a spilled report has the unknown status {}",
                        status.value(i)
                    )
                })?;
                let mut count = n.value(i);
                // `cross` is ordered by document: this document's findings are one run of it
                let doc = docs.value(i);
                let from = cross.partition_point(|c| c.doc() < doc);
                let to = from + cross[from..].partition_point(|c| c.doc() == doc);
                if from < to {
                    let fs: Vec<Finding> =
                        cross[from..to].iter().map(|c| c.finding(&names)).collect();
                    let worst: Option<Severity> = fs.iter().map(|f| f.severity).max();
                    if st != ReportStatus::Unreadable {
                        st = st.max(ReportStatus::of(false, worst));
                    }
                    count += fs.len() as u32;
                    let mut stub = Report::empty(
                        Source {
                            report_id: ids.value(i).to_owned(),
                            document: paths.value(i).to_owned(),
                            ..Source::default()
                        },
                        "text",
                    );
                    stub.report_year = years.is_valid(i).then(|| years.value(i));
                    stub.findings = fs;
                    stubs.push(stub);
                }
                new_status.push(st.as_str());
                let y = years.is_valid(i).then(|| years.value(i));
                *summary
                    .by_year_status
                    .entry(y)
                    .or_default()
                    .entry(st.as_str().to_owned())
                    .or_default() += 1;
                *summary
                    .by_format
                    .entry(formats.value(i).to_owned())
                    .or_default() += 1;
                if st != ReportStatus::Unreadable {
                    let t = if templates.is_valid(i) {
                        templates.value(i)
                    } else {
                        "unknown"
                    };
                    *summary.by_template.entry(t.to_owned()).or_default() += 1;
                }
                new_n.push(count);
                *by_status.entry(st.as_str()).or_default() += 1;
                let why = reason.is_valid(i).then(|| reason.value(i));
                if let (ReportStatus::Unreadable, Some(w)) = (st, why) {
                    unreadable.push((paths.value(i).to_owned(), w.to_owned()));
                }
                serde_json::to_writer(
                    &mut inputs,
                    &serde_json::json!({
                        "document": paths.value(i),
                        "report_id": ids.value(i),
                        "status": st.as_str(),
                        "reason": why,
                    }),
                )?;
                inputs.write_all(b"\n")?;
            }
            documents += b.num_rows();
            if !stubs.is_empty() {
                writer.write_in(
                    "findings",
                    year,
                    &batch::findings_batch(
                        stubs
                            .iter()
                            .flat_map(|r| r.findings.iter().map(move |f| (r, f))),
                    )?,
                )?;
            }
            let schema = b.schema();
            let mut columns: Vec<ArrayRef> = Vec::with_capacity(b.num_columns() - 1);
            let mut fields = Vec::with_capacity(b.num_columns() - 1);
            for (f, c) in schema.fields().iter().zip(b.columns()) {
                let c = match f.name().as_str() {
                    DOC => continue,
                    "status" => Arc::new(StringArray::from(new_status.clone())) as ArrayRef,
                    "n_findings" => Arc::new(UInt32Array::from(new_n.clone())) as ArrayRef,
                    _ => c.clone(),
                };
                fields.push(f.clone());
                columns.push(c);
            }
            let rows = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)?;
            writer.write_in("reports", year, &rows)?;
        }
        let mut file = inputs
            .into_inner()
            .map_err(|e| e.into_error())
            .context("writing the manifest's inputs")?;
        file.seek(SeekFrom::Start(0))?;
        summary.documents = documents;
        Ok(Closing {
            summary,
            documents,
            by_status,
            by_rule,
            unreadable,
            inputs: file,
        })
    }
}

/// The coverage by province and year, and the headline figures over time, for `summary.html`.
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
            .unwrap_or("(region unknown)")
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
    let v = nianbao_vocab::Vocabulary::get();
    for (i, key) in panel::HEADLINES.iter().enumerate() {
        if ![0, 2, 3, 5].contains(&i) {
            continue;
        }
        let label = v
            .cell(key)
            .map(|c| format!("{} {}", c.row.label, c.column.label))
            .unwrap_or_else(|| (*key).to_owned());
        let mut series: BTreeMap<i32, (f64, usize)> = BTreeMap::new();
        for r in &built.rows {
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
}

/// A cross-report finding of either kind.
enum AnyCross {
    Dup(CrossFinding),
    Year(YearFinding),
}

impl AnyCross {
    fn doc(&self) -> u32 {
        match self {
            AnyCross::Dup(c) => c.doc,
            AnyCross::Year(y) => y.doc,
        }
    }
    fn rule(&self) -> &'static str {
        match self {
            AnyCross::Dup(c) => c.rule(),
            AnyCross::Year(y) => y.rule(),
        }
    }
    fn finding(&self, names: &dyn Names) -> Finding {
        match self {
            AnyCross::Dup(c) => c.finding(names),
            AnyCross::Year(y) => y.finding(names),
        }
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
    fn report_ids_parse_from_hex_or_not_at_all() {
        assert_eq!(parse_id("00000000000000ff"), Some(255));
        assert_eq!(parse_id(""), None);
        assert_eq!(parse_id(&"z".repeat(16)), None);
    }

    #[test]
    fn statuses_round_trip() {
        for s in [
            ReportStatus::Ok,
            ReportStatus::Warning,
            ReportStatus::Error,
            ReportStatus::Unreadable,
        ] {
            assert_eq!(ReportStatus::from_name(s.as_str()), Some(s));
        }
    }
}
