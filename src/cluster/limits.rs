//! When a run stops: its virtual-time and event limits, how often it looks, and whether a
//! certain verdict ends it early. The engine owns these; they parse and write back here.

use std::fmt;
use std::time::Duration;

use crate::args::ArgWriter;

/// A run's limits.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct Limits {
    /// Virtual-time limit of a run, in seconds.
    #[cfg_attr(
        feature = "cli",
        arg(long, value_name = "SECS", default_value = "600", value_parser = crate::args::parse_positive_secs)
    )]
    pub max_time: Duration,
    /// Heap one run may hold, in MiB (0: no limit). Past it the run stops with `MemoryLimit`,
    /// its own verdict and repro line, instead of the whole sweep dying of the kernel's OOM
    /// kill. Measured per run by `runtime::memory` where the binary counts (the CLI does), each
    /// time the run checks its stop conditions; why this default is in docs/performance.md.
    #[cfg_attr(
        feature = "cli",
        arg(long = "max-memory", value_name = "MIB", default_value_t = Limits::default().max_memory_mib, value_parser = crate::args::parse_mib)
    )]
    pub max_memory_mib: u64,
    /// `run()` stops with `MaxEvents` after this many events.
    #[cfg_attr(feature = "cli", arg(skip = Limits::default().max_events))]
    pub max_events: u64,
    /// How often `run()` evaluates its stop conditions (virtual time).
    #[cfg_attr(feature = "cli", arg(skip = Limits::default().check_interval))]
    pub check_interval: Duration,
    /// Stop `run()` as soon as an oracle's verdict is certain (`StopCondition::Violated`) rather
    /// than letting a broken run sync on until `max_time`. Sweeps and the command line want it
    /// (`--run-on` turns it off); a `SimRuntime` starts without it.
    #[cfg_attr(
        feature = "cli",
        arg(
            long = "run-on",
            action = clap::ArgAction::SetFalse,
            help = "Keep running after an oracle's verdict is certain (a silent violation, or equal data under \
                    different roots), until convergence or --max-time; by default such a run ends there"
        )
    )]
    pub stop_on_violation: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_time: Duration::from_secs(600),
            max_events: 5_000_000,
            max_memory_mib: 4096,
            check_interval: Duration::from_millis(10),
            stop_on_violation: false,
        }
    }
}

impl Limits {
    /// Writes the command-line limits back (the time limit always: repro lines have always
    /// carried it).
    pub fn write_args(&self, out: &mut ArgWriter) {
        out.secs("max-time", self.max_time);
        if self.max_memory_mib != Limits::default().max_memory_mib {
            out.value("max-memory", self.max_memory_mib);
        }
        if !self.stop_on_violation {
            out.flag("run-on");
        }
    }
}

impl fmt::Display for Limits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "max_time={:?} max_events={} max_memory={} MiB", self.max_time, self.max_events, self.max_memory_mib)
    }
}
