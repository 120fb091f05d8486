//! Faults of the nodes themselves rather than of the network between them: clocks that disagree,
//! processes that stop being scheduled for a while, crash, or crash in the middle of a merge.
//! The router never reads these; the cluster's chaos process and each node's store do.

use std::fmt;
use std::ops::Range;
use std::time::Duration;

use rand::Rng;

use crate::seed::{self, Stream};

/// Recurring episodes of one kind (pauses, crashes) on every node: on average one per `every`,
/// each lasting a duration drawn from `length`.
#[derive(Clone, Debug, PartialEq)]
pub struct Episodes {
    pub every: Duration,
    pub length: Range<Duration>,
}

impl Episodes {
    pub fn new(every: Duration, length: Range<Duration>) -> Self {
        let length = super::link::ordered(length, Duration::from_millis(1));
        Episodes { every: every.max(Duration::from_millis(1)), length }
    }
}

impl fmt::Display for Episodes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "every~{:?} for {:?}..{:?}", self.every, self.length.start, self.length.end)
    }
}

/// Node-level faults of a run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NodeFaults {
    /// Each node's clock is off by an offset drawn from `±clock_skew` …
    pub clock_skew: Duration,
    /// … and runs fast or slow by a rate drawn from `±clock_drift_ppm` (parts per million).
    pub clock_drift_ppm: u32,
    /// A node stops being scheduled (a GC pause, an overloaded host) and then carries on.
    pub pause: Option<Episodes>,
    /// A node crashes (its processes and open streams die, its store survives) and restarts later
    /// with a fresh sync loop.
    pub crash: Option<Episodes>,
    /// Chance per sync session that one of its two parties crashes after merging part of what it
    /// received: its store keeps each action it committed, nothing torn.
    pub crash_mid_merge: f64,
    /// How many Byzantine members join a scenario's run beside its own nodes (`mallory`, …, the
    /// highest-numbered): each runs calimero's code for its own state, writes nothing of its
    /// own, and lies to its peers (`cluster/byzantine.rs`, docs/fault-model.md). The oracles judge
    /// the honest nodes only. An adversary does not heal.
    pub byzantine: u32,
}

impl NodeFaults {
    pub fn is_none(&self) -> bool {
        *self == NodeFaults::default()
    }

    /// The clock node `node` of the run seeded with `seed` gets: a pure function of both, so a
    /// report can print every node's clock without running anything.
    pub fn clock(&self, seed: u64, node: u32) -> NodeClock {
        if self.clock_skew.is_zero() && self.clock_drift_ppm == 0 {
            return NodeClock::default();
        }
        let mut rng = seed::rng(seed, Stream::Clock { node });
        let skew = self.clock_skew.as_nanos().min(i64::MAX as u128) as i64;
        let drift = i64::from(self.clock_drift_ppm);
        NodeClock { offset_ns: rng.gen_range(-skew..=skew), drift_ppm: rng.gen_range(-drift..=drift) }
    }

    /// The names the Byzantine members join under, in the order they join (after the
    /// scenario's own nodes): `mallory`, `mallory-2`, ….
    pub fn byzantine_names(&self) -> Vec<String> {
        (1..=self.byzantine).map(|k| if k == 1 { "mallory".to_owned() } else { format!("mallory-{k}") }).collect()
    }

    /// Downtime of a crash, whether scheduled or mid-merge.
    pub fn downtime(&self) -> Range<Duration> {
        self.crash.as_ref().map_or(Duration::from_secs(1)..Duration::from_secs(5), |c| c.length.clone())
    }
}

impl fmt::Display for NodeFaults {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if !self.clock_skew.is_zero() || self.clock_drift_ppm > 0 {
            parts.push(format!("clocks ±{:?} ±{}ppm", self.clock_skew, self.clock_drift_ppm));
        }
        if let Some(p) = &self.pause {
            parts.push(format!("pause {p}"));
        }
        if let Some(c) = &self.crash {
            parts.push(format!("crash {c}"));
        }
        if self.crash_mid_merge > 0.0 {
            parts.push(format!("crash-mid-merge p={}", self.crash_mid_merge));
        }
        if self.byzantine > 0 {
            parts.push(format!("byzantine {}", self.byzantine));
        }
        f.write_str(&parts.join(" "))
    }
}

/// One node's clock against true (virtual) time: what it stamps its writes with, and so what
/// every last-writer-wins merge of its writes compares.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NodeClock {
    pub offset_ns: i64,
    pub drift_ppm: i64,
}

impl NodeClock {
    /// The node's reading at true time `now_ns`, drifting from `start_ns` (when the node started).
    pub fn read(&self, now_ns: u64, start_ns: u64) -> u64 {
        let elapsed = i128::from(now_ns.saturating_sub(start_ns));
        let drift = elapsed * i128::from(self.drift_ppm) / 1_000_000;
        let reading = i128::from(now_ns) + i128::from(self.offset_ns) + drift;
        reading.clamp(0, i128::from(u64::MAX)) as u64
    }

    pub fn is_exact(&self) -> bool {
        *self == NodeClock::default()
    }
}

impl fmt::Display for NodeClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:+.3}ms {:+}ppm", self.offset_ns as f64 / 1e6, self.drift_ppm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_reads_offset_plus_drift_since_start() {
        let clock = NodeClock { offset_ns: -5_000, drift_ppm: 100 };
        // 10 s after start, 100 ppm is 1 ms fast; 5 µs behind to begin with.
        assert_eq!(clock.read(1_000 + 10_000_000_000, 1_000), 1_000 + 10_000_000_000 - 5_000 + 1_000_000);
        assert_eq!(NodeClock::default().read(42, 0), 42);
    }

    #[test]
    fn clocks_are_drawn_per_node_from_the_seed() {
        let faults = NodeFaults { clock_skew: Duration::from_millis(50), clock_drift_ppm: 20, ..NodeFaults::default() };
        assert_eq!(faults.clock(7, 1), faults.clock(7, 1));
        assert_ne!(faults.clock(7, 1), faults.clock(7, 2));
        let c = faults.clock(7, 1);
        assert!(c.offset_ns.abs() <= 50_000_000 && c.drift_ppm.abs() <= 20, "{c}");
        assert!(NodeFaults::default().clock(7, 1).is_exact());
    }
}
