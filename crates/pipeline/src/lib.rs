//! The build pipeline: sources (a folder walk) → extract → normalize → validate → export
//! (sinks), chunk by chunk so memory stays flat, each chunk parsed on all cores; the
//! incremental state, the nothing-changed skip, the reuse of unchanged year partitions
//! (nightly runs of large corpora, see the `partitions` module), the user's corrections, the
//! panel and the summary page. **In**: a [`Config`]. **Out**: a published dataset and its [`Outcome`].
//! **Never**: prints (notes, progress and timings go to the caller's [`Reporter`]), decides the
//! exit code (the CLI does), or holds the corpus in memory.
//!
//! ```no_run
//! let cfg = nianbao_pipeline::Config::load(std::path::Path::new("pipelines/default.toml"))?;
//! let outcome = nianbao_pipeline::build(&cfg, &nianbao_pipeline::Silent)?;
//! println!("{} documents", outcome.summary.documents);
//! # Ok::<(), anyhow::Error>(())
//! ```
//!
//! One document without a run: [`read_document`] (a path) or [`report_from_bytes`], then
//! [`validate_chunk`] and the batches of `nianbao_normalize::batch`.
//!
//! Where things are:
//!
//! | module | what |
//! |---|---|
//! | `run` | one run in phases: start → unchanged? → plan → read → link → close → publish → commit → finish |
//! | `document` | one document: read or taken from the state, corrected, validated; the single-document API |
//! | `encode` | a chunk split into pieces, validated, cached and encoded on any thread; the writer stage |
//! | `changes` | change accounting, written once: added, changed, parsed, failed; the next index |
//! | `inputs` | the folder walk, and the inputs' sizes and modification times |
//! | `bundles` | web pages and their members (pictures, attachments), found before reading: one report per page |
//! | `provenance` | where collected documents came from (`nianbao collect`'s state) |
//! | `index` | the previous run's index, walked beside the inputs |
//! | `skip` | the nothing-changed skip (fingerprint of build, config and inputs) |
//! | `reuse`, `partitions` | nightly partition reuse: the run's side, and the records |
//! | `ledger` | what the run keeps per document for the corpus-wide checks, the panel and `reports` |
//! | `tables` | the dataset's tables |
//! | `corrections` | the user's corrections file |
//! | `config` | the pipeline file |
//! | `report` | the [`Reporter`] a caller gives a run: notes, progress, timings |
//! | `digest`, `laps` | hex digits of hashes; each phase's time and memory |

mod bundles;
mod changes;
pub mod config;
mod corrections;
mod digest;
mod document;
mod encode;
mod index;
mod inputs;
mod laps;
mod ledger;
mod partitions;
mod provenance;
mod report;
mod reuse;
mod run;
mod skip;
mod summary;
mod tables;

use anyhow::Result;

pub use bundles::{find_pages, members_of, PageMembers};
pub use config::Config;
pub use document::{
    read_batches, read_document, read_page_batches, read_page_reports, report_from_bytes,
    validate_chunk, Batches,
};
pub use nianbao_normalize::bundle::Role;
pub use report::{Reporter, Silent};
pub use summary::Summary;
pub use tables::Table;

use run::Run;

/// What a run did: the summary (the CLI's `--json`), and every unreadable document with its
/// reason.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The summary (`summary.to_json()` is what `--json` prints).
    pub summary: Summary,
    /// `(document, reason)` of each unreadable document.
    pub unreadable: Vec<(String, String)>,
}

impl Outcome {
    /// The number of reports with error findings (`--strict` fails the run on them).
    pub fn errors(&self) -> u64 {
        self.summary.by_status.get("error").copied().unwrap_or(0)
    }
}

