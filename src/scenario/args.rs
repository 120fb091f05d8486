//! What a run's nodes start from, as the command line names it: a scenario and, for the
//! scenarios that take one, a size.

use super::{Scenario, ScenarioKind, ScenarioSpec};
use crate::args::ArgWriter;

/// The scenario settings of one run.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct WorkloadArgs {
    /// Scenario NAME or NAME-NODESxENTITIES (e.g. diverged-3x200 = 3 nodes × 200 entities,
    /// crdt-mixed-5x40 = 5 nodes × 40 operations each); `merosim list` describes them.
    #[cfg_attr(feature = "cli", arg(long, value_name = "NAME[-NxE]", default_value = "diverged"))]
    pub scenario: ScenarioSpec,
    /// Nodes (when the scenario name carries no size).
    #[cfg_attr(feature = "cli", arg(long, value_name = "N", default_value_t = 3, value_parser = parse_nodes))]
    pub nodes: usize,
    /// Entities per node (when the scenario name carries no size).
    #[cfg_attr(feature = "cli", arg(long, value_name = "E", default_value_t = 20, value_parser = parse_entities))]
    pub entities: usize,
}

fn parse_count(s: &str, what: &str, range: std::ops::RangeInclusive<usize>) -> Result<usize, String> {
    s.parse::<usize>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| format!("bad {what} '{s}': expected a whole number in {}..={}", range.start(), range.end()))
}

#[cfg_attr(not(feature = "cli"), allow(dead_code))]
fn parse_nodes(s: &str) -> Result<usize, String> {
    parse_count(s, "node count", 1..=1000)
}

#[cfg_attr(not(feature = "cli"), allow(dead_code))]
fn parse_entities(s: &str) -> Result<usize, String> {
    parse_count(s, "entity count", 0..=1_000_000)
}

impl WorkloadArgs {
    /// `scenario` at the default size (3 nodes, 20 entities each) unless it names its own.
    pub fn new(scenario: ScenarioSpec) -> Self {
        WorkloadArgs { scenario, nodes: 3, entities: 20 }
    }

    /// Node and entity counts: the spec's size if given, else the flags.
    pub fn size(&self) -> (usize, usize) {
        self.scenario.size(self.nodes, self.entities)
    }

    /// The scenario as built for this seed.
    pub fn build(&self, seed: u64) -> Scenario {
        self.scenario.build(seed, self.nodes, self.entities)
    }

    /// The one spelling: the size goes into the flags, except for the seed-drawn scenarios
    /// (`random`, `any`, `any-storage`), where a size in the name also fixes what the seed would draw.
    pub fn canonical(self) -> Self {
        let (nodes, entities) = self.size();
        let scenario = if self.draws_size() { self.scenario } else { ScenarioSpec::new(self.scenario.kind) };
        WorkloadArgs { scenario, nodes, entities }
    }

    fn draws_size(&self) -> bool {
        matches!(self.scenario.kind, ScenarioKind::Random | ScenarioKind::Any | ScenarioKind::AnyStorage)
    }

    /// Writes the settings back (all three, always).
    pub fn write_args(&self, out: &mut ArgWriter) {
        let canonical = self.clone().canonical();
        out.value("scenario", &canonical.scenario);
        out.value("nodes", canonical.nodes);
        out.value("entities", canonical.entities);
    }
}
