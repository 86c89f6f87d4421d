//! The end of a run's ledger ([`Ledger::close`]), in steps: the tallies of what the reading
//! counted, the corpus-wide checks and the `panel` and `coverage` tables, the `sections` rows
//! with their similarity to the year before, then the `reports` rows (status and finding count
//! with the cross-report findings), the cross-report findings, the records for the next run and
//! the manifest's input lines.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufWriter, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use arrow_array::{
    Array, ArrayRef, BooleanArray, RecordBatch, StringArray, UInt32Array, UInt64Array,
};
use arrow_schema::Schema;
use nianbao_corpus::panel::{self, Lookup, Names};
use nianbao_corpus::similarity::{self, PARTS};
use nianbao_corpus::{Corpus, CorpusFinding, ReportFacts, Signature, SignatureFile, View};
use nianbao_export::{DatasetWriter, Spill};
use nianbao_normalize::{batch, Finding, Report, ReportStatus, Source};
use nianbao_vocab::Severity;

use super::{
    digests, manifest_line, strings, summary_of_panel, tally, u32s, write_by_year, Closing, Ledger,
    PerYear, CORRECTED, DOC, MTIME,
};
use crate::inputs::Inputs;
use crate::partitions::{self, RecordsWriter};
use crate::tables::Table;

/// What the reading counted, summed for the whole run and per year partition.
struct Tallies {
    summary: nianbao_export::summary::SummaryData,
    by_rule: BTreeMap<&'static str, usize>,
    rules_by_year: BTreeMap<Option<i32>, BTreeMap<String, usize>>,
    cells_by_year: BTreeMap<Option<i32>, BTreeMap<String, usize>>,
}

impl Tallies {
    /// `key` maps a report's year to its partition (`None` when not partitioned).
    fn new(
        cells_by_status: PerYear,
        own_rules: PerYear,
        key: impl Fn(Option<i32>) -> Option<i32>,
    ) -> Tallies {
        let mut t = Tallies {
            summary: Default::default(),
            by_rule: BTreeMap::new(),
            rules_by_year: BTreeMap::new(),
            cells_by_year: BTreeMap::new(),
        };
        for ((y, k), v) in cells_by_status {
            *t.summary.cells_by_status.entry(k.to_owned()).or_default() += v;
            *t.cells_by_year
                .entry(key(y))
                .or_default()
                .entry(k.to_owned())
                .or_default() += v;
        }
        for ((y, rule), v) in own_rules {
            *t.by_rule.entry(rule).or_default() += v;
            *t.rules_by_year
                .entry(key(y))
                .or_default()
                .entry(rule.to_owned())
                .or_default() += v;
        }
        t
    }
}

/// The signatures of one document's parts.
type Sigs = [Option<Signature>; PARTS];

