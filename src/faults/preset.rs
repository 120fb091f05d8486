//! The named fault configurations, defined once for tests and the CLI (`--faults NAME`).
//!
//! Two families. The **robustness** presets (`light`, `heavy`) damage frames *inside* streams —
//! loss, duplication, reordering, corruption delivered to decoders — which production's libp2p
//! streams never do; they exist to exercise the protocols' error paths. The
//! **production-faithful** presets (`prod-lan`, `prod-wan`, `prod-chaos`) keep streams reliable
//! and authenticated while they live and fail them whole (reset, stall, connection drop), make
//! gossip the lossy channel, skew clocks, pause and crash nodes. `swarm` draws its own mix of the
//! production-faithful kinds per seed. docs/fault-model.md says which production event each
//! knob models.

use std::str::FromStr;
use std::time::Duration;

use rand::Rng;
use strum::{Display, EnumCount, IntoStaticStr, VariantArray};

use super::{Episodes, FaultConfig, Integrity, LinkFaults, NodeFaults};
use crate::args::{by_name, UnknownName};
use crate::seed::{self, Stream};

/// The chaos phase production-faithful presets get unless told otherwise.
pub const DEFAULT_CHAOS: Duration = Duration::from_secs(30);

/// A named fault configuration. Its name is the variant's in kebab case (`ProdLan` is `prod-lan`),
/// as clap's `ValueEnum` spells it too.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Display, IntoStaticStr, EnumCount, VariantArray)]
#[strum(serialize_all = "kebab-case")]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum FaultPreset {
    None,
    Lan,
    Light,
    Heavy,
    ProdLan,
    ProdWan,
    ProdChaos,
    Swarm,
    Any,
    Byzantine,
}

impl FaultPreset {
    /// An array rather than strum's slice, so callers can iterate it by value and `map` it.
    pub const ALL: [FaultPreset; FaultPreset::COUNT] = *FaultPreset::VARIANTS.first_chunk().unwrap();

    pub fn name(self) -> &'static str {
        self.into()
    }

    /// One line for `merosim list`.
    pub fn about(self) -> &'static str {
        match self {
            FaultPreset::None => "perfect network: no delay, nothing lost",
            FaultPreset::Lan => "healthy network: 2 ms ± 1 ms, streams intact and authenticated",
            FaultPreset::Light => {
                "robustness: 10 ms ± 5, 1% loss (retransmitted on streams), 1% duplicates, 20 ms reorder window"
            }
            FaultPreset::Heavy => {
                "robustness: 50 ms ± 25, 10% loss (retransmitted on streams), 10% of stream frames dropped, 5% \
                 duplicates, 100 ms reorder window, 1% corruption delivered"
            }
            FaultPreset::ProdLan => "production LAN: 1 ms ± 1, 1% of streams reset, gossip 0.5% lost, clocks ±5 ms",
            FaultPreset::ProdWan => {
                "production WAN: 40 ms ± 20, streams reset/stall, connection drops, lossy gossip, clocks ±200 ms, pauses"
            }
            FaultPreset::ProdChaos => {
                "production chaos: stream resets and stalls, connection drops, partitions, 10% gossip loss, \
                 clocks ±2 s, pauses, crashes (also mid-merge)"
            }
            FaultPreset::Swarm => "each seed draws its own mix and intensity of the production-faithful kinds, buggify on",
            FaultPreset::Any => "each seed draws one production-faithful preset: prod-chaos, swarm, prod-wan or prod-lan",
            FaultPreset::Byzantine => {
                "prod-wan with one Byzantine member: forged authors, copied signatures, replays with rewritten parents, lying \
                 handshakes and tree-node answers (--byzantine N for more, or on any preset)"
            }
        }
    }

    /// The chaos phase a run of this preset gets unless told otherwise: [`DEFAULT_CHAOS`] for the
    /// production-faithful presets, none for the others.
    pub fn default_chaos(self) -> Option<Duration> {
        self.production_faithful().then_some(DEFAULT_CHAOS)
    }

    /// Whether the preset models production's failures (streams fail whole) rather than damaging
    /// frames inside streams. These runs get a chaos phase and a heal phase by default.
    pub fn production_faithful(self) -> bool {
        matches!(
            self,
            FaultPreset::ProdLan
                | FaultPreset::ProdWan
                | FaultPreset::ProdChaos
                | FaultPreset::Swarm
                | FaultPreset::Any
                | FaultPreset::Byzantine
        )
    }

    /// The configuration, for presets that do not depend on the seed (`swarm` gets seed 0's draw;
    /// use [`resolve`](Self::resolve)).
    pub fn config(self) -> FaultConfig {
        self.resolve(0)
    }

    /// The configuration a run with `seed` uses.
    pub fn resolve(self, seed: u64) -> FaultConfig {
        match self {
            FaultPreset::None => FaultConfig::none(),
            FaultPreset::Lan => FaultConfig::lan(),
            FaultPreset::Light => FaultConfig::light_chaos(),
            FaultPreset::Heavy => FaultConfig::heavy_chaos(),
            FaultPreset::ProdLan => FaultConfig::prod_lan(),
            FaultPreset::ProdWan => FaultConfig::prod_wan(),
            FaultPreset::ProdChaos => FaultConfig::prod_chaos(),
            FaultPreset::Swarm => FaultConfig::swarm(seed),
            FaultPreset::Any => self.drawn(seed).resolve(seed),
            FaultPreset::Byzantine => FaultConfig::prod_wan().with_byzantine(1),
        }
    }

    /// The preset `any` draws for `seed` (every other preset is itself). Only production-faithful
    /// ones: on them every failure merosim reports is one production can meet, and on the pinned
    /// release each reaches known findings within a few seeds (docs/reproducing-bugs.md).
    pub fn drawn(self, seed: u64) -> FaultPreset {
        if self != FaultPreset::Any {
            return self;
        }
        const PRESETS: [(FaultPreset, u32); 4] = [
            (FaultPreset::ProdChaos, 2),
            (FaultPreset::Swarm, 2),
            (FaultPreset::ProdWan, 1),
            (FaultPreset::ProdLan, 1),
        ];
        let total: u32 = PRESETS.iter().map(|(_, w)| w).sum();
        let mut pick = seed::rng(seed, Stream::Preset).gen_range(0..total);
        for (preset, weight) in PRESETS {
            if pick < weight {
                return preset;
            }
            pick -= weight;
        }
        FaultPreset::ProdChaos
    }
}

