//! The build pipeline: sources (a folder walk) → extract → normalize → validate → export
//! (sinks), chunk by chunk so memory stays flat, each chunk parsed on all cores; the
//! incremental state, the nothing-changed skip, the reuse of unchanged year partitions
//! (nightly runs of large corpora, see the `partitions` module), the user's corrections, the
//! panel and the summary page. **In**: a [`Config`]. **Out**: a published dataset and its [`Outcome`].
//! **Never**: prints the summary or decides the exit code (the CLI does), or holds the corpus
//! in memory.
//!
//! ```no_run
//! let cfg = nianbao_pipeline::Config::load(std::path::Path::new("pipelines/default.toml"))?;
//! let outcome = nianbao_pipeline::build(&cfg, true)?;
//! println!("{} documents", outcome.summary["documents"]);
//! # Ok::<(), anyhow::Error>(())
//! ```
//!
//! One document without a run: [`read_document`] (a path) or [`report_from_bytes`], then
//! [`validate_chunk`] and the batches of `nianbao_normalize::batch`.

pub mod config;
mod corrections;
mod inputs;
mod ledger;
mod partitions;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use ledger::Ledger;
use nianbao_extract::ReadOptions;
use nianbao_normalize::{batch, normalize, Finding, Report, Source};
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use arrow_array::RecordBatch;
pub use config::Config;

/// The parser key of this binary: incremental state written by another key is not reused.
/// It changes with the version and with the source of every crate that reads documents
/// (computed by `build.rs`), so a new parser re-reads everything by itself.
const PARSER_KEY: &str = concat!(env!("CARGO_PKG_VERSION"), "-", env!("NIANBAO_PARSER_HASH"));

/// The state key of a run: the parser key and what PDF readings depend on outside this binary
/// (the `pdftotext` found, its version and arguments: issue 19, case 10), and the OCR engine
/// and its settings when OCR is on.
fn state_key(opts: &ReadOptions) -> String {
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
    let short: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    format!("{PARSER_KEY}-pdf{short}")
}

/// Splits a chunk into the pieces its tables are encoded and written in: by report year when
/// `partitioned` (stable: input order within a year, years in order), else in input order;
/// then into runs of at most [`PIECE_REPORTS`]. Each report keeps its position in the chunk.
/// The split depends only on the chunk, never on which reports came from the state, so an
/// incremental run writes the same batches as a full one.
fn pieces(reports: Vec<Report>, partitioned: bool) -> Vec<Vec<(usize, Report)>> {
    let mut tagged: Vec<(usize, Report)> = reports.into_iter().enumerate().collect();
    if partitioned {
        tagged.sort_by_key(|(_, r)| r.report_year);
    }
    let mut out: Vec<Vec<(usize, Report)>> = Vec::new();
    for (i, r) in tagged {
        let fits = out.last().is_some_and(|p| {
            p.len() < PIECE_REPORTS && (!partitioned || p[0].1.report_year == r.report_year)
        });
        if !fits {
            out.push(Vec::with_capacity(PIECE_REPORTS));
        }
        out.last_mut().expect("pushed above").push((i, r));
    }
    out
}

/// One piece of a chunk, encoded for every table (off the writer thread).
struct Piece {
    /// Its rows of `cells`, `cells_wide` and `findings`, ready for the files.
    tables: Vec<nianbao_export::Encoded>,
    ledger: ledger::Prepared,
}

/// What changed since the previous run.
#[derive(Debug, Default)]
struct Changes {
    added: usize,
    changed: usize,
    removed: usize,
    failed: usize,
    /// Unreadable for a reason that may not last (see `Got::retry`).
    retry: usize,
    parsed: usize,
    from_state: usize,
    /// Documents the user's corrections changed.
    corrected: usize,
}

/// A report and how it was obtained.
struct Got {
    report: Report,
    /// Parsed now (not reused from the state).
    parsed: bool,
    /// What to remember of the file for the next run.
    seen: Option<nianbao_state::Seen>,
    /// Unreadable for a reason that may not last (the machine's, or the file could not be
    /// opened): read again next run, and no run is skipped while there is one.
    retry: bool,
    /// The user's corrections changed it: read anew every run, never cached.
    corrected: bool,
    /// Validated already (read while planning the reuse of year partitions).
    validated: bool,
}

fn mtime_ns(m: &std::fs::Metadata) -> u128 {
    m.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos())
}

/// How recent a modification time must be for a file to be re-hashed next run anyway: a file
/// written again within the same clock tick can keep its size and time while its bytes change
/// ("racy git"). 2 s covers coarse file-system clocks.
const RACY_NS: u128 = 2_000_000_000;

/// The modification time to remember for a file just read: its real one, or 0 (never equal to
/// a real time, so the next run re-hashes it) when it was modified less than [`RACY_NS`] ago.
fn trusted_mtime_ns(m: &std::fs::Metadata) -> u128 {
    let t = mtime_ns(m);
    let now = std::time::SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    if now.saturating_sub(t) < RACY_NS {
        0
    } else {
        t
    }
}

/// A document's report: from the state when its content was read before (a file whose size and
/// modification time are unchanged is not even re-hashed), otherwise read now.
fn get_report(
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
fn get_uncorrected(
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
                return Got {
                    report: r,
                    parsed: false,
                    seen: Some(seen.clone()),
                    retry: false,
                    corrected: false,
                    validated: false,
                };
            }
        }
    }
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(_) => {
            return Got {
                report: read_document(path, rel, opts),
                parsed: true,
                seen: None,
                retry: true,
                corrected: false,
                validated: false,
            }
        }
    };
    let src = source_of(&bytes, rel);
    let seen = meta.map(|m| nianbao_state::Seen {
        size: src.bytes,
        mtime_ns: trusted_mtime_ns(&m),
        sha256: src.sha256.clone(),
    });
    let store = store.filter(|_| !corr.touches(&src.sha256));
    if let Some(Ok(Some(r))) = store.map(|s| s.get(&src)) {
        return Got {
            report: r,
            parsed: false,
            seen,
            retry: false,
            corrected: false,
            validated: false,
        };
    }
    let (report, retry) = read_bytes(&bytes, src, opts);
    Got {
        report,
        parsed: true,
        seen,
        retry,
        corrected: false,
        validated: false,
    }
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
            return Report::unreadable(src, "unknown", why);
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
}