/// Builds (or incrementally refreshes) the dataset `cfg` describes and publishes it
/// atomically, phase by phase (see the `run` module). Notes, progress and timings go to
/// `reporter` ([`Silent`] says nothing); the library never prints.
pub fn build(cfg: &Config, reporter: &dyn Reporter) -> Result<Outcome> {
    let mut run = Run::start(cfg, reporter)?;
    if let Some(skipped) = run.unchanged() {
        return skipped;
    }
    let (writer, ledger) = run.plan()?;
    let (mut writer, ledger) = run.read(writer, ledger)?;
    run.link(&mut writer)?;
    let (mut closing, records) = run.close(&mut writer, ledger)?;
    let published = run.publish(writer, &mut closing)?;
    let corrections = run.commit(records, &closing, &published)?;
    Ok(run.finish(closing, published, corrections))
}

#[cfg(test)]
mod tests {
    /// The previous index walked beside the inputs: entries found by path, the ones passed
    /// over or left at the end counted as removed files.
    #[test]
    fn the_old_index_is_merged_with_the_inputs_in_path_order() {
        let dir = tempfile::tempdir().unwrap();
        let store = nianbao_state::Store::open(dir.path(), "k").unwrap();
        let seen = |n: u64| nianbao_state::Seen {
            size: n,
            mtime_ns: 1,
            sha256: format!("{n:064x}"),
        };
        let mut w = store.index_writer().unwrap();
        for (i, p) in ["a.txt", "b/c.txt", "b/d.txt", "e.txt", "z.txt"]
            .iter()
            .enumerate()
        {
            w.add(p, &seen(i as u64)).unwrap();
        }
        w.commit().unwrap();
        let mut old = crate::index::OldIndex::new(Some(store.read_index()));
        // inputs now: a.txt, b/d.txt (b/c.txt removed), c.txt (new), e.txt; z.txt removed
        assert_eq!(old.seek("a.txt").map(|s| s.size), Some(0));
        assert_eq!(old.seek("b/d.txt").map(|s| s.size), Some(2));
        assert_eq!(old.seek("c.txt"), None);
        assert_eq!(old.seek("e.txt").map(|s| s.size), Some(3));
        assert_eq!(old.finish(), 2);
        assert_eq!(crate::index::OldIndex::new(None).seek("a.txt"), None);
    }

    #[test]
    fn one_document_reads_into_the_tables_batches() {
        let doc = nianbao_synth::generate_layouts(1, 5, false, &["tabbed"]).remove(0);
        let b = crate::read_batches(&doc.bytes, &doc.name, &Default::default()).unwrap();
        assert_eq!(b.reports.num_rows(), 1);
        assert_eq!(b.cells_wide.num_rows(), 1);
        let stated = doc.gold["values"].as_object().unwrap().len();
        assert!(b.cells.num_rows() >= stated, "{} cells", b.cells.num_rows());
        assert_eq!(b.sections.num_rows(), 6);
        // an unreadable document is one row with its reason, never an error
        let b = crate::read_batches(b"", "empty.txt", &Default::default()).unwrap();
        assert_eq!((b.reports.num_rows(), b.cells.num_rows()), (1, 0));
    }

    #[test]
    fn sha_bytes_reads_hex_and_refuses_anything_else() {
        let hex = "00ff".repeat(16);
        let b = crate::digest::sha_bytes(&hex).unwrap();
        assert_eq!((b[0], b[1], b[31]), (0x00, 0xff, 0xff));
        assert_eq!(crate::digest::sha_bytes("abc"), None);
        assert_eq!(crate::digest::sha_bytes(&"zz".repeat(32)), None);
    }

    #[test]
    fn document_columns_ask_for_parquet_statistics_with_the_key_export_reads() {
        // the tables written in document order (the panel's are by agency and year)
        for table in crate::Table::per_report_tables() {
            let (name, schema) = (table.name(), table.schema());
            let f = schema.field_with_name("document").unwrap();
            let asked = f.metadata().get(nianbao_export::STATISTICS_METADATA);
            assert_eq!(asked.map(String::as_str), Some("min_max"), "{name}");
        }
    }
}
