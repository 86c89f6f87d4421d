//! The incremental-build state: what a previous run read, so that the next run parses only
//! what changed.
//!
//! **In:** reports produced by `normalize` + per-report `validate`, keyed by the SHA-256 of the
//! document's bytes; the parser key of the running binary. **Out:** the same reports, read back
//! exactly (a cached report and a freshly parsed one write byte-identical rows). **Never:**
//! trusts an entry written by another parser version, caches a document that could not be
//! read (the reason may be the machine's: a missing tool, a time limit), or keys anything by
//! path — the path of a cached report is set by the caller on every run.
//!
//! Layout (a plain content-addressed file tree, chosen over an embedded database because every
//! entry is written once and read whole, the tree needs no compaction or recovery, and a run
//! killed while writing leaves at most a temporary file that the next run ignores):
//!
//! ```text
//! STATE/
//!   parser-KEY/objects/ab/abcdef….pc.zst     one report per document content (postcard, zstd)
//!   parser-KEY/index.tsv                      path, size, mtime → sha256 (skip re-hashing)
//!   parser-KEY/last-run.json                  the caller's record of the last published run
//! ```
//!
//! A new parser key starts an empty `parser-KEY` directory and removes the others.
//!
//! ```
//! use nianbao_model::{Report, Source};
//! let dir = tempfile::tempdir().unwrap();
//! let store = nianbao_state::Store::open(dir.path(), "test-1").unwrap();
//! let src = Source { report_id: "ab12".into(), document: "a.txt".into(), sha256: "ab12cd".into(), bytes: 3 };
//! let r = Report::empty(src.clone(), nianbao_model::Format::Text);
//! store.put(&r).unwrap();
//! let back = store.get(&Source { document: "b.txt".into(), ..src }).unwrap().unwrap();
//! assert_eq!(back.source.document, "b.txt");
//! ```

mod stored;

use std::io::Write;
use std::path::{Path, PathBuf};

use nianbao_model::{Report, Source};

/// Why the state could not be used. A broken entry is never an error: it is a cache miss.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The state path holds something nianbao did not write; nothing was touched.
    #[error("refusing to use {path} as the state folder: {why}")]
    NotOurs {
        /// The path.
        path: PathBuf,
        /// What is there, and what to do.
        why: String,
    },
    /// The state directory cannot be created or written.
    #[error("the state directory {path} cannot be used: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StateError + '_ {
    move |source| StateError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The file that marks a folder as a nianbao state (written when a store is opened).
pub const STATE_MARKER: &str = "NIANBAO_STATE";

