//! One run, in phases: [`Run::start`] (refuse what is not ours, list the inputs, lock,
//! recover, open the state) → [`Run::unchanged`] (the nothing-changed skip) → [`Run::plan`]
//! (partition reuse, the writer and the ledger) → [`Run::read`] (every document, chunk by
//! chunk, on all cores) → [`Run::link`] (the reused year partitions) → [`Run::close`] (the
//! corpus-wide checks) → [`Run::publish`] → [`Run::commit`] (the records and the state) →
//! [`Run::finish`] (the summary). Each phase is one lap of `NIANBAO_TIMINGS`.

use std::collections::BTreeSet;
use std::io::Read;
use std::time::Instant;

use anyhow::{Context, Result};
use nianbao_export::{DatasetWriter, OutputLock, Publication};
use nianbao_extract::ReadOptions;
use nianbao_normalize::Report;
use rayon::prelude::*;

use crate::changes::{Accounts, Changes, Counted};
use crate::corrections::{corrections_summary, Corrections};
use crate::digest::sha_bytes;
use crate::document::{state_key, Got, Reading};
use crate::encode::{encode_piece, pieces, write_chunks, ChunkInfo, Piece};
use crate::index::OldIndex;
use crate::inputs::Inputs;
use crate::laps::{now_unix, Laps};
use crate::ledger::{Closing, Ledger};
use crate::report::Reporter;
use crate::reuse::{plan_reuse, save_records, Reuse};
use crate::skip::{skipped_run, unchanged_since_last_run, Fingerprint};
use crate::summary::{LastRun, Summary};
use crate::tables::{schemas, Table};
use crate::{partitions, Config, Outcome};

/// A run between its phases.
pub(crate) struct Run<'a> {
    cfg: &'a Config,
    reporter: &'a dyn Reporter,
    started: Instant,
    started_unix: u64,
    laps: Laps,
    inputs: Inputs,
    corr: Corrections,
    read_opts: ReadOptions,
    lock: Option<OutputLock>,
    store: Option<nianbao_state::Store>,
    accounts: Option<Accounts>,
    expected: Option<Vec<(String, String)>>,
    /// The key of the records of year partitions (build, config, lists).
    config_key: Option<String>,
    reuse: Option<Reuse>,
    /// Years with a document unreadable for a reason that may not last: not recorded for
    /// reuse.
    retry_years: BTreeSet<Option<i32>>,
    /// Where collected documents came from.
    provenance: crate::provenance::Provenance,
    /// Pages read with their pictures or attachments (found by [`Run::plan`]).
    bundles: crate::bundles::Bundles,
}

/// What [`Run::publish`] put in place.
pub(crate) struct Published {
    generation: String,
    rows: std::collections::BTreeMap<String, u64>,
    outputs: Vec<serde_json::Value>,
    publication: Publication,
}