/// Reads and validates one document given as bytes: a pure function bytes → Arrow, what a
/// Python binding or a Spark/Ray task calls for each file (issue 15). `name` is the
/// document's path as the `document` column should show it.
pub fn read_batches(bytes: &[u8], name: &str, opts: &ReadOptions) -> Result<Batches> {
    let mut r = report_from_bytes(bytes, name, opts);
    if r.unreadable.is_none() {
        validate_chunk(std::slice::from_mut(&mut r))?;
    }
    let rs = std::slice::from_ref(&r);
    Ok(Batches {
        reports: batch::reports_batch(rs)?,
        cells: batch::cells_batch(rs)?,
        cells_wide: batch::cells_wide_batch(rs)?,
        sections: batch::sections_batch(rs)?,
        findings: batch::findings_batch(r.findings.iter().map(|f| (&r, f)))?,
    })
}

/// Reads bytes into a report (see [`read_document`]).
pub fn report_from_bytes(bytes: &[u8], rel: &str, opts: &ReadOptions) -> Report {
    read_bytes(bytes, source_of(bytes, rel), opts).0
}

/// The identity of a document: its path and the SHA-256 of its content (the report id is the
/// hash's first 16 hex digits).
fn source(rel: &str, sha256: String, bytes: u64) -> Source {
    Source {
        report_id: sha256[..16].to_owned(),
        document: rel.to_owned(),
        sha256,
        bytes,
    }
}

/// The identity of a document read now (hashes its bytes).
fn source_of(bytes: &[u8], rel: &str) -> Source {
    source(rel, hex(&Sha256::digest(bytes)), bytes.len() as u64)
}

