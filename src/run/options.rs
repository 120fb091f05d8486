//! What one seeded run is, as the CLI and sweeps name it: a scenario, a fault preset (less any
//! fault kinds turned off), sizes, time limits and the chaos phase, expanded into the exact
//! `SimConfig` and `Scenario` the run uses — printed in full, every seed-drawn value included, and
//! turned back into the command line that reproduces it.

use std::fmt;
use std::time::Duration;

use crate::cluster::{Injected, SimConfig};
use crate::faults::{FaultConfig, FaultKind, FaultPreset};
use crate::protocols::{Handshakes, HcResponder};
use crate::repro::Repro;
use crate::scenario::{Scenario, ScenarioKind, ScenarioSpec, Workload};

/// The chaos phase production-faithful presets get unless told otherwise.
pub const DEFAULT_CHAOS: Duration = Duration::from_secs(30);

/// How often each node writes during a chaos phase whose scenario has no workload.
const CHAOS_WRITES_EVERY: Duration = Duration::from_secs(1);

/// Everything a CLI run depends on.
#[derive(Clone, Debug)]
pub struct RunOptions {
    pub seed: u64,
    pub scenario: ScenarioSpec,
    pub faults: FaultPreset,
    /// Fault kinds turned off in the preset (what `merosim shrink` removes one at a time).
    pub without: Vec<FaultKind>,
    /// Nodes and entities per node, unless the scenario spec carries its own size.
    pub nodes: usize,
    pub entities: usize,
    pub max_time: Duration,
    pub recv_timeout: Duration,
    /// End a run when an oracle's verdict is certain (see `SimConfig::stop_on_violation`).
    pub stop_on_violation: bool,
    /// The chaos phase (`None`: faults act for the whole run, no heal).
    pub chaos: Option<Duration>,
    /// A bug planted in merosim itself, to show a checker fires (tests of merosim only).
    pub inject: Option<Injected>,
    /// How sync ticks build their handshakes (production's way unless a run asks otherwise).
    pub handshakes: Handshakes,
    /// Which code answers HashComparison sessions (the protocol's trait responder unless asked).
    pub hc_responder: HcResponder,
}

impl RunOptions {
    /// A run of `seed` with the CLI's defaults for everything else.
    pub fn new(seed: u64, scenario: ScenarioSpec, faults: FaultPreset) -> Self {
        RunOptions {
            seed,
            scenario,
            faults,
            without: Vec::new(),
            nodes: 3,
            entities: 20,
            max_time: Duration::from_secs(600),
            recv_timeout: Duration::from_secs(30),
            stop_on_violation: true,
            chaos: faults.production_faithful().then_some(DEFAULT_CHAOS),
            inject: None,
            handshakes: Handshakes::Production,
            hc_responder: HcResponder::Protocol,
        }
    }

    /// Node and entity counts: the spec's size if given, else the flags.
    pub fn size(&self) -> (usize, usize) {
        self.scenario.size(self.nodes, self.entities)
    }

    /// The faults this seed runs with: the preset as the seed resolves it, less `without`.
    pub fn fault_config(&self) -> FaultConfig {
        self.without.iter().fold(self.faults.resolve(self.seed), |faults, kind| faults.without(*kind))
    }

    pub fn config(&self) -> SimConfig {
        let mut config = SimConfig::with_seed(self.seed)
            .with_faults(self.fault_config())
            .max_time(self.max_time)
            .with_recv_timeout(self.recv_timeout)
            .stop_on_violation(self.stop_on_violation);
        config.chaos = self.chaos;
        config.inject = self.inject;
        config.handshakes = self.handshakes;
        config.hc_responder = self.hc_responder;
        config
    }

