//! The run's summary, typed: what `nianbao build --json` prints and `nianbao.build` returns,
//! and the record of the last run that the nothing-changed skip keeps in the state.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// What a run did (the CLI's `--json`; keys as analysts and schedulers read them).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Summary {
    /// Input documents (= rows of `reports`).
    pub documents: u64,
    /// Documents new since the last run.
    pub added: u64,
    /// Documents whose content changed.
    pub changed: u64,
    /// Documents gone.
    pub removed: u64,
    /// Documents that could not be read.
    pub failed: u64,
    /// Documents read now.
    pub parsed: u64,
    /// Documents taken from the state (or a reused year partition).
    pub reused: u64,
    /// Nothing changed since the last run: the dataset was left as it was.
    pub unchanged: bool,
    /// Reports per status (`ok`, `warning`, `error`, `unreadable`).
    pub by_status: BTreeMap<String, u64>,
    /// Findings per rule.
    pub findings_by_rule: BTreeMap<String, u64>,
    /// Rows per table.
    pub rows: BTreeMap<String, u64>,
    /// The dataset's folder.
    pub output: PathBuf,
    /// How the dataset was put in place: `exchange`, `rename`, `two-renames`, `none`.
    pub publication: String,
    /// The run's wall time.
    pub seconds: f64,
    /// The year partitions taken from the previous dataset (partitioned incremental runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partitions_reused: Option<Vec<Option<i32>>>,
    /// What the user's corrections did (when the pipeline has a corrections file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corrections: Option<serde_json::Value>,
}

impl Summary {
    /// The summary as JSON (keys in sorted order, as `--json` prints them).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("a summary serializes")
    }
}

/// What a run that published saw, kept in the state so that a next run over the same inputs
/// can skip (`parser-KEY/last-run.json`).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct LastRun {
    pub(crate) fingerprint: String,
    /// The published dataset's manifest `generation`.
    pub(crate) generation: String,
    pub(crate) documents: u64,
    pub(crate) failed: u64,
    pub(crate) unreadable: Vec<(String, String)>,
    pub(crate) by_status: BTreeMap<String, u64>,
    pub(crate) findings_by_rule: BTreeMap<String, u64>,
    pub(crate) rows: BTreeMap<String, u64>,
    #[serde(default)]
    pub(crate) corrections: Option<serde_json::Value>,
}
