//! Every fault a run can inject, as plain data: what links do to frames and streams, what gossip
//! suffers, what nodes suffer (clocks, pauses, crashes), and the buggify points. Each knob is a
//! probability or a duration drawn from a seeded stream, so a seed fixes every fault. The router
//! reads the network part, the cluster the node part; nothing here acts.
//!
//! The builder verbs follow the upstream sync-sim guide (`with_loss`, `with_latency(ms, jitter)`,
//! `with_reorder_window(ms)`, `with_duplicate`) so tests written against it keep compiling. The
//! named presets are defined once, in [`FaultPreset`], for tests and the CLI alike.

mod args;
mod kind;
mod link;
mod node;
mod preset;

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::time::Duration;

pub use args::FaultArgs;
pub use kind::FaultKind;
pub(crate) use link::clamp_probability;
pub use link::{Integrity, LinkFaults, MAX_RETRANSMITS};
pub use node::{Episodes, NodeClock, NodeFaults};
pub use preset::{FaultPreset, DEFAULT_CHAOS};

use crate::ids::NodeId;

/// Network-wide faults: one default for every link plus optional per-link overrides.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FaultConfig {
    pub default_link: LinkFaults,
    pub links: BTreeMap<(NodeId, NodeId), LinkFaults>,
    /// Random partitions: each frame sent has this chance of cutting its two nodes apart (both
    /// directions) for a duration drawn from the range; the frame itself is lost to the cut.
    pub random_partitions: Option<(f64, Range<Duration>)>,
    /// Connection drops: each session frame sent has this chance of dropping the connection
    /// between its two nodes — every stream between them fails at once, and new streams between
    /// them are refused for a duration drawn from the range (a peer's connection closing, a NAT
    /// rebinding, an idle timeout).
    pub connection_drops: Option<(f64, Range<Duration>)>,
    /// What gossiped deltas suffer, when it differs from the links' faults. Production gossip
    /// (gossipsub) is lossy and reorders while sync streams are reliable, so the
    /// production-faithful presets set the two apart. `None`: deltas share the link's faults.
    pub gossip: Option<LinkFaults>,
    /// Clocks, pauses and crashes of the nodes.
    pub nodes: NodeFaults,
    /// Chance that each buggify point fires when a run reaches it (0: off): slow applies, early
    /// stream closes by a responder, delayed gossip applies, skipped sync ticks.
    pub buggify: f64,
}

impl FaultConfig {
    /// A perfect network: no delay, nothing lost.
    pub fn none() -> Self {
        Self::default()
    }

    /// A healthy network as a libp2p stream sees it: 2 ms ± 1 ms, nothing lost, duplicated,
    /// reordered or damaged within a stream, and streams authenticated (a damaged frame would
    /// fail its stream, as Noise makes it).
    pub fn lan() -> Self {
        Self::none().with_latency(2, 1).with_integrity(Integrity::Authenticated)
    }

    /// Realistic LAN-ish network: 10 ms ± 5, 1 % loss, 20 ms reorder window, 1 % duplicates.
    pub fn light_chaos() -> Self {
        Self::none().with_latency(10, 5).with_loss(0.01).with_reorder_window(20).with_duplicate(0.01)
    }

    /// Stress network: 50 ms ± 25, 10 % loss (retransmitted on streams, lost on gossip), 10 % of
    /// stream frames dropped outright (the robustness fault), 100 ms reorder window, 5 %
    /// duplicates, 1 % corruption.
    pub fn heavy_chaos() -> Self {
        Self::none()
            .with_latency(50, 25)
            .with_loss(0.10)
            .with_stream_drop(0.10)
            .with_reorder_window(100)
            .with_duplicate(0.05)
            .with_corruption(0.01)
    }

    pub fn with_latency(mut self, base_ms: u64, jitter_ms: u64) -> Self {
        self.default_link.latency = Duration::from_millis(base_ms);
        self.default_link.jitter = Duration::from_millis(jitter_ms);
        self
    }

    pub fn with_loss(mut self, probability: f64) -> Self {
        self.default_link.loss = clamp_probability(probability);
        self
    }

    /// Drops this share of the frames inside session streams outright: the robustness fault
    /// ([`LinkFaults::drop`]); packet loss, which a reliable stream retransmits, is
    /// [`with_loss`](Self::with_loss).
    pub fn with_stream_drop(mut self, probability: f64) -> Self {
        self.default_link.drop = clamp_probability(probability);
        self
    }

    pub fn with_duplicate(mut self, probability: f64) -> Self {
        self.default_link.duplicate = clamp_probability(probability);
        self
    }

    /// Alias of [`with_duplicate`](Self::with_duplicate), as the upstream guide spells it too.
    pub fn with_duplicates(self, probability: f64) -> Self {
        self.with_duplicate(probability)
    }

    pub fn with_reorder_window(mut self, window_ms: u64) -> Self {
        self.default_link.reorder_window = Duration::from_millis(window_ms);
        self
    }

    /// Alias of [`with_reorder_window`](Self::with_reorder_window).
    pub fn with_reorder(self, window_ms: u64) -> Self {
        self.with_reorder_window(window_ms)
    }

    pub fn with_corruption(mut self, probability: f64) -> Self {
        self.default_link.corruption = clamp_probability(probability);
        self
    }