impl Ledger {
    /// Runs the corpus-wide checks and writes the `panel` and `coverage` tables, the
    /// `sections` and `reports` rows and the cross-report findings of the reports added (not
    /// of reused ones: their partitions are linked), and the manifest's input lines (into
    /// temporary files in `dir`). `documents` are the input paths by document number. With
    /// `records`, each added report's record is written for the next run's reuse, and
    /// `load_signatures` gives the section signatures of a reused document when a report
    /// added is compared with it.
    pub(crate) fn close(
        self,
        writer: &mut DatasetWriter,
        documents: &Inputs,
        dir: &Path,
        expected: Option<&[(String, String)]>,
        records: Option<&mut RecordsWriter>,
        load_signatures: Option<&(dyn Fn(u32) -> Vec<(u8, Signature)> + Sync)>,
    ) -> Result<Closing> {
        let Ledger {
            spill,
            facts,
            agencies,
            by_rule: own_rules,
            cells_by_status,
            sections,
            signatures,
            reused,
        } = self;
        let partitioned = writer.partitioned();
        let key = move |year: Option<i32>| if partitioned { year } else { None };
        let mut t = Tallies::new(cells_by_status, own_rules, key);
        let corpus = Corpus::check(facts, agencies, expected, documents)?;
        let names = corpus.view(documents);
        // (only a run that records its year partitions needs their digests)
        let digests = if records.is_some() {
            digests(&corpus, documents)
        } else {
            BTreeMap::new()
        };
        // the panel and its coverage, by year (one partition each when partitioned)
        let built = corpus.panel();
        write_by_year(
            writer,
            Table::Panel.name(),
            &built.rows,
            |r| r.year,
            |rows| panel::panel_batch(rows, &names, corpus.findings()),
        )?;
        write_by_year(
            writer,
            Table::Coverage.name(),
            &built.coverage,
            |r| r.year,
            |rows| panel::coverage_batch(rows, &names),
        )?;
        summary_of_panel(built, &names, &mut t.summary);
        // the reports with errors, reused years' too, for summary.html
        for f in corpus.facts() {
            let (rank, errors) = panel::final_status(Some(f), corpus.findings(), f.doc);
            if rank == 2 {
                t.summary
                    .error_report(nianbao_export::summary::ErrorReport {
                        document: names.document(f.doc).to_owned(),
                        agency: f.agency.map(|a| names.agency(a).to_owned()),
                        year: f.report_year,
                        errors,
                    });
            }
        }
        if let Some(load) = load_signatures {
            load_needed_signatures(&corpus, &reused, &signatures, load)?;
        }
        write_sections(writer, sections, &signatures, &corpus, &names)?;
        drop(signatures);
        for c in corpus.findings() {
            *t.by_rule.entry(c.rule()).or_default() += 1;
        }
        let chosen: std::collections::HashSet<u32> = built.rows.iter().map(|r| r.doc).collect();
        let mut out = ReportsOut {
            cross: corpus.findings(),
            chosen: &chosen,
            names: &names,
            dir,
            key: &key,
            records,
            inputs: BTreeMap::new(),
            documents: 0,
            by_status: BTreeMap::new(),
            unreadable: Vec::new(),
            summary: &mut t.summary,
        };
        for b in spill.into_batches()? {
            out.write(writer, &b?)?;
        }
        let ReportsOut {
            inputs,
            documents,
            by_status,
            unreadable,
            ..
        } = out;
        let mut files = BTreeMap::new();
        for (y, w) in inputs {
            let mut file = w
                .into_inner()
                .map_err(|e| e.into_error())
                .context("writing the manifest's inputs")?;
            file.seek(SeekFrom::Start(0))?;
            files.insert(y, file);
        }
        t.summary.documents = documents;
        Ok(Closing {
            summary: t.summary,
            documents,
            by_status,
            by_rule: t.by_rule,
            unreadable,
            inputs: files,
            rules_by_year: t.rules_by_year,
            cells_by_year: t.cells_by_year,
            digests,
        })
    }
}

/// Puts in the signature file the signatures of the reused reports that reports added now
/// are compared with (their sections are not read otherwise).
fn load_needed_signatures(
    corpus: &Corpus,
    reused: &[u32],
    signatures: &SignatureFile,
    load: &(dyn Fn(u32) -> Vec<(u8, Signature)> + Sync),
) -> Result<()> {
    use rayon::prelude::*;
    let is_reused = |doc: u32| reused.binary_search(&doc).is_ok();
    let needed: BTreeSet<u32> = corpus
        .facts()
        .iter()
        .filter(|f| !is_reused(f.doc))
        .filter_map(|f| corpus.prev_of(f.doc))
        .filter(|&p| is_reused(p))
        .collect();
    needed
        .into_par_iter()
        .try_for_each(|p| signatures.put(p, &load(p)))
        .map_err(Into::into)
}

/// Writes the parked `sections` rows with each part's similarity to the agency's report of the
/// year before; finished in groups, each group's batches encoded on all cores, written in
/// order.
fn write_sections(
    writer: &mut DatasetWriter,
    sections: Spill,
    signatures: &SignatureFile,
    corpus: &Corpus,
    names: &View<'_>,
) -> Result<()> {
    // the signatures of the document and of its report of the year before, read once
    let mut cur: Option<(u32, Sigs)> = None;
    let mut before: Option<(u32, Sigs)> = None;
    let mut sigs_of = |before_doc: bool, doc: u32| -> Result<Sigs> {
        let cache = if before_doc { &mut before } else { &mut cur };
        match cache {
            Some((d, s)) if *d == doc => Ok(*s),
            _ => {
                let s = signatures.get(doc)?;
                *cache = Some((doc, s));
                Ok(s)
            }
        }
    };
    let encoder = writer.encoder();
    let mut group: Vec<(Option<i32>, RecordBatch)> = Vec::new();
    let flush =
        |group: &mut Vec<(Option<i32>, RecordBatch)>, writer: &mut DatasetWriter| -> Result<()> {
            use rayon::prelude::*;
            let encoded: Vec<_> = group
                .par_iter()
                .map(|(year, b)| encoder.encode(Table::Sections.name(), *year, b))
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
            let prev = corpus.prev_of(doc);
            prev_ids.append_option(prev.map(|p| names.report_id(p)));
            let k = usize::from(part).wrapping_sub(1);
            let sim = match prev {
                Some(p) if k < PARTS => {
                    let (a, b) = (sigs_of(false, doc)?[k], sigs_of(true, p)?[k]);
                    a.zip(b).map(|(a, b)| similarity::similarity(&a, &b))
                }
                _ => None,
            };
            sims.append_option(sim);
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
        let year = names.facts(docs.value(0)).and_then(|f| f.report_year);
        group.push((year, RecordBatch::try_new(schema, columns)?));
        if group.len() >= 32 {
            flush(&mut group, writer)?;
        }
    }
    flush(&mut group, writer)
}

