//! One document: read (or taken from the state's cache), corrected, validated; the
//! single-document API ([`read_document`], [`report_from_bytes`], [`read_batches`],
//! [`validate_chunk`]) and the cache look-ups of a run ([`get_report`]).

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Result;
use arrow_array::RecordBatch;
use nianbao_extract::ReadOptions;
use nianbao_normalize::bundle::{self, Role};
use nianbao_normalize::{batch, normalize, Finding, Report, Source};
use sha2::{Digest, Sha256};

use crate::bundles::{Bundles, Part};
use crate::corrections;
use crate::digest::hex;
use crate::inputs::{mtime_ns, trusted_mtime_ns};
use crate::tables::Table;

/// The parser key of this binary: incremental state written by another key is not reused.
/// It changes with the version and with the source of every crate that reads documents
/// (computed by `build.rs`), so a new parser re-reads everything by itself.
pub(crate) const PARSER_KEY: &str =
    concat!(env!("CARGO_PKG_VERSION"), "-", env!("NIANBAO_PARSER_HASH"));

/// The state key of a run: the parser key and what PDF readings depend on outside this binary
/// (the `pdftotext` found, its version and arguments: issue 19, case 10), and the OCR engine
/// and its settings when OCR is on.
pub(crate) fn state_key(opts: &ReadOptions) -> String {
    let mut id = nianbao_extract::reader_identity(&opts.pdf);
    if opts.ocr.enabled {
        let o = &opts.ocr;
        id.push_str(&format!(
            "|ocr {:?} {} dpi {} min {}",
            nianbao_extract::engine_identity(o),
            o.python,
            o.dpi,
            o.min_confidence
        ));
    }
    let digest = Sha256::digest(id.as_bytes());
    let short = hex(&digest[..6]);
    format!("{PARSER_KEY}-pdf{short}")
}

/// A report and how it was obtained.
pub(crate) struct Got {
    pub(crate) report: Report,
    /// Parsed now (not reused from the state).
    pub(crate) parsed: bool,
    /// What to remember of the file for the next run.
    pub(crate) seen: Option<nianbao_state::Seen>,
    /// Unreadable for a reason that may not last (the machine's, or the file could not be
    /// opened), or a page read without a picture or attachment for such a reason (OCR not
    /// installed yet): read again next run, never cached, and no run is skipped while there
    /// is one.
    pub(crate) retry: bool,
    /// The user's corrections changed it: read anew every run, never cached.
    pub(crate) corrected: bool,
    /// Validated already (read while planning the reuse of year partitions).
    pub(crate) validated: bool,
}

impl Got {
    /// A report as read (`parsed`) or taken from the state; not yet corrected or validated.
    fn new(report: Report, parsed: bool, seen: Option<nianbao_state::Seen>, retry: bool) -> Got {
        Got {
            report,
            parsed,
            seen,
            retry,
            corrected: false,
            validated: false,
        }
    }
}

/// How a run reads its inputs: the documents, the reading options and the user's corrections.
pub(crate) struct Reading<'a> {
    pub(crate) inputs: &'a crate::inputs::Inputs,
    pub(crate) opts: &'a ReadOptions,
    pub(crate) corr: &'a corrections::Corrections,
    /// Pages and their members.
    pub(crate) bundles: &'a Bundles,
}