/// Reads bytes into a report, and says whether an unreadable one could read differently next
/// time (the reason was the machine's: a missing tool, a time limit; see
/// `ExtractError::is_permanent`).
fn read_bytes(bytes: &[u8], source: Source, opts: &ReadOptions) -> (Report, bool) {
    let format = nianbao_extract::sniff(bytes).as_str();
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

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Adds validation findings to reports (see [`validate_into`]).
pub fn validate_chunk(reports: &mut [Report]) -> Result<()> {
    let cells = batch::cells_batch(reports)?;
    let sections = batch::sections_batch(reports)?;
    validate_into(reports, &cells, &sections, |_| true)
}

/// Adds validation findings to the reports `wanted(k)` of `reports`, whose `cells` and
/// `sections` rows are given.
fn validate_into(
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

/// What the chunk knows of each of its reports (by position): read now (`fresh`: not yet
/// validated), to be cached in the state (`cache`: not the corrected ones), changed by the
/// user's corrections, the document's number in the corpus, and its file's modification time.
struct ChunkInfo {
    fresh: Vec<bool>,
    cache: Vec<bool>,
    corrected: Vec<bool>,
    docs: Vec<u32>,
    mtimes: Vec<u64>,
}

/// Validates the reports of a piece that were read now (the others were validated when they
/// were read), caches the ones to cache in the state, and encodes the piece for every table.
fn encode_piece(
    piece: Vec<(usize, Report)>,
    info: &ChunkInfo,
    store: Option<&nianbao_state::Store>,
    encoder: &nianbao_export::Encoder,
) -> Result<Piece> {
    let (fresh, cache) = (&info.fresh, &info.cache);
    let (idx, mut reports): (Vec<usize>, Vec<Report>) = piece.into_iter().unzip();
    let cells = batch::cells_batch(&reports)?;
    let sections = batch::sections_batch(&reports)?;
    if idx.iter().any(|&i| fresh[i]) {
        validate_into(&mut reports, &cells, &sections, |k| fresh[idx[k]])?;
        if let Some(s) = store {
            for (r, _) in reports.iter().zip(&idx).filter(|(_, &i)| cache[i]) {
                s.put(r).with_context(|| {
                    format!("caching {} in the state directory", r.source.document)
                })?;
            }
        }
    }
    let docs: Vec<u32> = idx.iter().map(|&i| info.docs[i]).collect();
    let mtimes: Vec<u64> = idx.iter().map(|&i| info.mtimes[i]).collect();
    let corrected: Vec<bool> = idx.iter().map(|&i| info.corrected[i]).collect();
    // a piece has one year when partitioned; otherwise the encoder ignores it
    let year = reports.first().and_then(|r| r.report_year);
    let findings = batch::findings_batch(
        reports
            .iter()
            .flat_map(|r| r.findings.iter().map(move |f| (r, f))),
    )?;
    // `sections` is written at the end of the run (its similarity to the year before needs
    // the panel): the ledger parks it
    let tables = [
        ("cells", cells),
        ("cells_wide", batch::cells_wide_batch(&reports)?),
        ("findings", findings),
    ]
    .iter()
    .map(|(t, b)| encoder.encode(t, year, b))
    .collect::<Result<_, _>>()?;
    Ok(Piece {
        tables,
        ledger: Ledger::prepare(&reports, &docs, &mtimes, &corrected, &sections)?,
    })
}

const TABLES: [(&str, &str); 7] = [
    (
        "reports",
        "One row per input document, including those that could not be read.",
    ),
    (
        "cells",
        "Every canonical table cell of every report, in long form.",
    ),
    (
        "cells_wide",
        "One row per report, one column per canonical cell key.",
    ),
    ("sections", "The parts 一 to 六 of each report as text."),
    (
        "findings",
        "Every problem found while reading and validating.",
    ),
    (
        "panel",
        "One row per agency (`agency_key`) and year: the report chosen for it, why, its headline figures and their change since the year before.",
    ),
    (
        "coverage",
        "For every agency and every year from its first report to its last (every year of the corpus for agencies on the expected list): reported, duplicate or missing.",
    ),
];

fn schemas() -> Vec<(&'static str, &'static str, arrow_schema::SchemaRef)> {
    TABLES
        .iter()
        .map(|(n, about)| {
            let s = match *n {
                "reports" => batch::reports_schema(),
                "cells" => batch::cells_schema(),
                "cells_wide" => batch::cells_wide_schema(),
                "sections" => batch::sections_schema(),
                "panel" => nianbao_validate::panel::panel_schema(),
                "coverage" => nianbao_validate::panel::coverage_schema(),
                _ => batch::findings_schema(),
            };
            (*n, *about, s)
        })
        .collect()
}

fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Reports per piece: the unit of validation and encoding in the parallel stage.
const PIECE_REPORTS: usize = 64;

/// The writer stage: appends each chunk's encoded pieces to every table (in their year's
/// partition when partitioned) and to the ledger, which keeps what the `reports` table needs
/// at the end.
fn write_chunks(
    mut writer: nianbao_export::DatasetWriter,
    mut ledger: Ledger,
    rx: std::sync::mpsc::Receiver<Vec<Piece>>,
) -> Result<(nianbao_export::DatasetWriter, Ledger)> {
    for pieces in rx {
        for p in pieces {
            for e in p.tables {
                writer.write_encoded(e)?;
            }
            ledger.add(p.ledger)?;
        }
    }
    Ok((writer, ledger))
}

/// What a run did: the summary (the CLI's `--json`), and every unreadable document with its
/// reason.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// `documents`, `added`, `changed`, `removed`, `failed`, `parsed`, `reused`, `unchanged`,
    /// `by_status`, `findings_by_rule`, `rows`, `output`, `seconds` (and `corrections` when
    /// the pipeline has a corrections file).
    pub summary: serde_json::Value,
    /// `(document, reason)` of each unreadable document.
    pub unreadable: Vec<(String, String)>,
}

impl Outcome {
    /// The number of reports with error findings (`--strict` fails the run on them).
    pub fn errors(&self) -> u64 {
        self.summary["by_status"]["error"].as_u64().unwrap_or(0)
    }
}

/// Builds (or incrementally refreshes) the dataset `cfg` describes and publishes it
/// atomically. With `quiet`, notes are not printed on stderr (the progress bar shows only on
/// a terminal anyway).
pub fn build(cfg: &Config, quiet: bool) -> Result<Outcome> {
    let json = quiet;
    let started = Instant::now();
    let started_unix = now_unix();
    // Nothing the user owns is touched: an output path holding anything but a dataset of ours
    // (or a state folder of the user's) is refused before anything is read (issue 25).
    nianbao_export::check_output(&cfg.output)?;
    if cfg.incremental {
        nianbao_state::check_dir(&cfg.state_dir())?;
    }
    // The dataset's own output is never an input (its generations, state and lock are hidden
    // siblings, skipped like every hidden entry).
    let inside = std::path::absolute(&cfg.output)
        .ok()
        .zip(std::path::absolute(&cfg.input).ok())
        .is_some_and(|(o, i)| o.starts_with(&i));
    if inside && !json {
        eprintln!(
            "nianbao: note: the output {} is inside the input folder; it is not read as input",
            cfg.output.display()
        );
    }
    let mut laps = Laps::new();
    let inputs = inputs::Inputs::list(&cfg.input, std::slice::from_ref(&cfg.output))?;
    laps.lap("listing the inputs");
    let corr = match &cfg.corrections {
        Some(p) => corrections::Corrections::load(p)?,
        None => corrections::Corrections::default(),
    };
    let read_opts = cfg.read_options();
    // One writer per output; a killed run's leftovers are cleaned before anything else.
    let lock = nianbao_export::lock(&cfg.output)?;
    for note in nianbao_export::recover(&cfg.output, &lock)? {
        eprintln!("nianbao: {note}");
    }
    // Test hook: hold the lock for a while, so a test can start a second run against it.
    if let Some(ms) = std::env::var("NIANBAO_TEST_HOLD_LOCK_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
    let store = if cfg.incremental {
        let dir = cfg.state_dir();
        Some(
            nianbao_state::Store::open(&dir, &state_key(&read_opts))
                .with_context(|| format!("opening the state directory {}", dir.display()))?,
        )
    } else {
        None
    };
    if let Some(prev) = store
        .as_ref()
        .and_then(|s| unchanged_since_last_run(cfg, &inputs, s))
    {
        drop(lock);
        return skipped_run(prev, cfg, started);
    }
    // The previous index is read and the next one written in path order as the chunks go, so
    // neither is ever whole in memory (a million entries were ~400 MB); `live` keeps the
    // contents still in use (32 bytes each) to prune the state at the end.
    let mut old_index = match &store {
        Some(s) if !s.has_index() => OldIndex::from_manifest(&cfg.output)
            .unwrap_or_else(|| OldIndex::new(Some(s.read_index()))),
        _ => OldIndex::new(store.as_ref().map(nianbao_state::Store::read_index)),
    };
    let mut new_index = store
        .as_ref()
        .map(nianbao_state::Store::index_writer)
        .transpose()
        .context("writing the state index")?;
    let mut next_fingerprint = Fingerprint::new(cfg);
    let mut live: Vec<[u8; 32]> = Vec::new();
    let mut changes = Changes::default();
    let expected = cfg.expected_agencies()?;
    // Partitioned and incremental: the records of this run's year partitions are kept for the
    // next one, which links every year none of whose documents changed (issue 15.4).
    let config_key = Fingerprint::new(cfg).finish();
    let mut reuse = match (&store, cfg.partition_by_year, &config_key) {
        (Some(s), true, Some(key)) => plan_reuse(
            &inputs,
            s,
            key,
            &cfg.output,
            &read_opts,
            &corr,
            expected.as_deref(),
        )?,
        _ => None,
    };
    let schemas = schemas();
    let decl: Vec<(&str, _)> = schemas.iter().map(|(n, _, s)| (*n, s.clone())).collect();
    let writer = nianbao_export::DatasetWriter::create_with(
        &cfg.output,
        cfg.formats,
        &decl,
        cfg.partition_by_year,
    )
    .with_context(|| format!("preparing the output folder {}", cfg.output.display()))?;
    let bar = ProgressBar::new(inputs.len() as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {pos}/{len} documents  {per_sec}  eta {eta}  {wide_bar}",
        )
        .expect("static template"),
    );
    // Two stages overlap: this thread reads, validates and encodes chunk N+1 on all cores (Arrow
    // batches, their CSV rows) while a writer thread appends chunk N to the files (row groups
    // that fill up are encoded on all cores too). The channel holds one chunk, so at most three
    // are in memory. The writer keeps per report only what the final `reports` table and the
    // summary need.
    let partitioned = writer.partitioned();
    let encoder = writer.encoder();
    let scratch = writer.scratch_dir().to_owned();
    // with reuse, the ledger starts with every document's facts as planning found them
    let mut ledger = match reuse.as_mut().and_then(|r| r.seed.take()) {
        Some((facts, agencies)) => Ledger::seeded(&scratch, facts, agencies)?,
        None => Ledger::new(&scratch, inputs.len())?,
    };
    if let Some(r) = &reuse {
        for i in 0..inputs.len() {
            if r.skips(i).is_some() {
                ledger.mark_reused(i as u32);
            }
        }
    }
    // years with a document unreadable for a reason that may not last: not recorded for reuse
    let mut retry_years: std::collections::BTreeSet<Option<i32>> = Default::default();
    laps.lap("planning the reuse of year partitions");
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Piece>>(1);
    let (mut writer, ledger) = std::thread::scope(|scope| -> Result<_> {
        let handle = scope.spawn(move || write_chunks(writer, ledger, rx));
        for start in (0..inputs.len()).step_by(cfg.chunk_size) {
            let chunk = start..(start + cfg.chunk_size).min(inputs.len());
            let old: Vec<Option<nianbao_state::Seen>> = chunk
                .clone()
                .map(|i| old_index.seek(inputs.rel(i)))
                .collect();
            // documents of reused year partitions are not read: their record stands for them
            let got: Vec<Option<Got>> = chunk
                .clone()
                .into_par_iter()
                .map(|i| {
                    if reuse.as_ref().is_some_and(|r| r.skips(i).is_some()) {
                        bar.inc(1);
                        return None;
                    }
                    let rel = inputs.rel(i);
                    let seen = old[i - chunk.start].as_ref();
                    // read (and validated) while planning, not kept by the state
                    let early = reuse
                        .as_ref()
                        .and_then(|r| r.kept.lock().ok()?.remove(&i))
                        .map(|mut g| {
                            g.validated = true;
                            g
                        });
                    let got = early.unwrap_or_else(|| {
                        get_report(
                            &inputs.path(i),
                            rel,
                            &read_opts,
                            store.as_ref(),
                            seen,
                            &corr,
                        )
                    });
                    // per document: a chunk with scanned reports (seconds a page) still moves
                    bar.inc(1);
                    Some(got)
                })
                .collect();
            let mut reports: Vec<Report> = Vec::with_capacity(got.len());
            let mut info = ChunkInfo {
                fresh: Vec::with_capacity(got.len()),
                cache: Vec::with_capacity(got.len()),
                corrected: Vec::with_capacity(got.len()),
                docs: Vec::with_capacity(got.len()),
                mtimes: Vec::with_capacity(got.len()),
            };
            for ((i, g), old) in chunk.clone().zip(got).zip(&old) {
                let Some(g) = g else {
                    // a document of a reused year: unchanged since it was recorded
                    let (_, rows, row) = reuse
                        .as_ref()
                        .and_then(|r| r.skips(i))
                        .expect("skipped above");
                    let seen = rows.seen(row);
                    if old
                        .as_ref()
                        .is_some_and(|o| !seen.sha256.starts_with(&o.sha256))
                    {
                        changes.changed += 1;
                    } else if old.is_none() {
                        changes.added += 1;
                    }
                    changes.from_state += 1;
                    changes.failed += usize::from(rows.status(row) == "unreadable");
                    changes.corrected += usize::from(rows.corrected(row));
                    corr.mark_seen(&seen.sha256);
                    next_fingerprint.add(inputs.rel(i), Some((seen.size, seen.mtime_ns)));
                    if let Some(w) = new_index.as_mut() {
                        w.add(inputs.rel(i), &seen)
                            .context("writing the state index")?;
                        live.extend(sha_bytes(&seen.sha256));
                    }
                    continue;
                };
                match old {
                    None => changes.added += 1,
                    // (a manifest entry holds the report id, a prefix of the hash)
                    Some(seen) if !g.report.source.sha256.starts_with(&seen.sha256) => {
                        changes.changed += 1
                    }
                    Some(_) => {}
                }
                // (a document read while planning the reuse was parsed then)
                if g.parsed || reuse.as_ref().is_some_and(|r| r.parsed[i]) {
                    changes.parsed += 1;
                } else {
                    changes.from_state += 1;
                }
                info.fresh.push(g.parsed && !g.validated);
                info.cache.push(g.parsed && !g.corrected);
                info.corrected.push(g.corrected);
                info.docs.push(i as u32);
                info.mtimes
                    .push(g.seen.as_ref().map_or(0, |s| s.mtime_ns as u64));
                changes.corrected += usize::from(g.corrected);
                if g.report.unreadable.is_some() {
                    changes.failed += 1;
                    changes.retry += usize::from(g.retry);
                }
                if g.retry {
                    retry_years.insert(g.report.report_year);
                }
                next_fingerprint.add(
                    &g.report.source.document,
                    g.seen.as_ref().map(|s| (s.size, s.mtime_ns)),
                );
                if let (Some(seen), Some(w)) = (&g.seen, new_index.as_mut()) {
                    w.add(&g.report.source.document, seen)
                        .context("writing the state index")?;
                    live.extend(sha_bytes(&seen.sha256));
                }
                reports.push(g.report);
            }
            // Validate (fresh reports only), cache and encode on all cores; the writer thread
            // only appends the batches.
            let encoded: Vec<Piece> = pieces(reports, partitioned)
                .into_par_iter()
                .map(|p| encode_piece(p, &info, store.as_ref(), &encoder))
                .collect::<Result<_>>()?;
            if tx.send(encoded).is_err() {
                break; // the writer stopped on an error: it is returned by join below
            }
        }
        drop(tx);
        handle
            .join()
            .map_err(|_| anyhow::anyhow!("the writer thread panicked"))?
    })?;
    bar.finish_and_clear();
    laps.lap("reading, validating and writing the documents");
    // Cross-report checks, then the `reports` rows and the manifest's inputs.
    // Only `findings` and `reports` are still written to: finish the other tables first, so
    // their buffers are freed before the cross-report checks (with partitions, one set per year).
    if let Some(r) = &reuse {
        // the reused years: their files linked from the previous dataset
        for (meta, _) in r
            .prev
            .years
            .iter()
            .filter(|(m, _)| r.years.contains(&m.year))
        {
            for table in partitions::REUSED_TABLES {
                let files: Vec<serde_json::Value> = meta
                    .outputs
                    .iter()
                    .filter(|o| o["table"] == table)
                    .cloned()
                    .collect();
                writer
                    .link(table, meta.year, &cfg.output, &files)
                    .context("reusing a year partition of the previous dataset")?;
            }
        }
    }
    for table in ["cells", "cells_wide"] {
        writer.close(table)?;
    }
    let mut records = match (&store, cfg.partition_by_year) {
        (Some(s), true) => Some(partitions::RecordsWriter::new(s)?),
        _ => None,
    };
    let load_signatures = |doc: u32| -> Vec<(u8, nianbao_validate::reuse::Signature)> {
        let i = doc as usize;
        let seen = reuse
            .as_ref()
            .and_then(|r| r.skips(i))
            .map(|(_, rows, row)| rows.seen(row));
        let g = get_report(
            &inputs.path(i),
            inputs.rel(i),
            &read_opts,
            store.as_ref(),
            seen.as_ref(),
            &corr,
        );
        g.report
            .sections
            .iter()
            .filter_map(|p| nianbao_validate::reuse::signature(&p.text).map(|s| (p.part, s)))
            .collect()
    };
    let mut closing = ledger.close(
        &mut writer,
        &inputs,
        &scratch,
        expected.as_deref(),
        records.as_mut(),
        reuse
            .as_ref()
            .map(|_| &load_signatures as &(dyn Fn(u32) -> _ + Sync)),
    )?;
    if let Some(r) = &reuse {
        r.add_to(&mut closing, &scratch)?;
    }
    laps.lap("corpus-wide checks, panel, sections, reports");
    let by_status = &closing.by_status;
    let by_rule = &closing.by_rule;
    let mut page = std::mem::take(&mut closing.summary);
    page.findings = by_rule
        .iter()
        .map(|(rule, n)| {
            let sev = nianbao_vocab::rules::rule(rule).map_or("warning", |r| r.severity.as_str());
            ((*rule).to_owned(), sev.to_owned(), *n)
        })
        .collect();
    writer
        .add_file(
            "summary.html",
            nianbao_export::summary::summary_html(&page).as_bytes(),
        )
        .context("writing summary.html")?;
    let manifest = serde_json::json!({
        "tool": "nianbao",
        "version": env!("CARGO_PKG_VERSION"),
        "config": cfg,
        "started_unix": started_unix,
        "finished_unix": now_unix(),
    });
    let dict = nianbao_export::data_dictionary(
        &schemas
            .iter()
            .map(|(n, a, s)| (*n, *a, s.clone()))
            .collect::<Vec<_>>(),
        nianbao_vocab::RULES,
    );
    // the manifest's inputs: year partition by year partition (path order within each)
    let mut parts: Vec<std::fs::File> = std::mem::take(&mut closing.inputs).into_values().collect();
    let mut chained: Box<dyn std::io::Read> = Box::new(std::io::empty());
    for f in parts.drain(..) {
        chained = Box::new(chained.chain(f));
    }
    let mut manifest_inputs = std::io::BufReader::new(chained);
    let generation = writer.generation().to_owned();
    let nianbao_export::Finished {
        rows: counts,
        outputs,
        publication,
    } = writer
        .finish_with_inputs(&manifest, Some(&mut manifest_inputs), &dict)
        .with_context(|| format!("publishing the dataset to {}", cfg.output.display()))?;
    laps.lap("publishing");
    if let (Some(records), Some(key)) = (records, &config_key) {
        save_records(
            records,
            key,
            &generation,
            &closing,
            &outputs,
            reuse.as_ref(),
            &retry_years,
        )
        .context("saving the records of the year partitions")?;
    }
    changes.removed = old_index.finish();
    let corrections = cfg
        .corrections
        .is_some()
        .then(|| corrections_summary(&corr, changes.corrected));
    if let (Some(s), Some(w)) = (&store, new_index) {
        w.commit().context("saving the state index")?;
        // What this run saw and published, so that a next run over the same inputs can skip.
        // Only when no document failed for a reason that may not last (those are retried every
        // run: a missing tool, a time limit) and the inputs' sizes and times are all known.
        let record = match next_fingerprint.finish() {
            Some(fp) if changes.retry == 0 => serde_json::json!({
                "fingerprint": fp,
                "generation": generation,
                "documents": closing.documents,
                "failed": changes.failed,
                "unreadable": &closing.unreadable,
                "by_status": &closing.by_status,
                "findings_by_rule": &closing.by_rule,
                "rows": &counts,
                "corrections": &corrections,
            }),
            _ => serde_json::json!({}),
        };
        s.save_last_run(&serde_json::to_vec(&record)?)
            .context("saving the state's record of this run")?;
        live.sort_unstable();
        s.retain(|sha| sha_bytes(sha).is_some_and(|b| live.binary_search(&b).is_ok()));
    }
    laps.lap("saving the records and the state");
    drop(lock);
    let secs = started.elapsed().as_secs_f64();
    let summary = serde_json::json!({
        "documents": closing.documents,
        "added": changes.added,
        "changed": changes.changed,
        "removed": changes.removed,
        "failed": changes.failed,
        "parsed": changes.parsed,
        "reused": changes.from_state,
        "unchanged": false,
        "by_status": by_status,
        "findings_by_rule": by_rule,
        "rows": counts,
        "output": cfg.output,
        "publication": publication.as_str(),
        "seconds": secs,
    });
    let mut summary = summary;
    if cfg.partition_by_year && store.is_some() {
        let years: Vec<Option<i32>> = reuse
            .as_ref()
            .map(|r| r.years.iter().copied().collect())
            .unwrap_or_default();
        summary["partitions_reused"] = serde_json::json!(years);
    }
    if let Some(c) = corrections {
        summary["corrections"] = c;
    }
    Ok(Outcome {
        summary,
        unreadable: closing.unreadable,
    })
}

/// Where a run's time goes, printed on stderr when `NIANBAO_TIMINGS` is set (for
/// benchmarks: `BENCHMARKS.md`).
struct Laps {
    on: bool,
    last: Instant,
}

impl Laps {
    fn new() -> Laps {
        Laps {
            on: std::env::var_os("NIANBAO_TIMINGS").is_some(),
            last: Instant::now(),
        }
    }

    fn lap(&mut self, what: &str) {
        if self.on {
            // the peak and current resident memory so far, where the system tells (Linux)
            let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
            let mem = |key: &str| {
                status
                    .lines()
                    .find_map(|l| l.strip_prefix(key))
                    .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<u64>().ok())
                    .map_or_else(String::new, |kb| format!(" {key} {} MiB", kb / 1024))
            };
            eprintln!(
                "nianbao: timing: {what}: {:.2} s{}{}",
                self.last.elapsed().as_secs_f64(),
                mem("VmHWM:"),
                mem("VmRSS:")
            );
        }
        self.last = Instant::now();
    }
}

