//! The nothing-changed skip: a fingerprint of the build, the config and every input's path,
//! size and time; a run whose fingerprint and published dataset are the last run's stops
//! after listing the inputs.

use std::time::Instant;

use anyhow::Result;
use sha2::{Digest, Sha256};

use crate::digest::hex;
use crate::inputs::{self, input_stats};
use crate::summary::{LastRun, Summary};
use crate::{Config, Outcome};

/// Everything a dataset's bytes depend on besides the documents and the pipeline: the version
/// and the source of every crate that reads or writes, with the locked dependencies (`build.rs`).
pub(crate) const BUILD_KEY: &str =
    concat!(env!("CARGO_PKG_VERSION"), "-", env!("NIANBAO_BUILD_HASH"));

/// SHA-256 over the build key, the pipeline config and every input's path, size and
/// modification time, fed in input order; `None` when one input's cannot be known.
pub(crate) struct Fingerprint {
    pub(crate) hash: Option<Sha256>,
}

impl Fingerprint {
    pub(crate) fn new(cfg: &Config) -> Fingerprint {
        let mut h = Sha256::new();
        h.update(BUILD_KEY.as_bytes());
        h.update([0]);
        let mut hash = serde_json::to_vec(cfg).ok().map(|c| {
            h.update(c);
            h
        });
        // so is where collected documents came from
        if let Some(h) = hash.as_mut() {
            h.update([0]);
            h.update(crate::provenance::Provenance::load(&cfg.input).digest());
        }
        // the lists the config names are part of the dataset too: their bytes, not their paths
        for list in cfg.lists() {
            match (std::fs::read(list), hash.as_mut()) {
                (Ok(bytes), Some(h)) => {
                    h.update([0]);
                    h.update(Sha256::digest(&bytes));
                }
                _ => hash = None,
            }
        }
        Fingerprint { hash }
    }

    /// Adds a digest of something else the result depends on.
    pub(crate) fn with(mut self, digest: &[u8; 32]) -> Fingerprint {
        if let Some(h) = self.hash.as_mut() {
            h.update([1]);
            h.update(digest);
        }
        self
    }

    pub(crate) fn add(&mut self, rel: &str, stat: Option<(u64, u128)>) {
        match (stat, self.hash.as_mut()) {
            (Some((size, mtime)), Some(h)) => {
                h.update([0]);
                h.update(rel.as_bytes());
                h.update([0]);
                h.update(size.to_le_bytes());
                h.update(mtime.to_le_bytes());
            }
            _ => self.hash = None,
        }
    }

    pub(crate) fn finish(self) -> Option<String> {
        self.hash.map(|h| hex(&h.finalize()))
    }
}

/// The last run's summary when a rebuild now would write exactly the dataset it published:
/// same build, config and inputs (path, size, modification time: as the state's index trusts
/// them), nothing unreadable then for a reason that may not last, and the output still that
/// run's generation. `None` otherwise (then the run goes on as usual).
pub(crate) fn unchanged_since_last_run(
    cfg: &Config,
    inputs: &inputs::Inputs,
    store: &nianbao_state::Store,
) -> Option<LastRun> {
    let prev: LastRun = serde_json::from_slice(&store.last_run()?).ok()?;
    let generation = nianbao_export::generation(&cfg.output)?;
    if prev.generation != generation {
        return None;
    }
    // The published files must still be the ones the manifest lists, at their sizes: a
    // deleted or damaged table is rebuilt, never reported as unchanged (issue 20, case 16).
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(cfg.output.join("manifest.json")).ok()?).ok()?;
    let intact = manifest["outputs"].as_array()?.iter().all(|o| {
        let (Some(file), Some(bytes)) = (o["file"].as_str(), o["bytes"].as_u64()) else {
            return false;
        };
        std::fs::metadata(cfg.output.join(file)).is_ok_and(|m| m.len() == bytes)
    });
    if !intact {
        return None;
    }
    let stats = input_stats(inputs);
    let mut now = Fingerprint::new(cfg);
    for (i, st) in stats.into_iter().enumerate() {
        now.add(inputs.rel(i), st);
    }
    let now = now.finish()?;
    (prev.fingerprint == now).then_some(prev)
}

/// Ends a run that found nothing changed: the last run's summary (see
/// [`unchanged_since_last_run`]), with nothing added, changed, removed or parsed.
pub(crate) fn skipped_run(prev: LastRun, cfg: &Config, started: Instant) -> Result<Outcome> {
    let summary = Summary {
        documents: prev.documents,
        added: 0,
        changed: 0,
        removed: 0,
        failed: prev.failed,
        parsed: 0,
        reused: prev.documents,
        unchanged: true,
        by_status: prev.by_status,
        findings_by_rule: prev.findings_by_rule,
        rows: prev.rows,
        output: cfg.output.clone(),
        publication: "none".into(),
        seconds: started.elapsed().as_secs_f64(),
        partitions_reused: None,
        corrections: prev.corrections,
    };
    // still unreadable, for the same lasting reasons: listed again as the last run did
    Ok(Outcome {
        summary,
        unreadable: prev.unreadable,
    })
}