impl Reading<'_> {
    /// Input `i`'s report ([`get_report`]; a page with members read with them, a member
    /// listed as its page's).
    pub(crate) fn get(
        &self,
        i: usize,
        store: Option<&nianbao_state::Store>,
        seen: Option<&nianbao_state::Seen>,
    ) -> Got {
        let (path, rel) = (self.inputs.path(i), self.inputs.rel(i));
        match self.bundles.part(i) {
            Part::Alone => get_report(&path, rel, self.opts, store, seen, self.corr),
            Part::Member { page, role } => {
                member_report(&path, rel, seen, &role.reason(self.inputs.rel(page)))
                    .unwrap_or_else(|| get_report(&path, rel, self.opts, store, seen, self.corr))
            }
            Part::Page(members) => self
                .page_report(i, members, store)
                .unwrap_or_else(|| get_report(&path, rel, self.opts, store, seen, self.corr)),
        }
    }

    /// A page read with its members (see [`crate::bundles`]): one report, cached under the
    /// digest of the page and every member, so a changed picture reads the page again.
    /// `None` when the page cannot be read (it is then read alone, and says why).
    fn page_report(
        &self,
        i: usize,
        members: &[(usize, Role)],
        store: Option<&nianbao_state::Store>,
    ) -> Option<Got> {
        let (path, rel) = (self.inputs.path(i), self.inputs.rel(i));
        let meta = std::fs::metadata(&path).ok()?;
        let bytes = std::fs::read(&path).ok()?;
        let own = source_of(&bytes, rel);
        let files: Vec<(usize, Role, Option<Vec<u8>>)> = members
            .iter()
            .map(|&(m, role)| (m, role, std::fs::read(self.inputs.path(m)).ok()))
            .collect();
        let named: Vec<(&str, Role, Option<&[u8]>)> = files
            .iter()
            .map(|(m, role, b)| (self.inputs.rel(*m), *role, b.as_deref()))
            .collect();
        let src = page_source(rel, &own, &named);
        let seen = Some(nianbao_state::Seen {
            size: src.bytes,
            mtime_ns: trusted_mtime_ns(&meta),
            sha256: src.sha256.clone(),
        });
        let store = store.filter(|_| !self.corr.touches(&src.sha256));
        if let Some(Ok(Some(r))) = store.map(|s| s.get(&src)) {
            let mut got = Got::new(r, false, seen, false);
            got.corrected = self.corr.apply(&mut got.report);
            return Some(got);
        }
        let (report, retry) = read_page(&bytes, src, &named, self.opts)?;
        let mut got = Got::new(report, true, seen, retry);
        got.corrected = self.corr.apply(&mut got.report);
        Some(got)
    }
}

/// The identity of a page read with its members: the page's path and size, and a digest of
/// the page's content and each member's path, role and content (`None`: it could not be
/// opened), so a changed picture or attachment is a new report.
fn page_source(rel: &str, own: &Source, members: &[(&str, Role, Option<&[u8]>)]) -> Source {
    let mut h = Sha256::new();
    h.update(b"nianbao page and members\0");
    h.update(own.sha256.as_bytes());
    for (name, role, b) in members {
        h.update([0]);
        h.update(name.as_bytes());
        h.update(format!("{role:?}").as_bytes());
        match b {
            Some(b) => h.update(Sha256::digest(b)),
            None => h.update(b"unreadable"),
        }
    }
    source(rel, hex(&h.finalize()), own.bytes)
}

/// Reads a page with its members (see [`crate::bundles`]) into one report, and says whether a
/// member it reads failed for a reason that may not last (read again next time). `None` when
/// the page itself cannot be read (it is then read alone, and says why).
fn read_page(
    page: &[u8],
    src: Source,
    members: &[(&str, Role, Option<&[u8]>)],
    opts: &ReadOptions,
) -> Option<(Report, bool)> {
    let page = nianbao_extract::read_with(page, opts).ok()?;
    let mut retry = false;
    let docs: Vec<Result<nianbao_extract::Document, String>> = members
        .iter()
        .map(|(_, role, b)| match (role.read(), b) {
            (false, _) => Err(String::new()),
            (true, None) => {
                retry = true;
                Err("the file could not be opened".to_owned())
            }
            (true, Some(b)) => nianbao_extract::read_with(b, opts).map_err(|e| {
                retry |= !e.is_permanent();
                e.to_string()
            }),
        })
        .collect();
    let members: Vec<bundle::Member<'_>> = members
        .iter()
        .zip(&docs)
        .map(|((name, role, _), d)| bundle::Member {
            role: *role,
            name,
            doc: d.as_ref().map_err(Clone::clone),
        })
        .collect();
    let report =
        std::panic::catch_unwind(|| bundle::normalize_bundle(&page, src, &members)).ok()?;
    Some((report, retry))
}

