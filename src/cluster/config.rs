//! Everything a run depends on besides the scenario. A seed fully determines a run given a
//! config; `Display` prints the expanded options so a failure report carries them.

use std::fmt;
use std::time::Duration;

use calimero_crypto::{Nonce, SharedKey};
use calimero_primitives::context::ContextId;

use crate::net::FaultConfig;
use crate::protocols::{Handshakes, HcResponder, SessionOptions};

/// Options of one simulated run.
#[derive(Clone, Debug)]
pub struct SimConfig {
    pub seed: u64,
    pub faults: FaultConfig,
    /// Period of each node's sync timer (plus up to `sync_jitter`, drawn per tick).
    pub sync_interval: Duration,
    pub sync_jitter: Duration,
    /// What every sync session of the run uses: receive budget (production: 30 s), hard cap,
    /// keys — the same options a hand-driven session takes.
    pub session: SessionOptions,
    /// The context every node shares; derived from the seed unless chosen.
    pub context_id: Option<ContextId>,
    /// `run()` stops with `MaxTime` at this virtual time.
    pub max_time: Duration,
    /// `run()` stops with `MaxEvents` after this many events.
    pub max_events: u64,
    /// How often `run()` evaluates its stop conditions (virtual time).
    pub check_interval: Duration,
    /// Stop `run()` as soon as an oracle's verdict is certain (`StopCondition::Violated`) rather
    /// than letting a broken run sync on until `max_time`. Sweeps want it; the default is off.
    pub stop_on_violation: bool,
    /// Length of the chaos phase: faults act until then; at its end the run heals (faults off,
    /// partitions and connections repaired, crashed nodes restarted, paused ones resumed) and
    /// must converge within [`liveness_bound`](Self::liveness_bound). `None`: faults act for the
    /// whole run and there is no heal.
    pub chaos: Option<Duration>,
    /// A bug merosim plants in itself, to show its checkers fire (tests only).
    pub inject: Option<Injected>,
    /// How each sync tick builds the handshakes it selects a protocol from: as production's
    /// `SyncManager` does (the default), or from full tree statistics.
    pub handshakes: Handshakes,
    /// Which code a node's acceptor answers a HashComparison session with: the protocol's trait
    /// responder (the default: production's own cannot apply pushes under madsim) or production's
    /// `SyncManager::handle_tree_node_request` (a build against a patched calimero-node only).
    pub hc_responder: HcResponder,
}

/// Bugs merosim can plant in its own World — never in calimero — so a test can show that a
/// checker fires on exactly the failure it exists for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Injected {
    /// Node `node`'s `nth` application write (1-based) is acknowledged and recorded in the
    /// history, but neither stored nor gossiped: a lost write.
    LoseWrite { node: u32, nth: u32 },
    /// Node `node`'s `nth` app operation (1-based, the running app's) runs through calimero and
    /// is recorded with the entities and timestamps calimero gave it, then undone in the store
    /// and not gossiped: a lost collection operation.
    LoseAppOp { node: u32, nth: u32 },
    /// Node `node`'s `nth` application write (1-based) is acknowledged and recorded with the
    /// bytes the app wrote, but stored and gossiped with its last byte flipped: damage between
    /// the app and the store.
    FlipByte { node: u32, nth: u32 },
}

impl Injected {
    /// The plant kinds, as `--inject` names them.
    pub const KINDS: [&'static str; 3] = ["lose-write", "lose-op", "flip-byte"];

    /// Its kind, one of [`KINDS`](Self::KINDS).
    pub fn kind(&self) -> &'static str {
        match self {
            Injected::LoseWrite { .. } => Self::KINDS[0],
            Injected::LoseAppOp { .. } => Self::KINDS[1],
            Injected::FlipByte { .. } => Self::KINDS[2],
        }
    }
}

impl fmt::Display for Injected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (Injected::LoseWrite { node, nth } | Injected::LoseAppOp { node, nth } | Injected::FlipByte { node, nth }) =
            self;
        write!(f, "{}:{node}:{nth}", self.kind())
    }
}

impl std::str::FromStr for Injected {
    type Err = String;

    /// `KIND:NODE:NTH`, KIND one of [`Injected::KINDS`].
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "bad injection '{s}': expected KIND:NODE:NTH, KIND one of {} (e.g. lose-write:0:1)",
                Injected::KINDS.join(", ")
            )
        };
        let mut parts = s.split(':');
        let (kind, node, nth) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(kind), Some(node), Some(nth), None) => (kind, node, nth),
            _ => return Err(bad()),
        };
        let node = node.parse().map_err(|_| bad())?;
        let nth = nth.parse().ok().filter(|n| *n >= 1).ok_or_else(bad)?;
        match kind {
            "lose-write" => Ok(Injected::LoseWrite { node, nth }),
            "lose-op" => Ok(Injected::LoseAppOp { node, nth }),
            "flip-byte" => Ok(Injected::FlipByte { node, nth }),
            _ => Err(bad()),
        }
    }
}