/// Where the parked `reports` rows go, batch by batch: the table (with the cross-report
/// findings' status and count), the cross-report findings, the records, the manifest's lines
/// and the tallies.
struct ReportsOut<'a, K: Fn(Option<i32>) -> Option<i32>> {
    /// Cross-report findings, ordered by document.
    cross: &'a [CorpusFinding],
    /// The documents the panel chose (`in_panel`).
    chosen: &'a std::collections::HashSet<u32>,
    names: &'a View<'a>,
    /// Where the manifest's lines wait.
    dir: &'a Path,
    /// A year's partition.
    key: &'a K,
    records: Option<&'a mut RecordsWriter>,
    /// The manifest's input lines per partition.
    inputs: BTreeMap<Option<i32>, BufWriter<std::fs::File>>,
    documents: usize,
    by_status: BTreeMap<&'static str, usize>,
    unreadable: Vec<(String, String)>,
    summary: &'a mut nianbao_export::summary::SummaryData,
}

/// A batch of parked reports with their final status and finding count.
struct Finished<'b> {
    status: Vec<&'static str>,
    n_findings: Vec<u32>,
    n_errors: Vec<u32>,
    /// Reports carrying the cross-report findings of this batch.
    stubs: Vec<Report>,
    year: Option<i32>,
    docs: &'b UInt32Array,
}