/// A member's row: status `not_a_report`, the reason naming its page.
fn member_row(src: Source, format: nianbao_normalize::model::Format, reason: &str) -> Report {
    let mut r = Report::empty(src, format);
    r.findings.push(nianbao_normalize::Finding::new(
        nianbao_vocab::rules::name::NOT_A_REPORT,
        reason,
    ));
    r
}

/// A member's own row: its content's identity and format, status `not_a_report` with why
/// (it is read as part of its page's report). `None` when the file cannot be read (it is
/// then listed as unreadable, with the reason).
fn member_report(
    path: &Path,
    rel: &str,
    seen: Option<&nianbao_state::Seen>,
    reason: &str,
) -> Option<Got> {
    let meta = std::fs::metadata(path).ok()?;
    let (src, format) = match seen.filter(|s| s.size == meta.len() && s.mtime_ns == mtime_ns(&meta))
    {
        // unchanged since the last run: not even hashed again
        Some(s) => {
            let mut head = [0u8; 4096];
            let n = std::fs::File::open(path)
                .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
                .ok()?;
            (
                source(rel, s.sha256.clone(), s.size),
                nianbao_extract::sniff(&head[..n]),
            )
        }
        None => {
            let bytes = std::fs::read(path).ok()?;
            (source_of(&bytes, rel), nianbao_extract::sniff(&bytes))
        }
    };
    let seen = nianbao_state::Seen {
        size: src.bytes,
        mtime_ns: trusted_mtime_ns(&meta),
        sha256: src.sha256.clone(),
    };
    // (not "parsed": nothing of it is read, there is nothing to validate or cache)
    Some(Got::new(
        member_row(src, format, reason),
        false,
        Some(seen),
        false,
    ))
}

/// A document's report: from the state when its content was read before (a file whose size and
/// modification time are unchanged is not even re-hashed), otherwise read now.
pub(crate) fn get_report(
    path: &Path,
    rel: &str,
    opts: &ReadOptions,
    store: Option<&nianbao_state::Store>,
    seen: Option<&nianbao_state::Seen>,
    corr: &corrections::Corrections,
) -> Got {
    let mut got = get_uncorrected(path, rel, opts, store, seen, corr);
    got.corrected = corr.apply(&mut got.report);
    got
}

/// [`get_report`] before the corrections: a document with corrections is never taken from
/// the state (what is cached is always what the document says).
pub(crate) fn get_uncorrected(
    path: &Path,
    rel: &str,
    opts: &ReadOptions,
    store: Option<&nianbao_state::Store>,
    seen: Option<&nianbao_state::Seen>,
    corr: &corrections::Corrections,
) -> Got {
    let meta = std::fs::metadata(path).ok();
    let store = store.filter(|_| !seen.is_some_and(|s| corr.touches(&s.sha256)));
    if let (Some(store), Some(seen), Some(m)) = (store, seen, &meta) {
        if seen.size == m.len() && seen.mtime_ns == mtime_ns(m) {
            if let Ok(Some(r)) = store.get(&source(rel, seen.sha256.clone(), seen.size)) {
                return Got::new(r, false, Some(seen.clone()), false);
            }
        }
    }
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(_) => return Got::new(read_document(path, rel, opts), true, None, true),
    };
    let src = source_of(&bytes, rel);
    let seen = meta.map(|m| nianbao_state::Seen {
        size: src.bytes,
        mtime_ns: trusted_mtime_ns(&m),
        sha256: src.sha256.clone(),
    });
    let store = store.filter(|_| !corr.touches(&src.sha256));
    if let Some(Ok(Some(r))) = store.map(|s| s.get(&src)) {
        return Got::new(r, false, seen, false);
    }
    let (report, retry) = read_bytes(&bytes, src, opts);
    Got::new(report, true, seen, retry)
}

