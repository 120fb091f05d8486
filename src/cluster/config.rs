//! Everything a run depends on besides the scenario, in three parts owned by who acts on them:
//! the network's faults (the router holds the live copy), the nodes' settings (the World, fixed
//! at start) and the limits (the engine). A seed fully determines a run given a config;
//! `Display` prints the expanded options so a failure report carries them.

use std::fmt;
use std::time::Duration;

use calimero_crypto::{Nonce, SharedKey};
use calimero_primitives::context::ContextId;

use super::{Injected, Limits, NodeSettings};
use crate::net::FaultConfig;
use crate::protocols::{DagCompaction, Handshakes, HcResponder, NodePath, Tick};

/// Options of one simulated run.
#[derive(Clone, Debug)]
pub struct SimConfig {
    pub seed: u64,
    /// What the network and the nodes suffer. The router acts on the network's part (and
    /// `SimRuntime::set_faults` replaces it); the nodes' part (clocks, pauses, crashes) and
    /// buggify are fixed at start.
    pub faults: FaultConfig,
    /// What every node reads as it acts.
    pub node: NodeSettings,
    /// When `run()` stops.
    pub limits: Limits,
}

impl SimConfig {
    pub fn with_seed(seed: u64) -> Self {
        Self { seed, faults: FaultConfig::none(), node: NodeSettings::default(), limits: Limits::default() }
    }

    /// Builds handshakes the given way (see [`Handshakes`]).
    pub fn with_handshakes(mut self, handshakes: Handshakes) -> Self {
        self.node.handshakes = handshakes;
        self
    }

    /// Answers HashComparison sessions with `hc` (see [`HcResponder`]).
    pub fn with_hc_responder(mut self, hc: HcResponder) -> Self {
        self.node.hc_responder = hc;
        self
    }

    /// Which code takes the nodes' deltas in (see [`NodePath`]).
    pub fn with_node_path(mut self, path: NodePath) -> Self {
        self.node.node_path = path;
        self
    }

    /// Production's DAG compaction on production's node path (see [`DagCompaction`]).
    pub fn with_dag_compaction(mut self, compaction: DagCompaction) -> Self {
        self.node.dag_compaction = compaction;
        self
    }

    /// Apps that emit an event with every call (production's node path; see `--app-events`).
    pub fn with_app_events(mut self) -> Self {
        self.node.app_events = true;
        self
    }

    /// Who runs a sync tick on production's node path (see [`Tick`]).
    pub fn with_tick(mut self, tick: Tick) -> Self {
        self.node.tick = tick;
        self
    }

    pub fn with_faults(mut self, faults: FaultConfig) -> Self {
        self.faults = faults;
        self
    }

    /// Accepts a `Duration` or milliseconds (`.max_time(60_000)`).
    pub fn max_time(mut self, max: impl Into<MillisOrDuration>) -> Self {
        self.limits.max_time = max.into().0;
        self
    }

    pub fn max_events(mut self, max: u64) -> Self {
        self.limits.max_events = max;
        self
    }

    pub fn with_sync_interval(mut self, interval: Duration, jitter: Duration) -> Self {
        self.node.sync_interval = interval;
        self.node.sync_jitter = jitter;
        self
    }

    pub fn with_recv_timeout(mut self, timeout: Duration) -> Self {
        self.node.session.recv_timeout = timeout;
        self
    }

    pub fn with_session_budget(mut self, budget: Duration) -> Self {
        self.node.session.budget = budget;
        self
    }

    /// Every session encrypted with calimero's sync-level `SharedKey` (one key on both ends).
    /// Production leaves this off and relies on the transport; see `Integrity::Authenticated`.
    pub fn with_session_encryption(mut self, key: SharedKey, nonce: Nonce) -> Self {
        self.node.session = std::mem::take(&mut self.node.session).with_encryption(key, nonce);
        self
    }

    /// Ends `run()` at the first silent violation (or equal data under different roots).
    pub fn stop_on_violation(mut self, on: bool) -> Self {
        self.limits.stop_on_violation = on;
        self
    }

    /// A chaos phase of `length`, then a heal phase that must converge (see [`NodeSettings::chaos`]).
    pub fn with_chaos_phase(mut self, length: Duration) -> Self {
        self.node.chaos = Some(length);
        self
    }

    /// Plants `bug` in merosim's own World (tests of the checkers only).
    pub fn with_injected(mut self, bug: Injected) -> Self {
        self.node.inject = Some(bug);
        self
    }

    /// How long after the heal a run of `nodes` nodes holding at most `entities` entities each
    /// may take to converge before it is a liveness violation: one receive budget (a session
    /// stuck on a frame the chaos ate gives up within it), twenty sync rounds per node at the
    /// longest timer period, and per node two full sessions of one round trip per entity at the
    /// links' longest delay. Generous on purpose: what it catches is a run that cannot converge,
    /// not a slow one.
    pub fn liveness_bound(&self, nodes: usize, entities: usize) -> Duration {
        let nodes = nodes.max(2) as u32;
        let round_trip = self.faults.max_delay() * 2;
        let sessions = round_trip * (entities.max(1) as u32) * 2 * nodes;
        self.node.session.recv_timeout + (self.node.sync_interval + self.node.sync_jitter) * (20 * nodes) + sessions
    }

    /// Runs every node in `context_id` instead of the seed-derived one.
    pub fn with_context_id(mut self, context_id: ContextId) -> Self {
        self.node.context_id = Some(context_id);
        self
    }

    /// The context the run's nodes share.
    pub fn context(&self) -> ContextId {
        self.node.context_id.unwrap_or_else(|| crate::seed::context_id(self.seed))
    }
}

impl Default for SimConfig {
    fn default() -> Self {
        Self::with_seed(0)
    }
}

/// A duration given either as a `Duration` or as milliseconds.
pub struct MillisOrDuration(pub Duration);

impl From<Duration> for MillisOrDuration {
    fn from(d: Duration) -> Self {
        MillisOrDuration(d)
    }
}

impl From<u64> for MillisOrDuration {
    fn from(ms: u64) -> Self {
        MillisOrDuration(Duration::from_millis(ms))
    }
}

impl fmt::Display for SimConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (node, limits) = (&self.node, &self.limits);
        write!(f, "seed={} {node} {limits} faults=[{}]", self.seed, self.faults)?;
        if limits.stop_on_violation {
            f.write_str(" stop_on_violation")?;
        }
        Ok(())
    }
}