fn ms(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

fn gossip(latency_ms: u64, jitter_ms: u64, loss: f64, duplicate: f64, reorder_ms: u64) -> LinkFaults {
    LinkFaults {
        latency: ms(latency_ms),
        jitter: ms(jitter_ms),
        loss,
        duplicate,
        reorder_window: ms(reorder_ms),
        integrity: Integrity::Authenticated,
        ..LinkFaults::NONE
    }
}

impl FaultConfig {
    /// Production on a LAN: 1 ms ± 1, authenticated streams of which 1 % reset; gossip 0.5 %
    /// lost and duplicated; clocks within ±5 ms, 10 ppm.
    pub fn prod_lan() -> Self {
        Self::none()
            .with_latency(1, 1)
            .with_integrity(Integrity::Authenticated)
            .with_stream_faults(0.01, 0.0, 1..200)
            .with_gossip(gossip(2, 2, 0.005, 0.005, 5))
            .with_nodes(NodeFaults { clock_skew: ms(5), clock_drift_ppm: 10, ..NodeFaults::default() })
    }

    /// Production across a WAN: 40 ms ± 20; 3 % of streams reset and 1 % stall; rare connection
    /// drops; gossip 2 % lost, reordered over 100 ms; clocks within ±200 ms, 50 ppm; a short pause
    /// per node about once a minute.
    pub fn prod_wan() -> Self {
        Self::none()
            .with_latency(40, 20)
            .with_integrity(Integrity::Authenticated)
            .with_stream_faults(0.03, 0.01, 1..200)
            .with_connection_drops(0.0005, 500..3_000)
            .with_gossip(gossip(60, 40, 0.02, 0.01, 100))
            .with_nodes(NodeFaults {
                clock_skew: ms(200),
                clock_drift_ppm: 50,
                pause: Some(Episodes::new(ms(60_000), ms(50)..ms(500))),
                ..NodeFaults::default()
            })
    }

    /// Production having a bad day: 20 ms ± 20 with rare damage (which fails the stream, as Noise
    /// does); 10 % of streams reset and 5 % stall; connection drops and partitions; gossip 10 %
    /// lost, 5 % duplicated, reordered over 300 ms; clocks within ±2 s, 500 ppm; pauses of up to
    /// 3 s about every 20 s per node, a crash about every minute, and 5 % of sessions losing a
    /// party mid-merge.
    pub fn prod_chaos() -> Self {
        Self::none()
            .with_latency(20, 20)
            .with_integrity(Integrity::Authenticated)
            .with_corruption(0.001)
            .with_stream_faults(0.10, 0.05, 1..100)
            .with_connection_drops(0.002, 1_000..5_000)
            .with_partitions(0.001, 500..3_000)
            .with_gossip(gossip(50, 50, 0.10, 0.05, 300))
            .with_nodes(NodeFaults {
                clock_skew: ms(2_000),
                clock_drift_ppm: 500,
                pause: Some(Episodes::new(ms(20_000), ms(100)..ms(3_000))),
                crash: Some(Episodes::new(ms(60_000), ms(1_000)..ms(10_000))),
                crash_mid_merge: 0.05,
                ..NodeFaults::default()
            })
    }

    /// FoundationDB-style swarm testing: the seed turns each production-faithful fault kind on or
    /// off and draws its intensity, and turns buggify on. Printed in full with the options.
    pub fn swarm(seed: u64) -> Self {
        let mut rng = seed::rng(seed, Stream::Swarm);
        let on = |rng: &mut rand_chacha::ChaCha8Rng| rng.gen_bool(0.5);
        let base = rng.gen_range(1..=100);
        let mut config =
            Self::none().with_latency(base, rng.gen_range(0..=base)).with_integrity(Integrity::Authenticated);
        if on(&mut rng) {
            config = config.with_corruption(rng.gen_range(0.0..0.01));
        }
        let (reset, stall) = (
            if on(&mut rng) { rng.gen_range(0.0..0.2) } else { 0.0 },
            if on(&mut rng) { rng.gen_range(0.0..0.1) } else { 0.0 },
        );
        config = config.with_stream_faults(reset, stall, 1..rng.gen_range(16..=256));
        if on(&mut rng) {
            let refuse = rng.gen_range(100..=5_000);
            config = config.with_connection_drops(rng.gen_range(0.0..0.005), 100..refuse.max(101));
        }
        if on(&mut rng) {
            config = config.with_partitions(rng.gen_range(0.0..0.005), 200..rng.gen_range(201..=5_000));
        }
        if on(&mut rng) {
            let latency = rng.gen_range(1..=200);
            let (loss, duplicate) = (rng.gen_range(0.0..0.3), rng.gen_range(0.0..0.1));
            config = config.with_gossip(gossip(
                latency,
                rng.gen_range(0..=latency),
                loss,
                duplicate,
                rng.gen_range(0..=500),
            ));
        }
        let mut nodes = NodeFaults::default();
        if on(&mut rng) {
            nodes.clock_skew = ms(rng.gen_range(0..=5_000));
            nodes.clock_drift_ppm = rng.gen_range(0..=1_000);
        }
        if on(&mut rng) {
            let longest = rng.gen_range(11..=5_000);
            nodes.pause = Some(Episodes::new(ms(rng.gen_range(5_000..=60_000)), ms(10)..ms(longest)));
        }
        if on(&mut rng) {
            let longest = rng.gen_range(501..=15_000);
            nodes.crash = Some(Episodes::new(ms(rng.gen_range(10_000..=120_000)), ms(500)..ms(longest)));
        }
        if on(&mut rng) {
            nodes.crash_mid_merge = rng.gen_range(0.0..0.2);
        }
        config.with_nodes(nodes).with_buggify(rng.gen_range(0.05..0.3))
    }
}

impl FromStr for FaultPreset {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Self, UnknownName> {
        by_name(s, "fault preset")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swarm_draws_a_mix_per_seed_and_keeps_it() {
        assert_eq!(FaultConfig::swarm(3), FaultConfig::swarm(3));
        let mixes: std::collections::BTreeSet<Vec<_>> = (0..40).map(|s| FaultConfig::swarm(s).kinds()).collect();
        assert!(mixes.len() > 10, "40 seeds drew only {} mixes", mixes.len());
        assert!((0..40).all(|s| FaultConfig::swarm(s).buggify > 0.0));
    }

    #[test]
    fn production_presets_keep_streams_reliable() {
        for preset in FaultPreset::ALL.into_iter().filter(|p| p.production_faithful()) {
            for seed in 0..20 {
                let link = preset.resolve(seed).default_link;
                assert_eq!((link.loss, link.duplicate, link.reorder_window), (0.0, 0.0, Duration::ZERO), "{preset}");
                assert_eq!(link.integrity, Integrity::Authenticated, "{preset}");
            }
        }
    }
}

#[cfg(test)]
mod any_tests {
    use super::*;

    /// `any` draws the same preset for the same seed, only production-faithful ones, and every
    /// one of its four within a few dozen seeds; the others draw themselves.
    #[test]
    fn any_draws_a_production_faithful_preset_per_seed() {
        let draws: Vec<FaultPreset> = (0..60).map(|s| FaultPreset::Any.drawn(s)).collect();
        assert_eq!(draws, (0..60).map(|s| FaultPreset::Any.drawn(s)).collect::<Vec<_>>());
        assert!(draws.iter().all(|p| p.production_faithful() && *p != FaultPreset::Any));
        for preset in [FaultPreset::ProdChaos, FaultPreset::Swarm, FaultPreset::ProdWan, FaultPreset::ProdLan] {
            assert!(draws.contains(&preset), "{preset} never drawn in 60 seeds");
        }
        assert_eq!(FaultPreset::Heavy.drawn(7), FaultPreset::Heavy);
    }
}