/// What an incremental run of a partitioned dataset takes from the previous run (see the
/// `partitions` module).
struct Reuse {
    prev: partitions::Previous,
    plan: partitions::Plan,
    /// The years whose partitions are linked from the previous dataset.
    years: std::collections::BTreeSet<Option<i32>>,
    /// Documents parsed while planning (by input number).
    parsed: Vec<bool>,
    /// Reports read while planning that the state does not keep (unreadable, or corrected),
    /// validated: taken by the run instead of being read twice (a retried scan can take
    /// minutes).
    kept: std::sync::Mutex<std::collections::HashMap<usize, Got>>,
    /// Every document's facts and the agencies, as the corpus-wide checks of the planning
    /// numbered them: the run's ledger starts from them.
    seed: Option<(ledger::FactTable, ledger::Agencies)>,
}

impl Reuse {
    /// The record of document `i` when its year partition is reused (then it is not read).
    fn skips(&self, i: usize) -> Option<(&partitions::YearMeta, &partitions::DocRows, usize)> {
        let (meta, rows, row) = self.prev.row(&self.plan, i)?;
        self.years.contains(&meta.year).then_some((meta, rows, row))
    }

    /// Adds the reused years to what the run reports: their documents, statuses, findings,
    /// cells, and manifest lines (in temporary files in `dir`).
    fn add_to(&self, closing: &mut ledger::Closing, dir: &Path) -> Result<()> {
        use std::io::{Seek, Write};
        for (meta, rows) in self
            .prev
            .years
            .iter()
            .filter(|(m, _)| self.years.contains(&m.year))
        {
            let mut lines = std::io::BufWriter::new(tempfile::tempfile_in(dir)?);
            for i in 0..rows.len() {
                let why = rows.reason(i);
                ledger::tally(
                    &mut closing.summary,
                    &mut closing.by_status,
                    &mut closing.unreadable,
                    rows.year(i),
                    (rows.document(i), rows.status(i), why),
                    rows.format(i),
                    rows.template(i),
                );
                ledger::manifest_line(
                    &mut lines,
                    rows.document(i),
                    &rows.report_id(i),
                    rows.status(i),
                    why,
                )?;
            }
            lines.flush()?;
            let mut file = lines.into_inner().map_err(|e| e.into_error())?;
            file.seek(std::io::SeekFrom::Start(0))?;
            closing.inputs.insert(meta.year, file);
            closing.documents += rows.len();
            closing.summary.documents += rows.len();
            for (rule, n) in &meta.rules {
                let rule = nianbao_vocab::rules::rule(rule)
                    .map(|r| r.name)
                    .with_context(|| format!("a recorded finding rule {rule} is unknown"))?;
                *closing.by_rule.entry(rule).or_default() += n;
            }
            for (k, n) in &meta.cells_by_status {
                *closing
                    .summary
                    .cells_by_status
                    .entry(k.clone())
                    .or_default() += n;
            }
        }
        closing.unreadable.sort();
        Ok(())
    }
}