impl<'a> Run<'a> {
    /// Refuses an output or state path holding anything nianbao did not write (before anything
    /// is read: issue 25), lists the inputs, loads the corrections, takes the output's lock,
    /// cleans up after a killed run and opens the state.
    pub(crate) fn start(cfg: &'a Config, reporter: &'a dyn Reporter) -> Result<Run<'a>> {
        let started = Instant::now();
        let started_unix = now_unix();
        nianbao_export::check_output(&cfg.output)?;
        if cfg.incremental {
            nianbao_state::check_dir(&cfg.state_dir())?;
        }
        // The dataset's own output is never an input (its temporary folders, state and lock
        // are hidden siblings, skipped like every hidden entry).
        let inside = std::path::absolute(&cfg.output)
            .ok()
            .zip(std::path::absolute(&cfg.input).ok())
            .is_some_and(|(o, i)| o.starts_with(&i));
        if inside {
            reporter.note(&format!(
                "the output {} is inside the input folder; it is not read as input",
                cfg.output.display()
            ));
        }
        let mut laps = Laps::new();
        let inputs = Inputs::list(&cfg.input, std::slice::from_ref(&cfg.output))?;
        laps.lap("listing the inputs", reporter);
        let corr = match &cfg.corrections {
            Some(p) => Corrections::load(p)?,
            None => Corrections::default(),
        };
        let read_opts = cfg.read_options();
        // One writer per output; a killed run's leftovers are cleaned before anything else.
        let lock = nianbao_export::lock(&cfg.output)?;
        for note in nianbao_export::recover(&cfg.output, &lock)? {
            reporter.note(&note);
        }
        // Fault injection (feature `fault-injection`, test builds only): hold the lock for a
        // while, so a test can start a second run against it.
        #[cfg(feature = "fault-injection")]
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
        Ok(Run {
            cfg,
            reporter,
            started,
            started_unix,
            laps,
            inputs,
            corr,
            read_opts,
            lock: Some(lock),
            store,
            accounts: None,
            expected: None,
            config_key: None,
            reuse: None,
            retry_years: BTreeSet::new(),
            provenance: crate::provenance::Provenance::load(&cfg.input),
            bundles: crate::bundles::Bundles::default(),
        })
    }

    /// How this run reads its inputs (documents, options, corrections).
    fn reading(&self) -> Reading<'_> {
        Reading {
            inputs: &self.inputs,
            opts: &self.read_opts,
            corr: &self.corr,
            bundles: &self.bundles,
        }
    }

    /// The last run's outcome when nothing changed since (then the run ends here).
    pub(crate) fn unchanged(&mut self) -> Option<Result<Outcome>> {
        let prev = self
            .store
            .as_ref()
            .and_then(|s| unchanged_since_last_run(self.cfg, &self.inputs, s))?;
        self.lock = None;
        Some(skipped_run(prev, self.cfg, self.started))
    }

    /// Opens the books, plans the reuse of year partitions (partitioned and incremental: the
    /// next run links every year none of whose documents changed, issue 15.4), and starts the
    /// dataset and the ledger.
    pub(crate) fn plan(&mut self) -> Result<(DatasetWriter, Ledger)> {
        let cfg = self.cfg;
        let store = self.store.as_ref();
        let old_index = match store {
            Some(s) if !s.has_index() => OldIndex::from_manifest(&cfg.output)
                .unwrap_or_else(|| OldIndex::new(Some(s.read_index()))),
            _ => OldIndex::new(store.map(nianbao_state::Store::read_index)),
        };
        let new_index = store
            .map(nianbao_state::Store::index_writer)
            .transpose()
            .context("writing the state index")?;
        self.accounts = Some(Accounts {
            changes: Changes::default(),
            old_index,
            new_index,
            fingerprint: Fingerprint::new(cfg),
            live: Vec::new(),
        });
        self.expected = cfg.expected_agencies()?;
        self.laps
            .lap("checking for changes, the expected agencies", self.reporter);
        self.bundles =
            crate::bundles::Bundles::find(&self.inputs, &self.provenance, &self.read_opts);
        let (pages, members) = self.bundles.counts();
        if pages > 0 {
            self.reporter.note(&format!(
                "{pages} page(s) are read with their {members} picture(s) or attachment(s)"
            ));
        }
        self.laps.lap(
            "finding the pictures and attachments of pages",
            self.reporter,
        );
        // who is whose member is part of what a recorded year stands for
        self.config_key = Fingerprint::new(cfg)
            .with(&self.bundles.digest(&self.inputs))
            .finish();
        self.reuse = match (store, cfg.partition_by_year, &self.config_key) {
            (Some(s), true, Some(key)) => plan_reuse(
                &self.reading(),
                s,
                key,
                &cfg.output,
                self.expected.as_deref(),
                self.reporter,
            )?,
            _ => None,
        };
        let schemas = schemas();
        let decl: Vec<(&str, _)> = schemas.iter().map(|(n, _, s)| (*n, s.clone())).collect();
        let writer =
            DatasetWriter::create_with(&cfg.output, cfg.formats, &decl, cfg.partition_by_year)
                .with_context(|| format!("preparing the output folder {}", cfg.output.display()))?;
        // with reuse, the ledger starts with every document's facts as planning found them
        let scratch = writer.scratch_dir();
        let mut ledger = match self.reuse.as_mut().and_then(|r| r.seed.take()) {
            Some((facts, agencies)) => Ledger::seeded(scratch, facts, agencies)?,
            None => Ledger::new(scratch, self.inputs.len())?,
        };
        if let Some(r) = &self.reuse {
            for i in 0..self.inputs.len() {
                if r.skips(i).is_some() {
                    ledger.mark_reused(i as u32);
                }
            }
        }
        self.laps
            .lap("planning the reuse of year partitions", self.reporter);
        Ok((writer, ledger))
    }

    /// Reads every document (from the state when it can), validates, caches and encodes it.
    /// Two stages overlap: this thread reads, validates and encodes chunk N+1 on all cores
    /// (Arrow batches, their CSV rows) while a writer thread appends chunk N to the files (row
    /// groups that fill up are encoded on all cores too). The channel holds one chunk, so at
    /// most three are in memory. The writer keeps per report only what the final `reports`
    /// table and the summary need.
    pub(crate) fn read(
        &mut self,
        writer: DatasetWriter,
        ledger: Ledger,
    ) -> Result<(DatasetWriter, Ledger)> {
        let reporter = self.reporter;
        reporter.start("documents", self.inputs.len() as u64);
        let partitioned = writer.partitioned();
        let encoder = writer.encoder();
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Piece>>(1);
        let chunk_size = self.cfg.chunk_size;
        let n = self.inputs.len();
        let done = std::thread::scope(|scope| -> Result<_> {
            let handle = scope.spawn(move || write_chunks(writer, ledger, rx));
            for start in (0..n).step_by(chunk_size) {
                let chunk = start..(start + chunk_size).min(n);
                let (reports, info) = self.read_chunk(chunk)?;
                // Validate (fresh reports only), cache and encode on all cores; the writer
                // thread only appends the batches.
                let encoded: Vec<Piece> = pieces(reports, partitioned)
                    .into_par_iter()
                    .map(|p| {
                        encode_piece(p, &info, self.store.as_ref(), &encoder, &self.provenance)
                    })
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
        reporter.finish();
        self.laps.lap(
            "reading, validating and writing the documents",
            self.reporter,
        );
        Ok(done)
    }

    /// One chunk's reports (documents of reused year partitions are not read: their record
    /// stands for them), each counted in the books.
    fn read_chunk(&mut self, chunk: std::ops::Range<usize>) -> Result<(Vec<Report>, ChunkInfo)> {
        let reporter = self.reporter;
        let accounts = self.accounts.as_mut().expect("opened by plan");
        let old: Vec<Option<nianbao_state::Seen>> = chunk
            .clone()
            .map(|i| accounts.old_index.seek(self.inputs.rel(i)))
            .collect();
        let (inputs, reuse, store) = (&self.inputs, &self.reuse, &self.store);
        let reading = Reading {
            inputs,
            opts: &self.read_opts,
            corr: &self.corr,
            bundles: &self.bundles,
        };
        let got: Vec<Option<Got>> = chunk
            .clone()
            .into_par_iter()
            .map(|i| {
                if reuse.as_ref().is_some_and(|r| r.skips(i).is_some()) {
                    reporter.advance(1);
                    return None;
                }
                // read (and validated) while planning, not kept by the state
                let early = reuse
                    .as_ref()
                    .and_then(|r| r.kept.lock().ok()?.remove(&i))
                    .map(|mut g| {
                        g.validated = true;
                        g
                    });
                let got = early.unwrap_or_else(|| {
                    reading.get(i, store.as_ref(), old[i - chunk.start].as_ref())
                });
                // per document: a chunk with scanned reports (seconds a page) still moves
                reporter.advance(1);
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
                reading.corr.mark_seen(&seen.sha256);
                accounts.count(
                    old.as_ref(),
                    Counted {
                        rel: inputs.rel(i),
                        sha256: &seen.sha256,
                        seen: Some(&seen),
                        parsed: false,
                        failed: rows.status(row) == "unreadable",
                        retry: false,
                        corrected: rows.corrected(row),
                    },
                )?;
                continue;
            };
            // (a document read while planning the reuse was parsed then)
            let parsed = g.parsed || reuse.as_ref().is_some_and(|r| r.parsed[i]);
            accounts.count(
                old.as_ref(),
                Counted {
                    rel: &g.report.source.document,
                    sha256: &g.report.source.sha256,
                    seen: g.seen.as_ref(),
                    parsed,
                    failed: g.report.unreadable.is_some(),
                    retry: g.retry,
                    corrected: g.corrected,
                },
            )?;
            if g.retry {
                self.retry_years.insert(g.report.report_year);
            }
            info.fresh.push(g.parsed && !g.validated);
            // (a page whose picture could not be read for a reason that may not last is read
            // again next run)
            info.cache.push(g.parsed && !g.corrected && !g.retry);
            info.corrected.push(g.corrected);
            info.docs.push(i as u32);
            info.mtimes
                .push(g.seen.as_ref().map_or(0, |s| s.mtime_ns as u64));
            reports.push(g.report);
        }
        Ok((reports, info))
    }

    /// Takes the reused years' files from the previous dataset, and finishes the tables only
    /// the reading wrote to (so their buffers are freed before the cross-report checks).
    pub(crate) fn link(&mut self, writer: &mut DatasetWriter) -> Result<()> {
        if let Some(r) = &self.reuse {
            for (meta, _) in r
                .prev
                .years
                .iter()
                .filter(|(m, _)| r.years.contains(&m.year))
            {
                for table in Table::per_report_tables() {
                    let files: Vec<serde_json::Value> = meta
                        .outputs
                        .iter()
                        .filter(|o| o["table"] == table.name())
                        .cloned()
                        .collect();
                    writer
                        .link(table.name(), meta.year, &self.cfg.output, &files)
                        .context("reusing a year partition of the previous dataset")?;
                }
            }
        }
        for table in [Table::Cells, Table::CellsWide] {
            writer.close(table.name())?;
        }
        Ok(())
    }

    /// The corpus-wide checks, the panel, the sections and the `reports` rows (the ledger's
    /// close), with the reused years added to the tallies.
    pub(crate) fn close(
        &mut self,
        writer: &mut DatasetWriter,
        ledger: Ledger,
    ) -> Result<(Closing, Option<partitions::RecordsWriter>)> {
        let mut records = match (&self.store, self.cfg.partition_by_year) {
            (Some(s), true) => Some(partitions::RecordsWriter::new(s)?),
            _ => None,
        };
        let (inputs, reuse, store) = (&self.inputs, &self.reuse, &self.store);
        let reading = self.reading();
        let load_signatures = |doc: u32| -> Vec<(u8, nianbao_corpus::Signature)> {
            let i = doc as usize;
            let seen = reuse
                .as_ref()
                .and_then(|r| r.skips(i))
                .map(|(_, rows, row)| rows.seen(row));
            let g = reading.get(i, store.as_ref(), seen.as_ref());
            g.report
                .sections
                .iter()
                .filter_map(|p| nianbao_corpus::similarity::signature(&p.text).map(|s| (p.part, s)))
                .collect()
        };
        let scratch = writer.scratch_dir().to_owned();
        let mut closing = ledger.close(
            writer,
            inputs,
            &scratch,
            self.expected.as_deref(),
            records.as_mut(),
            reuse
                .as_ref()
                .map(|_| &load_signatures as &(dyn Fn(u32) -> _ + Sync)),
        )?;
        if let Some(r) = reuse {
            r.add_to(&mut closing, &scratch)?;
        }
        self.laps.lap(
            "corpus-wide checks, panel, sections, reports",
            self.reporter,
        );
        Ok((closing, records))
    }

    /// Writes `summary.html`, the manifest and the data dictionary, and puts the dataset in
    /// place.
    pub(crate) fn publish(
        &mut self,
        writer: DatasetWriter,
        closing: &mut Closing,
    ) -> Result<Published> {
        let cfg = self.cfg;
        let mut page = std::mem::take(&mut closing.summary);
        page.findings = closing
            .by_rule
            .iter()
            .map(|(rule, n)| {
                let sev =
                    nianbao_vocab::rules::rule(rule).map_or("warning", |r| r.severity.as_str());
                ((*rule).to_owned(), sev.to_owned(), *n)
            })
            .collect();
        writer
            .add_file(
                "summary.html",
                nianbao_export::summary::summary_html(&page).as_bytes(),
            )
            .context("writing summary.html")?;
        // the codebook: every cell key with its labels, group, unit, formats (issue 29.2)
        let mut codebook = Vec::new();
        if self.cfg.formats.csv_bom {
            codebook.extend_from_slice("\u{feff}".as_bytes());
        }
        codebook.extend_from_slice(nianbao_vocab::codebook::csv().as_bytes());
        writer
            .add_file("codebook.csv", &codebook)
            .context("writing codebook.csv")?;
        let manifest = serde_json::json!({
            "tool": "nianbao",
            "version": env!("CARGO_PKG_VERSION"),
            "config": cfg,
            "started_unix": self.started_unix,
            "finished_unix": now_unix(),
        });
        let dict = nianbao_export::data_dictionary(&schemas(), nianbao_vocab::RULES);
        // the manifest's inputs: year partition by year partition (path order within each)
        let mut chained: Box<dyn Read> = Box::new(std::io::empty());
        for f in std::mem::take(&mut closing.inputs).into_values() {
            chained = Box::new(chained.chain(f));
        }
        let mut manifest_inputs = std::io::BufReader::new(chained);
        let generation = writer.generation().to_owned();
        let done = writer
            .finish_with_inputs(&manifest, Some(&mut manifest_inputs), &dict)
            .with_context(|| format!("publishing the dataset to {}", cfg.output.display()))?;
        self.laps.lap("publishing", self.reporter);
        Ok(Published {
            generation,
            rows: done.rows,
            outputs: done.outputs,
            publication: done.publication,
        })
    }

    /// Saves the records of the year partitions and the state (index, the record of this run
    /// for the nothing-changed skip, the contents still in use), then releases the lock.
    /// Returns the corrections' summary when the pipeline has a corrections file.
    pub(crate) fn commit(
        &mut self,
        records: Option<partitions::RecordsWriter>,
        closing: &Closing,
        published: &Published,
    ) -> Result<Option<serde_json::Value>> {
        if let (Some(records), Some(key)) = (records, &self.config_key) {
            save_records(
                records,
                key,
                &published.generation,
                closing,
                &published.outputs,
                self.reuse.as_ref(),
                &self.retry_years,
            )
            .context("saving the records of the year partitions")?;
        }
        let accounts = self.accounts.as_mut().expect("opened by plan");
        let old_index = std::mem::replace(&mut accounts.old_index, OldIndex::new(None));
        accounts.changes.removed = old_index.finish();
        let changes = &accounts.changes;
        let corrections = self
            .cfg
            .corrections
            .is_some()
            .then(|| corrections_summary(&self.corr, changes.corrected));
        if let (Some(s), Some(w)) = (&self.store, accounts.new_index.take()) {
            w.commit().context("saving the state index")?;
            // What this run saw and published, so that a next run over the same inputs can
            // skip. Only when no document failed for a reason that may not last (those are
            // retried every run: a missing tool, a time limit) and the inputs' sizes and times
            // are all known.
            let fingerprint =
                std::mem::replace(&mut accounts.fingerprint, Fingerprint::new(self.cfg));
            let record = match fingerprint.finish() {
                Some(fp) if changes.retry == 0 => serde_json::to_value(LastRun {
                    fingerprint: fp,
                    generation: published.generation.clone(),
                    documents: closing.documents as u64,
                    failed: changes.failed as u64,
                    unreadable: closing.unreadable.clone(),
                    by_status: counts(&closing.by_status),
                    findings_by_rule: counts(&closing.by_rule),
                    rows: published.rows.clone(),
                    corrections: corrections.clone(),
                })?,
                _ => serde_json::json!({}),
            };
            s.save_last_run(&serde_json::to_vec(&record)?)
                .context("saving the state's record of this run")?;
            let live = &mut accounts.live;
            live.sort_unstable();
            s.retain(|sha| sha_bytes(sha).is_some_and(|b| live.binary_search(&b).is_ok()));
        }
        self.laps
            .lap("saving the records and the state", self.reporter);
        self.lock = None;
        Ok(corrections)
    }

    /// The run's outcome: the summary and the unreadable documents.
    pub(crate) fn finish(
        self,
        closing: Closing,
        published: Published,
        corrections: Option<serde_json::Value>,
    ) -> Outcome {
        let changes = &self.accounts.as_ref().expect("opened by plan").changes;
        let partitions_reused = (self.cfg.partition_by_year && self.store.is_some()).then(|| {
            self.reuse
                .as_ref()
                .map(|r| r.years.iter().copied().collect())
                .unwrap_or_default()
        });
        let summary = Summary {
            documents: closing.documents as u64,
            added: changes.added as u64,
            changed: changes.changed as u64,
            removed: changes.removed as u64,
            failed: changes.failed as u64,
            parsed: changes.parsed as u64,
            reused: changes.from_state as u64,
            unchanged: false,
            by_status: counts(&closing.by_status),
            findings_by_rule: counts(&closing.by_rule),
            rows: published.rows,
            output: self.cfg.output.clone(),
            publication: published.publication.as_str().to_owned(),
            seconds: self.started.elapsed().as_secs_f64(),
            partitions_reused,
            corrections,
        };
        Outcome {
            summary,
            unreadable: closing.unreadable,
        }
    }
}

/// Counts by name with the names owned (the summary's maps).
fn counts(
    m: &std::collections::BTreeMap<&'static str, usize>,
) -> std::collections::BTreeMap<String, u64> {
    m.iter()
        .map(|(k, v)| ((*k).to_owned(), *v as u64))
        .collect()
}
