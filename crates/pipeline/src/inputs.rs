//! The input documents of a run, compactly: a million paths cost one string buffer and an
//! offset each, not two heap-allocated paths each.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

/// Input documents in path order (bytewise on the relative path with `/` separators): the
/// order of the rows, and what "the first document" means in findings.
pub(crate) struct Inputs {
    root: PathBuf,
    /// All relative paths, one after another.
    text: String,
    /// End of each relative path in `text`.
    ends: Vec<usize>,
    /// Files whose name is not valid UTF-8 (their relative path is lossy): the real path.
    odd: HashMap<usize, PathBuf>,
}

impl Inputs {
    /// Lists the documents under `root`, recursively, skipping hidden files and folders and
    /// the paths in `skip` (the dataset's own output when it lies inside the input folder).
    pub(crate) fn list(root: &Path, skip: &[PathBuf]) -> Result<Inputs> {
        if !root.is_dir() {
            bail!(
                "the input folder {} does not exist or is not a folder",
                root.display()
            );
        }
        let mut found: Vec<(String, Option<PathBuf>)> = Vec::new();
        let skip: Vec<PathBuf> = skip
            .iter()
            .filter_map(|p| std::path::absolute(p).ok())
            .collect();
        let visible = |e: &walkdir::DirEntry| {
            e.depth() == 0
                || (!e.file_name().to_string_lossy().starts_with('.')
                    && !std::path::absolute(e.path()).is_ok_and(|p| skip.contains(&p)))
        };
        for e in walkdir::WalkDir::new(root)
            .follow_links(true)
            .into_iter()
            .filter_entry(visible)
        {
            // An entry that cannot be followed (a dangling symlink, a symlink loop, a folder
            // without permission) is still an input: reading it fails, and it is listed as
            // unreadable with the reason, instead of stopping the whole run.
            let (path, is_file) = match &e {
                Ok(e) => (e.path().to_owned(), e.file_type().is_file()),
                Err(err) => match err.path() {
                    Some(p) if p != root => (p.to_owned(), true),
                    _ => {
                        return Err(e.unwrap_err())
                            .with_context(|| format!("listing {}", root.display()))
                    }
                },
            };
            if is_file {
                let rel = path.strip_prefix(root).unwrap_or(&path);
                let parts: Vec<_> = rel.components().map(|c| c.as_os_str()).collect();
                let lossless = parts.iter().all(|p| p.to_str().is_some());
                let rel = parts
                    .iter()
                    .map(|p| p.to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                found.push((rel, (!lossless).then(|| path.clone())));
            }
        }
        found.sort_by(|a, b| a.0.cmp(&b.0));
        let mut inputs = Inputs {
            root: root.to_owned(),
            text: String::with_capacity(found.iter().map(|f| f.0.len()).sum()),
            ends: Vec::with_capacity(found.len()),
            odd: HashMap::new(),
        };
        for (i, (rel, path)) in found.into_iter().enumerate() {
            inputs.text.push_str(&rel);
            inputs.ends.push(inputs.text.len());
            if let Some(p) = path {
                inputs.odd.insert(i, p);
            }
        }
        Ok(inputs)
    }

    /// Number of documents.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// Relative path of document `i`, with `/` separators.
    pub(crate) fn rel(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }

    /// Where document `i` is on disk.
    pub(crate) fn path(&self, i: usize) -> PathBuf {
        match self.odd.get(&i) {
            Some(p) => p.clone(),
            None => self.root.join(self.rel(i)),
        }
    }
}

use std::time::UNIX_EPOCH;

pub(crate) fn mtime_ns(m: &std::fs::Metadata) -> u128 {
    m.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos())
}

/// How recent a modification time must be for a file to be re-hashed next run anyway: a file
/// written again within the same clock tick can keep its size and time while its bytes change
/// ("racy git"). 2 s covers coarse file-system clocks.
pub(crate) const RACY_NS: u128 = 2_000_000_000;

/// The modification time to remember for a file just read: its real one, or 0 (never equal to
/// a real time, so the next run re-hashes it) when it was modified less than [`RACY_NS`] ago.
pub(crate) fn trusted_mtime_ns(m: &std::fs::Metadata) -> u128 {
    let t = mtime_ns(m);
    let now = std::time::SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    if now.saturating_sub(t) < RACY_NS {
        0
    } else {
        t
    }
}

/// Every input's size and modification time (`None` when it cannot be known), on all cores.
use rayon::prelude::*;

pub(crate) fn input_stats(inputs: &Inputs) -> Vec<Option<(u64, u128)>> {
    (0..inputs.len())
        .into_par_iter()
        .map(|i| {
            let m = std::fs::metadata(inputs.path(i)).ok()?;
            Some((m.len(), mtime_ns(&m)))
        })
        .collect()
}

/// The corpus layer names documents by their relative paths.
impl nianbao_corpus::Paths for Inputs {
    fn path(&self, doc: u32) -> &str {
        let doc = doc as usize;
        if doc < self.len() {
            self.rel(doc)
        } else {
            ""
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_in_path_order_without_hidden_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::create_dir_all(root.join(".hidden")).unwrap();
        for f in [
            "z.txt",
            "a.txt",
            "a/b/c.txt",
            "a/x.html",
            ".dot.txt",
            ".hidden/h.txt",
        ] {
            std::fs::write(root.join(f), b"x").unwrap();
        }
        let inputs = Inputs::list(root, &[]).unwrap();
        let rels: Vec<&str> = (0..inputs.len()).map(|i| inputs.rel(i)).collect();
        // bytewise: "a.txt" < "a/b/c.txt" ('.' < '/'), whatever the walk order was
        assert_eq!(rels, ["a.txt", "a/b/c.txt", "a/x.html", "z.txt"]);
        assert_eq!(inputs.path(1), root.join("a/b/c.txt"));
        assert!(inputs.path(1).is_file());
        assert!(Inputs::list(&root.join("missing"), &[]).is_err());
    }
}