/// Plans what an incremental run of a partitioned dataset can reuse: reads the documents
/// that are new or changed since the records were made (caching them in the state), runs the
/// corpus-wide checks on every document's facts, and keeps the years with no document
/// added, changed or removed and the recorded cross-report results. `None` when there is
/// nothing to reuse.
fn plan_reuse(
    inputs: &inputs::Inputs,
    store: &nianbao_state::Store,
    key: &str,
    output: &Path,
    opts: &ReadOptions,
    corr: &corrections::Corrections,
    expected: Option<&[(String, String)]>,
) -> Result<Option<Reuse>> {
    let Some(mut prev) = partitions::Previous::load(store, key, output) else {
        return Ok(None);
    };
    let stats = input_stats(inputs);
    let listed: Vec<(&str, Option<(u64, u128)>)> = (0..inputs.len())
        .map(|i| (inputs.rel(i), stats[i]))
        .collect();
    let mut plan = prev.plan(&listed);
    drop(listed);
    // the documents not recorded as they are now: read (and cached) to learn their year
    type Facts = (
        nianbao_validate::panel::ReportFacts,
        Option<(String, String)>,
        Option<u64>,
    );
    let dirty: Vec<usize> = (0..inputs.len()).filter(|&i| !plan.is_clean(i)).collect();
    // (new scans can take minutes: the bar moves per document, on a terminal)
    let bar = ProgressBar::new(dirty.len() as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {pos}/{len} new or changed documents  {per_sec}  eta {eta}  {wide_bar}",
        )
        .expect("static template"),
    );
    let read: Vec<(usize, Facts, bool, Option<Got>)> = dirty
        .into_par_iter()
        .map(|i| -> Result<_> {
            let mut g = get_report(
                &inputs.path(i),
                inputs.rel(i),
                opts,
                Some(store),
                None,
                corr,
            );
            if g.parsed && g.report.unreadable.is_none() {
                validate_chunk(std::slice::from_mut(&mut g.report))?;
                if !g.corrected {
                    store.put(&g.report).with_context(|| {
                        format!(
                            "caching {} in the state directory",
                            g.report.source.document
                        )
                    })?;
                }
            }
            let facts = ledger::facts_of(&g.report, i as u32);
            let parsed = g.parsed;
            // (a report the state keeps was cached above: the run takes it from there)
            let keep = g.report.unreadable.is_some() || g.corrected;
            bar.inc(1);
            Ok((i, facts, parsed, keep.then_some(g)))
        })
        .collect::<Result<_>>()?;
    bar.finish_and_clear();
    let mut parsed = vec![false; inputs.len()];
    let mut fresh: Vec<(usize, Facts)> = Vec::with_capacity(read.len());
    let mut kept = std::collections::HashMap::new();
    for (i, f, p, g) in read {
        plan.touched.insert(f.0.report_year);
        parsed[i] = p;
        fresh.push((i, f));
        if let Some(g) = g {
            kept.insert(i, g);
        }
    }
    let recorded: std::collections::BTreeSet<Option<i32>> =
        prev.years.iter().map(|(m, _)| m.year).collect();
    if recorded.iter().all(|y| plan.touched.contains(y)) {
        return Ok(None);
    }
    // every document's facts, then the corpus-wide checks as the run will do them
    let mut agencies = ledger::Agencies::default();
    let mut facts = ledger::FactTable::new(inputs.len());
    let mut take = |(mut f, agency, id): Facts, doc: u32| {
        f.agency = agency.map(|(key, name)| agencies.number(key, name, doc));
        facts.set(f, id);
    };
    for (i, f) in fresh {
        take(f, i as u32);
    }
    // the records' facts, year by year, each year's records slimmed to what the rest of the
    // run needs as soon as its facts are taken (peak memory at 1 M reports)
    let mut of_slot: Vec<Vec<(u32, u32)>> = vec![Vec::new(); prev.years.len()];
    for i in 0..inputs.len() {
        if let Some((slot, row)) = plan.slot_row(i) {
            of_slot[slot].push((row as u32, i as u32));
        }
    }
    for (slot, docs) in of_slot.into_iter().enumerate() {
        let rows = &prev.years[slot].1;
        for (row, doc) in docs {
            let f = rows
                .facts(row as usize, doc)
                .context("the records of a year partition lost their facts")?;
            take(f, doc);
        }
        prev.slim_year(slot);
    }
    let corpus = ledger::Corpus::check(facts, agencies, expected, inputs)?;
    let digests = corpus.digests(inputs);
    let years = prev
        .years
        .iter()
        .map(|(m, _)| m)
        .filter(|m| !plan.touched.contains(&m.year) && digests.get(&m.year) == Some(&m.digest))
        .map(|m| m.year)
        .collect();
    Ok(Some(Reuse {
        prev,
        plan,
        years,
        parsed,
        kept: std::sync::Mutex::new(kept),
        seed: Some(corpus.into_seed()),
    }))
}

