//! Times the read stage alone (extract + normalize, one thread) over a folder of documents:
//! `cargo run --profile profiling -p nianbao-normalize --example read_stage -- DIR`.
//! Used to profile (`perf record`) the stage without the writers and validation.

use std::time::Instant;

fn main() {
    let dir = std::env::args().nth(1).expect("usage: read_stage DIR");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("readable folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    let docs: Vec<Vec<u8>> = files
        .iter()
        .map(|p| std::fs::read(p).expect("read"))
        .collect();
    let (mut t_extract, mut t_norm) = (0.0f64, 0.0f64);
    let mut cells = 0usize;
    for bytes in &docs {
        let t0 = Instant::now();
        let Ok(doc) = nianbao_extract::read(bytes) else {
            continue;
        };
        let t1 = Instant::now();
        let report = nianbao_normalize::normalize(&doc, nianbao_normalize::Source::default());
        let t2 = Instant::now();
        cells += report.cells.len();
        t_extract += (t1 - t0).as_secs_f64();
        t_norm += (t2 - t1).as_secs_f64();
    }
    let n = docs.len() as f64;
    println!(
        "{} documents, {cells} cells: extract {:.0} µs/doc, normalize {:.0} µs/doc",
        docs.len(),
        t_extract / n * 1e6,
        t_norm / n * 1e6
    );
}
