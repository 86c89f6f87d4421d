//! What a run keeps of each report between writing its cells and writing its `reports` row.
//!
//! A report's row can only be written at the end of the run: cross-report findings
//! (duplicates, the carry-over chain) change its status and finding count, and its sections'
//! similarity to the year before needs the panel. So that memory grows as little as possible
//! with the corpus, the [`Ledger`] parks the rows and the sections in spill files (Arrow IPC on
//! disk, see `nianbao_export::Spill`) and the sections' signatures in a file of fixed-size
//! records, and keeps in memory only the numbers per report the corpus-wide checks need
//! ([`FactTable`]: [`ReportFacts`] and the report id, ~200 bytes). [`Ledger::close`] runs
//! those checks ([`Corpus`]), then streams the rows back once: the panel and coverage, the
//! sections with their similarity, cross findings into `findings`, patched rows into
//! `reports`, one line per input into the manifest and, for partition reuse, one record per
//! report (`crate::partitions`). Nothing here depends on the order reports arrive in: a
//! nightly run that adds the touched years' reports and the reused years' facts writes what a
//! full run writes.

mod close;

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use arrow_array::{Array, BooleanArray, RecordBatch, StringArray, UInt32Array, UInt64Array};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use nianbao_export::{DatasetWriter, Spill};
use nianbao_normalize::{batch, Finding, Report, ReportStatus};
use nianbao_validate::cross::CrossFinding;
use nianbao_validate::panel::{self, Lookup, Names, ReportFacts, YearFinding};
use nianbao_validate::reuse::{self, Signature};
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

/// Agencies by `agency_key`, numbered; each printed as its first report in path order.
#[derive(Default)]
pub struct Agencies {
    by_key: HashMap<String, u32>,
    keys: Vec<String>,
    names: Vec<String>,
    /// The first document of each agency so far.
    first: Vec<u32>,
}

impl Agencies {
    /// The number of the agency `key` (printed `name` in document `doc`).
    pub fn number(&mut self, key: String, name: String, doc: u32) -> u32 {
        match self.by_key.get(&key) {
            Some(&n) => {
                let i = n as usize;
                if doc < self.first[i] {
                    self.first[i] = doc;
                    self.names[i] = name;
                }
                n
            }
            None => {
                let n = self.keys.len() as u32;
                self.keys.push(key.clone());
                self.names.push(name);
                self.first.push(doc);
                self.by_key.insert(key, n);
                n
            }
        }
    }

    /// Numbers the agencies in the order of their first documents (so that the numbering,
    /// and with it the panel's order, does not depend on the order reports were added in),
    /// then the expected agencies never seen, in list order; renumbers `facts`. Returns the
    /// keys, the names and the expected agencies' numbers.
    fn finish(
        self,
        facts: &mut [ReportFacts],
        expected: Option<&[(String, String)]>,
    ) -> (Vec<String>, Vec<String>, Option<Vec<u32>>) {
        let Agencies {
            mut by_key,
            keys,
            names,
            first,
        } = self;
        let mut order: Vec<u32> = (0..keys.len() as u32).collect();
        order.sort_by_key(|&n| first[n as usize]);
        let mut new_of = vec![0u32; keys.len()];
        for (new, &old) in order.iter().enumerate() {
            new_of[old as usize] = new as u32;
        }
        let mut new_keys: Vec<String> = Vec::with_capacity(keys.len());
        let mut new_names: Vec<String> = Vec::with_capacity(keys.len());
        let (mut keys, mut names): (Vec<Option<String>>, Vec<Option<String>>) = (
            keys.into_iter().map(Some).collect(),
            names.into_iter().map(Some).collect(),
        );
        for &old in &order {
            new_keys.push(keys[old as usize].take().unwrap_or_default());
            new_names.push(names[old as usize].take().unwrap_or_default());
        }
        for f in facts.iter_mut() {
            f.agency = f.agency.map(|a| new_of[a as usize]);
        }
        for v in by_key.values_mut() {
            *v = new_of[*v as usize];
        }
        let expected_ids = expected.map(|list| {
            list.iter()
                .map(|(key, name)| match by_key.get(key) {
                    Some(&n) => n,
                    None => {
                        let n = new_keys.len() as u32;
                        new_keys.push(key.clone());
                        new_names.push(name.clone());
                        by_key.insert(key.clone(), n);
                        n
                    }
                })
                .collect()
        });
        (new_keys, new_names, expected_ids)
    }
}

/// The parts of a report (一 to 六) that can have a signature.
const PARTS: usize = 6;
/// A signature's bytes.
const SIG_BYTES: usize = 2 * reuse::SLOTS;
/// One document's record in a [`SigFile`]: which parts have a signature (a bit each), then
/// every part's signature.
const SIG_RECORD: usize = 1 + PARTS * SIG_BYTES;

