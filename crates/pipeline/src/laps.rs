//! Where a run's time and memory go (`NIANBAO_TIMINGS=1`).

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use crate::report::Reporter;

/// Where a run's time goes: each phase's time and memory, handed to the run's reporter (the
/// CLI prints them when `NIANBAO_TIMINGS` is set, for benchmarks: `BENCHMARKS.md`).
pub(crate) struct Laps {
    pub(crate) last: Instant,
}

impl Laps {
    pub(crate) fn new() -> Laps {
        Laps {
            last: Instant::now(),
        }
    }

    pub(crate) fn lap(&mut self, what: &str, reporter: &dyn Reporter) {
        // the peak and current resident memory so far, where the system tells (Linux)
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let mem = |key: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(key))
                .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<u64>().ok())
                .map(|kb| kb / 1024)
        };
        reporter.lap(
            what,
            self.last.elapsed().as_secs_f64(),
            mem("VmHWM:"),
            mem("VmRSS:"),
        );
        self.last = Instant::now();
    }
}

pub(crate) fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
