//! The differential check shared by the CI test (`tests/soundness.rs`) and the long run
//! (`examples/soundness.rs`): read adversarial documents with known truth and count, per
//! layout and damage kind, wrong values (must be 0), recovered and ambiguous cells.

use std::collections::BTreeMap;

use nianbao_normalize::{normalize, CellStatus, Source};
use nianbao_synth::adversarial::{generate, AdvDoc};

/// Counts for one (layout, damage) pair.
#[derive(Debug, Default, Clone)]
pub(crate) struct Tally {
    /// Documents.
    pub docs: usize,
    /// Cells printed with their number.
    pub shown: usize,
    /// Printed cells read right.
    pub recovered: usize,
    /// Printed cells left null as ambiguous.
    pub ambiguous: usize,
    /// Non-null values that differ from the truth (any cell).
    pub wrong: usize,
    /// Cells not printed that were inferred (to the truth).
    pub inferred: usize,
    /// Documents whose agency, year or template differ from the truth.
    pub meta_wrong: usize,
    /// Rows found whose readings were enumerated completely (not cut short by a budget).
    pub rows_complete: usize,
    /// Of those, rows whose true reading is not among the readings (must be 0).
    pub rows_missed: usize,
}

impl Tally {
    /// Adds the counts of `o`.
    pub(crate) fn add(&mut self, o: &Tally) {
        self.docs += o.docs;
        self.shown += o.shown;
        self.recovered += o.recovered;
        self.ambiguous += o.ambiguous;
        self.wrong += o.wrong;
        self.inferred += o.inferred;
        self.meta_wrong += o.meta_wrong;
        self.rows_complete += o.rows_complete;
        self.rows_missed += o.rows_missed;
    }
}

/// One wrong value, for the failure message.
#[derive(Debug, Clone)]
pub(crate) struct Wrong {
    /// Document name.
    pub doc: String,
    /// Cell key.
    pub key: String,
    /// Truth.
    pub want: f64,
    /// Written.
    pub got: f64,
    /// Its status.
    pub status: &'static str,
}

/// A row whose complete set of readings lacks the true reading, for the failure message.
#[derive(Debug, Clone)]
pub(crate) struct Missed {
    /// Document name.
    pub doc: String,
    /// The row's first cell key.
    pub key: String,
    /// The true reading (`_` for a cell not printed).
    pub want: String,
    /// How many readings there were, and the first few.
    pub got: String,
}

fn fmt_reading(r: &[Option<f64>]) -> String {
    r.iter()
        .map(|v| v.map_or_else(|| "_".to_owned(), |v| v.to_string()))
        .collect::<Vec<_>>()
        .join("|")
}

/// The candidate-completeness property, apart from what is finally chosen: for every row the
/// reader found and enumerated completely, the true reading (the printed cells' values, null
/// for the cells not printed) is among its readings. Returns the rows checked and the misses.
pub(crate) fn complete_rows(d: &AdvDoc, doc: &nianbao_extract::Document) -> (usize, Vec<Missed>) {
    let mut checked = 0;
    let mut missed = Vec::new();
    for row in nianbao_normalize::row_candidates(doc) {
        // a budget cut the search short: the row is never chosen from (it stays ambiguous)
        if row.truncated {
            continue;
        }
        // the 2019 row 其他处理 of a report that gives the 2021 items instead: not stated
        if row.candidates.is_empty()
            && row
                .note
                .as_deref()
                .is_some_and(|n| n.contains("2021 format"))
        {
            continue;
        }
        // (value, printed) of each cell
        let Some(want) = row
            .keys
            .iter()
            .map(|k| d.truth.get(*k).map(|v| (*v, d.shown.contains(*k))))
            .collect::<Option<Vec<(f64, bool)>>>()
        else {
            continue;
        };
        checked += 1;
        let same = |c: &Vec<Option<f64>>| {
            c.len() == want.len()
                && c.iter().zip(&want).all(|(got, &(v, printed))| match got {
                    Some(g) => (g - v).abs() < 1e-6,
                    // a cell not printed may be read blank (or as its true value: a dash as 0)
                    None => !printed,
                })
        };
        if !row.candidates.iter().any(same) {
            missed.push(Missed {
                doc: d.name.clone(),
                key: row.keys[0].to_owned(),
                want: fmt_reading(
                    &want
                        .iter()
                        .map(|&(v, printed)| printed.then_some(v))
                        .collect::<Vec<_>>(),
                ),
                got: format!(
                    "{} readings ({:?}): {}",
                    row.candidates.len(),
                    row.mode,
                    row.candidates
                        .iter()
                        .take(3)
                        .map(|c| fmt_reading(c))
                        .collect::<Vec<_>>()
                        .join(" / ")
                ),
            });
        }
    }
    (checked, missed)
}