/// The MinHash signatures of every report's parts, parked on disk until the end of the run (at
/// ~400 bytes a report they were the largest thing a run held: 400 MB at 1 M reports): a
/// temporary file of one fixed-size record per document, written and read at the document's
/// offset.
struct SigFile {
    file: std::fs::File,
}

#[cfg(unix)]
fn write_at(f: &std::fs::File, buf: &[u8], at: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(f, buf, at)
}

#[cfg(unix)]
fn read_at(f: &std::fs::File, buf: &mut [u8], at: u64) -> std::io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(f, buf, at)
}

#[cfg(windows)]
fn write_at(f: &std::fs::File, mut buf: &[u8], mut at: u64) -> std::io::Result<()> {
    while !buf.is_empty() {
        let n = std::os::windows::fs::FileExt::seek_write(f, buf, at)?;
        buf = &buf[n..];
        at += n as u64;
    }
    Ok(())
}

#[cfg(windows)]
fn read_at(f: &std::fs::File, buf: &mut [u8], at: u64) -> std::io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(f, buf, at)
}

impl SigFile {
    fn new(dir: &Path) -> Result<SigFile> {
        Ok(SigFile {
            file: tempfile::tempfile_in(dir)
                .with_context(|| format!("creating a temporary file in {}", dir.display()))?,
        })
    }

    /// Writes the signatures of one document's parts (part, signature).
    fn put(&self, doc: u32, sigs: &[(u8, Signature)]) -> Result<()> {
        let mut rec = [0u8; SIG_RECORD];
        for (part, sig) in sigs {
            let k = usize::from(*part);
            if !(1..=PARTS).contains(&k) {
                continue;
            }
            rec[0] |= 1 << (k - 1);
            let at = 1 + (k - 1) * SIG_BYTES;
            for (j, v) in sig.iter().enumerate() {
                rec[at + 2 * j..at + 2 * j + 2].copy_from_slice(&v.to_le_bytes());
            }
        }
        write_at(&self.file, &rec, u64::from(doc) * SIG_RECORD as u64)
            .context("parking section signatures in a temporary file")
    }

    /// The signatures of one document's parts 1 to 6 (none where it has none).
    fn get(&self, doc: u32) -> Result<[Option<Signature>; PARTS]> {
        let mut rec = [0u8; SIG_RECORD];
        let mut got = 0;
        while got < SIG_RECORD {
            let n = read_at(
                &self.file,
                &mut rec[got..],
                u64::from(doc) * SIG_RECORD as u64 + got as u64,
            )
            .context("reading section signatures back")?;
            if n == 0 {
                break; // past the end: a document without signatures
            }
            got += n;
        }
        let mut out = [None; PARTS];
        for (k, o) in out.iter_mut().enumerate() {
            if got == SIG_RECORD && rec[0] & (1 << k) != 0 {
                let at = 1 + k * SIG_BYTES;
                let mut sig = [0u16; reuse::SLOTS];
                for (j, v) in sig.iter_mut().enumerate() {
                    *v = u16::from_le_bytes([rec[at + 2 * j], rec[at + 2 * j + 1]]);
                }
                *o = Some(sig);
            }
        }
        Ok(out)
    }
}

/// Every document's facts, by document number (set as reports arrive, in any order; ~200
/// bytes each, the only per-document memory of a run besides the paths).
pub struct FactTable {
    facts: Vec<ReportFacts>,
    /// Report ids (64 bits of the SHA-256); `None` for a document without content.
    ids: Vec<Option<u64>>,
}

impl FactTable {
    /// A table for `n` documents.
    pub fn new(n: usize) -> FactTable {
        FactTable {
            facts: (0..n as u32)
                .map(|doc| ReportFacts {
                    doc,
                    ..ReportFacts::default()
                })
                .collect(),
            ids: vec![None; n],
        }
    }

    /// Sets a document's facts (`f.doc` says which).
    pub fn set(&mut self, f: ReportFacts, id: Option<u64>) {
        let doc = f.doc as usize;
        if doc < self.facts.len() {
            self.facts[doc] = f;
            self.ids[doc] = id;
        }
    }
}

/// The corpus-wide checks over every report's facts: cross-report findings and the panel.
pub struct Corpus {
    /// Facts by document number (every document), `content` and `agency` set.
    facts: Vec<ReportFacts>,
    /// Report ids by document number.
    ids: Vec<Option<u64>>,
    keys: Vec<String>,
    names: Vec<String>,
    /// Cross-report findings of both kinds, by document.
    cross: Vec<AnyCross>,
    built: panel::Panel,
    /// The chosen report of each (agency, year).
    chosen: HashMap<(u32, i32), u32>,
}