    /// What links do with damaged frames: deliver them ([`Integrity::Unchecked`]) or fail the
    /// stream ([`Integrity::Authenticated`], production's behaviour).
    pub fn with_integrity(mut self, integrity: Integrity) -> Self {
        self.default_link.integrity = integrity;
        self
    }

    /// Random partitions, as the upstream guide spells it: `with_partitions(0.01, 500..2000)` —
    /// 1 % of frames start a partition between their two nodes lasting 500–2000 ms.
    pub fn with_partitions(mut self, probability: f64, duration_ms: Range<u64>) -> Self {
        let ms = link::ordered(duration_ms, 1);
        let range = Duration::from_millis(ms.start)..Duration::from_millis(ms.end);
        self.random_partitions = Some((clamp_probability(probability), range));
        self
    }

    /// Overrides the faults of the directed link `from → to` (asymmetric links).
    pub fn with_link(mut self, from: NodeId, to: NodeId, faults: LinkFaults) -> Self {
        self.links.insert((from, to), faults);
        self
    }

    /// The faults that apply to `from → to`.
    pub fn link(&self, from: NodeId, to: NodeId) -> &LinkFaults {
        self.links.get(&(from, to)).unwrap_or(&self.default_link)
    }

    /// Whole-stream faults on every link: `reset` / `stall` are chances per session stream, and
    /// a failing stream fails after a number of frames drawn from `after`.
    pub fn with_stream_faults(mut self, reset: f64, stall: f64, after: Range<u32>) -> Self {
        self.default_link.reset = clamp_probability(reset);
        self.default_link.stall = clamp_probability(stall);
        self.default_link.cut_after = link::ordered(after, 1);
        self
    }

    /// Random connection drops: each session frame has chance `probability` of failing every
    /// stream between its two nodes and refusing new ones for `refuse_ms`.
    pub fn with_connection_drops(mut self, probability: f64, refuse_ms: Range<u64>) -> Self {
        let refuse = link::ordered(refuse_ms, 1);
        let range = Duration::from_millis(refuse.start)..Duration::from_millis(refuse.end);
        self.connection_drops = Some((clamp_probability(probability), range));
        self
    }

    /// What gossiped deltas suffer, apart from the sync streams' faults.
    pub fn with_gossip(mut self, faults: LinkFaults) -> Self {
        self.gossip = Some(faults);
        self
    }

    /// Node-level faults: clocks, pauses, crashes.
    pub fn with_nodes(mut self, nodes: NodeFaults) -> Self {
        self.nodes = nodes;
        self
    }

    /// Makes the `nodes` highest-numbered members Byzantine (see [`NodeFaults::byzantine`]).
    pub fn with_byzantine(mut self, nodes: u32) -> Self {
        self.nodes.byzantine = nodes;
        self
    }

    /// Turns the buggify points on, each firing with `probability` when reached.
    pub fn with_buggify(mut self, probability: f64) -> Self {
        self.buggify = clamp_probability(probability);
        self
    }

    /// The faults deltas from `from` to `to` suffer.
    pub fn gossip_link(&self, from: NodeId, to: NodeId) -> &LinkFaults {
        self.gossip.as_ref().unwrap_or_else(|| self.link(from, to))
    }

    /// The same network with every fault off — what a run's heal phase switches to: latencies and
    /// integrity stay (they are the network, not a fault of it); loss, damage, stream faults,
    /// partitions, connection drops, node faults and buggify go. Clocks stay as they were: a
    /// node's clock does not jump back when the chaos ends.
    pub fn healed(&self) -> FaultConfig {
        FaultConfig {
            default_link: self.default_link.healed(),
            links: self.links.iter().map(|(k, l)| (*k, l.healed())).collect(),
            random_partitions: None,
            connection_drops: None,
            gossip: self.gossip.as_ref().map(LinkFaults::healed),
            nodes: NodeFaults {
                clock_skew: self.nodes.clock_skew,
                clock_drift_ppm: self.nodes.clock_drift_ppm,
                byzantine: self.nodes.byzantine,
                ..NodeFaults::default()
            },
            buggify: 0.0,
        }
    }

    /// Largest delay any link can give a frame.
    pub fn max_delay(&self) -> Duration {
        self.links
            .values()
            .map(LinkFaults::max_delay)
            .chain(std::iter::once(self.default_link.max_delay()))
            .chain(self.gossip.as_ref().map(LinkFaults::max_delay))
            .max()
            .unwrap_or_default()
    }
}

impl fmt::Display for FaultConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "default: {}", self.default_link)?;
        if let Some((p, range)) = &self.random_partitions {
            write!(f, "; random partitions p={p} for {:?}..{:?}", range.start, range.end)?;
        }
        for ((from, to), link) in &self.links {
            write!(f, "; {from}->{to}: {link}")?;
        }
        // The parts below print only when set, so existing configurations print as they did.
        if let Some((p, range)) = &self.connection_drops {
            write!(f, "; connection drops p={p} refused for {:?}..{:?}", range.start, range.end)?;
        }
        if let Some(gossip) = &self.gossip {
            write!(f, "; gossip: {gossip}")?;
        }
        if !self.nodes.is_none() {
            write!(f, "; nodes: {}", self.nodes)?;
        }
        if self.buggify > 0.0 {
            write!(f, "; buggify p={}", self.buggify)?;
        }
        Ok(())
    }
}
