//! Computes `NIANBAO_PARSER_HASH`: a hash of the source of every crate that decides what a
//! document reads as. The incremental state is keyed by it, so changing the parser (or the
//! vocabulary) makes the next run re-read every document by itself.

use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else if matches!(
            p.extension().and_then(|x| x.to_str()),
            Some("rs" | "tsv" | "toml")
        ) {
            out.push(p);
        }
    }
}

fn main() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut all = Vec::new();
    for c in ["vocab", "extract", "normalize", "validate", "state"] {
        let d = crates.join(c);
        println!("cargo:rerun-if-changed={}", d.display());
        files(&d, &mut all);
    }
    all.sort();
    // FNV-1a over paths and contents: stable across machines and toolchains.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in &all {
        let rel = p
            .strip_prefix(&crates)
            .unwrap_or(p)
            .to_string_lossy()
            .replace('\\', "/");
        for b in rel.bytes().chain(std::fs::read(p).unwrap_or_default()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    println!("cargo:rustc-env=NIANBAO_PARSER_HASH={h:016x}");
}
