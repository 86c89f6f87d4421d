//! Change accounting: what each input is compared with the previous run (added, changed,
//! parsed or reused, failed, corrected), and what this run remembers of it for the next one
//! (the state's index, the nothing-changed fingerprint, the contents still in use). Written
//! once for every document, read now or standing for a reused year partition.

use anyhow::{Context, Result};

use crate::digest::sha_bytes;
use crate::index::OldIndex;
use crate::skip::Fingerprint;

/// What changed since the previous run.
#[derive(Debug, Default)]
pub(crate) struct Changes {
    pub(crate) added: usize,
    pub(crate) changed: usize,
    pub(crate) removed: usize,
    pub(crate) failed: usize,
    /// Unreadable, or a page read without a picture, for a reason that may not last (see
    /// `Got::retry`).
    pub(crate) retry: usize,
    pub(crate) parsed: usize,
    pub(crate) from_state: usize,
    /// Documents the user's corrections changed.
    pub(crate) corrected: usize,
}

/// One input as this run has it.
pub(crate) struct Counted<'a> {
    /// Its path relative to the input folder.
    pub(crate) rel: &'a str,
    /// The SHA-256 of its content (hex).
    pub(crate) sha256: &'a str,
    /// What to remember of its file (`None`: unknown, the next run looks again).
    pub(crate) seen: Option<&'a nianbao_state::Seen>,
    /// Parsed by this run (not taken from the state or a reused partition).
    pub(crate) parsed: bool,
    /// Unreadable.
    pub(crate) failed: bool,
    /// Unreadable for a reason that may not last.
    pub(crate) retry: bool,
    /// Changed by the user's corrections.
    pub(crate) corrected: bool,
}

/// The run's books: the previous index walked beside the inputs, the next index written as
/// the inputs go, the fingerprint of what this run saw, and the contents still in use.
pub(crate) struct Accounts {
    pub(crate) changes: Changes,
    /// The previous index is read and the next one written in path order as the chunks go,
    /// so neither is ever whole in memory (a million entries were ~400 MB).
    pub(crate) old_index: OldIndex,
    pub(crate) new_index: Option<nianbao_state::IndexWriter>,
    pub(crate) fingerprint: Fingerprint,
    /// The contents still in use (32 bytes each), to prune the state at the end.
    pub(crate) live: Vec<[u8; 32]>,
}

impl Accounts {
    /// Counts one input against the previous run's record of its path (`old`), and remembers
    /// it for the next run.
    pub(crate) fn count(
        &mut self,
        old: Option<&nianbao_state::Seen>,
        d: Counted<'_>,
    ) -> Result<()> {
        let c = &mut self.changes;
        match old {
            None => c.added += 1,
            // (a manifest entry holds the report id, a prefix of the hash)
            Some(o) if !d.sha256.starts_with(&o.sha256) => c.changed += 1,
            Some(_) => {}
        }
        if d.parsed {
            c.parsed += 1;
        } else {
            c.from_state += 1;
        }
        c.corrected += usize::from(d.corrected);
        if d.failed {
            c.failed += 1;
        }
        // (a page read without a picture whose reason may not last, such as OCR not
        // installed yet, is read again too: no run is skipped while there is one)
        c.retry += usize::from(d.retry);
        self.fingerprint
            .add(d.rel, d.seen.map(|s| (s.size, s.mtime_ns)));
        if let (Some(seen), Some(w)) = (d.seen, self.new_index.as_mut()) {
            w.add(d.rel, seen).context("writing the state index")?;
            self.live.extend(sha_bytes(&seen.sha256));
        }
        Ok(())
    }
}
