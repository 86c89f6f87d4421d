//! The long soundness run (issue 13): `cargo run --release -p nianbao-normalize --example
//! soundness -- [DOCS] [SEED] [WORD…]` reads DOCS adversarial documents (default 100,000) on all
//! cores (only those whose layout or damage kinds include every WORD, when given)
//! and prints the table of ACCURACY.md, the slowest documents, every wrong value and every row
//! whose complete readings lack the truth (there must be none of either). `just soundness` runs it.

#[path = "../tests/support/adversarial.rs"]
mod adversarial;

use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let seed: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(20261130);
    let only: Vec<String> = args.iter().skip(3).cloned().collect();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let started = Instant::now();
    let adversarial::Run {
        tallies,
        wrongs,
        misses,
        slow,
    } = if only.is_empty() {
        adversarial::run(seed, n)
    } else {
        adversarial::run_only(seed, n, &only)
    };
    println!("{}", adversarial::table(&tallies));
    println!(
        "{n} documents, seed {seed}, {:.1} s on {threads} threads",
        started.elapsed().as_secs_f64()
    );
    for (secs, name) in &slow {
        println!("slowest: {secs:.3} s {name}");
    }
    for w in &wrongs {
        println!(
            "WRONG {} {}: want {} got {} ({})",
            w.doc, w.key, w.want, w.got, w.status
        );
    }
    for m in &misses {
        println!(
            "MISSED {} {}: truth {} not among {}",
            m.doc, m.key, m.want, m.got
        );
    }
    let meta: usize = tallies
        .iter()
        .filter(|((_, d), _)| d == "all")
        .map(|(_, t)| t.meta_wrong)
        .sum();
    println!("wrong values: {}", wrongs.len());
    println!("documents with wrong metadata: {meta}");
    println!(
        "rows whose truth is not among their readings: {}",
        misses.len()
    );
    if !wrongs.is_empty() || meta > 0 || !misses.is_empty() {
        std::process::exit(1);
    }
}
