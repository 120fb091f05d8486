//! What one CLI run is: a scenario spec, a fault preset and a seed, expanded into the exact
//! `SimConfig` and `Scenario` the run uses — printed in full, and turned back into the command
//! line that reproduces it.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::net::FaultConfig;
use crate::runtime::SimConfig;
use crate::scenario::{RandomScenario, RandomScenarioConfig, Scenario};

/// Named scenarios, with one-line descriptions for `merosim list`.
pub const SCENARIOS: &[(&str, &str)] = &[
    ("diverged", "every node holds its own entities, none shared (Scenario::n_nodes_diverged)"),
    ("synced", "every node holds the same entities (Scenario::n_nodes_synced)"),
    ("overlap", "half the entities shared, half unique per node (Scenario::partial_overlap)"),
    ("random", "seed-drawn node count, entity count and divergence (RandomScenario)"),
    ("snapshot", "one node with 20 entities and a fresh one: snapshot bootstrap, run as HashComparison"),
    ("none", "two empty nodes: select_protocol picks None, nothing is sent"),
];

/// Fault presets, with one-line descriptions for `merosim list`.
pub const FAULT_PRESETS: &[(&str, &str)] = &[
    ("none", "perfect network: no delay, nothing lost"),
    ("lan", "healthy network: 2 ms ± 1 ms, streams intact"),
    ("light", "10 ms ± 5, 1% loss, 1% duplicates, 20 ms reorder window"),
    ("heavy", "50 ms ± 25, 10% loss, 5% duplicates, 100 ms reorder window, 1% corruption"),
];

/// `NAME` or `NAME-NxE` (e.g. `diverged-3x200`): a scenario and, optionally, its size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioSpec {
    pub name: String,
    pub nodes: Option<usize>,
    pub entities: Option<usize>,
}

impl FromStr for ScenarioSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (name, size) = match s.split_once('-') {
            Some((name, size)) => (name, Some(size)),
            None => (s, None),
        };
        if !SCENARIOS.iter().any(|(n, _)| *n == name) {
            let known: Vec<&str> = SCENARIOS.iter().map(|(n, _)| *n).collect();
            return Err(format!(
                "unknown scenario '{name}' (known: {}; `merosim list` describes them)",
                known.join(", ")
            ));
        }
        let (nodes, entities) = match size {
            None => (None, None),
            Some(size) => {
                let parsed =
                    size.split_once('x').and_then(|(n, e)| Some((n.parse::<usize>().ok()?, e.parse::<usize>().ok()?)));
                match parsed {
                    Some((n, e)) if n >= 1 => (Some(n), Some(e)),
                    _ => return Err(format!("bad scenario size '{size}': expected NODESxENTITIES, e.g. {name}-3x200")),
                }
            }
        };
        Ok(ScenarioSpec { name: name.to_owned(), nodes, entities })
    }
}

impl fmt::Display for ScenarioSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.nodes, self.entities) {
            (Some(n), Some(e)) => write!(f, "{}-{n}x{e}", self.name),
            _ => f.write_str(&self.name),
        }
    }
}

/// A fault preset by name.
pub fn fault_preset(name: &str) -> Result<FaultConfig, String> {
    match name {
        "none" => Ok(FaultConfig::none()),
        "lan" => Ok(FaultConfig::lan()),
        "light" => Ok(FaultConfig::light_chaos()),
        "heavy" => Ok(FaultConfig::heavy_chaos()),
        other => {
            let known: Vec<&str> = FAULT_PRESETS.iter().map(|(n, _)| *n).collect();
            Err(format!("unknown fault preset '{other}' (known: {})", known.join(", ")))
        }
    }
}

/// Everything a CLI run depends on.
#[derive(Clone, Debug)]
pub struct RunOptions {
    pub seed: u64,
    pub scenario: ScenarioSpec,
    pub faults: String,
    pub nodes: usize,
    pub entities: usize,
    pub max_time: Duration,
    pub recv_timeout: Duration,
}

impl RunOptions {
    /// Node and entity counts: the spec's size if given, else the flags.
    pub fn size(&self) -> (usize, usize) {
        (self.scenario.nodes.unwrap_or(self.nodes), self.scenario.entities.unwrap_or(self.entities))
    }

    pub fn config(&self) -> Result<SimConfig, String> {
        Ok(SimConfig::with_seed(self.seed)
            .with_faults(fault_preset(&self.faults)?)
            .max_time(self.max_time)
            .with_recv_timeout(self.recv_timeout))
    }

    pub fn build_scenario(&self) -> Scenario {
        let (nodes, entities) = self.size();
        match self.scenario.name.as_str() {
            "synced" => Scenario::n_nodes_synced(nodes, entities),
            "overlap" => Scenario::partial_overlap(nodes, entities / 2, entities - entities / 2),
            "random" => {
                let mut config = RandomScenarioConfig::new(self.seed).with_entity_count(1, entities.max(1));
                if self.scenario.nodes.is_some() {
                    config = config.with_node_count(nodes, nodes);
                }
                RandomScenario::generate(&config)
            }
            "snapshot" => Scenario::force_snapshot(),
            "none" => Scenario::force_none(),
            _ => Scenario::n_nodes_diverged(nodes, entities),
        }
    }

    /// The flags that reproduce this run, after `merosim <verb>`.
    pub fn flags(&self) -> String {
        let (nodes, entities) = self.size();
        format!(
            "{} --scenario {} --faults {} --nodes {nodes} --entities {entities} --max-time {} --recv-timeout {}",
            self.seed,
            self.scenario.name,
            self.faults,
            self.max_time.as_secs(),
            self.recv_timeout.as_secs()
        )
    }

    pub fn repro_line(&self) -> String {
        format!("merosim repro {}", self.flags())
    }
}

impl fmt::Display for RunOptions {
    /// The expanded option set: scenario as built, and every config value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "  scenario  {}", self.build_scenario())?;
        match self.config() {
            Ok(config) => write!(f, "  config    {config}"),
            Err(e) => write!(f, "  config    invalid: {e}"),
        }
    }
}