impl Corpus {
    /// Runs the checks on the facts of every document (`agency` numbered by `agencies`).
    pub fn check(
        table: FactTable,
        agencies: Agencies,
        expected: Option<&[(String, String)]>,
        documents: &Inputs,
    ) -> Result<Corpus> {
        let FactTable { mut facts, ids } = table;
        let (keys, names, expected_ids) = agencies.finish(&mut facts, expected);
        // Same report id, same content (the id is the dataset's identity of a document's
        // bytes); the first document in path order stands for it.
        let mut first: HashMap<u64, u32> = HashMap::new();
        for (f, id) in facts.iter_mut().zip(&ids) {
            f.content = id.map(|id| *first.entry(id).or_insert(f.doc));
        }
        drop(first);
        let mut c = Corpus {
            facts,
            ids,
            keys,
            names,
            cross: Vec::new(),
            built: panel::Panel::default(),
            chosen: HashMap::new(),
        };
        let dups: Vec<CrossFinding> =
            nianbao_validate::cross_report(&c.facts, &c.tables(documents))?;
        c.built = panel::build_panel(&c.facts, expected_ids.as_deref());
        c.chosen = c
            .built
            .rows
            .iter()
            .map(|r| ((r.agency, r.year), r.doc))
            .collect();
        let mut findings = std::mem::take(&mut c.built.findings);
        c.cross = dups.into_iter().map(AnyCross::Dup).collect();
        c.cross.extend(findings.drain(..).map(AnyCross::Year));
        c.cross.sort_by_key(AnyCross::doc);
        Ok(c)
    }

    /// The facts, agency numbers included, and the agencies, to seed the run's [`Ledger`]
    /// with (the numbering is already in the order [`Agencies`] gives at the end, so a
    /// second check renumbers nothing).
    pub fn into_seed(self) -> (FactTable, Agencies) {
        let mut first = vec![u32::MAX; self.keys.len()];
        for f in &self.facts {
            if let Some(a) = f.agency {
                let x = &mut first[a as usize];
                *x = (*x).min(f.doc);
            }
        }
        let by_key = self
            .keys
            .iter()
            .enumerate()
            .map(|(n, k)| (k.clone(), n as u32))
            .collect();
        (
            FactTable {
                facts: self.facts,
                ids: self.ids,
            },
            Agencies {
                by_key,
                keys: self.keys,
                names: self.names,
                first,
            },
        )
    }

    fn tables<'a>(&'a self, documents: &'a Inputs) -> Tables<'a> {
        Tables {
            documents,
            agencies: &self.names,
            keys: &self.keys,
            facts: &self.facts,
            ids: &self.ids,
        }
    }

    /// The report of the year before that `doc`'s sections are compared with.
    fn prev_of(&self, doc: u32) -> Option<u32> {
        let f = self.facts.get(doc as usize)?;
        self.chosen.get(&(f.agency?, f.report_year? - 1)).copied()
    }

    /// Per year partition, a digest of everything in its files that depends on other
    /// documents: each document's path, its cross-report findings and the report its
    /// sections are compared with. With the same documents unchanged, the same digest means
    /// the same files.
    pub fn digests(&self, documents: &Inputs) -> BTreeMap<Option<i32>, String> {
        let names = self.tables(documents);
        let mut by_year: BTreeMap<Option<i32>, Sha256> = BTreeMap::new();
        let mut at = 0;
        for f in &self.facts {
            let h = by_year.entry(f.report_year).or_default();
            h.update(names.document(f.doc).as_bytes());
            h.update([0]);
            if let Some(p) = self.prev_of(f.doc) {
                h.update(names.report_id(p).as_bytes());
            }
            h.update([0]);
            while at < self.cross.len() && self.cross[at].doc() < f.doc {
                at += 1;
            }
            while at < self.cross.len() && self.cross[at].doc() == f.doc {
                hash_finding(h, &self.cross[at].finding(&names));
                at += 1;
            }
            h.update([2]);
        }
        by_year
            .into_iter()
            .map(|(y, h)| (y, crate::digest::hex(&h.finalize())))
            .collect()
    }
}

