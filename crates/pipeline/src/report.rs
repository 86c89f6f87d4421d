//! How a run talks to its user: notes, progress and timings go through a [`Reporter`] that
//! the caller provides (the CLI draws a progress bar on a terminal; the Python module and
//! `--json` runs stay silent), so the library never prints.

/// What a run says while it works. Every method has a silent default.
pub trait Reporter: Sync {
    /// A note for the user (a killed run cleaned up, the output inside the input folder).
    fn note(&self, _message: &str) {}

    /// A stage of `len` items begins (`what`: "documents", "new or changed documents").
    fn start(&self, _what: &str, _len: u64) {}

    /// `n` more items of the current stage are done (called from any thread).
    fn advance(&self, _n: u64) {}

    /// The current stage is over.
    fn finish(&self) {}

    /// A phase of the run is over: its name, its time in seconds, and the peak and current
    /// resident memory in MiB where the system tells (`NIANBAO_TIMINGS=1` prints them).
    fn lap(&self, _phase: &str, _seconds: f64, _peak_mib: Option<u64>, _now_mib: Option<u64>) {}
}

/// A reporter that says nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

impl Reporter for Silent {}