impl SimConfig {
    pub fn with_seed(seed: u64) -> Self {
        Self {
            seed,
            faults: FaultConfig::none(),
            sync_interval: Duration::from_millis(500),
            sync_jitter: Duration::from_millis(100),
            session: SessionOptions::default().with_budget(Duration::from_secs(120)),
            context_id: None,
            max_time: Duration::from_secs(600),
            max_events: 5_000_000,
            check_interval: Duration::from_millis(10),
            stop_on_violation: false,
            chaos: None,
            inject: None,
            handshakes: Handshakes::Production,
            hc_responder: HcResponder::Protocol,
        }
    }

    /// Builds handshakes the given way (see [`Handshakes`]).
    pub fn with_handshakes(mut self, handshakes: Handshakes) -> Self {
        self.handshakes = handshakes;
        self
    }

    /// Answers HashComparison sessions with `hc` (see [`HcResponder`]).
    pub fn with_hc_responder(mut self, hc: HcResponder) -> Self {
        self.hc_responder = hc;
        self
    }

    pub fn with_faults(mut self, faults: FaultConfig) -> Self {
        self.faults = faults;
        self
    }

    /// Accepts a `Duration` or milliseconds (`.max_time(60_000)`).
    pub fn max_time(mut self, max: impl Into<MillisOrDuration>) -> Self {
        self.max_time = max.into().0;
        self
    }

    pub fn max_events(mut self, max: u64) -> Self {
        self.max_events = max;
        self
    }

    pub fn with_sync_interval(mut self, interval: Duration, jitter: Duration) -> Self {
        self.sync_interval = interval;
        self.sync_jitter = jitter;
        self
    }

    pub fn with_recv_timeout(mut self, timeout: Duration) -> Self {
        self.session.recv_timeout = timeout;
        self
    }

    pub fn with_session_budget(mut self, budget: Duration) -> Self {
        self.session.budget = budget;
        self
    }

    /// Every session encrypted with calimero's sync-level `SharedKey` (one key on both ends).
    /// Production leaves this off and relies on the transport; see `Integrity::Authenticated`.
    pub fn with_session_encryption(mut self, key: SharedKey, nonce: Nonce) -> Self {
        self.session = self.session.with_encryption(key, nonce);
        self
    }

    /// Ends `run()` at the first silent violation (or equal data under different roots).
    pub fn stop_on_violation(mut self, on: bool) -> Self {
        self.stop_on_violation = on;
        self
    }

    /// A chaos phase of `length`, then a heal phase that must converge (see [`SimConfig::chaos`]).
    pub fn with_chaos_phase(mut self, length: Duration) -> Self {
        self.chaos = Some(length);
        self
    }

    /// Plants `bug` in merosim's own World (tests of the checkers only).
    pub fn with_injected(mut self, bug: Injected) -> Self {
        self.inject = Some(bug);
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
        self.session.recv_timeout + (self.sync_interval + self.sync_jitter) * (20 * nodes) + sessions
    }

    /// Runs every node in `context_id` instead of the seed-derived one.
    pub fn with_context_id(mut self, context_id: ContextId) -> Self {
        self.context_id = Some(context_id);
        self
    }

    /// The context the run's nodes share.
    pub fn context(&self) -> ContextId {
        self.context_id.unwrap_or_else(|| crate::seed::context_id(self.seed))
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
        write!(
            f,
            "seed={} sync_interval={:?}+{:?} recv_timeout={:?} session_budget={:?} max_time={:?} \
             max_events={} faults=[{}]",
            self.seed,
            self.sync_interval,
            self.sync_jitter,
            self.session.recv_timeout,
            self.session.budget,
            self.max_time,
            self.max_events,
            self.faults
        )?;
        if self.session.encrypted() {
            f.write_str(" sessions=encrypted")?;
        }
        if self.stop_on_violation {
            f.write_str(" stop_on_violation")?;
        }
        if let Some(chaos) = self.chaos {
            write!(f, " chaos={chaos:?}")?;
        }
        if self.handshakes != Handshakes::Production {
            write!(f, " handshakes={}", self.handshakes)?;
        }
        if self.hc_responder != HcResponder::Protocol {
            write!(f, " hc-responder={}", self.hc_responder)?;
        }
        if let Some(bug) = self.inject {
            write!(f, " inject={bug}")?;
        }
        if let Some(context) = self.context_id {
            write!(f, " context={context}")?;
        }
        Ok(())
    }
}
