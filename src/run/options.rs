//! What one seeded run is, as the CLI and sweeps name it: a scenario, a fault preset, sizes and
//! time limits, expanded into the exact `SimConfig` and `Scenario` the run uses — printed in full,
//! and turned back into the command line that reproduces it.

use std::fmt;
use std::time::Duration;

use crate::cluster::SimConfig;
use crate::net::FaultPreset;
use crate::repro::Repro;
use crate::scenario::{Scenario, ScenarioSpec};

/// Everything a CLI run depends on.
#[derive(Clone, Debug)]
pub struct RunOptions {
    pub seed: u64,
    pub scenario: ScenarioSpec,
    pub faults: FaultPreset,
    /// Nodes and entities per node, unless the scenario spec carries its own size.
    pub nodes: usize,
    pub entities: usize,
    pub max_time: Duration,
    pub recv_timeout: Duration,
    /// End a run when an oracle's verdict is certain (see `SimConfig::stop_on_violation`).
    pub stop_on_violation: bool,
}

impl RunOptions {
    /// Node and entity counts: the spec's size if given, else the flags.
    pub fn size(&self) -> (usize, usize) {
        self.scenario.size(self.nodes, self.entities)
    }

    pub fn config(&self) -> SimConfig {
        SimConfig::with_seed(self.seed)
            .with_faults(self.faults.config())
            .max_time(self.max_time)
            .with_recv_timeout(self.recv_timeout)
            .stop_on_violation(self.stop_on_violation)
    }

    pub fn build_scenario(&self) -> Scenario {
        self.scenario.build(self.seed, self.nodes, self.entities)
    }

    /// The arguments that reproduce this run, after `merosim <verb>`.
    pub fn flags(&self) -> String {
        let (nodes, entities) = self.size();
        format!(
            "{} --scenario {} --faults {} --nodes {nodes} --entities {entities} --max-time {} --recv-timeout {}",
            self.seed,
            self.scenario.kind,
            self.faults,
            self.max_time.as_secs(),
            self.recv_timeout.as_secs()
        ) + if self.stop_on_violation { "" } else { " --run-on" }
    }

    /// `merosim repro …` for this run.
    pub fn repro(&self) -> Repro {
        Repro::cli("repro", self.flags())
    }
}

impl fmt::Display for RunOptions {
    /// The expanded option set: scenario as built, and every config value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "  scenario  {}", self.build_scenario())?;
        write!(f, "  config    {}", self.config())
    }
}
