//! The long soundness run (issue 13): `cargo run --release -p nianbao-normalize --example
//! soundness -- [DOCS] [SEED]` reads DOCS adversarial documents (default 100,000) on all cores
//! and prints the table of ACCURACY.md, the slowest documents, and every wrong value (there
//! must be none). `just soundness` runs it.

#[path = "../tests/support/adversarial.rs"]
mod adversarial;

use std::collections::BTreeMap;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let seed: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(20261130);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let started = Instant::now();
    let chunk = n.div_ceil(threads);
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                s.spawn(move || {
                    let mut tallies = BTreeMap::new();
                    let mut wrongs = Vec::new();
                    let mut slow: Vec<(f64, String)> = Vec::new();
                    for i in (t * chunk)..((t + 1) * chunk).min(n) {
                        let d = nianbao_synth::adversarial::generate(seed, i);
                        let t0 = Instant::now();
                        adversarial::check(&d, &mut tallies, &mut wrongs);
                        slow.push((t0.elapsed().as_secs_f64(), d.name.clone()));
                        slow.sort_by(|a, b| b.0.total_cmp(&a.0));
                        slow.truncate(5);
                    }
                    (tallies, wrongs, slow)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("worker")).collect()
    });
    let mut tallies: BTreeMap<(String, String), adversarial::Tally> = BTreeMap::new();
    let mut wrongs = Vec::new();
    let mut slow = Vec::new();
    for (t, w, s) in results {
        for (k, v) in t {
            let e = tallies.entry(k).or_default();
            e.docs += v.docs;
            e.shown += v.shown;
            e.recovered += v.recovered;
            e.ambiguous += v.ambiguous;
            e.wrong += v.wrong;
            e.inferred += v.inferred;
            e.meta_wrong += v.meta_wrong;
        }
        wrongs.extend(w);
        slow.extend(s);
    }
    slow.sort_by(|a, b| b.0.total_cmp(&a.0));
    println!("{}", adversarial::table(&tallies));
    println!(
        "{n} documents, seed {seed}, {:.1} s on {threads} threads",
        started.elapsed().as_secs_f64()
    );
    for (secs, name) in slow.iter().take(5) {
        println!("slowest: {secs:.3} s {name}");
    }
    for w in &wrongs {
        println!(
            "WRONG {} {}: want {} got {} ({})",
            w.doc, w.key, w.want, w.got, w.status
        );
    }
    println!("wrong values: {}", wrongs.len());
    if !wrongs.is_empty() {
        std::process::exit(1);
    }
}