/// Checks that `root` may be used as the state folder, touching nothing: it does not exist,
/// is empty, carries [`STATE_MARKER`], or holds only `parser-*` stores (as states written
/// before the marker did). A folder of the user's is refused, since opening a store removes
/// the stores of other parser versions in it.
pub fn check_dir(root: &Path) -> Result<(), StateError> {
    let meta = match std::fs::symlink_metadata(root) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io(root)(e)),
    };
    let refuse = |why: String| StateError::NotOurs {
        path: root.to_owned(),
        why,
    };
    if !meta.is_dir() {
        return Err(refuse(if meta.is_symlink() {
            "it is a symbolic link; give the folder it points to".into()
        } else {
            "it is a file".into()
        }));
    }
    if root.join(STATE_MARKER).is_file() {
        return Ok(());
    }
    let mut foreign = Vec::new();
    for e in std::fs::read_dir(root).map_err(io(root))?.flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        let store = n.starts_with("parser-") && e.path().join("objects").is_dir();
        if !store {
            foreign.push(n);
        }
    }
    foreign.sort();
    if foreign.is_empty() {
        return Ok(());
    }
    Err(refuse(format!(
        "it holds files nianbao did not write ({}); choose another state folder, or empty this one",
        foreign
            .iter()
            .take(3)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

/// What the index remembers of an input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the epoch.
    pub mtime_ns: u128,
    /// SHA-256 of the content, hex.
    pub sha256: String,
}

/// The content-addressed store of one parser key.
#[derive(Debug)]
pub struct Store {
    dir: PathBuf,
}

impl Store {
    /// Opens (creating) the store of `parser_key` under `root`; stores of other keys are
    /// removed, so that a new parser version re-reads everything. `root` must pass
    /// [`check_dir`] (a folder of the user's is refused, untouched).
    pub fn open(root: &Path, parser_key: &str) -> Result<Store, StateError> {
        check_dir(root)?;
        let dir = root.join(format!("parser-{parser_key}"));
        std::fs::create_dir_all(dir.join("objects")).map_err(io(&dir))?;
        let marker = root.join(STATE_MARKER);
        if !marker.is_file() {
            std::fs::write(
                &marker,
                b"The incremental state of nianbao build: safe to delete (the next run reads every document again).\n",
            )
            .map_err(io(&marker))?;
        }
        if let Ok(entries) = std::fs::read_dir(root) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.starts_with("parser-") && e.path() != dir {
                    // best effort: an old store that cannot be removed is only wasted space
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
        Ok(Store { dir })
    }

    /// The store's directory (the state of this parser key), where callers may keep records
    /// of their own that belong with it (e.g. the pipeline's `partitions/`).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn object(&self, sha: &str) -> PathBuf {
        let prefix = sha.get(..2).unwrap_or("xx");
        self.dir
            .join("objects")
            .join(prefix)
            .join(format!("{sha}.pc.zst"))
    }

    /// The cached report of a content, with `source` (path) of this run; `None` when absent
    /// or unreadable.
    pub fn get(&self, source: &Source) -> Result<Option<Report>, StateError> {
        let p = self.object(&source.sha256);
        let Ok(bytes) = std::fs::read(&p) else {
            return Ok(None);
        };
        let Ok(packed) = zstd::decode_all(&bytes[..]) else {
            return Ok(None);
        };
        let Ok(stored) = postcard::from_bytes::<stored::StoredReport>(&packed) else {
            return Ok(None);
        };
        Ok(stored.into_report(source.clone()))
    }

    /// Caches a report (readable ones only; see the crate doc). Written to a temporary file
    /// and renamed, so a reader never sees half an entry.
    pub fn put(&self, report: &Report) -> Result<(), StateError> {
        if report.unreadable.is_some() || report.source.sha256.is_empty() {
            return Ok(());
        }
        let p = self.object(&report.source.sha256);
        if p.exists() {
            return Ok(());
        }
        let parent = p.parent().unwrap_or(&self.dir);
        std::fs::create_dir_all(parent).map_err(io(parent))?;
        let Some(stored) = stored::StoredReport::from_report(report) else {
            return Ok(());
        };
        let plain = postcard::to_stdvec(&stored).expect("the stored report serializes");
        let packed = zstd::encode_all(&plain[..], 1).map_err(io(&p))?;
        let tmp = p.with_extension(format!("tmp-{}", std::process::id()));
        std::fs::write(&tmp, packed).map_err(io(&tmp))?;
        std::fs::rename(&tmp, &p).map_err(io(&p))?;
        Ok(())
    }

    /// Removes the entries whose content (SHA-256, hex) `live` rejects. Returns how many.
    pub fn retain(&self, live: impl Fn(&str) -> bool) -> usize {
        let mut removed = 0;
        let objects = self.dir.join("objects");
        for d in std::fs::read_dir(&objects).into_iter().flatten().flatten() {
            for e in std::fs::read_dir(d.path()).into_iter().flatten().flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                let sha = name.split('.').next().unwrap_or("");
                if !live(sha) && std::fs::remove_file(e.path()).is_ok() {
                    removed += 1;
                }
            }
        }
        removed
    }

    /// Whether an index of a previous run exists (a new or deleted state has none).
    pub fn has_index(&self) -> bool {
        self.dir.join("index.tsv").is_file()
    }

    /// The index of the previous run, one entry at a time in path order (the order it was
    /// written in), so that a million entries are never in memory at once. Empty when there is
    /// none; it stops early at a line out of order (those files are then simply re-hashed).
    pub fn read_index(&self) -> IndexReader {
        IndexReader {
            lines: std::fs::File::open(self.dir.join("index.tsv"))
                .ok()
                .map(|f| std::io::BufRead::lines(std::io::BufReader::new(f))),
            last: None,
        }
    }

    /// A writer for the next index: entries go to a temporary file as the run goes, in path
    /// order; [`IndexWriter::commit`] puts it in place. Temporary files of killed runs are
    /// removed first.
    pub fn index_writer(&self) -> Result<IndexWriter, StateError> {
        for e in std::fs::read_dir(&self.dir).into_iter().flatten().flatten() {
            if e.file_name()
                .to_string_lossy()
                .starts_with("index.tsv.tmp-")
            {
                let _ = std::fs::remove_file(e.path());
            }
        }
        let tmp = self
            .dir
            .join(format!("index.tsv.tmp-{}", std::process::id()));
        let out = std::io::BufWriter::new(std::fs::File::create(&tmp).map_err(io(&tmp))?);
        Ok(IndexWriter {
            path: self.dir.join("index.tsv"),
            tmp,
            out,
        })
    }

    /// The record the caller saved for the last run that published a dataset
    /// ([`Store::save_last_run`]); `None` when there is none. It lives in the parser key's
    /// folder, so a new parser forgets it.
    pub fn last_run(&self) -> Option<Vec<u8>> {
        std::fs::read(self.dir.join("last-run.json")).ok()
    }

    /// Replaces the last-run record (temporary file + rename: a reader sees the old record or
    /// the new one).
    pub fn save_last_run(&self, bytes: &[u8]) -> Result<(), StateError> {
        let p = self.dir.join("last-run.json");
        let tmp = self
            .dir
            .join(format!("last-run.json.tmp-{}", std::process::id()));
        std::fs::write(&tmp, bytes).map_err(io(&tmp))?;
        std::fs::rename(&tmp, &p).map_err(io(&p))?;
        Ok(())
    }
}

/// The previous run's index in path order ([`Store::read_index`]).
pub struct IndexReader {
    lines: Option<std::io::Lines<std::io::BufReader<std::fs::File>>>,
    last: Option<String>,
}

impl Iterator for IndexReader {
    type Item = (String, Seen);

    fn next(&mut self) -> Option<(String, Seen)> {
        loop {
            let line = self.lines.as_mut()?.next()?.ok()?;
            let mut it = line.split('\t');
            let (Some(path), Some(size), Some(mtime_ns), Some(sha256)) =
                (it.next(), it.next(), it.next(), it.next())
            else {
                continue;
            };
            let (Ok(size), Ok(mtime_ns)) = (size.parse(), mtime_ns.parse()) else {
                continue;
            };
            if sha256.len() != 64 {
                continue;
            }
            if self.last.as_deref().is_some_and(|l| l >= path) {
                self.lines = None; // out of order: trust nothing after it
                return None;
            }
            self.last = Some(path.to_owned());
            return Some((
                path.to_owned(),
                Seen {
                    size,
                    mtime_ns,
                    sha256: sha256.to_owned(),
                },
            ));
        }
    }
}

/// The next index, written as a run goes ([`Store::index_writer`]).
pub struct IndexWriter {
    path: PathBuf,
    tmp: PathBuf,
    out: std::io::BufWriter<std::fs::File>,
}

impl IndexWriter {
    /// Adds a file's entry; call in path order. A path with a tab or a line break cannot be
    /// stored (that file is re-hashed every run).
    pub fn add(&mut self, path: &str, s: &Seen) -> Result<(), StateError> {
        if path.contains(['\t', '\n', '\r']) {
            return Ok(());
        }
        writeln!(self.out, "{path}\t{}\t{}\t{}", s.size, s.mtime_ns, s.sha256)
            .map_err(io(&self.tmp))
    }

    /// Replaces the previous index with this one (flushed, synced, renamed).
    pub fn commit(self) -> Result<(), StateError> {
        let tmp = self.tmp;
        self.out
            .into_inner()
            .map_err(|e| StateError::Io {
                path: tmp.clone(),
                source: e.into_error(),
            })?
            .sync_all()
            .map_err(io(&tmp))?;
        std::fs::rename(&tmp, &self.path).map_err(io(&self.path))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nianbao_model::{Cell, CellStatus, Finding, Prose};

    #[test]
    fn a_folder_of_the_users_is_refused_untouched() {
        let t = tempfile::tempdir().unwrap();
        let mine = t.path().join("mine");
        std::fs::create_dir_all(mine.join("parser-photos")).unwrap();
        std::fs::write(mine.join("thesis.docx"), b"chapter 1").unwrap();
        let e = Store::open(&mine, "k1").unwrap_err().to_string();
        assert!(
            e.contains("thesis.docx") && e.contains("state folder"),
            "{e}"
        );
        assert_eq!(
            std::fs::read(mine.join("thesis.docx")).unwrap(),
            b"chapter 1"
        );
        assert!(mine.join("parser-photos").is_dir(), "not removed");
        assert!(!mine.join("parser-k1").exists(), "nothing written");
        // a file is refused too
        std::fs::write(t.path().join("f"), b"x").unwrap();
        assert!(Store::open(&t.path().join("f"), "k1").is_err());
        // a new, an empty and an older unmarked state are ours; a new key replaces the old
        let st = t.path().join("state");
        Store::open(&st, "k1").unwrap();
        assert!(st.join(STATE_MARKER).is_file());
        std::fs::remove_file(st.join(STATE_MARKER)).unwrap();
        Store::open(&st, "k2").unwrap();
        assert!(!st.join("parser-k1").exists() && st.join("parser-k2/objects").is_dir());
        let empty = t.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        Store::open(&empty, "k1").unwrap();
    }

    fn report() -> Report {
        let src = Source {
            report_id: "0123456789abcdef".into(),
            document: "x/a.txt".into(),
            sha256: "0123456789abcdef".repeat(4),
            bytes: 42,
        };
        let mut r = Report::empty(src, nianbao_model::Format::Html);
        r.encoding = Some("GB18030");
        r.layout = Some(nianbao_model::Layout::Grid);
        r.agency = Some("青山县教育局".into());
        r.report_year = Some(2023);
        r.template = Some(nianbao_vocab::Template::Y2021);
        r.published_on = Some("2024-01-05".into());
        r.cells.push(Cell {
            key: "s3.granted.total",
            section: "s3",
            row: "granted",
            column: "total",
            value: Some(0.1 + 0.2),
            raw: Some("0.30000000000000004".into()),
            status: CellStatus::Inferred,
            source: Some("table 2 row 6 col 9".into()),
        });
        // every status, a null value, and keys from both ends of the vocabulary (cells are
        // stored by key position)
        let all = nianbao_vocab::Vocabulary::get().all_keys();
        for (i, status) in CellStatus::ALL.into_iter().enumerate() {
            let key = if i % 2 == 0 {
                all[i]
            } else {
                all[all.len() - i]
            };
            let def = nianbao_vocab::Vocabulary::get().cell(key).unwrap();
            r.cells.push(Cell {
                key: def.key,
                section: def.row.section.as_str(),
                row: def.row.key,
                column: def.column.key,
                value: (i % 3 != 0).then_some(i as f64 * 1.5),
                raw: (i % 2 == 0).then(|| format!("{i}")),
                status,
                source: None,
            });
        }
        r.sections.push(Prose {
            part: 1,
            title: "一、总体情况".into(),
            text: "正文\n第二行".into(),
        });
        r.findings.push(
            Finding::new("s4_row_total", "part 四: …")
                .at_key("s4.administrative_review.total")
                .numbers(Some(11.0), Some(0.0)),
        );
        r
    }

    #[test]
    fn reports_round_trip_exactly_under_a_new_path() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), "k1").unwrap();
        let r = report();
        store.put(&r).unwrap();
        let src = Source {
            document: "y/b.txt".into(),
            ..r.source.clone()
        };
        let back = store.get(&src).unwrap().unwrap();
        let mut want = r.clone();
        want.source.document = "y/b.txt".into();
        assert_eq!(back, want);
    }

    #[test]
    fn a_new_parser_key_starts_empty_and_broken_entries_are_misses() {
        let dir = tempfile::tempdir().unwrap();
        let r = report();
        Store::open(dir.path(), "k1").unwrap().put(&r).unwrap();
        let s2 = Store::open(dir.path(), "k2").unwrap();
        assert!(s2.get(&r.source).unwrap().is_none());
        assert!(!dir.path().join("parser-k1").exists());
        s2.put(&r).unwrap();
        std::fs::write(s2.object(&r.source.sha256), b"garbage").unwrap();
        assert!(s2.get(&r.source).unwrap().is_none());
    }

    #[test]
    fn unreadable_reports_are_not_cached() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), "k").unwrap();
        let r = Report::unreadable(
            report().source,
            nianbao_model::Format::Pdf,
            "pdftotext is missing".into(),
        );
        store.put(&r).unwrap();
        assert!(store.get(&r.source).unwrap().is_none());
    }

    #[test]
    fn the_last_run_record_round_trips_and_a_new_parser_forgets_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), "k").unwrap();
        assert_eq!(store.last_run(), None);
        store.save_last_run(b"{\"a\":1}").unwrap();
        store.save_last_run(b"{\"a\":2}").unwrap();
        assert_eq!(store.last_run().as_deref(), Some(&b"{\"a\":2}"[..]));
        let other = Store::open(dir.path(), "k2").unwrap();
        assert_eq!(other.last_run(), None);
    }

    #[test]
    fn the_index_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), "k").unwrap();
        let seen = Seen {
            size: 5,
            mtime_ns: 1_700_000_000_123_456_789,
            sha256: "ab".repeat(32),
        };
        let other = Seen {
            sha256: "cd".repeat(32),
            ..seen.clone()
        };
        let mut w = store.index_writer().unwrap();
        w.add("a/b.txt", &seen).unwrap();
        w.add("a/c\tx.txt", &other).unwrap(); // not storable: skipped
        w.add("b.txt", &other).unwrap();
        // nothing replaced before the commit
        assert_eq!(store.read_index().count(), 0);
        w.commit().unwrap();
        let back: Vec<(String, Seen)> = store.read_index().collect();
        assert_eq!(
            back,
            vec![("a/b.txt".to_owned(), seen), ("b.txt".to_owned(), other)]
        );
        assert_eq!(
            std::fs::read_dir(&store.dir).unwrap().count(),
            2,
            "objects + index"
        );
    }

    #[test]
    fn an_index_out_of_order_is_trusted_only_up_to_the_break() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), "k").unwrap();
        let sha = "ab".repeat(32);
        std::fs::write(
            store.dir.join("index.tsv"),
            format!(
                "b\t1\t2\t{sha}\nbroken line\nc\t1\t2\t{sha}\na\t1\t2\t{sha}\nd\t1\t2\t{sha}\n"
            ),
        )
        .unwrap();
        let paths: Vec<String> = store.read_index().map(|(p, _)| p).collect();
        assert_eq!(paths, ["b", "c"]);
    }
}
