//! Fault kinds by name: what `--without KIND` turns off and what `merosim shrink` removes one at a
//! time while a failure persists.

use std::str::FromStr;
use std::time::Duration;

use strum::{Display, EnumCount, IntoStaticStr, VariantArray};

use super::{FaultConfig, LinkFaults};
use crate::args::{by_name, UnknownName};

/// One kind of fault a configuration can hold. Its name is the variant's in kebab case
/// (`CrashMidMerge` is `crash-mid-merge`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Display, IntoStaticStr, EnumCount, VariantArray)]
#[strum(serialize_all = "kebab-case")]
pub enum FaultKind {
    Loss,
    Duplicate,
    Reorder,
    Corruption,
    StreamDrop,
    Reset,
    Stall,
    ConnectionDrop,
    Partition,
    Gossip,
    Clock,
    Pause,
    Crash,
    CrashMidMerge,
    Buggify,
    Byzantine,
}

impl FaultKind {
    /// An array rather than strum's slice, so callers can iterate it by value and `map` it.
    pub const ALL: [FaultKind; FaultKind::COUNT] = *FaultKind::VARIANTS.first_chunk().unwrap();

    pub fn name(self) -> &'static str {
        self.into()
    }
}

impl FromStr for FaultKind {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Self, UnknownName> {
        by_name(s, "fault kind")
    }
}

impl FaultConfig {
    /// Whether this configuration injects any fault of `kind`.
    pub fn has(&self, kind: FaultKind) -> bool {
        let links = || std::iter::once(&self.default_link).chain(self.links.values());
        let any = |f: fn(&LinkFaults) -> bool| links().any(f);
        match kind {
            FaultKind::Loss => any(|l| l.loss > 0.0),
            FaultKind::Duplicate => any(|l| l.duplicate > 0.0),
            FaultKind::Reorder => any(|l| !l.reorder_window.is_zero()),
            FaultKind::Corruption => any(|l| l.corruption > 0.0),
            FaultKind::StreamDrop => any(|l| l.drop > 0.0),
            FaultKind::Reset => any(|l| l.reset > 0.0),
            FaultKind::Stall => any(|l| l.stall > 0.0),
            FaultKind::ConnectionDrop => self.connection_drops.is_some(),
            FaultKind::Partition => self.random_partitions.is_some(),
            FaultKind::Gossip => self.gossip.as_ref().is_some_and(|g| *g != g.healed()),
            FaultKind::Clock => !self.nodes.clock_skew.is_zero() || self.nodes.clock_drift_ppm > 0,
            FaultKind::Pause => self.nodes.pause.is_some(),
            FaultKind::Crash => self.nodes.crash.is_some(),
            FaultKind::CrashMidMerge => self.nodes.crash_mid_merge > 0.0,
            FaultKind::Buggify => self.buggify > 0.0,
            FaultKind::Byzantine => self.nodes.byzantine > 0,
        }
    }

    /// The kinds this configuration injects, in [`FaultKind::ALL`] order.
    pub fn kinds(&self) -> Vec<FaultKind> {
        FaultKind::ALL.into_iter().filter(|k| self.has(*k)).collect()
    }

    /// This configuration with every fault of `kind` off.
    pub fn without(mut self, kind: FaultKind) -> FaultConfig {
        let links = std::iter::once(&mut self.default_link).chain(self.links.values_mut());
        for link in links {
            match kind {
                FaultKind::Loss => link.loss = 0.0,
                FaultKind::Duplicate => link.duplicate = 0.0,
                FaultKind::Reorder => link.reorder_window = Duration::ZERO,
                FaultKind::Corruption => link.corruption = 0.0,
                FaultKind::StreamDrop => link.drop = 0.0,
                FaultKind::Reset => link.reset = 0.0,
                FaultKind::Stall => link.stall = 0.0,
                _ => {}
            }
        }
        let nodes = &mut self.nodes;
        match kind {
            FaultKind::ConnectionDrop => self.connection_drops = None,
            FaultKind::Partition => self.random_partitions = None,
            FaultKind::Gossip => self.gossip = self.gossip.as_ref().map(LinkFaults::healed),
            FaultKind::Clock => {
                nodes.clock_skew = Duration::ZERO;
                nodes.clock_drift_ppm = 0;
            }
            FaultKind::Pause => nodes.pause = None,
            FaultKind::Crash => nodes.crash = None,
            FaultKind::CrashMidMerge => nodes.crash_mid_merge = 0.0,
            FaultKind::Buggify => self.buggify = 0.0,
            FaultKind::Byzantine => nodes.byzantine = 0,
            _ => {}
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faults::FaultPreset;

    #[test]
    fn without_turns_exactly_one_kind_off() {
        let chaos = FaultPreset::ProdChaos.config();
        let kinds = chaos.kinds();
        assert!(kinds.len() >= 8, "{kinds:?}");
        for kind in &kinds {
            let less = chaos.clone().without(*kind);
            assert!(!less.has(*kind), "{kind}");
            let others: Vec<_> = kinds.iter().filter(|k| *k != kind).copied().collect();
            assert_eq!(less.kinds(), others, "{kind}");
        }
        assert_eq!("crash-mid-merge".parse::<FaultKind>(), Ok(FaultKind::CrashMidMerge));
        assert!("nope".parse::<FaultKind>().unwrap_err().to_string().contains("loss, duplicate"));
    }
}