/// Saves the records of this run's year partitions for the next run (after publishing):
/// reused years keep theirs; the others get this run's files, counts and digests, except
/// years with a document to retry.
fn save_records(
    records: partitions::RecordsWriter,
    key: &str,
    generation: &str,
    closing: &ledger::Closing,
    outputs: &[serde_json::Value],
    reuse: Option<&Reuse>,
    retry: &std::collections::BTreeSet<Option<i32>>,
) -> Result<()> {
    let mut years = Vec::new();
    let mut written = std::collections::BTreeSet::new();
    for (&year, digest) in &closing.digests {
        if let Some((meta, _)) = reuse.and_then(|r| {
            r.prev
                .years
                .iter()
                .find(|(m, _)| m.year == year && r.years.contains(&year))
        }) {
            years.push(meta.clone());
            continue;
        }
        let dir = nianbao_export::partition_dir(year);
        let files = outputs
            .iter()
            .filter(|o| {
                let file = o["file"].as_str().unwrap_or("");
                partitions::REUSED_TABLES.iter().any(|t| {
                    file.starts_with(&format!("{t}/{dir}/"))
                        || file.starts_with(&format!("csv/{t}/{dir}/"))
                })
            })
            .cloned()
            .collect();
        if !retry.contains(&year) {
            written.insert(year);
        }
        years.push(partitions::YearMeta {
            year,
            outputs: files,
            rules: closing
                .rules_by_year
                .get(&year)
                .cloned()
                .unwrap_or_default(),
            cells_by_status: closing
                .cells_by_year
                .get(&year)
                .cloned()
                .unwrap_or_default(),
            digest: digest.clone(),
            file: String::new(),
        });
    }
    records.commit(key, generation, years, &written)
}