    /// The scenario as built for this seed. A chaos phase is a phase of faults *and writes*:
    /// a scenario without a workload of its own gets one write per node per second for the
    /// length of the phase, so the faults have something to lose; an app's operations are
    /// spread over the phase instead.
    pub fn build_scenario(&self) -> Scenario {
        let mut scenario = self.scenario.build(self.seed, self.nodes, self.entities);
        // An app's own operations are the phase's writes, spread over all of it.
        if let (Some(chaos), Some(app)) = (self.chaos, &mut scenario.app) {
            app.spread_over(chaos);
            return scenario;
        }
        if let (Some(chaos), None) = (self.chaos, &scenario.workload) {
            let count = chaos.as_secs().min(u64::from(u32::MAX)) as u32;
            if count > 0 {
                let writers = (0..scenario.nodes.len()).collect();
                scenario.workload = Some(Workload { writers, every: CHAOS_WRITES_EVERY, count });
            }
        }
        scenario
    }

    /// The arguments that reproduce this run, after `merosim <verb>`.
    pub fn flags(&self) -> String {
        let (nodes, entities) = self.size();
        // The size flags carry a spec's size, except for `random`, which draws its node count
        // from the seed unless the spec itself fixes it.
        let scenario = match self.scenario.kind {
            ScenarioKind::Random => self.scenario.to_string(),
            kind => kind.to_string(),
        };
        let mut flags = format!(
            "{} --scenario {scenario} --faults {} --nodes {nodes} --entities {entities} --max-time {} --recv-timeout {}",
            self.seed,
            self.faults,
            self.max_time.as_secs(),
            self.recv_timeout.as_secs()
        );
        if !self.without.is_empty() {
            let kinds: Vec<&str> = self.without.iter().map(|k| k.name()).collect();
            flags += &format!(" --without {}", kinds.join(","));
        }
        match self.chaos {
            Some(chaos) if Some(chaos) != self.default_chaos() => flags += &format!(" --chaos {}", chaos.as_secs()),
            None if self.default_chaos().is_some() => flags += " --chaos 0",
            _ => {}
        }
        if let Some(bug) = self.inject {
            flags += &format!(" --inject {bug}");
        }
        if self.handshakes != Handshakes::Production {
            flags += &format!(" --handshakes {}", self.handshakes);
        }
        if self.hc_responder != HcResponder::Protocol {
            flags += &format!(" --hc-responder {}", self.hc_responder);
        }
        if !self.stop_on_violation {
            flags += " --run-on";
        }
        flags
    }

    fn default_chaos(&self) -> Option<Duration> {
        self.faults.production_faithful().then_some(DEFAULT_CHAOS)
    }

    /// `merosim repro …` for this run.
    pub fn repro(&self) -> Repro {
        Repro::cli("repro", self.flags())
    }
}

impl fmt::Display for RunOptions {
    /// The expanded option set: scenario as built, every config value, every node's clock.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scenario = self.build_scenario();
        // `any` prints what this seed drew, after the name that replays the draw.
        let drawn = if self.scenario.kind == ScenarioKind::Any { "any → " } else { "" };
        writeln!(f, "  scenario  {drawn}{scenario}")?;
        if self.faults == FaultPreset::Any {
            writeln!(f, "  faults    any → {}", self.faults.drawn(self.seed))?;
        }
        write!(f, "  config    {}", self.config())?;
        let faults = self.fault_config();
        let clocks: Vec<String> = scenario
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n, faults.nodes.clock(self.seed, i as u32)))
            .filter(|(_, clock)| !clock.is_exact())
            .map(|(n, clock)| format!("{} {clock}", n.name))
            .collect();
        if !clocks.is_empty() {
            write!(f, "\n  clocks    {}", clocks.join(", "))?;
        }
        if let Some(chaos) = self.chaos {
            let entities = scenario.nodes.iter().map(|n| n.entities.len()).max().unwrap_or(0);
            let bound = self.config().liveness_bound(scenario.nodes.len(), entities);
            write!(f, "\n  phases    chaos {chaos:?}, then heal; converge within the liveness bound ({bound:?} at the starting size)")?;
        }
        Ok(())
    }
}
