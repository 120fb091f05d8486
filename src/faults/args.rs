//! The faults of a run as the command line names them: a preset, the fault kinds turned off in
//! it, and the chaos phase (whose default is the preset's). A seed resolves them to the
//! [`FaultConfig`] the router acts on.

use std::time::Duration;

use super::{FaultConfig, FaultKind, FaultPreset};
use crate::args::ArgWriter;

/// The fault settings of one run.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct FaultArgs {
    /// Fault preset: healthy (none, lan), robustness (light, heavy: damaged bytes delivered),
    /// production-faithful (prod-lan, prod-wan, prod-chaos, swarm, any), adversarial (byzantine);
    /// `merosim list` and docs/fault-model.md describe them.
    #[cfg_attr(
        feature = "cli",
        arg(long = "faults", value_name = "PRESET", value_enum, hide_possible_values = true, default_value = "lan")
    )]
    pub preset: FaultPreset,
    /// Fault kinds to turn off in the preset, comma-separated (see `merosim list`).
    #[cfg_attr(feature = "cli", arg(long, value_name = "KIND,…", value_delimiter = ','))]
    pub without: Vec<FaultKind>,
    /// Chaos phase in seconds: faults act — and writes run — until then, then the run heals and
    /// must converge within its liveness bound. Default: 30 for the production-faithful presets
    /// (prod-*, swarm, any), none for the others; 0 turns the phases off.
    #[cfg_attr(feature = "cli", arg(long, value_name = "SECS", value_parser = crate::args::parse_secs))]
    pub chaos: Option<Duration>,
    /// Byzantine members to add beside the scenario's nodes (mallory, …): each lies to its peers
    /// (forged authors, copied signatures, replays with emptied or swapped parents, lying handshakes and
    /// tree-node answers, writes into members' User slots) while the oracles judge the honest nodes. Default: the preset's (1 for
    /// `byzantine`, 0 for the rest).
    #[cfg_attr(feature = "cli", arg(long, value_name = "N"))]
    pub byzantine: Option<u32>,
}

impl FaultArgs {
    /// `preset` as it comes, nothing turned off, its default chaos phase.
    pub fn new(preset: FaultPreset) -> Self {
        FaultArgs { preset, without: Vec::new(), chaos: None, byzantine: None }
    }

    /// The faults this seed runs with: the preset as the seed resolves it, less `without`.
    pub fn resolve(&self, seed: u64) -> FaultConfig {
        let mut faults = self.preset.resolve(seed);
        if let Some(nodes) = self.byzantine {
            faults = faults.with_byzantine(nodes);
        }
        self.without.iter().fold(faults, |faults, kind| faults.without(*kind))
    }

    /// The chaos phase: as given (0: none), else the preset's.
    pub fn chaos(&self) -> Option<Duration> {
        match self.chaos {
            Some(length) if length.is_zero() => None,
            Some(length) => Some(length),
            None => self.preset.default_chaos(),
        }
    }

    /// The one spelling of these settings: kinds sorted once each, a chaos phase given only
    /// when it differs from the preset's.
    pub fn canonical(mut self) -> Self {
        self.without.sort();
        self.without.dedup();
        let chaos = self.chaos();
        self.chaos = (chaos != self.preset.default_chaos()).then(|| chaos.unwrap_or_default());
        self.byzantine = self.byzantine.filter(|n| *n != self.preset.config().nodes.byzantine);
        self
    }

    /// Writes the settings back (the preset always).
    pub fn write_args(&self, out: &mut ArgWriter) {
        out.value("faults", self.preset);
        let canonical = self.clone().canonical();
        if !canonical.without.is_empty() {
            let kinds: Vec<&str> = canonical.without.iter().map(|k| k.name()).collect();
            out.value("without", kinds.join(","));
        }
        if let Some(chaos) = canonical.chaos {
            out.secs("chaos", chaos);
        }
        if let Some(nodes) = canonical.byzantine {
            out.value("byzantine", nodes);
        }
    }
}