/// Reports seen so far: rows parked on disk, facts in memory (see the module doc).
pub struct Ledger {
    spill: Spill,
    /// The `sections` rows with `__doc`, until their similarity to the year before is known.
    sections: Spill,
    /// MinHash signatures of the parts of reports with an agency and a year.
    signatures: SigFile,
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
pub struct Prepared {
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
pub struct Closing {
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
    /// Facts by document number.
    facts: &'a [ReportFacts],
    /// Report ids by document number.
    ids: &'a [Option<u64>],
}

impl Lookup for Tables<'_> {
    fn agency_key(&self, agency: u32) -> &str {
        self.keys.get(agency as usize).map_or("", String::as_str)
    }
    fn report_id(&self, doc: u32) -> String {
        self.ids
            .get(doc as usize)
            .copied()
            .flatten()
            .map_or_else(String::new, |id| format!("{id:016x}"))
    }
    fn facts(&self, doc: u32) -> Option<&ReportFacts> {
        self.facts.get(doc as usize)
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
    /// A ledger for `n` documents whose spill files live in `dir`.
    pub fn new(dir: &Path, n: usize) -> Result<Ledger> {
        Self::seeded(dir, FactTable::new(n), Agencies::default())
    }

    /// A ledger that starts with every document's facts and the agencies (from
    /// [`Corpus::into_seed`]): reports added replace their document's facts.
    pub fn seeded(dir: &Path, facts: FactTable, agencies: Agencies) -> Result<Ledger> {
        let schema = Self::spill_schema();
        let spill = Spill::new(dir, &schema)
            .with_context(|| format!("creating a spill file in {}", dir.display()))?;
        let sections = Spill::new(dir, &Self::sections_schema())
            .with_context(|| format!("creating a spill file in {}", dir.display()))?;
        Ok(Ledger {
            spill,
            sections,
            signatures: SigFile::new(dir)?,
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
    pub fn prepare(
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
                    if let Some(sig) = reuse::signature(&p.text) {
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
            let worst = r.findings.iter().map(|f| f.severity).max();
            let status = ReportStatus::of(r.unreadable.is_some(), worst);
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
    pub fn add(&mut self, p: Prepared) -> Result<()> {
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
    pub fn mark_reused(&mut self, doc: u32) {
        self.reused.push(doc);
    }
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

/// What the corpus-wide checks need of a validated report as document `doc`: its facts
/// (`agency` unset), its agency's key and printed name, and its report id as a number.
pub fn facts_of(r: &Report, doc: u32) -> (ReportFacts, Option<(String, String)>, Option<u64>) {
    let worst = r.findings.iter().map(|f| f.severity).max();
    let rank = match ReportStatus::of(r.unreadable.is_some(), worst) {
        ReportStatus::Ok => 0,
        ReportStatus::Warning => 1,
        ReportStatus::Error => 2,
        ReportStatus::Unreadable => 3,
    };
    let id = (!r.source.sha256.is_empty())
        .then(|| parse_id(&r.source.report_id))
        .flatten();
    (
        ReportFacts::of(r, doc, rank),
        r.agency_key().zip(r.agency.clone()),
        id,
    )
}

/// Counts a report (path, final status, reason) in the run's summary.
pub fn tally(
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
    if st != ReportStatus::Unreadable {
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
pub fn manifest_line(
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

/// The headline figures `summary.html` charts over time (of [`panel::HEADLINES`]): requests
/// received, granted, answered, and administrative reviews.
const SUMMARY_HEADLINES: [&str; 4] = [
    "s3.received_new.total",
    "s3.granted.total",
    "s3.results_total.total",
    "s4.administrative_review.total",
];

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
        if !SUMMARY_HEADLINES.contains(key) {
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
    fn the_summary_charts_headline_figures_of_the_panel() {
        for key in SUMMARY_HEADLINES {
            assert!(panel::HEADLINES.contains(&key), "{key}");
        }
    }

    #[test]
    fn report_ids_parse_from_hex_or_not_at_all() {
        assert_eq!(parse_id("00000000000000ff"), Some(255));
        assert_eq!(parse_id(""), None);
        assert_eq!(parse_id(&"z".repeat(16)), None);
    }

    /// Agencies are numbered by their first document, whatever order reports were added in
    /// (a nightly run adds the touched years first), and printed as that document prints them.
    #[test]
    fn agencies_are_numbered_by_their_first_document() {
        let mut book = Agencies::default();
        let mut facts = Vec::new();
        for (doc, key, name) in [(5, "k2", "B five"), (1, "k1", "A one"), (0, "k2", "B zero")] {
            facts.push(ReportFacts {
                doc,
                agency: Some(book.number(key.into(), name.into(), doc)),
                ..ReportFacts::default()
            });
        }
        let expected = [
            ("k3".to_owned(), "C".to_owned()),
            ("k1".to_owned(), "A".to_owned()),
        ];
        let (keys, names, ids) = book.finish(&mut facts, Some(&expected));
        assert_eq!(keys, ["k2", "k1", "k3"]);
        assert_eq!(names, ["B zero", "A one", "C"]);
        assert_eq!(ids, Some(vec![2, 1]));
        let agencies: Vec<Option<u32>> = facts.iter().map(|f| f.agency).collect();
        assert_eq!(agencies, [Some(0), Some(1), Some(0)]);
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
