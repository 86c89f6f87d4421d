//! Partition reuse (issue 15.4), the run's side: planning what to take from the previous
//! dataset, adding the reused years to the run's tallies, and saving this run's records (the
//! records themselves: the `partitions` module).

use std::path::Path;

use anyhow::{Context, Result};
use rayon::prelude::*;

use crate::document::{validate_chunk, Got, Reading};
use crate::inputs::input_stats;
use crate::report::Reporter;
use crate::tables::Table;
use crate::{ledger, partitions};

/// What an incremental run of a partitioned dataset takes from the previous run (see the
/// `partitions` module).
pub(crate) struct Reuse {
    pub(crate) prev: partitions::Previous,
    pub(crate) plan: partitions::Plan,
    /// The years whose partitions are linked from the previous dataset.
    pub(crate) years: std::collections::BTreeSet<Option<i32>>,
    /// Documents parsed while planning (by input number).
    pub(crate) parsed: Vec<bool>,
    /// Reports read while planning that the state does not keep (unreadable, or corrected),
    /// validated: taken by the run instead of being read twice (a retried scan can take
    /// minutes).
    pub(crate) kept: std::sync::Mutex<std::collections::HashMap<usize, Got>>,
    /// Every document's facts and the agencies, as the corpus-wide checks of the planning
    /// numbered them: the run's ledger starts from them.
    pub(crate) seed: Option<(nianbao_corpus::FactTable, nianbao_corpus::Agencies)>,
}

impl Reuse {
    /// The record of document `i` when its year partition is reused (then it is not read).
    pub(crate) fn skips(
        &self,
        i: usize,
    ) -> Option<(&partitions::YearMeta, &partitions::DocRows, usize)> {
        let (meta, rows, row) = self.prev.row(&self.plan, i)?;
        self.years.contains(&meta.year).then_some((meta, rows, row))
    }

    /// Adds the reused years to what the run reports: their documents, statuses, findings,
    /// cells, and manifest lines (in temporary files in `dir`).
    pub(crate) fn add_to(&self, closing: &mut ledger::Closing, dir: &Path) -> Result<()> {
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
pub(crate) fn plan_reuse(
    reading: &Reading<'_>,
    store: &nianbao_state::Store,
    key: &str,
    output: &Path,
    expected: Option<&[(String, String)]>,
    reporter: &dyn Reporter,
) -> Result<Option<Reuse>> {
    let inputs = reading.inputs;
    let Some(mut prev) = partitions::Previous::load(store, key, output) else {
        return Ok(None);
    };
    let stats = input_stats(inputs);
    let listed: Vec<(&str, Option<(u64, u128)>)> = (0..inputs.len())
        .map(|i| (inputs.rel(i), stats[i]))
        .collect();
    let mut plan = prev.plan(&listed);
    drop(listed);
    // a page and its members stand or fall together: a changed picture reads its page again
    for (page, members) in reading.bundles.pages() {
        let members: Vec<usize> = members.collect();
        if !plan.is_clean(page) || members.iter().any(|&m| !plan.is_clean(m)) {
            plan.dirty(page);
            for m in members {
                plan.dirty(m);
            }
        }
    }
    // the documents not recorded as they are now: read (and cached) to learn their year
    type Facts = (
        nianbao_corpus::ReportFacts,
        Option<(String, String)>,
        Option<u64>,
    );
    let dirty: Vec<usize> = (0..inputs.len()).filter(|&i| !plan.is_clean(i)).collect();
    // (new scans can take minutes: the bar moves per document, on a terminal)
    reporter.start("new or changed documents", dirty.len() as u64);
    let read: Vec<(usize, Facts, bool, Option<Got>)> = dirty
        .into_par_iter()
        .map(|i| -> Result<_> {
            let mut g = reading.get(i, Some(store), None);
            if g.parsed && g.report.unreadable.is_none() {
                validate_chunk(std::slice::from_mut(&mut g.report))?;
                if !g.corrected && !g.retry {
                    store.put(&g.report).with_context(|| {
                        format!(
                            "caching {} in the state directory",
                            g.report.source.document
                        )
                    })?;
                }
            }
            let facts = nianbao_corpus::facts_of(&g.report, i as u32);
            let parsed = g.parsed;
            // (a report the state keeps was cached above: the run takes it from there)
            let keep = g.report.unreadable.is_some() || g.corrected || g.retry;
            reporter.advance(1);
            Ok((i, facts, parsed, keep.then_some(g)))
        })
        .collect::<Result<_>>()?;
    reporter.finish();
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
    let mut agencies = nianbao_corpus::Agencies::default();
    let mut facts = nianbao_corpus::FactTable::new(inputs.len());
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
    let corpus = nianbao_corpus::Corpus::check(facts, agencies, expected, inputs)?;
    let digests = ledger::digests(&corpus, inputs);
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
pub(crate) fn save_records(
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
                Table::per_report_tables().any(|t| {
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
