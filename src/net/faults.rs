//! What the network does to frames, per directed link. Every knob is a probability or a duration
//! drawn from the router's seeded RNG, so a seed fixes every fault.
//!
//! The builder verbs follow the upstream sync-sim guide (`with_loss`, `with_latency(ms, jitter)`,
//! `with_reorder_window(ms)`, `with_duplicate`) so tests written against it keep compiling. The
//! named presets are defined once, in [`FaultPreset`], for tests and the CLI alike.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::str::FromStr;
use std::time::Duration;

use crate::ids::NodeId;

/// What a link's transport does with a frame damaged in flight.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Integrity {
    /// The damaged bytes reach the receiver's decoder. Production never does this (its streams are
    /// authenticated), but it is how the robustness presets exercise the protocols' decoders.
    #[default]
    Unchecked,
    /// An authenticated transport, as libp2p's Noise AEAD is: a damaged frame fails its stream and
    /// both ends see an error; nothing damaged reaches a decoder.
    Authenticated,
}

/// Fault parameters of one directed link.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkFaults {
    /// Base one-way delay.
    pub latency: Duration,
    /// Uniform extra delay in `[0, jitter]`.
    pub jitter: Duration,
    /// Probability that a frame is silently dropped.
    pub loss: f64,
    /// Probability that a frame is delivered twice (the copy gets its own delay).
    pub duplicate: f64,
    /// Uniform extra delay in `[0, reorder_window]`, so frames overtake each other.
    pub reorder_window: Duration,
    /// Probability that a frame's bytes are damaged in flight (bit flips or truncation).
    pub corruption: f64,
    /// What happens to a damaged frame.
    pub integrity: Integrity,
}

impl LinkFaults {
    pub const NONE: LinkFaults = LinkFaults {
        latency: Duration::ZERO,
        jitter: Duration::ZERO,
        loss: 0.0,
        duplicate: 0.0,
        reorder_window: Duration::ZERO,
        corruption: 0.0,
        integrity: Integrity::Unchecked,
    };

    /// Largest delay this link can give a frame; used to bound waits and budgets.
    pub fn max_delay(&self) -> Duration {
        self.latency + self.jitter + self.reorder_window
    }
}

impl Default for LinkFaults {
    fn default() -> Self {
        Self::NONE
    }
}

/// Network-wide faults: one default for every link plus optional per-link overrides.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FaultConfig {
    pub default_link: LinkFaults,
    pub links: BTreeMap<(NodeId, NodeId), LinkFaults>,
    /// Random partitions: each frame sent has this chance of cutting its two nodes apart (both
    /// directions) for a duration drawn from the range; the frame itself is lost to the cut.
    pub random_partitions: Option<(f64, Range<Duration>)>,
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

    /// Stress network: 50 ms ± 25, 10 % loss, 100 ms reorder window, 5 % duplicates, 1 % corruption.
    pub fn heavy_chaos() -> Self {
        Self::none()
            .with_latency(50, 25)
            .with_loss(0.10)
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
        let (lo, hi) = (duration_ms.start.min(duration_ms.end), duration_ms.end.max(duration_ms.start));
        let range = Duration::from_millis(lo)..Duration::from_millis(hi.max(lo + 1));
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

    /// Largest delay any link can give a frame.
    pub fn max_delay(&self) -> Duration {
        self.links
            .values()
            .map(LinkFaults::max_delay)
            .chain(std::iter::once(self.default_link.max_delay()))
            .max()
            .unwrap_or_default()
    }
}

fn clamp_probability(p: f64) -> f64 {
    if p.is_nan() {
        0.0
    } else {
        p.clamp(0.0, 1.0)
    }
}

impl fmt::Display for LinkFaults {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "latency={:?} jitter={:?} loss={} duplicate={} reorder_window={:?} corruption={}",
            self.latency, self.jitter, self.loss, self.duplicate, self.reorder_window, self.corruption
        )?;
        // Printed only when set, so the lines of existing configurations (which traces record when
        // faults change) stay as they were.
        match self.integrity {
            Integrity::Unchecked => Ok(()),
            Integrity::Authenticated => f.write_str(" integrity=authenticated"),
        }
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
        Ok(())
    }
}

/// The named fault configurations, for tests and the CLI (`--faults NAME`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum FaultPreset {
    None,
    Lan,
    Light,
    Heavy,
}

impl FaultPreset {
    pub const ALL: [FaultPreset; 4] = [FaultPreset::None, FaultPreset::Lan, FaultPreset::Light, FaultPreset::Heavy];

    pub fn name(self) -> &'static str {
        match self {
            FaultPreset::None => "none",
            FaultPreset::Lan => "lan",
            FaultPreset::Light => "light",
            FaultPreset::Heavy => "heavy",
        }
    }

    /// One line for `merosim list`.
    pub fn about(self) -> &'static str {
        match self {
            FaultPreset::None => "perfect network: no delay, nothing lost",
            FaultPreset::Lan => "healthy network: 2 ms ± 1 ms, streams intact and authenticated",
            FaultPreset::Light => "robustness: 10 ms ± 5, 1% loss, 1% duplicates, 20 ms reorder window",
            FaultPreset::Heavy => {
                "robustness: 50 ms ± 25, 10% loss, 5% duplicates, 100 ms reorder window, 1% corruption delivered"
            }
        }
    }

    pub fn config(self) -> FaultConfig {
        match self {
            FaultPreset::None => FaultConfig::none(),
            FaultPreset::Lan => FaultConfig::lan(),
            FaultPreset::Light => FaultConfig::light_chaos(),
            FaultPreset::Heavy => FaultConfig::heavy_chaos(),
        }
    }
}

impl fmt::Display for FaultPreset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown preset name; says which names exist.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown fault preset '{0}' (known: {known})", known = preset_names())]
pub struct UnknownPreset(pub String);

fn preset_names() -> String {
    FaultPreset::ALL.map(FaultPreset::name).join(", ")
}

impl FromStr for FaultPreset {
    type Err = UnknownPreset;

    fn from_str(s: &str) -> Result<Self, UnknownPreset> {
        FaultPreset::ALL.into_iter().find(|p| p.name() == s).ok_or_else(|| UnknownPreset(s.to_owned()))
    }
}