/// What the run did with the user's corrections: how many documents they changed, and every
/// correction not applied with why (its document is not among the inputs, or the line is not
/// a correction).
fn corrections_summary(corr: &corrections::Corrections, documents: usize) -> serde_json::Value {
    let mut not_applied: Vec<serde_json::Value> = corr
        .rejected
        .iter()
        .map(|(line, why)| serde_json::json!({"line": line, "why": why}))
        .collect();
    for c in corr.unmatched() {
        not_applied.push(serde_json::json!({
            "line": c.line,
            "why": format!(
                "no input document has the content {} (changed or removed?): {} not corrected",
                c.sha256, c.key
            ),
        }));
    }
    not_applied.sort_by_key(|v| v["line"].as_u64());
    serde_json::json!({
        "read": corr.len(),
        "documents_corrected": documents,
        "not_applied": not_applied,
    })
}

/// Everything a dataset's bytes depend on besides the documents and the pipeline: the version
/// and the source of every crate that reads or writes, with the locked dependencies (`build.rs`).
const BUILD_KEY: &str = concat!(env!("CARGO_PKG_VERSION"), "-", env!("NIANBAO_BUILD_HASH"));

/// SHA-256 over the build key, the pipeline config and every input's path, size and
/// modification time, fed in input order; `None` when one input's cannot be known.
struct Fingerprint {
    hash: Option<Sha256>,
}

impl Fingerprint {
    fn new(cfg: &Config) -> Fingerprint {
        let mut h = Sha256::new();
        h.update(BUILD_KEY.as_bytes());
        h.update([0]);
        let mut hash = serde_json::to_vec(cfg).ok().map(|c| {
            h.update(c);
            h
        });
        // the lists the config names are part of the dataset too: their bytes, not their paths
        for list in cfg.lists() {
            match (std::fs::read(list), hash.as_mut()) {
                (Ok(bytes), Some(h)) => {
                    h.update([0]);
                    h.update(Sha256::digest(&bytes));
                }
                _ => hash = None,
            }
        }
        Fingerprint { hash }
    }

    fn add(&mut self, rel: &str, stat: Option<(u64, u128)>) {
        match (stat, self.hash.as_mut()) {
            (Some((size, mtime)), Some(h)) => {
                h.update([0]);
                h.update(rel.as_bytes());
                h.update([0]);
                h.update(size.to_le_bytes());
                h.update(mtime.to_le_bytes());
            }
            _ => self.hash = None,
        }
    }

    fn finish(self) -> Option<String> {
        self.hash.map(|h| hex(&h.finalize()))
    }
}

/// A SHA-256 in hex as its 32 bytes.
fn sha_bytes(hex: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    if hex.len() != 64 {
        return None;
    }
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// The previous run's index, walked alongside the inputs (both in path order).
/// Previous entries, in path order: the state's index, or the published manifest's inputs.
type Entries = Box<dyn Iterator<Item = (String, nianbao_state::Seen)>>;

struct OldIndex {
    entries: Option<std::iter::Peekable<Entries>>,
    /// Entries passed over: files no longer among the inputs.
    removed: usize,
}

impl OldIndex {
    fn new(reader: Option<nianbao_state::IndexReader>) -> OldIndex {
        OldIndex {
            entries: reader.map(|r| {
                (Box::new(r) as Box<dyn Iterator<Item = (String, nianbao_state::Seen)>>).peekable()
            }),
            removed: 0,
        }
    }

    /// The inputs of the published dataset's manifest, for a run whose state was deleted:
    /// documents are then counted added, changed or removed against what was published (by
    /// report id, the first 16 hex digits of the content hash), not all "added".
    fn from_manifest(output: &Path) -> Option<OldIndex> {
        let m: serde_json::Value =
            serde_json::from_slice(&std::fs::read(output.join("manifest.json")).ok()?).ok()?;
        let mut entries: Vec<(String, nianbao_state::Seen)> = m["inputs"]
            .as_array()?
            .iter()
            .filter_map(|i| {
                Some((
                    i["document"].as_str()?.to_owned(),
                    nianbao_state::Seen {
                        size: 0,
                        mtime_ns: 0,
                        sha256: i["report_id"].as_str().unwrap_or("").to_owned(),
                    },
                ))
            })
            .collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        Some(OldIndex {
            entries: Some((Box::new(entries.into_iter()) as Entries).peekable()),
            removed: 0,
        })
    }

    /// The entry of `rel`; call with increasing paths. Entries before it are removed files.
    fn seek(&mut self, rel: &str) -> Option<nianbao_state::Seen> {
        let entries = self.entries.as_mut()?;
        while let Some((path, _)) = entries.peek() {
            match path.as_str().cmp(rel) {
                std::cmp::Ordering::Less => {
                    self.removed += 1;
                    entries.next();
                }
                std::cmp::Ordering::Equal => return entries.next().map(|(_, s)| s),
                std::cmp::Ordering::Greater => return None,
            }
        }
        None
    }

    /// How many entries named files that are gone.
    fn finish(self) -> usize {
        self.removed + self.entries.map_or(0, Iterator::count)
    }
}

/// Every input's size and modification time (`None` when it cannot be known), on all cores.
fn input_stats(inputs: &inputs::Inputs) -> Vec<Option<(u64, u128)>> {
    (0..inputs.len())
        .into_par_iter()
        .map(|i| {
            let m = std::fs::metadata(inputs.path(i)).ok()?;
            Some((m.len(), mtime_ns(&m)))
        })
        .collect()
}

/// The last run's summary when a rebuild now would write exactly the dataset it published:
/// same build, config and inputs (path, size, modification time: as the state's index trusts
/// them), nothing unreadable then for a reason that may not last, and the output still that
/// run's generation. `None` otherwise (then the run goes on as usual).
fn unchanged_since_last_run(
    cfg: &Config,
    inputs: &inputs::Inputs,
    store: &nianbao_state::Store,
) -> Option<serde_json::Value> {
    let prev: serde_json::Value = serde_json::from_slice(&store.last_run()?).ok()?;
    let generation = nianbao_export::generation(&cfg.output)?;
    if prev["generation"].as_str() != Some(generation.as_str()) {
        return None;
    }
    // The published files must still be the ones the manifest lists, at their sizes: a
    // deleted or damaged table is rebuilt, never reported as unchanged (issue 20, case 16).
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(cfg.output.join("manifest.json")).ok()?).ok()?;
    let intact = manifest["outputs"].as_array()?.iter().all(|o| {
        let (Some(file), Some(bytes)) = (o["file"].as_str(), o["bytes"].as_u64()) else {
            return false;
        };
        std::fs::metadata(cfg.output.join(file)).is_ok_and(|m| m.len() == bytes)
    });
    if !intact {
        return None;
    }
    let stats = input_stats(inputs);
    let mut now = Fingerprint::new(cfg);
    for (i, st) in stats.into_iter().enumerate() {
        now.add(inputs.rel(i), st);
    }
    let now = now.finish()?;
    (prev["fingerprint"].as_str() == Some(now.as_str())).then_some(prev)
}