impl<K: Fn(Option<i32>) -> Option<i32>> ReportsOut<'_, K> {
    /// Writes one batch of parked reports (one piece: one year when partitioned).
    fn write(&mut self, writer: &mut DatasetWriter, b: &RecordBatch) -> Result<()> {
        let done = self.finish_batch(b)?;
        if !done.stubs.is_empty() {
            writer.write_in(
                Table::Findings.name(),
                done.year,
                &batch::findings_batch(
                    done.stubs
                        .iter()
                        .flat_map(|r| r.findings.iter().map(move |f| (r, f))),
                )?,
            )?;
        }
        if let Some(records) = self.records.as_deref_mut() {
            append_records(records, (self.key)(done.year), b, &done, self.names)?;
        }
        let schema = b.schema();
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(b.num_columns() - 3);
        let mut fields = Vec::with_capacity(b.num_columns() - 3);
        for (f, c) in schema.fields().iter().zip(b.columns()) {
            let c = match f.name().as_str() {
                DOC | MTIME | CORRECTED => continue,
                "status" => Arc::new(StringArray::from(done.status.clone())) as ArrayRef,
                "n_findings" => Arc::new(UInt32Array::from(done.n_findings.clone())) as ArrayRef,
                "n_errors" => Arc::new(UInt32Array::from(done.n_errors.clone())) as ArrayRef,
                "in_panel" => Arc::new(BooleanArray::from(
                    done.docs
                        .values()
                        .iter()
                        .map(|d| self.chosen.contains(d))
                        .collect::<Vec<bool>>(),
                )) as ArrayRef,
                _ => c.clone(),
            };
            fields.push(f.clone());
            columns.push(c);
        }
        let rows = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)?;
        writer.write_in(Table::Reports.name(), done.year, &rows)?;
        Ok(())
    }

    /// Each report's status and finding count with its cross-report findings, tallied and
    /// written to the manifest's lines.
    fn finish_batch<'b>(&mut self, b: &'b RecordBatch) -> Result<Finished<'b>> {
        let docs = u32s(b, DOC)?;
        let ids = strings(b, "report_id")?;
        let paths = strings(b, "document")?;
        let status = strings(b, "status")?;
        let n = u32s(b, "n_findings")?;
        let n_errors = u32s(b, "n_errors")?;
        let reason = strings(b, "reason")?;
        let formats = strings(b, "format")?;
        let templates = strings(b, "template")?;
        let years = b
            .column_by_name("report_year")
            .and_then(|c| c.as_any().downcast_ref::<arrow_array::Int32Array>())
            .context("the spilled reports have no report_year")?;
        let year = (b.num_rows() > 0 && years.is_valid(0)).then(|| years.value(0));
        let lines = match self.inputs.entry((self.key)(year)) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(e) => e.insert(BufWriter::new(
                tempfile::tempfile_in(self.dir).with_context(|| {
                    format!("creating a temporary file in {}", self.dir.display())
                })?,
            )),
        };
        let mut done = Finished {
            status: Vec::with_capacity(b.num_rows()),
            n_findings: Vec::with_capacity(b.num_rows()),
            n_errors: Vec::with_capacity(b.num_rows()),
            stubs: Vec::new(),
            year,
            docs,
        };
        for i in 0..b.num_rows() {
            let mut st = ReportStatus::from_name(status.value(i)).with_context(|| {
                format!(
                    "a spilled report has the unknown status {}",
                    status.value(i)
                )
            })?;
            let mut count = n.value(i);
            let mut errors = n_errors.value(i);
            let y = years.is_valid(i).then(|| years.value(i));
            let fs = cross_of(self.cross, docs.value(i), self.names);
            if !fs.is_empty() {
                errors += fs.iter().filter(|f| f.severity == Severity::Error).count() as u32;
                let worst: Option<Severity> = fs.iter().map(|f| f.severity).max();
                if !matches!(st, ReportStatus::Unreadable | ReportStatus::NotAReport) {
                    st = st.max(ReportStatus::of(false, worst));
                }
                count += fs.len() as u32;
                let mut stub = Report::empty(
                    Source {
                        report_id: ids.value(i).to_owned(),
                        document: paths.value(i).to_owned(),
                        ..Source::default()
                    },
                    nianbao_normalize::model::Format::Text,
                );
                stub.report_year = y;
                stub.findings = fs;
                done.stubs.push(stub);
            }
            done.status.push(st.as_str());
            let why = reason.is_valid(i).then(|| reason.value(i));
            let template = templates.is_valid(i).then(|| templates.value(i));
            tally(
                self.summary,
                &mut self.by_status,
                &mut self.unreadable,
                y,
                (paths.value(i), st.as_str(), why),
                formats.value(i),
                template,
            );
            done.n_findings.push(count);
            done.n_errors.push(errors);
            manifest_line(lines, paths.value(i), ids.value(i), st.as_str(), why)?;
        }
        self.documents += b.num_rows();
        Ok(done)
    }
}

/// The cross-report findings of document `doc` (`cross` is ordered by document: they are one
/// run of it).
fn cross_of(cross: &[CorpusFinding], doc: u32, names: &View<'_>) -> Vec<Finding> {
    let from = cross.partition_point(|c| c.doc() < doc);
    let to = from + cross[from..].partition_point(|c| c.doc() == doc);
    cross[from..to].iter().map(|c| c.finding(names)).collect()
}

/// Appends the records of a batch of added reports (for the next run's reuse).
fn append_records(
    records: &mut RecordsWriter,
    partition: Option<i32>,
    b: &RecordBatch,
    done: &Finished<'_>,
    names: &View<'_>,
) -> Result<()> {
    let facts: Vec<&ReportFacts> = (0..b.num_rows())
        .map(|i| {
            names
                .facts(done.docs.value(i))
                .context("a spilled report without facts")
        })
        .collect::<Result<_>>()?;
    let mtimes = b
        .column_by_name(MTIME)
        .and_then(|c| c.as_any().downcast_ref::<UInt64Array>())
        .context("the spilled reports have no modification times")?;
    let corrected = b
        .column_by_name(CORRECTED)
        .and_then(|c| c.as_any().downcast_ref::<BooleanArray>())
        .context("the spilled reports have no corrected flags")?;
    records.append(
        partition,
        &partitions::record_batch(b, &done.status, mtimes, corrected, &facts)?,
    )
}
