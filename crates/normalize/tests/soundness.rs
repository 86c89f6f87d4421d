//! The differential soundness test (issue 13): adversarial documents with known truth, every
//! layout and damage kind; no value the reader writes may differ from the truth. CI runs a few
//! thousand; `just soundness` runs 100,000 and prints the table of ACCURACY.md.

#[path = "support/adversarial.rs"]
mod adversarial;

#[test]
fn no_wrong_value_on_adversarial_documents() {
    let n: usize = std::env::var("NIANBAO_SOUNDNESS_DOCS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3000);
    let adversarial::Run {
        tallies,
        wrongs,
        misses,
        slow,
    } = adversarial::run(20261130, n);
    println!("{}", adversarial::table(&tallies));
    for (secs, name) in &slow {
        println!("slowest: {secs:.3} s {name}");
    }
    let shown: Vec<String> = wrongs
        .iter()
        .take(30)
        .map(|w| {
            format!(
                "{} {}: want {} got {} ({})",
                w.doc, w.key, w.want, w.got, w.status
            )
        })
        .collect();
    assert!(
        wrongs.is_empty(),
        "{} wrong values:\n{}",
        wrongs.len(),
        shown.join("\n")
    );
    // candidate completeness, apart from the choice: every row enumerated completely has the
    // true reading among its readings
    let shown: Vec<String> = misses
        .iter()
        .take(30)
        .map(|m| format!("{} {}: truth {} not among {}", m.doc, m.key, m.want, m.got))
        .collect();
    assert!(
        misses.is_empty(),
        "{} rows whose true reading is not among their readings:\n{}",
        misses.len(),
        shown.join("\n")
    );
    let rows: usize = tallies
        .iter()
        .filter(|((_, d), _)| d == "all")
        .map(|(_, t)| t.rows_complete)
        .sum();
    assert!(rows > 10 * n, "rows enumerated completely: {rows}");
    // metadata (agency, year, template) of every generated document, title variants included
    let meta: usize = tallies
        .iter()
        .filter(|((_, d), _)| d == "all")
        .map(|(_, t)| t.meta_wrong)
        .sum();
    assert_eq!(meta, 0, "documents with wrong metadata");
    // the test can fail: the generator does produce recoverable and damaged cells
    let all: usize = tallies.values().map(|t| t.recovered).sum();
    assert!(all > 0);
}