/// Ends a run that found nothing changed: the last run's summary (see
/// [`unchanged_since_last_run`]), with nothing added, changed, removed or parsed.
fn skipped_run(mut summary: serde_json::Value, cfg: &Config, started: Instant) -> Result<Outcome> {
    let documents = summary["documents"].clone();
    // still unreadable, for the same lasting reasons: listed again as the last run did
    let unreadable: Vec<(String, String)> =
        serde_json::from_value(summary["unreadable"].take()).unwrap_or_default();
    for (k, v) in [
        ("added", 0.into()),
        ("changed", 0.into()),
        ("removed", 0.into()),
        ("parsed", 0.into()),
        ("reused", documents),
        ("unchanged", true.into()),
        ("output", serde_json::json!(cfg.output)),
        ("publication", "none".into()),
        ("seconds", started.elapsed().as_secs_f64().into()),
    ] {
        summary[k] = v;
    }
    if let Some(m) = summary.as_object_mut() {
        m.remove("fingerprint");
        m.remove("generation");
        m.remove("unreadable");
        if m.get("corrections").is_some_and(serde_json::Value::is_null) {
            m.remove("corrections");
        }
    }
    Ok(Outcome {
        summary,
        unreadable,
    })
}

#[cfg(test)]
mod tests {
    /// The previous index walked beside the inputs: entries found by path, the ones passed
    /// over or left at the end counted as removed files.
    #[test]
    fn the_old_index_is_merged_with_the_inputs_in_path_order() {
        let dir = tempfile::tempdir().unwrap();
        let store = nianbao_state::Store::open(dir.path(), "k").unwrap();
        let seen = |n: u64| nianbao_state::Seen {
            size: n,
            mtime_ns: 1,
            sha256: format!("{n:064x}"),
        };
        let mut w = store.index_writer().unwrap();
        for (i, p) in ["a.txt", "b/c.txt", "b/d.txt", "e.txt", "z.txt"]
            .iter()
            .enumerate()
        {
            w.add(p, &seen(i as u64)).unwrap();
        }
        w.commit().unwrap();
        let mut old = super::OldIndex::new(Some(store.read_index()));
        // inputs now: a.txt, b/d.txt (b/c.txt removed), c.txt (new), e.txt; z.txt removed
        assert_eq!(old.seek("a.txt").map(|s| s.size), Some(0));
        assert_eq!(old.seek("b/d.txt").map(|s| s.size), Some(2));
        assert_eq!(old.seek("c.txt"), None);
        assert_eq!(old.seek("e.txt").map(|s| s.size), Some(3));
        assert_eq!(old.finish(), 2);
        assert_eq!(super::OldIndex::new(None).seek("a.txt"), None);
    }

    #[test]
    fn one_document_reads_into_the_tables_batches() {
        let doc = nianbao_synth::generate_layouts(1, 5, false, &["tabbed"]).remove(0);
        let b = super::read_batches(&doc.bytes, &doc.name, &Default::default()).unwrap();
        assert_eq!(b.reports.num_rows(), 1);
        assert_eq!(b.cells_wide.num_rows(), 1);
        let stated = doc.gold["values"].as_object().unwrap().len();
        assert!(b.cells.num_rows() >= stated, "{} cells", b.cells.num_rows());
        assert_eq!(b.sections.num_rows(), 6);
        // an unreadable document is one row with its reason, never an error
        let b = super::read_batches(b"", "empty.txt", &Default::default()).unwrap();
        assert_eq!((b.reports.num_rows(), b.cells.num_rows()), (1, 0));
    }

    #[test]
    fn sha_bytes_reads_hex_and_refuses_anything_else() {
        let hex = "00ff".repeat(16);
        let b = super::sha_bytes(&hex).unwrap();
        assert_eq!((b[0], b[1], b[31]), (0x00, 0xff, 0xff));
        assert_eq!(super::sha_bytes("abc"), None);
        assert_eq!(super::sha_bytes(&"zz".repeat(32)), None);
    }

    #[test]
    fn document_columns_ask_for_parquet_statistics_with_the_key_export_reads() {
        // the tables written in document order (the panel's are by agency and year)
        for (name, _, schema) in super::schemas()
            .into_iter()
            .filter(|(n, _, _)| !["panel", "coverage"].contains(n))
        {
            let f = schema.field_with_name("document").unwrap();
            let asked = f.metadata().get(nianbao_export::STATISTICS_METADATA);
            assert_eq!(asked.map(String::as_str), Some("min_max"), "{name}");
        }
    }
}
