//! The previous run's index of the inputs, walked beside this run's inputs in path order.

use std::path::Path;

/// The previous run's index, walked alongside the inputs (both in path order).
/// Previous entries, in path order: the state's index, or the published manifest's inputs.
pub(crate) type Entries = Box<dyn Iterator<Item = (String, nianbao_state::Seen)>>;

pub(crate) struct OldIndex {
    pub(crate) entries: Option<std::iter::Peekable<Entries>>,
    /// Entries passed over: files no longer among the inputs.
    pub(crate) removed: usize,
}

impl OldIndex {
    pub(crate) fn new(reader: Option<nianbao_state::IndexReader>) -> OldIndex {
        OldIndex {
            entries: reader.map(|r| {
                (Box::new(r) as Box<dyn Iterator<Item = (String, nianbao_state::Seen)>>).peekable()
            }),
            removed: 0,
        }
    }

    /// The inputs of the published dataset's manifest, for a run whose state was deleted:
    /// documents are then counted added, changed or removed against what was published (by
    /// report id, the first 16 hex digits of the content hash), not all "added".
    pub(crate) fn from_manifest(output: &Path) -> Option<OldIndex> {
        let m: serde_json::Value =
            serde_json::from_slice(&std::fs::read(output.join("manifest.json")).ok()?).ok()?;
        let mut entries: Vec<(String, nianbao_state::Seen)> = m["inputs"]
            .as_array()?
            .iter()
            .filter_map(|i| {
                Some((
                    i["document"].as_str()?.to_owned(),
                    nianbao_state::Seen {
                        size: 0,
                        mtime_ns: 0,
                        sha256: i["report_id"].as_str().unwrap_or("").to_owned(),
                    },
                ))
            })
            .collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        Some(OldIndex {
            entries: Some((Box::new(entries.into_iter()) as Entries).peekable()),
            removed: 0,
        })
    }

    /// The entry of `rel`; call with increasing paths. Entries before it are removed files.
    pub(crate) fn seek(&mut self, rel: &str) -> Option<nianbao_state::Seen> {
        let entries = self.entries.as_mut()?;
        while let Some((path, _)) = entries.peek() {
            match path.as_str().cmp(rel) {
                std::cmp::Ordering::Less => {
                    self.removed += 1;
                    entries.next();
                }
                std::cmp::Ordering::Equal => return entries.next().map(|(_, s)| s),
                std::cmp::Ordering::Greater => return None,
            }
        }
        None
    }

    /// How many entries named files that are gone.
    pub(crate) fn finish(self) -> usize {
        self.removed + self.entries.map_or(0, Iterator::count)
    }
}