/// Reads one document into a report; never panics, never fails: problems become an
/// unreadable report with the reason.
pub fn read_document(path: &Path, rel: &str, opts: &ReadOptions) -> Report {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            let src = Source {
                report_id: String::new(),
                document: rel.to_owned(),
                sha256: String::new(),
                bytes: 0,
            };
            let link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
            let why = if link && !path.exists() {
                format!("a symbolic link whose target does not exist ({e})")
            } else if link && path.is_dir() {
                "a symbolic link to a folder that contains it (a loop); not followed".to_owned()
            } else if path.is_dir() {
                "a folder that cannot be listed".to_owned()
            } else {
                format!("cannot read the file: {e}")
            };
            return Report::unreadable(src, nianbao_normalize::model::Format::Unknown, why);
        }
    };
    report_from_bytes(&bytes, rel, opts)
}

/// One document read and validated, as record batches of the dataset's tables.
#[derive(Debug, Clone)]
pub struct Batches {
    /// Its `reports` row.
    pub reports: RecordBatch,
    /// Its `cells` rows.
    pub cells: RecordBatch,
    /// Its `cells_wide` row.
    pub cells_wide: RecordBatch,
    /// Its `sections` rows (`prev_report_id` and `similarity_prev_year` are null: they need
    /// the agency's other years).
    pub sections: RecordBatch,
    /// Its findings (cross-report ones need the corpus and are not among them).
    pub findings: RecordBatch,
    /// Its `indicators` row.
    pub indicators: RecordBatch,
}

impl Batches {
    /// Each table's batch, with the table ([`Table::per_report_tables`], in order).
    pub fn tables(self) -> [(Table, RecordBatch); 6] {
        [
            (Table::Reports, self.reports),
            (Table::Cells, self.cells),
            (Table::CellsWide, self.cells_wide),
            (Table::Sections, self.sections),
            (Table::Findings, self.findings),
            (Table::Indicators, self.indicators),
        ]
    }
}

/// Reads and validates one document given as bytes: a pure function bytes → Arrow, what a
/// Python binding or a Spark/Ray task calls for each file (issue 15). `name` is the
/// document's path as the `document` column should show it.
pub fn read_batches(bytes: &[u8], name: &str, opts: &ReadOptions) -> Result<Batches> {
    let mut r = report_from_bytes(bytes, name, opts);
    if r.unreadable.is_none() {
        validate_chunk(std::slice::from_mut(&mut r))?;
    }
    batches_of(std::slice::from_ref(&r))
}

/// Reads and validates a web page with its members (pictures, an attachment) as
/// [`crate::find_pages`] plans them: one report, as `nianbao build` reads it, and one row per
/// member with status `not_a_report` naming the page (no cells). `members` are (name, role,
/// bytes) in the page's order. A pure function of the bytes, like [`read_batches`]: what a
/// Spark or Ray task calls for a page and its members, grouped.
pub fn read_page_batches(
    page: &[u8],
    name: &str,
    members: &[(&str, Role, &[u8])],
    opts: &ReadOptions,
) -> Result<Batches> {
    batches_of(&read_page_reports(page, name, members, opts)?)
}

/// [`read_page_batches`] as reports: the page's (validated), then one per member.
pub fn read_page_reports(
    page: &[u8],
    name: &str,
    members: &[(&str, Role, &[u8])],
    opts: &ReadOptions,
) -> Result<Vec<Report>> {
    let named: Vec<(&str, Role, Option<&[u8]>)> =
        members.iter().map(|&(n, r, b)| (n, r, Some(b))).collect();
    let own = source_of(page, name);
    let src = page_source(name, &own, &named);
    let mut r = match std::panic::catch_unwind(|| read_page(page, src, &named, opts)) {
        Ok(Some((r, _))) => r,
        _ => read_bytes(page, own, opts).0,
    };
    if r.unreadable.is_none() {
        validate_chunk(std::slice::from_mut(&mut r))?;
    }
    let mut all = vec![r];
    for &(m, role, b) in members {
        let format = nianbao_extract::sniff(b);
        all.push(member_row(source_of(b, m), format, &role.reason(name)));
    }
    Ok(all)
}

