//! The differential check shared by the CI test (`tests/soundness.rs`) and the long run
//! (`examples/soundness.rs`): read adversarial documents with known truth and count, per
//! layout and damage kind, wrong values (must be 0), recovered and ambiguous cells.

use std::collections::BTreeMap;

use nianbao_normalize::{normalize, CellStatus, Source};
use nianbao_synth::adversarial::{generate, AdvDoc};

/// Counts for one (layout, damage) pair.
#[derive(Debug, Default, Clone)]
pub struct Tally {
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
}

/// One wrong value, for the failure message.
#[derive(Debug, Clone)]
pub struct Wrong {
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

/// Reads one document and adds its counts.
pub fn check(d: &AdvDoc, tallies: &mut BTreeMap<(String, String), Tally>, wrongs: &mut Vec<Wrong>) {
    let doc = nianbao_extract::read(&d.bytes).expect("adversarial documents decode");
    let report = normalize(&doc, Source::default());
    let mut t = Tally {
        docs: 1,
        ..Tally::default()
    };
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
        let e = tallies
            .entry((d.layout.to_owned(), damage.to_owned()))
            .or_default();
        e.docs += t.docs;
        e.shown += t.shown;
        e.recovered += t.recovered;
        e.ambiguous += t.ambiguous;
        e.wrong += t.wrong;
        e.inferred += t.inferred;
        e.meta_wrong += t.meta_wrong;
    }
}

/// Runs documents `from..to` of a seed.
pub fn run(
    seed: u64,
    from: usize,
    to: usize,
) -> (BTreeMap<(String, String), Tally>, Vec<Wrong>) {
    let mut tallies = BTreeMap::new();
    let mut wrongs = Vec::new();
    for i in from..to {
        check(&generate(seed, i), &mut tallies, &mut wrongs);
    }
    (tallies, wrongs)
}

/// The table of ACCURACY.md.
pub fn table(tallies: &BTreeMap<(String, String), Tally>) -> String {
    let mut s = String::from(
        "| layout | damage | docs | printed cells | wrong | recovered | ambiguous | inferred blanks | metadata wrong |\n|---|---|---:|---:|---:|---:|---:|---:|---:|\n",
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
            "| {layout} | {damage} | {} | {} | **{}** | {} | {} | {} | {} |\n",
            t.docs,
            t.shown,
            t.wrong,
            pct(t.recovered, t.shown),
            pct(t.ambiguous, t.shown),
            t.inferred,
            t.meta_wrong
        ));
    }
    s
}