/// Reads one document and adds its counts.
pub(crate) fn check(
    d: &AdvDoc,
    tallies: &mut BTreeMap<(String, String), Tally>,
    wrongs: &mut Vec<Wrong>,
    misses: &mut Vec<Missed>,
) {
    let doc = nianbao_extract::read(&d.bytes).expect("adversarial documents decode");
    let report = normalize(&doc, Source::default());
    let (rows_complete, missed) = complete_rows(d, &doc);
    let mut t = Tally {
        docs: 1,
        rows_complete,
        rows_missed: missed.len(),
        ..Tally::default()
    };
    misses.extend(missed);
    for (key, want) in &d.truth {
        let Some(c) = report.cell(key) else { continue };
        let shown = d.shown.contains(key);
        if shown {
            t.shown += 1;
        }
        match c.value {
            Some(got) if (got - want).abs() > 1e-6 => {
                t.wrong += 1;
                wrongs.push(Wrong {
                    doc: d.name.clone(),
                    key: key.clone(),
                    want: *want,
                    got,
                    status: c.status.as_str(),
                });
            }
            Some(_) if shown => t.recovered += 1,
            Some(_) => t.inferred += 1,
            None if shown && c.status == CellStatus::Ambiguous => t.ambiguous += 1,
            None => {}
        }
    }
    if report.agency.as_deref() != Some(d.agency.as_str())
        || report.report_year != Some(d.year)
        || report.template != Some(d.template)
    {
        t.meta_wrong += 1;
    }
    for damage in std::iter::once("all").chain(d.damage.iter().copied()) {
        tallies
            .entry((d.layout.to_owned(), damage.to_owned()))
            .or_default()
            .add(&t);
    }
}

/// Merges the counts of `b` into `a`.
pub(crate) fn merge(
    a: &mut BTreeMap<(String, String), Tally>,
    b: BTreeMap<(String, String), Tally>,
) {
    for (k, v) in b {
        a.entry(k).or_default().add(&v);
    }
}

/// What a run found.
pub(crate) struct Run {
    /// Counts per (layout, damage).
    pub tallies: BTreeMap<(String, String), Tally>,
    /// Wrong values.
    pub wrongs: Vec<Wrong>,
    /// Rows whose complete readings lack the truth.
    pub misses: Vec<Missed>,
    /// The slowest documents (seconds, name).
    pub slow: Vec<(f64, String)>,
}

/// Reads documents `0..n` of a seed on every core.
pub(crate) fn run(seed: u64, n: usize) -> Run {
    run_only(seed, n, &[])
}

/// [`run`], reading only the documents whose layout or damage kinds include every word of
/// `only` (`["tabbed", "label_span", "stray_column"]`): the same documents as the full run, so a
/// combination can be measured again without reading the rest.
pub(crate) fn run_only(seed: u64, n: usize, only: &[String]) -> Run {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut tallies = BTreeMap::new();
                    let mut wrongs = Vec::new();
                    let mut misses = Vec::new();
                    let mut slow: Vec<(f64, String)> = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if i >= n {
                            break;
                        }
                        let d = generate(seed, i);
                        if !only.iter().all(|w| {
                            d.layout == w
                                || d.damage.contains(&w.as_str())
                                || d.name.contains(w.as_str())
                        }) {
                            continue;
                        }
                        let t0 = std::time::Instant::now();
                        check(&d, &mut tallies, &mut wrongs, &mut misses);
                        slow.push((t0.elapsed().as_secs_f64(), d.name.clone()));
                        slow.sort_by(|a, b| b.0.total_cmp(&a.0));
                        slow.truncate(5);
                    }
                    (tallies, wrongs, misses, slow)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("worker"))
            .collect()
    });
    let mut tallies = BTreeMap::new();
    let mut wrongs = Vec::new();
    let mut misses = Vec::new();
    let mut slow = Vec::new();
    for (t, w, m, s) in results {
        merge(&mut tallies, t);
        wrongs.extend(w);
        misses.extend(m);
        slow.extend(s);
    }
    wrongs.sort_by(|a: &Wrong, b: &Wrong| (&a.doc, &a.key).cmp(&(&b.doc, &b.key)));
    misses.sort_by(|a: &Missed, b: &Missed| (&a.doc, &a.key).cmp(&(&b.doc, &b.key)));
    slow.sort_by(|a, b| b.0.total_cmp(&a.0));
    slow.truncate(5);
    Run {
        tallies,
        wrongs,
        misses,
        slow,
    }
}

/// The table of ACCURACY.md.
pub(crate) fn table(tallies: &BTreeMap<(String, String), Tally>) -> String {
    let mut s = String::from(
        "| layout | damage | docs | printed cells | wrong | recovered | ambiguous | inferred blanks | metadata wrong | rows enumerated | truth not among readings |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let pct = |a: usize, b: usize| {
        if b == 0 {
            "–".to_owned()
        } else {
            format!("{:.2}%", 100.0 * a as f64 / b as f64)
        }
    };
    for ((layout, damage), t) in tallies {
        s.push_str(&format!(
            "| {layout} | {damage} | {} | {} | **{}** | {} | {} | {} | {} | {} | **{}** |\n",
            t.docs,
            t.shown,
            t.wrong,
            pct(t.recovered, t.shown),
            pct(t.ambiguous, t.shown),
            t.inferred,
            t.meta_wrong,
            t.rows_complete,
            t.rows_missed
        ));
    }
    s
}