/// The per-report tables of some reports (validated already).
fn batches_of(rs: &[Report]) -> Result<Batches> {
    Ok(Batches {
        reports: batch::reports_batch(rs)?,
        cells: batch::cells_batch(rs)?,
        cells_wide: batch::cells_wide_batch(rs)?,
        sections: batch::sections_batch(rs)?,
        findings: batch::findings_batch(
            rs.iter()
                .flat_map(|r| r.findings.iter().map(move |f| (r, f))),
        )?,
        indicators: nianbao_normalize::indicators::indicators_batch(rs)?,
    })
}

/// Reads bytes into a report (see [`read_document`]).
pub fn report_from_bytes(bytes: &[u8], rel: &str, opts: &ReadOptions) -> Report {
    read_bytes(bytes, source_of(bytes, rel), opts).0
}

/// The identity of a document: its path and the SHA-256 of its content (the report id is the
/// hash's first 16 hex digits).
pub(crate) fn source(rel: &str, sha256: String, bytes: u64) -> Source {
    Source {
        report_id: sha256[..16].to_owned(),
        document: rel.to_owned(),
        sha256,
        bytes,
    }
}

/// The identity of a document read now (hashes its bytes).
pub(crate) fn source_of(bytes: &[u8], rel: &str) -> Source {
    source(rel, hex(&Sha256::digest(bytes)), bytes.len() as u64)
}

/// Reads bytes into a report, and says whether an unreadable one could read differently next
/// time (the reason was the machine's: a missing tool, a time limit; see
/// `ExtractError::is_permanent`).
pub(crate) fn read_bytes(bytes: &[u8], source: Source, opts: &ReadOptions) -> (Report, bool) {
    let format = nianbao_extract::sniff(bytes);
    let result = std::panic::catch_unwind(|| match nianbao_extract::read_with(bytes, opts) {
        Ok(doc) => (normalize(&doc, source.clone()), false),
        Err(e) => (
            Report::unreadable(source.clone(), format, e.to_string()),
            !e.is_permanent(),
        ),
    });
    result.unwrap_or_else(|_| {
        let reason = "internal error while reading this document (please report it with the file)";
        (Report::unreadable(source, format, reason.into()), false)
    })
}

/// Adds validation findings to reports (see `validate_into`).
pub fn validate_chunk(reports: &mut [Report]) -> Result<()> {
    let cells = batch::cells_batch(reports)?;
    let sections = batch::sections_batch(reports)?;
    validate_into(reports, &cells, &sections, |_| true)
}

/// Adds validation findings to the reports `wanted(k)` of `reports`, whose `cells` and
/// `sections` rows are given.
pub(crate) fn validate_into(
    reports: &mut [Report],
    cells: &RecordBatch,
    sections: &RecordBatch,
    wanted: impl Fn(usize) -> bool,
) -> Result<()> {
    let rb = batch::reports_batch(reports)?;
    let found = nianbao_validate::check(&rb, cells, sections)?;
    let mut by_id: BTreeMap<String, Vec<Finding>> = BTreeMap::new();
    for (id, f) in found {
        by_id.entry(id).or_default().push(f);
    }
    for (k, r) in reports.iter_mut().enumerate() {
        if !wanted(k) {
            continue;
        }
        if let Some(fs) = by_id.get(&r.source.report_id) {
            for f in fs {
                // identical documents share an id and produce the same findings once each
                if !r.findings.contains(f) {
                    r.findings.push(f.clone());
                }
            }
        }
    }
    Ok(())
}
