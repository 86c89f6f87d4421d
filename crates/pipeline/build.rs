//! Computes `NIANBAO_PARSER_HASH`: a hash of the source of every crate that decides what a
//! document reads as (its Rust, its tables, and the OCR helper script it runs). The
//! incremental state is keyed by it, so changing the parser (or the vocabulary, or the OCR
//! helper) makes the next run re-read every document by itself. And `NIANBAO_BUILD_HASH`,
//! the same over every crate that decides a dataset's bytes plus `Cargo.lock`: an incremental
//! run whose inputs, config and build hash are those of the published dataset skips the rebuild.

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
            Some("rs" | "tsv" | "toml" | "py")
        ) {
            out.push(p);
        }
    }
}

/// FNV-1a over the files' paths (relative to `root`) and contents: stable across machines
/// and toolchains.
fn fnv(root: &Path, all: &[PathBuf]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in all {
        let rel = p
            .strip_prefix(root)
            .unwrap_or(p)
            .to_string_lossy()
            .replace('\\', "/");
        for b in rel.bytes().chain(std::fs::read(p).unwrap_or_default()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let crates = root.join("crates");
    let mut all = Vec::new();
    for c in [
        "vocab",
        "model",
        "regions",
        "extract",
        "normalize",
        "validate",
        // the facts kept per document in the partitions' records (ReportFacts) are its
        "corpus",
        "state",
    ] {
        let d = crates.join(c);
        println!("cargo:rerun-if-changed={}", d.display());
        files(&d, &mut all);
    }
    all.sort();
    println!(
        "cargo:rustc-env=NIANBAO_PARSER_HASH={:016x}",
        fnv(&crates, &all)
    );
    // Everything a dataset's bytes depend on besides the documents and the config: the parser,
    // the writers, the binary, and the locked versions of every dependency (`parquet` writes
    // its version into each file). Runs with an unchanged fingerprint skip the rebuild.
    for c in ["export", "pipeline"] {
        let d = crates.join(c);
        println!("cargo:rerun-if-changed={}", d.display());
        files(&d, &mut all);
    }
    let lock = root.join("Cargo.lock");
    println!("cargo:rerun-if-changed={}", lock.display());
    all.push(lock);
    all.sort();
    println!(
        "cargo:rustc-env=NIANBAO_BUILD_HASH={:016x}",
        fnv(&root, &all)
    );
}
